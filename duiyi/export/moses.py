"""Moses plain text: two line-aligned files, one segment per line, nothing else.

`-o out.moses` (or the prefix `out`) writes `out.zh` and `out.en` (the languages' primary
subtags). Line breaks inside a segment (any of Python's `str.splitlines` separators) become
one space, so line N of one file always translates line N of the other. `tokenized=True`
also writes `out.tok.zh` (jieba) and `out.tok.en` (sacremoses), space-separated tokens.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from duiyi.atomic import atomic_write
from duiyi.corpus.model import Pair, primary_subtag
from duiyi.corpus.read import encoding_name
from duiyi.errors import FormatError

from .base import Output, PairFormat, count_lines, file_languages, text_lines

# Every character str.splitlines() breaks on: a Moses line must hold none of them.
_LINE_BREAKS = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")


def one_line(text: str) -> str:
    """`text` with every run of line-break characters turned into one space."""
    return _LINE_BREAKS.sub(" ", text)


def moses_paths(
    path: str, src_lang: str, tgt_lang: str, tokenized: bool = False
) -> tuple[Path, Path]:
    """The two files a Moses prefix names: `out.moses` → out.zh, out.en (zh-CN → zh-TW:
    out.zh_CN, out.zh_TW)."""
    prefix = Path(path)
    if prefix.suffix.lower() == ".moses":
        prefix = prefix.with_suffix("")
    tok = ".tok" if tokenized else ""
    src, tgt = file_languages(src_lang, tgt_lang)
    return prefix.with_name(f"{prefix.name}{tok}.{src}"), prefix.with_name(
        f"{prefix.name}{tok}.{tgt}"
    )


class MosesFormat(PairFormat):
    name = "moses"
    extensions = (".moses",)
    multi_file = True
    keeps_line_breaks = False
    keeps_metadata = False

    text_encoding = True

    def __init__(self, tokenized: bool = False, *, encoding: str | None = None):
        self.tokenized = tokenized
        self.encoding = encoding_name(encoding)

    def write(
        self,
        pairs: Iterable[Pair],
        path: Output,
        *,
        src_lang: str = "zh-CN",
        tgt_lang: str = "en-US",
        signature: str = "",
    ) -> int:
        src_path, tgt_path = moses_paths(self.require_path(path), src_lang, tgt_lang)
        tokenizers = _tokenizers(src_lang, tgt_lang) if self.tokenized else None
        n = 0
        with contextlib.ExitStack() as stack:
            src_out = stack.enter_context(atomic_write(src_path))
            tgt_out = stack.enter_context(atomic_write(tgt_path))
            if tokenizers:
                tok_src_path, tok_tgt_path = moses_paths(path, src_lang, tgt_lang, tokenized=True)
                tok_src = stack.enter_context(atomic_write(tok_src_path))
                tok_tgt = stack.enter_context(atomic_write(tok_tgt_path))
            for pair in pairs:
                src, tgt = one_line(pair.src), one_line(pair.tgt)
                src_out.write(_encodable(src) + "\n")
                tgt_out.write(_encodable(tgt) + "\n")
                if tokenizers:
                    tok_src.write(_encodable(" ".join(tokenizers[0](src)).strip()) + "\n")
                    tok_tgt.write(_encodable(" ".join(tokenizers[1](tgt)).strip()) + "\n")
                n += 1
        return n

    def output_files(
        self, path: str, *, src_lang: str = "zh-CN", tgt_lang: str = "en-US"
    ) -> list[str]:
        files = moses_paths(path, src_lang, tgt_lang)
        if self.tokenized:
            files += moses_paths(path, src_lang, tgt_lang, tokenized=True)
        return [str(p) for p in files]

    def input_files(self, path: str, *, src_lang: str = "zh", tgt_lang: str = "en") -> list[str]:
        return [str(p) for p in moses_paths(_prefix(path, src_lang, tgt_lang), src_lang, tgt_lang)]

    def read_pairs(
        self, path: str, *, src_lang: str | None = None, tgt_lang: str | None = None
    ) -> Iterator[Pair]:
        src_lang, tgt_lang = src_lang or "zh", tgt_lang or "en"
        src_path, tgt_path = moses_paths(_prefix(path, src_lang, tgt_lang), src_lang, tgt_lang)
        # Counted before the first pair: line N of one file translates line N of the other,
        # so a missing line shifts every pair after it.
        read = {"encoding": self.encoding, "named": self.encoding is not None}
        counts = count_lines(str(src_path), **read), count_lines(str(tgt_path), **read)
        if counts[0] != counts[1]:
            raise FormatError(
                f"{src_path} has {counts[0]} lines but {tgt_path} has {counts[1]}: Moses files "
                "pair line N with line N, so both must have as many lines"
            )
        lines = zip(
            text_lines(str(src_path), "text", **read),
            text_lines(str(tgt_path), "text", **read),
            strict=True,
        )
        for (number, src), (_, tgt) in lines:
            yield Pair(src=src, tgt=tgt, origin="human", id=str(number))


def _prefix(path: str, src_lang: str, tgt_lang: str) -> str:
    """The prefix to read: `x.zh` or `x.en` (either file of the pair, as a user names it)
    stands for `x` where that file exists."""
    langs = tuple(f".{lang}".lower() for lang in file_languages(src_lang, tgt_lang))
    if Path(path).suffix.lower() in langs and Path(path).is_file():
        return str(Path(path).with_suffix(""))
    return path


def _encodable(text: str) -> str:
    """Lone surrogates (undecodable input) written as \\udcxx escapes rather than a crash."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _tokenizers(src_lang: str, tgt_lang: str):
    try:
        from duiyi.corpus.tokenize import tokenize_en, tokenize_zh
    except ImportError as exc:  # the tokenize module lands with the corpus pipeline
        raise FormatError("tokenized Moses output needs duiyi.corpus.tokenize") from exc
    by_lang = {"zh": tokenize_zh, "en": tokenize_en}
    return (
        by_lang.get(primary_subtag(src_lang), str.split),
        by_lang.get(primary_subtag(tgt_lang), str.split),
    )
