"""Reading inputs: files, directories, stdin; encoding detection; HTML to text.

Encodings are decided by strict decodes in a fixed order (BOMs, UTF-8, EUC-KR Korean, then
GB18030 vs Big5 by which gives plausible Han text) before charset-normalizer is asked: on short
Chinese texts charset-normalizer often guesses a wrong CJK codec, while a strict decode rarely
succeeds by accident. Some texts no rule tells apart (a word or two of EUC-KR Korean is valid
GB18030 too, as are many short Big5 texts): the readers take the encoding by name then
(`encoding=`), and decode strictly with it (`decode_as`).
"""

from __future__ import annotations

import codecs
import fnmatch
import logging
import os
import stat
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

from duiyi.atomic import protect_inputs
from duiyi.corpus.html import html_to_text, looks_like_html, meta_charset
from duiyi.corpus.model import Document
from duiyi.errors import EmptyInput, InputError

log = logging.getLogger(__name__)

MAX_BYTES = 200 * 1024 * 1024  # bigger inputs are almost surely a mistake (a dump, an image)
HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}

# (byte-order mark, the codec that reads what follows it, the codec that reads the mark too);
# a named encoding agrees with a mark if it is either (`decode_as`). UTF-32 before UTF-16: the
# UTF-32-LE mark begins with the UTF-16-LE one.
BOMS = (
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
)
_CJK_PUNCT = set("，。、！？：；「」『』“”‘’（）《》〈〉【】…—·　～")
_CONTROL = set(range(0x20)) - {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1B}


def _size_error(name: str, size: int | None = None) -> InputError:
    """`size`: the file's size if known (a regular file), else None (a device, pipe, stdin)."""
    limit = MAX_BYTES // 2**20
    how_big = f" ({size:,} bytes)" if size else ""  # in bytes: 200 MB + 1 byte rounds to 200 MB
    return InputError(
        f"{name} is more than {limit} MB{how_big}; duiyi reads inputs up to {limit} MB "
        "(split the file first)"
    )


