"""Banded dynamic programming over alignment beads: pure functions over numpy arrays.

The DP lattice has a cell (i, j) for "the first i source and first j target sentences are
aligned". A band keeps, for every row i, only the columns j = lo[i] + w for w in [0, W): time and
memory are O(n·W), linear in document length for a fixed width.

A bead type (a, b) takes a source and b target sentences. Score arrays are indexed by the bead's
END cell: `scores[(a, b)][i, w]` scores source span [i-a, i) against target span
[j-b, j) with j = lo[i] + w. Out-of-band or impossible cells hold -inf.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NEG = -np.inf


@dataclass(frozen=True)
class Band:
    """Rows 0..n of the lattice; row i keeps columns lo[i] .. lo[i] + width - 1 (clipped to m)."""

    lo: np.ndarray  # (n+1,) int64, non-decreasing
    width: int
    n: int
    m: int

    def columns(self) -> np.ndarray:
        """(n+1, width) target positions j of every band cell (may exceed m: invalid there)."""
        return self.lo[:, None] + np.arange(self.width)[None, :]

    def valid(self) -> np.ndarray:
        return self.columns() <= self.m


def diagonal_band(n: int, m: int, half_width: int) -> Band:
    """A band of ±half_width columns around the straight line from (0, 0) to (n, m)."""
    centre = np.rint(np.arange(n + 1) * (m / max(n, 1))).astype(np.int64)
    lo = np.clip(centre - half_width, 0, m)
    width = int(min(m + 1, 2 * half_width + 1 + int(np.ceil(m / max(n, 1)))))
    return Band(np.maximum.accumulate(lo), max(width, 1), n, m)


def path_band(cells: list[tuple[int, int]], n: int, m: int, half_width: int) -> Band:
    """A band of ±half_width columns around a monotone path given as lattice cells (i, j)."""
    jmin = np.full(n + 1, m, dtype=np.int64)
    jmax = np.zeros(n + 1, dtype=np.int64)
    for i, j in cells:
        jmin[i] = min(jmin[i], j)
        jmax[i] = max(jmax[i], j)
    # rows the path jumps over (1-0 runs cannot skip rows, but be safe) inherit neighbours
    jmin = np.minimum.accumulate(jmin[::-1])[::-1]
    jmax = np.maximum.accumulate(jmax)
    lo = np.clip(jmin - half_width, 0, m)
    hi = np.clip(jmax + half_width, 0, m)
    width = int((hi - lo).max()) + 1
    return Band(np.maximum.accumulate(lo), width, n, m)


def banded_dp(
    scores: dict[tuple[int, int], np.ndarray], band: Band
) -> tuple[list[tuple[int, int, int, int]], float]:
    """Best-scoring monotone path from (0, 0) to (n, m) through the band.

    `scores` maps bead types (a, b) to (n+1, width) arrays of bead scores by end cell; type
    (0, 1) may be present (a target sentence with no counterpart): it is handled within the row
    by a running maximum. Returns beads as (src_start, src_end, tgt_start, tgt_end), in order,
    and the total score. Raises ValueError if (n, m) is unreachable through the band.
    """
    n, m, lo = band.n, band.m, band.lo
    types = [t for t in scores if t[0] > 0]
    total, back = forward(scores, band)
    w_end = m - lo[n]
    if not (0 <= w_end < band.width) or not np.isfinite(total[n, w_end]):
        raise ValueError("the end of the alignment lattice is outside the band")
    beads = []
    i, j = n, m
    while i > 0 or j > 0:
        k = back[i, j - lo[i]]
        a, b = (0, 1) if k == -2 else types[k]
        beads.append((i - a, i, j - b, j))
        i, j = i - a, j - b
    beads.reverse()
    return beads, float(total[n, w_end])


def forward(
    scores: dict[tuple[int, int], np.ndarray], band: Band, soft: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(total, back): the best score of a path from (0, 0) to every band cell, and the bead type
    that ends it (an index into the types with a > 0, in `scores` order; -2 for (0, 1)).
    soft: log-sum-exp over all paths instead of the best one (`back` is then meaningless)."""
    n, m, lo, width = band.n, band.m, band.lo, band.width
    types = [t for t in scores if t[0] > 0]
    skip = scores.get((0, 1))
    total = np.full((n + 1, width), NEG)
    back = np.full((n + 1, width), -1, dtype=np.int8)  # index into `types`, or -2 for (0, 1)
    w_range = np.arange(width)
    for i in range(n + 1):
        cols = lo[i] + w_range
        best = np.full(width, NEG)
        arg = np.full(width, -1, dtype=np.int8)
        if i == 0:
            best[cols == 0] = 0.0
        for k, (a, b) in enumerate(types):
            if i - a < 0:
                continue
            prev = cols - b - lo[i - a]
            ok = (prev >= 0) & (prev < width) & (cols - b >= 0) & (cols <= m)
            if not ok.any():
                continue
            cand = np.where(ok, total[i - a, np.clip(prev, 0, width - 1)] + scores[(a, b)][i], NEG)
            better = cand > best
            arg = np.where(better, k, arg)
            best = np.logaddexp(best, cand) if soft else np.where(better, cand, best)
        if skip is not None:
            # row[w] = max(best[w], row[w-1] + skip[w]) as one running maximum over prefix sums
            step = np.where(cols <= m, skip[i], NEG)
            step[0] = 0.0
            cum = np.cumsum(step)
            accumulate = np.logaddexp.accumulate if soft else np.maximum.accumulate
            with np.errstate(invalid="ignore"):
                # best over v < w (strictly: a cell is never its own skip predecessor)
                start = accumulate(np.where(np.isfinite(best), best - cum, NEG))
                run = np.concatenate([[NEG], start[:-1]]) + cum
            run = np.where(np.isnan(run), NEG, run)
            from_skip = run > best
            arg = np.where(from_skip, -2, arg)
            best = np.logaddexp(best, run) if soft else np.where(from_skip, run, best)
        total[i] = best
        back[i] = arg
    return total, back


