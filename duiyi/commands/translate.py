"""Translate Chinese documents into English drafts, offline.

Uses the newest installed Argos zh→en model (see `duiyi models`); without one it falls back to
CC-CEDICT word glosses, says so, and marks them origin "gloss" (not machine translation).
Drafts are cached (SQLite), so a second run is instant and an interrupted one resumes.

examples:
  duiyi translate article.txt                 English draft on stdout
  duiyi translate seeds/ -o drafts/           one draft per document
  cat a.txt | duiyi translate - -f jsonl      source, normalized source, draft, model, score
  duiyi translate seeds/ -f tmx -o mt.tmx     translation memory (gloss left out unless asked)
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

FORMAT_BY_SUFFIX = {
    ".tmx": "tmx",
    ".xml": "xces",
    ".jsonl": "jsonl",
    ".md": "side-by-side",
    ".txt": "text",
    ".xlf": "xliff",
    ".xliff": "xliff",
    ".docx": "docx",
}
EXPORTED = ("tmx", "xces", "xliff", "xliff2")  # written by duiyi.export.write_pairs
# Formats that hold work still to do: gloss drafts stay in, marked as needing translation.
KEEPS_GLOSS = ("xliff", "xliff2")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="FILE|DIR|-", help="documents; - is stdin")
    parser.add_argument(
        "-o", "--output", metavar="PATH",
        help="output file, or directory (one draft per document); default stdout",
    )  # fmt: skip
    parser.add_argument(
        "-f", "--format",
        choices=("text", "side-by-side", "jsonl", "tmx", "xces", "xliff", "xliff2", "docx"),
        help="text (paragraphs kept), side-by-side (Markdown table), jsonl, tmx, xces (XML), "
        "xliff (1.2, for CAT tools), xliff2 (2.1), docx (the DOCX input, translated, styles "
        "kept); default from the -o extension, else text",
    )  # fmt: skip
    parser.add_argument("--glob", default="*", help="file pattern inside directories (default *)")
    engine = parser.add_argument_group("engine")
    engine.add_argument(
        "--engine", choices=("auto", "argos", "gloss"), default="auto",
        help="auto: the Argos model if installed, else glosses (default auto)",
    )  # fmt: skip
    engine.add_argument("--model", help="installed package name or folder (default: newest zh→en)")
    engine.add_argument("--beam-size", type=_positive, metavar="N", help="beam size (default 4)")
    engine.add_argument("--threads", type=_positive, metavar="N", help="CPU threads (default: all)")
    engine.add_argument("--device", choices=("auto", "cpu", "cuda"), help="default auto")
    engine.add_argument(
        "--compute-type", metavar="TYPE",
        help="CTranslate2 compute type (default int8 on CPU, int8_float16 on CUDA)",
    )  # fmt: skip
    engine.add_argument(
        "--batch-tokens", type=_positive, metavar="N", help="tokens per batch (2048)"
    )
    cache = parser.add_argument_group("cache and store")
    cache.add_argument("--cache", metavar="PATH", help="translation cache (default ~/.cache/duiyi)")
    cache.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    cache.add_argument("--store", metavar="DB", help="also add the pairs to this corpus store")
    parser.add_argument(
        "--include-gloss", action="store_true",
        help="keep gloss (non-MT) pairs in TMX/XML output; they are left out by default",
    )  # fmt: skip
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")


def _documents(inputs: list[str], glob: str):
    """Read and prepare (clean, normalize, split) every input document, one at a time."""
    from duiyi.corpus.pipeline import prepare
    from duiyi.corpus.read import read_inputs

    for doc in read_inputs(inputs, glob=glob):
        yield prepare(doc, lang="zh")


def _directory_mode(args) -> bool:
    out = args.output
    if not out or out == "-":
        return False
    if Path(out).is_dir() or out.endswith(("/", "\\")):
        return True
    many = len(args.inputs) > 1 or any(Path(i).is_dir() for i in args.inputs if i != "-")
    return many and not Path(out).suffix


def _output_name(doc, fmt: str, taken: set[str]) -> str:
    from duiyi.translate.output import EXTENSIONS

    stem = "stdin" if doc.path == "-" else Path(doc.path).name.rsplit(".", 1)[0]
    name, n = stem + EXTENSIONS[fmt], 1
    while name in taken:
        n += 1
        name = f"{stem}-{n}{EXTENSIONS[fmt]}"
    taken.add(name)
    return name


def _export(pairs, path, fmt: str, signature: str, include_gloss: bool) -> int:
    from duiyi.export import write_pairs

    if not include_gloss and fmt not in KEEPS_GLOSS:  # gloss drafts are not MT: out of exports
        pairs = (p for p in pairs if p.origin != "gloss")
    return write_pairs(pairs, path, fmt, signature=signature, include_gloss=include_gloss)


class TranslateRun:
    """One `duiyi translate` run: the engine, cache and store, and where drafts go."""

    def __init__(self, args: argparse.Namespace, fmt: str, translator, cache, store):
        self.args, self.fmt = args, fmt
        self.translator, self.cache, self.store = translator, cache, store
        self.stats = {"documents": 0, "sentences": 0, "cached": 0, "flagged": 0}
        self._names: set[str] = set()

    def documents(self):
        for doc in _documents(self.args.inputs, self.args.glob):
            self.stats["documents"] += 1
            if not doc.sentences and not self.args.quiet:
                print(f"duiyi: note: {doc.name} has no text to translate", file=sys.stderr)
            yield doc

    def drafts(self, doc, kept: list | None):
        """(sentence, draft) pairs with a progress bar; drafts also go to `kept` for --store."""
        from duiyi.progress import progressbar
        from duiyi.translate.drafts import translate_document

        stream = translate_document(doc, self.translator, self.cache)
        bar = progressbar(
            stream, total=len(doc.sentences), desc=doc.name, unit="sent", silent=self.args.quiet
        )
        for sentence, draft in bar:
            self.stats["sentences"] += 1
            self.stats["cached"] += draft.cached
            self.stats["flagged"] += bool(set(draft.flags) - {"gloss"})
            if kept is not None:
                kept.append(draft)
            yield sentence, draft

    def write_document(self, doc, out, kept: list | None) -> None:
        from duiyi.translate.output import write_jsonl, write_side_by_side, write_text

        drafts = self.drafts(doc, kept)
        if self.fmt == "text":
            write_text(doc, drafts, out)
        elif self.fmt == "side-by-side":
            write_side_by_side(doc, drafts, out, self.translator.origin)
        else:
            write_jsonl(doc, drafts, out, self.translator)

    def pairs(self, doc, kept: list | None):
        from duiyi.translate.output import pairs_of

        return pairs_of(doc, self.drafts(doc, kept), self.translator)

    def record(self, doc, kept: list | None) -> None:
        """Add the document and its drafts (kept while translating) to the --store."""
        if kept is None:
            return
        from duiyi.corpus.model import Bead
        from duiyi.translate.drafts import run_signature

        self.store.add_alignment(
            doc,
            [Bead((i,), (), d.score or 0.0) for i, d in enumerate(kept)],
            [d.text for d in kept],
            origin=self.translator.origin,
            engine=self.translator.engine_id,
            signature=run_signature(doc, self.translator),
        )

    def _kept(self) -> list | None:
        return [] if self.args.store else None

    def to_directory(self, out_dir: Path) -> None:
        """One output file per document."""
        from duiyi.atomic import atomic_write
        from duiyi.translate.drafts import run_signature

        for doc in self.documents():
            kept = self._kept()
            target = out_dir / _output_name(doc, self.fmt, self._names)
            if self.fmt in EXPORTED:
                signature = run_signature(doc, self.translator)
                pairs = self.pairs(doc, kept)
                _export(pairs, target, self.fmt, signature, self.args.include_gloss)
            else:
                with atomic_write(target) as out:
                    self.write_document(doc, out, kept)
            self.record(doc, kept)

    def to_docx(self, output: str | None, directory: bool) -> None:
        """Each DOCX input as a translated DOCX (one file, or one per document in a folder)."""
        from duiyi.errors import InputError
        from duiyi.translate.docx_out import write_translated_docx

        if output in (None, "-"):
            raise InputError("a translated DOCX needs an output file or folder: give -o")
        for n, doc in enumerate(self.documents()):
            if doc.meta.get("format") != "docx":
                raise InputError(f"{doc.name} is not a DOCX file: -f docx translates DOCX inputs")
            if n and not directory:
                raise InputError("several documents: give -o a folder for the translated DOCX")
            kept = self._kept()
            index = {id(s): i for i, s in enumerate(doc.sentences)}
            drafts = {index[id(s)]: d.text for s, d in self.drafts(doc, kept)}
            target = Path(output) / _output_name(doc, "docx", self._names) if directory else output
            write_translated_docx(doc, drafts, target)
            self.record(doc, kept)

    def to_export(self, path: str | None) -> None:
        """Every document into one TMX / XCES export."""
        from duiyi.translate.drafts import run_signature

        done = []

        def all_pairs():
            for doc in self.documents():
                kept = self._kept()
                yield from self.pairs(doc, kept)
                done.append((doc, kept))

        signature = run_signature(None, self.translator)
        _export(all_pairs(), path, self.fmt, signature, self.args.include_gloss)
        for doc, kept in done:
            self.record(doc, kept)

    def to_stream(self, path: str | None) -> None:
        """Every document into one file (or stdout), a blank line between text drafts."""
        from duiyi.atomic import atomic_write

        with atomic_write(path) as out:
            for n, doc in enumerate(self.documents()):
                if n and self.fmt == "text":
                    out.write("\n")
                kept = self._kept()
                self.write_document(doc, out, kept)
                self.record(doc, kept)
                out.flush()

    def summary(self) -> str:
        where = self.args.output if self.args.output not in (None, "-") else "stdout"
        kind = "glossed" if self.translator.origin == "gloss" else "translated"
        s = self.stats
        return (
            f"duiyi: {kind} {s['sentences']} sentences in {s['documents']} documents "
            f"({s['cached']} from the cache, {s['flagged']} flagged) with "
            f"{self.translator.engine_id} → {where}"
        )


def _gloss_export_notice(fmt: str, include_gloss: bool) -> str:
    kept = "kept, as --include-gloss asks"
    left_out = f"left out of {fmt.upper()}; --include-gloss keeps them"
    return "duiyi: notice: gloss pairs (not MT) are marked origin=gloss and " + (
        kept if include_gloss else left_out
    )


def run(args: argparse.Namespace) -> int:
    from duiyi.cache import cache_path
    from duiyi.translate.cache import TranslationCache
    from duiyi.translate.engine import choose_engine

    fmt = args.format or FORMAT_BY_SUFFIX.get(Path(args.output or "").suffix, "text")
    translator, notice = choose_engine(
        args.engine,
        model=args.model,
        beam_size=args.beam_size,
        threads=args.threads,
        device=args.device,
        compute_type=args.compute_type,
        batch_tokens=args.batch_tokens,
    )
    if notice:
        print(f"duiyi: notice: {notice}", file=sys.stderr)
    if fmt in EXPORTED and fmt not in KEEPS_GLOSS and translator.origin == "gloss":
        print(_gloss_export_notice(fmt, args.include_gloss), file=sys.stderr)
    cache = None
    if translator.cacheable and not args.no_cache:
        cache = TranslationCache(args.cache or cache_path("translations.db"))
    store = _open_store(args.store) if args.store else contextlib.nullcontext()

    with store, cache or contextlib.nullcontext():
        job = TranslateRun(args, fmt, translator, cache, store)
        if fmt == "docx":
            job.to_docx(args.output, _directory_mode(args))
        elif _directory_mode(args):
            job.to_directory(Path(args.output))
        elif fmt in EXPORTED:
            job.to_export(args.output)
        else:
            job.to_stream(args.output)
    if not args.quiet:
        print(job.summary(), file=sys.stderr)
    return 0


def _open_store(path: str):
    from duiyi.corpus.store import Store

    return Store.open(path)
