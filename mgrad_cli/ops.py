"""The op table: every scalar op is defined here once, and only here.

Each entry gives the op's name, arity, display symbol, forward function and local
derivative, both computed and written out. The engine builds its operators and methods
from this table, and the expression parser, the graph renderer, `mgrad backprop`,
gradcheck and the op tests all read it, so adding an op is one entry in OPS below.

Numbers follow IEEE float64 as C (and so PyTorch float64) does and never raise:
Python raises on 1/0, math.exp(1000) or (-8) ** (1/3); the helpers below return
inf or nan there instead. Local derivatives use PyTorch's formulas, including its
choices at the edges: relu'(0) = 0, abs'(0) = 0, d(a**b)/da = 0 when b == 0, and
d(a**b)/db = 0 when a == 0 and b >= 0.
"""

import math
import operator

import numpy as np

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


def sigmoid(x):
    # 1 / (1 + e^-x), written so that neither branch can overflow
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = exp(x)
    return e / (1.0 + e)


def relu(x):
    return 0.0 if x <= 0 else x  # nan <= 0 is False, so nan passes through as in torch


def sign(x):
    return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)  # 0 at 0 and at nan, as torch


def pow_grads(a, b, out):
    # d/da = b * a^(b-1), d/db = a^b * ln(a); torch masks the points where these are 0 * inf
    da = 0.0 if b == 0 else b * power(a, b - 1)
    db = 0.0 if (a == 0 and b >= 0) else out * log(a)
    return (da, db)


def total(*xs):
    # a plain left fold, in order, so it matches x0 + x1 + x2 + ... exactly
    acc = xs[0]
    for x in xs[1:]:
        acc += x
    return acc


# --- the table ------------------------------------------------------------------

class Op:
    """One op: `forward(*inputs) -> output` and `deriv(*inputs, output) -> local derivatives`.

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
    #  name       arity symbol  forward                    local derivative(s), given inputs and output
    Op("add", 2, "+", operator.add, lambda a, b, o: (1.0, 1.0), "infix", "add", "a + b", deriv_text=("1", "1")),
    Op("sub", 2, "-", operator.sub, lambda a, b, o: (1.0, -1.0), "infix", "sub", "a - b", deriv_text=("1", "-1")),
    Op("mul", 2, "*", operator.mul, lambda a, b, o: (b, a), "infix", "mul", "a * b", deriv_text=("b", "a")),
    Op("div", 2, "/", div, lambda a, b, o: (div(1.0, b), -div(div(a, b), b)), "infix", "truediv", "a / b",
       deriv_text=("1/b", "-a/b**2")),
    Op("pow", 2, "**", power, pow_grads, "infix", "pow", "a ** b", deriv_text=("b*a**(b-1)", "out*log(a)")),
    Op("neg", 1, "-", operator.neg, lambda a, o: (-1.0,), "prefix", "neg", "-a", deriv_text=("-1",)),
    Op("abs", 1, "abs", abs, lambda a, o: (sign(a),), "function", "abs", "|a|", kinks=(0.0,),
       deriv_text=("sign(a)",)),
    Op("exp", 1, "exp", exp, lambda a, o: (o,), doc="e^a", deriv_text=("out",)),
    Op("log", 1, "log", log, lambda a, o: (div(1.0, a),), doc="natural logarithm", deriv_text=("1/a",)),
    Op("tanh", 1, "tanh", math.tanh, lambda a, o: (1.0 - o * o,), doc="hyperbolic tangent",
       deriv_text=("1 - out**2",)),
    Op("sigmoid", 1, "sigmoid", sigmoid, lambda a, o: (o * (1.0 - o),), doc="1 / (1 + e^-a)",
       deriv_text=("out*(1 - out)",)),
    Op("relu", 1, "relu", relu, lambda a, o: (0.0 if o <= 0 else 1.0,), doc="max(0, a)", kinks=(0.0,),
       deriv_text=("1 if out > 0 else 0",)),
    Op("sum", None, "+", total, lambda *xs: (1.0,) * (len(xs) - 1), "nary", doc="a + b + c + ...",
       deriv_text=("1",)),
]

BY_NAME = {op.name: op for op in OPS}
FUNCTIONS = {op.name: op for op in OPS if op.kind in ("function", "nary")}
