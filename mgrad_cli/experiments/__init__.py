"""Experiments: many runs of one config and what they say together.

grid.py plans a sweep (every combination of the --grid values, each seed, validated
before any run), sweep.py runs it (a `mgrad train` process per run, N at a time),
runs.py reads runs back (their logs' final and best losses, the summary files, the
statistics over seeds), and compare.py puts runs side by side (what differs in their
configs, their curves). The library never prints: the commands (cli/commands/sweep.py,
compare.py) say what happens, from the events and results these modules give them.
"""
