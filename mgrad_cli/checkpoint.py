"""Checkpoints: one JSON file holding a trained model and how it was made.

    {
      "format": "mgrad-checkpoint", "version": 1,
      "config":    the resolved config (config.validate_config checks it on load),
      "sizes":     [n_in, layer sizes...],
      "weights":   flat list in nn.MLP order (layer by layer, neuron by neuron: w..., b),
      "optimizer": the optimizer's state_dict(),
      "epoch":     epochs completed,
      "rng":       the batch-order generator's state (numpy bit_generator.state),
      "data":      {"name", "task", "feature_names", "class_names", "mean", "std", "target"},
      "metrics":   {"epoch", "loss", "train_acc", "test_acc", "lr", "seconds"} of the last epoch,
      "history":   [{"epoch", "loss", "train_acc", "test_acc", "lr"}, ...] one per epoch so far
    }

"history" and data "target" were added after version 1 was first written; a version 1
checkpoint without them still loads (history [], target null), so the version stays 1.

save_checkpoint writes a temporary file next to the target (.NAME.PID.XXXX.tmp), syncs it
to disk and renames it over the target, so a reader sees the old file or the new one,
never half, even if the writer is killed. A temporary file left by a killed writer is
never read (only the target's exact path is); the next save removes it.
"""

import json
import math
import os
import tempfile

from .config import validate_config
from .datasets import display_path, open_user_file
from .errors import CheckpointError, ConfigError, UserInputError

FORMAT = "mgrad-checkpoint"
VERSION = 1
KEYS = ("format", "version", "config", "sizes", "weights", "optimizer", "epoch", "rng", "data", "metrics")
HISTORY_KEYS = ("epoch", "loss", "train_acc", "test_acc", "lr")


def n_weights(sizes):
    """Parameters of an MLP with these sizes: each neuron has nin weights and a bias."""
    return sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))


