"""Prompts, the clean-up of recorded model answers, the retry checks, glossaries and the QE score
(no model: pure functions, and the real e5 encoder for the QE ranking)."""

from __future__ import annotations

import os
import threading

import pytest

from duiyi.errors import InputError
from duiyi.translate import glossary as gl
from duiyi.translate.prompt import (
    clean,
    problems,
    split_context,
    system_prompt,
    user_prompt,
    with_context,
)
from duiyi.translate.qe import QualityEstimator, combine, length_factor


def test_the_prompt_is_chatml_with_the_fixed_part_first():
    fixed = system_prompt()
    assert fixed.startswith("<|im_start|>system\n") and fixed.endswith("<|im_start|>user\n")
    assert "translation only" in fixed and "pinyin" in system_prompt(strict=True)
    rest = user_prompt("美军撤离。", ["前一句。"], [("美军", "US troops")])
    assert rest.endswith("<|im_end|>\n<|im_start|>assistant\n")
    assert rest.index("前一句。") < rest.index("美军 = US troops") < rest.index("美军撤离。")
    assert "Earlier" not in user_prompt("美军撤离。") and "terms" not in user_prompt("美军撤离。")


def test_context_travels_inside_the_engine_input():
    item = with_context("第三句。", ["第一句。", "第二句。"])
    assert split_context(item) == ("第三句。", ["第一句。", "第二句。"])
    assert split_context(with_context("唯一。", [])) == ("唯一。", [])


# Answers recorded from Qwen2.5-Coder (1.5B / 0.5B) on WMT21 and seed sentences.
RECORDED = [
    ("The Chinese text translates to: The US will withdraw from Syria.", "美国将从叙利亚撤军。",
     "The US will withdraw from Syria."),
    ('"The People\'s Bank of China cut rates."', "中国人民银行降息。",
     "The People's Bank of China cut rates."),
    ("Translation: Today is nice.\n\nNote: 天气 means weather.", "今天天气很好。",
     "Today is nice."),
    ("今天天气很好。\nToday the weather is nice.", "今天天气很好。", "Today the weather is nice."),
    ("Here is the translation:\nHe said he would\ncome back.", "他说他会回来。",
     "He said he would come back."),
    ("“We will keep working,” he said.", "“我们会继续努力，”他说。",
     "“We will keep working,” he said."),
    ("Sure! The English translation is: Trump announced it.", "特朗普宣布了。",
     "Trump announced it."),
    ("  English: Turkey will not drift far from Russia.  ", "土耳其不会跟俄罗斯疏远太多。",
     "Turkey will not drift far from Russia."),
    ('"Extradite him: American values are bankrupt again." This translation maintains the '
     "original meaning and tone of the Chinese text.", "引渡吧,美国价值观再次破产。",
     "Extradite him: American values are bankrupt again."),
    ("The Kurds may come back. (Note: 库尔德人 means Kurds.)", "库尔德人卷土重来未可知。",
     "The Kurds may come back."),
    ("The translation team met today.", "翻译组今天开会。", "The translation team met today."),
]  # fmt: skip


@pytest.mark.parametrize(("answer", "source", "expected"), RECORDED)
def test_clean_up_of_recorded_answers(answer, source, expected):
    assert clean(answer, source) == expected


def test_problems_catch_chinese_left_and_implausible_lengths():
    source = "中国人民银行决定下调存款准备金率0.5个百分点。"
    good = "The People's Bank of China decided to cut the reserve requirement ratio by 0.5 points."
    assert problems(source, good) == []
    assert problems(source, "The 中国人民银行 cut the ratio by 0.5 points, it decided today.") == [
        "cjk"
    ]
    assert problems(source, "Bank.") == ["short"]
    assert problems(source, good * 5) == ["long"]
    assert problems("你好", "Hi") == []  # too short to judge by length


def test_chinese_a_glossary_target_asks_for_is_not_chinese_left():
    source = "华为手机的销量在中国下降了百分之五。"
    draft = "Sales of 华为 phones in China fell by five percent."
    assert problems(source, draft) == ["cjk"]
    assert problems(source, draft, ["华为", "sales"]) == []
    assert problems(source, draft + " 手机", ["华为"]) == ["cjk"]  # not asked for
    assert problems(source, draft, ["华为手机"]) == ["cjk"]  # a target not in the draft
    # the cut for Chinese left spares a target's Chinese: as if it were two Latin letters
    same_length = draft.replace("华为", "HW")
    assert combine(0.9, 0.9, source, draft, [], ["华为"]) == combine(
        0.9, 0.9, source, same_length, []
    )
    assert combine(0.9, 0.9, source, draft, []) < combine(0.9, 0.9, source, same_length, [])
    mixed = draft + " 手机"
    assert combine(0.9, 0.9, source, mixed, [], ["华为"]) < combine(
        0.9, 0.9, source, same_length + " HW", []
    )


