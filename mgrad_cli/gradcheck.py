"""Check backpropagation against finite differences, as torch.autograd.gradcheck does.

For each leaf x: the analytic gradient from backward(), and the central difference

    numeric = (f(x + eps) - f(x - eps)) / (2 eps)

from two re-evaluations of the whole computation. They agree when
|analytic - numeric| <= atol + rtol * |numeric| (torch's defaults: eps 1e-6,
atol 1e-5, rtol 1e-3).

At a kink (relu or abs at exactly 0: the ops whose table entry lists `kinks`) there is
no derivative to agree with: the engine picks one side's, as PyTorch does, while the
central difference averages both. Such a leaf is reported as "not differentiable",
not as a failure.
"""

import math
from dataclasses import asdict, dataclass

from . import expr
from .errors import UserInputError

EPS, ATOL, RTOL = 1e-6, 1e-5, 1e-3  # torch.autograd.gradcheck's defaults

OK, FAIL, NOT_DIFFERENTIABLE = "ok", "FAIL", "not differentiable"


@dataclass
class Result:
    """One leaf's check. rel_error is |analytic - numeric| / max(|analytic|, |numeric|)."""

    name: str
    analytic: float
    numeric: float
    abs_error: float
    rel_error: float
    status: str  # OK, FAIL or NOT_DIFFERENTIABLE
    note: str = ""

    def to_dict(self):
        return {k: _json_number(v) for k, v in asdict(self).items()}


def check(build, leaves, eps=EPS, atol=ATOL, rtol=RTOL):
    """Check d(output)/d(leaf) for every leaf: -> [Result], one per leaf, in order.

    build() must compute the output afresh from the leaves' current .data (the same
    Value objects each time): check() nudges leaf.data by ±eps and calls it again.
    leaves: {name: Value}, or a list of Values (named by their labels).
    """
    _check_tolerances(eps, atol, rtol)
    if not isinstance(leaves, dict):
        leaves = {(v.label or f"x{i}"): v for i, v in enumerate(leaves)}
    for leaf in leaves.values():
        leaf.grad = 0.0
    out = build()
    out.backward()
    analytic = {name: leaf.grad for name, leaf in leaves.items()}
    at_kink = _kinks_at(out)  # the kinked nodes sitting exactly on a kink, with their leaves

    results = []
    for name, leaf in leaves.items():
        x = leaf.data
        try:
            # read each result as soon as it is built: the output may be the leaf itself,
            # and every node that is a leaf changes when the next nudge is made
            leaf.data = x + eps
            plus = build()
            f_plus, plus_sides = plus.data, _kink_sides(plus)
            leaf.data = x - eps
            minus = build()
            f_minus, minus_sides = minus.data, _kink_sides(minus)
        finally:
            leaf.data = x
        numeric = (f_plus - f_minus) / (2 * eps)
        crossed = next((op for (op, p), (_, m) in zip(plus_sides, minus_sides) if p != m), "")
        results.append(_judge(name, analytic[name], numeric, atol, rtol, at_kink, leaf, crossed))
    return results


def passed(results):
    """True when nothing FAILed (a point where the function has no derivative is not a failure)."""
    return all(r.status != FAIL for r in results)


def worst(results):
    """-> (the Result with the largest absolute error, the one with the largest relative error)."""
    def key(attr):
        return lambda r: (math.isnan(getattr(r, attr)), getattr(r, attr))
    return max(results, key=key("abs_error")), max(results, key=key("rel_error"))


def check_expression(text, bindings, eps=EPS, atol=ATOL, rtol=RTOL):
    """Gradcheck an expression of the `mgrad graph` language: -> (output Value, [Result]).

    The inputs are the bound names, in the order the expression first uses them.
    """
    program = expr.parse(text)
    out, values = expr.evaluate(program, bindings)  # checks the bindings, names the leaves
    if not program.inputs:
        raise UserInputError("the expression has no inputs to check: use a name, e.g. `x*x` with x=3")
    leaves = {name: values[name] for name in program.inputs}
    results = check(lambda: expr.evaluate(program, leaves)[0], leaves, eps, atol, rtol)
    return out, results


# --- helpers ----------------------------------------------------------------------

def _check_tolerances(eps, atol, rtol):
    if not (eps > 0 and math.isfinite(eps)):
        raise UserInputError(f"eps must be a positive number, not {eps}")
    for name, value in (("atol", atol), ("rtol", rtol)):
        if not value >= 0:
            raise UserInputError(f"{name} must be a number >= 0, not {value}")


def _kinks_at(out):
    """The nodes of out's graph whose op has a kink exactly at its input: [(node, input)]."""
    hits = []
    for v in out.topo():
        op = v._op
        if op is not None and getattr(op, "kinks", ()) and len(v._prev) == 1:
            if v._prev[0].data in op.kinks:
                hits.append((v, v._prev[0]))
    return hits


def _kink_sides(out):
    # (op name, the side of each kink its input is on) for every node of a kinked op,
    # in topological order: graphs built the same way match position by position
    return [(v._op.name, tuple((v._prev[0].data > k) - (v._prev[0].data < k) for k in v._op.kinks))
            for v in out.topo()
            if v._op is not None and getattr(v._op, "kinks", ()) and len(v._prev) == 1]


def _depends_on(node, leaf):
    return any(n is leaf for n in node.topo())


def _judge(name, a, n, atol, rtol, at_kink, leaf, crossed):
    abs_error = abs(a - n)
    scale = max(abs(a), abs(n))
    if a == n:  # also equal infinities, whose difference is nan
        abs_error, rel_error = 0.0, 0.0
    else:
        rel_error = abs_error / scale if scale > 0 else 0.0
    # at a kink the derivative does not exist, even where both numbers happen to agree
    kinked = [(v, x) for v, x in at_kink if _depends_on(x, leaf)]
    if kinked:
        v, x = kinked[0]
        used = v._op.deriv(x.data, v.data)[0]
        return Result(name, a, n, abs_error, rel_error, NOT_DIFFERENTIABLE,
                      f"{v._op.name} at {x.data:g} has no derivative; "
                      f"the engine uses {v._op.name}'({x.data:g}) = {used:g}, as PyTorch does")
    if a == n or abs_error <= atol + rtol * abs(n):
        return Result(name, a, n, abs_error, rel_error, OK)
    if crossed:
        return Result(name, a, n, abs_error, rel_error, FAIL,
                      f"a {crossed} input lies within eps of its kink: try a smaller --eps")
    if not (math.isfinite(a) and math.isfinite(n)):
        return Result(name, a, n, abs_error, rel_error, FAIL, "not finite")
    return Result(name, a, n, abs_error, rel_error, FAIL)


def _json_number(v):
    # JSON has no inf or nan: write them as the strings "inf", "-inf", "nan"
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v
