"""Sentence splitting for Chinese and English: character spans into the text given.

Every function returns `(start, end)` offsets into the string it was given (the pipeline gives
the original text: the Chinese rules read Traditional, Simplified and full-width text alike).
Spans are ordered, never overlap, and exclude surrounding whitespace; every non-whitespace
character of the input lies in exactly one span, so nothing is lost.

Length: no sentence is longer than `MAX_SENTENCE_CHARS` characters. A longer one (a page with
no punctuation, a run of 300,000 。) is cut at the clause mark or space nearest its middle,
recursively, and where there is none into equal pieces: downstream stages (translation,
alignment) then cost a bounded amount per sentence.

Paragraphs: blank lines always end a paragraph. Scraped web text puts one paragraph (or one
forum post line) per line, so by default a single newline is a hard boundary too
(`hard_newlines=True`); pass False for hard-wrapped text, where single newlines are spaces.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import cache
from typing import NamedTuple

from duiyi.corpus.model import primary_subtag
from duiyi.corpus.numerals import roman_numeral

MAX_SENTENCE_CHARS = 1000  # the hard cap on a sentence's length, in characters

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

# URLs: printable ASCII up to a space or CJK text, not ending in punctuation.
_URL = re.compile(r"(?:https?://|ftp://|www\.)[!-~]*[\w/#=&%+~-]", re.ASCII)
_EMAIL = re.compile(r"[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+", re.ASCII)
# A title in book-title marks, as long as titles get: 《书名。副标题》 is one title, not two
# sentences (one that ends in a final mark, 《论语。》, still ends its sentence).
_TITLE = re.compile(r"《[^《》\n]{0,59}[^《》\n。！？!?…]》")
_EMAIL_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-")


class _Protected:
    """URL, e-mail and book-title spans of a text: no sentence is ever cut inside one."""

    def __init__(self, text: str):
        spans = []
        if "://" in text or "www." in text:
            spans = [m.span() for m in _URL.finditer(text)]
        if "《" in text:
            spans += [m.span() for m in _TITLE.finditer(text)]
        # E-mail addresses are found from their @ (a regex scan for them is slow).
        at = text.find("@")
        while at != -1:
            start = at
            while start > 0 and text[start - 1] in _EMAIL_LOCAL:
                start -= 1
            match = _EMAIL.match(text, start) if start < at else None
            if match is not None:
                spans.append(match.span())
            at = text.find("@", match.end() if match is not None else at + 1)
        self.starts: list[int] = []
        self.ends: list[int] = []
        for start, end in sorted(spans):  # merged: a URL may hold an @
            if self.ends and start < self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], end)
            else:
                self.starts.append(start)
                self.ends.append(end)

    def __bool__(self) -> bool:
        return bool(self.starts)

    def inside(self, pos: int) -> bool:
        """Is a cut at `pos` strictly inside a protected span?"""
        k = bisect_right(self.starts, pos - 1) - 1  # the last span starting before pos
        return k >= 0 and pos < self.ends[k]


# --- Chinese ---------------------------------------------------------------------------------

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff"
_CLOSERS = "」』”’）》〉】〕〗〙〛｝］)]}\"'＂＇"
_OPENERS = "「『“‘（《【〈〔"
_CLAUSE = "，、,；;：:"
# what opens a list item: （一） (2) 三、 4. 5） ①
_ENUMERATOR = (
    r"(?:[（(][一二三四五六七八九十百\d]{1,4}[)）]|[一二三四五六七八九十百]{1,4}、"
    r"|\d{1,3}[、.．)）](?!\d)|[\u2460-\u2473\u2776-\u277f])"
)


def _boundary(finals: str) -> re.Pattern:
    """A run of sentence-final marks, closing quotes and brackets after it, not followed by a
    clause mark (……， goes on).

    Marks: `finals` (。！？!?｡ and ellipses …⋯), runs of ASCII dots, a single period (. or
    full-width ．) only after CJK text or an upper-case abbreviation (US.) and before a space,
    CJK text, a quote or bracket (他说:"我来了."然后) or the end (after a digit or other Latin text it is a decimal point or an
    abbreviation), and a semicolon (； or ;) before a list item's enumerator (（一）…;（二）…).
    Marks and closers after the first may follow spaces (。 。 is one end, not a stray 。 that
    opens the next sentence). The pattern starts with a plain character class so the regex
    engine scans fast for it; the run is atomic so a failed lookahead never leaves half a run
    behind.
    """
    cjk = _CJK
    closers = re.escape(_CLOSERS)
    quotes = rf"{closers}{_OPENERS}"  # 他说:"我来了."然后 他来了.「好.」
    first = (
        rf"[{finals}.．；;](?:(?<=[{finals}])|(?<=[{cjk}][.．])(?=\s|$|[{cjk}{quotes}])|(?=\.)"
        rf"|(?<=[A-Z]{{2}}[.．])(?=[^\S\n]*(?:$|[{cjk}]))"
        rf"|(?<=[；;])(?=[^\S\n]*{_ENUMERATOR}))"
    )
    more = rf"[{finals}]|[.．](?=[\s.．{finals}{quotes}]|$|[{cjk}])"  # 嗯..." 为. . .。
    run = rf"(?:[^\S\n]*(?:{more}|[{closers}]+))*"  # 。 ” : a space may come first
    return re.compile(rf"{first}(?>{run})(?![^\S\n]*[{_CLAUSE}])")


_ZH_BOUNDARY = _boundary("。！？!?｡…⋯")
_ZH_BOUNDARY_SEMI = _boundary("。！？!?｡…⋯；;")
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
    are cut at the comma, semicolon or enumeration comma nearest their middle, recursively;
    none is longer than MAX_SENTENCE_CHARS.
    """
    boundary = _ZH_BOUNDARY_SEMI if semicolon else _ZH_BOUNDARY
    max_len = min(max_len, MAX_SENTENCE_CHARS)
    protected = _Protected(text)
    guard = bool(protected)
    spans: list[tuple[int, int]] = []
    append = spans.append
    for p_start, p_end in split_paragraphs(text, hard_newlines):
        if _is_english(text, p_start, p_end):
            # an English paragraph in a Chinese document (a quoted abstract, a bilingual page)
            _split_en_paragraph(text, p_start, p_end, protected, spans)
            continue
        pos = p_start
        quotes = _OpenQuotes(text, p_start, p_end)
        for match in boundary.finditer(text, p_start, p_end):
            cut = match.end()
            if text[cut - 1] in "\"'":
                cut = _drop_opening_quotes(text, p_start, match.start(), cut)
            elif text[cut - 1] in "…⋯." and _ellipsis_goes_on(text, p_start, match, p_end, quotes):
                continue
            if guard and (protected.inside(match.start() + 1) or protected.inside(cut)):
                continue
            # _add's fast path: a cut follows a mark, so only the start may need trimming.
            start = _SPACES.match(text, pos).end() if text[pos].isspace() else pos
            if start >= match.start():
                continue  # marks with no sentence before them (……开头) open the next one
            if cut <= start + max_len:
                append((start, cut))
            else:
                _add(spans, text, start, cut, max_len, protected)
            pos = cut
        if pos >= p_end:
            continue
        # The paragraph's end is trimmed already.
        start = _SPACES.match(text, pos).end() if text[pos].isspace() else pos
        if start < p_end <= start + max_len:
            append((start, p_end))
        else:
            _add(spans, text, start, p_end, max_len, protected)
    return spans


