"""Reading: encodings, HTML, binary/empty/huge input, directories, stdin."""

from __future__ import annotations

import codecs
import io
import random
import re
import subprocess
import sys

import pytest

from duiyi.corpus import read
from duiyi.corpus.html import html_to_text, meta_charset
from duiyi.corpus.read import decode_bytes, read_document, read_inputs, read_stream
from duiyi.errors import InputError

SIMPLIFIED = (
    "美俄高层互访，俄乌走向大结局！俄靠一场战争赢得了什么？\n特朗普上任后表示要尽快结束冲突。\n"
)
TRADITIONAL = (
    "據俄羅斯衛星通訊社報道，美軍已經將倉庫內的武器運離至伊拉克。\n土耳其會保證與俄羅斯的距離！\n"
)
SHORT = ["中文", "臺灣", "土耳其", "說話", "你好。"]


def _encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-16-le-bom":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    if encoding == "utf-16-be-bom":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    return text.encode(encoding)


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16-le-bom", "utf-16-be-bom", "gb18030", "gbk"]


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("text", [SIMPLIFIED, TRADITIONAL])
def test_decodes_each_encoding(text, encoding):
    decoded, _ = decode_bytes(_encode(text, encoding), "x.txt")
    assert decoded == text


@pytest.mark.parametrize("encoding", ["big5", "cp950"])
def test_decodes_big5(encoding):
    decoded, used = decode_bytes(TRADITIONAL.encode(encoding), "x.txt")
    assert decoded == TRADITIONAL
    assert used == "big5"


@pytest.mark.parametrize("text", SHORT)
@pytest.mark.parametrize("encoding", ["gb18030", "big5"])
def test_short_chinese_is_not_misdetected(text, encoding):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        pytest.skip(f"{text} has no {encoding} form")
    assert decode_bytes(data, "x")[0] == text


@pytest.mark.parametrize(
    ("text", "encoding"), [("余占鳌对", "gb18030"), ("汪淼摘下", "gb18030"), ("汪淼摘下", "big5")]
)
def test_short_chinese_with_one_rare_character(text, encoding):
    # a name's rare character (鳌, 淼) made three or four characters implausible Chinese, and
    # charset-normalizer then read them as Korean or Japanese mojibake
    assert decode_bytes(text.encode(encoding), "x") == (text, encoding)


def test_big5_hkscs_extensions():
    text = "香港的邨屋很多，這是一個測試。"  # 邨 is in Big5-HKSCS, not in plain Big5
    assert decode_bytes(text.encode("big5hkscs"), "x") == (text, "big5hkscs")


def test_utf8_with_a_broken_byte_keeps_the_text(caplog):
    data = (SIMPLIFIED * 20).encode("utf-8")
    data = data[:9] + b"\xff" + data[9:]  # between two characters
    decoded, encoding = decode_bytes(data, "broken.txt")
    assert encoding == "utf-8" and decoded.count("\ufffd") == 1
    assert decoded.replace("\ufffd", "") == SIMPLIFIED * 20
    assert "broken.txt" in caplog.text and "U+FFFD" in caplog.text


@pytest.mark.parametrize(
    ("text", "encoding"),
    [(SIMPLIFIED, "gb18030"), (TRADITIONAL, "big5hkscs"), (SIMPLIFIED, "utf-8")],
)
def test_a_stray_or_cut_off_byte_keeps_the_text_in_every_encoding(caplog, text, encoding):
    # a stray byte (a bad copy) or a character cut off at the end (a truncated download, `head
    # -c`): one U+FFFD and a warning, as UTF-8 had, not "cannot tell its text encoding"
    data = (text * 20).encode(encoding)
    first = len(text[0].encode(encoding))
    stray = data[:first] + b"\xff" + data[first:]  # after the first character
    assert decode_bytes(stray, "stray.txt") == (text[0] + "\ufffd" + (text * 20)[1:], encoding)
    short = text.rstrip("\n").encode(encoding)[:-1]  # one line, its last character cut
    assert decode_bytes(short, "cut.txt") == (text.rstrip("\n")[:-1] + "\ufffd", encoding)
    assert "stray.txt: 1 invalid" in caplog.text and "cut.txt: 1 invalid" in caplog.text


