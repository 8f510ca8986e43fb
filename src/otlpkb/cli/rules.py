"""`otlpkb rules`: lint Prometheus rule files (chapter 8.1's linter on a user's own rules)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

import click
from rich import box
from rich.table import Table

from otlpkb.cli._common import InputError, console, echo_json, read_text

__all__ = ["command"]


def _interval(option: str, text: str) -> timedelta:
    from otlpkb.monitoring.rules import parse_duration

    try:
        return parse_duration(text)
    except ValueError as error:
        raise InputError(f"{option}: {error}") from None


@click.command("rules")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--scrape-interval",
    default="15s",
    show_default=True,
    help="The targets' scrape interval: rate() ranges are checked against it.",
)
@click.option(
    "--evaluation-interval",
    default="1m",
    show_default=True,
    help="The global evaluation interval (a group's own interval wins).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def command(
    files: tuple[Path, ...], scrape_interval: str, evaluation_interval: str, as_json: bool
) -> None:
    """Lint Prometheus rule FILES (YAML) for rules that are wrong, late, noisy or expensive.

    Checks parsed PromQL (rate() over counters only, with a range of at least four scrape
    intervals), required labels and annotations, `for` durations, annotations on
    recording rules and labels of high cardinality (chapter 8.1,
    `otlpkb.monitoring.rules.lint_rules`).

    Exit status: 0 no error (warnings are printed); 1 a finding of severity error; 2 bad
    input (malformed YAML or PromQL that does not parse, named with file, line and field).
    """
    from otlpkb.monitoring.rules import RuleFileError, lint_rules, load_rules

    scrape = _interval("--scrape-interval", scrape_interval)
    evaluation = _interval("--evaluation-interval", evaluation_interval)
    results = {}
    for path in files:
        try:
            groups = load_rules(read_text(path, "a rule file"), source=str(path))
        except RuleFileError as error:
            raise InputError(str(error)) from None
        results[path] = lint_rules(
            groups,
            scrape_interval=scrape,
            evaluation_interval=evaluation,
        )
    findings = [(path, f) for path, found in results.items() for f in found]
    if as_json:
        echo_json({str(path): [asdict(f) for f in found] for path, found in results.items()})
    else:
        out = console()
        if not findings:
            out.print(f"no findings in {len(files)} rule file(s)")
        else:
            table = Table(box=box.SIMPLE_HEAD)
            for name in ("file", "group / rule", "severity", "check", "finding"):
                table.add_column(name)
            for path, f in findings:
                table.add_row(str(path), f"{f.group} / {f.rule}", f.severity, f.check, f.message)
            out.print(table)
    if any(f.severity == "error" for _, f in findings):
        raise SystemExit(1)
