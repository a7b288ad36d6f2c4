"""Training: a backend (backends/) computes loss and gradients, the Trainer loops over
epochs, and a Run is a whole run as `mgrad train` makes it.

The backend works on a flat float64 vector of parameters (backends.mlp's order); T holds
the targets encoded by losses.encode_targets. The optimizer (optim.py's, or the backend's
own with the same formulas and state: torch.optim on the torch engine) and the
learning-rate schedule see only flat vectors, so every backend gets the same updates.

Trainer.run() (and train()) yields one record per epoch. Run.start() drives it to the end
and owns what happens around the epochs: the JSONL log, a checkpoint every N epochs and
when the run stops (finished, interrupted by Ctrl-C, or diverged: the last good state),
and it reports each epoch to the callbacks it is given. The library never prints.

What a checkpoint holds of a trainer, and whether one may be resumed, is checkpoint.py's
(contents, trainer_state, check_resumable); what a diverging run is told, divergence.py's.
"""

import json
import math
import random
import time
from dataclasses import dataclass

import numpy as np

from . import checkpoint, metrics
from .distributed import SOLO
from .divergence import all_finite, diverged
from .doctor import Doctor
from .layerstats import layer_stats
from .snapshots import Snapshots
from ..nn import losses, optim
from ..backends import make_backend
from ..data import scaling
from ..errors import CheckpointError, ConfigError, MgradError, TrainingDiverged
from ..files import cannot_write, open_output
from .stopping import EarlyStopping


def check_fit(config, dataset, source="config"):
    """Raise ConfigError when the loss or the last layer does not fit the data (the loss's
    record says what it needs: losses.LOSSES)."""
    name, n_out = config["loss"]["name"], config["model"]["layers"][-1]
    loss, last = losses.get(name), f"model.layers[{len(config['model']['layers']) - 1}]"
    if dataset.task == "regression":
        if not loss.regression:
            fits = " or ".join(n for n, other in losses.LOSSES.items() if other.regression)
            raise ConfigError(f"{source}: loss.name: {name} needs class labels, but the target of "
                              f"{dataset.name} is a number to predict (regression); use {fits}")
        if n_out != 1:
            raise ConfigError(f"{source}: {last}: a regression target needs 1 output unit, got {n_out}")
        return
    problem = loss.units(name, dataset.n_classes, n_out, dataset.name, last)
    if problem is not None:
        raise ConfigError(f"{source}: {problem[0]}: {problem[1]}")




def split_metrics(config, dataset, split, outputs, loss=None):
    """An epoch record's entries for one split: {split}_loss (unless given as `loss`, the
    training one) and {split}_acc, or for regression {split}_mse, _mae, _r2 in the
    target's units. All None when the split has no rows."""
    _, y = dataset.rows(split)
    out = {} if split == "train" else {f"{split}_loss": loss}
    if dataset.task == "regression":
        scores = metrics.regression(dataset.raw_target(outputs[:, 0]), dataset.raw_target(y))
        out.update({f"{split}_{k}": v for k, v in scores.items()})
    else:
        out[f"{split}_acc"] = metrics.accuracy(metrics.classes(outputs, config["model"]["output"]), y)
    return out


def held_out(trainer, split):
    """A held-out split's record entries, at the trainer's weights after the epoch."""
    X, _ = trainer.dataset.rows(split)
    if len(X) == 0:
        return split_metrics(trainer.config, trainer.dataset, split, np.empty((0, 1)))
    outputs = trainer.backend.predict(trainer.params, X)
    return split_metrics(trainer.config, trainer.dataset, split, outputs,
                         trainer.backend.data_loss(outputs, trainer.T[split]))


