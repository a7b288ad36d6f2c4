"""The command line: the only module that prints, reads the terminal or chooses exit codes.

Commands are thin: parse options, call the library, render its results with rich.
Library errors (mgrad_cli.errors) become one-line messages here:
exit 0 ok, 1 a failed check or run, 2 bad input, 130 interrupted.
"""

import functools
import json
import os
import sys
import time

import click
from rich.console import Console

from . import __version__
from . import blas_threads  # noqa: F401  (sets one BLAS thread by default: before numpy is imported)
from . import expr as _expr
from . import gradcheck as _gradcheck
from . import render as _render
from . import evaluate as _evaluate
from .config import ENGINES
from .errors import ExpressionError, GraphTooLarge, MgradError, TrainingDiverged

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


# --- consoles and errors -----------------------------------------------------------

def out_console():
    """Data and tables: stdout. rich drops colour when it is not a terminal and honours NO_COLOR."""
    return Console(file=sys.stdout, highlight=False)  # looked up per call: CliRunner swaps it


def err_console():
    """Progress and diagnostics: stderr."""
    return Console(file=sys.stderr, highlight=False)


class MgradClickError(click.ClickException):
    """A library error shown as `Error: message` with the error's own exit code."""

    def __init__(self, error):
        super().__init__(str(error))
        self.exit_code = error.exit_code
        self.error = error

    def format_message(self):
        msg = self.message
        err = self.error
        if isinstance(err, ExpressionError) and err.source is not None and err.column is not None:
            line_start = err.source.rfind("\n", 0, err.column) + 1
            line_end = err.source.find("\n", err.column)
            line = err.source[line_start: len(err.source) if line_end < 0 else line_end]
            msg += f"\n  {line}\n  {' ' * (err.column - line_start)}^"
        return msg


def translate_errors(f):
    """Turn the library's exceptions into click errors with the right exit code."""

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except MgradError as e:
            raise MgradClickError(e) from None
        except KeyboardInterrupt:  # click would say "Aborted!" and exit 1
            click.echo("Interrupted.", err=True)
            raise click.exceptions.Exit(130) from None

    return wrapper


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="mgrad")
def cli():
    """mgrad: a scalar autograd engine and MLP trainer, to learn backpropagation
    by watching it work.

    \b
    Examples:
      mgrad train configs/moons.yaml
      mgrad graph "e = a*b; d = e + c; L = d * f" a=2 b=-3 c=10 f=-2
      mgrad gradcheck "tanh(x*w + b)" x=2 w=-3 b=6.88
    """


# --- train (issue 3) ---------------------------------------------------------------

GRAPH_SUFFIXES = _render.SUFFIXES


@cli.command("train", context_settings=CONTEXT_SETTINGS)
@click.argument("config_path", metavar="CONFIG")
@click.option("--epochs", type=click.IntRange(min=1), help="Train this many epochs (overrides the config).")
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), help="Learning rate (overrides optimizer.lr).")
@click.option("--seed", type=click.IntRange(min=0), help="Random seed (overrides the config).")
@click.option("--engine", type=click.Choice(ENGINES),
              help="scalar: a Value per number (the lecture's engine); tensor: numpy arrays, much faster. "
                   "Both give the same numbers (overrides the config's engine).")
