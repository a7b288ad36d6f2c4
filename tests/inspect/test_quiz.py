"""`mgrad backprop --quiz`, `--quiz-local`, `--exercise N` and `mgrad exercises`: a learner's
answers piped in (or typed at a terminal), graded, and explained step by step."""

import json
import math

import pytest

from mgrad_cli.cli.commands import quiz as quiz_cli
from mgrad_cli.inspect import expr, quiz
from mgrad_cli.inspect.exercises import EXERCISES, exercise
from mgrad_cli.inspect.view import GraphView

LECTURE = ["e = a*b; d = e + c; L = d * f", "a=2", "b=-3", "c=10", "f=-2"]
INF, NAN = math.inf, math.nan

# (answer as typed, true value, right?): the grading rule, which the HTML page must share
# (tests/test_html.py runs the same table in the browser)
GRADING_CASES = [
    ("-2", -2.0, True), ("-2.0000001", -2.0, True), ("-2.00001", -2.0, True), ("-2.001", -2.0, False),
    ("6", 6.000000001, True), ("0.7071", 0.7071067811865476, True), ("0.7072", 0.7071067811865476, False),
    ("0.70711", 0.7071067811865476, True), ("1.235", 1.2345678, True), ("1.234", 1.2345678, False),
    ("1.063", 1.0625, True), ("1.062", 1.0625, False),  # a tie rounds away from zero, in both
    ("-1.063", -1.0625, True), ("10.13", 10.125, True), ("10.12", 10.125, False),
    ("2", -2.0, False), ("-0.7071", 0.7071067811865476, False),  # the sign counts
    ("0", 0.0, True), ("-0", 0.0, True), ("1e-10", 0.0, True), ("1e-8", 0.0, False), ("0", 1e-10, True),
    ("1.235e6", 1234567.0, True), ("1235000", 1234567.0, True), ("1.24e6", 1234567.0, False),
    ("+.5", 0.5, True), ("5e-1", 0.5, True), ("0.5000", 0.49999999999, True),
    ("inf", INF, True), ("Infinity", INF, True), ("-inf", -INF, True), ("inf", -INF, False),
    ("1e308", INF, False), ("nan", NAN, True), ("NaN", NAN, True), ("nan", 0.0, False), ("0", NAN, False),
    ("1e400", INF, True),  # a number too big for a float is inf, in Python and JavaScript alike
]


def lines(result, stream="stdout"):
    return getattr(result, stream).splitlines()


def answers(*values):
    return "".join(f"{v}\n" for v in values)


@pytest.mark.parametrize("text,true,right", GRADING_CASES)
def test_the_grading_rule(text, true, right):
    assert quiz.grade(quiz.parse_answer(text), true) is right


@pytest.mark.parametrize("text", ["", "abc", "1/2", "1,5", "2 3", "0x10", "1_000", "٣", "--1", "infinite", "e5"])
def test_what_is_not_a_number(text):
    assert quiz.parse_answer(text) is None


def test_the_questions_come_in_reverse_topological_order_without_the_output_and_literals():
    out, _ = expr.run("t = 2*a + b; L = t * t", {"a": 1.0, "b": 3.0})
    out.backward()
    view = GraphView(out)
    order = [n.name for n in view]
    asked = [q.node.name for q in quiz.gradient_questions(view)]
    assert asked == [n for n in reversed(order) if n not in ("L", "2")]
    assert [q.expected for q in quiz.gradient_questions(view)] == [view.nodes[order.index(n)].grad for n in asked]
    local = quiz.local_questions(view)
    assert [q.key for q in local] == ["∂L/∂t (use 1 of 2)", "∂L/∂t (use 2 of 2)", "∂t/∂t2", "∂t/∂b", "∂t2/∂a"]


