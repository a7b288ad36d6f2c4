"""Draw a Value's computation graph as in the lecture: Graphviz records and op nodes.

One record per value, `{ label | data 2.0000 | grad 6.0000 }`, and one small node per
op labelled with the op's symbol from the table; edges go child -> op -> value, left
to right by default. The tensor engine's graphs are drawn the same way: a Tensor's
record gives its shape and, for an array, the norm of its data and gradient
(`{ W1 | 64×32 | data ‖45.1‖ | grad ‖0.012‖ }`); a reduction's op node its axis. Node ids are positions in root.topo() (n0, n1, ...), never
id(), so the same graph gives byte-identical DOT on every run.
"""

import math
import shutil
import subprocess
from pathlib import Path

import graphviz

from .errors import GraphTooLarge, GraphvizMissing, MgradError, UserInputError
from .files import write_atomic

FORMATS = ("svg", "png", "pdf", "dot")
# the file suffixes write_graph draws to: one per format, and .gv, Graphviz's other name for .dot
SUFFIXES = tuple("." + f for f in FORMATS) + (".gv",)
DOT_TIMEOUT = 120  # seconds for the dot program: a graph that takes longer is not readable anyway
INSTALL_HINT = ("install Graphviz (apt-get install graphviz, brew install graphviz, "
                "or https://graphviz.org/download/)")

_RECORD_SPECIAL = str.maketrans({c: "\\" + c for c in '\\{}|<>"'})


def format_number(x):
    """4 decimals as in the lecture (2.0000, -0.7071); scientific when that would hide
    the value (1.0000e-08, 3.8742e+08); inf, -inf, nan and -0.0000 as themselves."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x != 0 and not 1e-4 <= abs(x) < 1e9:
        return f"{x:.4e}"
    return f"{x:.4f}"


def escape_record(text):
    """Make text safe inside a record label: {}|<> and quotes are its syntax."""
    text = "".join(" " if (ord(c) < 32 or ord(c) == 127) else c for c in str(text))
    return text.translate(_RECORD_SPECIAL)


def record_label(value, show_grad=True):
    if not hasattr(value.data, "shape"):  # a Value: its number and gradient
        parts = [escape_record(value.label), f"data {format_number(value.data)}"]
        if show_grad:
            parts.append(f"grad {format_number(value.grad)}")
        return "{ " + " | ".join(parts) + " }"
    # a Tensor: its shape, and its numbers summarized (a single number is shown as one)
    parts = [escape_record(value.label), shape_text(value.data.shape), f"data {summarize(value.data)}"]
    if show_grad:
        parts.append("no grad" if value.grad is None else f"grad {summarize(value.grad)}")
    return "{ " + " | ".join(parts) + " }"


def shape_text(shape):
    """(64, 32) -> '64×32'; a single number: 'scalar'."""
    return "×".join(str(n) for n in shape) if shape else "scalar"


def summarize(array):
    """An array's numbers in a few characters: the value of a single number, else the
    Euclidean norm between bars (‖x‖ = sqrt of the sum of squares)."""
    if array.size == 1:
        return format_number(float(array.reshape(())))
    return f"‖{format_number(math.sqrt(float((array * array).sum())))}‖"


def op_label(node):
    """The op's symbol, with a reduction's settings that differ from the defaults
    (sum(axis=1) draws `Σ axis=1`): the tensor engine keeps them in node.attrs."""
    text = node.op.symbol
    settings = _ATTR_NAMES.get(node.op.kind, ())
    shown = [f"{name}={value}" for (name, default), value in zip(settings, node.attrs) if value != default]
    return " ".join([text] + shown)


# the settings of the tensor engine's reductions (tensor.REDUCE, tensor.AXIS), with their defaults
_ATTR_NAMES = {"reduce": (("axis", None), ("keepdims", False)), "axis": (("axis", -1),)}


def to_dot(root, rankdir="LR", show_grad=True, nodes=None):
    """The graph of `root` as a graphviz.Digraph (its .source is the DOT text)."""
    rankdir = rankdir.upper()
    if rankdir not in ("LR", "TB"):
        raise UserInputError(f"rankdir must be LR or TB, not {rankdir!r}")
    nodes = root.topo() if nodes is None else nodes
    ids = {v: f"n{i}" for i, v in enumerate(nodes)}
    dot = graphviz.Digraph("mgrad", graph_attr={"rankdir": rankdir},
                           node_attr={"fontname": "Helvetica", "fontsize": "11"})
    for v in nodes:
        dot.node(ids[v], record_label(v, show_grad), shape="record")
        if v.op is not None:
            op_id = ids[v] + "_op"
            dot.node(op_id, escape_record(op_label(v)), shape="ellipse")
            dot.edge(op_id, ids[v])
            for child in v.children:  # one edge per operand, in order: a*a draws two
                dot.edge(ids[child], op_id)
    return dot


def write_graph(root, path, rankdir="LR", show_grad=True, max_nodes=None):
    """Draw `root`'s graph to `path` (.svg, .png, .pdf or .dot): -> number of value nodes.

    Raises GraphTooLarge past max_nodes values, and GraphvizMissing when svg/png/pdf is
    asked for without the `dot` program (having written the .dot beside `path`).
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt == "gv":
        fmt = "dot"
    if "." + fmt not in SUFFIXES:
        shown = path.suffix or "no suffix"
        raise UserInputError(f"cannot tell the format of {path} ({shown}): use .svg, .png, .pdf or .dot")
    nodes = root.topo()
    if max_nodes is not None and len(nodes) > max_nodes:
        raise GraphTooLarge(
            f"the graph has {len(nodes)} value nodes, more than the limit of {max_nodes} for drawing")
    source = to_dot(root, rankdir, show_grad, nodes).source
    if fmt == "dot":
        write_atomic(path, source.encode("utf-8"))
        return len(nodes)

    program = shutil.which("dot")
    if program is None:
        dot_path = path.with_suffix(".dot")
        write_atomic(dot_path, source.encode("utf-8"))
        raise GraphvizMissing(
            f"the Graphviz dot program is needed to write {path}; wrote the DOT source to {dot_path} "
            f"instead: {INSTALL_HINT}, or ask for a .dot file with -o")
    try:
        done = subprocess.run([program, f"-T{fmt}"], input=source.encode("utf-8"),
                              capture_output=True, timeout=DOT_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise MgradError(f"the dot program took more than {DOT_TIMEOUT} s to draw {path}") from None
    except OSError as e:
        raise MgradError(f"cannot run the dot program ({program}): {e.strerror or e}") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise MgradError(f"the dot program failed to draw {path}: {detail[0] if detail else 'no message'}")
    write_atomic(path, done.stdout)
    return len(nodes)
