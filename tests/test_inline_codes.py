"""Inline codes (`<bpt>`, `<ept>`, `<ph>`, …) of a CAT tool's TMX survive import → store →
review → export, as long as the side's text was not edited."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import pytest
from lxml import etree

from duiyi.corpus.store import Store
from duiyi.export.inline import DEPTH_LIMIT, MARKUP_LIMIT
from duiyi.export.tmx import TmxReader

ROOT = Path(__file__).resolve().parent.parent
DTD_PATH = ROOT.parent / "shared" / "formats" / "tmx14.dtd"

SRC = '点击<bpt i="1" x="1">&lt;b&gt;</bpt>这里<ept i="1">&lt;/b&gt;</ept>继续<ph x="2">{0}</ph>。'
TGT = 'Click <bpt i="1" x="1">&lt;b&gt;</bpt>here<ept i="1">&lt;/b&gt;</ept> to go on<ph x="2">{0}</ph>.'
PLAIN = ("没有代码。", "No codes.")


def memory(path: Path, units=((SRC, TGT), PLAIN)) -> Path:
    """A TMX as a CAT tool writes it (a namespace declared on the root, indented segs)."""
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<tmx version="1.4" xmlns:x="urn:example:x"><header creationtool="Trados" '
        'creationtoolversion="1" segtype="sentence" o-tmf="x" adminlang="en-US" '
        'srclang="zh-CN" datatype="html"/>\n<body>\n'
        + "".join(
            f'<tu>\n  <tuv xml:lang="zh-CN"><seg>{src}</seg></tuv>\n'
            f'  <tuv xml:lang="en-US"><seg>{tgt}</seg></tuv>\n</tu>\n'
            for src, tgt in units
        )
        + "</body></tmx>\n",
        encoding="utf-8",
    )
    return path


def inner(seg: etree._Element) -> str:
    """A seg's inner XML, canonical (C14N, namespaces left out)."""
    copy = etree.fromstring(etree.tostring(seg))
    etree.cleanup_namespaces(copy)
    xml = etree.tostring(copy, method="c14n").decode()
    return xml[xml.index(">") + 1 : -len("</seg>")]


def segs(path: Path) -> list[list[str]]:
    """Each unit's segs as inner XML, in order."""
    return [[inner(seg) for seg in tu.iter("seg")] for tu in etree.parse(str(path)).iter("tu")]


def assert_valid(path: Path) -> None:
    if not DTD_PATH.exists():
        pytest.fail(f"{DTD_PATH} is missing: the TMX DTD must be in ../shared/formats")
    dtd = etree.DTD(str(DTD_PATH))
    assert dtd.validate(etree.parse(str(path))), dtd.error_log.filter_from_errors()


def import_export(cli, tmp_path: Path, source: Path, store: Path | None = None) -> Path:
    store = store or tmp_path / "c.db"
    status, _, err = cli("import", source, "--store", store)
    assert status == 0, err
    out = tmp_path / "out.tmx"
    status, _, err = cli("export", store, "-o", out)
    assert status == 0, err
    return out


def test_codes_survive_import_store_export(cli, tmp_path):
    source = memory(tmp_path / "tm.tmx")
    out = import_export(cli, tmp_path, source)
    assert segs(out) == segs(source)  # byte for byte, namespaces and layout aside
    assert "inline_codes" not in out.read_text(encoding="utf-8")  # no prop
    assert_valid(out)
    with Store.open(tmp_path / "c.db") as store:  # the store's texts are the flat ones
        assert [(b.src_text, b.tgt_text) for b in store.list_beads().beads] == [
            ("点击<b>这里</b>继续{0}。", "Click <b>here</b> to go on{0}."),
            PLAIN,
        ]
    # translate-toolkit reads the codes
    tmx = pytest.importorskip("translate.storage.tmx")
    unit = tmx.tmxfile.parsefile(str(out)).units[0]
    assert unit.source == "点击<b>这里</b>继续{0}。"
    for i in (0, 1):
        seg = unit.getlanguageNode(index=i)[0]
        assert [code.tag for code in seg] == ["bpt", "ept", "ph"]


