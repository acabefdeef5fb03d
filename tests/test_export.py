"""Every pair format: a shared round-trip suite, plus each format's own facts and the CLI."""

from __future__ import annotations

import io
import json
import os
import re
import sqlite3
from pathlib import Path

import pytest

from duiyi.corpus.model import Bead, Document, Pair, Sentence, lang_tag
from duiyi.corpus.store import Store
from duiyi.errors import FormatError, InputError
from duiyi.export import format_for_path, get_format, read_pairs, write_pairs
from duiyi.export.exports import export_store
from duiyi.export.filters import filter_pairs, length_units

PAIRS = [
    Pair("今天天气很好。", "The weather is nice today.", 0.91, "1-1", "mt", "a.txt", "approved"),
    Pair("他说：“A & B <c> ]]>”", 'He said: "A & B <c> ]]>"', None, "2-1", "aligned", "a.txt"),
    Pair("表情😀和𠀀𪚥字\t制表", "emoji 😀 and\ttab \\ back", 0.5, "1-2", "human", "b.txt"),
    Pair("两行\n文字。", "two\nlines.", 0.25, "1-1", "edited", "b.txt", "rejected"),
]


class RoundTrip:
    """Shared suite: each format subclass names its `fmt` and output file name."""

    fmt = ""
    filename = ""

    def path(self, tmp_path: Path) -> str:
        return str(tmp_path / self.filename)

    def test_write_read_gives_the_texts_back(self, tmp_path):
        path = self.path(tmp_path)
        assert write_pairs(PAIRS, path, self.fmt) == len(PAIRS)
        got = list(read_pairs(path, self.fmt))
        fmt = get_format(self.fmt)
        expected = (
            PAIRS
            if fmt.keeps_line_breaks
            else [Pair(p.src.replace("\n", " "), p.tgt.replace("\n", " ")) for p in PAIRS]
        )
        assert [(p.src, p.tgt) for p in got] == [(p.src, p.tgt) for p in expected]
        if fmt.keeps_metadata:
            assert [(p.score, p.bead, p.origin, p.document, p.status) for p in got] == [
                (p.score, p.bead, p.origin, p.document, p.status) for p in PAIRS
            ]

    def test_writing_twice_gives_the_same_bytes(self, tmp_path, monkeypatch):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
        one, two = tmp_path / "one", tmp_path / "two"
        one.mkdir(), two.mkdir()
        write_pairs(PAIRS, self.path(one), self.fmt)
        write_pairs(list(read_pairs(self.path(one), self.fmt)), self.path(two), self.fmt)
        files = sorted(p.name for p in one.iterdir())
        assert files == sorted(p.name for p in two.iterdir())
        if get_format(self.fmt).keeps_metadata:
            for name in files:
                assert (one / name).read_bytes() == (two / name).read_bytes(), name

    def test_a_failed_write_leaves_existing_output_alone(self, tmp_path):
        path = self.path(tmp_path)
        write_pairs(PAIRS[:1], path, self.fmt)
        before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

        def broken():
            yield PAIRS[1]
            raise RuntimeError("the aligner crashed")

        with pytest.raises(RuntimeError):
            write_pairs(broken(), path, self.fmt)
        assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before

    def test_empty_input_writes_a_readable_empty_file(self, tmp_path):
        path = self.path(tmp_path)
        assert write_pairs([], path, self.fmt) == 0
        assert list(read_pairs(path, self.fmt)) == []


class TestTmx(RoundTrip):
    fmt, filename = "tmx", "out.tmx"


class TestJsonl(RoundTrip):
    fmt, filename = "jsonl", "out.jsonl"

    def test_bitextor_like_columns(self, tmp_path):
        path = self.path(tmp_path)
        write_pairs(PAIRS[:1], path, signature="mt:argos|duiyi:0.1.0")
        record = json.loads(Path(path).read_text(encoding="utf-8"))
        assert record["src_text"] == PAIRS[0].src and record["tgt_text"] == PAIRS[0].tgt
        assert (record["src_lang"], record["tgt_lang"], record["score"]) == ("zh-CN", "en-US", 0.91)
        assert record["signature"] == "mt:argos|duiyi:0.1.0"

    def test_dates_and_reviewer_come_back_through_the_store(self, tmp_path):
        dated = Pair("一。", "One.", created="2024-05-06T07:08:09Z")
        dated.changed, dated.changed_by = "2025-01-02T03:04:05Z", "ann"
        path = self.path(tmp_path)
        write_pairs([dated, Pair("二。", "Two.")], path)
        records = [json.loads(line) for line in Path(path).read_text("utf-8").splitlines()]
        assert [(r.get("created"), r.get("changed"), r.get("changed_by")) for r in records] == [
            ("2024-05-06T07:08:09Z", "2025-01-02T03:04:05Z", "ann"),
            (None, None, None),  # not known: not written
        ]
        with Store.open(tmp_path / "c.db") as store:
            store.add_pairs(read_pairs(path), source=path, checksum="x")
            export_store(store, tmp_path / "again.jsonl")
        (again, _) = read_pairs(str(tmp_path / "again.jsonl"))
        assert (again.created, again.changed, again.changed_by) == (
            "2024-05-06T07:08:09Z",
            "2025-01-02T03:04:05Z",
            "ann",
        )

    @pytest.mark.parametrize(
        ("value", "read"),
        [
            ("2024-05-06T15:08:09+08:00", "2024-05-06T07:08:09Z"),  # any zone, as UTC
            ("2024-05-06T07:08:09.250Z", "2024-05-06T07:08:09Z"),
            ("0999-01-02T03:04:05+01:00", "0999-01-02T02:04:05Z"),  # as the store sorts them
            (None, ""),
            ("", ""),
        ],
    )
    def test_a_date_is_read_as_utc(self, tmp_path, value, read):
        path = tmp_path / "d.jsonl"
        record = {"src_text": "一", "tgt_text": "one", "created": value, "changed": value}
        path.write_text(json.dumps(record) + "\n", encoding="utf-8")
        (pair,) = read_pairs(str(path))
        assert (pair.created, pair.changed) == (read, read)

    @pytest.mark.parametrize("value", ["2024-05-06T07:08:09", "yesterday", "2024-13-01T00:00Z", 7])
    def test_a_bad_date_is_refused_naming_the_line(self, tmp_path, value):
        path = tmp_path / "d.jsonl"
        path.write_text(
            json.dumps({"src_text": "一", "tgt_text": "one", "changed": value}) + "\n", "utf-8"
        )
        with pytest.raises(FormatError, match=r"d\.jsonl:1: changed"):
            list(read_pairs(str(path)))

    def test_a_broken_line_is_named(self, tmp_path):
        path = tmp_path / "bad.jsonl"
        path.write_text('{"src_text": "a", "tgt_text": "b"}\n{oops\n', encoding="utf-8")
        with pytest.raises(FormatError, match=r"bad\.jsonl:2"):
            list(read_pairs(str(path)))


class TestTsv(RoundTrip):
    fmt, filename = "tsv", "out.tsv"

    def test_one_line_per_pair_with_a_header(self, tmp_path):
        path = self.path(tmp_path)
        write_pairs(PAIRS, path)
        lines = Path(path).read_text(encoding="utf-8").split("\n")
        assert lines[0].split("\t")[:4] == ["document", "id", "src_text", "tgt_text"]
        assert len(lines) == len(PAIRS) + 2 and lines[-1] == ""
        assert all(len(line.split("\t")) == 8 for line in lines[1:-1])


