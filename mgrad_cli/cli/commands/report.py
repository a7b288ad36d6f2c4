"""`mgrad report`: the replay page of a run saved with `train --report` or `--snapshots`."""

import click

from ..console import CONTEXT_SETTINGS, out_console, translate_errors
from ...errors import CheckpointError
from ...numbers import plural
from ...files import shown_path


@click.command("report", context_settings=CONTEXT_SETTINGS)
@click.argument("model_path", metavar="CHECKPOINT")
@click.option("-o", "--output", "output", metavar="PATH", required=True, help="Where to write the page (.html).")
@translate_errors
def report_command(model_path, output):
    """Write the replay page of a run: one self-contained HTML file (no network) with an
    epoch slider and play button, the loss and metric curves, each layer's statistics,
    the doctor's diagnoses, and the decision boundary (2-D data) or confusion matrix at
    the chosen epoch, all from the weight snapshots the checkpoint holds.

    \b
    Examples:
      mgrad train moons --save moons.json --snapshots -q
      mgrad report moons.json -o moons.html

    Exit codes: 0 done, 2 bad input (no snapshots: train with --snapshots or --report).
    """
    from ...files import check_writable
    from ...models import evaluate as ev
    from ...models import report

    check_writable(output)
    model = ev.load_model(model_path)
    snapshots = model.ckpt.get("snapshots")
    if not snapshots:
        raise CheckpointError(f"{shown_path(model_path)}: has no weight snapshots to replay; train with --snapshots "
                              f"(or --report PATH) to keep them")
    ds, X = ev.training_data(model)
    shown = report.write_report(output, model, model.history, snapshots, report.dataset_rows(ds, X))
    out_console().print(f"Report of {plural(model.epoch, 'epoch')} ({plural(shown, 'snapshot')}) written to "
                        f"{shown_path(output)}.", markup=False, soft_wrap=True)
