"""The review pages' filters: what a query string asks for, checked, and the links that keep it.

One `Filters` serves the queue across documents (``/pairs``) and a document's page
(``/documents/{id}``, the same view with the document fixed); the bulk actions post the same
fields, so "approve all matching" approves exactly what the page lists.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException

from duiyi.corpus.model import ORIGINS, STATUSES
from duiyi.corpus.store import SORTS, BeadFilter, BeadRecord

SORT_LABELS = {
    "score": "worst confidence first",
    "-score": "best confidence first",
    "position": "document order",
    "status": "by status",
    "origin": "by origin",
}
# Bead types offered in the filter; any "N-M" typed into the URL works too.
KINDS = ("1-1", "1-2", "2-1", "2-2", "1-0", "0-1", "1-3", "3-1")
KIND = re.compile(r"\d{1,3}-\d{1,3}|n-n")
MAX_LIMIT = 500
MAX_QUERY = 200  # characters of a search


@dataclass(frozen=True)
class Filters:
    """Sort, filters and page position, as read from a query string (or a bulk form)."""

    sort: str = "score"
    doc: int | None = None  # None: every document
    status: str = ""  # "" = any
    origin: str = ""
    kind: str = ""
    min: float | None = None
    max: float | None = None
    q: str = ""
    limit: int = 50
    cursor: str = ""
    at: int = 0  # how many matching pairs come before this page (shown, never trusted)

    @classmethod
    def from_query(cls, query: QueryParams | dict, doc: int | None = None) -> Filters:
        """Parse and check a query string (or form); HTTP 400 naming the bad parameter."""
        values: dict[str, Any] = {}
        for name, allowed in (("sort", SORTS), ("status", STATUSES), ("origin", ORIGINS)):
            value = str(query.get(name, "") or "")
            if value and value not in allowed:
                raise HTTPException(400, f"{name} must be one of {', '.join(allowed)}")
            if value:
                values[name] = value
        kind = str(query.get("kind", "") or "").strip()
        if kind and not KIND.fullmatch(kind):
            raise HTTPException(400, "kind must be a bead type such as 1-1, 1-2 or 2-1")
        values["kind"] = kind
        for name in ("min", "max"):
            value = str(query.get(name, "") or "").strip()
            if value:
                try:
                    number = float(value)
                except ValueError:
                    number = math.nan
                if not 0 <= number <= 1:
                    raise HTTPException(400, f"{name} must be a confidence between 0 and 1")
                values[name] = number
        for name, low, high in (("limit", 1, MAX_LIMIT), ("at", 0, 10**9)):
            value = str(query.get(name, "") or "").strip()
            if value:
                try:
                    values[name] = min(max(int(value), low), high)
                except ValueError:
                    raise HTTPException(400, f"{name} must be a whole number") from None
        # A document id is not clamped (doc=-5 must not become document 1); at most 18 digits,
        # as in paths, so always within SQLite's integers.
        value = str(query.get("doc", "") or "").strip()
        if value:
            if not (value.isascii() and value.isdigit() and len(value) <= 18 and int(value)):
                raise HTTPException(400, "doc must be a whole number, a document id (1 or more)")
            values["doc"] = int(value)
        if doc is not None:
            values["doc"] = doc
        q = " ".join(str(query.get("q", "") or "").split())
        if len(q) > MAX_QUERY:
            raise HTTPException(400, f"q: a search of at most {MAX_QUERY} characters")
        values["q"] = q
        values["cursor"] = str(query.get("cursor", "") or "")
        return cls(**values)

    def query(self, **changes: Any) -> str:
        """This page's query string with `changes`, leaving out defaults (and the document,
        which `url` puts in the path)."""
        new = replace(self, **changes)
        default = Filters()
        pairs = [
            (f.name, getattr(new, f.name))
            for f in fields(self)
            if f.name != "doc" and getattr(new, f.name) != getattr(default, f.name)
        ]
        return urlencode(pairs)

    def url(self, **changes: Any) -> str:
        """The link to this page with `changes`: /documents/{id}?… or /pairs?…"""
        new = replace(self, **changes)
        path = f"/documents/{new.doc}" if new.doc else "/pairs"
        query = new.query()
        return f"{path}?{query}" if query else path

    def first_page(self) -> str:
        return self.url(cursor="", at=0)

    def cleared(self) -> str:
        """The same page (same document and sort) without filters or search."""
        return self.url(status="", origin="", kind="", min=None, max=None, q="", cursor="", at=0)

    def selection(self) -> list[tuple[str, str]]:
        """The fields that select pairs (not sort or page), as the bulk form posts them."""
        values = [
            ("doc", self.doc or ""),
            ("status", self.status),
            ("origin", self.origin),
            ("kind", self.kind),
            ("min", "" if self.min is None else self.min),
            ("max", "" if self.max is None else self.max),
            ("q", self.q),
        ]
        return [(name, str(value)) for name, value in values]

    def count_url(self) -> str:
        """Where the page asks for the exact number of pairs these filters match."""
        chosen = [(name, value) for name, value in self.selection() if value]
        return "/pairs/count?" + urlencode(chosen)

    def export_url(self, fmt: str) -> str:
        """The link that downloads these pairs in `fmt`."""
        chosen = [(name, value) for name, value in self.selection() if value]
        return "/pairs/export?" + urlencode([("format", fmt), *chosen])

    @property
    def filtered(self) -> bool:
        """Whether anything narrows the pairs listed (besides the document)."""
        return bool(
            self.status
            or self.origin
            or self.kind
            or self.min is not None
            or self.max is not None
            or self.q
        )

    def where(self) -> BeadFilter:
        """What the store selects for these filters."""
        return BeadFilter(
            documents=self.doc,
            status=self.status or None,
            origin=self.origin or None,
            kind=self.kind or None,
            min_score=self.min,
            max_score=self.max,
            search=self.q or None,
        )

    def describe(self, doc_names: dict[int, str] | None = None) -> str:
        """The filters in words, for the bulk confirmation: "status pending, confidence ≥ 0.95"."""
        parts = []
        if self.doc:
            name = (doc_names or {}).get(self.doc, f"document {self.doc}")
            parts.append(f"in {name}")
        if self.status:
            parts.append(f"status {self.status}")
        if self.origin:
            parts.append(f"origin {self.origin}")
        if self.kind:
            parts.append(f"bead type {self.kind}")
        if self.min is not None and self.max is not None:
            parts.append(f"confidence {self.min:g}–{self.max:g}")
        elif self.min is not None:
            parts.append(f"confidence ≥ {self.min:g}")
        elif self.max is not None:
            parts.append(f"confidence ≤ {self.max:g}")
        if self.q:
            parts.append(f"containing “{self.q}”")
        return ", ".join(parts) if parts else "every pair in the corpus"


def position_url(bead: BeadRecord, at: int) -> str:
    """The page of the pair's document, in document order, that starts with the pair (`at`:
    how many pairs come before it). A page continues after its cursor's sort key, document
    order's being (document, position, id): the key just before this pair's ends in id - 1."""
    cursor = json.dumps([bead.document_id, bead.position, bead.id - 1])
    page = Filters(sort="position", doc=bead.document_id)
    return f"{page.url(cursor=cursor, at=at)}#bead-{bead.id}"
