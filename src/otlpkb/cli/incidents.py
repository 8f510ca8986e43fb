"""`otlpkb incidents`: response metrics and severities from a file of incident records.

Reads records in the schema of `otlpkb.incident.lifecycle` (JSON or YAML) and prints the
distributions of the time to detect, acknowledge, mitigate and resolve, with bootstrap
intervals of the means, and each incident whose severity from impact is worse than the
one declared. With ``--postmortem`` it reads a postmortem document instead and prints it
as Markdown (chapter 9.4).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from otlpkb.cli._common import InputError, console, echo_json

__all__ = ["command"]


@click.command("incidents")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--postmortem", is_flag=True, help="PATH is a postmortem document: print it as Markdown."
)
@click.option(
    "--confidence", type=float, default=0.95, show_default=True,
    help="Coverage of the bootstrap interval of each mean.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a report.")
def command(path: Path, postmortem: bool, confidence: float, as_json: bool) -> None:
    """Response metrics (MTTD, MTTA, MTTM, MTTR) and severities from incident records.

    Exit status 1 when an incident's impact makes it more severe than declared (or, with
    --postmortem, when the document uses blameful wording).
    """
    import json

    import yaml

    from otlpkb.incident.lifecycle import (
        SEVERITIES,
        IncidentRecordError,
        load_records,
        response_metrics,
    )
    from otlpkb.incident.postmortem import blameful_phrases, load_postmortem

    if not 0 < confidence < 1:
        raise InputError(f"--confidence must be in (0, 1), got {confidence!r}")
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        if postmortem:
            pm = load_postmortem(path)
        else:
            records = load_records(path)
    except (IncidentRecordError, ValueError, json.JSONDecodeError, yaml.YAMLError) as error:
        raise InputError(f"{path}: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read: {error}") from None
    if postmortem:
        found = blameful_phrases(pm)
        if as_json:
            echo_json({"markdown": pm.to_markdown(), "blameful_phrases": found})
        else:
            click.echo(pm.to_markdown(), nl=False)
            for phrase in found:
                click.echo(f"blameful wording: {phrase!r}", err=True)
        if found:
            raise SystemExit(1)
        return
    if not records:
        raise InputError(f"{path}: no incident records")
    metrics = response_metrics(records)
    worse = [
        {"id": r.id, "declared": r.severity, "from_impact": r.classify()}
        for r in records
        if r.severity is not None
        and r.classify() is not None
        and SEVERITIES.index(str(r.classify())) < SEVERITIES.index(r.severity)
    ]
    report: dict[str, Any] = {
        "file": str(path),
        "incidents": len(records),
        "open": [r.id for r in records if r.state.value not in ("resolved", "reviewed")],
        "confidence": confidence,
        "metrics_minutes": [
            {
                "metric": s.metric, "n": s.n, "mean": s.mean, "median": s.median,
                "p90": s.p90, "max": s.maximum, "mean_low": s.ci_low, "mean_high": s.ci_high,
            }
            for s in metrics.summary(confidence=confidence)
        ],
        "more_severe_than_declared": worse,
    }  # fmt: skip
    if as_json:
        echo_json(report)
    else:
        _print(report)
    if worse:
        raise SystemExit(1)


def _print(report: dict[str, Any]) -> None:
    from rich import box
    from rich.table import Table

    out = console()
    out.print(
        f"{report['file']}: {report['incidents']} incidents, {len(report['open'])} open",
        soft_wrap=True,
    )
    table = Table(
        box=box.SIMPLE_HEAD,
        title_justify="left",
        title=f"minutes; {report['confidence']:.0%} interval of the mean",
    )
    for col in ("metric", "n", "mean", "interval", "median", "p90", "max"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for m in report["metrics_minutes"]:
        table.add_row(
            m["metric"].upper(), str(m["n"]), f"{m['mean']:.1f}",
            f"{m['mean_low']:.1f}–{m['mean_high']:.1f}", f"{m['median']:.1f}",
            f"{m['p90']:.1f}", f"{m['max']:.1f}",
        )  # fmt: skip
    out.print(table)
    for w in report["more_severe_than_declared"]:
        out.print(
            f"{w['id']}: declared {w['declared']}, impact makes it {w['from_impact']}",
            soft_wrap=True,
        )
