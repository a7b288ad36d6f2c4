"""`mgrad train CONFIG`, end to end through click's CliRunner (the `run` fixture)."""

import importlib.util
import json
import os
import re
import sys
import warnings

import numpy as np
import pytest

from mgrad_cli.training import metrics, trainer as training
from mgrad_cli.backends import make_backend
from mgrad_cli.training.checkpoint import load_checkpoint

from conftest import REPO, need_module, write
from models import ctrl_c_at_step

CONFIGS = str(REPO / "configs")
FIXTURES = str(REPO / "tests" / "fixtures")
# an epoch record's keys for classification, in order (the log's lines, the checkpoint's metrics)
RECORD = ["epoch", "loss", "train_acc", "val_loss", "val_acc", "test_loss", "test_acc", "lr", "seconds", "layers",
          "diagnoses"]


def config(name):
    return os.path.join(CONFIGS, f"{name}.yaml")


def read_log(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def without_seconds(text):
    """Output with the timings (the only thing that may differ between runs) blanked."""
    text = re.sub(r" *\d+(\.\d+)? m?s\b| *\d+ min \d\d s\b", " _", text)
    return text.replace("( _)", "(_)")


# --- every shipped config runs from another directory and learns ---------------------

@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """Run from a directory that is not the repository: configs must not depend on cwd."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def train_logged(run, tmp_path, name, *args):
    log = tmp_path / f"{name}.jsonl"
    result = run("train", config(name), "--log", log, "--quiet", *args)
    assert result.exit_code == 0, result.output
    return read_log(log), result.output


def test_tiny_reaches_the_lectures_loss(run, elsewhere):
    log, out = train_logged(run, elsewhere, "tiny")
    assert len(log) == 50
    assert log[-1]["loss"] < 0.05
    assert log[-1]["train_acc"] == 1.0
    assert "Final loss 0.0" in out


def micrograd_demo():
    """micrograd 0.1.0's demo notebook, step by step: {step, loss, accuracy} (made by
    tests/fixtures/micrograd_demo.py, which takes minutes)."""
    with open(os.path.join(FIXTURES, "micrograd_demo.json")) as f:
        return json.load(f)["steps"]


@pytest.mark.slow
def test_moons_is_micrograds_demo_step_for_step(run, elsewhere):
    log, out = train_logged(run, elsewhere, "moons")
    demo = micrograd_demo()
    assert len(log) == len(demo) == 100
    for ours, theirs in zip(log, demo):
        assert ours["train_acc"] == theirs["accuracy"], ours["epoch"]
        assert abs(ours["loss"] - theirs["loss"]) <= 1e-12 * theirs["loss"], ours["epoch"]
    assert [r["lr"] for r in log[:3]] == [1.0, 1.0 - 0.9 * 1 / 100, 1.0 - 0.9 * 2 / 100]
    assert "train accuracy 100.0% (100 samples)" in out


@pytest.mark.slow
def test_the_stored_demo_is_what_micrograd_computes(micrograd, sklearn_datasets):
    spec = importlib.util.spec_from_file_location("micrograd_demo", os.path.join(FIXTURES, "micrograd_demo.py"))
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    # micrograd keeps a node's children in a set, so the order its gradients add up in (and
    # the last bits of the loss) can change from run to run: equal to 1e-14, not bit for bit
    for fresh, stored in zip(script.demo(3), micrograd_demo()):  # the notebook's loop, 1-2 s a step
        assert fresh["accuracy"] == stored["accuracy"]
        assert fresh["loss"] == pytest.approx(stored["loss"], rel=1e-14, abs=0)


@pytest.mark.slow
def test_iris_generalizes(run, elsewhere):
    log, out = train_logged(run, elsewhere, "iris")
    assert log[-1]["test_acc"] >= 0.9
    assert "(30 samples)" in out  # 20% of 150 held out


@pytest.mark.slow
def test_wine_generalizes(run, elsewhere):
    log, _ = train_logged(run, elsewhere, "wine")
    assert log[-1]["test_acc"] >= 0.9


@pytest.mark.parametrize("name, key, goal", [
    ("xor", "test_acc", 0.95),
    pytest.param("circles", "test_acc", 0.95, marks=pytest.mark.slow),
    pytest.param("spiral", "train_acc", 0.95, marks=pytest.mark.slow),
])
def test_toy_sets_are_learned(run, elsewhere, name, key, goal):
    log, _ = train_logged(run, elsewhere, name)
    assert log[-1][key] >= goal
    assert log[-1]["loss"] < log[0]["loss"] / 3


# --- the table, the summary, quiet and plain output ------------------------------------

def test_table_and_summary(run):
    result = run("train", config("tiny"), "--epochs", "3")
    assert result.exit_code == 0
    lines = without_seconds(result.output).splitlines()
    assert lines[0] == ("Training MLP 3-4-4-1 (41 parameters) on tiny: 4 training samples; "
                        "mse loss, sgd lr 0.05, full batch, seed 0.")
    assert lines[1].split() == ["epoch", "loss", "train", "acc", "time"]  # a constant lr: in the first line
    assert [line.split()[0] for line in lines[2:5]] == ["1", "2", "3"]
    assert lines[5] == "Trained MLP 3-4-4-1 (41 parameters) on tiny for 3 epochs in _."
    assert lines[6].startswith("Final loss ") and lines[6].endswith("(4 samples).")
    assert len(lines) == 7


def test_test_accuracy_column_only_with_a_held_out_split(run):
    result = run("train", config("xor"), "--epochs", "2")
    assert result.output.splitlines()[1].split() == ["epoch", "loss", "train", "acc", "test", "loss", "test",
                                                    "acc", "time"]
    assert "test accuracy" in result.output


def test_every_shows_every_nth_epoch_and_the_last(run):
    result = run("train", config("tiny"), "--epochs", "7", "--every", "3")
    epochs = [line.split()[0] for line in result.output.splitlines()[2:-2]]
    assert epochs == ["1", "3", "6", "7"]


def test_quiet_prints_only_the_summary(run):
    result = run("train", config("tiny"), "--epochs", "3", "--quiet")
    lines = without_seconds(result.output).splitlines()
    assert lines[0] == "Trained MLP 3-4-4-1 (41 parameters) on tiny for 3 epochs in _."
    assert len(lines) == 2


def test_plain_text_without_a_terminal_even_without_no_color(run, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    result = run("train", config("tiny"), "--epochs", "2")
    assert result.exit_code == 0
    assert "\x1b[" not in result.output


def test_progress_bar_and_colour_only_on_a_terminal(run, monkeypatch):
    # force a terminal: rich draws the bar on stderr; NO_COLOR still removes the colour
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("FORCE_COLOR", "1")
    result = run("train", config("tiny"), "--epochs", "2")
    assert result.exit_code == 0
    assert "epoch" in result.stderr
    assert "\x1b[3" not in result.output + result.stderr  # no colours under NO_COLOR


@pytest.mark.parametrize("columns", [80, 100])
def test_the_progress_bar_labels_its_parts_and_fits(run, monkeypatch, columns):
    """Issue 19: an unlabelled 0:00:15. Each frame reads 'epoch 2/3 ━━ loss 0.7 elapsed
    0:00:00 left 0:00:00', within the width."""
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    result = run("train", config("tiny"), "--epochs", "3", env={"COLUMNS": str(columns)})
    assert result.exit_code == 0
    frames = [re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", f) for f in re.split(r"[\r\n]", result.stderr)]
    assert all(len(f) <= columns for f in frames)
    frames = [f for f in frames if f.startswith("epoch")]  # (the table's rows go above the bar)
    assert frames and all(re.match(r"epoch +\d/3 .* elapsed \d:\d\d:\d\d left (\d:\d\d:\d\d|-:--:--)$", f.rstrip())
               for f in frames), frames
    assert any(re.match(r"epoch +[1-3]/3 .*loss \d", f) for f in frames), frames


# --- reproducibility and overrides -------------------------------------------------------

def test_same_config_same_numbers(run, tmp_path):
    outs, logs = [], []
    for i in range(2):
        log = tmp_path / f"run{i}.jsonl"
        result = run("train", config("iris"), "--epochs", "4", "--log", log)
        outs.append(without_seconds(result.output.replace(str(log), "LOG")))
        logs.append([{k: v for k, v in r.items() if k != "seconds"} for r in read_log(log)])
    assert outs[0] == outs[1]
    assert logs[0] == logs[1]


def test_minibatches_are_shuffled_reproducibly(run, tmp_path):
    cfg = write(tmp_path, "mb.yaml", "data: {name: moons, n_samples: 24}\nmodel: {layers: [4, 1]}\n"
                                     "batch_size: 5\nepochs: 3\n")
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    run("train", cfg, "--save", a, "-q")
    run("train", cfg, "--save", b, "-q")
    assert load_checkpoint(a)["weights"] == load_checkpoint(b)["weights"]
    run("train", cfg, "--save", b, "-q", "--seed", "1")
    assert load_checkpoint(a)["weights"] != load_checkpoint(b)["weights"]


def test_overrides(run, tmp_path):
    save = tmp_path / "m.json"
    result = run("train", config("tiny"), "--epochs", "2", "--lr", "0.5", "--seed", "3", "--save", save, "-q")
    assert result.exit_code == 0
    ckpt = load_checkpoint(save)
    assert (ckpt["config"]["epochs"], ckpt["config"]["optimizer"]["lr"], ckpt["config"]["seed"]) == (2, 0.5, 3)
    assert ckpt["epoch"] == 2 and ckpt["metrics"]["lr"] == 0.5


def test_bad_override_is_a_usage_error(run):
    result = run("train", config("tiny"), "--epochs", "0")
    assert result.exit_code == 2
    assert "--epochs" in result.output


# --- outputs: checkpoint, log, graph -------------------------------------------------------

def test_checkpoint_contents(run, tmp_path):
    save = tmp_path / "iris.json"
    result = run("train", config("iris"), "--epochs", "3", "--save", save)
    assert result.exit_code == 0
    assert f"Checkpoint saved to {save}." in result.output
    ckpt = load_checkpoint(save)
    assert ckpt["format"] == "mgrad-checkpoint" and ckpt["version"] == 7
    assert ckpt["overrides"] == ["--epochs 3"]  # the command line's changes, as typed
    assert ckpt["world_size"] == 1  # one process trained it
    assert ckpt["sizes"] == [4, 8, 3]
    assert len(ckpt["weights"]) == 4 * 8 + 8 + 8 * 3 + 3
    assert ckpt["epoch"] == 3
    assert ckpt["data"]["class_names"] == ["setosa", "versicolor", "virginica"]
    assert ckpt["data"]["feature_names"] == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    assert len(ckpt["data"]["mean"]) == 4 and len(ckpt["data"]["std"]) == 4
    assert ckpt["data"]["fingerprint"]["rows"] == 150 and len(ckpt["data"]["fingerprint"]["sha256"]) == 64
    assert ckpt["optimizer"]["name"] == "adam" and ckpt["optimizer"]["t"] == 3
    assert ckpt["config"]["data"] == {"name": "iris", "target": "species", "task": "auto", "standardize": True,
                                      "test_split": 0.2, "val_split": 0.0}  # the shipped CSV by name: works anywhere
    assert set(ckpt["metrics"]) == set(RECORD)
    assert os.listdir(tmp_path) == ["iris.json"]  # no temporary file left behind


@pytest.mark.slow
def test_checkpoint_weights_reproduce_the_metrics(run, tmp_path):
    # the stored weights are the trained ones: predicting with them gives the test accuracy
    from mgrad_cli.training.config import load_config
    from mgrad_cli.data.datasets import load_dataset
    save = tmp_path / "x.json"
    run("train", config("xor"), "--save", save, "-q")
    ckpt = load_checkpoint(save)
    cfg = load_config(config("xor"))
    ds = load_dataset(cfg["data"], cfg["seed"])
    backend = make_backend(cfg, ds.n_features)
    outputs = backend.predict(np.array(ckpt["weights"]), ds.X_test)
    assert metrics.accuracy(metrics.classes(outputs, cfg["model"]["output"]), ds.y_test) == ckpt["metrics"]["test_acc"]


@pytest.mark.parametrize("outputs, y, before", [
    ([[1.0], [np.nan], [-1.0], [1.0]], [1, 0, 0, 1], 1.0),  # one output: nan > 0 is False, class 0
    ([[0.0, 1.0], [np.nan, 0.0], [1.0, 0.0], [0.0, 1.0]], [1, 0, 0, 1], 1.0),  # argmax: the nan's index
])
def test_a_row_with_a_nan_output_counts_as_wrong_in_the_records(outputs, y, before):
    # The one change of results in issue 18: a threshold or argmax made a nan output a class
    # (0 here), so a nan row of class 0 counted as right in an epoch's {split}_acc (1.0 here,
    # `before`), while `mgrad eval` counted it as wrong. Both count it as wrong now.
    from mgrad_cli.training.config import load_config
    from mgrad_cli.data.datasets import load_dataset

    cfg = load_config(config("tiny"))  # four training rows, a tanh output: class 1 above 0
    ds = load_dataset(cfg["data"], cfg["seed"])
    assert ds.y_train.tolist() == y
    record = training.split_metrics(cfg, ds, "train", np.array(outputs))
    assert record == {"train_acc": 0.75} != {"train_acc": before}
    assert metrics.classes(np.array(outputs), cfg["model"]["output"]).tolist()[1] == metrics.NO_CLASS


def test_an_interrupted_save_keeps_the_old_checkpoint(run, tmp_path, monkeypatch):
    save = tmp_path / "m.json"
    save.write_text("old")

    def crash(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", crash)
    result = run("train", config("tiny"), "--epochs", "1", "--save", save, "-q")
    assert result.exit_code == 130
    assert result.stderr == "Interrupted.\n"
    assert save.read_text() == "old"
    assert os.listdir(tmp_path) == ["m.json"]


def test_log_has_one_json_line_per_epoch(run, tmp_path):
    log = tmp_path / "log.jsonl"
    result = run("train", config("xor"), "--epochs", "3", "--log", log, "-q")
    assert f"Log written to {log}." in result.output
    rows = read_log(log)
    assert [r["epoch"] for r in rows] == [1, 2, 3]
    assert list(rows[0]) == RECORD
    assert all(0 <= r["test_acc"] <= 1 and r["test_loss"] > 0 for r in rows)
    assert rows[0]["val_loss"] is None and rows[0]["val_acc"] is None


def test_graph_dot(run, tmp_path):
    out = tmp_path / "g.dot"
    result = run("train", config("tiny"), "--epochs", "2", "--graph", out, "-q")
    assert result.exit_code == 0, result.output
    nodes = int(re.search(r"Graph of the loss on one sample \((\d+) nodes\)", result.output).group(1))
    assert 50 < nodes < 300
    text = out.read_text()
    assert "loss" in text and "w1.0.0" in text and "x0" in text


def test_graph_svg(run, tmp_path, dot):
    out = tmp_path / "g.svg"
    result = run("train", config("tiny"), "--epochs", "1", "--graph", out, "-q")
    assert result.exit_code == 0, result.output
    assert out.read_text().lstrip().startswith(("<?xml", "<svg"))


def test_graph_too_large_is_refused_before_training(run, tmp_path):
    out = tmp_path / "g.dot"
    result = run("train", config("moons"), "--graph", out, "--graph-max-nodes", "100")
    assert result.exit_code == 2
    assert re.fullmatch(r"Error: the graph of the loss on one sample has \d+ nodes, more than "
                        r"--graph-max-nodes 100; draw a smaller model or raise the limit\n", result.output)
    assert not out.exists()


def test_graph_needs_a_known_suffix(run, tmp_path):
    result = run("train", config("tiny"), "--graph", tmp_path / "g.jpg")
    assert result.exit_code == 2
    assert "expected a file ending in .svg, .png, .pdf, .html or .dot, got" in result.output


# --- stopping: divergence and Ctrl-C ------------------------------------------------------

DIVERGES = ("data: {name: xor, n_samples: 20}\nmodel: {layers: [8, 1], activation: relu}\n"
            "loss: mse\noptimizer: {name: sgd, lr: 10}\nepochs: 30\n")


def test_divergence_stops_with_a_message_and_keeps_the_last_good_state(run, tmp_path):
    cfg = write(tmp_path, "div.yaml", DIVERGES)
    save = tmp_path / "div.json"
    result = run("train", cfg, "--save", save)
    assert result.exit_code == 1
    assert result.stderr.endswith("Saved the last good state (epoch 5) to {}.\nError: the loss became inf "
                                  "at epoch 6 (lr 10): training diverged; try a lower learning rate, "
                                  "e.g. --lr 1\n".format(save))
    ckpt = load_checkpoint(save)
    assert ckpt["epoch"] == 5 and np.all(np.isfinite(ckpt["weights"]))
    assert ckpt["metrics"]["epoch"] == 5


@pytest.mark.parametrize("rows, yaml, hint, message", [
    # the loss overflows on the weights training started from: no learning rate would help
    ("a,b,t\n1,2,1e200\n3,4,2.5\n5,6,3.5\n", "loss: mse\n",
     "Hint: the target is far from unit scale (t: mean 3.3e+199, std 4.7e+199); set data.standardize: true\n",
     "the loss became inf at epoch 1, before any update (so not because of the learning rate): the targets reach "
     "1e+200, too large for the network's outputs; rescale the target column"),
    # huge inputs blow the weights up in a few updates: the data's scale is the cause (the
    # hint said so as the run started)
    ("a,b,t\n1e307,2,x\n3,-1e307,y\n5,6,x\n7,8,y\n", "",
     "Hint: inputs are far from unit scale (a: mean 2.5e+306, std 4.3e+306; b: mean -2.5e+306, std 4.3e+306); set "
     "data.standardize: true\n",
     "the loss became inf at epoch 3 (lr 0.1): training diverged; the inputs reach 1e+307, too large for the "
     "network to compute with; rescale them or set data.standardize: true"),
    # ordinary data, a learning rate far too high
    ("a,b,t\n1,2,x\n3,-1,y\n5,6,x\n7,8,y\n", "optimizer: {lr: 1.0e+300}\n", "",
     "the loss became inf at epoch 2 (lr 1e+300): training diverged; try a lower learning rate, e.g. --lr 1e+299"),
])
def test_divergence_advice_names_the_cause(run, elsewhere, rows, yaml, hint, message):
    write(elsewhere, "d.csv", rows)
    write(elsewhere, "c.yaml", "data: {csv: d.csv}\nmodel: {layers: [4, 1]}\n" + yaml)
    result = run("train", "c.yaml", "-q")
    assert (result.exit_code, result.stderr) == (1, f"{hint}Error: {message}\n")


def test_ctrl_c_prints_what_was_done_and_exits_130(run, tmp_path):
    save = tmp_path / "m.json"
    with ctrl_c_at_step(4):
        result = run("train", config("tiny"), "--save", save)
    assert result.exit_code == 130
    lines = without_seconds(result.output).splitlines()
    assert [line.split()[0] for line in lines[2:5]] == ["1", "2", "3"]
    assert lines[5] == "Interrupted after 3 of 50 epochs (_): MLP 3-4-4-1 (41 parameters) on tiny."
    assert lines[7] == f"Checkpoint saved to {save}."
    assert load_checkpoint(save)["epoch"] == 3


# --- bad input: one clear line, exit 2 --------------------------------------------------------

BAD = [
    ("model: {layers: [16, -4, 1]}\n", "c.yaml: model.layers[1]: expected a positive integer, got -4"),
    ("model:\n  layers: [1\nx: 2\n", "c.yaml: invalid YAML at line 3, column 2: expected ',' or ']', but got ':'"),
    ("data: {name: moons, nosie: 0.1}\n", "c.yaml: data.nosie: unknown key (did you mean 'noise'?)"),
    ("epoch: 3\n", "c.yaml: epoch: unknown key (did you mean 'epochs'?)"),
    ("data: moons\nmodel: {layers: [4, 1]}\nloss: cross_entropy\n",
     "c.yaml: model.layers[1]: cross_entropy needs one output unit per class (2 classes in moons), got 1"),
    ("data: {name: spiral}\nloss: hinge\n",
     "c.yaml: loss.name: hinge is for two classes, but spiral has 3; use cross_entropy with model.layers[2] = 3"),
    ("loss: {name: hindge}\n", "c.yaml: loss.name: expected one of mse, hinge, bce, cross_entropy, got 'hindge' "
                               "(did you mean 'hinge'?)"),
    ("loss: bce\nmodel: {output: sigmoid}\n",
     "c.yaml: model.output: the bce loss applies the sigmoid itself and needs a linear output, got sigmoid"),
    ("loss: hinge\nmodel: {output: sigmoid}\n",
     "c.yaml: model.output: the hinge loss needs scores of either sign (targets ±1), which a sigmoid output "
     "(0 to 1) cannot give; use output linear or tanh, or loss mse"),
    ("optimizer: {name: sgd, momentum: 0.9}\n",
     "c.yaml: optimizer.momentum: not a setting of optimizer sgd (it takes lr)"),
    ("data: {test_split: 1.5}\n", "c.yaml: data.test_split: expected a number in [0, 1), got 1.5"),
    ("epochs: ten\n", "c.yaml: epochs: expected a positive integer, got 'ten'"),
    ("- 1\n- 2\n", "c.yaml: expected a mapping of settings (key: value) at the top level, got a list"),
    ("data: {csv: r.csv}\n", "r.csv, line 3: expected 3 columns as in the header, got 2"),
    ("data: {csv: n.csv}\n", "n.csv, line 3, column 'b': expected a number, got 'z'"),
    ("data: {csv: n.csv, target: tt}\n", "n.csv: no column named 'tt' for data.target (did you mean 't'?)"),
    ("data: {csv: missing.csv}\n", "missing.csv: no such file"),
    # a file's name where a data set's goes: the form a CSV file takes (issue 19)
    ("data: pets.csv\n", "c.yaml: data: pets.csv is not a built-in data set; for a CSV file write data: {csv: pets.csv}"),
    ("data: {name: my/pets}\n",
     "c.yaml: data.name: my/pets is not a built-in data set; for a CSV file write data: {csv: my/pets}"),
    ("data: nosuch\n", "c.yaml: data.name: expected one of tiny, xor, moons, circles, spiral, blobs, diabetes, digits, "
                       "iris, wine, csv, got 'nosuch'"),  # not a file's name: the choices
    # a tab, which YAML never takes for a space: where it is, in words
    ("data:\n  name: moons\n\tnoise: 0.1\n",
     "c.yaml: invalid YAML at line 3, column 1: a tab in indentation; YAML indents with spaces"),
    ("epochs:\t3\n", "c.yaml: invalid YAML at line 1, column 8: a tab where YAML expects a space; use spaces"),
]


@pytest.mark.parametrize("text, message", BAD)
def test_bad_input(run, elsewhere, text, message):
    write(elsewhere, "r.csv", "a,b,t\n1,2,x\n3,4\n")
    write(elsewhere, "n.csv", "a,b,t\n1,2,x\n3,z,y\n")
    write(elsewhere, "c.yaml", text)
    result = run("train", "c.yaml")
    assert result.exit_code == 2
    assert result.output == f"Error: {message}\n"


def test_a_file_beside_the_config_named_as_a_data_set(run, elsewhere):
    (elsewhere / "sub").mkdir()
    write(elsewhere / "sub", "pets", "a,t\n1,x\n")
    write(elsewhere / "sub", "c.yaml", "data: pets\n")
    result = run("train", "sub/c.yaml")  # (the working directory has no file named pets)
    assert (result.exit_code, result.output) == (2, "Error: sub/c.yaml: data: pets is not a built-in data set; for a CSV "
                                                    "file write data: {csv: pets}\n")


def test_missing_config(run, elsewhere):
    result = run("train", "nope.yaml")
    assert result.exit_code == 2
    assert result.output == "Error: nope.yaml: no such file\n"


# --- the tensor engine: the same numbers, faster ---------------------------------------------

SHIPPED = sorted(os.path.splitext(name)[0] for name in os.listdir(CONFIGS) if name.endswith(".yaml"))


def run_engine(name, engine, epochs=3, rows=128):
    """Train a shipped config for a few epochs on one engine (on the CPU), on at most `rows`
    of its training rows (and half as many test rows; None: all of them): -> (initial
    weights, records, final weights)."""
    from mgrad_cli.training.config import load_config
    from mgrad_cli.data.datasets import load_dataset

    cfg = load_config(config(name), {"epochs": epochs, "engine": engine, "device": "cpu"})
    ds = load_dataset(cfg["data"], cfg["seed"])
    if rows is not None:  # digits: scalar is slow
        ds.train_idx, ds.test_idx = ds.train_idx[:rows], ds.test_idx[:rows // 2]
    trainer = training.Trainer(cfg, ds)
    assert trainer.backend.name == engine
    start = trainer.params.copy()
    records = list(training.train(cfg, ds, trainer))
    return start, records, trainer.params


def test_every_config_is_shipped_and_digits_among_them():
    assert {"tiny", "moons", "iris", "wine", "xor", "circles", "spiral", "digits"} <= set(SHIPPED)


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n == "digits" else n for n in SHIPPED])
def test_both_engines_give_the_same_weights_and_losses(name):
    assert_same_runs(run_engine(name, "scalar"), run_engine(name, "tensor"))


@pytest.mark.parametrize("name", SHIPPED)
def test_the_torch_engine_gives_the_tensor_engines_weights_and_losses(name, torch):
    assert_same_runs(run_engine(name, "tensor", rows=None), run_engine(name, "torch", rows=None))


def assert_same_runs(one, other):
    """Two engines' runs of a config (run_engine's): the same initial weights bit for bit, and
    every number of the records (losses, accuracies, errors, lr) and the final weights to 1e-9."""
    (a_start, a_log, a_end), (b_start, b_log, b_end) = one, other
    assert np.array_equal(a_start, b_start)
    assert [list(r) for r in a_log] == [list(r) for r in b_log]
    for key in a_log[0]:
        if key not in ("seconds", "layers", "diagnoses"):
            a_values, b_values = ([np.nan if r[key] is None else r[key] for r in log] for log in (a_log, b_log))
            np.testing.assert_allclose(b_values, a_values, rtol=1e-9, atol=1e-12, err_msg=key)
    for a, b in zip(a_log, b_log):  # the per-layer statistics too, and the doctor's words
        assert a["diagnoses"] == b["diagnoses"]
        for a_layer, b_layer in zip(a["layers"], b["layers"], strict=True):
            assert list(a_layer) == list(b_layer)
            a_values, b_values = ([np.nan if v is None else v for v in layer.values() if not isinstance(v, str)]
                                  for layer in (a_layer, b_layer))
            np.testing.assert_allclose(b_values, a_values, rtol=1e-9, atol=1e-12, err_msg=f"layers, epoch {a['epoch']}")
    np.testing.assert_allclose(b_end, a_end, rtol=1e-9, atol=1e-12)


def test_train_engine_tensor_end_to_end(run, tmp_path):
    logs, saves = {}, {}
    for engine in ("scalar", "tensor"):
        logs[engine], saves[engine] = tmp_path / f"{engine}.jsonl", tmp_path / f"{engine}.json"
        result = run("train", config("moons"), "--epochs", "5", "--engine", engine,
                     "--log", logs[engine], "--save", saves[engine])
        assert result.exit_code == 0, result.output
        first = result.output.splitlines()[0]
        assert first.endswith("seed 1337; tensor engine.") == (engine == "tensor")
    s, t = read_log(logs["scalar"]), read_log(logs["tensor"])
    np.testing.assert_allclose([r["loss"] for r in t], [r["loss"] for r in s], rtol=1e-9, atol=0)
    assert load_checkpoint(saves["tensor"])["config"]["engine"] == "tensor"
    np.testing.assert_allclose(load_checkpoint(saves["tensor"])["weights"],
                               load_checkpoint(saves["scalar"])["weights"], rtol=1e-9, atol=1e-12)


@pytest.mark.slow
def test_a_run_resumed_on_the_other_engine_ends_as_on_the_first(run, tmp_path):
    saves = {e: tmp_path / f"{e}.json" for e in ("scalar", "tensor")}
    for engine, save in saves.items():
        assert run("train", config("moons"), "--epochs", "2", "--save", save, "-q").exit_code == 0
        result = run("train", config("moons"), "--epochs", "4", "--resume", save, "--engine", engine, "-q")
        assert result.exit_code == 0, result.output
    np.testing.assert_allclose(load_checkpoint(saves["tensor"])["weights"],
                               load_checkpoint(saves["scalar"])["weights"], rtol=1e-9, atol=1e-12)


def test_engine_option_overrides_the_config(run, tmp_path):
    cfg = write(tmp_path, "t.yaml", "engine: tensor\ndata: tiny\nmodel: {layers: [4, 1]}\nloss: mse\nepochs: 2\n")
    save = tmp_path / "m.json"
    result = run("train", cfg, "--engine", "scalar", "--save", save)
    assert result.exit_code == 0, result.output
    assert "tensor engine" not in result.output
    assert load_checkpoint(save)["config"]["engine"] == "scalar"
    result = run("train", cfg, "--engine", "numpy")
    assert result.exit_code == 2
    assert "'numpy' is not one of 'scalar', 'tensor', 'torch'" in result.output


# --- the torch engine on the command line ------------------------------------------------------

def test_train_engine_torch_says_where_it_ran_and_gives_the_tensor_engines_numbers(run, tmp_path, torch):
    logs = {e: tmp_path / f"{e}.jsonl" for e in ("tensor", "torch")}
    for engine, log in logs.items():
        result = run("train", config("moons"), "--epochs", "4", "--engine", engine, "--threads", "1", "--log", log)
        assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].endswith("seed 1337; torch engine (cpu, float64, 1 thread).")
    summary = next(line for line in lines if line.startswith("Trained "))
    assert re.fullmatch(r"Trained MLP 2-16-16-1 \(337 parameters\) on moons for 4 epochs in \S+ \S+ "
                        r"on the torch engine \(cpu, float64, 1 thread\)\.", summary), summary
    np.testing.assert_allclose([r["loss"] for r in read_log(logs["torch"])],
                               [r["loss"] for r in read_log(logs["tensor"])], rtol=1e-9)
    result = run("train", config("moons"), "--epochs", "1", "--engine", "torch", "--threads", "2", "-q")
    assert result.output.startswith("Trained MLP 2-16-16-1 (337 parameters) on moons for 1 epoch in ")
    assert result.output.splitlines()[0].endswith(" on the torch engine (cpu, float64, 2 threads).")
    torch.set_num_threads(1)  # as the other tests found it


