"""`mgrad train`: train an MLP as a config says and print a table of the epochs.

The run itself is the library's (train.Run: the epochs, the log, checkpoints, Ctrl-C and
divergence); this module checks the options, prints the table and the progress bar as the
run reports each epoch, draws the graph and the figure, and prints the summary.
"""

from dataclasses import dataclass

import click

from ...inspect import dot as _render
from .. import tables as report
from ...backends import names as engine_names
from ..threads import SMALL_WORK, check_threads, process_threads, use_threads
from ..console import (
    CONTEXT_SETTINGS,
    MgradClickError,
    err_console,
    interrupt_message,
    interrupt_status,
    out_console,
    say,
    short,
    stdout_closed,
    translate_errors,
)
from ...errors import GraphTooLarge, MgradError
from ...files import OutputLock, check_output, check_writable, display_path, shown_path
from ...backends.mlp import describe
from ...training.metrics import SPLITS, at_chance
from ...numbers import duration, number, percent, plural

MAX_CHART_WIDTH = 120  # wider, a curve's steps get hard to follow


def _options(*options):
    """A bundle of click options as one decorator; in --help they keep the order given."""
    def decorate(f):
        for option in reversed(options):
            f = option(f)
        return f
    return decorate


# what changes the run the config describes, and where it computes
_run_options = _options(
    click.option("--epochs", type=click.IntRange(min=1), help="Train this many epochs (overrides the config)."),
    click.option("--lr", type=click.FloatRange(min=0, min_open=True), help="Learning rate (overrides optimizer.lr)."),
    click.option("--seed", type=click.IntRange(min=0), help="Random seed (overrides the config)."),
    click.option("--engine", type=click.Choice(engine_names()),
                 help="scalar: a Value per number (the lecture's engine); tensor: numpy arrays, much faster; "
                      "torch: PyTorch (pip install torch), for more cores or a GPU. All give the same numbers "
                      "(overrides the config's engine)."),
    click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
                 help="Change a setting: a dotted KEY and a YAML VALUE, e.g. --set optimizer.lr=1e-3 --set "
                      "model.layers=[32,32,1]. Repeatable; applied in order after the file, before --epochs, "
                      "--lr, --seed and --engine."),
    click.option("--threads", type=int, metavar="N",
                 help="Threads for numpy's BLAS and for PyTorch, from 1 to 4 times the cores (at most 256; "
                      "default: one for numpy; for the torch engine one, or every core when parameters x batch rows "
                      f"reach {SMALL_WORK:,}; shared out with --nproc)."),
    click.option("--nproc", type=click.IntRange(min=1), metavar="N",
                 help="Train data-parallel in N processes on this machine (torch engine), started by PyTorch's "
                      "launcher: gloo on the CPU, nccl with a GPU each; each takes a share of every batch, and "
                      "the numbers are one process's. Under torchrun, leave it out."))
# the files a run writes
_file_options = _options(
    click.option("--save", "save_path", metavar="PATH", help="Write a JSON checkpoint here (atomically)."),
    click.option("--log", "log_path", metavar="PATH", help="Write one JSON line per epoch here."),
    click.option("--graph", "graph_path", metavar="PATH",
                 help="Draw the loss on one sample after training (.svg, .png, .pdf, .dot, or .html: a page "
                      "to step through its forward and backward passes)."),
    click.option("--graph-max-nodes", type=click.IntRange(min=1), default=5000, show_default=True,
                 help="Refuse to draw a bigger graph."))
# what the terminal shows
_table_options = _options(
    click.option("--every", type=click.IntRange(min=1), default=1, show_default=True, metavar="N",
                 help="Show every Nth epoch in the table (the first and last always)."),
    click.option("-q", "--quiet", is_flag=True, help="Print only the final summary."),
    click.option("--no-doctor", "no_doctor", is_flag=True,
                 help="Do not diagnose the run (dead ReLUs, saturated units, a learning rate too high or too "
                      "low); the per-layer statistics are still logged."))
