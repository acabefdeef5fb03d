"""Machine translation with an Argos Translate package, run directly on CTranslate2.

What `argostranslate.translate` does per sentence (SentencePiece pieces → translate_batch →
decode pieces, target prefix stripped), minus stanza/torch, and batched the way CTranslate2
is fast: sentences sorted by length, cut into batches by token count, each batch decoded with
a length cap relative to its longest source. Outputs caught in a repetition loop are retried
with a repetition penalty and flagged.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from pathlib import Path

from duiyi.errors import InputError, ModelNotFound
from duiyi.translate.engine import Draft, Translator, length_batches
from duiyi.translate.packages import ModelPackage, find_installed, read_installed

log = logging.getLogger(__name__)

LENGTH_PENALTY = 0.2  # as argostranslate decodes
ENGINE_REVISION = "1"  # bump when decoding changes what a given model outputs (cache key)


def find_loop(tokens: Sequence[str], max_ngram: int = 6) -> tuple[int, int] | None:
    """(start, n) of the first n-gram repeated back to back (4× for n=1, 3× for n≥2), or None.

    Real translations repeat a word or phrase twice at most; a loop like "the the the the" or
    "of the war of the war of the war" is the classic degenerate NMT output.
    """
    size = len(tokens)
    for n in range(1, max_ngram + 1):
        times = 4 if n == 1 else 3
        for start in range(0, size - n * times + 1):
            gram = tokens[start : start + n]
            if all(tokens[start + k * n : start + (k + 1) * n] == gram for k in range(1, times)):
                return start, n
    return None


def _confidence(score: float, length: int) -> float:
    """The geometric-mean token probability in (0, 1], from CTranslate2's score (the summed
    log-probability divided by length ** LENGTH_PENALTY)."""
    return round(math.exp(score * length**LENGTH_PENALTY / length), 4)


def pick_device(device: str) -> str:
    """ "auto" → cuda when CTranslate2 sees a GPU, else cpu; "cuda" without a GPU is an error."""
    import ctranslate2

    gpus = ctranslate2.get_cuda_device_count()
    if device == "auto":
        return "cuda" if gpus > 0 else "cpu"
    if device == "cuda" and gpus == 0:
        raise InputError("--device cuda: CTranslate2 sees no CUDA GPU here; use cpu or auto")
    return device


class ArgosTranslator(Translator):
    """Translate with an installed Argos package's CTranslate2 and SentencePiece models."""

    name = "argos"
    origin = "mt"

    def __init__(
        self,
        package: ModelPackage,
        *,
        beam_size: int = 4,
        threads: int = 0,
        device: str = "auto",
        compute_type: str | None = None,
        batch_tokens: int = 2048,
        length_ratio: float = 2.0,
        length_slack: int = 10,
        max_length: int = 512,
        retry_repetitions: bool = True,
        decoding_overrides: dict | None = None,
    ):
        import ctranslate2
        import sentencepiece as spm

        if package.path is None:
            raise ModelNotFound(f"{package.name} is not installed")
        self.package = package
        self.beam_size = beam_size
        self.device = pick_device(device)
        self.compute_type = compute_type or ("int8" if self.device == "cpu" else "int8_float16")
        self.batch_tokens = batch_tokens
        self.length_ratio, self.length_slack, self.max_length = (
            length_ratio,
            length_slack,
            max_length,
        )
        self.retry_repetitions = retry_repetitions
        self.decoding_overrides = dict(decoding_overrides or {})
        try:
            self._sp = spm.SentencePieceProcessor(
                model_file=str(package.path / "sentencepiece.model")
            )
            self._ct2 = ctranslate2.Translator(
                str(package.path / "model"),
                device=self.device,
                compute_type=self.compute_type,
                inter_threads=1,
                intra_threads=threads,
            )
        except ValueError as exc:  # e.g. a compute type this device cannot run
            raise InputError(
                f"cannot run {package.name} on {self.device} as {self.compute_type}: {exc}"
            ) from exc
        except (RuntimeError, OSError) as exc:
            raise ModelNotFound(
                f"cannot load the model in {package.path}: {exc} "
                "(reinstall it with `duiyi models install`)"
            ) from exc
        self.calls = 0  # CTranslate2 translate_batch calls, for tests and benchmarks

    @classmethod
    def from_options(
        cls,
        model: str | None = None,
        from_code: str = "zh",
        to_code: str = "en",
        **options,
    ) -> ArgosTranslator:
        """Find the package (by name, folder, or the newest for the pair) and load it."""
        options = {k: v for k, v in options.items() if v is not None}
        if model and Path(model).is_file():
            raise InputError(
                f"{model} is a file: install it first with `duiyi models install {model}`"
            )
        if model and (Path(model) / "metadata.json").is_file():
            package = read_installed(Path(model))
        else:
            package = find_installed(from_code, to_code, name=model)
        if package is None:
            raise ModelNotFound(
                f"no {from_code}→{to_code} model installed (`duiyi models install "
                f"{from_code} {to_code}` or `duiyi models install FILE.argosmodel`)"
            )
        return cls(package, **options)

    # ---- the Translator interface ----------------------------------------------------------

    def signature(self) -> str:
        return f"mt:{self.package.model_id}"

    def cache_signature(self) -> str:
        return (
            f"{self.signature()}|beam:{self.beam_size}|ct:{self.compute_type}"
            f"|len:{self.length_ratio}x+{self.length_slack}|rep:{int(self.retry_repetitions)}"
            f"|rev:{ENGINE_REVISION}"
        )

    @property
    def engine_id(self) -> str:
        return f"argos:{self.package.name}"

    def translate_drafts(self, sentences: Sequence[str]) -> list[Draft]:
        return self.drafts_in_order(sentences)

    def iter_batches(self, sentences: Sequence[str]) -> Iterator[tuple[list[int], list[Draft]]]:
        """Sort by token length, cut into batches of about `batch_tokens` source tokens."""
        pieces = [self._sp.encode(s, out_type=str) if s.strip() else [] for s in sentences]
        # Ties broken by text: the same sentences batch alike whatever their order.
        order = sorted(range(len(sentences)), key=lambda i: (len(pieces[i]), sentences[i]))
        empty = [i for i in order if not pieces[i]]
        if empty:
            yield empty, [Draft("") for _ in empty]
        lengths = [len(p) for p in pieces]
        for batch in length_batches([i for i in order if pieces[i]], lengths, self.batch_tokens):
            yield batch, self._translate_pieces([pieces[j] for j in batch])

    # ---- decoding --------------------------------------------------------------------------

    def _decode(self, batch: list[list[str]], **extra) -> list[tuple[list[str], float]]:
        """(output pieces, confidence) per source."""
        longest = max(len(p) for p in batch)
        options = {
            "beam_size": self.beam_size,
            "max_decoding_length": min(
                self.max_length, int(self.length_ratio * longest) + self.length_slack
            ),
            "replace_unknowns": True,
            "length_penalty": LENGTH_PENALTY,
            "max_batch_size": 0,  # batches are already cut by token count
        }
        prefix = self.package.target_prefix
        if prefix:
            options["target_prefix"] = [[prefix]] * len(batch)
        options.update(self.decoding_overrides)
        options.update(extra)
        self.calls += 1
        results = self._ct2.translate_batch(batch, return_scores=True, **options)
        outputs = []
        for result in results:
            tokens = list(result.hypotheses[0])
            if prefix and tokens[:1] == [prefix]:
                tokens = tokens[1:]
            outputs.append((tokens, _confidence(float(result.scores[0]), len(tokens) + 1)))
        return outputs

    def _translate_pieces(self, batch: list[list[str]]) -> list[Draft]:
        outputs = self._decode(batch)
        flags: list[list[str]] = [[] for _ in batch]
        looping = [k for k, (tokens, _) in enumerate(outputs) if find_loop(tokens)]
        if looping and self.retry_repetitions:
            log.debug("retrying %d looping outputs", len(looping))
            retried = self._decode(
                [batch[k] for k in looping], repetition_penalty=1.3, no_repeat_ngram_size=4
            )
            for k, output in zip(looping, retried, strict=True):
                outputs[k] = output
                flags[k].append("repetition" if find_loop(output[0]) else "repetition-retried")
        elif looping:
            for k in looping:
                flags[k].append("repetition")
        return [
            Draft(self._detokenize(tokens), flag, score=score)
            for (tokens, score), flag in zip(outputs, flags, strict=True)
        ]

    def _detokenize(self, tokens: list[str]) -> str:
        # As argostranslate's SentencePieceTokenizer.decode, minus its "_" → " " quirk.
        return self._sp.decode_pieces(tokens).replace("\u2581", " ").strip()
