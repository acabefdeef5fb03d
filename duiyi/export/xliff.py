"""XLIFF 1.2 and 2.1: drafts for a translator's CAT tool, and their edits back.

Writer (streaming, atomic): one `<file>` per document (`original` = the document's name), one
unit per pair (a sentence, for `duiyi translate`), the source, the draft as target, a note of
the engine and its quality estimate, and the pair's duiyi id as the unit's name so an edited
file comes back to the same stored sentence (`duiyi import edited.xlf --store corpus.db`).

- XLIFF 1.2 (`xliff`, urn:oasis:names:tc:xliff:document:1.2): `<trans-unit id resname
  extradata xml:space="preserve">`; machine drafts are `state="needs-review-translation"
  state-qualifier="leveraged-mt"`, approved pairs `state="signed-off" approved="yes"`, human
  or edited ones `state="translated"`, gloss drafts (CC-CEDICT word glosses, not MT)
  `state="needs-translation"`. `extradata` carries origin, score, bead and status as a query
  string.
- XLIFF 2.1 (`xliff2`, urn:oasis:names:tc:xliff:document:2.0, version="2.1"): `<unit id
  name>` with the metadata module (`mda:meta` origin/score/bead/status), `<notes>`, and one
  `<segment state>`: machine drafts `translated`, approved `final`, gloss drafts `initial`
  (never translated).

Both validate against the OASIS schemas (tests use the copies Debian's php-symfony-translation
installs). Reader: either version (by namespace), lxml with entities unresolved and no
network; inline codes (`<g>`, `<x/>`, `<mrk>`, `<pc>`, `<ph/>`, …) become their text. Units
without a translation (no target text, or Chinese source text copied into the target, as
Okapi and OmegaT leave untranslated units) are skipped and counted (`XliffReader.skipped`).

OmegaT 3.6's XLIFF filter translates the text it finds in `<target>` (the Okapi convention of
a target pre-filled with a copy of the source), so in OmegaT the drafts, not the Chinese, are
what its segments show: for OmegaT, give it the source document and the drafts as a TMX.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterable, Iterator
from urllib.parse import parse_qsl, urlencode

from lxml import etree

from duiyi import __version__
from duiyi.atomic import atomic_write
from duiyi.corpus.model import ORIGINS, STATUSES, Pair
from duiyi.errors import FormatError

from .base import PairFormat, PairReader, xml_safe

log = logging.getLogger(__name__)
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

NS12 = "urn:oasis:names:tc:xliff:document:1.2"
NS20 = "urn:oasis:names:tc:xliff:document:2.0"
MDA = "urn:oasis:names:tc:xliff:metadata:2.0"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_META_KEYS = ("origin", "score", "bead", "status", "engine")
# States a translator's tool sets on a target it (or its user) confirmed.
CONFIRMED_12 = {"final", "signed-off"}  # ("translated" is what duiyi writes for human pairs)
CONFIRMED_20 = {"reviewed", "final"}  # ("translated" is what duiyi writes for MT drafts)


def _note_text(pair: Pair) -> str:
    engine = (pair.meta or {}).get("engine", "")
    if pair.origin == "gloss":
        return "CC-CEDICT word glosses, NOT machine translation: translate this unit"
    parts = []
    if pair.origin == "mt":
        parts.append(f"machine translation by {engine}" if engine else "machine translation")
    elif pair.origin == "aligned":
        parts.append("aligned with an existing translation")
    else:
        parts.append(f"{pair.origin} translation")
    if pair.score is not None:
        parts.append(f"quality estimate {pair.score:.2f}")
    return ", ".join(parts)


def _metadata(pair: Pair) -> dict[str, str]:
    data = {"origin": pair.origin, "bead": pair.bead, "status": pair.status}
    if pair.score is not None:
        data["score"] = repr(float(pair.score))
    engine = (pair.meta or {}).get("engine")
    if engine:
        data["engine"] = str(engine)
    return data


def _state_12(pair: Pair) -> dict[str, str]:
    if pair.origin == "gloss" or pair.status == "rejected":
        return {"state": "needs-translation"}
    if pair.status == "approved":
        return {"state": "signed-off"}
    if pair.origin in ("human", "edited"):
        return {"state": "translated"}
    if pair.origin == "mt":
        return {"state": "needs-review-translation", "state-qualifier": "leveraged-mt"}
    return {"state": "needs-review-translation"}


def _state_20(pair: Pair) -> str:
    if pair.origin == "gloss" or pair.status == "rejected":
        return "initial"
    return "final" if pair.status == "approved" else "translated"


class _Files:
    """Opens a `<file>` per document as the pairs stream by."""

    def __init__(self, xf, stack: contextlib.ExitStack, make):
        self.xf, self.stack, self.make = xf, stack, make
        self.current: str | None = None
        self.context: contextlib.ExitStack | None = None
        self.count = 0

    def enter(self, document: str) -> None:
        if document == self.current and self.context is not None:
            return
        self.close()
        self.current = document
        self.count += 1
        self.context = contextlib.ExitStack()
        self.make(self.context, document or "duiyi", self.count)

    def close(self) -> None:
        if self.context is not None:
            self.context.close()
            self.xf.write("\n")
            self.context = None


class XliffFormat(PairFormat):
    """XLIFF 1.2, as CAT tools (OmegaT, Trados, memoQ, Okapi) and translate-toolkit take it."""

    name = "xliff"
    extensions = (".xlf", ".xliff")
    keeps_gloss = True  # work still to do: gloss drafts go in, marked as needing translation
    updates_store = True  # comes back onto the stored sentences it was written from
    version = "1.2"

    def write(
        self,
        pairs: Iterable[Pair],
        path: str | None,
        *,
        src_lang: str = "zh-CN",
        tgt_lang: str = "en-US",
        signature: str = "",
    ) -> int:
        with atomic_write(path, "wb") as out, etree.xmlfile(out, encoding="utf-8") as xf:
            xf.write_declaration()
            return self._write(xf, pairs, src_lang, tgt_lang, signature)

    def _write(self, xf, pairs, src_lang, tgt_lang, signature) -> int:
        n = 0
        with contextlib.ExitStack() as stack:
            stack.enter_context(xf.element(f"{{{NS12}}}xliff", version="1.2", nsmap={None: NS12}))
            xf.write("\n")

            def open_file(context, document: str, number: int) -> None:
                context.enter_context(
                    xf.element(
                        f"{{{NS12}}}file",
                        original=xml_safe(document),
                        datatype="plaintext",
                        **{"source-language": src_lang, "target-language": tgt_lang},
                    )
                )
                header = etree.Element(f"{{{NS12}}}header", nsmap={None: NS12})
                etree.SubElement(
                    header,
                    f"{{{NS12}}}tool",
                    {"tool-id": "duiyi", "tool-name": "duiyi", "tool-version": __version__},
                )
                if signature:
                    note = etree.SubElement(header, f"{{{NS12}}}note", {"from": "duiyi"})
                    note.text = f"run signature: {xml_safe(signature)}"
                xf.write(header)
                context.enter_context(xf.element(f"{{{NS12}}}body"))
                xf.write("\n")

            files = _Files(xf, stack, open_file)
            stack.callback(files.close)
            for pair in pairs:
                n += 1
                files.enter(pair.document)
                unit = etree.Element(
                    f"{{{NS12}}}trans-unit",
                    {
                        "id": str(n),
                        "resname": xml_safe(pair.id or str(n)),
                        "extradata": urlencode(_metadata(pair)),
                        XML_SPACE: "preserve",
                    },
                    nsmap={None: NS12},  # (written on its own: it declares the namespace)
                )
                etree.SubElement(unit, f"{{{NS12}}}source").text = xml_safe(pair.src)
                if pair.tgt:
                    target = etree.SubElement(unit, f"{{{NS12}}}target", _state_12(pair))
                    target.text = xml_safe(pair.tgt)
                    if pair.status == "approved":
                        unit.set("approved", "yes")
                etree.SubElement(unit, f"{{{NS12}}}note", {"from": "duiyi"}).text = xml_safe(
                    _note_text(pair)
                )
                xf.write(unit)
                xf.write("\n")
        return n

    def read(
        self, path: str, *, src_lang: str | None = None, tgt_lang: str | None = None
    ) -> XliffReader:
        return XliffReader(path)


class Xliff2Format(XliffFormat):
    """XLIFF 2.1 (core namespace 2.0), with the metadata module."""

    name = "xliff2"
    extensions = (".xlf",)  # shared with 1.2, which comes first in the registry: -f xliff2
    version = "2.1"

    def _write(self, xf, pairs, src_lang, tgt_lang, signature) -> int:
        n = 0
        with contextlib.ExitStack() as stack:
            stack.enter_context(
                xf.element(
                    f"{{{NS20}}}xliff",
                    version="2.1",
                    srcLang=src_lang,
                    trgLang=tgt_lang,
                    nsmap={None: NS20, "mda": MDA},
                )
            )
            xf.write("\n")

            def open_file(context, document: str, number: int) -> None:
                context.enter_context(
                    xf.element(f"{{{NS20}}}file", id=f"f{number}", original=xml_safe(document))
                )
                xf.write("\n")
                if signature:
                    notes = etree.Element(f"{{{NS20}}}notes", nsmap={None: NS20})
                    note = etree.SubElement(notes, f"{{{NS20}}}note", category="duiyi")
                    note.text = f"run signature: {xml_safe(signature)}"
                    xf.write(notes)
                    xf.write("\n")

            files = _Files(xf, stack, open_file)
            stack.callback(files.close)
            for pair in pairs:
                n += 1
                files.enter(pair.document)
                unit = etree.Element(
                    f"{{{NS20}}}unit",
                    id=f"u{n}",
                    name=xml_safe(pair.id or str(n)),
                    nsmap={None: NS20, "mda": MDA},
                )
                group = etree.SubElement(
                    etree.SubElement(unit, f"{{{MDA}}}metadata"),
                    f"{{{MDA}}}metaGroup",
                    category="duiyi",
                )
                for key, value in _metadata(pair).items():
                    etree.SubElement(group, f"{{{MDA}}}meta", type=key).text = xml_safe(value)
                notes = etree.SubElement(unit, f"{{{NS20}}}notes")
                note = etree.SubElement(notes, f"{{{NS20}}}note", category="duiyi")
                note.set("appliesTo", "target")
                note.text = xml_safe(_note_text(pair))
                segment = etree.SubElement(unit, f"{{{NS20}}}segment", state=_state_20(pair))
                source = etree.SubElement(segment, f"{{{NS20}}}source", {XML_SPACE: "preserve"})
                source.text = xml_safe(pair.src)
                if pair.tgt:
                    target = etree.SubElement(segment, f"{{{NS20}}}target", {XML_SPACE: "preserve"})
                    target.text = xml_safe(pair.tgt)
                xf.write(unit)
                xf.write("\n")
        return n


# --- reading -------------------------------------------------------------------------------


def _text(el) -> str:
    """An element's text with inline codes as their text (XLIFF 1.2 `<g>`, 2.x `<pc>`, …)."""
    if el is None:
        return ""
    return "".join(el.itertext()) if len(el) else el.text or ""


