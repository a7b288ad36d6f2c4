"""The display view, the chain-rule steps and the nudge, as a library (the commands are
tested in test_graph.py and test_backprop.py)."""

import math
import random

import pytest

from mgrad_cli.inspect import view as display, explain, expr
from mgrad_cli import numbers
from mgrad_cli.autograd import ops
from mgrad_cli.autograd.value import Value

LECTURE = "e = a*b; d = e + c; L = d * f"
LECTURE_INPUTS = {"a": 2.0, "b": -3.0, "c": 10.0, "f": -2.0}


def view_of(text, bindings):
    out, _ = expr.run(text, bindings)
    out.backward()
    return display.GraphView(out)


def test_the_lecture_example_in_order_with_its_names():
    """The order the expression reads: each node after its inputs, taken left to right."""
    view = view_of(LECTURE, LECTURE_INPUTS)
    assert [(n.id, view.statement(n), n.data, n.grad) for n in view] == [
        ("n0", "a", 2.0, 6.0), ("n1", "b", -3.0, -4.0), ("n2", "e = a * b", -6.0, -2.0), ("n3", "c", 10.0, -2.0),
        ("n4", "d = e + c", 4.0, -2.0), ("n5", "f", -2.0, 4.0), ("n6", "L = d * f", -8.0, 1.0),
    ]
    assert [view.formula(n) for n in view if n.kind != display.OP] == ["input"] * 4


@pytest.mark.parametrize("text, order", [
    ("a*b + c", ["a", "b", "t2 = a * b", "c", "out = t2 + c"]),
    ("n = x1*w1 + x2*w2 + b; o = tanh(n)",
     ["x1", "w1", "t2 = x1 * w1", "x2", "w2", "t5 = x2 * w2", "t6 = t2 + t5", "b", "n = t6 + b", "o = tanh(n)"]),
    ("c + a*b", ["c", "a", "b", "t3 = a * b", "out = c + t3"]),
    ("y = (a + b) * a; z = y + b", ["a", "b", "t2 = a + b", "y = t2 * a", "z = y + b"]),
])
def test_nodes_come_in_the_order_the_expression_reads(text, order):
    view = view_of(text, dict.fromkeys(["a", "b", "c", "x1", "x2", "w1", "w2"], 1.0))
    assert [view.statement(n) for n in view] == order
    for node in view:  # a topological order: every input comes before its user
        assert all(i < node.position for i in node.inputs)


def test_the_order_is_topological_and_the_same_every_time_on_a_deep_graph():
    """Iterative: a chain far deeper than Python's recursion limit."""
    x = Value(0.5, label="x")
    y = x
    for _ in range(5000):
        y = y * 1.0 + x
    first, second = display.GraphView(y), display.GraphView(y)
    assert [n.name for n in first] == [n.name for n in second]
    assert first.nodes[0].name == "x" and first.root.value is y
    assert all(i < n.position for n in first for i in n.inputs)


def test_unnamed_nodes_are_named_by_position_and_constants_by_value():
    view = view_of("y = tanh(2*x + 1) * x", {"x": 0.5})
    assert [view.statement(n) for n in view] == [
        "2", "x", "t2 = 2 * x", "1", "t4 = t2 + 1", "t5 = tanh(t4)", "y = t5 * x"]
    assert [n.kind for n in view][:4] == [display.CONSTANT, display.INPUT, display.OP, display.CONSTANT]


def test_a_generated_name_never_takes_a_label():
    view = view_of("y = x*2 + x*3 + x; t2 = y*y", {"x": 1.0})
    assert [view.statement(n) for n in view] == ["x", "2", "t2' = x * 2", "3", "t4 = x * 3", "t5 = t2' + t4",
                                                 "y = t5 + x", "t2 = y * y"]


def test_a_literal_exponent_is_folded_into_the_op_and_shows_no_nan():
    # the engine's pow is binary: d(x**2)/d(2) = 9 * log(-3) is nan on the 2's leaf
    out, _ = expr.run("y = x**2", {"x": -3.0})
    out.backward()
    assert math.isnan(out.children[1].grad)
    view = display.GraphView(out)
    assert [view.statement(n) for n in view] == ["x", "y = x**2"]
    assert view.root.op_label == "**2" and view.root.inputs == (0,)
    assert not any(display.has_nan(n.grad) or display.has_nan(n.data) for n in view)


