"""mgrad gradcheck: it passes on the lecture's examples, and it can fail."""

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mgrad_cli.inspect import gradcheck
from mgrad_cli.autograd import ops
from mgrad_cli.autograd.value import Value

from conftest import need_module

LECTURE = ["e = a*b; d = e + c; L = d * f", "a=2", "b=-3", "c=10", "f=-2"]
NEURON = ["n = x1*w1 + x2*w2 + b; o = tanh(n)", "x1=2", "x2=0", "w1=-3", "w2=1", "b=6.8813735870195432"]


def test_lecture_example_table(run):
    result = run("gradcheck", *LECTURE)
    assert result.exit_code == 0
    assert result.stdout == """\
Gradient check of L = -8.0000  (eps 1e-06, atol 1e-05, rtol 0.001)
┏━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━┓
┃ input ┃ analytic ┃        numeric ┃ abs error ┃ rel error ┃ status ┃
┡━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━┩
│ a     │        6 │  5.99999999995 │   5.0e-11 │   8.3e-12 │ ok     │
│ b     │       -4 │ -4.00000000056 │   5.6e-10 │   1.4e-10 │ ok     │
│ c     │       -2 │  -1.9999999985 │   1.5e-09 │   7.5e-10 │ ok     │
│ f     │        4 │  4.00000000012 │   1.2e-10 │   2.9e-11 │ ok     │
└───────┴──────────┴────────────────┴───────────┴───────────┴────────┘
ok: 4 of 4 gradients agree (worst abs error 1.5e-09 at c, rel 7.5e-10 at c)
"""


def test_lecture_examples_pass(run):
    for args in (LECTURE, NEURON, ["L = -(a*b + c) / f ** 2 + exp(a) - log(c) + sigmoid(b) + relu(f) + abs(b)",
                                   "a=2", "b=-3", "c=10", "f=-2"]):
        result = run("gradcheck", *args)
        assert result.exit_code == 0, result.output
        assert " FAIL" not in result.stdout


