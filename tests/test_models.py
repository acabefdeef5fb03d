import json
import subprocess
import sys
import zipfile

import pytest
from argos_fixture import *  # noqa: F403
from argos_fixture import index_entry, make_package, write_index

from duiyi.errors import InputError, ModelNotFound
from duiyi.translate import packages


def _leftovers(folder):
    return [p.name for p in folder.iterdir()] if folder.exists() else []


def test_install_file_then_list_and_remove(cli, packages_env, argos_package):
    status, out, _ = cli("models", "install", argos_package)
    assert status == 0 and "translate-zh_en-1_9" in out
    [pkg] = packages.list_installed()
    assert (pkg.from_code, pkg.to_code, pkg.version) == ("zh", "en", "1.9")
    assert (pkg.path / "model" / "model.bin").is_file()
    assert pkg.model_id == "argos-zh_en-1.9"
    status, out, _ = cli("models", "list", "--installed")
    assert "translate-zh_en-1_9" in out and "zh→en" in out
    status, out, _ = cli("models", "remove", "translate-zh_en-1_9")
    assert status == 0 and packages.list_installed() == []
    status, _, err = cli("models", "remove", "translate-zh_en-1_9")
    assert status == 1 and "no installed model named" in err


def test_reinstalling_replaces_the_package_in_place(packages_env, argos_package):
    packages.install_file(argos_package)
    packages.install_file(argos_package)
    assert _leftovers(packages_env) == ["translate-zh_en-1_9"]


def _zip(path, members: dict):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"../evil.txt": "x"}, "unsafe path"),
        ({"pkg/../../evil.txt": "x"}, "unsafe path"),
        ({"/tmp/evil.txt": "x"}, "unsafe path"),
        ({"a/metadata.json": "{}", "b/readme": "x"}, "one top-level folder"),
        ({"pkg/readme.txt": "hello"}, "missing metadata.json"),
        ({"pkg/metadata.json": "{not json", "pkg/model/model.bin": "x",
          "pkg/model/config.json": "{}", "pkg/model/shared_vocabulary.json": "[]",
          "pkg/sentencepiece.model": "x"}, "metadata.json"),
    ],
)  # fmt: skip
def test_foreign_and_hostile_zips_are_rejected(cli, tmp_path, packages_env, members, message):
    bad = _zip(tmp_path / "bad.argosmodel", members)
    status, _, err = cli("models", "install", bad)
    assert status == 1 and message in err
    assert "Traceback" not in err
    assert _leftovers(packages_env) == []  # nothing half-installed
    assert not (tmp_path / "evil.txt").exists() and not (packages_env.parent / "evil.txt").exists()