@click.option("--save", "save_path", metavar="PATH", help="Write a JSON checkpoint here (atomically).")
@click.option("--log", "log_path", metavar="PATH", help="Write one JSON line per epoch here.")
@click.option("--graph", "graph_path", metavar="PATH",
              help="Draw the loss on one sample after training (.svg, .png, .pdf or .dot).")
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
    from . import checkpoint as ckpt_mod
    from . import train as training
    from .config import load_config
    from .datasets import load_dataset
    from .files import cannot_write, check_writable, display_path

    if graph_path is not None and not graph_path.lower().endswith(GRAPH_SUFFIXES):
        raise click.BadParameter(f"expected a file ending in .svg, .png, .pdf or .dot, got '{graph_path}'",
                                 param_hint="--graph")
    if plot_path is not None:  # issue 6: check before training, not after
        from . import plot as plotting
        try:
            plotting.check_path(plot_path)
        except MgradError as e:  # a UserInputError: named after the option
            raise click.BadParameter(str(e), param_hint="--plot") from None
        plotting.require_matplotlib()
    if save_every is not None and save_path is None and resume_path is None:
        raise click.BadParameter("needs --save PATH (or --resume) to know where to save", param_hint="--save-every")
    for path, hint in ((save_path, "--save"), (log_path, "--log"), (graph_path, "--graph"), (plot_path, "--plot")):
        if path is not None:
            directory = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(directory):
                raise click.BadParameter(f"no such directory: {display_path(directory)}", param_hint=hint)
            if os.path.isdir(path):
                raise click.BadParameter(f"'{path}' is a directory", param_hint=hint)
    if save_path is not None:  # fail now, not after the training
        check_writable(save_path)
    if plot_path is not None:  # the figure too (/proc/t.png passes the checks above)
        check_writable(plot_path)

    overrides = {k: v for k, v in (("epochs", epochs), ("optimizer.lr", lr), ("seed", seed), ("engine", engine))
                 if v is not None}
    source = display_path(config_path)
    config = load_config(config_path, overrides)
    dataset = load_dataset(config["data"], config["seed"])
    training.check_fit(config, dataset, source)
    trainer = training.Trainer(config, dataset)
    n_params = len(trainer.params)
    if resume_path is not None:  # issue 6
        trainer.resume(ckpt_mod.load_checkpoint(resume_path), display_path(resume_path), source)
        if save_path is None:
            check_writable(resume_path)
            save_path = resume_path
    start_epoch = trainer.epoch

    render = None
    if graph_path is not None:
        render = _render
        # the scalar engine draws the loss on one sample (a node per number); the tensor
        # engine on the first batch (a node per array: as few nodes for a batch as for one)
        if config["engine"] == "tensor":
            n_graph = min(config["batch_size"] or len(dataset.X_train), len(dataset.X_train))
            graph_x, graph_t = dataset.X_train[:n_graph], trainer.T_train[:n_graph]
            graph_what = "one sample" if n_graph == 1 else f"a batch of {n_graph} samples"
        else:
            graph_x, graph_t, graph_what = dataset.X_train[0], trainer.T_train[0], "one sample"
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
        root = trainer.backend.loss_graph(trainer.params, graph_x, graph_t, dataset.feature_names)
        try:
            graph_nodes = render.write_graph(root, graph_path, rankdir="LR", max_nodes=graph_max_nodes).values
        except MgradError as e:
            graph_error = e
    plotted = None
    if plot_path is not None and trainer.epoch > 0:
        from .evaluate import Model
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

# --- end train ---------------------------------------------------------------------


# --- graph and gradcheck (issue 4) -------------------------------------------------

def _expression_args(f):
    f = click.argument("bindings", nargs=-1, metavar="[NAME=VALUE]...")(f)
    return click.argument("expression")(f)


# ignore_unknown_options: an expression may start with a minus ("-a*b")
_EXPR_CONTEXT = dict(CONTEXT_SETTINGS, ignore_unknown_options=True)


@cli.command("graph", context_settings=_EXPR_CONTEXT)
@_expression_args
@click.option("-o", "--output", "output", default="graph.svg", show_default=True,
              type=click.Path(dir_okay=False),
              help="Where to draw: .svg, .png, .pdf (these need Graphviz's dot program) or .dot.")
@click.option("--no-grad", is_flag=True, help="Do not run backward; draw data only.")
@click.option("--rankdir", type=click.Choice(["LR", "TB"], case_sensitive=False), default="LR",
              show_default=True, metavar="LR|TB", help="Left to right, or top to bottom.")
