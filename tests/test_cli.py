import argparse
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from duiyi.cli import COMMANDS

ROOT = Path(__file__).resolve().parent.parent


def test_top_level_help_lists_every_command(cli):
    status, out, _ = cli("--help")
    assert status == 0
    for name, _, _ in COMMANDS:
        assert name in out


@pytest.mark.parametrize("name", [name for name, _, _ in COMMANDS])
def test_every_command_has_help(cli, name):
    status, out, _ = cli(name, "--help")
    assert status == 0
    assert "usage: duiyi" in out and len(out.splitlines()) > 3


@pytest.mark.parametrize("name", ["normalize", "split", "translate"])
def test_help_says_documents_are_read(cli, name):
    # not "text or HTML files": DOCX, ODT, EPUB and PDF are read as well (see README)
    status, out, _ = cli(name, "--help")
    assert status == 0 and "text or HTML files" not in out
    if name != "translate":
        assert "DOCX, ODT, EPUB, PDF" in out


def test_no_command_is_a_usage_error(cli):
    status, _, err = cli()
    assert status == 2
    assert "usage" in err


@pytest.mark.parametrize("command", ["translate", "align"])
def test_workers_without_ray_is_a_usage_error_before_anything_loads(cli, command, monkeypatch):
    from duiyi.translate import engine

    monkeypatch.setattr(engine, "choose_engine", None)  # loading an engine would fail loudly
    status, _, err = cli(command, "--workers", "2", "a.txt", "b.txt")
    assert status == 2
    assert err.strip().splitlines()[-1] == f"duiyi {command}: error: --workers goes with --ray"


def test_unknown_option_is_a_usage_error(cli):
    status, _, err = cli("--no-such-option")
    assert status == 2
    assert "Traceback" not in err


NOT_A_TAG = "'zh CN' is not a language tag (zh-CN, zh-TW, en-US, …)"
EMPTY_PATH = "an empty path (the current folder is .)"


@pytest.mark.parametrize(("command", "option", "value", "message"), [
    ("split", "--lang", "zh CN", NOT_A_TAG),
    ("normalize", "--lang", "zh CN", NOT_A_TAG),
    ("align", "--src-lang", "zh CN", NOT_A_TAG),
    ("align", "--tgt-lang", "zh CN", NOT_A_TAG),
    ("export", "--src-lang", "zh CN", NOT_A_TAG),
    ("import", "--tgt-lang", "zh CN", NOT_A_TAG),
    ("export", "--min-score", "2", "must be a number from 0 to 1, not '2'"),
    ("translate", "--context", "-1", "must be a whole number 0 or more, not '-1'"),
    ("translate", "--beam-size", "four", "must be a whole number 1 or more, not 'four'"),
    ("align", "--workers", "0", "must be a whole number 1 or more, not '0'"),
    ("translate", "--glossary", "{tmp}/none.tsv", "{tmp}/none.tsv: no such file"),
    ("translate", "--compute-type", "int3", "invalid choice: 'int3'"),
    ("models list", "--timeout", "0", "must be a number above 0, not '0'"),
    ("models install", "--timeout", "nan", "must be a number above 0, not 'nan'"),
    # too large for the library that takes it (an internal error, a failure blamed on the model)
    ("models install", "--timeout", "1e23", "'1e23' is too large (at most 1,000,000,000)"),
    ("translate", "--threads", "99999999999999999999", "'99999999999999999999' is too large"),
    ("models install", "--sha256", "abc", "a SHA-256 is 64 hexadecimal digits, not 'abc'"),
    ("models install", "--find-links", "{tmp}/none", "{tmp}/none: no such folder"),
    ("models install", "--name", "../x", "'../x': a model's name is its folder's"),
    ("review", "--port", "70000", "use a port between 1 and 65535 (0: a free one), not '70000'"),
    ("review", "--host", "0.0.0.0", "0.0.0.0: the review app has no login, so it only listens"),
    # an empty path is not the current folder, an empty name not the default
    ("align", "--store", "", EMPTY_PATH),
    ("align", "--cache", "", EMPTY_PATH),
    ("translate", "--store", "", EMPTY_PATH),
    ("translate", "--glossary", "", EMPTY_PATH),
    ("models install", "--find-links", "", EMPTY_PATH),
    ("translate", "--model", "", "an empty name"),
    ("translate", "--ray", "", "an empty name"),
    ("align", "--rescore", "", "an empty name"),
    ("review", "--reviewer", "", "an empty name"),
])  # fmt: skip
def test_a_bad_option_value_is_one_usage_line_before_any_work(
    cli, two_files, tmp_path, command, option, value, message
):
    # The same exit status (2) and one line whatever the option (a language tag, a score),
    # checked as the command line is parsed: no output written, no store created.
    src, tgt = two_files
    out, store = tmp_path / "out.tsv", tmp_path / "new.db"
    positionals = {
        "align": [src, tgt, "-o", out], "import": [src, "--store", store],
        "export": [store, "-o", out], "review": [store], "models list": [],
        "models install": ["hf:a/b/c.gguf"],
    }.get(command, [src, "-o", out])  # fmt: skip
    value, message = (text.replace("{tmp}", str(tmp_path)) for text in (value, message))
    status, _, err = cli(*command.split(), option, value, *positionals)
    assert status == 2 and err.count("\n") == 1, err
    assert err.startswith(f"duiyi {command}: error: argument {option}: {message}"), err
    assert not out.exists() and not store.exists()


