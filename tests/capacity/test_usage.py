"""Tests for otlpkb.capacity.usage (chapter 7.2, Resource usage analysis).

External checks:
* statsmodels' ``seasonal_decompose`` (additive and multiplicative, even and odd periods)
  and ``STL`` (plain and robust, default and custom spans) on statsmodels' ``co2`` data
  set and on simulated Collector metrics: equal to 1e-9;
* numpy's percentiles for the summary; Prometheus's ``rate()`` reset rule (a decrease
  means the counter restarted from zero) for `counter_rate`;
* the per-item CPU costs of the 1.4 profile (the Splunk OpenTelemetry Collector sizing
  guidance) recovered from simulated ``otelcol_*`` metrics.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.datasets import co2
from statsmodels.tsa.seasonal import STL
from statsmodels.tsa.seasonal import seasonal_decompose as sm_decompose

from kbtest import SCALE
from otlpkb.capacity.usage import (
    Attribution,
    Decomposition,
    attribute_usage,
    fit_unit_costs,
    seasonal_decompose,
    stl,
    utilization_summary,
)
from otlpkb.performance.resources import DEFAULT_PROFILE
from otlpkb.sim.workload import SIGNAL_METRICS, collector_metrics, counter_rate

CO2 = co2.load_pandas().data["co2"].resample("MS").mean().ffill().to_numpy()


@pytest.mark.parametrize("model", ["additive", "multiplicative"])
@pytest.mark.parametrize(("n", "period"), [(526, 12), (101, 7), (60, 5)])
def test_classical_decomposition_equals_statsmodels(model, n, period):
    ours = seasonal_decompose(CO2[:n], period, model=model)
    ref = sm_decompose(CO2[:n], period=period, model=model)
    for part in ("trend", "seasonal", "resid"):
        np.testing.assert_allclose(getattr(ours, part), getattr(ref, part), atol=1e-9,
                                   equal_nan=True)
    assert isinstance(ours, Decomposition)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"robust": True}, {"seasonal": 13, "trend": 31, "low_pass": 15}, {"seasonal": 35}],
)
def test_stl_equals_statsmodels_stl(kwargs):
    ours = stl(CO2, 12, **kwargs)
    ref = STL(CO2, period=12, **kwargs).fit()
    np.testing.assert_allclose(ours.trend, ref.trend, atol=1e-9)
    np.testing.assert_allclose(ours.seasonal, ref.seasonal, atol=1e-9)
    np.testing.assert_allclose(ours.weights, ref.weights, atol=1e-9)


def test_robust_stl_on_collector_metrics_with_an_incident_equals_statsmodels():
    m = collector_metrics(days=14, step=3600.0, incident=(9.0, 6.0, 8.0), seed=4)
    logs = counter_rate(m[SIGNAL_METRICS["logs"]], 3600.0)
    ours = stl(logs, 24, robust=True)
    ref = STL(logs, period=24, robust=True).fit()
    np.testing.assert_allclose(ours.trend, ref.trend, rtol=1e-9)
    np.testing.assert_allclose(ours.seasonal, ref.seasonal, rtol=1e-9, atol=1e-6)
    hit = slice(9 * 24 - 1, 9 * 24 + 5)
    assert ours.weights[hit].max() < 0.1  # the incident is down-weighted
    classical = seasonal_decompose(logs, 24)
    # robust STL leaves the incident in the residual; the classical moving averages
    # spread part of it into the trend and into every day's seasonal estimate
    assert ours.resid[hit].mean() > 1.2 * classical.resid[hit].mean() > 0


@settings(max_examples=20 * SCALE, deadline=None)
@given(st.lists(st.floats(0.0, 1e6), min_size=1, max_size=200), st.floats(1.0, 1e7))
def test_summary_is_numpy_percentiles_over_capacity(values, capacity):
    s = utilization_summary(values, capacity, percentiles=(0, 50, 95, 100), target=0.7)
    np.testing.assert_allclose(s.values, np.percentile(values, [0, 50, 95, 100]))
    np.testing.assert_allclose(s.headroom, 1 - np.asarray(s.values) / capacity)
    for u, g in zip(s.utilization, s.growth_to_target):
        if u > 1e-9:
            assert (1 + g) * u == pytest.approx(0.7)


def test_counter_rate_follows_prometheus_resets():
    assert counter_rate([5.0, 7.0, 2.0, 4.0], 1.0).tolist() == [2.0, 2.0, 2.0]
    m = collector_metrics(days=2, step=60.0, resets=(1.0,), seed=1)
    spans = m[SIGNAL_METRICS["spans"]]
    assert np.any(np.diff(spans) < 0)  # the restart
    assert np.all(counter_rate(spans, 60.0) > 0)


def test_attribution_uses_the_1_4_profile():
    a = attribute_usage({"spans": [15_000.0, 30_000.0], "metric_points": [20_000.0, 0.0]})
    assert isinstance(a, Attribution)
    np.testing.assert_allclose(a.cpu_cores["spans"], [1.0, 2.0])
    np.testing.assert_allclose(a.cpu_cores["metric_points"], [1.0, 0.0])
    c = DEFAULT_PROFILE.spans
    np.testing.assert_allclose(a.wire_bytes_per_second["spans"][0],
                               15_000 * c.bytes_per_item / c.compression_ratio)
    assert a.share == pytest.approx({"spans": 0.75, "metric_points": 0.25})


def test_unit_costs_are_recovered_from_collector_metrics():
    m = collector_metrics(days=21, step=300.0, incident=(10.0, 12.0, 4.0), noise=0.05, seed=2)
    rates = {s: counter_rate(m[name], 300.0) for s, name in SIGNAL_METRICS.items()}
    cpu = counter_rate(m["otelcol_process_cpu_seconds"], 300.0)
    fit = fit_unit_costs(rates, cpu)
    for s, want in (("spans", 15_000), ("logs", 10_000)):
        assert 1 / fit.cpu_seconds_per_item[s] == pytest.approx(want, rel=0.15), s
    assert fit.baseline_cores == pytest.approx(0.05, abs=0.05)
    assert fit.r_squared > 0.95


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: seasonal_decompose([1.0] * 7, 4), "fewer than two full periods"),
        (lambda: seasonal_decompose([1.0, np.nan] * 8, 4), r"y\[1\] is nan"),
        (lambda: seasonal_decompose([1.0, 0.0] * 8, 4, model="multiplicative"),
         r"y\[1\] = 0.0 is not positive"),
        (lambda: stl([1.0] * 40, 4, seasonal=8), "seasonal must be an odd integer"),
        (lambda: utilization_summary([1.0], 0.0), "capacity must be"),
        (lambda: utilization_summary([1.0], 1.0, percentiles=(120,)), "percentiles"),
        (lambda: attribute_usage({"traces": 1.0}), "unknown signal 'traces'"),
        (lambda: counter_rate([1.0, np.nan], 1.0), "a gap in the counter"),
    ],
)
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
