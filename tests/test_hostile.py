"""Hostile and odd input (issue 14): one test per hole found by a campaign against every command.

Each test names the item it covers. Where the failure was unbounded work, the test runs the
command in a subprocess with its own timeout, so a regression fails instead of hanging CI.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from duiyi.corpus.read import MAX_BYTES, read_document, read_inputs
from duiyi.errors import InputError

ROOT = Path(__file__).resolve().parent.parent


def duiyi(*args: str, timeout: float, stdin=None, cwd=None) -> subprocess.CompletedProcess:
    """`duiyi ARGS` in a fresh interpreter, killed after `timeout` seconds (a test failure)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "duiyi.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=stdin if stdin is not None else subprocess.DEVNULL,
        env=env,
        cwd=cwd,
    )


# --- 1. HTML nested deeper than libxml2's default limit (256) --------------------------------


def _nested(depth: int) -> str:
    return (
        "<html><body><p>开头的句子。</p>"
        + "<div>" * depth
        + "<p>深处的句子。</p>"
        + "</div>" * depth
        + "<p>结尾的句子。</p></body></html>"
    )


@pytest.mark.parametrize("depth", [300, 1500])
def test_1_deep_html_keeps_all_its_text(tmp_path, depth):
    path = tmp_path / "deep.html"
    path.write_text(_nested(depth), encoding="utf-8")
    text = read_document(path).text
    assert text.split() == ["开头的句子。", "深处的句子。", "结尾的句子。"]


def test_1_html_beyond_the_depth_limit_is_refused_not_cut(tmp_path):
    path = tmp_path / "deeper.html"
    path.write_text(_nested(3000), encoding="utf-8")
    with pytest.raises(InputError, match=r"deeper.html: HTML nested more than 2048"):
        read_document(path)


# --- 2. HTML with a huge attribute (an inline data: image) before the text -------------------


