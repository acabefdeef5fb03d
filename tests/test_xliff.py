"""XLIFF 1.2 / 2.1 out and back in: schema validity, translate-toolkit and OmegaT reading our
files, and a translator's edits coming back onto the stored sentences."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import require_tool
from document_fixtures import ZH_PARAGRAPHS, make_docx
from lxml import etree

from duiyi.corpus.model import Pair
from duiyi.corpus.store import Store
from duiyi.errors import FormatError
from duiyi.export import read_pairs, write_pairs
from duiyi.export.xliff import XliffReader

# The OASIS schemas, as Debian's php-symfony-translation installs them (.ci/run installs it):
# duiyi ships no copy.
SCHEMAS = Path("/usr/share/php/Symfony/Component/Translation/Resources/schemas")
XSD = {"xliff": "xliff-core-1.2-strict.xsd", "xliff2": "xliff-core-2.0.xsd"}

PAIRS = [
    Pair("今天天气很好。", "The weather is nice today.", 0.93, origin="mt", document="a.txt",
         id="a.txt:0", meta={"engine": "mt:argos-zh_en-1.9"}),
    Pair("价格是3.5元，包括税&运费。", "price <b> & ]]> \n tax\x01", None, origin="gloss",
         document="a.txt", id="a.txt:1"),
    Pair("繁體字與罕見字𠀀。", "Rare 𠀀 characters.", 0.5, origin="human", document="b.txt",
         id="7", status="approved"),
]  # fmt: skip


def schema(fmt: str) -> etree.XMLSchema:
    path = SCHEMAS / XSD[fmt]
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing; .ci/run must install php-symfony-translation")
        pytest.skip(f"{path} is missing (apt-get install php-symfony-translation)")
    tree = etree.parse(str(path))
    for imp in tree.iter("{http://www.w3.org/2001/XMLSchema}import"):  # no network: local xml.xsd
        if (imp.get("schemaLocation") or "").endswith("xml.xsd"):
            imp.set("schemaLocation", str(SCHEMAS / "xml.xsd"))
    return etree.XMLSchema(tree)


@pytest.mark.parametrize("fmt", ["xliff", "xliff2"])
def test_written_xliff_is_valid_against_the_oasis_schema_and_reads_back(tmp_path, fmt):
    path = tmp_path / "out.xlf"
    assert write_pairs(PAIRS, str(path), fmt) == 3
    xsd = schema(fmt)
    assert xsd.validate(etree.parse(str(path))), xsd.error_log
    back = list(read_pairs(str(path)))  # .xlf: either version, told by its namespace
    assert [(p.src, p.tgt) for p in back] == [(p.src, p.tgt.replace("\x01", "")) for p in PAIRS]
    assert [p.origin for p in back] == ["mt", "gloss", "human"]
    assert [p.id for p in back] == ["a.txt:0", "a.txt:1", "7"]
    assert [p.document for p in back] == ["a.txt", "a.txt", "b.txt"]
    assert back[0].score == 0.93 and back[0].meta["engine"] == "mt:argos-zh_en-1.9"
    assert back[2].status == "approved" and back[2].meta["confirmed"]
    # a schema-invalid file is caught by the same check: the test can fail
    tree = etree.parse(str(path))
    next(tree.iter("{*}source")).tag = "{urn:oasis:names:tc:xliff:document:1.2}bogus"
    assert not xsd.validate(tree)


def test_an_empty_xliff_12_is_valid_and_reads_back(tmp_path):
    path = tmp_path / "none.xlf"  # `duiyi export --status approved` with nothing approved
    assert write_pairs([], str(path), "xliff") == 0
    xsd = schema("xliff")
    assert xsd.validate(etree.parse(str(path))), xsd.error_log
    assert list(read_pairs(str(path))) == []


def test_an_export_of_no_pairs_to_xliff_2_warns_that_it_is_not_valid(cli, tmp_path):
    """XLIFF 2's schema wants a unit in a file: no valid file of no pairs exists, so the
    export says so (1.2 has one, and no warning)."""
    empty = tmp_path / "none2.xlf"
    write_pairs([], str(empty), "xliff2")
    assert not schema("xliff2").validate(etree.parse(str(empty)))  # the fact the warning states
    db = tmp_path / "c.db"
    with Store.open(db) as store:
        store.add_pairs(PAIRS, source="a.tmx", checksum="x")
    args = ("--status", "rejected")  # nothing rejected
    status, _, err = cli("export", db, "-o", tmp_path / "a.xlf", "-f", "xliff2", *args)
    assert status == 0 and "duiyi: warning: " in err
    assert "holds no pair, which xliff2 does not allow" in err
    status, _, err = cli("export", db, "-o", tmp_path / "b.xlf", "-f", "xliff", *args)
    assert status == 0 and "warning" not in err


def test_states_machine_drafts_need_review_and_glosses_are_never_translated(tmp_path):
    write_pairs(PAIRS, str(tmp_path / "a.xlf"), "xliff")
    write_pairs(PAIRS, str(tmp_path / "b.xlf"), "xliff2")
    t12 = [t.get("state") for t in etree.parse(str(tmp_path / "a.xlf")).iter("{*}target")]
    assert t12 == ["needs-review-translation", "needs-translation", "signed-off"]
    s20 = [s.get("state") for s in etree.parse(str(tmp_path / "b.xlf")).iter("{*}segment")]
    assert s20 == ["translated", "initial", "final"]
    notes = [n.text for n in etree.parse(str(tmp_path / "b.xlf")).iter("{*}note")]
    assert "machine translation by mt:argos-zh_en-1.9, quality estimate 0.93" in notes
    assert any("NOT machine translation" in n for n in notes)


def test_translate_toolkit_reads_both_versions(tmp_path):
    from translate.storage import xliff, xliff2

    write_pairs(PAIRS, str(tmp_path / "a.xlf"), "xliff")
    write_pairs(PAIRS, str(tmp_path / "b.xlf"), "xliff2")
    v12 = xliff.xlifffile.parsefile(str(tmp_path / "a.xlf")).units
    v20 = xliff2.Xliff2File.parsefile(str(tmp_path / "b.xlf")).units
    for units in (v12, v20):
        assert [(u.source, u.target) for u in units] == [
            (p.src, p.tgt.replace("\x01", "")) for p in PAIRS
        ]
        assert [u.istranslated() for u in units] == [units is v20, False, True]
    assert v12[0].isfuzzy() and not v12[2].isfuzzy() and v12[2].isapproved()


@pytest.mark.parametrize("fmt", ["xliff", "xliff2"])
def test_translate_writes_xliff_and_a_translators_edits_come_back(tmp_path, cli, fmt):
    """duiyi translate → XLIFF → a translator's tool (translate-toolkit) edits and approves →
    duiyi import: the edits land on the stored sentences, with their history."""
    from translate.storage import xliff, xliff2

    docx = make_docx(tmp_path / "harbour.docx", "港口小城", ZH_PARAGRAPHS)
    db, out = tmp_path / "corpus.db", tmp_path / "harbour.xlf"
    status, _, err = cli(
        "translate", docx, "-o", out, "-f", fmt, "--engine", "gloss", "--no-cache",
        "--store", db, "-q",
    )  # fmt: skip
    assert status == 0, err
    assert schema(fmt).validate(etree.parse(str(out)))
    with Store.open(db, readonly=True) as store:
        stored = {p.src: p for p in store.iter_pairs()}
    tool = xliff.xlifffile if fmt == "xliff" else xliff2.Xliff2File
    units = tool.parsefile(str(out))
    assert len(units.units) == len(stored)  # one unit per sentence, gloss drafts kept
    by_source = {u.source: u for u in units.units}
    by_source["港口小城"].target = "The Harbour Town"  # (translate-toolkit approves it…)
    by_source["港口小城"].markfuzzy(True)  # … the translator wants it looked at again
    by_source["老船长说，他年轻时从来没有见过这样的天气。"].target = "The old captain says so."
    by_source["老船长说，他年轻时从来没有见过这样的天气。"].markapproved(True)
    units.savefile(str(tmp_path / "edited.xlf"))

    status, _, err = cli("import", tmp_path / "edited.xlf", "--store", db)
    assert status == 0, err
    assert f"{len(stored)} units matched stored sentences (0 edited, 2 human, 1 approved" in err
    with Store.open(db, readonly=True) as store:
        after = {p.src: p for p in store.iter_pairs()}
        assert len(after) == len(stored)  # no new pairs: the edits went onto the sentences
        town, captain = after["港口小城"], after["老船长说，他年轻时从来没有见过这样的天气。"]
        assert (town.tgt, town.origin, town.status) == ("The Harbour Town", "human", "pending")
        assert (captain.tgt, captain.origin, captain.status) == (
            "The old captain says so.", "human", "approved"
        )  # fmt: skip
        assert after["港口日报"].origin == "gloss"  # untouched units stay as they were
        assert store.history(int(town.id))[0].reviewer.startswith("xliff:")
    with Store.open(db) as store:  # an imported edit is undone like a review edit
        undone = store.undo(int(town.id), reviewer="ann").main
    assert (undone.tgt_text, undone.origin) == (stored["港口小城"].tgt, "gloss")


def test_export_xliff_from_the_store_then_edited_targets_are_edited(tmp_path, cli):
    db = tmp_path / "c.db"
    aligned = [
        Pair("今天天气很好。", "Nice weather.", 0.9, origin="aligned", document="d.txt"),
        Pair("我们去公园吧。", "Let's go to the park.", 0.8, origin="aligned", document="d.txt"),
    ]
    with Store.open(db) as store:
        store.add_pairs(aligned, source="d.tmx", checksum="x")
    status, _, err = cli("export", db, "-o", tmp_path / "d.xlf")
    assert status == 0, err
    text = (tmp_path / "d.xlf").read_text(encoding="utf-8")
    (tmp_path / "d.xlf").write_text(text.replace("Nice weather.", "The weather is nice today."))
    status, _, err = cli("import", tmp_path / "d.xlf", "--store", db)
    assert status == 0, err
    assert "2 units matched stored sentences (1 edited, 0 human, 0 approved, 1 unchanged)" in err
    with Store.open(db, readonly=True) as store:
        pairs = list(store.iter_pairs())
    assert [(p.tgt, p.origin) for p in pairs] == [
        ("The weather is nice today.", "edited"), ("Let's go to the park.", "aligned")
    ]  # fmt: skip


def test_units_matched_by_text_cost_one_read_of_their_document(tmp_path):
    """An XLIFF from another copy of the store (bead ids that do not match here) finds its
    beads by document and source text: one read of each document, not a scan per unit
    (20,000 units into a 100,000-pair store took over five minutes)."""
    db, xlf = tmp_path / "c.db", tmp_path / "d.xlf"
    pairs = [Pair(f"第{i}句。", f"Sentence {i}.", document="d.txt") for i in range(300)]
    with Store.open(db) as store:
        store.add_pairs([Pair("别的。", "Other.")], source="e.tmx", checksum="y")
        store.add_pairs(pairs, source="d.tmx", checksum="x")  # bead ids 2…301
    # unit ids 1…300 (another store's bead ids)
    write_pairs([Pair(p.src, p.tgt.upper(), document="d.txt") for p in pairs], str(xlf))
    with Store.open(db) as store:
        statements: list[str] = []
        store._conn.set_trace_callback(statements.append)
        counts, unmatched = store.apply_translations(read_pairs(str(xlf)))
        store._conn.set_trace_callback(None)
        assert (counts["matched"], counts["edited"], list(unmatched)) == (300, 300, [])
        assert [p.tgt for p in store.iter_pairs()][1:] == [p.tgt.upper() for p in pairs]
    scans = [s for s in statements if "FROM beads WHERE document_id" in s]
    assert len(scans) <= 2


def test_units_from_elsewhere_are_added_as_pairs(tmp_path, cli):
    path = tmp_path / "other.xlf"
    path.write_text(
        '<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2">'
        '<file original="x.html" datatype="html" source-language="zh" target-language="en">'
        '<body><trans-unit id="t1"><source>你好<g id="1">世界</g></source>'
        '<target state="translated">Hello <g id="1">world</g></target></trans-unit>'
        '<trans-unit id="t2"><source>未翻译</source></trans-unit>'
        '<trans-unit id="t3"><source>照抄</source><target>照抄</target></trans-unit>'
        "</body></file></xliff>",
        encoding="utf-8",
    )
    status, _, err = cli("import", path, "--store", tmp_path / "c.db")
    assert status == 0, err
    assert "1 other pair added" in err and "2 units without a translation skipped" in err
    with Store.open(tmp_path / "c.db", readonly=True) as store:
        (pair,) = store.iter_pairs()
    assert (pair.src, pair.tgt, pair.origin) == ("你好世界", "Hello world", "human")


def test_an_xliff_imported_again_puts_its_targets_onto_the_pairs_it_added(tmp_path, cli):
    path, db = tmp_path / "other.xlf", tmp_path / "c.db"
    unit = '<trans-unit id="t1"><source>你好</source><target>{}</target></trans-unit>'
    for target in ("Hello", "Hello", "Hi"):
        path.write_text(
            '<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2">'
            '<file original="x.html" datatype="html" source-language="zh" '
            f'target-language="en"><body>{unit.format(target)}</body></file></xliff>',
            encoding="utf-8",
        )
        status, _, err = cli("import", path, "--store", db)
        assert status == 0, err
    with Store.open(db, readonly=True) as store:
        (pair,) = store.iter_pairs()
    assert (pair.src, pair.tgt, pair.origin) == ("你好", "Hi", "edited")


def _edited_xliff(tmp_path) -> tuple[Path, Path, list[Pair]]:
    """A store holding d.txt, and an XLIFF of two units onto it (one edited) among 2,400 from
    x.txt and y.txt, which it does not hold (more than one block of the spilled unmatched)."""
    db, xlf = tmp_path / "c.db", tmp_path / "d.xlf"
    with Store.open(db) as store:
        store.add_pairs(
            [
                Pair("第一句。", "One.", document="d.txt"),
                Pair("第二句。", "Two.", document="d.txt"),
            ],
            source="d.tmx",
            checksum="x",
        )
        first, second = (p.id for p in store.iter_pairs())
    others = [
        Pair(f"别处第{i}句。", f"Elsewhere {i}.", document="xy"[i % 2] + ".txt", id=f"u{i}")
        for i in range(2400)
    ]
    units = [Pair("第一句。", "The first one.", id=str(first), document="d.txt")]
    units += others[:1200] + [Pair("第二句。", "Two.", id=str(second), document="d.txt")]
    units += others[1200:]
    write_pairs(units, str(xlf))
    return db, xlf, others


def test_unmatched_units_come_back_in_order_as_pairs_of_their_documents(tmp_path):
    from duiyi.export.imports import import_files

    db, xlf, others = _edited_xliff(tmp_path)
    read = [p for p in read_pairs(str(xlf)) if p.document != "d.txt"]
    with Store.open(db) as store:
        (result,) = import_files(xlf, store)
        stored = list(store.iter_pairs())
    assert (result.pairs, result.documents) == (2400, 2)
    assert result.matched == dict(matched=2, edited=1, human=0, approved=0, unchanged=1)
    assert [p.tgt for p in stored[:2]] == ["The first one.", "Two."]
    by_document = sorted(read, key=lambda p: p.document)  # stable: each document in order
    assert [(p.src, p.tgt, p.document) for p in stored[2:]] == [
        (p.src, p.tgt, p.document) for p in by_document
    ]
    assert [p.src for p in read] == [p.src for p in others]


def test_a_failed_xliff_import_adds_and_leaves_nothing(tmp_path):
    from duiyi.export.imports import import_files

    db, xlf, _ = _edited_xliff(tmp_path)
    bad = tmp_path / "bad.xlf"
    bad.write_bytes(xlf.read_bytes()[:-200])  # cut short: fails after its first units
    with Store.open(db) as store:
        before = [vars(p) for p in store.iter_pairs()]
        with pytest.raises(FormatError):
            import_files([xlf, bad], store)
        assert [vars(p) for p in store.iter_pairs()] == before
        with pytest.raises(FormatError):
            import_files(bad, store)
        assert [vars(p) for p in store.iter_pairs()] == before
        (result,) = import_files(xlf, store)  # nothing the failed ones spilled comes back
    assert result.pairs == 2400


def test_unmatched_units_are_not_held_in_memory(tmp_path):
    """Each unmatched unit is let go before the next is read (an XLIFF may hold millions)."""
    import weakref

    db, xlf, others = _edited_xliff(tmp_path)
    alive: list[int] = []

    def units():
        refs = []
        for pair in read_pairs(str(xlf)):
            refs.append(weakref.ref(pair))
            yield pair
            del pair
            alive.append(sum(ref() is not None for ref in refs))

    with Store.open(db) as store:
        counts, unmatched = store.apply_translations(units())
        assert max(alive) <= 1  # the one being matched
        assert [(p.src, p.tgt) for p in unmatched] == [(p.src, p.tgt) for p in others]
    assert counts["matched"] == 2


def _xliff2(segments: str) -> str:
    return (
        '<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="zh" '
        f'trgLang="en"><file id="f1"><unit id="u1">{segments}</unit></file></xliff>'
    )


def test_xliff2_units_keep_the_ignorable_text_between_segments(tmp_path):
    path = tmp_path / "two.xlf"
    path.write_text(
        _xliff2(
            "<segment><source>第一。</source><target>One.</target></segment>"
            "<ignorable><source> </source></ignorable>"
            "<segment><source>第二。</source><target>two</target></segment>"
            "<ignorable><source>\n</source><target> / </target></ignorable>"
            "<segment><source>第三。</source><target>three</target></segment>"
        ),
        encoding="utf-8",
    )
    (pair,) = XliffReader(str(path))
    assert (pair.src, pair.tgt) == ("第一。 第二。\n第三。", "One. two / three")


@pytest.mark.parametrize("fmt", ["xliff", "xliff2"])
def test_xliff_in_other_languages_is_refused_as_tmx_is(tmp_path, cli, fmt):
    path = tmp_path / "frde.xlf"
    write_pairs(PAIRS, str(path), fmt, src_lang="fr-FR", tgt_lang="de-DE")
    with pytest.raises(FormatError, match=r"languages found: fr-FR, de-DE\); name the pair"):
        list(read_pairs(str(path)))
    status, _, err = cli("import", path, "--store", tmp_path / "c.db")
    assert status == 1 and "not zh into en" in err and "--src-lang/--tgt-lang" in err
    assert len(list(read_pairs(str(path), src_lang="fr", tgt_lang="de"))) == len(PAIRS)
    (tmp_path / "zh.xlf").write_bytes(path.read_bytes().replace(b"fr-FR", b"zh-TW"))
    with pytest.raises(FormatError, match=r"translates zh-TW into de-DE, not zh into en"):
        list(read_pairs(str(tmp_path / "zh.xlf")))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<tmx version='1.4'/>", "root element is <tmx>, not XLIFF <xliff>: use -f tmx"),
        (b"<xliff version='1.2'/>", "not an XLIFF 1.2/2.x file"),
        (b"<xliff xmlns='urn:oasis:names:tc:xliff:document:1.2'><file>", "not well-formed"),
        (b"<!DOCTYPE x [<!ENTITY a 'b'>]><xliff/>", "declares XML entities"),
        (  # UTF-16: the declaration is not in the bytes as ASCII
            "\ufeff<!DOCTYPE xliff [<!ENTITY a 'b'>]><xliff version='1.2' xmlns="
            "'urn:oasis:names:tc:xliff:document:1.2'/>".encode("utf-16-le"),
            "declares XML entities",
        ),
    ],
)
def test_bad_xliff_is_one_clear_error(tmp_path, cli, content, message):
    path = tmp_path / "bad.xlf"
    path.write_bytes(content)
    with pytest.raises(FormatError, match=message):
        list(XliffReader(str(path)))
    status, _, err = cli("import", path, "--store", tmp_path / "c.db")
    assert status == 1 and message in err and len(err.strip().splitlines()) == 1


@pytest.mark.omegat
def test_omegat_opens_our_xliff_as_a_source_file(tmp_path):
    """OmegaT's XLIFF filter takes the file: one segment per unit, and the translated file it
    writes is XLIFF duiyi reads back. (OmegaT 3.6 segments the `<target>` text, the Okapi
    convention of a target pre-filled with the source: the README says so.)"""
    omegat = require_tool("omegat")
    from test_omegat import make_project, run_omegat

    project = make_project(tmp_path)
    pairs = [p for p in PAIRS if "\x01" not in p.tgt]
    write_pairs(pairs, str(project / "source" / "doc.xlf"), "xliff")
    run_omegat(omegat, project, tmp_path)
    stats = (project / "omegat" / "project_stats.txt").read_text(encoding="utf-8")
    row = next(line for line in stats.splitlines() if line.startswith("doc.xlf"))
    assert row.split("\t")[1].strip() == str(len(pairs))  # total segments: one per unit
    back = list(XliffReader(str(project / "target" / "doc.xlf")))
    assert [p.src for p in back] == [p.src for p in pairs]


def test_each_file_of_an_xliff_in_both_chinese_variants_keeps_its_tags(tmp_path, cli):
    memory = tmp_path / "job.xlf"
    memory.write_text(
        '<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">'
        + "".join(
            f'<file original="{name}" source-language="{tag}" target-language="en-GB" '
            f'datatype="plaintext"><body><trans-unit id="1"><source>{src}</source>'
            "<target>Text.</target></trans-unit></body></file>"
            for name, tag, src in (("a", "zh-TW", "繁體。"), ("b", "zh-CN", "简体。"))
        )
        + "</xliff>",
        encoding="utf-8",
    )
    store = tmp_path / "c.db"
    assert cli("import", memory, "--store", store)[0] == 0
    with Store.open(store, readonly=True) as s:  # each document tagged as its <file> was
        names = {n: i for i, n in s.document_names().items()}
        assert s.document_languages() == {
            names["a"]: ("zh-TW", "en-GB"),
            names["b"]: ("zh-CN", "en-GB"),
        }
        assert s.language_tags() == ("zh", "en-GB")
    out = tmp_path / "out.xlf"
    for args, tags in (
        ((), [("zh-TW", "en-GB"), ("zh-CN", "en-GB")]),
        (("--src-lang", "zh-HK"), [("zh-HK", "en-GB")] * 2),  # a tag asked for wins
        (("--tgt-lang", "en-US"), [("zh-TW", "en-US"), ("zh-CN", "en-US")]),
    ):
        status, _, err = cli("export", store, "-o", out, *args)
        assert status == 0, err
        tree = etree.parse(str(out))
        files = tree.getroot().findall("{urn:oasis:names:tc:xliff:document:1.2}file")
        assert [(f.get("source-language"), f.get("target-language")) for f in files] == tags
        xsd = schema("xliff")
        assert xsd.validate(tree), xsd.error_log
    # XLIFF 2 tags the whole file: what the documents' tags share
    status, text, err = cli("export", store, "-f", "xliff2")
    assert status == 0, err
    assert 'srcLang="zh"' in text and 'trgLang="en-GB"' in text
    # TMX tags each unit: as its <file> was
    status, text, err = cli("export", store, "-f", "tmx")
    assert status == 0, err
    assert re.findall(r'<tuv xml:lang="([^"]*)">', text) == ["zh-TW", "en-GB", "zh-CN", "en-GB"]
