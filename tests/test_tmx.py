"""TMX 1.4b: the writer's conformance, the reader's tolerance, round trips and hostile files."""

from __future__ import annotations

import codecs
import http.server
import io
import re
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from duiyi.corpus.model import Pair
from duiyi.errors import FormatError
from duiyi.export import read_pairs, write_pairs
from duiyi.export import tmx as tmx_module
from duiyi.export.base import xml_safe
from duiyi.export.tmx import TmxReader, write_tmx

ROOT = Path(__file__).resolve().parent.parent
DTD_PATH = ROOT.parent / "shared" / "formats" / "tmx14.dtd"

PAIRS = [
    Pair("今天天气很好。", "The weather is nice today.", 0.91, "1-1", "mt", "a.txt", "approved"),
    Pair("他说：“A & B <c> ]]>”", 'He said: "A & B <c> ]]>"', None, "2-1", "aligned", "a.txt"),
    Pair("表情😀和𠀀𪚥字\t制表", "emoji 😀 and rare 𠀀𪚥\ttab", 0.5, "1-2", "human", "b.txt"),
]


def tmx_bytes(pairs, **kwargs) -> bytes:
    out = io.BytesIO()
    write_tmx(pairs, out, date="20260102T030405Z", **kwargs)
    return out.getvalue()


def write_file(tmp_path: Path, data: bytes | str, name: str = "in.tmx") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# --- writer --------------------------------------------------------------------------------


def test_output_validates_against_the_tmx14_dtd(tmp_path):
    if not DTD_PATH.exists():
        pytest.fail(f"{DTD_PATH} is missing: the TMX DTD must be in ../shared/formats")
    dtd = etree.DTD(str(DTD_PATH))
    path = write_file(tmp_path, tmx_bytes(PAIRS, signature="opencc:t2s|duiyi:0.1.0"))
    tree = etree.parse(str(path))
    assert dtd.validate(tree), dtd.error_log.filter_from_errors()


def test_header_attributes_languages_props_and_dates(tmp_path):
    data = tmx_bytes(PAIRS, src_lang="zh-TW", tgt_lang="en-GB", signature="mt:argos|duiyi:0.1.0")
    assert not data.startswith(codecs.BOM_UTF8)
    root = etree.fromstring(data)
    header = root.find("header")
    for attr in ("creationtool", "creationtoolversion", "segtype", "o-tmf", "adminlang"):
        assert header.get(attr)
    assert header.get("srclang") == "zh-TW" and header.get("datatype") == "plaintext"
    assert re.fullmatch(r"\d{8}T\d{6}Z", header.get("creationdate"))
    assert header.find("prop[@type='x-signature']").text == "mt:argos|duiyi:0.1.0"
    tus = root.findall("body/tu")
    assert [tu.get("tuid") for tu in tus] == ["1", "2", "3"]
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    assert [tuv.get(lang) for tuv in tus[0].findall("tuv")] == ["zh-TW", "en-GB"]
    props = {p.get("type"): p.text for p in tus[0].findall("prop")}
    assert props == {
        "x-score": "0.91",
        "x-bead": "1-1",
        "x-origin": "mt",
        "x-document": "a.txt",
        "x-status": "approved",
    }
    assert "x-score" not in {p.get("type") for p in tus[1].findall("prop")}


def test_characters_xml_forbids_are_stripped():
    dirty = "a\x00b\x01c\x0bd\ufffee\uffff f\ud800g\tok\n"
    data = tmx_bytes([Pair(dirty, "clean\x1f")])
    pair = next(iter(_read_bytes(data)))
    assert pair.src == "abcde fg\tok\n" and pair.tgt == "clean"


def test_gloss_pairs_are_left_out_unless_asked(tmp_path):
    pairs = [Pair("词", "word (gloss)", origin="gloss"), Pair("句子。", "A sentence.", origin="mt")]
    path = tmp_path / "g.tmx"
    assert write_pairs(pairs, str(path)) == 1
    assert [p.tgt for p in read_pairs(str(path))] == ["A sentence."]
    assert write_pairs(pairs, str(path), include_gloss=True) == 2


def _read_bytes(data: bytes, **kwargs):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.tmx"
        path.write_bytes(data)
        return list(TmxReader(path, **kwargs))


# --- round trips ---------------------------------------------------------------------------

text_strategy = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
    min_size=1,
    max_size=40,
).filter(lambda t: xml_safe(t).strip() != "")
specials = st.sampled_from(
    ["&", "<", ">", "]]>", "😀", "𠀀", "𪚥", "\t", '"', "'", "\r\n", "&amp;"]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(text_strategy, text_strategy, specials), min_size=1, max_size=5))
