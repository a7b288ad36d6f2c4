"""The scalar engine's backend: the lecture's nn.MLP of Values, a Value graph per batch."""

import numpy as np

from .. import backends
from ..nn import losses
from ..autograd.value import Value
from ..nn.mlp import MLP, neuron_clusters
from .mlp import BATCH_FIX, Memory, MLPBackend, n_parameters


class ScalarBackend(MLPBackend):
    """One nn.MLP whose Values are loaded from the flat vector before each batch; a node
    per number, so `train --graph` draws the loss of one sample."""

    name = "scalar"
    graph_samples = 1
    # bytes per unit of what it builds, measured with tracemalloc (rounded up):
    NODE_BYTES = 150    # per Value in a training step's graph (two-slot nodes, topo list and set)
    PARAM_BYTES = 350   # per parameter: its Value, lists, optimizer state

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.model = MLP(self.nin, self.layers, activation=self.activation, output=self.output)
        self.params = self.model.parameters()  # the flat vector's order (mlp.py)

    @classmethod
    def memory(cls, config, sizes, rows):
        """A Value per parameter (two more nodes each under l2), and per sample of a step a
        constant and a product node per weight, a sum and an activation per unit, and a
        few nodes per output for the loss."""
        per_param = cls.PARAM_BYTES + (2 * cls.NODE_BYTES if config["loss"]["l2"] else 0)
        products = sum(a * b for a, b in zip(sizes, sizes[1:]))
        nodes = 2 * products + 2 * sum(sizes[1:]) + 6 * sizes[-1]
        return Memory(n_parameters(sizes) * per_param, rows * nodes * cls.NODE_BYTES,
                      f"a step on {rows:,} samples on the {cls.name} engine ({nodes:,} graph nodes each)",
                      f"{BATCH_FIX}, or engine: {backends.FAST}")

    def _load(self, params):
        for p, w in zip(self.params, params.tolist()):
            p.data = w
            p.grad = 0.0

    def _forward(self, rows):
        outs = []
        for row in rows:
            out = self.model(row)
            outs.append(out if isinstance(out, list) else [out])
        return outs

    def _forward_layers(self, rows, layers):
        """_forward, keeping each layer's outputs' numbers (a list per layer, a row per sample)."""
        outs, kept = [], [[] for _ in self.model.layers]
        for row in rows:
            x = row
            for layer, numbers in zip(self.model.layers, kept):
                x = layer(x)
                numbers.append([v.data for v in x])
            outs.append(x)
        layers.extend(np.array(numbers, dtype=np.float64) for numbers in kept)
        return outs

    def loss_and_grad(self, params, X, T, layers=None):
        self._load(params)
        # the plain forward pass stays as the lecture writes it when nothing is measured
        outs = self._forward(X.tolist()) if layers is None else self._forward_layers(X.tolist(), layers)
        loss = losses.scalar_loss(self.loss, outs, T, self.params, self.l2)
        loss.backward()
        grad = np.array([p.grad for p in self.params])
        return loss.data, grad, np.array([[o.data for o in out] for out in outs])

    def predict(self, params, X):
        self._load(params)
        return np.array([[o.data for o in out] for out in self._forward(X.tolist())]).reshape(len(X), -1)

    def loss_graph(self, params, X, T, feature_names=None):
        """The loss on the batch (X, T), with labelled inputs and parameters, after backward()."""
        self._load(params)
        X = np.asarray(X, dtype=np.float64).reshape(-1, self.nin)
        names = feature_names or [f"x{i}" for i in range(self.nin)]
        for p, name in zip(self.params, self.parameter_names()):
            p.label = name
        outs = self._forward([[Value(float(v), label=n) for v, n in zip(row, names)] for row in X])
        loss = losses.scalar_loss(self.loss, outs, np.asarray(T, dtype=np.float64).reshape(len(X), -1),
                                  self.params, self.l2)
        loss.label = "loss"
        loss.backward()
        return loss

    def graph_clusters(self, root):
        """Each neuron's nodes (its weights and bias, products, sum and activation), to box."""
        return neuron_clusters(self.model, root)