def test_all_right_exits_0(run):
    result = run("backprop", *LECTURE, "--quiz", input=answers(4, -2, -2, -2, -4, 6), env={"COLUMNS": "100"})
    assert result.exit_code == 0
    out = lines(result)
    assert out[:3] == [
        "Forward pass: L = -8. Find the gradient ∂L/∂node of 6 nodes, from L down (reverse topological",
        "order), knowing L.grad = 1. Answer each with a number (inf and nan too), or ? to see it.",
        "┏━━━━━━┳━━━━━━━━━━━━━┳━━━━━━┳━━━━━━┓"]
    assert out[5:12] == ["│ a    │ input       │    2 │    ? │", "│ b    │ input       │   -3 │    ? │",
                         "│ e    │ a * b       │   -6 │    ? │", "│ c    │ input       │   10 │    ? │",
                         "│ d    │ e + c       │    4 │    ? │", "│ f    │ input       │   -2 │    ? │",
                         "│ L    │ d * f       │   -8 │    1 │"]
    assert out[13:18] == ["", "Question 1 of 6: f, an input (data -2)", "  used in: L = d * f (L.grad = 1)",
                          "  found so far: L.grad = 1", "∂L/∂f = 4"]
    assert "│ L = d * f │ d     │ ∂L/∂d = f = -2.0000 │   1.0000 │ -2.0000 │    -2.0000 │" in out
    assert "  found so far: L.grad = 1, f.grad = 4, d.grad = -2, c.grad = -2, e.grad = -2, b.grad = -4" in out
    assert [line for line in out if line.startswith(("right", "wrong", "Question"))][-2:] == [
        "Question 6 of 6: a, an input (data 2)", "right: ∂L/∂a = 6"]
    assert out[-1] == "score: 6/6"


def test_right_wrong_shown_not_a_number_and_the_end_of_input(run):
    result = run("backprop", *LECTURE, "--quiz", input=answers(4, 4, "?", "two"))
    assert result.exit_code == 1
    out = lines(result)
    assert "right: ∂L/∂f = 4" in out
    at = out.index("wrong: ∂L/∂d = -2, not 4")
    assert out[at - 1] == "∂L/∂d = 4"  # the answer piped in, echoed as a terminal would show it
    assert out[at + 4] == "│ L = d * f │ d     │ ∂L/∂d = f = -2.0000 │   1.0000 │ -2.0000 │    -2.0000 │"
    at = out.index("shown, counted as missed: ∂L/∂c = -2")
    assert out[at + 4] == "│ d = e + c │ c     │ ∂d/∂c = 1        │  -2.0000 │ -2.0000 │    -2.0000 │"
    assert out[out.index("∂L/∂e = two") + 1] == "not a number, counted as wrong: ∂L/∂e = -2"
    assert out[-4:] == ["∂L/∂b = ", "End of input: 2 questions left, counted as missed.", "score: 1/6",
                        "missed: d, c, e, b, a"]


def test_on_a_terminal_a_line_that_is_not_a_number_is_asked_again(run, monkeypatch):
    monkeypatch.setattr(quiz_cli, "on_terminal", lambda: True)
    result = run("backprop", "y = x*x", "x=3", "--quiz", input=answers("six", "", "6"))
    assert result.exit_code == 0
    asked_again = "Not a number: type one (such as -1.5, 0.25, inf or nan), or ? to see it.\n∂y/∂x = "
    assert "∂y/∂x = " + (asked_again * 2) + "right: ∂y/∂x = 6" in result.stdout
    assert "∂y/∂x = six" not in result.stdout  # a terminal shows what was typed: no echo


def test_on_a_terminal_the_end_of_input_leaves_the_rest(run, monkeypatch):
    monkeypatch.setattr(quiz_cli, "on_terminal", lambda: True)
    result = run("backprop", *LECTURE, "--quiz", input="")
    assert result.exit_code == 1
    # Ctrl-D ends the prompt's line: the message starts a line of its own
    assert "∂L/∂f = \nEnd of input: 6 questions left, counted as missed.\n" in result.stdout
    assert lines(result)[-2:] == ["score: 0/6", "missed: f, d, c, e, b, a"]


