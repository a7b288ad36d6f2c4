"""Data-parallel training (`mgrad train --nproc N`, torchrun): two gloo processes on
127.0.0.1 give one process's numbers, resume across world sizes, stop together on a
signal, and name a rank that fails.

The runs are real processes (PyTorch's launcher starts them): each costs a few seconds
of start-up, so they are few and tiny (101 moons, 6 epochs). The single-process runs
they are compared with run in this process (CliRunner). 101 rows in batches of 25 split
unevenly: 13 and 12 rows, and the last batch's one row leaves rank 1 with none.
"""

import contextlib
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys

import pytest

from conftest import REPO, need, need_module, write
from mgrad_cli.errors import RankFailed, UserInputError
from mgrad_cli.training import distributed, launch
from mgrad_cli.training.checkpoint import load_checkpoint

CONFIG = """seed: 3
data: {name: moons, n_samples: 101, noise: 0.2, test_split: 0.0}
model: {layers: [8, 8, 1], activation: relu, output: linear}
loss: {name: hinge, l2: 1.0e-4}
optimizer: {name: adam, lr: 0.05}
batch_size: 25
epochs: 6
engine: torch
"""


def need_gloo():
    """torch, with torch.distributed's gloo backend (else skipped, or failed in CI)."""
    torch = need_module("torch")
    dist = torch.distributed
    need("torch.distributed with gloo", dist.is_available() and dist.is_gloo_available(),
         "a PyTorch built with torch.distributed")
    return torch


@pytest.fixture
def gloo():
    return need_gloo()


def start(tmp_path, *args, launcher=(), env=None, **popen):
    """`python -m mgrad_cli train ARGS` (after `launcher`, e.g. torchrun) in tmp_path."""
    command = [sys.executable, *launcher, "-m", "mgrad_cli", "train", *map(str, args)]
    environ = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO)] + ([env.pop("PYTHONPATH")]
                                                                         if env and "PYTHONPATH" in env else [])))
    environ.update(env or {})
    return subprocess.Popen(command, cwd=tmp_path, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **popen)


def finish(proc, timeout=300):
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def records(path):
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def assert_close(a, b, where="", rel=1e-9):
    """Every number of a and b (nested records) within rel of each other; the rest equal."""
    if isinstance(a, dict):
        assert set(a) == set(b), where
        for key in a:
            if key != "seconds":
                assert_close(a[key], b[key], f"{where}.{key}", rel)
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_close(x, y, f"{where}[{i}]", rel)
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=rel, abs_tol=1e-300), f"{where}: {a} != {b}"
    else:
        assert a == b, where


def one_process(run, cfg, tmp_path, name, *args):
    """The single-process torch engine's run, in this process: its log's records."""
    result = run("train", cfg, "--threads", "1", "--log", tmp_path / f"{name}.jsonl", "-q", *args)
    assert result.exit_code == 0, result.output
    return records(tmp_path / f"{name}.jsonl")


# --- in real processes ---------------------------------------------------------------------

