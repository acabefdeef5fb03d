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


def primary_subtag(lang: str) -> str:
    """ "zh-CN" → "zh", "en_US" → "en": what language matching compares."""
    return lang.replace("_", "-").split("-")[0].lower()


class PairFormat:
    """One parallel-text format: `write` pairs to a path, `read` pairs back where possible.

    Subclasses declare `name` and `extensions` and implement `write` (and `read` if the
    format can be read). Writers stream: they hold one pair at a time and write atomically.
    """

    name: str = ""
    extensions: tuple[str, ...] = ()
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

    def read(
        self, path: str, *, src_lang: str | None = None, tgt_lang: str | None = None
    ) -> Iterator[Pair]:
        """Stream the pairs stored at `path`."""
        raise FormatError(f"duiyi cannot read {self.name} files, only write them")
