"""Reading the store: documents, sentences, bead pages, pair streams, history, counts."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Iterator, Sequence

from duiyi.corpus.model import (
    ORIGINS,
    STATUSES,
    Pair,
    Sentence,
    common_tag,
    lang_tag,
    primary_subtag,
)
from duiyi.corpus.store.records import (
    BEAD_COLUMNS,
    BeadFilter,
    BeadPage,
    BeadRecord,
    DocumentSummary,
    Edit,
    MixedDirections,
    NotFoundError,
    Progress,
    bead_from_row,
    check_names,
)
from duiyi.corpus.store.search import MIN_FTS_QUERY, fts_phrase, like_clause, search_terms
from duiyi.errors import StoreError

# Sort name -> (key columns, descending). Every key ends in id, so keys are unique; each has
# an index over the whole corpus (schema 3), which also serves one document's page (its
# document_id is then fixed).
_SORT_KEYS: dict[str, tuple[tuple[str, ...], bool]] = {
    "position": (("document_id", "position", "id"), False),
    "score": (("COALESCE(score, -1)", "id"), False),
    "-score": (("COALESCE(score, -1)", "id"), True),
    "status": (("status", "document_id", "position", "id"), False),
    "origin": (("origin", "document_id", "position", "id"), False),
}
SORTS = tuple(_SORT_KEYS)
# A search matching more pairs than this is answered by scanning in sort order (see _search).
DENSE_MATCHES = 2000
_KIND = re.compile(r"\d{1,3}-\d{1,3}|n-n")


# A source document's languages and its target document's (none for imported pairs).
_LANGUAGE_COLUMNS = (
    "s.id, s.lang, s.script, t.lang, t.script, s.meta FROM documents s "
    "LEFT JOIN documents t ON t.id = s.tgt_document_id"
)


# ids given as one JSON array parameter: no limit on how many (SQLite's on parameters is 32,766)
_IDS = "(SELECT value FROM json_each(?))"


def _id_list(ids: Iterable[int]) -> str:
    return json.dumps(list(ids))


def _side_tags(
    src: str, src_script: str, tgt: str | None, tgt_script: str | None, meta: str
) -> tuple[list[str], list[str]]:
    """The source and the target tags of a source document's pairs (see `_LANGUAGE_COLUMNS`)."""
    info = json.loads(meta or "{}")
    src = lang_tag(src or "zh", src_script)
    if not tgt:  # imported pairs: the target language the import recorded
        tgt = info.get("tgt_lang") or {"zh": "en", "en": "zh"}.get(primary_subtag(src), "en")
    # a file mixing variants (zh-CN and zh-TW units): each of its tags
    srcs = [lang_tag(t) for t in info.get("src_langs", ())] or [src]
    tgts = [lang_tag(t) for t in info.get("tgt_langs", ())] or [lang_tag(tgt, tgt_script or "")]
    return srcs, tgts