def read_bounded(stream, name: str) -> bytes:
    """At most MAX_BYTES from a binary stream; InputError if there is more. Bounded by the bytes
    actually read, so /dev/zero, a pipe or a file still growing cannot exhaust memory."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _size_error(name)
    return data


@lru_cache(maxsize=1)
def _common_han() -> frozenset[str]:
    """The commonly used Han characters: GB2312 level 1 (Simplified) and Big5 level 1
    (Traditional). Wrongly decoded text is full of kana, Greek, symbols and rare characters."""
    chars: set[str] = set()
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            chars.update(bytes((lead, trail)).decode("gb2312", errors="ignore"))
    for lead in range(0xA4, 0xC7):
        for trail in [*range(0x40, 0x7F), *range(0xA1, 0xFF)]:
            if (lead, trail) > (0xC6, 0x7E):
                break
            chars.update(bytes((lead, trail)).decode("big5", errors="ignore"))
    return frozenset(chars)


def han_plausibility(text: str) -> float:
    """Share of the non-ASCII characters that are common Han characters or CJK punctuation."""
    common = _common_han()
    sample = [c for c in text[:20000] if ord(c) > 0x7F and not c.isspace()]
    if not sample:
        return 1.0
    good = sum(1 for c in sample if c in common or c in _CJK_PUNCT or 0xFF01 <= ord(c) <= 0xFF5E)
    return good / len(sample)


def _plausible_enough(text: str) -> float:
    """The `han_plausibility` a decoded text needs: 0.8, and one uncommon character among three
    or four (a name: 余占鳌对, 汪淼摘下), which a plain 0.8 refuses in a text that short."""
    n = sum(1 for c in text[:20000] if ord(c) > 0x7F and not c.isspace())
    return min(0.8, 1 - 1 / n) if n >= 3 else 0.8


def _looks_binary(data: bytes) -> bool:
    head = data[:65536]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b in _CONTROL)
    return controls > 0.05 * len(head)


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _bomless_utf16(data: bytes) -> tuple[str, str] | None:
    """UTF-16 without a byte-order mark (Windows tools write it): NULs every other byte in ASCII
    text. Accepted only when it decodes to printable, plausible text."""
    if len(data) % 2:
        return None
    for encoding in ("utf-16-le", "utf-16-be"):
        text = _strict(data, encoding)
        if text is None:
            continue
        sample = text[:20000]
        printable = sum(1 for c in sample if c.isprintable() or c in "\t\r\n")
        if printable >= 0.98 * len(sample) and han_plausibility(sample) >= 0.8:
            return text, encoding
    return None


def _word_coverage(text: str) -> int:
    """How many two-character windows of `text` are CC-CEDICT words (either script)."""
    from duiyi.corpus.cedict import load_cedict
    from duiyi.errors import ModelNotFound

    try:
        words = load_cedict()
    except ModelNotFound:
        return 0
    sample = text[:5000]
    return sum(1 for i in range(len(sample) - 1) if sample[i : i + 2] in words)


def _latin1_text(data: bytes) -> str | None:
    """Windows-1252 text: mostly ASCII, its other characters accented Latin letters and
    typographic punctuation. Charset-normalizer guesses wildly on short texts like these."""
    head = data[:65536]
    if sum(1 for b in head if b > 0x7F) > 0.3 * len(head):
        return None
    text = _strict(data, "cp1252")
    if text is None:
        return None
    high = [c for c in text[:65536] if ord(c) > 0x7F]
    good = sum(1 for c in high if (c.isalpha() and ord(c) <= 0x17F) or c in "“”‘’–—…€•©®°«»")
    return text if good >= 0.9 * len(high) else None


def _korean(data: bytes, chinese: str | None) -> tuple[str, str] | None:
    """EUC-KR (or CP949, its Windows superset) Korean text, else None. `chinese`: `data`
    decoded as GB18030 (None: it is not GB18030).

    GB18030 reads these bytes as common Han characters (KS X 1001 puts its 2,350 Hangul
    syllables where GB2312 puts its first-level Han characters), so plausibility cannot tell
    the two apart; two things can. Read as Korean, Korean holds the syllables Korean uses most
    (charset-normalizer's frequency table: 이 다 에 의 는…, about a third of its syllables),
    Chinese nearly none (one in 200); read as Chinese, Chinese holds CC-CEDICT words, Korean
    nearly none. Both must agree: nearly all of the letters Hangul (Chinese read as Korean
    mixes in Hanja), five different syllables at least, two frequent ones among them, and at
    most one in ten adjacent Han pairs of the Chinese reading (one pair at least) a word.
    Shorter Korean, a word or two, stays ambiguous and is read as Chinese, as before."""
    text = _strict(data, "cp949")
    if text is None:
        return None
    from charset_normalizer.constant import FREQUENCIES

    frequent = set(FREQUENCIES["Korean"])
    letters = [c for c in text[:20000] if ord(c) > 0x7F and c.isalpha()]
    hangul = [c for c in letters if "\uac00" <= c <= "\ud7a3"]
    if (
        len(hangul) < 0.9 * len(letters)
        or len(set(hangul)) < 5
        or len(frequent.intersection(hangul)) < 2
    ):
        return None  # 老狼 reads as 일의, 老胡啊 as 일빚가: a word or two is no evidence
    if chinese is not None:
        pairs, words = _han_pairs(chinese)
        if not pairs or words is None or words > 0.1 * pairs:
            return None  # no evidence, or no dictionary: Chinese keeps the benefit of the doubt
    encoding = "euc-kr" if _strict(data, "euc-kr") is not None else "cp949"
    return text, encoding


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def _han_pairs(text: str) -> tuple[int, int | None]:
    """(how many adjacent Han pairs the start of `text` holds, how many of them are CC-CEDICT
    words, or None without the dictionary)."""
    from duiyi.corpus.cedict import load_cedict
    from duiyi.errors import ModelNotFound

    sample = text[:5000]
    pairs = [sample[i : i + 2] for i in range(len(sample) - 1)]
    pairs = [p for p in pairs if all(_is_han(c) for c in p)]
    try:
        words = load_cedict()
    except ModelNotFound:
        return len(pairs), None
    return len(pairs), sum(1 for p in pairs if p in words)


def _charset_normalizer(data: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 4 * 2**20] if len(data) > 4 * 2**20 else data).best()
    # UTF-16/32 without a byte-order mark would be full of NULs, which we refused as binary.
    if best is None or best.encoding.startswith(("utf_16", "utf_32")):
        return None
    text = _strict(data, best.encoding)
    return (text, best.encoding) if text is not None else None


def _few_broken(data: bytes, encoding: str) -> tuple[str, int] | None:
    """(`data` decoded with each broken byte sequence as U+FFFD, how many) where they are few:
    a bad copy, a truncated download. At most one in 500 characters, besides a character cut
    off at the very end of a text that has other non-ASCII ones; None where there are more (a
    text in another encoding breaks nearly every character). For UTF-8, also where a short
    text's other non-ASCII characters outnumber its broken sequences four to one: another
    encoding's bytes seldom happen to form a UTF-8 sequence, so these are UTF-8."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    text = decoder.decode(data)  # a character cut off at the end waits in the decoder
    cut = decoder.decode(b"", final=True)
    damaged = text.count("\ufffd")
    decoded = sum(1 for c in text[:65536] if ord(c) > 0x7F) - damaged
    few = damaged * 500 <= len(text) or (encoding == "utf-8" and decoded >= 4 * damaged)
    if not few or (cut and text.isascii()):  # "café" in cp1252 ends like that
        return None
    return text + cut, damaged + len(cut)


def _kept_broken(damaged: tuple[str, int], encoding: str, name: str, warn: bool) -> tuple[str, str]:
    """The text `_few_broken` kept, with a warning that says where it was damaged."""
    text, count = damaged
    if warn:
        log.warning(
            "%s: %d invalid %s byte sequence(s) replaced by U+FFFD", name, count, encoding.upper()
        )
    return text, encoding


def decode_bytes(data: bytes, name: str, *, warn: bool = True) -> tuple[str, str]:
    """Decode `data` (from `name`, used in messages); returns (text, encoding name).

    Raises InputError for binary or undecodable data. Does not check for emptiness. `warn`:
    warn where a few broken byte sequences were replaced (False: only the encoding is wanted).
    """
    for bom, _, encoding in BOMS:
        if data.startswith(bom):
            text = _strict(data, encoding)
            if text is None:
                raise InputError(
                    f"{name}: starts with a {encoding} byte-order mark but is not valid {encoding}"
                )
            return text.lstrip("\ufeff"), encoding
    if b"\x00" in data[:65536]:
        text = _bomless_utf16(data)
        if text is not None:
            return text
    if _looks_binary(data):
        raise InputError(f"{name} looks like a binary file, not text (NUL or control bytes)")
    text = _strict(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    if damaged := _few_broken(data, "utf-8"):
        return _kept_broken(damaged, "utf-8", name, warn)
    gb18030 = _strict(data, "gb18030")
    if korean := _korean(data, gb18030):
        log.debug("%s: decoded as Korean (%s)", name, korean[1])
        return korean
    candidates = []
    for encoding in ("gb18030", "big5"):
        text = gb18030 if encoding == "gb18030" else _strict(data, encoding)
        if text is None and encoding == "big5":
            encoding = "big5hkscs"  # Big5 with the Hong Kong (and common ETEN) extensions
            text = _strict(data, encoding)
        if text is not None:
            candidates.append((han_plausibility(text), encoding == "gb18030", encoding, text))
    plausible = sorted((c for c in candidates if c[0] >= _plausible_enough(c[3])), reverse=True)
    if plausible:
        if len(plausible) == 2 and plausible[0][0] - plausible[1][0] < 0.05:
            # Both read as common characters (short texts): let the dictionary decide.
            plausible.sort(key=lambda c: (_word_coverage(c[3]), c[1]), reverse=True)
        score, _, encoding, text = plausible[0]
        log.debug("%s: decoded as %s (plausibility %.2f)", name, encoding, score)
        return text, encoding
    broken = [
        (han_plausibility(damaged[0]), encoding == "gb18030", encoding, damaged)
        for encoding in ("gb18030", "big5hkscs")
        if (damaged := _few_broken(data, encoding))
    ]
    if broken and (best := max(broken))[0] >= 0.8:
        return _kept_broken(best[3], best[2], name, warn)
    latin = _latin1_text(data)
    if latin is not None:
        return latin, "cp1252"
    guess = _charset_normalizer(data)
    if guess is not None:
        return guess[0], guess[1]
    if candidates:  # rare characters, but a strict decode worked
        score, _, encoding, text = max(candidates)
        if score >= 0.3:
            return text, encoding
    raise InputError(
        f"{name}: cannot tell its text encoding (tried UTF-8/16, GB18030, Big5); "
        "convert it to UTF-8 first"
    )


def encoding_problem(encoding: str) -> str | None:
    """What is wrong with `encoding` as the name of a text encoding (None: nothing): a name
    Python knows no codec by, or one of a codec that does not decode bytes into text (base64,
    rot13)."""
    try:
        "a".encode(encoding)  # LookupError for a name unknown or a bytes-to-bytes codec
    except (LookupError, UnicodeError, TypeError):
        return (
            f"unknown text encoding {encoding!r}: give a name Python knows (utf-8, gb18030, "
            "big5, euc-kr, shift-jis, utf-16, cp1252, …) or auto"
        )
    return None


def encoding_name(encoding: str | None) -> str | None:
    """The text encoding `encoding` names, by Python's name for it with hyphens (euc-kr,
    gb18030, shift-jis, utf-8), or None for None or "auto" (detected: `decode_bytes`).
    InputError for a name that is none (`encoding_problem`)."""
    if encoding is None or encoding == "auto":
        return None
    if problem := encoding_problem(encoding):
        raise InputError(problem)
    return codecs.lookup(encoding).name.replace("_", "-")


def _after_bom(data: bytes, name: str, encoding: str) -> tuple[int, str]:
    """(the length of the byte-order mark `data` starts with, the codec that reads what
    follows it) where `encoding` agrees with the mark (see `decode_as`), else (0, `encoding`);
    InputError for a mark of another encoding."""
    marks = [(bom, codec, with_mark) for bom, codec, with_mark in BOMS if data.startswith(bom)]
    for bom, bom_codec, with_mark in marks:
        if encoding in (bom_codec, with_mark):
            return len(bom), bom_codec
    for _, bom_codec, _ in marks[:1]:
        label = bom_codec.upper().removesuffix("-LE").removesuffix("-BE")
        raise InputError(
            f"{name}: starts with a {label} byte-order mark, not {encoding} text "
            "(auto reads it by its mark)"
        )
    if encoding in ("utf-16", "utf-32"):  # Python would take little-endian: half are noise
        raise InputError(
            f"{name}: {encoding} without a byte-order mark: name its byte order, "
            f"{encoding}-le or {encoding}-be"
        )
    return 0, encoding


def decode_as(data: bytes, name: str, encoding: str) -> str:
    """`data` (from `name`, used in messages) decoded strictly as `encoding` (a name
    `encoding_name` returned): InputError naming the first byte offset that is not valid in
    it, never a text with replacement characters. A byte-order mark of the named encoding
    (UTF-8's with utf-8 or utf-8-sig, UTF-16's with utf-16, utf-16-le or -be as it says,
    UTF-32's alike) is dropped; any other contradicts the name, and is refused."""
    skip, codec = _after_bom(data, name, encoding)
    try:
        text = data[skip:].decode(codec)
    except UnicodeDecodeError as exc:
        bad = " ".join(f"0x{b:02X}" for b in exc.object[exc.start : exc.end][:4])
        raise InputError(
            f"{name}: not valid {encoding} at byte offset {skip + exc.start:,} ({bad}): "
            "is it in another encoding? (auto detects it)"
        ) from None
    except UnicodeError as exc:  # a codec of names, not of texts (idna, punycode)
        raise InputError(f"{name}: not {encoding} text ({exc})") from None
    if "\x00" in text[:65536]:  # as detection refuses NUL bytes: no text holds one
        raise InputError(f"{name} looks like a binary file, not {encoding} text (NUL characters)")
    return text


def stream_codec(head: bytes, name: str, encoding: str | None, whole: bool) -> tuple[int, str]:
    """How to decode a file read as a stream (a pair file of any size), from its first bytes
    `head` (`whole`: all of it): (the length of its byte-order mark, to skip; the codec that
    reads the rest, incrementally and strictly). `encoding`: named (as `encoding_name` gives
    it), its mark checked as `decode_as` does; None: what `decode_bytes` finds in `head`, cut
    after its last line break so that no character is cut in two. InputError where detection
    fails (binary, no encoding fits)."""
    if encoding is None:
        encoding = decode_bytes(head if whole else _whole_lines(head), name, warn=False)[1]
    return _after_bom(head, name, encoding)


def _whole_lines(head: bytes) -> bytes:
    """`head` up to its last b"\\n", that byte included, and in UTF-16/32 (a BOM or NULs
    tell them) the rest of its code unit: of the line break, or of a character holding that
    byte (上 is 0A 4E in UTF-16-LE)."""
    end = head.rfind(b"\n") + 1
    if not end:
        return head  # no line break in it: detected from what there is
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        end += -end % 4
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
        end += -end % 2
    return head[:end]


def _decode_document(data: bytes, path: str, name: str, encoding: str | None = None) -> Document:
    """`encoding`: the text's, as `encoding_name` gives it (None: detected), for text and
    HTML; DOCX, ODT, EPUB and PDF declare their own."""
    if not data.strip():
        raise EmptyInput(f"{name} is empty")
    from duiyi.corpus import documents  # DOCX, ODT, EPUB, PDF

    kind = documents.sniff(data, path)
    if kind is not None:
        return documents.read_document_bytes(data, path, name, kind)
    head = data[:2048].decode("latin-1")
    is_html = Path(path).suffix.lower() in HTML_SUFFIXES or looks_like_html(head)
    declared = meta_charset(data[:4096]) if is_html else None
    text = None
    if encoding is not None:  # named: before any charset the page declares
        text = decode_as(data, name, encoding)
    elif declared and not any(data.startswith(bom) for bom, _, _ in BOMS):
        text = _strict(data, declared)
        if text is not None:
            encoding = codecs.lookup(declared).name
        else:
            log.info("%s: declares charset %s but does not decode with it", name, declared)
    if text is None:
        text, encoding = decode_bytes(data, name)
    is_html = is_html or looks_like_html(text[:2048])  # e.g. UTF-16 HTML
    meta = {}
    if is_html:
        try:
            text = html_to_text(text)
        except InputError as exc:
            raise InputError(f"{name}: {exc}") from exc
        meta["format"] = "html"
    if _control_ratio(text) > 0.05:
        raise InputError(f"{name} looks like a binary file, not text (control characters)")
    if not text.strip():
        raise EmptyInput(f"{name} is empty" + (" (no text in its HTML)" if is_html else ""))
    return Document(path=path, text=text, encoding=encoding, meta=meta)


def _control_ratio(text: str) -> float:
    sample = text[:65536]
    if not sample:
        return 0.0
    return sum(1 for c in sample if ord(c) in _CONTROL or 0x7F <= ord(c) < 0xA0) / len(sample)


def read_document(path: str | os.PathLike, encoding: str | None = None) -> Document:
    """Read and decode one file ("-" reads stdin). `encoding`: a text or HTML file's (utf-8,
    gb18030, euc-kr, …: decoded strictly, see `decode_as`); None or "auto": detected."""
    path = str(path)
    encoding = encoding_name(encoding)
    if path == "-":
        return _decode_document(read_stdin(), "-", "stdin", encoding)
    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: no such file or directory")
    if p.is_dir():
        raise InputError(f"{path} is a directory (use read_inputs for directories)")
    info = p.stat()
    if stat.S_ISREG(info.st_mode) and info.st_size > MAX_BYTES:
        raise _size_error(path, info.st_size)
    # Devices and pipes report size 0: the bounded read is what limits them.
    try:
        with open(p, "rb") as f:
            data = read_bounded(f, path)
    except OSError as exc:  # no permission, an I/O error: skipped inside a directory
        raise InputError(f"{path}: cannot read it: {exc.strerror or exc}") from exc
    return _decode_document(data, path, path, encoding)


def read_stdin() -> bytes:
    """Standard input, whole, up to the size limit."""
    # sys.stdin may be a text stream without .buffer (replaced by an embedding program).
    stdin = getattr(sys.stdin, "buffer", None)
    if stdin is None:
        return sys.stdin.read().encode("utf-8")
    return read_bounded(stdin, "stdin")


def read_stream(stream, path: str = "-", encoding: str | None = None) -> Document:
    """Read and decode a binary stream (stdin by default); `encoding` as `read_document`'s."""
    name = "stdin" if path == "-" else path
    return _decode_document(read_bounded(stream, name), path, name, encoding_name(encoding))


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def iter_files(directory: Path, glob: str = "*", follow_links: bool = False) -> list[Path]:
    """Regular files under `directory` (recursively, hidden ones skipped) whose name or relative
    path matches `glob`, sorted so runs are reproducible.

    Symbolic links are followed only where they stay inside `directory` (a link to
    /etc/passwd in a downloaded corpus is skipped with a warning) unless `follow_links`;
    devices, pipes and sockets are skipped (reading a FIFO would wait forever). With
    `follow_links` a directory reached twice (a link cycle) is walked once.
    """
    directory = Path(directory)
    real_root = directory.resolve()
    matches = []
    seen_dirs: set[Path] = set()
    for root, dirs, files in os.walk(directory, followlinks=follow_links):
        if follow_links:
            real = Path(root).resolve()
            if real in seen_dirs:
                dirs[:] = []
                continue
            seen_dirs.add(real)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            full = Path(root) / name
            if name.startswith(".") or _hidden(full, directory):
                continue
            rel = full.relative_to(directory).as_posix()
            if not (fnmatch.fnmatch(name, glob) or fnmatch.fnmatch(rel, glob)):
                continue
            if not follow_links and full.is_symlink() and not _inside(full.resolve(), real_root):
                log.warning(
                    "skipping %s: a link to %s, outside %s (--follow-links follows it)",
                    full,
                    os.readlink(full),
                    directory,
                )
                continue
            try:
                mode = full.stat().st_mode
            except OSError as exc:  # a dangling link, no permission
                log.warning("skipping %s: %s", full, exc.strerror or exc)
                continue
            if not stat.S_ISREG(mode):
                log.warning("skipping %s: not a regular file (a device, pipe or socket)", full)
                continue
            matches.append(full)
    protect_inputs(matches)
    return sorted(matches)


def input_list(inputs: str | os.PathLike | Iterable[str | os.PathLike]) -> list[str]:
    """The paths a job function was given, as a list of str: one path alone (a str or a Path)
    is one input, not a sequence of characters; any iterable of paths is read once."""
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    return [os.fspath(item) for item in inputs]


def list_inputs(
    inputs: str | os.PathLike | Iterable[str | os.PathLike],
    glob: str = "*",
    follow_links: bool = False,
) -> list[tuple[str, bool]]:
    """The files `read_inputs` reads, as (path, found by walking a directory), every path
    checked: a run can look at them before it reads the first (`read_listed` reads them)."""
    inputs = input_list(inputs)
    if not inputs:
        raise InputError("no input given (name files, directories, or - for stdin)")
    if inputs.count("-") > 1:  # the second would read an empty stdin, after the first's output
        raise InputError("- (standard input) given more than once")
    listed: list[tuple[str, bool]] = []
    for item in inputs:
        if item == "-":
            listed.append((item, False))
            continue
        p = Path(item)
        if not p.exists():
            raise InputError(f"{item}: no such file or directory")
        if p.is_dir():
            files = iter_files(p, glob, follow_links)
            if not files:
                raise InputError(f"{item}: no files matching {glob!r} in this directory")
            listed.extend((str(f), True) for f in files)
        else:
            listed.append((item, False))
    listed = _once_each(listed)
    protect_inputs(path for path, _ in listed)
    return listed


def _once_each(listed: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """`listed` without the files met again (`a.txt ./a.txt`, `dir/ dir/a.txt`), with a
    warning: a document read twice is two documents of one name, their pairs' ids repeated."""
    seen: set[str] = set()
    once = []
    for path, walked in listed:
        key = path if path == "-" else os.path.abspath(path)
        if key in seen:
            log.warning("%s: given more than once, read once", path)
            continue
        seen.add(key)
        once.append((path, walked))
    return once


def relative_name(path: str, roots: Iterable[Path]) -> str:
    """`path` under the first of `roots` (the folders given) it was found in (`sub/a.txt`);
    a file given by itself: its file name; standard input: "stdin"."""
    if path == "-":
        return "stdin"
    p = Path(path)
    return next((p.relative_to(r).as_posix() for r in roots if p.is_relative_to(r)), p.name)


def document_names(paths: list[str], roots: Iterable[Path]) -> dict[str, str]:
    """{path: the name its document goes by in a run's outputs}, unique within the run: its
    file name (`Document.name`), or where another document has the same, its path under the
    folder given (`relative_name`), or where that is shared too, its path as given."""
    roots = list(roots)
    names = {path: "stdin" if path == "-" else Path(path).name for path in paths}
    for rename in (lambda path: relative_name(path, roots), str):
        counts = Counter(names.values())
        names = {path: rename(path) if counts[n] > 1 else n for path, n in names.items()}
    return names


def read_once_only(listed: list[tuple[str, bool]]) -> dict[str, bytes]:
    """{path: its bytes} of the named inputs that are not regular files (a pipe such as
    `<(…)` or /dev/stdin, a device), read whole now, up to the size limit: like stdin they can
    be read only once, so a run that looks at its inputs' first bytes (XLIFF or a document?)
    before it reads them would lose those bytes."""
    found = {}
    for path, _ in listed:
        if path != "-" and not Path(path).is_file():
            with open(path, "rb") as f:
                found[path] = read_bounded(f, path)
    return found


def read_listed(
    listed: list[tuple[str, bool]],
    inputs: list[str],
    contents: dict[str, bytes] | None = None,
    encoding: str | None = None,
) -> Iterator[Document]:
    """The documents `list_inputs(inputs)` listed, read one at a time (see `read_inputs`);
    `contents`: the bytes of those read already (to tell what they hold), by path: "-" for
    standard input, and pipes (`read_once_only`); `encoding` as `read_document`'s."""
    contents = contents or {}
    encoding = encoding_name(encoding)
    yielded = 0
    for path, walked in listed:
        try:
            if path in contents:
                name = "stdin" if path == "-" else path
                document = _decode_document(contents[path], path, name, encoding)
            else:
                document = read_document(path, encoding)
        except InputError as exc:
            if not walked:
                raise
            log.warning("%s: skipped", exc)
            continue
        yielded += 1
        yield document
    if not yielded:
        raise InputError(f"no readable text in {', '.join(inputs)}")


def read_inputs(
    inputs: str | os.PathLike | Iterable[str | os.PathLike],
    glob: str = "*",
    follow_links: bool = False,
    encoding: str | None = None,
) -> Iterator[Document]:
    """Documents from files, directories (recursively, files matching `glob`) and "-" (stdin).

    Every path is checked before the first document is yielded, so a typo fails fast. A named
    file that cannot be read is an error; a binary or empty file found while walking a directory
    is skipped with a warning, so one stray image does not stop a whole corpus. Links inside a
    directory are followed only within it unless `follow_links` (see `iter_files`).
    `encoding`: the text and HTML files' (utf-8, gb18030, euc-kr, …), each decoded strictly
    (see `decode_as`); None or "auto": each one's detected.
    """
    inputs = input_list(inputs)
    encoding = encoding_name(encoding)
    yield from read_listed(list_inputs(inputs, glob, follow_links), inputs, encoding=encoding)
