"""`duiyi translate job.xlf -o job.mt.xlf`: a CAT tool's XLIFF 1.2 / 2.x comes back with drafts
in its empty targets and every other unit, note, comment and attribute as it was."""

from __future__ import annotations

import copy
import io
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from argos_fixture import *  # noqa: F403
from lxml import etree
from test_xliff import schema

NS12 = "urn:oasis:names:tc:xliff:document:1.2"
NS20 = "urn:oasis:names:tc:xliff:document:2.0"

# As Trados, memoQ or Okapi export a job: a skeleton, notes, a comment, a group, units already
# translated, not to translate, with inline codes, segmented as Trados does, and with the source
# copied into the target.
JOB_12 = """<?xml version="1.0" encoding="UTF-8"?>
<!-- exported by a CAT tool -->
<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2">
  <file original="report.docx" source-language="zh-CN" target-language="en-US" datatype="plaintext">
    <header>
      <skl><external-file href="report.skl"/></skl>
    </header>
    <body>
      <trans-unit id="1" resname="title">
        <source>今天天气很好。我们去公园吧！</source>
        <note>Title of the report</note>
      </trans-unit>
      <trans-unit id="2">
        <source>港口小城</source>
        <target state="translated">The Harbour Town</target>
      </trans-unit>
      <trans-unit id="3" translate="no">
        <source>机密</source>
      </trans-unit>
      <trans-unit id="4">
        <source>点击<g id="1">这里</g>继续。</source>
      </trans-unit>
      <trans-unit id="7">
        <source>第一句。第二句。</source>
        <seg-source><mrk mtype="seg" mid="1">第一句。</mrk><mrk mtype="seg" mid="2">第二句。</mrk></seg-source>
        <target><mrk mtype="seg" mid="1"/><mrk mtype="seg" mid="2"/></target>
      </trans-unit>
      <group id="g1">
        <!-- prices -->
        <trans-unit id="5" extradata="cat=1">
          <source>价格是3.5元，包括税&amp;运费。
第二行。</source>
          <target></target>
        </trans-unit>
        <trans-unit id="6">
          <source>港口</source>
          <target state="new">港口</target>
        </trans-unit>
      </group>
    </body>
  </file>
</xliff>
"""

JOB_20 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="zh-TW">
  <file id="f1" original="report.docx">
    <unit id="u1">
      <segment id="s1">
        <source>今天天氣很好。我們去公園吧！</source>
      </segment>
      <ignorable><source> </source></ignorable>
      <segment id="s2">
        <source>港口小城</source>
        <target>The Harbour Town</target>
      </segment>
    </unit>
    <unit id="u2" translate="no">
      <segment><source>機密</source></segment>
    </unit>
    <unit id="u3">
      <originalData><data id="d1">&lt;b&gt;</data><data id="d2">&lt;/b&gt;</data></originalData>
      <segment><source>點擊<pc id="1" dataRefStart="d1" dataRefEnd="d2">這裡</pc>。</source></segment>
    </unit>
    <group id="g1" translate="no">
      <unit id="u4" translate="yes">
        <notes><note>keep it short</note></notes>
        <segment state="initial"><source>價格是3.5元。</source><target></target></segment>
      </unit>
    </group>
  </file>
