"""Word tokenization for export and alignment: jieba for Chinese, sacremoses for English.

Every tool is built once, on first use, so importing this module costs nothing.
"""

from __future__ import annotations

import logging
from functools import cache


@cache
def _jieba():
    """jieba's default tokenizer, initialized once and quietly (it logs to stderr otherwise)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()  # thread-safe: jieba holds its own lock
    return jieba.dt


def tokenize_zh(text: str) -> list[str]:
    """Chinese words (jieba's default precise mode), without whitespace tokens."""
    return [tok for tok in _jieba().lcut(text) if not tok.isspace()]


@cache
def _moses_tokenizer():
    from sacremoses import MosesTokenizer

    return MosesTokenizer(lang="en")


@cache
def _moses_detokenizer():
    from sacremoses import MosesDetokenizer

    return MosesDetokenizer(lang="en")


@cache
def _moses_punct_normalizer():
    from sacremoses import MosesPunctNormalizer

    return MosesPunctNormalizer(lang="en")


def tokenize_en(text: str, *, escape: bool = False) -> list[str]:
    """English tokens (Moses rules). `escape`: XML-escape & < > ' " as Moses does by default."""
    return _moses_tokenizer().tokenize(text, escape=escape)


def detokenize_en(tokens: list[str]) -> str:
    """Join Moses tokens back into text (the inverse of tokenize_en, unescaping entities)."""
    return _moses_detokenizer().detokenize(tokens, unescape=True)


def normalize_punct_en(text: str) -> str:
    """Moses punctuation normalization: “smart” quotes, odd spaces and dashes made plain."""
    return _moses_punct_normalizer().normalize(text)
