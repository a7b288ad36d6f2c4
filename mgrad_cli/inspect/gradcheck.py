"""Check backpropagation against finite differences, as torch.autograd.gradcheck does.

For each leaf x: the analytic gradient from backward(), and the central difference

    numeric = (f(x + eps) - f(x - eps)) / (2 eps)

from two re-evaluations of the whole computation. They agree when
|analytic - numeric| <= atol + rtol * |numeric| (torch's defaults: eps 1e-6,
atol 1e-5, rtol 1e-3). That rule needs finite numbers (inf <= atol + rtol * inf holds
for any inf): where either gradient is inf or nan they agree only when they are the same
infinity, and otherwise FAIL with a note saying which one is not finite.

At a kink (relu or abs at exactly 0: the ops whose table entry lists `kinks`) there is
no derivative to agree with: the engine picks one side's, as PyTorch does, while the
central difference averages both. Such a leaf is reported as "not differentiable",
not as a failure.

check_engines() checks a config on several engines (a set the backend registry names:
backends.groups(), e.g. the reference engine and the fast one, or every one) and
compares each with the first: they compute the same sums in other orders, so their
gradients may differ only by float64 rounding (ENGINE_RTOL).
"""

import math
from dataclasses import asdict, dataclass

from . import expr
from .. import backends
from ..errors import MgradError, UserInputError
from ..numbers import json_number

EPS, ATOL, RTOL = 1e-6, 1e-5, 1e-3  # torch.autograd.gradcheck's defaults

OK, FAIL, NOT_DIFFERENTIABLE = "ok", "FAIL", "not differentiable"

# two engines' gradients agree when |s - t| <= ENGINE_ATOL + ENGINE_RTOL * max(|s|, |t|)
ENGINE_RTOL, ENGINE_ATOL = 1e-9, 1e-12


@dataclass
class Result:
    """One leaf's check. rel_error is |analytic - numeric| / max(|analytic|, |numeric|, atol)."""

    name: str
    analytic: float
    numeric: float
    abs_error: float
    rel_error: float
    status: str  # OK, FAIL or NOT_DIFFERENTIABLE
    note: str = ""

    def to_dict(self):
        return {k: json_number(v) for k, v in asdict(self).items()}


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

    def at(name, x):
        leaf = leaves[name]
        before = leaf.data
        try:
            # read the result before the leaf moves again: the output may be the leaf itself
            leaf.data = x
            return _evaluated(build())
        finally:
            leaf.data = before

    return _check_nodes(out, leaves, at, eps, atol, rtol)


def _evaluated(out):
    """(the output's number, the side of its kinks each kinked node's input is on)."""
    return out.data, _kink_sides(out)


def _check_nodes(out, leaves, at, eps, atol, rtol):
    """The central difference for each leaf of a graph with a node per number. out: the
    output after backward(); at(name, x) -> _evaluated(the output with that leaf at x)."""
    analytic = {name: leaf.grad for name, leaf in leaves.items()}
    at_kink = _kinks_at(out)  # the kinked nodes sitting exactly on a kink, with their leaves
    results = []
    for name, leaf in leaves.items():
        x = leaf.data
        f_plus, plus_sides = at(name, x + eps)
        f_minus, minus_sides = at(name, x - eps)
        numeric = (f_plus - f_minus) / (2 * eps)
        crossed = next((op for (op, p), (_, m) in zip(plus_sides, minus_sides) if p != m), "")
        results.append(_judge(name, analytic[name], numeric, atol, rtol, at_kink, leaf, crossed,
                              (f_plus, f_minus)))
    return results


def passed(results):
    """True when at least one gradient was compared and none FAILed (a point where the
    function has no derivative is not a failure, but it is not a check either)."""
    return compared(results) > 0 and all(r.status != FAIL for r in results)


def compared(results):
    """How many gradients were compared: all but those at a point with no derivative."""
    return sum(1 for r in results if r.status != NOT_DIFFERENTIABLE)


