"""Score a system alignment against gold: strict and lax precision, recall and F1.

GOLD and SYSTEM are two `.align` files or two directories of them, paired by file name; counts
are pooled over documents. Strict: a bead is right only if the identical bead is in the other
alignment; lax: if any of its source sentences is aligned to any of its target sentences.
Precision is over system beads (beads empty on both sides dropped); recall over gold beads
with both sides non-empty (Vecalign / Sennrich & Volk definitions).

examples:
  duiyi eval-align gold/001.align system/001.align
  duiyi align --presplit zh/ en/ -o system/ && duiyi eval-align gold/ system/
"""

from __future__ import annotations

import argparse
import json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("gold", metavar="GOLD", help="gold .align file or directory")
    parser.add_argument("system", metavar="SYSTEM", help="system .align file or directory")
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default text)"
    )


def run(args: argparse.Namespace) -> int:
    from duiyi.align.alignfile import read_align
    from duiyi.align.documents import match_pairs
    from duiyi.align.evaluate import AlignScore

    score = AlignScore()
    for gold, system in match_pairs(args.gold, args.system, "*.align"):
        score.add(read_align(gold), read_align(system))
    if args.format == "json":
        out = {"documents": score.documents}
        for kind in ("strict", "lax"):
            p, r, f = getattr(score, kind)()
            out[kind] = {"precision": p, "recall": r, "f1": f}
        print(json.dumps(out))
    else:
        print(score.format())
    return 0
