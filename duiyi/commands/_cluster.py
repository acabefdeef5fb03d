"""The --ray/--workers options translate and align share, and the Ray runtime they start."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

from duiyi.commands._options import add_optional_value
from duiyi.commands._types import any_name, positive_int


def add_cluster_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("scale-out (needs the ray extra: pip install 'duiyi[ray]')")
    add_optional_value(
        group, "--ray", const="local", is_value=is_ray_address, metavar="ADDRESS", type=any_name,
        help="run the work on Ray: alone, a local Ray runtime on this machine; 'auto' or "
        "HOST:PORT or ray://HOST:10001 joins an existing cluster (see README, Scale-out)",
    )  # fmt: skip
    group.add_argument(
        "--workers", type=positive_int, metavar="N",
        help="Ray workers (actors, each loads the model once); default: one per CPU Ray has",
    )  # fmt: skip


def is_ray_address(word: str) -> bool:
    """What --ray takes: local, auto, HOST:PORT or ray://HOST:PORT (not a file)."""
    return word in ("local", "auto") or (":" in word and not Path(word).exists())


def cluster_usage_error(args: argparse.Namespace) -> str | None:
    return "--workers goes with --ray" if args.workers and not args.ray else None


def _end_process(error: Exception) -> None:
    """The cluster went away and the main thread is held in Ray (see RayRuntime._watch)."""
    print(f"duiyi: error: {error}", file=sys.stderr, flush=True)
    os._exit(1)


@contextlib.contextmanager
def ray_runtime(args: argparse.Namespace):
    """The Ray runtime --ray asks for (None without it), shut down afterwards."""
    if not args.ray:
        yield None
        return
    from duiyi.cluster import start_ray, stop_ray

    runtime = start_ray(args.ray, workers=args.workers)
    runtime.when_stuck = _end_process
    try:
        yield runtime
    except KeyboardInterrupt:
        if runtime.gone:  # the cluster went away outside a wait for a result
            raise runtime.gone_error() from None
        raise
    finally:
        stop_ray(runtime)
