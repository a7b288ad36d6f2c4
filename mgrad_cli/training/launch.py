"""`mgrad train --nproc N`: N worker processes started by PyTorch's own launcher, and what
their exits mean.

launch() starts the same command line, without --nproc, in N processes through
torch.distributed.launcher.api.elastic_launch, as `torchrun --standalone` does: one
machine, a c10d rendezvous on 127.0.0.1 whose port the system picks as it binds it (port
0, as is the port of the store the workers then share), so a port another program holds
is never chosen and there is no window in which one could be taken; no restarts. Each
worker finds its rank in the environment the launcher sets and joins the process group
(training/distributed.py): rank 0 prints and saves, the others are silent.

A signal to the launching process (Ctrl-C, SIGTERM) is passed on by the launcher to every
worker; they stop after the same step, rank 0 saves, and launch() returns 128 + the
signal's number. When a worker fails, the launcher stops the others; outcome() then
reads the workers' exits and the error files they left (distributed.record_failure):
the first rank that failed on its own is named, with its error, in one line (RankFailed),
unless rank 0 printed that error itself; otherwise rank 0's status is the run's (it has
said what ended the run: the loss diverged, an interrupt, bad input).
"""

import contextlib
import logging
import os
import signal
import sys
import tempfile
import uuid

from .. import backends
from ..errors import MgradError, RankFailed, UserInputError
from . import distributed


def check(config, nproc):
    """Refuse, in one line, a run `--nproc` cannot start: another engine than torch, no
    torch.distributed, more processes than GPUs for a run on CUDA."""
    if not backends.data_parallel(config["engine"]):
        raise UserInputError(f"--nproc: data-parallel training runs on the {backends.DATA_PARALLEL} engine, and this "
                             f"run's engine is {config['engine']}; add --engine {backends.DATA_PARALLEL}")
    from ..backends.torch import require_torch, resolve

    torch = require_torch("--nproc (data-parallel training)")
    if not torch.distributed.is_available():
        raise UserInputError("--nproc: this PyTorch has no torch.distributed (data-parallel training needs it)")
    if resolve(config["device"], config["dtype"])[0] == "cuda":
        distributed.check_devices(nproc, torch.cuda.device_count())


def launch(nproc, args, environ):
    """Run `python -m mgrad_cli train ARGS` in nproc processes, with the environment
    `environ` (the workers inherit it, with the launcher's variables). -> the run's exit
    status; RankFailed when a rank failed on its own."""
    from torch.distributed.elastic.multiprocessing import DefaultLogsSpecs, SignalException
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.launcher.api import LaunchConfig, elastic_launch

    with tempfile.TemporaryDirectory(prefix="mgrad-launch-") as logs, _quiet(), _environment(environ):
        config = LaunchConfig(min_nodes=1, max_nodes=1, nproc_per_node=nproc, run_id=uuid.uuid4().hex,
                              rdzv_backend="c10d", rdzv_endpoint="127.0.0.1:0", local_addr="127.0.0.1",
                              max_restarts=0, logs_specs=DefaultLogsSpecs(log_dir=logs))
        try:
            elastic_launch(config, sys.executable)("-m", "mgrad_cli", "train", *args)
        except ChildFailedError as e:
            return outcome(e.failures)
        except SignalException as e:  # passed on to the workers, which have stopped
            return 128 + int(e.sigval)
        except Exception as e:  # the launcher's own failure (its rendezvous, say): in one line
            raise MgradError(f"--nproc: PyTorch's launcher failed: {type(e).__name__}: "
                             f"{' '.join(str(e).split())}") from None
    return 0


@contextlib.contextmanager
def _environment(environ):
    """os.environ as `environ` while the launcher starts the workers (they inherit it), and
    the signals' handlers (the launcher sets its own) as they were, afterwards."""
    saved, handlers = dict(os.environ), {s: signal.getsignal(s) for s in distributed.STOP_SIGNALS}
    os.environ.clear()
    os.environ.update(environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        for signum, handler in handlers.items():
            signal.signal(signum, handler)


@contextlib.contextmanager
def _quiet():
    """No log lines from the launcher (its workers' starts, stops and failures): what
    happened is said once, by rank 0 or by outcome()."""
    before = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(before)


def _note(failure):
    """mgrad's own note in a rank's error file ({} when it has none)."""
    data = failure.error_file_data if os.path.isfile(failure.error_file) else {}
    note = data.get("mgrad") if isinstance(data, dict) else None
    return note if isinstance(note, dict) else {}


def outcome(failures):
    """The exit status of a run some of whose workers failed ({global rank:
    torch.distributed.elastic's ProcessFailure}), or RankFailed naming the first rank that
    failed on its own (it left an error file) and its error, unless rank 0 printed it, or
    else a rank that a signal other than the launcher's own SIGTERM killed (a crash)."""
    own = sorted((_note(f).get("time", f.timestamp), rank) for rank, f in failures.items()
                 if os.path.isfile(f.error_file))
    zero = failures.get(0)
    if own:
        first = failures[own[0][1]]
        if any(_note(f).get("printed") and f.message == first.message for f in failures.values()):
            return zero.exitcode if zero is not None else first.exitcode  # rank 0 has said it
        raise RankFailed(f"rank {own[0][1]} failed: {first.message}", 2 if first.exitcode == 2 else 1)
    # the launcher's own SIGTERM ends the others once one has failed: not a cause
    killed = [rank for rank, f in sorted(failures.items()) if f.exitcode < 0]
    crashed = [rank for rank in killed if -failures[rank].exitcode not in distributed.STOP_SIGNALS]
    if crashed:
        raise RankFailed(f"rank {crashed[0]} was killed by {failures[crashed[0]].signal_name()}")
    if zero is not None and zero.exitcode > 0:
        return zero.exitcode  # rank 0 has said what ended the run
    rank = (killed or sorted(failures))[0]
    how = f"was killed by {failures[rank].signal_name()}" if rank in killed else \
        f"exited with status {failures[rank].exitcode}"
    raise RankFailed(f"rank {rank} {how}")
