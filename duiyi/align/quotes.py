"""Dialogue structure as an alignment cue: how many quotations open in a sentence.

Translators of fiction keep dialogue as dialogue: a bead whose Chinese side opens one quotation
(“…”) nearly always has an English side that opens one too ('…' or "…"). Counting openings,
not quote characters, keeps the cue stable when a quotation runs over several sentences and
its closing mark lands in another bead. Works for any pair of languages that mark quotations.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

# marks that only ever open a quotation
_OPENERS = "“‘「『«‹„"
# straight quotes open a quotation at the start of a text or after a space, a bracket, a dash
# or punctuation, when a non-space character follows ("'All right.'", 他说："走吧。")
_OPENING = re.compile(rf"[{_OPENERS}]|(?:^|(?<=[\s(\[{{—–\-:;,.!?：；，。！？、]))[\"'](?=\S)")


def quote_openings(text: str) -> int:
    """The number of quotations that open in `text`."""
    return len(_OPENING.findall(text))


def opening_counts(sentences: Sequence[str]) -> np.ndarray:
    return np.array([quote_openings(s) for s in sentences], dtype=np.float64)
