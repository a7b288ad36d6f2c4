"""The MLP and the losses on the tensor engine, interchangeable with nn.MLP on Values.

A layer is a weight matrix W (nin x nout: column j holds neuron j's weights) and a
bias vector b, and maps a batch X (samples x nin) to act(X @ W + b). The weights are
drawn from the random.Random passed in, in nn.MLP's order exactly (layer by layer,
neuron by neuron: nin weights, then a zero bias), so one seed gives the same network
on both engines; flat_parameters() lists the numbers in nn.MLP.parameters()' order.

TensorBackend is train.py's backend interface on this engine: one TensorMLP whose
weights are loaded from the trainer's flat vector at each step, so the optimizer sees
the same numbers as with the scalar engine.
"""

import random

import numpy as np

from .nn import layer_activations
from .tensor import Tensor, constant, sumsq


class TensorMLP:
    """TensorMLP(nin, [sizes...]): as nn.MLP, `activation` for the hidden layers (or a
    list, one per layer) and `output` for the last layer."""

    def __init__(self, nin, nouts, activation="tanh", output="linear", rng=None):
        rng = rng if rng is not None else random.Random(0)
        acts = layer_activations(len(nouts), activation, output)
        sizes = [nin] + list(nouts)
        self.activations = acts
        self.layers = []  # (W, b, activation) per layer
        for i, act in enumerate(acts):
            n_in, n_out = sizes[i], sizes[i + 1]
            W = np.empty((n_in, n_out))
            for j in range(n_out):  # one neuron at a time, as nn.Neuron draws them
                W[:, j] = [rng.uniform(-1, 1) for _ in range(n_in)]
            self.layers.append((Tensor(W, f"W{i + 1}"), Tensor(np.zeros(n_out), f"b{i + 1}"), act))

    def __call__(self, X):
        """X: samples x nin (an array or a Tensor) -> samples x nout Tensor."""
        x = X
        for W, b, act in self.layers:
            x = x @ W + b
            if act != "linear":
                x = getattr(x, act)()
        return x

    def parameters(self):
        return [t for W, b, _ in self.layers for t in (W, b)]

    def zero_grad(self):
        for p in self.parameters():
            p.grad = np.zeros_like(p.data)

    def num_parameters(self):
        return sum(p.data.size for p in self.parameters())

    def flat_parameters(self):
        """Every number, in nn.MLP.parameters()' order: per neuron its weights, then its bias."""
        return _flat([(W.data, b.data) for W, b, _ in self.layers])

    def flat_grad(self):
        """The gradients, in the order of flat_parameters()."""
        return _flat([(W.grad, b.grad) for W, b, _ in self.layers])

    def set_flat_parameters(self, vector):
        """Load numbers given in flat_parameters()' order (e.g. [p.data for p in mlp.parameters()])."""
        vector = np.asarray(vector, dtype=np.float64)
        if vector.shape != (self.num_parameters(),):
            raise ValueError(f"expected {self.num_parameters()} numbers, got {vector.size}")
        at = 0
        for W, b, _ in self.layers:
            n_in, n_out = W.data.shape
            block = vector[at: at + n_out * (n_in + 1)].reshape(n_out, n_in + 1)  # a row per neuron
            W.data, b.data = block[:, :n_in].T.copy(), block[:, n_in].copy()
            at += block.size

    def __repr__(self):
        sizes = [self.layers[0][0].data.shape[0]] + [b.data.size for _, b, _ in self.layers]
        return f"TensorMLP({'-'.join(map(str, sizes))}, {', '.join(self.activations)})"


def _flat(pairs):
    # a row per neuron: its weights (a column of W) then its bias
    return np.concatenate([np.column_stack([W.T, b]).ravel() for W, b in pairs])


# --- losses: scores is the model's output (samples x outputs) --------------------

def mse(scores, y):
    """mean((score - y)^2) over every output of every sample; y real."""
    diff = scores - _targets(y, scores.shape)
    return (diff * diff).mean()


