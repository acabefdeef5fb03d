"""DOCX (Word) documents through python-docx: headers, body (paragraphs and tables, in order),
footnotes, footers.

Paragraph text is read from the XML runs themselves (`w:t`, tabs, breaks), including tracked
insertions, content controls and hyperlinks, which python-docx's `Paragraph.text` skips;
deleted text and field codes are left out, as Word shows them. Text boxes become paragraphs of
their own after the paragraph holding them. List numbering is computed from the numbering
definitions and kept before the item as a `list-label` span (Word generates it: a translated
document gets it back from the style, not from the text). Headers and footers are content
(translators translate them), each distinct one once.

`iter_paragraphs` walks a python-docx document in the order the text is built, so the DOCX
writer can put drafts back into the same paragraphs.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from duiyi.corpus.model import Document
from duiyi.corpus.numerals import roman_numeral
from duiyi.errors import InputError

from . import TextBuilder, check_zip

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TEXT_TAGS = {f"{W}t", f"{W}tab", f"{W}br", f"{W}cr", f"{W}noBreakHyphen", f"{W}softHyphen"}
_FOOTNOTES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
_ENDNOTES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/endnotes"


def paragraph_text(p) -> str:
    """The visible text of a `w:p` element (not of paragraphs nested in its text boxes)."""
    out = []
    nested = p.find(f".//{W}txbxContent") is not None
    for el in p.iter(*_TEXT_TAGS):
        if nested and _in_textbox(el, p):
            continue
        tag = el.tag
        if tag == f"{W}t":
            out.append(el.text or "")
        elif tag == f"{W}tab":
            out.append("\t")
        elif tag == f"{W}noBreakHyphen":
            out.append("-")
        elif tag == f"{W}softHyphen":
            continue
        else:
            out.append("\n")
    return "".join(out)


def _in_textbox(el, p) -> bool:
    return _under(el, p, f"{W}txbxContent")


_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _textbox_paragraphs(p) -> list:
    """Paragraphs of the text boxes in `p` (Word writes each box twice, for new and old
    readers: the `mc:Fallback` copy is skipped)."""
    boxes = [box for box in p.iter(f"{W}txbxContent") if not _under(box, p, _FALLBACK)]
    return [q for box in boxes for q in box.iter(f"{W}p")]


def _under(el, top, tag: str) -> bool:
    parent = el.getparent()
    while parent is not None and parent is not top:
        if parent.tag == tag:
            return True
        parent = parent.getparent()
    return False


# --- list numbering --------------------------------------------------------------------------

_HAN_DIGITS = "〇一二三四五六七八九"
MAX_LIST_NUMBER = 32767  # Word's largest list start; beyond it numbers are written as digits


def _letters(n: int) -> str:
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _han(n: int) -> str:
    if n < 10:
        return _HAN_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _HAN_DIGITS[tens]) + "十" + (_HAN_DIGITS[ones] if ones else "")
    return "".join(_HAN_DIGITS[int(d)] for d in str(n))


def _format_number(n: int, fmt: str) -> str:
    if n > MAX_LIST_NUMBER:  # a hostile start value: letters and roman numerals would not end
        return str(n)
    if fmt in ("lowerLetter", "upperLetter"):
        text = _letters(n)
        return text.upper() if fmt == "upperLetter" else text
    if fmt in ("lowerRoman", "upperRoman"):
        text = roman_numeral(n)
        return text if fmt == "upperRoman" else text.lower()
    if fmt.startswith(("chineseCounting", "ideograph", "japaneseCounting", "taiwaneseCounting")):
        return _han(n)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "none":
        return ""
    return str(n)


class Numbering:
    """List labels ("1.", "(a)", "一、", "•") of numbered paragraphs, counted in document order."""

    def __init__(self, document):
        self.levels: dict[tuple[str, int], tuple[int, str, str]] = {}  # (numId, ilvl) → def
        self.counters: dict[str, list[int]] = {}
        self.style_numpr: dict[str, object] = {}  # style id → its numPr (list styles)
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        styles = {s.get(f"{W}styleId"): s for s in document.styles.element.iter(f"{W}style")}
        for style_id, style in styles.items():
            seen, current = set(), style
            while current is not None and id(current) not in seen:  # follow basedOn
                seen.add(id(current))
                numpr = current.find(f"{W}pPr/{W}numPr")
                if numpr is not None:
                    self.style_numpr[style_id] = numpr
                    break
                based = current.find(f"{W}basedOn")
                current = styles.get(_val(based)) if based is not None else None
        abstract = {a.get(f"{W}abstractNumId"): a for a in numbering.iter(f"{W}abstractNum")}
        for num in numbering.iter(f"{W}num"):
            num_id = num.get(f"{W}numId")
            ref = num.find(f"{W}abstractNumId")
            definition = abstract.get(ref.get(f"{W}val")) if ref is not None else None
            overrides = {
                o.get(f"{W}ilvl"): o.find(f"{W}startOverride") for o in num.iter(f"{W}lvlOverride")
            }
            for lvl in definition.iter(f"{W}lvl") if definition is not None else ():
                ilvl = lvl.get(f"{W}ilvl") or "0"
                start = overrides.get(ilvl)
                if start is None:
                    start = lvl.find(f"{W}start")
                fmt, text = lvl.find(f"{W}numFmt"), lvl.find(f"{W}lvlText")
                self.levels[(num_id, int(ilvl))] = (
                    int(_val(start) or 1) if (_val(start) or "1").isdigit() else 1,
                    _val(fmt) or "decimal",
                    _val(text) or "",
                )

    def label(self, p) -> str:
        """The label of paragraph element `p`, advancing its list's counters ("" if none)."""
        if not self.levels:
            return ""
        ppr = p.find(f"{W}pPr")
        numpr = ppr.find(f"{W}numPr") if ppr is not None else None
        style = ppr.find(f"{W}pStyle") if ppr is not None else None
        style_numpr = self.style_numpr.get(_val(style)) if style is not None else None
        if numpr is None:
            numpr = style_numpr
        if numpr is None:
            return ""
        num_id = _val(numpr.find(f"{W}numId"))
        if num_id is None and style_numpr is not None:
            num_id = _val(style_numpr.find(f"{W}numId"))
        ilvl_text = _val(numpr.find(f"{W}ilvl")) or "0"
        ilvl = int(ilvl_text) if ilvl_text.isdigit() else 0
        if (num_id, ilvl) not in self.levels:
            return ""
        counters = self.counters.setdefault(num_id, [0] * 9)
        ilvl = min(ilvl, 8)
        for deeper in range(ilvl + 1, 9):
            counters[deeper] = 0
        start = self.levels[(num_id, ilvl)][0]
        counters[ilvl] = counters[ilvl] + 1 if counters[ilvl] else start
        _, fmt, text = self.levels[(num_id, ilvl)]
        if fmt == "bullet":
            # Symbol/Wingdings bullets are private-use code points: show a plain bullet.
            return "".join("•" if 0xE000 <= ord(c) <= 0xF8FF else c for c in text) or "•"
        for level in range(ilvl, -1, -1):
            if f"%{level + 1}" in text:
                level_fmt = self.levels.get((num_id, level), (1, fmt, ""))[1]
                number = counters[level] or self.levels.get((num_id, level), (1,))[0]
                text = text.replace(f"%{level + 1}", _format_number(number, level_fmt))
        return text


