"""`duiyi align` and `duiyi eval-align` end to end, on files the tests write."""

from __future__ import annotations

import json

import pytest
from align_fixtures import PARALLEL, merged

from duiyi.align.alignfile import read_align

ZH = [zh for zh, _ in PARALLEL]
EN = [en for _, en in PARALLEL]


@pytest.fixture
def cache(tmp_path_factory):
    return str(tmp_path_factory.getbasetemp() / "align-cli-e5.sqlite")


def write_lines(path, lines):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_presplit_directories_then_eval_align(cli, tmp_path, cache):
    # doc 001: 1-1 throughout; doc 002: English sentences 2-3 merged into one line
    write_lines(tmp_path / "zh/001", ZH[:6])
    write_lines(tmp_path / "en/001", EN[:6])
    write_lines(tmp_path / "zh/002", ZH[6:12])
    write_lines(tmp_path / "en/002", merged(EN[6:12], [1, 1, 2, 1, 1], " "))
    write_lines(tmp_path / "gold/001.align", [f"[{i}]:[{i}]" for i in range(6)])
    write_lines(
        tmp_path / "gold/002.align", ["[0]:[0]", "[1]:[1]", "[2,3]:[2]", "[4]:[3]", "[5]:[4]"]
    )
    status, _, err = cli(
        "align", "--presplit", tmp_path / "zh", tmp_path / "en", "-o", tmp_path / "sys",
        "--cache", cache,
    )  # fmt: skip
    assert status == 0, err
    assert [(b.src, b.tgt) for b in read_align(tmp_path / "sys/002.align")][2] == ((2, 3), (2,))
    status, out, _ = cli("eval-align", tmp_path / "gold", tmp_path / "sys", "--format", "json")
    assert status == 0
    result = json.loads(out)
    assert result["documents"] == 2
    assert result["strict"]["f1"] == 1.0 and result["lax"]["f1"] == 1.0
    status, out, _ = cli("eval-align", tmp_path / "gold", tmp_path / "sys")
    assert "strict" in out and "1.0000" in out


def test_presplit_directories_holding_one_pair_write_into_the_output_folder(cli, tmp_path, cache):
    write_lines(tmp_path / "zh/001", ZH[:3])
    write_lines(tmp_path / "en/001", EN[:3])
    status, _, err = cli(
        "align", "--presplit", tmp_path / "zh", tmp_path / "en", "-o", tmp_path / "sys",
        "--cache", cache,
    )  # fmt: skip
    assert status == 0, err
    assert [(b.src, b.tgt) for b in read_align(tmp_path / "sys/001.align")][0] == ((0,), (0,))


def test_presplit_single_pair_to_stdout_with_scores(cli, tmp_path, cache):
    src = write_lines(tmp_path / "a.zh", ZH[:4])
    tgt = write_lines(tmp_path / "a.en", EN[:4])
    status, out, _ = cli("align", "--presplit", "--scores", src, tgt, "--cache", cache)
    assert status == 0
    lines = out.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["[0]:[0]", "[1]:[1]", "[2]:[2]", "[3]:[3]"]
    assert all(0.0 <= float(line.split("\t")[1]) <= 1.0 for line in lines)
    status, out, err = cli("align", "--scores", src, tgt, "-o", tmp_path / "a.tmx")
    assert status == 1 and not (tmp_path / "a.tmx").exists()
    assert "--scores adds confidences to .align output; tmx carries each pair's already" in err


def test_one_bead_summary_is_singular(cli, tmp_path, cache):
    src = write_lines(tmp_path / "a.zh", ZH[:1])
    tgt = write_lines(tmp_path / "a.en", EN[:1])
    status, _, err = cli("align", "--presplit", src, tgt, "--cache", cache)
    assert status == 0
    assert "aligned 1 document pair: 1 linked bead, mean confidence" in err


