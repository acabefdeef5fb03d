"""An encoding named on the command line (--encoding, align's --src-encoding/--tgt-encoding)
and in the API (encoding=): for the texts detection cannot tell apart."""

from __future__ import annotations

import codecs
import json

import pytest

from duiyi.corpus.read import decode_as, read_document, read_inputs
from duiyi.errors import InputError

KOREAN = "안녕하세요 여러분"  # two words of EUC-KR: valid GB18030 too, read as 救崇窍技夸 咯矾盒
GB18030 = "你好，世界。我们今天去北京。"  # its 20th byte, 0xC8, is no Big5 lead byte


def write(path, text: str, encoding: str):
    path.write_bytes(text.encode(encoding))
    return path


def test_split_reads_two_korean_words_in_the_named_encoding(cli, tmp_path):
    path = write(tmp_path / "ko.txt", KOREAN + "\n", "euc-kr")
    status, out, err = cli("split", "--encoding", "euc-kr", path)
    assert status == 0, err
    assert out == KOREAN + "\n"


def test_normalize_reads_short_shift_jis_in_the_named_encoding(cli, tmp_path):
    path = write(tmp_path / "tokyo.txt", "東京\n", "shift-jis")  # detected: GB18030 搶嫗
    status, out, err = cli("normalize", "--encoding", "shift_jis", "--conversion", "none", path)
    assert status == 0, err
    assert out == "東京\n"


def test_a_file_not_valid_in_the_named_encoding_is_refused_in_one_line(cli, tmp_path):
    path = write(tmp_path / "gb.txt", GB18030, "gb18030")
    status, out, err = cli("split", "--encoding", "big5", path)
    assert status == 1 and out == ""
    assert err.splitlines() == [
        f"duiyi: error: {path}: not valid big5 at byte offset 20 (0xC8): "
        "is it in another encoding? (auto detects it)"
    ]


@pytest.mark.parametrize(
    "command",
    [
        ["split", "--encoding", "no-such-codec"],
        ["normalize", "--encoding", "base64"],  # bytes to bytes, not text
        ["translate", "--encoding", "rot13"],
        ["align", "--tgt-encoding", "no-such-codec", "b.txt"],
    ],
)
def test_an_unknown_encoding_is_a_usage_error(cli, tmp_path, command):
    status, out, err = cli(*command, tmp_path / "a.txt")
    assert status == 2 and out == ""
    option = command[1]
    assert err.splitlines() == [
        f"duiyi {command[0]}: error: argument {option}: unknown text encoding "
        f"{command[2]!r}: give a name Python knows (utf-8, gb18030, big5, euc-kr, "
        "shift-jis, utf-16, cp1252, …) or auto"
    ]


def test_translate_reads_its_inputs_in_the_named_encoding(cli, tmp_path):
    path = write(tmp_path / "tokyo.txt", "東京\n", "shift-jis")
    status, out, err = cli(
        "translate", "--engine", "gloss", "--encoding", "shift-jis", "-f", "jsonl",
        "--include-gloss", "--no-cache", path,
    )  # fmt: skip
    assert status == 0, err
    assert json.loads(out)["src_text"] == "東京"
    status, out, err = cli("translate", "--engine", "gloss", "--encoding", "big5", "--no-cache",
                           write(tmp_path / "gb.txt", GB18030, "gb18030"))  # fmt: skip
    assert status == 1 and "gb.txt: not valid big5 at byte offset 20" in err.splitlines()[-1]