</xliff>
"""


def _job(tmp_path: Path, text: str, name: str = "job.xlf") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _places(tree, ns: str) -> dict[str, etree._Element]:
    """Where drafts go, by id: 1.2 units, 2.x segments (by their unit's id if they have none)."""
    if ns == NS12:
        return {u.get("id"): u for u in tree.iter(f"{{{NS12}}}trans-unit")}
    return {s.get("id") or s.getparent().get("id"): s for s in tree.iter(f"{{{NS20}}}segment")}


def _targets(path: Path, ns: str) -> dict[str, etree._Element]:
    """The targets of a file, by the id of their place."""
    places = _places(etree.parse(str(path)), ns)
    targets = {key: place.find(f"{{{ns}}}target") for key, place in places.items()}
    return {key: target for key, target in targets.items() if target is not None}


def _without_drafts(path: Path, ns: str, ids: set[str]) -> bytes:
    """The file's tree with the targets, notes and attributes duiyi adds for the units `ids`
    taken out and whitespace between elements ignored, canonicalized: equal to the input's
    when nothing else changed."""
    tree = etree.parse(str(path), etree.XMLParser(remove_blank_text=True))
    for key, unit in _places(tree, ns).items():
        if key not in ids:
            continue
        target = unit.find(f"{{{ns}}}target")
        target.getparent().remove(target)
        if ns == NS12 and "origin=" in unit.get("extradata", ""):
            del unit.attrib["extradata"]
        unit.attrib.pop("state", None)
    for note in tree.iter(f"{{{ns}}}note"):
        if "duiyi" in (note.get("from"), note.get("category")):
            note.getparent().remove(note)
    for notes in tree.iter(f"{{{ns}}}notes"):
        if not len(notes):
            notes.getparent().remove(notes)
    root = tree.getroot()
    if ns == NS20 and root.get("trgLang") == "en-US":
        del root.attrib["trgLang"]
    return etree.tostring(tree, method="c14n")


def _unchanged_but(path: Path, original: str, ns: str, ids: set[str], empty: set[str]) -> bool:
    """Whether `path` is the `original` but for the drafts of `ids` (of which `empty` had an
    empty target, or the source copied into it, already)."""
    before = etree.fromstring(original.encode(), etree.XMLParser(remove_blank_text=True))
    for key, unit in _places(before, ns).items():
        if key in empty:
            unit.remove(unit.find(f"{{{ns}}}target"))
        if ns == NS20 and key in ids:
            unit.attrib.pop("state", None)
    return _without_drafts(path, ns, ids) == etree.tostring(before.getroottree(), method="c14n")


def test_xliff_12_gets_gloss_drafts_marked_still_to_translate_and_nothing_else(cli, tmp_path):
    job, out = _job(tmp_path, JOB_12), tmp_path / "job.mt.xlf"
    status, stdout, err = cli("translate", job, "-o", out, "--engine", "gloss", "--no-cache")
    assert status == 0, err
    assert stdout == ""
    assert (
        "glossed 4 units (7 sentences, 0 from the cache, 0 flagged) of 1 XLIFF file with "
        f"gloss:cc-cedict → {out}; 1 already translated, 1 with inline tags left for the "
        "translator, 1 skipped (translate=no or no text)"
    ) in err
    targets = _targets(out, NS12)
    assert set(targets) == {"1", "2", "5", "6", "7"}
    assert [m.get("mid") for m in targets["7"]] == ["1", "2"]  # segmented: each one drafted
    assert all(m.text and "句" not in m.text for m in targets["7"])
    for unit in ("1", "5", "6", "7"):  # glosses are no MT: still to translate
        assert targets[unit].get("state") == "needs-translation"
        assert targets[unit].get("state-qualifier") is None
        assert targets[unit].get("{http://www.w3.org/XML/1998/namespace}lang") == "en-US"
    assert targets["1"].text.count(".") + targets["1"].text.count("!") == 2  # both sentences
    assert "\n" in targets["5"].text  # the source's line break kept
    assert "港" not in targets["6"].text  # the copied source replaced
    assert targets["2"].text == "The Harbour Town" and targets["2"].get("state") == "translated"
    notes = [n.text for n in etree.parse(str(out)).iter(f"{{{NS12}}}note")]
    assert notes.count("CC-CEDICT word glosses, NOT machine translation: translate this unit") == 3
    units = {u.get("id"): u for u in etree.parse(str(out)).iter(f"{{{NS12}}}trans-unit")}
    assert units["5"].get("extradata") == "cat=1"  # a CAT tool's own, never overwritten
    assert "origin=gloss" in units["1"].get("extradata")
    assert _unchanged_but(out, JOB_12, NS12, {"1", "5", "6", "7"}, {"5", "6", "7"})
    assert out.read_text(encoding="utf-8").startswith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<!-- exported by a CAT tool -->'
    )
    assert job.read_text(encoding="utf-8") == JOB_12  # the input untouched
    xsd = schema("xliff")
    assert xsd.validate(etree.parse(str(out))), xsd.error_log


def test_xliff_2_gets_targets_and_segment_states(cli, tmp_path):
    job, out = _job(tmp_path, JOB_20), tmp_path / "job.mt.xlf"
    status, _, err = cli("translate", job, "-o", out, "--engine", "gloss", "--no-cache", "-q")
    assert status == 0, err
    targets = _targets(out, NS20)
    assert set(targets) == {"s1", "s2", "u4"}  # s1 and u4's segment drafted
    assert targets["s2"].text == "The Harbour Town"
    assert targets["s1"].text and "天" not in targets["s1"].text
    states = {k: s.get("state") for k, s in _places(etree.parse(str(out)), NS20).items()}
    # glosses: never translated
    assert states == {"s1": "initial", "s2": None, "u2": None, "u3": None, "u4": "initial"}
    root = etree.parse(str(out)).getroot()
    assert root.get("trgLang") == "en-US"  # required once a file has targets
    notes = [n.text for n in root.iter(f"{{{NS20}}}note")]
    assert notes[0].startswith("segment s1: CC-CEDICT word glosses, NOT machine translation")
    assert "keep it short" in notes
    assert _unchanged_but(out, JOB_20, NS20, {"s1", "u4"}, {"u4"})
    xsd = schema("xliff2")
    assert xsd.validate(etree.parse(str(out))), xsd.error_log


@pytest.mark.parametrize("version", ["1.2", "2.0"])
def test_machine_drafts_need_review_and_translate_toolkit_reads_them(
    cli, installed_model, tmp_path, version
):
    """The MT engine (a tiny random Argos model): drafts marked as machine translation to
    review, the quality estimate in a note, and the same sentences from the cache next time."""
    from translate.storage import xliff, xliff2

    text, ns = (JOB_12, NS12) if version == "1.2" else (JOB_20, NS20)
    job, out = _job(tmp_path, text), tmp_path / "job.mt.xlf"
    status, _, err = cli("translate", job, "-o", out, "--beam-size", "1")
    assert status == 0, err
    assert f"translated {4 if version == '1.2' else 2} units" in err
    targets = _targets(out, ns)
    if version == "1.2":
        for unit in ("1", "5", "6", "7"):
            assert targets[unit].get("state") == "needs-review-translation"
            assert targets[unit].get("state-qualifier") == "leveraged-mt"
        units = {u.getid().split("\x04")[-1]: u for u in xliff.xlifffile.parsefile(str(out)).units}
        drafted = ("1", "5", "6", "7")  # (7: segmented)
        assert all(units[unit].target and units[unit].isfuzzy() for unit in drafted)
        assert units["2"].target == "The Harbour Town" and not units["3"].target
        notes = [n.text for n in etree.parse(str(out)).iter(f"{{{NS12}}}note")]
        assert any(n.startswith("machine translation by argos:") for n in notes)
        assert any("quality estimate" in n for n in notes)
    else:
        states = [s.get("state") for s in etree.parse(str(out)).iter(f"{{{NS20}}}segment")]
        assert states == ["translated", None, None, None, "translated"]
        units = xliff2.Xliff2File.parsefile(str(out)).units
        assert any(u.source == "價格是3.5元。" and u.target for u in units)
    assert schema("xliff" if version == "1.2" else "xliff2").validate(etree.parse(str(out)))
    status, _, err = cli("translate", job, "-o", tmp_path / "again.xlf", "--beam-size", "1")
    assert status == 0 and "sentences, " in err and " 0 from the cache" not in err
    assert (tmp_path / "again.xlf").read_bytes() == out.read_bytes()


