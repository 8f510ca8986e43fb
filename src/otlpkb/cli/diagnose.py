"""`otlpkb diagnose`: a Collector's own metrics through the diagnosis decision tree.

Reads one or more snapshots of a Collector's internal metrics: files of Prometheus text
(``curl -s http://127.0.0.1:8888/metrics > t0.prom``) or OTLP metrics (JSON, JSON lines,
protobuf, gzip), or a ``http://`` / ``https://`` scrape URL, which is scraped ``--scrapes``
times ``--interval`` seconds apart. Several snapshots are put in time order (by their
timestamps, else by the Collector's uptime) and read as a series, so rates cover the
interval between the first and the last. Prints the path through the tree with the
evidence at each question, the finding, its cause and its fix, and then every problem of
the handbook (chapter 5.3) whose symptoms the metrics and the log files (``--log``) show.

Exit status: 0 healthy, 1 a finding (warning or critical) or a handbook problem, 2 bad
input.
"""

from __future__ import annotations

import math
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import click
from rich import box
from rich.table import Table

from otlpkb.cli._common import InputError, console, echo_json
from otlpkb.diagnosis.decision_tree import DEFAULT_TREE, Diagnosis, evaluate
from otlpkb.diagnosis.handbook import HANDBOOK, Match, match
from otlpkb.diagnosis.telemetry import (
    ExpositionError,
    Snapshot,
    parse_exposition,
    read_snapshot,
)
from otlpkb.otlp import OTLPDecodeError

__all__ = ["command"]

_MAX_BODY = 64 * 2**20


