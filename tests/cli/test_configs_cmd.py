"""`mgrad configs [NAME] [--copy PATH] [--json]`, and the shipped configs used by name
(`mgrad train moons`, `mgrad gradcheck --config moons`) from any folder."""

import json

import pytest

from conftest import REPO, write

SHIPPED = ["circles", "diabetes", "digits", "iris", "moons", "spiral", "tiny", "wine", "xor"]
LISTED = "the shipped configs are " + ", ".join(SHIPPED)


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """An empty working directory outside the checkout."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_list_has_a_line_per_config(run):
    result = run("configs", "--json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert [c["name"] for c in doc] == SHIPPED
    assert doc[SHIPPED.index("xor")]["description"] == "XOR: no straight line separates the classes, one hidden layer does."
    table = run("configs").output
    assert table.startswith("Shipped configs (mgrad train NAME)")
    row = next(line for line in table.splitlines() if line.startswith("│ spiral"))
    assert [c.strip() for c in row.split("│")[1:-1]] == [
        "spiral", "Three interleaved spiral arms (CS231n): three classes, softmax over three outputs."]


def test_a_config_prints_as_shipped(run):
    result = run("configs", "moons")
    assert result.exit_code == 0
    assert result.stdout == (REPO / "configs" / "moons.yaml").read_text()


def test_copy_writes_a_config_that_trains_anywhere(run, elsewhere):
    result = run("configs", "iris", "--copy", "mine.yaml")
    assert result.exit_code == 0
    assert result.output == "Wrote the shipped config iris to mine.yaml; edit it, then: mgrad train mine.yaml\n"
    assert (elsewhere / "mine.yaml").read_text() == (REPO / "configs" / "iris.yaml").read_text()
    result = run("train", "mine.yaml", "--epochs", "2", "-q")  # data: {name: iris}: the shipped CSV
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Trained MLP 4-8-3 (67 parameters) on iris for 2 epochs")


def test_the_suggested_train_can_be_pasted_into_a_shell(run, elsewhere):
    result = run("configs", "iris", "--copy", "my iris.yaml")
    assert result.exit_code == 0
    assert result.output.endswith("; edit it, then: mgrad train 'my iris.yaml'\n")


@pytest.mark.parametrize("args, message", [
    (["moonz"], f"Error: moonz: not a shipped config (did you mean moons? {LISTED})\n"),
    (["--copy", "x.yaml"], "Error: --copy needs the NAME of the shipped config to copy\n"),
    (["xor", "--copy", "taken.yaml"], "Error: taken.yaml: already exists; choose another path, or remove it first\n"),
])
def test_bad_use_is_one_line_exit_2(run, elsewhere, args, message):
    write(elsewhere, "taken.yaml", "mine")
    result = run("configs", *args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] + "\n" == message
    assert (elsewhere / "taken.yaml").read_text() == "mine"


def test_train_and_gradcheck_find_a_shipped_config_by_name(run, elsewhere):
    result = run("train", "xor", "--epochs", "2", "-q")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Trained MLP 2-8-1 (33 parameters) on xor for 2 epochs")
    result = run("gradcheck", "--config", "xor", "--max-params", "5")
    assert result.exit_code == 0, result.output


def test_a_file_of_that_name_comes_first(run, elsewhere):
    write(elsewhere, "xor", "data: tiny\nmodel: {layers: [2, 1], activation: tanh, output: tanh}\nloss: mse\n"
                            "epochs: 2\n")
    result = run("train", "xor", "-q")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Trained MLP 3-2-1 (11 parameters) on tiny for 2 epochs")


@pytest.mark.parametrize("name, message", [
    ("xro", f"xro: no such file, nor a shipped config (did you mean xor? {LISTED})"),
    ("zzz", f"zzz: no such file, nor a shipped config ({LISTED})"),
    ("configs/moons.yaml", "configs/moons.yaml: no such file (the shipped config moons is used by its name alone: "
                           "moons)"),
    ("nope.yaml", "nope.yaml: no such file"),
])
def test_an_unknown_name_lists_the_shipped_configs(run, elsewhere, name, message):
    result = run("train", name)
    assert (result.exit_code, result.output) == (2, f"Error: {message}\n")
