"""mgrad's engines (tensor, scalar, torch) against PyTorch eager and micrograd, in one run.

    python bench/bench_tensor.py [--quick] [--only NAME] [--runs 5] [--clock wall|cpu] [--torch]
                                 [--malloc keep|default]

Every workload trains an MLP with plain SGD from the same starting weights on every
engine and times whole steps (forward, zero grads, backward, update; the first step,
which starts thread pools and allocates memory, is run but not timed):

  moons     two-moons (mgrad_cli.data.generators.moons, noise 0.1, labels +-1), ReLU hidden
            layers, linear output, loss mean(relu(1 - y*score)) + 1e-4 * sum(p*p),
            lr = 1.0 - 0.9*k/100: micrograd's demo at 100 samples and width 16, then
            1,000 and 10,000 samples and widths 64 and 256.
  digits    datasets/digits.csv (pixels / 16), the first 1,437 samples shuffled with
            seed 0, 64-64-10 ReLU, cross-entropy + 1e-4 * sum(p*p), minibatches of 128,
            lr = 0.1.

It prints the median seconds per step and the ratios, and checks that every engine's
loss curve agrees with the tensor engine's to 1e-9 (relative) over the steps it ran
(float32 runs, on a GPU, to 1e-4). torch and micrograd 0.1.0 are optional; the scalar
engines run only where a step takes well under a few seconds ('—' says why).

A second table sets mgrad's torch engine (the backend `mgrad train --engine torch`
runs: the flat parameter vector, the loss record's torch form, torch.optim's SGD, and
the checks the trainer makes each step, with the per-layer statistics and the doctor
off) beside the hand-written PyTorch loop, on one thread and on all cores: ms per step,
the ratio and the overhead per step, each the median of --runs runs (5; the two loops
take turns step by step), and PASS or FAIL against the bound of issue 23: on one
thread at most 1.15x the loop's step; on all cores too where the loop's step takes
1 ms or more, below that at most 0.05 ms more per step. It also sets the torch engine
against the numpy engine as the mgrad command runs it (one BLAS thread). When PyTorch
sees a GPU it adds the torch engine and the hand-written loop on it, in float32 and
float64; without one, it says so.

On glibc the script has malloc keep the memory each step frees (--malloc default: it
does not): otherwise the next step faults a wide layer's outputs back in, 1 to 2.5 ms a
step at 1,000 x 256, on either loop by the luck of the heap's layout, which swamps what
is compared. --torch leaves the scalar engines out (minutes of the run's time), for the
second table alone. --clock cpu times every step by the process's CPU time (all its
threads) instead of the wall clock, both sides alike: steadier on a machine other work
keeps busy, though on all cores it also counts the time threads spin waiting for work.
The script exits 1 when a loss curve disagrees, or (not with --quick, which measures
nothing) when the torch engine is outside its bound on a workload.
"""

import argparse
import ctypes
import gc
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mgrad_cli.data.generators import moons  # noqa: E402
from mgrad_cli.autograd.value import Value, vsum  # noqa: E402
from mgrad_cli.nn.mlp import MLP  # noqa: E402
from mgrad_cli.autograd.tensor import constant  # noqa: E402
from mgrad_cli.nn.tensor_mlp import TensorMLP, total_loss  # noqa: E402

SEED = 1337
L2 = 1e-4
CLOCK = time.perf_counter  # --clock cpu: time.process_time (every thread's CPU time)

# the torch engine's bound (issue 23): its step at most 1.15x the hand-written loop's on
# one thread; on all cores too for a step of 1 ms or more, below that at most 0.05 ms more
RATIO_BOUND, LONG_STEP, OVERHEAD_BOUND = 1.15, 1e-3, 5e-5


