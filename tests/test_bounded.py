"""Bounded everything (issue 24): --threads from 1 to four times the cores, at most 256, on
every engine; predict streams its CSV in chunks (memory bounded whatever its size, rows
already written stay written when a later bad cell ends it); a path ending in "/" names a
directory and is refused for any file output."""

import io
import json
import os
import resource
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO
from models import config_path, train_checkpoint

from mgrad_cli import files
from mgrad_cli.cli import threads
from mgrad_cli.errors import DataError


# --- --threads --------------------------------------------------------------------------

def threads_refusal(n):
    cores = len(os.sched_getaffinity(0))
    most = min(256, 4 * cores)
    return (f"Error: --threads: expected a number of threads from 1 to {most} (4 times the {cores} cores this "
            f"process may use, at most 256), got {n}\n")


@pytest.mark.parametrize("engine", ["scalar", "tensor", "torch"])
@pytest.mark.parametrize("n", ["0", "-1", "2147483648", "10000", "over"])
def test_threads_past_four_per_core_are_refused_on_every_engine(run, engine, n):
    n = str(4 * len(os.sched_getaffinity(0)) + 1) if n == "over" else n
    result = run("train", "moons", "--engine", engine, "--threads", n, "--epochs", "1")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == threads_refusal(n)


def test_threads_up_to_four_per_core_train(run):
    most = min(256, 4 * len(os.sched_getaffinity(0)))
    result = run("train", "moons", "--engine", "tensor", "--threads", str(most), "--epochs", "1", "-q")
    assert result.exit_code == 0, result.output
    result = run("train", "moons", "--engine", "tensor", "--threads", "1", "--epochs", "1", "-q")
    assert result.exit_code == 0, result.output


def test_threads_are_capped_at_256_however_many_cores(monkeypatch):
    monkeypatch.setattr(threads, "cores", lambda: 1000)
    assert threads.most_threads() == 256 and threads.check_threads(256) == 256
    with pytest.raises(Exception) as e:
        threads.check_threads(257)
    assert "from 1 to 256 (4 times the 1000 cores" in str(e.value)
    monkeypatch.setattr(threads, "cores", lambda: 3)
    assert threads.most_threads() == 12


# --- a trailing slash names a directory ----------------------------------------------------

@pytest.mark.parametrize("args", [
    ["configs", "moons", "--copy", "newdir/"],
    ["train", "moons", "--save", "newdir/"],
    ["train", "moons", "--log", "newdir/"],
    ["train", "moons", "--plot", "newdir/"],
    ["train", "moons", "--graph", "newdir/"],
    ["train", "moons", "--graph", "newdir.svg/"],
    ["graph", "a*b", "a=1", "b=2", "-o", "newdir/"],
    ["export", "MODEL", "-o", "newdir/"],
    ["plot", "MODEL", "-o", "newdir/"],
    ["configs", "moons", "--copy", "newdir/."],  # pathlib drops a last ".": it would write newdir
    ["train", "moons", "--save", "newdir/."],
    ["datasets", "iris", "--copy", "newdir/.."],
    ["report", "MODEL", "-o", "."],
])
@pytest.mark.parametrize("exists", [False, True])
def test_a_path_ending_in_a_slash_names_a_directory(run, tmp_path, monkeypatch, args, exists):
    monkeypatch.chdir(tmp_path)
    train_checkpoint(tmp_path / "m.json", config_path("xor"), epochs=1)
    if exists:
        (tmp_path / "newdir").mkdir()
    before = sorted(os.listdir(tmp_path))
    result = run(*[str(tmp_path / "m.json") if a == "MODEL" else a for a in args])
    slash = args[-1]
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"Error: {slash}: names a directory; give a file name\n"
    assert sorted(os.listdir(tmp_path)) == before


def test_check_output_keeps_the_slash_of_an_absolute_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for path in (str(tmp_path / "d") + "/", "/"):
        with pytest.raises(Exception) as e:
            files.write_atomic(path, "x")
        assert str(e.value).endswith("/: names a directory; give a file name")
    assert str(e.value) == "/: names a directory; give a file name"


# --- predict streams its input --------------------------------------------------------------

@pytest.fixture(scope="module")
def xor(tmp_path_factory):
    path = tmp_path_factory.mktemp("xor") / "xor.json"
    train_checkpoint(path, config_path("xor"), epochs=2)
    return path


