"""`otlpkb chapters`: the chapter map, with the status of each chapter in this installation."""

from __future__ import annotations

import click
from rich import box
from rich.table import Table

from otlpkb import __version__
from otlpkb.chapters import CHAPTERS, PARTS, SECTIONS
from otlpkb.cli._common import console, echo_json

__all__ = ["command"]


@click.command("chapters")
@click.option(
    "--status",
    type=click.Choice(["all", "written", "planned"]),
    default="all",
    show_default=True,
    help="Which chapters to list.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def command(status: str, as_json: bool) -> None:
    """List the 39 chapters with their status and the modules that implement them.

    A chapter is written when every module it declares ships with this installation.
    """
    rows = [c for c in CHAPTERS if status == "all" or (status == "written") == c.written]
    if as_json:
        echo_json(
            [
                {
                    "id": c.id,
                    "title": c.title,
                    "seed_title": c.seed_title,
                    "part": c.part,
                    "status": "written" if c.written else "planned",
                    "modules": list(c.modules),
                    "page": c.page,
                }
                for c in rows
            ]
        )
        return
    # no vertical rules: wide CJK glyphs do not always take exactly two columns
    table = Table(
        title=f"otlpkb {__version__}: the chapter map",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("chapter", no_wrap=True)
    table.add_column("title (original title)")
    table.add_column("status", no_wrap=True)
    # a module name is never split: the titles wrap at spaces instead
    table.add_column("modules", no_wrap=True)
    section = None
    for c in rows:
        if c.section != section:
            section = c.section
            table.add_row("", f"[bold]{SECTIONS[section][2]}[/bold]", "", "")
        written = c.written
        table.add_row(
            c.id,
            f"{c.title}\n[dim]{c.seed_title}[/dim]",
            "[green]written[/green]" if written else "[dim]planned[/dim]",
            "\n".join(m.removeprefix("otlpkb.") for m in c.modules),
            style=None if written else "dim",
        )
    out = console()
    out.print(table)
    done = sum(c.written for c in CHAPTERS)
    out.print(f"{done} of {len(CHAPTERS)} chapters written ({', '.join(PARTS)} parts).")
