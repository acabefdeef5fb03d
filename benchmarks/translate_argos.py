"""Translation speed: duiyi's Argos engine against argostranslate and raw CTranslate2.

No zh→en model can be downloaded here, so the benchmark builds a package of the real model's
shape (Argos translate-zh_en-1.9: Transformer-base 6+6 layers, d_model 512, 8 heads, FFN 2048,
a 32k shared vocabulary, int8) with random weights. Random weights never stop on their own, so
every way decodes exactly L target tokens per sentence (min = max decoding length = L, about
what a real translation of these sentences needs): the work per sentence is the same in all three.

The same sentences (the seeds, topped up from ../shared/eval/mt/wmt21 when there are fewer
than --sentences) are translated three ways, one after the other, same threads and beam size:
  (a) duiyi: ArgosTranslator (SentencePiece, length-sorted token batches, detokenize);
  (b) argostranslate.translate.translate() per document, as an argos user calls it; it needs
      stanza/torch, so it runs in a throwaway venv (--argos-python); its sentence splitter is
      replaced by the same regex when its own (MiniSBD/stanza) cannot load offline, and the
      output says which;
  (c) raw ctranslate2.Translator.translate_batch on pre-tokenized input (the limit).
The repetition guard of (a) is off: a random model loops on nearly every sentence, a real one
rarely, and (b)/(c) have no guard. Model loading is not timed. The machine is shared, so the
ratios compare CPU time (wall time is shown too); (a) and (c) alternate for --rounds rounds
and keep their best; (b), slow, runs once.

    .venv/bin/python benchmarks/translate_argos.py [--argos-python /tmp/argos-venv/bin/python]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WMT = ROOT.parent / "shared" / "eval" / "mt" / "wmt21" / "newstest2021.zh-en.src.zh"
SENTENCE = r"[^。！？!?]*(?:[。！？!?]+[」』”’）》\"]*|$)"  # the same regex is given to (b)
PEER = Path(__file__).with_name("argos_peer.py")


def split(paragraph: str) -> list[str]:
    return [s for s in re.findall(SENTENCE, paragraph) if s.strip()]


def load_documents(limit: int) -> list[list[list[str]]]:
    """Documents → paragraphs → sentences: all the seeds, then WMT21 paragraphs up to `limit`."""
    docs = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        lines = path.read_text(encoding="utf-8").split("\n")
        docs.append([split(line.strip()) for line in lines if split(line.strip())])
    count = sum(len(p) for d in docs for p in d)
    if count < limit and WMT.is_file():
        extra: list[list[str]] = []
        for line in WMT.read_text(encoding="utf-8").splitlines():
            if count >= limit:
                break
            sentences = split(line.strip())
            if sentences:
                extra.append(sentences)
                count += len(sentences)
        docs.append(extra)
    return docs


def build(workdir: Path, sentences: list[str]) -> Path:
    """The base-shape package, installed by duiyi into workdir/packages; returns its folder."""
    from duiyi.testing.argos_model import ModelShape, build_package
    from duiyi.translate.packages import install_file

    os.environ["ARGOS_PACKAGES_DIR"] = str(workdir / "packages")
    package = build_package(
        workdir / "translate-zh_en-1_9.argosmodel", sentences, shape=ModelShape.base(), seed=1
    )
    return install_file(package).path


class Clock:
    """Wall and CPU seconds of a block. The machine is shared: CPU time (this process's
    threads) is what other jobs disturb least, so the ratios use it."""

    def __enter__(self) -> Clock:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


def run_duiyi(folder: Path, sentences, length, beam, threads) -> tuple[Clock, int]:
    from duiyi.translate.argos import ArgosTranslator
    from duiyi.translate.drafts import translate_sentences
    from duiyi.translate.packages import read_installed

    engine = ArgosTranslator(
        read_installed(folder),
        beam_size=beam,
        threads=threads,
        device="cpu",
        compute_type="int8",
        retry_repetitions=False,
        decoding_overrides={"min_decoding_length": length, "max_decoding_length": length},
    )
    with Clock() as clock:
        drafts = translate_sentences(engine, sentences, cache=None)
    assert len(drafts) == len(sentences) and all(d.text for d in drafts)
    return clock, engine.calls


def run_ctranslate2(folder: Path, sentences, length, beam, threads) -> Clock:
    import ctranslate2
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(folder / "sentencepiece.model"))
    tokens = [sp.encode(s, out_type=str) for s in sentences]
    translator = ctranslate2.Translator(
        str(folder / "model"), device="cpu", compute_type="int8", intra_threads=threads
    )
    with Clock() as clock:
        results = translator.translate_batch(
            tokens,
            beam_size=beam,
            max_batch_size=2048,
            batch_type="tokens",
            min_decoding_length=length,
            max_decoding_length=length,
            length_penalty=0.2,
        )
    assert len(results) == len(sentences)
    return clock


def run_argostranslate(python: str, folder: Path, docs, length, beam, threads) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump({"docs": ["\n".join("".join(p) for p in d) for d in docs]}, f)
    env = {
        **os.environ,
        "ARGOS_PACKAGES_DIR": str(folder.parent),
        "ARGOS_DEVICE_TYPE": "cpu",
        "ARGOS_COMPUTE_TYPE": "int8",
        "ARGOS_BEAM_SIZE": str(beam),
        "ARGOS_INTRA_THREADS": str(threads),
        "ARGOS_INTER_THREADS": "1",
        "HOME": str(folder.parent.parent),  # argos creates ~/.local/... dirs: keep them here
    }
    cmd = [python, str(PEER), f.name, str(length), SENTENCE]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    os.unlink(f.name)
    if out.returncode != 0:
        raise RuntimeError(f"argostranslate run failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=500)
    parser.add_argument("--beam-size", type=int, default=4, help="argostranslate's default: 4")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2, help="(a)/(c) alternations; best kept")
    parser.add_argument("--argos-python", default="/tmp/argos-venv/bin/python",
                        help="a python with argostranslate (+ stanza, torch CPU) installed")  # fmt: skip
    args = parser.parse_args()

    docs = load_documents(args.sentences)
    sentences = [s for d in docs for p in d for s in p]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        folder = build(Path(tmp), sentences)
        import sentencepiece as spm

        sp = spm.SentencePieceProcessor(model_file=str(folder / "sentencepiece.model"))
        mean_src = sum(len(sp.encode(s)) for s in sentences) / len(sentences)
        length = round(1.3 * mean_src)  # English needs a few more pieces than the Chinese
        print(f"{len(sentences)} sentences in {len(docs)} documents, mean {mean_src:.1f} source "
              f"pieces; each decodes {length} target tokens; beam {args.beam_size}, "
              f"{args.threads} threads; package built in {time.perf_counter() - t0:.0f} s")  # fmt: skip

        # (a) and (c) alternate for --rounds rounds and each keeps its best CPU time.
        a_runs, c_runs = [], []
        for _ in range(args.rounds):
            a_clock, calls = run_duiyi(folder, sentences, length, args.beam_size, args.threads)
            a_runs.append(a_clock)
            c_runs.append(run_ctranslate2(folder, sentences, length, args.beam_size, args.threads))
        a = min(a_runs, key=lambda clock: clock.cpu)
        c = min(c_runs, key=lambda clock: clock.cpu)
        peer = None
        if Path(args.argos_python).exists():
            peer = run_argostranslate(
                args.argos_python, folder, docs, length, args.beam_size, args.threads
            )
        else:
            print(f"argostranslate: {args.argos_python} not found; (b) skipped")

    n = len(sentences)

    def runs(clocks):
        return "CPU s of each run: " + ", ".join(f"{k.cpu:.1f}" for k in clocks)

    rows = [("(a) duiyi ArgosTranslator", a.wall, a.cpu, f"{calls} batches; {runs(a_runs)}")]
    if peer:
        note = f"{peer['sentences']} sentences, splitter: {peer['splitter']}"
        rows.append(("(b) argostranslate.translate()", peer["wall"], peer["cpu"], note))
    rows.append(("(c) raw CTranslate2 translate_batch", c.wall, c.cpu, f"one call; {runs(c_runs)}"))
    print("\n| way | wall s | CPU s | sentences per CPU s | notes |\n|---|---:|---:|---:|---|")
    for name, wall, cpu, note in rows:
        print(f"| {name} | {wall:.1f} | {cpu:.1f} | {n / cpu:.1f} | {note} |")
    vs_argos = f"{peer['cpu'] / a.cpu:.2f}" if peer else "n/a"
    vs_ct2 = f"{c.cpu / a.cpu:.2f}"
    print(
        f"\nduiyi vs argostranslate: {vs_argos}x   duiyi vs raw CTranslate2: {vs_ct2}x (CPU time)"
    )
    print(
        f"RESULT sents_per_s={n / a.cpu:.1f} vs_argostranslate={vs_argos} vs_ctranslate2={vs_ct2}"
    )


if __name__ == "__main__":
    sys.exit(main())
