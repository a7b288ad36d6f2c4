"""The explorable graph: one self-contained HTML file to step through a graph's passes.

The page holds Graphviz's SVG of the graph, the steps as JSON, and a small script
and style sheet (page.js, page.css) inline: no network, nothing to install.
The arrow keys or the buttons step through

- the forward pass, one op at a time in topological order (`e = a * b = 2.0000 *
  -3.0000 = -6.0000`), the nodes not yet computed greyed out;
- then the backward pass, one chain-rule step at a time from the output down, as
  backward() goes (the rows of `mgrad backprop`: explain.py), each node's grad shown
  as it grows, from 0 to its final value;

highlighting the node at work and, going backward, the input it passes its gradient
to. A tensor graph's backward pass shows each node's gradient as it is completed.

A scalar graph's page has a "practice" toggle too: the gradients hidden, a box on each
node that `mgrad backprop --quiz` asks about, and each answer marked right or wrong by
the quiz's own rule (quiz.py: its constants and answer pattern travel in the page's data).
"""

import html
import json
from importlib import resources

import numpy as np

from . import explain, quiz
from .view import OP
from ..numbers import format_number, json_number, shape_text, significant, summarize


def page(view, svg, show_grad=True):
    """The HTML text of the page for a display.GraphView and its SVG (from dot -Tsvg)."""
    root = view.root
    title = f"{root.name} = {_value_text(root.data)}"
    data = {
        "nodes": {n.id: {"position": n.position, "op": n.kind == OP} for n in view},
        "gradStart": format_number(0.0) if _scalar(view) else "…",
        "steps": steps(view, show_grad),
        "columns": explain.STEP_COLUMNS,
        "practice": practice(view) if show_grad and _scalar(view) else None,
    }
    svg = svg[svg.index("<svg"):]  # without the XML prolog and doctype
    toggle = _PRACTICE_TOGGLE if data["practice"] else ""
    return _TEMPLATE.format(title=html.escape(title), svg=svg, data=script_json(data), practice=toggle,
                            style=_asset("page.css"), script=_asset("page.js"))


def practice(view):
    """The practice mode's data: the grading rule (quiz.page_rules: the page grades as
    `mgrad backprop --quiz` does) and, for each node the quiz asks about, its gradient
    (inf and nan as strings), as shown, each use's share, and its chain-rule rows."""
    nodes = {}
    for q in quiz.gradient_questions(view):
        nodes[q.node.id] = {"name": q.node.name, "grad": json_number(q.expected), "shown": significant(q.expected),
                            "shares": [json_number(x) for x in q.shares],
                            "rows": [explain.step_cells(view, s) for s in q.steps]}
    return {"rules": quiz.page_rules(), "root": view.root.name, "rootId": view.root.id,
            "rootGrad": format_number(1.0), "nodes": nodes}


# inside <script> no "</script>" may appear, nor "<!--": no "<" at all in the JSON (nor
# ">" and "&", for a reader that takes the script for HTML); U+2028 and U+2029 end a line
# in older JavaScript. Graphviz escapes what it writes into the SVG; html.escape the rest.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                              "\u2029": "\\u2029"})


def script_json(data, allow_nan=True):
    """`data` as JSON text safe inside a <script> element of an HTML page: the one place
    a name reaches a page's script, this page's and the replay page's (data/names.py)."""
    return json.dumps(data, ensure_ascii=False, allow_nan=allow_nan).translate(_SCRIPT_SAFE)


def steps(view, show_grad=True):
    """The page's steps, in order: a start, the forward pass, the backward pass, an end."""
    ops = [n for n in view if n.kind == OP]
    n_inputs = len(view) - len(ops)
    start = (f"The graph of {view.root.name}: {n_inputs} leaves (inputs and constants) and "
             f"{len(ops)} ops. Press → (or next) to run the forward pass, one op at a time.")
    out = [_step("start", "Start", start, upto=-1)]
    for k, node in enumerate(ops, 1):
        out.append(_step("forward", f"Forward pass: op {k} of {len(ops)}", _forward_text(view, node),
                         node=node.id, upto=node.position))
    if not show_grad:
        return out
    out.extend(_backward_steps(view))
    end = (f"Done: every grad is ∂{view.root.name}/∂node, how much {view.root.name} moves per unit nudge "
           "of that node.")
    out.append(_step("end", "Backward pass done", end, upto=len(view)))
    return out


def _backward_steps(view):
    root = view.root
    first = _step("backward", "Backward pass: start", f"{root.name}.grad = 1: ∂{root.name}/∂{root.name}, "
                  "where backpropagation starts. Every other grad starts at 0.", node=root.id,
                  upto=len(view), grad=[root.id, _value_text(1.0)])
    if not _scalar(view):  # a tensor graph: each node's gradient once it is complete
        rest = [_step("backward", f"Backward pass: {n.name}", f"{n.name}.grad complete: {_value_text(n.grad)}",
                      node=n.id, upto=len(view), grad=[n.id, _value_text(n.grad)])
                for n in reversed(view.nodes[:-1]) if n.grad is not None]
        return [first] + rest
    rows = explain.chain_rule_steps(view)
    out = [first]
    for k, s in enumerate(rows, 1):
        text = f"{s.input.name}.grad += {explain.partial(s.node, s.input)} × {s.node.name}.grad"
        if s.accumulates:
            text += f" ({s.input.name} is used more than once: its contributions add up)"
        out.append(_step("backward", f"Backward pass: step {k} of {len(rows)}", text, node=s.node.id,
                         input=s.input.id, upto=len(view), grad=[s.input.id, format_number(s.after)],
                         cells=explain.step_cells(view, s)))
    return out


def _forward_text(view, node):
    if not _scalar(view):  # an array's numbers do not fit in a line: its shape and size
        return f"{view.statement(node)}: {shape_text(np.shape(node.data))}, data {_value_text(node.data)}"
    numbers = view.formula(node, text=lambda n: _value_text(n.data))
    return f"{view.statement(node)} = {numbers} = {_value_text(node.data)}"


def _step(phase, title, text, node=None, input=None, upto=0, grad=None, cells=None):
    return {"phase": phase, "title": title, "text": text, "node": node, "input": input, "upto": upto,
            "grad": grad, "cells": cells}


def _scalar(view):
    return not hasattr(view.root.data, "shape")


def _value_text(x):
    return summarize(x) if hasattr(x, "shape") else format_number(x)


def _asset(name):
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


_PRACTICE_TOGGLE = ('<label title="hide the gradients and find them yourself"><input type="checkbox" '
                    'id="practice"> practice</label>\n')

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>mgrad: {title}</title>
<style>
{style}</style>
</head>
<body>
<div id="top">
<header>
<h1>{title}</h1>
<nav>
<button id="first" title="first step (Home)">« first</button>
<button id="prev" title="previous step (←)">◀ back</button>
<span id="counter"></span>
<button id="next" title="next step (→)">next ▶</button>
<button id="last" title="last step (End)">last »</button>
<label><input type="checkbox" id="fit" checked> fit to window</label>
{practice}</nav>
</header>
<section id="panel">
<h2 id="phase"></h2>
<p id="text"></p>
<table id="row"></table>
</section>
</div>
<div id="graph" class="fit">
{svg}</div>
<script type="application/json" id="mgrad-data">{data}</script>
<script>
{script}</script>
</body>
</html>
"""
