"""Raw news documents, split by duiyi and aligned: pair accuracy, and does the confidence find
the wrong pairs? On WMT21 zh→en (../shared/eval/mt/wmt21, segment i of the source translated as
segment i of the reference).

The segments are joined back into running text, as a user's documents would be: consecutive
segments form a paragraph (up to PARAGRAPH segments; a Chinese segment without a
sentence-final mark, a headline or a byline, is a paragraph of its own; the English keeps the
same paragraphs), Chinese with nothing between sentences, English with a space. Every BLOCK
segments make one document. Each document pair then goes through the product's own path
(`prepare_text`: clean, split, normalize; `align_documents`), and the sentences are mapped
back to the segments by their offsets. Nothing in the aligner or the splitter was tuned on
this data.

A bead is right when its two sides cover the same segments (a finer split of one segment pair
counts as right: the reference gives no finer truth); a bead with one empty side is right only
when the other side has nothing of its segments at all (the cleaner removed it, say). A
sentence that spans a segment boundary is a splitting miss: every bead holding it is wrong
unless it also holds the whole of both segments on the other side.

The peer, side by side on the same sentences: duiyi's length-only Gale-Church-style aligner
(`duiyi/testing/gale_church.py`). Ends with a RESULT line.

    python benchmarks/align_news.py [--cache FILE] [--limit N]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from duiyi.align.aligner import Aligner  # noqa: E402
from duiyi.align.documents import align_documents  # noqa: E402
from duiyi.align.embed import EmbeddingCache, SpanEncoder  # noqa: E402
from duiyi.align.evaluate import error_ranking, expected_calibration_error  # noqa: E402
from duiyi.corpus.pipeline import prepare_text  # noqa: E402
from duiyi.testing.gale_church import length_only_align  # noqa: E402

WMT = ROOT.parent / "shared" / "eval" / "mt" / "wmt21"
SOURCE, REFERENCE = "newstest2021.zh-en.src.zh", "newstest2021.zh-en.ref.A.en"
BLOCK = 50  # segments per document
PARAGRAPH = 3  # segments per paragraph at most
FINAL = re.compile(
    r"[。！？!?.…][”’\"'」』）)\]]*$"
)  # a sentence-final mark, closing quotes after it


def paragraph_starts(segments: list[str]) -> set[int]:
    """The segments that start a paragraph, decided on the source side and kept by the
    translation: up to PARAGRAPH segments a paragraph; a segment without a sentence-final
    mark (a headline, a byline) is a paragraph of its own."""
    starts, in_paragraph = set(), 0
    for k, segment in enumerate(segments):
        final = FINAL.search(segment.strip()) is not None
        if not final or in_paragraph >= PARAGRAPH:
            in_paragraph = 0
        if in_paragraph == 0:
            starts.add(k)
        in_paragraph = in_paragraph + 1 if final else 0
    return starts


def running_text(
    segments: list[str], lang: str, starts: set[int]
) -> tuple[str, list[tuple[int, int]]]:
    """The segments as one document's text (paragraphs from `starts`), and each segment's
    (start, end) in it."""
    joiner = "" if lang == "zh" else " "
    text, spans = "", []
    for k, segment in enumerate(segments):
        segment = " ".join(segment.split())
        if k:
            text += "\n\n" if k in starts else joiner
        spans.append((len(text), len(text) + len(segment)))
        text += segment
    return text, spans


def segments_of(sentences, spans: list[tuple[int, int]]) -> list[frozenset[int]]:
    """For each sentence, the segments its characters come from."""
    out = []
    for sentence in sentences:
        out.append(
            frozenset(
                k
                for k, (start, end) in enumerate(spans)
                if start < sentence.end and sentence.start < end
            )
        )
    return out


def bead_right(src_segs, tgt_segs, bead_src, bead_tgt, covered_src, covered_tgt) -> bool:
    """The rule in the module docstring; `covered_*`: segments with any sentence on that side."""
    left = frozenset().union(*(src_segs[i] for i in bead_src))
    right = frozenset().union(*(tgt_segs[j] for j in bead_tgt))
    if not bead_src or not bead_tgt:
        return not ((left or right) & (covered_tgt if bead_src else covered_src))
    return left == right


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", help="SQLite embedding cache (default: none, a cold run)")
    parser.add_argument("--limit", type=int, default=None, help="first N segments only")
    args = parser.parse_args()
    if not (WMT / SOURCE).is_file() or not (WMT / REFERENCE).is_file():
        sys.exit(f"the WMT21 test set is not in {WMT} (../shared beside the repository)")
    zh = (WMT / SOURCE).read_text(encoding="utf-8").splitlines()[: args.limit]
    en = (WMT / REFERENCE).read_text(encoding="utf-8").splitlines()[: args.limit]
    if len(zh) != len(en):
        sys.exit(f"{SOURCE} and {REFERENCE} differ in length: {len(zh)} and {len(en)} lines")
    aligner = Aligner(SpanEncoder(EmbeddingCache(args.cache) if args.cache else None))
    rows = {"duiyi": [], "gale-church": []}  # per bead: (right, confidence)
    misses = {"zh": 0, "en": 0}
    sentences = {"zh": 0, "en": 0}
    wall = cpu = 0.0
    for first in range(0, len(zh), BLOCK):
        starts = paragraph_starts(zh[first : first + BLOCK])
        zh_text, zh_spans = running_text(zh[first : first + BLOCK], "zh", starts)
        en_text, en_spans = running_text(en[first : first + BLOCK], "en", starts)
        src, tgt = prepare_text(zh_text, lang="zh"), prepare_text(en_text, lang="en")
        src_segs = segments_of(src.sentences, zh_spans)
        tgt_segs = segments_of(tgt.sentences, en_spans)
        for lang, segs in (("zh", src_segs), ("en", tgt_segs)):
            sentences[lang] += len(segs)
            misses[lang] += sum(len(s) > 1 for s in segs)
        covered_src = frozenset().union(*src_segs)
        covered_tgt = frozenset().union(*tgt_segs)
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        result = align_documents(aligner, src, tgt, paragraphs=True)
        wall += time.perf_counter() - start_wall
        cpu += time.process_time() - start_cpu
        peer = length_only_align(
            [s.normalized for s in src.sentences], [s.normalized for s in tgt.sentences]
        )
        for name, beads in (("duiyi", result.beads), ("gale-church", peer)):
            for bead in beads:
                bead_src, bead_tgt = (bead.src, bead.tgt) if hasattr(bead, "src") else bead
                right = bead_right(src_segs, tgt_segs, bead_src, bead_tgt, covered_src, covered_tgt)
                rows[name].append((right, getattr(bead, "score", 1.0)))
    print(
        f"{len(zh)} segment pairs in {-(-len(zh) // BLOCK)} documents; sentences zh "
        f"{sentences['zh']}, en {sentences['en']}; sentences spanning two segments (splitting "
        f"misses): zh {misses['zh']}, en {misses['en']}"
    )
    print(f"{'aligner':<12} {'beads':>6} {'wrong':>6} {'right %':>8}")
    for name, beads in rows.items():
        wrong = sum(not right for right, _ in beads)
        print(f"{name:<12} {len(beads):>6} {wrong:>6} {100 * (1 - wrong / len(beads)):>8.2f}")
    correct = [right for right, _ in rows["duiyi"]]
    confidence = [score for _, score in rows["duiyi"]]
    ap, r10 = error_ranking(confidence, correct)
    ece = expected_calibration_error(confidence, correct)
    wrong = [score for right, score in rows["duiyi"] if not right]
    high = sum(score >= 0.8 for score in wrong)
    lowest = sorted(rows["duiyi"], key=lambda row: row[1])[:20]
    print(
        f"confidence: AP(wrong) {ap:.3f}, wrong beads in the lowest 10% {r10:.3f}, ECE {ece:.3f}; "
        f"wrong beads at 0.8 or more: {high} of {len(wrong)}; wrong among the 20 lowest: "
        f"{sum(not right for right, _ in lowest)}"
    )
    total = sentences["zh"] + sentences["en"]
    accuracy = 1 - len(wrong) / len(correct)
    peer_wrong = sum(not right for right, _ in rows["gale-church"])
    peer_accuracy = 1 - peer_wrong / len(rows["gale-church"])
    print(f"duiyi aligned {total} sentences in {wall:.1f} s ({cpu:.1f} CPU s)")
    print(
        f"RESULT news_beads={len(correct)} news_right={accuracy:.4f} "
        f"news_right_gale_church={peer_accuracy:.4f} news_err_recall_at_10={r10:.3f} "
        f"news_avg_precision_err={ap:.3f} news_wrong_conf_ge_08={high} news_wrong={len(wrong)} "
        f"news_split_misses_zh={misses['zh']} news_split_misses_en={misses['en']} "
        f"news_sents_per_cpu_s={total / max(cpu, 1e-9):.1f}"
    )


if __name__ == "__main__":
    main()