def reviewed(cli, tmp_path: Path, **change) -> tuple[Path, Path, int]:
    """(the memory, the store it was imported into, the id of its first bead, changed so)."""
    source = memory(tmp_path / "tm.tmx")
    store = tmp_path / "c.db"
    assert cli("import", source, "--store", store)[0] == 0
    with Store.open(store) as s:
        bead = s.list_beads().beads[0]
        s.update_bead(bead.id, expected_version=1, reviewer="ann", **change)
    return source, store, bead.id


def test_an_edited_side_is_written_as_text_without_its_codes(cli, tmp_path, caplog):
    _, store, _ = reviewed(cli, tmp_path, tgt_text="Click here!")
    out = tmp_path / "out.tmx"
    with caplog.at_level(logging.WARNING):
        status, _, err = cli("export", store, "-o", out)
    assert status == 0, err
    assert segs(out)[0] == [inner(etree.fromstring(f"<seg>{SRC}</seg>")), "Click here!"]
    assert "1 segment without the inline codes" in caplog.text + err
    assert_valid(out)


def test_a_reimport_keeps_the_codes_of_kept_beads(cli, tmp_path):
    source, store, bead_id = reviewed(cli, tmp_path, status="approved")
    # a store whose import kept no codes (an earlier duiyi): the file imported again gives
    # them to its beads, those reviewed since too
    with sqlite3.connect(store) as conn:
        conn.execute("UPDATE beads SET meta = json_remove(meta, '$.inline_codes')")
    conn.close()
    status, _, err = cli("import", source, "--store", store)
    assert status == 0, err
    with Store.open(store) as s:
        beads = s.list_beads().beads
        assert beads[0].id == bead_id and beads[0].status == "approved"
    out = tmp_path / "out.tmx"
    assert cli("export", store, "-o", out)[0] == 0
    assert segs(out) == segs(source)


def test_jsonl_carries_the_codes_from_store_to_store(cli, tmp_path):
    first = tmp_path / "c.db"
    assert cli("import", memory(tmp_path / "tm.tmx"), "--store", first)[0] == 0
    jsonl = tmp_path / "pairs.jsonl"
    assert cli("export", first, "-o", jsonl)[0] == 0
    record = json.loads(jsonl.read_text(encoding="utf-8").splitlines()[0])
    assert record["meta"]["inline_codes"][0].startswith("点击<bpt")
    out = import_export(cli, tmp_path, jsonl, tmp_path / "again.db")
    assert segs(out) == segs(tmp_path / "tm.tmx")


@pytest.mark.parametrize(
    "markup",
    [
        "a<foo>b</foo>",  # no TMX code
        '<bpt>x</bpt>"',  # no i: not valid against the DTD
        "a &ent; b",  # an entity
        "a</seg><seg>b",  # breaking out of the seg
        '<ph x="1">a</ph><!DOCTYPE x>',
        '<ph xmlns:q="urn:q" q:a="1">a</ph>',
        "<hi>" * (DEPTH_LIMIT + 2) + "a" + "</hi>" * (DEPTH_LIMIT + 2),
        "<ph>a</ph>" + "b" * MARKUP_LIMIT,
    ],
)
def test_kept_markup_that_is_no_valid_seg_is_written_as_text(cli, tmp_path, markup):
    """Markup from a JSONL file (anyone's) never reaches the TMX unless it is a valid seg
    whose flat text is the pair's."""
    text = "a text"
    record = {"src_text": "源", "tgt_text": text, "meta": {"inline_codes": ["", markup]}}
    jsonl = tmp_path / "pairs.jsonl"
    jsonl.write_text(json.dumps(record) + "\n", encoding="utf-8")
    out = import_export(cli, tmp_path, jsonl)
    assert segs(out) == [["源", text]]
    assert_valid(out)


