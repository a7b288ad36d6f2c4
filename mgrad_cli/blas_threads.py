"""One BLAS thread for the command line, unless the user chose otherwise.

numpy's OpenBLAS starts a thread per core. The tensor engine's matrices are small
(a batch of 64 digits times a 64x32 layer), and on a 2-core machine another process
usually holds one core: a second BLAS thread then waits for it, and `mgrad train
configs/digits.yaml` trained 3x slower with two threads than with one (README, "The
tensor engine"). OpenBLAS reads these variables once, when numpy is first imported,
so cli.py imports this module before anything that imports numpy.

A value the user set is never overridden: with any of the variables already set,
nothing changes (OPENBLAS_NUM_THREADS=2 mgrad train ... uses two threads).
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


default_to_one_thread()
