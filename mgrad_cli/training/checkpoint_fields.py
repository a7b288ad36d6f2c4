"""Every field of a checkpoint, version by version, and the checks a loaded file passes as a
whole before anything uses it (checkpoint.load_checkpoint runs them).

A hand-edited or damaged file is refused by the field it breaks, in one shape:
"CHECKPOINT: field: problem" (m.json: data.class_names[2]: 'b' appears twice). The checks:

- presence, on the file as written (before upgrading it): a field the file's version does
  not have yet is refused (version 1 with a "fingerprint"); a field its version has is
  required (a version 2 file needs data.fingerprint, and not null), except the two that
  version 1 gained late (history, data.target); no field mgrad does not know;
- then type and range of every field of the current format: the config (validate_config,
  complete for the file's version), sizes and weights, the data section (names by
  data/names.py's rule, no class or feature twice, standardization, fingerprint), the
  optimizer state (the fields its optimizer's state_dict() has), the batch-order RNG
  (numpy's PCG64 state: 128-bit integers, an odd increment), the last epoch's metrics and
  the history (one record per epoch up to `epoch`, with each version's keys), the early
  stopping state. Every number is a finite one in its range.
"""

import math
import re

from .. import limits
from ..backends.mlp import n_parameters
from ..data import names
from ..errors import CheckpointError, ConfigError, shorten
from ..nn import activations, optim
from . import metrics

# field -> the version that introduced it (the top level, then the data section, then the
# config settings that came after version 1; every other config setting is in every version)
FIELDS = {"format": 1, "version": 1, "config": 1, "sizes": 1, "weights": 1, "optimizer": 1, "epoch": 1, "rng": 1,
          "data": 1, "metrics": 1, "history": 1, "early_stopping": 3, "overrides": 5, "snapshots": 6,
          "world_size": 7}
DATA_FIELDS = {"name": 1, "task": 1, "feature_names": 1, "class_names": 1, "mean": 1, "std": 1, "target": 1,
               "fingerprint": 2, "target_mean": 3, "target_std": 3}
CONFIG_FIELDS = {"early_stopping": 3, "data.val_split": 3, "device": 4, "dtype": 4}
# added within version 1, before the version policy: a version 1 file may lack them
LATE_IN_VERSION_1 = ("history", "data.target")
# written only when asked for (train --report or --snapshots): any file may lack them
WHEN_ASKED = ("snapshots",)
# an epoch record's keys before version 3 (version 3 added val_loss, test_loss, val_acc and
# the regression metrics: metrics.record_keys)
OLD_RECORD_KEYS = ("epoch", "loss", "train_acc", "test_acc", "lr", "seconds")
# version 6 added to each record its per-layer statistics (training/layerstats.py) and the
# training doctor's diagnoses (lines of text)
RECORD_LISTS = ("layers", "diagnoses")
LAYER_RANGES = {"act_mean": (-math.inf, math.inf), "act_std": (0, math.inf), "dead": (0, 1), "saturated": (0, 1),
                "grad_rms": (0, math.inf), "grad_data": (0, math.inf), "update_data": (0, math.inf)}
PCG64_KEYS = {"bit_generator", "state", "has_uint32", "uinteger"}
STOPPER_KEYS = ("best_epoch", "best_loss", "best_weights", "bad_epochs", "stopped")
MAX_OVERRIDES = 1_000  # settings named in "overrides" (each as typed, up to OVERRIDE_CHARS)
MAX_WORLD_SIZE = 1_000_000  # processes that trained a checkpoint, at most
OVERRIDE_CHARS = 10_000


def check_presence(ckpt, version, bad):
    """The fields of a file as written against its declared version: none from a later
    version, none unknown, every one its version has (data.fingerprint not null)."""
    _present(ckpt, "", FIELDS, version, bad)
    data = ckpt.get("data")
    if isinstance(data, dict):
        _present(data, "data.", DATA_FIELDS, version, bad)
        if version >= DATA_FIELDS["fingerprint"] and data["fingerprint"] is None:
            bad(f"data.fingerprint: missing (a version {version} checkpoint holds its data's fingerprint)")
    config = ckpt.get("config")
    for field, since in CONFIG_FIELDS.items():
        section, _, key = field.rpartition(".")
        where = config.get(section) if section and isinstance(config, dict) else config
        if version < since and isinstance(where, dict) and key in where:
            bad(f"config.{field}: not a field of a version {version} checkpoint (it came in version {since})")
    records = ([] if not isinstance(ckpt.get("history"), list) else ckpt["history"])
    task = data.get("task") if isinstance(data, dict) else None
    for i, record in [("metrics", ckpt.get("metrics"))] + [(f"history[{i}]", r) for i, r in enumerate(records)]:
        if isinstance(record, dict) and isinstance(task, str) and task in metrics.TASK_METRICS:
            allowed = record_keys(version, task)
            for key in record:
                if key not in allowed and key in record_keys(max(FIELDS.values()), task):
                    bad(f"{i}.{shorten(key)[1:-1]}: not a field of a version {version} checkpoint")


