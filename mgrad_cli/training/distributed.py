"""Data-parallel training on torch.distributed: the process group a run's ranks join, and
what they share.

A run is data-parallel when a launcher started it: `mgrad train --nproc N` (PyTorch's
elastic launcher: training/launch.py) or torchrun. Each process then finds its place in
the environment the launcher set (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT: init_method
env://; LOCAL_RANK, LOCAL_WORLD_SIZE on its machine) and joins the group: gloo on the
CPU, nccl on CUDA with one device per local rank.

Every rank loads the same data and draws the same batch order (the trainer's RNG, as in
one process), so nothing about the order depends on the world size. Each batch is split
into contiguous shares, one per rank (share(): the first n % world ranks take one row
more). The torch engine's model is wrapped in DistributedDataParallel
(backends/torch_ddp.py), and the gradients it all-reduces are weighted by each rank's
rows. What an epoch reports of the training rows (their outputs, the layers' statistics)
is summed across the ranks (sum()), so every figure is one process's.

Stopping together. A rank must not leave a collective the others wait in: once joined,
Ctrl-C and SIGTERM only note the signal, and the ranks agree on it with each step's loss
(agree()): they all stop after the same step, raising KeyboardInterrupt or
errors.Terminated there as one process does, and rank 0 saves the last whole epoch. A
collective that fails (another rank has died) raises errors.PeerFailed, a
KeyboardInterrupt too. A rank that fails on its own writes its one-line error where the
launcher reads it (record_failure), so the launcher can name the rank and the error.

OneProcess (SOLO) is the group of a run in one process: all rows, nothing to add up.
"""

import json
import os
import signal
import time
import traceback

import numpy as np

from .. import backends
from ..errors import PeerFailed, Terminated, UserInputError

# what a launcher sets for each process it starts (torch.distributed's env:// initialization)
LAUNCHER_VARIABLES = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def launched(environ=None):
    """Whether a launcher (torchrun, `train --nproc`) started this process as a rank."""
    environ = os.environ if environ is None else environ
    return all(environ.get(name) for name in LAUNCHER_VARIABLES)


def ranks(environ=None):
    """(rank, world size, local rank, local world size) from a launcher's environment;
    UserInputError naming a variable that is not a count in its range."""
    environ = os.environ if environ is None else environ
    values = []
    for name, default, low in (("RANK", None, 0), ("WORLD_SIZE", None, 1), ("LOCAL_RANK", "RANK", 0),
                               ("LOCAL_WORLD_SIZE", "WORLD_SIZE", 1)):
        text = environ.get(name) or environ.get(default or name, "")
        if not text.strip().isdigit() or int(text) < low:
            raise UserInputError(f"{name}: expected a count from {low} (as a launcher sets it), got {text!r}")
        values.append(int(text))
    rank, world, local_rank, local_world = values
    if rank >= world or local_rank >= local_world:
        raise UserInputError(f"RANK {rank}, LOCAL_RANK {local_rank}: expected below WORLD_SIZE {world} and "
                             f"LOCAL_WORLD_SIZE {local_world}")
    return rank, world, local_rank, local_world


def share(n, rank, world):
    """The rows of a batch of n that `rank` of `world` takes: a contiguous slice, the first
    n % world ranks one row more (a rank may take none)."""
    base, extra = divmod(n, world)
    start = rank * base + min(rank, extra)
    return slice(start, start + base + (rank < extra))


def describe(world, backend):
    """'2 processes over gloo': what the table and the summary say of the group."""
    return f"{world} process{'es' if world != 1 else ''} over {backend}"


class OneProcess:
    """A run in one process: every row of each batch is its own, sums are its own figures."""

    rank, world, local_rank, local_world = 0, 1, 0, 1

    def share(self, n):
        return slice(None)

    def sum(self, values):
        return values

    def finish(self):
        """The end of the run's epochs (nothing to agree on)."""

    def data_parallel(self, backend):
        return backend


SOLO = OneProcess()


