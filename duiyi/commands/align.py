"""Align a document with its translation: sentence beads (1-1, 1-2, 2-1, …) with confidences.

Reads a source and its translation (either direction: zh→en or en→zh), or two directories of
documents paired by file name, splits them into sentences (Traditional Chinese is normalized
for alignment; pairs keep the original text), aligns them with multilingual sentence
embeddings (e5), a length model and a CC-CEDICT lexical signal, and writes pairs with a
confidence in [0, 1] (low = look at it first). Each side's language is detected (Chinese,
Japanese, English, or what its letters' script names: Hangul ko, Greek el, …; a script many
languages share, Cyrillic or Arabic, und: undetermined) and tags it in the output;
--src-lang/--tgt-lang name it (zh→fr, zh→ru: --tgt-lang ru), for the tags and the sentence
splitter. Each side's encoding is detected too; --src-encoding/--tgt-encoding name it where
detection cannot tell (a short Big5 or EUC-KR text is valid GB18030 too).

Output format from -o's extension: .tmx, .xml (XCES), .tsv, .jsonl, .moses, .xlf (XLIFF), or
.align (bead indices, one pair of documents only); stdout gets TSV. --presplit takes files that already hold
one sentence per line (each non-blank line is a sentence, a blank line a paragraph break) into
the store and every format; by default it writes beads in the gold `.align` format
([0,1]:[0], 0-based line numbers) to -o (a file, or a directory when aligning directories) or
stdout.

Literary translations leave some beads in near-ties the embeddings cannot settle (a 2-2 bead
against two 1-1 beads, a line of dialogue given to either neighbour): --rescore settles them
with an installed LLM (`duiyi models install qwen2.5-coder-0.5b`), at many times the CPU time.

Embeddings (and --rescore's scores) are cached in ~/.cache/duiyi/e5-embeddings.sqlite (--cache,
--no-cache).

examples:
  duiyi align article.zh.txt article.en.txt -o pairs.tmx
  duiyi align zh/ en/ -o corpus.jsonl --store corpus.db
  duiyi align --tgt-lang fr article.zh.txt article.fr.txt -o pairs.tmx
  duiyi align --presplit gold/zh/001 gold/en/001 -o 001.align
  duiyi align --presplit zh/ en/ -o system/ && duiyi eval-align gold/ system/
  duiyi align --presplit corpus.zh corpus.en -o corpus.tmx --store corpus.db
  duiyi align --rescore qwen2.5-coder-0.5b novel.zh.txt novel.en.txt -o novel.tmx
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from duiyi.commands._cluster import add_cluster_arguments, cluster_usage_error, ray_runtime
from duiyi.commands._corpus import add_encoding_argument, plural
from duiyi.commands._options import add_optional_value
from duiyi.commands._types import any_name, any_path, language_tag, text_encoding
from duiyi.errors import InputError
from duiyi.export import format_names


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source",
        metavar="SRC",
        type=any_path,
        help="source document (- for stdin), or a directory of them",
    )
    parser.add_argument(
        "target",
        metavar="TGT",
        type=any_path,
        help="its translation (- for stdin), or a directory of them",
    )
    parser.add_argument(
        "-o", "--output", metavar="PATH", type=any_path, help="output file or directory"
    )
    parser.add_argument(
        "-f",
        "--format",
        choices=(*format_names(), "align"),
        help="output format (default: from -o)",
    )
    parser.add_argument(
        "--presplit",
        action="store_true",
        help="inputs hold one sentence per line (default output: the .align format)",
    )
    parser.add_argument(
        "--glob", default="*", help="which files to pair inside directories (default: all)"
    )
    parser.add_argument(
        "--follow-links",
        action="store_true",
        help="inside directories, follow symbolic links that lead out of them (default: skip)",
    )
    parser.add_argument(
        "--paragraphs",
        choices=("soft", "hard", "ignore"),
        default="soft",
        help="paragraph breaks: a bead crossing one on one side only pays a penalty (soft, "
        "default), is not allowed (hard), or they are ignored",
    )
    add_optional_value(
        parser,
        "--rescore",
        const="auto",
        is_value=_is_model,
        metavar="MODEL",
        type=any_name,
        help="zh↔en: settle the beads the embeddings leave in near-ties with an installed LLM "
        "(log P(English | Chinese) of the rival beads; slow: on literary text about 9 "
        "sentences per CPU second with qwen2.5-coder-0.5b instead of 100; alone or auto: that "
        "model if installed, else the preferred installed one, see `duiyi models list`)",
    )
    parser.add_argument(
        "--src-lang",
        metavar="TAG",
        type=language_tag,
        help="the source's language tag (fr, de-CH, zh-TW): the output's and the store's tag, "
        "and the splitter's rules (Chinese for zh and ja, English for the others, the "
        "detected language's for und; "
        "default: detected, zh, ja, en, ko, el, … or und)",
    )
    parser.add_argument(
        "--tgt-lang",
        metavar="TAG",
        type=language_tag,
        help="the target's language tag (as --src-lang)",
    )
    add_encoding_argument(parser, "--src-encoding", whose="the source's text and HTML files are")
    parser.add_argument(
        "--tgt-encoding", metavar="NAME", type=text_encoding, default="auto",
        help="the target's encoding (as --src-encoding)",
    )  # fmt: skip
    parser.add_argument(
        "--store", metavar="DB", type=any_path, help="also add the alignments to this store"
    )
    parser.add_argument(
        "--cache",
        metavar="PATH",
        type=any_path,
        help="embedding cache file (default: ~/.cache/duiyi/…)",
    )
    parser.add_argument("--no-cache", action="store_true", help="do not cache embeddings")
    parser.add_argument("--scores", action="store_true", help=".align output: add confidences")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    add_cluster_arguments(parser)


def _is_model(word: str) -> bool:
    """What --rescore takes: auto, an LLM model's name (installed or installable) or its
    folder."""
    from duiyi.translate.llm_models import PINNED, find_installed

    return word == "auto" or word in PINNED or find_installed(word) is not None


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
    rescorer = model = None
    if args.rescore is not None:
        from duiyi.align.rescore import PREFERRED_MODEL, CachedScorer
        from duiyi.errors import ModelNotFound
        from duiyi.translate.llm import LLMTranslator
        from duiyi.translate.llm_models import find_installed

        name = args.rescore if args.rescore != "auto" else None
        if not name and find_installed(PREFERRED_MODEL):
            name = PREFERRED_MODEL
        try:
            rescorer = LLMTranslator.from_options(model=name, quality=False)
        except ModelNotFound as exc:
            if name:  # the model asked for: the loader's own message says what is wrong
                raise
            # the loader suggests the translator's default; --rescore prefers another
            raise ModelNotFound(
                f"no LLM model installed: --rescore needs one "
                f"(`duiyi models install {PREFERRED_MODEL}`, the one it prefers)"
            ) from exc
        model = rescorer.model
        if cache is not None:  # its scores go into the embedding cache's file
            rescorer = CachedScorer(rescorer, cache.path, rescorer.score_signature())
    return Aligner(SpanEncoder(cache), config, rescorer=rescorer), model


usage_error = cluster_usage_error  # checked before anything loads (cli.main)


def run(args: argparse.Namespace) -> int:
    import contextlib

    from duiyi.align.documents import match_pairs
    from duiyi.align.run import align_files, aligning_directories, output_format

    file_pairs = match_pairs(args.source, args.target, args.glob, args.follow_links)
    source_root = args.source if Path(args.source).is_dir() else None
    # Usage errors before the encoder loads.
    multiple = aligning_directories(file_pairs, source_root)
    output_format(args.format, args.output, presplit=args.presplit, multiple=multiple)
    store = contextlib.nullcontext()
    if args.store:
        from duiyi.corpus.store import Store

        store = Store.open(args.store)
    aligner, rescore_model = _aligner(args)
    with store as opened, ray_runtime(args) as runtime:
        align_many = None
        if runtime:
            model_path = rescore_model.path if rescore_model else None
            align_many = runtime.aligner(aligner, args.paragraphs, rescore_model=model_path)
        where = runtime.where if runtime else ""
        stats = align_files(
            file_pairs,
            aligner,
            output=args.output,
            fmt=args.format,
            store=opened,
            presplit=args.presplit,
            paragraphs=args.paragraphs,
            scores=args.scores,
            source_root=source_root,
            quiet=args.quiet,
            align_many=align_many,
            src_lang=args.src_lang,
            tgt_lang=args.tgt_lang,
            src_encoding=args.src_encoding,
            tgt_encoding=args.tgt_encoding,
        )
        if stats.failed and not stats.documents:
            # nothing aligned: fail as an error, so that a store this run created goes again
            *earlier, last = stats.failed
            _print_failures(earlier)
            raise InputError(_failure(*last))
    for name, warning in stats.warnings:
        print(f"duiyi: warning: {name}: {warning}", file=sys.stderr)
    _print_failures(stats.failed)
    if not args.quiet and stats.documents:
        out = f" → {args.output}" if args.output not in (None, "-") else ""
        if args.store:
            out += f" (stored in {args.store})"
        if rescore_model:
            out += f"; {stats.rescored} rival beads scored by {rescore_model.name}"
        if where:
            out += f" on {where}"
        print(
            f"duiyi: aligned {plural(stats.documents, 'document pair')}: "
            f"{plural(stats.linked, 'linked bead')}, mean confidence {stats.mean_score:.2f}, "
            f"{stats.low} below 0.5{out}",
            file=sys.stderr,
        )
        if stats.unpaired:
            out_name = args.output if args.output not in (None, "-") else "the output"
            print(
                f"duiyi: left {plural(stats.unpaired, 'bead')} with an empty side (a sentence "
                f"without a counterpart) out of {out_name}, as export does; "
                ".align and --store keep them",
                file=sys.stderr,
            )
        if stats.near_ties and not rescore_model:
            print(
                f"duiyi: {plural(stats.near_ties, 'bead')} "
                f"{'was a near-tie' if stats.near_ties == 1 else 'were near-ties'} "
                "of the embeddings: --rescore "
                "(zh↔en) settles most of them with an installed LLM (slow)",
                file=sys.stderr,
            )
    return 1 if stats.failed else 0


def _failure(name: str, why: str) -> str:
    """A document pair's failure, naming the document once."""
    return why if name in why else f"{name}: {why}"


def _print_failures(failed: list[tuple[str, str]]) -> None:
    for name, why in failed:
        print(f"duiyi: error: {_failure(name, why)}", file=sys.stderr)
