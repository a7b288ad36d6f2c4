"""What training, eval and the log report about a model's outputs, beside the loss.

Each epoch's record holds, for its task, these keys (None where a split has no rows):
    epoch, loss (the training objective, l2 included), val_loss, test_loss (the same loss
    without the l2 term), lr, seconds, and per split (train, val, test):
        classification  {split}_acc            the fraction of samples classified right
        regression      {split}_mse, _mae, _r2 in the target's own units

The training split's metrics come from the epoch's own forward passes (before each
update, as micrograd's demo reports them); the validation and test ones from the
weights at the end of the epoch.
"""

import numpy as np

SPLITS = ("train", "val", "test")
TASK_METRICS = {"classification": ("acc",), "regression": ("mse", "mae", "r2")}


def record_keys(task):
    """An epoch record's keys for a task, in the order the table shows them."""
    keys = ["epoch", "loss"]
    for split in SPLITS:
        if split != "train":
            keys.append(f"{split}_loss")
        keys += [f"{split}_{m}" for m in TASK_METRICS[task]]
    return keys + ["lr", "seconds"]


def accuracy(predicted, y):
    """The fraction of predicted classes equal to y, or None for no samples."""
    return None if len(y) == 0 else float(np.mean(np.asarray(predicted) == np.asarray(y)))


def regression(predicted, y):
    """{'mse', 'mae', 'r2'} of predictions against targets, both in the target's units.

    R² = 1 - sum((y - prediction)²) / sum((y - mean(y))²): 1 is perfect, 0 no better than
    predicting the mean; None when the targets do not vary (or there are none)."""
    if len(y) == 0:
        return {"mse": None, "mae": None, "r2": None}
    predicted, y = np.asarray(predicted, dtype=np.float64).reshape(-1), np.asarray(y, dtype=np.float64)
    with np.errstate(all="ignore"):  # a diverging model: inf and nan, reported as they are
        err = predicted - y
        spread = float(np.sum((y - y.mean()) ** 2))
        r2 = 1.0 - float(np.sum(err ** 2)) / spread if spread > 0 else None
        return {"mse": float(np.mean(err ** 2)), "mae": float(np.mean(np.abs(err))), "r2": r2}
