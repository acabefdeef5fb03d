"""The review app's views: small endpoint classes over the corpus store, rendering Jinja pages.

Pages are rendered on the server; the page's script posts one action at a time
(``POST /beads/{id}/{action}``) and swaps in the re-rendered pair partial (``_pair.html``).
Store calls are made straight from the async handlers: they are local SQLite queries of a few
milliseconds, serialized by the store's lock, in an app with one reviewer at a time.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment
from starlette.datastructures import QueryParams
from starlette.endpoints import HTTPEndpoint
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from duiyi.corpus.model import ORIGINS, STATUSES
from duiyi.corpus.store import (
    SORTS,
    BeadPage,
    BeadRecord,
    ConflictError,
    DocumentSummary,
    NotFoundError,
    Store,
)
from duiyi.errors import StoreError

log = logging.getLogger(__name__)

SORT_LABELS = {
    "score": "worst confidence first",
    "-score": "best confidence first",
    "position": "document order",
    "status": "by status",
    "origin": "by origin",
}
ACTIONS = ("approve", "reject", "reset", "edit", "merge", "split", "undo")
MAX_LIMIT = 500


@dataclass
class ReviewContext:
    """What every view needs: the store, who is reviewing, the page token, the templates."""

    store: Store
    reviewer: str
    token: str
    templates: Environment

    def render(self, name: str, **values: Any) -> str:
        return self.templates.get_template(name).render(
            reviewer=self.reviewer, csrf_token=self.token, **values
        )


def context(request: Request) -> ReviewContext:
    return request.app.state.review


# --- the document page's filters -------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """The document page's sort, filters and page position, as read from its query string."""

    sort: str = "score"
    status: str = ""  # "" = any
    origin: str = ""
    min: float | None = None
    max: float | None = None
    limit: int = 50
    cursor: str = ""
    at: int = 0  # how many matching pairs come before this page (shown, never trusted)

    @classmethod
    def from_query(cls, query: QueryParams) -> Filters:
        """Parse and check the query string; HTTP 400 naming the bad parameter."""
        values: dict[str, Any] = {}
        for name, allowed in (("sort", SORTS), ("status", STATUSES), ("origin", ORIGINS)):
            value = query.get(name, "")
            if value and value not in allowed:
                raise HTTPException(400, f"{name} must be one of {', '.join(allowed)}")
            if value:
                values[name] = value
        for name in ("min", "max"):
            value = query.get(name, "").strip()
            if value:
                try:
                    number = float(value)
                except ValueError:
                    number = math.nan
                if not 0 <= number <= 1:
                    raise HTTPException(400, f"{name} must be a confidence between 0 and 1")
                values[name] = number
        for name, low, high in (("limit", 1, MAX_LIMIT), ("at", 0, 10**9)):
            value = query.get(name, "")
            if value:
                try:
                    values[name] = min(max(int(value), low), high)
                except ValueError:
                    raise HTTPException(400, f"{name} must be a whole number") from None
        values["cursor"] = query.get("cursor", "")
        return cls(**values)

    def query(self, **changes: Any) -> str:
        """This page's query string with `changes`, leaving out defaults."""
        new = replace(self, **changes)
        default = Filters()
        pairs = [
            (f.name, getattr(new, f.name))
            for f in fields(self)
            if getattr(new, f.name) != getattr(default, f.name)
        ]
        return urlencode(pairs)

    @property
    def filtered(self) -> bool:
        return bool(self.status or self.origin or self.min is not None or self.max is not None)


def load_page(store: Store, doc_id: int, filters: Filters, offset: int | None = None) -> BeadPage:
    """One page of the document's pairs (keyset by default; `offset` only for comparison)."""
    try:
        return store.list_beads(
            doc_id,
            status=filters.status or None,
            origin=filters.origin or None,
            min_score=filters.min,
            max_score=filters.max,
            sort=filters.sort,
            limit=filters.limit,
            cursor=filters.cursor or None,
            offset=offset,
        )
    except NotFoundError:
        raise
    except StoreError as exc:  # a hand-edited cursor
        raise HTTPException(400, str(exc)) from exc


def render_document(
    review: ReviewContext, doc: DocumentSummary, filters: Filters, page: BeadPage
) -> str:
    return review.render(
        "document.html",
        doc=doc,
        filters=filters,
        page=page,
        sorts=SORT_LABELS,
        statuses=STATUSES,
        origins=ORIGINS,
    )


# --- pages -----------------------------------------------------------------------------------


class DocumentsView(HTTPEndpoint):
    """`/`: every source document with its review progress."""

    async def get(self, request: Request) -> Response:
        review = context(request)
        docs = review.store.list_documents()
        totals = {
            "total": sum(d.total for d in docs),
            "reviewed": sum(d.reviewed for d in docs),
        }
        return HTMLResponse(review.render("documents.html", docs=docs, totals=totals))


class DocumentView(HTTPEndpoint):
    """`/documents/{id}`: one page of a document's pairs, sorted and filtered."""

    async def get(self, request: Request) -> Response:
        review = context(request)
        doc = review.store.get_document(request.path_params["doc_id"])
        filters = Filters.from_query(request.query_params)
        page = load_page(review.store, doc.id, filters)
        return HTMLResponse(render_document(review, doc, filters, page))


class BeadView(HTTPEndpoint):
    """`/beads/{id}`: one pair's partial (what the page swaps in)."""

    async def get(self, request: Request) -> Response:
        review = context(request)
        bead = review.store.get_bead(request.path_params["bead_id"])
        return HTMLResponse(review.render("_pairs.html", beads=[bead]))


