"""The activation table: an activation registered at runtime (one record) is validated,
trained on every engine, drawn, exported to .onnx and .pt, with no other change; and
every record's forms agree with each other."""

import json
import math

import numpy as np
import pytest

from mgrad_cli.autograd.tensor import Tensor
from mgrad_cli.autograd.value import Value
from mgrad_cli.nn import activations
from mgrad_cli.nn.mlp import MLP, Neuron

from conftest import need_module, write

# a leaky relu: a, or a/4 below 0, made of the engines' relu exactly (-0.25 * 0.0 is -0.0);
# a slope that ONNX's float attribute holds exactly
LEAKY = activations.Activation(
    "leaky",
    scalar=lambda v: v.relu() + -0.25 * (-v).relu(),
    tensor=lambda t: t.relu() + -0.25 * (-t).relu(),
    torch=lambda torch, x: torch.nn.functional.leaky_relu(x, 0.25),
    torch_module=("LeakyReLU", {"negative_slope": 0.25}),
    onnx=("LeakyRelu", {"alpha": 0.25}))

CONFIG = """\
seed: 2
engine: {engine}
data: {{name: moons, n_samples: 40, noise: 0.1, test_split: 0.25}}
model: {{layers: [6, 5, 1], activation: {activation}, output: {output}}}
loss: mse
optimizer: {{name: adam, lr: 0.05}}
epochs: 3
"""


@pytest.fixture
def leaky(monkeypatch):
    monkeypatch.setitem(activations.ACTIVATIONS, "leaky", LEAKY)
    return "leaky"


def train_log(run, tmp_path, engine, activation="leaky", output="linear", *args):
    cfg = write(tmp_path, f"{engine}.yaml", CONFIG.format(engine=engine, activation=activation, output=output))
    result = run("train", cfg, "--log", tmp_path / f"{engine}.jsonl", "--save", tmp_path / f"{engine}.json", *args)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in (tmp_path / f"{engine}.jsonl").read_text().splitlines()]


def test_an_activation_registered_at_runtime_trains_on_every_engine(run, tmp_path, leaky):
    scalar = train_log(run, tmp_path, "scalar", leaky, leaky, "--graph", tmp_path / "g.dot")
    tensor = train_log(run, tmp_path, "tensor", leaky, leaky)
    assert [r["loss"] for r in scalar] == pytest.approx([r["loss"] for r in tensor], rel=1e-9)
    assert [r["test_loss"] for r in scalar] == pytest.approx([r["test_loss"] for r in tensor], rel=1e-9)
    assert scalar[-1]["loss"] < scalar[0]["loss"]
    # the drawing boxes each neuron with its activation's nodes
    assert 'label="layer 1, neuron 0"' in (tmp_path / "g.dot").read_text()


def test_a_registered_activation_trains_on_the_torch_engine(run, tmp_path, leaky, torch):
    tensor = train_log(run, tmp_path, "tensor", leaky, leaky)
    on_torch = train_log(run, tmp_path, "torch", leaky, leaky)
    assert [r["loss"] for r in on_torch] == pytest.approx([r["loss"] for r in tensor], rel=1e-9)


def test_a_registered_activation_is_a_config_choice(run, tmp_path, leaky):
    cfg = write(tmp_path, "c.yaml", CONFIG.format(engine="scalar", activation="leakey", output="linear"))
    result = run("train", cfg)
    assert result.exit_code == 2
    assert result.stderr == (f"Error: {cfg}: model.activation: expected one of tanh, relu, sigmoid, linear, "
                             f"leaky, got 'leakey' (did you mean 'leaky'?)\n")


def test_an_unregistered_activation_names_the_table(run, tmp_path):
    cfg = write(tmp_path, "c.yaml", CONFIG.format(engine="scalar", activation="leaky", output="linear"))
    result = run("train", cfg)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {cfg}: model.activation: expected one of tanh, relu, sigmoid, linear, " \
                            "got 'leaky'\n"


