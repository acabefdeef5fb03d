"""A fast path for reading the `<tu>` units duiyi writes, one regular expression each.

libxml2 building a tree costs more per unit than everything else in reading a TMX. Most
files duiyi imports are its own exports, whose units all have one shape:

    <tu tuid="7" creationdate="…" changedate="…" changeid="…"><prop type="x-score">…</prop>…
    <prop type="x-status">…</prop><tuv xml:lang="zh-CN"><seg>text</seg></tuv>
    <tuv xml:lang="en-US"><seg>text</seg></tuv></tu>

(the attributes, in that order and with a creationid after the creationdate and a srclang
last, where a unit's source is not the header's (ignored: the tuvs tell), and the props
may be missing, and whitespace may stand between the elements, as in the plain units
translate-toolkit writes). `CanonicalUnits.pair` reads that shape from
the raw UTF-8 bytes, and only where what it matches is well-formed XML that means what it
reads: texts of plain characters and the five predefined or numeric character references
(checked to name XML 1.0 characters), attribute values without tabs or line breaks (which
a parser would normalize) and with references only in creationid and changeid (user names,
`changeid="a &gt; b"`), no `>` or carriage return in texts, valid UTF-8, no U+FFFE/U+FFFF. Anything else, comments, CDATA, notes, inline codes, other props, attributes or
languages, a blank text, is "not canonical": the reader hands that unit to lxml instead, so
the result is always what the XML parser would give.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime

from duiyi.corpus.model import ORIGINS, STATUSES, Pair, primary_subtag

_ATTR = rb'[^"<&\x00-\x1f]*'
_CHARS = rb"[^<&>\x00-\x08\x0b-\x1f]*"
_REF = rb"&(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});"
_TEXT = _CHARS + rb"(?:" + _REF + _CHARS + rb")*"
# creationid and changeid (user names): with the references the writer's escaping makes
_ATTR_TEXT = _ATTR + rb"(?:" + _REF + _ATTR + rb")*"
_WS = rb"[ \t\r\n]*"  # whitespace between elements: ignored by the reader
# Groups: tuid (printable ASCII), x-score (what repr(float) writes), the labels x-bead to
# x-status as one stretch (they repeat: a cache key), the two languages and texts. The
# attributes and props are optional, and whitespace may stand between the elements: the
# plain units translate-toolkit and similar tools write have the same shape.
CANONICAL_TU = re.compile(
    _WS
    + rb'<tu(?: tuid="([ !#-%\'-;=?-~]*)")?(?: creationdate="([0-9TZ]{0,32})")?'
    + rb'(?: creationid="('
    + _ATTR_TEXT
    + rb')")?(?: changedate="([0-9TZ]{0,32})")?(?: changeid="('
    + _ATTR_TEXT
    + rb')")?(?: srclang="'
    + _ATTR
    + rb'")?>'
    + _WS
    + rb'(?:(?:<prop type="x-score">([0-9a-z.+-]{0,40})</prop>)?'
    rb'(<prop type="x-bead">' + _TEXT + rb'</prop><prop type="x-origin">' + _TEXT + rb"</prop>"
    rb'(?:<prop type="x-document">' + _TEXT + rb"</prop>)?"
    rb'<prop type="x-status">' + _TEXT + rb"</prop>)" + _WS + rb")?"
    rb'<tuv xml:lang="('
    + _ATTR
    + rb')">'
    + _WS
    + rb"<seg>("
    + _TEXT
    + rb")</seg>"
    + _WS
    + rb"</tuv>"
    + _WS
    + rb'<tuv xml:lang="('
    + _ATTR
    + rb')">'
    + _WS
    + rb"<seg>("
    + _TEXT
    + rb")</seg>"
    + _WS
    + rb"</tuv>"
    + _WS
    + rb"</tu>"
)
_LABELS = re.compile(
    rb'<prop type="x-bead">(' + _TEXT + rb')</prop><prop type="x-origin">(' + _TEXT + rb")</prop>"
    rb'(?:<prop type="x-document">(' + _TEXT + rb")</prop>)?"
    rb'<prop type="x-status">(' + _TEXT + rb")</prop>"
)
_REFERENCE = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


class NotCanonical(Exception):
    """The unit is not in duiyi's own shape: lxml reads it."""


def _character(match: re.Match) -> str:
    name = match.group(1)
    if name[0] != "#":
        return _NAMED[name]
    code = int(name[2:], 16) if name[1] == "x" else int(name[1:])
    if not (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    ):
        raise NotCanonical  # not an XML 1.0 character: lxml reports the error
    return chr(code)


