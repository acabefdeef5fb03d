"""Writing results into the store: aligned or translated documents, imported pairs."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from duiyi.corpus.model import (
    ORIGINS,
    STATUSES,
    Bead,
    Document,
    Pair,
    common_tag,
    language_code,
)
from duiyi.corpus.pairs import build_pairs
from duiyi.corpus.store import search
from duiyi.corpus.store.records import (
    BEAD_COLUMNS,
    OWN_TAGS,
    check_names,
    document_checksum,
    utc_now,
)
from duiyi.corpus.store.reimport import EarlierImport, pair_key, source_path
from duiyi.corpus.store.schema import refresh_stats
from duiyi.errors import StoreError
from duiyi.export.inline import INLINE_CODES

_OWN_COLUMNS = ("engine", "signature", "src_segments", "tgt_segments")


class IngestMixin:
    """The results-writing part of `Store`."""

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
        metas: Sequence[dict] | None = None,
    ) -> int:
        """Store `src_doc`, its sentences and `beads` (target text `tgt_texts[i]`); its id.

        `tgt_texts` may be None when `tgt_doc` is given: each bead's target sentences are joined.
        `metas[i]` is what the run knows about bead i beyond its score (MT flags, …): the
        review page shows it, exports carry it in `Pair.meta`.
        Re-adding a document with the same path and checksum replaces its beads.
        """
        check_names(origin, ORIGINS, "origin")
        if tgt_texts is None and tgt_doc is None:
            raise StoreError("add_alignment needs tgt_texts or tgt_doc")
        if tgt_texts is not None and len(tgt_texts) != len(beads):
            raise StoreError(f"{len(beads)} beads but {len(tgt_texts)} target texts")
        if metas is not None and len(metas) != len(beads):
            raise StoreError(f"{len(beads)} beads but {len(metas)} metas")
        n_src = len(src_doc.sentences)
        for bead in beads:
            if any(not 0 <= i < n_src for i in bead.src):
                raise StoreError(f"bead {bead} points past the {n_src} source sentences")
        pairs = build_pairs(
            src_doc,
            beads,
            tgt=tgt_doc if tgt_texts is None else None,
            tgt_texts=tgt_texts,
            origin=origin,
            metas=metas,
        )
        now = utc_now()
        with self._write() as conn, search.bulk_insert(conn):
            tgt_id = self._put_document(conn, tgt_doc, "tgt", "", "", "", None, now)
            doc_id = self._put_document(
                conn, src_doc, "src", origin, engine, signature, tgt_id, now
            )
            conn.executemany(
                f"INSERT INTO beads ({BEAD_COLUMNS}) VALUES "
                "(NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 1, ?, ?, '', ?)",
                (
                    (
                        doc_id,
                        position,
                        json.dumps(list(bead.src)),
                        json.dumps(list(bead.tgt)),
                        pair.bead,
                        pair.src,
                        pair.src_normalized or "",
                        pair.tgt,
                        bead.score,
                        origin,
                        engine,
                        now,
                        now,
                        json.dumps(pair.meta, ensure_ascii=False, default=str)
                        if pair.meta
                        else "{}",
                    )
                    for position, (bead, pair) in enumerate(zip(beads, pairs, strict=True))
                ),
            )
            refresh_stats(conn)
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
        tgt_lang: str = "",
        engine: str = "",
        signature: str = "",
        languages: Callable[[], tuple[str, str]] | None = None,
        replace: bool = True,
        tally: Counter | None = None,
        own_tags: bool = False,
    ) -> dict[str, int]:
        """Store pairs read from the file `source` (a TMX), one transaction; {document name:
        its pairs now stored}. `tally`, if given, counts the pairs "added", the earlier
        import's pairs "kept" as stored and its beads "removed".

        Pairs are grouped into documents by `Pair.document` (or the file's name when empty).
        When an earlier import of the same file is stored (by any spelling of its path: the
        store records it resolved, `reimport.source_path`), the file replaces what it
        brought (see `reimport`): its beads that the file still holds stay, with their review
        (status, edits, history), and take the place the file gives them; the others go; the
        file's other pairs are added. A bead nobody changed in duiyi takes the file's score,
        status and props. `replace=False` keeps every earlier bead (an XLIFF's leftover pairs:
        its other units went onto stored beads). `origin` overrides each pair's own origin.
        `src_lang`/`tgt_lang` are the tags exports give the pairs (zh-TW, en-GB); `languages`,
        if given, is called once the pairs are read and gives them instead, per side a tag or
        the tags of a file that mixes variants (a TMX tells which variants of the languages
        asked for it holds only once read): its documents are tagged by what their tags
        share, `zh` for zh-CN and zh-TW units together (see `Store.language_tags`). With
        `own_tags` (such a file), each pair's own tags (`Pair.src_lang`/`tgt_lang`) are kept
        in its bead's meta, for exports to tag its unit as the file did.
        """
        if origin is not None:
            check_names(origin, ORIGINS, "origin")
        source = source_path(source)
        file_name = Path(source).name
        now = utc_now()
        doc_ids: dict[str, int] = {}
        positions: dict[str, int] = {}
        stored: dict[str, int] = {}  # the file's pairs per document
        doc_tags: dict[str, set[tuple[str, str]]] = {}  # with own_tags: its pairs' tags
        added = removed = 0
        insert = (
            "INSERT INTO beads (document_id, position, kind, src_text, src_normalized, "
            "tgt_text, score, origin, engine, status, version, created_at, updated_at, "
            "updated_by, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)"
        )
        with self._write() as conn, search.bulk_insert(conn):
            earlier = EarlierImport(conn, source, beads=replace)
            waiting: dict[int, tuple] = {}  # root id -> the row of the pair that claimed it
            batch: list[tuple] = []
            kept = _KeptBeads(conn, earlier)
            for pair in pairs:
                name = pair.document or file_name
                if own_tags:  # (a file mixing variants: each document's own, for its tags)
                    doc_tags.setdefault(name, set()).add((pair.src_lang, pair.tgt_lang))
                if name not in doc_ids:
                    values = dict(
                        path=f"{source}#{name}" if pair.document else source,
                        name=name,
                        role="src",
                        checksum=checksum,
                        lang=src_lang,
                        meta=_import_meta(source, tgt_lang),
                        origin=origin or "",
                        engine=engine,
                        signature=signature,
                        updated_at=now,
                    )
                    doc_ids[name] = self._import_document(conn, values, earlier, now)
                    positions[name] = 0 if replace else self._next_position(conn, doc_ids[name])
                    stored[name] = 0
                pair_origin = origin or (pair.origin if pair.origin in ORIGINS else "human")
                # engine and signature have columns of their own
                meta = {k: v for k, v in (pair.meta or {}).items() if k not in _OWN_COLUMNS}
                if own_tags and (pair.src_lang or pair.tgt_lang) and OWN_TAGS not in meta:
                    meta[OWN_TAGS] = [pair.src_lang, pair.tgt_lang]  # (a file mixing variants)
                position = positions[name]
                positions[name] += 1
                stored[name] += 1
                row = (
                    doc_ids[name],
                    position,
                    pair.bead or "1-1",
                    pair.src,
                    pair.src_normalized or "",
                    pair.tgt,
                    pair.score,
                    pair_origin,
                    (pair.meta or {}).get("engine", engine),
                    pair.status if pair.status in STATUSES else "pending",
                    pair.created or now,  # as the file dates the pair, if it does
                    pair.changed or pair.created or now,
                    pair.changed_by,
                    json.dumps(meta, ensure_ascii=False, default=str) if meta else "{}",
                )
                if replace:
                    root, beads = earlier.claim(pair_key(name, pair.src, pair.tgt), position)
                    if root is not None:
                        if beads:
                            dates = (pair.created or None, pair.changed or None, pair.changed_by)
                            kept.place(beads, row, dates)
                        else:  # stays if the other pairs its beads were made from come too
                            waiting[root] = row
                        continue
                added += 1
                batch.append(row)
                if len(batch) >= 1000:
                    conn.executemany(insert, batch)
                    batch.clear()
            if replace:
                gone, unclaimed, moved = earlier.finish()
                batch += (waiting[root] for root in unclaimed)
                added += len(unclaimed)
                kept.moved += moved
                kept.write()
            conn.executemany(insert, batch)
            if replace:
                removed = self._drop_rest(conn, earlier, gone, set(doc_ids.values()))
            if languages is not None and doc_ids:
                srcs, tgts = languages()
                rows = []
                for name, i in doc_ids.items():
                    # a document of a file mixing variants: its own pairs' tags (an XLIFF
                    # <file> of zh-TW units in a file of zh-CN ones too: zh-TW), else the file's
                    own = doc_tags.get(name, ())
                    doc_srcs = sorted({language_code(t) for t, _ in own if t}) or srcs
                    doc_tgts = sorted({language_code(t) for _, t in own if t}) or tgts
                    rows.append((_one_tag(doc_srcs), _import_meta(source, doc_tgts, doc_srcs), i))
                conn.executemany("UPDATE documents SET lang = ?, meta = ? WHERE id = ?", rows)
            refresh_stats(conn)
        if tally is not None:
            tally.update(added=added, kept=sum(stored.values()) - added, removed=removed)
        return stored

    def _import_document(
        self, conn: sqlite3.Connection, values: dict, earlier: EarlierImport, now: str
    ) -> int:
        """The id of the document `values` describes: the earlier import's of that name
        (updated), else a new one."""
        doc_id = earlier.documents.get(values["name"])
        if doc_id is None:
            return self._replace_document(conn, values, now)
        sets = ", ".join(f"{k} = ?" for k in values)
        conn.execute(f"UPDATE documents SET {sets} WHERE id = ?", (*values.values(), doc_id))
        return doc_id

    @staticmethod
    def _next_position(conn: sqlite3.Connection, doc_id: int) -> int:
        row = conn.execute("SELECT MAX(position) FROM beads WHERE document_id = ?", (doc_id,))
        last = row.fetchone()[0]
        return 0 if last is None else last + 1

    @staticmethod
    def _drop_rest(
        conn: sqlite3.Connection, earlier: EarlierImport, gone: set[int], used: set[int]
    ) -> int:
        """Remove the earlier beads that did not stay, the history that names no bead that
        stays, and the earlier documents the file no longer holds; how many beads went."""
        conn.executemany("DELETE FROM beads WHERE id = ?", ((b,) for b in gone))
        docs = list(earlier.documents.values())
        marks = ", ".join("?" * len(docs))
        # (bead ids are never given twice: a history row names no bead this import added)
        conn.execute(
            f"DELETE FROM edits WHERE document_id IN ({marks}) AND NOT EXISTS "
            "(SELECT 1 FROM beads WHERE id IN (edits.bead_id, edits.other_bead_id))",
            docs,
        )
        dropped = [(d,) for d in docs if d not in used]
        conn.executemany("DELETE FROM documents WHERE id = ?", dropped)
        return len(gone)


# What a bead changed in review takes of the file's unit it was made from: the language tags
# (its own, or none: its document's) and the inline codes its import keeps.
_UNIT_KEYS = (OWN_TAGS, INLINE_CODES)


# A bead nobody changed takes the file's values; its row is written only where one differs
# (a file imported again unchanged writes none: 300,000 beads, 17 -> 6 s of CPU).
_FRESH = (
    "UPDATE beads SET position = ?1, kind = ?2, src_normalized = ?3, score = ?4, origin = ?5, "
    "engine = ?6, status = ?7, created_at = COALESCE(?8, created_at), "
    "updated_at = COALESCE(?9, updated_at), updated_by = ?10, meta = ?11 WHERE id = ?12 AND "
    "(position, kind, src_normalized, score, origin, engine, status, created_at, updated_at, "
    "updated_by, meta) IS NOT (?1, ?2, ?3, ?4, ?5, ?6, ?7, COALESCE(?8, created_at), "
    "COALESCE(?9, updated_at), ?10, ?11)"
)


class _KeptBeads:
    """The earlier beads that stay, placed as the file's pairs come (not kept for the end):
    one nobody changed in duiyi (version 1) also takes the file's values (score, status,
    props, dates when the file has them, …), one changed in review what the file's unit
    tells of it (`_UNIT_KEYS`: its tags, its inline codes)."""

    def __init__(self, conn: sqlite3.Connection, earlier: EarlierImport):
        self.conn, self.earlier = conn, earlier
        self.fresh: list[tuple] = []
        self.moved: list[tuple[int, int]] = []
        self.unit: dict[str, list[tuple[str | None, int]]] = {key: [] for key in _UNIT_KEYS}

    def place(self, beads: list[int], row: tuple, dates: tuple) -> None:
        """`beads`, made from the file's pair `row` alone (and dated `dates`), stay."""
        _, position, kind, _, norm, _, score, origin, engine, status, *_, meta = row
        for bead_id in beads:
            earlier_position = self.earlier.changed.get(bead_id)
            if earlier_position is None:  # unchanged
                self.fresh.append(
                    (position, kind, norm, score, origin, engine, status, *dates, meta, bead_id)
                )
                continue
            unit = json.loads(meta)  # made from one unit of the file: what it tells
            for key, rows in self.unit.items():
                value = unit.get(key)
                compact = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
                rows.append((compact if value else None, bead_id))
            if position != earlier_position:
                self.moved.append((position, bead_id))
        if len(self.fresh) + len(self.unit[OWN_TAGS]) >= 1000:
            self.write()

    def write(self) -> None:
        self.conn.executemany(_FRESH, self.fresh)
        self.conn.executemany("UPDATE beads SET position = ? WHERE id = ?", self.moved)
        for key, rows in self.unit.items():
            self.conn.executemany(
                f"UPDATE beads SET meta = CASE WHEN ?1 IS NULL THEN json_remove(meta, '$.{key}') "
                f"ELSE json_set(meta, '$.{key}', json(?1)) END "
                f"WHERE id = ?2 AND json_extract(meta, '$.{key}') IS NOT ?1",
                rows,
            )
            rows.clear()
        self.fresh, self.moved = [], []


def _import_meta(source: str, tgt_lang: str | list[str], src_lang: str | list[str] = "") -> str:
    """The meta of a document of imported pairs: where they came from, their target language;
    and where the file mixed variants of a language (zh-CN and zh-TW units), each side's tags
    ("src_langs", "tgt_langs")."""
    meta: dict = {"imported_from": source}
    if tgt_lang:
        meta["tgt_lang"] = _one_tag(tgt_lang)
    for side, tags in (("src_langs", src_lang), ("tgt_langs", tgt_lang)):
        if isinstance(tags, list) and len(tags) > 1:
            meta[side] = tags
    return json.dumps(meta, ensure_ascii=False)


def _one_tag(tags: str | list[str]) -> str:
    """A side's tag, or the language several tags share (zh for zh-CN and zh-TW)."""
    return tags if isinstance(tags, str) else common_tag(tags)
