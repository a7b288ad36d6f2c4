"""`mgrad sweep`: the plan checked before any run, the runs as lone `mgrad train` processes
(bit for bit), the summary files, the results table, divergence and interruption."""

import csv
import io
import json
import os
import signal
import statistics
import subprocess
import sys
import time

import numpy as np
import pytest
from rich.console import Console

from mgrad_cli.cli import results as tables
from mgrad_cli.cli.commands.sweep import default_out
from mgrad_cli.cli.threads import cores
from mgrad_cli.numbers import plural
from mgrad_cli.experiments import grid, runs, sweep
from mgrad_cli.training.checkpoint import load_checkpoint

from conftest import REPO, write

# xor with a learning rate that diverges at epoch 6 (lr 10) and one that does not (0.1)
DIVERGES = ("data: {name: xor, n_samples: 20}\nmodel: {layers: [8, 1], activation: relu}\n"
            "loss: mse\noptimizer: {name: sgd, lr: 10}\nepochs: 12\n")


# --- the plan: checked before any run ---------------------------------------------------

def test_every_combination_in_order_the_last_grid_fastest():
    grids = grid.parse_grids(["optimizer.lr=0.1,0.01", "model.layers=[4,1],[8,1]"])
    plan = grid.plan("xor", grids, seeds=None)
    assert [(r.config["optimizer"]["lr"], r.config["model"]["layers"]) for r in plan] == [
        (0.1, [4, 1]), (0.1, [8, 1]), (0.01, [4, 1]), (0.01, [8, 1])]
    assert [r.name for r in plan] == ["0-lr=0.1-layers=4_1", "1-lr=0.1-layers=8_1", "2-lr=0.01-layers=4_1",
                                      "3-lr=0.01-layers=8_1"]
    assert [f"{o.key}={o.text}" for o in plan[1].sets] == ["optimizer.lr=0.1", "model.layers=[8,1]"]


def test_seeds_repeat_each_combination_from_the_configs_seed():
    plan = grid.plan("moons", grid.parse_grids(["model.activation=relu,tanh"]), seeds=3)
    assert [(r.combination, r.config["seed"]) for r in plan] == [(0, 1337), (0, 1338), (0, 1339),
                                                                 (1, 1337), (1, 1338), (1, 1339)]
    assert plan[4].name == "4-activation=tanh-seed=1338"


def test_labels_are_short_unless_two_keys_end_alike():
    assert grid.labels(["optimizer.lr", "model.activation"]) == ["lr", "activation"]
    assert grid.labels(["optimizer.name", "loss.name", "epochs"]) == ["optimizer.name", "loss.name", "epochs"]


@pytest.mark.parametrize("args, message", [
    (["--grid", "model.activation=relu,relux"],
     "--grid model.activation=relux: expected one of tanh, relu, sigmoid, linear, got 'relux' (did you mean "
     "'relu'?)"),
    # each value is fine alone; one combination is not
    (["--grid", "loss=bce,mse", "--grid", "model.output=linear,tanh"],
     "--grid model.output=tanh: the bce loss applies the sigmoid itself and needs a linear output, got tanh "
     "(in the run with loss=bce, model.output=tanh)"),
    (["--grid", "model.layers=[4,1],[4,3]"],
     "xor: model.layers[1]: bce needs 1 output unit (the score), got 3 (in the run with model.layers=[4,3])"),
    (["--grid", "optimizer.lr=0.1", "--grid", "optimizer.lr=0.2"],
     "--grid optimizer.lr: given twice; list every value in one --grid optimizer.lr=V1,V2,..."),
    (["--grid", "seed=1,2", "--seeds", "2"],
     "--seeds repeats each combination with its own seeds; drop --grid seed, or --seeds"),
    (["--grid", "lr"], "--grid: expected KEY=VALUE1,VALUE2,... with KEY a dotted path such as optimizer.lr, "
                       "got 'lr'"),
    (["--set", "epochs=0"], "--set epochs=0: expected a positive integer, got 0"),
])
def test_a_bad_combination_exits_2_before_any_run(run, tmp_path, args, message):
    out = tmp_path / "out"
    result = run("sweep", "xor", "--out", out, *args)
    assert (result.exit_code, result.stderr) == (2, f"Error: {message}\n")
    assert not out.exists()


