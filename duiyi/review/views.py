"""The review app's pages: small endpoint classes over the corpus store, rendering Jinja pages.

Pages are rendered on the server; the page's script posts one action at a time (see
``actions.py``) and swaps in the re-rendered pair partial (``_pair.html``). No store call runs
on the server's event loop: pages are plain (sync) handlers, which Starlette runs in worker
threads, each reading through a connection of its own (``ReviewContext.reading``), so a page
never waits for a long write in another tab (a bulk approve of 100,000 pairs), nor does a
static file.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from jinja2 import Environment
from starlette.endpoints import HTTPEndpoint
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from duiyi.corpus.model import ORIGINS, STATUSES
from duiyi.corpus.store import (
    BeadPage,
    BeadRecord,
    DocumentSummary,
    NotFoundError,
    Store,
)
from duiyi.errors import StoreError
from duiyi.review.filters import KINDS, SORT_LABELS, Filters, position_url

log = logging.getLogger(__name__)

ATTENTION_BELOW = 0.5  # the home page counts unreviewed pairs below this confidence
COUNT_LIMIT = 10_000  # a page counts its matches up to here ("of more than 10,000")
PLACE_COUNT_LIMIT = 1_000  # a pair's document link counts the pairs before it up to here


@dataclass
class ReviewContext:
    """What every view needs: the store, who is reviewing, the page token, the templates."""

    store: Store
    reviewer: str
    token: str
    templates: Environment
    read_only: str = ""  # why changes are refused ("": they are not)

    def render(self, name: str, **values: Any) -> str:
        return self.templates.get_template(name).render(
            reviewer=self.reviewer, csrf_token=self.token, read_only=self.read_only, **values
        )

    def check_writable(self) -> None:
        """403 for a change to a store opened read-only (the page disables them; a request
        sent anyway gets this); StoreError (422) for one to a store moved, removed or replaced
        since: pages read its path, so a change must not go into a file no longer there."""
        if self.read_only:
            raise HTTPException(403, f"Not saved: read-only: {self.read_only}.")
        self.store.check_same_file()

    @contextlib.contextmanager
    def reading(self) -> Iterator[ReviewContext]:
        """This context over a read-only connection of its own, in one read transaction: a
        page reads one state, and never waits for a change another tab is writing (WAL lets
        readers be; changes go through `store`, one at a time)."""
        with self.store.snapshot() as view:
            yield replace(self, store=view)

    def render_pairs(self, beads: Sequence[BeadRecord], q: str = "") -> str:
        """The pair partials for `beads`, with what each row shows beyond the bead itself."""
        return self.render("_pairs.html", beads=beads, q=q, **pair_context(self.store, beads))


def context(request: Request) -> ReviewContext:
    return request.app.state.review


def pair_context(store: Store, beads: Sequence[BeadRecord]) -> dict[str, Any]:
    """Document names and document neighbours of `beads`: what `_pair.html` shows with them.

    Merge and split act on the neighbours in document order, whatever order the page lists
    pairs in, so each row names the pair its merge would swallow.
    """
    neighbours = store.neighbours([b.id for b in beads])
    shown = {b.id: b.version for b in beads}
    # The version of each pair a merge would take in, sent with the merge (a stale one: 409).
    nexts = {n for _, n in neighbours.values() if n is not None}
    documents = {b.document_id for b in beads}
    return {
        "names": store.document_names(documents),
        "langs": store.document_languages(documents),  # the `lang` of their texts
        "neighbours": neighbours,
        "versions": {**store.bead_versions(nexts - shown.keys()), **shown},  # as shown
    }


def chosen_document(store: Store, filters: Filters) -> DocumentSummary | None:
    """The document the filters fix (None: every document); 404 for an id that is not a source
    document of the corpus (a target text has no pairs of its own: its source has them)."""
    if filters.doc is None:
        return None
    doc = store.get_document(filters.doc)
    if doc.role != "src":
        raise NotFoundError(f"document {doc.id} is a target text: review its source document")
    return doc


def load_page(store: Store, filters: Filters, offset: int | None = None) -> BeadPage:
    """One page of pairs (keyset by default; `offset` only for comparison)."""
    try:
        return store.list_beads(
            where=filters.where(),
            sort=filters.sort,
            limit=filters.limit,
            cursor=filters.cursor or None,
            offset=offset,
            count_limit=COUNT_LIMIT,
        )
    except NotFoundError:
        raise
    except StoreError as exc:  # a hand-edited cursor
        raise HTTPException(400, str(exc)) from exc


def render_pairs_page(
    review: ReviewContext, doc: DocumentSummary | None, filters: Filters, page: BeadPage
) -> str:
    """The queue (doc None) or a document's page: the same list, filters and keys."""
    store = review.store
    return review.render(
        "pairs.html",
        doc=doc,
        filters=filters,
        page=page,
        sorts=SORT_LABELS,
        statuses=STATUSES,
        origins=ORIGINS,
        kinds=KINDS,
        documents=store.document_names() if doc is None else {},
        progress=store.progress(doc.id if doc else None),
        q=filters.q,
        **pair_context(store, page.beads),
    )


# --- pages -----------------------------------------------------------------------------------


class Page(HTTPEndpoint):
    """A page (GET): a sync handler, so Starlette runs it in a worker thread, reading one
    state through a connection of its own (`ReviewContext.reading`)."""

    def get(self, request: Request) -> Response:
        with context(request).reading() as review:
            return self.page(review, request)

    def page(self, review: ReviewContext, request: Request) -> Response:
        raise NotImplementedError


