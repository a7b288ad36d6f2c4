"""`mgrad predict`: a trained model's predictions for a CSV file or --input values."""

import click

from ..cli import CONTEXT_SETTINGS, cli, json_out, out_console, translate_errors


@cli.command("predict", context_settings=CONTEXT_SETTINGS)
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
    here. Classes are printed by their names.

    \b
    Examples:
      mgrad predict iris.json datasets/iris.csv
      mgrad predict tiny.json --input "2.0,3.0,-1.0" --input "0.5,1.0,1.0"
      mgrad predict iris.json --input "5.1,3.5,1.4,0.2" --json

    Exit codes: 0 done, 2 bad input (a bad checkpoint, or a CSV with missing or extra
    columns, a ragged row or a value that is not a number: named by file, line, column).
    """
    from .. import evaluate as ev

    if csv_path is not None and inputs:
        raise click.UsageError("give a CSV file or --input values, not both")
    if csv_path is None and not inputs:
        raise click.UsageError("give a CSV file or one or more --input \"X1,X2,...\" values")
    model = ev.load_model(model_path)
    if csv_path is not None:
        X, _, lines = ev.read_rows(csv_path, model)
        where, ids = "line", lines
    else:
        X = ev.parse_inputs(inputs, model)
        where, ids = "input", list(range(1, len(inputs) + 1))
    rows = model.predictions(X)
    if as_json:
        json_out({
            "model": model_path,
            "task": model.task,
            "features": model.feature_names,
            "classes": model.class_names,
            "predictions": [dict({where: i, "inputs": [float(v) for v in x]}, **r)
                            for i, x, r in zip(ids, X, rows)],
        })
        return
    _print_table(model, X, ids, where, rows)


def _print_table(model, X, ids, where, rows):
    """A row per sample: its number, its inputs (when they fit), the prediction and, for a
    class, its probability (a loss with a link) or the score (a single output)."""
    from rich.table import Table

    from .. import losses

    console = out_console()
    table = Table()
    table.add_column(where, justify="right")
    # the inputs too, when they fit beside the answer (not digits' 64 pixels)
    show_features = sum(len(n) + 3 for n in model.feature_names) + 40 <= console.width
    if show_features:
        for name in model.feature_names:
            table.add_column(name, justify="right")
    table.add_column("prediction", justify="right" if model.task == "regression" else "left")
    extra = None
    if model.task == "classification":
        extra = "probability" if losses.get(model.loss).link else ("score" if model.sizes[-1] == 1 else None)
        if extra:
            table.add_column(extra, justify="right")
    for i, x, r in zip(ids, X, rows):
        cells = [str(i)] + ([f"{v:g}" for v in x] if show_features else [])
        if model.task == "regression":
            cells.append(f"{r['prediction']:.6g}")
        elif r["prediction"] is None:  # an output is nan: no class
            cells.append("nan")
            if extra:
                cells.append("nan")
        else:
            cells.append(r["prediction"])
            if extra == "probability":
                cells.append(f"{r['probabilities'][r['prediction']]:.3f}")
            elif extra == "score":
                cells.append(f"{r['outputs'][0]:.4f}")
        table.add_row(*cells)
    console.print(table)