@pytest.mark.parametrize("megabytes", [8, 20])
def test_2_huge_attribute_loses_no_text(tmp_path, megabytes):
    image = "data:image/png;base64," + "iVBORw0KGgo" * (megabytes * 2**20 // 11)
    page = (
        f'<html><body><img src="{image}"><article><p>第一句。</p><p>第二句。</p>'
        "<p>第三句。</p></article></body></html>"
    )
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    assert read_document(path).text.split() == ["第一句。", "第二句。", "第三句。"]


# --- 4. reads bounded by the bytes actually read (devices and pipes report size 0) -----------


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_4_endless_devices_are_refused_at_the_size_limit(device):
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    done = duiyi("split", device, timeout=60)
    assert done.returncode == 1
    assert f"{device} is more than {MAX_BYTES // 2**20} MB" in done.stderr
    assert "Traceback" not in done.stderr


ENDLESS_WRITER = """
import sys
block = "无尽的管道。\\n".encode() * 10000
while True:
    sys.stdout.buffer.write(block)
"""


def test_4_endless_pipe_is_refused_at_the_size_limit(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    # A writer process, not a thread: the in-process CLI restores the default SIGPIPE, which
    # would end the test run with the writer. O_RDWR: opening does not wait for a reader.
    fd = os.open(fifo, os.O_RDWR)
    writer = subprocess.Popen(
        [sys.executable, "-c", ENDLESS_WRITER], stdout=fd, stderr=subprocess.DEVNULL
    )
    os.close(fd)
    try:
        done = duiyi("split", fifo, timeout=60)
    finally:
        writer.kill()
        writer.wait()
    assert done.returncode == 1
    assert "is more than" in done.stderr


def test_4_endless_stdin_is_refused_at_the_size_limit():
    with open("/dev/zero", "rb") as zero:
        done = duiyi("split", "-", stdin=zero, timeout=60)
    assert done.returncode == 1
    assert "stdin is more than" in done.stderr


# --- 13. directory input does not follow links out of the tree --------------------------------


def test_13_links_out_of_the_directory_are_not_followed(tmp_path, caplog):
    outside = tmp_path / "secret.txt"
    outside.write_text("秘密的内容。\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "a.txt").write_text("第一篇文章。\n", encoding="utf-8")
    (corpus / "sub" / "b.txt").write_text("第二篇文章。\n", encoding="utf-8")
    (corpus / "passwd.txt").symlink_to(outside)
    (corpus / "inside.txt").symlink_to(corpus / "a.txt")  # stays inside: followed
    (corpus / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(corpus / "pipe.txt")  # would block forever if opened
    texts = [d.text.strip() for d in read_inputs([str(corpus)])]
    assert sorted(texts) == ["第一篇文章。", "第一篇文章。", "第二篇文章。"]
    assert "outside" in caplog.text and "--follow-links" in caplog.text
    followed = [d.text.strip() for d in read_inputs([str(corpus)], follow_links=True)]
    assert "秘密的内容。" in followed


def test_13_cli_follow_links_option(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("秘密的内容。\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("第一篇文章。\n", encoding="utf-8")
    (corpus / "link.txt").symlink_to(outside)
    done = duiyi("split", corpus, timeout=60)
    assert done.returncode == 0 and done.stdout == "第一篇文章。\n"
    assert "skipping" in done.stderr
    done = duiyi("split", "--follow-links", corpus, timeout=60)
    assert done.returncode == 0 and "秘密的内容。" in done.stdout


# --- 5. over-long sentences: a hard cap in the splitter, bounded aligner work per bead --------

_HAN = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你"


def _no_punctuation(n: int) -> str:
    import random

    rng = random.Random(5)
    return "".join(rng.choice(_HAN) for _ in range(n))


@pytest.mark.parametrize(
    "text",
    [
        _no_punctuation(333_333) + "\n",  # 1 MB of Chinese without a mark
        "。" * 300_000 + "\n",
        " ".join(["word"] * 200_000) + "\n",
    ],
    ids=["1MB-no-punctuation", "300k-periods", "english-no-periods"],
)
def test_5_split_caps_sentence_length_in_bounded_time(tmp_path, text):
    from duiyi.corpus.split import MAX_SENTENCE_CHARS

    path = tmp_path / "long.txt"
    path.write_text(text, encoding="utf-8")
    done = duiyi("split", "--conversion", "none", path, timeout=120)
    assert done.returncode == 0, done.stderr
    sentences = done.stdout.splitlines()
    assert max(map(len, sentences)) <= MAX_SENTENCE_CHARS
    assert "".join("".join(sentences).split()) == "".join(text.split())  # nothing lost


ALIGN_LONG = """
import sys
from duiyi.align.aligner import Aligner
zh = sys.stdin.read()
result = Aligner(lexical=True).align([zh, "短句。"], ["word " * 40000, "A short one."])
print(len(result.beads))
"""


def test_5_aligner_work_per_bead_is_bounded():
    """Two 100,000-character 'sentences' (the Python API takes any list): before the cap the
    encoder alone ran for many minutes on them."""
    done = subprocess.run(
        [sys.executable, "-c", ALIGN_LONG],
        input=_no_punctuation(100_000),
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 2


def test_5_align_of_300k_periods_finishes(tmp_path):
    src = tmp_path / "dots.zh.txt"
    src.write_text("。" * 300_000 + "\n", encoding="utf-8")
    tgt = tmp_path / "short.en.txt"
    tgt.write_text("This is a sentence. And another one.\n", encoding="utf-8")
    out = tmp_path / "out.align"  # every bead: the pairs formats leave out those with an empty side
    done = duiyi("align", "--no-cache", "-q", src, tgt, "-o", out, timeout=180)
    assert done.returncode == 0, done.stderr
    beads = out.read_text(encoding="utf-8").splitlines()
    assert len(beads) > 1 and "[0]" in "".join(b.split(":")[1] for b in beads)


# --- 3. Moses pair files with different line counts ------------------------------------------


@pytest.mark.parametrize(("src_lines", "tgt_lines"), [(3, 2), (2, 3)])
def test_3_moses_import_with_unequal_line_counts_is_refused(tmp_path, cli, src_lines, tgt_lines):
    (tmp_path / "pairs.zh").write_text("".join(f"句子{i}。\n" for i in range(src_lines)))
    (tmp_path / "pairs.en").write_text("".join(f"Sentence {i}.\n" for i in range(tgt_lines)))
    store = tmp_path / "s.db"
    status, _, err = cli("import", tmp_path / "pairs.moses", "--store", store)
    assert status == 1
    assert f"has {src_lines} lines but" in err and f"has {tgt_lines}:" in err
    if store.exists():
        from duiyi.corpus.store import Store

        with Store.open(store, readonly=True) as s:
            assert s.count_pairs() == 0


# --- 6. clean one-line errors for binary / nested JSONL and binary / Latin-1 .align ----------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe" * 50, "not UTF-8"),
        ('{"src_text": "caf\xe9"}\n'.encode("latin-1"), "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000 + b"\n", "nested too deeply"),
    ],
    ids=["binary", "latin-1", "nested"],
)
def test_6_bad_jsonl_import_is_one_clear_line(tmp_path, cli, content, message):
    path = tmp_path / "pairs.jsonl"
    path.write_bytes(content)
    status, _, err = cli("import", path, "--store", tmp_path / "s.db")
    assert status == 1
    assert message in err and "internal error" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01\x02\xff\xfe\x80" * 100, "not UTF-8"),
        ("[0]:[0]\n[1]:[1] # \xe9t\xe9\n".encode("latin-1"), "not UTF-8"),
    ],
    ids=["binary", "latin-1"],
)
@pytest.mark.parametrize("side", ["gold", "system"])
def test_6_bad_align_file_is_one_clear_line(tmp_path, cli, content, message, side):
    good = tmp_path / "good.align"
    good.write_text("[0]:[0]\n[1]:[1]\n")
    bad = tmp_path / "bad.align"
    bad.write_bytes(content)
    args = (good, bad) if side == "system" else (bad, good)
    status, _, err = cli("eval-align", *args)
    assert status == 1
    assert message in err and "bad.align" in err and "internal error" not in err


# --- 7. review server: ids beyond SQLite's integers are 404s, not 500s ------------------------

HUGE = "9" * 26


@pytest.mark.parametrize(
    ("method", "url", "form"),
    [
        ("GET", f"/documents/{HUGE}", None),
        ("GET", f"/beads/{HUGE}", None),
        ("GET", f"/beads/{HUGE}/history", None),
        ("POST", f"/beads/{HUGE}/approve", {"version": "1"}),
        ("POST", f"/changes/{HUGE}/undo", {}),
        ("GET", f"/documents/{2**63}", None),
    ],
)
def test_7_review_huge_ids_are_not_found(tmp_path, method, url, form):
    from review_corpus import build_corpus
    from test_review import TOKEN, Client

    from duiyi.corpus.store import Store
    from duiyi.review.app import create_app
    from duiyi.review.security import allowed_hosts

    with Store.open(tmp_path / "corpus.db") as store:
        build_corpus(store)
        client = Client(create_app(store, hosts=allowed_hosts("127.0.0.1", 8765), token=TOKEN))
        answer = client.get(url) if method == "GET" else client.post(url, data=form)
    assert answer.status_code == 404


# --- 9. entity declarations are found in the parsed DTD, not by a text scan ------------------

_UNIT = (
    '<tmx version="1.4"><header srclang="zh"/><body><tu><tuv xml:lang="zh"><seg>秘密{ref}</seg>'
    '</tuv><tuv xml:lang="en"><seg>secret</seg></tuv></tu></body></tmx>'
)


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE tmx [ <?pi ] <tmx ?> <!ENTITY x SYSTEM "file:///etc/passwd"> ]>',
        '<!DOCTYPE tmx [ <!-- ] <tmx --> <!ENTITY x "boom"> ]>',
        "<!DOCTYPE tmx [ <!ENTITY % p \"<!ENTITY x 'boom'>\"> %p; ]>",
    ],
    ids=["pi-hides-entity", "comment-hides-entity", "parameter-entity"],
)
def test_9_entity_declarations_hidden_from_a_text_scan_are_refused(tmp_path, cli, doctype):
    path = tmp_path / "trick.tmx"
    path.write_text(f'<?xml version="1.0"?>\n{doctype}\n' + _UNIT.format(ref="&x;"))
    status, _, err = cli("import", path, "--store", tmp_path / "s.db")
    assert status == 1
    assert "declares XML entities" in err


def test_9_a_doctype_without_entities_is_read(tmp_path, cli):
    path = tmp_path / "ok.tmx"
    doctype = '<!DOCTYPE tmx SYSTEM "tmx14.dtd" [ <?pi [ <!ENTITY ?> <!ELEMENT tmx ANY> ]>'
    path.write_text(f'<?xml version="1.0"?>\n{doctype}\n' + _UNIT.format(ref=""))
    status, _, err = cli("import", path, "--store", tmp_path / "s.db")
    assert status == 0, err


# --- 12. temporary files of a killed run are cleaned up by the next one -----------------------

KILLED_WRITER = """
import os, signal, sys
from duiyi.atomic import atomic_write
with atomic_write(sys.argv[1]) as out:
    out.write("half a draft")
    out.flush()
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_12_stale_temp_files_of_a_killed_run_are_removed(tmp_path):
    from duiyi.atomic import atomic_write

    out = tmp_path / "drafts"
    done = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(out / "a.txt")],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert done.returncode == -9
    stale = [p.name for p in out.iterdir()]
    assert len(stale) == 1 and stale[0].startswith(".a.txt.duiyi-")
    unrelated = out / ".notes.duiyi.tmp"  # not of our naming: kept
    unrelated.write_text("mine")
    running = out / f".b.txt.duiyi-{os.getpid()}-abcdefgh.tmp"  # a live writer's: kept
    running.write_text("")
    with atomic_write(out / "a.txt") as f:  # the rerun
        f.write("a whole draft")
    assert sorted(p.name for p in out.iterdir()) == sorted([unrelated.name, running.name, "a.txt"])


# --- 8. a multi-file import is one transaction: all files in, or none -------------------------


def _tmx(path: Path, pairs: list[tuple[str, str]]) -> Path:
    from duiyi.corpus.model import Pair
    from duiyi.export import get_format

    get_format("tmx").write([Pair(s, t) for s, t in pairs], str(path))
    return path


def test_8_import_of_several_files_is_all_or_nothing(tmp_path, cli):
    from duiyi.corpus.store import Store

    good = _tmx(tmp_path / "a.tmx", [("你好。", "Hello."), ("再见。", "Goodbye.")])
    broken = tmp_path / "broken.tmx"
    broken.write_bytes(_tmx(tmp_path / "b.tmx", [("谢谢。", "Thanks.")]).read_bytes()[:-40])
    store = tmp_path / "s.db"
    with Store.open(store) as s:  # what the store held before stays
        s.add_pairs([], source="none", checksum="0")
    status, _, err = cli("import", good, broken, "--store", store)
    assert status == 1 and "broken.tmx" in err
    with Store.open(store, readonly=True) as s:
        assert s.count_pairs() == 0
    status, _, err = cli("import", good, tmp_path / "b.tmx", "--store", store)
    assert status == 0, err
    with Store.open(store, readonly=True) as s:
        assert s.count_pairs() == 3


# --- 10. an unrelated SQLite file is refused before anything changes it -----------------------


def test_10_unrelated_sqlite_file_is_left_untouched(tmp_path, cli):
    import sqlite3

    other = tmp_path / "app.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO users (name) VALUES ('ann')")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    pairs = _tmx(tmp_path / "a.tmx", [("你好。", "Hello.")])
    status, _, err = cli("import", pairs, "--store", other)
    assert status == 1 and "not a duiyi corpus store" in err
    assert other.read_bytes() == before  # still in rollback-journal mode, nothing written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.tmx", "app.db"]  # no -wal/-shm


# --- 11. a store we may not write is still readable; a write says "read-only" -----------------


def _unprivileged(*args: str) -> list[str]:
    """A command line that cannot override file permissions: root in a new user namespace
    keeps its uid but loses its capabilities, so only the owner's permission bits apply."""
    if os.geteuid() != 0:
        return list(args)
    probe = subprocess.run(["unshare", "-U", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("running as root without user namespaces: cannot drop the permission bypass")
    return ["unshare", "-U", *args]


def test_11_read_only_store_can_be_read_and_says_read_only_on_write(tmp_path):
    from duiyi.corpus.model import Pair
    from duiyi.corpus.store import Store

    folder = tmp_path / "ro"
    folder.mkdir()
    store = folder / "s.db"
    pairs = _tmx(tmp_path / "a.tmx", [("你好。", "Hello."), ("再见。", "Goodbye.")])
    with Store.open(store) as s:
        s.add_pairs(
            [Pair("你好。", "Hello."), Pair("再见。", "Goodbye.")], source="a", checksum="x"
        )
    store.chmod(0o444)
    folder.chmod(0o555)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    duiyi_cmd = [sys.executable, "-m", "duiyi.cli"]
    try:
        info = subprocess.run(
            _unprivileged(*duiyi_cmd, "corpus", "info", str(store)),
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert info.returncode == 0, info.stderr
        assert "2" in info.stdout
        out = tmp_path / "out.tsv"
        export = subprocess.run(
            _unprivileged(*duiyi_cmd, "export", str(store), "-o", str(out)),
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert export.returncode == 0, export.stderr
        assert "再见。" in out.read_text(encoding="utf-8")
        write = subprocess.run(
            _unprivileged(*duiyi_cmd, "import", str(pairs), "--store", str(store)),
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert write.returncode == 1
        assert "read-only" in write.stderr and "Traceback" not in write.stderr
        assert sorted(p.name for p in folder.iterdir()) == ["s.db"]
    finally:
        folder.chmod(0o755)


def test_6_an_endless_line_is_refused_not_read_into_memory(tmp_path, cli, monkeypatch):
    from duiyi.export import base

    monkeypatch.setattr(base, "MAX_LINE", 1000)
    path = tmp_path / "pairs.jsonl"
    path.write_bytes(b'{"src_text": "' + b"a" * 5000 + b'"}\n')
    status, _, err = cli("import", path, "--store", tmp_path / "s.db")
    assert status == 1 and "pairs.jsonl:1: a line longer than" in err


# --- import: a bad pair file is one line naming the file and line, and nothing is stored ----


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (r'{"src_text": "中\ud800", "tgt_text": "x"}', r"pairs.jsonl:2: \ud800 is half of"),
        ('{"src_text": "中", "tgt_text": "x", "score": "high"}', "pairs.jsonl:2: score 'high'"),
        ('{"src_text": 1, "tgt_text": "x"}', "pairs.jsonl:2: src_text must be a string"),
        ('{"src_text": "中", "tgt_text": ["a"]}', "pairs.jsonl:2: tgt_text must be a string"),
        ('{"src_text": "中", "tgt_text": "x", "meta": [1]}', "pairs.jsonl:2: meta must be an"),
        ('{"tgt_text": "x"}', "pairs.jsonl:2: not a duiyi JSONL pair (no src_text)"),
        ("[1, 2]", "pairs.jsonl:2: not a duiyi JSONL pair (an array"),
    ],
    ids=["surrogate", "score-text", "src-number", "tgt-array", "meta-array", "no-src", "array"],
)
def test_bad_jsonl_records_are_one_line_naming_the_line(tmp_path, cli, record, message):
    path = tmp_path / "pairs.jsonl"
    path.write_text('{"src_text": "好", "tgt_text": "good"}\n' + record + "\n", encoding="utf-8")
    store = tmp_path / "s.db"
    status, _, err = cli("import", path, "--store", store)
    assert status == 1, err
    assert message in err and "internal error" not in err
    assert len(err.strip().splitlines()) == 1
    if store.exists():
        from duiyi.corpus.store import Store

        with Store.open(store, readonly=True) as s:
            assert s.count_pairs() == 0


def test_a_surrogate_pair_escape_is_one_character(tmp_path, cli):
    path = tmp_path / "pairs.jsonl"
    path.write_text(r'{"src_text": "笑\ud83d\ude00", "tgt_text": "smile", "id": 7}' + "\n")
    status, _, err = cli("import", path, "--store", tmp_path / "s.db")
    assert status == 0, err
    from duiyi.corpus.store import Store

    with Store.open(tmp_path / "s.db", readonly=True) as s:
        assert [p.src for p in s.iter_pairs()] == ["笑😀"]


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("tmx", (), "the root element is <tmx>, not XCES <cesAlign>: use -f tmx"),
        ("xliff", (), "the root element is <xliff>, not XCES <cesAlign>: use -f xliff"),
        ("<foo/>", (), "the root element is <foo>, not XCES <cesAlign>"),
        ("tmx", ("-f", "xces"), "the root element is <tmx>, not XCES <cesAlign>"),
        ("xces", ("-f", "tmx"), "the root element is <cesAlign>, not <tmx>: use -f xces"),
        ("xces", ("-f", "xliff"), "the root element is <cesAlign>, not XLIFF <xliff>: use -f xces"),
    ],
)
def test_an_xml_file_of_another_format_is_refused_not_read_as_no_pairs(
    tmp_path, cli, content, args, message
):
    from duiyi.corpus.model import Pair
    from duiyi.export import write_pairs

    path = tmp_path / "inl.xml"  # named as XCES is: a TMX or XLIFF copied to .xml
    if content.startswith("<"):
        path.write_text(content)
    else:
        write_pairs([Pair("中文。", "Chinese.")], str(path), content)
    status, _, err = cli("import", path, *args, "--store", tmp_path / "q.db")
    assert status == 1, err
    assert f"inl.xml: {message}" in err and len(err.strip().splitlines()) == 1
