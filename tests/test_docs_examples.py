"""Every example in README.md and docs/*.md runs, and prints what the page shows.

Each page's shell commands run in order in a folder of their own, which has the
repository's configs/ and datasets/ (as links), so `mgrad train configs/moons.yaml` works
there as in a checkout. See tests/docs_examples.py for what counts as an example and the
markers a page uses (slow, exit status, files). A command that needs what is missing here
(Graphviz's dot, matplotlib, PyTorch, onnx) is skipped, saying what; in CI it fails (the
CI rule of conftest.need).
"""

import subprocess
import sys

import pytest

import docs_examples
from conftest import need

ALL = [example for page in docs_examples.pages() for example in docs_examples.examples(page)]
SHELL = [e for e in ALL if e.kind == "shell"]
PYTHON = [e for e in ALL if e.kind == "python"]
# Modules of the package's new layout (see CHANGELOG.md); a snippet importing one fails until
# the package move lands.


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    return docs_examples.Folders(tmp_path_factory, SHELL)


def marks(example):
    return [pytest.mark.slow] if example.slow else []


@pytest.mark.parametrize("example", [pytest.param(e, id=e.id, marks=marks(e)) for e in SHELL])
def test_shell_example(example, pages):
    for what, how in docs_examples.needs(example.text):
        need(what, docs_examples.available(what), how)
    code, output = pages.run(example)
    shown = f"{example.id}: $ {example.text}\n{output}"
    assert code == example.exit_code, f"exit {code}, the page says {example.exit_code}\n{shown}"
    if example.output is not None:
        missing = docs_examples.output_matches(example.output, output)
        assert missing is None, f"the page shows {missing!r}, which the command did not print\n{shown}"


@pytest.mark.parametrize("example", [pytest.param(e, id=e.id) for e in PYTHON])
def test_python_example(example, tmp_path):
    proc = subprocess.run([sys.executable, "-c", example.text], cwd=tmp_path, env=docs_examples.environment(),
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