class Trainer:
    """All a run's state: parameters, optimizer, epochs done, and the batch-order RNG.

    `run()` trains from `epoch` to config['epochs'], yielding a record per epoch.
    state_dict()/load_state_dict() hold everything needed to carry on later. A `group`
    (distributed.Group) makes it a rank of a data-parallel run: its engine wrapped, each
    batch's rows shared by the ranks, the figures of the training rows summed over them.
    """

    measure_layers = True  # per-layer statistics every epoch; bench/bench_layerstats.py turns them off
    def __init__(self, config, dataset, backend=None, doctor=True, snapshots=False, group=None):
        self.config, self.dataset = config, dataset
        self.group = SOLO if group is None else group
        self.snapshots = Snapshots() if snapshots else None  # for the replay page, when asked
        self.unscaled = scaling.check(dataset, config["data"].get("standardize"))  # None, or why (train's hint)
        self.doctor = Doctor(self.unscaled is not None and bool(self.unscaled.inputs)) if doctor else None
        self.backend = self.group.data_parallel(backend or make_backend(config, dataset.n_features))
        self.params = self.backend.init_params(random.Random(config["seed"]))
        self.optimizer = self.backend.make_optimizer(config["optimizer"], len(self.params))
        self.epoch = 0  # epochs completed
        self.rng = np.random.default_rng([config["seed"], 2])  # the order of minibatches
        self.last = None  # the last epoch's record
        self.history = []  # every epoch's record so far, without the timing (for plots)
        self.updates = 0  # made by this trainer: none yet means the weights are those it started from
        n_out, out = config["model"]["layers"][-1], config["model"]["output"]
        # the targets of each split as the loss compares them
        self.T = {split: losses.encode_targets(config["loss"]["name"], dataset.rows(split)[1], n_out, out)
                  for split in metrics.SPLITS}
        self.T_train = self.T["train"]
        self.stopper = EarlyStopping.from_config(config.get("early_stopping"))  # None without early stopping

    @property
    def stopped(self):
        """Whether early stopping has ended the run (the best weights are back)."""
        return self.stopper is not None and self.stopper.stopped

    @property
    def sizes(self):
        return [self.dataset.n_features] + list(self.config["model"]["layers"])

    def state_dict(self):
        return {
            "params": self.params.tolist(),
            "optimizer": self.optimizer.state_dict(),
            "epoch": self.epoch,
            "rng": self.rng.bit_generator.state,
            "last": self.last,
            "history": [dict(r) for r in self.history],
            "early_stopping": None if self.stopper is None else self.stopper.state_dict(),
            "snapshots": None if self.snapshots is None else self.snapshots.state_dict(self.stopper),
        }

    def load_state_dict(self, state):
        params = np.asarray(state["params"], dtype=np.float64)
        if params.shape != self.params.shape:
            raise ValueError(f"{params.size} parameters given for a model of {self.params.size}")
        self.params = params
        self.optimizer.load_state_dict(state["optimizer"])
        self.epoch = int(state["epoch"])
        try:
            self.rng.bit_generator.state = state["rng"]
        except (KeyError, TypeError, ValueError) as e:  # numpy names only the key it missed
            why = f"no {e}" if isinstance(e, KeyError) else str(e)
            raise ValueError(f"batch-order RNG state (rng) is damaged: {why}") from None
        self.last = state.get("last")
        self.history = [dict(r) for r in state.get("history") or []]
        _load_watchers(self, state)
        if self.stopper is not None:
            self.stopper = EarlyStopping(self.stopper.patience, self.stopper.min_delta)
            self.stopper.load_state_dict(state.get("early_stopping"))

    def resume(self, ckpt, source="checkpoint", config_source=None):
        """Carry on from a loaded checkpoint (checkpoint.load_checkpoint): its weights,
        optimizer state, epoch, batch-order RNG and history. Raises CheckpointError when it
        was not made by this config on this data (the model, loss, optimizer, seed or data
        differ, or the shapes do not fit)."""
        checkpoint.check_resumable(self.config, self.dataset, ckpt, source, config_source)
        try:
            self.load_state_dict(checkpoint.trainer_state(ckpt))
        except (ValueError, TypeError, KeyError) as e:
            raise CheckpointError(f"{source}: cannot resume from this checkpoint: {e}") from None
        if self.stopper is not None and self.stopper.stopped:
            raise CheckpointError(
                f"{source}: early stopping ended this run at epoch {self.epoch} (the best validation loss was at "
                f"epoch {self.stopper.best_epoch}); raise early_stopping.patience above "
                f"{self.stopper.bad_epochs} to train on")

    def checkpoint(self):
        """The keyword arguments of checkpoint.save_checkpoint for the current state."""
        return checkpoint.contents(self.config, self.sizes, self.state_dict(), self.dataset, self.group.world)

    def _diverged(self, k, lr, what):
        """divergence.diverged's TrainingDiverged for epoch k (what: see there)."""
        targets = self.T_train if self.dataset.task == "regression" else None
        return diverged(what, k, lr, self.updates, self.config, self.dataset.X_train, targets)

    def _epoch(self, k, lr, X, T, n, bs):
        """One pass over the minibatches: (last batch loss, summed loss, batches, outputs,
        the layers' statistics: layerstats.layer_stats)."""
        order = np.arange(n) if bs >= n else self.rng.permutation(n)
        total, batches, outputs = 0.0, 0, np.zeros((n, self.config["model"]["layers"][-1]))
        kept = []  # per batch, the engine's layer outputs
        for start in range(0, n, bs):
            idx = order[start:start + bs]
            # one batch of every row in order (the default): the arrays themselves, no copy
            Xb, Tb = (X, T) if bs >= n else (X[idx], T[idx])
            kept.append([] if self.measure_layers else None)
            loss, grad, out = self.backend.loss_and_grad(self.params, Xb, Tb, kept[-1])
            if not math.isfinite(loss) or not all_finite(grad):
                raise self._diverged(k, lr, loss if not math.isfinite(loss) else "a gradient of inf or nan")
            total += loss * len(idx)
            batches += 1
            outputs[idx[self.group.share(len(idx))]] = out
            before = self.params.copy() if self.measure_layers and start + bs >= n else None  # last update, measured
            with np.errstate(all="ignore"):  # an overflow is caught just below, with a message
                self.optimizer.step(self.params, grad, lr)
            self.updates += 1
            if not all_finite(self.params) or not self.optimizer.is_finite():
                raise self._diverged(k, lr, None)
        stats = layer_stats(self.sizes, self.backend.activations, kept, grad, before, self.params,
                            self.group.sum) if self.measure_layers else []
        return loss, total, batches, self.group.sum(outputs), stats

    def run(self):
        """Train from `epoch` up to config['epochs'], yielding each epoch's record; with
        early stopping, stop after the epoch its rule says, with the best weights back."""
        cfg = self.config
        X, T = self.dataset.X_train, self.T["train"]
        n, bs = len(X), cfg["batch_size"] or len(X)
        while self.epoch < cfg["epochs"] and not self.stopped:
            k = self.epoch
            t0 = time.perf_counter()
            lr = optim.learning_rate(cfg["optimizer"], k, cfg["epochs"])
            before = self.state_dict()  # the last good state, restored if this epoch does not finish
            try:
                loss, total, batches, outputs, stats = self._epoch(k, lr, X, T, n, bs)
                record = {"epoch": k + 1, "loss": loss if batches == 1 else total / n}  # the mean, by batch size
                record.update(split_metrics(cfg, self.dataset, "train", outputs))
                for split in ("val", "test"):
                    record.update(held_out(self, split))
                record.update(lr=lr, seconds=time.perf_counter() - t0, layers=stats)
                _commit(self, record)
            except BaseException:
                # Ctrl-C or divergence partway through an epoch, or while it is being recorded:
                # go back to the state after the last whole epoch, so a checkpoint saved now
                # is consistent (its epoch, metrics and history agree) and resumes exactly
                self.load_state_dict(before)
                raise
            yield dict(record)
        self.group.finish()


