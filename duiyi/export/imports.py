"""Importing pair files (any CAT tool's TMX, or duiyi's own formats) into a corpus store.

from duiyi.export.imports import import_files
with Store.open("corpus.db") as store:
    for result in import_files(["memory.tmx"], store): print(result.pairs, result.skipped)
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from duiyi.atomic import protect_inputs
from duiyi.corpus.read import input_list
from duiyi.errors import InputError
from duiyi.export import format_for_path, get_format
from duiyi.export.base import check_language_tag


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
) -> None:
    """Refuse missing files, folders, unknown formats and language tags before the store is
    touched."""
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
        reader = get_format(fmt or format_for_path(path))
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
) -> list[ImportResult]:
    """Add the pairs of each file to `store`, in one transaction: if any file fails, none of
    them is added. `paths`: paths, or one. A file imported before (by any spelling of its
    path) replaces what it brought, keeping the review of the pairs it still holds (`Store.add_pairs`)."""
    paths = input_list(paths)
    check_inputs(paths, fmt, src_lang, tgt_lang)
    with store.transaction():
        return [
            _import_file(path, store, fmt, src_lang=src_lang, tgt_lang=tgt_lang, origin=origin)
            for path in paths
        ]


def _import_file(
    path: str, store, fmt: str | None, *, src_lang: str, tgt_lang: str, origin: str | None
) -> ImportResult:
    pair_format = get_format(fmt or format_for_path(path))
    reader = pair_format.read(path, src_lang=src_lang, tgt_lang=tgt_lang)
    matched = None
    if pair_format.updates_store:  # an XLIFF we wrote: its targets onto our sentences
        matched, pairs = store.apply_translations(reader, reviewer=f"xliff:{path}")
    else:
        pairs = iter(reader)
        first = next(pairs, None)  # reads a TMX header: the signature it recorded
        pairs = pairs if first is None else itertools.chain([first], pairs)
    tally: Counter = Counter()
    stored = store.add_pairs(
        pairs,
        source=path,
        checksum=_sha256(pair_format.input_files(path, src_lang=src_lang, tgt_lang=tgt_lang)),
        origin=origin,
        src_lang=src_lang,
        tgt_lang=tgt_lang,
        signature=reader.signature,
        languages=lambda: reader.languages(src_lang, tgt_lang),
        replace=not pair_format.updates_store,
        tally=tally,
    )
    return ImportResult(
        path,
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


def _sha256(paths: list[str]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as f:
            while block := f.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()
