"""A CAT tool's XLIFF file (Trados, memoQ, Phrase, Okapi) to pre-translate: the places its
drafts go, and the drafts written there, everything else in the file as it was.

A place is a 1.2 `<trans-unit>` or a 2.x `<segment>` (both called units in counts): one whose
target is missing, empty or its Chinese source copied (as Okapi and OmegaT pre-fill it), whose
source has text, and which is not `translate="no"` (the nearest `unit`, `group` or `file` saying
so decides). Inline codes only at the edges of the text are kept: a source that is [codes] text
[codes] (1.2 `<x/>`, `<bx/>`, `<ex/>`, `<ph>`, `<bpt>`, `<ept>`, `<it>`; 2.x `<ph/>`, `<sc/>`,
`<ec/>`; and wrapping it, nested or not, 1.2 `<g>` / 2.x `<pc>`) gets a target of the same
codes, deep copies, the draft as the text between. A source of text and standalone codes only
(no wrappers), one at least inside the text, goes to the engine as one piece (never split into
sentences) with each code named by a placeholder in document order: `共<x id="1"/>项，已选<x
id="2"/>项。` as `共[x1]项，已选[x2]项。`. Its draft is taken only if each placeholder is in it
exactly once, no other `[x<digits>]` is, and paired codes (bpt/ept, bx/ex, it; sc/ec) keep
their order; the target is then its text with deep copies of the source's codes where its
placeholders are (the draft's order: English word order differs). Any other draft leaves the
unit for the translator (counted inline), as does a source with `[x<digits>]` text of its own
(it would be taken for a code). Measured (qwen2.5-coder-1.5b, 31 sentences): 30 drafts kept
every placeholder exactly once; wrappers inside the text only 61%, so a unit with a wrapper
inside its text, an annotation (`<mrk>`, 2.x `<sm/>`: it may say translate="no"), a code
holding text (`<sub>`) or a comment among its codes is left for the translator: a plain-text
draft would lose or misplace its tags.

A segmented 1.2 unit (Okapi, Trados' SDLXLIFF: a `<seg-source>` of `<mrk mtype="seg" mid>`
segments, `<g>` wrappers around them allowed) is drafted segment by segment, each as a source
of its own (the rules above: codes at its edges kept, standalone codes inside it as
placeholders, wrappers inside it leave it empty). Its target mirrors the seg-source: made
where it is missing or empty (text and codes outside the segments copied as they are, each
segment an empty `<mrk mtype="seg">` of the same mid), the
empty segments (or their source copied) filled, those with a translation kept, as are those
whose `sdl:seg` is `locked="true"`. A filled segment's `sdl:seg` (made where an SDLXLIFF has
none) says `conf="Draft"`, and for MT
`origin="mt" origin-system="duiyi ENGINE"` (as Trados writes MT: nrc-cnrc/Portage-SMT-TAS
ce_tmx.pl writes the same; `percent`, a TM match's, is dropped). The unit is counted once:
translated if a segment was filled, else inline if a segment was left for its codes, else
done; a segment inside anything but `<g>` leaves the unit inline.

Drafts follow duiyi's XLIFF writer (duiyi.export.xliff): 1.2 `<target state=
"needs-review-translation" state-qualifier="leveraged-mt" xml:lang>`, 2.x `<target>` and the
segment's `state="translated"`; glosses (not MT) 1.2 `state="needs-translation"`, 2.x
`state="initial"`: still to translate. A `<note>` from/category "duiyi" names the engine and
the quality estimate (CAT tools show notes, and import them or drop them safely; a segmented
unit's notes name their segment), and a 1.2 unit without `extradata` gets duiyi's (origin,
score) so `duiyi import` knows the draft (a segmented unit: its first drafted segment's).

The file is parsed whole (it is written back whole), as the XLIFF reader parses: entities
unresolved, no network, no DTD, libxml2's limits on, inputs up to duiyi's size limit. Comments,
CDATA, namespaces, attributes and order stay; the serialization is lxml's (attributes in double
quotes, character references as characters, whitespace between top-level nodes dropped).
"""

from __future__ import annotations

import codecs
import copy
import io
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from lxml import etree

