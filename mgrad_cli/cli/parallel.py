"""The command line's side of data-parallel training: `mgrad train --nproc N` starting its
workers (training/launch.py), and how a worker behaves, whichever launcher started it.

A worker runs the same command line as a lone `mgrad train`. Rank 0 prints the table
and the summary, writes the log and saves; the other ranks print nothing (their stdout
and stderr go to /dev/null, C++ warnings included) and write no file. A rank whose run
ends with an error leaves it, on one line, where the launcher reads it
(distributed.record_failure); an unexpected error is not shown as a traceback but named
by the launcher, with its rank.
"""

import contextlib
import dataclasses
import os

import click

from ..errors import MgradError
from .threads import MAX_THREADS, THREADS_PER_CORE, cores, lone_environment, most_threads


def command_args(ctx, leave_out=()):
    """The arguments that give ctx's command the values it was given (but those named in
    `leave_out`): each option that is set, as --name=value, then '--' and the arguments."""
    options, arguments = [], []
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if param.name in leave_out or value is None:
            continue
        if isinstance(param, click.Argument):
            arguments.append(str(value))
            continue
        name = max(param.opts, key=len)
        if param.is_flag and param.secondary_opts:  # --chart/--no-chart
            options.append(name if value else max(param.secondary_opts, key=len))
        elif param.is_flag:
            options += [name] if value else []
        else:
            options += [f"{name}={v}" for v in (value if param.multiple else [value])]
    return options + ["--"] + arguments


def worker_environment(environ=None):
    """The environment for the workers: the one a lone `mgrad` would see (threads.py), with
    this mgrad's package first on PYTHONPATH, so that `python -m mgrad_cli` runs this code."""
    import mgrad_cli

    env = lone_environment() if environ is None else dict(environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(mgrad_cli.__file__)))
    env["PYTHONPATH"] = os.pathsep.join([root] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


def launch_run(config_path, opts, check_options):
    """`train --nproc N`: check here what the workers would refuse (the options with
    check_options, the config, the engine, the devices), start them, and exit with the
    run's status (click's Exit); RankFailed (one line) when a rank failed on its own."""
    from ..training import distributed, launch
    from ..training.config import load_config

    if distributed.launched():
        raise click.BadParameter("this process is already one of those a launcher (torchrun) started; leave "
                                 "--nproc out", param_hint="--nproc")
    if opts.nproc > most_threads():  # as many processes as --threads may have threads, at most
        raise click.BadParameter(f"expected at most {most_threads()} processes ({THREADS_PER_CORE} times the "
                                 f"{cores()} cores this process may use, at most {MAX_THREADS}), got {opts.nproc}",
                                 param_hint="--nproc")
    check_options(opts, lock=False)
    sets, _ = opts.settings()
    launch.check(load_config(config_path, opts.overrides(), sets), opts.nproc)
    args = command_args(click.get_current_context(), leave_out=("nproc",))
    raise click.exceptions.Exit(launch.launch(opts.nproc, args, worker_environment()))


def join(config):
    """Join the data-parallel group of a launcher's processes, on the config's device, and
    leave it when the command ends."""
    from ..backends.torch import resolve
    from ..training.distributed import Group
    from ..training.launch import check

    check(config, 1)  # the torch engine, torch.distributed
    group = Group.join(resolve(config["device"], config["dtype"])[0])
    click.get_current_context().call_on_close(group.close)
    return group


def silent(opts):
    """The options (train's Options) of a rank other than 0: it writes no file and prints
    nothing."""
    return dataclasses.replace(opts, save_path=None, log_path=None, graph_path=None, plot_path=None,
                               report_path=None, save_every=None, quiet=True, chart=False, snapshots=False)


def silence():
    """Send this process's stdout and stderr to /dev/null (a rank other than 0)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        for fd in (1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
    except OSError:
        pass


@contextlib.contextmanager
def worker():
    """A rank's run, as a launcher started it: silent but for rank 0, and an error that ends
    it recorded for the launcher (printed=True: rank 0 printed it, as any error of
    mgrad's). An unexpected error ends the rank with status 1 and no traceback. -> the rank"""
    from ..training.distributed import ranks, record_failure

    rank = ranks()[0]
    if rank:
        silence()
    try:
        yield rank
    except (click.exceptions.Exit, BrokenPipeError):
        raise
    except click.ClickException as e:
        record_failure(e.format_message(), printed=rank == 0)
        raise
    except MgradError as e:
        record_failure(str(e), printed=rank == 0)
        raise
    except Exception as e:  # a failure of this rank's own: one line, which the launcher names
        record_failure(f"{type(e).__name__}: {e}")
        raise click.exceptions.Exit(1) from None
