"""Per-layer statistics of an epoch: what "Building makemore part 3" watches while a
network trains. One entry per layer, the output layer last:

    layer, activation   the layer's number (from 1) and its activation's name
    act_mean, act_std   over every (row, unit) output after the activation in the epoch's
                        forward passes over the training rows (before each update); ddof 0
    dead                relu layers: the fraction of units at 0 on every row; else null
    saturated           the fraction of (row, unit) outputs where the activation is flat:
                        |tanh| > 0.97, a sigmoid < 0.015 or > 0.985 (activations.py's
                        `saturates`); null for an activation that never saturates
    grad_rms            the RMS of the gradient the epoch's last update used, over the
                        layer's weights (not its biases), l2 included
    grad_data           grad_rms / RMS(the weights it was taken at)
    update_data         RMS(w_after - w_before) / RMS(w_before) for that update, whatever
                        the optimizer (null where the weights were all 0)

A figure that is not finite (overflowing on the way to divergence) is null.

Every engine hands over its own layer outputs (the backend protocol's `layers`), and the
figures are computed here from them and from the flat vectors, the same way for every
engine: in float64 they agree to rounding.

In a data-parallel run each process holds the outputs of its own share of the rows: the
sums the figures are made of (of the outputs, of their squared distances to the mean, of
the units alive and the outputs saturated) are added up over the processes by `total`
(training.distributed's Group.sum), twice an epoch, and the figures are one process's.
"""

import functools
import math

import numpy as np

from ..nn.activations import ACTIVATIONS

KEYS = ("act_mean", "act_std", "dead", "saturated", "grad_rms", "grad_data", "update_data")


@functools.lru_cache(maxsize=16)
def weight_layers(sizes):
    """(the flat vector's indices of the weights, not the biases; each one's layer from 0)
    for an MLP of sizes (a tuple): the sums of squares per layer are then one bincount."""
    index, layer, at = [], [], 0
    for k, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        rows = at + (n_in + 1) * np.arange(n_out)[:, None] + np.arange(n_in)[None, :]
        index.append(rows.ravel())
        layer.append(np.full(n_in * n_out, k))
        at += (n_in + 1) * n_out
    return np.concatenate(index), np.concatenate(layer)


def _same(values):
    return values


def _sums(name, outputs):
    """A layer's outputs (rows x units) of activation `name` as the sums its figures need:
    [sum, count, saturated count, then for an activation that dies, per unit 1 where it is
    not 0 on some row]."""
    form = ACTIVATIONS[name]
    flat = outputs.ravel()
    saturated = 0
    if form.saturates is not None:
        low, high = form.saturates
        saturated = np.count_nonzero(flat < low) + np.count_nonzero(flat > high)
    return np.concatenate([[flat.sum(), flat.size, saturated], outputs.any(axis=0) if form.dies else []])


def activation_stats(name, outputs):
    """act_mean, act_std, dead and saturated of one layer's outputs (rows x units) of
    activation `name`."""
    return layers_activation_stats([name], [outputs])[0]


def layers_activation_stats(names, layers, total=_same):
    """activation_stats() of each layer's outputs (rows x units) of its activation
    (`names`), the sums over their rows added up by `total`."""
    sums = [_sums(name, outputs) for name, outputs in zip(names, layers)]
    sums = np.split(total(np.concatenate(sums)), np.cumsum([len(s) for s in sums])[:-1])
    means = [float(s[0]) / float(s[1]) for s in sums]
    # squared and summed without BLAS: its threads cost more than they save here
    squares = total(np.array([np.square(outputs.ravel() - mean).sum() for outputs, mean in zip(layers, means)]))
    entries = []
    for name, s, mean, square in zip(names, sums, means, squares):
        form = ACTIVATIONS[name]
        count = float(s[1])
        entries.append({"act_mean": mean, "act_std": math.sqrt(float(square) / count),
                        "dead": 1.0 - np.count_nonzero(s[3:]) / len(s[3:]) if form.dies else None,
                        "saturated": float(s[2]) / count if form.saturates is not None else None})
    return entries


def _ratio(top, bottom):
    return top / bottom if bottom > 0 else None


def layer_stats(sizes, activations, batches, grad, before, after, total=_same):
    """Each layer's entry (see the module's docstring). batches: per batch of the epoch,
    the list of layer outputs the engine appended; grad: the last update's gradient (the
    flat vector); before, after: the flat vectors around that update; total: adds up the
    sums over this process's rows with the other processes' (none: they are all here)."""
    with np.errstate(all="ignore"):  # overflow on the way to divergence: null figures (below)
        return _layer_stats(sizes, activations, batches, grad, before, after, total)


def _layer_stats(sizes, activations, batches, grad, before, after, total):
    index, layer = weight_layers(tuple(sizes))
    n = len(activations)
    w0 = before[index]
    g, w, dw = (np.sqrt(np.bincount(layer, v * v, minlength=n) / np.bincount(layer, minlength=n))
                for v in (grad[index], w0, after[index] - w0))
    layers = [outputs[0] if len(outputs) == 1 else np.concatenate(outputs) for outputs in zip(*batches)]
    entries = []
    for k, (name, figures) in enumerate(zip(activations, layers_activation_stats(activations, layers, total))):
        entry = {"layer": k + 1, "activation": name}
        entry.update(figures)
        entry.update(grad_rms=float(g[k]), grad_data=_ratio(float(g[k]), float(w[k])),
                     update_data=_ratio(float(dw[k]), float(w[k])))
        # a figure past float64's range (a run about to diverge) is null: not a number to log or save
        entries.append({key: None if isinstance(v, float) and not math.isfinite(v) else v for key, v in entry.items()})
    return entries


def log10(value):
    """log10 of a positive figure, else None (0, null): how the doctor and the table read ratios."""
    return math.log10(value) if value is not None and value > 0 else None