def _commit(trainer, record):
    """The epoch is done: count it, keep its record, let early stopping judge it."""
    trainer.epoch += 1
    record["diagnoses"] = _watch(trainer, record)
    trainer.last = record
    trainer.history.append({k: v for k, v in record.items() if k != "seconds"})
    if trainer.stopper is not None and trainer.stopper.update(trainer.epoch, record["val_loss"], trainer.params):
        trainer.params = trainer.stopper.best_weights.copy()  # as Keras' restore_best_weights


def _watch(trainer, record):
    """After an epoch: a snapshot when they are kept, and the doctor's new lines (none
    without it)."""
    if trainer.snapshots is not None:
        trainer.snapshots.take(trainer.epoch, trainer.params)
    return [] if trainer.doctor is None else trainer.doctor.examine(record)


def _load_watchers(trainer, state):
    """The doctor's state replayed from the history, the snapshots kept so far."""
    if trainer.doctor is not None:
        trainer.doctor.replay(trainer.history)
    if trainer.snapshots is not None:
        trainer.snapshots.load_state_dict(state.get("snapshots"))


class JsonLog:
    """A file with one JSON line per epoch record, flushed as each is written.
    Raises UserInputError 'cannot write PATH: reason' when the file cannot be written."""

    def __init__(self, path):
        self.path = path
        self.file = open_output(path)

    def write(self, record):
        try:
            self.file.write(json.dumps(record) + "\n")
            self.file.flush()
        except OSError as e:
            raise cannot_write(self.path, e) from None

    def close(self):
        try:
            self.file.close()
        except OSError as e:
            raise cannot_write(self.path, e) from None