# carrying on from a checkpoint, and saving on the way
_resume_options = _options(
    click.option("--resume", "resume_path", metavar="MODEL.json",
                 help="Carry on from this checkpoint (weights, optimizer state, epoch, RNG) up to --epochs; "
                      "saved back to it unless --save names another file."),
    click.option("--save-every", type=click.IntRange(min=1), metavar="N",
                 help="Also save the checkpoint every N epochs (needs --save or --resume)."))
# the curves, drawn after the run
_curve_options = _options(
    click.option("--plot", "plot_path", metavar="PATH",
                 help="After training, draw the loss and accuracy curves (and for 2-D data the decision "
                      "boundary) to a .png or .svg (needs matplotlib)."),
    click.option("--report", "report_path", metavar="PATH",
                 help="After training, write the replay page here (.html: an epoch slider, the curves, each "
                      "layer's statistics, the boundary or confusion matrix); keeps weight snapshots."),
    click.option("--snapshots", is_flag=True,
                 help="Keep weight snapshots in the checkpoint (every epoch, at most 200) for `mgrad report`."),
    click.option("--chart/--no-chart", default=None,
                 help="Draw the loss and accuracy curves in the terminal after the table  "
                      "[default: on a terminal]"))


@dataclass(frozen=True)
class Options:
    """The options of `mgrad train`, as click parsed them (None: not given)."""

    epochs: int
    lr: float
    seed: int
    engine: str
    sets: tuple  # --set KEY=VALUE, as typed, in order
    threads: int
    save_path: str
    log_path: str
    graph_path: str
    graph_max_nodes: int
    every: int
    quiet: bool
    no_doctor: bool
    resume_path: str
    save_every: int
    plot_path: str
    report_path: str
    snapshots: bool
    chart: bool
    nproc: int

    def overrides(self):
        """The config settings the options override: {dotted key: value}."""
        given = (("epochs", self.epochs), ("optimizer.lr", self.lr), ("seed", self.seed), ("engine", self.engine))
        return {k: v for k, v in given if v is not None}

    def settings(self):
        """What the command line changes: (the --set overrides in order, every change named
        as typed for the checkpoint: ['--set optimizer.lr=1e-3', '--epochs 5'])."""
        from ...training.overrides import named, parse_sets

        sets = parse_sets(self.sets)
        options = (("--epochs", self.epochs), ("--lr", self.lr), ("--seed", self.seed), ("--engine", self.engine))
        return sets, named(sets, options)


@click.command("train", context_settings=CONTEXT_SETTINGS)
@click.argument("config_path", metavar="CONFIG")
@_run_options
@_file_options
@_table_options
@_resume_options
@_curve_options
@translate_errors
def train_command(config_path, **options):
    """Train an MLP as the YAML file CONFIG says, and print a table of the epochs.

    A row per epoch: the loss and accuracy of the training rows and of any held-out ones
    (data.val_split, data.test_split; a regression's MSE, MAE and R² in the target's
    units), the lr and the time; a chart of the curves on a terminal; the same numbers
    for the same config and seed.

    \b
    Examples:
      mgrad train moons
      mgrad train iris --epochs 20 --lr 0.05 --save iris.json
      mgrad train moons --set optimizer.lr=0.3 --set model.activation=tanh
      mgrad train tiny --graph tiny.svg --log tiny.jsonl --save tiny.json -q
      mgrad train moons --engine tensor   # the same numbers, 100x faster
      mgrad train moons --engine tensor --save moons.json --plot moons.png
      mgrad train moons --resume moons.json --epochs 200 --save-every 10
      mgrad train digits --engine torch --threads 2
      mgrad train digits --graph digits.svg
      mgrad train diabetes --chart | less   # a regression; its chart as text

    Data-parallel: --nproc N on this machine, or under torchrun (torchrun --nproc-per-node
    N -m mgrad_cli train CONFIG, on one machine or more); rank 0 prints and saves.

    Exit codes: 0 done, 1 the loss diverged (or a process failed), 2 bad input, 130
    interrupted (Ctrl-C), 143 terminated (SIGTERM), 141 stdout closed (| head); the last
    two save with --save too.
    """
    from ...training.distributed import launched
    from .. import parallel

    opts = Options(**options)
    if opts.nproc is not None:  # start the processes, and exit with the run's status
        return parallel.launch_run(config_path, opts, _check_options)
    if not launched():
        return _train(config_path, opts)
    with parallel.worker() as rank:  # one of the processes a launcher started: rank 0 speaks and writes
        return _train(config_path, opts if rank == 0 else parallel.silent(opts), join=parallel.join,
                      writes=rank == 0)