@pytest.mark.parametrize(("command", "before", "after", "argument", "message"), [
    ("split", [], [], "FILE|DIR|-", EMPTY_PATH),
    ("normalize", ["{src}"], [], "FILE|DIR|-", EMPTY_PATH),
    ("translate", [], ["{src}"], "FILE|DIR|-", EMPTY_PATH),
    ("align", ["{src}"], [], "TGT", EMPTY_PATH),
    ("eval-align", [], ["{src}"], "GOLD", EMPTY_PATH),
    ("import", [], ["--store", "{tmp}/new.db"], "FILE", EMPTY_PATH),
    ("export", [], [], "store", EMPTY_PATH),
    ("corpus info", [], [], "store", EMPTY_PATH),
    ("review", [], [], "store", EMPTY_PATH),
    ("models remove", [], [], "name", "an empty name"),
    ("models install", [], [], "NAME | FILE.gguf | URL | FROM TO | FILE", "an empty name"),
])  # fmt: skip
def test_an_empty_positional_is_a_usage_error(
    cli, two_files, tmp_path, command, before, after, argument, message
):
    # `duiyi split ''` read the current folder (Path('') is '.')
    src, _ = two_files
    words = [w.format(src=src, tmp=tmp_path) for w in (*before, "", *after)]
    status, _, err = cli(*command.split(), *words)
    assert status == 2 and err.count("\n") == 1, err
    assert err.startswith(f"duiyi {command}: error: argument {argument}: {message}"), err
    assert not (tmp_path / "new.db").exists()


@pytest.mark.parametrize("command", ["split", "normalize", "translate", "align", "export"])
def test_an_empty_output_is_a_usage_error(cli, two_files, command):
    src, tgt = two_files  # (it was an error, exit 1, found once the work was done)
    inputs = {"align": [src, tgt], "export": [src]}.get(command, [src])
    status, _, err = cli(command, *inputs, "-o", "")
    assert status == 2, err
    assert err == f"duiyi {command}: error: argument -o/--output: {EMPTY_PATH}\n"


def test_a_file_an_option_names_may_be_a_pipe(tmp_path):
    from duiyi.commands._types import existing_file

    fifo = tmp_path / "terms.tsv"
    os.mkfifo(fifo)  # `--glossary <(grep … terms.tsv)`: no regular file, still read
    assert existing_file(str(fifo)) == str(fifo)
    with pytest.raises(argparse.ArgumentTypeError, match="a folder, not a file"):
        existing_file(str(tmp_path))


