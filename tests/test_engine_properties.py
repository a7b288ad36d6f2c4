"""Property tests: random expression graphs over every op, nodes reused, against torch.

Each example is a little program: a few leaves, then steps that apply a random op of
the table to earlier nodes (any node may be used again), the last step the output.
In CI it runs 500 examples.
"""

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mgrad_cli.engine import Value, apply
from mgrad_cli.ops import OPS

from conftest import IN_CI  # tests/ is on sys.path under pytest
from test_ops import TORCH

EXAMPLES = 500 if IN_CI else 150


def close(x, want):
    """Torch's answer: nan where it has nan, the same infinity, else to 1e-9 (scaled)."""
    if not math.isfinite(want):
        return x == want or (math.isnan(x) and math.isnan(want))
    return abs(x - want) <= 1e-9 * max(1.0, abs(x), abs(want))


@st.composite
def programs(draw):
    n_leaves = draw(st.integers(1, 4))
    leaves = draw(st.lists(st.floats(-3, 3, allow_nan=False).map(lambda x: round(x, 3)),
                           min_size=n_leaves, max_size=n_leaves))
    steps = []
    n_nodes = n_leaves
    for _ in range(draw(st.integers(1, 12))):
        op = draw(st.sampled_from(OPS))
        arity = op.arity or draw(st.integers(2, 4))
        # most inputs are recent nodes, so graphs get deep; any node may be reused
        args = draw(st.lists(st.integers(0, n_nodes - 1), min_size=arity, max_size=arity))
        steps.append((op, args))
        n_nodes += 1
    return leaves, steps


def run_mgrad(leaves, steps):
    nodes = [Value(x) for x in leaves]
    for op, args in steps:
        nodes.append(apply(op, *[nodes[i] for i in args]))
    nodes[-1].backward()
    return nodes[-1].data, [v.grad for v in nodes[: len(leaves)]]


def run_torch(torch, leaves, steps):
    nodes = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaves]
    for op, args in steps:
        nodes.append(TORCH[op.name](torch, *[nodes[i] for i in args]))
    out = nodes[-1]
    if out.requires_grad:
        out.backward()
    grads = [t.grad.item() if t.grad is not None else 0.0 for t in nodes[: len(leaves)]]
    return out.item(), grads


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(programs())
def test_random_graphs_match_torch(torch, program):
    leaves, steps = program
    value, grads = run_mgrad(leaves, steps)
    want, want_grads = run_torch(torch, leaves, steps)
    assert close(value, want), (value, want)
    for i, (g, w) in enumerate(zip(grads, want_grads)):
        assert close(g, w), (i, g, w)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=3), st.sampled_from(OPS))
def test_no_op_ever_raises(xs, op):
    """Any float64 input, including inf and nan: a float out, never an exception."""
    arity = op.arity or len(xs)
    xs = (xs * 3)[:arity]
    vs = [Value(x) for x in xs]
    out = apply(op, *vs)
    out.backward()
    assert isinstance(out.data, float)
    assert all(isinstance(v.grad, float) for v in vs)
