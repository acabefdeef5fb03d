"""Pre-translate a CAT tool's XLIFF: drafts in its empty targets, the rest of the file as it was.

    duiyi translate job.xlf -o job.mt.xlf

`translate_inputs` hands XLIFF inputs here, told by content (duiyi.export.xliff_units); "-"
too, standard input read whole to tell. The units of a file to translate become one
document, a paragraph per unit (per segment of a segmented unit), split into sentences as
documents are (`prepare_units`); its sentences go through the run's drafter (engine, cache,
progress bar, cluster), and each unit's drafts, joined, become its target (or its segment's;
between the inline codes at its edges, if any). A unit whose codes are named by placeholders
([x1], …) is one sentence; its draft is refused (the unit left) unless it keeps them all.
Each file is written back whole and atomically: to -o (which may name the input itself),
stdout, or for several files a folder, each under its own name.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from duiyi.atomic import atomic_write, check_outputs, release_inputs
from duiyi.corpus.model import Document, Pair
from duiyi.errors import FormatError, InputError
from duiyi.export.xliff import NS12
from duiyi.export.xliff_units import UnitCounts, XliffJob, is_xliff, is_xliff_data
from duiyi.translate.output import unique_name


def xliff_inputs(listed: list[tuple[str, bool]], contents: dict[str, bytes]) -> list[str]:
    """The XLIFF files among the listed inputs (none: a run of documents); those read already
    (`contents`, by path: "-" for standard input, pipes) told by their bytes. InputError where
    they come with documents, before anything is translated."""
    xliffs = [
        path
        for path, _ in listed
        if (is_xliff_data(contents[path]) if path in contents else is_xliff(path))
    ]
    if xliffs and len(xliffs) < len(listed):
        other = next(path for path, _ in listed if path not in xliffs)
        raise InputError(
            f"{_name(xliffs[0])} is XLIFF but {_name(other)} is a document: "
            "translate XLIFF files and documents in separate runs"
        )
    return xliffs


def translate_xliffs(
    run,
    paths: list[str],
    output: str | None,
    fmt: str | None,
    directory: bool,
    contents: dict[str, bytes],
):
    """Pre-translate the XLIFF files `paths` (those in `contents` read already: "-" standard
    input, pipes) with `run`
    (translate_inputs' engine, cache, drafter and statistics): into `output` (a file; None or
    "-": stdout), or into the folder `output` under their own names (`directory`). `fmt`: the
    format asked for, if any."""
    from duiyi.corpus.read import read_bounded

    if run.store is not None:
        raise InputError(
            "--store takes documents, not XLIFF: import the reviewed file with `duiyi import`"
        )
    if fmt not in (None, "xliff", "xliff2"):
        raise InputError(
            f"an XLIFF input is written back as XLIFF, its empty targets filled: -f {fmt} does "
            "not apply (leave -f out)"
        )
    if not fmt and not directory and run.fmt not in ("text", "xliff", "xliff2"):
        raise InputError(f"an XLIFF input is written back as XLIFF, not {run.fmt}: -o {output}")
    targets = _targets(paths, output, directory, run.roots)

    def load(path: str) -> XliffJob:
        if path in contents:
            job = XliffJob(_name(path), contents[path])
        else:
            with open(path, "rb") as f:
                job = XliffJob(path, read_bounded(f, path))
        version = "xliff" if job.ns == NS12 else "xliff2"
        if fmt and fmt != version:  # the file is written back as it is, never converted
            raise FormatError(
                f"{job.path} is XLIFF {job.version or '?'}, written back as it is: -f {fmt} does "
                "not apply (leave -f out)"
            )
        return job

    if len(paths) > 1:  # every file read and checked before the first is translated or written
        for path in paths:
            load(path)
    run.stats.xliff = UnitCounts()
    for path, target in zip(paths, targets, strict=True):
        job = load(path)
        run.stats.documents += 1
        _pretranslate(run, job)
        run.stats.xliff.add(job.counts)
        if path not in contents and target not in (None, "-") and _same_file(target, path):
            release_inputs([path])  # read whole: -o naming it replaces it, atomically
        with atomic_write(target, "wb") as out:
            out.write(job.to_bytes())


def _pretranslate(run, job: XliffJob) -> None:
    """Draft every unit of `job` to translate, through the run's drafter and progress bar."""
    from duiyi.corpus.pipeline import prepare_units

    whole = {i for i, unit in enumerate(job.units) if unit.codes is not None}
    doc = prepare_units([unit.source for unit in job.units], path=job.path, whole=whole)
    drafts: list[list] = [[] for _ in job.units]
    for document, stream in run.drafter([doc]):
        for sentence, draft in run.drafts(document, stream, None):
            drafts[sentence.paragraph].append((sentence, draft))
    translator = run.translator
    translated = set()  # the units drafted (a segmented unit's segments are units here)
    refused = set()  # the units whose drafts lost, repeated or invented a code's placeholder
    for unit, done in zip(job.units, drafts, strict=True):
        text = _joined(doc, done)
        if not text:
            continue  # the engine gave nothing: the target stays empty
        scores = [draft.score for _, draft in done]
        # a unit is as good as its weakest sentence
        score = None if None in scores else min(scores)
        meta = {"engine": translator.engine_id}
        pair = Pair(unit.source, text, score, origin=translator.origin, meta=meta)
        (translated if job.fill(unit, pair) else refused).add(unit.element)
    job.counts.translated += len(translated)
    job.counts.inline += len(refused - translated)  # left for the translator, as codes are


def _joined(doc: Document, drafts: list) -> str:
    """A unit's sentence drafts as one text: a line break where its source has one between
    the two sentences, else a space."""
    parts, previous = [], None
    for sentence, draft in drafts:
        if previous is not None:
            parts.append("\n" if "\n" in doc.text[previous.end : sentence.start] else " ")
        parts.append(draft.text.strip())
        previous = sentence
    return "".join(parts).strip()


def _targets(paths: list[str], output: str | None, directory: bool, roots) -> list[str | None]:
    """Where each file goes, checked before the first is translated."""
    from duiyi.corpus.read import relative_name

    if directory:
        taken: set[str] = set()
        names = [relative_name(p, roots) for p in paths]  # stdin, a pipe: no extension of theirs
        names = [n if PurePosixPath(n).suffix else f"{n}.xlf" for n in names]
        targets = [str(Path(output) / _unique(name, taken)) for name in names]
        check_outputs(targets)  # never into an input: a folder is no file's own name
        return targets
    if len(paths) > 1:
        raise InputError(
            f"{len(paths)} XLIFF files: give -o a folder (each is written there by its name)"
        )
    if output not in (None, "-") and (paths[0] == "-" or not _same_file(output, paths[0])):
        check_outputs([output])
    return [output]


def _unique(name: str, taken: set[str]) -> str:
    """`name` (its extension kept: an XLIFF is written back as what it is), made unique."""
    path = PurePosixPath(name)
    return unique_name(str(path.with_suffix("")), path.suffix, taken)


def _name(path: str) -> str:
    return "stdin" if path == "-" else path


def _same_file(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)