_SPACES = re.compile(r"\s*")
_CJK_CHAR = re.compile(f"[{_CJK}]")
_TWO_WORDS = re.compile(r"\b[A-Za-z]{2,}\W+[A-Za-z]{2,}")  # \b: linear on a run of letters


def _is_english(text: str, start: int, end: int) -> bool:
    """A paragraph of Latin-script words without a CJK character ("Word word. Word")."""
    return _CJK_CHAR.search(text, start, end) is None and bool(_TWO_WORDS.search(text, start, end))


# an enumeration (苹果、香蕉、橘子) since the last clause or sentence mark
_ENUMERATION = re.compile(r"、[^，。！？；：,;:!?…⋯\n]*$")
_ELLIPSIS_ONLY = re.compile(r"[…⋯.．\s]+")


def _ellipsis_goes_on(
    text: str, p_start: int, match: re.Match, p_end: int, quotes: _OpenQuotes
) -> bool:
    """Is the ellipsis `match` (nothing but ellipsis marks) inside its sentence: in a
    quotation still open (“您能……说具体些吗？”: a pause in speech), before the word it
    follows, repeated (我叫……叫小玄子, 不过……不过: a hesitation), or after an enumeration
    (苹果、香蕉、橘子……都有: "and so on")?"""
    mark = match.start()
    if _ELLIPSIS_ONLY.fullmatch(match.group()) is None:
        return False
    nxt = _SPACES.match(text, match.end(), p_end).end()
    before = text[max(p_start, mark - 2) : mark]
    if before[-1:].isalnum() and (
        text.startswith(before[-1], nxt) or (len(before) == 2 and text.startswith(before, nxt))
    ):
        return True
    if _ENUMERATION.search(text, max(p_start, mark - 100), mark) is not None:
        return True
    return quotes.open_at(mark)