def test_json(run):
    result = run("gradcheck", *NEURON, "--json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["passed"] is True
    assert doc["output"]["name"] == "o" and doc["output"]["value"] == pytest.approx(math.sqrt(0.5))
    assert (doc["eps"], doc["atol"], doc["rtol"]) == (1e-6, 1e-5, 1e-3)
    assert [r["name"] for r in doc["results"]] == ["x1", "w1", "x2", "w2", "b"]
    first = doc["results"][0]
    assert set(first) == {"name", "analytic", "numeric", "abs_error", "rel_error", "status", "note"}
    assert first["analytic"] == pytest.approx(-1.5) and first["status"] == "ok"


def test_json_writes_non_finite_numbers_as_strings(run):
    result = run("gradcheck", "log(x)", "x=0", "--json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    r = doc["results"][0]
    assert (r["analytic"], r["numeric"], r["status"]) == ("inf", "nan", "FAIL")
    assert r["note"] == "the central difference is not finite: f(x+eps) = -13.8155, f(x-eps) = nan"
    assert doc["output"]["value"] == "-inf"


def test_an_infinite_central_difference_fails(run):
    """Regression: inf <= atol + rtol * inf made a numeric gradient of -inf "agree" with 0."""
    result = run("gradcheck", "x**y", "x=0", "y=0")
    assert result.exit_code == 1
    row = next(line for line in result.stdout.splitlines() if line.startswith("│ y "))
    assert row.split("│")[1:-1][2:] == ["    -inf ", "       inf ", "       nan ", " FAIL   "]
    assert "y: the central difference is not finite: f(y+eps) = 0, f(y-eps) = inf\n" in result.stdout
    assert result.stdout.splitlines()[-1] == (
        "FAIL: 1 of 2 gradients disagree (worst abs error inf at y, rel nan at y)")


def test_an_infinite_analytic_gradient_against_a_finite_estimate_fails():
    r = gradcheck._judge("x", math.inf, 1.0, 1e-5, 1e-3, [], None, "")
    assert (r.status, r.note) == ("FAIL", "the analytic gradient is not finite")
    assert gradcheck._judge("x", math.inf, math.inf, 1e-5, 1e-3, [], None, "").status == "ok"


def test_relu_at_zero_is_not_differentiable_not_a_failure(run):
    result = run("gradcheck", "relu(x) * y", "x=0", "y=3")
    assert result.exit_code == 0
    row = next(line for line in result.stdout.splitlines() if line.startswith("│ x "))
    assert "not differentiable" in row
    assert "x: relu at 0 has no derivative; the engine uses relu'(0) = 0, as PyTorch does\n" in result.stdout
    assert result.stdout.splitlines()[-1] == (
        "ok: 1 of 2 gradients agree (worst abs error 0.0e+00 at y, rel 0.0e+00 at y); 1 not differentiable here")


def test_abs_at_zero_is_not_differentiable(run):
    result = run("gradcheck", "abs(x)", "x=0", "--json")
    assert result.exit_code == 1  # nothing was compared: not a pass
    doc = json.loads(result.stdout)
    assert doc["passed"] is False
    r = doc["results"][0]
    assert r["status"] == "not differentiable"
    assert r["note"] == "abs at 0 has no derivative; the engine uses abs'(0) = 0, as PyTorch does"
    text = run("gradcheck", "abs(x)", "x=0").stdout
    assert text.splitlines()[-1] == "nothing checked: the one gradient is at a kink, where there is no derivative"
    # one gradient compared is a check: ok, and the kink is counted apart
    assert run("gradcheck", "abs(x) * y", "x=0", "y=2").stdout.splitlines()[-1] == (
        "ok: 1 of 2 gradients agree (worst abs error 0.0e+00 at y, rel 0.0e+00 at y); 1 not differentiable here")


def test_kink_within_eps_fails_with_a_hint(run):
    result = run("gradcheck", "relu(x)", "x=1e-7", "--json")
    assert result.exit_code == 1
    r = json.loads(result.stdout)["results"][0]
    assert r["status"] == "FAIL" and r["note"] == "a relu input lies within eps of its kink: try a smaller --eps"
    assert run("gradcheck", "relu(x)", "x=1e-7", "--eps", "1e-9").exit_code == 0


def test_it_fails_on_a_wrong_derivative(run, monkeypatch):
    """A test-only op whose derivative is wrong (d(x^2)/dx given as x): gradcheck must catch it."""
    broken = ops.Op("square", 1, "sq", lambda a: a * a, lambda g, a, o: (g * a,), doc="a^2, with a wrong derivative")
    monkeypatch.setattr(ops, "OPS", ops.OPS + [broken])
    monkeypatch.setitem(ops.FUNCTIONS, "square", broken)
    result = run("gradcheck", "y = square(x) + z", "x=3", "z=1")
    assert result.exit_code == 1
    row = next(line for line in result.stdout.splitlines() if line.startswith("│ x "))
    assert row.split("│")[1:-1] == [" x     ", "        3 ", "  6.00000000084 ", "   3.0e+00 ", "   5.0e-01 ", " FAIL   "]
    assert result.stdout.splitlines()[-1] == (
        "FAIL: 1 of 2 gradients disagree (worst abs error 3.0e+00 at x, rel 5.0e-01 at x)")


def test_it_fails_when_an_existing_op_is_broken(run, monkeypatch):
    monkeypatch.setattr(ops.BY_NAME["tanh"], "deriv", lambda g, a, o: (g * (1.0 - o),))  # should be 1 - o^2
    result = run("gradcheck", *NEURON, "--json")
    assert result.exit_code == 1
    statuses = {r["name"]: r["status"] for r in json.loads(result.stdout)["results"]}
    assert statuses == {"x1": "FAIL", "w1": "FAIL", "x2": "FAIL", "w2": "ok", "b": "FAIL"}  # w2's grad is 0 anyway


def test_tolerance_options(run):
    # a huge eps makes the estimate of x**3 visibly wrong: (x+h)^3 - (x-h)^3 / 2h = 3x^2 + h^2
    assert run("gradcheck", "x**3", "x=1", "--eps", "0.1").exit_code == 1
    assert run("gradcheck", "x**3", "x=1", "--eps", "0.1", "--atol", "0.011").exit_code == 0
    assert run("gradcheck", "x**3", "x=1", "--eps", "0.1", "--atol", "0", "--rtol", "0.004").exit_code == 0


@pytest.mark.parametrize("args, message", [
    (["x*x", "x=1", "--eps", "0"], "eps must be a positive number, not 0.0"),
    (["x*x", "x=1", "--eps", "nan"], "eps must be a positive number, not nan"),
    (["x*x", "x=1", "--atol", "-1"], "atol must be a number >= 0, not -1.0"),
    (["2*3"], "the expression has no inputs to check: use a name, e.g. `x*x` with x=3"),
    (["x*y", "x=1"], "no value for y: bind it as NAME=VALUE, e.g. y=1.0\n  x*y\n    ^"),
])
def test_bad_input_is_exit_2(run, args, message):
    result = run("gradcheck", *args)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {message}\n"


def test_check_api_with_values():
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    results = gradcheck.check(lambda: (a * b).tanh(), [a, b])
    assert [r.name for r in results] == ["a", "b"]
    assert gradcheck.passed(results)
    assert results[0].analytic == pytest.approx(-3 * (1 - math.tanh(-6) ** 2))
    assert (a.data, b.data) == (2.0, -3.0)  # restored


def test_check_api_names_and_worst():
    x = Value(1.0)
    results = gradcheck.check(lambda: x * x * x, {"weight": x}, eps=0.1)
    assert results[0].name == "weight" and results[0].status == gradcheck.FAIL
    worst_abs, worst_rel = gradcheck.worst(results)
    assert worst_abs is worst_rel is results[0]
    assert results[0].abs_error == pytest.approx(0.01)


# random smooth expressions: the engine's gradients always pass
_leaf = st.sampled_from(["x", "y", "z", "0.5", "2"])


def _expr(depth):
    if depth == 0:
        return _leaf
    sub = _expr(depth - 1)
    return st.one_of(
        _leaf,
        st.tuples(sub, st.sampled_from(["+", "-", "*"]), sub).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(["tanh", "sigmoid", "exp"]), sub).map(lambda t: f"{t[0]}({t[1]} / 4)"),
        sub.map(lambda s: f"({s}) ** 2"),
    )


@settings(max_examples=60, deadline=None)
@given(_expr(3), st.floats(-2, 2), st.floats(-2, 2), st.floats(-2, 2))
def test_random_smooth_expressions_pass(text, x, y, z):
    from mgrad_cli.inspect import expr

    program = expr.parse(text)
    bindings = {n: v for n, v in {"x": x, "y": y, "z": z}.items() if n in program.inputs}
    if not bindings:
        return
    out, results = gradcheck.check_expression(text, bindings)
    if math.isfinite(out.data) and abs(out.data) < 1e6:
        assert gradcheck.passed(results), results


def test_output_that_is_an_input(run):
    """Regression: `x` alone is its own output; the estimate must read f(x+eps) before x moves again."""
    result = run("gradcheck", "x", "x=0", "--json")
    assert result.exit_code == 0
    r = json.loads(result.stdout)["results"][0]
    assert (r["analytic"], r["numeric"], r["status"]) == (1.0, pytest.approx(1.0), "ok")


# --- --config: the shipped configs' models and losses -----------------------------------

def _shipped_configs(repo):
    import glob
    import os

    return sorted(glob.glob(os.path.join(repo, "configs", "*.yaml")))


def test_every_shipped_config_passes(run, repo):
    configs = _shipped_configs(repo)
    assert configs
    for path in configs:
        result = run("gradcheck", "--config", path, "--max-params", "40", "--json")
        assert result.exit_code == 0, (path, result.output)
        doc = json.loads(result.stdout)
        assert doc["passed"] and 1 <= len(doc["results"]) <= 40
        assert all(r["status"] in ("ok", "not differentiable") for r in doc["results"])


def test_config_table_and_summary(run, repo):
    import os

    path = os.path.join(repo, "configs", "tiny.yaml")
    result = run("gradcheck", "--config", path)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"Gradient check of {path}: loss = ")
    assert sum(1 for line in lines if line.startswith("│ ")) == 41  # 3-4-4-1: 16 + 20 + 5 parameters
    assert lines[-1].startswith("ok: 41 of 41 gradients agree (worst abs error ")


