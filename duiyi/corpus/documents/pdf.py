"""PDF documents through pdfminer.six: text lines per page, joined back into paragraphs.

- **Paragraphs.** pdfminer's layout analysis gives the text lines; side-by-side columns are
  read one after the other (`reading_order`). A new paragraph starts at a wider vertical gap,
  after a short line that ends a sentence, or at an indented line (Chinese paragraphs open
  with a two-character indent). A paragraph that runs on to the next page
  (no sentence end at the bottom of a page) is joined with its continuation.
- **Line wraps.** Lines of a paragraph are joined with a space, with nothing between Chinese
  characters, and a word hyphenated at a line end (`transla-` / `tion`) is joined whole.
- **Running headers and footers.** Lines at the top or bottom of the pages that repeat on at
  least half of them (digits ignored, so page numbers match) are marked `page-header` /
  `page-footer` removed spans: kept in the text, out of the sentences. Those between the two
  halves of a paragraph that runs across a page break follow the joined paragraph.
- Encrypted PDFs that need a password, PDFs without a text layer (scanned pages) and damaged
  files are refused with one line each.
"""

from __future__ import annotations

import io
import logging
import re
import zlib
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial

from duiyi.corpus.model import Document
from duiyi.errors import InputError

from . import TextBuilder

log = logging.getLogger(__name__)

_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0002fa1f]")
_TERMINAL = tuple("。！？!?.…;；:：」』”\"')）")
_HYPHENATED = re.compile(r"[A-Za-z]-$")
_CID = re.compile(r"\(cid:\d+\)")
_DIGITS = re.compile(r"\d+")
EDGE = 0.12  # headers/footers sit in the top/bottom 12% of a page
EDGE_LINES = 3  # … among the first/last three lines
MAX_INFLATED = 512 * 2**20  # all of one PDF's streams, decompressed


@dataclass
class Line:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    box: int
    kind: str = "content"
    indented: bool = False  # starts further right than its box: a paragraph's first line


@dataclass
class Paragraph:
    lines: list[Line]

    @property
    def indented_start(self) -> bool:
        return bool(self.lines) and self.lines[0].indented


@dataclass
class Page:
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)


def _join(a: str, b: str) -> str:
    """Two wrapped lines of one paragraph as one line."""
    a, b = a.rstrip(), b.lstrip()
    if not a or not b:
        return a + b
    if _HYPHENATED.search(a) and b[0].islower():
        return a[:-1] + b
    if _CJK.match(a[-1]) or _CJK.match(b[0]):
        return a + b
    return f"{a} {b}"


def _edge_key(line: Line) -> str:
    return _DIGITS.sub("#", " ".join(line.text.split()))