@contextlib.contextmanager
def holding(port):
    """The port taken on 127.0.0.1 (by this process, unless another holds it already)."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            s.listen()
        except OSError:
            pass
        yield


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    """Two runs of CONFIG in two processes, side by side: the whole run (whole.json,
    whole.jsonl, its output) and its first half (half.json). -> their folder"""
    need_gloo()
    folder = tmp_path_factory.mktemp("two")
    cfg = write(folder, "c.yaml", CONFIG)
    with holding(29500):  # torch.distributed's default port, taken: never a failure
        runs = [start(folder, cfg, "--nproc", 2, "--log", "whole.jsonl", "--save", "whole.json"),
                start(folder, cfg, "--nproc", 2, "--epochs", 3, "--save", "half.json", "-q")]
        (status, out, err), half = finish(runs[0]), finish(runs[1])
    assert (status, err, half[0], half[2]) == (0, "", 0, ""), (out, err, half)
    write(folder, "whole.out", out)
    return folder


@pytest.mark.slow
def test_two_processes_give_one_process_numbers_with_an_uneven_split(two, run, tmp_path):
    out = (two / "whole.out").read_text()
    lines, words = out.splitlines(), " ".join(out.split())  # (at 80 columns: rewrapped)
    assert "; torch engine (cpu, float64, 1 thread each, 2 processes over gloo)." in words
    assert " for 6 epochs in " in words and " on the torch engine (cpu, float64, 1 thread each, 2 processes " \
                                             "over gloo)." in words
    assert lines[-1] == "Log written to whole.jsonl." and lines[-2] == "Checkpoint saved to whole.json."
    # every figure of every epoch: loss, accuracy, each layer's statistics
    assert_close(records(two / "whole.jsonl"), one_process(run, two / "c.yaml", tmp_path, "one"))
    saved = load_checkpoint(str(two / "whole.json"))
    assert (saved["epoch"], saved["world_size"]) == (6, 2)


@pytest.mark.slow
def test_a_checkpoint_of_two_processes_resumes_in_one(two, run, tmp_path):
    whole = one_process(run, two / "c.yaml", tmp_path, "whole")
    shutil.copy(two / "half.json", tmp_path / "a.json")
    assert load_checkpoint(str(tmp_path / "a.json"))["world_size"] == 2
    assert_close(one_process(run, two / "c.yaml", tmp_path, "a", "--resume", tmp_path / "a.json"), whole[3:])
    assert load_checkpoint(str(tmp_path / "a.json"))["world_size"] == 1


@pytest.mark.slow
def test_a_checkpoint_of_one_process_resumes_in_two(two, run, tmp_path):
    cfg = two / "c.yaml"
    whole = one_process(run, cfg, tmp_path, "whole")
    one_process(run, cfg, tmp_path, "b0", "--epochs", 3, "--save", tmp_path / "b.json")
    status, out, err = finish(start(tmp_path, cfg, "--nproc", 2, "--resume", "b.json", "--log", "b.jsonl"))
    assert (status, err) == (0, ""), out
    assert "Resuming from b.json after epoch 3 of 6." in out
    assert_close(records(tmp_path / "b.jsonl"), whole[3:])
    assert load_checkpoint(str(tmp_path / "b.json"))["world_size"] == 2


@pytest.mark.slow
def test_resumed_under_torchrun_at_the_same_world_size_is_bit_identical(two, tmp_path):
    shutil.copy(two / "half.json", tmp_path / "half.json")
    # torchrun starts the processes; the command joins the group from their environment
    torchrun = ("-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", "--log-dir",
                str(tmp_path / "logs"))
    status, out, _ = finish(start(tmp_path, two / "c.yaml", "--resume", "half.json", "-q", launcher=torchrun))
    assert status == 0, out
    assert "for epochs 4 to 6 in" in out and "2 processes over gloo" in out
    whole, half = (load_checkpoint(str(p)) for p in (two / "whole.json", tmp_path / "half.json"))
    assert half["weights"] == whole["weights"]  # bit for bit
    for key in ("optimizer", "rng", "epoch", "world_size", "history"):
        assert half[key] == whole[key], key


@pytest.mark.slow
def test_sigterm_stops_every_rank_saves_and_exits_143(gloo, run, tmp_path):
    cfg = write(tmp_path, "c.yaml", CONFIG.replace("epochs: 6", "epochs: 5000"))
    proc = start(tmp_path, cfg, "--nproc", 2, "--save", "m.json", "--every", 1000, "--no-doctor")
    for line in proc.stdout:  # until the first epoch's row: training is under way
        if line.startswith("    1 "):
            break
    proc.send_signal(signal.SIGTERM)
    status, out, err = finish(proc, timeout=120)
    assert (status, err) == (143, "")
    done = next(line for line in out.splitlines() if line.startswith("Terminated after "))
    epochs = int(done.split()[2])
    assert out.splitlines()[-1] == "Checkpoint saved to m.json."
    saved = load_checkpoint(str(tmp_path / "m.json"))  # valid: checked as a whole
    assert (saved["epoch"], saved["world_size"]) == (epochs, 2) and epochs >= 1
    # the last whole epoch, as one process reaches it (adam's constant lr: the same path)
    alone = tmp_path / "alone.json"
    assert run("train", cfg, "--epochs", epochs, "--threads", "1", "--save", alone, "-q").exit_code == 0
    assert_close(saved["weights"], load_checkpoint(str(alone))["weights"])


INJECT = """import os
if os.environ.get("RANK") == "1":  # rank 1 fails at its 7th step, in epoch 2
    from mgrad_cli.training import distributed
    real, steps = distributed.Group.agree, []
    def agree(self, values):
        steps.append(1)
        if len(steps) == 7:
            raise RuntimeError("injected failure")
        return real(self, values)
    distributed.Group.agree = agree