def xor_rows(n, bad_line=None):
    rng = np.random.default_rng(0)
    lines = ["x0,x1\n"] + [f"{a:.4f},{b:.4f}\n" for a, b in rng.normal(size=(n, 2))]
    if bad_line is not None:
        lines[bad_line - 1] = "1,oops\n"
    return "".join(lines)


def test_a_bad_cell_past_the_first_chunk_ends_it_after_the_rows_before(run, xor, tmp_path):
    (tmp_path / "big.csv").write_text(xor_rows(25_000, bad_line=22_345))
    result = run("predict", xor, tmp_path / "big.csv")
    assert result.exit_code == 2
    assert result.stderr == f"Error: {tmp_path / 'big.csv'}, line 22345, column 'x1': expected a number, got 'oops'\n"
    rows = result.stdout.splitlines()[1:]
    assert len(rows) == 20_000 and rows[-1].split()[0] == "20001"  # two whole chunks, written
    doc = run("predict", xor, tmp_path / "big.csv", "--json")
    assert doc.exit_code == 2 and doc.stdout.count('{"line": ') == 20_000  # (an unfinished document)


def test_a_bad_cell_in_the_first_chunk_writes_nothing(run, xor, tmp_path):
    (tmp_path / "bad.csv").write_text(xor_rows(5_000, bad_line=4_000))
    for extra in ([], ["--json"]):
        result = run("predict", xor, tmp_path / "bad.csv", *extra)
        assert result.exit_code == 2 and result.stdout == ""


def test_a_csv_past_the_read_limit_streams(run, xor, tmp_path):
    # a whole-file read would refuse it ("larger than 8 KB"): predict holds a chunk at a time
    (tmp_path / "d.csv").write_text(xor_rows(3_000))
    result = run("predict", xor, tmp_path / "d.csv", env={"MGRAD_MAX_MEMORY": "192K"})
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 3_001
    whole = run("eval", xor, tmp_path / "d.csv", env={"MGRAD_MAX_MEMORY": "192K"})
    assert whole.exit_code == 2 and "larger than 8 KB" in whole.stderr


def test_a_line_past_the_read_limit_is_refused(run, xor, tmp_path):
    (tmp_path / "d.csv").write_text("x0,x1\n1," + "2" * 20_000 + "\n")
    result = run("predict", xor, tmp_path / "d.csv", env={"MGRAD_MAX_MEMORY": "192K"})
    assert result.exit_code == 2
    assert result.stderr == (f"Error: {tmp_path / 'd.csv'}: a line larger than 8 KB, the most a CSV file may hold "
                             "with the memory this run may use (set by MGRAD_MAX_MEMORY)\n")


@pytest.mark.parametrize("text", ["", "x0,x1\n", "x0,x1\n\n\n"])
def test_an_empty_stream_is_named(run, xor, tmp_path, text):
    (tmp_path / "d.csv").write_text(text)
    result = run("predict", xor, tmp_path / "d.csv")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {tmp_path / 'd.csv'}: ")
    assert result.stderr.endswith("the file is empty (expected a header row, then data)\n" if not text else
                                  "no data rows after the header\n")


def test_streamed_chunks_give_what_one_read_gives(xor, tmp_path):
    from mgrad_cli.models import evaluate as ev

    text = xor_rows(2_345).replace("\n", "\r\n", 7) + "\n\n"
    (tmp_path / "d.csv").write_text(text, newline="")
    model = ev.load_model(xor)
    X, _, lines = ev.read_rows(tmp_path / "d.csv", model)
    chunks = list(ev.stream_rows(tmp_path / "d.csv", model, 1_000))
    assert [len(x) for x, _ in chunks] == [1_000, 1_000, 345]
    np.testing.assert_array_equal(np.vstack([x for x, _ in chunks]), X)
    assert [line for _, ids in chunks for line in ids] == lines


def test_line_stream_splits_as_python_does_across_blocks():
    import random

    r = random.Random(1)
    for _ in range(2_000):
        text = "".join("".join(r.choice('ab,"') for _ in range(r.randint(0, 9))) + r.choice(["\n", "\r\n", "\r", ""])
                       for _ in range(r.randint(0, 20)))
        want = io.StringIO(text, newline="").readlines()
        got = list(files.line_stream(io.StringIO(text, newline=""), "x", DataError, "CSV file",
                                     block=r.randint(1, 7)))
        assert got == want, text


