"""XLIFF pre-translation speed: duiyi vs translate-toolkit filling the same file, side by side.

Two measurements on one synthetic XLIFF 1.2 file (--units trans-units of Chinese sentences,
every tenth wrapped in a `<g>` code, none with a target):

- *Filling the targets* (parse, a draft into every unit, serialize), no translating:
  duiyi's `XliffJob` (target state, note, extradata; `<g>` copied around the draft) against
  translate-toolkit's `xlifffile` (`unit.target = draft`; it sets text only, so it does less).
- *The whole command with the gloss engine* (`duiyi translate job.xlf -o out.xlf --engine
  gloss --no-cache`) against the same sentences as a plain document (`duiyi translate
  job.txt`): what the XLIFF path adds to a translate run (MT itself is the same for both).

CPU seconds, best of --rounds; each command in its own process.

    python benchmarks/pretranslate.py [--units 20000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
ZH = [
    "今天天气很好，我们去公园散步吧。",
    "他说：“这本书很有意思！”",
    "价格是3.5元，包括税&运费。",
    "北京是中国的首都，也是文化中心。",
    "会议将于下周三上午十点举行。",
    "研究人员发现了一种新的蛋白质。",
]
DRAFT = "A draft of the sentence."


def write_job(folder: Path, units: int) -> tuple[Path, Path]:
    """job.xlf and job.txt (the same sentences, a paragraph each)."""
    rows, texts = [], []
    for i in range(units):
        text = ZH[i % len(ZH)]
        texts.append(text)
        source = escape(text) if i % 10 else f'<g id="1">{escape(text)}</g>'
        rows.append(f'      <trans-unit id="{i}"><source>{source}</source></trans-unit>')
    xlf, txt = folder / "job.xlf", folder / "job.txt"
    xlf.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">\n'
        '  <file original="job.docx" source-language="zh-CN" target-language="en-US" '
        'datatype="plaintext">\n    <body>\n' + "\n".join(rows) + "\n    </body>\n  </file>\n"
        "</xliff>\n",
        encoding="utf-8",
    )
    txt.write_text("\n\n".join(texts) + "\n", encoding="utf-8")
    return xlf, txt


def fill_duiyi(data: bytes) -> bytes:
    from duiyi.corpus.model import Pair
    from duiyi.export.xliff_units import XliffJob

    job = XliffJob("job.xlf", data)
    for unit in job.units:
        job.fill(unit, Pair(unit.source, DRAFT, 0.5, origin="mt", meta={"engine": "bench"}))
    return job.to_bytes()


def fill_ttk(data: bytes) -> bytes:
    from translate.storage import xliff

    store = xliff.xlifffile.parsestring(data)
    for unit in store.units:
        if unit.istranslatable():
            unit.target = DRAFT
    return bytes(store)


def best_cpu(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def command_cpu(args: list[str], rounds: int) -> float:
    """Best CPU seconds (user + system) of `duiyi ARGS` in a child process."""
    times = []
    for _ in range(rounds):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-m", "duiyi.cli", *args], check=True, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        xlf, txt = write_job(Path(tmp), args.units)
        data = xlf.read_bytes()
        print(f"{args.units:,} trans-units ({len(data) / 1e6:.1f} MB), best of {args.rounds}")
        fill_duiyi(data), fill_ttk(data)  # imports and first-call costs left out of both
        ours = best_cpu(lambda: fill_duiyi(data), args.rounds)
        peer = best_cpu(lambda: fill_ttk(data), args.rounds)
        print(f"fill the targets: duiyi {ours:.2f} CPU s, translate-toolkit {peer:.2f} CPU s "
              f"→ {peer / ours:.2f}x")  # fmt: skip
        gloss = ["--engine", "gloss", "--no-cache", "-q"]
        as_xliff = command_cpu(["translate", str(xlf), "-o", f"{tmp}/out.xlf", *gloss], args.rounds)
        as_text = command_cpu(["translate", str(txt), "-o", f"{tmp}/out.txt", *gloss], args.rounds)
        print(f"duiyi translate, gloss engine: XLIFF {as_xliff:.2f} CPU s, the same sentences "
              f"as a document {as_text:.2f} CPU s → the XLIFF path costs "
              f"{as_xliff / as_text:.2f}x")  # fmt: skip
    print(
        f"RESULT units={args.units} fill_vs_ttk={peer / ours:.2f} "
        f"xliff_vs_document={as_xliff / as_text:.2f}"
    )


if __name__ == "__main__":
    main()
