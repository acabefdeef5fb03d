"""Review edits: update, merge, split and undo, each one transaction with a history row."""

from __future__ import annotations

import json
import pickle
import sqlite3
from collections.abc import Iterator

from duiyi.corpus.model import STATUSES, Pair
from duiyi.corpus.pairs import bead_kind, join_sentences
from duiyi.corpus.store.records import (
    BEAD_COLUMNS,
    DIGEST_COLUMNS,
    BeadFilter,
    BeadRecord,
    Change,
    ConflictError,
    NotFoundError,
    bead_content,
    bead_from_row,
    bead_values,
    check_names,
    from_snapshot,
    merged_kind,
    row_digest,
    snapshot,
    utc_now,
)
from duiyi.errors import StoreError

_BATCH = 500  # beads (history rows) a bulk change or its undo reads at a time
_UNMATCHED = "temp.xliff_unmatched"  # apply_translations' pairs that match no stored sentence


class ReviewEditsMixin:
    """The reviewing part of `Store`."""

    def _locked_bead(
        self, conn: sqlite3.Connection, bead_id: int, expected: int | None
    ) -> BeadRecord:
        row = conn.execute(f"SELECT {BEAD_COLUMNS} FROM beads WHERE id = ?", (bead_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no pair #{bead_id} in {self.path} (merged into another one?)")
        bead = bead_from_row(row)
        if expected is not None and bead.version != expected:
            raise ConflictError(
                f"pair #{bead_id} was changed by someone else since you read it (now version "
                f"{bead.version}, you had version {expected})"
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
                json.dumps([snapshot(b) for b in before], ensure_ascii=False),
                json.dumps([snapshot(b) for b in after], ensure_ascii=False),
            ),
        )
        return cur.lastrowid

    def _write_bead(self, conn: sqlite3.Connection, bead: BeadRecord) -> None:
        """Overwrite the row of `bead.id` with `bead` (its document and creation time stay)."""
        keep = ("id", "document_id", "created_at")
        row = dict(zip(BEAD_COLUMNS.split(", "), bead_values(bead), strict=True))
        changed = {name: value for name, value in row.items() if name not in keep}
        assignments = ", ".join(f"{name} = ?" for name in changed)
        conn.execute(f"UPDATE beads SET {assignments} WHERE id = ?", (*changed.values(), bead.id))

    def _insert_bead(self, conn: sqlite3.Connection, bead: BeadRecord) -> int:
        """Insert `bead` (a new row id when `bead.id` is None); returns the row id."""
        marks = ", ".join("?" * len(BEAD_COLUMNS.split(", ")))
        cur = conn.execute(
            f"INSERT INTO beads ({BEAD_COLUMNS}) VALUES ({marks})", bead_values(bead)
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
            check_names(status, STATUSES, "status")
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
    ) -> Change:
        """Merge a bead with the one after it in its document (the merged bead keeps the id;
        the next one is removed)."""
        now = utc_now()
        with self._write() as conn:
            first = self._locked_bead(conn, bead_id, expected_version)
            row = conn.execute(
                f"SELECT {BEAD_COLUMNS} FROM beads WHERE document_id = ? AND "
                "(position > ? OR (position = ? AND id > ?)) ORDER BY position, id LIMIT 1",
                (first.document_id, first.position, first.position, first.id),
            ).fetchone()
            if row is None:
                raise StoreError(f"pair #{bead_id} is the last of its document: nothing to merge")
            second = bead_from_row(row)
            merged = BeadRecord(**vars(first))
            merged.src_ids = first.src_ids + second.src_ids
            merged.tgt_ids = first.tgt_ids + second.tgt_ids
            merged.kind = merged_kind(first.kind, second.kind)
            merged.src_text = join_sentences([first.src_text, second.src_text])
            merged.src_normalized = join_sentences([first.src_normalized, second.src_normalized])
            merged.tgt_text = join_sentences([first.tgt_text, second.tgt_text])
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
        return Change([merged], [second.id])

    def split_bead(
        self,
        bead_id: int,
        *,
        expected_version: int | None,
        src_at: int,
        tgt_at: int,
        reviewer: str = "",
    ) -> Change:
        """Split a bead at character offsets of its source and target texts (two beads).

        The first keeps the bead's id; the second is new and comes right after it. Sentence ids
        go to the side where their text starts. Each half must keep some text.
        """
        now = utc_now()
        with self._write() as conn:
            bead = self._locked_bead(conn, bead_id, expected_version)
            if not (0 <= src_at <= len(bead.src_text) and 0 <= tgt_at <= len(bead.tgt_text)):
                raise StoreError(
                    f"split offsets {src_at}/{tgt_at} are outside pair #{bead_id}'s texts "
                    f"({len(bead.src_text)}/{len(bead.tgt_text)} characters)"
                )
            src1, src2 = bead.src_text[:src_at].strip(), bead.src_text[src_at:].strip()
            tgt1, tgt2 = bead.tgt_text[:tgt_at].strip(), bead.tgt_text[tgt_at:].strip()
            if not (src1 or tgt1) or not (src2 or tgt2):
                raise StoreError(f"splitting pair #{bead_id} there leaves an empty half")
            src_ids1, src_ids2 = self._split_ids(conn, bead, "src", src_at)
            tgt_ids1, tgt_ids2 = self._split_ids(conn, bead, "tgt", tgt_at)
            first = BeadRecord(**vars(bead))
            first.src_ids, first.tgt_ids = src_ids1, tgt_ids1
            first.src_text, first.tgt_text = src1, tgt1
            first.kind = bead_kind(src_ids1, tgt_ids1, src1, tgt1)
            norm1, norm2 = split_normalized(bead, src_ids1, src_at)
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
            second.kind = bead_kind(src_ids2, tgt_ids2, src2, tgt2)
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
        return Change([first, second], [])

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

    def undo(
        self, bead_id: int, *, expected_version: int | None = None, reviewer: str = ""
    ) -> Change:
        """Revert the last change that touched this bead (an update, merge or split).

        `expected_version` is the version the caller saw, as for `update_bead` (None skips the
        check, which also lets a bead merged away be undone by its id).
        `Change.beads` are the beads it brought back; `removed`, those it took away (the second
        half of an undone split). `main` may be another bead than `bead_id` (a split's first
        half, when undoing from its second)."""
        now = utc_now()
        with self._write() as conn:
            if expected_version is not None:  # else the undo could revert someone's later change
                self._locked_bead(conn, bead_id, expected_version)
            row = conn.execute(
                "SELECT id, bead_id, action, before, after FROM edits WHERE (bead_id = ? OR "
                "other_bead_id = ?) AND undone = 0 AND action != 'undo' ORDER BY id DESC LIMIT 1",
                (bead_id, bead_id),
            ).fetchone()
            if row is None:
                raise StoreError(f"pair #{bead_id} has no change to undo")
            group = conn.execute("SELECT change_id FROM edits WHERE id = ?", (row[0],)).fetchone()
            if group[0] is not None:  # part of a bulk change: undone whole
                change = self._undo_change(conn, group[0], reviewer, now)
                clicked = self._locked_bead(conn, bead_id, None)
                others = [b for b in change.beads if b.id != bead_id]
                return Change([clicked, *others], [], change.change_id, change.size)
            edit_id, main_id, action, before, after = row
            before = [from_snapshot(s) for s in json.loads(before)]
            after = [from_snapshot(s) for s in json.loads(after)]
            # Every bead the change produced must still be as it left them (by content: an
            # earlier undo bumps versions but restores exactly what the change before it left).
            for snap in after:
                now_bead = self._locked_bead(conn, snap.id, None)
                if bead_content(now_bead) != bead_content(snap):
                    raise ConflictError(
                        f"pair #{snap.id} was changed after that {action}: undo the later "
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
        restored_ids = {b.id for b in before}
        removed = [snap.id for snap in after if snap.id not in restored_ids]
        beads = sorted((self.get_bead(b.id) for b in before), key=lambda b: (b.position, b.id))
        return Change(beads, removed)  # the bead main_id first: it comes first in the document

    def apply_translations(
        self, pairs, *, reviewer: str = ""
    ) -> tuple[dict[str, int], Iterator[Pair]]:
        """Put a translator's targets (an edited XLIFF) on the stored beads they came from, in
        one transaction; returns (counts, the pairs that match no stored sentence).

        A pair finds its bead by its id: a bead id (XLIFF exported from a store) or
        "DOCUMENT:INDEX" (drafts written by `duiyi translate`: the sentence's index in the
        document, newest stored document of that name first); failing that, by the same source
        text in a document of that name. A changed target makes the bead "edited" (over a
        machine or aligned draft) or "human" (over a gloss draft or none); a pair the
        translator's tool confirmed (`meta["confirmed"]`) approves the bead. Every change is an
        "update" in the history (undoable, as a review edit is).

        The unmatched pairs are spilled to a temporary table as they come (an XLIFF may hold
        millions), not kept in memory; read them back, in order, before the next call. They
        are added only after every pair was matched, so none matches a pair added from the
        same file.
        """
        counts = dict.fromkeys(("matched", "edited", "human", "approved", "unchanged"), 0)
        now = utc_now()
        with self._write() as conn:
            conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_UNMATCHED} (pair BLOB NOT NULL)")
            conn.execute(f"DELETE FROM {_UNMATCHED}")
            documents: dict[str, list[int]] = {}
            used: set[int] = set()
            for pair in pairs:
                bead = self._bead_for(conn, pair, documents, used)
                if bead is None:
                    # pickled: the same Pair comes back (our own bytes, in our own connection)
                    conn.execute(f"INSERT INTO {_UNMATCHED} VALUES (?)", (pickle.dumps(pair),))
                    continue
                used.add(bead.id)
                counts["matched"] += 1
                after = BeadRecord(**vars(bead))
                if pair.tgt != bead.tgt_text:
                    after.tgt_text = pair.tgt
                    drafted = bead.origin != "gloss" and bead.tgt_text.strip()
                    after.origin = "edited" if drafted else "human"
                    counts[after.origin] += 1
                if (pair.meta or {}).get("confirmed") and bead.status != "approved":
                    after.status = "approved"
                    counts["approved"] += 1
                if vars(after) == vars(bead):
                    counts["unchanged"] += 1
                    continue
                after.version += 1
                after.updated_at, after.updated_by = now, reviewer
                self._write_bead(conn, after)
                self._log_edit(conn, "update", after, [bead], [after], reviewer, now)
        return counts, self._unmatched()

    def _unmatched(self) -> Iterator[Pair]:
        """The pairs `apply_translations` spilled, in their order, a block at a time."""
        last = 0
        while True:
            with self._lock:
                rows = self._conn.execute(
                    f"SELECT rowid, pair FROM {_UNMATCHED} WHERE rowid > ? ORDER BY rowid "
                    "LIMIT 1000",
                    (last,),
                ).fetchall()
            if not rows:
                with self._lock:
                    self._conn.execute(f"DELETE FROM {_UNMATCHED}")  # free the temporary pages
                return
            last = rows[-1][0]
            yield from (pickle.loads(pair) for _, pair in rows)

    def _bead_for(self, conn, pair, documents: dict, used: set) -> BeadRecord | None:
        """The stored bead `pair` was written from (see `apply_translations`), or None.
        `documents`: {name: [its stored documents' `_Sources`]}, loaded as names come up."""
        src = pair.src.strip()

        def fits(bead_id: int | None) -> BeadRecord | None:
            if bead_id is None or bead_id in used:
                return None
            row = conn.execute(f"SELECT {BEAD_COLUMNS} FROM beads WHERE id = ?", (bead_id,))
            bead = bead_from_row(row) if (row := row.fetchone()) is not None else None
            return bead if bead and bead.src_text.strip() == src else None

        key = pair.id or ""
        if key.isdigit() and (bead := fits(int(key))):
            return bead
        name, _, index = key.rpartition(":")
        name = name or pair.document
        if name not in documents:
            documents[name] = [
                _Sources(conn, r[0])
                for r in conn.execute(
                    "SELECT id FROM documents WHERE name = ? AND role = 'src' ORDER BY id DESC",
                    (name,),
                )
            ]
        for sources in documents[name]:
            if index.isdigit() and (bead := fits(sources.by_sentence().get(int(index)))):
                return bead
            for bead_id in sources.by_text().get(pair.src, ()):
                if bead := fits(bead_id):
                    return bead
        return None

    # -- changes to many beads at once ----------------------------------------------------

    def bulk_update(
        self,
        where: BeadFilter,
        *,
        status: str,
        expected_count: int | None = None,
        reviewer: str = "",
    ) -> Change:
        """Set the status of every bead `where` selects, as one change (one undo reverts it).

        `expected_count` is how many beads the caller was shown: if the filter now selects
        another number (someone changed pairs meanwhile), ConflictError and nothing changes.
        Beads that already have the status are left as they are. Each changed bead gets its
        history row, all naming the change; `Change.beads` stays empty (there may be many).
        The rows hold what a status change needs (status, version, a digest of the rest), not
        whole snapshots: 10,000 of them are written in a fraction of a second. Only the ids
        are read at once; the rest in batches, so that memory stays flat.
        """
        check_names(status, STATUSES, "status")
        now = utc_now()
        with self._write() as conn:
            sql_where, params, _ = self._where(where)
            found = conn.execute(
                f"SELECT id, status = ? FROM beads WHERE {sql_where} ORDER BY id",
                [status, *params],
            ).fetchall()
            if expected_count is not None and len(found) != expected_count:
                raise ConflictError(
                    f"these filters now match {len(found):,} pairs, not the {expected_count:,} "
                    "you were shown (someone changed pairs meanwhile): reload and check"
                )
            ids = [bead_id for bead_id, same in found if not same]
            del found
            if not ids:
                return Change([], [], None, 0)
            cur = conn.execute(
                "INSERT INTO changes (action, reviewer, at, size, description) "
                "VALUES (?, ?, ?, ?, ?)",
                (f"bulk {status}", reviewer, now, len(ids), ""),
            )
            change_id = cur.lastrowid
            for start in range(0, len(ids), _BATCH):
                chunk = ids[start : start + _BATCH]
                rows = conn.execute(
                    f"SELECT id, document_id, status, version, {DIGEST_COLUMNS} FROM beads "
                    f"WHERE id IN ({', '.join('?' for _ in chunk)}) ORDER BY id",
                    chunk,
                ).fetchall()
                conn.executemany(
                    "UPDATE beads SET status = ?, version = version + 1, updated_at = ?, "
                    "updated_by = ? WHERE id = ?",
                    ((status, now, reviewer, r[0]) for r in rows),
                )
                self._log_edits(
                    conn,
                    [_status_row(r, status, r[3] + 1, reviewer, now) for r in rows],
                    change_id,
                )
        return Change([], [], change_id, len(ids))

    def undo_change(self, change_id: int, *, reviewer: str = "") -> Change:
        """Revert a change to many beads (a bulk approve) whole, or nothing: ConflictError
        when some of its beads were changed after it (undo those first)."""
        now = utc_now()
        with self._write() as conn:
            return self._undo_change(conn, change_id, reviewer, now)

    def _undo_change(
        self, conn: sqlite3.Connection, change_id: int, reviewer: str, now: str
    ) -> Change:
        found = conn.execute(
            "SELECT action, size, undone FROM changes WHERE id = ?", (change_id,)
        ).fetchone()
        if found is None:
            raise NotFoundError(f"no change {change_id} in {self.path}")
        action, size, undone = found
        if undone:
            raise StoreError(f"change {change_id} ({action} of {size:,} pairs) is already undone")
        cur = conn.execute(
            "INSERT INTO changes (action, reviewer, at, size, description) VALUES (?, ?, ?, ?, ?)",
            ("undo", reviewer, now, size, f"undo of change {change_id}"),
        )
        undo_id = cur.lastrowid
        # In batches of history rows, so that memory stays flat however big the change: each
        # batch is checked, then (while nothing has moved) reverted; a bead that moved makes
        # the rest only checked (to count them), and the transaction is rolled back.
        moved, shown = 0, []  # how many beads moved on since the change, the first ones
        done = last = 0
        while batch := conn.execute(
            "SELECT id, before, after FROM edits WHERE change_id = ? AND action != 'undo' "
            "AND id > ? ORDER BY id LIMIT ?",
            (change_id, last, _BATCH),
        ).fetchall():
            last = batch[-1][0]
            afters = [json.loads(after)[0] for _, _, after in batch]
            ids = [a["id"] for a in afters]
            currents = {
                row[0]: row
                for row in conn.execute(
                    f"SELECT id, document_id, status, version, {DIGEST_COLUMNS} FROM beads "
                    f"WHERE id IN ({', '.join('?' for _ in ids)})",
                    ids,
                )
            }
            for a in afters:
                now_row = currents.get(a["id"])
                if (
                    now_row is None
                    or now_row[2] != a["status"]
                    or row_digest(now_row[4:]) != a["digest"]
                ):
                    moved += 1
                    if len(shown) < 5:
                        shown.append(a["id"])
            if moved:
                continue
            # A bulk change sets the status, and only that: put the old ones back.
            rows = [currents[i] for i in ids]
            news = [json.loads(before)[0]["status"] for _, before, _ in batch]
            conn.executemany(
                "UPDATE beads SET status = ?, version = ?, updated_at = ?, updated_by = ? "
                "WHERE id = ?",
                ((new, r[3] + 1, now, reviewer, r[0]) for r, new in zip(rows, news, strict=True)),
            )
            self._log_edits(
                conn,
                [
                    _status_row(r, new, r[3] + 1, reviewer, now, "undo")
                    for r, new in zip(rows, news, strict=True)
                ],
                undo_id,
            )
            done += len(rows)
        if moved:
            listed = ", ".join(f"#{i}" for i in shown) + (" …" if moved > 5 else "")
            raise ConflictError(
                f"{moved:,} of the {size:,} pairs of change {change_id} were changed after "
                f"it ({listed}): undo those changes first"
            )
        conn.execute("UPDATE changes SET size = ? WHERE id = ?", (done, undo_id))
        conn.execute("UPDATE edits SET undone = 1 WHERE change_id = ?", (change_id,))
        conn.execute("UPDATE changes SET undone = 1 WHERE id = ?", (change_id,))
        return Change([], [], change_id, done)

    @staticmethod
    def _log_edits(conn: sqlite3.Connection, rows: list[tuple], change_id: int) -> None:
        conn.executemany(
            "INSERT INTO edits (bead_id, other_bead_id, document_id, action, reviewer, at, "
            "before, after, change_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row + (change_id,) for row in rows),
        )


def _status_row(
    row: tuple, new: str, version: int, reviewer: str, now: str, action: str = "update"
) -> tuple:
    """The history row of a bead's status change within a bulk change (or its undo).

    `row`: id, document_id, status, version, then the DIGEST_COLUMNS. It keeps the status,
    the version and a digest of the rest, not whole snapshots (see bulk_update).
    """
    bead_id, doc_id, old = row[:3]
    digest = row_digest(row[4:])
    before = {"id": bead_id, "status": old, "version": version - 1, "digest": digest}
    after = {"id": bead_id, "status": new, "version": version, "digest": digest}
    return (bead_id, None, doc_id, action, reviewer, now, json.dumps([before]), json.dumps([after]))


def split_normalized(bead: BeadRecord, src_ids1: tuple, src_at: int) -> tuple[str, str]:
    """Split the normalized source like the original (same offset when lengths agree)."""
    norm = bead.src_normalized
    if len(norm) == len(bead.src_text):
        return norm[:src_at].strip(), norm[src_at:].strip()
    return "", ""  # unknown: left empty rather than wrong


class _Sources:
    """One stored document's beads by source sentence index and by source text, read once
    (on first use) so that matching a file's units costs one query per document, not one
    scan of the document per unit."""

    def __init__(self, conn, doc_id: int):
        self._conn, self._doc_id = conn, doc_id
        self._sentences: dict[int, int] | None = None
        self._texts: dict[str, list[int]] | None = None

    def by_sentence(self) -> dict[int, int]:
        """{sentence index: the bead made of that one source sentence}"""
        if self._sentences is None:
            self._sentences = {}
            for bead_id, src_ids in self._conn.execute(
                "SELECT id, src_ids FROM beads WHERE document_id = ? ORDER BY position, id",
                (self._doc_id,),
            ):
                ids = json.loads(src_ids)
                if len(ids) == 1:
                    self._sentences.setdefault(ids[0], bead_id)
        return self._sentences

    def by_text(self) -> dict[str, list[int]]:
        """{source text: its beads in document order}"""
        if self._texts is None:
            self._texts = {}
            for bead_id, text in self._conn.execute(
                "SELECT id, src_text FROM beads WHERE document_id = ? ORDER BY position, id",
                (self._doc_id,),
            ):
                self._texts.setdefault(text, []).append(bead_id)
        return self._texts
