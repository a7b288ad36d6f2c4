"""Running a sweep: each run is a `mgrad train` process of its own, N at a time.

A run is `python -m mgrad_cli train CONFIG --set ... --threads T --save DIR/RUN/model.json
--log DIR/RUN/log.jsonl -q --no-chart`: the very command a user would type, in a fresh
process (nothing shared with the sweep or the other runs: no RNG, no thread pool, no
imported state), so its numbers are those of that command run alone, bit for bit.

N processes run at once (default: one per core), each with T = max(1, cores // N)
threads, so the machine is used and not oversubscribed. The memory bound (limits.py)
covers the runs together: N is lowered until the N largest runs fit in it.

Each run's folder holds config.yaml (its resolved config: `mgrad train config.yaml
--threads T` trains it again), run.json (its index, values, seed, threads, command,
status, exit code and seconds), output.txt (what the command printed), log.jsonl and
model.json (the checkpoint, kept for a run that diverged: its last good state).

The runs are started in sessions of their own, so Ctrl-C at the terminal reaches only
the sweep: it passes SIGINT (or SIGTERM for SIGTERM) to the runs under way, which save
what they reached and stop, waits for them, starts no more, and returns what finished.
"""

import collections
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

import yaml

from .. import limits
from ..errors import MgradError, Terminated, UserInputError
from ..files import cannot_write, display_path, write_atomic
from .runs import outcome, read_log

POLL_SECONDS = 0.05  # how often the sweep looks for a finished run
STOP_SECONDS = 60    # how long an interrupted run may take to save and stop before it is killed
FILES = {"config": "config.yaml", "run": "run.json", "output": "output.txt", "log": "log.jsonl",
         "model": "model.json"}


@dataclass
class Result:
    """How a run ended: status (runs.STATUSES), its exit code, the seconds it took, its
    outcome (runs.outcome of its log) and its error line, if it printed one."""

    run: object
    status: str
    exit_code: int
    seconds: float
    outcome: dict = field(default_factory=dict)
    error: str = None


def jobs_for(runs, jobs, budget=None):
    """(runs at a time, None or why fewer than `jobs`): at most `jobs` and the number of
    runs, and no more than the memory bound holds (the largest runs together)."""
    jobs = max(1, min(jobs, len(runs)))
    if budget is None:
        budget = limits.memory_budget()
    size, why = budget
    largest = sorted((r.memory for r in runs), reverse=True)
    fit = jobs
    while fit > 1 and sum(largest[:fit]) > size:
        fit -= 1
    if fit == jobs:
        return jobs, None
    return fit, (f"{jobs} runs at once would need about {limits.format_bytes(sum(largest[:jobs]))} of memory, "
                 f"more than the {limits.format_bytes(size)} this sweep may use ({why})")


