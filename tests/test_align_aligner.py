"""The e5-DP aligner on small texts written for the tests (real encoder, few and small)."""

from __future__ import annotations

import numpy as np
import pytest
from align_fixtures import PARALLEL, UNRELATED_EN, merged

from duiyi.align import confidence
from duiyi.align.aligner import AlignConfig, Aligner, is_chinese
from duiyi.align.embed import EmbeddingCache, SpanEncoder

ZH = [zh for zh, _ in PARALLEL]
EN = [en for _, en in PARALLEL]


@pytest.fixture(scope="module")
def aligner(tmp_path_factory):
    cache = EmbeddingCache(tmp_path_factory.mktemp("emb") / "e5.sqlite")
    return Aligner(SpanEncoder(cache))


def as_pairs(beads):
    return [(b.src, b.tgt) for b in beads]


def test_one_to_one_text_aligns_exactly(aligner):
    result = aligner.align(ZH, EN)
    assert as_pairs(result.beads) == [((i,), (i,)) for i in range(len(ZH))]
    assert all(0.5 < b.score <= 1.0 for b in result.beads)
    assert not result.warnings


def build_merged(groups, merge_zh):
    """Lines of both sides from the parallel sentences: group k is one line on the side named
    by merge_zh[k] (True: Chinese) and one line per sentence on the other; and the gold beads."""
    zh_lines, en_lines, gold, pos = [], [], [], 0
    for size, zh_side in zip(groups, merge_zh, strict=True):
        zh, en = ZH[pos : pos + size], EN[pos : pos + size]
        zh_new = [merged(zh, [size], "")[0]] if zh_side else zh
        en_new = en if zh_side else [merged(en, [size], " ")[0]]
        gold.append(
            (
                tuple(range(len(zh_lines), len(zh_lines) + len(zh_new))),
                tuple(range(len(en_lines), len(en_lines) + len(en_new))),
            )
        )
        zh_lines += zh_new
        en_lines += en_new
        pos += size
    return zh_lines, en_lines, gold


@pytest.mark.parametrize("direction", ["zh-en", "en-zh"])
def test_merges_and_splits_are_recovered(aligner, direction):
    groups = [1, 2, 1, 1, 2, 1, 3, 2, 1]  # 1-2, 2-1, 1-3, 2-1 beads among 1-1s
    merge_zh = [True, True, True, True, False, True, True, False, True]
    src, tgt, gold = build_merged(groups, merge_zh)
    assert sorted({(len(s), len(t)) for s, t in gold}) == [(1, 1), (1, 2), (1, 3), (2, 1)]
    if direction == "en-zh":
        src, tgt, gold = tgt, src, [(t, s) for s, t in gold]
    result = aligner.align(src, tgt)
    assert as_pairs(result.beads) == gold


def test_terms_reused_across_rounds_equal_terms_computed_afresh(aligner, monkeypatch):
    """Between its rounds the aligner reuses the score terms whose inputs did not change (most
    span vectors stay the same): computing every term afresh gives the same beads and
    posteriors, bit for bit, over rounds that encoded spans."""
    from duiyi.align import aligner as module

    src, tgt, _ = build_merged([1, 2, 1, 1, 2, 1, 3, 2, 1], [True] * 7 + [False, True])
    encoded = []
    encode_spans = module._Side.encode_spans
    monkeypatch.setattr(
        module._Side,
        "encode_spans",
        lambda side, spans: encoded.append(spans) or encode_spans(side, spans),
    )
    reused = aligner.align(src, tgt)
    assert any(encoded)  # spans encoded between rounds: some terms redone, the others reused
    monkeypatch.setattr(module, "_reuse", lambda cache, key, inputs, compute, *args: compute(*args))
    fresh = aligner.align(src, tgt)
    assert as_pairs(reused.beads) == as_pairs(fresh.beads)
    assert np.array_equal(reused.posteriors, fresh.posteriors)


