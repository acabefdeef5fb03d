"""Writers (TMX, XCES/OPUS XML, Moses, TSV, JSONL, XLIFF) and readers of parallel pairs.

    from duiyi.export import write_pairs, read_pairs
    n = write_pairs(pairs, "memory.tmx")            # format from the extension
    n = write_pairs(pairs, "-", "jsonl")            # stdout
    for pair in read_pairs("memory.tmx"): ...       # streaming

Formats are registered by dotted name and imported on first use (`--help` stays fast).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from pathlib import PurePath

from duiyi.corpus.model import Pair
from duiyi.errors import FormatError

from .base import PairFormat

FORMATS: dict[str, str] = {
    "tmx": "duiyi.export.tmx:TmxFormat",
    "xces": "duiyi.export.xces:XcesFormat",
    "moses": "duiyi.export.moses:MosesFormat",
    "tsv": "duiyi.export.tsv:TsvFormat",
    "jsonl": "duiyi.export.jsonl:JsonlFormat",
    "xliff": "duiyi.export.xliff:XliffFormat",
    "xliff2": "duiyi.export.xliff:Xliff2Format",
}
EXTENSIONS: dict[str, str] = {
    ".tmx": "tmx",
    ".xml": "xces",
    ".moses": "moses",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".xlf": "xliff",
    ".xliff": "xliff",
}


def get_format(name: str) -> PairFormat:
    """The format registered as `name` ("tmx", "xces", "moses", "tsv", "jsonl")."""
    if name not in FORMATS:
        raise FormatError(f"unknown format {name!r}: use one of {', '.join(FORMATS)}")
    module, cls = FORMATS[name].split(":")
    return getattr(importlib.import_module(module), cls)()


def format_for_path(path: str | None) -> str:
    """The format an output or input path names by its extension."""
    if path is None or path == "-":
        raise FormatError(f"writing to stdout: name the format with -f {'|'.join(FORMATS)}")
    suffix = PurePath(path).suffix.lower()
    if suffix not in EXTENSIONS:
        raise FormatError(
            f"cannot tell the format of {path!r} from its extension: "
            f"use {', '.join(EXTENSIONS)} or name the format (-f {'|'.join(FORMATS)})"
        )
    return EXTENSIONS[suffix]


def write_pairs(
    pairs: Iterable[Pair],
    path: str | None,
    fmt: str | None = None,
    *,
    src_lang: str = "zh-CN",
    tgt_lang: str = "en-US",
    signature: str = "",
    include_gloss: bool = False,
) -> int:
    """Write `pairs` to `path` (None or "-": stdout) in `fmt` (None: from the extension).

    Streaming and atomic: an existing file is replaced only once everything is written.
    Gloss pairs (origin "gloss", word-by-word dictionary drafts) are left out of TMX unless
    `include_gloss`: a CAT tool would offer them as real matches. Returns the pairs written.
    """
    name = fmt or format_for_path(path)
    writer = get_format(name)
    if name == "tmx" and not include_gloss:
        pairs = (p for p in pairs if p.origin != "gloss")
    return writer.write(pairs, path, src_lang=src_lang, tgt_lang=tgt_lang, signature=signature)


def read_pairs(
    path: str, fmt: str | None = None, *, src_lang: str | None = None, tgt_lang: str | None = None
) -> Iterator[Pair]:
    """Stream the pairs of a file in `fmt` (None: from the extension)."""
    return get_format(fmt or format_for_path(path)).read(path, src_lang=src_lang, tgt_lang=tgt_lang)


__all__ = ["FORMATS", "PairFormat", "format_for_path", "get_format", "read_pairs", "write_pairs"]
