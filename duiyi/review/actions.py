"""The review app's actions: change one pair, or every pair a filter matches, or undo a change.

``POST /beads/{id}/{action}`` answers with the re-rendered pair(s), which the page swaps in;
``POST /pairs/bulk`` approves or rejects what the page's filters match, as one change;
``POST /changes/{id}/undo`` reverts such a change whole. All need the page's CSRF token
(``security.py``).
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.endpoints import HTTPEndpoint
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from duiyi.corpus.store import BeadRecord, ConflictError, NotFoundError, Store
from duiyi.export.base import xml_safe
from duiyi.review.filters import Filters
from duiyi.review.views import ReviewContext, chosen_document, context

log = logging.getLogger(__name__)

ACTIONS = ("approve", "reject", "reset", "edit", "merge", "split", "undo")
STATUS_OF = {"approve": "approved", "reject": "rejected", "reset": "pending"}
BULK_ACTIONS = ("approve", "reject")


class BeadActionView(HTTPEndpoint):
    """`POST /beads/{id}/{action}`: change one pair; the re-rendered pair(s) as HTML.

    Form fields: ``version`` (the version the page showed: a stale one gets 409; optional for
    undo only), ``tgt_text`` for edit, ``next``/``next_version`` for merge (the pair it takes
    in, as the page showed it), ``src_at``/``tgt_at`` (character offsets) for split,
    ``q`` (the page's search, marked in the answer). A pair another tab merged away is a
    conflict too (409). Headers of the answer:
    ``X-Removed-Beads`` (ids to drop from the page), ``X-Progress`` (reviewed/total of the
    pair's document) and ``X-Corpus-Progress`` (of the whole corpus), ``X-Change`` (the change
    an undo reverted, when it was a bulk change).
    """

    async def post(self, request: Request) -> Response:
        review = context(request)
        bead_id = request.path_params["bead_id"]
        action = request.path_params["action"]
        if action not in ACTIONS:
            raise HTTPException(404, f"no action {action!r}: use one of {', '.join(ACTIONS)}")
        review.check_writable()
        form = await request.form()
        return await run_in_threadpool(self.act, review, bead_id, action, form)

    def act(self, review: ReviewContext, bead_id: int, action: str, form: Any) -> Response:
        """The change, in a worker thread (changes are written one at a time, behind the
        store's lock; other tabs' pages are answered meanwhile)."""
        store, who = review.store, review.reviewer
        q = search_of(form)
        removed: list[int] = []
        change = ""
        try:
            if action == "undo":
                version = _int_field(form, "version") if "version" in form else None
                beads, removed, change = undo(store, bead_id, version, who)
            else:
                version = _int_field(form, "version")
                if action in STATUS_OF:
                    beads = [
                        store.update_bead(
                            bead_id,
                            expected_version=version,
                            status=STATUS_OF[action],
                            reviewer=who,
                        )
                    ]
                elif action == "edit":
                    text = _target_text(form)
                    beads = [
                        store.update_bead(
                            bead_id, expected_version=version, tgt_text=text, reviewer=who
                        )
                    ]
                elif action == "merge":
                    with store.transaction():  # the check and the merge, one write
                        check_next(store, bead_id, form)
                        merged = store.merge_with_next(
                            bead_id, expected_version=version, reviewer=who
                        )
                    beads, removed = merged.beads, merged.removed
                else:  # split
                    split = store.split_bead(
                        bead_id,
                        expected_version=version,
                        src_at=_int_field(form, "src_at"),
                        tgt_at=_int_field(form, "tgt_at"),
                        reviewer=who,
                    )
                    beads, removed = split.beads, split.removed
        except ConflictError as exc:
            return conflict(review, bead_id, str(exc), q)
        except NotFoundError as exc:
            if not store.history(bead_id):
                raise  # a pair this corpus never had: 404
            # Merged away (or its split undone) in another tab: the page still shows it.
            return conflict(review, bead_id, str(exc), q)
        log.info("%s %s pair %d", who or "someone", action, bead_id)
        headers = {
            "X-Removed-Beads": ",".join(map(str, removed)),
            **progress_headers(store, beads[0].document_id),
        }
        if change:
            headers["X-Change"] = change
        return HTMLResponse(review.render_pairs(beads, q), headers=headers)


def check_next(store: Store, bead_id: int, form: Any) -> None:
    """A merge swallows the next pair in the document: the page names it (``next``, the id
    on the button) and the version it showed (``next_version``). Another tab may have merged
    it with the pair after it, split it or edited it since: then the merge is a conflict too.
    (Without the fields, the merge takes whatever pair comes next.)"""
    if "next" not in form:
        return
    named, seen = _int_field(form, "next"), _int_field(form, "next_version")
    actual = store.neighbours([bead_id]).get(bead_id, (None, None))[1]
    if actual != named:
        after = f"#{actual}" if actual else "no pair"
        raise ConflictError(f"the next pair in the document is now {after}, not #{named}")
    if store.get_bead(named).version != seen:
        raise ConflictError(
            f"pair #{named}, the one this merge would take in, was changed by someone else "
            "since you read it"
        )


def search_of(form: Any) -> str:
    """The search of the page the action came from (``q``, optional): the pair it gets back
    marks the matches as the page did."""
    return Filters.from_query({"q": form.get("q", "")}).q


def undo(
    store: Store, bead_id: int, version: int | None, reviewer: str
) -> tuple[list[BeadRecord], list[int], str]:
    """Undo the bead's last change: the beads it brought back, the ids it removed, and
    "change/size" when that change was a bulk one (undone whole)."""
    change = store.undo(bead_id, expected_version=version, reviewer=reviewer)
    if change.change_id is not None:  # a bulk change, undone whole: the clicked pair, named
        return [change.main], [], f"{change.change_id}/{change.size}"
    return change.beads, change.removed, ""


def progress_headers(store: Store, doc_id: int | None) -> dict[str, str]:
    headers = {}
    if doc_id is not None:
        doc = store.progress(doc_id)
        headers["X-Progress"] = f"{doc.reviewed}/{doc.total}"
    corpus = store.progress(None)
    headers["X-Corpus-Progress"] = f"{corpus.reviewed}/{corpus.total}"
    return headers


def _int_field(form: Any, name: str) -> int:
    value = form.get(name)
    try:
        return int(str(value))
    except (TypeError, ValueError):
        raise HTTPException(400, f"the form field {name!r} must be a whole number") from None


def _target_text(form: Any) -> str:
    """The edited target: a text field that XML exports can hold, not blank."""
    value = form.get("tgt_text")
    if not isinstance(value, str):  # missing, or a file upload
        raise HTTPException(400, "the form field 'tgt_text' must be the target text")
    text = value.replace("\r\n", "\n").strip()
    if not text:
        # Exports leave out pairs with an empty side: reject the pair instead.
        raise HTTPException(400, "the target is empty: to leave this pair out, reject it")
    # TMX, XLIFF and XCES cannot hold control characters: the exports would drop them.
    if xml_safe(text) != text:
        bad = dict.fromkeys(f"U+{ord(c):04X}" for c in text if not xml_safe(c))
        raise HTTPException(
            400, f"the target holds control characters ({', '.join(bad)}): remove them"
        )
    return text


def conflict(review: ReviewContext, bead_id: int, message: str, q: str = "") -> Response:
    """HTTP 409: what happened, and the pair as it is now so the page can show it."""
    try:
        current = review.render_pairs([review.store.get_bead(bead_id)], q)
        message = f"Not saved: {message}. The page now shows the pair as it is."
    except NotFoundError:
        current = ""
        message = (
            f"Not saved: pair #{bead_id} no longer exists (merged into another one in another "
            "tab, or its split undone): reload the page."
        )
    return JSONResponse({"error": message, "html": current}, status_code=409)


class BulkView(HTTPEndpoint):
    """`POST /pairs/bulk`: approve or reject every pair the filters match, as one change.

    Form fields: ``action`` (approve or reject), ``expected`` (the count the confirmation
    showed: if the filters now match another number of pairs, 409 and nothing changes), and
    the page's filter fields (``doc``, ``status``, ``origin``, ``kind``, ``min``, ``max``,
    ``q``). Answers JSON: {change, count, message}.
    """

    async def post(self, request: Request) -> Response:
        review = context(request)
        review.check_writable()
        form = await request.form()
        return await run_in_threadpool(self.act, review, form)

    def act(self, review: ReviewContext, form: Any) -> Response:
        """The change, in a worker thread: 100,000 pairs take seconds, and other tabs are
        answered meanwhile."""
        action = str(form.get("action", ""))
        if action not in BULK_ACTIONS:
            raise HTTPException(400, f"action must be one of {', '.join(BULK_ACTIONS)}")
        expected = _int_field(form, "expected")
        filters = Filters.from_query(form)
        chosen_document(review.store, filters)  # 404 for a document that is not there
        try:
            change = review.store.bulk_update(
                filters.where(),
                status=STATUS_OF[action],
                expected_count=expected,
                reviewer=review.reviewer,
            )
        except ConflictError as exc:
            return JSONResponse({"error": f"Nothing changed: {exc}."}, status_code=409)
        verb = {"approve": "Approved", "reject": "Rejected"}[action]
        log.info(
            "%s bulk %s: %d pairs (change %s)",
            review.reviewer,
            action,
            change.size,
            change.change_id,
        )
        if change.change_id is None:
            message = f"Nothing to change: all {expected:,} pairs were {STATUS_OF[action]} already."
        else:
            left = expected - change.size
            described = filters.describe(review.store.document_names())
            message = (
                f"{verb} {change.size:,} pairs ({described}) as change {change.change_id}"
                + (f" ({left:,} already were)" if left else "")
                + "; u undoes it whole."
            )
        return JSONResponse(
            {"change": change.change_id, "count": change.size, "message": message},
            headers=progress_headers(review.store, filters.doc),
        )


class ChangeUndoView(HTTPEndpoint):
    """`POST /changes/{id}/undo`: revert a change (a bulk approve of 10,000 pairs) whole."""

    def post(self, request: Request) -> Response:  # sync: Starlette runs it in a worker thread
        review = context(request)
        review.check_writable()
        change_id = request.path_params["change_id"]
        try:
            result = review.store.undo_change(change_id, reviewer=review.reviewer)
        except ConflictError as exc:
            return JSONResponse({"error": f"Not undone: {exc}."}, status_code=409)
        message = f"Undid change {change_id}: {result.size:,} pairs are back as they were."
        return JSONResponse({"change": change_id, "count": result.size, "message": message})