"""


@pytest.mark.slow
def test_a_failing_rank_ends_the_others_and_is_named_in_one_line(gloo, tmp_path):
    cfg = write(tmp_path, "c.yaml", CONFIG.replace("epochs: 6", "epochs: 50"))
    hook = tmp_path / "hook"
    hook.mkdir()
    write(hook, "sitecustomize.py", INJECT)  # imported as each process starts
    status, out, err = finish(start(tmp_path, cfg, "--nproc", 2, "--save", "m.json", "--no-doctor",
                                    env={"PYTHONPATH": str(hook)}))
    assert status == 1
    assert err == "Error: rank 1 failed: RuntimeError: injected failure\n"
    assert "Stopped by a failed process after 1 of 50 epochs" in " ".join(out.split())
    assert load_checkpoint(str(tmp_path / "m.json"))["epoch"] == 1  # rank 0 saved the last whole epoch


# --- refused before any process starts -----------------------------------------------------

def test_another_engine_is_refused_in_one_line(run, tmp_path):
    result = run("train", "configs/tiny.yaml", "--nproc", "2")
    assert result.exit_code == 2
    assert result.output == ("Error: --nproc: data-parallel training runs on the torch engine, and this run's "
                             "engine is scalar; add --engine torch\n")


def test_more_processes_than_four_per_core_are_refused(run):
    from mgrad_cli.cli.threads import cores, most_threads

    result = run("train", "configs/tiny.yaml", "--engine", "torch", "--nproc", most_threads() + 1)
    assert result.exit_code == 2
    assert f"--nproc: expected at most {most_threads()} processes (4 times the {cores()} cores" in result.output


def test_more_processes_than_gpus_are_refused():
    with pytest.raises(UserInputError, match=r"^--nproc: 3 processes on the GPU need a device each, and PyTorch "
                                             r"sees 2; use --nproc 2 or fewer, or device cpu$"):
        distributed.check_devices(3, 2)
    distributed.check_devices(2, 2)


def test_nproc_under_a_launcher_is_refused(run, monkeypatch):
    for name, value in {"RANK": "0", "WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "1"}.items():
        monkeypatch.setenv(name, value)
    result = run("train", "configs/tiny.yaml", "--engine", "torch", "--nproc", "2")
    assert result.exit_code == 2
    assert "this process is already one of those a launcher (torchrun) started; leave --nproc out" in result.output


# --- the pieces ----------------------------------------------------------------------------

@pytest.mark.parametrize("n, world", [(25, 2), (1, 2), (0, 3), (101, 4), (7, 7), (5, 1)])
def test_shares_are_contiguous_cover_the_batch_and_differ_by_one_row_at_most(n, world):
    shares = [distributed.share(n, rank, world) for rank in range(world)]
    assert [i for s in shares for i in range(n)[s]] == list(range(n))
    sizes = [len(range(n)[s]) for s in shares]
    assert max(sizes) - min(sizes) <= 1 and sizes == sorted(sizes, reverse=True)


def test_the_launchers_environment_is_read_and_checked():
    env = {"RANK": "3", "WORLD_SIZE": "4", "LOCAL_RANK": "1", "LOCAL_WORLD_SIZE": "2", "MASTER_ADDR": "h",
           "MASTER_PORT": "5"}
    assert distributed.launched(env) and distributed.ranks(env) == (3, 4, 1, 2)
    assert distributed.ranks({"RANK": "1", "WORLD_SIZE": "2"}) == (1, 2, 1, 2)  # one machine
    assert not distributed.launched({"RANK": "0", "WORLD_SIZE": "2"})
    for bad in ({"RANK": "x", "WORLD_SIZE": "2"}, {"RANK": "2", "WORLD_SIZE": "2"}, {"RANK": "0", "WORLD_SIZE": "0"}):
        with pytest.raises(UserInputError):
            distributed.ranks(bad)


class Failure:
    """torch.distributed.elastic's ProcessFailure, as outcome() reads it."""

    def __init__(self, tmp_path, rank, exitcode, message=None, time=None, printed=False):
        self.exitcode, self.message, self.timestamp = exitcode, message or "", int(time or 0)
        tmp_path.mkdir(exist_ok=True)
        self.error_file = str(tmp_path / f"{rank}.json")
        self.error_file_data = {}
        if message is not None:
            self.error_file_data = {"message": message, "mgrad": {"time": time, "printed": printed}}
            write(tmp_path, f"{rank}.json", json.dumps(self.error_file_data))

    def signal_name(self):
        return signal.Signals(-self.exitcode).name


