"""Both engines against PyTorch float64 on random expression graphs: a differential test.

Each expression is a seeded random DAG over every op of the engine's table (ops.OPS,
tensor.TENSOR_OPS): a few leaves drawn from ordinary numbers and the edge values of
references.EDGES (±0, small integers, subnormals, where exp overflows, ±1e300, inf,
nan), then steps that apply a random op to earlier nodes (any node may be used again,
a Value may be an exponent) or to a constant on either side. Tensor expressions also
broadcast, reduce along axes with and without keepdims, and multiply 1-D and 2-D
matrices. The same graph is built in torch float64 and the value and every leaf's
gradient must agree with it:

- nan where torch has nan and the same infinities, in the value and every gradient;
- finite numbers within 1e-9 times the sum of the absolute values of the contributions
  that add up to them. A gradient adds up one contribution per path from the output
  (the product of the local derivatives along it); the sum of their absolute values is
  a second backward pass with |local derivative|. A value adds up its terms (a sum,
  a matrix product) or is its own contribution.

The engines add a node's contributions in reverse height order, torch in reverse
creation order. Where an intermediate sum of huge terms overflows in one order and not
in the other ((x*1e308 + x*1e308) + x*-1e308), no tolerance covers the difference: the
test recognises the case by adding every node's contributions again in torch's order
(and in the engine's own order, which must give the engine's numbers exactly) and
counts it apart. Two more differences are counted apart: rounding grown upstream
(numpy's and torch's tanh may differ in the last bit, and log near 1 or a division by
a subnormal magnifies that), recognised when every op given torch's own inputs gives
torch's outputs and the rules on torch's numbers give torch's gradients; and gradients
whose contributions' sizes overflow. A failure prints the expression as a small program,
shrunk to the fewest steps that still disagree with torch.
"""

import os
import random
from dataclasses import dataclass

import numpy as np
import pytest

from conftest import IN_CI
from mgrad_cli.autograd import value as engine, ops, tensor
from references import EDGES, SUBNORMAL_ULPS, TORCH  # tests/ is on sys.path under pytest

RTOL = 1e-9
SHAPES = [(), (3,), (2, 3), (2, 1), (1, 3), (3, 2), (4, 2, 3)]


# --- programs: a list of steps, each a leaf or an op applied to earlier steps --------------

@dataclass(frozen=True)
class Const:
    """A number (or array) an op takes as it is: no gradient, made a constant by the engine."""
    value: object


@dataclass(frozen=True)
class Step:
    op: object = None  # None for a leaf
    args: tuple = ()  # indices of earlier steps, or Consts
    settings: tuple = ()  # a reduction's (axis, keepdims), log_softmax's (axis,)
    value: object = None  # a leaf's number or array


def number(rng):
    r = rng.random()
    if r < 0.45:
        return rng.choice(EDGES)
    if r < 0.7:
        return float(rng.randint(-3, 3))
    return round(rng.gauss(0, 2), 3)


def pick(rng, n):
    # mostly one of the last few nodes, so graphs get deep; any earlier node may be used again
    return rng.randrange(n) if rng.random() < 0.4 else n - 1 - rng.randrange(min(n, 3))


def scalar_program(rng):
    steps = [Step(value=number(rng)) for _ in range(rng.randint(1, 4))]
    for _ in range(rng.randint(1, 10)):
        op = rng.choice(ops.OPS)
        args = [pick(rng, len(steps)) for _ in range(op.arity or rng.randint(2, 4))]
        if op.kind == "infix" and rng.random() < 0.3:
            args[rng.randrange(2)] = Const(number(rng))  # 2 * x or x * 2
        steps.append(Step(op, tuple(args)))
    return steps


def tensor_program(rng):
    steps = [Step(value=_array(rng, rng.choice(SHAPES))) for _ in range(rng.randint(1, 3))]
    todo = rng.randint(1, 8)
    while todo or steps[-1].op is None:  # the output is an op's
        op = rng.choice(tensor.TENSOR_OPS)
        shapes = [n.data.shape for n in build(ENGINES["tensor"], steps)]
        made = _tensor_step(rng, op, pick(rng, len(steps)), shapes, steps)
        if made is not None:
            steps.append(made)
            todo = max(todo - 1, 0)
    return steps