def test_presplit_blank_lines_break_paragraphs_and_keep_the_line_numbers(cli, tmp_path, cache):
    src = tmp_path / "b.zh"
    src.write_text(f"{ZH[0]}\n\n{ZH[1]}\n{ZH[2]}\n", encoding="utf-8")
    tgt = tmp_path / "b.en"
    tgt.write_text(f"{EN[0]}\n{EN[1]}\n\n{EN[2]}\n", encoding="utf-8")
    expected = ["[0]:[0]", "[2]:[1]", "[3]:[3]"]  # a blank line is in no bead
    status, out, err = cli("align", "--presplit", src, tgt, "--cache", cache, "-q")
    assert status == 0 and out.splitlines() == expected, err
    stored = tmp_path / "b.align"
    args = ("-o", stored, "--store", tmp_path / "c.db")
    status, _, err = cli("align", "--presplit", src, tgt, *args, "--cache", cache, "-q")
    assert status == 0 and stored.read_text().splitlines() == expected, err


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_presplit_lines_may_end_in_crlf_or_a_lone_cr(cli, tmp_path, cache, newline):
    # Windows files, and old Mac ones (a lone CR): the lines are the same as with LF
    src = tmp_path / "b.zh"
    src.write_bytes(newline.join([ZH[0], "", ZH[1], ZH[2], ""]).encode("utf-8"))
    tgt = tmp_path / "b.en"
    tgt.write_bytes(newline.join([EN[0], EN[1], "", EN[2], ""]).encode("utf-8"))
    status, out, err = cli("align", "--presplit", src, tgt, "--cache", cache, "-q")
    assert status == 0 and out.splitlines() == ["[0]:[0]", "[2]:[1]", "[3]:[3]"], err


def test_mismatched_directories_are_a_clear_error(cli, tmp_path, cache):
    write_lines(tmp_path / "zh/001", ZH[:2])
    write_lines(tmp_path / "zh/002", ZH[2:4])
    write_lines(tmp_path / "en/001", EN[:2])
    write_lines(tmp_path / "en/003", EN[2:4])
    status, _, err = cli(
        "align", "--presplit", tmp_path / "zh", tmp_path / "en", "-o", tmp_path / "out",
        "--cache", cache,
    )  # fmt: skip
    assert status == 1
    assert "002" in err and "003" in err and "paired by name" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_file_and_directory_mixed_is_an_error(cli, tmp_path):
    write_lines(tmp_path / "zh/001", ZH[:2])
    status, _, err = cli("align", tmp_path / "zh", tmp_path / "zh/001", "--no-cache")
    assert status == 1 and "two files or two directories" in err


def test_the_same_file_twice_is_an_error(cli, tmp_path):
    src = write_lines(tmp_path / "a.zh", ZH[:2])
    status, _, err = cli("align", src, src, "--no-cache")
    assert status == 1 and "are the same file" in err and "Traceback" not in err


def test_the_same_directory_twice_is_an_error(cli, tmp_path):
    write_lines(tmp_path / "zh/001", ZH[:2])
    write_lines(tmp_path / "zh/002", ZH[2:4])
    (tmp_path / "link").symlink_to(tmp_path / "zh")
    for other in (tmp_path / "zh", tmp_path / "link"):
        status, _, err = cli("align", tmp_path / "zh", other, "-o", tmp_path / "a.tmx")
        assert status == 1 and err == (
            f"duiyi: error: {tmp_path / 'zh'} and {other} are the same directory: give the "
            "texts' and their translations'\n"
        )
        assert not (tmp_path / "a.tmx").exists()


def test_missing_input_is_an_error(cli, tmp_path):
    status, _, err = cli("align", tmp_path / "nope.txt", tmp_path / "nope2.txt", "--no-cache")
    assert status == 1 and "no such file" in err


def test_empty_side_is_an_honest_result_with_a_warning(cli, tmp_path, cache):
    src = write_lines(tmp_path / "a.zh", ZH[:2])
    tgt = tmp_path / "a.en"
    tgt.write_text("")
    status, out, err = cli("align", "--presplit", src, tgt, "--cache", cache)
    assert status == 0
    assert out.splitlines() == ["[0]:[]", "[1]:[]"]
    assert "warning" in err and "no sentences" in err


