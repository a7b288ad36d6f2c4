"""`mgrad gradcheck`: compare backward()'s gradients with finite differences,
for an expression or a config's model and loss."""

import click

from ...inspect import expr as _expr
from ...inspect import gradcheck as _gradcheck
from ...inspect import dot as _render
from ...numbers import format_number
from ..console import NAME_WIDTH, EXPR_CONTEXT_SETTINGS, json_out, out_console, say, translate_errors
from ... import backends
from ...files import shown_path
from .graph import read_expression

DIGITS = (12, 10, 8, 6)  # significant digits of a gradient, the most that fit


@click.command("gradcheck", context_settings=EXPR_CONTEXT_SETTINGS)
@click.argument("expression", required=False)
@click.argument("bindings", nargs=-1, metavar="[NAME=VALUE]...")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), metavar="CONFIG",
              help="Check a config's model and loss (at its initial weights) instead of an expression.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="With --config: change a setting (a dotted KEY and a YAML VALUE, e.g. --set "
                   "model.activation=tanh); repeatable, applied in order, before --engine.")
@click.option("--samples", type=int, default=4, show_default=True,
              help="With --config: how many training samples make the batch (drawn with the config's seed; "
                   "a sample with a relu or abs input exactly at 0 is skipped).")
@click.option("--max-params", type=int, default=None,
              help="With --config: check a random subset of this many parameters (seeded by the config's seed).")
@click.option("--eps", type=float, default=_gradcheck.EPS, show_default=True,
              help="Step of the central difference (f(x+eps) - f(x-eps)) / 2eps.")
@click.option("--atol", type=float, default=_gradcheck.ATOL, show_default=True, help="Absolute tolerance.")
@click.option("--rtol", type=float, default=_gradcheck.RTOL, show_default=True, help="Relative tolerance.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON, for scripts.")
@click.option("--engine", type=click.Choice(backends.names() + tuple(backends.groups())),
              help=f"With --config: the engine to check (default: the config's); both: the "
                   f"{' and the '.join(backends.groups()['both'])} engine, each against finite differences and "
                   f"against each other; all: every engine.")
