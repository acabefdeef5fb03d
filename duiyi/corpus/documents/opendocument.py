"""ODT (OpenDocument text) documents: `content.xml` read with lxml, in document order.

A light reader (no ODF library needed to read text): headings, paragraphs, list items,
table cells, sections and indexes become paragraphs; `text:s`, tabs and line breaks become
their characters; footnotes and endnotes become paragraphs after the paragraph that cites them;
text frames after the paragraph that anchors them; annotations (comments) and deleted tracked
changes are left out, as the document shows them.
"""

from __future__ import annotations

import zipfile
import zlib

from lxml import etree

from duiyi.corpus.model import Document
from duiyi.errors import InputError

from . import TextBuilder, check_zip

TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
_PARAGRAPHS = {f"{TEXT}p", f"{TEXT}h"}
_SKIP = {f"{OFFICE}annotation", f"{OFFICE}annotation-end", f"{TEXT}tracked-changes",
         f"{TEXT}note-citation", f"{TEXT}sequence-decls", f"{TEXT}variable-decls",
         f"{TEXT}user-field-decls", f"{OFFICE}forms"}  # fmt: skip


def _inline(el, out: list[str], later: list) -> None:
    """The text of a paragraph's inline content into `out`; notes and frames into `later`."""
    for child in el:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP:
            pass
        elif tag == f"{TEXT}s":
            count = child.get(f"{TEXT}c", "1")
            out.append(" " * min(int(count) if count.isdigit() else 1, 1000))
        elif tag == f"{TEXT}tab":
            out.append("\t")
        elif tag == f"{TEXT}line-break":
            out.append("\n")
        elif tag == f"{TEXT}note":
            body = child.find(f"{TEXT}note-body")
            if body is not None:
                later.append(body)
        elif tag == f"{DRAW}frame":
            later.append(child)
        else:
            if child.text:
                out.append(child.text)
            _inline(child, out, later)
        if child.tail:
            out.append(child.tail)


def _walk(el, out: TextBuilder) -> None:
    for child in el:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP:
            continue
        if tag in _PARAGRAPHS:
            pieces, later = [child.text or ""], []
            _inline(child, pieces, later)
            out.add("".join(pieces))
            for extra in later:
                _walk(extra, out)
        else:  # lists, items, tables, rows, cells, sections, indexes, frames, text boxes
            _walk(child, out)


def read_odt(data: bytes, path: str, name: str) -> Document:
    z = check_zip(data, name, "ODT")
    try:
        content = z.read("content.xml")
    except KeyError as exc:
        raise InputError(f"{name}: not a readable ODT file (it has no content.xml)") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise InputError(f"{name}: not a readable ODT file (content.xml: {exc})") from exc
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{name}: not a readable ODT file (content.xml: {exc})") from exc
    body = root.find(f"{OFFICE}body/{OFFICE}text")
    if body is None:
        raise InputError(f"{name}: not an ODT text document (no office:text body)")
    out = TextBuilder()
    _walk(body, out)
    return out.document(path, "odt")
