"""JSON Lines: one object per pair with Bitextor-like columns, scores and metadata.

Keys: `src_text`, `tgt_text`, `src_lang`, `tgt_lang`, `score` (null when unknown), `bead`,
`origin`, `status`, `document` (Bitextor's `src_url`), `id`, `src_normalized`, `meta`,
`signature` when the run has one, and when known (a stored pair, or one read from a file that
dates it) `created`, `changed` (ISO 8601 in UTC, `2026-01-02T03:04:05Z`) and `changed_by`: the
pair's creation, its last change and who made it (a TMX unit's creationdate, changedate and
changeid). UTF-8, non-ASCII written as is. The reader refuses, naming the line, a record whose
texts or labels are not strings, whose score is not in [0, 1], whose dates are no ISO 8601
date and time with a time zone (any zone: read as UTC), or that holds a lone surrogate escape
(`\\ud800`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from duiyi.corpus.model import ORIGINS, STATUSES, Pair, is_language_tag
from duiyi.errors import FormatError

from .base import Output, PairFormat, PairReader, checked_score, open_output, text_lines


class JsonlFormat(PairFormat):
    name = "jsonl"
    extensions = (".jsonl",)

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
            for pair in pairs:
                record = {
                    "src_text": pair.src,
                    "tgt_text": pair.tgt,
                    "src_lang": pair.src_lang and _own(pair.src_lang) or src_lang,
                    "tgt_lang": pair.tgt_lang and _own(pair.tgt_lang) or tgt_lang,
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
                for key, value in (
                    ("created", pair.created),
                    ("changed", pair.changed),
                    ("changed_by", pair.changed_by),
                ):
                    if value:
                        record[key] = value
                # surrogatepass-safe: lone surrogates become \\ud8xx escapes, never a crash.
                out.write(
                    json.dumps(record, ensure_ascii=False, default=str)
                    .encode("utf-8", "backslashreplace")
                    .decode("utf-8")
                    + "\n"
                )
                n += 1
        return n

    def read(
        self, path: str, *, src_lang: str | None = None, tgt_lang: str | None = None
    ) -> PairReader:
        reader = PairReader()
        reader._pairs = self.read_pairs(path, tags=reader.tags)
        return reader

    def read_pairs(
        self,
        path: str,
        *,
        src_lang: str | None = None,
        tgt_lang: str | None = None,
        tags: set[tuple[str, str]] | None = None,
    ) -> Iterator[Pair]:
        """The pairs of the file; `tags` gets the (src_lang, tgt_lang) of each record."""
        for number, line in text_lines(path, "JSON Lines"):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
                if "\\u" in line:  # an escape may stand for half a surrogate pair
                    _check_unicode(record, where)
            except RecursionError as exc:  # [[[[…]]]] nested deeper than Python recurses
                raise FormatError(f"{where}: JSON nested too deeply") from exc
            except ValueError as exc:
                raise FormatError(
                    f"{where}: not a duiyi JSONL pair ({type(exc).__name__}: {exc})"
                ) from exc
            pair = _pair(record, where)
            langs = record.get("src_lang"), record.get("tgt_lang")
            if all(isinstance(lang, str) and lang for lang in langs):
                pair.src_lang, pair.tgt_lang = langs
                if tags is not None:
                    tags.add(langs)
            yield pair


@functools.lru_cache(maxsize=256)
def _own(tag: str) -> str:
    """A pair's own language tag, "" where it has none or one that is no language tag."""
    return tag if is_language_tag(tag) else ""


# JSON's names for the types json.loads gives, for messages
_JSON_TYPES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "true/false",
    int: "a number",
    float: "a number",
    type(None): "null",
}


def _pair(record: object, where: str) -> Pair:
    """The pair one JSON record holds; FormatError naming `where` for a record that is not one
    (a missing text, a text or label that is not a string, a bad score, a non-object meta)."""
    if not isinstance(record, dict):
        raise FormatError(
            f"{where}: not a duiyi JSONL pair ({_JSON_TYPES[type(record)]}, not an object)"
        )

    def string(key: str, required: bool = False) -> str | None:
        if required and key not in record:
            raise FormatError(f"{where}: not a duiyi JSONL pair (no {key})")
        value = record.get(key)
        if value is None and not required:
            return None
        if key == "id" and isinstance(value, int) and not isinstance(value, bool):
            return str(value)  # another tool's numbered records
        if not isinstance(value, str):
            raise FormatError(f"{where}: {key} must be a string, not {_JSON_TYPES[type(value)]}")
        return value

    meta = record.get("meta")
    if meta is not None and not isinstance(meta, dict):
        raise FormatError(f"{where}: meta must be an object, not {_JSON_TYPES[type(meta)]}")

    def date(key: str) -> str:
        value = string(key)
        if not value:
            return ""
        try:
            when = datetime.fromisoformat(value)
            if when.tzinfo is not None:  # (isoformat, not strftime: years before 1000 padded)
                utc = when.astimezone(UTC).replace(microsecond=0, tzinfo=None)
                return utc.isoformat() + "Z"
        except (ValueError, OverflowError):
            pass
        raise FormatError(
            f"{where}: {key} {value!r} is no ISO 8601 date and time with a time zone "
            "(2026-01-02T03:04:05Z)"
        )

    origin, status = string("origin"), string("status")
    return Pair(
        src=string("src_text", required=True),
        tgt=string("tgt_text", required=True),
        score=checked_score(record.get("score"), where),
        bead=string("bead") or "1-1",
        origin=origin if origin in ORIGINS else "human",
        document=string("document") or "",
        status=status if status in STATUSES else "pending",
        src_normalized=string("src_normalized"),
        id=string("id"),
        meta=meta or {},
        created=date("created"),
        changed=date("changed"),
        changed_by=string("changed_by") or "",
    )


def _check_unicode(record: object, where: str) -> None:
    """Refuse a lone surrogate escape (`\\ud800`): JSON allows it, but it is not a character
    (the store, and every other format, cannot hold it)."""
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        half = f"\\u{ord(exc.object[exc.start]):04x}"
        raise FormatError(
            f"{where}: {half} is half of a UTF-16 surrogate pair, not a character: fix or remove it"
        ) from exc
