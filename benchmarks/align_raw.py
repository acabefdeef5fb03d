"""Raw documents, cleaned, split and aligned by duiyi: how many pairs are right, and does the
confidence find the wrong ones?

The gold sets of benchmarks/align.py come one sentence per line, so they never test the cleaner
and the splitter in front of the aligner. Here every set's parallel units are joined back into
running text, as a user's documents would be, and go through the product's own path
(`prepare_text`: clean, split, normalize; `align_documents`); the sentences are mapped back to
the units by their offsets.
- news: WMT21 zh→en (../shared/eval/mt/wmt21), segment i of the source translated as segment i
  of the reference, BLOCK segments a document. Nothing in duiyi was tuned on it.
- mac-dev, aca, mag, bible-001 (../shared/eval/align): the gold beads are the units; the same
  documents are also aligned from their gold sentence lines (`pre-split`), side by side.

Consecutive units form a paragraph (up to PARAGRAPH units; a Chinese unit without a
sentence-final mark, a headline or a byline, is a paragraph of its own; the other side keeps
the same paragraphs); Chinese is joined with nothing between sentences, English with a space.

A bead is right when its two sides cover the same units (`evaluate.pairs_right`: a finer split
of a unit pair, or whole units merged, counts as right: the units give no finer truth); a bead
with one empty side is right only when the other side has nothing of its units at all (the
cleaner removed it, say). A sentence that spans two units is a splitting miss: a bead holding
it is right only if it holds the whole of both units on the other side too. The peer, on the
same raw sentences: duiyi's length-only Gale-Church-style aligner
(`duiyi/testing/gale_church.py`). Ends with a RESULT line.

    python benchmarks/align_raw.py [--sets news mac-dev …] [--docs N] [--cache FILE]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from align import SETS as GOLD_SETS  # noqa: E402
from align import documents as gold_documents  # noqa: E402

from duiyi.align.aligner import Aligner  # noqa: E402
from duiyi.align.documents import align_documents  # noqa: E402
from duiyi.align.embed import EmbeddingCache, SpanEncoder  # noqa: E402
from duiyi.align.evaluate import bead_pairs_right, error_ranking, pairs_right  # noqa: E402
from duiyi.corpus.pipeline import prepare_text  # noqa: E402
from duiyi.testing.gale_church import length_only_align  # noqa: E402

WMT = ROOT.parent / "shared" / "eval" / "mt" / "wmt21"
SOURCE, REFERENCE = "newstest2021.zh-en.src.zh", "newstest2021.zh-en.ref.A.en"
SETS = ("news", *GOLD_SETS)
BLOCK = 50  # news segments per document
PARAGRAPH = 3  # units per paragraph at most
# a sentence-final mark, closing quotes after it
FINAL = re.compile(r"[。！？!?.…][”’\"'」』）)\]]*$")
JOINER = {"zh": "", "en": " "}
# per document: (name, source units, target units, source language, target language, and for
# a gold set its sentence lines and gold beads (source, target, gold), else None)
Doc = tuple[str, list[str], list[str], str, str, tuple | None]


def paragraph_starts(units: list[str]) -> set[int]:
    """The units that start a paragraph, decided on the Chinese side (see the docstring)."""
    starts, in_paragraph = set(), 0
    for k, unit in enumerate(units):
        final = FINAL.search(unit.strip()) is not None
        if not final or in_paragraph >= PARAGRAPH:
            in_paragraph = 0
        if in_paragraph == 0:
            starts.add(k)
        in_paragraph = in_paragraph + 1 if final else 0
    return starts


def running_text(
    units: list[str], lang: str, starts: set[int]
) -> tuple[str, list[tuple[int, int]]]:
    """The units as one document's text (paragraphs from `starts`), and each unit's
    (start, end) in it (empty for an empty unit: a gold bead with nothing on this side)."""
    text, spans = "", []
    for k, unit in enumerate(units):
        unit = " ".join(unit.split())
        if k and unit:
            text += "\n\n" if k in starts else JOINER[lang]
        spans.append((len(text), len(text) + len(unit)))
        text += unit
    return text, spans


def units_of(sentences, spans: list[tuple[int, int]]) -> list[frozenset[int]]:
    """For each sentence, the units its characters come from."""
    return [
        frozenset(k for k, (start, end) in enumerate(spans) if start < s.end and s.start < end)
        for s in sentences
    ]


def news_documents(docs: int | None) -> Iterator[Doc]:
    if not (WMT / SOURCE).is_file() or not (WMT / REFERENCE).is_file():
        sys.exit(f"the WMT21 test set is not in {WMT} (../shared beside the repository)")
    zh = (WMT / SOURCE).read_text(encoding="utf-8").splitlines()
    en = (WMT / REFERENCE).read_text(encoding="utf-8").splitlines()
    if len(zh) != len(en):
        sys.exit(f"{SOURCE} and {REFERENCE} differ in length: {len(zh)} and {len(en)} lines")
    for number, first in enumerate(range(0, len(zh), BLOCK)):
        if docs is not None and number >= docs:
            return
        yield f"{first:04d}", zh[first : first + BLOCK], en[first : first + BLOCK], "zh", "en", None


def gold_set_documents(name: str, docs: int | None) -> Iterator[Doc]:
    src_lang, tgt_lang = ("zh", "en") if GOLD_SETS[name][0] == "zh" else ("en", "zh")
    for doc, src, tgt, gold in gold_documents(name, docs):
        units = [bead for bead in gold if bead.src or bead.tgt]
        src_units = [JOINER[src_lang].join(src[i] for i in bead.src) for bead in units]
        tgt_units = [JOINER[tgt_lang].join(tgt[j] for j in bead.tgt) for bead in units]
        yield doc, src_units, tgt_units, src_lang, tgt_lang, (src, tgt, gold)


class Tally:
    """One set's beads under each aligner: (right, confidence) rows, sentences, splitting misses."""

    def __init__(self):
        self.rows: dict[str, list[tuple[bool, float]]] = {"duiyi": [], "gale-church": []}
        self.sentences = self.misses_src = self.misses_tgt = 0
        self.cpu = 0.0

    def add(self, aligner: str, beads, right: list[bool]) -> None:
        self.rows.setdefault(aligner, []).extend(
            zip(right, (bead.score for bead in beads), strict=True)
        )

    def right(self, aligner: str) -> float:
        rows = self.rows.get(aligner, [])
        return sum(right for right, _ in rows) / len(rows) if rows else float("nan")

    def wrong(self, aligner: str = "duiyi") -> int:
        return sum(not right for right, _ in self.rows.get(aligner, []))


