"""A real CAT tool takes our TMX: OmegaT pre-translates a project from it, headless.

OmegaT's console mode inserts the translations of every TMX in PROJECT/tm/auto/ and writes
the translated documents to PROJECT/target/; it also exports the project memory as TMX, which
`duiyi import` must read back.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import require_tool

from duiyi.corpus.model import Pair
from duiyi.corpus.store import Store
from duiyi.export import write_pairs

pytestmark = pytest.mark.omegat

PROJECT_FILE = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<omegat>
    <project version="1.0">
        <source_dir>__DEFAULT__</source_dir>
        <target_dir>__DEFAULT__</target_dir>
        <tm_dir>__DEFAULT__</tm_dir>
        <glossary_dir>__DEFAULT__</glossary_dir>
        <glossary_file>__DEFAULT__</glossary_file>
        <dictionary_dir>__DEFAULT__</dictionary_dir>
        <source_lang>zh-CN</source_lang>
        <target_lang>en-US</target_lang>
        <source_tok>org.omegat.tokenizer.LuceneSmartChineseTokenizer</source_tok>
        <target_tok>org.omegat.tokenizer.LuceneEnglishTokenizer</target_tok>
        <sentence_seg>true</sentence_seg>
        <support_default_translations>true</support_default_translations>
        <remove_tags>false</remove_tags>
    </project>
</omegat>
"""

PAIRS = [
    Pair("今天天气很好。", "The weather is nice today.", 0.93, origin="mt"),
    Pair("我们去公园散步吧。", "Let's take a walk in the park.", 0.88, origin="aligned"),
    Pair("他说：“这本书很有意思！”", 'He said: "This book is very interesting!"', 0.7),
    Pair("价格是3.5元，包括税&运费。", "The price is 3.5 yuan, tax & shipping <included>.", 0.8),
    Pair("繁體字與罕見字𠀀。", "Traditional and rare characters 𠀀.", 0.6, origin="human"),
]


def make_project(tmp_path: Path) -> Path:
    """An empty OmegaT project (zh-CN → en-US) under `tmp_path`."""
    project = tmp_path / "project"
    for folder in ("source", "target", "tm/auto", "omegat", "glossary", "dictionary"):
        (project / folder).mkdir(parents=True)
    (project / "omegat.project").write_text(PROJECT_FILE, encoding="utf-8")
    return project


def run_omegat(omegat: str, project: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    """OmegaT translating `project` in console mode (a home of its own), which must succeed."""
    home = tmp_path / "home"
    home.mkdir()
    result = subprocess.run(
        [omegat, str(project), "--mode=console-translate"],
        env={
            "HOME": str(home),
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "JAVA_TOOL_OPTIONS": "-Djava.awt.headless=true",
            "LANG": "C.UTF-8",
        },
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result


def test_omegat_pretranslates_a_project_from_our_tmx(tmp_path, cli):
    omegat = require_tool("omegat")
    project = make_project(tmp_path)
    # Blank lines between sentences: OmegaT's text filter makes each a paragraph (its
    # Chinese segmentation rules would otherwise run "！”" on into the next line).
    (project / "source" / "doc.txt").write_text(
        "".join(p.src + "\n\n" for p in PAIRS), encoding="utf-8"
    )
    assert write_pairs(PAIRS, str(project / "tm" / "auto" / "duiyi.tmx")) == len(PAIRS)
    result = run_omegat(omegat, project, tmp_path)
    assert "duiyi.tmx" in result.stdout + result.stderr
    translated = (project / "target" / "doc.txt").read_text(encoding="utf-8").split("\n\n")
    assert [t for t in translated if t.strip()] == [p.tgt for p in PAIRS]

    # OmegaT's own memory export (TMX 1.1, and its level-2 TMX 1.4) comes back into a store.
    for name in ("project-omegat.tmx", "project-level2.tmx"):
        exported = project / name
        assert exported.exists(), sorted(p.name for p in project.iterdir())
        store = tmp_path / f"{name}.db"
        status, _, err = cli("import", exported, "--store", store)
        assert status == 0, err
        with Store.open(store) as s:
            got = sorted((p.src, p.tgt, p.origin) for p in s.iter_pairs())
        assert got == sorted((p.src, p.tgt, "human") for p in PAIRS)


def test_omegat_takes_a_memory_whose_units_keep_their_own_chinese_tags(tmp_path, cli):
    """A TMX mixing zh-CN and zh-TW units, through the store: each unit keeps its tag (the
    header's srclang is zh, what they share), and OmegaT still pre-translates from both."""
    omegat = require_tool("omegat")
    project = make_project(tmp_path)
    units = [("zh-CN", PAIRS[0]), ("zh-TW", PAIRS[4])]
    (project / "source" / "doc.txt").write_text(
        "".join(p.src + "\n\n" for _, p in units), encoding="utf-8"
    )
    mixed = tmp_path / "mixed.tmx"
    mixed.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<tmx version="1.4"><header srclang="*all*"/>'
        "<body>\n"
        + "".join(
            f'<tu><tuv xml:lang="{tag}"><seg>{p.src}</seg></tuv>'
            f'<tuv xml:lang="en-US"><seg>{p.tgt}</seg></tuv></tu>\n'
            for tag, p in units
        )
        + "</body></tmx>\n",
        encoding="utf-8",
    )
    store, memory = tmp_path / "c.db", project / "tm" / "auto" / "duiyi.tmx"
    assert cli("import", mixed, "--store", store)[0] == 0
    status, _, err = cli("export", store, "-o", memory)
    assert status == 0, err
    text = memory.read_text(encoding="utf-8")
    assert 'srclang="zh"' in text
    assert '<tuv xml:lang="zh-CN">' in text and '<tuv xml:lang="zh-TW">' in text
    run_omegat(omegat, project, tmp_path)
    translated = (project / "target" / "doc.txt").read_text(encoding="utf-8").split("\n\n")
    assert [t for t in translated if t.strip()] == [p.tgt for _, p in units]


def test_omegat_pretranslates_from_a_memory_whose_codes_came_through_the_store(tmp_path, cli):
    """Another tool's TMX with bpt/ept/ph, imported and exported again: the codes are there,
    and OmegaT (reading external TMX at level 1: the text outside the codes) still
    pre-translates a plain document from it."""
    omegat = require_tool("omegat")
    project = make_project(tmp_path)
    (project / "source" / "doc.txt").write_text("点击这里继续。\n", encoding="utf-8")
    tm = tmp_path / "tm.tmx"
    tm.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<tmx version="1.4"><header srclang="zh-CN"/>'
        '<body><tu><tuv xml:lang="zh-CN"><seg>点击<bpt i="1">&lt;b&gt;</bpt>这里'
        '<ept i="1">&lt;/b&gt;</ept>继续。<ph x="2"/></seg></tuv><tuv xml:lang="en-US"><seg>'
        'Click <bpt i="1">&lt;b&gt;</bpt>here<ept i="1">&lt;/b&gt;</ept> to go on.<ph x="2"/>'
        "</seg></tuv></tu></body></tmx>\n",
        encoding="utf-8",
    )
    store, out = tmp_path / "c.db", project / "tm" / "auto" / "duiyi.tmx"
    assert cli("import", tm, "--store", store)[0] == 0
    status, _, err = cli("export", store, "-o", out)
    assert status == 0, err
    assert out.read_text(encoding="utf-8").count("<bpt") == 2
    run_omegat(omegat, project, tmp_path)
    assert (project / "target" / "doc.txt").read_text(encoding="utf-8") == "Click here to go on.\n"
