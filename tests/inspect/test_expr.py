"""The expression language: what it computes, and everything it refuses (exit 2, a caret)."""

import math
import time
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mgrad_cli.autograd import value as engine, ops
from mgrad_cli.inspect import expr
from mgrad_cli.errors import ExpressionError

LECTURE = "e = a*b; d = e + c; L = d * f"
LECTURE_BINDINGS = {"a": 2.0, "b": -3.0, "c": 10.0, "f": -2.0}


def error_of(text, bindings=None):
    with pytest.raises(ExpressionError) as info:
        program = expr.parse(text)
        expr.evaluate(program, bindings if bindings is not None else {n: 1.0 for n in program.inputs})
    return info.value


# --- what it computes ---------------------------------------------------------------

def test_lecture_example_values_and_labels():
    out, values = expr.run(LECTURE, LECTURE_BINDINGS)
    out.backward()
    assert out.label == "L" and out.data == -8.0
    got = {name: (v.label, v.data, v.grad) for name, v in values.items()}
    assert got == {
        "a": ("a", 2.0, 6.0), "b": ("b", -3.0, -4.0), "c": ("c", 10.0, -2.0), "f": ("f", -2.0, 4.0),
        "e": ("e", -6.0, -2.0), "d": ("d", 4.0, -2.0), "L": ("L", -8.0, 1.0),
    }


def test_newlines_indentation_and_comments_separate_statements():
    text = """
        e = a*b      # the product
        d = e + c
        L = d * f
    """
    out, _ = expr.run(text, LECTURE_BINDINGS)
    assert (out.label, out.data) == ("L", -8.0)


def test_inputs_in_order_of_first_use_and_bare_output_is_labelled_out():
    program = expr.parse("tanh(x1*w1 + x2*w2 + b)")
    assert program.inputs == ("x1", "w1", "x2", "w2", "b")
    out, _ = expr.evaluate(program, dict(x1=2, x2=0, w1=-3, w2=1, b=6.8813735870195432))
    assert out.label == expr.OUTPUT_LABEL
    assert out.data == pytest.approx(math.sqrt(0.5), abs=1e-12)


@pytest.mark.parametrize("text, value", [
    ("2 + 3 * 4", 14.0), ("2 ** 3 ** 2", 512.0), ("-2 ** 2", -4.0), ("(-2) ** 2", 4.0),
    ("+x", 3.0), ("1e3 / 4", 250.0), ("1_000 * 2.5E-1", 250.0), ("relu(-x) + abs(-x)", 3.0),
    ("exp(log(x))", 3.0), ("sum(x, x, 1)", 7.0), ("sigmoid(0)", 0.5), ("0x10", 16.0),
    ("1/0", math.inf), ("-1/0", -math.inf), ("log(-x)", math.nan), ("10**400", math.inf),
    ("9**9**9**9", math.inf), ("1" + "0" * 400, math.inf),
])
def test_arithmetic_in_float64(text, value):
    program = expr.parse(text)
    out, _ = expr.evaluate(program, {n: 3.0 for n in program.inputs})
    if math.isnan(value):
        assert math.isnan(out.data)
    else:
        assert out.data == pytest.approx(value, rel=1e-12)


def test_power_tower_is_instant():
    start = time.perf_counter()
    out, _ = expr.run("9**9**9**9**9**9**9**9", {})
    assert out.data == math.inf
    assert time.perf_counter() - start < 0.5


def test_a_name_used_twice_is_one_node_and_gathers_both_gradients():
    out, values = expr.run("y = x*x + x", {"x": 3.0})
    out.backward()
    assert values["x"].grad == 7.0
    assert sum(1 for v in out.topo() if v.label == "x") == 1


def test_alias_keeps_the_first_label_and_constants_get_the_name():
    out, values = expr.run("k = 2; e = x; y = e * k", {"x": 3.0})
    assert values["e"] is values["x"] and values["x"].label == "x"
    assert values["k"].label == "k" and values["k"].data == 2.0
    assert out.data == 6.0


def test_evaluate_reuses_value_leaves():
    program = expr.parse("y = x * 2")
    x = engine.Value(5.0)
    out, values = expr.evaluate(program, {"x": x})
    assert values["x"] is x and x.label == "x" and out.data == 10.0


def test_long_flat_sum_is_not_deep_nesting():
    text = " + ".join(f"x{i}" for i in range(300))
    out, _ = expr.run(text, {f"x{i}": 1.0 for i in range(300)})
    assert out.data == 300.0