def record_keys(version, task):
    """An epoch record's keys in a checkpoint of `version` (the last metrics: with seconds)."""
    if version < 3:
        return OLD_RECORD_KEYS
    return tuple(metrics.record_keys(task)) + (RECORD_LISTS if version >= 6 else ())


def _present(section, prefix, fields, version, bad):
    for key in section:
        if key not in fields:
            bad(f"{prefix}{shorten(key)[1:-1]}: not a field of a checkpoint")
        if fields[key] > version:
            bad(f"{prefix}{key}: not a field of a version {version} checkpoint (it came in version {fields[key]})")
    for key, since in fields.items():
        late = version == 1 and f"{prefix}{key}" in LATE_IN_VERSION_1
        if since <= version and key not in section and not late and f"{prefix}{key}" not in WHEN_ASKED:
            bad(f"{prefix}{key}: missing (a version {version} checkpoint has it)")


def check_config_complete(stored, resolved, version, bad, path="config"):
    """Every setting of the resolved config is written in the stored one (a checkpoint holds
    its resolved config), but those its version did not have (CONFIG_FIELDS)."""
    for key, value in resolved.items():
        field = f"{path}.{key}"
        since = CONFIG_FIELDS.get(field[len("config."):], 1)
        if not isinstance(stored, dict) or key not in stored:
            if since <= version:
                bad(f"{field}: missing (a version {version} checkpoint holds its resolved config)")
        elif isinstance(value, dict):
            check_config_complete(stored[key], value, version, bad, field)


def check_model(ckpt, bad, source):
    """sizes against the config, what the model would take (limits.py: refused before it is
    built), and the weights."""
    sizes, weights = ckpt["sizes"], ckpt["weights"]
    if not isinstance(sizes, list) or len(sizes) < 2 or not all(_integer(s, 1) for s in sizes):
        bad(f"sizes: expected a list of positive integers, got {shorten(sizes)}")
    if sizes[1:] != ckpt["config"]["model"]["layers"]:
        bad(f"sizes: {shorten(sizes)} do not match config.model.layers {shorten(ckpt['config']['model']['layers'])}")
    costs = limits.model_costs(ckpt["config"], sizes[0], 1)
    for cost in costs:
        cost.field = "config." + cost.field  # the message names the checkpoint's field
    try:
        limits.check(costs, source)
    except ConfigError as e:
        raise CheckpointError(str(e)) from None
    _vector(weights, "weights", n_parameters(sizes), bad, f" for sizes {sizes}")


def check_data(ckpt, bad):
    """The data section: names, task and classes against the sizes, standardization,
    target, fingerprint."""
    data, sizes = ckpt["data"], ckpt["sizes"]
    if not isinstance(data, dict):
        bad(f"data: expected a mapping, got {shorten(data)}")
    _name(data["name"], "data.name", bad)
    if data["task"] not in ("classification", "regression"):
        bad(f"data.task: expected classification or regression, got {shorten(data['task'])}")
    _names(data["feature_names"], "data.feature_names", bad, "names")
    if len(data["feature_names"]) != sizes[0]:
        bad(f"data.feature_names: {len(data['feature_names'])} names for {sizes[0]} inputs")
    classes, n_out = data["class_names"], sizes[-1]
    if data["task"] == "classification":
        _names(classes, "data.class_names", bad, "class names", at_least=2)
        if n_out != len(classes) and not (n_out == 1 and len(classes) == 2):
            bad(f"data.class_names: {len(classes)} classes do not fit {n_out} outputs")
    elif classes is not None:
        bad("data.class_names: expected null for a regression model")
    if data["target"] is not None:
        _name(data["target"], "data.target", bad)
    _standardization(data, sizes[0], bad)
    _fingerprint(data["fingerprint"], bad)


