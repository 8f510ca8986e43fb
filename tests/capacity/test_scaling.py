"""Tests for otlpkb.capacity.scaling (chapter 7.3, Scaling decisions) and otlpkb.sim.elastic.

External checks:
* the worked examples of the Kubernetes documentation, "Horizontal Pod Autoscaling"
  (kubernetes/website, content/en/docs/tasks/run-application/horizontal-pod-autoscale.md):
  the algorithm details (200m/100m doubles, 50m halves, tolerance 0.1), the scale-down
  policy example (80 replicas, Pods 4 / Percent 10 per 60 s: 8, then 8 from 72, then 4
  below 40), the documented default behavior (scale up by 100 % or 4 Pods every 15 s,
  a 300 s scale-down stabilization window), ``selectPolicy: Min`` and ``Disabled``;
* the rounding rules of ``pkg/controller/podautoscaler/horizontal.go``
  (kubernetes/kubernetes): Percent scale-up rounded up, scale-down truncated;
* the M/M/c response time against the M/M/1 closed form ``1 - exp(-(mu - lambda) t)`` and
  against SimPy runs of `otlpkb.sim.simulate_mmc` plus exponential service.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb.capacity.scaling import (
    DEFAULT_SCALE_DOWN,
    DEFAULT_SCALE_UP,
    HPABehavior,
    HPAController,
    HPAScalingPolicy,
    HPAScalingRules,
    HPATrace,
    hpa_desired_replicas,
    response_time_cdf,
    servers_for_latency_slo,
    simulate_hpa,
)
from otlpkb.performance.queueing import mmc
from otlpkb.sim import simulate_mmc
from otlpkb.sim.elastic import ElasticResult, simulate_elastic


def test_algorithm_details_examples():
    # "if the current metric value is 200m, and the desired value is 100m, the number of
    # replicas will be doubled ... If the current value is instead 50m, you'll halve"
    assert hpa_desired_replicas(6, 0.200, 0.100) == 12
    assert hpa_desired_replicas(6, 0.050, 0.100) == 3
    # "skips any scaling action if the ratio is sufficiently close to 1.0 (... 0.1)"
    assert hpa_desired_replicas(6, 0.109, 0.100) == 6
    assert hpa_desired_replicas(6, 0.091, 0.100) == 6
    assert hpa_desired_replicas(6, 0.111, 0.100) == 7  # ceil(6.66)
    assert hpa_desired_replicas(6, 0.111, 0.100, tolerance=0.2) == 6


def test_scale_down_policy_example_of_the_documentation():
    behavior = HPABehavior(
        scale_down=HPAScalingRules(
            0, "Max",
            (HPAScalingPolicy("Pods", 4, 60), HPAScalingPolicy("Percent", 10, 60)),
        )
    )
    hpa = HPAController(target_value=1.0, min_replicas=1, max_replicas=100, behavior=behavior)
    n, history = 80, [80]
    for minute in range(30):  # the load wants 10 replicas throughout
        n = hpa.step(60.0 * minute, n, 10 / n)
        history.append(n)
    removed = -np.diff(history)
    # "during the first step 8 replicas will be reduced"; from 72, "10% ... is 7.2 but the
    # number is rounded up to 8"; below 40 "4 replicas will be reduced at a time"
    assert removed[0] == 8 and history[1] == 72 and removed[1] == 8
    below = [r for n0, r in zip(history, removed) if n0 < 40 and r > 0]
    assert below and all(r == 4 for r in below[:-1]) and history[-1] == 10
    above = [r for n0, r in zip(history, removed) if n0 > 40]
    assert all(r == math.ceil(0.1 * n0) for n0, r in zip(history, above))


def test_policies_hold_within_their_period():
    behavior = HPABehavior(scale_down=HPAScalingRules(
        0, "Max", (HPAScalingPolicy("Pods", 4, 60), HPAScalingPolicy("Percent", 10, 60))))
    hpa = HPAController(1.0, 1, 100, behavior)
    assert hpa.step(0.0, 80, 10 / 80) == 72
    assert hpa.step(15.0, 72, 10 / 72) == 72  # 8 already removed in this minute
    assert hpa.step(59.0, 72, 10 / 72) == 72
    assert hpa.step(60.0, 72, 10 / 72) == 64  # the event at 0 s is now out of the period


def test_documented_default_behavior():
    assert DEFAULT_SCALE_UP.stabilization_window_seconds == 0
    assert DEFAULT_SCALE_DOWN.stabilization_window_seconds == 300
    hpa = HPAController(target_value=50.0, min_replicas=1, max_replicas=1000)
    n, seen = 1, []
    for k in range(5):  # a huge load: "4 pods or a 100% ... every 15 seconds"
        n = hpa.step(15.0 * k, n, 10_000.0)
        seen.append(n)
    assert seen == [5, 10, 20, 40, 80]
    # scaling down waits for the 300 s window: the highest recommendation in it wins
    hpa = HPAController(target_value=50.0, min_replicas=1, max_replicas=100)
    n = hpa.step(0.0, 10, 50.0)  # at target
    downs = [hpa.step(15.0 * k, n, 5.0) for k in range(1, 25)]  # the load drops by 90 %
    first = next(k for k, v in enumerate(downs, start=1) if v < 10)
    assert 15.0 * first == 300.0 and downs[first - 1] == 1


def test_select_policy_min_and_disabled():
    # "no more than 5 Pods are removed per minute ... selectPolicy to Min"
    behavior = HPABehavior(scale_down=HPAScalingRules(
        0, "Min", (HPAScalingPolicy("Percent", 10, 60), HPAScalingPolicy("Pods", 5, 60))))
    hpa = HPAController(1.0, 1, 200, behavior)
    assert hpa.step(0.0, 100, 0.1) == 95  # 10 % would be 10 Pods: Min takes 5
    hpa = HPAController(1.0, 1, 200, behavior)
    assert hpa.step(0.0, 30, 0.1) == 27  # 10 % of 30 is 3 < 5
    off = HPABehavior(scale_down=HPAScalingRules(0, "Disabled"))
    assert HPAController(1.0, 1, 200, off).step(0.0, 30, 0.1) == 30
    up_off = HPABehavior(scale_up=HPAScalingRules(0, "Disabled"))
    assert HPAController(1.0, 1, 200, up_off).step(0.0, 30, 3.0) == 30


def test_percent_scale_up_is_rounded_up_and_bounds_hold():
    rules = HPAScalingRules(0, "Max", (HPAScalingPolicy("Percent", 10, 60),))
    behavior = HPABehavior(scale_up=rules)
    hpa = HPAController(1.0, 1, 12, behavior)
    assert hpa.step(0.0, 3, 5.0) == 4  # ceil(3 * 1.1) = 4, not 3
    assert HPAController(1.0, 2, 12).step(0.0, 20, 1.0) == 12  # above max: clamp
    assert HPAController(1.0, 2, 12).step(0.0, 1, 1.0) == 2  # below min: clamp
    assert HPAController(1.0, 2, 12).step(0.0, 0, 1.0) == 0  # scaled to zero by hand


@settings(max_examples=50 * SCALE, deadline=None)
@given(st.lists(st.floats(0.0, 500.0), min_size=1, max_size=60), st.integers(1, 20))
def test_replicas_stay_within_bounds(load, start):
    tr = simulate_hpa(load, 10.0, initial_replicas=start, min_replicas=2, max_replicas=30)
    assert isinstance(tr, HPATrace)
    assert np.all(tr.replicas <= 30)
    assert np.all(tr.replicas[start <= 30:] >= 2) if start >= 2 else np.all(tr.replicas >= 2)


def test_stabilization_window_stops_flapping():
    rng = np.random.default_rng(0)
    load = 100 + 25 * rng.standard_normal(240)  # noise around 10 replicas' worth
    no_window = HPABehavior(scale_down=HPAScalingRules(0, "Max", DEFAULT_SCALE_DOWN.policies))
    flappy = simulate_hpa(load, 10.0, initial_replicas=10, max_replicas=50, behavior=no_window)
    calm = simulate_hpa(load, 10.0, initial_replicas=10, max_replicas=50)
    assert flappy.scale_events > 3 * calm.scale_events
    assert calm.replicas.mean() > flappy.replicas.mean()  # the price: more replicas


def test_response_time_cdf_matches_mm1_and_simulation():
    t = np.linspace(0, 5, 11)
    np.testing.assert_allclose(response_time_cdf(3.0, 4.0, 1, t), 1 - np.exp(-(4.0 - 3.0) * t))
    lam, mu, c = 8.0, 1.0, 10
    sim = simulate_mmc(lam, mu, c, until=12_000.0, warmup=500.0, seed=11)
    rng = np.random.default_rng(12)
    resp = sim.waits + rng.exponential(1 / mu, sim.waits.size)
    for q in (2.0, 4.0):
        assert float(np.mean(resp <= q)) == pytest.approx(
            float(response_time_cdf(lam, mu, c, q)), abs=0.01)
    # theta == mu: the limit form
    assert float(response_time_cdf(1.0, 1.0, 2, 1.0)) == pytest.approx(
        float(response_time_cdf(1.0, 1.0 + 1e-9, 2, 1.0)), abs=1e-6)


@settings(max_examples=30 * SCALE, deadline=None)
@given(st.floats(0.5, 200.0), st.floats(1.0, 20.0), st.floats(1.05, 3.0),
       st.sampled_from([0.9, 0.95, 0.99]))
def test_slo_sizing_is_minimal(lam, mu, slo_factor, q):
    slo = slo_factor * (-math.log(1 - q) / mu) + 0.05
    c = servers_for_latency_slo(lam, mu, slo, quantile=q)
    assert response_time_cdf(lam, mu, c, slo) >= q
    if c - 1 >= 1 and lam < (c - 1) * mu:
        assert response_time_cdf(lam, mu, c - 1, slo) < q


def test_unreachable_slo_is_explained():
    with pytest.raises(ValueError, match="unreachable"):
        servers_for_latency_slo(10.0, 1.0, slo=1.0, quantile=0.99)


def test_elastic_station_with_fixed_replicas_is_mmc():
    r = simulate_elastic([8.0] * 50, step=100.0, service_rate=1.0,
                         controller=lambda now, n, u, lam: 10, initial_replicas=10, seed=3)
    assert isinstance(r, ElasticResult) and r.scale_events == 0
    ref = mmc(8.0, 1.0, 10)
    assert r.latency.mean() == pytest.approx(ref.mean_response, rel=0.05)
    assert r.utilization.mean() == pytest.approx(0.8, abs=0.03)
    assert r.replica_seconds == pytest.approx(10 * 5_000.0)


def test_elastic_station_follows_the_controller():
    rates = [2.0] * 20 + [12.0] * 20
    r = simulate_elastic(rates, step=30.0, service_rate=1.0, initial_replicas=3, seed=1,
                         controller=lambda now, n, u, lam: servers_for_latency_slo(
                             max(lam, 0.1), 1.0, 4.0, quantile=0.9))
    assert r.replicas[:15].max() <= 6 and r.replicas[-10:].min() >= 13
    assert r.scale_events >= 1 and r.slo_violations(4.0) < 0.2


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: hpa_desired_replicas(3, 1.0, 0.0), "target_value must be"),
        (lambda: HPAScalingPolicy("Replicas", 1, 60), "policy type"),  # type: ignore[arg-type]
        (lambda: HPAScalingPolicy("Pods", 1, 3601), "period_seconds"),
        (lambda: HPAScalingRules(4000), "stabilization_window_seconds must be <= 3600"),
        (lambda: HPAScalingRules(0, "Max", ()), "policies must not be empty"),
        (lambda: HPAController(1.0, 5, 2), "max_replicas"),
        (lambda: simulate_hpa([1.0, float("nan")], 1.0, initial_replicas=1), r"load\[1\]"),
        (lambda: simulate_elastic([], step=1.0, service_rate=1.0,
                                  controller=lambda *a: 1, initial_replicas=1), "rates is empty"),
    ],
)
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
