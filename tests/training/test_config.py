"""config.py: defaults, short forms, overrides, paths, and the schema's messages."""

import inspect
import math
import os

import pytest

from mgrad_cli.training.config import DEFAULTS, load_config, validate_config
from mgrad_cli.errors import ConfigError, show
from mgrad_cli.nn.optim import OPTIMIZERS, Adam, Momentum, SGD, learning_rate

import numpy as np

from conftest import REPO


def test_an_empty_config_is_every_default():
    cfg = validate_config({}, "x")
    assert cfg["seed"] == DEFAULTS["seed"] and cfg["engine"] == "scalar"
    assert cfg["data"] == {"name": "moons", "n_samples": 100, "noise": 0.1, "standardize": False, "test_split": 0.0,
                           "val_split": 0.0}
    assert cfg["early_stopping"] is None
    assert cfg["optimizer"] == {"name": "sgd", "lr": 0.1, "schedule": {"name": "constant"}}
    assert cfg["batch_size"] is None


def test_short_forms_expand_and_resolving_twice_changes_nothing():
    cfg = validate_config({"data": "tiny", "loss": "mse", "optimizer": {"name": "adam", "schedule": "cosine"}}, "x")
    assert cfg["data"]["name"] == "tiny" and cfg["loss"] == {"name": "mse", "l2": 0.0}
    assert cfg["optimizer"] == {"name": "adam", "lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8,
                                "schedule": {"name": "cosine", "end": 0.0}}
    assert validate_config(cfg, "x") == cfg


def test_yaml_exponent_without_a_dot_is_a_number(tmp_path):
    # YAML 1.2 reads 1e-4 as a number (PyYAML's YAML 1.1 reads a string); a string is never one
    (tmp_path / "c.yaml").write_text("loss: {name: hinge, l2: 1e-4}\n")
    assert load_config(tmp_path / "c.yaml")["loss"]["l2"] == 1e-4
    with pytest.raises(ConfigError, match="x: loss.l2: expected a non-negative number, got '1e-4'"):
        validate_config({"loss": {"name": "hinge", "l2": "1e-4"}}, "x")


