"""`mgrad sweep`: train a config once per combination of the --grid values, N runs at a
time, and rank them in a table.

The plan and the runs are the library's (experiments/grid.py, sweep.py); this module
checks the options, says what it will do, prints a line as each run ends, writes the
summary files, prints the results table and chooses the exit code.
"""

import datetime
import os
import re

import click

from .. import results as tables
from ..console import CONTEXT_SETTINGS, err_console, interrupt_message, interrupt_status, out_console, say, \
    translate_errors
from ..threads import cores, lone_environment
from ...numbers import duration, plural


@click.command("sweep", context_settings=CONTEXT_SETTINGS)
@click.argument("config_path", metavar="CONFIG")
@click.option("--grid", "grids", multiple=True, metavar="KEY=V1,V2,...",
              help="Values to try for a setting (a dotted KEY, YAML values split at the commas outside "
                   "brackets: --grid 'model.layers=[16,1],[32,1]'). Repeatable: every combination runs.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="Change a setting for every run (as train --set); applied before the grid's values.")
@click.option("--jobs", type=click.IntRange(min=1), metavar="N",
              help="Runs at a time, each a process with cores // N threads  [default: one per core]")
@click.option("--seeds", type=click.IntRange(min=1), metavar="K",
              help="Train each combination with the seeds S to S+K-1 (S: the config's seed) and report the "
                   "mean, standard deviation, min and max over them.")
@click.option("--out", "out", metavar="DIR",
              help="Write the runs and the summary here (a new or empty folder)  "
                   "[default: sweeps/NAME-YYYYmmdd-HHMMSS]")
@click.option("-q", "--quiet", is_flag=True, help="Print only the results table.")
@translate_errors
def sweep_command(config_path, grids, sets, jobs, seeds, out, quiet):
    """Train CONFIG once for each combination of the --grid values, N runs at a time,
    and rank the runs in a table.

    Each run is `mgrad train CONFIG --set KEY=VALUE ... --threads T` in a process of its
    own, with the same numbers, bit for bit, as that command run alone. Every
    combination is checked before the first run starts. The runs' folders (config,
    log, checkpoint) and summary.csv and summary.jsonl (a row per run) go to --out.

    \b
    Examples:
      mgrad sweep moons --grid optimizer.lr=0.03,0.1,0.3,1
      mgrad sweep spiral --grid model.activation=relu,tanh --seeds 3
      mgrad sweep xor --grid 'model.layers=[4,1],[8,1]' --set epochs=30 --jobs 2
      mgrad compare sweeps/moons-*   # the first sweep's curves, overlaid

    The table is ranked by the best validation loss (else test, else training loss); a
    run that diverged is a row of its own, last. Exit codes: 0 every run finished, 1 a
    run diverged or failed, 2 bad input (no run started), 130 interrupted (Ctrl-C: the
    runs under way save what they reached; the summary holds what finished), 143
    terminated (SIGTERM).
    """
    from ...experiments import grid as _grid
    from ...experiments import sweep as _sweep
    from ...training.overrides import parse_sets

    grids, sets = _grid.parse_grids(grids), parse_sets(sets)
    runs = _grid.plan(config_path, grids, sets, seeds)
    out = out or default_out(config_path)
    n, why = _sweep.jobs_for(runs, jobs or cores())
    threads = _sweep.threads_for(n, cores())
    _sweep.check_out(out)
    err = err_console()
    if why:
        say(err, f"Running {plural(n, 'run')} at a time, not {min(jobs or cores(), len(runs))}: {why}.")
    keys = [key for key, _ in grids]
    if not quiet:
        say(err, _intro(config_path, runs, keys, n, threads, out, seeds))
    _hint_unscaled(err, runs)
    progress = _Progress(err, len(runs), quiet)
    results, stopped = _sweep.Sweep(config_path, runs, out, n, threads, env=lone_environment(),
                                    on_end=progress.line).start()
    rows = summary_rows(results, keys, seeds)
    _print_results(out, rows, keys, _grid.labels(keys), seeds, stopped)
    if stopped is not None:
        click.echo(interrupt_message(stopped), err=True)
        raise click.exceptions.Exit(interrupt_status(stopped))
    if any(r["status"] != "ok" for r in rows):
        raise click.exceptions.Exit(1)


def default_out(config_path):
    """sweeps/NAME-YYYYmmdd-HHMMSS, NAME the config's (a shipped config's name, or the
    file's name without .yaml) in characters any file system takes."""
    name = os.path.splitext(os.path.basename(str(config_path)))[0]
    name = re.sub(r"[^A-Za-z0-9._+-]+", "_", name).strip("._") or "sweep"
    return os.path.join("sweeps", f"{name[:40]}-{datetime.datetime.now():%Y%m%d-%H%M%S}")


def _intro(config_path, runs, keys, n, threads, out, seeds):
    from ...files import display_path

    swept = " × ".join(keys) if keys else "no grid"
    seeded = f", {plural(seeds, 'seed')} each" if seeds else ""
    return (f"Sweeping {display_path(config_path)} ({swept}{seeded}): {plural(len(runs), 'run')}, "
            f"{n} at a time with {plural(threads, 'thread')} each, into {display_path(out)}.")


def _hint_unscaled(console, runs):
    """train's hint for unscaled data, once for the sweep before its runs (with -q too, as
    train says it): the first such run's, with how many runs it holds for unless all."""
    from .train import unscaled_hint

    unscaled = [r for r in runs if r.unscaled is not None]
    if unscaled:
        where = "" if len(unscaled) == len(runs) else f" ({len(unscaled)} of {plural(len(runs), 'run')})"
        say(console, unscaled_hint(unscaled[0].unscaled, where))


class _Progress:
    """A line per run as it ends: '[3/8] 002-lr=0.1: ok, 60 epochs, best test loss 0.2,
    1.2 s', the run's name cut to fit the terminal."""

    def __init__(self, console, total, quiet):
        self.console, self.total, self.done, self.quiet = console, total, 0, quiet

    def line(self, result):
        from ...experiments.runs import loss_key, primary_split

        self.done += 1
        if self.quiet:
            return
        o, split = result.outcome, primary_split([result.outcome])
        key = loss_key(split, best=True)
        details = [result.status, plural(o.get("epochs", 0), "epoch")]
        if key in o:
            details.append(f"best {'' if split == 'train' else split + ' '}loss {tables.loss(o[key])}")
        head, tail = f"[{self.done}/{self.total}] ", ": " + ", ".join(details + [duration(result.seconds)])
        name, room = result.run.name, max(self.console.width - len(head) - len(tail), 8)
        if len(name) > room:
            name = name[:room - 1] + "…"
        self.console.print(head + name + tail, markup=False, highlight=False, soft_wrap=True)


def summary_rows(results, keys, seeds):
    """A summary row per run, in run order: its index, folder, swept values (and seed),
    status, outcome and seconds."""
    rows = []
    for result in sorted(results, key=lambda r: r.run.index):
        run = result.run
        row = {"run": run.index, "folder": run.name}
        row.update({o.key: o.value for o in run.values})
        if seeds:
            row["seed"] = run.seed
        row.update(status=result.status, **result.outcome, seconds=result.seconds, combination=run.combination,
                   error=result.error)
        rows.append(row)
    return rows


def _print_results(out_dir, rows, keys, labels, seeds, stopped):
    from ...experiments import runs as _runs
    from ...files import display_path, typed_path

    first = ["run", "folder"] + list(keys) + (["seed"] if seeds else [])
    paths = _runs.write_summary(out_dir, rows, first) if rows or stopped is None else ()
    out = out_console()
    split = _runs.primary_split(rows)
    if rows and seeds:
        say(out, _seeds_heading(rows, split))
        tables.print_table(out, tables.seeds_table(_seed_groups(rows, keys, split), labels, split, out.width))
    elif rows:
        ranked = sorted(rows, key=_runs.rank_key(split))
        tables.print_table(out, tables.sweep_table(ranked, keys, labels, split, out.width))
    finished = sum(r["status"] == "ok" for r in rows)
    out.print(f"{finished} of {plural(len(rows), 'run')} finished." if rows else "No run finished.", markup=False)
    if paths:
        out.print(f"Summary written to {display_path(paths[0])} and {os.path.basename(paths[1])}.", markup=False,
                  soft_wrap=True)
    for r in rows:
        if r["status"] in ("diverged", "failed") and r.get("error"):
            say(out, f"Run {r['folder']} {r['status']}: {r['error']}")
    if rows:
        out.print(f"Their curves, overlaid: mgrad compare {typed_path(out_dir)}", markup=False, soft_wrap=True)


def _seeds_heading(rows, split):
    seeds = sorted({r["seed"] for r in rows})
    best = "best loss" if split == "train" else f"best {tables.split_title(split)}"
    return (f"Over seeds {seeds[0]} to {seeds[-1]}: the {best} of each combination's finished runs (mean, "
            f"standard deviation with ddof 1, min, max) and the mean of the last accuracies.")


def _seed_groups(rows, keys, split):
    """[(values, ok runs, runs, statistics)] per combination, best mean first."""
    from ...experiments import runs as _runs

    groups = {}
    for r in rows:
        groups.setdefault(r["combination"], []).append(r)
    out = []
    for members in groups.values():
        stats = _runs.seed_statistics(members, _runs.OUTCOME_KEYS)
        ok = sum(m["status"] == "ok" for m in members)
        out.append(([members[0].get(k) for k in keys], ok, len(members), stats))
    key = _runs.loss_key(split, best=True)
    out.sort(key=lambda g: (g[1] == 0, key not in g[3], g[3].get(key, {}).get("mean", 0.0)))
    return out