def threads_for(jobs, cores):
    """Threads per run: the cores shared among the runs at once, at least one each."""
    return max(1, cores // jobs)


def check_out(path):
    """Refuse an output folder that exists and holds anything (a sweep never mixes its
    runs with other files); create it. Raises UserInputError."""
    shown = display_path(path)
    if os.path.lexists(path):
        if not os.path.isdir(path):
            raise UserInputError(f"{shown}: exists and is not a folder; name a new folder with --out")
        if os.listdir(path):
            raise UserInputError(f"{shown}: the folder is not empty; name a new one with --out")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        raise cannot_write(path, e) from None


def train_argv(config_path, run, threads, folder):
    """The `mgrad train` command of a run (the module form: this Python, this mgrad)."""
    argv = [sys.executable, "-m", "mgrad_cli", "train", str(config_path)]
    for o in run.sets:
        argv += ["--set", f"{o.key}={o.text}"]
    return argv + ["--threads", str(threads), "--save", os.path.join(folder, FILES["model"]),
                   "--log", os.path.join(folder, FILES["log"]), "-q", "--no-chart"]


def _environment(env):
    """The runs' environment: `env` (the sweep's, by default), with this mgrad first on
    the module path so that `-m mgrad_cli` is the package the sweep runs."""
    env = dict(os.environ if env is None else env)
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join([here] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return env


class Sweep:
    """The runs of a plan (grid.plan), `jobs` at a time with `threads` each, in folders
    under `out`. start() runs them and returns (results in the order they ended, the
    KeyboardInterrupt that stopped the sweep or None); on_end(result) is called as each
    run ends."""

    def __init__(self, config_path, runs, out, jobs, threads, env=None, on_end=None):
        self.config_path, self.runs, self.out = config_path, list(runs), out
        self.jobs, self.threads, self.env = jobs, threads, _environment(env)
        self.on_end = on_end
        self.results, self.running = [], {}  # Popen -> (run, start time, output file)

    def folder(self, run):
        return os.path.join(self.out, run.name)

    def start(self):
        queue = collections.deque(self.runs)
        try:
            while queue or self.running:
                while queue and len(self.running) < self.jobs:
                    self._launch(queue.popleft())
                self._reap()
                if self.running:
                    time.sleep(POLL_SECONDS)
        except KeyboardInterrupt as e:  # Ctrl-C, or SIGTERM (errors.Terminated)
            self._stop(signal.SIGTERM if isinstance(e, Terminated) else signal.SIGINT)
            return self.results, e
        except BaseException:  # a folder that cannot be written: the runs under way stop too
            self._stop(signal.SIGTERM)
            raise
        return self.results, None

    def _launch(self, run):
        folder = self.folder(run)
        argv = train_argv(self.config_path, run, self.threads, folder)
        try:
            os.makedirs(folder, exist_ok=True)
            write_atomic(os.path.join(folder, FILES["config"]), _config_text(run, self.threads))
            self._write_run(run, argv, "running")
            output = open(os.path.join(folder, FILES["output"]), "wb")
        except OSError as e:
            raise cannot_write(folder, e) from None
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                    env=self.env, start_new_session=True)
        except OSError as e:  # no such Python any more, no processes left
            output.close()
            raise MgradError(f"cannot start run {run.name}: {e.strerror or e}") from None
        self.running[proc] = (run, time.perf_counter(), output, argv)

    def _reap(self, interrupted=False):
        for proc in [p for p in self.running if p.poll() is not None]:
            self._finish(proc, interrupted)

    def _finish(self, proc, interrupted=False):
        run, started, output, argv = self.running.pop(proc)
        output.close()
        folder = self.folder(run)
        error = _error_line(os.path.join(folder, FILES["output"]))
        status = _status(proc.returncode, error, interrupted)
        history = _history(os.path.join(folder, FILES["log"]))
        result = Result(run, status, proc.returncode, time.perf_counter() - started, outcome(history), error)
        self._write_run(run, argv, status, result)
        self.results.append(result)
        if self.on_end is not None:
            self.on_end(result)

    def _stop(self, signum):
        """Pass the signal to the runs under way, wait for them to save and stop (killing
        those that take longer than STOP_SECONDS, or all at a second Ctrl-C), record them."""
        for proc in self.running:
            _signal(proc, signum)
        deadline = time.perf_counter() + STOP_SECONDS
        while self.running:
            try:
                if time.perf_counter() > deadline:
                    raise KeyboardInterrupt
                self._reap(interrupted=True)
                time.sleep(POLL_SECONDS)
            except KeyboardInterrupt:
                for proc in self.running:
                    _signal(proc, signal.SIGKILL)
                    proc.wait()
                self._reap(interrupted=True)

    def _write_run(self, run, argv, status, result=None):
        doc = {"index": run.index, "values": {o.key: o.value for o in run.values}, "seed": run.seed,
               "threads": self.threads, "command": shlex.join(["mgrad"] + argv[3:]), "status": status}
        if result is not None:
            doc.update(exit_code=result.exit_code, seconds=result.seconds, error=result.error)
        write_atomic(os.path.join(self.folder(run), FILES["run"]), json.dumps(doc, indent=1, default=str) + "\n")


def _signal(proc, signum):
    try:
        proc.send_signal(signum)
    except ProcessLookupError:  # it has just ended
        pass


def _config_text(run, threads):
    header = (f"# The resolved config of this run: `mgrad train config.yaml --threads {threads}` trains it "
              f"again.\n")
    return header + yaml.safe_dump(run.config, sort_keys=False, default_flow_style=None, width=100)


def _status(code, error, interrupted):
    """ok, diverged, interrupted or failed, from the exit code of `mgrad train` (0 done,
    1 diverged, 130 and 143 interrupted) and its error line."""
    if code == 0:
        return "ok"
    if interrupted or code in (130, 143, -signal.SIGINT, -signal.SIGTERM, -signal.SIGKILL):
        return "interrupted"
    if code == 1 and error is not None and ("diverged" in error or "before any update" in error):
        return "diverged"
    return "failed"


def _error_line(path):
    """The last error the run printed, without 'Error: ', as one line, or None. The error
    is the last thing a run prints, wrapped between words at its terminal's width (the
    sweep's COLUMNS): the lines from the last 'Error: ' to the end are joined again."""
    try:
        with open(path, "rb") as f:
            f.seek(max(0, os.fstat(f.fileno()).st_size - 4096))
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return None
    starts = [i for i, line in enumerate(lines) if line.startswith("Error: ")]
    if not starts:
        return None
    return " ".join(line.strip() for line in lines[starts[-1]:] if line.strip())[len("Error: "):]


def _history(path):
    try:
        return read_log(path, partial=True)  # a run killed while writing its log: the lines before
    except UserInputError:  # no log: stopped before its first epoch
        return []
