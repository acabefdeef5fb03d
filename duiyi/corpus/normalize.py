"""Normalization for MT and alignment: Simplified script, compatibility widths, spaces.

Offsets: these functions are pure and see only the string they are given. The pipeline splits
the ORIGINAL text into sentences (`duiyi.corpus.split` reads Traditional, Simplified and
full-width text alike), so sentence offsets always point into the original, and then normalizes
the sentences: `normalize_texts(sentences, conversion)` does a whole document's sentences in one
pass (fast), `normalize_text(sentence, conversion)` one at a time. Decide the conversion once
per document — `resolve_conversion(doc.text)` — and pass that config: "auto" on each sentence
alone would convert a document unevenly.

Script: `detect_script` counts characters only one script uses; Japanese (`is_japanese`: a
real share of kana) is neither script, so "auto" never converts its kanji (國, 發). OpenCC conversion is
`duiyi.corpus.script_convert` (native OpenCC's output from the official dictionaries, fast).
Character-level t2s/tw2s/hk2s are safe; phrase-level tw2sp changes vocabulary (訊息→消息) and is
opt-in only.

Widths: full-width Latin letters, digits and symbols (ＡＢＣ１２３％＠) and other compatibility
forms are folded as NFKC folds them, except the CJK punctuation NFKC would make ASCII
(，！？：；（）～ → , ! ? : ; ( ) ~, and … → ...): it stays, because the splitter, the aligner's
punctuation signal and the MT model expect Chinese punctuation in Chinese text; only a colon
between Latin letters or digits becomes ASCII (１２：３０ → 12:30, ｈｔｔｐｓ：／／ → https://). Circled numbers,
superscripts, fractions and unit squares (① ² ½ ㎡) stay too: NFKC would lose their meaning.
Zero-width spaces, BOMs and soft hyphens are removed; CJK compatibility ideographs become their
unified forms (as NFKC and OpenCC's own normalization step both do).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import numpy as np

from duiyi.corpus.script_convert import (
    CONVERSIONS,
    NUMPY_MIN_CHARS,
    CharMap,
    codepoints,
    convert_script,
    get_converter,
    load_alternatives,
    load_dictionary,
)

__all__ = [
    "CONVERSIONS",
    "convert_script",
    "conversion_signature",
    "detect_script",
    "is_japanese",
    "normalize_space",
    "normalize_text",
    "normalize_texts",
    "normalize_width",
    "resolve_conversion",
]

DEFAULT_TRADITIONAL_CONVERSION = "t2s"

# --- script detection ----------------------------------------------------------------------

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
# hiragana, katakana (and its phonetic extensions), half-width katakana; not the prolonged
# sound mark ー or the middle dot ・ alone, which Chinese text borrows
_KANA = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u31f0-\u31ff\uff66-\uff6f\uff71-\uff9d]")
JAPANESE_KANA_SHARE = 0.2  # Japanese prose is 40-70% kana; Chinese quoting a name, a few %


def is_japanese(text: str) -> bool:
    """Whether `text` is Japanese: kana make a real share (JAPANESE_KANA_SHARE) of its kana
    and Han characters. A Chinese text quoting a Japanese name or title (の) is not."""
    kana = len(_KANA.findall(text))
    return kana > 0 and kana >= JAPANESE_KANA_SHARE * (kana + len(_HAN.findall(text)))


@cache
def _script_table() -> dict[int, str]:
    """Maps characters only Traditional text uses to "T", only Simplified text uses to "S"."""
    ts = load_dictionary("TSCharacters.txt")
    st = load_alternatives("STCharacters.txt")
    # Characters t2s keeps inside phrases (乾隆) are not evidence of Traditional text: with them
    # out, converted text never detects as Traditional, so "auto" normalization is idempotent.
    kept = {c for value in load_dictionary("TSPhrases.txt").values() for c in value}
    table = {ord(k): "T" for k, v in ts.items() if v != k and k not in st and k not in kept}
    # A character Traditional text also writes (台 for 臺 in Taiwan: OpenCC lists it among its
    # own Traditional forms) is not evidence of Simplified text.
    table.update({ord(k): "S" for k, v in st.items() if k not in v and k not in ts})
    return table


@cache
def _script_lut() -> np.ndarray:
    lut = np.zeros(0x110000, dtype=np.int8)
    for cp, mark in _script_table().items():
        lut[cp] = 1 if mark == "T" else 2
    return lut


def _count_script_chars(text: str) -> tuple[int, int]:
    if len(text) >= NUMPY_MIN_CHARS:
        counts = np.bincount(_script_lut()[codepoints(text)], minlength=3)
        return int(counts[1]), int(counts[2])
    marks = [_script_table().get(ord(c)) for c in text]
    return marks.count("T"), marks.count("S")


def detect_script(text: str) -> tuple[str, float]:
    """("traditional" | "simplified", confidence), or ("", 0.0) when there is no Han text or
    the text is Japanese (its kanji are no evidence of either script: 國 and 発 alike).

    Counts characters only Traditional text uses (說, 國) and only Simplified text uses (说, 国);
    the majority wins and the confidence is its share. Han text whose characters are all common
    to both scripts is "simplified" with confidence 0.5: converting it would change little.
    """
    if not _HAN.search(text) or is_japanese(text):
        return "", 0.0
    trad, simp = _count_script_chars(text)
    if trad + simp == 0:
        return "simplified", 0.5
    if trad > simp:
        return "traditional", trad / (trad + simp)
    return "simplified", simp / (trad + simp)


def resolve_conversion(text: str, conversion: str = "auto") -> str:
    """The OpenCC config to apply to `text`, "" for none. "auto" converts only Traditional."""
    if conversion == "none" or conversion == "":
        return ""
    if conversion == "auto":
        script, _ = detect_script(text)
        return DEFAULT_TRADITIONAL_CONVERSION if script == "traditional" else ""
    if conversion not in CONVERSIONS:
        raise ValueError(
            f"unknown conversion {conversion!r}: use auto, none, or one of {', '.join(CONVERSIONS)}"
        )
    return conversion


def conversion_signature(config: str) -> str:
    """This stage's part of the run signature, e.g. "opencc:t2s" ("opencc:none" for none)."""
    return f"opencc:{config or 'none'}"


