"""Export the pairs of a corpus store as TMX, XCES/OPUS XML, Moses, TSV, JSONL or XLIFF.

Examples:
  duiyi export corpus.db -o memory.tmx --status approved
  duiyi export corpus.db -f moses -o train.moses --min-score 0.5 --dedup --max-length-ratio 3
  duiyi export corpus.db -f jsonl | head

Pairs with an empty side are always left out; gloss drafts (origin "gloss") are left out
unless --include-gloss or --origin gloss. What was left out is counted on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from duiyi.commands._corpus import plural
from duiyi.commands._types import any_path, bounded_number, language_tag, names
from duiyi.corpus.model import ORIGINS, STATUSES
from duiyi.export import format_names


def left_out_summary(left_out: Counter) -> str:
    """What an export left out (`ExportResult.left_out`), for people, naming the options
    that decide it: "1 gloss draft (--include-gloss keeps it), 2 duplicates", most first."""
    from duiyi.export.exports import GLOSS, NOT_SELECTED
    from duiyi.export.filters import EMPTY_SIDE

    selection = "not matching --status/--origin/--min-score"
    words = {  # reason -> (one, several)
        GLOSS: (
            "gloss draft (--include-gloss keeps it)",
            "gloss drafts (--include-gloss keeps them)",
        ),
        NOT_SELECTED: (f"pair {selection}", f"pairs {selection}"),
        EMPTY_SIDE: ("pair with an empty side", "pairs with an empty side"),
        "length ratio": ("pair over --max-length-ratio", "pairs over --max-length-ratio"),
        "duplicate": ("duplicate", "duplicates"),
    }
    return ", ".join(
        f"{n} {words.get(why, (why, why))[n != 1]}" for why, n in left_out.most_common()
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "store", type=any_path, help="the corpus store (SQLite file) to export from"
    )
    parser.add_argument(
        "-f",
        "--format",
        choices=format_names(),
        help="output format (default: from -o's extension)",
    )
    parser.add_argument(
        "-o",
        "--output",
        default="-",
        type=any_path,
        help="output file (Moses: a prefix, out.moses → out.zh/out.en; default: stdout)",
    )
    parser.add_argument(
        "--min-score",
        type=bounded_number("--min-score"),
        help="only beads scoring at least this, from 0 to 1 (beads without a score do not pass)",
    )
    parser.add_argument(
        "--status",
        type=names(STATUSES),
        action="extend",
        help=f"only these review statuses (comma-separated: {', '.join(STATUSES)})",
    )
    parser.add_argument(
        "--origin",
        type=names(ORIGINS),
        action="extend",
        help=f"only these origins (comma-separated: {', '.join(ORIGINS)})",
    )
    parser.add_argument("--dedup", action="store_true", help="leave out repeated pairs")
    parser.add_argument(
        "--max-length-ratio",
        type=bounded_number("--max-length-ratio"),
        help="leave out pairs whose lengths (CJK characters vs words) differ more than this "
        "factor (1 or more)",
    )
    parser.add_argument("--include-gloss", action="store_true", help="keep gloss drafts too")
    parser.add_argument(
        "--src-lang",
        type=language_tag,
        help="source language code (default: the stored documents', e.g. zh-CN)",
    )
    parser.add_argument(
        "--tgt-lang",
        type=language_tag,
        help="target language code (default: the stored documents', e.g. en-US)",
    )
    parser.add_argument(
        "--tokenized",
        action="store_true",
        help="Moses: also write tokenized files (jieba / sacremoses), out.tok.zh/out.tok.en",
    )


def run(args: argparse.Namespace) -> int:
    from duiyi.corpus.store import Store
    from duiyi.export import get_format
    from duiyi.export.exports import export_store

    with Store.open(args.store, readonly=True) as store:
        result = export_store(
            store,
            args.output,
            fmt=args.format,
            status=args.status,
            origin=args.origin,
            min_score=args.min_score,
            include_gloss=args.include_gloss,
            dedup=args.dedup,
            max_length_ratio=args.max_length_ratio,
            src_lang=args.src_lang,
            tgt_lang=args.tgt_lang,
            tokenized=args.tokenized,
        )
    left_out = left_out_summary(result.left_out)
    where = "stdout" if args.output == "-" else args.output
    print(
        f"duiyi: wrote {plural(result.pairs, 'pair')} to {where} ({result.fmt})"
        + (f"; left out {left_out}" if left_out else ""),
        file=sys.stderr,
    )
    if not result.pairs and not get_format(result.fmt).holds_nothing:
        print(
            f"duiyi: warning: {where} holds no pair, which {result.fmt} does not allow: a CAT "
            "tool that checks the schema refuses it (choose other pairs, or 1.2 with -f xliff)",
            file=sys.stderr,
        )
    return 0
