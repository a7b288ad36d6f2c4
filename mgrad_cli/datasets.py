"""Built-in data sets, generated with numpy from a seed."""

import numpy as np


def moons(n_samples=100, noise=0.1, rng=None):
    """Two interleaving half circles (as scikit-learn's make_moons); labels 0 and 1."""
    rng = rng if rng is not None else np.random.default_rng(0)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    X = np.vstack([
        np.column_stack([np.cos(t_out), np.sin(t_out)]),
        np.column_stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5]),
    ])
    y = np.concatenate([np.zeros(n_out, dtype=int), np.ones(n_in, dtype=int)])
    X = X + rng.normal(scale=noise, size=X.shape)
    order = rng.permutation(n_samples)
    return X[order], y[order]
