"""The MLP every engine trains, seen as one flat vector of numbers.

An MLP of sizes [n_in, n_1, ..., n_out] has a layer per pair of neighbouring sizes and
a neuron per unit of each layer. Its parameters, in the order of the flat vector that
the trainer, the optimizers and checkpoints hold (nn.MLP.parameters()' order):

    layer by layer, neuron by neuron: the neuron's n_in weights, then its bias

named w{layer}.{neuron}.{input} and b{layer}.{neuron} (counted from 1 for layers, from 0
for neurons and inputs). A layer's block of the vector is a matrix with a row per
neuron, [w..., b]; blocks() gives those views, flatten() puts blocks back.

MLPBackend is what the engines share: the model's description, taken from a config,
and its initial weights, drawn once for every engine.
"""

from dataclasses import dataclass

import numpy as np

from ..nn import losses, optim
from ..autograd.tensor import Tensor
from ..nn.activations import layer_activations


def n_parameters(sizes):
    """How many numbers: each neuron has a weight per input and a bias."""
    return sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))


def sizes_text(sizes):
    """[2, 16, 16, 1] -> '2-16-16-1'."""
    return "-".join(str(n) for n in sizes)


def describe(sizes, group_digits=False):
    """How mgrad names a model: 'MLP 2-16-16-1 (337 parameters)'; with group_digits the
    count reads 1,005,001 (as the memory limits' messages write their big numbers)."""
    n = n_parameters(sizes)
    return f"MLP {sizes_text(sizes)} ({n:,} parameters)" if group_digits else \
        f"MLP {sizes_text(sizes)} ({n} parameters)"


def parameter_names(sizes):
    """Every parameter's name, in the flat vector's order."""
    names = []
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        for j in range(n_out):
            names += [f"w{i + 1}.{j}.{k}" for k in range(n_in)] + [f"b{i + 1}.{j}"]
    return names


def init_params(sizes, rng):
    """Weights uniform in [-1, 1] from rng (a random.Random), biases 0, drawn neuron by
    neuron as nn.Neuron draws them: one seed gives the same network on every engine."""
    params = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        for _ in range(n_out):
            params += [rng.uniform(-1, 1) for _ in range(n_in)] + [0.0]
    return np.array(params)


def blocks(vector, sizes):
    """Each layer's block of the flat vector (a numpy array or a torch tensor): a view
    with a row per neuron, its n_in weights then its bias."""
    at = 0
    for n_in, n_out in zip(sizes, sizes[1:]):
        yield vector[at: at + n_out * (n_in + 1)].reshape(n_out, n_in + 1)
        at += n_out * (n_in + 1)


def flatten(layers):
    """The flat vector of [(W (n_in x n_out), b (n_out)), ...]: blocks()' inverse for
    weights held a column per neuron."""
    return np.concatenate([np.column_stack([W.T, b]).ravel() for W, b in layers])


@dataclass(frozen=True)
class Memory:
    """What training an MLP holds in this process's memory on an engine, in bytes: the
    parameters (with their gradients and the optimizer's state) and one step (forward and
    backward) on a batch; `step_what` words that step and `fix` says how to need less."""

    params: int
    step: int
    step_what: str
    fix: str


BATCH_FIX = "use a smaller batch_size (null is every sample) or model"


class MLPBackend:
    """What every engine shares: the MLP (sizes, activation per layer), the loss and l2,
    the initial weights and the parameters' names. An engine adds loss_and_grad, predict
    and loss_graph (see the package's docstring)."""

    name = None
    graph_samples = None  # how many samples `train --graph` draws the loss on; None: the first batch
    devices, dtypes = ("cpu",), ("float64",)  # where it can compute (the config's device and dtype)
    # bytes per unit of what an array engine builds, measured with tracemalloc (rounded up):
    PARAM_BYTES = 200          # per parameter: arrays, gradients, optimizer state
    ACTIVATION_BYTES = 8 * 6   # per unit and sample: pre-activation, output, their gradients

    def __init__(self, nin, layers, activation, output, loss, l2=0.0):
        self.nin, self.layers = nin, list(layers)
        self.activation, self.output = activation, output
        self.loss, self.l2 = loss, l2
        self.sizes = [nin] + self.layers
        self.activations = layer_activations(len(self.layers), activation, output)
        self.n_params = n_parameters(self.sizes)

    @classmethod
    def from_config(cls, config, nin):
        """The backend for a resolved config's model and loss, on inputs of nin features."""
        model, loss = config["model"], config["loss"]
        return cls(nin, model["layers"], model["activation"], model["output"], loss["name"], loss["l2"],
                   **cls.settings(config))

    @classmethod
    def settings(cls, config):
        """The engine's own settings from a resolved config, as keyword arguments."""
        return {}

    @classmethod
    def unavailable(cls, device):
        """Why `device` (one of cls.devices) cannot compute on this machine, or None."""
        return None

    @classmethod
    def memory(cls, config, sizes, rows):
        """What training an MLP of `sizes` holds in this process's memory (limits.py checks
        it): an array per layer, its gradient and the optimizer's state per parameter, and
        per sample of a step the layers' activations and two copies of the inputs."""
        step = rows * (sum(sizes[1:]) * cls.ACTIVATION_BYTES + 2 * 8 * sizes[0])
        return Memory(n_parameters(sizes) * cls.PARAM_BYTES, step,
                      f"a step on {rows:,} samples of an MLP {sizes_text(sizes)} on the {cls.name} engine",
                      BATCH_FIX)

    def data_loss(self, outputs, T):
        """The loss of outputs (n x n_out, float64) against encoded targets T, without the l2
        term: what held-out rows report. Every engine reports it in the tensor engine's form
        on the float64 outputs, so held-out losses match across engines to the last digit
        (the scalar engine's form sums in another order, and the torch engine on a GPU
        computes in float32: their own forms would move the logged numbers)."""
        with np.errstate(all="ignore"):  # a diverging model: inf or nan, reported as it is
            return float(losses.tensor_loss(self.loss, Tensor(outputs, requires_grad=False), T).data)

    def init_params(self, rng):
        return init_params(self.sizes, rng)

    def parameter_names(self):
        return parameter_names(self.sizes)

    def make_optimizer(self, cfg, n):
        """The optimizer for a resolved config's `optimizer` section and n parameters."""
        return optim.make_optimizer(cfg, n)

    def set_threads(self, n=None):
        """Threads of the engine's own (None: as they are) -> how many, or None: it has none
        (numpy's BLAS threads are set for every engine, by blas_threads)."""
        return None

    def runs_on(self):
        """Where the engine computes, for the table and summary, when it can choose; None:
        on the CPU in float64."""
        return None

    def graph_clusters(self, root):
        """{node: box title} for the nodes of a loss_graph() drawing that belong together
        (a neuron's), or None: nothing to box."""
        return None
