"""Score a system alignment against gold: strict and lax precision, recall and F1.

GOLD and SYSTEM are two `.align` files or two directories of them, paired by file name; counts
are pooled over documents. Strict: a bead is right only if the identical bead is in the other
alignment; lax: if any of its source sentences is aligned to any of its target sentences.
Precision is over system beads (beads empty on both sides dropped); recall over gold beads
with both sides non-empty (Vecalign / Sennrich & Volk definitions).

examples:
  duiyi eval-align gold/001.align system/001.align
  duiyi align --presplit zh/ en/ -o system/ && duiyi eval-align gold/ system/
  duiyi align --presplit zh/001 en/001 | duiyi eval-align gold/001.align -
"""

from __future__ import annotations

import argparse
import json

from duiyi.commands._types import any_path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "gold", metavar="GOLD", type=any_path, help="gold .align file (- for stdin) or directory"
    )
    parser.add_argument(
        "system",
        metavar="SYSTEM",
        type=any_path,
        help="system .align file (- for stdin) or directory",
    )
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default text)"
    )


def _last_ids(beads, path) -> tuple[int, int]:
    """The last source and target sentence ids of an alignment (-1: none); InputError naming
    `path` if a sentence is in two beads (not an alignment)."""
    from duiyi.errors import InputError

    last = []
    for side, ids in (
        ("source", [i for b in beads for i in b.src]),
        ("target", [j for b in beads for j in b.tgt]),
    ):
        if len(set(ids)) != len(ids):
            twice = next(i for i in ids if ids.count(i) > 1)
            raise InputError(f"{path}: {side} sentence {twice} is in more than one bead")
        last.append(max(ids, default=-1))
    return last[0], last[1]


def _read_pair(gold, system) -> tuple[list, list]:
    """The beads of a gold file and its system file, refused unless both align the same
    sentences (a system file paired with the wrong gold, an empty or truncated file)."""
    from duiyi.align.alignfile import read_align
    from duiyi.errors import InputError

    gold_beads, system_beads = read_align(gold), read_align(system)
    if not any(b.src or b.tgt for b in gold_beads):
        raise InputError(f"{gold} is empty: a gold alignment holds at least one bead")
    expected, found = _last_ids(gold_beads, gold), _last_ids(system_beads, system)
    for side, want, got in zip(("source", "target"), expected, found, strict=True):
        if want != got:
            raise InputError(
                f"{system} does not align the sentences of {gold}: its last {side} sentence is "
                f"{got if got >= 0 else 'none'}, the gold's {want if want >= 0 else 'none'}"
            )
    return gold_beads, system_beads


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from duiyi.align.documents import match_pairs
    from duiyi.align.evaluate import AlignScore

    if (
        "-" not in (args.gold, args.system)
        and Path(args.gold).is_file()
        and Path(args.system).is_file()
    ):
        pairs = [(args.gold, args.system)]  # the same file twice too: a fair check, scored 1
    else:
        pairs = match_pairs(
            args.gold, args.system, "*.align", sides=("gold alignment", "system alignment")
        )
    score = AlignScore()
    for gold, system in pairs:
        score.add(*_read_pair(gold, system))
    if args.format == "json":
        out = {"documents": score.documents}
        for kind in ("strict", "lax"):
            p, r, f = getattr(score, kind)()
            out[kind] = {"precision": p, "recall": r, "f1": f}
        print(json.dumps(out))
    else:
        print(score.format())
    return 0
