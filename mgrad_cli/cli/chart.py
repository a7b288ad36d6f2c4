"""Line charts made of text, for the terminal: a curve per series over whole-number epochs.

A panel is a title, `height` rows of plot with the y ticks on the left, an axis and the
epoch ticks: height + 3 lines, and a note under them when the axis needs one. A curve is
drawn honestly:

- Each column covers a slice of the epochs and shows the whole range of the curve over
  it (its lowest to its highest value, and where it enters and leaves), not one sample:
  with more epochs than columns, a spike still reaches the top of the axis. The curve is
  straight between two recorded epochs (as a line plot draws it).
- The axis spans the values exactly, so the curve touches its top and bottom rows. A loss
  whose positive values span more than a decade (LOG_SPAN) gets a log axis; there a
  value <= 0 is drawn on the bottom edge, and a note under the axis says so. Accuracy and
  R² stay linear.
- The y ticks are nice numbers (1, 2 or 5 times a power of ten: numbers.nice_ceiling),
  each on the row nearest its value, at least two rows apart where the rows allow.
- The training curve is a line (─ │ ╭ ╮ ╰ ╯, ┴ ┬ ├ ┤ ┼ where it turns back within a
  column), drawn last, so it shows wherever it runs; the validation and test curves are
  marks (× •), and a cell both reach shows ⊗ (BOTH). A legend names each glyph.

On a terminal each series also has its colour (Okabe and Ito's colour-blind-safe
palette). The result is rich Text: the caller prints it, and rich drops the colour when
the output is not a terminal, leaving plain characters.
"""

import math
from dataclasses import dataclass

import numpy as np
from rich.text import Text

from ..numbers import nice_above, nice_ceiling, tick_percent, tick_text

# split -> (glyph, colour); None: the line
MARKS = {"train": (None, "#0072B2"), "val": ("×", "#009E73"), "test": ("•", "#E69F00")}
BOTH = ("⊗", "#CC79A7")  # a cell that two or more marked series reach
LABELS = {"train": "train", "val": "val", "test": "test", "both": "val and test"}
HEIGHT = 10  # rows of plot: a panel is 13 lines
LOG_SPAN = 10  # a loss axis is logarithmic when its largest positive value is over this times its smallest
NOTE = "values ≤ 0 drawn on the bottom edge"
GAP = "   "
# a cell of the line by the sides it joins: (up, down, left, right) -> glyph
LINE = {(0, 0, 1, 1): "─", (1, 1, 0, 0): "│", (0, 1, 1, 0): "╮", (1, 0, 1, 0): "╯", (0, 1, 0, 1): "╭",
        (1, 0, 0, 1): "╰", (1, 0, 1, 1): "┴", (0, 1, 1, 1): "┬", (1, 1, 1, 0): "┤", (1, 1, 0, 1): "├",
        (1, 1, 1, 1): "┼", (0, 1, 0, 0): "╷", (1, 0, 0, 0): "╵", (0, 0, 1, 0): "─", (0, 0, 0, 1): "─",
        (0, 0, 0, 0): "─"}
HEAVY = dict(zip(LINE, "━┃┓┛┏┗┻┳┫┣╋╻╹━━━"))  # the line where a marked series reaches the same cell


def run_chart(history, task, width, height=HEIGHT):
    """The chart of a run's epoch records (metrics.record_keys): the loss of each split
    and, beside it, the accuracy (classification) or R² (regression), with a legend line
    under both. [] for fewer than two epochs, where there is no curve to draw."""
    if len(history) < 2:
        return []
    epochs = [r["epoch"] for r in history]

    def series(key):
        return [(split, [r.get(key.format(split=split)) for r in history]) for split in MARKS]

    losses = series("{split}_loss")
    losses[0] = ("train", [r["loss"] for r in history])  # the training loss is the record's "loss"
    if task == "classification":
        other = ("accuracy", epochs, series("{split}_acc"), "percent")
    else:
        other = ("r²", epochs, series("{split}_r2"), "linear")
    return panels([("loss", epochs, losses, "loss"), other], width, height, legend=LABELS, both=BOTH)


def panels(charts, width, height=HEIGHT, marks=MARKS, legend=None, both=None):
    """Panels side by side, as lines of Text. `charts` is a list of (title, epochs, series,
    kind): series a list of (name, values) with None for an epoch without a value; kind
    "loss" (a log axis when the values span more than a decade), "percent" or "linear".
    Each panel gets an equal share of `width`. `marks`: each series' (glyph, colour) by
    its name, glyph None for the line. `legend`: None to name the series in each panel's
    title, or {name: label} for one legend line under the panels. `both`: the (glyph,
    colour) of a cell that two marked series reach (None: the later one shows)."""
    charts = [c for c in charts if any(_points(c[1], v)[0].size for _, v in c[2])]
    if not charts:
        return []
    each = (width - len(GAP) * (len(charts) - 1)) // len(charts)
    drawn = [panel(*c, width=each, height=height, marks=marks, titled=legend is None, both=both)
             for c in charts]
    lines = []
    for i in range(max(len(part) for part, _ in drawn)):
        line = Text()
        for j, (part, _) in enumerate(drawn):
            piece = part[i] if i < len(part) else Text(" " * each)
            line.append_text(piece if j == 0 else Text(GAP) + piece)
        line.rstrip()
        lines.append(line)
    if legend is not None:
        used = set().union(*(names for _, names in drawn))
        lines.append(_legend(legend, used, marks, both, width))
    return lines