class TestMoses(RoundTrip):
    fmt, filename = "moses", "out.moses"

    def test_two_line_aligned_files_without_breaks_inside(self, tmp_path):
        write_pairs(PAIRS + [Pair("甲\u2028乙\r\n丙", "a\x85b\x0cc")], str(tmp_path / "c.moses"))
        zh = (tmp_path / "c.zh").read_text(encoding="utf-8")
        en = (tmp_path / "c.en").read_text(encoding="utf-8")
        assert len(zh.splitlines()) == len(en.splitlines()) == len(PAIRS) + 1
        assert zh.splitlines()[-1] == "甲 乙 丙" and en.splitlines()[-1] == "a b c"
        assert zh.splitlines()[3] == "两行 文字。"

    def test_needs_a_path(self):
        with pytest.raises(FormatError, match="several files"):
            write_pairs(PAIRS, None, "moses")

    def test_either_file_of_the_pair_names_it(self, tmp_path):
        write_pairs(PAIRS, str(tmp_path / "c.moses"))
        for name in ("c.zh", "c.en", "c.moses", "c"):
            got = list(read_pairs(str(tmp_path / name), "moses"))
            assert [p.tgt for p in got] == [p.tgt.replace("\n", " ") for p in PAIRS]
        assert get_format("moses").input_files(str(tmp_path / "c.en")) == [
            str(tmp_path / "c.zh"),
            str(tmp_path / "c.en"),
        ]

    def test_tokenized_variants(self, tmp_path):
        pytest.importorskip("duiyi.corpus.tokenize")
        fmt = get_format("moses")
        fmt.tokenized = True
        fmt.write(PAIRS[:1], str(tmp_path / "t.moses"))
        assert (tmp_path / "t.tok.zh").read_text(encoding="utf-8").count(" ") >= 2
        assert (tmp_path / "t.tok.en").read_text(encoding="utf-8").strip().endswith(" .")


class TestXces(RoundTrip):
    fmt, filename = "xces", "out.xml"

    def test_links_name_sentence_ids_and_certainty(self, tmp_path):
        from lxml import etree

        pair = Pair(
            "甲。乙。",
            "A. B.",
            0.75,
            "2-2",
            "aligned",
            "d.txt",
            meta={"src_segments": ["甲。", "乙。"], "tgt_segments": ["A.", "B."]},
        )
        write_pairs([PAIRS[0], pair, Pair("孤。", "", 0.1, "1-0")], str(tmp_path / "c.xml"))
        links = etree.parse(str(tmp_path / "c.xml")).findall(".//link")
        assert [link.get("xtargets") for link in links] == ["1;1", "2 3;2 3", "4;"]
        assert links[1].get("certainty") == "0.75" and links[1].get("type") == "2-2"
        grp = etree.parse(str(tmp_path / "c.xml")).find("linkGrp")
        assert (grp.get("fromDoc"), grp.get("toDoc")) == ("c.zh.xml", "c.en.xml")
        zh = etree.parse(str(tmp_path / "c.zh.xml")).findall("s")
        assert [(s.get("id"), s.text) for s in zh] == [
            ("1", PAIRS[0].src),
            ("2", "甲。"),
            ("3", "乙。"),
            ("4", "孤。"),
        ]

    def test_opustools_reads_our_files(self, tmp_path):
        opus_read = pytest.importorskip("opustools")
        write_pairs(PAIRS, str(tmp_path / "c.xml"))
        out_src, out_tgt = tmp_path / "o.zh", tmp_path / "o.en"
        cwd = os.getcwd()
        os.chdir(tmp_path)  # OpusRead prints progress and resolves documents from here
        try:
            opus_read.OpusRead(
                directory="duiyi",
                source="zh",
                target="en",
                alignment_file="c.xml",
                preprocess="raw",
                download_dir=str(tmp_path),
                write=[str(out_src), str(out_tgt)],
                write_mode="moses",
            ).printPairs()
        finally:
            os.chdir(cwd)
        assert out_src.read_text(encoding="utf-8").splitlines() == [
            p.src.replace("\n", " ") for p in PAIRS
        ]
        assert out_tgt.read_text(encoding="utf-8").splitlines() == [
            p.tgt.replace("\n", " ") for p in PAIRS
        ]


# --- write_pairs and filters ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("x.tmx", "tmx"),
        ("x.TMX", "tmx"),
        ("x.xml", "xces"),
        ("x.tsv", "tsv"),
        ("x.jsonl", "jsonl"),
        ("x.moses", "moses"),
    ],
)
def test_format_from_the_extension(name, fmt):
    assert format_for_path(name) == fmt


def test_unknown_extension_and_format_are_clear_errors():
    with pytest.raises(FormatError, match="cannot tell the format of 'x.doc'"):
        write_pairs(PAIRS, "x.doc")
    with pytest.raises(FormatError, match="unknown format 'csv'"):
        write_pairs(PAIRS, "x.tmx", "csv")


def test_stdout(capsysbinary):
    write_pairs(PAIRS[:1], "-", "jsonl")
    out = capsysbinary.readouterr().out.decode("utf-8")
    assert json.loads(out)["src_text"] == PAIRS[0].src


@pytest.mark.parametrize("fmt", ["tmx", "jsonl", "tsv", "xliff", "xliff2"])
def test_write_pairs_into_a_file_object_text_or_binary(tmp_path, monkeypatch, fmt):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    path = tmp_path / f"x{get_format(fmt).extensions[0]}"
    write_pairs(PAIRS, str(path), fmt)
    text, binary = io.StringIO(), io.BytesIO()
    assert write_pairs(PAIRS, text, fmt) == write_pairs(PAIRS, binary, fmt) == len(PAIRS)
    assert text.getvalue() == binary.getvalue().decode("utf-8") == path.read_text("utf-8")
    with open(tmp_path / "open", "w", encoding="utf-8") as out:  # an open file: left open
        write_pairs(PAIRS, out, fmt)
        out.write("more")
    assert (tmp_path / "open").read_text("utf-8") == path.read_text("utf-8") + "more"
    if format_for_path(str(path)) == fmt:  # (.xlf names XLIFF 1.2)
        with open(path.with_name("y" + path.suffix), "wb") as out:
            write_pairs(PAIRS, out)  # the format from the open file's name
        assert path.with_name("y" + path.suffix).read_bytes() == path.read_bytes()


@pytest.mark.parametrize("fmt", ["moses", "xces"])
def test_formats_of_several_files_need_a_path_not_a_file_object(fmt):
    with pytest.raises(FormatError, match=f"{fmt} writes several files: give an output path"):
        write_pairs(PAIRS, io.StringIO(), fmt)


def test_a_file_object_without_a_name_needs_the_format():
    with pytest.raises(FormatError, match="writing to a file object: name the format"):
        write_pairs(PAIRS, io.BytesIO())


def test_filters_count_what_they_drop():
    from collections import Counter

    pairs = [
        Pair("一二三四。", "One two three four."),
        Pair("一二三四。", "One  two three four. "),  # duplicate up to spaces
        Pair("短。", "A very long translation that cannot possibly match the source at all."),
        Pair("空。", "  "),
    ]
    dropped = Counter()
    kept = list(filter_pairs(pairs, dropped, dedup=True, max_length_ratio=3))
    assert [p.tgt for p in kept] == ["One two three four."]
    assert dropped == {"duplicate": 1, "length ratio": 1, "empty side": 1}
    assert length_units("我们 love 𠀀 it") == 5


# --- the commands --------------------------------------------------------------------------


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.db"
    texts = ("你好。", "世界很大。", "我们走吧。", "再见。")
    text, sentences = "", []
    for t in texts:
        sentences.append(Sentence(t, len(text), len(text) + len(t), normalized=t))
        text += t
    doc = Document(path="a.txt", text=text, sentences=sentences)
    beads = [Bead((0,), (), 0.9), Bead((1, 2), (), 0.4), Bead((3,), (), 0.8)]
    with Store.open(path) as store:
        doc_id = store.add_alignment(
            doc, beads, ["Hello.", "Big world. Let's go.", "Bye."], origin="mt", signature="mt:x"
        )
        first = store.list_beads(doc_id).beads[0]
        store.update_bead(first.id, expected_version=1, status="approved", reviewer="ann")
        store.add_pairs(
            [Pair("词。", "word (gloss)", origin="gloss", document="g.txt")],
            source="g.tmx",
            checksum="g",
        )
    return path


