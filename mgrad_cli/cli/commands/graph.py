"""`mgrad graph`: evaluate an expression, backpropagate, print its nodes and draw its graph.

Also the pieces the other inspection commands share: the table of nodes, the nudge,
and the notes on a drawing too big to read.
"""

import click
from rich.table import Table
from rich.text import Text

from ...inspect import expr as _expr
from ...inspect import explain as _explain
from ...inspect import dot as _render
from ..console import EXPR_CONTEXT_SETTINGS, err_console, json_out, out_console, say, translate_errors
from ...inspect.view import GraphView, has_nan
from ...numbers import format_number, plural, summarize
from ...files import shown_path


def expression_args(f):
    f = click.argument("bindings", nargs=-1, metavar="[NAME=VALUE]...")(f)
    return click.argument("expression")(f)


def read_expression(expression, bindings):
    """The expression and its NAME=VALUE inputs, as every expression command reads them:
    -> (program, {input: number}). A bound name the expression does not use is left
    out with a one-line warning on stderr."""
    program = _expr.parse(expression)
    values, unused = _expr.bind(program, bindings)
    if unused:
        names = ", ".join(unused[:-1]) + " and " * (len(unused) > 1) + unused[-1]
        verb, it = ("is", "it") if len(unused) == 1 else ("are", "them")
        say(err_console(), f"Warning: {names} {verb} bound but the expression does not use {it}")
    return program, values


def step_option(f):
    return click.option("--step", type=float, metavar="H",
                        help="Then move every input by H times its gradient and show the output before and "
                             "after (the lecture's 0.01: the gradient points uphill).")(f)


@click.command("graph", context_settings=EXPR_CONTEXT_SETTINGS)
@expression_args
@click.option("-o", "--output", "output", default="graph.svg", show_default=True, metavar="FILE",
              help="Where to draw: .svg, .png, .pdf, .html (these need Graphviz's dot program) or .dot. "
                   ".html is a page to step through the forward and backward passes; its practice toggle "
                   "hides the gradients for you to find and grades them as `mgrad backprop --quiz` does.")
@click.option("--no-grad", is_flag=True, help="Do not run backward; draw data only.")
@click.option("--rankdir", type=click.Choice(["LR", "TB"], case_sensitive=False), default="LR",
              show_default=True, metavar="LR|TB", help="Left to right, or top to bottom.")
@click.option("--no-table", is_flag=True, help="Do not print the table of nodes.")
@click.option("--json", "as_json", is_flag=True, help="Print the nodes as JSON, for scripts (instead of the table).")
@step_option
@translate_errors
def graph_command(expression, bindings, output, no_grad, rankdir, no_table, as_json, step):
    """Evaluate EXPRESSION, backpropagate, print every node (name, how it is computed,
    data, grad) and draw the graph as in the lecture: one record per value
    (name | data | grad), one small node per op.

    EXPRESSION is arithmetic with names: numbers, + - * / **, unary -, parentheses
    and the functions abs, exp, log, relu, sigmoid, tanh and sum(a, b, ...).
    Statements separated by `;` or newlines name the nodes (`e = a*b`); the last one
    is the output; a node left unnamed is called by its position (t3). Bind every
    input with NAME=VALUE. The text is parsed, never run as Python.

    \b
    Examples:
      mgrad graph "e = a*b; d = e + c; L = d * f" a=2 b=-3 c=10 f=-2
      mgrad graph "e = a*b; d = e + c; L = d * f" a=2 b=-3 c=10 f=-2 --step 0.01 -o L.html
      mgrad graph "n = x1*w1 + x2*w2 + b; o = tanh(n)" x1=2 x2=0 w1=-3 w2=1 b=6.8813735870195432 -o neuron.png
      mgrad graph "L = -a * relu(b)" a=1 b=2 --no-grad -o l.dot
    """
    if step is not None and no_grad:
        raise click.UsageError("--step moves the inputs along their gradients: it cannot go with --no-grad")
    program, values = read_expression(expression, bindings)
    out, _ = _expr.evaluate(program, values)
    if not no_grad:
        out.backward()
    view = GraphView(out)
    drawing = _render.write_graph(view, output, rankdir=rankdir.upper(), show_grad=not no_grad)
    nudge = _explain.nudge(program, values, step) if step is not None else None
    if as_json:
        doc = {"expression": expression, "inputs": values, "output": output_json(view, not no_grad),
               "nodes": [node_json(view, n, not no_grad) for n in view], "drawing": output}
        if nudge is not None:
            doc["step"] = nudge_json(nudge)
        json_out(doc)
    else:
        console = out_console()
        console.print(f"{view.root.name} = {format_number(out.data)}", markup=False)
        if not no_table:
            console.print(node_table(view, show_grad=not no_grad))
        if nudge is not None:
            print_nudge(console, nudge)
        console.print(f"Wrote {shown_path(output)} ({plural(drawing.values, 'value')}, {plural(drawing.ops, 'op')})",
                      markup=False, soft_wrap=True)
    print_drawing_notes(drawing, output)


