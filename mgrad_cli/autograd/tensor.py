"""The tensor engine: the same autograd as value.py, with a numpy array in every node.

A Tensor holds a float64 numpy array and its gradient, an array of the same shape.
Every op is defined once, in the table TENSOR_OPS below: its forward function and,
for each input, the rule that turns the output's gradient g into that input's
gradient: torch's backward formula for the op, as in the scalar table (ops.OPS).
Tensor's operators and methods are made from the table, as Value's are from ops.OPS.

The graph (op, children, attrs, topo()) is node.Node's, as for Value, and
backward() is Value.backward() again: sort the graph topologically (iteratively),
then from the output down add each node's contribution into its children's .grad.
The one new idea is broadcasting: when numpy stretched an input to the output's
shape, the input's gradient is summed back to the input's own shape (unbroadcast).

Numbers follow IEEE float64 as PyTorch does and never raise or warn (numpy's warnings
are silenced). The gradient rules are torch's formulas, with the same operations as
the scalar engine's, so both engines make torch's choice at every edge: where torch
selects 0 (relu, pow's base) an inf or nan gradient gives 0, where it multiplies by a
local derivative of 0 it gives nan (tests/autograd/test_edges.py runs both on one grid).
"""

import numpy as np

from .node import Node, NodeClasses, binary_method, check_arity, install, node_class, unary_method
from .ops import Op
from .opkit import helpers


# --- forward functions and gradient rules that need more than one line -------------

# the formulas the scalar engine shares (opkit.py), over numpy's functions (np.sign would
# give nan at nan, where torch's sgn gives 0)
relu, sigmoid, sign = helpers(np.exp, np.maximum, np.where)


def softplus(a):
    # log(1 + e^a) as torch.logaddexp(a, 0) computes it: max(a, 0) + log1p(e^-|a|), exact
    # for every a (F.softplus returns a itself past a = 20, and log(1 + e^a) loses all
    # digits below a = -37)
    return np.maximum(a, 0.0) + np.log1p(np.exp(-np.abs(a)))


def _matrices(g, a, b):
    # matmul with a 1-D operand, as numpy and torch do it: a vector on the left is a row,
    # on the right a column, and the output lacks that axis; put it back into g
    if b.ndim == 1:
        b, g = b[:, None], np.expand_dims(g, -1)
    if a.ndim == 1:
        a, g = a[None, :], np.expand_dims(g, -2)
    return g, a, b


def matmul_grad_a(g, a, b, o):
    # torch's mm backward: grad @ other^T (the batch axes are summed by unbroadcast)
    g2, a2, b2 = _matrices(g, a, b)
    d = g2 @ swap(b2)
    return d[..., 0, :] if a.ndim == 1 else d


def matmul_grad_b(g, a, b, o):
    # torch's mm backward: self^T @ grad
    g2, a2, b2 = _matrices(g, a, b)
    d = swap(a2) @ g2
    return d[..., :, 0] if b.ndim == 1 else d


def _shifted_exp(a, axis):
    # a shifted by its max along the axis (softmax and log_softmax do not change), so
    # that exp cannot overflow: (the shifted a, its exp, their sum along the axis)
    s = a - a.max(axis, keepdims=True)
    e = np.exp(s)
    return s, e, e.sum(axis, keepdims=True)


def log_softmax(a, axis):
    # a - log(sum(exp(a)))
    s, _, total = _shifted_exp(a, axis)
    return s - np.log(total)


def softmax(a, axis):
    # exp(a) / sum(exp(a)): the probabilities a classifier's scores give (not an op: no gradient needed)
    _, e, total = _shifted_exp(a, axis)
    return e / total


def expand(g, a, axis, keepdims):
    # a reduction's gradient: the reduced axes come back (size 1), then stretch to a's shape
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.full(a.shape, g) if np.ndim(g) == 0 else g + np.zeros(a.shape)


def swap(m):
    return m.swapaxes(-1, -2)  # the matrix transpose, batch axes untouched


def unbroadcast(d, shape):
    """Sum d over the axes numpy stretched when it broadcast an input of `shape`."""
    lead = d.ndim - len(shape)  # axes numpy added in front
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and d.shape[lead + i] != 1)
    if not axes:
        return d.reshape(shape)
    if axes == tuple(range(len(axes))) and d.ndim > len(axes):
        # the leading axes only (a bias added to every row): ones @ rows is the same sum,
        # and BLAS does it an order of magnitude faster than d.sum(0)
        rows = d.reshape(-1, int(np.prod(d.shape[len(axes):])))
        return (np.ones(rows.shape[0]) @ rows).reshape(shape)
    return d.sum(axes, keepdims=True).reshape(shape)


# --- the table ------------------------------------------------------------------------
# Op is the scalar table's record; here `deriv` holds one gradient rule per input:
# rule(g, *inputs, output, *attrs) -> d(loss)/d(input), given g = d(loss)/d(output).
# kind 'reduce' ops take (axis=None, keepdims=False); 'axis' ops take (axis=-1);
# an 'nary' op takes any number of inputs, and its one rule is rule(g, input, output).

