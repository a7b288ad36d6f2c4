"""Data-parallel training: steps per second and scaling efficiency, 1 and 2 processes.

    python bench/bench_distributed.py [--quick] [--workloads tiny,wide]

Each workload is trained by `mgrad train` (the torch engine, float64 on the CPU) as a
user runs it, from the same config and seed:

  1 process, 1 thread      the torch engine alone, --threads 1: the baseline
  1 process, all cores     --threads CORES: what threads alone give
  --nproc 1                PyTorch's launcher and DDP around one process (1 thread...)
  --nproc 2                two processes, each with cores // 2 threads, each batch halved

Steps per second are rank 0's: an epoch's time (the log's seconds, with what the epoch
adds up at its end; start-up is not counted) over its steps, the median over the epochs
after the first. Speedup is against the baseline; scaling
efficiency is the speedup divided by the cores in use (processes x threads). The loss
curves of all runs must agree to 1e-9 relative (exit 1 otherwise).

  tiny   micrograd's demo (moons, 100 rows, MLP 2-16-16-1, full batch), 200 epochs: a
         step is a fraction of a millisecond, so the all-reduces between processes
         dominate.
  wide   moons, 16,384 rows, MLP 2-256-256-1 (66,561 parameters), batches of 2,048, 6
         epochs: a step is tens of milliseconds of arithmetic, halved between two
         processes.

The machine and its load are printed first: on a loaded machine, processes and threads
wait for cores, and the figures say so.
"""

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WORKLOADS = {
    "tiny": ("data: {name: moons, n_samples: 100, noise: 0.1, test_split: 0.0}\n"
             "model: {layers: [16, 16, 1], activation: relu, output: linear}\n"
             "loss: {name: hinge, l2: 1.0e-4}\nbatch_size: null\n", 100, None, 200),
    "wide": ("data: {name: moons, n_samples: 16384, noise: 0.1, test_split: 0.0}\n"
             "model: {layers: [256, 256, 1], activation: relu, output: linear}\n"
             "loss: {name: hinge, l2: 1.0e-4}\nbatch_size: 2048\n", 16384, 2048, 6),
}
COMMON = "seed: 1337\nengine: torch\noptimizer: {name: sgd, lr: 0.1}\n"


def cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def machine():
    """'Linux x86_64, Intel(R) Xeon(R) Processor, 2 cores, load average 5.31, torch 2.13.0'."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = f", load average {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""
    import torch

    return f"{platform.system()} {platform.machine()}, {cpu}, {cores()} cores{load}, torch {torch.__version__}"


def train(folder, name, config, epochs, args):
    """`mgrad train` of config with args; -> its log's records."""
    log = folder / f"{name}.jsonl"
    command = [sys.executable, "-m", "mgrad_cli", "train", str(config), "--epochs", str(epochs), "-q",
               "--log", str(log), *args]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=3600)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[2:])} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return [json.loads(line) for line in log.read_text().splitlines()]


def runs(n, quick=False):
    """(label, processes, threads each, mgrad's arguments) of the runs on n cores (quick:
    the baseline and two processes only)."""
    half = max(1, n // 2)
    if quick:
        return [("1 process, 1 thread", 1, 1, ["--threads", "1"]),
                (f"--nproc 2 ({half} thread{'s' if half > 1 else ''} each)", 2, half, ["--nproc", "2"])]
    return [("1 process, 1 thread", 1, 1, ["--threads", "1"]),
            (f"1 process, {n} threads", 1, n, ["--threads", str(n)]),
            (f"--nproc 1 ({n} thread{'s' if n > 1 else ''})", 1, n, ["--nproc", "1"]),
            (f"--nproc 2 ({half} thread{'s' if half > 1 else ''} each)", 2, half, ["--nproc", "2"])]


def bench(name, folder, quick=False):
    """Run a workload every way; print its table. -> whether the loss curves agree."""
    text, rows, batch, epochs = WORKLOADS[name]
    epochs = min(epochs, 20) if quick else epochs
    config = folder / f"{name}.yaml"
    config.write_text(COMMON + text)
    steps = math.ceil(rows / (batch or rows))
    print(f"\n{name}: {rows:,} rows, {steps} step{'s' if steps > 1 else ''} an epoch, {epochs} epochs "
          f"(the first not timed)")
    print(f"{'run':28} {'steps/s':>10} {'ms/step':>9} {'speedup':>8} {'efficiency':>11}")
    base, curves = None, []
    for label, procs, threads, args in runs(cores(), quick):
        records = train(folder, f"{name}-{len(curves)}", config, epochs, args)
        curves.append([r["loss"] for r in records])
        per_second = steps / statistics.median(r["seconds"] for r in records[1:])
        base = base or per_second
        speedup = per_second / base
        print(f"{label:28} {per_second:10.1f} {1000 / per_second:9.3f} {speedup:7.2f}x "
              f"{speedup / (procs * threads):10.0%}")
    worst = max(abs(a - b) / max(abs(b), 1e-300) for curve in curves[1:] for a, b in zip(curve, curves[0]))
    print(f"loss curves: the largest difference from one process is {worst:.1e} relative")
    return worst <= 1e-9


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="the tiny workload, 20 epochs, one process and two only (a smoke test)")
    parser.add_argument("--workloads", default="tiny,wide", help="comma-separated: tiny, wide")
    args = parser.parse_args()
    names = ["tiny"] if args.quick else args.workloads.split(",")
    print("mgrad train --nproc: data-parallel on torch.distributed (gloo), float64 on the CPU")
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="mgrad-bench-ddp-") as folder:
        agree = [bench(name, Path(folder), args.quick) for name in names]
    print("every run's loss curve agrees with one process's to 1e-9" if all(agree)
          else "FAILED: a loss curve differs from one process's by more than 1e-9")
    return 0 if all(agree) else 1


if __name__ == "__main__":
    sys.exit(main())
