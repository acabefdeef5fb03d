"""The second look at near-ties (duiyi.align.rescore): bead posteriors over the whole band,
candidates and rivals, and a translation scorer settling the DP's choice among candidates."""

from __future__ import annotations

import numpy as np
import pytest
from align_fixtures import PARALLEL

from duiyi.align import dp, rescore
from duiyi.align.aligner import AlignConfig, Aligner, is_chinese
from duiyi.align.embed import EmbeddingCache, SpanEncoder

ZH = [zh for zh, _ in PARALLEL][:5]
EN = [en for _, en in PARALLEL][:5]


def random_tables(seed: int, n: int = 7, m: int = 9):
    rng = np.random.default_rng(seed)
    band = dp.diagonal_band(n, m, 4)
    scores = {t: rng.normal(size=(n + 1, band.width)) for t in [(1, 1), (1, 2), (2, 1), (2, 2)]}
    scores[(1, 0)] = np.full((n + 1, band.width), -1.0)
    scores[(0, 1)] = np.full((n + 1, band.width), -1.2)
    return scores, band


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bead_posteriors_agree_with_the_path_and_cover_each_sentence_once(seed):
    scores, band = random_tables(seed)
    posteriors = dp.bead_log_posteriors(scores, band, 0.5)
    path, _ = dp.banded_dp(scores, band)
    on_path = dp.path_posteriors(scores, band, path, 0.5)
    for (i0, i1, j0, j1), expected in zip(path, on_path, strict=True):
        got = posteriors[(i1 - i0, j1 - j0)][i1, j1 - band.lo[i1]]
        assert got == pytest.approx(expected, abs=1e-9)
    # every source and target sentence is in exactly one bead of every alignment
    src, tgt = np.zeros(band.n), np.zeros(band.m)
    columns = band.columns()
    for (a, b), table in posteriors.items():
        for i, w in zip(*np.nonzero(np.isfinite(table)), strict=True):
            j = columns[i, w]
            src[i - a : i] += np.exp(table[i, w])
            tgt[j - b : j] += np.exp(table[i, w])
    assert src == pytest.approx(np.ones(band.n))
    assert tgt == pytest.approx(np.ones(band.m))


def test_candidates_rivals_and_restricted_scores():
    scores, band = random_tables(3)
    posteriors = dp.bead_log_posteriors(scores, band, 0.5)
    path, _ = dp.banded_dp(scores, band)
    few = rescore.candidates(posteriors, band, path, 0.5)
    many = rescore.candidates(posteriors, band, path, 1e-6)
    assert set(path) <= set(few) <= set(many) and len(many) > len(few)
    assert rescore.rivals([(0, 1, 0, 1), (1, 2, 1, 2)]) == []
    assert rescore.rivals([(0, 1, 0, 1), (0, 2, 0, 2), (2, 3, 2, 3)]) == [
        (0, 1, 0, 1),
        (0, 2, 0, 2),
    ]
    # only candidates can be chosen: the path over the path's own beads is the path
    restricted = rescore.restricted_scores(scores, band, path, {})
    assert dp.banded_dp(restricted, band)[0] == path
    # an extra score moves the choice to the candidate that gets it (every bead that is on
    # some alignment is a candidate at a posterior of 1e-300)
    every = rescore.candidates(posteriors, band, path, 1e-300)
    other = next(b for b in many if b not in path)
    pushed = rescore.restricted_scores(scores, band, every, {other: 1000.0})
    assert other in dp.banded_dp(pushed, band)[0]


class PreferJoined:
    """A translation scorer that costs a nat per English word, except in one liked pair of
    joined spans: every segmentation costs the same, but the one through the liked pair."""

    def __init__(self, chinese: str, english: str):
        self.liked = (chinese, english)
        self.pairs: list[tuple[str, str]] = []

    def score_translations(self, pairs):
        self.pairs += pairs
        return [0.0 if (zh, en) == self.liked else -float(len(en.split())) for zh, en in pairs]


@pytest.fixture(scope="module")
def encoder(tmp_path_factory):
    return SpanEncoder(EmbeddingCache(tmp_path_factory.mktemp("emb") / "e5.sqlite"))


@pytest.mark.parametrize("zh_first", [True, False])
def test_a_scorer_settles_the_beads_among_candidates(encoder, zh_first):
    # every bead a candidate, so the scorer's one liked bead (a 2-2 the DP would never pick
    # for these 1-1 sentences) must win; the scorer always gets (Chinese, English)
    config = AlignConfig(rescore_min_posterior=1e-12, rescore_weight=1.0)
    scorer = PreferJoined("".join(ZH[1:3]), " ".join(EN[1:3]))
    src, tgt = (ZH, EN) if zh_first else (EN, ZH)
    plain = Aligner(encoder, config).align(src, tgt)
    assert [(b.src, b.tgt) for b in plain.beads] == [((i,), (i,)) for i in range(5)]
    aligner = Aligner(encoder, config, rescorer=scorer)
    result = aligner.align(src, tgt)
    beads = [(b.src, b.tgt) for b in result.beads]
    assert ((1, 2), (1, 2)) in beads
    # its confidence is the rescored posterior's (the model settled it by many nats), not the
    # DP's, which gives the 2-2 next to nothing
    assert result.beads[beads.index(((1, 2), (1, 2)))].score > 0.9
    assert ((0,), (0,)) in beads and ((4,), (4,)) in beads
    assert scorer.pairs and aligner.rescored == len(scorer.pairs)
    assert all(is_chinese([zh]) and not is_chinese([en]) for zh, en in scorer.pairs if zh)
    assert aligner.signature().endswith("+rescored")


