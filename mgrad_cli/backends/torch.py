"""The torch engine's backend: the same MLP, losses and optimizers on PyTorch, for bigger
data, more cores or a GPU.

PyTorch is an optional extra (pip install torch): the registry imports this module only
when the torch engine is asked for, and torch itself is imported through require_torch(),
which says what to install.

The flat parameter vector (backends.mlp's order) is one tensor on the device (on the CPU
in float64, the trainer's numpy vector itself). Each layer's weight (out x in, as
torch.nn.Linear holds it) and bias are leaves of their own, kept from step to step
(Leaves): a copy and a gather fill them from the flat vector, and one gather puts
their gradients back in its order. The losses are the torch forms of the loss records
(losses.LOSSES). In float64 on the CPU the engine gives the tensor engine's numbers to
float64 rounding.

The optimizers are torch.optim's, as each record of optim.OPTIMIZERS maps it: SGD
(p -= lr*g), SGD with momentum and no dampening (v = m*v + g; p -= lr*v) and Adam
(bias-corrected, no weight decay, no amsgrad) are optim.py's formulas, only grouped
differently, so they stand in for optim.py's here. Their state converts to and from
optim.py's state_dict, so a checkpoint moves between engines. The learning rate of each
epoch is optim.learning_rate's, as on every engine.
"""

import math

import numpy as np

from .. import extras
from ..nn import activations, losses, optim
from ..errors import UserInputError
from .mlp import BATCH_FIX, Memory, MLPBackend, blocks, n_parameters


def require_torch(what="the torch engine"):
    """Import torch, or raise UserInputError naming the extra to install (exit 2)."""
    return extras.require("torch", what, "torch", "PyTorch")


NO_GPU = "PyTorch sees no GPU here (torch.cuda.is_available() is False); use device cpu or auto"


def resolve(device="auto", dtype="auto"):
    """(device, dtype) that will run: auto picks cuda when PyTorch sees a GPU, and float64
    on the CPU, float32 on CUDA (a GPU's float64 is many times slower)."""
    torch = require_torch()
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    elif _no_gpu(torch, device):
        raise UserInputError(f"device cuda: {NO_GPU}")
    if dtype == "auto":
        dtype = "float32" if device == "cuda" else "float64"
    return device, dtype


def _no_gpu(torch, device):
    """NO_GPU when `device` is cuda and PyTorch sees no GPU, else None."""
    return NO_GPU if device == "cuda" and not torch.cuda.is_available() else None


def _gpu(device):
    """Whether a config's device computes on a GPU: cuda, or auto where PyTorch sees one
    (not when PyTorch is missing: the run will say so)."""
    if device != "auto":
        return device == "cuda"
    try:
        return resolve(device)[0] == "cuda"
    except UserInputError:
        return False


