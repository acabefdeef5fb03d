"""Tab-separated pairs with Bitextor-like columns and a header row.

Columns: document, id, src_text, tgt_text, score, bead, origin, status. Tabs, line breaks
and backslashes inside a text are escaped (`\\t`, `\\n`, `\\r`, `\\\\`), so every pair is one
line and reading gives the text back unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from duiyi.corpus.model import ORIGINS, STATUSES, Pair
from duiyi.corpus.read import encoding_name
from duiyi.errors import FormatError

from .base import Output, PairFormat, checked_score, open_output, text_lines

COLUMNS = ("document", "id", "src_text", "tgt_text", "score", "bead", "origin", "status")
_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_UNESCAPES = {v: k for k, v in _ESCAPES.items()}
_TO_ESCAPE = re.compile(r"[\\\t\n\r]")
_TO_UNESCAPE = re.compile(r"\\[\\tnr]")


def escape(text: str) -> str:
    return _TO_ESCAPE.sub(lambda m: _ESCAPES[m.group()], text)


def unescape(text: str) -> str:
    return _TO_UNESCAPE.sub(lambda m: _UNESCAPES[m.group()], text)


class TsvFormat(PairFormat):
    name = "tsv"
    extensions = (".tsv",)
    text_encoding = True

    def __init__(self, *, encoding: str | None = None):
        self.encoding = encoding_name(encoding)

    def write(
        self,
        pairs: Iterable[Pair],
        path: Output,
        *,
        src_lang: str = "zh-CN",
        tgt_lang: str = "en-US",
        signature: str = "",
    ) -> int:
        n = 0
        with open_output(path, "w") as out:
            out.write("\t".join(COLUMNS) + "\n")
            for pair in pairs:
                score = "" if pair.score is None else repr(float(pair.score))
                fields = (
                    pair.document,
                    pair.id or "",
                    pair.src,
                    pair.tgt,
                    score,
                    pair.bead,
                    pair.origin,
                    pair.status,
                )
                line = "\t".join(escape(f) for f in fields) + "\n"
                out.write(line.encode("utf-8", "backslashreplace").decode("utf-8"))
                n += 1
        return n

    def read_pairs(
        self, path: str, *, src_lang: str | None = None, tgt_lang: str | None = None
    ) -> Iterator[Pair]:
        lines = text_lines(path, "TSV", self.encoding, named=self.encoding is not None)
        header = next(lines, (1, ""))[1].split("\t")
        if "src_text" not in header or "tgt_text" not in header:
            raise FormatError(f"{path}: no header row with src_text and tgt_text columns")
        for number, line in lines:
            if not line:
                continue
            values = [unescape(v) for v in line.split("\t")]
            if len(values) != len(header):
                raise FormatError(
                    f"{path}:{number}: {len(values)} columns, the header has {len(header)}"
                )
            r = dict(zip(header, values, strict=True))
            yield Pair(
                src=r["src_text"],
                tgt=r["tgt_text"],
                score=checked_score(r.get("score"), f"{path}:{number}"),
                bead=r.get("bead") or "1-1",
                origin=r["origin"] if r.get("origin") in ORIGINS else "human",
                document=r.get("document", ""),
                status=r["status"] if r.get("status") in STATUSES else "pending",
                id=r.get("id") or None,
            )