def test_the_outcome_names_the_first_rank_that_failed_on_its_own(tmp_path):
    def outcome(**failures):
        return launch.outcome({int(k[1:]): f for k, f in failures.items()})

    with pytest.raises(RankFailed, match="^rank 2 failed: RuntimeError: boom$"):  # rank 0 stopped by it
        outcome(r0=Failure(tmp_path / "a", 0, 1), r2=Failure(tmp_path / "a", 2, 1, "RuntimeError: boom", 5.0))
    with pytest.raises(RankFailed, match="^rank 1 failed: late$"):  # the earlier of two
        outcome(r1=Failure(tmp_path / "b", 1, 1, "late", 5.5), r2=Failure(tmp_path / "b", 2, 1, "later", 5.6))
    # an error every rank met, which rank 0 printed: nothing more to say
    assert outcome(r0=Failure(tmp_path / "c", 0, 2, "bad", 6.0, printed=True),
                   r1=Failure(tmp_path / "c", 1, 2, "bad", 5.0)) == 2
    with pytest.raises(RankFailed, match="^rank 1 was killed by SIGKILL$"):
        outcome(r0=Failure(tmp_path / "d", 0, -15), r1=Failure(tmp_path / "d", 1, -9))
    assert outcome(r0=Failure(tmp_path / "e", 0, 1), r1=Failure(tmp_path / "e", 1, 1)) == 1  # diverged: said
    # stdout closed on rank 0 (| head): the others, lost or ended by the launcher's SIGTERM
    assert outcome(r0=Failure(tmp_path / "g", 0, 141), r1=Failure(tmp_path / "g", 1, -15)) == 141
    with pytest.raises(RankFailed, match="^rank 1 exited with status 3$"):
        outcome(r1=Failure(tmp_path / "f", 1, 3))
    with pytest.raises(RankFailed, match="^rank 0 was killed by SIGTERM$"):
        outcome(r0=Failure(tmp_path / "h", 0, -15), r1=Failure(tmp_path / "h", 1, 1))


def test_the_workers_get_the_command_line_back_without_nproc():
    from mgrad_cli.cli.commands.train import train_command
    from mgrad_cli.cli.parallel import command_args

    ctx = train_command.make_context("train", ["-q", "c.yaml", "--nproc", "2", "--set", "a=1", "--set", "b=-2",
                                               "--lr", "0.05", "--no-chart", "--save", "-x.json"])
    args = command_args(ctx, leave_out=("nproc",))
    assert "--nproc=2" not in args and args[-2:] == ["--", "c.yaml"]
    again = train_command.make_context("train", args)
    assert {k: v for k, v in again.params.items() if k != "nproc"} == \
        {k: v for k, v in ctx.params.items() if k != "nproc"}
