"""datasets.py: the built-ins, the split, standardization and CSV reading."""

import json
import os
import warnings

import numpy as np
import pytest

from mgrad_cli.data.csvfile import read_csv
from mgrad_cli.data.datasets import BUILTINS, Builtin, Param, load_dataset
from mgrad_cli.errors import DataError

from conftest import write


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_builtins_are_seeded(name):
    cfg = {"name": name, **BUILTINS[name].defaults, "test_split": 0.25, "standardize": False}
    a, b = load_dataset(cfg, 3), load_dataset(cfg, 3)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y) and np.array_equal(a.test_idx, b.test_idx)
    assert a.X.dtype == np.float64 and a.y.dtype.kind == "i"
    if name != "tiny":
        assert not np.array_equal(a.X, load_dataset(cfg, 4).X)
        assert a.n_classes == BUILTINS[name].defaults.get("classes", 2)


# (mgrad data settings, the same call to scikit-learn): mgrad keeps its own defaults, and
# the same parameters give the same points
SKLEARN_CASES = [
    ({"name": "moons", "n_samples": 100, "noise": 0.1}, "make_moons", {"n_samples": 100, "noise": 0.1}),
    ({"name": "moons", "n_samples": 7, "noise": 0.0}, "make_moons", {"n_samples": 7, "noise": 0.0}),
    ({"name": "moons", "n_samples": 301, "noise": 0.3}, "make_moons", {"n_samples": 301, "noise": 0.3}),
    ({"name": "circles", "n_samples": 100, "noise": 0.1, "factor": 0.5}, "make_circles",
     {"n_samples": 100, "noise": 0.1, "factor": 0.5}),
    ({"name": "circles", "n_samples": 33, "noise": 0.05, "factor": 0.8}, "make_circles",
     {"n_samples": 33, "noise": 0.05, "factor": 0.8}),
    ({"name": "blobs", "n_samples": 100, "noise": 1.0, "classes": 3, "features": 2}, "make_blobs",
     {"n_samples": 100, "cluster_std": 1.0, "centers": 3, "n_features": 2, "center_box": (-5, 5)}),
    ({"name": "blobs", "n_samples": 50, "noise": 0.4, "classes": 4, "features": 5}, "make_blobs",
     {"n_samples": 50, "cluster_std": 0.4, "centers": 4, "n_features": 5, "center_box": (-5, 5)}),
]


@pytest.mark.parametrize("seed", [0, 1, 1337, 2 ** 32 - 1])
@pytest.mark.parametrize("data, make, kwargs", SKLEARN_CASES)
def test_generators_give_scikit_learns_points(sklearn_datasets, data, make, kwargs, seed):
    ds = load_dataset({**data, "standardize": False, "test_split": 0.0}, seed)
    X, y = getattr(sklearn_datasets, make)(random_state=seed, **kwargs)
    assert np.array_equal(ds.X, X) and np.array_equal(ds.y, y)


def test_tiny_is_the_lectures_data():
    ds = load_dataset({"name": "tiny"}, 0)
    assert ds.X.tolist() == [[2, 3, -1], [3, -1, 0.5], [0.5, 1, 1], [1, 1, -1]]
    assert [ds.class_names[i] for i in ds.y] == ["1", "-1", "-1", "1"]


def test_split_is_stratified_and_standardization_uses_training_rows(repo):
    ds = load_dataset({"name": "csv", "csv": os.path.join(repo, "datasets", "iris.csv"), "target": "species", "task": "auto",
                       "standardize": True, "test_split": 0.2}, 0)
    assert np.bincount(ds.y_test).tolist() == [10, 10, 10]
    assert np.allclose(ds.X_train.mean(axis=0), 0) and np.allclose(ds.X_train.std(axis=0), 1)
    assert not np.allclose(ds.X_test.mean(axis=0), 0)
    assert ds.class_names == ["setosa", "versicolor", "virginica"]


