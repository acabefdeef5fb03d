"""A length-only aligner in the manner of Gale & Church (1993): the in-run reference baseline.

Same banded DP and bead types as the e5-DP aligner, scored only by the log length ratio
(characters, ratio calibrated on the document pair) and a prior per bead type.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from duiyi.align import dp
from duiyi.align.length import char_lengths, length_ratio, length_scores
from duiyi.corpus.model import Bead

# log priors of bead types, after Gale & Church's table (1-1 most likely, 0-1 and 2-2 rare)
PRIORS = {
    (1, 1): np.log(0.89),
    (1, 0): np.log(0.0099),
    (0, 1): np.log(0.0099),
    (2, 1): np.log(0.089 / 2),
    (1, 2): np.log(0.089 / 2),
    (2, 2): np.log(0.011),
    (1, 3): np.log(0.005),
    (3, 1): np.log(0.005),
}


def length_only_align(src: Sequence[str], tgt: Sequence[str], half_width: int = 40) -> list[Bead]:
    n, m = len(src), len(tgt)
    if not n or not m:
        return [Bead((i,), ()) for i in range(n)] + [Bead((), (j,)) for j in range(m)]
    src_len, tgt_len = char_lengths(src), char_lengths(tgt)
    ratio = length_ratio(src_len, tgt_len)
    band = dp.diagonal_band(n, m, half_width + abs(n - m) // 4)
    cols = band.columns()
    safe = np.clip(cols, 0, m)
    scores = {}
    for (a, b), prior in PRIORS.items():
        ls = dp.span_sums(src_len, a)[:, None] if a else np.zeros((n + 1, 1))
        lt = dp.span_sums(tgt_len, b)[safe] if b else np.zeros_like(safe, dtype=float)
        with np.errstate(invalid="ignore"):
            s = length_scores(ls, lt, ratio) + prior
        ok = (cols <= m) & (np.arange(n + 1)[:, None] >= a) & (cols >= b)
        scores[(a, b)] = np.where(ok & np.isfinite(s), s, dp.NEG)
    path, _ = dp.banded_dp(scores, band)
    return [Bead(tuple(range(i0, i1)), tuple(range(j0, j1))) for i0, i1, j0, j1 in path]