def backward(
    scores: dict[tuple[int, int], np.ndarray], band: Band, soft: bool = False
) -> np.ndarray:
    """The best score of a path from every band cell to (n, m) (the mirror of `forward`)."""
    n, m, lo, width = band.n, band.m, band.lo, band.width
    types = [t for t in scores if t[0] > 0]
    skip = scores.get((0, 1))
    out = np.full((n + 1, width), NEG)
    w_range = np.arange(width)
    for i in range(n, -1, -1):
        cols = lo[i] + w_range
        best = np.full(width, NEG)
        if i == n:
            best[cols == m] = 0.0
        for a, b in types:
            if i + a > n:
                continue
            nxt = cols + b - lo[i + a]  # the bead's end cell, in row i + a
            ok = (nxt >= 0) & (nxt < width) & (cols + b <= m)
            if not ok.any():
                continue
            safe = np.clip(nxt, 0, width - 1)
            cand = np.where(ok, scores[(a, b)][i + a, safe] + out[i + a, safe], NEG)
            best = np.logaddexp(best, cand) if soft else np.maximum(best, cand)
        if skip is not None:
            # best[w] = max over v >= w of base[v] + skip[w+1] + … + skip[v]; soft: the sum
            # over v > w is added to base[w]
            step = np.where(cols <= m, skip[i], NEG)
            step[0] = 0.0
            cum = np.cumsum(step)
            with np.errstate(invalid="ignore"):
                reach = np.where(np.isfinite(best), best + cum, NEG)
                if soft:
                    later = np.logaddexp.accumulate(reach[::-1])[::-1]
                    run = np.concatenate([later[1:], [NEG]]) - cum
                    best = np.where(np.isnan(run), best, np.logaddexp(best, run))
                else:
                    run = np.maximum.accumulate(reach[::-1])[::-1] - cum
                    best = np.where(np.isnan(run), best, np.maximum(best, run))
        best[cols > m] = NEG
        out[i] = best
    return out


