"""The one pair builder: joining a bead's sentences per character class, building pairs."""

from __future__ import annotations

import pytest

from duiyi.cache import cache_dir, cache_path
from duiyi.corpus.model import Bead, Document, Sentence, lang_tag
from duiyi.corpus.pairs import build_pairs, join_sentences


@pytest.mark.parametrize(
    ("texts", "joined"),
    [
        (["揭幕。", "伯纳德说。"], "揭幕。伯纳德说。"),
        (["Hello.", "World."], "Hello. World."),
        (["他用iPhone", "拍照。"], "他用iPhone拍照。"),  # a CJK side of the seam: no space
        (["他说。", "“走吧。”"], "他说。“走吧。”"),
        (["He said:", "“Go.”"], "He said: “Go.”"),
        ([" a ", "", "  ", "b"], "a b"),
        ([], ""),
    ],
)
def test_join_sentences(texts, joined):
    assert join_sentences(texts) == joined


def _doc(texts, lang, script=""):
    text, sentences = "", []
    for t in texts:
        sentences.append(Sentence(t, len(text), len(text) + len(t), normalized=t))
        text += t
    return Document(path=f"d.{lang}.txt", text=text, lang=lang, script=script, sentences=sentences)


def test_build_pairs_joins_each_side_by_its_rule():
    zh = _doc(["揭幕。", "伯纳德说。"], "zh")
    en = _doc(["The unveiling.", "Bernard said."], "en")
    [pair] = build_pairs(zh, [Bead((0, 1), (0, 1), 0.9)], tgt=en)
    assert (pair.src, pair.tgt, pair.bead, pair.score) == (
        "揭幕。伯纳德说。",
        "The unveiling. Bernard said.",
        "2-2",
        0.9,
    )
    [draft] = build_pairs(zh, [Bead((0, 1), ())], tgt_texts=["Unveiled."], metas=[{"qe": 0.5}])
    assert (draft.bead, draft.tgt, draft.meta) == ("2-1", "Unveiled.", {"qe": 0.5})
    with pytest.raises(ValueError):
        list(build_pairs(zh, [], tgt=en, tgt_texts=[]))


@pytest.mark.parametrize(
    ("lang", "script", "tag"),
    [("zh", "traditional", "zh-TW"), ("zh", "simplified", "zh-CN"), ("en", "", "en-US")],
)
def test_language_tags_come_from_the_document(lang, script, tag):
    assert lang_tag(lang, script) == tag == _doc(["x"], lang, script).lang_tag


def test_one_cache_folder_honours_duiyi_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("DUIYI_CACHE", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    assert cache_path("e5-embeddings.sqlite") == tmp_path / "c" / "e5-embeddings.sqlite"
    monkeypatch.delenv("DUIYI_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert cache_path("translations.db") == tmp_path / "x" / "duiyi" / "translations.db"