def test_beads_with_an_empty_side_stay_out_of_pair_formats_as_in_export(cli, tmp_path, cache):
    """A TMX unit with an empty target is an empty translation to a CAT tool: align writes
    a pairs format as export would from the store, which keeps them, and says so."""
    src = write_lines(tmp_path / "a.zh", ZH[:2])
    tgt = tmp_path / "a.en"
    tgt.write_text("")
    out, db = tmp_path / "a.tmx", tmp_path / "c.db"
    status, _, err = cli(
        "align", "--presplit", src, tgt, "-o", out, "--store", db, "--cache", cache
    )
    assert status == 0, err
    assert "<tu " not in out.read_text(encoding="utf-8")
    assert f"left 2 beads with an empty side (a sentence without a counterpart) out of {out}" in err
    from duiyi.corpus.store import Store

    with Store.open(db) as store:
        assert [p.src for p in store.iter_pairs()] == ZH[:2]
    status, stdout, err = cli("align", "--presplit", src, tgt, "-f", "jsonl", "--cache", cache)
    assert status == 0 and stdout == "" and "out of the output" in err


def test_documents_to_tsv_keep_the_original_traditional_text(cli, tmp_path, cache):
    traditional = "今天早上下了一場大雨。我的妹妹忘了帶傘。她只好跑到學校去。"
    src = tmp_path / "story.zh.txt"
    src.write_text(traditional + "\n", encoding="utf-8")
    tgt = tmp_path / "story.en.txt"
    tgt.write_text(" ".join(EN[:3]) + "\n", encoding="utf-8")
    out = tmp_path / "pairs.tsv"
    status, _, err = cli("align", src, tgt, "-o", out, "--cache", cache)
    assert status == 0, err
    text = out.read_text(encoding="utf-8")
    assert "一場大雨" in text  # the original script, not the normalized one
    assert EN[0] in text and EN[2] in text


def test_documents_to_tmx_and_store(cli, tmp_path, cache):
    src = tmp_path / "zh" / "story.txt"
    tgt = tmp_path / "en" / "story.txt"
    src.parent.mkdir()
    tgt.parent.mkdir()
    src.write_text("".join(ZH[:5]) + "\n", encoding="utf-8")
    tgt.write_text(" ".join(EN[:5]) + "\n", encoding="utf-8")
    out = tmp_path / "pairs.tmx"
    db = tmp_path / "corpus.db"
    status, _, err = cli(
        "align", tmp_path / "zh", tmp_path / "en", "-o", out, "--store", db, "--cache", cache
    )
    assert status == 0, err
    assert "aligned 1 document pair: 5 linked beads" in err and f"stored in {db}" in err
    from duiyi.export import read_pairs

    pairs = list(read_pairs(str(out)))
    assert [p.src for p in pairs] == ZH[:5]
    assert [p.tgt for p in pairs] == EN[:5]
    assert all(p.score is not None and 0 <= p.score <= 1 for p in pairs)
    from duiyi.corpus.store import Store

    with Store.open(db) as store:
        assert store.count_pairs() == 5


@pytest.mark.parametrize("fmt", ["tsv", "moses"])
def test_an_output_that_is_an_input_is_refused_before_aligning_or_storing(cli, tmp_path, fmt):
    src, tgt = tmp_path / "a.zh", tmp_path / "a.en"
    src.write_text("".join(ZH[:3]) + "\n", encoding="utf-8")
    tgt.write_text(" ".join(EN[:3]) + "\n", encoding="utf-8")
    before = tgt.read_bytes()
    out = tgt if fmt == "tsv" else tmp_path / "a.moses"  # Moses writes a.zh and a.en
    db = tmp_path / "corpus.db"
    status, _, err = cli("align", src, tgt, "-f", fmt, "-o", out, "--store", db)
    assert status == 1 and "is also an input of this command" in err
    assert len(err.splitlines()) == 1 and tgt.read_bytes() == before
    from duiyi.corpus.store import Store

    if db.exists():  # opened by the command: nothing aligned went in
        with Store.open(db) as store:
            assert store.count_pairs() == 0