def panel(title, epochs, series, kind, width, height=HEIGHT, marks=MARKS, titled=True, both=None):
    """One chart as `height + 3` lines of Text (one more for the axis's note), each
    `width` cells wide, and the names of the glyphs it drew ("both" for BOTH's)."""
    series = [(name, *_points(epochs, values)) for name, values in series]
    series = [s for s in series if s[1].size]
    axis = Axis.fit([ys for _, _, ys in series], kind, height)
    labels = axis.ticks()
    margin = max((len(s) for s in labels.values()), default=0) + 1
    cols = max(width - margin - 1, 2)
    e0, e1 = min(xs[0] for _, xs, _ in series), max(xs[-1] for _, xs, _ in series)
    grid, used = _draw(series, axis, (e0, e1, cols), marks, both)
    title += ", log scale" if axis.log else ""
    lines = [_title(title, [name for name, _, _ in series], width, marks) if titled else Text(title)]
    for r in range(height):
        text = Text(labels.get(r, "").rjust(margin - 1) + " " + ("┤" if r in labels else "│"))
        for ch, style in grid[r]:
            text.append(ch, style=style)
        lines.append(text)
    lines += _x_axis(e0, e1, cols, margin)
    if axis.clipped:
        lines.append(Text(NOTE))
    for line in lines:
        line.truncate(width, pad=True)
    return lines, used


@dataclass
class Axis:
    """A y axis: it spans lo to hi (log10 of the values on a log axis) over `height`
    rows, row 0 at the top."""
    lo: float
    hi: float
    height: int
    log: bool = False
    percent: bool = False
    clipped: bool = False  # a log axis with values <= 0, drawn on the bottom edge

    @classmethod
    def fit(cls, values, kind, height):
        ys = np.concatenate(values)
        positive = ys[ys > 0]
        log = bool(kind == "loss" and positive.size > 1 and positive.max() > LOG_SPAN * positive.min())
        ts = np.log10(positive) if log else ys
        lo, hi = float(ts.min()), float(ts.max())
        if hi - lo <= 1e-6 * max(abs(hi), 1e-6):  # flat (within a table's 6 digits): in the middle
            lo, hi = lo - max(abs(lo), 1.0) * 0.05, hi + max(abs(hi), 1.0) * 0.05
        return cls(lo, hi, height, log, kind == "percent", bool(log and (ys <= 0).any()))

    def to_axis(self, ys):
        """Values in the axis's units: log10 on a log axis, where <= 0 is the bottom edge."""
        if not self.log:
            return ys
        out = np.full(ys.shape, self.lo)
        out[ys > 0] = np.log10(ys[ys > 0])
        return out

    def position(self, t):
        """Where t (in axis units) falls, in rows from the top (not rounded)."""
        return (self.hi - t) / (self.hi - self.lo) * (self.height - 1)

    def row(self, t):
        return min(max(math.floor(self.position(t) + 0.5), 0), self.height - 1)

    def ticks(self):
        """{row: label} of the nice values on the axis, each on its nearest row."""
        per_row = (self.hi - self.lo) / (self.height - 1)
        return _choose(self._log_options(per_row) if self.log else self._linear_options(per_row))

    def _on_rows(self, ticks):
        rows = {}
        for t, label in ticks:
            r = math.floor(self.position(t) + 0.5)
            if 0 <= r < self.height:
                rows.setdefault(r, label)
        return rows

    def _linear_options(self, per_row):
        """[(rows between two ticks, {row: label})] for two nice steps: one at least a row
        apart, the next at least two."""
        scale = 100 if self.percent else 1
        step = nice_ceiling(per_row * scale) / scale
        options = []
        for step in (step, nice_above(step * scale) / scale):
            first, last = math.ceil((self.lo - per_row) / step), math.floor((self.hi + per_row) / step)
            fmt = tick_percent if self.percent else tick_text
            options.append((step / per_row, self._on_rows((k * step, fmt(k * step, step))
                                                          for k in range(first, last + 1))))
        return options

    def _log_options(self, per_row):
        """[(rows between two ticks, {row: label})] from 1, 2 and 5 in each decade to every
        decade, then every nth (n nice) where the axis spans many."""
        spans = sorted({1, int(nice_ceiling(max(per_row, 1))), int(nice_ceiling(max(2 * per_row, 1)))})
        options = [(math.log10(2) / per_row, (1, 2, 5), 1)] + [(n / per_row, (1,), n) for n in spans]
        first, last = math.floor(self.lo - per_row), math.ceil(self.hi + per_row)
        found = []
        for apart, mantissas, every in options:
            ticks = [(power + math.log10(m), tick_text(v, v)) for power in range(first, last + 1)
                     if power % every == 0 for m in mantissas for v in [float(f"{m}e{power}")]
                     if 0 < v < math.inf]  # past float64's range: not a value
            found.append((apart, self._on_rows(ticks)))
        return found


