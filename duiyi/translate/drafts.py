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

# Sentences per window: bounds memory, keeps batches long enough to sort well, and is the unit
# of work a cluster worker gets (duiyi.cluster): local and distributed runs cut the same
# windows and so the same batches, and give the same drafts.
WINDOW = 256


def source_of(sentence: Sentence) -> str:
    """What the engine reads: the normalized (Simplified) form, else the original."""
    return (sentence.normalized or sentence.text).strip()


def cached_drafts(
    translator: Translator, sentences: Sequence[str], cache: TranslationCache | None
) -> tuple[dict[str, Draft], list[str]]:
    """The drafts `cache` holds for `sentences`, and the distinct others, still to translate."""
    found = {}
    if cache is not None and translator.cacheable:
        found = cache.get_many(translator.cache_signature(), sentences)
    done = {s: Draft(d, f, cached=True, score=sc) for s, (d, f, sc) in found.items()}
    return done, list(dict.fromkeys(s for s in sentences if s not in done))


def cache_drafts(
    translator: Translator, cache: TranslationCache | None, drafts: dict[str, Draft]
) -> None:
    """Write new drafts (sentence → draft) to `cache`."""
    if cache is not None and translator.cacheable and drafts:
        rows = [(s, d.text, d.flags, d.score) for s, d in drafts.items()]
        cache.put_many(translator.cache_signature(), rows)


def translate_new(translator: Translator, todo: Sequence[str]) -> Iterator[dict[str, Draft]]:
    """Drafts of distinct sentences in the engine's own batches: one dict per batch."""
    for indices, batch in translator.iter_batches(todo):
        yield {todo[i]: draft for i, draft in zip(indices, batch, strict=True)}


def translate_sentences(
    translator: Translator, sentences: Sequence[str], cache: TranslationCache | None = None
) -> list[Draft]:
    """One draft per sentence, in order; cached drafts reused, new ones cached per batch."""
    done, todo = cached_drafts(translator, sentences, cache)
    for batch in translate_new(translator, todo):
        cache_drafts(translator, cache, batch)
        done.update(batch)
    return [done[s] for s in sentences]


def windows(doc: Document, window: int = WINDOW) -> Iterator[list[Sentence]]:
    """`doc`'s sentences, `window` at a time."""
    for start in range(0, len(doc.sentences), window):
        yield doc.sentences[start : start + window]


def window_sources(doc: Document, start: int, chunk: list[Sentence], context: int = 0) -> list[str]:
    """What the engine reads for a window starting at sentence `start`: each source, and for
    an engine that reads context, the `context` previous sources of the document with it
    (prompt.with_context: the cache then keys on both)."""
    sources = [source_of(s) for s in chunk]
    if not context:
        return sources
    from duiyi.translate.prompt import with_context

    before = [source_of(s) for s in doc.sentences[max(0, start - context) : start]]
    every, offset = before + sources, len(before)
    return [
        with_context(s, [c for c in every[max(0, offset + k - context) : offset + k] if c])
        if s
        else s
        for k, s in enumerate(sources)
    ]


def translate_document(
    doc: Document,
    translator: Translator,
    cache: TranslationCache | None = None,
    window: int = WINDOW,
) -> Iterator[tuple[Sentence, Draft]]:
    """(sentence, draft) for every sentence of `doc`, in order, a window at a time."""
    start = 0
    for chunk in windows(doc, window):
        sources = window_sources(doc, start, chunk, getattr(translator, "context", 0))
        start += len(chunk)
        drafts = translate_sentences(translator, sources, cache)
        yield from zip(chunk, drafts, strict=True)


def run_signature(doc: Document | None, translator: Translator) -> str:
    """The sacrebleu-style signature of a translate run, e.g.
    `opencc:t2s|split:zh1|mt:argos-zh_en-1.9|duiyi:0.1.0`."""
    return f"{pipeline_signature(doc)}|{translator.signature()}|duiyi:{__version__}"
