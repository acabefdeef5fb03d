"""Document extraction speed: duiyi's DOCX and PDF readers against the libraries' own text
extraction, called directly on the same file (the overhead duiyi adds).

Inputs, built here from the bundled seeds (Chinese articles) with the formats' libraries:
- a DOCX (python-docx) of --docx-paragraphs paragraphs, with a header, a footer, a numbered
  list and a table every 50 paragraphs;
- a PDF (fpdf2, the Debian CJK font) of --pdf-pages A5 pages with a running header and page
  numbers.

Peers: python-docx's own `Paragraph.text` over `document.paragraphs` and the tables' cells
(what its docs show for getting a document's text); pdfminer.six's `high_level.extract_text`.
duiyi: `read_document` (the text with offsets, list labels, running headers marked). Rates
are megabytes of extracted UTF-8 text per CPU second (best of --repeat), and of the file.

    python benchmarks/documents.py [--docx-paragraphs 4000] [--pdf-pages 40] [--repeat 3]

Last line: RESULT docx_mb_s=… docx_peer_mb_s=… docx_ratio=… pdf_mb_s=… pdf_peer_mb_s=…
pdf_ratio=… (ratio: duiyi's rate over the peer's; 1.0 means no overhead)
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def seed_paragraphs() -> list[str]:
    paragraphs = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if len(line.strip()) >= 20:
                paragraphs.append(line.strip())
    return paragraphs


def make_docx(path: Path, n: int) -> None:
    import docx

    source = seed_paragraphs()
    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "港口日报"
    section.footer.paragraphs[0].text = "内部资料"
    for i in range(n):
        if i % 50 == 0:
            document.add_heading(f"第{i // 50 + 1}章", level=1)
            document.add_paragraph("第一项", style="List Number")
            table = document.add_table(rows=1, cols=2)
            table.cell(0, 0).text, table.cell(0, 1).text = "表格左", "表格右"
        p = document.add_paragraph()
        text = source[i % len(source)]
        p.add_run(text[:10]).bold = True
        p.add_run(text[10:])
    document.save(path)


def make_pdf(path: Path, pages: int) -> None:
    from fpdf import FPDF

    source = seed_paragraphs()
    pdf = FPDF(format="A5")
    pdf.add_font("wqy", fname=str(FONT))
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_y(20)
    k = 0
    while pdf.pages_count < pages:
        pdf.set_font("wqy", size=10)
        pdf.multi_cell(w=0, h=5, text=source[k % len(source)])
        pdf.ln(3)
        k += 1
    # running header and page numbers, written afterwards on every page
    for number in range(1, pdf.pages_count + 1):
        pdf.page = number
        pdf.set_font("wqy", size=8)
        pdf.set_xy(10, 5)
        pdf.cell(text="港口日报 内部资料")
        pdf.set_xy(70, 200)
        pdf.cell(text=f"- {number} -")
    pdf.output(str(path))


def docx_peer(path: Path) -> str:
    import docx

    document = docx.Document(path)
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def pdf_peer(path: Path) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(path)


def duiyi_read(path: Path) -> str:
    from duiyi.corpus.read import read_document

    return read_document(path).text


def best(fn, path: Path, repeat: int) -> tuple[float, str]:
    times, text = [], ""
    for _ in range(repeat):
        start = time.process_time()
        text = fn(path)
        times.append(time.process_time() - start)
    return min(times), text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docx-paragraphs", type=int, default=4000)
    parser.add_argument("--pdf-pages", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        docx_path, pdf_path = Path(tmp) / "bench.docx", Path(tmp) / "bench.pdf"
        make_docx(docx_path, args.docx_paragraphs)
        make_pdf(pdf_path, args.pdf_pages)
        for kind, path, peer, peer_name in (
            ("docx", docx_path, docx_peer, "python-docx Paragraph.text"),
            ("pdf", pdf_path, pdf_peer, "pdfminer.six extract_text"),
        ):
            size = path.stat().st_size / 1e6
            ours, text = best(duiyi_read, path, args.repeat)
            theirs, peer_text = best(peer, path, args.repeat)
            mb = len(text.encode("utf-8")) / 1e6
            peer_mb = len(peer_text.encode("utf-8")) / 1e6
            results[kind] = (mb / ours, peer_mb / theirs, theirs / ours)
            print(
                f"{kind}: file {size:.2f} MB; duiyi {ours:.2f} CPU s for {mb:.2f} MB of text "
                f"({mb / ours:.2f} MB/s, file {size / ours:.2f} MB/s); {peer_name} "
                f"{theirs:.2f} CPU s for {peer_mb:.2f} MB ({peer_mb / theirs:.2f} MB/s); "
                f"time ratio peer/duiyi {theirs / ours:.2f}"
            )
    d, p = results["docx"], results["pdf"]
    print(
        f"RESULT docx_mb_s={d[0]:.2f} docx_peer_mb_s={d[1]:.2f} docx_ratio={d[2]:.2f} "
        f"pdf_mb_s={p[0]:.2f} pdf_peer_mb_s={p[1]:.2f} pdf_ratio={p[2]:.2f}"
    )


if __name__ == "__main__":
    main()
