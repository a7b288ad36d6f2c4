"""`mgrad train`: train an MLP as a config says and print a table of the epochs."""

import json
import sys
import time

import click

from .. import render as _render
from ..cli import CONTEXT_SETTINGS, MgradClickError, cli, err_console, out_console, translate_errors
from ..backends import names as engine_names
from ..errors import GraphTooLarge, MgradError, TrainingDiverged

GRAPH_SUFFIXES = _render.SUFFIXES


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
    # Ctrl-C outside the epoch loop (which reports what it did itself) is translate_errors'
    _train(config_path, epochs, lr, seed, save_path, log_path, graph_path, graph_max_nodes, every, quiet,
           resume_path=resume_path, save_every=save_every, plot_path=plot_path, engine=engine)


def _train(config_path, epochs, lr, seed, save_path, log_path, graph_path, graph_max_nodes, every, quiet,
           resume_path=None, save_every=None, plot_path=None, engine=None):
    from .. import checkpoint as ckpt_mod
    from .. import limits
    from .. import train as training
    from ..config import load_config
    from ..datasets import load_dataset
    from ..files import cannot_write, check_writable, display_path

    if graph_path is not None and not graph_path.lower().endswith(GRAPH_SUFFIXES):
        raise click.BadParameter(f"expected a file ending in .svg, .png, .pdf, .html or .dot, got '{graph_path}'",
                                 param_hint="--graph")
    if plot_path is not None:  # check before training, not after
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

    overrides = {k: v for k, v in (("epochs", epochs), ("optimizer.lr", lr), ("seed", seed), ("engine", engine))
                 if v is not None}
    source = display_path(config_path)
    config = load_config(config_path, overrides)
    dataset = load_dataset(config["data"], config["seed"])
    training.check_fit(config, dataset, source)
    # a CSV's size is known now (a built-in's was checked with the config)
    limits.check(limits.training_costs(config, len(dataset.X), dataset.n_features), source)
    trainer = training.Trainer(config, dataset)
    n_params = len(trainer.params)
    if resume_path is not None:
        trainer.resume(ckpt_mod.load_checkpoint(resume_path), display_path(resume_path), source)
        if save_path is None:
            check_writable(resume_path)
            save_path = resume_path
    start_epoch = trainer.epoch

    render = None
    if graph_path is not None:
        render = _render
        # as many samples as the engine draws: one on the scalar engine (a node per number),
        # the first batch on the tensor engine (a node per array: as few for a batch as for one)
        n = len(dataset.X_train)
        n_graph = min(trainer.backend.graph_samples or config["batch_size"] or n, n)
        graph_x, graph_t = dataset.X_train[:n_graph], trainer.T_train[:n_graph]
        graph_what = "one sample" if n_graph == 1 else f"a batch of {n_graph} samples"
        size = len(trainer.backend.loss_graph(trainer.params, graph_x, graph_t).topo())
        if size > graph_max_nodes:
            raise GraphTooLarge(f"the graph of the loss on {graph_what} has {size} nodes, more than "
                                f"--graph-max-nodes {graph_max_nodes}; draw a smaller model or raise the limit")

    out, err = out_console(), err_console()
    classify = dataset.task == "classification"
    has_test = len(dataset.test_idx) > 0
    columns = [("epoch", max(5, len(str(config["epochs"])))), ("loss", 12)]
    if classify:
        columns += [("train acc", 9)] + ([("test acc", 8)] if has_test else [])
    columns += [("lr", 10), ("seconds", 7)]

    def pct(a):
        return "-" if a is None else f"{100 * a:.1f}%"

    def fmt_loss(x):
        return f"{x:.6f}" if 1e-4 <= abs(x) < 1e6 or x == 0 else f"{x:.5e}"

    def row_text(r):
        cells = [str(r["epoch"]), fmt_loss(r["loss"])]
        if classify:
            cells += [pct(r["train_acc"])] + ([pct(r["test_acc"])] if has_test else [])
        cells += [f"{r['lr']:.4g}", f"{r['seconds']:.2f}"]
        return "  ".join(c.rjust(w) for c, (_, w) in zip(cells, columns))

    header = "  ".join(name.rjust(w) for name, w in columns)
    test_note = f", {len(dataset.test_idx)} held out for testing" if has_test else ""
    opt = config["optimizer"]
    sched = "" if opt["schedule"]["name"] == "constant" else f", {opt['schedule']['name']} schedule"
    batch = "full batch" if not config["batch_size"] else f"batches of {config['batch_size']}"
    if not quiet:
        out.print(f"Training {training.describe(config, dataset, n_params)} on {dataset.name}: "
                  f"{len(dataset.train_idx)} training samples{test_note}; {config['loss']['name']} loss, "
                  f"{opt['name']} lr {opt['lr']:g}{sched}, {batch}, seed {config['seed']}"
                  f"{'; tensor engine' if config['engine'] == 'tensor' else ''}.",
                  markup=False, soft_wrap=True)
        if start_epoch:
            out.print(f"Resuming from {resume_path} after epoch {start_epoch} of {config['epochs']}.",
                      markup=False, soft_wrap=True)
        out.print(header, style="bold", markup=False, soft_wrap=True)

    log_file = None
    if log_path is not None:
        try:
            log_file = open(log_path, "w", encoding="utf-8")
        except OSError as e:
            raise click.BadParameter(str(cannot_write(log_path, e)), param_hint="--log") from None

    def save():
        if save_path is not None and trainer.epoch > 0:
            ckpt_mod.save_checkpoint(save_path, **trainer.checkpoint())
            return True
        return False

    show_progress = not quiet and err.is_terminal
    progress = None
    if show_progress:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
        progress = Progress(TextColumn("epoch"), MofNCompleteColumn(), BarColumn(), TextColumn("{task.fields[loss]}"),
                            TimeRemainingColumn(), console=err, transient=True)
    rows_to = progress.console if (progress is not None and out.is_terminal) else out

    started = time.perf_counter()
    total = config["epochs"]
    interrupted = False
    diverged = None
    try:
        if progress is not None:
            progress.start()
            task = progress.add_task("train", total=total, completed=start_epoch, loss="")
        for r in training.train(config, dataset, trainer):
            if log_file is not None:
                try:
                    log_file.write(json.dumps(r) + "\n")
                    log_file.flush()
                except OSError as e:
                    raise cannot_write(log_path, e) from None
            if not quiet and (r["epoch"] % every == 0 or r["epoch"] in (start_epoch + 1, total)):
                rows_to.print(row_text(r), markup=False, soft_wrap=True, highlight=False)
            if progress is not None:
                progress.update(task, completed=r["epoch"], loss=f"loss {r['loss']:.4f}")
            if save_every is not None and r["epoch"] % save_every == 0 and r["epoch"] < total:
                save()
    except KeyboardInterrupt:
        interrupted = True
    except TrainingDiverged as e:
        diverged = e  # reported below, once the progress bar is gone and the log closed
    finally:
        if progress is not None:
            progress.stop()
        if log_file is not None:
            try:
                log_file.close()
            except OSError as e:
                if sys.exc_info()[0] is None:  # else the error already on its way says it
                    raise cannot_write(log_path, e) from None
    if diverged is not None:
        if save():
            err.print(f"Saved the last good state (epoch {trainer.epoch}) to {save_path}.", markup=False)
        raise MgradClickError(diverged)

    elapsed = time.perf_counter() - started
    saved = save()
    graph_error = graph_nodes = None
    if render is not None and trainer.epoch > 0:
        graph_nodes, graph_error = _draw_loss(trainer, (graph_x, graph_t), dataset, graph_path, graph_max_nodes)
    plotted = None
    if plot_path is not None and trainer.epoch > 0:
        from ..evaluate import Model
        X_raw = dataset.X if dataset.mean is None else dataset.X * dataset.std + dataset.mean
        plotted = plotting.plot_run(plot_path, Model(trainer.checkpoint(), source), trainer.history,
                                    (X_raw, dataset.y, dataset.is_test))

    last = trainer.last
    what = f"{training.describe(config, dataset, n_params)} on {dataset.name}"
    if interrupted:
        out.print(f"Interrupted after {trainer.epoch} of {total} epochs ({elapsed:.1f} s): {what}.",
                  markup=False, soft_wrap=True)
    elif start_epoch:
        out.print(f"Trained {what} for epochs {start_epoch + 1} to {trainer.epoch} in {elapsed:.1f} s.",
                  markup=False, soft_wrap=True)
    else:
        out.print(f"Trained {what} for {trainer.epoch} epochs in {elapsed:.1f} s.", markup=False, soft_wrap=True)
    if last is not None:
        parts = [f"Final loss {fmt_loss(last['loss'])}"]
        if classify:
            parts.append(f"train accuracy {pct(last['train_acc'])} ({len(dataset.train_idx)} samples)")
            if has_test:
                parts.append(f"test accuracy {pct(last['test_acc'])} ({len(dataset.test_idx)} samples)")
        out.print(", ".join(parts) + ".", markup=False, soft_wrap=True)
    if saved:
        out.print(f"Checkpoint saved to {save_path}.", markup=False, soft_wrap=True)
    if log_path is not None:
        out.print(f"Log written to {log_path}.", markup=False, soft_wrap=True)
    if graph_nodes is not None:
        out.print(f"Graph of the loss on {graph_what} ({graph_nodes} nodes) drawn to {graph_path}.",
                  markup=False, soft_wrap=True)
    if plotted is not None:
        out.print(f"Figure ({' and '.join(plotted)}) drawn to {plot_path}.", markup=False, soft_wrap=True)
    if interrupted:
        raise click.exceptions.Exit(130)
    if graph_error is not None:
        raise MgradClickError(graph_error)


def _draw_loss(trainer, sample, dataset, path, max_nodes):
    """Draw the loss graph after training: -> (the number of values drawn, None), or
    (None, the error) to report after the summary. A scalar MLP's neurons are boxed."""
    from .. import nn
    from .graph import print_drawing_notes

    root = trainer.backend.loss_graph(trainer.params, *sample, dataset.feature_names)
    model = getattr(trainer.backend, "model", None)
    clusters = nn.neuron_clusters(model, root) if isinstance(model, nn.MLP) else None
    try:
        drawing = _render.write_graph(root, path, rankdir="LR", max_nodes=max_nodes, clusters=clusters)
    except MgradError as e:
        return None, e
    print_drawing_notes(drawing, path, ", or train with --engine tensor (a node per array)" if clusters else "")
    return drawing.values, None
