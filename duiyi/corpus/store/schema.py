"""The store's schema: ordered migrations, the application id, the SQLite header check."""

from __future__ import annotations

import logging
import sqlite3
from typing import NamedTuple

from duiyi.corpus.store.records import utc_now
from duiyi.errors import StoreError

log = logging.getLogger(__name__)

APPLICATION_ID = 0x44594931  # "DYI1": marks the SQLite file as a duiyi corpus


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


_BEAD_V4_COLUMNS = (
    "id, document_id, position, src_ids, tgt_ids, kind, src_text, src_normalized, tgt_text, "
    "score, origin, engine, status, version, created_at, updated_at, updated_by, meta"
)


class Migration(NamedTuple):
    version: int
    name: str
    sql: str
    # True when this code can still read a file that lacks the migration (an index, say):
    # a read-only open then reads the file as it is instead of refusing it.
    readable_without: bool = False


# Ordered migrations. Append only; never edit a released one.
MIGRATIONS: list[Migration] = [
    Migration(1, "documents, sentences, beads, edits", _SCHEMA_1),
    Migration(
        2,
        "index the score sort key (NULL scores sort as -1)",
        "DROP INDEX beads_doc_score; "
        "CREATE INDEX beads_doc_score_key ON beads (document_id, COALESCE(score, -1), id)",
        readable_without=True,
    ),
    Migration(
        3,
        "review across documents: global sort indexes, bead meta, bulk changes",
        """
        CREATE INDEX beads_score_key ON beads (COALESCE(score, -1), id);
        DROP INDEX beads_status;
        CREATE INDEX beads_status_key ON beads (status, document_id, position, id);
        CREATE INDEX beads_origin_key ON beads (origin, document_id, position, id);
        CREATE INDEX beads_doc_status_score ON beads (document_id, status, score);
        ALTER TABLE beads ADD COLUMN meta TEXT NOT NULL DEFAULT '{}';
        CREATE TABLE changes (
            id INTEGER PRIMARY KEY,
            action TEXT NOT NULL,
            reviewer TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL,
            size INTEGER NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            undone INTEGER NOT NULL DEFAULT 0
        );
        ALTER TABLE edits ADD COLUMN change_id INTEGER REFERENCES changes(id);
        CREATE INDEX edits_change ON edits (change_id) WHERE change_id IS NOT NULL
        """,
    ),
    Migration(
        4,
        "bead ids never given twice (AUTOINCREMENT)",
        # Without AUTOINCREMENT SQLite gives a new row max(id) + 1: the last bead merged away
        # lent its id to the next bead stored, whose history then held the merge and which a
        # stale tab's edit reached. The table is rebuilt (the only way to add the keyword);
        # dropping it drops the full-text triggers, which the same open puts back with the
        # index rebuilt (search.ensure_index). The sequence (the copy's, renamed with it) starts
        # past every id recorded.
        f"""
        CREATE TABLE beads_v4 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
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
            updated_by TEXT NOT NULL DEFAULT '',
            meta TEXT NOT NULL DEFAULT '{{}}'
        );
        INSERT INTO beads_v4 ({_BEAD_V4_COLUMNS}) SELECT {_BEAD_V4_COLUMNS} FROM beads;
        DROP TABLE beads;
        ALTER TABLE beads_v4 RENAME TO beads;
        CREATE INDEX beads_doc_position ON beads (document_id, position, id);
        CREATE INDEX beads_doc_status ON beads (document_id, status, position, id);
        CREATE INDEX beads_doc_origin ON beads (document_id, origin, position, id);
        CREATE INDEX beads_doc_score_key ON beads (document_id, COALESCE(score, -1), id);
        CREATE INDEX beads_score_key ON beads (COALESCE(score, -1), id);
        CREATE INDEX beads_status_key ON beads (status, document_id, position, id);
        CREATE INDEX beads_origin_key ON beads (origin, document_id, position, id);
        CREATE INDEX beads_doc_status_score ON beads (document_id, status, score);
        DELETE FROM sqlite_sequence WHERE name = 'beads';
        INSERT INTO sqlite_sequence (name, seq) SELECT 'beads', MAX(
            (SELECT COALESCE(MAX(id), 0) FROM beads),
            (SELECT COALESCE(MAX(bead_id), 0) FROM edits),
            (SELECT COALESCE(MAX(other_bead_id), 0) FROM edits))
        """,
        readable_without=True,  # the same columns: a read-only open reads the file as it is
    ),
]
# Not a numbered migration: the full-text index (search.py) follows what the SQLite that
# opens the store can do, so it is checked at every writable open.
SCHEMA_VERSION = MIGRATIONS[-1].version


