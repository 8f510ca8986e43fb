"""`otlpkb lint`: OTLP traces checked against the semantic conventions, with cardinality."""

from __future__ import annotations

from pathlib import Path

import click
from rich import box
from rich.table import Table

from otlpkb.cli._common import InputError, console, echo_json

__all__ = ["command"]


@click.command("lint")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--max-span-names",
    type=int,
    default=200,
    show_default=True,
    help="Distinct span names per service above which names count as high-cardinality.",
)
@click.option("--top", type=int, default=10, show_default=True, help="Attributes to list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def command(path: Path, max_span_names: int, top: int, as_json: bool) -> None:
    """Lint the spans of PATH (OTLP/JSON, JSON lines or protobuf, gzip or not).

    Reports missing service.name, span names with ids in them, unset span kinds, status
    misuse, deprecated and misplaced attributes, and the attributes with the most distinct
    values. Exit status 1 when a finding is an error.
    """
    from otlpkb.monitoring.lint import attribute_cardinality, lint_spans
    from otlpkb.otlp import OTLPDecodeError, read_traces

    if max_span_names < 1:
        raise InputError(f"--max-span-names must be >= 1, got {max_span_names}")
    if top < 0:
        raise InputError(f"--top must be >= 0, got {top}")
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a trace file")
    try:
        spans = read_traces(path)
    except OTLPDecodeError as error:
        raise InputError(str(error)) from None
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from None
    issues = lint_spans(spans, max_span_names=max_span_names)
    cards = attribute_cardinality(spans)[:top]
    errors = sum(i.severity == "error" for i in issues)
    if as_json:
        echo_json(
            {
                "spans": len(spans),
                "issues": [i.__dict__ for i in issues],
                "cardinality": [c.__dict__ for c in cards],
            }
        )
    else:
        out = console()
        table = Table(title=f"{path}: {len(spans)} spans, {len(issues)} findings", box=box.SIMPLE)
        for name in ("severity", "check", "service", "subject", "spans", "message"):
            table.add_column(name, justify="right" if name == "spans" else "left", overflow="fold")
        for i in issues:
            table.add_row(i.severity, i.check, i.service, i.subject, str(i.count), i.message)
        out.print(table)
        if cards:
            attrs = Table(title="attributes with the most distinct values", box=box.SIMPLE)
            for name in ("attribute", "distinct", "spans"):
                attrs.add_column(name, justify="left" if name == "attribute" else "right")
            for c in cards:
                shown = f"{c.distinct:.0f}" if c.exact else f"~{c.distinct:.0f}"
                attrs.add_row(c.key, shown, str(c.spans))
            out.print(attrs)
    if errors:
        raise SystemExit(1)
