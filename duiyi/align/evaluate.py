"""Alignment quality: strict and lax precision/recall/F1, pooled over documents.

Exactly the Vecalign (Sennrich & Volk) definitions in ../shared/eval/README.md:
- beads empty on both sides are dropped;
- strict: a system bead is correct only if the identical bead is in the gold;
- lax: a system bead is correct if any of its source sentences is gold-aligned to any of its
  target sentences;
- precision counts over system beads (null beads included); recall is the same computation with
  gold and system swapped, after removing every bead with an empty side from both.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from duiyi.corpus.model import Bead

BeadLike = Bead | tuple[Sequence[int], Sequence[int]]


def _pairs(beads: Iterable[BeadLike]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    out = []
    for bead in beads:
        src, tgt = (bead.src, bead.tgt) if isinstance(bead, Bead) else bead
        out.append((tuple(src), tuple(tgt)))
    return out


def _correct_counts(gold, test) -> tuple[int, int, int]:
    """(strict correct, lax correct, counted) for the beads of `test` judged against `gold`."""
    gold_set = {b for b in gold if b[0] or b[1]}
    test_set = {b for b in test if b[0] or b[1]}
    gold_links: dict[int, set[int]] = defaultdict(set)
    for src, tgt in gold_set:
        for s in src:
            gold_links[s].update(tgt)
    strict = lax = 0
    for src, tgt in test_set:
        if (src, tgt) in gold_set:
            strict += 1
            lax += 1
        elif any(t in gold_links[s] for s in src for t in tgt):
            lax += 1
    return strict, lax, len(test_set)


@dataclass
class AlignScore:
    """Pooled counts; precision/recall/F1 as properties. `value_for_div_by_0` is 0."""

    strict_p_hits: int = 0
    lax_p_hits: int = 0
    p_total: int = 0
    strict_r_hits: int = 0
    lax_r_hits: int = 0
    r_total: int = 0
    documents: int = 0

    def add(self, gold: Iterable[BeadLike], system: Iterable[BeadLike]) -> AlignScore:
        gold, system = _pairs(gold), _pairs(system)
        s, lx, n = _correct_counts(gold, system)
        self.strict_p_hits, self.lax_p_hits, self.p_total = (
            self.strict_p_hits + s,
            self.lax_p_hits + lx,
            self.p_total + n,
        )
        gold_links = [b for b in gold if b[0] and b[1]]
        system_links = [b for b in system if b[0] and b[1]]
        s, lx, n = _correct_counts(system_links, gold_links)
        self.strict_r_hits, self.lax_r_hits, self.r_total = (
            self.strict_r_hits + s,
            self.lax_r_hits + lx,
            self.r_total + n,
        )
        self.documents += 1
        return self

    @staticmethod
    def _ratio(hits: int, total: int) -> float:
        return hits / total if total else 0.0

    @staticmethod
    def _f1(p: float, r: float) -> float:
        return 2 * p * r / (p + r) if p + r else 0.0

    def strict(self) -> tuple[float, float, float]:
        p = self._ratio(self.strict_p_hits, self.p_total)
        r = self._ratio(self.strict_r_hits, self.r_total)
        return p, r, self._f1(p, r)

    def lax(self) -> tuple[float, float, float]:
        p = self._ratio(self.lax_p_hits, self.p_total)
        r = self._ratio(self.lax_r_hits, self.r_total)
        return p, r, self._f1(p, r)

    def format(self) -> str:
        lines = [f"documents: {self.documents}", "        precision  recall  F1"]
        for name, (p, r, f) in (("strict", self.strict()), ("lax", self.lax())):
            lines.append(f"{name:<8}{p:>9.4f}{r:>8.4f}{f:>7.4f}")
        return "\n".join(lines)


def score_alignments(pairs: Iterable[tuple[Iterable[BeadLike], Iterable[BeadLike]]]) -> AlignScore:
    """Pool (gold, system) bead lists of several documents into one score."""
    score = AlignScore()
    for gold, system in pairs:
        score.add(gold, system)
    return score


# --- confidence: does it rank the wrong beads first? -------------------------------------------


def bead_correct(gold: Iterable[BeadLike], system: Iterable[BeadLike]) -> list[bool]:
    """Per system bead: is the identical bead in the gold (the strict criterion)?"""
    gold_set = set(_pairs(gold))
    return [pair in gold_set for pair in _pairs(system)]


def bead_pairs_right(gold: Iterable[BeadLike], system: Iterable[BeadLike]) -> list[bool]:
    """Per system bead: do its two sides come from the same gold beads? What a reviewer calls
    a wrong pair: a finer split of a gold bead (two good 1-1 beads where the gold keeps a verse
    whole), or whole gold beads merged, is right; a bead with an empty side is right when the
    gold leaves its sentences without a counterpart too."""
    gold, system = _pairs(gold), _pairs(system)
    units = [bead for bead in gold if bead[0] or bead[1]]
    n = 1 + max((i for src, _ in gold + system for i in src), default=-1)
    m = 1 + max((j for _, tgt in gold + system for j in tgt), default=-1)
    src_units, tgt_units = [frozenset()] * n, [frozenset()] * m
    for k, (src, tgt) in enumerate(units):
        for i in src:
            src_units[i] = frozenset({k})
        for j in tgt:
            tgt_units[j] = frozenset({k})
    return pairs_right(src_units, tgt_units, system)


def pairs_right(
    src_units: Sequence[frozenset[int]],
    tgt_units: Sequence[frozenset[int]],
    system: Iterable[BeadLike],
) -> list[bool]:
    """`bead_pairs_right` for sentences that map to units of any kind (gold beads, the
    segments of a parallel text): `src_units[i]` holds the units source sentence i comes from
    (several when it spans a boundary the splitter missed). A bead is a right pair when its two
    sides come from the same units; one with an empty side when none of its units has a
    sentence on the other side."""
    covered_src, covered_tgt = frozenset().union(*src_units), frozenset().union(*tgt_units)
    out = []
    for src, tgt in _pairs(system):
        left = frozenset().union(*(src_units[i] for i in src))
        right = frozenset().union(*(tgt_units[j] for j in tgt))
        if src and tgt:
            out.append(bool(left) and left == right)
        else:
            out.append(not ((left | right) & (covered_tgt if src else covered_src)))
    return out


def _ascending(scores: Sequence[float]) -> list[int]:
    return sorted(range(len(scores)), key=lambda k: (scores[k], k))


def error_ranking(scores: Sequence[float], correct: Sequence[bool], share: float = 0.1):
    """(average precision of "wrong", share of the wrong beads among the lowest `share`) when the
    beads are read from the lowest confidence up. Both are NaN when no bead is wrong."""
    order = _ascending(scores)
    wrong = [not correct[k] for k in order]
    total = sum(wrong)
    if not total:
        return float("nan"), float("nan")
    found, precision_sum = 0, 0.0
    for rank, is_wrong in enumerate(wrong, 1):
        if is_wrong:
            found += 1
            precision_sum += found / rank
    head = max(1, round(share * len(order)))
    return precision_sum / total, sum(wrong[:head]) / total


def reliability(scores: Sequence[float], correct: Sequence[bool], bins: int = 10):
    """Rows (low, high, beads, mean confidence, share right) for equal-width confidence bins."""
    rows = []
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        inside = [
            k for k, s in enumerate(scores) if low <= s < high or (b == bins - 1 and s == 1.0)
        ]
        if inside:
            mean = sum(scores[k] for k in inside) / len(inside)
            right = sum(bool(correct[k]) for k in inside) / len(inside)
            rows.append((low, high, len(inside), mean, right))
    return rows


def expected_calibration_error(scores: Sequence[float], correct: Sequence[bool]) -> float:
    """Bead-weighted mean |confidence − share right| over the reliability bins."""
    rows = reliability(scores, correct)
    total = sum(n for _, _, n, _, _ in rows)
    return sum(n * abs(mean - right) for _, _, n, mean, right in rows) / total if total else 0.0