def path_posteriors(
    scores: dict[tuple[int, int], np.ndarray],
    band: Band,
    path: list[tuple[int, int, int, int]],
    temperature: float = 1.0,
) -> np.ndarray:
    """Log-probability of each bead of `path` when alignments are weighted by
    exp(total score / temperature): summed over every alignment that holds the bead."""
    scaled = {k: v / temperature for k, v in scores.items()}
    fwd, _ = forward(scaled, band, soft=True)
    bwd = backward(scaled, band, soft=True)
    lo = band.lo
    z = fwd[band.n, band.m - lo[band.n]]
    out = np.empty(len(path))
    for k, (i0, i1, j0, j1) in enumerate(path):
        end = j1 - lo[i1]
        out[k] = fwd[i0, j0 - lo[i0]] + scaled[(i1 - i0, j1 - j0)][i1, end] + bwd[i1, end] - z
    return np.minimum(out, 0.0)


def span_sums(values: np.ndarray, length: int) -> np.ndarray:
    """out[i] = sum of values[i-length:i] for i in 0..len(values) (NaN where i < length)."""
    cum = np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])
    out = np.full(len(values) + 1, np.nan)
    out[length:] = cum[length:] - cum[:-length] if length else 0.0
    return out


def block_sums(matrix: np.ndarray, band: Band, a: int, b: int) -> np.ndarray:
    """Sum of a banded single-sentence matrix over the a×b block of every bead ending in the band.

    `matrix[i, w]` holds a value for source sentence i and target sentence lo[i] + w (the band of
    the same lattice, rows 0..n-1). Returns (n+1, width) sums over source [i-a, i) × target
    [j-b, j), NaN where the block leaves the band.
    """
    n, lo, width = band.n, band.lo, band.width
    cols = band.columns()
    out = np.zeros((n + 1, width))
    valid = np.ones((n + 1, width), dtype=bool)
    for da in range(1, a + 1):
        rows = np.arange(n + 1) - da  # source sentence index i - da
        ok_row = rows >= 0
        r = np.clip(rows, 0, max(n - 1, 0))
        for db in range(1, b + 1):
            w = cols - db - lo[r][:, None]
            ok = ok_row[:, None] & (w >= 0) & (w < width) & (cols - db >= 0)
            out += np.where(ok, matrix[r[:, None], np.clip(w, 0, width - 1)], 0.0)
            valid &= ok
    return np.where(valid, out, np.nan)


def bead_log_posteriors(
    scores: dict[tuple[int, int], np.ndarray], band: Band, temperature: float = 1.0
) -> dict[tuple[int, int], np.ndarray]:
    """Log-probability of every bead in the band (by type and end cell, as `scores`) when
    alignments are weighted by exp(total score / temperature)."""
    scaled = {k: v / temperature for k, v in scores.items()}
    fwd, _ = forward(scaled, band, soft=True)
    bwd = backward(scaled, band, soft=True)
    n, m, lo, width = band.n, band.m, band.lo, band.width
    z = fwd[n, m - lo[n]]
    cols = band.columns()
    out = {}
    for (a, b), table in scaled.items():
        post = np.full((n + 1, width), NEG)
        rows = np.arange(a, n + 1)
        prev = cols[rows] - b - lo[rows - a][:, None]  # the bead's start cell, in row i - a
        ok = (prev >= 0) & (prev < width) & (cols[rows] - b >= 0) & (cols[rows] <= m)
        start = fwd[(rows - a)[:, None], np.clip(prev, 0, width - 1)]
        with np.errstate(invalid="ignore"):
            value = start + table[rows] + bwd[rows] - z
        post[rows] = np.where(ok & np.isfinite(value), np.minimum(value, 0.0), NEG)
        out[(a, b)] = post
    return out
