"""The training doctor (training/doctor.py): each pathology built and diagnosed, once per
run, on stderr within the terminal width, in the log's "diagnoses", the checkpoint and
the summary; --no-doctor silences it; no shipped config gets a false alarm."""

import json

import numpy as np
import pytest

from mgrad_cli.data import shipped
from mgrad_cli.data.datasets import load_dataset
from mgrad_cli.training.config import load_config
from mgrad_cli.training import doctor
from mgrad_cli.training.trainer import Trainer

from conftest import write
from models import config_path

MOONS = """\
seed: 0
data: {{name: {data}, n_samples: 100, noise: 0.1{extra}}}
model: {{layers: [16, 16, 1], activation: {activation}, output: linear}}
loss: {{name: {loss}}}
optimizer: {{name: sgd, lr: {lr}}}
epochs: {epochs}
engine: tensor
"""
DEAD = "layer 2: 75% of ReLUs dead since epoch 2: lower the learning rate, or use tanh"
LOW = "update:data 10^-7.0: the learning rate is too low"


def train(run, tmp_path, *args, data="moons", activation="relu", loss="hinge", lr=50, epochs=30, extra="",
          env=None):
    cfg = write(tmp_path, "c.yaml", MOONS.format(data=data, activation=activation, loss=loss, lr=lr,
                                                 epochs=epochs, extra=extra))
    return run("train", cfg, "--log", tmp_path / "log.jsonl", "--save", tmp_path / "m.json", *args, env=env)


def logged(tmp_path):
    return [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]


def test_a_relu_net_at_a_huge_learning_rate_is_told_its_relus_died(run, tmp_path):
    result = train(run, tmp_path, "-q")
    assert result.exit_code == 0
    assert result.stderr == DEAD + "\n"  # once, on stderr
    assert result.stdout.splitlines()[-4:-2] == ["The training doctor said:", DEAD]  # the summary repeats it
    records = logged(tmp_path)
    assert [r["diagnoses"] for r in records] == [[DEAD] if r["epoch"] == 6 else [] for r in records]
    history = json.loads((tmp_path / "m.json").read_text())["history"]
    assert [d for r in history for d in r["diagnoses"]] == [DEAD]  # the checkpoint keeps them


def test_a_learning_rate_of_1e_7_is_too_low(run, tmp_path):
    result = train(run, tmp_path, "-q", activation="tanh", loss="mse", lr=1e-7, epochs=10)
    assert result.stderr == LOW + "\n"
    assert [r["epoch"] for r in logged(tmp_path) if r["diagnoses"]] == [5]


def test_inputs_scaled_1000x_into_tanh_saturate_it_and_the_unscaled_cause_is_named(run, tmp_path):
    X = np.random.default_rng(0).normal(size=(60, 2)) * 1000
    rows = "\n".join(f"{a},{b},{int(a + b > 0)}" for a, b in X)
    write(tmp_path, "big.csv", "x1,x2,label\n" + rows + "\n")
    cfg = write(tmp_path, "c.yaml", f"seed: 0\ndata: {{name: csv, csv: {tmp_path / 'big.csv'}}}\n"
                                    "model: {layers: [8, 2], activation: tanh, output: linear}\n"
                                    "loss: {name: cross_entropy}\noptimizer: {name: adam, lr: 0.01}\nepochs: 8\n")
    result = run("train", cfg, "-q", "--log", tmp_path / "log.jsonl")
    assert result.exit_code == 0
    hint, saturated, *others = result.stderr.splitlines()
    assert hint.startswith("Hint: inputs are far from unit scale (x") and hint.endswith("; set data.standardize: true")
    # the doctor names the cause once, in place of its advice; the hint said the setting
    assert saturated.startswith("layer 1: ") and saturated.endswith("of outputs saturated since epoch 1: "
                                                                    "standardize the inputs")
    assert "standardize" not in "".join(others)
    assert [d for r in logged(tmp_path) for d in r["diagnoses"]] == [saturated] + others
    quiet = run("train", cfg, "-q", "--no-doctor")  # --no-doctor: the hint alone, the data's
    assert quiet.exit_code == 0 and quiet.stderr == hint + "\n"
    scaled = run("train", cfg, "-q", "--set", "data.standardize=true")  # standardized: neither
    assert scaled.exit_code == 0 and "standardize" not in scaled.output


def test_no_doctor_silences_it_and_still_logs_the_statistics(run, tmp_path):
    result = train(run, tmp_path, "-q", "--no-doctor")
    assert result.exit_code == 0 and result.stderr == "" and "The training doctor" not in result.stdout
    records = logged(tmp_path)
    assert all(r["diagnoses"] == [] and len(r["layers"]) == 3 for r in records)


