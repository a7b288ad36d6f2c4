"""`mgrad eval MODEL.json [CSV] [--split] [--json]`."""

import json
import os
import re

import numpy as np
import pytest

from mgrad_cli.numbers import number

from models import DATASETS, config_path, train_checkpoint

IRIS_CSV = os.path.join(DATASETS, "iris.csv")


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("models")
    iris, _ = train_checkpoint(d / "iris.json", config_path("iris"))
    train_checkpoint(d / "tiny.json", config_path("tiny"))
    reg_csv = d / "reg.csv"
    reg_csv.write_text("a,b,y\n" + "".join(f"{i / 10},{(i % 7) / 7},{0.5 * i / 10 - (i % 7) / 7 + 0.25}\n"
                                           for i in range(20)))
    reg_cfg = d / "reg.yaml"
    reg_cfg.write_text("data: {csv: reg.csv, test_split: 0.25}\nmodel: {layers: [1], activation: linear}\n"
                       "loss: mse\noptimizer: {name: adam, lr: 0.1}\nepochs: 80\n")
    train_checkpoint(d / "reg.json", reg_cfg)
    return {"dir": d, "iris": d / "iris.json", "tiny": d / "tiny.json", "reg": d / "reg.json",
            "reg_csv": reg_csv, "iris_last": iris.last}


