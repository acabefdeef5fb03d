"""The corpus pipeline: clean → detect language and script → split → normalize.

`prepare` fills a `Document` in place and returns it. Every character of `doc.text` ends up in
a sentence or in a removed span, with only whitespace between them (`iter_pieces` walks both in
order; `check_coverage` states the invariant).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterator
from functools import cache
from itertools import islice

from duiyi.corpus import normalize
from duiyi.corpus.clean import clean_text
from duiyi.corpus.documents import keep_layout_spans
from duiyi.corpus.model import Document, Sentence, Span, is_language_tag, primary_subtag

log = logging.getLogger(__name__)

CONVERSIONS = ("auto", *normalize.CONVERSIONS, "none")

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
_KANA = normalize._KANA
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_LATIN = "A-Za-z\u00aa\u00b5\u00ba\u00c0-\u024f\u1e00-\u1eff"  # Vietnamese's ệ too
_LATIN_LETTER = re.compile(f"[{_LATIN}]")
# Runs of letters in other scripts than Latin, Han and kana (nor Bopomofo, nor the full-width
# Ｌａｔｉｎ of Chinese text): Cyrillic, Hangul, Greek, Arabic, …
_OTHER_WORD = re.compile(
    rf"[^\W\d_{_LATIN}\u3000-\u312f\u31a0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    r"\uff00-\uffef\U00020000-\U0003134f]+"
)
LINE_BREAK = re.compile(r"\r\n?|\n")  # the lines of pre-split files: LF, CRLF or CR alone

# The scripts that name their language (kana: Japanese, told by `normalize.is_japanese`), as
# Unicode names them. A text in Latin letters or in a script many languages write (Cyrillic,
# Arabic, Devanagari, …) is named by a language identifier (`identify_language`) where it is
# sure, else English (Latin) or UNDETERMINED, the ISO 639 code for an unknown language.
SCRIPT_LANGUAGES = {
    "Hangul": "ko",
    "Greek": "el",
    "Thai": "th",
    "Hebrew": "he",
    "Georgian": "ka",
    "Armenian": "hy",
}
UNDETERMINED = "und"
# What messages call the languages detect_lang tells most often (others go by their code).
LANGUAGE_NAMES = {
    "zh": "Chinese", "en": "English", "ja": "Japanese", "ko": "Korean", "el": "Greek",
    "th": "Thai", "he": "Hebrew", "ka": "Georgian", "hy": "Armenian", "fr": "French",
    "de": "German", "es": "Spanish", "pt": "Portuguese", "it": "Italian", "nl": "Dutch",
    "vi": "Vietnamese", "id": "Indonesian", "ms": "Malay", "tr": "Turkish", "pl": "Polish",
    "ru": "Russian", "uk": "Ukrainian", "ar": "Arabic", "fa": "Persian", "hi": "Hindi",
    "hr": "Croatian", "bs": "Bosnian", "sr": "Serbian", "da": "Danish", "no": "Norwegian",
    "nb": "Norwegian Bokmål", "nn": "Norwegian Nynorsk", "cs": "Czech", "sk": "Slovak",
    "bg": "Bulgarian", "mk": "Macedonian",
}  # fmt: skip

# The language identifier (py3langid: langid.py's naive Bayes model, shipped in its wheel) is
# asked only what the scripts leave open, on a bounded sample, and believed only where sure.
IDENTIFIER_SAMPLE = 10_000  # characters, in evenly spaced pieces (`text_sample`)
IDENTIFIER_MIN_LETTERS = 20  # fewer: too short to tell ("OK", a name), the script decides
IDENTIFIER_SURE = 0.9  # the probability, among the candidates, it must give its answer
# Varieties the identifier tells apart that tags name by their macrolanguage (ISO 639-3):
# Moroccan and Egyptian Arabic are ar, Wu and Cantonese zh (text in Han: the Han rule's).
MACROLANGUAGES = {"ary": "ar", "arz": "ar", "uzs": "uz", "wuu": "zh", "yue": "zh"}
# Languages so close the identifier splits its certainty among them (Croatian 0.65, Bosnian
# 0.21, Serbian 0.13): sure of the group, it is believed of its best guess in it, which a
# warning names, rather than the text kept English.
CLOSE_LANGUAGES = (
    frozenset({"hr", "bs", "sr"}),
    frozenset({"ms", "id"}),
    frozenset({"da", "no", "nb", "nn"}),
    frozenset({"cs", "sk"}),
    frozenset({"bg", "mk"}),
)
# Han text is Chinese or Japanese by the Han share rule; the identifier tells the two apart
# only there. Elsewhere it does not choose them, nor zxx (its "no language": numbers, code).
HAN_LANGUAGES = frozenset({"zh", "ja"})
NOT_BY_LETTERS = frozenset({"zh", "ja", "zxx"})


def detect_lang(text: str) -> str:
    """ "zh", "ja", "en", another language the identifier is sure of ("fr", "ru", "vi":
    `identify_language`), the language a script names ("ko", "el", …: SCRIPT_LANGUAGES) or
    "und" (UNDETERMINED).

    Chinese by the share of Han characters and kana among them and words (Latin or of other
    scripts): a Chinese article quoting a few English names stays "zh"; an English one quoting
    a few Chinese names is "en". Among such Han text, Japanese is "ja": a real share of kana
    (`normalize.is_japanese`), or some kana and the identifier sure (kanji-heavy Japanese);
    Han text without kana is Chinese, the identifier never asked. Otherwise the letters tell:
    a script that names its language (Hangul: "ko") names it; Latin letters and those of shared
    scripts (Cyrillic) are what the identifier is sure of, else "en" (Latin) or "und" (short or
    ambiguous text). Text without letters defaults to "zh", duiyi's source language.
    """
    cjk = len(_HAN.findall(text)) + len(_KANA.findall(text))
    others = _OTHER_WORD.findall(text)
    words = len(_LATIN_WORD.findall(text)) + len(others)
    if cjk + words == 0:
        return "en" if any(c.isalpha() for c in text) else "zh"
    if cjk / (cjk + words) >= 0.3:
        return _han_lang(text)
    if sum(map(len, others)) <= len(_LATIN_LETTER.findall(text)):
        return identify_language(text) or "en"
    named = SCRIPT_LANGUAGES.get(letter_script(text))
    return named or identify_language(text) or UNDETERMINED


def _han_lang(text: str) -> str:
    """ "ja" or "zh" for mostly-Han text: kana tell Japanese (a real share of them, or a few
    and the identifier sure); text without kana is Chinese."""
    if normalize.is_japanese(text):
        return "ja"
    if _KANA.search(text) and identify_language(text, HAN_LANGUAGES) == "ja":
        return "ja"
    return "zh"


def identify_language(text: str, candidates: Collection[str] | None = None) -> str | None:
    """The language (ISO 639 code) py3langid is sure `text` is in, among `candidates` (default:
    all it knows but those the Han rule decides, NOT_BY_LETTERS), or None where it is not sure
    (IDENTIFIER_SURE: of it, or of its group of CLOSE_LANGUAGES) or the text is too short to
    tell (IDENTIFIER_MIN_LETTERS). It reads a bounded sample (IDENTIFIER_SAMPLE): cheap on a
    50 MB document."""
    sample = text_sample(text, IDENTIFIER_SAMPLE)
    if sum(c.isalpha() for c in sample) < IDENTIFIER_MIN_LETTERS:
        return None
    # the probabilities renormalized among the candidates, as py3langid's set_languages
    # restricts them, varieties counted as their macrolanguage
    scores: Counter[str] = Counter()
    for lang, p in _identifier().rank(sample):
        lang = MACROLANGUAGES.get(lang, lang)
        if lang in candidates if candidates is not None else lang not in NOT_BY_LETTERS:
            scores[lang] += p
    [(lang, p)] = scores.most_common(1)
    group = next((g for g in CLOSE_LANGUAGES if lang in g), {lang})
    sure = sum(scores[g] for g in group)
    return lang if p > 0 and sure >= IDENTIFIER_SURE * scores.total() else None


@cache
def _identifier():
    """py3langid's identifier over its bundled model (about a second to load: once, only for text
    that is not Chinese), giving probabilities."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def letter_script(text: str, most: int = 10_000) -> str:
    """The script most letters of `text` outside Latin, Han and kana are in, as Unicode names
    it ("Cyrillic", "Hangul", "Greek"; the first `most` such letters tell); "" if none."""
    letters = (c for word in _OTHER_WORD.finditer(text) for c in word.group() if c.isalpha())
    counts = Counter(unicodedata.name(c, "").split(" ")[0].title() for c in islice(letters, most))
    return counts.most_common(1)[0][0] if counts else ""