def worst(results, *attrs):
    """-> for each attribute (by default abs_error and rel_error) the result where it is
    largest, nan counting as the largest: (worst absolute, worst relative) by default."""
    def key(attr):
        return lambda r: (math.isnan(getattr(r, attr)), getattr(r, attr))
    return tuple(max(results, key=key(attr)) for attr in attrs or ("abs_error", "rel_error"))


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


def check_config(config, samples=4, max_params=None, eps=EPS, atol=ATOL, rtol=RTOL, source="config",
                 engine=None):
    """Gradcheck a config's model and loss at its initial weights, on a batch of `samples`
    training samples (pick_samples: drawn with the config's seed, none at a kink):
    -> (loss, [Result], Samples) for every parameter, or for a random subset of
    max_params of them (seeded by the config's seed), in parameter order.

    `engine` overrides the config's. The backend's loss_graph decides how: a graph with
    a node per parameter (the scalar engine) is checked node by node, so kinks are found
    exactly; any other through loss_and_grad on the flat parameter vector, where a kink
    shows as one-sided slopes that disagree.
    """
    import random

    from ..data import datasets
    from ..nn import losses
    from ..training import trainer as train

    _check_tolerances(eps, atol, rtol)
    if samples < 1:
        raise UserInputError(f"--samples must be at least 1, not {samples}")
    config = dict(config, dtype="float64")  # differences of eps 1e-6 need float64 (as torch.autograd.gradcheck)
    dataset = datasets.load_dataset(config["data"], config["seed"])
    train.check_fit(config, dataset, source)
    backend = backends.make_backend(config, dataset.n_features, engine)
    params = backend.init_params(random.Random(config["seed"]))
    model, loss_cfg = config["model"], config["loss"]
    T = losses.encode_targets(loss_cfg["name"], dataset.y_train, model["layers"][-1], model["output"])
    batch = pick_samples(backend, params, dataset.X_train, T, samples, config["seed"])
    X, T = dataset.X_train[list(batch.indices)], T[list(batch.indices)]
    names = backend.parameter_names()
    chosen = list(range(len(params)))
    if max_params is not None:
        if max_params < 1:
            raise UserInputError(f"--max-params must be at least 1, not {max_params}")
        if max_params < len(chosen):
            chosen = sorted(random.Random(config["seed"]).sample(chosen, max_params))
    graph = backend.loss_graph(params.copy(), X, T)
    nodes = {v.label: v for v in graph.topo() if not v.children}
    if not all(name in nodes for name in names):  # not a node per parameter
        loss, results = _check_flat(backend, params, X, T, [(i, names[i]) for i in chosen], _array_kinks(graph),
                                    eps, atol, rtol)
        return loss, results, batch
    index = {name: i for i, name in enumerate(names)}

    def at(name, x):
        nudged = params.copy()
        nudged[index[name]] = x
        return _evaluated(backend.loss_graph(nudged, X, T))

    return graph.data, _check_nodes(graph, {names[i]: nodes[names[i]] for i in chosen}, at, eps, atol, rtol), batch


@dataclass(frozen=True)
class Samples:
    """The training samples a config is checked on: their `indices` in the training set,
    in the order drawn, and how many drawn samples were `skipped` for sitting on a kink."""

    indices: tuple
    skipped: int
    seed: int

    def __len__(self):
        return len(self.indices)


def pick_samples(backend, params, X, T, n, seed):
    """Up to n training samples drawn with `seed` from the whole training set, leaving
    out each one at which some relu or abs input is exactly at its kink (0), where the
    loss has no derivative to check: with zero initial biases, a sample at the origin
    puts every relu of the first layer there."""
    import numpy as np

    chosen, skipped = [], 0
    for i in np.random.default_rng(seed).permutation(len(X)).tolist():
        if len(chosen) == n:
            break
        if _on_kink(backend.loss_graph(params.copy(), X[i:i + 1], T[i:i + 1])):
            skipped += 1
        else:
            chosen.append(i)
    if not chosen:
        raise MgradError(f"all {skipped} training samples put a relu or abs input exactly at 0, where there "
                         "is no derivative: nothing to check")
    return Samples(tuple(chosen), skipped, seed)


