"""The `mgrad` command's entry point: the console script and `python -m mgrad_cli`.

It runs before the command line's imports (click, rich, numpy: a few tenths of a second),
so it sets up the process first: a Ctrl-C (SIGINT) or SIGTERM that arrives while they
load ends the process at once, with no traceback and the status a shell gives a process
stopped by that signal (128 + its number: 130, 143). Nothing has been done yet that
would need saving. Once the CLI is loaded, Ctrl-C is Python's KeyboardInterrupt again
and SIGTERM raises errors.Terminated, a KeyboardInterrupt too: the commands handle both
(training saves what it reached) and exit with 130 or 143.
"""

import os
import signal

_STARTUP_MESSAGES = {signal.SIGINT: b"Interrupted.\n", signal.SIGTERM: b"Terminated.\n"}


def main():
    for signum in _STARTUP_MESSAGES:
        signal.signal(signum, _stop_during_startup)
    from .cli.app import main as run_cli  # click, rich and numpy load here

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)
    return run_cli()


def _terminate(signum, frame):
    from .errors import Terminated

    raise Terminated()


def _stop_during_startup(signum, frame):
    # os._exit: the import under way is abandoned without unwinding it (no traceback)
    try:
        os.write(2, _STARTUP_MESSAGES[signum])
    except OSError:  # no stderr: the status says it
        pass
    os._exit(128 + signum)


if __name__ == "__main__":
    main()
