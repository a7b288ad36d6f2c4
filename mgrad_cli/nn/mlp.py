"""Neuron, Layer and MLP built from Values, as in the lecture.

Weights are drawn from a random.Random passed in (never the global one), so the
same seed gives the same network. Every layer returns a list; the MLP returns a
single Value when its last layer has one neuron.
"""

import random

from ..autograd.value import Value, vsum
from .activations import ACTIVATIONS, check as check_activation, layer_activations


class Module:
    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self):
        return []


class Neuron(Module):
    def __init__(self, nin, activation="tanh", rng=None):
        check_activation(activation)
        rng = rng if rng is not None else random.Random(0)
        self.w = [Value(rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.activation = activation
        form = ACTIVATIONS[activation]
        self._apply = None if form.identity else form.scalar  # a Value method (activations.py)

    def __call__(self, x):
        # b + w0*x0 + w1*x1 + ...: one sum node over one product node per weight
        act = vsum([self.b] + [wi * xi for wi, xi in zip(self.w, x)])
        return act if self._apply is None else self._apply(act)

    def parameters(self):
        return self.w + [self.b]

    def __repr__(self):
        return f"{self.activation.capitalize()}Neuron({len(self.w)})"


class Layer(Module):
    def __init__(self, nin, nout, activation="tanh", rng=None):
        rng = rng if rng is not None else random.Random(0)
        self.neurons = [Neuron(nin, activation, rng) for _ in range(nout)]

    def __call__(self, x):
        return [n(x) for n in self.neurons]

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self):
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """MLP(nin, [sizes...]): `activation` for hidden layers (or a list, one per layer),
    `output` for the last layer (linear by default)."""

    def __init__(self, nin, nouts, activation="tanh", output="linear", rng=None):
        rng = rng if rng is not None else random.Random(0)
        acts = layer_activations(len(nouts), activation, output)
        sizes = [nin] + list(nouts)
        self.layers = [Layer(sizes[i], sizes[i + 1], acts[i], rng) for i in range(len(nouts))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x[0] if len(x) == 1 else x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self):
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


def neuron_clusters(mlp, root):
    """{node: 'layer k, neuron j'} for the nodes of root's graph that each neuron of mlp
    made: its weights and bias, its products w*x, its sum and its activation (so a
    drawing can box each neuron). Numbered as the parameters' names are (`b1.0` is the
    bias of layer 1, neuron 0). Reads the graph as Neuron.__call__ builds it: a sum whose first term is the
    bias, then the activation of that sum."""
    parents = {}
    for v in root.topo():
        for child in v.children:
            parents.setdefault(child, []).append(v)
    clusters = {}
    for k, layer in enumerate(mlp.layers, 1):
        for j, neuron in enumerate(layer.neurons):
            title = f"layer {k}, neuron {j}"
            for total in parents.get(neuron.b, ()):
                if total.op is None or total.op.kind != "nary" or total.children[0] is not neuron.b:
                    continue
                made = [neuron.b, *neuron.w, total, *total.children[1:]]
                made += [p for p in parents.get(total, ()) if not ACTIVATIONS[neuron.activation].identity
                         and len(p.children) == 1]
                clusters.update((node, title) for node in made)
    return clusters
