"""The loss table: a loss registered at runtime (one record) is validated, fit-checked,
trained on both engines, evaluated and predicted with, with no other change; and the
table's rules hold for every loss in it."""

import json

import numpy as np
import pytest

from mgrad_cli.nn import losses
from mgrad_cli.autograd.value import vsum
from mgrad_cli.nn.activations import ACTIVATIONS

from conftest import write

L1 = losses.Loss(
    "l1",
    scalar=lambda out, t: vsum([abs(o - ti) for o, ti in zip(out, t)]) * (1.0 / len(out)),
    tensor=lambda scores, T: (scores - T).abs().mean(),
    targets="signs", units=losses.one_per_class_or_score, regression=True,
    refuses=(("relu", "l1 wants no relu output (a rule of this test)"),))

CONFIG = """\
seed: 1
engine: {engine}
data: {{name: spiral, n_samples: 30, noise: 0.2, classes: 3, test_split: 0.2}}
model: {{layers: [6, {outputs}], activation: tanh, output: {output}}}
loss: {{name: l1, l2: 1.0e-4}}
optimizer: {{name: adam, lr: 0.05}}
epochs: 6
"""


@pytest.fixture
def l1(monkeypatch):
    monkeypatch.setitem(losses.LOSSES, "l1", L1)


def test_a_loss_registered_at_runtime_trains_on_both_engines(run, tmp_path, l1):
    logs = {}
    for engine in ("scalar", "tensor"):
        cfg = write(tmp_path, f"{engine}.yaml", CONFIG.format(engine=engine, outputs=3, output="tanh"))
        result = run("train", cfg, "--log", tmp_path / f"{engine}.jsonl", "--save", tmp_path / f"{engine}.json")
        assert result.exit_code == 0, result.output
        assert "l1 loss, adam lr 0.05" in result.stdout
        logs[engine] = [json.loads(line) for line in (tmp_path / f"{engine}.jsonl").read_text().splitlines()]
    assert [r["loss"] for r in logs["scalar"]] == pytest.approx([r["loss"] for r in logs["tensor"]], rel=1e-9)
    assert logs["scalar"][-1]["loss"] < logs["scalar"][0]["loss"]
    evaluated = json.loads(run("eval", tmp_path / "tensor.json", "--json").stdout)
    assert np.isfinite(evaluated["loss"]) and len(evaluated["confusion"]) == 3
    predicted = run("predict", tmp_path / "scalar.json", "--input", "0.1,0.2")
    assert predicted.exit_code == 0 and "score" not in predicted.stdout and "probability" not in predicted.stdout


@pytest.mark.parametrize("outputs, output, message", [
    (2, "tanh", "model.layers[1]: l1 on 3 classes needs 3 output units (one per class), got 2"),
    (3, "relu", "model.output: l1 wants no relu output (a rule of this test)"),
])
def test_a_registered_loss_brings_its_own_rules(run, tmp_path, l1, outputs, output, message):
    cfg = write(tmp_path, "c.yaml", CONFIG.format(engine="scalar", outputs=outputs, output=output))
    result = run("train", cfg)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {cfg}: {message}\n"


def test_an_unknown_loss_names_the_table(run, tmp_path):
    cfg = write(tmp_path, "c.yaml", CONFIG.format(engine="scalar", outputs=3, output="tanh"))
    result = run("train", cfg)
    assert result.exit_code == 2
    assert result.stderr == (f"Error: {cfg}: loss.name: expected one of mse, hinge, bce, cross_entropy, got 'l1'\n")


def _fits(loss, k):
    """The output units a loss may have for k classes, by its own rule."""
    return [n for n in range(1, k + 2) if loss.units(loss.name, k, n, "data", "last") is None]


@pytest.mark.parametrize("name", list(losses.LOSSES))
def test_the_targets_of_every_loss_predict_their_own_classes(name):
    """On every output a loss accepts, the targets it trains towards are read back as the
    classes they encode (0/1 targets and a 0.5 threshold on a sigmoid, ±1 and 0 elsewhere)."""
    loss = losses.LOSSES[name]
    for output in ACTIVATIONS:
        if losses.output_problem(name, output) is not None:
            continue
        for k in (2, 3):
            for n_out in _fits(loss, k):
                y = np.array([0, 1, k - 1, 1, 0])
                T = losses.encode_targets(name, y, n_out, output)
                outputs = T if loss.targets == "signs" else np.eye(k)[y] * 5
                assert losses.predict_classes(outputs, output).tolist() == y.tolist(), (output, k, n_out)
                if output == "sigmoid":
                    assert set(np.unique(T)) <= {0.0, 1.0}


@pytest.mark.parametrize("name", list(losses.LOSSES))
def test_probabilities_come_from_the_link(name):
    scores = np.array([[2.0, -1.0, 0.5], [-800.0, 0.0, 800.0]])
    probs = losses.probabilities(name, scores[:, :1] if losses.LOSSES[name].link == "sigmoid" else scores)
    if losses.LOSSES[name].link is None:
        assert probs is None
        return
    assert np.allclose(probs.sum(axis=1), 1.0) and np.all(probs >= 0)
    assert probs[0].argmax() == (1 if probs.shape[1] == 2 else 0)