def test_an_xliff_is_told_by_its_content_and_written_to_stdout(cli, tmp_path):
    job = _job(tmp_path, JOB_12, "job.sdlxliff")
    status, stdout, err = cli("translate", job, "--engine", "gloss", "--no-cache", "-q")
    assert status == 0, err
    assert stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert 'state="needs-translation"' in stdout and "<!-- prices -->" in stdout


def test_o_naming_the_input_replaces_it_and_a_folder_keeps_the_names(cli, tmp_path):
    job = _job(tmp_path, JOB_12)
    status, _, err = cli("translate", job, "-o", job, "--engine", "gloss", "--no-cache", "-q")
    assert status == 0, err
    assert 'state="needs-translation"' in job.read_text(encoding="utf-8")
    (tmp_path / "jobs").mkdir()
    _job(tmp_path / "jobs", JOB_12, "a.xlf")
    _job(tmp_path / "jobs", JOB_20, "b.mqxliff")
    out = tmp_path / "drafts"
    status, _, err = cli("translate", tmp_path / "jobs", "-o", out, "--engine", "gloss", "-q")
    assert status == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["a.xlf", "b.mqxliff"]
    status, _, err = cli(
        "translate", tmp_path / "jobs", "-o", tmp_path / "jobs", "--engine", "gloss"
    )
    assert status == 1 and "is also an input" in err


def _one_line_error(cli, *args) -> str:
    status, stdout, err = cli("translate", *args, "--engine", "gloss", "--no-cache", "-q")
    lines = [line for line in err.splitlines() if not line.startswith("duiyi: notice:")]
    assert status == 1 and stdout == "" and len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        ('source-language="zh-CN"', 'source-language="ja-JP"', "translates ja-JP into en-US"),
        ('target-language="en-US"', 'target-language="de"', "translates zh-CN into de"),
    ],
)
def test_other_languages_are_refused_in_one_line(cli, tmp_path, old, new, named):
    job = _job(tmp_path, JOB_12.replace(old, new))
    line = _one_line_error(cli, job, "-o", tmp_path / "out.xlf")
    assert named in line and "not zh into en" in line
    assert not (tmp_path / "out.xlf").exists()


def test_xliff_2_in_other_languages_is_refused(cli, tmp_path):
    job = _job(tmp_path, JOB_20.replace('srcLang="zh-TW"', 'srcLang="zh-TW" trgLang="fr"'))
    assert "translates zh-TW into fr" in _one_line_error(cli, job)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (JOB_12[:300], "not well-formed XLIFF: line"),
        (
            '<?xml version="1.0"?>\n<!DOCTYPE xliff [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
            + JOB_12.split("\n", 1)[1].replace("港口小城", "&b;"),
            "declares XML entities",
        ),
        ("<tmx version='1.4'/>", "the root element is <tmx>, not XLIFF <xliff>"),
        (JOB_12.replace(NS12, "urn:oasis:names:tc:xliff:document:1.1"), "not an XLIFF 1.2/2.x"),
    ],
    ids=["malformed", "entity-bomb", "not-xliff", "xliff-1.1"],
)
def test_hostile_or_wrong_xml_is_one_line(cli, tmp_path, text, message):
    job = _job(tmp_path, text)
    assert message in _one_line_error(cli, job, "-o", tmp_path / "out.xlf")
    assert not (tmp_path / "out.xlf").exists()


def test_a_huge_xliff_is_refused_at_the_size_limit(cli, tmp_path, monkeypatch):
    import duiyi.corpus.read

    monkeypatch.setattr(duiyi.corpus.read, "MAX_BYTES", 1000)
    assert "is more than" in _one_line_error(cli, _job(tmp_path, JOB_12))


def test_xliff_with_documents_or_other_formats_is_refused_before_translating(cli, tmp_path):
    job = _job(tmp_path, JOB_12)
    doc = tmp_path / "a.txt"
    doc.write_text("今天天气很好。", encoding="utf-8")
    out = tmp_path / "out"
    line = _one_line_error(cli, job, doc, "-o", out)
    assert "job.xlf is XLIFF but" in line and "a.txt is a document" in line
    assert not out.exists()
    assert "-f side-by-side does not apply" in _one_line_error(cli, job, "-f", "side-by-side")
    assert "not tmx" in _one_line_error(cli, job, "-o", tmp_path / "x.tmx", "--include-gloss")
    assert "-f xliff2 does not apply" in _one_line_error(cli, job, "-f", "xliff2")
    assert "give -o a folder" in _one_line_error(cli, job, _job(tmp_path, JOB_20, "b.xlf"))
    assert not list(tmp_path.glob("*.tmx"))


