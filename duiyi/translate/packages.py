"""Argos Translate model packages: find installed ones, read the index, install and remove.

Packages live in Argos's packages directory (`ARGOS_PACKAGES_DIR`, else Argos's default), so
models installed by argospm or LibreTranslate are shared. The index comes from
`ARGOS_PACKAGE_INDEX` (a URL prefix; `index.json` is appended, as argospm does).

Only `argostranslate.package` and `argostranslate.settings` are imported (metadata, settings):
`argostranslate.translate` would pull stanza and torch. Settings are read at call time through
`settings.get_setting`, not from the module constants argostranslate fixes at import time.
Argos's own `install_from_path` extracts zips without checking member paths, so packages are
installed here with a checked extraction into a temporary folder that is renamed into place:
a failed install leaves nothing behind.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from duiyi.errors import InputError, ModelNotFound

log = logging.getLogger(__name__)

DEFAULT_INDEX = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/"
DOWNLOAD_TIMEOUT_S = 30
CHUNK = 1 << 20  # download chunk: 1 MiB
MAX_UNCOMPRESSED = 4 * 1024**3  # a zip bomb guard: real packages are < 400 MB unpacked


@dataclass
class ModelPackage:
    """An Argos package, installed (`path` set) or listed in the index (`links` set)."""

    name: str  # e.g. "translate-zh_en-1_9": the installed folder, or argospm's name + version
    from_code: str
    to_code: str
    version: str
    path: Path | None = None
    links: list[str] = field(default_factory=list)
    size: int | None = None  # bytes on disk (installed) or download size when the index says
    target_prefix: str = ""

    @property
    def model_id(self) -> str:
        """What the cache and the run signature call this model: argos-zh_en-1.9."""
        return f"argos-{self.from_code}_{self.to_code}-{self.version}"

    @property
    def file_name(self) -> str:
        """The conventional download name, e.g. translate-zh_en-1_9.argosmodel."""
        version = self.version.replace(".", "_")
        return f"translate-{self.from_code}_{self.to_code}-{version}.argosmodel"


def _settings():
    try:
        from argostranslate import settings
    except ImportError as exc:  # duiyi installed without the Makefile's extra step
        raise ModelNotFound(
            "argostranslate is not installed: `pip install --no-deps 'argostranslate>=1.9,<1.12'`"
            " (see README, Offline models)"
        ) from exc
    return settings


def packages_dir() -> Path:
    """Argos's packages directory, read now (env `ARGOS_PACKAGES_DIR` wins, as in Argos)."""
    settings = _settings()
    return Path(settings.get_setting("ARGOS_PACKAGES_DIR", default=settings.data_dir / "packages"))


def index_url() -> str:
    """The package index URL: `ARGOS_PACKAGE_INDEX` (a prefix) + index.json."""
    prefix = _settings().get_setting("ARGOS_PACKAGE_INDEX", default=DEFAULT_INDEX)
    if prefix.endswith(".json"):
        return prefix
    return prefix.rstrip("/") + "/index.json"


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def read_installed(path: Path) -> ModelPackage:
    """The package installed in folder `path` (metadata read by argostranslate.package)."""
    _settings()  # a clear error if argostranslate is missing
    from argostranslate.package import Package

    pkg = Package(path)
    return ModelPackage(
        name=path.name,
        from_code=pkg.from_code or "",
        to_code=pkg.to_code or "",
        version=pkg.package_version or "",
        path=path,
        size=_dir_size(path),
        target_prefix=getattr(pkg, "target_prefix", "") or "",
    )


def list_installed() -> list[ModelPackage]:
    """Every translation package in the packages directory, skipping broken folders."""
    root = packages_dir()
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.iterdir()):
        if not path.is_dir() or path.name.startswith("."):
            continue
        try:
            _check_package_folder(path, str(path))  # a partial one: the error names the path
            found.append(read_installed(path))
        except InputError as exc:
            log.warning("skipping %s; `duiyi models remove %s` removes it", exc, path.name)
        except (OSError, ValueError) as exc:
            log.warning(
                "skipping %s: %s; `duiyi models remove %s` removes it", path, exc, path.name
            )
    return found


def _version_key(version: str):
    from packaging.version import InvalidVersion, Version

    try:
        return Version(version)
    except InvalidVersion:
        return Version("0")


