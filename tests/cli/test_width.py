"""Everything fits: at 80 and 100 columns no line that mgrad prints is longer than the
terminal, for every shipped config: train's header, table, chart and summary, eval,
predict, gradcheck on two engines (and all three), configs (their text too), datasets,
graph, backprop, export and an error. Numbers are never cut: the train table's rows keep
every number whole (each cell parses as a number)."""

import re

import pytest

from conftest import REPO
from models import RELU_LR50
from mgrad_cli.data import shipped

CONFIGS = shipped.config_names()
WIDTHS = (80, 100)
INPUTS = REPO / "tests" / "golden" / "inputs"


def _check(result, width, what):
    lines = (result.stdout + (result.stderr if result.stderr_bytes is not None else "")).splitlines()
    long = [f"{len(line)}: {line}" for line in lines if len(line) > width]
    assert not long, f"{what} at {width} columns:\n" + "\n".join(long)


@pytest.fixture
def at(run, monkeypatch, tmp_path):
    """at(width, *args): run mgrad in a terminal `width` columns wide, in a fresh folder."""
    monkeypatch.chdir(tmp_path)

    def invoke(width, *args):
        monkeypatch.setenv("COLUMNS", str(width))
        result = run(*args)
        _check(result, width, "mgrad " + " ".join(map(str, args)))
        return result
    return invoke


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", CONFIGS)
def test_train_eval_predict_fit(at, name, width):
    epochs = "2" if name == "digits" else "6"
    result = at(width, "train", name, "--engine", "tensor", "--epochs", epochs, "--chart", "--save", "m.json",
                "--log", "m.jsonl")
    assert result.exit_code == 0
    rows = [line for line in result.stdout.splitlines() if re.match(r"^ +\d+  ", line)]
    assert rows
    for row in rows:  # every cell whole: a number, a percent, a duration
        for cell in re.split(r" {2,}", row.strip()):
            assert re.fullmatch(r"-?[\d.]+(e[-+]\d+)?%?|[\d.]+ m?s|nan|inf|-", cell), (cell, row)
    at(width, "eval", "m.json")
    csv = INPUTS / f"{name}.csv"
    if csv.exists():
        at(width, "predict", "m.json", str(csv))
    at(width, "configs", name)
    at(width, "export", "m.json", "-o", "m.pt") if _has("torch") else None


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", CONFIGS)
def test_gradcheck_fits(at, name, width):
    at(width, "gradcheck", "--config", name, "--engine", "both", "--max-params", "6")
    at(width, "gradcheck", "--config", name, "--engine", "tensor", "--max-params", "6")


@pytest.mark.parametrize("width", WIDTHS)
def test_gradcheck_all_engines_fits(at, width, torch):
    result = at(width, "gradcheck", "--config", "iris", "--engine", "all", "--max-params", "6")
    assert "…" not in result.stdout  # no header nor number cut


@pytest.mark.parametrize("width", WIDTHS)
def test_the_other_commands_fit(at, width):
    at(width, "datasets")
    at(width, "configs")
    at(width, "backprop", "n = x1*w1 + x2*w2 + b; o = tanh(n)", "x1=2", "x2=0", "w1=-3", "w2=1", "b=6.88")
    at(width, "backprop", "y = relu(x) * x**2 - abs(x)", "x=-1.5", "--step", "0.01")
    at(width, "graph", "e = a*b; d = e + c; L = d * f", "a=2", "b=-3", "c=10", "f=-2", "-o", "L.dot")
    at(width, "gradcheck", "tanh(x*w + b)", "x=2", "w=-3", "b=6.88")
    at(width, "train", "nosuch")
    at(width, "gradcheck", "--config", "tiny", "--engine", "bogus")


def test_shipped_configs_fit_78_columns():
    for name in CONFIGS:
        long = [line for line in shipped.config_text(name).splitlines() if len(line) > 78]
        assert not long, (name, long)


def test_long_names_are_shortened(at, tmp_path):
    """A feature name of 30 characters is cut to 24 with an ellipsis; one of 24 is whole."""
    long_name, whole = "a_very_long_feature_name_indeed", "x" * 24
    rows = "\n".join(f"{i % 7},{(i * 3) % 5},{'yes' if i % 2 else 'no'}" for i in range(40))
    (tmp_path / "d.csv").write_text(f"{long_name},{whole},label\n{rows}\n")
    (tmp_path / "c.yaml").write_text("data: {csv: d.csv, target: label}\nmodel: {layers: [1]}\nepochs: 2\n")
    at(100, "train", "c.yaml", "-q", "--save", "m.json")
    result = at(100, "predict", "m.json", "d.csv")
    assert long_name[:23] + "…" in result.stdout and whole in result.stdout


def _has(module):
    import importlib.util
    return importlib.util.find_spec(module) is not None


@pytest.mark.parametrize("width", WIDTHS + (60, 40))
def test_the_doctor_s_lines_are_wrapped_whole(at, tmp_path, width):
    """The doctor's diagnoses (stderr, and the summary's copy) within the width, wrapped
    between words: every word and number whole."""
    (tmp_path / "c.yaml").write_text(RELU_LR50)
    result = at(width, "train", "c.yaml", "-q")
    said = "layer 2: 75% of ReLUs dead since epoch 2: lower the learning rate, or use tanh"
    assert result.exit_code == 0 and "…" not in result.stderr
    assert " ".join(result.stderr.split()) == said
    summary = result.stdout.split("The training doctor said:\n")[1]
    assert " ".join(summary.split()).startswith(said)
