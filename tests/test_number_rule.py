"""Numbers are numbers (issue 24, numbers.py's rule): a plain number as YAML 1.2 writes one
is a number in a config, an --input value and a CSV cell; a quoted string, 1_0, full-width
digits, hexadecimal or padding other than spaces and tabs is refused, naming the field.
And YAML keys of other kinds are named as written (true, null), not by a slice of repr."""

import json

import pytest

from models import config_path, train_checkpoint

from mgrad_cli.numbers import number_characters, read_number


@pytest.mark.parametrize("text, value", [
    ("10", 10.0), ("-3", -3.0), ("0.5", 0.5), (".5", 0.5), ("2.", 2.0), ("1e-3", 1e-3), ("2.5E+4", 2.5e4),
    ("+7", 7.0), (" 5\t", 5.0), ("1e999", float("inf")),
])
def test_numbers_by_the_rule(text, value):
    assert read_number(text) == value and number_characters([text])


@pytest.mark.parametrize("text", ["1_0", "１０", "0x1F", "1,000", "\u00a05", "5\u2003", "nan", "inf", "infinity", "1e",
                                  ".", "", "5%", "٣"])
def test_not_numbers_though_float_reads_some(text):
    assert read_number(text) is None


# --- configs ---------------------------------------------------------------------------------

@pytest.mark.parametrize("setting, shown, want", [
    ('optimizer: {lr: "1_0"}', "optimizer.lr", "a positive number, got '1_0'"),
    ("optimizer: {lr: 1_0}", "optimizer.lr", "a positive number, got '1_0'"),
    ("optimizer: {lr: １０}", "optimizer.lr", "a positive number, got '１０'"),
    ('optimizer: {lr: " 0.1"}', "optimizer.lr", "a positive number, got ' 0.1'"),
    ('optimizer: {lr: "0.1"}', "optimizer.lr", "a positive number, got '0.1'"),
    ("optimizer: {lr: 0x10}", "optimizer.lr", "a positive number, got '0x10'"),
    ("optimizer: {lr: 1:30}", "optimizer.lr", "a positive number, got '1:30'"),
    ('epochs: "5"', "epochs", "a positive integer, got '5'"),
    ("epochs: 0b11", "epochs", "a positive integer, got '0b11'"),
    ("loss: {l2: .nan}", "loss.l2", "a non-negative number, got nan"),
    ("data: {name: moons, noise: 1_0}", "data.noise", "a non-negative number, got '1_0'"),
    ("optimizer: {lr: 2001-01-01}", "optimizer.lr", "a positive number, got '2001-01-01'"),  # text in YAML 1.2
    # YAML 1.1's booleans are text in YAML 1.2: a true-or-false setting says what to write
    ("data: {name: moons, standardize: yes}", "data.standardize",
     "true or false, got 'yes' (write true: YAML 1.2 reads yes as text)"),
    ("data: {name: moons, standardize: Off}", "data.standardize",
     "true or false, got 'Off' (write false: YAML 1.2 reads Off as text)"),
    ("data: {name: moons, standardize: n}", "data.standardize",
     "true or false, got 'n' (write false: YAML 1.2 reads n as text)"),
])
def test_a_config_number_that_is_not_one_is_refused_by_its_field(run, tmp_path, setting, shown, want):
    (tmp_path / "c.yaml").write_text(setting + "\n")
    result = run("train", tmp_path / "c.yaml", "-q")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"Error: {tmp_path / 'c.yaml'}: {shown}: expected {want}\n"


@pytest.mark.parametrize("setting, key, value", [
    ("optimizer: {lr: 1e-3}", ("optimizer", "lr"), 1e-3),
    ("loss: {l2: 1E-4}", ("loss", "l2"), 1e-4),
    ("epochs: 1e1", ("epochs",), 10),
    ("seed: 0777", ("seed",), 777),  # YAML 1.2: decimal (PyYAML's YAML 1.1: octal 511)
    ("optimizer: {lr: +.5}", ("optimizer", "lr"), 0.5),
    ("data: {name: moons, standardize: TRUE}", ("data", "standardize"), True),
    ("data: {name: moons, standardize: False}", ("data", "standardize"), False),
])
def test_yaml_1_2_numbers_are_numbers(tmp_path, setting, key, value):
    from mgrad_cli.training.config import load_config

    (tmp_path / "c.yaml").write_text(setting + "\n")
    config = load_config(tmp_path / "c.yaml")
    for k in key:
        config = config[k]
    assert config == value and type(config) is type(value)


