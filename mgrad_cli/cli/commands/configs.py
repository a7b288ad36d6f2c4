"""`mgrad configs`: list the shipped configs, print one, or copy one to edit."""

import click

from ..console import CONTEXT_SETTINGS, json_out, out_console, say, translate_errors
from ...files import shown_path, typed_path


@click.command("configs", context_settings=CONTEXT_SETTINGS)
@click.argument("name", required=False)
@click.option("--copy", "copy_path", metavar="PATH",
              help="Write config NAME to PATH (a new file), to edit it.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON, for scripts.")
@translate_errors
def configs_command(name, copy_path, as_json):
    """List the configs shipped with mgrad, print one, or copy one to edit.

    \b
    Examples:
      mgrad configs
      mgrad configs moons
      mgrad configs iris --copy my-iris.yaml && mgrad train my-iris.yaml

    Train a shipped config by its name: `mgrad train moons`, `mgrad gradcheck --config
    moons`. A file of that name in the working directory comes first.
    """
    from ...data import shipped

    if name is None:
        if copy_path is not None:
            raise click.UsageError("--copy needs the NAME of the shipped config to copy")
        _list(shipped, as_json)
        return
    text = shipped.config_text(name)
    if copy_path is not None:
        shipped.copy_config(name, copy_path)
        say(out_console(), f"Wrote the shipped config {name} to {shown_path(copy_path)}; edit it, then: "
                           f"mgrad train {typed_path(copy_path)}")
    elif as_json:
        json_out({"name": name, "description": shipped.config_description(name), "text": text})
    else:
        click.echo(text, nl=False)


def _list(shipped, as_json):
    """The shipped configs, a line each: a table, or JSON."""
    rows = [{"name": n, "description": shipped.config_description(n)} for n in shipped.config_names()]
    if as_json:
        json_out(rows)
        return
    from rich.table import Table

    table = Table(title="Shipped configs (mgrad train NAME)", title_justify="left")
    table.add_column("name")
    table.add_column("description")
    for row in rows:
        table.add_row(row["name"], row["description"])
    out_console().print(table)
