import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from argos_fixture import *  # noqa: F403
from argos_fixture import SEEDS, seed_sentences

from duiyi.cli import main
from duiyi.translate.drafts import source_of


def _prepared(path):
    from duiyi.corpus.pipeline import prepare
    from duiyi.corpus.read import read_document

    return prepare(read_document(str(path)), lang="zh")


def _paragraphs_with_text(path) -> int:
    """Paragraphs holding sentences once the pipeline has cleaned the page chrome away."""
    return len({s.paragraph for s in _prepared(path).sentences})


def test_translate_the_seeds_end_to_end(cli, installed_model, tmp_path):
    status, out, err = cli("translate", "--beam-size", "1", SEEDS / "001_aea3b48e8a28c5fb.txt")
    assert status == 0, err
    lines = out.rstrip("\n").split("\n")
    assert len(lines) == _paragraphs_with_text(SEEDS / "001_aea3b48e8a28c5fb.txt")
    assert all(line.strip() for line in lines) and "NOT machine translation" not in err
    assert "with argos:translate-zh_en-1_9" in err

    status, _, err = cli("translate", "--beam-size", "1", SEEDS, "-o", tmp_path / "drafts")
    assert status == 0, err
    drafts = sorted(p.name for p in (tmp_path / "drafts").iterdir())
    assert drafts == sorted(p.stem + ".en.txt" for p in SEEDS.glob("*.txt"))
    assert "(0 from the cache" not in err  # the first document was translated above
    first = (tmp_path / "drafts" / "001_aea3b48e8a28c5fb.en.txt").read_text(encoding="utf-8")
    assert first == out


def test_jsonl_records_source_normalized_draft_and_model(cli, installed_model):
    status, out, _ = cli(
        "translate", "-f", "jsonl", "--beam-size", "1", SEEDS / "000_08edd30e33a077b6.txt"
    )
    assert status == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) > 50
    first = records[1]
    # The one JSONL pair schema (as `duiyi export -f jsonl`), translate's extras in meta.
    assert first["origin"] == "mt" and first["meta"]["engine"] == "argos:translate-zh_en-1_9"
    assert "mt:argos-zh_en-1.9" in first["signature"] and first["tgt_text"]
    assert first["bead"] == "1-1" and first["src_lang"] == "zh-TW"  # a Traditional document
    assert 0 < first["score"] <= 1
    text = (SEEDS / "000_08edd30e33a077b6.txt").read_text(encoding="utf-8")
    assert all(
        text[r["meta"]["start"] : r["meta"]["end"]].strip() == r["src_text"] for r in records
    )
    traditional = next(r for r in records if "俄羅斯" in r["src_text"])
    assert "俄罗斯" in traditional["src_normalized"]  # MT reads the Simplified form


