"""`Store`: opening the SQLite file, transactions, migrations; the parts come from mixins."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from duiyi.corpus.store import schema, search
from duiyi.corpus.store.edits import ReviewEditsMixin
from duiyi.corpus.store.ingest import IngestMixin
from duiyi.corpus.store.queries import QueryMixin
from duiyi.corpus.store.schema import check_sqlite_header
from duiyi.errors import StoreError

log = logging.getLogger(__name__)


class Store(IngestMixin, QueryMixin, ReviewEditsMixin):
    """A corpus in one SQLite file. Use `Store.open(path)`; close it (or use `with`)."""

    def __init__(self, conn: sqlite3.Connection, path: str, readonly: bool = False):
        self._conn = conn
        self.path = path
        self.readonly = readonly
        # One connection may be shared by a server's threads: serialize its use.
        self._lock = threading.RLock()
        # Why searches cannot use the full-text index ("" when they can).
        self.search_unavailable = ""

    @classmethod
    def open(cls, path: str | os.PathLike, *, create: bool = True, readonly: bool = False) -> Store:
        """Open the corpus store at `path`: created and migrated, or read-only (never written)."""
        path = str(path)
        exists = Path(path).exists()
        if not exists and (readonly or not create):
            raise StoreError(f"{path}: no such corpus store (create one with --store {path})")
        if exists:
            check_sqlite_header(path)
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
        if self.readonly:
            with self._lock:
                schema.migrate(self._conn, self.path, readonly=True)
                self.search_unavailable = search.search_status(self._conn)
            return
        with self._write() as conn:
            schema.migrate(conn, self.path, readonly=False)
            self.search_unavailable = search.ensure_index(conn, self.path)
            schema.refresh_stats(conn)

    @property
    def schema_version(self) -> int:
        return self._query("SELECT MAX(version) FROM schema_migrations")[0][0]