def test_presplit_lines_go_to_the_store_and_every_format(cli, tmp_path, cache):
    # one sentence per line, a blank line between two paragraphs, a line holding two sentences
    zh = [*ZH[:3], "", ZH[3], ZH[4] + ZH[5]]
    en = [*EN[:3], "", *EN[3:6]]
    src = write_lines(tmp_path / "a.zh", zh)
    tgt = write_lines(tmp_path / "a.en", en)
    db, tmx = tmp_path / "corpus.db", tmp_path / "pairs.tmx"
    status, _, err = cli(
        "align", "--presplit", src, tgt, "-o", tmx, "--store", db, "--cache", cache, "-q"
    )
    assert status == 0, err
    from duiyi.export import read_pairs

    pairs = list(read_pairs(str(tmx)))
    # the lines are the sentences: never re-split, the two-sentence line stays one
    assert [p.src for p in pairs] == [*ZH[:4], ZH[4] + ZH[5]]
    assert [p.tgt for p in pairs] == [*EN[:4], EN[4] + " " + EN[5]]
    status, out, err = cli("export", db, "-f", "jsonl", "-o", "-")
    assert status == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["src_text"] for r in rows] == [p.src for p in pairs]
    assert [r["tgt_text"] for r in rows] == [p.tgt for p in pairs]
    for fmt in ("tsv", "jsonl"):
        status, out, err = cli("align", "--presplit", src, tgt, "-f", fmt, "--cache", cache, "-q")
        assert status == 0 and ZH[0] in out and EN[0] in out, err


def test_one_side_on_stdin(cli, tmp_path, cache, monkeypatch):
    import io
    import sys

    tgt = write_lines(tmp_path / "a.en", EN[:3])
    stdin = io.TextIOWrapper(io.BytesIO("".join(z + "\n" for z in ZH[:3]).encode("utf-8")))
    monkeypatch.setattr(sys, "stdin", stdin)
    status, out, err = cli("align", "--presplit", "-", tgt, "--cache", cache)
    assert status == 0, err
    assert out.splitlines() == ["[0]:[0]", "[1]:[1]", "[2]:[2]"]
    status, _, err = cli("align", "-", "-")
    assert status == 1 and "not both" in err


def test_documents_of_one_name_in_sub_folders_stay_apart(cli, tmp_path, cache):
    from duiyi.corpus.store import Store
    from duiyi.export import read_pairs

    for side, lines in (("zh", ZH), ("en", EN)):
        write_lines(tmp_path / side / "a.txt", lines[:3])
        write_lines(tmp_path / side / "sub/a.txt", lines[3:6])
    out, db = tmp_path / "pairs.tmx", tmp_path / "corpus.db"
    status, _, err = cli(
        "align", tmp_path / "zh", tmp_path / "en", "-o", out, "--store", db, "--cache", cache
    )
    assert status == 0, err
    assert sorted({p.document for p in read_pairs(str(out))}) == ["a.txt", "sub/a.txt"]
    with Store.open(db) as store:
        assert sorted(store.document_names().values()) == ["a.txt", "sub/a.txt"]


@pytest.fixture
def pipe_path():
    """A pipe holding a text, by its /dev/fd path (what the shell's `<(…)` gives a command)."""
    import os

    opened = []

    def make(text: str) -> str:
        read, write = os.pipe()
        os.write(write, text.encode("utf-8"))
        os.close(write)
        opened.append(read)
        return f"/dev/fd/{read}"

    yield make
    for fd in opened:
        os.close(fd)


def test_pipes_are_read_as_files(cli, tmp_path, cache, pipe_path):
    # duiyi align <(zcat a.zh.gz) <(zcat a.en.gz), and eval-align of such a run's output
    src = pipe_path("".join(z + "\n" for z in ZH[:3]))
    tgt = write_lines(tmp_path / "a.en", EN[:3])
    status, out, err = cli("align", "--presplit", src, tgt, "--cache", cache, "-q")
    assert status == 0 and out.splitlines() == ["[0]:[0]", "[1]:[1]", "[2]:[2]"], err
    gold = write_lines(tmp_path / "gold.align", out.splitlines())
    status, out, err = cli("eval-align", gold, pipe_path(out), "--format", "json")
    assert status == 0 and json.loads(out)["strict"]["f1"] == 1.0, err