def test_write_read_write_is_identical(items):
    pairs = [Pair(xml_safe(a) + s, xml_safe(b) + s, score=0.5) for a, b, s in items]
    first = tmx_bytes(pairs)
    read = _read_bytes(first)
    assert [(p.src, p.tgt) for p in read] == [(p.src, p.tgt) for p in pairs]
    assert tmx_bytes(read) == first


def test_metadata_survives_a_round_trip():
    read = _read_bytes(tmx_bytes(PAIRS))
    assert [(p.score, p.bead, p.origin, p.document, p.status) for p in read] == [
        (p.score, p.bead, p.origin, p.document, p.status) for p in PAIRS
    ]


def test_translate_toolkit_reads_the_same_pairs(tmp_path):
    tmx = pytest.importorskip("translate.storage.tmx")
    path = write_file(tmp_path, tmx_bytes(PAIRS))
    store = tmx.tmxfile.parsefile(str(path))
    assert [(u.source, u.target) for u in store.units] == [(p.src, p.tgt) for p in PAIRS]


OMEGAT_UNIT = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header creationtool="OmegaT" creationtoolversion="3.6" segtype="sentence"
o-tmf="OmegaT TMX" adminlang="EN-US" srclang="zh-CN" datatype="plaintext"/><body>
<tu creationid="bob" creationdate="20240506T070809Z" changeid="ann" changedate="20250102T030405Z">
  <note>Check the client's glossary.</note><prop type="file">guide.html</prop>
  <note>Second note &amp; more.</note>
  <tuv xml:lang="zh-CN"><seg>点击<ph x="1"/> 这里 <ph x="2"/> 继续</seg></tuv>
  <tuv xml:lang="en-US"><seg>Click <ph x="1"/> here <ph x="2"/> to go on</seg></tuv>
