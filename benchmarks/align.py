"""Alignment quality and speed on the gold sets in ../shared/eval/align, next to published figures.

Runs duiyi's e5-DP aligner and, in the same run, a length-only Gale-Church-style baseline of our
own (same DP, length score only) as the in-run reference. Prints strict/lax F1 per set and
sentences per second (source + target sentences, embeddings included, cold cache unless
--cache is given), and ends with one RESULT line.

    python benchmarks/align.py [--sets mac-dev aca] [--cache /tmp/emb.sqlite] [--threads 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from duiyi.align.aligner import AlignConfig, Aligner  # noqa: E402
from duiyi.align.alignfile import read_align  # noqa: E402
from duiyi.align.embed import EmbeddingCache, SpanEncoder  # noqa: E402
from duiyi.align.evaluate import AlignScore  # noqa: E402
from duiyi.testing.gale_church import length_only_align  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval" / "align"
SETS = {  # name: (source folder, target folder)
    "mac-dev": ("zh", "en"),
    "aca": ("src", "tgt"),
    "mag": ("src", "tgt"),
    "bible-001": ("src", "tgt"),
}
# Published strict F1 (bertalign README / aligner-eval); lax in parentheses where published.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    parser.add_argument("--docs", type=int, default=None, help="first N documents of each set")
    parser.add_argument("--cache", help="SQLite embedding cache (default: none, a cold run)")
    parser.add_argument("--threads", type=int, default=None, help="encoder threads")
    args = parser.parse_args()

    cache = EmbeddingCache(args.cache) if args.cache else None
    aligner = Aligner(SpanEncoder(cache, num_threads=args.threads), AlignConfig())
    rows, results = [], {}
    total_sents, total_time, total_encoded = 0, 0.0, 0
    pooled_nonlit, pooled_nonlit_gc = AlignScore(), AlignScore()
    for name in args.sets:
        score, gc_score = AlignScore(), AlignScore()
        sents, seconds, gc_seconds = 0, 0.0, 0.0
        for _doc, src, tgt, gold in documents(name, args.docs):
            start = time.perf_counter()
            result = aligner.align(src, tgt)
            seconds += time.perf_counter() - start
            total_encoded += result.encoded
            start = time.perf_counter()
            gc_beads = length_only_align(src, tgt)
            gc_seconds += time.perf_counter() - start
            score.add(gold, result.beads)
            gc_score.add(gold, gc_beads)
            if name in ("aca", "mag"):
                pooled_nonlit.add(gold, result.beads)
                pooled_nonlit_gc.add(gold, gc_beads)
            sents += len(src) + len(tgt)
        print(f"{name}: {sents} sentences in {seconds:.1f} s", file=sys.stderr, flush=True)
        total_sents += sents
        total_time += seconds
        results[name] = score
        rows.append(
            (
                name,
                score.strict()[2],
                score.lax()[2],
                gc_score.strict()[2],
                gc_score.lax()[2],
                sents / seconds if seconds else 0.0,
            )
        )
    print(
        f"{'set':<10} {'strict F1':>9} {'lax F1':>7} {'GC strict':>9} {'GC lax':>7} "
        f"{'ratio':>6} {'sents/s':>8}"
    )
    for name, sf, lf, gsf, glf, speed in rows:
        ratio = sf / gsf if gsf else float("inf")
        print(
            f"{name:<10} {sf:>9.4f} {lf:>7.4f} {gsf:>9.4f} {glf:>7.4f} {ratio:>6.2f} {speed:>8.1f}"
        )
    if pooled_nonlit.documents:
        sf, gsf = pooled_nonlit.strict()[2], pooled_nonlit_gc.strict()[2]
        print(
            f"{'nonlit':<10} {sf:>9.4f} {pooled_nonlit.lax()[2]:>7.4f} {gsf:>9.4f} "
            f"{pooled_nonlit_gc.lax()[2]:>7.4f} {sf / gsf if gsf else 0:>6.2f}"
        )
    print("published strict F1, mac-dev:", PUBLISHED["mac-dev"])
    print("published strict F1, aca+pol+mag:", PUBLISHED["nonlit"])
    speed = total_sents / total_time if total_time else 0.0
    encoder = aligner.encoder
    share = 100 * encoder.seconds / total_time if total_time else 0.0
    print(
        f"{total_sents} sentences (source + target) in {total_time:.1f} s; {total_encoded} texts "
        f"encoded (sentences and joined spans not already cached) in {encoder.seconds:.1f} s "
        f"= {share:.0f}% of the time; "
        + (f"embedding cache {args.cache}" if args.cache else "no embedding cache (cold)")
    )

    def f1(name: str, kind: str = "strict") -> str:
        if name not in results:
            return "nan"
        return f"{getattr(results[name], kind)()[2]:.4f}"

    nonlit = f"{pooled_nonlit.strict()[2]:.4f}" if pooled_nonlit.documents else "nan"
    print(
        f"RESULT mac_dev_strict_f1={f1('mac-dev')} mac_dev_lax_f1={f1('mac-dev', 'lax')} "
        f"nonlit_strict_f1={nonlit} bible_strict_f1={f1('bible-001')} sents_per_s={speed:.1f}"
    )


if __name__ == "__main__":
    main()