def test_export_filters_by_status_score_and_origin(cli, corpus, tmp_path):
    out = tmp_path / "m.tmx"
    status, _, err = cli("export", corpus, "-o", out, "--status", "approved")
    assert status == 0 and "wrote 1 pair " in err
    assert [p.src for p in read_pairs(str(out))] == ["你好。"]
    status, _, _ = cli("export", corpus, "-o", out, "--min-score", "0.5")
    assert [p.src for p in read_pairs(str(out))] == ["你好。", "再见。"]
    status, out_text, _ = cli("export", corpus, "-f", "jsonl")
    assert [json.loads(line)["src_text"] for line in out_text.splitlines()] == [
        "你好。",
        "世界很大。我们走吧。",
        "再见。",
    ]
    status, out_text, _ = cli("export", corpus, "-f", "jsonl", "--include-gloss")
    assert len(out_text.splitlines()) == 4
    status, out_text, _ = cli("export", corpus, "-f", "tsv", "--origin", "gloss")
    assert len(out_text.splitlines()) == 2  # header + the gloss pair


def test_export_store_is_the_job_the_command_calls(corpus, tmp_path):
    out = tmp_path / "m.tmx"
    with Store.open(corpus, readonly=True) as store:
        result = export_store(store, str(out), min_score=0.5)
    assert (result.pairs, result.fmt) == (2, "tmx")
    assert result.left_out == {"gloss draft": 1, "not selected": 1}  # no CLI options named
    assert [p.src for p in read_pairs(str(out))] == ["你好。", "再见。"]
    with Store.open(corpus, readonly=True) as store:
        result = export_store(store, str(tmp_path / "all.jsonl"), include_gloss=True)
    assert (result.pairs, result.fmt, result.left_out) == (4, "jsonl", {})


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("min_score", 2, "--min-score must be a number from 0 to 1, not 2"),
        ("min_score", float("nan"), "--min-score must be a number from 0 to 1, not nan"),
        ("max_length_ratio", 0.5, "--max-length-ratio must be a number 1 or more, not 0.5"),
    ],
)
def test_export_store_refuses_filters_that_leave_everything_out(
    corpus, tmp_path, option, value, message
):
    out = tmp_path / "m.tmx"
    with Store.open(corpus, readonly=True) as store, pytest.raises(InputError) as error:
        export_store(store, out, **{option: value})
    assert str(error.value) == message and not out.exists()


def test_the_summary_counts_what_was_left_out_in_words():
    from collections import Counter

    from duiyi.commands.export import left_out_summary
    from duiyi.export.exports import GLOSS

    assert left_out_summary(Counter({GLOSS: 1, "duplicate": 3, "empty side": 1})) == (
        "3 duplicates, 1 gloss draft (--include-gloss keeps it), 1 pair with an empty side"
    )
    assert left_out_summary(Counter({GLOSS: 2, "length ratio": 1, "duplicate": 1})) == (
        "2 gloss drafts (--include-gloss keeps them), 1 pair over --max-length-ratio, 1 duplicate"
    )


def test_an_export_reads_one_state_while_a_reimport_commits(tmp_path, monkeypatch):
    from duiyi.export import exports

    path = tmp_path / "c.db"
    pairs = [Pair(f"句{i}。", f"S{i}.", document="d.txt") for i in range(5000)]
    with Store.open(path) as store:
        store.add_pairs(pairs, source="m.tmx", checksum="abc")
        store.add_pairs([Pair("另。", "Other.", document="e.txt")], source="n.tmx", checksum="d")

    def reimport_midway(iterable, **_):
        for n, pair in enumerate(iterable):
            if n == 2500:  # another command replaces what m.tmx brought, and commits
                with Store.open(path) as writer:
                    writer.add_pairs(pairs[:4000], source="m.tmx", checksum="abc")
            yield pair

    monkeypatch.setattr(exports, "progressbar", reimport_midway)
    with Store.open(path, readonly=True) as store:
        result = export_store(store, tmp_path / "out.jsonl")
    got = [(p.src, p.document) for p in read_pairs(str(tmp_path / "out.jsonl"))]
    assert result.pairs == len(got) == 5001  # the store as the export began: no pair twice
    assert len(set(got)) == len(got)


def test_an_import_reads_its_file_before_it_locks_the_store(corpus, tmp_path, monkeypatch):
    from duiyi.export import tmx
    from duiyi.export.imports import import_files

    memory = tmp_path / "m.tmx"
    write_pairs([Pair(f"句{i}。", f"S{i}.") for i in range(3)], str(memory))
    locked = []
    reading = tmx.TmxReader.__iter__

    def read_while_another_writes(self):
        for n, pair in enumerate(reading(self)):
            if n == 1:  # a review of the same store saves an edit meanwhile
                other = sqlite3.connect(corpus, timeout=0)
                try:
                    other.execute("BEGIN IMMEDIATE")
                    other.execute("UPDATE beads SET status = 'approved'")
                    other.commit()
                except sqlite3.OperationalError as exc:
                    locked.append(str(exc))
                finally:
                    other.close()
            yield pair

    monkeypatch.setattr(tmx.TmxReader, "__iter__", read_while_another_writes)
    with Store.open(corpus) as store:
        (result,) = import_files(memory, store)
        assert locked == [] and result.pairs == 3
        assert {p.status for p in store.iter_pairs()} == {"approved", "pending"}


def test_parked_pairs_come_back_whole_and_in_order(tmp_path):
    import tempfile

    from duiyi.export.imports import _ParkedPairs

    full = Pair("一。", "One.", 0.5, "2-1", "mt", "a.txt", "approved", "一。", "7", {"x": [1]})
    full.created, full.changed, full.changed_by = (
        "2024-01-02T03:04:05Z",
        "2025-01-02T03:04:05Z",
        "ann",
    )
    pairs = [full, *PAIRS] * 700  # blocks of 1000, and a part block
    with tempfile.TemporaryFile() as file:
        parked = _ParkedPairs(file)
        parked.park(iter(pairs))
        assert list(parked) == pairs
        assert list(parked) == pairs  # read again


def test_an_import_with_no_room_for_its_temporary_file_says_so(cli, corpus, tmp_path, monkeypatch):
    import errno
    import tempfile

    class Full(io.BytesIO):
        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    memory = tmp_path / "m.tmx"
    write_pairs(PAIRS, str(memory))
    monkeypatch.setattr(tempfile, "TemporaryFile", Full)
    status, _, err = cli("import", memory, "--store", corpus)
    assert status == 1 and err.count("\n") == 1
    assert "cannot park the pairs read in a temporary file in" in err
    assert "No space left on device" in err and "TMPDIR" in err
    with Store.open(corpus) as s:
        assert s.count_pairs() == 4


def test_an_import_whose_last_pairs_find_no_room_says_so(cli, corpus, tmp_path, monkeypatch):
    """A disk that fills up with the last pairs parked, still in the file's buffer when
    they were written: no room shows when the buffer is written out, before the store is
    touched, in the same one line."""
    import errno
    import tempfile

    class FullDisk(io.RawIOBase):
        def readable(self):
            return True

        def writable(self):
            return True

        def seekable(self):
            return True

        def seek(self, offset, whence=io.SEEK_SET):
            return 0  # empty: nothing could be written

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    memory = tmp_path / "m.tmx"
    write_pairs(PAIRS, str(memory))  # a few pairs: they all wait in the buffer
    monkeypatch.setattr(tempfile, "TemporaryFile", lambda: io.BufferedRandom(FullDisk()))
    status, _, err = cli("import", memory, "--store", corpus)
    assert status == 1 and err.count("\n") == 1
    assert "cannot park the pairs read in a temporary file in" in err and "TMPDIR" in err
    with Store.open(corpus) as s:
        assert s.count_pairs() == 4


