"""The scalar autograd engine: a Value per number, backpropagation over the DAG.

Every Value remembers the op that made it (an entry of ops.OPS) and its children,
in order. backward() walks the graph from the output in reverse topological order
and adds (+=) each node's gradient, times the op's local derivative, into its
children, so a node used several times collects every contribution.

The operators and methods (+, *, **, exp(), tanh(), ...) are made from the op
table in ops.py: one entry there gives Value a new op. The graph itself (op,
children, topo()) is node.Node's, shared with the tensor engine.
"""

from operator import attrgetter

from .node import Node, NodeClasses, binary_method, check_arity, install, node_class, unary_method
from .ops import BY_NAME, OPS


class Value(Node):
    """Stores a single scalar value and its gradient."""

    __slots__ = ("data", "grad", "_a", "_b", "_height", "label")

    def __init__(self, data, label="", _a=None, _b=None, _height=0):
        self.data = data if type(data) is float else float(data)
        self.grad = 0.0
        # The operands: a unary op's in _a, a binary op's in _a and _b, an n-ary op's as
        # a tuple in _a. Two slots instead of a tuple per node: a third less memory.
        self._a, self._b = _a, _b
        self._height = _height  # 1 + the highest child's: a child always sits below its users
        self.label = label

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    def backward(self):
        """Fill in d(self)/d(node) for every node below self, by the chain rule.

        From the top down, each node passes its gradient to its children:
        child.grad += rule(node.grad, ...), the op's gradient rule in ops.OPS (the
        local derivative times node.grad, in torch's formula). Leaves
        accumulate across calls (as in PyTorch); inner nodes hold this call's
        gradient only.
        """
        order = self.topo()
        for v in order:
            if v._op is not None:
                v.grad = 0.0
        self.grad += 1.0
        for v in reversed(order):
            v._backward()

    def _backward(self):
        pass  # a leaf has no children to pass its gradient to


def apply(op, *args):
    """Apply an op of the table to Values (or plain numbers) and return the new Value."""
    check_arity(op, args)
    if not args:  # an empty sum
        return Value(0.0)
    args = tuple([a if isinstance(a, Value) else Value(a) for a in args])
    data = op.forward(*[a.data for a in args])
    height = max([a._height for a in args]) + 1
    if op.arity is None:
        return _NODE[op](data, "", args, None, height)
    return _NODE[op](data, "", *args, _height=height)


def vsum(terms):
    """One n-ary sum node: terms[0] + terms[1] + ..., added left to right."""
    return apply(_SUM, *terms)


# --- one node class per op; operators and methods, one per op of the table ----------

def _node_class(op):
    """The class of the op's results: a subclass of Value whose class attributes say
    which op made the node, where its children are, and how it passes its gradient to
    them. Shared by all the op's nodes: no slot, no closure per node (micrograd has one).
    The rule is read from the op at each call, so a changed table entry takes effect."""
    if op.arity == 1:
        def _backward(self):
            a = self._a
            (ga,) = op.deriv(self.grad, a.data, self.data)
            if ga:  # a share of exactly 0 changes no sum: a dead relu's input keeps its shared 0.0
                a.grad += ga

        children = property(lambda self: (self._a,))
    elif op.arity == 2:
        def _backward(self):
            a, b = self._a, self._b
            ga, gb = op.deriv(self.grad, a.data, b.data, self.data)
            if ga:
                a.grad += ga
            if gb:
                b.grad += gb

        children = property(lambda self: (self._a, self._b))
    else:
        def _backward(self):
            kids = self._a
            for k, gk in zip(kids, op.deriv(self.grad, *[k.data for k in kids], self.data)):
                if gk:
                    k.grad += gk

        children = property(attrgetter("_a"))
    return node_class(Value, op, _prev=children, _backward=_backward)


_NODE = NodeClasses(_node_class)


def _unary(op):
    return unary_method(op, _NODE[op])


def _binary(op, reflected=False):
    return binary_method(op, _NODE[op], Value, (int, float), Value, reflected)


install(Value, OPS, _unary, _binary)
_SUM = BY_NAME["sum"]
