"""The tensor engine's backend: one TensorMLP, a graph of a few dozen Tensors per batch."""

import numpy as np

from ..nn import losses
from ..autograd.tensor import constant
from ..nn.tensor_mlp import TensorMLP
from .mlp import MLPBackend


class TensorBackend(MLPBackend):
    """One TensorMLP whose weights are loaded from the flat vector at each step; a node per
    array, so `train --graph` draws the loss of a whole batch in as few nodes as one sample's."""

    name = "tensor"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.model = TensorMLP(self.nin, self.layers, self.activation, self.output)

    def _load(self, params):
        self.model.set_flat_parameters(params)
        self.model.zero_grad()

    def _batch(self, X, T):
        # the data as constants, wrapped once per batch (no gradient work for them)
        X = constant(np.asarray(X, dtype=np.float64).reshape(-1, self.nin))
        T = np.asarray(T, dtype=np.float64).reshape(X.shape[0], -1)
        X.label = "X"
        return X, T

    def loss_and_grad(self, params, X, T, layers=None):
        self._load(params)
        X, T = self._batch(X, T)
        scores = self.model(X, layers)
        loss = losses.tensor_loss(self.loss, scores, T, self.model.parameters(), self.l2)
        loss.backward()
        return loss.item(), self.model.flat_grad(), scores.data

    def predict(self, params, X):
        self.model.set_flat_parameters(params)
        X = constant(np.asarray(X, dtype=np.float64).reshape(-1, self.nin))
        return self.model(X).data

    def loss_graph(self, params, X, T, feature_names=None):
        """The loss on the batch (X, T) as a Tensor, after backward(): the tensor-level
        graph, a few dozen nodes whatever the model's size."""
        self._load(params)
        X, T = self._batch(X, T)
        scores = self.model(X)
        scores.label = "scores"
        loss = losses.tensor_loss(self.loss, scores, T, self.model.parameters(), self.l2)
        loss.label = "loss"
        loss.backward()
        return loss
