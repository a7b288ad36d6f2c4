"""Optimizers and learning-rate schedules on flat float64 parameter vectors.

Every optimizer is one record in OPTIMIZERS: its settings with their defaults and checks
(config validation reads them), its step on numpy vectors, and its torch.optim
counterpart for the torch engine. A new optimizer is one record.

Every engine hands the optimizer the same flat vector of parameters and of gradients,
so the updates are identical whatever computed them. state_dict() is plain JSON data
(lists and numbers) for checkpoints; load_state_dict() restores it to resume a run.
"""

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..errors import shorten


class SGD:
    """p -= lr * g"""

    name = "sgd"

    def __init__(self, n):
        self.n = n
        self.t = 0  # updates so far

    def step(self, params, grad, lr):
        self.t += 1
        params -= lr * grad
        return params

    def is_finite(self):
        """False when an update overflowed the state (a checkpoint could not store it)."""
        return True

    def state_dict(self):
        return {"name": self.name, "t": self.t}

    def load_state_dict(self, state):
        """Restore a state_dict(); ValueError naming the field when it is damaged."""
        self._check(state)
        t = _field(state, "t")
        if isinstance(t, bool) or not isinstance(t, int) or t < 0:
            raise ValueError(f"optimizer state 't' is {shorten(t)}, not a number of updates")
        self.t = t

    def _check(self, state):
        if not isinstance(state, dict):
            raise ValueError("optimizer state is not a mapping")
        if state.get("name") != self.name:
            raise ValueError(f"optimizer state is for {shorten(state.get('name'))}, not {self.name!r}")


class Momentum(SGD):
    """v = momentum * v + g; p -= lr * v  (PyTorch's form of heavy-ball momentum)"""

    name = "momentum"

    def __init__(self, n, momentum):
        super().__init__(n)
        self.momentum = momentum
        self.v = np.zeros(n)

    def step(self, params, grad, lr):
        self.t += 1
        self.v = self.momentum * self.v + grad
        params -= lr * self.v
        return params

    def is_finite(self):
        return bool(np.all(np.isfinite(self.v)))

    def state_dict(self):
        return {"name": self.name, "t": self.t, "v": self.v.tolist()}

    def load_state_dict(self, state):
        super().load_state_dict(state)
        self.v = _vector(state, "v", self.n)


class Adam(SGD):
    """m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; p -= lr * m^ / (sqrt(v^) + eps),
    with the bias corrections m^ = m / (1 - b1^t), v^ = v / (1 - b2^t)."""

    name = "adam"

    def __init__(self, n, betas, eps):
        super().__init__(n)
        self.b1, self.b2 = betas
        self.eps = eps
        self.m = np.zeros(n)
        self.v = np.zeros(n)

    def step(self, params, grad, lr):
        self.t += 1
        self.m = self.b1 * self.m + (1 - self.b1) * grad
        self.v = self.b2 * self.v + (1 - self.b2) * grad * grad
        m_hat = self.m / (1 - self.b1 ** self.t)
        v_hat = self.v / (1 - self.b2 ** self.t)
        params -= lr * m_hat / (np.sqrt(v_hat) + self.eps)
        return params

    def is_finite(self):
        return bool(np.all(np.isfinite(self.m)) and np.all(np.isfinite(self.v)))

    def state_dict(self):
        return {"name": self.name, "t": self.t, "m": self.m.tolist(), "v": self.v.tolist()}

    def load_state_dict(self, state):
        super().load_state_dict(state)
        self.m = _vector(state, "m", self.n)
        self.v = _vector(state, "v", self.n)


def _field(state, key):
    if key not in state:
        raise ValueError(f"optimizer state has no '{key}'")
    return state[key]


def _vector(state, key, n):
    try:
        v = np.asarray(_field(state, key), dtype=np.float64)
    except (TypeError, ValueError) as e:
        if str(e).startswith("optimizer state"):
            raise
        raise ValueError(f"optimizer state '{key}' is not a list of numbers") from None
    if v.shape != (n,):
        raise ValueError(f"optimizer state has {v.size} values for {n} parameters")
    return v


