"""DOCX, ODT, EPUB and PDF input: extraction, offsets, page furniture, errors, align."""

from __future__ import annotations

import io
import zipfile

import pytest
from document_fixtures import (
    EN_PARAGRAPHS,
    ZH_PARAGRAPHS,
    add_footnote,
    make_docx,
    make_epub,
    make_filtered_pdf,
    make_odt,
    make_pdf,
    make_scanned_pdf,
    make_two_column_pdf,
)

from duiyi.corpus import documents
from duiyi.corpus.pipeline import check_coverage, iter_pieces, prepare
from duiyi.corpus.read import read_document, read_inputs, read_stream
from duiyi.errors import InputError

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def pieces(doc):
    return [(getattr(p, "kind", "sentence"), p.text) for p in iter_pieces(doc)]


def sentences(doc):
    return [s.text for s in doc.sentences]


def test_docx_paragraphs_tables_lists_header_footer(tmp_path):
    doc = prepare(read_document(make_docx(tmp_path / "a.docx", "港口小城", ZH_PARAGRAPHS)))
    check_coverage(doc)
    assert doc.meta["format"] == "docx" and doc.lang == "zh"
    found = pieces(doc)
    # header first, footer last; bold and plain runs of one paragraph are one paragraph
    assert found[0] == ("sentence", "港口日报") and found[-1] == ("sentence", "内部资料")
    assert ("sentence", "码头上的工人一边卸货，一边大声讨论今天的鱼价。") in found
    # list numbering is kept in the text, as a list-label span before the item
    i = found.index(("list-label", "1."))
    assert found[i : i + 4] == [
        ("list-label", "1."), ("sentence", "第一项"), ("list-label", "2."), ("sentence", "第二项")
    ]  # fmt: skip
    assert found[i + 4 : i + 6] == [("sentence", "表格左"), ("sentence", "表格右")]
    assert "1. 第一项" in doc.text


def test_docx_tracked_insertions_and_text_boxes_are_read(tmp_path):
    import docx
    from docx.oxml.parser import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    document = docx.Document()
    p = document.add_paragraph("开头")
    p._p.append(
        parse_xml(f'<w:ins {w} w:id="1" w:author="a"><w:r><w:t>插入的字</w:t></w:r></w:ins>')
    )
    p._p.append(
        parse_xml(
            f'<w:del {w} w:id="2" w:author="a"><w:r><w:delText>删掉</w:delText></w:r></w:del>'
        )
    )
    p._p.append(parse_xml(f"<w:r {w}><w:tab/><w:t>尾</w:t><w:br/><w:t>下一行</w:t></w:r>"))
    document.save(tmp_path / "t.docx")
    doc = read_document(tmp_path / "t.docx")
    assert doc.text == "开头插入的字\t尾\n下一行\n"


def test_docx_fields_content_controls_and_text_boxes(tmp_path):
    import docx
    from docx.oxml.parser import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    mc = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    box = "<w:txbxContent><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:txbxContent>"
    document = docx.Document()
    p = document.add_paragraph("页码")
    field = (
        f'<w:r {w}><w:fldChar w:fldCharType="begin"/></w:r>',
        f"<w:r {w}><w:instrText> PAGE </w:instrText></w:r>",
        f'<w:r {w}><w:fldChar w:fldCharType="separate"/></w:r>',
        f"<w:r {w}><w:t>7</w:t></w:r>",
        f'<w:r {w}><w:fldChar w:fldCharType="end"/></w:r>',
    )
    for xml in field:
        p._p.append(parse_xml(xml))
    p._p.append(
        parse_xml(  # Word writes a text box twice: for new readers and as a fallback
            f'<w:r {w} {mc}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
            f"{box.format('框里的字')}</w:drawing></mc:Choice><mc:Fallback><w:pict>"
            f"{box.format('框里的字')}</w:pict></mc:Fallback></mc:AlternateContent></w:r>"
        )
    )
    document.element.body.insert(
        0,
        parse_xml(
            f"<w:sdt {w}><w:sdtContent><w:p><w:r><w:t>控件</w:t></w:r></w:p></w:sdtContent></w:sdt>"
        ),
    )
    document.save(tmp_path / "f.docx")
    assert read_document(tmp_path / "f.docx").text == "控件\n\n页码7\n\n框里的字\n"


