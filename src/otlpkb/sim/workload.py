"""Synthetic Collector self-metrics: weeks of seasonal, growing telemetry load.

`collector_metrics` writes what a Collector's internal telemetry would have recorded
(the names of the Collector's ``documentation.md``, as Prometheus scrapes them without
the ``_total`` suffix): cumulative ``otelcol_receiver_accepted_spans``,
``otelcol_receiver_accepted_log_records`` and ``otelcol_receiver_accepted_metric_points``,
``otelcol_process_cpu_seconds``, and the gauges ``otelcol_process_memory_rss`` and
``otelcol_exporter_queue_size``, every ``step`` seconds. The load has a daily and a
weekly cycle, compound growth and noise, and an optional incident (a burst of logs);
CPU and memory follow the per-item costs of the chapter *Resource consumption* (1.4).
Counter resets (a restart) can be injected to exercise rate computations.

See the chapters *Resource usage analysis* (7.2) and *Capacity forecasting* (7.1).

Examples:
    >>> m = collector_metrics(days=2, step=300.0, seed=1)
    >>> sorted(m)[:2]
    ['otelcol_exporter_queue_size', 'otelcol_process_cpu_seconds']
    >>> bool(m["otelcol_receiver_accepted_spans"][-1] > m["otelcol_receiver_accepted_spans"][0])
    True
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from otlpkb._checks import non_negative as _non_negative
from otlpkb._checks import positive as _positive

__all__ = ["SIGNAL_METRICS", "collector_metrics", "counter_rate"]

FloatArray = npt.NDArray[np.float64]

SIGNAL_METRICS: Mapping[str, str] = {
    "spans": "otelcol_receiver_accepted_spans",
    "logs": "otelcol_receiver_accepted_log_records",
    "metric_points": "otelcol_receiver_accepted_metric_points",
}
"""The receiver counter of each signal (``CostProfile`` field name → metric name)."""


def collector_metrics(
    *,
    days: float = 28.0,
    step: float = 60.0,
    rates: Mapping[str, float] | None = None,
    cpu_seconds_per_item: Mapping[str, float] | None = None,
    growth_per_week: float = 0.03,
    daily_amplitude: float = 0.45,
    weekend_dip: float = 0.3,
    noise: float = 0.05,
    baseline_cpu: float = 0.05,
    incident: tuple[float, float, float] | None = None,
    resets: tuple[float, ...] = (),
    seed: int | None = 0,
) -> dict[str, FloatArray]:
    """Simulated Collector self-metrics (plus ``time``, seconds from the start).

    Args:
        days: length of the series.
        step: scrape interval, seconds.
        rates: mean items per second per signal at the start (``spans``, ``logs``,
            ``metric_points``); default 8,000 / 3,000 / 5,000.
        cpu_seconds_per_item: CPU cost per item per signal; default the 1.4 profile's
            (1/15,000, 1/10,000 and 1/20,000 s).
        growth_per_week: compound growth of every rate per week.
        daily_amplitude: relative swing of the daily cycle (peak at 14:00).
        weekend_dip: relative drop on days 5 and 6 of each week.
        noise: relative standard deviation of the per-scrape noise.
        baseline_cpu: CPU cores the idle Collector uses.
        incident: ``(start_day, hours, factor)``: logs multiplied by ``factor`` for
            ``hours`` from ``start_day``.
        resets: days at which the process restarted (counters start again at 0).
        seed: seed of the noise.

    Returns:
        Arrays by metric name, all as long as ``time``.
    """
    span = _positive("days", days)
    dt = _positive("step", step)
    base = dict(rates or {"spans": 8000.0, "logs": 3000.0, "metric_points": 5000.0})
    cost = dict(
        cpu_seconds_per_item
        or {"spans": 1 / 15_000, "logs": 1 / 10_000, "metric_points": 1 / 20_000}
    )
    for name in SIGNAL_METRICS:
        _non_negative(f"rates[{name!r}]", base.get(name, 0.0))
        _non_negative(f"cpu_seconds_per_item[{name!r}]", cost.get(name, 0.0))
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, span * 86_400.0, dt)
    day = t / 86_400.0
    # --8<-- [start:load]
    daily = 1 + daily_amplitude * np.cos(2 * np.pi * (day - 14 / 24))  # peak at 14:00
    weekly = np.where(np.floor(day) % 7 >= 5, 1 - weekend_dip, 1.0)
    trend = (1 + growth_per_week) ** (day / 7)
    shape = daily * weekly * trend
    per_second = {
        s: base.get(s, 0.0) * shape * rng.lognormal(0, noise, t.size) for s in SIGNAL_METRICS
    }
    # --8<-- [end:load]
    if incident is not None:
        start, hours, factor = incident
        hit = (day >= start) & (day < start + hours / 24)
        per_second["logs"] = np.where(hit, per_second["logs"] * factor, per_second["logs"])
    cpu = baseline_cpu + sum(per_second[s] * cost.get(s, 0.0) for s in SIGNAL_METRICS)
    cpu = cpu * rng.lognormal(0, noise / 2, t.size)
    out: dict[str, FloatArray] = {"time": t}
    restart = np.zeros(t.size, dtype=bool)
    for r in resets:
        restart[np.searchsorted(t, r * 86_400.0)] = True
    epoch = np.cumsum(restart)
    for s, name in SIGNAL_METRICS.items():
        out[name] = _counter(per_second[s] * dt, epoch)
    out["otelcol_process_cpu_seconds"] = _counter(cpu * dt, epoch)
    items = sum(per_second[s] for s in SIGNAL_METRICS)
    out["otelcol_process_memory_rss"] = 128 * 2**20 + items * 0.2 * 1400.0 * rng.lognormal(
        0, noise, t.size
    )  # baseline + ~0.2 s of items held in batches and queues, 1.4 profile's bytes/item
    out["otelcol_exporter_queue_size"] = np.maximum(
        0.0, np.round(rng.normal(items / 20_000 - 1, 1.0, t.size))
    )
    return dict(sorted(out.items()))


def _counter(increments: FloatArray, epoch: npt.NDArray[np.int64]) -> FloatArray:
    """Cumulative sums that restart from the increment at each new epoch."""
    total = np.cumsum(increments)
    starts = np.flatnonzero(np.diff(epoch, prepend=epoch[0]) > 0)
    for i in starts:
        total[i:] -= total[i] - increments[i]
    return total


def counter_rate(values: FloatArray | list[float], step: float) -> FloatArray:
    """Per-second rate of a cumulative counter, one value per interval (``len - 1``).

    A decrease is a counter reset, handled as Prometheus's ``rate()`` does: the value
    after the reset is the increase since the reset.

    Examples:
        >>> counter_rate([0.0, 10.0, 30.0, 5.0, 15.0], step=10.0).tolist()
        [1.0, 2.0, 0.5, 1.0]
    """
    v = np.asarray(values, dtype=np.float64)
    dt = _positive("step", step)
    if v.ndim != 1 or v.size < 2:
        raise ValueError("values must be a one-dimensional counter with at least 2 samples")
    if not np.all(np.isfinite(v)):
        i = int(np.flatnonzero(~np.isfinite(v))[0])
        raise ValueError(f"values[{i}] is {v[i]!r}: a gap in the counter")
    d = np.diff(v)
    d = np.where(d < 0, v[1:], d)  # reset: the counter restarted from 0
    out: FloatArray = d / dt
    return out