def xml_chars(raw: bytes) -> str:
    """The text that XML character data `raw` (matched by `_TEXT`) stands for."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotCanonical from exc
    if "&" in text:
        text = _REFERENCE.sub(_character, text)
    if "\ufffe" in text or "\uffff" in text:
        raise NotCanonical
    return text


class CanonicalUnits:
    """Turns units in duiyi's shape into pairs, as `TmxReader._pair` would."""

    def __init__(self, src: str, tgt: str, default_origin: str, tags: set[tuple[str, str]]):
        self.src, self.tgt, self.default_origin = src, tgt, default_origin
        self.tags = tags  # the (source, target) language codes of the units read: added to
        # (bead, origin, document, status, lang, lang) bytes -> labels, whether the first
        # tuv is the target and the two codes: they repeat from unit to unit.
        self._labels: dict[tuple, tuple[str, str, str, str, bool, tuple[str, str]]] = {}

    def labels(self, key: tuple[bytes, bytes, bytes]) -> tuple:
        """bead, origin, document, status, whether the first tuv is the target's, and the
        (source, target) language codes."""
        props, lang1, lang2 = key
        bead = origin = document = status = None
        if props is not None:
            bead, origin, document, status = (
                None if raw is None else xml_chars(raw) for raw in _LABELS.fullmatch(props).groups()
            )
        codes = xml_chars(lang1), xml_chars(lang2)
        first, second = primary_subtag(codes[0]), primary_subtag(codes[1])
        if self.src == self.tgt:  # zh-CN → zh-TW: the full codes decide, as lxml's path reads
            raise NotCanonical
        if (first, second) == (self.src, self.tgt):
            swapped = False
        elif (first, second) == (self.tgt, self.src):
            swapped = True
        else:
            raise NotCanonical
        if len(self._labels) >= 4096:
            self._labels.clear()
        value = (
            bead or "1-1",
            origin if origin in ORIGINS else self.default_origin,
            document or "",
            status if status in STATUSES else "pending",
            swapped,
            codes[::-1] if swapped else codes,
        )
        self._labels[key] = value
        return value

    def pair(self, match: re.Match) -> Pair:
        """The pair a `CANONICAL_TU` match holds; `NotCanonical` where lxml must decide."""
        tuid, created, creator, changed, changer, score, props, lang1, text1, lang2, text2 = (
            match.groups()
        )
        key = (props, lang1, lang2)
        labels = self._labels.get(key) or self.labels(key)
        try:  # xml_chars, inlined for the common case
            first, second = text1.decode(), text2.decode()
        except UnicodeDecodeError as exc:
            raise NotCanonical from exc
        if "&" in first or "\ufffe" in first or "\uffff" in first:
            first = xml_chars(text1)
        if "&" in second or "\ufffe" in second or "\uffff" in second:
            second = xml_chars(text2)
        if labels[4]:
            first, second = second, first
        if not first or not second or first.isspace() or second.isspace():
            raise NotCanonical  # skipped and counted by the general path
        if score is not None:
            try:
                score = float(score)  # ASCII: as float() of the text
            except ValueError as exc:
                raise NotCanonical from exc  # lxml's path names the unit in its error
            if not 0 <= score <= 1:  # (NaN too)
                raise NotCanonical
        if tuid is not None:
            tuid = tuid.decode()
        meta = {"creationid": xml_chars(creator)} if creator else {}
        self.tags.add(labels[5])
        return Pair(
            first,
            second,
            score,
            labels[0],
            labels[1],
            labels[2],
            labels[3],
            None,
            tuid,
            meta,
            iso_date(created.decode()) if created else "",
            iso_date(changed.decode()) if changed else "",
            xml_chars(changer) if changer else "",
            *labels[5],
        )


_TMX_DATE = re.compile(r"[0-9]{8}T[0-9]{6}Z")


@functools.lru_cache(maxsize=4096)
def iso_date(value: str | None) -> str:
    """A TMX date (`YYYYMMDDThhmmssZ`, UTC) as the store writes dates (`2026-01-02T03:04:05Z`);
    "" when it is no such date."""
    if not value or not _TMX_DATE.fullmatch(value):
        return ""
    try:
        datetime.strptime(value, "%Y%m%dT%H%M%SZ")
    except ValueError:  # month 13, 30 February, …
        return ""
    v = value
    return f"{v[:4]}-{v[4:6]}-{v[6:8]}T{v[9:11]}:{v[11:13]}:{v[13:15]}Z"
