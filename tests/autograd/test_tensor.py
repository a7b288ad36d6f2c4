"""The tensor engine: every op against PyTorch float64, finite differences, the graph
cases that broke early autograds, and equality with the scalar engine on MLP losses."""

import csv
import math
import random
import warnings

import numpy as np
import pytest

from mgrad_cli.nn import losses
from mgrad_cli.nn.mlp import MLP
from mgrad_cli.autograd.tensor import BY_NAME, TENSOR_OPS, Tensor, apply, sumsq, unbroadcast
from mgrad_cli.nn.tensor_mlp import TensorMLP, total_loss

from conftest import REPO
from references import EDGES, SUBNORMAL_ULPS, TORCH


def close(actual, expected, rtol=1e-12):
    """Equal to rtol, relative to the largest magnitude in `expected` (nan where nan)."""
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape
    finite = np.isfinite(expected)
    scale = np.max(np.abs(expected[finite]), initial=1.0)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale, equal_nan=True)


def run_both(torch, fn, arrays, weights_seed=0, reference=None):
    """fn applied to Tensors, and fn (or reference) to torch tensors; backward from
    sum(out * W) with random W.

    Returns (ours, theirs): each the output and the input gradients as numpy arrays.
    """
    ours_in = [Tensor(a) for a in arrays]
    theirs_in = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the tensor engine never warns
        out = fn(*ours_in)
        W = np.random.default_rng(weights_seed).uniform(0.5, 1.5, size=out.shape)
        (out * W).sum().backward()
    t_out = (reference or fn)(*theirs_in)
    (t_out * torch.tensor(W)).sum().backward()
    ours = [out.data] + [t.grad for t in ours_in]
    theirs = [t_out.detach().numpy()] + [
        t.grad.numpy() if t.grad is not None else np.zeros(t.shape) for t in theirs_in]
    return ours, theirs


def assert_same(ours, theirs, rtol=1e-12):
    for a, b in zip(ours, theirs):
        close(a, b, rtol)


# --- every op of the table against PyTorch float64 --------------------------------
# How PyTorch computes each op: references.TORCH, one table for both engines. The
# inputs come from each op's kind, so a new op is tested as soon as it is added (and the
# test fails until TORCH says how PyTorch computes it).

rng = np.random.default_rng(1)
N = rng.normal  # shorthand for the cases below

# shapes that broadcast against each other, each tried in both orders
SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((), (3, 4)), ((2, 3, 4), (3, 1)), ((4,), (2, 1, 4))]
MATMUL_SHAPES = [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)), ((2, 3, 4), (2, 4, 1)),
                 # a 1-D operand, as numpy and torch take it: a row on the left, a column on the right
                 ((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,)), ((4,), (2, 4, 5)), ((2, 3, 4), (4,))]
REDUCE_SETTINGS = [(None, False), (0, False), (1, False), (-1, True), ((0, 2), False), (None, True)]


def _operands(op, shapes):
    # smooth, finite points: a positive base for pow, a divisor away from zero for div
    a, b = N(size=shapes[0]), N(size=shapes[1])
    if op.name == "pow":
        a = np.abs(a) + 0.5
    if op.name == "div":
        b = b + np.sign(b)
    return [a, b]


def op_cases(op):
    """-> [(input arrays, settings, check)] to try op on, chosen by the op's kind; check
    compares (ours, theirs)."""
    if op.name == "matmul":
        return [([N(size=a), N(size=b)], (), assert_same) for a, b in MATMUL_SHAPES]
    if op.kind == "infix":
        return [(_operands(op, s), (), assert_same) for shapes in SHAPES for s in (shapes, shapes[::-1])]
    if op.kind == "reduce":
        return [([N(size=(2, 3, 4))], settings, assert_same) for settings in REDUCE_SETTINGS]
    if op.kind == "axis":  # log_softmax: large scores check it cannot overflow
        return [([N(size=(4, 5)) * scale], (axis,), assert_same) for axis in (-1, 0) for scale in (1.0, 1000.0)]
    if op.kind == "nary":
        return [([N(size=(3, 4)), N(size=(4,)), N(size=())], (), assert_same)]
    return [([np.array(EDGES)], (), assert_same_at_each)]  # one input: every edge value


def assert_same_at_each(ours, theirs):
    """Each number equal to torch's on its own (the edges span 5e-324 to 1e300, so no
    common scale): nan where nan, the same infinities, else to 1e-12 relative (subnormals
    to a few units in their last place)."""
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=SUBNORMAL_ULPS, equal_nan=True)


def test_every_op_has_a_torch_reference():
    assert {op.name for op in TENSOR_OPS} <= set(TORCH)


