"""The MLP on the tensor engine, interchangeable with nn.MLP on Values.

A layer is a weight matrix W (nin x nout: column j holds neuron j's weights) and a
bias vector b, and maps a batch X (samples x nin) to act(X @ W + b). The weights are
drawn from the random.Random passed in as every engine draws them (backends.mlp), so
one seed gives the same network on both engines; flat_parameters() lists the numbers
in the flat vector's order, nn.MLP.parameters()' order.
"""

import random

import numpy as np

from . import losses
from ..backends import mlp
from .activations import ACTIVATIONS, layer_activations
from ..autograd.tensor import Tensor


class TensorMLP:
    """TensorMLP(nin, [sizes...]): as nn.MLP, `activation` for the hidden layers (or a
    list, one per layer) and `output` for the last layer."""

    def __init__(self, nin, nouts, activation="tanh", output="linear", rng=None):
        rng = rng if rng is not None else random.Random(0)
        self.activations = layer_activations(len(nouts), activation, output)
        self.sizes = [nin] + list(nouts)
        self.layers = [(Tensor(np.zeros((n_in, n_out)), f"W{i + 1}"), Tensor(np.zeros(n_out), f"b{i + 1}"), act)
                       for i, (n_in, n_out, act) in enumerate(zip(self.sizes, self.sizes[1:], self.activations))]
        self.set_flat_parameters(mlp.init_params(self.sizes, rng))

    def __call__(self, X, layers=None):
        """X: samples x nin (an array or a Tensor) -> samples x nout Tensor. Given a list
        as `layers`, each layer's outputs (an array) are appended to it."""
        x = X
        for W, b, act in self.layers:
            x = x @ W + b
            form = ACTIVATIONS[act]
            if not form.identity:
                x = form.tensor(x)  # a Tensor method (activations.py)
            if layers is not None:
                layers.append(x.data)
        return x

    def parameters(self):
        return [t for W, b, _ in self.layers for t in (W, b)]

    def zero_grad(self):
        for p in self.parameters():
            p.grad = np.zeros_like(p.data)

    def num_parameters(self):
        return mlp.n_parameters(self.sizes)

    def flat_parameters(self):
        """Every number, in the flat vector's order: per neuron its weights, then its bias."""
        return mlp.flatten([(W.data, b.data) for W, b, _ in self.layers])

    def flat_grad(self):
        """The gradients, in the order of flat_parameters()."""
        return mlp.flatten([(W.grad, b.grad) for W, b, _ in self.layers])

    def set_flat_parameters(self, vector):
        """Load numbers given in flat_parameters()' order (e.g. [p.data for p in mlp.parameters()])."""
        vector = np.asarray(vector, dtype=np.float64)
        if vector.shape != (self.num_parameters(),):
            raise ValueError(f"expected {self.num_parameters()} numbers, got {vector.size}")
        for (W, b, _), block in zip(self.layers, mlp.blocks(vector, self.sizes)):
            W.data, b.data = block[:, :-1].T.copy(), block[:, -1].copy()

    def __repr__(self):
        return f"TensorMLP({'-'.join(map(str, self.sizes))}, {', '.join(self.activations)})"


def total_loss(name, model, X, y, l2=0.0):
    """The loss `name` (losses.LOSSES) of model(X) against the encoded targets y, plus
    l2 * sum(p*p): one Tensor holding the number."""
    return losses.tensor_loss(name, model(X), y, model.parameters(), l2)
