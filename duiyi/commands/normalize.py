"""Normalize documents: Simplified script, half-width Latin letters and digits, single spaces.

Prints each document's text with its line structure kept (one document after another, separated
by a blank line). The script conversion is decided once per document: --conversion auto applies
OpenCC t2s to Traditional documents and leaves Simplified ones alone; tw2s and hk2s use
Taiwan/Hong Kong variants; tw2sp also converts vocabulary (訊息→消息) and is sometimes wrong.
HTML is reduced to its main text first. --clean also removes web page chrome (breadcrumbs,
reply markers, bylines, footers: see `duiyi split --show-removed`) and prints one paragraph per
line.

examples:
  duiyi normalize seeds/000_08edd30e33a077b6.txt
  duiyi normalize --conversion tw2s article.txt -o article.zhs.txt
  cat big5.txt | duiyi normalize -
  duiyi normalize --encoding shift-jis memo.txt
"""

from __future__ import annotations

import argparse

from duiyi.commands._corpus import add_input_arguments


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    parser.add_argument(
        "--clean",
        action="store_true",
        help="remove web page chrome and print the content paragraphs only",
    )


def _cleaned_paragraphs(doc) -> list[str]:
    """The normalized sentences of a prepared document, joined back into paragraphs by the
    seam rule pairs use (nothing beside a CJK character, else a space)."""
    from duiyi.corpus.pairs import join_sentences

    paragraphs: dict[int, list[str]] = {}
    for sentence in doc.sentences:
        paragraphs.setdefault(sentence.paragraph, []).append(sentence.normalized)
    return [join_sentences(parts) for parts in paragraphs.values()]


def normalize_document(doc, conversion: str, lang: str | None, clean: bool) -> str:
    from duiyi.corpus import normalize
    from duiyi.corpus.model import primary_subtag
    from duiyi.corpus.pipeline import prepare, rules_lang, text_sample

    if clean:
        return "\n".join(_cleaned_paragraphs(prepare(doc, lang=lang, conversion=conversion)))
    # as `prepare`: "auto" converts Chinese only
    if primary_subtag(rules_lang(lang, text_sample(doc.text))) != "zh" and conversion == "auto":
        conversion = "none"
    config = normalize.resolve_conversion(doc.text, conversion) or "none"
    return normalize.normalize_text(doc.text, conversion=config, keep_lines=True)


def run(args: argparse.Namespace) -> int:
    from duiyi.atomic import atomic_write
    from duiyi.corpus.read import read_inputs
    from duiyi.progress import progressbar, to_terminal

    documents = read_inputs(args.inputs, args.glob, args.follow_links, args.encoding)
    silent = args.quiet or to_terminal(args.output)
    with atomic_write(args.output) as out:
        for number, doc in enumerate(
            progressbar(documents, desc="normalize", unit="doc", silent=silent)
        ):
            if number:
                out.write("\n")
            text = normalize_document(doc, args.conversion, args.lang, args.clean)
            out.write(text + "\n")
    return 0
