"""`mgrad datasets`: the built-ins with their parameters, the shipped CSVs with their shapes."""

import json
import os

import pytest

from conftest import REPO, write


def test_json_lists_builtins_and_csvs(run):
    result = run("datasets", "--json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert [b["name"] for b in doc["builtin"]] == ["tiny", "xor", "moons", "circles", "spiral", "blobs"]
    moons = doc["builtin"][2]
    assert moons["params"] == {"n_samples": 100, "noise": 0.1}
    assert (moons["samples"], moons["features"], moons["classes"]) == (100, 2, 2)
    csvs = {c["name"]: c for c in doc["csv"]}
    assert list(csvs) == ["diabetes", "digits", "iris", "wine"]
    assert (csvs["diabetes"]["task"], csvs["diabetes"]["classes"]) == ("regression", None)
    assert (csvs["wine"]["task"], csvs["wine"]["classes"]) == ("classification", 3)
    assert (csvs["iris"]["file"], csvs["iris"]["rows"], csvs["iris"]["columns"], csvs["iris"]["target"],
            csvs["iris"]["classes"]) == ("iris.csv", 150, 5, "species", 3)
    assert (csvs["digits"]["rows"], csvs["digits"]["columns"]) == (1797, 65)
    assert csvs["iris"]["path"] == os.path.join("mgrad_cli", "data", "datasets", "iris.csv")  # inside the package


def test_tables(run):
    result = run("datasets")
    assert result.exit_code == 0
    out = result.output
    assert out.startswith("Built-in data sets (data.name)")
    row = next(line for line in out.splitlines() if line.startswith("│ spiral"))
    assert [c.strip() for c in row.split("│")[1:-1]] == ["spiral", "90", "2", "3", "n_samples=90, noise=0.2, classes=3"]
    assert "  moons: Two interleaving half circles (scikit-learn's make_moons, same points for a seed); labels 0 and 1." in out
    assert "Shipped CSV data sets (data.name)" in out
    row = next(line for line in out.splitlines() if line.startswith("│ wine "))
    assert [c.strip() for c in row.split("│")[1:-1]] == ["wine", "178", "14", "3", "cultivar"]
    row = next(line for line in out.splitlines() if line.startswith("│ diabetes "))
    assert [c.strip() for c in row.split("│")[1:-1]] == ["diabetes", "442", "11", "-", "progression"]
    assert "\x1b[" not in out


def test_help_has_an_example(run):
    assert "mgrad datasets --json" in run("datasets", "--help").output


def test_a_shipped_csv_prints_or_copies_as_shipped(run, tmp_path, monkeypatch):
    """`mgrad datasets iris --copy iris.csv` makes, in any folder, the CSV that `mgrad predict`
    and `mgrad eval` read."""
    monkeypatch.chdir(tmp_path)
    shipped = (REPO / "datasets" / "iris.csv").read_text()
    assert run("datasets", "iris").stdout == shipped
    result = run("datasets", "iris", "--copy", "iris.csv")
    assert result.exit_code == 0
    assert result.output == "Wrote the shipped data set iris to iris.csv.\n"
    assert (tmp_path / "iris.csv").read_text() == shipped
    doc = json.loads(run("datasets", "wine", "--json").stdout)
    assert (doc["name"], doc["rows"], doc["target"]) == ("wine", 178, "cultivar")


@pytest.mark.parametrize("args, message", [
    (["iri"], "Error: iri: not a shipped CSV data set (did you mean iris? the shipped CSVs are diabetes, digits, "
              "iris, wine)"),
    (["moons"], "Error: moons: a built-in data set, generated when a run starts, not a CSV (use it in a config as "
                "data: {name: moons}); the shipped CSVs are diabetes, digits, iris, wine"),
    (["--copy", "x.csv"], "Error: --copy needs the NAME of the shipped CSV to copy"),
    (["wine", "--copy", "taken.csv"], "Error: taken.csv: already exists; choose another path, or remove it first"),
])
def test_bad_use_of_a_name_is_one_line_exit_2(run, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "taken.csv", "mine")
    result = run("datasets", *args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == message
    assert (tmp_path / "taken.csv").read_text() == "mine"

