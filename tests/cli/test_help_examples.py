"""Every example in mgrad's --help runs, from one empty folder, in the order shown: as for
a user who ran `pip install 'mgrad-cli[plot,torch,onnx]'` on a machine with Graphviz, and
has no checkout (shipped configs and data sets by name: `mgrad train moons`).

The order, a reader's walk: `mgrad --help` first, then each command's --help in the order
of app.COMMANDS (train, graph, backprop, gradcheck, predict, eval, plot, export, configs,
datasets, exercises, sweep, compare, report); in each, as it shows them. A file an
example reads was made by an example before it: `mgrad eval iris.json` comes after
`mgrad train iris ... --save iris.json`, `mgrad predict iris.json iris.csv` after
`mgrad datasets iris --copy iris.csv` (in predict's own help).

The format: a help's examples are the lines after its `Examples:` line, up to the first
blank line (a \\b paragraph, which click prints as written), each a command that starts
with `mgrad ` (or pipes into one: `printf '2\\n' | mgrad ...`) and may end with a
`# comment`. No other line of a help starts with `mgrad `.

Each runs through bash, `mgrad` being this checkout's (docs_examples.run_shell: pipes,
`&&`, `>` and globs work; nothing on standard input), and exits 0, but for a quiz: with
no answers on its input, `--quiz` and `--quiz-local` count every question missed and
exit 1. An example needing what is missing here (Graphviz's dot, matplotlib, PyTorch,
onnx) is skipped outside CI, saying what (the CI rule of conftest.need). The slow ones
(over 3 s on the 2-core test machine) are marked, and no quick example reads a file a
slow one made: -m 'not slow' runs the quick ones, in order, from an empty folder too.
"""

import re

import pytest
from click.testing import CliRunner

import docs_examples
from conftest import REPO, need
from mgrad_cli.cli.app import COMMANDS, cli

# over 3 s each on the 2-core test machine, loaded (the scalar engine's moons is about 11 s)
SLOW = {
    "mgrad train moons",
    "mgrad train moons --set optimizer.lr=0.3 --set model.activation=tanh",
    "mgrad train moons --resume moons.json --epochs 200 --save-every 10",  # the scalar engine from epoch 100
    "mgrad train digits --engine torch --threads 2",
    "mgrad gradcheck --config moons --max-params 50",
    "mgrad gradcheck --config moons --set model.activation=tanh",
    "mgrad gradcheck --config digits --engine both --max-params 40",
    "mgrad gradcheck --config iris --engine all",
    "mgrad configs iris --copy my-iris.yaml && mgrad train my-iris.yaml",
    "mgrad sweep moons --grid optimizer.lr=0.03,0.1,0.3,1",
    "mgrad sweep spiral --grid model.activation=relu,tanh --seeds 3",
    "mgrad compare sweeps/moons-*   # the first sweep's curves, overlaid",
    "mgrad compare sweeps/moons-*   # a sweep (mgrad sweep moons ...): every run",
    "mgrad train moons --save moons.json --snapshots -q",
    "mgrad report moons.json -o moons.html",
}
QUIZ = re.compile(r"--quiz(-local)?\b")


def help_text(*args):
    """The --help of `mgrad ARGS`, as printed, wide enough that no line wraps."""
    result = CliRunner().invoke(cli, [*args, "--help"], env={"COLUMNS": "400", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.output


def examples_of(text):
    """The lines of a help's Examples: block, stripped."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() == "Examples:"]
    assert len(starts) == 1, "a help has one Examples: block"
    found = []
    for line in lines[starts[0] + 1:]:
        if not line.strip():
            break
        found.append(line.strip())
    return found


def exit_code(command):
    """0, or 1 for a quiz with no answers piped in (nothing on its input: all missed)."""
    return 1 if QUIZ.search(command) and not command.startswith("printf ") else 0


def walk():
    """[(id, Example)] of every help's examples, in the order they run."""
    helps = [("mgrad", help_text())] + [(c.name, help_text(c.name)) for c in COMMANDS]
    found = []
    for name, text in helps:
        for n, command in enumerate(examples_of(text), 1):
            example = docs_examples.Example("help", len(found) + 1, command, exit_code=exit_code(command),
                                            slow=command in SLOW)
            found.append((f"{name}-{n}", example))
    return found


WALK = walk()
EXAMPLES = [example for _, example in WALK]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return docs_examples.Folders(tmp_path_factory, EXAMPLES, links=False)


@pytest.mark.parametrize("example", [pytest.param(e, id=i, marks=[pytest.mark.slow] if e.slow else [])
                                     for i, e in WALK])
def test_help_example(example, folder):
    for what, how in docs_examples.needs(example.text[example.text.index("mgrad "):]):
        need(what, docs_examples.available(what), how)
    code, output = folder.run(example)
    assert code == example.exit_code, f"$ {example.text}\nexit {code}, expected {example.exit_code}\n{output}"


def test_every_help_has_examples_in_one_format():
    """Each help's Examples: block holds commands only, and no other line of its source
    starts with `mgrad COMMAND` (an example outside the block would not run here; click
    rewraps such a line into the prose before it)."""
    command = re.compile(rf"mgrad ({'|'.join(c.name for c in COMMANDS)})\b")
    for name, source, text in [("mgrad", cli.help, help_text())] + [(c.name, c.help, help_text(c.name))
                                                                    for c in COMMANDS]:
        block = examples_of(text)
        assert block, name
        for example in block:
            assert re.match(r"(printf '[^']*' \| )?mgrad ", example), (name, example)
        elsewhere = [line.strip() for line in source.splitlines() if command.match(line.strip())
                     and line.strip() not in block]
        assert not elsewhere, (name, elsewhere)


def test_no_example_uses_the_checkouts_folders():
    """configs/ and datasets/ exist only in a checkout: a shipped config or CSV is named."""
    assert not [e.text for e in EXAMPLES if re.search(r"\b(configs|datasets)/", e.text)]


def test_every_slow_mark_names_an_example():
    """SLOW is kept in step with the helps: a renamed example is not left unmarked."""
    assert SLOW <= {e.text for e in EXAMPLES}


def test_the_cli_reference_shows_them_in_this_order():
    """docs/cli-reference.md lists the helps in the order their examples run."""
    page = (REPO / "docs" / "cli-reference.md").read_text(encoding="utf-8")
    assert re.findall(r"^## mgrad ?(\w*)$", page, re.M) == [""] + [c.name for c in COMMANDS]