def test_align_reads_each_side_in_its_own_encoding(cli, tmp_path):
    src = write(tmp_path / "a.zh", "我们今天去北京。\n他说：“很好。”\n", "gb18030")
    tgt = write(tmp_path / "a.en", "We go to Beijing today.\nHe said: “Good.”\n", "cp1252")
    status, out, err = cli(
        "align", "--presplit", "--src-encoding", "gb18030", "--tgt-encoding", "cp1252",
        src, tgt, "-f", "tsv", "--no-cache", "-q",
    )  # fmt: skip
    assert status == 0, err
    assert [line.split("\t")[2:4] for line in out.splitlines()[1:]] == [
        ["我们今天去北京。", "We go to Beijing today."],
        ["他说：“很好。”", "He said: “Good.”"],
    ]
    # the target's option reaches the target: not UTF-8 (0x93 is cp1252's “)
    status, _, err = cli(
        "align", "--presplit", "--src-encoding", "gb18030", "--tgt-encoding", "utf-8",
        src, tgt, "-f", "tsv", "--no-cache", "-q",
    )  # fmt: skip
    assert status == 1
    assert f"{tgt}: not valid utf-8 at byte offset 33 (0x93)" in err


def test_the_named_encoding_wins_over_an_html_meta_charset(cli, tmp_path):
    page = f'<html><head><meta charset="gb2312"></head><body><p>{KOREAN}</p></body></html>'
    path = write(tmp_path / "ko.html", page, "euc-kr")
    status, out, err = cli("split", "--encoding", "euc-kr", "--original", path)
    assert status == 0, err
    assert out == KOREAN + "\n"


@pytest.mark.parametrize(
    ("bom", "encoding", "read"),
    [
        (codecs.BOM_UTF8, "utf-8", "你好"),
        (codecs.BOM_UTF8, "utf-8-sig", "你好"),
        (codecs.BOM_UTF16_LE, "utf-16", "你好"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "你好"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "你好"),
        (codecs.BOM_UTF8, "gb18030", "UTF-8 byte-order mark, not gb18030 text"),
        (codecs.BOM_UTF16_LE, "utf-16-be", "UTF-16 byte-order mark, not utf-16-be text"),
        (codecs.BOM_UTF8, "utf-16", "UTF-8 byte-order mark, not utf-16 text"),
    ],
)
def test_a_byte_order_mark_is_dropped_where_it_agrees_and_refused_where_not(bom, encoding, read):
    body = {codecs.BOM_UTF8: "utf-8", codecs.BOM_UTF16_LE: "utf-16-le"}.get(bom, "utf-16-be")
    data = bom + "你好".encode(body)
    if read == "你好":
        assert decode_as(data, "x.txt", encoding) == "你好"
    else:
        with pytest.raises(InputError, match=read):
            decode_as(data, "x.txt", encoding)


@pytest.mark.parametrize(
    ("data", "encoding", "refused"),
    [
        # Python reads utf-16 without a mark as little-endian: big-endian text became 䠀攀
        ("Hello world.".encode("utf-16-be"), "utf-16", "utf-16 without a byte-order mark"),
        ("Hello world.".encode("utf-32-be"), "utf-32", "name its byte order, utf-32-le or"),
        # detection refuses NUL bytes as binary; a named encoding must not let them through
        (b"abc\x00def ghi. Text here.", "latin-1", "looks like a binary file"),
        # a codec of names: its UnicodeError was an internal error
        (b"xn--abc.com hello", "idna", "not idna text"),
    ],
)
def test_a_named_encoding_refuses_what_it_cannot_read_as_text(
    cli, tmp_path, data, encoding, refused
):
    path = tmp_path / "x.txt"
    path.write_bytes(data)
    status, out, err = cli("split", "--encoding", encoding, path)
    assert (status, out) == (1, "") and refused in err
    assert len(err.splitlines()) == 1 and "internal error" not in err


def test_the_api_takes_the_encoding_and_checks_its_name(tmp_path):
    path = write(tmp_path / "ko.txt", KOREAN, "euc-kr")
    doc = read_document(path, encoding="euc-kr")
    assert (doc.text, doc.encoding) == (KOREAN, "euc-kr")
    assert [d.text for d in read_inputs([tmp_path], encoding="EUC_KR")] == [KOREAN]
    with pytest.raises(InputError, match="unknown text encoding 'klingon'"):
        read_document(path, encoding="klingon")
