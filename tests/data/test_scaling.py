"""Unscaled data is named (data/scaling.py): `mgrad train` says so in one line as the run
starts, with the fix; the summary repeats it when the run ends no better than chance;
standardized data, borderline data and every shipped config say nothing; the doctor
names the cause once (training/doctor.py)."""

import numpy as np
import pytest

from mgrad_cli.data import scaling, shipped
from mgrad_cli.data.datasets import Dataset, load_dataset
from mgrad_cli.training.config import load_config

from conftest import write

FIX = "set data.standardize: true"
# the pets: weights 4-20, heights 25-55, cats and dogs; micrograd's defaults (a
# relu net, hinge loss, sgd) train flat at 50% on them, and at 98% standardized
PETS_HINT = ("Hint: inputs are far from unit scale (height: mean 40, std 8.6; weight: mean 11, std 4.2); "
             + FIX)


def pets(folder, config="epochs: 30\nengine: tensor\n"):
    rng = np.random.default_rng(0)
    dog = np.arange(60) % 2 == 1
    weight = np.where(dog, rng.uniform(10, 20, 60), rng.uniform(4, 12, 60))
    height = np.where(dog, rng.uniform(38, 55, 60), rng.uniform(25, 40, 60))
    rows = [f"{w:.1f},{h:.1f},{'dog' if d else 'cat'}" for w, h, d in zip(weight, height, dog)]
    write(folder, "pets.csv", "weight,height,kind\n" + "\n".join(rows) + "\n")
    return write(folder, "pets.yaml", "data: {csv: pets.csv}\n" + config)


