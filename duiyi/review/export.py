"""`GET /pairs/export?format=tmx&…`: download the pairs the page's filters match.

The same writers as `duiyi export` (TMX 1.4b, JSONL), into a temporary file that is streamed
back and removed; gloss pairs stay out of TMX as they do on the command line.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime

from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from duiyi.corpus.store import MixedDirections
from duiyi.export import get_format, without_gloss
from duiyi.export.exports import export_tags
from duiyi.review.filters import Filters
from duiyi.review.views import Page, ReviewContext, chosen_document

FORMATS = {"tmx": "application/x-tmx+xml", "jsonl": "application/x-ndjson"}


class ExportView(Page):
    """Written in a worker thread (a page), from one state of the store: a big corpus takes
    minutes, and other tabs are answered meanwhile."""

    def page(self, review: ReviewContext, request: Request) -> Response:
        fmt = request.query_params.get("format", "tmx")
        if fmt not in FORMATS:
            raise HTTPException(400, f"format must be one of {', '.join(FORMATS)}")
        filters = Filters.from_query(request.query_params)
        chosen_document(review.store, filters)  # 404 for a document that is not there
        try:  # as `duiyi export` tags a store holding only the pairs the filters match
            tags = export_tags(review.store, where=filters.where())
        except MixedDirections as exc:  # one file cannot tag both directions
            raise HTTPException(
                409,
                "the pairs these filters match are in several directions "
                f"({', '.join(exc.directions)}), and one file tags one: filter them to one "
                "document, or to documents of one direction, to export them",
            ) from exc
        handle, path = tempfile.mkstemp(prefix="duiyi-review-", suffix=f".{fmt}")
        os.close(handle)
        try:
            # one state (the page's own connection), whatever other tabs save meanwhile
            writer = get_format(fmt)
            pairs = review.store.iter_pairs(where=filters.where())
            tags.write(writer, pairs if writer.keeps_gloss else without_gloss(pairs), path)
        except BaseException:
            os.unlink(path)
            raise
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        return FileResponse(
            path,
            media_type=FORMATS[fmt],
            filename=f"duiyi-pairs-{stamp}.{fmt}",
            background=BackgroundTask(os.unlink, path),
        )
