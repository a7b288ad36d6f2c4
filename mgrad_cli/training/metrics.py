"""What training, eval and the log report about a model's outputs, beside the loss.

Each epoch's record holds, for its task, these keys (None where a split has no rows):
    epoch, loss (the training objective, l2 included), val_loss, test_loss (the same loss
    without the l2 term), lr, seconds, and per split (train, val, test):
        classification  {split}_acc            the fraction of samples classified right
        regression      {split}_mse, _mae, _r2 in the target's own units

The training split's metrics come from the epoch's own forward passes (before each
update, as micrograd's demo reports them); the validation and test ones from the
weights at the end of the epoch.

A row whose outputs hold a nan has no class: it counts as wrong, in training's records
and in `mgrad eval` alike (classes() marks it NO_CLASS).
"""

import numpy as np

from ..nn import losses

# the rows of a data set that an epoch's record reports on: the training rows, the
# validation rows (data.val_split) and the test rows (data.test_split)
SPLITS = ("train", "val", "test")
NO_CLASS = -1  # the class of a row whose outputs hold a nan
TASK_METRICS = {"classification": ("acc",), "regression": ("mse", "mae", "r2")}


def record_keys(task):
    """An epoch record's keys for a task, in the order the table shows them."""
    keys = ["epoch", "loss"]
    for split in SPLITS:
        if split != "train":
            keys.append(f"{split}_loss")
        keys += [f"{split}_{m}" for m in TASK_METRICS[task]]
    return keys + ["lr", "seconds"]


def classes(outputs, output="linear"):
    """Each row's predicted class (losses.predict_classes: the largest output, or a single
    output's threshold), or NO_CLASS where an output is nan: argmax or a threshold would
    make nan a class."""
    outputs = np.asarray(outputs, dtype=np.float64)
    with np.errstate(all="ignore"):
        predicted = np.asarray(losses.predict_classes(outputs, output), dtype=np.int64)
    predicted[np.isnan(outputs).any(axis=1)] = NO_CLASS
    return predicted


def accuracy(predicted, y):
    """The fraction of predicted classes (classes()) equal to y, NO_CLASS never, or None
    for no samples."""
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


def at_chance(record, task, y_train):
    """Whether an epoch's record is no better than chance on the training rows: an
    accuracy at most the largest class's share of them, or an R² at most 0 (no better
    than predicting the mean). False when the record has no such figure."""
    if task == "regression":
        r2 = record.get("train_r2")
        return r2 is not None and r2 <= 0
    acc = record.get("train_acc")
    if acc is None or len(y_train) == 0:
        return False
    # rows right against the largest class's rows: a share such as 1/3 compares exactly
    return acc * len(y_train) <= np.bincount(np.asarray(y_train, dtype=np.int64)).max() + 1e-9