# Inline codes only at the edges of the text: a wrapper, standalone codes (blanks between them
# and the text), paired codes holding escaped native code, nested wrappers with a code inside
# and the source copied into the target, codes and all; a wrapper inside the text is left.
EDGES_12 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2">
  <file original="a.docx" source-language="zh-CN" target-language="en-US" datatype="plaintext">
    <body>
      <trans-unit id="g"><source><g id="1" ctype="bold">整段加粗的文字。</g></source></trans-unit>
      <trans-unit id="x"><source><x id="1"/> 第一章 <x id="2"/></source><target/></trans-unit>
      <trans-unit id="bpt">
        <source><bpt id="1">&lt;b&gt;</bpt>港口小城<ept id="1">&lt;/b&gt;</ept></source>
      </trans-unit>
      <trans-unit id="nested">
        <source> <g id="1"><g id="2"><it id="3" pos="open">&lt;i&gt;</it>今天天气很好。</g></g><ph id="4">{0}</ph></source>
        <target> <g id="1"><g id="2"><it id="3" pos="open">&lt;i&gt;</it>今天天气很好。</g></g><ph id="4">{0}</ph></target>
      </trans-unit>
      <trans-unit id="middle"><source>点击<g id="1">这里</g>继续。</source></trans-unit>
      <trans-unit id="two"><source><g id="1">第一句。</g><g id="2">第二句。</g></source></trans-unit>
      <trans-unit id="mrk"><source><mrk mtype="protected">港口</mrk></source></trans-unit>
      <trans-unit id="codes"><source><ph id="1">{0}</ph></source></trans-unit>
    </body>
  </file>
</xliff>
"""

EDGES_20 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="zh-CN">
  <file id="f1">
    <unit id="pc">
      <originalData><data id="d1">&lt;b&gt;</data><data id="d2">&lt;/b&gt;</data></originalData>
      <segment><source><pc id="1" dataRefStart="d1" dataRefEnd="d2">整段加粗的文字。</pc></source></segment>
    </unit>
    <unit id="ph">
      <originalData><data id="d1">&lt;br/&gt;</data></originalData>
      <segment><source><ph id="1" dataRef="d1"/>第一章 <ph id="2" dataRef="d1"/></source></segment>
    </unit>
    <unit id="sc">
      <segment><source><sc id="1"/><pc id="2"><ph id="3"/>港口小城</pc><ec startRef="1"/></source></segment>
    </unit>
    <unit id="middle">
      <segment><source>點擊<pc id="1">這裡</pc>。</source></segment>
    </unit>
    <unit id="sm">
      <segment><source><sm id="1" translate="no"/>港口<em startRef="1"/></source></segment>
    </unit>
  </file>
</xliff>
"""

_TEXT_HOLDERS = {"source", "seg-source", "target", "g", "pc", "mrk"}  # text: the unit's


def _skeleton(el) -> tuple:
    """`el`'s content with its text, where not blank, stood in for: its codes serialized, as
    they are and where they are."""
    el = copy.deepcopy(el)
    for node in el.iter():
        if etree.QName(node).localname in _TEXT_HOLDERS and (node.text or "").strip():
            node.text = "TEXT"
        if node is not el and (node.tail or "").strip():
            node.tail = "TEXT"
    return el.text, [etree.tostring(kid) for kid in el]


def _sources(path: Path, ns: str) -> dict[str, etree._Element]:
    places = _places(etree.parse(str(path)), ns)
    return {key: place.find(f"{{{ns}}}source") for key, place in places.items()}


@pytest.mark.parametrize(
    ("text", "ns", "edges", "left"),
    [
        (EDGES_12, NS12, {"g", "x", "bpt", "nested"}, {"middle", "two", "mrk", "codes"}),
        (EDGES_20, NS20, {"pc", "ph", "sc"}, {"middle", "sm"}),
    ],
    ids=["1.2", "2.0"],
)
def test_codes_at_the_edges_are_copied_around_the_draft(cli, tmp_path, text, ns, edges, left):
    job, out = _job(tmp_path, text), tmp_path / "job.mt.xlf"
    status, _, err = cli("translate", job, "-o", out, "--engine", "gloss", "--no-cache")
    assert status == 0, err
    assert f"glossed {len(edges)} units" in err
    assert f"{len(left)} with inline tags left for the translator" in err
    sources, targets = _sources(out, ns), _targets(out, ns)
    for key in edges:
        source, target = sources[key], targets[key]
        assert _skeleton(target) == _skeleton(source), key  # the same codes, in the same places
        drafted = "".join(target.itertext())
        assert drafted != "".join(source.itertext()) and "港" not in drafted, key
    assert not set(targets) & left  # (the copied source's target replaced, codes and all)
    if ns == NS12:  # escaped native code in codes stays escaped
        assert etree.tostring(targets["bpt"][0], with_tail=False).endswith(b">&lt;b&gt;</bpt>")
        assert " First chapter " in targets["x"][0].tail  # the blanks by the tags kept
    assert _unchanged_but(out, text, ns, edges, {"x", "nested"})
    xsd = schema("xliff" if ns == NS12 else "xliff2")
    assert xsd.validate(etree.parse(str(out))), xsd.error_log


@pytest.mark.parametrize("version", ["1.2", "2.0"])
def test_translate_toolkit_reads_drafts_between_codes(cli, tmp_path, version):
    from translate.storage import xliff, xliff2

    text = EDGES_12 if version == "1.2" else EDGES_20
    job, out = _job(tmp_path, text), tmp_path / "job.mt.xlf"
    status, _, err = cli("translate", job, "-o", out, "--engine", "gloss", "--no-cache", "-q")
    assert status == 0, err
    if version == "1.2":
        units = {u.getid().split("\x04")[-1]: u for u in xliff.xlifffile.parsefile(str(out)).units}
        for key in ("g", "x", "bpt", "nested"):  # its placeables: the source's, by id
            ids = [
                [e.id for e in rich.depth_first() if getattr(e, "id", None)]
                for rich in (units[key].rich_source[0], units[key].rich_target[0])
            ]
            assert ids[0] and ids[0] == ids[1], key
        assert units["bpt"].target.startswith("<b>") and units["bpt"].target.endswith("</b>")
        assert units["nested"].target.endswith(".{0}")
        assert not units["middle"].target
    else:
        units = {u.source: u for u in xliff2.Xliff2File.parsefile(str(out)).units}
        drafted = [u for source, u in units.items() if "文字" in source or "港口小城" in source]
        assert drafted and all(u.target for u in drafted)


