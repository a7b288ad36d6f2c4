"""`mgrad datasets`: the built-ins with their parameters, the shipped CSVs with their shapes."""

import json
import os


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