class Workload:
    def __init__(self, name, data, samples, sizes, steps, slow_steps=0, batch=None, why_slow=""):
        self.name, self.data, self.samples, self.sizes = name, data, samples, sizes
        self.steps, self.batch = steps, batch
        self.slow_steps = slow_steps  # steps for the scalar engines (0: skipped)
        self.why_slow = why_slow

    def load(self):
        """(X, y, batches): batches[k] is the index array of step k's samples (None: all)."""
        if self.data == "moons":
            X, labels = moons(self.samples, 0.1, np.random.RandomState(SEED))
            return X, 2.0 * labels - 1.0, [None] * self.steps
        table = np.loadtxt(ROOT / "datasets" / "digits.csv", delimiter=",", skiprows=1)
        order = np.random.default_rng(0).permutation(len(table))[: self.samples]
        X, y = table[order, :64] / 16.0, table[order, 64].astype(np.int64)
        per_epoch = self.samples // self.batch
        batches = [np.arange(self.batch) + self.batch * (k % per_epoch) for k in range(self.steps)]
        return X, y, batches

    def loss(self):
        return "hinge" if self.data == "moons" else "cross_entropy"

    def lr(self, k):
        return 1.0 - 0.9 * k / 100 if self.data == "moons" else 0.1


def workloads(quick):
    w = [
        Workload("demo: moons 100, 2-16-16-1", "moons", 100, [16, 16, 1], 100, slow_steps=20),
        Workload("moons 1,000, 2-16-16-1", "moons", 1000, [16, 16, 1], 100, slow_steps=3),
        Workload("moons 10,000, 2-16-16-1", "moons", 10000, [16, 16, 1], 50, why_slow="10,000 samples"),
        Workload("moons 1,000, 2-64-64-1", "moons", 1000, [64, 64, 1], 100, why_slow="width 64"),
        Workload("moons 1,000, 2-256-256-1", "moons", 1000, [256, 256, 1], 50, why_slow="width 256"),
        Workload("moons 10,000, 2-64-64-1", "moons", 10000, [64, 64, 1], 50, why_slow="10,000 samples"),
        Workload("moons 10,000, 2-256-256-1", "moons", 10000, [256, 256, 1], 20, why_slow="10,000 samples"),
        Workload("digits 1,437, 64-64-10, batch 128", "digits", 1437, [64, 10], 100, slow_steps=3, batch=128),
    ]
    if quick:
        for x in w:
            x.steps, x.slow_steps = min(x.steps, 10), min(x.slow_steps, 2)
    return w


# --- one training loop per engine: each yields (seconds, loss) per step ----------------
# The engines run one after another, each for all its steps, with a pause in between:
# taking turns step by step made each library's idle threads (OpenBLAS's, OpenMP's)
# spin on the cores the next one needed. The torch engine and the hand-written loop on
# the same threads share PyTorch's, so those two do take turns, step by step: on a busy
# machine both then see the same moments (whole runs apart, its speed moved by 2x).

def run_tensor(wl, start, X, y, batches, blas_threads=None):
    if blas_threads is not None:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=blas_threads, user_api="blas"):
            yield from run_tensor(wl, start, X, y, batches)
        return
    model = TensorMLP(X.shape[1], wl.sizes, activation="relu", rng=random.Random(SEED))
    model.set_flat_parameters(start)
    y = y.reshape(-1, 1) if wl.loss() == "hinge" else y
    whole = constant(X)  # the inputs need no gradient: wrap them once
    params = model.parameters()
    for k, idx in enumerate(batches):
        Xk, yk = (whole, y) if idx is None else (constant(X[idx]), y[idx])
        t0 = CLOCK()
        loss = total_loss(wl.loss(), model, Xk, yk, L2)
        model.zero_grad()
        loss.backward()
        lr = wl.lr(k)
        for p in params:
            p.data -= lr * p.grad
        yield CLOCK() - t0, loss.item()