from duiyi.corpus.model import Pair
from duiyi.errors import FormatError

from .base import xml_error, xml_safe
from .xliff import (
    NS12,
    NS20,
    PARSE_OPTIONS,
    XliffFormat,
    check_languages,
    check_root,
    copied_source,
    note_text,
    refuse_entity_bytes,
    state_12,
    state_20,
    unit_metadata,
)

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TARGET_LANG = "en-US"  # where a file names no target language (as duiyi's writers tag English)
_SNIFF_BYTES = 65536  # enough for a declaration, a DOCTYPE and comments before the root


def is_xliff(path: str) -> bool:
    """Whether the file at `path` is XLIFF: named .xlf/.xliff, or its root element is an
    XLIFF 1.2 or 2.x `<xliff>` (.sdlxliff, .mqxliff, .xml). Only a regular file's first bytes
    are looked at: a pipe's would be gone for whoever reads it next."""
    if Path(path).suffix.lower() in XliffFormat.extensions:
        return True
    if not Path(path).is_file():
        return False
    try:
        with open(path, "rb") as f:
            return is_xliff_data(f.read(_SNIFF_BYTES))
    except OSError:
        return False  # reading it as a document says what is wrong


def is_xliff_data(data: bytes) -> bool:
    """Whether `data` (a file's first bytes at least) has an XLIFF 1.2 or 2.x root element."""
    try:
        parser = etree.XMLPullParser(events=("start",), **PARSE_OPTIONS)
        parser.feed(data[:_SNIFF_BYTES])
        for _, root in parser.read_events():
            name = etree.QName(root)
            return name.localname == "xliff" and name.namespace in (NS12, NS20)
    except etree.XMLSyntaxError:
        pass  # not XML: a document (reading it says what is wrong, if anything)
    return False


@dataclass
class UnitCounts:
    """What pre-translating did with the units of XLIFF files."""

    translated: int = 0
    done: int = 0  # had a target already: left as they were
    inline: int = 0  # inline codes in the source: left for the translator
    skipped: int = 0  # translate="no", or no source text

    def add(self, other: UnitCounts) -> None:
        for key in vars(self):
            setattr(self, key, getattr(self, key) + getattr(other, key))


@dataclass
class Unit:
    """One place a draft goes: a 1.2 `<trans-unit>` (or a segment of it), a 2.x `<segment>`,
    and its source."""

    element: etree._Element
    source: str
    lang: str  # the target language to tag the draft with (1.2)
    slot: tuple[int, ...] | None = None  # where the text sits among inline codes (_text_places)
    segment: etree._Element | None = None  # a segmented unit's `<mrk mtype="seg">` (seg-source)
    codes: list | None = None  # the source's codes, `source` naming them [x1], [x2], …