def test_side_by_side_table(cli, installed_model, tmp_path):
    doc = tmp_path / "a.txt"
    doc.write_text("美国总统访问俄罗斯。双方讨论了合作|交流。\n", encoding="utf-8")
    status, out, _ = cli("translate", "-f", "side-by-side", doc)
    assert status == 0
    rows = [line for line in out.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[0] == "| # | source | draft |"
    assert rows[1].startswith("| 1 | 美国总统访问俄罗斯。 | ")
    assert "合作\\|交流" in rows[2]  # a | in the text cannot break the table


def test_stdin_in_a_pipe(installed_model):
    result = subprocess.run(
        [sys.executable, "-m", "duiyi.cli", "translate", "-", "-q"],
        input="美国总统访问俄罗斯。\n\n双方讨论了合作。\n".encode(),
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.decode().strip().splitlines()) == 2
    assert result.stderr == b""


def test_no_model_falls_back_to_glosses_and_says_so(cli, packages_env):
    status, out, err = cli(
        "translate", "-f", "jsonl", "--include-gloss", SEEDS / "002_76ecc3df367f0a1b.txt"
    )
    assert status == 0
    assert "NOT machine translation" in err and "duiyi models install zh en" in err
    assert "duiyi models install FILE.argosmodel" in err
    records = [json.loads(line) for line in out.splitlines()]
    assert {r["origin"] for r in records} == {"gloss"}
    assert "Russia" in " ".join(r["tgt_text"] for r in records)
    status, out, err = cli("translate", "-f", "side-by-side", SEEDS / "002_76ecc3df367f0a1b.txt")
    assert "| gloss (not MT) |" in out
    status, out, err = cli("translate", SEEDS / "002_76ecc3df367f0a1b.txt")
    assert out.splitlines()[0] == "[duiyi: CC-CEDICT word glosses, NOT machine translation]"


def test_tmx_output_marks_and_keeps_gloss_only_when_asked(cli, packages_env, tmp_path):
    from translate.storage.tmx import tmxfile

    src = SEEDS / "001_aea3b48e8a28c5fb.txt"
    status, _, err = cli("translate", src, "-o", tmp_path / "none.tmx")
    assert status == 1 and "nothing to write" in err and "--include-gloss" in err
    assert not (tmp_path / "none.tmx").exists()  # no empty TMX with exit 0
    status, _, err = cli("translate", src, "-o", tmp_path / "all.tmx", "--include-gloss")
    assert status == 0
    tmx = (tmp_path / "all.tmx").read_text(encoding="utf-8")
    assert "gloss" in tmx and "mt:gloss-cedict" in tmx
    assert len(tmxfile.parsefile(str(tmp_path / "all.tmx")).units) > 10


def test_empty_documents(cli, installed_model, tmp_path):
    empty = tmp_path / "in" / "empty.txt"
    empty.parent.mkdir()
    empty.write_text("\n \n", encoding="utf-8")
    status, out, err = cli("translate", empty)
    assert status == 1 and "is empty" in err and "Traceback" not in err
    (tmp_path / "in" / "a.txt").write_text("美国总统访问俄罗斯。", encoding="utf-8")
    status, _, err = cli("translate", "--beam-size", "1", tmp_path / "in", "-o", tmp_path / "out")
    assert status == 0 and "in 1 document " in err  # the empty file is skipped, with a warning
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["a.en.txt"]


def test_missing_input_and_model_file_given_as_model(cli, installed_model, tmp_path):
    status, _, err = cli("translate", tmp_path / "nope.txt")
    assert status == 1 and "nope.txt" in err
    pkg = tmp_path / "x.argosmodel"
    pkg.write_bytes(b"PK")
    status, _, err = cli("translate", "--model", pkg, SEEDS / "001_aea3b48e8a28c5fb.txt")
    assert status == 1 and "duiyi models install" in err


def test_an_existing_output_survives_a_failed_run(cli, packages_env, tmp_path):
    target = tmp_path / "draft.txt"
    target.write_text("previous draft", encoding="utf-8")
    status, _, err = cli("translate", "--engine", "argos", SEEDS, "-o", target)
    assert status == 1 and "no zh→en model installed" in err
    assert target.read_text(encoding="utf-8") == "previous draft"


def _count_rows(db) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return conn.execute("SELECT COUNT(*) FROM drafts").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_a_killed_run_resumes_from_the_cache(installed_model, tmp_path, capsys):
    # ~240 distinct sentences, small batches: the run is killed once some batches are cached.
    base = seed_sentences()
    doc = tmp_path / "long.txt"
    doc.write_text(
        "\n".join(f"第{i}段。{base[i % len(base)]}" for i in range(120)), encoding="utf-8"
    )
    distinct = len({source_of(s) for s in _prepared(doc).sentences})
    cache = tmp_path / "resume.db"
    args = ["translate", str(doc), "--cache", str(cache), "--beam-size", "1", "-q"]
    args += ["--batch-tokens", "64"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "duiyi.cli", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
    )
    deadline = time.monotonic() + 60
    while _count_rows(cache) < 10 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    done = _count_rows(cache)
    assert 10 <= done < distinct, "the run should be killed part-way"

    assert main(args + ["-o", str(tmp_path / "resumed.txt")]) == 0
    capsys.readouterr()
    assert _count_rows(cache) == distinct
    fresh = ["translate", str(doc), "--no-cache", "--beam-size", "1", "--batch-tokens", "64"]
    assert main([*fresh, "-q", "-o", str(tmp_path / "fresh.txt")]) == 0
    resumed = (tmp_path / "resumed.txt").read_text(encoding="utf-8")
    assert resumed == (tmp_path / "fresh.txt").read_text(encoding="utf-8")
    assert len(resumed.splitlines()) == _paragraphs_with_text(doc)


def test_a_second_run_reports_the_cache(cli, installed_model, tmp_path):
    doc = SEEDS / "002_76ecc3df367f0a1b.txt"
    cache = tmp_path / "c.db"
    status, first, err = cli("translate", doc, "--cache", cache)
    assert status == 0 and "(0 from the cache" in err
    status, second, err = cli("translate", doc, "--cache", cache)
    n = err.split("translated ")[1].split(" ")[0]
    assert f"({n} from the cache" in err and second == first


def test_store_receives_one_mt_bead_per_sentence(cli, installed_model, tmp_path):
    from duiyi.corpus.store import Store

    src = SEEDS / "002_76ecc3df367f0a1b.txt"
    db = tmp_path / "corpus.db"
    for _ in range(2):  # adding the same document again replaces its beads
        status, out, err = cli("translate", "--beam-size", "1", "--store", db, src)
        assert status == 0, err
    with Store.open(db) as store:
        [doc] = store.list_documents()
        assert doc.origin == "mt" and doc.engine == "argos:translate-zh_en-1_9"
        assert "mt:argos-zh_en-1.9" in doc.signature
        assert doc.total == len(_prepared(src).sentences)
        beads = list(store.iter_pairs())
    assert {b.origin for b in beads} == {"mt"}
    drafts = " ".join(b.tgt for b in beads)
    assert all(line in drafts for line in out.split())  # the same drafts as printed
    # The drafts' flags (a random-weight model loops: repetition) go into the store, which
    # the review page shows: the same flags as the JSONL drafts.
    status, out, err = cli("translate", "--beam-size", "1", "-f", "jsonl", src)
    assert status == 0, err
    flags = [json.loads(line)["meta"]["flags"] for line in out.splitlines()]
    assert any(flags), "a random-weight model loops: some drafts are flagged"
    assert [b.meta.get("flags", []) for b in beads] == flags


def test_glosses_go_into_the_store_without_a_score(cli, packages_env, tmp_path):
    from duiyi.corpus.store import Store

    db = tmp_path / "corpus.db"
    status, _, err = cli("translate", "-q", "--store", db, SEEDS / "002_76ecc3df367f0a1b.txt")
    assert status == 0, err
    with Store.open(db) as store:
        beads = list(store.iter_pairs())
    assert beads and {(b.origin, b.score) for b in beads} == {("gloss", None)}  # not "0.0"


def test_several_documents_on_stdout_are_separated_by_a_blank_line(cli, packages_env, tmp_path):
    for name, text in (("a.txt", "美国总统访问俄罗斯。\n双方讨论了合作。"), ("b.txt", "俄罗斯。")):
        (tmp_path / name).write_text(text, encoding="utf-8")
    status, out, _ = cli("translate", "-q", tmp_path / "a.txt", tmp_path / "b.txt")
    assert status == 0
    lines = out.split("\n")
    label = "[duiyi: CC-CEDICT word glosses, NOT machine translation]"  # each gloss draft says so
    assert lines == [label, lines[1], lines[2], "", label, "Russia.", ""]


def test_a_folder_of_documents_keeps_its_sub_folders_in_the_output(cli, packages_env, tmp_path):
    corpus = tmp_path / "corpus"
    for name, text in (("a.txt", "俄罗斯。"), ("2019/a.txt", "美国。"), ("2019/a.html", "中国。")):
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        (corpus / name).write_text(text, encoding="utf-8")
    single = tmp_path / "b.txt"
    single.write_text("双方。", encoding="utf-8")
    status, _, err = cli("translate", "-q", corpus, single, "-o", tmp_path / "out")
    assert status == 0, err
    drafts = {p.relative_to(tmp_path / "out").as_posix(): p for p in (tmp_path / "out").rglob("*")}
    assert sorted(k for k, p in drafts.items() if p.is_file()) == [
        "2019/a-2.en.txt",  # a second 2019/a: numbered, still in its folder
        "2019/a.en.txt",
        "a.en.txt",
        "b.en.txt",  # a file named on the command line: its name
    ]
    assert "China" in drafts["2019/a.en.txt"].read_text(encoding="utf-8")  # a.html comes first
    assert "United States" in drafts["2019/a-2.en.txt"].read_text(encoding="utf-8")


def test_several_documents_into_an_existing_file_or_device(cli, packages_env, tmp_path):
    # An output that exists and is no folder is written into, not taken for a folder to make.
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("俄罗斯。", encoding="utf-8")
    inputs = (tmp_path / "a.txt", tmp_path / "b.txt")
    status, _, err = cli("translate", "-q", *inputs, "-o", os.devnull)
    assert status == 0, err
    existing = tmp_path / "drafts"
    existing.write_text("old", encoding="utf-8")
    status, _, err = cli("translate", "-q", *inputs, "-f", "tsv", "--include-gloss", "-o", existing)
    assert status == 0, err
    assert existing.read_text(encoding="utf-8").count("Russia.") == 2


def test_an_english_document_is_translated_with_a_warning(cli, packages_env, tmp_path, caplog):
    english = tmp_path / "en.txt"
    english.write_text("Dr. Smith went to the U.S. in 2020. Then he left.", encoding="utf-8")
    chinese = tmp_path / "zh.txt"
    chinese.write_text("美国总统访问俄罗斯。", encoding="utf-8")
    status, _, _ = cli("translate", "-q", english, chinese)
    assert status == 0
    warned = [
        r.getMessage() for r in caplog.records if "does not look like Chinese" in r.getMessage()
    ]
    assert len(warned) == 1 and warned[0].startswith("en.txt ")


def test_a_japanese_document_is_translated_with_a_warning(cli, packages_env, tmp_path, caplog):
    # (prepared as Chinese, its kanji are not converted: test_pipeline)
    japanese = tmp_path / "ja.txt"
    japanese.write_text("この國の歴史は長く、様々な文化が發展してきました。", encoding="utf-8")
    status, _, err = cli("translate", "-q", japanese)
    assert status == 0, err
    warned = [r.getMessage() for r in caplog.records if "ja.txt" in r.getMessage()]
    assert len(warned) == 1
    assert warned[0].startswith("ja.txt looks Japanese, not Chinese: ")


def test_a_document_in_another_script_is_translated_with_a_warning(
    cli, packages_env, tmp_path, caplog
):
    # neither taken for Chinese unsaid nor called English: its language is named
    korean = tmp_path / "ko.txt"
    korean.write_text("오늘 아침에 비가 많이 왔다. 여동생은 우산을 잊어버렸다.", encoding="utf-8")
    russian = tmp_path / "ru.txt"
    russian.write_text("Сегодня утром шёл сильный дождь. Моя сестра забыла зонт.", encoding="utf-8")
    french = tmp_path / "fr.txt"
    french.write_text(
        "Il a beaucoup plu ce matin. Ma sœur a oublié son parapluie.", encoding="utf-8"
    )
    status, _, err = cli("translate", "-q", korean, russian, french)
    assert status == 0, err
    warned = sorted(
        r.getMessage().split(":")[0] for r in caplog.records if ".txt " in r.getMessage()
    )
    assert warned == [
        "fr.txt looks French, not Chinese",
        "ko.txt looks Korean, not Chinese",
        "ru.txt looks Russian, not Chinese",
    ]


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [("--compute-type", "int3", "invalid choice: 'int3'"), ("--beam-size", "0", "not '0'")],
)
def test_bad_engine_options_are_one_line_errors(cli, installed_model, option, value, message):
    status, _, err = cli("translate", option, value, SEEDS / "002_76ecc3df367f0a1b.txt")
    assert status == 2 and err.startswith(f"duiyi translate: error: argument {option}: ")
    assert message in err and err.count("\n") == 1


