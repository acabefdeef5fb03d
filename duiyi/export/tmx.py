"""TMX 1.4b: a streaming writer (lxml's incremental `xmlfile`) and a safe streaming reader.

Writer: the header attributes the DTD requires, the run signature as a header prop, one `<tu>`
per pair with a `tuid` and props x-score, x-bead, x-origin, x-document, x-status; UTF-8 without
BOM; UTC dates; text stripped of what XML 1.0 forbids. Valid against tmx14.dtd.

Reader: `iterparse` with entities unresolved, no network, no DTD loading and libxml2's size
limits on; a DOCTYPE that declares entities is refused before parsing. Tolerates TMX 1.1–1.4,
`lang` for `xml:lang`, UTF-16 with a BOM (memoQ), and keeps inline codes
(`<bpt>/<ept>/<ph>/<it>/<ut>/<hi>/<sub>`) as their text. Units lacking either language are
skipped and counted (`TmxReader.skipped`).
"""

from __future__ import annotations

import codecs
import functools
import logging
import os
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import IO

from lxml import etree

from duiyi import __version__
from duiyi.atomic import atomic_write
from duiyi.corpus.model import ORIGINS, STATUSES, Pair
from duiyi.errors import FormatError

from .base import PairFormat, primary_subtag, xml_safe

log = logging.getLogger(__name__)

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PROP_KEYS = {"x-score", "x-bead", "x-origin", "x-document", "x-status"}
PROLOG_LIMIT = 1 << 20  # a TMX whose root element starts later than this is refused


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
        path: str | None,
        *,
        src_lang: str = "zh-CN",
        tgt_lang: str = "en-US",
        signature: str = "",
    ) -> int:
        with atomic_write(path, "wb") as out:
            return write_tmx(pairs, out, src_lang=src_lang, tgt_lang=tgt_lang, signature=signature)

    def read(
        self, path: str, *, src_lang: str | None = None, tgt_lang: str | None = None
    ) -> Iterator[Pair]:
        return iter(TmxReader(path, src_lang=src_lang, tgt_lang=tgt_lang))


def write_tmx(
    pairs: Iterable[Pair],
    out: IO[bytes],
    *,
    src_lang: str = "zh-CN",
    tgt_lang: str = "en-US",
    signature: str = "",
    date: str | None = None,
) -> int:
    """Stream `pairs` as TMX 1.4b into the binary stream `out`; the number of `<tu>` written."""
    date = date or tmx_date()
    n = 0
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        xf.write_doctype('<!DOCTYPE tmx SYSTEM "tmx14.dtd">')
        with xf.element("tmx", version="1.4"):
            xf.write("\n")
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
            xf.write(header)
            xf.write("\n")
            with xf.element("body"):
                xf.write("\n")
                templates = _TuTemplates(src_lang, tgt_lang, date)
                for pair in pairs:
                    n += 1
                    xf.write(templates.fill(pair, n))
            xf.write("\n")
    return n


def _prop(parent: etree._Element, kind: str, value: str) -> etree._Element:
    prop = etree.SubElement(parent, "prop", type=kind)
    prop.text = xml_safe(value)
    return prop


@functools.lru_cache(maxsize=4096)
def _safe_label(value: str) -> str:
    """`xml_safe` for the few labels that repeat on every unit (origin, status, document)."""
    return xml_safe(value)


class _TuTemplates:
    """Reusable `<tu>` elements, one per shape (with/without score and document).

    Building ten elements per pair dominated export time; filling the texts of a ready-made
    element and letting lxml serialize it is several times faster and escapes the same way.
    """

    def __init__(self, src_lang: str, tgt_lang: str, date: str):
        self.src_lang, self.tgt_lang, self.date = src_lang, tgt_lang, date
        self.shapes: dict[tuple[bool, bool], tuple] = {}

    def _build(self, has_score: bool, has_document: bool) -> tuple:
        tu = etree.Element("tu", tuid="", creationdate=self.date)
        tu.tail = "\n"
        score = _prop(tu, "x-score", "") if has_score else None
        bead, origin = _prop(tu, "x-bead", ""), _prop(tu, "x-origin", "")
        document = _prop(tu, "x-document", "") if has_document else None
        status = _prop(tu, "x-status", "")
        segs = []
        for lang in (self.src_lang, self.tgt_lang):
            tuv = etree.SubElement(tu, "tuv", {XML_LANG: lang})
            segs.append(etree.SubElement(tuv, "seg"))
        return tu, score, bead, origin, document, status, segs[0], segs[1]

    def fill(self, pair: Pair, n: int) -> etree._Element:
        shape = (pair.score is not None, bool(pair.document))
        if shape not in self.shapes:
            self.shapes[shape] = self._build(*shape)
        tu, score, bead, origin, document, status, src, tgt = self.shapes[shape]
        tu.set("tuid", xml_safe(pair.id) if pair.id else str(n))
        if score is not None:
            score.text = repr(float(pair.score))
        bead.text = _safe_label(pair.bead)
        origin.text = _safe_label(pair.origin)
        if document is not None:
            document.text = _safe_label(pair.document)
        status.text = _safe_label(pair.status)
        src.text = xml_safe(pair.src)
        tgt.text = xml_safe(pair.tgt)
        return tu


# --- reading -------------------------------------------------------------------------------