def test_config_subset_is_seeded(run, repo):
    import os

    path = os.path.join(repo, "configs", "xor.yaml")
    first = json.loads(run("gradcheck", "--config", path, "--max-params", "5", "--json").stdout)
    again = json.loads(run("gradcheck", "--config", path, "--max-params", "5", "--json").stdout)
    assert [r["name"] for r in first["results"]] == [r["name"] for r in again["results"]]


def test_config_check_fails_on_a_broken_op(run, repo, monkeypatch):
    import os

    monkeypatch.setattr(ops.BY_NAME["tanh"], "deriv", lambda g, a, o: (g * (1.0 - o),))
    result = run("gradcheck", "--config", os.path.join(repo, "configs", "tiny.yaml"), "--json")
    assert result.exit_code == 1
    assert not json.loads(result.stdout)["passed"]


def test_parameter_names_follow_mlp_order():
    from mgrad_cli.backends.mlp import parameter_names

    assert parameter_names([2, 2, 1]) == [
        "w1.0.0", "w1.0.1", "b1.0", "w1.1.0", "w1.1.1", "b1.1", "w2.0.0", "w2.0.1", "b2.0"]


@pytest.mark.parametrize("args, message", [
    ([], "give an EXPRESSION (with NAME=VALUE inputs) or --config CONFIG"),
    (["x", "--config", "c.yaml"], "give an EXPRESSION or --config, not both"),
])
def test_config_usage_errors(run, args, message):
    result = run("gradcheck", *args)
    assert result.exit_code == 2
    assert result.stderr.endswith(f"Error: {message}\n")


