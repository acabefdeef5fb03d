"""What every pair format shares: the `PairFormat` interface and XML-safe text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from duiyi.corpus.model import Pair
from duiyi.errors import FormatError

# Characters XML 1.0 forbids: C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF.
_XML_FORBIDDEN = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 cannot hold (they are dropped, not replaced)."""
    if text.isprintable():  # fast path: printable text holds no control, surrogate or U+FFFE/F
        return text
    return _XML_FORBIDDEN.sub("", text)


MAX_LINE = 64 * 2**20  # one line of a pair file (a whole document in one JSONL record fits)


def text_lines(path: str, what: str = "text") -> Iterator[tuple[int, str]]:
    """(line number, line without its "\\n") of a UTF-8 file (a BOM is dropped).

    FormatError naming the file and line for bytes that are not UTF-8 (a binary file, a
    Latin-1 export) or a line over MAX_LINE bytes (memory stays bounded): one clear line
    instead of a UnicodeDecodeError. `what` names the
    expected content in that message.
    """
    with open(path, "rb") as f:
        for number, raw in enumerate(iter(lambda: f.readline(MAX_LINE + 1), b""), 1):
            if len(raw) > MAX_LINE:
                raise FormatError(
                    f"{path}:{number}: a line longer than {MAX_LINE // 2**20} MB, not {what}"
                )
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise FormatError(
                    f"{path}:{number}: not UTF-8 text, so not {what} (a binary file, or text "
                    "in another encoding: convert it to UTF-8)"
                ) from exc
            yield number, line[:-1] if line.endswith("\n") else line


def count_lines(path: str) -> int:
    """Lines of a file, as `text_lines` numbers them (a last line without "\\n" counts)."""
    count, last = 0, b"\n"
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")


def primary_subtag(lang: str) -> str:
    """ "zh-CN" → "zh", "en_US" → "en": what language matching compares."""
    return lang.replace("_", "-").split("-")[0].lower()


class PairReader:
    """The pairs of one file, streamed: iterate it once. Afterwards `skipped` counts the units
    that were not pairs (e.g. a TMX unit lacking a language) and `signature` holds the run
    signature the file recorded, if any (TMX: known once the header has been read)."""

    def __init__(self, pairs: Iterator[Pair] | None = None):
        self._pairs = pairs
        self.skipped = 0
        self.signature = ""

    def __iter__(self) -> Iterator[Pair]:
        return self._pairs if self._pairs is not None else iter(())


class PairFormat:
    """One parallel-text format: `write` pairs to a path, `read` pairs back where possible.

    Subclasses declare the format's facts (`name`, `extensions`, `multi_file`, `readable`),
    which the registry in `duiyi.export` and the CLI's choices read, and implement `write`
    (and `read_pairs` when readable). Options (Moses `tokenized`) go through the constructor.
    Writers stream: they hold one pair at a time and write atomically.
    """

    name: str = ""
    extensions: tuple[str, ...] = ()  # the first one names files the format writes
    multi_file: bool = False  # writes several files (so needs a path: never stdout)
    readable: bool = True  # duiyi can read it back (`duiyi import`)
    # Holds work still to do (XLIFF): gloss drafts stay in, marked as needing translation.
    # Elsewhere they are left out unless asked for: a CAT tool would take them for matches.
    keeps_gloss: bool = False
    # Read back onto the stored sentences it was written from (`Store.apply_translations`)
    # rather than added as new pairs.
    updates_store: bool = False
    # Whether write → read gives back text unchanged (Moses cannot hold line breaks, ...).
    keeps_line_breaks: bool = True
    keeps_metadata: bool = True  # score, bead, origin, document, status survive a round trip

    def write(
        self,
        pairs: Iterable[Pair],
        path: str | None,
        *,
        src_lang: str = "zh-CN",
        tgt_lang: str = "en-US",
        signature: str = "",
    ) -> int:
        """Write `pairs` to `path` ("-"/None: stdout); the number written."""
        raise NotImplementedError

    def require_path(self, path: str | None) -> str:
        """The output path of a format that writes several files (so never stdout)."""
        if path is None or path == "-":
            raise FormatError(f"{self.name} writes several files: give an output path with -o")
        return path

    def input_files(self, path: str, *, src_lang: str = "zh", tgt_lang: str = "en") -> list[str]:
        """The files reading `path` opens (Moses: the two a prefix names)."""
        return [path]

    def read(
        self, path: str, *, src_lang: str | None = None, tgt_lang: str | None = None
    ) -> PairReader:
        """The pairs stored at `path`, as a `PairReader`."""
        if not self.readable:
            raise FormatError(f"duiyi cannot read {self.name} files, only write them")
        return PairReader(self.read_pairs(path, src_lang=src_lang, tgt_lang=tgt_lang))

    def read_pairs(
        self, path: str, *, src_lang: str | None = None, tgt_lang: str | None = None
    ) -> Iterator[Pair]:
        """Stream the pairs stored at `path` (formats that are `readable` implement this)."""
        raise NotImplementedError