def test_odt_paragraphs_lists_tables_spaces(tmp_path):
    doc = prepare(read_document(make_odt(tmp_path / "a.odt", "港口小城", ZH_PARAGRAPHS)))
    check_coverage(doc)
    assert doc.text.startswith("港口小城\n\n清晨六点")
    assert "第一行\n第二行   空格后\n\n脚注的内容。" in doc.text  # the footnote follows, no "1"
    assert sentences(doc)[-4:] == ["项目甲", "项目乙", "表格左", "表格右"]


def test_epub_chapters_in_spine_order(tmp_path):
    path = make_epub(
        tmp_path / "a.epub", [("第一章", ZH_PARAGRAPHS[:2]), ("第二章", ZH_PARAGRAPHS[2:])]
    )
    doc = prepare(read_document(path))
    check_coverage(doc)
    assert sentences(doc)[0] == "第一章"
    assert sentences(doc).index("第二章") > sentences(doc).index(ZH_PARAGRAPHS[1])
    # a chapter's header (its title) and its footnotes (asides) are text in a book
    assert sentences(doc)[-2:] == [ZH_PARAGRAPHS[2], "第2章的注释。"]
    assert "第1章的注释。" in sentences(doc)


def test_pdf_wrapped_lines_joined_and_running_headers_removed(tmp_path):
    path = make_pdf(tmp_path / "a.pdf", [ZH_PARAGRAPHS * 2, ZH_PARAGRAPHS[:2]])
    doc = prepare(read_document(path))
    check_coverage(doc)
    found = pieces(doc)
    assert found[0] == ("page-header", "港口日报 内部资料")
    assert [p for p in found if p[0] == "page-footer"] == [
        ("page-footer", "- 1 -"),
        ("page-footer", "- 2 -"),
    ]
    # the first paragraph is wrapped by fpdf2 over two lines: one sentence, no break inside
    assert "码头上的工人一边卸货，一边大声讨论今天的鱼价。" in sentences(doc)
    assert not any("港口日报" in s or "- 1 -" in s for s in sentences(doc))
    assert doc.meta["pages"] == 2


def test_pdf_streams_inflating_past_the_budget_are_one_clear_error(tmp_path, monkeypatch):
    import zlib

    from pdfminer import pdftypes

    from duiyi.corpus.documents import pdf

    path = make_pdf(tmp_path / "a.pdf", [ZH_PARAGRAPHS * 4])
    assert len(read_document(path).text) > 100  # within the budget: read as ever
    monkeypatch.setattr(pdf, "MAX_INFLATED", 1000)  # fpdf2's streams inflate past 1,000 bytes
    with pytest.raises(InputError, match=r"a.pdf: its compressed streams inflate to more than"):
        read_document(path)
    assert pdftypes.zlib is zlib  # pdfminer gets its own module back


@pytest.mark.parametrize(
    "filters",
    [["LZWDecode"], ["RunLengthDecode"], ["ASCIIHexDecode"], ["ASCII85Decode", "LZWDecode"]],
)
def test_pdf_streams_beyond_flate_count_against_the_budget(tmp_path, monkeypatch, filters):
    from pdfminer import lzw, pdftypes, runlength

    from duiyi.corpus.documents import pdf

    # 50,000 spaces after the text: LZW and RunLength write them in a few hundred bytes
    path = make_filtered_pdf(tmp_path / "f.pdf", "Harbour News", filters, padding=50_000)
    assert read_document(path).text.strip() == "Harbour News"  # within the budget: read
    monkeypatch.setattr(pdf, "MAX_INFLATED", 20_000)
    with pytest.raises(InputError, match=r"f.pdf: its compressed streams inflate to more than"):
        read_document(path)
    assert (pdftypes.lzwdecode, pdftypes.rldecode) == (lzw.lzwdecode, runlength.rldecode)


