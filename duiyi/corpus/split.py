"""Sentence splitting for Chinese and English: character spans into the text given.

Every function returns `(start, end)` offsets into the string it was given (the pipeline gives
the original text: the Chinese rules read Traditional, Simplified and full-width text alike).
Spans are ordered, never overlap, and exclude surrounding whitespace; every non-whitespace
character of the input lies in exactly one span, so nothing is lost.

Paragraphs: blank lines always end a paragraph. Scraped web text puts one paragraph (or one
forum post line) per line, so by default a single newline is a hard boundary too
(`hard_newlines=True`); pass False for hard-wrapped text, where single newlines are spaces.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import cache
from typing import NamedTuple

# --- paragraphs ------------------------------------------------------------------------------

# Line boundaries as str.splitlines sees them; \r\n is one.
_BREAK_CHARS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_BREAK = rf"(?>\r\n|[{_BREAK_CHARS}])"
# A line's text from its first to its last non-space character.
_LINE_TEXT = re.compile(rf"\S(?:[^{_BREAK_CHARS}]*\S)?")
# A line break, a line of nothing but spaces, a line break.
_BLANK_LINE = re.compile(rf"{_BREAK}[^\S{_BREAK_CHARS}]*{_BREAK}")


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) so it neither starts nor ends with whitespace."""
    chunk = text[start:end]
    stripped = chunk.lstrip()
    start += len(chunk) - len(stripped)
    return start, start + len(stripped.rstrip())


def split_paragraphs(text: str, hard_newlines: bool = True) -> list[tuple[int, int]]:
    """Paragraph spans: non-blank lines, or (hard_newlines=False) blocks between blank lines."""
    if hard_newlines:
        return [m.span() for m in _LINE_TEXT.finditer(text)]
    spans = []
    pos = 0
    for match in _BLANK_LINE.finditer(text):
        start, end = _trim(text, pos, match.start())
        if start < end:
            spans.append((start, end))
        pos = match.end()
    start, end = _trim(text, pos, len(text))
    if start < end:
        spans.append((start, end))
    return spans


# --- protected stretches: URLs, e-mail addresses ---------------------------------------------

_PROTECTED = re.compile(
    # URLs: printable ASCII up to a space or CJK text, not ending in punctuation
    r"(?:https?://|ftp://|www\.)[!-~]*[\w/#=&%+~-]"
    r"|[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+",
    re.ASCII,
)


class _Protected:
    """URL and e-mail spans of a text: no sentence is ever cut inside one."""

    def __init__(self, text: str):
        spans = [m.span() for m in _PROTECTED.finditer(text)]
        self.starts = [s for s, _ in spans]
        self.ends = [e for _, e in spans]

    def inside(self, pos: int) -> bool:
        """Is a cut at `pos` strictly inside a protected span?"""
        if not self.starts:
            return False
        k = bisect_right(self.starts, pos - 1) - 1  # the last span starting before pos
        return k >= 0 and pos < self.ends[k]


# --- Chinese ---------------------------------------------------------------------------------

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff"
_CLOSERS = "」』”’）》〉】〕〗〙〛｝］)]}\"'＂＇"
_CLAUSE = "，、,；;：:"
# A run of sentence-final marks: 。！？!? ｡, ellipses (… ⋯ and ASCII ...), and an ASCII period
# only between CJK text (a period after a digit or a Latin letter is a decimal point or an
# abbreviation), then closing quotes/brackets, possibly more final marks after them.
_ZH_END = rf"(?:[。！？!?｡]|[…⋯]+|\.{{2,}}|(?<=[{_CJK}])\.(?=\s|$|[{_CJK}]))"
_ZH_BOUNDARY = re.compile(rf"(?:{_ZH_END})+(?:[{re.escape(_CLOSERS)}]+(?:{_ZH_END})*)*")
_ZH_BOUNDARY_SEMI = re.compile(
    rf"(?:{_ZH_END}|[；;])+(?:[{re.escape(_CLOSERS)}]+(?:{_ZH_END}|[；;])*)*"
)
_ZH_CUTS = re.compile(r"[，；、;]|,(?!\d)")  # where an over-long sentence may be cut