def test_missing_config_is_exit_2(run, tmp_path):
    result = run("gradcheck", "--config", tmp_path / "nope.yaml")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and "no such file" in result.stderr


# --- --engine: the tensor engine, and both engines against each other -----------------------

@pytest.mark.parametrize("engine", ["tensor", "both", "torch", "all"])
def test_every_shipped_config_passes_on_each_engine_and_on_both_and_all(run, repo, engine):
    if engine in ("torch", "all"):
        need_module("torch")
    for path in _shipped_configs(repo):
        result = run("gradcheck", "--config", path, "--engine", engine, "--max-params", "12", "--json")
        assert result.exit_code == 0, (path, result.output)
        doc = json.loads(result.stdout)
        assert doc["passed"] and doc["engine"] == engine and len(doc["results"]) == 12
        assert all(r["status"] in ("ok", "not differentiable") for r in doc["results"])
        if engine in ("both", "all"):
            engines = ["scalar", "tensor"] + (["torch"] if engine == "all" else [])
            assert doc["engines"] == engines
            assert all(doc["loss"][e] == pytest.approx(doc["loss"]["scalar"], rel=1e-12) for e in engines)
            assert all(r["engine_error"] <= 1e-9 for r in doc["results"])
            assert all(r[e] == pytest.approx(r["scalar"], rel=1e-9, abs=1e-12) for r in doc["results"] for e in engines)


def test_engine_defaults_to_the_configs_and_can_be_overridden(run, repo):
    import os

    path = os.path.join(repo, "configs", "digits.yaml")  # engine: tensor
    assert json.loads(run("gradcheck", "--config", path, "--max-params", "2", "--json").stdout)["engine"] == "tensor"
    doc = json.loads(run("gradcheck", "--config", path, "--max-params", "2", "--engine", "scalar", "--json").stdout)
    assert doc["engine"] == "scalar" and doc["passed"]


def test_both_engines_table_and_summary(run, repo):
    import os

    path = os.path.join(repo, "configs", "tiny.yaml")
    result = run("gradcheck", "--config", path, "--engine", "both")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"Gradient check of {path} on both engines: loss = 0.8976 on 4 samples")
    # the headers of two words stacked on two lines
    assert lines[2].split() == ["┃", "┃", "┃", "┃", "┃", "scalar", "vs", "┃", "vs", "┃", "┃"]
    assert lines[3].split() == ["┃", "parameter", "┃", "scalar", "┃", "tensor", "┃", "numeric", "┃", "tensor", "┃",
                                "numeric", "┃", "status", "┃"]
    assert sum(1 for line in lines if line.startswith("│ ")) == 41
    assert lines[-1].startswith("ok: 41 of 41 gradients agree on both engines (engines apart by at most ")


