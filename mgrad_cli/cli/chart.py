"""Line charts made of text, for the terminal: a curve per series over whole-number epochs.

A panel is a title with its legend, `height` rows of plot with the y values on the
left, an axis and the epoch ticks: height + 3 lines. The training rows' curve is drawn
as a line (─ │ ╭ ╮ ╰ ╯), the validation and test ones as markers (× •), so they stay
apart without colour; on a terminal each also has its colour (Okabe and Ito's
colour-blind-safe palette). The result is rich Text: the caller prints it, and rich drops
the colour when the output is not a terminal, leaving plain characters.
"""

import math

import numpy as np
from rich.text import Text

# split -> (glyph, colour); None: the line
MARKS = {"train": (None, "#0072B2"), "val": ("×", "#009E73"), "test": ("•", "#E69F00")}
HEIGHT = 10  # rows of plot: a panel is 13 lines
LINE = {(0, 0): "─", (1, 0): "╯", (1, 1): "╭", (-1, 0): "╮", (-1, 1): "╰"}  # (direction, end) -> glyph
GAP = "   "


def run_chart(history, task, width, height=HEIGHT):
    """The chart of a run's epoch records (metrics.record_keys): the loss of each split
    and, beside it, the accuracy (classification) or R² (regression). [] for fewer than
    two epochs, where there is no curve to draw."""
    if len(history) < 2:
        return []
    epochs = [r["epoch"] for r in history]

    def series(key):
        return [(split, [r.get(key.format(split=split)) for r in history]) for split in MARKS]

    losses = series("{split}_loss")
    losses[0] = ("train", [r["loss"] for r in history])  # the training loss is the record's "loss"
    if task == "classification":
        other = ("accuracy", epochs, series("{split}_acc"), lambda v: f"{100 * v:.1f}%")
    else:
        other = ("r²", epochs, series("{split}_r2"), _value)
    return panels([("loss", epochs, losses, _value), other], width, height)


def _value(v):
    return f"{v:.4g}"


def panels(charts, width, height=HEIGHT, marks=MARKS):
    """Panels side by side, as lines of Text. `charts` is a list of (title, epochs, series,
    fmt): series a list of (split, values) with None for an epoch without a value, fmt
    formats a y value. Each panel gets an equal share of `width`. `marks`: each series'
    (glyph, colour) by its name, glyph None for a line."""
    charts = [c for c in charts if any(_points(c[1], v)[0].size for _, v in c[2])]
    if not charts:
        return []
    each = (width - len(GAP) * (len(charts) - 1)) // len(charts)
    drawn = [panel(*c, width=each, height=height, marks=marks) for c in charts]
    lines = []
    for row in zip(*drawn):
        line = Text()
        for i, part in enumerate(row):
            line.append_text(part if i == 0 else Text(GAP) + part)
        line.rstrip()
        lines.append(line)
    return lines