def looks(lang: str, text: str) -> str:
    """What messages say a text that `detect_lang` tells is `lang` looks: "looks French",
    "looks like language 'so'" (a code without a name in LANGUAGE_NAMES), or for "und" "is in
    Cyrillic letters, in a language duiyi could not tell"."""
    if lang == UNDETERMINED:
        return f"is in {letter_script(text) or 'other'} letters, in a language duiyi could not tell"
    code = primary_subtag(lang)
    name = LANGUAGE_NAMES.get(code)
    return f"looks {name}" if name else f"looks like language {code!r}"


def text_sample(text: str, size: int = 200_000, pieces: int = 5) -> str:
    """Evenly spaced stretches of a long text: enough to tell its language and script, and
    cheap on a 50 MB document (script detection is a character-class scan)."""
    if len(text) <= size:
        return text
    step, chunk = len(text) // pieces, size // pieces
    return "\n".join(text[i * step : i * step + chunk] for i in range(pieces))


def _config_for(conversion: str, script: str) -> str:
    """The OpenCC config to apply ("" for none): "auto" converts only Traditional text, with
    character-level t2s (phrase-level configs change vocabulary and are opt-in)."""
    if conversion not in CONVERSIONS:
        raise ValueError(
            f"unknown conversion {conversion!r}; choose one of {', '.join(CONVERSIONS)}"
        )
    if conversion == "auto":
        return normalize.DEFAULT_TRADITIONAL_CONVERSION if script == "traditional" else ""
    return "" if conversion == "none" else conversion