# --- widths --------------------------------------------------------------------------------

# NFKC would make these ASCII or drop their meaning; see the module docstring.
_KEEP = set("，！？：；（）～［］｛｝｟｠…‥")
_KEEP_RANGES = (
    (0x00B2, 0x00B3),  # superscripts
    (0x00B9, 0x00B9),
    (0x00BC, 0x00BE),  # vulgar fractions
    (0x2070, 0x209F),  # superscripts and subscripts
    (0x2150, 0x218F),  # number forms (Ⅻ stays a numeral)
    (0x2460, 0x24FF),  # enclosed alphanumerics ①⑴⒈
    (0x3200, 0x33FF),  # enclosed CJK letters, CJK compatibility (㈠ ㎡)
)
_REMOVE = "\u200b\u2060\ufeff\u00ad"  # zero-width space, word joiner, BOM, soft hyphen
# Ranges holding every character with a compatibility or singleton decomposition we fold.
_FOLD_RANGES = ((0, 0xD800), (0xE000, 0x10000), (0x1D400, 0x1D800), (0x1F100, 0x1F200))
_FOLD_RANGES += ((0x2F800, 0x2FA20),)  # CJK compatibility ideographs supplement


def _kept(cp: int) -> bool:
    return chr(cp) in _KEEP or any(lo <= cp <= hi for lo, hi in _KEEP_RANGES)


@cache
def _width_map() -> CharMap:
    """NFKC per character, minus the characters we keep, plus the removals."""
    table: dict[int, str | None] = {}
    for lo, hi in _FOLD_RANGES:
        for cp in range(lo, hi):
            char = chr(cp)
            if not unicodedata.decomposition(char):
                continue
            folded = unicodedata.normalize("NFKC", char)
            if folded != char and not _kept(cp):
                table[cp] = folded
    table.update(dict.fromkeys(map(ord, _REMOVE)))
    return CharMap(table)


# A full-width colon inside Latin text, once folded (１２：３０, ｈｔｔｐｓ：／／): a time, a score, a URL
_LATIN_COLON = re.compile(r"(?<=[0-9A-Za-z])：(?=[0-9A-Za-z/])")


def normalize_width(text: str) -> str:
    """Fold full-width Latin letters, digits, symbols and other compatibility forms (NFKC),
    keeping CJK punctuation (but a colon between Latin letters or digits: 12:30, https://);
    then compose combining marks (NFC)."""
    text = _width_map().apply(text)
    if "：" in text:
        text = _LATIN_COLON.sub(":", text)
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


# --- spaces --------------------------------------------------------------------------------


def normalize_space(text: str, keep_lines: bool = False) -> str:
    """Collapse whitespace runs (ideographic space too) to one space; strip the ends.

    keep_lines: keep line breaks (any Unicode line boundary becomes \\n; blank lines stay) and
    drop the spaces around them.
    """
    if not keep_lines:
        return " ".join(text.split())
    return "\n".join(" ".join(line.split()) for line in text.splitlines()).strip()


# --- all together --------------------------------------------------------------------------


def normalize_text(text: str, conversion: str = "auto", keep_lines: bool = False) -> str:
    """What MT and alignment see: widths folded, Simplified script, spaces collapsed.

    conversion: "auto" (convert only if `text` is detected as Traditional), "none", or an
    OpenCC config: "t2s", "tw2s", "hk2s", or phrase-level "tw2sp" (opt-in: 訊息→消息).
    """
    text = normalize_width(text)
    config = resolve_conversion(text, conversion)
    if config:
        text = get_converter(config).convert(text)
    return normalize_space(text, keep_lines=keep_lines)


# Joins sentences for one pass; a noncharacter that no dictionary key contains, so no OpenCC
# match crosses it, and NFC never composes across it.
_SEPARATOR = "\uffff"


def normalize_texts(texts: list[str], conversion: str = "auto") -> list[str]:
    """normalize_text over many strings (a document's sentences) in one fast pass.

    "auto" decides once, on all the texts together.
    """
    if not texts:
        return []
    if any(_SEPARATOR in t for t in texts):
        whole = " ".join(texts)
        config = resolve_conversion(normalize_width(whole), conversion)
        return [normalize_text(t, config or "none") for t in texts]
    joined = normalize_width(_SEPARATOR.join(texts))
    config = resolve_conversion(joined, conversion)
    if config:
        joined = get_converter(config).convert(joined)
    return [" ".join(part.split()) for part in joined.split(_SEPARATOR)]
