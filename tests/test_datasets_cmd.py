"""`mgrad datasets`: the built-ins with their parameters, the shipped CSVs with their shapes."""

import json


def test_json_lists_builtins_and_csvs(run):
    result = run("datasets", "--json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert [b["name"] for b in doc["builtin"]] == ["tiny", "xor", "moons", "circles", "spiral", "blobs"]
    moons = doc["builtin"][2]
    assert moons["params"] == {"n_samples": 100, "noise": 0.1}
    assert (moons["samples"], moons["features"], moons["classes"]) == (100, 2, 2)
    csvs = {c["name"]: c for c in doc["csv"]}
    assert set(csvs) == {"diabetes.csv", "digits.csv", "iris.csv", "wine.csv"}
    assert (csvs["diabetes.csv"]["task"], csvs["diabetes.csv"]["classes"]) == ("regression", None)
    assert (csvs["wine.csv"]["task"], csvs["wine.csv"]["classes"]) == ("classification", 3)
    assert (csvs["iris.csv"]["rows"], csvs["iris.csv"]["columns"], csvs["iris.csv"]["target"],
            csvs["iris.csv"]["classes"]) == (150, 5, "species", 3)
    assert (csvs["digits.csv"]["rows"], csvs["digits.csv"]["columns"]) == (1797, 65)


def test_tables(run):
    result = run("datasets")
    assert result.exit_code == 0
    out = result.output
    assert out.startswith("Built-in data sets (data.name)")
    row = next(line for line in out.splitlines() if line.startswith("│ spiral"))
    assert [c.strip() for c in row.split("│")[1:-1]] == ["spiral", "90", "2", "3", "n_samples=90, noise=0.2, classes=3"]
    assert "  moons: Two interleaving half circles (scikit-learn's make_moons, same points for a seed); labels 0 and 1." in out
    row = next(line for line in out.splitlines() if line.startswith("│ wine.csv"))
    assert [c.strip() for c in row.split("│")[1:-1]] == ["wine.csv", "178", "14", "3", "cultivar"]
    row = next(line for line in out.splitlines() if line.startswith("│ diabetes.csv"))
    assert [c.strip() for c in row.split("│")[1:-1]] == ["diabetes.csv", "442", "11", "-", "progression"]
    assert "\x1b[" not in out


def test_help_has_an_example(run):
    assert "mgrad datasets --json" in run("datasets", "--help").output