def split_zh(
    text: str,
    *,
    semicolon: bool = False,
    max_len: int = 150,
    hard_newlines: bool = True,
) -> list[tuple[int, int]]:
    """Chinese sentence spans.

    Splits after 。！？!? and ……/… (with any closing quotes and brackets that follow), never
    inside numbers (3.5, 1.2万), Latin abbreviations, URLs or e-mail addresses, and not before
    a comma (……，). `semicolon`: also split after ；. Sentences longer than `max_len` characters
    are cut at the comma, semicolon or enumeration comma nearest their middle, recursively.
    """
    boundary = _ZH_BOUNDARY_SEMI if semicolon else _ZH_BOUNDARY
    protected = _Protected(text)
    spans: list[tuple[int, int]] = []
    for p_start, p_end in split_paragraphs(text, hard_newlines):
        pos = p_start
        for match in boundary.finditer(text, p_start, p_end):
            cut = _zh_cut(text, match, p_start, p_end, protected)
            if cut is not None:
                _add(spans, text, pos, cut, max_len, protected)
                pos = cut
        _add(spans, text, pos, p_end, max_len, protected)
    return spans


_SPACES = re.compile(r"\s*")


def _zh_cut(text: str, match: re.Match, p_start: int, p_end: int, protected) -> int | None:
    """Where to cut after a sentence-final run, or None to keep going."""
    end = match.end()
    # An ASCII quote after the final mark closes the sentence only if one is open.
    while text[end - 1] in "\"'" and text.count(text[end - 1], p_start, end - 1) % 2 == 0:
        end -= 1
    if protected.inside(match.start() + 1) or protected.inside(end):
        return None
    nxt = _SPACES.match(text, end, p_end).end()
    if nxt >= p_end:
        return None  # the paragraph ends here anyway
    if text[nxt] in _CLAUSE:
        return None  # ……， or ?, : the clause goes on
    return end


def _add(spans, text: str, start: int, end: int, max_len: int, protected) -> None:
    """Append the trimmed span [start, end), cut in pieces if it is longer than max_len."""
    start, end = _trim(text, start, end)
    if start >= end:
        return
    if end - start <= max_len:
        spans.append((start, end))
        return
    cut = _middle_cut(text, start, end, protected)
    if cut is None:
        spans.append((start, end))
        return
    _add(spans, text, start, cut, max_len, protected)
    _add(spans, text, cut, end, max_len, protected)


def _middle_cut(text: str, start: int, end: int, protected) -> int | None:
    """The cut after a comma-like mark nearest the middle of [start, end), or None.

    Without such a mark, the space nearest the middle (a long run of Latin text)."""
    middle = (start + end) / 2
    best = None
    for pattern in (_ZH_CUTS, _WHITESPACE):
        for match in pattern.finditer(text, start + 1, end - 1):
            cut = match.end()
            if protected.inside(cut) or protected.inside(cut - 1):
                continue
            if best is None or abs(cut - middle) < abs(best - middle):
                best = cut
        if best is not None:
            return best
    return None


_WHITESPACE = re.compile(r"\s+")


# --- English ---------------------------------------------------------------------------------


@cache
def _nonbreaking_prefixes() -> dict[str, int]:
    """Moses non-breaking prefixes for English: 1 = always, 2 = only before a number."""
    from sacremoses.corpus import NonbreakingPrefixes

    prefixes = {}
    for line in NonbreakingPrefixes().words("en"):
        word, _, flag = line.strip().partition(" ")
        prefixes[word] = 2 if "NUMERIC_ONLY" in flag else 1
    return prefixes


