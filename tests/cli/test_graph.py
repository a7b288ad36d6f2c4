"""mgrad graph and the renderer: the lecture's drawings, deterministic DOT, formats, failures."""

import html
import json
import os
import re
import subprocess
import sys

import pytest

from mgrad_cli import numbers
from mgrad_cli.inspect import dot as render
from mgrad_cli.autograd.value import Value
from mgrad_cli.errors import GraphTooLarge, GraphvizMissing, UserInputError
from mgrad_cli.inspect.expr import run as run_expr

LECTURE = ["e = a*b; d = e + c; L = d * f", "a=2", "b=-3", "c=10", "f=-2"]
NEURON = ["x1w1 = x1*w1; x2w2 = x2*w2; x1w1x2w2 = x1w1 + x2w2; n = x1w1x2w2 + b; o = tanh(n)",
          "x1=2", "x2=0", "w1=-3", "w2=1", "b=6.8813735870195432"]


def svg_nodes(path):
    """The text lines of every node in an SVG made by dot: [('a', 'data 2.0000', 'grad 6.0000'), ('*',), ...]."""
    svg = path.read_text()
    groups = re.findall(r'<g id="node\d+" class="node">(.*?)</g>', svg, re.S)
    return [tuple(html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", g)) for g in groups]


def test_lecture_example_to_svg(run, dot, tmp_path):
    path = tmp_path / "L.svg"
    result = run("graph", *LECTURE, "-o", path)
    assert result.exit_code == 0
    assert result.stdout == f"""\
L = -8.0000
┏━━━━━━┳━━━━━━━━━━━━━┳━━━━━━━━━┳━━━━━━━━━┓
┃ node ┃ computed as ┃    data ┃    grad ┃
┡━━━━━━╇━━━━━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━━┩
│ a    │ input       │  2.0000 │  6.0000 │
│ b    │ input       │ -3.0000 │ -4.0000 │
│ e    │ a * b       │ -6.0000 │ -2.0000 │
│ c    │ input       │ 10.0000 │ -2.0000 │
│ d    │ e + c       │  4.0000 │ -2.0000 │
│ f    │ input       │ -2.0000 │  4.0000 │
│ L    │ d * f       │ -8.0000 │  1.0000 │
└──────┴─────────────┴─────────┴─────────┘
Wrote {path} (7 values, 3 ops)
"""
    nodes = svg_nodes(path)
    records = {n for n in nodes if len(n) == 3}
    assert records == {
        ("a", "data 2.0000", "grad 6.0000"), ("b", "data -3.0000", "grad -4.0000"),
        ("c", "data 10.0000", "grad -2.0000"), ("f", "data -2.0000", "grad 4.0000"),
        ("e", "data -6.0000", "grad -2.0000"), ("d", "data 4.0000", "grad -2.0000"),
        ("L", "data -8.0000", "grad 1.0000"),
    }
    assert sorted(n for n in nodes if len(n) == 1) == [("*",), ("*",), ("+",)]
    # edges child -> op -> value: 2 + 2 + 2 operands and 3 op -> value
    assert path.read_text().count('class="edge"') == 9


def test_lecture_neuron_to_svg(run, dot, tmp_path):
    path = tmp_path / "neuron.svg"
    result = run("graph", *NEURON, "-o", path, "--no-table")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"o = 0.7071\nWrote {path} (10 values, 5 ops)\n"
    records = {n for n in svg_nodes(path) if len(n) == 3}
    assert records == {
        ("x1", "data 2.0000", "grad -1.5000"), ("w1", "data -3.0000", "grad 1.0000"),
        ("x2", "data 0.0000", "grad 0.5000"), ("w2", "data 1.0000", "grad 0.0000"),
        ("b", "data 6.8814", "grad 0.5000"), ("x1w1", "data -6.0000", "grad 0.5000"),
        ("x2w2", "data 0.0000", "grad 0.5000"), ("x1w1x2w2", "data -6.0000", "grad 0.5000"),
        ("n", "data 0.8814", "grad 0.5000"), ("o", "data 0.7071", "grad 1.0000"),
    }
    assert ("tanh",) in svg_nodes(path)


def test_dot_source_of_the_lecture_example(run, tmp_path):
    path = tmp_path / "L.dot"
    assert run("graph", *LECTURE, "-o", path).exit_code == 0
    assert path.read_text() == """digraph mgrad {
\tgraph [rankdir=LR]
\tnode [fontname=Helvetica fontsize=11]
\tn0 [label="{ a | data 2.0000 | grad 6.0000 }" shape=record]
\tn1 [label="{ b | data -3.0000 | grad -4.0000 }" shape=record]
\tn2 [label="{ e | data -6.0000 | grad -2.0000 }" shape=record]
\tn2_op [label="*" shape=ellipse]
\tn2_op -> n2
\tn0 -> n2_op
\tn1 -> n2_op
\tn3 [label="{ c | data 10.0000 | grad -2.0000 }" shape=record]
\tn4 [label="{ d | data 4.0000 | grad -2.0000 }" shape=record]
\tn4_op [label="+" shape=ellipse]
\tn4_op -> n4
\tn2 -> n4_op
\tn3 -> n4_op
\tn5 [label="{ f | data -2.0000 | grad 4.0000 }" shape=record]
\tn6 [label="{ L | data -8.0000 | grad 1.0000 }" shape=record]
\tn6_op [label="*" shape=ellipse]
\tn6_op -> n6
\tn4 -> n6_op
\tn5 -> n6_op
}
"""


def test_dot_is_byte_identical_across_runs_and_processes(run, tmp_path, repo):
    first, second = tmp_path / "1.dot", tmp_path / "2.dot"
    assert run("graph", *NEURON, "-o", first).exit_code == 0
    assert run("graph", *NEURON, "-o", second).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    # other processes, other hash seeds and other memory addresses: still the same bytes
    for seed in ("1", "2"):
        third = tmp_path / f"p{seed}.dot"
        env = dict(os.environ, PYTHONHASHSEED=seed)
        subprocess.run([sys.executable, "-m", "mgrad_cli", "graph", *NEURON, "-o", str(third)],
                       check=True, capture_output=True, env=env, cwd=repo)
        assert third.read_bytes() == first.read_bytes()
    assert "id(" not in first.read_text() and not re.search(r"\d{8,}", first.read_text())


def test_no_grad_and_rankdir(run, tmp_path):
    path = tmp_path / "g.dot"
    result = run("graph", "y = a*a", "a=3", "-o", path, "--no-grad", "--rankdir", "TB")
    assert result.exit_code == 0
    text = path.read_text()
    assert "rankdir=TB" in text and "| grad" not in text
    assert '"{ y | data 9.0000 }"' in text
    assert text.count("n0 -> n1_op") == 2  # a*a: one edge per operand


def test_a_leading_minus_is_an_expression_not_an_option(run, tmp_path):
    path = tmp_path / "g.dot"
    result = run("graph", "-a*b", "a=2", "b=3", "-o", path)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("out = -6.0000\n")


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".pdf", b"%PDF"), (".svg", b"<?xml")])
def test_formats_follow_the_suffix(run, dot, tmp_path, suffix, magic):
    path = tmp_path / f"g{suffix}"
    assert run("graph", *LECTURE, "-o", path).exit_code == 0
    assert path.read_bytes().startswith(magic)


