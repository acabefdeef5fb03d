"""A translated DOCX: the source document with each paragraph's text replaced by its drafts.

The source file is opened again with python-docx and walked in the order its text was
extracted (`duiyi.corpus.documents.office`), so every paragraph finds its own sentences by
offset. Each paragraph keeps its element, properties and style (headings stay headings, list
items stay numbered: Word regenerates the numbers), and its first text run keeps its character
formatting; the other runs lose their text but keep what else they hold (pictures, footnote
references, fields). Lines the cleaner set aside (removed spans other than list numbers) keep
their original text. Headers, footers, tables, text boxes and footnotes are translated too.
Gloss drafts (no MT model) are announced by a first paragraph, the text output's gloss line.
"""

from __future__ import annotations

from pathlib import Path

from duiyi.atomic import atomic_write
from duiyi.corpus.model import Document, Sentence
from duiyi.corpus.pipeline import iter_pieces
from duiyi.errors import InputError
from duiyi.translate.output import GLOSS_LINE

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_STDIN = "a translated DOCX needs the DOCX as a file, not on stdin"
_TEXT = {f"{W}t", f"{W}tab", f"{W}br", f"{W}cr", f"{W}noBreakHyphen", f"{W}softHyphen"}


def _text_runs(p) -> list:
    """The `w:r` elements of paragraph `p` that hold its visible text (not text boxes' runs,
    nor deleted ones)."""
    from duiyi.corpus.documents.office import _FALLBACK, _under

    runs = []
    for r in p.iter(f"{W}r"):
        if any(child.tag in _TEXT for child in r) and not (
            _under(r, p, f"{W}txbxContent") or _under(r, p, f"{W}del") or _under(r, p, _FALLBACK)
        ):
            runs.append(r)
    return runs


def set_paragraph_text(p, text: str) -> None:
    """Replace the visible text of `w:p` element `p` by `text`, keeping its formatting."""
    from docx.oxml.ns import qn
    from docx.oxml.parser import OxmlElement

    runs = _text_runs(p)
    if not runs:
        return
    first = runs[0]
    position = None
    for r in runs:
        for child in list(r):
            if child.tag in _TEXT and not (child.tag == f"{W}br" and child.get(qn("w:type"))):
                if r is first and position is None:
                    position = list(r).index(child)
                r.remove(child)
    t = OxmlElement("w:t")
    t.text = text
    t.set(XML_SPACE, "preserve")
    first.insert(position if position is not None else len(first), t)


def paragraph_translations(doc: Document, drafts: dict[int, str], blocks) -> dict[object, str]:
    """{block ref: translated paragraph text} from the drafts of `doc`'s sentences (by index)."""
    index = {id(s): i for i, s in enumerate(doc.sentences)}
    pieces = list(iter_pieces(doc))
    out: dict[object, str] = {}
    k = 0
    for block in blocks:
        parts, translated = [], False
        while k < len(pieces) and pieces[k].start < block.end:
            piece = pieces[k]
            k += 1
            if piece.start < block.start:
                continue
            if isinstance(piece, Sentence):
                draft = drafts.get(index[id(piece)])
                parts.append(draft if draft is not None else piece.text)
                translated = translated or draft is not None
            elif piece.kind != "list-label":
                parts.append(piece.text)
        if translated:
            out[block.ref] = " ".join(part.strip() for part in parts if part.strip())
    return out


def add_gloss_line(body) -> None:
    """Open the document body with a paragraph saying its drafts are glosses, not MT."""
    from docx.oxml.parser import OxmlElement

    p, r, t = OxmlElement("w:p"), OxmlElement("w:r"), OxmlElement("w:t")
    t.text = GLOSS_LINE
    r.append(t)
    p.append(r)
    body.insert(0, p)


def check_source(doc: Document) -> None:
    """InputError unless `doc` was read from a DOCX file (which the writer opens again)."""
    if doc.meta.get("format") != "docx":
        raise InputError(f"{doc.name} is not a DOCX file: -f docx translates DOCX inputs")
    if doc.path == "-":
        raise InputError(_STDIN)


def check_source_files(paths: list[tuple[str, bool]]) -> None:
    """InputError for the first of `paths` ((path, found by walking a directory), as
    `list_inputs` gives them) that is not a DOCX file, so that a run refuses before it
    translates or writes anything; told by the bytes, as the reader tells them."""
    from duiyi.corpus.documents import sniff_file

    for path, walked in paths:
        if path == "-":
            raise InputError(_STDIN)
        if not Path(path).is_file():  # a pipe: the writer could not read it again
            raise InputError(f"{path}: a translated DOCX needs the DOCX as a file, not a pipe")
        if sniff_file(path) != "docx":
            hint = " (--glob '*.docx' picks them out of a folder)" if walked else ""
            raise InputError(f"{path} is not a DOCX file: -f docx translates DOCX inputs{hint}")


def write_translated_docx(
    doc: Document, drafts: dict[int, str], path: str | Path, origin: str = "mt"
) -> int:
    """Write the DOCX `doc` was read from with `drafts` ({sentence index: English}) in place of
    its text, to `path` (atomically); gloss drafts (`origin` "gloss") get a first paragraph
    saying so, as the text output does. Returns the number of paragraphs translated."""
    from duiyi.corpus.documents import office

    check_source(doc)
    data = Path(doc.path).read_bytes()
    document = office.open_docx(data, doc.path)
    notes = office.note_parts(document)
    extracted = office.extract(document, notes)
    if "".join(extracted.parts) + "\n" != doc.text:
        raise InputError(f"{doc.path} changed while it was being translated; run again")
    texts = paragraph_translations(doc, drafts, extracted.blocks)
    done = 0
    for index, (_, p) in enumerate(office.iter_paragraphs(document, notes)):
        if index in texts:
            set_paragraph_text(p, texts[index])
            done += 1
    for part, root in notes:
        if getattr(part, "element", None) is None:  # a plain part: write its XML back
            from lxml import etree

            part._blob = etree.tostring(
                root, xml_declaration=True, encoding="UTF-8", standalone=True
            )
    if origin == "gloss":
        add_gloss_line(document.element.body)
    document.core_properties.language = "en-US"
    with atomic_write(str(path), "wb") as out:
        document.save(out)
    return done
