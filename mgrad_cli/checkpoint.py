"""Checkpoints: one JSON file holding a trained model and how it was made.

    {
      "format": "mgrad-checkpoint", "version": 1,
      "config":    the resolved config (config.validate_config checks it on load),
      "sizes":     [n_in, layer sizes...],
      "weights":   flat list in nn.MLP order (layer by layer, neuron by neuron: w..., b),
      "optimizer": the optimizer's state_dict(),
      "epoch":     epochs completed,
      "rng":       the batch-order generator's state (numpy bit_generator.state),
      "data":      {"name", "task", "feature_names", "class_names", "mean", "std"},
      "metrics":   {"epoch", "loss", "train_acc", "test_acc", "lr", "seconds"} of the last epoch
    }

save_checkpoint writes a temporary file next to the target, syncs it to disk and
renames it over the target, so a reader sees the old file or the new one, never half.
"""

import json
import os
import tempfile

from .config import validate_config
from .datasets import display_path
from .errors import CheckpointError, ConfigError

FORMAT = "mgrad-checkpoint"
VERSION = 1
KEYS = ("format", "version", "config", "sizes", "weights", "optimizer", "epoch", "rng", "data", "metrics")


def n_weights(sizes):
    """Parameters of an MLP with these sizes: each neuron has nin weights and a bias."""
    return sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))


def save_checkpoint(path, *, config, sizes, weights, optimizer, epoch, rng, data, metrics):
    """Write a checkpoint atomically (temp file in the same directory, fsync, os.replace)."""
    ckpt = {
        "format": FORMAT, "version": VERSION, "config": config, "sizes": list(sizes),
        "weights": [float(w) for w in weights], "optimizer": optimizer, "epoch": epoch,
        "rng": rng, "data": data, "metrics": metrics,
    }
    if len(ckpt["weights"]) != n_weights(ckpt["sizes"]):
        raise ValueError(f"{len(ckpt['weights'])} weights for sizes {sizes}")
    text = json.dumps(ckpt, indent=1, allow_nan=False)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
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


def load_checkpoint(path):
    """Read and check a checkpoint; return its dict. Raises CheckpointError."""
    shown = display_path(path)

    def bad(message):
        return CheckpointError(f"{shown}: {message}")

    try:
        with open(path, encoding="utf-8") as f:
            ckpt = json.load(f)
    except FileNotFoundError:
        raise bad("no such file") from None
    except IsADirectoryError:
        raise bad("is a directory, not a checkpoint") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise bad(f"not a checkpoint (not valid JSON: {e})") from None
    except OSError as e:
        raise bad(e.strerror) from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise bad(f"not an mgrad checkpoint (no \"format\": \"{FORMAT}\")")
    if ckpt.get("version") != VERSION:
        raise bad(f"checkpoint version {ckpt.get('version')!r} is not supported (this mgrad reads version {VERSION})")
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
    data = ckpt["data"]
    if not isinstance(data, dict) or not isinstance(data.get("feature_names"), list):
        raise bad("data: expected feature_names, class_names, mean and std")
    if len(data["feature_names"]) != sizes[0]:
        raise bad(f"data.feature_names: {len(data['feature_names'])} names for {sizes[0]} inputs")
    for key in ("mean", "std"):
        if data.get(key) is not None and (not isinstance(data[key], list) or len(data[key]) != sizes[0]):
            raise bad(f"data.{key}: expected {sizes[0]} numbers or null")
    if not isinstance(ckpt["epoch"], int) or ckpt["epoch"] < 0:
        raise bad(f"epoch: expected a non-negative integer, got {ckpt['epoch']!r}")
    return ckpt