def test_an_import_of_more_files_than_a_process_may_open_at_once(tmp_path):
    """Each file's pairs wait in one temporary file shared by all: an import of 300 files
    under a limit of 200 open files (1024 is a common default) reads them all."""
    import resource
    import subprocess
    import sys

    paths = [
        _tmx(tmp_path / f"m{i}.tmx", ("zh-CN", f"{i}。", "en-US", f"{i}.")) for i in range(300)
    ]

    def few_files() -> None:
        resource.setrlimit(
            resource.RLIMIT_NOFILE, (200, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
        )

    run = subprocess.run(
        [sys.executable, "-m", "duiyi.cli", "import", *paths, "--store", tmp_path / "c.db"],
        capture_output=True,
        text=True,
        preexec_fn=few_files,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-500:]
    with Store.open(tmp_path / "c.db") as store:
        assert store.count_pairs() == 300


def test_export_every_format_from_the_cli(cli, corpus, tmp_path):
    for fmt, name, files in [
        ("tmx", "c.tmx", ["c.tmx"]),
        ("xces", "c.xml", ["c.xml", "c.zh.xml", "c.en.xml"]),
        ("moses", "c.moses", ["c.zh", "c.en"]),
        ("tsv", "c.tsv", ["c.tsv"]),
        ("jsonl", "c.jsonl", ["c.jsonl"]),
    ]:
        status, _, err = cli("export", corpus, "-f", fmt, "-o", tmp_path / name)
        assert status == 0, err
        assert all((tmp_path / f).stat().st_size > 0 for f in files)
    xml = (tmp_path / "c.xml").read_text(encoding="utf-8")
    assert 'xtargets="2 3;2 3"' not in xml and 'xtargets="2 3;2"' in xml


def test_export_errors_are_one_line(cli, tmp_path, corpus):
    status, _, err = cli("export", tmp_path / "none.db", "-o", tmp_path / "x.tmx")
    assert status == 1 and err.count("\n") == 1 and "no such corpus store" in err
    assert "import, align or translate with --store" in err  # export has no --store
    bad = tmp_path / "bad.db"
    bad.write_text("not a database")
    status, _, err = cli("export", bad, "-o", tmp_path / "x.tmx")
    assert status == 1 and "not an SQLite database" in err and "Traceback" not in err
    status, _, err = cli("export", corpus, "-f", "moses")
    assert status == 1 and "give an output path" in err
    status, _, err = cli("export", corpus, "--origin", "robot")
    assert status == 2 and "'robot' is not one of" in err


@pytest.mark.parametrize(("fmt", "name", "files"), [
    ("moses", "c.moses", ["c.zh_CN", "c.zh_TW"]),
    ("xces", "c.xml", ["c.xml", "c.zh_CN.xml", "c.zh_TW.xml"]),
])  # fmt: skip
def test_two_variants_of_one_language_get_two_files(cli, corpus, tmp_path, fmt, name, files):
    # Named by primary subtags alone, both sides went to c.zh: one replaced the other.
    out = tmp_path / name
    status, _, err = cli(
        "export", corpus, "-f", fmt, "-o", out, "--src-lang", "zh-CN", "--tgt-lang", "zh-TW"
    )
    assert status == 0, err
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("c.")) == sorted(files)
    store = tmp_path / "back.db"
    status, _, err = cli(
        "import", out, "-f", fmt, "--store", store, "--src-lang", "zh-CN", "--tgt-lang", "zh-TW"
    )
    assert status == 0, err
    with Store.open(store) as s:
        assert [(p.src, p.tgt) for p in s.iter_pairs()][:1] == [("你好。", "Hello.")]
    status, _, err = cli(
        "export", corpus, "-f", fmt, "-o", out, "--src-lang", "en", "--tgt-lang", "EN"
    )
    assert status == 1 and "both en" in err


@pytest.mark.parametrize("command", ["export", "import"])
def test_a_language_that_is_no_tag_is_one_line(cli, corpus, tmp_path, command):
    args = (corpus, "-f", "moses", "-o", tmp_path / "c") if command == "export" else (
        tmp_path / "c", "-f", "moses", "--store", corpus
    )  # fmt: skip
    status, _, err = cli(command, *args, "--src-lang", "zh/../x")
    assert status == 2 and err == f"duiyi {command}: error: argument --src-lang: 'zh/../x' " \
        "is not a language tag (zh-CN, zh-TW, en-US, …)\n"  # fmt: skip


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--min-score", "2", "must be a number from 0 to 1, not '2'"),  # left every pair out
    ("--min-score", "nan", "must be a number from 0 to 1, not 'nan'"),
    ("--max-length-ratio", "0.5", "must be a number 1 or more, not '0.5'"),
])  # fmt: skip
def test_filter_values_that_leave_out_everything_are_usage_errors(
    cli, corpus, option, value, message
):
    status, _, err = cli("export", corpus, "-f", "tsv", option, value)
    assert status == 2 and message in err


def test_import_then_export_round_trip(cli, corpus, tmp_path):
    memory = tmp_path / "m.tmx"
    cli("export", corpus, "-o", memory)
    store = tmp_path / "new.db"
    status, _, err = cli("import", memory, "--store", store)
    assert status == 0 and "imported 3 pairs" in err
    again = tmp_path / "again.tmx"
    cli("export", store, "-o", again)
    assert [(p.src, p.tgt, p.origin, p.status) for p in read_pairs(str(again))] == [
        (p.src, p.tgt, p.origin, p.status) for p in read_pairs(str(memory))
    ]
    # Re-importing the same file replaces instead of duplicating.
    cli("import", memory, "--store", store)
    with Store.open(store) as s:
        assert s.count_pairs() == 3


def test_importing_a_changed_tmx_again_replaces_it_and_keeps_the_review(cli, tmp_path):
    memory, store = tmp_path / "project_save.tmx", tmp_path / "c.db"
    write_pairs([Pair("一。", "One."), Pair("二。", "Two.")], str(memory))
    cli("import", memory, "--store", store)
    with Store.open(store) as s:
        first = s.list_beads().beads[0]
        s.update_bead(first.id, expected_version=1, status="approved", reviewer="ann")
    write_pairs([Pair("一。", "One."), Pair("二。", "2."), Pair("三。", "3.")], str(memory))
    status, _, err = cli("import", memory, "--store", store)
    assert status == 0, err
    assert (
        f"imported 3 pairs from {memory} into {store} (1 document): 2 new, 1 as already "
        "stored (their review kept), 1 earlier pair no longer in the file removed"
    ) in err
    with Store.open(store) as s:
        assert [(p.tgt, p.status) for p in s.iter_pairs()] == [
            ("One.", "approved"),
            ("2.", "pending"),
            ("3.", "pending"),
        ]