def _choose(options):
    """The densest ticks at least two rows apart, unless they are fewer than two: then the
    densest at least a row apart that are two or more."""
    roomy = [rows for apart, rows in options if apart >= 2 - 1e-9]
    if roomy and len(roomy[0]) >= 2:
        return roomy[0]
    tight = [rows for apart, rows in options if apart >= 1 - 1e-9 and len(rows) >= 2]
    return tight[-1] if tight else (roomy[0] if roomy else {})


def _points(epochs, values):
    """The epochs and values of a series where it has a finite value, as arrays."""
    pairs = [(e, v) for e, v in zip(epochs, values) if v is not None and math.isfinite(v)]
    return np.array([p[0] for p in pairs], dtype=float), np.array([p[1] for p in pairs], dtype=float)


def _spans(xs, ts, e0, e1, cols):
    """Per column, the curve over the column's epochs (straight between the recorded ones):
    (entry, exit, low, high, joins the column on the left, on the right), or None where
    the series has no value. Column c is centred on its epoch e0 + c * (e1 - e0) / (cols - 1)
    and reaches halfway to its neighbours', so a column's exit is its neighbour's entry."""
    step = (e1 - e0) / (cols - 1)
    bounds = e0 + (np.arange(cols + 1) - 0.5) * step
    inside = (xs[0] <= bounds) & (bounds <= xs[-1]) & (xs[0] < xs[-1])  # the curve crosses this boundary
    spans = []
    for c in range(cols):
        left, right = max(bounds[c], xs[0]), min(bounds[c + 1], xs[-1])
        if left > right:
            spans.append(None)
            continue
        entry, exit_ = np.interp([left, right], xs, ts)
        within = ts[(xs >= left) & (xs <= right)]
        low, high = min(entry, exit_, *within), max(entry, exit_, *within)
        spans.append((entry, exit_, low, high, c > 0 and inside[c], c < cols - 1 and inside[c + 1]))
    return spans


def _draw(series, axis, frame, marks, both):
    """The plot's cells, [row][column] -> (character, style), and the names of the glyphs
    drawn: a series' name, "both" for BOTH, "on:NAME" for the heavy line over a mark."""
    e0, e1, cols = frame
    lines = [[None] * cols for _ in range(axis.height)]  # the line's glyph in a cell
    reached = [[[] for _ in range(cols)] for _ in range(axis.height)]  # the marked series in a cell
    for name, xs, ys in series:
        line = marks[name][0] is None
        for c, span in enumerate(_spans(xs, axis.to_axis(ys), e0, e1, cols)):
            if span is None:
                continue
            a, b, top, bottom = axis.row(span[0]), axis.row(span[1]), axis.row(span[3]), axis.row(span[2])
            for r in range(top, bottom + 1):
                if line:
                    sides = (r > top, r < bottom, span[4] and r == a, span[5] and r == b)
                    lines[r][c] = (tuple(map(int, sides)), marks[name][1])
                else:
                    reached[r][c].append(name)
    grid, used = _render(lines, reached, marks, both)
    return grid, used | {name for name, _, _ in series}


def _render(lines, reached, marks, both):
    """The cells drawn: the line wherever it runs (heavy where a marked series reaches
    the cell too), else the mark, or `both` where several meet."""
    grid, used = [], set()
    for line_row, reached_row in zip(lines, reached):
        row = []
        for line, names in zip(line_row, reached_row):
            used.update(names)
            if line is not None:
                used.update(f"on:{name}" for name in names)
                row.append(((HEAVY if names else LINE)[line[0]], line[1]))
            elif len(set(names)) > 1 and both is not None:
                used.add("both")
                row.append(both)
            else:
                row.append(marks[names[-1]] if names else (" ", None))
        grid.append(row)
    return grid, used


def _title(title, names, width, marks):
    text = Text(title)
    for name in names:
        glyph, style = marks[name]
        text.append("  ")
        text.append("──" if glyph is None else glyph * 2, style=style)
        text.append(f" {name}")
    text.truncate(width)
    return text


def _legend(labels, used, marks, both, width):
    """One line naming each glyph drawn: ── train  ━━ train and test  •• test."""
    entries = []
    for name, label in labels.items():
        if name not in used:
            continue
        glyph, style = both if name == "both" else marks[name]
        entries.append(("──" if glyph is None else glyph * 2, style, label))
        under = [labels[other] for other in labels if f"on:{other}" in used]
        if glyph is None and under:
            entries.append(("━━", style, f"{label} and {' or '.join(under)}"))
    text = Text()
    for glyph, style, label in entries:
        text.append("  " if text else "")
        text.append(glyph, style=style)
        text.append(f" {label}")
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