@translate_errors
def graph_command(expression, bindings, output, no_grad, rankdir):
    """Evaluate EXPRESSION, backpropagate, and draw its graph as in the lecture:
    one record per value (label | data | grad), one small node per op.

    EXPRESSION is arithmetic with names: numbers, + - * / **, unary -, parentheses
    and the functions abs, exp, log, relu, sigmoid, tanh and sum(a, b, ...).
    Statements separated by `;` or newlines name the nodes (`e = a*b`); the last one
    is the output. Bind every input with NAME=VALUE. The text is parsed, never run as
    Python.

    \b
    Examples:
      mgrad graph "e = a*b; d = e + c; L = d * f" a=2 b=-3 c=10 f=-2
      mgrad graph "n = x1*w1 + x2*w2 + b; o = tanh(n)" x1=2 x2=0 w1=-3 w2=1 b=6.8813735870195432 -o neuron.png
      mgrad graph "L = -a * relu(b)" a=1 b=2 --no-grad -o l.dot
    """
    program = _expr.parse(expression)
    out, _ = _expr.evaluate(program, _expr.parse_bindings(bindings))
    if not no_grad:
        out.backward()
    drawing = _render.write_graph(out, output, rankdir=rankdir.upper(), show_grad=not no_grad)
    console = out_console()
    console.print(f"{out.label or 'output'} = {_render.format_number(out.data)}", markup=False)
    console.print(f"Wrote {output} ({drawing.values} values, {drawing.ops} ops)", markup=False)


@cli.command("gradcheck", context_settings=_EXPR_CONTEXT)
@click.argument("expression", required=False)
@click.argument("bindings", nargs=-1, metavar="[NAME=VALUE]...")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), metavar="CONFIG",
              help="Check a config's model and loss (at its initial weights) instead of an expression.")
@click.option("--samples", type=int, default=4, show_default=True,
              help="With --config: how many training samples make the batch.")
@click.option("--max-params", type=int, default=None,
              help="With --config: check a random subset of this many parameters (seeded by the config's seed).")
@click.option("--eps", type=float, default=_gradcheck.EPS, show_default=True,
              help="Step of the central difference (f(x+eps) - f(x-eps)) / 2eps.")
@click.option("--atol", type=float, default=_gradcheck.ATOL, show_default=True, help="Absolute tolerance.")
@click.option("--rtol", type=float, default=_gradcheck.RTOL, show_default=True, help="Relative tolerance.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON, for scripts.")
@click.option("--engine", type=click.Choice(ENGINES + ("both",)),
              help="With --config: the engine to check (default: the config's); both: each engine against "
                   "finite differences and the two engines against each other.")
@translate_errors
def gradcheck_command(expression, bindings, config_path, samples, max_params, eps, atol, rtol, as_json,
                      engine=None):
    """Compare backward()'s gradients with finite differences.

    EXPRESSION and NAME=VALUE are as for `mgrad graph`. For each input: the analytic gradient, the central-difference estimate, their
    absolute and relative error, and ok/FAIL; it passes when
    |analytic - numeric| <= atol + rtol * |numeric| (torch.autograd.gradcheck's rule
    and defaults). Exit code 0 when all pass, 1 when any fails. At a kink (relu or abs
    at exactly 0) the gradient is reported as "not differentiable", not as a failure.

    \b
    Examples:
      mgrad gradcheck "tanh(x*w + b)" x=2 w=-3 b=6.88
      mgrad gradcheck "e = a*b; d = e + c; L = d * f" a=2 b=-3 c=10 f=-2 --json
      mgrad gradcheck "relu(x) * y" x=0 y=3
      mgrad gradcheck --config configs/moons.yaml --max-params 50
      mgrad gradcheck --config configs/digits.yaml --engine both --max-params 40

    With --config: every parameter's gradient of the config's loss, on a batch of its
    first --samples training samples, at the initial weights; the summary gives the
    worst absolute and relative error and where they occur. --engine both checks the
    scalar and the tensor engine, and fails where their gradients differ by more than
    float64 rounding (relative 1e-9).
    """
    if engine is not None and config_path is None:
        raise click.UsageError("--engine needs --config (an expression is checked on the scalar engine)")
    if config_path is not None:
        if expression is not None:
            raise click.UsageError("give an EXPRESSION or --config, not both")
        return _gradcheck_config(config_path, samples, max_params, eps, atol, rtol, as_json, engine)
    if expression is None:
        raise click.UsageError("give an EXPRESSION (with NAME=VALUE inputs) or --config CONFIG")
    values = _expr.parse_bindings(bindings)
    out, results = _gradcheck.check_expression(expression, values, eps, atol, rtol)
    ok = _gradcheck.passed(results)
    if as_json:
        _json_out({
            "expression": expression,
            "inputs": values,
            "output": {"name": out.label, "value": out.data},
            "eps": eps, "atol": atol, "rtol": rtol,
            "passed": ok,
            "results": [r.to_dict() for r in results],
        })
    else:
        _print_gradcheck(results, f"{out.label or 'output'} = {_render.format_number(out.data)}",
                         eps, atol, rtol, what="input")
    if not ok:
        raise SystemExit(1)


