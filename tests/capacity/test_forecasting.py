"""Tests for otlpkb.capacity.forecasting (chapter 7.1, Capacity forecasting).

External checks:
* statsmodels' ``ExponentialSmoothing`` (statsmodels.tsa.holtwinters) on its own shipped
  data sets ``co2`` (monthly Mauna Loa CO2) and ``nile`` (annual Nile flow), with fixed
  parameters and known initial states: fitted values, final states, SSE and forecasts
  agree to 1e-9, except at horizons that are multiples of the period, where statsmodels
  0.15.0 and earlier reuse the previous season's state: statsmodels issue #9538, fixed by
  pull request #10230 after the 0.15.0 release. Our forecast follows FPP 3rd ed. eq. 8.3
  (``s_{T+h-m(k+1)}``);
* statsmodels' own estimates plugged back in (SSE equal), and our estimated SSE never
  worse than statsmodels' (to 1e-6 relative);
* the analytic forecast variance of ETS(A,A,A) and ETS(A,N,N) in FPP 3rd ed., Table 8.8,
  against the simulated paths;
* statsmodels OLS prediction intervals (``get_prediction().summary_frame``) and
  scipy.stats.linregress for the linear trend.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import statsmodels
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats
from statsmodels.datasets import co2, nile
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from kbtest import SCALE
from otlpkb.capacity.forecasting import (
    CapacityCrossing,
    GrowthFit,
    HoltWintersFit,
    TrendFit,
    _sse_grad,
    exponential_growth,
    holt_winters,
    linear_trend,
    log_linear_trend,
    logistic_growth,
    time_to_capacity,
)

CO2 = co2.load_pandas().data["co2"].resample("MS").mean().ffill().to_numpy()
NILE = nile.load_pandas().data["volume"].to_numpy(dtype=float)
SM_VERSION = tuple(int(p) for p in statsmodels.__version__.split(".")[:2])


def _sm(y, trend, seasonal, m, init, alpha, beta, gamma):
    model = ExponentialSmoothing(
        y, trend=trend, seasonal=seasonal, seasonal_periods=m,
        initialization_method="known", **init,
    )
    return model.fit(smoothing_level=alpha, smoothing_trend=beta, smoothing_seasonal=gamma,
                     optimized=False)


CASES = [
    (None, None), ("add", None), (None, "add"), ("add", "add"), (None, "mul"), ("add", "mul"),
]


@pytest.mark.parametrize(("trend", "seasonal"), CASES)
def test_statsmodels_agrees_on_co2_with_fixed_parameters(trend, seasonal):
    m = 12 if seasonal else None
    first = CO2[:12]
    init = {"initial_level": float(first.mean())}
    if trend:
        init["initial_trend"] = 0.11
    if seasonal == "add":
        init["initial_seasonal"] = list(first - first.mean())
    elif seasonal == "mul":
        init["initial_seasonal"] = list(first / first.mean())
    alpha, beta, gamma = 0.45, (0.07 if trend else None), (0.2 if seasonal else None)
    ours = holt_winters(CO2, trend=trend, seasonal=seasonal, period=m, alpha=alpha, beta=beta,
                        gamma=gamma, **init)
    sm = _sm(CO2, trend, seasonal, m, init, alpha, beta, gamma)
    np.testing.assert_allclose(ours.fitted, sm.fittedvalues, rtol=0, atol=1e-9)
    assert ours.sse == pytest.approx(sm.sse, rel=1e-12)
    assert ours.level == pytest.approx(sm.level[-1], abs=1e-9)
    if trend:
        assert ours.trend == pytest.approx(sm.trend[-1], abs=1e-9)
    else:
        assert ours.trend is None
    h = 40
    ours_f, sm_f = ours.forecast(h), sm.forecast(h)
    if seasonal:
        np.testing.assert_allclose(ours.season, sm.season[-12:], atol=1e-9)
        off = np.arange(1, h + 1) % 12 != 0  # horizons that are not multiples of m
        np.testing.assert_allclose(ours_f[off], sm_f[off], atol=1e-9)
    else:
        np.testing.assert_allclose(ours_f, sm_f, atol=1e-9)


def test_statsmodels_agrees_on_nile_level_and_trend():
    for trend in (None, "add"):
        init = {"initial_level": 1120.0}
        if trend:
            init["initial_trend"] = -2.0
        ours = holt_winters(NILE, trend=trend, alpha=0.25, beta=0.1 if trend else None, **init)
        sm = _sm(NILE, trend, None, None, init, 0.25, 0.1 if trend else None, None)
        np.testing.assert_allclose(ours.fitted, sm.fittedvalues, atol=1e-9)
        np.testing.assert_allclose(ours.forecast(10), sm.forecast(10), atol=1e-9)


def test_statsmodels_issue_9538_seasonal_state_at_multiples_of_the_period():
    # The example of statsmodels issue #9538: m = 3, y = [1, 3, 2], known states.
    init = {"initial_level": 0.0, "initial_seasonal": [1.1, 3.1, 2.1]}
    ours = holt_winters([1.0, 3.0, 2.0], seasonal="add", period=3, alpha=0.5, gamma=0.5, **init)
    # FPP: y_{T+h|T} = l_T + s_{T+h-m(k+1)}; for h = 3 that is l_T + s_T, the last state
    # computed in the sample, by hand: l_3 = -0.0875, s_3 = 0.5 (2 - (-0.075)) + 0.5 (2.1)
    assert ours.level == pytest.approx(-0.0875, abs=1e-12)
    assert ours.season[-1] == pytest.approx(2.0875, abs=1e-12)
    assert ours.forecast(6).tolist() == pytest.approx([0.9625, 2.9875, 2.0] * 2, abs=1e-12)
    sm = _sm(np.array([1.0, 3.0, 2.0]), None, "add", 3, init, 0.5, None, 0.5)
    sm_f = sm.forecast(6)
    if SM_VERSION <= (0, 15):  # the bug: h = 3 and 6 reuse s_0 = 2.1 instead of s_3
        assert sm_f[2] == pytest.approx(-0.0875 + 2.1, abs=1e-12)
        assert sm_f[5] == pytest.approx(-0.0875 + 2.1, abs=1e-12)
        assert abs(sm_f[2] - ours.forecast(3)[2]) == pytest.approx(0.0125, abs=1e-12)
    else:  # pragma: no cover - a release with pull request #10230
        np.testing.assert_allclose(sm_f, ours.forecast(6), atol=1e-12)
    np.testing.assert_allclose(sm_f[[0, 1, 3, 4]], ours.forecast(6)[[0, 1, 3, 4]], atol=1e-12)


@pytest.mark.parametrize(("trend", "seasonal"), [("add", None), ("add", "add"), ("add", "mul")])
def test_estimated_fit_is_never_worse_than_statsmodels(trend, seasonal):
    m = 12 if seasonal else None
    ours = holt_winters(CO2, trend=trend, seasonal=seasonal, period=m)
    sm = ExponentialSmoothing(CO2, trend=trend, seasonal=seasonal, seasonal_periods=m,
                              initialization_method="estimated").fit()
    assert ours.sse <= sm.sse * (1 + 1e-6)
    # our estimates, replayed by statsmodels, give our SSE: the SSE is the same function
    p = ours.params
    init = {"initial_level": p["initial_level"]}
    if trend:
        init["initial_trend"] = p["initial_trend"]
    if seasonal:
        init["initial_seasonal"] = list(p["initial_seasonal"])
    replay = _sm(CO2, trend, seasonal, m, init, p["alpha"], p["beta"], p["gamma"])
    assert replay.sse == pytest.approx(ours.sse, rel=1e-9)
    assert 0 <= p["alpha"] <= 1 and (p["gamma"] or 0) <= 1 - p["alpha"] + 1e-12


def test_given_values_are_used_as_given():
    fit = holt_winters(CO2, trend="add", seasonal="add", period=12, alpha=0.3, gamma=0.1)
    assert fit.params["alpha"] == 0.3 and fit.params["gamma"] == 0.1
    assert "alpha" not in fit.params["estimated"] and "beta" in fit.params["estimated"]
    s = fit.params["initial_seasonal"]
    assert sum(s) == pytest.approx(0.0, abs=1e-9)  # normalised: level and season both free


@settings(max_examples=25 * SCALE, deadline=None)
@given(
    a=st.floats(0.05, 0.95), b=st.floats(0.05, 0.95), g=st.floats(0.05, 0.9),
    seasonal=st.sampled_from([None, "add", "mul"]), trend=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_adjoint_gradient_matches_finite_differences(a, b, g, seasonal, trend, seed):
    rng = np.random.default_rng(seed)
    m = 4 if seasonal else 0
    y = (50 + rng.normal(0, 2, 30) + np.arange(30) * 0.3).tolist()
    s0 = list(rng.normal(0, 1, m)) if seasonal == "add" else list(rng.uniform(0.9, 1.1, m))
    x = [a, b, g, 50.0, 0.2, *s0]

    def f(v):
        return _sse_grad(y, *v[:5], v[5:], trend, seasonal)[0]

    _, grad = _sse_grad(y, *x[:5], x[5:], trend, seasonal)
    for i in range(len(x)):
        if (i == 1 and not trend) or (i == 2 and not seasonal) or (i == 4 and not trend):
            assert grad[i] == 0.0
            continue
        eps = 1e-6 * max(1.0, abs(x[i]))
        up, dn = list(x), list(x)
        up[i] += eps
        dn[i] -= eps
        numeric = (f(up) - f(dn)) / (2 * eps)
        assert grad[i] == pytest.approx(numeric, rel=1e-4, abs=1e-5), i


def _fpp_variance(alpha, beta_star, gamma, m, sigma2, h, trend, seasonal):
    """FPP 3rd ed. Table 8.8; ETS beta = alpha * beta_star."""
    beta = alpha * beta_star
    k = (h - 1) // m if m else 0
    var = 1 + (h - 1) * alpha**2
    if trend:
        var = 1 + (h - 1) * (alpha**2 + alpha * beta * h + beta**2 * h * (2 * h - 1) / 6)
    if seasonal:
        extra = gamma * k * (2 * alpha + gamma)
        if trend:
            extra = gamma * k * (2 * alpha + gamma + beta * m * (k + 1))
        var += extra
    return sigma2 * var


@pytest.mark.parametrize(("trend", "seasonal"), [(None, None), ("add", "add")])
def test_simulated_paths_have_the_fpp_forecast_variance(trend, seasonal):
    rng = np.random.default_rng(7)
    t = np.arange(96)
    y = 100 + 0.5 * t + 8 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 2, t.size)
    m = 12 if seasonal else None
    fit = holt_winters(y, trend=trend, seasonal=seasonal, period=m, alpha=0.4,
                       beta=0.2 if trend else None, gamma=0.3 if seasonal else None,
                       initial_level=100.0, initial_trend=0.5 if trend else None,
                       initial_seasonal=list(8 * np.sin(2 * np.pi * np.arange(12) / 12))
                       if seasonal else None)
    sims = fit.simulate(30, paths=40_000, seed=1)
    for h in (1, 5, 12, 13, 25, 30):
        want = _fpp_variance(0.4, 0.2, 0.3, m, fit.sigma**2, h, trend, seasonal)
        assert sims[:, h - 1].var() == pytest.approx(want, rel=0.04), h
    np.testing.assert_allclose(sims.mean(axis=0), fit.forecast(30), atol=0.15 * fit.sigma * 6)


def test_linear_trend_matches_statsmodels_ols_prediction_intervals():
    import scipy.stats
    import statsmodels.api as sm

    t = np.arange(len(NILE), dtype=float)
    fit = linear_trend(NILE, t)
    ref = scipy.stats.linregress(t, NILE)
    assert fit.slope == pytest.approx(ref.slope) and fit.intercept == pytest.approx(ref.intercept)
    ols = sm.OLS(NILE, sm.add_constant(t)).fit()
    new = np.array([100.0, 120.0, 150.0])
    frame = ols.get_prediction(sm.add_constant(new)).summary_frame(alpha=0.1)
    lo, hi = fit.prediction_interval(new, level=0.9)
    np.testing.assert_allclose(lo, frame["obs_ci_lower"], rtol=1e-10)
    np.testing.assert_allclose(hi, frame["obs_ci_upper"], rtol=1e-10)


def test_log_linear_and_growth_curves_recover_known_parameters():
    t = np.arange(50.0)
    assert math.exp(log_linear_trend(200 * 1.02**t).slope) == pytest.approx(1.02)
    fit = exponential_growth(7.0 * np.exp(0.03 * t), t)
    assert isinstance(fit, GrowthFit)
    assert fit.params["a"] == pytest.approx(7.0) and fit.params["r"] == pytest.approx(0.03)
    y = 5000 / (1 + np.exp(-0.15 * (t - 25))) * (1 + 0.01 * np.sin(t))
    lg = logistic_growth(y, t)
    assert lg.params["K"] == pytest.approx(5000, rel=0.01)
    assert lg.params["t0"] == pytest.approx(25, abs=0.5)


def test_time_to_capacity_for_a_line_uses_its_bands():
    rng = np.random.default_rng(3)
    t = np.arange(60.0)
    y = 1000 + 20 * t + rng.normal(0, 30, t.size)
    fit = linear_trend(y, t)
    c = time_to_capacity(fit, 3000.0, horizon=100, level=0.9)
    assert isinstance(c, CapacityCrossing) and c.method == "bands"
    assert c.expected == pytest.approx((3000 - fit.intercept) / fit.slope, abs=0.05)
    lo, hi = fit.prediction_interval([c.low, c.high], 0.9)
    assert hi[0] == pytest.approx(3000, abs=1.0)  # the upper band reaches it first
    assert lo[1] == pytest.approx(3000, abs=1.0)  # the lower band last
    assert c.low < c.expected < c.high and 0.9 < c.probability <= 1
    never = time_to_capacity(fit, 1e6, horizon=100)
    assert math.isinf(never.expected) and never.probability < 1e-6


def test_time_to_capacity_for_holt_winters_by_simulation():
    t = np.arange(120.0)
    rng = np.random.default_rng(5)
    y = 100 + 1.0 * t + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1.0, t.size)
    fit = holt_winters(y, trend="add", seasonal="add", period=12)
    c = time_to_capacity(fit, 300.0, horizon=200, level=0.8, paths=500, seed=1)
    first = int(np.argmax(fit.forecast(200) >= 300.0)) + 1
    assert c.expected == first and c.method == "simulation"
    assert c.low <= c.expected <= c.high and c.probability == 1.0
    loose = time_to_capacity(fit, 300.0, horizon=200, level=0.98, paths=500, seed=1)
    assert loose.low <= c.low and loose.high >= c.high


def test_growth_crossing_uses_parameter_uncertainty():
    t = np.arange(40.0)
    rng = np.random.default_rng(2)
    y = 50 * np.exp(0.04 * t) * rng.lognormal(0, 0.03, t.size)
    fit = exponential_growth(y, t)
    c = time_to_capacity(fit, 500.0, horizon=60, seed=0)
    assert c.method == "parameters" and c.low < c.expected < c.high
    assert c.expected == pytest.approx(math.log(500 / fit.params["a"]) / fit.params["r"],
                                       abs=0.05)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"y": [1.0, 2.0, float("nan"), 4.0] * 6}, r"y\[2\] is nan.*gap"),
        ({"y": [1.0, 0.0, 2.0, 3.0] * 6, "seasonal": "mul", "period": 4},
         r"y\[1\] = 0.0 is not positive: multiplicative"),
        ({"y": [1.0, 2.0, 3.0] * 3, "seasonal": "add", "period": 6},
         "fewer than two full seasons"),
        ({"y": [1.0] * 30, "seasonal": "add"}, "needs a period"),
        ({"y": [1.0] * 30, "alpha": 1.5}, r"alpha must be in \[0, 1\]"),
        ({"y": [1.0] * 30, "beta": 0.2}, "beta and initial_trend need trend='add'"),
        ({"y": [1.0] * 30, "trend": "mul"}, "trend must be 'add' or None"),
        ({"y": [1.0] * 8, "seasonal": "add", "period": 4, "initial_seasonal": [0.0] * 3},
         "initial_seasonal must have period = 4 values"),
    ],
)
def test_bad_input_is_named(kwargs, message):
    kwargs = dict(kwargs)  # the parameter is shared: a second run (mutmut's) needs its "y"
    y = kwargs.pop("y")
    with pytest.raises(ValueError, match=message):
        holt_winters(y, **kwargs)


def test_other_bad_input():
    with pytest.raises(ValueError, match=r"y\[1\] = -1.0 is not positive: a log-linear"):
        log_linear_trend([1.0, -1.0, 2.0])
    with pytest.raises(ValueError, match="strictly increasing"):
        linear_trend([1.0, 2.0, 3.0], [0.0, 2.0, 1.0])
    with pytest.raises(TypeError, match="model must be"):
        time_to_capacity("fit", 1.0, 10)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="capacity must be"):
        time_to_capacity(linear_trend([1.0, 2.0, 3.0]), -1.0, 10)


def test_fit_objects_are_what_the_issue_names():
    fit = holt_winters(CO2[:48], trend="add", seasonal="add", period=12)
    assert isinstance(fit, HoltWintersFit) and fit.fitted.shape == (48,)
    assert fit.season.shape == (12,) and set(fit.params) >= {"alpha", "beta", "gamma"}
    np.testing.assert_allclose(fit.fitted + fit.residuals, CO2[:48])
    assert isinstance(linear_trend(CO2[:10]), TrendFit)


# ------------------------------------------------ edges, names and defaults

SEASONAL = [10.0, 14.0, 9.0, 12.0] * 6 + [11.0, 15.0, 10.0, 13.0] * 6  # 48 values, m = 4


def test_smoothing_weights_may_be_one_and_two_seasons_are_enough():
    assert holt_winters(SEASONAL, alpha=1.0).params["alpha"] == 1.0  # the closed [0, 1]
    two = holt_winters(SEASONAL[:8], seasonal="add", period=4)  # exactly two seasons
    assert two.season.size == 4


def test_simulation_shapes_seeds_and_intervals():
    fit = holt_winters(SEASONAL, trend="add", seasonal="add", period=4)
    assert fit.simulate(3, paths=1).shape == (1, 3)
    assert np.array_equal(fit.simulate(5), fit.simulate(5, 1000, seed=0))  # seed 0
    lo, hi = fit.prediction_interval(6, 0.9, paths=500, seed=4)
    assert lo.shape == hi.shape == (6,)
    want = np.quantile(fit.simulate(6, 500, seed=4), [0.05, 0.95], axis=0)
    assert lo == pytest.approx(want[0], rel=1e-12) and hi == pytest.approx(want[1], rel=1e-12)


def test_simple_exponential_smoothing_interval_is_fpps_closed_form():
    """FPP (Hyndman & Athanasopoulos, 3rd ed.), table 5.2 / section 8.7: for simple
    exponential smoothing the h-step forecast variance is sigma^2 (1 + (h - 1) alpha^2)."""
    fit = holt_winters(NILE, alpha=0.25)
    lo, hi = fit.prediction_interval(8, 0.8, paths=20_000, seed=2)
    half = scipy_stats.norm.ppf(0.9) * fit.sigma * np.sqrt(1 + np.arange(8) * 0.25**2)
    assert (hi - lo) / 2 == pytest.approx(half, rel=0.04)


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"period": 4}, "period"),
        ({"gamma": 0.2}, "gamma"),
        ({"initial_seasonal": [0.0] * 4}, "initial_seasonal"),
        ({"seasonal": "add", "period": 1}, "period"),
        ({"seasonal": "add", "period": 4, "gamma": 1.5}, "gamma"),
        ({"trend": "add", "initial_trend": "x"}, "initial_trend"),
        ({"seasonal": "mul", "period": 4, "initial_level": 0.0}, "initial_level"),
        (
            {"seasonal": "mul", "period": 4, "initial_seasonal": [1.0, 0.0, 1.0, 1.0]},
            r"initial_seasonal\[1\]",
        ),
    ],
)
def test_holt_winters_names_the_argument(kwargs, word):
    with pytest.raises((ValueError, TypeError), match=rf"(?<!\w){word}(?![\w])") as err:
        holt_winters(SEASONAL, **kwargs)
    if kwargs.get("seasonal") == "mul" and "initial_seasonal" in kwargs:
        why = r": multiplicative seasonality needs initial_seasonal > 0$"
        assert re.search(why, str(err.value))


def test_the_estimated_names_are_listed():
    fit = holt_winters(SEASONAL, trend="add", seasonal="add", period=4, gamma=0.1)
    assert set(fit.params["estimated"]) == {
        "alpha",
        "beta",
        "initial_level",
        "initial_trend",
        *(f"initial_seasonal.{k}" for k in range(4)),
    }
    fixed = holt_winters(SEASONAL, trend="add", initial_level=10.0, initial_trend=0.0)
    assert set(fixed.params["estimated"]) == {"alpha", "beta"}


def test_a_fixed_gamma_bounds_alpha_and_matches_statsmodels():
    """FPP's constraint 0 <= gamma <= 1 - alpha: with gamma fixed at 0.6, alpha <= 0.4; the
    estimate is no worse than statsmodels' with the same gamma fixed."""
    fit = holt_winters(CO2[:120], seasonal="add", period=12, gamma=0.6)
    assert fit.params["gamma"] == 0.6 and 0.0 <= fit.params["alpha"] <= 0.4 + 1e-12
    sm = ExponentialSmoothing(
        CO2[:120], seasonal="add", seasonal_periods=12, initialization_method="estimated"
    ).fit(smoothing_seasonal=0.6, optimized=True)
    assert fit.sse <= sm.sse * (1 + 1e-6)