def _tensor_step(rng, op, a, shapes, steps):
    """A step applying op to node a (and what fits it), or None where op cannot take it."""
    sa, nd = shapes[a], len(shapes[a])
    if op.name == "matmul":
        if nd == 0:
            return None
        fits = [i for i, s in enumerate(shapes) if s and _fits(np.matmul, sa, s)]
        if fits and rng.random() < 0.6:
            return Step(op, (a, rng.choice(fits)))
        k = sa[-1]  # a new leaf that fits: a vector, a matrix or a batch of them
        other = rng.choice([(k,), (k, 2)] + ([(2, k, 3)] if nd < 3 else []))
        steps.append(Step(value=_array(rng, other)))
        return Step(op, (a, len(steps) - 1)) if _fits(np.matmul, sa, other) else None
    if op.kind == "infix":
        if rng.random() < 0.3:  # a constant, on either side: a number or an array that broadcasts
            c = Const(number(rng) if rng.random() < 0.5 else _array(rng, sa[rng.randrange(nd + 1):]))
            return Step(op, (c, a) if rng.random() < 0.5 else (a, c))
        return Step(op, (a, rng.choice([i for i, s in enumerate(shapes) if _fits(np.add, sa, s)])))
    if op.kind == "reduce":
        if nd == 0 or rng.random() < 0.3:
            axis = None
        elif nd >= 2 and rng.random() < 0.3:
            axis = tuple(sorted(rng.sample(range(nd), 2)))
        else:
            axis = rng.randrange(-nd, nd)
        return Step(op, (a,), (axis, rng.random() < 0.5))
    if op.kind == "axis":
        return Step(op, (a,), (rng.randrange(-nd, nd),)) if nd else None
    if op.kind == "nary":
        return Step(op, tuple(pick(rng, len(steps)) for _ in range(rng.randint(1, 3))))
    return Step(op, (a,))


def _array(rng, shape):
    cells = [number(rng) if rng.random() < 0.3 else round(rng.gauss(0, 1.5), 3) for _ in range(int(np.prod(shape)))]
    return np.array(cells, dtype=float).reshape(shape)


def _fits(f, s, t):
    try:
        f(np.zeros(s), np.zeros(t))
        return True
    except ValueError:
        return False


# --- running a program on an engine and on torch ---------------------------------------

def call(module, op, args, settings):
    """Apply op as a user writes it: x * 2 and 2 * x through the operators, methods for the rest."""
    if op.kind == "infix":
        if isinstance(args[0], Const):
            return getattr(args[1], f"__r{op.dunder}__")(args[0].value)
        return getattr(args[0], f"__{op.dunder}__")(args[1].value if isinstance(args[1], Const) else args[1])
    if op.kind == "prefix":
        return getattr(args[0], f"__{op.dunder}__")()
    if op.kind == "function":
        return getattr(args[0], op.name)()
    if op.kind in ("reduce", "axis"):
        return getattr(args[0], op.name)(*settings)
    return module.apply(op, *[a.value if isinstance(a, Const) else a for a in args])


def build(eng, steps):
    """The engine's nodes, one per step, in the order they were made."""
    nodes = []
    for s in steps:
        if s.op is None:
            nodes.append(eng.leaf(s.value))
        else:
            nodes.append(call(eng.module, s.op, [a if isinstance(a, Const) else nodes[a] for a in s.args], s.settings))
    return nodes


def build_torch(torch, eng, steps):
    nodes = []
    for s in steps:
        if s.op is None:
            t = torch.tensor(s.value, dtype=torch.float64, requires_grad=True)
        else:
            args = [torch.tensor(a.value, dtype=torch.float64) if isinstance(a, Const) else nodes[a] for a in s.args]
            t = TORCH[s.op.name](torch, *args, *s.settings)
        nodes.append(t)
    return nodes


# --- each engine's gradient shares, as its backward() computes them ---------------------
# value(node) gives the numbers a node's rule reads: the engine's own (node.data), or
# torch's for the same node, to tell a wrong rule from a rounding difference upstream.