def _standardization(data, n, bad):
    for key in ("mean", "std"):
        if data[key] is not None:
            _vector(data[key], f"data.{key}", n, bad)
    if (data["mean"] is None) != (data["std"] is None):
        bad("data.std: expected both data.mean and data.std, or neither")
    for i, s in enumerate(data["std"] or []):
        if s <= 0:
            bad(f"data.std[{i}]: expected a positive number, got {shorten(s)}")
    scale = (data["target_mean"], data["target_std"])
    if scale != (None, None) and (data["task"] != "regression" or not all(_finite(v) for v in scale) or scale[1] <= 0):
        bad("data.target_mean, data.target_std: expected null, or for a regression target a number and a "
            "positive number")


def _fingerprint(identity, bad):
    if identity is not None and not (
            isinstance(identity, dict) and set(identity) == {"rows", "sha256"} and _integer(identity["rows"], 1)
            and isinstance(identity["sha256"], str) and re.fullmatch("[0-9a-f]{64}", identity["sha256"])):
        bad(f"data.fingerprint: expected {{\"rows\": a count, \"sha256\": 64 hex digits}}, got {shorten(identity)}")


def _name(value, field, bad):
    if not isinstance(value, str) or not value:
        bad(f"{field}: expected a name, got {shorten(value)}")
    refused = names.problem(value)
    if refused:
        bad(f"{field}: {refused}")


def _names(values, field, bad, what, at_least=1):
    if not isinstance(values, list) or len(values) < at_least:
        bad(f"{field}: expected a list of at least {at_least} {what}, got {shorten(values)}")
    first = {}
    for i, value in enumerate(values):
        _name(value, f"{field}[{i}]", bad)
        if first.setdefault(value, i) != i:
            bad(f"{field}[{i}]: {shorten(value)} appears twice (first at [{first[value]}])")


def check_state(ckpt, bad):
    """epoch, the optimizer state, the batch-order RNG, the early stopping state, the
    overrides, the snapshots and the world size."""
    epoch, epochs = ckpt["epoch"], ckpt["config"]["epochs"]
    if not _integer(epoch, 1, epochs):
        bad(f"epoch: expected an epoch from 1 to config.epochs ({epochs}), got {shorten(epoch)}")
    _optimizer(ckpt, bad)
    _rng(ckpt["rng"], bad)
    _stopper(ckpt, bad)
    _overrides(ckpt["overrides"], bad)
    check_snapshots(ckpt, bad)
    if not _integer(ckpt["world_size"], 1, MAX_WORLD_SIZE):
        bad(f"world_size: expected a number of processes from 1 to {MAX_WORLD_SIZE:,}, got "
            f"{shorten(ckpt['world_size'])}")


def _overrides(named, bad):
    """The settings the command line changed, as typed (shown again by compare): strings by
    the names rule, so a hand-edited one cannot bring an escape sequence to a terminal."""
    if not isinstance(named, list) or len(named) > MAX_OVERRIDES or not all(
            isinstance(o, str) and len(o) <= OVERRIDE_CHARS for o in named):
        bad(f"overrides: expected a list of at most {MAX_OVERRIDES:,} settings as typed (strings)")
    for i, setting in enumerate(named):
        refused = names.problem(setting, "the setting")
        if refused:
            bad(f"overrides[{i}]: {refused}")


def _optimizer(ckpt, bad):
    """The fields a fresh optimizer of the config's kind has in its state_dict(), of the
    same kinds: its name, a count of updates, vectors of one number per parameter."""
    state, n = ckpt["optimizer"], len(ckpt["weights"])
    fresh = optim.make_optimizer(ckpt["config"]["optimizer"], 1).state_dict()
    if not isinstance(state, dict):
        bad(f"optimizer: expected the state of a {fresh['name']} optimizer, got {shorten(state)}")
    for key in state:
        if key not in fresh:
            bad(f"optimizer.{shorten(key)[1:-1]}: not a field of a {fresh['name']} optimizer's state")
    for key, kind in fresh.items():
        if key not in state:
            bad(f"optimizer.{key}: missing (a {fresh['name']} optimizer's state has it)")
        if isinstance(kind, str) and state[key] != kind:
            bad(f"optimizer.{key}: expected {kind!r} (config.optimizer.name), got {shorten(state[key])}")
        elif isinstance(kind, int) and not _integer(state[key], 0):
            bad(f"optimizer.{key}: expected a number of updates, got {shorten(state[key])}")
        elif isinstance(kind, list):
            _vector(state[key], f"optimizer.{key}", n, bad, " (one per weight)")