def test_xliff_on_stdin_is_pretranslated(cli, tmp_path, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(JOB_12.encode())))
    out = tmp_path / "out.xlf"
    status, _, err = cli("translate", "-", "-o", out, "--engine", "gloss", "--no-cache")
    assert status == 0, err
    assert "glossed 4 units" in err and "of 1 XLIFF file" in err
    assert _unchanged_but(out, JOB_12, NS12, {"1", "5", "6", "7"}, {"5", "6", "7"})
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(JOB_12.encode())))
    line = _one_line_error(cli, "-", _job(tmp_path, "今天天气很好。", "a.txt"))
    assert line == (
        f"duiyi: error: stdin is XLIFF but {tmp_path / 'a.txt'} is a document: translate XLIFF "
        "files and documents in separate runs"
    )


def test_xliff_in_a_pipe_comes_back_on_stdout(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "duiyi.cli", "translate", "-", "--engine", "gloss", "--no-cache"],
        input=EDGES_20.encode(),
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert b"glossed 3 units" in result.stderr and b"2 with inline tags" in result.stderr
    out = tmp_path / "out.xlf"
    out.write_bytes(result.stdout)
    assert _unchanged_but(out, EDGES_20, NS20, {"pc", "ph", "sc"}, set())


# Segmented units as Okapi writes them (a seg-source of <mrk mtype="seg">, a space between
# segments): no target, a target with one segment translated, the source copied into the
# target; codes at a segment's edges, Trados' <g> around the segments with codes inside one,
# codes inside the only segment, and every segment translated.
SEGMENTED_12 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2">
  <file original="a.docx" source-language="zh-CN" target-language="en-US" datatype="plaintext">
    <body>
      <trans-unit id="two">
        <source>第一句。 第二句。</source>
        <seg-source><mrk mtype="seg" mid="1">第一句。</mrk> <mrk mtype="seg" mid="2">第二句。</mrk></seg-source>
        <note>two segments</note>
      </trans-unit>
      <trans-unit id="half">
        <source>今天天气很好。 港口小城</source>
        <seg-source><mrk mtype="seg" mid="1">今天天气很好。</mrk> <mrk mtype="seg" mid="2">港口小城</mrk></seg-source>
        <target><mrk mtype="seg" mid="1"/> <mrk mtype="seg" mid="2">The Harbour Town</mrk></target>
      </trans-unit>
      <trans-unit id="copied">
        <source>价格是3.5元。</source>
        <seg-source><mrk mtype="seg" mid="1">价格是3.5元。</mrk></seg-source>
        <target><mrk mtype="seg" mid="1">价格是3.5元。</mrk></target>
      </trans-unit>
      <trans-unit id="edges">
        <source><bpt id="1">&lt;b&gt;</bpt>港口小城<ept id="1">&lt;/b&gt;</ept></source>
        <seg-source><mrk mtype="seg" mid="1"><bpt id="1">&lt;b&gt;</bpt>港口小城<ept id="1">&lt;/b&gt;</ept></mrk></seg-source>
      </trans-unit>
      <trans-unit id="wrapped">
        <source><g id="1"><x id="2"/>今天天气很好。 点击<g id="3">这里</g>继续。</g></source>
        <seg-source><g id="1"><mrk mtype="seg" mid="1"><x id="2"/>今天天气很好。</mrk> <mrk mtype="seg" mid="2">点击<g id="3">这里</g>继续。</mrk></g></seg-source>
      </trans-unit>
      <trans-unit id="middle">
        <source>点击<g id="1">这里</g>继续。</source>
        <seg-source><mrk mtype="seg" mid="1">点击<g id="1">这里</g>继续。</mrk></seg-source>
      </trans-unit>
      <trans-unit id="done">
        <source>港口</source>
        <seg-source><mrk mtype="seg" mid="1">港口</mrk></seg-source>
        <target><mrk mtype="seg" mid="1">Harbour</mrk></target>
      </trans-unit>
    </body>
  </file>
