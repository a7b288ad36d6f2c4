"""The exceptions the library raises (only the CLI turns them into messages and exit
codes), and how a user's value is quoted: shorten(), which every message quoting one
goes through, and show(), a setting's value as YAML writes it, in a message or a table."""

import reprlib


class MgradError(Exception):
    """Base class: something the user can fix. The message is one line, shown as is."""

    exit_code = 1


class UserInputError(MgradError):
    """Bad input (a config, an expression, a CSV, a checkpoint): exit code 2."""

    exit_code = 2


class ConfigError(UserInputError):
    """A config file that is missing, unreadable or does not fit the schema."""


class DataError(UserInputError):
    """A data set or CSV file that cannot be used (names the file, line and column)."""


class ExpressionError(UserInputError):
    """An expression that cannot be parsed or evaluated safely.

    `source` and `column` (0-based) let the CLI draw a caret under the offending spot.
    """

    def __init__(self, message, source=None, column=None):
        super().__init__(message)
        self.source = source
        self.column = column


class CheckpointError(UserInputError):
    """A checkpoint that is not ours, truncated, incompatible, or does not fit the data."""


class Terminated(KeyboardInterrupt):
    """SIGTERM (a scheduler, `timeout`, `kill`), raised where the program is, as Ctrl-C's
    KeyboardInterrupt is, so everything that stops cleanly on Ctrl-C (a run saving what it
    reached) does on SIGTERM too. The exit status is 128 + 15, as for a process the signal
    ended."""

    exit_code = 143
    message = "Terminated."


class PeerFailed(KeyboardInterrupt):
    """Another process of a data-parallel run has failed: a collective (an all-reduce) lost
    it. Raised where the run is, as Ctrl-C's KeyboardInterrupt is, so this process stops
    cleanly too (rank 0 saves the last whole epoch); the launcher names the failed rank and
    its error. Exit status 1, a failed run."""

    exit_code = 1
    message = "Stopped by a failed process."


class RankFailed(MgradError):
    """A process of a data-parallel run failed on its own, and ended the run: the message
    names its rank and its error. Exit status 1, or 2 when its error was bad input."""

    def __init__(self, message, exit_code=1):
        super().__init__(message)
        self.exit_code = exit_code


class TrainingDiverged(MgradError):
    """The loss became nan or inf: exit code 1."""


class GraphTooLarge(UserInputError):
    """A computation graph too big to draw."""


class GraphvizMissing(MgradError):
    """The Graphviz `dot` program is not installed (the .dot source was written instead)."""


class OptionalDependencyMissing(MgradError):
    """An optional extra (e.g. matplotlib) is needed for this command."""


def _short_repr():
    r = reprlib.Repr()  # (keyword arguments only from Python 3.12)
    r.maxstring = r.maxother = r.maxlong = 60
    r.maxlist = r.maxtuple = r.maxdict = r.maxset = 6
    r.maxlevel = 3
    return r


_SHORT = _short_repr()


def shorten(value):
    """repr(value) cut to a line: long strings and numbers keep their two ends around
    '...', long lists and mappings their first items, deep nesting its outer levels."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        # repr() of a huge int is slow, and refused past 4300 digits
        return f"an integer of about {int(value.bit_length() * 0.30103):,} digits"
    return _SHORT.repr(value)


# what a value read from a file is, for a message: a list, a mapping, a string, int, ...
KINDS = {list: "a list", dict: "a mapping", str: "a string"}


def kind(value):
    return KINDS.get(type(value), type(value).__name__)


def show(value, quoted=False):
    """A setting's value as YAML writes it: null, true, 0.1, relu, [16, 16, 1], {name: sgd}
    (a string that is not printable as shorten() escapes it). quoted, for a message's
    'got X', where the kind matters (a quoted '0.5' is not 0.5): a string in quotes and
    a list or a mapping named, 'a list [1, 'a']', each cut to a line by shorten()."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):  # short where that is the value itself, else every digit
        return f"{value:g}" if float(f"{value:g}") == value or value != value else repr(value)
    if quoted:
        return f"{kind(value)} {shorten(value)}" if isinstance(value, (list, dict)) else shorten(value)
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    value = str(value)
    return value if value.isprintable() else shorten(value)