def find_installed(from_code: str = "zh", to_code: str = "en", name: str | None = None):
    """The newest installed package for the pair (or the one named), or None."""
    packages = list_installed()
    if name:
        for pkg in packages:
            if name in (pkg.name, pkg.model_id, str(pkg.path)):
                return pkg
        raise ModelNotFound(
            f"no installed model named {name!r} in {packages_dir()} "
            f"(installed: {', '.join(p.name for p in packages) or 'none'}; see `duiyi models list`)"
        )
    matching = [p for p in packages if (p.from_code, p.to_code) == (from_code, to_code)]
    return max(matching, key=lambda p: _version_key(p.version), default=None)


# ---- the index -------------------------------------------------------------------------------


def fetch_index(timeout: float = 10) -> list[ModelPackage]:
    """The packages the index lists. Raises ModelNotFound (offline) with the URL it tried."""
    from argostranslate.package import AvailablePackage

    url = index_url()
    try:
        with urllib.request.urlopen(_request(url), timeout=timeout) as response:
            entries = json.loads(response.read())
    except (OSError, ValueError) as exc:
        raise ModelNotFound(f"cannot read the Argos package index {url}: {_reason(exc)}") from exc
    packages = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or entry.get("type", "translate") != "translate":
            continue
        pkg = AvailablePackage(entry)
        packages.append(
            ModelPackage(
                name=f"translate-{pkg.from_code}_{pkg.to_code}",
                from_code=pkg.from_code or "",
                to_code=pkg.to_code or "",
                version=pkg.package_version or "",
                links=list(pkg.links),
                size=entry.get("size"),
            )
        )
    return packages


def _request(url: str) -> urllib.request.Request:
    return urllib.request.Request(url, headers={"User-Agent": "duiyi (ArgosTranslate packages)"})


def _reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        return f"{exc.reason} (offline?)"
    return str(exc) or type(exc).__name__


def download_and_install(
    from_code: str,
    to_code: str,
    timeout: float = DOWNLOAD_TIMEOUT_S,
    progress: Callable[[Iterable[bytes], int | None], Iterable[bytes]] | None = None,
) -> ModelPackage:
    """Download the newest package for the pair from the index, verify it and install it.

    `progress(chunks, total_bytes)` may wrap the download's chunks (the CLI's progress bar).
    """
    try:
        available = fetch_index(timeout=timeout)
    except ModelNotFound as exc:
        raise ModelNotFound(
            f"{exc}. Fetch translate-{from_code}_{to_code}-*.argosmodel elsewhere (e.g. "
            f"https://www.argosopentech.com/argospm/index/) and run "
            f"`duiyi models install FILE.argosmodel`"
        ) from exc
    matching = [p for p in available if (p.from_code, p.to_code) == (from_code, to_code)]
    if not matching:
        raise ModelNotFound(f"the index {index_url()} lists no {from_code}→{to_code} package")
    pkg = max(matching, key=lambda p: _version_key(p.version))
    root = packages_dir()
    root.mkdir(parents=True, exist_ok=True)
    errors = []
    for url in pkg.links:
        fd, tmp = tempfile.mkstemp(prefix=".download-", suffix=".argosmodel", dir=root)
        try:
            with (
                os.fdopen(fd, "wb") as out,
                urllib.request.urlopen(_request(url), timeout=timeout) as response,
            ):
                expected = int(response.headers.get("Content-Length") or -1)
                chunks: Iterable[bytes] = iter(lambda r=response: r.read(CHUNK), b"")
                if progress is not None:
                    chunks = progress(chunks, expected if expected >= 0 else None)
                for chunk in chunks:
                    out.write(chunk)
                if expected >= 0 and out.tell() != expected:
                    raise OSError(f"download cut short: {out.tell()} of {expected} bytes")
            try:
                return install_file(
                    Path(tmp), from_code=from_code, to_code=to_code, name=pkg.file_name
                )
            except InputError as exc:
                raise InputError(f"{exc} (downloaded from {url})") from exc
        except (OSError, http.client.HTTPException) as exc:  # IncompleteRead is no OSError
            errors.append(f"{url}: {_reason(exc)}")
        finally:
            Path(tmp).unlink(missing_ok=True)
    links = " or ".join(pkg.links) or "(no link in the index)"
    raise ModelNotFound(
        f"download of {pkg.file_name} failed ({'; '.join(errors) or 'no links'}). "
        f"Fetch {links} elsewhere and run `duiyi models install {pkg.file_name}`"
    )