def test_importing_a_tmx_again_by_another_spelling_of_its_path_replaces_it(
    cli, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    write_pairs([Pair("一。", "One."), Pair("二。", "Two.")], "m.tmx")
    for spelling in ("m.tmx", "./m.tmx", tmp_path / "m.tmx"):
        status, _, err = cli("import", spelling, "--store", "c.db")
        assert status == 0, err
    assert "2 as already stored" in err
    with Store.open("c.db") as s:
        assert s.count_pairs() == 2


def test_import_foreign_tmx_is_human_and_counts_skips(cli, tmp_path):
    memory = tmp_path / "trados.tmx"
    memory.write_text(
        '<?xml version="1.0" encoding="utf-8"?><tmx version="1.4"><header creationtool="SDL '
        'Language Platform" srclang="zh-CN" segtype="sentence" o-tmf="SDL TM8 Format" '
        'adminlang="en-US" datatype="xml" creationtoolversion="8.0"/><body>'
        '<tu creationid="ann"><tuv xml:lang="zh-CN"><seg>源文。</seg></tuv>'
        '<tuv xml:lang="en-US"><seg>Source text.</seg></tuv></tu>'
        '<tu><tuv xml:lang="zh-CN"><seg>无译文。</seg></tuv></tu></body></tmx>',
        encoding="utf-8",
    )
    store = tmp_path / "c.db"
    status, _, err = cli("import", memory, "--store", store)
    assert status == 0 and "imported 1 pair " in err and "skipped 1 unit " in err
    with Store.open(store) as s:
        (pair,) = s.iter_pairs()
    assert (pair.src, pair.tgt, pair.origin) == ("源文。", "Source text.", "human")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"\x00\x01\x02\x03binary" * 50, "binary"),
        (b'<?xml version="1.0"?><tmx version="1.4"><body><tu>', "not well-formed"),
        # its units matched none of the reader's names: 0 pairs imported, exit 0
        (
            b'<tmx xmlns="http://www.gala-global.org/tmx/2.0" version="2.0"><header/><body><tu>'
            b'<tuv xml:lang="zh"><seg>\xe4\xbd\xa0</seg></tuv><tuv xml:lang="en"><seg>you</seg>'
            b"</tuv></tu></body></tmx>",
            "namespace http://www.gala-global.org/tmx/2.0",
        ),
    ],
)
def test_import_bad_tmx_is_one_line_and_changes_nothing(cli, corpus, tmp_path, content, message):
    bad = tmp_path / "bad.tmx"
    bad.write_bytes(content)
    before = corpus.read_bytes()
    status, _, err = cli("import", bad, "--store", corpus)
    assert status == 1 and message in err and err.count("\n") == 1
    with Store.open(corpus) as s:
        assert s.count_pairs() == 4
    del before


def test_import_wrong_languages_names_them(cli, tmp_path):
    memory = tmp_path / "defr.tmx"
    write_pairs(PAIRS, str(memory), src_lang="de-DE", tgt_lang="fr-FR")
    status, _, err = cli("import", memory, "--store", tmp_path / "c.db")
    assert status == 1 and "languages found: de-DE, fr-FR" in err and "--src-lang" in err
    status, _, err = cli(
        "import", memory, "--store", tmp_path / "c.db", "--src-lang", "de", "--tgt-lang", "fr"
    )
    assert status == 0 and "imported 4 pairs" in err


def _through_a_store(cli, tmp_path: Path, memory: Path, args=()) -> str:
    """The TMX `duiyi export` writes of a store `memory` was imported into (with `args`)."""
    store, out = tmp_path / "c.db", tmp_path / "out.tmx"
    status, _, err = cli("import", memory, "--store", store, *args)
    assert status == 0, err
    status, _, err = cli("export", store, "-o", out)
    assert status == 0, err
    return out.read_text(encoding="utf-8")


def _tmx(path: Path, *units: tuple[str, str, str, str]) -> Path:
    """A TMX as another tool writes it: (source tag, source, target tag, target) per unit."""
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<tmx version="1.4"><header srclang="*all*"/>'
        "<body>\n"
        + "".join(
            f'<tu>\n <tuv xml:lang="{a}"><seg>{src}</seg></tuv>\n'
            f' <tuv lang="{b}"><seg>{tgt}</seg></tuv>\n</tu>\n'
            for a, src, b, tgt in units
        )
        + "</body></tmx>\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(("units", "args", "tags"), [
    # the tags the file gave (once read, by either reading path), in the usual case
    ([("zh-TW", "繁體。", "en-GB", "Plain.")], (), ("zh-TW", "en-GB")),
    ([("ZH-TW", "繁體。", "EN-US", "Plain.")] * 2, (), ("zh-TW", "en-US")),
    # a language asked for in full: the target is still tagged (it was xml:lang="")
    ([("zh-TW", "繁體。", "en-US", "Plain.")], ("--src-lang", "zh-TW"), ("zh-TW", "en-US")),
    ([("zh-CN", "简体。", "fr-FR", "Plat.")], ("--tgt-lang", "fr"), ("zh-CN", "fr-FR")),
])  # fmt: skip
def test_an_export_tags_imported_pairs_as_their_file_did(cli, tmp_path, units, args, tags):
    text = _through_a_store(cli, tmp_path, _tmx(tmp_path / "tm.tmx", *units), args)
    assert re.findall(r'<tuv xml:lang="([^"]*)">', text) == list(tags) * len(units)
    assert f'srclang="{tags[0]}"' in text


_MIXED = [("zh-CN", "简体。", "en-US", "One."), ("zh-TW", "繁體。", "en-US", "Two.")]


@pytest.mark.parametrize(("units", "args", "header"), [
    (_MIXED, (), "zh"),
    (_MIXED, ("--src-lang", "zh-TW"), "zh"),  # each unit holds one variant: its own
    ([("en-US", "One.", "zh-TW", "繁體。"), ("en-GB", "Two.", "ZH-cn", "简体。")],
     ("--src-lang", "en", "--tgt-lang", "zh"), "en"),
])  # fmt: skip
def test_a_file_mixing_variants_keeps_each_units_tags_through_the_store(
    cli, tmp_path, units, args, header
):
    text = _through_a_store(cli, tmp_path, _tmx(tmp_path / "tm.tmx", *units), args)
    own = [(a, lang_tag(b)) for a, _, b, _ in units]
    assert re.findall(r'<tuv xml:lang="([^"]*)">', text) == [t for tags in own for t in tags]
    assert f'srclang="{header}"' in text  # the file's: what the units' tags share
    assert "lang_tags" not in text  # no prop
    # the file exported reads back with each unit's tags, into a store exporting them too
    again = tmp_path / "again.db"
    assert cli("import", tmp_path / "out.tmx", "--store", again, *args)[0] == 0
    status, records, err = cli("export", again, "-f", "jsonl")
    assert status == 0, err
    records = [json.loads(line) for line in records.splitlines()]
    assert [(r["src_lang"], r["tgt_lang"]) for r in records] == own
    assert all(r["meta"] == {} for r in records)
    # a language named on export tags every unit of its side
    status, records, err = cli("export", again, "-f", "jsonl", "--src-lang", header)
    assert status == 0, err
    tags = [(r["src_lang"], r["tgt_lang"]) for r in map(json.loads, records.splitlines())]
    assert tags == [(header, tgt) for _, tgt in own]


def test_a_store_from_before_units_kept_their_tags_exports_as_it_did(cli, tmp_path):
    store = tmp_path / "c.db"
    assert cli("import", _tmx(tmp_path / "tm.tmx", *_MIXED), "--store", store)[0] == 0
    with sqlite3.connect(store) as conn:  # as the previous version left it: no bead's tags
        assert (
            conn.execute("SELECT COUNT(*) FROM beads WHERE meta LIKE '%lang_tags%'").fetchone()[0]
            == 2
        )
        conn.execute("UPDATE beads SET meta = '{}'")
    conn.close()
    status, out, err = cli("export", store, "-f", "tmx")
    assert status == 0, err
    assert re.findall(r'<tuv xml:lang="([^"]*)">', out) == ["zh", "en-US"] * 2


