"""A lexical signal from CC-CEDICT: how much of an English span the Chinese span's words explain.

Each Chinese sentence (jieba tokens) becomes the bag of English content words found in the
CC-CEDICT definitions of its tokens; each English sentence the set of its content words. A
sentence pair's lexical hits are the size of the intersection; a bead sums its pairs' hits and
divides by its English content words.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"[a-z]+")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "and",
        "or",
        "but",
        "not",
        "no",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "he",
        "she",
        "they",
        "we",
        "you",
        "i",
        "me",
        "him",
        "her",
        "them",
        "us",
        "my",
        "your",
        "his",
        "their",
        "our",
        "as",
        "if",
        "so",
        "than",
        "then",
        "there",
        "here",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "all",
        "any",
        "some",
        "one",
        "very",
        "can",
        "could",
        "will",
        "would",
        "shall",
        "should",
        "may",
        "might",
        "must",
        "also",
        "just",
        "only",
        "into",
        "out",
        "up",
        "down",
        "over",
        "under",
        "about",
        "s",
        "sb",
        "sth",
        "etc",
        "used",
        "esp",
    ]
)


def _stem(word: str) -> str:
    """A crude English stemmer: enough to meet 'walked'/'walk', 'stones'/'stone'."""
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def english_words(text: str) -> frozenset[str]:
    return frozenset(_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1)


@functools.cache
def _definition_words(word: str) -> frozenset[str]:
    from duiyi.corpus.cedict import load_cedict

    senses = load_cedict().get(word, ())
    words: set[str] = set()
    for sense in senses:
        if sense.startswith(("CL:", "variant of", "old variant", "surname ")):
            continue
        words.update(english_words(re.sub(r"\([^)]*\)", " ", sense)))
    return frozenset(words)


def _tokenize_zh(text: str) -> list[str]:
    try:
        from duiyi.corpus.tokenize import tokenize_zh
    except ImportError:  # until the corpus helper's tokenizer lands
        import jieba

        jieba.setLogLevel(60)
        return [t for t in jieba.lcut(text) if t.strip()]
    return tokenize_zh(text)


def chinese_bag(text: str) -> frozenset[str]:
    """English content words that CC-CEDICT offers for the sentence's jieba tokens."""
    bag: set[str] = set()
    for token in _tokenize_zh(text):
        if len(token) == 1 and not ("\u4e00" <= token <= "\u9fff"):
            continue
        bag.update(_definition_words(token))
    return frozenset(bag)


def lexical_hits(
    src_sets: Sequence[frozenset[str]], tgt_sets: Sequence[frozenset[str]], columns: np.ndarray
) -> np.ndarray:
    """hits[i, w] = |src_sets[i] ∩ tgt_sets[columns[i, w]]| over a band (0 outside the text)."""
    n, width = len(src_sets), columns.shape[1]
    hits = np.zeros((n, width))
    m = len(tgt_sets)
    for i in range(n):
        left = src_sets[i]
        if not left:
            continue
        for w in range(width):
            j = columns[i, w]
            if j < m:
                hits[i, w] = len(left & tgt_sets[j])
    return hits
