"""What every command shares: its consoles, its JSON output, and the translation of the
library's exceptions into one-line messages and exit codes:
exit 0 ok, 1 a failed check or run, 2 bad input, 130 interrupted (Ctrl-C), 143 terminated
(SIGTERM), 141 stdout closed (a pipe's reader gone, as with `| head`).
"""

import errno
import functools
import io
import json
import os
import sys

import click
from rich.console import Console

from ..errors import ExpressionError, MgradError, UserInputError
from ..limits import MEMORY_VARIABLE
from ..numbers import json_number

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
# ignore_unknown_options: an expression may start with a minus ("-a*b")
EXPR_CONTEXT_SETTINGS = dict(CONTEXT_SETTINGS, ignore_unknown_options=True)


# --- consoles and errors -----------------------------------------------------------

class _Console(Console):
    """rich's Console, but a closed pipe raises BrokenPipeError where rich would exit 1 at
    once: the command stops as it chooses (a run first saves what it reached), then exits
    141 (stdout_closed)."""

    def on_broken_pipe(self):
        self.quiet = True  # nothing more from this console
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))


# The terminal's one place for names from data (data/names.py): what mgrad prints, a
# table's cells and headers included, is never read as rich markup ("[red]"), emoji codes
# (":smile:") or highlighted, so a class named "[/]" prints as itself. (Control characters
# never get this far: they are refused where a name is read.)
PLAIN = {"markup": False, "emoji": False, "highlight": False}


def out_console():
    """Data and tables: stdout. rich drops colour when it is not a terminal and honours NO_COLOR."""
    return _Console(file=sys.stdout, **PLAIN)  # looked up per call: CliRunner swaps it


def err_console():
    """Progress and diagnostics: stderr."""
    return _Console(file=sys.stderr, **PLAIN)


NAME_WIDTH = 24  # a name (feature, class, parameter) up to this many characters is shown whole


def short(name, width=NAME_WIDTH):
    """A name as a table shows it: whole up to `width` characters, else cut with an ellipsis."""
    name = str(name)
    return name if len(name) <= width else name[: width - 1] + "…"


def say(console, text, style=None, indent=0):
    """Print prose: wrapped by rich between words at the console's width (a number such as
    100.0% or 0.573169 is never cut), no trailing spaces, `indent` spaces before every line."""
    from rich.text import Text

    for line in Text(text, style=style or "").wrap(console, max(20, console.width - indent)):
        line.rstrip()
        console.print(Text(" " * indent) + line if indent else line, soft_wrap=True)


class MgradClickError(click.ClickException):
    """A library error shown as `Error: message` with the error's own exit code."""

    def __init__(self, error):
        super().__init__(str(error))
        self.exit_code = error.exit_code
        self.error = error

    def format_message(self):
        msg = self.message
        err = self.error
        if isinstance(err, ExpressionError) and err.source is not None and err.column is not None:
            line_start = err.source.rfind("\n", 0, err.column) + 1
            line_end = err.source.find("\n", err.column)
            line = err.source[line_start: len(err.source) if line_end < 0 else line_end]
            msg += f"\n  {_shown(line)}\n  {' ' * (err.column - line_start)}^"
        return msg


def _shown(line):
    """An expression's line with each character data/names.py refuses (an escape sequence's
    ESC, a bidi control) as U+FFFD, a tab as a space: one character for one, so the caret
    stays under its column."""
    import unicodedata

    from ..data.names import REFUSED_CATEGORIES, control_character

    if control_character(line) is None:
        return line
    return "".join(" " if c == "\t" else "\ufffd" if unicodedata.category(c) in REFUSED_CATEGORIES else c
                   for c in line)


def wrap_error(error):
    """Make a click error's message wrap between words at the terminal's width (its first
    line follows 'Error: '); an expression's line and its caret below are left whole."""
    fmt = error.format_message

    def wrapped():
        import textwrap

        first, *rest = fmt().split("\n")
        width = max(20, err_console().width)
        lines = textwrap.wrap("Error: " + first, width, break_long_words=False, break_on_hyphens=False)
        return "\n".join([lines[0][len("Error: "):]] + lines[1:] + rest) if lines else fmt()

    error.format_message = wrapped
    return error


class Group(click.Group):
    """click's Group whose errors (usage, bad values, the library's) wrap at the terminal's width."""

    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except click.ClickException as e:
            raise wrap_error(e) from None

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.ClickException as e:
            raise wrap_error(e) from None


def interrupt_status(e):
    """The exit status for a KeyboardInterrupt: 130 for Ctrl-C, 143 for SIGTERM."""
    return getattr(e, "exit_code", 130)


def interrupt_message(e):
    return getattr(e, "message", "Interrupted.")


def stdout_closed():
    """stdout's reader has gone (`mgrad ... | head`): stop quietly, as a process that SIGPIPE
    ends, and return its status, 128 + 13. stdout is pointed at /dev/null, so the flush at
    exit finds no broken pipe to complain about."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, io.UnsupportedOperation):  # not a real file (a test's capture)
        pass
    return 141


def translate_errors(f):
    """Turn the library's exceptions into click errors with the right exit code."""

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except MgradError as e:
            raise MgradClickError(e) from None
        except KeyboardInterrupt as e:  # Ctrl-C, or SIGTERM (errors.Terminated); click would say "Aborted!"
            click.echo(interrupt_message(e), err=True)
            raise click.exceptions.Exit(interrupt_status(e)) from None
        except BrokenPipeError:  # click would exit 1, the status of a failed check
            raise click.exceptions.Exit(stdout_closed()) from None
        except MemoryError:  # past limits.py's estimate (or a bound set too high): no traceback
            raise MgradClickError(UserInputError(
                f"ran out of memory; use smaller data, model or batch_size, or a lower {MEMORY_VARIABLE} "
                f"(limits.py estimates what a run needs before it starts)")) from None

    return wrapper


# --- shared by the commands ----------------------------------------------------------

def json_out(doc):
    """--json: the document alone on stdout, always valid JSON: inf and nan anywhere in it
    are written as the strings "inf", "-inf", "nan" (numbers.json_number)."""
    click.echo(json.dumps(json_safe(doc), indent=2, allow_nan=False))


def json_safe(v):
    if isinstance(v, dict):
        return {k: json_safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [json_safe(x) for x in v]
    return json_number(v)
