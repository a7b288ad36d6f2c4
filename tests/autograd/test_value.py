"""The scalar engine: the lecture's worked examples, reuse, depth and the edges."""

import math
import random

import pytest

from mgrad_cli.autograd.value import Value, vsum
from mgrad_cli.nn.mlp import MLP, Layer, Neuron
from mgrad_cli.autograd.ops import BY_NAME


def test_lecture_expression():
    a, b, c, f = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c"), Value(-2.0, "f")
    e = a * b
    d = e + c
    L = d * f
    L.backward()
    assert L.data == -8.0
    assert (a.grad, b.grad, c.grad, f.grad) == (6.0, -4.0, -2.0, 4.0)
    assert (e.grad, d.grad) == (-2.0, -2.0)


def neuron_inputs():
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    return x1, x2, w1, w2, b


def test_lecture_neuron():
    x1, x2, w1, w2, b = neuron_inputs()
    n = x1 * w1 + x2 * w2 + b
    o = n.tanh()
    o.backward()
    assert o.data == pytest.approx(0.7071067811865476, rel=1e-12)
    assert x1.grad == pytest.approx(-1.5, rel=1e-12)
    assert w1.grad == pytest.approx(1.0, rel=1e-12)
    assert x2.grad == pytest.approx(0.5, rel=1e-12)
    assert w2.grad == 0.0


def test_lecture_neuron_with_tanh_written_out():
    x1, x2, w1, w2, b = neuron_inputs()
    n = x1 * w1 + x2 * w2 + b
    e = (2 * n).exp()
    o = (e - 1) / (e + 1)
    o.backward()
    assert o.data == pytest.approx(0.7071067811865476, rel=1e-12)
    assert x1.grad == pytest.approx(-1.5, rel=1e-12)
    assert w1.grad == pytest.approx(1.0, rel=1e-12)
    assert x2.grad == pytest.approx(0.5, rel=1e-12)
    assert w2.grad == pytest.approx(0.0, abs=1e-15)


def test_a_node_used_twice_collects_both_gradients():
    a = Value(3.0)
    b = a + a
    b.backward()
    assert a.grad == 2.0
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0


def test_diamond():
    # the lecture's bug case: d depends on a through two paths
    a, b = Value(-2.0, "a"), Value(3.0, "b")
    d = a * b
    e = a + b
    f = d * e
    f.backward()
    assert a.grad == pytest.approx(-3.0)
    assert b.grad == pytest.approx(-8.0)


def test_reflected_and_mixed_operators():
    v = Value(4.0)
    assert (2 * v).data == 8.0
    assert (1 - v).data == -3.0
    assert (1 / v).data == 0.25
    assert (2 ** v).data == 16.0
    assert (v ** 0.5).data == 2.0
    assert (-v).data == -4.0
    assert abs(Value(-2.5)).data == 2.5
    assert (v + 1).data == 5.0 and (1 + v).data == 5.0
    assert (v - 1).data == 3.0 and (v / 2).data == 2.0


def test_value_exponent_gets_a_gradient():
    a, b = Value(2.0), Value(3.0)
    c = a ** b
    c.backward()
    assert c.data == 8.0
    assert a.grad == pytest.approx(12.0)
    assert b.grad == pytest.approx(8.0 * math.log(2.0))


def test_non_numbers_are_refused():
    with pytest.raises(TypeError):
        Value(1.0) + "2"
    with pytest.raises(TypeError):
        "2" * Value(1.0)


def test_data_and_grad_are_python_floats():
    v = Value(3)
    assert type(v.data) is float and type(v.grad) is float
    w = v * 2
    w.backward()
    assert type(w.data) is float and type(v.grad) is float


def test_backward_twice_accumulates_on_leaves_only():
    a = Value(2.0)
    b = a * 3.0
    c = b.tanh()
    c.backward()
    first_a, first_b = a.grad, b.grad
    c.backward()
    assert a.grad == pytest.approx(2 * first_a)
    assert b.grad == pytest.approx(first_b)  # inner nodes hold this call's gradient


@pytest.mark.slow
def test_million_node_chain_has_no_recursion_limit():
    x = Value(1.0)
    v = x
    for _ in range(1_000_000):
        v = v + 1e-6
    v.backward()
    assert x.grad == 1.0
    assert v.data == pytest.approx(2.0, rel=1e-6)


