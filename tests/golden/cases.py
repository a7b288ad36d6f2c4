"""Golden outputs of mgrad's public command line: the cases, how one is run, and the
normalization that both make_goldens.py (writing) and tests/test_golden.py (comparing) use.

Only the CLI is exercised: the command names and options of `mgrad`, the files it
writes (--log, --save, --graph, -o, --copy) and the exit codes. Nothing of the package
is imported but the click group itself, found by `cli_group()` (the one place to update
if it moves and its entry-point fallback fails too), or nothing at all with
MGRAD_GOLDEN_RUNNER=subprocess, which runs every step as `python -m mgrad_cli`: the
same records (checked on the starting code), but each step pays the imports again
(torch's too), many times slower.

One case is a few steps run in a fresh, empty work directory (plus the case's input
files from inputs/), each recorded as:

    $ mgrad train moons --engine scalar ...      (the command line, env changes first)
    [exit 0]
    --- stdout
    ...
    --- stderr (empty)
    --- file model.json                          (each file the step lists)
    ...

and the whole record, normalized, is data/<case id>.txt.
"""

import contextlib
import difflib
import fnmatch
import functools
import importlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"      # the goldens: <case id>.txt
INPUTS = HERE / "inputs"  # small CSVs the cases predict or evaluate on
REPO = HERE.parent.parent

# the environment every step runs in (a step may add to it): a plain 100-column
# terminal that is not one, the CPU only, and a fixed memory bound (the default bound is
# half of MemAvailable, which changes from run to run and would change the refusals)
ENV = {
    "COLUMNS": "100",
    "NO_COLOR": "1",
    "TERM": "dumb",
    "CUDA_VISIBLE_DEVICES": "",
    "MGRAD_MAX_MEMORY": "8G",
    # the careful CSV reader, pyarrow or not: under the memory cases' 100K bound, pyarrow's (where
    # it is installed) would read digits.csv and refuse it by its own estimate
    # (tests/data/test_csvarrow.py holds the readers to the same results)
    "MGRAD_CSV_READER": "python",
    "LC_ALL": "C.UTF-8",
    "PYTHONIOENCODING": "utf-8",
    "PYTHONHASHSEED": "0",
    "TZ": "UTC",
}
# variables that would change what rich or the CLI prints: removed for every step
UNSET = ("FORCE_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "COLORTERM", "TTY_COMPATIBLE", "TTY_INTERACTIVE",
         "JUPYTER_COLUMNS", "JUPYTER_LINES", "LINES", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
         "OPENBLAS_NUM_THREADS", "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")

CONFIGS = ("circles", "diabetes", "digits", "iris", "moons", "spiral", "tiny", "wine", "xor")
ENGINES = ("scalar", "tensor", "torch")
# the scalar engine runs a Value per number: fewer epochs where the config's would take
# seconds (the tensor and torch engines run each config's own epochs)
SCALAR_EPOCHS = {"circles": 10, "diabetes": 3, "digits": 1, "iris": 10, "moons": 5, "spiral": 5,
                 "tiny": None, "wine": 5, "xor": 20}
# ...and one epoch of digits on all 1,797 rows takes about 18 s: the scalar engine trains
# inputs/digits-small.yaml, the shipped config on its first 100 rows (gradcheck and the
# memory refusals still use the shipped config)
SCALAR_CONFIG = {"digits": ("digits-small.yaml", "digits-small.csv")}
# gradcheck --config checks every parameter, except on these bigger models (seconds on scalar)
GRADCHECK_MAX_PARAMS = {"digits": 10, "moons": 40, "spiral": 40}

# the cases measured over 3 s on the 2-core test machine while it was busy (1 to 2 s of CPU
# each; gradcheck-engines also pays for importing torch, the first case to use it; all the
# cases take about 20 s of CPU): pytest -m 'not slow' leaves them out
SLOW = {"train-digits-scalar", "train-options-scalar", "gradcheck-digits-scalar", "gradcheck-engines"}

