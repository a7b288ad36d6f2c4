"""The torch engine: the same MLP, losses and optimizers on PyTorch, for bigger data,
more cores or a GPU.

PyTorch is an optional extra (pip install torch). This module imports it
only inside functions, through require_torch(), which says what to install.

The model is the trainer's flat parameter vector, in nn.MLP's order (layer by layer,
neuron by neuron: the neuron's weights, then its bias). On PyTorch that vector is one
leaf tensor, and each layer reads its weight (out x in, as torch.nn.Linear holds it)
and bias as views of it, so backward() leaves the gradient in the same flat order with
no copying. The losses are the tensor engine's, written with torch functions; in
float64 on the CPU the two engines agree to float64 rounding.

The optimizers are torch.optim's: SGD (p -= lr*g), SGD with momentum and no dampening
(v = m*v + g; p -= lr*v) and Adam (bias-corrected, no weight decay, no amsgrad) use
exactly optim.py's formulas, only grouped differently, so they stand in for optim.py's
on this engine. Their state converts to and from optim.py's state_dict, so a checkpoint
moves between engines.
"""

import numpy as np

from . import extras
from .errors import UserInputError
from .nn import layer_activations

DEVICES = ("auto", "cpu", "cuda")
DTYPES = ("auto", "float64", "float32")


def require_torch(what="the torch engine"):
    """Import torch, or raise UserInputError naming the extra to install (exit 2)."""
    return extras.require("torch", what, "torch", "PyTorch")


def resolve(device="auto", dtype="auto"):
    """(device, dtype) names that will run: auto picks cuda when PyTorch sees a GPU, and
    float64 on the CPU, float32 on CUDA (a GPU's float64 is many times slower)."""
    torch = require_torch()
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    elif device == "cuda" and not torch.cuda.is_available():
        raise UserInputError("device cuda: PyTorch sees no GPU here (torch.cuda.is_available() is False); "
                             "use device cpu or auto")
    if dtype == "auto":
        dtype = "float32" if device == "cuda" else "float64"
    return device, dtype


# --- the losses: the tensor engine's formulas, scores (n x outputs) against targets T -----

def mse(torch, scores, T):
    """mean((score - t)^2) over every output of every sample."""
    diff = scores - T
    return (diff * diff).mean()


def hinge(torch, scores, T):
    """mean(relu(1 - t * score)), t = ±1."""
    return torch.relu(1.0 - T * scores).mean()


def bce(torch, scores, T):
    """mean(log(1 + e^-m)), m = t * score, as logaddexp(-m, 0): it never overflows and, unlike
    F.softplus (which returns -m itself past -m = 20), it is exact everywhere."""
    m = T * scores
    return torch.logaddexp(-m, torch.zeros_like(m)).mean()


def cross_entropy(torch, scores, T):
    """mean(-log softmax(scores)[label]); T holds the class index, in one column."""
    return torch.nn.functional.cross_entropy(scores, T[:, 0].long())


LOSSES = {"mse": mse, "hinge": hinge, "bce": bce, "cross_entropy": cross_entropy}


# --- the backend (see train.py's docstring for the interface) -------------------------------

