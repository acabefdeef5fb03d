"""The `duiyi` command: one subcommand per user task, each a thin module in duiyi.commands.

Errors meant for users (`DuiyiError`, file-system errors) become one line on stderr and exit 1;
usage errors are one line and exit 2: a missing or unknown argument, a bad option value (the
types in `duiyi.commands._types` check each as it is parsed), options that do not go together
(a command's `usage_error`), all before any work starts. `--debug` shows the traceback
instead. A closed stdout or stdin is such an error when used; a closed stderr only silences the
messages. SIGTERM ends a command as Ctrl-C does (its outputs cleaned up), with status 143.
"""

from __future__ import annotations

import argparse
import importlib
import io
import logging
import os
import signal
import sys

from duiyi import __version__
from duiyi.atomic import input_scope
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
    ("export", "duiyi.commands.export", "export a store as TMX, XLIFF, XCES, Moses, TSV or JSONL"),
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


class _Parser(argparse.ArgumentParser):
    """A usage error is one line, `duiyi split: error: …` (exit 2), not the usage text first
    (`duiyi COMMAND --help` shows it). Subcommands' parsers are of this class too; each puts
    itself in the arguments it parses (`args.parser`), so that an error found after parsing
    names the innermost subcommand (`duiyi models install: error: …`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_defaults(parser=self)

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
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
        # usage_error(args): what argparse cannot check (options that go together), or None
        cmd.set_defaults(run=module.run, usage_error=getattr(module, "usage_error", None))
    return parser


class _ClosedStream(io.TextIOBase):
    """Stands for a standard stream the process was started without (`>&-`, `<&-`): reading or
    writing it is a one-line error, where None would be an AttributeError (or, for print, a
    silent loss of the output)."""

    def __init__(self, name: str):
        self.name = name

    def _closed(self, *args):
        raise DuiyiError(f"standard {self.name} is closed")

    read = readline = readlines = write = writelines = _closed

    def fileno(self) -> int:  # what libraries probing for a file descriptor expect
        raise io.UnsupportedOperation(f"standard {self.name} is closed")

    @property
    def buffer(self):  # binary readers and writers use .buffer: the same error
        return self


def _guard_std_streams() -> None:
    """Closed standard file descriptors: point them at /dev/null, so that no file duiyi opens
    later becomes fd 0, 1 or 2 (and gets messages or output meant for a terminal); then a
    closed stderr swallows messages, a closed stdout or stdin is an error when used."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 (for the life of the process)
    if sys.stdout is None:
        sys.stdout = _ClosedStream("output")
    if sys.stdin is None:
        sys.stdin = _ClosedStream("input")


def _terminated(signum, frame):
    # SIGTERM (`timeout`, `kill`) unwinds like Ctrl-C, so atomic writes remove their temporary
    # files, and exits 128 + 15 as the default action would.
    raise SystemExit(128 + signum)


class _LogFormatter(logging.Formatter):
    """Log records as the CLI's own lines read: `duiyi: warning: …`."""

    def format(self, record: logging.LogRecord) -> str:
        return f"duiyi: {record.levelname.lower()}: {super().format(record)}"


def main(argv: list[str] | None = None) -> int:
    # Restore the default SIGPIPE so `duiyi split … | head` ends quietly.
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, _terminated)
    _guard_std_streams()
    parser = build_parser()
    try:
        args = parse_args(parser, argv)
    except DuiyiError as exc:  # --help or --version to a closed stdout
        print(f"duiyi: error: {exc}", file=sys.stderr)
        return 1
    handler = logging.StreamHandler()
    handler.setFormatter(_LogFormatter())
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, handlers=[handler])
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return 2
    if args.usage_error and (problem := args.usage_error(args)):
        args.parser.error(problem)  # exits 2, before any model loads
    try:
        with input_scope():  # no output may replace a file the command reads
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