def check_store(conn: sqlite3.Connection, path: str) -> set[str]:
    """The tables of the file at `path`; StoreError unless it is a duiyi store or empty. Reads
    only: it runs before anything (WAL mode, a migration) changes the file."""
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: not a duiyi corpus store ({exc})") from exc
    if tables and "schema_migrations" not in tables:
        raise StoreError(
            f"{path}: an SQLite file but not a duiyi corpus store "
            f"(it has tables {', '.join(sorted(tables)[:5])}); pick another file"
        )
    return tables


def migrate(conn: sqlite3.Connection, path: str, *, readonly: bool) -> None:
    """Bring the file at `path` to SCHEMA_VERSION; a read-only open never writes.

    Refuses SQLite files that are not duiyi stores and stores newer than this code.
    """
    tables = check_store(conn, path)
    current = 0
    if "schema_migrations" in tables:
        current = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        current = current.fetchone()[0]
    if current > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: schema version {current} is newer than this duiyi knows "
            f"({SCHEMA_VERSION}); upgrade duiyi"
        )
    pending = [m for m in MIGRATIONS if m.version > current]
    if not pending:
        return
    if readonly:
        if not current:
            raise StoreError(
                f"{path}: an SQLite database without tables, not a corpus store yet "
                "(import, align or translate with --store creates one)"
            )
        if all(m.readable_without for m in pending):
            log.info("%s: schema %d, read as it is (read-only)", path, current)
            return
        raise StoreError(
            f"{path}: written by an older duiyi (schema {current}, this one needs "
            f"{SCHEMA_VERSION}); upgrade it once with: duiyi corpus upgrade {path}"
        )
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    for migration in pending:
        log.info("%s: migrating to schema %d (%s)", path, migration.version, migration.name)
        for statement in migration.sql.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
            (migration.version, migration.name, utc_now()),
        )
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def refresh_stats(conn: sqlite3.Connection, minimum: int = 1000) -> None:
    """Run ANALYZE on the beads when their number moved past twice or half of what the last
    statistics counted (inside the caller's transaction).

    Without statistics SQLite guesses that `origin = 'mt'` or `status = 'pending'` picks out
    few beads and sorts them all; with them it walks the sort key's index and stops at a
    page: 0.5 ms instead of 60 ms on 100,000 beads. Re-analyzing only at doublings keeps the
    cost at about twice one ANALYZE over a corpus's whole growth.
    """
    count = conn.execute("SELECT COUNT(*) FROM beads").fetchone()[0]
    if count < minimum:
        return
    known = 0
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
        row = conn.execute(
            "SELECT stat FROM sqlite_stat1 WHERE tbl = 'beads' AND idx IS NOT NULL LIMIT 1"
        ).fetchone()
        known = int(row[0].split()[0]) if row else 0
    if not known / 2 <= count <= known * 2:
        log.info("ANALYZE beads (%d rows; statistics counted %d)", count, known)
        conn.execute("ANALYZE beads")


def check_sqlite_header(path: str) -> None:
    """Refuse files that are not SQLite databases before sqlite3 half-opens them."""
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the corpus store: {exc.strerror}") from exc
    if head and head != b"SQLite format 3\x00":
        raise StoreError(f"{path}: not a duiyi corpus store (not an SQLite database)")
