"""`mgrad predict`: a trained model's predictions for a CSV file or --input values.

A CSV is read, predicted and written in chunks of CHUNK rows (on the fast engine,
backends.FAST), so memory stays bounded whatever its size and 200,000 rows take a second
or two, not minutes. The header and the first chunk are checked before anything is
written; a bad cell found in a later chunk ends the command with exit 2 after the rows
before its chunk were written (they stay written). On a terminal the table shows every
row up to TERMINAL_ROWS, else the first and last SHOWN with a count; to a pipe or a file
it is plain text with every row, as `--json` is. Rows out of range (an input or a layer's
output not finite: evaluate.out_of_range) are named in one line of warning on stderr.
"""

import collections
import json
import sys

import click

from ..console import CONTEXT_SETTINGS, err_console, json_safe, out_console, say, short, translate_errors

CHUNK = 10_000
TERMINAL_ROWS = 40
SHOWN = 10


@click.command("predict", context_settings=CONTEXT_SETTINGS)
@click.argument("model_path", metavar="MODEL.json")
@click.argument("csv_path", metavar="[CSV]", required=False)
@click.option("-i", "--input", "inputs", multiple=True, metavar='"X1,X2,..."',
              help="One sample's features, comma-separated, in the training data's order (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the predictions as JSON, for scripts.")
@translate_errors
def predict_command(model_path, csv_path, inputs, as_json):
    """Predict with a trained model: one row per sample of CSV, or per --input.

    The CSV needs a header naming the model's features (in any order); a target
    column, if present, is ignored. Inputs are raw numbers, as in the training data:
    the standardization used in training is stored in the checkpoint and applied
    here. Classes are printed by their names. A terminal shows the first and last
    rows of a long table; a pipe or file gets every row, as --json does.

    \b
    Examples:
      mgrad datasets iris --copy iris.csv   # the shipped CSV, to predict on
      mgrad predict iris.json iris.csv
      mgrad predict tiny.json --input "2.0,3.0,-1.0" --input "0.5,1.0,1.0"
      mgrad predict iris.json --input "5.1,3.5,1.4,0.2" --json
      mgrad predict iris.json iris.csv > predictions.txt   # every row

    A CSV of any size is read and written in chunks of 10,000 rows: a bad value found
    past the first chunk ends the command (exit 2) after the rows before its chunk were
    written; they stay written. Rows whose inputs or layer outputs are not finite numbers
    are named in a warning on stderr.

    Exit codes: 0 done, 2 bad input (a bad checkpoint, or a CSV with missing or extra
    columns, a ragged row or a value that is not a number: named by file, line, column),
    141 stdout closed (| head).
    """
    from ...models import evaluate as ev

    if csv_path is not None and inputs:
        raise click.UsageError("give a CSV file or --input values, not both")
    if csv_path is None and not inputs:
        raise click.UsageError("give a CSV file or one or more --input \"X1,X2,...\" values")
    model = ev.load_model(model_path)
    if csv_path is not None:  # read, predicted and written a chunk at a time: any size
        chunks, where = ev.stream_rows(csv_path, model, CHUNK), "line"
    else:
        chunks, where = [(ev.parse_inputs(inputs, model), list(range(1, len(inputs) + 1)))], "input"
    watch = ev.OutOfRange(where)
    predicted = _predicted(model, chunks, ev.fast_backend(model), watch)
    if as_json:
        _print_json(model, model_path, predicted, where)
    else:
        _print_table(model, predicted, where)
    if watch.message():
        err_console().print(f"Warning: {watch.message()}.", soft_wrap=True)


def _predicted(model, chunks, backend, watch):
    """(ids, X, predict()'s arrays) for each chunk of (X, ids), noting the rows out of range."""
    for X, ids in chunks:
        for start in range(0, len(X), CHUNK):  # (--input values come as one chunk)
            part, part_ids = X[start:start + CHUNK], ids[start:start + CHUNK]
            watch.add(model, part, part_ids)
            yield part_ids, part, model.predict(part, backend)


def _print_json(model, model_path, predicted, where):
    """The JSON document, written a chunk at a time: one prediction per line."""
    head = json.dumps({"model": model_path, "task": model.task, "features": model.feature_names,
                       "classes": model.class_names}, indent=2)
    write = sys.stdout.write
    write(head[:-2] + ',\n  "predictions": [')
    sep = "\n"
    for chunk_ids, part, p in predicted:
        rows = [dict({where: i, "inputs": x}, **r) for i, x, r in zip(chunk_ids, part.tolist(), model.rows(p))]
        write(sep + _lines(rows, where))
        sep = ",\n"
    write("\n  ]\n}\n")
    sys.stdout.flush()