def scalar_loss(kind, model, X, y, value=Value, total=vsum):
    """The loss written with scalar Values (mgrad's, or micrograd's with value/total swapped)."""
    if kind == "hinge":
        scores = [model(row) for row in X]
        terms = [(1 + -yi * s).relu() for yi, s in zip(y, scores)]
    else:  # cross-entropy: log(sum(exp(z - m))) + m - z[label], m = max(z) a constant
        terms = []
        for row, label in zip(X, y):
            z = model(row)
            m = max(v.data for v in z)
            terms.append(total([(v - m).exp() for v in z]).log() + m - z[int(label)])
    data_loss = total(terms) * (1.0 / len(terms))
    return data_loss + L2 * total([p * p for p in model.parameters()])


def run_scalar_engine(wl, start, X, y, batches, make_model, value, total):
    model = make_model()
    params = model.parameters()
    for p, w in zip(params, start):
        p.data = float(w)
    Xl, yl = X.tolist(), y.tolist()
    for k, idx in enumerate(batches[: wl.slow_steps]):
        Xk, yk = (Xl, yl) if idx is None else ([Xl[i] for i in idx], [yl[i] for i in idx])
        t0 = CLOCK()
        loss = scalar_loss(wl.loss(), model, Xk, yk, value, total)
        for p in params:
            p.grad = 0.0
        loss.backward()
        lr = wl.lr(k)
        for p in params:
            p.data -= lr * p.grad
        yield CLOCK() - t0, loss.data


def run_mgrad_scalar(wl, start, X, y, batches):
    def make():
        return MLP(X.shape[1], wl.sizes, activation="relu", output="linear", rng=random.Random(SEED))

    return run_scalar_engine(wl, start, X, y, batches, make, Value, vsum)


def run_micrograd(wl, start, X, y, batches):
    from micrograd.engine import Value as MValue
    from micrograd.nn import MLP as MMLP

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 100_000))  # micrograd's topological sort recurses
    return run_scalar_engine(wl, start, X, y, batches, lambda: MMLP(X.shape[1], wl.sizes), MValue, sum)


def run_torch(wl, start, X, y, batches, threads, device="cpu", dtype="float64"):
    """The hand-written PyTorch loop: a weight matrix and a bias per layer, SGD by hand."""
    import torch

    torch.set_num_threads(threads)
    dtype = getattr(torch, dtype)
    ref = TensorMLP(X.shape[1], wl.sizes, activation="relu", rng=random.Random(SEED))
    ref.set_flat_parameters(start)
    params = [torch.tensor(p.data, dtype=dtype, device=device, requires_grad=True) for p in ref.parameters()]
    Xt = torch.tensor(X, dtype=dtype, device=device)
    yt = torch.tensor(y.reshape(-1, 1) if wl.loss() == "hinge" else y, device=device)
    if wl.loss() == "hinge":
        yt = yt.to(dtype)
    for k, idx in enumerate(batches):
        t0 = CLOCK()
        Xk, yk = (Xt, yt) if idx is None else (Xt[idx], yt[idx])  # picking the batch is timed, as the engine's
        h = Xk
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i + 2 < len(params):
                h = h.relu()
        if wl.loss() == "hinge":
            data_loss = (1 - yk * h).relu().mean()
        else:
            data_loss = torch.nn.functional.cross_entropy(h, yk)
        loss = data_loss + L2 * sum((p * p).sum() for p in params)
        for p in params:
            p.grad = None
        loss.backward()
        lr = wl.lr(k)
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        loss = loss.item()  # waits for a GPU to finish the step
        yield CLOCK() - t0, loss


