"""Translate Chinese documents into English drafts, offline.

Uses an installed LLM model (Qwen2.5, see `duiyi models`), else the newest Argos zh→en model;
without either it falls back to CC-CEDICT word glosses, says so, and marks them origin "gloss"
(not machine translation).
Drafts are cached (SQLite), so a second run is instant and an interrupted one resumes.

examples:
  duiyi translate article.txt                 English draft on stdout
  duiyi translate seeds/ -o drafts/           one draft per document
  cat a.txt | duiyi translate - -f jsonl      source, normalized source, draft, model, score
  duiyi translate seeds/ -f tmx -o mt.tmx     translation memory (gloss left out unless asked)
  duiyi translate a.txt --glossary terms.tsv --context 2    terminology and context (LLM)
  duiyi translate job.xlf -o job.mt.xlf       a CAT tool's XLIFF, MT drafts in its empty targets
"""

from __future__ import annotations

import argparse
import contextlib
import sys

from duiyi.commands._cluster import add_cluster_arguments, cluster_usage_error, ray_runtime
from duiyi.commands._corpus import add_encoding_argument, plural
from duiyi.commands._types import any_name, any_path, count, existing_file, positive_int
from duiyi.export import format_names
from duiyi.translate.output import DOCUMENT_FORMATS

# CTranslate2's names (`ctranslate2.Translator(compute_type=…)`), literal so `--help` imports nothing
COMPUTE_TYPES = (
    "default", "auto", "int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16",
    "float16", "bfloat16", "float32",
)  # fmt: skip


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "inputs", nargs="+", metavar="FILE|DIR|-", type=any_path,
        help="documents (- is stdin), or XLIFF files to pre-translate",
    )  # fmt: skip
    parser.add_argument(
        "-o", "--output", metavar="PATH", type=any_path,
        help="output file, or directory (one draft per document); default stdout",
    )  # fmt: skip
    parser.add_argument(
        "-f", "--format", choices=(*DOCUMENT_FORMATS, *format_names()),
        help="text (paragraphs kept), side-by-side (Markdown table), docx (the DOCX input, "
        "translated, styles kept), or a pair format: "
        f"{', '.join(format_names())}; default from the -o extension, else text",
    )  # fmt: skip
    parser.add_argument("--glob", default="*", help="file pattern inside directories (default *)")
    parser.add_argument(
        "--follow-links",
        action="store_true",
        help="inside directories, follow symbolic links that lead out of them (default: skip)",
    )
    add_encoding_argument(parser, declared="XLIFF, DOCX, ODT, EPUB, PDF")
    engine = parser.add_argument_group("engine")
    engine.add_argument(
        "--engine", choices=("auto", "llm", "argos", "gloss"), default="auto",
        help="auto: an installed LLM, else an Argos model, else glosses (default auto)",
    )  # fmt: skip
    engine.add_argument(
        "--model", type=any_name, help="installed model name or folder (default: the best one)"
    )
    engine.add_argument(
        "--glossary", metavar="FILE", type=existing_file,
        help="terms (TSV zh<TAB>en, CSV or TBX) put into the prompt of sentences using them (llm)",
    )  # fmt: skip
    add_encoding_argument(
        engine, "--glossary-encoding", whose="a TSV or CSV --glossary is", declared="TBX files"
    )
    engine.add_argument(
        "--context", type=count, default=0, metavar="N",
        help="give the LLM the N previous sentences as context (default 0)",
    )  # fmt: skip
    engine.add_argument("--beam-size", type=positive_int, metavar="N", help="beam size (default 4)")
    engine.add_argument(
        "--threads", type=positive_int, metavar="N", help="CPU threads (default: all)"
    )
    engine.add_argument("--device", choices=("auto", "cpu", "cuda"), help="default auto")
    engine.add_argument(
        "--compute-type", metavar="TYPE", choices=COMPUTE_TYPES,
        help="CTranslate2 compute type (default int8 on CPU, int8_float16 on CUDA)",
    )  # fmt: skip
    engine.add_argument(
        "--batch-tokens", type=positive_int, metavar="N", help="tokens per batch (2048)"
    )
    cache = parser.add_argument_group("cache and store")
    cache.add_argument(
        "--cache",
        metavar="PATH",
        type=any_path,
        help="translation cache file (default ~/.cache/duiyi/translations.db)",
    )
    cache.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    cache.add_argument(
        "--store", metavar="DB", type=any_path, help="also add the pairs to this corpus store"
    )
    parser.add_argument(
        "--include-gloss", action="store_true",
        help="keep gloss (non-MT) pairs in TMX, XCES, Moses, TSV and JSONL output, which "
        "leave them out by default (XLIFF keeps them, marked as still to translate)",
    )  # fmt: skip
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    add_cluster_arguments(parser)