</xliff>
"""

_HAN = re.compile(r"[\u4e00-\u9fff]")


def _segment_texts(target) -> dict[str, str]:
    return {m.get("mid"): "".join(m.itertext()) for m in target.iter(f"{{{NS12}}}mrk")}


def test_segmented_units_get_each_segment_drafted(cli, tmp_path):
    job, out = _job(tmp_path, SEGMENTED_12), tmp_path / "job.mt.xlf"
    status, _, err = cli("translate", job, "-o", out, "--engine", "gloss", "--no-cache")
    assert status == 0, err
    assert "glossed 5 units (6 sentences," in err
    assert "1 already translated, 1 with inline tags left for the translator, 0 skipped" in err
    targets = _targets(out, NS12)
    assert set(targets) == {"two", "half", "copied", "edges", "wrapped", "done"}
    segments = {key: _segment_texts(target) for key, target in targets.items()}
    assert segments["half"]["2"] == "The Harbour Town"  # translated already: kept
    assert segments["done"] == {"1": "Harbour"}
    assert segments["wrapped"]["2"] == ""  # codes inside it: left
    drafted = [segments[k][m] for k in ("two", "half", "copied", "edges") for m in segments[k]]
    drafted.append(segments["wrapped"]["1"])
    assert all(text.strip() and not _HAN.search(text) for text in drafted), drafted
    parsed = etree.parse(str(out))
    for key in ("two", "half", "copied", "edges"):  # the seg-source's codes, mids and spaces
        segmented = _places(parsed, NS12)[key].find(f"{{{NS12}}}seg-source")
        assert _skeleton(targets[key]) == _skeleton(segmented), key
    wrapped = targets["wrapped"]
    assert [etree.QName(e).localname for e in wrapped.iter()] == ["target", "g", "mrk", "x", "mrk"]
    assert wrapped[0][0].tail == " "  # the text between segments copied
    for key in ("two", "half", "copied", "edges", "wrapped"):
        assert targets[key].get("state") == "needs-translation"
        assert targets[key].get("{http://www.w3.org/XML/1998/namespace}lang") == "en-US"
    notes = [n.text for n in parsed.iter(f"{{{NS12}}}note") if n.get("from") == "duiyi"]
    assert sum(n.startswith("segment 1: ") for n in notes) == 5
    assert sum(n.startswith("segment 2: ") for n in notes) == 1  # "two"'s, after its first
    assert notes.index([n for n in notes if n.startswith("segment 2")][0]) == 1
    drafted_ids = {"two", "half", "copied", "edges", "wrapped"}
    assert _unchanged_but(out, SEGMENTED_12, NS12, drafted_ids, {"half", "copied"})
    xsd = schema("xliff")
    assert xsd.validate(parsed), xsd.error_log


def test_translate_toolkit_reads_segmented_drafts(cli, tmp_path):
    from translate.storage import xliff

    job, out = _job(tmp_path, SEGMENTED_12), tmp_path / "job.mt.xlf"
    status, _, err = cli("translate", job, "-o", out, "--engine", "gloss", "--no-cache", "-q")
    assert status == 0, err
    units = {u.getid().split("\x04")[-1]: u for u in xliff.xlifffile.parsefile(str(out)).units}
    for key in ("two", "half", "copied", "edges", "wrapped"):
        assert units[key].target and not _HAN.search(units[key].target), key
    assert "The Harbour Town" in units["half"].target
    assert not units["middle"].target and units["done"].target == "Harbour"


# Trados' SDLXLIFF: each segment's status in sdl:seg-defs; a segment empty, one locked, one
# with its source copied (origin="source"), and a unit whose only segment is locked.
SDL_12 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" xmlns:sdl="http://sdl.com/FileTypes/SdlXliff/1.0" version="1.2" sdl:version="1.0">
  <file original="a.docx" source-language="zh-CN" target-language="en-US" datatype="x-sdlfilterframework2">
    <body>
      <trans-unit id="a">
        <source><g id="1">第一句。第二句。第三句。</g></source>
        <seg-source><g id="1"><mrk mtype="seg" mid="1">第一句。</mrk><mrk mtype="seg" mid="2">第二句。</mrk><mrk mtype="seg" mid="3">第三句。</mrk></g></seg-source>
        <target><g id="1"><mrk mtype="seg" mid="1"/><mrk mtype="seg" mid="2"/><mrk mtype="seg" mid="3">第三句。</mrk></g></target>
        <sdl:seg-defs><sdl:seg id="1"/><sdl:seg id="2" conf="ApprovedSignOff" locked="true"/><sdl:seg id="3" conf="Draft" origin="source" percent="0"><sdl:value key="SegmentIdentityHash">x</sdl:value></sdl:seg></sdl:seg-defs>
      </trans-unit>
      <trans-unit id="locked">
        <source>机密</source>
        <seg-source><mrk mtype="seg" mid="4">机密</mrk></seg-source>
        <target><mrk mtype="seg" mid="4"/></target>
        <sdl:seg-defs><sdl:seg id="4" locked="true"/></sdl:seg-defs>
      </trans-unit>
    </body>
  </file>
</xliff>
"""


@pytest.mark.parametrize("engine", ["gloss", "mt"])
def test_sdlxliff_segments_drafted_are_marked_draft(cli, tmp_path, request, engine):
    """Drafted segments' sdl:seg: conf="Draft", MT origin="mt" (as Trados and MT plug-ins
    write it); locked segments and every other sdl:seg as they were. (No schema check: the
    OASIS schema's strict wildcards refuse Trados' own extensions, in its files as they come.)"""
    from translate.storage import xliff

    job, out = _job(tmp_path, SDL_12, "job.sdlxliff"), tmp_path / "job.mt.sdlxliff"
    if engine == "gloss":
        args = ("--engine", "gloss", "--no-cache")
    else:
        request.getfixturevalue("installed_model")  # the tiny random Argos model
        args = ("--beam-size", "1")
    status, _, err = cli("translate", job, "-o", out, *args)
    assert status == 0, err
    assert "1 already translated, 0 with inline tags" in err
    targets = _targets(out, NS12)
    assert _segment_texts(targets["locked"]) == {"4": ""}
    segments = _segment_texts(targets["a"])
    assert segments["2"] == "" and segments["1"] and segments["3"] != "第三句。"
    sdl = "{http://sdl.com/FileTypes/SdlXliff/1.0}seg"
    segs = {s.get("id"): s for s in etree.parse(str(out)).iter(sdl)}
    origin = {"origin": "mt"} if engine == "mt" else {}
    for mid in ("1", "3"):
        system = segs[mid].attrib.pop("origin-system", None)
        assert dict(segs[mid].attrib) == {"id": mid, "conf": "Draft", **origin}
        assert system is None if engine == "gloss" else system.startswith("duiyi argos")
    assert len(segs["3"]) == 1  # its sdl:value kept
    units = {u.getid().split("\x04")[-1]: u for u in xliff.xlifffile.parsefile(str(out)).units}
    assert units["a"].target and "第三句。" not in units["a"].target  # (MT: a random model)
    assert dict(segs["2"].attrib) == {"id": "2", "conf": "ApprovedSignOff", "locked": "true"}
    assert dict(segs["4"].attrib) == {"id": "4", "locked": "true"}
    after = etree.parse(str(out))  # the rest as it was, their sdl:seg's put back:
    before = {s.get("id"): s.attrib for s in etree.fromstring(SDL_12.encode()).iter(sdl)}
    for seg in after.iter(sdl):
        attrib = before[seg.get("id")]
        seg.attrib.clear()
        seg.attrib.update(attrib)
    after.write(str(tmp_path / "restored.xlf"))
    assert _unchanged_but(tmp_path / "restored.xlf", SDL_12, NS12, {"a"}, {"a"})


