"""Machine translation with an instruction-tuned LLM (Qwen2.5) on `ctranslate2.Generator`.

Each sentence becomes a chat prompt asking for the translation only (prompt.py). The fixed
system part is passed once as `static_prompt`, so CTranslate2 computes its state once and
caches it. Sentences are sorted by prompt length and cut into batches by token count, decoded
greedily with a length cap relative to the source; loops are retried with a repetition
penalty (as the Argos engine does). The tokens that spell Chinese characters are never
generated (`english_only`): a small model otherwise leaves names and terms it cannot translate
in Chinese, and forced to write English it mostly romanizes or translates them. Only a
glossary target written in Chinese on purpose (a brand kept as 华为) may be: the tokens that
spell it are let through for its sentence. Answers are cleaned into one line of English; a
draft with an implausible length (or Chinese left that no glossary target asked for, with
`english_only` off) is retried once with a stricter prompt and flagged if it stays bad. Every
draft gets a quality estimate (qe.py) as its score.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from pathlib import Path

from duiyi.errors import InputError, ModelNotFound
from duiyi.translate.argos import find_loop, pick_device
from duiyi.translate.engine import Draft, Translator, length_batches
from duiyi.translate.glossary import Glossary
from duiyi.translate.llm_models import LLMModel, find_installed, not_installed, read_installed
from duiyi.translate.prompt import (
    CHATML,
    clean,
    problems,
    split_context,
    system_prompt,
    user_prompt,
)

log = logging.getLogger(__name__)

ENGINE_REVISION = "3"  # bump when prompts or decoding change what a given model outputs
END_TOKENS = ["<|im_end|>", "<|endoftext|>"]
MAX_ROWS = 32  # sentences per batch at most
SCORE_REVISION = "1"  # bump when score_translations' prompt changes


class LLMTranslator(Translator):
    """Translate with an installed LLM model (CTranslate2 Generator + tokenizers)."""

    name = "llm"
    origin = "mt"

    def __init__(
        self,
        model: LLMModel,
        *,
        threads: int = 0,
        device: str = "auto",
        compute_type: str | None = None,
        batch_tokens: int = 2048,
        length_ratio: float = 3.0,
        length_slack: int = 24,
        max_length: int = 512,
        retry: bool = True,
        static_prompt: bool = True,
        glossary: Glossary | None = None,
        context: int = 0,
        quality: bool = True,
        english_only: bool = True,
    ):
        import ctranslate2
        from tokenizers import Tokenizer

        self.model = model
        self.device = pick_device(device)
        self.compute_type = compute_type or ("int8" if self.device == "cpu" else "int8_float16")
        self.batch_tokens = batch_tokens
        self.length_ratio, self.length_slack, self.max_length = (
            length_ratio,
            length_slack,
            max_length,
        )
        self.retry = retry
        self.use_static_prompt = static_prompt
        self.glossary = glossary
        self.context = context
        self.quality = quality
        self.english_only = english_only
        try:
            self.tokenizer = Tokenizer.from_file(str(model.model_dir / "tokenizer.json"))
            self.generator = ctranslate2.Generator(
                str(model.model_dir),
                device=self.device,
                compute_type=self.compute_type,
                inter_threads=1,
                intra_threads=threads,
            )
        except ValueError as exc:
            raise InputError(
                f"cannot run {model.name} on {self.device} as {self.compute_type}: {exc}"
            ) from exc
        except (RuntimeError, OSError, Exception) as exc:
            raise ModelNotFound(
                f"cannot load the model in {model.path}: {exc} "
                f"(reinstall it with `duiyi models install {model.name}`)"
            ) from exc
        self.calls = 0  # generate_batch calls, for tests and benchmarks
        self._estimator = None
        self._suppressed: list[list[str]] | None = None

    @classmethod
    def from_options(
        cls,
        model: str | None = None,
        glossary: Glossary | None = None,
        beam_size: int | None = None,
        **options,
    ) -> LLMTranslator:
        """Find the model (by name or folder; default the preferred installed one), load it."""
        options = {k: v for k, v in options.items() if v is not None}
        if model and Path(model).is_file():
            raise InputError(
                f"{model} is a file: install it first with `duiyi models install {model}`"
            )
        if model and Path(model).is_dir():
            found = read_installed(Path(model))
        else:
            found = find_installed(model)
        if found is None and model:
            raise not_installed(model)  # it lists the installed ones
        if found is None:
            raise ModelNotFound(
                "no LLM model installed (`duiyi models install qwen2.5-coder-1.5b`, or "
                "`duiyi models install FILE.gguf`)"
            )
        return cls(found, glossary=glossary, **options)

    # ---- the Translator interface ----------------------------------------------------------

    def signature(self) -> str:
        return f"mt:{self.model.model_id}"

    def cache_signature(self) -> str:
        glossary = self.glossary.digest() if self.glossary else "-"
        return (
            f"{self.signature()}|greedy|ct:{self.compute_type}"
            f"|len:{self.length_ratio}x+{self.length_slack}|retry:{int(self.retry)}"
            f"|gl:{glossary}|ctx:{self.context}|qe:{int(self.quality)}"
            f"|en:{int(self.english_only)}{self._english_key()}|rev:{ENGINE_REVISION}"
        )

    def _english_key(self) -> str:
        """A mark for a ban that lets the glossary's Chinese targets through, so drafts cached
        before it did (without them) are not reused; none for any other glossary."""
        from duiyi.translate.byte_level import has_cjk

        targets = self.glossary.entries.values() if self.glossary else ()
        return "+gl" if self.english_only and any(has_cjk(en) for en in targets) else ""

    @property
    def engine_id(self) -> str:
        return f"llm:{self.model.name}"

    def translate_drafts(self, sentences: Sequence[str]) -> list[Draft]:
        return self.drafts_in_order(sentences)

    def iter_batches(self, sentences: Sequence[str]) -> Iterator[tuple[list[int], list[Draft]]]:
        """Sort by prompt length, cut into batches of about `batch_tokens` prompt tokens. A
        sentence whose glossary targets need banned tokens shares a batch only with sentences
        that need the same ones: what it may write depends on it alone, as its cache key does."""
        items = [split_context(s) for s in sentences]
        terms = [self.terms(s) for s, _ in items]
        prompts = [
            self.encode(self.prompt(s, c, t)) if s.strip() else []
            for (s, c), t in zip(items, terms, strict=True)
        ]
        order = sorted(range(len(sentences)), key=lambda i: (len(prompts[i]), sentences[i]))
        empty = [i for i in order if not prompts[i]]
        if empty:
            yield empty, [Draft("") for _ in empty]
        lengths = [len(p) for p in prompts]
        groups: dict[frozenset[str], list[int]] = {}
        for i in order:
            if prompts[i]:
                groups.setdefault(self.allowed(terms[i]), []).append(i)
        for allowed, group in groups.items():
            for batch in length_batches(group, lengths, self.batch_tokens, MAX_ROWS):
                sources = [items[j][0] for j in batch]
                targets = [[en for _, en in terms[j]] for j in batch]
                yield batch, self._translate(sources, batch, prompts, targets, allowed)

    # ---- prompts ---------------------------------------------------------------------------

    def encode(self, text: str) -> list[str]:
        return self.tokenizer.encode(text, add_special_tokens=False).tokens

    def terms(self, sentence: str) -> list[tuple[str, str]]:
        return self.glossary.terms_in(sentence) if self.glossary else []

    def prompt(self, sentence: str, context: Sequence[str] = (), terms=None) -> str:
        """The variable part of the prompt (after `system_prompt`); `terms`: the sentence's
        glossary terms, when already looked up."""
        return user_prompt(sentence, context, self.terms(sentence) if terms is None else terms)

    def full_prompt(self, sentence: str, context: Sequence[str] = (), strict=False) -> list[str]:
        """The whole prompt as tokens, as a naive integration would send it."""
        return self.encode(system_prompt(strict) + self.prompt(sentence, context))

    def score_signature(self) -> str:
        """What `score_translations` depends on besides the texts (for caches)."""
        return f"{self.signature()}|ct:{self.compute_type}|score:{SCORE_REVISION}"

    # ---- scoring ---------------------------------------------------------------------------

    def score_translations(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """log P(english | chinese) per (chinese, english) pair: the summed log-probability of
        the English tokens (and the end of the answer) after the translation prompt. One
        forward pass per pair, no decoding; an empty Chinese side scores the English alone.
        The prompt has no system turn: a third of the tokens, and it ranks as well."""
        sequences, starts = [], []
        for chinese, english in pairs:
            prompt = self.encode(CHATML.start + "user\n" + user_prompt(chinese))
            sequences.append(prompt + self.encode(english) + [END_TOKENS[0]])
            starts.append(len(prompt))
        lengths = [len(seq) for seq in sequences]
        order = sorted(range(len(pairs)), key=lambda k: lengths[k])
        out = [0.0] * len(pairs)
        for batch in length_batches(order, lengths, self.batch_tokens, MAX_ROWS):
            self.calls += 1
            # every token scored (CTranslate2 truncates at 1024 by default): an aligner's span
            # is at most 5 sentences of MAX_SENTENCE_CHARS a side, a few thousand tokens
            results = self.generator.score_batch([sequences[k] for k in batch], max_input_length=0)
            for k, result in zip(batch, results, strict=True):
                # log_probs[i] scores token i + 1 given the ones before it
                out[k] = float(sum(result.log_probs[starts[k] - 1 :]))
        return out

    # ---- decoding --------------------------------------------------------------------------

    def generate(
        self, prompts: list[list[str]], strict: bool = False, allowed=frozenset(), **extra
    ):
        """(answer text, mean token probability, token strings) per prompt; `allowed`: banned
        tokens these prompts' glossary targets need (see `allowed`)."""
        static = self.encode(system_prompt(strict))
        if not self.use_static_prompt:  # the whole prompt per row (for measurements)
            prompts, static = [static + p for p in prompts], None
        source_tokens = max(len(p) for p in prompts) - 40  # the prompt's own words, about
        options = {
            "max_length": min(
                self.max_length,
                int(self.length_ratio * max(8, source_tokens)) + self.length_slack,
            ),
            "sampling_topk": 1,
            "beam_size": 1,
            "end_token": END_TOKENS,
            "include_prompt_in_result": False,
            "return_scores": True,
            "static_prompt": static,
            "max_batch_size": 0,
            "suppress_sequences": self.suppressed(allowed),
        }
        options.update(extra)
        self.calls += 1
        results = self.generator.generate_batch(prompts, **options)
        out = []
        for result in results:
            ids = result.sequences_ids[0]
            tokens = result.sequences[0]
            # score: the summed log-probability / length (length_penalty 1, greedy)
            probability = math.exp(float(result.scores[0])) if ids else 0.0
            out.append((self.tokenizer.decode(ids), round(min(1.0, probability), 4), tokens))
        return out

    def suppressed(self, allowed: frozenset[str] = frozenset()) -> list[list[str]] | None:
        """The one-token sequences decoding may not produce: every token that spells (part
        of) a Chinese character, when `english_only`, but those `allowed`. Found once per
        engine."""
        if not self.english_only:
            return None
        if self._suppressed is None:
            from duiyi.translate.byte_level import cjk_tokens

            self._suppressed = [[t] for t in cjk_tokens(self.tokenizer.get_vocab())]
        if allowed:
            return [seq for seq in self._suppressed if seq[0] not in allowed] or None
        return self._suppressed or None

    def allowed(self, terms: Sequence[tuple[str, str]]) -> frozenset[str]:
        """The banned tokens that spell a sentence's glossary targets: one written in Chinese
        or with full-width forms on purpose (华为, （…）) can then be written. Each target as
        the tokenizer spells it at the answer's start and after a space (other neighbours can
        split it otherwise); letting a token through lets it through anywhere in the answer,
        and the checks still flag Chinese no target asked for."""
        if not self.english_only:
            return frozenset()
        from duiyi.translate.byte_level import cjk_tokens, has_cjk

        spelled = set()
        for _, en in terms:
            if has_cjk(en):
                spelled.update(self.encode(en), self.encode(" " + en))
        return frozenset(cjk_tokens(spelled))  # the banned ones (the ban's own test)

    def _translate(self, sources: list[str], batch, prompts, targets, allowed) -> list[Draft]:
        """Drafts of `batch`; `targets`: each sentence's glossary targets (Chinese in them is
        asked for, not left), `allowed`: the banned tokens they need."""
        outputs = self.generate([prompts[j] for j in batch], allowed=allowed)
        flags: list[list[str]] = [[] for _ in batch]
        looping = [k for k, (_, _, tokens) in enumerate(outputs) if find_loop(tokens)]
        if looping:
            retried = self.generate(
                [prompts[batch[k]] for k in looping],
                allowed=allowed,
                repetition_penalty=1.2,
                no_repeat_ngram_size=4,
            )
            for k, output in zip(looping, retried, strict=True):
                outputs[k] = output
                flags[k].append("repetition" if find_loop(output[2]) else "repetition-retried")
        texts = [clean(text, src) for (text, _, _), src in zip(outputs, sources, strict=True)]
        scores = [score for _, score, _ in outputs]
        bad = [k for k, text in enumerate(texts) if problems(sources[k], text, targets[k])]
        if bad and self.retry:
            strict = [prompts[batch[k]] for k in bad]  # the same question, a stricter system
            again = self.generate(strict, strict=True, allowed=allowed)
            for k, (text, score, _) in zip(bad, again, strict=True):
                text = clean(text, sources[k])
                # keep the retry when it fixed something, else the first answer
                before, after = (problems(sources[k], t, targets[k]) for t in (texts[k], text))
                if len(after) < len(before):
                    texts[k], scores[k] = text, score
                    flags[k].append("retried")
        for k, text in enumerate(texts):
            flags[k].extend(problems(sources[k], text, targets[k]))
        qe = self._quality(sources, texts, scores, flags, targets)
        return [
            Draft(text, flag, score=score)
            for text, flag, score in zip(texts, flags, qe, strict=True)
        ]

    def _quality(self, sources, texts, scores, flags, targets=None) -> list[float]:
        if not self.quality:
            return scores
        if self._estimator is None:
            from duiyi.translate.qe import QualityEstimator

            self._estimator = QualityEstimator()
        return self._estimator.scores(sources, texts, scores, flags, targets)
