"""A sweep's plan: every combination of its grids (and each seed), checked before any run.

`--grid optimizer.lr=0.1,0.01 --grid model.activation=relu,tanh` is four runs, the last
grid changing fastest (as itertools.product and Hydra's multirun order them). Each run
is the config with the sweep's --set overrides, then its grid values, then with --seeds
its seed, applied as --set overrides are (overrides.py), so a run is `mgrad train CONFIG
--set ...` with exactly those. Every run's config is resolved and checked against its
data before the first one starts: a sweep never stops halfway on a bad combination.
"""

import itertools
import re
from dataclasses import dataclass, field

from ..data import datasets, scaling
from ..errors import ConfigError
from ..files import display_path
from ..training import overrides as _overrides
from ..training.config import load_config

MAX_RUNS = 10_000  # runs of one sweep: a grid past this is surely a mistake
NAME_CHARS = 80    # a run folder's name at most (its index, then its values)


@dataclass
class RunPlan:
    """One run of a sweep: its index (0-based), its combination's index, the grid's values
    (Overrides, in grid order), its seed with --seeds (else None), every --set it is
    trained with, its folder's name, its resolved config and the bytes it holds while it
    trains (limits.training_costs), and why its data is unscaled (data/scaling.py's check:
    None when it is not)."""

    index: int
    combination: int
    values: tuple
    seed: object
    sets: list
    name: str = ""
    config: dict = field(default=None, repr=False)
    memory: int = 0
    unscaled: object = field(default=None, repr=False)


def parse_grids(items):
    """[(key, [Override per value])] for the --grid options; a key given twice is refused."""
    grids, seen = [], set()
    for item in items:
        values = _overrides.parse_grid(item)
        key = values[0].key
        if key in seen:
            raise ConfigError(f"--grid {key}: given twice; list every value in one --grid {key}=V1,V2,...")
        seen.add(key)
        grids.append((key, values))
    return grids


def labels(keys):
    """A short label per swept key: its last part (lr for optimizer.lr), or the whole
    dotted key where two keys end alike (optimizer.name, loss.name)."""
    last = [k.rsplit(".", 1)[-1] for k in keys]
    return [part if last.count(part) == 1 else key for key, part in zip(keys, last)]


def plan(config_path, grids, sets=(), seeds=None):
    """Every run of the sweep, each config resolved and checked (as `mgrad train` checks it,
    its data's classes and size too). Raises ConfigError naming the first bad combination."""
    if seeds is not None and any(key == "seed" for key, _ in grids):
        raise ConfigError("--seeds repeats each combination with its own seeds; drop --grid seed, or --seeds")
    combinations = list(itertools.product(*[values for _, values in grids]))
    total = len(combinations) * (seeds or 1)
    if total > MAX_RUNS:
        raise ConfigError(f"--grid: {total:,} runs, more than the limit of {MAX_RUNS:,}; sweep fewer values")
    runs, data = [], {}
    for c, values in enumerate(combinations):
        resolved = _resolve(config_path, list(sets) + list(values), data)
        for j in range(seeds or 1):
            seed = None if seeds is None else resolved[0]["seed"] + j
            extra = [] if seed is None else [_overrides.parse_set(f"seed={seed}", "--seeds")]
            run = RunPlan(len(runs), c, tuple(values), seed, list(sets) + list(values) + extra)
            run.config, run.memory, run.unscaled = resolved if seed is None else _resolve(config_path, run.sets, data)
            runs.append(run)
    keys = [key for key, _ in grids]
    for run in runs:
        run.name = folder_name(run, total, labels(keys))
    return runs


def _resolve(config_path, sets, data):
    """(the config with these overrides, the bytes a run of it holds, why its data is
    unscaled or None), checked against its data (loaded once per data section: `data`
    caches them). Errors name the combination."""
    from ..training.trainer import check_fit
    from .. import limits

    try:
        config = load_config(config_path, sets=sets)
        key = repr(config["data"])
        if key not in data:
            data[key] = datasets.load_dataset(config["data"], config["seed"])
        dataset = data[key]
        source = display_path(config_path)
        check_fit(config, dataset, source)
        costs = limits.training_costs(config, len(dataset.X), dataset.n_features)
        limits.check(costs, source)
    except ConfigError as e:
        swept = [o.typed() for o in sets if o.option != "--set"]
        if not swept or (len(swept) == 1 and str(e).startswith("--grid ")):
            raise
        raise ConfigError(f"{e} (in the run with {', '.join(swept)})") from None
    return config, sum(c.nbytes for c in costs), scaling.check(dataset, config["data"].get("standardize"))


def folder_name(run, total, keys):
    """'003-lr=0.1-activation=relu' (with --seeds, '-seed=2' too): the index, zero-padded
    so that the folders sort in run order, then each value in characters any file system
    takes."""
    parts = [f"{run.index:0{len(str(max(total - 1, 0)))}d}"]
    for label, value in zip(keys, run.values):
        parts.append(f"{label}={_safe(value.text)}")
    if run.seed is not None:
        parts.append(f"seed={run.seed}")
    return "-".join(parts)[:NAME_CHARS].rstrip("-=")


def _safe(text):
    """A value as a file name's part: [32, 32, 1] -> 32_32_1, 'a b' -> a_b."""
    return re.sub(r"[^A-Za-z0-9.+]+", "_", text).strip("_") or "_"