def run_torch_engine(wl, start, X, y, batches, threads, device="cpu", dtype="float64"):
    """mgrad's torch engine, step by step as the trainer drives it (Trainer._epoch): the
    loss and gradient of the batch, the checks that they and the update are finite,
    torch.optim's SGD. The per-layer statistics and the doctor are off, as with
    Trainer.measure_layers off and `mgrad train --no-doctor`: the backend is handed no
    list for the layers' outputs, and there is no doctor to look at a record."""
    from mgrad_cli.backends.torch import TorchBackend
    from mgrad_cli.training.divergence import all_finite

    backend = TorchBackend(X.shape[1], wl.sizes, "relu", "linear", wl.loss(), L2, device=device, dtype=dtype)
    backend.set_threads(threads)
    optimizer = backend.make_optimizer({"name": "sgd", "lr": 0.0}, len(start))
    params = start.copy()
    T = y.reshape(-1, 1).astype(np.float64)  # ±1 for hinge, the class index for cross-entropy
    for k, idx in enumerate(batches):
        t0 = CLOCK()
        Xk, Tk = (X, T) if idx is None else (X[idx], T[idx])  # as the trainer: no copy of a whole batch
        loss, grad, _ = backend.loss_and_grad(params, Xk, Tk, None)
        finite = math.isfinite(loss) and all_finite(grad)  # the trainer's checks, timed
        with np.errstate(all="ignore"):
            optimizer.step(params, grad, wl.lr(k))
        finite = finite and all_finite(params) and optimizer.is_finite()
        yield CLOCK() - t0, loss  # a diverged curve shows in the curves' comparison


# --- the run ------------------------------------------------------------------------

def disagreement(curve, reference):
    n = min(len(curve), len(reference))
    return max(abs(a - b) / max(abs(b), 1e-300) for a, b in zip(curve[:n], reference[:n]))


def blas_note():
    try:
        from threadpoolctl import threadpool_info

        info = [f"{i['internal_api']} {i.get('version', '')} {i.get('architecture', '')}, {i['num_threads']} threads"
                for i in threadpool_info() if i["user_api"] == "blas"]
        return "; ".join(info)
    except ImportError:
        return "threadpoolctl not installed"


def engines(torch, have_micrograd, have_threadpoolctl, cores):
    """[(column, runner, repeated)]: every engine this machine can run, in the tables'
    order; `repeated`: the torch engine and the hand-written loop, timed over --runs runs."""
    out = [("tensor", run_tensor, False)]
    if have_threadpoolctl:  # the column needs threadpoolctl to hold numpy's BLAS to one thread
        out.append(("tensor 1t", lambda *a: run_tensor(*a, blas_threads=1), False))
    out.append(("scalar", run_mgrad_scalar, False))
    if torch:
        for threads in (1, cores):
            out += [(f"torch {threads}t", lambda *a, n=threads: run_torch(*a, threads=n), True),
                    (f"engine {threads}t", lambda *a, n=threads: run_torch_engine(*a, threads=n), True)]
        if torch.cuda.is_available():
            for bits in ("32", "64"):
                out += [(f"torch gpu{bits}", lambda *a, b=bits: run_torch(*a, cores, "cuda", f"float{b}"), True),
                        (f"engine gpu{bits}", lambda *a, b=bits: run_torch_engine(*a, cores, "cuda", f"float{b}"),
                         True)]
    if have_micrograd:
        out.append(("micrograd", run_micrograd, False))
    return out


def skipped(wl, name, notes):
    """Whether a scalar engine sits this workload out (the reason goes to notes)."""
    slow = name in ("scalar", "micrograd")
    if slow and not wl.slow_steps:
        notes.append(f"{wl.name}: {name} skipped ({wl.why_slow}: minutes per step)")
        return True
    if name == "micrograd" and wl.loss() != "hinge":
        notes.append(f"{wl.name}: micrograd skipped (micrograd 0.1.0 has no exp or log for cross-entropy)")
        return True
    if slow and wl.slow_steps < wl.steps:
        notes.append(f"{wl.name}: {name} timed over its first {wl.slow_steps} steps")
    return False


def groups(runners):
    """[(names, runners, repeated)]: each engine on its own, but the hand-written loop and
    the torch engine on the same threads or device together, to take turns step by step."""
    by_name = {name: (fn, repeated) for name, fn, repeated in runners}
    out = []
    for name, fn, repeated in runners:
        partner = "engine" + name[len("torch"):]
        if name.startswith("engine "):
            continue  # with its loop
        if name.startswith("torch ") and partner in by_name:
            out.append(((name, partner), (fn, by_name[partner][0]), True))
        else:
            out.append(((name,), (fn,), repeated))
    return out