def data(node):
    return node.data


# The sizes of the terms of a rule that subtracts or sums products: torch and numpy may
# round tanh's output one unit apart, and 1 - o*o near o = 1 magnifies that
MAGNITUDE = {
    "tanh": lambda g, a, o: (g * (1.0 + o * o),),  # g * (1 - o*o)
    "sigmoid": lambda g, a, o: (g * (1.0 + abs(o)) * abs(o),),  # g * (1 - o) * o
    "matmul": lambda g, a, b, o: (tensor.matmul_grad_a(g, abs(a), abs(b), o),  # g @ b^T, a^T @ g
                                  tensor.matmul_grad_b(g, abs(a), abs(b), o)),
    "log_softmax": lambda g, a, o, axis: (g + np.exp(o) * g.sum(axis, keepdims=True),),  # g - exp(o) * sum(g)
}


def scalar_shares(v, g, value=data, magnitude=False):
    """What node v adds to each child's gradient given its own g; with magnitude, the
    sizes of the terms that make up each share (g >= 0 then)."""
    inputs, out = [value(c) for c in v.children], value(v)
    if magnitude:
        rule = MAGNITUDE.get(v.op.name)
        return list(rule(g, *inputs, out)) if rule else [abs(s) for s in v.op.deriv(g, *inputs, out)]
    return list(v.op.deriv(g, *inputs, out))


def tensor_shares(v, g, value=data, magnitude=False):
    inputs, out = [value(c) for c in v.children], value(v)
    with np.errstate(all="ignore"):
        if magnitude and v.op.name in MAGNITUDE:
            shares = MAGNITUDE[v.op.name](g, *inputs, out, *v.attrs)
        elif v.op.arity is None:  # one rule for every input
            shares = [v.op.deriv[0](g, x, out) for x in inputs]
        else:
            shares = [rule(g, *inputs, out, *v.attrs) for rule in v.op.deriv]
        if magnitude:
            shares = [np.abs(d) for d in shares]
        return [tensor.unbroadcast(d, c.data.shape) if d.shape != c.data.shape else d
                for d, c in zip(shares, v.children)]


def backward_in(order, out, shares, seed):
    """Backward again, outside the engine: the nodes of `order` (children after parents)
    each add their shares to their children, a node's shares added in the order they come."""
    grads = {out: seed}
    for v in order:
        if v.op is not None and v in grads:
            for child, s in zip(v.children, shares(v, grads[v])):
                with np.errstate(all="ignore"):
                    grads[child] = s if child not in grads else grads[child] + s
    return grads


def forward_budget(op, inputs, out, settings=()):
    """The sizes of the terms that make up a value: a sum's terms (the engines and torch
    may add them in other orders), log_softmax's a - max - log(sum), else the value."""
    with np.errstate(all="ignore"):
        if op.name == "sub":
            return np.abs(inputs[0]) + np.abs(inputs[1])
        if op.name in ("add", "sum", "mean", "matmul", "sumsq"):
            return np.abs(op.forward(*[np.abs(x) for x in inputs], *settings))
        if op.name == "log_softmax":
            a = np.asarray(inputs[0])
            return np.abs(a) + np.abs(out) + np.abs(a).max(settings[0], keepdims=True)
        return np.abs(out)


def disagreeing(ours, theirs, budget):
    """Where ours is not torch's: nan where torch has nan, the same infinities, finite
    numbers within RTOL * budget (and a few units of the last place of a subnormal:
    a product rounded there keeps only a few digits)."""
    ours, theirs, budget = np.broadcast_arrays(*[np.asarray(x, dtype=float) for x in (ours, theirs, budget)])
    with np.errstate(all="ignore"):
        close = np.abs(ours - theirs) <= RTOL * budget + SUBNORMAL_ULPS
    finite = np.isfinite(ours) & np.isfinite(theirs) & close
    return ~((ours == theirs) | (np.isnan(ours) & np.isnan(theirs)) | finite)


def agree(ours, theirs, budget):
    return not disagreeing(ours, theirs, budget).any()


