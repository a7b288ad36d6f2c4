"""Optional extras: import one, or say in one line what to install. Only the command that
needs an extra imports it, so everything else works without it."""

import importlib

from .errors import UserInputError


def require(module, what, extra, package=None, error=UserInputError):
    """Import `module`, needed for `what` (e.g. "the torch engine"), or raise `error` naming
    the package to install (`package` in words, e.g. "PyTorch"; else the module's name).
    mgrad is installed from a checkout, not a package index: the hint names the package
    itself, and the extra of pyproject.toml that pins it."""
    imported = optional(module)
    if imported is None:
        raise error(f"{what} needs {package or module}, an optional extra; install it with: "
                    f"{install_command(module, extra)}")
    return imported


def optional(module):
    """`module` imported, or None where it is not installed: for an extra that makes
    something faster rather than possible (pyarrow's CSV reader: data/csvarrow.py)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def install_command(module, extra):
    """What installs an extra, in words: the package, or the checkout's extra."""
    return f"pip install {module} (or, in mgrad's checkout: pip install -e '.[{extra}]')"
