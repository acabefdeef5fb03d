"""XCES sentence alignment (`cesAlign`) plus OPUS-style sentence files, as OpusTools reads them.

`-o corpus.xml` writes three files side by side:

- `corpus.xml`: `<cesAlign version="1.0"><linkGrp targType="s" fromDoc="corpus.zh.xml"
  toDoc="corpus.en.xml"><link id="SL1" xtargets="1 2;1" certainty="0.87"/>…`. `xtargets`
  lists the source then the target sentence ids of a bead (either side may be empty);
  `certainty` is the bead's score. duiyi adds `type` (e.g. "2-1"), `origin`, `status` and
  `document` attributes to each link (OpusTools keeps unknown link attributes).
- `corpus.zh.xml` / `corpus.en.xml`: `<document><s id="1">…</s>…</document>`, one `<s>` per
  sentence, untokenized (OpusTools' "raw" preprocessing).

`fromDoc`/`toDoc` are relative to the alignment file, so `opus_read -af corpus.xml -p raw
-dl DIR` (DIR: the folder holding the files) reads them. When a pair carries its sentences
(`Pair.meta["src_segments"]`, `["tgt_segments"]`, as `Store.iter_pairs(segments=True)` gives),
each becomes its own `<s>`; otherwise each side of a pair is one `<s>`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from lxml import etree

from duiyi.atomic import atomic_write
from duiyi.corpus.model import ORIGINS, STATUSES, Pair
from duiyi.corpus.pairs import join_sentences
from duiyi.errors import FormatError

from .base import PairFormat, primary_subtag, xml_safe


def sentence_file_paths(path: str, src_lang: str, tgt_lang: str) -> tuple[Path, Path]:
    align = Path(path)
    stem = align.with_suffix("") if align.suffix.lower() == ".xml" else align
    return (
        stem.with_name(f"{stem.name}.{primary_subtag(src_lang)}.xml"),
        stem.with_name(f"{stem.name}.{primary_subtag(tgt_lang)}.xml"),
    )


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
        path: str | None,
        *,
        src_lang: str = "zh-CN",
        tgt_lang: str = "en-US",
        signature: str = "",
    ) -> int:
        src_path, tgt_path = sentence_file_paths(self.require_path(path), src_lang, tgt_lang)
        n = 0
        with contextlib.ExitStack() as stack:
            outs = [stack.enter_context(atomic_write(p, "wb")) for p in (path, src_path, tgt_path)]
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

    def read_pairs(
        self, path: str, *, src_lang: str | None = None, tgt_lang: str | None = None
    ) -> Iterator[Pair]:
        base = Path(path).parent
        sentences: dict[str, dict[str, str]] = {}
        parser_options = dict(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
        )
        try:
            for _, elem in etree.iterparse(
                path, events=("end",), tag=("linkGrp", "link"), **parser_options
            ):
                if elem.tag == "linkGrp":
                    elem.clear()
                    continue
                grp = elem.getparent()
                from_doc, to_doc = grp.get("fromDoc", ""), grp.get("toDoc", "")
                for doc in (from_doc, to_doc):
                    if doc not in sentences:
                        sentences[doc] = _read_sentences(base / doc, parser_options)
                src_ids, _, tgt_ids = (elem.get("xtargets") or "").partition(";")
                certainty = elem.get("certainty")
                origin, status = elem.get("origin"), elem.get("status")
                yield Pair(
                    src=join_sentences(sentences[from_doc].get(i, "") for i in src_ids.split()),
                    tgt=join_sentences(sentences[to_doc].get(i, "") for i in tgt_ids.split()),
                    score=float(certainty) if certainty else None,
                    bead=elem.get("type") or f"{len(src_ids.split())}-{len(tgt_ids.split())}",
                    origin=origin if origin in ORIGINS else "aligned",
                    status=status if status in STATUSES else "pending",
                    document=elem.get("document", ""),
                    id=elem.get("id"),
                )
                elem.clear()
        except (etree.XMLSyntaxError, ValueError) as exc:
            raise FormatError(f"{path}: not a readable cesAlign file: {exc}") from exc


def _read_sentences(path: Path, options: dict) -> dict[str, str]:
    """{sentence id: text} of an OPUS sentence file (raw, or tokenized with <w> tokens)."""
    found: dict[str, str] = {}
    try:
        for _, s in etree.iterparse(str(path), events=("end",), tag="s", **options):
            words = [w.text or "" for w in s.iter("w")]
            found[s.get("id", "")] = " ".join(words) if words else "".join(s.itertext())
            s.clear()
    except OSError as exc:
        raise FormatError(f"{path}: cannot read the sentence file the alignment names") from exc
    except etree.XMLSyntaxError as exc:
        raise FormatError(f"{path}: not a readable sentence file: {exc}") from exc
    return found
