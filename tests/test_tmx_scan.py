"""The fast TMX paths against lxml: the string serializer and the canonical-unit reader.

Both are differential tests: whatever the input, the fast code must give exactly what lxml
gives (the same bytes written; the same pairs, counts and errors read).
"""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from duiyi.corpus.model import Pair
from duiyi.errors import FormatError
from duiyi.export import tmx as tmx_module
from duiyi.export.base import xml_safe
from duiyi.export.tmx import TmxReader, write_tmx, xml_attr, xml_text

DATE = "20260102T030405Z"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

any_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)
tricky = st.sampled_from(
    ["&", "<", ">", "]]>", '"', "'", "\r", "\r\n", "\t", "\n", "\x00", "\x1f", "\ufffe", "\uffff"]
    + ["\ud800", "😀", "𠀀", "&amp;", "&#0;", "&lt;", " ", "\u3000", "\x85", "\u2028"]
)
texts = st.lists(st.one_of(any_text, tricky), max_size=6).map("".join)
# stored dates, and what is no date (written as none)
dates = st.sampled_from(["", "2025-03-04T05:06:07Z", "1999-12-31T23:59:59Z", "yesterday"])


def tmx_bytes(pairs, **kwargs) -> bytes:
    out = io.BytesIO()
    write_tmx(pairs, out, date=DATE, **kwargs)
    return out.getvalue()


# --- writer: the string serializer against lxml --------------------------------------------


NOT_PROPS = {"x-score", "x-bead", "x-origin", "x-document", "x-status"}
NOT_PROPS |= {"creationid", "notes", "engine", "signature", "state", "unit"}


def tmx_date(iso: str) -> str:
    return iso.replace("-", "").replace(":", "") if re.fullmatch(r"\d{4}-.*Z", iso) else ""


def lxml_tu(pair: Pair, n: int, src_lang: str, tgt_lang: str) -> bytes:
    """The `<tu>` lxml serializes for `pair`: the reference for the string serializer."""
    tu = etree.Element("tu", tuid=xml_safe(pair.id) if pair.id else str(n))
    tu.set("creationdate", tmx_date(pair.created) or DATE)
    meta = pair.meta
    if meta.get("creationid"):
        tu.set("creationid", xml_safe(meta["creationid"]))
    if tmx_date(pair.changed):
        tu.set("changedate", tmx_date(pair.changed))
    if pair.changed_by:
        tu.set("changeid", xml_safe(pair.changed_by))
    props = [("x-score", repr(float(pair.score)))] if pair.score is not None else []
    props += [("x-bead", pair.bead), ("x-origin", pair.origin)]
    props += [("x-document", pair.document)] if pair.document else []
    props += [("x-status", pair.status)]
    props += [(k, v) for k, v in meta.items() if k not in NOT_PROPS]
    for kind, value in props:
        etree.SubElement(tu, "prop", type=xml_safe(kind)).text = xml_safe(value)
    for note in meta.get("notes", []):
        etree.SubElement(tu, "note").text = xml_safe(note)
    for lang, text in ((src_lang, pair.src), (tgt_lang, pair.tgt)):
        tuv = etree.SubElement(tu, "tuv", {XML_LANG: lang})
        etree.SubElement(tuv, "seg").text = xml_safe(text)
    return etree.tostring(tu, encoding="utf-8") + b"\n"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.builds(
            Pair,
            src=texts,
            tgt=texts,
            score=st.one_of(st.none(), st.floats(allow_nan=False)),
            bead=texts,
            origin=texts,
            document=texts,
            status=texts,
            id=st.one_of(st.none(), texts),
            meta=st.builds(
                lambda known, other: {**known, **other},
                st.fixed_dictionaries(
                    {},
                    optional={
                        "creationid": texts,
                        "notes": st.lists(texts, max_size=2),
                        "engine": texts,  # duiyi's own: no prop
                    },
                ),
                st.dictionaries(texts.filter(lambda k: k not in NOT_PROPS), texts, max_size=2),
            ),
            created=dates,
            changed=dates,
            changed_by=texts,
        ),
        max_size=4,
    )
)
def test_string_serializer_writes_the_bytes_lxml_writes(pairs):
    data = tmx_bytes(pairs)
    units = data[data.index(b"<body>\n") + 7 : data.rindex(b"</body>")]
    assert units == b"".join(lxml_tu(p, i, "zh-CN", "en-US") for i, p in enumerate(pairs, 1))
    # ... and the whole file parses to the tree lxml would have built.
    root = etree.fromstring(data)
    assert len(root.findall("body/tu")) == len(pairs)


