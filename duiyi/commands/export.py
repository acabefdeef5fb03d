"""Export the pairs of a corpus store as TMX, XCES/OPUS XML, Moses, TSV or JSONL.

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

from duiyi.commands._corpus import plural
from duiyi.corpus.model import ORIGINS, STATUSES
from duiyi.export import format_names


def _names(allowed: tuple[str, ...]):
    def parse(value: str) -> list[str]:
        names = [v.strip() for v in value.split(",") if v.strip()]
        for name in names:
            if name not in allowed:
                raise argparse.ArgumentTypeError(f"{name!r} is not one of {', '.join(allowed)}")
        return names

    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("store", help="the corpus store (SQLite file) to export from")
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
        help="output file (Moses: a prefix, out.moses → out.zh/out.en; default: stdout)",
    )
    parser.add_argument("--min-score", type=float, help="only beads scoring at least this")
    parser.add_argument(
        "--status",
        type=_names(STATUSES),
        action="extend",
        help=f"only these review statuses (comma-separated: {', '.join(STATUSES)})",
    )
    parser.add_argument(
        "--origin",
        type=_names(ORIGINS),
        action="extend",
        help=f"only these origins (comma-separated: {', '.join(ORIGINS)})",
    )
    parser.add_argument("--dedup", action="store_true", help="leave out repeated pairs")
    parser.add_argument(
        "--max-length-ratio",
        type=float,
        help="leave out pairs whose lengths (CJK characters vs words) differ more than this",
    )
    parser.add_argument("--include-gloss", action="store_true", help="keep gloss drafts too")
    parser.add_argument(
        "--src-lang", help="source language code (default: the stored documents', e.g. zh-CN)"
    )
    parser.add_argument(
        "--tgt-lang", help="target language code (default: the stored documents', e.g. en-US)"
    )
    parser.add_argument(
        "--tokenized",
        action="store_true",
        help="Moses: also write tokenized files (jieba / sacremoses), out.tok.zh/out.tok.en",
    )


def run(args: argparse.Namespace) -> int:
    from collections import Counter

    from duiyi.corpus.store import Store
    from duiyi.export import format_for_path, get_format
    from duiyi.export.filters import filter_pairs
    from duiyi.progress import progressbar

    fmt = args.format or format_for_path(args.output if args.output != "-" else None)
    if args.tokenized and fmt != "moses":
        from duiyi.errors import InputError

        raise InputError(f"--tokenized is for the moses format, not {fmt}")
    writer = get_format(fmt, **({"tokenized": True} if args.tokenized else {}))
    origins = args.origin
    if origins is None and not args.include_gloss:
        origins = [o for o in ORIGINS if o != "gloss"]
    with Store.open(args.store, readonly=True) as store:
        filters = dict(status=args.status, origin=origins, min_score=args.min_score)
        total = store.count_pairs(**filters)
        signatures = store.info()["signatures"]
        dropped: Counter = Counter()
        every = store.count_pairs()
        if args.origin is None and not args.include_gloss:
            dropped["gloss drafts (--include-gloss keeps them)"] = every - store.count_pairs(
                origin=origins
            )
        selected = args.status or args.origin or args.min_score is not None
        if selected:
            dropped["not matching --status/--origin/--min-score"] = (
                every - sum(dropped.values()) - total
            )
        dropped = +dropped  # only the filters that dropped something
        src_lang, tgt_lang = args.src_lang, args.tgt_lang
        if not (src_lang and tgt_lang):
            stored = store.language_tags() or ("zh-CN", "en-US")
            src_lang, tgt_lang = src_lang or stored[0], tgt_lang or stored[1]
        pairs = filter_pairs(
            progressbar(
                store.iter_pairs(**filters, segments=fmt == "xces"),
                total=total,
                desc="export",
                unit="pair",
            ),
            dropped,
            dedup=args.dedup,
            max_length_ratio=args.max_length_ratio,
        )
        n = writer.write(
            pairs,
            args.output,
            src_lang=src_lang,
            tgt_lang=tgt_lang,
            signature=" + ".join(signatures),
        )
    left_out = ", ".join(f"{count} {why}" for why, count in dropped.most_common())
    where = "stdout" if args.output == "-" else args.output
    print(
        f"duiyi: wrote {plural(n, 'pair')} to {where} ({fmt})"
        + (f"; left out {left_out}" if left_out else ""),
        file=sys.stderr,
    )
    return 0
