"""Convert a Qwen2-architecture GGUF file into a CTranslate2 Generator model, without torch.

The `gguf` package reads the file and dequantizes each tensor into numpy (float32); each
weight is then quantized to int8 with one scale per row, exactly as CTranslate2's own
converter does (`ModelSpec._quantize`), and set on `ctranslate2.specs`' decoder spec with the
tensor mapping of CTranslate2's `Qwen2Loader` (converters/transformers.py): separate q/k/v
projections fused into one, SwiGLU feed-forward, RMS norms, rotary embeddings not
interleaved. Tensors are converted one at a time, so the peak memory is the int8 model plus
one float32 tensor (about 2.2 GB for the 1.5B model).

llama.cpp's converter (convert_hf_to_gguf.py) permutes the q/k rows of `llama` models for its
interleaved rotary layout but not those of `qwen2` models (NEOX rope, HF order), so the
tensors map over unchanged; the real model producing fluent English checks that.

The tokenizer is rebuilt with `tokenizers` from the GGUF's vocabulary and merges as the Hugging
Face Qwen2 tokenizer is defined (NFC, Qwen2's split regex, byte-level BPE, control tokens
added as special tokens) and saved as tokenizer.json next to the model.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from duiyi.errors import InputError

log = logging.getLogger(__name__)

# Qwen2's pre-tokenizer pattern (tokenizer.json of Qwen/Qwen2.5-*, llama.cpp's "qwen2" pre).
QWEN2_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)
SPECIAL_TOKEN_TYPES = (3, 4)  # gguf TokenType CONTROL and USER_DEFINED


@dataclass
class GGUFInfo:
    """What duiyi reads from a GGUF's metadata before converting it."""

    architecture: str
    name: str
    layers: int
    hidden: int
    heads: int
    heads_kv: int
    ffn: int
    vocab: int
    rope_base: float
    norm_eps: float
    file_type: int | None
    tensor_types: dict[str, int]  # GGML type name → number of tensors

    def as_dict(self) -> dict:
        return asdict(self)


def _field(reader, key: str, default=None):
    field = reader.fields.get(key)
    if field is None:
        return default
    return field.contents()


def open_gguf(path: Path):
    """A `gguf.GGUFReader` on `path`, or a clear InputError when it is not a GGUF file."""
    import gguf

    try:
        return gguf.GGUFReader(str(path))
    except (ValueError, OSError, IndexError) as exc:
        raise InputError(f"{path} is not a readable GGUF file: {exc}") from exc


def read_info(reader) -> GGUFInfo:
    """The model's shape from the GGUF metadata; refuses anything but a Qwen2 model."""
    arch = _field(reader, "general.architecture")
    if arch != "qwen2":
        raise InputError(
            f"this GGUF is a {arch or 'model of unknown architecture'!r} model; duiyi converts "
            "Qwen2-architecture models (Qwen2 / Qwen2.5 / Qwen2.5-Coder) only"
        )

    def need(key):
        value = _field(reader, f"{arch}.{key}")
        if value is None:
            raise InputError(f"this GGUF lacks {arch}.{key}: cannot convert it")
        return value

    heads = int(need("attention.head_count"))
    tokens = reader.fields.get("tokenizer.ggml.tokens")
    if tokens is None or _field(reader, "tokenizer.ggml.model") != "gpt2":
        raise InputError("this GGUF has no byte-level BPE (gpt2) tokenizer: cannot convert it")
    types: dict[str, int] = {}
    for tensor in reader.tensors:
        types[tensor.tensor_type.name] = types.get(tensor.tensor_type.name, 0) + 1
    return GGUFInfo(
        architecture=arch,
        name=str(_field(reader, "general.name", "")),
        layers=int(need("block_count")),
        hidden=int(need("embedding_length")),
        heads=heads,
        heads_kv=int(_field(reader, f"{arch}.attention.head_count_kv", heads)),
        ffn=int(need("feed_forward_length")),
        vocab=len(tokens.data),
        rope_base=float(_field(reader, f"{arch}.rope.freq_base", 10000.0)),
        norm_eps=float(_field(reader, f"{arch}.attention.layer_norm_rms_epsilon", 1e-6)),
        file_type=_field(reader, "general.file_type"),
        tensor_types=types,
    )