@pytest.mark.parametrize("text, label", [("y = x**-1", "**-1"), ("y = x**0.5", "**0.5"), ("y = x**3", "**3")])
def test_literal_exponents(text, label):
    assert view_of(text, {"x": 2.0}).root.op_label == label


def test_a_named_exponent_stays_a_leaf_and_the_math_keeps_its_nan():
    view = view_of("k = 2; y = x**k", {"x": -3.0})
    assert [view.statement(n) for n in view] == ["x", "k", "y = x ** k"]
    k = view.nodes[1]
    assert math.isnan(k.grad) and display.has_nan(k.grad)  # d(x**k)/dk = x**k log(x): nan for x < 0, as torch


def test_a_node_used_twice_is_an_input_twice():
    view = view_of("b = a + a", {"a": 3.0})
    assert view.root.inputs == (0, 0) and view.statement(view.root) == "b = a + a"


@pytest.mark.parametrize("op", [op for op in ops.OPS], ids=lambda op: op.name)
def test_each_ops_written_derivative_is_its_deriv(op):
    """deriv_text, evaluated, gives the numbers deriv gives: the words cannot drift."""
    assert op.deriv_text, f"{op.name} has no deriv_text"
    rng = random.Random(op.name)
    for _ in range(20):
        n = op.arity or 3
        args = [rng.uniform(0.2, 3.0) * rng.choice((1, -1)) for _ in range(n)]
        if op.name in ("log", "pow"):
            args[0] = abs(args[0])
        out = op.forward(*args)
        expected = op.deriv(1.0, *args, out)  # the rule at a gradient of 1
        for slot in range(n):
            text = op.deriv_text[min(slot, len(op.deriv_text) - 1)]
            names = {"a": args[0], "b": args[1] if n > 1 else None, "out": out,
                     "log": math.log, "exp": math.exp, "sign": ops.sign}
            assert eval(text, {"__builtins__": {}}, names) == pytest.approx(expected[slot], rel=1e-12)


def test_the_lectures_chain_rule_steps():
    view = view_of(LECTURE, LECTURE_INPUTS)
    rows = [explain.step_cells(view, s) for s in explain.chain_rule_steps(view)]
    assert rows == [
        ("L = d * f", "d", "∂L/∂d = f = -2.0000", "1.0000", "-2.0000", "-2.0000"),
        ("L = d * f", "f", "∂L/∂f = d = 4.0000", "1.0000", "4.0000", "4.0000"),
        ("d = e + c", "e", "∂d/∂e = 1", "-2.0000", "-2.0000", "-2.0000"),
        ("d = e + c", "c", "∂d/∂c = 1", "-2.0000", "-2.0000", "-2.0000"),
        ("e = a * b", "a", "∂e/∂a = b = -3.0000", "-2.0000", "6.0000", "6.0000"),
        ("e = a * b", "b", "∂e/∂b = a = 2.0000", "-2.0000", "-4.0000", "-4.0000"),
    ]


def test_a_node_used_twice_gets_its_contributions_added():
    view = view_of("b = a + a", {"a": 3.0})
    steps = explain.chain_rule_steps(view)
    assert [(s.before, s.contribution, s.after, s.accumulates) for s in steps] == [
        (0.0, 1.0, 1.0, False), (1.0, 1.0, 2.0, True)]
    assert explain.step_cells(view, steps[1])[-1] == "1.0000 + 1.0000 = 2.0000"


def test_the_neurons_steps_and_tanhs_formula():
    view = view_of("n = x1*w1 + x2*w2 + b; o = tanh(n)",
                   {"x1": 2, "x2": 0, "w1": -3, "w2": 1, "b": 6.8813735870195432})
    first = explain.step_cells(view, explain.chain_rule_steps(view)[0])
    assert first == ("o = tanh(n)", "n", "∂o/∂n = 1 - o**2 = 0.5000", "1.0000", "0.5000", "0.5000")


@pytest.mark.parametrize("text, formula", [
    ("y = x**2", "2*x"), ("y = x**3", "3*x**2"), ("y = x**-1", "(-1)*x**(-2)"), ("y = 2**x", "x*2**(x-1)"),
])
def test_the_power_rule_with_a_literal_worked_out(text, formula):
    view = view_of(text, {"x": 2.0})
    assert explain.chain_rule_steps(view)[0].formula == formula


