"""Tests for otlpkb.capacity.cost (chapter 7.4, Cost optimization).

External check: the optimiser's answer equals a brute-force enumeration of every
combination of sampling options and retentions on random small instances (hypothesis),
and the cost arithmetic equals hand computations from the 1.4 profile's per-item costs.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb.capacity.cost import (
    DEFAULT_OPTIONS,
    EXAMPLE_PRICES,
    Plan,
    Prices,
    Requirements,
    SamplingOption,
    Service,
    brute_force_sampling,
    optimize_sampling,
    plan_cost,
    signal_costs,
)
from otlpkb.performance.resources import DEFAULT_PROFILE

GiB = 2**30


def test_signal_costs_by_hand():
    p = Prices(cpu_core_hour=2.0, memory_gib_hour=0.0, storage_gib_month=3.0, egress_gib=5.0)
    c = signal_costs(logs_per_second=10_000.0, retention_days=10.0, prices=p,
                     target_utilization=0.5)
    logs = DEFAULT_PROFILE.logs
    assert c["logs"]["compute"] == pytest.approx(10_000 / 10_000 / 0.5 * 2.0 * 730)
    wire = 10_000 * logs.bytes_per_item / logs.compression_ratio
    assert c["logs"]["storage"] == pytest.approx(wire * 86_400 * 10 / GiB * 3.0)
    assert c["logs"]["egress"] == pytest.approx(wire * 3600 * 730 / GiB * 5.0)
    assert c["spans"] == dict.fromkeys(("compute", "memory", "storage", "egress"), 0.0)


def test_tail_sampling_pays_for_holding_every_trace():
    svc = Service("api", 1000.0, 0.01)
    head = plan_cost([svc], {"api": SamplingOption("head", 0.1)}, 7, 30)
    tail = plan_cost([svc], {"api": SamplingOption("tail", 0.1)}, 7, 30)
    assert tail["compute"] == pytest.approx(head["compute"] * 10)  # sees every span
    assert tail["memory"] > 0 == head["memory"]
    kept = 0.01 + 0.99 * 0.1
    assert tail["storage"] == pytest.approx(head["storage"] * kept / 0.1)


def test_rare_errors_make_tail_sampling_pay_off():
    svc = [Service("search", 5000.0, 0.0005, 6)]  # 1,500 error traces an hour
    lax = optimize_sampling(svc, Requirements(error_traces_per_hour=10))
    strict = optimize_sampling(svc, Requirements(error_traces_per_hour=1000))
    assert lax.sampling["search"].mode == "head"
    assert strict.sampling["search"].mode == "tail"
    assert strict.cost["total"] > lax.cost["total"]


services = st.lists(
    st.builds(
        Service,
        name=st.sampled_from(["a", "b", "c", "d"]),
        spans_per_second=st.floats(1.0, 20_000.0),
        error_fraction=st.floats(0.0, 0.2),
        spans_per_trace=st.floats(1.0, 40.0),
    ),
    min_size=1, max_size=3, unique_by=lambda s: s.name,
)


@settings(max_examples=40 * SCALE, deadline=None)
@given(
    services,
    st.floats(0.0, 500.0), st.floats(0.0, 5000.0),
    st.lists(st.sampled_from(DEFAULT_OPTIONS), min_size=1, max_size=5, unique=True),
    st.floats(0.0, 20_000.0),
)
def test_optimum_equals_brute_force(svcs, errors, traces, options, metric_rate):
    req = Requirements(error_traces_per_hour=errors, traces_per_hour=traces,
                       trace_retention_days=7, metric_retention_days=30)
    kw = {"options": options, "trace_retention_choices": (3.0, 7.0, 14.0),
          "metric_retention_choices": (30.0, 90.0), "metric_points_per_second": metric_rate}
    brute = brute_force_sampling(svcs, req, **kw)
    if brute is None:
        with pytest.raises(ValueError, match="no sampling option keeps enough"):
            optimize_sampling(svcs, req, **kw)
        return
    best = optimize_sampling(svcs, req, **kw)
    assert isinstance(best, Plan)
    assert best.cost["total"] == pytest.approx(brute.cost["total"], rel=1e-12)
    assert best.evaluated <= brute.evaluated or len(svcs) == 1


def test_retention_windows_are_requirements():
    svc = [Service("a", 100.0, 0.01)]
    plan = optimize_sampling(svc, Requirements(trace_retention_days=10))
    assert plan.trace_retention_days == 14.0 and plan.metric_retention_days == 30.0
    with pytest.raises(ValueError, match="no trace retention choice covers"):
        optimize_sampling(svc, Requirements(trace_retention_days=60))


def test_example_prices_are_inputs():
    assert isinstance(EXAMPLE_PRICES, Prices)
    e = EXAMPLE_PRICES
    doubled = Prices(2 * e.cpu_core_hour, 2 * e.memory_gib_hour, 2 * e.storage_gib_month,
                     2 * e.egress_gib)
    a = signal_costs(spans_per_second=1000.0)
    b = signal_costs(spans_per_second=1000.0, prices=doubled)
    assert b["spans"] == pytest.approx({k: 2 * v for k, v in a["spans"].items()})


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Service("a", -1.0, 0.1), "spans_per_second must be"),
        (lambda: Service("a", 1.0, 1.5), "error_fraction must be in"),
        (lambda: SamplingOption("random", 0.5), "mode must be"),  # type: ignore[arg-type]
        (lambda: Prices(-1.0, 0.0, 0.0, 0.0), "cpu_core_hour must be"),
        (lambda: optimize_sampling([], Requirements()), "services is empty"),
        (lambda: optimize_sampling([Service("a", 1.0, 0.0), Service("a", 2.0, 0.0)],
                                   Requirements()), "service names must be unique"),
        (lambda: plan_cost([Service("a", 1.0, 0.0)], {}, 7, 30), "no option for service 'a'"),
    ],
)
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
