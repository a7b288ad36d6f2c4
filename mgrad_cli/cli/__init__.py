"""The command line, the only layer that prints, reads the terminal or chooses exit codes:
the `mgrad` group (app.py), what the commands share (console.py), the commands
(commands/), the training table (tables.py), the terminal chart (chart.py), the tables and
chart of many runs for sweep and compare (results.py), `train --nproc` starting and
running its worker processes (parallel.py) and the thread settings applied before numpy
loads (threads.py)."""
