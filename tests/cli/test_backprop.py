"""mgrad backprop: the lecture's manual backpropagation, one chain-rule step per row."""

import json

LECTURE = ["e = a*b; d = e + c; L = d * f", "a=2", "b=-3", "c=10", "f=-2"]


def test_the_lecture_example_step_by_step(run):
    result = run("backprop", *LECTURE)
    assert result.exit_code == 0
    assert result.stdout == """\
Forward pass: L = -8.0000. Backward pass, from L down (reverse topological order), starting from L.grad = 1:
┏━━━━━━━━━━━┳━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━┳━━━━━━━━━━━━┓
┃ node      ┃ input ┃ local derivative    ┃ upstream ┃ product ┃ input grad ┃
┡━━━━━━━━━━━╇━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━━━━━┩
│ L = d * f │ d     │ ∂L/∂d = f = -2.0000 │   1.0000 │ -2.0000 │    -2.0000 │
│ L = d * f │ f     │ ∂L/∂f = d = 4.0000  │   1.0000 │  4.0000 │     4.0000 │
│ d = e + c │ e     │ ∂d/∂e = 1           │  -2.0000 │ -2.0000 │    -2.0000 │
│ d = e + c │ c     │ ∂d/∂c = 1           │  -2.0000 │ -2.0000 │    -2.0000 │
│ e = a * b │ a     │ ∂e/∂a = b = -3.0000 │  -2.0000 │  6.0000 │     6.0000 │
│ e = a * b │ b     │ ∂e/∂b = a = 2.0000  │  -2.0000 │ -4.0000 │    -4.0000 │
└───────────┴───────┴─────────────────────┴──────────┴─────────┴────────────┘
Gradients: ∂L/∂a = 6.0000, ∂L/∂b = -4.0000, ∂L/∂c = -2.0000, ∂L/∂f = 4.0000
"""


def test_a_node_used_twice_adds_its_contributions(run):
    """The lecture's bug: b = a + a gave a.grad = 1 while `=` stood where `+=` belongs."""
    result = run("backprop", "b = a + a", "a=3")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[4] == "│ b = a + a │ a     │ ∂b/∂a = 1        │   1.0000 │  1.0000 │                   1.0000 │"
    assert lines[5] == "│ b = a + a │ a     │ ∂b/∂a = 1        │   1.0000 │  1.0000 │ 1.0000 + 1.0000 = 2.0000 │"
    assert lines[7:] == [
        "a is used 2 times: its gradient is the sum of its 2 contributions (grad +=; with = the last would "
        "overwrite the others)",
        "Gradients: ∂b/∂a = 2.0000"]


def test_the_neuron_with_tanh_and_unnamed_nodes(run):
    result = run("backprop", "o = tanh(x1*w1 + x2*w2 + b)", "x1=2", "x2=0", "w1=-3", "w2=1",
                 "b=6.8813735870195432")
    assert result.exit_code == 0
    rows = [line for line in result.stdout.splitlines() if line.startswith("│")]
    assert rows[0] == "│ o = tanh(t8) │ t8    │ ∂o/∂t8 = 1 - o**2 = 0.5000 │   1.0000 │  0.5000 │     0.5000 │"
    assert rows[1] == "│ t8 = t6 + b  │ t6    │ ∂t8/∂t6 = 1                │   0.5000 │  0.5000 │     0.5000 │"
    assert result.stdout.splitlines()[-1] == ("Gradients: ∂o/∂x1 = -1.5000, ∂o/∂w1 = 1.0000, ∂o/∂x2 = 0.5000, "
                                              "∂o/∂w2 = 0.0000, ∂o/∂b = 0.5000")


def test_a_literal_exponent_and_its_power_rule(run):
    result = run("backprop", "y = x**2", "x=-3")
    assert "│ y = x**2 │ x     │ ∂y/∂x = 2*x = -6.0000 │   1.0000 │ -6.0000 │    -6.0000 │" in result.stdout
    assert "nan" not in result.stdout


def test_step(run):
    result = run("backprop", *LECTURE, "--step", "0.01")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "L: -8.0000 → -7.2865 (+0.7135)"
    assert "│ a     │  2.0000 │  6.0000 │  2.0600 │" in result.stdout


def test_readable_at_80_columns(run):
    result = run("backprop", "b = a + a", "a=3", env={"COLUMNS": "80"})
    assert max(len(line) for line in result.stdout.splitlines() if line.startswith(("┃", "│", "┏"))) <= 80
    assert "…" not in result.stdout
    assert "2.0000" in result.stdout


def test_json(run):
    result = run("backprop", "b = a + a", "a=3", "--json", "--step", "0.5")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["output"] == {"name": "b", "data": 6.0, "grad": 1.0}
    assert doc["steps"] == [
        {"node": "b", "input": "a", "formula": "1", "local": 1.0, "upstream": 1.0, "product": 1.0,
         "before": 0.0, "after": 1.0},
        {"node": "b", "input": "a", "formula": "1", "local": 1.0, "upstream": 1.0, "product": 1.0,
         "before": 1.0, "after": 2.0},
    ]
    assert doc["gradients"] == {"a": 2.0}
    assert doc["step"] == {"h": 0.5, "output": "b", "before": 6.0, "after": 8.0,
                           "inputs": [{"name": "a", "before": 3.0, "grad": 2.0, "after": 4.0}]}


def test_bad_input_is_one_line_and_exit_2(run):
    result = run("backprop", "y = x*z", "x=1")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "Error: no value for z: bind it as NAME=VALUE, e.g. z=1.0"
