"""Draw a computation graph as in the lecture: Graphviz records and op nodes.

One record per value, `{ label | data 2.0000 | grad 6.0000 }`, and one small node per
op labelled with the op's symbol from the table; edges go child -> op -> value, left
to right by default. What is drawn is the view.GraphView of the graph: the names
by position (`t3`) and the literal exponents folded into their op (`**2`) that the
terminal table and the HTML page show too. An engine node is drawn as view.draw_graph
shows it, the DOT and the HTML page alike: a sum of one term as that term, a product
by the literal 1 as its other factor (the loss on one sample: a mean over one term). A record holding a nan is red. The tensor
engine's graphs are drawn the same way: a Tensor's record gives its shape and, for an
array, the norm of its data and gradient (`{ W1 | 64×32 | data ‖45.1‖ | grad ‖0.012‖ }`);
a reduction's op node its axis. Node ids are positions in the view (n0, n1, ...),
never id(), so the same graph gives byte-identical DOT on every run.
"""

import math
import shutil
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

import graphviz

from .view import OP, GraphView, draw_graph, has_nan
from ..errors import GraphTooLarge, GraphvizMissing, MgradError, UserInputError
from ..files import check_output, write_atomic
from ..numbers import format_number, shape_text, summarize

FORMATS = ("svg", "png", "pdf", "dot", "html")
# the file suffixes write_graph draws to: one per format, and .gv, Graphviz's other name for .dot
SUFFIXES = tuple("." + f for f in FORMATS) + (".gv",)
# Past this many values a .png or .pdf is unreadable: Graphviz scales moons' 1,052-value
# loss graph by 0.57 to fit its 32767-pixel bitmap limit (tiny's 97 values read well).
READABLE_VALUES = 300
DOT_TIMEOUT = 120  # seconds for the dot program: a graph that takes longer is not readable anyway
INSTALL_HINT = ("install Graphviz (apt-get install graphviz, brew install graphviz, "
                "or https://graphviz.org/download/)")

# a record label's syntax ({}|<>), quotes and the backslash (Graphviz reads \N, \G, \l)
# take a backslash; & starts an entity (&lt; would be drawn as <), so it is spelt &amp;
_RECORD_SPECIAL = str.maketrans({**{c: "\\" + c for c in '\\{}|<>"'}, "&": "&amp;"})
MAX_LABEL = 200  # characters of a name drawn at most (Graphviz refuses labels past 16,384)
FONT = "Helvetica"  # every text of a drawing: records, ops and the boxes' titles


