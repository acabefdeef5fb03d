"""Build an Argos-format package with random weights: the tests' fixture model and the benchmark's
stand-in for the real zh→en model (no model can be downloaded on the machines duiyi is built on).

The package is real in every way but its weights: a SentencePiece model trained on the given text,
a CTranslate2 Transformer written with `ctranslate2.specs` (no torch), metadata.json, all zipped
under one top-level folder as an `.argosmodel`, exactly like the packages on the Argos index.
Its translations are nonsense, but installing, loading, batching and detokenizing are exercised.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class ModelShape:
    """Transformer dimensions; `base()` is the shape of Argos's zh→en 1.9 model."""

    layers: int = 1
    d_model: int = 32
    heads: int = 2
    ffn: int = 64
    vocab_size: int = 1500

    @classmethod
    def base(cls) -> ModelShape:
        return cls(layers=6, d_model=512, heads=8, ffn=2048, vocab_size=32000)


def train_sentencepiece(sentences: Iterable[str], model_prefix: Path, vocab_size: int) -> Path:
    """Train a unigram SentencePiece model on `sentences`; returns the .model path."""
    import sentencepiece as spm

    text = model_prefix.with_suffix(".txt")
    text.write_text("\n".join(s for s in sentences if s.strip()) + "\n", encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(text),
        model_prefix=str(model_prefix),
        vocab_size=vocab_size,
        character_coverage=0.9995
        if vocab_size >= 8000
        else 0.98,  # a small vocab can't hold all hanzi
        model_type="unigram",
        hard_vocab_limit=False,  # small corpora may not support the asked size: take what fits
        minloglevel=2,
    )
    return model_prefix.with_suffix(".model")


def _vocabulary(sp_model: Path, size: int, extra: tuple[str, ...] = ()) -> list[str]:
    """CTranslate2's vocabulary: <unk>, <s>, </s>, the SentencePiece pieces, `extra` tokens
    (e.g. a target prefix such as __en__), padded to `size`."""
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(sp_model))
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    vocab = ["<unk>", "<s>", "</s>"] + [p for p in pieces if p not in ("<unk>", "<s>", "</s>")]
    vocab += [t for t in extra if t not in vocab]
    vocab += [f"<extra_{i}>" for i in range(max(0, size - len(vocab)))]
    return vocab


def _weight_shape(name: str, shape: ModelShape, vocab: int) -> tuple[int, ...]:
    """The shape of one Transformer variable, from its scope name."""
    d, ff = shape.d_model, shape.ffn
    parts = name.split("/")
    leaf, owner = parts[-1], parts[-2]
    if "embeddings" in owner:
        return (vocab, d)
    if owner == "projection":
        return (vocab, d) if leaf == "weight" else (vocab,)
    if owner == "layer_norm" or "norm" in owner:
        return (d,)
    if owner.startswith("linear_"):
        index = int(owner.split("_")[1])
        block = parts[-3]
        if block == "ffn":
            out_in = (ff, d) if index == 0 else (d, ff)
        elif block == "self_attention":
            out_in = (3 * d, d) if index == 0 else (d, d)
        else:  # encoder-decoder attention: query, fused key/value, output
            out_in = {0: (d, d), 1: (2 * d, d), 2: (d, d)}[index]
        return out_in if leaf == "weight" else out_in[:1]
    raise ValueError(f"unexpected variable {name}")


def build_ctranslate2_model(out_dir: Path, vocab: list[str], shape: ModelShape, seed: int) -> None:
    """Write a random-weight Transformer (shared vocabulary) to `out_dir` as a CTranslate2 model."""
    from ctranslate2.specs import common_spec, model_spec, transformer_spec

    spec = transformer_spec.TransformerSpec.from_config(shape.layers, shape.heads)
    rng = np.random.default_rng(seed)
    scale = 1.0 / np.sqrt(shape.d_model)

    def fill(layer, name, value):
        leaf = name.split("/")[-1]
        if isinstance(layer, common_spec.LinearSpec) and leaf == "bias":
            value = None  # Transformer-base has biases on every linear layer
        if value is not None:
            return
        dims = _weight_shape(name, shape, len(vocab))
        if leaf == "gamma":
            array = np.ones(dims, dtype=np.float32)
        elif leaf in ("beta", "bias"):
            array = rng.normal(0.0, 0.02, dims).astype(np.float32)
        else:
            array = rng.normal(0.0, scale, dims).astype(np.float32)
        setattr(layer, leaf, array)

    model_spec.visit_spec(spec, fill)
    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    spec.validate()
    spec.optimize(quantization="int8")
    spec.save(str(out_dir))


def build_package(
    out_file: Path,
    sentences: Iterable[str],
    *,
    shape: ModelShape = ModelShape(),
    from_code: str = "zh",
    to_code: str = "en",
    version: str = "1.9",
    seed: int = 0,
    extra_metadata: dict | None = None,
) -> Path:
    """Build `out_file` (.argosmodel): folder translate-FROM_TO-VERSION/ with metadata.json,
    sentencepiece.model and model/ (CTranslate2), like the packages on the Argos index."""
    name = f"translate-{from_code}_{to_code}-{version.replace('.', '_')}"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / name
        (root / "model").mkdir(parents=True)
        sp_model = train_sentencepiece(sentences, Path(tmp) / "sp", shape.vocab_size)
        (root / "sentencepiece.model").write_bytes(sp_model.read_bytes())
        prefix = (extra_metadata or {}).get("target_prefix", "")
        vocab = _vocabulary(sp_model, shape.vocab_size, (prefix,) if prefix else ())
        build_ctranslate2_model(root / "model", vocab, shape, seed)
        metadata = {
            "package_version": version,
            "argos_version": "1.9.0",
            "from_code": from_code,
            "from_name": {"zh": "Chinese", "en": "English"}.get(from_code, from_code),
            "to_code": to_code,
            "to_name": {"zh": "Chinese", "en": "English"}.get(to_code, to_code),
            "type": "translate",
            "links": [],
            **(extra_metadata or {}),
        }
        (root / "metadata.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")
        (root / "README.md").write_text(
            "Random-weight package built by duiyi.testing.argos_model: its output is nonsense.\n",
            encoding="utf-8",
        )
        out_file.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out_file, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(root.rglob("*")):
                archive.write(path, path.relative_to(tmp).as_posix())
    return out_file
