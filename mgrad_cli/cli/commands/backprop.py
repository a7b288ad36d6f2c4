"""`mgrad backprop`: the lecture's manual backpropagation, one chain-rule step per row, or
a quiz that asks for each step (--quiz, --quiz-local; the asking is in quiz.py)."""

from collections import Counter

import click

from ...inspect import exercises as _exercises
from ...inspect import expr as _expr
from ...inspect import explain as _explain
from ...numbers import format_number
from ..console import EXPR_CONTEXT_SETTINGS, err_console, json_out, out_console, say, translate_errors
from ...inspect.view import GraphView
from . import quiz as _run_quiz
from .graph import nudge_json, output_json, print_nudge, read_expression, step_option, step_table


@click.command("backprop", context_settings=EXPR_CONTEXT_SETTINGS)
@click.argument("expression", required=False)
@click.argument("bindings", nargs=-1, metavar="[NAME=VALUE]...")
@click.option("--json", "as_json", is_flag=True,
              help="Print the steps as JSON, for scripts; with a quiz, its results (the questions go to stderr).")
@step_option
@click.option("--quiz", is_flag=True, help="Ask for each node's gradient instead of showing it, and grade the "
                                           "answers (one per line on standard input).")
@click.option("--quiz-local", is_flag=True, help="Ask for each edge's local derivative ∂node/∂input instead.")
@click.option("--exercise", type=int, metavar="N", help="Exercise N of `mgrad exercises` instead of an EXPRESSION.")
@translate_errors
def backprop_command(expression, bindings, as_json, step, quiz, quiz_local, exercise):
    """Backpropagate EXPRESSION step by step, as the lecture does by hand.

    From the output down (reverse topological order), each node passes its gradient
    to each of its inputs by the chain rule: input.grad += (local derivative) ×
    node.grad. One row per step: the node, the input, the local derivative written
    out and as a number, the node's (upstream) gradient, their product, and the
    input's gradient so far. A node used twice gets two rows, and its gradient is
    their sum. EXPRESSION and NAME=VALUE are as for `mgrad graph`.

    With --quiz, work it out yourself: mgrad runs the forward pass, shows the nodes
    with their gradients hidden, then asks for each one from the output down and
    answers each with its chain-rule row. Type a number (inf and nan too) or ? to see
    it; it is right within 1e-6 of the true value (relative) or when both agree to 4
    significant digits. At the end: score k/n; exit 0 when all are right, else 1.
    Answers can be piped in, one per line (a class can collect --json results).
    --quiz-local asks for each edge's local derivative instead.

    \b
    Examples:
      mgrad backprop "e = a*b; d = e + c; L = d * f" a=2 b=-3 c=10 f=-2
      mgrad backprop "e = a*b; d = e + c; L = d * f" a=2 b=-3 c=10 f=-2 --step 0.01
      mgrad backprop "b = a + a" a=3
      mgrad backprop "n = x1*w1 + x2*w2 + b; o = tanh(n)" x1=2 x2=0 w1=-3 w2=1 b=6.8813735870195432
      mgrad backprop "e = a*b; d = e + c; L = d * f" a=2 b=-3 c=10 f=-2 --quiz
      mgrad backprop --exercise 3 --quiz-local
      printf '2\\n' | mgrad backprop --exercise 3 --quiz --json
    """
    expression, bindings = _source(expression, bindings, exercise)
    if quiz and quiz_local:
        raise click.UsageError("--quiz asks for gradients, --quiz-local for local derivatives: choose one")
    if (quiz or quiz_local) and step is not None:
        raise click.UsageError("--step shows the answers: it cannot go with a quiz")
    program, values = read_expression(expression, bindings)
    out, names = _expr.evaluate(program, values)
    out.backward()
    view = GraphView(out)
    if quiz or quiz_local:
        _quiz_command(view, quiz_local, as_json, {"expression": expression, "inputs": values, "exercise": exercise})
        return
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
    _print_steps(view, steps, program, names)
    if nudge is not None:
        print_nudge(out_console(), nudge)


def _source(expression, bindings, exercise):
    """The expression and bindings: as given, or exercise N's."""
    if exercise is None:
        if expression is None:
            raise click.UsageError("give an EXPRESSION (and NAME=VALUE for its inputs), or --exercise N")
        return expression, bindings
    if expression is not None:
        raise click.UsageError("--exercise N brings its own expression and values: give no EXPRESSION")
    chosen = _exercises.exercise(exercise)
    return chosen.expression, chosen.bindings


def _quiz_command(view, local, as_json, doc):
    console = err_console() if as_json else out_console()
    results = _run_quiz.run_quiz(view, local, console)
    if as_json:
        doc = dict(doc, quiz="local derivatives" if local else "gradients",
                   output={"name": view.root.name, "data": view.root.data})
        _run_quiz.print_json(doc, results)
    if not all(r.right for r in results):
        raise click.exceptions.Exit(1)


def _print_steps(view, steps, program, names):
    console = out_console()
    root = view.root.name
    say(console, f"Forward pass: {root} = {format_number(view.root.data)}. Backward pass, from {root} down "
                  f"(reverse topological order), starting from {root}.grad = 1:")
    console.print(step_table(view, steps))
    for name, uses in _reused(steps).items():
        say(console, f"{name} is used {uses} times: its gradient is the sum of its {uses} contributions "
                      f"(grad +=; with = the last would overwrite the others)")
    grads = ", ".join(f"∂{root}/∂{name} = {format_number(names[name].grad)}" for name in program.inputs)
    say(console, f"Gradients: {grads}")


def step_json(s):
    return {"node": s.node.name, "input": s.input.name, "formula": s.formula, "local": s.local,
            "upstream": s.upstream, "product": s.contribution, "before": s.before, "after": s.after}


def _reused(steps):
    """{name: times} for the inputs that receive more than one contribution, in order."""
    counts = Counter(s.input.name for s in steps)
    return {name: n for name, n in counts.items() if n > 1}
