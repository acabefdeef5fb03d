"""EPUB e-books through ebooklib: the chapters in spine (reading) order, each through duiyi's
HTML path (`html_to_text`), so a chapter reads as a web page's main text does.

Spine items marked `linear="no"` (notes, covers read out of order) come after the linear ones,
as reading systems place them. The navigation document is left out unless the spine lists it.
A chapter is not a web page: its headers, footers, asides (EPUB footnotes) and navigation are
read as text; only scripts, styles and the like are not.
"""

from __future__ import annotations

import io
import re
import warnings

from duiyi.corpus.model import Document
from duiyi.errors import InputError

from . import TextBuilder, check_zip

_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""")


def _decode(content: bytes, name: str) -> str:
    from duiyi.corpus.html import meta_charset
    from duiyi.corpus.read import decode_bytes

    match = _XML_ENCODING.match(content[:200])
    for label in (match.group(1).decode() if match else None, meta_charset(content[:4096])):
        if label:
            try:
                return content.decode(label).lstrip("\ufeff")
            except (LookupError, UnicodeDecodeError):
                pass
    return decode_bytes(content, name)[0]


def read_epub(data: bytes, path: str, name: str) -> Document:
    import ebooklib
    from ebooklib import epub

    from duiyi.corpus.html import html_to_text

    check_zip(data, name, "EPUB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = epub.read_epub(io.BytesIO(data), {"ignore_ncx": True})
    except Exception as exc:  # ebooklib raises EpubException, KeyError, lxml errors, …
        raise InputError(f"{name}: not a readable EPUB file ({type(exc).__name__}: {exc})") from exc
    linear, later = [], []
    for entry in book.spine:
        idref, is_linear = (entry, "yes") if isinstance(entry, str) else (entry[0], entry[1])
        item = book.get_item_with_id(idref)
        if item is None or item.get_type() != ebooklib.ITEM_DOCUMENT:
            continue
        (later if str(is_linear).lower() == "no" else linear).append(item)
    if not linear and not later:
        raise InputError(f"{name}: not a readable EPUB file (its spine lists no chapters)")
    out = TextBuilder()
    for number, item in enumerate([*linear, *later]):
        label = f"{name}: {item.get_name()}"
        # The chapter's own bytes: ebooklib's get_content() parses and re-serializes them,
        # decoding them as UTF-8 whatever their encoding and dropping what is nested deeper
        # than libxml2's default limit (256 elements), without an error.
        markup = _decode(item.content, label)
        try:
            text = html_to_text(markup, web=False)
        except InputError as exc:
            raise InputError(f"{label}: {exc}") from exc
        for paragraph in text.split("\n\n"):
            out.add(paragraph, ref=number)
    return out.document(path, "epub")