def test_pdf_ccitt_fax_streams_are_bounded_line_by_line(tmp_path, monkeypatch):
    """One bit of Group 4 fax can stand for a whole line of `Columns` pixels: a line wider
    than the budget is refused before pdfminer makes it, and the lines are counted as they
    come (pdfminer decoded the whole stream, copying its buffer at every line, before it was
    counted). Within the budget the output is pdfminer's own."""
    from pdfminer import ccitt, pdftypes

    from duiyi.corpus.documents import pdf

    monkeypatch.setattr(pdf, "MAX_INFLATED", 20_000)
    blank_lines = b"\xff" * 1000  # a code "1" (V0) per bit: 8,000 blank lines
    for columns in (10**9, 1728):  # a line of 125 MB; 8,000 lines of 216 bytes
        path = make_filtered_pdf(
            tmp_path / "fax.pdf", "", ["CCITTFaxDecode"], encoded=blank_lines,
            parms=f"<< /K -1 /Columns {columns} >>",
        )  # fmt: skip
        with pytest.raises(InputError, match=r"fax.pdf: its compressed streams inflate to more"):
            read_document(path)
    assert pdftypes.ccittfaxdecode is ccitt.ccittfaxdecode
    params = {"K": -1, "Columns": 16, "BlackIs1": True}
    data = bytes([0b10011000, 0b01000110, 0b00111111, 0xFF])
    assert pdf._ccittfaxdecode(pdf._Budget("x"), data, params) == ccitt.ccittfaxdecode(data, params)
    with pytest.raises(Exception, match="0"):  # not Group 4: pdfminer's own refusal
        pdf._ccittfaxdecode(pdf._Budget("x"), data, {"K": 0, "Columns": 16})


def test_pdf_paragraph_across_a_page_break_and_hyphenation(tmp_path):
    first = "The harbour workers unloaded the catch and talked about the prices of the day while the " \
        "boats came in; the captain wanted a transla-"  # fmt: skip
    path = make_pdf(
        tmp_path / "b.pdf",
        [[first], ["tion of the old log book before the winter came."]],
        header="Harbour News",
    )
    doc = prepare(read_document(path))
    check_coverage(doc)
    assert "a translation of the old log book before the winter came." in doc.sentences[-1].text
    assert "came in; the captain" in doc.sentences[-1].text  # the wrapped lines were joined
    kinds = [k for k, _ in pieces(doc)]
    # the furniture between the two halves follows the joined paragraph
    assert kinds == ["page-header", "sentence", "page-footer", "page-header", "page-footer"]


def test_pdf_columns_are_read_one_after_the_other(tmp_path):
    right = [
        "港口的历史可以追溯到明朝，当时这里是一个小渔村，后来逐渐发展成为贸易中心。",
        "现在每天有上百艘船进出港口。",
    ]
    path = make_two_column_pdf(
        tmp_path / "cols.pdf", "港口小城的故事与今天的生活", ZH_PARAGRAPHS, right
    )
    doc = prepare(read_document(path))
    check_coverage(doc)
    paragraphs = doc.text.strip().split("\n\n")
    assert paragraphs == ["港口小城的故事与今天的生活", *ZH_PARAGRAPHS, *right]


def test_pdf_with_only_an_owner_password_is_read(tmp_path):
    doc = read_document(make_pdf(tmp_path / "o.pdf", [ZH_PARAGRAPHS], encrypt=""))
    assert ZH_PARAGRAPHS[1] in doc.text


