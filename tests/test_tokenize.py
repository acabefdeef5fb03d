"""Tokenization: jieba for Chinese, sacremoses for English."""

from __future__ import annotations

import subprocess
import sys

import pytest

from duiyi.corpus.tokenize import detokenize_en, normalize_punct_en, tokenize_en, tokenize_zh


def test_tokenize_zh_words():
    tokens = tokenize_zh("我们今天去北京大学参观。")
    assert "北京大学" in tokens and "我们" in tokens
    assert "".join(tokens) == "我们今天去北京大学参观。"


def test_tokenize_zh_drops_whitespace_tokens_only():
    tokens = tokenize_zh("你好 world，  再见\n")
    assert all(t.strip() for t in tokens)
    assert "".join(tokens) == "你好world，再见"
    assert tokenize_zh("") == []


def test_jieba_is_lazy_and_quiet():
    """Importing loads nothing; the first use prints nothing on stderr (jieba logs there)."""
    code = (
        "import sys\n"
        "import duiyi.corpus.tokenize as t\n"
        "assert 'jieba' not in sys.modules\n"
        "print('|'.join(t.tokenize_zh('我们今天去北京')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "我们|今天|去|北京"
    assert done.stderr == ""


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Mr. Smith's car costs $3.5.", ["Mr.", "Smith", "'s", "car", "costs", "$", "3.5", "."]),
        ('He said "no," then left.', ["He", "said", '"', "no", ",", '"', "then", "left", "."]),
        ("e.g. the U.S. Army", ["e.g.", "the", "U.S.", "Army"]),
    ],
)
def test_tokenize_en(text, tokens):
    assert tokenize_en(text) == tokens
    assert detokenize_en(tokens) == text


def test_tokenize_en_escape():
    assert tokenize_en("a & b", escape=True) == ["a", "&amp;", "b"]
    assert detokenize_en(["a", "&amp;", "b"]) == "a & b"


def test_normalize_punct_en():
    assert normalize_punct_en("“Hello” – he said…") == '"Hello" - he said...'
    assert normalize_punct_en("plain text.") == "plain text."
