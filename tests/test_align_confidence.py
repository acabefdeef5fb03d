"""The bead confidence model: bounded, monotone in its evidence, deterministic; and the metrics
that say whether it ranks wrong beads first."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from duiyi.align import confidence
from duiyi.align.evaluate import (
    bead_correct,
    bead_pairs_right,
    error_ranking,
    expected_calibration_error,
    pairs_right,
    reliability,
)


def random_beads(n, rng):
    log_p = -rng.exponential(0.5, n)
    sizes = rng.choice([(1, 1), (1, 2), (2, 1), (1, 0), (0, 1)], n)
    cosines = np.where(sizes.min(axis=1) == 0, np.nan, rng.normal(0.85, 0.03, n))
    return log_p, sizes, cosines


def test_shipped_weights_never_lower_confidence_for_a_higher_posterior():
    assert confidence.WEIGHTS["posterior"] > 0
    assert set(confidence.WEIGHTS) == set(confidence.FEATURES)


def test_confidence_is_monotone_in_the_posterior_and_the_cosine():
    rng = np.random.default_rng(1)
    log_p, sizes, cosines = random_beads(300, rng)
    low = confidence.confidence(confidence.features(log_p, sizes), cosines)
    higher_p = confidence.confidence(confidence.features(log_p * 0.5, sizes), cosines)
    assert (higher_p >= low).all() and (higher_p > low).any()
    higher_cos = confidence.confidence(confidence.features(log_p, sizes), cosines + 0.02)
    assert (higher_cos >= low - 1e-12).all()
    # along a sweep of posteriors, for a 1-1 bead in a good document
    sweep = np.log(np.linspace(0.01, 1.0, 50))
    conf = confidence.confidence(confidence.features(sweep, [(1, 1)] * 50), np.full(50, 0.86))
    assert (np.diff(conf) >= 0).all() and conf[-1] > 0.9 > 0.5 > conf[0]


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(-1e9, 0.0), st.floats(-1.0, 1.0))
def test_confidence_is_bounded_and_deterministic(seed, extreme, cosine):
    rng = np.random.default_rng(seed)
    log_p, sizes, cosines = random_beads(30, rng)
    log_p[0], cosines[1] = extreme, cosine
    log_p[2] = np.nan
    conf = confidence.confidence(confidence.features(log_p, sizes), cosines)
    assert np.isfinite(conf).all() and ((conf >= 0) & (conf <= 1)).all()
    again = confidence.confidence(confidence.features(log_p.copy(), sizes), cosines.copy())
    assert np.array_equal(conf, again)
    # several weightings per bead, one of them extreme or missing
    columns = np.column_stack([log_p, np.roll(log_p, 1), np.full(30, -np.inf)])
    conf = confidence.confidence(confidence.features(columns, sizes), cosines)
    assert np.isfinite(conf).all() and ((conf >= 0) & (conf <= 1)).all()


def test_the_lowest_posterior_over_the_weightings_counts():
    """Beads scored under several weightings of the DP (confidence.PERTURBATIONS): lowering any
    one of a bead's posteriors never raises its confidence, and one column is the 1-D case."""
    rng = np.random.default_rng(2)
    log_p, sizes, cosines = random_beads(200, rng)
    columns = np.column_stack([log_p, log_p - rng.exponential(0.3, 200), log_p * 0.5])
    conf = confidence.confidence(confidence.features(columns, sizes), cosines)
    lowest = confidence.confidence(confidence.features(columns.min(axis=1), sizes), cosines)
    assert np.array_equal(conf, lowest)
    lowered = columns.copy()
    lowered[:, 2] -= 1.0
    conf_lowered = confidence.confidence(confidence.features(lowered, sizes), cosines)
    assert (conf_lowered <= conf).all() and (conf_lowered < conf).any()
    assert confidence.features(np.zeros((0, 3)), np.zeros((0, 2))).shape == (0, 2)


