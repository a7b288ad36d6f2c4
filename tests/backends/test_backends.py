"""The backend protocol: every registered engine draws the same network and names its
parameters alike, and an engine registered at runtime (one class, one registry entry)
trains, draws, evaluates, predicts and passes gradcheck with no other change."""

import json
import random

import numpy as np
import pytest

from mgrad_cli import backends
from mgrad_cli.nn import losses
from mgrad_cli.backends import mlp
from mgrad_cli.nn.mlp import MLP
from mgrad_cli.autograd.tensor import constant
from mgrad_cli.errors import UserInputError

from conftest import need_module, write

CONFIG = """\
seed: 3
engine: {engine}
data: {{name: xor, n_samples: 40, noise: 0.2, test_split: 0.25}}
model: {{layers: [5, 1], activation: tanh, output: linear}}
loss: {{name: bce, l2: 1.0e-3}}
optimizer: {{name: adam, lr: 0.05}}
epochs: 8
batch_size: 8
"""
ACTS = {"tanh": np.tanh, "relu": lambda x: np.maximum(x, 0.0), "linear": lambda x: x,
        "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x))}


class FiniteDifferences(mlp.MLPBackend):
    """A toy engine with no autograd: a numpy forward pass, and gradients by central differences."""

    name = "fd"
    graph_samples = 2

    def predict(self, params, X, layers=None):
        x = np.asarray(X, dtype=np.float64).reshape(-1, self.nin)
        for block, act in zip(mlp.blocks(params, self.sizes), self.activations):
            x = ACTS[act](x @ block[:, :-1].T + block[:, -1])
            if layers is not None:
                layers.append(x)
        return x

    def _loss(self, params, X, T):
        return self.loss_graph(params, X, T).data.item()

    def loss_and_grad(self, params, X, T, layers=None):
        grad, h = np.empty_like(params), 1e-6
        for i in range(len(params)):
            up, down = params.copy(), params.copy()
            up[i] += h
            down[i] -= h
            grad[i] = (self._loss(up, X, T) - self._loss(down, X, T)) / (2 * h)
        return self._loss(params, X, T), grad, self.predict(params, X, layers)

    def loss_graph(self, params, X, T, feature_names=None):
        scores = constant(self.predict(params, X))
        scores.label = "scores"
        T = np.asarray(T, dtype=np.float64).reshape(len(scores.data), -1)
        loss = losses.tensor_loss(self.loss, scores, T) + self.l2 * float(np.dot(params, params))
        loss.label = "loss"
        return loss


@pytest.fixture
def fd(monkeypatch):
    monkeypatch.setitem(backends.BACKENDS, "fd", FiniteDifferences)
    return "fd"


@pytest.mark.parametrize("engine", backends.names())
def test_every_engine_draws_nn_mlps_network_and_names_it_alike(engine):
    if engine == "torch":
        need_module("torch")
    config = {"model": {"layers": [4, 3, 2], "activation": "relu", "output": "linear"},
              "loss": {"name": "mse", "l2": 0.0}, "engine": engine, "device": "auto", "dtype": "auto"}
    backend = backends.make_backend(config, 3)
    params = backend.init_params(random.Random(5))
    lecture = MLP(3, [4, 3, 2], activation="relu", rng=random.Random(5))
    assert params.tolist() == [p.data for p in lecture.parameters()]
    names = backend.parameter_names()
    assert len(names) == len(params) == mlp.n_parameters([3, 4, 3, 2]) == 16 + 15 + 8
    assert names[:5] == ["w1.0.0", "w1.0.1", "w1.0.2", "b1.0", "w1.1.0"] and names[-1] == "b3.1"


def test_blocks_and_flatten_are_inverse():
    sizes = [3, 4, 2]
    vector = np.arange(mlp.n_parameters(sizes), dtype=np.float64)
    layers = [(block[:, :-1].T, block[:, -1]) for block in mlp.blocks(vector, sizes)]
    assert layers[0][0].shape == (3, 4) and layers[1][1].tolist() == [20.0, 25.0]  # 16 numbers, then 4 weights and a bias
    assert mlp.flatten(layers).tolist() == vector.tolist()


def test_an_engine_registered_at_runtime_trains_like_the_others(run, tmp_path, fd):
    # central differences are within ~1e-9 of backpropagation: the same run, nearly the same numbers
    logs = {}
    for engine in ("tensor", fd):
        cfg = write(tmp_path, f"{engine}.yaml", CONFIG.format(engine=engine))
        result = run("train", cfg, "--log", tmp_path / f"{engine}.jsonl", "--save", tmp_path / f"{engine}.json",
                     "--graph", tmp_path / f"{engine}.dot", "-q")
        assert result.exit_code == 0, result.output
        logs[engine] = [json.loads(line) for line in (tmp_path / f"{engine}.jsonl").read_text().splitlines()]
    assert [r["loss"] for r in logs[fd]] == pytest.approx([r["loss"] for r in logs["tensor"]], rel=1e-6)
    assert logs[fd][-1]["loss"] < logs[fd][0]["loss"]
    assert "Graph of the loss on a batch of 2 samples (" in result.stdout  # its graph_samples
    assert json.loads(run("eval", tmp_path / "fd.json", "--json").stdout)["accuracy"] == \
        json.loads(run("eval", tmp_path / "tensor.json", "--json").stdout)["accuracy"]
    predicted = run("predict", tmp_path / "fd.json", "--input", "0.5,-0.5", "--json")
    assert predicted.exit_code == 0 and json.loads(predicted.stdout)["predictions"][0]["prediction"] in ("0", "1")
    checked = run("gradcheck", "--config", tmp_path / "fd.yaml", "--json")
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout)["engine"] == "fd"


