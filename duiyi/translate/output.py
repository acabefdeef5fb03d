"""How drafts are written: English text (paragraphs kept), a side-by-side table, or translation
units (`Pair`) for the pair formats (TMX, XCES, JSONL, …). Each writer streams one document."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TextIO

from duiyi.corpus.model import Bead, Document, Pair, Sentence
from duiyi.corpus.pairs import build_pairs
from duiyi.translate.engine import Draft, Translator

# Formats of whole drafts (not pairs) and the extension of their files (docx: a DOCX input
# written back translated, duiyi.translate.docx_out); the pair formats come from the registry
# in duiyi.export.
DOCUMENT_FORMATS = {"text": ".en.txt", "side-by-side": ".md", "docx": ".en.docx"}


GLOSS_LINE = "[duiyi: CC-CEDICT word glosses, NOT machine translation]"


def unique_name(
    stem: str, ext: str, taken: set[str], files: Callable[[str], list[str]] | None = None
) -> str:
    """`stem + ext`, or `stem-2 + ext`, `stem-3 + ext`, … where it is one of `taken` (the
    names a run has given so far in an output folder, which it joins). `files(name)`: every
    file writing `name` writes (XCES: `a.xml`, `a.zh.xml`, `a.en.xml`, the second of which is
    another document's `a.zh` + `.xml`), all kept out of `taken` and joining it."""
    files = files or (lambda name: [name])
    name, n = stem + ext, 1
    while not taken.isdisjoint(files(name)):
        n += 1
        name = f"{stem}-{n}{ext}"
    taken.update(files(name))
    return name


def write_text(
    doc: Document, drafts: Iterable[tuple[Sentence, Draft]], out: TextIO, origin: str = "mt"
) -> None:
    """English drafts, one line per source paragraph, sentences joined by a space; gloss
    drafts start with a line that says they are glosses."""
    if origin == "gloss":
        out.write(GLOSS_LINE + "\n")
    paragraph = None
    for sentence, draft in drafts:
        if paragraph is not None:
            out.write(" " if sentence.paragraph == paragraph else "\n")
        paragraph = sentence.paragraph
        out.write(draft.text)
    if paragraph is not None:
        out.write("\n")


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def write_side_by_side(
    doc: Document, drafts: Iterable[tuple[Sentence, Draft]], out: TextIO, origin: str = "mt"
) -> None:
    """A Markdown table: sentence number, source, draft (gloss drafts are labelled)."""
    label = "gloss (not MT)" if origin == "gloss" else "draft"
    out.write(f"## {_cell(doc.name)}\n\n| # | source | {label} |\n|---:|---|---|\n")
    for n, (sentence, draft) in enumerate(drafts, 1):
        out.write(f"| {n} | {_cell(sentence.text.strip())} | {_cell(draft.text)} |\n")
    out.write("\n")


def pairs_of(
    doc: Document, drafts: Iterable[tuple[Sentence, Draft]], translator: Translator
) -> Iterator[Pair]:
    """One 1-1 translation unit per sentence, origin "mt" or "gloss", for the pair formats.

    Besides the pair's fields, `meta` holds the engine, the draft's flags, whether it came
    from the cache, and where the sentence sits in the document (paragraph, start, end).
    """
    for index, (sentence, draft) in enumerate(drafts):
        meta = {
            "engine": translator.engine_id,
            "flags": list(draft.flags),
            "cached": draft.cached,
            "paragraph": sentence.paragraph,
            "start": sentence.start,
            "end": sentence.end,
        }
        [pair] = build_pairs(
            doc,
            [Bead((index,), (), draft.score)],
            tgt_texts=[draft.text],
            origin=translator.origin,
            metas=[meta],
            first_number=index,
        )
        yield pair