def test_topo_is_deterministic_and_children_first():
    def build():
        a, b = Value(1.0, "a"), Value(2.0, "b")
        c = a * b + a
        return (c.tanh() * b).topo()

    first = [(v.label, v.op, v.data) for v in build()]
    assert first == [(v.label, v.op, v.data) for v in build()]
    order = build()
    pos = {v: i for i, v in enumerate(order)}
    for v in order:
        assert all(pos[c] < pos[v] for c in v.children)


def test_vsum_is_one_node_and_matches_a_chain_of_adds():
    xs = [Value(x) for x in (0.1, 0.2, 0.3, 0.4)]
    s = vsum(xs)
    assert s.op is BY_NAME["sum"] and len(s.children) == 4
    assert s.data == ((0.1 + 0.2) + 0.3) + 0.4
    s.backward()
    assert [x.grad for x in xs] == [1.0] * 4


def test_neuron_layer_mlp_use_the_rng_passed_in():
    m1 = MLP(3, [4, 4, 1], rng=random.Random(7))
    m2 = MLP(3, [4, 4, 1], rng=random.Random(7))
    assert [p.data for p in m1.parameters()] == [p.data for p in m2.parameters()]
    state = random.getstate()
    MLP(3, [4, 4, 1], rng=random.Random(8))
    assert random.getstate() == state  # the global generator is never touched
    assert len(m1.parameters()) == 4 * 4 + 4 * 5 + 5


def test_mlp_with_a_one_neuron_hidden_layer():
    """A hidden layer of one neuron hands the next layer a list of one Value (micrograd's
    Layer returns the bare Value there): the output and every gradient are the network's,
    worked out by hand."""
    x = [1.0, -2.0]
    m = MLP(2, [16, 1, 1], activation="relu", rng=random.Random(1))
    out = m(x)
    out.backward()
    first, (lone,), (last,) = m.layers[0].neurons, m.layers[1].neurons, m.layers[2].neurons
    h1 = [max(0.0, n.b.data + sum(w.data * xi for w, xi in zip(n.w, x))) for n in first]
    h2 = max(0.0, lone.b.data + sum(w.data * h for w, h in zip(lone.w, h1)))
    assert h2 > 0 and 0 < sum(h > 0 for h in h1) < 16  # seed 1: the lone neuron is active, some of layer 1 not
    assert isinstance(out, Value) and out.data == pytest.approx(last.b.data + last.w[0].data * h2, rel=1e-12)
    assert (last.w[0].grad, last.b.grad) == (pytest.approx(h2, rel=1e-12), 1.0)
    w3 = last.w[0].data
    assert [lone.b.grad] + [w.grad for w in lone.w] == pytest.approx([w3] + [w3 * h for h in h1], rel=1e-12)
    for n, h, w2 in zip(first, h1, lone.w):  # through the lone neuron: d out / d h1_j = w3 * w2_j where h1_j > 0
        slope = w3 * w2.data if h > 0 else 0.0
        assert [n.b.grad] + [w.grad for w in n.w] == pytest.approx([slope] + [slope * xi for xi in x], rel=1e-12)


def test_activations_per_layer():
    m = MLP(2, [3, 2], activation=["tanh", "sigmoid"], rng=random.Random(0))
    outs = m([0.5, 0.5])
    assert all(0 < o.data < 1 for o in outs)
    assert [n.activation for n in m.layers[0].neurons] == ["tanh"] * 3
    with pytest.raises(ValueError):
        Neuron(2, "softplus")
    assert len(Layer(2, 3, "relu", random.Random(0))([1.0, 2.0])) == 3


def test_zero_grad():
    m = MLP(2, [2, 1], rng=random.Random(0))
    m([1.0, 2.0]).backward()
    assert any(p.grad for p in m.parameters())
    m.zero_grad()
    assert all(p.grad == 0.0 for p in m.parameters())


def test_lecture_training_loop_learns():
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    n = MLP(3, [4, 4, 1], activation="tanh", output="tanh", rng=random.Random(42))
    for _ in range(100):
        loss = vsum([(n(x) - y) ** 2 for x, y in zip(xs, ys)])
        n.zero_grad()
        loss.backward()
        for p in n.parameters():
            p.data -= 0.05 * p.grad
    assert loss.data < 0.05
