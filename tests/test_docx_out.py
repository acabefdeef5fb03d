"""DOCX in → translated English DOCX out: same paragraphs, styles and run formatting kept."""

from __future__ import annotations

import io
import json

import docx
import pytest
from argos_fixture import *  # noqa: F403
from document_fixtures import ZH_PARAGRAPHS, add_footnote, make_docx, make_pdf

from duiyi.translate.output import GLOSS_LINE

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _drafts(cli, path) -> list[str]:
    status, out, err = cli(
        "translate", path, "-f", "jsonl", "--engine", "gloss", "--include-gloss", "--no-cache"
    )
    assert status == 0, err
    return [json.loads(line)["tgt_text"] for line in out.splitlines()]


def test_translated_docx_keeps_paragraphs_styles_and_formatting(tmp_path, cli):
    from PIL import Image

    source = make_docx(tmp_path / "harbour.docx", "港口小城", ZH_PARAGRAPHS)
    document = docx.Document(source)
    picture = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(picture, "PNG")
    run = document.paragraphs[1].add_run()
    run.add_picture(picture)  # a picture inside a translated paragraph survives
    document.save(source)

    drafts = _drafts(cli, source)
    status, _, err = cli(
        "translate", source, "-o", tmp_path / "harbour.en.docx", "--engine", "gloss", "--no-cache"
    )
    assert status == 0, err
    before, after = docx.Document(source), docx.Document(tmp_path / "harbour.en.docx")
    gloss_line, *paragraphs = after.paragraphs  # glosses: the first paragraph says so
    assert gloss_line.text == GLOSS_LINE
    assert [p.style.name for p in paragraphs] == [p.style.name for p in before.paragraphs]
    assert paragraphs[0].style.name == "Heading 1"
    assert paragraphs[0].text == drafts[1]  # drafts[0] is the header
    # the first paragraph held two sentences; both drafts, joined with a space
    assert paragraphs[1].text == f"{drafts[2]} {drafts[3]}"
    assert paragraphs[1].runs[0].bold  # the first run's formatting is kept
    assert paragraphs[1]._p.xpath(".//pic:pic")  # the picture too
    # list items stay numbered by their style (the numbers are not written into the text)
    items = [p for p in after.paragraphs if p.style.name == "List Number"]
    assert [p.text for p in items] == drafts[6:8]
    assert [c.text for c in after.tables[0].rows[0].cells] == drafts[8:10]
    assert after.sections[0].header.paragraphs[0].text == drafts[0]
    assert after.sections[0].footer.paragraphs[0].text == drafts[10]
    assert not any("\u4e00" <= c <= "\u9fff" for p in after.paragraphs for c in p.text)


def test_docx_output_needs_docx_input_and_a_file(tmp_path, cli):
    pdf = make_pdf(tmp_path / "a.pdf", [ZH_PARAGRAPHS])
    status, _, err = cli("translate", pdf, "-o", tmp_path / "a.docx", "--engine", "gloss")
    assert status == 1 and "is not a DOCX file" in err and not (tmp_path / "a.docx").exists()
    source = make_docx(tmp_path / "b.docx", "标题", ZH_PARAGRAPHS)
    status, _, err = cli("translate", source, "-f", "docx", "--engine", "gloss")
    assert status == 1 and "needs an output file" in err


def test_a_folder_of_docx_translated_into_a_folder(tmp_path, cli):
    (tmp_path / "in").mkdir()
    make_docx(tmp_path / "in" / "a.docx", "标题一", ZH_PARAGRAPHS[:1], extras=False)
    make_docx(tmp_path / "in" / "b.docx", "标题二", ZH_PARAGRAPHS[1:], extras=False)
    status, _, err = cli(
        "translate", tmp_path / "in", "-o", tmp_path / "out/", "-f", "docx", "--engine", "gloss",
        "--no-cache",
    )  # fmt: skip
    assert status == 0, err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.en.docx", "b.en.docx"]
    title = docx.Document(tmp_path / "out" / "b.en.docx").paragraphs[1].text
    assert title == _drafts(cli, tmp_path / "in" / "b.docx")[0]


