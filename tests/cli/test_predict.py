"""`mgrad predict MODEL.json [CSV] [--input ...] [--json]`."""

import json
import os

import numpy as np
import pytest

from models import DATASETS, config_path, train_checkpoint

IRIS_CSV = os.path.join(DATASETS, "iris.csv")


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("models")
    iris, iris_ds = train_checkpoint(d / "iris.json", config_path("iris"))
    tiny, _ = train_checkpoint(d / "tiny.json", config_path("tiny"))
    return {"dir": d, "iris": d / "iris.json", "tiny": d / "tiny.json", "iris_trainer": iris, "iris_ds": iris_ds}


def predict_json(run, *args):
    result = run("predict", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_tiny_inputs_give_the_lectures_targets(run, models):
    doc = predict_json(run, models["tiny"], "--input", "2.0,3.0,-1.0", "--input", "3.0,-1.0,0.5",
                       "-i", "0.5,1.0,1.0", "-i", "1.0,1.0,-1.0")
    assert [p["prediction"] for p in doc["predictions"]] == ["1", "-1", "-1", "1"]
    assert [p["input"] for p in doc["predictions"]] == [1, 2, 3, 4]
    assert doc["classes"] == ["-1", "1"] and doc["features"] == ["x0", "x1", "x2"]
    assert doc["predictions"][0]["inputs"] == [2.0, 3.0, -1.0]
    assert doc["predictions"][0]["probabilities"] is None  # mse on a tanh output has no probabilities


def test_tiny_table(run, models):
    # to a pipe or a file (as here): plain columns, every row
    result = run("predict", models["tiny"], "--input", "2.0,3.0,-1.0", "--input", "0.5,1,1")
    assert result.exit_code == 0
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["input", "x0", "x1", "x2", "prediction", "score"]
    assert [row.split()[:5] for row in rows] == [["1", "2", "3", "-1", "1"], ["2", "0.5", "1", "1", "-1"]]
    assert len(rows[0]) == len(header)  # the score right-aligned under its name


def test_a_long_table_on_a_terminal_shows_its_ends_and_a_count(run, models, tmp_path):
    (tmp_path / "many.csv").write_text("x0,x1,x2\n" + "".join(f"{i},1,-1\n" for i in range(100)))
    # FORCE_COLOR makes rich take the output for a terminal (NO_COLOR still holds)
    result = run("predict", models["tiny"], tmp_path / "many.csv", env={"FORCE_COLOR": "1"})
    assert result.exit_code == 0
    lines = [line for line in result.stdout.splitlines() if line.startswith("│")]
    assert [line.split("│")[1].strip() for line in lines] == [str(n) for n in range(2, 12)] + ["…"] + [
        str(n) for n in range(92, 102)]
    assert result.stdout.splitlines()[-1] == (
        "100 predictions: the first 10 and the last 10 are shown (--json, or a pipe, gives every one).")
    piped = run("predict", models["tiny"], tmp_path / "many.csv")
    assert len(piped.stdout.splitlines()) == 101  # the header and every row


def test_iris_csv_uses_the_stored_standardization(run, models):
    doc = predict_json(run, models["iris"], IRIS_CSV)
    preds = doc["predictions"]
    assert len(preds) == 150 and preds[0]["line"] == 2 and preds[-1]["line"] == 151
    # the same outputs as the trainer's backend on the (standardized) training data
    trainer, ds = models["iris_trainer"], models["iris_ds"]
    expected = trainer.backend.predict(trainer.params, ds.X)
    assert np.allclose([p["outputs"] for p in preds], expected, rtol=0, atol=1e-12)
    names = [p["prediction"] for p in preds]
    truth = [ds.class_names[c] for c in ds.y]
    assert np.mean(np.array(names) == np.array(truth)) > 0.9
    assert all(abs(sum(p["probabilities"].values()) - 1) < 1e-12 for p in preds)
    assert preds[0]["prediction"] == "setosa" and preds[0]["probabilities"]["setosa"] > 0.9


def test_columns_in_any_order_and_no_target(run, models, tmp_path):
    csv = tmp_path / "new.csv"
    csv.write_text("petal_width,sepal_length,petal_length,sepal_width\n0.2,5.1,1.4,3.5\n2.3,6.9,5.7,3.1\n")
    doc = predict_json(run, models["iris"], csv)
    assert [p["prediction"] for p in doc["predictions"]] == ["setosa", "virginica"]
    assert doc["predictions"][0]["inputs"] == [5.1, 3.5, 1.4, 0.2]  # in the model's order
    direct = predict_json(run, models["iris"], "--input", "5.1,3.5,1.4,0.2")
    # (the tensor engine predicts in batches: BLAS may round a row's sums otherwise in
    # another batch, by an ulp)
    assert direct["predictions"][0]["outputs"] == pytest.approx(doc["predictions"][0]["outputs"], rel=1e-14)


def test_plain_table_when_piped(run, models):
    result = run("predict", models["iris"], "-i", "5.1,3.5,1.4,0.2")
    assert "\x1b[" not in result.output
    assert "setosa" in result.output and "sepal_length" in result.output


HEADER = "sepal_length,sepal_width,petal_length,petal_width,species\n"
BAD_CSV = [
    ("sepal_length,sepal_width,petal_length\n1,2,3\n",
     "p.csv, line 1: missing column 'petal_width' (the model's features are sepal_length, sepal_width, "
     "petal_length, petal_width)"),
    ("sepal_length,sepal_width,petal_length,petal_width,colour\n1,2,3,4,red\n",
     "p.csv, line 1, column 'colour': not a feature of the model (its features are sepal_length, sepal_width, "
     "petal_length, petal_width; the target column 'species' may be present)"),
    (HEADER + "1,2,3,4,setosa\n1,2,3\n", "p.csv, line 3: expected 5 columns as in the header, got 3"),
    (HEADER + "1,2,3,4,setosa\n\n1,two,3,4,setosa\n",
     "p.csv, line 4, column 'sepal_width': expected a number, got 'two'"),
    (HEADER + "1,2,,4,setosa\n", "p.csv, line 2, column 'petal_length': expected a number, got an empty cell"),
    (HEADER + "1,2,inf,4,setosa\n", "p.csv, line 2, column 'petal_length': expected a finite number, got 'inf'"),
    ("sepal_length,sepal_width,petal_length,petal_width,sepal_width\n1,2,3,4,5\n",
     "p.csv, line 1, column 'sepal_width': the column appears twice"),
    (HEADER, "p.csv: no data rows after the header"),
    ("", "p.csv: the file is empty (expected a header row, then data)"),
]


@pytest.mark.parametrize("text, message", BAD_CSV)
def test_bad_csv(run, models, tmp_path, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.csv").write_text(text)
    result = run("predict", models["iris"], "p.csv")
    assert result.exit_code == 2
    assert result.output == f"Error: {message}\n"


@pytest.mark.parametrize("args, message", [
    (["-i", "1,2,3"], "--input 1 '1,2,3': expected 4 comma-separated numbers (sepal_length, sepal_width, "
                      "petal_length, petal_width), got 3"),
    (["-i", "1,2,3,4", "-i", "1,x,3,4"], "--input 2 '1,x,3,4', column 'sepal_width': expected a finite number, "
                                         "got 'x'"),
    (["-i", "1,2,3,"], "--input 1 '1,2,3,', column 'petal_width': expected a finite number, got nothing"),
    (["-i", "1,2,nan,4"], "--input 1 '1,2,nan,4', column 'petal_length': expected a finite number, got 'nan'"),
])
def test_bad_input_values(run, models, args, message):
    result = run("predict", models["iris"], *args)
    assert result.exit_code == 2
    assert result.output == f"Error: {message}\n"


def test_csv_or_input_not_both_nor_neither(run, models):
    result = run("predict", models["iris"], IRIS_CSV, "-i", "1,2,3,4")
    assert result.exit_code == 2 and "Error: give a CSV file or --input values, not both" in result.output
    result = run("predict", models["iris"])
    assert result.exit_code == 2 and 'Error: give a CSV file or one or more --input "X1,X2,..." values' in result.output


def test_missing_csv(run, models, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("predict", models["iris"], "nope.csv")
    assert (result.exit_code, result.output) == (2, "Error: nope.csv: no such file\n")


def test_bad_checkpoints(run, models, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    good = json.loads(models["iris"].read_text())

    def check(name, text, message):
        (tmp_path / name).write_text(text)
        result = run("predict", name, "-i", "1,2,3,4")
        assert result.exit_code == 2, name
        assert result.output == f"Error: {name}: {message}\n"

    check("none.json", '{"weights": [1, 2]}', 'not an mgrad checkpoint (no "format": "mgrad-checkpoint")')
    text = models["iris"].read_text()
    check("cut.json", text[: len(text) // 2], _json_error(text[: len(text) // 2]))  # truncated
    check("v9.json", json.dumps(dict(good, version=9)),
          "version: 9 is not supported (this mgrad reads versions 1 to 7)")
    check("short.json", json.dumps(dict(good, weights=good["weights"][:-1])),
          "weights: expected 67 numbers for sizes [4, 8, 3], got 66")
    check("sizes.json", json.dumps(dict(good, sizes=[4, 8, 2])),
          "sizes: [4, 8, 2] do not match config.model.layers [8, 3]")
    check("names.json", json.dumps(dict(good, data=dict(good["data"], feature_names=["a", "b"]))),
          "data.feature_names: 2 names for 4 inputs")
    check("nan.json", text.replace(str(good["weights"][0]), "NaN", 1), "weights[0]: expected a finite number, got nan")
    result = run("predict", "missing.json", "-i", "1")
    assert (result.exit_code, result.output) == (2, "Error: missing.json: no such file\n")


def _json_error(text):
    try:
        json.loads(text)
    except json.JSONDecodeError as e:
        return f"not a checkpoint (not valid JSON: {e})"
    raise AssertionError("valid JSON")


def test_help_has_examples(run):
    result = run("predict", "--help")
    assert "mgrad predict iris.json iris.csv" in result.output
    assert 'mgrad predict tiny.json --input "2.0,3.0,-1.0"' in result.output


@pytest.fixture(scope="module")
def moons(tmp_path_factory):
    path = tmp_path_factory.mktemp("moons") / "moons.json"
    train_checkpoint(path, config_path("moons"), epochs=1)  # relu: inf - inf inside makes nan
    return path


def test_non_finite_outputs_are_valid_json_and_shown_as_nan(run, moons):
    """Regression: --json crashed with `Out of range float values are not JSON compliant: nan`."""
    result = run("predict", moons, "-i", "1e308,-1e308", "-i", "1,0", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout, parse_constant=lambda c: pytest.fail(f"not JSON: {c}"))
    first = doc["predictions"][0]
    assert (first["outputs"], first["prediction"], first["class"]) == (["nan"], None, None)
    assert doc["predictions"][1]["prediction"] in ("0", "1")
    table = run("predict", moons, "-i", "1e308,-1e308")
    assert table.exit_code == 0 and table.stderr.startswith("Warning: 1 of 1 rows is out of range: input 1 ")
    assert table.stdout.splitlines()[1].split()[-2:] == ["nan", "nan"]
