"""`mgrad train`: train an MLP as a config says and print a table of the epochs.

The run itself is the library's (train.Run: the epochs, the log, checkpoints, Ctrl-C and
divergence); this module checks the options, prints the table and the progress bar as the
run reports each epoch, draws the graph and the figure, and prints the summary.
"""

import click

from .. import render as _render
from ..backends import names as engine_names
from ..cli import CONTEXT_SETTINGS, MgradClickError, cli, err_console, out_console, translate_errors
from ..errors import GraphTooLarge, MgradError
from ..files import check_writable, display_path


@cli.command("train", context_settings=CONTEXT_SETTINGS)
@click.argument("config_path", metavar="CONFIG")
@click.option("--epochs", type=click.IntRange(min=1), help="Train this many epochs (overrides the config).")
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), help="Learning rate (overrides optimizer.lr).")
@click.option("--seed", type=click.IntRange(min=0), help="Random seed (overrides the config).")
@click.option("--engine", type=click.Choice(engine_names()),
              help="scalar: a Value per number (the lecture's engine); tensor: numpy arrays, much faster. "
                   "Both give the same numbers (overrides the config's engine).")
@click.option("--save", "save_path", metavar="PATH", help="Write a JSON checkpoint here (atomically).")
@click.option("--log", "log_path", metavar="PATH", help="Write one JSON line per epoch here.")
@click.option("--graph", "graph_path", metavar="PATH",
              help="Draw the loss on one sample after training (.svg, .png, .pdf, .dot, or .html: a page "
                   "to step through its forward and backward passes).")
@click.option("--graph-max-nodes", type=click.IntRange(min=1), default=5000, show_default=True,
              help="Refuse to draw a bigger graph.")
@click.option("--every", type=click.IntRange(min=1), default=1, show_default=True, metavar="N",
              help="Show every Nth epoch in the table (the first and last always).")
@click.option("-q", "--quiet", is_flag=True, help="Print only the final summary.")
@click.option("--resume", "resume_path", metavar="MODEL.json",
              help="Carry on from this checkpoint (weights, optimizer state, epoch, RNG) up to --epochs; "
                   "saved back to it unless --save names another file.")
@click.option("--save-every", type=click.IntRange(min=1), metavar="N",
              help="Also save the checkpoint every N epochs (needs --save or --resume).")
@click.option("--plot", "plot_path", metavar="PATH",
              help="After training, draw the loss and accuracy curves (and for 2-D data the decision "
                   "boundary) to a .png or .svg (needs matplotlib).")
@translate_errors
def train_command(config_path, epochs, lr, seed, save_path, log_path, graph_path, graph_max_nodes,
                  every, quiet, resume_path=None, save_every=None, plot_path=None, engine=None):
    """Train an MLP as the YAML file CONFIG says, and print a table of the epochs.

    The table shows each epoch's loss, training accuracy, test accuracy (when the
    config holds data back with test_split), learning rate and seconds. The same
    config and seed give the same numbers on every run.

    \b
    Examples:
      mgrad train configs/moons.yaml
      mgrad train configs/iris.yaml --epochs 20 --lr 0.05 --save iris.json
      mgrad train configs/tiny.yaml --graph tiny.svg --log tiny.jsonl -q
      mgrad train configs/moons.yaml --save moons.json --save-every 10 --plot moons.png
      mgrad train configs/moons.yaml --resume moons.json --epochs 200
      mgrad train configs/moons.yaml --engine tensor   # the same numbers, 100x faster
      mgrad train configs/digits.yaml --graph digits.svg

    Exit codes: 0 done, 1 the loss diverged, 2 bad input, 130 interrupted (Ctrl-C).
    """
    from .. import train as training

    _check_paths(save_path, log_path, graph_path, plot_path, save_every, resume_path)
    overrides = {k: v for k, v in (("epochs", epochs), ("optimizer.lr", lr), ("seed", seed), ("engine", engine))
                 if v is not None}
    trainer, source = _trainer(config_path, overrides, resume_path)
    if resume_path is not None and save_path is None:  # saved back to the checkpoint it resumed
        check_writable(resume_path)
        save_path = resume_path
    graph_what = None if graph_path is None else _check_graph(trainer, graph_max_nodes)
    out, table = out_console(), Table(trainer)
    if not quiet:
        table.print_intro(out, resume_path)
    log = _open_log(training, log_path)
    run = training.Run(trainer, save_path, save_every, log)
    stop = _run(run, table, out, every, quiet)
    if stop.status == "diverged":
        if stop.saved:
            err_console().print(f"Saved the last good state (epoch {trainer.epoch}) to {save_path}.", markup=False)
        raise MgradClickError(stop.error)
    graph_nodes, graph_error = _draw_graph(trainer, graph_path, graph_max_nodes)
    plotted = _draw_plot(trainer, source, plot_path)
    table.print_summary(out, stop)
    if stop.saved:
        out.print(f"Checkpoint saved to {save_path}.", markup=False, soft_wrap=True)
    if log_path is not None:
        out.print(f"Log written to {log_path}.", markup=False, soft_wrap=True)
    if graph_nodes is not None:
        out.print(f"Graph of the loss on {graph_what} ({graph_nodes} nodes) drawn to {graph_path}.",
                  markup=False, soft_wrap=True)
    if plotted is not None:
        out.print(f"Figure ({' and '.join(plotted)}) drawn to {plot_path}.", markup=False, soft_wrap=True)
    if stop.status == "interrupted":
        raise click.exceptions.Exit(130)
    if graph_error is not None:
        raise MgradClickError(graph_error)


