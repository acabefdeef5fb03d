"""The `.align` bead format of the gold sets: one bead per line, `[src ids]:[tgt ids]`, 0-based.

Examples: `[0,1]:[0]` (a 2-1 bead), `[5]:[]` (a source sentence with no counterpart). A system
file may carry a confidence after a tab (`[0]:[0]\t0.93`); readers of the gold format ignore it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path

from duiyi.atomic import atomic_write
from duiyi.corpus.model import Bead
from duiyi.errors import FormatError

_IDS = r"\s*(?:\d+\s*(?:,\s*\d+\s*)*)?"  # 0-based ids separated by commas: "0,1", "", "2, 3"
_SCORE = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_LINE = re.compile(rf"^\[({_IDS})\]\s*:\s*\[({_IDS})\](?:\s+({_SCORE}))?\s*$")


def _ids(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split(",") if x.strip())


def parse_align_line(line: str, where: str = "") -> Bead:
    """One `[src]:[tgt]` line → a Bead (score from an optional trailing field, else 0)."""
    match = _LINE.match(line.strip())
    if not match:
        raise FormatError(f"{where}: not an alignment bead like [0,1]:[0]: {line.strip()[:60]!r}")
    src, tgt, score = match.groups()
    value = float(score) if score else 0.0
    if not math.isfinite(value):  # 1e999
        raise FormatError(f"{where}: the score {score[:20]!r} is not a finite number")
    return Bead(_ids(src), _ids(tgt), value)


def read_align(path: str | Path) -> list[Bead]:
    """Beads of a `.align` file ("-": standard input); blank lines are skipped."""
    from duiyi.export.base import text_lines

    beads = []
    where = "stdin" if str(path) == "-" else path
    for number, line in text_lines(str(path), "an .align file"):
        if line.strip():
            beads.append(parse_align_line(line, f"{where}:{number}"))
    return beads


def format_bead(bead: Bead, with_score: bool = False) -> str:
    text = "[{}]:[{}]".format(",".join(map(str, bead.src)), ",".join(map(str, bead.tgt)))
    return f"{text}\t{bead.score:.4f}" if with_score else text


def write_align(beads: Iterable[Bead], path: str | Path | None, with_score: bool = False) -> None:
    """Write beads atomically (`None` or "-" = stdout); scores only if asked (gold stays plain)."""
    with atomic_write(path) as out:
        for bead in beads:
            out.write(format_bead(bead, with_score) + "\n")
