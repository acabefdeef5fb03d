"""The `duiyi` command: one subcommand per user task, each a thin module in duiyi.commands.

Errors meant for users (`DuiyiError`, file-system errors) become one line on stderr and exit 1;
usage errors exit 2 (argparse). `--debug` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys

from duiyi import __version__
from duiyi.commands._options import parse_args
from duiyi.errors import DuiyiError

# (name, module, one-line help). Modules are imported to build their parsers; they import
# heavy libraries only inside run(), so `duiyi --help` stays fast.
COMMANDS: list[tuple[str, str, str]] = [
    (
        "normalize",
        "duiyi.commands.normalize",
        "normalize script (Traditional→Simplified), widths, spaces",
    ),
    ("split", "duiyi.commands.split", "split documents into sentences, removing web page chrome"),
    ("translate", "duiyi.commands.translate", "English drafts of Chinese documents (offline MT)"),
    ("models", "duiyi.commands.models", "list, install and remove offline translation models"),
    ("export", "duiyi.commands.export", "export a corpus store as TMX, XCES, Moses, TSV or JSONL"),
    (
        "import",
        "duiyi.commands.import_",
        "import a TMX (any CAT tool's) or other pairs into a store",
    ),
    ("corpus", "duiyi.commands.corpus", "inspect a corpus store (duiyi corpus info corpus.db)"),
    (
        "align",
        "duiyi.commands.align",
        "align a document with its translation (beads + confidences)",
    ),
    (
        "eval-align",
        "duiyi.commands.eval_align",
        "score an alignment against gold: strict/lax P/R/F1",
    ),
    ("review", "duiyi.commands.review", "review aligned pairs in the browser (a local web app)"),
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="duiyi",
        description="对译 duiyi: offline Chinese→English drafts and parallel corpora.",
        epilog="Run `duiyi COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"duiyi {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name, help_text in COMMANDS:
        module = importlib.import_module(module_name)
        doc = (module.__doc__ or help_text).strip()
        cmd = sub.add_parser(
            name,
            help=help_text,
            description=doc,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(cmd)
        cmd.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Restore the default SIGPIPE so `duiyi split … | head` ends quietly.
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    parser = build_parser()
    args = parse_args(parser, argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="duiyi: %(levelname)s: %(message)s",
    )
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("duiyi: interrupted", file=sys.stderr)
        return 130
    except DuiyiError as exc:
        if args.debug:
            raise
        print(f"duiyi: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        if args.debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"duiyi: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: still one line, the traceback under --debug
        if args.debug:
            raise
        print(
            f"duiyi: internal error: {type(exc).__name__}: {exc} (rerun with --debug for details)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
