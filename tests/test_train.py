"""`mgrad train CONFIG`, end to end through click's CliRunner (the `run` fixture)."""

import json
import os
import random
import re

import numpy as np
import pytest

from mgrad_cli import train as training
from mgrad_cli.checkpoint import load_checkpoint
from mgrad_cli.datasets import moons
from mgrad_cli.engine import vsum
from mgrad_cli.nn import MLP

CONFIGS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "configs")


def config(name):
    return os.path.join(CONFIGS, f"{name}.yaml")


def read_log(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def without_seconds(text):
    """Output with the timings (the only thing that may differ between runs) blanked."""
    text = re.sub(r"in \d+\.\d s", "in _ s", text)
    text = re.sub(r"\(\d+\.\d s\)", "(_ s)", text)
    return re.sub(r"(?m) +\d+\.\d\d$", " _", text)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


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


def test_moons_is_micrograds_demo_and_reaches_100_percent(run, elsewhere):
    log, out = train_logged(run, elsewhere, "moons")
    assert len(log) == 100
    assert log[-1]["train_acc"] == 1.0
    assert "train accuracy 100.0% (100 samples)" in out
    assert [r["lr"] for r in log[:3]] == [1.0, 1.0 - 0.9 * 1 / 100, 1.0 - 0.9 * 2 / 100]

    # The same numbers as micrograd's own loop, written out here with the engine
    X, labels = moons(100, 0.1, np.random.default_rng(1337))
    y = [float(2 * t - 1) for t in labels]
    model = MLP(2, [16, 16, 1], activation="relu", output="linear", rng=random.Random(1337))
    for k in range(3):
        scores = [model(row) for row in X.tolist()]
        losses = [(1 + -yi * s).relu() for yi, s in zip(y, scores)]
        loss = vsum(losses) * (1.0 / len(losses)) + 1e-4 * vsum([p * p for p in model.parameters()])
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
        assert log[k]["loss"] == loss.data


def test_iris_generalizes(run, elsewhere):
    log, out = train_logged(run, elsewhere, "iris")
    assert log[-1]["test_acc"] >= 0.9
    assert "(30 samples)" in out  # 20% of 150 held out


def test_wine_generalizes(run, elsewhere):
    log, _ = train_logged(run, elsewhere, "wine")
    assert log[-1]["test_acc"] >= 0.9


@pytest.mark.parametrize("name, key, goal", [
    ("xor", "test_acc", 0.95),
    ("circles", "test_acc", 0.95),
    ("spiral", "train_acc", 0.95),
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
    assert lines[1].split() == ["epoch", "loss", "train", "acc", "lr", "seconds"]
    assert [line.split()[0] for line in lines[2:5]] == ["1", "2", "3"]
    assert lines[5] == "Trained MLP 3-4-4-1 (41 parameters) on tiny for 3 epochs in _ s."
    assert lines[6].startswith("Final loss ") and lines[6].endswith("(4 samples).")
    assert len(lines) == 7


def test_test_accuracy_column_only_with_a_held_out_split(run):
    result = run("train", config("xor"), "--epochs", "2")
    assert result.output.splitlines()[1].split() == ["epoch", "loss", "train", "acc", "test", "acc", "lr",
                                                    "seconds"]
    assert "test accuracy" in result.output


def test_every_shows_every_nth_epoch_and_the_last(run):
    result = run("train", config("tiny"), "--epochs", "7", "--every", "3")
    epochs = [line.split()[0] for line in result.output.splitlines()[2:-2]]
    assert epochs == ["1", "3", "6", "7"]


def test_quiet_prints_only_the_summary(run):
    result = run("train", config("tiny"), "--epochs", "3", "--quiet")
    lines = without_seconds(result.output).splitlines()
    assert lines[0] == "Trained MLP 3-4-4-1 (41 parameters) on tiny for 3 epochs in _ s."
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
    assert ckpt["format"] == "mgrad-checkpoint" and ckpt["version"] == 1
    assert ckpt["sizes"] == [4, 8, 3]
    assert len(ckpt["weights"]) == 4 * 8 + 8 + 8 * 3 + 3
    assert ckpt["epoch"] == 3
    assert ckpt["data"]["class_names"] == ["setosa", "versicolor", "virginica"]
    assert ckpt["data"]["feature_names"] == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    assert len(ckpt["data"]["mean"]) == 4 and len(ckpt["data"]["std"]) == 4
    assert ckpt["optimizer"]["name"] == "adam" and ckpt["optimizer"]["t"] == 3
    assert ckpt["config"]["data"]["csv"] == os.path.join(os.path.dirname(CONFIGS), "datasets", "iris.csv")
    assert set(ckpt["metrics"]) == {"epoch", "loss", "train_acc", "test_acc", "lr", "seconds"}
    assert os.listdir(tmp_path) == ["iris.json"]  # no temporary file left behind


def test_checkpoint_weights_reproduce_the_metrics(run, tmp_path):
    # the stored weights are the trained ones: predicting with them gives the test accuracy
    from mgrad_cli.config import load_config
    from mgrad_cli.datasets import load_dataset
    save = tmp_path / "x.json"
    run("train", config("xor"), "--save", save, "-q")
    ckpt = load_checkpoint(save)
    cfg = load_config(config("xor"))
    ds = load_dataset(cfg["data"], cfg["seed"])
    backend = training.make_backend(cfg, ds.n_features)
    outputs = backend.predict(np.array(ckpt["weights"]), ds.X_test)
    assert training.accuracy(outputs, ds.y_test, cfg) == ckpt["metrics"]["test_acc"]


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
    assert set(rows[0]) == {"epoch", "loss", "train_acc", "test_acc", "lr", "seconds"}
    assert all(0 <= r["test_acc"] <= 1 for r in rows)


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
    assert "expected a file ending in .svg, .png, .pdf or .dot, got" in result.output


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


def test_ctrl_c_prints_what_was_done_and_exits_130(run, tmp_path, monkeypatch):
    calls = []
    real = training.ScalarBackend.loss_and_grad

    def interrupted(self, *args):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(self, *args)

    monkeypatch.setattr(training.ScalarBackend, "loss_and_grad", interrupted)
    save = tmp_path / "m.json"
    result = run("train", config("tiny"), "--save", save)
    assert result.exit_code == 130
    lines = without_seconds(result.output).splitlines()
    assert [line.split()[0] for line in lines[2:5]] == ["1", "2", "3"]
    assert lines[5] == "Interrupted after 3 of 50 epochs (_ s): MLP 3-4-4-1 (41 parameters) on tiny."
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
    ("optimizer: {name: sgd, momentum: 0.9}\n",
     "c.yaml: optimizer.momentum: not a setting of optimizer sgd (it takes lr)"),
    ("data: {test_split: 1.5}\n", "c.yaml: data.test_split: expected a number in [0, 1), got 1.5"),
    ("epochs: ten\n", "c.yaml: epochs: expected a positive integer, got 'ten'"),
    ("- 1\n- 2\n", "c.yaml: expected a mapping of settings (key: value) at the top level, got a list"),
    ("data: {csv: r.csv}\n", "r.csv, line 3: expected 3 columns as in the header, got 2"),
    ("data: {csv: n.csv}\n", "n.csv, line 3, column 'b': expected a number, got 'z'"),
    ("data: {csv: n.csv, target: tt}\n", "n.csv: no column named 'tt' for data.target (did you mean 't'?)"),
    ("data: {csv: missing.csv}\n", "missing.csv: no such file"),
]


@pytest.mark.parametrize("text, message", BAD)
def test_bad_input(run, elsewhere, text, message):
    write(elsewhere, "r.csv", "a,b,t\n1,2,x\n3,4\n")
    write(elsewhere, "n.csv", "a,b,t\n1,2,x\n3,z,y\n")
    write(elsewhere, "c.yaml", text)
    result = run("train", "c.yaml")
    assert result.exit_code == 2
    assert result.output == f"Error: {message}\n"


def test_missing_config(run, elsewhere):
    result = run("train", "nope.yaml")
    assert result.exit_code == 2
    assert result.output == "Error: nope.yaml: no such file\n"


def test_tensor_engine_until_it_exists(run, elsewhere):
    try:
        from mgrad_cli.tensor import TensorBackend  # noqa: F401
        pytest.skip("the tensor engine exists")
    except ImportError:
        pass
    write(elsewhere, "c.yaml", "engine: tensor\n")
    result = run("train", "c.yaml")
    assert result.exit_code == 2
    assert result.output == ("Error: c.yaml: engine: the tensor engine is not available in this version; "
                             "use engine: scalar\n")


def test_help_has_an_example(run):
    result = run("train", "--help")
    assert "mgrad train configs/moons.yaml" in result.output