def test_corrupt_zip_is_rejected(cli, tmp_path, packages_env, argos_package):
    data = argos_package.read_bytes()
    truncated = tmp_path / "truncated.argosmodel"
    truncated.write_bytes(data[: len(data) // 2])
    status, _, err = cli("models", "install", truncated)
    assert status == 1 and "not a zip archive" in err
    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 0xFF  # inside a member: the zip directory still reads
    damaged = tmp_path / "damaged.argosmodel"
    damaged.write_bytes(bytes(flipped))
    status, _, err = cli("models", "install", damaged)
    assert status == 1 and "corrupt" in err
    assert _leftovers(packages_env) == []


def test_a_model_for_another_pair_is_refused_for_zh_en(tmp_path, packages_env):
    en_de = make_package(tmp_path / "translate-en_de-1_9.argosmodel", "en", "de")
    with pytest.raises(InputError, match="translates en→de, not zh→en"):
        packages.install_file(en_de, from_code="zh", to_code="en")
    assert _leftovers(packages_env) == []


def test_another_pair_installed_leaves_zh_en_on_glosses(cli, tmp_path, packages_env):
    en_de = make_package(tmp_path / "translate-en_de-1_9.argosmodel", "en", "de")
    assert cli("models", "install", en_de)[0] == 0  # a valid package, just not zh→en
    doc = tmp_path / "a.txt"
    doc.write_text("美国总统访问俄罗斯。", encoding="utf-8")
    status, out, err = cli("translate", doc)
    assert status == 0
    assert "NOT machine translation" in err and "duiyi models install zh en" in err
    assert "Russia" in out  # CC-CEDICT glosses


def test_download_from_a_loopback_index(cli, index_server, argos_package):
    www, base = index_server
    (www / argos_package.name).write_bytes(argos_package.read_bytes())
    write_index(www, [index_entry(base, argos_package.name)])
    status, out, _ = cli("models", "list")
    assert status == 0 and "available from " + base in out and "zh→en" in out
    status, out, err = cli("models", "install", "zh", "en")
    assert status == 0, err
    assert "installed translate-zh_en-1_9" in out
    assert packages.find_installed("zh", "en").version == "1.9"
    status, out, _ = cli("models", "list")
    assert "installed" in out.split("available from")[1]
    status, out, _ = cli("models", "install", "zh", "en")  # no second download
    assert status == 0 and "already installed" in out
    assert sorted(_leftovers(packages.packages_dir())) == ["translate-zh_en-1_9"]


def test_a_download_that_is_not_a_package_installs_nothing(cli, index_server):
    www, base = index_server
    (www / "translate-zh_en-1_9.argosmodel").write_bytes(b"<html>captive portal</html>")
    write_index(www, [index_entry(base, "translate-zh_en-1_9.argosmodel")])
    status, _, err = cli("models", "install", "zh", "en")
    assert status == 1 and "translate-zh_en-1_9.argosmodel: not a zip archive" in err
    assert f"downloaded from {base}translate-zh_en-1_9.argosmodel" in err
    assert _leftovers(packages.packages_dir()) == []


def test_a_dead_package_link_names_the_file_to_fetch(cli, index_server):
    www, base = index_server
    write_index(www, [index_entry(base, "translate-zh_en-1_9.argosmodel")])  # file absent: 404
    status, _, err = cli("models", "install", "zh", "en")
    assert status == 1
    assert base + "translate-zh_en-1_9.argosmodel" in err
    assert "duiyi models install translate-zh_en-1_9.argosmodel" in err
    assert _leftovers(packages.packages_dir()) == []


def test_offline_index_says_how_to_install_from_a_file(cli, packages_env):
    status, _, err = cli("models", "install", "zh", "en")
    assert status == 1
    assert "http://127.0.0.1:9/index.json" in err and "offline" in err
    assert "duiyi models install FILE.argosmodel" in err
    status, out, err = cli("models", "list")  # still lists what is installed
    assert status == 0 and "installed in" in out and "listing installed models only" in err


def test_no_pair_in_the_index(index_server):
    www, base = index_server
    write_index(www, [index_entry(base, "translate-en_de-1_0.argosmodel", "en", "de")])
    with pytest.raises(ModelNotFound, match="lists no zh→en package"):
        packages.download_and_install("zh", "en")


def test_argostranslate_package_imports_neither_torch_nor_stanza():
    code = (
        "import sys, argostranslate.package, argostranslate.settings\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('torch', 'stanza', 'spacy')"
        " or m == 'argostranslate.translate']\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_translating_never_imports_argostranslate_translate(tmp_path, installed_model):
    doc = tmp_path / "a.txt"
    doc.write_text("美国总统访问俄罗斯。\n双方讨论了合作。", encoding="utf-8")
    code = (
        "import sys\nfrom duiyi.cli import main\n"
        f"assert main(['translate', '-q', {str(doc)!r}]) == 0\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('torch', 'stanza', 'spacy')"
        " or m == 'argostranslate.translate']\n"
        "assert not heavy, heavy\nassert 'ctranslate2' in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 2  # two paragraphs, two draft lines


def test_a_download_cut_short_installs_nothing(cli, packages_env, argos_package, monkeypatch):
    import http.server
    import threading

    data = argos_package.read_bytes()

    class CutShort(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.endswith("index.json"):
                body = json.dumps([index_entry(base, "translate-zh_en-1_9.argosmodel")]).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))  # promises all, sends half
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), CutShort)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", base)
    try:
        status, _, err = cli("models", "install", "zh", "en", "--timeout", "5")
    finally:
        server.shutdown()
        server.server_close()
    assert status == 1 and "Traceback" not in err
    assert "translate-zh_en-1_9.argosmodel" in err and "duiyi models install" in err
    assert _leftovers(packages_env) == []


# ---- LLM model folders: broken manifests, names, not-found messages --------------------------


def _llm_folder(name: str, manifest: str):
    from duiyi.translate import llm_models

    folder = llm_models.models_dir() / name
    folder.mkdir(parents=True)
    (folder / "duiyi-model.json").write_text(manifest, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "manifest", ["{}", '{"name":', "[]", '{"name": 3}', '{"name": "x", "sha256": 7}']
)
def test_a_broken_llm_manifest_is_skipped_with_a_warning(
    cli, tmp_path, packages_env, caplog, manifest
):
    broken = _llm_folder("fake", manifest)
    status, out, err = cli("models", "list", "--installed")
    assert status == 0 and "Traceback" not in err and "internal error" not in err
    [warning] = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert str(broken) in warning and "duiyi models remove fake" in warning
    doc = tmp_path / "a.txt"
    doc.write_text("你好。\n", encoding="utf-8")
    status, out, err = cli("translate", doc)  # glosses: no model is installed
    assert status == 0 and out.strip() and "internal error" not in err
    status, out, _ = cli("models", "remove", "fake")  # a broken folder can still be removed
    assert status == 0 and "removed fake" in out and not broken.exists()


def test_removing_an_empty_name_removes_nothing(cli, packages_env):
    from duiyi.translate import llm_models

    mine = _llm_folder("mine", '{"name": "mine"}')
    status, _, err = cli("models", "remove", "")
    assert status == 2 and "argument name: an empty name" in err, err
    assert mine.is_dir()  # "" is not "the preferred model"
    # not found: both folders are named, the LLM one and the Argos one
    status, _, err = cli("models", "remove", "nope")
    assert status == 1 and "no installed model named 'nope'" in err
    assert str(llm_models.models_dir()) in err and str(packages_env) in err
    with pytest.raises(ModelNotFound, match="installed: mine"):
        llm_models.remove("nope")


def test_an_unknown_model_lists_the_installed_llm_models(cli, tmp_path, packages_env):
    _llm_folder("mine", '{"name": "mine"}')
    doc = tmp_path / "a.txt"
    doc.write_text("你好。\n", encoding="utf-8")
    status, _, err = cli("translate", doc, "--model", "nonexistent")
    assert status == 1 and "no LLM model installed" not in err
    assert "'nonexistent'" in err and "installed: mine" in err, err


def test_installing_a_directory_says_it_is_one(cli, tmp_path, packages_env):
    for name in ("models", "model.gguf"):
        folder = tmp_path / name
        folder.mkdir()
        status, _, err = cli("models", "install", folder)
        assert status == 1 and f"{folder} is a directory" in err and "no such file" not in err


@pytest.mark.parametrize("name", [".hidden", "../escape", "a/b", ".", ".."])
def test_a_model_name_that_is_no_plain_folder_is_refused(cli, tmp_path, packages_env, name):
    from llm_fixture import write_tiny_gguf

    from duiyi.translate import llm_models

    gguf = write_tiny_gguf(tmp_path / "tiny.gguf")
    status, _, err = cli("models", "install", gguf, "--name", name)
    assert status == 2 and err.startswith(f"duiyi models install: error: argument --name: {name!r}")
    root = llm_models.models_dir()
    assert _leftovers(root) == [] and not (tmp_path / "escape").exists()


@pytest.mark.parametrize("spec", ["hf:", "hf:foo", "hf:owner/repo", "hf:owner//x.gguf"])
def test_a_malformed_hf_spec_is_one_clear_line(cli, packages_env, spec):
    status, _, err = cli("models", "install", spec)
    assert status == 1 and "give hf:OWNER/REPO/FILE.gguf" in err and "internal error" not in err


@pytest.mark.parametrize(
    "metadata", ['{"from_code": "zh", "to_code": "en", "package_version": "1.9"}', "{"]
)
def test_a_partial_or_broken_argos_folder_is_skipped_and_removable(
    cli, packages_env, caplog, metadata
):
    folder = packages_env / "translate-zh_en-1_9"
    folder.mkdir(parents=True)
    (folder / "metadata.json").write_text(metadata)  # an install cut short: no model files
    assert packages.list_installed() == []
    assert packages.find_installed("zh", "en") is None  # never chosen to translate with
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings and all("duiyi models remove translate-zh_en-1_9" in w for w in warnings)
    status, out, err = cli("models", "remove", "translate-zh_en-1_9")
    assert status == 0 and "removed translate-zh_en-1_9" in out, err
    assert not folder.exists()


@pytest.mark.parametrize(
    ("what", "option", "message"),
    [
        (["qwen2.5-coder-0.5b"], ["--name", "x"], "--name cannot apply to qwen2.5-coder-0.5b"),
        (["zh", "en"], ["--sha256", "ab" * 32], "--sha256 cannot apply to zh en"),
        (["m.gguf"], ["--find-links", "."], "--find-links cannot apply to m.gguf"),
        (["hf:a/b/c.gguf"], ["--find-links", "."], "--find-links cannot apply to hf:a/b/c.gguf"),
    ],
)
def test_install_options_that_would_be_ignored_are_usage_errors(
    cli, packages_env, what, option, message
):
    # (values each option takes: a SHA-256, a folder there is)
    status, _, err = cli("models", "install", *what, *option)
    assert status == 2
    assert err.strip().splitlines()[-1] == f"duiyi models install: error: {message}"