def _train(config_path, opts, join=None, writes=True):
    """The run: alone, or as one rank of a data-parallel group that join(config) joins
    (writes: whether this process saves back to the checkpoint it resumed: rank 0)."""
    from ...training import trainer as training

    _check_options(opts, lock=True if writes else None)
    sets, named = opts.settings()
    trainer, source = _trainer(config_path, opts, sets, join)
    threads = opts.threads or (process_threads(trainer.group.local_world) if join else None)
    use_threads(threads, trainer.backend, work=_work(trainer))
    save_path = opts.save_path
    if opts.resume_path is not None and save_path is None and writes:  # saved back to the checkpoint it resumed
        check_writable(opts.resume_path)
        save_path = opts.resume_path
    graph_what = None if opts.graph_path is None else _check_graph(trainer, opts.graph_max_nodes)
    out = out_console()
    if trainer.unscaled is not None:  # as the run starts, on stderr, with -q too
        say(err_console(), unscaled_hint(trainer.unscaled))
    table = Table(trainer, out.width)
    if not opts.quiet:
        table.print_intro(out, opts.resume_path)
    run = training.Run(trainer, save_path, opts.save_every, _open_log(training, opts.log_path), overrides=named)
    stop = _run(run, table, out, opts.every, opts.quiet)
    _end_early(stop, trainer, save_path)
    if opts.chart or (opts.chart is None and not opts.quiet and out.is_terminal):
        table.print_chart(out, min(out.width, MAX_CHART_WIDTH))
    graph_nodes, graph_error = _draw_graph(trainer, opts.graph_path, opts.graph_max_nodes)
    plotted = _draw_plot(trainer, source, opts.plot_path)
    reported = _write_report(trainer, source, opts.report_path)
    table.print_summary(out, stop)
    _print_written(out, opts, stop.saved and save_path, graph_what, graph_nodes, plotted, reported)
    if stop.status == "interrupted":
        raise click.exceptions.Exit(interrupt_status(stop.error))
    if graph_error is not None:
        raise MgradClickError(graph_error)


def _work(trainer):
    """(parameters, batch rows) of a training step, for the default threads (threads.py)."""
    rows = len(trainer.dataset.X_train)
    return len(trainer.params), min(trainer.config["batch_size"] or rows, rows)


def _print_written(out, opts, saved_to, graph_what, graph_nodes, plotted, reported):
    """A line for each file the run wrote."""
    done = ((saved_to, f"Checkpoint saved to {shown_path(saved_to)}."), (opts.log_path, f"Log written to {shown_path(opts.log_path)}."),
            (graph_nodes is not None, f"Graph of the loss on {graph_what} ({graph_nodes} nodes) drawn to "
                                      f"{shown_path(opts.graph_path)}."),
            (plotted is not None, f"Figure ({' and '.join(plotted or ())}) drawn to {shown_path(opts.plot_path)}."),
            (reported, f"Report written to {shown_path(opts.report_path)}."))
    for said, what in done:
        if said:
            say(out, what)


def _end_early(stop, trainer, save_path):
    """Exit at once from a run that cannot go on to its summary: stdout closed (141, quietly:
    nothing can be said there any more; the state reached is saved) or diverged (1)."""
    if stop.status == "output closed":
        raise click.exceptions.Exit(stdout_closed())
    if stop.status == "diverged":
        if stop.saved:
            err_console().print(f"Saved the last good state (epoch {trainer.epoch}) to {save_path}.", markup=False)
        raise MgradClickError(stop.error)


