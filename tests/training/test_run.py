"""train.Run, the run loop `mgrad train` drives: it reports each epoch to its callbacks,
keeps the log, saves every N epochs and when it stops, and says how it stopped."""

import json

import pytest

from mgrad_cli.training import trainer as training
from mgrad_cli.training.checkpoint import load_checkpoint
from mgrad_cli.training.config import load_config
from mgrad_cli.data.datasets import load_dataset
from mgrad_cli.errors import TrainingDiverged, UserInputError

from conftest import write
from models import config_path


def trainer(path=config_path("tiny"), **overrides):
    config = load_config(path, overrides)
    return training.Trainer(config, load_dataset(config["data"], config["seed"]))


def test_a_run_reports_logs_and_saves(tmp_path, monkeypatch):
    saved, seen = [], []
    real = training.checkpoint.save_checkpoint
    monkeypatch.setattr(training.checkpoint, "save_checkpoint",
                        lambda path, **ckpt: (saved.append(ckpt["epoch"]), real(path, **ckpt)))
    t = trainer(epochs=5)
    run = training.Run(t, tmp_path / "m.json", save_every=2, log=training.JsonLog(tmp_path / "log.jsonl"),
                       on_epoch=[seen.append])
    stop = run.start()
    assert (stop.status, stop.error, stop.saved) == ("finished", None, True)
    assert [r["epoch"] for r in seen] == [1, 2, 3, 4, 5] and saved == [2, 4, 5]
    assert [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()] == seen
    assert load_checkpoint(tmp_path / "m.json")["epoch"] == 5


def test_ctrl_c_in_a_callback_stops_the_run_and_saves_what_was_done(tmp_path):
    def stop_at_3(record):
        if record["epoch"] == 3:
            raise KeyboardInterrupt

    run = training.Run(trainer(), tmp_path / "m.json", log=training.JsonLog(tmp_path / "log.jsonl"),
                       on_epoch=[stop_at_3])
    stop = run.start()
    assert (stop.status, stop.saved) == ("interrupted", True)
    assert load_checkpoint(tmp_path / "m.json")["epoch"] == 3
    assert len((tmp_path / "log.jsonl").read_text().splitlines()) == 3


def test_divergence_saves_the_last_good_state(tmp_path):
    cfg = write(tmp_path, "div.yaml", "data: {name: xor, n_samples: 20}\nmodel: {layers: [8, 1], activation: relu}\n"
                                      "loss: mse\noptimizer: {name: sgd, lr: 10}\nepochs: 30\n")
    stop = training.Run(trainer(cfg), tmp_path / "m.json").start()
    assert (stop.status, stop.saved) == ("diverged", True) and isinstance(stop.error, TrainingDiverged)
    assert str(stop.error).startswith("the loss became inf at epoch 6 (lr 10): training diverged")
    assert load_checkpoint(tmp_path / "m.json")["epoch"] == 5


def test_without_a_path_nothing_is_saved():
    assert training.Run(trainer(epochs=2)).start().saved is False


def test_a_log_that_cannot_be_written_stops_the_run(tmp_path):
    with pytest.raises(UserInputError, match=r"^cannot write .*: No such file or directory$"):
        training.JsonLog(tmp_path / "no" / "log.jsonl")
    run = training.Run(trainer(), log=training.JsonLog("/dev/full"))
    with pytest.raises(UserInputError, match=r"^cannot write /dev/full: No space left on device$"):
        run.start()


def test_ctrl_c_while_an_epoch_is_recorded_saves_a_consistent_checkpoint(tmp_path, monkeypatch):
    # a signal after the epoch's numbers but before its record is kept (the doctor looking
    # at it) once saved epoch 18 beside the metrics of epoch 17, which the load refuses
    real = training._watch

    def interrupted_at_3(trainer, record):
        if record["epoch"] == 3:
            raise KeyboardInterrupt
        return real(trainer, record)

    monkeypatch.setattr(training, "_watch", interrupted_at_3)
    run = training.Run(trainer(epochs=5), tmp_path / "m.json", save_every=None)
    stop = run.start()
    assert (stop.status, stop.saved) == ("interrupted", True)
    saved = load_checkpoint(tmp_path / "m.json")
    assert saved["epoch"] == 2 and saved["metrics"]["epoch"] == 2 and len(saved["history"]) == 2
