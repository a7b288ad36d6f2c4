"""The columns of `mgrad train`'s table: text only (the commands print it).

A column has a fixed width that any value fits, whatever its magnitude (numbers.number),
so the rows printed one epoch at a time stay aligned.
"""

from ..numbers import duration, number, percent

def _mse(v):
    return number(v, 10, 5)


def _r2(v):
    return number(v, 8, 4)


# record key (metrics.record_keys) -> (header, width, how a value reads)
COLUMNS = {"loss": ("loss", 12, number), "lr": ("lr", 10, lambda v: f"{v:.4g}"),
           "seconds": ("time", 7, duration)}
for _split in ("train", "val", "test"):
    COLUMNS.update({f"{_split}_loss": (f"{_split} loss", 12, number), f"{_split}_acc": (f"{_split} acc", 9, percent),
                    f"{_split}_mse": (f"{_split} mse", 10, _mse), f"{_split}_mae": (f"{_split} mae", 10, _mse),
                    f"{_split}_r2": (f"{_split} r²", 8, _r2)})
# the table's columns per task (the log has every key): a regression run shows the errors
# in the target's units (its test loss is the test mse over the target's variance), and
# its validation rows by their loss only, which early stopping watches
TABLE_KEYS = {
    "classification": ("epoch", "loss", "train_acc", "val_loss", "val_acc", "test_loss", "test_acc", "lr", "seconds"),
    "regression": ("epoch", "loss", "train_mse", "train_mae", "train_r2", "val_loss", "test_mse", "test_mae",
                   "test_r2", "lr", "seconds"),
}


class Table:
    """The epoch table of a run: the columns its task and splits have, each as wide as its
    header and any value. header() and row(record) give lines of text."""

    def __init__(self, task, splits, epochs):
        """splits: those with rows ('train', 'val', 'test'); epochs: the last epoch number."""
        self.keys = [k for k in TABLE_KEYS[task] if k.split("_")[0] not in ("val", "test") or k.split("_")[0] in splits]
        self.widths = [max(5, len(str(epochs))) if k == "epoch" else max(COLUMNS[k][1], len(COLUMNS[k][0]))
                       for k in self.keys]

    def header(self):
        return "  ".join(("epoch" if k == "epoch" else COLUMNS[k][0]).rjust(w) for k, w in zip(self.keys, self.widths))

    def row(self, record):
        cells = [str(record["epoch"]) if k == "epoch" else COLUMNS[k][2](record.get(k)) for k in self.keys]
        return "  ".join(c.rjust(w) for c, w in zip(cells, self.widths))
