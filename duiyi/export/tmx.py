"""TMX 1.4b: a streaming writer and a safe streaming reader.

Writer: the header attributes the DTD requires, the run signature as a header prop, one `<tu>`
per pair with a `tuid` and props x-score, x-bead, x-origin, x-document, x-status; UTF-8 without
BOM; UTC dates; text stripped of what XML 1.0 forbids. Valid against tmx14.dtd. The units are
written as strings escaped exactly as lxml escapes (tests compare the bytes with lxml's).
A unit's creationdate is the pair's creation (`Pair.created`, a stored bead's), else the
file's date; changedate and changeid its last change and who made it (a bead's reviewer);
what the pair's meta kept from another tool's TMX comes back: creationid, text props, notes.

Reader: lxml's pull parser with entities unresolved, no network, no DTD loading and libxml2's
size limits on; a DOCTYPE that declares entities is refused before parsing. Tolerates TMX
1.1–1.4, `lang` for `xml:lang`, UTF-16 with a BOM (memoQ), and reads inline codes
(`<bpt>/<ept>/<ph>/<it>/<ut>/<hi>/<sub>`) as their text (a code without text, and the space
it doubled, leaves nothing), their markup kept in `Pair.meta` for the writer to give back
while the text is unchanged (see `inline`). Dates, users, props and notes come back as the
writer takes them: `Pair.created`/`changed`/`changed_by`, and in `Pair.meta` creationid,
each other prop under its type and `notes` (a list). Units lacking either language are
skipped and counted (`TmxReader.skipped`); an `x-score` that is not a confidence in [0, 1] is
refused, naming the unit. Units in duiyi's own shape are read from the bytes
by `tmx_scan` (3× faster), only where the result is the one lxml would give.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import IO

from lxml import etree

from duiyi import __version__
from duiyi.corpus.model import (
    ORIGINS,
    STATUSES,
    Pair,
    is_language_tag,
    language_code,
    primary_subtag,
)
from duiyi.corpus.read import BOMS
from duiyi.errors import FormatError

from .base import (
    Output,
    PairFormat,
    PairReader,
    checked_score,
    open_output,
    refuse_entities,
    wrong_root,
    xml_error,
    xml_safe,
)
from .inline import dropped_codes, flat_text, keep_codes, kept_codes, seg_xml
from .tmx_scan import CANONICAL_TU, CanonicalUnits, NotCanonical, iso_date

log = logging.getLogger(__name__)

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PROP_KEYS = {"x-score", "x-bead", "x-origin", "x-document", "x-status"}
PROLOG_LIMIT = 1 << 20  # a TMX whose root element starts later than this is refused
_WINDOW = 1 << 20  # bytes read at a time
# A unit longer than this is left to lxml (and its size limits): what the fast path matches
# lies within _SCAN_LIMIT + _WINDOW bytes, under libxml2's 10,000,000-byte text limit, so it
# never takes a text that lxml would refuse.
_SCAN_LIMIT = 8 << 20
_FEED = 1 << 16  # bytes fed to lxml at a time
_MAX_MISSES = 64  # units in a row not in duiyi's shape: lxml reads the rest of the file
# A `<tu>` end tag (`</tu>`, `</tu >`), not the `</tuv>` every unit holds.
_TU_END = re.compile(rb"</tu[ \t\r\n>]")


def tmx_date(when: float | None = None) -> str:
    """A TMX date, `YYYYMMDDThhmmssZ` in UTC (SOURCE_DATE_EPOCH fixes it for reproducible files)."""
    if when is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
        when = float(epoch) if epoch.isdigit() else time.time()
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(when))


class TmxFormat(PairFormat):
    """TMX 1.4b translation memories, as CAT tools (OmegaT, Trados, memoQ) exchange them."""

    name = "tmx"
    extensions = (".tmx",)

    def write(
        self,
        pairs: Iterable[Pair],
        path: Output,
        *,
        src_lang: str = "zh-CN",
        tgt_lang: str = "en-US",
        signature: str = "",
    ) -> int:
        with open_output(path, "wb") as out:
            return write_tmx(pairs, out, src_lang=src_lang, tgt_lang=tgt_lang, signature=signature)

    def read(
        self, path: str, *, src_lang: str | None = None, tgt_lang: str | None = None
    ) -> TmxReader:
        return TmxReader(path, src_lang=src_lang, tgt_lang=tgt_lang)


def write_tmx(
    pairs: Iterable[Pair],
    out: IO[bytes],
    *,
    src_lang: str = "zh-CN",
    tgt_lang: str = "en-US",
    signature: str = "",
    date: str | None = None,
) -> int:
    """Stream `pairs` as TMX 1.4b into the binary stream `out`; the number of `<tu>` written.

    The units are written as strings (`xml_text`/`xml_attr` escape exactly as lxml does; a
    test checks the bytes against lxml's serialization), in chunks of 128 units:
    building or filling lxml elements per pair cost several times more.
    """
    date = date or tmx_date()
    header = etree.Element(
        "header",
        creationtool="duiyi",
        creationtoolversion=__version__,
        segtype="sentence",
        **{"o-tmf": "duiyi", "adminlang": "en-US", "srclang": src_lang},
        datatype="plaintext",
        creationdate=date,
    )
    if signature:
        _prop(header, "x-signature", signature)
    out.write(
        b"<?xml version='1.0' encoding='utf-8'?>\n"
        b'<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n<tmx version="1.4">\n'
        + etree.tostring(header, encoding="utf-8")
        + b"\n<body>\n"
    )
    units = _TuWriter(src_lang, tgt_lang, date)
    chunk: list[str] = []
    n = 0
    for pair in pairs:
        n += 1
        chunk.append(units.tu(pair, n))
        if len(chunk) == 128:  # small chunks: joining and encoding stay in cache
            out.write("".join(chunk).encode("utf-8"))
            chunk.clear()
    out.write(("".join(chunk) + "</body>\n</tmx>\n").encode("utf-8"))
    if units.lost:
        log.warning(
            "wrote %d segment%s without the inline codes its import kept: its text was "
            "edited since (or its kept codes are not valid TMX)",
            units.lost,
            "" if units.lost == 1 else "s",
        )
    return n


def _prop(parent: etree._Element, kind: str, value: str) -> etree._Element:
    prop = etree.SubElement(parent, "prop", type=kind)
    prop.text = xml_safe(value)
    return prop


def xml_text(text: str) -> str:
    """`text` as XML character data, escaped as lxml escapes it (XML-forbidden chars dropped).

    `>` is escaped too, so `]]>` cannot appear; `\\r` becomes `&#13;` so that it survives
    the parser's line-end normalization.
    """
    text = xml_safe(text)
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text


def xml_attr(value: str) -> str:
    """`value` as a double-quoted XML attribute value, escaped as lxml escapes it.

    Tabs and line breaks become character references: a parser would turn them into spaces.
    """
    value = xml_text(value)
    if '"' in value:
        value = value.replace('"', "&quot;")
    if "\t" in value:
        value = value.replace("\t", "&#9;")
    if "\n" in value:
        value = value.replace("\n", "&#10;")
    return value


class _TuWriter:
    """One pair as a `<tu>` string; the fragments that repeat from pair to pair are cached."""

    def __init__(self, src_lang: str, tgt_lang: str, date: str):
        self.date = xml_attr(date)
        self.dates: dict[str, str] = {}  # ISO date -> TMX date ("": not a date)
        self.src = f'<tuv xml:lang="{xml_attr(src_lang)}"><seg>'
        self.tgt = f'</seg></tuv><tuv xml:lang="{xml_attr(tgt_lang)}"><seg>'
        self.labels: dict[tuple[str, str, str, str], str] = {}
        self.own: dict[tuple[str, str], tuple[str, str, str]] = {}  # units' own tags
        self.src_lang = src_lang
        self.lost = 0  # sides written without the inline codes their import kept

    def props(self, bead: str, origin: str, document: str, status: str) -> str:
        """The x-bead … x-status props (after x-score), cached: they repeat on most units."""
        key = (bead, origin, document, status)
        text = self.labels.get(key)
        if text is None:
            if len(self.labels) > 4096:
                self.labels.clear()
            text = f'<prop type="x-bead">{xml_text(bead)}</prop>'
            text += f'<prop type="x-origin">{xml_text(origin)}</prop>'
            if document:
                text += f'<prop type="x-document">{xml_text(document)}</prop>'
            text += f'<prop type="x-status">{xml_text(status)}</prop>'
            self.labels[key] = text
        return text

    def tmx_date(self, iso: str) -> str:
        """A stored date (`2026-01-02T03:04:05Z`) as a TMX date; "" when it is none."""
        date = self.dates.get(iso)
        if date is None:
            if len(self.dates) > 4096:
                self.dates.clear()
            date = iso.replace("-", "").replace(":", "")
            self.dates[iso] = date if iso_date(date) else ""
        return self.dates[iso]

    def tu(self, pair: Pair, n: int) -> str:
        """The unit: its creation date the pair's (else the file's), its last change and
        who made it when known, duiyi's props, other tools' props and notes kept in its meta."""
        tuid = xml_attr(pair.id) if pair.id else str(n)
        attrs = f' creationdate="{pair.created and self.tmx_date(pair.created) or self.date}"'
        meta = pair.meta
        if meta and isinstance(creator := meta.get("creationid"), str) and creator:
            attrs += f' creationid="{xml_attr(creator)}"'
        if pair.changed and (changed := self.tmx_date(pair.changed)):
            attrs += f' changedate="{changed}"'
        if pair.changed_by:
            attrs += f' changeid="{xml_attr(pair.changed_by)}"'
        score = pair.score
        score = "" if score is None else f'<prop type="x-score">{float(score)!r}</prop>'
        props = self.props(pair.bead, pair.origin, pair.document, pair.status)
        if meta:
            props += _foreign(meta)
        src, tgt = self.src, self.tgt
        if pair.src_lang or pair.tgt_lang:  # the unit's own (a file that mixed zh-CN, zh-TW)
            srclang, src, tgt = self.tuvs(pair.src_lang, pair.tgt_lang)
            attrs += srclang
        codes = kept_codes(meta) if meta else None
        if codes is None:
            src_seg, tgt_seg = xml_text(pair.src), xml_text(pair.tgt)
        else:
            src_seg, tgt_seg = self.segs(codes, pair)
        return (
            f'<tu tuid="{tuid}"{attrs}>{score}{props}{src}{src_seg}'
            f"{tgt}{tgt_seg}</seg></tuv></tu>\n"
        )

    def segs(self, codes: list[str], pair: Pair) -> tuple[str, str]:
        """The contents of the two segs of a pair whose import kept inline codes: a side's
        codes where its text is still theirs, else its text (counted in `lost`)."""
        segs = []
        for inner, text in zip(codes, (pair.src, pair.tgt), strict=True):
            xml = seg_xml(inner, text) if inner else None
            if inner and xml is None:
                self.lost += 1
            segs.append(xml_text(text) if xml is None else xml)
        return segs[0], segs[1]

    def tuvs(self, src_lang: str, tgt_lang: str) -> tuple[str, str, str]:
        """For a unit's own tags (the file's for "" or one that is no language tag), cached:
        its srclang attribute where its source is not the header's (tools that find the
        source tuv by the header's srclang, translate-toolkit, would miss a zh-TW tuv under
        srclang="zh"), and its tuv openings."""
        key = (src_lang, tgt_lang)
        tuvs = self.own.get(key)
        if tuvs is None:
            if len(self.own) > 4096:
                self.own.clear()
            srclang, src, tgt = "", self.src, self.tgt
            if is_language_tag(src_lang):
                src = f'<tuv xml:lang="{xml_attr(src_lang)}"><seg>'
                if src_lang != self.src_lang:
                    srclang = f' srclang="{xml_attr(src_lang)}"'
            if is_language_tag(tgt_lang):
                tgt = f'</seg></tuv><tuv xml:lang="{xml_attr(tgt_lang)}"><seg>'
            tuvs = self.own[key] = (srclang, src, tgt)
        return tuvs


# Pair.meta entries that are no prop of another tool: duiyi's own (the engine has a column
# in the store, the run signature is a header prop; what the XLIFF reader notes of a unit)
# and the unit's creationid attribute.
_NOT_PROPS = PROP_KEYS | {"engine", "signature", "state", "unit", "creationid"}


def _foreign(meta: dict) -> str:
    """The props and notes of other tools a pair's meta keeps (read from a TMX: text props
    under their type, notes as "notes"), as the TMX elements they were."""
    text = "".join(
        f'<prop type="{xml_attr(kind)}">{xml_text(value)}</prop>'
        for kind, value in meta.items()
        if isinstance(value, str) and kind not in _NOT_PROPS
    )
    notes = meta.get("notes")
    if isinstance(notes, str):
        notes = [notes]
    if isinstance(notes, list):
        text += "".join(f"<note>{xml_text(n)}</note>" for n in notes if isinstance(n, str))
    return text


# --- reading -------------------------------------------------------------------------------


class TmxReader(PairReader):
    """Iterate over the pairs of a TMX file; afterwards `read`, `skipped`, `langs`, `header`,
    `signature` (the header's x-signature prop)."""

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        src_lang: str | None = None,
        tgt_lang: str | None = None,
        default_origin: str = "human",
    ):
        self.path = str(path)
        self.src = primary_subtag(src_lang or "zh")
        self.tgt = primary_subtag(tgt_lang or "en")
        # The codes asked for in full ("zh-tw"): a unit holding several variants of a
        # language (zh-CN and zh-TW, en-US and en-GB) gives the one asked for.
        self._src_tag = language_code(src_lang or "zh")
        self._tgt_tag = language_code(tgt_lang or "en")
        self.variant_units = 0  # units holding two tuvs for one side
        self.variants: Counter[str] = Counter()  # their languages
        self.default_origin = default_origin
        self.header: dict[str, str] = {}
        self.header_props: dict[str, str] = {}
        self.read = 0
        self.skipped = 0
        self.codes_dropped = 0  # units whose codes (beyond the limits) were read as text only
        self.signature = ""
        self.langs: Counter[str] = Counter()  # languages of the skipped units
        self.tags: set[tuple[str, str]] = set()  # (source, target) codes of the units read
        self._roles: dict[str, str] = {}  # language code -> "src"/"tgt" ("!": as asked), ""
        self._bad_score: FormatError | None = None  # for the first unit with a bad x-score

    def __iter__(self) -> Iterator[Pair]:
        plain = check_prolog(self.path)
        try:
            yield from self._units(bool(plain))
        except etree.XMLSyntaxError as exc:
            # The fast path skips bytes, so lxml's line numbers may be off: find the error
            # again with lxml alone for the message.
            raise FormatError(
                f"{self.path}: not well-formed TMX: {_diagnose(self.path) or xml_error(exc)}"
            ) from exc
        # Raised once the whole file has parsed: a syntax error anywhere comes first, whether
        # lxml or the fast path read the unit (lxml parses ahead of the units it reports).
        if self._bad_score is not None:
            raise self._bad_score
        if self.skipped:
            log.info(
                "%s: skipped %d units lacking %s or %s", self.path, self.skipped, self.src, self.tgt
            )
        dropped_codes(log, self.path, self.codes_dropped)
        if self.variants:
            log.warning(
                "%s: took the first of several variants of a language (%s) in %d unit%s; "
                "name the one to take in full with --src-lang/--tgt-lang",
                self.path,
                ", ".join(lang for lang, _ in self.variants.most_common(6)),
                self.variant_units,
                "" if self.variant_units == 1 else "s",
            )
        if self.read == 0 and self.skipped:
            found = ", ".join(lang for lang, _ in self.langs.most_common(6))
            raise FormatError(
                f"{self.path}: no translation unit holds both {self.src} and {self.tgt} "
                f"(languages found: {found}); name the pair with --src-lang/--tgt-lang"
            )

    def _units(self, plain: bool) -> Iterator[Pair]:
        """Feed the file to lxml, but let `CanonicalUnits` read the units in duiyi's shape.

        The fast path runs only between two units of `<body>`: where lxml has just reported
        the body's start or a unit's end at exactly the bytes fed so far. lxml still parses
        everything else (prolog, header, other units, the end), so the file is checked for
        well-formedness as a whole. `plain`: UTF-8 without an internal DTD subset.
        """
        parser = etree.XMLPullParser(
            events=("start", "end"),
            tag=("header", "body", "tu"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        canonical = CanonicalUnits(self.src, self.tgt, self.default_origin, self.tags)
        match_unit = CANONICAL_TU.match
        fast_ok = plain  # whether the fast path may still run in this file
        between = False  # lxml stands between two units of <body>, all bytes fed consumed
        body = None
        misses = 0  # units in a row that the fast path left to lxml
        seen = 0
        buf, pos, eof = b"", 0, False
        with open(self.path, "rb") as f:
            while True:
                if between:
                    while (match := match_unit(buf, pos)) is not None:
                        try:
                            pair = canonical.pair(match)
                        except NotCanonical:
                            break
                        pos = match.end()
                        self.read += 1
                        misses = 0
                        yield pair
                left = len(buf) - pos
                if not eof and (
                    left < _WINDOW
                    or fast_ok
                    and left < _SCAN_LIMIT
                    and buf.find(b"</tu>" if body is not None else b"<body>", pos) < 0
                ):
                    data = f.read(_WINDOW)
                    eof = not data
                    buf = buf[pos:] + data
                    pos = 0
                    continue  # (a unit may have been cut off at the window's end)
                # lxml reads the next stretch: up to the end of the next unit (or to the
                # body's start), after which the fast path may take over again.
                end, exact = len(buf), False
                if fast_ok and misses < _MAX_MISSES:
                    marker = b"</tu>" if body is not None else b"<body>"
                    found = buf.find(marker, pos, pos + _SCAN_LIMIT)
                    if found >= 0:
                        end = found + len(marker)
                        # The stretch holds no other `</tu>` (`</tu >`) or `<body` tag: the
                        # event for it is the marker's, at the very end of what lxml read.
                        if body is None:
                            exact = buf.find(b"<body", pos, end) == found
                        else:
                            exact = _TU_END.search(buf, pos, end).start() == found
                elif body is not None:
                    fast_ok = False
                if pos == end and eof:
                    parser.close()
                    return
                between = False
                # In slices: lxml is faster fed a few dozen KB at a time.
                for start in range(pos, end, _FEED):
                    parser.feed(buf[start : min(start + _FEED, end)])
                    between = False
                    for event, elem in parser.read_events():
                        between = False
                        if event == "start":
                            if elem.tag == "body" and body is None:
                                body = elem
                                root = elem.getparent()
                                between = (
                                    exact
                                    and root is not None
                                    and root.getparent() is None
                                    and not elem.attrib
                                    and not elem.nsmap  # no namespaces declared up to here
                                )
                            continue
                        if elem.tag == "header":
                            self.header = dict(elem.attrib)
                            self.header_props = _props(elem)
                            self.signature = self.header_props.get("x-signature", "")
                            continue
                        if elem.tag != "tu":
                            continue
                        # (A unit with children ended with its end tag, not as `<tu/>`.)
                        between = exact and elem.getparent() is body and len(elem) > 0
                        pair = self._pair(elem)
                        misses += 1
                        # Free what we have read, a few hundred units at a time: memory stays
                        # flat however long the file is.
                        seen += 1
                        if seen % 256 == 0 and (parent := elem.getparent()) is not None:
                            # The units before this one (lxml may have built later ones already).
                            del parent[: parent.index(elem)]
                        if pair is not None:
                            self.read += 1
                            yield pair
                pos = end

    def _pair(self, tu: etree._Element) -> Pair | None:
        # One pass over the unit's children; this loop is most of the reading time.
        src_seg = tgt_seg = None
        # Per side: the code of the tuv taken, and of the other variants (zh-CN, zh-TW) met
        taken = {"src": "", "tgt": ""}
        others: dict[str, list[str]] | None = None
        props: dict[str, str] | None = None
        notes: list[str] | None = None
        roles = self._roles
        for child in tu:
            tag = child.tag
            if tag == "prop":
                if props is None:
                    props = {}
                props[child.get("type", "")] = child.text or ""
            elif tag == "note":
                notes = notes or []
                notes.append(child.text or "")
            elif tag == "tuv":
                lang = child.get(XML_LANG) or child.get("lang") or ""
                role = roles.get(lang)
                if role is None:
                    role = roles[lang] = self._role(lang)
                if not role:
                    continue
                side = role[:3]
                if before := taken[side]:  # a second variant: the first stays, unless this
                    others = others or {"src": [], "tgt": []}  # is the code asked for
                    if role[-1] != "!" or roles[before][-1] == "!":
                        others[side].append(lang)
                        continue
                    others[side].append(before)
                taken[side] = lang
                if side == "src":
                    src_seg = _seg(child)
                else:
                    tgt_seg = _seg(child)
        if others:
            self._count_variants(taken, others)
        src = None if src_seg is None else flat_text(src_seg)
        tgt = None if tgt_seg is None else flat_text(tgt_seg)
        if not src or not tgt or not src.strip() or not tgt.strip():
            self.skipped += 1
            for tuv in tu.iterchildren("tuv"):
                self.langs[tuv.get(XML_LANG) or tuv.get("lang") or ""] += 1
            return None
        pair = Pair(src, tgt, None, "1-1", self.default_origin, "", "pending", None, tu.get("tuid"))
        pair.src_lang, pair.tgt_lang = taken["src"], taken["tgt"]
        self.tags.add((taken["src"], taken["tgt"]))
        if props:
            self._apply_props(pair, props)
        if len(tu.attrib) > (pair.id is not None):  # more than a tuid
            self._apply_attributes(pair, tu.attrib)
        if notes:
            pair.meta["notes"] = notes
        if (len(src_seg) or len(tgt_seg)) and not keep_codes(pair, src_seg, tgt_seg):
            self.codes_dropped += 1  # (beyond the limits)
        return pair

    @staticmethod
    def _apply_attributes(pair: Pair, attrib) -> None:
        """The unit's dates and users: creation and last change (creationid goes to meta)."""
        pair.created = iso_date(attrib.get("creationdate"))
        pair.changed = iso_date(attrib.get("changedate"))
        pair.changed_by = attrib.get("changeid", "")
        if creator := attrib.get("creationid"):
            pair.meta["creationid"] = creator

    def _role(self, lang: str) -> str:
        """What a tuv in `lang` gives: "src!"/"tgt!" (the code asked for), "src"/"tgt" (its
        language), "" (neither)."""
        tag = language_code(lang)
        if tag == self._src_tag:
            return "src!"
        if tag == self._tgt_tag:
            return "tgt!"
        key = primary_subtag(lang)
        return "src" if key == self.src else "tgt" if key == self.tgt else ""

    def _count_variants(self, taken: dict[str, str], others: dict[str, list[str]]) -> None:
        """Count a unit where a side was picked among variants by their order alone."""
        guessed = [
            [taken[side], *others[side]]
            for side in ("src", "tgt")
            if others[side] and self._roles[taken[side]][-1] != "!"
        ]
        if guessed:
            self.variant_units += 1
            self.variants.update(lang for langs in guessed for lang in langs)

    def _apply_props(self, pair: Pair, props: dict[str, str]) -> None:
        if "x-score" in props:
            unit = self.read + self.skipped + 1  # (this unit is neither yet)
            tuid = f" (tuid {pair.id})" if pair.id else ""
            try:
                pair.score = checked_score(props["x-score"], f"{self.path}: unit {unit}{tuid}")
            except FormatError as exc:
                self._bad_score = self._bad_score or exc
        if props.get("x-bead"):
            pair.bead = props["x-bead"]
        if props.get("x-origin") in ORIGINS:
            pair.origin = props["x-origin"]
        if props.get("x-status") in STATUSES:
            pair.status = props["x-status"]
        pair.document = props.get("x-document", "")
        pair.meta = {k: v for k, v in props.items() if k not in PROP_KEYS}


def _seg(tuv: etree._Element) -> etree._Element | None:
    """A tuv's seg, if it has one."""
    for seg in tuv:
        if seg.tag == "seg":
            return seg
    return None


def _props(elem: etree._Element) -> dict[str, str]:
    return {
        child.get("type", ""): child.text or ""
        for child in elem
        if isinstance(child.tag, str) and etree.QName(child).localname == "prop"
    }


def check_prolog(path: str) -> bool:
    """Refuse what is not a TMX before parsing: empty, binary, no <tmx> root, entity declarations.

    lxml already leaves entities unresolved; refusing any entity declaration gives a clear
    message for XXE and billion-laughs files instead of a half-read memory. The decision is
    made on the DTD lxml parsed (no text scan of the DOCTYPE, which comments and processing
    instructions can fool). Returns whether the file is plain, UTF-8 without an internal DTD
    subset: only there may `CanonicalUnits` read units.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(PROLOG_LIMIT)
    except IsADirectoryError as exc:
        raise FormatError(f"{path}: a directory, not a TMX file") from exc
    if not head.strip():
        raise FormatError(f"{path}: empty file, not a TMX")
    encoding = next((codec for bom, codec, _ in BOMS if head.startswith(bom)), None)
    if encoding is None:
        if head[:4] in (b"<\x00?\x00", b"<\x00\x00\x00"):
            encoding = "utf-16-le"
        elif head[:4] in (b"\x00<\x00?", b"\x00\x00\x00<"):
            encoding = "utf-16-be"
        else:
            encoding = "utf-8"
    text = head.decode(encoding, errors="replace").lstrip("\ufeff")
    if "\x00" in text or text.count("\ufffd") > len(text) // 20 + 8:
        raise FormatError(f"{path}: binary data, not a TMX (XML) file")
    root, prolog = _parse_prolog(path, head)
    refuse_entities(path, root)
    tag = etree.QName(root).localname.split(":")[-1]
    if tag != "tmx":
        raise wrong_root(path, tag, "<tmx>")
    if namespace := etree.QName(root).namespace:  # no unit would match: none read, no error
        raise FormatError(
            f"{path}: a <tmx> in the XML namespace {namespace} (TMX 2.0?); duiyi reads TMX "
            "1.1–1.4, whose elements have no namespace"
        )
    declared = root.getroottree().docinfo.encoding or "utf-8"
    # Any "[" after the DOCTYPE's start in the bytes up to the root: conservatively an internal
    # subset (it may declare attribute defaults that the fast path would not apply).
    doctype = prolog.find(b"<!DOCTYPE")
    return (
        encoding == "utf-8"
        and declared.lower() in ("utf-8", "utf8")
        and (doctype < 0 or b"[" not in prolog[doctype:])
    )


_PROLOG_STEP = 256  # bytes fed at a time while looking for the root element
# libxml2's errors about entities (amplification is a resource limit) met near the root
_ENTITY_ERRORS = {
    etree.ErrorTypes.ERR_RESOURCE_LIMIT,
    etree.ErrorTypes.ERR_ENTITY_LOOP,
    etree.ErrorTypes.ERR_UNDECLARED_ENTITY,
}


def _parse_prolog(path: str, head: bytes) -> tuple[etree._Element, bytes]:
    """The root element as lxml parses it (its tree's docinfo holds the internal DTD), and the
    bytes fed up to it (the prolog and at most _PROLOG_STEP bytes more)."""
    parser = etree.XMLPullParser(
        events=("start",),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    for end in range(_PROLOG_STEP, len(head) + _PROLOG_STEP, _PROLOG_STEP):
        try:
            parser.feed(head[end - _PROLOG_STEP : end])
            for _event, element in parser.read_events():
                return element, head[:end]
        except etree.XMLSyntaxError as exc:
            if exc.code in _ENTITY_ERRORS:
                raise FormatError(
                    f"{path}: declares XML entities that libxml2 refuses to expand "
                    f"({xml_error(exc)}); refused for safety (entity bombs)"
                ) from exc
            for _event, element in parser.read_events():  # the error lies after the root:
                return element, head[:end]  # reading the units reports it
            raise FormatError(
                f"{path}: no XML root element found, not a TMX file ({xml_error(exc)})"
            ) from exc
    where = "in the file" if len(head) < PROLOG_LIMIT else f"in its first {PROLOG_LIMIT} bytes"
    raise FormatError(f"{path}: no XML root element found {where}, not a TMX file")


def _diagnose(path: str) -> str | None:
    """lxml's own message (with the right line) for the first error in the file, if any."""
    try:
        for _, elem in etree.iterparse(
            path,
            events=("end",),
            tag="tu",
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
        ):
            elem.clear()
            if elem.getprevious() is not None:
                del elem.getparent()[0]
    except etree.XMLSyntaxError as exc:
        return xml_error(exc)
    return None
