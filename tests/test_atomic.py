import pytest

from duiyi.atomic import atomic_write


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
