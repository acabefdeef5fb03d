"""The banded DP on synthetic score matrices: it recovers planted beads, in bounded memory."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from duiyi.align import dp

TYPES = [(1, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1), (1, 4), (4, 1), (1, 0), (0, 1)]


def planted_scores(beads, band, rng, noise=0.3):
    """Scores that reward exactly the planted beads (+1) over noise around -1."""
    cols = band.columns()
    scores = {}
    for a, b in TYPES:
        s = -1.0 + noise * rng.standard_normal(cols.shape)
        ok = (cols <= band.m) & (np.arange(band.n + 1)[:, None] >= a) & (cols >= b)
        scores[(a, b)] = np.where(ok, s, dp.NEG)
    for i0, i1, j0, j1 in beads:
        w = j1 - band.lo[i1]
        if 0 <= w < band.width:
            scores[(i1 - i0, j1 - j0)][i1, w] = 1.0
    return scores


def random_beads(rng, count, types=TYPES):
    beads, i, j = [], 0, 0
    weights = np.array([8, 2, 2, 1, 1, 1, 1, 1, 0.5, 0.5])[: len(types)]
    for _ in range(count):
        a, b = types[rng.choice(len(types), p=weights / weights.sum())]
        beads.append((i, i + a, j, j + b))
        i, j = i + a, j + b
    return beads, i, j


@pytest.mark.parametrize("seed", range(5))
def test_dp_recovers_planted_beads_in_a_diagonal_band(seed):
    rng = np.random.default_rng(seed)
    beads, n, m = random_beads(rng, 120)
    band = dp.diagonal_band(n, m, 30)
    found, total = dp.banded_dp(planted_scores(beads, band, rng), band)
    assert found == beads
    assert total == pytest.approx(len(beads))


def test_dp_recovers_beads_in_a_band_around_a_path():
    rng = np.random.default_rng(7)
    beads, n, m = random_beads(rng, 200)
    cells = [(0, 0)] + [(i1, j1) for _, i1, _, j1 in beads]
    band = dp.path_band(cells, n, m, 3)
    assert band.width < 20  # the band follows the path, it does not grow with the document
    found, _ = dp.banded_dp(planted_scores(beads, band, rng), band)
    assert found == beads


def test_a_10000_sentence_pair_aligns_in_bounded_memory():
    rng = np.random.default_rng(1)
    beads, n, m = random_beads(rng, 8000)
    assert n > 10_000
    cells = [(0, 0)] + [(i1, j1) for _, i1, _, j1 in beads]
    band = dp.path_band(cells, n, m, 4)
    scores = planted_scores(beads, band, rng)
    # memory is O(n · width): every array is (n+1, width), width independent of n
    assert all(s.shape == (n + 1, band.width) for s in scores.values())
    assert band.width * (n + 1) < 40 * (n + 1)
    found, _ = dp.banded_dp(scores, band)
    assert found == beads


def test_unreachable_end_is_an_error():
    band = dp.Band(lo=np.zeros(6, dtype=np.int64), width=2, n=5, m=5)
    scores = {(1, 1): np.zeros((6, 2))}
    with pytest.raises(ValueError):
        dp.banded_dp(scores, band)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 40), m=st.integers(1, 40), seed=st.integers(0, 10_000))
def test_beads_are_monotone_and_cover_every_sentence_once(n, m, seed):
    rng = np.random.default_rng(seed)
    band = dp.diagonal_band(n, m, 5)
    cols = band.columns()
    scores = {}
    for a, b in TYPES:
        ok = (cols <= m) & (np.arange(n + 1)[:, None] >= a) & (cols >= b)
        scores[(a, b)] = np.where(ok, rng.standard_normal(cols.shape), dp.NEG)
    found, _ = dp.banded_dp(scores, band)
    src = [i for i0, i1, _, _ in found for i in range(i0, i1)]
    tgt = [j for _, _, j0, j1 in found for j in range(j0, j1)]
    assert src == list(range(n)) and tgt == list(range(m))
    assert all((i1 - i0, j1 - j0) in scores for i0, i1, j0, j1 in found)


def test_block_sums_add_single_sentence_values_over_a_bead():
    n, m = 6, 6
    band = dp.diagonal_band(n, m, 6)
    values = np.arange(n)[:, None] * 10 + band.columns()[:n]  # value(i, j) = 10 i + j
    sums = dp.block_sums(values.astype(float), band, 2, 2)
    i, j = 4, 3  # source sentences 2, 3 × target sentences 1, 2
    assert sums[i, j - band.lo[i]] == (21 + 22 + 31 + 32)


def test_span_sums():
    out = dp.span_sums(np.array([1.0, 2.0, 3.0]), 2)
    assert np.isnan(out[:2]).all() and list(out[2:]) == [3.0, 5.0]


@pytest.mark.parametrize("seed", range(4))
def test_forward_plus_backward_is_the_best_path_through_each_cell(seed):
    """backward mirrors forward: on the best path F + B is the optimum, elsewhere at most that,
    and reversing the lattice's order gives the same table."""
    rng = np.random.default_rng(seed)
    beads, n, m = random_beads(rng, 40)
    band = dp.diagonal_band(n, m, 12)
    scores = planted_scores(beads, band, rng, noise=1.5)
    path, best = dp.banded_dp(scores, band)
    fwd, _ = dp.forward(scores, band)
    bwd = dp.backward(scores, band)
    through = fwd + bwd
    assert np.nanmax(np.where(np.isfinite(through), through, np.nan)) == pytest.approx(best)
    for _i0, i1, _j0, j1 in path:
        assert through[i1, j1 - band.lo[i1]] == pytest.approx(best)
    assert bwd[0, 0] == pytest.approx(best)
    # a cell off the path: no better than the optimum, and exactly the best path through it
    w = np.argwhere(np.isfinite(through))
    i, col = w[rng.integers(len(w))]
    j = band.lo[i] + col
    brute = _best_through(scores, band, i, j)
    assert through[i, col] == pytest.approx(brute)


