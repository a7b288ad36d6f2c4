"""The benchmarks still run and still check what they claim (not a timing test).

bench/bench_scalar.py exits 1 if mgrad's loss curve differs from micrograd's by more
than 1e-9 from the same starting weights; here it runs for a few steps only.
bench/bench_distributed.py exits 1 if a run in two processes has another loss curve
than one process's (to 1e-9); here it runs its --quick smoke test.
"""

import subprocess
import sys

import pytest

from conftest import REPO, need


@pytest.mark.slow
def test_scalar_benchmark_matches_micrograd(micrograd):
    proc = subprocess.run([sys.executable, "bench/bench_scalar.py", "--steps", "3"], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("micrograd demo: moons 100 samples, MLP 2-16-16-1, 3 steps")
    assert any(line.startswith("micrograd ") for line in lines)
    assert any(line.startswith("mgrad ") for line in lines)
    assert "loss curves agree to" in lines[-1]


@pytest.mark.slow
def test_predict_benchmark_runs_and_counts_every_row():
    proc = subprocess.run([sys.executable, "bench/bench_predict.py", "--rows", "300", "--runs", "1"], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("mgrad predict, iris model (MLP 4-8-3), 300 rows, median of 1 runs")
    assert [line.split()[0] for line in lines[1:]] == ["--json", "table"]


@pytest.mark.slow
def test_distributed_benchmark_runs_and_checks_the_curves(torch):
    need("torch.distributed with gloo", torch.distributed.is_available() and torch.distributed.is_gloo_available(),
         "a PyTorch built with torch.distributed")
    proc = subprocess.run([sys.executable, "bench/bench_distributed.py", "--quick"], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("mgrad train --nproc: data-parallel on torch.distributed (gloo)")
    assert lines[1].startswith("machine: ") and " cores" in lines[1]
    runs = [line.split("  ")[0] for line in lines if line.startswith(("1 process", "--nproc"))]
    assert runs[0] == "1 process, 1 thread" and runs[1].startswith("--nproc 2 (") and len(runs) == 2
    assert lines[-1] == "every run's loss curve agrees with one process's to 1e-9"
