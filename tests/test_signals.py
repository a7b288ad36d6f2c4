"""Signals, a closed stdout and the exit status, in real processes (`python -m mgrad_cli`)."""

import os
import signal
import subprocess
import sys

import pytest

from conftest import REPO


# Sends SIGNAL to the process itself when the CLI starts importing MODULE: a Ctrl-C at
# that moment of start-up, made exact instead of timed.
SIGNAL_DURING_IMPORT = """
import os, signal, sys
class SendOnImport:
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            os.kill(os.getpid(), {signum})
sys.meta_path.insert(0, SendOnImport())
sys.argv = ["mgrad"] + {args!r}
from mgrad_cli.__main__ import main
main()
"""


def run_python(code, cwd=REPO, timeout=60):
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ, PYTHONPATH=str(REPO)))


@pytest.mark.parametrize("module", ["click", "rich", "numpy", "yaml"])
@pytest.mark.parametrize("signum, status, message", [(signal.SIGINT, 130, "Interrupted."),
                                                     (signal.SIGTERM, 143, "Terminated.")])
def test_a_signal_while_the_cli_loads_stops_quietly(module, signum, status, message):
    done = run_python(SIGNAL_DURING_IMPORT.format(module=module, signum=int(signum),
                                                  args=["train", "configs/tiny.yaml", "-q"]))
    assert (done.returncode, done.stderr, done.stdout) == (status, message + "\n", "")


def test_python_m_and_the_console_script_run_the_same_entry_point(repo):
    with open(os.path.join(repo, "pyproject.toml"), encoding="utf-8") as f:
        assert 'mgrad = "mgrad_cli.__main__:main"' in f.read()
    done = subprocess.run([sys.executable, "-m", "mgrad_cli", "--version"], cwd=repo, capture_output=True,
                          text=True, timeout=60, env=dict(os.environ, PYTHONPATH=str(repo)))
    assert (done.returncode, done.stdout) == (0, "mgrad, version 0.1.0\n")


def start_training(tmp_path, *args):
    """`mgrad train` of micrograd's demo (a few hundredths of a second an epoch on the scalar
    engine, 1,000 epochs: still running when the test acts), saving to m.json."""
    return subprocess.Popen([sys.executable, "-m", "mgrad_cli", "train", str(REPO / "configs" / "moons.yaml"),
                             "--epochs", "1000", "--save", "m.json", *args], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=str(REPO)))


def saved_epoch(tmp_path):
    from mgrad_cli.training.checkpoint import load_checkpoint

    return load_checkpoint(str(tmp_path / "m.json"))["epoch"]


def test_sigterm_mid_run_saves_what_it_reached_and_exits_143(tmp_path):
    proc = start_training(tmp_path)
    for line in proc.stdout:  # until the first epoch's row: training is under way
        if line.startswith("    1 "):
            break
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, err) == (143, "")
    done = next(line for line in out.splitlines() if line.startswith("Terminated after "))
    epochs = int(done.split()[2])
    assert done.startswith(f"Terminated after {epochs} of 1000 epochs (")
    assert out.splitlines()[-1] == "Checkpoint saved to m.json."
    assert saved_epoch(tmp_path) == epochs >= 1


def test_a_closed_stdout_stops_quietly_saves_and_exits_141(tmp_path):
    # as `mgrad train ... | head`: the reader goes away after the first row of the table
    # (the run header before it wraps at the pipe's 80 columns: it is one or two lines)
    proc = start_training(tmp_path)
    lines = [proc.stdout.readline()]
    while not lines[-1].startswith("    1 ") and len(lines) < 6:
        lines.append(proc.stdout.readline())
    assert lines[-1].startswith("    1 ")
    proc.stdout.close()
    assert proc.wait(timeout=60) == 141
    assert proc.stderr.read() == ""
    assert saved_epoch(tmp_path) >= 1


def test_predict_into_a_closed_pipe_exits_141_quietly(tmp_path):
    # as `mgrad predict m.json many.csv | head -1`: far more output than a pipe holds
    trained = subprocess.run([sys.executable, "-m", "mgrad_cli", "train", str(REPO / "configs" / "tiny.yaml"),
                              "--save", "m.json", "-q"], cwd=tmp_path, capture_output=True, timeout=60,
                             env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert trained.returncode == 0
    (tmp_path / "many.csv").write_text("x0,x1,x2\n" + "1,2,3\n" * 50_000)
    proc = subprocess.Popen([sys.executable, "-m", "mgrad_cli", "predict", "m.json", "many.csv"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert proc.stdout.readline().split()[0] == "line"
    proc.stdout.close()
    assert proc.wait(timeout=60) == 141
    assert proc.stderr.read() == ""