# Standalone codes inside the text, each named [x1], [x2], … for the engine: no target, an
# empty one, the source copied (codes and all), two sentences (one draft: a placeholder never
# crosses a sentence), paired codes, a segment; a source with "[x1]" text of its own is left.
PLACEHOLDERS_12 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2">
  <file original="a.docx" source-language="zh-CN" target-language="en-US" datatype="plaintext">
    <body>
      <trans-unit id="count"><source>共<x id="1"/>项，已选<x id="2"/>项。</source></trans-unit>
      <trans-unit id="bpt">
        <source>请点击<bpt id="1">&lt;b&gt;</bpt>保存<ept id="1">&lt;/b&gt;</ept>按钮。</source>
        <target/>
      </trans-unit>
      <trans-unit id="copied">
        <source>第<ph id="1">{0}</ph>页</source>
        <target>第<ph id="1">{0}</ph>页</target>
      </trans-unit>
      <trans-unit id="two"><source>第一句。<x id="1"/>第二句。</source></trans-unit>
      <trans-unit id="seg">
        <source>共<x id="1"/>项。</source>
        <seg-source><mrk mtype="seg" mid="1">共<x id="1"/>项。</mrk></seg-source>
      </trans-unit>
      <trans-unit id="own"><source>共[x1]项<x id="1"/>。</source></trans-unit>
    </body>
  </file>
</xliff>
"""

PLACEHOLDERS_20 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="zh-CN">
  <file id="f1">
    <unit id="ph">
      <originalData><data id="d1">&lt;br/&gt;</data></originalData>
      <segment><source>點擊<ph id="1" dataRef="d1"/>這裡。</source></segment>
    </unit>
    <unit id="sc">
      <segment><source>請點擊<sc id="1"/>保存<ec startRef="1"/>按鈕。</source></segment>
    </unit>
    <unit id="own">
      <segment><source>共[x1]項<ph id="1"/>。</source></segment>
    </unit>
  </file>
</xliff>
"""


def _codes(el) -> list[bytes]:
    return [etree.tostring(kid, with_tail=False) for kid in el]


@pytest.mark.parametrize(
    ("text", "ns", "drafted", "sentences"),
    [
        (PLACEHOLDERS_12, NS12, {"count", "bpt", "copied", "two", "seg"}, 5),
        (PLACEHOLDERS_20, NS20, {"ph", "sc"}, 2),
    ],
    ids=["1.2", "2.0"],
)
def test_codes_inside_the_text_come_back_where_the_draft_puts_them(
    cli, tmp_path, text, ns, drafted, sentences
):
    job, out = _job(tmp_path, text), tmp_path / "job.mt.xlf"
    status, _, err = cli("translate", job, "-o", out, "--engine", "gloss", "--no-cache")
    assert status == 0, err
    assert f"glossed {len(drafted)} units ({sentences} sentences," in err  # each unit one piece
    assert "0 already translated, 1 with inline tags left for the translator" in err
    sources, targets = _sources(out, ns), _targets(out, ns)
    assert set(targets) == drafted | ({"copied"} if ns == NS12 else set())
    for key in drafted - {"seg"}:
        source, target = sources[key], targets[key]
        assert _codes(target) == _codes(source), key  # deep copies, ids and content kept
        drafted_text = (target.text or "") + "".join(kid.tail or "" for kid in target)
        assert drafted_text.strip() and not _HAN.search(drafted_text), key
        assert "[x" not in drafted_text, key
    if ns == NS12:
        segment = targets["seg"].find(f"{{{NS12}}}mrk")
        assert _codes(segment) == [b'<x xmlns="urn:oasis:names:tc:xliff:document:1.2" id="1"/>']
        assert segment.text and segment[0].tail and not _HAN.search("".join(segment.itertext()))
    assert "own" not in targets
    assert _unchanged_but(out, text, ns, drafted, {"bpt", "copied"} if ns == NS12 else set())
    xsd = schema("xliff" if ns == NS12 else "xliff2")
    assert xsd.validate(etree.parse(str(out))), xsd.error_log


def test_a_draft_that_loses_a_placeholder_leaves_the_unit(cli, tmp_path, monkeypatch):
    from duiyi.translate.gloss import GlossTranslator

    gloss = GlossTranslator.gloss_sentence
    monkeypatch.setattr(
        GlossTranslator, "gloss_sentence", lambda self, s: gloss(self, s).replace("[x2]", "")
    )
    job, out = _job(tmp_path, PLACEHOLDERS_12), tmp_path / "job.mt.xlf"
    status, _, err = cli("translate", job, "-o", out, "--engine", "gloss", "--no-cache")
    assert status == 0, err
    # "count" and "bpt" lost [x2]: left, counted with the units left for their codes ("own")
    assert "glossed 3 units" in err and "3 with inline tags left for the translator" in err
    targets = _targets(out, NS12)
    assert set(targets) == {"bpt", "copied", "two", "seg"}
    assert len(targets["bpt"]) == 0 and not targets["bpt"].text  # as it was: empty
    assert _unchanged_but(out, PLACEHOLDERS_12, NS12, {"copied", "two", "seg"}, {"copied"})