def eval_json(run, *args):
    result = run("eval", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_held_out_split_by_default(run, models):
    doc = eval_json(run, models["iris"])
    assert doc["data"] == "the 30 held-out samples of iris"
    assert doc["accuracy"] == models["iris_last"]["test_acc"]  # what training measured
    assert doc["samples"] == 30 and sum(map(sum, doc["confusion"])) == 30
    assert [sum(row) for row in doc["confusion"]] == [10, 10, 10]  # stratified
    assert doc["correct"] == sum(doc["confusion"][i][i] for i in range(3))
    assert doc["classes"] == ["setosa", "versicolor", "virginica"] and doc["note"] is None


def test_table(run, models):
    result = run("eval", models["iris"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == (f"{models['iris']}: MLP 4-8-3 (67 parameters) trained 40 epochs on iris; evaluated on the "
                        f"30 held-out samples of iris.")
    assert lines[1].startswith("loss      0.")
    assert lines[2].startswith("accuracy  ") and lines[2].endswith(" of 30)")
    assert lines[3].startswith("confusion matrix (rows: true class, columns: predicted)")
    header = lines[5].split("┃")[1:-1]
    assert [h.strip() for h in header] == ["true \\ predicted", "setosa", "versicolor", "virginica", "recall"]
    assert lines[7].split("│")[1].strip() == "setosa"


def test_train_split_matches_the_training_accuracy_and_all_rows(run, models):
    train = eval_json(run, models["iris"], "--split", "train")
    assert train["samples"] == 120
    every = eval_json(run, models["iris"], "--split", "all")
    assert every["samples"] == 150 and every["data"] == "all 150 samples of iris"


def test_nothing_held_out_falls_back_to_training_rows_and_says_so(run, models):
    result = run("eval", models["tiny"])
    assert result.exit_code == 0
    assert result.stderr == "Note: nothing was held out (data.test_split is 0); evaluating on the training rows.\n"
    assert "evaluated on the 4 training samples of tiny." in result.stdout
    assert "accuracy  100.0% (4 of 4)" in result.stdout
    doc = eval_json(run, models["tiny"])
    assert doc["note"] == "nothing was held out (data.test_split is 0)"


def test_a_csv(run, models):
    doc = eval_json(run, models["iris"], IRIS_CSV)
    assert doc["samples"] == 150 and doc["data"] == f"150 samples of {IRIS_CSV}"
    assert doc["accuracy"] > 0.9


def test_regression_reports_mse(run, models):
    doc = eval_json(run, models["reg"])
    assert doc["task"] == "regression" and doc["samples"] == 5
    assert set(doc) >= {"loss", "mse", "mae"} and "accuracy" not in doc
    assert doc["mse"] == pytest.approx(doc["loss"])  # mse loss without l2
    result = run("eval", models["reg"], models["reg_csv"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[1].startswith("loss ") and lines[2].startswith("mse ") and lines[3].startswith("mae ")


@pytest.fixture(scope="module")
def diabetes(tmp_path_factory):
    """The shipped diabetes config trained as shipped: l2 0.03, and early stopping that
    stops at epoch 43 keeping epoch 23's weights."""
    path = tmp_path_factory.mktemp("diabetes") / "diabetes.json"
    return path, train_checkpoint(path, config_path("diabetes"))[0]


def test_the_loss_is_the_train_summarys_test_loss_with_the_l2_term_apart(run, diabetes, tmp_path):
    """Issue 19: train's summary said test loss 0.585798 and eval 0.684768 (l2 included)
    on the same rows, unexplained. Eval's loss is now the data loss, the l2 term apart."""
    path, trainer = diabetes
    summary = run("train", config_path("diabetes"), "-q").output
    assert "the weights of epoch 23 are kept" in summary
    test_loss = re.search(r"At epoch 23: .* test loss ([0-9.]+),", summary).group(1)
    lines = run("eval", path).output.splitlines()
    assert lines[1] == f"loss      {test_loss}"
    doc = eval_json(run, path)
    assert doc["data_loss"] == trainer.history[22]["test_loss"]  # the same number, to the last digit
    l2 = 0.03 * float(np.dot(trainer.params, trainer.params))
    assert doc["l2_term"] == pytest.approx(l2, rel=1e-12)
    assert doc["loss"] == pytest.approx(doc["data_loss"] + doc["l2_term"], rel=1e-12)  # what training minimizes
    assert lines[2] == (f"l2 term   {number(doc['l2_term'])} (loss + l2 term = {number(doc['loss'])}, "
                        "what training minimizes)")
    assert lines[3].startswith("mse ")


def test_without_l2_there_is_no_l2_term(run, models):
    doc = eval_json(run, models["iris"])
    assert doc["l2_term"] == 0 and doc["data_loss"] == pytest.approx(doc["loss"], rel=1e-12)
    assert "l2 term" not in run("eval", models["iris"]).output


def test_the_title_says_which_epochs_weights_early_stopping_kept(run, diabetes):
    path, _ = diabetes
    result = run("eval", path)
    assert result.output.startswith(f"{path}: MLP 10-8-1 (97 parameters) trained 43 epochs on diabetes, "
                                    "weights from epoch 23; evaluated on the 88 held-out samples of diabetes.\n")


def test_no_line_ends_in_spaces(run, models, diabetes):
    for model in (models["iris"], models["reg"], diabetes[0]):
        for columns in ("80", "100"):
            out = run("eval", model, env={"COLUMNS": columns}).output
            assert [line for line in out.splitlines() if line != line.rstrip()] == []


def test_bad_input(run, models, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "u.csv").write_text("sepal_length,sepal_width,petal_length,petal_width,species\n"
                                    "1,2,3,4,setosa\n1,2,3,4,rose\n")
    result = run("eval", models["iris"], "u.csv")
    assert (result.exit_code, result.output) == (
        2, "Error: u.csv, line 3, column 'species': unknown class 'rose' (the model knows setosa, versicolor, "
           "virginica)\n")
    (tmp_path / "n.csv").write_text("sepal_length,sepal_width,petal_length,petal_width\n1,2,3,4\n")
    result = run("eval", models["iris"], "n.csv")
    assert (result.exit_code, result.output) == (
        2, "Error: n.csv, line 1: no target 'species' to compare the predictions with (the columns are "
           "sepal_length, sepal_width, petal_length, petal_width)\n")
    result = run("eval", models["iris"], "n.csv", "--split", "train")
    assert result.exit_code == 2
    assert "Error: --split chooses rows of the model's own data; it does not apply to a CSV" in result.output


def test_data_that_changed_since_training(run, models, tmp_path, monkeypatch):
    # a model trained on a CSV that has since lost a column no longer fits its data
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_text("a,b,t\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(10)))
    (tmp_path / "d.yaml").write_text("data: {csv: d.csv, test_split: 0.2}\nmodel: {layers: [2, 1]}\nepochs: 2\n")
    train_checkpoint(tmp_path / "d.json", tmp_path / "d.yaml")
    (tmp_path / "d.csv").write_text("a,t\n" + "".join(f"{i},{i % 2}\n" for i in range(10)))
    result = run("eval", "d.json")
    assert (result.exit_code, result.output) == (
        2, "Error: d.json: the model takes 2 inputs (a, b), but d.csv now has 1 (a)\n")
    os.remove(tmp_path / "d.csv")
    result = run("eval", "d.json")
    assert result.exit_code == 2
    assert result.output == "Error: d.json: cannot rebuild the data it was trained on: d.csv: no such file\n"


@pytest.mark.parametrize("change, difference", [
    (lambda rows: rows[::-1], "the same number of rows, 10, but other values, order or split"),  # reordered
    (lambda rows: rows[:3] + ["3,1.5,1"] + rows[4:], "the same number of rows, 10, but other values, order or split"),
    (lambda rows: rows + ["10,1,0"], "10 rows then, 11 now"),
])
def test_data_edited_since_training_is_refused(run, tmp_path, monkeypatch, change, difference):
    # the same columns and classes, but not the rows it was trained and tested on
    monkeypatch.chdir(tmp_path)
    rows = [f"{i},{i % 3},{i % 2}" for i in range(10)]
    (tmp_path / "d.csv").write_text("a,b,t\n" + "\n".join(rows) + "\n")
    (tmp_path / "d.yaml").write_text("data: {csv: d.csv, test_split: 0.2}\nmodel: {layers: [2, 1]}\nepochs: 2\n")
    train_checkpoint(tmp_path / "d.json", tmp_path / "d.yaml")
    assert run("eval", "d.json").exit_code == 0
    (tmp_path / "d.csv").write_text("a,b,t\n" + "\n".join(change(rows)) + "\n")
    result = run("eval", "d.json")
    assert (result.exit_code, result.output) == (
        2, f"Error: d.json: d.csv is not the data the model was trained on ({difference}); its held-out rows "
           f"would not be the ones held out in training\n")
    assert run("eval", "d.json", "d.csv").exit_code == 0  # a CSV given by name is evaluated as it is


def test_help_has_examples(run):
    assert "mgrad eval iris.json iris.csv" in run("eval", "--help").output


def test_an_infinite_loss_is_valid_json_and_shown_as_inf(run, models, tmp_path):
    """Regression: --json crashed with `Out of range float values are not JSON compliant: inf`."""
    big = tmp_path / "big.csv"
    big.write_text("a,b,y\n1e308,1e308,1\n")
    result = run("eval", models["reg"], big, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout, parse_constant=lambda c: pytest.fail(f"not JSON: {c}"))
    assert (doc["loss"], doc["mse"]) == ("inf", "inf")
    table = run("eval", models["reg"], big)
    assert table.exit_code == 0 and table.stderr == ""
    assert "loss      inf\nmse       inf\n" in table.stdout


def test_a_nan_output_has_no_class_and_counts_as_wrong(run, models, tmp_path):
    """Huge inputs make the outputs nan: that sample is wrong, never a class (argmax
    would have made it setosa, which is also its true class)."""
    rows = tmp_path / "nan.csv"
    rows.write_text("sepal_length,sepal_width,petal_length,petal_width,species\n"
                    "1e308,-1e308,1e308,-1e308,setosa\n5.1,3.5,1.4,0.2,setosa\n6.3,3.3,6.0,2.5,virginica\n")
    doc = eval_json(run, models["iris"], rows)
    assert (doc["correct"], doc["samples"]) == (2, 3)
    assert doc["confusion"] == [[1, 0, 0], [0, 0, 0], [0, 0, 1]] and doc["no_class"] == [1, 0, 0]
    lines = run("eval", models["iris"], rows).stdout.splitlines()
    assert lines[2] == "accuracy  66.7% (2 of 3)"
    assert [h.strip() for h in lines[5].split("┃")[1:-1]][-2:] == ["no class (nan)", "recall"]
    assert [c.strip() for c in lines[7].split("│")[1:-1]] == ["setosa", "1", "0", "0", "1", "50.0%"]


def test_without_nan_outputs_the_table_has_no_such_column(run, models):
    doc = eval_json(run, models["iris"])
    assert doc["no_class"] == [0, 0, 0]
    assert "no class" not in run("eval", models["iris"]).stdout
