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
