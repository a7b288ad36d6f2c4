"""The configs and CSV data sets shipped inside the package, in mgrad_cli/data/, read
through importlib.resources, so an installed mgrad has them wherever it runs. In a
checkout, the top-level configs/ and datasets/ folders are links to these same files.

A shipped config is found by its name (`mgrad train moons`); a shipped CSV is a data set
of its own name (`data: {name: iris}`), so a copied config works anywhere.
"""

import difflib
import os
from contextlib import contextmanager
from importlib import resources

from ..errors import ConfigError, UserInputError
from ..files import check_output, display_path, write_atomic


def _folder(kind):
    return resources.files("mgrad_cli") / "data" / kind


def _names(kind, suffix):
    return sorted(entry.name[: -len(suffix)] for entry in _folder(kind).iterdir()
                  if entry.name.endswith(suffix) and not entry.name.startswith("."))


def config_names():
    """The shipped configs' names, sorted: moons for moons.yaml."""
    return _names("configs", ".yaml")


def config_text(name):
    """The text of shipped config `name`, or ConfigError listing the shipped names."""
    if name not in config_names():
        raise ConfigError(f"{name}: not a shipped config ({config_hint(name)})")
    return (_folder("configs") / f"{name}.yaml").read_text(encoding="utf-8")


def config_hint(name):
    """'did you mean moons? the shipped configs are ...' for a name that is not one."""
    names = config_names()
    close = difflib.get_close_matches(name, names, n=1)
    return f"{f'did you mean {close[0]}? ' if close else ''}the shipped configs are {', '.join(names)}"


def copy_config(name, path):
    """Write shipped config `name` to `path` (a new file) for the user to edit."""
    _copy(config_text(name), path)


def _copy(text, path):
    """Write text to `path`, a new file."""
    check_output(path)  # "newdir/" names a directory, existing or not
    if os.path.lexists(path):
        raise UserInputError(f"{display_path(path)}: already exists; choose another path, or remove it first")
    write_atomic(path, text)


def config_description(name):
    """The first sentence of the comment that opens shipped config `name`."""
    lines = []
    for line in config_text(name).splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    text = " ".join(lines)
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def csv_names():
    """The shipped CSV data sets' names, sorted: iris for iris.csv."""
    return _names("datasets", ".csv")


@contextmanager
def csv_file(name):
    """A file-system path to shipped CSV `name` for the duration of the with-block."""
    with resources.as_file(_folder("datasets") / f"{name}.csv") as path:
        yield path


def csv_text(name):
    """The text of shipped CSV `name`, or UserInputError listing the shipped names."""
    names = csv_names()
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        raise UserInputError(f"{name}: not a shipped CSV data set ({f'did you mean {close[0]}? ' if close else ''}"
                             f"the shipped CSVs are {', '.join(names)})")
    return (_folder("datasets") / f"{name}.csv").read_text(encoding="utf-8")


def copy_csv(name, path):
    """Write shipped CSV `name` to `path` (a new file): to predict on, or to edit."""
    _copy(csv_text(name), path)
