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


def activation_stats(name, outputs):
    """act_mean, act_std, dead and saturated of one layer's outputs (rows x units) of
    activation `name`."""
    form = ACTIVATIONS[name]
    flat = outputs.ravel()
    mean = float(flat.sum()) / flat.size
    centred = flat - mean  # squared and summed without BLAS: its threads cost more than they save here
    dead = saturated = None
    if form.dies:
        dead = 1.0 - np.count_nonzero(outputs.any(axis=0)) / outputs.shape[1]
    if form.saturates is not None:
        low, high = form.saturates
        saturated = (np.count_nonzero(flat < low) + np.count_nonzero(flat > high)) / flat.size
    return {"act_mean": mean, "act_std": math.sqrt(float(np.square(centred).sum()) / flat.size),
            "dead": dead, "saturated": saturated}


def _ratio(top, bottom):
    return top / bottom if bottom > 0 else None


def layer_stats(sizes, activations, batches, grad, before, after):
    """Each layer's entry (see the module's docstring). batches: per batch of the epoch,
    the list of layer outputs the engine appended; grad: the last update's gradient (the
    flat vector); before, after: the flat vectors around that update."""
    with np.errstate(all="ignore"):  # overflow on the way to divergence: null figures (below)
        return _layer_stats(sizes, activations, batches, grad, before, after)


def _layer_stats(sizes, activations, batches, grad, before, after):
    index, layer = weight_layers(tuple(sizes))
    n = len(activations)
    w0 = before[index]
    g, w, dw = (np.sqrt(np.bincount(layer, v * v, minlength=n) / np.bincount(layer, minlength=n))
                for v in (grad[index], w0, after[index] - w0))
    entries = []
    for k, (name, outputs) in enumerate(zip(activations, zip(*batches))):
        outputs = outputs[0] if len(outputs) == 1 else np.concatenate(outputs)
        entry = {"layer": k + 1, "activation": name}
        entry.update(activation_stats(name, outputs))
        entry.update(grad_rms=float(g[k]), grad_data=_ratio(float(g[k]), float(w[k])),
                     update_data=_ratio(float(dw[k]), float(w[k])))
        # a figure past float64's range (a run about to diverge) is null: not a number to log or save
        entries.append({key: None if isinstance(v, float) and not math.isfinite(v) else v for key, v in entry.items()})
    return entries


def log10(value):
    """log10 of a positive figure, else None (0, null): how the doctor and the table read ratios."""
    return math.log10(value) if value is not None and value > 0 else None
