"""Split documents into sentences, one per line (Simplified by default).

Reads documents (text, HTML, DOCX, ODT, EPUB, PDF), directories (recursively, --glob), or - for
stdin; removes web page chrome (breadcrumbs, reply-list headers and markers, bylines, footers,
share buttons, related links, cookie notices) and prints each remaining sentence on its own line, normalized (Simplified
script, half-width Latin letters and digits, single spaces) unless --original is given.

--format jsonl prints one JSON object per sentence: document, index, text, normalized, start,
end (character offsets into the decoded document), script, paragraph, reply, author, heading.

--show-removed also prints what the cleaner cut, in place and in document order: in text
format each removed line is prefixed with "[removed KIND] "; in jsonl it is an object with
"removed": true, kind, text, start and end.

examples:
  duiyi split seeds/000_08edd30e33a077b6.txt
  duiyi split --show-removed page.html | less
  duiyi split corpus/ --glob '*.txt' --format jsonl -o sentences.jsonl
  cat big5-article.txt | duiyi split -
  duiyi split --encoding euc-kr note.txt     (short texts detection cannot tell)
"""

from __future__ import annotations

import argparse
import json

from duiyi.commands._corpus import add_input_arguments, one_line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    parser.add_argument(
        "--original",
        action="store_true",
        help="print sentences in their original script and widths instead of normalized",
    )
    parser.add_argument(
        "--format",
        choices=("text", "jsonl"),
        default="text",
        help="text: one sentence per line (default); jsonl: one JSON object per sentence",
    )
    parser.add_argument(
        "--show-removed",
        action="store_true",
        help="also print the removed page chrome, in place, marked [removed KIND]",
    )


def _records(doc, show_removed: bool):
    """JSON-ready records of a prepared document, sentences and (optionally) removed spans."""
    from duiyi.corpus.model import Span
    from duiyi.corpus.pipeline import iter_pieces

    index = 0
    for piece in iter_pieces(doc):
        if isinstance(piece, Span):
            if show_removed:
                yield {
                    "document": doc.path,
                    "removed": True,
                    "kind": piece.kind,
                    "text": piece.text,
                    "start": piece.start,
                    "end": piece.end,
                }
            continue
        yield {
            "document": doc.path,
            "index": index,
            "text": piece.text,
            "normalized": piece.normalized,
            "start": piece.start,
            "end": piece.end,
            "script": doc.script,
            "paragraph": piece.paragraph,
            "reply": piece.meta.get("reply"),
            "author": piece.meta.get("author"),
            "heading": bool(piece.meta.get("heading")),
        }
        index += 1


def _text_lines(record: dict, original: bool) -> list[str]:
    if record.get("removed"):
        prefix = f"[removed {record['kind']}] "
        return [prefix + line.strip() for line in record["text"].splitlines() if line.strip()]
    return [one_line(record["text"] if original else record["normalized"])]


def run(args: argparse.Namespace) -> int:
    from duiyi.atomic import atomic_write
    from duiyi.corpus.pipeline import prepare
    from duiyi.corpus.read import read_inputs
    from duiyi.progress import progressbar, to_terminal

    documents = read_inputs(args.inputs, args.glob, args.follow_links, args.encoding)
    silent = args.quiet or to_terminal(args.output)
    with atomic_write(args.output) as out:
        for doc in progressbar(documents, desc="split", unit="doc", silent=silent):
            prepare(doc, lang=args.lang, conversion=args.conversion)
            for record in _records(doc, args.show_removed):
                if args.format == "jsonl":
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
                else:
                    out.writelines(line + "\n" for line in _text_lines(record, args.original))
    return 0
