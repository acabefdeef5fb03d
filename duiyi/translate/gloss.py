"""The offline fallback when no MT model is installed: word-by-word CC-CEDICT glosses.

NOT machine translation: words are looked up one by one (jieba segmentation, then longest
dictionary match inside unknown words); names and numbers the dictionary lacks pass through.
Its output is marked origin "gloss" everywhere so nobody mistakes it for a translation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from duiyi.corpus.tokenize import tokenize_zh
from duiyi.translate.engine import Draft, Translator

PUNCT = {
    "，": ",", "。": ".", "、": ",", "！": "!", "？": "?", "：": ":", "；": ";",
    "（": "(", "）": ")", "“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"',
    "『": '"', "』": '"', "《": '"', "》": '"', "【": "[", "】": "]", "—": "-", "…": "...",
    "～": "~", "·": "-",
}  # fmt: skip
_NO_SPACE_BEFORE = set(",.!?:;)]") | {"..."}
_NO_SPACE_AFTER = set("([")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SKIP_SENSE = re.compile(
    r"^(surname |variant of|old variant|CL:|abbr\. |see |used in |\(|Taiwan pr)"
)
_PARENS = re.compile(r"\s*\([^)]*\)|\s*\[[^\]]*\]")
_MAX_WORD = 8
# Frequent words whose first CC-CEDICT sense misleads in a gloss (月 "moon" in 12月, 将 "will").
OVERRIDES = {"月": "month", "日": "day", "和": "and", "将": "", "了": "", "地": "", "得": ""}


def gloss_of(senses: list[str]) -> str:
    """The most useful short English gloss among a headword's CC-CEDICT senses."""
    for sense in senses:
        if _SKIP_SENSE.match(sense):
            continue
        text = _PARENS.sub("", sense).split(";")[0].split(", ")[0].strip()
        for prefix in ("to ", "a ", "an ", "the "):
            if text.startswith(prefix) and len(text) > len(prefix):
                text = text[len(prefix) :]
        if text and not _HAN.search(text):
            return text
    return ""


class GlossTranslator(Translator):
    """Dictionary glosses, not translation: origin "gloss"."""

    name = "gloss"
    origin = "gloss"
    cacheable = False

    def __init__(self) -> None:
        from duiyi.corpus.cedict import load_cedict

        self._dict = load_cedict()

    @classmethod
    def from_options(cls, **_options) -> GlossTranslator:
        return cls()  # decoding options (beam size, device…) mean nothing here

    def signature(self) -> str:
        return "mt:gloss-cedict"

    @property
    def engine_id(self) -> str:
        return "gloss:cc-cedict"

    def translate_drafts(self, sentences: Sequence[str]) -> list[Draft]:
        return [Draft(self.gloss_sentence(s), ["gloss"]) for s in sentences]

    def _gloss_word(self, word: str) -> str | None:
        """A word's gloss; "" for a particle best left out; None when the dictionary lacks it."""
        if word in OVERRIDES:
            return OVERRIDES[word]
        return gloss_of(self._dict.get(word, [])) or None

    def _lookup(self, word: str) -> list[str]:
        """Glosses for one token: the whole word, else longest dictionary matches inside it."""
        if word in PUNCT:
            return [PUNCT[word]]
        if not _HAN.search(word):
            return [word]  # numbers, Latin names, URLs: passed through
        gloss = self._gloss_word(word)
        if gloss is not None:
            return [gloss] if gloss else []
        out, i = [], 0
        while i < len(word):
            for j in range(min(len(word), i + _MAX_WORD), i, -1):
                gloss = self._gloss_word(word[i:j])
                if gloss is not None or j == i + 1:
                    if gloss != "":
                        out.append(gloss or word[i:j])  # an unknown character (a name?) stays
                    i = j
                    break
        return out

    def gloss_sentence(self, sentence: str) -> str:
        words: list[str] = []
        for token in tokenize_zh(sentence):
            if token.strip():
                words.extend(self._lookup(token.strip()))
        text = ""
        for word in words:
            if text and word not in _NO_SPACE_BEFORE and text[-1] not in _NO_SPACE_AFTER:
                text += " "
            text += word
        return text[:1].upper() + text[1:]
