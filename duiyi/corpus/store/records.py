"""The store's records (documents, beads, edits) and their conversion to and from rows."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from duiyi.corpus.model import Document, Pair, is_language_tag, lang_tag
from duiyi.errors import StoreError


class NotFoundError(StoreError):
    """A document or bead id that the store does not hold."""


class ConflictError(StoreError):
    """A bead changed since the caller read it (optimistic concurrency)."""


class MixedDirections(StoreError):
    """Pairs in several directions (zh→en and en→zh) asked for one file's language tags,
    which cannot tag them: `directions`, as "zh→en", sorted."""

    def __init__(self, message: str, directions: list[str]):
        super().__init__(message)
        self.directions = directions


@dataclass
class DocumentSummary:
    """A stored document and its review progress."""

    id: int
    path: str
    name: str
    role: str  # "src" (has beads) or "tgt" (the human translation it was aligned with)
    lang: str
    script: str
    origin: str
    engine: str
    signature: str
    tgt_document_id: int | None
    created_at: str
    updated_at: str
    total: int = 0  # beads
    reviewed: int = 0  # beads whose status is not "pending"
    approved: int = 0
    rejected: int = 0
    meta: dict = field(default_factory=dict)
    below: int = 0  # pending beads whose score is below the `below=` asked for
    mean_score: float | None = None  # over the beads that have a score


@dataclass
class Progress:
    """Review progress of a document or of the whole corpus."""

    total: int = 0
    reviewed: int = 0


@dataclass
class BeadRecord:
    """One stored bead with its texts, provenance and review state."""

    id: int
    document_id: int
    position: int
    src_ids: tuple[int, ...]
    tgt_ids: tuple[int, ...]
    kind: str  # "1-2" etc.
    src_text: str
    src_normalized: str
    tgt_text: str
    score: float | None
    origin: str
    engine: str
    status: str
    version: int
    created_at: str
    updated_at: str
    updated_by: str
    # What a run recorded about the pair beyond its score: {"flags": ["cjk-left"], …}.
    meta: dict = field(default_factory=dict)

    def to_pair(self, document: str = "", signature: str = "") -> Pair:
        meta = dict(self.meta)
        src_lang, tgt_lang = own_tags(meta)
        if self.engine:
            meta["engine"] = self.engine
        if signature:
            meta["signature"] = signature
        return Pair(
            src=self.src_text,
            tgt=self.tgt_text,
            score=self.score,
            bead=self.kind,
            origin=self.origin,
            document=document,
            status=self.status,
            src_normalized=self.src_normalized or None,
            id=str(self.id),
            meta=meta,
            created=self.created_at,
            changed=self.updated_at,
            changed_by=self.updated_by,
            src_lang=src_lang,
            tgt_lang=tgt_lang,
        )


# The bead meta key under which an import keeps the language tags of a pair of a file that
# mixed variants of a language (zh-CN and zh-TW units): [source, target], as the file gave
# them. A list: no TMX prop (a string) of another tool is taken for it.
OWN_TAGS = "lang_tags"


def own_tags(meta: dict) -> tuple[str, str]:
    """The pair's own language tags a bead's `meta` keeps (taken out of it, as no prop of the
    pair's), else ("", "")."""
    tags = meta.get(OWN_TAGS)
    if not (
        isinstance(tags, list)
        and len(tags) == 2
        and all(isinstance(t, str) and (not t or is_language_tag(t)) for t in tags)
    ):
        return "", ""  # (another tool's prop of that name: a string, kept as a prop)
    del meta[OWN_TAGS]
    src, tgt = tags
    return lang_tag(src) if src else "", lang_tag(tgt) if tgt else ""


@dataclass(frozen=True)
class BeadFilter:
    """Which beads a page, a count, a bulk change or an export selects (None: any)."""

    documents: int | Iterable[int] | None = None
    status: str | Iterable[str] | None = None
    origin: str | Iterable[str] | None = None
    kind: str | None = None  # bead type, "1-2"
    min_score: float | None = None  # beads without a score pass neither bound
    max_score: float | None = None
    search: str | None = None  # a substring of the source, normalized source or target


@dataclass
class BeadPage:
    """One page of `list_beads`: the beads, the cursor of the next page, the filtered total."""

    beads: list[BeadRecord]
    next_cursor: str | None
    total: int
    search: str | None = None  # how a search ran: "fts" (the index), "like" (a scan), None
    search_reason: str = ""  # why a search scanned
    total_exact: bool = True  # False: `total` is the `count_limit`, and more match


@dataclass
class Change:
    """What one review change did: the beads it wrote, the ids it removed, its group."""

    beads: list[BeadRecord]
    removed: list[int]
    change_id: int | None = None  # the group of a change to many beads (a bulk approve)
    size: int = 1  # how many beads the change touched

    @property
    def main(self) -> BeadRecord:
        """The bead a merge, split or undo is about: it keeps its id (first in document order)."""
        return self.beads[0]


@dataclass
class Edit:
    """One row of a bead's review history."""

    id: int
    bead_id: int
    other_bead_id: int | None  # the bead merged away or split off
    action: str  # "update" | "merge" | "split" | "undo"
    reviewer: str
    at: str
    before: list[dict]
    after: list[dict]
    undone: bool
    change_id: int | None = None  # the bulk change this row is part of
    change_size: int = 1  # how many beads that change touched


BEAD_COLUMNS = (
    "id, document_id, position, src_ids, tgt_ids, kind, src_text, src_normalized, tgt_text, "
    "score, origin, engine, status, version, created_at, updated_at, updated_by, meta"
)


def bead_values(bead: BeadRecord) -> tuple:
    """`bead` as a row in the order of BEAD_COLUMNS."""
    return (
        bead.id,
        bead.document_id,
        bead.position,
        json.dumps(list(bead.src_ids)),
        json.dumps(list(bead.tgt_ids)),
        bead.kind,
        bead.src_text,
        bead.src_normalized,
        bead.tgt_text,
        bead.score,
        bead.origin,
        bead.engine,
        bead.status,
        bead.version,
        bead.created_at,
        bead.updated_at,
        bead.updated_by,
        json.dumps(bead.meta, ensure_ascii=False) if bead.meta else "{}",
    )


def utc_now() -> str:
    """The current UTC time as ISO 8601 with a Z (second precision)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def document_checksum(doc: Document) -> str:
    """SHA-256 of the document's decoded text: with the path, what identifies a stored document."""
    return hashlib.sha256(doc.text.encode("utf-8", "surrogatepass")).hexdigest()


def check_names(value: str | Iterable[str] | None, allowed: Sequence[str], what: str) -> list[str]:
    if value is None:
        return []
    names = [value] if isinstance(value, str) else list(value)
    for name in names:
        if name not in allowed:
            raise StoreError(f"unknown {what} {name!r}: use one of {', '.join(allowed)}")
    return names


def bead_from_row(row: sqlite3.Row | tuple) -> BeadRecord:
    (bid, doc, pos, src_ids, tgt_ids, kind, src, src_norm, tgt, score, origin, engine, status) = (
        row[:13]
    )
    if score is not None and not isinstance(score, (int, float)):
        # Only a tool writing the file behind duiyi's back stores text in this REAL column.
        raise StoreError(
            f"bead {bid} has the score {score!r}, not a number: the store was "
            "changed outside duiyi; set its score to NULL or a number in [0, 1]"
        )
    return BeadRecord(
        id=bid,
        document_id=doc,
        position=pos,
        src_ids=tuple(json.loads(src_ids)),
        tgt_ids=tuple(json.loads(tgt_ids)),
        kind=kind,
        src_text=src,
        src_normalized=src_norm,
        tgt_text=tgt,
        score=score,
        origin=origin,
        engine=engine,
        status=status,
        version=row[13],
        created_at=row[14],
        updated_at=row[15],
        updated_by=row[16],
        meta=json.loads(row[17]) if row[17] and row[17] != "{}" else {},
    )


def snapshot(bead: BeadRecord) -> dict:
    return {
        "id": bead.id,
        "position": bead.position,
        "src_ids": list(bead.src_ids),
        "tgt_ids": list(bead.tgt_ids),
        "kind": bead.kind,
        "src_text": bead.src_text,
        "src_normalized": bead.src_normalized,
        "tgt_text": bead.tgt_text,
        "score": bead.score,
        "origin": bead.origin,
        "engine": bead.engine,
        "status": bead.status,
        "version": bead.version,
        "meta": bead.meta,
    }


def bead_content(bead: BeadRecord) -> dict:
    """What a review change can alter: compared before undoing a change."""
    snap = snapshot(bead)
    del snap["version"], snap["position"]
    return snap


DIGEST_COLUMNS = "src_text, src_normalized, tgt_text, origin, kind, score, src_ids, tgt_ids"


def row_digest(row: Sequence) -> str:
    """A short digest of a bead's DIGEST_COLUMNS (as stored): what a review change can alter
    but the status. A bulk change's history rows keep it instead of whole snapshots, to tell
    whether a bead moved on since."""
    text = "\x1f".join(map(str, row))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def from_snapshot(snap: dict) -> BeadRecord:
    return BeadRecord(
        id=snap["id"],
        document_id=0,
        position=snap["position"],
        src_ids=tuple(snap["src_ids"]),
        tgt_ids=tuple(snap["tgt_ids"]),
        kind=snap["kind"],
        src_text=snap["src_text"],
        src_normalized=snap["src_normalized"],
        tgt_text=snap["tgt_text"],
        score=snap["score"],
        origin=snap["origin"],
        engine=snap["engine"],
        status=snap["status"],
        version=snap["version"],
        created_at="",
        updated_at="",
        updated_by="",
        meta=snap.get("meta", {}),  # snapshots from before schema 3 have none
    )


def merged_kind(a: str, b: str) -> str:
    try:
        (s1, t1), (s2, t2) = (map(int, k.split("-")) for k in (a, b))
    except ValueError:
        return "n-n"
    return f"{s1 + s2}-{t1 + t2}"
