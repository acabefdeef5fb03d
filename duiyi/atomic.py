"""Atomic output: write to a temporary file beside the target, then rename over it.

An interrupted or failed write never leaves a half-written file or clobbers what was there.
Temporary files are named `.NAME.duiyi-PID-XXXXXXXX.tmp`; one left by a killed process (its
PID no longer running) is removed the first time this process writes into that directory.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

_OURS = re.compile(r"^\..+\.duiyi-(\d+)-[A-Za-z0-9_]{8}\.tmp$")
_cleaned: set[Path] = set()  # directories already rid of stale temporary files


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_stale_temps(directory: Path) -> int:
    """Remove the temporary files that killed duiyi processes left in `directory` (once per
    directory and process: a directory of many outputs is scanned once); how many."""
    directory = Path(directory)
    if directory in _cleaned:
        return 0
    _cleaned.add(directory)
    removed = 0
    with contextlib.suppress(OSError), os.scandir(directory) as entries:
        for entry in entries:
            match = _OURS.match(entry.name)
            if match and not _running(int(match.group(1))) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    removed += 1
    if removed:
        log.info("%s: removed %d temporary file(s) left by interrupted runs", directory, removed)
    return removed


def _target_mode(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike | None, mode: str = "w", encoding: str = "utf-8"
) -> Iterator[IO]:
    """Open `path` for writing atomically; `None` or "-" writes to stdout instead."""
    if path is None or str(path) == "-":
        stream = sys.stdout.buffer if "b" in mode else sys.stdout
        yield stream
        stream.flush()
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(target.parent)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}.duiyi-{os.getpid()}-", suffix=".tmp", dir=target.parent
    )
    try:
        # mkstemp creates 0600; give the file the mode a plain open() would (or the old file's).
        os.fchmod(fd, _target_mode(target))
        kwargs = {} if "b" in mode else {"encoding": encoding, "newline": ""}
        with os.fdopen(fd, mode, **kwargs) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