def test_a_registered_activation_exports_to_onnx_and_pt(run, tmp_path, leaky):
    ort, torch = need_module("onnxruntime"), need_module("torch")
    need_module("onnx")
    train_log(run, tmp_path, "tensor", leaky, "linear")
    model = tmp_path / "tensor.json"
    X = np.array([[0.5, -0.25], [1.5, 0.75], [-1.0, 0.2]])
    predicted = run("predict", model, *[a for row in X for a in ("--input", f"{row[0]},{row[1]}")], "--json")
    want = np.array([r["outputs"] for r in json.loads(predicted.stdout)["predictions"]])
    result = run("export", model, "-o", tmp_path / "m.onnx")
    assert result.exit_code == 0, result.output
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"input": X})[0], want, rtol=0, atol=1e-12)
    result = run("export", model, "-o", tmp_path / "m.pt")
    assert result.exit_code == 0, result.output
    code = result.output.split("To use it:\n", 1)[1]
    assert "    torch.nn.Linear(2, 6),\n    torch.nn.LeakyReLU(negative_slope=0.25),\n    torch.nn.Linear(6, 5),\n" in code
    scope = {"x": torch.from_numpy(X)}
    exec(code, scope)  # as a user pastes it
    np.testing.assert_allclose(scope["output"].detach().numpy(), want, rtol=0, atol=1e-12)


def test_a_registered_activation_sets_its_class_targets(monkeypatch):
    from mgrad_cli.nn import losses

    monkeypatch.setitem(activations.ACTIVATIONS, "unit", activations.Activation(
        "unit", Value.sigmoid, Tensor.sigmoid, lambda torch, x: torch.sigmoid(x), low=0.0))
    assert losses.encode_targets("mse", np.array([0, 1]), 1, "unit").tolist() == [[0.0], [1.0]]
    assert losses.class_threshold("unit") == 0.5


@pytest.mark.parametrize("name", list(activations.ACTIVATIONS))
def test_every_activations_forms_agree(name):
    """The scalar, tensor and torch forms give the same numbers and gradients; the identity
    has none, and a Neuron with it ends in its sum."""
    form = activations.ACTIVATIONS[name]
    points = [-3.0, -0.5, 0.25, 2.0]
    if form.identity:
        neuron = Neuron(2, name)
        assert neuron([Value(1.0), Value(2.0)]).op.name == "sum"
        return
    values = [Value(x) for x in points]
    outs = [form.scalar(v) for v in values]
    for o in outs:
        o.backward()
    t = Tensor(np.array(points))
    out = form.tensor(t)
    out.sum().backward()
    assert out.data.tolist() == pytest.approx([o.data for o in outs], rel=1e-15)
    assert t.grad.tolist() == pytest.approx([v.grad for v in values], rel=1e-15)
    assert all(math.isfinite(o.data) for o in outs)
    try:
        torch = need_module("torch")
    except pytest.skip.Exception:
        return
    x = torch.tensor(points, dtype=torch.float64, requires_grad=True)
    y = form.torch(torch, x)
    y.sum().backward()
    assert y.tolist() == pytest.approx(out.data.tolist(), rel=1e-15)
    assert x.grad.tolist() == pytest.approx(t.grad.tolist(), rel=1e-15)
    assert isinstance(getattr(torch.nn, form.torch_module[0])(**form.torch_module[1]), torch.nn.Module)


def test_an_mlp_of_values_reads_the_table(leaky):
    net = MLP(2, [3, 1], activation=leaky, output="linear")
    assert str(net.layers[0].neurons[0]) == "LeakyNeuron(2)"
    assert net([Value(0.5), Value(-1.0)]).op.name == "sum"  # a linear output: no node after the sum
    with pytest.raises(ValueError, match="unknown activation 'gelu'; expected one of tanh, relu, sigmoid, "
                                         "linear, leaky"):
        MLP(2, [3, 1], activation="gelu")
