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
}
EXPORTED = ("tmx", "xces")  # written by duiyi.export.write_pairs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="FILE|DIR|-", help="documents; - is stdin")
    parser.add_argument(
        "-o", "--output", metavar="PATH",
        help="output file, or directory (one draft per document); default stdout",
    )  # fmt: skip
    parser.add_argument(
        "-f", "--format", choices=("text", "side-by-side", "jsonl", "tmx", "xces"),
        help="text (paragraphs kept), side-by-side (Markdown table), jsonl, tmx, xces (XML); "
        "default from the -o extension, else text",
    )  # fmt: skip
    parser.add_argument("--glob", default="*", help="file pattern inside directories (default *)")
    engine = parser.add_argument_group("engine")
    engine.add_argument(
        "--engine", choices=("auto", "argos", "gloss"), default="auto",
        help="auto: the Argos model if installed, else glosses (default auto)",
    )  # fmt: skip
    engine.add_argument("--model", help="installed package name or folder (default: newest zh→en)")
    engine.add_argument("--beam-size", type=int, metavar="N", help="beam size (default 4)")
    engine.add_argument("--threads", type=int, metavar="N", help="CPU threads (default: all)")
    engine.add_argument("--device", choices=("auto", "cpu", "cuda"), help="default auto")
    engine.add_argument(
        "--compute-type", metavar="TYPE",
        help="CTranslate2 compute type (default int8 on CPU, int8_float16 on CUDA)",
    )  # fmt: skip
    engine.add_argument("--batch-tokens", type=int, metavar="N", help="tokens per batch (2048)")
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

    if not include_gloss:  # gloss drafts are not MT: out of every export unless asked
        pairs = (p for p in pairs if p.origin != "gloss")
    return write_pairs(pairs, path, fmt, signature=signature, include_gloss=include_gloss)


def run(args: argparse.Namespace) -> int:
    from duiyi.atomic import atomic_write
    from duiyi.progress import progressbar
    from duiyi.translate.cache import TranslationCache, default_cache_path
    from duiyi.translate.drafts import run_signature, translate_document
    from duiyi.translate.engine import choose_engine
    from duiyi.translate.output import pairs_of, write_jsonl, write_side_by_side, write_text

    fmt = args.format or FORMAT_BY_SUFFIX.get(Path(args.output or "").suffix, "text")
    options = {
        "model": args.model,
        "beam_size": args.beam_size,
        "threads": args.threads,
        "device": args.device,
        "compute_type": args.compute_type,
        "batch_tokens": args.batch_tokens,
    }
    translator, notice = choose_engine(args.engine, **options)
    if notice:
        print(f"duiyi: notice: {notice}", file=sys.stderr)
    if fmt in EXPORTED and translator.origin == "gloss":
        print(
            "duiyi: notice: gloss pairs (not MT) are marked origin=gloss and "
            + (
                "kept, as --include-gloss asks"
                if args.include_gloss
                else f"left out of {fmt.upper()}; --include-gloss keeps them"
            ),
            file=sys.stderr,
        )
    cache = None
    if translator.cacheable and not args.no_cache:
        cache = TranslationCache(args.cache or default_cache_path())
    store = _open_store(args.store) if args.store else contextlib.nullcontext()

    dir_mode = _directory_mode(args)
    taken: set[str] = set()
    stats = {"documents": 0, "sentences": 0, "cached": 0, "flagged": 0}

    def drafts_of(doc, collected):
        stream = translate_document(doc, translator, cache)
        bar = progressbar(
            stream, total=len(doc.sentences), desc=doc.name, unit="sent", silent=args.quiet
        )
        for sentence, draft in bar:
            stats["sentences"] += 1
            stats["cached"] += draft.cached
            stats["flagged"] += bool(set(draft.flags) - {"gloss"})
            if collected is not None:
                collected.append(draft)
            yield sentence, draft

    def write_one(doc, stream, out) -> None:
        if fmt == "text":
            write_text(doc, stream, out)
        elif fmt == "side-by-side":
            write_side_by_side(doc, stream, out, translator.origin)
        else:
            write_jsonl(doc, stream, out, translator)

    def documents():
        for doc in _documents(args.inputs, args.glob):
            stats["documents"] += 1
            if not doc.sentences and not args.quiet:
                print(f"duiyi: note: {doc.name} has no text to translate", file=sys.stderr)
            yield doc

    def record(doc, kept) -> None:
        """Add the document and its drafts (kept while translating) to the --store."""
        if kept is None:
            return
        from duiyi.corpus.model import Bead

        beads = [Bead((i,), (), d.score or 0.0) for i, d in enumerate(kept)]
        store.add_alignment(
            doc,
            beads,
            [d.text for d in kept],
            origin=translator.origin,
            engine=translator.engine_id,
            signature=run_signature(doc, translator),
        )

    signature = run_signature(None, translator)
    with store, cache or contextlib.nullcontext():
        if dir_mode:
            out_dir = Path(args.output)
            for doc in documents():
                kept = [] if args.store else None
                target = out_dir / _output_name(doc, fmt, taken)
                if fmt in EXPORTED:
                    _export(
                        pairs_of(doc, drafts_of(doc, kept), translator),
                        target,
                        fmt,
                        run_signature(doc, translator),
                        args.include_gloss,
                    )
                else:
                    with atomic_write(target) as out:
                        write_one(doc, drafts_of(doc, kept), out)
                record(doc, kept)
        elif fmt in EXPORTED:
            docs_kept = []

            def all_pairs():
                for doc in documents():
                    kept = [] if args.store else None
                    yield from pairs_of(doc, drafts_of(doc, kept), translator)
                    docs_kept.append((doc, kept))

            _export(all_pairs(), args.output, fmt, signature, args.include_gloss)
            for doc, kept in docs_kept:
                record(doc, kept)
        else:
            with atomic_write(args.output) as out:
                for doc in documents():
                    kept = [] if args.store else None
                    write_one(doc, drafts_of(doc, kept), out)
                    record(doc, kept)
                    out.flush()

    if not args.quiet:
        where = args.output if args.output and args.output != "-" else "stdout"
        kind = "glossed" if translator.origin == "gloss" else "translated"
        print(
            f"duiyi: {kind} {stats['sentences']} sentences in {stats['documents']} documents "
            f"({stats['cached']} from the cache, {stats['flagged']} flagged) with "
            f"{translator.engine_id} → {where}",
            file=sys.stderr,
        )
    return 0


def _open_store(path: str):
    from duiyi.corpus.store import Store

    return Store.open(path)