@given(texts)
def test_escaped_text_and_attributes_parse_back_to_the_safe_text(text):
    element = etree.fromstring(f'<e a="{xml_attr(text)}">{xml_text(text)}</e>'.encode())
    assert element.get("a") == xml_safe(text)
    assert (element.text or "") == xml_safe(text)


# --- reader: the canonical-unit fast path against lxml alone ---------------------------------


def read_outcome(path: Path, *, fast: bool, monkeypatch) -> tuple:
    """Everything a reader reports for `path`: pairs with all fields, counts, or the error."""
    with monkeypatch.context() as patch:
        if not fast:
            # check_prolog saying "not plain" keeps the fast path off: lxml reads everything.
            original = tmx_module.check_prolog
            patch.setattr(tmx_module, "check_prolog", lambda p: original(p) and False)
        reader = TmxReader(path)
        try:
            pairs = [
                (p.src, p.tgt, p.score, p.bead, p.origin, p.document, p.status, p.id, p.meta)
                + (p.src_lang, p.tgt_lang, p.created, p.changed, p.changed_by)
                for p in reader
            ]
            return ("ok", pairs, reader.skipped, dict(reader.langs), reader.header)
        except FormatError as exc:
            return ("error", str(exc))


def assert_same_reading(tmp_path: Path, data: bytes, monkeypatch) -> tuple:
    path = tmp_path / "in.tmx"
    path.write_bytes(data)
    fast = read_outcome(path, fast=True, monkeypatch=monkeypatch)
    slow = read_outcome(path, fast=False, monkeypatch=monkeypatch)
    assert fast == slow
    return fast


PAIRS = [
    Pair(
        "今天天气很好。",
        "The weather is nice today.",
        0.91,
        "1-1",
        "mt",
        "a.txt",
        "approved",
        meta={"creationid": "bob"},
        created="2025-03-04T05:06:07Z",
        changed="2026-01-02T03:04:05Z",
        changed_by="ann",
    ),
    Pair("他说：“A & B <c> ]]>”", 'He said: "A & B"', None, "2-1", "aligned", "a.txt", id="x7"),
    Pair("表情😀和𠀀字\t制表", "emoji 😀\ttab", 0.5, "1-2", "odd-origin", "", "odd-status"),
]


@pytest.mark.parametrize("shape", ["duiyi", "pretty", "plain", "pretty plain"])
def test_fast_path_reads_duiyi_files_as_lxml_does(tmp_path, monkeypatch, shape):
    data = tmx_bytes(PAIRS * 300)
    data = plain_units(data) if "plain" in shape else data
    data = pretty(data) if "pretty" in shape else data
    outcome = assert_same_reading(tmp_path, data, monkeypatch)
    assert outcome[0] == "ok" and len(outcome[1]) == 900


def test_fast_path_is_used_for_duiyi_files(tmp_path, monkeypatch):
    path = tmp_path / "in.tmx"
    path.write_bytes(tmx_bytes(PAIRS * 50))
    calls = []
    original = TmxReader._pair
    monkeypatch.setattr(TmxReader, "_pair", lambda self, tu: calls.append(1) or original(self, tu))
    assert len(list(TmxReader(path))) == 150
    assert calls == []  # lxml built no unit


def test_units_tagged_on_their_own_take_the_fast_path_and_keep_their_tags(tmp_path, monkeypatch):
    # a store's pairs from a file mixing zh-CN and zh-TW units: srclang on the units whose
    # source is not the header's
    mixed = [
        dataclasses.replace(p, src_lang=tag, tgt_lang="en-GB")
        for p, tag in zip(PAIRS, ("zh-CN", "zh-TW", "zh-HK"), strict=True)
    ]
    data = tmx_bytes(mixed * 50, src_lang="zh", tgt_lang="en-GB")
    assert data.count(b' srclang="zh-TW">') == 50
    outcome = assert_same_reading(tmp_path, data, monkeypatch)
    assert [p[9:11] for p in outcome[1][:3]] == [
        ("zh-CN", "en-GB"),
        ("zh-TW", "en-GB"),
        ("zh-HK", "en-GB"),
    ]
    path = tmp_path / "in.tmx"
    calls = []
    original = TmxReader._pair
    monkeypatch.setattr(TmxReader, "_pair", lambda self, tu: calls.append(1) or original(self, tu))
    assert len(list(TmxReader(path))) == 150
    assert calls == []  # lxml built no unit


