"""Sentence-boundary precision/recall of duiyi's splitter on the gold sets in ../shared/eval/align.

Each gold document is one sentence per line. The lines are joined back into running text
(Chinese with nothing between sentences, English with a space) and split again with
duiyi.corpus.split; a predicted boundary is right when it falls where a gold line ended. The
gold segmentation has its own conventions (a heading without a final mark is a sentence there),
so the figures are for comparing splitter versions, not an absolute verdict. Ends with a RESULT
line.

    python benchmarks/split_boundaries.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from duiyi.corpus.split import split_en, split_zh  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval" / "align"
SIDES = {  # set: ((folder, language), ...)
    "mac-dev": (("zh", "zh"), ("en", "en")),
    "aca": (("src", "en"), ("tgt", "zh")),
    "mag": (("src", "en"), ("tgt", "zh")),
    "bible-001": (("src", "en"), ("tgt", "zh")),
}


def boundaries(lines: list[str], lang: str) -> tuple[set[int], set[int]]:
    """(gold, predicted) boundary offsets in the joined text (the end of every sentence but the
    last one)."""
    joiner = "" if lang == "zh" else " "
    text, gold = "", set()
    for line in lines:
        if text:
            gold.add(len(text))
            text += joiner
        text += line.strip()
    splitter = split_zh if lang == "zh" else split_en
    predicted = {end for _start, end in splitter(text)[:-1]}
    return gold, predicted


def main() -> None:
    totals: dict[str, list[int]] = {"zh": [0, 0, 0], "en": [0, 0, 0]}  # hits, predicted, gold
    print(f"{'set':<10} {'lang':<4} {'precision':>9} {'recall':>7} {'F1':>6}")
    for name, sides in SIDES.items():
        folder = EVAL / name
        for sub, lang in sides:
            hits = pred_n = gold_n = 0
            for gold_file in sorted((folder / "gold").glob("*.align")):
                doc = gold_file.name.removesuffix(".align")
                lines = [
                    x
                    for x in (folder / sub / doc).read_text(encoding="utf-8").splitlines()
                    if x.strip()
                ]
                gold, predicted = boundaries(lines, lang)
                hits += len(gold & predicted)
                pred_n += len(predicted)
                gold_n += len(gold)
            p, r = hits / max(pred_n, 1), hits / max(gold_n, 1)
            print(f"{name:<10} {lang:<4} {p:>9.4f} {r:>7.4f} {2 * p * r / max(p + r, 1e-9):>6.4f}")
            totals[lang] = [
                a + b for a, b in zip(totals[lang], (hits, pred_n, gold_n), strict=True)
            ]
    parts = []
    for lang, (hits, pred_n, gold_n) in totals.items():
        p, r = hits / max(pred_n, 1), hits / max(gold_n, 1)
        parts.append(f"{lang}_boundary_p={p:.4f} {lang}_boundary_r={r:.4f}")
    print("RESULT " + " ".join(parts))


if __name__ == "__main__":
    main()