_EN_CLOSERS = "'\")]”’»"
_EN_OPENERS = "'\"([¿¡“‘«"
# A final run (. ? ! … and ASCII dots), closing quotes/brackets, then whitespace.
_EN_CANDIDATE = re.compile(rf"[.?!…]+[{re.escape(_EN_CLOSERS)}]*(?=\s)")
_EN_WORD_BEFORE = re.compile(r"(\S*?)([" + re.escape(_EN_CLOSERS) + r"%]*)\.$")
_ACRONYM = re.compile(r"\.[^\W\d_][\w-]*\.$")  # U.S. / e.g. like: a period inside the word
_CJK_RE = re.compile(f"[{_CJK}]")


def _starts_sentence(text: str, pos: int, end: int, digits: bool) -> bool:
    """Does the text at `pos` look like a sentence start (openers, then upper case / CJK)?"""
    while pos < end and (text[pos] in _EN_OPENERS or text[pos] == " "):
        pos += 1
    if pos >= end:
        return False
    char = text[pos]
    return char.isupper() or (digits and char.isdigit()) or bool(_CJK_RE.match(char))


def split_en(text: str, *, hard_newlines: bool = True) -> list[tuple[int, int]]:
    """English sentence spans, by the rules of Moses' split-sentences.perl.

    A period ends a sentence when the next word starts with an upper-case letter or a digit,
    unless the word before is a non-breaking prefix (Mr., Dr., e.g., single initials), an
    acronym with inner periods (U.S.), or a numeric-only prefix (No., pp.) before a number;
    ? ! and ellipses end a sentence before an upper-case word; closing quotes stay with it.
    """
    prefixes = _nonbreaking_prefixes()
    spans: list[tuple[int, int]] = []
    protected = _Protected(text)
    for p_start, p_end in split_paragraphs(text, hard_newlines):
        pos = p_start
        for match in _EN_CANDIDATE.finditer(text, p_start, p_end):
            cut = match.end()
            if protected.inside(match.start() + 1) or protected.inside(cut):
                continue
            nxt = _SPACES.match(text, cut, p_end).end()
            if nxt >= p_end or not _en_breaks(text, match, nxt, p_end, prefixes):
                continue
            start, end = _trim(text, pos, cut)
            if start < end:
                spans.append((start, end))
            pos = cut
        start, end = _trim(text, pos, p_end)
        if start < end:
            spans.append((start, end))
    return spans


def _en_breaks(text: str, match: re.Match, nxt: int, p_end: int, prefixes) -> bool:
    marks = match.group().rstrip(_EN_CLOSERS)
    closers = match.group()[len(marks) :]
    if marks != "." or closers:
        # ? ! … or several dots, or a period inside quotes: break before a sentence start.
        return _starts_sentence(text, nxt, p_end, digits=False)
    word_start = text.rfind(" ", 0, match.start()) + 1
    word_start = max(word_start, text.rfind("\n", 0, match.start()) + 1)
    word = text[word_start : match.end()]
    found = _EN_WORD_BEFORE.match(word)
    prefix, starting_punct = (found.group(1), found.group(2)) if found else ("", "")
    prefix = prefix.lstrip(_EN_OPENERS)
    kind = prefixes.get(prefix, 0) if prefix else 0
    if kind == 1 and not starting_punct:
        return False
    if _ACRONYM.search(word):
        return False
    if not _starts_sentence(text, nxt, p_end, digits=True):
        return False
    return not (kind == 2 and not starting_punct and text[nxt].isdigit())


# --- both ----------------------------------------------------------------------------------


class SentenceSpan(NamedTuple):
    start: int
    end: int
    paragraph: int  # index of the paragraph (see split_paragraphs) the sentence is in


def split_sentences(text: str, lang: str = "zh", **options) -> list[SentenceSpan]:
    """Sentence spans with their paragraph index, for "zh" or "en" text."""
    splitter = split_zh if lang == "zh" else split_en
    hard_newlines = options.get("hard_newlines", True)
    paragraphs = split_paragraphs(text, hard_newlines)
    out = []
    index = 0
    for start, end in splitter(text, **options):
        while paragraphs[index][1] < end:
            index += 1
        out.append(SentenceSpan(start, end, index))
    return out


def splitter_signature(lang: str = "zh") -> str:
    """This stage's part of the run signature."""
    return f"split:{lang}1"
