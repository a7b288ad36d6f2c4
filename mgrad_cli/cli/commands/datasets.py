"""`mgrad datasets`: list the built-in data sets and the shipped CSV data sets."""

import click

from ..console import CONTEXT_SETTINGS, json_out, out_console, say, translate_errors


@click.command("datasets", context_settings=CONTEXT_SETTINGS)
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON, for scripts.")
@translate_errors
def datasets_command(as_json):
    """List the built-in data sets (with their parameters and defaults) and the CSV data
    sets shipped with mgrad (with their shapes).

    \b
    Examples:
      mgrad datasets
      mgrad datasets --json

    Use a built-in or a shipped CSV in a config by its name, as in
    `data: {name: moons, n_samples: 200, noise: 0.2}` or `data: {name: iris}`; a CSV of
    your own with `data: {csv: path/to/file.csv, target: column}`.
    """
    from ...data import datasets as ds

    builtins, csvs = ds.builtin_info(), ds.shipped_csvs()
    if as_json:
        json_out({"builtin": builtins, "csv": csvs})
        return
    out = out_console()
    table = _table("Built-in data sets (data.name)", ("samples", "features", "classes"), "parameters (defaults)")
    for b in builtins:
        params = ", ".join(f"{k}={v:g}" for k, v in b["params"].items()) or "-"
        table.add_row(b["name"], str(b["samples"]), str(b["features"]), str(b["classes"]), params)
    out.print(table)
    for b in builtins:
        say(out, f"{b['name']}: {b['description']}", indent=2)
    out.print()
    table = _table("Shipped CSV data sets (data.name)", ("rows", "columns", "classes"), "target (last column)")
    for c in csvs:
        classes = "-" if c["classes"] is None else str(c["classes"])
        table.add_row(c["name"], str(c["rows"]), str(c["columns"]), classes, c["target"])
    out.print(table)


def _table(title, counts, last):
    """A table of data sets: their name, right-justified counts, and one text column."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column("name")
    for col in counts:
        table.add_column(col, justify="right")
    table.add_column(last)
    return table