def test_single_page_pdf_keeps_its_edges_as_content(tmp_path):
    doc = prepare(read_document(make_pdf(tmp_path / "c.pdf", [ZH_PARAGRAPHS])))
    assert not doc.removed and sentences(doc)[0] == "港口日报 内部资料"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: make_pdf(p / "e.pdf", [ZH_PARAGRAPHS], encrypt="secret"), "encrypted PDF that needs a password"),
        (lambda p: make_scanned_pdf(p / "s.pdf"), "no text layer (scanned pages?)"),
        (lambda p: _write(p / "t.pdf", make_pdf(p / "x.pdf", [ZH_PARAGRAPHS]).read_bytes()[:400]), "not a readable PDF"),
        (lambda p: _write(p / "t.docx", make_docx(p / "x.docx", "标题", ZH_PARAGRAPHS).read_bytes()[:2000]), "not a readable DOCX"),
        (lambda p: _write(p / "o.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)), "password-protected"),
        (lambda p: _write(p / "o.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)), "save it as .docx"),
        (lambda p: _write(p / "n.docx", "只是文字".encode()), "not a DOCX file"),
        (lambda p: _zip(p / "z.odt", {"mimetype": "application/vnd.oasis.opendocument.text"}), "no content.xml"),
        (lambda p: _zip(p / "z.epub", {"mimetype": "application/epub+zip"}), "not a readable EPUB"),
    ],
)  # fmt: skip
def test_unreadable_documents_get_one_clear_line(tmp_path, cli, make, message):
    path = make(tmp_path)
    with pytest.raises(
        InputError, match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")
    ):
        read_document(path)
    status, out, err = cli("split", path)
    assert status == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err and "Traceback" not in err


def test_zip_bombs_are_refused(tmp_path, monkeypatch):
    path = make_docx(tmp_path / "a.docx", "标题", ZH_PARAGRAPHS)
    monkeypatch.setattr(documents, "MAX_UNPACKED", 1000)
    with pytest.raises(InputError, match="zip bomb"):
        read_document(path)


def test_documents_by_content_from_stdin_and_in_directories(tmp_path, caplog):
    (tmp_path / "in").mkdir()
    docx_bytes = make_docx(tmp_path / "in" / "a.docx", "标题", ZH_PARAGRAPHS).read_bytes()
    assert read_stream(io.BytesIO(docx_bytes)).meta["format"] == "docx"
    make_pdf(tmp_path / "in" / "b.pdf", [ZH_PARAGRAPHS])
    make_odt(tmp_path / "in" / "c.odt", "标题", ZH_PARAGRAPHS)
    make_epub(tmp_path / "in" / "d.epub", [("第一章", ZH_PARAGRAPHS)])
    make_scanned_pdf(tmp_path / "in" / "e.pdf")  # skipped with a warning inside a directory
    (tmp_path / "in" / "f.txt").write_text("纯文本。", encoding="utf-8")
    (tmp_path / "in" / "renamed.bin").write_bytes(docx_bytes)  # found by its content
    docs = list(read_inputs([str(tmp_path / "in")]))
    assert [d.meta.get("format", "text") for d in docs] == [
        "docx",
        "pdf",
        "odt",
        "epub",
        "text",
        "docx",
    ]
    assert "no text layer" in caplog.text


def test_split_cli_on_a_docx_and_show_removed_on_a_pdf(tmp_path, cli):
    status, out, _ = cli("split", make_docx(tmp_path / "a.docx", "港口小城", ZH_PARAGRAPHS))
    assert status == 0 and out.splitlines()[:2] == ["港口日报", "港口小城"]
    pdf = make_pdf(tmp_path / "a.pdf", [ZH_PARAGRAPHS, ZH_PARAGRAPHS])
    status, out, _ = cli("split", "--show-removed", pdf)
    assert status == 0
    assert out.splitlines()[0] == "[removed page-header] 港口日报 内部资料"
    assert "[removed page-footer] - 2 -" in out.splitlines()


def test_align_a_chinese_docx_with_its_english_docx(tmp_path, cli):
    (tmp_path / "zh").mkdir()
    (tmp_path / "en").mkdir()
    make_docx(tmp_path / "zh" / "harbour.docx", "港口小城", ZH_PARAGRAPHS, extras=False)
    make_docx(tmp_path / "en" / "harbour.docx", "The Harbour Town", EN_PARAGRAPHS, extras=False)
    status, out, err = cli(
        "align", tmp_path / "zh", tmp_path / "en", "-f", "jsonl", "-o", tmp_path / "p.jsonl",
        "--cache", tmp_path / "e5.sqlite",
    )  # fmt: skip
    assert status == 0, err
    import json

    pairs = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text().splitlines()]
    by_src = {p["src_text"]: p["tgt_text"] for p in pairs}
    assert by_src["港口小城"] == "The Harbour Town"
    assert by_src["老船长说，他年轻时从来没有见过这样的天气。"] == EN_PARAGRAPHS[2]
    assert by_src["今年春天雨水特别多，出海的日子比往年少了三分之一。"] == EN_PARAGRAPHS[1]


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


def _zip(path, members: dict[str, str]):
    with zipfile.ZipFile(path, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return path


def test_docx_footnotes_follow_the_body(tmp_path):
    path = add_footnote(make_docx(tmp_path / "f.docx", "标题", ZH_PARAGRAPHS[:1], extras=False))
    doc = read_document(path)
    assert doc.text.endswith(ZH_PARAGRAPHS[0] + "\n\n这是脚注。\n")


@pytest.mark.parametrize("kind", ["docx", "odt"])
def test_external_entities_are_not_resolved(tmp_path, kind):
    """A document whose XML declares an external entity (XXE) never reads the file it names."""
    secret = tmp_path / "secret.txt"
    secret.write_text("机密内容", encoding="utf-8")
    doctype = f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    if kind == "docx":
        path, member = (
            make_docx(tmp_path / "x.docx", "标题", ZH_PARAGRAPHS, extras=False),
            "word/document.xml",
        )
        old, new = b"<w:t>", b"<w:t>&xxe;"
    else:
        path, member = make_odt(tmp_path / "x.odt", "标题", ZH_PARAGRAPHS), "content.xml"
        old, new = b"<text:h", b"<text:p>&xxe;</text:p><text:h"
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    xml = members[member]
    head, _, rest = xml.partition(b"?>")
    members[member] = head + b"?>" + doctype.encode() + rest.replace(old, new, 1)
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    try:
        text = read_document(path).text
    except InputError:
        return  # refusing the file is fine too
    assert "机密内容" not in text and ZH_PARAGRAPHS[0] in text


def _rewrite(path, member: str, old: bytes, new: bytes, *, stored: bool = False):
    """Replace `old` by `new` in one member of the zip at `path` (stored: every member
    uncompressed, so the raw bytes can then be damaged in place)."""
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    members[member] = members[member].replace(old, new)
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("kind", "member", "make"),
    [
        ("docx", "word/document.xml", lambda p: make_docx(p, "标题", ZH_PARAGRAPHS)),
        ("odt", "content.xml", lambda p: make_odt(p, "标题", ZH_PARAGRAPHS)),
        ("epub", "EPUB/chap1.xhtml", lambda p: make_epub(p, [("第一章", ZH_PARAGRAPHS)])),
    ],
)
def test_a_damaged_member_of_a_document_zip_is_one_clear_line(tmp_path, cli, kind, member, make):
    path = _rewrite(make(tmp_path / f"d.{kind}"), member, b"", b"", stored=True)
    data = path.read_bytes()
    at = data.index("渔船".encode())  # inside the member's (stored) bytes: its CRC now fails
    path.write_bytes(data[:at] + "鱼".encode() + data[at + 3 :])
    with pytest.raises(InputError, match=f"not a readable {kind.upper()}"):
        read_document(path)
    status, _, err = cli("split", path)
    assert status == 1 and "not a readable" in err and "internal error" not in err


def test_a_huge_list_start_number_is_written_in_digits(tmp_path):
    path = make_docx(tmp_path / "n.docx", "标题", ZH_PARAGRAPHS[:1])
    with zipfile.ZipFile(path) as z:
        numbering = z.read("word/numbering.xml")
    assert b'<w:start w:val="1"/><w:numFmt w:val="decimal"/>' in numbering
    _rewrite(  # lower letters repeat: 100,000,000 would be "d" 3,846,154 times
        path,
        "word/numbering.xml",
        b'<w:start w:val="1"/><w:numFmt w:val="decimal"/>',
        b'<w:start w:val="100000000"/><w:numFmt w:val="lowerLetter"/>',
    )
    labels = [t for k, t in pieces(prepare(read_document(path))) if k == "list-label"]
    assert labels == ["100000000.", "100000001."]


def _epub_with_chapter(path, chapter: bytes):
    """A one-chapter EPUB whose chapter file holds exactly `chapter`."""
    make_epub(path, [("第一章", ["占位。"])])
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    members["EPUB/chap1.xhtml"] = chapter
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_epub_chapters_are_read_from_their_own_bytes(tmp_path):
    xhtml = '<html xmlns="http://www.w3.org/1999/xhtml"><body>{}</body></html>'
    gbk = '<?xml version="1.0" encoding="gbk"?>' + xhtml.format(f"<p>{ZH_PARAGRAPHS[1]}</p>")
    doc = read_document(_epub_with_chapter(tmp_path / "gbk.epub", gbk.encode("gbk")))
    assert doc.text == ZH_PARAGRAPHS[1] + "\n"  # not decoded as UTF-8
    deep = xhtml.format("<p>浅处。</p>" + "<div>" * 300 + "深处。" + "</div>" * 300)
    doc = read_document(_epub_with_chapter(tmp_path / "deep.epub", deep.encode()))
    assert doc.text == "浅处。\n\n深处。\n"  # nothing lost below 256 levels
    deeper = xhtml.format("<div>" * 3000 + "深处。" + "</div>" * 3000)
    with pytest.raises(InputError, match=r"^.*deeper\.epub: chap1\.xhtml: HTML nested more"):
        read_document(_epub_with_chapter(tmp_path / "deeper.epub", deeper.encode()))
