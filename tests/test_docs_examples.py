"""Every example in README.md and docs/*.md runs, and prints what the page shows.

Each page's shell commands run in order in a folder of their own, which has the
repository's configs/ and datasets/ (as links), so `mgrad train configs/moons.yaml` works
there as in a checkout. See tests/docs_examples.py for what counts as an example and the
markers a page uses (slow, exit status, files). A command that needs what is missing here
(Graphviz's dot, matplotlib, PyTorch, onnx) is skipped, saying what; in CI it fails (the
CI rule of conftest.need).
"""

import importlib.util
import os
import re
import shutil
import subprocess
import sys

import pytest

import docs_examples
from conftest import REPO, need

ALL = [example for page in docs_examples.pages() for example in docs_examples.examples(page)]
SHELL = [e for e in ALL if e.kind == "shell"]
PYTHON = [e for e in ALL if e.kind == "python"]
# Modules of the package's new layout (see CHANGELOG.md); a snippet importing one fails until
# the package move lands.


def environment():
    env = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"}
    # PYTHONUNBUFFERED: stdout and stderr in the order they were written, as a terminal shows them
    env.update(COLUMNS="100", NO_COLOR="1", PYTHONUNBUFFERED="1", MGRAD_PYTHON=sys.executable, CUDA_VISIBLE_DEVICES="",
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    return env


def run_shell(command, folder):
    """Run command with bash in folder; `mgrad` is this checkout's. -> (exit code, output)."""
    script = 'mgrad() { "$MGRAD_PYTHON" -m mgrad_cli "$@"; }\nset -o pipefail\n' + command + "\n"
    proc = subprocess.run(["bash", "-c", script], cwd=folder, env=environment(), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=600)
    return proc.returncode, proc.stdout


class Pages:
    """One folder per page, and how far its examples have run."""

    def __init__(self, factory):
        self.factory, self.folders, self.done = factory, {}, {}

    def folder(self, page):
        if page not in self.folders:
            folder = self.factory.mktemp(re.sub(r"\W", "_", page))
            for name in ("configs", "datasets"):
                (folder / name).symlink_to((REPO / name).resolve(), target_is_directory=True)
            self.folders[page], self.done[page] = folder, -1
        return self.folders[page]

    def run(self, example):
        """Run `example`, after any earlier example of its page that has not run (when this
        one was selected alone): their files may be what it reads. Slow ones are left out
        there unless this one is slow too: only a slow example may depend on a slow one
        (a compare of what a sweep wrote)."""
        folder = self.folder(example.page)
        page = [e for e in SHELL if e.page == example.page]
        index = page.index(example)
        for earlier in page[self.done[example.page] + 1:index]:
            if (example.slow or not earlier.slow) and all(available(what) for what, _ in docs_examples.needs(earlier.text)):
                self.execute(earlier, folder)
        self.done[example.page] = index
        return self.execute(example, folder)

    @staticmethod
    def execute(example, folder):
        for name, content in example.files:
            (folder / name).write_text(content)
        return run_shell(example.text, folder)


def available(what):
    if what == "dot":
        return shutil.which("dot") is not None
    return importlib.util.find_spec(what) is not None


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    return Pages(tmp_path_factory)


def marks(example):
    return [pytest.mark.slow] if example.slow else []


@pytest.mark.parametrize("example", [pytest.param(e, id=e.id, marks=marks(e)) for e in SHELL])
def test_shell_example(example, pages):
    for what, how in docs_examples.needs(example.text):
        need(what, available(what), how)
    code, output = pages.run(example)
    shown = f"{example.id}: $ {example.text}\n{output}"
    assert code == example.exit_code, f"exit {code}, the page says {example.exit_code}\n{shown}"
    if example.output is not None:
        missing = docs_examples.output_matches(example.output, output)
        assert missing is None, f"the page shows {missing!r}, which the command did not print\n{shown}"


@pytest.mark.parametrize("example", [pytest.param(e, id=e.id) for e in PYTHON])
def test_python_example(example, tmp_path):
    proc = subprocess.run([sys.executable, "-c", example.text], cwd=tmp_path, env=environment(),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{example.id}:\n{proc.stdout}{proc.stderr}"
    assert proc.stdout.splitlines() == example.output, f"{example.id}: the page's #> lines differ"


def test_the_readme_tour_is_found():
    """The README's five commands are examples: the parser sees them, with their output."""
    tour = [e for e in SHELL if e.page == "README.md"]
    assert [e.text.split()[1] for e in tour][:5] == ["train", "graph", "backprop", "graph", "gradcheck"]
    assert all(e.output for e in tour[:5])


def test_the_comparison_tolerates_times_and_spacing_only():
    actual = "epoch   loss   time\n    1   0.89   141 ms\nTrained in 16.8 s.\n"
    assert docs_examples.output_matches(["1 0.89 1.2 s", "...", "Trained in 14.6 s."], actual) is None
    assert docs_examples.output_matches(["1 0.88 141 ms"], actual) == "1 0.88 141 ms"
    assert docs_examples.output_matches(["Trained in 16.8 s.", "epoch loss time"], actual) == "epoch loss time"


def test_a_tables_rule_may_differ_in_width_only():
    """A table's rule is as wide as its columns, which a time column changes run to run."""
    actual = "#  lr    time\n─────────────\n3  1   1.3 s\n  └┬───┬\n"
    assert docs_examples.output_matches(["# lr time", "────────", "3 1 982 ms"], actual) is None
    assert docs_examples.output_matches(["└┬──┬"], actual) == "└┬──┬"  # a chart's axis is compared as it is
