"""Checkpoints: one JSON file holding a trained model and how it was made.

    {
      "format": "mgrad-checkpoint", "version": 7,
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
                   line changed, as typed, in the order applied (the config holds their result),
      "world_size": how many processes trained it (1; N for `train --nproc N` or torchrun)
                   since it was last resumed: a run resumes in any number of processes
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
  follow then only ever see the current format. A bump is a new VERSION, one UPGRADES
  entry (with its defaults listed below), the new fields in checkpoint_fields' tables
  (FIELDS, DATA_FIELDS, CONFIG_FIELDS: the version that introduced each), and the
  README's checkpoint section.
- Before upgrading, a file is checked against its declared version
  (checkpoint_fields.check_presence): a field its version does not have is refused, and
  every field its version has is required (data.fingerprint from version 2, not null).
  Then every field is checked for type and range; messages read "CHECKPOINT: field: problem".
- A version newer than VERSION is refused by name (written by a newer mgrad).

Defaults for fields that older files may lack:
- version 1, "history": [] (no curves to plot). Added within version 1 before this policy.
- version 1, data "target": null (any single extra CSV column is taken as the target).
  Added within version 1 before this policy.
- version 2 added data "fingerprint": version 1 files get null (the data they were trained
  on cannot be told apart from other data with the same columns and classes; eval and
  resume check only those, and warn in one line: unverifiable()).
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
- version 7 added "world_size" (data-parallel training): version 6 files get 1, the one
  process that trained them.

save_checkpoint writes through files.write_atomic: a reader sees the old file or the new
one, never half, even if the writer is killed.
"""

import copy
import json

from . import checkpoint_fields as fields
from ..backends.mlp import n_parameters
from .config import validate_config
from ..data.datasets import changed
from ..errors import CheckpointError, ConfigError, shorten, show
from ..files import display_path, open_user_file, read_bounded, write_atomic

FORMAT = "mgrad-checkpoint"
VERSION = 7
MAX_OVERRIDES, OVERRIDE_CHARS = fields.MAX_OVERRIDES, fields.OVERRIDE_CHARS

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


def _from_version_6(ckpt, bad):
    """Version 6 was trained in one process."""
    ckpt.setdefault("world_size", 1)
    return ckpt


# version v -> a function (ckpt of version v, bad) -> ckpt of version v + 1; `bad(message)`
# makes the CheckpointError naming the file
UPGRADES = {1: _from_version_1, 2: _from_version_2, 3: _from_version_3, 4: _from_version_4,
            5: _from_version_5, 6: _from_version_6}
# (section or None for the top level, field) -> the default for a file that lacks it
DEFAULTS = {(None, "history"): [], ("data", "target"): None, (None, "snapshots"): None}