def test_a_short_utf8_text_with_a_stray_byte_is_utf8_not_mojibake(tmp_path):
    """Two sentences, one stray byte: one in 11 characters broken, too many for the one in 500
    of long texts, yet the other eight non-ASCII characters are sound UTF-8 (it was read as
    Cyrillic mojibake, without a word). Short texts in other encodings are told as before."""
    path = tmp_path / "stray.txt"
    path.write_bytes("第一句。\n".encode() + b"\x85" + "第二句。\n".encode())
    result = subprocess.run(
        [sys.executable, "-m", "duiyi.cli", "split", str(path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0 and result.stdout == "第一句。\n\ufffd第二句。\n"
    assert result.stderr == (
        f"duiyi: warning: {path}: 1 invalid UTF-8 byte sequence(s) replaced by U+FFFD\n"
    )
    for text, encoding in (("Привет, как дела? Это тест.", "cp1251"), (SIMPLIFIED, "gb18030")):
        assert decode_bytes(text.encode(encoding), "x") == (text, encoding)
    assert decode_bytes(SIMPLIFIED.encode("utf-8")[:-1], "x")[1] == "utf-8"


def test_a_latin_text_ending_in_an_accent_is_not_a_cut_off_character():
    assert decode_bytes("Un café".encode("cp1252"), "x") == ("Un café", "cp1252")


KOREAN = [
    "안녕하세요. 오늘 날씨가 좋습니다.",
    "대한민국은 동아시아의 한반도 남부에 위치한 민주공화국이다.\n수도는 서울특별시이다.\n",
    "학교에 갑니다.",
    "회의는 오후 세 시에 시작됩니다. 늦지 않도록 주의해 주세요!",
]


@pytest.mark.parametrize("text", KOREAN)
def test_euc_kr_korean_is_read_as_korean_not_chinese_mojibake(tmp_path, text):
    # GB18030 decodes these bytes too, as common Han characters (안녕 → 救崇)
    assert decode_bytes(text.encode("euc-kr"), "x") == (text, "euc-kr")
    path = tmp_path / "ko.txt"
    path.write_bytes(text.encode("euc-kr"))
    assert read_document(path).text == text


def test_cp949_korean_with_syllables_euc_kr_lacks():
    text = "똠방각하는 오늘도 회사에 갑니다."  # 똠: CP949 (Unified Hangul Code) only
    assert decode_bytes(text.encode("cp949"), "x") == (text, "cp949")


@pytest.mark.parametrize(
    "text", ["老狼", "老胡啊！", "老狼啊老狼", "刘老老道：“", "老胡啊，你好", "你好。"]
)
def test_chinese_whose_bytes_also_read_as_hangul_stays_chinese(text):
    # Read as CP949 each is all Hangul with frequent Korean syllables (老 → 일, 啊 → 가,
    # 狼 → 의), but too few to tell, or, read as Chinese, holding a word (你好)
    assert decode_bytes(text.encode("gb18030"), "x") == (text, "gb18030")


def test_reported_encoding_names():
    assert decode_bytes(SIMPLIFIED.encode("utf-8"), "x")[1] == "utf-8"
    assert decode_bytes(SIMPLIFIED.encode("utf-8-sig"), "x")[1] == "utf-8-sig"
    assert decode_bytes(SIMPLIFIED.encode("gbk"), "x")[1] == "gb18030"
    assert decode_bytes(_encode(SIMPLIFIED, "utf-16-le-bom"), "x")[1] == "utf-16"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text", [SIMPLIFIED, "Plain English text, UTF-16 without a BOM.\n"])
def test_utf16_without_bom(text, encoding):
    assert decode_bytes(text.encode(encoding), "x") == (text, encoding)


def test_bom_is_not_part_of_the_text():
    decoded, _ = decode_bytes(codecs.BOM_UTF8 + "你好".encode(), "x")
    assert decoded == "你好"


def test_latin1_english_falls_back_sensibly():
    decoded, _ = decode_bytes("The café served crème brûlée.".encode("latin-1"), "x")
    assert decoded == "The café served crème brûlée."


@pytest.mark.parametrize(
    "data",
    [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", bytes(range(0, 32)) * 10, b"abc\x00def"],
    ids=["png", "controls", "nul"],
)
def test_binary_is_refused_naming_the_file(data):
    with pytest.raises(InputError, match="photo.bin.*binary"):
        decode_bytes(data, "photo.bin")


def test_undecodable_is_refused(tmp_path):
    path = tmp_path / "junk.txt"
    # Bytes valid in no candidate encoding and no text-like guess.
    noise = random.Random(7).randbytes(3000)
    path.write_bytes(bytes(b | 0x80 if b < 0x20 and b not in (9, 10, 13) else b for b in noise))
    with pytest.raises(InputError, match="junk.txt"):
        read_document(path)


@pytest.mark.parametrize("content", [b"", b"   \n\n\t  \r\n", "\ufeff".encode()])
def test_empty_input_is_refused(tmp_path, content):
    path = tmp_path / "blank.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match="blank.txt is empty"):
        read_document(path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(InputError, match="nope.txt: no such file"):
        read_document(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="nope.txt: no such file"):
        list(read_inputs([str(tmp_path / "nope.txt")]))


def test_absurd_size_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(read, "MAX_BYTES", 1000)
    path = tmp_path / "big.txt"
    path.write_text("中" * 1000, encoding="utf-8")
    with pytest.raises(InputError, match="big.txt is more than .* MB .*; duiyi reads inputs up to"):
        read_document(path)
    with pytest.raises(InputError, match="stdin is more than"):
        read_stream(io.BytesIO(("中" * 1000).encode()))


def test_size_just_over_the_limit_says_more_than(tmp_path, monkeypatch):
    # 200 MB + 1 byte used to read "is 200 MB; duiyi reads inputs up to 200 MB".
    monkeypatch.setattr(read, "MAX_BYTES", 2 * 2**20)
    path = tmp_path / "big.txt"
    path.write_bytes(b"a" * (2 * 2**20 + 1))
    message = "big.txt is more than 2 MB (2,097,153 bytes); duiyi reads inputs up to 2 MB"
    with pytest.raises(InputError, match=re.escape(message)):
        read_document(path)


def test_reads_a_50_mb_file(tmp_path):
    path = tmp_path / "big.txt"
    line = "美军已经将位于叙利亚东北部的武器运离至伊拉克。\n".encode()
    path.write_bytes(line * (50 * 2**20 // len(line) + 1))
    doc = read_document(path)
    assert len(doc.text) > 16_000_000 and doc.encoding == "utf-8"


def test_stdin_stream_decodes():
    doc = read_stream(io.BytesIO(TRADITIONAL.encode("big5")))
    assert doc.path == "-" and doc.name == "stdin"
    assert doc.text == TRADITIONAL and doc.encoding == "big5"


def test_stdin_empty_is_refused():
    with pytest.raises(InputError, match="stdin is empty"):
        read_stream(io.BytesIO(b"\n"))


def test_directory_recursive_with_glob(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "b").mkdir()
    (tmp_path / "one.txt").write_text("第一篇。", encoding="utf-8")
    (tmp_path / "a" / "two.txt").write_bytes("第二篇。".encode("gbk"))
    (tmp_path / "a" / "b" / "three.txt").write_bytes("第三篇。".encode("utf-16"))
    (tmp_path / "a" / "skip.md").write_text("不要。", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("隐藏。", encoding="utf-8")
    docs = list(read_inputs([str(tmp_path)], glob="*.txt"))
    assert [d.text for d in docs] == ["第三篇。", "第二篇。", "第一篇。"]  # a/b/…, a/…, …
    assert {d.encoding for d in docs} == {"utf-8", "gb18030", "utf-16"}
    assert len(list(read_inputs([str(tmp_path)]))) == 4


def test_directory_without_matches_is_an_error(tmp_path):
    (tmp_path / "x.md").write_text("内容。", encoding="utf-8")
    with pytest.raises(InputError, match="no files matching '\\*.txt'"):
        list(read_inputs([str(tmp_path)], glob="*.txt"))


def test_directory_skips_binary_but_named_binary_fails(tmp_path, caplog):
    (tmp_path / "good.txt").write_text("好的。", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01\x02binary")
    docs = list(read_inputs([str(tmp_path)]))
    assert [d.text for d in docs] == ["好的。"]
    assert (
        "bad.txt looks like a binary file, not text (NUL or control bytes): skipped" in caplog.text
    )
    with pytest.raises(InputError, match="bad.txt"):
        list(read_inputs([str(tmp_path / "bad.txt")]))


PAGE = """<!DOCTYPE html>
<html><head><meta charset="{charset}"><title>站点标题</title>
<style>p {{ color: red }}</style><script>var 广告 = "不要";</script></head>
<body>
<header><a href="/">首页</a></header>
<nav><ul><li>国际</li><li>军事</li></ul></nav>
<article>
  <h1>俄罗斯专机深夜飞往半岛</h1>
  <p>正在举办金砖峰会的俄罗斯，
  忙着和各国领导人洽谈交流。</p>
  <p>第二段<b>加粗</b>内容。<br>同一段的第二行。</p>
  <div hidden>隐藏的文字</div>
  <ul><li>要点一</li><li>要点二</li></ul>
</article>
<aside>热门文章</aside>
<form><input name="q"><button>搜索</button></form>
<footer>版权所有</footer>
<script>track();</script>
</body></html>
"""


def test_html_main_text_and_blocks():
    text = html_to_text(PAGE.format(charset="utf-8"))
    assert text.split("\n\n") == [
        "俄罗斯专机深夜飞往半岛",
        "正在举办金砖峰会的俄罗斯，忙着和各国领导人洽谈交流。",
        "第二段加粗内容。\n同一段的第二行。",
        "要点一",
        "要点二\n",
    ]
    for chrome in ("广告", "首页", "军事", "热门", "搜索", "版权", "站点标题", "隐藏", "track"):
        assert chrome not in text


TRAD_PAGE = """<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<script>var x;</script></head><body><nav>首頁 &gt; 國際</nav>
<p>說話</p><p>據俄羅斯衛星通訊社報道，美軍已經將武器運離。</p></body></html>"""


@pytest.mark.parametrize(
    "page,charset,codec",
    [(PAGE, "gb2312", "gbk"), (PAGE, "utf-8", "utf-8"), (TRAD_PAGE, "big5", "big5")],
)
def test_html_file_honours_meta_charset(tmp_path, page, charset, codec):
    page = page.format(charset=charset)
    path = tmp_path / "page.html"
    path.write_bytes(page.encode(codec))
    doc = read_document(path)
    assert doc.meta["format"] == "html"
    body = html_to_text(page)
    assert doc.text == body and ("说" in body or "說" in body or "俄罗斯" in body)
    assert "var" not in doc.text and "首页" not in doc.text and "首頁" not in doc.text


def test_meta_charset_forms():
    assert meta_charset(b'<meta charset="GBK">') == "gb18030"
    assert meta_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=big5">') == (
        "big5hkscs"
    )
    assert meta_charset(b"<meta charset=nonsense-x>") is None
    assert meta_charset(b"<p>no meta</p>") is None


def test_html_sniffed_without_extension(tmp_path):
    path = tmp_path / "download"
    path.write_text("<html><body><p>一段文字。</p><script>x()</script></body></html>", "utf-8")
    doc = read_document(path)
    assert doc.text.strip() == "一段文字。"


def test_html_without_text_is_empty(tmp_path):
    path = tmp_path / "blank.html"
    path.write_text("<html><body><script>x()</script><nav>菜单</nav></body></html>", "utf-8")
    with pytest.raises(InputError, match="blank.html is empty"):
        read_document(path)


def test_html_xml_declaration_and_pre():
    text = html_to_text(
        '<?xml version="1.0" encoding="utf-8"?><html><body><pre>a  b\nc</pre></body></html>'
    )
    assert text == "a  b\nc\n"


def test_html_wrong_meta_charset_falls_back_to_detection(tmp_path):
    path = tmp_path / "liar.html"
    page = (
        '<html><head><meta charset="utf-8"></head><body><p>美军已经撤离叙利亚。</p></body></html>'
    )
    path.write_bytes(page.encode("gbk"))
    doc = read_document(path)
    assert doc.text.strip() == "美军已经撤离叙利亚。" and doc.encoding == "gb18030"


def test_utf16_html_is_sniffed(tmp_path):
    path = tmp_path / "page.dat"
    page = "<html><body><nav>菜单</nav><p>一段文字。</p></body></html>"
    path.write_bytes(page.encode("utf-16"))
    assert read_document(path).text.strip() == "一段文字。"


def test_document_names_are_file_names_unless_shared():
    from pathlib import Path

    paths = ["x/a.txt", "x/sub/a.txt", "y/a.txt", "x/b.txt", "c.txt", "-"]
    assert read.document_names(paths, [Path("x"), Path("y")]) == {
        "x/a.txt": "x/a.txt",  # a.txt under x and under y: the paths as given
        "x/sub/a.txt": "sub/a.txt",  # under the folder given
        "y/a.txt": "y/a.txt",
        "x/b.txt": "b.txt",  # a file name no other document has: kept
        "c.txt": "c.txt",
        "-": "stdin",
    }


def test_a_file_that_cannot_be_read_is_skipped_inside_a_directory(tmp_path, monkeypatch, caplog):
    # (no permission: chmod does not stop root, so `open` is made to refuse it) one such file
    # stopped the whole run, half its documents written, where a binary one is skipped
    import builtins
    import errno

    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text(SIMPLIFIED, encoding="utf-8")

    def refusing_open(path, *args, **kwargs):
        if str(path).endswith("b.txt"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return builtins.open(path, *args, **kwargs)

    monkeypatch.setattr(read, "open", refusing_open, raising=False)
    docs = list(read_inputs([tmp_path]))
    assert [d.name for d in docs] == ["a.txt", "c.txt"]
    assert "b.txt: cannot read it: Permission denied: skipped" in caplog.text
    with pytest.raises(InputError, match="b.txt: cannot read it: Permission denied"):
        read_document(tmp_path / "b.txt")


def test_a_file_given_twice_is_read_once(tmp_path, caplog, monkeypatch):
    # `duiyi translate dir/ dir/a.txt`: two documents of one name, every pair id repeated
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "a.txt").write_text(SIMPLIFIED, encoding="utf-8")
    (tmp_path / "dir" / "b.txt").write_text(TRADITIONAL, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    docs = list(read_inputs(["dir", "dir/a.txt", "./dir/b.txt"]))
    assert sorted(d.name for d in docs) == ["a.txt", "b.txt"]
    assert "dir/a.txt: given more than once, read once" in caplog.text
