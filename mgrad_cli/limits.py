"""Bounds on what mgrad reads and builds, checked before anything is allocated.

Two kinds of bound:

- Fixed limits, only where nothing legitimate needs more: the size of a config file, its
  nesting and the nodes YAML aliases may add, the number of classes, of layers, of CSV columns.
- A memory estimate for everything a bigger machine could run (samples, features, layer
  widths, batch size): what the data, the parameters and one training step will hold in
  this process's memory on the chosen engine (its backend says: memory(); what a GPU
  holds is not counted), refused past MEMORY_FRACTION of the smaller of the memory
  available (MemAvailable in /proc/meminfo) and what the process's address-space limit
  (RLIMIT_AS, `ulimit -v`) leaves. A capped process thus refuses cleanly instead of
  running into MemoryError. The environment variable MGRAD_MAX_MEMORY (a size: 64G,
  500M, 2.5G or bytes) replaces that bound, to raise it (swap, an estimate too cautious
  for a model) or to lower it.

The estimates are rough on purpose (within about 2x of what tracemalloc measures; see
the constants, here and in the backends): they exist to turn "3.8 GB and a MemoryError
traceback after 25 s" into a one-line refusal at once, not to pack memory tightly.
"""

import os
import re
import resource

from . import backends
from .errors import ConfigError, UserInputError, shorten

# --- fixed limits ---------------------------------------------------------------------

CONFIG_BYTES = 64 * 1024     # a config file (the shipped ones are under 1 KB)
YAML_ALIAS_NODES = 10_000    # nodes that YAML aliases (*name, <<: *name) may add to a config
YAML_DEPTH = 50              # levels of nesting in a config (the schema has four)
MAX_CLASSES = 10_000         # classes of a data set
MAX_LAYERS = 1_000           # layers of a model
MAX_CSV_COLUMNS = 100_000    # columns of a CSV file

# --- the memory bound ----------------------------------------------------------------

MEMORY_FRACTION = 0.5
MEMORY_VARIABLE = "MGRAD_MAX_MEMORY"
_UNITS = {"": 1, "K": 2 ** 10, "M": 2 ** 20, "G": 2 ** 30, "T": 2 ** 40}

# bytes per unit of what is built, measured with tracemalloc (rounded up; an engine's
# parameters and steps: its backend's memory())
DATA_BYTES = 8 * 6           # per number of a built-in data set: float64, generation and split copies
# per byte (character) of a file read: a CSV's rows as lists of strings (about 20 for
# iris.csv, 11 for digits.csv), a checkpoint's JSON as Python lists and floats, a log's
# lines as dicts of floats (about 8 for a record of 200 bytes)
READ_COST = {"CSV file": 24, "checkpoint": 4, "log": 8}
# pyarrow's CSV reader (data/csvarrow.py) holds the numbers (8 bytes a cell; the target's
# values or classes, CSV_ROW_BYTES a row) and, whatever the file's size, CSV_READER_BYTES:
# pyarrow's own start (thread and memory pools, about 18 MB), the blocks of CSV_BLOCK_BYTES
# it reads ahead (up to 32) and the strings of the block it converts. Measured with
# bench/bench_csv.py's child (VmHWM, MB of 10**6 bytes): 78 for 500,000 rows of 11 columns
# (estimate 102), 64 for 1,000,000 rows of 2 (82), 72 for 20,000 rows of 201 (83), 19 for
# 2,000 rows of 11 (51)
CSV_BLOCK_BYTES = 2 ** 20
CSV_READER_BYTES = 48 * 2 ** 20
CSV_ROW_BYTES = 16


def memory_budget(environ=os.environ):
    """(bytes a run may use, a phrase saying where the bound comes from)."""
    text = environ.get(MEMORY_VARIABLE, "").strip()
    if text:
        return parse_size(text, MEMORY_VARIABLE), f"set by {MEMORY_VARIABLE}"
    bounds = []
    available = _available_memory()
    if available is not None:
        bounds.append((available, "the available memory"))
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        bounds.append((max(soft - _address_space_used(), 0), "what the address-space limit leaves"))
    if not bounds:
        return float("inf"), "no limit known"
    size, what = min(bounds)
    share = "half" if MEMORY_FRACTION == 0.5 else f"{MEMORY_FRACTION:g} of"
    return int(size * MEMORY_FRACTION), f"{share} {what}; {MEMORY_VARIABLE}=SIZE sets this bound"