# ---- the tokenizer --------------------------------------------------------------------------


def build_tokenizer(reader):
    """A `tokenizers.Tokenizer` equivalent to the model's own (Qwen2 byte-level BPE)."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers
    from tokenizers import pre_tokenizers as pre

    tokens = list(_field(reader, "tokenizer.ggml.tokens"))
    merges = [tuple(m.split(" ", 1)) for m in _field(reader, "tokenizer.ggml.merges", [])]
    types = _field(reader, "tokenizer.ggml.token_type") or [1] * len(tokens)
    bpe = models.BPE(
        vocab={token: i for i, token in enumerate(tokens)},
        merges=merges,
        byte_fallback=False,
        fuse_unk=False,
    )
    tokenizer = Tokenizer(bpe)
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre.Sequence(
        [
            pre.Split(Regex(QWEN2_SPLIT), behavior="isolated", invert=False),
            pre.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    special = [
        AddedToken(token, special=True, normalized=False)
        for token, kind in zip(tokens, types, strict=True)
        if int(kind) in SPECIAL_TOKEN_TYPES
    ]
    tokenizer.add_special_tokens(special)
    return tokenizer


def special_tokens(reader) -> dict[str, str]:
    """bos/eos/pad token strings from the GGUF metadata."""
    tokens = reader.fields["tokenizer.ggml.tokens"]
    out = {}
    for role in ("bos", "eos", "padding"):
        index = _field(reader, f"tokenizer.ggml.{role}_token_id")
        if index is not None:
            out[role] = bytes(tokens.parts[tokens.data[int(index)]]).decode("utf-8")
    return out


# ---- the weights ----------------------------------------------------------------------------


ROWS = 8192  # rows dequantized at once: bounds the float32 temporaries of big tensors


def _dequantize(tensor, start: int = 0, stop: int | None = None) -> np.ndarray:
    """Rows [start, stop) of a GGUF tensor as float32, numpy order (rows = output features)."""
    from gguf import GGMLQuantizationType, quants

    kind = tensor.tensor_type
    shape = [int(n) for n in reversed(tensor.shape.tolist())]  # GGUF lists ne0 first
    data = np.asarray(tensor.data)
    if len(shape) > 1:
        data = data.reshape(shape[0], -1)[start:stop]
    if kind in (GGMLQuantizationType.F32, GGMLQuantizationType.F16):
        array = data.astype(np.float32)
    else:
        try:
            array = quants.dequantize(data, kind)
        except NotImplementedError as exc:
            raise InputError(
                f"tensor {tensor.name}: GGML type {kind.name} is not supported"
            ) from exc
    target = [array.shape[0], *shape[1:]] if len(shape) > 1 else shape
    return array.reshape(target).astype(np.float32, copy=False)


def quantize_int8(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 weights and per-row scales, as CTranslate2's converter computes them."""
    amax = np.amax(np.abs(weight), axis=1)
    amax[amax == 0] = 127.0
    amax = np.maximum(amax, np.float32(127) / np.finfo(np.float32).max)
    scale = (127.0 / amax).astype(np.float32)
    return np.rint(weight * scale[:, None]).astype(np.int8), scale


class _Weights:
    """Tensors by name, dequantized (and quantized to int8) one at a time on demand."""

    def __init__(self, reader, quantize: bool):
        self.tensors = {t.name: t for t in reader.tensors}
        self.quantize = quantize

    def has(self, name: str) -> bool:
        return name in self.tensors

    def float(self, name: str) -> np.ndarray:
        if name not in self.tensors:
            raise InputError(f"this GGUF lacks the tensor {name}: cannot convert it")
        return _dequantize(self.tensors[name])

    def set_matrix(self, spec, name: str) -> None:
        """spec.weight (+ weight_scale) from one tensor."""
        self._set(spec, [name])

    def set_fused(self, spec, names: list[str]) -> None:
        """One weight from rows of several tensors (q, k, v → qkv); per-row scales fuse too."""
        self._set(spec, names)

    def _set(self, spec, names: list[str]) -> None:
        if not self.quantize:
            spec.weight = np.concatenate([self.float(n) for n in names])
            return
        weights, scales = [], []
        for name in names:
            tensor = self.tensors.get(name)
            if tensor is None:
                raise InputError(f"this GGUF lacks the tensor {name}: cannot convert it")
            rows = int(tensor.shape.tolist()[-1])
            for start in range(0, rows, ROWS):
                weight, scale = quantize_int8(_dequantize(tensor, start, start + ROWS))
                weights.append(weight)
                scales.append(scale)
        spec.weight = np.concatenate(weights)
        spec.weight_scale = np.concatenate(scales)