def test_an_unregistered_engine_is_a_config_error(run, tmp_path):
    cfg = write(tmp_path, "c.yaml", CONFIG.format(engine="fd"))
    result = run("train", cfg)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {cfg}: engine: expected one of scalar, tensor, torch, got 'fd'\n"


class Cannot(FiniteDifferences):
    """A toy engine that cannot run here (as the torch engine without PyTorch or its GPU)."""

    name = "cannot"

    def __init__(self, *args, **kwargs):
        raise UserInputError("the cannot engine needs a machine we do not have")


class Flagged(FiniteDifferences):
    """A toy engine that words held-out losses its own way: a loss of 42 everywhere."""

    name = "flagged"

    def data_loss(self, outputs, T):
        return 42.0


def test_the_registry_names_the_fast_and_the_reference_engine(run, tmp_path, fd, monkeypatch):
    monkeypatch.setattr(backends, "FAST", fd)
    monkeypatch.setitem(backends.BACKENDS, "cannot", Cannot)
    assert backends.groups() == {"both": ("scalar", "fd"), "all": ("scalar", "tensor", "torch", "fd", "cannot")}
    cfg = write(tmp_path, "c.yaml", CONFIG.format(engine="tensor"))
    checked = run("gradcheck", "--config", cfg, "--engine", "both", "--json", "--max-params", "4")
    # (central differences of central differences agree with backpropagation to 1e-8 or so, not 1e-9)
    assert checked.exit_code in (0, 1) and json.loads(checked.stdout)["engines"] == ["scalar", "fd"]
    assert run("train", cfg, "--save", tmp_path / "m.json", "-q").exit_code == 0
    from mgrad_cli.models import evaluate

    model = evaluate.load_model(tmp_path / "m.json")
    assert model.backend.name == "tensor" and evaluate.fast_backend(model).name == "fd"
    config = dict(model.config, engine="cannot")
    assert backends.runnable_backend(config, 2).name == "fd"  # where its own engine cannot run


def test_held_out_rows_report_the_backends_data_loss(run, tmp_path, monkeypatch):
    monkeypatch.setitem(backends.BACKENDS, "flagged", Flagged)
    cfg = write(tmp_path, "c.yaml", CONFIG.format(engine="flagged"))
    assert run("train", cfg, "--log", tmp_path / "log.jsonl", "-q").exit_code == 0
    log = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert {r["test_loss"] for r in log} == {42.0} and log[0]["loss"] != 42.0