@dataclass(frozen=True)
class Engine:
    module: object
    leaf: object
    program: object
    shares: object
    count_in_ci: int  # how many random expressions the test tries in CI (a fifth elsewhere)

    @property
    def count(self):
        if os.environ.get("MGRAD_EXPRESSIONS"):  # a longer run by hand
            return int(os.environ["MGRAD_EXPRESSIONS"])
        return self.count_in_ci if IN_CI else self.count_in_ci // 5

    def ones(self, like):
        return 1.0 if self.module is engine else np.ones_like(like.data)


ENGINES = {
    "scalar": Engine(engine, engine.Value, scalar_program, scalar_shares, 2000),
    "tensor": Engine(tensor, tensor.Tensor, tensor_program, tensor_shares, 500),
}

# The differences counted apart, not as failures (see the module's docstring):
ORDER = "summation order"  # torch's order of adding a node's contributions gives torch's numbers
ROUNDING = "forward rounding"  # every op agrees with torch on torch's inputs; rounding upstream grew
OVERFLOW = "overflowing sizes"  # the contributions' sizes overflow: a rounding difference became inf or nan
APART = (ORDER, ROUNDING, OVERFLOW)


def verdict(torch, eng, steps):
    """None when the engine agrees with torch, the kinds of APART for a difference they
    explain, else a description of the disagreement."""
    nodes = build(eng, steps)
    out = nodes[-1]
    out.backward()
    theirs = build_torch(torch, eng, steps)
    theirs[-1].backward(torch.ones_like(theirs[-1]))
    found = set()
    budget = forward_budget(out.op, [c.data for c in out.children], out.data, out.attrs)
    if not agree(out.data, theirs[-1].detach().numpy(), budget):
        wrong = _wrong_forward(eng, steps, theirs)
        if wrong:
            return wrong
        found.add(ROUNDING)
    leaves = [nodes[i] for i, s in enumerate(steps) if s.op is None]
    want = {nodes[i]: _grad(theirs[i], nodes[i]) for i, s in enumerate(steps) if s.op is None}
    order, ones = list(reversed(out.topo())), eng.ones(out)
    budgets = backward_in(order, out, lambda v, g: eng.shares(v, g, magnitude=True), ones)

    def agreeing(grads, budget_of=lambda leaf: budgets.get(leaf, 0.0), reference=want):
        return all(agree(grads.get(leaf, _zeros(leaf)), reference[leaf], budget_of(leaf)) for leaf in leaves)

    if agreeing({leaf: leaf.grad for leaf in leaves}):
        return ", ".join(sorted(found)) or None
    # the engine adds its shares in its own order, exactly as the test adds them
    if not agreeing(backward_in(order, out, eng.shares, ones), lambda leaf: 0.0, {v: v.grad for v in leaves}):
        return "the engine's gradients are not its shares added in its own order"
    torch_values = {n: _as(eng, t.detach().numpy()) for n, t in zip(nodes, theirs)}
    in_torch_order = reversed(nodes)  # creation order, backwards: torch's
    if agreeing(backward_in(in_torch_order, out, eng.shares, ones)):
        found.add(ORDER)
    elif (agreeing(backward_in(reversed(nodes), out, lambda v, g: eng.shares(v, g, lambda n: torch_values.get(n, n.data)), ones))
          and not _wrong_forward(eng, steps, theirs)):
        found.add(ROUNDING)  # the rules on torch's own numbers give torch's gradients
    elif all(np.isinf(np.broadcast_to(budgets.get(leaf, 0.0), np.shape(want[leaf])))[
            disagreeing(leaf.grad, want[leaf], budgets.get(leaf, 0.0))].all() for leaf in leaves):
        found.add(OVERFLOW)
    else:
        return "; ".join(_first_difference(f"x{nodes.index(leaf)}.grad", leaf.grad, want[leaf], budgets.get(leaf, 0.0))
                         for leaf in leaves if not agree(leaf.grad, want[leaf], budgets.get(leaf, 0.0)))
    return ", ".join(sorted(found))


