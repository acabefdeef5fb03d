"""XCES sentence alignment (`cesAlign`) plus OPUS-style sentence files, as OpusTools reads them.

`-o corpus.xml` writes three files side by side:

- `corpus.xml`: `<cesAlign version="1.0"><linkGrp targType="s" fromDoc="corpus.zh.xml"
  toDoc="corpus.en.xml"><link id="SL1" xtargets="1 2;1" certainty="0.87"/>…`. `xtargets`
  lists the source then the target sentence ids of a bead (either side may be empty);
  `certainty` is the bead's score. duiyi adds `type` (e.g. "2-1"), `origin`, `status` and
  `document` attributes to each link (OpusTools keeps unknown link attributes).
- `corpus.zh.xml` / `corpus.en.xml`: `<document><s id="1">…</s>…</document>`, one `<s>` per
  sentence, untokenized (OpusTools' "raw" preprocessing). A text with spaces at its ends gets
  `xml:space="preserve"`: the reader strips the other sentences (other tools indent them).

`fromDoc`/`toDoc` are relative to the alignment file, so `opus_read -af corpus.xml -p raw
-dl DIR` (DIR: the folder holding the files) reads them. When a pair carries its sentences
(`Pair.meta["src_segments"]`, `["tgt_segments"]`, as `Store.iter_pairs(segments=True)` gives),
each becomes its own `<s>`; otherwise each side of a pair is one `<s>`.

The reader refuses a root other than `cesAlign`, sentence files outside the alignment file's
folder (an absolute path, `../`), and links to ids a sentence file lacks.
"""

from __future__ import annotations

import contextlib
import gzip
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from lxml import etree

from duiyi.atomic import atomic_write
from duiyi.corpus.model import ORIGINS, STATUSES, Pair
from duiyi.corpus.pairs import join_sentences
from duiyi.errors import FormatError

from .base import (
    XML_SPACE,
    Output,
    PairFormat,
    checked_score,
    file_languages,
    refuse_entities,
    wrong_root,
    xml_error,
    xml_safe,
)


def sentence_file_paths(path: str, src_lang: str, tgt_lang: str) -> tuple[Path, Path]:
    align = Path(path)
    stem = align.with_suffix("") if align.suffix.lower() == ".xml" else align
    src, tgt = file_languages(src_lang, tgt_lang)
    return stem.with_name(f"{stem.name}.{src}.xml"), stem.with_name(f"{stem.name}.{tgt}.xml")


def _segments(pair: Pair, side: str) -> list[str]:
    text = pair.src if side == "src" else pair.tgt
    segments = (pair.meta or {}).get(f"{side}_segments")
    if segments and join_sentences(segments) == text:
        return [s.strip() for s in segments if s.strip()]
    return [text] if text.strip() else []