def _check_paths(save_path, log_path, graph_path, plot_path, save_every, resume_path):
    """Refuse, before any training, the options that could only fail after it."""
    if graph_path is not None and not graph_path.lower().endswith(_render.SUFFIXES):
        raise click.BadParameter(f"expected a file ending in .svg, .png, .pdf, .html or .dot, got '{graph_path}'",
                                 param_hint="--graph")
    if plot_path is not None:
        from .. import plot as plotting
        try:
            plotting.check_path(plot_path)
        except MgradError as e:  # a UserInputError: named after the option
            raise click.BadParameter(str(e), param_hint="--plot") from None
        plotting.require_matplotlib()
    if save_every is not None and save_path is None and resume_path is None:
        raise click.BadParameter("needs --save PATH (or --resume) to know where to save", param_hint="--save-every")
    for path in (save_path, log_path, graph_path, plot_path):  # fail now, not after the training
        if path is not None:
            check_writable(path)


def _trainer(config_path, overrides, resume_path):
    """The Trainer for the config (resumed from the checkpoint, if any) -> (trainer, the config's name)."""
    from .. import limits
    from .. import train as training
    from ..checkpoint import load_checkpoint
    from ..config import load_config
    from ..datasets import load_dataset

    source = display_path(config_path)
    config = load_config(config_path, overrides)
    dataset = load_dataset(config["data"], config["seed"])
    training.check_fit(config, dataset, source)
    # a CSV's size is known now (a built-in's was checked with the config)
    limits.check(limits.training_costs(config, len(dataset.X), dataset.n_features), source)
    trainer = training.Trainer(config, dataset)
    if resume_path is not None:
        trainer.resume(load_checkpoint(resume_path), display_path(resume_path), source)
    return trainer, source


def _check_graph(trainer, max_nodes):
    """Refuse a graph too big to draw, before training. -> what it draws: 'one sample', 'a batch of N samples'."""
    n = len(trainer.graph_batch()[0])
    what = "one sample" if n == 1 else f"a batch of {n} samples"
    size = len(trainer.loss_graph().topo())
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
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
        progress = Progress(TextColumn("epoch"), MofNCompleteColumn(), BarColumn(), TextColumn("{task.fields[loss]}"),
                            TimeRemainingColumn(), console=err, transient=True)
        task = progress.add_task("train", total=total, completed=start, loss="")
        run.on_epoch.append(lambda r: progress.update(task, completed=r["epoch"], loss=f"loss {r['loss']:.4f}"))
    rows_to = progress.console if (progress is not None and out.is_terminal) else out

    def print_row(r):
        if r["epoch"] % every == 0 or r["epoch"] in (start + 1, total):
            rows_to.print(table.row(r), markup=False, soft_wrap=True, highlight=False)

    if not quiet:
        run.on_epoch.insert(0, print_row)
    if progress is None:
        return run.start()
    with progress:  # gone before anything else is printed
        return run.start()


