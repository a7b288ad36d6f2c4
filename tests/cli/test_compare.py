"""`mgrad compare RUN...`: checkpoints, logs, run folders and sweep folders side by side,
as a table of what differs and of the numbers, and as their loss curves overlaid."""

import json
import os
import re

import pytest

from mgrad_cli.cli import results as tables
from mgrad_cli.experiments import compare

from conftest import need_module, write


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Two short xor runs that differ in lr and activation, each saved as a checkpoint and
    a log, and laid out as a sweep's run folders too."""
    from click.testing import CliRunner

    from mgrad_cli.cli.app import cli

    folder = tmp_path_factory.mktemp("runs")
    for name, sets in (("a", ["optimizer.lr=0.05", "model.activation=relu"]),
                       ("b", ["optimizer.lr=0.2", "model.activation=tanh"])):
        run_folder = folder / "sweep" / f"{'0' if name == 'a' else '1'}-{name}"
        run_folder.mkdir(parents=True)
        args = ["train", "xor", "--epochs", "4", "-q", "--save", str(run_folder / "model.json"),
                "--log", str(run_folder / "log.jsonl")]
        for item in sets:
            args += ["--set", item]
        assert CliRunner().invoke(cli, args).exit_code == 0
        (folder / f"{name}.json").write_bytes((run_folder / "model.json").read_bytes())
        (folder / f"{name}.jsonl").write_bytes((run_folder / "log.jsonl").read_bytes())
    return folder


def compare_output(run, *args, columns="80"):
    result = run("compare", *args, env={"COLUMNS": columns})
    return result, result.stdout.splitlines()


@pytest.mark.parametrize("columns", ["80", "100"])
def test_two_checkpoints_a_row_each_with_what_differs(run, trained, columns):
    result, lines = compare_output(run, trained / "a.json", trained / "b.json", columns=columns)
    assert result.exit_code == 0, result.output
    assert lines[0] == "Comparing 2 runs; their configs differ in model.activation, optimizer.lr."
    assert lines[1].split() == ["run", "activation", "lr", "test", "loss", "best", "test", "loss", "test", "acc"]
    a = json.loads(open(trained / "a.jsonl").read().splitlines()[-1])
    assert lines[3].split()[:4] == ["•1", "a.json", "relu", "0.05"]
    assert lines[3].split()[4] == tables.loss(a["test_loss"])
    assert lines[4].split()[:4] == ["×2", "b.json", "tanh", "0.2"]
    assert max(len(line) for line in lines) <= int(columns)


def test_the_chart_overlays_the_curves_with_each_runs_glyph(run, trained):
    result, lines = compare_output(run, trained / "a.json", trained / "b.json")
    chart = lines[lines.index(next(line for line in lines if line.startswith("test loss"))):]
    assert chart[0] == "test loss  •• 1  ×× 2"
    assert len(chart) == 13 and any("•" in line for line in chart[1:]) and any("×" in line for line in chart[1:])
    assert chart[-1].split() == ["1", "2", "3", "4"]  # the epochs
    result, lines = compare_output(run, trained / "a.json", trained / "b.json", "--no-chart")
    assert not any(line.startswith("test loss") for line in lines)


def test_a_log_has_no_config_to_compare(run, trained):
    result, lines = compare_output(run, trained / "a.jsonl", trained / "b.json")
    assert result.exit_code == 0, result.output
    assert lines[0] == "Comparing 2 runs."  # one config known: nothing to set apart
    result, lines = compare_output(run, trained / "a.jsonl", trained / "b.jsonl")
    assert lines[1].split()[:2] == ["run", "test"] and lines[3].split()[1] == "a.jsonl"


def test_a_sweep_folder_gives_each_of_its_runs(run, trained):
    result, lines = compare_output(run, trained / "sweep")
    assert result.exit_code == 0, result.output
    assert [line.split()[1] for line in lines[3:5]] == ["0-a", "1-b"]
    result, lines = compare_output(run, trained / "sweep" / "1-b", trained / "a.json")
    assert [line.split()[1] for line in lines[3:5]] == ["1-b", "a.json"]


