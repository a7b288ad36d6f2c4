"""Hostile and oversized input: every row of ROWS is a command that must be refused with
exit 2 and one line on stderr (no traceback), write nothing, and finish within the time
limit, in a process whose address space is capped (RLIMIT_AS).

Each row runs in a child process of tests/hostile_runner.py (forked after the imports, so
a row costs milliseconds, not a Python start-up). Add a row for every bad input found.
"""

import json
import os
import re
import subprocess
import sys

import pytest

from conftest import REPO, need_module
from models import as_version

from mgrad_cli.errors import shorten
from mgrad_cli.training.checkpoint import VERSION as CHECKPOINT_VERSION

MEMORY = 512 * 2 ** 20  # bytes a child may add to what the runner holds after its imports
SECONDS = 10            # a child still running then is killed: the row fails
MEMORY_VARIABLE = "MGRAD_MAX_MEMORY"  # unset for the children: the bound comes from the cap


class Row:
    """`mgrad ARGS` run in a directory holding FILES ({name: text, bytes, or a function of
    the reference checkpoint's dict returning one}), with the environment variables ENV;
    ERROR is the one line expected on stderr after 'Error: ', exactly, or a compiled
    pattern for a line with measured figures."""

    def __init__(self, id, args, error, files=None, env=None):
        self.id, self.args, self.error, self.files, self.env = id, args, error, files or {}, env or {}


def config(text):
    return {"c.yaml": text}


