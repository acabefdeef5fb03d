"""The corpus model shared by every stage: documents, sentences, boilerplate spans, beads, pairs.

Offsets are character offsets into `Document.text`, the decoded original text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of the original text the cleaner marked as boilerplate: kept, never dropped."""

    start: int
    end: int
    kind: str  # e.g. "breadcrumb", "reply-header", "reply-marker", "byline", "related-links"
    text: str


@dataclass(slots=True)
class Sentence:
    """One sentence: its original text (exactly `Document.text[start:end]`) and normalized form."""

    text: str
    start: int
    end: int
    normalized: str = ""  # Simplified, width- and space-normalized: what MT and alignment see
    paragraph: int = 0
    meta: dict = field(default_factory=dict)  # e.g. {"reply": 12, "author": "亦新湖"}


@dataclass
class Document:
    """A decoded input document and what the pipeline learned about it."""

    path: str  # file path as given, or "-" for stdin
    text: str  # the decoded original text
    lang: str = "zh"
    encoding: str = "utf-8"
    script: str = ""  # "simplified" | "traditional" | "" (not Chinese / not detected)
    script_confidence: float = 0.0
    conversion: str = ""  # OpenCC config applied while normalizing, e.g. "t2s"; "" for none
    sentences: list[Sentence] = field(default_factory=list)
    removed: list[Span] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    # The name a run gives it where another of its documents has the same file name
    # (`duiyi.corpus.read.document_names`: sub/a.txt), so that exports keep them apart.
    label: str = ""
    # The language whose rules split and convert it (`pipeline.rules_lang`): `lang`, but for
    # a document tagged `und` (undetermined) the detected one.
    rules_lang: str = ""

    @property
    def name(self) -> str:
        """A short name for messages and exports: the file name, or "stdin"; its `label` if
        it has one."""
        if self.label:
            return self.label
        return "stdin" if self.path == "-" else PurePath(self.path).name

    @property
    def lang_tag(self) -> str:
        """The document's language as CAT tools tag it (TMX xml:lang, XLIFF, store)."""
        return lang_tag(self.lang, self.script)


def lang_tag(lang: str, script: str = "") -> str:
    """zh + traditional → "zh-TW", zh → "zh-CN", en → "en-US"; other codes in the case tags
    are written in ("ZH_tw" → "zh-TW", "zh-hant" → "zh-Hant").

    OmegaT loads only xx or xx-YY codes, so these are what every export writes by default.
    """
    first, *rest = lang.replace("_", "-").split("-")
    lang = "-".join(
        [first.lower()]
        + [p.upper() if len(p) == 2 else p.title() if len(p) == 4 else p.lower() for p in rest]
    )
    if lang == "zh":
        return "zh-TW" if script == "traditional" else "zh-CN"
    return {"en": "en-US"}.get(lang, lang)


# what reads as a language tag (zh, zh-TW, en_US, zh-Hant-TW): what a CAT tool loads
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*")


def is_language_tag(text: str) -> bool:
    """Whether `text` reads as a language tag (zh, zh-TW, en_US, zh-Hant-TW), as every check
    of one asks: an option's, a file's unit's, a stored pair's own."""
    return _LANGUAGE_TAG.fullmatch(text) is not None


def language_tag_problem(lang: str) -> str | None:
    """Why `lang` is not a language tag (None: it is one)."""
    if is_language_tag(lang):
        return None
    return f"{lang!r} is not a language tag (zh-CN, zh-TW, en-US, …)"


def language_code(lang: str) -> str:
    """A language code as compared in full: "ZH_cn" → "zh-cn"."""
    return lang.replace("_", "-").lower()


def primary_subtag(lang: str) -> str:
    """ "zh-CN" → "zh", "en_US" → "en": what language matching compares."""
    return language_code(lang).split("-")[0]


def common_tag(tags: Iterable[str]) -> str:
    """The one tag a file gives documents of one language: theirs where they all share it
    (zh-TW), else their language (zh for Traditional and Simplified ones together), else
    "mul" (ISO 639: several languages; never one of them picked at random)."""
    tags = set(tags)
    if len(tags) == 1:
        return tags.pop()
    languages = {primary_subtag(tag) for tag in tags}
    return languages.pop() if len(languages) == 1 else "mul"


@dataclass(frozen=True)
class Bead:
    """An alignment bead: source and target sentence indices (either side may be empty)."""

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    score: float = 0.0  # confidence in [0, 1]

    @property
    def kind(self) -> str:
        """The bead type as people write it, e.g. "1-2"."""
        return f"{len(self.src)}-{len(self.tgt)}"


ORIGINS = ("mt", "gloss", "human", "aligned", "edited")
STATUSES = ("pending", "approved", "rejected")


@dataclass
class Pair:
    """One translation unit as exporters write it and readers return it."""

    src: str  # source text in its original script; sentences of a bead joined
    tgt: str
    score: float | None = None
    bead: str = "1-1"
    origin: str = "aligned"  # one of ORIGINS
    document: str = ""
    status: str = "pending"  # one of STATUSES
    src_normalized: str | None = None
    id: str | None = None
    meta: dict = field(default_factory=dict)
    # When the unit was created and last changed (ISO 8601 UTC, "2026-01-02T03:04:05Z"; ""
    # when unknown) and who changed it last: a TMX unit's creationdate, changedate and
    # changeid; a stored bead's created_at, updated_at and updated_by (its reviewer).
    created: str = ""
    changed: str = ""
    changed_by: str = ""
    # The unit's own language tags ("" where it has none): a unit of a file that mixes
    # variants of a language (zh-CN and zh-TW units), as its reader found it and a store
    # keeps it. Writers that tag each unit (TMX, JSONL) give them instead of the file's.
    src_lang: str = ""
    tgt_lang: str = ""
