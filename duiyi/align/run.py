"""An align run as a library function: pairs of files in, beads out (a pair format, `.align`
files, a store).

    from duiyi.align.aligner import Aligner
    from duiyi.align.documents import match_pairs
    from duiyi.align.run import align_files

    stats = align_files(match_pairs("zh/", "en/"), Aligner(), output="corpus.tmx")
    stats.linked, stats.mean_score, stats.low

Documents are read and prepared (cleaned, normalized, split); with `presplit` each non-blank
line of a file is one sentence (`prepare_lines`), and they go to the store and every format
alike; `.align` output numbers their lines (blank ones included, and in no bead), as the gold
sets do. The aligner sees normalized sentences; pairs carry the original
text. The aligning itself is `align_many(document pairs) → an Alignment (or the error) per pair,
in order`: `local_aligner` here, or a distributed runner's (duiyi.cluster). A document pair that
fails (unreadable input, an error while aligning) is reported in `AlignStats.failed` and the
others are still aligned and written. Nothing here prints but the progress bar: it counts
sentences, and with a rescorer it also moves inside a document while the rival beads are
scored ("scoring rival beads 300/1,209" after it; a distributed runner's documents move it
when each is done).
"""

from __future__ import annotations

import bisect
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from duiyi import __version__
from duiyi.align.aligner import BOTH_CHINESE, SAME_TEXT, Aligner, Alignment, models_judge
from duiyi.align.alignfile import write_align
from duiyi.align.documents import align_documents
from duiyi.align.rescore import Progress
from duiyi.atomic import check_outputs, job, protect_inputs
from duiyi.corpus.model import Bead, Document, common_tag, primary_subtag
from duiyi.corpus.pairs import build_pairs
from duiyi.errors import DuiyiError, EmptyInput, FormatError, InputError
from duiyi.export import FORMATS, format_for_path, get_format, write_pairs
from duiyi.export.base import check_language_tag
from duiyi.export.filters import EMPTY_SIDE, filter_pairs
from duiyi.progress import WeightedProgress

PARAGRAPHS = ("soft", "hard", "ignore")  # what a paragraph break does to a bead crossing it
ALIGN_FORMAT = "align"  # bead indices, the gold sets' format (duiyi.align.alignfile)


@dataclass
class AlignStats:
    """What `align_files` did: document pairs aligned, linked beads and their confidences,
    and each document's warnings and failures."""

    documents: int = 0  # document pairs aligned
    linked: int = 0  # beads with both sides
    low: int = 0  # linked beads below 0.5
    near_ties: int = 0  # beads the DP nearly gave to a rival (posterior under its scores < 0.5)
    rescored: int = 0  # rival beads the rescorer scored (here or on the workers)
    score_sum: float = 0.0
    unpaired: int = 0  # beads with an empty side, left out of a pairs format (as export does)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (document, warning)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (document, why)

    @property
    def mean_score(self) -> float:
        return self.score_sum / self.linked if self.linked else 0.0

    def add(self, name: str, result: Alignment) -> None:
        self.documents += 1
        self.rescored += result.rescored
        self.warnings += [(name, w) for w in result.warnings]
        if result.posteriors is not None and len(result.posteriors):
            self.near_ties += int((result.posteriors[:, 0] < np.log(0.5)).sum())
        for bead in result.beads:
            if bead.src and bead.tgt:
                self.linked += 1
                self.score_sum += bead.score
                self.low += bead.score < 0.5


DocumentPair = tuple[Document, Document]
AlignMany = Callable[[list[DocumentPair]], Iterator[Alignment | DuiyiError]]


def local_aligner(
    aligner: Aligner, paragraphs: str = "soft", rescore_progress: Progress | None = None
) -> AlignMany:
    """Align document pairs one after the other in this process (`rescore_progress`: as
    `Aligner.align`'s, for the document being aligned)."""

    def align_many(pairs: list[DocumentPair]) -> Iterator[Alignment | DuiyiError]:
        for src, tgt in pairs:
            try:
                yield align_documents(
                    aligner, src, tgt, paragraphs != "ignore", rescore_progress=rescore_progress
                )
            except DuiyiError as exc:
                yield exc

    return align_many