def _rng(rng, bad):
    """numpy's PCG64 state, as bit_generator.state gives it; numpy itself would take a
    float (another stream) or overflow on a number out of range."""
    if not isinstance(rng, dict) or set(rng) != PCG64_KEYS or rng["bit_generator"] != "PCG64":
        bad(f"rng: expected the batch-order generator's state {{{', '.join(sorted(PCG64_KEYS))}}} of "
            f"bit_generator 'PCG64', got {shorten(rng)}")
    inner = rng["state"]
    if not isinstance(inner, dict) or set(inner) != {"state", "inc"}:
        bad(f"rng.state: expected {{state, inc}}, got {shorten(inner)}")
    for key in ("state", "inc"):
        if not _integer(inner[key], 0, 2 ** 128 - 1):
            bad(f"rng.state.{key}: expected an integer from 0 to 2**128 - 1, got {shorten(inner[key])}")
    if inner["inc"] % 2 == 0:
        bad(f"rng.state.inc: expected an odd integer (PCG64's increment always is), got {shorten(inner['inc'])}")
    if rng["has_uint32"] not in (0, 1) or isinstance(rng["has_uint32"], bool):
        bad(f"rng.has_uint32: expected 0 or 1, got {shorten(rng['has_uint32'])}")
    if not _integer(rng["uinteger"], 0, 2 ** 32 - 1):
        bad(f"rng.uinteger: expected an integer from 0 to 2**32 - 1, got {shorten(rng['uinteger'])}")


def _stopper(ckpt, bad):
    stopper, epoch = ckpt["early_stopping"], ckpt["epoch"]
    if stopper is None:
        return
    if ckpt["config"]["early_stopping"] is None:
        bad("early_stopping: expected null (config.early_stopping is null)")
    if not isinstance(stopper, dict) or set(stopper) != set(STOPPER_KEYS):
        bad(f"early_stopping: expected null or {{{', '.join(STOPPER_KEYS)}}}, got {shorten(stopper)}")
    if not _integer(stopper["best_epoch"], 1, epoch):
        bad(f"early_stopping.best_epoch: expected an epoch from 1 to {epoch}, got {shorten(stopper['best_epoch'])}")
    if not _integer(stopper["bad_epochs"], 0, epoch):
        bad(f"early_stopping.bad_epochs: expected a count from 0 to {epoch}, got {shorten(stopper['bad_epochs'])}")
    if not isinstance(stopper["stopped"], bool):
        bad(f"early_stopping.stopped: expected true or false, got {shorten(stopper['stopped'])}")
    if not (_finite(stopper["best_loss"]) and stopper["best_loss"] >= 0):
        bad(f"early_stopping.best_loss: expected a finite number >= 0, got {shorten(stopper['best_loss'])}")
    _vector(stopper["best_weights"], "early_stopping.best_weights", len(ckpt["weights"]), bad, " (one per weight)")


def check_records(ckpt, version, bad):
    """The last epoch's metrics (its epoch is `epoch`) and the history: one record per epoch,
    in order, ending at `epoch` (a run resumed from a file without history starts later),
    each with the keys of the file's version."""
    epoch, history = ckpt["epoch"], ckpt["history"]
    keys = set(record_keys(version, ckpt["data"]["task"]))
    _record(ckpt["metrics"], "metrics", keys, epoch, bad)
    if ckpt["metrics"]["epoch"] != epoch:
        bad(f"metrics.epoch: expected {epoch} (the checkpoint's epoch), got {shorten(ckpt['metrics']['epoch'])}")
    if not isinstance(history, list):
        bad(f"history: expected a list of epoch records, got {shorten(history)}")
    for i, record in enumerate(history):
        _record(record, f"history[{i}]", keys - {"seconds"}, epoch, bad)
        want = epoch - len(history) + 1 + i
        if record["epoch"] != want:
            bad(f"history[{i}].epoch: expected {want} (a record per epoch, in order, up to epoch {epoch}), "
                f"got {record['epoch']}")


# an epoch record's numbers: (smallest, largest) by the end of the key's name
RECORD_RANGES = {"loss": (0, math.inf), "acc": (0, 1), "mse": (0, math.inf), "mae": (0, math.inf),
                 "r2": (-math.inf, 1), "lr": (0, math.inf), "seconds": (0, math.inf)}