def test_without_pytorch_engine_torch_is_one_line_and_the_rest_works(run, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` raises ImportError
    result = run("train", config("moons"), "--engine", "torch")
    assert result.exit_code == 2
    assert result.stderr == ("Error: the torch engine needs PyTorch, an optional extra; install it with: "
                             "pip install torch (or, in mgrad's checkout: pip install -e '.[torch]')\n")
    assert run("train", config("moons"), "--epochs", "2", "-q").exit_code == 0  # the README's first command
    result = run("gradcheck", "--config", config("tiny"), "--engine", "all")
    assert result.exit_code == 2 and result.stderr.startswith("Error: the torch engine needs PyTorch")


@pytest.mark.parametrize("text, message", [
    ("engine: tensor\ndtype: float32\n", "dtype: the tensor engine computes in float64 only; float32 needs engine torch"),
    ("device: cuda\n", "device: the scalar engine computes on the cpu only; cuda needs engine torch"),
    ("engine: torch\ndtype: float16\n", "dtype: expected one of auto, float64, float32, got 'float16' (did you mean 'float64'?)"),
])
def test_device_and_dtype_must_suit_the_engine(run, tmp_path, text, message):
    cfg = write(tmp_path, "d.yaml", "data: tiny\nmodel: {layers: [4, 1]}\nloss: mse\n" + text)
    result = run("train", cfg)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {cfg}: {message}\n"


def test_cuda_without_a_gpu_is_one_line(run, tmp_path, torch):
    cfg = write(tmp_path, "d.yaml", "engine: torch\ndevice: cuda\ndata: tiny\nmodel: {layers: [4, 1]}\nloss: mse\n")
    result = run("train", cfg)  # the tests see no GPU (conftest)
    no_gpu = "PyTorch sees no GPU here (torch.cuda.is_available() is False); use device cpu or auto"
    assert (result.exit_code, result.stderr) == (2, f"Error: {cfg}: device: {no_gpu}\n")  # as the file's fields are
    result = run("train", cfg, "--set", "device=cuda")  # the setting named where it was given
    assert (result.exit_code, result.stderr) == (2, f"Error: --set device=cuda: {no_gpu}\n")
    cpu = write(tmp_path, "c.yaml", "device: cuda\ndata: tiny\nmodel: {layers: [4, 1]}\nloss: mse\n")
    result = run("train", cpu, "--engine", "torch")  # the engine from an option, the device from the file
    assert (result.exit_code, result.stderr) == (2, f"Error: {cpu}: device: {no_gpu}\n")
    result = run("gradcheck", "--config", cfg)
    assert (result.exit_code, result.stderr) == (2, f"Error: {cfg}: device: {no_gpu}\n")


def test_threads_for_numpy_and_for_the_torch_engine(torch):
    from threadpoolctl import threadpool_info, threadpool_limits

    from mgrad_cli.cli.threads import cores, use_threads

    def blas():
        return max(p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas")

    cfg = {"model": {"layers": [4, 1], "activation": "relu", "output": "linear"}, "loss": {"name": "mse", "l2": 0.0},
           "device": "cpu", "dtype": "auto"}
    tensor, torch_ = (make_backend(dict(cfg, engine=e), 2) for e in ("tensor", "torch"))
    before = blas()
    try:
        assert use_threads(2, tensor) is None and blas() == 2  # numpy's BLAS; the tensor engine has no threads
        assert use_threads(1, torch_) == 1 == torch.get_num_threads() and blas() == 1
        assert use_threads(None, torch_, held_to_one=True) == cores() == torch.get_num_threads()
        assert use_threads(None, torch_, held_to_one=True, work=(337, 100)) == 1 == torch.get_num_threads()
        torch.set_num_threads(1)
        assert use_threads(None, torch_, held_to_one=False) == 1  # the user's own setting is kept
    finally:
        threadpool_limits(before, user_api="blas")
        torch.set_num_threads(1)


def test_the_default_torch_threads_rule():
    """One thread below SMALL_WORK parameters x batch rows, every core from it on."""
    from mgrad_cli.cli.threads import SMALL_WORK, torch_threads

    assert torch_threads(337, 100, 8) == 1  # micrograd's demo: moons
    assert torch_threads(SMALL_WORK // 1000 - 1, 1000, 8) == 1
    assert torch_threads(SMALL_WORK // 1000, 1000, 8) == 8
    assert torch_threads(66_817, 1_000, 16) == 16  # 2-256-256-1 on 1,000 rows


def test_the_torch_engine_chooses_its_threads_by_the_size_of_a_step(run, torch, monkeypatch):
    """moons runs on one thread; a large model on full batches on every core (3 here, as
    if the machine had three), and the header and summary name the count."""
    from mgrad_cli.cli import threads

    monkeypatch.setattr(threads, "HELD_TO_ONE", True)  # as when the user set no thread variable
    monkeypatch.setattr(threads, "cores", lambda: 3)
    try:
        small = run("train", "moons", "--engine", "torch", "--epochs", "1")
        assert "torch engine (cpu, float64, 1 thread)." in small.output.splitlines()[0]
        big = run("train", "moons", "--engine", "torch", "--epochs", "1", "--set", "model.layers=[256,256,1]",
                  "--set", "data.n_samples=200")  # 66,817 parameters x 200 rows: over SMALL_WORK
        assert big.exit_code == 0, big.output
        assert "torch engine (cpu, float64, 3 threads)." in big.output.splitlines()[0]
        assert big.output.splitlines()[-2].endswith("on the torch engine (cpu, float64, 3 threads).")
        assert torch.get_num_threads() == 3
        forced = run("train", "moons", "--engine", "torch", "--epochs", "1", "--threads", "2", "-q",
                     "--set", "model.layers=[256,256,1]", "--set", "data.n_samples=200")
        assert "(cpu, float64, 2 threads)." in forced.output  # --threads still decides
    finally:
        torch.set_num_threads(1)  # as the other tests found it


def test_digits_reaches_95_percent_on_the_tensor_engine(run, elsewhere):
    log, out = train_logged(run, elsewhere, "digits")
    assert len(log) == 20
    assert log[-1]["test_acc"] >= 0.95
    assert "test accuracy" in out and "(359 samples)" in out  # 20% of 1,797 held out


def test_graph_on_the_tensor_engine_is_a_few_dozen_nodes_with_shapes(run, tmp_path):
    out = tmp_path / "g.dot"
    result = run("train", config("digits"), "--epochs", "1", "--graph", out, "-q")
    assert result.exit_code == 0, result.output
    assert "Graph of the loss on a batch of 64 samples (21 nodes) drawn to" in result.output
    text = out.read_text()
    assert text.count("shape=record") == 21
    for shown in ("{ W1 | 64×32 | data ‖", "{ b2 | 10 | data ‖", "{ X | 64×64 | data ‖", "| no grad }",
                  "{ loss | scalar | data ", "| grad 1.0000 }", "log_softmax axis=1", "Σx²"):
        assert shown in text, shown
    again = tmp_path / "again.dot"
    run("train", config("digits"), "--epochs", "1", "--graph", again, "-q")
    assert again.read_text() == text  # node ids by position: the same DOT on every run


def test_graph_of_a_big_model_on_the_tensor_engine(run, tmp_path, dot):
    # 2-256-256-1: 66,817 parameters, far past --graph-max-nodes on the scalar engine
    cfg = write(tmp_path, "big.yaml", "engine: tensor\nseed: 1337\ndata: moons\n"
                                      "model: {layers: [256, 256, 1]}\nepochs: 1\n")
    out = tmp_path / "big.svg"
    result = run("train", cfg, "--graph", out, "--graph-max-nodes", "100", "-q")
    assert result.exit_code == 0, result.output
    assert "Graph of the loss on a batch of 100 samples (21 nodes)" in result.output
    assert "256×256" in out.read_text()


def test_one_blas_thread_unless_the_user_chose(repo):
    from mgrad_cli.cli.threads import THREAD_VARIABLES, default_to_one_thread

    env = {}
    assert default_to_one_thread(env) and env == {v: "1" for v in THREAD_VARIABLES}
    env = {"OMP_NUM_THREADS": "2"}
    assert not default_to_one_thread(env) and env == {"OMP_NUM_THREADS": "2"}
    need_module("threadpoolctl")
    import subprocess
    import sys

    probe = ("import mgrad_cli.cli.app, numpy, threadpoolctl; "
             "print(max(p['num_threads'] for p in threadpoolctl.threadpool_info() if p['user_api'] == 'blas'))")
    clean = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    for extra, want in (({}, "1"), ({"OPENBLAS_NUM_THREADS": "2"}, "2")):
        done = subprocess.run([sys.executable, "-c", probe], env=dict(clean, **extra), cwd=repo,
                              capture_output=True, text=True, check=True)
        assert done.stdout.strip() == want


def test_help_has_an_example(run):
    result = run("train", "--help")
    assert "mgrad train moons\n" in result.output  # a shipped config by its name: it runs anywhere


def test_weights_that_overflow_in_an_update_stop_the_run_and_keep_the_last_good_state(run, tmp_path):
    # lr 1e308 with l2 turns every weight into inf in one step while the loss before it is finite
    cfg = write(tmp_path, "l2.yaml", "data: {name: xor, n_samples: 20}\nmodel: {layers: [4, 1]}\n"
                                     "loss: {name: hinge, l2: 10}\noptimizer: sgd\nepochs: 1\n")
    save = tmp_path / "l2.json"
    assert run("train", cfg, "--save", save, "-q").exit_code == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy RuntimeWarning reaches the user
        result = run("train", cfg, "--resume", save, "--epochs", "3", "--lr", "1e308", "--engine", "scalar")
    assert result.exit_code == 1
    assert result.stderr.endswith(f"Saved the last good state (epoch 1) to {save}.\nError: an update made the "
                                  "weights inf or nan at epoch 2 (lr 1e+308): training diverged; try a lower "
                                  "learning rate, e.g. --lr 1e+307\n")
    ckpt = load_checkpoint(save)
    assert ckpt["epoch"] == 1 and np.all(np.isfinite(ckpt["weights"]))


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (a device that is always full)")
def test_a_log_that_cannot_be_written_is_one_line(run):
    result = run("train", config("tiny"), "--log", "/dev/full", "-q")
    assert result.exit_code == 2
    assert result.stderr == "Error: cannot write /dev/full: No space left on device\n"


# --- held-out loss, the chart, regression, early stopping ------------------------------------

def test_test_loss_is_the_loss_without_the_l2_term(run, tmp_path):
    cfg = write(tmp_path, "x.yaml", "data: {name: xor, test_split: 0.2}\nmodel: {layers: [4, 1], activation: tanh}\n"
                                    "loss: {name: bce, l2: 0.01}\noptimizer: adam\nepochs: 3\n")
    log, save = tmp_path / "x.jsonl", tmp_path / "x.json"
    assert run("train", cfg, "--log", log, "--save", save, "-q").exit_code == 0
    last = read_log(log)[-1]
    from mgrad_cli.models import evaluate

    model = evaluate.load_model(str(save))
    X, y, _, _ = evaluate.split_rows(model, "test")
    with_l2 = evaluate.evaluate(model, X, y)["loss"]  # eval reports the training loss, l2 included
    assert last["test_loss"] == pytest.approx(with_l2 - 0.01 * float(np.sum(model.params ** 2)), rel=1e-12)
    assert last["test_loss"] < with_l2


def chart_lines(output):
    """The chart's lines: from its titles to its legend."""
    lines = output.splitlines()
    start = next((i for i, line in enumerate(lines) if re.search(r"loss(, log scale)? +(accuracy|r²)$", line)), None)
    if start is None:
        return []
    return lines[start:next(i for i in range(start, len(lines)) if lines[i].startswith("── train")) + 1]


def test_chart_after_the_table_when_asked_plain_when_piped(run):
    result = run("train", config("xor"), "--epochs", "12", "--chart")
    lines = result.output.splitlines()
    chart = chart_lines(result.output)
    assert chart[0].split() == ["loss", "accuracy"] and chart[-1].startswith("── train  ━━ train and test")
    assert chart[-1].endswith("•• test")  # the legend, under the panels
    assert lines.index(chart[0]) == 2 + 12  # after the intro, the header and 12 rows
    assert len(chart) == 14 and lines[2 + 12 + 14].startswith("Trained MLP 2-8-1")  # then the summary
    assert chart[-3].lstrip().startswith("└┬") and chart[-2].split()[:1] == ["1"] and chart[-2].split()[-1] == "12"
    assert "\x1b" not in result.output and all(len(line) <= 120 for line in chart)
    assert chart_lines(run("train", config("xor"), "--epochs", "12", "--chart", "-q").output)  # --chart wins over -q
    assert not chart_lines(run("train", config("xor"), "--epochs", "12").output)  # piped: none by default
    assert not chart_lines(run("train", config("xor"), "--epochs", "12", "--no-chart").output)


def test_chart_by_default_on_a_terminal(run, monkeypatch):
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert chart_lines(run("train", config("xor"), "--epochs", "5").output)
    assert not chart_lines(run("train", config("xor"), "--epochs", "5", "--no-chart").output)


def test_regression_reports_errors_in_the_targets_units(run, tmp_path, elsewhere):
    log, save = tmp_path / "d.jsonl", tmp_path / "d.json"
    result = run("train", config("diabetes"), "--log", log, "--save", save, "--every", "100")
    assert result.exit_code == 0, result.output
    lines = without_seconds(result.output).splitlines()
    assert lines[1].split() == ["epoch", "loss", "train", "mse", "train", "mae", "train", "r²", "val", "loss",
                                "test", "mse", "test", "mae", "test", "r²", "time"]
    summary = lines[lines.index(next(x for x in lines if x.startswith("Trained MLP 10-8-1"))):]
    assert summary[0] == "Trained MLP 10-8-1 (97 parameters) on diabetes for 43 epochs in _."
    assert summary[1] == ("Stopped early at epoch 43 of 300: the validation loss has not improved for 20 epochs, "
                          "since epoch 23; the weights of epoch 23 are kept.")
    assert summary[2].startswith("At epoch 23: loss 0.537842, train MSE 2521.54, MAE 41.0327, R² 0.5635 (283 samples)")
    assert summary[2].endswith("test loss 0.585798, test MSE 3384.27, MAE 46.5730, R² 0.4571 (88 samples).")
    records = read_log(log)
    kept = records[22]
    assert kept["epoch"] == 23 and kept["test_r2"] >= 0.45  # the README's figure
    # MSE in the target's units: the standardized loss times the target's variance
    std = load_checkpoint(save)["data"]["target_std"]
    assert kept["test_mse"] == pytest.approx(kept["test_loss"] * std ** 2, rel=1e-9)
    # predict and eval undo the standardization
    doc = json.loads(run("predict", save, "-i", "59,2,32.1,101,157,93.2,38,4,4.8598,87", "--json").output)
    assert 25 <= doc["predictions"][0]["prediction"] <= 346
    ev = json.loads(run("eval", save, "--json").output)
    assert (ev["mse"], ev["r2"]) == (pytest.approx(kept["test_mse"]), pytest.approx(kept["test_r2"]))


def test_many_whole_number_targets_ask_for_the_task(run, tmp_path):
    write(tmp_path, "d.csv", "a,score\n" + "".join(f"{i},{3 * i}\n" for i in range(30)))
    cfg = write(tmp_path, "d.yaml", "data: {csv: d.csv}\nloss: mse\nmodel: {layers: [1]}\n")
    result = run("train", cfg)
    assert result.exit_code == 2
    assert result.output == (f"Error: {tmp_path / 'd.csv'}: column 'score' holds 30 different whole numbers: set "
                             f"data.task: regression to predict it as a number, or data.task: classification to "
                             f"take each number as a class\n")


def test_columns_stay_aligned_for_any_magnitude(run, tmp_path):
    write(tmp_path, "big.csv", "a,b,y\n" + "".join(f"{i},{i % 7},{1000 * i + 0.5}\n" for i in range(40)))
    cfg = write(tmp_path, "big.yaml", "data: {csv: big.csv, test_split: 0.25}\nloss: mse\n"
                                      "model: {layers: [1], output: linear}\noptimizer: {name: sgd, lr: 0.0001}\n"
                                      "epochs: 6\n")
    result = run("train", cfg)
    assert result.exit_code == 0, result.output
    table = result.stdout.splitlines()[1:8]  # (stderr holds the hint: the target is unscaled)
    assert any(len(cell) >= 6 and float(cell) > 1e5 for cell in table[1].split()[1:3])  # losses of 6+ digits
    assert len({len(line) for line in table}) == 1  # every row as wide as the header
    ends = [[m.end() for m in re.finditer(r"\S+", line)] for line in table[1:]]
    assert all(e == ends[0] for e in ends)  # every cell ends where its column does


def test_early_stopping_needs_a_validation_split(run, tmp_path):
    cfg = write(tmp_path, "e.yaml", "data: {name: xor, test_split: 0.2}\nearly_stopping: {patience: 3}\n")
    result = run("train", cfg)
    assert (result.exit_code, result.output) == (2, f"Error: {cfg}: early_stopping: needs validation rows to watch: "
                                                    f"set data.val_split (the fraction of the training rows to hold "
                                                    f"out, e.g. 0.2)\n")


def test_early_stopping_keeps_the_best_weights_and_survives_a_resume(run, tmp_path):
    whole, half = tmp_path / "whole.json", tmp_path / "half.json"
    assert run("train", config("diabetes"), "--save", whole, "-q").exit_code == 0
    ckpt = load_checkpoint(whole)
    state = ckpt["early_stopping"]
    assert (ckpt["epoch"], state["best_epoch"], state["bad_epochs"], state["stopped"]) == (43, 23, 20, True)
    assert ckpt["weights"] == state["best_weights"]
    assert min(ckpt["history"], key=lambda r: r["val_loss"])["epoch"] == 23
    # the same run in two halves: the same stop and the same weights
    assert run("train", config("diabetes"), "--save", half, "--epochs", "30", "-q").exit_code == 0
    result = run("train", config("diabetes"), "--resume", half, "--epochs", "300", "-q")
    assert result.exit_code == 0, result.output
    resumed = load_checkpoint(half)
    assert (resumed["epoch"], resumed["weights"], resumed["early_stopping"]) == (43, ckpt["weights"], state)
    result = run("train", config("diabetes"), "--resume", half)  # nothing left to do
    assert (result.exit_code, result.output) == (2, f"Error: {half}: early stopping ended this run at epoch 43 (the "
                                                    f"best validation loss was at epoch 23); raise "
                                                    f"early_stopping.patience above 20 to train on\n")


def test_times_and_counts_read_naturally(run):
    from mgrad_cli.numbers import duration, plural

    assert [duration(s) for s in (0.0004, 0.0123, 0.4126, 1.0, 12.34, 125)] == \
        ["0.4 ms", "12 ms", "413 ms", "1.0 s", "12.3 s", "2 min 05 s"]
    assert (plural(1, "epoch"), plural(2, "epoch")) == ("1 epoch", "2 epochs")
    lines = without_seconds(run("train", config("tiny"), "--epochs", "1", "-q").output).splitlines()
    assert lines[0] == "Trained MLP 3-4-4-1 (41 parameters) on tiny for 1 epoch in _."
