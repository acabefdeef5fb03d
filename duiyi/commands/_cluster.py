"""The --ray/--workers options translate and align share, and the Ray runtime they start."""

from __future__ import annotations

import argparse
import contextlib

from duiyi.commands._corpus import positive_int


def add_cluster_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("scale-out (needs the ray extra: pip install 'duiyi[ray]')")
    group.add_argument(
        "--ray", nargs="?", const="local", metavar="ADDRESS",
        help="run the work on Ray: alone, a local Ray runtime on this machine; 'auto' or "
        "HOST:PORT or ray://HOST:10001 joins an existing cluster (see README, Scale-out)",
    )  # fmt: skip
    group.add_argument(
        "--workers", type=positive_int, metavar="N",
        help="Ray workers (actors, each loads the model once); default: one per CPU Ray has",
    )  # fmt: skip


@contextlib.contextmanager
def ray_runtime(args: argparse.Namespace):
    """The Ray runtime --ray asks for (None without it), shut down afterwards."""
    if not args.ray:
        if args.workers:
            from duiyi.errors import InputError

            raise InputError("--workers goes with --ray")
        yield None
        return
    from duiyi.cluster import start_ray, stop_ray

    runtime = start_ray(args.ray, workers=args.workers)
    try:
        yield runtime
    finally:
        stop_ray(runtime)
