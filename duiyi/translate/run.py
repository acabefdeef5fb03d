"""A translate run as a library function: documents in, drafts out (files, an export, a store).

    from duiyi.translate.engine import choose_engine
    from duiyi.translate.run import translate_inputs

    translator, notice = choose_engine("auto")
    stats = translate_inputs(["seeds/"], translator, output="drafts/")
    stats.sentences, stats.cached, stats.flagged

Where drafts go follows `output` and `fmt`: stdout or one file (every document, one after the
other), a directory (one file per document), or one TMX/XCES/… export of every document.
Drafts come from `drafter(documents)`, which yields each document with its stream of
(sentence, draft): by default the engine through the cache, a window of sentences at a time
(`local_drafter`); a distributed runner (duiyi.cluster) passes its own, which may work ahead
on the next documents while the run writes this one. Nothing here prints but the
progress bar (silent when asked or when stderr is not a terminal).
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TextIO

from duiyi.atomic import job, protect_inputs
from duiyi.corpus.model import Bead, Document, Sentence
from duiyi.export import FORMATS, format_extension, get_format, write_pairs
from duiyi.translate.cache import TranslationCache
from duiyi.translate.drafts import run_signature, source_of, translate_document
from duiyi.translate.engine import Draft, Translator
from duiyi.translate.glossary import adherence
from duiyi.translate.output import (
    DOCUMENT_FORMATS,
    pairs_of,
    unique_name,
    write_side_by_side,
    write_text,
)
from duiyi.translate.pretranslate import UnitCounts, translate_xliffs, xliff_inputs

log = logging.getLogger(__name__)

Drafts = Iterator[tuple[Sentence, Draft]]
Drafter = Callable[[Iterable[Document]], Iterator[tuple[Document, Drafts]]]


def local_drafter(translator: Translator, cache: TranslationCache | None) -> Drafter:
    """Each document's drafts from `translator` in this process, through `cache`."""

    def drafts(documents: Iterable[Document]) -> Iterator[tuple[Document, Drafts]]:
        for doc in documents:
            yield doc, translate_document(doc, translator, cache)

    return drafts


@dataclass
class TranslateStats:
    """What `translate_inputs` did: documents and sentences translated, drafts from the cache
    and flagged, glossary adherence, and the documents with no text."""

    documents: int = 0
    sentences: int = 0
    cached: int = 0
    flagged: int = 0  # drafts with a flag other than "gloss" (repetition, Chinese left, …)
    term_hits: int = 0  # glossary terms found in the sources (engines with a glossary)
    term_kept: int = 0  # … whose English term the draft uses
    empty: list[str] = field(default_factory=list)  # documents with no text to translate
    xliff: UnitCounts | None = None  # XLIFF inputs (pre-translated): what became of their units


# Documents duiyi reads but does not write: text under such a name would not open.
READ_ONLY_SUFFIXES = (".odt", ".epub", ".pdf", ".doc")


def output_format(fmt: str | None, output: str | None) -> str:
    """The format asked for, else the one `output`'s extension names, else text (FormatError
    for a format duiyi does not know, OutputError for the extension of a document format duiyi
    does not write)."""
    if fmt:
        if fmt not in DOCUMENT_FORMATS and fmt not in FORMATS:
            from duiyi.errors import FormatError

            known = ", ".join([*DOCUMENT_FORMATS, *FORMATS])
            raise FormatError(f"unknown format {fmt!r}: use one of {known}")
        return fmt
    suffix = Path(output or "").suffix.lower()
    for name, extension in DOCUMENT_FORMATS.items():
        if extension.endswith(suffix) and suffix:
            return name
    for name, cls in FORMATS.items():
        if suffix in cls.extensions:
            return name
    if suffix in READ_ONLY_SUFFIXES:
        from duiyi.errors import OutputError

        raise OutputError(
            f"-o {output}: duiyi does not write {suffix[1:].upper()} files, and text under that "
            "name would not open; write text (-o NAME.en.txt, or -f text for this name) or, "
            "from a DOCX input, a DOCX (-o NAME.en.docx)"
        )
    return "text"


