"""Atomic writes keep the old file whole on any failure; limited reads refuse big files unread."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tui_nn.core import files
from tui_nn.core.errors import TuiNNError
from tui_nn.core.files import atomic_write_bytes, atomic_write_text, read_limited, save_bytes

OLD = b"old contents\n" * 100


@pytest.fixture
def old_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.csv"
    path.write_bytes(OLD)
    return path


def test_write_creates_and_replaces(tmp_path: Path) -> None:
    path = tmp_path / "new.txt"
    atomic_write_text(path, "héllo\nworld\r\n")
    assert path.read_bytes() == "héllo\nworld\r\n".encode()
    atomic_write_bytes(path, b"second")
    assert path.read_bytes() == b"second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.txt"]


def test_replaced_file_keeps_its_permissions(old_file: Path) -> None:
    old_file.chmod(0o640)
    atomic_write_bytes(old_file, b"new")
    assert stat.S_IMODE(old_file.stat().st_mode) == 0o640


def test_symlink_is_followed_and_kept(tmp_path: Path, old_file: Path) -> None:
    link = tmp_path / "link.csv"
    link.symlink_to(old_file)
    atomic_write_bytes(link, b"through the link")
    assert link.is_symlink()
    assert old_file.read_bytes() == b"through the link"


@pytest.mark.parametrize("failing", ["replace", "fsync", "write"])
def test_failed_save_leaves_old_file_identical_and_no_temp_file(
    old_file: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    if failing == "write":
        real_fdopen = os.fdopen

        class HalfWriter:
            """Writes half the data, then fails: a disk filling up mid-save."""

            def __init__(self, fd: int, mode: str) -> None:
                self.handle = real_fdopen(fd, mode)

            def __enter__(self) -> HalfWriter:
                return self

            def __exit__(self, *exc: object) -> None:
                self.handle.close()

            def write(self, data: bytes) -> None:
                self.handle.write(data[: len(data) // 2])
                self.handle.flush()
                boom()

        monkeypatch.setattr(files.os, "fdopen", HalfWriter)
    else:
        monkeypatch.setattr(files.os, failing, boom)
    with pytest.raises(OSError):
        atomic_write_bytes(old_file, b"new contents that never land")
    assert old_file.read_bytes() == OLD
    assert [p.name for p in old_file.parent.iterdir()] == [old_file.name]


def test_interrupt_mid_save_removes_temp_file(
    old_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(old_file, b"new")
    assert old_file.read_bytes() == OLD
    assert [p.name for p in old_file.parent.iterdir()] == [old_file.name]


def test_save_bytes_reports_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TuiNNError, match="cannot save") as caught:
        save_bytes(tmp_path / "missing-folder" / "x.toml", b"x", field="session")
    assert caught.value.field == "session"


def test_save_onto_a_directory_fails_cleanly(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    with pytest.raises(TuiNNError, match="cannot save"):
        save_bytes(tmp_path / "folder", b"x", field="dataset")
    assert (tmp_path / "folder").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"]


def test_read_limited_checks_size_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.csv"
    with open(big, "wb") as handle:
        handle.truncate(11 * 1024 * 1024)  # sparse: costs no disk

    def no_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was opened although it is too large")

    monkeypatch.setattr("builtins.open", no_open)
    with pytest.raises(TuiNNError, match=r"11 MiB, larger than the 10 MiB limit") as caught:
        read_limited(big, 10 * 1024 * 1024, field="dataset")
    assert caught.value.field == "dataset"


def test_read_limited_reads_a_file_within_the_limit(old_file: Path) -> None:
    assert read_limited(old_file, len(OLD), field="dataset") == OLD
    with pytest.raises(TuiNNError, match="limit"):
        read_limited(old_file, len(OLD) - 1, field="dataset")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "nope.csv", "no such file"),
        (lambda tmp: tmp, "is a directory"),
        (lambda tmp: Path("/dev/zero"), "not a regular file"),
    ],
)
def test_read_limited_refuses_what_is_not_a_file(
    tmp_path: Path, make: object, message: str
) -> None:
    assert callable(make)
    with pytest.raises(TuiNNError, match=message):
        read_limited(make(tmp_path), 100, field="dataset")


# ---------------------------------------------------------------- only regular files


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.toml"
    os.mkfifo(path)
    return path


def _link_to_device(tmp_path: Path) -> Path:
    link = tmp_path / "link.toml"
    link.symlink_to("/dev/null")
    return link


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (_fifo, "a FIFO"),
        (lambda tmp: Path("/dev/null"), "a device"),
        (_link_to_device, "a device"),
        (lambda tmp: tmp, "a directory"),
    ],
)
def test_a_save_writes_only_regular_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: object, kind: str
) -> None:
    """A device, FIFO, directory or a link to one is refused in one line, never opened."""
    assert callable(make)
    target = make(tmp_path)
    before = os.stat(target)
    opened: list[object] = []
    real_open = os.open
    monkeypatch.setattr(
        files.os,
        "open",
        lambda path, *a, **k: opened.append(path) or real_open(path, *a, **k),
    )
    with pytest.raises(TuiNNError, match=f"cannot save there: it is {kind}") as caught:
        save_bytes(target, b"new", field="session")
    assert "\n" not in str(caught.value)
    assert os.fspath(target) not in map(os.fspath, opened)
    after = os.stat(target)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    with pytest.raises(OSError, match="regular"):
        atomic_write_bytes(target, b"new")


def test_reading_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    with pytest.raises(TuiNNError, match="is a FIFO"):
        read_limited(_fifo(tmp_path), 100, field="session")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda tmp: tmp / "missing" / "x.toml", "does not exist"),
        (lambda tmp: Path("/dev/full"), "is a device"),
    ],
)
def test_output_paths_are_checked_up_front(tmp_path: Path, make: object, reason: str) -> None:
    assert callable(make)
    assert files.output_path_problem(tmp_path / "new.toml") is None
    problem = files.output_path_problem(make(tmp_path))
    assert problem is not None and reason in problem


def test_a_killed_saves_temp_files_are_removed_by_the_next_save(tmp_path: Path) -> None:
    target = tmp_path / "s.toml"
    stale = [tmp_path / f".s.toml.{name}.tmp" for name in ("abcd1234", "zz_zz_zz")]
    for path in stale:
        path.write_bytes(b"x" * 1000)
    other = tmp_path / ".other.toml.abcd1234.tmp"  # another target's: kept
    other.write_bytes(b"x")
    save_bytes(target, b"new", field="session")
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name, "s.toml"]


def test_a_live_saves_temp_file_is_kept(tmp_path: Path) -> None:
    """Another save still writing holds a lock on its temporary file: it is not removed."""
    fcntl = pytest.importorskip("fcntl")
    live = tmp_path / ".s.toml.live1234.tmp"
    live.write_bytes(b"partial")
    with open(live, "rb") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        save_bytes(tmp_path / "s.toml", b"new", field="session")
        assert live.exists()