class XliffReader(PairReader):
    """Iterate over the units of an XLIFF 1.2 or 2.x file as pairs; afterwards `read`,
    `skipped` (units without a translation) and `version`.

    Each pair's `id` is the unit's duiyi id (1.2 `resname`, 2.x `name`, else its `id`),
    `document` the file's `original`; `meta` holds `state` and `confirmed` (the translator's
    tool marked the target translated/final/approved) and the unit id as `unit`.
    """

    def __init__(self, path: str):
        self.path = path
        self.read = 0
        self.skipped = 0
        self.signature = ""
        self.version = ""

    def __iter__(self) -> Iterator[Pair]:
        options = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
        tags = [f"{{{NS12}}}file", f"{{{NS12}}}trans-unit", f"{{{NS20}}}file", f"{{{NS20}}}unit"]
        try:
            with open(self.path, "rb") as f:
                head = f.read(4096)
            if b"<!ENTITY" in head:
                raise FormatError(f"{self.path}: declares XML entities; refused for safety")
            root_seen = False
            document = ""
            for event, elem in etree.iterparse(
                self.path, events=("start", "end"), tag=[f"{{{NS12}}}xliff", f"{{{NS20}}}xliff", *tags],
                **options,
            ):  # fmt: skip
                local = etree.QName(elem).localname
                if event == "start":
                    if local == "xliff":
                        root_seen = True
                        self.version = elem.get("version", "")
                    elif local == "file":
                        document = elem.get("original", "")
                    continue
                if local in ("xliff", "file"):
                    continue
                pair = self._unit(elem, document)
                elem.clear()
                while elem.getprevious() is not None:
                    del elem.getparent()[0]
                if pair is None:
                    self.skipped += 1
                    continue
                self.read += 1
                yield pair
        except etree.XMLSyntaxError as exc:
            raise FormatError(f"{self.path}: not well-formed XLIFF: {exc}") from exc
        except OSError as exc:
            raise FormatError(f"{self.path}: cannot read: {exc}") from exc
        if not root_seen:
            raise FormatError(
                f"{self.path}: not an XLIFF 1.2/2.x file (no <xliff> root in the OASIS namespace)"
            )
        if self.skipped:
            log.info("%s: skipped %d units without a translation", self.path, self.skipped)

    def _unit(self, elem, document: str) -> Pair | None:
        if elem.tag == f"{{{NS12}}}trans-unit":
            source = elem.find(f"{{{NS12}}}source")
            target = elem.find(f"{{{NS12}}}target")
            state = target.get("state", "") if target is not None else ""
            confirmed = elem.get("approved") == "yes" or state in CONFIRMED_12
            data = dict(parse_qsl(elem.get("extradata", "")))
            name = elem.get("resname") or elem.get("id")
        else:
            segments = elem.findall(f"{{{NS20}}}segment")
            source_text = "".join(_text(s.find(f"{{{NS20}}}source")) for s in segments)
            targets = [s.find(f"{{{NS20}}}target") for s in segments]
            source = etree.Element("source")
            source.text = source_text
            target = None
            if any(t is not None for t in targets):
                target = etree.Element("target")
                target.text = "".join(_text(t) for t in targets)
            states = {s.get("state", "initial") for s in segments}
            state = (
                min(states, key=["initial", "translated", "reviewed", "final"].index)
                if states <= {"initial", "translated", "reviewed", "final"}
                else ""
            )
            confirmed = bool(states) and states <= CONFIRMED_20
            data = {
                m.get("type", ""): m.text or ""
                for m in elem.iter(f"{{{MDA}}}meta")
                if m.getparent().get("category") == "duiyi"
            }
            name = elem.get("name") or elem.get("id")
        src, tgt = _text(source), _text(target)
        if not src.strip() or not tgt.strip():
            return None
        if tgt.strip() == src.strip() and _HAN.search(src):
            return None  # the source copied into the target (Okapi/OmegaT): not translated
        score = data.get("score")
        try:
            score = float(score) if score else None
        except ValueError:
            score = None
        meta = {"state": state, "confirmed": confirmed, "unit": elem.get("id", "")}
        if data.get("engine"):
            meta["engine"] = data["engine"]
        origin = data.get("origin")
        return Pair(
            src=src,
            tgt=tgt,
            score=score,
            bead=data.get("bead") or "1-1",
            origin=origin if origin in ORIGINS else "human",
            document=document,
            status=data.get("status") if data.get("status") in STATUSES else "pending",
            id=name,
            meta=meta,
        )
