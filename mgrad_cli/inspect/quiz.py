"""Backpropagation as an exercise: the questions a learner answers, and how an answer is graded.

A quiz on a scalar graph asks, in reverse topological order (GraphView's order, reversed),

- for each node's gradient ∂out/∂node (gradient_questions), skipping the output (its
  gradient is 1) and the number literals; a node used several times is asked once, and
  by then all its contributions have been added: its users come after it in
  topological order, so before it in reverse;
- or for each edge's local derivative ∂node/∂input (local_questions), in the order
  backward() takes the edges (explain.chain_rule_steps), skipping edges into number
  literals.

One grading rule (grade), which the HTML page reads too (page_rules): an answer is
right when |given - true| <= max(RELATIVE * |true|, ABSOLUTE), or when both agree
rounded to DIGITS significant digits; inf, -inf and nan only match themselves.
The library asks and grades; the command line reads the answers and prints.
"""

import math
import re
from dataclasses import dataclass

from ..numbers import round_significant, significant
from .explain import chain_rule_steps, partial
from .view import CONSTANT

RELATIVE = 1e-6  # of the true value's size
ABSOLUTE = 1e-9  # the least tolerance, for a true value at or near 0
DIGITS = 4  # or: the same when both are rounded to this many significant digits
REVEAL = "?"  # the answer that shows the true value (and counts as missed)
# an answer: a decimal number, inf or nan; [0-9] rather than \d, which Python widens to
# every script's digits: the page's JavaScript reads the same pattern (case-insensitive)
ANSWER_PATTERN = r"^[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity|nan)$"
_ANSWER = re.compile(ANSWER_PATTERN, re.IGNORECASE)

RIGHT, WRONG, NOT_A_NUMBER, REVEALED, UNANSWERED = "right", "wrong", "not a number", "revealed", "unanswered"


def parse_answer(text):
    """A learner's answer -> float, or None when it is not a number ('-2', '.5', '1e-3',
    'inf', '-inf', 'nan' are numbers; '1/2', '1,5', '' are not)."""
    text = text.strip()
    return float(text) if _ANSWER.match(text) else None


def grade(given, true):
    """Is `given` the value `true`? See the module's docstring for the rule."""
    if not (math.isfinite(given) and math.isfinite(true)):
        return given == true or (math.isnan(given) and math.isnan(true))
    if abs(given - true) <= max(RELATIVE * abs(true), ABSOLUTE):
        return True
    return round_significant(given, DIGITS) == round_significant(true, DIGITS)


def page_rules():
    """The grading rule's constants, for the HTML page's script (page.js)."""
    return {"relative": RELATIVE, "absolute": ABSOLUTE, "digits": DIGITS, "pattern": ANSWER_PATTERN,
            "reveal": REVEAL}


@dataclass(frozen=True)
class Question:
    """One thing to find: `node`'s gradient (input None), or the local derivative
    ∂node/∂input of one edge. `steps` are the chain-rule steps (explain.Step) that make
    the answer, shown after it: a gradient's contributions, or the edge's own step."""

    node: object  # view.Node
    input: object  # view.Node, or None for a gradient
    expected: float
    steps: tuple
    output: str  # the output's name: what the gradients are of
    uses: int = 1  # how many uses of the input this is one of (a * a: 2)
    use: int = 1

    @property
    def local(self):
        return self.input is not None

    @property
    def key(self):
        """The name in the list of those missed: 'e' for e's gradient, '∂e/∂a' for an edge."""
        return self.node.name if not self.local else self.asked

    @property
    def asked(self):
        """What is asked: '∂L/∂e' (e's gradient), '∂e/∂a' or '∂t/∂a (use 1 of 2)' (an edge)."""
        if self.local:
            return partial(self.node, self.input) + self.use_note
        return f"∂{self.output}/∂{self.node.name}"

    @property
    def use_note(self):
        return f" (use {self.use} of {self.uses})" if self.uses > 1 else ""

    @property
    def shares(self):
        """What each use adds to a reused node's gradient: one of them is the `=` bug's answer."""
        return tuple(s.contribution for s in self.steps) if not self.local else ()


def gradient_questions(view):
    """The quiz on every node's gradient: -> [Question], in reverse topological order."""
    steps = chain_rule_steps(view)
    questions = []
    for node in reversed(view.nodes[:-1]):
        if node.kind == CONSTANT:
            continue
        mine = tuple(s for s in steps if s.input.position == node.position)
        questions.append(Question(node, None, float(node.grad), mine, view.root.name))
    return questions


def local_questions(view):
    """The quiz on every edge's local derivative ∂node/∂input: -> [Question]."""
    questions = []
    for s in chain_rule_steps(view):
        if s.input.kind == CONSTANT:
            continue
        uses = s.node.inputs.count(s.input.position)
        use = s.node.inputs[:s.slot + 1].count(s.input.position) if uses > 1 else 1
        questions.append(Question(s.node, s.input, float(s.local), (s,), view.root.name, uses, use))
    return questions


def one_use(question, given):
    """The share of one use, when a reused node's (wrong) answer is one use's share
    instead of their sum (the lecture's bug: `=` where `+=` belongs); else None."""
    if len(question.shares) < 2:
        return None
    return next((share for share in question.shares if grade(given, share)), None)


@dataclass(frozen=True)
class Result:
    """A question and what became of it: the answer as typed (None if none came) and
    its status: RIGHT, WRONG, NOT_A_NUMBER, REVEALED or UNANSWERED."""

    question: Question
    given: str
    status: str

    @property
    def right(self):
        return self.status == RIGHT


def mark(question, text):
    """A Result for the answer `text` (None: no answer came)."""
    if text is None:
        return Result(question, None, UNANSWERED)
    if text.strip() == REVEAL:
        return Result(question, text.strip(), REVEALED)
    given = parse_answer(text)
    if given is None:
        return Result(question, text, NOT_A_NUMBER)
    return Result(question, text.strip(), RIGHT if grade(given, question.expected) else WRONG)


def found(view, questions, done):
    """The gradients known once `done` questions are answered (the output's is 1):
    [(name, text)]. A gradient quiz only: a local quiz finds no gradients."""
    known = [(view.root.name, significant(1.0))]
    return known + [(q.node.name, significant(q.expected)) for q in questions[:done] if not q.local]


def users(view, node):
    """The nodes that take `node` as an input, in topological order: where its gradient comes from."""
    return [n for n in view if node.position in n.inputs]


def score(results):
    """-> (right, total, [keys of the questions missed])."""
    return (sum(r.right for r in results), len(results), [r.question.key for r in results if not r.right])
