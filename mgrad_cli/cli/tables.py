"""The columns of `mgrad train`'s table, laid out to fit the terminal: text only (the
commands print it).

A column has a fixed width that any value fits, whatever its magnitude (numbers.number
shortens a number's digits, never cuts it), so the rows printed one epoch at a time stay
aligned. The table fits the width it is given: headers of two words are stacked on two
lines where one line would be too wide, and past that the least useful columns are left
out (dropped(), said in one line; the --log keeps every number).
"""

import math

from ..numbers import duration, number, percent

SEP = "  "  # between columns


def _loss(v):
    return number(v, 9, 6)


def _error(v):  # MSE and MAE, in the target's units
    return number(v, 8, 5)


def _r2(v):
    return number(v, 7, 4)


# record key (metrics.record_keys) -> (header, width of a value, how a value reads)
COLUMNS = {"loss": ("loss", 9, _loss), "seconds": ("time", 7, duration)}
for _split in ("train", "val", "test"):
    COLUMNS.update({f"{_split}_loss": (f"{_split} loss", 9, _loss), f"{_split}_acc": (f"{_split} acc", 6, percent),
                    f"{_split}_mse": (f"{_split} mse", 8, _error), f"{_split}_mae": (f"{_split} mae", 8, _error),
                    f"{_split}_r2": (f"{_split} r²", 7, _r2)})
# the table's columns per task (the log has every key): a regression run shows the errors
# in the target's units (its test loss is the test mse over the target's variance), and
# its validation rows by their loss only, which early stopping watches
TABLE_KEYS = {
    "classification": ("epoch", "loss", "train_acc", "val_loss", "val_acc", "test_loss", "test_acc", "lr", "seconds"),
    "regression": ("epoch", "loss", "train_mse", "train_mae", "train_r2", "val_loss", "test_mse", "test_mae",
                   "test_r2", "lr", "seconds"),
}
# the columns left out first where even stacked headers do not fit, in this order
DROP_ORDER = ("train_mae", "test_mae", "train_mse", "test_mse", "seconds", "lr", "val_acc", "train_acc")


def lr_format(lr0):
    """The lr column's format: the same decimals on every row, enough for 4 significant
    digits of the starting lr (0.05 -> 0.05000, then 0.04913, 0.04655, ...)."""
    decimals = max(0, 3 - math.floor(math.log10(lr0))) if lr0 > 0 else 4

    def fmt(v):
        if v is None:
            return "-"
        text = f"{v:.{decimals}f}"
        return text if float(text) != 0 or v == 0 else number(v, 9, 4)
    return fmt


class Table:
    """The epoch table of a run: the columns its task and splits have, each as wide as its
    header and any value, within `width` characters. header() (a line or two) and
    row(record) give lines of text; dropped() names the columns left out to fit."""

    def __init__(self, task, splits, epochs, width=100, lr=None):
        """splits: those with rows ('train', 'val', 'test'); epochs: the last epoch number;
        lr: the starting learning rate where a schedule changes it (None: no lr column,
        as the run header gives the one lr)."""
        self.formats = {k: COLUMNS[k][2] for k in COLUMNS}
        self.formats["lr"] = lr_format(lr if lr is not None else 1.0)
        keys = [k for k in TABLE_KEYS[task]
                if (k.split("_")[0] not in ("val", "test") or k.split("_")[0] in splits) and (k != "lr" or lr)]
        self.epoch_width = max(5, len(str(epochs)))
        self.all_keys = keys
        self.stacked = False
        for stacked in (False, True):
            self.stacked = stacked
            self.keys = list(keys)
            if self._width() <= width:
                return
        for key in DROP_ORDER:  # stacked, and still too wide
            if key in self.keys:
                self.keys.remove(key)
                if self._width() <= width:
                    return

    def _header(self, key):
        return {"epoch": "epoch", "lr": "lr"}.get(key) or COLUMNS[key][0]

    def _value_width(self, key):
        return {"epoch": self.epoch_width, "lr": 8}.get(key) or COLUMNS[key][1]

    def _col_width(self, key):
        words = self._header(key).split(" ") if self.stacked else [self._header(key)]
        return max([self._value_width(key)] + [len(w) for w in words])

    def _width(self):
        return sum(self._col_width(k) for k in self.keys) + len(SEP) * (len(self.keys) - 1)

    def header(self):
        """The header's lines: one, or two where headers of two words are stacked."""
        widths = [self._col_width(k) for k in self.keys]
        if not self.stacked:
            return [SEP.join(self._header(k).rjust(w) for k, w in zip(self.keys, widths))]
        parts = [self._header(k).split(" ", 1) for k in self.keys]
        top = SEP.join((p[0] if len(p) == 2 else "").rjust(w) for p, w in zip(parts, widths))
        bottom = SEP.join(p[-1].rjust(w) for p, w in zip(parts, widths))
        return [top.rstrip(), bottom]

    def dropped(self):
        """The headers of the columns left out to fit, in the table's order."""
        return [self._header(k) for k in self.all_keys if k not in self.keys]

    def row(self, record):
        cells = [str(record["epoch"]) if k == "epoch" else self.formats[k](record.get(k)) for k in self.keys]
        return SEP.join(c.rjust(self._col_width(k)) for c, k in zip(cells, self.keys))