def test_the_bead_bonus_offsets_the_models_preference_for_merges(encoder):
    # the liked 2-2 saves the model as many nats as its English has words; a bonus of as much
    # per linked bead gives the two 1-1 beads the same total, and the DP's own choice stands
    words = float(len(" ".join(EN[1:3]).split()))
    plain = [(b.src, b.tgt) for b in Aligner(encoder).align(ZH, EN).beads]
    for bonus, merged in [(0.0, True), (words, False)]:
        config = AlignConfig(
            rescore_min_posterior=1e-12, rescore_weight=1.0, rescore_bead_bonus=bonus
        )
        scorer = PreferJoined("".join(ZH[1:3]), " ".join(EN[1:3]))
        beads = [
            (b.src, b.tgt) for b in Aligner(encoder, config, rescorer=scorer).align(ZH, EN).beads
        ]
        assert (((1, 2), (1, 2)) in beads) is merged
        assert merged or beads == plain


def test_weight_zero_or_no_chinese_side_changes_nothing(encoder):
    scorer = PreferJoined("".join(ZH[1:3]), " ".join(EN[1:3]))
    config = AlignConfig(rescore_min_posterior=1e-12, rescore_weight=0.0)
    plain = [(b.src, b.tgt) for b in Aligner(encoder, config).align(ZH, EN).beads]
    rescored = Aligner(encoder, config, rescorer=scorer).align(ZH, EN).beads
    assert [(b.src, b.tgt) for b in rescored] == plain
    # English on both sides: nothing to score P(English | Chinese) with
    idle = PreferJoined("", "")
    Aligner(encoder, config, rescorer=idle).align(EN, EN[::-1])
    assert idle.pairs == []


class Counting:
    def __init__(self):
        self.calls: list[list[tuple[str, str]]] = []

    def score_translations(self, pairs):
        self.calls.append(list(pairs))
        return [-float(len(zh) + 2 * len(en)) for zh, en in pairs]


def test_cached_scores_are_not_computed_twice(tmp_path):
    inner = Counting()
    cached = rescore.CachedScorer(inner, tmp_path / "c.sqlite", "model-a")
    pairs = [("美军撤离。", "The US army left."), ("", "Hello."), ("美军撤离。", "")]
    first = cached.score_translations(pairs)
    assert first == inner.score_translations(pairs)
    inner.calls.clear()
    again = rescore.CachedScorer(inner, tmp_path / "c.sqlite", "model-a")  # a later run
    assert again.score_translations(pairs[::-1]) == first[::-1] and inner.calls == []
    assert again.score_translations([("新的。", "New."), pairs[0]])[1] == first[0]
    assert inner.calls == [[("新的。", "New.")]]
    other = rescore.CachedScorer(inner, tmp_path / "c.sqlite", "model-b")  # another model
    other.score_translations(pairs[:1])
    assert inner.calls[-1] == pairs[:1]


def test_the_run_counts_the_near_ties_that_rescoring_would_settle():
    from duiyi.align.aligner import Alignment
    from duiyi.align.run import AlignStats
    from duiyi.corpus.model import Bead

    beads = [Bead((0,), (0,), 0.9), Bead((1,), (1,), 0.6), Bead((2,), (2,), 0.97)]
    # log posteriors under the DP's weights (first column) and a perturbed one
    posteriors = np.log([[0.99, 0.4], [0.45, 0.3], [0.51, 0.2]])
    stats = AlignStats()
    stats.add("a", Alignment(beads, posteriors=posteriors))
    stats.add("b", Alignment(beads))  # no posteriors (nothing aligned): none counted
    assert stats.near_ties == 1 and stats.documents == 2


def test_pairs_are_scored_in_chunks_with_progress_ending_at_the_total():
    pairs = [("美" * (k % 5), "word " * (7 - k % 4)) for k in range(7)]
    whole, chunked = Counting(), Counting()
    reports = []
    values = rescore.score_pairs(chunked, pairs, lambda *r: reports.append(r), chunk=3)
    assert values == whole.score_translations(pairs)  # each pair's own score, in order
    assert [len(call) for call in chunked.calls] == [3, 3, 1]
    assert reports == [(0, 7), (3, 7), (6, 7), (7, 7)]
    assert rescore.score_pairs(chunked, pairs) == values  # no one listening: the same scores


def test_the_aligner_reports_rescoring_progress_up_to_the_pairs_scored(encoder, monkeypatch):
    monkeypatch.setattr(rescore, "CHUNK", 4)
    config = AlignConfig(rescore_min_posterior=1e-12, rescore_weight=1.0)
    scorer = PreferJoined("".join(ZH[1:3]), " ".join(EN[1:3]))
    aligner = Aligner(encoder, config, rescorer=scorer)
    reports: list[tuple[int, int]] = []
    result = aligner.align(ZH, EN, rescore_progress=lambda *r: reports.append(r))
    total = len(scorer.pairs)
    assert total > 8 and result.rescored == total
    done = [d for d, _ in reports]
    assert {t for _, t in reports} == {total} and done[0] == 0 and done[-1] == total
    assert all(a < b <= a + 4 for a, b in zip(done, done[1:], strict=False))
    # without a rescorer nothing is reported
    Aligner(encoder, config).align(ZH, EN, rescore_progress=lambda *r: reports.append(r))
    assert len(reports) == len(done)
