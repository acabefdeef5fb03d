"""The one place pairs are built from documents and beads (align output, translate output and
the store all use it), and the one rule for joining a bead's sentences into one segment.

Sentences of a many-to-one bead are joined per character class: nothing where either side of
the seam is CJK (Chinese text has no spaces between sentences), one space elsewhere (English).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from duiyi.corpus.model import Bead, Document, Pair

# CJK ideographs, kana, Hangul, CJK/full-width punctuation: no space at a seam next to these.
_CJK = re.compile(
    "[\u2e80-\u2fff\u3000-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
    "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f]"
)


def join_sentences(texts: Iterable[str]) -> str:
    """One segment from sentences: stripped, empty ones dropped, joined per the seam rule."""
    out = ""
    for text in texts:
        text = text.strip()
        if not text:
            continue
        if out and not (_CJK.match(out[-1]) or _CJK.match(text[0])):
            out += " "
        out += text
    return out


def bead_texts(doc: Document, ids: Sequence[int]) -> tuple[str, str]:
    """(original, normalized) text of the sentences `ids` of `doc`, joined."""
    sentences = [doc.sentences[i] for i in ids]
    return (
        join_sentences(s.text for s in sentences),
        join_sentences(s.normalized or s.text for s in sentences),
    )


def build_pairs(
    src: Document,
    beads: Sequence[Bead],
    *,
    tgt: Document | None = None,
    tgt_texts: Sequence[str] | None = None,
    origin: str = "aligned",
    metas: Sequence[dict] | None = None,
    first_number: int = 0,
) -> Iterator[Pair]:
    """One `Pair` per bead: the source sentences' original text joined, the target from `tgt`'s
    sentences or from `tgt_texts[i]` (drafts). `metas[i]` becomes the pair's meta. Pair ids are
    "NAME:N", N counting from `first_number`."""
    if (tgt is None) == (tgt_texts is None):
        raise ValueError("build_pairs needs exactly one of tgt and tgt_texts")
    for i, bead in enumerate(beads):
        src_text, src_normalized = bead_texts(src, bead.src)
        tgt_text = bead_texts(tgt, bead.tgt)[0] if tgt is not None else tgt_texts[i]
        yield Pair(
            src=src_text,
            tgt=tgt_text,
            score=bead.score,
            bead=bead_kind(bead.src, bead.tgt, src_text, tgt_text),
            origin=origin,
            document=src.name,
            src_normalized=src_normalized or None,
            id=f"{src.name}:{first_number + i}",
            meta=dict(metas[i]) if metas is not None else {},
        )


def bead_kind(
    src_ids: Sequence[int], tgt_ids: Sequence[int], src_text: str = "", tgt_text: str = ""
) -> str:
    """ "1-2" etc.; a side given as text rather than sentence ids (a draft) counts as one."""
    n_src = len(src_ids) if src_ids else int(bool(src_text))
    n_tgt = len(tgt_ids) if tgt_ids else int(bool(tgt_text))
    return f"{n_src}-{n_tgt}"