def _best_through(scores, band, i, j):
    """Best path score forced through cell (i, j): the cell's forward score plus the best path
    from it, found by a plain dictionary DP over the same bead types."""
    n, m = band.n, band.m
    memo = {(n, m): 0.0}

    def rest(r, c):
        if (r, c) in memo:
            return memo[(r, c)]
        best = dp.NEG
        for (a, b), arr in scores.items():
            r2, c2 = r + a, c + b
            if r2 > n or c2 > m or (a == 0 and b == 0):
                continue
            w = c2 - band.lo[r2]
            if 0 <= w < band.width and np.isfinite(arr[r2, w]):
                best = max(best, arr[r2, w] + rest(r2, c2))
        memo[(r, c)] = best
        return best

    fwd, _ = dp.forward(scores, band)
    return fwd[i, j - band.lo[i]] + rest(i, j)


def test_soft_tables_sum_over_all_paths():
    """forward/backward with soft=True: the log-sum over paths, the same from both ends, and
    bead posteriors along the best path lie in (0, 1] and approach 1 at low temperature."""
    rng = np.random.default_rng(5)
    beads, n, m = random_beads(rng, 25)
    band = dp.diagonal_band(n, m, 8)
    scores = planted_scores(beads, band, rng, noise=1.0)
    fwd, _ = dp.forward(scores, band, soft=True)
    bwd = dp.backward(scores, band, soft=True)
    z = fwd[n, m - band.lo[n]]
    assert z == pytest.approx(bwd[0, 0])
    best_path, best = dp.banded_dp(scores, band)
    assert z >= best
    post = dp.path_posteriors(scores, band, best_path)
    assert ((post <= 0) & np.isfinite(post)).all()
    cold = dp.path_posteriors(scores, band, best_path, temperature=0.01)
    assert np.exp(cold).min() > 0.99


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 30), m=st.integers(1, 30), half=st.integers(0, 6), seed=st.integers(0, 999))
def test_bead_moves_match_a_cell_by_cell_walk(n, m, half, seed):
    """Each bead's start and end cells, precomputed for the whole band, are the ones found by
    walking from every cell, and are marked usable exactly when they lie in the band."""
    rng = np.random.default_rng(seed)
    beads, _, _ = random_beads(rng, n + m)
    cells = [(0, 0)] + [(min(i1, n), min(j1, m)) for _, i1, _, j1 in beads]
    band = dp.path_band(cells + [(n, m)], n, m, half) if seed % 2 else dp.diagonal_band(n, m, half)
    types = ((1, 1), (2, 1), (1, 3), (4, 1), (1, 0))
    forward, backward = dp.bead_moves(band, types, True), dp.bead_moves(band, types, False)
    lo, width = band.lo, band.width

    def cell(i, j):  # the flat number of lattice cell (i, j), or None outside the band
        inside = 0 <= i <= n and 0 <= j <= m and 0 <= j - lo[i] < width
        return i * width + j - lo[i] if inside else None

    for i in range(n + 1):
        for w in range(width):
            j = lo[i] + w
            for k, (a, b) in enumerate(types):
                start = cell(i - a, j - b) if j <= m else None
                assert forward.ok[i, k, w] == (start is not None)
                assert forward.cell[i, k, w] == (start or 0)
                end = cell(i + a, j + b)
                assert backward.ok[i, k, w] == (end is not None)
                assert backward.cell[i, k, w] == (end or 0)