def test_trend_fit_fields_and_bad_times():
    t = [0.0, 2.0, 3.0, 7.0, 9.0]
    line = linear_trend([1.0, 2.9, 4.2, 8.1, 9.8], t)
    assert line.t_last == 9.0 and line.n == 5 and line.t_mean == pytest.approx(4.2)
    with pytest.raises(ValueError, match=r"(?<!\w)t\[1\]"):
        linear_trend([1.0, 2.0, 3.0], [0.0, float("nan"), 2.0])
    with pytest.raises(ValueError, match="exponential growth"):
        exponential_growth([1.0, 0.0, 2.0, 3.0])


def test_growth_fits_name_their_parameters():
    t = np.arange(30.0)
    y = 100 / (1 + np.exp(-0.4 * (t - 12)))
    assert list(logistic_growth(y, t).params) == ["K", "r", "t0"]


def test_time_to_capacity_edges():
    line = linear_trend(np.arange(20.0) * 2 + 10, np.arange(20.0))  # exact: y = 2 t + 10
    # already at capacity: the crossing is now
    assert time_to_capacity(line, 20.0, 30.0).expected == line.t_last
    # a line reaches 100 at t = 45, to the resolution of the grid (30 / 4000 steps)
    assert time_to_capacity(line, 100.0, 60.0).expected == pytest.approx(45.0, abs=60 / 4000)
    with pytest.raises(ValueError, match=r"(?<!\w)paths(?!\w)"):
        time_to_capacity(line, 100.0, 60.0, paths=9)
    hw = holt_winters(SEASONAL, trend="add", seasonal="add", period=4)
    never = time_to_capacity(hw, 1e6, 20.0, paths=10)  # 10 paths is the minimum
    assert never.expected == math.inf and never.probability == 0.0
    # seed 0 by default; 50 paths over 200 steps: the simulation covers the whole horizon
    ramp = holt_winters(np.arange(40.0) + 5, trend="add")
    a = time_to_capacity(ramp, 150.0, 200.0, paths=50)
    assert a == time_to_capacity(ramp, 150.0, 200.0, paths=50, seed=0)
    assert a.expected == pytest.approx(106, abs=2) and a.probability == 1.0
    growth = exponential_growth(np.exp(0.05 * np.arange(30.0)) * 3, np.arange(30.0))
    g = time_to_capacity(growth, 100.0, 100.0, paths=40)
    assert g == time_to_capacity(growth, 100.0, 100.0, paths=40, seed=0)


