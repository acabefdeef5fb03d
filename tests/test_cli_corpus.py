"""`duiyi normalize` and `duiyi split` end to end: seeds, formats, stdin, errors."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS

from duiyi.commands._corpus import CONVERSION_CHOICES, one_line
from duiyi.corpus.pipeline import CONVERSIONS

SEED_000 = SEEDS / "000_08edd30e33a077b6.txt"
SEED_001 = SEEDS / "001_aea3b48e8a28c5fb.txt"
SEED_002 = SEEDS / "002_76ecc3df367f0a1b.txt"
CHROME_000 = ("首頁", "首页", "Club>", "回覆列表", "回复列表", "# 英武", "中秋节", "大龄剩女")


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_split_seed_000_is_clean_and_simplified(cli):
    status, out, err = cli("split", SEED_000)
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("据俄罗斯卫星通讯社12月30日")
    assert lines[-1] == "这就靠普金和埃尔多安的政治智慧了,好戏肯定还在后头。"
    assert len(lines) > 250 and all(line.strip() for line in lines)
    for chrome in CHROME_000:
        assert chrome not in out
    assert not any(line.strip().isdigit() for line in lines)
    for traditional in "據來說們國與關係會對":
        assert traditional not in out


def test_split_original_keeps_traditional(cli):
    status, out, _ = cli("split", "--original", SEED_000)
    assert status == 0
    assert out.splitlines()[0].startswith("據俄羅斯衛星通訊社")


def test_split_show_removed_marks_the_cut_chrome_in_place(cli):
    status, out, _ = cli("split", "--show-removed", SEED_000)
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "[removed breadcrumb] 首頁>Club>"
    assert lines[2:5] == [
        "[removed reply-count] 5",
        "[removed reply-header] 回覆列表",
        "[removed reply-marker] • 1 # 英武",
    ]
    assert lines[-2:] == [
        "[removed related-links] • 中秋節和大豐收的關聯?",
        "[removed related-links] • 為什麼一些大齡剩女這麼難追?",
    ]
    plain = cli("split", SEED_000)[1].splitlines()
    assert [line for line in lines if not line.startswith("[removed ")] == plain


def test_split_jsonl_fields_offsets_and_replies(cli):
    status, out, _ = cli("split", "--format", "jsonl", SEED_000)
    assert status == 0
    records = [json.loads(line) for line in out.splitlines()]
    text = SEED_000.read_text(encoding="utf-8")
    fields = {"document", "index", "text", "normalized", "start", "end", "script", "paragraph"}
    assert fields | {"reply", "author"} <= set(records[0])
    assert [r["index"] for r in records] == list(range(len(records)))
    for record in records:
        assert text[record["start"] : record["end"]] == record["text"]
        assert record["script"] == "traditional" and record["document"] == str(SEED_000)
    assert records[0]["reply"] is None and records[0]["author"] is None
    assert sorted({r["reply"] for r in records[1:]}) == list(range(1, 21))
    by_reply = {r["reply"]: r["author"] for r in records[1:]}
    assert by_reply[12] == "亦新湖" and by_reply[19] == "使用者67954572988"


def test_split_jsonl_show_removed(cli):
    status, out, _ = cli("split", "--format", "jsonl", "--show-removed", SEED_001)
    assert status == 0
    removed = [r for r in map(json.loads, out.splitlines()) if r.get("removed")]
    assert [(r["kind"], r["text"]) for r in removed] == [
        ("byline", "卿文 2025-02-19 15:28:01"),
        ("footer", "0 阅读:5"),
    ]


@pytest.mark.parametrize(
    "seed,chrome",
    [
        (SEED_001, ("卿文", "2025-02-19", "阅读:5")),
        (SEED_002, ("当前位置", "2024-10-26", "快来关注")),
    ],
)
def test_split_other_seeds_are_clean(cli, seed, chrome):
    status, out, _ = cli("split", seed)
    assert status == 0
    for piece in chrome:
        assert piece not in out
    assert "一、美俄已开启合作窗口" in out or "【俄方专机深夜飞往朝鲜,绕远线路】" in out


def test_split_directory_with_glob_and_output_file(cli, tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "a.txt").write_bytes("第一篇的第一句。第一篇的第二句。".encode("gbk"))
    (corpus / "sub" / "b.txt").write_bytes("第二篇，只有一句。".encode("utf-16"))
    (corpus / "notes.md").write_text("不该读到。", encoding="utf-8")
    out_path = tmp_path / "out.txt"
    status, out, err = cli("split", corpus, "--glob", "*.txt", "-o", out_path)
    assert status == 0, err
    assert out == ""
    assert out_path.read_text(encoding="utf-8").splitlines() == [
        "第一篇的第一句。",
        "第一篇的第二句。",
        "第二篇，只有一句。",
    ]


def test_split_stdin(cli, monkeypatch):
    data = "據俄羅斯衛星通訊社報道。美軍已經撤離！".encode("big5")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    status, out, _ = cli("split", "-")
    assert status == 0
    assert out.splitlines() == ["据俄罗斯卫星通讯社报道。", "美军已经撤离！"]


def test_split_stdin_in_a_real_process():
    result = subprocess.run(
        [sys.executable, "-m", "duiyi.cli", "split", "--format", "jsonl", "-"],
        input="首页 > 国际\n\n第一句。第二句？".encode("gb18030"),
        capture_output=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [r["text"] for r in records] == ["第一句。", "第二句？"]
    assert records[0]["document"] == "-"


def test_split_html_file(cli, tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><script>var a;</script><style>p{}</style></head><body>"
        "<nav>首页 &gt; 国际</nav><p>第一段。第二句！</p><p>第二段。</p>"
        "<footer>版权所有</footer></body></html>",
        encoding="utf-8",
    )
    status, out, _ = cli("split", page)
    assert status == 0
    assert out.splitlines() == ["第一段。", "第二句！", "第二段。"]


@pytest.mark.parametrize("command", ["split", "normalize"])
def test_binary_input_is_one_line_exit_1(cli, tmp_path, command):
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    status, out, err = cli(command, binary)
    assert status == 1 and out == ""
    line = _one_error_line(err)
    assert line.startswith("duiyi: error: ") and "image.png" in line and "binary" in line


@pytest.mark.parametrize("command", ["split", "normalize"])
def test_empty_input_is_one_line_exit_1(cli, tmp_path, command):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n\n", encoding="utf-8")
    status, _, err = cli(command, empty)
    assert status == 1
    assert "empty.txt is empty" in _one_error_line(err)


def test_missing_input_is_one_line_exit_1(cli, tmp_path):
    status, _, err = cli("split", tmp_path / "missing.txt")
    assert status == 1
    assert "missing.txt: no such file" in _one_error_line(err)


def test_failed_run_leaves_existing_output_alone(cli, tmp_path):
    out_path = tmp_path / "out.txt"
    out_path.write_text("previous result\n", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01binary")
    status, _, _ = cli("split", SEED_001, bad, "-o", out_path)
    assert status == 1
    assert out_path.read_text(encoding="utf-8") == "previous result\n"


@pytest.mark.parametrize(
    "args",
    [
        ("split",),
        ("split", SEED_001, "--format", "xml"),
        ("split", SEED_001, "--conversion", "s2t"),
    ],
)
def test_usage_errors_exit_2(cli, args):
    status, _, err = cli(*args)
    assert status == 2
    assert err.startswith("duiyi split: error: ") and err.count("\n") == 1  # one line


def test_split_and_normalize_take_a_language_tag(cli, tmp_path):
    # as align's --src-lang: Chinese rules (and conversion) for zh and ja, English for others
    chinese = tmp_path / "zh.txt"
    chinese.write_text("臺灣很好。我們去了。\n", encoding="utf-8")
    status, out, err = cli("split", "--lang", "zh-TW", chinese)
    assert (status, out) == (0, "台湾很好。\n我们去了。\n"), err
    status, out, err = cli("normalize", "--lang", "zh-TW", chinese)
    assert (status, out) == (0, "台湾很好。我们去了。\n"), err
    status, out, err = cli("normalize", "--lang", "fr", chinese)  # "auto" converts Chinese only
    assert (status, out) == (0, "臺灣很好。我們去了。\n"), err
    # und (undetermined) names no language: the detected one's rules, Chinese here
    status, out, err = cli("split", "--lang", "und", chinese)
    assert (status, out) == (0, "台湾很好。\n我们去了。\n"), err
    for options in ((), ("--clean",)):
        status, out, err = cli("normalize", "--lang", "und", *options, chinese)
        assert (status, out) == (0, "台湾很好。我们去了。\n"), err
    russian = tmp_path / "ru.txt"
    russian.write_text("Сегодня шёл дождь. Моя сестра забыла зонт.\n", encoding="utf-8")
    status, out, err = cli("split", "--lang", "ru", russian)
    assert (status, out) == (0, "Сегодня шёл дождь.\nМоя сестра забыла зонт.\n"), err
    out_path = tmp_path / "out.txt"
    for command in ("split", "normalize"):
        status, out, err = cli(command, "--lang", "zh CN", russian, "-o", out_path)
        assert status == 2 and not out_path.exists()
        assert err == (
            f"duiyi {command}: error: argument --lang: 'zh CN' is not a language tag "
            "(zh-CN, zh-TW, en-US, …)\n"
        )


def test_normalize_keeps_structure_and_converts(cli):
    status, out, _ = cli("normalize", SEED_000)
    assert status == 0
    original = SEED_000.read_text(encoding="utf-8").splitlines()
    lines = out.rstrip("\n").splitlines()
    assert len(lines) == len(original)  # line structure kept, chrome too
    assert lines[0] == "首页>Club>" and lines[3] == "回复列表"
    assert lines[1].startswith("据俄罗斯卫星通讯社")


def test_normalize_conversion_none_and_widths(cli, tmp_path):
    path = tmp_path / "wide.txt"
    path.write_text("臺灣  ＡＢＣ１２３，很好。\n\n第二段。\n", encoding="utf-8")
    status, out, _ = cli("normalize", "--conversion", "none", path)
    assert status == 0
    assert out == "臺灣 ABC123，很好。\n\n第二段。\n"
    status, out, _ = cli("normalize", path)
    assert out == "台湾 ABC123，很好。\n\n第二段。\n"


@pytest.mark.parametrize("options", [(), ("--clean",), ("--lang", "zh")])
def test_normalize_leaves_japanese_kanji_alone(cli, tmp_path, options):
    # 國, 發, 歴 are Japanese, not Traditional Chinese: "auto" converts nothing
    text = "東京は日本の首都です。この國の歴史は長く、様々な文化が發展してきました。"
    path = tmp_path / "ja.txt"
    path.write_text(text + "\n", encoding="utf-8")
    status, out, err = cli("normalize", *options, path)
    assert status == 0, err
    assert out == text + "\n"
    status, out, _ = cli("normalize", "--conversion", "t2s", path)  # asked for: done
    assert "国" in out and "发" in out


def test_normalize_clean_and_output_file(cli, tmp_path):
    out_path = tmp_path / "clean.txt"
    status, out, _ = cli("normalize", "--clean", SEED_000, "-o", out_path)
    assert status == 0 and out == ""
    text = out_path.read_text(encoding="utf-8")
    for chrome in CHROME_000:
        assert chrome not in text
    assert text.startswith("据俄罗斯卫星通讯社")


def test_normalize_clean_keeps_the_space_between_english_sentences(cli, tmp_path):
    # an English paragraph in a Chinese page: its sentences must not run together
    path = tmp_path / "bilingual.txt"
    path.write_text(
        "港铁公司昨日宣布票价上调。乘客很不满。\n\n"
        "The MTR said fares would rise. Dr. Wong disagreed.\n",
        encoding="utf-8",
    )
    status, out, _ = cli("normalize", "--clean", path)
    assert status == 0
    assert out == (
        "港铁公司昨日宣布票价上调。乘客很不满。\nThe MTR said fares would rise. Dr. Wong disagreed.\n"
    )


def test_split_original_keeps_one_sentence_per_line(cli, tmp_path):
    # a hard-wrapped paragraph whose lines end in a form feed (a page break in extracted text)
    # and U+2028: str.splitlines breaks at both
    lines = [
        "The quick brown fox jumps over the lazy dog and keeps running far away now",
        "across the field while the farmer watches from the old wooden porch today",
        "and then the story continues on the next page of the long book we read.",
    ]
    path = tmp_path / "wrapped.txt"
    path.write_text(f"{lines[0]}\x0c{lines[1]}\u2028{lines[2]}\n")
    status, out, _ = cli("split", "--original", path)
    assert status == 0
    assert out.splitlines() == [" ".join(lines)]


def test_normalize_several_documents(cli):
    status, out, _ = cli("normalize", SEED_001, SEED_002)
    assert status == 0
    assert "美俄高层互访" in out and "\n\n当前位置: 华文天下 > 国际\n" in out


def test_conversion_choices_match_the_library():
    assert CONVERSION_CHOICES == CONVERSIONS


@pytest.mark.parametrize(
    "text,expected",
    [
        ("一行", "一行"),
        ("中文\n续行", "中文续行"),
        ("two\n  lines", "two lines"),
        ("中\nA", "中 A"),
        ("中文\x0c续行", "中文续行"),  # a form feed between PDF pages
        ("two\u2028lines", "two lines"),  # every boundary str.splitlines knows
    ],
)
def test_one_line(text, expected):
    assert one_line(text) == expected


def test_an_output_that_is_also_an_input_is_refused_and_the_input_kept(cli, tmp_path):
    zh, en = tmp_path / "z.txt", tmp_path / "e.txt"
    zh.write_text("今天天气很好。我们去公园。\n", encoding="utf-8")
    en.write_text("The weather is fine today. Let's go to the park.\n", encoding="utf-8")
    before = zh.read_bytes()
    for args in (
        ("split", zh, "-o", zh),
        ("normalize", zh, "-o", zh),
        ("split", tmp_path, "-o", zh),  # found by walking the folder
    ):
        status, _, err = cli(*args)
        assert status == 1
        assert "is also an input of this command" in _one_error_line(err)
        assert zh.read_bytes() == before
    store = tmp_path / "c.db"
    status, _, err = cli("import", _tsv(tmp_path), "--store", store)
    assert status == 0, err
    stored = store.read_bytes()
    status, _, err = cli("export", store, "-f", "tsv", "-o", store)
    assert status == 1 and "is also an input" in _one_error_line(err)
    assert store.read_bytes() == stored


def _tsv(folder):
    path = folder / "pairs.tsv"
    path.write_text("src_text\ttgt_text\n你好。\tHello.\n", encoding="utf-8")
    return path


def test_export_says_what_each_filter_left_out(cli, tmp_path):
    pairs = tmp_path / "scored.tsv"
    pairs.write_text(
        "src_text\ttgt_text\tscore\torigin\n"
        "一。\tOne.\t0.9\thuman\n二。\tTwo.\t0.2\thuman\n三。\tThree.\t0.95\tgloss\n",
        encoding="utf-8",
    )
    store = tmp_path / "c.db"
    assert cli("import", pairs, "--store", store)[0] == 0
    status, out, err = cli("export", store, "-f", "tsv", "--min-score", "0.5")
    assert status == 0, err
    assert "One." in out and "Two." not in out and "Three." not in out
    assert (
        "wrote 1 pair to stdout (tsv); left out 1 gloss draft (--include-gloss keeps it), "
        "1 pair not matching --status/--origin/--min-score" in err
    )
    status, out, err = cli("export", store, "-f", "tsv", "--status", "approved")
    assert (
        "wrote 0 pairs to stdout (tsv); left out 2 pairs not matching "
        "--status/--origin/--min-score, 1 gloss draft (--include-gloss keeps it)" in err
    )


def test_a_failed_import_leaves_no_new_store_behind(cli, tmp_path):
    bad = tmp_path / "bad.tmx"
    bad.write_text("not xml at all", encoding="utf-8")
    store = tmp_path / "sub" / "new.db"
    status, _, err = cli("import", bad, "--store", store)
    assert status == 1, err
    assert not store.exists() and not Path(str(store) + "-wal").exists()
    # the store's folder is made when it is missing (it used to be called read-only)
    status, _, err = cli("import", _tsv(tmp_path), "--store", store)
    assert status == 0 and store.exists(), err


def test_a_score_written_behind_duiyis_back_is_one_line_and_info_still_reads(cli, tmp_path):
    store = tmp_path / "c.db"
    assert cli("import", _tsv(tmp_path), "--store", store)[0] == 0
    with sqlite3.connect(store) as conn:
        conn.execute("UPDATE beads SET score = 'high' WHERE id = 1")
    conn.close()
    status, _, err = cli("export", store, "-f", "tmx", "-o", tmp_path / "out.tmx")
    assert status == 1
    assert "bead 1 has the score 'high', not a number" in _one_error_line(err)
    assert not (tmp_path / "out.tmx").exists()
    status, out, err = cli("corpus", "info", store)
    assert status == 0, err
