"""`mgrad plot`: draw a trained model's loss curve and decision boundary."""

import os

import click

from ..console import CONTEXT_SETTINGS, err_console, out_console, say, translate_errors
from ...errors import MgradError
from ...files import check_output, shown_path


@click.command("plot", context_settings=CONTEXT_SETTINGS)
@click.argument("model_path", metavar="MODEL.json")
@click.option("-o", "--output", "output", metavar="PATH",
              help="Where to draw: .png or .svg  [default: MODEL with .png for .json]")
@translate_errors
def plot_command(model_path, output):
    """Draw a trained model's run: the loss curve and accuracy per epoch (from the
    history in the checkpoint) and, for 2-D data, the decision boundary with the
    data points, as in micrograd's demo. Needs matplotlib: pip install matplotlib.

    \b
    Examples:
      mgrad plot moons.json                 # writes moons.png
      mgrad plot iris.json -o iris.svg

    Exit codes: 0 done, 1 matplotlib is missing, 2 bad input.
    """
    from ...models import evaluate as ev
    from ...models import plot as plotting

    if output is None:
        output = os.path.splitext(model_path)[0] + ".png"
    check_output(output)  # "newdir/" names a directory: one line, before its suffix
    try:
        plotting.check_path(output)
    except MgradError as e:  # a UserInputError: named after the option
        raise click.BadParameter(str(e), param_hint="--output") from None
    plotting.require_matplotlib()
    model = ev.load_model(model_path)
    points = None
    if model.n_features == 2 and model.task == "classification":
        try:
            ds, X = ev.training_data(model)
            points = (X, ds.y, ds.is_test)
        except MgradError as e:  # still draw the curves
            say(err_console(), f"Warning: {e}; drawing the curves only.")
    drawn = plotting.plot_run(output, model, model.history, points)
    say(out_console(), f"Figure ({' and '.join(drawn)}) drawn to {shown_path(output)}.")
