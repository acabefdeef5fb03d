"""JSON Lines: one object per pair with Bitextor-like columns, scores and metadata.

Keys: `src_text`, `tgt_text`, `src_lang`, `tgt_lang`, `score` (null when unknown), `bead`,
`origin`, `status`, `document` (Bitextor's `src_url`), `id`, `src_normalized`, `meta`, and
`signature` when the run has one. UTF-8, non-ASCII written as is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from duiyi.atomic import atomic_write
from duiyi.corpus.model import ORIGINS, STATUSES, Pair
from duiyi.errors import FormatError

from .base import PairFormat, text_lines


class JsonlFormat(PairFormat):
    name = "jsonl"
    extensions = (".jsonl",)

    def write(
        self,
        pairs: Iterable[Pair],
        path: str | None,
        *,
        src_lang: str = "zh-CN",
        tgt_lang: str = "en-US",
        signature: str = "",
    ) -> int:
        n = 0
        with atomic_write(path, "w") as out:
            for pair in pairs:
                record = {
                    "src_text": pair.src,
                    "tgt_text": pair.tgt,
                    "src_lang": src_lang,
                    "tgt_lang": tgt_lang,
                    "score": pair.score,
                    "bead": pair.bead,
                    "origin": pair.origin,
                    "status": pair.status,
                    "document": pair.document,
                    "id": pair.id,
                    "src_normalized": pair.src_normalized,
                    "meta": pair.meta,
                }
                if signature:
                    record["signature"] = signature
                # surrogatepass-safe: lone surrogates become \\ud8xx escapes, never a crash.
                out.write(
                    json.dumps(record, ensure_ascii=False, default=str)
                    .encode("utf-8", "backslashreplace")
                    .decode("utf-8")
                    + "\n"
                )
                n += 1
        return n

    def read_pairs(
        self, path: str, *, src_lang: str | None = None, tgt_lang: str | None = None
    ) -> Iterator[Pair]:
        for number, line in text_lines(path, "JSON Lines"):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
                pair = Pair(
                    src=r["src_text"],
                    tgt=r["tgt_text"],
                    score=r.get("score"),
                    bead=r.get("bead") or "1-1",
                    origin=r.get("origin") if r.get("origin") in ORIGINS else "human",
                    document=r.get("document") or "",
                    status=r.get("status") if r.get("status") in STATUSES else "pending",
                    src_normalized=r.get("src_normalized"),
                    id=r.get("id"),
                    meta=r.get("meta") or {},
                )
            except RecursionError as exc:  # [[[[…]]]] nested deeper than Python recurses
                raise FormatError(f"{path}:{number}: JSON nested too deeply") from exc
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise FormatError(
                    f"{path}:{number}: not a duiyi JSONL pair ({type(exc).__name__}: {exc})"
                ) from exc
            yield pair