def test_csv_labels(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("a,b,label\n1,2,10\n3,4,2\n5,6,10\n")
    X, y, task, names, features = read_csv(str(p))
    assert (task, names, y.tolist(), features) == ("classification", ["2", "10"], [1, 0, 1], ["a", "b"])
    p.write_text("a,y\n1,0.5\n2,1.5\n")
    X, y, task, names, _ = read_csv(str(p))
    assert task == "regression" and names is None and y.tolist() == [0.5, 1.5]


def test_many_whole_numbers_ask_for_the_task(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = "".join(f"{i},{100 + i}\n" for i in range(21))
    (tmp_path / "d.csv").write_text("a,score\n" + rows)
    with pytest.raises(DataError) as e:
        read_csv("d.csv")
    assert str(e.value) == ("d.csv: column 'score' holds 21 different whole numbers: set data.task: regression "
                            "to predict it as a number, or data.task: classification to take each number as a class")
    assert read_csv("d.csv", task="regression")[2] == "regression"
    X, y, task, names, _ = read_csv("d.csv", task="classification")
    assert task == "classification" and len(names) == 21
    (tmp_path / "d.csv").write_text("a,score\n" + rows.split("\n", 1)[1])  # 20 numbers: classes
    assert read_csv("d.csv")[2] == "classification"


@pytest.mark.parametrize("text, message", [
    ("a,b,t\n1,2,x\n\n3,,y\n", "d.csv, line 4, column 'b': expected a number, got an empty cell"),
    ("a,b,t\n1,2,x\n3,4,y,5\n", "d.csv, line 3: expected 3 columns as in the header, got 4"),
    ("", "d.csv: the file is empty (expected a header row, then data)"),
    ("a,t\n", "d.csv: no data rows after the header"),
    ("a,t\n1,x\n2,x\n", "d.csv: column 't' has a single class (x); a classifier needs at least two"),
    ("a,a,y\n1,2,x\n3,4,y\n", "d.csv, line 1, column 'a': the column appears twice"),
    ("a, ,y\n1,2,x\n3,4,y\n", "d.csv, line 1, column 2: the column has no name"),
])
def test_csv_errors(tmp_path, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_text(text)
    with pytest.raises(DataError) as e:
        read_csv(str(tmp_path / "d.csv"))
    assert str(e.value) == message


def test_features_too_large_to_standardize_name_the_column(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "big.csv").write_text("a,b,y\n1e308,1,0\n-1e308,2,1\n")
    cfg = {"name": "csv", "csv": "big.csv", "target": None, "task": "auto", "standardize": True, "test_split": 0.0}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy RuntimeWarning
        with pytest.raises(DataError) as e:
            load_dataset(cfg, 0)
    assert str(e.value) == ("big.csv, column 'a': too large to standardize (the standard deviation is not a "
                            "finite number); rescale the column or set data.standardize: false")


def test_a_huge_noise_is_blamed_on_the_data_not_the_learning_rate():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataError) as e:
            load_dataset({"name": "moons", "n_samples": 20, "noise": 1e308, "test_split": 0.0}, 0)
    assert str(e.value) == "moons: the generated features are not all finite numbers; use a smaller data.noise"


def ring(n_samples, radius, rng):
    """Points on a circle of the given radius, labelled by half plane."""
    t = rng.uniform(0, 2 * np.pi, n_samples)
    X = radius * np.column_stack([np.cos(t), np.sin(t)])
    return X, (X[:, 0] > 0).astype(int)


def test_a_new_data_set_and_parameter_is_one_entry(run, tmp_path, monkeypatch):
    # the one entry: a generator and its parameters; validation, training and listing follow
    monkeypatch.setitem(BUILTINS, "ring", Builtin(ring, {
        "n_samples": Param("integer", 40, {"minimum": 4}),
        "radius": Param("number", 2.0, {"minimum": 0.0, "open_ends": True})}))
    cfg = write(tmp_path, "ring.yaml", "data: {name: ring, radius: 3}\nmodel: {layers: [4, 1]}\nepochs: 3\n")
    result = run("train", cfg, "-q")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Trained MLP 2-4-1 (17 parameters) on ring for 3 epochs")
    assert load_dataset({"name": "ring", "n_samples": 40, "radius": 3.0}, 0).X[:, 0].max() <= 3.0
    bad = write(tmp_path, "bad.yaml", "data: {name: ring, radius: 0}\n")
    assert run("train", bad).output == f"Error: {bad}: data.radius: expected a positive number, got 0\n"
    bad = write(tmp_path, "bad.yaml", "data: {name: ring, noise: 1}\n")
    assert run("train", bad).output == (f"Error: {bad}: data.noise: not a setting of data set ring "
                                        f"(it takes n_samples, radius)\n")
    listed = json.loads(run("datasets", "--json").stdout)["builtin"][-1]
    assert listed == {"name": "ring", "params": {"n_samples": 40, "radius": 2.0}, "samples": 40, "features": 2,
                      "classes": 2, "description": "Points on a circle of the given radius, labelled by half plane."}
