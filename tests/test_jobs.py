"""The job layer end to end: every output path of align, export and translate, one pair
builder, one format registry, the language tag from the document."""

from __future__ import annotations

import pytest
from align_fixtures import PARALLEL

from duiyi.export import FORMATS, format_extension, format_names, read_pairs

ZH = [zh for zh, _ in PARALLEL[:6]]
EN = [en for _, en in PARALLEL[:6]]
EN[2:4] = ["She had no choice but to run to school, and when she got there her clothes were wet."]
JOINED_ZH = ZH[2] + ZH[3]  # no space between Chinese sentences


@pytest.fixture(scope="module")
def aligned(tmp_path_factory):
    """A zh/en document pair whose alignment holds a 2→1 Chinese bead, stored and written."""
    from duiyi.cli import main

    root = tmp_path_factory.mktemp("jobs")
    (root / "a.zh.txt").write_text("".join(ZH) + "\n", encoding="utf-8")
    (root / "a.en.txt").write_text(" ".join(EN) + "\n", encoding="utf-8")
    cache = str(root / "e5.sqlite")
    outputs = {}
    for n, fmt in enumerate(format_names()):
        out = root / f"align{n}{format_extension(fmt)}"
        store = ["--store", str(root / "corpus.db")] if n == 0 else []
        args = ["align", str(root / "a.zh.txt"), str(root / "a.en.txt"), "-o", str(out)]
        assert main([*args, "--cache", cache, "-q", *store]) == 0
        outputs[fmt] = out
    return root, outputs


def _zh_sides(path, fmt):
    return [p.src for p in read_pairs(str(path), fmt)]


@pytest.mark.parametrize("fmt", format_names(readable=True))
def test_align_output_joins_chinese_without_a_space(aligned, fmt):
    _, outputs = aligned
    sides = _zh_sides(outputs[fmt], fmt)
    assert JOINED_ZH in sides, sides
    assert not any("。 " in side for side in sides)


@pytest.mark.parametrize("fmt", format_names(readable=True))
def test_store_export_joins_chinese_without_a_space(aligned, cli, fmt):
    root, _ = aligned
    out = root / f"export{format_extension(fmt)}"
    status, _, err = cli("export", root / "corpus.db", "-f", fmt, "-o", out)
    assert status == 0, err
    sides = _zh_sides(out, fmt)
    assert JOINED_ZH in sides and not any("。 " in side for side in sides)


@pytest.mark.parametrize("fmt", format_names(readable=True))
def test_every_readable_format_round_trips_through_export_and_import(aligned, cli, fmt):
    root, _ = aligned
    out = root / f"rt{format_extension(fmt)}"
    assert cli("export", root / "corpus.db", "-f", fmt, "-o", out)[0] == 0
    store = root / f"rt-{fmt}.db"
    status, _, err = cli("import", out, "-f", fmt, "--store", store)
    assert status == 0, err
    back = root / f"back{format_extension(fmt)}"
    assert cli("export", store, "-f", fmt, "-o", back)[0] == 0
    assert _zh_sides(back, fmt) == _zh_sides(out, fmt)
    assert [p.tgt for p in read_pairs(str(back), fmt)] == [p.tgt for p in read_pairs(str(out), fmt)]


def test_merging_in_the_store_joins_chinese_without_a_space(aligned, tmp_path):
    import shutil

    from duiyi.corpus.store import Store

    root, _ = aligned
    shutil.copy(root / "corpus.db", tmp_path / "c.db")
    with Store.open(tmp_path / "c.db") as store:
        first = store.list_beads(store.list_documents()[0].id).beads[0]
        merged_bead = store.merge_with_next(first.id, expected_version=first.version).main
    assert merged_bead.src_text == ZH[0] + ZH[1]


@pytest.mark.parametrize("fmt", format_names())
def test_translate_writes_every_pair_format_with_the_documents_language_tag(cli, tmp_path, fmt):
    doc = tmp_path / "trad.txt"
    doc.write_text("美國總統訪問俄羅斯。雙方討論了經濟合作。\n", encoding="utf-8")
    out = tmp_path / f"x{format_extension(fmt)}"
    status, _, err = cli("translate", doc, "--engine", "gloss", "--include-gloss", "-o", out, "-q")
    assert status == 0, err
    if FORMATS[fmt].readable:
        pairs = list(read_pairs(str(out), fmt))
        assert [p.src for p in pairs] == ["美國總統訪問俄羅斯。", "雙方討論了經濟合作。"]
        assert {p.origin for p in pairs} <= {"gloss", "human"}  # Moses holds no origin


def test_translate_tmx_of_a_traditional_document_is_zh_tw(cli, tmp_path):
    from lxml import etree

    doc = tmp_path / "trad.txt"
    doc.write_text("美國總統訪問俄羅斯。雙方討論了經濟合作。\n", encoding="utf-8")
    status, _, err = cli(
        "translate", doc, "--engine", "gloss", "--include-gloss", "-o", tmp_path / "x.tmx"
    )
    assert status == 0, err
    tree = etree.parse(str(tmp_path / "x.tmx"))
    assert tree.find("header").get("srclang") == "zh-TW"
    langs = {tuv.get("{http://www.w3.org/XML/1998/namespace}lang") for tuv in tree.iter("tuv")}
    assert langs == {"zh-TW", "en-US"}


def test_cli_format_choices_come_from_the_registry():
    from duiyi.cli import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices

    def choices(command):
        return next(a.choices for a in commands[command]._actions if "--format" in a.option_strings)

    assert set(choices("export")) == set(FORMATS)
    assert set(choices("import")) == set(format_names(readable=True))
    assert set(choices("align")) == {*FORMATS, "align"}
    assert set(choices("translate")) == {*FORMATS, "text", "side-by-side", "docx"}
