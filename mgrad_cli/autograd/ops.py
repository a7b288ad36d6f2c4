"""The op table: every scalar op is defined here once, and only here.

Each entry gives the op's name, arity, display symbol, forward function, gradient rule
and local derivatives written out. The engine builds its operators and methods from
this table, and the expression parser, the graph renderer, `mgrad backprop`, gradcheck
and the op tests all read it, so adding an op is one entry in OPS below.

Numbers follow IEEE float64 as C (and so PyTorch float64) does and never raise:
Python raises on 1/0, math.exp(1000) or (-8) ** (1/3); the helpers below return
inf or nan there instead.

Each gradient rule is PyTorch's backward formula for the op (torch's
tools/autograd/derivatives.yaml), written with the same operations in the same order,
so that the edges come out as in torch: where torch multiplies the incoming gradient by
a local derivative of 0, an inf or nan gradient gives nan; where torch selects 0 (relu
where its output is <= 0, pow's base where the exponent is 0) the result is 0 whatever
the gradient; where torch divides (div, log) the rule divides too, so that 1e-309 does
not overflow through its reciprocal. The tensor engine's table (tensor.TENSOR_OPS)
follows the same formulas, and tests/autograd/test_edges.py holds both to torch on one grid.
"""

import math
import operator

import numpy as np

from .opkit import helpers

inf, nan = math.inf, math.nan


# --- IEEE float64 arithmetic that returns inf/nan instead of raising -------------

def div(a, b):
    """a / b, with x/0 = ±inf and 0/0 = nan as in IEEE 754."""
    try:
        return a / b
    except ZeroDivisionError:
        if a != a or a == 0:
            return nan
        return math.copysign(inf, a) * math.copysign(1.0, b)


def power(a, b):
    """a ** b as C's pow: a negative base with a fractional exponent is nan, never complex."""
    try:
        return math.pow(a, b)
    except (ValueError, OverflowError):  # domain or overflow: let C's pow decide (inf, -inf, nan)
        with np.errstate(all="ignore"):
            return float(np.power(np.float64(a), np.float64(b)))


def exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        return inf


def log(x):
    if x > 0:
        return math.log(x)
    if x == 0:
        return -inf
    return nan  # negative or nan


def maximum(a, b):
    # as numpy's maximum: b at a tie (maximum(0.0, -0.0) is -0.0), nan where a or b is nan
    return a if a > b or a != a else b


def where(condition, a, b):
    return a if condition else b


# the formulas the tensor engine shares (opkit.py), over these float functions
relu, sigmoid, sign = helpers(exp, maximum, where)


def pow_grads(g, a, b, out):
    # torch's pow_backward_self: where(b == 0, 0, grad * (b * a**(b - 1))), which selects
    # 0 even when grad is inf or nan; and pow_backward_exponent:
    # grad * where((a == 0) & (b >= 0), 0, out * log(a)), which multiplies: nan passes
    ga = 0.0 if b == 0 else g * (b * power(a, b - 1))
    gb = g * (0.0 if (a == 0 and b >= 0) else out * log(a))
    return (ga, gb)


def total(*xs):
    # a plain left fold, in order, so it matches x0 + x1 + x2 + ... exactly
    acc = xs[0]
    for x in xs[1:]:
        acc += x
    return acc


# --- the table ------------------------------------------------------------------

