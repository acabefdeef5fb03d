"""Fixtures for the translate and models tests: a tiny Argos-format package built once per
session (random weights, real SentencePiece and CTranslate2 files), a private packages
directory and cache per test, and a loopback HTTP server standing in for the Argos index.

Import in a test module with `from argos_fixture import *` (fixtures) and by name (helpers).
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
from pathlib import Path

import pytest

from duiyi.testing.argos_model import ModelShape, build_package

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
UNREACHABLE = "http://127.0.0.1:9/"  # discard port: connection refused, i.e. "offline"

__all__ = ["argos_package", "packages_env", "installed_model", "index_server"]


def seed_sentences() -> list[str]:
    """The seeds cut at Chinese sentence ends: training text for the fixture's SentencePiece."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    return [s.strip() for s in re.split(r"(?<=[。！？!?\n])", text) if s.strip()]


def make_package(path: Path, from_code: str = "zh", to_code: str = "en", seed: int = 0) -> Path:
    return build_package(
        path,
        seed_sentences(),
        shape=ModelShape(layers=1, d_model=32, heads=2, ffn=64, vocab_size=1500),
        from_code=from_code,
        to_code=to_code,
        seed=seed,
    )


@pytest.fixture(scope="session")
def argos_package(tmp_path_factory) -> Path:
    """translate-zh_en-1_9.argosmodel, built once per test session (well under a second)."""
    folder = tmp_path_factory.mktemp("argos")
    return make_package(folder / "translate-zh_en-1_9.argosmodel")


@pytest.fixture
def packages_env(tmp_path, monkeypatch) -> Path:
    """An empty packages directory, an unreachable index and a private cache; returns the dir.

    duiyi reads ARGOS_PACKAGES_DIR / ARGOS_PACKAGE_INDEX at call time (through
    argostranslate.settings.get_setting), so setting the environment here is enough.
    """
    packages = tmp_path / "packages"
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(packages))
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", UNREACHABLE)
    monkeypatch.setenv("DUIYI_CACHE", str(tmp_path / "cache"))
    return packages


@pytest.fixture
def installed_model(packages_env, argos_package):
    """The fixture package installed through duiyi's own checked installer."""
    from duiyi.translate.packages import install_file

    return install_file(argos_package)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


@pytest.fixture
def index_server(tmp_path, monkeypatch, packages_env):
    """Serve tmp/www over http://127.0.0.1:PORT/ and point ARGOS_PACKAGE_INDEX at it.

    Yields (www folder, base URL); tests drop index.json and packages into the folder.
    """
    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(_Quiet, directory=str(www))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", base)
    try:
        yield www, base
    finally:
        server.shutdown()
        server.server_close()


def write_index(www: Path, entries: list[dict]) -> None:
    (www / "index.json").write_text(json.dumps(entries), encoding="utf-8")


def index_entry(base: str, file_name: str, from_code="zh", to_code="en", version="1.9") -> dict:
    """An index.json entry shaped like argospm-index's."""
    return {
        "package_version": version,
        "argos_version": "1.9.0",
        "from_code": from_code,
        "from_name": "Chinese",
        "to_code": to_code,
        "to_name": "English",
        "type": "translate",
        "links": [base + file_name],
    }