def test_a_file_of_one_variant_keeps_no_tags_per_unit(cli, tmp_path):
    store = tmp_path / "c.db"
    memory = _tmx(
        tmp_path / "tm.tmx",
        ("zh-TW", "繁體。", "en-GB", "One."),
        ("zh-TW", "二。", "en-GB", "Two."),
    )
    assert cli("import", memory, "--store", store)[0] == 0
    with sqlite3.connect(store) as conn:
        assert {m for (m,) in conn.execute("SELECT meta FROM beads")} == {"{}"}
    conn.close()


def test_another_tools_prop_named_as_the_units_tags_stays_a_prop(cli, tmp_path):
    memory = _tmx(tmp_path / "tm.tmx", *_MIXED)
    text = memory.read_text(encoding="utf-8")
    memory.write_text(text.replace("<tu>", '<tu><prop type="lang_tags">x</prop>', 1))
    store = tmp_path / "c.db"
    assert cli("import", memory, "--store", store)[0] == 0
    status, out, err = cli("export", store, "-f", "tmx")
    assert status == 0, err
    assert '<prop type="lang_tags">x</prop>' in out  # kept; its unit tagged as the file's
    assert re.findall(r'<tuv xml:lang="([^"]*)">', out) == ["zh", "en-US", "zh-TW", "en-US"]


def test_write_pairs_gives_a_pairs_own_tags_unless_told_a_side(tmp_path):
    pairs = [Pair("繁體。", "One.", src_lang="zh-TW"), Pair("简体。", "Two.")]
    text = io.StringIO()
    write_pairs(pairs, text, "jsonl")
    assert [
        (r["src_lang"], r["tgt_lang"]) for r in map(json.loads, text.getvalue().splitlines())
    ] == [
        ("zh-TW", "en-US"),
        ("zh-CN", "en-US"),
    ]
    memory = tmp_path / "m.tmx"  # in duiyi's shape: read back by tmx_scan's fast path
    write_pairs(pairs, str(memory))
    assert [(p.src_lang, p.tgt_lang) for p in read_pairs(str(memory))] == [
        ("zh-TW", "en-US"),
        ("zh-CN", "en-US"),
    ]
    write_pairs(pairs, str(memory), src_lang="zh-HK")
    assert (
        re.findall(r'<tuv xml:lang="([^"]*)">', memory.read_text(encoding="utf-8"))
        == [
            "zh-HK",
            "en-US",
        ]
        * 2
    )
    assert pairs[0].src_lang == "zh-TW"  # the caller's pairs are left as they were
    # an own tag that is no language tag is not written (it would go into xml:lang)
    odd = [Pair("一。", "One.", src_lang="<zh>", tgt_lang="en GB")]
    text = io.StringIO()
    write_pairs(odd, text, "tmx")
    assert re.findall(r'<tuv xml:lang="([^"]*)">', text.getvalue()) == ["zh-CN", "en-US"]
    text = io.StringIO()
    write_pairs(odd, text, "jsonl")
    record = json.loads(text.getvalue())
    assert (record["src_lang"], record["tgt_lang"]) == ("zh-CN", "en-US")


def test_a_duiyi_tmx_in_zh_tw_comes_back_as_zh_tw(cli, tmp_path):
    memory = tmp_path / "tw.tmx"  # in duiyi's shape: read by tmx_scan's fast path
    write_pairs(PAIRS, str(memory), src_lang="zh-TW", tgt_lang="en-GB")
    store = tmp_path / "c.db"
    assert cli("import", memory, "--store", store)[0] == 0
    status, out, err = cli("export", store, "-f", "jsonl")
    assert status == 0, err
    assert {(r["src_lang"], r["tgt_lang"]) for r in map(json.loads, out.splitlines())} == {
        ("zh-TW", "en-GB")
    }


def test_another_tools_xliff_in_zh_tw_comes_back_as_zh_tw(cli, tmp_path):
    memory = tmp_path / "job.xlf"
    memory.write_text(
        '<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file original="a"'
        ' source-language="zh-TW" target-language="en-GB" datatype="plaintext"><body>'
        '<trans-unit id="1"><source>繁體。</source><target>Plain.</target></trans-unit>'
        "</body></file></xliff>",
        encoding="utf-8",
    )
    store = tmp_path / "c.db"
    assert cli("import", memory, "--store", store)[0] == 0
    status, out, err = cli("export", store, "-f", "jsonl")
    assert status == 0, err
    assert (json.loads(out)["src_lang"], json.loads(out)["tgt_lang"]) == ("zh-TW", "en-GB")


def test_a_jsonl_keeps_its_language_tags_through_the_store(cli, tmp_path):
    memory, store = tmp_path / "tw.jsonl", tmp_path / "c.db"
    write_pairs(PAIRS, str(memory), src_lang="zh-TW", tgt_lang="en-GB")
    assert cli("import", memory, "--store", store)[0] == 0
    status, out, err = cli("export", store, "-f", "jsonl")
    assert status == 0, err
    assert {(r["src_lang"], r["tgt_lang"]) for r in map(json.loads, out.splitlines())} == {
        ("zh-TW", "en-GB")
    }
    # a record's language that is no tag is not taken (it would go into xml:lang)
    memory.write_text(
        '{"src_text": "一", "tgt_text": "one", "src_lang": "<zh>", "tgt_lang": "en"}\n'
    )
    assert cli("import", memory, "--store", tmp_path / "new.db")[0] == 0
    tags = re.findall(
        r'<tuv xml:lang="([^"]*)">', cli("export", tmp_path / "new.db", "-f", "tmx")[1]
    )
    assert tags == ["zh-CN", "en-US"]


@pytest.mark.parametrize("tgt_lang", ["419", "1"])
def test_a_target_language_that_is_no_tag_is_not_taken_after_a_good_source(cli, tmp_path, tgt_lang):
    """A file's tags are taken per side, as an option's and a unit's are: a source tag that
    is one does not make `zh` + `419` a tag (zh-419), nor 419 the documents' target tag."""
    memory, store = tmp_path / "a.jsonl", tmp_path / "c.db"
    memory.write_text(
        json.dumps({"src_text": "一", "tgt_text": "one", "src_lang": "zh", "tgt_lang": tgt_lang})
        + "\n"
    )
    assert cli("import", memory, "--store", store)[0] == 0
    status, out, err = cli("export", store, "-f", "tmx")
    assert status == 0, err
    assert re.findall(r'<tuv xml:lang="([^"]*)">', out) == ["zh-CN", "en-US"]


def test_a_good_source_tag_is_taken_beside_a_target_tag_that_is_none(cli, tmp_path):
    """Per side: a zh-TW source stays zh-TW where the target's tag (419) is no tag (the
    import's en stands for it); it was exported as zh-CN with the target's."""
    memory, store = tmp_path / "a.jsonl", tmp_path / "c.db"
    memory.write_text(
        json.dumps({"src_text": "妳好", "tgt_text": "hi", "src_lang": "zh-TW", "tgt_lang": "419"})
        + "\n"
    )
    assert cli("import", memory, "--store", store)[0] == 0
    status, out, err = cli("export", store, "-f", "tmx")
    assert status == 0, err
    assert re.findall(r'<tuv xml:lang="([^"]*)">', out) == ["zh-TW", "en-US"]