def node_table(view, show_grad=True, data_text=format_number, grad_cell=None):
    """Every node in the view's order (as the expression reads): its name, how it is
    computed, data and grad; a nan (the math's, never the display's) in bold red. data_text(x) writes the data;
    grad_cell(node), when given, writes the grad column (a quiz hides the gradients)."""
    table = Table()
    table.add_column("node")
    table.add_column("computed as")
    table.add_column("data", justify="right")
    if show_grad:
        table.add_column("grad", justify="right")
    for node in view:
        cells = [Text(node.name), Text(view.formula(node)), number_cell(node.data, data_text)]
        if show_grad:
            cells.append(Text(grad_cell(node)) if grad_cell else number_cell(node.grad))
        table.add_row(*cells)
    return table


def step_table(view, steps):
    """Chain-rule steps (explain.Step), one row each under explain.STEP_COLUMNS: the
    node, the input, the local derivative, upstream, their product, the input's grad."""
    table = Table()
    for column in _explain.STEP_COLUMNS:
        numeric = column in ("upstream", "product")
        table.add_column(column, justify="right" if numeric or column == "input grad" else "left",
                         no_wrap=numeric or column == "input")
    for s in steps:
        table.add_row(*(Text(cell) for cell in _explain.step_cells(view, s)))
    return table


def number_cell(x, text_of=format_number):
    """A number as the drawings write it (or as text_of writes it); nan stands out."""
    text = text_of(x) if not hasattr(x, "shape") else summarize(x)
    return Text(text, style="bold red") if has_nan(x) else Text(text)


def node_json(view, node, show_grad=True):
    doc = {"id": node.id, "name": node.name, "kind": node.kind, "op": node.op_label or None,
           "inputs": view.input_names(node), "formula": view.formula(node), "data": node.data}
    if show_grad:
        doc["grad"] = node.grad
    return doc


def output_json(view, show_grad=True):
    doc = {"name": view.root.name, "data": view.root.data}
    return dict(doc, grad=view.root.grad) if show_grad else doc


def print_nudge(console, nudge):
    """The lecture's nudge: every input moved along its gradient, and the output before and after."""
    console.print(f"Nudge: every input moved by {nudge.step:g} × its gradient, then the forward pass again",
                  markup=False, soft_wrap=True)
    table = Table()
    for name in ("input", "before", "grad", "after"):
        table.add_column(name, justify="left" if name == "input" else "right")
    for name, before, grad, after in nudge.inputs:
        table.add_row(name, number_cell(before), number_cell(grad), number_cell(after))
    console.print(table)
    change = nudge.after - nudge.before
    say(console, f"{nudge.output}: {format_number(nudge.before)} → {format_number(nudge.after)} "
                  f"({'+' if change >= 0 else ''}{format_number(change)})")


def nudge_json(nudge):
    return {"h": nudge.step, "output": nudge.output, "before": nudge.before, "after": nudge.after,
            "inputs": [{"name": n, "before": b, "grad": g, "after": a} for n, b, g, a in nudge.inputs]}


def print_drawing_notes(drawing, path, bigger_hint=""):
    """On stderr: a drawing too big to read, and what Graphviz itself warned about."""
    err = err_console()
    if drawing.too_big:
        say(err, f"Warning: {shown_path(path)} has {drawing.values} values, too many to read in a "
                  f"{str(path).rsplit('.', 1)[-1].upper()}; draw it as .svg or .html (zoomable in a browser)"
                  f"{bigger_hint}.")
    for message in drawing.warnings:
        say(err, f"Warning from Graphviz: {message}")