def test_presplit_directories_write_align_files_with_a_store_too(cli, tmp_path, cache):
    from duiyi.corpus.store import Store

    for name, (start, end) in (("001", (0, 3)), ("002", (3, 6))):
        write_lines(tmp_path / "zh" / name, ZH[start:end])
        write_lines(tmp_path / "en" / name, EN[start:end])
    db = tmp_path / "corpus.db"
    status, _, err = cli(
        "align", "--presplit", tmp_path / "zh", tmp_path / "en", "-o", tmp_path / "sys",
        "--store", db, "--cache", cache, "-q",
    )  # fmt: skip
    assert status == 0, err
    for name in ("001", "002"):
        beads = [(b.src, b.tgt) for b in read_align(tmp_path / "sys" / f"{name}.align")]
        assert beads == [((0,), (0,)), ((1,), (1,)), ((2,), (2,))]
    with Store.open(db) as store:
        assert store.count_pairs() == 6


def test_a_run_that_aligns_nothing_leaves_no_new_store(cli, tmp_path, cache):
    src = tmp_path / "a.zh"
    src.write_bytes(b"\x00\x01binary\x00" * 100)
    tgt = write_lines(tmp_path / "a.en", EN[:2])
    db = tmp_path / "corpus.db"
    status, _, err = cli("align", src, tgt, "--store", db, "--cache", cache)
    assert status == 1 and err.count("\n") == 1 and "binary" in err, err
    assert not db.exists()


def test_an_unknown_output_extension_names_every_format_align_writes(cli, tmp_path):
    src = write_lines(tmp_path / "a.zh", ZH[:2])
    tgt = write_lines(tmp_path / "a.en", EN[:2])
    status, _, err = cli("align", src, tgt, "-o", tmp_path / "pairs.txt", "--no-cache")
    assert status == 1 and len(err.splitlines()) == 1
    assert ".tmx" in err and ".align" in err and "-f align" in err


@pytest.mark.parametrize("fmt", ["moses", "xces"])
def test_a_several_file_format_on_stdout_is_refused_before_aligning_or_storing(cli, tmp_path, fmt):
    src = write_lines(tmp_path / "a.zh", ZH[:2])
    tgt = write_lines(tmp_path / "a.en", EN[:2])
    db = tmp_path / "corpus.db"
    status, _, err = cli("align", src, tgt, "-f", fmt, "--store", db, "--no-cache")
    assert status == 1 and "writes several files" in err and len(err.splitlines()) == 1
    assert not db.exists()


@pytest.mark.parametrize(
    ("output", "message"),
    [("pairs.tmx", "is a folder"), ("file/pairs.tmx", "a part of its folder is a file")],
)
def test_an_unwritable_output_is_refused_before_aligning_or_storing(cli, tmp_path, output, message):
    (tmp_path / "pairs.tmx").mkdir()
    (tmp_path / "file").write_text("a file\n")
    src = write_lines(tmp_path / "a.zh", ZH[:2])
    tgt = write_lines(tmp_path / "a.en", EN[:2])
    db = tmp_path / "corpus.db"
    status, _, err = cli("align", src, tgt, "-o", tmp_path / output, "--store", db, "--no-cache")
    assert status == 1 and message in err and len(err.splitlines()) == 1
    assert not db.exists()


def test_traditional_and_simplified_documents_in_one_file_are_tagged_zh(cli, tmp_path, cache):
    traditional = ["今天早上下了一場大雨。", "我的妹妹忘了帶傘。", "她只好跑到學校去。"]
    write_lines(tmp_path / "zh/a.txt", traditional)
    write_lines(tmp_path / "en/a.txt", EN[:3])
    write_lines(tmp_path / "zh/b.txt", ZH[3:6])
    write_lines(tmp_path / "en/b.txt", EN[3:6])
    out = tmp_path / "pairs.jsonl"
    status, _, err = cli("align", tmp_path / "zh", tmp_path / "en", "-o", out, "--cache", cache)
    assert status == 0, err
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {row["src_lang"] for row in rows} == {"zh"}  # not zh-TW for both


def test_document_pairs_in_both_directions_are_refused_before_aligning(cli, tmp_path):
    write_lines(tmp_path / "zh/a.txt", ZH[:3])
    write_lines(tmp_path / "en/a.txt", EN[:3])
    write_lines(tmp_path / "zh/b.txt", EN[3:6])  # the other direction: English on the left
    write_lines(tmp_path / "en/b.txt", ZH[3:6])
    out = tmp_path / "pairs.tmx"
    status, _, err = cli("align", tmp_path / "zh", tmp_path / "en", "-o", out, "--no-cache")
    assert status == 1 and len(err.splitlines()) == 1
    assert "several languages (b.txt is en, a.txt is zh)" in err
    assert "align each direction into a file of its own" in err
    assert "--src-lang" not in err  # English tagged zh would be wrong
    assert not out.exists()


