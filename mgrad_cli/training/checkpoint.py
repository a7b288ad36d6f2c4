"""Checkpoints: one JSON file holding a trained model and how it was made.

    {
      "format": "mgrad-checkpoint", "version": 6,
      "config":    the resolved config (config.validate_config checks it on load),
      "sizes":     [n_in, layer sizes...],
      "weights":   the flat vector, in backends.mlp's order (layer by layer, neuron by neuron: w..., b),
      "optimizer": the optimizer's state_dict(),
      "epoch":     epochs completed,
      "rng":       the batch-order generator's state (numpy bit_generator.state),
      "data":      {"name", "task", "feature_names", "class_names", "mean", "std", "target",
                    "fingerprint": {"rows", "sha256"} of the training data (datasets.data_fingerprint),
                    "target_mean", "target_std"},
      "metrics":   the last epoch's record (metrics.record_keys: epoch, loss, val_loss,
                   test_loss, per split acc or mse/mae/r2, lr, seconds),
      "history":   [the same record without seconds, ...] one per epoch so far, each with
                   its "layers" (training/layerstats.py's per-layer statistics) and
                   "diagnoses" (the training doctor's lines that fired at that epoch),
      "early_stopping": null, or {"best_epoch", "best_loss", "best_weights", "bad_epochs",
                   "stopped"}: the early stopping state, so a resumed run stops as an
                   uninterrupted one would,
      "overrides": ["--set optimizer.lr=1e-3", "--epochs 5", ...]: the settings the command
                   line changed, as typed, in the order applied (the config holds their result)
    }

data.target_mean and data.target_std standardize a regression target (null otherwise):
the model's output o means the value o * target_std + target_mean.

The version policy:
- Every checkpoint carries "format" and "version"; save_checkpoint writes VERSION.
- A change of format (a field added, removed, renamed or read differently) bumps VERSION.
- Older versions keep loading. The loader first brings a checkpoint of version v up to
  VERSION one step at a time through UPGRADES[v], a function from a version-v dict to a
  version-(v+1) dict: it fills a field the old file lacks with a documented default, or
  raises CheckpointError saying what the old file lacks and what to do. The checks that
  follow then only ever see the current format. A bump is a new VERSION and one
  UPGRADES entry (with its defaults listed below), and the README's checkpoint section.
- A version newer than VERSION is refused by name (written by a newer mgrad).

Defaults for fields that older files may lack:
- version 1, "history": [] (no curves to plot). Added within version 1 before this policy.
- version 1, data "target": null (any single extra CSV column is taken as the target).
  Added within version 1 before this policy.
- version 2 added data "fingerprint": version 1 files get null (the data they were trained
  on cannot be told apart from other data with the same columns and classes; eval and
  resume check only those).
- version 3 added data "target_mean" and "target_std" (version 2: null, a target never
  standardized), "early_stopping" (version 2: null, none configured) and the records'
  val_loss, test_loss, val_acc and regression metrics (older records lack them: no
  such curves).
- version 4 added config "device" and "dtype" (where the engine computed): version 3 files
  get "auto", which is where they ran (the CPU, in float64).
- version 5 added "overrides": version 4 files get [] (none recorded; their config says
  what they trained with all the same).
- version 6 added the history records' "layers" (per-layer statistics) and "diagnoses"
  (the doctor's lines): version 5 records lack them, and keep lacking them (no layer
  curves, no diagnoses to show for those epochs); and "snapshots" (weights at chosen
  epochs, training/snapshots.py), written only with `train --report` or `--snapshots`:
  version 5 files get null (no replay: `mgrad report` says to train with --snapshots).

save_checkpoint writes through files.write_atomic: a reader sees the old file or the new
one, never half, even if the writer is killed.
"""

import copy
import json
import math
import re

from .. import limits
from ..backends.mlp import n_parameters
from .config import validate_config
from ..data.datasets import changed
from ..errors import CheckpointError, ConfigError, shorten
from ..files import display_path, open_user_file, read_bounded, write_atomic

FORMAT = "mgrad-checkpoint"
VERSION = 6
KEYS = ("format", "version", "config", "sizes", "weights", "optimizer", "epoch", "rng", "data", "metrics",
        "early_stopping", "overrides")
MAX_OVERRIDES = 1_000  # settings named in "overrides" (each as typed, up to OVERRIDE_CHARS)
OVERRIDE_CHARS = 10_000
STOPPER_KEYS = ("best_epoch", "best_loss", "best_weights", "bad_epochs", "stopped")