class XcesFormat(PairFormat):
    name = "xces"
    extensions = (".xml",)
    multi_file = True

    def write(
        self,
        pairs: Iterable[Pair],
        path: Output,
        *,
        src_lang: str = "zh-CN",
        tgt_lang: str = "en-US",
        signature: str = "",
    ) -> int:
        src_path, tgt_path = sentence_file_paths(self.require_path(path), src_lang, tgt_lang)
        n = 0
        with contextlib.ExitStack() as stack:
            outs = [stack.enter_context(atomic_write(p, "wb")) for p in (path, src_path, tgt_path)]
            for out in outs:  # after xmlfile's last flush: a text file ends with a newline
                stack.callback(out.write, b"\n")
            align, src_xf, tgt_xf = (
                stack.enter_context(etree.xmlfile(out, encoding="utf-8")) for out in outs
            )
            for xf in (align, src_xf, tgt_xf):
                xf.write_declaration()
            align_root = stack.enter_context(align.element("cesAlign", version="1.0"))
            del align_root
            align.write("\n")
            grp = stack.enter_context(
                align.element(
                    "linkGrp",
                    targType="s",
                    fromDoc=src_path.name,
                    toDoc=tgt_path.name,
                    **({"signature": xml_safe(signature)} if signature else {}),
                )
            )
            del grp
            align.write("\n")
            docs = [
                stack.enter_context(xf.element("document", {"id": p.stem, "lang": lang}))
                for xf, p, lang in ((src_xf, src_path, src_lang), (tgt_xf, tgt_path, tgt_lang))
            ]
            del docs
            next_id = {"src": 1, "tgt": 1}
            for pair in pairs:
                n += 1
                ids = {}
                for side, xf in (("src", src_xf), ("tgt", tgt_xf)):
                    ids[side] = []
                    for segment in _segments(pair, side):
                        sid = str(next_id[side])
                        next_id[side] += 1
                        ids[side].append(sid)
                        xf.write("\n")
                        s = etree.Element("s", id=sid)
                        s.text = xml_safe(segment)
                        if segment != segment.strip():  # the reader strips other texts
                            s.set(XML_SPACE, "preserve")
                        xf.write(s)
                attrs = {
                    "id": f"SL{n}",
                    "xtargets": f"{' '.join(ids['src'])};{' '.join(ids['tgt'])}",
                }
                if pair.score is not None:
                    attrs["certainty"] = repr(float(pair.score))
                attrs.update(type=pair.bead, origin=pair.origin, status=pair.status)
                if pair.document:
                    attrs["document"] = xml_safe(pair.document)
                align.write(etree.Element("link", attrs))
                align.write("\n")
            src_xf.write("\n")
            tgt_xf.write("\n")
        return n

    def output_files(
        self, path: str, *, src_lang: str = "zh-CN", tgt_lang: str = "en-US"
    ) -> list[str]:
        return [path, *map(str, sentence_file_paths(path, src_lang, tgt_lang))]

    def read_pairs(
        self, path: str, *, src_lang: str | None = None, tgt_lang: str | None = None
    ) -> Iterator[Pair]:
        sentences: dict[str, dict[str, str]] = {}
        link_tag = "link"
        parser_options = dict(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
        )
        try:
            for event, elem in etree.iterparse(path, events=("start", "end"), **parser_options):
                if event == "start":
                    if elem.getparent() is None:  # the root, before anything is read
                        refuse_entities(path, elem)
                        root = etree.QName(elem).localname
                        if root != "cesAlign":
                            raise wrong_root(path, root, "XCES <cesAlign>")
                        link_tag = elem.tag.removesuffix("cesAlign") + "link"  # (namespaced)
                    continue
                if elem.tag != link_tag:
                    continue
                link = elem.get("id")
                where = f"{path}:{elem.sourceline}" + (f": link {link}" if link else "")
                grp = elem.getparent()
                from_doc, to_doc = grp.get("fromDoc", ""), grp.get("toDoc", "")
                for doc, key in ((from_doc, "fromDoc"), (to_doc, "toDoc")):
                    if doc not in sentences:
                        file = _sentence_file(path, doc, key, where)
                        sentences[doc] = _read_sentences(file, parser_options)
                xtargets = elem.get("xtargets", "")
                if xtargets.count(";") != 1:
                    raise FormatError(
                        f"{where}: xtargets={xtargets!r} is not source ids;target ids "
                        '(e.g. "1 2;1")'
                    )
                src_ids, tgt_ids = (ids.split() for ids in xtargets.split(";"))
                origin, status = elem.get("origin"), elem.get("status")
                yield Pair(
                    src=_side_text(sentences[from_doc], src_ids, from_doc, where),
                    tgt=_side_text(sentences[to_doc], tgt_ids, to_doc, where),
                    score=checked_score(elem.get("certainty"), where),
                    bead=elem.get("type") or f"{len(src_ids)}-{len(tgt_ids)}",
                    origin=origin if origin in ORIGINS else "aligned",
                    status=status if status in STATUSES else "pending",
                    document=elem.get("document", ""),
                    id=link,
                )
                elem.clear()
                while elem.getprevious() is not None:  # memory stays flat
                    del grp[0]
        except etree.XMLSyntaxError as exc:
            raise FormatError(f"{path}: not a readable cesAlign file: {xml_error(exc)}") from exc


def _sentence_file(path: str, doc: str, key: str, where: str) -> Path:
    """The sentence file a linkGrp's `fromDoc`/`toDoc` names: relative to the alignment file,
    and inside its folder (an alignment file must not open /etc/passwd or ../../secret)."""
    if not doc:
        raise FormatError(f"{where}: its linkGrp has no {key} (the sentence file)")
    folder = Path(path).parent.resolve()
    file = (folder / doc).resolve()
    if not file.is_relative_to(folder):
        raise FormatError(
            f"{where}: {key}={doc!r} lies outside {folder}, the alignment file's folder: "
            "refused (sentence files must be beside the alignment file or below it)"
        )
    return file


def _side_text(found: dict[str, str], ids: list[str], doc: str, where: str) -> str:
    """The text of one side of a link: its sentences joined (one sentence as it is)."""
    for sid in ids:
        if sid not in found:
            raise FormatError(f"{where}: no sentence with id {sid!r} in {doc}")
    return found[ids[0]] if len(ids) == 1 else join_sentences(found[sid] for sid in ids)


def _read_sentences(path: Path, options: dict) -> dict[str, str]:
    """{sentence id: text} of an OPUS sentence file (raw, or tokenized with <w> tokens; gzipped
    as OPUS distributes them, `zh/a.xml.gz`, or not). A sentence's text is stripped unless it
    says `xml:space="preserve"` (the writer does, for a text with spaces at its ends)."""
    found: dict[str, str] = {}
    try:
        with open(path, "rb") as f, contextlib.ExitStack() as stack:
            gzipped = f.read(2) == b"\x1f\x8b"
            f.seek(0)
            source = stack.enter_context(gzip.open(f)) if gzipped else f
            for _, s in etree.iterparse(source, events=("end",), tag="s", **options):
                if not found:
                    refuse_entities(str(path), s)
                words = [w.text or "" for w in s.iter("w")]
                text = " ".join(words) if words else "".join(s.itertext())
                found[s.get("id", "")] = text if s.get(XML_SPACE) == "preserve" else text.strip()
                s.clear()
    except (OSError, EOFError, zlib.error) as exc:  # (a damaged gzip file too)
        reason = getattr(exc, "strerror", None) or exc
        raise FormatError(
            f"{path}: cannot read the sentence file the alignment names ({reason})"
        ) from exc
    except etree.XMLSyntaxError as exc:
        raise FormatError(f"{path}: not a readable sentence file: {xml_error(exc)}") from exc
    return found