def laughs(levels=10, width=9):
    """The "billion laughs": each level an anchored list of `width` aliases of the one before."""
    lines = ["a0: &a0 [" + ", ".join(["1"] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def checkpoint_edited(edit, version=None):
    """The reference checkpoint (as a file of `version`, by default the current one), changed
    by edit(its dict), as JSON (nan and inf as NaN, Infinity)."""
    def make(ckpt):
        ckpt = json.loads(json.dumps(ckpt if version is None else as_version(ckpt, version)))
        edit(ckpt)
        return json.dumps(ckpt)
    return {"m.json": make}


def checkpoint_with(**changes):
    """The reference checkpoint with some of its config's fields (or sections) replaced:
    checkpoint_with(**{"data.n_samples": 10**9})."""
    def edit(ckpt):
        for dotted, value in changes.items():
            *path, key = dotted.split(".")
            node = ckpt["config"]
            for p in path:
                node = node[p]
            node[key] = value
    return checkpoint_edited(edit)


def memory(field, what):
    """The memory estimate's refusal of FIELD for WHAT (its figures depend on the machine)."""
    return re.compile(re.escape(f"{field}: {what} would need about ") + r"[\d.]+ [KMGT]B of memory, more than the "
                      r"[\d.]+ [KMGT]B this run may use \(half what the address-space limit leaves; "
                      r"MGRAD_MAX_MEMORY=SIZE sets this bound\); .+")


def csv_data(text, layers="[4, 2]"):
    """A config training an MLP with these layers on d.csv, holding TEXT."""
    return {"c.yaml": f"data: {{csv: d.csv}}\nmodel: {{layers: {layers}}}\nloss: cross_entropy\n", "d.csv": text}


def read_limit(path, kind):
    """The refusal of a file past what this run may read (its size depends on the machine)."""
    return re.compile(re.escape(path) + r": larger than [\d.]+ [KMGT]B, the most a " + kind + r" may hold with "
                      r"the memory this run may use \(half what the address-space limit leaves; "
                      r"MGRAD_MAX_MEMORY=SIZE sets this bound\)")


LONG_NAME = "x" * 60_000
WIDE = ",".join(f"c{j}" for j in range(100_000))

ROWS = [
    # --- YAML: bounded and strict
    Row("yaml-billion-laughs", ["train", "c.yaml"], "c.yaml: invalid YAML at line 4, column 5: aliases expand the "
        "document by more than 10,000 nodes (the limit); write the settings out instead", config(laughs())),
    Row("yaml-alias-in-itself", ["train", "c.yaml"], "c.yaml: invalid YAML at line 1, column 4: an alias inside its "
        "own anchor (the document would contain itself)", config("a: &a [1, *a]\n")),
    Row("yaml-duplicate-key", ["train", "c.yaml"], "c.yaml: invalid YAML at line 3, column 1: the key 'seed' appears "
        "twice in one mapping (first on line 1)", config("seed: 1\nepochs: 3\nseed: 2\n")),
    Row("yaml-duplicate-nested-key", ["train", "c.yaml"], "c.yaml: invalid YAML at line 4, column 3: the key 'lr' "
        "appears twice in one mapping (first on line 2)", config("optimizer:\n  lr: 0.1\n  name: sgd\n  lr: 0.2\n")),
    Row("yaml-deep-nesting", ["train", "c.yaml"], "c.yaml: invalid YAML at line 1, column 53: nested more than 50 "
        "levels deep (the limit)", config("a: " + "[" * 60 + "]" * 60 + "\n")),
    Row("yaml-huge-integer", ["train", "c.yaml"], "c.yaml: invalid YAML at line 1, column 7: a number of 5,000 digits "
        "(Python reads integers of up to 4,300)", config("seed: " + "9" * 5000 + "\n")),
    Row("yaml-over-the-size-limit", ["train", "c.yaml"], "c.yaml: larger than 64 KB, the limit for a config file",
        config("model:\n  layers: [" + "1, " * 100_000 + "1]\n")),
    Row("config-endless", ["train", "/dev/zero"], "/dev/zero: larger than 64 KB, the limit for a config file"),
    Row("config-directory", ["train", "."], ".: is a directory, not a config file"),
    Row("config-long-value-quoted-short", ["train", "c.yaml"], "c.yaml: data.name: expected one of tiny, xor, moons, "
        f"circles, spiral, blobs, diabetes, digits, iris, wine, csv, got {shorten(LONG_NAME)}",
        config(f"data: {{name: {LONG_NAME}}}\n")),
    # --- fixed limits
    Row("spiral-classes", ["train", "c.yaml"], "c.yaml: data.classes: expected an integer from 2 to 10000, got "
        "1000000000", config("data: {name: spiral, classes: 1000000000}\n")),
    Row("layers-too-many", ["train", "c.yaml"], "c.yaml: model.layers: 1,001 layers, more than the limit of 1,000",
        config("model: {layers: [" + "1, " * 1000 + "1]}\n")),
    # --- the memory estimate
    Row("n-samples-billion", ["train", "c.yaml"], memory("c.yaml: data.n_samples", "1,000,000,000 samples of moons "
        "with 2 features"), config("data: {name: moons, n_samples: 1000000000}\n")),
    Row("blobs-features", ["train", "c.yaml"], memory("c.yaml: data.features", "100 samples of blobs with "
        "100,000,000 features"), config("data: {name: blobs, features: 100000000}\n")),
    Row("layers-wide-scalar", ["train", "c.yaml"], memory("c.yaml: model.layers", "an MLP 2-100000-100000-1 "
        "(10,000,500,001 parameters) on the scalar engine"), config("model: {layers: [100000, 100000, 1]}\n")),
    Row("layers-wide-tensor", ["train", "c.yaml", "--engine", "tensor"], memory("c.yaml: model.layers", "an MLP "
        "2-100000-100000-1 (10,000,500,001 parameters) on the tensor engine"),
        config("model: {layers: [100000, 100000, 1]}\n")),
    Row("layer-ten-million", ["train", "c.yaml", "--engine", "tensor"], memory("c.yaml: model.layers", "an MLP "
        "2-10000000-1 (40,000,001 parameters) on the tensor engine"), config("model: {layers: [10000000, 1]}\n")),
    Row("full-batch-scalar", ["train", "c.yaml"], memory("c.yaml: batch_size", "a step on 100,000 samples on the "
        "scalar engine (680 graph nodes each)"), config("data: {name: moons, n_samples: 100000}\n")),
    # --- files: bounded reads, impossible paths
    Row("csv-endless", ["train", "c.yaml"], read_limit("/dev/zero", "CSV file"), config("data: {csv: /dev/zero}\n")),
    Row("csv-over-the-read-limit", ["train", "c.yaml"], "d.csv: larger than 1 KB, the most a CSV file may hold with "
        "the memory this run may use (set by MGRAD_MAX_MEMORY)", csv_data("a,b,t\n" + "1,2,x\n3,4,y\n" * 100),
        env={"MGRAD_MAX_MEMORY": "24K"}),
    Row("checkpoint-endless", ["eval", "/dev/zero"], read_limit("/dev/zero", "checkpoint")),
    Row("csv-directory", ["train", "c.yaml"], ".: is a directory, not a CSV file", config("data: {csv: .}\n")),
    Row("csv-nul-in-path", ["train", "c.yaml"], "'a\\x00b.csv': a path cannot contain a NUL character",
        config('data: {csv: "a\\0b.csv"}\n')),
    Row("checkpoint-nul-in-csv-path", ["eval", "m.json"], "m.json: cannot rebuild the data it was trained on: "
        "'/nowhere/a\\x00b.csv': a path cannot contain a NUL character",
        checkpoint_with(data={"name": "csv", "csv": "/nowhere/a\0b.csv", "target": None, "task": "auto",
                              "standardize": False, "test_split": 0.2, "val_split": 0.0})),
    # --- CSV cells
    Row("csv-empty-target", ["train", "c.yaml"], "d.csv, line 3, column 't': the target is empty",
        csv_data("a,b,t\n1,2,x\n3,4,\n5,6,y\n")),
    Row("csv-nan-target", ["train", "c.yaml"], "d.csv, line 4, column 't': expected a class name or a finite "
        "number as the target, got 'nan'", csv_data("a,b,t\n1,2,x\n5,6,y\n3,4,nan\n")),
    Row("csv-inf-target", ["train", "c.yaml"], "d.csv, line 2, column 't': expected a class name or a finite "
        "number as the target, got '-inf'", csv_data("a,b,t\n1,2,-inf\n3,4,1\n")),
    Row("csv-empty-feature", ["train", "c.yaml"], "d.csv, line 3, column 'b': expected a number, got an empty cell",
        csv_data("a,b,t\n1,2,x\n3,,y\n")),
    Row("csv-nan-feature", ["train", "c.yaml"], "d.csv, line 2, column 'a': expected a finite number, got 'NaN'",
        csv_data("a,b,t\nNaN,2,x\n3,4,y\n")),
    Row("csv-no-header", ["train", "c.yaml"], "d.csv, line 1: the first row holds numbers (5.1, 3.5), not column "
        "names; the file needs a header row naming its columns first (such as x1,x2,label)",
        csv_data("5.1,3.5,setosa\n4.9,3.0,setosa\n6.2,2.9,virginica\n")),
    Row("csv-columns-over-the-limit", ["train", "c.yaml"], "d.csv, line 1: 100,001 columns, more than the limit of "
        "100,000", csv_data(WIDE + ",t\n" + ",".join(["1"] * 100_001) + "\n")),
    Row("csv-repeated-column-in-a-wide-header", ["train", "c.yaml"], "d.csv, line 1, column 'c0': the column appears "
        "twice", csv_data(WIDE[:-len(",c99999")] + ",c0\n" + ",".join(["1"] * 100_000) + "\n")),
    Row("csv-long-cell-quoted-short", ["train", "c.yaml"], f"d.csv, line 2, column 'a': expected a number, got "
        f"{shorten('z' * 100_000)}", csv_data("a,b,t\n" + "z" * 100_000 + ",2,x\n3,4,y\n")),
    # --- checkpoint numbers
    Row("checkpoint-nan-in-optimizer", ["eval", "m.json"], "m.json: optimizer.m[3]: expected a finite number, got nan",
        checkpoint_edited(lambda c: c["optimizer"]["m"].__setitem__(3, float("nan")))),
    Row("checkpoint-inf-in-history", ["plot", "m.json"], "m.json: history[1].loss: expected a finite number, got inf",
        checkpoint_edited(lambda c: c["history"][1].__setitem__("loss", float("inf")))),
    Row("checkpoint-huge-epoch-in-history", ["plot", "m.json"], "m.json: history[0].epoch: expected an epoch from 1 "
        "to 2, got an integer of about 400 digits", checkpoint_edited(lambda c: c["history"][0].__setitem__(
            "epoch", 10 ** 400))),
    Row("checkpoint-accuracy-over-one", ["plot", "m.json"], "m.json: history[0].train_acc: expected a fraction from "
        "0 to 1, got 7.5", checkpoint_edited(lambda c: c["history"][0].__setitem__("train_acc", 7.5))),
    Row("checkpoint-fingerprint-not-a-hash", ["eval", "m.json"], "m.json: data.fingerprint: expected {\"rows\": a "
        "count, \"sha256\": 64 hex digits}, got {'rows': 100, 'sha256': 'zz'}",
        checkpoint_edited(lambda c: c["data"].__setitem__("fingerprint", {"rows": 100, "sha256": "zz"}))),
    Row("csv-wide-model", ["train", "c.yaml"], memory("c.yaml: model.layers", "an MLP 99999-1000-2 (100,002,002 "
        "parameters) on the scalar engine"), csv_data(WIDE[:-len(",c99999")] + ",t\n" + ",".join(["1"] * 99_999) + ",a\n"
                                                        + ",".join(["2"] * 99_999) + ",b\n",
                                                        layers="[1000, 2]")),
    Row("memory-bound-set-past-the-cap", ["train", "c.yaml", "--engine", "tensor"], "ran out of memory; use smaller "
        "data, model or batch_size, or a lower MGRAD_MAX_MEMORY (limits.py estimates what a run needs before it "
        "starts)", config("data: {name: moons, n_samples: 100000000}\n"), env={"MGRAD_MAX_MEMORY": "1T"}),
    # --- output paths, checked before training
    Row("graph-into-proc", ["train", "c.yaml", "--graph", "/proc/x.svg"], "cannot write /proc/x.svg: No such file or "
        "directory", config("model: {layers: [2, 1]}\n")),
    Row("log-is-a-directory", ["train", "c.yaml", "--log", "."], ".: names a directory; give a file name",
        config("model: {layers: [2, 1]}\n")),
    Row("log-is-an-existing-directory", ["train", "c.yaml", "--log", "/tmp"], "cannot write /tmp: Is a directory",
        config("model: {layers: [2, 1]}\n")),
    Row("save-in-a-missing-directory", ["train", "c.yaml", "--save", "nowhere/m.json"], "cannot write nowhere/m.json: "
        "No such file or directory", config("model: {layers: [2, 1]}\n")),
    Row("checkpoint-data-billion-eval", ["eval", "m.json"], memory("m.json: config.data.n_samples",
        "1,000,000,000 samples of xor with 2 features"),
        checkpoint_edited(lambda c: c["config"]["data"].__setitem__("n_samples", 10 ** 9), version=1)),
    Row("checkpoint-data-grown-eval", ["eval", "m.json"], "m.json: xor is not the data the model was trained on "
        "(100 rows then, 10000000 now); its held-out rows would not be the ones held out in training",
        checkpoint_with(**{"data.n_samples": 10 ** 7})),
    # --- names from data (issue 24): control characters refused where a name is read
    Row("csv-header-clears-the-screen", ["train", "c.yaml"], "d.csv, line 1, column 2: the column name "
        "'b\\x1b[2J\\x1b]0;TITLE\\x07' holds a control character (U+001B); a name must be printable text",
        csv_data('a,"b\x1b[2J\x1b]0;TITLE\x07",t\n1,2,x\n3,4,y\n')),
    Row("csv-header-breaks-a-line-of-code", ["train", "c.yaml"], "d.csv, line 1, column 2: the column name "
        "\"x2\\nopen('PWNED','w')\\n#\" holds a control character (U+000A); a name must be printable text",
        csv_data('a,"x2\nopen(\'PWNED\',\'w\')\n#",t\n1,2,x\n3,4,y\n')),
    Row("csv-class-reversed", ["train", "c.yaml"], "d.csv, line 3, column 't': the class name 'y\\u202egnp.exe' holds "
        "a control character (U+202E); a name must be printable text", csv_data("a,b,t\n1,2,x\n3,4,y\u202egnp.exe\n")),
    Row("checkpoint-class-name-escape", ["eval", "m.json"], "m.json: data.class_names[1]: the name '1\\x1b[2J' holds "
        "a control character (U+001B); a name must be printable text",
        checkpoint_edited(lambda c: c["data"]["class_names"].__setitem__(1, "1\x1b[2J"))),
    # --- checkpoints checked as a whole
    Row("checkpoint-rng-float", ["eval", "m.json"], "m.json: rng.state.state: expected an integer from 0 to "
        "2**128 - 1, got 1.5", checkpoint_edited(lambda c: c["rng"]["state"].__setitem__("state", 1.5))),
    Row("checkpoint-rng-huge", ["eval", "m.json"], "m.json: rng.state.state: expected an integer from 0 to "
        "2**128 - 1, got an integer of about 60 digits",
        checkpoint_edited(lambda c: c["rng"]["state"].__setitem__("state", 2 ** 200))),
    Row("checkpoint-fingerprint-null", ["eval", "m.json"], f"m.json: data.fingerprint: missing (a version "
        f"{CHECKPOINT_VERSION} checkpoint holds its data's fingerprint)",
        checkpoint_edited(lambda c: c["data"].__setitem__("fingerprint", None))),
    Row("checkpoint-fingerprint-deleted", ["train", "c.yaml", "--resume", "m.json"], "m.json: data.fingerprint: "
        f"missing (a version {CHECKPOINT_VERSION} checkpoint has it)",
        dict(config("data: {name: xor}\n"), **checkpoint_edited(lambda c: c["data"].pop("fingerprint")))),
    Row("checkpoint-fingerprint-in-version-1", ["eval", "m.json"], "m.json: data.fingerprint: not a field of a "
        "version 1 checkpoint (it came in version 2)", checkpoint_edited(
            lambda c: c["data"].__setitem__("fingerprint", {"rows": 100, "sha256": "0" * 64}), version=1)),
    Row("checkpoint-classes-twice", ["predict", "m.json", "-i", "1,2", "--json"], "m.json: data.class_names[1]: "
        "'0' appears twice (first at [0])", checkpoint_edited(lambda c: c["data"].__setitem__("class_names",
                                                                                           ["0", "0"]))),
    # --- bounded
    Row("threads-ten-thousand", ["train", "c.yaml", "--threads", "10000"], re.compile(
        r"--threads: expected a number of threads from 1 to \d+ \(4 times the \d+ cores this process may use, at "
        r"most 256\), got 10000"), config("model: {layers: [2, 1]}\n")),
    Row("save-to-a-directory-name", ["train", "c.yaml", "--save", "newdir/"], "newdir/: names a directory; give a "
        "file name", config("model: {layers: [2, 1]}\n")),
    Row("copy-to-a-directory-name", ["configs", "moons", "--copy", "newdir/"], "newdir/: names a directory; give a "
        "file name"),
    Row("predict-endless-line", ["predict", "m.json", "/dev/zero"], re.compile(
        r"/dev/zero: a line larger than [\d.]+ [KMGT]B, the most a CSV file may hold with the memory this run may "
        r"use \(.*\)"), checkpoint_edited(lambda c: None)),
    # --- numbers are numbers
    Row("lr-with-an-underscore", ["train", "c.yaml"], "c.yaml: optimizer.lr: expected a positive number, got '1_0'",
        config('optimizer: {lr: "1_0"}\n')),
    Row("epochs-quoted", ["train", "c.yaml"], "c.yaml: epochs: expected a positive integer, got '5'",
        config('epochs: "5"\n')),
    Row("yaml-key-true", ["train", "c.yaml"], "c.yaml: true: unknown key (expected one of seed, engine, device, "
        "dtype, data, model, loss, optimizer, epochs, batch_size, early_stopping)", config("true: 1\n")),
]


@pytest.fixture(scope="module")
def reference_checkpoint(tmp_path_factory):
    """A small trained model's checkpoint, as a dict."""
    from click.testing import CliRunner
    from mgrad_cli.cli.app import cli

    path = tmp_path_factory.mktemp("ref") / "xor.json"
    result = CliRunner().invoke(cli, ["train", os.path.join(REPO, "configs", "xor.yaml"), "--epochs", "2",
                                      "--engine", "tensor", "--save", str(path), "-q"])
    assert result.exit_code == 0, result.output
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def runner():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(REPO / "tests")]), COLUMNS="400",
               NO_COLOR="1")
    env.pop(MEMORY_VARIABLE, None)
    proc = subprocess.Popen([sys.executable, os.path.join(REPO, "tests", "hostile_runner.py")], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(args, cwd, out, env):
        proc.stdin.write(json.dumps({"args": args, "cwd": str(cwd), "out": str(out), "memory": MEMORY,
                                     "seconds": SECONDS, "env": env}) + "\n")
        proc.stdin.flush()
        return json.loads(proc.stdout.readline())

    yield run
    proc.stdin.close()
    proc.wait(timeout=30)


def listing(directory):
    """Every file under directory, with its size and modification time."""
    found = {}
    for root, dirs, files in os.walk(directory):
        for name in dirs + files:
            path = os.path.join(root, name)
            st = os.lstat(path)
            found[os.path.relpath(path, directory)] = (st.st_size, st.st_mtime_ns)
    return found


def draws(args):
    """Whether `mgrad ARGS` draws a figure: it needs matplotlib (the plot extra) before it
    reads anything, and says so with exit 1 where it is missing."""
    return args[0] == "plot" or "--plot" in args


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_hostile_input_is_refused_in_one_line(row, runner, reference_checkpoint, tmp_path):
    if draws(row.args):
        need_module("matplotlib")  # the children run on this Python: skipped here where it is missing
    work, out = tmp_path / "work", tmp_path / "out"
    work.mkdir()
    out.mkdir()
    for name, content in row.files.items():
        if callable(content):
            content = content(reference_checkpoint)
        (work / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    before = listing(work)

    result = runner(row.args, work, out, row.env)

    stderr = (out / "stderr").read_text(errors="replace")
    assert result["status"] != -14, f"still running after {SECONDS} s"
    assert "Traceback" not in stderr, stderr[-3000:]
    assert result["status"] == 2, stderr[-3000:]
    assert (out / "stdout").read_text() == ""
    assert stderr.endswith("\n") and stderr.count("\n") == 1, stderr[-3000:]
    line = stderr[:-1]
    if isinstance(row.error, str):
        assert line == "Error: " + row.error
    else:
        assert row.error.fullmatch(line[len("Error: "):]), line
    assert listing(work) == before, "the command wrote or changed files"
