"""The ``otlpkb`` command: the chapters' methods applied to your own data.

Run ``otlpkb --help`` for the list of subcommands; see the guide page *The otlpkb command*.
"""

from __future__ import annotations

import json

import click
from rich import box
from rich.console import Console
from rich.table import Table

from otlpkb import __version__
from otlpkb.chapters import CHAPTERS, PARTS, SECTIONS

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="otlpkb")
def main() -> None:
    """Theory and operations of OTLP telemetry pipelines, as commands."""


@main.command()
@click.option(
    "--status",
    type=click.Choice(["all", "written", "planned"]),
    default="all",
    show_default=True,
    help="Which chapters to list.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def chapters(status: str, as_json: bool) -> None:
    """List the 39 chapters with their status and the modules that implement them.

    A chapter is written when every module it declares ships with this installation.
    """
    rows = [c for c in CHAPTERS if status == "all" or (status == "written") == c.written]
    if as_json:
        click.echo(
            json.dumps(
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
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    # no vertical rules: wide CJK glyphs do not always take exactly two columns
    table = Table(
        title=f"otlpkb {__version__}: the chapter map",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("chapter", no_wrap=True)
    table.add_column("title")
    table.add_column("original title")
    table.add_column("status", no_wrap=True)
    table.add_column("modules", overflow="fold")
    section = None
    for c in rows:
        if c.section != section:
            section = c.section
            table.add_row("", f"[bold]{SECTIONS[section][2]}[/bold]", "", "", "", end_section=False)
        written = c.written
        table.add_row(
            c.id,
            c.title,
            c.seed_title,
            "[green]written[/green]" if written else "[dim]planned[/dim]",
            "\n".join(m.removeprefix("otlpkb.") for m in c.modules),
            style=None if written else "dim",
        )
    console = Console()
    console.print(table)
    done = sum(c.written for c in CHAPTERS)
    console.print(
        f"{done} of {len(CHAPTERS)} chapters written ({', '.join(PARTS)} parts).", highlight=False
    )