def test_span_vectors_kept_across_encoding_equal_vectors_computed_afresh(aligner):
    """A side keeps its span vectors by length and patches in the spans it encodes: the same
    arrays, bit for bit, as computing them from scratch; arrays handed out stay unchanged."""
    from duiyi.align.aligner import _Side

    side = _Side(EN, aligner.encoder)
    before = {k: side.span_vectors(k) for k in (1, 2, 3)}
    kept = {k: (v.copy(), e.copy()) for k, (v, e) in before.items()}
    side.encode_spans({(3, 2), (7, 2), (6, 3)})
    for k in (1, 2, 3):
        vec, exact = side.span_vectors(k)
        fresh_vec, fresh_exact = side._compute_span_vectors(k)
        assert np.array_equal(vec, fresh_vec) and np.array_equal(exact, fresh_exact)
        assert np.array_equal(before[k][0], kept[k][0]) and np.array_equal(before[k][1], kept[k][1])
    assert side.span_vectors(2)[1][[3, 7]].all() and not before[2][1][[3, 7]].any()


def test_a_wrong_bead_gets_the_lowest_confidence(aligner):
    # plant an error: one English sentence replaced by an unrelated one
    tgt = list(EN)
    tgt[6] = UNRELATED_EN[0]
    result = aligner.align(ZH, tgt)
    scores = {b.tgt: b.score for b in result.beads}
    wrong = [s for t, s in scores.items() if 6 in t]
    right = [s for t, s in scores.items() if t and 6 not in t]
    assert max(wrong) < min(right)


def test_confidence_signals_are_kept_per_bead(aligner):
    """The alignment keeps each bead's log posteriors and pair posteriors (the DP's scores,
    then each perturbed weighting) and raw cosine, and the beads' confidence is the model
    applied to the pair posteriors (a bead is never a right pair less often than it is the
    exact bead)."""
    tgt = list(EN)
    tgt[6] = UNRELATED_EN[0]
    result = aligner.align(ZH, tgt)
    post, pairs = result.posteriors, result.pair_posteriors
    assert post.shape == pairs.shape == (len(result.beads), 1 + len(confidence.PERTURBATIONS))
    assert (post <= 0).all() and np.isfinite(post[:, 0]).all()
    assert (pairs <= 0).all() and (pairs >= post - 1e-9).all()
    sizes = [(len(b.src), len(b.tgt)) for b in result.beads]
    expected = confidence.confidence(confidence.features(pairs, sizes), result.cosines)
    assert [b.score for b in result.beads] == [round(float(c), 4) for c in expected]


def test_empty_side_gives_null_beads_and_a_warning(aligner):
    result = aligner.align(ZH[:3], [])
    assert as_pairs(result.beads) == [((0,), ()), ((1,), ()), ((2,), ())]
    assert result.warnings and "no sentences" in result.warnings[0]
    assert aligner.align([], []).beads == []


def test_identical_documents_align_one_to_one(aligner):
    result = aligner.align(EN, EN)
    assert as_pairs(result.beads) == [((i,), (i,)) for i in range(len(EN))]
    assert min(b.score for b in result.beads) > 0.9
    assert any("same text" in w for w in result.warnings)


def test_two_sides_in_one_language_get_a_warning(aligner):
    result = aligner.align(EN, UNRELATED_EN)
    assert any("both sides look non-Chinese" in w for w in result.warnings)
    assert not any("look" in w for w in aligner.align(ZH, EN).warnings)


def test_the_aligner_says_nothing_of_the_language_of_a_side_that_is_not_chinese(aligner):
    # it sees text, not tags: which language a side is in is detection's (duiyi.align.run
    # says it); zh→ru aligns as zh→en does (e5 is multilingual)
    russian = ["Сегодня хорошая погода.", "Мы пошли в парк.", "Потом мы пили чай."]
    assert aligner.align(ZH[:3], russian).warnings == []
    assert aligner.align(russian, ZH[:3]).warnings == []
    assert "both sides look non-Chinese" in aligner.align(EN[:3], russian).warnings[0]


def test_wrong_language_translation_gets_low_confidence_and_a_warning(aligner):
    result = aligner.align(ZH, UNRELATED_EN)
    src = sorted(i for b in result.beads for i in b.src)
    assert src == list(range(len(ZH)))  # still a complete, honest alignment
    assert np.median([b.score for b in result.beads]) < 0.3
    assert any("not be a translation" in w for w in result.warnings)