def _check_options(opts, lock=True):
    """Refuse, before any training, the options that could only fail after it; with lock,
    claim the checkpoint it saves to for as long as the command runs (False: only see that
    no other run holds it, as `--nproc` does for its rank 0; None: this process saves
    nothing, a rank other than 0)."""
    check_threads(opts.threads)
    graph_path, plot_path = opts.graph_path, opts.plot_path
    for path in (opts.save_path, opts.log_path, graph_path, plot_path, opts.resume_path):
        if path is not None:
            check_output(path)  # a directory ("newdir/") before its suffix
    if graph_path is not None and not graph_path.lower().endswith(_render.SUFFIXES):
        raise click.BadParameter(f"expected a file ending in .svg, .png, .pdf, .html or .dot, got '{graph_path}'",
                                 param_hint="--graph")
    if plot_path is not None:
        from ...models import plot as plotting
        try:
            plotting.check_path(plot_path)
        except MgradError as e:  # a UserInputError: named after the option
            raise click.BadParameter(str(e), param_hint="--plot") from None
        plotting.require_matplotlib()
    if opts.save_every is not None and opts.save_path is None and opts.resume_path is None:
        raise click.BadParameter("needs --save PATH (or --resume) to know where to save", param_hint="--save-every")
    for path in (opts.save_path, opts.log_path, graph_path, plot_path, opts.report_path):  # fail now
        if path is not None:
            check_writable(path)
    saved_to = opts.save_path or opts.resume_path
    if saved_to is not None and lock is not None:  # one run at a time saves to a checkpoint: a second is refused now
        claim = OutputLock(saved_to)
        if lock:
            click.get_current_context().call_on_close(claim.release)
        else:
            claim.release()


def _trainer(config_path, opts, sets=(), join=None):
    """The Trainer for the config and the options (resumed from the checkpoint, if any),
    with the doctor unless --no-doctor and snapshots with --snapshots or --report; given
    join, as a rank of the data-parallel group join(config) joins once the config is read
    -> (trainer, the config's name)."""
    from ... import limits
    from ...training import trainer as training
    from ...training.checkpoint import load_checkpoint, unverifiable
    from ...training.config import load_config
    from ...data.datasets import load_dataset

    source = display_path(config_path)
    config, resume_path = load_config(config_path, opts.overrides(), sets), opts.resume_path
    _csv_hint(config["data"])
    group = join(config) if join else None
    dataset = load_dataset(config["data"], config["seed"])
    training.check_fit(config, dataset, source)
    # a CSV's size is known now (a built-in's was checked with the config)
    limits.check(limits.training_costs(config, len(dataset.X), dataset.n_features), source)
    trainer = training.Trainer(config, dataset, doctor=not opts.no_doctor,
                               snapshots=opts.snapshots or opts.report_path is not None, group=group)
    if resume_path is not None:
        ckpt = load_checkpoint(resume_path)
        trainer.resume(ckpt, display_path(resume_path), source)
        unchecked = unverifiable(ckpt, display_path(resume_path))
        if unchecked:  # a version 1 file: resumed on data that cannot be checked against it
            err_console().print(f"Warning: {unchecked}.", soft_wrap=True)
    return trainer, source


def _csv_hint(data):
    """Before a big CSV is read without pyarrow: one line on stderr on how to read it faster."""
    from ...data import csvarrow

    hint = csvarrow.hint(data["csv"]) if data["name"] == "csv" else None
    if hint:
        err_console().print(f"Hint: {hint}.", soft_wrap=True)


def _check_graph(trainer, max_nodes):
    """Refuse a graph too big to draw, before training. -> what it draws: 'one sample', 'a batch of N samples'."""
    from ...inspect.view import draw_graph
    from ...training.trainer import graph_batch, loss_graph

    n = len(graph_batch(trainer)[0])
    what = "one sample" if n == 1 else f"a batch of {n} samples"
    size = len(draw_graph(loss_graph(trainer)))  # the nodes drawn
    if size > max_nodes:
        raise GraphTooLarge(f"the graph of the loss on {what} has {size} nodes, more than "
                            f"--graph-max-nodes {max_nodes}; draw a smaller model or raise the limit")
    return what


