"""A small review corpus built in code, shared by the review app's tests."""

from __future__ import annotations

from duiyi.corpus.model import Bead, Document, Sentence
from duiyi.corpus.store import Store

# (source sentence, normalized form or None, English target, confidence)
NEWS = [
    ("今天北京的天气很好。", None, "The weather in Beijing is fine today.", 0.93),
    ("我们决定去公园散步。", None, "We decided to go for a walk in the park.", 0.81),
    ("公园里有很多人在放风筝。", None, "Many people were flying kites in the park.", 0.64),
    ("下午突然下起了大雨。", None, "In the afternoon it suddenly began to rain heavily.", 0.47),
    ("大家都跑到亭子里避雨。", None, "Everyone ran into the pavilion.", 0.28),
    ("雨停以后，天边出现了彩虹。", None, "Apples are red.", 0.09),
]
FORUM = [
    (
        "這個問題我們討論過很多次了。",
        "这个问题我们讨论过很多次了。",
        "We have discussed this many times.",
        0.77,
    ),
    (
        "請大家先看一下置頂的帖子。",
        "请大家先看一下置顶的帖子。",
        "Please read the pinned post first.",
        0.58,
    ),
    (
        "謝謝版主的耐心解答！",
        "谢谢版主的耐心解答！",
        "Thanks to the moderator for the answer!",
        0.35,
    ),
]


def make_document(path: str, rows: list[tuple[str, str | None, str, float]]) -> Document:
    text, sentences = "", []
    for src, normalized, _tgt, _score in rows:
        sentences.append(Sentence(src, len(text), len(text) + len(src), normalized or src))
        text += src
    return Document(path=path, text=text, sentences=sentences)


def add_document(
    store: Store, path: str, rows: list[tuple[str, str | None, str, float]], origin: str = "mt"
) -> int:
    beads = [Bead((i,), (), score) for i, (*_, score) in enumerate(rows)]
    return store.add_alignment(
        make_document(path, rows), beads, [r[2] for r in rows], origin=origin, engine="test"
    )


def build_corpus(store: Store) -> dict[str, int]:
    """Two documents: a Simplified news story (MT) and a Traditional forum thread (aligned)."""
    return {
        "news": add_document(store, "news/天气.txt", NEWS, origin="mt"),
        "forum": add_document(store, "forum/討論.txt", FORUM, origin="aligned"),
    }