def escape_record(text):
    """Text as Graphviz draws it literally, in a record label or any other: the one place
    a name reaches Graphviz (data/names.py). Past MAX_LABEL characters it keeps its two
    ends around "…"; a control character (refused where names are read) is drawn as a space."""
    text = str(text)
    if len(text) > MAX_LABEL:
        keep = MAX_LABEL - 1
        text = text[:keep - keep // 2] + "…" + text[len(text) - keep // 2:]
    text = "".join(" " if (ord(c) < 32 or ord(c) == 127) else c for c in text)
    return text.translate(_RECORD_SPECIAL)


def record_label(value, show_grad=True, name=None):
    """`{ name | data 2.0000 | grad 6.0000 }` (name: the value's label unless given)."""
    name = value.label if name is None else name
    if not hasattr(value.data, "shape"):  # a Value: its number and gradient
        parts = [escape_record(name), f"data {format_number(value.data)}"]
        if show_grad:
            parts.append(f"grad {format_number(value.grad)}")
        return "{ " + " | ".join(parts) + " }"
    # a Tensor: its shape, and its numbers summarized (a single number is shown as one)
    parts = [escape_record(name), shape_text(value.data.shape), f"data {summarize(value.data)}"]
    if show_grad:
        parts.append("no grad" if value.grad is None else f"grad {summarize(value.grad)}")
    return "{ " + " | ".join(parts) + " }"


def to_dot(root, rankdir="LR", show_grad=True, clusters=None):
    """The graph of `root` (an engine node, drawn as view.draw_graph shows it, or a
    view.GraphView to draw as it is) as a graphviz.Digraph
    (its .source is the DOT text). clusters: {engine node: title} boxes nodes together
    (an MLP's neurons); a node's op goes in its box. A record holding a nan is drawn red."""
    rankdir = rankdir.upper()
    if rankdir not in ("LR", "TB"):
        raise UserInputError(f"rankdir must be LR or TB, not {rankdir!r}")
    view = root if isinstance(root, GraphView) else draw_graph(root)
    dot = graphviz.Digraph("mgrad", graph_attr={"rankdir": rankdir},
                           node_attr={"fontname": FONT, "fontsize": "11"})
    boxes = {}
    for node in view:
        title = (clusters or {}).get(node.value)
        if title is not None and title not in boxes:
            boxes[title] = graphviz.Digraph(f"cluster_{len(boxes)}", graph_attr={
                "label": escape_record(title), "style": "rounded", "color": "gray60", "fontcolor": "gray30",
                "fontname": FONT})  # a box's title in the nodes' font (Graphviz's default is Times)
        _draw_node(boxes[title] if title is not None else dot, view, node, show_grad)
        for position in node.inputs:  # one edge per operand, in order: a*a draws two
            dot.edge(view.nodes[position].id, node.id + "_op")
    for box in boxes.values():
        dot.subgraph(box)
    return dot


def _draw_node(graph, view, node, show_grad):
    value = node.value
    nan = has_nan(value.data) or (show_grad and has_nan(value.grad))
    graph.node(node.id, record_label(value, show_grad, node.name), shape="record",
               **({"color": "red", "fontcolor": "red"} if nan else {}))
    if node.kind == OP:
        graph.node(node.id + "_op", escape_record(node.op_label), shape="ellipse")
        graph.edge(node.id + "_op", node.id)


@dataclass(frozen=True)
class Drawing:
    """What write_graph drew: `values` and `ops` nodes; `too_big` when a .png or .pdf of
    that many values cannot be read (past READABLE_VALUES); Graphviz's own `warnings`."""

    values: int
    ops: int
    too_big: bool = False
    warnings: tuple = ()


def write_graph(root, path, rankdir="LR", show_grad=True, max_nodes=None, clusters=None):
    """Draw `root`'s graph (an engine node, drawn as view.draw_graph shows it, or a
    GraphView to draw as it is) to `path` (.svg, .png, .pdf, .dot or .html): -> Drawing.

    .html is the explorable page (htmlpage.py): the SVG with the forward and backward
    passes to step through. Raises GraphTooLarge past max_nodes values, and
    GraphvizMissing when anything but .dot is asked for without the `dot` program
    (having written the .dot beside `path`).
    """
    fmt = graph_format(path)  # (before Path(), which drops a trailing slash)
    path = Path(path)
    view = root if isinstance(root, GraphView) else draw_graph(root)
    if max_nodes is not None and len(view) > max_nodes:
        raise GraphTooLarge(
            f"the graph has {len(view)} value nodes, more than the limit of {max_nodes} for drawing")
    source = to_dot(view, rankdir, show_grad, clusters).source
    drawing = Drawing(len(view), view.op_count(), fmt in ("png", "pdf") and len(view) > READABLE_VALUES)
    if fmt == "dot":
        write_atomic(path, source.encode("utf-8"))
        return drawing
    image, warnings = _run_dot(source, "svg" if fmt == "html" else fmt, path)
    if fmt == "html":
        from .page import page  # the page's script and steps: only when a page is asked for

        image = page(view, image.decode("utf-8"), show_grad).encode("utf-8")
    write_atomic(path, image)
    return replace(drawing, warnings=warnings)


def graph_format(path):
    """The format of a drawing from its suffix: svg, png, pdf, dot (.dot or .gv) or html.
    A path ending in "/" is refused first (files.check_output): Path() would drop the slash."""
    check_output(path)
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        shown = suffix or "no suffix"
        raise UserInputError(f"cannot tell the format of {path} ({shown}): use .svg, .png, .pdf, .html or .dot")
    return "dot" if suffix == ".gv" else suffix.lstrip(".")


def _run_dot(source, fmt, path):
    """Graphviz's dot program: DOT source -> (the image's bytes, its warnings, one per line)."""
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
    messages = [line.strip() for line in done.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    if done.returncode != 0:
        raise MgradError(f"the dot program failed to draw {path}: {messages[0] if messages else 'no message'}")
    return done.stdout, tuple(messages)