def test_a_non_empty_output_folder_is_refused(run, tmp_path):
    write(tmp_path, "keep.txt", "mine")
    result = run("sweep", "xor", "--grid", "epochs=1,2", "--out", tmp_path)
    assert (result.exit_code, result.stderr) == (2, f"Error: {tmp_path}: the folder is not empty; name a new one "
                                                    f"with --out\n")
    assert os.listdir(tmp_path) == ["keep.txt"]
    file = write(tmp_path, "f", "")
    result = run("sweep", "xor", "--out", file)
    assert result.exit_code == 2 and "exists and is not a folder" in result.stderr


def test_the_default_output_folder_is_named_by_config_and_time():
    assert default_out("configs/moons.yaml").startswith(os.path.join("sweeps", "moons-"))
    name = os.path.basename(default_out("moons"))
    assert len(name) == len("moons-YYYYmmdd-HHMMSS") and name[6:14].isdigit() and name[15:].isdigit()
    assert os.path.basename(default_out("a b/[x].yaml")).startswith("x-")


# --- processes, threads, memory -----------------------------------------------------------

def planned(*memory):
    return [grid.RunPlan(i, i, (), None, [], memory=m) for i, m in enumerate(memory)]


def test_runs_at_once_are_capped_by_the_runs_and_the_memory_bound():
    assert sweep.jobs_for(planned(10, 10, 10), 8, (100, "test")) == (3, None)
    assert sweep.jobs_for(planned(10, 10, 10), 2, (100, "test")) == (2, None)
    n, why = sweep.jobs_for(planned(40, 30, 20, 10), 4, (75, "a test bound"))
    assert n == 2  # the two largest (40 + 30) fit, three (90) do not
    assert why == "4 runs at once would need about 100 bytes of memory, more than the 75 bytes this sweep may " \
                  "use (a test bound)"
    assert sweep.jobs_for(planned(40, 40), 2, (10, "x"))[0] == 1  # one run always goes (its own check passed)


@pytest.mark.parametrize("jobs, cores, threads", [(1, 8, 8), (2, 8, 4), (3, 8, 2), (8, 8, 1), (16, 8, 1),
                                                  (2, 1, 1)])
def test_each_run_gets_its_share_of_the_cores(jobs, cores, threads):
    assert sweep.threads_for(jobs, cores) == threads


def test_a_run_is_the_train_command_with_its_sets():
    run = grid.plan("xor", grid.parse_grids(["model.layers=[4, 1]"]), sets=[])[0]
    argv = sweep.train_argv("xor", run, 3, "out/0")
    assert argv[:2] == [sys.executable, "-m"]
    assert argv[2:] == ["mgrad_cli", "train", "xor", "--set", "model.layers=[4, 1]", "--threads", "3", "--save",
                        os.path.join("out/0", "model.json"), "--log", os.path.join("out/0", "log.jsonl"), "-q",
                        "--no-chart"]


# --- the summary and the table ------------------------------------------------------------

ROWS = [
    {"run": 0, "folder": "0-lr=0.1", "optimizer.lr": 0.1, "status": "ok", "epochs": 5, "loss": 0.3,
     "best_loss": 0.2, "val_loss": 0.5, "best_val_loss": 0.4, "val_acc": 0.9, "seconds": 1.5},
    {"run": 1, "folder": "1-lr=10", "optimizer.lr": 10.0, "status": "diverged", "epochs": 2, "loss": 1e30,
     "best_loss": 2.0, "val_loss": 3.0, "best_val_loss": 0.1, "val_acc": 0.5, "seconds": 0.5},
    {"run": 2, "folder": "2-lr=0.01", "optimizer.lr": 0.01, "status": "ok", "epochs": 5, "loss": 0.25,
     "best_loss": 0.25, "val_loss": 0.35, "best_val_loss": 0.3, "val_acc": 0.95, "seconds": 2.0},
]