</tu></body></tmx>
"""


def test_dates_users_notes_and_other_tools_props_survive_a_round_trip(tmp_path):
    from duiyi.corpus.store import Store
    from duiyi.export.exports import export_store

    with Store.open(tmp_path / "c.db") as store:
        store.add_pairs(
            TmxReader(write_file(tmp_path, OMEGAT_UNIT, "project_save.tmx")),
            source="project_save.tmx",
            checksum="x",
        )
        (bead,) = store.list_beads().beads
        assert (bead.created_at, bead.updated_at, bead.updated_by) == (
            "2024-05-06T07:08:09Z",
            "2025-01-02T03:04:05Z",
            "ann",
        )
        export_store(store, tmp_path / "out.tmx")
        store.update_bead(bead.id, expected_version=1, status="approved", reviewer="cy")
        changed = store.get_bead(bead.id).updated_at
        export_store(store, tmp_path / "reviewed.tmx")
    for name in ("out.tmx", "reviewed.tmx"):
        tree = etree.parse(str(tmp_path / name))
        assert etree.DTD(str(DTD_PATH)).validate(tree), name
    (tu,) = etree.parse(str(tmp_path / "out.tmx")).iter("tu")
    assert {k: v for k, v in tu.attrib.items() if k != "tuid"} == {
        "creationdate": "20240506T070809Z",
        "creationid": "bob",
        "changedate": "20250102T030405Z",
        "changeid": "ann",
    }
    assert [(p.get("type"), p.text) for p in tu.iter("prop")][-1] == ("file", "guide.html")
    notes = ["Check the client's glossary.", "Second note & more."]
    assert [n.text for n in tu.iter("note")] == notes
    (tu,) = etree.parse(str(tmp_path / "reviewed.tmx")).iter("tu")
    assert (tu.get("changeid"), tu.get("changedate")) == (
        "cy",
        changed.replace("-", "").replace(":", ""),
    )
    # read back by duiyi, and by translate-toolkit
    (pair,) = TmxReader(tmp_path / "out.tmx")
    assert (pair.created, pair.changed, pair.changed_by) == (
        "2024-05-06T07:08:09Z",
        "2025-01-02T03:04:05Z",
        "ann",
    )
    codes = ['点击<ph x="1"/> 这里 <ph x="2"/> 继续', 'Click <ph x="1"/> here <ph x="2"/> to go on']
    assert pair.meta == {
        "file": "guide.html",
        "creationid": "bob",
        "notes": notes,
        "inline_codes": codes,
    }
    tmx = pytest.importorskip("translate.storage.tmx")
    (unit,) = tmx.tmxfile.parsefile(str(tmp_path / "out.tmx")).units
    assert unit.getnotes() == "\n".join(notes)
    # (the codes kept: translate-toolkit's text of a code without one keeps both spaces)
    assert [" ".join(text.split()) for text in (unit.source, unit.target)] == [
        "点击 这里 继续",
        "Click here to go on",
    ]
    assert [len(list(unit.getlanguageNode(index=i).iter("ph"))) for i in (0, 1)] == [2, 2]


@pytest.mark.parametrize(
    ("seg", "text"),
    [
        ('Click <ph x="1"/> here', "Click here"),
        ('<ph x="1"/> Next', "Next"),
        ('Next <ph x="1"/>', "Next"),
        ('a<ph x="1"/> b', "a b"),
        ('a <ph x="1"/>b', "a b"),
        ('a  <ph x="1"/> b', "a  b"),  # only the space it left goes
        ('a <ph x="1"/><ph x="2"/> b', "a b"),
        ('a <bpt i="1"/>b<ept i="1"/> c', "a b c"),
        ("a <ph>{0}</ph> b", "a {0} b"),  # a code with text keeps it, and its spaces
    ],
)
def test_a_code_without_text_leaves_no_double_space(tmp_path, seg, text):
    path = write_file(
        tmp_path,
        f'<tmx version="1.4"><header srclang="en"/><body><tu><tuv xml:lang="en"><seg>{seg}</seg>'
        '</tuv><tuv xml:lang="zh"><seg>中</seg></tuv></tu></body></tmx>',
    )
    (pair,) = TmxReader(path, src_lang="en", tgt_lang="zh")
    assert pair.src == text


# --- real-world variants -------------------------------------------------------------------

TMX11 = """<?xml version="1.0" encoding="{enc}"?>
<!DOCTYPE tmx SYSTEM "tmx11.dtd">
<tmx version="1.1">
  <header creationtool="memoQ" creationtoolversion="9" segtype="sentence" o-tmf="memoQTM"
          adminlang="en-us" srclang="zh-cn" datatype="unknown"/>
  <body>
    <tu tuid="7"><prop type="x-Origin">TM</prop>
      <tuv lang="ZH-CN"><seg>点击<bpt i="1">&lt;b&gt;</bpt>这里<ept i="1">&lt;/b&gt;</ept>。<ph>{{0}}</ph></seg></tuv>
      <tuv lang="EN-US"><seg>Click <bpt i="1">&lt;b&gt;</bpt>here<ept i="1">&lt;/b&gt;</ept>.<ph>{{0}}</ph> <hi type="x">now</hi></seg></tuv>
    </tu>
    <tu><tuv lang="zh-CN"><seg>只有中文。</seg></tuv></tu>
    <tu><tuv lang="zh-CN"><seg>空的。</seg></tuv><tuv lang="en-US"><seg>  </seg></tuv></tu>
    <tu><tuv lang="de-DE"><seg>Nur Deutsch.</seg></tuv><tuv lang="en-US"><seg>Only German.</seg></tuv></tu>
    <!-- a comment --><tu><tuv lang="zh-TW"><seg>繁體<it pos="begin">[</it>字<ut>x</ut></seg></tuv><tuv lang="en"><seg>Trad<!-- c -->itional</seg></tuv></tu>
  </body>
</tmx>
"""


def test_tmx11_with_lang_inline_codes_and_skips(tmp_path):
    path = write_file(tmp_path, TMX11.format(enc="UTF-8"))
    reader = TmxReader(path)
    pairs = list(reader)
    assert [(p.src, p.tgt) for p in pairs] == [
        ("点击<b>这里</b>。{0}", "Click <b>here</b>.{0} now"),
        ("繁體[字x", "Traditional"),
    ]
    assert reader.skipped == 3
    assert pairs[0].origin == "human" and pairs[0].id == "7"
    assert pairs[0].meta == {
        "x-Origin": "TM",
        "inline_codes": [
            '点击<bpt i="1">&lt;b&gt;</bpt>这里<ept i="1">&lt;/b&gt;</ept>。<ph>{0}</ph>',
            'Click <bpt i="1">&lt;b&gt;</bpt>here<ept i="1">&lt;/b&gt;</ept>.<ph>{0}</ph> '
            '<hi type="x">now</hi>',
        ],
    }
    assert pairs[1].meta == {"inline_codes": ['繁體<it pos="begin">[</it>字<ut>x</ut>', ""]}
    assert reader.header["creationtool"] == "memoQ"


def test_utf16_with_bom_as_memoq_writes(tmp_path):
    data = codecs.BOM_UTF16_LE + TMX11.format(enc="UTF-16").encode("utf-16-le")
    pairs = list(TmxReader(write_file(tmp_path, data)))
    assert pairs[0].src == "点击<b>这里</b>。{0}"
    assert len(pairs) == 2


def test_namespaced_xml_lang_and_language_choice(tmp_path):
    data = tmx_bytes(PAIRS, src_lang="zh-CN", tgt_lang="en-US")
    assert [p.src for p in _read_bytes(data, src_lang="zh-TW", tgt_lang="en")] == [
        p.src for p in PAIRS
    ]
    # Reversed direction: English as the source.
    assert [p.src for p in _read_bytes(data, src_lang="en", tgt_lang="zh")] == [
        p.tgt for p in PAIRS
    ]


VARIANTS = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header creationtool="memoQ" srclang="en-US" datatype="plaintext"
  segtype="sentence" adminlang="en-US" o-tmf="x"/><body>
<tu><tuv xml:lang="en-US"><seg>Software</seg></tuv><tuv xml:lang="zh-CN"><seg>软件</seg></tuv>
  <tuv xml:lang="zh-TW"><seg>軟體</seg></tuv></tu>
<tu><tuv xml:lang="en-GB"><seg>Colour</seg></tuv><tuv xml:lang="en-US"><seg>Color</seg></tuv>
  <tuv xml:lang="ZH_cn"><seg>颜色</seg></tuv></tu>
</body></tmx>"""


@pytest.mark.parametrize(
    ("src_lang", "tgt_lang", "pairs"),
    [
        ("zh-TW", "en-US", [("軟體", "Software"), ("颜色", "Color")]),
        ("zh-cn", "en_GB", [("软件", "Software"), ("颜色", "Colour")]),
        ("zh-CN", "zh-TW", [("软件", "軟體")]),  # one language, two scripts
    ],
)
def test_a_unit_with_several_variants_gives_the_one_asked_for(
    tmp_path, caplog, src_lang, tgt_lang, pairs
):
    reader = TmxReader(write_file(tmp_path, VARIANTS), src_lang=src_lang, tgt_lang=tgt_lang)
    assert [(p.src, p.tgt) for p in reader] == pairs
    assert "variants" not in caplog.text  # nothing was picked by order alone


@pytest.mark.parametrize(("src_lang", "tgt_lang"), [("zh-CN", "zh-TW"), ("zh-TW", "zh-CN")])
def test_a_tmx_between_two_scripts_reads_in_either_direction(tmp_path, src_lang, tgt_lang):
    path = write_file(
        tmp_path, tmx_bytes([Pair("软件", "軟體")], src_lang="zh-CN", tgt_lang="zh-TW")
    )
    (pair,) = TmxReader(path, src_lang=src_lang, tgt_lang=tgt_lang)  # duiyi's own shape
    assert (pair.src, pair.tgt) == (("软件", "軟體") if src_lang == "zh-CN" else ("軟體", "软件"))


def test_variants_picked_by_order_are_counted_and_said(tmp_path, caplog):
    reader = TmxReader(write_file(tmp_path, VARIANTS), src_lang="zh-TW", tgt_lang="en")
    assert [(p.src, p.tgt) for p in reader] == [("軟體", "Software"), ("颜色", "Colour")]
    assert reader.variant_units == 1 and set(reader.variants) == {"en-GB", "en-US"}
    assert "took the first of several variants of a language (en-GB, en-US) in 1 unit;" in (
        caplog.text
    )


@pytest.mark.parametrize("attrs", ["", ' creationid="other-tool"'])  # duiyi's shape or not
def test_a_text_over_libxml2s_limit_is_refused_whichever_path_reads_it(tmp_path, attrs):
    text = "a" * 10_500_000  # libxml2 refuses text nodes over 10,000,000 bytes
    data = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header srclang="zh"/>'
        f'<body>\n<tu{attrs}><tuv xml:lang="zh"><seg>{text}</seg></tuv>'
        '<tuv xml:lang="en"><seg>x</seg></tuv></tu>\n</body></tmx>'
    )
    with pytest.raises(FormatError, match="Text node too long") as info:
        list(TmxReader(write_file(tmp_path, data)))
    assert "libxml2's size limits" in str(info.value) and "XML_PARSE" not in str(info.value)