def _from_version_1(ckpt, bad):
    if isinstance(ckpt.get("data"), dict):
        ckpt["data"].setdefault("fingerprint", None)
    return ckpt


def _from_version_2(ckpt, bad):
    """Version 2 had no standardized targets and no early stopping."""
    if isinstance(ckpt.get("data"), dict):
        ckpt["data"].setdefault("target_mean", None)
        ckpt["data"].setdefault("target_std", None)
    ckpt.setdefault("early_stopping", None)
    return ckpt


def _from_version_3(ckpt, bad):
    """Version 3 computed on the CPU in float64, the engines' only place then."""
    if isinstance(ckpt.get("config"), dict):
        ckpt["config"].setdefault("device", "auto")
        ckpt["config"].setdefault("dtype", "auto")
    return ckpt


def _from_version_4(ckpt, bad):
    """Version 4 did not record the command line's overrides."""
    ckpt.setdefault("overrides", [])
    return ckpt


def _from_version_5(ckpt, bad):
    """Version 5 records had no per-layer statistics and no diagnoses, and no snapshots."""
    ckpt.setdefault("snapshots", None)
    return ckpt


# version v -> a function (ckpt of version v, bad) -> ckpt of version v + 1; `bad(message)`
# makes the CheckpointError naming the file
UPGRADES = {1: _from_version_1, 2: _from_version_2, 3: _from_version_3, 4: _from_version_4,
            5: _from_version_5}
# (section or None for the top level, field) -> the default for a file that lacks it
DEFAULTS = {(None, "history"): [], ("data", "target"): None, (None, "snapshots"): None}


def save_checkpoint(path, *, config, sizes, weights, optimizer, epoch, rng, data, metrics, history=(),
                    early_stopping=None, overrides=(), snapshots=None):
    """Write a checkpoint of the current VERSION atomically (files.write_atomic)."""
    ckpt = {
        "format": FORMAT, "version": VERSION, "config": config, "sizes": list(sizes),
        "weights": [float(w) for w in weights], "optimizer": optimizer, "epoch": epoch,
        "rng": rng, "data": data, "metrics": metrics,
        "history": [{k: v for k, v in r.items() if k != "seconds"} for r in history],
        "early_stopping": early_stopping, "overrides": list(overrides),
    }
    if snapshots is not None:  # only with `train --report` or `--snapshots`
        ckpt["snapshots"] = snapshots
    if len(ckpt["weights"]) != n_parameters(ckpt["sizes"]):
        raise ValueError(f"{len(ckpt['weights'])} weights for sizes {sizes}")
    write_atomic(path, json.dumps(ckpt, indent=1, allow_nan=False) + "\n")


# the checkpoint's fields that hold a trainer's state -> the key of Trainer.state_dict()
# that holds it (the rest: config, sizes and data, say what was trained on what)
STATE_FIELDS = {"weights": "params", "optimizer": "optimizer", "epoch": "epoch", "rng": "rng", "metrics": "last",
                "history": "history", "early_stopping": "early_stopping", "snapshots": "snapshots"}


def contents(config, sizes, state, dataset):
    """The keyword arguments of save_checkpoint for a run: its config and model sizes, the
    trainer's state (Trainer.state_dict()) and what the data set says of itself."""
    return {"config": config, "sizes": list(sizes), **{field: state[key] for field, key in STATE_FIELDS.items()},
            "data": data_section(dataset)}


def data_section(ds):
    """The checkpoint's "data" section for a data set (datasets.Dataset)."""
    return {
        "name": ds.name,
        "task": ds.task,
        "feature_names": list(ds.feature_names),
        "class_names": None if ds.class_names is None else list(ds.class_names),
        "mean": None if ds.mean is None else ds.mean.tolist(),
        "std": None if ds.std is None else ds.std.tolist(),
        "target": getattr(ds, "target", None),
        "fingerprint": ds.fingerprint,
        "target_mean": ds.target_mean,
        "target_std": ds.target_std,
    }


def trainer_state(ckpt):
    """A checkpoint's training state as Trainer.load_state_dict() takes it; KeyError for a
    field it lacks (history and early_stopping may be missing: none)."""
    optional = {"history": [], "early_stopping": None, "snapshots": None}
    return {key: ckpt[field] if field not in optional else ckpt.get(field, optional[field])
            for field, key in STATE_FIELDS.items()}


