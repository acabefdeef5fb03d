"""How drafts are written: English text (paragraphs kept), a side-by-side table, JSON lines,
or translation units (`Pair`) for the exporters (TMX). Each writer streams one document."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import TextIO

from duiyi.corpus.model import Document, Pair, Sentence
from duiyi.translate.engine import Draft, Translator

FORMATS = ("text", "side-by-side", "jsonl", "tmx", "xces")
EXTENSIONS = {
    "text": ".en.txt",
    "side-by-side": ".md",
    "jsonl": ".jsonl",
    "tmx": ".tmx",
    "xces": ".xml",
    "xliff": ".xlf",
    "xliff2": ".xlf",
    "docx": ".en.docx",
}


def write_text(doc: Document, drafts: Iterable[tuple[Sentence, Draft]], out: TextIO) -> None:
    """English drafts, one line per source paragraph, sentences joined by a space."""
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


def jsonl_record(
    doc: Document, index: int, sentence: Sentence, draft: Draft, translator: Translator
) -> dict:
    return {
        "document": doc.path,
        "index": index,
        "paragraph": sentence.paragraph,
        "start": sentence.start,
        "end": sentence.end,
        "source": sentence.text,
        "normalized": sentence.normalized or sentence.text,
        "draft": draft.text,
        "origin": translator.origin,
        "engine": translator.engine_id,
        "signature": translator.signature(),
        "score": draft.score,
        "flags": draft.flags,
        "cached": draft.cached,
    }


def write_jsonl(
    doc: Document, drafts: Iterable[tuple[Sentence, Draft]], out: TextIO, translator: Translator
) -> None:
    for index, (sentence, draft) in enumerate(drafts):
        record = jsonl_record(doc, index, sentence, draft, translator)
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


def pairs_of(
    doc: Document, drafts: Iterable[tuple[Sentence, Draft]], translator: Translator
) -> Iterator[Pair]:
    """One 1-1 translation unit per sentence, origin "mt" or "gloss", for the exporters."""
    for index, (sentence, draft) in enumerate(drafts):
        yield Pair(
            src=sentence.text.strip(),
            tgt=draft.text,
            score=draft.score,
            bead="1-1",
            origin=translator.origin,
            document=doc.name,
            src_normalized=sentence.normalized or None,
            id=f"{doc.name}:{index}",
            meta={"engine": translator.engine_id, "flags": ",".join(draft.flags)},
        )
