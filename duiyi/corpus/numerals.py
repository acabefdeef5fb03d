"""Roman numerals, as list numbers are written (a Word list's upperRoman items, "IV." in text)."""

from __future__ import annotations

_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
          (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))  # fmt: skip


def roman_numeral(n: int) -> str:
    """`n` (1 or more) in upper-case Roman numerals: 4 → IV, 1999 → MCMXCIX."""
    out = []
    for value, letters in _ROMAN:
        count, n = divmod(n, value)
        out.append(letters * count)
    return "".join(out)
