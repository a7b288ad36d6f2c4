"""`mgrad backprop`: the lecture's manual backpropagation, one chain-rule step per row."""

from collections import Counter

import click
from rich.table import Table

from ...inspect import expr as _expr
from ...inspect import explain as _explain
from ...inspect import dot as _render
from ...numbers import format_number
from ..console import EXPR_CONTEXT_SETTINGS, json_out, out_console, translate_errors
from ...inspect.view import GraphView
from .graph import expression_args, nudge_json, output_json, print_nudge, step_option


@click.command("backprop", context_settings=EXPR_CONTEXT_SETTINGS)
@expression_args
@click.option("--json", "as_json", is_flag=True, help="Print the steps as JSON, for scripts.")
@step_option
@translate_errors
def backprop_command(expression, bindings, as_json, step):
    """Backpropagate EXPRESSION step by step, as the lecture does by hand.

    From the output down (reverse topological order), each node passes its gradient
    to each of its inputs by the chain rule: input.grad += (local derivative) ×
    node.grad. One row per step: the node, the input, the local derivative written
    out and as a number, the node's (upstream) gradient, their product, and the
    input's gradient so far. A node used twice gets two rows, and its gradient is
    their sum. EXPRESSION and NAME=VALUE are as for `mgrad graph`.

    \b
    Examples:
      mgrad backprop "e = a*b; d = e + c; L = d * f" a=2 b=-3 c=10 f=-2
      mgrad backprop "e = a*b; d = e + c; L = d * f" a=2 b=-3 c=10 f=-2 --step 0.01
      mgrad backprop "b = a + a" a=3
      mgrad backprop "n = x1*w1 + x2*w2 + b; o = tanh(n)" x1=2 x2=0 w1=-3 w2=1 b=6.8813735870195432
    """
    program = _expr.parse(expression)
    values = _expr.parse_bindings(bindings)
    out, names = _expr.evaluate(program, values)
    out.backward()
    view = GraphView(out)
    steps = _explain.chain_rule_steps(view)
    nudge = _explain.nudge(program, values, step) if step is not None else None
    if as_json:
        doc = {"expression": expression, "inputs": values, "output": output_json(view),
               "steps": [step_json(s) for s in steps],
               "gradients": {name: names[name].grad for name in program.inputs}}
        if nudge is not None:
            doc["step"] = nudge_json(nudge)
        json_out(doc)
        return
    console = out_console()
    root = view.root.name
    console.print(f"Forward pass: {root} = {format_number(out.data)}. Backward pass, from {root} down "
                  f"(reverse topological order), starting from {root}.grad = 1:", markup=False, soft_wrap=True)
    table = Table()
    for column in _explain.STEP_COLUMNS:
        numeric = column in ("upstream", "product")
        table.add_column(column, justify="right" if numeric or column == "input grad" else "left",
                         no_wrap=numeric or column == "input")
    for s in steps:
        table.add_row(*_explain.step_cells(view, s))
    console.print(table)
    for name, uses in _reused(steps).items():
        console.print(f"{name} is used {uses} times: its gradient is the sum of its {uses} contributions "
                      f"(grad +=; with = the last would overwrite the others)", markup=False, soft_wrap=True)
    grads = ", ".join(f"∂{root}/∂{name} = {format_number(names[name].grad)}" for name in program.inputs)
    console.print(f"Gradients: {grads}", markup=False, soft_wrap=True)
    if nudge is not None:
        print_nudge(console, nudge)


def step_json(s):
    return {"node": s.node.name, "input": s.input.name, "formula": s.formula, "local": s.local,
            "upstream": s.upstream, "product": s.contribution, "before": s.before, "after": s.after}


def _reused(steps):
    """{name: times} for the inputs that receive more than one contribution, in order."""
    counts = Counter(s.input.name for s in steps)
    return {name: n for name, n in counts.items() if n > 1}