LECTURE = ("e = a*b; d = e + c; L = d * f", "a=2", "b=-3", "c=10", "f=-2")
NEURON = ("n = x1*w1 + x2*w2 + b; o = tanh(n)", "x1=2", "x2=0", "w1=-3", "w2=1", "b=6.8813735870195432")


@dataclass(frozen=True)
class Step:
    args: tuple                                # the command line after `mgrad`
    env: dict = field(default_factory=dict)    # on top of ENV
    files: tuple = ()                          # files (in the work directory) to record after it


@dataclass(frozen=True)
class Case:
    id: str
    steps: tuple
    needs: tuple = ()      # "torch" (importable), "dot" (Graphviz's program)
    slow: bool = False     # over 3 s on the 2-core test machine: set from SLOW
    inputs: tuple = ()     # files of inputs/ copied into the work directory first


def step(*args, env=None, files=()):
    return Step(tuple(str(a) for a in args), dict(env or {}), tuple(files))


def _threads(engine):
    return ("--threads", "1") if engine == "torch" else ()


def _needs(engine, *more):
    return (("torch",) if engine == "torch" else ()) + more


def _rows(name):
    """The first input row of inputs/NAME.csv, features only, as --input takes it."""
    header, first = (INPUTS / f"{name}.csv").read_text().splitlines()[:2]
    n = len(header.split(","))
    cells = first.split(",")
    # the CSVs of shipped data sets keep their target column last (predict ignores it)
    return ",".join(cells[:n - 1] if name in ("diabetes", "digits", "iris", "wine") else cells)


def _train_case(config, engine):
    epochs = SCALAR_EPOCHS[config] if engine == "scalar" else None
    given = SCALAR_CONFIG.get(config, ()) if engine == "scalar" else ()
    train = ["train", given[0] if given else config, "--engine", engine, *_threads(engine),
             "--log", "run.jsonl", "--save", "model.json"]
    if epochs:
        train += ["--epochs", epochs]
    rows = f"{config}.csv"
    return Case(
        f"train-{config}-{engine}",
        (step(*train, files=("run.jsonl", "model.json")),
         step("eval", "model.json"),
         step("eval", "model.json", "--json"),
         step("predict", "model.json", rows),
         step("predict", "model.json", rows, "--json"),
         step("predict", "model.json", "--input", _rows(config))),
        needs=_needs(engine), inputs=(rows,) + tuple(given))


def _gradcheck_case(config, engine):
    limit = GRADCHECK_MAX_PARAMS.get(config)
    args = ["gradcheck", "--config", config, "--engine", engine] + (["--max-params", limit] if limit else [])
    return Case(f"gradcheck-{config}-{engine}", (step(*args),), needs=_needs(engine))


