"""The corpus store: one SQLite file holding documents, sentences, beads and their review history.

Opening::

    from duiyi.corpus.store import Store
    with Store.open("corpus.db") as store:            # creates or migrates the file
        ...
    Store.open(path, create=False)                     # StoreError if the file is missing
    Store.open(path, readonly=True)                    # read-only (export, info); an older
                                                       # schema is upgraded first
    # One Store may be shared by a server's threads (calls are serialized by a lock);
    # several processes may open the same file.

Writing results (translate/align ``--store``)::

    doc_id = store.add_alignment(src_doc, beads, tgt_texts, origin="mt", engine="argos:…",
                                 signature="opencc:t2s|…", tgt_doc=None)
    store.add_pairs(pairs, source="memory.tmx", checksum=sha, origin="human")  # TMX import
    store.find_document(path, checksum) -> int | None  # resume: skip documents already stored

Re-adding a source document with the same path and checksum replaces its beads (and their
history) in one transaction. ``document_checksum(doc)`` is the checksum used.

Reading (review app, export, ``corpus info``)::

    store.list_documents() -> list[DocumentSummary]     # with total / reviewed / approved counts
    store.get_document(doc_id) -> DocumentSummary       # NotFoundError if absent
    store.document_text(doc_id) -> str                  # the original text
    store.sentences(doc_id) -> list[Sentence]
    store.list_beads(doc_id, status=None, origin=None, min_score=None, max_score=None,
                     sort="position", limit=100, cursor=None, offset=None) -> BeadPage
        # sort: "position" | "score" | "-score" | "status" | "origin" (then position);
        # status/origin filters: a name or a list of names.
        # BeadPage.beads, .next_cursor (None on the last page; pass it back as cursor=),
        # .total (how many beads match the filters). Keyset pagination: every page costs the
        # same with 50,000 beads; offset= works too but gets slower deep into a document.
    store.get_bead(bead_id) -> BeadRecord               # NotFoundError if absent
    store.history(bead_id) -> list[Edit]                # newest first
    store.iter_pairs(status=, origin=, min_score=, documents=, segments=False)
        -> Iterator[Pair]                               # streaming, document then bead order;
        # Pair.id is the bead id, Pair.meta has "engine" and "signature"; segments=True adds
        # each side's sentences as meta["src_segments"]/["tgt_segments"] (XCES uses them).
    store.count_pairs(same filters) -> int
    store.info() -> dict                                # what `duiyi corpus info` prints

Reviewing (each call is one transaction and writes one `Edit` row: reviewer, UTC timestamp,
before/after snapshots). Every bead carries a ``version``; a change names the version it was
based on and fails with ``ConflictError`` ("changed by someone else") if the bead moved on::

    store.update_bead(bead_id, expected_version=v, status="approved", tgt_text=None,
                      reviewer="ann") -> BeadRecord     # a changed tgt_text makes origin "edited"
    store.undo(bead_id, reviewer="ann") -> BeadRecord   # reverts the last change that touched
        # the bead (repeatable: walks back); ConflictError if a later change to a bead it
        # involved is in the way. A merge/split undo restores both beads (same ids).
    store.merge_with_next(bead_id, expected_version=v, reviewer="ann") -> BeadRecord
    store.split_bead(bead_id, expected_version=v, src_at=i, tgt_at=j, reviewer="ann")
        -> tuple[BeadRecord, BeadRecord]                # split at character offsets of the texts
    # Merges and splits set origin "edited" and status "pending"; a merge keeps the lower
    # score. BeadRecord fields: id, document_id, position, src_ids, tgt_ids, kind ("1-2"),
    # src_text, src_normalized, tgt_text, score, origin, engine, status, version,
    # created_at, updated_at, updated_by; .to_pair().

Errors: ``StoreError`` (not a corpus, newer schema, bad value), its subclasses
``NotFoundError`` and ``ConflictError``.

Durability: WAL journal, every write command inside one ``BEGIN IMMEDIATE`` transaction, so a
killed process leaves the previous committed state (readers never see half a command). Readers
run concurrently with one writer; a second writer waits up to ``busy_timeout`` (10 s).
Schema: ordered migrations recorded in ``schema_migrations`` (and ``PRAGMA user_version``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from duiyi.corpus.model import ORIGINS, STATUSES, Bead, Document, Pair, Sentence
from duiyi.errors import StoreError

log = logging.getLogger(__name__)

APPLICATION_ID = 0x44594931  # "DYI1": marks the SQLite file as a duiyi corpus
# Sort name -> (key columns, descending). Every key ends in id, so keys are unique.
_SORT_KEYS: dict[str, tuple[tuple[str, ...], bool]] = {
    "position": (("position", "id"), False),
    "score": (("COALESCE(score, -1)", "id"), False),
    "-score": (("COALESCE(score, -1)", "id"), True),
    "status": (("status", "position", "id"), False),
    "origin": (("origin", "position", "id"), False),
}
SORTS = tuple(_SORT_KEYS)


class NotFoundError(StoreError):
    """A document or bead id that the store does not hold."""


class _NeedsUpgrade(StoreError):
    """Raised inside `Store.open` when a read-only open meets pending migrations."""


class ConflictError(StoreError):
    """A bead changed since the caller read it (optimistic concurrency)."""


# --- records -------------------------------------------------------------------------------


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

    def to_pair(self, document: str = "", signature: str = "") -> Pair:
        meta = {"engine": self.engine} if self.engine else {}
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
        )


@dataclass
class BeadPage:
    """One page of `list_beads`: the beads, the cursor of the next page, the filtered total."""

    beads: list[BeadRecord]
    next_cursor: str | None
    total: int


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


# --- schema --------------------------------------------------------------------------------

_SCHEMA_1 = """
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'src',
    checksum TEXT NOT NULL,
    lang TEXT NOT NULL DEFAULT '',
    encoding TEXT NOT NULL DEFAULT '',
    script TEXT NOT NULL DEFAULT '',
    script_confidence REAL NOT NULL DEFAULT 0,
    conversion TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    removed TEXT NOT NULL DEFAULT '[]',
    meta TEXT NOT NULL DEFAULT '{}',
    origin TEXT NOT NULL DEFAULT '',
    engine TEXT NOT NULL DEFAULT '',
    signature TEXT NOT NULL DEFAULT '',
    tgt_document_id INTEGER REFERENCES documents(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (path, checksum, role)
);
CREATE TABLE sentences (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    paragraph INTEGER NOT NULL DEFAULT 0,
    text TEXT NOT NULL,
    normalized TEXT NOT NULL DEFAULT '',
    meta TEXT NOT NULL DEFAULT '{}',
    UNIQUE (document_id, idx)
);
CREATE TABLE beads (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    src_ids TEXT NOT NULL DEFAULT '[]',
    tgt_ids TEXT NOT NULL DEFAULT '[]',
    kind TEXT NOT NULL,
    src_text TEXT NOT NULL,
    src_normalized TEXT NOT NULL DEFAULT '',
    tgt_text TEXT NOT NULL,
    score REAL,
    origin TEXT NOT NULL,
    engine TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'pending',
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX beads_doc_position ON beads (document_id, position, id);
CREATE INDEX beads_doc_score ON beads (document_id, score, id);
CREATE INDEX beads_doc_status ON beads (document_id, status, position, id);
CREATE INDEX beads_doc_origin ON beads (document_id, origin, position, id);
CREATE INDEX beads_status ON beads (status);
CREATE TABLE edits (
    id INTEGER PRIMARY KEY,
    bead_id INTEGER NOT NULL,
    other_bead_id INTEGER,
    document_id INTEGER NOT NULL,
    action TEXT NOT NULL,
    reviewer TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL,
    undone INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX edits_bead ON edits (bead_id, id);
CREATE INDEX edits_other_bead ON edits (other_bead_id, id);
CREATE INDEX edits_document ON edits (document_id);
"""

# Ordered migrations: (version, name, SQL). Append only; never edit a released one.
MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "documents, sentences, beads, edits", _SCHEMA_1),
    (
        2,
        "index the score sort key (NULL scores sort as -1)",
        "DROP INDEX beads_doc_score; "
        "CREATE INDEX beads_doc_score_key ON beads (document_id, COALESCE(score, -1), id)",
    ),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]

_BEAD_COLUMNS = (
    "id, document_id, position, src_ids, tgt_ids, kind, src_text, src_normalized, tgt_text, "
    "score, origin, engine, status, version, created_at, updated_at, updated_by"
)


def _bead_values(bead: BeadRecord) -> tuple:
    """`bead` as a row in the order of _BEAD_COLUMNS."""
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
    )


def utc_now() -> str:
    """The current UTC time as ISO 8601 with a Z (second precision)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def document_checksum(doc: Document) -> str:
    """SHA-256 of the document's decoded text: with the path, what identifies a stored document."""
    return hashlib.sha256(doc.text.encode("utf-8", "surrogatepass")).hexdigest()


def _names(value: str | Iterable[str] | None, allowed: Sequence[str], what: str) -> list[str]:
    if value is None:
        return []
    names = [value] if isinstance(value, str) else list(value)
    for name in names:
        if name not in allowed:
            raise StoreError(f"unknown {what} {name!r}: use one of {', '.join(allowed)}")
    return names


def _bead(row: sqlite3.Row | tuple) -> BeadRecord:
    (bid, doc, pos, src_ids, tgt_ids, kind, src, src_norm, tgt, score, origin, engine, status) = (
        row[:13]
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
    )


def _snapshot(bead: BeadRecord) -> dict:
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
    }


def _join(texts: Iterable[str]) -> str:
    # Multi-sentence sides are joined by one space (design: "TMX 1.4b").
    return " ".join(t.strip() for t in texts if t.strip())


# --- the store -----------------------------------------------------------------------------


class Store:
    """A corpus in one SQLite file. Use `Store.open(path)`; close it (or use `with`)."""

    def __init__(self, conn: sqlite3.Connection, path: str, readonly: bool = False):
        self._conn = conn
        self.path = path
        self.readonly = readonly
        # One connection may be shared by a server's threads: serialize its use.
        self._lock = threading.RLock()

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike, *, create: bool = True, readonly: bool = False) -> Store:
        """Open (creating and migrating unless `readonly`) the corpus store at `path`."""
        path = str(path)
        exists = Path(path).exists()
        if not exists and (readonly or not create):
            raise StoreError(f"{path}: no such corpus store (create one with --store {path})")
        if exists:
            _check_sqlite_header(path)
        try:
            if readonly:
                # Where we may write, open read-write with query_only: then closing the last
                # connection removes the -wal/-shm files, which a mode=ro connection cannot.
                folder = Path(path).resolve().parent
                writable = os.access(path, os.W_OK) and os.access(folder, os.W_OK)
                uri = Path(path).resolve().as_uri() + ("?mode=rw" if writable else "?mode=ro")
                conn = sqlite3.connect(
                    uri, uri=True, isolation_level=None, check_same_thread=False, timeout=10
                )
                conn.execute("PRAGMA query_only = ON")
            else:
                conn = sqlite3.connect(
                    path, isolation_level=None, check_same_thread=False, timeout=10
                )
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute("PRAGMA foreign_keys = ON")
            if not readonly:
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if mode.lower() != "wal":
                    log.warning("%s: journal mode %s, not WAL", path, mode)
                conn.execute("PRAGMA synchronous = NORMAL")  # durable across process kills
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: cannot open the corpus store: {exc}") from exc
        store = cls(conn, path, readonly)
        try:
            store._migrate()
        except _NeedsUpgrade:
            # A store from an older duiyi, opened for reading: upgrade it once, then read.
            conn.close()
            cls.open(path).close()
            return cls.open(path, readonly=True)
        except BaseException:
            conn.close()
            raise
        return store

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: everything inside commits together or not at all."""
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only")
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreError(f"{self.path}: cannot start a write: {exc}") from exc
            try:
                yield self._conn
            except sqlite3.DatabaseError as exc:  # read-only file, disk full, corruption, …
                self._rollback()
                raise StoreError(f"{self.path}: cannot write the corpus store: {exc}") from exc
            except BaseException:
                self._rollback()
                raise
            try:
                self._conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                self._rollback()
                raise StoreError(f"{self.path}: cannot commit: {exc}") from exc

    def _rollback(self) -> None:
        # SQLite may already have rolled back (e.g. after SQLITE_FULL): nothing left to undo.
        with contextlib.suppress(sqlite3.OperationalError):
            self._conn.execute("ROLLBACK")

    def _query(self, sql: str, params: Sequence = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self.path}: {exc}") from exc

    def _migrate(self) -> None:
        try:
            tables = {
                r[0] for r in self._query("SELECT name FROM sqlite_master WHERE type='table'")
            }
        except StoreError as exc:
            reason = exc.__cause__ or exc
            raise StoreError(f"{self.path}: not a duiyi corpus store ({reason})") from exc
        if tables and "schema_migrations" not in tables:
            raise StoreError(
                f"{self.path}: an SQLite file but not a duiyi corpus store "
                f"(it has tables {', '.join(sorted(tables)[:5])}); pick another file"
            )
        current = 0
        if "schema_migrations" in tables:
            current = self._query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")[0][0]
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: schema version {current} is newer than this duiyi knows "
                f"({SCHEMA_VERSION}); upgrade duiyi"
            )
        pending = [m for m in MIGRATIONS if m[0] > current]
        if not pending:
            return
        if self.readonly:
            raise _NeedsUpgrade(f"{self.path}: needs a schema upgrade")
        with self._write() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            for version, name, sql in pending:
                log.info("%s: migrating to schema %d (%s)", self.path, version, name)
                for statement in sql.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, utc_now()),
                )
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @property
    def schema_version(self) -> int:
        return self._query("SELECT MAX(version) FROM schema_migrations")[0][0]

    # -- writing results ----------------------------------------------------------------

    def find_document(self, path: str, checksum: str, role: str = "src") -> int | None:
        """The id of the stored document with this path and checksum, if any."""
        rows = self._query(
            "SELECT id FROM documents WHERE path = ? AND checksum = ? AND role = ?",
            (path, checksum, role),
        )
        return rows[0][0] if rows else None

    def add_alignment(
        self,
        src_doc: Document,
        beads: Sequence[Bead],
        tgt_texts: Sequence[str] | None = None,
        *,
        origin: str = "aligned",
        engine: str = "",
        signature: str = "",
        tgt_doc: Document | None = None,
    ) -> int:
        """Store `src_doc`, its sentences and `beads` (target text `tgt_texts[i]`); its id.

        `tgt_texts` may be None when `tgt_doc` is given: each bead's target sentences are joined.
        Re-adding a document with the same path and checksum replaces its beads.
        """
        _names(origin, ORIGINS, "origin")
        if tgt_texts is None:
            if tgt_doc is None:
                raise StoreError("add_alignment needs tgt_texts or tgt_doc")
            tgt_texts = [_join(tgt_doc.sentences[i].text for i in b.tgt) for b in beads]
        if len(tgt_texts) != len(beads):
            raise StoreError(f"{len(beads)} beads but {len(tgt_texts)} target texts")
        n_src = len(src_doc.sentences)
        for bead in beads:
            if any(not 0 <= i < n_src for i in bead.src):
                raise StoreError(f"bead {bead} points past the {n_src} source sentences")
        now = utc_now()
        with self._write() as conn:
            tgt_id = self._put_document(conn, tgt_doc, "tgt", "", "", "", None, now)
            doc_id = self._put_document(
                conn, src_doc, "src", origin, engine, signature, tgt_id, now
            )
            sents = src_doc.sentences
            conn.executemany(
                f"INSERT INTO beads ({_BEAD_COLUMNS}) VALUES "
                "(NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 1, ?, ?, '')",
                (
                    (
                        doc_id,
                        position,
                        json.dumps(list(bead.src)),
                        json.dumps(list(bead.tgt)),
                        _kind(bead.src, bead.tgt, "", tgt_text) if bead.src else bead.kind,
                        _join(sents[i].text for i in bead.src),
                        _join(sents[i].normalized or sents[i].text for i in bead.src),
                        tgt_text,
                        bead.score,
                        origin,
                        engine,
                        now,
                        now,
                    )
                    for position, (bead, tgt_text) in enumerate(zip(beads, tgt_texts, strict=True))
                ),
            )
        return doc_id

    def _put_document(
        self,
        conn: sqlite3.Connection,
        doc: Document | None,
        role: str,
        origin: str,
        engine: str,
        signature: str,
        tgt_id: int | None,
        now: str,
    ) -> int | None:
        """Insert `doc` (or replace the one with its path and checksum) with its sentences."""
        if doc is None:
            return None
        checksum = document_checksum(doc)
        removed = json.dumps([[s.start, s.end, s.kind, s.text] for s in doc.removed])
        values = dict(
            path=doc.path,
            name=doc.name,
            role=role,
            checksum=checksum,
            lang=doc.lang,
            encoding=doc.encoding,
            script=doc.script,
            script_confidence=doc.script_confidence,
            conversion=doc.conversion,
            text=doc.text,
            removed=removed,
            meta=json.dumps(doc.meta, ensure_ascii=False, default=str),
            origin=origin,
            engine=engine,
            signature=signature,
            tgt_document_id=tgt_id,
            updated_at=now,
        )
        doc_id = self._replace_document(conn, values, now)
        conn.executemany(
            'INSERT INTO sentences (document_id, idx, start, "end", paragraph, text, normalized, '
            "meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    doc_id,
                    i,
                    s.start,
                    s.end,
                    s.paragraph,
                    s.text,
                    s.normalized,
                    json.dumps(s.meta, ensure_ascii=False, default=str),
                )
                for i, s in enumerate(doc.sentences)
            ),
        )
        return doc_id

    def _replace_document(self, conn: sqlite3.Connection, values: dict, now: str) -> int:
        """Insert a documents row, or clear the existing one (same path/checksum/role) for reuse."""
        row = conn.execute(
            "SELECT id FROM documents WHERE path = ? AND checksum = ? AND role = ?",
            (values["path"], values["checksum"], values["role"]),
        ).fetchone()
        if row:
            doc_id = row[0]
            conn.execute("DELETE FROM beads WHERE document_id = ?", (doc_id,))
            conn.execute("DELETE FROM sentences WHERE document_id = ?", (doc_id,))
            conn.execute("DELETE FROM edits WHERE document_id = ?", (doc_id,))
            sets = ", ".join(f"{k} = ?" for k in values)
            conn.execute(f"UPDATE documents SET {sets} WHERE id = ?", (*values.values(), doc_id))
            return doc_id
        cols = ", ".join(values) + ", created_at"
        marks = ", ".join("?" for _ in values) + ", ?"
        cur = conn.execute(
            f"INSERT INTO documents ({cols}) VALUES ({marks})", (*values.values(), now)
        )
        return cur.lastrowid

    def add_pairs(
        self,
        pairs: Iterable[Pair],
        *,
        source: str,
        checksum: str,
        origin: str | None = None,
        src_lang: str = "zh",
        engine: str = "",
        signature: str = "",
    ) -> dict[str, int]:
        """Store pairs read from elsewhere (a TMX), one transaction; {document name: beads added}.

        Pairs are grouped into documents by `Pair.document` (or `source` when empty); re-adding
        the same `source`+`checksum` replaces them. `origin` overrides each pair's own origin.
        """
        if origin is not None:
            _names(origin, ORIGINS, "origin")
        now = utc_now()
        doc_ids: dict[str, int] = {}
        positions: dict[str, int] = {}
        insert = (
            "INSERT INTO beads (document_id, position, kind, src_text, src_normalized, "
            "tgt_text, score, origin, engine, status, version, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)"
        )
        with self._write() as conn:
            batch: list[tuple] = []
            for pair in pairs:
                name = pair.document or Path(source).name
                if name not in doc_ids:
                    values = dict(
                        path=f"{source}#{name}" if pair.document else source,
                        name=name,
                        role="src",
                        checksum=checksum,
                        lang=src_lang,
                        meta=json.dumps({"imported_from": source}, ensure_ascii=False),
                        origin=origin or "",
                        engine=engine,
                        signature=signature,
                        updated_at=now,
                    )
                    doc_ids[name] = self._replace_document(conn, values, now)
                    positions[name] = 0
                pair_origin = origin or (pair.origin if pair.origin in ORIGINS else "human")
                batch.append(
                    (
                        doc_ids[name],
                        positions[name],
                        pair.bead or "1-1",
                        pair.src,
                        pair.src_normalized or "",
                        pair.tgt,
                        pair.score,
                        pair_origin,
                        (pair.meta or {}).get("engine", engine),
                        pair.status if pair.status in STATUSES else "pending",
                        now,
                        now,
                    )
                )
                positions[name] += 1
                if len(batch) >= 1000:
                    conn.executemany(insert, batch)
                    batch.clear()
            conn.executemany(insert, batch)
        return dict(positions)

    # -- reading ------------------------------------------------------------------------

    _DOC_COLUMNS = (
        "d.id, d.path, d.name, d.role, d.lang, d.script, d.origin, d.engine, d.signature, "
        "d.tgt_document_id, d.created_at, d.updated_at, d.meta"
    )

    def _summaries(self, where: str = "", params: Sequence = ()) -> list[DocumentSummary]:
        rows = self._query(
            f"SELECT {self._DOC_COLUMNS} FROM documents d {where} ORDER BY d.id", params
        )
        docs = {}
        for r in rows:
            docs[r[0]] = DocumentSummary(*r[:12], meta=json.loads(r[12] or "{}"))
        if not docs:
            return []
        marks = ", ".join("?" for _ in docs)
        for doc_id, status, n in self._query(
            f"SELECT document_id, status, COUNT(*) FROM beads WHERE document_id IN ({marks}) "
            "GROUP BY document_id, status",
            list(docs),
        ):
            doc = docs[doc_id]
            doc.total += n
            if status != "pending":
                doc.reviewed += n
            if status == "approved":
                doc.approved += n
            elif status == "rejected":
                doc.rejected += n
        return list(docs.values())

    def list_documents(self, role: str | None = "src") -> list[DocumentSummary]:
        """Stored documents (source documents by default) with their review progress."""
        if role is None:
            return self._summaries()
        return self._summaries("WHERE d.role = ?", (role,))

    def get_document(self, doc_id: int) -> DocumentSummary:
        docs = self._summaries("WHERE d.id = ?", (doc_id,))
        if not docs:
            raise NotFoundError(f"no document {doc_id} in {self.path}")
        return docs[0]

    def document_text(self, doc_id: int) -> str:
        rows = self._query("SELECT text FROM documents WHERE id = ?", (doc_id,))
        if not rows:
            raise NotFoundError(f"no document {doc_id} in {self.path}")
        return rows[0][0]

    def sentences(self, doc_id: int) -> list[Sentence]:
        return [
            Sentence(text, start, end, normalized, paragraph, json.loads(meta))
            for text, start, end, normalized, paragraph, meta in self._query(
                'SELECT text, start, "end", normalized, paragraph, meta FROM sentences '
                "WHERE document_id = ? ORDER BY idx",
                (doc_id,),
            )
        ]

    def get_bead(self, bead_id: int) -> BeadRecord:
        rows = self._query(f"SELECT {_BEAD_COLUMNS} FROM beads WHERE id = ?", (bead_id,))
        if not rows:
            raise NotFoundError(f"no bead {bead_id} in {self.path} (deleted by a merge?)")
        return _bead(rows[0])

    def list_beads(
        self,
        doc_id: int,
        *,
        status: str | Iterable[str] | None = None,
        origin: str | Iterable[str] | None = None,
        min_score: float | None = None,
        max_score: float | None = None,
        sort: str = "position",
        limit: int = 100,
        cursor: str | None = None,
        offset: int | None = None,
    ) -> BeadPage:
        """A page of a document's beads, filtered and sorted (see the module docstring)."""
        if sort not in SORTS:
            raise StoreError(f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
        where, params = self._bead_filters(doc_id, status, origin, min_score, max_score)
        total = self._query(f"SELECT COUNT(*) FROM beads WHERE {where}", params)[0][0]
        # Keyset pagination: a page continues strictly after the sort key of the previous
        # page's last bead, compared as a row value (served by the beads_doc_* indexes).
        columns, descending = _SORT_KEYS[sort]
        key = f"({', '.join(columns)})"
        page_where, page_params = where, list(params)
        if cursor:
            try:
                last = json.loads(cursor)
                if not isinstance(last, list) or len(last) != len(columns):
                    raise TypeError("wrong length")
            except (ValueError, TypeError) as exc:
                raise StoreError(f"bad page cursor {cursor!r}") from exc
            # The redundant bound on the first column lets SQLite seek in the index.
            page_where += (
                f" AND {columns[0]} {'<=' if descending else '>='} ?"
                f" AND {key} {'<' if descending else '>'} ({', '.join('?' for _ in last)})"
            )
            page_params += [last[0], *last]
        order = ", ".join(f"{c} {'DESC' if descending else 'ASC'}" for c in columns)
        sql = f"SELECT {_BEAD_COLUMNS} FROM beads WHERE {page_where} ORDER BY {order} LIMIT ?"
        page_params.append(limit + 1)
        if offset:
            sql += " OFFSET ?"
            page_params.append(offset)
        beads = [_bead(r) for r in self._query(sql, page_params)]
        next_cursor = None
        if len(beads) > limit:
            beads = beads[:limit]
            next_cursor = json.dumps(_sort_key(beads[-1], sort), ensure_ascii=False)
        return BeadPage(beads, next_cursor, total)

    @staticmethod
    def _bead_filters(
        doc_ids: int | Iterable[int] | None,
        status: str | Iterable[str] | None,
        origin: str | Iterable[str] | None,
        min_score: float | None,
        max_score: float | None,
        prefix: str = "",
    ) -> tuple[str, list]:
        clauses, params = ["1 = 1"], []
        if doc_ids is not None:
            ids = [doc_ids] if isinstance(doc_ids, int) else list(doc_ids)
            clauses.append(f"{prefix}document_id IN ({', '.join('?' for _ in ids)})")
            params += ids
        for column, names, allowed in (
            ("status", status, STATUSES),
            ("origin", origin, ORIGINS),
        ):
            names = _names(names, allowed, column)
            if names:
                clauses.append(f"{prefix}{column} IN ({', '.join('?' for _ in names)})")
                params += names
        if min_score is not None:
            clauses.append(f"{prefix}score >= ?")  # beads without a score do not pass
            params.append(min_score)
        if max_score is not None:
            clauses.append(f"{prefix}score <= ?")
            params.append(max_score)
        return " AND ".join(clauses), params

    def iter_pairs(
        self,
        *,
        status: str | Iterable[str] | None = None,
        origin: str | Iterable[str] | None = None,
        min_score: float | None = None,
        documents: int | Iterable[int] | None = None,
        segments: bool = False,
        batch: int = 2000,
    ) -> Iterator[Pair]:
        """Stream the matching beads as `Pair`s, in document and bead order.

        Reads in keyset batches, so memory stays flat and other connections can write between
        batches (each batch is a consistent snapshot). `segments=True` adds each side's
        sentences as `Pair.meta["src_segments"]`/`["tgt_segments"]` (XCES writes them as
        separate `<s>`), loading one document's sentences at a time.
        """
        where, params = self._bead_filters(documents, status, origin, min_score, None, "b.")
        docs: dict[int, tuple[str, str, int | None]] = {}
        loaded: tuple[int, dict[int, str], dict[int, str]] | None = None
        last = (-1, -1, -1)
        while True:
            rows = self._query(
                f"SELECT {', '.join('b.' + c.strip() for c in _BEAD_COLUMNS.split(','))} "
                f"FROM beads b WHERE {where} AND (b.document_id, b.position, b.id) > (?, ?, ?) "
                "ORDER BY b.document_id, b.position, b.id LIMIT ?",
                [*params, *last, batch],
            )
            if not rows:
                return
            for row in rows:
                bead = _bead(row)
                if bead.document_id not in docs:
                    name, signature, tgt_doc = self._query(
                        "SELECT name, signature, tgt_document_id FROM documents WHERE id = ?",
                        (bead.document_id,),
                    )[0]
                    docs[bead.document_id] = (name, signature, tgt_doc)
                name, signature, tgt_doc = docs[bead.document_id]
                pair = bead.to_pair(name, signature)
                if segments:
                    if loaded is None or loaded[0] != bead.document_id:
                        loaded = (
                            bead.document_id,
                            self._sentence_texts(bead.document_id),
                            self._sentence_texts(tgt_doc) if tgt_doc else {},
                        )
                    if len(bead.src_ids) > 1:
                        pair.meta["src_segments"] = [loaded[1].get(i, "") for i in bead.src_ids]
                    if len(bead.tgt_ids) > 1:
                        pair.meta["tgt_segments"] = [loaded[2].get(i, "") for i in bead.tgt_ids]
                yield pair
            last = (bead.document_id, bead.position, bead.id)

    def _sentence_texts(self, doc_id: int) -> dict[int, str]:
        return dict(self._query("SELECT idx, text FROM sentences WHERE document_id = ?", (doc_id,)))

    def count_pairs(
        self,
        *,
        status: str | Iterable[str] | None = None,
        origin: str | Iterable[str] | None = None,
        min_score: float | None = None,
        documents: int | Iterable[int] | None = None,
    ) -> int:
        where, params = self._bead_filters(documents, status, origin, min_score, None)
        return self._query(f"SELECT COUNT(*) FROM beads WHERE {where}", params)[0][0]

    def history(self, bead_id: int) -> list[Edit]:
        """The bead's review history, newest first (merges and splits it took part in too)."""
        return [
            Edit(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), json.loads(r[7]), bool(r[8]))
            for r in self._query(
                "SELECT id, bead_id, other_bead_id, action, reviewer, at, before, after, undone "
                "FROM edits WHERE bead_id = ? OR other_bead_id = ? ORDER BY id DESC",
                (bead_id, bead_id),
            )
        ]

    def info(self) -> dict:
        """Counts for `duiyi corpus info`: documents, sentences, beads by status/origin/kind."""

        def grouped(column: str) -> dict[str, int]:
            return dict(
                self._query(f"SELECT {column}, COUNT(*) FROM beads GROUP BY 1 ORDER BY 2 DESC")
            )

        avg = self._query("SELECT AVG(score), MIN(score), MAX(score) FROM beads")[0]
        return {
            "path": self.path,
            "schema_version": self.schema_version,
            "documents": self._query("SELECT COUNT(*) FROM documents WHERE role = 'src'")[0][0],
            "target_documents": self._query("SELECT COUNT(*) FROM documents WHERE role = 'tgt'")[0][
                0
            ],
            "sentences": self._query("SELECT COUNT(*) FROM sentences")[0][0],
            "beads": self._query("SELECT COUNT(*) FROM beads")[0][0],
            "by_status": grouped("status"),
            "by_origin": grouped("origin"),
            "by_kind": grouped("kind"),
            "score": {"mean": avg[0], "min": avg[1], "max": avg[2]},
            "edits": self._query("SELECT COUNT(*) FROM edits")[0][0],
            "signatures": [
                r[0]
                for r in self._query(
                    "SELECT DISTINCT signature FROM documents WHERE signature != '' ORDER BY 1"
                )
            ],
        }

    # -- reviewing ----------------------------------------------------------------------

    def _locked_bead(
        self, conn: sqlite3.Connection, bead_id: int, expected: int | None
    ) -> BeadRecord:
        row = conn.execute(f"SELECT {_BEAD_COLUMNS} FROM beads WHERE id = ?", (bead_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no bead {bead_id} in {self.path} (deleted by a merge?)")
        bead = _bead(row)
        if expected is not None and bead.version != expected:
            raise ConflictError(
                f"bead {bead_id} was changed by someone else (now version {bead.version}, "
                f"you had version {expected}): reload it and try again"
            )
        return bead

    def _log_edit(
        self,
        conn: sqlite3.Connection,
        action: str,
        bead: BeadRecord,
        before: list[BeadRecord],
        after: list[BeadRecord],
        reviewer: str,
        now: str,
        other: int | None = None,
    ) -> int:
        cur = conn.execute(
            "INSERT INTO edits (bead_id, other_bead_id, document_id, action, reviewer, at, before, "
            "after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                bead.id,
                other,
                bead.document_id,
                action,
                reviewer,
                now,
                json.dumps([_snapshot(b) for b in before], ensure_ascii=False),
                json.dumps([_snapshot(b) for b in after], ensure_ascii=False),
            ),
        )
        return cur.lastrowid

    def _write_bead(self, conn: sqlite3.Connection, bead: BeadRecord) -> None:
        """Overwrite the row of `bead.id` with `bead` (its document and creation time stay)."""
        keep = ("id", "document_id", "created_at")
        row = dict(zip(_BEAD_COLUMNS.split(", "), _bead_values(bead), strict=True))
        changed = {name: value for name, value in row.items() if name not in keep}
        assignments = ", ".join(f"{name} = ?" for name in changed)
        conn.execute(f"UPDATE beads SET {assignments} WHERE id = ?", (*changed.values(), bead.id))

    def _insert_bead(self, conn: sqlite3.Connection, bead: BeadRecord) -> int:
        """Insert `bead` (a new row id when `bead.id` is None); returns the row id."""
        marks = ", ".join("?" * len(_BEAD_COLUMNS.split(", ")))
        cur = conn.execute(
            f"INSERT INTO beads ({_BEAD_COLUMNS}) VALUES ({marks})", _bead_values(bead)
        )
        return cur.lastrowid

    def update_bead(
        self,
        bead_id: int,
        *,
        expected_version: int | None,
        status: str | None = None,
        tgt_text: str | None = None,
        reviewer: str = "",
    ) -> BeadRecord:
        """Set a bead's review status and/or target text; the updated bead.

        `expected_version` is the version the caller saw (None skips the check: scripts only).
        A target text that differs from the stored one makes the bead's origin "edited".
        """
        if status is not None:
            _names(status, STATUSES, "status")
        now = utc_now()
        with self._write() as conn:
            before = self._locked_bead(conn, bead_id, expected_version)
            after = BeadRecord(**vars(before))
            if status is not None:
                after.status = status
            if tgt_text is not None and tgt_text != before.tgt_text:
                after.tgt_text = tgt_text
                after.origin = "edited"
            if vars(after) == vars(before):
                return before  # nothing changed: no version bump, no history row
            after.version += 1
            after.updated_at, after.updated_by = now, reviewer
            self._write_bead(conn, after)
            self._log_edit(conn, "update", after, [before], [after], reviewer, now)
        return after

    def merge_with_next(
        self, bead_id: int, *, expected_version: int | None, reviewer: str = ""
    ) -> BeadRecord:
        """Merge a bead with the one after it in its document; the merged bead (same id)."""
        now = utc_now()
        with self._write() as conn:
            first = self._locked_bead(conn, bead_id, expected_version)
            row = conn.execute(
                f"SELECT {_BEAD_COLUMNS} FROM beads WHERE document_id = ? AND "
                "(position > ? OR (position = ? AND id > ?)) ORDER BY position, id LIMIT 1",
                (first.document_id, first.position, first.position, first.id),
            ).fetchone()
            if row is None:
                raise StoreError(f"bead {bead_id} is the last of its document: nothing to merge")
            second = _bead(row)
            merged = BeadRecord(**vars(first))
            merged.src_ids = first.src_ids + second.src_ids
            merged.tgt_ids = first.tgt_ids + second.tgt_ids
            merged.kind = _merged_kind(first.kind, second.kind)
            merged.src_text = _join([first.src_text, second.src_text])
            merged.src_normalized = _join([first.src_normalized, second.src_normalized])
            merged.tgt_text = _join([first.tgt_text, second.tgt_text])
            scores = [s for s in (first.score, second.score) if s is not None]
            merged.score = min(scores) if scores else None
            merged.origin = "edited"
            merged.status = "pending"
            merged.version += 1
            merged.updated_at, merged.updated_by = now, reviewer
            conn.execute("DELETE FROM beads WHERE id = ?", (second.id,))
            self._write_bead(conn, merged)
            self._log_edit(
                conn, "merge", merged, [first, second], [merged], reviewer, now, second.id
            )
        return merged

    def split_bead(
        self,
        bead_id: int,
        *,
        expected_version: int | None,
        src_at: int,
        tgt_at: int,
        reviewer: str = "",
    ) -> tuple[BeadRecord, BeadRecord]:
        """Split a bead at character offsets of its source and target texts; the two beads.

        The first keeps the bead's id; the second is new and comes right after it. Sentence ids
        go to the side where their text starts. Each half must keep some text.
        """
        now = utc_now()
        with self._write() as conn:
            bead = self._locked_bead(conn, bead_id, expected_version)
            if not (0 <= src_at <= len(bead.src_text) and 0 <= tgt_at <= len(bead.tgt_text)):
                raise StoreError(
                    f"split offsets {src_at}/{tgt_at} are outside bead {bead_id}'s texts "
                    f"({len(bead.src_text)}/{len(bead.tgt_text)} characters)"
                )
            src1, src2 = bead.src_text[:src_at].strip(), bead.src_text[src_at:].strip()
            tgt1, tgt2 = bead.tgt_text[:tgt_at].strip(), bead.tgt_text[tgt_at:].strip()
            if not (src1 or tgt1) or not (src2 or tgt2):
                raise StoreError(f"splitting bead {bead_id} there leaves an empty half")
            src_ids1, src_ids2 = self._split_ids(conn, bead, "src", src_at)
            tgt_ids1, tgt_ids2 = self._split_ids(conn, bead, "tgt", tgt_at)
            first = BeadRecord(**vars(bead))
            first.src_ids, first.tgt_ids = src_ids1, tgt_ids1
            first.src_text, first.tgt_text = src1, tgt1
            first.kind = _kind(src_ids1, tgt_ids1, src1, tgt1)
            norm1, norm2 = _split_normalized(bead, src_ids1, src_at)
            first.src_normalized = norm1
            first.origin = "edited"
            first.status = "pending"
            first.version += 1
            first.updated_at, first.updated_by = now, reviewer
            second = BeadRecord(**vars(first))
            second.id = None  # type: ignore[assignment]
            second.src_ids, second.tgt_ids = src_ids2, tgt_ids2
            second.src_text, second.tgt_text = src2, tgt2
            second.src_normalized = norm2
            second.kind = _kind(src_ids2, tgt_ids2, src2, tgt2)
            second.version = 1
            second.created_at = now
            second.position = bead.position + 1
            conn.execute(
                "UPDATE beads SET position = position + 1 WHERE document_id = ? AND position > ?",
                (bead.document_id, bead.position),
            )
            self._write_bead(conn, first)
            second.id = self._insert_bead(conn, second)
            self._log_edit(conn, "split", first, [bead], [first, second], reviewer, now, second.id)
        return first, second

    def _split_ids(
        self, conn: sqlite3.Connection, bead: BeadRecord, side: str, at: int
    ) -> tuple[tuple[int, ...], tuple[int, ...]]:
        ids = bead.src_ids if side == "src" else bead.tgt_ids
        if not ids:
            return (), ()
        if side == "src":
            doc_id = bead.document_id
        else:
            doc_id = conn.execute(
                "SELECT tgt_document_id FROM documents WHERE id = ?", (bead.document_id,)
            ).fetchone()[0]
        texts = dict(
            conn.execute(
                f"SELECT idx, text FROM sentences WHERE document_id = ? AND idx IN "
                f"({', '.join('?' for _ in ids)})",
                (doc_id, *ids),
            ).fetchall()
        )
        first, second, offset = [], [], 0
        for i in ids:
            text = texts.get(i, "").strip()
            (first if offset < at else second).append(i)
            offset += len(text) + (1 if text else 0)
        return tuple(first), tuple(second)

    def undo(self, bead_id: int, *, reviewer: str = "") -> BeadRecord:
        """Revert the last change that touched this bead (an update, merge or split)."""
        now = utc_now()
        with self._write() as conn:
            row = conn.execute(
                "SELECT id, bead_id, action, before, after FROM edits WHERE (bead_id = ? OR "
                "other_bead_id = ?) AND undone = 0 AND action != 'undo' ORDER BY id DESC LIMIT 1",
                (bead_id, bead_id),
            ).fetchone()
            if row is None:
                raise StoreError(f"bead {bead_id} has no change to undo")
            edit_id, main_id, action, before, after = row
            before = [_from_snapshot(s) for s in json.loads(before)]
            after = [_from_snapshot(s) for s in json.loads(after)]
            # Every bead the change produced must still be as it left them (by content: an
            # earlier undo bumps versions but restores exactly what the change before it left).
            for snap in after:
                now_bead = self._locked_bead(conn, snap.id, None)
                if _content(now_bead) != _content(snap):
                    raise ConflictError(
                        f"bead {snap.id} was changed after that {action}: undo the later "
                        "change first, or reload"
                    )
            current = self._locked_bead(conn, main_id, None)
            restored = None
            for snap in after:
                if snap.id not in {b.id for b in before}:
                    conn.execute("DELETE FROM beads WHERE id = ?", (snap.id,))
            for snap in before:
                if snap.id == main_id:
                    snap.version = current.version + 1
                    snap.position = current.position
                    snap.created_at, snap.updated_at = current.created_at, now
                    snap.updated_by = reviewer
                    self._write_bead(conn, snap)
                    restored = snap
                else:  # a bead a merge removed: put it back right after the merged one
                    conn.execute(
                        "UPDATE beads SET position = position + 1 "
                        "WHERE document_id = ? AND position > ?",
                        (current.document_id, current.position),
                    )
                    snap.position = current.position + 1
                    snap.document_id = current.document_id
                    snap.created_at = snap.updated_at = now
                    snap.updated_by = reviewer
                    self._insert_bead(conn, snap)
            conn.execute("UPDATE edits SET undone = 1 WHERE id = ?", (edit_id,))
            assert restored is not None
            self._log_edit(conn, "undo", restored, after, before, reviewer, now)
        return self.get_bead(main_id)


def _content(bead: BeadRecord) -> dict:
    """What a review change can alter: compared before undoing a change."""
    snap = _snapshot(bead)
    del snap["version"], snap["position"]
    return snap


def _sort_key(bead: BeadRecord, sort: str) -> list:
    score = -1 if bead.score is None else bead.score
    return {
        "position": [bead.position, bead.id],
        "score": [score, bead.id],
        "-score": [score, bead.id],
        "status": [bead.status, bead.position, bead.id],
        "origin": [bead.origin, bead.position, bead.id],
    }[sort]


def _from_snapshot(snap: dict) -> BeadRecord:
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
    )


def _merged_kind(a: str, b: str) -> str:
    try:
        (s1, t1), (s2, t2) = (map(int, k.split("-")) for k in (a, b))
    except ValueError:
        return "n-n"
    return f"{s1 + s2}-{t1 + t2}"


def _kind(src_ids: tuple, tgt_ids: tuple, src: str, tgt: str) -> str:
    n_src = len(src_ids) if src_ids else int(bool(src))
    n_tgt = len(tgt_ids) if tgt_ids else int(bool(tgt))
    return f"{n_src}-{n_tgt}"


def _split_normalized(bead: BeadRecord, src_ids1: tuple, src_at: int) -> tuple[str, str]:
    """Split the normalized source like the original (same offset when lengths agree)."""
    norm = bead.src_normalized
    if len(norm) == len(bead.src_text):
        return norm[:src_at].strip(), norm[src_at:].strip()
    return "", ""  # unknown: left empty rather than wrong


def _check_sqlite_header(path: str) -> None:
    """Refuse files that are not SQLite databases before sqlite3 half-opens them."""
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the corpus store: {exc.strerror}") from exc
    if head and head != b"SQLite format 3\x00":
        raise StoreError(f"{path}: not a duiyi corpus store (not an SQLite database)")
