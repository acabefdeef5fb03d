"""DOCX, ODT, EPUB and PDF test documents, built in code with the formats' own libraries."""

from __future__ import annotations

from pathlib import Path

from conftest import require_file

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")

ZH_PARAGRAPHS = [
    "清晨六点，渔船陆续回到港口。码头上的工人一边卸货，一边大声讨论今天的鱼价。",
    "今年春天雨水特别多，出海的日子比往年少了三分之一。",
    "老船长说，他年轻时从来没有见过这样的天气。",
]
EN_PARAGRAPHS = [
    "At six in the morning, the fishing boats come back to the harbour one after another. "
    "On the quay, workers unload the catch while loudly discussing today's fish prices.",
    "There has been an unusual amount of rain this spring. Days at sea are down by a third.",
    "The old captain says he never saw weather like this when he was young.",
]


def make_docx(path: Path, title: str, paragraphs: list[str], *, extras: bool = True) -> Path:
    """A DOCX with a heading, body paragraphs and (extras) a numbered list, a bold run,
    a table, a header and a footer."""
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for text in paragraphs:
        p = document.add_paragraph(style="Normal")
        half = len(text) // 2
        p.add_run(text[:half]).bold = True
        p.add_run(text[half:])
    if extras:
        document.add_paragraph("第一项", style="List Number")
        document.add_paragraph("第二项", style="List Number")
        table = document.add_table(rows=1, cols=2)
        table.cell(0, 0).text = "表格左"
        table.cell(0, 1).text = "表格右"
        section = document.sections[0]
        section.header.paragraphs[0].text = "港口日报"
        section.footer.paragraphs[0].text = "内部资料"
    document.save(path)
    return path


def add_footnote(path: Path, text: str = "这是脚注。") -> Path:
    """Give a DOCX a footnotes part with one footnote (python-docx cannot write footnotes)."""
    import zipfile

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    notes = (
        f'<w:footnotes xmlns:w="{w}">'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        f'<w:footnote w:id="1"><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:footnote>'
        "</w:footnotes>"
    )
    rel = (
        '<Relationship Id="rIdNotes" Target="footnotes.xml" Type="http://schemas.openxmlformats'
        '.org/officeDocument/2006/relationships/footnotes"/></Relationships>'
    )
    override = (
        '<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.footnotes+xml"/></Types>'
    )
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    members["word/footnotes.xml"] = notes.encode()
    rels = "word/_rels/document.xml.rels"
    members[rels] = members[rels].replace(b"</Relationships>", rel.encode())
    types = "[Content_Types].xml"
    members[types] = members[types].replace(b"</Types>", override.encode())
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def make_odt(path: Path, title: str, paragraphs: list[str]) -> Path:
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, LineBreak, List, ListItem, Note, NoteBody, NoteCitation, P, S, Span

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text=title))
    for text in paragraphs:
        p = P(text=text[:5])
        p.addElement(Span(text=text[5:]))
        document.text.addElement(p)
    p = P(text="第一行")
    p.addElement(LineBreak())
    p.addText("第二行")
    p.addElement(S(c=3))
    p.addText("空格后")
    note = Note(id="ftn1", noteclass="footnote")
    note.addElement(NoteCitation(text="1"))
    body = NoteBody()
    body.addElement(P(text="脚注的内容。"))
    note.addElement(body)
    p.addElement(note)
    document.text.addElement(p)
    items = List()
    for text in ("项目甲", "项目乙"):
        item = ListItem()
        item.addElement(P(text=text))
        items.addElement(item)
    document.text.addElement(items)
    table = Table()
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    row = TableRow()
    for text in ("表格左", "表格右"):
        cell = TableCell()
        cell.addElement(P(text=text))
        row.addElement(cell)
    table.addElement(row)
    document.text.addElement(table)
    document.save(str(path))
    return path


def make_epub(path: Path, chapters: list[tuple[str, list[str]]], *, reverse_manifest=True) -> Path:
    """An EPUB whose spine lists `chapters` in order (the manifest in reverse order, so a
    reader that follows the manifest gets them wrong)."""
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("duiyi-test")
    book.set_title("测试")
    book.set_language("zh")
    items = []
    for number, (title, paragraphs) in enumerate(chapters, 1):
        item = epub.EpubHtml(title=title, file_name=f"chap{number}.xhtml", lang="zh")
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        note = f'<aside epub:type="footnote" id="n{number}"><p>第{number}章的注释。</p></aside>'
        item.content = (
            '<html xmlns:epub="http://www.idpf.org/2007/ops"><body><section><header>'
            f"<h1>{title}</h1></header>{body}{note}</section></body></html>"
        )
        items.append(item)
    for item in reversed(items) if reverse_manifest else items:
        book.add_item(item)
    book.toc = items
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = items
    epub.write_epub(str(path), book)
    return path