# ---- options whose value may be left out: --rescore [MODEL], --ray [ADDRESS] ----------------


def _parsed(*words):
    from duiyi.cli import build_parser
    from duiyi.commands._options import parse_args

    args = parse_args(build_parser(), [str(w) for w in words])
    names = ("source", "target", "inputs", "rescore", "ray")
    return {k: v for k, v in vars(args).items() if k in names}


@pytest.fixture
def two_files(tmp_path):
    src, tgt = tmp_path / "a.zh.txt", tmp_path / "a.en.txt"
    src.write_text("你好。\n", encoding="utf-8")
    tgt.write_text("Hello.\n", encoding="utf-8")
    return str(src), str(tgt)


def test_rescore_and_ray_before_the_files_leave_them_to_the_positionals(two_files):
    src, tgt = two_files
    files = {"source": src, "target": tgt}
    assert _parsed("align", "--rescore", src, tgt) == {**files, "rescore": "auto", "ray": None}
    assert _parsed("align", "--ray", src, tgt) == {**files, "rescore": None, "ray": "local"}
    both = {**files, "rescore": "auto", "ray": "local"}
    assert _parsed("align", "--ray", "--rescore", src, tgt) == both
    assert _parsed("align", "--rescore", "--ray", src, tgt) == both
    # translate takes any number of inputs: --ray keeps none of them, nor stdin's "-"
    assert _parsed("translate", "--ray", src, tgt) == {"inputs": [src, tgt], "ray": "local"}
    assert _parsed("translate", "--ray", "-") == {"inputs": ["-"], "ray": "local"}


def test_rescore_and_ray_values_are_still_theirs(two_files, tmp_path):
    src, tgt = two_files
    files = {"source": src, "target": tgt}
    for model in ("qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"):  # known, installed or not
        assert _parsed("align", "--rescore", model, src, tgt)["rescore"] == model
    folder = tmp_path / "my-model"  # an installed model's folder
    folder.mkdir()
    (folder / "duiyi-model.json").write_text('{"name": "mine"}', encoding="utf-8")
    assert _parsed("align", "--rescore", folder, src, tgt)["rescore"] == str(folder)
    assert _parsed("align", "--rescore=anything", src, tgt)["rescore"] == "anything"
    assert _parsed("align", "--rescore", "auto", src, tgt)["rescore"] == "auto"
    assert _parsed("align", src, tgt, "--rescore") == {**files, "rescore": "auto", "ray": None}
    assert _parsed("align", src, tgt, "--rescore", "x")["rescore"] == "x"
    # an unknown model with both files after it is still the model asked for (and refused)
    assert _parsed("align", "--rescore", "no-such-model", src, tgt)["rescore"] == "no-such-model"
    for address in ("auto", "local", "10.0.0.1:6379", "ray://head:10001"):
        assert _parsed("align", "--ray", address, src, tgt) == {
            **files, "rescore": None, "ray": address,
        }  # fmt: skip
        assert _parsed("translate", "--ray", address, src)["ray"] == address


def test_rescore_before_the_files_runs_the_alignment(cli, two_files):
    src, tgt = two_files
    status, _, err = cli("align", "--rescore", src, tgt, "--no-cache")
    # not a usage error about TGT: the model is looked for (none is installed here)
    assert status == 1 and "no LLM model installed" in err, err
    # it names the model --rescore prefers, not the translator's default
    assert "--rescore needs one" in err and "qwen2.5-coder-0.5b" in err, err
    status, _, err = cli("align", "--rescore", src, "--no-cache")
    assert status == 2 and "TGT" in err  # a file short: still a usage error


# ---- standard streams, signals, stdin twice, summaries ----------------------------------------