def _wrong_forward(eng, steps, theirs):
    """The first step whose op, given torch's inputs, does not give torch's output."""
    values = [t.detach().numpy() for t in theirs]
    for i, s in enumerate(steps):
        if s.op is not None:
            inputs = [_as(eng, np.asarray(a.value if isinstance(a, Const) else values[a])) for a in s.args]
            with np.errstate(all="ignore"):
                ours = s.op.forward(*inputs, *s.settings)
            if not agree(ours, values[i], forward_budget(s.op, inputs, ours, s.settings)):
                return _first_difference(f"x{i} = {s.op.name}(torch's inputs)", ours, values[i], np.abs(ours))
    return None


def _as(eng, array):
    return float(array) if eng.module is engine else array  # the scalar engine's rules take floats


def _zeros(node):
    return np.zeros(np.shape(node.data))


def _grad(t, node):
    return t.grad.numpy() if t.grad is not None else _zeros(node)


def _first_difference(what, ours, theirs, budget):
    ours, theirs = np.broadcast_arrays(np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float))
    where = tuple(np.argwhere(disagreeing(ours, theirs, budget))[0])
    at = f"[{', '.join(map(str, where))}]" if where else ""
    return f"{what}{at} is {float(ours[where])!r}, torch {float(theirs[where])!r}"


# --- shrinking a failure, and writing it as a program ------------------------------------

def fails(torch, eng, steps):
    found = verdict_or_error(torch, eng, steps)
    return found is not None and not set(found.split(", ")) <= set(APART)


def prune(steps):
    """Only the steps the last one depends on, renumbered."""
    keep, todo = set(), [len(steps) - 1]
    while todo:
        i = todo.pop()
        if i not in keep:
            keep.add(i)
            todo.extend(a for a in steps[i].args if not isinstance(a, Const))
    new = {old: n for n, old in enumerate(sorted(keep))}
    return [Step(s.op, tuple(a if isinstance(a, Const) else new[a] for a in s.args), s.settings, s.value)
            for i, s in enumerate(steps) if i in keep]


def shrink(torch, eng, steps):
    """The fewest steps that still fail: end at an earlier node, or make a node a leaf
    holding its value, as long as the engine still disagrees with torch."""
    steps = prune(steps)
    while True:
        values = [n.data for n in build(eng, steps)]
        smaller = [prune(steps[:j + 1]) for j in range(len(steps) - 1) if steps[j].op is not None]
        smaller += [prune(steps[:j] + [Step(value=values[j])] + steps[j + 1:])
                    for j in range(len(steps) - 1) if steps[j].op is not None]
        found = next((s for s in sorted(smaller, key=len) if len(s) < len(steps) and fails(torch, eng, s)), None)
        if found is None:
            return steps
        steps = found


def program_text(eng, steps):
    """The steps as Python a reader can paste."""
    if eng.module is engine:
        lines = ["from math import inf, nan", "from mgrad_cli.autograd.value import Value, vsum"]
    else:
        lines = ["from math import inf, nan", "import numpy as np", "from mgrad_cli.autograd.tensor import Tensor, sumsq"]
    for i, s in enumerate(steps):
        if s.op is None:
            lines.append(f"x{i} = {eng.leaf.__name__}({_literal(s.value)})")
            continue
        a = [_literal(x.value) if isinstance(x, Const) else f"x{x}" for x in s.args]
        if s.op.kind == "infix":
            text = f"{a[0]} {s.op.symbol} {a[1]}"
        elif s.op.kind == "prefix":
            text = f"-{a[0]}"
        elif s.op.kind == "nary":
            text = f"{'vsum' if eng.module is engine else 'sumsq'}([{', '.join(a)}])"
        else:
            text = f"{a[0]}.{s.op.name}({', '.join(map(repr, s.settings))})"
        lines.append(f"x{i} = {text}")
    lines.append(f"x{len(steps) - 1}.backward()")
    return "\n".join(lines)


def _literal(x):
    if np.ndim(x) == 0:
        return repr(float(x))
    return f"np.array({np.asarray(x).tolist()!r})"


