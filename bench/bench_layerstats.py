"""What the per-layer statistics cost: every shipped config's epochs with and without them.

    python bench/bench_layerstats.py [--engine tensor] [--epochs N] [--repeats R]

For each shipped config it trains on the engine asked for (tensor by default) from the
config's seed, N epochs at a time (its own count at most), alternately with the
statistics (the trainer as `mgrad train` runs it) and without (Trainer.measure_layers
off: no layer outputs are kept, nothing is computed), R times each, and prints the
fastest run's seconds per epoch of both. The two differ by less than a busy machine's
noise, so the cost is timed on its own as well: the statistics of one epoch computed 20
times over from what a real epoch handed over (the fastest of R such timings), per epoch,
per layer, and as a share of an epoch without them. The issue's budget is at most 10%
of an epoch where an epoch takes 5 ms or more on the tensor engine, and at most 0.05 ms
per layer per epoch below that; each row says whether it is within it. On the scalar
engine (--engine scalar) the 'with' column also holds keeping each layer's numbers
during the forward pass.
"""

import argparse
import os
import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mgrad_cli.data.datasets import load_dataset  # noqa: E402
from mgrad_cli.training.config import load_config  # noqa: E402
from mgrad_cli.training import trainer as trainer_module  # noqa: E402
from mgrad_cli.training.trainer import Trainer  # noqa: E402

CONFIGS = Path(__file__).resolve().parent.parent / "mgrad_cli" / "data" / "configs"


def per_epoch(config, dataset, measure, epochs):
    trainer = Trainer(dict(config, epochs=epochs, early_stopping=None), dataset)
    trainer.measure_layers = measure
    t0 = time.perf_counter()
    for _ in trainer.run():
        pass
    return (time.perf_counter() - t0) / epochs


def stats_cost(config, dataset, repeats):
    """The fastest of `repeats` computations of one epoch's statistics, on what the last
    epoch of a short run handed over (the engine's layer outputs, the flat vectors)."""
    seen = []
    real = trainer_module.layer_stats
    trainer_module.layer_stats = lambda *args: seen.append(args) or real(*args)
    try:
        per_epoch(config, dataset, True, 2)
    finally:
        trainer_module.layer_stats = real
    args = seen[-1]
    return min(timeit.repeat(lambda: real(*args), number=20, repeat=repeats)) / 20


def bench(name, engine, epochs, repeats):
    config = load_config(CONFIGS / f"{name}.yaml", {"engine": engine})
    dataset = load_dataset(config["data"], config["seed"])
    epochs = min(epochs, config["epochs"])
    per_epoch(config, dataset, True, 1)  # warm up: imports, allocations
    on, off = [], []
    for _ in range(repeats):
        off.append(per_epoch(config, dataset, False, epochs))
        on.append(per_epoch(config, dataset, True, epochs))
    t_on, t_off = min(on), min(off)  # the least disturbed run of each: a busy machine only adds time
    cost = stats_cost(config, dataset, repeats)
    layers = len(config["model"]["layers"])
    within = cost <= 0.10 * t_off if t_off >= 0.005 else cost / layers <= 0.05e-3
    return (f"{name:<9} {layers:>2} {t_off * 1e3:>9.3f} {t_on * 1e3:>9.3f} {cost * 1e3:>8.3f} "
            f"{cost / layers * 1e3:>9.4f} {100 * cost / t_off:>6.1f}%  {'yes' if within else 'NO'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="tensor")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", help="one config's name")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    print(f"per-layer statistics on the {args.engine} engine: fastest of {args.repeats} runs of "
          f"up to {args.epochs} epochs")
    print(f"{'config':<9} {'L':>2} {'ms/epoch':>9} {'with':>9} {'stats ms':>8} {'ms/layer':>9} {'share':>7}  within")
    names = [args.only] if args.only else sorted(p.stem for p in CONFIGS.glob("*.yaml"))
    for name in names:
        print(bench(name, args.engine, args.epochs, args.repeats), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