# A line break inside a hard-wrapped Chinese paragraph joins characters, it is not a space.
_NOT_LINE_BREAK = re.compile(r"[^\r\n]")
_CJK_WRAP = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s*\n\s*(?=[\u3000-\u9fff\uff00-\uffef])")


def _cover(text: str, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentence ranges that cover every non-space character of `text`, trimmed of whitespace.

    The splitter is expected to do this already; this makes the no-text-lost invariant hold even
    if it skips a stray character (which is then attached to the sentence before it).
    """
    out: list[tuple[int, int]] = []
    pos = 0
    for start, end in sorted(ranges):
        start, end = max(start, pos), min(end, len(text))
        if end <= start:
            continue
        if text[pos:start].strip():
            if out:
                out[-1] = (out[-1][0], start)
            else:
                start = pos
            log.debug("splitter left text uncovered: %r", text[pos:start])
        out.append((start, end))
        pos = end
    if text[pos:].strip():
        if out:
            out[-1] = (out[-1][0], len(text))
        else:
            out.append((0, len(text)))
    trimmed = []
    for start, end in out:
        piece = text[start:end]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        if end - trail > start + lead:
            trimmed.append((start + lead, end - trail))
    return trimmed


def _normalize_all(texts: list[str], conversion: str) -> list[str]:
    """Normalize a document's sentences in one pass (a line break inside a hard-wrapped
    Chinese sentence joins characters, it is not a space)."""
    return normalize.normalize_texts([_CJK_WRAP.sub("", t) for t in texts], conversion)


def _blank_out(text: str, spans: list[Span]) -> str:
    """`text` with the spans' characters (but line breaks) replaced by spaces."""
    parts, pos = [], 0
    for span in sorted(spans, key=lambda span: span.start):
        parts.append(text[pos : span.start])
        parts.append(_NOT_LINE_BREAK.sub(" ", text[span.start : span.end]))
        pos = span.end
    parts.append(text[pos:])
    return "".join(parts)