def _engine_cases(engine):
    t = _threads(engine)
    e = ("--engine", engine, *t)
    return [
        # a run that diverges: the last good state saved, exit 1
        Case(f"diverge-{engine}", (step("train", "moons", *e, "--lr", "1e300", "--epochs", 5, "--save", "d.json",
                                        "--log", "d.jsonl", files=("d.jsonl", "d.json")),), needs=_needs(engine)),
        # outputs that are nan (inputs near the float64 limits): eval's accuracy, predict's rows
        Case(f"nan-{engine}", (step("train", "moons", *e, "--epochs", 5, "-q", "--save", "m.json"),
                               step("eval", "m.json", "nan.csv"),
                               step("eval", "m.json", "nan.csv", "--json"),
                               step("predict", "m.json", "nan.csv"),
                               step("predict", "m.json", "nan.csv", "--json")),
             needs=_needs(engine), inputs=("nan.csv",)),
        # the memory bound: refusals before anything is built, and a run that fits
        Case(f"memory-{engine}", (
            step("train", "moons", *e, "--epochs", 1, "-q", env={"MGRAD_MAX_MEMORY": "100K"}),
            step("train", "moons", *e, "--epochs", 1, "-q", env={"MGRAD_MAX_MEMORY": "300K"}),
            step("train", "digits", *e, "--epochs", 1, "-q", env={"MGRAD_MAX_MEMORY": "7M"}),
            step("train", "digits", *e, "--epochs", 1, "-q", env={"MGRAD_MAX_MEMORY": "100K"}),
            step("train", "moons", *e, "--epochs", 1, "-q", "--save", "m.json"),
            step("eval", "m.json", env={"MGRAD_MAX_MEMORY": "2K"}),
            step("eval", "m.json", env={"MGRAD_MAX_MEMORY": "60K"}),
            step("eval", "m.json", env={"MGRAD_MAX_MEMORY": "100K"}),
            step("predict", "m.json", "--input", "1,2", env={"MGRAD_MAX_MEMORY": "100K"}),
            step("predict", "m.json", "--input", "1,2", env={"MGRAD_MAX_MEMORY": "250K"}),
            step("gradcheck", "--config", "moons", "--engine", engine, env={"MGRAD_MAX_MEMORY": "100K"}),
            step("gradcheck", "--config", "moons", "--engine", engine, "--max-params", 5,
                 env={"MGRAD_MAX_MEMORY": "300K"})),
            needs=_needs(engine)),
        # the table at 80 columns, every 10th epoch, the terminal chart
        Case(f"train-options-{engine}", (
            step("train", "iris", *e, "--epochs", 6, env={"COLUMNS": "80"}),
            step("train", "xor", *e, "--epochs", 20, "--every", 5, "--chart"),
            step("train", "diabetes", *e, "--epochs", 2, "--chart", env={"COLUMNS": "80"}),
            step("train", "tiny", *e, "-q")),
            needs=_needs(engine)),
        # resuming a checkpoint, saving every N epochs
        Case(f"resume-{engine}", (
            step("train", "xor", *e, "--epochs", 4, "--save", "x.json", "--save-every", 2),
            step("train", "xor", *e, "--epochs", 7, "--resume", "x.json", "--log", "x.jsonl",
                 files=("x.json", "x.jsonl"))),
            needs=_needs(engine)),
        # the graph of the loss after training, as DOT
        Case(f"train-graph-dot-{engine}", (
            step("train", "tiny", *e, "--epochs", 3, "-q", "--graph", "tiny.dot", files=("tiny.dot",)),
            step("train", "xor", *e, "--epochs", 2, "-q", "--graph", "xor.dot", files=("xor.dot",))),
            needs=_needs(engine)),
    ]


