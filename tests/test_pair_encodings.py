"""The plain-text inputs besides documents: a --glossary (TSV, CSV) and the TSV and Moses files
`duiyi import` reads are decoded as documents are (detected, or named: --glossary-encoding,
import's --encoding), a pair file as a stream; JSON Lines stay UTF-8 (RFC 8259)."""

from __future__ import annotations

import codecs

import pytest
from llm_fixture import write_tiny_gguf

from duiyi.corpus.store import Store
from duiyi.export import base
from duiyi.translate.glossary import load

HEADER = "document\tid\tsrc_text\ttgt_text\n"


def stored(db) -> list[tuple[str, str]]:
    with Store.open(db, readonly=True) as store:
        return [(p.src, p.tgt) for p in store.iter_pairs()]


# ---- the glossary ---------------------------------------------------------------------------


def test_a_gb18030_csv_glossary_reaches_the_prompt(cli, tmp_path):
    """A glossary a Chinese Excel saved (CSV in GB18030): its terms are found in the source
    (the adherence counts the two hits), where it used to be refused as not UTF-8."""
    gguf = write_tiny_gguf(tmp_path / "tiny.gguf")
    assert cli("models", "install", gguf, "--name", "tiny")[0] == 0
    (tmp_path / "a.txt").write_text("美军撤离伊拉克。\n", encoding="utf-8")
    terms = tmp_path / "terms.csv"
    terms.write_bytes("中文,英文\n美军,US troops\n伊拉克,Iraq\n".encode("gb18030"))
    status, _, err = cli("translate", tmp_path / "a.txt", "--no-cache", "--glossary", terms)
    assert status == 0, err
    assert "with llm:tiny" in err and "glossary adherence " in err and "/2 (" in err


@pytest.mark.parametrize(
    ("suffix", "data"),
    [
        (".csv", codecs.BOM_UTF8 + "美军,US troops\n伊拉克,Iraq\n".encode()),  # Excel's UTF-8
        (".tsv", "美國軍隊\tUS troops\n伊拉克\tIraq\n".encode("big5")),  # a Taiwanese one
        (".tsv", "美军\tUS troops\r\n伊拉克\tIraq\r\n".encode("utf-16")),  # Excel "Unicode text"
    ],
    ids=["utf-8-bom-csv", "big5-tsv", "utf-16-tsv"],
)
def test_glossaries_are_decoded_as_documents_are(tmp_path, suffix, data):
    path = tmp_path / f"terms{suffix}"
    path.write_bytes(data)
    expected = data.decode("utf-16" if b"\x00" in data else "utf-8-sig", errors="replace")
    if "\ufffd" in expected:
        expected = data.decode("big5")
    rows = [line.split("\t" if suffix == ".tsv" else ",") for line in expected.splitlines()]
    assert load(path).entries == dict(rows)


def test_a_named_glossary_encoding_is_decoded_strictly(cli, tmp_path):
    terms = tmp_path / "terms.tsv"
    terms.write_bytes("東京\tTokyo\n".encode("shift-jis"))  # detected: GB18030 搶嫗
    assert load(terms, "shift_jis").entries == {"東京": "Tokyo"}
    gb = tmp_path / "gb.csv"
    gb.write_bytes("美军,US troops\n伊拉克,Iraq\n".encode("gb18030"))
    a = tmp_path / "a.txt"
    a.write_text("美军。\n", encoding="utf-8")
    status, out, err = cli(
        "translate", a, "--engine", "gloss", "--glossary", gb, "--glossary-encoding", "utf-8"
    )
    assert status == 1 and out == ""
    assert err.splitlines() == [
        f"duiyi: error: the glossary {gb}: not valid utf-8 at byte offset 0 (0xC3): "
        "is it in another encoding? (auto detects it)"
    ]
    status, out, err = cli("translate", a, "--glossary", gb, "--glossary-encoding", "gbk2")
    assert status == 2 and out == "" and "--glossary-encoding" in err and "gbk2" in err
    tbx = tmp_path / "terms.tbx"
    tbx.write_text("<martif/>", encoding="utf-8")
    status, _, err = cli("translate", a, "--glossary", tbx, "--glossary-encoding", "big5")
    assert status == 1
    assert err.splitlines() == [
        f"duiyi: error: {tbx}: a TBX glossary declares its own encoding (XML); "
        "--glossary-encoding is for TSV and CSV glossaries"
    ]


# ---- import: TSV and Moses ------------------------------------------------------------------


def test_a_big5_tsv_import_stores_the_text(cli, tmp_path):
    path = tmp_path / "tw.tsv"
    rows = [("美國軍隊撤離。", "US troops leave."), ("臺灣的資料", "Taiwan's data")]
    path.write_bytes((HEADER + "".join(f"d\t{i}\t{s}\t{t}\n" for i, (s, t) in enumerate(rows)))
                     .encode("big5"))  # fmt: skip
    status, _, err = cli("import", path, "--store", tmp_path / "s.db")
    assert status == 0, err
    assert "imported 2 pairs" in err
    assert stored(tmp_path / "s.db") == rows