def test_posteriors_of_a_batch_of_tables_are_each_tables_own():
    """One DP pass over several score tables gives, bit for bit, what each table gives alone."""
    rng = np.random.default_rng(11)
    beads, n, m = random_beads(rng, 60)
    band = dp.diagonal_band(n, m, 6)
    tables = [planted_scores(beads, band, rng, noise=noise) for noise in (0.5, 1.0, 2.0)]
    path, _ = dp.banded_dp(tables[0], band)
    batch = dp.path_posteriors_batch(tables, band, path, 0.7)
    alone = np.column_stack([dp.path_posteriors(t, band, path, 0.7) for t in tables])
    assert batch.shape == (len(path), 3)
    assert np.array_equal(batch, alone)


def _all_alignments(n, m, types, band):
    """Every monotone path from (0, 0) to (n, m) through the band, as lists of beads."""
    inside = {(i, band.lo[i] + w) for i in range(n + 1) for w in range(band.width)}

    def walk(i, j):
        if (i, j) == (n, m):
            yield []
            return
        for a, b in types:
            if i + a <= n and j + b <= m and (i + a, j + b) in inside:
                for rest in walk(i + a, j + b):
                    yield [(i, i + a, j, j + b), *rest]

    return list(walk(0, 0))


@pytest.mark.parametrize("seed", range(4))
def test_pair_posteriors_match_every_alignment_summed(seed):
    """A bead's pair posterior is the weight of the alignments in which its sentences are whole
    beads (its corners are on the path) or lie inside one larger bead, over all the weight:
    checked against enumerating every alignment of a small lattice, band edges included."""
    rng = np.random.default_rng(seed)
    types = [(1, 1), (1, 2), (2, 1), (2, 2), (1, 0), (0, 1)]
    n, m = 5, 6
    band = dp.diagonal_band(n, m, 1 + seed % 2)
    scores = {t: rng.normal(-1.0, 1.0, (n + 1, band.width)) for t in types}
    path, _ = dp.banded_dp(scores, band)
    beads, pairs = dp.path_bead_and_pair_posteriors([scores], band, path, temperature=0.7)

    def weight(alignment):
        total = 0.0
        for i0, i1, j0, j1 in alignment:
            w = j1 - band.lo[i1]
            assert 0 <= w < band.width
            total += scores[(i1 - i0, j1 - j0)][i1, w] / 0.7
        return total

    alignments = _all_alignments(n, m, types, band)
    weights = np.array([weight(a) for a in alignments])
    z = np.logaddexp.reduce(weights)
    for k, (i0, i1, j0, j1) in enumerate(path):
        corners = [{(b[0], b[2]) for b in a} | {(n, m)} for a in alignments]
        holds = [
            any(
                b != (i0, i1, j0, j1) and b[0] <= i0 and i1 <= b[1] and b[2] <= j0 and j1 <= b[3]
                for b in a
            )
            for a in alignments
        ]
        exact_bead = [(i0, i1, j0, j1) in a for a in alignments]
        if i1 > i0 and j1 > j0:
            right = [
                ((i0, j0) in c and (i1, j1) in c) or h for c, h in zip(corners, holds, strict=True)
            ]
        else:
            right = exact_bead
        expected = np.logaddexp.reduce(weights[right]) - z
        assert beads[k, 0] == pytest.approx(np.logaddexp.reduce(weights[exact_bead]) - z)
        assert pairs[k, 0] == pytest.approx(expected)
        assert beads[k, 0] <= pairs[k, 0] + 1e-12