def test_a_side_detected_in_two_languages_says_how_to_name_its_language(cli, tmp_path, cache):
    # A Chinese folder with a document full of kana (Japanese, or Chinese quoting much of it):
    # not "each direction", which is not the matter; --src-lang names the side's language.
    write_lines(tmp_path / "zh/a.txt", ZH[:3])
    write_lines(tmp_path / "en/a.txt", EN[:3])
    write_lines(tmp_path / "zh/b.txt", JA)
    write_lines(tmp_path / "en/b.txt", EN[3:6])
    out = tmp_path / "pairs.tmx"
    status, _, err = cli("align", tmp_path / "zh", tmp_path / "en", "-o", out, "--cache", cache)
    assert status == 1 and len(err.splitlines()) == 1
    assert "several languages (b.txt is ja, a.txt is zh)" in err
    assert "direction" not in err and "--src-lang/--tgt-lang" in err
    args = ("align", "-q", tmp_path / "zh", tmp_path / "en", "-o", out, "--cache", cache)
    status, _, err = cli(*args, "--src-lang", "zh")
    assert status == 0, err
    assert 'xml:lang="ja"' not in out.read_text(encoding="utf-8")


def test_presplit_file_pairs_given_one_by_one_write_align_files_by_name(tmp_path, cache):
    # the Python API: several file pairs and an output folder, no source folder
    from duiyi.align.aligner import Aligner
    from duiyi.align.embed import EmbeddingCache, SpanEncoder
    from duiyi.align.run import align_files
    from duiyi.errors import InputError

    pairs = []
    for name, (start, end) in (("a", (0, 3)), ("b", (3, 6))):
        src = write_lines(tmp_path / "zh" / name, ZH[start:end])
        pairs.append((src, write_lines(tmp_path / "en" / name, EN[start:end])))
    aligner = Aligner(SpanEncoder(EmbeddingCache(cache)))
    out = tmp_path / "sys"
    stats = align_files(pairs, aligner, output=out, presplit=True, quiet=True)
    assert stats.documents == 2 and sorted(p.name for p in out.iterdir()) == ["a.align", "b.align"]
    with pytest.raises(InputError, match="two source documents would write"):
        align_files([pairs[0], pairs[0]], aligner, output=out, presplit=True, quiet=True)


def test_presplit_directories_into_an_existing_folder_with_a_dot(cli, tmp_path, cache):
    write_lines(tmp_path / "zh/001", ZH[:2])
    write_lines(tmp_path / "en/001", EN[:2])
    out = tmp_path / "runs" / "v1.2"  # a folder, though its name has an extension
    out.mkdir(parents=True)
    status, _, err = cli(
        "align", "--presplit", tmp_path / "zh", tmp_path / "en", "-o", out, "--cache", cache, "-q"
    )
    assert status == 0, err
    assert [(b.src, b.tgt) for b in read_align(out / "001.align")] == [((0,), (0,)), ((1,), (1,))]


FR = [
    "Il a beaucoup plu ce matin.",
    "Ma petite sœur a oublié son parapluie, dit M. Dupont.",
    "Elle n'a eu d'autre choix que de courir à l'école.",
]
RU = ["Сегодня утром шёл сильный дождь.", "Моя сестра забыла зонт.", "Ей пришлось бежать в школу."]
KO = [
    "오늘 아침에 비가 많이 왔다.",
    "여동생은 우산을 잊어버렸다.",
    "그녀는 학교까지 뛰어갈 수밖에 없었다.",
]
JA = [
    "今朝は大雨が降りました。",
    "妹は傘を忘れました。",
    "彼女は學校まで走るしかありませんでした。",
]
DE = [
    "Heute Morgen hat es stark geregnet.",
    "Meine kleine Schwester hat ihren Regenschirm vergessen.",
    "Sie musste zur Schule rennen.",
]
KANJI_JA = [
    "今朝、記録的大雨発生。",
    "妹は傘を忘れた。",
    "学校迄全力疾走。",
]  # kana: 17% of its CJK


