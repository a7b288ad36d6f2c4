"""What the two engines share: a node of a computation graph, and its classes, operators
and methods made from an op table.

A node (engine.Value holds a number, tensor.Tensor a numpy array) knows the op that
made it (`op`: an entry of the engine's table, None for a leaf) and its operands
(`children`, in order), and how high it sits (`_height`: 1 + its highest child's).
Each op's results are instances of one subclass made from the table: the class
attribute `_op` names the op, so no node spends a slot or a closure on it. The
operators and methods (+, *, exp(), sum(axis), ...) are made from the table too.
"""

from operator import attrgetter

_height = attrgetter("_height")


class Node:
    """A value in a computation graph: its op, its children and their order."""

    __slots__ = ()
    _op = None  # the op that produced this node: a class attribute of its op's subclass
    _prev = ()  # the children, in order: a leaf has none
    _attrs = ()  # the op's settings (axis, keepdims): the tensor engine's reductions have some

    @property
    def op(self):
        """The entry of the op table that produced this node (None for a leaf)."""
        return self._op

    @property
    def children(self):
        """The operands, in order: a*a has the same child twice."""
        return self._prev

    @property
    def attrs(self):
        """The op's settings, e.g. (axis, keepdims) for a sum: () for most ops."""
        return self._attrs

    def topo(self):
        """Every node this one depends on, itself last: children before parents.

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


def node_class(base, op, **attrs):
    """The class of op's results: a subclass of base, with no slot of its own, whose
    class attribute _op is the op (and any other class attributes given)."""
    return type(base.__name__, (base,), {"__slots__": (), "_op": op, "__module__": base.__module__, **attrs})


class NodeClasses(dict):
    """op -> the class of its results, made by make(op) on first use, so an op added
    to a table at run time works at once."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, op):
        cls = self[op] = self.make(op)
        return cls


def check_arity(op, args):
    if op.arity is not None and len(args) != op.arity:
        raise TypeError(f"{op.name} takes {op.arity} argument(s), got {len(args)}")


def unary_method(op, node, forward=None):
    """The method of a one-input op (-a, a.exp()): node(forward(a.data), "", a, None,
    height), node being the class of op's results (or a function called as one) and
    forward the op's own unless given (the tensor engine's runs with numpy's warnings off)."""
    f = forward or op.forward

    def method(self):
        return node(f(self.data), "", self, None, self._height + 1)

    method.__name__, method.__doc__ = op.name, op.doc
    return method


def binary_method(op, node, base, operands, constant, reflected=False, forward=None):
    """The method of a two-input op (a + b, and reflected, 2 + b): the other operand is a
    node (an instance of base), or one of `operands` (numbers) made a node by constant();
    anything else is NotImplemented, so Python tries the other side."""
    f = forward or op.forward

    def method(self, other):
        if not isinstance(other, base):
            if not isinstance(other, operands):
                return NotImplemented
            other = constant(other)
        a, b = (other, self) if reflected else (self, other)
        h = a._height if a._height > b._height else b._height
        return node(f(a.data, b.data), "", a, b, h + 1)

    method.__name__, method.__doc__ = op.name, op.doc
    return method


def install(cls, ops, unary, binary, with_settings=None):
    """Give cls an operator or method per op of the table, made by the engine's
    unary(op), binary(op, reflected) and with_settings(op) (reductions).

    kind 'infix' gives __op__ and __rop__ (a + b and 2 + b), 'function' a method,
    'prefix' only its operator (-a), 'reduce' and 'axis' a method with settings;
    an 'nary' op is reached through the engine's apply() only.
    """
    for op in ops:
        if op.kind == "infix":
            setattr(cls, f"__{op.dunder}__", binary(op))
            setattr(cls, f"__r{op.dunder}__", binary(op, reflected=True))
        elif op.kind in ("reduce", "axis"):
            setattr(cls, op.name, with_settings(op))
        elif op.kind != "nary":
            if op.kind == "function":
                setattr(cls, op.name, unary(op))
            if op.dunder:
                setattr(cls, f"__{op.dunder}__", unary(op))