def check_gloss_output(
    fmt: str, translator: Translator, include_gloss: bool, why: str = "not machine translation"
) -> None:
    """InputError where `fmt` would leave out every draft `translator` makes: a pair format
    that leaves gloss pairs out (all but XLIFF) and a gloss engine, without `include_gloss`
    (an empty file instead of drafts). `why`: why the drafts are glosses, for the message."""
    if translator.origin != "gloss" or include_gloss:
        return
    if fmt in FORMATS and not FORMATS[fmt].keeps_gloss:
        from duiyi.errors import InputError

        raise InputError(
            f"nothing to write: the drafts are CC-CEDICT glosses ({why}), which "
            f"{fmt.upper()} output leaves out; install a model (`duiyi models install "
            "qwen2.5-coder-1.5b`) or keep the glosses with --include-gloss"
        )


def is_directory_output(output: str | None, inputs: list[str]) -> bool:
    """Whether `output` names a folder for one file per document."""
    if not output or output == "-":
        return False
    if Path(output).is_dir() or output.endswith(("/", "\\")):
        return True
    if Path(output).exists():  # a file, or a device or FIFO (/dev/null): written into
        return False
    many = len(inputs) > 1 or any(Path(i).is_dir() for i in inputs if i != "-")
    return many and not Path(output).suffix


def read_documents(
    listed: list[tuple[str, bool]],
    inputs: list[str],
    names: dict[str, str],
    contents: dict[str, bytes] | None = None,
    encoding: str | None = None,
) -> Iterator[Document]:
    """Read and prepare (clean, normalize, split) every listed document, one at a time, each
    named as `names` says (`document_names`); `contents`: the inputs read already, by path
    ("-": standard input; pipes); `encoding`: the text files' (None: detected)."""
    from duiyi.corpus.pipeline import detect_lang, looks, prepare, text_sample
    from duiyi.corpus.read import read_listed

    for doc in read_listed(listed, inputs, contents, encoding):
        doc.label = names[doc.path]
        sample = text_sample(doc.text)
        lang = detect_lang(sample)
        if lang != "zh":  # Japanese is not converted as Traditional Chinese (detect_script)
            seems = (
                "does not look like Chinese (few Han characters)"
                if lang == "en"
                else f"{looks(lang, sample)}, not Chinese"
            )
            log.warning(
                "%s %s: duiyi translates Chinese into English, so its drafts will be of little use",
                doc.name,
                seems,
            )
        yield prepare(doc, lang="zh")


@job
def translate_inputs(
    inputs: str | os.PathLike | Iterable[str | os.PathLike],
    translator: Translator,
    *,
    cache: TranslationCache | None = None,
    output: str | os.PathLike | None = None,
    fmt: str | None = None,
    glob: str = "*",
    follow_links: bool = False,
    encoding: str | None = None,
    store=None,
    include_gloss: bool = False,
    quiet: bool = False,
    drafter: Drafter | None = None,
) -> TranslateStats:
    """Translate the documents `inputs` name (paths, or one path); `output` a path, or None
    for stdout; `store` (an open `Store`) also gets the pairs. `encoding`: the text and HTML
    inputs' (utf-8, gb18030, euc-kr, …, decoded strictly); None or "auto": detected."""
    from duiyi.corpus.read import (
        document_names,
        encoding_name,
        input_list,
        list_inputs,
        read_once_only,
        read_stdin,
    )
    from duiyi.progress import to_terminal
    from duiyi.translate.docx_out import check_source_files

    inputs = input_list(inputs)
    encoding = encoding_name(encoding)  # an unknown name before anything is read
    if store is not None:
        protect_inputs([getattr(store, "path", None)])
    output = None if output is None else os.fspath(output)
    quiet = quiet or to_terminal(output)  # drafts on the terminal: a bar would be drawn over them
    run = _Run(translator, cache, store, include_gloss, quiet, drafter)
    run.fmt = output_format(fmt, output)
    check_gloss_output(run.fmt, translator, include_gloss)
    run.roots = [Path(i) for i in inputs if i != "-" and Path(i).is_dir()]
    listed = list_inputs(inputs, glob, follow_links)
    directory = is_directory_output(output, inputs)
    # stdin can be read only once: whole (bounded), then told XLIFF or a document
    stdin = read_stdin() if any(path == "-" for path, _ in listed) else None
    contents = read_once_only(listed)  # `<(…)`, /dev/stdin: read once, whole, as stdin is
    if stdin is not None:
        contents["-"] = stdin
    # a CAT tool's XLIFF: its empty targets filled
    if xliffs := xliff_inputs(listed, contents):
        translate_xliffs(run, xliffs, output, fmt, directory, contents)
        return run.stats
    # Every input and output, before the first is translated and written.
    if run.fmt == "docx":
        check_source_files(listed)
    paths = [path for path, _ in listed]
    run.check_outputs(paths, output, directory)
    documents = run.counted(
        read_documents(listed, inputs, document_names(paths, run.roots), contents, encoding)
    )
    if run.fmt == "docx":
        run.to_docx(documents, output, directory)
    elif directory:
        run.to_directory(documents, Path(output))
    elif run.fmt in FORMATS:
        if FORMATS[run.fmt].multi_file:  # say so before the first document is translated
            get_format(run.fmt).require_path(output)
        run.to_export(documents, output)
    else:
        run.to_stream(documents, output)
    return run.stats


