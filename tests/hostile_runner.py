"""Runs `mgrad` commands in child processes under a memory cap and a time limit, fast.

The hostile-input suite (test_hostile.py) starts this script once. It loads the command
line (click, rich, numpy: most of a command's start-up time), then for each job read from
stdin, one JSON line {"args", "cwd", "out", "memory", "seconds", "env"}, forks a child that:
- caps its address space at `memory` bytes more than it uses now (RLIMIT_AS), and its
  time at `seconds` (SIGALRM, whose default action ends the process; RLIMIT_CPU too);
- runs `mgrad ARGS` through the real entry point in `cwd`, with the variables `env` set,
  stdin /dev/null, and stdout and stderr to files in `out`.
It answers each job with one JSON line {"status": exit status, or -N when signal N ended
the child, "seconds": wall time}. Fork after the imports: a child starts in milliseconds
instead of the few tenths of a second a fresh `python -m mgrad_cli` takes.
"""

import json
import os
import resource
import signal
import sys
import time
import traceback

from mgrad_cli import __main__ as entry
from mgrad_cli.training import checkpoint, config, trainer as train  # noqa: F401  (loaded once, here)
from mgrad_cli import cli
from mgrad_cli.data import datasets
from mgrad_cli.models import evaluate


def _child(job):
    os.chdir(job["cwd"])
    os.environ.update(job["env"])
    stdin = os.open(os.devnull, os.O_RDONLY)
    os.dup2(stdin, 0)
    for fd, name in ((1, "stdout"), (2, "stderr")):
        os.dup2(os.open(os.path.join(job["out"], name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), fd)
    with open("/proc/self/statm", encoding="ascii") as f:
        used = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    cap = used + job["memory"]
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    resource.setrlimit(resource.RLIMIT_CPU, (job["seconds"], job["seconds"] + 1))
    signal.alarm(job["seconds"])
    sys.argv = ["mgrad"] + job["args"]
    try:
        entry.main()
        status = 0
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:  # what a user would see: the traceback
        traceback.print_exc()
        status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(status)


def main():
    for line in sys.stdin:
        job = json.loads(line)
        sys.stdout.flush()
        started = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            try:
                _child(job)
            except BaseException:  # setting the child up failed: say why
                traceback.print_exc()
                os._exit(99)
        _, wait_status = os.waitpid(pid, 0)
        status = os.waitstatus_to_exitcode(wait_status)
        print(json.dumps({"status": status, "seconds": time.perf_counter() - started}), flush=True)


if __name__ == "__main__":
    main()
