"""Backpropagation spelled out, as the lecture does it by hand.

chain_rule_steps(view) replays backward() on a scalar graph one step at a time: from
the output down (the view's order reversed: a reverse topological order, as backward()
walks one, though a node's contributions may come in another order than the engine's,
so a sum can differ in the last digit), each node hands its gradient to each of
its inputs, `input.grad += local derivative * node.grad`. A step holds the local
derivative written out (the op table's deriv_text with the nodes' names put in) and
as a number (the op table's gradient rule, the very function backward() calls, at a
gradient of 1), the upstream gradient, their product (the rule at the upstream
gradient: torch's formula, so 0 * inf is nan where torch multiplies), and the input's
gradient before and after. A node used twice
(`b = a + a`) gets two steps, and its gradient is the sum of both: the lecture's bug
when `=` stands where `+=` belongs.

nudge(program, bindings, h) moves every input by h times its gradient and runs the
forward pass again, as the lecture does to show that the gradient points uphill.
"""

import re
from dataclasses import dataclass

from . import expr
from ..numbers import format_number, literal_text
from .view import atom

_PLACEHOLDER = re.compile(r"\b(a|b|out)\b")
# `**(2-1)` once a literal exponent is put into b*a**(b-1): worked out, as a person would
_POWER_MINUS_ONE = re.compile(r"\*\*\((\(?-?\d[\d.]*(?:e[+-]?\d+)?\)?)-1\)")


@dataclass(frozen=True)
class Step:
    """One `input.grad += local * upstream` of backward(): `node` hands its gradient
    (`upstream`) to its `slot`-th input. `formula` is None for an op whose table entry
    does not write its derivative out."""

    node: object  # display.Node
    input: object  # display.Node
    slot: int
    formula: str
    local: float
    upstream: float
    contribution: float
    before: float
    after: float
    accumulates: bool  # an earlier step already gave this input a gradient: the += at work


@dataclass(frozen=True)
class Nudge:
    """The inputs moved by step * gradient, and the output before and after."""

    step: float
    output: str
    inputs: tuple  # (name, value before, gradient, value after)
    before: float
    after: float


def chain_rule_steps(view):
    """The steps of backward() on view's scalar graph, the view's nodes from the output down,
    starting from a gradient of 0 everywhere and 1 at the output."""
    grads = {node.position: 0.0 for node in view}
    grads[view.root.position] = 1.0
    steps, reached = [], set()
    for node in reversed(view.nodes):
        if node.op is None:
            continue
        value = node.value
        inputs = [c.data for c in value.children]
        g = grads[node.position]
        locals_ = node.op.deriv(1.0, *inputs, value.data)
        shares = node.op.deriv(g, *inputs, value.data)  # what backward() adds
        for slot, position in zip(node.engine_inputs, node.inputs):
            d, contribution = locals_[slot], shares[slot]
            before = grads[position]
            grads[position] = before + contribution
            steps.append(Step(node, view.nodes[position], slot, written_derivative(view, node, slot), d, g,
                              contribution, before, grads[position], position in reached))
            reached.add(position)
    return steps


def written_derivative(view, node, slot):
    """The local derivative d(node)/d(input number `slot`) in the nodes' names: for
    `L = d * f`, slot 0 gives 'f'; for `o = tanh(n)`, '1 - o**2'."""
    texts = node.op.deriv_text
    if not texts:
        return None
    text = texts[min(slot, len(texts) - 1)]  # an n-ary op writes one for all its inputs
    children = node.value.children
    names = {"out": node.name}
    for key, k in (("a", 0), ("b", 1)):
        if k < len(children):
            names[key] = _operand_text(view, children[k])
    text = _PLACEHOLDER.sub(lambda m: names.get(m.group(1), m.group(1)), text)
    return _POWER_MINUS_ONE.sub(_power_minus_one, text)


def _power_minus_one(match):
    k = float(match.group(1).strip("()")) - 1
    return "" if k == 1 else "**" + atom(literal_text(k))  # 2*x**(2-1) is 2*x


def partial(node, input_node):
    """'∂L/∂d': the derivative of a node with respect to one of its inputs."""
    return f"∂{node.name}/∂{input_node.name}"


# The columns of a step, as `mgrad backprop` and the HTML page show them.
STEP_COLUMNS = ("node", "input", "local derivative", "upstream", "product", "input grad")


def step_cells(view, step):
    """A step's cells under STEP_COLUMNS: 'L = d * f', 'd', '∂L/∂d = f = -2.0000',
    '1.0000', '-2.0000', and the input's gradient: '-2.0000', or for a second use
    '1.0000 + 1.0000 = 2.0000' (the += at work)."""
    number = format_number(step.local)
    local = partial(step.node, step.input)
    if step.formula is None:
        local += f" = {number}"
    elif step.formula in (number, literal_text(step.local)):
        local += f" = {step.formula}"
    else:
        local += f" = {step.formula} = {number}"
    grad = format_number(step.after)
    if step.accumulates:
        grad = f"{format_number(step.before)} + {format_number(step.contribution)} = {grad}"
    return (view.statement(step.node), step.input.name, local, format_number(step.upstream),
            format_number(step.contribution), grad)


def nudge(program, bindings, h):
    """Move each input x of the program to x + h * dout/dx and evaluate again."""
    out, names = expr.evaluate(program, bindings)
    out.backward()
    moved, rows = {}, []
    for name in program.inputs:
        leaf = names[name]
        moved[name] = leaf.data + h * leaf.grad
        rows.append((name, leaf.data, leaf.grad, moved[name]))
    after, _ = expr.evaluate(program, moved)
    return Nudge(h, out.label or expr.OUTPUT_LABEL, tuple(rows), out.data, after.data)


def _operand_text(view, child):
    try:
        return atom(view.node_of(child).name)
    except KeyError:  # a folded exponent: its number
        return atom(literal_text(child.data))