class _OpenQuotes:
    """Is a quotation (“ ” 「 」 『 』) open at a point of a paragraph: its opener unclosed and
    at most QUOTE_WINDOW characters back (a stray opener far back opens nothing). The points
    asked about move forward, so each character is read once."""

    KINDS = {"“": (0, False), "”": (0, True), "「": (1, False), "」": (1, True)}
    KINDS |= {"『": (2, False), "』": (2, True)}
    MARKS = re.compile("[“”「」『』]")

    def __init__(self, text: str, start: int, end: int):
        self.text = text
        self.pos = start
        self.openers: list[list[int]] = [[], [], []]  # unclosed openers' offsets, per pair
        self.none = self.MARKS.search(text, start, end) is None  # a paragraph without quotes

    def open_at(self, pos: int) -> bool:
        if self.none:
            return False
        for mark in self.MARKS.finditer(self.text, self.pos, pos):
            kind, closing = self.KINDS[mark.group()]
            openers = self.openers[kind]
            if not closing:
                openers.append(mark.start())
            elif openers:
                openers.pop()
        self.pos = max(self.pos, pos)
        floor = pos - QUOTE_WINDOW
        return any(openers[-1] >= floor for openers in self.openers if openers)


_CURLY = {'"': "“”", "'": "‘’"}  # the curly quotes an ASCII one may close: “好。"


def _drop_opening_quotes(text: str, p_start: int, start: int, end: int) -> int:
    """Give back ASCII quotes that open the next sentence (and spaces before them): a quote
    closes this sentence only if an odd number of them came before it in the paragraph, or
    more of its curly openers than closers (他说“好。"下一句: typed with two keyboards)."""
    while end > start and text[end - 1] in "\"'" and not _closes(text, p_start, end - 1):
        end -= 1
    while text[end - 1].isspace():  # 。 "Next: the space before the quote stays outside
        end -= 1
    return end


def _closes(text: str, p_start: int, quote: int) -> bool:
    """Does the ASCII quote at `quote` close a quotation opened in the paragraph before it?"""
    mark = text[quote]
    if text.count(mark, p_start, quote) % 2:
        return True
    opener, closer = _CURLY[mark]
    return text.count(opener, p_start, quote) > text.count(closer, p_start, quote)


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
        _cut_evenly(spans, start, end)
        return
    _add(spans, text, start, cut, max_len, protected)
    _add(spans, text, cut, end, max_len, protected)