def _scrape(url: str, timeout: float) -> Snapshot:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read(_MAX_BODY + 1)
    except urllib.error.HTTPError as error:
        raise InputError(f"{url}: HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise InputError(f"{url}: cannot scrape: {reason}") from None
    if len(body) > _MAX_BODY:
        raise InputError(f"{url}: the response is larger than {_MAX_BODY // 2**20} MiB")
    try:
        return parse_exposition(body.decode("utf-8"), source=url, time=time.time())
    except UnicodeDecodeError as error:
        raise InputError(f"{url}: not UTF-8 text (byte {error.start})") from None
    except ExpositionError as error:
        raise InputError(str(error)) from None


def _read(path: Path) -> Snapshot:
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a metrics dump")
    try:
        return read_snapshot(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (ExpositionError, OTLPDecodeError) as error:
        raise InputError(str(error)) from None
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from None


def _snapshots(sources: tuple[str, ...], scrapes: int, interval: float) -> list[Snapshot]:
    snaps: list[Snapshot] = []
    for source in sources:
        if source.startswith(("http://", "https://")):
            for k in range(scrapes):
                if k:
                    time.sleep(interval)
                snaps.append(_scrape(source, timeout=max(interval, 10.0)))
        else:
            snaps.append(_read(Path(source)))
    clocks = [s.clock for s in snaps]
    if len(snaps) > 1:
        if any(c is None for c in clocks):
            missing = next(s.source for s in snaps if s.clock is None)
            raise InputError(
                f"{missing}: no timestamps and no otelcol_process_uptime, so the snapshots "
                "cannot be put in time order; diagnose it alone"
            )
        snaps.sort(key=lambda s: float(s.clock or 0.0))
    return snaps


def _number(value: float | None) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _logs(paths: tuple[str, ...]) -> list[str]:
    lines: list[str] = []
    for name in paths:
        path = Path(name)
        try:
            with path.open(encoding="utf-8", errors="replace") as f:
                lines.extend(line.rstrip("\n") for line in f)
        except FileNotFoundError:
            raise InputError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise InputError(f"{path}: is a directory, not a log file") from None
        except OSError as error:
            raise InputError(f"{path}: cannot read: {error.strerror or error}") from None
    return lines


def _problem(m: Match) -> dict[str, Any]:
    p = m.problem
    return {
        "id": p.id,
        "title": p.title,
        "symptom": p.symptom,
        "evidence": {c.indicator: _number(v) for c, v in zip(p.conditions, m.values, strict=True)},
        "log_lines": list(m.log_lines),
        "cause": p.cause,
        "fix": p.fix,
        "config": p.config,
        "source": p.source,
    }


def _as_json(d: Diagnosis, snaps: list[Snapshot], found: list[Match]) -> dict[str, Any]:
    f = d.finding
    return {
        "sources": [s.source for s in snaps],
        "healthy": d.healthy,
        "path": [
            {
                "node": s.node,
                "metric": s.metric,
                "value": _number(s.value),
                "op": s.op,
                "threshold": s.threshold,
                "answer": s.answer,
            }
            for s in d.path
        ],
        "finding": {
            "id": f.id,
            "title": f.title,
            "severity": f.severity,
            "cause": f.cause,
            "fix": f.fix,
            "source": f.source,
        },
        "indicators": {k: _number(v) for k, v in d.indicators.items()},
        "problems": [_problem(m) for m in found],
    }


def _show(d: Diagnosis, snaps: list[Snapshot], found: list[Match]) -> None:
    out = console()
    names = ", ".join(s.source for s in snaps)
    out.print(f"[bold]{len(snaps)} snapshot(s)[/bold]: {names}")
    table = Table(box=box.SIMPLE_HEAD, title="Path through the decision tree")
    for column, justify in (
        ("question", "left"),
        ("indicator", "left"),
        ("value", "right"),
        ("test", "left"),
        ("answer", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for step in d.path:
        node = DEFAULT_TREE.nodes[step.node]
        value = "unknown" if step.value is None else f"{step.value:.4g}"
        table.add_row(
            getattr(node, "text", step.node),
            step.metric,
            value,
            f"{step.op} {step.threshold:g}",
            "yes" if step.answer else "no",
        )
    out.print(table)
    f = d.finding
    colour = {"ok": "green", "warning": "yellow", "critical": "red"}[f.severity]
    out.print(f"[bold {colour}]{f.severity.upper()}: {f.title}[/bold {colour}]")
    out.print(f"[bold]Cause:[/bold] {f.cause}")
    out.print(f"[bold]Fix:[/bold] {f.fix}")
    out.print(f"[dim]Source: {f.source}[/dim]")
    if not found:
        out.print("Handbook (chapter 5.3): no known problem matches.")
        return
    out.print(f"[bold]Handbook (chapter 5.3): {len(found)} known problem(s)[/bold]")
    for m in found:
        evidence = ", ".join(
            f"{c.indicator} = {v:.4g}" for c, v in zip(m.problem.conditions, m.values)
        )
        lines = f"; log: {m.log_lines[0]!r}" if m.log_lines else ""
        out.print(f"- [bold]{m.problem.title}[/bold] ({m.problem.id}): {evidence}{lines}")
        out.print(f"  Fix: {m.problem.fix}")


@click.command(name="diagnose")
@click.argument("metrics", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the diagnosis as JSON.")
@click.option(
    "--scrapes",
    type=click.IntRange(1, 100),
    default=2,
    show_default=True,
    help="Scrapes of each URL (two give rates over --interval).",
)
@click.option(
    "--interval",
    type=click.FloatRange(0.0, 3600.0),
    default=15.0,
    show_default=True,
    help="Seconds between scrapes of a URL.",
)
@click.option(
    "--log",
    "log_files",
    multiple=True,
    metavar="FILE",
    help="A Collector log file to match against the handbook (repeatable).",
)
def command(
    metrics: tuple[str, ...],
    as_json: bool,
    scrapes: int,
    interval: float,
    log_files: tuple[str, ...],
) -> None:
    """Diagnose a Collector from its internal metrics (files or a /metrics URL).

    METRICS are Prometheus text dumps, OTLP metrics files or scrape URLs such as
    http://127.0.0.1:8888/metrics. Several are read as a series in time order.
    Exit status: 0 healthy, 1 a finding, 2 bad input.
    """
    snaps = _snapshots(metrics, scrapes, interval)
    try:
        diagnosis = evaluate(DEFAULT_TREE, snaps)
    except ValueError as error:
        raise InputError(str(error)) from None
    for snap in snaps:
        if not any(name.startswith("otelcol_") for name in snap.names):
            raise InputError(f"{snap.source}: no Collector metric (otelcol_*) in it")
    found = match(HANDBOOK, snaps, logs=_logs(log_files))
    if as_json:
        echo_json(_as_json(diagnosis, snaps, found))
    else:
        _show(diagnosis, snaps, found)
    raise SystemExit(0 if diagnosis.healthy and not found else 1)