class _Run:
    """The engine, cache and store of one run, and its statistics."""

    def __init__(self, translator, cache, store, include_gloss, quiet, drafter):
        self.translator, self.cache, self.store = translator, cache, store
        self.include_gloss, self.quiet = include_gloss, quiet
        self.drafter = drafter or local_drafter(translator, cache)
        self.stats = TranslateStats()
        self.glossary = getattr(translator, "glossary", None)
        self.fmt = "text"
        self.roots: list[Path] = []  # the input directories, for the output names
        self._names: set[str] = set()

    def counted(self, documents: Iterable[Document]) -> Iterator[Document]:
        for doc in documents:
            self.stats.documents += 1
            if not doc.sentences:
                self.stats.empty.append(doc.name)
            yield doc

    def drafts(self, doc: Document, stream: Drafts, kept: list | None) -> Drafts:
        """(sentence, draft) pairs with a progress bar; drafts also go to `kept` for the store."""
        from duiyi.progress import progressbar

        bar = progressbar(
            stream, total=len(doc.sentences), desc=doc.name, unit="sent", silent=self.quiet
        )
        for sentence, draft in bar:
            self.stats.sentences += 1
            self.stats.cached += draft.cached
            self.stats.flagged += bool(set(draft.flags) - {"gloss"})
            if self.glossary:
                hits, kept_terms = adherence(self.glossary, source_of(sentence), draft.text)
                self.stats.term_hits += hits
                self.stats.term_kept += kept_terms
            if kept is not None:
                kept.append(draft)
            yield sentence, draft

    def kept(self) -> list | None:
        return [] if self.store is not None else None

    def record(self, doc: Document, kept: list | None) -> None:
        """Add the document and its drafts (kept while translating) to the store."""
        if kept is None:
            return
        self.store.add_alignment(
            doc,
            [Bead((i,), (), d.score) for i, d in enumerate(kept)],
            [d.text for d in kept],
            origin=self.translator.origin,
            engine=self.translator.engine_id,
            signature=run_signature(doc, self.translator),
            metas=[d.meta() for d in kept],
        )

    def write_document(self, doc: Document, stream: Drafts, out: TextIO, kept: list | None) -> None:
        drafts = self.drafts(doc, stream, kept)
        if self.fmt == "text":
            write_text(doc, drafts, out, self.translator.origin)
        elif self.fmt == "side-by-side":
            write_side_by_side(doc, drafts, out, self.translator.origin)
        else:
            raise ValueError(f"not a document format: {self.fmt}")

    def export(self, pairs, path, doc: Document | None) -> None:
        write_pairs(
            pairs,
            path,
            self.fmt,
            src_lang=doc.lang_tag if doc is not None else "zh-CN",
            signature=run_signature(doc, self.translator),
            include_gloss=self.include_gloss,
        )

    def to_directory(self, documents: Iterable[Document], out_dir: Path) -> None:
        """One output file per document."""
        from duiyi.atomic import atomic_write

        for doc, stream in self.drafter(documents):
            kept = self.kept()
            target = out_dir / self.output_name(doc.path, self._names)
            if self.fmt in FORMATS:
                drafts = self.drafts(doc, stream, kept)
                self.export(pairs_of(doc, drafts, self.translator), target, doc)
            else:
                with atomic_write(target) as out:
                    self.write_document(doc, stream, out, kept)
            self.record(doc, kept)

    def to_docx(self, documents: Iterable[Document], output: str | None, directory: bool) -> None:
        """Each DOCX input as a translated DOCX (one file, or one per document in a folder)."""
        from duiyi.errors import InputError
        from duiyi.translate.docx_out import check_source, write_translated_docx

        if output in (None, "-"):
            raise InputError("a translated DOCX needs an output file or folder: give -o")
        if not directory:  # refuse a second document before the first is written
            documents = list(itertools.islice(documents, 2))
            if len(documents) > 1:
                raise InputError("several documents: give -o a folder for the translated DOCX")
        for doc, stream in self.drafter(documents):
            check_source(doc)  # before its drafts are made
            kept = self.kept()
            index = {id(s): i for i, s in enumerate(doc.sentences)}
            drafts = {index[id(s)]: d.text for s, d in self.drafts(doc, stream, kept)}
            target = Path(output) / self.output_name(doc.path, self._names) if directory else output
            write_translated_docx(doc, drafts, target, self.translator.origin)
            self.record(doc, kept)

    def to_export(self, documents: Iterable[Document], path: str | None) -> None:
        """Every document into one TMX / XCES / … export (tagged by the first document)."""
        done: list[tuple[Document, list | None]] = []
        first: list[Document] = []
        tags: set[str] = set()

        def all_pairs():
            for doc, stream in self.drafter(documents):
                if not first:
                    first.append(doc)
                elif doc.lang_tag not in tags:  # one tag for the whole file: say so, once
                    log.warning(
                        "%s is %s but %s is tagged %s, as its first document is: write "
                        "Traditional and Simplified documents into separate files",
                        doc.name, doc.lang_tag, path, first[0].lang_tag,
                    )  # fmt: skip
                tags.add(doc.lang_tag)
                kept = self.kept()
                yield from pairs_of(doc, self.drafts(doc, stream, kept), self.translator)
                done.append((doc, kept))

        pairs = all_pairs()
        head = next(pairs, None)  # reads the first document: its script tags the export
        stream = pairs if head is None else itertools.chain([head], pairs)
        self.export(stream, path, first[0] if first else None)
        for doc, kept in done:
            self.record(doc, kept)

    def to_stream(self, documents: Iterable[Document], path: str | None) -> None:
        """Every document into one file (or stdout), a blank line between text drafts."""
        from duiyi.atomic import atomic_write

        with atomic_write(path) as out:
            for n, (doc, stream) in enumerate(self.drafter(documents)):
                if n and self.fmt == "text":
                    out.write("\n")
                kept = self.kept()
                self.write_document(doc, stream, out, kept)
                self.record(doc, kept)
                out.flush()

    def output_name(self, path: str, taken: set[str]) -> str:
        """Where the drafts of the document at `path` go in an output directory: its path
        under the input directory it was found in (sub-folders kept, as `align` does), or its
        name for a file named on the command line; the extension replaced, and not one of
        `taken` (the names given so far, which it joins)."""
        from duiyi.corpus.read import relative_name

        ext = DOCUMENT_FORMATS.get(self.fmt) or format_extension(self.fmt)
        relative = PurePosixPath(relative_name(path, self.roots))
        stem = (relative.parent / relative.name.rsplit(".", 1)[0]).as_posix()
        files = get_format(self.fmt).output_files if self.fmt in FORMATS else None
        return unique_name(stem, ext, taken, files)

    def check_outputs(self, paths: list[str], output: str | None, directory: bool) -> None:
        """OutputError where a file the run would write is one of its inputs (`atomic_write`
        refuses it too, but only once it gets there, after the documents before it)."""
        from duiyi.atomic import check_outputs

        if directory:
            taken: set[str] = set()
            targets = [str(Path(output) / self.output_name(p, taken)) for p in paths]
        else:
            targets = [output]
        if self.fmt in FORMATS:
            writer = get_format(self.fmt)
            targets = [f for t in targets if t not in (None, "-") for f in writer.output_files(t)]
        check_outputs(targets)
