"""A bead's confidence: the probability that it is a right pair (its two sides translate each
other, whatever the granularity), from what the aligner's DP knows.

The main signal is the bead's pair posterior: the DP's scores define a distribution over all
alignments of the document (weight exp(total score / TEMPERATURE)), and a bead's pair posterior
is the share of that weight held by the alignments under which it is a right pair: those that
pass through both of its corners (its sentences are whole beads of them, split or merged any
way inside) or hold it inside one larger bead (a finer split of a right bead), summed by
forward-backward (`dp.path_bead_and_pair_posteriors`). A bead whose sentences a close rival
pairs otherwise (a short sentence given to the other neighbour, a clause moved across a
boundary) has a low pair posterior, whatever its own cosine; a loose but correct translation
with no rival keeps a high one, and so does a bead whose only rivals split or merge the same
pair (a 2-2 bead against two 1-1 beads): a reviewer loses nothing to those, and ranking them
first hid the wrong pairs (BENCHMARKS.md, eighth round). Null beads (a sentence without a
counterpart) are a second signal: on the development sets they are nearly always wrong.
The bead's exact posterior (`Alignment.posteriors`) still counts the near-ties of the summary
and of `--rescore`.

The pair posterior is taken under the DP's own scores and again under a few perturbed
weightings of them (PERTURBATIONS: less weight on the embeddings, more on length, lexical hits
and the null penalty), and the bead keeps the lowest: a bead that a small change of the
aligner's weights would give away is in doubt even when it wins clearly under the shipped
weights. This "min over perturbations" ranks the wrong beads first better than any single
posterior on all four development sets, held out (BENCHMARKS.md).

The model is a logistic regression over these signals, fitted on the four development sets
(mac-dev, aca, mag, bible-001; a bead is a right pair when its two sides come from the same
gold beads, `evaluate.bead_pairs_right`) by `benchmarks/align_calibration.py`, which also
reports it with each set held out in turn (fitted on the other three) and writes the fitted
constants to `confidence_fit.py` (generated: refit with that one command after changing the
aligner's scores). TEMPERATURE and PERTURBATIONS were chosen the same way, held out (on the
exact posteriors, before the pair posteriors).

Two gates, not fitted (the dev sets hold no wrong documents), multiply the fitted probability:
a document whose linked beads have a median raw e5 cosine below ≈0.79 is probably not a
translation of the other side, and a bead whose raw cosine is below ≈0.74 pairs unrelated text.
"""

from __future__ import annotations

import numpy as np

from duiyi.align.confidence_fit import INTERCEPT, WEIGHTS

FEATURES = ("posterior", "null")
TEMPERATURE = 0.25  # of the bead posteriors, in units of the DP's scores
# (AlignConfig field, factor): the weightings whose posteriors join the DP's own
PERTURBATIONS = (
    ("sem_weight", 0.7),
    ("length_weight", 2.0),
    ("lexical_weight", 2.0),
    ("skip_penalty", 2.0),
)

# e5 cosines: translations ≈0.85, unrelated sentences ≈0.75
DOCUMENT_MIDPOINT = 0.79
BEAD_MIDPOINT = 0.74
GATE_SLOPE = 100.0


def features(log_posteriors: np.ndarray, sizes) -> np.ndarray:
    """(beads, len(FEATURES)) signals from the beads' log posteriors and (beads, 2) sizes.

    `log_posteriors`: one per bead, or (beads, k) under k weightings of the DP's scores (the
    lowest counts). posterior: −log(−log p), which grows without bound as p → 1 (clipped at
    p = 1 − 1e-6) and spreads the near-ties (p ≈ 0.5) that hold the errors."""
    sizes = np.asarray(sizes, dtype=np.float64).reshape(-1, 2)
    log_p = np.asarray(log_posteriors, dtype=np.float64).reshape(
        len(sizes), -1 if len(sizes) else 1
    )
    log_p = np.nan_to_num(log_p, nan=-50.0).min(axis=1, initial=0.0)
    log_p = np.clip(log_p, -50.0, -1e-6)
    posterior = -np.log(-log_p)
    null = (sizes.min(axis=1) == 0).astype(np.float64)
    return np.column_stack([posterior, null]).reshape(-1, len(FEATURES))


def probability(x: np.ndarray, intercept: float | None = None, weights=None) -> np.ndarray:
    """The fitted logistic model: P(bead is right) for each row of `features`."""
    intercept = INTERCEPT if intercept is None else intercept
    weights = WEIGHTS if weights is None else weights
    w = np.array([weights[name] for name in FEATURES])
    logit = intercept + np.asarray(x, dtype=np.float64) @ w
    return 1.0 / (1.0 + np.exp(-np.clip(logit, -50.0, 50.0)))


def _sigmoid_gate(values, midpoint: float) -> np.ndarray:
    z = GATE_SLOPE * (np.asarray(values, dtype=np.float64) - midpoint)
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))


def gates(cosines: np.ndarray) -> np.ndarray:
    """Per bead, the product of the document gate and the bead gate (1: no doubt). `cosines`
    holds each bead's raw e5 cosine, NaN for null beads (they pass the bead gate)."""
    cosines = np.asarray(cosines, dtype=np.float64)
    linked = cosines[np.isfinite(cosines)]
    document = _sigmoid_gate(np.median(linked), DOCUMENT_MIDPOINT) if len(linked) else 1.0
    return document * _sigmoid_gate(np.nan_to_num(cosines, nan=1.0), BEAD_MIDPOINT)


def confidence(x: np.ndarray, cosines: np.ndarray) -> np.ndarray:
    """Confidence in [0, 1] per bead: the fitted probability, times the gates."""
    return probability(x) * gates(cosines)
