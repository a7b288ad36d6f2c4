"""`--set KEY=VALUE` on train and gradcheck --config: a dotted key, a YAML value, applied
after the file and before --lr/--epochs/--seed/--engine, checked as a file is."""

import json

import pytest

from mgrad_cli.errors import ConfigError
from mgrad_cli.training import overrides
from mgrad_cli.training.checkpoint import load_checkpoint

from conftest import write


def train(run, tmp_path, *args):
    save = tmp_path / "m.json"
    result = run("train", "xor", "-q", "--save", save, *args)
    return result, (load_checkpoint(save) if result.exit_code == 0 else None)


def test_set_changes_the_config_and_the_checkpoint_names_it(run, tmp_path):
    result, ckpt = train(run, tmp_path, "--set", "epochs=2", "--set", "optimizer.lr=1e-3",
                         "--set", "model.layers=[4,1]")
    assert result.exit_code == 0, result.output
    config = ckpt["config"]
    assert (config["epochs"], config["optimizer"]["lr"], config["model"]["layers"]) == (2, 0.001, [4, 1])
    assert ckpt["sizes"] == [2, 4, 1] and ckpt["epoch"] == 2
    assert ckpt["overrides"] == ["--set epochs=2", "--set optimizer.lr=1e-3", "--set model.layers=[4,1]"]


def test_precedence_file_then_each_set_then_the_options(run, tmp_path):
    result, ckpt = train(run, tmp_path, "--set", "epochs=5", "--set", "epochs=3", "--set", "optimizer.lr=0.5",
                         "--lr", "0.2", "--set", "seed=4", "--seed", "7")
    assert result.exit_code == 0, result.output
    assert (ckpt["config"]["epochs"], ckpt["config"]["optimizer"]["lr"], ckpt["config"]["seed"]) == (3, 0.2, 7)
    assert ckpt["overrides"] == ["--set epochs=5", "--set epochs=3", "--set optimizer.lr=0.5", "--set seed=4",
                                 "--lr 0.2", "--seed 7"]


def test_an_option_after_a_bad_set_wins_without_complaint(run, tmp_path):
    result, ckpt = train(run, tmp_path, "--set", "optimizer.lr=-1", "--lr", "0.1", "--epochs", "1")
    assert result.exit_code == 0, result.output
    assert ckpt["config"]["optimizer"]["lr"] == 0.1


def test_a_short_form_is_expanded_and_replaced(run, tmp_path):
    # xor.yaml says loss: bce (a short form): a key inside it keeps the name
    result, ckpt = train(run, tmp_path, "--set", "loss.l2=0.001", "--set", "optimizer=sgd", "--set", "epochs=1")
    assert result.exit_code == 0, result.output
    assert ckpt["config"]["loss"] == {"name": "bce", "l2": 0.001}
    assert ckpt["config"]["optimizer"]["name"] == "sgd" and ckpt["config"]["optimizer"]["lr"] == 0.1


@pytest.mark.parametrize("item, message", [
    ("optimizer.lrr=0.1", "--set optimizer.lrr=0.1: unknown key (did you mean 'lr'?)"),
    ("optimiser.lr=0.1", "--set optimiser.lr=0.1: optimiser: unknown key (did you mean 'optimizer'?)"),
    ("model.layers=[4,0]", "--set model.layers=[4,0]: model.layers[1]: expected a positive integer, got 0"),
    ("optimizer.lr=-1", "--set optimizer.lr=-1: expected a positive number, got -1"),
    ("model.activation=relux", "--set model.activation=relux: expected one of tanh, relu, sigmoid, linear, "
                               "got 'relux' (did you mean 'relu'?)"),
    ("seed.x=1", "--set seed.x=1: seed is 0, a single setting, not a section: set it whole, as --set seed=VALUE"),
    ("epochs=[1", "--set epochs: invalid YAML at line 1, column 3: expected ',' or ']', but got '<stream end>'"),
    ("data=pets.csv", "--set data=pets.csv: pets.csv is not a built-in data set; for a CSV file write "
                      "--set 'data={csv: pets.csv}'"),
    ("data={name: a/b}", "--set data={name: a/b}: data.name: a/b is not a built-in data set; for a CSV file write "
                         "--set 'data={csv: a/b}'"),
    ("data=my pets.csv", "--set data=my pets.csv: my pets.csv is not a built-in data set; for a CSV file write "
                         "--set 'data={csv: my pets.csv}'"),
    ("model={layers:\t[4, 1]}", "--set model: invalid YAML at line 1, column 9: a tab where YAML expects a space; "
                                "use spaces"),
    ("lr", "--set: expected KEY=VALUE with KEY a dotted path such as optimizer.lr, got 'lr'"),
    ("optimizer..lr=1", "--set: expected KEY=VALUE with KEY a dotted path such as optimizer.lr, "
                        "got 'optimizer..lr=1'"),
    ("epochs=" + "x" * 100, "--set epochs=" + "x" * 30 + "..." + "x" * 30 + ": expected a positive integer, got "
                            "'" + "x" * 27 + "..." + "x" * 28 + "'"),
])
def test_a_bad_set_is_one_line_naming_it(run, tmp_path, item, message):
    result, _ = train(run, tmp_path, "--set", item)
    assert (result.exit_code, result.stderr) == (2, f"Error: {message}\n")
    assert not (tmp_path / "m.json").exists()