def test_cuda_without_a_gpu_is_a_clear_error(cli, installed_model):
    import ctranslate2

    if ctranslate2.get_cuda_device_count() > 0:
        pytest.skip("this machine has a GPU")
    status, _, err = cli("translate", "--device", "cuda", SEEDS / "002_76ecc3df367f0a1b.txt")
    assert status == 1 and "no CUDA GPU" in err


@pytest.mark.parametrize("fmt", ["xces", "moses"])
def test_a_multi_file_format_on_stdout_is_refused_before_translating(fmt, monkeypatch):
    from duiyi.errors import FormatError
    from duiyi.translate.gloss import GlossTranslator
    from duiyi.translate.run import translate_inputs

    translator = GlossTranslator()
    monkeypatch.setattr(translator, "translate_drafts", lambda sentences: pytest.fail("drafted"))
    with pytest.raises(FormatError, match="writes several files: give an output path"):
        translate_inputs([str(SEEDS)], translator, fmt=fmt, include_gloss=True)


def test_help_names_every_format_that_leaves_glosses_out(cli):
    from duiyi.export import FORMATS

    status, out, _ = cli("translate", "--help")
    text = " ".join(out.split()).lower()
    help_text = text[text.index("--include-gloss keep") : text.index("-q, --quiet")]
    dropping = [name for name, cls in FORMATS.items() if not cls.keeps_gloss]
    assert status == 0 and dropping and all(name in help_text for name in dropping)


