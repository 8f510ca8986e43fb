"""`otlpkb regress`: change points in a benchmark history, and a CI verdict on the latest run."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import click
from rich import box
from rich.table import Table

from otlpkb.cli._common import InputError, console, echo_json, read_text

__all__ = ["command"]

#: Column names taken as the time or commit column, in order of preference.
KEY_NAMES = ("commit", "sha", "revision", "version", "build", "run", "time", "timestamp", "date")


def _number(text: object, where: str) -> float:
    if isinstance(text, bool):
        raise InputError(f"{where}: {text!r} is not a number")
    if isinstance(text, int | float):
        value = float(text)
    else:
        if not isinstance(text, str) or not text.strip():
            raise InputError(f"{where}: empty value")
        try:
            value = float(text)
        except ValueError:
            raise InputError(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise InputError(f"{where}: {text!r} is not a finite number")
    return value


def _read(path: Path, fmt: str) -> tuple[list[dict[str, Any]], str]:
    text = read_text(path, "a history file")
    if fmt == "auto":
        fmt = "json" if path.suffix.lower() == ".json" or text.lstrip()[:1] in "[{" else "csv"
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError(f"{path}: line {error.lineno}: invalid JSON: {error.msg}") from None
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise InputError(f"{path}: JSON must be a list of objects, one per run")
        return data, fmt
    rows = list(csv.DictReader(text.splitlines()))
    for i, row in enumerate(rows, start=2):
        if None in row or any(v is None for v in row.values()):
            raise InputError(f"{path}: line {i}: expected one value per header column")
    return rows, fmt


def _columns(
    path: Path, rows: list[dict[str, Any]], fmt: str, key: str | None, metrics: tuple[str, ...]
) -> tuple[str, list[str], dict[str, list[float]]]:
    if len(rows) < 2:
        raise InputError(f"{path}: needs at least 2 runs, found {len(rows)}")
    names = list(rows[0])
    if key is None:
        lowered = {n.lower(): n for n in names}
        key = next((lowered[k] for k in KEY_NAMES if k in lowered), None)
        if key is None:
            raise InputError(
                f"{path}: no time or commit column (one of {', '.join(KEY_NAMES)}); "
                "name it with --key"
            )
    elif key not in names:
        raise InputError(f"{path}: --key {key!r} is not a column ({', '.join(names)})")
    wanted = list(metrics) or [n for n in names if n != key]
    for name in wanted:
        if name not in names:
            raise InputError(f"{path}: --metric {name!r} is not a column ({', '.join(names)})")
    if not wanted:
        raise InputError(f"{path}: no metric column besides {key!r}")
    series: dict[str, list[float]] = {name: [] for name in wanted}
    labels = []
    for i, row in enumerate(rows):
        where = f"{path}: line {i + 2}" if fmt == "csv" else f"{path}: run {i + 1}"
        if set(row) != set(names):
            raise InputError(f"{where}: has columns {sorted(row)}, expected {sorted(names)}")
        labels.append(str(row[key]))
        for name in wanted:
            series[name].append(_number(row[name], f"{where}, column {name!r}"))
    return key, labels, series


@click.command("regress")
@click.argument("history", type=click.Path(path_type=Path, dir_okay=True))
@click.option(
    "--metric", "metrics", multiple=True, help="Metric column to analyse (repeat; default all)."
)
@click.option("--key", default=None, help="The time or commit column (default: found by name).")
@click.option(
    "--higher-is-better",
    "higher",
    multiple=True,
    help="Metric where a drop is a regression, e.g. throughput (repeat).",
)
@click.option(
    "--threshold",
    type=float,
    default=0.05,
    show_default=True,
    help="Relative change above which a change point is a regression (0.05 = 5 %).",
)
@click.option(
    "--recent",
    type=int,
    default=1,
    show_default=True,
    help="A change point in the last RECENT runs counts as new.",
)
@click.option("--window", type=int, default=50, show_default=True, help="Sliding window length.")
@click.option(
    "--max-pvalue", type=float, default=0.001, show_default=True, help="Significance level."
)
@click.option(
    "--min-magnitude",
    type=float,
    default=0.0,
    show_default=True,
    help="Smallest relative change kept.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "csv", "json"]),
    default="auto",
    show_default=True,
    help="Input format.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def command(
    history: Path,
    metrics: tuple[str, ...],
    key: str | None,
    higher: tuple[str, ...],
    threshold: float,
    recent: int,
    window: int,
    max_pvalue: float,
    min_magnitude: float,
    fmt: str,
    as_json: bool,
) -> None:
    """Find change points in every metric of a benchmark HISTORY (CSV or JSON).

    HISTORY has one row (CSV) or object (JSON list) per run: a time or commit column and
    one column per metric. Change points come from E-divisive with Student t-tests
    (chapter 6.4, `otlpkb.tuning.regression.change_points`). Lower is better unless a
    metric is named with --higher-is-better.

    Exit status: 0 no new regression; 1 a change point in the last --recent runs makes a
    metric worse by more than --threshold; 2 bad input.
    """
    from otlpkb.tuning.regression import change_points

    if not (math.isfinite(threshold) and threshold >= 0):
        raise InputError(f"--threshold must be a finite number >= 0, got {threshold}")
    if recent < 1:
        raise InputError(f"--recent must be >= 1, got {recent}")
    if window < 2:
        raise InputError(f"--window must be >= 2, got {window}")
    if not 0 < max_pvalue <= 1:
        raise InputError(f"--max-pvalue must be in (0, 1], got {max_pvalue}")
    if not (math.isfinite(min_magnitude) and min_magnitude >= 0):
        raise InputError(f"--min-magnitude must be a finite number >= 0, got {min_magnitude}")
    rows, fmt = _read(history, fmt)
    key_name, labels, series = _columns(history, rows, fmt, key, metrics)
    for name in higher:
        if name not in series:
            raise InputError(f"--higher-is-better {name!r} is not an analysed metric")
    n = len(labels)
    report: dict[str, Any] = {}
    regressions = []
    for name, values in series.items():
        sign = -1.0 if name in higher else 1.0
        found = []
        for cp in change_points(
            values, window=window, max_pvalue=max_pvalue, min_magnitude=min_magnitude
        ):
            worse = sign * cp.relative_change
            entry = {
                "index": cp.index,
                key_name: labels[cp.index],
                "mean_before": cp.mean_before,
                "mean_after": cp.mean_after,
                "change": cp.relative_change,
                "pvalue": cp.pvalue,
                "regression": worse > threshold,
                "new": cp.index >= n - recent,
            }
            found.append(entry)
            if entry["regression"] and entry["new"]:
                regressions.append({"metric": name, **entry})
        report[name] = {
            "direction": "higher is better" if name in higher else "lower is better",
            "change_points": found,
        }
    if as_json:
        echo_json(
            {
                "history": str(history),
                "runs": n,
                "key": key_name,
                "threshold": threshold,
                "metrics": report,
                "new_regressions": regressions,
            }
        )
    else:
        _print(history, n, key_name, report, regressions, threshold)
    if regressions:
        raise SystemExit(1)


def _print(
    history: Path,
    runs: int,
    key: str,
    report: dict[str, Any],
    regressions: list[dict[str, Any]],
    threshold: float,
) -> None:
    table = Table(
        title=f"{history}: change points in {runs} runs",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for column in ("metric", key, "run", "before", "after", "change", "p-value", "verdict"):
        table.add_column(
            column,
            justify="right"
            if column in ("run", "before", "after", "change", "p-value")
            else "left",
        )
    for name, entry in report.items():
        if not entry["change_points"]:
            table.add_row(name, "—", "", "", "", "", "", "[dim]no change point[/dim]")
        for cp in entry["change_points"]:
            verdict = "[red]regression[/red]" if cp["regression"] else ""
            if not cp["regression"] and abs(cp["change"]) > threshold:
                verdict = "[green]improvement[/green]"
            table.add_row(
                name,
                cp[key],
                str(cp["index"] + 1),
                f"{cp['mean_before']:.6g}",
                f"{cp['mean_after']:.6g}",
                f"{cp['change']:+.1%}",
                f"{cp['pvalue']:.2g}",
                verdict,
            )
    out = console()
    out.print(table)
    if regressions:
        for r in regressions:
            out.print(
                f"[red]New regression[/red]: {r['metric']} at {key} {r[key]} "
                f"({r['change']:+.1%}, threshold {threshold:.1%})."
            )
    else:
        out.print(f"No new regression larger than {threshold:.1%}.")