@pytest.mark.parametrize("key, shown", [("true", "true"), ("~", "null"), ("null", "null"), ("3", "3"),
                                        ("1.5", "1.5"), ("false", "false"), ("2001-01-01", "2001-01-01"),
                                        ("on", "on"), ("yes", "yes")])  # YAML 1.2: text
def test_yaml_keys_of_other_kinds_are_named_as_written(run, tmp_path, key, shown):
    (tmp_path / "c.yaml").write_text(f"{key}: 1\n")
    result = run("train", tmp_path / "c.yaml")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {tmp_path / 'c.yaml'}: {shown}: unknown key (")
    (tmp_path / "c.yaml").write_text(f"model: {{{key}: 1}}\n")
    result = run("train", tmp_path / "c.yaml")
    assert result.stderr.startswith(f"Error: {tmp_path / 'c.yaml'}: model.{shown}: unknown key (")


# --- --input and CSV cells -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def xor(tmp_path_factory):
    path = tmp_path_factory.mktemp("xor") / "xor.json"
    train_checkpoint(path, config_path("xor"), epochs=1)
    return path


@pytest.mark.parametrize("cell", ["1_0", "１０", "\u00a05", "0x1", "1,5"])
def test_an_input_that_is_not_a_number_is_refused_by_its_column(run, xor, cell):
    result = run("predict", xor, "--input", f"1,{cell}" if "," not in cell else f"1;{cell}")
    assert result.exit_code == 2
    if "," not in cell:
        assert result.stderr == f"Error: --input 1 {'1,' + cell!r}, column 'x1': expected a finite number, got {cell!r}\n"


@pytest.mark.parametrize("cell", ["1_0", "１０", "\u00a05", "0x1", "5%", "1e"])
def test_a_csv_cell_that_is_not_a_number_is_refused_by_line_and_column(run, xor, tmp_path, cell):
    (tmp_path / "d.csv").write_text(f"x0,x1\n1,2\n3,{cell}\n")
    result = run("predict", xor, tmp_path / "d.csv")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"Error: {tmp_path / 'd.csv'}, line 3, column 'x1': expected a number, got {cell!r}\n"


def test_spaces_and_tabs_around_a_cell_are_allowed(run, xor, tmp_path):
    (tmp_path / "d.csv").write_text("x0,x1\n 1 ,\t2\n")
    doc = json.loads(run("predict", xor, tmp_path / "d.csv", "--json").stdout)
    assert doc["predictions"][0]["inputs"] == [1.0, 2.0]
    doc = json.loads(run("predict", xor, "-i", " 1 , 2 ", "--json").stdout)
    assert doc["predictions"][0]["inputs"] == [1.0, 2.0]


def test_a_label_that_is_not_a_number_is_a_class_and_not_a_regression_target(run, tmp_path):
    (tmp_path / "d.csv").write_text("a,t\n1,1_0\n2,2_0\n3,1_0\n")
    (tmp_path / "c.yaml").write_text("data: {csv: d.csv}\nmodel: {layers: [2]}\nloss: cross_entropy\nepochs: 1\n")
    result = run("train", tmp_path / "c.yaml", "--save", tmp_path / "m.json", "-q")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "m.json").read_text())["data"]["class_names"] == ["1_0", "2_0"]
    (tmp_path / "c.yaml").write_text("data: {csv: d.csv, task: regression}\nmodel: {layers: [1]}\nloss: mse\n")
    result = run("train", tmp_path / "c.yaml")
    assert result.exit_code == 2
    assert result.stderr == (f"Error: {tmp_path / 'd.csv'}, line 2, column 't': a regression target must be a "
                             "number, got '1_0'\n")