@pytest.mark.parametrize(
    "lines,tag,name",
    [
        (FR, "fr", "French"),
        (DE, "de", "German"),
        (RU, "ru", "Russian"),
        (KANJI_JA, "ja", "Japanese"),
    ],
)
def test_a_side_in_another_language_is_tagged_as_detected(cli, tmp_path, cache, lines, tag, name):
    # no --tgt-lang: French is not tagged English, nor Russian und, nor kanji-heavy Japanese zh
    src = write_lines(tmp_path / "a.zh", ZH[:3])
    tgt = write_lines(tmp_path / "a.txt", lines)
    db = tmp_path / "corpus.db"
    args = ("align", "-q", src, tgt, "--store", db, "--cache", cache)
    status, _, err = cli(*args, "-o", tmp_path / "a.tmx")
    assert status == 0, err
    assert err == (
        f"duiyi: warning: a.zh: the target looks {name}: tagged {tag} (--tgt-lang tags another "
        "language)\n"
    )
    tmx = (tmp_path / "a.tmx").read_text(encoding="utf-8")
    assert f'<tuv xml:lang="{tag}">' in tmx and 'xml:lang="en-US"' not in tmx
    status, _, err = cli("export", db, "-o", tmp_path / "a.xlf")  # the store keeps the language
    assert status == 0, err
    xlf = (tmp_path / "a.xlf").read_text(encoding="utf-8")
    assert f'target-language="{tag}"' in xlf and 'source-language="zh-CN"' in xlf


def test_target_language_tags_the_output_and_the_store(cli, tmp_path, cache):
    src = write_lines(tmp_path / "a.zh", ["".join(ZH[:3])])
    tgt = write_lines(tmp_path / "a.fr", [" ".join(FR)])  # one paragraph: the splitter's work
    db = tmp_path / "corpus.db"
    status, _, err = cli(
        "align", src, tgt, "--tgt-lang", "fr", "-o", tmp_path / "a.tmx", "--store", db,
        "--cache", cache,
    )  # fmt: skip
    assert status == 0 and "warning" not in err, err
    tmx = (tmp_path / "a.tmx").read_text(encoding="utf-8")
    assert tmx.count('xml:lang="fr"') == 3 and tmx.count('xml:lang="zh-CN"') == 3
    assert 'xml:lang="en-US"' not in tmx and "M. Dupont.</seg>" in tmx  # M. ends no sentence
    status, _, err = cli("export", db, "-o", tmp_path / "a.xlf")
    assert status == 0, err
    assert 'target-language="fr"' in (tmp_path / "a.xlf").read_text(encoding="utf-8")
    status, _, err = cli(
        "align", src, tgt, "--src-lang", "zh-TW", "--tgt-lang", "fr-CA", "-o", tmp_path / "b.jsonl",
        "--cache", cache,
    )  # fmt: skip
    assert status == 0, err
    rows = [json.loads(line) for line in (tmp_path / "b.jsonl").read_text().splitlines()]
    assert {(row["src_lang"], row["tgt_lang"]) for row in rows} == {("zh-TW", "fr-CA")}


def test_an_undetermined_side_is_split_by_its_detected_language_and_keeps_its_tag(
    cli, tmp_path, cache
):
    # und (ISO 639: undetermined) says the language is unknown: the Chinese paragraph is split
    # at its 。 as Chinese, not kept whole by the English rules, and tagged und as given
    src = write_lines(tmp_path / "a.zh", ["".join(ZH[:3])])
    tgt = write_lines(tmp_path / "a.en", EN[:3])
    out = tmp_path / "a.jsonl"
    status, _, err = cli("align", src, tgt, "--src-lang", "und", "-o", out, "--cache", cache)
    assert status == 0, err
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(row["src_text"], row["bead"]) for row in rows] == [(zh, "1-1") for zh in ZH[:3]]
    assert {(row["src_lang"], row["tgt_lang"]) for row in rows} == {("und", "en-US")}
    assert rows[0]["signature"].startswith("opencc:none|split:zh")