# ---- checked installation --------------------------------------------------------------------


def _check_members(archive: zipfile.ZipFile, name: str) -> str:
    """The package's single top-level folder; rejects absolute, `..` and link members."""
    tops = set()
    total = 0
    for info in archive.infolist():
        member = PurePosixPath(info.filename.replace("\\", "/"))
        if member.is_absolute() or ".." in member.parts or ":" in info.filename:
            raise InputError(
                f"{name}: unsafe path in the archive: {info.filename!r}; not installed"
            )
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise InputError(f"{name}: the archive contains a symbolic link; not installed")
        total += info.file_size
        tops.add(member.parts[0])
    if total > MAX_UNCOMPRESSED:
        raise InputError(f"{name}: unpacks to {total} bytes, more than any model; not installed")
    if len(tops) != 1:
        raise InputError(
            f"{name}: not an Argos package (expected one top-level folder, found "
            f"{', '.join(sorted(tops))[:200] or 'nothing'})"
        )
    return tops.pop()


def _check_package_folder(folder: Path, name: str) -> None:
    """The files a translate package needs: metadata, a CTranslate2 model, SentencePiece."""
    model = folder / "model"
    missing = [
        rel
        for rel, ok in (
            ("metadata.json", (folder / "metadata.json").is_file()),
            ("model/model.bin", (model / "model.bin").is_file()),
            ("model/config.json", (model / "config.json").is_file()),
            ("sentencepiece.model", (folder / "sentencepiece.model").is_file()),
        )
        if not ok
    ]
    has_vocab = any(model.glob("*vocabulary*")) if model.is_dir() else False
    if not has_vocab and "model/model.bin" not in missing:
        missing.append("model/*vocabulary*")
    if missing:
        raise InputError(
            f"{name}: not a usable Argos translate package (missing {', '.join(missing)})"
        )


def install_file(
    path: Path | str,
    *,
    from_code: str | None = None,
    to_code: str | None = None,
    name: str | None = None,
) -> ModelPackage:
    """Verify and install a `.argosmodel` file; replaces an installed copy of the same package.

    `from_code`/`to_code`, when given, must match the package's metadata; `name` is what
    messages call the file (default: its file name).
    """
    path = Path(path)
    name = name or path.name
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if not zipfile.is_zipfile(path):
        raise InputError(f"{name}: not a zip archive, so not an Argos package (.argosmodel)")
    root = packages_dir()
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".installing-", dir=root))
    try:
        try:
            with zipfile.ZipFile(path) as archive:
                top = _check_members(archive, name)
                bad = archive.testzip()
                if bad:
                    raise InputError(f"{name}: corrupt archive (bad CRC in {bad}); not installed")
                archive.extractall(staging)
        except (zipfile.BadZipFile, EOFError, zlib_error()) as exc:
            raise InputError(f"{name}: corrupt archive ({exc}); not installed") from exc
        folder = staging / top
        _check_package_folder(folder, name)
        try:
            pkg = read_installed(folder)
        except (OSError, ValueError) as exc:
            raise InputError(f"{name}: unreadable metadata.json ({exc}); not installed") from exc
        if not pkg.from_code or not pkg.to_code:
            raise InputError(f"{name}: metadata.json names no from_code/to_code; not installed")
        if from_code and to_code and (pkg.from_code, pkg.to_code) != (from_code, to_code):
            raise InputError(
                f"{name} translates {pkg.from_code}→{pkg.to_code}, not {from_code}→{to_code}; "
                "not installed"
            )
        target = root / top
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=".replaced-", dir=root))
            os.replace(target, old / top)
            os.replace(folder, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(folder, target)
        log.info("installed %s into %s", name, target)
        return read_installed(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def zlib_error() -> type[BaseException]:
    import zlib

    return zlib.error


def remove(name: str) -> ModelPackage:
    """Uninstall the installed package `name` (folder name or model id), or the folder `name`
    of the packages directory: a broken or partial one too, which no list shows."""
    root = packages_dir()
    folder = root / name
    if name and not name.startswith(".") and folder.parent == root and folder.is_dir():
        try:
            pkg = read_installed(folder)
        except (OSError, ValueError):
            pkg = ModelPackage(name=name, from_code="", to_code="", version="", path=folder)
    else:
        pkg = find_installed(name=name)
    assert pkg.path is not None
    shutil.rmtree(pkg.path)
    return pkg