def test_utf16_tsv_and_gb18030_moses_imports(cli, tmp_path):
    tsv = tmp_path / "excel.tsv"  # Excel's "Unicode text": UTF-16-LE with a BOM, CRLF
    tsv.write_bytes((HEADER + "d\t1\t上海\tShanghai\n").replace("\n", "\r\n").encode("utf-16"))
    (tmp_path / "m.zh").write_bytes("第一句。\n第二句。\n".encode("gb18030"))
    (tmp_path / "m.en").write_text("First.\nSecond.\n", encoding="ascii")
    status, _, err = cli("import", tsv, tmp_path / "m.moses", "--store", tmp_path / "s.db")
    assert status == 0, err
    assert stored(tmp_path / "s.db") == [
        ("上海", "Shanghai"), ("第一句。", "First."), ("第二句。", "Second."),
    ]  # fmt: skip


def test_an_invalid_byte_far_into_a_tsv_is_one_line_and_nothing_is_stored(cli, tmp_path):
    """Detected from the first block (GB18030), decoded as it is read: a byte further on that is
    not GB18030 names its line; the other file's pairs, read first, are not stored either."""
    good = tmp_path / "good.tsv"
    good.write_text(HEADER + "d\t1\t好\tgood\n", encoding="utf-8")
    lines = [f"d\t{i}\t第{i}句话。\tSentence {i}.\n" for i in range(60_000)]
    data = (HEADER + "".join(lines)).encode("gb18030")
    cut = data.index(b"\t\xb5\xda50000")  # line 50,002: the header, then pair 50,000
    assert cut > 4 * base.HEAD_BYTES
    bad = tmp_path / "bad.tsv"
    bad.write_bytes(data[:cut] + b"\t\xff\xfe" + data[cut + 3 :])
    db = tmp_path / "s.db"
    status, out, err = cli("import", good, bad, "--store", db)
    assert status == 1 and out == ""
    assert err.splitlines() == [
        f"duiyi: error: {bad}:50002: not valid gb18030 (0xFF), so not TSV: its start reads "
        "as gb18030: is it in two encodings? (--encoding NAME names one)"
    ]
    assert not db.exists() or stored(db) == []


def test_a_named_import_encoding_is_decoded_strictly_and_checked(cli, tmp_path):
    path = tmp_path / "gb.tsv"
    path.write_bytes((HEADER + "d\t1\t你好\thello\nd\t2\t人民\tpeople\n").encode("gb18030"))
    db = tmp_path / "s.db"
    status, out, err = cli("import", path, "--store", db, "--encoding", "big5")
    assert status == 1 and out == ""
    assert err.splitlines() == [
        f"duiyi: error: {path}:3: not valid big5 (0xC8), so not TSV: is it in another "
        "encoding? (--encoding auto detects it)"
    ]
    assert not db.exists() or stored(db) == []
    status, _, err = cli("import", path, "--store", db, "--encoding", "GBK")
    assert status == 0, err
    assert stored(db) == [("你好", "hello"), ("人民", "people")]
    status, out, err = cli("import", path, "--store", db, "--encoding", "no-such")
    assert status == 2 and out == "" and "--encoding" in err and "no-such" in err


def test_json_lines_stay_utf8(cli, tmp_path):
    db = tmp_path / "s.db"
    path = tmp_path / "p.jsonl"
    path.write_bytes(codecs.BOM_UTF8 + '{"src_text": "好", "tgt_text": "good"}\n'.encode())
    status, _, err = cli("import", path, "--store", db, "--encoding", "gb18030")
    assert status == 1
    assert err.splitlines() == [
        f"duiyi: error: {path}: JSON Lines are UTF-8 (RFC 8259); --encoding is for TSV and "
        "Moses files"
    ]
    status, _, err = cli("import", path, "--store", db, "--encoding", "utf-8")
    assert status == 0 and stored(db) == [("好", "good")], err  # the BOM tolerated
    path.write_bytes('{"src_text": "好", "tgt_text": "good"}\n'.encode("gb18030"))
    status, _, err = cli("import", path, "--store", db)
    assert status == 1
    assert err.splitlines() == [
        f"duiyi: error: {path}:1: not UTF-8 text, so not JSON Lines (a binary file, or text in "
        "another encoding: convert it to UTF-8)"
    ]


def test_lines_are_whole_wherever_the_blocks_read_end(cli, tmp_path, monkeypatch):
    """Read a block at a time: a line across blocks, a block ending on a line break, and a
    last line without one, longer than a block, each come back whole (here in UTF-16, where
    a block may end inside a character, and GB18030)."""
    first = HEADER + "d\t1\t上海\tShanghai\n"
    last = "d\t2\t" + "长" * 40 + "\t" + "long " * 20
    for encoding in ("utf-16", "gb18030"):
        data = (first + last).encode(encoding)
        monkeypatch.setattr(base, "HEAD_BYTES", len(first.encode(encoding)))
        path = tmp_path / f"{encoding}.tsv"
        path.write_bytes(data)
        db = tmp_path / f"{encoding}.db"
        status, _, err = cli("import", path, "--store", db)
        assert status == 0, err
        assert stored(db) == [("上海", "Shanghai"), ("长" * 40, "long " * 20)]