def _val(el) -> str | None:
    return None if el is None else el.get(f"{W}val")


# --- walking the document --------------------------------------------------------------------


def _blocks(container) -> Iterator:
    """`w:p` elements of a body, cell, header or note, tables walked row by row (merged cells
    once), text boxes after the paragraph that holds them."""
    seen_cells = set()
    for child in container.iterchildren(f"{W}p", f"{W}tbl", f"{W}sdt"):
        if child.tag == f"{W}p":
            yield child
            yield from _textbox_paragraphs(child)
        elif child.tag == f"{W}sdt":  # a block-level content control
            content = child.find(f"{W}sdtContent")
            if content is not None:
                yield from _blocks(content)
        else:
            for tc in child.iter(f"{W}tc"):
                if id(tc) in seen_cells or _in_nested_table(tc, child):
                    continue
                seen_cells.add(id(tc))
                yield from _blocks(tc)


def _in_nested_table(tc, table) -> bool:
    return _under(tc, table, f"{W}tbl")


def _header_footer_parts(document, attr: str) -> list:
    """Distinct header (or footer) parts of every section: default, first page, even pages."""
    parts, seen = [], set()
    for section in document.sections:
        for name in (f"first_page_{attr}", attr, f"even_page_{attr}"):
            hf = getattr(section, name)
            if hf.is_linked_to_previous:
                continue
            element = hf._element
            if id(element) in seen:
                continue
            seen.add(id(element))
            parts.append(element)
    return parts


def note_parts(document) -> list:
    """(part, root element) of the footnotes and endnotes parts, when the document has them."""
    from docx.oxml.parser import parse_xml

    found = []
    for reltype in (_FOOTNOTES, _ENDNOTES):
        try:
            part = document.part.part_related_by(reltype)
        except KeyError:
            continue
        element = getattr(part, "element", None)
        found.append((part, element if element is not None else parse_xml(part.blob)))
    return found


def iter_paragraphs(document, notes: list | None = None) -> Iterator[tuple[str, object]]:
    """(kind, `w:p` element) of every paragraph, in the order the text is built: headers,
    body, footnotes and endnotes, footers. `notes`: `note_parts(document)`, if already read."""
    for header in _header_footer_parts(document, "header"):
        for p in _blocks(header):
            yield "header", p
    for p in _blocks(document.element.body):
        yield "body", p
    for _, root in note_parts(document) if notes is None else notes:
        for note in root:
            if note.get(f"{W}type") in ("separator", "continuationSeparator", "continuationNotice"):
                continue
            for p in _blocks(note):
                yield "note", p
    for footer in _header_footer_parts(document, "footer"):
        for p in _blocks(footer):
            yield "footer", p


def open_docx(data: bytes, name: str):
    """The python-docx Document in `data`, or one clear InputError."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_zip(data, name, "DOCX")
    try:
        return docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, SyntaxError) as exc:
        raise InputError(f"{name}: not a readable DOCX file ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # lxml errors and whatever a damaged package raises
        raise InputError(f"{name}: not a readable DOCX file ({type(exc).__name__}: {exc})") from exc


def extract(document, notes: list | None = None) -> TextBuilder:
    """The text of a python-docx document; each block's `ref` is the paragraph's position
    in `iter_paragraphs` order."""
    numbering = Numbering(document)
    out = TextBuilder()
    for index, (kind, p) in enumerate(iter_paragraphs(document, notes)):
        label = numbering.label(p) if kind == "body" else ""
        out.add(paragraph_text(p), ref=index, label=label)
    return out


def read_docx(data: bytes, path: str, name: str) -> Document:
    document = open_docx(data, name)
    try:
        out = extract(document)
    except Exception as exc:  # a damaged part found while walking
        raise InputError(f"{name}: not a readable DOCX file ({type(exc).__name__}: {exc})") from exc
    return out.document(path, "docx")
