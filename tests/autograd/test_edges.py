"""Both engines against PyTorch float64 at the edges, on one grid.

Every op of ops.OPS (the scalar engine) and of tensor.TENSOR_OPS (the tensor engine)
is run on every combination of inputs from EDGES (references.py; FEW for ops of three
inputs) and with every incoming gradient from GRADS, so a zero local derivative meets
an inf or a nan gradient in every op. The value and each input's gradient must be
torch's: nan where torch has nan, the same infinities, finite numbers to 1e-12
relative (subnormal ones to a few units in their last place), and a zero value of
torch's sign. The ops both engines have are held to the same answers, so the engines
cannot disagree at an edge either.
"""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import IN_CI
from mgrad_cli.autograd import value as engine, tensor
from mgrad_cli.autograd.ops import OPS
from references import EDGES, FEW, INF, NAN, SUBNORMAL_ULPS, TORCH  # tests/ is on sys.path under pytest

GRADS = [1.0, -2.0, 0.0, 1e300, INF, -INF, NAN]  # the output's gradient, d(loss)/d(out)


def grid(n_inputs, points=EDGES):
    """Every combination of n_inputs points and one gradient: ([input arrays], gradients)."""
    rows = np.array(list(itertools.product(*[points] * n_inputs, GRADS)))
    return [rows[:, i] for i in range(n_inputs)], rows[:, -1]


def cases(op):
    """-> (inputs, gradients, settings, vectorized) for op, from its kind: inputs are one
    array per operand, gradients the output's gradient for each element."""
    if op.kind == "reduce":  # rows [x, y] reduced along the row: inf + -inf, nan
        (x, y), g = grid(2)
        return [np.stack([x, y], axis=1)], g, (1, False), True
    if op.kind == "axis":  # log_softmax along rows [x, y]
        (x, y), g = grid(2)
        return [np.stack([x, y], axis=1)], np.stack([g, g], axis=1), (-1,), True
    if op.name == "matmul":  # a batch of 1x1 matrices: the product, at every pair
        (x, y), g = grid(2)
        return [x[:, None, None], y[:, None, None]], g[:, None, None], (), True
    if op.arity is None:  # n-ary: one call per combination
        inputs, g = grid(3, FEW) if op in OPS else grid(2)
        return inputs, g, (), False
    inputs, g = grid(op.arity)
    return inputs, g, (), True


def run_scalar(op, inputs, grads, settings, vectorized):
    """Value per number: for each case, the output and each input's gradient."""
    values, input_grads = [], [[] for _ in inputs]
    for i, g in enumerate(grads):
        leaves = [engine.Value(x[i]) for x in inputs]
        out = engine.apply(op, *leaves)
        (out * g).backward()  # out.grad = 1 * g
        values.append(out.data)
        for j, leaf in enumerate(leaves):
            input_grads[j].append(leaf.grad)
    return np.array(values), [np.array(gs) for gs in input_grads]


def run_tensor(op, inputs, grads, settings, vectorized):
    if not vectorized:
        return _one_by_one(lambda xs, g: run_tensor(op, xs, g, settings, True), inputs, grads)
    leaves = [tensor.Tensor(x) for x in inputs]
    out = tensor.apply(op, *leaves, attrs=settings)
    (out * grads).sum().backward()  # out.grad = grads
    return out.data, [leaf.grad for leaf in leaves]


def run_torch(torch, reference, inputs, grads, settings, vectorized):
    if not vectorized:
        return _one_by_one(lambda xs, g: run_torch(torch, reference, xs, g, settings, True), inputs, grads)
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    out = reference(torch, *leaves, *settings)
    out.backward(torch.tensor(grads, dtype=torch.float64))
    return out.detach().numpy(), [leaf.grad.numpy() for leaf in leaves]


def _one_by_one(run, inputs, grads):
    # an n-ary op sums everything it is given: call it once per case, on single numbers
    results = [run([np.float64(x[i]) for x in inputs], np.float64(g)) for i, g in enumerate(grads)]
    return (np.array([float(v) for v, _ in results]),
            [np.array([float(gs[j]) for _, gs in results]) for j in range(len(inputs))])