def test_both_engines_catch_a_broken_tensor_op(run, repo, monkeypatch):
    # tanh's gradient off by one part in a million: finite differences (rtol 1e-3) miss it,
    # the comparison of the engines does not
    import os

    from mgrad_cli.autograd import tensor

    tanh = tensor.BY_NAME["tanh"]
    monkeypatch.setattr(tanh, "deriv", (lambda g, a, o: g * (1.0 - o * o) * (1 + 1e-6),))
    path = os.path.join(repo, "configs", "tiny.yaml")
    assert run("gradcheck", "--config", path, "--engine", "tensor").exit_code == 0
    result = run("gradcheck", "--config", path, "--engine", "both")
    assert result.exit_code == 1
    assert "w1.0.0: the engines disagree: scalar " in result.stdout
    assert result.stdout.splitlines()[-1].startswith("FAIL: 41 of 41 gradients disagree")


def test_all_engines_table_and_a_broken_torch_loss(run, repo, monkeypatch, torch):
    import dataclasses
    import os

    from mgrad_cli.nn import losses

    path = os.path.join(repo, "configs", "tiny.yaml")
    result = run("gradcheck", "--config", path, "--engine", "all")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"Gradient check of {path} on the scalar, tensor and torch engines: loss = 0.8976 "
                               "on 4 samples")
    assert lines[2].split() == ["┃", "┃", "┃", "┃", "┃", "┃", "engines", "┃", "vs", "┃", "┃"]
    assert lines[3].split() == ["┃", "parameter", "┃", "scalar", "┃", "tensor", "┃", "torch", "┃", "numeric", "┃",
                                "apart", "┃", "numeric", "┃", "status", "┃"]
    assert lines[-1].startswith("ok: 41 of 41 gradients agree on the scalar, tensor and torch engines (engines apart")
    # mse's torch form off by one part in a million: finite differences miss it, the engines do not
    mse = losses.LOSSES["mse"]
    monkeypatch.setitem(losses.LOSSES, "mse", dataclasses.replace(
        mse, torch=lambda torch, scores, T: mse.torch(torch, scores, T) * (1 + 1e-6)))
    assert run("gradcheck", "--config", path, "--engine", "torch").exit_code == 0
    result = run("gradcheck", "--config", path, "--engine", "all")
    assert result.exit_code == 1
    assert "w1.0.0: the engines disagree: scalar " in result.stdout and ", torch " in result.stdout
    assert result.stdout.splitlines()[-1].startswith("FAIL: 41 of 41 gradients disagree")


def test_engine_needs_a_config(run):
    result = run("gradcheck", "x*x", "x=2", "--engine", "tensor")
    assert result.exit_code == 2
    assert result.stderr.endswith("Error: --engine needs --config (an expression is checked on the scalar engine)\n")


def _strict_json(text):
    """json.loads accepts Infinity and NaN, which are not JSON: refuse them."""
    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")
    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("args", [
    ["x*x", "x=1", "--atol", "inf"],
    ["--config", "configs/tiny.yaml", "--max-params", "2", "--atol", "inf"],
    ["--config", "configs/tiny.yaml", "--max-params", "2", "--rtol", "inf", "--engine", "both"],
])
def test_json_is_valid_with_infinite_tolerances(run, repo, monkeypatch, args):
    """Regression: --atol inf was written as `"atol": Infinity`, which no JSON parser must accept."""
    monkeypatch.chdir(repo)
    result = run("gradcheck", *args, "--json")
    assert result.exit_code == 0, result.output
    doc = _strict_json(result.stdout)
    assert doc["atol" if "--atol" in args else "rtol"] == "inf"


@pytest.mark.parametrize("engine", ["scalar", "both"])
def test_config_reports_the_samples_it_used(run, repo, monkeypatch, engine):
    """Regression: --samples 1000 on tiny (4 training samples) said "on 1000 samples"."""
    monkeypatch.chdir(repo)
    result = run("gradcheck", "--config", "configs/tiny.yaml", "--samples", "1000", "--engine", engine)
    assert result.exit_code == 0
    assert " on 4 samples" in result.stdout.splitlines()[0] and "1000" not in result.stdout
    doc = json.loads(run("gradcheck", "--config", "configs/tiny.yaml", "--samples", "1000", "--engine", engine,
                         "--json").stdout)
    assert doc["samples"] == 4


