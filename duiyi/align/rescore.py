"""A second look at the aligner's near-ties, with a translation model (opt-in, slow).

A small sentence encoder leaves some beads in near-ties that it cannot settle: a 2-2 bead
against two 1-1 beads, a short line of dialogue given to either neighbour. A translation model
can settle most of them: the probability of an English span given the Chinese it is paired
with drops sharply when the English carries words whose source sits in the neighbouring bead.
On mac-dev, in 57 of the 64 places where the e5 path and the gold differ, Qwen2.5-0.5B gives
the gold segmentation the higher probability, mostly by 10–80 nats, where the DP's own scores
mostly differ by less than 1 (BENCHMARKS.md).

1. The DP's bead posteriors (forward-backward at the confidence's temperature) name the
   candidates: every bead whose posterior is at least `min_posterior`, and the path's own.
2. A candidate that shares a sentence with another candidate is a rival; each rival gets the
   model's log P(English side | Chinese side) (a bead with no Chinese: the English alone;
   with no English: 0). Any segmentation of a region then scores all its English once.
3. The DP runs again over the candidates only, each scoring its DP score plus `weight` times
   the model's score, plus `bead_bonus` for a rival that pairs Chinese with English: the model
   prefers merges (more Chinese context never makes the English less likely), and a bonus per
   bead offsets that, since a finer segmentation of a region has more beads.
4. A rival on the new path takes its confidence from its posterior under these scores (the
   aligner's `_beads_with_confidence`): the model's evidence ranks the remaining errors first
   better than the DP's posterior, which called every rival a near-tie.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from duiyi.align import dp
from duiyi.cache import open_cache_db, read_keyed, write_keyed

Span = tuple[int, int, int, int]  # (src_start, src_end, tgt_start, tgt_end)

# per nat of the model's log-probability, in units of the DP's scores, and per rival bead
# that links both sides; chosen together on mac-dev (0.934-0.938 for weights 0.02-0.03 and
# bonuses 0.1-0.7, against 0.932 without a bonus), checked on the other sets (BENCHMARKS.md)
WEIGHT = 0.025
BEAD_BONUS = 0.4
# the installed model --rescore takes when none is named: on mac-dev the 0.5B model settles
# more near-ties (0.938) than the 1.5B one (0.933, or 0.935 at weight 0.02) at half its CPU time
PREFERRED_MODEL = "qwen2.5-coder-0.5b"
MIN_POSTERIOR = 0.05
CHUNK = 64  # pairs per call to the scorer: a progress report after each (see score_pairs)
FORBIDDEN = -1e6


class TranslationScorer(Protocol):
    """What rescoring needs of a translation model (the LLM engine has it)."""

    def score_translations(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """log P(english | chinese) for each (chinese, english) pair."""
        ...


Progress = Callable[[int, int], None]  # (pairs scored, pairs to score)


def score_pairs(
    scorer: TranslationScorer,
    pairs: Sequence[tuple[str, str]],
    progress: Progress | None = None,
    chunk: int | None = None,
) -> list[float]:
    """`scorer`'s scores of `pairs`, asked for `chunk` pairs at a time, shortest first (the
    scorer batches each chunk by length as it would the whole); `progress(done, total)` is
    called before the first and after each chunk (`chunk`: CHUNK unless given)."""
    chunk = chunk or CHUNK
    order = sorted(range(len(pairs)), key=lambda k: len(pairs[k][0]) + len(pairs[k][1]))
    out = [0.0] * len(pairs)
    if progress is not None:
        progress(0, len(pairs))
    for start in range(0, len(order), chunk):
        part = order[start : start + chunk]
        for k, value in zip(part, scorer.score_translations([pairs[k] for k in part]), strict=True):
            out[k] = float(value)
        if progress is not None:
            progress(start + len(part), len(pairs))
    return out


def candidates(
    log_posteriors: dict[tuple[int, int], np.ndarray],
    band: dp.Band,
    path: Sequence[Span],
    min_posterior: float = MIN_POSTERIOR,
) -> list[Span]:
    """Beads whose posterior is at least `min_posterior`, and the path's beads."""
    found = set(path)
    columns = band.columns()
    for (a, b), table in log_posteriors.items():
        rows, widths = np.nonzero(table >= np.log(min_posterior))
        for i, w in zip(rows.tolist(), widths.tolist(), strict=True):
            j = int(columns[i, w])
            found.add((i - a, i, j - b, j))
    return sorted(found)


def rivals(beads: Sequence[Span]) -> list[Span]:
    """The beads that share a source or a target sentence with another one."""
    by_src: dict[int, int] = defaultdict(int)
    by_tgt: dict[int, int] = defaultdict(int)
    for i0, i1, j0, j1 in beads:
        for i in range(i0, i1):
            by_src[i] += 1
        for j in range(j0, j1):
            by_tgt[j] += 1
    return [
        (i0, i1, j0, j1)
        for i0, i1, j0, j1 in beads
        if any(by_src[i] > 1 for i in range(i0, i1)) or any(by_tgt[j] > 1 for j in range(j0, j1))
    ]


def restricted_scores(
    scores: dict[tuple[int, int], np.ndarray],
    band: dp.Band,
    beads: Sequence[Span],
    extra: dict[Span, float],
) -> dict[tuple[int, int], np.ndarray]:
    """Score tables where only `beads` can be chosen, each with its `extra` added."""
    # a (0, 1) bead is scored by a running sum along the row (dp.forward), which needs finite
    # steps: there "not a candidate" is a cost no alignment through the candidates pays
    out = {
        key: np.full_like(table, FORBIDDEN if key == (0, 1) else dp.NEG)
        for key, table in scores.items()
    }
    for bead in beads:
        i0, i1, j0, j1 = bead
        key, w = (i1 - i0, j1 - j0), j1 - band.lo[i1]
        if key in out:
            out[key][i1, w] = scores[key][i1, w] + extra.get(bead, 0.0)
    return out


class CachedScorer:
    """A TranslationScorer that keeps its scores in an SQLite cache (re-aligning a document
    after an edit, or with other settings, scores only the new pairs)."""

    def __init__(self, scorer, path: Path, model: str):
        """`model`: what the scores depend on besides the texts (the model and its prompt)."""
        self.scorer, self.model = scorer, model
        self._db = open_cache_db(
            Path(path), "CREATE TABLE IF NOT EXISTS rescore (key BLOB PRIMARY KEY, value REAL)"
        )

    def _key(self, pair: tuple[str, str]) -> bytes:
        return hashlib.sha256("\x1f".join((self.model, *pair)).encode("utf-8")).digest()

    def score_translations(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        keys = [self._key(pair) for pair in pairs]
        found: dict[bytes, float] = dict(read_keyed(self._db, "rescore", "value", keys))
        todo = list(
            {key: pair for key, pair in zip(keys, pairs, strict=True) if key not in found}.items()
        )
        if todo:
            values = self.scorer.score_translations([pair for _, pair in todo])
            new = [(key, float(v)) for (key, _), v in zip(todo, values, strict=True)]
            write_keyed(self._db, "rescore", "key, value", new)
            found.update(new)
        return [found[key] for key in keys]
