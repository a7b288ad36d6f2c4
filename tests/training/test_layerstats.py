"""Per-layer statistics (training/layerstats.py): every epoch record of the log carries
them, they follow the issue's definitions, and every engine gives the same figures."""

import json
import random

import numpy as np
import pytest

from mgrad_cli.backends import mlp
from mgrad_cli.training.layerstats import activation_stats

from conftest import write

# two hidden layers and a sigmoid output (the kinds the statistics treat apart), minibatches
CONFIG = """\
seed: 3
data: {{name: moons, n_samples: 40, noise: 0.2, test_split: 0.25}}
model: {{layers: [5, 4, 1], activation: {activation}, output: sigmoid}}
loss: {{name: mse, l2: 0.001}}
optimizer: {{name: {optimizer}, lr: {lr}}}
epochs: {epochs}
batch_size: {batch_size}
engine: {engine}
"""
KEYS = ["layer", "activation", "act_mean", "act_std", "dead", "saturated", "grad_rms", "grad_data", "update_data"]


def log_of(run, tmp_path, engine="tensor", optimizer="adam", lr=0.05, epochs=4, batch_size=8, *extra,
           activation="relu"):
    cfg = write(tmp_path, f"{engine}.yaml", CONFIG.format(engine=engine, optimizer=optimizer, lr=lr, epochs=epochs,
                                                          batch_size=batch_size, activation=activation))
    log = tmp_path / f"{engine}.jsonl"
    result = run("train", cfg, "--log", log, "-q", *extra)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_every_epoch_record_has_an_entry_per_layer_output_last(run, tmp_path):
    records = log_of(run, tmp_path, "tensor", "adam", 0.05, 6, 8, "--every", "3")
    assert [r["epoch"] for r in records] == [1, 2, 3, 4, 5, 6]  # --every thins the table, not the log
    for r in records:
        assert [list(e) for e in r["layers"]] == [KEYS] * 3
        assert [(e["layer"], e["activation"]) for e in r["layers"]] == [(1, "relu"), (2, "relu"), (3, "sigmoid")]
        relu, _, sigmoid = r["layers"]
        assert relu["saturated"] is None and sigmoid["dead"] is None
        assert 0 <= relu["dead"] <= 1 and 0 <= sigmoid["saturated"] <= 1


def test_the_figures_follow_their_definitions_on_one_full_batch_sgd_step(run, tmp_path):
    """One full-batch SGD epoch from the seed's weights: the activations are the initial
    network's on the training rows, and the update is lr * grad, so update:data is
    lr * grad:data exactly."""
    (record,) = log_of(run, tmp_path, "tensor", "sgd", 0.1, 1, "null", activation="tanh")
    from mgrad_cli.data.datasets import load_dataset
    from mgrad_cli.training.config import load_config
    config = load_config(tmp_path / "tensor.yaml")
    X = load_dataset(config["data"], config["seed"]).X_train
    params = mlp.init_params([2, 5, 4, 1], random.Random(3))
    x, forms = X, [np.tanh, np.tanh, lambda a: 1 / (1 + np.exp(-a))]
    for entry, block, form in zip(record["layers"], mlp.blocks(params, [2, 5, 4, 1]), forms):
        x = form(x @ block[:, :-1].T + block[:, -1])
        assert entry["act_mean"] == pytest.approx(x.mean(), rel=1e-12)
        assert entry["act_std"] == pytest.approx(x.std(), rel=1e-12)
        assert entry["update_data"] == pytest.approx(0.1 * entry["grad_data"], rel=1e-9)
        w_rms = np.sqrt(np.mean(block[:, :-1] ** 2))
        assert entry["grad_data"] == pytest.approx(entry["grad_rms"] / w_rms, rel=1e-12)


def test_dead_and_saturated_count_as_the_issue_defines_them():
    relu = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])  # unit 0 at 0 on every row: 1 of 3 dead
    assert activation_stats("relu", relu)["dead"] == pytest.approx(1 / 3)
    tanh = np.array([[0.98, -0.971, 0.97], [0.0, -0.5, 0.5]])  # |y| > 0.97: 2 of 6
    assert activation_stats("tanh", tanh)["saturated"] == pytest.approx(2 / 6)
    sigmoid = np.array([[0.01, 0.99, 0.015, 0.985]])  # < 0.015 or > 0.985: 2 of 4
    assert activation_stats("sigmoid", sigmoid)["saturated"] == pytest.approx(2 / 4)
    linear = activation_stats("linear", np.array([[1.0, 3.0]]))
    assert (linear["dead"], linear["saturated"], linear["act_mean"], linear["act_std"]) == (None, None, 2.0, 1.0)


def agree(a, b):
    for ra, rb in zip(a, b):
        for ea, eb in zip(ra["layers"], rb["layers"]):
            for key in KEYS:
                x, y = ea[key], eb[key]
                if isinstance(x, float):
                    assert abs(x - y) <= max(1e-12, 1e-9 * abs(x)), (ra["epoch"], ea["layer"], key, x, y)
                else:
                    assert x == y, (ra["epoch"], ea["layer"], key)


@pytest.mark.parametrize("optimizer, activation", [("sgd", "relu"), ("adam", "tanh")])
def test_the_scalar_and_tensor_engines_give_the_same_figures(run, tmp_path, optimizer, activation):
    agree(log_of(run, tmp_path, "tensor", optimizer, activation=activation),
          log_of(run, tmp_path, "scalar", optimizer, activation=activation))


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_the_torch_engine_gives_the_same_figures(run, tmp_path, torch, activation):
    agree(log_of(run, tmp_path, "tensor", activation=activation), log_of(run, tmp_path, "torch", activation=activation))