def _draw_graph(trainer, graph_path, max_nodes):
    """Draw the loss's graph after training, each neuron boxed when the engine can say which
    nodes it made. -> (values drawn or None, the error to report after the summary)."""
    from .graph import print_drawing_notes

    if graph_path is None or trainer.epoch == 0:
        return None, None
    root = trainer.loss_graph()
    clusters = trainer.backend.graph_clusters(root)
    try:
        drawing = _render.write_graph(root, graph_path, rankdir="LR", max_nodes=max_nodes, clusters=clusters)
    except MgradError as e:
        return None, e
    print_drawing_notes(drawing, graph_path, ", or train with --engine tensor (a node per array)" if clusters else "")
    return drawing.values, None


def _draw_plot(trainer, source, plot_path):
    if plot_path is None or trainer.epoch == 0:
        return None
    from .. import plot as plotting
    from ..evaluate import Model

    dataset = trainer.dataset
    return plotting.plot_run(plot_path, Model(trainer.checkpoint(), source), trainer.history,
                             (dataset.X_raw, dataset.y, dataset.is_test))


def _percent(a):
    return "-" if a is None else f"{100 * a:.1f}%"


def _loss(x):
    return f"{x:.6f}" if 1e-4 <= abs(x) < 1e6 or x == 0 else f"{x:.5e}"


class Table:
    """The words of a run: the introduction, a row per epoch, the summary."""

    def __init__(self, trainer):
        from .. import train as training

        self.trainer, config, dataset = trainer, trainer.config, trainer.dataset
        self.classify, self.has_test = dataset.task == "classification", len(dataset.test_idx) > 0
        self.columns = [("epoch", max(5, len(str(config["epochs"])))), ("loss", 12)]
        if self.classify:
            self.columns += [("train acc", 9)] + ([("test acc", 8)] if self.has_test else [])
        self.columns += [("lr", 10), ("seconds", 7)]
        self.start = trainer.epoch
        self.what = f"{training.describe(config, dataset, len(trainer.params))} on {dataset.name}"

    def row(self, r):
        cells = [str(r["epoch"]), _loss(r["loss"])]
        if self.classify:
            cells += [_percent(r["train_acc"])] + ([_percent(r["test_acc"])] if self.has_test else [])
        cells += [f"{r['lr']:.4g}", f"{r['seconds']:.2f}"]
        return "  ".join(c.rjust(w) for c, (_, w) in zip(cells, self.columns))

    def print_intro(self, out, resume_path):
        from ..config import DEFAULTS

        config, dataset = self.trainer.config, self.trainer.dataset
        test_note = f", {len(dataset.test_idx)} held out for testing" if self.has_test else ""
        opt = config["optimizer"]
        sched = "" if opt["schedule"]["name"] == "constant" else f", {opt['schedule']['name']} schedule"
        batch = "full batch" if not config["batch_size"] else f"batches of {config['batch_size']}"
        engine = "" if config["engine"] == DEFAULTS["engine"] else f"; {config['engine']} engine"
        out.print(f"Training {self.what}: "
                  f"{len(dataset.train_idx)} training samples{test_note}; {config['loss']['name']} loss, "
                  f"{opt['name']} lr {opt['lr']:g}{sched}, {batch}, seed {config['seed']}{engine}.",
                  markup=False, soft_wrap=True)
        if self.start:
            out.print(f"Resuming from {resume_path} after epoch {self.start} of {config['epochs']}.",
                      markup=False, soft_wrap=True)
        out.print("  ".join(name.rjust(w) for name, w in self.columns), style="bold", markup=False, soft_wrap=True)

    def print_summary(self, out, stop):
        trainer, dataset = self.trainer, self.trainer.dataset
        total = trainer.config["epochs"]
        if stop.status == "interrupted":
            out.print(f"Interrupted after {trainer.epoch} of {total} epochs ({stop.seconds:.1f} s): {self.what}.",
                      markup=False, soft_wrap=True)
        elif self.start:
            out.print(f"Trained {self.what} for epochs {self.start + 1} to {trainer.epoch} in {stop.seconds:.1f} s.",
                      markup=False, soft_wrap=True)
        else:
            out.print(f"Trained {self.what} for {trainer.epoch} epochs in {stop.seconds:.1f} s.",
                      markup=False, soft_wrap=True)
        last = trainer.last
        if last is None:
            return
        parts = [f"Final loss {_loss(last['loss'])}"]
        if self.classify:
            parts.append(f"train accuracy {_percent(last['train_acc'])} ({len(dataset.train_idx)} samples)")
            if self.has_test:
                parts.append(f"test accuracy {_percent(last['test_acc'])} ({len(dataset.test_idx)} samples)")
        out.print(", ".join(parts) + ".", markup=False, soft_wrap=True)