def test_default_output_is_graph_svg(run, dot, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("graph", *LECTURE)
    assert result.exit_code == 0
    assert result.stdout.endswith("Wrote graph.svg (7 values, 3 ops)\n")
    assert (tmp_path / "graph.svg").read_text().count("grad 6.0000") == 1


def test_unknown_suffix_is_exit_2(run, tmp_path):
    result = run("graph", *LECTURE, "-o", tmp_path / "g.jpg")
    assert result.exit_code == 2
    assert result.stderr == f"Error: cannot tell the format of {tmp_path / 'g.jpg'} (.jpg): use .svg, .png, .pdf, .html or .dot\n"


def test_unwritable_path_is_exit_2(run, tmp_path):
    path = tmp_path / "missing" / "g.dot"
    result = run("graph", *LECTURE, "-o", path)
    assert result.exit_code == 2
    assert result.stderr == f"Error: cannot write {path}: No such file or directory\n"


def test_without_graphviz_writes_the_dot_beside_and_exits_1(run, tmp_path, monkeypatch):
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    path = tmp_path / "g.svg"
    result = run("graph", *LECTURE, "-o", path)
    assert result.exit_code == 1
    dot_path = tmp_path / "g.dot"
    assert result.stderr == (
        f"Error: the Graphviz dot program is needed to write {path}; wrote the DOT source to {dot_path} "
        "instead: install Graphviz (apt-get install graphviz, brew install graphviz, or "
        "https://graphviz.org/download/), or ask for a .dot file with -o\n")
    assert not path.exists()
    assert dot_path.read_text().startswith("digraph mgrad {")
    # a .dot needs no Graphviz program at all
    assert run("graph", *LECTURE, "-o", tmp_path / "h.dot").exit_code == 0


def test_write_graph_api(tmp_path):
    out, _ = run_expr("L = (a*b + c) * f", {"a": 2, "b": -3, "c": 10, "f": -2})
    out.backward()
    assert render.write_graph(out, tmp_path / "g.dot") == render.Drawing(values=7, ops=3)
    assert render.write_graph(out, str(tmp_path / "g2.dot"), max_nodes=7).values == 7
    with pytest.raises(GraphTooLarge) as info:
        render.write_graph(out, tmp_path / "g3.dot", max_nodes=6)
    assert str(info.value) == "the graph has 7 value nodes, more than the limit of 6 for drawing"
    assert not (tmp_path / "g3.dot").exists()
    with pytest.raises(UserInputError):
        render.to_dot(out, rankdir="RL")


def test_write_graph_raises_graphviz_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    out, _ = run_expr("y = x*2", {"x": 1})
    with pytest.raises(GraphvizMissing):
        render.write_graph(out, tmp_path / "y.png")
    assert (tmp_path / "y.dot").exists()


@pytest.mark.parametrize("x, text", [
    (2.0, "2.0000"), (-0.70710678, "-0.7071"), (0.0, "0.0000"), (-0.0, "-0.0000"),
    (1e-8, "1.0000e-08"), (387420489.0, "387420489.0000"), (9 ** 12, "2.8243e+11"),
    (float("inf"), "inf"), (float("-inf"), "-inf"), (float("nan"), "nan"),
])
def test_format_number(x, text):
    assert numbers.format_number(x) == text


def test_record_special_characters_are_escaped(dot, tmp_path):
    label = 'w{1}|<x> "q" \\ end\nnext'
    x = Value(1.0, label)
    y = x * 2
    y.label = "y"
    source = render.to_dot(y).source
    assert 'w\\{1\\}\\|\\<x\\> \\"q\\" \\\\ end next' in source
    path = tmp_path / "e.svg"
    render.write_graph(y, path)  # dot accepts it: no syntax error
    assert ('w{1}|<x> "q" \\ end next', "data 1.0000", "grad 0.0000") in svg_nodes(path)


def test_inf_nan_and_negative_zero_render(dot, tmp_path):
    out, _ = run_expr("y = log(x) * z + 1/z", {"x": -1.0, "z": -0.0})
    out.backward()
    path = tmp_path / "n.svg"
    render.write_graph(out, path)
    texts = {t for n in svg_nodes(path) for t in n}
    assert {"data nan", "data -inf", "data -0.0000"} <= texts


def test_train_graph_signature(tmp_path):
    """train's --graph calls write_graph(loss, path, max_nodes=N)."""
    out, _ = run_expr("loss = (y - t) ** 2", {"y": 0.5, "t": 1.0})
    out.backward()
    assert render.write_graph(out, tmp_path / "loss.dot", max_nodes=100).values == 4  # the 2 is in the op: **2


@pytest.mark.parametrize("command", ["graph", "train"])
def test_graph_and_train_accept_the_same_suffixes_gv_too(run, repo, tmp_path, command):
    """Regression: write_graph draws .gv (as .dot), but train --graph refused it: one list now."""
    assert ".gv" in render.SUFFIXES
    out = tmp_path / "g.gv"
    args = (["graph", "x*y", "x=2", "y=3", "-o", out] if command == "graph" else
            ["train", os.path.join(repo, "configs", "tiny.yaml"), "--epochs", "1", "-q", "--graph", out])
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("digraph")


def test_choices_come_from_their_source():
    from mgrad_cli import backends
    from mgrad_cli.models import evaluate
    from mgrad_cli.cli.app import cli

    def choices(command, name):
        return tuple(next(p for p in cli.commands[command].params if p.name == name).type.choices)

    assert choices("train", "engine") == backends.names()
    assert choices("gradcheck", "engine") == backends.names() + ("both", "all")
    assert choices("eval", "split") == evaluate.EVAL_SPLITS


# --- the table, --json, --step, the names and folded exponents shared by every view ------

def test_no_table(run, tmp_path):
    result = run("graph", *LECTURE, "-o", tmp_path / "L.dot", "--no-table")
    assert result.stdout == f"L = -8.0000\nWrote {tmp_path / 'L.dot'} (7 values, 3 ops)\n"


def test_the_table_names_unnamed_nodes_by_position_as_the_drawing_does(run, tmp_path):
    path = tmp_path / "t.dot"
    result = run("graph", "y = tanh(2*x + 1) * x", "x=0.5", "-o", path)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split("│")[1:3] for line in lines[4:11]] == [
        [" 2    ", " constant    "], [" x    ", " input       "], [" t2   ", " 2 * x       "],
        [" 1    ", " constant    "], [" t4   ", " t2 + 1      "], [" t5   ", " tanh(t4)    "],
        [" y    ", " t5 * x      "]]
    dot_source = path.read_text()
    for name in ("t2", "t4", "t5"):
        assert f'label="{{ {name} | data' in dot_source


