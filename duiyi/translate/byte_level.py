"""Facts of byte-level BPE vocabularies (GPT-2, Qwen): each byte is spelled by one printable
character, so a token string maps back to the UTF-8 bytes it generates."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache


@lru_cache(maxsize=1)
def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte → printable character table."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1))
    keep += list(range(0xAE, 0xFF + 1))
    chars, n = keep[:], 0
    for b in range(256):
        if b not in keep:
            keep.append(b)
            chars.append(256 + n)
            n += 1
    return dict(zip(keep, map(chr, chars), strict=True))


@lru_cache(maxsize=1)
def _unicode_to_bytes() -> dict[str, int]:
    return {c: b for b, c in bytes_to_unicode().items()}


def token_bytes(token: str) -> bytes | None:
    """The bytes a vocabulary token generates; None for a string no byte-level token spells."""
    table = _unicode_to_bytes()
    try:
        return bytes(table[c] for c in token)
    except KeyError:
        return None


def _starts_cjk(data: bytes, i: int) -> bool:
    """Whether data[i] starts the UTF-8 form of a character English text has no use for:
    U+3000-U+9FFF (CJK punctuation, kana, ideographs), U+F900-U+FAFF (compatibility
    ideographs), U+FF00-U+FFEF (full-width forms), U+20000-U+2FFFF (rare ideographs). A token
    that ends on the lead byte counts: the next token would complete the character."""
    lead, after = data[i], data[i + 1 : i + 2]
    if 0xE3 <= lead <= 0xE9:
        return True
    if lead == 0xEF:
        return not after or 0xA4 <= after[0] <= 0xAB or after[0] in (0xBC, 0xBD, 0xBE, 0xBF)
    if lead == 0xF0:
        return not after or 0xA0 <= after[0] <= 0xAF
    return False


def has_cjk(text: str) -> bool:
    """Whether `text` holds a character whose tokens `cjk_tokens` finds."""
    data = text.encode("utf-8")
    return any(_starts_cjk(data, i) for i in range(len(data)))


def cjk_tokens(vocabulary: Iterable[str]) -> list[str]:
    """The tokens that generate (part of) a Chinese character or CJK punctuation."""
    found = []
    for token in vocabulary:
        data = token_bytes(token)
        if data and any(_starts_cjk(data, i) for i in range(len(data))):
            found.append(token)
    return found
