"""`otlpkb audit`: security findings in OpenTelemetry Collector configuration files."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click
from rich import box
from rich.table import Table

from otlpkb.cli._common import InputError, console, echo_json, read_text

__all__ = ["command"]

_ORDER = {"high": 0, "medium": 1, "low": 2}


@click.command("audit")
@click.argument("configs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--fail-on",
    type=click.Choice(["high", "medium", "low"]),
    default="low",
    show_default=True,
    help="Lowest severity that makes the exit status 1.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def command(configs: tuple[Path, ...], fail_on: str, as_json: bool) -> None:
    """Audit Collector CONFIGS (YAML) for security mistakes.

    Flags TLS below 1.2, `insecure` and `insecure_skip_verify`, receivers off loopback
    without an authenticator or TLS, endpoints bound to every interface, secrets written in
    plain text, and pipelines without a `memory_limiter` first (chapter A.3,
    `otlpkb.advanced.security.audit_config`).

    Exit status: 0 nothing at or above --fail-on; 1 findings; 2 bad input (malformed YAML
    is reported with its line).
    """
    from otlpkb.advanced.security import ConfigError, audit_config

    results = {}
    for path in configs:
        try:
            results[path] = audit_config(read_text(path, "a configuration file"), source=str(path))
        except ConfigError as error:
            raise InputError(str(error)) from None
    findings = [(path, f) for path, found in results.items() for f in found]
    if as_json:
        echo_json({str(path): [asdict(f) for f in found] for path, found in results.items()})
    else:
        out = console()
        if not findings:
            out.print(f"no findings in {len(configs)} configuration(s)")
        else:
            table = Table(box=box.SIMPLE_HEAD)
            for name in ("file:line", "severity", "rule", "finding"):
                table.add_column(name)
            for path, f in sorted(findings, key=lambda pf: (_ORDER[pf[1].severity], pf[1].line)):
                table.add_row(f"{path}:{f.line}", f.severity, f.rule, f.message)
            out.print(table)
    if any(_ORDER[f.severity] <= _ORDER[fail_on] for _, f in findings):
        raise SystemExit(1)