def measure(wl, runners, notes, runs):
    """Time every engine on one workload: -> ({column: median seconds per step}, worst
    disagreement). Each run's median step (the first step, which starts thread pools, is
    not timed); the repeated columns run --runs times and give the median of their runs'
    medians."""
    X, y, batches = wl.load()
    start = TensorMLP(X.shape[1], wl.sizes, activation="relu", rng=random.Random(SEED)).flat_parameters()
    runners = [(name, fn, repeated) for name, fn, repeated in runners if not skipped(wl, name, notes)]
    medians, curves = {}, {}
    for run in range(runs):
        for names, fns, repeated in groups(runners):
            if run and not repeated:
                continue
            steps = batches[:wl.slow_steps if names[0] in ("scalar", "micrograd") else wl.steps]
            gc.collect()
            time.sleep(0.25)  # let the last engine's threads go idle
            times, curve = {n: [] for n in names}, {n: [] for n in names}
            for step in zip(*(fn(wl, start, X, y, steps) for fn in fns)):  # in turns, step by step
                for name, (dt, loss) in zip(names, step):
                    times[name].append(dt)
                    curve[name].append(loss)
            for name in names:
                medians.setdefault(name, []).append(statistics.median(times[name][1:] or times[name]))
                curves.setdefault(name, curve[name])
    worst = {n: disagreement(curves[n], curves["tensor"]) for n in curves if n != "tensor"}
    return {name: statistics.median(m) for name, m in medians.items()}, worst


def table(title, rows, columns, ratios, notes=()):
    """Print a table: a row per (workload, medians, extra cells); ratios: (heading, a, b) for a/b."""
    widths = [max(11, len(c) + 2) for c in columns]
    ratio_widths = [max(8, len(h) + 2) for h, _, _ in ratios]
    note_widths = [len(h) + 2 for h, _ in notes]
    print(title)
    print(f"{'workload':<36}" + "".join(f"{c:>{w}}" for c, w in zip(columns, widths))
          + "".join(f"{h:>{w}}" for (h, _, _), w in zip(ratios, ratio_widths))
          + "".join(f"{h:>{w}}" for (h, _), w in zip(notes, note_widths)))
    for name, med, extra in rows:
        cells = [f"{med[c]:>{w}.6f}" if c in med else f"{'—':>{w}}" for c, w in zip(columns, widths)]
        cells += [f"{ratio(med[a] / med[b]):>{w}}" if a in med and b in med else f"{'—':>{w}}"
                  for (_, a, b), w in zip(ratios, ratio_widths)]
        cells += [f"{extra[key]:>{w}}" for (_, key), w in zip(notes, note_widths)]
        print(f"{name:<36}" + "".join(cells))
    print()


def ratio(r):
    return f"{r:.2f}" if r < 100 else f"{r:.0f}x"


def within_bound(engine, loop, threads):
    """(passed, the rule applied) for a median step of the torch engine against the
    hand-written loop's (seconds) on `threads` threads (1, or 'all')."""
    if threads == 1 or loop >= LONG_STEP:
        return engine / loop <= RATIO_BOUND, f"ratio {RATIO_BOUND}"
    return engine - loop <= OVERHEAD_BOUND, f"+{OVERHEAD_BOUND * 1e3:g} ms"