def output_format(fmt: str | None, output: str | None, *, presplit: bool, multiple: bool) -> str:
    """The output format: asked for, else from `output`'s extension; TSV on stdout.

    Pre-split input writes `.align` by default: on stdout, and as one file per document into
    an output folder (an -o folder, or a name without an extension) when aligning
    directories."""
    if fmt:
        chosen = fmt
    elif output in (None, "-"):
        chosen = ALIGN_FORMAT if presplit else "tsv"
    elif output.endswith(".align") or (presplit and multiple and _folder_name(output)):
        chosen = ALIGN_FORMAT
    else:
        try:
            chosen = format_for_path(output)
        except FormatError as exc:  # it names the pair formats only
            raise FormatError(f"{exc}; or .align (-f align) for bead indices") from None
    if chosen == ALIGN_FORMAT and multiple and not presplit:
        raise InputError(
            "the .align format holds one pair of documents: use --presplit with -o DIR"
        )
    if chosen != ALIGN_FORMAT and chosen not in FORMATS:
        raise InputError(f"unknown output format {chosen!r}")
    if chosen != ALIGN_FORMAT and get_format(chosen).multi_file:
        get_format(chosen).require_path(output)  # before anything is aligned or stored
    return chosen


def _folder_name(output: str) -> bool:
    """Whether an output path names a folder: one that exists (`runs/v1.2`), or a name
    without an extension."""
    return Path(output).is_dir() or not Path(output).suffix


def check_languages(src_lang: str | None, tgt_lang: str | None) -> None:
    """FormatError unless the language tags given read as tags (before anything loads)."""
    for lang, option in ((src_lang, "--src-lang"), (tgt_lang, "--tgt-lang")):
        if lang is not None:
            check_language_tag(lang, option)


def aligning_directories(file_pairs: list, source_root: str | Path | None) -> bool:
    """Whether a run writes one output per document pair: folders given (even holding one
    pair), or several pairs."""
    return len(file_pairs) > 1 or (source_root is not None and Path(source_root).is_dir())