def save_checkpoint(path, *, config, sizes, weights, optimizer, epoch, rng, data, metrics, history=()):
    """Write a checkpoint atomically (temp file in the same directory, fsync, os.replace)."""
    ckpt = {
        "format": FORMAT, "version": VERSION, "config": config, "sizes": list(sizes),
        "weights": [float(w) for w in weights], "optimizer": optimizer, "epoch": epoch,
        "rng": rng, "data": data, "metrics": metrics,
        "history": [{k: r.get(k) for k in HISTORY_KEYS} for r in history],
    }
    if len(ckpt["weights"]) != n_weights(ckpt["sizes"]):
        raise ValueError(f"{len(ckpt['weights'])} weights for sizes {sizes}")
    text = json.dumps(ckpt, indent=1, allow_nan=False)
    try:
        remove_stale_temp_files(path)
        fd, tmp = _temp_file(path)
        try:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a checkpoint is an ordinary file
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.write("\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError as e:
        raise _cannot_write(path, e) from None


def check_writable(path):
    """Raise UserInputError unless a checkpoint can be written at path (tried with a temporary
    file next to it, removed at once): to fail before training rather than after it."""
    try:
        fd, tmp = _temp_file(path)
        os.close(fd)
        os.unlink(tmp)
    except OSError as e:
        raise _cannot_write(path, e) from None


def _temp_file(path):
    directory = os.path.dirname(os.path.abspath(path))
    return tempfile.mkstemp(prefix=f".{os.path.basename(path)}.{os.getpid()}.", suffix=".tmp", dir=directory)


def _cannot_write(path, e):
    return UserInputError(f"cannot write {display_path(path)}: {e.strerror or e}")


def remove_stale_temp_files(path):
    """Delete the temporary files of writes to `path` whose writing process no longer exists
    (it was killed between creating the file and renaming it). Returns the paths removed."""
    directory = os.path.dirname(os.path.abspath(path))
    prefix = f".{os.path.basename(path)}."
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        pid = name[len(prefix):].split(".", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        try:
            os.unlink(os.path.join(directory, name))
            removed.append(os.path.join(directory, name))
        except OSError:
            pass
    return removed


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process, or not a pid we can ask about: leave its file
    return True


def load_checkpoint(path):
    """Read and check a checkpoint; return its dict. Raises CheckpointError."""
    shown = display_path(path)

    def bad(message):
        return CheckpointError(f"{shown}: {message}")

    with open_user_file(path, CheckpointError, "checkpoint", encoding="utf-8") as f:
        try:
            ckpt = json.load(f)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise bad(f"not a checkpoint (not valid JSON: {e})") from None
        except RecursionError:
            raise bad("not a checkpoint (JSON nested too deeply)") from None
        except ValueError as e:  # e.g. an integer with more digits than Python converts
            raise bad(f"not a checkpoint ({e})") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise bad(f"not an mgrad checkpoint (no \"format\": \"{FORMAT}\")")
    version = ckpt.get("version")
    if isinstance(version, bool) or version != VERSION:
        raise bad(f"checkpoint version {version!r} is not supported (this mgrad reads version {VERSION})")
    missing = [k for k in KEYS if k not in ckpt]
    if missing:
        raise bad(f"incomplete checkpoint: missing {', '.join(missing)}")
    try:
        ckpt["config"] = validate_config(ckpt["config"], f"{shown}: config")
    except ConfigError as e:
        raise CheckpointError(str(e)) from None
    sizes, weights = ckpt["sizes"], ckpt["weights"]
    if (not isinstance(sizes, list) or len(sizes) < 2
            or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in sizes)):
        raise bad(f"sizes: expected a list of positive integers, got {sizes!r}")
    if sizes[1:] != ckpt["config"]["model"]["layers"]:
        raise bad(f"sizes {sizes} do not match the config's model.layers {ckpt['config']['model']['layers']}")
    if not isinstance(weights, list) or not all(isinstance(w, (int, float)) and not isinstance(w, bool)
                                                for w in weights):
        raise bad("weights: expected a list of numbers")
    if len(weights) != n_weights(sizes):
        raise bad(f"weights: expected {n_weights(sizes)} numbers for sizes {sizes}, got {len(weights)}")
    if not all(_finite(w) for w in weights):
        raise bad("weights: expected finite numbers")
    data = ckpt["data"]
    if not isinstance(data, dict) or not isinstance(data.get("feature_names"), list):
        raise bad("data: expected feature_names, class_names, mean and std")
    if not all(isinstance(n, str) for n in data["feature_names"]):
        raise bad("data.feature_names: expected a list of strings")
    if len(data["feature_names"]) != sizes[0]:
        raise bad(f"data.feature_names: {len(data['feature_names'])} names for {sizes[0]} inputs")
    task = data.get("task")
    if task not in ("classification", "regression"):
        raise bad(f"data.task: expected classification or regression, got {task!r}")
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
    data.setdefault("target", None)
    if data["target"] is not None and not isinstance(data["target"], str):
        raise bad(f"data.target: expected a column name or null, got {data['target']!r}")
    epoch = ckpt["epoch"]
    if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
        raise bad(f"epoch: expected a non-negative integer, got {epoch!r}")
    if not isinstance(ckpt["optimizer"], dict) or ckpt["optimizer"].get("name") != ckpt["config"]["optimizer"]["name"]:
        raise bad(f"optimizer: expected the state of a {ckpt['config']['optimizer']['name']} optimizer")
    if not isinstance(ckpt["rng"], dict):
        raise bad("rng: expected the batch-order generator's state")
    if ckpt["metrics"] is not None and not isinstance(ckpt["metrics"], dict):
        raise bad("metrics: expected a mapping or null")
    history = ckpt.setdefault("history", [])
    if not isinstance(history, list) or not all(
            isinstance(r, dict) and isinstance(r.get("epoch"), int) and _number(r.get("loss"))
            and all(r.get(k) is None or _number(r.get(k)) for k in ("train_acc", "test_acc", "lr"))
            for r in history):
        raise bad("history: expected a list of {epoch, loss, train_acc, test_acc, lr} records")
    return ckpt


def _finite(v):
    if not _number(v):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:  # an int too large for a float
        return False


def _number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)