def load_checkpoint(path):
    """Read a checkpoint of any supported version, bring it to the current format and check
    it; return its dict. Raises CheckpointError naming the file and the field."""
    shown = display_path(path)

    def bad(message):
        return CheckpointError(f"{shown}: {message}")

    ckpt = _upgrade(_read(path, bad), bad)
    missing = [k for k in KEYS if k not in ckpt]
    if missing:
        raise bad(f"incomplete checkpoint: missing {', '.join(missing)}")
    try:
        ckpt["config"] = validate_config(ckpt["config"], f"{shown}: config")
    except ConfigError as e:
        raise CheckpointError(str(e)) from None
    for check in (_check_model, _check_data, _check_state, _check_history, _check_numbers):
        check(ckpt, bad)
    return ckpt


def _read(path, bad):
    """The file's JSON document, or CheckpointError."""
    with open_user_file(path, CheckpointError, "checkpoint", encoding="utf-8") as f:
        text = read_bounded(f, path, CheckpointError, "checkpoint")
        try:
            return json.loads(text)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise bad(f"not a checkpoint (not valid JSON: {e})") from None
        except RecursionError:
            raise bad("not a checkpoint (JSON nested too deeply)") from None
        except ValueError as e:  # e.g. an integer with more digits than Python converts
            raise bad(f"not a checkpoint ({e})") from None


def _upgrade(ckpt, bad):
    """Check format and version, apply UPGRADES up to VERSION, fill DEFAULTS."""
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise bad(f"not an mgrad checkpoint (no \"format\": \"{FORMAT}\")")
    version = ckpt.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= VERSION:
        reads = f"version {VERSION}" if VERSION == 1 else f"versions 1 to {VERSION}"
        raise bad(f"checkpoint version {shorten(version)} is not supported (this mgrad reads {reads})")
    for v in range(version, VERSION):
        ckpt = UPGRADES[v](ckpt, bad)
        ckpt["version"] = v + 1
    for (section, field), default in DEFAULTS.items():
        where = ckpt if section is None else ckpt.get(section)
        if isinstance(where, dict):  # a section of the wrong kind is refused by its check
            where.setdefault(field, copy.deepcopy(default))
    return ckpt


def _check_model(ckpt, bad):
    """sizes against the config, and the weights."""
    sizes, weights = ckpt["sizes"], ckpt["weights"]
    if (not isinstance(sizes, list) or len(sizes) < 2
            or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in sizes)):
        raise bad(f"sizes: expected a list of positive integers, got {shorten(sizes)}")
    if sizes[1:] != ckpt["config"]["model"]["layers"]:
        raise bad(f"sizes {shorten(sizes)} do not match the config's model.layers "
                  f"{shorten(ckpt['config']['model']['layers'])}")
    if not isinstance(weights, list) or not all(_number(w) for w in weights):
        raise bad("weights: expected a list of numbers")
    try:  # the model is built from it next: refuse what cannot fit
        limits.check(limits.model_costs(ckpt["config"], sizes[0], 1), "config")
    except ConfigError as e:
        raise bad(str(e)) from None
    if len(weights) != n_parameters(sizes):
        raise bad(f"weights: expected {n_parameters(sizes)} numbers for sizes {sizes}, got {len(weights)}")
    if not all(_finite(w) for w in weights):
        raise bad("weights: expected finite numbers")