def test_footnotes_are_translated_too(tmp_path, cli):
    import zipfile

    source = add_footnote(make_docx(tmp_path / "f.docx", "标题", ZH_PARAGRAPHS[:1], extras=False))
    drafts = _drafts(cli, source)
    status, _, err = cli("translate", source, "-o", tmp_path / "f.en.docx", "--engine", "gloss")
    assert status == 0, err
    with zipfile.ZipFile(tmp_path / "f.en.docx") as z:
        notes = z.read("word/footnotes.xml").decode("utf-8")
    assert drafts[-1] in notes and "这是脚注" not in notes and "w:separator" in notes


def test_a_docx_of_glosses_says_so_and_one_of_mt_does_not(tmp_path, cli, installed_model):
    source = make_docx(tmp_path / "a.docx", "标题", ZH_PARAGRAPHS[:1], extras=False)
    status, _, err = cli("translate", source, "-o", tmp_path / "g.docx", "--engine", "gloss")
    assert status == 0, err
    first = docx.Document(tmp_path / "g.docx").paragraphs[0]
    assert first.text == GLOSS_LINE and first.style.name == "Normal"
    status, _, err = cli("translate", source, "-o", tmp_path / "mt.docx", "--engine", "argos")
    assert status == 0, err
    texts = [p.text for p in docx.Document(tmp_path / "mt.docx").paragraphs]
    assert len(texts) == 2 and GLOSS_LINE not in texts


def test_several_documents_into_one_docx_file_write_nothing(tmp_path, cli):
    first = make_docx(tmp_path / "a.docx", "标题一", ZH_PARAGRAPHS[:1], extras=False)
    second = make_docx(tmp_path / "b.docx", "标题二", ZH_PARAGRAPHS[1:], extras=False)
    (tmp_path / "out.docx").write_bytes(b"an earlier result")
    status, _, err = cli(
        "translate", first, second, "-o", tmp_path / "out.docx", "--engine", "gloss"
    )
    assert status == 1 and "several documents: give -o a folder" in err
    assert (tmp_path / "out.docx").read_bytes() == b"an earlier result"


def test_docx_on_stdin_is_refused_before_it_is_translated(tmp_path, monkeypatch):
    from duiyi.errors import InputError
    from duiyi.translate.gloss import GlossTranslator
    from duiyi.translate.run import translate_inputs

    source = make_docx(tmp_path / "a.docx", "标题", ZH_PARAGRAPHS[:1], extras=False)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(source.read_bytes())))
    translator = GlossTranslator()
    monkeypatch.setattr(translator, "translate_drafts", lambda sentences: pytest.fail("drafted"))
    with pytest.raises(InputError, match="not on stdin"):
        translate_inputs(["-"], translator, output=str(tmp_path / "a.en.docx"))


def test_a_folder_with_other_files_is_refused_before_anything_is_written(tmp_path, cli):
    from duiyi.errors import InputError
    from duiyi.translate.gloss import GlossTranslator
    from duiyi.translate.run import translate_inputs

    folder = tmp_path / "in"
    folder.mkdir()
    make_docx(folder / "a.docx", "标题一", ZH_PARAGRAPHS[:1], extras=False)
    (folder / "b.txt").write_text(ZH_PARAGRAPHS[1], encoding="utf-8")
    make_docx(folder / "c.docx", "标题二", ZH_PARAGRAPHS[2:], extras=False)
    status, _, err = cli(
        "translate", folder, "-o", tmp_path / "out/", "-f", "docx", "--engine", "gloss",
        "--no-cache",
    )  # fmt: skip
    assert status == 1 and not (tmp_path / "out").exists()  # not even a.en.docx
    assert err.splitlines()[1:] == [  # after the gloss notice, one line naming the text file
        f"duiyi: error: {folder / 'b.txt'} is not a DOCX file: -f docx translates DOCX inputs "
        "(--glob '*.docx' picks them out of a folder)"
    ]
    with pytest.raises(InputError, match=r"b\.txt is not a DOCX file"):
        translate_inputs(folder, GlossTranslator(), output=tmp_path / "api", fmt="docx")
    assert not (tmp_path / "api").exists()
    # a renamed DOCX is one (told by its bytes); the DOCX files alone are translated
    (folder / "b.txt").unlink()
    (folder / "c.docx").rename(folder / "c")
    stats = translate_inputs(folder, GlossTranslator(), output=tmp_path / "api", fmt="docx")
    assert stats.documents == 2
    assert sorted(p.name for p in (tmp_path / "api").iterdir()) == ["a.en.docx", "c.en.docx"]
