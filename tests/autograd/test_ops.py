"""Every op of the table against PyTorch float64 and against central differences.

The cases come from ops.OPS, so a new op is tested as soon as it is added (and the
test fails until TORCH in references.py says how PyTorch computes it); inputs of one
and two operands are every combination of the shared EDGES.
"""

import itertools
import math

import pytest

from mgrad_cli.autograd.value import Value, apply
from mgrad_cli.autograd.ops import OPS
from references import EDGES, FEW, INF, TORCH  # tests/ is on sys.path under pytest


def same(x, y, rel=1e-12):
    """Equal as IEEE float64 results: nan with nan, infinities by sign, else to rel."""
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    if math.isinf(x) or math.isinf(y):
        return x == y
    return abs(x - y) <= rel * max(abs(x), abs(y)) or abs(x - y) <= 1e-300


def op_cases():
    for op in OPS:
        arity = op.arity or 3  # n-ary ops are tried with three inputs
        if arity > 2:
            # the edges, and a sum whose rounding depends on the order of adding
            combos = list(itertools.product(FEW, repeat=arity)) + [(0.1, 0.2, 0.3)]
        else:
            combos = list(itertools.product(EDGES, repeat=arity))
        yield pytest.param(op, combos, id=op.name)


def torch_result(torch, op, xs):
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = TORCH[op.name](torch, *ts)
    out.backward()
    return out.item(), [t.grad.item() if t.grad is not None else 0.0 for t in ts]


def mgrad_result(op, xs):
    vs = [Value(x) for x in xs]
    out = apply(op, *vs)
    out.backward()
    return out.data, [v.grad for v in vs]


def test_every_op_has_a_torch_reference():
    assert {op.name for op in OPS} <= set(TORCH)


@pytest.mark.parametrize("op,combos", list(op_cases()))
def test_op_matches_torch_float64(torch, op, combos):
    """Value and every input's gradient equal torch float64's, edge points included."""
    mismatches = []
    for xs in combos:
        want, want_grads = torch_result(torch, op, xs)
        got, got_grads = mgrad_result(op, xs)
        if not same(got, want):
            mismatches.append(f"{op.name}{xs}: value {got!r}, torch {want!r}")
        for i, (g, w) in enumerate(zip(got_grads, want_grads)):
            if not same(g, w):
                mismatches.append(f"{op.name}{xs}: grad[{i}] {g!r}, torch {w!r}")
    assert not mismatches, "\n".join(mismatches[:20])


# points where every op is smooth, for finite differences
SMOOTH = {1: [0.3, -0.7, 1.5, -2.2, 4.0], 2: [(0.7, 1.3), (2.5, -0.4), (-1.2, 3.0), (1.1, 0.5)], 3: [(0.2, -1.4, 2.0)]}


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
def test_op_matches_central_differences(op):
    arity = op.arity or 3
    h = 1e-6
    for xs in SMOOTH[arity]:
        xs = (xs,) if arity == 1 else xs
        if op.name in ("log", "pow") and xs[0] <= 0:
            xs = (abs(xs[0]),) + tuple(xs[1:])
        _, grads = mgrad_result(op, xs)
        for i in range(arity):
            up = list(xs)
            dn = list(xs)
            up[i] += h
            dn[i] -= h
            numeric = (op.forward(*up) - op.forward(*dn)) / (2 * h)
            assert grads[i] == pytest.approx(numeric, rel=1e-6, abs=1e-8), (op.name, xs, i)


def test_issue_edge_points():
    assert Value(1000).tanh().data == 1.0
    assert Value(-1000).tanh().data == -1.0
    assert Value(1000).exp().data == INF
    assert math.isnan(Value(-1).log().data)
    assert Value(0).log().data == -INF
    assert (Value(1) / Value(0)).data == INF
    assert (Value(-1) / Value(0)).data == -INF
    assert math.isnan((Value(0) / Value(0)).data)
    r = Value(-8) ** (1 / 3)
    assert isinstance(r.data, float) and math.isnan(r.data)
    assert (Value(0) ** -1).data == INF
    assert (Value(10) ** 400).data == INF
    assert Value(-1000).sigmoid().data == pytest.approx(math.exp(-1000), abs=1e-300)
    assert Value(1000).sigmoid().data == 1.0
    for make in (lambda v: v.relu(), lambda v: abs(v)):
        x = Value(0.0)
        make(x).backward()
        assert x.grad == 0.0


def test_every_op_is_on_value():
    """The engine builds its methods and operators from the table."""
    for op in OPS:
        if op.kind == "function":
            assert callable(getattr(Value, op.name))
        if op.kind in ("infix", "prefix"):
            assert hasattr(Value, f"__{op.dunder}__")