class XliffJob:
    """An XLIFF file to pre-translate: `units` (where drafts go, in document order), `counts`,
    `version` ("1.2", "2.1", …); `fill` each unit, then `to_bytes`."""

    def __init__(self, path: str, data: bytes):
        self.path = path
        refuse_entity_bytes(path, data[:4096])
        parser = etree.XMLParser(strip_cdata=False, **PARSE_OPTIONS)
        try:
            self.tree = etree.parse(io.BytesIO(data), parser)
        except etree.XMLSyntaxError as exc:
            raise FormatError(f"{path}: not well-formed XLIFF: {xml_error(exc)}") from exc
        root = self.tree.getroot()
        check_root(path, root)
        self.ns = etree.QName(root).namespace
        self.version = root.get("version", "")
        self.bom = data.startswith(codecs.BOM_UTF8)
        declaration = _DECLARATION.match(data.removeprefix(codecs.BOM_UTF8))
        self.declaration = declaration.group() if declaration else b""
        self.counts = UnitCounts()
        self.units: list[Unit] = []
        if self.ns == NS12:
            self._find_12(root)
        else:
            self._find_20(root)

    def _find_12(self, root) -> None:
        for file in root.iter(f"{{{NS12}}}file"):
            src, tgt = file.get("source-language"), file.get("target-language")
            check_languages(self.path, src, tgt, "zh", "en")
            for unit in file.iter(f"{{{NS12}}}trans-unit"):
                source = unit.find(f"{{{NS12}}}source")
                target = unit.find(f"{{{NS12}}}target")
                segmented = unit.find(f"{{{NS12}}}seg-source")
                if segmented is None:
                    self._classify(unit, unit, source, target, True, tgt)
                else:
                    self._classify_segments(unit, segmented, target, tgt or TARGET_LANG)

    def _find_20(self, root) -> None:
        check_languages(self.path, root.get("srcLang"), root.get("trgLang"), "zh", "en")
        for unit in root.iter(f"{{{NS20}}}unit"):
            for segment in unit.findall(f"{{{NS20}}}segment"):
                source = segment.find(f"{{{NS20}}}source")
                target = segment.find(f"{{{NS20}}}target")
                self._classify(unit, segment, source, target, True, root.get("trgLang"))

    def _classify(self, unit, place, source, target, plain: bool, lang: str | None) -> None:
        """Count the place, and keep it in `units` if a draft goes there."""
        text = _text(source)
        if not _translatable(unit) or not text.strip():
            self.counts.skipped += 1
        elif _text(target).strip() and not copied_source(text, _text(target)):
            self.counts.done += 1
        elif not plain:
            self.counts.inline += 1
        elif not _has_elements(source) and not _has_elements(target):
            self.units.append(Unit(place, text, lang or TARGET_LANG))
        elif (slot := _edge_slot(source, target)) is not None:
            text = _slot_text(source, slot)
            self.units.append(Unit(place, text, lang or TARGET_LANG, slot))
        elif (named := _placeholders(source, target)) is not None:
            self.units.append(Unit(place, named[0], lang or TARGET_LANG, codes=named[1]))
        else:
            self.counts.inline += 1

    def _classify_segments(self, unit, segmented, target, lang: str) -> None:
        """Keep in `units` each segment of a segmented 1.2 unit that a draft goes to, and
        count the unit once: translated if a segment is drafted (counted on filling), else
        inline if a segment is left for its codes, else done (segments translated or locked)."""
        segments = _segments(segmented)
        if not _translatable(unit) or not _text(segmented).strip():
            self.counts.skipped += 1
            return
        if not segments:
            self.counts.inline += 1  # a segment inside a code or an annotation
            return
        marks = {} if target is None else {m.get("mid"): m for m in _seg_marks(target)}
        whole = _text(target)
        if not marks and whole.strip() and not copied_source(_text(segmented), whole):
            self.counts.done += 1  # translated, not in segments: the translator's
            return
        sdl = {s.get("id"): s for s in unit.iterfind(f"{{{SDL}}}seg-defs/{{{SDL}}}seg")}
        drafted = len(self.units)
        left = 0
        for mark in segments:
            text, there = _text(mark), marks.get(mark.get("mid"))
            seg = sdl.get(mark.get("mid"))
            if not text.strip() or (seg is not None and seg.get("locked") == "true"):
                continue  # (Trados locks a segment against changes)
            if marks and there is None:
                left += 1  # no place for it among the target's segments
            elif _text(there).strip() and not copied_source(text, _text(there)):
                continue  # translated
            elif not _has_elements(mark) and not _has_elements(there):
                self.units.append(Unit(unit, text, lang, segment=mark))
            elif (slot := _edge_slot(mark, there)) is not None:
                self.units.append(Unit(unit, _slot_text(mark, slot), lang, slot, mark))
            elif (named := _placeholders(mark, there)) is not None:
                self.units.append(Unit(unit, named[0], lang, segment=mark, codes=named[1]))
            else:
                left += 1
        if len(self.units) == drafted:
            if left:
                self.counts.inline += 1
            else:
                self.counts.done += 1

    def fill(self, unit: Unit, pair: Pair) -> bool:
        """Write `pair`'s draft (origin mt or gloss, score, meta engine) as `unit`'s target;
        False (nothing written) where a draft of placeholders lost, repeated or invented one."""
        pieces = None if unit.codes is None else _placed(xml_safe(pair.tgt), unit.codes)
        if unit.codes is not None and pieces is None:
            return False
        place, ns = unit.element, self.ns
        source = place.find(f"{{{ns}}}source")
        target = place.find(f"{{{ns}}}target")
        if target is None:
            target = etree.Element(f"{{{ns}}}target")
            segmented = place.find(f"{{{ns}}}seg-source")
            _insert_after(source if segmented is None else segmented, target)
        draft_in = target
        if unit.segment is not None:  # its segment's mrk in the target, and its sdl:seg
            source, draft_in = unit.segment, _target_mark(place, target, unit.segment)
            _sdl_draft(place, unit.segment.get("mid"), pair)
        if pieces is not None:
            draft_in.text = pieces[0]
            draft_in[:] = pieces[1:]
        elif unit.slot is None:
            draft_in.text = xml_safe(pair.tgt)
        else:
            _with_codes(source, draft_in, unit.slot, xml_safe(pair.tgt))
        if ns == NS12:
            target.attrib.pop("state-qualifier", None)  # a copied source's, if any
            target.attrib.update(state_12(pair))
            target.set(XML_LANG, target.get(XML_LANG) or unit.lang)
            if place.get("extradata") is None:  # never overwrite a CAT tool's own
                place.set("extradata", urlencode(unit_metadata(pair)))
            note = etree.Element(f"{{{ns}}}note", {"from": "duiyi"})
            where = "" if unit.segment is None else f"segment {unit.segment.get('mid')}: "
            note.text = xml_safe(where + note_text(pair))
            anchor = target  # after the target and the notes of the unit's segments before
            while (after := anchor.getnext()) is not None and after.get("from") == "duiyi":
                anchor = after
            _insert_after(anchor, note)
        else:
            place.set("state", state_20(pair))
            root = self.tree.getroot()
            root.set("trgLang", root.get("trgLang") or TARGET_LANG)  # required with targets
            self._note_20(place, pair)
        return True

    def _note_20(self, segment, pair: Pair) -> None:
        """A duiyi note in the segment's unit (2.x notes belong to units: one naming the
        segment where the unit has several)."""
        unit = segment.getparent()
        notes = unit.find(f"{{{NS20}}}notes")
        if notes is None:
            notes = etree.Element(f"{{{NS20}}}notes")
            # notes come after modules' elements, before originalData and the segments
            first = next((c for c in unit if c.tag in _AFTER_NOTES), None)
            if first is None:
                unit.append(notes)
            else:
                _insert_before(first, notes)
        note = etree.SubElement(notes, f"{{{NS20}}}note", category="duiyi", appliesTo="target")
        several = len(unit.findall(f"{{{NS20}}}segment")) > 1
        where = f"segment {segment.get('id', '?')}: " if several else ""
        note.text = xml_safe(where + note_text(pair))

    def to_bytes(self) -> bytes:
        """The file as it was, drafts in: its encoding, and for UTF-8 its byte-order mark and
        XML declaration as they were; a newline at the end."""
        encoding = self.tree.docinfo.encoding or "UTF-8"
        if encoding.upper() not in ("UTF-8", "UTF8"):  # (UTF-16: lxml writes its declaration)
            body = etree.tostring(self.tree, encoding=encoding, xml_declaration=True)
            return body + "\n".encode(encoding)
        body = etree.tostring(self.tree, encoding="UTF-8", xml_declaration=False)
        head = (codecs.BOM_UTF8 if self.bom else b"") + self.declaration
        return head + (b"\n" if self.declaration else b"") + body + b"\n"


