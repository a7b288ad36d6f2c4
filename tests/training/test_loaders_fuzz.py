"""Fuzzing the config and checkpoint loaders: any document gives a clean result or a
clean error (ConfigError / CheckpointError, one line), never a traceback."""

import json
import math

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mgrad_cli.training.checkpoint import load_checkpoint, save_checkpoint
from mgrad_cli.training.config import DEFAULTS, load_config, validate_config
from mgrad_cli.errors import CheckpointError, ConfigError, MgradError
from mgrad_cli.files import display_path
from mgrad_cli.models.evaluate import Model
from models import config_path, train_checkpoint

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

KEYS = ["seed", "engine", "data", "model", "loss", "optimizer", "epochs", "batch_size", "name", "layers",
        "activation", "output", "lr", "schedule", "csv", "target", "test_split", "n_samples", "noise",
        "classes", "features", "standardize", "l2", "betas", "eps", "momentum", "every", "gamma", "end",
        "format", "version", "config", "sizes", "weights", "epoch", "rng", "metrics", "history",
        "feature_names", "class_names", "mean", "std", "task"]
scalars = (st.none() | st.booleans() | st.integers(-10 ** 6, 10 ** 6) | st.integers()
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8)
           | st.sampled_from(["moons", "csv", "tiny", "adam", "relu", "hinge", "linear", "mgrad-checkpoint", "1e-3"]))
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5) | st.integers(), inner, max_size=5),
    max_leaves=25)


def one_line(error):
    text = str(error)
    assert text and "\n" not in text and "Traceback" not in text
    return text


@FUZZ
@given(documents)
def test_validate_config_on_any_document(doc):
    try:
        config = validate_config(doc, "c.yaml")
    except ConfigError as e:
        assert one_line(e).startswith("c.yaml")
        return
    assert set(config) == set(DEFAULTS)


@FUZZ
@given(st.text(max_size=120) | documents.map(lambda d: yaml.safe_dump(d, default_flow_style=True)))
def test_load_config_on_any_yaml_text(tmp_path, text):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    try:
        config = load_config(path)
    except ConfigError as e:
        assert one_line(e).startswith(display_path(path) + ": ")
        return
    assert set(config) == set(DEFAULTS)  # a config that loads is complete


@pytest.mark.parametrize("text", ["[" * 5000 + "]" * 5000, "a: " + "{b: " * 3000 + "1" + "}" * 3000,
                                  "\x00\x01", "&a [*a]", "!!python/object:os.system ls", "? [1, 2]\n: 3\n"],
                         ids=["deep-list", "deep-map", "control-chars", "alias", "python-tag", "list-key"])
def test_load_config_hostile_yaml(tmp_path, text):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as e:
        load_config(path)
    one_line(e.value)


@pytest.fixture(scope="module")
def good_checkpoint(tmp_path_factory):
    d = tmp_path_factory.mktemp("ck")
    train_checkpoint(d / "xor.json", config_path("xor"), epochs=2)
    return json.loads((d / "xor.json").read_text())


def check_loads_cleanly(path):
    try:
        ckpt = load_checkpoint(path)
    except CheckpointError as e:
        one_line(e)
        return None
    model = Model(ckpt, "m.json")  # a checkpoint that loads is usable
    try:
        out = model.outputs([[0.5] * model.n_features])
    except MgradError as e:  # pragma: no cover - none expected
        pytest.fail(f"a loaded checkpoint failed: {e}")
    assert out.shape == (1, model.sizes[-1])
    return ckpt


@FUZZ
@given(documents)
def test_load_checkpoint_on_any_json(tmp_path, doc):
    path = tmp_path / "m.json"
    path.write_text(json.dumps(doc))
    check_loads_cleanly(path)


def paths(doc, prefix=()):
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:3]):
            yield from paths(v, prefix + (i,))


@FUZZ
@given(st.data())
def test_load_checkpoint_with_one_part_replaced(tmp_path, good_checkpoint, data):
    # a real checkpoint with one field (anywhere in it) replaced by a random document
    doc = json.loads(json.dumps(good_checkpoint))
    where = data.draw(st.sampled_from(list(paths(doc))[1:]))
    node = doc
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = data.draw(documents)
    path = tmp_path / "m.json"
    path.write_text(json.dumps(doc))
    check_loads_cleanly(path)


@FUZZ
@given(st.data())
def test_load_checkpoint_truncated_or_with_a_byte_changed(tmp_path, good_checkpoint, data):
    text = json.dumps(good_checkpoint).encode()
    cut = data.draw(st.integers(0, len(text)))
    blob = text[:cut]
    if data.draw(st.booleans()) and blob:
        i = data.draw(st.integers(0, len(blob) - 1))
        blob = blob[:i] + bytes([data.draw(st.integers(0, 255))]) + blob[i + 1:]
    path = tmp_path / "m.json"
    path.write_bytes(blob)
    check_loads_cleanly(path)


@pytest.mark.parametrize("text", ["[" * 100000, "1" * 5000, '{"format": "mgrad-checkpoint", "version": true}',
                                  "NaN", "", "\xff\xfe"],
                         ids=["deep", "huge-int", "bool-version", "nan", "empty", "binary"])
def test_load_checkpoint_hostile_json(tmp_path, text):
    path = tmp_path / "m.json"
    path.write_text(text, encoding="latin-1")
    with pytest.raises(CheckpointError) as e:
        load_checkpoint(path)
    one_line(e.value)


def test_a_saved_checkpoint_round_trips(tmp_path, good_checkpoint):
    kwargs = {k: v for k, v in good_checkpoint.items() if k not in ("format", "version")}
    save_checkpoint(tmp_path / "m.json", **kwargs)
    again = load_checkpoint(tmp_path / "m.json")
    assert again["weights"] == good_checkpoint["weights"] and all(math.isfinite(w) for w in again["weights"])