def test_null_beads_rank_below_linked_beads_of_the_same_posterior():
    x = confidence.features(np.array([-0.1, -0.1]), [(1, 0), (1, 1)])
    conf = confidence.confidence(x, np.array([np.nan, 0.86]))
    assert conf[0] < conf[1]


def test_an_unrelated_document_and_an_unrelated_bead_are_gated_down():
    x = confidence.features(np.full(5, -1e-4), [(1, 1)] * 5)
    good = confidence.confidence(x, np.full(5, 0.85))
    assert good.min() > 0.9
    assert confidence.confidence(x, np.full(5, 0.75)).max() < 0.1  # the whole document
    one_bad = np.array([0.85, 0.85, 0.70, 0.85, 0.85])
    assert confidence.confidence(x, one_bad)[2] < 0.1  # one bead


def test_error_ranking_metrics():
    # four beads, the wrong ones (False) have the two lowest scores: perfect ranking
    assert error_ranking([0.1, 0.2, 0.9, 0.8], [False, False, True, True]) == (1.0, 0.5)
    # the wrong bead scored highest: found last
    ap, r10 = error_ranking([0.9, 0.2, 0.3, 0.4, 0.5], [False, True, True, True, True])
    assert ap == pytest.approx(1 / 5) and r10 == 0
    assert np.isnan(error_ranking([0.5], [True])[0])


def test_reliability_table_and_calibration_error():
    scores = [0.05, 0.15, 0.95, 0.95, 1.0]
    correct = [False, True, True, True, False]
    rows = reliability(scores, correct)
    assert [(lo, n) for lo, _, n, _, _ in rows] == [(0.0, 1), (0.1, 1), (0.9, 3)]
    assert rows[-1][4] == pytest.approx(2 / 3)
    ece = expected_calibration_error(scores, correct)
    assert 0 < ece < 1
    assert expected_calibration_error([1.0, 0.0], [True, False]) == 0


def test_bead_correct_is_strict():
    gold = [((0,), (0,)), ((1, 2), (1,)), ((3,), ())]
    system = [((0,), (0,)), ((1,), (1,)), ((2,), ()), ((3,), ())]
    assert bead_correct(gold, system) == [True, False, False, True]


def test_bead_pairs_right_accepts_finer_splits_of_a_gold_bead():
    # the gold keeps 1-2 and a verse 3,4 : 2,3 whole; 5 has no counterpart
    gold = [((0,), (0,)), ((1, 2), (1,)), ((3, 4), (2, 3)), ((5,), ())]
    system = [
        ((0,), (0,)),  # the gold bead itself
        ((1,), (1,)),  # half of a gold bead on one side only: 2 is left out of the pair
        ((2,), ()),  # a sentence of a paired gold bead left alone: wrong
        ((3,), (2,)),  # a finer split of the verse: right
        ((4,), (3,)),
        ((5,), ()),  # no counterpart in the gold either: right
    ]
    assert bead_pairs_right(gold, system) == [True, True, False, True, True, True]
    # two whole gold beads merged: still a pair of translations; across gold beads: wrong
    assert bead_pairs_right(gold, [((0, 1, 2), (0, 1))]) == [True]
    assert bead_pairs_right(gold, [((0, 1), (0,))]) == [False]
    # strict counts the finer split wrong
    assert bead_correct(gold, system) == [True, False, False, False, False, True]


def test_pairs_right_with_sentences_that_span_two_units():
    # source sentence 1 holds the end of unit 0 and unit 1 (a boundary the splitter missed)
    src_units = [frozenset({0}), frozenset({0, 1}), frozenset({2})]
    tgt_units = [frozenset({0}), frozenset({1}), frozenset({2}), frozenset({3})]
    system = [((0, 1), (0, 1)), ((2,), (2,)), ((), (3,))]
    assert pairs_right(src_units, tgt_units, system) == [True, True, True]
    # holding only part of what the merged sentence spans is wrong
    assert pairs_right(src_units, tgt_units, [((1,), (1,))]) == [False]
