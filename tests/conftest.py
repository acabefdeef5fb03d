"""Shared fixtures. Fixtures build their own data; nothing here reads ../shared/eval."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from duiyi.cli import main

# Property tests check behaviour, not speed: on a 2-core machine shared with other jobs a first
# example can take far longer than hypothesis's default 200 ms deadline.
settings.register_profile("duiyi", deadline=None)
settings.load_profile("duiyi")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def require_tool(name: str) -> str:
    """Path of an external program; skip the test without it, but fail under CI=true."""
    path = shutil.which(name)
    if path:
        return path
    missing(name)


def require_file(path: Path, package: str) -> Path:
    """A file a Debian package installs; skip the test without it, but fail under CI=true."""
    if path.is_file():
        return path
    missing(package)


def missing(name: str):
    if os.environ.get("CI"):
        pytest.fail(f"{name} is not installed; .ci/run must install it")
    pytest.skip(f"{name} is not installed")


@pytest.fixture(autouse=True, scope="session")
def _no_user_cache(tmp_path_factory):
    """duiyi's cache folder (the e5 encoder's CTranslate2 copy, embeddings, drafts) is the
    session's: a developer's cache, stale or not, never feeds a test, and tests write nothing
    into ~/.cache (one conversion of the encoder per session)."""
    saved = os.environ.get("DUIYI_CACHE")
    os.environ["DUIYI_CACHE"] = str(tmp_path_factory.mktemp("duiyi-cache"))
    yield
    if saved is None:
        os.environ.pop("DUIYI_CACHE", None)
    else:
        os.environ["DUIYI_CACHE"] = saved


@pytest.fixture(autouse=True)
def _no_user_llm_models(tmp_path_factory, monkeypatch):
    """An LLM model the developer installed must never change what a test's engine is."""
    monkeypatch.setenv("DUIYI_MODELS", str(tmp_path_factory.mktemp("llm-models")))


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path_factory, monkeypatch):
    """Tests (and the commands they run) keep their config, the review secret, out of the
    developer's ~/.config."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))


@pytest.fixture
def cli(capsys):
    """Run `duiyi ARGS…` in-process; returns (exit status, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        try:
            status = main([str(a) for a in args])
        except SystemExit as exc:  # argparse usage errors and --help
            status = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run