def save_checkpoint(path, *, config, sizes, weights, optimizer, epoch, rng, data, metrics, history=(),
                    early_stopping=None, overrides=(), snapshots=None, world_size=1):
    """Write a checkpoint of the current VERSION atomically (files.write_atomic)."""
    ckpt = {
        "format": FORMAT, "version": VERSION, "config": config, "sizes": list(sizes),
        "weights": [float(w) for w in weights], "optimizer": optimizer, "epoch": epoch,
        "rng": rng, "data": data, "metrics": metrics,
        "history": [{k: v for k, v in r.items() if k != "seconds"} for r in history],
        "early_stopping": early_stopping, "overrides": list(overrides), "world_size": world_size,
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


def contents(config, sizes, state, dataset, world_size=1):
    """The keyword arguments of save_checkpoint for a run: its config and model sizes, the
    trainer's state (Trainer.state_dict()), what the data set says of itself and how many
    processes trained it."""
    return {"config": config, "sizes": list(sizes), **{field: state[key] for field, key in STATE_FIELDS.items()},
            "data": data_section(dataset), "world_size": world_size}


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
    """Read a checkpoint of any supported version, check it as a whole (checkpoint_fields:
    every field of its version, type and range) and bring it to the current format; return
    its dict. Raises CheckpointError "CHECKPOINT: field: problem"."""
    shown = display_path(path)

    def bad(message):
        return CheckpointError(f"{shown}: {message}")

    def fail(message):
        raise bad(message)

    ckpt = _read(path, bad)
    version = _version(ckpt, bad)
    fields.check_presence(ckpt, version, fail)
    ckpt = _upgrade(ckpt, version, bad)
    try:
        config = validate_config(ckpt["config"], shown, prefix="config.")
    except ConfigError as e:
        raise CheckpointError(str(e)) from None
    fields.check_config_complete(ckpt["config"], config, version, fail)
    ckpt["config"] = config
    fields.check_model(ckpt, fail, shown)
    for check in (fields.check_data, fields.check_state):
        check(ckpt, fail)
    fields.check_records(ckpt, version, fail)
    return ckpt


def unverifiable(ckpt, source):
    """The warning for a checkpoint without a data fingerprint (a version 1 file: later ones
    must have one), whose data eval and resume cannot check; None for any other."""
    if ckpt["data"]["fingerprint"] is not None:
        return None
    return (f"{source} is a version 1 checkpoint, without a fingerprint of its data: the data cannot be "
            f"checked to be the data it was trained on")


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


def _version(ckpt, bad):
    """The file's declared version, once it is known to be a checkpoint mgrad reads."""
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise bad(f"not an mgrad checkpoint (no \"format\": \"{FORMAT}\")")
    version = ckpt.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= VERSION:
        reads = f"version {VERSION}" if VERSION == 1 else f"versions 1 to {VERSION}"
        raise bad(f"version: {shorten(version)} is not supported (this mgrad reads {reads})")
    return version


def _upgrade(ckpt, version, bad):
    """Apply UPGRADES from `version` up to VERSION, then fill DEFAULTS."""
    for v in range(version, VERSION):
        ckpt = UPGRADES[v](ckpt, bad)
        ckpt["version"] = v + 1
    for (section, field), default in DEFAULTS.items():
        where = ckpt if section is None else ckpt.get(section)
        if isinstance(where, dict):  # a section of the wrong kind is refused by its check
            where.setdefault(field, copy.deepcopy(default))
    return ckpt


# --- resuming: what must not change ---------------------------------------------------

# what must be the same to resume a run: the rest (epochs, lr and the optimizer's other
# settings, the schedule, l2, batch_size, engine) may change between the two halves
RESUME_KEYS = ("data", "model", "loss.name", "optimizer.name", "seed")


def check_resumable(config, dataset, ckpt, source="checkpoint", config_source=None):
    """Raise CheckpointError unless ckpt was trained with this config's model and data
    (config_source: the config's name, for the message)."""
    the_config = "the config" if config_source is None else f"the config {config_source}"
    key = next((key for key in RESUME_KEYS if _get(ckpt["config"], key) != _get(config, key)), None)
    if key is not None:
        raise CheckpointError(f"{source}: {_difference(key, ckpt, config, dataset, the_config)}; resume "
                              f"with the config it was made from, or train anew without --resume")
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
        raise CheckpointError(f"{source}: already trained {ckpt['epoch']} epochs, and {the_config} asks for "
                              f"{config['epochs']}; ask for more with --epochs")


def _difference(key, ckpt, config, dataset, the_config):
    """What differs at `key` (RESUME_KEYS) between the config ckpt was trained with and
    this one: 'was trained on xor, but the config moons trains on moons'."""
    a, b = _get(ckpt["config"], key), _get(config, key)
    if key == "data" and ckpt["data"]["name"] != dataset.name:
        return f"was trained on {ckpt['data']['name']}, but {the_config} trains on {dataset.name}"
    if isinstance(a, dict):  # name the first setting that differs
        sub = next(k for k in sorted(set(a) | set(b), key=lambda k: (k != "name", str(k)))
                   if a.get(k) != b.get(k))
        key, a, b = f"{key}.{sub}", a.get(sub), b.get(sub)
    return f"was trained with {key} {show(a)}, but {the_config} has {show(b)}"


def _get(config, dotted):
    for key in dotted.split("."):
        config = config[key]
    return config
