"""A persistent translation cache (SQLite): an interrupted run resumes, a repeated run is free.

Keys hash the engine signature (model id, version, decoding options) with the normalized
sentence, so changing the model or the beam size never serves stale drafts. Each batch is
committed as soon as it is translated: Ctrl-C or kill loses at most the batch in flight.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from duiyi.cache import open_cache_db, read_keyed, write_keyed

SCHEMA = """
CREATE TABLE IF NOT EXISTS drafts (
    key TEXT PRIMARY KEY,
    signature TEXT NOT NULL,
    source TEXT NOT NULL,
    draft TEXT NOT NULL,
    flags TEXT NOT NULL DEFAULT '[]',
    score REAL,
    created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
)
"""


def cache_key(signature: str, sentence: str) -> str:
    return hashlib.sha256(f"{signature}\0{sentence}".encode()).hexdigest()


class TranslationCache:
    """Drafts by (engine signature, normalized sentence)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._db = open_cache_db(self.path, SCHEMA)

    def get_many(self, signature: str, sentences: Sequence[str]) -> dict[str, tuple]:
        """Cached drafts of those `sentences` that have one: sentence → (draft, flags, score)."""
        keys = {cache_key(signature, s): s for s in set(sentences)}
        rows = read_keyed(self._db, "drafts", "draft, flags, score", list(keys))
        return {keys[key]: (draft, json.loads(flags), score) for key, draft, flags, score in rows}

    def put_many(self, signature: str, rows: Iterable[tuple]) -> None:
        """Store (sentence, draft, flags, score) rows and commit: once per translated batch."""
        write_keyed(
            self._db, "drafts", "key, signature, source, draft, flags, score",
            [(cache_key(signature, s), signature, s, d, json.dumps(f), sc) for s, d, f, sc in rows],
        )  # fmt: skip

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM drafts").fetchone()[0]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> TranslationCache:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