class TmxReader:
    """Iterate over the pairs of a TMX file; afterwards `read`, `skipped`, `langs`, `header`."""

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
        self.default_origin = default_origin
        self.header: dict[str, str] = {}
        self.header_props: dict[str, str] = {}
        self.read = 0
        self.skipped = 0
        self.langs: Counter[str] = Counter()  # languages of the skipped units
        self._keys: dict[str, str] = {}  # language code -> primary subtag

    def __iter__(self) -> Iterator[Pair]:
        check_prolog(self.path)
        with open(self.path, "rb") as f:
            events = etree.iterparse(
                f,
                events=("end",),
                tag=("header", "tu"),
                resolve_entities=False,
                no_network=True,
                load_dtd=False,
                dtd_validation=False,
                huge_tree=False,
                remove_comments=True,
                remove_pis=True,
            )
            seen = 0
            try:
                for _, elem in events:
                    if elem.tag == "header":
                        self.header = dict(elem.attrib)
                        self.header_props = _props(elem)
                        continue
                    pair = self._pair(elem)
                    # Free what we have read: memory stays flat however long the file is.
                    elem.clear(keep_tail=False)
                    seen += 1
                    if seen % 512 == 0:
                        del elem.getparent()[:-1]  # the emptied units before this one
                    if pair is not None:
                        self.read += 1
                        yield pair
            except etree.XMLSyntaxError as exc:
                raise FormatError(f"{self.path}: not well-formed TMX: {_xml_message(exc)}") from exc
        if self.skipped:
            log.info(
                "%s: skipped %d units lacking %s or %s", self.path, self.skipped, self.src, self.tgt
            )
        if self.read == 0 and self.skipped:
            found = ", ".join(lang for lang, _ in self.langs.most_common(6))
            raise FormatError(
                f"{self.path}: no translation unit holds both {self.src} and {self.tgt} "
                f"(languages found: {found}); name the pair with --src-lang/--tgt-lang"
            )

    def _pair(self, tu: etree._Element) -> Pair | None:
        # One pass over the unit's children; this loop is most of the reading time.
        src = tgt = None
        props: dict[str, str] = {}
        keys = self._keys
        for child in tu:
            tag = child.tag
            if tag == "tuv":
                lang = child.get(XML_LANG) or child.get("lang") or ""
                key = keys.get(lang)
                if key is None:
                    key = keys[lang] = primary_subtag(lang)
                if key != self.src and key != self.tgt:
                    continue
                for seg in child:
                    if seg.tag == "seg":
                        text = seg.text or "" if len(seg) == 0 else "".join(seg.itertext())
                        if key == self.src and src is None:
                            src = text
                        elif key == self.tgt and tgt is None:
                            tgt = text
                        break
            elif tag == "prop":
                props[child.get("type", "")] = child.text or ""
        if not src or not tgt or not src.strip() or not tgt.strip():
            self.skipped += 1
            for tuv in tu.iterchildren("tuv"):
                self.langs[tuv.get(XML_LANG) or tuv.get("lang") or ""] += 1
            return None
        pair = Pair(src=src, tgt=tgt, origin=self.default_origin, id=tu.get("tuid"))
        if props:
            self._apply_props(pair, props)
        return pair

    def _apply_props(self, pair: Pair, props: dict[str, str]) -> None:
        if "x-score" in props:
            try:
                pair.score = float(props["x-score"])
            except ValueError:
                log.debug("%s: bad x-score %r", self.path, props["x-score"])
        if props.get("x-bead"):
            pair.bead = props["x-bead"]
        if props.get("x-origin") in ORIGINS:
            pair.origin = props["x-origin"]
        if props.get("x-status") in STATUSES:
            pair.status = props["x-status"]
        pair.document = props.get("x-document", "")
        pair.meta = {k: v for k, v in props.items() if k not in PROP_KEYS}


def _props(elem: etree._Element) -> dict[str, str]:
    return {
        child.get("type", ""): child.text or ""
        for child in elem
        if isinstance(child.tag, str) and etree.QName(child).localname == "prop"
    }


def _xml_message(exc: etree.XMLSyntaxError) -> str:
    line = f"line {exc.position[0]}: " if getattr(exc, "position", None) else ""
    return f"{line}{exc.msg}"


_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_ROOT = re.compile(r"<([A-Za-z_][\w.:-]*)")


def check_prolog(path: str) -> None:
    """Refuse what is not a TMX before parsing: empty, binary, no <tmx> root, entity declarations.

    lxml already leaves entities unresolved; refusing any `<!ENTITY` gives a clear message for
    XXE and billion-laughs files instead of a half-read memory.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(PROLOG_LIMIT)
    except IsADirectoryError as exc:
        raise FormatError(f"{path}: a directory, not a TMX file") from exc
    if not head.strip():
        raise FormatError(f"{path}: empty file, not a TMX")
    encoding = next((enc for bom, enc in _BOMS if head.startswith(bom)), None)
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
    pos = 0
    while True:
        match = _ROOT.search(text, pos)
        if match is None:
            raise FormatError(f"{path}: no XML root element found, not a TMX file")
        start = match.start()
        before = text[:start]
        # Skip names inside comments and the DOCTYPE's internal subset.
        if (
            before.count("<!--") > before.count("-->")
            or "[" in before
            and before.count("[") > before.count("]")
        ):
            pos = match.end()
            continue
        break
    if "<!ENTITY" in before:
        raise FormatError(
            f"{path}: declares XML entities in its DOCTYPE; refused for safety "
            "(external entities and entity bombs); remove the DOCTYPE's internal subset"
        )
    if match.group(1).split(":")[-1] != "tmx":
        raise FormatError(f"{path}: root element is <{match.group(1)}>, not <tmx>")
