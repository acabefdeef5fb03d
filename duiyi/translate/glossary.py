"""A terminology glossary (zh → en): read from TSV, CSV or TBX, matched in sentences, checked.

`Glossary.terms_in(sentence)` gives the entries whose Chinese term occurs in a sentence (longest
first, overlaps dropped), which the LLM engine puts into that sentence's prompt;
`adherence(...)` counts how many of those hits kept the English term in the draft.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

from duiyi.errors import InputError

log = logging.getLogger(__name__)

MAX_ENTRIES = 100_000
MAX_BYTES = 50 * 1024 * 1024
PER_SENTENCE = 12  # terms put into one prompt at most


@dataclass
class Glossary:
    entries: dict[str, str] = field(default_factory=dict)  # zh term → en term
    source: str = ""

    def __len__(self) -> int:
        return len(self.entries)

    def digest(self) -> str:
        """A short hash of the entries: part of the cache key of drafts made with them."""
        text = "\n".join(f"{zh}\t{en}" for zh, en in sorted(self.entries.items()))
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def terms_in(self, sentence: str) -> list[tuple[str, str]]:
        """(zh, en) of the terms occurring in `sentence`, longest first, no overlaps."""
        found, taken = [], [False] * len(sentence)
        for zh in sorted((z for z in self.entries if z in sentence), key=len, reverse=True):
            start = sentence.find(zh)
            while start >= 0 and any(taken[start : start + len(zh)]):
                start = sentence.find(zh, start + 1)
            if start < 0:
                continue
            taken[start : start + len(zh)] = [True] * len(zh)
            found.append((zh, self.entries[zh]))
            if len(found) == PER_SENTENCE:
                break
        return found


def term_kept(en: str, draft: str) -> bool:
    """Whether the English term appears in the draft (case-insensitive)."""
    return en.casefold() in draft.casefold()


def adherence(glossary: Glossary, source: str, draft: str) -> tuple[int, int]:
    """(hits, kept): glossary terms in the source, and how many of them the draft uses."""
    hits = glossary.terms_in(source)
    return len(hits), sum(term_kept(en, draft) for _, en in hits)


# First-row column names of a spreadsheet export ("zh,en", "Source\tTarget"): not a term.
HEADER_NAMES = {"zh", "en", "zh-cn", "en-us", "source", "target", "chinese", "english", "term",
                "translation", "中文", "英文"}  # fmt: skip


def _rows_delimited(text: str, delimiter: str):
    for n, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter)):
        if len(row) < 2 or not row[0].strip() or row[0].lstrip().startswith("#"):
            continue
        zh, en = row[0].strip(), row[1].strip()
        if n == 0 and {zh.lower(), en.lower()} <= HEADER_NAMES:
            continue
        yield zh, en


def _rows_tbx(data: bytes, name: str):
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{name}: not a well-formed TBX file ({exc})") from exc
    lang_attr = "{http://www.w3.org/XML/1998/namespace}lang"
    for entry in root.iter("{*}termEntry", "{*}conceptEntry"):
        terms: dict[str, str] = {}
        for lang_set in entry.iter("{*}langSet"):
            lang = (lang_set.get(lang_attr) or lang_set.get("lang") or "").lower()
            term = next(lang_set.iter("{*}term"), None)
            if term is not None and term.text and lang[:2] not in terms:
                terms[lang[:2]] = term.text.strip()
        if "zh" in terms and "en" in terms:
            yield terms["zh"], terms["en"]


def load(path: str | Path, encoding: str | None = None) -> Glossary:
    """Read a glossary: TSV (zh<TAB>en per line), CSV (zh,en) or TBX (by extension).

    A TSV or CSV file's encoding is detected as a document's is (`decode_bytes`: UTF-8 with
    or without a BOM, UTF-16, GB18030 from a Chinese Excel, Big5, …), or named: `encoding`
    (gb18030, big5, …), decoded strictly (`decode_as`). A TBX declares its own (XML)."""
    from duiyi.corpus.read import decode_as, decode_bytes, encoding_name

    encoding = encoding_name(encoding)
    path = Path(path)
    try:
        with open(path, "rb") as f:  # bounded by the bytes read: a pipe or /dev/zero too
            data = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read the glossary {path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_BYTES:
        raise InputError(f"{path}: glossary larger than {MAX_BYTES // 2**20} MB")
    suffix = path.suffix.lower()
    if suffix in (".tbx", ".xml"):
        if encoding is not None:
            raise InputError(
                f"{path}: a TBX glossary declares its own encoding (XML); --glossary-encoding "
                "is for TSV and CSV glossaries"
            )
        rows = _rows_tbx(data, str(path))
    else:
        if encoding is None:
            text = decode_bytes(data, f"the glossary {path}")[0]
        else:
            text = decode_as(data, f"the glossary {path}", encoding)
        rows = _rows_delimited(text, "," if suffix == ".csv" else "\t")
    glossary = Glossary(source=str(path))
    conflicts: dict[str, str] = {}  # zh term → the English it was given first
    for zh, en in rows:
        if zh and en:
            if glossary.entries.get(zh, en) != en:
                conflicts.setdefault(zh, glossary.entries[zh])
            glossary.entries[zh] = en
        if len(glossary.entries) > MAX_ENTRIES:
            raise InputError(f"{path}: more than {MAX_ENTRIES} glossary entries")
    if not glossary.entries:
        raise InputError(
            f"{path}: no glossary entries found (expected zh<TAB>en lines, zh,en CSV or TBX)"
        )
    if conflicts:
        zh, first = next(iter(conflicts.items()))
        log.warning(
            "%s: %d term(s) given different English terms; the last one is used "
            "(e.g. %s: %s, not %s)",
            path, len(conflicts), zh, glossary.entries[zh], first,
        )  # fmt: skip
    return glossary