def test_options_the_engine_does_not_take_are_named(cli, packages_env, tmp_path):
    src = tmp_path / "z.txt"
    src.write_text("你好。", encoding="utf-8")
    status, _, err = cli("translate", "-q", "--engine", "gloss", "--beam-size", "3", src)
    assert status == 0
    assert "the gloss engine ignores --beam-size (engine options: llm: " in err
    status, _, err = cli("translate", "--engine", "gloss", src, "-o", tmp_path / "z.tmx")
    assert status == 1 and "glosses (--engine gloss), which TMX output leaves out" in err


def test_one_export_of_traditional_and_simplified_documents_says_it_has_one_tag(
    cli, packages_env, tmp_path, caplog
):
    for name, text in (
        ("t1.txt", "這個國家很大。"),
        ("t2.txt", "这个国家很大。"),
        ("t3.txt", "大。"),
    ):
        (tmp_path / name).write_text(text, encoding="utf-8")
    names = [tmp_path / n for n in ("t1.txt", "t2.txt", "t3.txt")]
    status, _, _ = cli("translate", "-q", "--include-gloss", *names, "-o", tmp_path / "m.tmx")
    assert status == 0
    warned = [r.getMessage() for r in caplog.records if "is tagged zh-TW" in r.getMessage()]
    assert warned == [
        f"t2.txt is zh-CN but {tmp_path / 'm.tmx'} is tagged zh-TW, as its first document is: "
        "write Traditional and Simplified documents into separate files"
    ]