def run_random_expressions(torch, name, seeds, stop=None):
    """-> (failures as shrunk reproducers, {kind: count} of the differences counted apart),
    stopping after `stop` failures."""
    eng = ENGINES[name]
    failures, apart = [], dict.fromkeys(APART, 0)
    for seed in seeds:
        steps = eng.program(random.Random(seed))
        found = verdict_or_error(torch, eng, steps)
        if found is None:
            continue
        if set(found.split(", ")) <= set(APART):
            for kind in found.split(", "):
                apart[kind] += 1
        else:
            small = shrink(torch, eng, steps)
            failures.append(f"seed {seed}: {verdict_or_error(torch, eng, small)}\n{program_text(eng, small)}")
            if len(failures) == stop:
                break
    return failures, apart


def verdict_or_error(torch, eng, steps):
    try:
        return verdict(torch, eng, steps)
    except Exception as e:  # noqa: BLE001 - an exception is a failure, shown as one
        return f"{type(e).__name__}: {e}"


# --- the tests ---------------------------------------------------------------------------------

# slow: the scalar engine's 2000 expressions take over 3 s in CI; the tensor engine's 500, about 1 s
@pytest.mark.parametrize("name", [pytest.param("scalar", marks=pytest.mark.slow), "tensor"])
def test_random_expressions_agree_with_torch(torch, name):
    eng = ENGINES[name]
    failures, apart = run_random_expressions(torch, name, range(eng.count))
    counted = ", ".join(f"{n} by {kind}" for kind, n in apart.items())
    print(f"{name}: {eng.count} expressions, {len(failures)} disagree; apart: {counted}")
    assert not failures, f"{len(failures)} of {eng.count} {name} expressions disagree with torch; " \
                         f"the first, shrunk:\n" + "\n\n".join(failures[:3])


WRONG = [  # deliberately wrong gradient rules: the test must catch each
    ("scalar", ops.BY_NAME["tanh"], lambda g, a, o: (g * (1.0 - o),)),  # should be 1 - o*o
    # the engine's old rule: a zero local derivative passes nothing on, even an inf or nan g
    ("scalar", ops.BY_NAME["mul"], lambda g, a, b, o: (g * b if b else 0.0, g * a if a else 0.0)),
    ("tensor", tensor.BY_NAME["sigmoid"], (lambda g, a, o: g * (1.0 - o),)),  # should be (1 - o) * o
    ("tensor", tensor.BY_NAME["relu"], (lambda g, a, o: g * (o > 0),)),  # the old rule: nan where torch selects 0
]


@pytest.mark.parametrize("name,op,wrong", WRONG, ids=[f"{name}-{op.name}" for name, op, _ in WRONG])
def test_it_catches_a_wrong_derivative_and_prints_a_small_reproducer(torch, monkeypatch, name, op, wrong):
    monkeypatch.setattr(op, "deriv", wrong)
    failures, _ = run_random_expressions(torch, name, range(ENGINES[name].count_in_ci), stop=1)
    assert failures
    reproducer = failures[0].splitlines()
    assert any(op.symbol in line or op.name in line for line in reproducer[3:]) and len(reproducer) <= 10, \
        "\n".join(reproducer)


@pytest.mark.parametrize("name", list(ENGINES))
def test_an_overflow_that_depends_on_the_order_of_a_sum_is_counted_apart(torch, name):
    """(x*1e308 + x*1e308) + x*-1e308: the engine adds x's contributions 1e308 + 1e308
    first (inf), torch -1e308 + 1e308 first (then 1e308)."""
    eng = ENGINES[name]
    table = tensor.BY_NAME if name == "tensor" else ops.BY_NAME
    mul, add = table["mul"], table["add"]
    x = Step(value=1.0 if name == "scalar" else np.array([1.0, 0.5]))
    steps = [x, Step(mul, (0, Const(1e308))), Step(mul, (0, Const(1e308))), Step(mul, (0, Const(-1e308))),
             Step(add, (1, 2)), Step(add, (4, 3))]
    assert verdict(torch, eng, steps) == ORDER
    nodes = build(eng, steps)
    nodes[-1].backward()
    assert np.all(np.isinf(nodes[0].grad))