def make_pdf(
    path: Path,
    pages: list[list[str]],
    *,
    header: str | None = "港口日报 内部资料",
    footer: bool = True,
    width_mm: float = 120,
    encrypt: str | None = None,
) -> Path:
    """A PDF with one list of paragraphs per page (wrapped by fpdf2), a running header and a
    page-number footer."""
    from fpdf import FPDF

    pdf = FPDF(format="A5")
    pdf.add_font("wqy", fname=str(require_file(CJK_FONT, "fonts-wqy-microhei")))
    pdf.set_auto_page_break(False)
    for number, paragraphs in enumerate(pages, 1):
        pdf.add_page()
        if header:
            pdf.set_font("wqy", size=8)
            pdf.set_xy(10, 6)
            pdf.cell(text=header)
        pdf.set_font("wqy", size=11)
        pdf.set_xy(10, 25)
        for text in paragraphs:
            pdf.set_x(10)
            pdf.multi_cell(w=width_mm, h=6, text=text)
            pdf.ln(4)
        if footer:
            pdf.set_font("wqy", size=8)
            pdf.set_xy(60, 200)
            pdf.cell(text=f"- {number} -")
    if encrypt is not None:  # "": only an owner password (opens without one)
        pdf.set_encryption(owner_password="owner", user_password=encrypt)
    pdf.output(str(path))
    return path


def make_two_column_pdf(path: Path, title: str, left: list[str], right: list[str]) -> Path:
    """One A4 page: a title across the page, then two columns of paragraphs side by side."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("wqy", fname=str(require_file(CJK_FONT, "fonts-wqy-microhei")))
    pdf.add_page()
    pdf.set_font("wqy", size=14)
    pdf.set_xy(10, 12)
    pdf.cell(w=190, text=title, align="C")
    pdf.set_font("wqy", size=10)
    for x, paragraphs in ((10, left), (110, right)):
        pdf.set_xy(x, 25)
        for text in paragraphs:
            pdf.set_x(x)
            pdf.multi_cell(w=85, h=5, text=text)
            pdf.ln(3)
    pdf.output(str(path))
    return path


def make_scanned_pdf(path: Path) -> Path:
    """A PDF whose only page is an image (no text layer), as a scanner writes it."""
    from fpdf import FPDF
    from PIL import Image

    image = Image.new("L", (200, 100), 255)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(image, x=10, y=10, w=100)
    pdf.output(str(path))
    return path


def lzw_encode(data: bytes) -> bytes:
    """PDF's LZWDecode (EarlyChange 1): a clear code, 9- to 12-bit codes, end of data."""
    table = {bytes([i]): i for i in range(256)}
    codes, width, word = [(256, 9)], 9, b""
    for byte in data:
        if word + bytes([byte]) in table:
            word += bytes([byte])
            continue
        codes.append((table[word], width))
        if len(table) + 2 < 4096:  # codes 256 and 257 are clear and end of data
            table[word + bytes([byte])] = len(table) + 2
            if len(table) + 2 == 1 << width and width < 12:  # the reader widens a code early
                width += 1
        word = bytes([byte])
    codes += [(table[word], width)] if word else []
    codes.append((257, width))
    bits = "".join(format(code, f"0{n}b") for code, n in codes)
    bits += "0" * (-len(bits) % 8)
    return int(bits, 2).to_bytes(len(bits) // 8, "big")


def runlength_encode(data: bytes) -> bytes:
    """PDF's RunLengthDecode: runs of a repeated byte (up to 128), else literal bytes."""
    out, i = bytearray(), 0
    while i < len(data):
        n = 1
        while i + n < len(data) and n < 128 and data[i + n] == data[i]:
            n += 1
        out += bytes([257 - n, data[i]]) if n > 1 else bytes([0, data[i]])
        i += n
    return bytes(out + b"\x80")


def make_filtered_pdf(
    path: Path,
    text: str,
    filters: list[str],
    padding: int = 0,
    encoded: bytes | None = None,
    parms: str = "",
) -> Path:
    """A one-page PDF whose content stream (`text` in Helvetica, then `padding` spaces) goes
    through `filters` (LZWDecode, RunLengthDecode, ASCII85Decode, ASCIIHexDecode), first
    decoded first; or whose stream is `encoded` as it is (`filters` and `parms`, the
    DecodeParms, only named)."""
    import base64

    encoders = {
        "LZWDecode": lzw_encode,
        "RunLengthDecode": runlength_encode,
        "ASCII85Decode": lambda d: base64.a85encode(d) + b"~>",
        "ASCIIHexDecode": lambda d: d.hex().encode() + b">",
    }
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET\n".encode() + b" " * padding
    for name in reversed(filters if encoded is None else []):
        stream = encoders[name](stream)
    stream = stream if encoded is None else encoded
    names = " ".join(f"/{name}" for name in filters)
    parms = f" /DecodeParms {parms}" if parms else ""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} /Filter [{names}]{parms} >>\nstream\n".encode()
        + stream
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path
