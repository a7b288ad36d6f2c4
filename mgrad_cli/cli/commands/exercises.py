"""`mgrad exercises`: the backpropagation exercises, in the lecture's order."""

import click
from rich.table import Table
from rich.text import Text

from ...inspect.exercises import EXERCISES
from ..console import CONTEXT_SETTINGS, json_out, out_console, translate_errors


@click.command("exercises", context_settings=CONTEXT_SETTINGS)
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON, for scripts.")
@translate_errors
def exercises_command(as_json):
    """List the backpropagation exercises, from `a*b + c` to a neuron and its loss, in
    the order of the lecture: each an expression, the values of its inputs and what
    it teaches. Solve one with `mgrad backprop --exercise N --quiz` (each node's
    gradient) or `--quiz-local` (each edge's local derivative); see the worked
    answer with `mgrad backprop --exercise N`.

    \b
    Examples:
      mgrad exercises
      mgrad backprop --exercise 1 --quiz
      mgrad backprop --exercise 5 --quiz-local
      mgrad exercises --json
      mgrad backprop "y = relu(x*w + b)" x=2 w=-1 b=3 --quiz   # any expression
    """
    if as_json:
        json_out([{"number": k, "expression": e.expression, "bindings": list(e.bindings), "goal": e.goal}
                  for k, e in enumerate(EXERCISES, 1)])
        return
    table = Table(show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("expression")
    table.add_column("values")
    table.add_column("goal")
    for k, e in enumerate(EXERCISES, 1):
        statements = "\n".join(s.strip() + ";" for s in e.expression.split(";"))[:-1]  # one per line
        table.add_row(Text(str(k)), Text(statements), Text(" ".join(e.bindings)), Text(e.goal))
    console = out_console()
    console.print(table)
    console.print("Start one with: mgrad backprop --exercise N --quiz (or --quiz-local)", markup=False)
