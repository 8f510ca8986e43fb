"""`otlpkb forecast`: fit a series, forecast it and say when it reaches a capacity."""

from __future__ import annotations

import csv
import math
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from otlpkb.cli._common import InputError, console, echo_json

__all__ = ["command"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_MODELS = ("auto", "linear", "log-linear", "holt", "holt-winters", "holt-winters-mul")


def _parse_time(text: str, where: str) -> float:
    text = text.strip()
    try:
        return float(text)  # Unix seconds
    except ValueError:
        pass
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"{where}: time {text!r} is neither an ISO 8601 date/time nor Unix seconds"
        ) from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()


def read_series(path: Path) -> tuple[list[float], list[float]]:
    """Times (Unix seconds) and values from a two-column CSV; an optional header line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read: {error}") from None
    times: list[float] = []
    values: list[float] = []
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        where = f"{path}:{number}"
        if len(row) < 2:
            raise InputError(f"{where}: expected two columns (time,value), got {row!r}")
        if not times and not values:
            try:
                float(row[1])
            except ValueError:
                if not re.fullmatch(r"\s*(nan|inf|-inf|)\s*", row[1], re.IGNORECASE):
                    continue  # a header line
        try:
            value = float(row[1])
        except ValueError:
            raise InputError(f"{where}: value {row[1]!r} is not a number") from None
        if not math.isfinite(value):
            raise InputError(f"{where}: value {row[1]!r} is missing (a gap): fill or drop it")
        t = _parse_time(row[0], where)
        if times and t <= times[-1]:
            raise InputError(f"{where}: time {row[0].strip()!r} is not after the previous row")
        times.append(t)
        values.append(value)
    if len(values) < 4:
        raise InputError(f"{path}: {len(values)} data rows; at least 4 are needed")
    step = times[1] - times[0]
    for i in range(2, len(times)):
        gap = times[i] - times[i - 1]
        if abs(gap - step) > 1e-6 * step + 1e-9:
            raise InputError(
                f"{path}: row {i + 1} of data is {gap:g} s after the previous one, but the "
                f"series steps by {step:g} s: the series must be equally spaced with no gaps"
            )
    return times, values


def parse_horizon(text: str, step: float) -> int:
    """A horizon such as ``90d``, ``12h``, ``2w`` or a bare number of steps, in steps."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", text)
    if not match:
        raise InputError(f"--horizon {text!r}: expected a number with a unit s, m, h, d or w")
    amount, unit = float(match[1]), match[2]
    steps = amount if not unit else amount * _UNITS[unit] / step
    if steps < 1:
        raise InputError(f"--horizon {text!r} is shorter than one step of the series ({step:g} s)")
    return math.ceil(steps - 1e-9)


def _auto_period(step: float, n: int) -> int | None:
    for season in (86_400.0, 604_800.0):
        m = season / step
        if abs(m - round(m)) < 1e-9 and round(m) >= 2 and n >= 2 * round(m):
            return round(m)
    return None


def _fit(model: str, y: Any, period: int | None) -> Any:
    from otlpkb.capacity import forecasting as fc

    if model == "linear":
        return fc.linear_trend(y)
    if model == "log-linear":
        return fc.log_linear_trend(y)
    if model == "holt":
        return fc.holt_winters(y, trend="add")
    if period is None:
        raise ValueError("no seasonal period: give --period")
    if model == "holt-winters-mul":
        return fc.holt_winters(y, trend="add", seasonal="mul", period=period)
    return fc.holt_winters(y, trend="add", seasonal="add", period=period)


def _predict(fit: Any, n: int, h: int) -> Any:
    import numpy as np

    from otlpkb.capacity.forecasting import HoltWintersFit

    if isinstance(fit, HoltWintersFit):
        return fit.forecast(h)
    return fit.forecast(np.arange(n, n + h, dtype=np.float64))


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


