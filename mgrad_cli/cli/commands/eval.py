"""`mgrad eval`: a trained model's loss and accuracy (or errors) on held-out rows or a CSV file."""

import click

from ...models import evaluate as _evaluate
from ..console import CONTEXT_SETTINGS, err_console, json_out, out_console, say, short, translate_errors
from ...numbers import number
from ...training.checkpoint import unverifiable
from ...files import shown_path


@click.command("eval", context_settings=CONTEXT_SETTINGS)
@click.argument("model_path", metavar="MODEL.json")
@click.argument("csv_path", metavar="[CSV]", required=False)
@click.option("--split", type=click.Choice(_evaluate.EVAL_SPLITS), default="test", show_default=True,
              help="Without CSV: which rows of the model's own data (test = those held out by test_split; "
                   "the training rows when nothing was held out).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON, for scripts.")
@translate_errors
def eval_command(model_path, csv_path, split, as_json):
    """Measure a trained model: loss, and accuracy with a confusion matrix (or the
    MSE, MAE and R² for a regression target).

    Without CSV it rebuilds the data set the model was trained on (from the config in
    the checkpoint) and uses the rows held out for testing. A CSV needs the model's
    feature columns and the target column.

    \b
    Examples:
      mgrad eval iris.json
      mgrad eval iris.json iris.csv
      mgrad eval moons.json --split train --json

    The loss is the data loss, as `mgrad train` reports held-out rows (the test split's
    is its summary's test loss); with l2 in the config, the l2 term and the sum that
    training minimizes follow. A regression target's MSE, MAE and R² are in its units.
    Rows whose inputs or layer outputs are not finite numbers are named in a warning on
    stderr (the first 10). Exit codes: 0 done, 2 bad input.
    """
    from ...models import evaluate as ev

    ctx = click.get_current_context()
    if csv_path is not None and ctx.get_parameter_source("split") != click.core.ParameterSource.DEFAULT:
        raise click.UsageError("--split chooses rows of the model's own data; it does not apply to a CSV")
    model = ev.load_model(model_path)
    note = None
    if csv_path is not None:
        X, y, ids = ev.read_rows(csv_path, model, need_target=True)
        what, watch = f"{len(X)} samples of {shown_path(csv_path)}", ev.OutOfRange("line")
    else:
        X, y, what, note = ev.split_rows(model, split)
        ids, watch = range(1, len(X) + 1), ev.OutOfRange("sample")
        unchecked = unverifiable(model.ckpt, model.source)
        if unchecked:  # a version 1 file: the data rebuilt cannot be checked against it
            err_console().print(f"Warning: {unchecked}.", soft_wrap=True)
    result = ev.evaluate(model, X, y)
    watch.add(model, X, ids)
    if watch.message():  # rows an input or a layer's output of which is not finite
        err_console().print(f"Warning: {watch.message()}.", soft_wrap=True)
    if as_json:
        json_out(dict({"model": model_path, "data": what, "note": note, "task": model.task}, **result))
        return
    out = out_console()
    if note:
        say(err_console(), f"Note: {note}; evaluating on the training rows.")
    say(out, f"{shown_path(model_path)}: {model.title}; evaluated on {what}.")
    out.print(f"loss      {number(result['data_loss'])}", markup=False)
    if model.config["loss"]["l2"]:  # what training minimizes adds the l2 term: shown apart, with the sum
        say(out, f"l2 term   {number(result['l2_term'])} (loss + l2 term = {number(result['loss'])}, "
                 f"what training minimizes)")
    if model.task == "regression":  # in the target's units
        out.print(f"mse       {number(result['mse'])}", markup=False)
        out.print(f"mae       {number(result['mae'])}", markup=False)
        out.print(f"r²        {number(result['r2'], digits=4)}", markup=False)
        return
    out.print(f"accuracy  {100 * result['accuracy']:.1f}% ({result['correct']} of {result['samples']})",
              markup=False)
    say(out, "confusion matrix (rows: true class, columns: predicted)")  # not padded to the table's width
    out.print(_confusion_table(result))


def _confusion_table(result):
    """The confusion matrix with each class's recall, as a rich Table."""
    from rich.table import Table

    table = Table()
    table.add_column("true \\ predicted")
    for name in result["classes"]:
        table.add_column(short(name), justify="right")
    nan_rows = any(result["no_class"])  # samples whose output is nan: no class, counted wrong
    if nan_rows:
        table.add_column("no class (nan)", justify="right")
    table.add_column("recall", justify="right")
    for i, (name, counts) in enumerate(zip(result["classes"], result["confusion"])):
        missed = [result["no_class"][i]] if nan_rows else []
        total = sum(counts) + sum(missed)
        recall = "-" if total == 0 else f"{100 * counts[i] / total:.1f}%"
        table.add_row(short(name), *[str(c) for c in counts + missed], recall)
    return table
