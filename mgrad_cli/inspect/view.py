"""What a learner sees of a computation graph: the engine's nodes as the lecture draws them.

The table of `mgrad graph`, the steps of `mgrad backprop`, the drawing and the HTML
page all read one GraphView, so a node has the same name everywhere:

- the nodes in the order the expression reads (`a*b + c`: a, b, a*b, c, the sum): a
  depth-first walk from the output taking each node's inputs left to right, so every
  node comes after its inputs (a topological order, the same on every run); each with
  an id by position
  (n0, n1, ...) and a name: its label, else `t` and its position (`t3`) for an op's
  result, else its value for a constant (`2`, `0.5`);
- a literal exponent folded into its op, as the lecture draws `**2`: the engine's pow
  is binary (`x**2` has a leaf for the 2, whose d/db is nan for a negative x), so the
  view shows `t3**2` with one input and no node for the 2. Only the view changes;
  the engine's graph and gradients are untouched. An exponent with a name stays a leaf.

Works for Values and Tensors alike: it reads only the nodes' data, grad, label and op.
"""

import math
from dataclasses import dataclass

import numpy as np

from ..numbers import literal_text

INPUT, CONSTANT, OP = "input", "constant", "op"


@dataclass(frozen=True)
class Node:
    """One displayed node. `inputs` are positions in GraphView.nodes, in the op's order
    (a*a lists the same position twice); `engine_inputs` are the positions among
    value.children that those inputs are (a folded exponent is left out)."""

    position: int
    name: str
    kind: str  # INPUT (a leaf with a label), CONSTANT (a leaf without) or OP
    op_label: str  # '*', '**2', 'tanh', 'Σ axis=1'; '' for a leaf
    inputs: tuple
    engine_inputs: tuple
    value: object  # the engine's node: a Value or a Tensor

    @property
    def id(self):
        return f"n{self.position}"

    @property
    def op(self):
        """The op table's entry (ops.Op) that made this node, None for a leaf."""
        return op_of(self.value)

    @property
    def data(self):
        return self.value.data

    @property
    def grad(self):
        return self.value.grad


class GraphView:
    """The displayed nodes of `root`'s graph in reading order, children before parents, root last."""

    def __init__(self, root, simplify=False):
        through = _pass_through(root) if simplify else {}
        top = through.get(root, root)
        folded = {}
        order = _reading_order(top, folded, through)
        relabel = {top: root.label} if top is not root and root.label and not top.label else {}
        names = _names(order, folded, relabel)
        position = {v: i for i, v in enumerate(order)}
        self.nodes = []
        for i, v in enumerate(order):
            kept = _kept_inputs(v, folded.get(v))
            inputs = tuple(position[_drawn(v.children[k], through)] for k in kept)
            self.nodes.append(Node(i, names[v], _kind(v), op_label(v, folded.get(v)), inputs, kept, v))
        self.root = self.nodes[-1]
        self._by_value = {n.value: n for n in self.nodes}
        self._by_value.update({v: self._by_value[d] for v, d in through.items() if d in self._by_value})

    def __len__(self):
        return len(self.nodes)

    def __iter__(self):
        return iter(self.nodes)

    def node_of(self, value):
        """The displayed node of an engine node: for one drawn as its input (simplify), that
        input's (KeyError for a folded exponent)."""
        return self._by_value[value]

    def input_names(self, node):
        return [self.nodes[i].name for i in node.inputs]

    def formula(self, node, text=None):
        """How the node is computed, in names: 'e + c', 't3**2', 'tanh(n)', 'a + b + c';
        for a leaf, its kind ('input' or 'constant'). text(input node) -> what to write
        for each input instead of its name (the forward pass writes the numbers)."""
        if node.kind != OP:
            return node.kind
        op = node.op
        words = [text(self.nodes[i]) if text else self.nodes[i].name for i in node.inputs]
        if op.kind not in ("infix", "prefix") and not (op.kind == "nary" and op.symbol == "+"):
            return f"{node.op_label}({', '.join(words)})"  # a function call: its arguments need no brackets
        args = [atom(w) for w in words]
        if op.kind == "infix" and len(args) == 2:
            return f"{args[0]} {node.op_label} {args[1]}"
        if op.kind == "infix":  # a folded pow: the exponent is in the label
            return f"{args[0]}{node.op_label}"
        if op.kind == "prefix":
            return f"{node.op_label}{args[0]}"
        return " + ".join(args)  # an n-ary sum

    def statement(self, node):
        """'d = e + c' for an op; the name alone for a leaf."""
        return node.name if node.kind != OP else f"{node.name} = {self.formula(node)}"

    def op_count(self):
        return sum(1 for n in self.nodes if n.kind == OP)


def op_of(value):
    """The op table entry that made an engine node, or None for a leaf."""
    return value.op


