"""Align a document with its translation: sentence beads (1-1, 1-2, 2-1, …) with confidences.

Reads a source and its translation (either direction: zh→en or en→zh), or two directories of
documents paired by file name, splits them into sentences (Traditional Chinese is normalized
for alignment; pairs keep the original text), aligns them with multilingual sentence
embeddings (e5), a length model and a CC-CEDICT lexical signal, and writes pairs with a
confidence in [0, 1] (low = look at it first).

Output format from -o's extension: .tmx, .xml (XCES), .tsv, .jsonl, .moses, or .align (bead
indices, one pair of documents only); stdout gets TSV. --presplit takes files that already hold
one sentence per line and writes beads in the gold `.align` format ([0,1]:[0], 0-based), to -o
(a file, or a directory when aligning directories) or stdout.

Embeddings are cached in ~/.cache/duiyi/e5-embeddings.sqlite (--cache, --no-cache).

examples:
  duiyi align article.zh.txt article.en.txt -o pairs.tmx
  duiyi align zh/ en/ -o corpus.jsonl --store corpus.db
  duiyi align --presplit gold/zh/001 gold/en/001 -o 001.align
  duiyi align --presplit zh/ en/ -o system/ && duiyi eval-align gold/ system/
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

OUTPUT_FORMATS = ("tmx", "xces", "moses", "tsv", "jsonl", "align")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="SRC", help="source document, or a directory of them")
    parser.add_argument("target", metavar="TGT", help="its translation, or a directory of them")
    parser.add_argument("-o", "--output", metavar="PATH", help="output file or directory")
    parser.add_argument(
        "-f", "--format", choices=OUTPUT_FORMATS, help="output format (default: from -o)"
    )
    parser.add_argument(
        "--presplit",
        action="store_true",
        help="inputs hold one sentence per line; write beads in the .align format",
    )
    parser.add_argument(
        "--glob", default="*", help="which files to pair inside directories (default: all)"
    )
    parser.add_argument(
        "--paragraphs",
        choices=("soft", "hard", "ignore"),
        default="soft",
        help="paragraph breaks: a bead crossing one on one side only pays a penalty (soft, "
        "default), is not allowed (hard), or they are ignored",
    )
    parser.add_argument("--store", metavar="DB", help="also add the alignments to this store")
    parser.add_argument(
        "--cache", metavar="PATH", help="embedding cache file (default: ~/.cache/duiyi/…)"
    )
    parser.add_argument("--no-cache", action="store_true", help="do not cache embeddings")
    parser.add_argument("--scores", action="store_true", help=".align output: add confidences")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")


def _aligner(args):
    from duiyi.align.aligner import AlignConfig, Aligner
    from duiyi.align.embed import EmbeddingCache, SpanEncoder
    from duiyi.cache import cache_path

    cache = None
    if not args.no_cache:
        try:
            cache = EmbeddingCache(args.cache or cache_path("e5-embeddings.sqlite"))
        except Exception as exc:  # an unwritable cache must not stop an alignment
            logging.getLogger(__name__).warning("embedding cache unavailable: %s", exc)
    config = AlignConfig(hard_paragraphs=args.paragraphs == "hard")
    return Aligner(SpanEncoder(cache), config)


def _summarize(args: argparse.Namespace, alignments: list) -> None:
    """One line on stderr: how much was aligned, how confidently, and where it went."""
    if args.quiet:
        return
    scores = [b.score for result in alignments for b in result.beads if b.src and b.tgt]
    low = sum(score < 0.5 for score in scores)
    mean = sum(scores) / len(scores) if scores else 0.0
    where = f" → {args.output}" if args.output not in (None, "-") else ""
    if args.store:
        where += f" (stored in {args.store})"
    docs = f"{len(alignments)} document pair{'s' if len(alignments) != 1 else ''}"
    print(
        f"duiyi: aligned {docs}: {len(scores)} linked beads, mean confidence {mean:.2f}, "
        f"{low} below 0.5{where}",
        file=sys.stderr,
    )


def _warn(name: str, warnings: list[str]) -> None:
    for warning in warnings:
        print(f"duiyi: warning: {name}: {warning}", file=sys.stderr)


def _output_format(args, multiple: bool) -> str:
    from duiyi.errors import InputError

    if args.presplit:
        if args.format not in (None, "align"):
            raise InputError("--presplit writes the .align format only")
        if args.store:
            raise InputError("--store needs documents, not --presplit sentence lists")
        return "align"
    if args.format:
        fmt = args.format
    elif args.output in (None, "-"):
        fmt = "tsv"
    elif args.output.endswith(".align"):
        fmt = "align"
    else:
        from duiyi.export import format_for_path

        fmt = format_for_path(args.output)
    if fmt == "align" and multiple:
        raise InputError(
            "the .align format holds one pair of documents: use --presplit with -o DIR"
        )
    return fmt


def run(args: argparse.Namespace) -> int:
    from duiyi.align.alignfile import write_align
    from duiyi.align.documents import match_pairs
    from duiyi.errors import InputError
    from duiyi.progress import progressbar

    pairs = match_pairs(args.source, args.target, args.glob)
    multiple = Path(args.source).is_dir()
    fmt = _output_format(args, multiple)
    if multiple and fmt == "align" and args.output in (None, "-"):
        raise InputError("aligning directories with --presplit: give an output directory with -o")
    aligner = _aligner(args)
    bar = progressbar(pairs, total=len(pairs), desc="align", unit="doc", silent=args.quiet)
    if args.presplit:
        from duiyi.align.documents import read_presplit

        results = []
        for src_path, tgt_path in bar:
            result = aligner.align(read_presplit(src_path), read_presplit(tgt_path))
            results.append(result)
            _warn(src_path.name, result.warnings)
            out = args.output
            if multiple:
                out = Path(args.output) / f"{src_path.relative_to(args.source)}.align"
            write_align(result.beads, out, with_score=args.scores)
        _summarize(args, results)
        return 0
    return _align_documents(args, aligner, bar, fmt)


def _align_documents(args, aligner, bar, fmt: str) -> int:
    from duiyi import __version__
    from duiyi.align.alignfile import write_align
    from duiyi.align.documents import align_documents, pairs_from_beads
    from duiyi.corpus.pipeline import prepare
    from duiyi.corpus.read import read_document

    results = []
    for src_path, tgt_path in bar:
        src = prepare(read_document(src_path))
        tgt = prepare(read_document(tgt_path))
        result = align_documents(aligner, src, tgt, paragraphs=args.paragraphs != "ignore")
        _warn(src.name, result.warnings)
        results.append((src, tgt, result))
    from duiyi.corpus.pipeline import pipeline_signature

    signature = f"{pipeline_signature(results[0][0])}|{aligner.signature()}|duiyi:{__version__}"
    if args.store:
        from duiyi.corpus.store import Store

        with Store.open(args.store) as store:
            for src, tgt, result in results:
                store.add_alignment(
                    src,
                    result.beads,
                    origin="aligned",
                    engine="e5-dp",
                    signature=signature,
                    tgt_doc=tgt,
                )
    if fmt == "align":
        write_align(results[0][2].beads, args.output, with_score=args.scores)
        _summarize(args, [result for _, _, result in results])
        return 0
    from duiyi.export import write_pairs

    def lang_tag(doc) -> str:
        if doc.lang == "zh":
            return "zh-TW" if doc.script == "traditional" else "zh-CN"
        return "en-US"

    src0, tgt0, _ = results[0]
    pairs = (
        pair for src, tgt, result in results for pair in pairs_from_beads(src, tgt, result.beads)
    )
    write_pairs(
        pairs,
        args.output,
        fmt,
        src_lang=lang_tag(src0),
        tgt_lang=lang_tag(tgt0),
        signature=signature,
    )
    _summarize(args, [result for _, _, result in results])
    return 0
