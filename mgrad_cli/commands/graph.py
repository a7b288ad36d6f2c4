"""`mgrad graph`: evaluate an expression, backpropagate and draw its graph."""

import click

from .. import expr as _expr
from .. import render as _render
from ..cli import EXPR_CONTEXT_SETTINGS, cli, out_console, translate_errors


def _expression_args(f):
    f = click.argument("bindings", nargs=-1, metavar="[NAME=VALUE]...")(f)
    return click.argument("expression")(f)



@cli.command("graph", context_settings=EXPR_CONTEXT_SETTINGS)
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