UNIT = (
    '<tu tuid="9" creationdate="20260102T030405Z"><prop type="x-bead">1-1</prop>'
    '<prop type="x-origin">mt</prop><prop type="x-status">pending</prop>'
    '<tuv xml:lang="zh-CN"><seg>注释里的</seg></tuv><tuv xml:lang="en-US"><seg>in a comment</seg>'
    "</tuv></tu>"
)
UNIT_WITH_NOTE = UNIT.replace("<tuv", "<note>a note</note><tuv", 1)
# Snippets that a fast path reading bytes could get wrong; inserted between, or into, units.
SNIPPETS: list[str | bytes] = [
    f"<!-- {UNIT} -->",
    f"<tu/><!-- </tu>{UNIT} -->",
    f"<tu></tu ><!-- </tu>{UNIT} -->",
    f'<tu><prop type="a">b</prop></tu ><!-- </tu>{UNIT} -->',
    f"<![CDATA[{UNIT}]]>",
    f"<?pi {UNIT} ?>",
    '<tu><tuv xml:lang="zh"><seg>甲<ph>x</ph>乙</seg></tuv><tuv lang="en"><seg>a<bpt i="1">&lt;b&gt;</bpt>b</seg></tuv></tu>',
    '<tu tuid="r"><tuv xml:lang="en-US"><seg>reversed</seg></tuv><tuv xml:lang="zh-CN"><seg>反</seg></tuv></tu>',
    '<tu tuid="d"><tuv xml:lang="de"><seg>nur</seg></tuv><tuv xml:lang="en"><seg>only</seg></tuv></tu>',
    "&#0;",
    "&#xFFFE;",
    "&#13;",
    "\r\n",
    "\r",
    "\ufffe",
    "\x00",
    "\x0b",
    "&bogus;",
    "&amp;",
    "]]>",
    ">",
    "<",
    "&",
    '"',
    "</tu>",
    "<tu>",
    "</body>",
    "<body>",
    "</seg>",
    " ",
    "\t",
    b"\xff\xfe",  # not UTF-8
    b"\xc3",
    "😀",
    "\u3000",
]


def raw(snippet: str | bytes) -> bytes:
    return snippet if isinstance(snippet, bytes) else snippet.encode("utf-8")


def pretty(data: bytes) -> bytes:
    """The same TMX indented, as translate-toolkit and others write it."""
    root = etree.fromstring(data, etree.XMLParser(remove_blank_text=True))
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="utf-8")


def plain_units(data: bytes) -> bytes:
    """The same TMX without tuid, creationdate and props."""
    root = etree.fromstring(data)
    for tu in root.iter("tu"):
        tu.attrib.clear()
        for prop in tu.findall("prop"):
            tu.remove(prop)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


BASES = {
    "duiyi": lambda: tmx_bytes(PAIRS * 3, signature="s"),
    "pretty": lambda: pretty(tmx_bytes(PAIRS * 3)),
    "plain": lambda: pretty(plain_units(tmx_bytes(PAIRS * 3))),
}


def test_translate_toolkit_files_take_the_fast_path_and_read_the_same(tmp_path, monkeypatch):
    tmx = pytest.importorskip("translate.storage.tmx")
    store = tmx.tmxfile(sourcelanguage="zh-CN", targetlanguage="en-US")
    for pair in PAIRS * 20:
        store.addsourceunit(pair.src).target = pair.tgt
    out = io.BytesIO()
    store.serialize(out)
    outcome = assert_same_reading(tmp_path, out.getvalue(), monkeypatch)
    assert [p[:2] for p in outcome[1]] == [(p.src, p.tgt) for p in PAIRS * 20]
    calls = []
    original = TmxReader._pair
    monkeypatch.setattr(TmxReader, "_pair", lambda self, tu: calls.append(1) or original(self, tu))
    assert len(list(TmxReader(tmp_path / "in.tmx"))) == 60 and calls == []


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.sampled_from(sorted(BASES)),
    st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(SNIPPETS)), max_size=3),
)
def test_fast_path_matches_lxml_on_damaged_files(tmp_path, monkeypatch, base, edits):
    """Random snippets inserted anywhere in a TMX: the same pairs or the same error."""
    data = BASES[base]()
    for where, snippet in edits:
        at = where % (len(data) + 1)
        data = data[:at] + raw(snippet) + data[at:]
    assert_same_reading(tmp_path, data, monkeypatch)


@pytest.mark.parametrize("snippet", SNIPPETS)
def test_fast_path_matches_lxml_for_each_snippet_between_units(tmp_path, monkeypatch, snippet):
    data = tmx_bytes(PAIRS * 2)
    cut = data.index(b"<tu ", data.index(b"<tu ") + 1)  # between the first two units
    data = data[:cut] + raw(snippet) + data[cut:]
    assert_same_reading(tmp_path, data, monkeypatch)