def test_placeholders_in_a_draft_are_checked_before_codes_go_back():
    from duiyi.export.xliff_units import _placed

    source = etree.fromstring(
        f'<source xmlns="{NS12}">共<x id="1"/>项，已选<ph id="2">{{0}}</ph>项'
        '<bpt id="3">&lt;b&gt;</bpt>。<ept id="3">&lt;/b&gt;</ept></source>'
    )
    codes = list(source)
    for draft in (
        "[x1] items, [x2] selected[x3].",  # [x4] missing
        "[x1] items, [x2] selected [x2][x3].[x4]",  # [x2] twice
        "[x1] items, [x2] selected[x3].[x4] [x5]",  # [x5] invented
        "[x1] items, [x2] selected[x4].[x3]",  # a paired code ending before it starts
    ):
        assert _placed(draft, codes) is None, draft
    placed = _placed("[x2] of [x1] selected[x3].[x4]", codes)  # English order: kept
    assert placed[0] is None
    assert [etree.QName(code).localname for code in placed[1:]] == ["ph", "x", "bpt", "ept"]
    assert [code.tail for code in placed[1:]] == [" of ", " selected", ".", None]
    assert [code.get("id") for code in placed[1:]] == ["2", "1", "3", "3"]
    assert placed[1].text == "{0}" and placed[1] is not codes[1]  # a deep copy
    assert codes[1].tail == "项"  # the source untouched


def test_several_xliff_files_are_all_checked_before_any_is_written(cli, tmp_path):
    first = _job(tmp_path, JOB_12, "a.xlf")
    second = _job(tmp_path, JOB_20, "b.xlf")
    out = tmp_path / "out"
    line = _one_line_error(cli, first, second, "-f", "xliff", "-o", f"{out}/")
    assert "b.xlf is XLIFF 2.0" in line and "-f xliff does not apply" in line
    broken = _job(tmp_path, JOB_12[: len(JOB_12) // 2], "c.xlf")
    assert "c.xlf: not well-formed XLIFF" in _one_line_error(cli, first, broken, "-o", f"{out}/")
    assert not out.exists() or not list(out.iterdir())


def test_xliff_on_stdin_into_a_folder_keeps_an_xliff_name(cli, tmp_path, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(JOB_12.encode())))
    out = tmp_path / "out"
    status, _, err = cli("translate", "-", "-o", f"{out}/", "--engine", "gloss", "--no-cache")
    assert status == 0, err
    assert [p.name for p in out.iterdir()] == ["stdin.xlf"]
    assert _unchanged_but(out / "stdin.xlf", JOB_12, NS12, {"1", "5", "6", "7"}, {"5", "6", "7"})


def test_sdlxliff_segments_without_an_sdl_seg_get_one(cli, tmp_path):
    """A Trados segment with no sdl:seg (a unit without seg-defs, a seg-defs missing one mid)
    gets one marked Draft; an Okapi file (no SDL namespace) gets no Trados markup."""
    missing = SDL_12.replace(
        '<sdl:seg-defs><sdl:seg id="4" locked="true"/></sdl:seg-defs>', ""
    ).replace('<sdl:seg id="1"/>', "")
    job, out = _job(tmp_path, missing, "job.sdlxliff"), tmp_path / "job.mt.sdlxliff"
    status, _, err = cli("translate", job, "-o", out, "--engine", "gloss", "--no-cache")
    assert status == 0, err
    sdl = "http://sdl.com/FileTypes/SdlXliff/1.0"
    units = {u.get("id"): u for u in etree.parse(str(out)).iter(f"{{{NS12}}}trans-unit")}
    for unit, mids in (("a", ["2", "3", "1"]), ("locked", ["4"])):
        defs = units[unit].findall(f"{{{sdl}}}seg-defs")
        before = [e.tag for e in defs[0].itersiblings(preceding=True)]
        assert len(defs) == 1 and f"{{{NS12}}}target" in before
        assert [seg.get("id") for seg in defs[0]] == mids
    seg = units["locked"].find(f"{{{sdl}}}seg-defs/{{{sdl}}}seg")
    assert dict(seg.attrib) == {"id": "4", "conf": "Draft"}  # glosses: no MT origin
    okapi, plain = _job(tmp_path, SEGMENTED_12, "okapi.xlf"), tmp_path / "okapi.mt.xlf"
    status, _, err = cli("translate", okapi, "-o", plain, "--engine", "gloss", "--no-cache")
    assert status == 0, err
    assert b"sdl" not in plain.read_bytes()


def test_xliff_in_a_named_pipe_is_pretranslated_as_stdin_is(cli, tmp_path):
    """`duiyi translate <(cat job.xlf) -o out/`: read once, told by its bytes, written back
    under the pipe's name with .xlf (it was refused)."""
    fifo = tmp_path / "63"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(JOB_12.encode()))
    writer.start()
    out = tmp_path / "out"
    status, _, err = cli("translate", fifo, "-o", f"{out}/", "--engine", "gloss", "--no-cache")
    writer.join(timeout=10)
    assert status == 0, err
    assert [p.name for p in out.iterdir()] == ["63.xlf"]
    assert _unchanged_but(out / "63.xlf", JOB_12, NS12, {"1", "5", "6", "7"}, {"5", "6", "7"})


def test_telling_xliff_leaves_a_pipe_unread(tmp_path):
    from duiyi.export.xliff_units import is_xliff

    fifo = tmp_path / "job"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(JOB_12.encode()))
    writer.start()
    assert not is_xliff(str(fifo))  # not read: the reader that follows gets every byte
    with open(fifo, "rb") as f:
        assert f.read() == JOB_12.encode()
    writer.join(timeout=10)
