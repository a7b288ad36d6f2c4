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
    when every run has validation rows, else of the test loss when every run has test
    rows, else of the training loss (a line under the chart names a run without the
    table's split); the chart marks each run with the glyph its row shows.

    \b
    Examples:
      mgrad compare sweeps/moons-*   # a sweep (mgrad sweep moons ...): every run
      mgrad train moons --engine tensor --lr 0.3 --save lr.json --log lr.jsonl -q
      mgrad compare moons.json lr.json -o compare.png
      mgrad compare moons.json lr.jsonl --no-chart   # a checkpoint and a log
    """
    from ...experiments import compare as _compare
    from ...experiments.grid import labels
    from ...experiments.runs import loss_key, outcome, primary_split, shared_split

    if plot_path is not None:
        _check_plot(plot_path)
    runs = _compare.load_runs(paths)
    outcomes = [outcome(r.history) for r in runs]
    split, drawn = primary_split(outcomes), shared_split(outcomes)
    keys = _compare.differences([r.config for r in runs])
    out = out_console()
    say(out, _heading(runs, keys))
    tables.print_table(out, tables.compare_table(runs, outcomes, keys, labels(keys), split, out.width))
    key = loss_key(drawn)
    title = tables.split_title(drawn)
    lines = []
    if chart:
        lines = tables.overlay_chart([r.history for r in runs], key, title, min(out.width, MAX_CHART_WIDTH))
        for line in lines:
            out.print(line, soft_wrap=True)
        if lines and len(runs) > len(tables.RUN_GLYPHS):
            out.print(f"The chart shows runs 1 to {len(tables.RUN_GLYPHS)} of {len(runs)}.", markup=False)
    if lines or plot_path is not None:
        for note in _left_out(outcomes, split, drawn):
            say(out, note)
    if plot_path is not None:
        _compare.plot_runs(plot_path, runs, key, title, [f"{i + 1} {r.name}" for i, r in enumerate(runs)])
        out.print(f"Curves drawn to {shown_path(plot_path)}.", markup=False, soft_wrap=True)


def _left_out(outcomes, split, drawn):
    """Lines under the curves: why they are not of the table's split (a run has none of
    it), and which runs they leave out (no epoch with a loss of the split drawn)."""
    from ...experiments.runs import loss_key

    def best(s):
        return loss_key(s, best=True)

    notes = []
    if drawn != split:
        lacking = [i + 1 for i, o in enumerate(outcomes) if best(split) not in o and best(drawn) in o]
        notes.append(f"{tables.split_title(drawn).capitalize()} drawn: {_runs_have(lacking)} no "
                     f"{tables.split_title(split)}.")
    missing = [i + 1 for i, o in enumerate(outcomes) if best(drawn) not in o]
    if missing:
        notes.append(f"Not drawn: {_runs_have(missing)} no {tables.split_title(drawn)}.")
    return notes


def _runs_have(numbers, most=5):
    """'run 2 has', 'runs 2 and 4 have', 'runs 1, 2, 3, 4, 5 and 7 more have'."""
    shown = [str(n) for n in numbers[:most]] + [f"{len(numbers) - most} more"] * (len(numbers) > most)
    listed = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
    return f"run {listed} has" if len(numbers) == 1 else f"runs {listed} have"


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