def _cases_once():
    """The cases run once, not once per engine: help, configs, datasets, the expression
    commands (graph, backprop, gradcheck), gradcheck across the engines, the errors."""
    return [
        Case("help", tuple(step(*c, "--help") for c in ((), ("train",), ("eval",), ("predict",), ("gradcheck",),
                                                         ("graph",), ("backprop",), ("datasets",), ("configs",),
                                                         ("export",), ("plot",))) + (step("--version"),)),
        Case("configs", (step("configs"), step("configs", "--json"), step("configs", "moons"),
                         step("configs", "moons", "--json"), step("configs", "iris", "--copy", "my-iris.yaml",
                                                                  files=("my-iris.yaml",)),
                         step("configs", env={"COLUMNS": "80"}))),
        Case("datasets", (step("datasets"), step("datasets", "--json"), step("datasets", env={"COLUMNS": "80"}))),
        Case("graph-dot", (
            step("graph", *LECTURE, "-o", "L.dot", files=("L.dot",)),
            step("graph", *LECTURE, "--json", "-o", "L2.dot"),
            step("graph", *LECTURE, "--step", "0.01", "--rankdir", "TB", "-o", "L3.dot", files=("L3.dot",)),
            step("graph", *NEURON, "--no-table", "-o", "neuron.gv", files=("neuron.gv",)),
            step("graph", "L = -a * relu(b)", "a=1", "b=2", "--no-grad", "-o", "l.dot", files=("l.dot",)),
            step("graph", "y = sum(x**2, exp(x), log(x), sigmoid(x), abs(-x)) / 3", "x=0.5", "-o", "f.dot",
                 files=("f.dot",)),
            step("graph", "q = (a - b) ** c", "a=1", "b=3", "c=0.5", "-o", "nan.dot", files=("nan.dot",)))),
        Case("graph-html", (
            step("graph", *LECTURE, "--step", "0.01", "-o", "L.html", files=("L.html",)),
            step("graph", "b = a + a", "a=3", "--no-table", "-o", "b.html", files=("b.html",))),
            needs=("dot",)),
        Case("train-graph-html", (step("train", "tiny", "--epochs", 3, "-q", "--graph", "tiny.html",
                                       files=("tiny.html",)),), needs=("dot",)),
        Case("backprop", (
            step("backprop", *LECTURE),
            step("backprop", *LECTURE, "--step", "0.01"),
            step("backprop", "b = a + a", "a=3"),
            step("backprop", *NEURON),
            step("backprop", *NEURON, "--json"),
            step("backprop", "y = relu(x) * x**2 - abs(x)", "x=-1.5", env={"COLUMNS": "80"}))),
        Case("gradcheck-expressions", (
            step("gradcheck", "tanh(x*w + b)", "x=2", "w=-3", "b=6.88"),
            step("gradcheck", *LECTURE, "--json"),
            step("gradcheck", "relu(x) * y", "x=0", "y=3"),
            step("gradcheck", "x**3", "x=2", "--eps", "0.5", "--rtol", "1e-9", "--atol", "0"))),
        Case("gradcheck-engines", (
            step("gradcheck", "--config", "iris", "--engine", "all"),
            step("gradcheck", "--config", "digits", "--engine", "both", "--max-params", 5),
            step("gradcheck", "--config", "xor", "--samples", 2, "--json")),
            needs=("torch",)),
        Case("errors", (
            step("graph", "a +", "a=1", "-o", "x.dot"),
            step("graph", "a * b", "a=1", "-o", "x.dot"),
            step("train", "nosuch"),
            step("train", "moons", "--graph", "moons.txt"),
            step("eval", "missing.json"),
            step("predict", "t.json", "--input", "1,2"),
            step("configs", "nosuch"),
            step("train", "tiny", "-q", "--epochs", 2, "--save", "t.json"),
            step("predict", "t.json", "--input", "1,2"),
            step("predict", "t.json", "--input", "1,x,3"),
            step("eval", "t.json", "--split", "nosuch"),
            step("gradcheck", "--config", "tiny", "--engine", "bogus"))),
    ]


def _cases():
    """Every case: those run once, then each engine's (a run and a gradcheck per config,
    then _engine_cases), the SLOW ones marked."""
    cases = _cases_once()
    for engine in ENGINES:
        cases += [_train_case(config, engine) for config in CONFIGS]
        cases += [_gradcheck_case(config, engine) for config in CONFIGS]
        cases += _engine_cases(engine)
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    assert SLOW <= set(ids), f"SLOW names no case: {sorted(SLOW - set(ids))}"
    return [replace(c, slow=c.id in SLOW) for c in cases]


CASES = _cases()


def select(patterns=()):
    """The cases whose ids match any of the shell patterns (all without any)."""
    return [c for c in CASES if not patterns or any(fnmatch.fnmatchcase(c.id, p) for p in patterns)]


def golden_path(case):
    return DATA / f"{case.id}.txt"


def missing_needs(case):
    """What of the case's needs this machine lacks (torch, dot)."""
    lacking = []
    if "torch" in case.needs:
        try:
            importlib.import_module("torch")
        except ImportError:
            lacking.append("torch")
    if "dot" in case.needs and shutil.which("dot") is None:
        lacking.append("dot")
    return lacking


# --- finding the CLI ----------------------------------------------------------------------

