"""`Store`: opening the SQLite file, transactions, migrations; the parts come from mixins."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from duiyi.atomic import protect_inputs
from duiyi.corpus.store import schema, search
from duiyi.corpus.store.edits import ReviewEditsMixin
from duiyi.corpus.store.ingest import IngestMixin
from duiyi.corpus.store.queries import QueryMixin
from duiyi.corpus.store.schema import check_sqlite_header, check_store
from duiyi.errors import StoreError

log = logging.getLogger(__name__)

_SQLITE_READONLY = 8  # SQLite's primary result code for a write to a read-only database
_SQLITE_BUSY = 5  # another connection holds the lock (after waiting BUSY_TIMEOUT_MS)
BUSY_TIMEOUT_MS = 10_000  # how long a writer waits for another one to finish


def _writable(path: str) -> bool:
    """Whether this process may write the store at `path` (its file and folder: SQLite writes
    the -wal/-shm files beside it)."""
    return not read_only_reason(path)


def read_only_reason(path: str | os.PathLike) -> str:
    """Why this process may not write the store at `path` ("" when it may): the file or its
    folder (where SQLite writes the -wal/-shm files) is not writable, or on a read-only disk."""
    file = Path(path)
    folder = file.resolve().parent
    for what, name in ((file, str(path)), (folder, f"its folder {folder}")):
        if (what is folder or what.exists()) and not os.access(what, os.W_OK):
            if what.exists() and os.statvfs(what).f_flag & os.ST_RDONLY:
                return f"{name} is on a read-only disk"
            return f"no write permission on {name}"
    return ""


def _file_identity(path: str) -> tuple[int, int] | None:
    """The file at `path` (device and inode), None when there is none."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _read_only_error(path: str) -> StoreError:
    return StoreError(
        f"{path}: the corpus store is read-only here (no write permission on the file or its "
        "folder, or a read-only disk); this command needs to write it: copy it somewhere "
        "writable or ask its owner"
    )


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
        self.created = False  # by this open: a failed command removes it again
        # The file opened: a store moved, removed or replaced meanwhile is refused, not read
        # at its path while changes go on into the file this connection still holds.
        self._identity = _file_identity(path)

    @classmethod
    def open(cls, path: str | os.PathLike, *, create: bool = True, readonly: bool = False) -> Store:
        """Open the corpus store at `path`: created and migrated, or read-only (never written)."""
        path = str(path)
        protect_inputs([path])  # `export store -o store` must not replace it
        exists = Path(path).exists()
        if exists and not Path(path).is_file():  # opening a FIFO would wait for a writer
            raise StoreError(
                f"{path}: not a regular file (a directory, a pipe or a device), so not a "
                "corpus store"
            )
        if not exists and (readonly or not create):
            raise StoreError(
                f"{path}: no such corpus store (import, align or translate with --store {path} "
                "creates one)"
            )
        if exists and (readonly or not create) and Path(path).stat().st_size == 0:
            raise StoreError(
                f"{path}: an empty file, not a corpus store (import, align or translate with "
                "--store creates one)"
            )
        if exists:
            check_sqlite_header(path)
        elif not readonly:
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{path}: cannot create its folder: {exc.strerror}") from exc
        writable = _writable(path)
        if not readonly and not writable:
            raise _read_only_error(path)
        try:
            if readonly:
                conn = cls._connect_readonly(path, writable)
            else:
                conn = sqlite3.connect(
                    path, isolation_level=None, check_same_thread=False, timeout=10
                )
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            if not readonly:
                check_store(conn, path)  # before WAL mode changes an unrelated file
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if mode.lower() != "wal":
                    log.warning("%s: journal mode %s, not WAL", path, mode)
                conn.execute("PRAGMA synchronous = NORMAL")  # durable across process kills
        except sqlite3.DatabaseError as exc:
            if getattr(exc, "sqlite_errorcode", 0) & 0xFF == _SQLITE_READONLY:
                raise _read_only_error(path) from exc
            raise StoreError(f"{path}: cannot open the corpus store: {exc}") from exc
        except StoreError:
            with contextlib.suppress(UnboundLocalError):
                conn.close()
            raise
        store = cls(conn, path, readonly)
        store.created = not exists
        try:
            store._migrate()
        except BaseException:
            conn.close()
            raise
        return store

    @staticmethod
    def _connect_readonly(path: str, writable: bool) -> sqlite3.Connection:
        """A connection that never writes the store.

        Where we may write, read-write with query_only: closing the last connection then
        removes the -wal/-shm files, which a mode=ro connection cannot. Elsewhere mode=ro;
        where even that cannot open the file (a WAL store on a read-only disk or in another
        user's folder: no -shm can be made), immutable=1, which reads without any locking.
        """
        uri = Path(path).resolve().as_uri()
        modes = ["?mode=rw"] if writable else ["?mode=ro", "?mode=ro&immutable=1"]
        for n, mode in enumerate(modes, 1):
            conn = sqlite3.connect(
                uri + mode, uri=True, isolation_level=None, check_same_thread=False, timeout=10
            )
            try:
                conn.execute("PRAGMA query_only = ON")
                conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
                return conn
            except sqlite3.DatabaseError:
                conn.close()
                if n == len(modes):
                    raise
                log.info("%s: read-only and cannot be opened shared; read as immutable", path)
        raise AssertionError("unreachable")

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Store]:
        """A read-only view of the store as it is now, on a connection of its own: counts and
        pairs read through it come from one state, however long the reading takes and
        whatever other commands commit meanwhile (WAL: they are not kept waiting)."""
        self.check_same_file()
        try:
            conn = self._connect_readonly(self.path, _writable(self.path))
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: {exc}") from exc
        try:
            self.check_same_file()  # the file just opened is still this store's
            conn.execute("BEGIN")
            conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()  # the snapshot
            view = type(self)(conn, self.path, readonly=True)
            view.search_unavailable = self.search_unavailable
            yield view
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: {exc}{self._hint(exc)}") from exc
        finally:
            conn.close()

    def check_same_file(self) -> None:
        """StoreError if the store's path no longer names the file this store opened (moved,
        removed, or another file put in its place since). A snapshot checks it, as it opens
        the path anew; a server that reads by path and writes through this store (review)
        checks it before a change too."""
        if _file_identity(self.path) != self._identity:
            raise StoreError(
                f"{self.path}: the corpus store was moved, removed or replaced since this "
                "command opened it: start the command again to open the one there now"
            )

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        self.close()
        if exc_type is not None and self.created and not self._left_anything():
            # a command that failed on the store it was creating leaves no empty store behind
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(OSError):
                    os.unlink(self.path + suffix)

    def _left_anything(self) -> bool:
        try:
            with contextlib.closing(sqlite3.connect(self.path)) as conn:
                return bool(conn.execute("SELECT 1 FROM documents LIMIT 1").fetchone())
        except sqlite3.Error:
            return True  # not what we created: leave it

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        """Several writes as one transaction (a multi-file import): all of them, or none."""
        with self._write():
            yield self

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: everything inside commits together or not at all. Inside
        `transaction()` it joins the open one (which then commits or rolls back the lot)."""
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only")
        with self._lock:
            if self._conn.in_transaction:  # inside transaction(): this thread holds the lock
                try:
                    yield self._conn
                except sqlite3.DatabaseError as exc:
                    raise self._write_error(exc) from exc
                return
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if getattr(exc, "sqlite_errorcode", 0) & 0xFF == _SQLITE_BUSY:
                    raise StoreError(
                        f"{self.path}: another command has been writing the corpus store for "
                        f"more than {BUSY_TIMEOUT_MS // 1000} s (an import, a translate or "
                        "align --store, a review): run this one again once it is done"
                    ) from exc
                raise StoreError(f"{self.path}: cannot start a write: {exc}") from exc
            try:
                yield self._conn
            except sqlite3.DatabaseError as exc:  # read-only file, disk full, corruption, …
                self._rollback()
                raise self._write_error(exc) from exc
            except BaseException:
                self._rollback()
                raise
            try:
                self._conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                self._rollback()
                raise StoreError(f"{self.path}: cannot commit: {exc}") from exc

    def _write_error(self, exc: sqlite3.DatabaseError) -> StoreError:
        if getattr(exc, "sqlite_errorcode", 0) & 0xFF == _SQLITE_READONLY:
            return _read_only_error(self.path)
        return StoreError(f"{self.path}: cannot write the corpus store: {exc}{self._hint(exc)}")

    def _hint(self, exc: sqlite3.DatabaseError) -> str:
        """What to do about `exc` where SQLite found the file damaged: the search index alone
        (FTS5's own structure, which SQLite's check does not read) is rebuilt by `corpus
        upgrade`; damaged tables are not."""
        if "malformed" not in str(exc):
            return ""
        if problem := self.damage():
            return f"; it is damaged ({problem}): {self._salvage}"
        return f" (`duiyi corpus upgrade {self.path}` rebuilds its search index)"

    @property
    def _salvage(self) -> str:
        return (
            "restore it from a backup, or save what SQLite can still read with "
            f"`sqlite3 {self.path} .recover | sqlite3 recovered.db`"
        )

    def damage(self) -> str:
        """The first problem SQLite's `quick_check` finds in the file ("" when none)."""
        with self._lock:
            try:
                rows = self._conn.execute("PRAGMA quick_check(5)").fetchall()
            except sqlite3.DatabaseError as exc:
                return str(exc)
        lines = [line for (row,) in rows for line in row.splitlines() if not line.startswith("***")]
        return "" if lines == ["ok"] else lines[0]

    def _rollback(self) -> None:
        # SQLite may already have rolled back (e.g. after SQLITE_FULL): nothing left to undo.
        with contextlib.suppress(sqlite3.OperationalError):
            self._conn.execute("ROLLBACK")

    def _query(self, sql: str, params: Sequence = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self.path}: {exc}{self._hint(exc)}") from exc

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

    def rebuild_search_index(self) -> bool:
        """Rebuild the full-text index from the pairs (repairs a damaged one); False where
        this SQLite has none. StoreError where the rest of the file is damaged too: the index
        was all this could repair."""
        try:
            if not self.search_unavailable:
                with self._write() as conn:
                    search.rebuild_index(conn)
        except StoreError:
            if not self.damage():
                raise
        if problem := self.damage():
            raise StoreError(
                f"{self.path}: the corpus store is damaged beyond its search index ({problem}): "
                + self._salvage
            )
        return not self.search_unavailable

    @property
    def schema_version(self) -> int:
        return self._query("SELECT MAX(version) FROM schema_migrations")[0][0]
