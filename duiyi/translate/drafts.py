"""Drafts for documents: sentences through the cache and the engine, a window at a time.

A document is translated in windows of sentences so a huge input never holds all its drafts;
every engine batch is written to the cache before the next starts, so a killed run resumes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from duiyi import __version__
from duiyi.corpus.model import Document, Sentence
from duiyi.corpus.pipeline import pipeline_signature
from duiyi.translate.cache import TranslationCache
from duiyi.translate.engine import Draft, Translator

WINDOW = 2000  # sentences per window: bounds memory, keeps batches long enough to sort well


def source_of(sentence: Sentence) -> str:
    """What the engine reads: the normalized (Simplified) form, else the original."""
    return (sentence.normalized or sentence.text).strip()


def translate_sentences(
    translator: Translator, sentences: Sequence[str], cache: TranslationCache | None = None
) -> list[Draft]:
    """One draft per sentence, in order; cached drafts reused, new ones cached per batch."""
    signature = translator.cache_signature()
    use_cache = cache is not None and translator.cacheable
    found = cache.get_many(signature, sentences) if use_cache else {}
    done: dict[str, Draft] = {
        s: Draft(d, f, cached=True, score=sc) for s, (d, f, sc) in found.items()
    }
    todo = list(dict.fromkeys(s for s in sentences if s not in done))
    for indices, batch in translator.iter_batches(todo):
        rows = [(todo[i], d.text, d.flags, d.score) for i, d in zip(indices, batch, strict=True)]
        if use_cache:
            cache.put_many(signature, rows)
        for i, draft in zip(indices, batch, strict=True):
            done[todo[i]] = draft
    return [done[s] for s in sentences]


def translate_document(
    doc: Document,
    translator: Translator,
    cache: TranslationCache | None = None,
    window: int = WINDOW,
) -> Iterator[tuple[Sentence, Draft]]:
    """(sentence, draft) for every sentence of `doc`, in order, a window at a time."""
    for start in range(0, len(doc.sentences), window):
        chunk = doc.sentences[start : start + window]
        drafts = translate_sentences(translator, [source_of(s) for s in chunk], cache)
        yield from zip(chunk, drafts, strict=True)


def run_signature(doc: Document | None, translator: Translator) -> str:
    """The sacrebleu-style signature of a translate run, e.g.
    `opencc:t2s|split:zh1|mt:argos-zh_en-1.9|duiyi:0.1.0`."""
    return f"{pipeline_signature(doc)}|{translator.signature()}|duiyi:{__version__}"
