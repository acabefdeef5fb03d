"""Arguments and helpers shared by the commands that read documents (normalize, split; the
encoding option translate and align too)."""

from __future__ import annotations

import argparse
import re

from duiyi.commands._types import any_path, language_or_auto, text_encoding

# Literal copies so `--help` imports nothing heavy; tests check they match the library's.
CONVERSION_CHOICES = ("auto", "t2s", "tw2s", "hk2s", "tw2sp", "none")


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "inputs",
        nargs="+",
        type=any_path,
        metavar="FILE|DIR|-",
        help="documents (text, HTML, DOCX, ODT, EPUB, PDF), directories (read recursively), "
        "or - for stdin",
    )
    parser.add_argument(
        "--glob",
        default="*",
        help="which files to read inside directories, e.g. '*.txt' (default: all but hidden)",
    )
    parser.add_argument(
        "--follow-links",
        action="store_true",
        help="inside directories, follow symbolic links that lead out of them (default: skip)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_encoding_argument(parser)
    parser.add_argument(
        "--lang",
        metavar="TAG",
        type=language_or_auto,
        default="auto",
        help="the input's language tag (zh, en, fr, ru, zh-TW): Chinese rules for zh and ja, "
        "English ones for the others, the detected language's for und (default: auto, "
        "detected: zh, ja, en, ko, … or und)",
    )
    parser.add_argument(
        "--conversion",
        choices=CONVERSION_CHOICES,
        default="auto",
        help="OpenCC conversion to Simplified: auto (t2s for Traditional documents, nothing for "
        "Simplified), t2s, tw2s, hk2s, tw2sp (phrase-level: changes vocabulary), or none",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        type=any_path,
        help="write here (atomically) instead of stdout",
    )


def add_encoding_argument(
    parser, option: str = "--encoding", whose: str = "text and HTML files are",
    declared: str = "DOCX, ODT, EPUB, PDF",
) -> None:  # fmt: skip
    """The option naming the encoding of the text read (default auto: detected)."""
    parser.add_argument(
        option, metavar="NAME", type=text_encoding, default="auto",
        help=f"{whose} in this encoding (utf-8, gb18030, big5, euc-kr, shift-jis, cp1252, …: "
        "any Python knows), decoded strictly: a byte not valid in it is an error (default: "
        f"auto, detected per file; {declared} declare their own)",
    )  # fmt: skip


def plural(n: int, noun: str) -> str:
    """A count and its noun for summaries: `1 document`, `2 documents`."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


# every line boundary str.splitlines knows (a form feed between PDF pages, U+2028 too)
_LINE_ENDS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_BREAK = re.compile(rf"[^\S{_LINE_ENDS}]*[{_LINE_ENDS}]+\s*")
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def one_line(text: str) -> str:
    """A sentence on one line: a line break vanishes between CJK characters, else is a space."""

    def join(match: re.Match) -> str:
        before = text[match.start() - 1 : match.start()]
        after = text[match.end() : match.end() + 1]
        return "" if _CJK.match(before) and _CJK.match(after) else " "

    return _BREAK.sub(join, text)