def run_set(name: str, aligner: Aligner, docs: int | None) -> Tally:
    tally = Tally()
    source = news_documents(docs) if name == "news" else gold_set_documents(name, docs)
    for _doc, src_units, tgt_units, src_lang, tgt_lang, gold_lines in source:
        starts = paragraph_starts(src_units if src_lang == "zh" else tgt_units)
        src_text, src_spans = running_text(src_units, src_lang, starts)
        tgt_text, tgt_spans = running_text(tgt_units, tgt_lang, starts)
        src, tgt = prepare_text(src_text, lang=src_lang), prepare_text(tgt_text, lang=tgt_lang)
        src_of, tgt_of = units_of(src.sentences, src_spans), units_of(tgt.sentences, tgt_spans)
        tally.sentences += len(src_of) + len(tgt_of)
        tally.misses_src += sum(len(units) > 1 for units in src_of)
        tally.misses_tgt += sum(len(units) > 1 for units in tgt_of)
        cpu = time.process_time()
        result = align_documents(aligner, src, tgt, paragraphs=True)
        tally.cpu += time.process_time() - cpu
        tally.add("duiyi", result.beads, pairs_right(src_of, tgt_of, result.beads))
        normalized = [s.normalized for s in src.sentences], [s.normalized for s in tgt.sentences]
        peer = length_only_align(*normalized)
        tally.add("gale-church", peer, pairs_right(src_of, tgt_of, peer))
        if gold_lines is not None:
            src_lines, tgt_lines, gold = gold_lines
            presplit = aligner.align(src_lines, tgt_lines).beads
            tally.add("pre-split", presplit, bead_pairs_right(gold, presplit))
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=SETS)
    parser.add_argument("--docs", type=int, default=None, help="first N documents of each set")
    parser.add_argument("--cache", help="SQLite embedding cache (default: none, a cold run)")
    args = parser.parse_args()
    aligner = Aligner(SpanEncoder(EmbeddingCache(args.cache) if args.cache else None))
    print(
        f"{'set':<10} {'beads':>6} {'wrong':>6} {'right':>7} {'GC':>7} {'pre-split':>9} "
        f"{'AP(wrong)':>9} {'wrong@10%':>9} {'wrong≥0.8':>9} {'split misses':>12} {'sents/CPU s':>11}"
    )
    result = []
    for name in args.sets:
        tally = run_set(name, aligner, args.docs)
        rows = tally.rows["duiyi"]
        ap, r10 = error_ranking([score for _, score in rows], [right for right, _ in rows])
        high = sum(score >= 0.8 for right, score in rows if not right)
        presplit = tally.right("pre-split")
        speed = tally.sentences / max(tally.cpu, 1e-9)
        print(
            f"{name:<10} {len(rows):>6} {tally.wrong():>6} {tally.right('duiyi'):>7.4f} "
            f"{tally.right('gale-church'):>7.4f} {presplit:>9.4f} {ap:>9.3f} {r10:>9.3f} "
            f"{high:>9} {f'{tally.misses_src}/{tally.misses_tgt}':>12} {speed:>11.1f}",
            flush=True,
        )
        key = name.replace("-", "_")
        result.append(
            f"{key}_right={tally.right('duiyi'):.4f} {key}_right_gale_church="
            f"{tally.right('gale-church'):.4f} {key}_wrong={tally.wrong()} "
            f"{key}_err_recall_at_10={r10:.3f} {key}_avg_precision_err={ap:.3f}"
            + (f" {key}_right_presplit={presplit:.4f}" if "pre-split" in tally.rows else "")
        )
    print("right: beads whose two sides cover the same units; GC: Gale-Church on the same raw")
    print("sentences; pre-split: duiyi on the gold sentence lines; split misses: sentences that")
    print("span two units (source/target); wrong≥0.8: wrong beads at confidence 0.8 or more")
    print("RESULT " + " ".join(result))


if __name__ == "__main__":
    main()
