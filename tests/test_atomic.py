import os
import stat
import threading

import pytest

from duiyi.atomic import atomic_write
from duiyi.errors import OutputError


def test_replaces_the_file_when_done(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with atomic_write(target) as out:
        out.write("new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_write(target) as out:
        out.write("half")
        raise RuntimeError("disk on fire")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_creates_missing_directories(tmp_path):
    target = tmp_path / "a" / "b" / "out.bin"
    with atomic_write(target, "wb") as out:
        out.write(b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"


def test_new_files_follow_the_umask_and_old_files_keep_their_mode(tmp_path):
    import os

    old_umask = os.umask(0o022)
    try:
        fresh = tmp_path / "fresh.txt"
        with atomic_write(fresh) as out:
            out.write("x")
        assert fresh.stat().st_mode & 0o777 == 0o644
        kept = tmp_path / "kept.txt"
        kept.write_text("old")
        kept.chmod(0o640)
        with atomic_write(kept) as out:
            out.write("new")
        assert kept.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old_umask)


def test_a_fifo_is_written_into_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    with atomic_write(fifo) as out:
        out.write("through the pipe\n")
    reader.join(timeout=10)
    assert got == ["through the pipe\n"]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_link_keeps_pointing_at_the_new_file(tmp_path):
    real, link = tmp_path / "real.txt", tmp_path / "link.txt"
    real.write_text("old")
    link.symlink_to(real)
    with atomic_write(link) as out:
        out.write("new")
    assert link.is_symlink() and real.read_text() == "new"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "the output path is empty"),
        ("folder", "is a folder: give a file name"),
        ("new/", "is a folder: give a file name"),
        ("file.txt/out.txt", "a part of its folder is a file"),
    ],
)
def test_unusable_output_paths_are_one_clear_error(tmp_path, monkeypatch, name, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    (tmp_path / "file.txt").write_text("keep")
    with pytest.raises(OutputError, match=message) as caught, atomic_write(name) as out:
        out.write("x")
    assert ".tmp" not in str(caught.value)
    assert (tmp_path / "file.txt").read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt", "folder"]