def test_a_side_ten_times_longer_still_aligns_and_warns(aligner):
    tgt = EN[:2] + UNRELATED_EN * 2  # 30 sentences against 3
    result = aligner.align(ZH[:2] + [ZH[2]], tgt[:2] + [EN[2]] + tgt[2:])
    assert any("differ a lot in size" in w for w in result.warnings)
    pairs = as_pairs(result.beads)
    assert ((0,), (0,)) in pairs and ((1,), (1,)) in pairs
    covered = sorted(j for _, t in pairs for j in t)
    assert covered == list(range(len(tgt) + 1))


def test_is_chinese():
    assert is_chinese(ZH) and not is_chinese(EN) and not is_chinese([])


class FixtureTranslator:
    """A zh→en engine for the fixture sentences (the MT engines' interface)."""

    def __init__(self):
        self.table = dict(PARALLEL)
        self.calls: list[list[str]] = []

    def translate_batch(self, sentences: list[str]) -> list[str]:
        self.calls.append(list(sentences))
        return [self.table.get(s, s) for s in sentences]

    def signature(self) -> str:
        return "mt:fixture"


@pytest.mark.parametrize("direction", ["zh-en", "en-zh"])
def test_an_mt_engine_drafts_the_chinese_side_as_an_extra_signal(aligner, direction):
    translator = FixtureTranslator()
    with_mt = Aligner(aligner.encoder, aligner.config, translator=translator)
    src, tgt, gold = build_merged([1, 2, 1, 1, 2, 1], [True, True, True, True, False, True])
    if direction == "en-zh":
        src, tgt, gold = tgt, src, [(t, s) for s, t in gold]
    result = with_mt.align(src, tgt)
    assert as_pairs(result.beads) == gold
    zh_side = src if direction == "zh-en" else tgt
    assert translator.calls == [zh_side]
    assert with_mt.signature() == "align:e5-dp+mt"


def test_the_embedding_cache_persists_across_encoders(tmp_path):
    path = tmp_path / "e5.sqlite"
    texts = ["港口小城。", "The harbour town."]
    first = SpanEncoder(EmbeddingCache(path))
    vectors = first.encode(texts)
    assert first.encoded == 2
    second = SpanEncoder(EmbeddingCache(path))  # a new run: only the file is shared
    assert np.allclose(second.encode(texts), vectors)
    assert second.encoded == 0


def test_the_search_finds_what_an_exhaustive_one_finds(aligner):
    # the stand-in scores of unencoded spans must not hide a bead the exact scores prefer
    groups = [1, 2, 1, 1, 2, 1, 3, 2, 1]
    merge_zh = [True, False, True, True, True, True, False, True, True]
    src, tgt, _gold = build_merged(groups, merge_zh)
    exhaustive = Aligner(
        aligner.encoder, AlignConfig(optimism=1.0, max_rounds=200), translator=None
    ).align(src, tgt)
    assert as_pairs(aligner.align(src, tgt).beads) == as_pairs(exhaustive.beads)


@pytest.mark.parametrize("half_width", [0, 3, 40, 300])
def test_banded_dot_is_the_dot_product_of_every_band_cell(half_width):
    """Block products over a band (narrow, and wide enough that blocks must be one row) give
    each cell's dot product, and NaN where the column is out of range (a sentinel, or past the
    end)."""
    from duiyi.align import dp
    from duiyi.align.aligner import _banded_dot

    rng = np.random.default_rng(half_width)
    n, m, dim = 400, 530, 384  # e5's size: blocks of a few rows
    rows, cols = rng.standard_normal((n, dim)), rng.standard_normal((m, dim))
    band = dp.diagonal_band(n, m, half_width)
    columns = band.columns()[:n].copy()
    columns[rng.random(columns.shape) < 0.1] = m + 1  # sentinels: out of range
    columns[:5] = m  # whole rows out of range
    out = _banded_dot(rows, cols, columns)
    each = np.einsum("id,iwd->iw", rows, cols[np.clip(columns, 0, m - 1)])
    expected = np.where(columns < m, each, np.nan)
    assert np.allclose(out, expected, rtol=0, atol=1e-12, equal_nan=True)
