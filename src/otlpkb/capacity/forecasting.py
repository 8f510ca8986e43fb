"""Capacity forecasting: Holt–Winters, trends, growth curves and the time to capacity.

* `holt_winters` fits exponential smoothing in the form of Hyndman & Athanasopoulos,
  *Forecasting: Principles and Practice* (FPP, 3rd ed., section 8.3): level only, additive
  trend, additive or multiplicative seasonality. Parameters and initial states left as
  ``None`` are estimated together by minimising the sum of squared one-step errors; the
  gradient comes from one backward (adjoint) pass over the series, so a fit of 10,000
  points takes a fraction of a second.
* `linear_trend` and `log_linear_trend` are least-squares lines with analytic prediction
  intervals; `exponential_growth` and `logistic_growth` are non-linear least-squares growth
  curves.
* `time_to_capacity` answers "when does the load reach the limit?" with an interval: from
  the prediction bands for the trends, from simulated sample paths for Holt–Winters and
  from the parameters' sampling distribution for the growth curves.

See the chapter *Capacity forecasting* (7.1).

Examples:
    >>> import numpy as np
    >>> y = 102 + 2.0 * np.arange(48) + np.tile([5.0, -5.0, 0.0, 0.0], 12)
    >>> fit = holt_winters(y, trend="add", seasonal="add", period=4,
    ...                    alpha=0.3, beta=0.1, gamma=0.1,
    ...                    initial_level=100.0, initial_trend=2.0,
    ...                    initial_seasonal=[5.0, -5.0, 0.0, 0.0])
    >>> round(fit.sse, 9), fit.forecast(2).round(6).tolist()
    (0.0, [203.0, 195.0])
    >>> line = linear_trend([10.0, 12.0, 14.0, 16.0])
    >>> line.slope, line.intercept
    (2.0, 10.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import optimize, stats  # type: ignore[import-untyped, unused-ignore]

from otlpkb._checks import integer as _integer
from otlpkb._checks import positive as _positive
from otlpkb._checks import real as _real

__all__ = [
    "CapacityCrossing",
    "GrowthFit",
    "HoltWintersFit",
    "TrendFit",
    "exponential_growth",
    "holt_winters",
    "linear_trend",
    "log_linear_trend",
    "logistic_growth",
    "time_to_capacity",
]

FloatArray = npt.NDArray[np.float64]
Component = Literal["add", "mul"]
# SLSQP: bounded, and free of the threaded BLAS calls that make L-BFGS-B slow on a busy host
_METHOD = "SLSQP"
_OPTIONS: dict[str, Any] = {"maxiter": 1000, "ftol": 1e-15}


# ----------------------------------------------------------------------------- validation


def _series(y: Any, name: str = "y", *, positive: bool = False, why: str = "") -> FloatArray:
    """``y`` as a 1-D float array with every value finite (and > 0 if ``positive``)."""
    try:
        arr = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be a sequence of numbers: {error}") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"{name}[{i}] is {float(arr[i])!r}: the series has {bad.size} missing or infinite "
            "value(s) (a gap); fill or drop them before fitting"
        )
    if positive:
        bad = np.flatnonzero(arr <= 0)
        if bad.size:
            i = int(bad[0])
            raise ValueError(
                f"{name}[{i}] = {float(arr[i])!r} is not positive: {why} needs {name} > 0"
            )
    return arr


def _unit(name: str, value: object) -> float:
    v = _real(name, value)
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    return v


def _steps(name: str, value: object, minimum: int = 0) -> int:
    return _integer(name, value, minimum)


def _level(value: object) -> float:
    v = _positive("level", value)
    if not v < 1:
        raise ValueError(f"level must be in (0, 1), got {value!r}")
    return v


# ----------------------------------------------------------------------------- Holt-Winters


def _smooth(
    y: Sequence[float],
    a: float,
    b: float,
    g: float,
    l0: float,
    b0: float,
    s0: Sequence[float],
    trend: bool,
    seasonal: Component | None,
) -> tuple[list[float], list[float], list[float], list[float]]:
    """One pass of the FPP recursions; returns errors, levels, trends and seasonals."""
    m = len(s0)
    # --8<-- [start:recursion]
    lv, tr, se, err = [l0], [b0], list(s0), []
    for t, yt in enumerate(y):
        q = lv[t] + tr[t]  # l_{t-1} + b_{t-1}: the one-step forecast before seasonality
        if seasonal is None:
            err.append(yt - q)
            lv.append(a * yt + (1 - a) * q)
        elif seasonal == "add":
            s = se[t]  # s_{t-m}
            err.append(yt - q - s)
            lv.append(a * (yt - s) + (1 - a) * q)
            se.append(g * (yt - q) + (1 - g) * s)
        else:
            s = se[t]
            err.append(yt - q * s)
            lv.append(a * yt / s + (1 - a) * q)
            se.append(g * yt / q + (1 - g) * s)
        tr.append(b * (lv[t + 1] - lv[t]) + (1 - b) * tr[t] if trend else 0.0)
    # --8<-- [end:recursion]
    if m and len(se) != len(y) + m:  # pragma: no cover - guarded by the loop above
        raise AssertionError("seasonal buffer")
    return err, lv, tr, se


def _sse_grad(
    y: Sequence[float],
    a: float,
    b: float,
    g: float,
    l0: float,
    b0: float,
    s0: Sequence[float],
    trend: bool,
    seasonal: Component | None,
) -> tuple[float, list[float]]:
    """SSE and its gradient in (alpha, beta, gamma, l0, b0, s0...) by reverse mode."""
    err, lv, tr, se = _smooth(y, a, b, g, l0, b0, s0, trend, seasonal)
    n, m = len(y), len(s0)
    ls = [0.0] * (n + m)  # adjoints of the seasonal states
    ll = lb = ga = gb = gg = 0.0  # adjoints of l_t, b_t; gradients in a, b, g
    for t in range(n - 1, -1, -1):
        yt, e, lt, bt = y[t], err[t], lv[t], tr[t]
        q = lt + bt
        l_new = lv[t + 1]
        lbn = lb if trend else 0.0
        ltot = ll + b * lbn  # l_t+1 also enters b_t+1
        lsn = ls[t + m] if seasonal else 0.0
        if seasonal == "mul":
            s = se[t]
            dq = -2 * e * s + (1 - a) * ltot - g * yt / (q * q) * lsn
            ls[t] += -2 * e * q - a * yt / (s * s) * ltot + (1 - g) * lsn
            ga += ltot * (yt / s - q)
            gg += lsn * (yt / q - s)
        else:
            s = se[t] if seasonal else 0.0
            dq = -2 * e + (1 - a) * ltot - g * lsn
            if seasonal:
                ls[t] += -2 * e - a * ltot + (1 - g) * lsn
                gg += lsn * (yt - q - s)
            ga += ltot * (yt - s - q)
        if trend:
            gb += lbn * (l_new - lt - bt)
            ll, lb = dq - b * lbn, dq + (1 - b) * lbn
        else:
            ll, lb = dq, 0.0
    sse = math.fsum(e * e for e in err)
    return sse, [ga, gb, gg, ll, lb, *ls[:m]]


@dataclass(frozen=True, eq=False)
class HoltWintersFit:
    r"""A fitted Holt–Winters model (returned by `holt_winters`).

    Attributes:
        fitted: one-step-ahead in-sample predictions, as long as the series.
        level: the final level $\ell_T$.
        trend: the final trend $b_T$ (``None`` without a trend).
        season: the final seasonal states $s_{T+1-m}, \dots, s_T$, in the order they apply
            to the next ``period`` steps (empty without seasonality).
        sse: sum of squared one-step errors.
        params: ``alpha``, ``beta`` (FPP's $\beta^*$), ``gamma``, ``initial_level``,
            ``initial_trend``, ``initial_seasonal`` (as used, given or estimated), and
            ``trend``, ``seasonal``, ``period`` and ``estimated`` (the names estimated).
        residuals: ``y - fitted``.
    """

    fitted: FloatArray
    level: float
    trend: float | None
    season: FloatArray
    sse: float
    params: Mapping[str, Any]
    residuals: FloatArray = field(repr=False)

    @property
    def sigma(self) -> float:
        """Standard deviation of the one-step errors: ``sqrt(sse / (n - k))``.

        ``k`` counts the estimated parameters and initial states (at most ``n - 1``).
        """
        n = self.fitted.size
        k = min(len(self.params["estimated"]), n - 1)
        return math.sqrt(self.sse / (n - k))

    def forecast(self, h: int) -> FloatArray:
        r"""The point forecasts $\hat y_{T+1|T}, \dots, \hat y_{T+h|T}$ (FPP's equations).

        Examples:
            >>> fit = holt_winters([1.0, 3.0, 2.0], seasonal="add", period=3, alpha=0.5,
            ...                    gamma=0.5, initial_level=0.0,
            ...                    initial_seasonal=[1.1, 3.1, 2.1])
            >>> fit.forecast(3).round(4).tolist()
            [0.9625, 2.9875, 2.0]
        """
        steps = np.arange(1, _steps("h", h) + 1, dtype=np.float64)
        # --8<-- [start:forecast]
        base = self.level + (self.trend or 0.0) * steps  # l_T + h b_T
        m = self.season.size
        if m == 0:
            return base
        s = self.season[(np.arange(steps.size)) % m]  # s_{T+h-m(k+1)}, k = (h-1) // m
        return base + s if self.params["seasonal"] == "add" else base * s
        # --8<-- [end:forecast]

    def simulate(self, h: int, paths: int = 1000, *, seed: int | None = 0) -> FloatArray:
        """Sample paths of the next ``h`` values, shape ``(paths, h)``.

        Each step draws an additive Gaussian error with standard deviation `sigma`,
        adds it to the one-step forecast and updates the states with the same recursions
        as the fit (the innovations state-space form of FPP section 8.5).
        """
        h = _steps("h", h)
        n_paths = _steps("paths", paths, 1)
        p = self.params
        a, b, g = p["alpha"], p["beta"] or 0.0, p["gamma"] or 0.0
        rng = np.random.default_rng(seed)
        eps = rng.normal(0.0, self.sigma, size=(n_paths, h))
        lv = np.full(n_paths, self.level)
        tr = np.full(n_paths, self.trend or 0.0)
        season = [np.full(n_paths, s) for s in self.season]
        out = np.empty((n_paths, h))
        for k in range(h):
            q = lv + tr
            if not season:
                yk = q + eps[:, k]
                new_l = a * yk + (1 - a) * q
            else:
                s = season.pop(0)
                mult = p["seasonal"] == "mul"
                yk = (q * s if mult else q + s) + eps[:, k]
                new_l = a * (yk / s if mult else yk - s) + (1 - a) * q
                season.append(g * (yk / q if mult else yk - q) + (1 - g) * s)
            tr = b * (new_l - lv) + (1 - b) * tr if self.trend is not None else tr
            lv = new_l
            out[:, k] = yk
        return out

    def prediction_interval(
        self, h: int, level: float = 0.95, *, paths: int = 2000, seed: int | None = 0
    ) -> tuple[FloatArray, FloatArray]:
        """Simulated ``level`` prediction interval for the next ``h`` steps (lower, upper)."""
        lv = _level(level)
        sims = self.simulate(h, paths, seed=seed)
        lo, hi = np.quantile(sims, [(1 - lv) / 2, (1 + lv) / 2], axis=0)
        return lo, hi


def _heuristic_start(
    y: FloatArray, trend: bool, seasonal: Component | None, m: int
) -> tuple[float, float, list[float]]:
    """Initial states from the first seasons (the "simple" method of FPP section 8.3)."""
    if seasonal is None:
        l0 = float(y[0])
        b0 = float(y[1] - y[0]) if trend and y.size > 1 else 0.0
        return l0, b0, []
    first = y[:m]
    l0 = float(first.mean())
    b0 = float((y[m : 2 * m].mean() - l0) / m) if trend else 0.0
    s0 = (first - l0) if seasonal == "add" else first / l0
    return l0, b0, [float(v) for v in s0]


def holt_winters(
    y: Any,
    *,
    trend: Component | None = None,
    seasonal: Component | None = None,
    period: int | None = None,
    alpha: float | None = None,
    beta: float | None = None,
    gamma: float | None = None,
    initial_level: float | None = None,
    initial_trend: float | None = None,
    initial_seasonal: Sequence[float] | None = None,
) -> HoltWintersFit:
    r"""Fit Holt–Winters exponential smoothing (FPP form), estimating what is not given.

    With $q_t = \ell_{t-1} + b_{t-1}$ (FPP section 8.3, additive seasonality):
    $\hat y_{t|t-1} = q_t + s_{t-m}$,
    $\ell_t = \alpha (y_t - s_{t-m}) + (1-\alpha) q_t$,
    $b_t = \beta^* (\ell_t - \ell_{t-1}) + (1 - \beta^*) b_{t-1}$,
    $s_t = \gamma (y_t - q_t) + (1 - \gamma) s_{t-m}$; multiplicative seasonality divides
    where the additive form subtracts. Forecasts are
    $\hat y_{T+h|T} = \ell_T + h b_T + s_{T+h-m(k+1)}$ with $k = \lfloor (h-1)/m \rfloor$.

    Smoothing parameters and initial states left as ``None`` are estimated together by
    minimising the SSE (L-BFGS-B with an exact gradient) inside FPP's usual region
    $0 \le \alpha \le 1$, $0 \le \beta^* \le 1$, $0 \le \gamma \le 1 - \alpha$. When
    the level and the seasonal states are both estimated the seasonal states are
    normalised (they sum to 0, or average 1 for multiplicative seasonality), which
    removes a direction along which the SSE is flat. Given values are used as given.

    Args:
        y: the series, equally spaced, with no gaps (NaN) and, for multiplicative
            seasonality, positive.
        trend: ``"add"`` or ``None``.
        seasonal: ``"add"``, ``"mul"`` or ``None``.
        period: season length $m \ge 2$, required with ``seasonal``.
        alpha: level smoothing $\alpha$ in [0, 1].
        beta: trend smoothing $\beta^*$ in [0, 1] (with ``trend``).
        gamma: seasonal smoothing $\gamma$ in [0, 1] (with ``seasonal``).
        initial_level: $\ell_0$.
        initial_trend: $b_0$ (with ``trend``).
        initial_seasonal: $s_{1-m}, \dots, s_0$, the seasonal states of the first
            ``period`` observations (with ``seasonal``).

    Returns:
        A `HoltWintersFit`.

    Raises:
        ValueError: a gap (NaN) or infinite value, a non-positive value with
            multiplicative seasonality, fewer than two full seasons when the seasonal
            states must be estimated, a parameter outside its range, or an argument
            given for a component the model does not have.
        TypeError: an argument of the wrong type.

    Examples:
        >>> import numpy as np
        >>> t = np.arange(96)
        >>> y = 50 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12)
        >>> fit = holt_winters(y, trend="add", seasonal="add", period=12)
        >>> bool(fit.sse < 1e-6 * np.sum((y - y.mean()) ** 2))
        True
    """
    if trend not in (None, "add"):
        raise ValueError(f"trend must be 'add' or None, got {trend!r}")
    if seasonal not in (None, "add", "mul"):
        raise ValueError(f"seasonal must be 'add', 'mul' or None, got {seasonal!r}")
    data = _series(y, positive=seasonal == "mul", why="multiplicative seasonality")
    n = data.size
    has_trend = trend is not None
    if seasonal is None:
        if period is not None or gamma is not None or initial_seasonal is not None:
            raise ValueError("period, gamma and initial_seasonal need seasonal='add' or 'mul'")
        m = 0
    else:
        if period is None:
            raise ValueError(f"seasonal={seasonal!r} needs a period (the season length)")
        m = _steps("period", period, 2)
    if not has_trend and (beta is not None or initial_trend is not None):
        raise ValueError("beta and initial_trend need trend='add'")
    fixed_s: list[float] | None = None
    if initial_seasonal is not None:
        fixed_s = [
            float(v)
            for v in _series(
                initial_seasonal,
                "initial_seasonal",
                positive=seasonal == "mul",
                why="multiplicative seasonality",
            )
        ]
        if len(fixed_s) != m:
            raise ValueError(f"initial_seasonal must have period = {m} values, got {len(fixed_s)}")
    elif m and n < 2 * m:
        raise ValueError(
            f"y has {n} values, fewer than two full seasons of period {m} ({2 * m}): too "
            "few to estimate the initial seasonal states (give initial_seasonal or a "
            "longer series)"
        )
    if n < 2 and (initial_level is None or (has_trend and initial_trend is None)):
        raise ValueError(f"y has {n} value(s): too few to estimate the initial states")
    a_fix = None if alpha is None else _unit("alpha", alpha)
    b_fix = None if beta is None else _unit("beta", beta)
    g_fix = None if gamma is None else _unit("gamma", gamma)
    l_fix = None if initial_level is None else _real("initial_level", initial_level)
    b0_fix = None if initial_trend is None else _real("initial_trend", initial_trend)
    if seasonal == "mul" and l_fix is not None and l_fix <= 0:
        raise ValueError(
            f"initial_level must be > 0 with multiplicative seasonality, got {l_fix!r}"
        )

    l_h, b_h, s_h = _heuristic_start(data, has_trend, seasonal, m)
    l0 = l_h if l_fix is None else l_fix
    b0 = b_h if b0_fix is None else b0_fix
    s0 = s_h if fixed_s is None else fixed_s
    if fixed_s is None and l_fix is not None and m:  # the level is fixed: re-centre on it
        s0 = [float(v) for v in (data[:m] - l0 if seasonal == "add" else data[:m] / l0)]

    estimated = [
        name
        for name, free in (
            ("alpha", a_fix is None),
            ("beta", has_trend and b_fix is None),
            ("gamma", bool(m) and g_fix is None),
            ("initial_level", l_fix is None),
            ("initial_trend", has_trend and b0_fix is None),
        )
        if free
    ] + ([f"initial_seasonal.{j}" for j in range(m)] if m and fixed_s is None else [])
    ys = data.tolist()
    if estimated:
        a, b, g, l0, b0, s0 = _estimate(
            ys,
            a_fix,
            b_fix,
            g_fix,
            l0,
            b0,
            s0,
            l_fix is None,
            b0_fix is None,
            fixed_s is None,
            has_trend,
            seasonal,
        )
    else:
        a, b, g = a_fix or 0.0, b_fix or 0.0, g_fix or 0.0
        assert a_fix is not None
    err, lv, tr, se = _smooth(ys, a, b, g, l0, b0, s0, has_trend, seasonal)
    errors = np.asarray(err)
    params = MappingProxyType(
        {
            "alpha": a,
            "beta": b if has_trend else None,
            "gamma": g if m else None,
            "initial_level": l0,
            "initial_trend": b0 if has_trend else None,
            "initial_seasonal": tuple(s0) if m else None,
            "trend": trend,
            "seasonal": seasonal,
            "period": m or None,
            "estimated": tuple(estimated),
        }
    )
    return HoltWintersFit(
        fitted=data - errors,
        level=lv[-1],
        trend=tr[-1] if has_trend else None,
        season=np.asarray(se[n:], dtype=np.float64) if m else np.empty(0),
        sse=math.fsum(e * e for e in err),
        params=params,
        residuals=errors,
    )


def _estimate(
    ys: list[float],
    a_fix: float | None,
    b_fix: float | None,
    g_fix: float | None,
    l0: float,
    b0: float,
    s0: list[float],
    free_l: bool,
    free_b: bool,
    free_s: bool,
    trend: bool,
    seasonal: Component | None,
) -> tuple[float, float, float, float, float, list[float]]:
    """Minimise the SSE over the free parameters (see `holt_winters`)."""
    m = len(s0)
    free_b = free_b and trend
    free_s = free_s and m > 0
    mul = seasonal == "mul"
    # Normalise the seasonal states when the level is free too: the SSE is flat along
    # (l0 + c, s - c) (additive) or (c l0, c b0, s / c) (multiplicative).
    normalise = free_s and free_l and (not mul or not trend or free_b)
    if normalise:
        centre = sum(s0) / m
        if mul:
            l0, b0, s0 = l0 * centre, b0 * centre, [v / centre for v in s0]
        else:
            l0, s0 = l0 + centre, [v - centre for v in s0]
    y = np.asarray(ys)
    sd = float(y.std()) or 1.0
    # States are optimised as (state - start) / scale, so that every coordinate moves
    # on a scale near 1, as the smoothing parameters do.
    starts = ([l0] if free_l else []) + ([b0] if free_b else [])
    scales = ([sd] if free_l else []) + ([float(np.diff(y).std()) or sd] if free_b else [])
    n_s = (m - 1 if normalise else m) if free_s else 0
    starts += s0[:n_s]
    scales += [sd / abs(float(y.mean())) if mul else sd] * n_s
    x0, xs = np.asarray(starts), np.asarray(scales)
    flags = (a_fix is None, trend and b_fix is None, bool(m) and g_fix is None)
    n_unit = sum(flags)
    total = max(float(np.sum((y - y.mean()) ** 2)), 1e-300)

    def unpack(u: FloatArray) -> tuple[float, float, float, float, float, list[float]]:
        it = iter(u[:n_unit].tolist())
        ua = next(it) if flags[0] else 0.0
        ub = next(it) if flags[1] else 0.0
        ug = next(it) if flags[2] else 0.0
        # FPP's usual region, gamma <= 1 - alpha, by scaling whichever is free
        a = (ua * (1 - g_fix) if g_fix is not None else ua) if a_fix is None else a_fix
        b = ub if b_fix is None else b_fix
        g = (ug * (1 - a) if g_fix is None else g_fix) if m else 0.0
        st = (x0 + xs * u[n_unit:]).tolist()
        l_ = st.pop(0) if free_l else l0
        bb = st.pop(0) if free_b else b0
        if not free_s:
            return a, b, g, l_, bb, s0
        if normalise:
            st.append((m - sum(st)) if mul else -sum(st))
        return a, b, g, l_, bb, st

    def objective(u: FloatArray) -> tuple[float, FloatArray]:
        a, b, g, l_, bb, s = unpack(u)
        bad = (1e3, np.zeros_like(u))
        if mul and (min(s) <= 0 or l_ <= 0):
            return bad
        try:
            sse, grad = _sse_grad(ys, a, b, g, l_, bb, s, trend, seasonal)
        except ZeroDivisionError:
            return bad
        if not math.isfinite(sse):
            return bad
        da, db, dg, dl, dbb, *ds = grad
        out: list[float] = []
        if flags[0]:  # alpha = u_a (or u_a (1 - g_fix)); a free gamma = u_g (1 - alpha)
            ug = g / (1 - a) if flags[2] and a < 1 else 0.0
            out.append((da - dg * ug) * ((1 - g_fix) if g_fix is not None else 1.0))
        if flags[1]:
            out.append(db)
        if flags[2]:
            out.append(dg * (1 - a))
        dstates = ([dl] if free_l else []) + ([dbb] if free_b else [])
        if free_s:
            dstates += [d - ds[-1] for d in ds[:-1]] if normalise else ds
        out.extend((np.asarray(dstates) * xs).tolist())
        return sse / total, np.asarray(out) / total

    def sse_only(u: FloatArray) -> float:
        a, b, g, l_, bb, s = unpack(u)
        try:
            err = _smooth(ys, a, b, g, l_, bb, s, trend, seasonal)[0]
        except ZeroDivisionError:
            return math.inf
        return math.fsum(e * e for e in err)

    # --8<-- [start:estimate]
    grids = (
        [0.05, 0.2, 0.5, 0.8, 0.99] if flags[0] else [None],
        [0.01, 0.1, 0.5, 0.99] if flags[1] else [None],
        [0.01, 0.1, 0.4, 0.8] if flags[2] else [None],
    )
    tail = [0.0] * x0.size
    tried = []
    for ga in grids[0]:
        for gb in grids[1]:
            for gg in grids[2]:
                u = np.asarray([v for v in (ga, gb, gg) if v is not None] + tail)
                tried.append((sse_only(u), u))
    tried.sort(key=lambda c: c[0])
    lower = [0.0] * n_unit + [
        (1e-9 - x) / sc if mul and j >= x0.size - n_s else None
        for j, (x, sc) in enumerate(zip(x0, xs))
    ]
    bounds = list(zip(lower, [1.0] * n_unit + [None] * x0.size))

    def search(u0: FloatArray, iterations: int) -> Any:
        options = {**_OPTIONS, "maxiter": iterations}
        return optimize.minimize(
            objective, u0, jac=True, method=_METHOD, bounds=bounds, options=options
        )

    # a short search from each of the three best starts, then the best one to the end
    scout = min((search(u0, 40) for _, u0 in tried[:3]), key=lambda r: float(r.fun))
    best = search(np.asarray(scout.x), _OPTIONS["maxiter"])
    # --8<-- [end:estimate]
    return unpack(np.asarray(best.x))


# ----------------------------------------------------------------------------- trends


@dataclass(frozen=True)
class TrendFit:
    r"""A least-squares line $y = a + b t$ (or $\log y = a + b t$ when ``log``).

    Attributes:
        intercept: $a$.
        slope: $b$ per unit of ``t``.
        sigma: residual standard deviation $\hat\sigma$ (on the log scale when ``log``).
        n: observations.
        t_mean: mean of ``t``.
        sxx: $\sum (t_i - \bar t)^2$.
        t_last: the last observed ``t``.
        log: whether the line was fitted to $\log y$.
    """

    intercept: float
    slope: float
    sigma: float
    n: int
    t_mean: float
    sxx: float
    t_last: float
    log: bool = False

    def forecast(self, t: Any) -> FloatArray:
        """The fitted line at ``t`` (for ``log``, $e^{a + b t}$: the median forecast)."""
        tt = np.asarray(t, dtype=np.float64)
        line = self.intercept + self.slope * tt
        return np.exp(line) if self.log else line

    def prediction_interval(self, t: Any, level: float = 0.95) -> tuple[FloatArray, FloatArray]:
        r"""Analytic prediction interval for a new observation at ``t``.

        $\hat y(t) \pm t_{n-2,(1+\text{level})/2}\,\hat\sigma
        \sqrt{1 + 1/n + (t - \bar t)^2 / S_{xx}}$, exponentiated when ``log``.
        """
        tt = np.asarray(t, dtype=np.float64)
        # --8<-- [start:interval]
        q = stats.t.ppf((1 + _level(level)) / 2, self.n - 2)
        se = self.sigma * np.sqrt(1 + 1 / self.n + (tt - self.t_mean) ** 2 / self.sxx)
        line = self.intercept + self.slope * tt
        lo, hi = line - q * se, line + q * se
        # --8<-- [end:interval]
        return (np.exp(lo), np.exp(hi)) if self.log else (lo, hi)


def _times(t: Any, n: int) -> FloatArray:
    if t is None:
        return np.arange(n, dtype=np.float64)
    tt = _series(t, "t")
    if tt.size != n:
        raise ValueError(f"t has {tt.size} values but y has {n}")
    if np.any(np.diff(tt) <= 0):
        i = int(np.flatnonzero(np.diff(tt) <= 0)[0]) + 1
        raise ValueError(f"t must be strictly increasing, but t[{i}] = {tt[i]!r} <= t[{i - 1}]")
    return tt


def _line(t: FloatArray, z: FloatArray, log: bool) -> TrendFit:
    if t.size < 3:
        raise ValueError(f"a trend needs at least 3 observations, got {t.size}")
    tm = float(t.mean())
    sxx = float(np.sum((t - tm) ** 2))
    slope = float(np.sum((t - tm) * (z - z.mean())) / sxx)
    intercept = float(z.mean() - slope * tm)
    resid = z - (intercept + slope * t)
    sigma = math.sqrt(float(np.sum(resid**2)) / (t.size - 2))
    return TrendFit(intercept, slope, sigma, int(t.size), tm, sxx, float(t[-1]), log)


def linear_trend(y: Any, t: Any = None) -> TrendFit:
    """Fit $y = a + b t$ by least squares.

    Args:
        y: observations (finite), at least 3.
        t: their times, strictly increasing (default ``0, 1, ...``).

    Examples:
        >>> fit = linear_trend([1.0, 2.1, 2.9, 4.2])
        >>> round(fit.slope, 3), round(float(fit.forecast(4)), 3)
        (1.04, 5.15)
    """
    z = _series(y)
    return _line(_times(t, z.size), z, log=False)


def log_linear_trend(y: Any, t: Any = None) -> TrendFit:
    r"""Fit $\log y = a + b t$: constant relative growth $e^b - 1$ per unit of ``t``.

    Examples:
        >>> fit = log_linear_trend([100.0, 110.0, 121.0, 133.1])
        >>> round(math.exp(fit.slope) - 1, 6)
        0.1
    """
    z = _series(y, positive=True, why="a log-linear trend")
    return _line(_times(t, z.size), np.log(z), log=True)


# ----------------------------------------------------------------------------- growth curves


@dataclass(frozen=True, eq=False)
class GrowthFit:
    """A growth curve fitted by non-linear least squares.

    Attributes:
        model: ``"exponential"`` ($a e^{r t}$) or ``"logistic"``
            ($K / (1 + e^{-r (t - t_0)})$).
        params: the parameters by name (``a``, ``r``; or ``K``, ``r``, ``t0``).
        covariance: their estimated covariance matrix (in the order of ``params``).
        sse: sum of squared residuals.
        t_last: the last observed ``t``.
    """

    model: Literal["exponential", "logistic"]
    params: Mapping[str, float]
    covariance: FloatArray
    sse: float
    t_last: float

    def forecast(self, t: Any) -> FloatArray:
        """The curve at ``t``."""
        return _curve(self.model)(np.asarray(t, dtype=np.float64), *self.params.values())


def _exp_curve(t: FloatArray, a: float, r: float) -> FloatArray:
    out: FloatArray = a * np.exp(r * t)
    return out


def _logistic_curve(t: FloatArray, k: float, r: float, t0: float) -> FloatArray:
    out: FloatArray = k / (1.0 + np.exp(-r * (t - t0)))
    return out


def _curve(model: str) -> Callable[..., FloatArray]:
    return _exp_curve if model == "exponential" else _logistic_curve


def _nls(
    model: Literal["exponential", "logistic"],
    t: FloatArray,
    z: FloatArray,
    p0: list[float],
    names: tuple[str, ...],
) -> GrowthFit:
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            p, cov = optimize.curve_fit(_curve(model), t, z, p0=p0, maxfev=20_000)
        except RuntimeError as error:
            raise ValueError(
                f"the {model} curve did not converge on this series: {error}"
            ) from None
    resid = z - _curve(model)(t, *p)
    return GrowthFit(
        model=model,
        params=MappingProxyType(dict(zip(names, (float(v) for v in p)))),
        covariance=np.asarray(cov, dtype=np.float64),
        sse=float(np.sum(resid**2)),
        t_last=float(t[-1]),
    )


def exponential_growth(y: Any, t: Any = None) -> GrowthFit:
    """Fit $y = a e^{r t}$ by least squares on the original scale.

    Unlike `log_linear_trend`, which minimises relative errors, this weighs recent, large
    values most. The log-linear fit is the starting point.

    Examples:
        >>> import numpy as np
        >>> fit = exponential_growth(3.0 * np.exp(0.05 * np.arange(40)))
        >>> round(fit.params["a"], 6), round(fit.params["r"], 6)
        (3.0, 0.05)
    """
    z = _series(y, positive=True, why="an exponential growth fit")
    tt = _times(t, z.size)
    if z.size < 3:
        raise ValueError(f"a growth curve needs at least 3 observations, got {z.size}")
    start = _line(tt, np.log(z), log=True)
    return _nls("exponential", tt, z, [math.exp(start.intercept), start.slope], ("a", "r"))


def logistic_growth(y: Any, t: Any = None) -> GrowthFit:
    """Fit the logistic curve $y = K / (1 + e^{-r (t - t_0)})$: growth that saturates at $K$.

    Examples:
        >>> import numpy as np
        >>> t = np.arange(60.0)
        >>> fit = logistic_growth(1000 / (1 + np.exp(-0.2 * (t - 30))), t)
        >>> {k: round(v, 4) for k, v in fit.params.items()}
        {'K': 1000.0, 'r': 0.2, 't0': 30.0}
    """
    z = _series(y, positive=True, why="a logistic growth fit")
    tt = _times(t, z.size)
    if z.size < 4:
        raise ValueError(f"a logistic curve needs at least 4 observations, got {z.size}")
    k0 = 2.0 * float(z.max())
    # the logit of y / K is linear in t: a start for r and t0
    start = _line(tt, np.log(z / (k0 - z)), log=False)
    r0 = start.slope if start.slope > 0 else 1.0 / float(tt[-1] - tt[0])
    t00 = -start.intercept / start.slope if start.slope > 0 else float(tt[-1])
    return _nls("logistic", tt, z, [k0, r0, t00], ("K", "r", "t0"))


# ----------------------------------------------------------------------------- time to capacity


@dataclass(frozen=True)
class CapacityCrossing:
    """When a forecast reaches a capacity, with an interval.

    Times are in the model's units: steps after the last observation for
    `HoltWintersFit` (1 = the next step); the ``t`` axis of the fit for `TrendFit` and
    `GrowthFit`. ``inf`` means "not within the horizon".

    Attributes:
        capacity: the limit.
        expected: when the point forecast first reaches it.
        low: the early end of the interval (the pessimistic date).
        high: the late end of the interval.
        level: the interval's coverage.
        probability: probability of reaching the capacity within the horizon.
        method: ``"bands"``, ``"simulation"`` or ``"parameters"``.
    """

    capacity: float
    expected: float
    low: float
    high: float
    level: float
    probability: float
    method: str


def _first_crossing(times: FloatArray, values: FloatArray, capacity: float) -> float:
    """First time a sampled curve reaches ``capacity`` (linear interpolation), or inf."""
    above = np.flatnonzero(values >= capacity)
    if above.size == 0:
        return math.inf
    i = int(above[0])
    if i == 0:
        return float(times[0])
    t0, t1, v0, v1 = times[i - 1], times[i], values[i - 1], values[i]
    return float(t0 + (capacity - v0) / (v1 - v0) * (t1 - t0))


def time_to_capacity(
    model: HoltWintersFit | TrendFit | GrowthFit,
    capacity: float,
    horizon: float,
    *,
    level: float = 0.8,
    paths: int = 2000,
    seed: int | None = 0,
) -> CapacityCrossing:
    """When does the forecast reach ``capacity``, and how sure is that date?

    * `TrendFit`: the point forecast's crossing, and the crossings of the upper band
      (early end) and of the lower band (late end) of the ``level`` prediction interval.
    * `HoltWintersFit`: the quantiles of the first crossing step over ``paths``
      simulated futures (`HoltWintersFit.simulate`); paths that never cross count as
      ``inf``, so an interval end can be ``inf``.
    * `GrowthFit`: the quantiles of the crossing time over parameters drawn from their
      estimated sampling distribution (normal, with the fit's covariance).

    Args:
        model: a fit from this module.
        capacity: the limit, in the series' units.
        horizon: how far to look: steps for Holt–Winters, ``t`` units after the last
            observation for the others.
        level: coverage of the interval, in (0, 1).
        paths: simulated paths or parameter draws.
        seed: seed of the simulation.

    Examples:
        >>> fit = linear_trend([100.0, 110.0, 119.0, 131.0, 140.0, 150.0])
        >>> c = time_to_capacity(fit, 200.0, horizon=20)
        >>> round(c.expected, 2), c.low < c.expected < c.high
        (9.96, True)
    """
    cap = _positive("capacity", capacity)
    span = _positive("horizon", horizon)
    lv = _level(level)
    n_paths = _steps("paths", paths, 10)
    lo_q, hi_q = (1 - lv) / 2, (1 + lv) / 2
    if isinstance(model, HoltWintersFit):
        h = max(1, math.ceil(span))
        steps = np.arange(1, h + 1, dtype=np.float64)
        sims = model.simulate(h, n_paths, seed=seed)
        # --8<-- [start:crossing_sim]
        hit = sims >= cap
        first = np.where(hit.any(axis=1), hit.argmax(axis=1) + 1.0, np.inf)  # step index
        low, high = np.quantile(first, [lo_q, hi_q], method="inverted_cdf")
        # --8<-- [end:crossing_sim]
        expected = _first_crossing(steps, model.forecast(h), cap)
        prob = float(np.mean(np.isfinite(first)))
        return CapacityCrossing(
            cap,
            math.ceil(expected) if math.isfinite(expected) else math.inf,
            float(low),
            float(high),
            lv,
            prob,
            "simulation",
        )
    if isinstance(model, TrendFit):
        grid = np.linspace(model.t_last, model.t_last + span, 4001)
        lo_band, hi_band = model.prediction_interval(grid, lv)
        expected = _first_crossing(grid, model.forecast(grid), cap)
        q = stats.t.ppf((1 + lv) / 2, model.n - 2)
        return CapacityCrossing(
            cap,
            expected,
            _first_crossing(grid, hi_band, cap),
            _first_crossing(grid, lo_band, cap),
            lv,
            _probability_by(model, cap, model.t_last + span, q),
            "bands",
        )
    if isinstance(model, GrowthFit):
        grid = np.linspace(model.t_last, model.t_last + span, 2001)
        expected = _first_crossing(grid, model.forecast(grid), cap)
        rng = np.random.default_rng(seed)
        mean = np.asarray(list(model.params.values()))
        cov = (
            model.covariance
            if np.all(np.isfinite(model.covariance))
            else np.zeros((mean.size, mean.size))
        )
        draws = rng.multivariate_normal(mean, cov, size=n_paths, method="eigh")
        f = _curve(model.model)
        with np.errstate(over="ignore", invalid="ignore"):
            times = np.array([_first_crossing(grid, f(grid, *d), cap) for d in draws])
        low, high = np.quantile(times, [lo_q, hi_q], method="inverted_cdf")
        return CapacityCrossing(
            cap,
            expected,
            float(low),
            float(high),
            lv,
            float(np.mean(np.isfinite(times))),
            "parameters",
        )
    raise TypeError(
        f"model must be a HoltWintersFit, TrendFit or GrowthFit, got {type(model).__name__}"
    )


def _probability_by(model: TrendFit, cap: float, t: float, q: float) -> float:
    """P(a new observation at ``t`` is >= ``cap``) under the fit's t distribution."""
    z = math.log(cap) if model.log else cap
    se = model.sigma * math.sqrt(1 + 1 / model.n + (t - model.t_mean) ** 2 / model.sxx)
    centre = model.intercept + model.slope * t
    if se == 0:
        return float(centre >= z)
    return float(stats.t.sf((z - centre) / se, model.n - 2))