def prepare(doc: Document, *, lang: str | None = None, conversion: str = "auto") -> Document:
    """Clean, split and normalize `doc` in place (sentences, removed spans, script); return it.

    `lang`: the document's language tag (zh, en, fr, zh-TW, …), default detected (zh, ja, en,
    fr, ru, ko, …, und: `detect_lang`); it is the tag exports give the document
    (`Document.lang_tag`) and picks the splitter (`splitter_lang`), but for `und`: the detected
    language's (`rules_lang`)."""
    from duiyi.corpus.split import SPLITTERS, splitter_lang

    # Spans a document reader marked (PDF running headers, list labels) stay removed; the
    # cleaner sees blanks in their place, so offsets hold.
    layout = keep_layout_spans(doc)
    cleaned = clean_text(_blank_out(doc.text, layout) if layout else doc.text)
    doc.removed = sorted([*layout, *cleaned.removed], key=lambda span: span.start)
    content = text_sample("\n".join(doc.text[p.start : p.end] for p in cleaned.paragraphs))
    config = _detect(doc, content, lang, conversion)
    split = SPLITTERS[splitter_lang(doc.rules_lang)]
    doc.sentences = []
    for number, paragraph in enumerate(cleaned.paragraphs):
        text = doc.text[paragraph.start : paragraph.end]
        # The cleaner already decided paragraphs (joining hard-wrapped lines): no newline
        # inside one is a boundary.
        for start, end in _cover(text, split(text, hard_newlines=False)):
            doc.sentences.append(
                Sentence(
                    text=text[start:end],
                    start=paragraph.start + start,
                    end=paragraph.start + end,
                    paragraph=number,
                    meta=dict(paragraph.meta),
                )
            )
    if not doc.sentences and doc.text.strip():
        log.warning("%s: no text left after removing page chrome", doc.name)
    _normalize_sentences(doc, config)
    return doc


def rules_lang(lang: str | None, text: str) -> str:
    """The language whose rules (sentence splitter, script conversion) a text tagged `lang`
    follows: `lang`'s, but where none is given or it is `und` (UNDETERMINED, `und-Latn` too:
    unknown by definition) the one `detect_lang` tells."""
    if lang is None or primary_subtag(lang) == UNDETERMINED:
        return detect_lang(text)
    return lang


def _detect(doc: Document, content: str, lang: str | None, conversion: str) -> str:
    """Set the document's language (`lang`, a language tag, else detected), the language whose
    rules it follows (`rules_lang`) and its script from `content`; the OpenCC config to apply.
    Only Chinese has a script to detect and convert ("auto"); Japanese never has
    (`normalize.detect_script`), even taken for Chinese."""
    if lang is not None and not is_language_tag(lang):
        raise ValueError(f"unknown language {lang!r}: give a language tag (zh, en, zh-TW, fr)")
    doc.rules_lang = rules_lang(lang, content)
    doc.lang = lang or doc.rules_lang
    if primary_subtag(doc.rules_lang) == "zh":
        doc.script, doc.script_confidence = normalize.detect_script(content)
        config = _config_for(conversion, doc.script)
    else:
        doc.script, doc.script_confidence = "", 0.0
        config = _config_for(conversion, "") if conversion != "auto" else ""
    doc.conversion = config
    return config


def _normalize_sentences(doc: Document, config: str) -> None:
    normalized = _normalize_all([s.text for s in doc.sentences], config or "none")
    for sentence, norm in zip(doc.sentences, normalized, strict=True):
        sentence.normalized = norm