def _open_log(training, log_path):
    if log_path is None:
        return None
    try:
        return training.JsonLog(log_path)
    except MgradError as e:  # cannot write PATH: named after the option
        raise click.BadParameter(str(e), param_hint="--log") from None


def _run(run, table, out, every, quiet):
    """run.start(), printing the table's rows (every `every`th epoch, the first and the last)
    and, on a terminal, a progress bar. -> the run's Stop."""
    trainer, total = run.trainer, run.trainer.config["epochs"]
    start, err = trainer.epoch, err_console()
    progress = None
    if not quiet and err.is_terminal:
        progress = progress_bar(err)
        task = progress.add_task("train", total=total, completed=start, loss="")
        run.on_epoch.append(lambda r: progress.update(task, completed=r["epoch"], loss=f"loss {r['loss']:.4f}"))
    rows_to = progress.console if (progress is not None and out.is_terminal) else out

    def print_row(r):
        if r["epoch"] % every == 0 or r["epoch"] in (start + 1, total) or trainer.stopped:
            rows_to.print(table.row(r), markup=False, soft_wrap=True, highlight=False)

    if not quiet:
        run.on_epoch.insert(0, print_row)
    run.on_epoch.append(lambda r: print_diagnoses(progress.console if progress is not None else err, r["diagnoses"]))
    if progress is None:
        return run.start()
    with progress:  # gone before anything else is printed
        return run.start()


