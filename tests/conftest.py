"""Shared helpers and fixtures: the repository root, the CI rule, a CliRunner with a
pinned terminal, and the reference tools.

The CI rule, in one place: outside CI a test that needs a reference tool (torch, the
Graphviz `dot` program, micrograd, threadpoolctl, scikit-learn) or mgrad's plot extra
(matplotlib) is skipped when it is missing; in CI (CI=1/true/yes) it fails instead, so
the reference tests really run. Set MGRAD_TEST_WITHOUT_TORCH=1 to run CI without torch
(the other-Pythons matrix).

The tests run on the CPU: PyTorch is shown no GPU (CUDA_VISIBLE_DEVICES is emptied before
it is imported), so device auto is the CPU and the torch engine's numbers are float64's.
"""

import contextlib
import importlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

os.environ["CUDA_VISIBLE_DEVICES"] = ""  # before anything imports torch

from mgrad_cli.cli.app import cli  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
REPO = Path(__file__).resolve().parent.parent  # the checkout's root
# Python packages the tests need beyond mgrad's own, with how to install them
REFERENCES = {
    "torch": "pip install torch==2.13.0",
    "micrograd": "pip install micrograd==0.1.0",
    "threadpoolctl": "pip install threadpoolctl",
    "onnx": "pip install onnx",
    "onnxruntime": "pip install onnxruntime",
    "sklearn.datasets": "pip install scikit-learn==1.9.1",
    "build": "pip install build",
    "matplotlib": "pip install -e '.[plot]'",  # mgrad's own extra, for the tests that draw
    "pyarrow": "pip install -e '.[csv]'",  # mgrad's own extra: the fast CSV reader
}


def need(what, available, how):
    """Skip the test when `what` is missing, or fail it in CI, where it must be there."""
    if available:
        return
    optional = what == "torch" and os.environ.get("MGRAD_TEST_WITHOUT_TORCH")
    if IN_CI and not optional:
        pytest.fail(f"{what} is required in CI ({how})")
    pytest.skip(f"{what} is not installed ({how})")


def need_module(name):
    """The reference module `name` (see REFERENCES), under the CI rule."""
    try:
        return importlib.import_module(name)
    except ImportError:
        need(name, False, REFERENCES.get(name, f"pip install {name}"))


def write(folder, name, text):
    """Write `text` to folder/name and return the path."""
    path = Path(folder) / name
    path.write_text(text)
    return path


@pytest.fixture
def torch():
    return need_module("torch")


@pytest.fixture
def micrograd():
    return need_module("micrograd")


@pytest.fixture
def matplotlib():
    """mgrad's plot extra, for a test that draws."""
    return need_module("matplotlib")


@pytest.fixture
def pyarrow():
    """mgrad's csv extra, for a test of the fast CSV reader."""
    return need_module("pyarrow")


@pytest.fixture
def sklearn_datasets():
    """scikit-learn's sklearn.datasets: the reference for the built-in generators."""
    return need_module("sklearn.datasets")


@pytest.fixture
def dot():
    need("the Graphviz dot program", shutil.which("dot") is not None, "apt-get install graphviz")
    return shutil.which("dot")


@pytest.fixture
def run(tmp_path, monkeypatch):
    """run('train', 'configs/tiny.yaml', ...) -> click Result, with a pinned plain terminal:
    one wide enough that prose and errors stay on one line each, for the tests of what is
    said (tests/cli/test_width.py and the goldens pin the layout at 80 and 100 columns)."""
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    runner = CliRunner()

    def invoke(*args, input=None, env=None):
        return runner.invoke(cli, [str(a) for a in args], input=input, env=env, catch_exceptions=False)

    return invoke


@pytest.fixture
def repo():
    return str(REPO)


CHROMIUM_FLAGS = ("--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run")


@contextlib.contextmanager
def headless_chromium(window_size="1280,720"):
    """Debian's chromium driven by selenium, headless, in a profile of its own (skipped with
    the reason where chromium, its driver or selenium is missing; a failure in CI)."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    need("chromium and its driver", chromium and driver, "apt-get install chromium chromium-driver")
    need_module("selenium")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    with tempfile.TemporaryDirectory() as profile:
        for flag in CHROMIUM_FLAGS + (f"--window-size={window_size}", f"--user-data-dir={profile}"):
            options.add_argument(flag)
        chrome = webdriver.Chrome(service=Service(driver), options=options)
        try:
            yield chrome
        finally:
            chrome.quit()