def test_the_same_run_twice_is_named_by_its_folder(run, trained, tmp_path):
    other = tmp_path / "other" / "0-a"
    other.mkdir(parents=True)
    (other / "log.jsonl").write_bytes((trained / "a.jsonl").read_bytes())
    records = compare.load_runs([trained / "sweep" / "0-a", other])
    assert [r.name for r in records] == [os.path.join("sweep", "0-a"), os.path.join("other", "0-a")]


def test_a_status_recorded_by_a_sweep_is_shown(run, trained, tmp_path):
    folder = tmp_path / "1-x"
    folder.mkdir()
    (folder / "log.jsonl").write_bytes((trained / "b.jsonl").read_bytes())
    (folder / "run.json").write_text(json.dumps({"status": "diverged"}))
    result, lines = compare_output(run, trained / "a.json", folder)
    assert lines[1].split()[:2] == ["run", "status"]
    assert lines[3].split()[:3] == ["•1", "a.json", "?"] and lines[4].split()[:3] == ["×2", "1-x", "diverged"]


def test_a_run_from_a_gpu_is_compared_where_there_is_none(run, trained, tmp_path, torch):
    folder = tmp_path / "0-gpu"
    folder.mkdir()
    (folder / "log.jsonl").write_bytes((trained / "b.jsonl").read_bytes())
    write(folder, "config.yaml", "data: xor\nengine: torch\ndevice: cuda\nepochs: 4\n")  # the tests see no GPU
    result, lines = compare_output(run, trained / "a.json", folder)
    assert result.exit_code == 0, result.output
    assert any(line.split()[:2] == ["×2", "0-gpu"] for line in lines)


def test_names_from_files_are_shown_as_they_are(run, trained, tmp_path):
    folder = tmp_path / "[red]x"
    folder.mkdir()
    (folder / "log.jsonl").write_bytes((trained / "a.jsonl").read_bytes())
    result, lines = compare_output(run, folder, trained / "b.jsonl")
    assert lines[3].split()[1] == "[red]x"


def test_more_runs_than_glyphs_are_listed_and_the_chart_says_which_it_shows(run, tmp_path):
    paths = []
    for i in range(10):
        paths.append(write(tmp_path, f"r{i}.jsonl", "".join(
            json.dumps({"epoch": e, "loss": 1.0 / (e + i)}) + "\n" for e in range(1, 4))))
    result, lines = compare_output(run, *paths)
    assert result.exit_code == 0, result.output
    assert lines[3].split()[:2] == ["•1", "r0.jsonl"] and lines[12].split()[:2] == ["10", "r9.jsonl"]
    assert lines[-1] == "The chart shows runs 1 to 8 of 10."
    assert any(line.startswith("training loss") for line in lines)


def test_the_figure_is_drawn_with_matplotlib(run, trained, tmp_path):
    need_module("matplotlib")
    png = tmp_path / "compare.png"
    result, lines = compare_output(run, trained / "a.json", trained / "b.json", "-o", png)
    assert result.exit_code == 0, result.output
    assert lines[-1] == f"Curves drawn to {png}." and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = run("compare", trained / "a.json", "-o", tmp_path / "c.jpg")
    assert bad.exit_code == 2 and "expected a file ending in .png or .svg" in bad.stderr


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "none", "{d}/none: no such file or folder"),
    (lambda d: d, "{d}: neither a run folder (with log.jsonl or model.json) nor a sweep folder (with run "
                  "folders)"),
    (lambda d: write(d, "x.jsonl", '{"epoch": 1, "loss": 0.5}\n{"epoch": 2}\n'),
     "{d}/x.jsonl, line 2: not a log record (expected an object with an epoch and a loss, as `mgrad train "
     "--log` writes)"),
    (lambda d: write(d, "x.json", "[1, 2]"), "{d}/x.json: not an mgrad checkpoint (no \"format\": "
                                            "\"mgrad-checkpoint\")"),
])
def test_a_run_that_cannot_be_read_is_one_line(run, tmp_path, make, message):
    path = make(tmp_path)
    result = run("compare", path)
    assert (result.exit_code, result.stderr) == (2, f"Error: {message.format(d=tmp_path)}\n")