_DECLARATION = re.compile(rb"<\?xml[^>]*\?>")
SDL = "http://sdl.com/FileTypes/SdlXliff/1.0"  # Trados' SDLXLIFF: each segment's status
_AFTER_NOTES = {f"{{{NS20}}}{name}" for name in ("originalData", "segment", "ignorable")}


def _text(el) -> str:
    return "" if el is None else "".join(el.itertext())


def _has_elements(el) -> bool:
    """Whether `el` holds elements (inline codes), not only text (and comments)."""
    return el is not None and any(isinstance(child.tag, str) for child in el)


# Inline codes whose content is native code, never text to translate (a 1.2 <sub> in one is);
# not annotations (<mrk>, <sm/>), which may mark their text translate="no"
_CODES = {f"{{{NS12}}}{name}" for name in ("x", "bx", "ex", "ph", "bpt", "ept", "it")} | {
    f"{{{NS20}}}{name}" for name in ("ph", "sc", "ec")
}
_WRAPPERS = {f"{{{NS12}}}g", f"{{{NS20}}}pc"}  # codes around text: their content is text


def _text_places(el, path: tuple[int, ...] = ()) -> list[tuple[int, ...]] | None:
    """The places of `el`'s text that is not blank, in document order: the child indices down
    to the element that holds it, then -1 (its text) or i (the tail of its child i). None where
    `el` holds anything but codes and wrappers (`<mrk>`, a comment, a `<sub>` in a code)."""
    places = [(*path, -1)] if el.text and el.text.strip() else []
    for i, kid in enumerate(el):
        if kid.tag in _WRAPPERS:
            inner = _text_places(kid, (*path, i))
            if inner is None:
                return None
            places += inner
        elif kid.tag not in _CODES or len(kid):
            return None
        if kid.tail and kid.tail.strip():
            places.append((*path, i))
    return places