def test_a_language_tag_that_is_none_is_refused_before_aligning(cli, tmp_path):
    src = write_lines(tmp_path / "a.zh", ZH[:2])
    tgt = write_lines(tmp_path / "a.fr", FR[:2])
    status, _, err = cli("align", src, tgt, "--src-lang", "zh CN", "-o", tmp_path / "a.tmx")
    assert status == 2 and err == "duiyi align: error: argument --src-lang: 'zh CN' is not a " \
        "language tag (zh-CN, zh-TW, en-US, …)\n"  # fmt: skip
    assert not (tmp_path / "a.tmx").exists()


def test_language_warnings_follow_the_tags(cli, tmp_path, cache):
    src = write_lines(tmp_path / "a.zh", ZH[:3])
    hindi = write_lines(tmp_path / "a.hi", ["आज सुबह बहुत बारिश हुई।"])  # Hindi? Nepali?
    status, _, err = cli("align", "-q", src, hindi, "-o", tmp_path / "a.tmx", "--cache", cache)
    assert status == 0
    assert err == (  # too short to be sure: undetermined, not called English
        "duiyi: warning: a.zh: the target is in Devanagari letters, in a language duiyi could "
        "not tell: tagged und, which OmegaT does not load (--tgt-lang names it)\n"
    )
    tmx = (tmp_path / "a.tmx").read_text(encoding="utf-8")
    assert 'xml:lang="und"' in tmx and 'xml:lang="en-US"' not in tmx
    russian = write_lines(tmp_path / "a.ru", RU)
    status, _, err = cli(
        "align", "-q", src, russian, "--tgt-lang", "ru", "-o", tmp_path / "b.tmx", "--cache", cache
    )
    assert status == 0 and err == ""
    japanese = write_lines(tmp_path / "a.ja", ["".join(JA)])
    status, _, err = cli("align", "-q", src, japanese, "-o", tmp_path / "c.tmx", "--cache", cache)
    assert status == 0  # and not "both sides look Chinese"
    assert err == (
        "duiyi: warning: a.zh: the target looks Japanese: tagged ja (--tgt-lang tags another "
        "language)\n"
    )
    tmx = (tmp_path / "c.tmx").read_text(encoding="utf-8")
    assert tmx.count('xml:lang="ja"') == 3 and "學校" in tmx  # split at 。, kanji kept
    korean = write_lines(tmp_path / "a.ko", [" ".join(KO)])
    status, _, err = cli("align", "-q", korean, src, "-o", tmp_path / "d.jsonl", "--cache", cache)
    assert status == 0
    assert err == (
        "duiyi: warning: a.ko: the source looks Korean: tagged ko (--src-lang tags another "
        "language)\n"
    )
    rows = [json.loads(line) for line in (tmp_path / "d.jsonl").read_text().splitlines()]
    assert [(row["src_lang"], row["tgt_lang"]) for row in rows] == [("ko", "zh-CN")] * 3
    english = write_lines(tmp_path / "a.en", EN[:3])
    status, _, err = cli(
        "align", "-q", english, russian, "-o", tmp_path / "e.tmx", "--cache", cache
    )
    assert status == 0 and "both sides look non-Chinese" in err and "tagged ru" in err


def test_align_files_takes_language_tags(tmp_path, cache):
    from duiyi.align.aligner import Aligner
    from duiyi.align.embed import EmbeddingCache, SpanEncoder
    from duiyi.align.run import align_files
    from duiyi.errors import FormatError

    src = write_lines(tmp_path / "a.zh", ZH[:3])
    tgt = write_lines(tmp_path / "a.ru", RU)
    out = tmp_path / "a.jsonl"
    aligner = Aligner(SpanEncoder(EmbeddingCache(cache)))
    stats = align_files((src, tgt), aligner, output=out, tgt_lang="ru", quiet=True)
    assert stats.linked == 3 and stats.warnings == []
    assert {json.loads(line)["tgt_lang"] for line in out.read_text().splitlines()} == {"ru"}
    with pytest.raises(FormatError, match="--tgt-lang"):
        align_files((src, tgt), aligner, output=out, tgt_lang="", quiet=True)
