"""Aligning whole documents: pairing files of two directories, prepared documents, and pairs.

The aligner sees normalized sentences (Traditional converted to Simplified); the pairs it
produces carry the original text of both sides.
"""

from __future__ import annotations

from pathlib import Path

from duiyi.align.aligner import Aligner, Alignment
from duiyi.align.rescore import Progress
from duiyi.atomic import protect_inputs
from duiyi.corpus.model import Document, primary_subtag
from duiyi.corpus.read import iter_files
from duiyi.errors import InputError


def match_pairs(
    src: str,
    tgt: str,
    glob: str = "*",
    follow_links: bool = False,
    sides: tuple[str, str] = ("source", "translation"),
) -> list[tuple[Path, Path]]:
    """(source, target) file pairs: two files (either may be "-", stdin, or a pipe such as
    `<(zcat a.zh.gz)`), or two directories matched by relative path.

    Raises InputError naming every file without a partner, before anything is aligned
    (`sides`: what the messages call the two sides' files). Links inside the directories are
    followed only within them unless `follow_links`.
    """
    s, t = Path(src), Path(tgt)
    if "-" in (src, tgt):
        if src == tgt:
            raise InputError("- (standard input) can be one side, not both")
        other = t if src == "-" else s
        if not other.exists():
            raise InputError(f"{other}: no such file or directory")
        if other.is_dir():
            raise InputError(f"{other}: with - (standard input) on one side, give a file")
        protect_inputs([other])
        return [(s, t)]
    for p in (s, t):
        if not p.exists():
            raise InputError(f"{p}: no such file or directory")
    if not s.is_dir() and not t.is_dir():  # files, pipes, devices: read as documents
        if s.samefile(t):
            raise InputError(f"{src} and {tgt} are the same file: give a text and its translation")
        protect_inputs([s, t])
        return [(s, t)]
    if s.is_dir() != t.is_dir():
        raise InputError(f"{src} and {tgt}: give two files or two directories, not one of each")
    if s.samefile(t):
        raise InputError(
            f"{src} and {tgt} are the same directory: give the texts' and their translations'"
        )

    def files(root: Path) -> dict[str, Path]:
        return {p.relative_to(root).as_posix(): p for p in iter_files(root, glob, follow_links)}

    left, right = files(s), files(t)
    only_src = sorted(set(left) - set(right))
    only_tgt = sorted(set(right) - set(left))
    if only_src or only_tgt:
        parts = []
        if only_src:
            parts.append(f"no {sides[1]} in {tgt} for: {', '.join(only_src[:5])}")
        if only_tgt:
            parts.append(f"no {sides[0]} in {src} for: {', '.join(only_tgt[:5])}")
        more = len(only_src) + len(only_tgt) - len(only_src[:5]) - len(only_tgt[:5])
        tail = f" (and {more} more)" if more > 0 else ""
        raise InputError(
            "; ".join(parts) + tail + ": files are paired by name; rename or remove them"
        )
    if not left:
        raise InputError(f"{src}: no files matching {glob!r}")
    return [(left[name], right[name]) for name in sorted(left)]


def align_documents(
    aligner: Aligner,
    src: Document,
    tgt: Document,
    paragraphs: bool,
    rescore_progress: Progress | None = None,
) -> Alignment:
    """Align two prepared documents on their normalized sentences (`rescore_progress`: as
    `Aligner.align`'s; the translation models sit out unless the pair is Chinese and English)."""
    return aligner.align(
        [s.normalized or s.text for s in src.sentences],
        [s.normalized or s.text for s in tgt.sentences],
        [s.paragraph for s in src.sentences] if paragraphs else None,
        [s.paragraph for s in tgt.sentences] if paragraphs else None,
        rescore_progress=rescore_progress,
        languages=(primary_subtag(src.lang), primary_subtag(tgt.lang)),
    )
