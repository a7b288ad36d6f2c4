"""Why a run diverged, in words: the TrainingDiverged that the Trainer raises when a loss,
a gradient or an update is no longer a finite number, with what to do about it.

The advice is a lower learning rate, unless the data's own scale is the cause: the loss
overflowed before any update (the learning rate has played no part yet), or the inputs
or the regression targets are huge.
"""

import math

import numpy as np

from ..errors import TrainingDiverged

def all_finite(array):
    """Whether every number of a float array is finite, as np.isfinite(array).all() says,
    at the cost of one sum: a sum that is finite has no inf or nan among its terms (either
    would make it inf or nan). Only when the sum is not finite (an inf or a nan, or finite
    numbers whose sum overflows) are the numbers looked at one by one."""
    with np.errstate(over="ignore", invalid="ignore"):  # inf - inf is nan: the answer, not a warning
        total = np.add.reduce(array, axis=None)
    return math.isfinite(total) or bool(np.isfinite(array).all())


# inputs or targets past this size make a diverging run the data's fault, not the learning rate's
HUGE = 1e6


def diverged(what, epoch, lr, updates, config, X, targets=None):
    """The TrainingDiverged for an epoch (counted from 0) at learning rate lr.

    what: the loss or gradient that is not finite ('nan', 'inf', 'a gradient of inf or
    nan'); None when an update made the weights so. updates: how many the run has made.
    X: the training inputs; targets: a regression's encoded targets (None otherwise)."""
    scale, too_large = data_scale(config, X, targets)
    if what is not None and updates == 0:  # lr has played no part yet
        return TrainingDiverged(f"the loss became {what} at epoch {epoch + 1}, before any update (so not because "
                                f"of the learning rate): {too_large}")
    what = "an update made the weights inf or nan" if what is None else f"the loss became {what}"
    advice = too_large if scale > HUGE else f"try a lower learning rate, e.g. --lr {config['optimizer']['lr'] / 10:g}"
    return TrainingDiverged(f"{what} at epoch {epoch + 1} (lr {lr:g}): training diverged; {advice}")


def data_scale(config, X, targets=None):
    """(the largest input or regression target, what to do about it in words)."""
    with np.errstate(all="ignore"):
        x = float(np.max(np.abs(X), initial=0.0))
        t = 0.0 if targets is None else float(np.max(np.abs(targets), initial=0.0))
    if t > x:
        return t, f"the targets reach {t:g}, too large for the network's outputs; rescale the target column"
    standardize = "" if config["data"].get("standardize") else " or set data.standardize: true"
    return x, f"the inputs reach {x:g}, too large for the network to compute with; rescale them{standardize}"
