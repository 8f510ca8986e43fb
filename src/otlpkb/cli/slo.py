"""`otlpkb slo`: Prometheus recording and alerting rules for SLOs, from a Sloth-style spec."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich import box
from rich.table import Table

from otlpkb.cli._common import InputError, console, echo_json, read_text

__all__ = ["command"]


def _days(text: str) -> float:
    from otlpkb.monitoring.rules import parse_duration

    try:
        days = parse_duration(text) / parse_duration("1d")
    except ValueError as error:
        raise InputError(f"--period: {error}") from None
    if days <= 0:
        raise InputError(f"--period must be longer than 0, got {text!r}")
    return days


@click.command("slo")
@click.argument("spec", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the rule file here (default: standard output).",
)
@click.option(
    "--period",
    default="30d",
    show_default=True,
    help="SLO period for SLOs that do not set one (Sloth's --default-slo-period).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the SLOs' windows as JSON.")
def command(spec: Path, output: Path | None, period: str, as_json: bool) -> None:
    """Write multiwindow, multi-burn-rate SLO rules for SPEC (Sloth's prometheus/v1 YAML).

    Each SLO gives recording rules for its error ratio over every alert window, metadata
    (objective, budget, burn rates) and two alerts, page and ticket, as in the SRE
    Workbook. With -o the rules go to the file and a summary to standard output.
    """
    from otlpkb.monitoring.rules import dump_rules, format_duration
    from otlpkb.monitoring.slo import (
        SLOSpecError,
        detection_time,
        error_budget,
        load_slo_spec,
        multiwindow_alerts,
        slo_rules,
    )

    default_days = _days(period)
    text = read_text(spec, "an SLO spec")
    try:
        slos = load_slo_spec(text, source=str(spec), default_period_days=default_days)
    except SLOSpecError as error:
        raise InputError(str(error)) from None
    rules = dump_rules(slo_rules(slos))
    summary: list[dict[str, Any]] = []
    for slo in slos:
        budget = error_budget(slo.objective)
        windows = []
        for w in multiwindow_alerts(slo.objective, period_days=slo.period_days):
            detect = detection_time(w, 1.0, slo.objective)
            windows.append(
                {
                    "severity": w.severity,
                    "long_window": format_duration(w.long_window),
                    "short_window": format_duration(w.short_window),
                    "burn_rate": round(w.burn_rate, 6),
                    "budget_consumed": w.budget_consumed,
                    "error_ratio_threshold": round(w.burn_rate * budget, 9),
                    "detection_at_100pct_s": round(detect.total_seconds(), 3) if detect else None,
                }
            )
        summary.append(
            {
                "service": slo.service,
                "slo": slo.name,
                "objective": slo.objective,
                "period_days": slo.period_days,
                "error_budget": budget,
                "budget_minutes": round(budget * slo.period_days * 24 * 60, 3),
                "windows": windows,
            }
        )
    if output is not None:
        try:
            output.write_text(rules, encoding="utf-8")
        except OSError as error:
            raise InputError(f"-o {output}: cannot write: {error.strerror or error}") from None
    if as_json:
        echo_json({"slos": summary, "output": str(output) if output else None})
    elif output is None:
        click.echo(rules, nl=False)
    else:
        _print(summary, output)


def _print(summary: list[dict[str, Any]], output: Path) -> None:
    out = console()
    for s in summary:
        table = Table(
            title=f"{s['service']} / {s['slo']}: {s['objective']:g} % over {s['period_days']:g} "
            f"days, budget {s['budget_minutes']:g} min of full outage",
            box=box.SIMPLE,
        )
        for name in ("severity", "long", "short", "burn rate", "budget spent", "fires at 100 %"):
            table.add_column(name, justify="left" if name == "severity" else "right")
        for w in s["windows"]:
            detect = w["detection_at_100pct_s"]
            table.add_row(
                w["severity"],
                w["long_window"],
                w["short_window"],
                f"{w['burn_rate']:g}",
                f"{w['budget_consumed']:.0%}",
                f"{detect:g} s" if detect is not None else "never",
            )
        out.print(table)
    n = len(summary)
    out.print(f"wrote {output}: rules for {n} SLO{'s' if n != 1 else ''}")