@job
def align_files(
    file_pairs: Iterable[tuple[str | os.PathLike, str | os.PathLike]],
    aligner: Aligner,
    *,
    output: str | os.PathLike | None = None,
    fmt: str | None = None,
    store=None,
    presplit: bool = False,
    paragraphs: str = "soft",
    scores: bool = False,
    source_root: str | Path | None = None,
    quiet: bool = False,
    align_many: AlignMany | None = None,
    src_lang: str | None = None,
    tgt_lang: str | None = None,
    src_encoding: str | None = None,
    tgt_encoding: str | None = None,
) -> AlignStats:
    """Align each (source, target) file pair (or the one pair given); `store` (an open
    `Store`) also gets the beads.

    `paragraphs`: "soft" (a bead crossing a break on one side only pays), "hard" (set in the
    aligner's config) or "ignore". `source_root`: the source folder. Documents sharing a file
    name go by their path relative to it in the pairs and the store (`sub/a.txt`); with
    --presplit and `output` a directory, each `.align` file is named by that path.
    `src_lang`, `tgt_lang`: the sides' language tags (fr, de-CH, zh-TW), for the splitter
    (Chinese rules for zh and ja, English ones for the others, the detected language's for
    und: `rules_lang`) and the output's and the store's tags; default detected
    (`detect_lang`: zh, ja, en, fr, ru, ko, …, und). `src_encoding`, `tgt_encoding`: the
    sides' text encodings (gb18030, big5, euc-kr, …: decoded strictly, see `decode_as`);
    None or "auto": detected.
    """
    check_languages(src_lang, tgt_lang)
    from duiyi.corpus.read import encoding_name

    encodings = encoding_name(src_encoding), encoding_name(tgt_encoding)  # before any reading
    hard_unset = paragraphs == "hard" and not aligner.config.hard_paragraphs
    if paragraphs not in PARAGRAPHS or hard_unset:
        raise InputError(
            f"paragraphs={paragraphs!r}: use soft, hard (with an aligner whose config has "
            "hard_paragraphs=True, as AlignConfig(hard_paragraphs=True)) or ignore"
        )
    one = isinstance(file_pairs, tuple) and len(file_pairs) == 2
    if one and all(isinstance(f, (str, os.PathLike)) for f in file_pairs):
        file_pairs = [file_pairs]  # one pair, as (source, target)
    file_pairs = [(Path(src), Path(tgt)) for src, tgt in file_pairs]
    protect_inputs([path for pair in file_pairs for path in pair if path.is_file()])
    if store is not None:
        protect_inputs([getattr(store, "path", None)])
    output = None if output is None else os.fspath(output)
    multiple = aligning_directories(file_pairs, source_root)
    chosen = output_format(fmt, output, presplit=presplit, multiple=multiple)
    if scores and chosen != ALIGN_FORMAT:
        raise InputError(
            f"--scores adds confidences to .align output; {chosen} carries each pair's already"
        )
    if multiple and chosen == ALIGN_FORMAT and output in (None, "-"):
        raise InputError("aligning directories with --presplit: give an output directory with -o")
    check_outputs(_output_files(file_pairs, output, chosen, multiple, source_root))
    stats = AlignStats()
    from duiyi.corpus.pipeline import pipeline_signature, prepare, prepare_lines
    from duiyi.corpus.read import document_names

    make = prepare_lines if presplit else prepare
    roots = [Path(source_root)] if source_root is not None else []
    names = document_names([str(src) for src, _ in file_pairs], roots)
    prepared: list[DocumentPair] = []
    for src_path, tgt_path in file_pairs:
        try:
            src = make(_read_side(src_path, encodings[0]), lang=src_lang)
            src.label = names[src.path]
            prepared.append((src, make(_read_side(tgt_path, encodings[1]), lang=tgt_lang)))
        except DuiyiError as exc:
            stats.failed.append((src_path.name, str(exc)))
    if prepared and chosen != ALIGN_FORMAT:  # before aligning: the file tags one language a side
        src_tag = _language_tags([src for src, _ in prepared])
        tgt_tag = _language_tags([tgt for _, tgt in prepared])
    results: list[tuple[Document, Document, Alignment]] = []
    bar = _bar([len(src.sentences) + len(tgt.sentences) for src, tgt in prepared], quiet)
    align_many = align_many or local_aligner(aligner, paragraphs, _rescoring(bar))
    for (src, tgt), result in zip(prepared, bar.wrap(align_many(prepared)), strict=True):
        if isinstance(result, DuiyiError):
            stats.failed.append((src.name, str(result)))
            continue
        result = _with_language_warnings(src, tgt, result, given=(src_lang, tgt_lang))
        stats.add(src.name, result)
        results.append((src, tgt, result))
    if not results:
        return stats
    models = any(models_judge((_language(s), _language(t))) for s, t, _ in results)
    signature = (
        f"{pipeline_signature(results[0][0])}|{aligner.signature(models)}|duiyi:{__version__}"
    )
    if store is not None:
        for src, tgt, result in results:
            store.add_alignment(
                src, result.beads, origin="aligned", engine="e5-dp", signature=signature,
                tgt_doc=tgt,
            )  # fmt: skip
    if chosen == ALIGN_FORMAT:
        for src, tgt, result in results:
            out = output
            if multiple:
                out = _align_path(output, src.path, source_root)
            beads = _line_beads(src, tgt, result.beads) if presplit else result.beads
            write_align(beads, out, with_score=scores)
    else:  # as `duiyi export` writes the same beads: no pair with an empty side (a CAT tool
        # would take an empty target for a translation); .align and the store keep them
        left_out: Counter = Counter()
        write_pairs(
            filter_pairs(_pairs(results), left_out),
            output,
            chosen,
            src_lang=src_tag,
            tgt_lang=tgt_tag,
            signature=signature,
        )
        stats.unpaired = left_out[EMPTY_SIDE]
    return stats


def _language_tags(documents: list[Document]) -> str:
    """The language tag of one side of a file holding every document pair, as `duiyi export`
    tags a store: the documents' own (zh-TW) where they share it, else their language (zh for
    Traditional and Simplified ones). Documents without sentences say nothing; InputError for
    documents in several languages (a file of the other direction, or not a translation)."""
    telling = [doc for doc in documents if doc.sentences] or documents[:1]
    languages: dict[str, str] = {}  # language → a document in it
    for doc in telling:
        languages.setdefault(primary_subtag(doc.lang_tag), doc.name)
    if len(languages) > 1:
        listed = ", ".join(f"{name} is {lang}" for lang, name in sorted(languages.items()))
        fix = (
            "align each direction into a file of its own"
            if set(languages) == {"zh", "en"}
            # a Chinese document quoting much Japanese is detected ja: the tag says otherwise
            else "align each language into a file of its own, or name the side's language "
            "with --src-lang/--tgt-lang if detection got it wrong"
        )
        raise InputError(
            f"the documents on one side are in several languages ({listed}): one output file "
            f"tags one language a side; {fix}"
        )
    return common_tag(doc.lang_tag for doc in telling)