def test_runs_are_ranked_by_best_validation_loss_with_a_diverged_one_last():
    split = runs.primary_split(ROWS)
    assert split == "val"
    assert [r["run"] for r in sorted(ROWS, key=runs.rank_key(split))] == [2, 0, 1]
    assert runs.primary_split([{"best_test_loss": 1}]) == "test" and runs.primary_split([{}]) == "train"


def test_the_summary_files_hold_a_row_per_run(tmp_path):
    csv_path, jsonl_path = runs.write_summary(tmp_path, ROWS, ["run", "folder", "optimizer.lr"])
    rows = list(csv.DictReader(open(csv_path)))
    assert list(rows[0]) == ["run", "folder", "optimizer.lr", "status", "epochs", "loss", "best_loss", "val_loss",
                             "best_val_loss", "val_acc", "seconds"]
    assert [r["status"] for r in rows] == ["ok", "diverged", "ok"] and rows[1]["optimizer.lr"] == "10.0"
    lines = [json.loads(line) for line in open(jsonl_path)]
    assert lines[0] == {k: ROWS[0][k] for k in lines[0]} and len(lines) == 3


def test_outcome_is_the_last_and_best_of_the_log():
    history = [{"epoch": 1, "loss": 0.5, "test_loss": 0.7, "train_acc": 0.5, "test_acc": None, "val_loss": None},
               {"epoch": 2, "loss": 0.4, "test_loss": 0.6, "train_acc": 0.75, "test_acc": 0.9, "val_loss": None},
               {"epoch": 3, "loss": 0.45, "test_loss": 0.65, "train_acc": 0.7, "test_acc": 0.8, "val_loss": None}]
    assert runs.outcome(history) == {"epochs": 3, "loss": 0.45, "best_loss": 0.4, "test_loss": 0.65,
                                     "best_test_loss": 0.6, "train_acc": 0.7, "test_acc": 0.8}
    assert runs.outcome([]) == {"epochs": 0}


def test_statistics_over_seeds_use_the_sample_standard_deviation():
    rows = [{"status": "ok", "best_val_loss": v} for v in (0.1, 0.2, 0.4)] + [
        {"status": "diverged", "best_val_loss": 9.0}]
    stats = runs.seed_statistics(rows, ["best_val_loss", "val_acc"])
    assert stats == {"best_val_loss": {"n": 3, "mean": statistics.fmean([0.1, 0.2, 0.4]),
                                       "std": statistics.stdev([0.1, 0.2, 0.4]), "min": 0.1, "max": 0.4}}
    assert stats["best_val_loss"]["std"] == pytest.approx(np.std([0.1, 0.2, 0.4], ddof=1))
    assert runs.seed_statistics(rows[:1], ["best_val_loss"])["best_val_loss"]["std"] is None


def render(table, width):
    console = Console(file=io.StringIO(), width=width, no_color=True, highlight=False)
    console.print(table)
    return console.file.getvalue()


def three_keys(n=4):
    keys = ["optimizer.lr", "model.activation", "model.layers"]
    rows = [{"run": i, "optimizer.lr": 0.001 * (i + 1), "model.activation": "sigmoid",
             "model.layers": [128, 128, 64, 10], "status": "ok" if i else "diverged", "epochs": 100 - i,
             "best_val_loss": 1.23456789e-5 * (i + 1), "val_acc": 0.987, "test_acc": 0.5,
             "best_test_loss": 0.1, "seconds": 3725.0} for i in range(n)]
    return keys, rows


