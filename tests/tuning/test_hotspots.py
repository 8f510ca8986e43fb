"""Hotspots, RED metrics and robust outliers (chapter 6.1).

External checks: a trace whose self times and critical path were worked out by hand (in the
comments below); the Jaeger project's OTLP fixture otel_traces_01.json, whose kinds, status
codes and timestamps were read off the file by hand; scipy.stats.median_abs_deviation with
scale="normal" for the MAD and scipy.stats.norm for the 1.4826 constant.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb import datasets, otlp
from otlpkb.otlp import Span
from otlpkb.tuning.hotspots import (
    MAD_SCALE,
    hotspots,
    mad,
    red_metrics,
    robust_z,
    span_outliers,
)
from otlpkb.tuning.workload import shop_traces

T = "4bf92f3577b34da6a3ce929d0e0e4736"
MS = 1_000_000


def hand_trace():
    # A web [0, 100] calls B auth [10, 40] and C db [20, 90]; C calls D cache [30, 60].
    # Self: A 100 - |[10, 90]| = 20, B 30, C 70 - 30 = 40, D 30.
    # Critical path from t=100 back: A [90, 100], C [60, 90], D [30, 60], C [20, 30],
    # then B (ends at 40 > 20) overlaps C and is off the path: A [0, 20].
    # On the path: A 30, C 40, D 30, B 0.
    return [
        Span(T, "a" * 16, "", "GET /", 2, 0, 100 * MS, 0, service_name="web"),
        Span(T, "b" * 16, "a" * 16, "check", 3, 10 * MS, 40 * MS, 2, service_name="auth"),
        Span(T, "c" * 16, "a" * 16, "query", 3, 20 * MS, 90 * MS, 0, service_name="db"),
        Span(T, "d" * 16, "c" * 16, "get", 3, 30 * MS, 60 * MS, 0, service_name="cache"),
    ]


def test_hotspots_of_a_hand_checked_trace() -> None:
    rows = [(h.key, h.critical_ms, h.self_ms) for h in hotspots(hand_trace())]
    assert rows == [
        ("db: query", 40.0, 40.0),
        ("cache: get", 30.0, 30.0),
        ("web: GET /", 30.0, 20.0),
        ("auth: check", 0.0, 30.0),
    ]
    shares = {h.key: (h.self_share, h.critical_share) for h in hotspots(hand_trace())}
    assert shares["db: query"] == (40 / 120, 40 / 100)
    by_service = {h.key: h.spans for h in hotspots(hand_trace(), by="service")}
    assert by_service == {"db": 1, "cache": 1, "web": 1, "auth": 1}


def test_red_metrics_of_a_hand_checked_trace() -> None:
    every = {r.key: r for r in red_metrics(hand_trace(), kinds=None)}
    assert every["auth: check"].errors == 1 and every["auth: check"].error_ratio == 1.0
    assert every["db: query"].p50_ms == 70.0
    assert every["web: GET /"].rate == pytest.approx(4 / 0.1 / 4)  # 1 span in 0.1 s
    servers = red_metrics(hand_trace())
    assert [r.key for r in servers] == ["web: GET /"]  # the only server span


def test_red_metrics_of_the_jaeger_fixture() -> None:
    # otel_traces_01.json: four spans of service-x with kinds 2, 3, 4, 5, every status
    # code 2 (ERROR), each from ...639875000 to ...639880000 ns: 5 us long, 5 us window.
    table = otlp.read_traces(datasets.path("otlp/jaeger/otel_traces_01.json"))
    rows = red_metrics(table)  # server (2) and consumer (5) spans
    assert [r.key for r in rows] == [
        "service-x: test-general-conversion-2",
        "service-x: test-general-conversion-5",
    ]
    for r in rows:
        assert (r.requests, r.errors, r.error_ratio) == (1, 1, 1.0)
        assert r.p50_ms == pytest.approx(0.005) and r.rate == pytest.approx(1 / 5e-6)
    assert len(red_metrics(table, kinds=None)) == 4
    (svc,) = red_metrics(table, by="service", kinds=None)
    assert (svc.key, svc.requests, svc.errors) == ("service-x", 4, 4)


def test_hotspots_of_the_shipped_traces_add_up() -> None:
    for name in ("otlp/jaeger/example_trace.json", "otlp/proto-examples/trace.json"):
        table = otlp.read_traces(datasets.path(name))
        rows = hotspots(table)
        assert sum(h.spans for h in rows) == len(table)
        assert sum(h.self_share for h in rows) == pytest.approx(1.0)


def test_a_planted_slow_operation_tops_the_critical_path() -> None:
    normal = hotspots(shop_traces(200, seed=1))
    slow = hotspots(shop_traces(200, seed=1, faults={"payment: INSERT payments": 10.0}))
    assert normal[0].key != "payment: INSERT payments"
    assert slow[0].key == "payment: INSERT payments"
    # currency runs in parallel with the (usually) slower shipping quote: mostly off the path
    currency = next(h for h in normal if h.key == "currency: Convert")
    assert currency.self_ms > 0 and currency.critical_ms < 0.15 * currency.self_ms


def test_one_point_four_eight_two_six() -> None:
    assert 1 / scipy.stats.norm.ppf(0.75) == pytest.approx(MAD_SCALE, rel=1e-15)


@settings(max_examples=50 * SCALE)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=60))
def test_mad_is_scipys_normal_scaled_mad(values) -> None:
    expected = scipy.stats.median_abs_deviation(values, scale="normal")
    assert mad(values) == pytest.approx(expected, rel=1e-12, abs=1e-9)
    assert mad(values, scale=1.0) == pytest.approx(
        scipy.stats.median_abs_deviation(values), rel=1e-12, abs=1e-9
    )


def test_mad_estimates_the_standard_deviation_of_normal_data() -> None:
    x = np.random.default_rng(2).normal(50.0, 4.0, 20_000)
    assert mad(x) == pytest.approx(4.0, rel=0.03)
    x[:200] = 1e6  # one percent of wild values barely moves it
    assert mad(x) == pytest.approx(4.0, rel=0.05)


def test_robust_z_when_most_values_are_equal() -> None:
    z = robust_z([3.0, 3.0, 3.0, 4.0, 1.0])
    assert z[:3].tolist() == [0.0, 0.0, 0.0] and z[3] == np.inf and z[4] == -np.inf


def test_planted_outliers_are_found() -> None:
    spans = shop_traces(300, seed=4)
    slow = shop_traces(5, seed=99, faults={"cart: GetCart": 6.0}, start_unix_nano=2 * 10**18)
    planted = {s.span_id for s in slow if s.name == "GetCart"}
    found = span_outliers([*spans, *slow])
    cart = {o.span_id for o in found if o.key == "cart: GetCart"}
    assert planted <= cart
    assert all(abs(o.z) > 3.5 for o in found)
    assert found == sorted(found, key=lambda o: -abs(o.z))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: hotspots(hand_trace(), by="trace"), "by"),
        (lambda: red_metrics(hand_trace(), window_s=0.0), "window_s"),
        (lambda: span_outliers(hand_trace(), threshold=-1.0), "threshold"),
        (lambda: span_outliers(hand_trace(), min_group=2), "min_group"),
        (lambda: mad([]), "values"),
        (lambda: hotspots([1, 2]), r"spans\[0\]"),
    ],
)
def test_bad_input_names_itself(call, match) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        call()