def _gradcheck_config(path, samples, max_params, eps, atol, rtol, as_json, engine=None):
    from .config import load_config

    config = load_config(path)
    if engine == "both":
        return _gradcheck_engines(path, config, samples, max_params, eps, atol, rtol, as_json)
    engine = engine or config["engine"]
    loss, results, samples = _gradcheck.check_config(config, samples, max_params, eps, atol, rtol, source=path,
                                                     engine=engine)
    ok = _gradcheck.passed(results)
    if as_json:
        _json_out({
            "config": path, "engine": engine, "samples": samples, "max_params": max_params,
            "loss": loss,
            "eps": eps, "atol": atol, "rtol": rtol,
            "passed": ok,
            "results": [r.to_dict() for r in results],
        })
    else:
        title = f"{path}: loss = {_render.format_number(loss)} on {samples} samples, {engine} engine"
        _print_gradcheck(results, title, eps, atol, rtol, what="parameter")
    if not ok:
        raise SystemExit(1)


def _gradcheck_engines(path, config, samples, max_params, eps, atol, rtol, as_json):
    """--engine both: a row per parameter with both engines' gradients and the central difference."""
    from rich.table import Table

    losses, rows, samples = _gradcheck.check_engines(config, samples, max_params, eps, atol, rtol, source=path)
    ok = _gradcheck.passed(rows)
    if as_json:
        _json_out({
            "config": path, "engine": "both", "samples": samples, "max_params": max_params,
            "loss": losses,
            "eps": eps, "atol": atol, "rtol": rtol,
            "engine_rtol": _gradcheck.ENGINE_RTOL, "engine_atol": _gradcheck.ENGINE_ATOL,
            "passed": ok,
            "results": [r.to_dict() for r in rows],
        })
        if not ok:
            raise SystemExit(1)
        return
    console = out_console()
    shown = {e: _render.format_number(v) for e, v in losses.items()}
    loss_text = shown["scalar"] if losses["scalar"] == losses["tensor"] else \
        f"{shown['scalar']} (scalar), {shown['tensor']} (tensor)"
    console.print(f"Gradient check of {path} on both engines: loss = {loss_text} on {samples} samples  "
                  f"(eps {eps:g}, atol {atol:g}, rtol {rtol:g}; engines within rtol "
                  f"{_gradcheck.ENGINE_RTOL:g})", markup=False, soft_wrap=True)
    table = Table()
    table.add_column("parameter")
    for col in ("scalar", "tensor", "numeric", "scalar vs tensor", "vs numeric"):
        table.add_column(col, justify="right")
    table.add_column("status")
    for r in rows:
        table.add_row(r.name, f"{r.scalar:.12g}", f"{r.tensor:.12g}", f"{r.numeric:.12g}",
                      f"{r.engine_error:.1e}", f"{r.rel_error:.1e}", r.status)
    console.print(table)

    def describe_worst(rows, differentiable):
        engines, = _gradcheck.worst(rows, "engine_error")
        numeric, = _gradcheck.worst(differentiable, "rel_error")
        return (f"engines apart by at most {engines.engine_error:.1e} at {engines.name}, "
                f"worst rel error against the central difference {numeric.rel_error:.1e} at {numeric.name}")

    _print_gradcheck_verdict(console, rows, describe_worst, agree=" on both engines", soft_wrap=True)
    if not ok:
        raise SystemExit(1)


