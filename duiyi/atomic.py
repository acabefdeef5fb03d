"""Atomic output: write to a temporary file beside the target, then rename over it.

An interrupted or failed write never leaves a half-written file or clobbers what was there.
A device, FIFO or socket (`-o /dev/null`, a named pipe) is written into, not replaced; a
symbolic link keeps pointing where it did, at the new file.
Temporary files are named `.NAME.duiyi-PID-XXXXXXXX.tmp`; one left by a killed process (its
PID no longer running) is removed the first time this process writes into that directory.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import functools
import logging
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from duiyi.errors import OutputError

log = logging.getLogger(__name__)

# The files a command reads (resolved paths), while `input_scope` is open: its outputs may not
# replace them (`split a.txt -o a.txt` would lose the document it reads).
_INPUTS: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("inputs", default=None)

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
def input_scope() -> Iterator[None]:
    """One command's run: the inputs it names (`protect_inputs`) are never written over."""
    token = _INPUTS.set(set())
    try:
        yield
    finally:
        _INPUTS.reset(token)


def job(func):
    """A job function (`translate_inputs`, `align_files`, `export_store`): called from Python,
    outside a command's `input_scope`, it opens one of its own, so that its outputs never
    replace its inputs (or the store it reads) there either, as the command's never do."""

    @functools.wraps(func)
    def run(*args, **kwargs):
        if _INPUTS.get() is not None:
            return func(*args, **kwargs)
        with input_scope():
            return func(*args, **kwargs)

    return run


def protect_inputs(paths) -> None:
    """Mark files (or stores) as inputs of the running command; no-op outside `input_scope`."""
    inputs = _INPUTS.get()
    if inputs is not None:
        inputs.update(os.path.realpath(p) for p in paths if p is not None and str(p) != "-")


def release_inputs(paths) -> None:
    """Inputs the running command has read whole (an XLIFF file it writes back): its output
    may replace them now, atomically, where it names them (`translate a.xlf -o a.xlf`)."""
    inputs = _INPUTS.get()
    if inputs is not None:
        inputs.difference_update(os.path.realpath(p) for p in paths)


def check_outputs(paths) -> None:
    """OutputError for the first of `paths` that is an input of the running command, or that
    `atomic_write` could not write (a folder, a path through a file): a run checks every file
    it will write before it starts (`atomic_write` checks each again)."""
    for path in paths:
        if path is not None and str(path) != "-":
            _check_not_input(str(path))
            if not _special(Path(path)):
                _check_folder(str(path), _check_target(str(path)))


def _check_folder(path: str, target: Path) -> None:
    """OutputError where the nearest existing folder above `target` is a file."""
    for folder in target.parents:
        if folder.exists():
            if not folder.is_dir():
                raise OutputError(f"cannot write {path}: a part of its folder is a file")
            return


def _check_not_input(path: str) -> None:
    inputs = _INPUTS.get()
    if inputs and os.path.realpath(path) in inputs:
        raise OutputError(f"{path} is also an input of this command: write the output elsewhere")


def _special(target: Path) -> bool:
    """Whether `target` (through links) is a device, FIFO or socket: written into, never
    replaced (a rename over /dev/null would put a plain file in its place)."""
    try:
        kind = target.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(kind) or stat.S_ISDIR(kind))


def _check_target(path: str) -> Path:
    """The file to replace for the output path `path`: a link's own target (the link stays)."""
    if not path.strip():
        raise OutputError("the output path is empty")
    if path.endswith(("/", os.sep)) or Path(path).is_dir():
        raise OutputError(f"{path} is a folder: give a file name")
    target = Path(path)
    return Path(os.path.realpath(target)) if target.is_symlink() else target


# errors only writing gives: a full disk or quota, a file past the size limit
_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


@contextlib.contextmanager
def _named_write_errors(where) -> Iterator[None]:
    """A write error without a file name (a full disk) names the output it happened to."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None and exc.errno in _WRITE_ERRNOS:
            raise OutputError(f"cannot write {where}: {exc.strerror}") from exc
        raise


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike | None, mode: str = "w", encoding: str = "utf-8"
) -> Iterator[IO]:
    """Open `path` for writing atomically; `None` or "-" writes to stdout instead, and a
    device, FIFO or socket is written into directly."""
    kwargs = {} if "b" in mode else {"encoding": encoding, "newline": ""}
    if path is None or str(path) == "-":
        stream = sys.stdout.buffer if "b" in mode else sys.stdout
        with _named_write_errors("standard output"):
            yield stream
            stream.flush()
        return
    _check_not_input(str(path))
    if _special(Path(path)):
        with _named_write_errors(path), open(path, mode, **kwargs) as out:
            yield out
        return
    target = _check_target(str(path))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(target.parent)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{target.name}.duiyi-{os.getpid()}-", suffix=".tmp", dir=target.parent
        )
    except (FileExistsError, NotADirectoryError) as exc:
        raise OutputError(f"cannot write {path}: a part of its folder is a file") from exc
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from exc
    try:
        # mkstemp creates 0600; give the file the mode a plain open() would (or the old file's).
        os.fchmod(fd, _target_mode(target))
        with _named_write_errors(path), os.fdopen(fd, mode, **kwargs) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        _check_not_input(str(path))  # inputs read while writing (a lazily walked folder)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
