"""Inline codes of a TMX segment (`<bpt>`, `<ept>`, `<ph>`, `<it>`, `<ut>`, `<hi>`, `<sub>`):
their flat text, and their markup kept from import to export.

A pair read from a TMX whose seg holds codes keeps each side's inner markup in its meta under
`INLINE_CODES` (["src markup", "tgt markup"], "" for a side without codes; a list, so no TMX
prop of another tool, a string, is taken for it), bounded by MARKUP_LIMIT and DEPTH_LIMIT
and valid against the TMX DTD; its texts are the flat ones (`flat_text`: search, review and
alignment work on them). The writer gives a side its codes back (`seg_xml`) while its text is
still the flattening of the kept markup: a side edited in review is written as its text,
without the codes. An XLIFF 1.2 unit's codes are kept as the TMX codes they map to
(`xliff_seg`).
"""

from __future__ import annotations

import copy
import io
import itertools
import re
from collections.abc import Iterator

from lxml import etree

# The bead meta key of a pair's kept markup: [source, target].
INLINE_CODES = "inline_codes"
MARKUP_LIMIT = 256 << 10  # characters of one side's markup kept; more: its text alone
DEPTH_LIMIT = 32  # codes nested in codes deeper than this: its text alone

# The seg's content model and the codes' attributes, as tmx14.dtd gives them.
_DTD = etree.DTD(
    io.StringIO(
        """
<!ENTITY % inline "#PCDATA|bpt|ept|it|ph|hi|ut">
<!ELEMENT seg (%inline;)* >
<!ELEMENT bpt (#PCDATA|sub)* >
<!ATTLIST bpt i CDATA #REQUIRED x CDATA #IMPLIED type CDATA #IMPLIED >
<!ELEMENT ept (#PCDATA|sub)* >
<!ATTLIST ept i CDATA #REQUIRED >
<!ELEMENT sub (%inline;)* >
<!ATTLIST sub datatype CDATA #IMPLIED type CDATA #IMPLIED >
<!ELEMENT it (#PCDATA|sub)* >
<!ATTLIST it pos (begin|end) #REQUIRED x CDATA #IMPLIED type CDATA #IMPLIED >
<!ELEMENT ph (#PCDATA|sub)* >
<!ATTLIST ph x CDATA #IMPLIED assoc CDATA #IMPLIED type CDATA #IMPLIED >
<!ELEMENT hi (%inline;)* >
<!ATTLIST hi x CDATA #IMPLIED type CDATA #IMPLIED >
<!ELEMENT ut (#PCDATA|sub)* >
<!ATTLIST ut x CDATA #IMPLIED >
"""
    )
)
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_pis=True
)


def flat_text(seg: etree._Element) -> str:
    """The text of a seg, inline codes kept as their text.

    A code without text (`<ph x="1"/>` for an image) leaves nothing, nor the space it
    doubled: "Click <ph/> here" is "Click here", "<ph/> Next" is "Next".
    """
    if not len(seg):
        return seg.text or ""
    text = "".join(_inline_text(seg))
    if _EMPTY_CODE in text:
        text = _LEFT_SPACE.sub("", text).replace(_EMPTY_CODE, "")
    return text


_EMPTY_CODE = "\x00"  # where a code without text stood (no XML text holds U+0000)
# the space a code without text left doubled, or alone at the start or end of the segment
_LEFT_SPACE = re.compile(r"(?<=\s)\x00+\s|\A\x00+\s|\s\x00+\Z")


def _inline_text(elem: etree._Element) -> Iterator[str]:
    """The text of `elem` (what `itertext` gives), with _EMPTY_CODE for each code in it
    that holds no text."""
    if elem.text:
        yield elem.text
    for child in elem:
        if isinstance(child.tag, str):  # (no comments or processing instructions: removed)
            inner = "".join(_inline_text(child))
            yield inner or _EMPTY_CODE
        if child.tail:
            yield child.tail