def test_operators_and_functions_come_from_the_op_table(monkeypatch):
    """One new Op entry is usable in expressions (infix and function) with no parser change."""
    mod = ops.Op("mod", 2, "%", math.fmod, lambda g, a, b, o: (g, -g * float(a // b)), "infix", "mod", "a % b")
    sin = ops.Op("sin", 1, "sin", math.sin, lambda g, a, o: (g * math.cos(a),), doc="sine")
    monkeypatch.setattr(ops, "OPS", ops.OPS + [mod, sin])
    monkeypatch.setitem(ops.BY_NAME, "mod", mod)
    monkeypatch.setitem(ops.BY_NAME, "sin", sin)
    monkeypatch.setitem(ops.FUNCTIONS, "sin", sin)
    out, values = expr.run("y = sin(x) + x % 2", {"x": 3.0})
    out.backward()
    assert out.data == pytest.approx(math.sin(3.0) + 1.0)
    assert values["x"].grad == pytest.approx(math.cos(3.0) + 1.0)
    assert {v.op for v in out.topo()} >= {sin, mod}


def test_without_the_entry_the_operator_is_refused():
    e = error_of("x % 2")
    assert str(e) == "the operator % is not supported (operators: + - * / **, unary -)"
    assert e.column == 2


# --- bindings -----------------------------------------------------------------------

def test_parse_bindings():
    assert expr.parse_bindings(["a=2", "b=-3", "c=1e-3", " d = inf "]) == {
        "a": 2.0, "b": -3.0, "c": 1e-3, "d": math.inf}


@pytest.mark.parametrize("args, message, column", [
    (["a2"], "expected NAME=VALUE, got 'a2'", 2),
    (["2a=1"], "'2a' is not a valid name in '2a=1'", 0),
    (["b=foo"], "the value of b is not a number: 'foo'", 2),
    (["b="], "the value of b is not a number: ''", 2),
    (["b=1/3"], "the value of b is not a number: '1/3'", 2),
    (["a=1", "a=2"], "a is bound twice", 0),
    (["x=1", "\uff58=2"], "x is bound twice ('\uff58' is x once normalised)", 0),
    (["--rankdr"], "no such option: --rankdr", None),
])
def test_bad_bindings(args, message, column):
    with pytest.raises(ExpressionError) as info:
        expr.parse_bindings(args)
    assert str(info.value) == message
    assert info.value.column == column


def test_unbound_names_are_all_listed():
    e = error_of("a*b + c*d", {"a": 1.0})
    assert str(e) == "no values for b, c, d: bind each as NAME=VALUE, e.g. b=1.0 c=1.0 d=1.0"
    assert e.column == 2


def test_names_are_read_as_python_reads_them_and_written_one_way(run):
    # the micro sign (U+00B5) is the Greek mu (U+03BC) once NFKC-normalised, as Python
    # normalises the expression's names: the binding is normalised the same way
    out, _ = expr.evaluate(expr.parse("\u00b5 * 2"), expr.parse_bindings(["\u00b5=3"]))
    assert out.data == 6.0
    result = run("graph", "x + \uff58", "x=1", "-o", "never.dot")
    assert (result.exit_code, result.stderr.splitlines()[0]) == (
        2, "Error: '\uff58' and 'x' are the same name once normalised (NFKC, as Python reads names); write it "
           "one way")


def test_binding_checks():
    assert str(error_of("e = a*2", {"a": 1.0, "e": 2.0})) == (
        "e is computed by the expression, so it cannot be bound to a value")
    with pytest.raises(ExpressionError, match="e is computed by the expression"):
        expr.bind(expr.parse("e = a*2"), ["a=1", "e=2"])


def test_an_unused_binding_is_set_aside_not_refused():
    program = expr.parse("exp(x)")
    assert expr.bind(program, ["a=1", "x=2", "b=3"]) == ({"x": 2.0}, ["a", "b"])
    assert expr.bind(program, ["x=2"]) == ({"x": 2.0}, [])
    out, _ = expr.evaluate(program, {"a": 1.0, "x": 2.0})  # the library ignores it
    assert out.data == math.exp(2.0)


# --- everything it refuses, through the CLI: exact message, exit 2, a caret -------------

HOSTILE = [
    # (expression, message, caret column or None)
    ("a +", "invalid syntax", 3),
    ("a b", "invalid syntax", 2),
    ("a.b", "attribute access is not allowed", 1),
    ("().__class__", "attribute access is not allowed", 2),
    ("().__class__.__bases__[0].__subclasses__()",
     "only these functions can be called: abs, exp, log, relu, sigmoid, sum, tanh", 0),
    ("__import__('os').system('echo hacked')",
     "only these functions can be called: abs, exp, log, relu, sigmoid, sum, tanh", 0),
    ("__import__('os')",
     "unknown function __import__ (functions: abs, exp, log, relu, sigmoid, sum, tanh)", 0),
    ("eval('1')", "unknown function eval (functions: abs, exp, log, relu, sigmoid, sum, tanh)", 0),
    ("open('/etc/passwd')", "unknown function open (functions: abs, exp, log, relu, sigmoid, sum, tanh)", 0),
    ("x + sigmod(x)", "unknown function sigmod: did you mean sigmoid? (functions: abs, exp, log, relu, sigmoid, sum, tanh)", 4),
    ("x + tahn(x)", "unknown function tahn: did you mean tanh? (functions: abs, exp, log, relu, sigmoid, sum, tanh)", 4),
    ("x[0]", "subscripts are not allowed", 0),
    ("'abc'", "strings are not allowed: only numbers", 0),
    ("f'{x}'", "strings are not allowed: only numbers", 0),
    ("b'x'", "strings are not allowed: only numbers", 0),
    ("lambda: 1", "lambdas are not allowed", 0),
    ("(lambda: 1)()", "only these functions can be called: abs, exp, log, relu, sigmoid, sum, tanh", 0),
    ("[x for x in y]", "comprehensions are not allowed", 0),
    ("sum(x for x in y)", "comprehensions are not allowed", 3),
    ("exp(x=1)", "keyword arguments are not allowed", 6),
    ("exp(*x)", "starred arguments are not allowed", 4),
    ("exp(x, x)", "exp() takes 1 argument, got 2", 0),
    ("sum()", "sum() needs at least one argument", 0),
    ("exp + 1", "exp is a function: call it, as in exp(x)", 0),
    ("exp = 2", "exp is a function; choose another name", 0),
    ("True", "True is not a number", 0),
    ("None", "None is not a number", 0),
    ("1j", "complex numbers are not supported", 0),
    ("(x, x)", "tuples are not allowed", 0),
    ("[x]", "lists are not allowed", 0),
    ("{x: 1}", "dictionaries are not allowed", 0),
    ("x < 1", "comparisons are not supported", 0),
    ("x and 1", "and/or are not supported", 0),
    ("not x", "and/or/not are not supported", 0),
    ("~x", "the operator ~ is not supported (operators: + - * / **, unary -)", 0),
    ("x // 2", "the operator // is not supported (operators: + - * / **, unary -)", 2),
    ("x @ x", "the operator @ is not supported (operators: + - * / **, unary -)", 2),
    ("1 if x else 2", "conditional expressions are not supported", 0),
    ("(y := 2)", "':=' is not supported: write `name = expression` as a statement of its own", 1),
    ("x += 1", "augmented assignment (+= and the like) is not supported: use a new name", 0),
    ("x: int = 1", "annotations are not supported", 0),
    ("a = b = x", "assign one name at a time (`a = b = ...` is not supported)", 0),
    ("a, b = x", "tuples are not allowed", 0),
    ("import os", "import statements are not allowed", 0),
    ("from os import system", "import statements are not allowed", 0),
    ("def f(): pass", "function def statements are not allowed: only `name = expression` statements "
                      "and a final expression", 0),
    ("x; y = 2", "only the last statement can be a bare expression: name this one (e.g. `t = ...`)", 0),
    ("e = e + 1", "e is used before it is assigned", 4),
    ("y = e * 2; e = x", "e is used before it is assigned", 4),
    ("y = x; x = 2", "x is used before it is assigned", 4),
    ("y = x; y = 2", "y is assigned twice", 7),
    ("", "the expression is empty", None),
    ("  # nothing\n", "the expression is empty", None),
    ("x\x00", "the expression contains a null character", 1),
    ("x + \ud800", "the expression contains an unpaired surrogate (U+D800)", 4),
    ("exp(x", "'(' is never closed", 3),
    ("(x + 1))", "')' closes no bracket", 7),
    ("exp(x]", "']' does not close '('", 5),
    ("x = 1  # (\nx + €", "invalid syntax", 15),
    ("x = 1\n  y = x +\n", "invalid syntax", 15),
    ("é = x +", "invalid syntax", 7),
    ("x + é.real", "attribute access is not allowed", 5),
]


@pytest.mark.parametrize("text, message, column", HOSTILE)
def test_refused(text, message, column):
    e = error_of(text)
    assert (str(e), e.column) == (message, column)


@pytest.mark.parametrize("text, message, column", [h for h in HOSTILE if h[0].isprintable() or "\n" in h[0]])
def test_refused_by_the_cli_with_a_caret_and_exit_2(run, text, message, column):
    result = run("graph", text, "-o", "never.dot")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0] == f"Error: {message}"
    if column is not None:
        line_start = text.rfind("\n", 0, column) + 1
        assert lines[-1] == "  " + " " * (column - line_start) + "^"
    assert "Traceback" not in result.output


def test_the_cli_refuses_the_same_in_gradcheck(run):
    result = run("gradcheck", "__import__('os').system('echo hacked')")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: only these functions can be called: abs, exp, log, relu, sigmoid, sum, tanh\n"
        "  __import__('os').system('echo hacked')\n"
        "  ^\n")
    assert "hacked" not in result.stdout


# --- size limits ----------------------------------------------------------------------

def test_too_long():
    e = error_of("x+" * 1000 + "x")
    assert str(e) == f"the expression is too long (2001 characters; the limit is {expr.MAX_LENGTH})"


def test_too_many_nodes():
    e = error_of("+".join(["1"] * 600))  # 600 numbers and 599 additions
    assert str(e) == "the expression is too big (more than 1000 numbers, names and operations)"


@pytest.mark.parametrize("text, message, column", [
    ("(" * 101 + "x" + ")" * 101, "the expression is nested too deeply (more than 100 levels)", 100),
    ("[" * 101, "the expression is nested too deeply (more than 100 levels)", 100),
    ("x + " + "-" * 100 + "x", "the expression is nested too deeply (more than 100 signs in a row)", 2),
    ("- " * 101 + "x", "the expression is nested too deeply (more than 100 signs in a row)", 0),
    ("x" + "**x" * 120, "the expression is nested too deeply (more than 100 levels)", None),
])
def test_too_deep(text, message, column):
    e = error_of(text)
    assert str(e) == message
    if column is not None:
        assert e.column == column


def test_deep_but_allowed():
    out, _ = expr.run("(" * 90 + "x" + ")" * 90, {"x": 2.0})
    assert out.data == 2.0
    out, _ = expr.run("abs(" * 60 + "x" + ")" * 60, {"x": -2.0})
    assert out.data == 2.0


# --- fuzz: random text gives a clean result or a clean error, never anything else -------------

ALPHABET = "abxy019.eE+-*/()=;,\n _'\"[]{}:<>%@~!#\\" + "exptanhlogrelusigmoidabs"


def _fuzz_one(text):
    try:
        program = expr.parse(text)
        out, values = expr.evaluate(program, {n: 1.5 for n in program.inputs})
        out.backward()
    except ExpressionError as e:
        assert str(e) and "\n" not in str(e)
        assert e.column is None or 0 <= e.column <= len(e.source)
        return "error"
    assert isinstance(out.data, float)
    return "ok"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=ALPHABET, max_size=60))
