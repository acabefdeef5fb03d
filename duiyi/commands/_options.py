"""Options whose value may be left out (`--rescore [MODEL]`, `--ray [ADDRESS]`), wherever they
stand on the command line.

argparse gives such an option the next word whenever there is one, so `duiyi align --rescore
src.txt tgt.txt` would take src.txt for the model and then miss TGT. `add_optional_value`
declares the option with a test of what its value can be (a model, an address); `parse_args`
reads the command line as argparse does, except where a word such an option took fails that
test and the line parses with the word left to the positionals: `--rescore src.txt tgt.txt`
is `--rescore` and two files, `--ray a.txt b.txt` is `--ray` and two files, while
`--rescore no-such-model src.txt tgt.txt` keeps its value (and is told it is not a model).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from collections.abc import Callable, Sequence

# option string → (its value when given alone, the test of a value); the same option means the
# same thing in every command that has it
_OPTIONAL_VALUES: dict[str, tuple[str, Callable[[str], bool]]] = {}


def add_optional_value(
    container, option: str, *, const: str, is_value: Callable[[str], bool], **kwargs
) -> argparse.Action:
    """`container.add_argument(option, nargs="?", const=const, …)`, whose value, when the word
    after it fails `is_value`, may be a positional argument instead (see `parse_args`)."""
    _OPTIONAL_VALUES[option] = (const, is_value)
    return container.add_argument(option, nargs="?", const=const, **kwargs)


def parse_args(parser: argparse.ArgumentParser, argv: Sequence[str] | None = None):
    """`parser.parse_args(argv)`, but a word an optional-value option would take that is not a
    value of it goes to the positionals, if the command line then parses."""
    argv = list(sys.argv[1:] if argv is None else argv)
    detached = _detach_values(argv)
    if detached != argv:
        with contextlib.redirect_stderr(io.StringIO()):  # its usage error is not the user's
            try:
                return parser.parse_args(detached)
            except SystemExit as exc:
                if exc.code == 0:  # --help, --version: done
                    raise
    return parser.parse_args(argv)


def _detach_values(argv: list[str]) -> list[str]:
    """`argv` with each `--option WORD` whose WORD is not a value of it as `--option=CONST`."""
    out = list(argv)
    for n, (word, following) in enumerate(zip(argv, argv[1:], strict=False)):
        if word == "--":  # the rest are positionals
            break
        if word not in _OPTIONAL_VALUES or (following.startswith("-") and following != "-"):
            continue
        const, is_value = _OPTIONAL_VALUES[word]
        if not is_value(following):
            out[n] = f"{word}={const}"
    return out
