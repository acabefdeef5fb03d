"""The job functions take what a Python user naturally passes: one path, Paths, generators."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from duiyi.align.aligner import AlignConfig, Aligner
from duiyi.align.run import align_files
from duiyi.corpus.read import input_list, read_inputs
from duiyi.corpus.store import Store
from duiyi.errors import DuiyiError, FormatError, InputError, OutputError
from duiyi.export import read_pairs
from duiyi.export.exports import export_store
from duiyi.export.imports import import_files
from duiyi.translate.engine import choose_engine, load_engine
from duiyi.translate.run import translate_inputs

ZH, EN = ROOT / "examples" / "harbour.zh.txt", ROOT / "examples" / "harbour.en.txt"


def test_input_list():
    assert input_list("a.txt") == ["a.txt"]  # one path, not one input per character
    assert input_list(Path("a.txt")) == ["a.txt"]
    assert input_list(p for p in (Path("a"), "b")) == ["a", "b"]
    assert [doc.name for doc in read_inputs(str(ZH))] == ["harbour.zh.txt"]


def test_translate_one_path_into_a_path(tmp_path):
    stats = translate_inputs(
        str(ZH), load_engine("gloss"), output=tmp_path / "d.tmx", include_gloss=True, quiet=True
    )
    assert stats.documents == 1
    assert len(list(read_pairs(str(tmp_path / "d.tmx")))) == stats.sentences > 5
    (tmp_path / "drafts").mkdir()  # an existing folder: one draft per document in it
    translate_inputs((p for p in [ZH]), load_engine("gloss"), output=tmp_path / "drafts")
    assert (tmp_path / "drafts" / "harbour.zh.en.txt").is_file()


def test_align_import_and_export_take_paths_and_generators(tmp_path):
    with Store.open(tmp_path / "c.db") as store:
        stats = align_files(
            ((p, q) for p, q in [(ZH, EN)]), Aligner(), output=tmp_path / "a.tmx", quiet=True
        )
        assert stats.documents == 1 and stats.linked > 5
        (result,) = import_files(tmp_path / "a.tmx", store)
        assert result.pairs == stats.linked
        exported = export_store(store, tmp_path / "b.jsonl")
    assert exported.pairs == stats.linked


def test_translate_checks_what_the_cli_checks(tmp_path):
    """A library call is refused as the command is, before anything is written."""
    gloss = load_engine("gloss")
    with pytest.raises(FormatError, match="unknown format 'tmx2'"):
        translate_inputs(ZH, gloss, output=tmp_path / "d.txt", fmt="tmx2", quiet=True)
    # glosses into TMX, which leaves them out: an empty file otherwise
    with pytest.raises(InputError, match="nothing to write: .* glosses"):
        translate_inputs(ZH, gloss, output=tmp_path / "d.tmx", quiet=True)
    assert not list(tmp_path.iterdir())


def test_a_job_never_writes_over_what_it_reads(tmp_path):
    """As the command refuses `split a.txt -o a.txt`, a job function called from Python (no
    command's scope around it) refuses an output that is one of its inputs, or the store it
    reads, before anything is written."""
    zh, en = tmp_path / "a.zh.txt", tmp_path / "a.en.txt"
    zh.write_bytes(ZH.read_bytes())
    en.write_bytes(EN.read_bytes())
    gloss = load_engine("gloss")
    with pytest.raises(OutputError, match="a.zh.txt is also an input"):
        translate_inputs(zh, gloss, output=zh, quiet=True)
    with pytest.raises(OutputError, match="a.en.txt is also an input"):
        align_files((zh, en), Aligner(), output=en, fmt="tmx", quiet=True)
    db = tmp_path / "c.db"
    with Store.open(db) as store:
        assert align_files((zh, en), Aligner(), output=tmp_path / "a.tmx", store=store).linked
        with pytest.raises(OutputError, match="c.db is also an input"):
            export_store(store, db, fmt="tmx")
        with pytest.raises(OutputError, match="c.db is also an input"):
            translate_inputs(zh, gloss, output=db, fmt="tmx", store=store, include_gloss=True)
    assert zh.read_bytes() == ZH.read_bytes() and en.read_bytes() == EN.read_bytes()
    with Store.open(db, readonly=True) as store:  # still the store, whole
        assert export_store(store, tmp_path / "b.tmx").pairs > 5


def test_export_store_takes_quiet_as_the_other_jobs_do(tmp_path, monkeypatch):
    """Its only output besides the file is a progress bar on a terminal, which `quiet=True`
    turns off, as for translate_inputs and align_files."""

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    with Store.open(tmp_path / "c.db") as store:
        translate_inputs(ZH, load_engine("gloss"), output=tmp_path / "d.txt", store=store)
        for quiet in (False, True):
            monkeypatch.setattr(sys, "stderr", Terminal())
            result = export_store(store, tmp_path / f"{quiet}.tmx", include_gloss=True, quiet=quiet)
            assert result.pairs > 5
            assert ("export" in sys.stderr.getvalue()) is not quiet


def test_the_library_never_prints_nor_exits():
    """Only the command (duiyi/cli.py, duiyi/commands/) and the review server talk to people
    and end the process; the rest logs and raises."""
    import ast

    talkers = {"cli.py", "commands", "review", "testing"}
    found = []
    for path in sorted((ROOT / "duiyi").rglob("*.py")):
        if talkers & set(path.relative_to(ROOT / "duiyi").parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                if name in ("print", "exit", "sys.exit", "os._exit", "quit"):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert found == []


def test_align_takes_one_pair_and_checks_paragraphs(tmp_path):
    stats = align_files((ZH, str(EN)), Aligner(), output=tmp_path / "a.jsonl", quiet=True)
    assert stats.documents == 1 and stats.linked > 5
    for paragraphs in ("strict", "hard"):  # hard is the aligner's config: else it is soft
        with pytest.raises(InputError, match=f"paragraphs='{paragraphs}'"):
            align_files((ZH, EN), Aligner(), output=tmp_path / "b.tmx", paragraphs=paragraphs)
    hard = Aligner(config=AlignConfig(hard_paragraphs=True))
    assert align_files((ZH, EN), hard, output=tmp_path / "c.tmx", paragraphs="hard").documents
    assert not (tmp_path / "b.tmx").exists()


def test_the_aligner_takes_sentences_not_a_string():
    with pytest.raises(TypeError, match="lists of sentences"):
        Aligner().align("清晨六点。渔船回港。", ["At six.", "The boats come back."])


@pytest.mark.parametrize("option", [{"context": -1}, {"beam_size": 0}, {"batch_tokens": 0}])
def test_engine_options_are_checked_as_the_cli_checks_them(option):
    with pytest.raises(DuiyiError, match=f"{next(iter(option))} must be"):
        choose_engine("gloss", **option)
