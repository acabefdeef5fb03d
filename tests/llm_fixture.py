"""A tiny random Qwen2-shaped GGUF (written with gguf.GGUFWriter), a numpy reference forward
pass of the Qwen2 architecture, and a plain-Python byte-level BPE reference tokenizer.

The vocabulary is a byte-level BPE trained here on a few Chinese/English lines; the weights are
random (F32 norms and biases, F16 and Q8_0 matrices), so the model's output is gibberish but
every tensor mapping (fused q/k/v, biases, GQA, rotary layout, tied embeddings) is checked
against the reference forward pass.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

CORPUS = [
    "据俄罗斯卫星通讯社12月30日援引叙利亚当地消息人士的话报道，美军已经将武器运离至伊拉克。",
    "土耳其不会跟俄罗斯疏远太多，毕竟俄罗斯军事实力很强。",
    "中国人民银行决定下调存款准备金率0.5个百分点。",
    "The People's Bank of China decided to cut the reserve requirement ratio.",
    "President Trump announced that the US will withdraw from Syria.",
    "It's 2024: GPU prices are $299, aren't they? We'll see.",
]
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
LAYERS, HIDDEN, HEADS, HEADS_KV, FFN = 2, 64, 4, 2, 128
ROPE_BASE, EPS = 10000.0, 1e-6


def train_vocab(merges_wanted: int = 300) -> tuple[list[str], list[str]]:
    """Byte-level BPE tokens and merges trained on CORPUS with `tokenizers` (specials last)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=256 + merges_wanted,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(CORPUS * 3, trainer)
    state = tokenizer.to_str()
    import json

    model = json.loads(state)["model"]
    vocab = sorted(model["vocab"].items(), key=lambda kv: kv[1])
    tokens = [t for t, _ in vocab] + SPECIALS
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
    return tokens, merges


def write_tiny_gguf(path: Path, seed: int = 0, tied: bool = True) -> Path:
    """A 2-layer Qwen2-shaped model with random weights; returns `path`."""
    import gguf
    from gguf import GGMLQuantizationType as Q
    from gguf import quants

    rng = np.random.default_rng(seed)
    tokens, merges = train_vocab()
    vocab = len(tokens)
    writer = gguf.GGUFWriter(str(path), "qwen2")
    writer.add_name("tiny random qwen2 (duiyi tests)")
    writer.add_block_count(LAYERS)
    writer.add_context_length(256)
    writer.add_embedding_length(HIDDEN)
    writer.add_feed_forward_length(FFN)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(HEADS_KV)
    writer.add_rope_freq_base(ROPE_BASE)
    writer.add_layer_norm_rms_eps(EPS)
    writer.add_file_type(7)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("qwen2")
    writer.add_token_list(tokens)
    writer.add_token_types([3 if t in SPECIALS else 1 for t in tokens])
    writer.add_token_merges(merges)
    writer.add_bos_token_id(tokens.index("<|endoftext|>"))
    writer.add_eos_token_id(tokens.index("<|im_end|>"))
    writer.add_pad_token_id(tokens.index("<|endoftext|>"))

    def matrix(rows, cols, scale=0.25):
        return (rng.standard_normal((rows, cols)) * scale).astype(np.float32)

    def add(name, array, kind):
        if kind == Q.F32:
            writer.add_tensor(name, array.astype(np.float32))
        elif kind == Q.F16:
            writer.add_tensor(name, array.astype(np.float16))
        else:
            writer.add_tensor(name, quants.quantize(array, kind), raw_dtype=kind)

    head_dim = HIDDEN // HEADS
    add("token_embd.weight", matrix(vocab, HIDDEN, 1.0), Q.F16)
    add("output_norm.weight", 1 + 0.1 * rng.standard_normal(HIDDEN).astype(np.float32), Q.F32)
    if not tied:
        add("output.weight", matrix(vocab, HIDDEN), Q.Q8_0)
    for i in range(LAYERS):
        b = f"blk.{i}."
        add(b + "attn_norm.weight", 1 + 0.1 * rng.standard_normal(HIDDEN), Q.F32)
        add(b + "ffn_norm.weight", 1 + 0.1 * rng.standard_normal(HIDDEN), Q.F32)
        add(b + "attn_q.weight", matrix(HIDDEN, HIDDEN), Q.Q8_0)
        add(b + "attn_k.weight", matrix(HEADS_KV * head_dim, HIDDEN), Q.Q8_0)
        add(b + "attn_v.weight", matrix(HEADS_KV * head_dim, HIDDEN), Q.F16)
        add(b + "attn_q.bias", 0.1 * rng.standard_normal(HIDDEN), Q.F32)
        add(b + "attn_k.bias", 0.1 * rng.standard_normal(HEADS_KV * head_dim), Q.F32)
        add(b + "attn_v.bias", 0.1 * rng.standard_normal(HEADS_KV * head_dim), Q.F32)
        add(b + "attn_output.weight", matrix(HIDDEN, HIDDEN), Q.F16)
        add(b + "ffn_gate.weight", matrix(FFN, HIDDEN), Q.Q8_0)
        add(b + "ffn_up.weight", matrix(FFN, HIDDEN), Q.Q8_0)
        add(b + "ffn_down.weight", matrix(HIDDEN, FFN), Q.Q8_0)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


# ---- the numpy reference forward pass ------------------------------------------------------


