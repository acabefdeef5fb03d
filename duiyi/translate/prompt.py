"""Chat prompts for translating with an instruction-tuned LLM, and the clean-up of its answers.

Pure functions, no model: what the prompt says (the fixed system part first, so CTranslate2 can
cache its state as a `static_prompt`), how an answer becomes one line of English (preambles,
wrapping quotes, notes, echoed source lines removed), and when a draft is bad enough to retry
(Chinese left in it, implausibly short or long).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

SYSTEM = (
    "You are a professional Chinese-to-English translator. Translate the Chinese text the user "
    "gives into fluent, faithful English. Reply with the English translation only: no notes, "
    "no explanations, no quotation marks around it."
)
STRICT = (
    " Every word must be in English: translate all Chinese words, write Chinese names in "
    "pinyin, and never leave a Chinese character in your reply."
)
CONTEXT_SEP = "\x1f"  # joins context sentences and the sentence in the engine's input string


@dataclass(frozen=True)
class ChatFormat:
    """The chat template of Qwen2 models (ChatML)."""

    start: str = "<|im_start|>"
    end: str = "<|im_end|>"

    def system(self, text: str) -> str:
        return f"{self.start}system\n{text}{self.end}\n{self.start}user\n"

    def user(self, text: str) -> str:
        """The rest of the prompt after the system part: the user turn, then the answer."""
        return f"{text}{self.end}\n{self.start}assistant\n"


CHATML = ChatFormat()


def system_prompt(strict: bool = False) -> str:
    """The fixed part of every prompt (a `static_prompt`): system turn + user turn opening."""
    return CHATML.system(SYSTEM + (STRICT if strict else ""))


def user_prompt(
    sentence: str,
    context: Sequence[str] = (),
    terms: Sequence[tuple[str, str]] = (),
) -> str:
    """The variable part: optional context, optional terminology, the sentence."""
    parts = []
    if context:
        parts.append(
            "Earlier sentences, for context only (do not translate them):\n" + "\n".join(context)
        )
    if terms:
        parts.append(
            "Use these translations of terms:\n" + "\n".join(f"{zh} = {en}" for zh, en in terms)
        )
    parts.append("Translate into English:\n" + sentence)
    return CHATML.user("\n\n".join(parts))


def with_context(sentence: str, context: Sequence[str]) -> str:
    """One engine input carrying its context (so caches key on both)."""
    return CONTEXT_SEP.join([*context, sentence]) if context else sentence


def split_context(item: str) -> tuple[str, list[str]]:
    """(sentence, context) from `with_context`'s string."""
    *context, sentence = item.split(CONTEXT_SEP)
    return sentence, context


# ---- checks ---------------------------------------------------------------------------------

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")


def cjk_share(text: str) -> float:
    """Share of the non-space characters that are Chinese (Han) characters."""
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 0.0
    return sum(bool(CJK.match(c)) for c in chars) / len(chars)


def length_ratio(source: str, draft: str) -> float:
    """English characters per Chinese source character (about 2-4 for real translations)."""
    return len(draft.strip()) / max(1, len(source.strip()))


MIN_RATIO, MAX_RATIO = 0.8, 9.0  # outside: implausible for a zh→en translation
MIN_SOURCE = 6  # shorter sources (titles, numbers) are not judged by length


def unasked(draft: str, targets: Sequence[str] = ()) -> str:
    """The draft without the glossary targets in Chinese it was asked to write (so that
    Chinese a glossary demands does not count as Chinese left)."""
    for target in sorted(targets, key=len, reverse=True):  # 华为手机 before 华为
        if CJK.search(target):
            draft = draft.replace(target, " ")
    return draft


def problems(source: str, draft: str, targets: Sequence[str] = ()) -> list[str]:
    """Why a draft looks wrong: "cjk" (Chinese left that no glossary target in `targets`
    asked for), "short", "long"; [] when it looks fine."""
    found = []
    if CJK.search(unasked(draft, targets)):
        found.append("cjk")
    if CJK.search(source) and len(source.strip()) >= MIN_SOURCE:
        ratio = length_ratio(source, draft)
        if ratio < MIN_RATIO:
            found.append("short")
        elif ratio > MAX_RATIO:
            found.append("long")
    return found


# ---- clean-up -------------------------------------------------------------------------------

# "The Chinese text translates to:", "Here is the translation:", "Sure! The English
# translation is:" … : a short lead-in before a colon that talks about translating.
PREAMBLE = re.compile(r"^([^:：\n]{0,80})[:：]\s*(?=\S)")
PREAMBLE_WORDS = re.compile(r"translat|\benglish\b|\bhere is\b|\bhere's\b", re.IGNORECASE)
LABEL = re.compile(r"^\s*(?:english|translation|answer|output)\s*[:：]\s*", re.IGNORECASE)
NOTE = re.compile(
    r"^\s*[(（]?\s*(?:note|notes|explanation|translation note)\s*[:：]", re.IGNORECASE
)
# Commentary after the translation: "… This translation keeps the tone …", "(Note: …)".
TRAILER = re.compile(
    r"(?<=[.!?\"”'’)])\s+[(（]?\s*(?:this|the above|the|my)\s+(?:translation|english version|"
    r"sentence|rendering)\b.*$|\s+[(（]\s*(?:note|translation|literally)\b.*$",
    re.IGNORECASE,
)
QUOTES = {'"': '"', "“": "”", "'": "'", "‘": "’", "「": "」", "『": "』", "«": "»"}


def _unquote(text: str, source: str) -> str:
    """Drop quotes around the whole text unless the source itself was quoted."""
    if len(text) >= 2 and QUOTES.get(text[0]) == text[-1]:
        inner = text[1:-1]
        if text[0] not in inner and text[-1] not in inner and source.strip()[:1] not in "“\"「『'‘":
            return inner.strip()
    return text


def clean(answer: str, source: str) -> str:
    """The model's answer as one line of English: preambles, labels, notes, echoed source
    lines and quotes around the whole of it removed; internal whitespace collapsed."""
    text = answer.replace("\r", "\n").strip()
    lead = PREAMBLE.match(text)
    if lead and PREAMBLE_WORDS.search(lead.group(1)) and not PREAMBLE_WORDS.search(source):
        text = text[lead.end() :]
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    kept = []
    for line in lines:
        if NOTE.match(line) and kept:
            break  # what follows a note is commentary
        line = LABEL.sub("", line, count=1)
        if kept == [] and len(lines) > 1 and (line == source.strip() or cjk_share(line) > 0.5):
            continue  # the source echoed before its translation
        if line:
            kept.append(line)
    text = " ".join(kept)
    text = re.sub(r"\s+", " ", text).strip()
    text = TRAILER.sub("", text).strip() or text
    return _unquote(text, source)
