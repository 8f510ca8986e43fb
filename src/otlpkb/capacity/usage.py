"""Resource usage analysis: percentiles and headroom, seasonal decomposition, attribution.

* `utilization_summary` turns a usage series and a capacity into percentiles,
  utilization, headroom and the growth the load can still take before a percentile reaches
  a target utilization.
* `seasonal_decompose` is the classical moving-average decomposition (trend by a centred
  moving average, seasonal by the mean of each position in the period), computed as
  statsmodels' ``seasonal_decompose`` computes it; `stl` is STL (Cleveland et al. 1990),
  the loess-based decomposition that follows a seasonal shape that changes and, robust,
  shrugs off incidents.
* `attribute_usage` splits a Collector's CPU, memory and bytes among the signals with the
  per-item costs of the chapter *Resource consumption* (1.4), and `fit_unit_costs`
  estimates those costs from a Collector's own metrics by non-negative least squares.

See the chapter *Resource usage analysis* (7.2).

Examples:
    >>> s = utilization_summary([0.5, 0.6, 0.7, 0.8, 1.2], capacity=2.0, percentiles=(50, 100))
    >>> s.utilization, s.headroom
    ((0.35, 0.6), (0.65, 0.4))
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import optimize  # type: ignore[import-untyped, unused-ignore]

from otlpkb._checks import integer as _integer
from otlpkb._checks import positive as _positive
from otlpkb.performance.resources import DEFAULT_PROFILE, CostProfile

__all__ = [
    "Attribution",
    "Decomposition",
    "UnitCostFit",
    "UtilizationSummary",
    "attribute_usage",
    "fit_unit_costs",
    "seasonal_decompose",
    "stl",
    "utilization_summary",
]

FloatArray = npt.NDArray[np.float64]
SIGNALS = ("spans", "logs", "metric_points")


def _series(y: Any, name: str = "y") -> FloatArray:
    arr = np.asarray(y, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty one-dimensional series")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise ValueError(
            f"{name}[{int(bad[0])}] is {float(arr[bad[0]])!r}: {bad.size} missing or infinite "
            "value(s) (a gap); fill or drop them first"
        )
    return arr


def _odd(name: str, value: object, minimum: int = 3) -> int:
    v = _integer(name, value)
    if v < minimum or v % 2 == 0:
        raise ValueError(f"{name} must be an odd integer >= {minimum}, got {value!r}")
    return v


def _period(value: object, n: int) -> int:
    p = _integer("period", value, 2)
    if n < 2 * p:
        raise ValueError(f"the series has {n} values, fewer than two full periods ({2 * p})")
    return p


# ----------------------------------------------------------------------------- percentiles


@dataclass(frozen=True)
class UtilizationSummary:
    """Percentiles of a usage series against a capacity.

    Attributes:
        percentiles: the percentiles asked for.
        values: the usage at each percentile (the series' units).
        utilization: ``values / capacity``.
        headroom: ``1 - utilization``: the fraction of capacity still free.
        growth_to_target: how much the load may grow (as a fraction) before each
            percentile reaches ``target`` utilization: ``target / utilization - 1``
            (negative: already above the target).
        capacity: the capacity.
        target: the planning target utilization.
    """

    percentiles: tuple[float, ...]
    values: tuple[float, ...]
    utilization: tuple[float, ...]
    headroom: tuple[float, ...]
    growth_to_target: tuple[float, ...]
    capacity: float
    target: float


def utilization_summary(
    usage: Any,
    capacity: float,
    *,
    percentiles: Sequence[float] = (50, 90, 95, 99, 100),
    target: float = 0.7,
) -> UtilizationSummary:
    """Percentiles, utilization and headroom of ``usage`` against ``capacity``.

    Percentiles are numpy's default (linear interpolation between order statistics).

    Args:
        usage: the series (CPU cores, bytes of memory, items per second, ...).
        capacity: the limit in the same units, > 0.
        percentiles: in [0, 100].
        target: the utilization to plan for, in (0, 1].

    Examples:
        >>> s = utilization_summary([1.0] * 9 + [3.0], capacity=4.0, percentiles=(50,),
        ...                         target=0.5)
        >>> s.growth_to_target
        (1.0,)
    """
    u = _series(usage, "usage")
    cap = _positive("capacity", capacity)
    tgt = _positive("target", target)
    if tgt > 1:
        raise ValueError(f"target must be in (0, 1], got {target!r}")
    ps = tuple(float(p) for p in percentiles)
    if not ps or any(not 0 <= p <= 100 for p in ps):
        raise ValueError(f"percentiles must be in [0, 100], got {percentiles!r}")
    # --8<-- [start:headroom]
    values = np.percentile(u, ps)
    util = values / cap
    with np.errstate(over="ignore"):
        growth = np.where(util > 0, tgt / np.where(util > 0, util, 1.0) - 1, np.inf)
    # --8<-- [end:headroom]
    return UtilizationSummary(
        percentiles=ps,
        values=tuple(values.tolist()),
        utilization=tuple(util.tolist()),
        headroom=tuple((1 - util).tolist()),
        growth_to_target=tuple(growth.tolist()),
        capacity=cap,
        target=tgt,
    )


# ----------------------------------------------------------------------------- decomposition


@dataclass(frozen=True, eq=False)
class Decomposition:
    """A series split into trend, seasonal and residual parts.

    For an additive model ``observed = trend + seasonal + resid``; for a multiplicative
    one ``observed = trend × seasonal × resid``. The classical trend is NaN for the first
    and last ``period // 2`` points.

    Attributes:
        observed: the input.
        trend: the trend.
        seasonal: the seasonal part.
        resid: what is left.
        weights: STL's robustness weights (ones when not robust or classical).
        model: ``"additive"`` or ``"multiplicative"``.
    """

    observed: FloatArray
    trend: FloatArray
    seasonal: FloatArray
    resid: FloatArray
    weights: FloatArray
    model: Literal["additive", "multiplicative"] = "additive"


def seasonal_decompose(
    y: Any, period: int, *, model: Literal["additive", "multiplicative"] = "additive"
) -> Decomposition:
    """Classical decomposition by moving averages (two-sided), like statsmodels'.

    The trend is the centred moving average over one period (for an even period, a
    ``2 × period`` moving average: weights ``1/2, 1, ..., 1, 1/2`` over ``period + 1``
    points); the seasonal value of each position is the mean of the detrended values at
    that position, centred to sum to zero (or to average one, multiplicative).

    Raises:
        ValueError: a gap, fewer than two full periods, non-positive values with the
            multiplicative model.

    Examples:
        >>> import numpy as np
        >>> y = np.arange(12.0) + np.tile([1.0, -1.0, 2.0, -2.0], 3)
        >>> seasonal_decompose(y, 4).seasonal[:4].tolist()
        [1.0, -1.0, 2.0, -2.0]
    """
    x = _series(y)
    p = _period(period, x.size)
    if model not in ("additive", "multiplicative"):
        raise ValueError(f"model must be 'additive' or 'multiplicative', got {model!r}")
    if model == "multiplicative" and np.any(x <= 0):
        i = int(np.flatnonzero(x <= 0)[0])
        raise ValueError(
            f"y[{i}] = {float(x[i])!r} is not positive: the multiplicative model needs y > 0"
        )
    # --8<-- [start:classical]
    even = np.r_[0.5, np.ones(p - 1), 0.5] / p  # a 2 x p moving average
    weights = even if p % 2 == 0 else np.full(p, 1.0 / p)
    half = weights.size // 2
    trend = np.full(x.size, np.nan)
    trend[half : x.size - half] = np.convolve(x, weights, mode="valid")
    detrended = x / trend if model == "multiplicative" else x - trend
    means = np.array([np.nanmean(detrended[i::p]) for i in range(p)])
    means = means / means.mean() if model == "multiplicative" else means - means.mean()
    seasonal = np.tile(means, x.size // p + 1)[: x.size]
    # --8<-- [end:classical]
    resid = detrended / seasonal if model == "multiplicative" else detrended - seasonal
    return Decomposition(x, trend, seasonal, resid, np.ones(x.size), model)


def _est(
    y: FloatArray,
    n: int,
    span: int,
    deg: int,
    xs: float,
    left: int,
    right: int,
    rw: FloatArray | None,
) -> float | None:
    """Loess at ``xs`` from points ``left..right`` (1-based, netlib STL's ``est``)."""
    rng = n - 1.0
    h = max(xs - left, right - xs)
    if span > n:
        h += (span - n) // 2
    j = np.arange(left, right + 1, dtype=np.float64)
    r = np.abs(j - xs)
    w = np.where(r <= 0.001 * h, 1.0, (1 - (r / h) ** 3) ** 3) if h > 0 else np.ones(j.size)
    w = np.where(r <= 0.999 * h, w, 0.0) if h > 0 else w
    if rw is not None:
        w = w * rw[left - 1 : right]
    total = w.sum()
    if total <= 0:
        return None
    w = w / total
    if h > 0 and deg > 0:
        a = float(np.sum(w * j))
        c = float(np.sum(w * (j - a) ** 2))
        if math.sqrt(c) > 0.001 * rng:
            w = w * ((xs - a) / c * (j - a) + 1)
    return float(np.sum(w * y[left - 1 : right]))


def _ess(y: FloatArray, span: int, deg: int, rw: FloatArray | None) -> FloatArray:
    """Loess of ``y`` at every point (netlib STL's ``ess``, jump 1), all points at once."""
    n = y.size
    width = min(span, n)
    i = np.arange(1, n + 1, dtype=np.float64)
    half = (span + 1) // 2
    left = np.clip(i - half + 1, 1, n - width + 1) if n >= span else np.ones(n)
    j = left[:, None] + np.arange(width)  # 1-based window of each point
    h = np.maximum(i - left, left + width - 1 - i)
    if span > n:
        h = h + (span - n) // 2
    r = np.abs(j - i[:, None])
    hh = np.where(h > 0, h, 1.0)[:, None]
    w = np.where(r <= 0.001 * hh, 1.0, (1 - np.minimum(r / hh, 1.0) ** 3) ** 3)
    w = np.where(r <= 0.999 * hh, w, 0.0)
    w = np.where(h[:, None] > 0, w, 1.0)
    idx = (j - 1).astype(np.intp)
    if rw is not None:
        w = w * rw[idx]
    total = w.sum(axis=1)
    ok = total > 0
    w = w / np.where(ok, total, 1.0)[:, None]
    if deg > 0:
        a = np.sum(w * j, axis=1)
        c = np.sum(w * (j - a[:, None]) ** 2, axis=1)
        fit = (h > 0) & (np.sqrt(c) > 0.001 * (n - 1))
        b = np.where(fit, (i - a) / np.where(fit, c, 1.0), 0.0)
        w = w * (b[:, None] * (j - a[:, None]) + 1)
    out: FloatArray = np.where(ok, np.sum(w * y[idx], axis=1), y)
    return out


def _moving_average(x: FloatArray, length: int) -> FloatArray:
    out: FloatArray = np.convolve(x, np.full(length, 1.0 / length), mode="valid")
    return out


def stl(
    y: Any,
    period: int,
    *,
    seasonal: int = 7,
    trend: int | None = None,
    low_pass: int | None = None,
    robust: bool = False,
    inner_iter: int | None = None,
    outer_iter: int | None = None,
) -> Decomposition:
    """STL: seasonal-trend decomposition by loess (Cleveland et al. 1990), additive.

    The inner loop alternates (1) detrending, (2) smoothing each cycle-subseries (all
    Mondays, all 14:00s...) with a loess of span ``seasonal``, extended one period at
    each end, (3) removing the low-frequency part of that with three moving averages
    and a loess of span ``low_pass``, and (4) smoothing the deseasonalised series with a
    loess of span ``trend``. The robust outer loop down-weights points with large
    residuals (bisquare weights on ``|r| / (6 median |r|)``) and repeats. The spans
    and iteration counts default to statsmodels' ``STL`` (and the original paper's):
    ``trend`` the smallest odd integer >= ``1.5 period / (1 - 1.5 / seasonal)``,
    ``low_pass`` the smallest odd integer > ``period``; 5 inner and no outer iterations,
    or 2 and 15 when ``robust``. Loess degrees are 1.

    Examples:
        >>> import numpy as np
        >>> t = np.arange(48.0)
        >>> d = stl(10 + 0.1 * t + np.tile([2.0, 0.0, -2.0, 0.0], 12), period=4)
        >>> bool(np.abs(d.resid).max() < 1e-6)
        True
    """
    x = _series(y)
    p = _period(period, x.size)
    ns = _odd("seasonal", seasonal)
    nt = _odd("trend", trend) if trend is not None else None
    if nt is None:
        nt = math.ceil(1.5 * p / (1 - 1.5 / ns))
        nt += nt % 2 == 0
    nl = _odd("low_pass", low_pass) if low_pass is not None else p + 1 + (p % 2 == 1)
    if nl <= p:
        raise ValueError(f"low_pass must be > period ({p}), got {nl}")
    inner = (2 if robust else 5) if inner_iter is None else int(inner_iter)
    outer = (15 if robust else 0) if outer_iter is None else int(outer_iter)
    n = x.size
    tr = np.zeros(n)
    season = np.zeros(n)
    rw: FloatArray | None = None
    for k in range(outer + 1):
        # --8<-- [start:stl]
        for _ in range(inner):
            detrended = x - tr
            cycle = np.empty(n + 2 * p)
            for j in range(p):  # each cycle-subseries, extended one step at both ends
                sub = detrended[j::p]
                w = rw[j::p] if rw is not None else None
                k_ = sub.size
                sm = np.empty(k_ + 2)
                sm[1:-1] = _ess(sub, ns, 1, w)
                first = _est(sub, k_, ns, 1, 0.0, 1, min(ns, k_), w)
                last = _est(sub, k_, ns, 1, k_ + 1.0, max(1, k_ - ns + 1), k_, w)
                sm[0] = sm[1] if first is None else first
                sm[-1] = sm[-2] if last is None else last
                cycle[j::p] = sm
            low = _moving_average(_moving_average(_moving_average(cycle, p), p), 3)
            low = _ess(low, nl, 1, None)
            season = cycle[p : p + n] - low
            tr = _ess(x - season, nt, 1, rw)
        # --8<-- [end:stl]
        if k == outer:
            break
        r = np.abs(x - tr - season)
        h = 6 * float(np.median(r))
        u = r / h if h > 0 else np.zeros(n)
        rw = np.where(u <= 0.001, 1.0, np.where(u <= 0.999, (1 - u**2) ** 2, 0.0))
    weights = rw if rw is not None else np.ones(n)
    return Decomposition(x, tr, season, x - tr - season, weights, "additive")


# ----------------------------------------------------------------------------- attribution


@dataclass(frozen=True, eq=False)
class Attribution:
    """Resource use per signal, from per-item costs.

    Attributes:
        cpu_cores: CPU cores per signal (arrays over time).
        wire_bytes_per_second: gzip-compressed bytes per second per signal.
        memory_bytes: heap held per signal for ``hold_seconds`` of items.
        share: each signal's share of the modelled CPU, over the whole series.
    """

    cpu_cores: Mapping[str, FloatArray]
    wire_bytes_per_second: Mapping[str, FloatArray]
    memory_bytes: Mapping[str, FloatArray]
    share: Mapping[str, float]


def attribute_usage(
    rates: Mapping[str, Any], profile: CostProfile = DEFAULT_PROFILE, *, hold_seconds: float = 0.2
) -> Attribution:
    """Split CPU, bytes and memory among signals with the 1.4 model's per-item costs.

    Args:
        rates: items per second by signal (``spans``, ``logs``, ``metric_points``), each a
            number or a series of the same length.
        profile: per-item costs (`otlpkb.performance.resources.CostProfile`).
        hold_seconds: how long an item stays in batches and queues on average.

    Examples:
        >>> a = attribute_usage({"spans": 15_000.0, "logs": 10_000.0})
        >>> {k: round(float(v), 3) for k, v in a.cpu_cores.items()}
        {'spans': 1.0, 'logs': 1.0}
    """
    if not isinstance(profile, CostProfile):
        raise TypeError(f"profile must be a CostProfile, got {type(profile).__name__}")
    hold = _positive("hold_seconds", hold_seconds)
    cpu, wire, mem = {}, {}, {}
    for name, value in rates.items():
        if name not in SIGNALS:
            raise ValueError(f"unknown signal {name!r}: expected one of {', '.join(SIGNALS)}")
        r = np.asarray(value, dtype=np.float64)
        if not np.all(np.isfinite(r)) or np.any(r < 0):
            raise ValueError(f"rates[{name!r}] must be finite and >= 0")
        cost = getattr(profile, name)
        # --8<-- [start:attribute]
        cpu[name] = r * cost.cpu_seconds_per_item
        wire[name] = r * cost.bytes_per_item / cost.compression_ratio
        mem[name] = r * hold * cost.memory_bytes_per_item
        # --8<-- [end:attribute]
    total = sum(float(np.sum(v)) for v in cpu.values())
    share = {k: (float(np.sum(v)) / total if total else math.nan) for k, v in cpu.items()}
    return Attribution(
        MappingProxyType(cpu),
        MappingProxyType(wire),
        MappingProxyType(mem),
        MappingProxyType(share),
    )


@dataclass(frozen=True)
class UnitCostFit:
    """Per-item CPU costs estimated from a Collector's own metrics.

    Attributes:
        baseline_cores: CPU the Collector uses with no load (the intercept).
        cpu_seconds_per_item: estimated CPU seconds per item, by signal.
        r_squared: fraction of the CPU's variance the fit explains.
    """

    baseline_cores: float
    cpu_seconds_per_item: Mapping[str, float]
    r_squared: float


def fit_unit_costs(rates: Mapping[str, Any], cpu_cores: Any) -> UnitCostFit:
    """Estimate per-item CPU costs: ``cpu = baseline + Σ rate_s × cost_s``, all >= 0.

    Non-negative least squares (``scipy.optimize.nnls``) on the columns scaled to unit
    norm. The signals' rates must not move in lockstep, or their costs cannot be told
    apart: an incident that multiplies one signal's rate is what separates them.

    Examples:
        >>> import numpy as np
        >>> spans = np.array([1000.0, 2000, 3000, 4000]); logs = np.array([500.0, 100, 900, 300])
        >>> f = fit_unit_costs({"spans": spans, "logs": logs},
        ...                    0.1 + spans / 10_000 + logs / 5_000)
        >>> round(f.baseline_cores, 6), round(1 / f.cpu_seconds_per_item["logs"])
        (0.1, 5000)
    """
    y = _series(cpu_cores, "cpu_cores")
    names = list(rates)
    cols = [np.ones(y.size)]
    for name in names:
        col = _series(rates[name], f"rates[{name!r}]")
        if col.size != y.size:
            raise ValueError(f"rates[{name!r}] has {col.size} values, cpu_cores has {y.size}")
        cols.append(col)
    if y.size <= len(cols):
        raise ValueError(f"need more than {len(cols)} samples to fit {len(cols)} costs")
    a = np.column_stack(cols)
    norms = np.linalg.norm(a, axis=0)
    norms[norms == 0] = 1.0
    coef, _ = optimize.nnls(a / norms, y)
    coef = coef / norms
    resid = y - a @ coef
    ss = float(np.sum((y - y.mean()) ** 2))
    return UnitCostFit(
        baseline_cores=float(coef[0]),
        cpu_seconds_per_item=MappingProxyType({k: float(c) for k, c in zip(names, coef[1:])}),
        r_squared=1 - float(np.sum(resid**2)) / ss if ss else math.nan,
    )
