"""The tables and the chart of many runs: a sweep's results, its statistics over seeds,
and `mgrad compare`'s runs side by side (text only: the commands print them).

A table has a column per setting that differs between the runs (the swept keys), then
the numbers: the best loss of the split the runs are ranked by, the last accuracy (or
R²) of each held-out split, the time. Numbers never wrap or shrink; a setting's column
gives way first, its values cut with an ellipsis, so the table fits the terminal (80
columns for three settings). Every cell is rich Text, never markup: a value from a file
([red] in a CSV's class name, a run folder's name) prints as it is.
"""

import textwrap

from rich import box
from rich.table import Table
from rich.text import Text

from . import chart
from ..errors import shorten, show
from ..experiments.runs import SPLIT_NAMES, loss_key
from ..numbers import duration, number, percent

# runs overlaid on one chart: a glyph each, and on a terminal a colour each (Okabe and
# Ito's colour-blind-safe palette, with grey for its black)
RUN_GLYPHS = "•×+o*#%@"
RUN_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#999999")
SHORT_SPLITS = {"train": "train", "val": "val", "test": "test"}
GAP = 2        # characters between two columns
MIN_TEXT = 6   # a setting's or a name's column is narrowed to this before any goes further,
LEAST_TEXT = 3  # and to this at the most (two characters and an ellipsis)


def loss(v):
    return number(v, 9, 4)


def _r2(v):
    return number(v, 8, 4)


def metric_columns(outcomes, split):
    """[(header, outcome key, format)] of the numbers a table of these runs shows: the
    best loss of `split` (runs.primary_split), then the last accuracy or R² of each
    held-out split the runs have (the training rows' when they have none)."""
    best = loss_key(split, best=True)
    cols = [(f"best {SHORT_SPLITS[split]} loss" if split != "train" else "best loss", best, loss)]
    held = [s for s in ("val", "test") if any(loss_key(s, best=True) in o for o in outcomes)] or ["train"]
    for s in held:
        if any(f"{s}_acc" in o for o in outcomes):
            cols.append((f"{s} acc", f"{s}_acc", percent))
        elif any(f"{s}_r2" in o for o in outcomes):
            cols.append((f"{s} r²", f"{s}_r2", _r2))
    return cols


def table(headers, rows, kinds, width):
    """A rich Table of text rows within `width` columns. kinds[i]: 'number' (right-justified
    and whole: if need be its header wraps onto two lines), 'word' (a status: whole) or
    'text' (a setting or a name: narrowed, the widest first, down to MIN_TEXT characters,
    then if need be to LEAST_TEXT, its values cut with an ellipsis)."""
    cells = [max([len(str(r[i])) for r in rows] or [0]) for i in range(len(headers))]
    widths = [max(len(h), c) for h, c in zip(headers, cells)]
    if sum(widths) + GAP * (len(widths) - 1) > width:
        widths = [max(c, *map(len, h.split())) if kind == "number" and h else w
                  for h, c, w, kind in zip(headers, cells, widths, kinds)]
    over = sum(widths) + GAP * (len(widths) - 1) - width
    for least in (MIN_TEXT, LEAST_TEXT):  # down to MIN_TEXT each first; further only if need be
        while over > 0:
            narrowable = [i for i, w in enumerate(widths) if kinds[i] == "text" and w > least]
            if not narrowable:
                break
            widths[max(narrowable, key=lambda i: (widths[i], i))] -= 1
            over -= 1
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, collapse_padding=True)
    for header, w, kind in zip(headers, widths, kinds):
        if kind == "number" and len(header) > w:
            header = "\n".join(textwrap.wrap(header, w))
        t.add_column(Text(header), justify="right" if kind == "number" else "left", width=w, no_wrap=True,
                     overflow="ellipsis")
    for row in rows:
        t.add_row(*[cell if isinstance(cell, Text) else Text(cell) for cell in row])
    return t


def print_table(console, table):
    """Print a table line by line, no line ending in spaces (rich pads every cell to its
    column's width, the empty ones above a header that wraps too), its styles kept."""
    from rich.segment import Segment, Segments

    for line in console.render_lines(table, console.options, pad=False):
        while line and line[-1].control is None and not line[-1].text.rstrip(" "):
            line.pop()  # (a segment of spaces alone, or an empty one)
        if line and line[-1].control is None:
            last = line[-1]
            line[-1] = Segment(last.text.rstrip(" "), last.style)
        console.print(Segments(line + [Segment.line()]), soft_wrap=True)


