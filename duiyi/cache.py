"""Where duiyi keeps its caches, and the small SQLite setup they share.

The folder is $DUIYI_CACHE, else $XDG_CACHE_HOME/duiyi, else ~/.cache/duiyi. Each cache is one
SQLite file in it (translations.db, e5-embeddings.sqlite), in WAL mode so a killed run keeps
what it committed and readers never wait for a writer.
"""

from __future__ import annotations

import os
import sqlite3
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