def overhead_table(rows, cores, one, runs):
    """The torch engine beside the hand-written loop, per workload: ms per step, ratio and
    overhead on one thread and on all cores, and PASS/FAIL against the bound. -> the
    workloads that fail it."""
    print(f"the torch engine (mgrad train --engine torch) and the hand-written PyTorch loop: "
          f"ms per step, median of {runs} run{'s' if runs > 1 else ''}")
    heads = ["engine 1t", "torch 1t", "ratio", "+ms", f"engine {cores}t", f"torch {cores}t", "ratio", "+ms",
             f"{one.replace(' ', '')}/engine{cores}t", f"{cores}t rule", "bound"]
    widths = [max(10, len(h) + 2) for h in heads[:-2]] + [13, 7]
    print(f"{'workload':<36}" + "".join(f"{h:>{w}}" for h, w in zip(heads, widths)))
    failed = []
    for name, med, _ in rows:
        cells, verdicts = [], []
        for threads in (1, cores):
            engine, loop = med.get(f"engine {threads}t"), med.get(f"torch {threads}t")
            if engine is None or loop is None:
                cells += ["—"] * 4
                continue
            passed, rule = within_bound(engine, loop, 1 if threads == 1 else "all")
            verdicts.append((passed, rule))
            cells += [f"{engine * 1e3:.4f}", f"{loop * 1e3:.4f}", f"{engine / loop:.3f}", f"{(engine - loop) * 1e3:+.4f}"]
        cells.append(ratio(med[one] / med[f"engine {cores}t"]) if one in med and f"engine {cores}t" in med else "—")
        cells.append(verdicts[-1][1] if verdicts else "—")
        ok = bool(verdicts) and all(passed for passed, _ in verdicts)
        cells.append("PASS" if ok else "FAIL")
        if not ok:
            failed.append(name)
        print(f"{name:<36}" + "".join(f"{c:>{w}}" for c, w in zip(cells, widths)))
    print(f"  bound: on one thread the torch engine's step at most {RATIO_BOUND}x the hand-written loop's; on all "
          f"{cores} cores too where\n  the loop's step takes {LONG_STEP * 1e3:g} ms or more, below that at most "
          f"{OVERHEAD_BOUND * 1e3:g} ms more ('{cores}t rule' says which applied)\n")
    return failed