@pytest.mark.parametrize("op", TENSOR_OPS, ids=[op.name for op in TENSOR_OPS])
def test_op_matches_torch_float64(torch, op):
    """Value and every input's gradient equal torch float64's, with broadcasting, and at
    every edge value for the ops of one input."""
    for arrays, settings, check in op_cases(op):
        ours, theirs = run_both(torch, lambda *xs: apply(op, *xs, attrs=settings), arrays,
                                reference=lambda *xs: TORCH[op.name](torch, *xs, *settings))
        check(ours, theirs)


ELEMENTWISE_INFIX = [op for op in TENSOR_OPS if op.kind == "infix" and op.name != "matmul"]


@pytest.mark.parametrize("op", ELEMENTWISE_INFIX, ids=[op.name for op in ELEMENTWISE_INFIX])
def test_operator_with_numbers_on_either_side(torch, op):
    """x OP 1.5 and 2.5 OP x: the number becomes a constant, on the left as on the right."""
    a = np.abs(N(size=(3, 2))) + 0.5
    for fn in (lambda x: getattr(x, f"__{op.dunder}__")(1.5), lambda x: getattr(x, f"__r{op.dunder}__")(2.5)):
        assert_same(*run_both(torch, fn, [a]))


def test_ndarray_on_the_left_gives_a_tensor():
    x = Tensor(np.ones((2, 2)))
    for out in (np.full((2, 2), 2.0) * x, np.float64(3.0) - x, np.eye(2) @ x):
        assert isinstance(out, Tensor)
    assert ((np.full((2, 2), 2.0) * x).sum()).item() == 8.0


def test_relu_and_abs_have_zero_slope_at_zero():
    for method in ("relu", "abs"):
        x = Tensor(np.zeros(3))
        getattr(x, method)().sum().backward()
        assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_reduction_settings_are_positional_or_keywords():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    assert x.sum(0).data.tolist() == [3.0, 5.0, 7.0]
    assert x.sum(1, True).attrs == (1, True)
    assert x.mean(axis=[0, 1]).item() == 2.5
    with pytest.raises(TypeError):
        x.sum(axis=0, dim=1)


IEEE = [  # (expression, inputs): inf and nan come out as in torch, never an exception or warning
    (lambda a, b: a / b, [np.array([1.0, -1.0, 0.0]), np.zeros(3)]),
    (lambda a: a.log(), [np.array([0.0, -1.0, 2.0])]),
    (lambda a: a.exp(), [np.array([1000.0, -1000.0])]),
    (lambda a, b: a ** b, [np.array([-8.0, 0.0, 0.0, 0.0, 2.0]), np.array([1 / 3, 0.0, 2.0, -1.0, 0.0])]),
    (lambda a, b: a * b, [np.array([np.inf, 1e308]), np.array([0.0, 10.0])]),
]


@pytest.mark.parametrize("case", range(len(IEEE)))
def test_ieee_edges_match_torch_without_warnings(torch, case):
    fn, arrays = IEEE[case]
    ours, theirs = run_both(torch, fn, arrays)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)  # inf, -inf and nan in the same places


# --- finite differences ---------------------------------------------------------

def finite_difference(f, arrays, i, h=1e-6):
    grad = np.zeros_like(arrays[i])
    for idx in np.ndindex(arrays[i].shape):
        plus = [a.copy() for a in arrays]
        minus = [a.copy() for a in arrays]
        plus[i][idx] += h
        minus[i][idx] -= h
        grad[idx] = (f(*plus) - f(*minus)) / (2 * h)
    return grad


def test_gradients_match_finite_differences():
    def expr(x, w, b):
        h = (x @ w + b).tanh()
        return ((h * h).mean(axis=0).sigmoid() + h.log_softmax().exp().sum(0) / (1.0 + abs(b))).sum()

    arrays = [N(size=(5, 3)), N(size=(3, 4)), N(size=(4,))]
    tensors = [Tensor(a) for a in arrays]
    expr(*tensors).backward()
    value = lambda *xs: expr(*[Tensor(a) for a in xs]).item()  # noqa: E731
    for i, t in enumerate(tensors):
        np.testing.assert_allclose(t.grad, finite_difference(value, arrays, i), rtol=1e-6, atol=1e-8)


# --- the graph --------------------------------------------------------------------

def test_a_node_used_twice_collects_both_gradients():
    x = Tensor([1.0, 2.0, 3.0])
    y = x * x + x  # dy/dx = 2x + 1
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 5.0, 7.0]