@pytest.mark.slow
def test_predict_on_a_pipe_stays_within_a_memory_cap(xor):
    """300,000 rows (4.5 MB) piped in, in a process whose address space may grow by only
    120 MB past its start-up: a whole read would be refused (more than the 2.5 MB a CSV may
    hold in half of that), a streamed one holds a chunk at a time."""
    code = (
        "import resource, sys\n"
        "import mgrad_cli.cli.app, numpy, rich.table\n"
        "used = int(open('/proc/self/statm').read().split()[0]) * resource.getpagesize()\n"
        "resource.setrlimit(resource.RLIMIT_AS, (used + 120 * 2**20,) * 2)\n"
        f"sys.argv = ['mgrad', 'predict', {str(xor)!r}, '/dev/stdin']\n"
        "from mgrad_cli.__main__ import main\n"
        "main()\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("MGRAD_MAX_MEMORY", None)
    text = xor_rows(300_000).encode()
    done = subprocess.run([sys.executable, "-c", code], env=env, input=text, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count(b"\n") == 300_001


# --- one run at a time saves to a checkpoint --------------------------------------------------

HOLD = ("import sys, time\n"
        "from mgrad_cli.files import OutputLock\n"
        "OutputLock(sys.argv[1])\n"
        "print('locked', flush=True)\n"
        "time.sleep(60)\n")


def holder(path):
    """A process that holds the lock of `path` (as a run saving to it does) until killed."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert proc.stdout.readline() == "locked\n"
    return proc


@pytest.mark.parametrize("option", ["--save", "--resume"])
def test_a_second_run_saving_to_one_checkpoint_is_refused_at_start(run, tmp_path, option):
    ckpt = tmp_path / "m.json"
    train_checkpoint(ckpt, config_path("xor"), epochs=1)
    before = ckpt.read_bytes()
    proc = holder(ckpt)
    try:
        result = run("train", "xor", option, ckpt, "--epochs", "2")
        assert result.exit_code == 2 and result.stdout == ""
        assert result.stderr == (f"Error: {ckpt}: another run (process {proc.pid}) is saving to it; let it "
                                 "finish, or save to another file\n")
        assert ckpt.read_bytes() == before
    finally:
        proc.kill()
        proc.wait()
    # killed, it leaves its lock file behind, which blocks nothing: the next run takes it over
    assert (tmp_path / ".m.json.lock").read_text() == f"{proc.pid}\n"
    result = run("train", "xor", option, ckpt, "--epochs", "2", "-q")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / ".m.json.lock").exists()  # released at the end


def test_a_refused_run_releases_its_lock(run, tmp_path):
    (tmp_path / "c.yaml").write_text("epochs: 0\n")
    result = run("train", tmp_path / "c.yaml", "--save", tmp_path / "m.json")
    assert result.exit_code == 2
    assert sorted(os.listdir(tmp_path)) == ["c.yaml"]


@pytest.mark.slow
def test_two_real_runs_one_checkpoint(run, tmp_path):
    """A run in progress (its own process) holds the checkpoint; SIGTERM ends it, saving."""
    import signal
    import time

    ckpt = tmp_path / "m.json"
    first = subprocess.Popen([sys.executable, "-m", "mgrad_cli", "train", "moons", "--engine", "tensor", "--epochs",
                              "1000000", "--save", str(ckpt), "--save-every", "50", "-q"], cwd=tmp_path,
                             stderr=subprocess.PIPE, env=dict(os.environ, PYTHONPATH=str(REPO)))
    deadline = time.time() + 60
    while not ckpt.exists() and time.time() < deadline:  # training, and saving on the way
        time.sleep(0.05)
    assert (tmp_path / ".m.json.lock").exists()
    result = run("train", "moons", "--engine", "tensor", "--epochs", "2", "--save", ckpt)
    first.send_signal(signal.SIGTERM)
    first.wait(timeout=60)
    assert result.exit_code == 2 and "is saving to it" in result.stderr
    assert first.returncode == 143 and json.loads(ckpt.read_text())["epoch"] >= 1
    assert not (tmp_path / ".m.json.lock").exists()
