"""mgrad's scalar engine against micrograd 0.1.0 on micrograd's own demo, in one run.

    pip install micrograd==0.1.0
    python bench/bench_scalar.py [--steps 100] [--samples 100]

Two-moons (scikit-learn's make_moons points for the seed, noise 0.1, labels +-1: the
notebook's data with the default seed 1337), MLP 2-16-16-1 (ReLU hidden, linear out),
loss = mean(relu(1 - y*score)) + 1e-4 * sum(p*p), SGD with lr = 1.0 - 0.9*k/100.
Both engines start from the same weights; the script checks that their loss curves
agree to 1e-9 and prints median seconds per step, bytes per graph node and ratios.
"""

import argparse
import gc
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mgrad_cli.data.generators import moons  # noqa: E402
from mgrad_cli.autograd.value import Value, vsum  # noqa: E402
from mgrad_cli.nn.mlp import MLP  # noqa: E402


def mgrad_loss(model, X, y):
    inputs = [list(map(Value, row)) for row in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * s).relu() for yi, s in zip(y, scores)]
    data_loss = vsum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * vsum([p * p for p in model.parameters()])
    return data_loss + reg_loss


def micrograd_loss(model, X, y):
    from micrograd.engine import Value as MValue

    inputs = [list(map(MValue, row)) for row in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * s).relu() for yi, s in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    return data_loss + reg_loss


def train(model, loss_fn, X, y, steps):
    times, curve = [], []
    params = model.parameters()
    for k in range(steps):
        t0 = time.perf_counter()
        loss = loss_fn(model, X, y)
        model.zero_grad()
        loss.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in params:
            p.data -= lr * p.grad
        times.append(time.perf_counter() - t0)
        curve.append(loss.data)
    return statistics.median(times), curve


def count_nodes(root):
    seen, stack = {id(root)}, [root]
    while stack:
        for c in stack.pop()._prev:
            if id(c) not in seen:
                seen.add(id(c))
                stack.append(c)
    return len(seen)


def bytes_per_node(model, loss_fn, X, y):
    """Memory held by one forward+backward graph, per node (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    loss = loss_fn(model, X, y)
    loss.backward()
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return held / count_nodes(loss), count_nodes(loss)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--samples", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1337)
    args = ap.parse_args()

    X, labels = moons(args.samples, 0.1, np.random.RandomState(args.seed))
    X = X.tolist()
    y = [float(2 * t - 1) for t in labels]

    ours = MLP(2, [16, 16, 1], activation="relu", output="linear", rng=random.Random(args.seed))
    start = [p.data for p in ours.parameters()]

    try:
        from micrograd.nn import MLP as MMLP
    except ImportError:
        sys.exit("micrograd is not installed: pip install micrograd==0.1.0")
    theirs = MMLP(2, [16, 16, 1])
    for p, w in zip(theirs.parameters(), start):
        p.data = w

    mem_ours, n_ours = bytes_per_node(ours, mgrad_loss, X, y)
    mem_theirs, n_theirs = bytes_per_node(theirs, micrograd_loss, X, y)
    ours.zero_grad()
    theirs.zero_grad()

    t_theirs, curve_theirs = train(theirs, micrograd_loss, X, y, args.steps)
    t_ours, curve_ours = train(ours, mgrad_loss, X, y, args.steps)

    worst = max(abs(a - b) / max(abs(b), 1e-300) for a, b in zip(curve_ours, curve_theirs))
    print(f"micrograd demo: moons {args.samples} samples, MLP 2-16-16-1, {args.steps} steps, python {sys.version.split()[0]}")
    print(f"{'engine':<12}{'s/step (median)':>18}{'graph nodes':>14}{'bytes/node':>12}{'final loss':>14}")
    print(f"{'micrograd':<12}{t_theirs:>18.5f}{n_theirs:>14}{mem_theirs:>12.1f}{curve_theirs[-1]:>14.8f}")
    print(f"{'mgrad':<12}{t_ours:>18.5f}{n_ours:>14}{mem_ours:>12.1f}{curve_ours[-1]:>14.8f}")
    print(f"speed-up per step: {t_theirs / t_ours:.1f}x   memory per node: {mem_ours / mem_theirs:.4f} of micrograd's")
    print(f"loss curves agree to {worst:.1e} (relative, worst step)")
    if worst > 1e-9:
        print("FAIL: the loss curves differ by more than 1e-9")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
