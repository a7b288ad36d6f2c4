"""mgrad as users get it: the wheel, built from the sdist, installed into a fresh virtual
environment outside the checkout, and used from an empty folder.

    python tests/install_check.py                       # build with this Python, check with it
    python tests/install_check.py --build-only /tmp/dist         # build only; prints the wheel's path
    python tests/install_check.py --python python3.12 --wheel /tmp/dist/mgrad_cli-0.1.0-py3-none-any.whl

Building needs the `build` package (`python -m build`: the sdist first, then the wheel from
the unpacked sdist, so the sdist must hold everything). Installing takes mgrad's
dependencies from the package index. Exits 1, naming the step, if anything differs from
what a user should see. tests/test_install.py runs it; .ci/run runs it for each Python.
"""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class CheckFailed(Exception):
    pass


def clean_env(**extra):
    """The environment without what would make Python or pip see the checkout."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE")}
    env.update(extra)
    return env


def run(command, cwd, env=None, timeout=900):
    """Run command (in clean_env() unless `env` is given); return its stdout, or raise
    CheckFailed with what it printed."""
    env = clean_env() if env is None else env
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise CheckFailed(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return done.stdout


def build(out_dir):
    """sdist, then the wheel from it, into out_dir; returns (sdist, wheel). Built from a copy
    of the checkout without build leftovers: an old *.egg-info/SOURCES.txt would add files
    to the sdist that pyproject.toml and MANIFEST.in no longer ask for."""
    source = os.path.join(out_dir, "source")
    shutil.copytree(REPO, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", "*.egg-info", "__pycache__", "build", "dist", ".hypothesis", ".pytest_cache"))
    output = run([sys.executable, "-m", "build", "--outdir", out_dir, source], cwd=out_dir)
    warnings = [line for line in output.splitlines() if "warning" in line.lower()]
    if warnings:
        raise CheckFailed("python -m build warned:\n" + "\n".join(warnings))
    return glob.glob(os.path.join(out_dir, "*.tar.gz"))[0], glob.glob(os.path.join(out_dir, "*.whl"))[0]


def install(python, wheel, where):
    """A fresh venv in `where` with the wheel installed; returns its bin folder."""
    run([python, "-m", "venv", os.path.join(where, "venv")], cwd=where)
    bin_dir = os.path.join(where, "venv", "bin")
    run([os.path.join(bin_dir, "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel],
        cwd=where)
    return bin_dir


def expect(condition, what):
    if not condition:
        raise CheckFailed(what)


def use(bin_dir, folder):
    """The commands a user runs first, from an empty folder; returns the lines checked."""
    env = clean_env(PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""), COLUMNS="100", NO_COLOR="1")

    def mgrad(*args):
        return run([os.path.join(bin_dir, "mgrad"), *args], cwd=folder, env=env)

    where = run([os.path.join(bin_dir, "python"), "-c", "import mgrad_cli; print(mgrad_cli.__file__)"],
                cwd=folder, env=env).strip()
    expect(where.startswith(os.path.dirname(bin_dir)), f"mgrad_cli imported from {where}, not the venv")
    out = mgrad("train", "moons", "-q")
    expect(out.startswith("Trained MLP 2-16-16-1 (337 parameters) on moons for 100 epochs"),
           f"mgrad train moons -q printed:\n{out}")
    out = mgrad("datasets", "--json")
    shipped = [c["name"] for c in json.loads(out)["csv"]]
    expect({"iris", "wine", "digits"} <= set(shipped), f"mgrad datasets lists the shipped CSVs {shipped}")
    mgrad("graph", "L = (a*b + c) * f", "a=2", "b=-3", "c=10", "f=-2", "-o", "x.dot")
    with open(os.path.join(folder, "x.dot"), encoding="utf-8") as f:
        expect(f.read().startswith("digraph"), "mgrad graph -o x.dot wrote no DOT source")
    mgrad("graph", "L = (a*b + c) * f", "a=2", "b=-3", "c=10", "f=-2", "-o", "x.html")  # its script and style
    mgrad("train", "iris", "-q", "--save", "iris.json")
    out = json.loads(mgrad("predict", "iris.json", "--input", "5.1,3.5,1.4,0.2", "--json"))
    expect(out["predictions"][0]["prediction"] == "setosa", f"mgrad predict gave {out['predictions'][0]}")
    mgrad("configs", "xor", "--copy", "mine.yaml")
    out = mgrad("train", "mine.yaml", "--epochs", "2", "-q")
    expect(out.startswith("Trained MLP 2-8-1"), f"a copied config trains:\n{out}")
    return ["train moons", "datasets", "graph -o x.dot and x.html", "train iris + predict", "configs --copy + train"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=sys.executable, help="the interpreter of the venv (default: this one)")
    parser.add_argument("--wheel", help="a wheel built before (default: build one from the sdist now)")
    parser.add_argument("--build-only", metavar="DIR", help="only build the sdist and wheel into DIR; print the wheel")
    args = parser.parse_args(argv)
    if args.build_only:
        os.makedirs(args.build_only, exist_ok=True)
        try:
            print(build(os.path.abspath(args.build_only))[1])
        except CheckFailed as e:
            print(f"install check failed: {e}", file=sys.stderr)
            return 1
        return 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mgrad-install-") as tmp:
        try:
            wheel = args.wheel or build(tmp)[1]
            folder = os.path.join(tmp, "empty")
            os.mkdir(folder)
            checked = use(install(args.python, os.path.abspath(wheel), tmp), folder)
        except CheckFailed as e:
            print(f"install check failed: {e}", file=sys.stderr)
            return 1
    version = subprocess.run([args.python, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"install check passed on {version} in {time.perf_counter() - started:.0f} s: {', '.join(checked)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