def _print_gradcheck(results, title, eps, atol, rtol, what):
    from rich.table import Table

    console = out_console()
    console.print(f"Gradient check of {title}  (eps {eps:g}, atol {atol:g}, rtol {rtol:g})", markup=False)
    table = Table()
    table.add_column(what)
    for col in ("analytic", "numeric", "abs error", "rel error"):
        table.add_column(col, justify="right")
    table.add_column("status")
    for r in results:
        table.add_row(r.name, f"{r.analytic:.12g}", f"{r.numeric:.12g}", f"{r.abs_error:.1e}",
                      f"{r.rel_error:.1e}", r.status)
    console.print(table)

    def describe_worst(results, differentiable):
        worst_abs, worst_rel = _gradcheck.worst(differentiable)
        return (f"worst abs error {worst_abs.abs_error:.1e} at {worst_abs.name}, "
                f"rel {worst_rel.rel_error:.1e} at {worst_rel.name}")

    _print_gradcheck_verdict(console, results, describe_worst)


def _print_gradcheck_verdict(console, rows, describe_worst, agree="", soft_wrap=False):
    """The first five notes, then the one-line summary. describe_worst(rows, differentiable
    rows) words the worst errors: only among the gradients that exist, as a kink's "error"
    means nothing (all rows when every one is at a kink)."""
    notes = [r for r in rows if r.note]
    for r in notes[:5]:
        console.print(f"{r.name}: {r.note}", markup=False)
    if len(notes) > 5:
        console.print(f"... and {len(notes) - 5} more notes like these (--json lists them all)", markup=False)
    failed = [r for r in rows if r.status == _gradcheck.FAIL]
    kinks = [r for r in rows if r.status == _gradcheck.NOT_DIFFERENTIABLE]
    worst = describe_worst(rows, [r for r in rows if r.status != _gradcheck.NOT_DIFFERENTIABLE] or rows)
    n = len(rows)
    if failed:
        summary = f"FAIL: {len(failed)} of {n} gradients disagree ({worst})"
    else:
        summary = f"ok: {n - len(kinks)} of {n} gradients agree{agree} ({worst})"
    if kinks:
        summary += f"; {len(kinks)} not differentiable here"
    console.print(summary, markup=False, soft_wrap=soft_wrap)

# --- end graph and gradcheck -------------------------------------------------------


# --- predict, eval, plot, datasets (issue 6) ---------------------------------------

def _json_out(doc):
    """--json: the document alone on stdout, always valid JSON: inf and nan anywhere in it
    are written as the strings "inf", "-inf", "nan" (gradcheck.json_number)."""
    click.echo(json.dumps(_json_safe(doc), indent=2, allow_nan=False))


def _json_safe(v):
    if isinstance(v, dict):
        return {k: _json_safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_json_safe(x) for x in v]
    return _gradcheck.json_number(v)


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
    from . import evaluate as ev

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
        _json_out({
            "model": model_path,
            "task": model.task,
            "features": model.feature_names,
            "classes": model.class_names,
            "predictions": [dict({where: i, "inputs": [float(v) for v in x]}, **r)
                            for i, x, r in zip(ids, X, rows)],
        })
        return
    from rich.table import Table

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
        extra = "probability" if model.loss in ("cross_entropy", "bce") else (
            "score" if model.sizes[-1] == 1 else None)
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


@cli.command("eval", context_settings=CONTEXT_SETTINGS)
@click.argument("model_path", metavar="MODEL.json")
@click.argument("csv_path", metavar="[CSV]", required=False)
@click.option("--split", type=click.Choice(_evaluate.SPLITS), default="test", show_default=True,
              help="Without CSV: which rows of the model's own data (test = those held out by test_split; "
                   "the training rows when nothing was held out).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON, for scripts.")