@pytest.mark.parametrize("args, names", [
    (["a*b+c", "a=2", "b=-3", "c=10"], ["a", "b", "t2", "c", "out"]),
    (NEURON, ["x1", "w1", "x1w1", "x2", "w2", "x2w2", "x1w1x2w2", "b", "n", "o"]),
])
def test_the_table_lists_the_nodes_in_the_order_the_expression_reads(run, tmp_path, args, names):
    path = tmp_path / "g.dot"
    result = run("graph", *args, "-o", path)
    assert result.exit_code == 0
    rows = [line.split("│")[1].strip() for line in result.stdout.splitlines() if line.startswith("│")]
    assert rows == names
    records = re.findall(r'label="\{ (\S+) \|', path.read_text())
    assert records == names  # the drawing's records in the same order


def test_a_literal_exponent_is_the_op_and_shows_no_nan(run, tmp_path):
    """The lecture draws x**2 as one op `**2`: no leaf for the 2, so no `grad nan` on it."""
    path = tmp_path / "y.dot"
    result = run("graph", "y = x**2", "x=-3", "-o", path)
    assert result.exit_code == 0
    assert "nan" not in result.stdout and "nan" not in path.read_text()
    assert '[label="**2" shape=ellipse]' in path.read_text()
    assert "│ y    │ x**2        │  9.0000 │  1.0000 │" in result.stdout


