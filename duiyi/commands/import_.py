"""Import translation pairs (a TMX from any CAT tool, or duiyi's JSONL/TSV/XCES/Moses) into a store.

Examples:
  duiyi import memory.tmx --store corpus.db
  duiyi import omegat/project_save.tmx trados.tmx --store corpus.db --src-lang zh-TW
  duiyi import edited.xlf --store corpus.db     a translator's XLIFF back onto its sentences

Imported pairs keep the origin, score and status a duiyi TMX records in its props; other
tools' pairs are "human" translations. Re-importing the same file replaces what it brought.
Units lacking the source or target language are skipped and counted.
An XLIFF written by duiyi comes back onto the stored sentences it was written from: changed
targets become "edited" (or "human" over a gloss draft), targets the translator's tool marked
final/signed-off are approved; units matching no stored sentence are added as pairs.
"""

from __future__ import annotations

import argparse
import sys

from duiyi.corpus.model import ORIGINS

FORMAT_NAMES = ("tmx", "xces", "moses", "tsv", "jsonl", "xliff", "xliff2")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="FILE", help="files to import")
    parser.add_argument("--store", required=True, help="the corpus store (created if missing)")
    parser.add_argument(
        "-f", "--format", choices=FORMAT_NAMES, help="input format (default: from the extension)"
    )
    parser.add_argument("--src-lang", default="zh", help="source language to take (zh)")
    parser.add_argument("--tgt-lang", default="en", help="target language to take (en)")
    parser.add_argument(
        "--origin", choices=ORIGINS, help="record every pair with this origin instead"
    )


def run(args: argparse.Namespace) -> int:
    import hashlib
    from pathlib import Path

    from duiyi.corpus.store import Store
    from duiyi.errors import InputError
    from duiyi.export import format_for_path, get_format
    from duiyi.export.tmx import TmxReader

    for path in args.inputs:  # check every input before creating or touching the store
        if not Path(path).exists():
            raise InputError(f"{path}: no such file")
        if not Path(path).is_file():
            raise InputError(f"{path}: not a file (give the TMX file itself)")
        args.format or format_for_path(path)
    with Store.open(args.store) as store:
        for path in args.inputs:
            fmt = args.format or format_for_path(path)
            digest = hashlib.sha256()
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
            reader = None
            if fmt in ("xliff", "xliff2"):
                _import_xliff(store, path, args, digest.hexdigest())
                continue
            if fmt == "tmx":
                reader = TmxReader(path, src_lang=args.src_lang, tgt_lang=args.tgt_lang)
                pairs = iter(reader)
            else:
                pairs = get_format(fmt).read(path, src_lang=args.src_lang, tgt_lang=args.tgt_lang)
            added = store.add_pairs(
                pairs,
                source=path,
                checksum=digest.hexdigest(),
                origin=args.origin,
                src_lang=args.src_lang,
                signature=reader.header_props.get("x-signature", "") if reader else "",
            )
            skipped = (
                f"; skipped {reader.skipped} units lacking {reader.src} or {reader.tgt}"
                if reader and reader.skipped
                else ""
            )
            print(
                f"duiyi: imported {sum(added.values())} pairs from {path} into {args.store} "
                f"({len(added)} documents){skipped}",
                file=sys.stderr,
            )
    return 0


def _import_xliff(store, path: str, args: argparse.Namespace, checksum: str) -> None:
    from duiyi.export.xliff import XliffReader

    reader = XliffReader(path)
    counts, unmatched = store.apply_translations(reader, reviewer=f"xliff:{path}")
    added = store.add_pairs(
        unmatched, source=path, checksum=checksum, origin=args.origin, src_lang=args.src_lang
    )
    print(
        f"duiyi: {path}: {counts['matched']} units matched stored sentences "
        f"({counts['edited']} edited, {counts['human']} human, {counts['approved']} approved, "
        f"{counts['unchanged']} unchanged); {sum(added.values())} other pairs added to "
        f"{args.store}; {reader.skipped} units without a translation skipped",
        file=sys.stderr,
    )