def _record(record, field, keys, epoch, bad):
    if not isinstance(record, dict):
        bad(f"{field}: expected an epoch record {{epoch, loss, ...}}, got {shorten(record)}")
    for key in keys:
        if key not in record:
            bad(f"{field}.{key}: missing (a record of this version has it)")
    for key, value in record.items():
        if key not in keys:
            bad(f"{field}.{shorten(key)[1:-1]}: not a field of an epoch record")
        if key == "epoch":
            if not _integer(value, 1, epoch):
                bad(f"{field}.epoch: expected an epoch from 1 to {epoch}, got {shorten(value)}")
            continue
        if key in RECORD_LISTS:
            (_layers if key == "layers" else _diagnoses)(value, f"{field}.{key}", bad)
            continue
        if value is None and key != "loss":
            continue
        lo, hi = RECORD_RANGES[key.rpartition("_")[2]]
        if not _finite(value):
            bad(f"{field}.{key}: expected a finite number, got {shorten(value)}")
        if not lo <= value <= hi:
            what = "a fraction from 0 to 1" if hi == 1 and lo == 0 else f"a number from {lo:g} to {hi:g}"
            bad(f"{field}.{key}: expected {what}, got {shorten(value)}")


def _layers(entries, field, bad):
    """A record's per-layer statistics (layerstats.py): none (not measured), or one entry per
    layer in order, each its number, its activation and figures in range or null."""
    if not isinstance(entries, list):
        bad(f"{field}: expected a list of per-layer statistics, got {shorten(entries)}")
    for i, entry in enumerate(entries):
        where = f"{field}[{i}]"
        if not isinstance(entry, dict) or set(entry) != {"layer", "activation", *LAYER_RANGES}:
            bad(f"{where}: expected {{layer, activation, {', '.join(LAYER_RANGES)}}}, got {shorten(entry)}")
        if entry["layer"] != i + 1 or isinstance(entry["layer"], bool):
            bad(f"{where}.layer: expected {i + 1}, got {shorten(entry['layer'])}")
        if not isinstance(entry["activation"], str) or entry["activation"] not in activations.ACTIVATIONS:
            bad(f"{where}.activation: expected one of {', '.join(activations.ACTIVATIONS)}, got "
                f"{shorten(entry['activation'])}")
        for key, (lo, hi) in LAYER_RANGES.items():
            value = entry[key]
            if value is not None and not (_finite(value) and lo <= value <= hi):
                bad(f"{where}.{key}: expected null or a number from {lo:g} to {hi:g}, got {shorten(value)}")


def _diagnoses(lines, field, bad):
    """The training doctor's lines at an epoch: printable text (names.py's rule: they are
    printed again by `mgrad report`)."""
    if not isinstance(lines, list) or not all(isinstance(d, str) for d in lines):
        bad(f"{field}: expected a list of lines of text, got {shorten(lines)}")
    for i, line in enumerate(lines):
        refused = names.problem(line, "the line")
        if refused:
            bad(f"{field}[{i}]: {refused}")


def check_snapshots(ckpt, bad):
    """null, or {epochs, weights}: epochs from 1 to `epoch`, each with a full weight vector."""
    snaps, epoch, n = ckpt["snapshots"], ckpt["epoch"], len(ckpt["weights"])
    if snaps is None:
        return
    if not isinstance(snaps, dict) or set(snaps) != {"epochs", "weights"} or not isinstance(
            snaps["epochs"], list) or not isinstance(snaps["weights"], list):
        bad(f"snapshots: expected null or {{epochs, weights}}, got {shorten(snaps)}")
    if len(snaps["epochs"]) != len(snaps["weights"]):
        bad(f"snapshots: {len(snaps['epochs'])} epochs for {len(snaps['weights'])} weight vectors")
    for i, e in enumerate(snaps["epochs"]):
        if not _integer(e, 1, epoch):
            bad(f"snapshots.epochs[{i}]: expected an epoch from 1 to {epoch}, got {shorten(e)}")
    for i, w in enumerate(snaps["weights"]):
        _vector(w, f"snapshots.weights[{i}]", n, bad, " (one per weight)")


def _vector(values, field, n, bad, why=""):
    if not isinstance(values, list) or len(values) != n:
        got = f"{len(values)}" if isinstance(values, list) else shorten(values)
        bad(f"{field}: expected {n} numbers{why}, got {got}")
    for i, v in enumerate(values):
        if not _finite(v):
            bad(f"{field}[{i}]: expected a finite number, got {shorten(v)}")


def _integer(v, lo=None, hi=None):
    return (isinstance(v, int) and not isinstance(v, bool) and (lo is None or v >= lo)
            and (hi is None or v <= hi))


def _finite(v):
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:  # an int too large for a float
        return False
