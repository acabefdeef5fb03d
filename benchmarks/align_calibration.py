"""Fit the bead confidence model (duiyi/align/confidence.py) on the dev sets, and report it honestly.

Aligns every set in ../shared/eval/align, labels each output bead a right or a wrong pair
against the gold (`evaluate.bead_pairs_right`: its two sides come from the same gold beads, so a
finer split of a gold bead is right), then for each set in turn fits the logistic model on the
OTHER sets and reports on the held-out one: average precision of "wrong" when beads are read
from the lowest confidence up, the share of the wrong beads found in the lowest 10%, the expected
calibration error and a reliability table, for the shipped signal (the lowest pair posterior
over the DP's scores and confidence.PERTURBATIONS) and, as the reference, for the pair
posterior under the DP's scores alone; and the shipped signal's ranking of the strict errors
(a bead not exactly in the gold). Finally it fits on all sets (each set weighted equally) and
prints the constants; --write puts them in duiyi/align/confidence_fit.py. After a change to the aligner's
scores, refit with one command:

    python benchmarks/align_calibration.py --write [--cache /tmp/emb.sqlite]

--features F.npz keeps the aligned beads' signals in a file: a second run refits in a second
(collected again when AlignConfig, the temperature or the perturbations differ; delete it
after other changes to the aligner's code).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from align import SETS, documents  # noqa: E402

from duiyi.align import confidence  # noqa: E402
from duiyi.align.aligner import AlignConfig, Aligner  # noqa: E402
from duiyi.align.embed import EmbeddingCache, SpanEncoder  # noqa: E402
from duiyi.align.evaluate import (  # noqa: E402
    bead_correct,
    bead_pairs_right,
    error_ranking,
    expected_calibration_error,
    reliability,
)

# signals whose weight must not be negative: more of them never makes a bead less likely right
MONOTONE = ("posterior",)
RIDGE = 1e-2


FIT_MODULE = ROOT / "duiyi" / "align" / "confidence_fit.py"
KEYS = ("posteriors", "sizes", "gate", "y", "strict")


def collect(aligner: Aligner, sets, docs) -> dict[str, dict[str, np.ndarray]]:
    """Per set: every output bead's log posteriors, sizes, gates and strict correctness."""
    data = {}
    for name in sets:
        parts = {key: [] for key in KEYS}
        for _doc, src, tgt, gold in documents(name, docs):
            result = aligner.align(src, tgt)
            parts["posteriors"].append(result.pair_posteriors)
            parts["sizes"].append([(len(b.src), len(b.tgt)) for b in result.beads])
            parts["gate"].append(confidence.gates(result.cosines))
            parts["y"].append(bead_pairs_right(gold, result.beads))
            parts["strict"].append(bead_correct(gold, result.beads))
        data[name] = {key: np.concatenate(parts[key]) for key in KEYS}
        data[name]["y"] = data[name]["y"].astype(bool)
        data[name]["strict"] = data[name]["strict"].astype(bool)
        print(
            f"{name}: {len(data[name]['y'])} beads, {int((~data[name]['y']).sum())} wrong",
            file=sys.stderr,
            flush=True,
        )
    return data


def fit(x: np.ndarray, y: np.ndarray, weight: np.ndarray) -> tuple[float, dict[str, float]]:
    """Weighted L2-regularized logistic regression (Newton steps); monotone signals kept ≥ 0 by
    dropping any that come out negative and refitting."""
    active = list(range(x.shape[1]))
    while True:
        a = np.column_stack([np.ones(len(x)), x[:, active]])
        beta = np.zeros(a.shape[1])
        for _ in range(100):
            p = 1 / (1 + np.exp(-(a @ beta)))
            grad = a.T @ (weight * (y - p)) - RIDGE * np.r_[0, beta[1:]]
            hess = (a * (weight * p * (1 - p))[:, None]).T @ a + RIDGE * np.diag(
                np.r_[0, np.ones(len(active))]
            )
            step = np.linalg.solve(hess, grad)
            beta += step
            if np.abs(step).max() < 1e-8:
                break
        names = [confidence.FEATURES[k] for k in active]
        negative = [
            k for k, n, b in zip(active, names, beta[1:], strict=True) if n in MONOTONE and b < 0
        ]
        if not negative:
            weights = dict.fromkeys(confidence.FEATURES, 0.0)
            weights.update(zip(names, beta[1:].tolist(), strict=True))
            return float(beta[0]), weights
        active = [k for k in active if k not in negative]


def balanced_weights(parts: list[np.ndarray]) -> np.ndarray:
    """Each set counts as much as any other, whatever its size."""
    return np.concatenate(
        [np.full(len(p), len(np.concatenate(parts)) / (len(parts) * len(p))) for p in parts]
    )


def setup(docs) -> str:
    """What the collected signals depend on, besides the code: a cached file from another
    setup is collected again."""
    return repr((AlignConfig(), confidence.TEMPERATURE, confidence.PERTURBATIONS, docs, "pairs"))


