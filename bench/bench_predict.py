"""`mgrad predict` on many rows, timed as a user runs it: the whole command, start-up
included, with --json and with the table piped to a file.

    python bench/bench_predict.py              # 200,000 rows, 3 runs each (the median is shown)
    python bench/bench_predict.py --rows 1000 --runs 1

The model is the shipped iris config trained for its 40 epochs (scalar engine: predict
uses the tensor engine whatever trained it). The rows are seeded uniform numbers in
[0, 8) with two decimals, in the model's feature columns. Exits 1 if an output does not
hold one prediction per row.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def mgrad(*args, stdout=subprocess.DEVNULL):
    env = dict(os.environ, PYTHONPATH=REPO, NO_COLOR="1")
    subprocess.run([sys.executable, "-m", "mgrad_cli", *args], check=True, stdout=stdout, env=env)


def timed(args, out_path, runs):
    """Median wall seconds of `mgrad ARGS > out_path`."""
    seconds = []
    for _ in range(runs):
        with open(out_path, "w") as out:
            start = time.perf_counter()
            mgrad(*args, stdout=out)
            seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model, data = os.path.join(tmp, "iris.json"), os.path.join(tmp, "rows.csv")
        mgrad("train", os.path.join(REPO, "configs", "iris.yaml"), "--save", model, "-q")
        X = np.random.default_rng(0).uniform(0, 8, size=(opts.rows, len(FEATURES)))
        with open(data, "w") as f:
            f.write(",".join(FEATURES) + "\n")
            f.writelines(",".join(f"{v:.2f}" for v in row) + "\n" for row in X)
        as_json, table = os.path.join(tmp, "out.json"), os.path.join(tmp, "out.txt")
        json_s = timed(["predict", model, data, "--json"], as_json, opts.runs)
        table_s = timed(["predict", model, data], table, opts.runs)
        with open(as_json) as f:
            n_json = len(json.load(f)["predictions"])
        with open(table) as f:
            n_table = sum(1 for _ in f) - 1  # the header
    print(f"mgrad predict, iris model (MLP 4-8-3), {opts.rows:,} rows, median of {opts.runs} runs, "
          f"python {sys.version.split()[0]}")
    print(f"--json          {json_s:7.2f} s")
    print(f"table to a file {table_s:7.2f} s")
    if n_json != opts.rows or n_table != opts.rows:
        print(f"FAIL: {n_json} JSON predictions and {n_table} table rows for {opts.rows} rows")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