@pytest.mark.parametrize("width", [80, 100])
def test_the_table_fits_80_columns_for_three_keys_with_numbers_whole(width):
    keys, rows = three_keys()
    text = render(tables.sweep_table(rows, keys, grid.labels(keys), "val", width), width)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    assert lines[1].split()[:2] == ["#", "lr"] and lines[1].split()[-6:] == ["status", "epochs", "loss", "acc",
                                                                             "acc", "time"]
    assert lines[0].split() == ["best", "val", "val", "test"]  # the long headers wrap: the numbers stay whole
    assert "diverged     100  1.235e-05  98.7%  50.0%  62 min 05 s" in lines[3]
    assert ("[128, 128, 64, 10]" in text) == (width == 100)  # cut to fit at 80 only
    assert ("activation" in text) == (width == 100)


def test_more_keys_are_abbreviated_to_fit():
    keys, rows = three_keys()
    keys = keys + ["loss.l2", "data.noise"]
    for r in rows:
        r.update({"loss.l2": 0.0001, "data.noise": 0.25, "seconds": 12.5})
    text = render(tables.sweep_table(rows, keys, grid.labels(keys), "val", 80), 80)
    assert max(len(line) for line in text.splitlines()) <= 80 and "…" in text and "1.235e-05" in text


def test_values_from_data_are_shown_as_they_are():
    rows = [dict(ROWS[0], **{"data.target": "[red]x[/red]"})]
    text = render(tables.sweep_table(rows, ["data.target"], ["target"], "val", 80), 80)
    assert "[red]x[/red]" in text


# --- end to end: processes ----------------------------------------------------------------

@pytest.fixture(scope="module")
def diverging_sweep(tmp_path_factory):
    """A sweep of two runs at once, one of which diverges: (result, out folder, config)."""
    from click.testing import CliRunner

    from mgrad_cli.cli.app import cli

    folder = tmp_path_factory.mktemp("sweep")
    cfg = write(folder, "div.yaml", DIVERGES)
    out = folder / "out"
    result = CliRunner().invoke(cli, ["sweep", str(cfg), "--grid", "optimizer.lr=10,0.1", "--set",
                                      "batch_size=8", "--jobs", "2", "--out", str(out)],
                                env={"COLUMNS": "80", "NO_COLOR": "1"})
    return result, out, cfg


@pytest.mark.slow
def test_a_diverged_run_is_a_row_and_the_sweep_exits_1(diverging_sweep):
    result, out, _ = diverging_sweep
    assert result.exit_code == 1, result.output
    rows = [json.loads(line) for line in open(out / "summary.jsonl")]
    assert [(r["run"], r["optimizer.lr"], r["status"]) for r in rows] == [(0, 10, "diverged"), (1, 0.1, "ok")]
    assert rows[1]["epochs"] == 12 and rows[0]["epochs"] < 12
    table = result.stdout.splitlines()
    assert table[0].split()[:3] == ["#", "lr", "status"] and table[2].split()[:3] == ["1", "0.1", "ok"]
    assert table[3].split()[:3] == ["0", "10", "diverged"]  # last
    assert f"1 of 2 runs finished.\nSummary written to {out / 'summary.csv'} and summary.jsonl.\n" in result.stdout
    assert "Run 0-lr=10 diverged: the loss became inf at epoch" in result.stdout
    # the run's error, wrapped at 80 columns in its output, is read back whole
    error = json.loads((out / "0-lr=10" / "run.json").read_text())["error"]
    assert error.startswith("the loss became inf at epoch") and error.endswith("try a lower learning rate, e.g. --lr 1")
    assert "try a lower learning rate, e.g. --lr 1" in " ".join(result.stdout.split())
    assert max(len(line) for line in result.stdout.splitlines() if str(out) not in line) <= 80
    assert not [line for line in result.stdout.splitlines() + result.stderr.splitlines() if line.endswith(" ")]
    progress = [line for line in result.stderr.splitlines() if line.startswith("[")]
    assert result.stderr.startswith("Sweeping ") and "2 at a time with" in " ".join(result.stderr.split())
    assert len(progress) == 2 and {line.split(":")[0][6:] for line in progress} == {"0-lr=10", "1-lr=0.1"}


