"""`mgrad compare`: runs side by side, as a table and as their loss curves overlaid.

Reading the runs is the library's (experiments/compare.py); this module prints the
table (cli/results.py) and the chart, and draws the figure with -o.
"""

import click

from .. import results as tables
from ..console import CONTEXT_SETTINGS, out_console, say, translate_errors
from ...numbers import plural
from ...files import shown_path

MAX_CHART_WIDTH = 120


@click.command("compare", context_settings=CONTEXT_SETTINGS)
@click.argument("paths", nargs=-1, required=True, metavar="RUN...")
@click.option("-o", "--output", "plot_path", metavar="PATH",
              help="Also draw the curves to a .png or .svg (needs matplotlib).")
@click.option("--chart/--no-chart", default=True, show_default=True, help="Draw the curves in the terminal.")
@translate_errors
def compare_command(paths, plot_path, chart):
    """Compare runs: a table of what differs in their configs and of their final and best
    numbers, and their loss curves overlaid on one chart.

    A RUN is a checkpoint (train --save), a JSONL log (train --log), a run folder or a
    whole sweep folder (mgrad sweep --out). The curves are those of the validation loss
    when the runs have validation rows, else of the test loss, else of the training loss;
    the chart marks each run with the glyph its row shows.

    \b
    Examples:
      mgrad compare sweeps/moons-*   # a sweep (mgrad sweep moons ...): every run
      mgrad train moons --engine tensor --lr 0.3 --save lr.json --log lr.jsonl -q
      mgrad compare moons.json lr.json -o compare.png
      mgrad compare moons.json lr.jsonl --no-chart   # a checkpoint and a log
    """
    from ...experiments import compare as _compare
    from ...experiments.grid import labels
    from ...experiments.runs import outcome, primary_split

    if plot_path is not None:
        _check_plot(plot_path)
    runs = _compare.load_runs(paths)
    outcomes = [outcome(r.history) for r in runs]
    split = primary_split(outcomes)
    keys = _compare.differences([r.config for r in runs])
    out = out_console()
    say(out, _heading(runs, keys))
    out.print(tables.compare_table(runs, outcomes, keys, labels(keys), split, out.width))
    key = "loss" if split == "train" else f"{split}_loss"
    title = tables.split_title(split)
    if chart:
        lines = tables.overlay_chart([r.history for r in runs], key, title, min(out.width, MAX_CHART_WIDTH))
        for line in lines:
            out.print(line, soft_wrap=True)
        if lines and len(runs) > len(tables.RUN_GLYPHS):
            out.print(f"The chart shows runs 1 to {len(tables.RUN_GLYPHS)} of {len(runs)}.", markup=False)
    if plot_path is not None:
        _compare.plot_runs(plot_path, runs, key, title, [f"{i + 1} {r.name}" for i, r in enumerate(runs)])
        out.print(f"Curves drawn to {shown_path(plot_path)}.", markup=False, soft_wrap=True)


def _heading(runs, keys):
    known = sum(r.config is not None for r in runs)
    if known < 2:
        differ = ""
    elif keys:
        differ = f"; their configs differ in {', '.join(keys)}"
    else:
        differ = "; their configs are the same"
    return f"Comparing {plural(len(runs), 'run')}{differ}."


def _check_plot(path):
    """Refuse, before reading any run, a figure path that could only fail at the end."""
    from ...errors import MgradError
    from ...files import check_writable
    from ...models import plot as plotting

    try:
        plotting.check_path(path)
    except MgradError as e:
        raise click.BadParameter(str(e), param_hint="-o") from None
    plotting.require_matplotlib()
    check_writable(path)
