"""The corpus store: one SQLite file holding documents, sentences, beads and their review history.

Opening::

    from duiyi.corpus.store import Store
    with Store.open("corpus.db") as store:            # creates or migrates the file
        ...
    Store.open(path, create=False)                     # StoreError if the file is missing
    Store.open(path, readonly=True)                    # read-only (export, info); an older
                                                       # schema is upgraded first
    # One Store may be shared by a server's threads (calls are serialized by a lock);
    # several processes may open the same file.

Writing results (translate/align ``--store``)::

    doc_id = store.add_alignment(src_doc, beads, tgt_texts, origin="mt", engine="argos:…",
                                 signature="opencc:t2s|…", tgt_doc=None,
                                 metas=[{"flags": ["repetition"]}, …])  # per bead, optional
    store.add_pairs(pairs, source="memory.tmx", checksum=sha, origin="human")  # TMX import
    store.find_document(path, checksum) -> int | None  # resume: skip documents already stored

Re-adding a source document with the same path and checksum replaces its beads (and their
history) in one transaction. ``document_checksum(doc)`` is the checksum used. Pairs added
again from the same ``source`` replace what it brought, but the beads whose pairs the file
still holds stay with their review (``add_pairs``; ``reimport.py`` tells how they are matched).

Reading (review app, export, ``corpus info``)::

    store.list_documents(below=0.5) -> list[DocumentSummary]  # with total / reviewed /
        # approved / rejected counts, .below (pending beads scored under `below`), .mean_score
    store.document_names(ids=None) -> dict[int, str]    # source documents, by name
    store.document_languages(ids) -> {id: (src tag, tgt tag)}  # ("zh-CN", "fr"), as exports tag
    store.language_tags(documents=None) -> (src tag, tgt tag) | None  # what a file of the
        # pairs (of those source documents) is tagged; MixedDirections for zh→en with en→zh
    store.pair_documents(where) -> set[int]             # the documents of the beads selected
    store.progress(doc_id=None) -> Progress             # reviewed/total of a document or all
    store.get_document(doc_id) -> DocumentSummary       # NotFoundError if absent
    store.document_text(doc_id) -> str                  # the original text
    store.sentences(doc_id) -> list[Sentence]
    store.list_beads(doc_id=None, status=None, origin=None, min_score=None, max_score=None,
                     sort="position", limit=100, cursor=None, offset=None,
                     where=None, count_limit=None) -> BeadPage
        # doc_id None: the whole corpus. where=BeadFilter(documents=, status=, origin=,
        # kind="1-2", min_score=, max_score=, search="substring") gives every filter at once.
        # sort: "position" | "score" | "-score" | "status" | "origin" (then document order);
        # status/origin filters: a name or a list of names.
        # BeadPage.beads, .next_cursor (None on the last page; pass it back as cursor=),
        # .total (how many beads match; with count_limit, at most that and .total_exact
        # False past it), .search ("fts" or "like": how a search ran). Keyset pagination:
        # every page costs the same with 500,000 beads; offset= works but slows deep down.
        # Searches use an FTS5 trigram index (any substring of 3+ characters, Chinese
        # included, case-insensitive); store.search_unavailable says why not when they scan.
    store.count_beads(where) -> int
    store.neighbours(bead_ids) -> {id: (previous id, next id)}  # in document order
    store.context(bead_id, size=1) -> (beads before, beads after)  # in document order
    store.count_before(bead, limit) -> int              # beads before it in its document, to limit
    store.bead_versions(bead_ids) -> {id: version}      # one query for a page's worth
    store.get_bead(bead_id) -> BeadRecord               # NotFoundError if absent
    store.history(bead_id) -> list[Edit]                # newest first
    store.iter_pairs(status=, origin=, min_score=, documents=, where=, segments=False)
        -> Iterator[Pair]                               # streaming, document then bead order;
        # Pair.id is the bead id, Pair.meta has the bead's meta (MT "flags"), "engine" and
        # "signature"; segments=True adds
        # each side's sentences as meta["src_segments"]/["tgt_segments"] (XCES uses them).
    store.count_pairs(same filters) -> int
    store.info() -> dict                                # what `duiyi corpus info` prints

Reviewing (each call is one transaction and writes one `Edit` row: reviewer, UTC timestamp,
before/after snapshots). Every bead carries a ``version``; a change names the version it was
based on and fails with ``ConflictError`` ("changed by someone else") if the bead moved on::

    store.update_bead(bead_id, expected_version=v, status="approved", tgt_text=None,
                      reviewer="ann") -> BeadRecord     # a changed tgt_text makes origin "edited"
    store.undo(bead_id, reviewer="ann") -> Change       # reverts the last change that touched
        # the bead (repeatable: walks back); ConflictError if a later change to a bead it
        # involved is in the way. A merge/split undo restores both beads (same ids).
    store.merge_with_next(bead_id, expected_version=v, reviewer="ann") -> Change
    store.split_bead(bead_id, expected_version=v, src_at=i, tgt_at=j, reviewer="ann")
        -> Change                                       # split at character offsets of the texts
    # Change: .main (the bead the change is about), .beads (written, document order),
    # .removed (ids of beads taken away): what the review page redraws.
    # Merges and splits set origin "edited" and status "pending"; a merge keeps the lower
    # score. BeadRecord fields: id, document_id, position, src_ids, tgt_ids, kind ("1-2"),
    # src_text, src_normalized, tgt_text, score, origin, engine, status, version,
    # created_at, updated_at, updated_by, meta; .to_pair().
    store.bulk_update(where, status="approved", expected_count=n, reviewer="ann") -> Change
        # every bead `where` selects, as one change (Change.change_id, .size); ConflictError
        # if the filter no longer selects `expected_count` beads. One history row per bead.
    store.undo_change(change_id, reviewer="ann") -> Change  # reverts it whole, or refuses
        # (ConflictError naming the beads changed since); store.undo(bead) of one of its
        # beads does the same.

Errors: ``StoreError`` (not a corpus, newer schema, bad value), its subclasses
``NotFoundError``, ``ConflictError`` and ``MixedDirections``.

Durability: WAL journal, every write command inside one ``BEGIN IMMEDIATE`` transaction, so a
killed process leaves the previous committed state (readers never see half a command). Readers
run concurrently with one writer; a second writer waits up to ``busy_timeout`` (10 s).
Schema: ordered migrations recorded in ``schema_migrations`` (and ``PRAGMA user_version``).
"""

from duiyi.corpus.store.core import Store
from duiyi.corpus.store.queries import SORTS
from duiyi.corpus.store.records import (
    BeadFilter,
    BeadPage,
    BeadRecord,
    Change,
    ConflictError,
    DocumentSummary,
    Edit,
    MixedDirections,
    NotFoundError,
    Progress,
    document_checksum,
    utc_now,
)
from duiyi.corpus.store.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from duiyi.errors import StoreError

__all__ = [
    "APPLICATION_ID",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "SORTS",
    "BeadFilter",
    "BeadPage",
    "BeadRecord",
    "Change",
    "ConflictError",
    "DocumentSummary",
    "Edit",
    "MixedDirections",
    "NotFoundError",
    "Progress",
    "Store",
    "StoreError",
    "document_checksum",
    "utc_now",
]