@dataclass
class Stop:
    """How a run ended. status: 'finished', 'interrupted' (Ctrl-C or SIGTERM: error holds
    the KeyboardInterrupt or errors.Terminated), 'output closed' (a callback's output went
    to a closed pipe) or 'diverged' (error holds the TrainingDiverged); saved: whether the
    checkpoint was written at the end; seconds: the time the epochs took."""

    status: str
    error: Exception = None
    saved: bool = False
    seconds: float = 0.0


class Run:
    """A whole run: the trainer's epochs up to config['epochs'], each record written to the
    log (a JsonLog, closed at the end) and passed to every on_epoch callback, a checkpoint
    every save_every epochs and when the run stops, to save_path, naming `overrides` (the
    settings the command line changed, as typed).

    Ctrl-C or divergence partway through an epoch leaves the trainer at the last whole
    epoch (Trainer.run restores it), so the checkpoint saved then resumes exactly."""

    def __init__(self, trainer, save_path=None, save_every=None, log=None, on_epoch=(), overrides=()):
        self.trainer, self.save_path, self.save_every = trainer, save_path, save_every
        self.log, self.on_epoch, self.overrides = log, list(on_epoch), list(overrides)

    def save(self):
        """Write the checkpoint, when there is a path and an epoch to save. -> whether written."""
        if self.save_path is None or self.trainer.epoch == 0:
            return False
        checkpoint.save_checkpoint(self.save_path, **self.trainer.checkpoint(), overrides=self.overrides)
        return True

    def start(self):
        """Train to the end, or until Ctrl-C or divergence. -> Stop. An error writing the log
        or a checkpoint stops the run and is raised."""
        started = time.perf_counter()
        stop = Stop("finished")
        try:
            self._epochs()
        except KeyboardInterrupt as e:  # Ctrl-C, or SIGTERM (errors.Terminated)
            stop.status, stop.error = "interrupted", e
        except BrokenPipeError as e:  # a callback printed to a reader that has gone (| head)
            stop.status, stop.error = "output closed", e
        except TrainingDiverged as e:
            stop.status, stop.error = "diverged", e
        stop.seconds = time.perf_counter() - started
        stop.saved = self.save()
        return stop

    def _epochs(self):
        total = self.trainer.config["epochs"]
        try:
            for record in self.trainer.run():
                if self.log is not None:
                    self.log.write(record)
                for callback in self.on_epoch:
                    callback(record)
                if self.save_every and record["epoch"] % self.save_every == 0 and record["epoch"] < total:
                    self.save()
        except BaseException:
            if self.log is not None:
                try:
                    self.log.close()
                except MgradError:
                    pass  # the error already on its way says what went wrong
            raise
        if self.log is not None:
            self.log.close()


def train(config, dataset, trainer=None):
    """Train as the resolved config says; yield a record per epoch (metrics.record_keys:
    epoch, loss (mean over the epoch's batches, before each update), the training rows'
    accuracy or errors (of those same outputs), the validation and test rows' loss (no l2
    term) and accuracy or errors (after the epoch; None without such rows), lr, seconds).
    Raises TrainingDiverged."""
    trainer = trainer or Trainer(config, dataset)
    yield from trainer.run()


# --- what `train --graph` draws -----------------------------------------------------------

def graph_batch(trainer):
    """The training samples `train --graph` draws the loss on: as many as the backend
    draws (graph_samples), else the first batch. -> (X, T)"""
    X = trainer.dataset.X_train
    k = min(trainer.backend.graph_samples or trainer.config["batch_size"] or len(X), len(X))
    return X[:k], trainer.T_train[:k]


def loss_graph(trainer):
    """The loss on graph_batch() at the trainer's current parameters, as the backend's graph."""
    X, T = graph_batch(trainer)
    return trainer.backend.loss_graph(trainer.params, X, T, trainer.dataset.feature_names)
