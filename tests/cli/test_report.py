"""The replay page (`train --report`, `mgrad report`), in a real browser: headless
Chromium driven by selenium, as the graph page is (tests/inspect/test_html.py)."""

import colorsys
import json
import re

import numpy as np
import pytest

from mgrad_cli.models.report import MAX_BYTES, script_json

from conftest import headless_chromium, write
from models import RELU_LR50

MOONS = """\
seed: 1
data: {name: moons, n_samples: 80, noise: 0.1, test_split: 0.25}
model: {layers: [8, 1], activation: tanh, output: linear}
loss: {name: hinge}
optimizer: {name: adam, lr: 0.05}
epochs: 30
engine: tensor
"""


@pytest.fixture(scope="module")
def browser():
    with headless_chromium("1280,900") as chrome:
        yield chrome


@pytest.fixture(scope="module")
def moons_run(tmp_path_factory):
    from click.testing import CliRunner
    from mgrad_cli.cli.app import cli

    folder = tmp_path_factory.mktemp("report")
    cfg = write(folder, "moons.yaml", MOONS)
    result = CliRunner().invoke(cli, ["train", str(cfg), "--save", str(folder / "m.json"),
                                      "--report", str(folder / "m.html"), "-q"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return folder


def pixels(browser):
    return browser.execute_script("return document.getElementById('boundary').toDataURL()")


def test_the_page_loads_with_no_network_request_and_no_error(browser, moons_run):
    page = moons_run / "m.html"
    assert page.stat().st_size < MAX_BYTES
    assert not re.search(r"(src|href)=\"?https?:", page.read_text())
    browser.get(page.as_uri())
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    assert browser.execute_script("return window.mgradReport.epochs") == list(range(1, 31))


def test_the_slider_moves_the_boundary_and_play_advances(browser, moons_run):
    browser.get((moons_run / "m.html").as_uri())
    last = pixels(browser)
    browser.execute_script("const s = document.getElementById('epoch'); s.value = 0;"
                           "s.dispatchEvent(new Event('input'));")
    assert "epoch 1 of 30" in browser.find_element("id", "epoch-label").text
    assert pixels(browser) != last
    browser.find_element("id", "play").click()
    browser.implicitly_wait(0)
    import time
    time.sleep(0.8)
    epoch = int(re.search(r"epoch (\d+)", browser.find_element("id", "epoch-label").text).group(1))
    assert epoch > 1
    browser.find_element("id", "play").click()  # pause
    paused = browser.find_element("id", "epoch-label").text
    time.sleep(0.5)
    assert browser.find_element("id", "epoch-label").text == paused
    assert browser.find_element("id", "play").text == "play"


def test_the_forward_pass_agrees_with_predict(browser, moons_run, run):
    rows = [[0.1, 0.2], [-1.5, 2.0], [2.0, -0.5], [1e3, -1e3]]
    args = [x for r in rows for x in ("--input", ",".join(map(str, r)))]
    expected = json.loads(run("predict", moons_run / "m.json", *args, "--json").stdout)["predictions"]
    browser.get((moons_run / "m.html").as_uri())
    got = browser.execute_script("return window.mgradReport.predict(30, arguments[0])", rows)
    for g, e in zip(got, expected, strict=True):
        assert g["prediction"] == e["prediction"] and g["class"] == e["class"]
        for a, b in zip(g["outputs"], e["outputs"], strict=True):
            assert abs(a - b) <= 1e-9 * max(1.0, abs(b))


def test_mgrad_report_writes_the_same_page_from_the_checkpoint(run, moons_run):
    result = run("report", moons_run / "m.json", "-o", moons_run / "again.html")
    assert result.exit_code == 0
    assert result.stdout == f"Report of 30 epochs (30 snapshots) written to {moons_run / 'again.html'}.\n"
    assert (moons_run / "again.html").read_text() == (moons_run / "m.html").read_text()
    assert "moons: MLP 2-8-1" in (moons_run / "m.html").read_text()  # backends.mlp.sizes_text


def test_a_checkpoint_without_snapshots_says_how_to_keep_them(run, tmp_path):
    cfg = write(tmp_path, "moons.yaml", MOONS.replace("epochs: 30", "epochs: 2"))
    run("train", cfg, "--save", tmp_path / "m.json", "-q")
    result = run("report", tmp_path / "m.json", "-o", tmp_path / "m.html")
    assert result.exit_code == 2
    assert "has no weight snapshots to replay; train with --snapshots" in result.stderr


def test_names_are_escaped_for_the_inline_script():
    text = script_json({"name": "</script><b>&\u2028\u2029"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == {"name": "</script><b>&\u2028\u2029"}


def test_snapshots_are_every_epoch_up_to_200_else_200_with_the_first_last_and_kept():
    from mgrad_cli.training.snapshots import MAX, Snapshots, chosen

    assert chosen(list(range(1, 151))) == list(range(1, 151))
    many = chosen(list(range(1, 1002)), [777])
    assert len(many) == MAX and {1, 777, 1001} <= set(many)
    assert set(np.diff([e for e in many if e != 777])) == {5, 6}  # evenly spaced, and the kept one
    snaps = Snapshots()
    for epoch in range(1, 1002):
        snaps.take(epoch, np.full(3, float(epoch)))
        assert len(snaps.kept) <= 2 * MAX  # the memory stays bounded, however long the run
    state = snaps.state_dict()
    assert len(state["epochs"]) == MAX and state["epochs"][0] == 1 and state["epochs"][-1] == 1001
    assert all(w == [float(e)] * 3 for e, w in zip(state["epochs"], state["weights"]))


# --- 2-D inputs with three classes: a region per class, in the legend's colours ----------

SPIRAL = """\
seed: 0
data: {name: spiral, n_samples: 120, noise: 0.2, classes: 3, test_split: 0.2, val_split: 0.2}
model: {layers: [12, 12, 3], activation: relu, output: linear}
loss: {name: cross_entropy}
optimizer: {name: adam, lr: 0.05}
epochs: 40
engine: tensor
"""
# the hue (in 10-degree bins) of every pixel of the boundary with some colour in it
HUES = """
const c = document.getElementById('boundary'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
const bins = new Array(36).fill(0);
for (let k = 0; k < d.length; k += 4) {
  const r = d[k] / 255, g = d[k + 1] / 255, b = d[k + 2] / 255, hi = Math.max(r, g, b), lo = Math.min(r, g, b);
  if (hi - lo < 0.08) continue;
  let h = hi === r ? ((g - b) / (hi - lo)) % 6 : hi === g ? (b - r) / (hi - lo) + 2 : (r - g) / (hi - lo) + 4;
  bins[Math.floor(((h * 60 + 360) % 360) / 10)] += 1;
}
return bins;
"""


def page_at(browser, path):
    """Open a page; it made no request and logged no error."""
    browser.get(path.as_uri())
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


def hue_clusters(bins, share=0.03):
    """The hues (degrees) of the runs of neighbouring bins that hold `share` of the pixels
    or more, each the weighted middle of its run."""
    total = sum(bins)
    strong = [b >= share * total for b in bins]
    start = next((i for i in range(36) if not strong[i]), 0)  # a run never wraps past here
    clusters, run = [], []
    for j in range(start, start + 37):
        i = j % 36
        if strong[i] and j < start + 36:
            run.append(i)
        elif run:
            x = sum(np.exp(2j * np.pi * (k * 10 + 5) / 360) * bins[k] for k in run)
            clusters.append(float(np.degrees(np.angle(x)) % 360))
            run = []
    return clusters


def hue(rgb_text):
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+", rgb_text)[:3])
    return 360 * colorsys.rgb_to_hsv(r, g, b)[0]


def train_cli(folder, name, text, *args):
    from click.testing import CliRunner
    from mgrad_cli.cli.app import cli

    cfg = write(folder, name, text) if text else name
    result = CliRunner().invoke(cli, ["train", str(cfg), "--save", str(folder / "m.json"), "--report",
                                      str(folder / "m.html"), "-q", *args], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return folder


def test_three_classes_in_2d_get_a_region_each_in_the_legend_colours(browser, tmp_path):
    train_cli(tmp_path, "spiral.yaml", SPIRAL)
    page_at(browser, tmp_path / "m.html")
    legend = browser.find_elements("css selector", "#legend .key")
    assert [k.text for k in legend] == ["0", "1", "2"]
    swatches = [hue(k.find_element("css selector", ".swatch").value_of_css_property("background-color"))
                for k in legend]
    regions = hue_clusters(browser.execute_script(HUES))
    assert len(regions) == 3, regions
    for region, swatch in zip(sorted(regions), sorted(swatches)):
        assert abs(region - swatch) < 12, (regions, swatches)
    shapes = browser.find_element("css selector", "#legend .shapes").text
    assert all(word in shapes for word in ("training rows", "validation rows", "test rows"))
    # a small picture per hidden neuron, each painted (a neuron that fired somewhere has colour)
    canvases = browser.find_elements("css selector", "#neurons canvas")
    assert len(canvases) == 24
    coloured = browser.execute_script("""return Array.from(document.querySelectorAll('#neurons canvas'), (c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let k = 0; k < d.length; k += 4) if (d[k] !== 255 || d[k + 1] !== 255 || d[k + 2] !== 255) return true;
        return false; });""")
    assert sum(coloured) >= 20  # a few ReLUs may be dead: all white


@pytest.mark.parametrize("name", ["circles", "moons", "xor", "spiral"])
def test_every_2d_shipped_config_draws_its_boundary_and_neurons(browser, tmp_path, name):
    from mgrad_cli.data import shipped
    from mgrad_cli.training.config import load_config
    from models import config_path

    config = load_config(config_path(name))
    train_cli(tmp_path, config_path(name), None, "--epochs", "3", "--engine", "tensor")
    page_at(browser, tmp_path / "m.html")
    hidden = sum(config["model"]["layers"][:-1])
    assert len(browser.find_elements("css selector", "#neurons canvas")) == hidden
    classes = 3 if name == "spiral" else 2
    assert len(browser.find_elements("css selector", "#legend .key")) == classes
    assert name in shipped.config_names()


def test_names_from_the_data_are_shown_as_text(browser, tmp_path):
    from test_names import CLASSES, FEATURES, hostile_csv

    config, _ = hostile_csv(tmp_path)
    train_cli(tmp_path, config, None)
    page_at(browser, tmp_path / "m.html")
    assert [k.text for k in browser.find_elements("css selector", "#legend .key")] == sorted(CLASSES)
    assert browser.find_element("id", "axes").text == f"across: {FEATURES[0]}, up: {FEATURES[1]}"
    assert browser.find_elements("css selector", "#legend b, #legend i:not(.swatch), #axes i") == []


# --- more inputs: each split on its own --------------------------------------------------

def matrix(browser, split):
    table = browser.find_element("id", f"confusion-{split}")
    rows = [[c.text for c in tr.find_elements("css selector", "td")] for tr in table.find_elements("css selector", "tr")[1:]]
    return np.array([[int(v) for v in r[1:-1]] for r in rows]), [r[-1] for r in rows]


def test_the_confusion_matrix_of_each_split_is_predict_s(browser, tmp_path, repo):
    from mgrad_cli.models import evaluate as ev

    train_cli(tmp_path, f"{repo}/configs/iris.yaml", None, "--set", "data.val_split=0.25", "--epochs", "4")
    page_at(browser, tmp_path / "m.html")
    model = ev.load_model(str(tmp_path / "m.json"))
    ds, X = ev.training_data(model)
    shown = [box.get_attribute("data-split") for box in browser.find_elements("css selector", "#splits .split")]
    assert shown == ["train", "val", "test"]
    for split, idx in (("train", ds.train_idx), ("val", ds.val_idx), ("test", ds.test_idx)):
        predicted = model.predict(X[idx])["classes"]
        expected = np.zeros((3, 3), dtype=int)
        np.add.at(expected, (ds.y[idx], predicted), 1)
        got, accuracy = matrix(browser, split)
        assert (got == expected).all() and got.sum() == len(idx), split
        assert accuracy == [f"{100 * expected[c, c] / expected[c].sum():.1f}%" for c in range(3)]
        caption = browser.find_element("css selector", f".split[data-split={split}] h3").text
        assert caption.startswith(f"{split}: {len(idx)} rows, accuracy ")


def test_a_regression_shows_each_split_s_errors_and_opens_at_the_kept_epoch(browser, tmp_path, run):
    train_cli(tmp_path, "diabetes", None, "--set", "early_stopping.patience=3")
    ckpt = json.loads((tmp_path / "m.json").read_text())
    kept, last = ckpt["early_stopping"]["best_epoch"], ckpt["epoch"]
    assert ckpt["early_stopping"]["stopped"] and kept < last
    page_at(browser, tmp_path / "m.html")
    assert browser.execute_script("return window.mgradReport.epochs") == list(range(1, last + 1))  # every epoch
    assert browser.find_element("id", "epoch-label").text == f"epoch {kept} of {last} (the weights kept)"
    from mgrad_cli.models import evaluate as ev

    model = ev.load_model(str(tmp_path / "m.json"))
    ds, X = ev.training_data(model)
    for split, idx in (("train", ds.train_idx), ("val", ds.val_idx), ("test", ds.test_idx)):
        canvas = browser.find_element("id", f"errors-{split}")
        assert sum(json.loads(canvas.get_attribute("data-bins"))) == len(idx)
        errors = model.predict(X[idx])["values"] - ds.y[idx]
        caption = browser.find_element("css selector", f".split[data-split={split}] h3").text
        mae = float(re.search(r"MAE ([\d.]+)", caption).group(1))
        assert caption.startswith(f"{split}: {len(idx)} rows") and mae == pytest.approx(np.abs(errors).mean(), rel=1e-3)
    rows = X[:5].tolist()
    expected = json.loads(run("predict", tmp_path / "m.json", *[a for r in rows for a in ("--input", ",".join(map(repr, r)))],
                              "--json").stdout)["predictions"]
    got = browser.execute_script(f"return window.mgradReport.predict({kept}, arguments[0])", rows)
    for g, e in zip(got, expected, strict=True):
        assert abs(g["prediction"] - e["prediction"]) <= 1e-9 * max(1.0, abs(e["prediction"]))


@pytest.mark.slow
def test_the_biggest_shipped_config_stays_under_5_mb_and_agrees_with_predict(browser, tmp_path, run):
    train_cli(tmp_path, "digits", None, "--epochs", "150", "--no-doctor")
    page = tmp_path / "m.html"
    assert page.stat().st_size <= MAX_BYTES
    page_at(browser, page)
    epochs = browser.execute_script("return window.mgradReport.epochs")
    assert 3 < len(epochs) < 150 and epochs[0] == 1 and epochs[-1] == 150  # thinned, with the first and last
    from mgrad_cli.models import evaluate as ev

    model = ev.load_model(str(tmp_path / "m.json"))
    _, X = ev.training_data(model)
    rows = X[::150].tolist()
    expected = json.loads(run("predict", tmp_path / "m.json", *[a for r in rows for a in ("--input", ",".join(map(repr, r)))],
                              "--json").stdout)["predictions"]
    got = browser.execute_script("return window.mgradReport.predict(150, arguments[0])", rows)
    for g, e in zip(got, expected, strict=True):
        assert g["class"] == e["class"]
        for a, b in zip(g["outputs"] + list(g["probabilities"].values()), e["outputs"] + list(e["probabilities"].values()),
                        strict=True):
            assert abs(a - b) <= 1e-9 * max(1.0, abs(b))


def test_the_page_thins_its_snapshots_to_fit_keeping_the_first_last_and_kept():
    from mgrad_cli.models.report import page

    epochs = list(range(1, 201))
    weights = [[0.1234567890123 + e] * 3000 for e in epochs]  # about 60 kB a snapshot: 12 MB in all
    text, shown = page({"title": "t", "epochs": epochs, "weights": weights, "kept": 78})
    data = json.loads(re.search(r"window.mgradData = (.*?);</script>", text).group(1))
    assert len(text.encode("utf-8")) <= MAX_BYTES and shown == len(data["epochs"]) < 200
    assert shown > 70  # as many as fit (80), not half of them again and again (51)
    assert {1, 78, 200} <= set(data["epochs"])
    assert all(w[0] == 0.1234567890123 + e for e, w in zip(data["epochs"], data["weights"]))


def test_the_doctor_s_diagnoses_appear_at_their_epoch(browser, tmp_path):
    train_cli(tmp_path, "relu.yaml", RELU_LR50)
    page_at(browser, tmp_path / "m.html")
    said = "epoch 6: layer 2: 75% of ReLUs dead since epoch 2: lower the learning rate, or use tanh"
    item = browser.find_element("css selector", "#diagnoses li")
    assert item.text == said and item.get_attribute("class") == "seen"  # at the last epoch, said already
    for index, seen in ((4, ""), (5, "seen")):  # epochs 5 and 6
        browser.execute_script(f"const s = document.getElementById('epoch'); s.value = {index};"
                               "s.dispatchEvent(new Event('input'));")
        assert browser.find_element("css selector", "#diagnoses li").get_attribute("class") == seen
    browser.find_element("id", "play").click()
    browser.find_element("id", "play").click()
    browser.find_element("css selector", "#diagnoses li").click()  # goes to its epoch
    assert browser.find_element("id", "epoch-label").text == "epoch 6 of 30"