@pytest.mark.slow
def test_each_run_folder_holds_its_config_log_checkpoint_and_threads(diverging_sweep):
    _, out, _ = diverging_sweep
    folder = out / "1-lr=0.1"
    assert sorted(os.listdir(folder)) == ["config.yaml", "log.jsonl", "model.json", "output.txt", "run.json"]
    info = json.loads((folder / "run.json").read_text())
    assert info["threads"] == max(1, cores() // 2)  # two runs at once share the cores
    assert (info["status"], info["exit_code"], info["values"]) == ("ok", 0, {"optimizer.lr": 0.1})
    assert info["command"].startswith("mgrad train ") and "--set optimizer.lr=0.1" in info["command"]
    assert len((folder / "log.jsonl").read_text().splitlines()) == 12  # one record per epoch
    ckpt = load_checkpoint(folder / "model.json")
    assert ckpt["config"]["optimizer"]["lr"] == 0.1
    assert ckpt["overrides"] == ["--set batch_size=8", "--set optimizer.lr=0.1"]


@pytest.mark.slow
def test_a_sweep_run_equals_the_train_command_alone_bit_for_bit(diverging_sweep, tmp_path):
    _, out, cfg = diverging_sweep
    threads = json.loads((out / "1-lr=0.1" / "run.json").read_text())["threads"]
    alone = tmp_path / "alone.json"
    subprocess.run([sys.executable, "-m", "mgrad_cli", "train", str(cfg), "--set", "batch_size=8", "--set",
                    "optimizer.lr=0.1", "--threads", str(threads), "--save", str(alone), "-q"], check=True,
                   cwd=REPO, capture_output=True)
    swept, lone = load_checkpoint(out / "1-lr=0.1" / "model.json"), load_checkpoint(alone)
    assert swept["weights"] == lone["weights"]  # the same floats, not close ones
    assert [{k: v for k, v in r.items()} for r in swept["history"]] == lone["history"]
    assert swept["config"] == lone["config"]


def start_sweep(tmp_path, *args, env=None):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "mgrad_cli", "sweep", "xor", "--set", "engine=tensor",
                             "--out", str(out), *args], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ, COLUMNS="80", NO_COLOR="1", **(env or {})))
    return proc, out


def wait_for_line(proc, prefix, timeout=60):
    deadline, lines = time.time() + timeout, []
    while time.time() < deadline:
        line = proc.stderr.readline()
        lines.append(line)
        if line.startswith(prefix):
            return lines
    raise AssertionError(f"no line {prefix!r} in {lines}")


@pytest.mark.slow
@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_sweep_keeps_what_finished_and_writes_the_summary(tmp_path, signum, status):
    proc, out = start_sweep(tmp_path, "--grid", "epochs=2,1000000,3", "--jobs", "1")
    wait_for_line(proc, "[1/3]")
    for _ in range(200):  # until the long run has trained an epoch
        if (out / "1-epochs=1000000" / "log.jsonl").is_file() and (out / "1-epochs=1000000" / "log.jsonl").stat().st_size:
            break
        time.sleep(0.05)
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == status, stderr
    assert stderr.endswith("Interrupted.\n" if signum == signal.SIGINT else "Terminated.\n")
    rows = [json.loads(line) for line in open(out / "summary.jsonl")]
    assert [(r["epochs"], r["status"]) for r in rows][0] == (2, "ok")
    assert rows[1]["status"] == "interrupted" and 0 < rows[1]["epochs"] < 1000000 and len(rows) == 2
    assert sorted(os.listdir(out)) == ["0-epochs=2", "1-epochs=1000000", "summary.csv", "summary.jsonl"]
    saved = load_checkpoint(out / "1-epochs=1000000" / "model.json")  # it saved what it reached
    # (train's own race: a signal between an epoch's end and its log line leaves the log one behind)
    assert saved["epoch"] - rows[1]["epochs"] in (0, 1)
    assert "1 of 2 runs finished." in stdout