def test_a_node_used_twice_answered_with_one_share_learns_about_plus_equals(run):
    result = run("backprop", "b = a + a", "a=3", "--quiz", input=answers(1), env={"COLUMNS": "80"})
    assert result.exit_code == 1
    out = lines(result)
    assert "  used in: b = a + a (2 times, b.grad = 1)" in out
    assert out[-6:] == [
        "│           │       │                  │          │         │         = 2.0000 │",
        "└───────────┴───────┴──────────────────┴──────────┴─────────┴──────────────────┘",
        "a is used 2 times: 1 is one use's share, and a.grad adds up all 2: 1 + 1 = 2",
        "(grad +=; with = the last would overwrite the others).",
        "score: 0/1", "missed: a"]
    # the lecture's d = a*b; e = a + b; f = d * e: b gets -6 from e and -2 from d, either share teaches it
    for share in (-6, -2):
        result = run("backprop", "--exercise", "4", "--quiz", input=answers(-6, 1, share, -3))
        assert f"b is used 2 times: {share} is one use's share, and b.grad adds up all 2: -6 + -2 = -8" in \
            result.stdout.replace("\n", " ")
    result = run("backprop", "b = a + a", "a=3", "--quiz", input=answers(5))
    assert "one use's share" not in result.stdout  # a wrong answer that is no share: no lesson


def test_json_has_the_results_on_stdout_and_the_questions_on_stderr(run):
    result = run("backprop", "--exercise", "3", "--quiz", "--json", input=answers(2))
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc == {"expression": "b = a + a", "inputs": {"a": 3.0}, "exercise": 3, "quiz": "gradients",
                   "output": {"name": "b", "data": 6.0}, "score": 1, "total": 1, "missed": [],
                   "results": [{"node": "a", "question": "∂b/∂a", "expected": 2.0, "given": "2", "right": True,
                                "status": "right"}]}
    assert "Question 1 of 1: a, an input (data 3)" in result.stderr
    assert result.stderr.splitlines()[-1] == "score: 1/1"
    result = run("backprop", "y = 1/x", "x=0", "--quiz", "--json", input=answers("-inf"))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["results"] == [
        {"node": "x", "question": "∂y/∂x", "expected": "-inf", "given": "-inf", "right": True, "status": "right"}]
    result = run("backprop", *LECTURE, "--quiz", "--json", input=answers("?", "3", "oops"))
    results = json.loads(result.stdout)["results"]
    assert [(r["given"], r["status"], r["right"]) for r in results] == [
        ("?", "revealed", False), ("3", "wrong", False), ("oops", "not a number", False),
        (None, "unanswered", False), (None, "unanswered", False), (None, "unanswered", False)]


def test_a_big_graph_lists_the_latest_gradients_found(run):
    out = lines(run("backprop", "--exercise", "6", "--quiz", input=answers(*["?"] * 13)))
    found = [line for line in out if line.startswith("  found so far: ")]
    assert len(found) == 13 and found[11].startswith("  found so far: o.grad = 1, t15.grad = ")
    assert found[12].startswith("  found so far: …, t15.grad = ")  # 12 shown, and what each needs is in `used in`
    assert "  used in: t3 = x1 * w1 (t3.grad = 0.5)" in out


def test_quiz_local_asks_for_each_edge(run):
    result = run("backprop", *LECTURE, "--quiz-local", input=answers(-2, 4, 1, 1, -3, 2))
    assert result.exit_code == 0
    out = lines(result)
    assert out[0].startswith("Forward pass: L = -8. Find the local derivative ∂node/∂input of 6 edges,")
    assert "Edge 1 of 6: L = d * f, where d = 4, f = -2 and L = -8" in out
    assert out[out.index("Edge 1 of 6: L = d * f, where d = 4, f = -2 and L = -8") + 1] == "∂L/∂d = -2"
    assert "right: ∂e/∂a = -3" in out and out[-1] == "score: 6/6"
    result = run("backprop", "t = a*a", "a=3", "--quiz-local", "--json", input=answers(3, 6))
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["quiz"] == "local derivatives" and doc["missed"] == ["∂t/∂a (use 2 of 2)"]
    assert doc["results"][0] == {"node": "t", "input": "a", "question": "∂t/∂a (use 1 of 2)", "expected": 3.0,
                                 "given": "3", "right": True, "status": "right"}


