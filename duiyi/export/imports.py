"""Importing pair files (any CAT tool's TMX, or duiyi's own formats) into a corpus store.

from duiyi.export.imports import import_files
with Store.open("corpus.db") as store:
    for result in import_files(["memory.tmx"], store): print(result.pairs, result.skipped)
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import operator
import os
import pickle
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from duiyi.atomic import protect_inputs
from duiyi.corpus.model import Pair, is_language_tag, lang_tag
from duiyi.corpus.read import input_list
from duiyi.errors import InputError, OutputError
from duiyi.export import reading_format
from duiyi.export.base import PairFormat, PairReader, check_language_tag


@dataclass
class ImportResult:
    """What `import_files` did with one file: `path`; `pairs`, the pairs it brought (new or
    kept), grouped into `documents`; `skipped`, its units that were no pair in the languages
    asked for, `src` and `tgt`.

    `matched` (None but for an XLIFF put back onto the stored sentences,
    `Store.apply_translations`): units that "matched" a stored sentence, and of those how
    many changed its target ("edited" over a draft, "human" over a gloss or none),
    "approved" it or left it "unchanged".

    A file imported again (see `Store.add_pairs`): `added`, its pairs new
    to the store; `kept`, those kept as stored (their review with them); `removed`, the
    earlier pairs it no longer holds.
    """

    path: str
    pairs: int
    documents: int
    skipped: int
    src: str
    tgt: str
    matched: dict[str, int] | None = None
    added: int = 0
    kept: int = 0
    removed: int = 0


def check_inputs(
    paths: str | os.PathLike | Iterable[str | os.PathLike],
    fmt: str | None = None,
    src_lang: str = "zh",
    tgt_lang: str = "en",
    encoding: str | None = None,
) -> None:
    """Refuse missing files, folders, unknown formats and language tags, and an `encoding`
    for a format with its own, before the store is touched."""
    check_language_tag(src_lang, "--src-lang")
    check_language_tag(tgt_lang, "--tgt-lang")
    for path in input_list(paths):
        if path == "-":
            raise InputError(
                "- (standard input): import reads files (a TMX is read twice), "
                "save the pairs to a file and name it"
            )
        if Path(path).is_dir():
            raise InputError(f"{path}: not a file (give the TMX file itself)")
        reader = reading_format(path, fmt, encoding)
        for file in reader.input_files(path, src_lang=src_lang, tgt_lang=tgt_lang):
            if not Path(file).exists():
                raise InputError(f"{file}: no such file")
            if not Path(file).is_file():
                raise InputError(f"{file}: not a file (give the TMX file itself)")
            protect_inputs([file])


def import_files(
    paths: str | os.PathLike | Iterable[str | os.PathLike],
    store,
    *,
    fmt: str | None = None,
    src_lang: str = "zh",
    tgt_lang: str = "en",
    origin: str | None = None,
    encoding: str | None = None,
) -> list[ImportResult]:
    """Add the pairs of each file to `store`, in one transaction: if any file fails, none of
    them is added. `paths`: paths, or one. A file imported before (by any spelling of its
    path) replaces what it brought, keeping the review of the pairs it still holds
    (`Store.add_pairs`). `encoding`: TSV and Moses files' (gb18030, big5, …), decoded
    strictly; None: each one's detected from its first 256 KB (`reading_format`).

    Every file is read first, its pairs parked in a temporary file (memory stays flat; one
    for all the files, so that thousands of them open no more files than one), and only then
    is the store locked for writing: a review of the same store waits for the writing alone,
    not for the reading too."""
    paths = input_list(paths)
    check_inputs(paths, fmt, src_lang, tgt_lang, encoding)
    try:
        parked = tempfile.TemporaryFile()  # noqa: SIM115 (closed by _discard)
    except OSError as exc:
        raise _parking_error(exc) from exc
    try:
        read = [
            _read_file(path, reading_format(path, fmt, encoding), parked, src_lang, tgt_lang)
            for path in paths
        ]
        with store.transaction():
            return [_import_file(file, store, origin=origin) for file in read]
    finally:
        _discard(parked)


@dataclass
class _ReadFile:
    """One file read before the store is locked: its pairs parked, what its reader learned."""

    path: str
    pair_format: PairFormat
    reader: PairReader
    pairs: _ParkedPairs
    checksum: str
    src_lang: str
    tgt_lang: str


def _read_file(
    path: str, pair_format: PairFormat, parked: IO[bytes], src_lang: str, tgt_lang: str
) -> _ReadFile:
    reader = pair_format.read(path, src_lang=src_lang, tgt_lang=tgt_lang)
    pairs = _ParkedPairs(parked)
    pairs.park(reader)
    files = pair_format.input_files(path, src_lang=src_lang, tgt_lang=tgt_lang)
    return _ReadFile(path, pair_format, reader, pairs, _sha256(files), src_lang, tgt_lang)


def _import_file(file: _ReadFile, store, *, origin: str | None) -> ImportResult:
    reader, src_lang, tgt_lang = file.reader, file.src_lang, file.tgt_lang
    matched = None
    pairs: Iterable[Pair] = file.pairs
    if file.pair_format.updates_store:  # an XLIFF we wrote: its targets onto our sentences
        matched, pairs = store.apply_translations(pairs, reviewer=f"xliff:{file.path}")
    tally: Counter = Counter()
    srcs, tgts = reader.languages(src_lang, tgt_lang)
    mixed = len(srcs) > 1 or len(tgts) > 1  # zh-CN and zh-TW units: the store keeps each's
    stored = store.add_pairs(
        _own_tags(pairs) if mixed else pairs,
        source=file.path,
        checksum=file.checksum,
        origin=origin,
        src_lang=src_lang,
        tgt_lang=tgt_lang,
        signature=reader.signature,
        languages=lambda: (srcs, tgts),  # the file was read (parked) before: its tags are known
        replace=not file.pair_format.updates_store,
        tally=tally,
        own_tags=mixed,
    )
    return ImportResult(
        file.path,
        sum(stored.values()),
        len(stored),
        reader.skipped,
        src_lang,
        tgt_lang,
        matched,
        tally["added"],
        tally["kept"],
        tally["removed"],
    )


def _own_tags(pairs: Iterable[Pair]) -> Iterator[Pair]:
    """`pairs` of a file that mixed variants of a language (zh-CN and zh-TW units), each
    with its own tags in the case tags are written in (ZH-tw → zh-TW), a tag that is no
    language tag left out."""
    for pair in pairs:
        pair.src_lang, pair.tgt_lang = _tag(pair.src_lang), _tag(pair.tgt_lang)
        yield pair


@functools.lru_cache(maxsize=256)
def _tag(tag: str) -> str:
    if not is_language_tag(tag):
        return ""
    return tag.lower() if "-" not in tag.replace("_", "-") else lang_tag(tag)


class _ParkedPairs:
    """Pairs parked in an unnamed temporary file, pickled a block at a time as tuples of
    their fields (6× quicker than pickling the objects; our own bytes, read back by this
    process alone): a whole file's pairs in flat memory, iterated again. Several files'
    pairs may share one temporary file, each parked after the others."""

    BLOCK = 1000
    _fields = operator.attrgetter(*(f.name for f in dataclasses.fields(Pair)))

    def __init__(self, file: IO[bytes]):
        self._file = file
        self._start = self._end = 0  # where in the file its pairs lie

    def park(self, pairs: Iterable[Pair]) -> None:
        self._start = self._file.seek(0, os.SEEK_END)
        block: list[tuple] = []
        for pair in pairs:
            block.append(self._fields(pair))
            if len(block) == self.BLOCK:
                self._dump(block)
                block = []
        if block:
            self._dump(block)
        try:  # what the file's buffer still holds: no room for it shows now, not when read
            self._file.flush()
        except OSError as exc:
            raise _parking_error(exc) from exc
        self._end = self._file.tell()

    def _dump(self, block: list[tuple]) -> None:
        try:
            pickle.dump(block, self._file, pickle.HIGHEST_PROTOCOL)
        except OSError as exc:  # a full disk, say
            raise _parking_error(exc) from exc

    def __iter__(self) -> Iterator[Pair]:
        at = self._start
        while at < self._end:
            self._file.seek(at)  # (another file's pairs may have been read meanwhile)
            block = pickle.load(self._file)
            at = self._file.tell()
            yield from (Pair(*fields) for fields in block)


def _discard(parked: IO[bytes]) -> None:
    """Close a file of parked pairs; what its buffer held and found no room (a full disk) is
    dropped with it, not a second error hiding the first."""
    with contextlib.suppress(OSError):
        parked.close()


def _parking_error(exc: OSError) -> OutputError:
    return OutputError(
        f"cannot park the pairs read in a temporary file in {tempfile.gettempdir()}: "
        f"{exc.strerror or exc} (an import keeps them there until it writes them; set "
        "TMPDIR to a folder with room)"
    )


def _sha256(paths: list[str]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as f:
            while block := f.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()
