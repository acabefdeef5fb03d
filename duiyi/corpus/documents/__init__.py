"""Text out of office documents, e-books and PDFs: DOCX, ODT, EPUB, PDF.

Each reader turns a file into the plain text the pipeline works on: one paragraph per block of
the document, paragraphs separated by a blank line, line breaks inside a paragraph kept. The
text is `Document.text`, so sentence offsets and the no-text-lost property hold on it as on a
plain-text file. Page furniture a reader recognizes (PDF running headers and footers) stays in
the text and is marked as removed spans (`page-header`, `page-footer`), never dropped.

`sniff` tells a document by its bytes (PDF header, the zip's declared type), so files without
the right extension and stdin work too. The libraries (python-docx, odfpy, ebooklib,
pdfminer.six) are imported only when a document of their kind is read.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath

from duiyi.corpus.model import Document, Span
from duiyi.errors import InputError

SUFFIXES = {".docx": "docx", ".odt": "odt", ".epub": "epub", ".pdf": "pdf"}
# Kinds of removed spans a reader marks (the web-chrome cleaner marks its own).
LAYOUT_KINDS = ("page-header", "page-footer", "list-label")
MAX_UNPACKED = 512 * 2**20  # a zip that unpacks to more than this is refused (zip bombs)
MAX_MEMBERS = 20_000
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc, and password-protected DOCX/ODT
_LEGACY = {".doc": "Word 97-2003 .doc", ".xls": "Excel .xls", ".ppt": "PowerPoint .ppt"}
_ZIP_TYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/epub+zip": "epub",
}


@dataclass
class Block:
    """One paragraph of extracted text: `text[start:end]`, and what it came from (`ref`)."""

    start: int
    end: int
    kind: str = "content"  # or a layout kind (removed span)
    ref: object = None


@dataclass
class TextBuilder:
    """Paragraphs joined with blank lines, each remembered with its offsets."""

    parts: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    size: int = 0

    labels: list[Span] = field(default_factory=list)

    def add(self, text: str, kind: str = "content", ref: object = None, label: str = "") -> None:
        """Add a paragraph (leading/trailing whitespace dropped; empty ones skipped). `label`
        (a list item's number or bullet) goes before it, marked as a `list-label` span."""
        text = _clean(text).strip()
        label = _clean(label).strip() if text else ""
        if not text:
            return
        if self.parts:
            self.parts.append("\n\n")
            self.size += 2
        start = self.size
        if label:
            self.labels.append(Span(start, start + len(label), "list-label", label))
            text = f"{label} {text}"
        self.blocks.append(Block(start, start + len(text), kind, ref))
        self.parts.append(text)
        self.size += len(text)

    def document(self, path: str, fmt: str, **meta) -> Document:
        text = "".join(self.parts) + ("\n" if self.parts else "")
        removed = [
            Span(b.start, b.end, b.kind, text[b.start : b.end])
            for b in self.blocks
            if b.kind != "content"
        ]
        removed = sorted([*removed, *self.labels], key=lambda s: s.start)
        return Document(path=path, text=text, removed=removed, meta={"format": fmt, **meta})


def _clean(text: str) -> str:
    """Characters a text pipeline should not see: NULs and other C0 controls but tab/newline,
    vertical tabs and form feeds become line breaks (Word writes them for manual breaks)."""
    if text.isprintable():
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\v", "\n").replace("\f", "\n")
    return "".join(c for c in text if c in "\t\n" or ord(c) >= 0x20 and c != "\x7f")


def sniff(data: bytes, path: str = "") -> str | None:
    """ "docx", "odt", "epub" or "pdf" when `data` is such a document, else None.

    Raises InputError for documents duiyi knows but cannot read (legacy Office files,
    password-protected Office files)."""
    suffix = PurePath(path).suffix.lower()
    if data[:1024].lstrip(b"\x00\t\n\r ").startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(_OLE):
        name = path or "stdin"
        if suffix in (".docx", ".odt", ".xlsx", ".pptx"):
            raise InputError(
                f"{name} is password-protected (an encrypted Office file): "
                "save it without a password first"
            )
        if suffix in _LEGACY:
            raise InputError(
                f"{name} is a {_LEGACY[suffix]} file: save it as .docx (or .odt) first"
            )
        return None
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(io.BytesIO(data), suffix)
    if suffix in SUFFIXES:
        raise InputError(f"{path}: not a {suffix[1:].upper()} file (its bytes are not one)")
    return None


def sniff_file(path: str) -> str | None:
    """`sniff` for the file at `path`, reading only its first KB and a zip's directory: what
    a run that needs one kind of input checks before it reads any document whole."""
    with open(path, "rb") as f:
        head = f.read(1024)
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path, PurePath(path).suffix.lower())
    return sniff(head, path)  # the rest of `sniff` looks at the first KB only


def _zip_kind(source, suffix: str) -> str | None:
    """The kind of document the zip archive `source` (a path or a binary file) holds."""
    try:
        with zipfile.ZipFile(source) as z:
            names = set(z.namelist())
            if "word/document.xml" in names:
                return "docx"
            if "mimetype" in names:
                declared = z.read("mimetype")[:100].decode("ascii", "replace").strip()
                if declared in _ZIP_TYPES:
                    return _ZIP_TYPES[declared]
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, NotImplementedError):
        pass
    return SUFFIXES.get(suffix)  # a broken zip named .docx: the reader says what is wrong


def check_zip(data: bytes, name: str, label: str) -> zipfile.ZipFile:
    """The zip archive in `data`, once its member count and unpacked size are within bounds."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"{name}: not a readable {label} file (a damaged zip: {exc})") from exc
    if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNPACKED:
        raise InputError(
            f"{name}: {label} unpacks to more than {MAX_UNPACKED // 2**20} MB "
            f"or {MAX_MEMBERS} parts; refused (a zip bomb?)"
        )
    if any(i.flag_bits & 0x1 for i in infos):
        raise InputError(f"{name} is password-protected: save it without a password first")
    return z


def read_document_bytes(data: bytes, path: str, name: str, kind: str) -> Document:
    """The text of a document of `kind` (from `sniff`) held in `data`."""
    if kind == "docx":
        from .office import read_docx as reader
    elif kind == "odt":
        from .opendocument import read_odt as reader
    elif kind == "epub":
        from .ebook import read_epub as reader
    else:
        from .pdf import read_pdf as reader
    doc = reader(data, path, name)
    if not doc.text.strip():
        raise InputError(f"{name} is empty (no text in this {kind.upper()})")
    return doc


def keep_layout_spans(doc: Document) -> list[Span]:
    """The removed spans a document reader marked (kept when the pipeline cleans the text)."""
    return [span for span in doc.removed if span.kind in LAYOUT_KINDS]


__all__ = ["LAYOUT_KINDS", "SUFFIXES", "TextBuilder", "read_document_bytes", "sniff"]
