"""Every activation, one record each in ACTIVATIONS: its form on each engine and in each
export format, and the class targets an output of it is trained towards. Config
validation, nn.MLP (Values), TensorMLP, the torch engine and the ONNX and .pt exports all
read ACTIVATIONS; a new activation is one record.

    tanh      (e^a - e^-a) / (e^a + e^-a)
    relu      max(0, a)
    sigmoid   1 / (1 + e^-a)
    linear    a itself: no node in a graph, no module or operator in an export

The math of each lives in the engines' op tables (autograd.ops, autograd.tensor); a
record only says which op is the activation on each engine.
"""

from dataclasses import dataclass
from typing import Callable

from ..autograd.tensor import Tensor
from ..autograd.value import Value


@dataclass(frozen=True)
class Activation:
    """One activation. scalar(v): a Value's (a Value method: Value.tanh); tensor(t): a
    Tensor's, elementwise (a Tensor method); torch(torch, x): a PyTorch tensor's (the torch
    module is passed in: it is an optional extra). torch_module: torch.nn's module for it,
    (class name, keyword arguments); onnx: its ONNX operator, (op type, attributes).
    identity: it leaves its input as it is (linear): no form is applied, none is exported.
    low: the target of "not this class" on an output of it (the other is 1; losses.py):
    -1, or 0 on an output that never leaves 0 to 1. saturates: (low, high): an output
    below low or above high sits where the activation is flat and passes back almost no
    gradient (training/layerstats.py counts them; None: it never saturates). dies: an
    output of exactly 0 passes back no gradient at all (a ReLU's), so a unit at 0 on every
    row has stopped learning ("Building makemore part 3")."""

    name: str
    scalar: Callable = None
    tensor: Callable = None
    torch: Callable = None
    torch_module: tuple = None
    onnx: tuple = None
    identity: bool = False
    low: float = -1.0
    saturates: tuple = None
    dies: bool = False


ACTIVATIONS = {act.name: act for act in [
    Activation("tanh", Value.tanh, Tensor.tanh, lambda torch, x: torch.tanh(x), ("Tanh", {}), ("Tanh", {}),
               saturates=(-0.97, 0.97)),  # |tanh| > 0.97: the lecture's flat tails
    Activation("relu", Value.relu, Tensor.relu, lambda torch, x: torch.relu(x), ("ReLU", {}), ("Relu", {}), dies=True),
    Activation("sigmoid", Value.sigmoid, Tensor.sigmoid, lambda torch, x: torch.sigmoid(x), ("Sigmoid", {}),
               ("Sigmoid", {}), low=0.0, saturates=(0.015, 0.985)),  # the slope there is under 1/60
    Activation("linear", identity=True),
]}

# A loss's link that is no layer's activation: softmax across each row's outputs, which
# an export applies as its output head (models.export); not a config's choice.
HEADS = {"softmax": Activation("softmax", torch_module=("Softmax", {"dim": 1}), onnx=("Softmax", {"axis": 1}))}


def names():
    """The activations' names: the config's `model.activation` and `model.output` choices."""
    return tuple(ACTIVATIONS)


def get(name):
    """The record of an activation, or of an output head (HEADS)."""
    return ACTIVATIONS[name] if name in ACTIVATIONS else HEADS[name]


def layer_activations(n_layers, activation, output):
    """The activation of each layer: `activation` for the hidden ones and `output` for
    the last, or `activation` as a list with one name per layer."""
    acts = [activation] * (n_layers - 1) + [output] if isinstance(activation, str) else list(activation)
    if len(acts) != n_layers:
        raise ValueError(f"{len(acts)} activations given for {n_layers} layers")
    for act in acts:
        check(act)
    return acts


def check(name):
    """Raise ValueError unless `name` is an activation of the table."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}")
