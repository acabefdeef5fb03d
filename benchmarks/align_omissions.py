"""Alignment when the translation leaves sentences out, on the gold sets in ../shared/eval/align.

The gold sets translate every sentence, but real parallel data skips some: an untranslated
sentence or paragraph. This drops the English of runs of one to four one-to-one gold beads
(about --rate of the beads, the same ones every run: a fixed seed), so that those Chinese
sentences' gold becomes null beads, then aligns the documents with duiyi and, side by side, with
duiyi's length-only Gale-Church-style baseline (same DP, length score only). Per set it prints
strict F1 for both, the wrong pairs (`evaluate.bead_pairs_right`: a finer split of a gold bead
counts as right; an untranslated sentence merged into its neighbour's pair does not), how the
confidence ranks them (average precision of "wrong" from the lowest confidence up, the share in
the lowest 10%) and how many wrong pairs still score 0.8 or more.
Ends with one RESULT line.

    python benchmarks/align_omissions.py [--sets mac-dev aca] [--rate 0.05] [--cache FILE]
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from align import SETS, documents  # noqa: E402

from duiyi.align.aligner import Aligner  # noqa: E402
from duiyi.align.embed import EmbeddingCache, SpanEncoder  # noqa: E402
from duiyi.align.evaluate import AlignScore, bead_pairs_right, error_ranking  # noqa: E402
from duiyi.corpus.model import Bead  # noqa: E402
from duiyi.testing.gale_church import length_only_align  # noqa: E402

SEED = 7
LONGEST_RUN = 4  # an untranslated paragraph


def omit(tgt: list[str], gold: list[Bead], rng: random.Random, rate: float):
    """(`tgt` less the English of runs of one-to-one gold beads, the gold renumbered, how many
    English sentences went)."""
    dropped, k = set(), 0
    while k < len(gold):
        run = rng.randint(1, LONGEST_RUN) if rng.random() < rate * 2 / (1 + LONGEST_RUN) else 0
        while run and k < len(gold) and len(gold[k].src) == len(gold[k].tgt) == 1:
            dropped.add(gold[k].tgt[0])
            k, run = k + 1, run - 1
        k += 1
    kept = [j for j in range(len(tgt)) if j not in dropped]
    renumbered = {j: n for n, j in enumerate(kept)}
    gold = [Bead(b.src, tuple(renumbered[j] for j in b.tgt if j in renumbered)) for b in gold]
    return [tgt[j] for j in kept], gold, len(dropped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    parser.add_argument("--rate", type=float, default=0.05, help="share of beads left out")
    parser.add_argument("--cache", help="SQLite embedding cache (default: none, a cold run)")
    args = parser.parse_args()
    aligner = Aligner(SpanEncoder(EmbeddingCache(args.cache) if args.cache else None))
    print(f"{'set':10} {'dropped':>7} {'strict F1':>9} {'GC F1':>6} {'wrong pairs':>11} "
          f"{'AP(wrong)':>9} {'wrong@10%':>9} {'wrong≥0.8':>9}")  # fmt: skip
    result = []
    for name in args.sets:
        rng = random.Random(SEED)
        score, gc, confidence, right, dropped = AlignScore(), AlignScore(), [], [], 0
        for _doc, src, tgt, gold in documents(name, None):
            tgt, gold, n = omit(tgt, gold, rng, args.rate)
            dropped += n
            beads = aligner.align(src, tgt).beads
            score.add(gold, beads)
            gc.add(gold, length_only_align(src, tgt))
            confidence += [b.score for b in beads]
            right += bead_pairs_right(gold, beads)
        ap, at_10 = error_ranking(confidence, right)
        confident = sum(1 for c, ok in zip(confidence, right, strict=True) if not ok and c >= 0.8)
        f1, gc_f1, wrong = score.strict()[2], gc.strict()[2], right.count(False)
        print(f"{name:10} {dropped:7} {f1:9.4f} {gc_f1:6.3f} {wrong:5}/{len(right):<5} "
              f"{ap:9.3f} {at_10:9.3f} {confident:9}", flush=True)  # fmt: skip
        key = name.replace("-", "_")
        result += [
            f"{key}_strict_f1={f1:.4f}",
            f"{key}_vs_gale_church={f1 / gc_f1 if gc_f1 else float('nan'):.2f}",
            f"{key}_err_recall_at_10={at_10:.3f}",
            f"{key}_avg_precision_err={ap:.3f}",
        ]
    print(f"RESULT rate={args.rate} " + " ".join(result))


if __name__ == "__main__":
    main()
