"""Reading the store: documents, sentences, bead pages, pair streams, history, counts."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence

from duiyi.corpus.model import ORIGINS, STATUSES, Pair, Sentence
from duiyi.corpus.store.records import (
    BEAD_COLUMNS,
    BeadPage,
    BeadRecord,
    DocumentSummary,
    Edit,
    NotFoundError,
    bead_from_row,
    check_names,
)
from duiyi.errors import StoreError

# Sort name -> (key columns, descending). Every key ends in id, so keys are unique.
_SORT_KEYS: dict[str, tuple[tuple[str, ...], bool]] = {
    "position": (("position", "id"), False),
    "score": (("COALESCE(score, -1)", "id"), False),
    "-score": (("COALESCE(score, -1)", "id"), True),
    "status": (("status", "position", "id"), False),
    "origin": (("origin", "position", "id"), False),
}
SORTS = tuple(_SORT_KEYS)


class QueryMixin:
    """The reading half of `Store`."""

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
        rows = self._query(f"SELECT {BEAD_COLUMNS} FROM beads WHERE id = ?", (bead_id,))
        if not rows:
            raise NotFoundError(f"no bead {bead_id} in {self.path} (deleted by a merge?)")
        return bead_from_row(rows[0])

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
        sql = f"SELECT {BEAD_COLUMNS} FROM beads WHERE {page_where} ORDER BY {order} LIMIT ?"
        page_params.append(limit + 1)
        if offset:
            sql += " OFFSET ?"
            page_params.append(offset)
        beads = [bead_from_row(r) for r in self._query(sql, page_params)]
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
            names = check_names(names, allowed, column)
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
                f"SELECT {', '.join('b.' + c.strip() for c in BEAD_COLUMNS.split(','))} "
                f"FROM beads b WHERE {where} AND (b.document_id, b.position, b.id) > (?, ?, ?) "
                "ORDER BY b.document_id, b.position, b.id LIMIT ?",
                [*params, *last, batch],
            )
            if not rows:
                return
            for row in rows:
                bead = bead_from_row(row)
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


def _sort_key(bead: BeadRecord, sort: str) -> list:
    score = -1 if bead.score is None else bead.score
    return {
        "position": [bead.position, bead.id],
        "score": [score, bead.id],
        "-score": [score, bead.id],
        "status": [bead.status, bead.position, bead.id],
        "origin": [bead.origin, bead.position, bead.id],
    }[sort]
