"""Draw the pictures of README.md and docs/ into docs/images/, with this checkout's mgrad.

    python docs/make_images.py                  # all of them
    python docs/make_images.py neuron.svg       # one (or a few), by file name
    python docs/make_images.py --out /tmp/pics  # somewhere else (tests/test_docs.py)

Needs Graphviz's dot (the graphs), matplotlib (the training figure), and chromium with
chromedriver and selenium (the screenshot of the HTML page). Each picture is made by the
command its page shows, run in a scratch folder with COLUMNS=100; the same commands give
the same pictures (the SVGs and the figure byte for byte, up to the tools' versions).
"""

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
IMAGES = REPO / "docs" / "images"
NEURON = ["n = x1*w1 + x2*w2 + b; o = tanh(n)", "x1=2", "x2=0", "w1=-3", "w2=1", "b=6.8813735870195432"]
LECTURE = ["e = a*b; d = e + c; L = d * f", "a=2", "b=-3", "c=10", "f=-2"]
SCREEN = (1200, 520)  # the browser window of the screenshot, in CSS pixels
STEPS = 14  # how far the screenshot steps into the page: the backward pass, x1.grad += ∂t2/∂x1 × t2.grad


def mgrad(*args, folder, colour=False):
    """Run `python -m mgrad_cli ARGS` in folder; return its stdout."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(COLUMNS="100", PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])))
    env.update(FORCE_COLOR="1", TERM="xterm-256color") if colour else env.update(NO_COLOR="1")
    proc = subprocess.run([sys.executable, "-m", "mgrad_cli", *args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise SystemExit(f"mgrad {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def neuron_svg(path, folder):
    """The lecture's neuron, as `mgrad graph` draws it (README, step 2)."""
    mgrad("graph", *NEURON, "--no-table", "-o", str(path), folder=folder)


def lecture_svg(path, folder):
    """The lecture's first expression, L = (a*b + c) * f (docs/inspection.md)."""
    mgrad("graph", *LECTURE, "--no-table", "-o", str(path), folder=folder)


def moons_png(path, folder):
    """micrograd's demo, trained: curves and decision boundary (README, step 1). The tensor
    engine gives the scalar engine's numbers, in a fraction of the time."""
    mgrad("train", "moons", "--engine", "tensor", "-q", "--plot", str(path), folder=folder)


def train_xor_svg(path, folder):
    """`mgrad train xor --chart -q` as a colour terminal shows it (docs/training.md)."""
    from rich.console import Console
    from rich.text import Text

    output = mgrad("train", "xor", "--chart", "-q", folder=folder, colour=True)
    # the chart is 100 columns wide; 120 keeps the summary lines whole
    console = Console(record=True, width=120, file=io.StringIO(), force_terminal=True, color_system="truecolor")
    console.print(Text.from_ansi(output.rstrip("\n")))
    console.save_svg(str(path), title="mgrad train xor --chart -q")


def neuron_page_png(path, folder):
    """The HTML page of the neuron, stepped into its backward pass, in headless Chromium
    (README, step 4)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    page = Path(folder) / "neuron.html"
    mgrad("graph", *NEURON, "--no-table", "-o", str(page), folder=folder)
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    profile = tempfile.mkdtemp(dir=folder)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1",
                 f"--window-size={SCREEN[0]},{SCREEN[1]}", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        browser.set_window_size(*SCREEN)
        browser.get(page.as_uri())
        body = browser.find_element(By.TAG_NAME, "body")
        fit = browser.find_element(By.ID, "fit")
        if not fit.is_selected():  # the whole graph, however wide
            fit.click()
        for _ in range(STEPS):
            body.send_keys(Keys.ARROW_RIGHT)
        browser.save_screenshot(str(path))
    finally:
        browser.quit()


def _screenshot(page, path, folder, size=(1200, 900)):
    """A screenshot of a page, in headless Chromium at `size` CSS pixels."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    profile = tempfile.mkdtemp(dir=folder)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1",
                 f"--window-size={size[0]},{size[1]}", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        browser.set_window_size(*size)
        browser.get(page.as_uri())
        browser.save_screenshot(str(path))
    finally:
        browser.quit()


def report_spiral_png(path, folder):
    """The replay page of three spiral arms on the tensor engine: a region per class, a
    picture per hidden neuron (docs/training.md)."""
    page = Path(folder) / "spiral.html"
    mgrad("train", "spiral", "--engine", "tensor", "--report", str(page), "-q", folder=folder)
    _screenshot(page, path, folder, (1200, 1100))


def report_iris_png(path, folder):
    """The replay page of iris: the confusion matrix (docs/training.md)."""
    page = Path(folder) / "iris.html"
    mgrad("train", "iris", "--report", str(page), "-q", folder=folder)
    _screenshot(page, path, folder)


PICTURES = {
    "report-spiral.png": report_spiral_png,
    "report-iris.png": report_iris_png,
    "moons.png": moons_png,
    "neuron.svg": neuron_svg,
    "neuron-page.png": neuron_page_png,
    "lecture.svg": lecture_svg,
    "train-xor.svg": train_xor_svg,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"pictures to draw (default: all): {', '.join(PICTURES)}")
    parser.add_argument("--out", type=Path, default=IMAGES, help="the folder to draw into (default: docs/images)")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in PICTURES]
    if unknown:
        parser.error(f"no such picture: {', '.join(unknown)}")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        for name in args.names or PICTURES:
            PICTURES[name](args.out.resolve() / name, folder)
            print(f"drew {name} ({(args.out / name).stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