class Group:
    """This process's place in a data-parallel run, once it has joined the process group."""

    def __init__(self, torch, places, device, backend):
        self.torch, self.dist = torch, torch.distributed
        self.rank, self.world, self.local_rank, self.local_world = places
        self.device, self.backend = device, backend
        self.signals = dict.fromkeys(STOP_SIGNALS, 0)  # noted, not acted on until the ranks agree
        self.handlers = {}

    @classmethod
    def join(cls, device_name, environ=None):
        """Join the group the launcher's environment describes, on `device_name` (cpu or cuda,
        as the torch engine resolved it): gloo, or nccl with the local rank's GPU."""
        from ..backends.torch import require_torch

        torch = require_torch("data-parallel training")
        places = ranks(environ)
        local_world = places[3]
        if not torch.distributed.is_available():
            raise UserInputError("data-parallel training needs torch.distributed, which this PyTorch lacks")
        if device_name == "cuda":
            check_devices(local_world, torch.cuda.device_count())
            torch.cuda.set_device(places[2])
            device, backend = torch.device("cuda", places[2]), "nccl"
        else:
            device, backend = torch.device("cpu"), "gloo"
        group = cls(torch, places, device, backend)
        group.dist.init_process_group(backend, init_method="env://", rank=places[0], world_size=places[1])
        group.handle_signals()
        return group

    def share(self, n):
        return share(n, self.rank, self.world)

    def describe(self):
        return describe(self.world, self.backend)

    def sum(self, values):
        """A float64 numpy array (or number) summed over the ranks, element by element."""
        values = np.asarray(values, dtype=np.float64)
        t = self.torch.tensor(values, device=self.device)  # a copy: the caller's array is left alone
        try:
            self.dist.all_reduce(t)
        except RuntimeError as e:
            raise self.failed(e) from None
        return t.cpu().numpy().reshape(values.shape)

    def agree(self, values):
        """values summed over the ranks, together with each rank's noted signal: when a rank
        has one, every rank raises it here, after the same step (SIGTERM's Terminated before
        Ctrl-C's KeyboardInterrupt)."""
        summed = self.sum(list(values) + [self.signals[s] for s in STOP_SIGNALS])
        stops = dict(zip(STOP_SIGNALS, summed[len(values):]))
        if stops[signal.SIGTERM]:
            raise Terminated()
        if stops[signal.SIGINT]:
            raise KeyboardInterrupt()
        return summed[:len(values)]

    def finish(self):
        """The end of the run's epochs: a signal any rank noted since its last step stops
        them all now."""
        self.agree([])

    def failed(self, error):
        """The PeerFailed for a collective that raised `error` (another rank is gone)."""
        return PeerFailed(f"rank {self.rank}: a collective failed: {error}")

    def handle_signals(self):
        """From now on Ctrl-C and SIGTERM are noted for agree(), not raised at once."""
        for signum in STOP_SIGNALS:
            self.handlers[signum] = signal.signal(signum, self._note)

    def _note(self, signum, frame):
        self.signals[signum] = 1

    def close(self):
        """Leave the group and give the signals their handlers back."""
        for signum, handler in self.handlers.items():
            signal.signal(signum, handler)
        self.handlers = {}
        if self.dist.is_initialized():
            self.dist.destroy_process_group()

    def data_parallel(self, backend):
        """The engine `backend` wrapped for this group (backends/torch_ddp.py): the torch
        engine's model in DistributedDataParallel. Another engine is refused."""
        if not backends.data_parallel(getattr(backend, "name", None)):
            engine = backends.DATA_PARALLEL
            raise UserInputError(f"data-parallel training runs on the {engine} engine, not the {backend.name} engine "
                                 f"(set engine: {engine}, or --engine {engine})")
        from ..backends.torch_ddp import DataParallel

        return DataParallel(backend, self)


def check_devices(processes, devices):
    """UserInputError when `processes` on this machine would not have a GPU each."""
    if processes > devices:
        raise UserInputError(f"--nproc: {processes} processes on the GPU need a device each, and PyTorch sees "
                             f"{devices}; use --nproc {max(devices, 1)} or fewer, or device cpu")


def record_failure(message, printed=False, environ=None):
    """Write a rank's error, on one line, where its launcher reads it: the error file
    torch.distributed.elastic names in TORCHELASTIC_ERROR_FILE ({"message", "timestamp"}:
    torchrun reports it too), with mgrad's own note of when, to the microsecond, whether
    this rank printed it itself (rank 0 prints its errors) and the traceback being
    handled. Nothing without a launcher's file."""
    environ = os.environ if environ is None else environ
    path = environ.get("TORCHELASTIC_ERROR_FILE")
    if not path:
        return
    now = time.time()
    doc = {"message": " ".join(str(message).split()), "timestamp": int(now),
           "mgrad": {"time": now, "printed": printed, "traceback": traceback.format_exc()}}
    try:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f)
    except OSError:  # the exit status still says it failed
        pass