def test_a_nan_of_the_math_is_shown_and_drawn_red(run, tmp_path):
    path = tmp_path / "n.dot"
    result = run("graph", "y = log(x) * z", "x=-1", "z=2", "-o", path)
    assert result.exit_code == 0
    assert "│ t1   │ log(x)      │     nan │  2.0000 │" in result.stdout
    assert '"{ t1 | data nan | grad 2.0000 }" color=red fontcolor=red' in path.read_text()
    assert '"{ x | data -1.0000 | grad -2.0000 }" shape=record' in path.read_text()


def test_the_table_fits_80_columns_when_piped(run, tmp_path):
    result = run("graph", *NEURON, "-o", tmp_path / "n.dot", env={"COLUMNS": "80"})
    assert result.exit_code == 0
    assert max(len(line) for line in result.stdout.splitlines()[:-1]) <= 80  # the last: "Wrote PATH ..."
    assert "…" not in result.stdout and "\x1b" not in result.stdout
    assert re.search(r"│ x1w1x2w2 +│ x1w1 \+ x2w2 +│ +-6\.0000 │ +0\.5000 │", result.stdout)


def test_json(run, tmp_path):
    path = tmp_path / "y.dot"
    result = run("graph", "y = x**2 + x", "x=-3", "-o", path, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "expression": "y = x**2 + x", "inputs": {"x": -3.0},
        "output": {"name": "y", "data": 6.0, "grad": 1.0},
        "nodes": [
            {"id": "n0", "name": "x", "kind": "input", "op": None, "inputs": [], "formula": "input",
             "data": -3.0, "grad": -5.0},
            {"id": "n1", "name": "t1", "kind": "op", "op": "**2", "inputs": ["x"], "formula": "x**2",
             "data": 9.0, "grad": 1.0},
            {"id": "n2", "name": "y", "kind": "op", "op": "+", "inputs": ["t1", "x"], "formula": "t1 + x",
             "data": 6.0, "grad": 1.0},
        ],
        "drawing": str(path),
    }