@translate_errors
def gradcheck_command(expression, bindings, config_path, samples, max_params, eps, atol, rtol, as_json,
                      engine=None, sets=()):
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
      mgrad gradcheck --config moons --max-params 50
      mgrad gradcheck --config moons --set model.activation=tanh
      mgrad gradcheck --config digits --engine both --max-params 40
      mgrad gradcheck --config iris --engine all

    With --config: every parameter's gradient of the config's loss, on a batch of
    --samples training samples drawn with the config's seed (none at a kink), at the
    initial weights; the summary gives the
    worst absolute and relative error and where they occur. --engine both checks the
    scalar and the tensor engine, and fails where their gradients differ by more than
    float64 rounding (relative 1e-9); --engine all checks every engine (torch too) so.
    """
    if engine is not None and config_path is None:
        raise click.UsageError("--engine needs --config (an expression is checked on the scalar engine)")
    if sets and config_path is None:
        raise click.UsageError("--set needs --config (it changes a setting of the config)")
    if config_path is not None:
        if expression is not None:
            raise click.UsageError("give an EXPRESSION or --config, not both")
        return _gradcheck_config(config_path, samples, max_params, eps, atol, rtol, as_json, engine, sets)
    if expression is None:
        raise click.UsageError("give an EXPRESSION (with NAME=VALUE inputs) or --config CONFIG")
    _, values = read_expression(expression, bindings)
    out, results = _gradcheck.check_expression(expression, values, eps, atol, rtol)
    ok = _gradcheck.passed(results)
    if as_json:
        json_out({
            "expression": expression,
            "inputs": values,
            "output": {"name": out.label, "value": out.data},
            "eps": eps, "atol": atol, "rtol": rtol,
            "passed": ok,
            "results": [r.to_dict() for r in results],
        })
    else:
        _print_gradcheck(results, f"{out.label or 'output'} = {format_number(out.data)}",
                         eps, atol, rtol, what="input")
    if not ok:
        raise SystemExit(1)


def _gradcheck_config(path, samples, max_params, eps, atol, rtol, as_json, engine=None, sets=()):
    from ...training.config import load_config
    from ...training.overrides import parse_sets

    config = load_config(path, sets=parse_sets(sets))
    if engine in backends.groups():
        return _gradcheck_engines(path, config, samples, max_params, eps, atol, rtol, as_json, engine)
    engine = engine or config["engine"]
    loss, results, batch = _gradcheck.check_config(config, samples, max_params, eps, atol, rtol, source=path,
                                                   engine=engine)
    ok = _gradcheck.passed(results)
    if as_json:
        json_out({
            "config": path, "engine": engine, **_samples_json(batch), "max_params": max_params,
            "loss": loss,
            "eps": eps, "atol": atol, "rtol": rtol,
            "passed": ok,
            "results": [r.to_dict() for r in results],
        })
    else:
        title = f"{shown_path(path)}: loss = {format_number(loss)} on {_samples_text(batch)}, {engine} engine"
        _print_gradcheck(results, title, eps, atol, rtol, what="parameter")
    if not ok:
        raise SystemExit(1)


def _gradcheck_engines(path, config, samples, max_params, eps, atol, rtol, as_json, choice):
    """--engine both or all: a row per parameter with each engine's gradient and the central difference."""
    engines = _gradcheck.engines_for(choice)
    losses, rows, batch = _gradcheck.check_engines(config, samples, max_params, eps, atol, rtol, source=path,
                                                   engines=engines)
    ok = _gradcheck.passed(rows)
    if as_json:
        json_out({
            "config": path, "engine": choice, "engines": list(engines), **_samples_json(batch),
            "max_params": max_params, "loss": losses,
            "eps": eps, "atol": atol, "rtol": rtol,
            "engine_rtol": _gradcheck.ENGINE_RTOL, "engine_atol": _gradcheck.ENGINE_ATOL,
            "passed": ok,
            "results": [r.to_dict() for r in rows],
        })
        if not ok:
            raise SystemExit(1)
        return
    console = out_console()
    shown = {e: format_number(v) for e, v in losses.items()}
    loss_text = shown[engines[0]] if len(set(shown.values())) == 1 else \
        ", ".join(f"{v} ({e})" for e, v in shown.items())
    which = "both engines" if len(engines) == 2 else f"the {', '.join(engines[:-1])} and {engines[-1]} engines"
    say(console, f"Gradient check of {shown_path(path)} on {which}: loss = {loss_text} on {_samples_text(batch)}  "
                  f"(eps {eps:g}, atol {atol:g}, rtol {rtol:g}; engines within rtol "
                  f"{_gradcheck.ENGINE_RTOL:g})")
    console.print(_engines_table(console, engines, rows))

    def describe_worst(rows, differentiable):
        apart, = _gradcheck.worst(rows, "engine_error")
        numeric, = _gradcheck.worst(differentiable, "rel_error")
        return (f"engines apart by at most {apart.engine_error:.1e} at {apart.name}, "
                f"worst rel error against the central difference {numeric.rel_error:.1e} at {numeric.name}")

    _print_gradcheck_verdict(console, rows, describe_worst, agree=f" on {which}")
    if not ok:
        raise SystemExit(1)


def _print_gradcheck(results, title, eps, atol, rtol, what):
    console = out_console()
    say(console, f"Gradient check of {title}  (eps {eps:g}, atol {atol:g}, rtol {rtol:g})")

    def build(g):
        table = _table(what)
        for col in ("analytic", "numeric", "abs error", "rel error"):
            table.add_column(col, justify="right", no_wrap=True)
        table.add_column("status", no_wrap=True)
        for r in results:
            table.add_row(r.name, f"{r.analytic:.{g}g}", f"{r.numeric:.{g}g}", f"{r.abs_error:.1e}",
                          f"{r.rel_error:.1e}", r.status)
        return table

    console.print(fit_table(console, build))

    def describe_worst(results, differentiable):
        worst_abs, worst_rel = _gradcheck.worst(differentiable)
        return (f"worst abs error {worst_abs.abs_error:.1e} at {worst_abs.name}, "
                f"rel {worst_rel.rel_error:.1e} at {worst_rel.name}")

    _print_gradcheck_verdict(console, results, describe_worst)