class TorchBackend:
    """PyTorch: one flat parameter tensor on `device` in `dtype`, torch.optim optimizers."""

    name = "torch"

    def __init__(self, nin, layers, activation, output, loss, l2=0.0, device="auto", dtype="auto"):
        torch = self.torch = require_torch()
        self.nin, self.layers = nin, list(layers)
        self.activation, self.output = activation, output
        self.loss, self.l2 = loss, l2
        self.device_name, self.dtype_name = resolve(device, dtype)
        self.device, self.dtype = torch.device(self.device_name), getattr(torch, self.dtype_name)
        sizes = [nin] + self.layers
        acts = layer_activations(len(self.layers), activation, output)
        self.shapes = [(sizes[i], sizes[i + 1], act) for i, act in enumerate(acts)]
        self.n_params = sum((n_in + 1) * n_out for n_in, n_out, _ in self.shapes)

    def init_params(self, rng):
        """Weights uniform in [-1, 1] from rng, biases 0, drawn in the order nn.MLP draws them."""
        from .tensor_nn import TensorMLP

        return TensorMLP(self.nin, self.layers, self.activation, self.output, rng=rng).flat_parameters()

    # the flat vector and the data, on the device
    def tensor(self, array):
        return self.torch.as_tensor(np.asarray(array), dtype=self.dtype, device=self.device)

    def numpy(self, t):
        """A float64 numpy array of t (no copy for a float64 tensor on the CPU)."""
        return t.detach().to("cpu", self.torch.float64).numpy()

    def forward(self, flat, X):
        """The scores (n x outputs) of the MLP whose parameters are the flat tensor."""
        torch, at, x = self.torch, 0, X
        for n_in, n_out, act in self.shapes:
            block = flat[at: at + n_out * (n_in + 1)].view(n_out, n_in + 1)  # a row per neuron
            x = torch.nn.functional.linear(x, block[:, :n_in], block[:, n_in])
            if act != "linear":
                x = getattr(torch, act)(x)
            at += block.numel()
        return x

    def total_loss(self, flat, scores, T):
        """LOSSES[loss](scores, T) + l2 * sum(p*p) over every parameter."""
        loss = LOSSES[self.loss](self.torch, scores, T)
        return loss + self.l2 * self.torch.dot(flat, flat) if self.l2 else loss

    def loss_and_grad(self, params, X, T):
        flat = self.tensor(params).requires_grad_()
        X, T = self.tensor(X).reshape(-1, self.nin), self.tensor(T)
        scores = self.forward(flat, X)
        loss = self.total_loss(flat, scores, T.reshape(scores.shape[0], -1))
        loss.backward()
        return loss.item(), self.numpy(flat.grad), self.numpy(scores)

    def predict(self, params, X):
        with self.torch.no_grad():
            return self.numpy(self.forward(self.tensor(params), self.tensor(X).reshape(-1, self.nin)))

    def loss_graph(self, params, X, T, feature_names=None):
        """The drawing of the loss: PyTorch's graph is not made of mgrad's nodes, so this is
        the tensor engine's graph of the same computation (the same numbers, in float64)."""
        from .backends.tensor import TensorBackend

        return TensorBackend(self.nin, self.layers, self.activation, self.output, self.loss,
                             self.l2).loss_graph(params, X, T, feature_names)

    def set_threads(self, n=None):
        """Let PyTorch use n threads on the CPU (None: as it is) -> the threads it uses."""
        if n is not None:
            self.torch.set_num_threads(n)
        return self.torch.get_num_threads()

    def make_optimizer(self, cfg, n):
        """torch.optim's optimizer for a resolved config's `optimizer` section."""
        return TorchOptimizer(self, cfg, n)


class TorchOptimizer:
    """torch.optim.SGD or Adam on one flat tensor, with optim.py's interface and state_dict:
    step(params, grad, lr) updates the numpy vector params in place."""

    def __init__(self, backend, cfg, n):
        torch = backend.torch
        self.backend, self.name, self.n, self.t = backend, cfg["name"], n, 0
        self.flat = torch.zeros(n, dtype=backend.dtype, device=backend.device, requires_grad=True)
        # on the CPU in float64 the tensor is the trainer's numpy vector itself (no copies)
        self.shared = backend.device.type == "cpu" and backend.dtype == torch.float64
        if self.name == "adam":
            self.opt = torch.optim.Adam([self.flat], lr=cfg["lr"], betas=tuple(cfg["betas"]), eps=cfg["eps"],
                                        foreach=False)
        else:
            self.opt = torch.optim.SGD([self.flat], lr=cfg["lr"], foreach=False,
                                       momentum=cfg["momentum"] if self.name == "momentum" else 0.0)

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
        self.opt.step()
        self.t += 1
        if not self.shared:
            params[:] = self.backend.numpy(self.flat)
        return params

    def _state(self):
        return self.opt.state.get(self.flat, {})

    def is_finite(self):
        """False when an update overflowed the state (a checkpoint could not store it)."""
        torch = self.backend.torch
        return all(bool(torch.isfinite(v).all()) for k, v in self._state().items() if k != "step")

    def state_dict(self):
        """optim.py's state_dict: {name, t} and momentum's v, or adam's m and v."""
        state, out = self._state(), {"name": self.name, "t": self.t}
        zeros = [0.0] * self.n
        if self.name == "momentum":
            out["v"] = self.backend.numpy(state["momentum_buffer"]).tolist() if "momentum_buffer" in state else zeros
        elif self.name == "adam":
            for key, ours in (("exp_avg", "m"), ("exp_avg_sq", "v")):
                out[ours] = self.backend.numpy(state[key]).tolist() if key in state else zeros
        return out

    def load_state_dict(self, state):
        """Restore optim.py's state_dict (of any engine); ValueError naming a damaged field."""
        from . import optim

        ref = optim.make_optimizer(self._cfg(), self.n)
        ref.load_state_dict(state)  # the same checks, the same messages
        self.t = ref.t
        self.opt.state.clear()
        if self.name == "momentum" and ref.t:
            self.opt.state[self.flat] = {"momentum_buffer": self.backend.tensor(ref.v)}
        elif self.name == "adam" and ref.t:
            self.opt.state[self.flat] = {"step": self.backend.torch.tensor(float(ref.t)),
                                         "exp_avg": self.backend.tensor(ref.m),
                                         "exp_avg_sq": self.backend.tensor(ref.v)}

    def _cfg(self):
        group = self.opt.param_groups[0]
        return {"name": self.name, "lr": group["lr"], "momentum": group.get("momentum", 0.0),
                "betas": list(group.get("betas", (0.9, 0.999))), "eps": group.get("eps", 1e-8)}
