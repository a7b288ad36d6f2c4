"""Shared fixtures: a CliRunner with a pinned terminal, and the reference tools.

Outside CI a test that needs torch or the Graphviz `dot` program is skipped when
they are missing; in CI (CI=true) it fails instead, so the reference tests really run.
"""

import os
import shutil

import pytest
from click.testing import CliRunner

from mgrad_cli.cli import cli

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _need(what, available, how):
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI ({how})")
    pytest.skip(f"{what} is not installed ({how})")


@pytest.fixture
def torch():
    try:
        import torch as _torch
    except ImportError:
        _torch = None
    _need("torch", _torch is not None, "pip install torch==2.13.0")
    return _torch


@pytest.fixture
def dot():
    _need("the Graphviz dot program", shutil.which("dot") is not None, "apt-get install graphviz")
    return shutil.which("dot")


@pytest.fixture
def run(tmp_path, monkeypatch):
    """run('train', 'configs/tiny.yaml', ...) -> click Result, with a pinned plain terminal."""
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    runner = CliRunner()

    def invoke(*args, input=None, env=None):
        return runner.invoke(cli, [str(a) for a in args], input=input, env=env, catch_exceptions=False)

    return invoke


@pytest.fixture
def repo():
    return REPO