@translate_errors
def eval_command(model_path, csv_path, split, as_json):
    """Measure a trained model: loss, and accuracy with a confusion matrix (or the
    mean squared error for a regression target).

    Without CSV it rebuilds the data set the model was trained on (from the config in
    the checkpoint) and uses the rows held out for testing. A CSV needs the model's
    feature columns and the target column.

    \b
    Examples:
      mgrad eval iris.json
      mgrad eval iris.json datasets/iris.csv
      mgrad eval moons.json --split train --json

    The loss is the training loss (l2 term included), so it compares with the table of
    `mgrad train`. Exit codes: 0 done, 2 bad input.
    """
    from . import evaluate as ev

    ctx = click.get_current_context()
    if csv_path is not None and ctx.get_parameter_source("split") != click.core.ParameterSource.DEFAULT:
        raise click.UsageError("--split chooses rows of the model's own data; it does not apply to a CSV")
    model = ev.load_model(model_path)
    note = None
    if csv_path is not None:
        X, y, _ = ev.read_rows(csv_path, model, need_target=True)
        what = f"{len(X)} samples of {csv_path}"
    else:
        X, y, what, note = ev.split_rows(model, split)
    result = ev.evaluate(model, X, y)
    if as_json:
        _json_out(dict({"model": model_path, "data": what, "note": note, "task": model.task}, **result))
        return
    out = out_console()
    if note:
        err_console().print(f"Note: {note}; evaluating on the training rows.", markup=False, soft_wrap=True)
    out.print(f"{model_path}: {model.title}; evaluated on {what}.", markup=False, soft_wrap=True)
    out.print(f"loss      {result['loss']:.6f}", markup=False)
    if model.task == "regression":
        out.print(f"mse       {result['mse']:.6g}", markup=False)
        out.print(f"mae       {result['mae']:.6g}", markup=False)
        return
    out.print(f"accuracy  {100 * result['accuracy']:.1f}% ({result['correct']} of {result['samples']})",
              markup=False)
    from rich.table import Table

    table = Table(title="confusion matrix (rows: true class, columns: predicted)", title_justify="left")
    table.add_column("true \\ predicted")
    for name in result["classes"]:
        table.add_column(name, justify="right")
    table.add_column("recall", justify="right")
    for name, counts in zip(result["classes"], result["confusion"]):
        total = sum(counts)
        recall = "-" if total == 0 else f"{100 * counts[result['classes'].index(name)] / total:.1f}%"
        table.add_row(name, *[str(c) for c in counts], recall)
    out.print(table)


@cli.command("plot", context_settings=CONTEXT_SETTINGS)
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
    from . import evaluate as ev
    from . import plot as plotting

    if output is None:
        output = os.path.splitext(model_path)[0] + ".png"
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
            err_console().print(f"Warning: {e}; drawing the curves only.", markup=False, soft_wrap=True)
    drawn = plotting.plot_run(output, model, model.history, points)
    out_console().print(f"Figure ({' and '.join(drawn)}) drawn to {output}.", markup=False, soft_wrap=True)


@cli.command("datasets", context_settings=CONTEXT_SETTINGS)
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON, for scripts.")
@translate_errors
def datasets_command(as_json):
    """List the built-in data sets (with their parameters and defaults) and the CSV files
    shipped in datasets/ (with their shapes).

    \b
    Examples:
      mgrad datasets
      mgrad datasets --json

    Use a built-in in a config with `data: {name: moons, n_samples: 200, noise: 0.2}`,
    a CSV with `data: {csv: ../datasets/iris.csv, target: species}`.
    """
    from . import datasets as ds
    from .files import display_path

    builtins, csvs = ds.builtin_info(), ds.shipped_csvs()
    if as_json:
        _json_out({"builtin": builtins, "csv": csvs})
        return
    from rich.table import Table

    out = out_console()
    table = Table(title="Built-in data sets (data.name)", title_justify="left")
    table.add_column("name")
    for col in ("samples", "features", "classes"):
        table.add_column(col, justify="right")
    table.add_column("parameters (defaults)")
    for b in builtins:
        params = ", ".join(f"{k}={v:g}" for k, v in b["params"].items()) or "-"
        table.add_row(b["name"], str(b["samples"]), str(b["features"]), str(b["classes"]), params)
    out.print(table)
    for b in builtins:
        out.print(f"  {b['name']}: {b['description']}", markup=False, soft_wrap=True)
    out.print()
    if not csvs:
        out.print("No shipped CSV files found (they live in datasets/ of the source tree).", markup=False)
        return
    table = Table(title=f"Shipped CSV files in {display_path(ds.SHIPPED_DIR)}/ (data.csv)", title_justify="left")
    table.add_column("file")
    for col in ("rows", "columns", "classes"):
        table.add_column(col, justify="right")
    table.add_column("target (last column)")
    for c in csvs:
        classes = "-" if c["classes"] is None else str(c["classes"])
        table.add_row(c["name"], str(c["rows"]), str(c["columns"]), classes, c["target"])
    out.print(table)


# --- end predict, eval, plot, datasets ---------------------------------------------


def main():
    cli(prog_name="mgrad")
