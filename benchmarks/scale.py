"""Scale-out on Ray: the overhead of running on Ray against a local run, and 1 → 2 workers.

Same work three ways, side by side on this machine: in this process (the local run), on a local
Ray runtime with 1 worker, and with 2 workers. Work: aligning gold documents from
../shared/eval/align (as pre-split sentences) and translating WMT21 source sentences with a
random-weight model of the real Argos zh→en shape (fixed output length, so every run decodes the
same amount). Ray's start-up (runtime and actors, model loading) is timed apart from the work.
Times are wall clock (the work runs in other processes: this process's CPU time says nothing);
the machine is shared, so run it on a quiet machine and read the ratios. Also measures the
driver's store writes per second, where a cluster's throughput tops out.

    python benchmarks/scale.py [--sets mac-dev] [--docs 3] [--sentences 200]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from duiyi.corpus.model import Bead, Document, Sentence  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
SETS = {"mac-dev": ("zh", "en"), "aca": ("src", "tgt"), "mag": ("src", "tgt")}
LENGTH = 24  # decoded tokens per sentence: random weights, so the length is fixed


def lines_document(path: Path, lang: str) -> Document:
    """A pre-split gold file as a document: one sentence per line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    text, sentences = "", []
    for line in lines:
        sentences.append(Sentence(line, len(text), len(text) + len(line), normalized=line))
        text += line + "\n"
    return Document(path=str(path), text=text, lang=lang, sentences=sentences)


def document_pairs(sets: list[str], docs: int) -> list[tuple[Document, Document]]:
    pairs = []
    for name in sets:
        src_dir, tgt_dir = SETS[name]
        for gold in sorted((EVAL / "align" / name / "gold").glob("*.align"))[:docs]:
            doc = gold.name.removesuffix(".align")
            pairs.append(
                (
                    lines_document(EVAL / "align" / name / src_dir / doc, "zh"),
                    lines_document(EVAL / "align" / name / tgt_dir / doc, "en"),
                )
            )
    return pairs


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def build_model(workdir: Path, sentences: list[str]) -> None:
    from duiyi.testing.argos_model import ModelShape, build_package
    from duiyi.translate.packages import install_file

    os.environ["ARGOS_PACKAGES_DIR"] = str(workdir / "packages")
    install_file(
        build_package(
            workdir / "translate-zh_en-1_9.argosmodel", sentences, shape=ModelShape.base(), seed=1
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=["mac-dev"], choices=list(SETS))
    parser.add_argument("--docs", type=int, default=3, help="documents per set (default 3)")
    parser.add_argument("--sentences", type=int, default=200, help="WMT21 sentences (200)")
    args = parser.parse_args()

    from duiyi.align.aligner import Aligner
    from duiyi.align.run import local_aligner
    from duiyi.cluster import start_ray, stop_ray
    from duiyi.corpus.store import Store
    from duiyi.translate.engine import load_engine
    from duiyi.translate.run import local_drafter

    pairs = document_pairs(args.sets, args.docs)
    n_align = sum(len(s.sentences) + len(t.sentences) for s, t in pairs)
    wmt = lines_document(EVAL / "mt" / "wmt21" / "newstest2021.zh-en.src.zh", "zh")
    wmt.sentences = wmt.sentences[: args.sentences]
    overrides = {"min_decoding_length": LENGTH, "max_decoding_length": LENGTH}
    options = {"beam_size": 1, "decoding_overrides": overrides}
    work = Path(tempfile.mkdtemp(prefix="duiyi-scale-"))
    build_model(work, [s.text for s in wmt.sentences])
    translator = load_engine("argos", **options)

    def align_with(align_many):
        return [r for r in align_many(pairs)]

    def translate_with(drafter):
        return [d.text for _, stream in drafter([wmt]) for _, d in stream]

    print(
        f"work: align {len(pairs)} document pairs ({n_align} sentences, {', '.join(args.sets)}), "
        f"translate {len(wmt.sentences)} sentences (base-shape model, {LENGTH} tokens each)"
    )
    aligner = Aligner()
    aligner.align(["预热。"], ["Warm-up."])  # the encoder loads outside the timing, as on workers
    local_align, reference = timed(lambda: align_with(local_aligner(aligner)))
    local_translate, drafts = timed(lambda: translate_with(local_drafter(translator, None)))
    rows = [("local (this process)", 0.0, local_align, local_translate)]
    for workers in (1, 2):
        startup, runtime = timed(lambda w=workers: start_ray(None, workers=w))
        try:
            start_actors, many = timed(lambda r=runtime: r.aligner(aligner.config, "soft"))
            ready, _ = timed(runtime.worker_pids)
            t_align, results = timed(lambda m=many: align_with(m))
            assert [r.beads for r in results] == [r.beads for r in reference]
            runtime.close()
            drafter = runtime.drafter(translator, None, options)
            ready2, _ = timed(runtime.worker_pids)
            t_translate, ray_drafts = timed(lambda d=drafter: translate_with(d))
            assert ray_drafts == drafts
        finally:
            stop_ray(runtime)
        rows.append(
            (
                f"Ray, {workers} worker{'s' * (workers > 1)}",
                startup + ready + ready2,
                t_align,
                t_translate,
            )
        )

    print(
        f"\n{'run':<22} {'start-up s':>10} {'align s':>9} {'sents/s':>8} {'translate s':>11} {'sents/s':>8}"
    )
    for name, startup, t_align, t_tr in rows:
        print(
            f"{name:<22} {startup:>10.1f} {t_align:>9.1f} {n_align / t_align:>8.1f} "
            f"{t_tr:>11.1f} {len(wmt.sentences) / t_tr:>8.1f}"
        )
    local_total = rows[0][2] + rows[0][3]
    one, two = rows[1][2] + rows[1][3], rows[2][2] + rows[2][3]
    overhead = one / local_total - 1
    speedup = one / two

    # The driver alone writes the store: its beads per second bound a cluster's throughput.
    with Store.open(work / "bench.db") as store:
        doc = wmt
        beads = [Bead((i,), (), 0.5) for i in range(len(doc.sentences))]
        texts = ["A draft of the sentence, about as long as one."] * len(beads)
        written = 0
        start = time.perf_counter()
        for n in range(20):
            doc.path = f"doc{n}.txt"
            store.add_alignment(doc, beads, texts, origin="mt")
            written += len(beads)
        store_rate = written / (time.perf_counter() - start)
    print(f"\nstore writes on the driver: {store_rate:,.0f} beads/s")
    print(
        f"Ray overhead (1 worker vs local, work only): {overhead:+.1%}; "
        f"1 → 2 workers: {speedup:.2f}x (2 cores here)"
    )
    print(
        f"RESULT ray_overhead={overhead:.3f} speedup_2_workers={speedup:.2f} "
        f"store_beads_per_s={store_rate:.0f} align_sents_per_s_local={n_align / rows[0][2]:.1f}"
    )


if __name__ == "__main__":
    main()