def test_the_steps_end_with_the_engines_gradients():
    """Replaying backward() step by step lands on what backward() computed (a node's
    contributions may be added in another order than the engine's: to the last digit)."""
    text = "u = a*b + a; v = tanh(u) * relu(a - c) / (1 + b**2); w = v*v + exp(-u) + log(abs(c)) + u"
    view = view_of(text, {"a": 0.7, "b": -1.3, "c": -0.4})
    final = {}
    for s in explain.chain_rule_steps(view):
        final[s.input.position] = s.after
    for node in view.nodes[:-1]:
        assert final[node.position] == pytest.approx(node.grad, rel=1e-14, abs=1e-300), view.statement(node)


def test_nudging_the_inputs_along_their_gradients_raises_the_output():
    program = expr.parse(LECTURE)
    nudge = explain.nudge(program, LECTURE_INPUTS, 0.01)
    assert nudge.before == -8.0 and nudge.after == pytest.approx(-7.286496, abs=1e-12)
    assert nudge.inputs == (("a", 2.0, 6.0, 2.06), ("b", -3.0, -4.0, -3.04), ("c", 10.0, -2.0, 9.98),
                            ("f", -2.0, 4.0, -1.96))


def test_a_tensor_graph_has_a_view_too():
    from mgrad_cli.autograd.tensor import Tensor

    x = Tensor([[1.0, -2.0], [3.0, 0.5]], "x", requires_grad=False)
    w = Tensor([[0.5], [-1.0]], "w")
    loss = ((x @ w) ** 2).sum()
    loss.backward()
    view = display.GraphView(loss)
    assert [view.statement(n) for n in view] == ["x", "w", "t2 = x @ w", "t3 = t2**2", "t4 = Σ(t3)"]


def test_literal_text():
    assert [numbers.literal_text(x) for x in (2.0, -1.0, 0.5, 1e-8, float("inf"), 6.8813735870195432)] == [
        "2", "-1", "0.5", "1e-08", "inf", "6.88137"]


def test_a_value_view_of_a_single_leaf():
    view = display.GraphView(Value(3.0, "x"))
    assert len(view) == 1 and view.statement(view.root) == "x" and explain.chain_rule_steps(view) == []


def test_a_drawing_shows_a_one_term_sum_and_a_product_by_one_as_the_term():
    """draw_graph, what every drawing shows: the mean over one sample, (+ t) * 1, is t;
    the engine's graph and gradients are untouched, and the plain view keeps both."""
    from mgrad_cli.autograd.value import vsum

    x, w = Value(3.0, label="x"), Value(-2.0, label="w")
    t = x * w
    loss = vsum([(t - 1.0) ** 2]) * 1.0
    loss.label = "loss"
    loss.backward()
    engine_nodes, grads = len(loss.topo()), [x.grad, w.grad]
    plain, drawn = display.GraphView(loss), display.draw_graph(loss)
    assert [plain.statement(n) for n in plain][-3:] == ["t6 = t5", "1", "loss = t6 * 1"]
    assert [n.op_label for n in plain if n.kind == display.OP] == ["*", "-", "**2", "+", "*"]
    assert [drawn.statement(n) for n in drawn] == ["x", "w", "t2 = x * w", "1", "t4 = t2 - 1", "loss = t4**2"]
    assert drawn.root.data == loss.data and drawn.root.grad == 1.0
    assert (len(loss.topo()), [x.grad, w.grad]) == (engine_nodes, grads)
    assert drawn.node_of(loss) is drawn.root  # an elided node reads as the one drawn in its place
    final = {s.input.position: s.after for s in explain.chain_rule_steps(drawn)}
    assert [final[0], final[1]] == grads


@pytest.mark.parametrize("text", ["y = x * one", "y = sum(x, x)", "y = x * 2"])
def test_only_a_one_term_sum_and_a_product_by_the_literal_1_are_elided(text):
    out, _ = expr.run(text, {"x": 3.0, "one": 1.0})
    out.backward()
    assert len(display.draw_graph(out)) == len(display.GraphView(out))


def test_a_product_by_one_inside_the_graph_is_drawn_as_its_factor():
    x = Value(3.0, label="x")
    t = x * 2.0
    out = (t * 1.0) + t  # t is used twice: t * 1 is t, so the sum is t + t
    out.backward()
    drawn = display.draw_graph(out)
    assert [drawn.statement(n) for n in drawn] == ["x", "2", "t2 = x * 2", "t3 = t2 + t2"]
    final = {s.input.name: s.after for s in explain.chain_rule_steps(drawn)}
    assert (final["t2"], final["x"]) == (t.grad, x.grad) == (2.0, 4.0)