def test_a_jsonl_mixing_both_chinese_variants_keeps_each_records_tags(cli, tmp_path):
    memory, store = tmp_path / "mixed.jsonl", tmp_path / "c.db"
    memory.write_text(
        '{"src_text": "简体。", "tgt_text": "One.", "src_lang": "zh-CN", "tgt_lang": "en-GB"}\n'
        '{"src_text": "繁體。", "tgt_text": "Two.", "src_lang": "zh-TW", "tgt_lang": "en-GB"}\n',
        encoding="utf-8",
    )
    assert cli("import", memory, "--store", store)[0] == 0
    status, out, err = cli("export", store, "-f", "jsonl")
    assert status == 0, err
    assert [(r["src_lang"], r["tgt_lang"]) for r in map(json.loads, out.splitlines())] == [
        ("zh-CN", "en-GB"),
        ("zh-TW", "en-GB"),
    ]
    # the documents' tag is what the records' share: the other formats' tags, and TMX's header
    status, out, err = cli("export", store, "-f", "xliff")
    assert status == 0, err
    assert 'source-language="zh"' in out


def test_a_reviewed_pair_takes_its_units_tags_when_its_file_is_imported_again(cli, tmp_path):
    """A pair reviewed since its file was imported keeps its review when the file comes
    again, but takes the tag the file now gives its unit, as the pairs nobody changed do: a
    file that came to mix zh-CN and zh-TW units (or one an older duiyi imported, which kept
    no unit's tags), and one that no longer does."""
    store, memory = tmp_path / "c.db", tmp_path / "m.tmx"
    _tmx(memory, ("zh-CN", "一。", "en-US", "One."), ("zh-CN", "二。", "en-US", "Two."))
    assert cli("import", memory, "--store", store)[0] == 0
    with Store.open(store) as s:
        one = s.list_beads(limit=10).beads[0]
        s.update_bead(one.id, expected_version=1, tgt_text="One!", reviewer="ann")

    def exported() -> list[tuple[str, str]]:
        status, out, err = cli("export", store, "-f", "jsonl")
        assert status == 0, err
        return [(r["tgt_text"], r["src_lang"]) for r in map(json.loads, out.splitlines())]

    _tmx(memory, ("zh-TW", "一。", "en-US", "One."), ("zh-CN", "二。", "en-US", "Two."))
    assert cli("import", memory, "--store", store)[0] == 0
    assert exported() == [("One!", "zh-TW"), ("Two.", "zh-CN")]
    _tmx(memory, ("zh-CN", "一。", "en-US", "One."), ("zh-CN", "二。", "en-US", "Two."))
    assert cli("import", memory, "--store", store)[0] == 0
    assert exported() == [("One!", "zh-CN"), ("Two.", "zh-CN")]


def test_imports_of_both_chinese_variants_export_each_in_its_own(cli, tmp_path):
    """A zh-TW memory and a zh-CN one in one store: the file is tagged zh (what they share),
    each unit as its document (a CAT tool reading zh-TW units finds them)."""
    store = tmp_path / "c.db"
    for tag in ("zh-TW", "zh-CN"):
        memory = _tmx(tmp_path / f"{tag}.tmx", (tag, f"{tag}。", "en-US", f"{tag}."))
        assert cli("import", memory, "--store", store)[0] == 0
    status, out, err = cli("export", store, "-f", "jsonl")
    assert status == 0, err
    assert [
        (r["src_text"], r["src_lang"], r["tgt_lang"]) for r in map(json.loads, out.splitlines())
    ] == [
        ("zh-TW。", "zh-TW", "en-US"),
        ("zh-CN。", "zh-CN", "en-US"),
    ]
    status, out, err = cli("export", store, "-f", "tmx")
    assert status == 0, err
    assert 'srclang="zh"' in out.split("<body>")[0]
    assert re.findall(r'<tuv xml:lang="(zh[^"]*)"><seg>([^<]*)</seg>', out) == [
        ("zh-TW", "zh-TW。"),
        ("zh-CN", "zh-CN。"),
    ]
    # asked for, a tag is every unit's
    status, out, err = cli("export", store, "-f", "jsonl", "--src-lang", "zh-HK")
    assert {r["src_lang"] for r in map(json.loads, out.splitlines())} == {"zh-HK"}
    # XLIFF 1.2 tags each <file>, so each document, on its own
    status, out, err = cli("export", store, "-f", "xliff")
    assert status == 0, err
    assert re.findall(
        r'<file original="([^"]*)" datatype="plaintext" source-language="([^"]*)"', out
    ) == [
        ("zh-TW.tmx", "zh-TW"),
        ("zh-CN.tmx", "zh-CN"),
    ]


def test_corpus_info(cli, corpus):
    status, out, _ = cli("corpus", "info", corpus)
    assert status == 0
    assert "documents    2" in out and "beads        4" in out
    assert "approved 1" in out and "signature    mt:x" in out
    assert "1/3" in out
    status, out, _ = cli("corpus", "info", corpus, "--json")
    info = json.loads(out)
    assert info["by_origin"] == {"mt": 3, "gloss": 1}
    assert info["document_list"][0]["reviewed"] == 1


def test_a_failed_export_keeps_the_previous_output(cli, corpus, tmp_path):
    out = tmp_path / "m.tmx"
    cli("export", corpus, "-o", out)
    before = out.read_bytes()
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)  # a header, then garbage
    status, _, err = cli("export", broken, "-o", out)
    assert status == 1 and "Traceback" not in err and err.count("\n") == 1
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".m.tmx")] == []


def test_import_checks_its_inputs_before_creating_the_store(cli, tmp_path):
    store = tmp_path / "c.db"
    status, _, err = cli("import", tmp_path / "missing.tmx", "--store", store)
    assert status == 1 and "no such file" in err
    status, _, err = cli("import", tmp_path, "--store", store)
    assert status == 1 and "not a file" in err
    for fmt in ([], ["-f", "jsonl"]):  # (said "writing to stdout", or "-: no such file")
        status, _, err = cli("import", "-", *fmt, "--store", store)
        assert status == 1 and "- (standard input): import reads files" in err
    assert not store.exists()


# --- reading: what every reader refuses or keeps ----------------------------------------------

FILENAMES = {"tmx": "s.tmx", "xces": "s.xml", "tsv": "s.tsv", "jsonl": "s.jsonl"}
FILENAMES |= {"xliff": "s.xlf", "xliff2": "s.xlf", "moses": "s.moses"}
SCORED = ["tmx", "xces", "tsv", "jsonl", "xliff", "xliff2"]  # (Moses holds no score)


def _with_score(tmp_path: Path, fmt: str, score: str) -> str:
    """A one-pair file in `fmt` whose score reads `score` (written as 0.375, then replaced)."""
    path = str(tmp_path / FILENAMES[fmt])
    write_pairs([Pair("中文。", "Chinese.", 0.375)], path, fmt)
    for file in tmp_path.iterdir():
        file.write_text(file.read_text(encoding="utf-8").replace("0.375", score), "utf-8")
    return path


@pytest.mark.parametrize("fmt", SCORED)
@pytest.mark.parametrize(
    ("score", "message"),
    [
        ("5", "not a confidence in [0, 1]"),
        ("-1", "not a confidence in [0, 1]"),
        ("inf", "not a confidence in [0, 1]"),
        ("1e999", "not a confidence in [0, 1]"),
        ("high", "not a number"),
    ],
)
def test_a_score_that_is_no_confidence_is_refused_naming_where(tmp_path, fmt, score, message):
    if fmt == "jsonl":
        score = {"inf": "Infinity", "high": '"high"'}.get(score, score)
    path = _with_score(tmp_path, fmt, score)
    with pytest.raises(FormatError) as caught:
        list(read_pairs(path, fmt))
    text = str(caught.value)
    assert text.startswith(path) and message in text
    assert re.match(rf"{re.escape(path)}(:\d+|: unit \d+)", text), text  # the line or unit


@pytest.mark.parametrize("fmt", SCORED)
def test_scores_in_range_are_kept_and_nan_is_no_score(tmp_path, fmt):
    for score, expected in (("0", 0.0), ("1", 1.0), ("0.25", 0.25)):
        (pair,) = read_pairs(_with_score(tmp_path / score, fmt, score), fmt)
        assert pair.score == expected
    nan = _with_score(tmp_path / "nan", fmt, "NaN" if fmt == "jsonl" else "nan")
    (pair,) = read_pairs(nan, fmt)
    assert pair.score is None