# --- hostile and broken files --------------------------------------------------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        _Recorder.hits.append(self.path)
        body = b"<!ENTITY leak 'FETCHED'>" if self.path.endswith(".dtd") else b"FETCHED"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback():
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.hits
    server.shutdown()
    server.server_close()


def _xxe_tmx(system_id: str) -> str:
    return f"""<?xml version="1.0"?>
<!DOCTYPE tmx [ <!ENTITY xxe SYSTEM "{system_id}"> ]>
<tmx version="1.4"><header srclang="zh-CN"/><body>
<tu><tuv xml:lang="zh-CN"><seg>秘密&xxe;</seg></tuv><tuv xml:lang="en-US"><seg>secret &xxe;</seg></tuv></tu>
</body></tmx>"""


def test_external_entities_are_refused_and_never_resolved(tmp_path, loopback, monkeypatch):
    url, hits = loopback
    secret = write_file(tmp_path, "TOP-SECRET-CONTENT", "secret.txt")
    for system_id in (secret.as_uri(), f"{url}/xxe.txt"):
        path = write_file(tmp_path, _xxe_tmx(system_id))
        with pytest.raises(FormatError, match="entities"):
            list(TmxReader(path))
        # Defense in depth: even without the up-front refusal the parser resolves nothing.
        monkeypatch.setattr(tmx_module, "check_prolog", lambda p: None)
        pairs = list(TmxReader(path))
        monkeypatch.undo()
        assert pairs and all("TOP-SECRET" not in p.src + p.tgt for p in pairs)
        assert all("FETCHED" not in p.src + p.tgt for p in pairs)
    assert hits == []


