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
network; inline codes (`<g>`, `<x/>`, `<mrk>`, `<pc>`, `<ph/>`, …) become their text (as a
TMX's do, `inline.flat_text`), a 1.2 unit's kept in its meta as the TMX codes they map to
(`inline.xliff_seg`: a TMX export writes them), and a 2.x unit's segments are joined with the
`<ignorable>` text between them. A file declaring other languages than those asked for is
refused (as TMX is). Units without a translation (no target text, or Chinese source text
copied into the target, as Okapi and OmegaT leave untranslated units) are skipped and counted
(`XliffReader.skipped`).

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
from duiyi.corpus.model import ORIGINS, STATUSES, Pair, primary_subtag
from duiyi.errors import FormatError

from .base import (
    XML_SPACE,
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
from .inline import dropped_codes, flat_text, keep_codes, xliff_seg

log = logging.getLogger(__name__)
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

NS12 = "urn:oasis:names:tc:xliff:document:1.2"
NS20 = "urn:oasis:names:tc:xliff:document:2.0"
MDA = "urn:oasis:names:tc:xliff:metadata:2.0"
_META_KEYS = ("origin", "score", "bead", "status", "engine")
# States a translator's tool sets on a target it (or its user) confirmed.
CONFIRMED_12 = {"final", "signed-off"}  # ("translated" is what duiyi writes for human pairs)
CONFIRMED_20 = {"reviewed", "final"}  # ("translated" is what duiyi writes for MT drafts)
# How every XLIFF file is parsed: entities left unresolved, no network, no DTD, and libxml2's
# size limits on, so that hostile input is refused rather than expanded.
PARSE_OPTIONS = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def note_text(pair: Pair) -> str:
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


def unit_metadata(pair: Pair) -> dict[str, str]:
    data = {"origin": pair.origin, "bead": pair.bead, "status": pair.status}
    if pair.score is not None:
        data["score"] = repr(float(pair.score))
    engine = (pair.meta or {}).get("engine")
    if engine:
        data["engine"] = str(engine)
    return data


def state_12(pair: Pair) -> dict[str, str]:
    if pair.origin == "gloss" or pair.status == "rejected":
        return {"state": "needs-translation"}
    if pair.status == "approved":
        return {"state": "signed-off"}
    if pair.origin in ("human", "edited"):
        return {"state": "translated"}
    if pair.origin == "mt":
        return {"state": "needs-review-translation", "state-qualifier": "leveraged-mt"}
    return {"state": "needs-review-translation"}


def state_20(pair: Pair) -> str:
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
    tags_files = True  # each <file> (a document) tagged on its own (2.x: the whole file)

    def __init__(self, file_languages: dict[str, tuple[str, str]] | None = None):
        # {document: (source, target) tags} for the <file>s of documents whose languages
        # differ from the file's (zh-TW in a store of zh-CN and zh-TW documents): 1.2 only
        self.file_languages = file_languages or {}

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
            with etree.xmlfile(out, encoding="utf-8") as xf:
                xf.write_declaration()
                n = self._write(xf, pairs, src_lang, tgt_lang, signature)
            out.write(b"\n")  # a text file ends with a newline (xmlfile cannot write one)
        return n

    def _write(self, xf, pairs, src_lang, tgt_lang, signature) -> int:
        n = 0
        with contextlib.ExitStack() as stack:
            stack.enter_context(xf.element(f"{{{NS12}}}xliff", version="1.2", nsmap={None: NS12}))
            xf.write("\n")

            def open_file(context, document: str, number: int) -> None:
                src, tgt = self.file_languages.get(document, (src_lang, tgt_lang))
                context.enter_context(
                    xf.element(
                        f"{{{NS12}}}file",
                        original=xml_safe(document),
                        datatype="plaintext",
                        **{"source-language": src, "target-language": tgt},
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
                        "extradata": urlencode(unit_metadata(pair)),
                        XML_SPACE: "preserve",
                    },
                    nsmap={None: NS12},  # (written on its own: it declares the namespace)
                )
                etree.SubElement(unit, f"{{{NS12}}}source").text = xml_safe(pair.src)
                if pair.tgt:
                    target = etree.SubElement(unit, f"{{{NS12}}}target", state_12(pair))
                    target.text = xml_safe(pair.tgt)
                    if pair.status == "approved":
                        unit.set("approved", "yes")
                etree.SubElement(unit, f"{{{NS12}}}note", {"from": "duiyi"}).text = xml_safe(
                    note_text(pair)
                )
                xf.write(unit)
                xf.write("\n")
            if n == 0:  # an empty <file>: the schema wants one (XLIFF 2 wants a unit too)
                files.enter("")
        return n

    def read(
        self, path: str, *, src_lang: str | None = None, tgt_lang: str | None = None
    ) -> XliffReader:
        return XliffReader(path, src_lang=src_lang, tgt_lang=tgt_lang)


class Xliff2Format(XliffFormat):
    """XLIFF 2.1 (core namespace 2.0), with the metadata module."""

    name = "xliff2"
    tags_files = False  # srcLang/trgLang: one pair of tags for the whole file
    extensions = (".xlf",)  # shared with 1.2, which comes first in the registry: -f xliff2
    version = "2.1"
    holds_nothing = False  # the schema wants a <file> holding a unit

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
                for key, value in unit_metadata(pair).items():
                    etree.SubElement(group, f"{{{MDA}}}meta", type=key).text = xml_safe(value)
                notes = etree.SubElement(unit, f"{{{NS20}}}notes")
                note = etree.SubElement(notes, f"{{{NS20}}}note", category="duiyi")
                note.set("appliesTo", "target")
                note.text = xml_safe(note_text(pair))
                segment = etree.SubElement(unit, f"{{{NS20}}}segment", state=state_20(pair))
                source = etree.SubElement(segment, f"{{{NS20}}}source", {XML_SPACE: "preserve"})
                source.text = xml_safe(pair.src)
                if pair.tgt:
                    target = etree.SubElement(segment, f"{{{NS20}}}target", {XML_SPACE: "preserve"})
                    target.text = xml_safe(pair.tgt)
                xf.write(unit)
                xf.write("\n")
        return n


# --- reading -------------------------------------------------------------------------------


def refuse_entity_bytes(path: str, head: bytes) -> None:
    """FormatError for a file whose first bytes declare entities (`refuse_entities` checks the
    parsed DOCTYPE too: in UTF-16 files this byte check sees nothing)."""
    if b"<!ENTITY" in head:
        raise FormatError(f"{path}: declares XML entities; refused for safety")


def copied_source(src: str, tgt: str) -> bool:
    """Whether a target is its Chinese source copied (Okapi and OmegaT pre-fill targets so):
    no translation."""
    return tgt.strip() == src.strip() and bool(_HAN.search(src))


def check_root(path: str, root) -> None:
    """FormatError unless `root` (the root element of the file at `path`) is an XLIFF 1.2 or
    2.x `<xliff>`, without entity declarations."""
    refuse_entities(path, root)
    name = etree.QName(root)
    if name.localname != "xliff":
        raise wrong_root(path, name.localname, "XLIFF <xliff>")
    if name.namespace not in (NS12, NS20):
        raise FormatError(
            f"{path}: not an XLIFF 1.2/2.x file (no <xliff> root in the OASIS namespace)"
        )


def check_languages(
    path: str, src: str | None, tgt: str | None, want_src: str, want_tgt: str, hint: str = ""
) -> None:
    """FormatError for a file declaring other languages (`src`, `tgt`) than `want_src` →
    `want_tgt` (primary subtags); one it leaves out is taken to be the one wanted."""
    if primary_subtag(src or want_src) != want_src or primary_subtag(tgt or want_tgt) != want_tgt:
        found = ", ".join(lang for lang in (src, tgt) if lang)
        raise FormatError(
            f"{path}: translates {src or '?'} into {tgt or '?'}, not {want_src} into "
            f"{want_tgt} (languages found: {found}){hint}"
        )


def _text(el) -> str:
    """An element's text with inline codes as their text (XLIFF 1.2 `<g>`, 2.x `<pc>`, …), as
    a TMX seg's (`flat_text`: a code without text leaves nothing, nor the space it doubled)."""
    return "" if el is None else flat_text(el)


class XliffReader(PairReader):
    """Iterate over the units of an XLIFF 1.2 or 2.x file as pairs; afterwards `read`,
    `skipped` (units without a translation) and `version`.

    Each pair's `id` is the unit's duiyi id (1.2 `resname`, 2.x `name`, else its `id`),
    `document` the file's `original`; `meta` holds `state` and `confirmed` (the translator's
    tool marked the target translated/final/approved) and the unit id as `unit`. A file whose
    declared languages are not `src_lang` → `tgt_lang` (primary subtags) is refused, as TMX
    files holding neither are.
    """

    def __init__(self, path: str, *, src_lang: str | None = None, tgt_lang: str | None = None):
        self.path = path
        self.src = primary_subtag(src_lang or "zh")
        self.tgt = primary_subtag(tgt_lang or "en")
        self.read = 0
        self.skipped = 0
        self.codes_dropped = 0  # units whose codes were read as text alone (see inline)
        self.signature = ""
        self.version = ""
        self.tags: set[tuple[str, str]] = set()  # the languages its files declare
        self._file_tags = (self.src, self.tgt)  # those of the file being read: its units'

    def __iter__(self) -> Iterator[Pair]:
        units = {f"{{{NS12}}}trans-unit", f"{{{NS20}}}unit"}
        try:
            with open(self.path, "rb") as f:
                refuse_entity_bytes(self.path, f.read(4096))
            document = ""
            events = etree.iterparse(self.path, events=("start", "end"), **PARSE_OPTIONS)
            for event, elem in events:
                if event == "start":
                    if elem.getparent() is None:
                        self._check_root(elem)
                    elif elem.tag == f"{{{NS12}}}file":
                        document = elem.get("original", "")
                        self._check_languages(
                            elem.get("source-language"), elem.get("target-language")
                        )
                    elif elem.tag == f"{{{NS20}}}file":
                        document = elem.get("original", "")
                    continue
                if elem.tag not in units:
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
            raise FormatError(f"{self.path}: not well-formed XLIFF: {xml_error(exc)}") from exc
        except OSError as exc:
            raise FormatError(f"{self.path}: cannot read: {exc}") from exc
        if self.skipped:
            log.info("%s: skipped %d units without a translation", self.path, self.skipped)
        dropped_codes(log, self.path, self.codes_dropped)

    def _check_root(self, root) -> None:
        check_root(self.path, root)
        self.version = root.get("version", "")
        if etree.QName(root).namespace == NS20:
            self._check_languages(root.get("srcLang"), root.get("trgLang"))

    def _check_languages(self, src: str | None, tgt: str | None) -> None:
        check_languages(
            self.path, src, tgt, self.src, self.tgt, "; name the pair with --src-lang/--tgt-lang"
        )
        self._file_tags = (src or self.src, tgt or self.tgt)
        self.tags.add(self._file_tags)

    def _unit(self, elem, document: str) -> Pair | None:
        source = target = None  # (1.2: the elements, whose codes the pair keeps)
        if elem.tag == f"{{{NS12}}}trans-unit":
            source = elem.find(f"{{{NS12}}}source")
            src = _text(source)
            target = elem.find(f"{{{NS12}}}target")
            tgt = _text(target)
            state = target.get("state", "") if target is not None else ""
            confirmed = elem.get("approved") == "yes" or state in CONFIRMED_12
            data = dict(parse_qsl(elem.get("extradata", "")))
            name = elem.get("resname") or elem.get("id")
        else:
            # Segments and the ignorable text between them (spaces, …), in document order; an
            # ignorable without a target stands in the target as its source does.
            parts = [c for c in elem if c.tag in (f"{{{NS20}}}segment", f"{{{NS20}}}ignorable")]
            segments = [c for c in parts if c.tag == f"{{{NS20}}}segment"]
            src = "".join(_text(p.find(f"{{{NS20}}}source")) for p in parts)
            tgt = ""
            if any(s.find(f"{{{NS20}}}target") is not None for s in segments):
                tgt = "".join(_target_20(p) for p in parts)
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
        if not src.strip() or not tgt.strip():
            return None
        if copied_source(src, tgt):
            return None
        where = f"{self.path}:{elem.sourceline}: unit {elem.get('id', '')}"
        meta = {"state": state, "confirmed": confirmed, "unit": elem.get("id", "")}
        if data.get("engine"):
            meta["engine"] = data["engine"]
        origin = data.get("origin")
        pair = Pair(
            src=src,
            tgt=tgt,
            score=checked_score(data.get("score"), where),
            bead=data.get("bead") or "1-1",
            origin=origin if origin in ORIGINS else "human",
            document=document,
            status=data.get("status") if data.get("status") in STATUSES else "pending",
            id=name,
            meta=meta,
            src_lang=self._file_tags[0],
            tgt_lang=self._file_tags[1],
        )
        if (source is not None and len(source)) or (target is not None and len(target)):
            self._keep_codes(pair, source, target)
        return pair

    def _keep_codes(self, pair: Pair, source, target) -> None:
        """The codes of a 1.2 unit's source and target kept in the pair's meta, as the TMX
        codes they map to (`inline.xliff_seg`); a unit where a side's could not be counted."""
        segs = xliff_seg(source, pair.src), xliff_seg(target, pair.tgt)
        lost = any(
            seg is None and el is not None and len(el)
            for seg, el in zip(segs, (source, target), strict=True)
        )
        if not keep_codes(pair, *segs) or lost:
            self.codes_dropped += 1


def _target_20(part) -> str:
    """A 2.x segment's target text, or an ignorable's (its source where it has no target)."""
    target = part.find(f"{{{NS20}}}target")
    if target is None and part.tag == f"{{{NS20}}}ignorable":
        target = part.find(f"{{{NS20}}}source")
    return _text(target)