def progress_bar(console):
    """The bar shown on a terminal while training, each part labelled: 'epoch 12/100
    ━━━━━  loss 0.4321  elapsed 0:00:15  left 0:01:50' (the bar shrinks to the width)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, \
        TimeRemainingColumn

    return Progress(TextColumn("epoch"), MofNCompleteColumn(), BarColumn(), TextColumn("{task.fields[loss]}"),
                    TextColumn("elapsed"), TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
                    console=console, transient=True)


def unscaled_hint(unscaled, where=""):
    """The hint for unscaled data (data/scaling.py), its names as a table shows them
    (`where`: ' (2 of 4 runs)' when a sweep's runs differ in it)."""
    from ...data.scaling import hint

    return f"Hint{where}: {hint(unscaled, short)}"


def print_diagnoses(console, lines):
    """The doctor's lines within the console's width: a line too long is wrapped between
    words (a word or number is never cut), its continuation indented by 2."""
    import textwrap

    for line in lines:
        for part in textwrap.wrap(line, max(20, console.width), subsequent_indent="  ", break_long_words=False,
                                  break_on_hyphens=False):
            console.print(part, markup=False, highlight=False, soft_wrap=True, emoji=False)


def _draw_graph(trainer, graph_path, max_nodes):
    """Draw the loss's graph after training, each neuron boxed when the engine can say which
    nodes it made. -> (values drawn or None, the error to report after the summary)."""
    from .graph import print_drawing_notes
    from ...training.trainer import loss_graph

    if graph_path is None or trainer.epoch == 0:
        return None, None
    root = loss_graph(trainer)
    clusters = trainer.backend.graph_clusters(root)
    try:
        drawing = _render.write_graph(root, graph_path, rankdir="LR", max_nodes=max_nodes, clusters=clusters)
    except MgradError as e:
        return None, e
    print_drawing_notes(drawing, graph_path, ", or train with --engine tensor (a node per array)" if clusters else "")
    return drawing.values, None


def _write_report(trainer, source, report_path):
    """The replay page (models/report.py) of the run so far. -> whether written."""
    if report_path is None or trainer.epoch == 0:
        return False
    from ...models import report
    from ...models.evaluate import Model

    ckpt = trainer.checkpoint()
    report.write_report(report_path, Model(ckpt, source), trainer.history, ckpt["snapshots"],
                        report.dataset_rows(trainer.dataset, trainer.dataset.X_raw))
    return True


def _draw_plot(trainer, source, plot_path):
    if plot_path is None or trainer.epoch == 0:
        return None
    from ...models import plot as plotting
    from ...models.evaluate import Model

    dataset = trainer.dataset
    return plotting.plot_run(plot_path, Model(trainer.checkpoint(), source), trainer.history,
                             (dataset.X_raw, dataset.y, dataset.is_test))


class Table:
    """The words of a run: the introduction and the header, a row per epoch (report.Table's
    columns), the chart and the summary."""

    def __init__(self, trainer, width):
        self.trainer, ds = trainer, trainer.dataset
        self.counts = {split: len(ds.rows(split)[0]) for split in SPLITS}  # rows per split
        opt = trainer.config["optimizer"]
        lr = None if opt["schedule"]["name"] == "constant" else opt["lr"]  # a constant lr: the header says it
        self.table = report.Table(ds.task, {s for s, n in self.counts.items() if n}, trainer.config["epochs"],
                                  width, lr)
        self.width = width
        self.start = trainer.epoch
        self.what = f"{describe(trainer.sizes)} on {ds.name}"
        self.runs_on = trainer.backend.runs_on()  # device, dtype and threads, where the engine chooses them

    def row(self, record):
        return self.table.row(record)

    def print_intro(self, out, resume_path):
        config = self.trainer.config
        lines = [_intro(config, self.counts, self.what, self.runs_on)]
        if self.start:
            lines.append(f"Resuming from {resume_path} after epoch {self.start} of {config['epochs']}.")
        dropped = self.table.dropped()
        if dropped:
            lines.append(f"Left out to fit {self.width} columns: {', '.join(dropped)} (--log PATH keeps every "
                         f"column).")
        for line in lines:
            say(out, line)
        for line in self.table.header():
            out.print(line, style="bold", markup=False, soft_wrap=True)

    def print_chart(self, out, width):
        from .. import chart

        for line in chart.run_chart(self.trainer.history, self.trainer.dataset.task, width):  # a resumed run's too
            out.print(line, soft_wrap=True)

    def print_summary(self, out, stop):
        word = interrupt_message(stop.error).rstrip(".") if stop.status == "interrupted" else None
        status = "stopped" if self.trainer.stopped else stop.status
        lines = [self._trained(status, stop.seconds, word)] + _results(self.trainer, status, self.counts)
        trainer = self.trainer
        if trainer.unscaled is not None and trainer.last is not None and at_chance(
                _reported(trainer, status), trainer.dataset.task, trainer.dataset.y_train):
            lines.append(unscaled_hint(trainer.unscaled))  # the run ended no better than chance
        for line in lines:
            say(out, line)
        said = [] if self.trainer.doctor is None else self.trainer.doctor.said
        if said:
            out.print("The training doctor said:", markup=False)
            print_diagnoses(out, said)

    def _trained(self, status, seconds, word="Interrupted"):
        """The summary's first line: what was trained, for how many epochs, in how long."""
        trainer, total = self.trainer, self.trainer.config["epochs"]
        took = duration(seconds)
        if self.runs_on is not None:
            took += f" on the {trainer.config['engine']} engine ({self.runs_on})"
        if status == "interrupted":  # word: Interrupted (Ctrl-C) or Terminated (SIGTERM)
            return f"{word} after {trainer.epoch} of {plural(total, 'epoch')} ({took}): {self.what}."
        if self.start:
            return f"Trained {self.what} for epochs {self.start + 1} to {trainer.epoch} in {took}."
        return f"Trained {self.what} for {plural(trainer.epoch, 'epoch')} in {took}."


def _intro(config, n, what, runs_on):
    """'Training MLP 2-16-16-1 (337 parameters) on moons: 100 training samples; ...': the
    run's data, loss, optimizer, batches, seed, engine and early stopping in one line."""
    from ...training.config import DEFAULTS

    held = [f"{plural(n['val'], 'validation sample')}" if n["val"] else "",
            f"{n['test']} held out for testing" if n["test"] else ""]
    opt = config["optimizer"]
    sched = "" if opt["schedule"]["name"] == "constant" else f", {opt['schedule']['name']} schedule"
    batch = "full batch" if not config["batch_size"] else f"batches of {config['batch_size']}"
    stopping = config["early_stopping"]
    stops = "" if stopping is None else f"; early stopping after {plural(stopping['patience'], 'epoch')} " \
                                        f"without a better validation loss"
    engine = "" if config["engine"] == DEFAULTS["engine"] else f"; {config['engine']} engine"
    engine += "" if runs_on is None else f" ({runs_on})"
    return (f"Training {what}: {', '.join([plural(n['train'], 'training sample')] + [h for h in held if h])}"
            f"; {config['loss']['name']} loss, {opt['name']} lr {opt['lr']:g}{sched}, {batch}, seed "
            f"{config['seed']}{engine}{stops}.")


def _results(trainer, status, counts):
    """The summary's lines after the first: why it stopped early (if it did), the last (or
    kept) epoch's metrics, and the best held-out ones. None before an epoch is done."""
    if trainer.last is None:
        return []
    lines, last, total = [], _reported(trainer, status), trainer.config["epochs"]
    task = trainer.dataset.task
    if status == "stopped":
        best = trainer.stopper.best_epoch
        lines.append(f"Stopped early at epoch {trainer.epoch} of {total}: the validation loss has not improved for "
                     f"{plural(trainer.stopper.bad_epochs, 'epoch')}, since epoch {best}; the weights of epoch "
                     f"{best} are kept.")
    lines.append(("At epoch " + str(last["epoch"]) + ": l" if status == "stopped" else "Final l")
                 + _metrics(last, counts, task)[1:] + ".")
    bests = _bests(trainer.history, counts, task)
    if bests:
        lines.append("Best " + "; best ".join(bests) + ".")
    return lines


def _reported(trainer, status):
    """The record the summary reports: the last epoch's, or the kept one's when early
    stopping ended the run."""
    if status == "stopped":
        return next(r for r in trainer.history if r["epoch"] == trainer.stopper.best_epoch)
    return trainer.last


SPLIT_NAMES = {"train": "train", "val": "validation", "test": "test"}  # as the summary names them


def _metrics(r, counts, task):
    """'loss 0.1, train accuracy 97.5% (80 samples), ...' for a record."""
    parts = [f"loss {number(r['loss'])}"]
    for split in SPLITS:
        if not counts[split]:
            continue
        name, n = SPLIT_NAMES[split], counts[split]
        loss = "" if split == "train" else f"{name} loss {number(r.get(split + '_loss'))}, "
        if task == "regression":
            parts.append(f"{loss}{name} MSE {number(r.get(split + '_mse'))}, MAE {number(r.get(split + '_mae'))}, "
                         f"R² {_r2(r.get(split + '_r2'))} ({plural(n, 'sample')})")
        else:
            parts.append(f"{loss}{name} accuracy {percent(r.get(split + '_acc'))} ({plural(n, 'sample')})")
    return ", ".join(parts)


def _bests(history, counts, task):
    """'test loss 0.0123 at epoch 40', ...: the best held-out loss and accuracy (or R²) of the run."""
    bests = []
    other = "r2" if task == "regression" else "acc"
    for split in ("val", "test"):
        if not counts[split] or not history:
            continue
        for key, pick, show in ((f"{split}_loss", min, number), (f"{split}_{other}", max,
                                                                   percent if other == "acc" else _r2)):
            values = [r.get(key) for r in history if r.get(key) is not None]
            if values:
                value = pick(values)
                epoch = next(r["epoch"] for r in history if r.get(key) == value)
                label = {"loss": "loss", "acc": "accuracy", "r2": "R²"}[key.split("_")[1]]
                bests.append(f"{SPLIT_NAMES[split]} {label} {show(value)} at epoch {epoch}")
    return bests


def _r2(value):
    return number(value, digits=4)
