"""The exercises of `mgrad exercises` and `mgrad backprop --exercise N`, in the lecture's order.

One table, EXERCISES: each entry is an expression in the language of `mgrad graph`, its
bindings as typed on the command line, and a one-line goal. A teacher adds an exercise
by adding an entry; tests/test_quiz.py checks that every entry runs and can be solved.
"""

from dataclasses import dataclass

from ..errors import UserInputError


@dataclass(frozen=True)
class Exercise:
    expression: str
    bindings: tuple  # ("a=2", "b=-3"): NAME=VALUE as on the command line
    goal: str  # what it teaches, in a line


NEURON = ("x1=2", "x2=0", "w1=-3", "w2=1", "b=6.8813735870195432")  # the lecture's neuron: o = 0.7071

EXERCISES = (
    Exercise("d = a*b + c", ("a=2", "b=-3", "c=10"),
             "+ passes its gradient on unchanged; * multiplies it by the other input"),
    Exercise("e = a*b; d = e + c; L = d * f", ("a=2", "b=-3", "c=10", "f=-2"),
             "the lecture's L: the chain rule, one node at a time from L down"),
    Exercise("b = a + a", ("a=3",),
             "a node used twice: its gradient is the sum of both uses (+=)"),
    Exercise("d = a*b; e = a + b; f = d * e", ("a=-2", "b=3"),
             "two inputs used twice each: every use adds to their gradient"),
    Exercise("n = x1*w1 + x2*w2 + b; o = tanh(n)", NEURON,
             "a neuron: the local derivative of tanh is 1 - o**2"),
    Exercise("n = x1*w1 + x2*w2 + b; e = exp(2*n); o = (e - 1) / (e + 1)", NEURON,
             "the same neuron with tanh written out: more steps, the same gradients"),
    Exercise("s = a + b; L = s / b", ("a=4", "b=2"),
             "a division: ∂(s/b)/∂s = 1/b and ∂(s/b)/∂b = -s/b**2"),
    Exercise("d = a - b; L = d**2", ("a=5", "b=2"),
             "a power: ∂(d**2)/∂d = 2*d (a squared error)"),
    Exercise("n = x1*w1 + x2*w2 + b; o = relu(n)", ("x1=1", "x2=-2", "w1=3", "w2=0.5", "b=-1"),
             "a neuron with relu: where it is on, the gradient passes unchanged"),
    Exercise("n = x*w + b; y = relu(n); L = (y - 1)**2", ("x=2", "w=-1", "b=0.5"),
             "a relu that is off: no gradient flows back past it"),
)


def exercise(number):
    """Exercise `number`, counting from 1 as `mgrad exercises` lists them."""
    if not 1 <= number <= len(EXERCISES):
        raise UserInputError(f"there is no exercise {number}: there are {len(EXERCISES)}, numbered 1 to "
                             f"{len(EXERCISES)} (mgrad exercises lists them)")
    return EXERCISES[number - 1]
