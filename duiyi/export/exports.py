"""The export job: a store's pairs, selected and filtered, written in one format.

Nothing is left out silently: `ExportResult.left_out` counts what each filter dropped (gloss
drafts, the status/origin/score selection, empty sides, duplicates, length ratios).
"""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from duiyi.atomic import job, protect_inputs
from duiyi.corpus.model import ORIGINS, Pair
from duiyi.errors import InputError
from duiyi.export import format_for_path, get_format, without_own_tags
from duiyi.export.base import check_language_tag
from duiyi.export.filters import filter_pairs
from duiyi.progress import progressbar

if TYPE_CHECKING:
    from duiyi.corpus.store import BeadFilter

DEFAULT_LANGUAGES = ("zh-CN", "en-US")  # a store without documents (imported pairs only)
# The reasons `ExportResult.left_out` counts under (with filters.EMPTY_SIDE, "length ratio"
# and "duplicate"); the command words them with its options.
GLOSS = "gloss draft"
NOT_SELECTED = "not selected"
# The numeric filters' bounds: a value outside would leave every pair out.
BOUNDS = {"--min-score": (0.0, 1.0), "--max-length-ratio": (1.0, float("inf"))}


def bound_problem(option: str, value: float, shown: str | None = None) -> str | None:
    """Why `value` cannot be the filter `option`'s (outside its BOUNDS, or NaN), or None.
    `shown`: the value as the user wrote it."""
    low, high = BOUNDS[option]
    if low <= value <= high:
        return None
    span = f"from {low:g} to {high:g}" if high < float("inf") else f"{low:g} or more"
    return f"must be a number {span}, not {shown or repr(value)}"


@dataclass
class ExportResult:
    """What `export_store` wrote: `pairs`, the number of pairs written; `fmt`, the format's
    name; `left_out`, how many pairs each filter dropped, by reason (only those that dropped
    any): "gloss draft" (`GLOSS`: left out unless `include_gloss` or `origin` names them),
    "not selected" (`NOT_SELECTED`: by `status`, `origin` or `min_score`), "empty side",
    "duplicate" (`dedup`) and "length ratio" (`max_length_ratio`)."""

    pairs: int
    fmt: str
    left_out: Counter = field(default_factory=Counter)


@job
def export_store(
    store,
    output: str | os.PathLike = "-",
    *,
    fmt: str | None = None,
    status: Sequence[str] | None = None,
    origin: Sequence[str] | None = None,
    min_score: float | None = None,
    include_gloss: bool = False,
    dedup: bool = False,
    max_length_ratio: float | None = None,
    src_lang: str | None = None,
    tgt_lang: str | None = None,
    tokenized: bool = False,
    quiet: bool = False,
) -> ExportResult:
    """Write the pairs of `store` to `output` ("-": stdout) in `fmt` (default: from the
    extension). Gloss drafts are left out unless `include_gloss` or `origin` names them; the
    language tags default to the stored direction's; a pair imported from a file mixing
    variants (zh-CN and zh-TW units) keeps its unit's in TMX and JSONL, unless `src_lang` /
    `tgt_lang` names the side's. A `min_score` or `max_length_ratio`
    that would leave every pair out (see BOUNDS) is refused. Everything is read from one snapshot:
    what other commands commit meanwhile (a re-import) neither mixes into the output nor
    skews the counts. A progress bar counts the pairs on stderr when it is a terminal, unless
    `quiet`."""
    protect_inputs([getattr(store, "path", None)])  # never replaced by the output
    output = os.fspath(output)
    for lang, option in ((src_lang, "--src-lang"), (tgt_lang, "--tgt-lang")):
        if lang is not None:
            check_language_tag(lang, option)
    for value, option in ((min_score, "--min-score"), (max_length_ratio, "--max-length-ratio")):
        if value is not None and (problem := bound_problem(option, value)):
            raise InputError(f"{option} {problem}")
    fmt = fmt or format_for_path(output if output != "-" else None)
    if tokenized and fmt != "moses":
        raise InputError(f"--tokenized is for the moses format, not {fmt}")
    writer = get_format(fmt, **({"tokenized": True} if tokenized else {}))
    with store.snapshot() as view:
        origins = origin
        if origins is None and not include_gloss:
            origins = [o for o in ORIGINS if o != "gloss"]
        selection = dict(status=status, origin=origins, min_score=min_score)
        total = view.count_pairs(**selection)
        left_out: Counter = Counter()
        every = view.count_pairs()
        if origin is None and not include_gloss:
            gloss = every - view.count_pairs(origin=origins)
            left_out[GLOSS] = gloss
        if status or origin or min_score is not None:
            left_out[NOT_SELECTED] = every - sum(left_out.values()) - total
        # tagged as a store holding only the selected pairs (a filter on one direction of a
        # store holding both needs no --src-lang/--tgt-lang)
        narrowed = None
        if status or origins or min_score is not None:
            from duiyi.corpus.store.records import BeadFilter  # (the store imports export)

            narrowed = BeadFilter(**selection)
        tags = export_tags(view, src_lang, tgt_lang, narrowed)
        pairs = filter_pairs(
            progressbar(
                view.iter_pairs(**selection, segments=fmt == "xces"),
                total=total,
                desc="export",
                unit="pair",
                silent=quiet,
            ),
            left_out,
            dedup=dedup,
            max_length_ratio=max_length_ratio,
        )
        written = tags.write(writer, pairs, output, " + ".join(view.info()["signatures"]))
        return ExportResult(written, fmt, +left_out)  # only the filters that dropped something