def build_spec(reader, info: GGUFInfo, quantize: bool = True, progress: Callable | None = None):
    """The `TransformerDecoderModelSpec` of the model, weights set (int8 when `quantize`)."""
    from ctranslate2.specs import common_spec, transformer_spec

    spec = transformer_spec.TransformerDecoderModelSpec.from_config(
        info.layers,
        info.heads,
        activation=common_spec.Activation.SWISH,
        pre_norm=True,
        ffn_glu=True,
        rms_norm=True,
        rotary_dim=0,
        rotary_interleave=False,
        rotary_base=info.rope_base,
        num_heads_kv=info.heads_kv if info.heads_kv != info.heads else None,
    )
    weights = _Weights(reader, quantize)
    decoder = spec.decoder
    decoder.scale_embeddings = False
    weights.set_matrix(decoder.embeddings, "token_embd.weight")
    decoder.layer_norm.gamma = weights.float("output_norm.weight")
    steps = range(info.layers) if progress is None else progress(range(info.layers))
    for i in steps:
        layer, blk = decoder.layer[i], f"blk.{i}."
        attention, ffn = layer.self_attention, layer.ffn
        attention.layer_norm.gamma = weights.float(blk + "attn_norm.weight")
        ffn.layer_norm.gamma = weights.float(blk + "ffn_norm.weight")
        qkv = [blk + f"attn_{x}.weight" for x in "qkv"]
        weights.set_fused(attention.linear[0], qkv)
        biases = [blk + f"attn_{x}.bias" for x in "qkv"]
        if all(weights.has(b) for b in biases):
            attention.linear[0].bias = np.concatenate([weights.float(b) for b in biases])
        weights.set_matrix(attention.linear[1], blk + "attn_output.weight")
        weights.set_matrix(ffn.linear_0, blk + "ffn_gate.weight")
        weights.set_matrix(ffn.linear_0_noact, blk + "ffn_up.weight")
        weights.set_matrix(ffn.linear_1, blk + "ffn_down.weight")
    if weights.has("output.weight"):
        weights.set_matrix(decoder.projection, "output.weight")
    else:  # tied embeddings: the same arrays (CTranslate2 aliases them when saving)
        decoder.projection.weight = decoder.embeddings.weight
        if quantize:
            decoder.projection.weight_scale = decoder.embeddings.weight_scale
    return spec


def convert(
    gguf_path: Path, output_dir: Path, quantize: bool = True, progress: Callable | None = None
) -> GGUFInfo:
    """Write a CTranslate2 model (model.bin, config.json, vocabulary) and tokenizer.json."""
    reader = open_gguf(gguf_path)
    info = read_info(reader)
    tokenizer = build_tokenizer(reader)
    specials = special_tokens(reader)
    spec = build_spec(reader, info, quantize=quantize, progress=progress)
    tokens = [bytes(reader.fields["tokenizer.ggml.tokens"].parts[i]).decode("utf-8")
              for i in reader.fields["tokenizer.ggml.tokens"].data]  # fmt: skip
    spec.register_vocabulary(tokens)
    spec.config.bos_token = specials.get("bos") or specials.get("padding", "")
    spec.config.eos_token = specials.get("eos", "")
    spec.config.unk_token = ""
    spec.config.layer_norm_epsilon = info.norm_eps
    spec.validate()
    spec.optimize(quantization=None)  # aliases tied weights; already int8
    output_dir.mkdir(parents=True, exist_ok=True)
    spec.save(str(output_dir))
    tokenizer.save(str(output_dir / "tokenizer.json"))
    (output_dir / "gguf_info.json").write_text(json.dumps(info.as_dict(), indent=1) + "\n")
    del spec, reader
    return info