def reference_logits(gguf_path: Path, ids: list[int]) -> np.ndarray:
    """Logits (len(ids), vocab) of the Qwen2 architecture computed from the GGUF in numpy."""
    import gguf
    from gguf import quants

    reader = gguf.GGUFReader(str(gguf_path))
    w = {}
    for t in reader.tensors:
        shape = [int(n) for n in reversed(t.shape.tolist())]
        w[t.name] = quants.dequantize(np.asarray(t.data), t.tensor_type).reshape(shape)
        w[t.name] = w[t.name].astype(np.float32)
    head_dim = HIDDEN // HEADS

    def rms(x, g):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + EPS) * g

    def rope(x):  # x: (T, heads, head_dim), NEOX layout (halves rotated)
        half = head_dim // 2
        inv = ROPE_BASE ** (-np.arange(0, half) * 2 / head_dim)
        ang = np.arange(x.shape[0])[:, None] * inv[None, :]
        cos, sin = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
        x1, x2 = x[..., :half], x[..., half:]
        return np.concatenate([x1 * cos - x2 * sin, x2 * cos + x1 * sin], axis=-1)

    x = w["token_embd.weight"][ids]
    n = len(ids)
    mask = np.triu(np.full((n, n), -np.inf), 1)
    for i in range(LAYERS):
        b = f"blk.{i}."
        h = rms(x, w[b + "attn_norm.weight"])
        q = (h @ w[b + "attn_q.weight"].T + w[b + "attn_q.bias"]).reshape(n, HEADS, head_dim)
        k = (h @ w[b + "attn_k.weight"].T + w[b + "attn_k.bias"]).reshape(n, HEADS_KV, head_dim)
        v = (h @ w[b + "attn_v.weight"].T + w[b + "attn_v.bias"]).reshape(n, HEADS_KV, head_dim)
        q, k = rope(q), rope(k)
        group = HEADS // HEADS_KV
        k, v = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
        att = np.einsum("qhd,khd->hqk", q, k) / np.sqrt(head_dim) + mask
        att = np.exp(att - att.max(-1, keepdims=True))
        att /= att.sum(-1, keepdims=True)
        out = np.einsum("hqk,khd->qhd", att, v).reshape(n, HIDDEN)
        x = x + out @ w[b + "attn_output.weight"].T
        h = rms(x, w[b + "ffn_norm.weight"])
        gate = h @ w[b + "ffn_gate.weight"].T
        x = (
            x
            + ((gate / (1 + np.exp(-gate))) * (h @ w[b + "ffn_up.weight"].T))
            @ w[b + "ffn_down.weight"].T
        )
    out = w.get("output.weight", w["token_embd.weight"])
    return rms(x, w["output_norm.weight"]) @ out.T


# ---- a plain byte-level BPE, the reference tokenizer --------------------------------------


def reference_encode(text: str, tokens: list[str], merges: list[str]) -> list[int]:
    """GPT-2 style BPE as llama.cpp's llm_tokenizer_bpe applies it for Qwen2: NFC, the qwen2
    regex, bytes → printable characters, lowest-rank merge first; special tokens matched first."""
    import unicodedata

    import regex

    from duiyi.translate.byte_level import bytes_to_unicode
    from duiyi.translate.gguf_convert import QWEN2_SPLIT

    ids = {t: i for i, t in enumerate(tokens)}
    ranks = {tuple(m.split(" ", 1)): r for r, m in enumerate(merges)}
    table = bytes_to_unicode()
    out: list[int] = []
    pattern = "(" + "|".join(regex.escape(s) for s in SPECIALS) + ")"
    for n, chunk in enumerate(regex.split(pattern, text)):
        if n % 2:
            out.append(ids[chunk])
            continue
        for word in regex.findall(QWEN2_SPLIT, unicodedata.normalize("NFC", chunk)):
            parts = [table[b] for b in word.encode("utf-8")]
            while len(parts) > 1:
                pairs = [
                    (ranks.get(p, 1 << 30), k)
                    for k, p in enumerate(zip(parts, parts[1:], strict=False))
                ]
                rank, k = min(pairs)
                if rank == 1 << 30:
                    break
                parts[k : k + 2] = [parts[k] + parts[k + 1]]
            out.extend(ids[p] for p in parts)
    return out


# ---- wheels like the pinned PyPI ones ------------------------------------------------------


def write_wheels(gguf_path: Path, folder: Path, project: str, parts: int) -> list[str]:
    """Split the GGUF into `parts` wheels (`PROJECTn-0.1.0`, data/partNN.bin); requirements."""
    data = gguf_path.read_bytes()
    size = -(-len(data) // parts)
    requirements = []
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(1, parts + 1):
        dist = f"{project}{n}"
        module = dist.replace("-", "_")
        wheel = folder / f"{module}-0.1.0-py3-none-any.whl"
        info = f"{module}-0.1.0.dist-info"
        with zipfile.ZipFile(wheel, "w") as z:
            z.writestr(f"{module}/__init__.py", "")
            z.writestr(f"{module}/data/part{n:02d}.bin", data[(n - 1) * size : n * size])
            z.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1.0\n")
            z.writestr(
                f"{info}/WHEEL",
                "Wheel-Version: 1.0\nGenerator: duiyi-tests\nRoot-Is-Purelib: true\n"
                "Tag: py3-none-any\n",
            )
            z.writestr(f"{info}/RECORD", "")
        requirements.append(f"{dist}==0.1.0")
    return requirements
