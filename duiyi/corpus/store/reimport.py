"""Importing a file again: which of the beads its earlier import left does the file still hold?

A file imported again (an OmegaT `project_save.tmx` after more work) replaces what it brought
before, but the review done in duiyi on the pairs it still holds stays. A stored bead is
matched by the pairs it was made from, as the earlier import brought them (document name,
source and target text), not by its text now: a target a reviewer edited still matches the
unchanged pair in the file. The review history tells what a bead was made from: the bead as
its earliest history row found it (a bead nobody changed: as it is); a bead merged in review
was made from both, the halves of a split from the bead they split.

Each pair the earlier import brought (a *root*) is claimed by one pair of the file with the
same key, in order (a pair repeated in the file claims the repeated beads one by one, those
changed in duiyi first: a file holding fewer copies keeps the reviewed ones). A bead stays when all its roots are claimed; the other beads of the earlier import go, with their
history. A pair of the file is added unless a bead it claimed stays.

An earlier import is found by the file it read, not by how its path was spelled: the store
records the resolved path (`source_path`), and a path a store recorded as typed (before it
resolved them) is resolved when compared, so `./x.tmx`, `x.tmx` and `/abs/x.tmx` are one file.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sqlite3
from collections import deque
from collections.abc import Iterable


def source_path(path: str | os.PathLike) -> str:
    """The path a store records for an imported file: absolute, links resolved."""
    return os.path.realpath(path)


@functools.lru_cache(maxsize=1 << 16)
def _resolved(cwd: str, spelling: str) -> str:
    """`source_path(spelling)` from the folder `cwd`, kept: an import of many files compares
    each with every path the store recorded (1,100 files: 600,000 resolutions, 15 s)."""
    return os.path.realpath(os.path.join(cwd, spelling))


def pair_key(document: str, src: str, tgt: str) -> bytes:
    """What identifies an imported pair: its document, source and target."""
    text = f"{document}\x1f{src}\x1f{tgt}"
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class EarlierImport:
    """The documents and beads an earlier import of `source` (a resolved path) left in the
    store.

    Feed it the file's pairs with `claim`; `finish` then tells which beads go. With
    `beads=False`, only the documents are read (nothing is matched).

    Kept small (a re-import of 300,000 pairs held 660 MB in maps of objects per bead): a bead
    nobody changed in duiyi is its own root and costs one entry, its key, in one map with its
    root as value (a deque only for a key several roots share); the maps of roots and beads
    hold only the beads with a review history, and positions only those changed.
    """

    def __init__(self, conn: sqlite3.Connection, source: str, *, beads: bool = True):
        self.documents: dict[str, int] = _earlier_documents(conn, source)
        names = {doc_id: name for name, doc_id in self.documents.items()}
        self.changed: dict[int, int] = {}  # bead changed or made in duiyi -> its position
        # the beads with a review history: the roots each was made from, and each such root's
        # beads (any other bead is its own single root, and that root's single bead)
        self.roots: dict[int, list[int]] = {}
        self._beads_of: dict[int, list[int]] = {}
        # key -> its unclaimed root, or its unclaimed roots in order (a deque)
        self._unclaimed: dict[bytes, int | deque[int]] = {}
        # root claimed whose beads `claim` could not say stay -> position of the pair that did
        self.claimed: dict[int, int] = {}
        if not (self.documents and beads):
            return
        docs = ", ".join("?" * len(names))
        first = _earliest_history(conn, docs, list(names))  # beads made or changed in review
        keys: dict[int, bytes] = {}  # root id of a bead in `first` -> key
        for bead_id, doc_id, position, src, tgt, version in conn.execute(
            f"SELECT id, document_id, position, src_text, tgt_text, version FROM beads "
            f"WHERE document_id IN ({docs}) ORDER BY document_id, position, id",
            list(names),
        ):
            if bead_id not in first:  # never changed: as the import brought it
                if version != 1:
                    self.changed[bead_id] = position
                self._wait(pair_key(names[doc_id], src, tgt), bead_id)
                continue
            self.changed[bead_id] = position
            roots = self.roots[bead_id] = _roots(bead_id, first, names[doc_id], keys)
            for root in roots:  # (roots are beads of `first`, no bead without a history)
                beads = self._beads_of.setdefault(root, [])
                if not beads:
                    self._wait(keys[root], root)
                beads.append(bead_id)
        for key, waiting in self._unclaimed.items():
            if isinstance(waiting, deque):  # the copies changed in duiyi first, else in order
                self._unclaimed[key] = deque(
                    sorted(waiting, key=lambda r: all(map(self.unchanged, self.beads_of(r))))
                )

    def _wait(self, key: bytes, root: int) -> None:
        waiting = self._unclaimed.get(key)
        if waiting is None:
            self._unclaimed[key] = root
        elif isinstance(waiting, deque):
            waiting.append(root)
        else:
            self._unclaimed[key] = deque((waiting, root))

    def beads_of(self, root: int) -> list[int]:
        """The beads made from `root`."""
        return self._beads_of.get(root) or [root]

    def unchanged(self, bead_id: int) -> bool:
        """Whether the bead is as the earlier import brought it: nobody changed it in duiyi,
        nor made it (the second half of a split is new, at version 1, but made in review)."""
        return bead_id not in self.changed

    def claim(self, key: bytes, position: int) -> tuple[int | None, list[int]]:
        """The root the file's pair with `key` (at `position`) claims, if any, and its beads
        when they stay for sure (every one made from this root alone); else []."""
        waiting = self._unclaimed.get(key)
        if waiting is None:
            return None, []
        if isinstance(waiting, deque):
            root = waiting.popleft()
            if not waiting:
                del self._unclaimed[key]
        else:
            root = waiting
            del self._unclaimed[key]
        beads = self.beads_of(root)
        if all(len(self.roots.get(b, ())) <= 1 for b in beads):
            return root, beads
        self.claimed[root] = position
        return root, []

    def finish(self) -> tuple[set[int], set[int], list[tuple[int, int]]]:
        """(the earlier beads that go, the claimed roots none of whose beads stays, (position,
        id) of each bead that stays, though `claim` did not say so, and moves: the place of the
        first pair it was made from). A bead goes when one of its roots is unclaimed; a bead
        `claim` said stays is placed by its caller."""
        gone = {
            b
            for waiting in self._unclaimed.values()
            for r in _each(waiting)
            for b in self.beads_of(r)
        }
        orphans = {r for r in self.claimed if all(b in gone for b in self._beads_of[r])}
        moved = []
        for bead_id, roots in self.roots.items():
            if roots[0] in self.claimed and bead_id not in gone:  # (then all its roots are)
                position = min(self.claimed[r] for r in roots)
                if position != self.changed[bead_id]:
                    moved.append((position, bead_id))
        return gone, orphans, moved


def _each(waiting: int | deque[int]) -> Iterable[int]:
    return waiting if isinstance(waiting, deque) else (waiting,)


def _earlier_documents(conn: sqlite3.Connection, source: str) -> dict[str, int]:
    """{name: id} of the documents imported from the file at `source` (a resolved path).

    A store may hold two copies of a document (the file imported before by two spellings of
    its path, when they were told apart): the later copies are merged into the first, their
    beads placed after its own, and are one document from then on."""
    cwd = os.getcwd()
    spellings = [
        spelling
        for (spelling,) in conn.execute(
            "SELECT DISTINCT json_extract(meta, '$.imported_from') FROM documents "
            "WHERE role = 'src'"
        )
        if isinstance(spelling, str) and (spelling == source or _resolved(cwd, spelling) == source)
    ]
    documents: dict[str, int] = {}
    for name, doc_id in conn.execute(
        f"SELECT name, id FROM documents WHERE role = 'src' AND "
        f"json_extract(meta, '$.imported_from') IN ({', '.join('?' * len(spellings))}) "
        "ORDER BY id",
        spellings,
    ).fetchall():
        first = documents.setdefault(name, doc_id)
        if first != doc_id:
            (end,) = conn.execute(
                "SELECT COALESCE(MAX(position) + 1, 0) FROM beads WHERE document_id = ?", (first,)
            ).fetchone()
            conn.execute(
                "UPDATE beads SET position = position + ?, document_id = ? WHERE document_id = ?",
                (end, first, doc_id),
            )
            conn.execute("UPDATE edits SET document_id = ? WHERE document_id = ?", (first, doc_id))
            conn.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
    return documents


def _earliest_history(conn: sqlite3.Connection, docs: str, doc_ids: list[int]) -> dict:
    """{bead id: [its earliest review history row: id, bead_id, action, before snapshots]} for
    the beads of `doc_ids` with a history. Bulk status changes (their rows hold no texts, and
    they change none) do not count, nor changes undone (and their undoing): they left the
    beads as they found them."""
    first: dict[int, list] = {}
    for row in conn.execute(
        f"SELECT id, bead_id, other_bead_id, action, before FROM edits WHERE document_id IN "
        f"({docs}) AND change_id IS NULL AND undone = 0 AND action != 'undo' ORDER BY id",
        doc_ids,
    ):
        edit = None
        for bead in row[1:3]:
            if bead is not None and bead not in first:
                edit = edit or [row[0], row[1], row[3], row[4]]
                first[bead] = edit
    return first


def _roots(bead_id: int, first: dict, name: str, keys: dict[int, bytes]) -> list[int]:
    """The ids of the imported beads `bead_id` was made from (their keys go into `keys`)."""
    edit = first[bead_id]
    edit_id, main, action, before = edit
    if isinstance(before, str):
        before = edit[3] = json.loads(before)
    snaps = {s["id"]: s for s in before}
    if action == "merge" and main == bead_id:  # made from both beads
        roots = []
        for snap in before:
            if first[snap["id"]][0] == edit_id:  # as this row found it
                keys[snap["id"]] = pair_key(name, snap["src_text"], snap["tgt_text"])
                roots.append(snap["id"])
            else:  # the bead merged in had a history of its own before
                roots += _roots(snap["id"], first, name, keys)
        return roots
    if bead_id in snaps:  # as this row found it
        snap = snaps[bead_id]
        keys[bead_id] = pair_key(name, snap["src_text"], snap["tgt_text"])
        return [bead_id]
    return _roots(main, first, name, keys)  # split off `main`: made from what `main` was