class TorchBackend(MLPBackend):
    """PyTorch: one flat parameter tensor on `device` in `dtype`, torch.optim's optimizers."""

    name = "torch"
    devices, dtypes = ("cpu", "cuda"), ("float64", "float32")

    def __init__(self, *args, device="auto", dtype="auto", **kwargs):
        super().__init__(*args, **kwargs)
        torch = self.torch = require_torch()
        if losses.get(self.loss).torch is None:
            raise UserInputError(f"loss.name: {self.loss} has no form for the torch engine")
        self.device_name, self.dtype_name = resolve(device, dtype)
        self.device, self.dtype = torch.device(self.device_name), getattr(torch, self.dtype_name)
        self.host64 = self.device_name == "cpu" and self.dtype_name == "float64"
        self.threads = None  # set_threads() says
        self.leaves = None  # the layers' leaf tensors, made at the first step

    @classmethod
    def settings(cls, config):
        return {"device": config["device"], "dtype": config["dtype"]}

    @classmethod
    def unavailable(cls, device):
        """NO_GPU for cuda where PyTorch sees no GPU; None without PyTorch (the run names
        the extra to install)."""
        if device != "cuda":
            return None  # (without importing PyTorch)
        try:
            return _no_gpu(require_torch(), device)
        except UserInputError:
            return None

    @classmethod
    def memory(cls, config, sizes, rows):
        """On the CPU, an array engine's. On a GPU a step's activations and gradients live in
        the GPU's memory, which this does not count: this process holds the parameters'
        vectors that the trainer, early stopping and checkpoints keep in numpy (the same
        bytes per parameter), and each batch's inputs, targets and outputs on their way."""
        host = super().memory(config, sizes, rows)
        if not _gpu(config["device"]):
            return host
        return Memory(host.params, rows * 2 * 8 * (sizes[0] + sizes[-1]),
                      f"{host.step_what} (its inputs and outputs; the rest is in the GPU's memory)", BATCH_FIX)

    def tensor(self, array):
        """A numpy array (or list) as a tensor on the device, in the engine's dtype (on the
        CPU in float64, a contiguous float64 array's memory itself, by the shortest path)."""
        if self.host64 and type(array) is np.ndarray and array.dtype == np.float64 and array.flags.c_contiguous:
            return self.torch.from_numpy(array)
        return self.torch.as_tensor(np.asarray(array), dtype=self.dtype, device=self.device)

    def numpy(self, t):
        """A float64 numpy array of t (no copy for a float64 tensor on the CPU)."""
        return t.detach().to("cpu", self.torch.float64).numpy()

    def views(self, flat):
        """[(weight (out x in), bias)] of each layer: views of the flat tensor's blocks."""
        return [(block[:, :-1], block[:, -1]) for block in blocks(flat, self.sizes)]

    def forward(self, layers, X, outputs=None):
        """The scores (n x outputs) of the MLP with these layers (self.views()); given a
        list as `outputs`, each layer's outputs (float64 numpy) are appended to it."""
        x = X
        for (weight, bias), act in zip(layers, self.activations):
            x = self.torch.nn.functional.linear(x, weight, bias)  # a row per neuron
            form = activations.ACTIVATIONS[act]
            if not form.identity:
                x = form.torch(self.torch, x)
            if outputs is not None:
                outputs.append(self.numpy(x))
        return x

    def loss_and_grad(self, params, X, T, outputs=None):
        """The loss (a float), its gradient (flat, float64 numpy) and the scores. The layers
        are the Leaves' (made once), so a step makes no views and copies per layer, and
        backward() runs no view ops of one flat tensor. The l2 term, l2 * p.p, is added
        by hand with its gradient 2 * l2 * p (the same numbers autograd gives)."""
        flat = self.tensor(params)
        if self.leaves is None:
            self.leaves = Leaves(self.torch, self.sizes, self.dtype, self.device)
        layers = self.leaves.load(flat)
        X = self.tensor(X).reshape(-1, self.nin)
        scores = self.forward(layers, X, outputs)
        loss = losses.LOSSES[self.loss].torch(self.torch, scores, self.tensor(T).reshape(len(X), -1))
        loss.backward()
        grad = self.leaves.grad()
        if self.l2:
            loss = loss.detach() + self.l2 * self.torch.dot(flat, flat)
            grad.add_(flat, alpha=2 * self.l2)
        return loss.item(), self.numpy(grad), self.numpy(scores)

    def predict(self, params, X):
        with self.torch.no_grad():
            return self.numpy(self.forward(self.views(self.tensor(params)), self.tensor(X).reshape(-1, self.nin)))

    def loss_graph(self, params, X, T, feature_names=None):
        """PyTorch's graph is not made of mgrad's nodes: this draws the tensor engine's graph
        of the same computation (the same numbers, in float64)."""
        from .tensor import TensorBackend

        tensor = TensorBackend(self.nin, self.layers, self.activation, self.output, self.loss, self.l2)
        return tensor.loss_graph(params, X, T, feature_names)

    def set_threads(self, n=None):
        """Let PyTorch use n threads on the CPU (None: as it is). -> the threads it uses."""
        if n is not None:
            self.torch.set_num_threads(n)
        self.threads = self.torch.get_num_threads()
        return self.threads

    def runs_on(self):
        where = f"{self.device_name}, {self.dtype_name}"
        if self.threads is None or self.device_name != "cpu":
            return where
        return f"{where}, {self.threads} thread{'s' if self.threads > 1 else ''}"

    def make_optimizer(self, cfg, n):
        """torch.optim's optimizer for a resolved config's `optimizer` section (its record's
        torch form, optim.OPTIMIZERS), or optim.py's where the record has none."""
        if optim.get(cfg["name"]).torch is None:
            return optim.make_optimizer(cfg, n)
        return TorchOptimizer(self, cfg, n)


