"""How numbers, times and counts read in the terminal, and the columns of `mgrad train`'s
table: text only (the commands print it).

A column has a fixed width that any value fits, whatever its magnitude (a loss of
4937.654736 or 1.2e+300 alike), so the rows printed one epoch at a time stay aligned.
"""

import math



def number(x, width=12, digits=6):
    """x with `digits` significant digits (fixed-point from 1e-4 up to 10**digits, else
    with an exponent), in at most `width` characters."""
    if x is None:
        return "-"
    if not math.isfinite(x) or x == 0:
        return str(x) if x else "0"
    for d in range(digits, 0, -1):
        magnitude = math.floor(math.log10(abs(float(f"{x:.{d - 1}e}"))))  # after rounding: 99999.99 is 1e5
        text = f"{x:.{d - 1 - magnitude}f}" if -4 <= magnitude < d else f"{x:.{d - 1}e}"
        if len(text) <= width:
            return text
    return text


def percent(fraction):
    return "-" if fraction is None else f"{100 * fraction:.1f}%"


def duration(seconds):
    """'412 ms' under a second, '3.2 s' under a minute, then '2 min 05 s'."""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms" if seconds >= 0.0095 else f"{seconds * 1000:.1g} ms"
    if seconds < 59.95:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def plural(n, word, words=None):
    """'1 epoch', '3 epochs'; `words` for an irregular plural."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


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
