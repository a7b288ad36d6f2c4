"""`mgrad train --resume` and `--save-every`, and checkpoints that survive a killed run."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from mgrad_cli.training import checkpoint as ckpt_mod
from mgrad_cli.training import trainer as training
from mgrad_cli.training.checkpoint import load_checkpoint, save_checkpoint
from mgrad_cli.training.config import load_config
from mgrad_cli.data.datasets import load_dataset
from mgrad_cli.errors import CheckpointError, UserInputError
from conftest import write
from models import REPO, config_path, ctrl_c_at_step

# minibatches shuffled every epoch, adam's moments, a held-out split: all state resume must restore
SHUFFLED = ("data: {name: moons, n_samples: 24, test_split: 0.25}\nmodel: {layers: [4, 1]}\n"
            "optimizer: adam\nbatch_size: 5\nepochs: 6\n")


def without_timing(ckpt):
    return {k: v for k, v in ckpt.items() if k not in ("metrics", "config")}


def test_a_run_split_in_two_ends_with_the_same_weights(run, tmp_path):
    cfg = write(tmp_path, "c.yaml", SHUFFLED)
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert run("train", cfg, "--save", a, "-q").exit_code == 0
    assert run("train", cfg, "--epochs", "3", "--save", b, "-q").exit_code == 0
    assert load_checkpoint(a)["weights"] != load_checkpoint(b)["weights"]
    result = run("train", cfg, "--resume", b)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1] == f"Resuming from {b} after epoch 3 of 6."
    assert [line.split()[0] for line in lines[3:6]] == ["4", "5", "6"]
    assert lines[6].startswith("Trained MLP 2-4-1 (17 parameters) on moons for epochs 4 to 6 in ")
    assert lines[-1] == f"Checkpoint saved to {b}."  # back into the file it resumed from
    one, two = load_checkpoint(a), load_checkpoint(b)
    assert two["weights"] == one["weights"]  # exactly
    assert without_timing(two) == without_timing(one)  # optimizer, epoch, RNG state, history
    assert [r["epoch"] for r in two["history"]] == [1, 2, 3, 4, 5, 6]


def test_resume_restores_a_schedule_mid_run(tmp_path):
    # stop after 3 of 6 epochs (as a kill after a --save-every checkpoint would), carry on
    cfg = write(tmp_path, "c.yaml", SHUFFLED.replace(
        "optimizer: adam", "optimizer: {name: momentum, schedule: {name: linear, end: 0.2}}"))
    config = load_config(cfg)
    ds = load_dataset(config["data"], config["seed"])
    whole = training.Trainer(config, ds)
    for _ in whole.run():
        pass
    first = training.Trainer(config, ds)
    for r in first.run():
        if r["epoch"] == 3:
            break
    save_checkpoint(tmp_path / "half.json", **first.checkpoint())
    second = training.Trainer(config, ds)
    second.resume(load_checkpoint(tmp_path / "half.json"))
    assert second.epoch == 3
    rest = list(second.run())
    assert [r["epoch"] for r in rest] == [4, 5, 6]
    assert np.array_equal(second.params, whole.params)
    assert second.optimizer.state_dict() == whole.optimizer.state_dict()


def test_save_every(run, tmp_path, monkeypatch):
    saved = []
    real = ckpt_mod.save_checkpoint

    def spy(path, **kwargs):
        saved.append(kwargs["epoch"])
        return real(path, **kwargs)

    monkeypatch.setattr(ckpt_mod, "save_checkpoint", spy)
    result = run("train", config_path("tiny"), "--epochs", "5", "--save", tmp_path / "t.json", "--save-every", "2",
                 "-q")
    assert result.exit_code == 0
    assert saved == [2, 4, 5]


@pytest.mark.parametrize("args, message", [
    (["--save-every", "2"], "Error: Invalid value for --save-every: needs --save PATH (or --resume) to know "
                            "where to save"),
    (["--resume", "nope.json"], "Error: nope.json: no such file"),
])
def test_bad_options(run, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = run("train", config_path("tiny"), *args)
    assert result.exit_code == 2
    assert message in result.output


def test_resume_refuses_another_config_or_a_finished_run(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "c.yaml", SHUFFLED)
    run("train", "c.yaml", "--epochs", "2", "--save", "m.json", "-q")
    cases = [
        ("model: {layers: [8, 1]}\n", "was trained with model.layers [4, 1], but the config d.yaml has [8, 1]"),
        ("data: {name: xor, n_samples: 24, test_split: 0.25}\n", "was trained on moons, but the config d.yaml trains on xor"),
        ("data: {name: moons, n_samples: 24, test_split: 0.25, standardize: true}\n",
         "was trained with data.standardize false, but the config d.yaml has true"),  # as YAML writes it
        ("optimizer: sgd\n", "was trained with optimizer.name adam, but the config d.yaml has sgd"),
        ("seed: 5\n", "was trained with seed 0, but the config d.yaml has 5"),
    ]
    for change, message in cases:
        key = change.split(":")[0]
        text = "\n".join(line for line in SHUFFLED.splitlines() if not line.startswith(key + ":")) + "\n" + change
        write(tmp_path, "d.yaml", text)
        result = run("train", "d.yaml", "--resume", "m.json")
        assert (result.exit_code, result.output) == (
            2, f"Error: m.json: {message}; resume with the config it was made from, or train anew without "
               f"--resume\n"), change
    result = run("train", "c.yaml", "--resume", "m.json", "--epochs", "2")
    assert (result.exit_code, result.output) == (
        2, "Error: m.json: already trained 2 epochs, and the config c.yaml asks for 2; ask for more with --epochs\n")
    # a learning rate or a longer run may change
    result = run("train", "c.yaml", "--resume", "m.json", "--lr", "0.001", "--epochs", "3", "-q")
    assert result.exit_code == 0, result.output


def test_resume_with_a_shipped_config_of_other_data_names_the_config_and_both_data_sets(run, tmp_path, monkeypatch):
    # `mgrad train moons` names a config and a data set alike: the message tells them apart
    monkeypatch.chdir(tmp_path)
    assert run("train", "xor", "--engine", "tensor", "--epochs", "2", "--save", "xor.json", "-q").exit_code == 0
    result = run("train", "moons", "--engine", "tensor", "--resume", "xor.json")
    assert (result.exit_code, result.output) == (
        2, "Error: xor.json: was trained on xor, but the config moons trains on moons; resume with the config "
           "it was made from, or train anew without --resume\n")


def test_resume_refuses_data_edited_since_training(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = [f"{i},{i % 3},{i % 2}" for i in range(12)]
    write(tmp_path, "d.csv", "a,b,t\n" + "\n".join(rows) + "\n")
    write(tmp_path, "c.yaml", "data: {csv: d.csv}\nmodel: {layers: [2, 1]}\nepochs: 4\n")
    assert run("train", "c.yaml", "--epochs", "2", "--save", "m.json", "-q").exit_code == 0
    write(tmp_path, "d.csv", "a,b,t\n" + "\n".join(rows[1:] + rows[:1]) + "\n")  # the same rows, another order
    result = run("train", "c.yaml", "--resume", "m.json")
    assert (result.exit_code, result.output) == (
        2, "Error: m.json: d.csv is not the data it was trained on (the same number of rows, 12, but other "
           "values, order or split); resume on the same data\n")


def test_resume_with_a_damaged_optimizer_state(tmp_path):
    cfg = write(tmp_path, "c.yaml", SHUFFLED)
    config = load_config(cfg)
    ds = load_dataset(config["data"], config["seed"])
    t = training.Trainer(config, ds)
    next(t.run())
    kwargs = t.checkpoint()
    kwargs["optimizer"] = dict(kwargs["optimizer"], m=[0.0])
    save_checkpoint(tmp_path / "m.json", **kwargs)
    with pytest.raises(CheckpointError, match=r"m.json: optimizer.m: expected 17 numbers \(one per weight\), got 1"):
        load_checkpoint(tmp_path / "m.json")  # refused on load, before any resume


# --- killing a run never loses the checkpoint --------------------------------------------

LONG = ("data: {name: moons, n_samples: 60}\nmodel: {layers: [16, 16, 1]}\noptimizer: {name: adam}\n"
        "batch_size: 20\nepochs: 100000\n")


def temp_files(directory):
    return sorted(n for n in os.listdir(directory) if n.endswith(".tmp"))


def test_sigkill_mid_run_leaves_a_loadable_checkpoint(tmp_path):
    cfg = write(tmp_path, "long.yaml", LONG)
    ckpt = tmp_path / "long.json"
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "mgrad_cli", "train", str(cfg), "--save", str(ckpt),
                             "--save-every", "1", "-q"], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        first = None
        while time.monotonic() < deadline and proc.poll() is None:
            if ckpt.exists():
                try:
                    epoch = load_checkpoint(ckpt)["epoch"]
                except CheckpointError as e:  # never a half-written file
                    pytest.fail(f"a reader saw a broken checkpoint: {e}")
                first = epoch if first is None else first
                if epoch >= first + 3:  # a few more epochs (and saves) ran
                    break
            time.sleep(0.02)
        assert proc.poll() is None, proc.stderr.read().decode()
        assert first is not None, "no checkpoint within 60 s"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    loaded = load_checkpoint(ckpt)
    assert loaded["epoch"] >= first + 3
    assert [r["epoch"] for r in loaded["history"]] == list(range(1, loaded["epoch"] + 1))
    # the killed run's lock file stays, and blocks nothing: the next run takes it over (files.OutputLock)
    assert set(os.listdir(tmp_path)) - set(temp_files(tmp_path)) == {"long.yaml", "long.json", ".long.json.lock"}


def test_killed_between_write_and_rename(tmp_path):
    # a writer killed after writing its temporary file and before renaming it: the old
    # checkpoint is untouched, the temp file is never read, and the next save removes it
    cfg = write(tmp_path, "c.yaml", SHUFFLED)
    config = load_config(cfg)
    ds = load_dataset(config["data"], config["seed"])
    t = training.Trainer(config, ds)
    next(t.run())
    ckpt = tmp_path / "m.json"
    save_checkpoint(ckpt, **t.checkpoint())
    before = ckpt.read_bytes()
    next(t.run())
    script = ("import json, os, sys, time\n"
              "from mgrad_cli.training.checkpoint import save_checkpoint\n"
              "os.replace = lambda a, b: (print('written', flush=True), time.sleep(60))\n"
              "save_checkpoint(sys.argv[1], **json.loads(sys.stdin.read()))\n")
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-c", script, str(ckpt)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, env=env)
    proc.stdin.write(json.dumps(t.checkpoint()).encode())
    proc.stdin.close()
    assert proc.stdout.readline() == b"written\n"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stale = temp_files(tmp_path)
    assert len(stale) == 1 and stale[0].startswith(f".m.json.{proc.pid}.")
    assert ckpt.read_bytes() == before and load_checkpoint(ckpt)["epoch"] == 1
    save_checkpoint(ckpt, **t.checkpoint())
    assert temp_files(tmp_path) == []
    assert load_checkpoint(ckpt)["epoch"] == 2


def test_ctrl_c_mid_epoch_saves_a_checkpoint_that_resumes_exactly(run, tmp_path):
    # 18 training samples in batches of 5: 4 batches an epoch; stop in the middle of epoch 3
    cfg = write(tmp_path, "c.yaml", SHUFFLED)
    whole, cut = tmp_path / "whole.json", tmp_path / "cut.json"
    assert run("train", cfg, "--save", whole, "-q").exit_code == 0
    with ctrl_c_at_step(10):
        result = run("train", cfg, "--save", cut, "-q")
    assert result.exit_code == 130
    assert "Interrupted after 2 of 6 epochs" in result.output
    assert load_checkpoint(cut)["epoch"] == 2
    assert run("train", cfg, "--resume", cut, "-q").exit_code == 0
    one, two = load_checkpoint(whole), load_checkpoint(cut)
    assert two["weights"] == one["weights"]
    assert without_timing(two) == without_timing(one)


# --- a checkpoint that cannot be written: one line, exit 2 -----------------------------------

@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc (a directory nobody can create files in)")
def test_an_unwritable_save_destination_is_refused_before_training(run):
    result = run("train", config_path("tiny"), "--save", "/proc/t.json")
    assert (result.exit_code, result.output) == (2, "Error: cannot write /proc/t.json: No such file or directory\n")


def test_a_failed_checkpoint_write_is_one_line(tmp_path, monkeypatch):
    config = load_config(write(tmp_path, "c.yaml", SHUFFLED))
    t = training.Trainer(config, load_dataset(config["data"], config["seed"]))
    next(t.run())

    def full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(UserInputError) as e:
        save_checkpoint(tmp_path / "m.json", **t.checkpoint())
    assert str(e.value) == f"cannot write {tmp_path / 'm.json'}: No space left on device"
    assert temp_files(tmp_path) == []


@pytest.mark.parametrize("field, value, message", [
    ("optimizer", {"name": "adam", "m": [0.0] * 17, "v": [0.0] * 17}, "optimizer state has no 't'"),
    ("optimizer", {"name": "adam", "t": 3, "v": [0.0] * 17}, "optimizer state has no 'm'"),
    ("optimizer", {"name": "adam", "t": "x", "m": [0.0] * 17, "v": [0.0] * 17},
     "optimizer state 't' is 'x', not a number of updates"),
    ("optimizer", {"name": "adam", "t": 3, "m": ["a"] * 17, "v": [0.0] * 17},
     "optimizer state 'm' is not a list of numbers"),
    ("optimizer", [1, 2], "optimizer state is not a mapping"),
    ("rng", {"bit_generator": "PCG64", "state": {"state": 1}},
     "batch-order RNG state (rng) is damaged: no 'inc'"),
    ("rng", {"bit_generator": "PCG64"}, "batch-order RNG state (rng) is damaged: no 'state'"),
    ("rng", "x", "batch-order RNG state (rng) is damaged: state must be a dict"),
])
def test_resume_with_a_damaged_state_names_the_field(tmp_path, field, value, message):
    config = load_config(write(tmp_path, "c.yaml", SHUFFLED))
    ds = load_dataset(config["data"], config["seed"])
    t = training.Trainer(config, ds)
    next(t.run())
    ckpt = dict(t.checkpoint(), **{field: value})
    with pytest.raises(CheckpointError) as e:
        training.Trainer(config, ds).resume(ckpt, "m.json")
    assert str(e.value) == f"m.json: cannot resume from this checkpoint: {message}"


# --- any engine's checkpoint on any other --------------------------------------------------------

@pytest.mark.parametrize("first, then", [("torch", "tensor"), ("tensor", "torch"), ("torch", "scalar")])
def test_a_checkpoint_resumes_on_another_engine_as_one_run(run, tmp_path, torch, first, then):
    """3 epochs on one engine, 3 more on another: the 6 epochs of one run on the second."""
    cfg = write(tmp_path, "c.yaml", SHUFFLED)  # adam's moments, shuffled minibatches, a test split
    whole, half = tmp_path / "whole.json", tmp_path / "half.json"
    assert run("train", cfg, "--engine", then, "--save", whole, "-q", "--threads", "1").exit_code == 0
    assert run("train", cfg, "--engine", first, "--epochs", "3", "--save", half, "-q", "--threads", "1").exit_code == 0
    result = run("train", cfg, "--engine", then, "--resume", half, "-q", "--threads", "1")
    assert result.exit_code == 0, result.output
    one, two = load_checkpoint(whole), load_checkpoint(half)
    assert two["config"]["engine"] == then and two["epoch"] == 6
    np.testing.assert_allclose(two["weights"], one["weights"], rtol=1e-9, atol=1e-12)
    for key in ("m", "v"):
        np.testing.assert_allclose(two["optimizer"][key], one["optimizer"][key], rtol=1e-9, atol=1e-15)
    assert two["optimizer"]["t"] == one["optimizer"]["t"] and two["rng"] == one["rng"]
    np.testing.assert_allclose([r["loss"] for r in two["history"]], [r["loss"] for r in one["history"]], rtol=1e-9)


def test_a_torch_checkpoint_predicts_evaluates_and_plots_without_pytorch(run, tmp_path, torch, matplotlib, monkeypatch):
    """Without PyTorch, a model the torch engine trained runs on the tensor engine: the same numbers."""
    model = tmp_path / "xor.json"
    assert run("train", config_path("xor"), "--engine", "torch", "--epochs", "5", "--save", model, "-q").exit_code == 0
    asked = [("predict", model, "-i", "0.5,-0.5", "-i", "-1,1", "--json"), ("eval", model, "--json")]
    with_torch = [json.loads(run(*args).stdout) for args in asked]
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` raises ImportError
    without = [run(*args) for args in asked]
    assert all(r.exit_code == 0 for r in without), [r.output for r in without]
    predicted, evaluated = (json.loads(r.stdout) for r in without)
    for a, b in zip(predicted["predictions"], with_torch[0]["predictions"]):
        assert a["prediction"] == b["prediction"]
        np.testing.assert_allclose(a["outputs"], b["outputs"], rtol=1e-12)
    assert evaluated["accuracy"] == with_torch[1]["accuracy"]
    assert evaluated["loss"] == pytest.approx(with_torch[1]["loss"], rel=1e-12)
    result = run("plot", model, "-o", tmp_path / "xor.png")
    assert result.exit_code == 0, result.output
    result = run("train", config_path("xor"), "--engine", "torch", "--resume", model, "-q")
    assert result.exit_code == 2  # training on the torch engine does need it
    assert result.stderr.startswith("Error: the torch engine needs PyTorch, an optional extra")
