"""The optimizer table: an optimizer registered at runtime (one record) is validated with
its own settings and defaults, trains on every engine, is checkpointed and resumed, and
reaches torch.optim through its record's torch form, with no other change."""

import json

import numpy as np
import pytest

from mgrad_cli.nn import optim
from mgrad_cli.training.config import validate_config

from conftest import need_module, write


class Clipped(optim.SGD):
    """p -= lr * clip(g, -clip, clip)"""

    name = "clipped"

    def __init__(self, n, clip=1.0):
        super().__init__(n)
        self.clip = clip

    def step(self, params, grad, lr):
        self.t += 1
        params -= lr * np.clip(grad, -self.clip, self.clip)
        return params


class Nesterov(optim.Momentum):
    """v = momentum*v + g; p -= lr * (g + momentum*v): torch.optim.SGD(nesterov=True)'s form"""

    name = "nesterov"

    def step(self, params, grad, lr):
        self.t += 1
        self.v = self.momentum * self.v + grad
        params -= lr * (grad + self.momentum * self.v)
        return params


CLIPPED = optim.Optimizer("clipped", {"lr": optim.Setting(0.2, limits=optim.POSITIVE),
                                      "clip": optim.Setting(0.5, limits=optim.POSITIVE)}, Clipped)
NESTEROV = optim.Optimizer(
    "nesterov", {"lr": optim.Setting(0.05, limits=optim.POSITIVE),
                 "momentum": optim.Setting(0.8, limits=optim.BELOW_ONE)}, Nesterov,
    torch=lambda torch, params, cfg: torch.optim.SGD(params, lr=cfg["lr"], momentum=cfg["momentum"],
                                                     nesterov=True, foreach=False),
    torch_state=(("v", "momentum_buffer"),))

CONFIG = """\
seed: 4
engine: {engine}
data: {{name: moons, n_samples: 40, noise: 0.1}}
model: {{layers: [6, 1], activation: tanh}}
loss: hinge
optimizer: {optimizer}
epochs: {epochs}
batch_size: 10
"""


@pytest.fixture
def toys(monkeypatch):
    monkeypatch.setitem(optim.OPTIMIZERS, "clipped", CLIPPED)
    monkeypatch.setitem(optim.OPTIMIZERS, "nesterov", NESTEROV)


def train(run, tmp_path, engine, optimizer, epochs=4, name=None, *args):
    name = name or f"{engine}-{optimizer}"
    cfg = write(tmp_path, f"{name}.yaml", CONFIG.format(engine=engine, optimizer=optimizer, epochs=epochs))
    result = run("train", cfg, "--log", tmp_path / f"{name}.jsonl", *args)
    assert result.exit_code == 0, result.output
    log = [json.loads(line) for line in (tmp_path / f"{name}.jsonl").read_text().splitlines()]
    return result, [r["loss"] for r in log]


def test_an_optimizer_registered_at_runtime_takes_its_settings_and_defaults(toys):
    cfg = validate_config({"optimizer": "clipped"}, "c.yaml")
    assert cfg["optimizer"] == {"name": "clipped", "lr": 0.2, "clip": 0.5, "schedule": {"name": "constant"}}
    cfg = validate_config({"optimizer": {"name": "clipped", "lr": None, "clip": 2}}, "c.yaml")
    assert (cfg["optimizer"]["lr"], cfg["optimizer"]["clip"]) == (0.2, 2.0)
    assert optim.make_optimizer(cfg["optimizer"], 3).clip == 2.0


@pytest.mark.parametrize("optimizer, message", [
    ("{name: clipped, clip: 0}", "optimizer.clip: expected a positive number, got 0"),
    ("{name: clipped, momentum: 0.9}", "optimizer.momentum: not a setting of optimizer clipped (it takes lr, clip)"),
    ("{name: sgd, clip: 1}", "optimizer.clip: not a setting of optimizer sgd (it takes lr)"),
    ("{name: clipper}", "optimizer.name: expected one of sgd, momentum, adam, clipped, nesterov, got 'clipper' "
                        "(did you mean 'clipped'?)"),
    ("{name: sgd, clp: 1}", "optimizer.clp: unknown key (did you mean 'clip'?)"),
    ("{name: nesterov, momentum: 1}", "optimizer.momentum: expected a number in [0, 1), got 1"),
])
def test_a_registered_optimizer_brings_its_own_checks(run, tmp_path, toys, optimizer, message):
    cfg = write(tmp_path, "c.yaml", CONFIG.format(engine="scalar", optimizer=optimizer, epochs=1))
    result = run("train", cfg)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {cfg}: {message}\n"