def mark_furniture(pages: list[Page]) -> None:
    """Mark lines at the page edges that repeat on at least half the pages (≥ 2)."""
    if len(pages) < 2:
        return
    candidates: list[list[tuple[str, Line]]] = []
    counts: Counter[str] = Counter()
    for page in pages:
        ordered = sorted(page.lines, key=lambda line: -line.y1)  # top first
        top = [ln for ln in ordered[:EDGE_LINES] if ln.y0 >= page.height * (1 - EDGE)]
        bottom = [ln for ln in ordered[-EDGE_LINES:] if ln.y1 <= page.height * EDGE]
        found = [("top:" + _edge_key(ln), ln) for ln in top]
        found += [("bottom:" + _edge_key(ln), ln) for ln in bottom if ln not in top]
        candidates.append(found)
        counts.update({key for key, _ in found})
    needed = max(2, (len(pages) + 1) // 2)
    for found in candidates:
        for key, line in found:
            if counts[key] >= needed:
                line.kind = "page-header" if key.startswith("top:") else "page-footer"


def _column_starts(lines: list[Line], tolerance: float) -> list[float]:
    """Left edges shared by two lines or more (within `tolerance`), left to right."""
    starts: list[list[float]] = []  # [first x0, last x0, count]
    for x0 in sorted(ln.x0 for ln in lines):
        if starts and x0 - starts[-1][1] <= tolerance:
            starts[-1][1] = x0
            starts[-1][2] += 1
        else:
            starts.append([x0, x0, 1])
    return [first for first, _, count in starts if count >= 2]


def reading_order(lines: list[Line]) -> tuple[list[Line], dict[int, float]]:
    """Lines in reading order, and each line's right margin (by `id`).

    pdfminer orders text boxes by position, which interleaves the paragraphs of side-by-side
    columns. Columns are left edges that several lines share; a line that reaches past the
    next column's edge spans the page (a title over both columns). Where two columns or more
    each hold two lines or more, lines are read column by column, left to right, inside each
    band between spanning lines; elsewhere pdfminer's order stays.
    """
    page_right = max(ln.x1 for ln in lines)
    sizes = sorted(ln.y1 - ln.y0 for ln in lines)
    tolerance = 4 * max(1.0, sizes[len(sizes) // 2])  # more than a paragraph's indent
    starts = _column_starts(lines, tolerance)

    def column_of(line: Line) -> int | None:
        column = max((i for i, x in enumerate(starts) if x <= line.x0 + tolerance), default=0)
        if column + 1 < len(starts) and line.x1 > starts[column + 1]:
            return None  # reaches into the next column: spans the page
        return column

    placed = [(line, column_of(line)) for line in lines]
    counts = [sum(1 for _, c in placed if c == i) for i in range(len(starts))]
    if len(starts) < 2 or min(counts) < 2:
        return lines, {id(ln): page_right for ln in lines}
    rights = {
        i: max((ln.x1 for ln, c in placed if c == i), default=page_right)
        for i in range(len(starts))
    }
    ordered: list[Line] = []
    band: list[tuple[Line, int]] = []
    for line, column in sorted(placed, key=lambda lc: -lc[0].y1):  # top to bottom
        if column is None:
            ordered.extend(ln for ln, _ in sorted(band, key=lambda lc: (lc[1], -lc[0].y1)))
            band.clear()
            ordered.append(line)
        else:
            band.append((line, column))
    ordered.extend(ln for ln, _ in sorted(band, key=lambda lc: (lc[1], -lc[0].y1)))
    return ordered, {id(ln): page_right if c is None else rights[c] for ln, c in placed}


def _paragraphs(page: Page) -> list[Paragraph]:
    """The page's content lines, in reading order, grouped into paragraphs."""
    lines = [ln for ln in page.lines if ln.kind == "content"]
    if not lines:
        return []
    lines, rights = reading_order(lines)
    gaps = sorted(a.y0 - b.y1 for a, b in zip(lines, lines[1:], strict=False) if a.y0 > b.y1)
    line_gap = gaps[len(gaps) // 4] if gaps else 0.0  # the gap inside wrapped paragraphs
    paragraphs: list[Paragraph] = []
    current: list[Line] = []
    left = lines[0].x0
    for line in lines:
        size = max(1.0, line.y1 - line.y0)  # about one character
        if current:
            prev = current[-1]
            gap = prev.y0 - line.y1
            moved = line.y1 > prev.y0 + size or gap > 1.5 * size or line.x0 > prev.x1
            spaced = gap > 1.5 * line_gap + 1
            short_end = rights[id(prev)] - prev.x1 > 2 * size and prev.text.rstrip().endswith(
                _TERMINAL
            )
            line.indented = line.x0 - left > 0.8 * size
            if moved or spaced or short_end or line.indented:
                paragraphs.append(Paragraph(current))
                current = []
                left = min(line.x0, left) if not moved else line.x0
                line.indented = line.x0 - left > 0.8 * size
        else:
            line.indented = False
        current.append(line)
    paragraphs.append(Paragraph(current))
    return paragraphs


def _text(paragraph: Paragraph) -> str:
    text = ""
    for line in paragraph.lines:
        text = _join(text, line.text) if text else line.text.strip()
    return text


def _continues(previous: str, paragraph: Paragraph) -> bool:
    return not previous.rstrip().endswith(_TERMINAL) and not paragraph.indented_start


def assemble(pages: list[Page]) -> TextBuilder:
    """Headers, paragraphs (joined across page breaks) and footers, in reading order."""
    out = TextBuilder()
    open_text: str | None = None
    held: list[Line] = []  # furniture met while a paragraph may still run on

    def flush() -> None:
        nonlocal open_text
        if open_text is not None:
            out.add(open_text)
            open_text = None
        for line in held:
            out.add(line.text, kind=line.kind)
        held.clear()

    for page in pages:
        top = [ln for ln in page.lines if ln.kind == "page-header"]
        bottom = [ln for ln in page.lines if ln.kind == "page-footer"]
        if open_text is not None:
            held.extend(top)
        else:
            for line in top:
                out.add(line.text, kind=line.kind)
        for i, paragraph in enumerate(_paragraphs(page)):
            if i == 0 and open_text is not None and _continues(open_text, paragraph):
                open_text = _join(open_text, _text(paragraph))
            else:
                flush()
                open_text = _text(paragraph)
        held.extend(bottom)
    flush()
    return out


class _Budget:
    """The bytes one document's streams may decode to, all filters together: pdfminer decodes
    each stream whole, so a small PDF whose streams expand a thousandfold (Flate, LZW) or
    64-fold (RunLength), or a chain of filters, would fill the memory."""

    def __init__(self, name: str):
        self.name, self.left = name, MAX_INFLATED

    def count(self, decoded: bytes) -> bytes:
        self.spend(len(decoded))
        return decoded

    def spend(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise InputError(
                f"{self.name}: its compressed streams inflate to more than "
                f"{MAX_INFLATED // 2**20} MB (a decompression bomb?)"
            )


class _BoundedZlib:
    """The zlib module as pdfminer uses it (`decompress`, `decompressobj`, `error`), inflating
    no more than the budget has left."""

    error = zlib.error

    def __init__(self, budget: _Budget):
        self.budget = budget

    def decompress(self, data: bytes) -> bytes:
        inflater = zlib.decompressobj()
        out = self.budget.count(inflater.decompress(data, self.budget.left + 1))
        if not inflater.eof:  # a truncated stream: pdfminer then salvages what it can
            raise zlib.error("incomplete or truncated stream")
        return out

    def decompressobj(self):
        budget, inflater = self.budget, zlib.decompressobj()

        class Counted:
            def decompress(self, data: bytes) -> bytes:
                return budget.count(inflater.decompress(data, budget.left + 1))

        return Counted()


def _lzwdecode(budget: _Budget, data: bytes) -> bytes:
    """pdfminer's `lzwdecode`, counted code by code (one 12-bit code can stand for 4 KB).
    `LZWDecoder.run` is not used: it copies its whole table for a debug log at every code,
    so a long stream took time quadratic in its length."""
    from pdfminer.lzw import CorruptDataError, LZWDecoder

    decoder, out = LZWDecoder(io.BytesIO(data)), []
    while True:
        try:
            out.append(budget.count(decoder.feed(decoder.readbits(decoder.nbits))))
        except (EOFError, CorruptDataError):  # as `run`: the end, or corrupt data, ends it
            return b"".join(out)


def _rldecode(budget: _Budget, data: bytes) -> bytes:
    """RunLengthDecode (PDF 1.7, 7.4.5) into a bytearray, counted run by run; pdfminer's
    `rldecode` keeps a list of ints, eight bytes of memory per byte decoded."""
    out, i = bytearray(), 0
    while i < len(data) and data[i] != 128:  # 128: end of data
        length = data[i]
        if length < 128:  # the next length + 1 bytes, literally
            out += data[i + 1 : i + length + 2]
            i += length + 2
        else:  # the next byte, 257 - length times
            out += data[i + 1 : i + 2] * (257 - length)
            i += 2
        if len(out) > budget.left:
            break  # count() below says so
    return budget.count(bytes(out))


def _counted(budget: _Budget, decode):
    """`decode` counted once it returns: ASCII85 and ASCIIHex decode to at most four times
    their input."""
    return lambda *args: budget.count(decode(*args))


def _ccittfaxdecode(budget: _Budget, data: bytes, params: dict) -> bytes:
    """pdfminer's `ccittfaxdecode` (Group 4, K = -1), counted line by line: one bit can stand
    for a whole line, as wide as the stream's `Columns` says, which pdfminer holds as a list
    of ints; a line wider than the budget has left is refused before it is made."""
    from pdfminer.ccitt import CCITTFaxDecoder, ccittfaxdecode

    columns = params.get("Columns")
    if params.get("K") != -1 or not isinstance(columns, int):
        return ccittfaxdecode(data, params)  # pdfminer refuses what it does not decode
    if columns > budget.left * 8:
        budget.spend(budget.left + 1)  # one line would be more than is left
    lines: list[bytes] = []

    class Counted(CCITTFaxDecoder):
        def output_line(self, y: int, bits) -> None:
            self._buf = b""  # pdfminer's own buffer grows by copying itself: one line here
            super().output_line(y, bits)
            lines.append(budget.count(self._buf))

    bytealign, reversed_ = bool(params.get("EncodedByteAlign")), bool(params.get("BlackIs1"))
    Counted(columns, bytealign=bytealign, reversed=reversed_).feedbytes(data)
    return b"".join(lines)


@contextmanager
def _bounded_inflation(name: str):
    """pdfminer's filters, where `PDFStream.decode` calls them, bounded by one budget; its own
    are put back after (not whatever was there: another reader's bounded ones)."""
    from pdfminer import ascii85, ccitt, lzw, pdftypes, runlength

    budget = _Budget(name)
    bounded = {
        "zlib": (zlib, _BoundedZlib(budget)),
        "lzwdecode": (lzw.lzwdecode, partial(_lzwdecode, budget)),
        "rldecode": (runlength.rldecode, partial(_rldecode, budget)),
        "ascii85decode": (ascii85.ascii85decode, _counted(budget, ascii85.ascii85decode)),
        "asciihexdecode": (ascii85.asciihexdecode, _counted(budget, ascii85.asciihexdecode)),
        "ccittfaxdecode": (ccitt.ccittfaxdecode, partial(_ccittfaxdecode, budget)),
    }
    for attr, (_, decode) in bounded.items():
        setattr(pdftypes, attr, decode)
    try:
        yield
    finally:
        for attr, (original, _) in bounded.items():
            setattr(pdftypes, attr, original)


def _load_pages(data: bytes, name: str) -> list[Page]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextContainer, LTTextLine
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    pages = []
    try:
        with _bounded_inflation(name):
            for layout in extract_pages(io.BytesIO(data), laparams=LAParams()):
                page = Page(layout.width, layout.height)
                boxes = (el for el in layout if isinstance(el, LTTextContainer))
                for number, box in enumerate(boxes):
                    for line in box if not isinstance(box, LTTextLine) else [box]:
                        if not isinstance(line, LTTextLine):
                            continue
                        text = " ".join(line.get_text().split())
                        if text:
                            page.lines.append(Line(text, *line.bbox, number))
                pages.append(page)
    except InputError:
        raise
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise InputError(
            f"{name} is an encrypted PDF that needs a password: "
            "save a copy without one (e.g. qpdf --decrypt) first"
        ) from exc
    except Exception as exc:  # pdfminer raises PSEOF, PDFSyntaxError, ValueError, KeyError, …
        if type(exc).__name__ == "PDFTextExtractionNotAllowed":
            raise InputError(
                f"{name}: its owner forbids text extraction (PDF permissions)"
            ) from exc
        raise InputError(f"{name}: not a readable PDF ({type(exc).__name__}: {exc})") from exc
    return pages


def read_pdf(data: bytes, path: str, name: str) -> Document:
    pages = _load_pages(data, name)
    if not pages:
        raise InputError(f"{name}: not a readable PDF (no pages)")
    empty = [i + 1 for i, page in enumerate(pages) if not page.lines]
    if len(empty) == len(pages):
        raise InputError(
            f"{name} has no text layer (scanned pages?): run OCR on it first "
            "(e.g. ocrmypdf), then give duiyi the OCR'd PDF"
        )
    if empty:
        shown = ", ".join(map(str, empty[:10])) + (" …" if len(empty) > 10 else "")
        log.warning(
            "%s: page(s) %s have no text layer (scanned?); their text is missing", name, shown
        )
    sample = "".join(line.text for page in pages[:20] for line in page.lines)
    if len("".join(_CID.findall(sample))) > 0.5 * len(sample):
        raise InputError(
            f"{name}: its fonts carry no Unicode mapping, so its text cannot be extracted "
            "(only glyph numbers): run OCR on it"
        )
    mark_furniture(pages)
    return assemble(pages).document(path, "pdf", pages=len(pages))
