import pytest

from duiyi.cli import COMMANDS


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


def test_no_command_is_a_usage_error(cli):
    status, _, err = cli()
    assert status == 2
    assert "usage" in err


def test_unknown_option_is_a_usage_error(cli):
    status, _, err = cli("--no-such-option")
    assert status == 2
    assert "Traceback" not in err


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
    assert _parsed("align", "--rescore", src, tgt) == {**files, "rescore": "", "ray": None}
    assert _parsed("align", "--ray", src, tgt) == {**files, "rescore": None, "ray": "local"}
    both = {**files, "rescore": "", "ray": "local"}
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
    assert _parsed("align", src, tgt, "--rescore") == {**files, "rescore": "", "ray": None}
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
