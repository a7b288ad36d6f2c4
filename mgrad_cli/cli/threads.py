"""Threads for the command line: one BLAS thread for numpy unless the user chose otherwise,
every core for PyTorch, and `--threads N` for both.

numpy's OpenBLAS starts a thread per core. The tensor engine's matrices are small
(a batch of 64 digits times a 64x32 layer), and on a 2-core machine another process
usually holds one core: a second BLAS thread then waits for it, and `mgrad train
configs/digits.yaml` trained 3x slower with two threads than with one (README, "The
tensor engine"). OpenBLAS reads these variables once, when numpy is first imported,
so cli.py imports this module before anything that imports numpy.

A value the user set is never overridden: with any of the variables already set,
nothing changes (OPENBLAS_NUM_THREADS=2 mgrad train ... uses two threads).

PyTorch reads OMP_NUM_THREADS and MKL_NUM_THREADS too, so the one thread meant for numpy
would hold it to one core as well: an engine with threads of its own (a backend with
set_threads, the torch engine) is given its threads by torch_threads() (one for small
work, every core this process may use above SMALL_WORK), unless the user set the
variables (then PyTorch keeps what they say) or asked for N with --threads.
"""

import os

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def default_to_one_thread(environ=os.environ):
    """Set the thread variables to 1 unless one of them is set: -> True when they were set."""
    if any(environ.get(var) for var in THREAD_VARIABLES):
        return False
    for var in THREAD_VARIABLES:
        environ[var] = "1"
    return True


HELD_TO_ONE = default_to_one_thread()  # True when mgrad chose the one thread, not the user


def cores():
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


MAX_THREADS = 256  # --threads at most, on any machine
THREADS_PER_CORE = 4  # --threads at most this many times the cores this process may use


def most_threads():
    """The largest --threads: four times the cores this process may use, at most MAX_THREADS.
    More only queue for the same cores (and PyTorch's OpenMP fails to start thousands)."""
    return min(MAX_THREADS, THREADS_PER_CORE * cores())


def check_threads(n):
    """n (--threads N, or None), or UserInputError in one line when it is not from 1 to
    most_threads(), on every engine."""
    if n is None:
        return None
    most = most_threads()
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= most:
        from ..errors import UserInputError, shorten

        raise UserInputError(f"--threads: expected a number of threads from 1 to {most} ({THREADS_PER_CORE} "
                             f"times the {cores()} cores this process may use, at most {MAX_THREADS}), "
                             f"got {shorten(n)}")
    return n


# A step of parameters x batch rows below this runs on one thread by default: PyTorch's
# threads cost more than they save there, and far more when another process holds a core
# (bench/bench_threads.py measures it; docs/engines.md, "Threads", has the figures).
SMALL_WORK = 5_000_000


def torch_threads(n_parameters, batch_rows, n_cores=None):
    """The default threads of an engine with threads of its own (the torch engine): one for
    a step of n_parameters x batch_rows below SMALL_WORK, else every core (n_cores, by
    default cores())."""
    if n_parameters * batch_rows < SMALL_WORK:
        return 1
    return cores() if n_cores is None else n_cores


def use_threads(n=None, backend=None, held_to_one=None, work=None):
    """Threads for a run: with n (--threads N), numpy's BLAS and the backend's own threads
    both use n; without, the backend's own threads are torch_threads(*work) when mgrad held
    the variables to one (work: (parameters, batch rows) of a step; None: every core).
    -> the backend's thread count, or None for an engine without its own (it runs on
    numpy's BLAS)."""
    held_to_one = HELD_TO_ONE if held_to_one is None else held_to_one
    check_threads(n)
    if n is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(n, user_api="blas")  # kept for the rest of the process
    set_threads = getattr(backend, "set_threads", None)
    if set_threads is None:
        return None
    return set_threads(n if n is not None else (_default(work) if held_to_one else None))


def _default(work):
    return cores() if work is None else torch_threads(*work)


def process_threads(processes):
    """The threads of each of `processes` data-parallel processes on this machine: its share
    of the cores, at least one."""
    return max(1, cores() // processes)


def lone_environment(environ=os.environ, held_to_one=None):
    """The environment a `mgrad` started from the same shell would see: without the thread
    variables this process set itself (default_to_one_thread), so that a child `mgrad`
    chooses its threads exactly as a lone one does."""
    held_to_one = HELD_TO_ONE if held_to_one is None else held_to_one
    env = dict(environ)
    if held_to_one:
        for var in THREAD_VARIABLES:
            env.pop(var, None)
    return env