def _edge_slot(source, target) -> tuple[int, ...] | None:
    """Where the text of a `source` with inline codes is, if they are all at its edges (its
    text is in one place: codes before it, after it, or around it) and `target` is empty or
    the source copied, codes and all; else None (left for the translator)."""
    places = _text_places(source)
    if places is None or len(places) != 1:
        return None
    if _has_elements(target) and _content(target) != _content(source):
        return None
    return places[0]


def _content(el) -> str:
    return (el.text or "") + "".join(etree.tostring(kid, encoding="unicode") for kid in el)


def _holder(el, slot: tuple[int, ...]):
    """The element holding the text at `slot`, and -1 (its text) or the child of its tail."""
    for i in slot[:-1]:
        el = el[i]
    return el, slot[-1]


def _slot_text(el, slot: tuple[int, ...]) -> str:
    holder, i = _holder(el, slot)
    return holder.text if i < 0 else holder[i].tail


def _with_codes(source, target, slot: tuple[int, ...], draft: str) -> None:
    """Make `target` the `source` (its codes deep copies, ids and content as they are) with
    `draft` in place of its text, the text's blank ends kept (a space after a tag stays)."""
    target.text = source.text
    target[:] = [copy.deepcopy(kid) for kid in source]
    text = _slot_text(source, slot)
    draft = text[: len(text) - len(text.lstrip())] + draft + text[len(text.rstrip()) :]
    holder, i = _holder(target, slot)
    if i < 0:
        holder.text = draft
    else:
        holder[i].tail = draft


PLACEHOLDER = re.compile(r"\[x(\d+)\]")
# Codes a draft may move freely; the others (paired: 1.2 bpt/ept, bx/ex, it; 2.x sc/ec) keep
# their order, so that a code never ends before it starts
_STANDALONE = {f"{{{NS12}}}x", f"{{{NS12}}}ph", f"{{{NS20}}}ph"}


def _placeholders(source, target) -> tuple[str, list] | None:
    """`source`'s text with its codes named [x1], [x2], … in document order, and the codes, if
    they are all standalone codes (no wrappers), at least one inside the text, the text has no
    [x<digits>] of its own (it would be taken for a code) and `target` is empty or the source
    copied; else None (left for the translator)."""
    places = _text_places(source)
    if places is None or len(places) < 2 or any(kid.tag in _WRAPPERS for kid in source):
        return None  # codes only at the edges (_edge_slot's), or wrappers
    if _has_elements(target) and _content(target) != _content(source):
        return None
    pieces = [source.text or ""] + [kid.tail or "" for kid in source]
    if any(PLACEHOLDER.search(piece) for piece in pieces):
        return None
    text = pieces[0] + "".join(f"[x{i}]{tail}" for i, tail in enumerate(pieces[1:], 1))
    return text, list(source)