def test_the_exercises_list(run):
    for width in (80, 100):
        result = run("exercises", env={"COLUMNS": str(width)})
        assert result.exit_code == 0
        assert max(len(line) for line in lines(result)) <= width
        assert "│  1 │ d = a*b + c " in result.stdout and "│ 10 │ n = x*w + b;" in result.stdout
    doc = json.loads(run("exercises", "--json").stdout)
    assert len(doc) == len(EXERCISES) >= 10
    assert doc[1] == {"number": 2, "expression": "e = a*b; d = e + c; L = d * f",
                      "bindings": ["a=2", "b=-3", "c=10", "f=-2"], "goal": EXERCISES[1].goal}


@pytest.mark.parametrize("number", range(1, len(EXERCISES) + 1))
def test_every_exercise_is_solved_by_its_true_answers(run, number):
    chosen = exercise(number)
    out, _ = expr.run(chosen.expression, expr.parse_bindings(chosen.bindings))
    out.backward()
    view = GraphView(out)
    for flag, questions in (("--quiz", quiz.gradient_questions(view)), ("--quiz-local", quiz.local_questions(view))):
        result = run("backprop", "--exercise", number, flag, input=answers(*(repr(q.expected) for q in questions)))
        assert result.exit_code == 0, result.stdout
        assert lines(result)[-1] == f"score: {len(questions)}/{len(questions)}"
        assert len(chosen.goal) <= 76  # one line


def test_every_output_fits_the_terminal(run):
    wrong = answers(*(["1", "?", "x"] * 6))
    for width in ("80", "100"):
        for args in (["--exercise", "6", "--quiz"], ["--exercise", "6", "--quiz-local"], ["--exercise", "4", "--quiz"]):
            result = run("backprop", *args, input=wrong, env={"COLUMNS": width})
            assert max(len(line) for line in lines(result)) <= int(width), args
            assert not [line for line in lines(result) if line.endswith(" ") and not line.endswith("= ")]


def test_what_is_typed_is_shown_as_text(run):
    result = run("backprop", "y = x*x", "x=3", "--quiz", input=answers("[bold red]6[/]"))
    assert "∂y/∂x = [bold red]6[/]" in result.stdout  # markup is not interpreted
    result = run("backprop", "y = x*x", "x=3", "--quiz", input=answers("\x1b[2J6"))
    assert "\x1b" not in result.stdout and "∂y/∂x = '\\x1b[2J6'" in result.stdout


def test_bad_use_is_one_line_and_exit_2(run):
    for args, message in [
        (["--exercise", "11", "--quiz"], "Error: there is no exercise 11: there are 10, numbered 1 to 10 "
                                         "(mgrad exercises lists them)"),
        (["--exercise", "0"], "Error: there is no exercise 0: there are 10, numbered 1 to 10 "
                              "(mgrad exercises lists them)"),
        (["b = a + a", "--exercise", "3"], "Error: --exercise N brings its own expression and values: "
                                           "give no EXPRESSION"),
        (["--quiz"], "Error: give an EXPRESSION (and NAME=VALUE for its inputs), or --exercise N"),
        (["y = 2*3", "--quiz"], "Error: nothing to ask: y is computed from numbers only, or is an input"),
        (["--exercise", "3", "--quiz", "--quiz-local"], "Error: --quiz asks for gradients, --quiz-local for "
                                                        "local derivatives: choose one"),
        (["--exercise", "3", "--quiz", "--step", "0.1"], "Error: --step shows the answers: it cannot go with a quiz"),
    ]:
        result = run("backprop", *args, env={"COLUMNS": "200"})
        assert result.exit_code == 2, args
        assert result.stderr.splitlines()[-1] == message


def test_an_exercise_without_a_quiz_shows_the_worked_answer(run):
    assert run("backprop", "--exercise", "3").stdout == run("backprop", "b = a + a", "a=3").stdout
