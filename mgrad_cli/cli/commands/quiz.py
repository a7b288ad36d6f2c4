"""The terminal side of `mgrad backprop --quiz` and `--quiz-local` (not a command of its own).

The questions and the grading are the library's (inspect/quiz.py); here they are
asked, the answers read from standard input one per line, and each one answered with
its chain-rule row. On a terminal a line that is not a number is asked again; from a
pipe it counts as wrong, and the end of the input leaves the rest unanswered.
"""

import sys
import textwrap

from rich.text import Text

from ...errors import UserInputError, shorten
from ...inspect import quiz as _quiz
from ...inspect.view import CONSTANT, OP
from ...numbers import plural, significant
from ..console import json_out
from .graph import node_table, step_table

FOUND_SHOWN = 12  # gradients listed as found so far, at most

_FEEDBACK = {_quiz.RIGHT: ("right", "green"), _quiz.WRONG: ("wrong", "red"),
             _quiz.NOT_A_NUMBER: ("not a number, counted as wrong", "red"),
             _quiz.REVEALED: ("shown, counted as missed", "yellow")}


def on_terminal():
    """Is a person typing the answers (rather than a pipe or a file)?"""
    return sys.stdin.isatty()


def read_line():
    """The next line of standard input without its newline, or None at its end."""
    line = sys.stdin.readline()
    return None if line == "" else line.rstrip("\r\n")


def run_quiz(view, local, console):
    """Ask every question on `console`; -> [quiz.Result]."""
    questions = _quiz.local_questions(view) if local else _quiz.gradient_questions(view)
    if not questions:
        raise UserInputError(f"nothing to ask: {view.root.name} is computed from numbers only, or is an input")
    _introduce(console, view, local, len(questions))
    results = []
    for k, question in enumerate(questions):
        _ask(console, view, questions, k)
        text = _answer(console, question.asked)
        if text is None:
            left = len(questions) - k
            _wrapped(console, f"End of input: {plural(left, 'question')} left, counted as missed.")
            results.extend(_quiz.mark(q, None) for q in questions[k:])
            break
        result = _quiz.mark(question, text)
        results.append(result)
        _feedback(console, view, result)
    right, total, missed = _quiz.score(results)
    console.print(f"score: {right}/{total}", markup=False)
    if missed:
        _wrapped(console, f"missed: {', '.join(missed)}")
    return results


def _introduce(console, view, local, n):
    root = view.root.name
    what = (f"the local derivative ∂node/∂input of {plural(n, 'edge')}" if local
            else f"the gradient ∂{root}/∂node of {plural(n, 'node')}")
    _wrapped(console, f"Forward pass: {root} = {significant(view.root.data)}. Find {what}, from {root} down "
                      f"(reverse topological order), knowing {root}.grad = 1. Answer each with a number "
                      f"(inf and nan too), or {_quiz.REVEAL} to see it.")
    console.print(node_table(view, data_text=significant, grad_cell=lambda node: _grad_cell(view, node)))


def _grad_cell(view, node):
    if node is view.root:
        return "1"
    return "-" if node.kind == CONSTANT else "?"


def _ask(console, view, questions, k):
    question = questions[k]
    node = question.node
    console.print()
    if question.local:
        values = [f"{view.nodes[i].name} = {significant(view.nodes[i].data)}" for i in dict.fromkeys(node.inputs)]
        _wrapped(console, f"Edge {k + 1} of {len(questions)}: {view.statement(node)}, where {', '.join(values)} "
                          f"and {node.name} = {significant(node.data)}")
    else:
        made = view.statement(node) if node.kind == OP else f"{node.name}, an input"
        _wrapped(console, f"Question {k + 1} of {len(questions)}: {made} (data {significant(node.data)})")
        _wrapped(console, f"used in: {_uses(view, question)}", "  ")
        found = [f"{name}.grad = {g}" for name, g in _quiz.found(view, questions, k)]
        if len(found) > FOUND_SHOWN:  # a big graph: the latest (the ones needed are in `used in`)
            found = ["…"] + found[-FOUND_SHOWN:]
        _wrapped(console, f"found so far: {', '.join(found)}", "  ")


def _wrapped(console, text, indent=""):
    """Text wrapped at the console's width, every line indented alike (rich's own wrap
    leaves a space at the end of each line)."""
    console.print(textwrap.fill(text, width=max(console.width, 20), initial_indent=indent, subsequent_indent=indent),
                  markup=False, soft_wrap=True)


def _uses(view, question):
    """Where the gradient comes from, with those nodes' gradients: 'L = d * f (L.grad = 1)',
    'b = a + a (2 times, b.grad = 1)', 'd = a * b (d.grad = -6), e = a + b (e.grad = 1)'."""
    counts = {}
    for s in question.steps:
        counts[s.node.position] = counts.get(s.node.position, 0) + 1
    uses = []
    for position, n in counts.items():
        user = view.nodes[position]
        times = "" if n == 1 else f"{n} times, "
        uses.append(f"{view.statement(user)} ({times}{user.name}.grad = {significant(user.grad)})")
    return ", ".join(uses)


def _answer(console, asked):
    """The answer to `asked` ('∂L/∂e'): on a terminal, asked again until it is a number
    or ?; None at the end of the input."""
    while True:
        console.print(f"{asked} = ", end="", markup=False)
        console.file.flush()
        text = read_line()
        if not on_terminal():
            console.print(shown(text) if text is not None else "", markup=False)  # the transcript
            return text
        if text is None:  # Ctrl-D: the prompt's line ends, as a typed line would end it
            console.print()
            return None
        if text.strip() == _quiz.REVEAL or _quiz.parse_answer(text) is not None:
            return text
        console.print(f"Not a number: type one (such as -1.5, 0.25, inf or nan), or {_quiz.REVEAL} to see it.",
                      markup=False)


def shown(text):
    """A line as typed, safe to print: as is when it is short and printable, else its
    repr cut to a line (no terminal escape sequence from a file of answers gets through)."""
    return text if text.isprintable() and len(text) <= 40 else shorten(text)


def _feedback(console, view, result):
    question = result.question
    word, style = _FEEDBACK[result.status]
    line = Text()
    line.append(word, style=style)
    line.append(f": {question.asked} = {significant(question.expected)}")
    if result.status == _quiz.WRONG:
        line.append(f", not {shown(result.given)}")
    console.print(line)
    console.print(step_table(view, question.steps))
    given = _quiz.parse_answer(result.given) if result.status == _quiz.WRONG else None
    share = _quiz.one_use(question, given) if given is not None else None
    if share is not None:
        shares = " + ".join(significant(s) for s in question.shares)
        name, uses = question.node.name, len(question.shares)
        _wrapped(console, f"{name} is used {uses} times: {significant(share)} is one use's share, and {name}.grad "
                          f"adds up all {uses}: {shares} = {significant(question.expected)} (grad +=; with = the "
                          f"last would overwrite the others).")


def results_json(results):
    """The per-question results, for --json."""
    out = []
    for r in results:
        q = r.question
        doc = {"node": q.node.name}
        if q.local:
            doc["input"] = q.input.name
        doc.update(question=q.asked, expected=q.expected, given=r.given, right=r.right, status=r.status)
        out.append(doc)
    return out


def print_json(doc, results):
    right, total, missed = _quiz.score(results)
    json_out(dict(doc, score=right, total=total, missed=missed, results=results_json(results)))