def keep_freed_memory():
    """Have glibc's malloc keep the memory a step frees for the next one: no trimming of
    the heap's top, no mmap for blocks under 32 MiB. Left as it is, malloc hands a wide
    layer's outputs back to the system and the next step faults them in again (at 1,000
    x 256, 300 to 1,400 page faults and 1 to 2.5 ms a step, on either loop, by the luck
    of the heap's layout). -> what the header says."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        kept = libc.mallopt(-1, 1 << 30) == 1 and libc.mallopt(-3, 1 << 25) == 1  # M_TRIM_, M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        kept = False
    return "malloc: freed memory kept (glibc mallopt)" if kept else "malloc: as it is (no glibc mallopt here)"


def header(torch, have_micrograd, gpu, malloc):
    """The versions, the BLAS, the GPU and the clock, above the tables."""
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}"
          + (f", torch {torch.__version__}" if torch else ", torch not installed (its columns are skipped)")
          + ("" if have_micrograd else ", micrograd not installed: pip install micrograd==0.1.0"))
    print(f"cpus: {os.cpu_count()}; numpy BLAS: {blas_note()}; "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    print(f"GPU: {torch.cuda.get_device_name(0)}" if gpu else "GPU: none (PyTorch sees no CUDA device): no GPU columns")
    load = f"load average {os.getloadavg()[0]:.2f} at the start; " if hasattr(os, "getloadavg") else ""
    clock = "wall-clock time" if CLOCK is time.perf_counter else "process CPU time (every thread's, both sides alike)"
    print(f"{load}timed by {clock}; {malloc}")
    print("median seconds per training step (forward + backward + SGD update)\n")


def main():
    global CLOCK
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10 steps per workload (a smoke test, not a measurement)")
    ap.add_argument("--only", help="run the workloads whose name contains this text")
    ap.add_argument("--runs", type=int, default=5, help="runs of the torch engine and the hand-written loop (5)")
    ap.add_argument("--malloc", choices=("keep", "default"), default="keep",
                    help="keep: glibc's malloc keeps freed memory (default), so neither loop pays page faults "
                         "by the luck of the heap's layout; default: malloc as it is")
    ap.add_argument("--torch", action="store_true",
                    help="only the torch engine, the hand-written loop and the tensor engine (no scalar engines)")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="wall-clock time (default), or the process's CPU time: steadier on a busy machine")
    args = ap.parse_args()
    CLOCK = time.perf_counter if args.clock == "wall" else time.process_time

    torch, have_micrograd, have_threadpoolctl = optional("torch"), optional("micrograd"), optional("threadpoolctl")
    cores = torch.get_num_threads() if torch else os.cpu_count()  # PyTorch's default: one per core
    runners = engines(torch, have_micrograd, have_threadpoolctl, cores)
    if args.torch:
        runners = [r for r in runners if r[0] not in ("scalar", "micrograd")]
    gpu = bool(torch) and torch.cuda.is_available()
    header(torch, have_micrograd, gpu, keep_freed_memory() if args.malloc == "keep" else "malloc: as it is")

    notes, rows, failed = [], [], False
    for wl in workloads(args.quick):
        if args.only and args.only not in wl.name:
            continue
        med, worst = measure(wl, runners, notes, max(1, args.runs))
        # float32 sums differ from float64 ones in the 7th digit: those curves agree to 1e-4
        bad = [n for n, w in worst.items() if w > (1e-4 if n.endswith("32") else 1e-9)]
        failed |= bool(bad)
        exact = max([w for n, w in worst.items() if not n.endswith("32")], default=0.0)
        rows.append((wl.name, med, {"agree": f"{exact:.1e}"}))
        print(f"  done: {wl.name}", file=sys.stderr, flush=True)
    over = report(rows, cores, torch, gpu, have_threadpoolctl, notes, args.runs)
    if failed:
        print("FAIL: an engine's loss curve differs from the tensor engine's (by more than 1e-9, 1e-4 in float32)")
    if over and not args.quick:
        print(f"FAIL: the torch engine is outside its bound on {len(over)} of {len(rows)} workloads: {'; '.join(over)}")
    elif torch and rows:
        print(f"{'(--quick: not a measurement) ' if args.quick else ''}the torch engine is within its bound "
              f"on {len(rows) - len(over)} of {len(rows)} workloads")
    return 1 if failed or (over and not args.quick) else 0


def report(rows, cores, torch, gpu, have_threadpoolctl, notes, runs):
    """Print the tables and the notes. -> the workloads where the torch engine is outside its bound."""
    one = "tensor 1t" if have_threadpoolctl else "tensor"
    columns = ["tensor", "tensor 1t", "scalar", "torch 1t", f"torch {cores}t", "micrograd"]
    table("mgrad's engines and PyTorch eager", rows, [c for c in columns if any(c in m for _, m, _ in rows)],
          [(f"{one.replace(' ', '')}/torch1t", one, "torch 1t"), (f"tensor/torch{cores}t", "tensor", f"torch {cores}t"),
           ("micrograd/tensor", "micrograd", "tensor")], [("curves agree", "agree")])
    over = overhead_table(rows, cores, one, runs) if torch else []
    if gpu:
        table("the torch engine and the hand-written PyTorch loop on the GPU", rows,
              [f"{w} gpu{b}" for b in ("32", "64") for w in ("engine", "torch")],
              [(f"{g}: eng/torch", f"engine {g}", f"torch {g}") for g in ("gpu32", "gpu64")])
    for note in notes:
        print(f"  {note}")
    print("  tensor: numpy's BLAS with its default threads; tensor 1t: held to one thread (threadpoolctl),")
    print("  as the mgrad command runs it; Nt: N threads. In the first table ratios below 1.0 mean the")
    print("  tensor engine is faster; in the second, ratio and +ms are the torch engine's step over the")
    print("  hand-written loop's, and tensor1t/engine the torch engine's speed-up over the numpy engine,")
    print("  each at the mgrad command's default threads. 'curves agree' is the worst relative difference")
    print("  between any engine's loss (in float64) and the tensor engine's, over the steps both ran")
    return over


def optional(name):
    """The module, or None when it is not installed."""
    try:
        return __import__(name)
    except ImportError:
        return None


if __name__ == "__main__":
    sys.exit(main())
