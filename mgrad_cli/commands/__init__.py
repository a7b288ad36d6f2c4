"""The commands of `mgrad`, one module each.

Each module registers its command on the click group of mgrad_cli.cli, which holds the
helpers they share (consoles, error translation, JSON output) and imports this package.
"""

from . import backprop, configs, datasets, eval, export, gradcheck, graph, plot, predict, train  # noqa: F401,A004