def _check_data(ckpt, bad):
    """The data section: names, task and classes against the sizes, standardization, target."""
    data, sizes = ckpt["data"], ckpt["sizes"]
    if not isinstance(data, dict) or not isinstance(data.get("feature_names"), list):
        raise bad("data: expected feature_names, class_names, mean and std")
    if not all(isinstance(n, str) for n in data["feature_names"]):
        raise bad("data.feature_names: expected a list of strings")
    if len(data["feature_names"]) != sizes[0]:
        raise bad(f"data.feature_names: {len(data['feature_names'])} names for {sizes[0]} inputs")
    task = data.get("task")
    if task not in ("classification", "regression"):
        raise bad(f"data.task: expected classification or regression, got {shorten(task)}")
    names = data.get("class_names")
    if task == "classification":
        if not isinstance(names, list) or len(names) < 2 or not all(isinstance(n, str) for n in names):
            raise bad("data.class_names: expected a list of at least two class names")
        n_out = sizes[-1]
        if n_out != len(names) and not (n_out == 1 and len(names) == 2):
            raise bad(f"data.class_names: {len(names)} classes do not fit {n_out} outputs")
    elif names is not None:
        raise bad("data.class_names: expected null for a regression model")
    for key in ("mean", "std"):
        value = data.get(key)
        if value is not None and (not isinstance(value, list) or len(value) != sizes[0] or not all(
                _finite(v) for v in value)):
            raise bad(f"data.{key}: expected {sizes[0]} numbers or null")
    if (data.get("mean") is None) != (data.get("std") is None) or (
            data.get("std") is not None and not all(v > 0 for v in data["std"])):
        raise bad("data.std: expected positive numbers, with a mean")
    if data["target"] is not None and not isinstance(data["target"], str):
        raise bad(f"data.target: expected a column name or null, got {shorten(data['target'])}")
    identity = data.get("fingerprint")
    if identity is not None and not (
            isinstance(identity, dict) and set(identity) == {"rows", "sha256"}
            and isinstance(identity["rows"], int) and not isinstance(identity["rows"], bool) and identity["rows"] > 0
            and isinstance(identity["sha256"], str) and re.fullmatch("[0-9a-f]{64}", identity["sha256"])):
        raise bad(f"data.fingerprint: expected {{\"rows\": a count, \"sha256\": 64 hex digits}}, got "
                  f"{shorten(identity)}")
    scale = (data.get("target_mean"), data.get("target_std"))
    if scale != (None, None) and (task != "regression" or not all(_finite(v) for v in scale) or scale[1] <= 0):
        raise bad("data.target_mean, data.target_std: expected null, or for a regression target a number "
                  "and a positive number")


def _check_state(ckpt, bad):
    """epoch, optimizer, rng and metrics (their contents are checked on resume)."""
    epoch = ckpt["epoch"]
    if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
        raise bad(f"epoch: expected a non-negative integer, got {shorten(epoch)}")
    if not isinstance(ckpt["optimizer"], dict) or ckpt["optimizer"].get("name") != ckpt["config"]["optimizer"]["name"]:
        raise bad(f"optimizer: expected the state of a {ckpt['config']['optimizer']['name']} optimizer")
    if not isinstance(ckpt["rng"], dict):
        raise bad("rng: expected the batch-order generator's state")
    if ckpt["metrics"] is not None and not isinstance(ckpt["metrics"], dict):
        raise bad("metrics: expected a mapping or null")
    named = ckpt["overrides"]
    if not isinstance(named, list) or len(named) > MAX_OVERRIDES or not all(
            isinstance(o, str) and len(o) <= OVERRIDE_CHARS for o in named):
        raise bad(f"overrides: expected a list of at most {MAX_OVERRIDES:,} settings as typed (strings)")
    _check_snapshots(ckpt, bad)
    stopper = ckpt["early_stopping"]
    if stopper is not None and not (
            isinstance(stopper, dict) and set(stopper) == set(STOPPER_KEYS)
            and isinstance(stopper["best_epoch"], int) and isinstance(stopper["bad_epochs"], int)
            and isinstance(stopper["stopped"], bool) and _finite(stopper["best_loss"])
            and isinstance(stopper["best_weights"], list) and len(stopper["best_weights"]) == len(ckpt["weights"])
            and all(_finite(w) for w in stopper["best_weights"])):
        raise bad(f"early_stopping: expected null or {{{', '.join(STOPPER_KEYS)}}} with the best weights")


# a history record's entries that are lists: the per-layer statistics (each a dict of
# numbers or null, and the activation's name) and the doctor's diagnoses (lines of text)
RECORD_LISTS = ("layers", "diagnoses")


def _check_history(ckpt, bad):
    history = ckpt["history"]
    if not isinstance(history, list) or not all(
            isinstance(r, dict) and isinstance(r.get("epoch"), int) and _number(r.get("loss"))
            and all(v is None or _number(v) for k, v in r.items() if k != "epoch" and k not in RECORD_LISTS)
            for r in history):
        raise bad("history: expected a list of {epoch, loss, ...} records of numbers")
    for i, record in enumerate(history):
        _check_record_lists(record, f"history[{i}]", bad)
        epoch = record["epoch"]
        if isinstance(epoch, bool) or not 1 <= epoch <= ckpt["epoch"]:
            raise bad(f"history[{i}].epoch: expected an epoch from 1 to {ckpt['epoch']}, got {shorten(epoch)}")
        for key in ("train_acc", "val_acc", "test_acc"):
            if record.get(key) is not None and _finite(record[key]) and not 0 <= record[key] <= 1:
                raise bad(f"history[{i}].{key}: expected a fraction from 0 to 1, got {shorten(record[key])}")