# --- the table --------------------------------------------------------------------------

@dataclass(frozen=True)
class Setting:
    """One setting of an optimizer: its default, and how config validation checks it (the
    name of a config._Validator check: number, or numbers for a list, and what it takes)."""

    default: object
    kind: str = "number"
    limits: dict = field(default_factory=dict)


POSITIVE = {"minimum": 0.0, "open_ends": (True, False)}                   # (0, inf)
BELOW_ONE = {"minimum": 0.0, "maximum": 1.0, "open_ends": (False, True)}  # [0, 1)


@dataclass(frozen=True)
class Optimizer:
    """One optimizer. settings: {name: Setting}, lr first (every optimizer has one; the
    schedule sets each epoch's, and step() takes it). numpy: the class of the step on flat
    float64 vectors, made as numpy(n, **every other setting). torch(torch, [flat tensor],
    cfg): torch.optim's optimizer with the same formulas, for the torch engine (the torch
    module is passed in: it is an optional extra), or None: the numpy step runs there too.
    torch_state: (state_dict key, torch.optim's state key) for each vector of its state;
    torch_step: whether torch.optim's state also counts the steps (Adam's "step")."""

    name: str
    settings: dict
    numpy: type
    torch: Callable = None
    torch_state: tuple = ()
    torch_step: bool = False

    @property
    def defaults(self):
        return {key: s.default for key, s in self.settings.items()}


def _torch_sgd(torch, params, cfg):
    return torch.optim.SGD(params, lr=cfg["lr"], foreach=False, momentum=0.0)


def _torch_momentum(torch, params, cfg):
    # no dampening, no nesterov: v = momentum*v + g; p -= lr*v, as Momentum above
    return torch.optim.SGD(params, lr=cfg["lr"], foreach=False, momentum=cfg["momentum"])


def _torch_adam(torch, params, cfg):
    # bias-corrected, no weight decay, no amsgrad: Adam above
    return torch.optim.Adam(params, lr=cfg["lr"], betas=tuple(cfg["betas"]), eps=cfg["eps"], foreach=False)


OPTIMIZERS = {opt.name: opt for opt in [
    Optimizer("sgd", {"lr": Setting(0.1, limits=POSITIVE)}, SGD, _torch_sgd),
    Optimizer("momentum", {"lr": Setting(0.1, limits=POSITIVE), "momentum": Setting(0.9, limits=BELOW_ONE)},
              Momentum, _torch_momentum, torch_state=(("v", "momentum_buffer"),)),
    Optimizer("adam", {"lr": Setting(0.01, limits=POSITIVE),
                       "betas": Setting([0.9, 0.999], "numbers", {"names": ("beta1", "beta2"), **BELOW_ONE}),
                       "eps": Setting(1e-8, limits=POSITIVE)},
              Adam, _torch_adam, torch_state=(("m", "exp_avg"), ("v", "exp_avg_sq")), torch_step=True),
]}


def names():
    """The optimizers' names: the config's `optimizer.name` choices."""
    return tuple(OPTIMIZERS)


def get(name):
    return OPTIMIZERS[name]


def make_optimizer(cfg, n):
    """The optimizer a resolved config's `optimizer` section describes, for n parameters."""
    opt = OPTIMIZERS[cfg["name"]]
    return opt.numpy(n, **{key: cfg[key] for key in opt.settings if key != "lr"})


def learning_rate(cfg, epoch, epochs):
    """The learning rate of 0-based `epoch` of `epochs` (see config.SCHEDULES).

    linear with lr 1.0, end 0.1 over 100 epochs is micrograd's demo: 1.0 - 0.9*k/100.
    """
    lr, sched = cfg["lr"], cfg["schedule"]
    name = sched["name"]
    if name == "linear":
        return lr * (1 - (1 - sched["end"]) * epoch / epochs)
    if name == "step":
        return lr * sched["gamma"] ** (epoch // sched["every"])
    if name == "cosine":
        return lr * (sched["end"] + (1 - sched["end"]) * (1 + math.cos(math.pi * epoch / epochs)) / 2)
    return lr
