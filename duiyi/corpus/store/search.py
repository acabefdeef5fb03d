"""Text search over the pairs: an SQLite FTS5 trigram index, or LIKE where there is none.

The index (``beads_fts``, external content over ``beads``) holds each pair's source,
normalized source and target. The trigram tokenizer indexes every three characters, so any
substring of three or more characters matches, Chinese included (no word segmentation
needed); it is case-insensitive. Triggers keep it in step with the beads table.

Where this SQLite has no FTS5 (or no trigram tokenizer, before 3.34), searches scan the pairs
with LIKE and say so; so do searches shorter than three characters, which a trigram index
cannot answer. The triggers exist exactly while the index is current: opening a store with a
SQLite that lacks FTS5 drops them (writes would fail otherwise), and the next open with FTS5
rebuilds the index and puts them back.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import sqlite3
from collections.abc import Iterator

log = logging.getLogger(__name__)

FTS_MODULE = "fts5"  # a module name SQLite must know (tests name a missing one)
MIN_FTS_QUERY = 3  # characters: a trigram index cannot answer shorter searches
TEXT_COLUMNS = ("src_text", "src_normalized", "tgt_text")
TRIGGERS = ("beads_fts_insert", "beads_fts_delete", "beads_fts_update")

_COLS = ", ".join(TEXT_COLUMNS)
_NEW = ", ".join(f"new.{c}" for c in TEXT_COLUMNS)
_OLD = ", ".join(f"old.{c}" for c in TEXT_COLUMNS)
_CHANGED = " OR ".join(f"old.{c} IS NOT new.{c}" for c in TEXT_COLUMNS)
_CREATE_TRIGGERS = [
    f"CREATE TRIGGER beads_fts_insert AFTER INSERT ON beads BEGIN "
    f"INSERT INTO beads_fts (rowid, {_COLS}) VALUES (new.id, {_NEW}); END",
    f"CREATE TRIGGER beads_fts_delete AFTER DELETE ON beads BEGIN "
    f"INSERT INTO beads_fts (beads_fts, rowid, {_COLS}) VALUES ('delete', old.id, {_OLD}); END",
    # Only text changes touch the index: a status change (a bulk approve) costs nothing here.
    f"CREATE TRIGGER beads_fts_update AFTER UPDATE OF {_COLS} ON beads WHEN {_CHANGED} BEGIN "
    f"INSERT INTO beads_fts (beads_fts, rowid, {_COLS}) VALUES ('delete', old.id, {_OLD}); "
    f"INSERT INTO beads_fts (rowid, {_COLS}) VALUES (new.id, {_NEW}); END",
]


def fts_available() -> str:
    """ "" when this SQLite has FTS5 with the trigram tokenizer, else why not.

    Probed on a scratch in-memory database: the same library, and it works for stores opened
    read-only too.
    """
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute(f"CREATE VIRTUAL TABLE p USING {FTS_MODULE}(x, tokenize='trigram')")
    except sqlite3.DatabaseError as exc:
        return f"this SQLite {sqlite3.sqlite_version} has no FTS5 trigram index: {exc}"
    finally:
        probe.close()
    return ""


def search_status(conn: sqlite3.Connection) -> str:
    """For a store opened read-only: "" when searches can use the index, else why not."""
    missing = fts_available()
    if missing:
        return missing
    if not index_current(conn):
        return "the store's search index is not built (open it once for writing to build it)"
    return ""


def index_current(conn: sqlite3.Connection) -> bool:
    """Whether the index exists and its triggers keep it in step."""
    names = {
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'beads_fts_%'"
        )
    }
    return names == set(TRIGGERS)


def ensure_index(conn: sqlite3.Connection, path: str) -> str:
    """Make the index current where FTS5 is there, or drop its triggers where it is not.

    Runs inside the caller's write transaction. Returns "" when searches can use the index,
    else why they cannot (shown on the review page).
    """
    missing = fts_available()
    current = index_current(conn)
    if missing:
        if current or _has_triggers(conn):
            log.warning(
                "%s: %s; dropping the search index's triggers (searches scan)", path, missing
            )
            for name in TRIGGERS:
                conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        return missing
    if current:
        return ""
    count = conn.execute("SELECT COUNT(*) FROM beads").fetchone()[0]
    if count:  # a store from before the index, or from a SQLite without FTS5: say why we wait
        log.warning("%s: building the search index over %d pairs (once)", path, count)
    for name in TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    conn.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS beads_fts USING {FTS_MODULE}("
        f"{_COLS}, content='beads', content_rowid='id', tokenize='trigram')"
    )
    conn.execute("INSERT INTO beads_fts (beads_fts) VALUES ('rebuild')")
    for sql in _CREATE_TRIGGERS:
        conn.execute(sql)
    return ""


# ids of the beads inserted inside a bulk_insert block (a temporary table: trigger bodies
# name tables unqualified, and a temporary trigger finds temp's before main's)
_PENDING = "fts_pending"
_BULK_TRIGGERS = ("fts_bulk_insert", "fts_bulk_delete", "fts_bulk_update")
_CREATE_BULK_TRIGGERS = [
    "CREATE TEMP TRIGGER fts_bulk_insert AFTER INSERT ON main.beads BEGIN "
    f"INSERT OR IGNORE INTO {_PENDING} VALUES (new.id); END",
    # a bead inserted in the block is not in the index yet: forget it, do not un-index it
    "CREATE TEMP TRIGGER fts_bulk_delete AFTER DELETE ON main.beads BEGIN "
    f"INSERT INTO beads_fts (beads_fts, rowid, {_COLS}) SELECT 'delete', old.id, {_OLD} "
    f"WHERE old.id NOT IN (SELECT id FROM {_PENDING}); "
    f"DELETE FROM {_PENDING} WHERE id = old.id; END",
    f"CREATE TEMP TRIGGER fts_bulk_update AFTER UPDATE OF {_COLS} ON main.beads WHEN "
    f"({_CHANGED}) AND old.id NOT IN (SELECT id FROM {_PENDING}) BEGIN "
    f"INSERT INTO beads_fts (beads_fts, rowid, {_COLS}) VALUES ('delete', old.id, {_OLD}); "
    f"INSERT INTO beads_fts (rowid, {_COLS}) VALUES (new.id, {_NEW}); END",
]


@contextlib.contextmanager
def bulk_insert(conn: sqlite3.Connection) -> Iterator[None]:
    """Around many bead inserts (inside the caller's transaction): index them in one statement.

    Row by row, the insert trigger makes FTS5 write one index segment per row (each statement
    flushes it): 5× slower. So for the block the index's triggers give way to temporary ones
    that note the new beads' ids, and those beads are indexed at its end with one INSERT …
    SELECT. The ids are noted, not taken as "above the largest before": a document replaced
    in the block frees ids that its new beads reuse, and a bead inserted and deleted again in
    the block (the same document imported twice) must not be un-indexed, which would corrupt
    the index. The DDL is part of the transaction, so a rollback puts everything back.
    """
    if not index_current(conn):
        yield
        return
    conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_PENDING} (id INTEGER PRIMARY KEY)")
    conn.execute(f"DELETE FROM {_PENDING}")
    for name in TRIGGERS:
        conn.execute(f"DROP TRIGGER {name}")
    for sql in _CREATE_BULK_TRIGGERS:
        conn.execute(sql)
    try:
        yield
        conn.execute(
            f"INSERT INTO beads_fts (rowid, {_COLS}) SELECT id, {_COLS} FROM beads "
            f"WHERE id IN (SELECT id FROM {_PENDING})"
        )
    except BaseException:
        # SQLite may have rolled the transaction back itself (no room for its temporary
        # files, an interrupt), the temporary table with it: the error to tell is what went
        # wrong, not "no such table" from tidying up
        with contextlib.suppress(sqlite3.Error):
            _end_bulk(conn)
        raise
    _end_bulk(conn)
    for sql in _CREATE_TRIGGERS:
        conn.execute(sql)


def _end_bulk(conn: sqlite3.Connection) -> None:
    for name in _BULK_TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS temp.{name}")
    conn.execute(f"DELETE FROM {_PENDING}")


def rebuild_index(conn: sqlite3.Connection) -> None:
    """Index every bead afresh (inside the caller's transaction): repairs an index that stores
    written before bulk_insert noted its ids could have damaged."""
    conn.execute("INSERT INTO beads_fts (beads_fts) VALUES ('rebuild')")


def _has_triggers(conn: sqlite3.Connection) -> bool:
    return bool(
        conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'beads_fts_%'"
        ).fetchone()
    )


@functools.lru_cache(maxsize=256)
def search_terms(text: str) -> tuple[str, ...]:
    """What a search looks for: the text as typed and, when it differs, its normalized form
    (widths folded, Traditional → Simplified), which the normalized sources are in: 天氣 finds
    天气 in a Simplified document too."""
    from duiyi.corpus.normalize import normalize_text

    normalized = normalize_text(text, "t2s")
    return (text,) if normalized == text or not normalized else (text, normalized)


def fts_phrase(text: str) -> str:
    """`text` as one FTS5 phrase: matched literally (as a substring, with trigrams)."""
    return '"' + text.replace('"', '""') + '"'


def like_clause(text: str, prefix: str = "") -> tuple[str, list]:
    """The LIKE condition (and its parameters) for a substring of any of the text columns."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    likes = " OR ".join(f"{prefix}{c} LIKE ? ESCAPE '\\'" for c in TEXT_COLUMNS)
    return f"({likes})", [pattern] * len(TEXT_COLUMNS)
