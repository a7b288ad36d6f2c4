"""`mgrad datasets`: list the built-in data sets and the shipped CSV data sets, print one
of the CSVs or copy it."""

import click

from ..console import CONTEXT_SETTINGS, json_out, out_console, say, translate_errors
from ...files import shown_path


@click.command("datasets", context_settings=CONTEXT_SETTINGS)
@click.argument("name", required=False)
@click.option("--copy", "copy_path", metavar="PATH",
              help="Write the shipped CSV NAME to PATH (a new file), to predict on or to edit.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the list as JSON, for scripts (with NAME: that CSV's shape and target).")
@translate_errors
def datasets_command(name, copy_path, as_json):
    """List the built-in data sets (with their parameters and defaults) and the CSV data
    sets shipped with mgrad (with their shapes); print a shipped CSV, or copy it.

    \b
    Examples:
      mgrad datasets
      mgrad datasets --json
      mgrad datasets wine --copy my-wine.csv

    Use a built-in or a shipped CSV in a config by its name, as in
    `data: {name: moons, n_samples: 200, noise: 0.2}` or `data: {name: iris}`; a CSV of
    your own with `data: {csv: path/to/file.csv, target: column}`.
    """
    from ...data import datasets as ds

    if name is not None:
        _one_csv(name, copy_path, as_json)
        return
    if copy_path is not None:
        raise click.UsageError("--copy needs the NAME of the shipped CSV to copy")
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


def _one_csv(name, copy_path, as_json):
    """Shipped CSV `name`: copied to copy_path, or its summary as JSON, or its text."""
    from ...data import datasets as ds
    from ...data import shipped

    if name in ds.BUILTINS:
        from ...errors import UserInputError

        raise UserInputError(f"{name}: a built-in data set, generated when a run starts, not a CSV (use it in a "
                             f"config as data: {{name: {name}}}); the shipped CSVs are "
                             f"{', '.join(shipped.csv_names())}")
    text = shipped.csv_text(name)  # a name that is not one: refused, with the names
    if copy_path is not None:
        shipped.copy_csv(name, copy_path)
        say(out_console(), f"Wrote the shipped data set {name} to {shown_path(copy_path)}.")
    elif as_json:
        json_out(next(c for c in ds.shipped_csvs() if c["name"] == name))
    else:
        click.echo(text, nl=False)


def _table(title, counts, last):
    """A table of data sets: their name, right-justified counts, and one text column."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column("name")
    for col in counts:
        table.add_column(col, justify="right")
    table.add_column(last)
    return table
