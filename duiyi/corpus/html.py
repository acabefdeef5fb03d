"""HTML to plain text: the main text of a page, block structure kept as paragraph breaks.

Scripts, styles, navigation, page headers/footers, sidebars and forms are dropped: they are page
furniture, not the document. What remains becomes paragraphs separated by blank lines, so the
cleaner and the splitter see the same shape as a plain-text file.

Limits: libxml2's parser stops at elements nested more than 256 deep and at text nodes or
attributes over 10 MB, and would drop the rest of the page without a word; duiyi parses with
`huge_tree` (nesting up to `MAX_DEPTH`, no size limit beyond the 200 MB input cap; no entities
or network are involved in HTML parsing) and refuses a page the parser still could not read
whole, naming the reason, rather than return part of it.
"""

from __future__ import annotations

import codecs
import re

from duiyi.errors import InputError

# Elements whose content is never document text.
_DROP = {
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
    "iframe", "svg", "button", "select", "textarea", "head", "menu", "dialog", "object",
    "embed", "canvas", "map",
}  # fmt: skip
_DROP_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu"}
# Elements that start a new paragraph.
_BLOCK = {
    "address", "article", "blockquote", "body", "caption", "center", "dd", "details", "dir",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "html", "legend", "li", "main", "ol", "p", "pre", "section", "summary", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
_CELL = {"td", "th"}
_PARA, _BR = "\x00para", "\x00br"
_KEPT_SPACE = "\x01"  # a space inside <pre>, safe from whitespace collapsing
_SPACES = re.compile(r"[ \t\r\n\f\u200b]+")
# A source line break between two CJK characters is not a space (CSS Text 3 drops it too).
_CJK_BREAK = re.compile(
    r"(?<=[\u3000-\u9fff\uff00-\uffef])[ \t\r\f]*\n\s*(?=[\u3000-\u9fff\uff00-\uffef])"
)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
MAX_DEPTH = 2048  # libxml2's element nesting limit under huge_tree
# Labels pages use for encodings Python knows under a wider (superset) codec.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs", "x-gbk": "gb18030"}


def looks_like_html(head: str) -> bool:
    """Whether the start of a document is HTML markup."""
    start = head.lstrip("\ufeff \t\r\n").lower()
    if start.startswith(("<!doctype html", "<html")):
        return True
    return start.startswith("<") and bool(re.search(r"<(html|head|body)[\s>]", start[:2048]))


def meta_charset(head: bytes) -> str | None:
    """The codec named by `<meta charset>` / `http-equiv` in the first bytes, if Python knows it."""
    match = _META_CHARSET.search(head)
    if not match:
        return None
    label = match.group(1).decode("ascii", "ignore").lower()
    label = _SUPERSETS.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _is_hidden(el) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    if (el.get("role") or "").lower() in _DROP_ROLES:
        return True
    style = (el.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def _inside(el, tags: set[str]) -> bool:
    return any(isinstance(a.tag, str) and a.tag.lower() in tags for a in el.iterancestors())


# What is never text, even in a book's chapter (where headers, asides and navigation are).
_NEVER_TEXT = {
    "script", "style", "noscript", "template", "head", "svg", "object", "embed", "canvas",
    "map", "iframe", "button", "select", "textarea",
}  # fmt: skip


def _drop_furniture(root, web: bool = True) -> None:
    for el in list(root.iter()):
        if el.getparent() is None:
            continue
        if not isinstance(el.tag, str):  # comments, processing instructions
            el.drop_tree()
            continue
        tag = el.tag.lower()
        if not web:
            if tag in _NEVER_TEXT:
                el.drop_tree()
            continue
        # An <article>'s own <header> carries its title: that is content.
        if tag == "header" and _inside(el, {"article", "main"}):
            continue
        if tag in _DROP or _is_hidden(el):
            el.drop_tree()


def _main_element(body):
    """The <main>/<article> holding most of the text, when it holds a good share of the page."""
    total = len(_SPACES.sub("", body.text_content()))
    best, best_len = body, 0
    for el in body.iter("main", "article"):
        n = len(_SPACES.sub("", el.text_content()))
        if n > best_len:
            best, best_len = el, n
    return best if best_len >= 0.3 * total else body


def _walk(root, out: list[str]) -> None:
    """The text pieces of `root` in document order (iterative: pages nest deeper than Python's
    recursion limit)."""
    stack: list[tuple[object, bool, bool]] = [(root, False, False)]  # (element, in <pre>, done)
    while stack:
        el, pre, done = stack.pop()
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        is_pre = pre or tag == "pre"
        if done:  # after the children: close the element, then its tail
            if tag in _BLOCK:
                out.append(_PARA)
            if tag in _CELL:
                out.append(" ")
            if el.tail:
                out.append(_pre(el.tail) if pre else el.tail)
            continue
        if tag == "br":
            out.append(_BR)
        elif tag in _BLOCK:
            out.append(_PARA)
        if el.text:
            out.append(_pre(el.text) if is_pre else el.text)
        stack.append((el, pre, True))
        stack.extend((child, is_pre, False) for child in reversed(el))


def _pre(text: str) -> str:
    return text.replace(" ", _KEPT_SPACE).replace("\t", _KEPT_SPACE * 4).replace("\n", _BR)


def _assemble(pieces: list[str]) -> str:
    paragraphs: list[str] = []
    lines: list[str] = []
    current: list[str] = []

    def end_line() -> None:
        line = _SPACES.sub(" ", _CJK_BREAK.sub("", "".join(current))).strip()
        line = line.replace(_KEPT_SPACE, " ")
        current.clear()
        if line:
            lines.append(line)

    def end_paragraph() -> None:
        end_line()
        if lines:
            paragraphs.append("\n".join(lines))
            lines.clear()

    for piece in pieces:
        if piece == _PARA:
            end_paragraph()
        elif _BR in piece:
            parts = piece.split(_BR)
            for i, part in enumerate(parts):
                if i:
                    end_line()
                current.append(part)
        else:
            current.append(piece)
    end_paragraph()
    return "\n\n".join(paragraphs) + ("\n" if paragraphs else "")


def _check_complete(parser) -> None:
    """Refuse a page the parser stopped reading (a resource limit): never return part of it."""
    for entry in parser.error_log:
        if entry.type_name == "ERR_RESOURCE_LIMIT":
            if "depth" in entry.message.lower():
                raise InputError(
                    f"HTML nested more than {MAX_DEPTH} elements deep: refused rather than "
                    "losing the text below that depth (flatten the page first)"
                )
            raise InputError(f"HTML too large for the parser: {entry.message.strip()}")


def html_to_text(markup: str, *, web: bool = True) -> str:
    """The main text of an HTML page; paragraphs separated by blank lines.

    `web=False` (a book's chapter, not a web page): headers, footers, asides (footnotes),
    navigation and hidden elements are text too, and the whole body is read."""
    import lxml.html
    from lxml.etree import ParserError

    markup = _XML_DECL.sub("", markup, count=1)
    if not markup.strip():
        return ""
    # huge_tree lifts libxml2's depth (256) and size (10 MB) limits, which otherwise cut the
    # page short without an error; HTML parsing resolves no external entities either way.
    parser = lxml.html.HTMLParser(huge_tree=True)
    try:
        doc = lxml.html.document_fromstring(markup, parser=parser)
    except (ParserError, ValueError) as exc:
        raise InputError(f"cannot parse HTML: {exc}") from exc
    _check_complete(parser)
    _drop_furniture(doc, web)
    body = doc.find("body")
    root = _main_element(body) if body is not None and web else (body if body is not None else doc)
    pieces: list[str] = []
    _walk(root, pieces)
    return _assemble(pieces)