class HistoryView(HTTPEndpoint):
    """`/beads/{id}/history`: who changed the pair, when, and from what to what."""

    async def get(self, request: Request) -> Response:
        review = context(request)
        bead_id = request.path_params["bead_id"]
        edits = review.store.history(bead_id)
        try:
            bead: BeadRecord | None = review.store.get_bead(bead_id)
        except NotFoundError:  # merged away: its history is still there
            bead = None
        if bead is None and not edits:
            raise NotFoundError(f"no pair {bead_id} in this corpus")
        doc = review.store.get_document(bead.document_id) if bead else None
        return HTMLResponse(
            review.render(
                "history.html",
                bead_id=bead_id,
                bead=bead,
                doc=doc,
                edits=[(edit, changes(edit.before, edit.after)) for edit in edits],
            )
        )


def changes(before: list[dict], after: list[dict]) -> list[tuple[str, str, str]]:
    """(field, before, after) for what a one-bead change altered; whole texts for merges/splits."""
    shown = ("status", "tgt_text", "src_text", "origin", "kind")
    if len(before) == 1 and len(after) == 1:
        old, new = before[0], after[0]
        return [(f, str(old.get(f, "")), str(new.get(f, ""))) for f in shown if old[f] != new[f]]
    join = " ‖ ".join
    return [
        ("beads", join(str(b["id"]) for b in before), join(str(b["id"]) for b in after)),
        ("src_text", join(b["src_text"] for b in before), join(b["src_text"] for b in after)),
        ("tgt_text", join(b["tgt_text"] for b in before), join(b["tgt_text"] for b in after)),
    ]


# --- actions ---------------------------------------------------------------------------------


class BeadActionView(HTTPEndpoint):
    """`POST /beads/{id}/{action}`: change one pair; the re-rendered pair(s) as HTML.

    Form fields: ``version`` (the version the page showed: a stale one gets 409), ``tgt_text``
    for edit, ``src_at``/``tgt_at`` (character offsets) for split. Headers of the answer:
    ``X-Removed-Beads`` (ids to drop from the page) and ``X-Progress`` (reviewed/total).
    """

    async def post(self, request: Request) -> Response:
        review = context(request)
        bead_id = request.path_params["bead_id"]
        action = request.path_params["action"]
        if action not in ACTIONS:
            raise HTTPException(404, f"no action {action!r}: use one of {', '.join(ACTIONS)}")
        form = await request.form()
        store, who = review.store, review.reviewer
        removed: list[int] = []
        try:
            if action == "undo":
                beads, removed = undo(store, bead_id, who)
            else:
                version = _int_field(form, "version")
                if action in ("approve", "reject", "reset"):
                    status = {"approve": "approved", "reject": "rejected", "reset": "pending"}
                    beads = [
                        store.update_bead(
                            bead_id, expected_version=version, status=status[action], reviewer=who
                        )
                    ]
                elif action == "edit":
                    text = str(form.get("tgt_text", "")).replace("\r\n", "\n").strip()
                    beads = [
                        store.update_bead(
                            bead_id, expected_version=version, tgt_text=text, reviewer=who
                        )
                    ]
                elif action == "merge":
                    beads = [store.merge_with_next(bead_id, expected_version=version, reviewer=who)]
                    # The merge's history row names the bead it swallowed.
                    removed = [store.history(bead_id)[0].other_bead_id or 0]
                else:  # split
                    beads = list(
                        store.split_bead(
                            bead_id,
                            expected_version=version,
                            src_at=_int_field(form, "src_at"),
                            tgt_at=_int_field(form, "tgt_at"),
                            reviewer=who,
                        )
                    )
        except ConflictError as exc:
            return conflict(review, bead_id, str(exc))
        log.info("%s %s bead %d", who or "someone", action, bead_id)
        doc = store.get_document(beads[0].document_id)
        return HTMLResponse(
            review.render("_pairs.html", beads=beads),
            headers={
                "X-Removed-Beads": ",".join(map(str, removed)),
                "X-Progress": f"{doc.reviewed}/{doc.total}",
            },
        )


def _int_field(form: Any, name: str) -> int:
    value = form.get(name)
    try:
        return int(str(value))
    except (TypeError, ValueError):
        raise HTTPException(400, f"the form field {name!r} must be a whole number") from None


def undo(store: Store, bead_id: int, reviewer: str) -> tuple[list[BeadRecord], list[int]]:
    """Undo the bead's last change; the beads it brought back and the ids it removed."""
    main = store.undo(bead_id, reviewer=reviewer)
    # The undo's own history row says which beads it replaced by which (merge: 1 → 2, split:
    # 2 → 1), and the main bead may not be the one clicked (undoing a split from its 2nd half).
    edit = store.history(main.id)[0]
    after_ids = [snap["id"] for snap in edit.after]
    removed = [snap["id"] for snap in edit.before if snap["id"] not in after_ids]
    beads = [main if i == main.id else store.get_bead(i) for i in after_ids]
    beads.sort(key=lambda b: (b.position, b.id))
    return beads, removed


def conflict(review: ReviewContext, bead_id: int, message: str) -> Response:
    """HTTP 409: what happened, and the pair as it is now so the page can show it."""
    try:
        current = review.render("_pairs.html", beads=[review.store.get_bead(bead_id)])
        message = f"Not saved: {message} (the page now shows the pair as it is now)."
    except NotFoundError:
        current = ""
        message = f"pair {bead_id} was merged into another one in another tab: reload the page"
    return JSONResponse({"error": message, "html": current}, status_code=409)