TENSOR_OPS = [
    # name arity symbol forward   gradient rule for each input: torch's formula, as in ops.OPS
    # add: grad, grad
    Op("add", 2, "+", np.add, (lambda g, a, b, o: g, lambda g, a, b, o: g), "infix", "add", "a + b"),
    # sub: grad, -grad
    Op("sub", 2, "-", np.subtract, (lambda g, a, b, o: g, lambda g, a, b, o: -g), "infix", "sub", "a - b"),
    # mul: grad * other, grad * self
    Op("mul", 2, "*", np.multiply, (lambda g, a, b, o: g * b, lambda g, a, b, o: g * a), "infix", "mul", "a * b"),
    # div: grad / other, -grad * ((self / other) / other), and result is self / other
    Op("div", 2, "/", np.divide,
       (lambda g, a, b, o: g / b, lambda g, a, b, o: -g * (o / b)), "infix", "truediv", "a / b"),
    # pow: where(b == 0, 0, grad * (b * a**(b - 1))), which selects;
    #      grad * where((a == 0) & (b >= 0), 0, result * log(a)), which multiplies (ops.pow_grads)
    Op("pow", 2, "**", np.power,
       (lambda g, a, b, o: np.where(b == 0, 0.0, g * (b * np.power(a, b - 1.0))),
        lambda g, a, b, o: g * np.where((a == 0) & (b >= 0), 0.0, o * np.log(a))), "infix", "pow", "a ** b"),
    # matmul (mm, mv, dot): grad @ other^T, self^T @ grad
    Op("matmul", 2, "@", np.matmul, (matmul_grad_a, matmul_grad_b), "infix", "matmul", "matrix product a @ b"),
    # neg: -grad
    Op("neg", 1, "-", np.negative, (lambda g, a, o: -g,), "prefix", "neg", "-a"),
    # abs: grad * self.sgn()
    Op("abs", 1, "abs", np.abs, (lambda g, a, o: g * sign(a),), "function", "abs", "|a|", kinks=(0.0,)),
    # exp: grad * result
    Op("exp", 1, "exp", np.exp, (lambda g, a, o: g * o,), doc="e^a"),
    # log: grad / self
    Op("log", 1, "log", np.log, (lambda g, a, o: g / a,), doc="natural logarithm"),
    # tanh_backward: grad * (1 - result * result)
    Op("tanh", 1, "tanh", np.tanh, (lambda g, a, o: g * (1.0 - o * o),), doc="hyperbolic tangent"),
    # sigmoid_backward: grad * (1 - result) * result
    Op("sigmoid", 1, "sigmoid", sigmoid, (lambda g, a, o: g * (1.0 - o) * o,), doc="1 / (1 + e^-a)"),
    # threshold_backward: where(result <= 0, 0, grad), which selects (a nan result passes grad)
    Op("relu", 1, "relu", relu, (lambda g, a, o: np.where(o <= 0, 0.0, g),), doc="max(0, a)", kinks=(0.0,)),
    # logaddexp(a, 0): grad / (1 + exp(0 - a))
    Op("softplus", 1, "softplus", softplus, (lambda g, a, o: g / (1.0 + np.exp(-a)),), doc="log(1 + e^a)"),
    # sum: grad expanded to the input's shape
    Op("sum", 1, "Σ", lambda a, axis, keepdims: a.sum(axis, keepdims=keepdims),
       (lambda g, a, o, axis, keepdims: expand(g, a, axis, keepdims),), "reduce", doc="sum along axis (all if None)"),
    # mean: grad expanded, divided by the number of inputs per output
    Op("mean", 1, "mean", lambda a, axis, keepdims: a.mean(axis, keepdims=keepdims),
       (lambda g, a, o, axis, keepdims: expand(g / (a.size / o.size), a, axis, keepdims),), "reduce",
       doc="mean along axis (all if None)"),
    # _log_softmax_backward_data: grad - exp(result) * grad.sum(dim, keepdim=True)
    Op("log_softmax", 1, "log_softmax", log_softmax,
       (lambda g, a, o, axis: g - np.exp(o) * g.sum(axis, keepdims=True),), "axis",
       doc="a - log(sum(exp(a))) along axis"),
    # (x * x).sum() for each input, added: grad * x + grad * x
    Op("sumsq", None, "Σx²", lambda *xs: sum([np.vdot(x, x) for x in xs]),
       (lambda g, x, o: 2.0 * g * x,), "nary", doc="sum of the squares of every number of every input"),
]

BY_NAME = {op.name: op for op in TENSOR_OPS}


