"""The command line: the only module that prints, reads the terminal or chooses exit codes.

Commands are thin: parse options, call the library, render its results with rich.
Library errors (mgrad_cli.errors) become one-line messages here:
exit 0 ok, 1 a failed check or run, 2 bad input, 130 interrupted.
"""

import functools
import sys

import click
from rich.console import Console

from . import __version__
from .errors import ExpressionError, MgradError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


# --- consoles and errors -----------------------------------------------------------

def out_console():
    """Data and tables: stdout. rich drops colour when it is not a terminal and honours NO_COLOR."""
    return Console(file=click.get_text_stream("stdout"), highlight=False)


def err_console():
    """Progress and diagnostics: stderr."""
    return Console(file=click.get_text_stream("stderr"), highlight=False)


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

# --- end train ---------------------------------------------------------------------


# --- graph and gradcheck (issue 4) -------------------------------------------------

import json  # noqa: E402  (imported here: this section is issue 4's)

from . import expr as _expr  # noqa: E402
from . import gradcheck as _gradcheck  # noqa: E402
from . import render as _render  # noqa: E402

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
    values = _render.write_graph(out, output, rankdir=rankdir.upper(), show_grad=not no_grad)
    ops_count = sum(1 for v in out.topo() if v._op is not None)
    console = out_console()
    console.print(f"{out.label or 'output'} = {_render.format_number(out.data)}", markup=False)
    console.print(f"Wrote {output} ({values} values, {ops_count} ops)", markup=False)


@cli.command("gradcheck", context_settings=_EXPR_CONTEXT)
@_expression_args
@click.option("--eps", type=float, default=_gradcheck.EPS, show_default=True,
              help="Step of the central difference (f(x+eps) - f(x-eps)) / 2eps.")
@click.option("--atol", type=float, default=_gradcheck.ATOL, show_default=True, help="Absolute tolerance.")
@click.option("--rtol", type=float, default=_gradcheck.RTOL, show_default=True, help="Relative tolerance.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON, for scripts.")
@translate_errors
def gradcheck_command(expression, bindings, eps, atol, rtol, as_json):
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
    """
    values = _expr.parse_bindings(bindings)
    out, results = _gradcheck.check_expression(expression, values, eps, atol, rtol)
    ok = _gradcheck.passed(results)
    if as_json:
        doc = {
            "expression": expression,
            "inputs": {k: _gradcheck._json_number(v) for k, v in values.items()},
            "output": {"name": out.label, "value": _gradcheck._json_number(out.data)},
            "eps": eps, "atol": atol, "rtol": rtol,
            "passed": ok,
            "results": [r.to_dict() for r in results],
        }
        click.echo(json.dumps(doc, indent=2))
    else:
        _print_gradcheck(results, f"{out.label or 'output'} = {_render.format_number(out.data)}",
                         eps, atol, rtol, what="input")
    if not ok:
        raise SystemExit(1)


def _print_gradcheck(results, title, eps, atol, rtol, what):
    from rich.table import Table

    console = out_console()
    table = Table(title=f"Gradient check of {title}  (eps {eps:g}, atol {atol:g}, rtol {rtol:g})",
                  title_justify="left")
    table.add_column(what)
    for col in ("analytic", "numeric", "abs error", "rel error"):
        table.add_column(col, justify="right")
    table.add_column("status")
    for r in results:
        table.add_row(r.name, f"{r.analytic:.12g}", f"{r.numeric:.12g}", f"{r.abs_error:.1e}",
                      f"{r.rel_error:.1e}", r.status)
    console.print(table)
    for r in results:
        if r.note:
            console.print(f"{r.name}: {r.note}", markup=False)
    failed = [r for r in results if r.status == _gradcheck.FAIL]
    kinks = [r for r in results if r.status == _gradcheck.NOT_DIFFERENTIABLE]
    # the worst errors among the gradients that exist (a kink's "error" means nothing)
    worst_abs, worst_rel = _gradcheck.worst([r for r in results if r not in kinks] or results)
    worst = (f"worst abs error {worst_abs.abs_error:.1e} at {worst_abs.name}, "
             f"rel {worst_rel.rel_error:.1e} at {worst_rel.name}")
    n = len(results)
    if failed:
        summary = f"FAIL: {len(failed)} of {n} gradients disagree ({worst})"
    else:
        summary = f"ok: {n - len(kinks)} of {n} gradients agree ({worst})"
    if kinks:
        summary += f"; {len(kinks)} not differentiable here"
    console.print(summary, markup=False)

# --- end graph and gradcheck -------------------------------------------------------


# --- predict, eval, plot, datasets (issue 6) ---------------------------------------

# --- end predict, eval, plot, datasets ---------------------------------------------


def main():
    try:
        cli(prog_name="mgrad")
    except KeyboardInterrupt:  # outside a command that handles it itself
        click.echo("Interrupted.", err=True)
        sys.exit(130)