def _print_gradcheck_verdict(console, rows, describe_worst, agree=""):
    """The first five notes, then the one-line summary. describe_worst(rows, differentiable
    rows) words the worst errors: only among the gradients that exist, as a kink's "error"
    means nothing (all rows when every one is at a kink)."""
    notes = [r for r in rows if r.note]
    for r in notes[:5]:
        say(console, f"{r.name}: {r.note}")
    if len(notes) > 5:
        say(console, f"... and {len(notes) - 5} more notes like these (--json lists them all)")
    failed = [r for r in rows if r.status == _gradcheck.FAIL]
    kinks = [r for r in rows if r.status == _gradcheck.NOT_DIFFERENTIABLE]
    worst = describe_worst(rows, [r for r in rows if r.status != _gradcheck.NOT_DIFFERENTIABLE] or rows)
    n = len(rows)
    if failed:
        summary = f"FAIL: {len(failed)} of {n} gradients disagree ({worst})"
    elif not _gradcheck.compared(rows):
        where = "the one gradient is" if n == 1 else f"all {n} gradients are"
        summary = f"nothing checked: {where} at a kink, where there is no derivative"
        kinks = []
    else:
        summary = f"ok: {n - len(kinks)} of {n} gradients agree{agree} ({worst})"
    if kinks:
        summary += f"; {len(kinks)} not differentiable here"
    say(console, summary)


def _table(name_header):
    """A gradient table, its first column the names: up to 24 characters whole, longer ones
    shortened with an ellipsis."""
    from rich.table import Table

    table = Table()
    table.add_column(name_header, no_wrap=True, overflow="ellipsis", max_width=NAME_WIDTH)
    return table


def _engines_table(console, engines, rows):
    """--engine both or all: each engine's gradient, the numeric one and the errors, with
    as many digits as fit; where even 6 digits do not fit, the first engine's gradient
    stands for all (the 'engines apart' column says how close the others are)."""
    apart = " vs\n".join(engines) if len(engines) == 2 else "engines\napart"

    def build(g, shown=engines):
        table = _table("parameter")
        heads = (*shown, "numeric", apart, "vs\nnumeric") if len(shown) > 1 else \
            (f"{shown[0]}\ngrad", "numeric", apart, "vs\nnumeric")
        for col in heads:
            table.add_column(col, justify="right", no_wrap=True)
        table.add_column("status", no_wrap=True)
        for r in rows:
            grads = [f"{r.grads[e]:.{g}g}" for e in shown]
            table.add_row(r.name, *grads, f"{r.numeric:.{g}g}", f"{r.engine_error:.1e}", f"{r.rel_error:.1e}",
                          r.status)
        return table

    return fit_table(console, build, fallback=lambda g: build(g, engines[:1]))


def fit_table(console, build, fallback=None):
    """build(digits) -> a rich Table: the one with the most significant digits (12, 10, 8 or
    6) that fits the console's width, whole numbers in every cell; else fallback(digits)."""
    from rich.measure import Measurement

    unbounded = console.options.update_width(10 ** 4)  # a table's own width, not the console's
    for make in (build, fallback) if fallback else (build,):
        for g in DIGITS:
            table = make(g)
            if Measurement.get(console, unbounded, table).maximum <= console.width:
                return table
    return table


def _samples_text(batch):
    text = f"{len(batch)} samples drawn with seed {batch.seed}"
    if batch.skipped:
        text += f" ({batch.skipped} skipped: a relu or abs input exactly at 0, where there is no derivative)"
    return text


def _samples_json(batch):
    return {"samples": len(batch), "sample_indices": list(batch.indices), "samples_skipped": batch.skipped}
