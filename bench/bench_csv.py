"""mgrad's two CSV readers side by side on the benchmark's file: the careful reader
(mgrad_cli/data/csvfile.py, Python's csv module) and pyarrow's (mgrad_cli/data/csvarrow.py,
the `csv` extra), each reading the file as `mgrad train` does for `data: {csv: FILE}`.

    python bench/bench_csv.py                       # 500,000 rows, 10 features (48.5 MB), 3 runs each
    python bench/bench_csv.py --rows 2000 --runs 1

bench/make_big_csv.py writes the file (seeded) into a temporary folder. Each run is a
fresh process that imports what it needs (numpy, mgrad; pyarrow for its reader, timed
apart), then reads the file: the wall and CPU seconds of the read (CPU: every thread of
the process), and the peak of the process's resident memory above what it held just
before (VmHWM, reset before the read, less VmRSS then; Linux). It prints the medians, the
ratios, each peak over the file's numbers (rows x columns x 8 bytes, as float64) and
beside it what the memory bound (limits.py) estimates before reading, the machine's load
average before and after, and exits 1 if the readers' results differ.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "bench"))

from make_big_csv import write_csv  # noqa: E402

CHILD = r"""
import hashlib, json, sys, time
import mgrad_cli.cli.threads  # as `mgrad` does: one BLAS thread unless set (pyarrow's pool follows OMP_NUM_THREADS)
import numpy as np
from mgrad_cli import limits
from mgrad_cli.data import csvarrow

def status(key):  # bytes, from /proc/self/status
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024

start = time.perf_counter()
if sys.argv[2] == "pyarrow":
    import pyarrow.csv, pyarrow.compute
imported = time.perf_counter() - start
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the peak (VmHWM) starts again from here
base = status("VmRSS")
start, cpu = time.perf_counter(), time.process_time()
X, y, task, classes, features, target = csvarrow.load_csv(sys.argv[1], None, "auto")
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
peak = status("VmHWM") - base
digest = hashlib.sha256(X.tobytes() + y.tobytes() + repr((X.shape, y.dtype.str, task, classes, features,
                                                          target)).encode()).hexdigest()
estimate = (limits.csv_read_cost(csvarrow.line_ends(sys.argv[1]), len(features) + 1) if sys.argv[2] == "pyarrow"
            else limits.READ_COST["CSV file"] * len(open(sys.argv[1], "rb").read()))
print(json.dumps({"seconds": seconds, "cpu": cpu, "import": imported, "peak": peak, "estimate": estimate,
                  "sha256": digest}))
"""


def measure(path, reader):
    """One run of one reader in a fresh process: its JSON record."""
    env = dict(os.environ, PYTHONPATH=REPO, MGRAD_CSV_READER=reader)
    proc = subprocess.run([sys.executable, "-c", CHILD, path, reader], env=env, capture_output=True, text=True,
                          check=True)
    return json.loads(proc.stdout)


def have_pyarrow():
    proc = subprocess.run([sys.executable, "-c", "import pyarrow; print(pyarrow.__version__)"], capture_output=True,
                          text=True)
    return proc.stdout.strip() if proc.returncode == 0 else None


def report(opts, size, results, version, load):
    """Print the table; -> the exit status (1 when the readers' results differ)."""
    numbers = opts.rows * (opts.features + 1) * 8
    print(f"CSV readers, {opts.rows:,} rows of {opts.features} features and a label ({size / 1e6:.1f} MB; "
          f"{numbers / 1e6:.1f} MB of float64), median of {opts.runs} runs; python {sys.version.split()[0]}, "
          f"pyarrow {version or 'not installed'}; {os.cpu_count()} cores, load average {load[0]:.1f} then "
          f"{os.getloadavg()[0]:.1f}")
    print(f"{'reader':8} {'wall':>8} {'cpu':>8} {'peak memory':>12} {'peak/numbers':>13} {'estimate':>10}")
    medians = {}
    for reader, runs in results.items():
        med = {key: statistics.median(r[key] for r in runs) for key in ("seconds", "cpu", "peak", "estimate",
                                                                          "import")}
        medians[reader] = med
        print(f"{reader:8} {med['seconds']:6.2f} s {med['cpu']:6.2f} s {med['peak'] / 1e6:9.1f} MB "
              f"{med['peak'] / numbers:12.2f}x {med['estimate'] / 1e6:7.1f} MB")
    if len(results) < 2:
        print("pyarrow is not installed: pip install pyarrow (or, in mgrad's checkout: pip install -e '.[csv]')")
        return 0
    slow, fast = medians["python"], medians["pyarrow"]
    print(f"pyarrow: {slow['seconds'] / fast['seconds']:.1f}x faster in wall time, {slow['cpu'] / fast['cpu']:.1f}x "
          f"in CPU time ({slow['seconds'] / (fast['seconds'] + fast['import']):.1f}x and "
          f"{slow['cpu'] / (fast['cpu'] + fast['import']):.1f}x counting its import, {fast['import']:.2f} s); "
          f"{slow['peak'] / max(fast['peak'], 1):.1f}x less memory at the peak")
    digests = {r["sha256"] for runs in results.values() for r in runs}
    if len(digests) != 1:
        print("FAIL: the readers' results differ")
        return 1
    print(f"results identical (sha256 {digests.pop()[:16]}...); estimate: what the memory bound (limits.py) "
          f"counts before reading")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    opts = parser.parse_args(argv)
    version, load = have_pyarrow(), os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "big.csv")
        size = write_csv(path, opts.rows, opts.features)
        readers = ["python", "pyarrow"] if version else ["python"]
        results = {reader: [] for reader in readers}
        for _ in range(opts.runs):  # interleaved: a change in the machine's load falls on both
            for reader in readers:
                results[reader].append(measure(path, reader))
    return report(opts, size, results, version, load)


if __name__ == "__main__":
    sys.exit(main())