class Tensor(Node):
    """Stores a float64 numpy array and its gradient.

    A leaf made with requires_grad=False (inputs, targets, and the numbers an op
    wraps, as in `1 - t`) gets no gradient: backward() skips the work for it.
    """

    __slots__ = ("data", "grad", "requires_grad", "_prev", "_attrs", "_height", "label")
    __array_ufunc__ = None  # `ndarray + Tensor` calls Tensor.__radd__ instead of looping over us

    def __init__(self, data, label="", requires_grad=True):
        self.data = np.array(data, dtype=np.float64)  # a copy: the tensor owns its numbers
        self.requires_grad = requires_grad
        self.grad = np.zeros_like(self.data) if requires_grad else None
        self._prev = ()
        self._attrs = ()
        self._height = 0
        self.label = label

    @property
    def shape(self):
        return np.shape(self.data)

    def item(self):
        return float(self.data)

    def __repr__(self):
        return f"Tensor(data={self.data!r}, grad={self.grad!r})"

    def backward(self):
        """Fill in d(sum of self)/d(node) for every node below self, by the chain rule.

        From the top down each node hands its gradient g to its children:
        child.grad += rule(g, ...), summed back to the child's shape. Leaves accumulate
        across calls (as in PyTorch); inner nodes hold this call's gradient only.
        Gradients are never changed in place, so two nodes may share one array.
        """
        order = self.topo()
        for v in order:
            if v._prev:
                v.grad = None
        seed = np.ones_like(self.data)
        self.grad = self.grad + seed if self.grad is not None else seed
        with np.errstate(all="ignore"):
            for v in reversed(order):
                kids = v._prev
                if not kids or v.grad is None:  # a leaf, or nothing flows through here
                    continue
                g, out, attrs, rules = v.grad, v.data, v._attrs, v._op.deriv
                inputs = [k.data for k in kids]
                for i, k in enumerate(kids):
                    if k.requires_grad:
                        if v._op.arity is None:  # an n-ary op: one rule for every input
                            d = rules[0](g, inputs[i], out)
                        else:
                            d = rules[i](g, *inputs, out, *attrs)
                        if d.shape != k.data.shape:
                            d = unbroadcast(d, k.data.shape)
                        k.grad = d if k.grad is None else k.grad + d


def constant(x):
    """x as a Tensor that needs no gradient (a Tensor is returned as it is)."""
    return x if isinstance(x, Tensor) else Tensor(x, requires_grad=False)


def apply(op, *args, attrs=()):
    """Apply an op of the table to Tensors (or arrays and numbers) and return the new Tensor."""
    check_arity(op, args)
    if not args:
        raise TypeError(f"{op.name} needs at least one argument")
    args = tuple([constant(a) for a in args])
    with np.errstate(all="ignore"):
        data = op.forward(*[a.data for a in args], *attrs)
    return _node(_NODE[op], data, args, attrs, any([a.requires_grad for a in args]),
                 max([a._height for a in args]) + 1)


def sumsq(tensors):
    """One node: the sum of the squares of every number in every tensor (an L2 penalty)."""
    return apply(BY_NAME["sumsq"], *tensors)


def _node(cls, data, prev, attrs, requires_grad, height):
    out = cls.__new__(cls)  # skips Tensor.__init__, which is for leaves
    out.data, out.grad, out.requires_grad = data, None, requires_grad
    out._prev, out._attrs, out._height, out.label = prev, attrs, height, ""
    return out


# --- operators and methods, one per op of the table -------------------------------

_NODE = NodeClasses(lambda op: node_class(Tensor, op))
_OPERAND = (int, float, np.ndarray, np.number)  # what an operator turns into a constant


def _quiet(f):
    # numpy's warnings off: an overflow is inf, 0/0 nan, as in torch, silently
    def forward(*args):
        with np.errstate(all="ignore"):
            return f(*args)
    return forward


def _maker(op):
    # the class of op's results called as node(data, label, a, b, height), as a Value's is
    cls = _NODE[op]

    def make(data, label, a, b, height):
        if b is None:
            return _node(cls, data, (a,), (), a.requires_grad, height)
        return _node(cls, data, (a, b), (), a.requires_grad or b.requires_grad, height)
    return make


def _unary(op):
    return unary_method(op, _maker(op), _quiet(op.forward))


def _binary(op, reflected=False):
    return binary_method(op, _maker(op), Tensor, _OPERAND, constant, reflected, _quiet(op.forward))


def _with_attrs(op):
    # sum(axis=None, keepdims=False), mean(...), log_softmax(axis=-1): the settings are
    # kept on the node (node.attrs) and handed to the forward and gradient rules
    f, node, defaults = op.forward, _NODE[op], REDUCE if op.kind == "reduce" else AXIS

    def method(self, *args, **kwargs):
        attrs = _settings(op, defaults, args, kwargs)
        with np.errstate(all="ignore"):
            data = f(self.data, *attrs)
        return _node(node, data, (self,), attrs, self.requires_grad, self._height + 1)

    method.__name__, method.__doc__ = op.name, op.doc
    return method


REDUCE = {"axis": None, "keepdims": False}
AXIS = {"axis": -1}


def _settings(op, defaults, args, kwargs):
    if len(args) > len(defaults) or set(kwargs) - set(defaults):
        raise TypeError(f"{op.name}() takes {', '.join(defaults)}")
    values = dict(zip(defaults, args), **kwargs)
    attrs = tuple([values.get(k, v) for k, v in defaults.items()])
    if isinstance(attrs[0], list):
        attrs = (tuple(attrs[0]),) + attrs[1:]  # axis=[0, 1] works as numpy's axis=(0, 1)
    return attrs


install(Tensor, TENSOR_OPS, _unary, _binary, _with_attrs)
