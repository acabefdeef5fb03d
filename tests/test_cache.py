"""The caches' shared SQLite helpers: keyed reads and writes, in chunks SQLite accepts, and the
caches built on them (embeddings and rescoring scores in one file, translations)."""

from __future__ import annotations

import hashlib

import numpy as np

from duiyi.cache import KEYS_PER_QUERY, open_cache_db, read_keyed, write_keyed

MANY = 2 * KEYS_PER_QUERY + 37  # three queries, the last one short


def _key(n: int) -> bytes:
    return hashlib.sha256(str(n).encode()).digest()


def test_read_keyed_finds_exactly_the_stored_keys_over_several_queries(tmp_path):
    db = open_cache_db(tmp_path / "c.sqlite", "CREATE TABLE t (key BLOB PRIMARY KEY, a, b)")
    stored = {_key(n): (n, f"v{n}") for n in range(0, MANY, 2)}  # every other key
    write_keyed(db, "t", "key, a, b", [(k, *v) for k, v in stored.items()])
    asked = [_key(n) for n in range(MANY)]
    rows = list(read_keyed(db, "t", "a, b", asked))
    assert len(rows) == len(stored) and {k: (a, b) for k, a, b in rows} == stored
    assert dict(read_keyed(db, "t", "b", asked[:3])) == {asked[0]: "v0", asked[2]: "v2"}
    assert list(read_keyed(db, "t", "a", [])) == []
    write_keyed(db, "t", "key, a, b", [(asked[0], -1, "new")])  # replaced, not added
    assert list(read_keyed(db, "t", "a, b", asked[:1])) == [(asked[0], -1, "new")]
    db.close()


class Counting:
    def __init__(self):
        self.scored = 0

    def score_translations(self, pairs):
        self.scored += len(pairs)
        return [-float(len(zh) + 2 * len(en)) for zh, en in pairs]


def test_embeddings_and_rescoring_scores_share_one_file(tmp_path):
    from duiyi.align.embed import EmbeddingCache
    from duiyi.align.rescore import CachedScorer

    path = tmp_path / "e5.sqlite"
    texts = [f"句子 {n}" for n in range(MANY)]
    vectors = np.random.default_rng(0).standard_normal((MANY, 8)).astype(np.float32)
    EmbeddingCache(path).put_many(texts[::2], vectors[::2])
    pairs = [(t, f"sentence {n}") for n, t in enumerate(texts)]
    inner = Counting()
    first = CachedScorer(inner, path, "m").score_translations(pairs)
    assert inner.scored == MANY
    # a later run: every score and vector from the file, none recomputed
    again = CachedScorer(inner, path, "m").score_translations(pairs[::-1])
    assert again == first[::-1] and inner.scored == MANY
    found = EmbeddingCache(path).get_many(texts)
    assert sorted(found) == sorted(texts[::2])
    assert all(np.array_equal(found[texts[n]], vectors[n]) for n in range(0, MANY, 2))


def test_the_translation_cache_reads_many_sentences(tmp_path):
    from duiyi.translate.cache import TranslationCache

    sentences = [f"第{n}句。" for n in range(MANY)]
    with TranslationCache(tmp_path / "t.db") as cache:
        cache.put_many("sig", [(s, f"Sentence {n}.", ["f"], 0.5) for n, s in enumerate(sentences)])
        found = cache.get_many("sig", sentences + ["未译。"])
        assert len(found) == MANY and found[sentences[-1]] == (f"Sentence {MANY - 1}.", ["f"], 0.5)
        assert cache.get_many("other", sentences[:3]) == {}
