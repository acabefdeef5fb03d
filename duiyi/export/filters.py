"""Filters an export applies to a stream of pairs: empty sides, duplicates, length ratio.

Each filter passes pairs through lazily and counts what it drops in a `Counter`, so the
command can say what was left out (nothing is dropped silently).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator

from duiyi.corpus.model import Pair

# A length unit: one CJK character, or one run of other non-space characters (a word).
_UNITS = re.compile(
    r"[\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]|[^\s\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]+"
)
_SPACE = re.compile(r"\s+")
EMPTY_SIDE = "empty side"  # the reason a pair without its source or target is left out


def length_units(text: str) -> int:
    """Length comparable across Chinese and English: CJK characters plus other words."""
    return len(_UNITS.findall(text))


def length_ratio(pair: Pair) -> float:
    a, b = length_units(pair.src), length_units(pair.tgt)
    return max(a, b) / max(1, min(a, b))


def filter_pairs(
    pairs: Iterable[Pair],
    dropped: Counter,
    *,
    skip_empty: bool = True,
    dedup: bool = False,
    max_length_ratio: float | None = None,
) -> Iterator[Pair]:
    """Pass the pairs that survive the filters; count the rest in `dropped` by reason."""
    seen: set[bytes] = set()
    for pair in pairs:
        if skip_empty and (not pair.src.strip() or not pair.tgt.strip()):
            dropped[EMPTY_SIDE] += 1
            continue
        if max_length_ratio is not None and length_ratio(pair) > max_length_ratio:
            dropped["length ratio"] += 1
            continue
        if dedup:
            # Duplicates up to whitespace; a 16-byte digest per pair keeps memory small.
            key = "\x00".join(_SPACE.sub(" ", t).strip() for t in (pair.src, pair.tgt))
            digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).digest()
            if digest in seen:
                dropped["duplicate"] += 1
                continue
            seen.add(digest)
        yield pair