@pytest.mark.parametrize("snippet", SNIPPETS)
def test_fast_path_matches_lxml_for_each_snippet_inside_a_text(tmp_path, monkeypatch, snippet):
    data = tmx_bytes(PAIRS * 2)
    cut = data.index("天气".encode())
    data = data[:cut] + raw(snippet) + data[cut:]
    assert_same_reading(tmp_path, data, monkeypatch)


def test_user_names_with_references_take_the_fast_path(tmp_path, monkeypatch):
    """Trados writes `changeid="a &gt; b"`; so does duiyi for such a reviewer."""
    odd = Pair("甲", "a", None, meta={"creationid": 'x & "y"'}, changed_by="a > b\tc")
    path = tmp_path / "in.tmx"
    path.write_bytes(tmx_bytes(PAIRS * 2 + [odd] + PAIRS * 2))
    assert b'changeid="a &gt; b&#9;c"' in path.read_bytes()
    outcome = assert_same_reading(tmp_path, path.read_bytes(), monkeypatch)
    assert outcome[1][6][8] == {"creationid": 'x & "y"'} and outcome[1][6][-1] == "a > b\tc"
    calls = []
    original = TmxReader._pair
    monkeypatch.setattr(TmxReader, "_pair", lambda self, tu: calls.append(1) or original(self, tu))
    assert len(list(TmxReader(path))) == 13 and calls == []


@pytest.mark.parametrize("unit", [UNIT_WITH_NOTE, UNIT.replace('tuid="9"', 'x="&gt;" tuid="9"')])
def test_a_unit_lxml_reads_costs_only_itself(tmp_path, monkeypatch, unit):
    """After a unit in another shape, the fast path takes over again."""
    data = tmx_bytes(PAIRS * 20)
    cut = data.index(b"<tu ", len(data) // 2)
    path = tmp_path / "in.tmx"
    path.write_bytes(data[:cut] + unit.encode() + b"\n" + data[cut:])
    calls = []
    original = TmxReader._pair
    monkeypatch.setattr(
        TmxReader, "_pair", lambda self, tu: calls.append(tu.get("tuid")) or original(self, tu)
    )
    assert len(list(TmxReader(path))) == 61
    assert calls == ["9"]
    assert_same_reading(tmp_path, path.read_bytes(), monkeypatch)


def test_commented_out_units_are_not_read(tmp_path, monkeypatch):
    data = tmx_bytes(PAIRS)
    cut = data.index(b"<tu ")
    data = data[:cut] + f"<tu/><!-- </tu>\n{UNIT}\n -->".encode() + data[cut:]
    outcome = assert_same_reading(tmp_path, data, monkeypatch)
    assert outcome[0] == "ok" and "注释里的" not in str(outcome[1])


def test_a_body_tag_in_a_comment_is_not_the_body(tmp_path, monkeypatch):
    data = tmx_bytes(PAIRS).replace(b"<body>", f"<body ><!-- <body>{UNIT} -->".encode())
    outcome = assert_same_reading(tmp_path, data, monkeypatch)
    assert outcome[0] == "ok" and len(outcome[1]) == 3


@pytest.mark.parametrize(
    "prolog",
    [
        "<?xml version='1.0' encoding='iso-8859-1'?>",  # not UTF-8: lxml reads all
        '<?xml version="1.0"?>\n<!DOCTYPE tmx [ <!ATTLIST tuv note CDATA "x"> ]>',
        "",
    ],
)
def test_prologs_that_keep_the_fast_path_off_read_the_same(tmp_path, monkeypatch, prolog):
    data = tmx_bytes([Pair("abc", "def", 0.5)])
    body = data[data.index(b"<tmx") :]
    assert_same_reading(tmp_path, prolog.encode() + b"\n" + body, monkeypatch)


def test_namespaced_tmx_reads_the_same(tmp_path, monkeypatch):
    data = tmx_bytes(PAIRS).replace(b'<tmx version="1.4">', b'<tmx version="1.4" xmlns="urn:x">')
    assert_same_reading(tmp_path, data, monkeypatch)


def test_truncated_file_names_the_same_line_as_lxml(tmp_path, monkeypatch):
    data = tmx_bytes(PAIRS * 100)
    outcome = assert_same_reading(tmp_path, data[: len(data) // 2], monkeypatch)
    assert outcome[0] == "error" and "line " in outcome[1]


def test_units_across_window_boundaries(tmp_path, monkeypatch):
    monkeypatch.setattr(tmx_module, "_WINDOW", 97)  # cuts units everywhere
    outcome = assert_same_reading(tmp_path, tmx_bytes(PAIRS * 20), monkeypatch)
    assert len(outcome[1]) == 60