@pytest.mark.parametrize(
    "output",
    [
        ("-o", "docs"),  # a.txt's draft would be a.en.txt
        ("-f", "tsv", "-o", "docs/a.txt"),
        ("-f", "moses", "-o", "docs/a.moses"),  # writes a.zh and a.en
    ],
)
def test_an_output_that_is_an_input_is_refused_before_anything_is_translated(
    cli, installed_model, tmp_path, output
):
    # docs/a.en.txt (an earlier run's draft) comes first: it used to be translated and
    # written (a.en.en.txt) before a.txt's draft was found to replace it.
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in (
        ("a.txt", "美国总统访问俄罗斯。"),
        ("a.en.txt", "双方。"),
        ("a.zh", "合作。"),
    ):
        (docs / name).write_text(text, encoding="utf-8")
    cache = tmp_path / "drafts.db"
    args = [tmp_path / arg if arg.startswith("docs") else arg for arg in output]
    status, _, err = cli("translate", "--beam-size", "1", "--cache", cache, docs, *args)
    assert status == 1 and "is also an input of this command" in err
    assert len(err.splitlines()) == 1
    assert sorted(p.name for p in docs.iterdir()) == ["a.en.txt", "a.txt", "a.zh"]
    assert _count_rows(cache) == 0  # nothing translated


