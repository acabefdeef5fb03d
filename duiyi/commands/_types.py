"""The types of option values (argparse `type=`): each checks a value as the command line is
parsed, so that a bad one is a usage error (one line, exit 2: see `duiyi.cli`) before any
work starts. They import nothing heavy: `--help` stays fast.
"""

from __future__ import annotations

import argparse
import math
import re
from pathlib import Path

from duiyi.corpus.model import language_tag_problem

# The largest values the libraries take: a count reaches CTranslate2 as a C int (a larger one
# failed as the model loaded, blamed on the model); a timeout, a socket's (1e23 seconds: an
# internal error, OverflowError).
MAX_WHOLE = 2**31 - 1
MAX_SECONDS = 10**9  # about 32 years


def _too_large(text: str, most: float) -> argparse.ArgumentTypeError:
    return argparse.ArgumentTypeError(f"{text!r} is too large (at most {most:,})")


def _whole(text: str, low: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < low:
        raise argparse.ArgumentTypeError(f"must be a whole number {low} or more, not {text!r}")
    if value > MAX_WHOLE:
        raise _too_large(text, MAX_WHOLE)
    return value


def positive_int(text: str) -> int:
    """A whole number of 1 or more (a beam size, a thread count)."""
    return _whole(text, 1)


def count(text: str) -> int:
    """A whole number of 0 or more."""
    return _whole(text, 0)


def _number(text: str) -> float:
    """`text` as a number; NaN (which no bound lets through) for one that is none."""
    try:
        return float(text)
    except ValueError:
        return math.nan


def positive_number(text: str) -> float:
    """A number above 0 (seconds of a timeout)."""
    value = _number(text)
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a number above 0, not {text!r}")
    if value > MAX_SECONDS:
        raise _too_large(text, MAX_SECONDS)
    return value


def bounded_number(option: str):
    """A number within the bounds the export job checks for the filter `option`."""

    def parse(text: str) -> float:
        from duiyi.export.exports import bound_problem

        value = _number(text)
        if problem := bound_problem(option, value, repr(text)):
            raise argparse.ArgumentTypeError(problem)
        return value

    return parse


def names(allowed: tuple[str, ...]):
    """A comma-separated list of some of `allowed` (`--status approved,pending`)."""

    def parse(value: str) -> list[str]:
        given = [v.strip() for v in value.split(",") if v.strip()]
        for name in given:
            if name not in allowed:
                raise argparse.ArgumentTypeError(f"{name!r} is not one of {', '.join(allowed)}")
        return given

    return parse


def _unless(problem: str | None, text: str) -> str:
    """`text`, unless a check found a `problem` with it (the usage error's message)."""
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text


def language_tag(text: str) -> str:
    """A language tag (zh, zh-TW, en_US, zh-Hant-TW)."""
    return _unless(language_tag_problem(text), text)


def language_or_auto(text: str) -> str | None:
    """A language tag, or auto (None: detected)."""
    return None if text == "auto" else language_tag(text)


def text_encoding(text: str) -> str | None:
    """A text encoding Python knows (utf-8, gb18030, big5, euc-kr, shift-jis), or auto (None:
    detected)."""
    if text == "auto":
        return None
    from duiyi.corpus.read import encoding_problem

    return _unless(encoding_problem(text), text)


def port(text: str) -> int:
    """A TCP port to listen on (0: a free one)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(
            f"use a port between 1 and 65535 (0: a free one), not {text!r}"
        )
    return value


def loopback_host(text: str) -> str:
    """An address of this machine only (the review app has no login)."""
    from duiyi.review.security import loopback_problem

    return _unless(loopback_problem(text), text)


def sha256(text: str) -> str:
    """A SHA-256 digest: 64 hexadecimal digits."""
    if not re.fullmatch(r"[0-9A-Fa-f]{64}", text):
        raise argparse.ArgumentTypeError(f"a SHA-256 is 64 hexadecimal digits, not {text!r}")
    return text


def model_name(text: str) -> str:
    """A name for an installed model (its folder's)."""
    from duiyi.translate.llm_models import name_problem

    return _unless(name_problem(text), text)


def any_path(text: str) -> str:
    """A path (of a file, a folder, a store): not empty, which `Path` would read as the current
    folder."""
    return _unless(None if text else "an empty path (the current folder is .)", text)


def any_name(text: str) -> str:
    """A name or address (a model's, a reviewer's, a Ray cluster's): not empty, which would
    otherwise mean the default."""
    return _unless(None if text else "an empty name", text)


def existing_file(text: str) -> str:
    """The path of a file that exists, or of a pipe (`--glossary <(…)`): no folder."""
    given = Path(any_path(text))
    if given.is_dir() or not given.exists():
        what = "a folder, not a file" if given.is_dir() else "no such file"
        raise argparse.ArgumentTypeError(f"{text}: {what}")
    return text


def existing_folder(text: str) -> str:
    """The path of a folder that exists."""
    if not Path(any_path(text)).is_dir():
        what = "not a folder" if Path(text).exists() else "no such folder"
        raise argparse.ArgumentTypeError(f"{text}: {what}")
    return text