def load_signals(path: Path, sets, docs):
    """The signals cached in `path`, or None (with a note) when they are from another setup."""
    raw = np.load(path)
    if "setup" not in raw.files or str(raw["setup"]) != setup(docs):
        print(f"{path}: signals from another aligner setup: collecting again", file=sys.stderr)
        return None
    missing = [n for n in sets if f"{n}/y" not in raw.files]
    if missing:
        print(f"{path}: no signals for {', '.join(missing)}: collecting again", file=sys.stderr)
        return None
    return {n: {k: raw[f"{n}/{k}"] for k in KEYS} for n in sets}


def write_fit(intercept: float, weights: dict[str, float], data) -> None:
    """Write the fitted constants to confidence_fit.py (atomically)."""
    beads = sum(len(d["y"]) for d in data.values())
    wrong = sum(int((~d["y"]).sum()) for d in data.values())
    text = (
        '"""Constants of the bead confidence model (confidence.py). Generated, do not edit: '
        "refit with\n`python benchmarks/align_calibration.py --write` "
        '(BENCHMARKS.md, "Confidence")."""\n\n'
        f"# fitted on {', '.join(data)}: {beads:,} beads, {wrong:,} of them wrong pairs\n"
        f"INTERCEPT = {intercept:.4f}\n"
        "WEIGHTS = {" + ", ".join(f'"{n}": {weights[n]:.4f}' for n in confidence.FEATURES) + "}\n"
    )
    tmp = FIT_MODULE.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(FIT_MODULE)
    print(f"wrote {FIT_MODULE.relative_to(ROOT)}")


def inputs(d, shipped: bool) -> np.ndarray:
    """The model's features: from every posterior (shipped) or the DP's own one only."""
    posteriors = d["posteriors"] if shipped else d["posteriors"][:, :1]
    return confidence.features(posteriors, d["sizes"])


def report(name: str, conf: np.ndarray, y: np.ndarray, table: bool) -> tuple[float, float]:
    ap, r10 = error_ranking(conf.tolist(), y.tolist())
    ece = expected_calibration_error(conf.tolist(), y.tolist())
    print(f"  {name:<28} AP(wrong) {ap:.3f}  wrong in lowest 10% {r10:.3f}  ECE {ece:.3f}")
    if table:
        print("    confidence   beads  mean conf  share right")
        for low, high, n, mean, right in reliability(conf.tolist(), y.tolist()):
            print(f"    {low:.1f}–{high:.1f}  {n:>8}  {mean:>9.3f}  {right:>11.3f}")
    return ap, r10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    parser.add_argument("--docs", type=int, default=None, help="first N documents of each set")
    parser.add_argument("--cache", help="SQLite embedding cache")
    parser.add_argument("--features", help="npz file of collected signals (read, else written)")
    parser.add_argument("--write", action="store_true", help="write confidence_fit.py")
    args = parser.parse_args()

    path = Path(args.features) if args.features else None
    data = load_signals(path, args.sets, args.docs) if path and path.exists() else None
    if data is None:
        cache = EmbeddingCache(args.cache) if args.cache else None
        data = collect(Aligner(SpanEncoder(cache), AlignConfig()), args.sets, args.docs)
        if path:
            arrays = {f"{n}/{k}": v for n, d in data.items() for k, v in d.items()}
            np.savez(path, setup=np.array(setup(args.docs)), **arrays)

    results = {}
    print("held-out evaluation: the model is fitted on the other sets, scored on this one")
    for held in args.sets:
        train = [n for n in args.sets if n != held]
        d = data[held]
        print(
            f"{held}: {len(d['y'])} beads, {int((~d['y']).sum())} wrong pairs "
            f"({100 * (~d['y']).mean():.1f}%)"
        )
        if not train:
            continue
        y = np.concatenate([data[n]["y"] for n in train])
        w = balanced_weights([data[n]["y"] for n in train])
        for shipped, label in ((False, "DP pair posterior only"), (True, "shipped (held out)")):
            x = np.vstack([inputs(data[n], shipped) for n in train])
            intercept, weights = fit(x, y, w)
            conf = confidence.probability(inputs(d, shipped), intercept, weights) * d["gate"]
            results[held, shipped] = report(label, conf, d["y"], table=shipped)
        strict = ~d["strict"]
        print(f"  strict errors: {int(strict.sum())} beads not exactly in the gold")
        report("shipped, strict errors", conf, d["strict"], table=False)
    x = np.vstack([inputs(data[n], True) for n in args.sets])
    y = np.concatenate([data[n]["y"] for n in args.sets])
    intercept, weights = fit(x, y, balanced_weights([data[n]["y"] for n in args.sets]))
    print("\nfitted on all sets:")
    print(f"INTERCEPT = {intercept:.4f}")
    print("WEIGHTS = {" + ", ".join(f'"{n}": {weights[n]:.4f}' for n in confidence.FEATURES) + "}")
    if args.write:
        write_fit(intercept, weights, data)
    if results:
        print(
            "RESULT "
            + " ".join(
                f"{n.replace('-', '_')}_avg_precision_err={ap:.3f} "
                f"{n.replace('-', '_')}_err_recall_at_10={r10:.3f}"
                for (n, shipped), (ap, r10) in results.items()
                if shipped
            )
        )


if __name__ == "__main__":
    main()