def test_an_unregistered_optimizer_names_the_table(run, tmp_path):
    cfg = write(tmp_path, "c.yaml", CONFIG.format(engine="scalar", optimizer="clipped", epochs=1))
    result = run("train", cfg)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {cfg}: optimizer.name: expected one of sgd, momentum, adam, got 'clipped'\n"


@pytest.mark.parametrize("optimizer", ["clipped", "nesterov"])
def test_a_registered_optimizer_trains_alike_on_every_engine(run, tmp_path, toys, optimizer):
    result, scalar = train(run, tmp_path, "scalar", optimizer)
    assert f"hinge loss, {optimizer} lr {optim.OPTIMIZERS[optimizer].defaults['lr']:g}" in result.stdout
    _, tensor = train(run, tmp_path, "tensor", optimizer)
    assert scalar == pytest.approx(tensor, rel=1e-9)
    assert tensor[-1] < tensor[0]
    need_module("torch")
    # clipped has no torch form: optim.py's step runs there; nesterov's is torch.optim.SGD's
    _, on_torch = train(run, tmp_path, "torch", optimizer)
    assert on_torch == pytest.approx(tensor, rel=1e-9)


def test_the_torch_form_and_its_state_come_from_the_record(toys):
    torch = need_module("torch")
    from mgrad_cli import backends

    config = validate_config({"engine": "torch", "model": {"layers": [3, 1]}, "optimizer": "nesterov"}, "c.yaml")
    backend = backends.make_backend(config, 2)
    opt = backend.make_optimizer(config["optimizer"], backend.n_params)
    assert isinstance(opt.opt, torch.optim.SGD) and opt.opt.defaults["nesterov"] is True
    ref = optim.make_optimizer(config["optimizer"], backend.n_params)
    rng = np.random.default_rng(0)
    p_torch, p_ref = np.zeros(backend.n_params), np.zeros(backend.n_params)
    for _ in range(3):
        g = rng.normal(size=backend.n_params)
        opt.step(p_torch, g, 0.1)
        ref.step(p_ref, g, 0.1)
    assert p_torch == pytest.approx(p_ref, rel=1e-12)
    state = opt.state_dict()
    assert state["name"] == "nesterov" and state["t"] == 3 and state["v"] == pytest.approx(ref.v.tolist())
    again = backend.make_optimizer(config["optimizer"], backend.n_params)
    again.load_state_dict(ref.state_dict())  # numpy's state, into torch.optim's
    assert again.opt.state[again.flat]["momentum_buffer"].tolist() == pytest.approx(ref.v.tolist())
    assert isinstance(backend.make_optimizer({"name": "clipped", "lr": 0.1, "clip": 1.0}, 4), Clipped)


def test_a_registered_optimizer_resumes_from_its_checkpoint(run, tmp_path, toys):
    _, straight = train(run, tmp_path, "tensor", "nesterov", 6, "straight")
    cfg = write(tmp_path, "half.yaml", CONFIG.format(engine="tensor", optimizer="nesterov", epochs=3))
    assert run("train", cfg, "--save", tmp_path / "half.json", "-q").exit_code == 0
    assert json.loads((tmp_path / "half.json").read_text())["optimizer"]["name"] == "nesterov"
    result = run("train", cfg, "--resume", tmp_path / "half.json", "--epochs", "6", "--log", tmp_path / "r.jsonl")
    assert result.exit_code == 0, result.output
    resumed = [json.loads(line)["loss"] for line in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert resumed == straight[3:]


@pytest.mark.parametrize("name", list(optim.OPTIMIZERS))
def test_every_records_defaults_make_its_step(name):
    record = optim.OPTIMIZERS[name]
    assert list(record.settings)[0] == "lr"
    cfg = validate_config({"optimizer": name}, "c.yaml")["optimizer"]
    assert {k: cfg[k] for k in record.settings} == record.defaults
    opt = optim.make_optimizer(cfg, 2)
    assert isinstance(opt, record.numpy) and opt.name == name
    params = opt.step(np.array([1.0, -1.0]), np.array([0.5, -0.5]), cfg["lr"])
    assert params[0] < 1.0 and params[1] > -1.0