def _lines(rows, where):
    """The rows as JSON, one per line, encoded in one call. Each row starts with {"WHERE":,
    and that text cannot occur inside a JSON string (a quote in one is written \\"), so
    the rows are told apart exactly. inf and nan become strings, as in every --json."""
    try:
        text = json.dumps(rows, allow_nan=False)
    except ValueError:
        text = json.dumps(json_safe(rows), allow_nan=False)
    start = '{"' + where + '": '
    return "    " + text[1:-1].replace("}, " + start, "},\n    " + start)


class _Columns:
    """The table's columns and how a chunk of predictions becomes their cells."""

    def __init__(self, model, where, width):
        from ...nn import losses

        self.model = model
        # the inputs too, when they fit beside the answer (not digits' 64 pixels)
        features = [short(n) for n in model.feature_names]
        self.show_features = sum(len(n) + 3 for n in features) + 40 <= width
        self.names = [short(where)] + (features if self.show_features else []) + ["prediction"]
        self.extra = None
        if model.task == "classification":
            self.extra = "probability" if losses.get(model.loss).link else (
                "score" if model.sizes[-1] == 1 else None)
        self.names += [self.extra] if self.extra else []
        left = model.task == "classification"  # a class name reads left-aligned
        self.left = [False] * (len(self.names) - (2 if self.extra else 1)) + [left] + ([False] if self.extra else [])

    def cells(self, ids, X, predicted):
        """A list of cells (strings) per row."""
        model, out = self.model, predicted["outputs"]
        rows = [[str(i)] for i in ids]
        if self.show_features:
            for row, x in zip(rows, X.tolist()):
                row.extend(f"{v:g}" for v in x)
        if model.task == "regression":  # in the target's units
            for row, v in zip(rows, predicted["values"].tolist()):
                row.append(f"{v:.6g}")
            return rows
        classes = predicted["classes"].tolist()
        if self.extra == "probability":
            chosen = predicted["probabilities"][range(len(classes)), predicted["classes"]].tolist()
            extra = [f"{p:.3f}" for p in chosen]
        else:
            extra = [f"{o:.4f}" for o in out[:, 0].tolist()] if self.extra else [None] * len(rows)
        for row, c, e in zip(rows, classes, extra):
            row.append("nan" if c < 0 else short(model.class_names[c]))  # an output is nan: no class
            if self.extra:
                row.append("nan" if c < 0 else e)
        return rows


def _print_table(model, predicted, where):
    console = out_console()
    columns = _Columns(model, where, console.width)
    if not console.is_terminal:
        _print_plain(columns, predicted)
        return
    from rich.table import Table

    head, tail, n = [], collections.deque(maxlen=SHOWN), 0  # the first TERMINAL_ROWS rows, the last SHOWN
    for ids, X, p in predicted:
        room = max(TERMINAL_ROWS - n, 0)
        if room:
            head += columns.cells(ids[:room], X[:room], _rows(p, slice(0, room)))
        last = slice(max(len(X) - SHOWN, 0), len(X))
        tail.extend(columns.cells(ids[last], X[last], _rows(p, last)))
        n += len(X)
    table = Table()
    for name, left in zip(columns.names, columns.left):
        table.add_column(name, justify="left" if left else "right")
    shown = head if n <= TERMINAL_ROWS else head[:SHOWN] + [["…"] * len(columns.names)] + list(tail)
    for row in shown:
        table.add_row(*row)
    console.print(table)
    if n > TERMINAL_ROWS:
        say(console, f"{n:,} predictions: the first {SHOWN} and the last {SHOWN} are shown (--json, or a pipe, "
                      f"gives every one).")


def _rows(predicted, part):
    """predict()'s arrays for some of its rows."""
    return {key: None if value is None else value[part] for key, value in predicted.items()}


def _print_plain(columns, predicted):
    """Every row, in plain columns (widths from the first chunk, widened as later ones need)."""
    write = sys.stdout.write
    widths = None
    for chunk_ids, part, p in predicted:
        rows = columns.cells(chunk_ids, part, p)
        wide = [max([len(name)] + [len(r[j]) for r in rows]) for j, name in enumerate(columns.names)]
        if widths is None:
            write(_line(columns.names, wide, columns.left))
        widths = wide if widths is None else [max(a, b) for a, b in zip(widths, wide)]
        write("".join(_line(row, widths, columns.left) for row in rows))
    sys.stdout.flush()


def _line(cells, widths, left):
    return "  ".join(c.ljust(w) if lf else c.rjust(w) for c, w, lf in zip(cells, widths, left)).rstrip() + "\n"