class Op:
    """One op: `forward(*inputs) -> output` and its gradient rule `deriv`.

    deriv(g, *inputs, output) -> each input's share of the gradient, given the output's
    gradient g (the chain rule: g times the local derivative, in torch's formula); so
    deriv(1.0, *inputs, output) gives the local derivatives. The tensor engine's table
    uses this record too, with one rule per input (see tensor.py).

    kind: 'infix' (a Python operator; `dunder` names the method, e.g. 'add' gives
    __add__ and __radd__), 'prefix' (unary minus), 'function' (a method and a function
    name in expressions) or 'nary' (any number of inputs). arity is None for 'nary'.

    kinks (optional, one-input ops): the inputs where the op is not differentiable
    (relu and abs at 0). gradcheck reads it to report such a point as "not
    differentiable" instead of as a failure; the engine ignores it.

    deriv_text: the local derivatives written out, one per input (an 'nary' op: one for
    all of them), as Python over `a`, `b` (the inputs) and `out` (the output) with the
    functions log, exp and sign: mul's is ("b", "a"), tanh's ("1 - out**2",).
    `mgrad backprop` shows them with the nodes' names put in; a test evaluates each one
    against `deriv`, so the words and the numbers cannot drift apart.
    """

    __slots__ = ("name", "arity", "symbol", "forward", "deriv", "kind", "dunder", "doc", "kinks", "deriv_text")

    def __init__(self, name, arity, symbol, forward, deriv, kind="function", dunder=None, doc="", kinks=(),
                 deriv_text=()):
        self.name, self.arity, self.symbol = name, arity, symbol
        self.forward, self.deriv = forward, deriv
        self.kind, self.dunder, self.doc = kind, dunder, doc
        self.kinks = tuple(kinks)
        self.deriv_text = tuple(deriv_text)

    def __repr__(self):
        return f"Op({self.name!r})"


OPS = [
    # name arity symbol forward   gradient rule: (g, inputs, output) -> each input's gradient
    # add: torch's grad, grad
    Op("add", 2, "+", operator.add, lambda g, a, b, o: (g, g), "infix", "add", "a + b", deriv_text=("1", "1")),
    # sub: grad, -grad
    Op("sub", 2, "-", operator.sub, lambda g, a, b, o: (g, -g), "infix", "sub", "a - b", deriv_text=("1", "-1")),
    # mul: grad * other, grad * self
    Op("mul", 2, "*", operator.mul, lambda g, a, b, o: (g * b, g * a), "infix", "mul", "a * b",
       deriv_text=("b", "a")),
    # div: grad / other, -grad * ((self / other) / other)
    Op("div", 2, "/", div, lambda g, a, b, o: (div(g, b), -g * div(div(a, b), b)), "infix", "truediv", "a / b",
       deriv_text=("1/b", "-a/b**2")),
    # pow: see pow_grads
    Op("pow", 2, "**", power, pow_grads, "infix", "pow", "a ** b", deriv_text=("b*a**(b-1)", "out*log(a)")),
    # neg: -grad
    Op("neg", 1, "-", operator.neg, lambda g, a, o: (-g,), "prefix", "neg", "-a", deriv_text=("-1",)),
    # abs: grad * self.sgn(), and sgn is 0 at 0 and at nan
    Op("abs", 1, "abs", abs, lambda g, a, o: (g * sign(a),), "function", "abs", "|a|", kinks=(0.0,),
       deriv_text=("sign(a)",)),
    # exp: grad * result
    Op("exp", 1, "exp", exp, lambda g, a, o: (g * o,), doc="e^a", deriv_text=("out",)),
    # log: grad / self
    Op("log", 1, "log", log, lambda g, a, o: (div(g, a),), doc="natural logarithm", deriv_text=("1/a",)),
    # tanh_backward: grad * (1 - result * result)
    Op("tanh", 1, "tanh", math.tanh, lambda g, a, o: (g * (1.0 - o * o),), doc="hyperbolic tangent",
       deriv_text=("1 - out**2",)),
    # sigmoid_backward: grad * (1 - result) * result
    Op("sigmoid", 1, "sigmoid", sigmoid, lambda g, a, o: (g * (1.0 - o) * o,), doc="1 / (1 + e^-a)",
       deriv_text=("out*(1 - out)",)),
    # threshold_backward: where(result <= 0, 0, grad), which selects (a nan result passes grad)
    Op("relu", 1, "relu", relu, lambda g, a, o: (0.0 if o <= 0 else g,), doc="max(0, a)", kinks=(0.0,),
       deriv_text=("1 if out > 0 else 0",)),
    # as torch's chain of adds a + b + c + ...: grad to every input
    Op("sum", None, "+", total, lambda g, *xs: (g,) * (len(xs) - 1), "nary", doc="a + b + c + ...",
       deriv_text=("1",)),
]

BY_NAME = {op.name: op for op in OPS}
FUNCTIONS = {op.name: op for op in OPS if op.kind in ("function", "nary")}
