"""The built-in data sets' generators: numpy points and labels from a seeded generator.

Each takes its parameters (BUILTINS in datasets.py declares them, with their types,
ranges and defaults: written there only) and `rng`, a numpy RandomState, and returns
(X: n × features floats, y: labels 0..k-1). The first paragraph of a generator's
docstring is its description in `mgrad datasets`.
"""

import numpy as np

# The generators draw from a numpy RandomState (the legacy Mersenne Twister stream that
# scikit-learn uses) in scikit-learn's order: moons, circles and blobs give exactly the
# points and labels of sklearn.datasets.make_moons / make_circles / make_blobs with
# random_state=seed (blobs: center_box=(-5, 5), cluster_std=noise).


def _shuffled(X, y, rng):
    """X and y in one random order, drawn as scikit-learn's utils.shuffle draws it."""
    order = np.arange(len(X))
    rng.shuffle(order)
    return X[order], y[order]


def _two_rings(outer, inner, noise, rng):
    """Points (x, y) of two groups, labels 0 then 1, shuffled, then Gaussian noise added."""
    X = np.vstack([np.append(outer[0], inner[0]), np.append(outer[1], inner[1])]).T
    y = np.hstack([np.zeros(len(outer[0]), dtype=int), np.ones(len(inner[0]), dtype=int)])
    X, y = _shuffled(X, y, rng)
    return X + rng.normal(scale=noise, size=X.shape), y


def moons(n_samples, noise, rng):
    """Two interleaving half circles (scikit-learn's make_moons, same points for a seed); labels 0 and 1."""
    t_out = np.linspace(0, np.pi, n_samples // 2)
    t_in = np.linspace(0, np.pi, n_samples - n_samples // 2)
    return _two_rings((np.cos(t_out), np.sin(t_out)), (1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5), noise, rng)


def circles(n_samples, noise, factor, rng):
    """A small circle inside a big one (scikit-learn's make_circles, same points for a seed); label 1 inside."""
    t_out = np.linspace(0, 2 * np.pi, n_samples // 2, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_samples - n_samples // 2, endpoint=False)
    return _two_rings((np.cos(t_out), np.sin(t_out)), (np.cos(t_in) * factor, np.sin(t_in) * factor), noise, rng)


def blobs(n_samples, noise, classes, features, rng):
    """Gaussian clusters (scikit-learn's make_blobs, same points for a seed): centres uniform
    in [-5, 5]^features, standard deviation `noise`."""
    centres = rng.uniform(-5.0, 5.0, size=(classes, features))
    counts = [n_samples // classes + (i < n_samples % classes) for i in range(classes)]
    X = np.vstack([rng.normal(loc=centres[i], scale=noise, size=(n, features)) for i, n in enumerate(counts)])
    y = np.repeat(np.arange(classes), counts)
    return _shuffled(X, y, rng)


# --- the other built-ins --------------------------------------------------------------

def tiny(rng):
    """The lecture's four samples: three inputs each, targets 1, -1, -1, 1."""
    X = np.array([[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]])
    targets = np.array([1.0, -1.0, -1.0, 1.0])
    return X, (targets > 0).astype(int)  # class 0 is -1, class 1 is +1


def xor(n_samples, noise, rng):
    """Four Gaussian clusters at (±1, ±1); label 1 where the signs differ (x0 XOR x1)."""
    corners = np.array([[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, -1.0]])
    which = np.arange(n_samples) % 4
    X = corners[which] + rng.normal(scale=noise, size=(n_samples, 2))
    return _shuffled(X, (which >= 2).astype(int), rng)


def spiral(n_samples, noise, classes, rng):
    """Interleaved spiral arms, one per class (as in Stanford's CS231n notes).

    Arm j: radius r from 0 to 1, angle 4j + 4r radians plus Gaussian noise on the angle.
    """
    which = np.arange(n_samples) % classes
    X = np.empty((n_samples, 2))
    for j in range(classes):
        idx = np.flatnonzero(which == j)
        r = np.linspace(0.0, 1.0, len(idx))
        t = np.linspace(j * 4.0, (j + 1) * 4.0, len(idx)) + rng.normal(scale=noise, size=len(idx))
        X[idx] = np.column_stack([r * np.sin(t), r * np.cos(t)])
    return _shuffled(X, which, rng)
