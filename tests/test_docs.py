"""The docs stay true: the site builds, the CLI reference is the real --help, the README
is short and points to every page, and every picture is drawn by docs/make_images.py.
(tests/test_docs_examples.py runs the examples.)"""

import importlib.util
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

import docs_examples
from conftest import REPO, need, need_module

DOCS = REPO / "docs"
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")


def load(name):
    """A script of docs/ as a module."""
    spec = importlib.util.spec_from_file_location(name, DOCS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_site_builds_strictly(tmp_path):
    need("mkdocs-material", importlib.util.find_spec("material") is not None, "pip install 'mkdocs-material>=9'")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "site" / "cli-reference" / "index.html").exists()


def test_every_page_is_in_the_nav():
    nav = yaml.safe_load((REPO / "mkdocs.yml").read_text())["nav"]
    listed = [page for entry in nav for page in entry.values()]
    assert sorted(listed) == sorted(p.name for p in DOCS.glob("*.md"))


def test_the_cli_reference_is_the_help_of_every_command():
    reference = load("gen_cli_reference")
    page = reference.PAGE.read_text(encoding="utf-8")
    assert page == reference.render(), "docs/cli-reference.md is out of date: run python docs/gen_cli_reference.py"
    group = reference.helps([""])[""]
    documented = re.findall(r"^## mgrad (\w+)$", page, re.M)
    assert sorted(documented) == sorted(reference.listed_commands(group))


def test_the_readme_is_short_and_links_the_docs():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 250
    assert "https://github.com/karpathy/micrograd" in readme
    assert "https://www.youtube.com/watch?v=VMj-3S1tku0" in readme
    for page in DOCS.glob("*.md"):
        assert f"(docs/{page.name})" in readme, f"the README does not link docs/{page.name}"


def pictures():
    """{path of an image, relative to the repository: the pages that show it}."""
    shown = {}
    for page in ["README.md"] + [f"docs/{p.name}" for p in DOCS.glob("*.md")]:
        for target in IMAGE.findall((REPO / page).read_text(encoding="utf-8")):
            path = os.path.normpath(os.path.join(os.path.dirname(page), target))
            shown.setdefault(path, []).append(page)
    return shown


def test_every_picture_is_drawn_by_the_script_and_shown():
    made = {f"docs/images/{name}" for name in load("make_images").PICTURES}
    shown = pictures()
    assert set(shown) == made, "every picture a page shows is made by docs/make_images.py, and shown"
    committed = {f"docs/images/{p.name}" for p in (DOCS / "images").iterdir()}
    assert committed == made
    assert sum((REPO / path).stat().st_size for path in made) < 1_000_000


@pytest.mark.slow
def test_the_pictures_can_be_redrawn(tmp_path, dot):
    need_module("matplotlib")
    need_module("selenium")
    need("chromium and its driver", shutil.which("chromium") and shutil.which("chromedriver"),
         "apt-get install chromium chromium-driver")
    proc = subprocess.run([sys.executable, str(DOCS / "make_images.py"), "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in load("make_images").PICTURES:
        assert (tmp_path / name).stat().st_size > 1000


def test_the_examples_are_in_every_topic_page():
    """Each page but the reference and the benchmarks (whose commands are scripts) shows
    commands that tests/test_docs_examples.py runs."""
    for page in docs_examples.pages():
        if page not in ("docs/benchmarks.md", "docs/development.md"):
            assert docs_examples.examples(page), f"{page} has no example to run"


def test_the_doctor_s_calibration_table_is_up_to_date():
    """docs/training.md's table of how close each shipped config comes to each threshold."""
    calibration = load("doctor_calibration")
    page = calibration.PAGE.read_text(encoding="utf-8")
    assert page == calibration.page_with(calibration.render()), \
        "docs/training.md's calibration table is out of date: run python docs/doctor_calibration.py"


def layout_rows(page):
    """{folder: the row's text} of the development page's "Where things live" table."""
    return dict(re.findall(r"^\| `(mgrad_cli/[\w/]*)` \| (.*) \|$", page, re.M))


def unlisted_modules(rows, package):
    """The modules under `package` that the row of their folder does not name (commands/
    is named as `commands/*.py`)."""
    missing = []
    for path in sorted(package.rglob("*.py")):
        folder = f"{path.parent.relative_to(package.parent).as_posix()}/"
        if path.name == "__init__.py" or folder.endswith("/commands/"):
            continue
        if f"`{path.name}`" not in rows.get(folder, ""):
            missing.append(f"{folder}{path.name}")
    return missing


def test_the_development_page_names_every_module_where_it_lives():
    rows = layout_rows((DOCS / "development.md").read_text(encoding="utf-8"))
    assert "`commands/*.py`" in rows["mgrad_cli/cli/"]
    assert unlisted_modules(rows, REPO / "mgrad_cli") == []


def test_the_module_table_check_finds_a_missing_module():
    rows = layout_rows("| `mgrad_cli/nn/` | `mlp.py`, `optim.py` |\n")
    assert rows == {"mgrad_cli/nn/": "`mlp.py`, `optim.py`"}
    assert "mgrad_cli/nn/losses.py" in unlisted_modules(rows, REPO / "mgrad_cli")


MACHINES = ("AMD EPYC", "Intel Xeon")  # the development machines figures were measured on (docs/benchmarks.md)


def unnamed_machines(text):
    """The paragraphs of `text` that give a measurement ('Measured with', 'took', 'measured')
    without naming the machine, by MACHINES; code blocks and tables aside."""
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n|\n(?=- )", prose)]
    return [p for p in paragraphs if re.search(r"\b[Mm]easured with\b", p) and not p.startswith("|")
            and not any(machine in p for machine in MACHINES)]


def test_every_measurement_names_its_machine():
    found = {page.name: unnamed_machines(page.read_text(encoding="utf-8")) for page in DOCS.glob("*.md")}
    assert not {name: paragraphs for name, paragraphs in found.items() if paragraphs}


def test_the_machine_check_finds_an_unnamed_machine():
    page = "Measured with `x` on the 2-core development machine.\n\nMeasured with `y` on the AMD EPYC.\n"
    assert unnamed_machines(page) == ["Measured with `x` on the 2-core development machine."]
