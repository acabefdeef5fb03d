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
from functools import cache
from typing import NamedTuple

# --- paragraphs ------------------------------------------------------------------------------

_LINES = re.compile(r"[^\r\n]+")
# A line break, a line of nothing but spaces, a line break (atomic: \r\n is one break).
_BLANK_LINE = re.compile(r"(?>\r\n|\r|\n)[^\S\r\n]*(?>\r\n|\r|\n)")


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) so it neither starts nor ends with whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_paragraphs(text: str, hard_newlines: bool = True) -> list[tuple[int, int]]:
    """Paragraph spans: non-blank lines, or (hard_newlines=False) blocks between blank lines."""
    spans = []
    if hard_newlines:
        for match in _LINES.finditer(text):
            start, end = _trim(text, match.start(), match.end())
            if start < end:
                spans.append((start, end))
        return spans
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
    r"(?:https?://|ftp://|www\.)[!-~]+"  # URLs: printable ASCII up to a space or CJK text
    r"|[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+",
    re.ASCII,
)


def _protected(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [m.span() for m in _PROTECTED.finditer(text, start, end)]


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    """Is a cut at `pos` strictly inside one of the spans?"""
    return any(s < pos < e for s, e in spans)


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
    spans: list[tuple[int, int]] = []
    for p_start, p_end in split_paragraphs(text, hard_newlines):
        protected = _protected(text, p_start, p_end)
        pos = p_start
        for match in boundary.finditer(text, p_start, p_end):
            cut = _zh_cut(text, match, p_end, protected)
            if cut is None:
                continue
            _add(spans, text, pos, cut, max_len, protected)
            pos = cut
        _add(spans, text, pos, p_end, max_len, protected)
    return spans


def _zh_cut(text: str, match: re.Match, p_end: int, protected) -> int | None:
    """Where to cut after a sentence-final run, or None to keep going."""
    end = match.end()
    # An ASCII quote right after the final mark closes the sentence only if one is open.
    while end > match.start() and text[end - 1] in "\"'" and not _quote_open(text, match, end):
        end -= 1
    if _inside(match.start() + 1, protected) or _inside(end, protected):
        return None
    nxt = end
    while nxt < p_end and text[nxt].isspace():
        nxt += 1
    if nxt >= p_end:
        return None  # the paragraph ends here anyway
    if text[nxt] in _CLAUSE:
        return None  # ……， or ?, : the clause goes on
    return end


def _quote_open(text: str, match: re.Match, end: int) -> bool:
    """Is the ASCII quote at end-1 closing an earlier one in the same paragraph?"""
    quote = text[end - 1]
    line_start = text.rfind("\n", 0, match.start()) + 1
    return text.count(quote, line_start, end - 1) % 2 == 1


def _add(spans, text: str, start: int, end: int, max_len: int, protected) -> None:
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
    """The cut after a comma-like mark nearest the middle of [start, end), or None."""
    middle = (start + end) / 2
    best = None
    for match in _ZH_CUTS.finditer(text, start, end - 1):
        cut = match.end()
        if _inside(cut - 1, protected) or _inside(cut, protected):
            continue
        if best is None or abs(cut - middle) < abs(best - middle):
            best = cut
    if best is None:  # no punctuation: a space between words, if the text has one
        for match in re.finditer(r"\s+", text[start:end]):
            cut = start + match.end()
            if best is None or abs(cut - middle) < abs(best - middle):
                best = cut
    return best


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
    for p_start, p_end in split_paragraphs(text, hard_newlines):
        protected = _protected(text, p_start, p_end)
        pos = p_start
        for match in _EN_CANDIDATE.finditer(text, p_start, p_end):
            cut = match.end()
            if _inside(match.start() + 1, protected) or _inside(cut, protected):
                continue
            nxt = cut
            while nxt < p_end and text[nxt].isspace():
                nxt += 1
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
