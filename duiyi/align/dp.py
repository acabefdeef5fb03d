"""Banded dynamic programming over alignment beads: pure functions over numpy arrays.

The DP lattice has a cell (i, j) for "the first i source and first j target sentences are
aligned". A band keeps, for every row i, only the columns j = lo[i] + w for w in [0, W): time and
memory are O(n·W), linear in document length for a fixed width.

A bead type (a, b) takes a source and b target sentences. Score arrays are indexed by the bead's
END cell: `scores[(a, b)][i, w]` scores source span [i-a, i) against target span
[j-b, j) with j = lo[i] + w. Out-of-band or impossible cells hold -inf.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

NEG = -np.inf


@dataclass(frozen=True)
class Band:
    """Rows 0..n of the lattice; row i keeps columns lo[i] .. lo[i] + width - 1 (clipped to m)."""

    lo: np.ndarray  # (n+1,) int64, non-decreasing
    width: int
    n: int
    m: int
    # bead moves by bead types, worked out once per band (`moves`)
    _moves: dict = field(default_factory=dict, compare=False, repr=False)

    def columns(self) -> np.ndarray:
        """(n+1, width) target positions j of every band cell (may exceed m: invalid there)."""
        return self.lo[:, None] + np.arange(self.width)[None, :]

    def valid(self) -> np.ndarray:
        return self.columns() <= self.m

    def moves(self, types: tuple[tuple[int, int], ...], forward: bool) -> Moves:
        """The moves of beads of `types` through this band, computed on first use: the DP runs
        several times over one band (rounds of the aligner, the confidence's weightings)."""
        if (types, forward) not in self._moves:
            self._moves[(types, forward)] = bead_moves(self, types, forward)
        return self._moves[(types, forward)]


class Moves(NamedTuple):
    """Where the beads through each band cell start (forward) or end (backward).

    For bead type k = (a, b) and band cell (i, w), that is lattice cell (i, j) with
    j = lo[i] + w: `cell[i, k, w]` is the number (i' * width + w') of the band cell at the
    bead's other end: (i - a, j - b), where a bead ending at (i, j) comes from, forward;
    (i + a, j + b), where a bead starting at (i, j) goes to, backward. `ok` says whether that
    cell is in the band (elsewhere the number is 0, only safe to read). The DP's row loop then
    only gathers, adds and compares: working these out row by row was most of its time.
    """

    cell: np.ndarray  # (n+1, K, width) int32 (int64 for a band of 2**31 cells or more)
    ok: np.ndarray  # (n+1, K, width) bool


def bead_moves(band: Band, types: Sequence[tuple[int, int]], forward: bool) -> Moves:
    """The Moves of beads of `types` (each a > 0) through `band`, forward or backward."""
    n, m, lo, width = band.n, band.m, band.lo, band.width
    cols = band.columns()
    rows = np.arange(n + 1)
    shape = (n + 1, len(types), width)
    cell = np.zeros(shape, np.int32 if (n + 1) * width < 2**31 else np.int64)
    ok = np.zeros(shape, bool)
    sign = -1 if forward else 1
    for k, (a, b) in enumerate(types):
        other = rows + sign * a  # the row at the bead's other end, and its column
        row = np.clip(other, 0, n)
        w = cols + sign * b - lo[row][:, None]
        inside = (other >= 0) & (other <= n)
        ok[:, k] = inside[:, None] & (w >= 0) & (w < width) & (cols + sign * b >= 0)
        ok[:, k] &= (cols <= m) & (cols + sign * b <= m)
        cell[:, k] = np.where(ok[:, k], row[:, None] * width + w, 0)
    return Moves(cell, ok)


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
    types = _row_types(scores)
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
    total, back = _forward([scores], band, soft)
    return total[0], back[0]


def backward(
    scores: dict[tuple[int, int], np.ndarray], band: Band, soft: bool = False
) -> np.ndarray:
    """The best score of a path from every band cell to (n, m) (the mirror of `forward`)."""
    return _backward([scores], band, soft)[0]


# The DP proper runs over a batch of score tables at once (the same bead types on the same
# band, e.g. the confidence's perturbed weightings): one pass of the row loop serves them all.
# Every cell sees the same operations in the same order as with one table, so the results do
# not depend on the batch. A score of NaN counts as -inf (a bead that cannot be there).


def _row_types(scores: dict[tuple[int, int], np.ndarray]) -> tuple[tuple[int, int], ...]:
    """The bead types that move down a row (a > 0), in `scores` order; (0, 1) moves along it."""
    return tuple(t for t in scores if t[0] > 0)


def _by_row(tables, types, ok: np.ndarray, index: np.ndarray | None = None) -> np.ndarray:
    """(n+1, B, K, width): each table's scores of each type, by row for the row loop; read at
    the flat cell numbers `index` (n+1, K, width) if given, else at the cell itself; -inf
    where not `ok`."""
    if index is None:
        picked = np.stack([np.stack([t[k] for k in types], axis=1) for t in tables], axis=1)
    else:
        cells = np.array([[t[k].ravel() for k in types] for t in tables])  # (B, K, cells)
        batch, kinds = np.arange(len(tables))[:, None, None], np.arange(len(types))[:, None]
        picked = cells[batch, kinds, index[:, None]]
    with np.errstate(invalid="ignore"):
        keep = ok[:, None] & ~np.isnan(picked)
    return np.where(keep, picked, NEG)


def _skip_sums(tables, band: Band) -> np.ndarray | None:
    """(n+1, B, width) running sums along each row of the (0, 1) scores (the first cell's
    counts 0, cells past m are -inf), or None without (0, 1) beads."""
    if (0, 1) not in tables[0]:
        return None
    valid = band.valid()
    step = np.stack([np.where(valid, t[(0, 1)], NEG) for t in tables], axis=1)
    step[:, :, 0] = 0.0
    return np.cumsum(step, axis=2)


def _forward(tables, band: Band, soft: bool) -> tuple[np.ndarray, np.ndarray]:
    """`forward` over a batch of tables: (B, n+1, width) totals and back pointers."""
    n, width = band.n, band.width
    types = _row_types(tables[0])
    if any(_row_types(t) != types for t in tables):
        raise ValueError("every table of a batch needs the same bead types")
    moves = band.moves(types, forward=True)
    scores = _by_row(tables, types, moves.ok) if types else None
    cum = _skip_sums(tables, band)
    batch = len(tables)
    total = np.full((batch, n + 1, width), NEG)
    back = np.full((batch, n + 1, width), -1, dtype=np.int8)
    flat = total.reshape(batch, -1)  # a view: rows written below are read back through it
    which = np.arange(batch)[:, None], np.arange(width)[None, :]  # picks cand[b, k[b, w], w]
    for i in range(n + 1):
        arg = -1
        if i == 0 or not types:
            first = np.where(band.columns()[0] == 0, 0.0, NEG) if i == 0 else NEG
            best = np.broadcast_to(first, (batch, width)).copy()
        else:
            cand = np.take(flat, moves.cell[i], axis=1) + scores[i]  # (B, K, width)
            if soft:
                best = np.logaddexp.reduce(cand, axis=1)
            else:
                # the first type with the best score, as a left-to-right "strictly better" scan
                k = cand.argmax(axis=1)
                best = cand[which[0], k, which[1]]
                arg = np.where(best > NEG, k, -1)
        if cum is not None:
            best, from_skip = _skip_forward(best, cum[i], soft)
            if from_skip is not None:
                arg = np.where(from_skip, -2, arg)
        total[:, i] = best
        back[:, i] = arg
    return total, back


def _skip_forward(best: np.ndarray, cum: np.ndarray, soft: bool):
    """A row's (B, width) scores with (0, 1) beads within the row added, and where they won
    (None when soft): row[w] = max(best[w], row[w-1] + skip[w]) as one running maximum over
    prefix sums `cum`; soft: the log-sum-exp over the same paths."""
    run = np.empty_like(best)  # run[w]: the best over v < w (a cell never skips to itself)
    run[:, 0] = NEG
    with np.errstate(invalid="ignore"):
        if soft:
            start = np.logaddexp.accumulate(np.where(np.isfinite(best), best - cum, NEG), axis=1)
            np.add(start[:, :-1], cum[:, 1:], out=run[:, 1:])
            return np.logaddexp(best, np.where(np.isnan(run), NEG, run)), None
        # -inf - -inf (nothing reaches the cell, nor the end of the row) is NaN: fmax passes
        # over it, and a NaN run never wins below
        start = np.fmax.accumulate(best - cum, axis=1)
        np.add(start[:, :-1], cum[:, 1:], out=run[:, 1:])
    from_skip = run > best
    return np.where(from_skip, run, best), from_skip


def _backward(tables, band: Band, soft: bool) -> np.ndarray:
    """`backward` over a batch of tables: (B, n+1, width)."""
    n, m, width = band.n, band.m, band.width
    types = _row_types(tables[0])
    if any(_row_types(t) != types for t in tables):
        raise ValueError("every table of a batch needs the same bead types")
    moves = band.moves(types, forward=False)
    # a bead starting at a cell is scored by its end cell
    scores = _by_row(tables, types, moves.ok, moves.cell) if types else None
    cum = _skip_sums(tables, band)
    batch = len(tables)
    out = np.full((batch, n + 1, width), NEG)
    flat = out.reshape(batch, -1)
    cols = band.columns()
    for i in range(n, -1, -1):
        if i == n or not types:
            best = np.broadcast_to(
                np.where(cols[i] == m, 0.0, NEG) if i == n else NEG, (batch, width)
            ).copy()
        else:
            cand = np.take(flat, moves.cell[i], axis=1) + scores[i]
            best = np.logaddexp.reduce(cand, axis=1) if soft else cand.max(axis=1)
        if cum is not None:
            best = _skip_backward(best, cum[i], soft)
        best[:, cols[i] > m] = NEG
        out[:, i] = best
    return out


def _skip_backward(best: np.ndarray, cum: np.ndarray, soft: bool) -> np.ndarray:
    """best[w] = max over v >= w of base[v] + skip[w+1] + … + skip[v]; soft: the sum over
    v > w is added to base[w]."""
    with np.errstate(invalid="ignore"):
        reach = np.where(np.isfinite(best), best + cum, NEG)
        if soft:
            later = np.logaddexp.accumulate(reach[:, ::-1], axis=1)[:, ::-1]
            run = np.concatenate([later[:, 1:], np.full((len(best), 1), NEG)], axis=1) - cum
            return np.where(np.isnan(run), best, np.logaddexp(best, run))
        run = np.maximum.accumulate(reach[:, ::-1], axis=1)[:, ::-1] - cum
        return np.where(np.isnan(run), best, np.maximum(best, run))


def path_posteriors(
    scores: dict[tuple[int, int], np.ndarray],
    band: Band,
    path: list[tuple[int, int, int, int]],
    temperature: float = 1.0,
) -> np.ndarray:
    """Log-probability of each bead of `path` when alignments are weighted by
    exp(total score / temperature): summed over every alignment that holds the bead."""
    return path_posteriors_batch([scores], band, path, temperature)[:, 0]


def path_posteriors_batch(
    tables: Sequence[dict[tuple[int, int], np.ndarray]],
    band: Band,
    path: list[tuple[int, int, int, int]],
    temperature: float = 1.0,
) -> np.ndarray:
    """(len(path), len(tables)): `path_posteriors` under each table (same bead types), in one
    pass of the DP."""
    return path_bead_and_pair_posteriors(tables, band, path, temperature, pairs=False)[0]


def path_bead_and_pair_posteriors(
    tables: Sequence[dict[tuple[int, int], np.ndarray]],
    band: Band,
    path: list[tuple[int, int, int, int]],
    temperature: float = 1.0,
    pairs: bool = True,
) -> tuple[np.ndarray, np.ndarray | None]:
    """(beads, pairs), each (len(path), len(tables)), from one forward-backward pass per table:
    each bead's log posterior (`path_posteriors`), and (if `pairs`) the log-probability that
    it is a right pair whatever the granularity: that the alignment passes through both of its
    corners (its sentences are whole beads of it, split or merged any way inside), or has one
    bead that holds it and more (a finer split of a larger bead). The two events exclude each
    other. A bead with an empty side is a right pair only as itself."""
    scaled = [{k: v / temperature for k, v in scores.items()} for scores in tables]
    fwd, _ = _forward(scaled, band, soft=True)
    bwd = _backward(scaled, band, soft=True)
    z = fwd[:, band.n, band.m - band.lo[band.n]][:, None]
    at = _CellReader(band)
    stacked = {shape: np.stack([table[shape] for table in scaled]) for shape in scaled[0]}
    beads = np.empty((len(path), len(tables)))
    out = np.empty((len(path), len(tables))) if pairs else None
    by_shape: dict[tuple[int, int], list[int]] = {}
    for k, (i0, i1, j0, j1) in enumerate(path):
        by_shape.setdefault((i1 - i0, j1 - j0), []).append(k)
    for shape, rows in by_shape.items():
        i0 = np.array([path[k][0] for k in rows])
        j0 = np.array([path[k][2] for k in rows])
        i1, j1 = i0 + shape[0], j0 + shape[1]
        start, end = at(fwd, i0, j0), at(bwd, i1, j1)
        beads[rows] = (start + at.tables(stacked, shape, i1, j1) + end - z).T
        if pairs:
            if min(shape) == 0:
                out[rows] = beads[rows]
            else:
                whole = start + _inside(stacked, at, shape, i0, j0) + end - z
                larger = _holding(stacked, at, fwd, bwd, shape, i0, j0)
                out[rows] = np.logaddexp(whole, larger - z).T
    return np.minimum(beads, 0.0), (np.minimum(out, 0.0) if pairs else None)


class _CellReader:
    """Reads (B, n+1, width) band arrays at lattice cells (i, j) given as index arrays:
    (B, len(i)), -inf where the cell is outside the band."""

    def __init__(self, band: Band):
        self.band = band

    def where(self, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, band column, inside the band) of each cell (row and column clipped to read)."""
        band = self.band
        row = np.clip(i, 0, band.n)
        w = j - band.lo[row]
        ok = (i >= 0) & (i <= band.n) & (j >= 0) & (j <= band.m) & (w >= 0) & (w < band.width)
        return row, np.clip(w, 0, band.width - 1), ok

    def __call__(self, values: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        row, w, ok = self.where(i, j)
        picked = values[:, row, w]
        with np.errstate(invalid="ignore"):
            return np.where(ok & ~np.isnan(picked), picked, NEG)

    def tables(self, stacked, shape, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """The scores of beads of `shape` ending at (i, j), under each table (`stacked`: per
        bead type, the tables' (B, n+1, width) scores)."""
        return self(stacked[shape], i, j)


def _inside(stacked, at: _CellReader, shape, i0: np.ndarray, j0: np.ndarray) -> np.ndarray:
    """Log-sum of the scores of every path from (i0, j0) to (i0, j0) + shape through the band:
    the bead of that shape, and every finer segmentation of its sentences."""
    batch = len(next(iter(stacked.values())))
    inner: dict[tuple[int, int], np.ndarray] = {(0, 0): np.zeros((batch, len(i0)))}
    for di in range(shape[0] + 1):
        for dj in range(shape[1] + 1):
            if (di, dj) == (0, 0):
                continue
            ways = [
                inner[(di - a, dj - b)] + at.tables(stacked, (a, b), i0 + di, j0 + dj)
                for a, b in stacked
                if (di - a, dj - b) in inner
            ]
            total = np.logaddexp.reduce(ways, axis=0) if ways else NEG
            inner[(di, dj)] = np.where(at.where(i0 + di, j0 + dj)[2], total, NEG)  # in the band
    return inner[shape]


def _holding(stacked, at: _CellReader, fwd, bwd, shape, i0: np.ndarray, j0: np.ndarray):
    """Log-sum over every larger bead holding the sentences of a bead of `shape` at (i0, j0)
    (both sides not empty) of its weight, forward × bead × backward (not yet divided by Z)."""
    a0, b0 = shape
    ways = [np.full((len(fwd), len(i0)), NEG)]
    for a, b in stacked:
        if a < a0 or b < b0 or (a, b) == shape:
            continue
        for da in range(a - a0 + 1):  # how many of its source sentences come before
            for db in range(b - b0 + 1):
                s_i, s_j = i0 - da, j0 - db
                e_i, e_j = s_i + a, s_j + b
                ways.append(
                    at(fwd, s_i, s_j) + at.tables(stacked, (a, b), e_i, e_j) + at(bwd, e_i, e_j)
                )
    return np.logaddexp.reduce(ways, axis=0)


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