def markup(seg: etree._Element) -> str | None:
    """The inner markup of a seg (its text and codes as XML, without the namespace
    declarations, comments and processing instructions of the file); "" where it holds no
    code, None where its codes run beyond MARKUP_LIMIT characters or DEPTH_LIMIT levels or
    are no valid TMX (an attribute or a code tmx14.dtd does not know, `<ept>` without `i`:
    the writer could not give them back, see `seg_xml`)."""
    if not len(seg):
        return ""
    if _too_deep(seg, DEPTH_LIMIT):
        return None
    own = copy.deepcopy(seg)
    own.tail = None
    own.attrib.clear()
    etree.strip_elements(own, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    if not len(own):
        return ""
    etree.cleanup_namespaces(own)  # (a declaration left is one a name uses: no TMX code)
    if not _DTD.validate(own):
        return None
    xml = etree.tostring(own, encoding="unicode")
    inner = xml[xml.index(">") + 1 : -len("</seg>")]
    return inner if len(inner) <= MARKUP_LIMIT else None


def _too_deep(elem: etree._Element, left: int) -> bool:
    if left == 0:
        return True
    return any(_too_deep(child, left - 1) for child in elem if len(child))


def seg_xml(inner: object, text: str) -> str | None:
    """The kept markup `inner` (an import's, see INLINE_CODES) as a seg's content, parsed and
    serialized again by lxml, where it is a seg's content valid against the TMX DTD, within
    the limits, whose flat text is `text`; else None (the side is written as its text)."""
    if not isinstance(inner, str) or "<" not in inner or len(inner) > MARKUP_LIMIT:
        return None
    try:
        seg = etree.fromstring(f"<seg>{inner}</seg>", _PARSER)
    except etree.XMLSyntaxError:
        return None
    if _too_deep(seg, DEPTH_LIMIT) or not _DTD.validate(seg) or flat_text(seg) != text:
        return None
    xml = etree.tostring(seg, encoding="unicode")
    return xml[len("<seg>") : -len("</seg>")] if xml.startswith("<seg>") else None


def kept_codes(meta: dict | None) -> list[str] | None:
    """The [source, target] markup a pair's meta keeps (INLINE_CODES), or None."""
    codes = meta.get(INLINE_CODES) if meta else None
    if isinstance(codes, list) and len(codes) == 2 and all(isinstance(c, str) for c in codes):
        return codes
    return None


def keep_codes(pair, src_seg: etree._Element | None, tgt_seg: etree._Element | None) -> bool:
    """Keep the codes of the TMX segs `src_seg`/`tgt_seg` (None: a side without codes) in
    `pair.meta` (not over another tool's prop of that name); False where a side's codes were
    beyond the limits or no valid TMX (the side is its text alone)."""
    codes = ["" if seg is None else markup(seg) for seg in (src_seg, tgt_seg)]
    if any(codes) and INLINE_CODES not in pair.meta:
        pair.meta[INLINE_CODES] = [code or "" for code in codes]
    return None not in codes


def dropped_codes(log, path: str, units: int) -> None:
    """Say that `units` units of the file at `path` were read without their codes."""
    if units:
        log.warning(
            "%s: read %d unit%s as text alone, without its inline codes: more than %d "
            "characters or %d levels of them, or codes a TMX cannot hold",
            path,
            units,
            "" if units == 1 else "s",
            MARKUP_LIMIT,
            DEPTH_LIMIT,
        )


# XLIFF 1.2 codes holding the native code (`<ph>&lt;br/&gt;</ph>`): TMX's of the same name;
# the attribute each TMX attribute takes its value from
_NATIVE = {
    "bpt": {"i": ("rid", "id"), "x": ("id",), "type": ("ctype",)},
    "ept": {"i": ("rid", "id")},
    "ph": {"x": ("id",), "type": ("ctype",)},
    "it": {"x": ("id",), "type": ("ctype",)},
    "sub": {"datatype": ("datatype",), "type": ("ctype",)},
}


def xliff_seg(content: etree._Element | None, text: str) -> etree._Element | None:
    """An XLIFF 1.2 `<source>`/`<target>` holding codes as a TMX seg whose flat text is
    `text` (the element's), or None: `<g>` as an empty `<bpt>`/`<ept>` around its content
    (blank ends outside),
    `<x/>` as `<ph/>`, `<bx/>`/`<ex/>` as `<bpt/>`/`<ept/>`, `<ph>`, `<bpt>`, `<ept>`, `<it>`
    with their native code, `<mrk>` as `<hi>`; an element of no such code as its text."""
    if content is None or not len(content) or _too_deep(content, DEPTH_LIMIT):
        return None
    seg = etree.Element("seg")
    seg.text = content.text
    _from_xliff(content, seg, etree.QName(content).namespace, itertools.count(1))
    return seg if flat_text(seg) == text else None


def _from_xliff(source: etree._Element, seg: etree._Element, ns: str | None, numbers) -> None:
    """The children of the XLIFF element `source` (and their tails) appended to `seg`."""
    for child in source:
        if not isinstance(child.tag, str):  # a comment, a processing instruction: its tail
            _add_text(seg, child.tail)
            continue
        name = etree.QName(child).localname if etree.QName(child).namespace == ns else ""
        if name == "g":
            # Its blank ends go outside the (empty) codes: `Click <bpt/> here` would be
            # "Click here", a space fewer than the XLIFF's text (see `flat_text`).
            i = str(next(numbers))
            text = child.text or ""
            _add_text(seg, text[: len(text) - len(text.lstrip())])
            etree.SubElement(seg, "bpt", _attrs(child, {"x": ("id",), "type": ("ctype",)}), i=i)
            _add_text(seg, text.lstrip())
            _from_xliff(child, seg, ns, numbers)
            blank_end = _take_blank_end(seg)
            etree.SubElement(seg, "ept", i=i)
            _add_text(seg, blank_end)
        elif name in ("x", "bx", "ex"):
            code = {"x": "ph", "bx": "bpt", "ex": "ept"}[name]
            attrs = _attrs(child, {"x": ("id",)} if name != "ex" else {})
            if name != "x":
                attrs["i"] = child.get("rid") or child.get("id") or "0"
            etree.SubElement(seg, code, attrs)
        elif name in _NATIVE:
            code = etree.SubElement(seg, name, _attrs(child, _NATIVE[name]))
            if name in ("bpt", "ept"):
                code.set("i", code.get("i") or "0")
            if name == "it":
                code.set("pos", "end" if child.get("pos") == "close" else "begin")
            code.text = child.text
            _from_xliff(child, code, ns, numbers)
        elif name == "mrk":
            hi = etree.SubElement(seg, "hi", _attrs(child, {"type": ("mtype",)}))
            hi.text = child.text
            _from_xliff(child, hi, ns, numbers)
        else:
            _add_text(seg, "".join(child.itertext()))
        _add_text(seg, child.tail)


def _attrs(elem: etree._Element, names: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """TMX attributes from the XLIFF ones: for each, the first of its sources `elem` has."""
    attrs = {}
    for name, sources in names.items():
        value = next((elem.get(a) for a in sources if elem.get(a)), None)
        if value is not None:
            attrs[name] = value
    return attrs


def _take_blank_end(elem: etree._Element) -> str:
    """The blank end of the text `elem` holds last (after its last child), taken out."""
    text = (elem[-1].tail if len(elem) else elem.text) or ""
    kept = text.rstrip()
    if len(elem):
        elem[-1].tail = kept or None
    else:
        elem.text = kept or None
    return text[len(kept) :]


def _add_text(elem: etree._Element, text: str | None) -> None:
    """`text` appended after what `elem` holds."""
    if not text:
        return
    if len(elem):
        elem[-1].tail = (elem[-1].tail or "") + text
    else:
        elem.text = (elem.text or "") + text