def test_codes_beyond_the_limits_are_read_as_text(tmp_path, caplog):
    deep = "<hi>" * (DEPTH_LIMIT + 1) + "深" + "</hi>" * (DEPTH_LIMIT + 1)
    huge = "<ph>" + "长" * MARKUP_LIMIT + "</ph>"
    path = memory(tmp_path / "tm.tmx", [(deep, "Deep"), (huge, "Huge"), (SRC, TGT)])
    reader = TmxReader(path)
    with caplog.at_level(logging.WARNING):
        pairs = list(reader)
    assert [p.src for p in pairs[:2]] == ["深", "长" * MARKUP_LIMIT]
    assert [p.meta for p in pairs[:2]] == [{}, {}]
    assert reader.codes_dropped == 2 and "2 units as text alone" in caplog.text
    assert "inline_codes" in pairs[2].meta


def test_the_review_page_says_which_sides_an_export_writes_with_their_codes(tmp_path, cli):
    from duiyi.review.app import shown_meta

    _, store, bead_id = reviewed(cli, tmp_path, status="approved")
    with Store.open(store) as s:
        bead = s.get_bead(bead_id)
        assert shown_meta(bead.meta, bead) == [("inline codes", "source kept, target kept")]
        s.update_bead(bead_id, expected_version=bead.version, tgt_text="Hi!", reviewer="ann")
        bead = s.get_bead(bead_id)
    assert shown_meta(bead.meta, bead) == [
        ("inline codes", "source kept, target lost (text edited)")
    ]


XLIFF = """<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
<file original="doc.html" source-language="zh-CN" target-language="en-US" datatype="html"><body>
<trans-unit id="1"><source>点击<g id="1" ctype="bold">这里</g> <x id="2"/> 继续<ph id="3">&lt;br/&gt;</ph>。</source>
<target>Click <g id="1" ctype="bold">here</g> <x id="2"/> to go on<ph id="3">&lt;br/&gt;</ph>.</target>
</trans-unit>
<trans-unit id="2"><source><bx id="4" rid="1"/>开始<mrk mtype="term">术语</mrk><ex id="5" rid="1"/></source>
<target><bx id="4" rid="1"/>Start <mrk mtype="term">term</mrk><ex id="5" rid="1"/></target></trans-unit>
</body></file></xliff>
"""


def test_an_xliff_units_codes_come_out_as_the_tmx_codes_they_map_to(cli, tmp_path):
    source = tmp_path / "doc.xlf"
    source.write_text(XLIFF, encoding="utf-8")
    out = import_export(cli, tmp_path, source)
    assert segs(out) == [
        [
            '点击<bpt i="1" type="bold" x="1"></bpt>这里<ept i="1"></ept> <ph x="2"></ph> 继续'
            '<ph x="3">&lt;br/&gt;</ph>。',
            'Click <bpt i="1" type="bold" x="1"></bpt>here<ept i="1"></ept> <ph x="2"></ph> to '
            'go on<ph x="3">&lt;br/&gt;</ph>.',
        ],
        [
            '<bpt i="1" x="4"></bpt>开始<hi type="term">术语</hi><ept i="1"></ept>',
            '<bpt i="1" x="4"></bpt>Start <hi type="term">term</hi><ept i="1"></ept>',
        ],
    ]
    assert_valid(out)
    with Store.open(tmp_path / "c.db") as store:  # a code without text: nor its space
        assert [b.tgt_text for b in store.list_beads().beads] == [
            "Click here to go on<br/>.",
            "Start term",
        ]