def test_probability_by_the_horizon_is_the_t_prediction_band():
    """The probability that a new observation at the horizon reaches capacity is the t
    tail of the OLS prediction (statsmodels' get_prediction, obs interval)."""
    import statsmodels.api as sm

    rng = np.random.default_rng(8)
    t = np.arange(40.0)
    y = 50 + 1.5 * t + rng.normal(0, 4, 40)
    line = linear_trend(y, t)
    crossing = time_to_capacity(line, 130.0, 20.0)
    ols = sm.OLS(y, sm.add_constant(t)).fit()
    pred = ols.get_prediction(np.array([[1.0, 59.0]]))
    mean, se = pred.predicted_mean[0], math.sqrt(pred.se_mean[0] ** 2 + ols.scale)
    want = scipy_stats.t.sf((130.0 - mean) / se, 38)
    assert crossing.probability == pytest.approx(want, rel=1e-9)


def test_fits_run_quietly():
    # no optimiser warning (an unknown option, a failed line search) and no overflow
    import warnings

    t = np.arange(30.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        holt_winters(CO2[:120], trend="add", seasonal="mul", period=12)
        holt_winters(CO2[:60], trend="add")
        logistic_growth(100 / (1 + np.exp(-0.4 * (t - 12))), t)


def test_alpha_is_capped_at_one_minus_a_fixed_gamma():
    # a random walk wants alpha = 1; with gamma fixed at 0.6 FPP's constraint stops it at 0.4
    rng = np.random.default_rng(1)
    season = np.tile([3.0, -1, 0, -2, 1, -1, 0, 0, 2, -2, 1, -1], 8)
    y = np.cumsum(rng.normal(0, 1, 96)) + 50 + season
    assert holt_winters(y, seasonal="add", period=12, gamma=0.6).params["alpha"] == (
        pytest.approx(0.4, abs=1e-9)
    )
    free = holt_winters(y, seasonal="add", period=12)
    assert "beta" not in free.params["estimated"]  # no trend, no beta
    assert free.params["period"] == 12 and free.params["initial_trend"] is None


def test_simulation_names_and_seeds():
    fit = holt_winters(SEASONAL, trend="add", seasonal="add", period=4)
    with pytest.raises(ValueError, match=r"(?<!\w)h(?!\w)"):
        fit.simulate(-1)
    with pytest.raises(ValueError, match=r"(?<!\w)paths(?!\w)"):
        fit.simulate(3, paths=0)
    # time_to_capacity's seed reaches the simulation and the parameter draws
    noisy = holt_winters(np.arange(60.0) + np.random.default_rng(3).normal(0, 6, 60), trend="add")
    runs = [time_to_capacity(noisy, 90.0, 60.0, paths=200, seed=s) for s in (0, 1)]
    assert runs[0] != runs[1] and time_to_capacity(noisy, 90.0, 60.0, paths=200) == runs[0]
    t = np.arange(30.0)
    y = np.exp(0.05 * t) * 3 * np.exp(np.random.default_rng(4).normal(0, 0.05, 30))
    growth = exponential_growth(y, t)
    draws = [time_to_capacity(growth, 40.0, 60.0, paths=200, seed=s) for s in (0, 1)]
    assert draws[0] != draws[1] and time_to_capacity(growth, 40.0, 60.0, paths=200) == draws[0]


def test_logistic_growth_of_a_falling_series():
    t = np.arange(20.0)
    fit = logistic_growth(100 - 2 * t + np.sin(t), t)  # a falling start: no slope to reuse
    assert fit.params["r"] < 0


def test_band_crossings_are_the_roots_of_the_bands():
    # the early end of the interval is where the upper prediction band reaches capacity:
    # scipy's brentq on the band itself (checked against statsmodels above) finds it
    from scipy.optimize import brentq

    rng = np.random.default_rng(8)
    t = np.arange(12.0)
    line = linear_trend(50 + 1.5 * t + rng.normal(0, 8, 12), t)
    crossing = time_to_capacity(line, 150.0, 200.0)

    def band(x, side):
        return line.prediction_interval(np.array([x]), 0.8)[side][0] - 150.0

    assert crossing.low == pytest.approx(brentq(band, 11.0, 211.0, args=(1,)), abs=1e-5)
    assert crossing.high == pytest.approx(brentq(band, 11.0, 211.0, args=(0,)), abs=1e-5)


def _objectives_of(fit_call, monkeypatch):
    """Every (objective, start) that `holt_winters` hands to scipy's minimiser."""
    from scipy import optimize

    seen = []
    minimize = optimize.minimize

    def spy(fun, x0, **kwargs):
        seen.append((fun, np.array(x0, dtype=float)))
        return minimize(fun, x0, **kwargs)

    monkeypatch.setattr(optimize, "minimize", spy)
    fit_call()
    monkeypatch.undo()
    assert seen, "holt_winters did not call scipy.optimize.minimize"
    return seen


@pytest.mark.parametrize(
    "kwargs",
    [
        {"seasonal": "add", "period": 12, "gamma": 0.6},  # alpha scaled by 1 - gamma
        {"trend": "add", "seasonal": "add", "period": 12},  # gamma scaled by 1 - alpha
        {"trend": "add", "seasonal": "mul", "period": 12, "beta": 0.05},
    ],
    ids=["fixed-gamma", "all-free", "multiplicative"],
)
def test_the_minimiser_is_given_the_gradient_of_its_objective(kwargs, monkeypatch):
    """The chain rule from the optimiser's coordinates (FPP's region gamma <= 1 - alpha
    written as a product, states scaled to unit size) to the SSE agrees with central
    differences of the objective itself, at the start and at the end of every search."""
    y = CO2[:120]
    for fun, u0 in _objectives_of(lambda: holt_winters(y, **kwargs), monkeypatch)[-2:]:
        for u in (u0, u0 + 0.01 * np.cos(np.arange(u0.size))):
            value, grad = fun(u)
            h = 1e-6
            numeric = [
                (fun(u + h * e)[0] - fun(u - h * e)[0]) / (2 * h) for e in np.eye(u.size)
            ]
            assert value < 1e3
            np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-7)