def csv_config(folder, header, rows, extra=""):
    """A CSV of `rows` (tuples) and a 3-epoch config over it."""
    write(folder, "d.csv", ",".join(header) + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n")
    return write(folder, "d.yaml", f"data: {{csv: d.csv{extra}}}\nmodel: {{layers: [4, 1]}}\nloss: mse\n"
                                   "epochs: 3\nengine: tensor\n")


def test_the_pets_get_the_hint_once_at_the_start_and_again_in_a_summary_at_chance(run, tmp_path):
    result = run("train", pets(tmp_path), "--no-chart")
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == PETS_HINT  # first, before the run's introduction
    assert result.stderr.count("Hint:") == 1 and result.stderr.splitlines()[0] == PETS_HINT
    summary = result.stdout.splitlines()
    at = summary.index("Final loss 1.00000, train accuracy 50.0% (60 samples).")  # the majority's share
    assert summary[at + 1] == PETS_HINT  # at chance: the summary repeats it
    # the doctor names the cause once, in place of its advice, and leaves the setting to the hint
    assert result.stderr.count("standardize the inputs") == 1
    assert "layer 1: 100% of ReLUs dead since epoch 3: standardize the inputs" in result.stderr


def test_a_run_better_than_chance_is_not_told_again(run, tmp_path):
    tanh = "model: {layers: [8, 1], activation: tanh}\nloss: bce\noptimizer: {name: adam, lr: 0.05}\n"
    result = run("train", pets(tmp_path, tanh + "epochs: 30\nengine: tensor\n"), "-q")
    assert result.exit_code == 0 and "train accuracy 75.0%" in result.stdout
    assert result.stderr.splitlines()[0] == PETS_HINT and "Hint" not in result.stdout


def test_standardized_pets_get_no_hint(run, tmp_path):
    result = run("train", pets(tmp_path), "-q", "--set", "data.standardize=true")
    assert result.exit_code == 0 and "train accuracy 98.3%" in result.stdout
    assert "Hint" not in result.output and "standardize" not in result.output


def test_house_prices_name_the_target_and_a_negative_r2_repeats_it(run, tmp_path):
    rng = np.random.default_rng(0)
    rooms, age = rng.integers(1, 6, 80), rng.uniform(0, 1, 80)
    price = 50000 + 40000 * rooms - 30000 * age + rng.normal(0, 10000, 80)
    rows = [(f"{(r - 3) / 1.4:.3f}", f"{a:.3f}", f"{p:.0f}") for r, a, p in zip(rooms, age, price)]
    cfg = csv_config(tmp_path, ["rooms", "age", "price"], rows, ", task: regression")
    write(tmp_path, "d.yaml", (tmp_path / "d.yaml").read_text().replace("epochs: 3", "epochs: 30")
          .replace("[4, 1]}", "[8, 1], activation: tanh}\noptimizer: {name: adam, lr: 0.05}"))
    hint = "Hint: the target is far from unit scale (price: mean 158162, std 61173); " + FIX
    result = run("train", cfg, "-q")
    assert result.exit_code == 0 and result.stderr == hint + "\n"
    assert "R² -6.683 (80 samples).\n" + hint + "\n" in result.stdout  # R² ≤ 0: repeated
    scaled = run("train", cfg, "-q", "--set", "data.standardize=true")  # the same fix
    assert "R² 0.9725" in scaled.stdout and "Hint" not in scaled.output


def test_standard_deviations_ten_times_apart_trip_it(run, tmp_path):
    rows = [(3 * s, 0.25 * t, i % 2) for i, (s, t) in enumerate(zip([1, -1] * 10, [1, 1, -1, -1] * 5))]
    result = run("train", csv_config(tmp_path, ["wide", "narrow", "y"], rows), "-q")
    assert result.exit_code == 0
    assert result.stderr == f"Hint: input scales differ 12x (wide: std 3; narrow: std 0.25); {FIX}\n"


@pytest.mark.parametrize("mean, std, ratio, fires", [
    (4.99, 4.99, 9.9, False),  # each just under its threshold: nothing
    (5.0, 5.0, 10.0, False),   # each exactly at it (the rule says past): nothing
    (5.01, 1.0, 1.0, True),    # a mean just over
    (0.0, 5.01, 1.0, True),    # a std just over
    (0.0, 1.0, 10.1, True),    # the stds just over 10x apart
])
def test_the_thresholds_are_strict(run, tmp_path, mean, std, ratio, fires):
    """Two alternating values make a column's mean and std exact: (a + b)/2, |a - b|/2.
    The target is a regression's, held at the thresholds too."""
    signs = [1, -1] * 10
    rows = [(mean + std * s, std / ratio * t, 4.99 + 4.99 * s)
            for s, t in zip(signs, [1, 1, -1, -1] * 5)]
    result = run("train", csv_config(tmp_path, ["a", "b", "y"], rows, ", task: regression"), "-q")
    assert result.exit_code == 0
    assert ("Hint:" in result.stderr) == fires, result.stderr


def test_a_constant_column_has_no_spread_and_a_target_just_over_is_named(tmp_path):
    rows = [(0.1, s, 5.01 + s) for s in [1, -1] * 10]  # 0.1 repeated: its std rounds to about 1e-17
    csv_config(tmp_path, ["same", "x", "y"], rows)
    dataset = load_dataset({"name": "csv", "csv": str(tmp_path / "d.csv"), "task": "regression"}, 0)
    found = scaling.check(dataset, standardize=False)
    assert (found.features, found.spread, found.target.name) == ((), None, "y")
    assert (found.target.mean, found.target.std) == pytest.approx((5.01, 1.0))
    assert scaling.check(dataset, standardize=True) is None


def test_only_the_training_rows_count():
    X = np.array([[1.0, -1.0], [-1.0, 1.0], [1.0, 1.0], [-1.0, -1.0], [900.0, 900.0]])
    y = np.array([0, 1, 1, 0, 1])

    def dataset(train, held):
        return Dataset("d", X, y, "classification", ["0", "1"], ["a", "b"], np.array(train), np.array([]),
                       val_idx=np.array(held))

    assert scaling.check(dataset([0, 1, 2, 3], [4]), standardize=False) is None  # a far row held out
    assert scaling.check(dataset([1, 2, 3, 4], [0]), standardize=False).features[0].name == "a"


def test_the_hint_wraps_between_words_within_80_columns(run, tmp_path):
    cfg = pets(tmp_path)
    wide = run("train", cfg, "-q", "--epochs", "2").stderr.splitlines()[0]
    assert wide == PETS_HINT and len(wide) > 80  # one line on a wide terminal
    lines = run("train", cfg, "-q", "--epochs", "2", env={"COLUMNS": "80"}).stderr.splitlines()
    hint = lines[:2]
    assert all(len(line) <= 80 for line in lines) and " ".join(hint) == PETS_HINT  # never cut


def test_names_from_data_are_shown_as_themselves_and_a_long_one_shortened(run, tmp_path):
    names = ["[bold red]x[/] :smile:", "a_very_long_feature_name_from_a_survey"]
    rows = [(40 + 8 * s, s, i % 2) for i, s in enumerate([1, -1, -1, 1] * 5)]
    result = run("train", csv_config(tmp_path, names + ["y"], rows), "-q")
    assert result.stderr == f"Hint: inputs are far from unit scale ([bold red]x[/] :smile:: mean 40, std 8); {FIX}\n"
    rows = [(s, 40 + 8 * s, i % 2) for i, s in enumerate([1, -1, -1, 1] * 5)]
    result = run("train", csv_config(tmp_path, names + ["y"], rows), "-q")
    assert f"(a_very_long_feature_nam…: mean 40, std 8); {FIX}" in result.stderr


@pytest.mark.parametrize("name", shipped.config_names())
def test_no_shipped_config_trips_it(name):
    config = load_config(name)
    dataset = load_dataset(config["data"], config["seed"])
    assert scaling.check(dataset, config["data"].get("standardize")) is None
