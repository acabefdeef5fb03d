"""The review app: routes, the one error handler, templates and static files from package data.

``create_app(store, hosts=..., reviewer=..., token=...)`` returns an ASGI app; ``server.py``
serves it with uvicorn, tests call it through httpx's ASGI transport.
"""

from __future__ import annotations

import logging
import re
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from duiyi.corpus.store import ConflictError, NotFoundError, Store
from duiyi.corpus.store.records import OWN_TAGS, own_tags
from duiyi.corpus.store.search import search_terms
from duiyi.errors import StoreError
from duiyi.export.inline import INLINE_CODES, kept_codes, seg_xml
from duiyi.review import actions, export, views
from duiyi.review.security import SAFE_METHODS, Guard, new_token

log = logging.getLogger(__name__)

MAX_BODY = 1 << 20  # an edited target text is a few hundred bytes
STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


class IdConvertor(Convertor[int]):
    """A row id in a path: at most 18 digits, so always within SQLite's 64-bit integers. A
    longer number matches no route (404) instead of overflowing in the store (500)."""

    regex = "[0-9]{1,18}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(int(value))


register_url_convertor("id", IdConvertor())


def create_app(
    store: Store,
    *,
    hosts: list[str] | set[str],
    reviewer: str = "",
    token: str | None = None,
    read_only: str = "",
) -> Starlette:
    """The review app over `store`, answering only requests whose Host is one of `hosts`.

    `read_only` (why the store may not be written; a store opened read-only needs none): the
    pages can be browsed, searched and exported, every change is refused (403).
    """
    if store.readonly and not read_only:
        read_only = "the corpus store was opened read-only"
    review = views.ReviewContext(
        store=store,
        reviewer=reviewer,
        token=token or new_token(),
        templates=_templates(),
        read_only=read_only,
    )
    static = _static_files()

    async def static_file(request: Request) -> Response:
        # A lookup in what was read at startup: no request path ever reaches the file system.
        found = static.get(request.path_params["name"])
        if found is None:
            raise HTTPException(404, "no such file")
        body, media_type = found
        return Response(body, media_type=media_type)

    app = Starlette(
        routes=[
            Route("/", views.DocumentsView),
            Route("/pairs", views.PairsView),
            Route("/pairs/bulk", actions.BulkView),
            Route("/pairs/count", views.CountView),
            Route("/pairs/export", export.ExportView),
            Route("/documents/{doc_id:id}", views.PairsView),
            Route("/beads/{bead_id:id}", views.BeadView),
            Route("/beads/{bead_id:id}/history", views.HistoryView),
            Route("/beads/{bead_id:id}/context", views.ContextView),
            Route("/beads/{bead_id:id}/place", views.PlaceView),
            Route("/beads/{bead_id:id}/{action:str}", actions.BeadActionView),
            Route("/changes/{change_id:id}/undo", actions.ChangeUndoView),
            Route("/static/{name:str}", static_file),
        ],
        middleware=[Middleware(Guard, hosts=hosts, token=review.token)],
        exception_handlers={StoreError: _error, HTTPException: _error},
        max_body_size=MAX_BODY,
    )
    app.state.review = review
    return app


def _templates() -> Environment:
    # Autoescape everything: pair texts are untrusted (scraped web pages, imported TMX).
    env = Environment(
        loader=PackageLoader("duiyi.review", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["band"] = confidence_band
    env.filters["mark"] = mark
    env.filters["thousands"] = lambda n: f"{n:,}"
    env.filters["text_langs"] = text_langs
    env.globals["shown_meta"] = shown_meta
    return env


def text_langs(bead, langs: dict[int, tuple[str, str]]) -> tuple[str, str]:
    """The `lang` of a pair's source and target: the tags its import kept for it (a file
    mixing zh-CN and zh-TW units), else its document's (`langs`)."""
    src, tgt = langs[bead.document_id]
    own_src, own_tgt = own_tags(dict(bead.meta or {}))
    return own_src or src, own_tgt or tgt


def shown_meta(meta: dict | None, bead=None) -> list[tuple[str, object]]:
    """The bead meta a pair row lists as `key: value`: not what it shows otherwise (flags,
    engine) nor what says how the pair was made or tagged (signature, its own tags); the
    inline codes its import kept as which side's a TMX export writes, or loses (its text
    edited since: `bead`'s texts)."""
    meta = meta or {}
    hidden = {"flags", "signature", "engine"}
    if any(own_tags(dict(meta))):  # (another tool's prop of that name is a label like others)
        hidden.add(OWN_TAGS)
    shown = []
    if (codes := kept_codes(meta)) is not None:
        hidden.add(INLINE_CODES)
        texts = (bead.src_text, bead.tgt_text) if bead is not None else ("", "")
        sides = [
            f"{side} {'kept' if seg_xml(inner, text) is not None else 'lost (text edited)'}"
            for side, inner, text in zip(("source", "target"), codes, texts, strict=True)
            if inner
        ]
        shown.append(("inline codes", ", ".join(sides)))
    return [(key, value) for key, value in meta.items() if key not in hidden] + shown


def confidence_band(score: float | None) -> str:
    """A CSS class for a confidence: c0 (red, 0–0.1) … c9 (green, 0.9–1), or "cnone"."""
    if score is None:
        return "cnone"
    return f"c{min(max(int(score * 10), 0), 9)}"


def mark(text: str, query: str) -> Markup:
    """`text` escaped, with every case-insensitive occurrence of `query` (as typed, or in its
    Simplified form: what the search matched) in <mark>."""
    if not query:
        return Markup(escape(text))
    terms = sorted(search_terms(query), key=len, reverse=True)
    pattern = "|".join(re.escape(t) for t in terms)
    pieces = re.split(f"({pattern})", text, flags=re.IGNORECASE)
    return Markup("").join(
        Markup("<mark>%s</mark>") % piece if i % 2 else escape(piece)
        for i, piece in enumerate(pieces)
    )


def _static_files() -> dict[str, tuple[bytes, str]]:
    folder = resources.files("duiyi.review").joinpath("static")
    files = {}
    for entry in folder.iterdir():
        suffix = "." + entry.name.rsplit(".", 1)[-1]
        if entry.is_file() and suffix in STATIC_TYPES:
            files[entry.name] = (entry.read_bytes(), STATIC_TYPES[suffix])
    return files


async def _error(request: Request, exc: Exception) -> Response:
    """The one error handler: a page for people, JSON for the page's own fetch calls."""
    if isinstance(exc, HTTPException):
        status, message = exc.status_code, str(exc.detail)
    elif isinstance(exc, NotFoundError):
        status, message = 404, str(exc)
    elif isinstance(exc, ConflictError):
        status, message = 409, str(exc)
    else:  # another StoreError: a change the store refuses (nothing to undo, last bead, …)
        status, message = 422, str(exc)
    if request.method not in SAFE_METHODS:
        return JSONResponse({"error": message}, status_code=status)
    review: views.ReviewContext = request.app.state.review
    page = review.render("error.html", status=status, message=message)
    return HTMLResponse(page, status_code=status)