def _on_kink(graph):
    """True when some node of a kinked op (relu, abs) has an input number exactly at a kink,
    in a graph of Values or of Tensors."""
    import numpy as np

    return any(np.any(np.asarray(v.children[0].data) == k) for v in graph.topo()
               if v.op is not None and v.op.kinks and len(v.children) == 1 for k in v.op.kinks)


def _check_flat(backend, params, X, T, chosen, kinked, eps, atol, rtol):
    """-> (loss, [Result]) for the parameters chosen [(index, name)], by central differences
    of backend.loss_and_grad on the flat vector. kinked: _array_kinks of the loss's graph."""
    loss, grad, _ = backend.loss_and_grad(params.copy(), X, T)
    # A node of an array is on a kink when any of its numbers is: which parameters that
    # touches is not known at this level, so a parameter counts as at the kink when its
    # one-sided differences disagree and the engine's gradient is one of them.
    results = []
    for i, name in chosen:
        nudged = params.copy()
        nudged[i] = params[i] + eps
        f_plus = backend.loss_and_grad(nudged, X, T)[0]
        nudged[i] = params[i] - eps
        f_minus = backend.loss_and_grad(nudged, X, T)[0]
        numeric = (f_plus - f_minus) / (2 * eps)
        result = _judge(name, float(grad[i]), numeric, atol, rtol, [], None, "", (f_plus, f_minus))
        if result.status == FAIL and kinked:
            left, right = (loss - f_minus) / eps, (f_plus - loss) / eps
            a = result.analytic

            def near(x, y):
                return abs(x - y) <= atol + rtol * abs(y)

            if not near(left, right) and (near(a, left) or near(a, right)):
                op, k = kinked[0]
                result.status = NOT_DIFFERENTIABLE
                result.note = (f"{op} has an input at {k:g}, where it has no derivative: the slopes "
                               f"left and right of here are {left:.6g} and {right:.6g}, the engine uses {a:.6g}")
        results.append(result)
    return float(loss), results


@dataclass
class EngineResult:
    """One parameter checked on several engines: each engine's gradient (`grads`, by engine,
    the first the reference), the central difference (on the reference), how far the
    engines are apart (the largest |reference - other| / max(|gradients|)), and the
    largest of the engines' relative errors against their central differences."""

    name: str
    grads: dict
    numeric: float
    engine_error: float
    rel_error: float
    status: str  # OK, FAIL or NOT_DIFFERENTIABLE
    note: str = ""

    def to_dict(self):
        """As JSON: name, each engine's gradient under its name, then the rest."""
        out = {"name": self.name, **self.grads}
        out.update((k, v) for k, v in asdict(self).items() if k not in ("name", "grads"))
        return {k: json_number(v) for k, v in out.items()}


def engines_for(choice):
    """The engines `--engine` names: a set of the registry's (backends.groups(): both, all),
    or one."""
    return backends.groups().get(choice, (choice,))


def check_engines(config, samples=4, max_params=None, eps=EPS, atol=ATOL, rtol=RTOL, source="config",
                  engines=None):
    """check_config on each engine, and the engines compared with the first: -> ({engine:
    loss}, [EngineResult], the batch). A parameter FAILs when an engine disagrees with the
    first beyond float64 rounding, or when any engine disagrees with its central difference.
    engines: by default the registry's "both"."""
    engines = engines or backends.groups()["both"]
    checked = {e: check_config(config, samples, max_params, eps, atol, rtol, source, engine=e) for e in engines}
    rows = [_compare(dict(zip(engines, results))) for results in zip(*(c[1] for c in checked.values()))]
    return {e: loss for e, (loss, _, _) in checked.items()}, rows, checked[engines[0]][2]