@pytest.mark.slow
def test_seeds_and_a_memory_bound_that_holds_one_run_at_a_time(tmp_path):
    from mgrad_cli import limits
    from mgrad_cli.training.config import load_config
    from mgrad_cli.data import datasets

    config = load_config("xor", {"engine": "tensor", "epochs": 2})
    one = sum(c.nbytes for c in limits.training_costs(config, *datasets.builtin_shape(config["data"])))
    proc, out = start_sweep(tmp_path, "--set", "epochs=2", "--grid", "model.activation=relu,tanh", "--seeds", "2",
                            "--jobs", "2", env={"MGRAD_MAX_MEMORY": str(int(one * 1.5))})
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    said = " ".join(stderr.split())  # sentences wrapped at 80 columns
    assert said.startswith(f"Running 1 run at a time, not 2: 2 runs at once would need about "
                           f"{limits.format_bytes(2 * one)} of memory, more than the "
                           f"{limits.format_bytes(int(one * 1.5))} this sweep may use (set by MGRAD_MAX_MEMORY). ")
    assert f"4 runs, 1 at a time with {plural(cores(), 'thread')} each" in said
    assert max(len(line) for line in stderr.splitlines() if str(out) not in line) <= 80
    lines = stdout.splitlines()
    assert lines[0].startswith("Over seeds 0 to 1: the best test loss")
    assert lines[2].split() == ["activation", "runs", "mean", "std", "min", "max", "test", "acc"]
    rows = [json.loads(line) for line in open(out / "summary.jsonl")]
    assert [(r["model.activation"], r["seed"]) for r in rows] == [("relu", 0), ("relu", 1), ("tanh", 0),
                                                                  ("tanh", 1)]
    relu = [r["best_test_loss"] for r in rows[:2]]
    row = next(line for line in lines if line.startswith("relu"))
    assert row.split()[1:6] == ["2/2", tables.loss(statistics.fmean(relu)), tables.loss(statistics.stdev(relu)),
                                tables.loss(min(relu)), tables.loss(max(relu))]


def test_a_config_that_cannot_be_read_is_one_line(run, tmp_path):
    result = run("sweep", tmp_path / "none.yaml", "--grid", "epochs=1,2")
    assert result.exit_code == 2 and result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1


def test_a_grid_past_the_limit_is_refused_at_once(run, tmp_path):
    values = ",".join(str(i) for i in range(1, 102))
    result = run("sweep", "xor", "--grid", f"epochs={values}", "--grid", f"seed={values}", "--out", tmp_path / "o")
    assert (result.exit_code, result.stderr) == (2, "Error: --grid: 10,201 runs, more than the limit of 10,000; "
                                                    "sweep fewer values\n")


def test_a_log_cut_short_by_a_kill_keeps_its_whole_lines(tmp_path):
    path = write(tmp_path, "log.jsonl", '{"epoch": 1, "loss": 0.5}\n{"epoch": 2, "loss": 0.4}\n{"epoch": 3, "lo')
    assert [r["epoch"] for r in runs.read_log(path, partial=True)] == [1, 2]
    with pytest.raises(Exception) as e:
        runs.read_log(path)
    assert str(e.value) == f"{path}, line 3: not a log record (not valid JSON: Unterminated string starting at: " \
                           f"column 14)"


def test_runs_see_the_environment_a_lone_mgrad_would():
    from mgrad_cli.cli.threads import THREAD_VARIABLES, lone_environment

    set_by_mgrad = {var: "1" for var in THREAD_VARIABLES}
    assert lone_environment(dict(set_by_mgrad, HOME="/h"), held_to_one=True) == {"HOME": "/h"}
    assert lone_environment(dict(set_by_mgrad), held_to_one=False) == set_by_mgrad  # the user's own: kept
    env = sweep._environment({"PYTHONPATH": "/elsewhere"})
    assert env["PYTHONPATH"] == os.pathsep.join([str(REPO), "/elsewhere"])  # this mgrad first