class DocumentsView(Page):
    """`/`: every source document with its progress, the ones that need attention first."""

    def page(self, review: ReviewContext, request: Request) -> Response:
        order = request.query_params.get("sort", "attention")
        if order not in ("attention", "name"):
            raise HTTPException(400, "sort must be attention or name")
        docs = review.store.list_documents(below=ATTENTION_BELOW)
        if order == "name":
            docs.sort(key=lambda d: (d.name, d.id))
        else:
            docs.sort(key=needs_attention)
        totals = {
            "total": sum(d.total for d in docs),
            "reviewed": sum(d.reviewed for d in docs),
            "below": sum(d.below for d in docs),
        }
        return HTMLResponse(
            review.render(
                "documents.html", docs=docs, totals=totals, order=order, below=ATTENTION_BELOW
            )
        )


def needs_attention(doc: DocumentSummary) -> tuple:
    """Sort key: unscored documents (gloss drafts) first, as the worst-first queue puts
    unscored pairs first; then most unreviewed pairs below 0.5, then the lowest mean
    confidence; a document with nothing left to review goes last."""
    unscored = doc.mean_score is None
    mean = -1.0 if unscored else doc.mean_score
    return (doc.total == doc.reviewed, not unscored, -doc.below, mean, doc.name, doc.id)


class PairsView(Page):
    """`/pairs` (every document) and `/documents/{id}`: a page of pairs, sorted and filtered."""

    def page(self, review: ReviewContext, request: Request) -> Response:
        doc_id = request.path_params.get("doc_id")
        filters = Filters.from_query(request.query_params, doc=doc_id)
        doc = chosen_document(review.store, filters)
        page = load_page(review.store, filters)
        return HTMLResponse(render_pairs_page(review, doc, filters, page))


class CountView(Page):
    """`/pairs/count?…`: how many pairs the filters match, exactly (JSON), for the bulk
    confirmation when the page only says "more than 10,000"."""

    def page(self, review: ReviewContext, request: Request) -> Response:
        filters = Filters.from_query(request.query_params)
        chosen_document(review.store, filters)
        return JSONResponse({"count": review.store.count_beads(filters.where())})


class BeadView(Page):
    """`/beads/{id}`: one pair's partial (what the page swaps in)."""

    def page(self, review: ReviewContext, request: Request) -> Response:
        bead = review.store.get_bead(request.path_params["bead_id"])
        return HTMLResponse(review.render_pairs([bead]))


class ContextView(Page):
    """`/beads/{id}/context`: the pairs before and after this one in its document (key c)."""

    def page(self, review: ReviewContext, request: Request) -> Response:
        bead_id = request.path_params["bead_id"]
        before, after = review.store.context(bead_id, size=2)
        langs = review.store.document_languages({b.document_id for b in before + after})
        return HTMLResponse(
            review.render("_context.html", bead_id=bead_id, before=before, after=after, langs=langs)
        )


class PlaceView(Page):
    """`/beads/{id}/place`: to the page of the pair's document, in document order, that starts
    with it, however far into the document it is (the link on its document's name)."""

    def page(self, review: ReviewContext, request: Request) -> Response:
        bead = review.store.get_bead(request.path_params["bead_id"])
        # Its position counts the pairs before it until a merge leaves a gap: count them, but
        # no more than PLACE_COUNT_LIMIT. Beyond, the position stands in: the page only shows
        # the count.
        size = min(bead.position, PLACE_COUNT_LIMIT) + 1
        before = review.store.count_before(bead, limit=size)
        at = before if before < size else bead.position
        return RedirectResponse(position_url(bead, at), status_code=303)


class HistoryView(Page):
    """`/beads/{id}/history`: who changed the pair, when, and from what to what."""

    def page(self, review: ReviewContext, request: Request) -> Response:
        bead_id = request.path_params["bead_id"]
        edits = review.store.history(bead_id)
        try:
            bead: BeadRecord | None = review.store.get_bead(bead_id)
        except NotFoundError:  # merged away: its history is still there
            bead = None
        if bead is None and not edits:
            raise NotFoundError(f"no pair #{bead_id} in this corpus")
        doc = review.store.get_document(bead.document_id) if bead else None
        extra = pair_context(review.store, [bead] if bead else [])
        return HTMLResponse(
            review.render(
                "history.html",
                bead_id=bead_id,
                bead=bead,
                doc=doc,
                q="",
                edits=[(edit, changes(edit.before, edit.after)) for edit in edits],
                **extra,
            )
        )


def changes(before: list[dict], after: list[dict]) -> list[tuple[str, str, str]]:
    """(field, before, after) for what a one-bead change altered; whole texts for merges/splits."""
    shown = ("status", "tgt_text", "src_text", "origin", "kind")
    if len(before) == 1 and len(after) == 1:
        old, new = before[0], after[0]
        # A bulk change's rows hold the status only (see Store.bulk_update).
        return [
            (f, str(old.get(f, "")), str(new.get(f, ""))) for f in shown if old.get(f) != new.get(f)
        ]
    join = " ‖ ".join
    return [
        ("pairs", join(f"#{b['id']}" for b in before), join(f"#{b['id']}" for b in after)),
        ("src_text", join(b["src_text"] for b in before), join(b["src_text"] for b in after)),
        ("tgt_text", join(b["tgt_text"] for b in before), join(b["tgt_text"] for b in after)),
    ]
