"""The benchmarks still run and still check what they claim (not a timing test).

bench/bench_scalar.py exits 1 if mgrad's loss curve differs from micrograd's by more
than 1e-9 from the same starting weights; here it runs for a few steps only.
"""

import subprocess
import sys

import pytest

from conftest import REPO


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
def test_threads_benchmark_runs_every_workload(torch):
    proc = subprocess.run([sys.executable, "bench/bench_threads.py", "--steps", "1", "--repeats", "1"], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert "threshold now 5,000,000 (parameters x rows)" in lines[0]
    assert lines[1].split()[:3] == ["model", "rows", "params"]
    assert [line.split()[:3] for line in lines[2:4]] == [["2-16-16-1", "100", "33,700"], ["2-16-16-1", "500", "168,500"]]
    assert len(lines) == 11