# where the click group has lived (module:attribute), newest first: the one place to update
CLI_LOCATIONS = ("mgrad_cli.cli.app:cli", "mgrad_cli.cli:cli", "mgrad_cli.app:cli")


@functools.lru_cache(maxsize=None)
def cli_group():
    """mgrad's click group, with its commands registered. MGRAD_GOLDEN_CLI=module:attr names
    it; else the first of CLI_LOCATIONS that holds a group with a `train` command (importing a
    package registers its commands: mgrad_cli.cli is imported before mgrad_cli.cli.app);
    else the group that the console script's `mgrad_cli.__main__:main` runs."""
    import click

    named = os.environ.get("MGRAD_GOLDEN_CLI")
    tried = []
    for location in ([named] if named else CLI_LOCATIONS):
        module, _, attr = location.partition(":")
        try:
            parts = module.split(".")
            for i in range(2, len(parts) + 1):  # the parent packages first, as `python -m` would
                importlib.import_module(".".join(parts[:i]))
            group = getattr(sys.modules[module], attr)
        except (ImportError, AttributeError) as e:
            tried.append(f"{location}: {type(e).__name__}: {e}")
            continue
        if isinstance(group, click.Group) and "train" in group.commands:
            return group
        tried.append(f"{location}: not a click group with a train command")
    if named:
        raise RuntimeError(f"MGRAD_GOLDEN_CLI={named} is not mgrad's click group ({tried[-1]})")

    class Found(BaseException):
        pass

    def grab(self, *args, **kwargs):
        raise Found(self)

    import signal
    from mgrad_cli.__main__ import main

    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    saved, click.Command.main = click.Command.main, grab
    try:
        main()
    except Found as e:
        return e.args[0]
    finally:
        click.Command.main = saved
        for s, h in handlers.items():
            signal.signal(s, h)
    raise RuntimeError("cannot find mgrad's click group; tried " + "; ".join(tried) +
                       ". Update CLI_LOCATIONS in tests/golden/cases.py, or run with MGRAD_GOLDEN_RUNNER=subprocess")


# --- running a case ---------------------------------------------------------------------------

def runner_mode():
    mode = os.environ.get("MGRAD_GOLDEN_RUNNER", "inprocess")
    if mode not in ("inprocess", "subprocess"):
        raise RuntimeError(f"MGRAD_GOLDEN_RUNNER must be inprocess or subprocess, not {mode!r}")
    return mode


def prepare_process():
    """For the in-process runner, before the first case: the CPU only (before torch is
    imported), and numpy's BLAS on one thread, as the CLI sets it in a process of its own
    (in this one the thread variables were read when numpy was imported)."""
    os.environ["CUDA_VISIBLE_DEVICES"] = ""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # an mgrad dependency: present wherever mgrad is
        return
    threadpool_limits(1, user_api="blas")


def _step_env(s):
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    env.update(ENV)
    env.update(s.env)
    return env


def _run_subprocess(s, work):
    env = _step_env(s)
    # the code under test: the checkout this file is in, ahead of any installed copy
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
    p = subprocess.run([sys.executable, "-m", "mgrad_cli", *s.args], cwd=work, env=env, capture_output=True,
                       stdin=subprocess.DEVNULL, timeout=600)
    return p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace"), p.returncode


def _runner():
    import click.formatting
    from click.testing import CliRunner

    class Runner(CliRunner):
        """CliRunner, but help is wrapped as in a real process (from COLUMNS), not at the
        80 columns CliRunner forces."""

        @contextlib.contextmanager
        def isolation(self, *args, **kwargs):
            with super().isolation(*args, **kwargs) as streams:
                click.formatting.FORCED_WIDTH = None  # isolation() restores it after
                yield streams

    try:
        return Runner(mix_stderr=False)  # click < 8.2
    except TypeError:
        return Runner()  # click >= 8.2: stdout and stderr apart always


