"""Signals and the process's exit status, run as real processes (`python -m mgrad_cli`)."""

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