def test_a_diamond():
    x = Tensor([2.0])
    a, b = x * 3.0, x.exp()
    (a * b).sum().backward()  # d(3x e^x)/dx = 3 e^x (1 + x)
    close(x.grad, [3 * np.exp(2.0) * 3.0])


def test_a_deep_chain_needs_no_recursion():
    x = Tensor(np.ones(2))
    y = x
    for _ in range(50_000):
        y = y * 1.0 + 0.0
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_leaves_accumulate_and_inner_nodes_do_not():
    x = Tensor([1.0, -2.0])
    y = x * 3.0
    z = y.sum()
    z.backward()
    z.backward()
    assert x.grad.tolist() == [6.0, 6.0]
    assert y.grad.tolist() == [1.0, 1.0]


def test_gradients_are_not_shared_between_leaves():
    a, b = Tensor([1.0]), Tensor([2.0])
    (a + b).sum().backward()
    a.grad *= 10.0
    assert b.grad.tolist() == [1.0]


def test_constants_get_no_gradient_and_no_work():
    w = Tensor(np.ones((2, 2)))
    x = np.arange(4.0).reshape(2, 2)
    out = (Tensor(x, requires_grad=False) @ w + 1.0).sum()
    assert [c.requires_grad for c in out.children] == [True]
    out.backward()
    assert w.grad.tolist() == [[2.0, 2.0], [4.0, 4.0]]
    assert (x @ Tensor(np.ones((2, 1)))).children[0].grad is None


def test_topological_order_is_deterministic():
    def build():
        x = Tensor(np.ones(3), "x")
        return ((x * 2.0).exp() + (x - 1.0).tanh() + x.relu()).sum()

    names = [[(v.op, v.label) for v in build().topo()] for _ in range(3)]
    assert names[0] == names[1] == names[2]
    assert names[0][-1] == (BY_NAME["sum"], "")


def test_unbroadcast_sums_the_stretched_axes():
    d = np.ones((2, 3, 4))
    assert unbroadcast(d, (3, 1)).tolist() == [[8.0]] * 3
    assert unbroadcast(d, ()).item() == 24.0


def test_apply_checks_arity():
    with pytest.raises(TypeError):
        apply(BY_NAME["add"], Tensor(1.0))
    assert apply(BY_NAME["mul"], 2.0, Tensor(3.0)).item() == 6.0


def test_an_op_added_at_run_time_gets_its_node_class_on_first_use():
    from mgrad_cli.autograd.ops import Op
    square = Op("square", 1, "sq", np.square, (lambda g, a, o: 2.0 * g * a,), doc="a^2")
    x = Tensor([1.0, -3.0])
    y = apply(square, x)
    y.sum().backward()
    assert y.op is square and y.children == (x,)
    assert x.grad.tolist() == [2.0, -6.0]
    assert type(apply(square, x)) is type(y)  # one class per op


# --- the MLP and the losses, against the scalar engine ---------------------------

def test_same_seed_same_weights_as_the_scalar_mlp():
    for acts in ("tanh", ["relu", "sigmoid", "linear"]):
        scalar = MLP(3, [4, 5, 2], activation=acts, rng=random.Random(7))
        tensor = TensorMLP(3, [4, 5, 2], activation=acts, rng=random.Random(7))
        assert tensor.flat_parameters().tolist() == [p.data for p in scalar.parameters()]
        assert tensor.num_parameters() == len(scalar.parameters())


def test_flat_parameters_round_trip():
    model = TensorMLP(2, [3, 1], rng=random.Random(0))
    v = np.arange(model.num_parameters(), dtype=float)
    model.set_flat_parameters(v)
    assert model.flat_parameters().tolist() == v.tolist()
    assert model.layers[0][0].data[:, 0].tolist() == [0.0, 1.0]  # neuron 0: two weights, then its bias
    assert model.layers[0][1].data.tolist() == [2.0, 5.0, 8.0]
    with pytest.raises(ValueError, match="expected 13 numbers, got 3"):
        model.set_flat_parameters([1.0, 2.0, 3.0])


def test_unknown_activation_is_refused_as_in_nn():
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        TensorMLP(2, [3, 1], activation="gelu")


def scalar_loss(name, model, X, y, l2):
    """The scalar engine's loss (mgrad_cli.nn.losses) of an nn.MLP: the reference."""
    outs = [model(list(row)) for row in X]
    outs = [o if isinstance(o, list) else [o] for o in outs]
    targets = np.asarray(y, dtype=np.float64).reshape(len(outs), -1)
    return losses.scalar_loss(name, outs, targets, model.parameters(), l2)


