"""Early stopping, as Keras' EarlyStopping(restore_best_weights=True) and PyTorch
Lightning's EarlyStopping do it: watch the validation loss after every epoch, remember
the best weights, and stop once it has not improved for `patience` epochs in a row.

An epoch improves when its validation loss is below the best so far by more than
`min_delta`; a loss that is not a number never improves. The state (best epoch, loss and
weights, epochs without improvement, whether it stopped) goes into the checkpoint, so a
run interrupted and resumed stops where an uninterrupted one stops, with the same weights.
"""

import math

import numpy as np


class EarlyStopping:
    """The stopping rule and its state for one run (config['early_stopping'])."""

    @classmethod
    def from_config(cls, settings):
        """The rule a config's `early_stopping` settings ask for, or None when they are None."""
        return None if settings is None else cls(settings["patience"], settings["min_delta"])

    def __init__(self, patience, min_delta=0.0):
        self.patience, self.min_delta = patience, min_delta
        self.best_epoch, self.best_loss, self.best_weights = None, math.inf, None
        self.bad_epochs, self.stopped = 0, False

    def update(self, epoch, val_loss, weights):
        """Record epoch's validation loss and weights; True when training should stop."""
        if math.isfinite(val_loss) and val_loss < self.best_loss - self.min_delta:
            self.best_epoch, self.best_loss = epoch, float(val_loss)
            self.best_weights = np.array(weights, dtype=np.float64)
            self.bad_epochs = 0
        else:
            self.bad_epochs += 1
        self.stopped = self.bad_epochs >= self.patience and self.best_weights is not None
        return self.stopped

    def state_dict(self):
        """The state as the checkpoint stores it (None before the first epoch)."""
        if self.best_epoch is None:
            return None
        return {"best_epoch": self.best_epoch, "best_loss": self.best_loss,
                "best_weights": self.best_weights.tolist(), "bad_epochs": self.bad_epochs,
                "stopped": self.stopped}

    def load_state_dict(self, state):
        if state is None:
            return
        self.best_epoch, self.best_loss = int(state["best_epoch"]), float(state["best_loss"])
        self.best_weights = np.asarray(state["best_weights"], dtype=np.float64)
        self.bad_epochs = int(state["bad_epochs"])
        # the patience may have changed since: stopped is what this run's rule says
        self.stopped = self.bad_epochs >= self.patience
