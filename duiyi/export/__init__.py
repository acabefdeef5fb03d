"""Writers (TMX, XCES/OPUS XML, Moses, TSV, JSONL, XLIFF) and readers of parallel pairs.

    from duiyi.export import write_pairs, read_pairs
    n = write_pairs(pairs, "memory.tmx")            # format from the extension
    n = write_pairs(pairs, "-", "jsonl")            # stdout
    n = write_pairs(pairs, io.StringIO(), "tmx")    # into a file object, text or binary
    for pair in read_pairs("memory.tmx"): ...       # streaming

The registry below is the one list of formats: each class declares its name, extensions,
whether it writes several files and whether duiyi reads it; the CLI's choices come from here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import PurePath

from duiyi.corpus.model import Pair
from duiyi.corpus.read import encoding_name
from duiyi.errors import FormatError

from .base import Output, PairFormat, PairReader, is_file_object
from .jsonl import JsonlFormat
from .moses import MosesFormat
from .tmx import TmxFormat
from .tsv import TsvFormat
from .xces import XcesFormat
from .xliff import Xliff2Format, XliffFormat

# Order matters where extensions are shared: .xlf names XLIFF 1.2.
FORMATS: dict[str, type[PairFormat]] = {
    cls.name: cls
    for cls in (
        TmxFormat, XcesFormat, MosesFormat, TsvFormat, JsonlFormat, XliffFormat, Xliff2Format
    )
}  # fmt: skip


def format_names(*, readable: bool | None = None) -> tuple[str, ...]:
    """The registered formats' names (only those duiyi can read, with readable=True)."""
    return tuple(n for n, cls in FORMATS.items() if readable is None or cls.readable == readable)


def format_extension(name: str) -> str:
    """The extension files of format `name` get (".tmx")."""
    return FORMATS[name].extensions[0]


def get_format(name: str, **options) -> PairFormat:
    """The format registered as `name`, with its options (Moses: tokenized=True)."""
    if name not in FORMATS:
        raise FormatError(f"unknown format {name!r}: use one of {', '.join(FORMATS)}")
    return FORMATS[name](**options)


def format_for_path(path: str | None) -> str:
    """The format an output or input path names by its extension."""
    if path is None or path == "-":
        raise FormatError(f"writing to stdout: name the format with -f {'|'.join(FORMATS)}")
    suffix = PurePath(path).suffix.lower()
    for name, cls in FORMATS.items():
        if suffix in cls.extensions:
            return name
    known = ", ".join(dict.fromkeys(ext for cls in FORMATS.values() for ext in cls.extensions))
    raise FormatError(
        f"cannot tell the format of {path!r} from its extension: "
        f"use {known} or name the format (-f {'|'.join(FORMATS)})"
    )


def without_gloss(pairs: Iterable[Pair]) -> Iterable[Pair]:
    """`pairs` less the gloss drafts (word-by-word dictionary glosses, not translations): the
    one rule that keeps them out of exports unless asked for."""
    return (p for p in pairs if p.origin != "gloss")


def write_pairs(
    pairs: Iterable[Pair],
    path: Output,
    fmt: str | None = None,
    *,
    src_lang: str | None = None,
    tgt_lang: str | None = None,
    signature: str = "",
    include_gloss: bool = False,
    **options,
) -> int:
    """Write `pairs` to `path` (None or "-": stdout) in `fmt` (None: from the extension).

    Streaming and atomic: an existing file is replaced only once everything is written.
    `path` may also be a file object, text (`io.StringIO`, a file opened with "w") or binary
    (`io.BytesIO`), which is written into (UTF-8) and left open; `fmt` then names the format,
    unless the object is an open file whose name has the format's extension. Formats that
    write several files (Moses, XCES) need a path.
    Gloss pairs (origin "gloss", word-by-word dictionary drafts) are left out unless
    `include_gloss` or the format holds work still to do (XLIFF, `keeps_gloss`): a CAT tool or
    a training run would take them for translations. Returns the pairs written.
    `src_lang`/`tgt_lang` tag the units (default zh-CN, en-US); where not given, a pair with
    tags of its own (`Pair.src_lang`: a stored pair from a file that mixed zh-CN and zh-TW
    units) keeps them in TMX and JSONL.
    """
    if fmt is None and is_file_object(path):
        name = getattr(path, "name", None)
        if not isinstance(name, str) or name.startswith("<"):  # sys.stdout: "<stdout>"
            raise FormatError(
                f"writing to a file object: name the format (fmt=) of {', '.join(FORMATS)}"
            )
        fmt = format_for_path(name)
    writer = get_format(fmt or format_for_path(path), **options)
    if not include_gloss and not writer.keeps_gloss:
        pairs = without_gloss(pairs)
    return writer.write(
        without_own_tags(pairs, src_lang is not None, tgt_lang is not None),
        path,
        src_lang=src_lang or "zh-CN",
        tgt_lang=tgt_lang or "en-US",
        signature=signature,
    )


def without_own_tags(pairs: Iterable[Pair], src: bool, tgt: bool) -> Iterable[Pair]:
    """`pairs` without their own language tags on the sides `src`/`tgt` (tags asked for
    win over a pair's own), copies of those that have some."""
    if not (src or tgt):
        return pairs
    return (
        dataclasses.replace(
            p, src_lang="" if src else p.src_lang, tgt_lang="" if tgt else p.tgt_lang
        )
        if p.src_lang or p.tgt_lang
        else p
        for p in pairs
    )


def reading_format(path: str, fmt: str | None = None, encoding: str | None = None) -> PairFormat:
    """The format that reads `path` (`fmt`, None: from the extension), for a TSV or Moses file
    with its `encoding` (None or "auto": detected); FormatError where another format is
    given one: JSON Lines are UTF-8 (RFC 8259), an XML file declares its own."""
    name = fmt or format_for_path(path)
    pair_format = get_format(name)
    if encoding in (None, "auto") or (
        name == "jsonl" and encoding_name(encoding) in ("utf-8", "utf-8-sig")
    ):
        return pair_format
    if pair_format.text_encoding:
        return get_format(name, encoding=encoding)
    why = "JSON Lines are UTF-8 (RFC 8259)" if name == "jsonl" else "XML declares its own encoding"
    raise FormatError(f"{path}: {why}; --encoding is for TSV and Moses files")


def read_pairs(
    path: str,
    fmt: str | None = None,
    *,
    src_lang: str | None = None,
    tgt_lang: str | None = None,
    encoding: str | None = None,
) -> PairReader:
    """The pairs of a file in `fmt` (None: from the extension), streamed; `encoding`: a TSV or
    Moses file's (None: detected, see `reading_format`)."""
    reader = reading_format(path, fmt, encoding)
    return reader.read(path, src_lang=src_lang, tgt_lang=tgt_lang)


__all__ = [
    "FORMATS",
    "PairFormat",
    "PairReader",
    "format_extension",
    "format_for_path",
    "format_names",
    "get_format",
    "read_pairs",
    "reading_format",
    "without_gloss",
    "without_own_tags",
    "write_pairs",
]
