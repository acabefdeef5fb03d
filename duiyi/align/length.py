"""A length model for sentence beads, calibrated per document pair (zh↔en or any pair).

The ratio of target to source characters is estimated from the whole document pair (about 3
English characters per Chinese character, but it varies with the translator and genre), so the
model needs no language-specific constant; a bead's length score is the log-density of its
log length ratio under a Gaussian (Gale-Church in log space, where zh↔en ratios are symmetric).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SIGMA = 0.35  # spread of log(tgt chars / expected) for true beads; zh↔en literary text
_SMOOTH = 2.0
RANDOM_SIGMA = 1.0  # spread of log length ratios of unrelated sentence pairs  # characters added to both sides so very short sentences are not extreme


def char_lengths(sentences: Sequence[str]) -> np.ndarray:
    """Non-space characters of each sentence."""
    return np.array([len("".join(s.split())) for s in sentences], dtype=np.float64)


def length_ratio(src_lengths: np.ndarray, tgt_lengths: np.ndarray) -> float:
    """Target characters per source character over the whole document pair (1.0 if empty)."""
    total_src, total_tgt = float(src_lengths.sum()), float(tgt_lengths.sum())
    if total_src <= 0 or total_tgt <= 0:
        return 1.0
    return total_tgt / total_src


def length_scores(
    src_len: np.ndarray, tgt_len: np.ndarray, ratio: float, sigma: float = SIGMA
) -> np.ndarray:
    """Log-likelihood (up to a constant, 0 at the expected ratio) of span lengths being a bead."""
    z = np.log((tgt_len + _SMOOTH) / (ratio * (src_len + _SMOOTH))) / sigma
    return -0.5 * z * z


def length_llr(
    src_len: np.ndarray, tgt_len: np.ndarray, ratio: float, sigma: float = SIGMA
) -> np.ndarray:
    """Log-likelihood ratio of span lengths: a bead (spread sigma) vs unrelated text (RANDOM).

    Positive for plausible lengths, negative for implausible ones, so that a DP summing it over
    beads favours neither merging nor splitting for its own sake.
    """
    x = np.log((tgt_len + _SMOOTH) / (ratio * (src_len + _SMOOTH)))
    return np.log(RANDOM_SIGMA / sigma) - 0.5 * (x / sigma) ** 2 + 0.5 * (x / RANDOM_SIGMA) ** 2