def hinge(scores, y):
    """mean(relu(1 - y * score)); y is -1 or +1 (micrograd's demo loss)."""
    return (1.0 - _targets(y, scores.shape) * scores).relu().mean()


def bce(scores, y):
    """Logistic loss of a linear score for y = -1 or +1: mean(log(1 + e^-m)), m = y * score."""
    return (-(_targets(y, scores.shape) * scores)).softplus().mean()


def cross_entropy(scores, y):
    """mean(-log softmax(scores)[label]); y holds class indices 0..outputs-1."""
    labels = np.asarray(y, dtype=np.int64).reshape(-1)
    onehot = np.zeros(scores.shape)
    onehot[np.arange(labels.size), labels] = 1.0
    return -(scores.log_softmax(axis=1) * Tensor(onehot, "onehot", requires_grad=False)).sum() / labels.size


def _targets(y, shape):
    # the targets as one constant, labelled for drawings
    return Tensor(np.reshape(y, shape), "T", requires_grad=False)


LOSSES = {"mse": mse, "hinge": hinge, "bce": bce, "cross_entropy": cross_entropy}


def l2_penalty(params):
    """sum(p*p) over every number of every parameter, as one node."""
    params = list(params)
    return sumsq(params) if params else constant(0.0)


def total_loss(name, model, X, y, l2=0.0):
    """LOSSES[name](model(X), y) + l2 * sum(p*p): one Tensor holding the number."""
    return loss_of_scores(name, model(X), y, model.parameters(), l2)


def loss_of_scores(name, scores, y, params=(), l2=0.0):
    """LOSSES[name](scores, y) + l2 * sum(p*p) over params, for scores already computed."""
    loss = LOSSES[name](scores, y)
    return loss + Tensor(l2, "l2", requires_grad=False) * l2_penalty(params) if l2 else loss


# --- the training backend (see train.py's docstring for the interface) -------------

class TensorBackend:
    """The numpy engine: one TensorMLP, a graph of a few dozen Tensors per batch."""

    name = "tensor"

    def __init__(self, nin, layers, activation, output, loss, l2=0.0):
        self.nin, self.layers = nin, list(layers)
        self.activation, self.output = activation, output
        self.loss, self.l2 = loss, l2
        self.model = TensorMLP(nin, self.layers, activation, output, rng=random.Random(0))
        self.n_params = self.model.num_parameters()

    def init_params(self, rng):
        """Weights uniform in [-1, 1] from rng, biases 0, drawn in the order nn.MLP draws them."""
        return TensorMLP(self.nin, self.layers, self.activation, self.output, rng=rng).flat_parameters()

    def _load(self, params):
        self.model.set_flat_parameters(params)
        self.model.zero_grad()

    def _batch(self, X, T):
        # the data as constants, wrapped once per batch (no gradient work for them)
        X = constant(np.asarray(X, dtype=np.float64).reshape(-1, self.nin))
        T = np.asarray(T, dtype=np.float64).reshape(X.shape[0], -1)
        X.label = "X"
        return X, T

    def loss_and_grad(self, params, X, T):
        self._load(params)
        X, T = self._batch(X, T)
        scores = self.model(X)
        loss = loss_of_scores(self.loss, scores, T, self.model.parameters(), self.l2)
        loss.backward()
        return loss.item(), self.model.flat_grad(), scores.data

    def predict(self, params, X):
        self.model.set_flat_parameters(params)
        X = constant(np.asarray(X, dtype=np.float64).reshape(-1, self.nin))
        return self.model(X).data

    def loss_graph(self, params, X, T, feature_names=None):
        """The loss on a batch (X: samples x features, or one sample) as a Tensor, after
        backward(): the tensor-level graph, a few dozen nodes whatever the model's size."""
        self._load(params)
        X, T = self._batch(X, T)
        scores = self.model(X)
        scores.label = "scores"
        loss = loss_of_scores(self.loss, scores, T, self.model.parameters(), self.l2)
        loss.label = "loss"
        loss.backward()
        return loss
