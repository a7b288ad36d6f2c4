"""The torch engine on one thread against all cores, by the size of the work: where the
default thread count's threshold (mgrad_cli/cli/threads.py, torch_threads) comes from.

    python bench/bench_threads.py [--steps N] [--repeats K]

Each workload is an MLP on two-moons inputs (the shape of micrograd's demo, wider and with
more rows), trained by the torch engine's own step (loss_and_grad and torch.optim's SGD,
as `mgrad train --engine torch` runs it) on full batches. The work of a step is counted
as parameters x batch rows. For each workload the two thread counts take turns in one
process, K times N steps each; it prints the median seconds per step of each and their
ratio (above 1: one thread is faster). Say the machine's load (uptime) with any figure.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mgrad_cli.backends.torch import TorchBackend  # noqa: E402
from mgrad_cli.cli.threads import SMALL_WORK, cores  # noqa: E402
from mgrad_cli.data.generators import moons  # noqa: E402

# (hidden layers, rows): the demo, then from about 1e5 to 1e8 parameters x rows
WORKLOADS = [([16, 16, 1], 100), ([16, 16, 1], 500), ([32, 32, 1], 500), ([64, 64, 1], 250),
             ([64, 64, 1], 500), ([64, 64, 1], 1000), ([128, 128, 1], 1000), ([256, 256, 1], 1000),
             ([256, 256, 1], 4000)]


def timed_steps(backend, X, T, steps):
    """Median seconds per training step of the torch engine on (X, T)."""
    params = backend.init_params(random.Random(1337))
    optimizer = backend.make_optimizer({"name": "sgd", "lr": 0.01}, len(params))
    times = []
    for _ in range(steps + 1):  # the first starts the thread pool: not timed
        t0 = time.perf_counter()
        _, grad, _ = backend.loss_and_grad(params, X, T)
        optimizer.step(params, grad, 0.01)
        times.append(time.perf_counter() - t0)
    return statistics.median(times[1:])


def measure(layers, rows, steps, repeats, all_cores):
    """-> (work, median s/step on one thread, on all cores)."""
    X, y = moons(rows, noise=0.1, rng=np.random.default_rng(0))
    T = np.where(y > 0, 1.0, -1.0).reshape(-1, 1)
    backend = TorchBackend(2, layers, "relu", "linear", "hinge", 1e-4)
    work = len(backend.init_params(random.Random(0))) * rows
    found = {1: [], all_cores: []}
    for _ in range(repeats):
        for threads in found:  # taking turns: a change of load falls on both
            backend.set_threads(threads)
            found[threads].append(timed_steps(backend, X, T, steps))
    return work, statistics.median(found[1]), statistics.median(found[all_cores])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30, help="timed steps per turn (default 30)")
    parser.add_argument("--repeats", type=int, default=3, help="turns per thread count (default 3)")
    args = parser.parse_args()
    n = cores()
    print(f"{n} cores; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"threshold now {SMALL_WORK:,} (parameters x rows)")
    print(f"{'model':>14} {'rows':>6} {'params x rows':>14} {'1 thread':>10} {f'{n} threads':>10} {'ratio':>6}")
    for layers, rows in WORKLOADS:
        work, one, many = measure(layers, rows, args.steps, args.repeats, n)
        model = "2-" + "-".join(map(str, layers))
        print(f"{model:>14} {rows:>6} {work:>14,} {one:>10.6f} {many:>10.6f} {many / one:>6.2f}")


if __name__ == "__main__":
    main()