def _check_snapshots(ckpt, bad):
    snaps = ckpt["snapshots"]
    if snaps is None:
        return
    n = len(ckpt["weights"])
    if not (isinstance(snaps, dict) and isinstance(snaps.get("epochs"), list) and isinstance(snaps.get("weights"), list)
            and len(snaps["epochs"]) == len(snaps["weights"])
            and all(isinstance(e, int) and not isinstance(e, bool) and 1 <= e <= ckpt["epoch"] for e in snaps["epochs"])
            and all(isinstance(w, list) and len(w) == n and all(_finite(x) for x in w) for w in snaps["weights"])):
        raise bad(f"snapshots: expected null or {{epochs, weights}}: epochs from 1 to {ckpt['epoch']}, "
                  f"each with {n} finite weights")


def _check_record_lists(record, where, bad):
    layers, diagnoses = record.get("layers", []), record.get("diagnoses", [])
    if not isinstance(layers, list) or not all(
            isinstance(e, dict) and all(v is None or _number(v) or (k == "activation" and isinstance(v, str))
                                        for k, v in e.items()) for e in layers):
        raise bad(f"{where}.layers: expected a list of per-layer statistics (numbers or null)")
    if not isinstance(diagnoses, list) or not all(isinstance(d, str) for d in diagnoses):
        raise bad(f"{where}.diagnoses: expected a list of lines of text")


def _check_numbers(ckpt, bad):
    """Every number in the optimizer state, the last metrics and the history is finite
    (training stops before one is not): a nan read here would fail the next save."""
    for section in ("optimizer", "metrics", "history"):
        stack = [(section, ckpt[section])]
        while stack:
            path, value = stack.pop()
            if isinstance(value, dict):
                stack.extend((f"{path}.{k}", v) for k, v in reversed(list(value.items())))
            elif isinstance(value, list):
                stack.extend((f"{path}[{i}]", v) for i, v in reversed(list(enumerate(value))))
            elif _number(value) and not _finite(value):
                raise bad(f"{path}: expected a finite number, got {shorten(value)}")


def _finite(v):
    if not _number(v):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:  # an int too large for a float
        return False


def _number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# --- resuming: what must not change ---------------------------------------------------

# what must be the same to resume a run: the rest (epochs, lr and the optimizer's other
# settings, the schedule, l2, batch_size, engine) may change between the two halves
RESUME_KEYS = ("data", "model", "loss.name", "optimizer.name", "seed")


def check_resumable(config, dataset, ckpt, source="checkpoint", config_source="config"):
    """Raise CheckpointError unless ckpt was trained with this config's model and data."""
    old = ckpt["config"]
    for key in RESUME_KEYS:
        a, b = _get(old, key), _get(config, key)
        if a != b:
            if isinstance(a, dict):  # name the first setting that differs
                sub = next(k for k in sorted(set(a) | set(b), key=lambda k: (k != "name", str(k)))
                           if a.get(k) != b.get(k))
                key, a, b = f"{key}.{sub}", a.get(sub), b.get(sub)
            raise CheckpointError(f"{source}: was trained with {key} {_show(a)}, but {config_source} "
                                  f"says {_show(b)}; resume with the config it was trained with")
    sizes = ckpt["sizes"]
    if sizes[0] != dataset.n_features:
        raise CheckpointError(f"{source}: the model takes {sizes[0]} inputs, but {dataset.name} has "
                              f"{dataset.n_features} features")
    if list(ckpt["data"]["feature_names"]) != list(dataset.feature_names):
        raise CheckpointError(f"{source}: was trained on the features {', '.join(ckpt['data']['feature_names'])}, "
                              f"but {dataset.name} has {', '.join(dataset.feature_names)}")
    if ckpt["data"].get("class_names") != (None if dataset.class_names is None else list(dataset.class_names)):
        raise CheckpointError(f"{source}: was trained on other classes than {dataset.name} has")
    change = changed(ckpt["data"]["fingerprint"], dataset)
    if change is not None:
        raise CheckpointError(f"{source}: {dataset.name} is not the data it was trained on ({change}); "
                              f"resume on the same data")
    if ckpt["epoch"] >= config["epochs"]:
        raise CheckpointError(f"{source}: already trained {ckpt['epoch']} epochs, and {config_source} asks for "
                              f"{config['epochs']}; ask for more with --epochs")


def _get(config, dotted):
    for key in dotted.split("."):
        config = config[key]
    return config


def _show(value):
    if isinstance(value, str):
        return value
    return "null" if value is None else str(value)