class QueryMixin:
    """The reading half of `Store`."""

    _DOC_COLUMNS = (
        "d.id, d.path, d.name, d.role, d.lang, d.script, d.origin, d.engine, d.signature, "
        "d.tgt_document_id, d.created_at, d.updated_at, d.meta"
    )

    def _summaries(
        self, where: str = "", params: Sequence = (), below: float = 0.5
    ) -> list[DocumentSummary]:
        rows = self._query(
            f"SELECT {self._DOC_COLUMNS} FROM documents d {where} ORDER BY d.id", params
        )
        docs = {}
        for r in rows:
            docs[r[0]] = DocumentSummary(*r[:12], meta=json.loads(r[12] or "{}"))
        if not docs:
            return []
        # One pass over the (document_id, status, score) index: counts, low scores, means.
        one = len(docs) == 1
        scope = "document_id = ?" if one else "1 = 1"
        sums: dict[int, list[float]] = {}
        for doc_id, status, n, low, total, scored in self._query(
            "SELECT document_id, status, COUNT(*), SUM(score < ?), SUM(score), COUNT(score) "
            f"FROM beads WHERE {scope} GROUP BY document_id, status",
            [below, *docs] if one else [below],
        ):
            doc = docs.get(doc_id)
            if doc is None:  # a target document's id never has beads; another role's might
                continue
            doc.total += n
            if status != "pending":
                doc.reviewed += n
            if status == "approved":
                doc.approved += n
            elif status == "rejected":
                doc.rejected += n
            else:
                doc.below += low or 0
            acc = sums.setdefault(doc_id, [0.0, 0])
            acc[0] += total or 0.0
            acc[1] += scored
        for doc_id, (total, scored) in sums.items():
            docs[doc_id].mean_score = total / scored if scored else None
        return list(docs.values())

    def list_documents(self, role: str | None = "src", below: float = 0.5) -> list[DocumentSummary]:
        """Stored documents (source documents by default) with their review progress; `below`
        sets the score under which a pending bead counts in `DocumentSummary.below`."""
        if role is None:
            return self._summaries(below=below)
        return self._summaries("WHERE d.role = ?", (role,), below=below)

    def document_names(self, ids: Iterable[int] | None = None) -> dict[int, str]:
        """{id: name} of the source documents (or of `ids`), in name order."""
        if ids is None:
            rows = self._query(
                "SELECT id, name FROM documents WHERE role = 'src' ORDER BY name, id"
            )
        else:
            rows = self._query(
                f"SELECT id, name FROM documents WHERE id IN {_IDS} ORDER BY name, id",
                [_id_list(ids)],
            )
        return dict(rows)

    def progress(self, doc_id: int | None = None) -> Progress:
        """Reviewed/total of one document, or of the whole corpus (None).

        For the corpus: a plain COUNT(*) (SQLite counts a b-tree without reading rows) and
        the reviewed ones through the status index, not a pass over every bead per request.
        """
        if doc_id is not None:
            where, params = "WHERE document_id = ?", [doc_id]
        else:
            where, params = "", []
        total = self._query(f"SELECT COUNT(*) FROM beads {where}", params)[0][0]
        reviewed = self._query(
            f"SELECT COUNT(*) FROM beads {where} {'AND' if where else 'WHERE'} "
            "status IN ('approved', 'rejected')",
            params,
        )[0][0]
        return Progress(total, reviewed)

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
            raise NotFoundError(f"no pair #{bead_id} in {self.path} (merged into another one?)")
        return bead_from_row(rows[0])

    def list_beads(
        self,
        doc_id: int | None = None,
        *,
        where: BeadFilter | None = None,
        status: str | Iterable[str] | None = None,
        origin: str | Iterable[str] | None = None,
        min_score: float | None = None,
        max_score: float | None = None,
        sort: str = "position",
        limit: int = 100,
        cursor: str | None = None,
        offset: int | None = None,
        count_limit: int | None = None,
    ) -> BeadPage:
        """A page of beads, filtered and sorted (see the module docstring).

        `doc_id` (or `where.documents`) narrows to one document; None lists the whole corpus.
        `where` gives every filter at once (bead type and text search too); the keyword
        filters are the same for one document. `count_limit` stops counting the matches
        there (`BeadPage.total_exact` is then False): counting 100,000 matches of a filter
        costs more than finding the first 50.
        """
        if sort not in SORTS:
            raise StoreError(f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
        if where is None:
            where = BeadFilter(doc_id, status, origin, None, min_score, max_score)
        elif doc_id is not None:
            raise StoreError("list_beads: give the document in doc_id or in where, not both")
        sql_where, params, how = self._where(where)
        if count_limit is None:
            total = self._query(f"SELECT COUNT(*) FROM beads WHERE {sql_where}", params)[0][0]
        else:
            total = self._query(
                f"SELECT COUNT(*) FROM (SELECT 1 FROM beads WHERE {sql_where} LIMIT ?)",
                [*params, count_limit + 1],
            )[0][0]
        # Keyset pagination: a page continues strictly after the sort key of the previous
        # page's last bead, compared as a row value (served by the sort key's index).
        columns, descending = _SORT_KEYS[sort]
        key = f"({', '.join(columns)})"
        page_where, page_params = sql_where, list(params)
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
        reason = ""
        if how == "like":
            reason = self.search_unavailable or "a search under 3 characters"
        exact = count_limit is None or total <= count_limit
        return BeadPage(beads, next_cursor, min(total, count_limit or total), how, reason, exact)

    def count_beads(self, where: BeadFilter) -> int:
        """How many beads `where` selects."""
        sql_where, params, _ = self._where(where)
        return self._query(f"SELECT COUNT(*) FROM beads WHERE {sql_where}", params)[0][0]

    def _where(self, where: BeadFilter, prefix: str = "") -> tuple[str, list, str | None]:
        """(SQL condition, parameters, how a search runs) for `where`."""
        sql, params = self._bead_filters(
            where.documents, where.status, where.origin, where.min_score, where.max_score, prefix
        )
        how = None
        if where.kind:
            if not _KIND.fullmatch(where.kind):
                raise StoreError(f"bad bead type {where.kind!r}: use one like 1-1, 1-2 or 2-1")
            sql += f" AND {prefix}kind = ?"
            params.append(where.kind)
        if where.search:
            clause, values, how = self._search(where.search, prefix)
            sql += f" AND {clause}"
            params += values
        return sql, params, how

    def _search(self, text: str, prefix: str) -> tuple[str, list, str]:
        """The condition for a substring search (in the text as typed or in its Simplified
        form, see `search_terms`): through the FTS5 index while its matches are few; when they
        are many (a common word), scanning the sort key's index and testing each pair finds a
        page of them sooner than sorting every match."""
        terms = search_terms(text)
        use_index = not self.search_unavailable and len(text) >= MIN_FTS_QUERY
        if use_index:
            phrase = " OR ".join(fts_phrase(t) for t in terms)
            found = self._query(
                "SELECT COUNT(*) FROM (SELECT rowid FROM beads_fts WHERE beads_fts MATCH ? "
                "LIMIT ?)",
                [phrase, DENSE_MATCHES + 1],
            )[0][0]
            if found <= DENSE_MATCHES:
                return (
                    f"{prefix}id IN (SELECT rowid FROM beads_fts WHERE beads_fts MATCH ?)",
                    [phrase],
                    "fts",
                )
        clauses, values = zip(*(like_clause(t, prefix) for t in terms), strict=True)
        return (
            f"({' OR '.join(clauses)})",
            [v for vs in values for v in vs],
            ("fts" if use_index else "like"),
        )

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
        # Compared as the score sort key (NULL: -1), so its index serves ranges; beads without
        # a score pass neither bound.
        if min_score is not None:
            clauses.append(f"COALESCE({prefix}score, -1) >= ? AND {prefix}score IS NOT NULL")
            params.append(min_score)
        if max_score is not None:
            clauses.append(f"COALESCE({prefix}score, -1) <= ? AND {prefix}score IS NOT NULL")
            params.append(max_score)
        return " AND ".join(clauses), params

    def neighbours(self, bead_ids: Iterable[int]) -> dict[int, tuple[int | None, int | None]]:
        """{bead id: (previous id, next id)} in document order: what merge and split act on."""
        ids = list(bead_ids)
        if not ids:
            return {}
        rows = self._query(
            "SELECT b.id, "
            "(SELECT p.id FROM beads p WHERE p.document_id = b.document_id AND "
            "(p.position, p.id) < (b.position, b.id) ORDER BY p.position DESC, p.id DESC LIMIT 1), "
            "(SELECT n.id FROM beads n WHERE n.document_id = b.document_id AND "
            "(n.position, n.id) > (b.position, b.id) ORDER BY n.position, n.id LIMIT 1) "
            f"FROM beads b WHERE b.id IN ({', '.join('?' for _ in ids)})",
            ids,
        )
        return {bead_id: (prev, nxt) for bead_id, prev, nxt in rows}

    def bead_versions(self, bead_ids: Iterable[int]) -> dict[int, int]:
        """{bead id: version} of `bead_ids` (those that exist), in one query."""
        return dict(
            self._query(f"SELECT id, version FROM beads WHERE id IN {_IDS}", [_id_list(bead_ids)])
        )

    def count_before(self, bead: BeadRecord, limit: int) -> int:
        """How many beads come before `bead` in its document, counted up to `limit` (an index
        range read, no rows: a pair deep in a document of 300,000 costs no more)."""
        return self._query(
            "SELECT COUNT(*) FROM (SELECT 1 FROM beads WHERE document_id = ? AND "
            "(position, id) < (?, ?) LIMIT ?)",
            [bead.document_id, bead.position, bead.id, limit],
        )[0][0]

    def context(self, bead_id: int, size: int = 1) -> tuple[list[BeadRecord], list[BeadRecord]]:
        """The `size` beads before and after `bead_id` in its document, in document order."""
        bead = self.get_bead(bead_id)
        key = (bead.document_id, bead.position, bead.id)
        # (position, id) compared within the document: a row value over (document_id, …)
        # made SQLite sort the document's whole range (seconds in a 300,000-pair document)
        before = self._query(
            f"SELECT {BEAD_COLUMNS} FROM beads WHERE document_id = ? AND "
            "(position, id) < (?, ?) ORDER BY position DESC, id DESC LIMIT ?",
            [*key, size],
        )
        after = self._query(
            f"SELECT {BEAD_COLUMNS} FROM beads WHERE document_id = ? AND "
            "(position, id) > (?, ?) ORDER BY position, id LIMIT ?",
            [*key, size],
        )
        return [bead_from_row(r) for r in reversed(before)], [bead_from_row(r) for r in after]

    def iter_pairs(
        self,
        *,
        status: str | Iterable[str] | None = None,
        origin: str | Iterable[str] | None = None,
        min_score: float | None = None,
        documents: int | Iterable[int] | None = None,
        where: BeadFilter | None = None,
        segments: bool = False,
        batch: int = 2000,
    ) -> Iterator[Pair]:
        """Stream the matching beads as `Pair`s, in document and bead order.

        Reads in keyset batches, so memory stays flat and other connections can write between
        batches (each batch is a consistent snapshot). `segments=True` adds each side's
        sentences as `Pair.meta["src_segments"]`/`["tgt_segments"]` (XCES writes them as
        separate `<s>`), loading one document's sentences at a time. `where` gives every
        filter at once instead (the review page's export).
        """
        if where is None:
            where = BeadFilter(documents, status, origin, None, min_score)
        where, params, _ = self._where(where, "b.")
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
            Edit(*r[:6], json.loads(r[6]), json.loads(r[7]), bool(r[8]), r[9], r[10] or 1)
            for r in self._query(
                "SELECT e.id, e.bead_id, e.other_bead_id, e.action, e.reviewer, e.at, e.before, "
                "e.after, e.undone, e.change_id, c.size FROM edits e "
                "LEFT JOIN changes c ON c.id = e.change_id "
                "WHERE e.bead_id = ? OR e.other_bead_id = ? ORDER BY e.id DESC",
                (bead_id, bead_id),
            )
        ]

    def language_tags(self, documents: Collection[int] | None = None) -> tuple[str, str] | None:
        """The (source, target) language tags of the stored pairs, as exports write them
        ("en-US", "zh-CN" for an en→zh alignment); None for an empty store. `documents`: the
        pairs of those source documents only (`pair_documents`), tagged as a store holding
        only them is. A side without a stored document (imported pairs) is the other language
        of the pair. Raises MixedDirections (a StoreError) when the pairs are in both
        directions: one file cannot tag them."""
        chosen, params = (
            ("", []) if documents is None else (f"AND s.id IN {_IDS}", [_id_list(documents)])
        )
        rows = self._query(
            f"SELECT {_LANGUAGE_COLUMNS} WHERE s.role = 'src' {chosen} "
            "AND EXISTS (SELECT 1 FROM beads WHERE document_id = s.id)",
            params,
        )
        sides = set()
        for _, *row in rows:
            srcs, tgts = _side_tags(*row)
            sides.update((s, t) for s in srcs for t in tgts)
        if not sides:
            return None
        directions = sorted({f"{primary_subtag(s)}→{primary_subtag(t)}" for s, t in sides})
        if len(directions) > 1:
            raise MixedDirections(
                f"{self.path} holds pairs in several directions ({', '.join(directions)}): "
                "give --src-lang and --tgt-lang, export one direction (--origin, --status), "
                "or keep each direction in a store of its own",
                directions,
            )
        return common_tag(src for src, _ in sides), common_tag(tgt for _, tgt in sides)

    def pair_documents(self, where: BeadFilter) -> set[int]:
        """The ids of the source documents holding the beads `where` selects."""
        sql_where, params, _ = self._where(where)
        rows = self._query(f"SELECT DISTINCT document_id FROM beads WHERE {sql_where}", params)
        return {doc_id for (doc_id,) in rows}

    def document_languages(self, ids: Iterable[int] | None = None) -> dict[int, tuple[str, str]]:
        """{id: (source tag, target tag)} of the source documents `ids` (None: all of them):
        the languages of their pairs, tagged as `language_tags` tags them ("zh-CN", "en-US";
        "fr" for pairs imported from a zh→fr TMX)."""
        if ids is None:
            rows = self._query(f"SELECT {_LANGUAGE_COLUMNS} WHERE s.role = 'src'")
        else:
            rows = self._query(f"SELECT {_LANGUAGE_COLUMNS} WHERE s.id IN {_IDS}", [_id_list(ids)])
        languages = {}
        for doc_id, *row in rows:
            srcs, tgts = _side_tags(*row)
            languages[doc_id] = common_tag(srcs), common_tag(tgts)
        return languages

    def info(self) -> dict:
        """Counts for `duiyi corpus info`: documents, sentences, beads by status/origin/kind."""

        def grouped(column: str) -> dict[str, int]:
            return dict(
                self._query(f"SELECT {column}, COUNT(*) FROM beads GROUP BY 1 ORDER BY 2 DESC")
            )

        numeric = "WHERE typeof(score) IN ('real', 'integer')"
        avg = self._query(f"SELECT AVG(score), MIN(score), MAX(score) FROM beads {numeric}")[0]
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
        "position": [bead.document_id, bead.position, bead.id],
        "score": [score, bead.id],
        "-score": [score, bead.id],
        "status": [bead.status, bead.document_id, bead.position, bead.id],
        "origin": [bead.origin, bead.document_id, bead.position, bead.id],
    }[sort]