def loss_case(name, seed=3):
    data_rng = np.random.default_rng(seed)
    X = data_rng.normal(size=(12, 3))
    outputs = {"mse": 2, "hinge": 1, "bce": 1, "cross_entropy": 4}[name]
    y = {
        "mse": data_rng.normal(size=(12, 2)),
        "hinge": data_rng.choice([-1.0, 1.0], size=12),
        "bce": data_rng.choice([-1.0, 1.0], size=12),
        "cross_entropy": data_rng.integers(0, 4, size=12),
    }[name]
    return X, y, outputs


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("name", list(losses.LOSSES))
def test_loss_and_every_gradient_equal_the_scalar_engine(name, activation):
    X, y, outputs = loss_case(name)
    scalar = MLP(3, [5, 4, outputs], activation=activation, rng=random.Random(11))
    tensor = TensorMLP(3, [5, 4, outputs], activation=activation, rng=random.Random(11))
    s_loss = scalar_loss(name, scalar, X, y.tolist(), 1e-3)
    s_loss.backward()
    t_loss = total_loss(name, tensor, X, y, 1e-3)
    t_loss.backward()
    close(t_loss.item(), s_loss.data)
    close(tensor.flat_grad(), [p.grad for p in scalar.parameters()])


def test_training_curves_equal_the_scalar_engine():
    """micrograd's demo for 20 SGD steps: the losses agree to 1e-9 at every step."""
    from mgrad_cli.data.generators import moons

    X, labels = moons(40, 0.1, np.random.default_rng(5))
    y = 2.0 * labels - 1
    scalar = MLP(2, [8, 8, 1], activation="relu", rng=random.Random(5))
    tensor = TensorMLP(2, [8, 8, 1], activation="relu", rng=random.Random(5))
    for k in range(20):
        lr = 1.0 - 0.9 * k / 100
        s_loss = scalar_loss("hinge", scalar, X, y.tolist(), 1e-4)
        scalar.zero_grad()
        s_loss.backward()
        for p in scalar.parameters():
            p.data -= lr * p.grad
        t_loss = total_loss("hinge", tensor, X, y, 1e-4)
        tensor.zero_grad()
        t_loss.backward()
        for p in tensor.parameters():
            p.data = p.data - lr * p.grad
        assert math.isclose(t_loss.item(), s_loss.data, rel_tol=1e-9)
    close(tensor.flat_parameters(), [p.data for p in scalar.parameters()], rtol=1e-9)


def test_l2_term_is_the_sum_of_squares():
    model = TensorMLP(2, [2, 1], rng=random.Random(1))
    scores = Tensor(np.ones((3, 1)))
    exact = losses.tensor_loss("mse", scores, np.ones((3, 1)), model.parameters(), 0.5)  # the mse term is 0
    assert math.isclose(exact.item(), 0.5 * float(np.sum(model.flat_parameters() ** 2)), rel_tol=1e-15)
    assert losses.tensor_loss("mse", scores, np.ones((3, 1)), [], 0.5).item() == 0.0


def test_the_graph_of_an_mlp_is_a_few_dozen_nodes_whatever_its_width():
    model = TensorMLP(64, [256, 256, 10], activation="relu", rng=random.Random(0))
    loss = total_loss("cross_entropy", model, np.zeros((5, 64)), np.zeros(5), 1e-4)
    assert len(loss.topo()) < 40


# --- the digits data set ---------------------------------------------------------

def test_digits_csv_is_the_8x8_digits():
    with open(REPO / "datasets" / "digits.csv", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    assert header[:2] == ["pixel_0_0", "pixel_0_1"] and header[63] == "pixel_7_7" and header[64] == "digit"
    assert len(header) == 65 and len(body) == 1797
    values = np.array(body, dtype=int)
    assert values[:, :64].min() == 0 and values[:, :64].max() == 16
    assert np.bincount(values[:, 64]).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


@pytest.mark.parametrize("name", ["bce", "hinge", "mse"])
def test_losses_equal_the_scalar_engine_at_large_scores(name):
    from mgrad_cli.autograd.value import Value

    s = np.array([-800.0, -30.0, -1.0, 0.0, 2.0, 40.0, 800.0])
    t = np.array([1.0, -1.0, 1.0, -1.0, -1.0, 1.0, -1.0])
    scores = Tensor(s.reshape(-1, 1))
    loss = losses.tensor_loss(name, scores, t)
    loss.backward()
    values = [[Value(x)] for x in s]
    ref = losses.scalar_loss(name, values, t.reshape(-1, 1))
    ref.backward()
    close(loss.item(), ref.data)
    close(scores.grad.ravel(), [v[0].grad for v in values])