def test_glossary_formats_matching_and_adherence(tmp_path):
    (tmp_path / "t.tsv").write_text(
        "# comment\n人民银行\tPBOC\n中国人民银行\tPeople's Bank of China\n"
    )
    (tmp_path / "t.csv").write_text("zh,en\n美军,US troops\n")  # a header row is no term
    (tmp_path / "t.tbx").write_text(
        '<?xml version="1.0"?><tbx><text><body><termEntry>'
        '<langSet xml:lang="zh-CN"><tig><term>叙利亚</term></tig></langSet>'
        '<langSet xml:lang="en"><tig><term>Syria</term></tig></langSet>'
        "</termEntry></body></text></tbx>"
    )
    tsv = gl.load(tmp_path / "t.tsv")
    assert tsv.terms_in("中国人民银行决定") == [("中国人民银行", "People's Bank of China")]
    assert gl.load(tmp_path / "t.csv").entries == {"美军": "US troops"}
    tbx = gl.load(tmp_path / "t.tbx")
    assert tbx.entries == {"叙利亚": "Syria"}
    assert gl.adherence(tbx, "美军撤离叙利亚。", "US troops leave syria.") == (1, 1)
    assert gl.adherence(tbx, "美军撤离叙利亚。", "US troops leave.") == (1, 0)
    assert tsv.digest() != tbx.digest()
    (tmp_path / "empty.tsv").write_text("just one column\n")
    with pytest.raises(InputError, match="no glossary entries"):
        gl.load(tmp_path / "empty.tsv")
    with pytest.raises(InputError, match="cannot read"):
        gl.load(tmp_path / "missing.tsv")


def test_the_qe_score_combines_its_signals():
    source = "中国人民银行决定下调存款准备金率。"
    good = "The People's Bank of China decided to cut the reserve requirement ratio."
    assert combine(0.92, 0.9, source, good, []) > combine(0.80, 0.9, source, good, [])
    assert combine(0.92, 0.9, source, good, []) > combine(0.92, 0.3, source, good, [])
    assert combine(0.92, 0.9, source, good, ["repetition"]) < combine(0.92, 0.9, source, good, [])
    mixed = "The 中国人民银行 decided to cut the ratio."
    assert combine(0.92, 0.9, source, mixed, []) < combine(0.92, 0.9, source, good, [])
    assert combine(0.92, 0.9, source, "", []) == 0.0
    assert length_factor(source, "Bank.") < 1 and length_factor(source, good) == 1
    assert all(0 <= combine(c, p, source, good, []) <= 1 for c in (0, 0.5, 1) for p in (0, 1))


def test_the_qe_score_ranks_a_wrong_draft_below_a_right_one():
    sources = ["特朗普总统宣布美国将从叙利亚撤军。"] * 2
    drafts = ["President Trump announced that the US will withdraw from Syria.",
              "The weather in the mountains was cold and the soup tasted of salt."]  # fmt: skip
    right, wrong = QualityEstimator().scores(sources, drafts, [0.8, 0.8], [[], []])
    assert right > wrong + 0.2


def test_a_term_given_two_english_terms_is_warned_about(tmp_path, caplog):
    (tmp_path / "t.tsv").write_text("渔船\tfishing boat\n渔船\ttrawler\n港口\tport\n港口\tport\n")
    assert gl.load(tmp_path / "t.tsv").entries == {"渔船": "trawler", "港口": "port"}
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warned == [
        f"{tmp_path / 't.tsv'}: 1 term(s) given different English terms; the last one is used "
        "(e.g. 渔船: trawler, not fishing boat)"
    ]


def test_a_glossary_is_read_up_to_its_limit_from_a_pipe(tmp_path, monkeypatch):
    # a pipe (or /dev/zero) has size 0: the limit must count the bytes read, not trust stat()
    monkeypatch.setattr(gl, "MAX_BYTES", 1000)
    fifo = tmp_path / "terms.tsv"
    os.mkfifo(fifo)

    def feed():
        with open(fifo, "w") as f:
            f.write("港口\tharbour\n" * 200)  # 2,800 bytes

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        with pytest.raises(InputError, match="glossary larger than"):
            gl.load(fifo)
    finally:
        writer.join(timeout=10)
        if writer.is_alive():  # load never opened the pipe: let the writer go, then fail
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
            pytest.fail("the glossary's pipe was never read")