@click.command("forecast")
@click.argument("series", type=click.Path(path_type=Path))
@click.option("--horizon", required=True, help="How far ahead: 90d, 12h, 2w, or steps.")
@click.option("--capacity", type=float, required=True, help="The limit, in the series' units.")
@click.option(
    "--model",
    type=click.Choice(_MODELS),
    default="auto",
    show_default=True,
    help="The model; auto picks the lowest error on a holdout.",
)
@click.option(
    "--period",
    type=int,
    default=None,
    help="Season length in steps (0: none). Default: a day or a week of steps.",
)
@click.option(
    "--level", type=float, default=0.8, show_default=True, help="Coverage of the intervals."
)
@click.option(
    "--plot",
    "plot",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the history, forecast and capacity as an SVG figure.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a report.")
def command(
    series: Path,
    horizon: str,
    capacity: float,
    model: str,
    period: int | None,
    level: float,
    plot: Path | None,
    as_json: bool,
) -> None:
    """Forecast SERIES (a CSV of time,value) and say when it reaches --capacity.

    Times are ISO 8601 (UTC unless an offset is given) or Unix seconds, equally spaced.
    Exit status 1 when the forecast reaches the capacity within the horizon.
    """
    import numpy as np

    from otlpkb.capacity.forecasting import HoltWintersFit, time_to_capacity

    if not (math.isfinite(capacity) and capacity > 0):
        raise InputError(f"--capacity must be a number > 0, got {capacity!r}")
    if not 0 < level < 1:
        raise InputError(f"--level must be in (0, 1), got {level!r}")
    if period is not None and (period == 1 or period < 0):
        raise InputError(f"--period must be 0 (no season) or >= 2, got {period}")
    times, values = read_series(series)
    y = np.asarray(values)
    n, step = y.size, times[1] - times[0]
    h = parse_horizon(horizon, step)
    m = _auto_period(step, n) if period is None else (period or None)
    if m is not None and n < 2 * m:
        raise InputError(f"--period {m}: the series has {n} rows, fewer than two seasons")
    candidates = (
        [model]
        if model != "auto"
        else [
            name
            for name in _MODELS[1:]
            if not (name in ("log-linear", "holt-winters-mul") and np.any(y <= 0))
            and not (name.startswith("holt-winters") and m is None)
        ]
    )
    scores: dict[str, float] = {}
    if model == "auto":
        hold = max(1, min(n // 5, h))
        for name in candidates:
            if name.startswith("holt-winters") and m is not None and n - hold < 2 * m:
                continue
            try:
                part = _fit(name, y[: n - hold], m)
                pred = _predict(part, n - hold, hold)
            except ValueError:
                continue
            scores[name] = float(np.mean(np.abs(pred - y[n - hold :])))
        if not scores:
            raise InputError(f"{series}: no model could be fitted to {n} rows")
        chosen = min(scores, key=lambda k: scores[k])
    else:
        chosen = model
    try:
        fit = _fit(chosen, y, m)
    except ValueError as error:
        raise InputError(f"{series}: {error}") from None
    future = np.asarray([times[-1] + step * (k + 1) for k in range(h)])
    point = _predict(fit, n, h)
    if isinstance(fit, HoltWintersFit):
        lo, hi = fit.prediction_interval(h, level, paths=1000, seed=0)
        crossing = time_to_capacity(fit, capacity, h, level=level, paths=1000, seed=0)

        def to_time(k: float) -> float:
            return times[-1] + step * k
    else:
        lo, hi = fit.prediction_interval(np.arange(n, n + h, dtype=np.float64), level)
        crossing = time_to_capacity(fit, capacity, h, level=level)

        def to_time(k: float) -> float:
            return times[0] + step * k

    def when(k: float) -> str | None:
        return _iso(to_time(k)) if math.isfinite(k) else None

    report = {
        "series": str(series),
        "points": n,
        "step_seconds": step,
        "model": chosen,
        "period": m if chosen.startswith("holt-winters") else None,
        "holdout_mae": scores or None,
        "horizon_steps": h,
        "capacity": capacity,
        "level": level,
        "crossing": {
            "expected": when(crossing.expected),
            "earliest": when(crossing.low),
            "latest": when(crossing.high),
            "probability_within_horizon": crossing.probability,
        },
        "forecast": [
            {"time": _iso(t), "value": float(v), "lower": float(a), "upper": float(b)}
            for t, v, a, b in zip(future, point, lo, hi)
        ],
    }
    if plot is not None:
        _plot(plot, times, values, future, point, lo, hi, capacity, chosen)
    if as_json:
        echo_json(report)
    else:
        _print(report)
    if math.isfinite(crossing.expected):
        raise SystemExit(1)


def _print(report: dict[str, Any]) -> None:
    from rich import box
    from rich.table import Table

    out = console()
    out.print(
        f"{report['series']}: {report['points']} points every {report['step_seconds']:g} s; "
        f"model {report['model']}" + (f" (period {report['period']})" if report["period"] else "")
    )
    if report["holdout_mae"]:
        ranked = sorted(report["holdout_mae"].items(), key=lambda kv: kv[1])
        out.print("holdout MAE: " + ", ".join(f"{k} {v:.4g}" for k, v in ranked))
    table = Table(
        box=box.SIMPLE_HEAD, title_justify="left", title=f"forecast, {report['level']:.0%} interval"
    )
    for col in ("time", "forecast", "lower", "upper"):
        table.add_column(col, justify="left" if col == "time" else "right")
    rows = report["forecast"]
    pick = (
        sorted({round(i * (len(rows) - 1) / 9) for i in range(10)})
        if len(rows) > 10
        else (range(len(rows)))
    )
    for i in pick:
        r = rows[i]
        table.add_row(r["time"], f"{r['value']:.4g}", f"{r['lower']:.4g}", f"{r['upper']:.4g}")
    out.print(table)
    c = report["crossing"]
    if c["expected"] is None:
        out.print(
            f"capacity {report['capacity']:g}: not reached by the forecast within the horizon "
            f"(probability {c['probability_within_horizon']:.0%}"
            + (f"; earliest {c['earliest']}" if c["earliest"] else "")
            + ")"
        )
    else:
        out.print(
            f"capacity {report['capacity']:g}: reached {c['expected']} "
            f"({report['level']:.0%} interval {c['earliest'] or 'already'} to "
            f"{c['latest'] or 'beyond the horizon'}; probability within the horizon "
            f"{c['probability_within_horizon']:.0%})"
        )


def _plot(
    path: Path,
    times: list[float],
    values: list[float],
    future: Any,
    point: Any,
    lo: Any,
    hi: Any,
    capacity: float,
    model: str,
) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise InputError("--plot needs matplotlib: pip install 'otlpkb[docs]'") from None
    days = [(t - times[0]) / 86_400 for t in times]
    ahead = [(t - times[0]) / 86_400 for t in future]
    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.plot(days, values, color="0.3", lw=1, label="history")
    ax.plot(ahead, point, color="C0", lw=1.5, label=f"forecast ({model})")
    ax.fill_between(ahead, lo, hi, color="C0", alpha=0.2, label="interval")
    ax.axhline(capacity, color="C3", ls="--", lw=1, label="capacity")
    ax.set_xlabel(f"days since {_iso(times[0])}")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=4, frameon=False)
    try:
        fig.savefig(path, format="svg", bbox_inches="tight", metadata={"Date": None})
    except OSError as error:
        raise InputError(f"--plot {path}: cannot write: {error.strerror or error}") from None
    finally:
        plt.close(fig)