def panel(title, epochs, series, fmt, width, height=10, marks=MARKS):
    """One chart as `height + 3` lines of Text, each `width` cells wide."""
    series = [(split, split, *_points(epochs, values)) for split, values in series]
    series = [s for s in series if s[2].size]
    lo = min(ys.min() for _, _, _, ys in series)
    hi = max(ys.max() for _, _, _, ys in series)
    if hi - lo <= 1e-12 * max(abs(hi), 1.0):  # a flat curve sits in the middle
        lo, hi = lo - max(abs(lo), 1.0) * 0.05, hi + max(abs(hi), 1.0) * 0.05
    labels = {0: fmt(hi), height // 2: fmt(hi - (hi - lo) * (height // 2) / (height - 1)), height - 1: fmt(lo)}
    margin = max(len(s) for s in labels.values()) + 1
    cols = max(width - margin - 1, 2)
    e0, e1 = min(xs[0] for _, _, xs, _ in series), max(xs[-1] for _, _, xs, _ in series)
    grid = [[(" ", None)] * cols for _ in range(height)]
    for split, _, xs, ys in series:
        rows = _rows(xs, ys, e0, e1, cols, lo, hi, height)
        (_draw_line if marks[split][0] is None else _draw_marks)(grid, rows, marks[split])
    lines = [_title(title, series, width, marks)]
    for r in range(height):
        text = Text(labels.get(r, "").rjust(margin - 1) + " " + ("┤" if r in labels else "│"))
        for ch, style in grid[r]:
            text.append(ch, style=style)
        lines.append(text)
    lines += _x_axis(e0, e1, cols, margin)
    return [line.copy() if line.cell_len >= width else line + " " * (width - line.cell_len) for line in lines]


def _points(epochs, values):
    """The epochs and values of a series where it has a finite value, as arrays."""
    pairs = [(e, v) for e, v in zip(epochs, values) if v is not None and math.isfinite(v)]
    return np.array([p[0] for p in pairs], dtype=float), np.array([p[1] for p in pairs], dtype=float)


def _rows(xs, ys, e0, e1, cols, lo, hi, height):
    """The row (0 at the top) of the series in each column, or None where it has no value:
    each column is an epoch, interpolated between the recorded ones."""
    at = e0 + (e1 - e0) * np.arange(cols) / max(cols - 1, 1) if e1 > e0 else np.full(cols, e0)
    values = np.interp(at, xs, ys)
    inside = (at >= xs[0] - 1e-9) & (at <= xs[-1] + 1e-9)
    rows = np.rint((hi - values) / (hi - lo) * (height - 1)).astype(int)
    return [int(r) if ok else None for r, ok in zip(rows, inside)]


def _draw_line(grid, rows, mark):
    style, previous = mark[1], None
    for c, r in enumerate(rows):
        if r is None:
            previous = None
            continue
        if previous is None or previous == r:
            grid[r][c] = (LINE[0, 0], style)
        else:
            way = 1 if r < previous else -1  # 1: up (a smaller row is higher)
            grid[previous][c] = (LINE[way, 0], style)
            for between in range(min(r, previous) + 1, max(r, previous)):
                grid[between][c] = ("│", style)
            grid[r][c] = (LINE[way, 1], style)
        previous = r


def _draw_marks(grid, rows, mark):
    glyph, style = mark
    for c, r in enumerate(rows):
        if r is not None:
            grid[r][c] = (glyph, style)


def _title(title, series, width, marks):
    text = Text(title)
    for split, name, _, _ in series:
        glyph, style = marks[split]
        text.append("  ")
        text.append("──" if glyph is None else glyph * 2, style=style)
        text.append(f" {name}")
    text.truncate(width)
    return text


def _x_axis(e0, e1, cols, margin):
    """The axis with a tick at whole epochs (the first, the last, round numbers between)
    and their labels."""
    def column(e):
        return 0 if e1 == e0 else int(round((e - e0) / (e1 - e0) * (cols - 1)))

    first, last = int(e0), int(e1)
    ticks = [first] if first == last else [first, last]
    step = next(s * 10 ** p for p in range(12) for s in (1, 2, 5)
                if (last - first) / (s * 10 ** p) <= max(cols // 10, 1))
    width_of = len(str(last)) + 2
    for e in range(first - first % step + step, last, step):
        if column(e) - column(first) >= width_of and column(last) - column(e) >= width_of:
            ticks.append(e)
    axis = ["─"] * cols
    labels = [" "] * (cols + len(str(last)))
    for e in sorted(ticks):
        c = column(e)
        axis[c] = "┬"
        s = str(e)
        start = c if e == first else min(c - len(s) // 2, cols - len(s)) if e != last else c + 1 - len(s)
        start = max(start, 0)
        labels[start:start + len(s)] = s
    return [Text(" " * (margin - 1) + " └" + "".join(axis)),
            Text(" " * (margin + 1) + "".join(labels).rstrip())]