def differences(what, ours, theirs, inputs, grads, signed_zeros=False):
    """The cases where ours is not torch's, as lines naming the inputs and gradient; with
    signed_zeros, 0.0 and -0.0 differ too (1 / value would be infinities of both signs)."""
    ours, theirs = np.broadcast_arrays(np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float))
    both_nan = np.isnan(ours) & np.isnan(theirs)
    equal = (ours == theirs) | both_nan
    finite = np.isfinite(ours) & np.isfinite(theirs)
    with np.errstate(invalid="ignore"):
        gap = np.abs(ours - theirs)
    close = finite & (gap <= 1e-12 * np.maximum(np.abs(ours), np.abs(theirs)) + SUBNORMAL_ULPS)
    other_zero = signed_zeros & (ours == 0) & (theirs == 0) & (np.signbit(ours) != np.signbit(theirs))
    bad = np.argwhere(~(equal | close) | other_zero)
    lines = []
    for idx in bad[:10]:
        case = idx[0]
        xs = ", ".join(_shown(x[case]) for x in inputs)
        lines.append(f"{what} at ({xs}) with grad {_shown(grads[case])}: "
                     f"{float(ours[tuple(idx)])!r}, torch {float(theirs[tuple(idx)])!r}")
    return lines


def _shown(x):
    x = np.ravel(x).tolist()
    return repr(x[0]) if len(x) == 1 else repr(x)


ENGINES = {"scalar": (OPS, run_scalar), "tensor": (tensor.TENSOR_OPS, run_tensor)}
CASES = [pytest.param(name, op, id=f"{name}-{op.name}") for name, (table, _) in ENGINES.items() for op in table]


def test_the_torch_table_has_one_entry_per_op_name_of_either_engine():
    assert sorted(TORCH) == sorted({op.name for table, _ in ENGINES.values() for op in table})


@pytest.mark.parametrize("engine_name,op", CASES)
def test_every_op_of_both_engines_matches_torch_on_the_edge_grid(torch, engine_name, op):
    _, run = ENGINES[engine_name]
    inputs, grads, settings, vectorized = cases(op)
    value, input_grads = run(op, inputs, grads, settings, vectorized)
    want, want_grads = run_torch(torch, TORCH[op.name], inputs, grads, settings, vectorized)
    problems = differences("value", value, want, inputs, grads, signed_zeros=True)
    for i, (ours, theirs) in enumerate(zip(input_grads, want_grads)):
        problems += differences(f"grad[{i}]", ours, theirs, inputs, grads)
    assert not problems, f"{engine_name} {op.name}:\n" + "\n".join(problems[:20])


def test_the_grid_covers_a_zero_derivative_times_inf_and_nan():
    """The cases the engines used to get wrong are on the grid, with torch's answers."""
    x = engine.Value(-800.0)
    x.sigmoid().log().backward()  # sigmoid(-800) = 0: log passes inf, sigmoid's 0 * inf is nan
    assert math.isnan(x.grad)
    x = engine.Value(1e-309)
    (x.log() * 0.01).backward()  # 0.01 / 1e-309, not (1 / 1e-309) * 0.01 = inf
    assert x.grad == pytest.approx(1e307, rel=1e-12)
    t = tensor.Tensor([-2.0, NAN])
    (t.relu() / 0.0).sum().backward()  # relu selects 0 where its output is <= 0, passes grad at nan
    assert t.grad.tolist() == [0.0, INF]
    t = tensor.Tensor([NAN])
    abs(t).sum().backward()
    assert t.grad.tolist() == [0.0]  # sgn(nan) is 0


@settings(max_examples=500 if IN_CI else 150, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=3), st.sampled_from(OPS))
def test_no_op_ever_raises(xs, op):
    """Any float64 input, including inf and nan: a float out, never an exception."""
    xs = (xs * 3)[:op.arity or len(xs)]
    vs = [engine.Value(x) for x in xs]
    out = engine.apply(op, *vs)
    out.backward()
    assert isinstance(out.data, float)
    assert all(isinstance(v.grad, float) for v in vs)