def test_external_dtd_is_not_fetched(tmp_path, loopback):
    url, hits = loopback
    data = tmx_bytes(PAIRS[:1]).replace(b'SYSTEM "tmx14.dtd"', f'SYSTEM "{url}/tmx14.dtd"'.encode())
    pairs = list(TmxReader(write_file(tmp_path, data)))
    assert [p.src for p in pairs] == [PAIRS[0].src]
    assert hits == []


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE tmx [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<tmx version="1.4"><header srclang="zh-CN"/><body>
<tu><tuv xml:lang="zh-CN"><seg>笑&lol9;</seg></tuv><tuv xml:lang="en-US"><seg>laugh &lol9;</seg></tuv></tu>
</body></tmx>"""


def test_billion_laughs_is_refused_without_expanding(tmp_path, monkeypatch):
    path = write_file(tmp_path, BILLION_LAUGHS)
    with pytest.raises(FormatError, match="entities"):
        list(TmxReader(path))
    monkeypatch.setattr(tmx_module, "check_prolog", lambda p: None)
    start = time.monotonic()
    try:
        pairs = list(TmxReader(path))
    except FormatError:
        pairs = []  # libxml2 refusing the amplification is fine too
    assert time.monotonic() - start < 5
    assert all(len(p.src) + len(p.tgt) < 1000 for p in pairs)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (bytes(range(256)) * 40, "binary|not a TMX|root"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200, "binary"),
        (b"<?xml version='1.0'?><html><body/></html>", "not <tmx>"),
        (b"just some text, no markup", "no XML root"),
    ],
)
def test_not_a_tmx_is_one_clear_error(tmp_path, content, message):
    with pytest.raises(FormatError, match=message):
        list(TmxReader(write_file(tmp_path, content)))


_UNIT = (
    '<tu{attrs}>{props}<tuv xml:lang="zh"><seg>中{ref}</seg></tuv>'
    '<tuv xml:lang="en"><seg>x</seg></tuv></tu>'
)


def _tmx(units: str) -> str:
    return (
        '<?xml version="1.0"?>\n<tmx version="1.4"><header srclang="zh"/>'
        f"<body>{units}</body></tmx>"
    )


@pytest.mark.parametrize("units_before", [0, 300], ids=["in-the-prolog-window", "later"])
@pytest.mark.parametrize(("ref", "named"), [("&#x1;", "&#x1;"), ("&#0;", "&#x0;")])
def test_an_invalid_character_reference_is_named(tmp_path, units_before, ref, named):
    units = _UNIT.format(attrs="", props="", ref="") * units_before
    path = write_file(tmp_path, _tmx(units + _UNIT.format(attrs="", props="", ref=ref)))
    with pytest.raises(FormatError) as caught:
        list(TmxReader(path))
    message = str(caught.value)
    assert re.search(
        rf"not well-formed TMX: line 2, column \d+: invalid character reference {named}", message
    ), message
    assert "xmlParse" not in message and "no XML root" not in message


def test_deep_nesting_is_named_without_libxml2_jargon(tmp_path):
    seg = "<hi>" * 300 + "中" + "</hi>" * 300
    path = write_file(tmp_path, _tmx(_UNIT.format(attrs="", props="", ref=seg)))
    with pytest.raises(FormatError) as caught:
        list(TmxReader(path))
    message = str(caught.value)
    assert re.search(r"line 2, column \d+: elements nested more than 256 deep$", message), message
    assert "XML_PARSE_HUGE" not in message


@pytest.mark.parametrize("score", ["5", "-1", "inf", "high"])
def test_a_bad_x_score_is_refused_naming_the_unit(tmp_path, score):
    # duiyi's own units (read from the bytes by tmx_scan) and another tool's (read by lxml)
    ours = tmx_bytes([Pair("甲。", "A.", 0.5, id="t1"), Pair("乙。", "B.", 0.375, id="t2")])
    path = write_file(tmp_path, ours.replace(b"0.375", score.encode()))
    with pytest.raises(
        FormatError, match=rf"in\.tmx: unit 2 \(tuid t2\): score '{score}' is not a"
    ):
        list(TmxReader(path))
    good = _UNIT.format(attrs="", props='<prop type="x-score">0.5</prop>', ref="")
    bad = _UNIT.format(attrs="", props=f'<prop type="x-score">{score}</prop>', ref="")
    path = write_file(tmp_path, _tmx(good + bad))
    with pytest.raises(FormatError, match=rf"in\.tmx: unit 2: score '{score}' is not a"):
        list(TmxReader(path))


def test_truncated_xml_is_a_format_error_naming_the_file(tmp_path):
    data = tmx_bytes(PAIRS)
    path = write_file(tmp_path, data[: len(data) * 2 // 3])
    with pytest.raises(FormatError, match=r"in\.tmx: not well-formed TMX: line \d+"):
        list(TmxReader(path))


def test_empty_tmx_has_no_pairs(tmp_path):
    path = write_file(tmp_path, tmx_bytes([]))
    reader = TmxReader(path)
    assert list(reader) == [] and reader.skipped == 0


def test_wrong_languages_are_named(tmp_path):
    path = write_file(tmp_path, tmx_bytes(PAIRS, src_lang="de-DE", tgt_lang="fr-FR"))
    with pytest.raises(FormatError, match=r"both zh and en \(languages found: de-DE, fr-FR\)"):
        list(TmxReader(path))
    assert len(list(TmxReader(path, src_lang="de", tgt_lang="fr"))) == 3


def test_units_tagged_on_their_own_are_valid_and_translate_toolkit_reads_them(tmp_path):
    """Units keeping their own tags (a store's pairs from a file mixing zh-CN and zh-TW) under
    the header's srclang="zh": each whose source is not that says so (srclang on the unit),
    or translate-toolkit, which finds the source tuv by srclang, reads no source for it."""
    tmx = pytest.importorskip("translate.storage.tmx")
    pairs = [
        Pair("简体。", "One.", src_lang="zh-CN", tgt_lang="en-US"),
        Pair("繁體。", "Two.", src_lang="zh-TW", tgt_lang="en-GB"),
        Pair("没有。", "Three."),
    ]
    path = write_file(tmp_path, tmx_bytes(pairs, src_lang="zh", tgt_lang="en"))
    text = path.read_text(encoding="utf-8")
    assert re.findall(r'<tu [^>]*?(?: srclang="([^"]*)")?>', text) == ["zh-CN", "zh-TW", ""]
    assert re.findall(r'<tuv xml:lang="([^"]*)">', text) == [
        "zh-CN",
        "en-US",
        "zh-TW",
        "en-GB",
        "zh",
        "en",
    ]
    if not DTD_PATH.exists():
        pytest.fail(f"{DTD_PATH} is missing: the TMX DTD must be in ../shared/formats")
    tree = etree.parse(str(path))
    assert etree.DTD(str(DTD_PATH)).validate(tree)
    store = tmx.tmxfile.parsefile(str(path))
    assert [(u.source, u.target) for u in store.units] == [(p.src, p.tgt) for p in pairs]
    assert [(p.src_lang, p.tgt_lang) for p in read_pairs(str(path))] == [
        ("zh-CN", "en-US"),
        ("zh-TW", "en-GB"),
        ("zh", "en"),
    ]
