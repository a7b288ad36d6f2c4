"""files.py: shown paths, worded errors, writability checks and atomic writes."""

import os
import stat
import subprocess
import sys
import threading

import pytest

from mgrad_cli import files
from mgrad_cli.errors import ConfigError, UserInputError

from conftest import REPO

LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc and /dev/stdout")


def test_display_path_is_relative_inside_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert files.display_path(tmp_path / "a" / "b.csv") == os.path.join("a", "b.csv")
    assert files.display_path("/elsewhere/x.json") == "/elsewhere/x.json"
    assert files.display_path("rel/x.json") == "rel/x.json"


@pytest.mark.parametrize("make, message", [
    (lambda p: None, "no such file"),
    (lambda p: p.mkdir(), "is a directory, not a config file"),
    (lambda p: p.write_bytes(b"\xff\xfe\x00"), "not a text file (invalid start byte)"),
])
def test_open_user_file_words_the_error(tmp_path, monkeypatch, make, message):
    monkeypatch.chdir(tmp_path)
    make(tmp_path / "c.yaml")
    with pytest.raises(ConfigError) as e:
        with files.open_user_file(tmp_path / "c.yaml", ConfigError, "config file", encoding="utf-8") as f:
            f.read()
    assert str(e.value) == f"c.yaml: {message}"


def test_write_atomic_writes_text_and_bytes_as_an_ordinary_file(tmp_path):
    path = tmp_path / "m.json"
    files.write_atomic(path, "héllo\n")
    assert path.read_bytes() == "héllo\n".encode("utf-8")
    files.write_atomic(path, b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask  # not mkstemp's private 0600
    assert os.listdir(tmp_path) == ["m.json"]  # no temporary file left


def test_write_atomic_syncs_the_file_and_its_directory(tmp_path, monkeypatch):
    synced = []
    real = os.fsync

    def spy(fd):
        synced.append(stat.S_IFMT(os.fstat(fd).st_mode))
        real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    files.write_atomic(tmp_path / "m.json", "{}")
    assert synced == [stat.S_IFREG, stat.S_IFDIR]


def test_write_atomic_replaces_the_target_of_a_link_and_keeps_the_link(tmp_path):
    (tmp_path / "runs").mkdir()
    target = tmp_path / "runs" / "m.json"
    target.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(os.path.join("runs", "m.json"))
    files.write_atomic(link, "new")
    assert link.is_symlink() and target.read_text() == "new"


def test_a_failed_rename_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    path.write_text("old")

    def full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(UserInputError) as e:
        files.write_atomic(path, "new")
    assert str(e.value) == f"cannot write {path}: No space left on device"
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["m.json"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("through_link", [False, True])
def test_a_pipe_is_written_directly_never_replaced(tmp_path, through_link):
    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    path = fifo
    if through_link:
        path = tmp_path / "link"
        path.symlink_to(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
    reader.start()
    files.check_writable(path)
    files.write_atomic(path, "through the pipe")
    reader.join(timeout=10)
    assert got == [b"through the pipe"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert os.path.islink(path) == through_link


@LINUX
@pytest.mark.parametrize("path", ["/dev/stdout", "/proc/self/fd/1"])
@pytest.mark.parametrize("into", ["pipe", "file"])
def test_standard_output_is_written_directly(tmp_path, path, into):
    script = ("import sys; from mgrad_cli import files; "
              "files.check_writable(sys.argv[1]); files.write_atomic(sys.argv[1], 'to stdout\\n')")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    command = [sys.executable, "-c", script, path]
    if into == "pipe":
        done = subprocess.run(command, capture_output=True, env=env, timeout=60)
        assert (done.returncode, done.stdout, done.stderr) == (0, b"to stdout\n", b"")
    else:
        out = tmp_path / "out.txt"
        with open(out, "wb") as f:
            inode = os.fstat(f.fileno()).st_ino
            done = subprocess.run(command, stdout=f, stderr=subprocess.PIPE, env=env, timeout=60)
        assert (done.returncode, done.stderr) == (0, b"")
        assert out.read_bytes() == b"to stdout\n" and out.stat().st_ino == inode  # the same file, not replaced


def test_check_writable_leaves_nothing_behind(tmp_path):
    files.check_writable(tmp_path / "new.json")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("where, reason", [("missing/x.json", "No such file or directory"),
                                           ("dir", "Is a directory")])
def test_check_writable_names_the_reason(tmp_path, where, reason):
    (tmp_path / "dir").mkdir()
    with pytest.raises(UserInputError) as e:
        files.check_writable(tmp_path / where)
    assert str(e.value) == f"cannot write {tmp_path / where}: {reason}"


@LINUX
def test_check_writable_refuses_a_place_no_file_can_be_made():
    with pytest.raises(UserInputError) as e:
        files.check_writable("/proc/t.json")
    assert str(e.value) == "cannot write /proc/t.json: No such file or directory"


def test_cannot_write_shows_the_path_as_typed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    error = files.cannot_write(tmp_path / "out" / "x.png", PermissionError(13, "Permission denied"))
    assert isinstance(error, UserInputError)
    assert str(error) == f"cannot write {os.path.join('out', 'x.png')}: Permission denied"
