"""What both engines are held to, in one place: how PyTorch float64 computes every op
(TORCH), the edge values every op is tried on (EDGES), and how far a subnormal result
may stray (SUBNORMAL_ULPS).

test_ops and test_tensor run each engine's ops against TORCH (EDGES for ops of one
input), test_edges runs both engines on every combination of EDGES, and
test_differential draws the leaves of its random expressions from EDGES.
"""

import functools
import math
import operator

import numpy as np

INF, NAN = math.inf, math.nan


# --- how PyTorch computes each op -------------------------------------------------------
# One entry per op name of either engine's table (ops.OPS, tensor.TENSOR_OPS): torch's
# function of (the torch module, the op's inputs as tensors, then the op's settings). A new
# op fails test_every_op_has_a_torch_reference (test_ops, test_tensor) until it is here.

def _reduction(name):
    def reduce(t, a, axis=None, keepdims=False):
        if axis is None:  # torch reduces everything without a dim argument
            out = getattr(a, name)()
            return out.reshape((1,) * a.dim()) if keepdims else out
        return getattr(a, name)(dim=axis, keepdim=keepdims)
    return reduce


def _sum(t, *args):
    """The one name the engines give two ops: the scalar engine's sum adds its inputs
    (vsum: several numbers, no settings), the tensor engine's reduces one array along
    (axis, keepdims), which follow it."""
    if len(args) > 1 and all(isinstance(a, t.Tensor) for a in args):
        return functools.reduce(operator.add, args)
    return _reduction("sum")(t, *args)


TORCH = {
    "add": lambda t, a, b: a + b,
    "sub": lambda t, a, b: a - b,
    "mul": lambda t, a, b: a * b,
    "div": lambda t, a, b: a / b,
    "pow": lambda t, a, b: a ** b,
    "matmul": lambda t, a, b: a @ b,
    "neg": lambda t, a: -a,
    "abs": lambda t, a: t.abs(a),
    "exp": lambda t, a: t.exp(a),
    "log": lambda t, a: t.log(a),
    "tanh": lambda t, a: t.tanh(a),
    "sigmoid": lambda t, a: t.sigmoid(a),
    "relu": lambda t, a: t.relu(a),
    # F.softplus returns a itself past a = 20; the engine computes log(1 + e^a) exactly there
    "softplus": lambda t, a: t.logaddexp(a, t.zeros_like(a)),
    "sum": _sum,
    "mean": _reduction("mean"),
    "log_softmax": lambda t, a, axis: t.log_softmax(a, dim=axis),
    "sumsq": lambda t, *xs: sum((x * x).sum() for x in xs),
}


# --- the edge values ----------------------------------------------------------------------

EDGES = [
    0.0, -0.0,  # both zeros: 1 / x is inf of either sign; relu's and abs's kink
    1.0, -1.0, 2.0, -3.0, 0.5,  # small numbers; a negative base to the power 0.5 is nan
    5e-324, 1e-309, -1e-309,  # subnormals: the smallest; ones whose reciprocal overflows
    2.2250738585072014e-308, 1e-300,  # the smallest normal number; a tiny one
    20.5, -40.0,  # past where torch's softplus switches formula; tanh and sigmoid saturated
    700.0, 710.0, -740.0, 1000.0,  # exp just below and past overflow (709.78); sigmoid(-740) = 0
    1e300, -1e300,  # products and squares overflow
    INF, -INF, NAN,
]
# for ops of three inputs (every combination of EDGES would be too many): the zeros, one,
# the specials, and ±1e308, where a sum of two overflows. (Not in EDGES: where a sum of
# many terms overflows depends on the order of adding them, which the random expressions
# of test_differential cannot tell from a wrong op.)
FEW = [0.0, -0.0, 1.0, 1e308, -1e308, INF, -INF, NAN]

# numpy's and torch's exp may differ in the last unit of a subnormal result (4e-322),
# and a product rounded there keeps only a few digits
SUBNORMAL_ULPS = 4 * np.spacing(0.0)
