"""The command line's entry: the `mgrad` group, with every command added to it.

The commands live in cli/commands/, one module each; none imports this module back.
Only the CLI layer prints, reads the terminal or chooses exit codes.
"""

from . import threads  # noqa: F401  (sets one BLAS thread by default: before numpy is imported)

import click

from .. import __version__
from .commands import (backprop, compare, configs, datasets, eval, exercises, export, gradcheck, report,  # noqa: A004
                       graph, plot, predict, sweep, train)
from .console import CONTEXT_SETTINGS, Group

COMMANDS = (train.train_command, graph.graph_command, backprop.backprop_command, gradcheck.gradcheck_command,
            predict.predict_command, eval.eval_command, plot.plot_command, export.export_command,
            configs.configs_command, datasets.datasets_command, exercises.exercises_command, sweep.sweep_command,
            compare.compare_command, report.report_command)


@click.group(cls=Group, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="mgrad")
def cli():
    """mgrad: a scalar autograd engine and MLP trainer, to learn backpropagation
    by watching it work.

    \b
    Examples:
      mgrad train moons
      mgrad graph "e = a*b; d = e + c; L = d * f" a=2 b=-3 c=10 f=-2
      mgrad backprop "b = a + a" a=3
      mgrad exercises
      mgrad gradcheck "tanh(x*w + b)" x=2 w=-3 b=6.88
    """


for _command in COMMANDS:
    cli.add_command(_command)


def main():
    cli(prog_name="mgrad")