def test_each_line_is_wrapped_between_words_within_the_terminal(run, tmp_path):
    result = train(run, tmp_path, "-q", env={"COLUMNS": "40"})
    assert result.stderr == ("layer 2: 75% of ReLUs dead since epoch\n"
                             "  2: lower the learning rate, or use\n"
                             "  tanh\n")
    summary = result.stdout.split("The training doctor said:\n")[1]
    assert summary.startswith(result.stderr)  # the summary's lines too


def test_a_resumed_run_does_not_say_it_again(run, tmp_path):
    train(run, tmp_path, "-q", epochs=10)
    resumed = run("train", tmp_path / "c.yaml", "--resume", tmp_path / "m.json", "--epochs", "20", "-q")
    assert resumed.exit_code == 0 and resumed.stderr == ""
    assert "The training doctor said:\n" + DEAD in resumed.stdout  # the run's diagnoses, all of them


@pytest.mark.slow
@pytest.mark.parametrize("name", shipped.config_names())
def test_no_shipped_config_gets_a_false_alarm(name):
    config = load_config(config_path(name), {"engine": "tensor"})
    records = list(Trainer(config, load_dataset(config["data"], config["seed"])).run())
    assert [d for r in records for d in r["diagnoses"]] == []
    held = {rule.name: (rule, doctor.peaks(records)[rule.name][1]) for rule in doctor.RULES}
    assert [name for name, (rule, v) in held.items() if v is not None and rule.past(v)] == []

def test_the_unscaled_cause_is_layer_1s_and_only_for_unscaled_inputs(tmp_path):
    from mgrad_cli.training.doctor import Doctor

    def dead(epoch):
        return {"epoch": epoch, "layers": [{"layer": k, "dead": 1.0, "saturated": None, "update_data": 1e-3}
                                           for k in (1, 2)]}

    said = [line for doctor in (Doctor(unscaled=True), Doctor())
            for epoch in range(1, 6) for line in doctor.examine(dead(epoch))]
    assert said == ["layer 1: 100% of ReLUs dead since epoch 1: standardize the inputs",
                    "layer 2: 100% of ReLUs dead since epoch 1: lower the learning rate, or use tanh",
                    "layer 1: 100% of ReLUs dead since epoch 1: lower the learning rate, or use tanh",
                    "layer 2: 100% of ReLUs dead since epoch 1: lower the learning rate, or use tanh"]
    # a regression whose target alone is off scale: the hint names it, the doctor has no input cause
    rows = "\n".join(f"{s},{-s},{1000 + 100 * s}" for s in [1, -1, 0.5, -0.5] * 5)
    write(tmp_path, "d.csv", "a,b,price\n" + rows + "\n")
    config = load_config(write(tmp_path, "c.yaml", "data: {csv: d.csv, task: regression}\nmodel: {layers: [1]}\n"
                                                   "loss: mse\n"))
    trainer = Trainer(config, load_dataset(config["data"], config["seed"]))
    assert trainer.unscaled.target.name == "price" and trainer.doctor.unscaled is False


def test_peaks_are_what_the_doctor_compares():
    """doctor.peaks (the calibration table's figures): the worst of any epoch, and the
    worst held for PATIENCE epochs in a row, which passes a threshold exactly when the
    doctor speaks."""
    def record(epoch, dead, update):
        return {"epoch": epoch, "layers": [{"layer": 1, "dead": dead, "saturated": None, "update_data": update},
                                           {"layer": 2, "dead": None, "saturated": None, "update_data": 1e-2}]}
    dead = [0.9, 0.6, 0.55, 0.7, 0.5, 0.8, 0.1]
    update = [1e-7, 1e-6, 1e-6, 1e-6, 1e-6, 1e-6, 1e-4]
    history = [record(e + 1, d, u) for e, (d, u) in enumerate(zip(dead, update))]
    peaks = doctor.peaks(history)
    assert peaks["dead"] == (0.9, 0.5)  # epochs 1-5 and 2-6 hold 0.5 or more, 3-7 only 0.1
    assert peaks["saturated"] == (None, None)
    assert peaks["too low"][0] == pytest.approx(-2.0)  # the network's figure: its largest layer's
    fired = doctor.Doctor()
    assert [line for r in history for line in fired.examine(r)] == [
        "layer 1: 50% of ReLUs dead since epoch 1: lower the learning rate, or use tanh"]
    assert doctor.RULES[0].past(peaks["dead"][1])
