"""Where duiyi keeps its caches, and the small SQLite setup they share.

The folder is $DUIYI_CACHE, else $XDG_CACHE_HOME/duiyi, else ~/.cache/duiyi. Each cache is one
SQLite file in it (translations.db, e5-embeddings.sqlite), in WAL mode so a killed run keeps
what it committed and readers never wait for a writer. Each cache table is keyed by a hash in
its `key` column: `read_keyed` reads the rows of many keys, `write_keyed` adds or replaces rows.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from duiyi.errors import StoreError


def cache_dir() -> Path:
    """The folder duiyi's caches live in (not created here)."""
    if os.environ.get("DUIYI_CACHE"):
        return Path(os.environ["DUIYI_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "duiyi"


def cache_path(name: str) -> Path:
    """The default file of the cache called `name` (e.g. "translations.db")."""
    return cache_dir() / name


def open_cache_db(path: Path, schema: str, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """Open (creating its folder and tables) the SQLite cache at `path`, in WAL mode."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=30, check_same_thread=check_same_thread)
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(schema)
        db.commit()
    except (sqlite3.Error, OSError) as exc:
        raise StoreError(
            f"cannot open the cache {path}: {exc} (use --cache PATH or --no-cache)"
        ) from exc
    return db


KEYS_PER_QUERY = 500  # under SQLite's limit on a statement's variables (999 in old versions)


def read_keyed(db: sqlite3.Connection, table: str, columns: str, keys: Sequence) -> Iterator[tuple]:
    """The rows (key, *columns) of `table` whose `key` is one of `keys` (those it has), a
    bounded number of keys a query. `columns`: SQL column names, e.g. "vec" or "draft, flags"."""
    for start in range(0, len(keys), KEYS_PER_QUERY):
        chunk = list(keys[start : start + KEYS_PER_QUERY])
        marks = ",".join("?" * len(chunk))
        yield from db.execute(f"SELECT key, {columns} FROM {table} WHERE key IN ({marks})", chunk)


def write_keyed(db: sqlite3.Connection, table: str, columns: str, rows: Iterable[tuple]) -> None:
    """Add or replace `rows` (values of `columns`, the key among them) in `table`; one commit."""
    marks = ",".join("?" * len(columns.split(",")))
    with db:
        db.executemany(f"INSERT OR REPLACE INTO {table} ({columns}) VALUES ({marks})", rows)