usage_error = cluster_usage_error  # checked before anything loads (cli.main)


def run(args: argparse.Namespace) -> int:
    from duiyi.cache import cache_path
    from duiyi.export import FORMATS
    from duiyi.translate.cache import TranslationCache
    from duiyi.translate.engine import ENGINE_OPTIONS, choose_engine
    from duiyi.translate.run import check_gloss_output, output_format, translate_inputs

    fmt = output_format(args.format, args.output)
    glossary = None
    if args.glossary:
        from duiyi.translate.glossary import load

        glossary = load(args.glossary, args.glossary_encoding)
    options = dict(
        model=args.model,
        glossary=glossary,
        context=args.context or None,
        beam_size=args.beam_size,
        threads=args.threads,
        device=args.device,
        compute_type=args.compute_type,
        batch_tokens=args.batch_tokens,
    )
    translator, notice = choose_engine(args.engine, **options)
    if notice:
        print(f"duiyi: notice: {notice}", file=sys.stderr)
    ignored = [
        f"--{key.replace('_', '-')}"
        for key in ("glossary", "context", "beam_size")
        if options[key] and key not in ENGINE_OPTIONS.get(translator.name, ())
    ]
    if ignored:
        takers = "; ".join(
            f"{name}: {', '.join('--' + k.replace('_', '-') for k in sorted(keys))}"
            for name, keys in ENGINE_OPTIONS.items()
        )
        print(f"duiyi: notice: the {translator.name} engine ignores {', '.join(ignored)} "
              f"(engine options: {takers})", file=sys.stderr)  # fmt: skip
    if args.model and translator.name == "gloss":  # --engine gloss (auto refuses a lost model)
        print(f"duiyi: notice: --engine gloss has no model; --model {args.model} is ignored",
              file=sys.stderr)  # fmt: skip
    why = "no MT model installed" if args.engine == "auto" else "--engine gloss"
    check_gloss_output(fmt, translator, args.include_gloss, why)  # before a store or Ray starts
    if fmt in FORMATS and not FORMATS[fmt].keeps_gloss and translator.origin == "gloss":
        print("duiyi: notice: gloss pairs (not MT) are marked origin=gloss and kept, as "
              "--include-gloss asks", file=sys.stderr)  # fmt: skip
    cache = None
    if translator.cacheable and not args.no_cache:
        cache = TranslationCache(args.cache or cache_path("translations.db"))
    with (
        _store(args.store) as store,
        cache or contextlib.nullcontext(),
        ray_runtime(args) as runtime,
    ):
        drafter = runtime.drafter(translator, cache, options) if runtime else None
        where = runtime.where if runtime else ""
        stats = translate_inputs(
            args.inputs,
            translator,
            cache=cache,
            output=args.output,
            fmt=args.format,  # (an XLIFF input tells -f from the -o extension)
            glob=args.glob,
            follow_links=args.follow_links,
            encoding=args.encoding,
            store=store,
            include_gloss=args.include_gloss,
            quiet=args.quiet,
            drafter=drafter,
        )
    if not args.quiet:
        for name in stats.empty:
            print(f"duiyi: note: {name} has no text to translate", file=sys.stderr)
        output = args.output if args.output not in (None, "-") else "stdout"
        output += f" on {where}" if where else ""
        kind = "glossed" if translator.origin == "gloss" else "translated"
        if stats.xliff is not None:
            print(_xliff_summary(stats, kind, translator.engine_id, output), file=sys.stderr)
            return 0
        print(
            f"duiyi: {kind} {plural(stats.sentences, 'sentence')} in "
            f"{plural(stats.documents, 'document')} "
            f"({stats.cached} from the cache, {stats.flagged} flagged) with "
            f"{translator.engine_id} → {output}" + _adherence(stats),
            file=sys.stderr,
        )
    return 0


def _xliff_summary(stats, kind: str, engine: str, output: str) -> str:
    units = stats.xliff
    return (
        f"duiyi: {kind} {plural(units.translated, 'unit')} "
        f"({plural(stats.sentences, 'sentence')}, {stats.cached} from the cache, "
        f"{stats.flagged} flagged) of {plural(stats.documents, 'XLIFF file')} with {engine} "
        f"→ {output}; {units.done} already translated, {units.inline} with inline tags left "
        f"for the translator, {units.skipped} skipped (translate=no or no text)" + _adherence(stats)
    )


def _adherence(stats) -> str:
    if not stats.term_hits:
        return ""
    share = stats.term_kept / stats.term_hits
    return f"; glossary adherence {stats.term_kept}/{stats.term_hits} ({share:.0%})"


def _store(path: str | None):
    if not path:
        return contextlib.nullcontext()
    from duiyi.corpus.store import Store

    return Store.open(path)