def test_differences_are_the_settings_not_the_same_everywhere():
    a = {"seed": 0, "model": {"layers": [4, 1], "activation": "relu"}, "optimizer": {"name": "sgd", "lr": 0.1}}
    b = {"seed": 0, "model": {"layers": [8, 1], "activation": "relu"}, "optimizer": {"name": "adam", "lr": 0.1,
                                                                                     "eps": 1e-8}}
    assert compare.differences([a, b, None]) == ["model.layers", "optimizer.name", "optimizer.eps"]
    assert compare.differences([a, a]) == [] and compare.differences([None]) == []


def test_a_long_list_of_differences_wraps_between_words(run, trained, tmp_path):
    other = tmp_path / "other.json"
    assert run("train", "xor", "--epochs", "3", "-q", "--save", other, "--set", "data.noise=0.1", "--set",
               "data.n_samples=60", "--set", "loss.l2=0.001", "--set", "optimizer=sgd",
               "--set", "model.layers=[4,1]").exit_code == 0
    for columns in ("80", "100"):
        result, lines = compare_output(run, trained / "a.json", other, columns=columns)
        assert result.exit_code == 0, result.output
        heading = lines[:lines.index(next(line for line in lines if line.endswith("."))) + 1]
        assert " ".join(heading).startswith("Comparing 2 runs; their configs differ in data.n_samples, data.noise,")
        assert max(len(line) for line in heading) <= int(columns) and len(heading) >= 2
        assert not [line for line in heading if line != line.rstrip()]


def test_a_run_without_the_tables_split_is_drawn_by_its_training_loss(run, trained, tmp_path):
    """a.json holds out test rows, the other run none: its row shows '-' and, rather than
    leave it off the chart, both are drawn by the loss they share, and a line says why."""
    other = tmp_path / "none.json"
    assert run("train", "xor", "--epochs", "4", "-q", "--set", "data.test_split=0", "--save", other).exit_code == 0
    result, lines = compare_output(run, trained / "a.json", other)
    assert result.exit_code == 0, result.output
    assert lines[1].split()[-7:] == ["test", "loss", "best", "test", "loss", "test", "acc"]
    assert lines[4].split()[-3:] == ["-", "-", "-"]  # the table stays the test split's
    chart = lines[lines.index(next(line for line in lines if line.startswith("training loss"))):]
    assert chart[0] == "training loss  •• 1  ×× 2" and any("×" in line for line in chart[1:-1])
    assert chart[-1] == "Training loss drawn: run 2 has no test loss."
    assert not any(line.startswith("test loss") for line in lines)
    # a run with no epoch at all cannot be drawn: the line under the chart names it
    empty = tmp_path / "0-empty"
    empty.mkdir()
    write(empty, "log.jsonl", "")
    result, lines = compare_output(run, trained / "a.json", trained / "b.json", empty)
    assert result.exit_code == 0, result.output
    assert lines[-1] == "Not drawn: run 3 has no test loss." and lines[-2].split()[0] == "1"


@pytest.mark.parametrize("columns", ["80", "100"])
def test_no_line_ends_in_spaces_when_the_headers_wrap(run, trained, tmp_path, columns):
    """rich pads every cell: the empty ones above a header that wraps too."""
    long = tmp_path / ("a-run-named-at-length-" * 4 + ".json")
    long.write_bytes((trained / "a.json").read_bytes())
    result, lines = compare_output(run, long, trained / "b.json", columns=columns)
    assert result.exit_code == 0, result.output
    assert lines[1].split() == ["best"] and lines[2].split() == ["test", "test", "test"]  # wrapped
    assert max(len(line) for line in lines) <= int(columns)
    assert not [line for line in lines if line != line.rstrip()]
    # on a terminal: the same lines, in colour (each run's glyph in its own)
    coloured = run("compare", long, trained / "b.json", env={"COLUMNS": columns, "NO_COLOR": None,
                                                             "FORCE_COLOR": "1"}).stdout
    assert "\x1b[" in coloured and re.sub("\x1b\\[[0-9;]*m", "", coloured).splitlines() == lines