def fold_exponent(value):
    """The number of a literal exponent (`x**2`: 2.0), or None: the op is pow and its
    exponent is a leaf with no label holding a single number."""
    op = op_of(value)
    if op is None or op.name != "pow":
        return None
    exponent = value.children[1]
    if op_of(exponent) is not None or exponent.label or np.size(exponent.data) != 1:
        return None
    return float(np.reshape(exponent.data, ()))


def op_label(value, exponent=None):
    """The op as drawn: its symbol, '**2' for a folded exponent, and a reduction's settings
    that differ from the defaults (the tensor engine's sum(axis=1) draws `Σ axis=1`)."""
    op = op_of(value)
    if op is None:
        return ""
    if exponent is not None:
        return op.symbol + literal_text(exponent)
    settings = _ATTR_NAMES.get(op.kind, ())
    shown = [f"{name}={v}" for (name, default), v in zip(settings, value.attrs) if v != default]
    return " ".join([op.symbol] + shown)


# the settings of the tensor engine's reductions (tensor.REDUCE, tensor.AXIS), with their defaults
_ATTR_NAMES = {"reduce": (("axis", None), ("keepdims", False)), "axis": (("axis", -1),)}


def has_nan(x):
    """True when a node's data or grad holds a nan (None, a gradient never made, has none)."""
    return x is not None and bool(np.isnan(x).any())


def _kept_inputs(value, exponent):
    n = len(value.children) if op_of(value) is not None else 0
    return tuple(range(1 if exponent is not None else n))


def draw_graph(root):
    """The view that every drawing of an engine node shows (dot.py's DOT and SVG, page.py's
    HTML page): GraphView(root, simplify=True). The engine's graph and gradients are
    untouched; `mgrad graph` draws the view of its table, the expression as typed."""
    return GraphView(root, simplify=True)


def identity_input(value):
    """Which input an op node passes on unchanged, or None: the term of a sum of one
    term, or the other factor of a product by the literal 1 (a leaf with no label
    holding one number, 1, where the product has the other factor's shape)."""
    op, kids = op_of(value), value.children
    if op is not None and op.kind == "nary" and len(kids) == 1:
        return 0
    if op is None or op.name != "mul" or len(kids) != 2:
        return None
    for k in (1, 0):
        one, other = kids[k], kids[1 - k]
        if (op_of(one) is None and not one.label and np.size(one.data) == 1 and np.reshape(one.data, ()) == 1
                and np.shape(other.data) == np.shape(value.data)):
            return 1 - k
    return None


def _pass_through(root):
    """{op node: the node drawn in its place}, for the nodes that pass an input on
    unchanged (identity_input; a chain of them is followed down). The output drawn as
    its input keeps its label: in root's graph nothing else uses that input, so its
    data and grad are the output's."""
    through = {}
    for v in root.topo():  # children first: a child's entry is known before its users'
        k = identity_input(v)
        if k is not None:
            through[v] = _drawn(v.children[k], through)
    return through


def _drawn(value, through):
    return through.get(value, value)


def _reading_order(root, folded, through):
    """The engine nodes reached from root through displayed inputs (a folded exponent
    is shown only if something else uses it too; a node in `through` is replaced by
    the one drawn in its place), each after its inputs, the inputs taken left to
    right: the order the expression reads. Iterative (no recursion limit). Fills
    folded: {op node: its folded exponent or None}."""
    order, seen = [], {root}
    stack = [(root, 0)]
    while stack:
        v, k = stack.pop()
        if op_of(v) is not None and v not in folded:
            folded[v] = fold_exponent(v)
        kept = _kept_inputs(v, folded.get(v))
        while k < len(kept) and _drawn(v.children[kept[k]], through) in seen:
            k += 1
        if k == len(kept):
            order.append(v)  # every input is placed: the node goes after them
            continue
        child = _drawn(v.children[kept[k]], through)
        seen.add(child)
        stack += [(v, k + 1), (child, 0)]
    return order


def _kind(value):
    if op_of(value) is not None:
        return OP
    return INPUT if value.label else CONSTANT


def _names(order, folded, relabel):
    """Labels as given (or as relabel gives them: the output's, for the node drawn in its
    place); t{position} for an unlabelled op result (primed until it clashes with no
    label); the value for an unlabelled constant."""
    label = {v: relabel.get(v, v.label) for v in order}
    labels = {x for x in label.values() if x}
    names = {}
    for i, v in enumerate(order):
        if label[v]:
            names[v] = label[v]
        elif op_of(v) is None:
            names[v] = literal_text(np.reshape(v.data, ())) if np.size(v.data) == 1 else "const"
        else:
            name = f"t{i}"
            while name in labels:
                name += "'"
            names[v] = name
    return names


def atom(name):
    """A name inside a formula: parenthesized when it is not one token (a negative
    constant, a label with spaces)."""
    if name.replace(".", "").replace("_", "").replace("'", "").isalnum() or _is_number(name):
        return name if not name.startswith("-") else f"({name})"
    return f"({name})"


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True