@pytest.mark.slow
@pytest.mark.parametrize("width", [80, 100])
def test_what_the_sweep_says_wraps_without_trailing_spaces(run, tmp_path, monkeypatch, width):
    monkeypatch.chdir(tmp_path)
    result = run("sweep", "xor", "--grid", "optimizer.lr=0.1,0.5", "--grid", "model.activation=relu,tanh",
                 "--set", "epochs=1", "--jobs", "4", "--out", "out", env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    said = result.stdout.splitlines() + result.stderr.splitlines()
    assert max(len(line) for line in said) <= width
    assert not [line for line in said if line != line.rstrip()]
    assert " ".join(result.stderr.split()).startswith(
        "Sweeping xor (optimizer.lr × model.activation): 4 runs, 4 at a time with")


@pytest.mark.slow
@pytest.mark.parametrize("width", [80, 100])
def test_no_line_ends_in_spaces_when_the_tables_headers_wrap(run, tmp_path, monkeypatch, width):
    """rich pads every cell, the empty ones above a header that wraps onto two lines too."""
    monkeypatch.chdir(tmp_path)
    result = run("sweep", "xor", "--grid", "model.layers=[16,16,16,16,16,16,16,16,16,16,16,16,1],[4,1]",
                 "--grid", "optimizer.lr=0.0123456789", "--grid", "model.activation=sigmoid", "--set", "epochs=1",
                 "--jobs", "2", "--out", "out", env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["best"] and lines[1].split() == ["test", "test"]  # wrapped onto three lines
    said = lines + result.stderr.splitlines()
    assert max(len(line) for line in said) <= width
    assert not [line for line in said if line != line.rstrip()]


def pets(folder):
    """Cats and dogs by weight (4-20) and height (25-55): far from unit scale."""
    rows = [f"{4 + (i * 7) % 16},{25 + (i * 11) % 30},{'dog' if i % 2 else 'cat'}" for i in range(40)]
    write(folder, "pets.csv", "weight,height,kind\n" + "\n".join(rows) + "\n")
    return write(folder, "pets.yaml", "data: {csv: pets.csv}\nepochs: 1\nengine: tensor\n")


@pytest.mark.slow
def test_unscaled_data_gets_trains_hint_once_before_the_runs(run, tmp_path):
    cfg = pets(tmp_path)
    hint = ("Hint: inputs are far from unit scale (height: mean 39, std 8.7; weight: mean 11, std 4.7); set "
            "data.standardize: true")
    assert run("train", cfg, "-q").stderr.splitlines()[0] == hint  # what train says as it starts
    result = run("sweep", cfg, "--grid", "optimizer.lr=0.1,0.2", "--jobs", "2", "--out", tmp_path / "a")
    assert result.exit_code == 0, result.output
    said = result.stderr.splitlines()
    assert result.output.count("Hint") == 1 and said[1] == hint  # after the intro, before any run ends
    assert said[2].startswith("[1/2] ")
    assert "Hint" in (tmp_path / "a" / "0-lr=0.1" / "output.txt").read_text()  # as the run said it
    result = run("sweep", cfg, "--grid", "data.standardize=false,true", "-q", "--out", tmp_path / "b")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [hint.replace("Hint:", "Hint (1 of 2 runs):")]  # with -q, as train


def test_the_suggested_compare_can_be_pasted_into_a_shell(run, tmp_path, monkeypatch):
    """A folder with a space and brackets is quoted in the command the sweep suggests."""
    monkeypatch.chdir(tmp_path)
    result = run("sweep", "xor", "--grid", "epochs=1", "--jobs", "1", "--out", "my runs[2]")
    assert result.exit_code == 0, result.output
    assert "Their curves, overlaid: mgrad compare 'my runs[2]'\n" in result.stdout