class Leaves:
    """Each layer's weight (out x in) and bias as leaf tensors of their own, kept from
    step to step. The weights are views of a buffer in the flat vector's layout, which
    one copy fills (BLAS reads a weight's rows at their stride, as it would a copy's);
    the biases are one contiguous buffer, which one gather fills (a bias is broadcast
    over the rows of its layer's output: strided, that costs more than the product).
    Their .grad are set once, to views of a third buffer where each leaf's gradient is
    contiguous, as autograd lays out a gradient of its own: backward() adds each one
    into it, and one gather puts that buffer in the flat vector's order.

    The gradients' buffer is filled with -0.0 before each backward: -0.0 + g is g for
    every g (+0.0 included, where 0.0 + -0.0 would not keep the sign), so the gradient
    is autograd's to the bit, as a copy would be."""

    def __init__(self, torch, sizes, dtype, device):
        self.torch = torch
        self.values = torch.empty(n_parameters(sizes), dtype=dtype, device=device)
        self.grads = torch.empty_like(self.values)
        places = list(blocks(np.arange(len(self.values)), sizes))  # each number's place in the flat vector
        self.gather = torch.as_tensor(np.concatenate([p[:, -1] for p in places]), device=device)
        self.biases = torch.empty(len(self.gather), dtype=dtype, device=device)
        leaves, order, at, filled = [], [], 0, 0  # order: the flat places of the gradients' buffer
        for block, where in zip(blocks(self.values, sizes), places):
            bias = self.biases[at:at + len(block)]
            at += len(block)
            for part, spot in ((block[:, :-1], where[:, :-1]), (bias, where[:, -1])):
                # detach(): a leaf sharing the buffer's memory, not an autograd view of it
                leaf = part.detach().requires_grad_()
                leaf.grad = self.grads[filled:filled + spot.size].view(spot.shape)
                filled += spot.size
                order.append(spot.ravel())
                leaves.append(leaf)
        self.layers = list(zip(leaves[::2], leaves[1::2]))
        self.scatter = torch.as_tensor(np.argsort(np.concatenate(order)), device=device)

    def load(self, flat):
        """The layers [(weight, bias)] holding the flat tensor's numbers, gradients at -0.0
        (no autograd here: the buffers need no gradient, the leaves are not their views)."""
        self.values.copy_(flat)
        self.torch.index_select(flat, 0, self.gather, out=self.biases)
        self.grads.fill_(-0.0)
        return self.layers

    def grad(self):
        """The gradient backward() left, as a new flat tensor."""
        return self.torch.index_select(self.grads, 0, self.scatter)


def _unwrapped(step):
    """A torch.optim step function under its decorators (functools.wraps keeps each one's
    __wrapped__); the step as it is where a PyTorch version wraps it otherwise."""
    while hasattr(step, "__wrapped__"):
        step = step.__wrapped__
    return step


class TorchOptimizer:
    """A torch.optim optimizer (its record's torch form) on one flat tensor, with optim.py's
    interface and state_dict: step(params, grad, lr) updates the numpy vector params in place."""

    def __init__(self, backend, cfg, n):
        torch = backend.torch
        self.backend, self.cfg, self.name, self.n, self.t = backend, cfg, cfg["name"], n, 0
        self.record = optim.get(self.name)
        self.flat = torch.zeros(n, dtype=backend.dtype, device=backend.device, requires_grad=True)
        # on the CPU in float64 the tensor is the trainer's numpy vector itself (no copies)
        self.shared = backend.device.type == "cpu" and backend.dtype == torch.float64
        self.opt = self.record.torch(torch, [self.flat], cfg)
        # the optimizer's own step, without the wrapper every torch.optim optimizer's step
        # gets (profiler labels, step hooks, grad mode): a third of SGD's time on a small
        # model. This optimizer is ours alone and has no hooks; no_grad is set around it.
        self._step = _unwrapped(type(self.opt).step)

    def step(self, params, grad, lr):
        torch = self.backend.torch
        if self.shared:
            self.flat.data = torch.from_numpy(params)
            self.flat.grad = torch.from_numpy(np.ascontiguousarray(grad, dtype=np.float64))
        else:
            with torch.no_grad():
                self.flat.copy_(self.backend.tensor(params))
            self.flat.grad = self.backend.tensor(grad)
        self.opt.param_groups[0]["lr"] = lr
        with torch.no_grad():
            self._step(self.opt)
        self.t += 1
        if not self.shared:
            params[:] = self.backend.numpy(self.flat)
        return params

    def _state(self):
        return self.opt.state.get(self.flat, {})

    def is_finite(self):
        """False when an update overflowed the state (a checkpoint could not store it). As
        divergence.all_finite, at the cost of a sum per vector and one read: a finite total
        has no inf or nan among its terms; only when it is not are the numbers looked at."""
        vectors = [v for k, v in self._state().items() if k != "step"]
        if not vectors:
            return True
        torch = self.backend.torch
        with torch.no_grad():
            total = sum(v.sum() for v in vectors)
        return math.isfinite(total.item()) or all(bool(torch.isfinite(v).all()) for v in vectors)

    def state_dict(self):
        """optim.py's state_dict: {name, t} and the record's state vectors (momentum's v,
        adam's m and v), from torch.optim's state."""
        state, out = self._state(), {"name": self.name, "t": self.t}
        for ours, theirs in self.record.torch_state:
            out[ours] = self.backend.numpy(state[theirs]).tolist() if theirs in state else [0.0] * self.n
        return out

    def load_state_dict(self, state):
        """Restore optim.py's state_dict (of any engine); ValueError naming a damaged field."""
        ref = optim.make_optimizer(self.cfg, self.n)
        ref.load_state_dict(state)  # the same checks, the same messages
        self.t = ref.t
        self.opt.state.clear()
        if ref.t and self.record.torch_state:
            ours = ref.state_dict()
            theirs = {"step": self.backend.torch.tensor(float(ref.t))} if self.record.torch_step else {}
            theirs.update((key, self.backend.tensor(ours[mine])) for mine, key in self.record.torch_state)
            self.opt.state[self.flat] = theirs