def _compare(results):
    """One parameter's EngineResult from its Result on each engine ({engine: Result})."""
    ref = next(iter(results.values()))
    grads = {e: r.analytic for e, r in results.items()}
    scale = max(abs(g) for g in grads.values())
    apart = [abs(ref.analytic - g) for g in grads.values() if g != ref.analytic]  # nan != nan: counted
    engine_error = max(apart) / max(scale, ENGINE_ATOL) if apart else 0.0
    agree = all(d <= ENGINE_ATOL + ENGINE_RTOL * scale for d in apart)  # False for nan
    rel_error = max(r.rel_error for r in results.values())
    failing = [e for e, r in results.items() if r.status == FAIL]
    if not agree:
        status, note = FAIL, "the engines disagree: " + ", ".join(f"{e} {g:.17g}" for e, g in grads.items())
    elif ref.status == NOT_DIFFERENTIABLE:  # the node-by-node check finds kinks; the flat one cannot
        status, note = NOT_DIFFERENTIABLE, ref.note
    elif failing:
        if len(failing) == len(results):
            which = "both engines disagree" if len(results) == 2 else "every engine disagrees"
        else:
            which = f"the {' and '.join(failing)} engine{'s disagree' if len(failing) > 1 else ' disagrees'}"
        status, note = FAIL, "; ".join([f"{which} with the central difference"] + [n for n in (ref.note,) if n])
    else:
        status, note = OK, ""
    return EngineResult(ref.name, grads, ref.numeric, engine_error, rel_error, status, note)


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
        op = v.op
        if op is not None and op.kinks and len(v.children) == 1:
            if v.children[0].data in op.kinks:
                hits.append((v, v.children[0]))
    return hits


def _array_kinks(out):
    """[(op name, kink)] for the nodes of a tensor graph with some input number exactly on a kink."""
    import numpy as np  # here: an expression's check needs no numpy

    return [(v.op.name, k) for v in out.topo()
            if v.op is not None and v.op.kinks and len(v.children) == 1
            for k in v.op.kinks if np.any(v.children[0].data == k)]


def _kink_sides(out):
    # (op name, the side of each kink its input is on) for every node of a kinked op,
    # in topological order: graphs built the same way match position by position
    return [(v.op.name, tuple((v.children[0].data > k) - (v.children[0].data < k) for k in v.op.kinks))
            for v in out.topo()
            if v.op is not None and v.op.kinks and len(v.children) == 1]


def _depends_on(node, leaf):
    return any(n is leaf for n in node.topo())


def _judge(name, a, n, atol, rtol, at_kink, leaf, crossed, sides=None):
    """sides: (f(x + eps), f(x - eps)), to say why a central difference is not finite."""
    abs_error = abs(a - n)
    if a == n:  # also equal infinities, whose difference is nan
        abs_error, rel_error = 0.0, 0.0
    else:
        # relative to the larger gradient, but never to less than atol: a gradient of 0
        # against an estimate of 1e-11 is agreement, not a relative error of 100%
        rel_error = abs_error / max(abs(a), abs(n), atol) if max(abs(a), abs(n), atol) > 0 else 0.0
    # at a kink the derivative does not exist, even where both numbers happen to agree
    kinked = [(v, x) for v, x in at_kink if _depends_on(x, leaf)]
    if kinked:
        v, x = kinked[0]
        used = v.op.deriv(1.0, x.data, v.data)[0]  # the rule at grad 1: the local derivative
        return Result(name, a, n, abs_error, rel_error, NOT_DIFFERENTIABLE,
                      f"{v.op.name} at {x.data:g} has no derivative; "
                      f"the engine uses {v.op.name}'({x.data:g}) = {used:g}, as PyTorch does")
    if a == n:  # the same number, or the same infinity
        return Result(name, a, n, abs_error, rel_error, OK)
    if not (math.isfinite(a) and math.isfinite(n)):
        # no tolerance can compare these (inf <= atol + rtol * inf would pass anything)
        if not math.isfinite(n):
            note = "the central difference is not finite"
            if sides is not None:
                note += f": f({name}+eps) = {sides[0]:g}, f({name}-eps) = {sides[1]:g}"
        else:
            note = "the analytic gradient is not finite"
        return Result(name, a, n, abs_error, rel_error, FAIL, note)
    if abs_error <= atol + rtol * abs(n):
        return Result(name, a, n, abs_error, rel_error, OK)
    if crossed:
        return Result(name, a, n, abs_error, rel_error, FAIL,
                      f"a {crossed} input lies within eps of its kink: try a smaller --eps")
    return Result(name, a, n, abs_error, rel_error, FAIL)