def test_a_file_problem_still_names_the_file(run, tmp_path):
    cfg = write(tmp_path, "c.yaml", "data: xor\noptimizer: {name: sgd, momentum: 0.9}\n")
    result = run("train", cfg, "--set", "epochs=1")
    assert result.exit_code == 2
    assert result.stderr == (f"Error: {cfg}: optimizer.momentum: not a setting of optimizer sgd (it takes lr)\n")


def test_a_csv_set_on_the_command_line_is_relative_to_the_working_directory(run, tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    write(tmp_path, "d.csv", "a,b,t\n1,2,x\n3,-1,y\n5,6,x\n7,8,y\n")
    cfg = write(tmp_path / "sub", "c.yaml", "data: {csv: nowhere.csv}\nmodel: {layers: [2, 1]}\nepochs: 1\n")
    monkeypatch.chdir(tmp_path)
    result = run("train", cfg, "--set", "data.csv=d.csv", "-q")
    assert result.exit_code == 0, result.output


def test_gradcheck_config_takes_set(run):
    result = run("gradcheck", "--config", "xor", "--set", "model.layers=[2,1]", "--max-params", "3")
    assert result.exit_code == 0, result.output
    assert "ok: 3 of 3 gradients agree" in result.output
    bad = run("gradcheck", "--config", "xor", "--set", "model.layers=[2,x]")
    assert (bad.exit_code, bad.stderr) == (2, "Error: --set model.layers=[2,x]: model.layers[1]: expected a "
                                              "positive integer, got 'x'\n")
    alone = run("gradcheck", "x*y", "x=1", "y=2", "--set", "a=1")
    assert alone.exit_code == 2 and "--set needs --config" in alone.output


@pytest.mark.parametrize("text, values", [
    ("0.1,0.01", ["0.1", "0.01"]),
    ("[16,1],[32, 1]", ["[16,1]", "[32, 1]"]),
    ("{name: adam, lr: 0.1},sgd", ["{name: adam, lr: 0.1}", "sgd"]),
    ("'a,b',c", ["'a,b'", "c"]),
    ("'it''s,x',y", ["'it''s,x'", "y"]),
    ('"a\\",b",c', ['"a\\",b"', "c"]),
    ("[[1,2],[3]],4", ["[[1,2],[3]]", "4"]),
    ("relu", ["relu"]),
])
def test_grid_values_split_at_top_level_commas(text, values):
    assert overrides.split_values(text) == values


def test_values_are_yaml_with_yaml_1_2_numbers():
    assert overrides.parse_set("optimizer.lr=1e-3").value == 0.001
    assert overrides.parse_set("optimizer.lr='1e-3'").value == "1e-3"  # quoted: a string, as in YAML
    assert overrides.parse_set("model.layers=[32,32,1]").value == [32, 32, 1]
    assert overrides.parse_set("batch_size=null").value is None
    with pytest.raises(ConfigError) as e:  # never executed: the safe loader refuses the tag
        overrides.parse_set("data.name=!!python/object/apply:os.system ['true']")
    assert str(e.value).startswith("--set data.name: invalid YAML at line 1, column 1: could not determine a "
                                   "constructor for the tag")


def test_a_grid_value_may_not_be_empty():
    with pytest.raises(ConfigError) as e:
        overrides.parse_grid("optimizer.lr=0.1,,0.2")
    assert str(e.value) == "--grid optimizer.lr=0.1,,0.2: value 2 of 3 is empty"
