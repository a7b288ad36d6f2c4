"""Weight snapshots of a run, for the replay page (models/report.py): the weights after
every epoch when the run has at most MAX of them, else MAX evenly spaced epochs, always
with the first, the last and the kept one (early stopping's best). They are kept only
with `train --report` or `--snapshots`, in the checkpoint's "snapshots":
{"epochs": [1, 2, ...], "weights": [[...], ...]} (checkpoint version 6)."""

import numpy as np

MAX = 200


def planned(total):
    """The epochs (1..total) whose weights are kept."""
    if total <= MAX:
        return set(range(1, total + 1))
    return {int(round(e)) for e in np.linspace(1, total, MAX)}


class Snapshots:
    """take(epoch, params) after each epoch; state_dict() the checkpoint's "snapshots"."""

    def __init__(self, total):
        self.plan = planned(total)
        self.kept = {}  # epoch -> weights (a list)
        self.latest = None  # (epoch, weights): the last epoch's, kept whether planned or not

    def take(self, epoch, params):
        self.latest = (epoch, params.tolist())
        if epoch in self.plan:
            self.kept[epoch] = self.latest[1]

    def state_dict(self, stopper=None):
        kept = dict(self.kept)
        if self.latest is not None:
            kept[self.latest[0]] = self.latest[1]
        if stopper is not None and stopper.best_epoch and stopper.best_weights is not None:
            kept[stopper.best_epoch] = list(map(float, stopper.best_weights))
        epochs = sorted(kept)
        return {"epochs": epochs, "weights": [kept[e] for e in epochs]}

    def load_state_dict(self, state):
        self.kept = {} if not state else dict(zip(state["epochs"], state["weights"]))
        self.latest = None