def test_json_without_grad_and_with_a_nan(run, tmp_path):
    result = run("graph", "y = log(x)", "x=-1", "-o", tmp_path / "y.dot", "--json", "--no-grad")
    doc = json.loads(result.stdout)
    assert doc["output"] == {"name": "y", "data": "nan"}
    assert all("grad" not in node for node in doc["nodes"])


def test_step_nudges_the_inputs_along_their_gradients(run, tmp_path):
    """The lecture: a.data += 0.01 * a.grad, ... and the forward pass again: L goes from -8 to -7.286496."""
    result = run("graph", *LECTURE, "-o", tmp_path / "L.dot", "--no-table", "--step", "0.01")
    assert result.exit_code == 0
    assert result.stdout == f"""\
L = -8.0000
Nudge: every input moved by 0.01 × its gradient, then the forward pass again
┏━━━━━━━┳━━━━━━━━━┳━━━━━━━━━┳━━━━━━━━━┓
┃ input ┃  before ┃    grad ┃   after ┃
┡━━━━━━━╇━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━━┩
│ a     │  2.0000 │  6.0000 │  2.0600 │
│ b     │ -3.0000 │ -4.0000 │ -3.0400 │
│ c     │ 10.0000 │ -2.0000 │  9.9800 │
│ f     │ -2.0000 │  4.0000 │ -1.9600 │
└───────┴─────────┴─────────┴─────────┘
L: -8.0000 → -7.2865 (+0.7135)
Wrote {tmp_path / 'L.dot'} (7 values, 3 ops)
"""
    doc = json.loads(run("graph", *LECTURE, "-o", tmp_path / "L.dot", "--json", "--step", "0.01").stdout)
    assert doc["step"]["before"] == -8.0 and abs(doc["step"]["after"] - -7.286496) < 1e-12
    assert doc["step"]["inputs"][0] == {"name": "a", "before": 2.0, "grad": 6.0, "after": 2.06}


def test_step_needs_the_gradients(run, tmp_path):
    result = run("graph", *LECTURE, "-o", tmp_path / "L.dot", "--no-grad", "--step", "0.01")
    assert result.exit_code == 2
    assert "Error: --step moves the inputs along their gradients: it cannot go with --no-grad" in result.stderr


def test_a_bitmap_too_big_to_read_is_said(run, dot, tmp_path, monkeypatch):
    monkeypatch.setattr(render, "READABLE_VALUES", 6)  # the lecture's 7 values stand for moons' 1,052
    path = tmp_path / "L.png"
    result = run("graph", *LECTURE, "-o", path, "--no-table")
    assert result.exit_code == 0
    assert result.stderr == (f"Warning: {path} has 7 values, too many to read in a PNG; draw it as .svg or "
                             ".html (zoomable in a browser).\n")
    assert run("graph", *LECTURE, "-o", tmp_path / "L.svg").stderr == ""  # a vector drawing zooms


def test_graphviz_warnings_are_passed_on(run, tmp_path, monkeypatch):
    fake = tmp_path / "bin" / "dot"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\ncat >/dev/null\necho 'dot: graph is too large for cairo-renderer bitmaps. "
                    "Scaling by 0.742074 to fit' >&2\necho '<svg></svg>'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    result = run("graph", *LECTURE, "-o", tmp_path / "L.svg", "--no-table")
    assert result.exit_code == 0
    assert result.stderr == ("Warning from Graphviz: dot: graph is too large for cairo-renderer bitmaps. "
                             "Scaling by 0.742074 to fit\n")


def test_train_graph_boxes_each_neuron_and_writes_html(run, repo, tmp_path):
    config = os.path.join(repo, "configs", "tiny.yaml")
    path = tmp_path / "t.dot"
    assert run("train", config, "--epochs", "1", "-q", "--graph", path).exit_code == 0
    source = path.read_text()
    titles = re.findall(r'label="(layer \d+, neuron \d+)"', source)
    assert sorted(titles) == sorted(f"layer {k}, neuron {j}" for k, n in ((1, 4), (2, 4), (3, 1)) for j in range(n))
    # a neuron's box holds its weights, its bias, its products, its sum and its activation
    box = source[source.index('label="layer 1, neuron 0"'):]
    box = box[:box.index("\n\t}")]
    assert all(f"{{ {name} |" in box for name in ("w1.0.0", "w1.0.1", "w1.0.2", "b1.0"))
    assert box.count("shape=ellipse") == 5  # 3 products, the sum, tanh
    page = tmp_path / "run.html"
    result = run("train", config, "--epochs", "1", "-q", "--graph", page)
    assert result.exit_code == 0, result.output
    assert page.read_text().startswith("<!DOCTYPE html>") and "layer 1, neuron 0" in page.read_text()


