"""The scalar autograd engine: a Value per number, backpropagation over the DAG.

Every Value remembers the op that made it (an entry of ops.OPS) and its children,
in order. backward() walks the graph from the output in reverse topological order
and adds (+=) each node's gradient, times the op's local derivative, into its
children, so a node used several times collects every contribution.

The operators and methods (+, *, **, exp(), tanh(), ...) are made from the op
table at the bottom of this file: one entry there gives Value a new op.
"""

from operator import attrgetter

from .ops import BY_NAME, OPS


class Value:
    """Stores a single scalar value and its gradient."""

    __slots__ = ("data", "grad", "_prev", "_height", "label")
    _op = None  # the ops.Op that produced this value: None for a leaf (see _node_class)

    def __init__(self, data, label="", _prev=(), _height=0):
        self.data = data if type(data) is float else float(data)
        self.grad = 0.0
        self._prev = _prev  # the children, in order (a tuple: drawings are deterministic)
        self._height = _height  # 1 + the highest child's: a child always sits below its users
        self.label = label

    @property
    def op(self):
        """The name of the op that produced this value ('' for a leaf)."""
        return self._op.name if self._op is not None else ""

    @property
    def children(self):
        return self._prev

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    def topo(self):
        """Every node this value depends on, itself last: children before parents.

        Walk the graph once (iteratively: no recursion limit), then sort by height;
        a node is always higher than each of its children, and the stable sort keeps
        the walk's order among equals, so the order is the same on every run.
        """
        nodes, seen = [self], {self}
        for v in nodes:  # breadth-first: the list grows while we walk it
            for child in v._prev:
                if child not in seen:
                    seen.add(child)
                    nodes.append(child)
        nodes.sort(key=_height)
        return nodes

    def backward(self):
        """Fill in d(self)/d(node) for every node below self, by the chain rule.

        From the top down, each node passes its gradient to its children:
        child.grad += (local derivative) * node.grad. Leaves accumulate across calls
        (as in PyTorch); inner nodes hold this call's gradient only.
        """
        order = self.topo()
        for v in order:
            if v._prev:
                v.grad = 0.0
        self.grad += 1.0
        for v in reversed(order):
            kids = v._prev
            if kids:
                g = v.grad
                local = v._op.deriv(*[k.data for k in kids], v.data)
                for k, d in zip(kids, local):
                    if d:  # a zero local derivative passes nothing on, even when g is inf or
                        k.grad += d * g  # nan: as torch's relu and pow, which select 0 there


_height = attrgetter("_height")


def apply(op, *args):
    """Apply an op of the table to Values (or plain numbers) and return the new Value."""
    if op.arity is not None and len(args) != op.arity:
        raise TypeError(f"{op.name} takes {op.arity} argument(s), got {len(args)}")
    if not args:  # an empty sum
        return Value(0.0)
    args = tuple([a if isinstance(a, Value) else Value(a) for a in args])
    return _NODE[op](op.forward(*[a.data for a in args]), "", args, max([a._height for a in args]) + 1)


def vsum(terms):
    """One n-ary sum node: terms[0] + terms[1] + ..., added left to right."""
    return apply(_SUM, *terms)


# --- operators and methods, one per op of the table -------------------------------

def _node_class(op):
    # The results of an op are instances of a subclass of Value whose class attribute
    # _op names the op: the node knows its op without spending a slot on it.
    return type("Value", (Value,), {"__slots__": (), "_op": op, "__module__": __name__})


class _NodeClasses(dict):
    def __missing__(self, op):  # an op added to the table at run time gets its class on first use
        cls = self[op] = _node_class(op)
        return cls


_NODE = _NodeClasses()


def _unary(op):
    f, node = op.forward, _NODE[op]

    def method(self):
        return node(f(self.data), "", (self,), self._height + 1)

    method.__name__, method.__doc__ = op.name, op.doc
    return method


def _binary(op, reflected=False):
    f, node = op.forward, _NODE[op]

    def method(self, other):
        if not isinstance(other, Value):
            if not isinstance(other, (int, float)):
                return NotImplemented
            other = Value(other)
        a, b = (other, self) if reflected else (self, other)
        h = a._height if a._height > b._height else b._height
        return node(f(a.data, b.data), "", (a, b), h + 1)

    method.__name__, method.__doc__ = op.name, op.doc
    return method


for _op in OPS:
    if _op.arity == 1:
        if _op.kind == "function":
            setattr(Value, _op.name, _unary(_op))
        if _op.dunder:
            setattr(Value, f"__{_op.dunder}__", _unary(_op))
    elif _op.arity == 2:
        setattr(Value, f"__{_op.dunder}__", _binary(_op))
        setattr(Value, f"__r{_op.dunder}__", _binary(_op, reflected=True))

_SUM = BY_NAME["sum"]