def test_worst_takes_any_error_attribute_nan_first():
    """The one `worst` both gradcheck tables use (the --engine both one had its own copy)."""
    grads = {"scalar": 1.0, "tensor": 1.0}
    rows = [gradcheck.EngineResult("a", grads, 1.0, 1e-3, 0.5, "ok"),
            gradcheck.EngineResult("b", grads, 1.0, math.nan, 0.1, "FAIL"),
            gradcheck.EngineResult("c", grads, 1.0, 1e-2, 0.9, "ok")]
    assert [r.name for r in gradcheck.worst(rows, "engine_error", "rel_error")] == ["b", "c"]
    assert [r.name for r in gradcheck.worst(rows, "engine_error")] == ["b"]


# --- which samples a config is checked on ------------------------------------------------

ORIGIN_CSV = "x1,x2,label\n" + "0,0,a\n" * 6 + "1,2,b\n0.5,-1,a\n-1,1,b\n"
ORIGIN_CONFIG = "seed: 3\ndata: {csv: o.csv}\nmodel: {layers: [4, 1], activation: relu}\nloss: hinge\n"


def test_config_samples_are_drawn_with_the_seed_from_the_whole_training_set(run, repo, monkeypatch):
    import numpy as np

    monkeypatch.chdir(repo)
    doc = json.loads(run("gradcheck", "--config", "configs/xor.yaml", "--json").stdout)
    n_train = 80  # xor: 100 samples, 20% held out
    assert doc["sample_indices"] == np.random.default_rng(0).permutation(n_train)[:4].tolist()
    assert doc["samples"] == 4 and doc["samples_skipped"] == 0 and doc["passed"] is True


def test_samples_at_a_kink_are_skipped_and_counted(run, tmp_path):
    """At the origin with zero biases every relu input is exactly 0: no derivative to check there."""
    (tmp_path / "o.csv").write_text(ORIGIN_CSV)
    (tmp_path / "o.yaml").write_text(ORIGIN_CONFIG)
    result = run("gradcheck", "--config", tmp_path / "o.yaml", "--samples", "3", "--json")
    doc = json.loads(result.stdout)
    assert result.exit_code == 0 and doc["passed"] is True
    assert sorted(doc["sample_indices"]) == [6, 7, 8]  # the three rows away from the origin
    assert doc["samples_skipped"] > 0
    assert all(r["status"] == "ok" for r in doc["results"])
    title = " ".join(run("gradcheck", "--config", tmp_path / "o.yaml", "--samples", "3").stdout.split())
    assert (f"on 3 samples drawn with seed 3 ({doc['samples_skipped']} skipped: a relu or abs input exactly at 0, "
            "where there is no derivative)") in title


def test_when_every_sample_is_at_a_kink_nothing_is_checked(run, tmp_path):
    (tmp_path / "o.csv").write_text("x1,x2,label\n" + "0,0,a\n0,0,b\n" * 3)
    (tmp_path / "o.yaml").write_text(ORIGIN_CONFIG)
    result = run("gradcheck", "--config", tmp_path / "o.yaml")
    assert result.exit_code == 1
    assert result.stderr == ("Error: all 6 training samples put a relu or abs input exactly at 0, where there is "
                             "no derivative: nothing to check\n")


def test_numbers_are_never_cut_at_80_columns(run, repo, monkeypatch):
    """Piped output is 80 columns: '-2.1361747275…' hid the e-06 of a gradient."""
    monkeypatch.chdir(repo)
    result = run("gradcheck", "--config", "configs/moons.yaml", "--max-params", "6", env={"COLUMNS": "80"})
    assert result.exit_code == 0
    assert "…" not in result.stdout
    rows = [line for line in result.stdout.splitlines() if line.startswith("│")]
    assert len(rows) == 6 and all(len(line) <= 80 for line in rows)
    assert any("e-0" in line.split("│")[2] for line in rows)  # small gradients keep their exponent
