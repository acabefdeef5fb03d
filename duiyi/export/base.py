"""What every pair format shares: the `PairFormat` interface and XML-safe text."""

from __future__ import annotations

import codecs
import contextlib
import io
import math
import os
import re
import sys
from collections.abc import Iterable, Iterator
from typing import IO

from duiyi.atomic import atomic_write
from duiyi.corpus.model import (
    Pair,
    is_language_tag,
    language_code,
    language_tag_problem,
    primary_subtag,
)
from duiyi.errors import FormatError, InputError

# Where a writer writes: a path ("-" or None: stdout) or a file object, text or binary.
Output = str | os.PathLike | IO | None

XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

# Characters XML 1.0 forbids: C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF.
_XML_FORBIDDEN = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 cannot hold (they are dropped, not replaced)."""
    if text.isprintable():  # fast path: printable text holds no control, surrogate or U+FFFE/F
        return text
    return _XML_FORBIDDEN.sub("", text)


MAX_LINE = 64 * 2**20  # one line of a pair file (a whole document in one JSONL record fits)
HEAD_BYTES = 2**18  # read at a time (256 KB); the first block tells a file's encoding


def text_lines(
    path: str, what: str = "text", encoding: str | None = "utf-8", *, named: bool = False
) -> Iterator[tuple[int, str]]:
    """(line number, line without its "\\n" or "\\r\\n") of a text file ("-": standard
    input), decoded as it is read, so that memory stays bounded whatever its size.

    `encoding`: "utf-8" (a BOM dropped) by default, the encoding of JSON Lines and .align
    files; None: detected from the first block (`stream_codec`: as documents are, a BOM read by
    its mark); else a name `encoding_name` gives, which the user `named`. FormatError naming
    the file and line for bytes that are not valid in it (a binary file, text in another
    encoding) or a line over MAX_LINE characters: one clear line instead of a
    UnicodeDecodeError. `what` names the expected content in that message.
    """
    if path == "-":
        yield from _lines(sys.stdin.buffer, "stdin", what, encoding, named)
        return
    with open(path, "rb") as f:
        yield from _lines(f, path, what, encoding, named)


def _lines(f, name: str, what: str, encoding: str | None, named: bool):
    head = f.read(HEAD_BYTES)
    skip, codec = _codec(head, name, encoding, whole=len(head) < HEAD_BYTES)
    decode = codecs.getincrementaldecoder(codec)().decode
    number, pending = 0, [""]  # the lines read, the start of the next one
    block = head[skip:]
    while True:
        final = not block
        try:
            text = decode(block, final)
        except UnicodeDecodeError as exc:
            raise _not_valid(exc, name, number + 1, what, codec, encoding, named) from None
        if "\n" not in text:
            pending.append(text)
            if sum(map(len, pending)) > MAX_LINE:
                raise _too_long(name, number + 1, what)
        else:
            lines = text.split("\n")
            lines[0] = "".join(pending) + lines[0]
            pending = [lines.pop()]
            for line in lines:
                number += 1
                if len(line) > MAX_LINE:
                    raise _too_long(name, number, what)
                # CRLF files too: every writer escapes or drops a CR inside a text, so a CR
                # before the LF is always the line end's.
                yield number, line[:-1] if line.endswith("\r") else line
        if final:
            break
        block = f.read(HEAD_BYTES)
    if last := "".join(pending):  # a last line without "\n"
        yield number + 1, last


def _codec(head: bytes, name: str, encoding: str | None, whole: bool) -> tuple[int, str]:
    """(bytes to skip, codec) of a file starting with `head` (see `text_lines`)."""
    if encoding == "utf-8":  # a UTF-8 BOM dropped; another is no UTF-8, refused as such
        return (len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0), "utf-8"
    from duiyi.corpus.read import stream_codec

    try:
        return stream_codec(head, name, encoding, whole)
    except InputError as exc:
        raise FormatError(str(exc)) from None


def _too_long(name: str, number: int, what: str) -> FormatError:
    return FormatError(f"{name}:{number}: a line longer than {MAX_LINE // 2**20} MB, not {what}")


def _not_valid(
    exc: UnicodeDecodeError, name: str, number: int, what: str, codec: str,
    encoding: str | None, named: bool,
) -> FormatError:  # fmt: skip
    """The error for bytes not valid in `codec`, on the line they are: `number` (where the
    block decoded began) and the line breaks before them in the block."""
    before = exc.object[: exc.start].decode(codec, errors="replace")
    where = f"{name}:{number + before.count(chr(10))}"
    if encoding == "utf-8" and not named:
        return FormatError(
            f"{where}: not UTF-8 text, so not {what} (a binary file, or text in another "
            "encoding: convert it to UTF-8)"
        )
    bad = " ".join(f"0x{b:02X}" for b in exc.object[exc.start : exc.end][:4])
    why = (
        "is it in another encoding? (--encoding auto detects it)"
        if named
        else f"its start reads as {codec}: is it in two encodings? (--encoding NAME names one)"
    )
    return FormatError(f"{where}: not valid {codec} ({bad}), so not {what}: {why}")


def count_lines(path: str, encoding: str | None = "utf-8", *, named: bool = False) -> int:
    """Lines of a file, as `text_lines` numbers them (a last line without "\\n" counts)."""
    with open(path, "rb") as f:
        head = f.read(HEAD_BYTES)
    _, codec = _codec(head, path, encoding, whole=len(head) < HEAD_BYTES)
    if "\n".encode(codec) != b"\n":  # UTF-16/32: a 0x0A byte may be half a character
        return sum(1 for _ in text_lines(path, "text", encoding, named=named))
    count, last = 0, b"\n"
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")


def checked_score(value: object, where: str) -> float | None:
    """A pair's score as a file holds it (a number, or its text): None when missing, empty or
    NaN (no score), else a float in [0, 1]. Anything else is a FormatError naming `where`
    ("file:line"), so that every reader refuses what the writers could not write back.
    """
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise TypeError
        score = float(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise FormatError(f"{where}: score {value!r} is not a number") from exc
    if math.isnan(score):
        return None
    if not 0 <= score <= 1:
        raise FormatError(f"{where}: score {value!r} is not a confidence in [0, 1]")
    return score


# The root element of each XML format duiyi reads, and the format that reads it.
XML_ROOTS = {"tmx": "tmx", "cesAlign": "xces", "xliff": "xliff"}


def wrong_root(path: str, root: str, expected: str) -> FormatError:
    """The error for an XML file whose root element is `root`, not the `expected` one
    ("XCES <cesAlign>"): it names the format that reads such a root, where duiyi has one."""
    hint = f": use -f {XML_ROOTS[root]}" if root in XML_ROOTS else ""
    return FormatError(f"{path}: the root element is <{root}>, not {expected}{hint}")


def refuse_entities(path: str, elem) -> None:
    """FormatError when the DOCTYPE of the file `elem` (any element of it) was parsed from
    declares entities: readers leave them unresolved, so their text would hold `&name;`
    instead of what it stands for (and an external entity or an entity bomb is hostile)."""
    dtd = elem.getroottree().docinfo.internalDTD
    entities = [e.name for e in dtd.entities()] if dtd is not None else []
    if entities:
        raise FormatError(
            f"{path}: declares XML entities in its DOCTYPE ({', '.join(entities[:3])}); refused "
            "for safety (external entities and entity bombs); remove the DOCTYPE's internal subset"
        )


_CHAR_REF = re.compile(r"xmlParseCharRef: invalid xmlChar value (\d+)")
_TOO_DEEP = re.compile(r"Excessive depth in document: (\d+)")
_POSITION = re.compile(r",? line \d+, column \d+$")


def xml_error(exc) -> str:
    """An lxml `XMLSyntaxError` as "line L, column C: what is wrong", libxml2's jargon put in
    words (invalid character references, elements nested too deep)."""
    message = _POSITION.sub("", exc.msg or str(exc))
    if match := _CHAR_REF.search(message):
        message = (
            f"invalid character reference &#x{int(match[1]):x}; "
            "(a character XML 1.0 does not allow)"
        )
    elif match := _TOO_DEEP.search(message):
        message = f"elements nested more than {match[1]} deep"
    elif "XML_PARSE_HUGE" in message:  # a text or attribute over 10 MB, say
        message = (
            message.split(", try XML_PARSE_HUGE")[0].removeprefix("Resource limit exceeded: ")
            + " (over libxml2's size limits, which stay on for safety)"
        )
    position = getattr(exc, "position", None)
    return f"line {position[0]}, column {position[1]}: {message}" if position else message


def check_language_tag(lang: str, option: str) -> None:
    """FormatError unless `lang` reads as a language tag (zh, zh-TW, en_US, zh-Hant-TW): a
    file tagged `bad lang` is one no CAT tool loads, and Moses and XCES files are named by it."""
    if problem := language_tag_problem(lang):
        raise FormatError(f"{option} {problem}")


def file_languages(src_lang: str, tgt_lang: str) -> tuple[str, str]:
    """The codes naming a pair's two files (Moses `x.zh`/`x.en`, XCES `x.zh.xml`): the primary
    subtags, or where those are the same (zh-CN → zh-TW) the whole tags as OPUS writes them
    (`x.zh_CN`/`x.zh_TW`), so that neither file replaces the other."""
    src, tgt = primary_subtag(src_lang), primary_subtag(tgt_lang)
    if src == tgt:
        src, tgt = src_lang.replace("-", "_"), tgt_lang.replace("-", "_")
        if src.lower() == tgt.lower():
            raise FormatError(
                f"the source and target languages are both {src_lang}: name them apart "
                "with --src-lang/--tgt-lang"
            )
    return src, tgt


class PairReader:
    """The pairs of one file, streamed: iterate it once. Afterwards `skipped` counts the units
    that were not pairs (e.g. a TMX unit lacking a language) and `signature` holds the run
    signature the file recorded, if any (TMX: known once the header has been read)."""

    def __init__(self, pairs: Iterator[Pair] | None = None):
        self._pairs = pairs
        self.skipped = 0
        self.signature = ""
        # (source, target) language tags the file gave the pairs read (TMX, XLIFF)
        self.tags: set[tuple[str, str]] = set()

    def __iter__(self) -> Iterator[Pair]:
        return self._pairs if self._pairs is not None else iter(())

    def languages(self, src_lang: str, tgt_lang: str) -> tuple[list[str], list[str]]:
        """Once read, the (source, target) language tags of the pairs: per side the tags the
        file gave it (one, zh-TW where zh was asked for; several where its units mix
        variants, zh-CN and zh-TW), else [`src_lang`]/[`tgt_lang`]."""
        srcs = sorted({language_code(src) for src, _ in self.tags if is_language_tag(src)})
        tgts = sorted({language_code(tgt) for _, tgt in self.tags if is_language_tag(tgt)})
        return srcs or [src_lang], tgts or [tgt_lang]


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
    # Plain text in any encoding (TSV, Moses): detected, or named by the constructor's
    # `encoding=`; the others' is their own (JSON Lines are UTF-8, XML declares it).
    text_encoding: bool = False
    # Holds work still to do (XLIFF): gloss drafts stay in, marked as needing translation.
    # Elsewhere they are left out unless asked for: a CAT tool would take them for matches.
    keeps_gloss: bool = False
    # Read back onto the stored sentences it was written from (`Store.apply_translations`)
    # rather than added as new pairs.
    updates_store: bool = False
    # Whether write → read gives back text unchanged (Moses cannot hold line breaks, ...).
    keeps_line_breaks: bool = True
    keeps_metadata: bool = True  # score, bead, origin, document, status survive a round trip
    holds_nothing: bool = True  # a file of no pairs is valid (XLIFF 2 needs a unit)
    # Tags each document's part on its own (XLIFF 1.2's <file>s): `file_languages`, set
    # by an export, gives a document's tags where they are not the file's.
    tags_files: bool = False

    def write(
        self,
        pairs: Iterable[Pair],
        path: Output,
        *,
        src_lang: str = "zh-CN",
        tgt_lang: str = "en-US",
        signature: str = "",
    ) -> int:
        """Write `pairs` to `path` ("-"/None: stdout; a file object: into it, see
        `open_output`); the number written."""
        raise NotImplementedError

    def require_path(self, path: Output) -> str:
        """The output path of a format that writes several files (so never stdout, nor a
        file object)."""
        if path is None or path == "-":
            raise FormatError(f"{self.name} writes several files: give an output path with -o")
        if is_file_object(path):
            raise FormatError(
                f"{self.name} writes several files: give an output path, not a file object"
            )
        return os.fspath(path)

    def output_files(
        self, path: str, *, src_lang: str = "zh-CN", tgt_lang: str = "en-US"
    ) -> list[str]:
        """The files writing `path` writes (XCES: also its two sentence files), for a run to
        check before it starts."""
        return [path]

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


def is_file_object(output: Output) -> bool:
    """Whether `output` is a file object rather than a path."""
    return hasattr(output, "write")


@contextlib.contextmanager
def open_output(output: Output, mode: str = "w") -> Iterator[IO]:
    """Where a writer of one file writes, in `mode` ("w" text, "wb" UTF-8 bytes): a path,
    atomically (`atomic_write`; None or "-": stdout), or a file object, text (`io.StringIO`,
    `open(p, "w")`) or binary (`io.BytesIO`), written into as it is, flushed and left open."""
    if not is_file_object(output):
        with atomic_write(output, mode) as out:
            yield out
        return
    text = isinstance(output, io.TextIOBase)
    if text == ("b" not in mode):
        yield output
        output.flush()
    elif text:
        yield _DecodedInto(output)
        output.flush()
    else:
        wrapper = io.TextIOWrapper(output, encoding="utf-8", newline="", write_through=True)
        try:
            yield wrapper
        finally:
            wrapper.detach()  # flushed, and `output` left open


class _DecodedInto:
    """A binary stream over a text stream: the UTF-8 bytes written go in as text."""

    def __init__(self, text: IO[str]):
        self.text = text
        self.decode = codecs.getincrementaldecoder("utf-8")().decode

    def write(self, data: bytes) -> int:
        self.text.write(self.decode(data))
        return len(data)
