"""Weight snapshots of a run, for the replay page (models/report.py): the weights after
every epoch when the run has at most MAX of them, else MAX evenly spaced epochs, always
with the first, the last and the kept one (early stopping's best). They are kept only
with `train --report` or `--snapshots`, in the checkpoint's "snapshots":
{"epochs": [1, 2, ...], "weights": [[...], ...]} (checkpoint version 6).

How many epochs a run will take is not known ahead (early stopping, Ctrl-C, a resumed
run given more epochs), so every epoch's weights are taken; past 2 * MAX of them the
snapshots are thinned to MAX evenly spaced (chosen()), which bounds the memory and
leaves at least MAX evenly spaced for the checkpoint, whatever the run's length.
"""

import numpy as np

MAX = 200


def chosen(epochs, must=(), n=MAX):
    """Of the sorted epochs, those kept: all of them when there are at most n, else the
    one nearest to each of n evenly spaced points from the first to the last, with the
    epochs of `must` (the kept one) among them."""
    if len(epochs) <= n:
        return list(epochs)
    extra = sorted(set(must) & set(epochs) - {epochs[0], epochs[-1]})
    at = np.asarray(epochs)
    targets = np.linspace(epochs[0], epochs[-1], max(2, n - len(extra)))
    nearest = np.abs(at[None, :] - targets[:, None]).argmin(axis=1)
    return sorted(set(at[nearest].tolist()) | set(extra))


class Snapshots:
    """take(epoch, params) after each epoch; state_dict() the checkpoint's "snapshots"."""

    def __init__(self):
        self.kept = {}  # epoch -> weights (a float64 array)

    def take(self, epoch, params):
        self.kept[epoch] = np.array(params, dtype=np.float64)
        if len(self.kept) > 2 * MAX:
            self.kept = {e: self.kept[e] for e in chosen(sorted(self.kept))}

    def state_dict(self, stopper=None):
        kept = dict(self.kept)
        best = stopper.best_epoch if stopper is not None and stopper.best_weights is not None else None
        if best:
            kept[best] = stopper.best_weights
        epochs = chosen(sorted(kept), [best] if best else [])
        return {"epochs": epochs, "weights": [np.asarray(kept[e], dtype=np.float64).tolist() for e in epochs]}

    def load_state_dict(self, state):
        self.kept = {} if not state else {e: np.asarray(w, dtype=np.float64)
                                          for e, w in zip(state["epochs"], state["weights"])}
