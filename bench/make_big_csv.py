"""Write the benchmark's big CSV: ROWS rows of FEATURES seeded normal features (6 decimals,
as most tools write floats) and a class label 0/1, the same bytes on every run.

    python bench/make_big_csv.py big.csv                    # 500,000 rows, 10 features (about 48 MB)
    python bench/make_big_csv.py small.csv --rows 2000 --features 3 --seed 1

The header is x0,x1,...,label; lines end with \\n. The label is 1 where a fixed random
linear function of the features is positive, so a model can learn it. Written a block
of rows at a time: memory stays small whatever the row count.
"""

import argparse
import sys

import numpy as np

BLOCK = 50_000  # rows formatted at once


def write_csv(path, rows=500_000, features=10, seed=0):
    """Write the file; returns its size in bytes."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=features)
    size = 0
    with open(path, "w", encoding="ascii", newline="") as f:
        size += f.write(",".join([f"x{j}" for j in range(features)] + ["label"]) + "\n")
        for start in range(0, rows, BLOCK):
            X = rng.normal(size=(min(BLOCK, rows - start), features))
            y = (X @ w > 0).astype(int)
            line = ",".join(["%.6f"] * features) + ",%d\n"
            size += f.write("".join(line % (*x, label) for x, label in zip(X.tolist(), y.tolist())))
    return size


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path")
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    opts = parser.parse_args(argv)
    size = write_csv(opts.path, opts.rows, opts.features, opts.seed)
    print(f"{opts.path}: {opts.rows:,} rows, {opts.features} features and a label, {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