def test_a_g_whose_text_starts_or_ends_with_a_space_keeps_its_codes(cli, tmp_path, caplog):
    # `Click <g> here</g>` came out as `Click <bpt/> here<ept/>`, whose flat text loses the
    # space the empty code stands between: its codes were dropped (with the generic warning)
    unit = (
        '<source>点击<g id="1" ctype="bold">这里</g>。</source>'
        '<target>Click <g id="1" ctype="bold"> here</g> and <g id="2">there </g> now.</target>'
    )
    source = tmp_path / "doc.xlf"
    source.write_text(XLIFF.split("<trans-unit")[0] + f'<trans-unit id="1">{unit}</trans-unit>'
                      "</body></file></xliff>", encoding="utf-8")  # fmt: skip
    with caplog.at_level(logging.WARNING):
        status, _, err = cli("import", source, "--store", tmp_path / "c.db")
    assert status == 0, err
    assert "without its inline codes" not in caplog.text
    out = tmp_path / "out.tmx"
    assert cli("export", tmp_path / "c.db", "-o", out)[0] == 0
    assert segs(out)[0][1] == (
        'Click  <bpt i="1" type="bold" x="1"></bpt>here<ept i="1"></ept> and '
        '<bpt i="2" x="2"></bpt>there<ept i="2"></ept>  now.'
    )
    assert_valid(out)
    with Store.open(tmp_path / "c.db") as store:  # the text as the XLIFF's, spaces and all
        assert [b.tgt_text for b in store.list_beads().beads] == ["Click  here and there  now."]


def test_xliff_codes_nested_beyond_the_limit_are_read_as_text(tmp_path, caplog):
    from duiyi.export.xliff import XliffReader

    deep = '<g id="1">' * (DEPTH_LIMIT + 1) + "深" + "</g>" * (DEPTH_LIMIT + 1)
    source = tmp_path / "doc.xlf"
    source.write_text(XLIFF.replace("点击<g", f"{deep}点击<g", 1), encoding="utf-8")
    reader = XliffReader(str(source))
    with caplog.at_level(logging.WARNING):
        pairs = list(reader)
    assert pairs[0].src.startswith("深点击这里")
    assert pairs[0].meta["inline_codes"][0] == ""  # its target's are kept
    assert pairs[0].meta["inline_codes"][1].startswith("Click <bpt")
    assert reader.codes_dropped == 1 and "1 unit as text alone" in caplog.text


def test_a_namespace_declared_on_a_code_and_used_by_none_does_not_cost_the_codes(cli, tmp_path):
    src = '点击<ph xmlns:q="urn:q" x="1">{0}</ph>这里'
    source = memory(tmp_path / "tm.tmx", [(src, TGT)])
    source.write_text(
        source.read_text(encoding="utf-8").replace("<seg>Click", '<seg xmlns:r="urn:r">Click'),
        encoding="utf-8",
    )
    reader = TmxReader(source)
    pairs = list(reader)
    assert reader.codes_dropped == 0
    assert pairs[0].meta["inline_codes"] == ['点击<ph x="1">{0}</ph>这里', TGT]


@pytest.mark.parametrize(
    "code",
    [
        '<bpt i="1" x:mark="q">&lt;b&gt;</bpt>',  # an attribute of another namespace
        '<bpt i="1" style="bold">&lt;b&gt;</bpt>',  # one tmx14.dtd does not know
        "<bpt>&lt;b&gt;</bpt>",  # no i
        "<x:b>&lt;b&gt;</x:b>",  # a code of another namespace
    ],
)
def test_codes_no_tmx_export_can_write_are_dropped_as_the_file_is_read(cli, tmp_path, caplog, code):
    """Codes the DTD refuses are counted as the file is read, not kept in the store for the
    review page and the export to call "lost (text edited)" on a side nobody edited."""
    from duiyi.review.app import shown_meta

    source = memory(tmp_path / "tm.tmx", [(f"点击{code}这里", TGT)])
    reader = TmxReader(source)
    pairs = list(reader)
    assert reader.codes_dropped == 1
    assert pairs[0].src == "点击<b>这里" and pairs[0].meta["inline_codes"][0] == ""
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        status, _, err = cli("import", source, "--store", tmp_path / "c.db")
    assert status == 0 and "1 unit as text alone" in caplog.text + err
    with Store.open(tmp_path / "c.db") as s:
        bead = s.list_beads().beads[0]
    assert shown_meta(bead.meta, bead) == [("inline codes", "target kept")]
    out = tmp_path / "out.tmx"
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        status, _, err = cli("export", tmp_path / "c.db", "-o", out)
    assert status == 0 and "without the inline codes" not in caplog.text + err
    assert_valid(out)
