"""Import translation pairs (a TMX from any CAT tool, or duiyi's JSONL/TSV/XCES/Moses) into a store.

Examples:
  duiyi import memory.tmx --store corpus.db
  duiyi import omegat/project_save.tmx trados.tmx --store corpus.db --src-lang zh-TW
  duiyi import pairs.tsv --store corpus.db --encoding big5    (TSV, Moses: default detected)

Imported pairs keep the origin, score and status a duiyi TMX records in its props; other
tools' pairs are "human" translations.
Importing the same file again (by any spelling of its path: ./x.tmx, x.tmx and /abs/x.tmx are
one file) replaces what it brought before, in one transaction: a pair still in the file with
the same source and target as that import brought keeps its stored pair, with its review
status, reviewer, history and any edit made in review (a pair nobody reviewed takes the
file's score, status and props); pairs no longer in the file are removed with their history;
the file's other pairs are added.
Units lacking the source or target language are skipped and counted.
An XLIFF written by duiyi comes back onto the stored sentences it was written from: changed
targets become "edited" (or "human" over a gloss draft), targets the translator's tool marked
final/signed-off are approved; units matching no stored sentence are added as pairs (imported
again, the XLIFF puts its targets onto them too, and removes nothing).
"""

from __future__ import annotations

import argparse
import sys

from duiyi.commands._corpus import add_encoding_argument, plural
from duiyi.commands._types import any_path, language_tag
from duiyi.corpus.model import ORIGINS
from duiyi.export import format_names


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="FILE", type=any_path, help="files to import")
    parser.add_argument(
        "--store", required=True, type=any_path, help="the corpus store (created if missing)"
    )
    parser.add_argument(
        "-f", "--format", choices=format_names(readable=True),
        help="input format (default: from the extension)",
    )  # fmt: skip
    parser.add_argument(
        "--src-lang", type=language_tag, default="zh", help="source language to take (zh)"
    )
    parser.add_argument(
        "--tgt-lang", type=language_tag, default="en", help="target language to take (en)"
    )
    parser.add_argument(
        "--origin", choices=ORIGINS, help="record every pair with this origin instead"
    )
    add_encoding_argument(
        parser, whose="TSV and Moses files are", declared="JSONL is UTF-8; TMX, XCES, XLIFF"
    )


def run(args: argparse.Namespace) -> int:
    from duiyi.corpus.store import Store
    from duiyi.export.imports import check_inputs, import_files

    check_inputs(
        args.inputs, args.format, args.src_lang, args.tgt_lang, args.encoding
    )  # before creating or touching the store
    with Store.open(args.store) as store:
        results = import_files(
            args.inputs,
            store,
            fmt=args.format,
            src_lang=args.src_lang,
            tgt_lang=args.tgt_lang,
            origin=args.origin,
            encoding=args.encoding,
        )
        for r in results:
            if r.matched is not None:
                m = r.matched
                print(
                    f"duiyi: {r.path}: {plural(m['matched'], 'unit')} matched stored "
                    f"sentences ({m['edited']} edited, {m['human']} human, {m['approved']} "
                    f"approved, {m['unchanged']} unchanged); {plural(r.pairs, 'other pair')} "
                    f"added to {args.store}; {plural(r.skipped, 'unit')} without a translation "
                    "skipped",
                    file=sys.stderr,
                )
                continue
            again = ""
            if r.kept or r.removed:  # imported before: what became of that import
                again = (
                    f": {r.added} new, {r.kept} as already stored (their review kept), "
                    f"{plural(r.removed, 'earlier pair')} no longer in the file removed"
                )
            skipped = ""
            if r.skipped:
                skipped = f"; skipped {plural(r.skipped, 'unit')} lacking {r.src} or {r.tgt}"
            print(
                f"duiyi: imported {plural(r.pairs, 'pair')} from {r.path} into {args.store} "
                f"({plural(r.documents, 'document')}){again}{skipped}",
                file=sys.stderr,
            )
    return 0