def _duiyi(*args, close=()) -> subprocess.CompletedProcess:
    """`duiyi ARGS` in a fresh process started with the file descriptors `close` closed."""

    def closing():
        for fd in close:
            os.close(fd)

    return subprocess.run(
        [sys.executable, "-m", "duiyi.cli", *map(str, args)],
        preexec_fn=closing,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


@pytest.fixture
def two_sentences(tmp_path):
    doc = tmp_path / "a.txt"
    doc.write_text("第一句。第二句！\n", encoding="utf-8")
    return doc


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_names_the_output(two_sentences):
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "duiyi.cli", "split", two_sentences],
            stdout=full, stderr=subprocess.PIPE, text=True, timeout=60, cwd=ROOT,
        )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr == "duiyi: error: cannot write standard output: No space left on device\n"
    result = _duiyi("split", two_sentences, "-o", "/dev/full")
    assert result.returncode == 1
    assert result.stderr == "duiyi: error: cannot write /dev/full: No space left on device\n"


def test_a_closed_stdout_is_one_line_and_exit_1(two_sentences, tmp_path):
    result = _duiyi("split", two_sentences, close=[1])
    assert result.returncode == 1
    assert result.stderr == "duiyi: error: standard output is closed\n"
    assert _duiyi("--help", close=[1]).returncode == 1
    out = tmp_path / "out.txt"  # an output file needs no stdout
    result = _duiyi("split", two_sentences, "-o", out, close=[1])
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8").splitlines() == ["第一句。", "第二句！"]


def test_a_closed_stdin_is_one_line_and_exit_1():
    result = _duiyi("split", "-", close=[0])
    assert (result.returncode, result.stderr) == (1, "duiyi: error: standard input is closed\n")


def test_a_closed_stderr_still_gives_the_output_and_the_status(two_sentences, tmp_path):
    result = _duiyi("split", two_sentences, close=[2])
    assert result.returncode == 0 and result.stdout.splitlines() == ["第一句。", "第二句！"]
    result = _duiyi("split", tmp_path / "missing.txt", close=[2])
    assert (result.returncode, result.stdout) == (1, "")  # the message never lands in stdout


def test_sigterm_removes_the_temporary_file_of_an_output(tmp_path):
    out = tmp_path / "out.txt"
    proc = subprocess.Popen(
        [sys.executable, "-m", "duiyi.cli", "split", "-", "-o", str(out)],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        # the output's temporary file is open while the command waits for stdin
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob(".out.txt.duiyi-*.tmp")):
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
            time.sleep(0.02)
        proc.send_signal(signal.SIGTERM)
        status = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert list(tmp_path.iterdir()) == []
    assert status == 128 + signal.SIGTERM  # as if SIGTERM's default action had ended it


def test_stdin_twice_is_refused_before_any_output(cli, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("第一句。".encode())))
    for command in (["split"], ["normalize"], ["translate", "--engine", "gloss"]):
        status, out, err = cli(*command, "-", "-")
        assert (status, out) == (1, ""), err
        assert "- (standard input) given more than once" in err


def test_translate_summary_says_1_document_and_1_sentence(cli, tmp_path):
    doc = tmp_path / "a.txt"
    doc.write_text("你好。\n", encoding="utf-8")
    status, _, err = cli("translate", doc, "--engine", "gloss")
    assert status == 0 and "glossed 1 sentence in 1 document " in err, err
    other = tmp_path / "b.txt"
    other.write_text("你好。再见。\n", encoding="utf-8")
    status, _, err = cli("translate", doc, other, "--engine", "gloss", "-o", tmp_path / "out")
    assert status == 0 and "glossed 3 sentences in 2 documents " in err, err


def test_gloss_engine_says_it_ignores_a_model(cli, tmp_path):
    doc = tmp_path / "a.txt"
    doc.write_text("你好。\n", encoding="utf-8")
    status, out, err = cli("translate", doc, "--engine", "gloss", "--model", "X")
    assert status == 0 and out.strip()
    assert "--model X is ignored" in err