def address_space_limited():
    """Whether the process's address space is capped (RLIMIT_AS, `ulimit -v`)."""
    return resource.getrlimit(resource.RLIMIT_AS)[0] != resource.RLIM_INFINITY


def read_limit(kind):
    """(the size of the largest file of this kind mgrad reads, why): a config's fixed limit,
    or the memory bound over what a byte read costs (READ_COST)."""
    if kind == "config file":
        return CONFIG_BYTES, "the limit for a config file"
    budget, why = memory_budget()
    limit = budget // READ_COST[kind] if budget != float("inf") else 2 ** 62
    return limit, f"the most a {kind} may hold with the memory this run may use ({why})"


def csv_read_cost(rows, columns):
    """What pyarrow's CSV reader holds for a file of `rows` rows (at most) and `columns` columns."""
    return rows * (8 * columns + CSV_ROW_BYTES) + CSV_READER_BYTES


def parse_size(text, where):
    """Bytes from '64G', '500M', '2.5g', '64GB' or '1000000' (K, M, G, T: powers of 1024)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([KMGT]?)B?\s*", text, re.IGNORECASE)
    value = float(m.group(1)) * _UNITS[m.group(2).upper()] if m else 0
    if not 1 <= value < 2 ** 63:
        raise UserInputError(f"{where}: expected a size such as 8G, 500M or a number of bytes, "
                             f"got {shorten(text)}")
    return int(value)


def _available_memory():
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:  # elsewhere: the physical memory
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _address_space_used():
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def format_bytes(n):
    """1536 -> '1.5 KB' (powers of 1024)."""
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} bytes" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PB"  # not reached


# --- estimates ------------------------------------------------------------------------

class Cost:
    """Bytes something will take, the config field that decides it, what it is, and the fix."""

    def __init__(self, field, nbytes, what, fix):
        self.field, self.nbytes, self.what, self.fix = field, nbytes, what, fix


def data_costs(data_cfg, n_samples, n_features):
    """A built-in data set's generated arrays (a CSV's size is bounded when it is read)."""
    if data_cfg["name"] == "csv":
        return []
    numbers = (n_samples + data_cfg.get("classes", 2)) * n_features
    field, fix = ("data.features", "use fewer features") if n_features > n_samples else (
        "data.n_samples", "use fewer samples")
    what = f"{n_samples:,} samples of {data_cfg['name']} with {n_features:,} features"
    return [Cost(field, numbers * DATA_BYTES, what, fix)]


def model_costs(config, n_features, rows):
    """The parameters, and one step (forward and backward) on `rows` samples, on the
    config's engine, as its backend counts them (memory())."""
    from .backends.mlp import describe

    sizes = [n_features] + list(config["model"]["layers"])
    engine = config["engine"]
    memory = backends.backend_class(engine).memory(config, sizes, rows)
    mlp = f"an {describe(sizes, group_digits=True)} on the {engine} engine"
    return [Cost("model.layers", memory.params, mlp, "use a smaller model"),
            Cost("batch_size", memory.step, memory.step_what, memory.fix)]


def training_costs(config, n_samples, n_features):
    """What training as `config` says holds at once: data, parameters and one step."""
    rows = min(config["batch_size"] or n_samples, n_samples)
    return data_costs(config["data"], n_samples, n_features) + model_costs(config, n_features, rows)


def check(costs, source):
    """Raise ConfigError when the costs (in the order they are built: data, parameters,
    a step) add up to more than the memory this process may use, naming the field of the
    first one that no longer fits."""
    total = sum(c.nbytes for c in costs)
    if not costs:
        return
    budget, why = memory_budget()
    if total <= budget:
        return
    held = 0
    for cost in costs:
        held += cost.nbytes
        if held > budget:
            break
    raise ConfigError(f"{source}: {cost.field}: {cost.what} would need about {format_bytes(held)} of memory, "
                      f"more than the {format_bytes(budget)} this run may use ({why}); {cost.fix}")