def test_fuzz_structured_text(text):
    _fuzz_one(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_fuzz_any_unicode(text):
    _fuzz_one(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=ALPHABET, max_size=40))
def test_fuzz_through_the_cli(run, tmp_path_factory, text):
    path = tmp_path_factory.mktemp("fuzz") / "g.dot"
    result = run("graph", "-o", path, "--", text)  # `--`: a text like "-h" is still the expression
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 0:
        assert path.exists()
    else:
        assert result.stderr.startswith("Error: ")
    assert "Traceback" not in result.output


def test_parsing_warns_of_nothing():
    # Python 3.12+ warns of an invalid escape (SyntaxWarning; 3.11 a DeprecationWarning) on
    # stderr while parsing; the user's text is refused with our message and nothing else
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert str(error_of('a = "\\d" + x')) == "strings are not allowed: only numbers"


@pytest.mark.parametrize("text, shown, column", [
    ("a\x1b]0;TITLE\x07 + b)", "a\ufffd]0;TITLE\ufffd + b)", 2),  # would retitle the terminal
    ("a\u202e + b)", "a\ufffd + b)", 6),  # a bidi override would reorder the line
    ("a +\tb)", "a + b)", 5),
])
def test_the_line_under_an_error_shows_no_control_character(run, text, shown, column):
    """The expression echoed above the caret is shown as names are (data/names.py's rule):
    a character that would act on the terminal is U+FFFD, one for one under the caret."""
    result = run("graph", text, "a=1", "b=2")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[1:] == ["  " + shown, "  " + " " * column + "^"]
