"""The export job: a store's pairs, selected and filtered, written in one format.

Nothing is left out silently: `ExportResult.left_out` counts what each filter dropped (gloss
drafts, the status/origin/score selection, empty sides, duplicates, length ratios).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from duiyi.corpus.model import ORIGINS
from duiyi.errors import InputError
from duiyi.export import format_for_path, get_format
from duiyi.export.base import check_language_tag
from duiyi.export.filters import filter_pairs
from duiyi.progress import progressbar

DEFAULT_LANGUAGES = ("zh-CN", "en-US")  # a store without documents (imported pairs only)


@dataclass
class ExportResult:
    pairs: int  # pairs written
    fmt: str
    left_out: Counter = field(default_factory=Counter)  # reason → pairs it dropped


def export_store(
    store,
    output: str | os.PathLike = "-",
    *,
    fmt: str | None = None,
    status: Sequence[str] | None = None,
    origin: Sequence[str] | None = None,
    min_score: float | None = None,
    include_gloss: bool = False,
    dedup: bool = False,
    max_length_ratio: float | None = None,
    src_lang: str | None = None,
    tgt_lang: str | None = None,
    tokenized: bool = False,
) -> ExportResult:
    """Write the pairs of `store` to `output` ("-": stdout) in `fmt` (default: from the
    extension). Gloss drafts are left out unless `include_gloss` or `origin` names them; the
    language tags default to the stored direction's. Everything is read from one snapshot:
    what other commands commit meanwhile (a re-import) neither mixes into the output nor
    skews the counts."""
    output = os.fspath(output)
    for lang, option in ((src_lang, "--src-lang"), (tgt_lang, "--tgt-lang")):
        if lang is not None:
            check_language_tag(lang, option)
    fmt = fmt or format_for_path(output if output != "-" else None)
    if tokenized and fmt != "moses":
        raise InputError(f"--tokenized is for the moses format, not {fmt}")
    writer = get_format(fmt, **({"tokenized": True} if tokenized else {}))
    with store.snapshot() as view:
        origins = origin
        if origins is None and not include_gloss:
            origins = [o for o in ORIGINS if o != "gloss"]
        selection = dict(status=status, origin=origins, min_score=min_score)
        total = view.count_pairs(**selection)
        left_out: Counter = Counter()
        every = view.count_pairs()
        if origin is None and not include_gloss:
            gloss = every - view.count_pairs(origin=origins)
            left_out["gloss drafts (--include-gloss keeps them)"] = gloss
        if status or origin or min_score is not None:
            left_out["not matching --status/--origin/--min-score"] = (
                every - sum(left_out.values()) - total
            )
        if not (src_lang and tgt_lang):
            stored = view.language_tags() or DEFAULT_LANGUAGES
            src_lang, tgt_lang = src_lang or stored[0], tgt_lang or stored[1]
        pairs = filter_pairs(
            progressbar(
                view.iter_pairs(**selection, segments=fmt == "xces"),
                total=total,
                desc="export",
                unit="pair",
            ),
            left_out,
            dedup=dedup,
            max_length_ratio=max_length_ratio,
        )
        written = writer.write(
            pairs,
            output,
            src_lang=src_lang,
            tgt_lang=tgt_lang,
            signature=" + ".join(view.info()["signatures"]),
        )
        return ExportResult(written, fmt, +left_out)  # only the filters that dropped something