def _cut_evenly(spans, start: int, end: int) -> None:
    """[start, end) as is if it is within the hard cap, else in equal pieces within it (a span
    with no clause mark or space: nothing better to cut at)."""
    pieces = -(-(end - start) // MAX_SENTENCE_CHARS)
    size = -(-(end - start) // pieces)
    spans.extend((i, min(i + size, end)) for i in range(start, end, size))


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


_REFERENCE_WORDS = "fig figs eq eqs sec ch vol ref refs cf approx ca"
_PHONE_WORDS = "ext tel"  # call 555-1234 ext. 12; tel. 555-1234


@cache
def _nonbreaking_prefixes() -> dict[str, int]:
    """Moses non-breaking prefixes for English: 1 = always, 2 = only before a number."""
    from sacremoses.corpus import NonbreakingPrefixes

    prefixes = {}
    for line in NonbreakingPrefixes().words("en"):
        word, _, flag = line.strip().partition(" ")
        prefixes[word] = 2 if "NUMERIC_ONLY" in flag else 1
    # references before a number in technical text ("see fig. 1.2", "Eq. 3") and telephone
    # numbers ("ext. 12"), not in Moses' list
    for word in (_REFERENCE_WORDS + " " + _PHONE_WORDS).split():
        for form in (word, word.capitalize()):
            prefixes.setdefault(form, 2)
    return prefixes


_EN_CLOSERS = "'\")]}”’»」』》】"
_EN_OPENERS = "'\"([¿¡“‘«"
# A final run (. ? ! … and ASCII dots), closing quotes/brackets, then whitespace.
# As in Moses, closers may follow after spaces: `said. " Then` keeps the quote.
# (The first mark outside the repeat lets the regex engine scan fast for it.)
_EN_CANDIDATE = re.compile(rf"([.?!…][.?!…]*)((?: *[{re.escape(_EN_CLOSERS)}]+)*)(?=\s)")
# Greek writes its question mark as a semicolon (; or U+037E, which NFC makes ;)
_EL_CANDIDATE = re.compile(_EN_CANDIDATE.pattern.replace(".?!…", ".?!…;\u037e"))
QUOTE_WINDOW = 2000  # characters: how far back a “ may have opened the quotation it closes
_STRAY_OPENER = re.compile(r"[^\S\n]*“(?=\s|$)")
_QUOTE_MARK = re.compile("[“”]")
_EN_WORD_BEFORE = re.compile(r"(\S*?)([" + re.escape(_EN_CLOSERS) + r"%]*)\.$")
_ACRONYM = re.compile(r"\.([\w-]+)\.$")  # U.S., U.S.A.: checked for upper case below
_CJK_RE = re.compile(f"[{_CJK}]")
# a list item's number: "1. The case", "2) The dial", "(3) The strap"
_LIST_NUMBER = re.compile(r"\(?\d{1,3}[.)](?=\s)")
# Roman numerals (up to CCCXCIX, xxxix): the lookahead keeps them from matching nothing
_ROMAN = r"(?=[IVXLC])C{0,3}(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})"
_ROMAN_LOWER = r"(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3})"
# words that number a heading: "Part II. The method", "Chapter 4. The end"
_HEADING_WORDS = (
    "Part Chapter Section Book Volume Article Appendix Act Scene Canto Lesson Table Figure"
)
_HEADING = "|".join(f"{word}|{word.upper()}" for word in _HEADING_WORDS.split()) + r"|Fig\."
# a sentence that is only such a number ("2.", "1.2.", "II.", "Figure 1.1.") numbers what follows
_NUMBERING = r"\d{1,3}(?:\.\d{1,3}){0,3}"  # 2, 1.2, 10.1.1
_LIST_ONLY = re.compile(
    rf"(?:{_HEADING}) (?:{_NUMBERING}|{_ROMAN})\.|\(?(?:{_NUMBERING}|{_ROMAN}|{_ROMAN_LOWER})[.)]"
)
# words after which "I." is the pronoun ending a sentence (Here am I. So did I. taller than I.),
# not an initial (by I. Newton) nor a numeral (Part I.)
_PRONOUN_I = re.compile(
    r"(?:^|\W)(?:am|was|were|do|did|have|had|can|could|will|would|shall|should|may|might|must"
    r"|than|nor)\s+$"
)
# words that start a sentence after an acronym (U.S. The …), never a name it qualifies
_STARTER_WORDS = (
    "The A An This That These Those It Its He She We They I You His Her Their Our My There But "
    "And Yet So Then However Meanwhile In On At For If When While After Before As According "
    "Although Because Since Despite Such"
)
_STARTERS = frozenset(_STARTER_WORDS.split())


def _starts_sentence(text: str, pos: int, end: int, digits: bool) -> bool:
    """Does the text at `pos` look like a sentence start (openers, then upper case, CJK, or a
    letter of a script without case: Hangul, Arabic, Hebrew)?"""
    while pos < end and (text[pos] in _EN_OPENERS or text[pos] == " "):
        pos += 1
    if pos >= end:
        return False
    char = text[pos]
    return (
        char.isupper()
        or (char.isalpha() and not char.islower())
        or (digits and char.isdigit())
        or bool(_CJK_RE.match(char))
    )


def split_en(
    text: str, *, hard_newlines: bool = True, candidates: re.Pattern = _EN_CANDIDATE
) -> list[tuple[int, int]]:
    """English sentence spans, by the rules of Moses' split-sentences.perl.

    A period ends a sentence when the next word starts with an upper-case letter or a digit,
    unless the word before is a non-breaking prefix (Mr., Dr., e.g., single initials), an
    acronym with inner periods (U.S.), or a numeric-only prefix (No., pp.) before a number;
    ? ! and ellipses end a sentence before an upper-case word; closing quotes stay with it.
    Sentences longer than MAX_SENTENCE_CHARS are cut at the comma or space nearest their middle.
    `candidates`: the marks that may end a sentence (`split_el`'s add ;).
    """
    spans: list[tuple[int, int]] = []
    protected = _Protected(text)
    for p_start, p_end in split_paragraphs(text, hard_newlines):
        _split_en_paragraph(text, p_start, p_end, protected, spans, candidates)
    return spans


def split_el(text: str, *, hard_newlines: bool = True) -> list[tuple[int, int]]:
    """Greek sentence spans: `split_en`'s, and ; (the Greek question mark) ends a sentence as
    ? does."""
    return split_en(text, hard_newlines=hard_newlines, candidates=_EL_CANDIDATE)


def _split_en_paragraph(
    text: str,
    p_start: int,
    p_end: int,
    protected: _Protected,
    spans: list[tuple[int, int]],
    candidates: re.Pattern = _EN_CANDIDATE,
) -> None:
    """`split_en` on one paragraph: its sentences appended to `spans`."""
    prefixes = _nonbreaking_prefixes()
    pos = p_start
    for match in candidates.finditer(text, p_start, p_end):
        cut = _closing_opener(text, p_start, match.end(), p_end)
        if protected.inside(match.start() + 1) or protected.inside(cut):
            continue
        nxt = _SPACES.match(text, cut, p_end).end()
        if nxt >= p_end:
            continue
        start, end = _trim(text, pos, cut)
        if start >= match.start():
            continue  # marks with no sentence before them ("... And so") open the next one
        item = _list_item(text, start, match, prefixes)
        if item is not None:  # a list number ends no sentence: it opens its item
            if item > start and _starts_sentence(text, nxt, p_end, digits=True):
                _add(spans, text, start, item, MAX_SENTENCE_CHARS, protected)
                pos = item
            continue
        if not _en_breaks(text, match, nxt, p_end, prefixes):
            continue
        if _LIST_ONLY.fullmatch(text, start, end):
            continue  # "2.", "II." or "Part II." alone numbers the item that follows
        _add(spans, text, start, end, MAX_SENTENCE_CHARS, protected)
        pos = cut
    _add(spans, text, pos, p_end, MAX_SENTENCE_CHARS, protected)


_ITEM_NUMBER = re.compile(rf"(?<!\S)(\d{{1,3}}|{_ROMAN})\.$")
_AFTER_COLON = re.compile(r":\s+$")
_COLON_ONE = re.compile(r":\s+1\.\s")
_COLON_I = re.compile(r":\s+I\.\s")
_WORD_BEFORE = re.compile(r"(\S+)\.\s+$")  # "J. " before a number: an initial
_ITEM_REACH = 300  # characters: how far back "Contents: 1." may open the list 2. goes on
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def _number_value(number: str) -> int:
    if number.isdigit():
        return int(number)
    values = [_ROMAN_VALUES[c] for c in number]
    return sum(-v if v < after else v for v, after in zip(values, [*values[1:], 0], strict=True))


def _opens(text: str, number: re.Match) -> bool:
    """Does the number after a colon open a list: 1. or I. with 2. or II. after it (Final
    score: 1. The match ended; Authors: I. Newton is an initial)?"""
    second = {"1": " 2. ", "I": " II. "}.get(number.group(1))
    return second is not None and second in text[number.end() : number.end() + _ITEM_REACH]


def _list_item(text: str, start: int, match: re.Match, prefixes) -> int | None:
    """Where the list number that the period `match` ends begins, when it is one, else None.

    A list number opens the sentence starting at `start` ("1. Introduction"), is 1 before 2.
    (or I before II.) after a colon ("Contents: 1. Introduction 2."), or follows the number
    before it, which did either ("1. Introduction 2." → 2., "IX. Nine X." → X., "Contents:
    1. Introduction 2." → 2.): an inline list's numbers open their items. A number after an
    initial is none (by J. V. Smith).
    """
    if match.group() != ".":
        return None
    period = match.start()
    found = _ITEM_NUMBER.search(text, max(start, period - 12), period + 1)
    if found is None:
        return None
    number, at = found.group(1), found.start()
    if at == start or (_AFTER_COLON.search(text, max(start, at - 9), at) and _opens(text, found)):
        return at
    before = _WORD_BEFORE.search(text, max(start, at - 20), at)
    if before is not None and prefixes.get(before.group(1)) == 1:
        return None
    previous = _number_value(number) - 1
    if previous < 1:
        return None
    opener = str(previous) if number.isdigit() else roman_numeral(previous)
    if text.startswith(opener + ". ", start):
        return at
    if previous == 1:  # "Contents: 1. Introduction 2."
        colon = _COLON_ONE if number.isdigit() else _COLON_I
        if colon.search(text, max(start, at - _ITEM_REACH), at):
            return at
    return None


def _closing_opener(text: str, start: int, cut: int, end: int) -> int:
    """The cut after a sentence's final marks, moved past a “ typed for its closing quote
    ("don’t make trouble. “ Next": a word processor makes “ of a quote typed after a space).
    A “ with whitespace (or the paragraph's end) after it closes a quotation when the
    paragraph so far holds more “ than ”, or when the next quote mark after it is not the ”
    that would close it ("He left. “ Hello,” she said." keeps its opener). Both looks reach
    at most QUOTE_WINDOW characters: bounded work per cut."""
    found = _STRAY_OPENER.match(text, cut, end)
    if found is None:
        return cut
    before = text[max(start, cut - QUOTE_WINDOW) : cut]
    if before.count("“") > before.count("”"):
        return found.end()
    after = _QUOTE_MARK.search(text, found.end(), min(end, found.end() + QUOTE_WINDOW))
    return cut if after is not None and after.group() == "”" else found.end()


_WORD_AT_END = re.compile(r"(\w+)$")
_WORD_AT_START = re.compile(r"\w+")


def _stutter(text: str, dots: int, nxt: int) -> bool:
    """Does the word after an ellipsis repeat the one before it (I... I've, we... We)?"""
    before = _WORD_AT_END.search(text, max(0, dots - 30), dots)
    after = _WORD_AT_START.match(text, nxt)
    return bool(before and after) and before.group(1).lower() == after.group().lower()


def _en_breaks(text: str, match: re.Match, nxt: int, p_end: int, prefixes) -> bool:
    marks, closers = match.groups()
    if marks.startswith(("..", "…")) and not closers and _stutter(text, match.start(), nxt):
        return False  # "I... I've got", "W-we... we can't": a hesitation, not an end
    if marks != "." or closers:
        # ? ! … or several dots, or a period inside quotes: break before a sentence start or
        # a list item's number ("watches? 1. The case")
        return _starts_sentence(text, nxt, p_end, digits=False) or bool(
            _LIST_NUMBER.match(text, nxt)
        )
    word_start = match.start()
    while word_start > 0 and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start : match.end()]
    found = _EN_WORD_BEFORE.match(word)
    prefix, starting_punct = (found.group(1), found.group(2)) if found else ("", "")
    prefix = prefix.lstrip(_EN_OPENERS)
    kind = prefixes.get(prefix, 0) if prefix else 0
    if prefix == "I" and _PRONOUN_I.search(text[max(0, word_start - 12) : word_start]):
        kind = 0  # "Here am I.", "so was I.": the pronoun, not an initial
    if kind == 1 and not starting_punct:
        return False
    acronym = _ACRONYM.search(word)
    if acronym and acronym.group(1).replace("-", "").isupper():
        # Moses: a period, upper-case letters, a period (U.S. Army); but "the U.S. The talks"
        following = text[nxt:p_end].split(None, 1)
        return bool(following) and following[0].strip("\"'“‘(") in _STARTERS
    if not _starts_sentence(text, nxt, p_end, digits=True):
        return False
    return not (kind == 2 and not starting_punct and text[nxt].isdigit())


# --- both ----------------------------------------------------------------------------------


class SentenceSpan(NamedTuple):
    start: int
    end: int
    paragraph: int  # index of the paragraph (see split_paragraphs) the sentence is in


def split_sentences(text: str, lang: str = "zh", **options) -> list[SentenceSpan]:
    """Sentence spans with their paragraph index, split by `lang`'s rules (`splitter_lang`:
    zh-TW and ja by the Chinese ones)."""
    splitter = SPLITTERS[splitter_lang(lang)]
    hard_newlines = options.get("hard_newlines", True)
    paragraphs = split_paragraphs(text, hard_newlines)
    out = []
    index = 0
    for start, end in splitter(text, **options):
        while paragraphs[index][1] < end:
            index += 1
        out.append(SentenceSpan(start, end, index))
    return out


SPLITTERS = {"zh": split_zh, "el": split_el, "en": split_en}  # by `splitter_lang`


def splitter_lang(lang: str) -> str:
    """The sentence splitter a language gets: "zh" (Chinese punctuation, no spaces between
    words) for Chinese and Japanese, "el" for Greek (the English rules, and ; is a question
    mark), "en" (sacremoses' English rules) for every other, which serve French, German or
    Russian as well (Thai, which marks no sentence's end, stays in paragraphs)."""
    return {"zh": "zh", "ja": "zh", "el": "el"}.get(primary_subtag(lang), "en")


def splitter_signature(lang: str = "zh") -> str:
    """This stage's part of the run signature."""
    # 2: list items, stray marks, acronyms; 3: “ as a closer; 4: 《》, English paragraphs in zh;
    # 5: a period after CJK text before a quote or bracket; 6: ext./tel. before a number, Roman
    # numerals and "Part II." number what follows, a letter without case starts a sentence;
    # 7: "Here am I." ends a sentence; 8: section numbers (1.2., Figure 1.1.) number what follows;
    # 9: "I... I've": a repeated word after an ellipsis goes on; 10: "1. Scope 2. Terms" on one
    # line: 2. opens its item; 11: IX. Nine X. Ten, Contents: 1. A 2. B (a colon opens a list);
    # an ellipsis goes on in an open quotation, a hesitation (我……我) and after 、; “好。"
    return f"split:{lang}11"