def _placed(draft: str, codes: list) -> list | None:
    """The target's content for `draft` of placeholders: its text before the first code, then
    deep copies of `codes` in the draft's order, each with the draft's text after it as its
    tail; None unless each placeholder is in the draft once, no other, and paired codes keep
    their order."""
    parts = PLACEHOLDER.split(draft)  # text, number, text, number, …, text
    order = [int(n) for n in parts[1::2]]
    if sorted(order) != list(range(1, len(codes) + 1)):
        return None
    paired = [n for n in order if codes[n - 1].tag not in _STANDALONE]
    if paired != sorted(paired):
        return None
    content = [parts[0] or None]
    for n, tail in zip(order, parts[2::2], strict=True):
        code = copy.deepcopy(codes[n - 1])
        code.tail = tail or None
        content.append(code)
    return content


def _seg_marks(el) -> list:
    return [m for m in el.iter(f"{{{NS12}}}mrk") if m.get("mtype") == "seg"]


def _segments(segmented) -> list:
    """The `<mrk mtype="seg">` segments of a `<seg-source>`; none where one is inside anything
    but `<g>` wrappers (as Trados puts around segments)."""
    marks = _seg_marks(segmented)
    for mark in marks:
        if mark.get("mid") is None:
            return []  # nothing to find its target by
        for up in mark.iterancestors():
            if up is segmented:
                break
            if up.tag not in _WRAPPERS:
                return []
    return marks


def _target_mark(place, target, segment):
    """The target's `<mrk mtype="seg">` with `segment`'s mid; a target without segments (it
    is empty) first made a copy of the seg-source with every segment empty."""
    marks = {m.get("mid"): m for m in _seg_marks(target)}
    if not marks:
        segmented = place.find(f"{{{NS12}}}seg-source")
        target.text = segmented.text
        target[:] = [copy.deepcopy(kid) for kid in segmented]
        for mark in _seg_marks(target):
            mark.text = None
            mark[:] = []
        marks = {m.get("mid"): m for m in _seg_marks(target)}
    return marks[segment.get("mid")]


def _sdl_draft(place, mid: str, pair: Pair) -> None:
    """Mark a Trados segment's `sdl:seg` (made if an SDLXLIFF lacks it) a draft as MT plug-ins do:
    `conf="Draft"`, for MT `origin="mt"` and `origin-system`; glosses are no MT (no origin),
    and a TM match's percent no longer describes the segment."""
    segs = place.iterfind(f"{{{SDL}}}seg-defs/{{{SDL}}}seg")
    seg = next((s for s in segs if s.get("id") == mid), None)
    if seg is None:
        if SDL not in place.nsmap.values():
            return  # not Trados' file (Okapi's segments): no sdl:seg to keep up
        seg = etree.SubElement(_seg_defs(place), f"{{{SDL}}}seg", id=mid)
    for name in ("origin", "origin-system", "percent"):
        seg.attrib.pop(name, None)
    seg.set("conf", "Draft")
    if pair.origin == "mt":
        seg.set("origin", "mt")
        seg.set("origin-system", f"duiyi {(pair.meta or {}).get('engine', '')}".strip())


def _seg_defs(place) -> etree._Element:
    """The unit's `sdl:seg-defs`, made if missing (after its target, where Trados writes it)."""
    defs = place.find(f"{{{SDL}}}seg-defs")
    if defs is None:
        defs = etree.Element(f"{{{SDL}}}seg-defs")
        _insert_after(place.find(f"{{{NS12}}}target"), defs)
    return defs


def _translatable(elem) -> bool:
    """Whether the nearest `translate` attribute (the element's or an ancestor's) allows it."""
    for node in (elem, *elem.iterancestors()):
        if node.get("translate") is not None:
            return node.get("translate") != "no"
    return True


def _insert_after(anchor, new) -> None:
    """Insert `new` after `anchor`, indented as `anchor` is (where the file is indented)."""
    new.tail = anchor.tail
    previous = anchor.getprevious()
    indent = previous.tail if previous is not None else anchor.getparent().text
    if indent is not None and not indent.strip():
        anchor.tail = indent
    anchor.addnext(new)


def _insert_before(anchor, new) -> None:
    """Insert `new` before `anchor`, indented as `anchor` is."""
    previous = anchor.getprevious()
    indent = previous.tail if previous is not None else anchor.getparent().text
    new.tail = indent if indent is not None and not indent.strip() else None
    anchor.addprevious(new)
