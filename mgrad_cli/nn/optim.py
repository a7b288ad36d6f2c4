"""Optimizers and learning-rate schedules on flat float64 parameter vectors.

Every engine hands the optimizer the same flat vector of parameters and of gradients,
so the updates are identical whatever computed them. state_dict() is plain JSON data
(lists and numbers) for checkpoints; load_state_dict() restores it to resume a run.
"""

import math

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

    def __init__(self, n, momentum=0.9):
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

    def __init__(self, n, betas=(0.9, 0.999), eps=1e-8):
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


def make_optimizer(cfg, n):
    """The optimizer a resolved config's `optimizer` section describes, for n parameters."""
    if cfg["name"] == "momentum":
        return Momentum(n, cfg["momentum"])
    if cfg["name"] == "adam":
        return Adam(n, tuple(cfg["betas"]), cfg["eps"])
    return SGD(n)


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