def test_crlf_line_ends_are_not_text(tmp_path):
    (tmp_path / "w.zh").write_bytes("一\r\n二\r\n".encode())
    (tmp_path / "w.en").write_bytes(b"one\r\ntwo\r\n")
    got = [(p.src, p.tgt) for p in read_pairs(str(tmp_path / "w"), "moses")]
    assert got == [("一", "one"), ("二", "two")]
    tsv = tmp_path / "w.tsv"
    write_pairs(PAIRS, str(tsv))
    tsv.write_bytes(tsv.read_bytes().replace(b"\n", b"\r\n"))  # (texts' breaks are escaped)
    got = list(read_pairs(str(tsv)))
    assert [(p.src, p.tgt, p.status) for p in got] == [(p.src, p.tgt, p.status) for p in PAIRS]


@pytest.mark.parametrize("fmt", ["tmx", "xces", "moses", "tsv", "jsonl", "xliff", "xliff2"])
def test_spaces_at_the_ends_of_a_text_come_back(tmp_path, fmt):
    pairs = [Pair("  前后空格  ", " both ends ", 0.5), Pair("\t中。", "end\t", 0.5)]
    path = str(tmp_path / FILENAMES[fmt])
    write_pairs(pairs, path, fmt)
    assert [(p.src, p.tgt) for p in read_pairs(path, fmt)] == [(p.src, p.tgt) for p in pairs]


@pytest.mark.parametrize("fmt", ["tmx", "xces", "moses", "tsv", "jsonl", "xliff", "xliff2"])
def test_every_file_written_ends_with_a_newline(tmp_path, fmt):
    """POSIX text files: `cat` and `wc -l` (and diff's "no newline") read them as text."""
    path = str(tmp_path / FILENAMES[fmt])
    write_pairs(PAIRS, path, fmt)
    for file in get_format(fmt).output_files(path):
        assert Path(file).read_bytes().endswith(b"\n"), file


def _xces(folder: Path, xtargets: str = "1;1") -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "c.xml"
    write_pairs([Pair("甲。", "A.", 0.5)], str(path))
    path.write_text(path.read_text("utf-8").replace('"1;1"', f'"{xtargets}"'), "utf-8")
    return path


def _from_doc(path: Path, doc: str) -> None:
    path.write_text(path.read_text("utf-8").replace('"c.zh.xml"', f'"{doc}"'), "utf-8")


def test_xces_sentences_of_other_tools_are_stripped(tmp_path):
    path = _xces(tmp_path)
    zh = tmp_path / "c.zh.xml"
    zh.write_text('<document><s id="1">\n    甲。\n  </s></document>', "utf-8")
    assert [(p.src, p.tgt) for p in read_pairs(str(path))] == [("甲。", "A.")]


@pytest.mark.parametrize("file", ["c.xml", "c.zh.xml"])
def test_xces_files_declaring_entities_are_refused(tmp_path, file):
    path = _xces(tmp_path)
    target = tmp_path / file
    text = target.read_text("utf-8")
    root = "cesAlign" if file == "c.xml" else "document"
    declared = f'<!DOCTYPE {root} [<!ENTITY x SYSTEM "file:///etc/hostname">]>\n<{root}'
    text = text.replace(f"<{root}", declared, 1).replace("甲。", "甲&x;。")
    target.write_text(text, "utf-8")  # else read as the text "甲&x;。"
    with pytest.raises(
        FormatError, match=rf"{file}: declares XML entities in its DOCTYPE \(x\); refused"
    ):
        list(read_pairs(str(path)))


@pytest.mark.parametrize("where", ["absolute", "parent"])
def test_xces_sentence_files_outside_the_alignment_folder_are_refused(tmp_path, where):
    path = _xces(tmp_path / "sub")
    outside = _xces(tmp_path / "other").with_name("c.zh.xml")  # readable, were it opened
    _from_doc(path, str(outside) if where == "absolute" else "../other/c.zh.xml")
    with pytest.raises(FormatError, match=r"c\.xml:\d+: link SL1: fromDoc=.* lies outside"):
        list(read_pairs(str(path)))


def test_xces_sentence_files_below_the_alignment_folder_are_read(tmp_path):
    path = _xces(tmp_path)
    (tmp_path / "zh").mkdir()
    (tmp_path / "c.zh.xml").rename(tmp_path / "zh" / "c.zh.xml")
    _from_doc(path, "zh/./c.zh.xml")
    assert [(p.src, p.tgt) for p in read_pairs(str(path))] == [("甲。", "A.")]


def test_xces_gzipped_sentence_files_as_opus_distributes_them_are_read(tmp_path):
    import gzip

    path = _xces(tmp_path)
    for side in ("zh", "en"):
        plain = tmp_path / f"c.{side}.xml"
        (tmp_path / f"c.{side}.xml.gz").write_bytes(gzip.compress(plain.read_bytes()))
        plain.unlink()
    _from_doc(path, "c.zh.xml.gz")
    path.write_text(path.read_text(encoding="utf-8").replace('"c.en.xml"', '"c.en.xml.gz"'))
    assert [(p.src, p.tgt) for p in read_pairs(str(path))] == [("甲。", "A.")]
    whole = gzip.compress(b"<document><s id='1'>A.</s></document>")
    cut, corrupt = whole[:12], whole[:10] + b"\xff" * 8 + whole[18:]  # a bad deflate stream too
    for damaged in (cut, corrupt):
        (tmp_path / "c.en.xml.gz").write_bytes(damaged)
        with pytest.raises(FormatError, match="c.en.xml.gz: cannot read the sentence file"):
            list(read_pairs(str(path)))


@pytest.mark.parametrize(
    ("xtargets", "message"),
    [
        ("1 99;1", "no sentence with id '99' in c.zh.xml"),
        ("1;7", "no sentence with id '7' in c.en.xml"),
        ("bogus", "xtargets='bogus' is not source ids;target ids"),
        ("1;1;1", "xtargets='1;1;1' is not"),
    ],
)
def test_xces_links_to_unknown_or_malformed_ids_are_refused(tmp_path, xtargets, message):
    path = _xces(tmp_path, xtargets)
    with pytest.raises(FormatError, match=rf"c\.xml:\d+: link SL1: {re.escape(message)}"):
        list(read_pairs(str(path)))


def test_an_export_selecting_one_direction_of_a_store_holding_both_needs_no_tags(cli, tmp_path):
    """The pairs selected are tagged as a store holding only them would be (as the review
    page's export does): --origin picks the en→zh memory out of a store holding zh→en too."""
    store = tmp_path / "c.db"
    zh_en = _tmx(tmp_path / "a.tmx", ("zh-CN", "你好。", "en-US", "Hello."))
    en_zh = _tmx(tmp_path / "b.tmx", ("en-GB", "Goodbye.", "zh-CN", "再见。"))
    assert cli("import", zh_en, "--store", store)[0] == 0
    memory = ("--src-lang", "en-GB", "--tgt-lang", "zh-CN", "--origin", "aligned")
    assert cli("import", en_zh, "--store", store, *memory)[0] == 0
    status, _, err = cli("export", store, "-f", "jsonl")  # both directions: one file tags one
    assert status == 1 and "--src-lang" in err
    status, out, err = cli("export", store, "-f", "jsonl", "--origin", "aligned")
    assert status == 0, err
    assert [
        (r["src_text"], r["src_lang"], r["tgt_lang"]) for r in map(json.loads, out.splitlines())
    ] == [("Goodbye.", "en-GB", "zh-CN")]