def _run_inprocess(s, work):
    runner = _runner()
    wanted = _step_env(s)
    env = {k: wanted.get(k) for k in set(wanted) | set(os.environ)}  # None: unset while it runs
    here = os.getcwd()
    os.chdir(work)
    try:
        # catch_exceptions=False: a traceback is a test error, shown as one, not recorded
        with _fake_clock():
            result = runner.invoke(cli_group(), list(s.args), env=env, prog_name="mgrad", catch_exceptions=False)
    finally:
        os.chdir(here)
    return result.stdout, result.stderr, result.exit_code


@contextlib.contextmanager
def _fake_clock(tick=0.001):
    """time.perf_counter as a clock that advances `tick` seconds per call: the durations
    mgrad prints ("in 52 ms") are then the same every run, and so is where rich wraps a
    line holding one (a real duration's width moves the break). They are still replaced by
    <time> when compared."""
    import itertools
    import time

    real, ticks = time.perf_counter, itertools.count()
    time.perf_counter = lambda: next(ticks) * tick
    try:
        yield
    finally:
        time.perf_counter = real


def command_line(s):
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(s.env.items()))
    return (env + " " if env else "") + "mgrad " + " ".join(shlex.quote(a) for a in s.args)


def run_case(case, mode=None):
    """Run the case's steps in a fresh work directory -> its normalized record (text)."""
    run = _run_subprocess if (mode or runner_mode()) == "subprocess" else _run_inprocess
    work = Path(tempfile.mkdtemp(prefix="mgrad-golden-"))
    try:
        for name in case.inputs:
            shutil.copyfile(INPUTS / name, work / name)
        parts = []
        for s in case.steps:
            out, err, code = run(s, work)
            parts.append(f"$ {command_line(s)}\n[exit {code}]\n")
            parts.append(_section("stdout", out))
            parts.append(_section("stderr", err))
            for name in s.files:
                path = work / name
                parts.append(_section(f"file {name}", path.read_text(encoding="utf-8", errors="replace"))
                             if path.exists() else f"--- file {name} (missing)\n")
        return normalize("".join(parts), work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _section(title, text):
    if not text:
        return f"--- {title} (empty)\n"
    return f"--- {title}\n{text}" + ("" if text.endswith("\n") else "\n--- (no newline at the end)\n")


# --- normalization ------------------------------------------------------------------------------

# durations as report.duration writes them: '412 ms', '0.5 ms', '3.2 s', '2 min 05 s'
_DURATION = re.compile(r"(?<![\w.])(?:\d+ min \d\d s|\d+(?:\.\d+)?(?:e[-+]?\d+)? (?:ms|s))(?![\w])")
# time in JSON: "seconds": 0.0724 (the log, a checkpoint's metrics)
_SECONDS = re.compile(r'("seconds"\s*:\s*)-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?')
# a layer's statistics are means and RMS over many numbers: their last bits follow how the
# numpy in use adds them up (pairwise, in blocks that change between versions), so they are
# compared to 10 significant digits (the engines agree to 1e-9 relative, issue 20's bound)
_LAYER_FIGURE = re.compile(r'("(?:act_mean|act_std|saturated|dead|grad_rms|grad_data|update_data)"\s*:\s*)'
                           r'(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)')


# a number written with 12 or more decimals (JSON, repr) is compared to 11: torch's
# float64 kernels (MKL) round differently on different CPUs in the last bits; everything
# printed for people (6 significant digits) is compared exactly
_LONG_NUMBER = re.compile(r"(?<![\w.])-?\d+\.\d{12,}(?:[eE][-+]?\d+)?(?![\w.])")


def _paths(work):
    """(text, placeholder) for the absolute paths that change from run to run or checkout to
    checkout: the work directory (as given and resolved), the package, the checkout."""
    pairs = []
    for path in {str(work), os.path.realpath(work)}:
        pairs.append((path, "<WORK>"))
    try:
        import mgrad_cli
        package = os.path.dirname(os.path.abspath(mgrad_cli.__file__))
        pairs += [(os.path.realpath(package), "<PKG>"), (package, "<PKG>")]
    except ImportError:
        pass
    pairs += [(os.path.realpath(REPO), "<REPO>"), (str(REPO), "<REPO>")]
    return sorted(set(pairs), key=lambda p: -len(p[0]))  # longest first


def normalize(text, work=None):
    """What is compared: the text with run-to-run noise replaced by placeholders — wall
    times (the train table's time column and 'in 697 ms'; JSON "seconds"), absolute paths
    (the work directory, the package, the checkout) and any other temporary directory —
    and a layer's statistics rounded to 10 significant digits (numpy's sums differ in the
    last bits between versions).
    Everything else is kept exactly."""
    for path, placeholder in _paths(work) if work is not None else []:
        text = text.replace(path, placeholder)
    tmp = re.escape(tempfile.gettempdir().rstrip("/"))
    text = re.sub(tmp + r"/mgrad-golden-[A-Za-z0-9_]+", "<WORK>", text)
    text = _SECONDS.sub(r'\1"<seconds>"', text)
    text = _LAYER_FIGURE.sub(lambda m: f"{m.group(1)}{float(m.group(2)):.10g}", text)
    text = _LONG_NUMBER.sub(lambda m: f"{float(m.group(0)):.11g}", text)
    text = _DURATION.sub("<time>", text)
    text = _join_messages_with_paths(text)
    # a duration's width changes the padding before it (the time column, right-aligned)
    text = re.sub(r" +<time>", " <time>", text)
    return text


_MESSAGE_START = ("Error:", "Warning:")
_NOT_A_CONTINUATION = ("$ ", "--- ", "[exit ") + _MESSAGE_START


def _join_messages_with_paths(text):
    """An error or warning that names an absolute path is wrapped at the terminal's width, so
    the path's length (which checkout, which temporary folder) moves its line breaks: such a
    message is kept as one line. Messages without a path keep their breaks."""
    out, message = [], None
    for line in text.split("\n") + [None]:
        if message is not None and line and not line.startswith(_NOT_A_CONTINUATION):
            message.append(line)
            continue
        if message is not None:
            joined = " ".join(message)
            out.extend([joined] if any(p in joined for p in ("<PKG>", "<WORK>", "<REPO>")) else message)
            message = None
        if line is not None and line.startswith(_MESSAGE_START):
            message = [line]
        elif line is not None:
            out.append(line)
    return "\n".join(out)


def sections(text):
    """{'step 2: $ mgrad eval model.json | stdout': body, ...}: a record cut at its step and
    section headers, to say where two records differ."""
    out, key, n, command = {}, None, 0, ""
    for line in text.splitlines(keepends=True):
        if line.startswith("$ "):
            n, command = n + 1, line.rstrip("\n")
            key = f"step {n}: {command} | exit"
        elif line.startswith("--- ") and not line.startswith("--- (no newline"):
            key = f"step {n}: {command} | {line[4:].rstrip()}"
        out[key] = out.get(key, "") + line
    return out


def differing_sections(expected, actual):
    old, new = sections(expected), sections(actual)
    return [k for k in dict.fromkeys(list(old) + list(new)) if old.get(k) != new.get(k)]


def diff(expected, actual, name, max_lines=None):
    lines = list(difflib.unified_diff(expected.splitlines(keepends=True), actual.splitlines(keepends=True),
                                      f"{name} (golden)", f"{name} (now)", n=2))
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines] + [f"... {len(lines) - max_lines} more lines of diff (all of it: "
                                     f"python tests/golden/make_goldens.py --check {name.removesuffix('.txt')})\n"]
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def timed(case, mode=None):
    """-> (record, wall seconds, CPU seconds of this process: the in-process runner's work)."""
    start, cpu = time.perf_counter(), time.process_time()
    text = run_case(case, mode)
    return text, time.perf_counter() - start, time.process_time() - cpu