def test_overrides_and_csv_paths_relative_to_the_config(tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "c.yaml"
    path.write_text("data: {csv: ../d.csv}\noptimizer: adam\n")
    monkeypatch.chdir("/")
    cfg = load_config(str(path), {"epochs": 7, "optimizer.lr": 0.5, "seed": 2})
    assert cfg["data"]["csv"] == str(tmp_path / "d.csv")
    assert (cfg["epochs"], cfg["optimizer"]["lr"], cfg["optimizer"]["name"], cfg["seed"]) == (7, 0.5, "adam", 2)


@pytest.mark.parametrize("raw, message", [
    ({"model": {"layers": []}}, "x: model.layers: expected a non-empty list of layer sizes, got a list []"),
    ({"model": {"layers": [4, True]}}, "x: model.layers[1]: expected a positive integer, got true"),
    ({"model": {"activaton": "relu"}}, "x: model.activaton: unknown key (did you mean 'activation'?)"),
    ({"data": {"name": "tiny", "noise": 0.1}}, "x: data.noise: not a setting of data set tiny (it takes no parameters)"),
    ({"data": {"name": "csv"}}, "x: data.csv: required when data.name is csv (the path of the CSV file)"),
    ({"optimizer": {"lr": 0}}, "x: optimizer.lr: expected a positive number, got 0"),
    ({"optimizer": {"name": "adam", "betas": [0.9]}},
     "x: optimizer.betas: expected a list of two numbers [beta1, beta2], got a list [0.9]"),
    ({"optimizer": {"schedule": {"name": "step", "end": 0.1}}},
     "x: optimizer.schedule.end: not a setting of schedule step (it takes every, gamma)"),
    ({"batch_size": 0}, "x: batch_size: expected a positive integer, got 0"),
    ({"seed": 2 ** 32}, "x: seed: expected an integer from 0 to 4294967295, got 4294967296"),
    ({"engine": "numpy"}, "x: engine: expected one of scalar, tensor, torch, got 'numpy'"),
])
def test_schema_messages(raw, message):
    with pytest.raises(ConfigError) as e:
        validate_config(raw, "x")
    assert str(e.value) == message


@pytest.mark.parametrize("value, plain, quoted", [
    (None, "null", "null"),
    (False, "false", "false"),
    (1e-4, "0.0001", "0.0001"),
    (0.1000001, "0.1000001", "0.1000001"),  # every digit where a short form would be another number
    (1 / 3, "0.3333333333333333", "0.3333333333333333"),
    (float("nan"), "nan", "nan"),
    (16, "16", "16"),
    ("relu", "relu", "'relu'"),
    ("0.5", "0.5", "'0.5'"),  # a quoted number: a string, and a message says so
    ("a\x1bb", "'a\\x1bb'", "'a\\x1bb'"),  # a control character escaped either way
    ([16, 16, 1], "[16, 16, 1]", "a list [16, 16, 1]"),
    ({"name": "sgd", "lr": 0.5}, "{name: sgd, lr: 0.5}", "a mapping {'lr': 0.5, 'name': 'sgd'}"),
    (list(range(20)), "[" + ", ".join(map(str, range(20))) + "]", "a list [0, 1, 2, 3, 4, 5, ...]"),
])
def test_a_value_reads_as_yaml_writes_it_and_a_message_says_what_kind_it_is(value, plain, quoted):
    """errors.show, the one rule for a setting's value: in a table (sweep, compare), in a
    checkpoint's resume message, and quoted in a config's 'expected ..., got X'."""
    assert (show(value), show(value, quoted=True)) == (plain, quoted)


def test_schedules():
    cfg = lambda name, **kw: {"lr": 2.0, "schedule": {"name": name, **kw}}  # noqa: E731
    assert learning_rate(cfg("constant"), 50, 100) == 2.0
    assert [learning_rate({"lr": 1.0, "schedule": {"name": "linear", "end": 0.1}}, k, 100) for k in (0, 50)] == \
        [1.0, 1.0 - 0.9 * 50 / 100]
    assert learning_rate(cfg("step", every=10, gamma=0.5), 25, 100) == 0.5
    assert learning_rate(cfg("cosine", end=0.0), 0, 100) == 2.0
    assert math.isclose(learning_rate(cfg("cosine", end=0.0), 50, 100), 1.0)


def test_the_optimizer_table_holds_the_only_defaults():
    """An optimizer's defaults are written once, in its record: its numpy step takes every
    setting from the config (make_optimizer), so its signature has none of its own."""
    for opt in OPTIMIZERS.values():
        parameters = list(inspect.signature(opt.numpy).parameters.values())
        assert [p.name for p in parameters] == ["n"] + [key for key in opt.settings if key != "lr"]
        assert all(p.default is inspect.Parameter.empty for p in parameters), opt.name


def test_optimizers_match_their_formulas_and_resume():
    g = np.array([0.5, -1.0])
    p = np.array([1.0, 2.0])
    assert SGD(2).step(p.copy(), g, 0.1).tolist() == (p - 0.1 * g).tolist()
    m = Momentum(2, 0.9)
    m.step(p.copy(), g, 0.1)
    assert m.step(p.copy(), g, 0.1).tolist() == (p - 0.1 * (0.9 * g + g)).tolist()
    adam = {key: value for key, value in OPTIMIZERS["adam"].defaults.items() if key != "lr"}
    a = Adam(2, **adam)
    q = a.step(p.copy(), g, 0.1)
    assert np.allclose(q, p - 0.1 * np.sign(g), atol=1e-6)  # the first Adam step is lr * sign(g)
    b = Adam(2, **adam)
    b.load_state_dict(a.state_dict())
    assert a.step(q.copy(), g, 0.1).tolist() == b.step(q.copy(), g, 0.1).tolist()
    with pytest.raises(ValueError):
        b.load_state_dict(SGD(2).state_dict())


def test_shipped_configs_are_valid():
    root = str(REPO / "configs")
    names = sorted(f for f in os.listdir(root) if f.endswith(".yaml"))
    assert {"tiny.yaml", "moons.yaml", "iris.yaml", "xor.yaml", "circles.yaml", "spiral.yaml"} <= set(names)
    for name in names:
        load_config(os.path.join(root, name))


def test_an_override_does_not_hide_an_invalid_section(tmp_path):
    (tmp_path / "c.yaml").write_text("optimizer: [adam, 7]\n")
    for overrides in (None, {"optimizer.lr": 0.1}):
        with pytest.raises(ConfigError) as e:
            load_config(str(tmp_path / "c.yaml"), overrides)
        assert "optimizer: expected a mapping" in str(e.value)


def test_anchors_and_merge_keys_within_the_limit_are_read():
    from mgrad_cli.training import strict_yaml

    text = ("base: &base {lr: 0.05, name: adam}\n"
            "optimizer: {<<: *base, lr: 0.02}\n"        # a merged key may be overridden
            "layers: &w [8, 8]\nmore: [*w, *w, *w]\n")
    assert strict_yaml.load(text, "c.yaml") == {
        "base": {"lr": 0.05, "name": "adam"}, "optimizer": {"lr": 0.02, "name": "adam"},
        "layers": [8, 8], "more": [[8, 8]] * 3}
