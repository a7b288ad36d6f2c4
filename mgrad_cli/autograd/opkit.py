"""The forward formulas both op tables need, written once: relu, sigmoid and sign.

Each is written over the few primitives an engine computes with, which the engine passes
in: ops.py its float functions (the scalar engine), tensor.py numpy's (the tensor engine).
The formulas are torch's, so both engines make torch's choice at every edge:

    relu(x)    = maximum(0, x)        torch's clamp_min(x, 0): -0.0 stays -0.0 (torch:
                                      1 / relu(-0.0) is -inf) and nan passes through
    sigmoid(x) = 1 / (1 + exp(-x))    where e^-x overflows to inf the result is 0
    sign(x)    = 1, -1 or 0           torch's sgn: 0 at 0 and at nan

tests/autograd/test_edges.py holds both engines to torch on one grid of edge values.
"""


def helpers(exp, maximum, where):
    """(relu, sigmoid, sign) over an engine's primitives: exp(x), inf where e^x overflows
    (never an error); maximum(a, b) as numpy's: b at a tie (maximum(0.0, -0.0) is -0.0),
    nan where a or b is nan; where(condition, a, b): a where the condition holds, else b."""

    def relu(x):
        return maximum(0.0, x)

    def sigmoid(x):
        return 1.0 / (1.0 + exp(-x))

    def sign(x):
        return where(x > 0, 1.0, where(x < 0, -1.0, 0.0))

    return relu, sigmoid, sign