def sweep_table(rows, keys, labels, split, width):
    """The results of a sweep: a row per run (ranked already), its index, swept values,
    status where any run did not finish, epochs where they differ, and the numbers."""
    cols = metric_columns(rows, split)
    statuses = any(r["status"] != "ok" for r in rows)
    epochs = len({r.get("epochs") for r in rows if r["status"] == "ok"}) > 1  # stopped early
    trained = "trained" if "epochs" in labels else "epochs"  # a swept `epochs` has the name
    headers = ["#"] + list(labels) + (["status"] if statuses else []) + ([trained] if epochs else []) \
        + [c[0] for c in cols] + ["time"]
    body = []
    for r in rows:
        cells = [str(r["run"])] + [show(r.get(k)) for k in keys]
        cells += [r["status"]] if statuses else []
        cells += [str(r.get("epochs", 0))] if epochs else []
        cells += [fmt(r.get(key)) for _, key, fmt in cols] + [duration(r["seconds"])]
        body.append(cells)
    kinds = ["number"] + ["text"] * len(keys) + ["word"] * statuses + ["number"] * (epochs + len(cols) + 1)
    return table(headers, body, kinds, width)


def seeds_table(groups, labels, split, width):
    """Statistics over seeds: a row per combination (ranked already) of (values, ok runs,
    runs, {outcome key: runs.seed_statistics entry}): the mean, standard deviation, min
    and max of the best loss of `split`, and the mean of the other numbers."""
    cols = metric_columns([{k: 0 for k in stats} for _, _, _, stats in groups], split)
    (_, best, fmt), others = cols[0], cols[1:]
    headers = list(labels) + ["runs", "mean", "std", "min", "max"] + [h for h, _, _ in others]
    body = []
    for values, ok, n, stats in groups:
        s = stats.get(best) or {"mean": None, "std": None, "min": None, "max": None}
        cells = [show(v) for v in values] + [f"{ok}/{n}"] + [fmt(s[k]) for k in ("mean", "std", "min", "max")]
        cells += [f(stats[key]["mean"]) if key in stats else "-" for _, key, f in others]
        body.append(cells)
    return table(headers, body, ["text"] * len(labels) + ["number"] * (len(headers) - len(labels)), width)


def run_marks(n):
    """{name: (glyph, colour)} for runs '1'..'n' on one chart (at most len(RUN_GLYPHS))."""
    return {str(i + 1): (RUN_GLYPHS[i], RUN_COLOURS[i]) for i in range(min(n, len(RUN_GLYPHS)))}


def overlay_chart(histories, key, title, width, height=chart.HEIGHT):
    """One panel with each history's `key` (loss, val_loss, test_loss) over the epochs,
    run i drawn with RUN_GLYPHS[i] and named i + 1 in the legend. [] with no curve.
    Values past runs.ceiling run along the top edge instead of flattening every other
    curve."""
    from ..experiments.runs import ceiling

    histories = histories[:len(RUN_GLYPHS)]
    epochs = sorted({r["epoch"] for h in histories for r in h})
    if len(epochs) < 2:
        return []
    top, series = ceiling(histories, key), []
    for i, history in enumerate(histories):
        by_epoch = {r["epoch"]: r.get(key) for r in history}
        values = [by_epoch.get(e) for e in epochs]
        series.append((str(i + 1), [v if v is None or top is None else min(v, top) for v in values]))
    return chart.panels([(title, epochs, series, "loss")], width, height, marks=run_marks(len(series)))


def split_title(split):
    return "training loss" if split == "train" else f"{SPLIT_NAMES[split]} loss"


def compare_table(runs, outcomes, keys, labels, split, width):
    """`mgrad compare`'s table: a row per run with its mark on the chart, its name, the
    settings that differ (a column each for up to three, else one column of key=value),
    its status where a sweep recorded one that is not ok, and its final and best numbers."""
    from ..experiments.compare import flatten

    cols = metric_columns(outcomes, split)
    final = (f"{split} loss" if split != "train" else "loss", loss_key(split), loss)
    cols.insert(0, final)
    statuses = any(r.status not in (None, "ok") for r in runs)
    epochs = len({o.get("epochs") for o in outcomes}) > 1
    wide = len(keys) <= 3
    headers = ["", "run"] + (list(labels) if wide else ["settings"] * bool(keys)) + ["status"] * statuses \
        + ["trained" if "epochs" in labels else "epochs"] * epochs + [h for h, _, _ in cols]
    marks, body = run_marks(len(runs)), []
    for i, (run, o) in enumerate(zip(runs, outcomes)):
        glyph, colour = marks.get(str(i + 1), ("", None))
        cells = [Text(glyph, style=colour) + Text(str(i + 1)), run.name]
        values = ["?"] * len(keys) if run.config is None else [show(flatten(run.config).get(k)) for k in keys]
        if wide:
            cells += values
        elif keys:
            cells.append(" ".join(f"{label}={v}" for label, v in zip(labels, values)))
        cells += [run.status or "?"] * statuses + [str(o.get("epochs", 0))] * epochs
        cells += [fmt(o.get(key)) for _, key, fmt in cols]
        body.append(cells)
    n_text = 1 + (len(keys) if wide else bool(keys))
    kinds = ["number"] + ["text"] * n_text + ["word"] * statuses
    return table(headers, body, kinds + ["number"] * (len(headers) - len(kinds)), width)