def test_documents_of_one_name_in_sub_folders_stay_apart(cli, packages_env, tmp_path):
    from duiyi.corpus.store import Store

    docs = tmp_path / "docs"
    for name, text in (("a.txt", "俄罗斯。"), ("sub/a.txt", "美国。"), ("b.txt", "中国。")):
        (docs / name).parent.mkdir(parents=True, exist_ok=True)
        (docs / name).write_text(text, encoding="utf-8")
    tmx, db, imported = tmp_path / "mt.tmx", tmp_path / "mt.db", tmp_path / "imported.db"
    status, _, err = cli("translate", "-q", docs, "-o", tmx, "--include-gloss", "--store", db)
    assert status == 0, err
    status, _, err = cli("import", tmx, "--store", imported)
    assert status == 0, err
    for path in (db, imported):
        with Store.open(path) as store:  # a unique name only where the file name is shared
            assert sorted(store.document_names().values()) == ["a.txt", "b.txt", "sub/a.txt"]
            assert store.count_pairs() == 3


def _fifo_of(path, data: bytes):
    """A named pipe at `path` that a thread fills with `data` once it is opened (as `<(…)`)."""
    import threading

    os.mkfifo(path)

    def feed():
        with open(path, "wb") as f:
            f.write(data)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    return writer


def test_a_named_pipe_is_translated_whole(cli, tmp_path):
    # `duiyi translate <(…)`: telling XLIFF from a document read the pipe's first 64 KB,
    # which were then missing from the drafts, without a word
    text = (SEEDS / "000_08edd30e33a077b6.txt").read_bytes() * 3
    (tmp_path / "a.txt").write_bytes(text)
    args = ("translate", "--engine", "gloss", "-f", "jsonl", "--include-gloss", "-q")
    status, whole, err = cli(*args, tmp_path / "a.txt")
    assert status == 0, err
    writer = _fifo_of(tmp_path / "pipe", text)
    status, piped, err = cli(*args, tmp_path / "pipe")
    writer.join()
    assert status == 0, err
    assert len(piped.splitlines()) == len(whole.splitlines()) > 800

    writer = _fifo_of(tmp_path / "docx-pipe", text)
    status, _, err = cli("translate", "--engine", "gloss", tmp_path / "docx-pipe", "-o", "x.docx")
    writer.join()
    assert status == 1 and "needs the DOCX as a file, not a pipe" in err


@pytest.mark.parametrize("name", ["a.en.odt", "a.en.PDF", "a.en.epub", "a.en.doc"])
def test_an_output_named_like_a_document_duiyi_cannot_write_is_refused(cli, tmp_path, name):
    # plain text in a file named .odt or .pdf would not open in any office program
    src = SEEDS / "002_76ecc3df367f0a1b.txt"
    status, _, err = cli("translate", "--engine", "gloss", src, "-o", tmp_path / name)
    assert status == 1 and "does not write" in err and "-o NAME.en.txt" in err
    assert not (tmp_path / name).exists()
    status, _, err = cli("translate", "--engine", "gloss", src, "-o", tmp_path / name, "-f", "text")
    assert status == 0, err  # asked for by name


def test_xces_files_of_two_documents_in_a_folder_never_overwrite_each_other(cli, tmp_path):
    # a.txt's sentence file a.zh.xml is a.zh.txt's alignment file by name: the second
    # document's output replaced the first's, without a word
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("渔船陆续回到港口。\n", encoding="utf-8")
    (tmp_path / "in" / "a.zh.txt").write_text("老陈说他在港口打鱼四十年了。\n", encoding="utf-8")
    out = tmp_path / "out"
    status, _, err = cli(
        "translate", "--engine", "gloss", "--include-gloss", "-f", "xces", tmp_path / "in",
        "-o", f"{out}/",
    )  # fmt: skip
    assert status == 0, err
    written = sorted(p.name for p in out.iterdir())
    assert len(written) == 6, written  # three files per document
    links = {
        p.name: re.search(r'fromDoc="([^"]+)" toDoc="([^"]+)"', p.read_text(encoding="utf-8"))
        for p in out.iterdir()
        if "cesAlign" in p.read_text(encoding="utf-8")
    }
    assert len(links) == 2
    for found in links.values():
        src, tgt = found.groups()
        assert "<s " in (out / src).read_text(encoding="utf-8")  # a sentence file, not a cesAlign
        assert "cesAlign" not in (out / src).read_text(encoding="utf-8")
        assert "cesAlign" not in (out / tgt).read_text(encoding="utf-8")