def prepare_lines(doc: Document, *, lang: str | None = None, conversion: str = "auto") -> Document:
    """`prepare` for text that is split already: every non-blank line (ended by LF, CRLF or a
    lone CR) is one sentence, as it is (nothing is cleaned away or split again), and a blank
    line starts a new paragraph.
    Language, script and normalization are as in `prepare`."""
    config = _detect(doc, text_sample(doc.text), lang, conversion)
    doc.removed, doc.sentences = [], []
    doc.meta["presplit"] = True
    paragraph, blank = 0, False
    starts = [0] + [m.end() for m in LINE_BREAK.finditer(doc.text)]
    for start, line in zip(starts, LINE_BREAK.split(doc.text), strict=True):
        stripped = line.strip()
        if not stripped:
            blank = bool(doc.sentences)
            continue
        if blank:
            paragraph, blank = paragraph + 1, False
        start += len(line) - len(line.lstrip())
        doc.sentences.append(Sentence(stripped, start, start + len(stripped), paragraph=paragraph))
    _normalize_sentences(doc, config)
    return doc


def prepare_units(
    texts: list[str], path: str = "-", conversion: str = "auto", whole: Collection[int] = ()
) -> Document:
    """A Chinese document of separate texts (the units of a CAT tool's XLIFF file), each its
    own paragraph (`texts[i]` is paragraph i), split into sentences as `prepare` splits and
    normalized as it does, but not cleaned: a unit is all text to translate, never web page
    chrome. The texts numbered in `whole` are one sentence each, never split (their inline
    codes' placeholders must stay in one draft). The document's text is the texts, a blank
    line between each two."""
    from duiyi.corpus.split import split_zh

    doc = Document(path=path, text="\n\n".join(texts))
    config = _detect(doc, text_sample(doc.text), "zh", conversion)
    offset = 0
    for number, text in enumerate(texts):
        if number in whole:
            spans = [(len(text) - len(text.lstrip()), len(text.rstrip()))]
        else:
            spans = _cover(text, split_zh(text))
        for start, end in spans:
            doc.sentences.append(
                Sentence(text[start:end], offset + start, offset + end, paragraph=number)
            )
        offset += len(text) + 2
    _normalize_sentences(doc, config)
    return doc


def prepare_text(
    text: str, lang: str | None = None, path: str = "-", conversion: str = "auto"
) -> Document:
    """`prepare` on a string (tests, the Python API, text that is already decoded)."""
    return prepare(Document(path=path, text=text), lang=lang, conversion=conversion)


def iter_pieces(doc: Document) -> Iterator[Sentence | Span]:
    """The sentences and removed spans of `doc`, in text order."""
    pieces: list[Sentence | Span] = [*doc.sentences, *doc.removed]
    return iter(sorted(pieces, key=lambda piece: (piece.start, piece.end)))


def check_coverage(doc: Document) -> None:
    """Raise AssertionError unless sentences and removed spans give back the whole text:
    in order, not overlapping, each matching its offsets, only whitespace between them."""
    pos = 0
    for piece in iter_pieces(doc):
        if doc.text[piece.start : piece.end] != piece.text:
            raise AssertionError(f"offsets do not match the text of {piece!r}")
        if piece.start < pos:
            raise AssertionError(f"overlapping pieces at offset {piece.start}")
        gap = doc.text[pos : piece.start]
        if gap.strip():
            raise AssertionError(f"text lost between {pos} and {piece.start}: {gap!r}")
        pos = piece.end
    if doc.text[pos:].strip():
        raise AssertionError(f"text lost at the end: {doc.text[pos:]!r}")


def pipeline_signature(doc: Document | None) -> str:
    """The corpus stages' part of a run signature, e.g. "opencc:t2s|split:zh1".

    Without a document (one export over many), it names the setting: convert what is Traditional.
    """
    from duiyi.corpus.normalize import conversion_signature
    from duiyi.corpus.split import splitter_lang, splitter_signature

    if doc is None:
        return f"{conversion_signature('auto')}|{splitter_signature('zh')}"
    split = (
        "split:lines"
        if doc.meta.get("presplit")
        else splitter_signature(splitter_lang(doc.rules_lang or doc.lang))
    )
    return f"{conversion_signature(doc.conversion)}|{split}"