@dataclass
class Tags:
    """The language tags an export gives its pairs (`export_tags`): `src_lang`/`tgt_lang`
    the file's; `documents` {name: (source, target) tags} those of the documents tagged
    otherwise (a zh-TW document among zh-CN ones); `given`, per side, whether the caller
    named the tag, which then tags every unit."""

    src_lang: str
    tgt_lang: str
    documents: dict[str, tuple[str, str]]
    given: tuple[bool, bool]

    def tag(self, pairs: Iterable[Pair]) -> Iterator[Pair]:
        """`pairs` as the writers are to tag them: without their own tags on a side given,
        those of `documents` with their document's where they have none of their own."""
        return _with_document_tags(without_own_tags(pairs, *self.given), self.documents)

    def write(self, writer, pairs: Iterable[Pair], output, signature: str = "") -> int:
        """`pairs` written by `writer` (a format) to `output`, tagged: the file with the
        file's tags, each unit (or XLIFF <file>) with its own where it differs."""
        if writer.tags_files:
            writer.file_languages = self.documents
        return writer.write(
            self.tag(pairs), output, src_lang=self.src_lang, tgt_lang=self.tgt_lang,
            signature=signature,
        )  # fmt: skip


def export_tags(
    view, src_lang: str | None = None, tgt_lang: str | None = None, where: BeadFilter | None = None
) -> Tags:
    """The tags an export of the store `view` (a snapshot) writes: `src_lang`/`tgt_lang` where
    given, else the stored direction's (`Store.language_tags`; DEFAULT_LANGUAGES for a store
    without documents). `where`: the export holds only the pairs it selects (the review
    page's), tagged as a store holding only them is. MixedDirections (a StoreError) where
    the pairs are in several directions and a side's tag is not given."""
    given = (src_lang is not None, tgt_lang is not None)  # these tag every unit
    selected = None if where is None else view.pair_documents(where)
    if not (src_lang and tgt_lang):
        stored = view.language_tags(selected) or DEFAULT_LANGUAGES
        src_lang, tgt_lang = src_lang or stored[0], tgt_lang or stored[1]
    documents = {} if all(given) else _document_tags(view, src_lang, tgt_lang, given, selected)
    return Tags(src_lang, tgt_lang, documents, given)


def _with_document_tags(
    pairs: Iterable[Pair], documents: dict[str, tuple[str, str]]
) -> Iterator[Pair]:
    """`pairs`, those of the `documents` tagged otherwise than the store as a whole given
    their document's tags where they have none of their own (a zh-TW memory imported beside
    a zh-CN one: its TMX and JSONL units say zh-TW, not the zh both share)."""
    for pair in pairs:
        tags = documents.get(pair.document)
        if tags is None or (pair.src_lang and pair.tgt_lang):
            yield pair
        else:
            src, tgt = tags
            yield dataclasses.replace(
                pair, src_lang=pair.src_lang or src, tgt_lang=pair.tgt_lang or tgt
            )


def _document_tags(
    view,
    src_lang: str,
    tgt_lang: str,
    given: tuple[bool, bool],
    selected: Collection[int] | None = None,
) -> dict[str, tuple[str, str]]:
    """{document name: (source, target) tags} of the documents (those `selected`; None: all)
    tagged otherwise than the store as a whole (`src_lang`, `tgt_lang`): a zh-TW document
    among zh-CN ones; the sides `given` keep the tag asked for. Names that several documents
    tagged apart share are left out (the store's tags)."""
    names = view.document_names(selected)
    tags: dict[str, tuple[str, str] | None] = {}
    for doc_id, (src, tgt) in view.document_languages(selected).items():
        name = names.get(doc_id)
        if name is None:
            continue
        pair = (src_lang if given[0] else src, tgt_lang if given[1] else tgt)
        tags[name] = pair if tags.get(name, pair) == pair else None
    return {n: t for n, t in tags.items() if t is not None and t != (src_lang, tgt_lang)}