def _with_language_warnings(
    src: Document, tgt: Document, result: Alignment, given: tuple[str | None, str | None]
) -> Alignment:
    """`result` with language warnings true of the sides' tags: the aligner's BOTH_CHINESE
    goes where the sides are tagged different languages (Chinese and kanji-heavy Japanese);
    a side whose language was detected (not `given`) as neither Chinese nor English is said,
    with the option that tags another (`_detected`)."""
    warnings = list(result.warnings)
    if SAME_TEXT in warnings:  # the one language warning: the same text
        return result
    if BOTH_CHINESE in warnings and _language(src) != _language(tgt):
        warnings.remove(BOTH_CHINESE)
    for doc, side, lang in ((src, "source", given[0]), (tgt, "target", given[1])):
        if lang is None and _language(doc) not in ("zh", "en"):
            warnings.append(_detected(doc, side))
    return replace(result, warnings=warnings)


def _detected(doc: Document, side: str) -> str:
    """What a side detected as another language than Chinese or English is told: "the target
    looks French: tagged fr (--tgt-lang tags another language)"."""
    from duiyi.corpus.pipeline import UNDETERMINED, looks

    option = "--src-lang" if side == "source" else "--tgt-lang"
    seems = looks(doc.lang, "\n".join(s.text for s in doc.sentences[:500]))
    if doc.lang == UNDETERMINED:
        return f"the {side} {seems}: tagged und, which OmegaT does not load ({option} names it)"
    return f"the {side} {seems}: tagged {doc.lang_tag} ({option} tags another language)"


def _language(doc: Document) -> str:
    return primary_subtag(doc.lang)


def _align_path(output: str, src: str | Path, source_root) -> Path:
    """Where a document's `.align` file goes in the output folder: its source's path under
    the source folder there (file pairs given one by one: its file name)."""
    name = Path(src).relative_to(source_root) if source_root is not None else Path(src).name
    return Path(output) / f"{name}.align"


def _output_files(file_pairs, output, chosen: str, multiple: bool, source_root) -> list:
    """Every file the run will write: checked against its inputs before anything is aligned
    (`atomic_write` refuses an input too, but only after the aligning, and the store's)."""
    if output in (None, "-"):
        return []
    if chosen != ALIGN_FORMAT:
        return get_format(chosen).output_files(output)
    if multiple:
        paths = [_align_path(output, src, source_root) for src, _ in file_pairs]
        if len(set(paths)) < len(paths):  # file pairs given one by one, of one file name
            twice = next(p for k, p in enumerate(paths) if p in paths[:k])
            raise InputError(f"two source documents would write {twice}: rename one")
        return paths
    return [output]


def _bar(sizes: list[int], quiet: bool) -> WeightedProgress:
    """The align bar: it counts sentences (source + target), as documents differ a hundredfold
    in size."""
    return WeightedProgress(sizes, desc="align", unit="sent", silent=quiet)


def _rescoring(bar: WeightedProgress) -> Progress:
    """Rescoring's progress on `bar`: the document's share moves with the rival beads scored
    (most of a rescored document's time), and a note says how many."""

    def report(done: int, total: int) -> None:
        bar.within(done, total, f"scoring rival beads {done:,}/{total:,}")

    return report


def _read_side(path: Path, encoding: str | None) -> Document:
    """One side's document (`encoding`: its text's, None: detected); an empty file is an
    empty side (its sentences are left unpaired, with a warning), not an error."""
    from duiyi.corpus.read import read_document

    try:
        return read_document(path, encoding)
    except EmptyInput:
        return Document(path=str(path), text="")


def _line_beads(src: Document, tgt: Document, beads: list[Bead]) -> list[Bead]:
    """Beads over pre-split sentences renumbered by the files' lines, as the gold sets number
    them (blank lines count, and are in no bead: they only break paragraphs)."""
    from duiyi.corpus.pipeline import LINE_BREAK

    def line_numbers(doc: Document) -> list[int]:
        breaks = [m.start() for m in LINE_BREAK.finditer(doc.text)]
        return [bisect.bisect_left(breaks, s.start) for s in doc.sentences]

    src_lines, tgt_lines = line_numbers(src), line_numbers(tgt)
    return [
        replace(
            bead,
            src=tuple(src_lines[i] for i in bead.src),
            tgt=tuple(tgt_lines[j] for j in bead.tgt),
        )
        for bead in beads
    ]


def _pairs(results: Iterable[tuple[Document, Document, Alignment]]):
    for src, tgt, result in results:
        yield from build_pairs(src, result.beads, tgt=tgt)