def test_the_objective_penalises_states_outside_the_multiplicative_domain(monkeypatch):
    """A level or seasonal state <= 0 has no multiplicative model: the objective returns a
    finite penalty with a zero gradient, so L-BFGS-B backs off instead of failing."""
    y = CO2[:120]
    fit = lambda: holt_winters(y, seasonal="mul", period=12)  # noqa: E731
    fun, u0 = _objectives_of(fit, monkeypatch)[-1]
    penalised = 0
    for j in range(u0.size):
        u = u0.copy()
        u[j] = -1e6  # a state coordinate this far down is negative
        value, grad = fun(u)
        if value == 1e3:
            assert not np.any(grad)
            penalised += 1
    assert penalised >= 1


def test_a_series_of_decimals_fits_as_floats_do():
    """Values read from OTLP/JSON arrive as `Decimal` (the reader parses floats exactly);
    they are converted to float64 on the way in, not kept as Python objects."""
    from decimal import Decimal

    y = CO2[:48]
    as_decimals = [Decimal(repr(float(v))) for v in y]
    kwargs = {"trend": "add", "alpha": 0.5, "beta": 0.1, "initial_level": 315.0,
              "initial_trend": 0.1}  # fmt: skip
    np.testing.assert_array_equal(
        holt_winters(as_decimals, **kwargs).fitted, holt_winters(y, **kwargs).fitted
    )
    assert holt_winters(as_decimals, **kwargs).fitted.dtype == np.float64
