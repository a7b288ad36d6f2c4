"""The replay page (`train --report`, `mgrad report`), in a real browser: headless
Chromium driven by selenium, as the graph page is (tests/inspect/test_html.py)."""

import json
import re

import pytest

from mgrad_cli.models.report import MAX_BYTES, script_json

from conftest import headless_chromium, write

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
    assert result.exit_code == 0 and result.stdout == f"Report of 30 epochs written to {moons_run / 'again.html'}.\n"
    assert (moons_run / "again.html").read_text() == (moons_run / "m.html").read_text()


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


def test_snapshots_are_every_epoch_up_to_200_else_200_with_the_first_and_last():
    from mgrad_cli.training.snapshots import MAX, planned

    assert planned(150) == set(range(1, 151))
    many = planned(1001)
    assert len(many) == MAX and {1, 1001} <= many
