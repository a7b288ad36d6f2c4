"""Trained checkpoints for the tests of predict, eval, plot and resume, made with the
library directly (no CLI round trip) so a module trains each one once; and a Ctrl-C in
the middle of training."""

import contextlib
import os

import pytest

from mgrad_cli.backends.scalar import ScalarBackend

from mgrad_cli.training import trainer as training
from mgrad_cli.training.checkpoint import save_checkpoint
from mgrad_cli.training.config import load_config
from mgrad_cli.data.datasets import load_dataset

from conftest import REPO as _ROOT

REPO = str(_ROOT)
CONFIGS = os.path.join(REPO, "configs")
DATASETS = os.path.join(REPO, "datasets")


def config_path(name):
    return os.path.join(CONFIGS, f"{name}.yaml")


def train_checkpoint(path, config_file, epochs=None):
    """Train config_file (a path) as `mgrad train` would and save the checkpoint to path.
    Returns (trainer, dataset)."""
    config = load_config(config_file, {"epochs": epochs} if epochs else None)
    dataset = load_dataset(config["data"], config["seed"])
    trainer = training.Trainer(config, dataset)
    for _ in training.train(config, dataset, trainer):
        pass
    save_checkpoint(str(path), **trainer.checkpoint())
    return trainer, dataset


@contextlib.contextmanager
def ctrl_c_at_step(n):
    """Inside this block the scalar engine's n-th training step (a batch's loss and
    gradient: ScalarBackend.loss_and_grad) raises KeyboardInterrupt, as a Ctrl-C there
    would; the steps before it run as usual."""
    real = ScalarBackend.loss_and_grad
    steps = 0

    def step(self, *args):
        nonlocal steps
        steps += 1
        if steps == n:
            raise KeyboardInterrupt
        return real(self, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ScalarBackend, "loss_and_grad", step)
        yield


# what each checkpoint version lacks, by the version that introduced it
# (checkpoint_fields.FIELDS, DATA_FIELDS, CONFIG_FIELDS, record_keys)
def as_version(ckpt, version):
    """A copy of a current checkpoint (a dict) as a file of an older `version` would hold it:
    the fields that came later removed."""
    import copy

    from mgrad_cli.training import checkpoint_fields as fields

    ckpt = copy.deepcopy(ckpt)
    ckpt["version"] = version
    for key, since in fields.FIELDS.items():
        if since > version:
            ckpt.pop(key, None)
    for key, since in fields.DATA_FIELDS.items():
        if since > version:
            ckpt["data"].pop(key, None)
    for dotted, since in fields.CONFIG_FIELDS.items():
        section, _, key = dotted.rpartition(".")
        if since > version:
            (ckpt["config"][section] if section else ckpt["config"]).pop(key, None)
    keys = fields.record_keys(version, ckpt["data"]["task"])
    ckpt["metrics"] = {k: ckpt["metrics"].get(k) for k in keys}
    ckpt["history"] = [{k: r.get(k) for k in keys if k != "seconds"} for r in ckpt["history"]]
    return ckpt


# ReLU at lr 50 on moons: 75% of layer 2's units die at epoch 2 (the doctor says so, the
# report shows it at its epoch, and the width tests wrap the long diagnosis)
RELU_LR50 = """\
seed: 0
data: {name: moons, n_samples: 100, noise: 0.1}
model: {layers: [16, 16, 1], activation: relu, output: linear}
loss: {name: hinge}
optimizer: {name: sgd, lr: 50}
epochs: 30
engine: tensor
"""