def drawn_ops(source):
    """{op node id: (its label, [its inputs' record names])} of a DOT source or an SVG from dot."""
    text = html.unescape(source)
    names = dict(re.findall(r'(n\d+) \[label="\{ (\S+) \|', text))  # DOT
    names.update(re.findall(r"<title>(n\d+)</title>\s*<polygon[^>]*/>\s*<text[^>]*>([^<]*)</text>", text))  # SVG
    labels = dict(re.findall(r'(n\d+_op) \[label="?([^" ]+)"? shape=ellipse', text))
    labels.update(re.findall(r"<title>(n\d+_op)</title>\s*<ellipse[^>]*/>\s*<text[^>]*>([^<]*)</text>", text))
    edges = re.findall(r"(?:<title>|\t)(n\d+) ?-> ?(n\d+_op)\b", text)
    return {op: (label, [names[a] for a, b in edges if b == op]) for op, label in labels.items()}


def test_train_graph_of_one_sample_draws_no_one_term_sum_and_no_times_one(run, repo, tmp_path, dot):
    """The mean over one sample is (+ term) * 1 in the engine: drawn as the term itself,
    in the DOT, the SVG and the HTML page alike; the engine's graph is untouched."""
    config = os.path.join(repo, "configs", "tiny.yaml")
    sources = []
    for suffix in ("dot", "svg", "html"):
        path = tmp_path / f"t.{suffix}"
        result = run("train", config, "--epochs", "1", "-q", "--graph", path)
        assert result.exit_code == 0, result.output
        assert "Graph of the loss on one sample (97 nodes)" in result.stdout  # 100 engine nodes
        sources.append(path.read_text())
    for source in sources:
        ops = drawn_ops(source)
        assert len(ops) == 52  # 54 in the engine
        assert not [op for op, (label, inputs) in ops.items() if label == "+" and len(inputs) == 1]
        assert not [op for op, (label, inputs) in ops.items() if label == "*" and "1" in inputs]
        assert ("**2", ["t95"]) in ops.values()
    assert '"{ loss | data' in sources[0] and re.search(r"<text[^>]*>loss</text>", sources[2])


def test_train_graph_too_big_to_read_suggests_the_tensor_engine(run, repo, tmp_path, monkeypatch):
    monkeypatch.setattr(render, "READABLE_VALUES", 50)  # tiny's 97 values stand for moons' 1,052
    path = tmp_path / "t.pdf"
    result = run("train", os.path.join(repo, "configs", "tiny.yaml"), "--epochs", "1", "-q", "--graph", path)
    assert result.exit_code == 0, result.output
    assert result.stderr == (f"Warning: {path} has 97 values, too many to read in a PDF; draw it as .svg or "
                             ".html (zoomable in a browser), or train with --engine tensor (a node per array).\n")


@pytest.mark.parametrize("command", ["graph", "backprop", "gradcheck"])
def test_an_unused_binding_is_a_one_line_warning_and_the_rest_as_without_it(run, tmp_path, command):
    """`mgrad graph 'exp(x)' a=1 x=2` warns about a, exits 0 and says what it says for x=2 alone."""
    extra = ["-o", tmp_path / "g.dot"] if command == "graph" else []
    for flags in ([], ["--json"]):
        plain = run(command, "exp(x)", "x=2", *extra, *flags)
        result = run(command, "exp(x)", "a=1", "x=2", *extra, *flags)
        assert (result.exit_code, result.stdout) == (0, plain.stdout)
        assert result.stderr == "Warning: a is bound but the expression does not use it\n"
    result = run(command, "exp(x)", "a=1", "x=2", "b=3", *extra)
    assert result.exit_code == 0
    assert result.stderr == "Warning: a and b are bound but the expression does not use them\n"
