"""Hash rings, membership changes and failover (chapter A.2).

External checks:

- the Collector's own expectations for its ring, from
  opentelemetry-collector-contrib exporter/loadbalancingexporter/consistent_hashing_test.go
  (commit 14645dc7): the five positions of "endpoint-1" and of "endpoint-1" with
  "endpoint-2", duplicates ignored, 2 x defaultWeight items, the trace IDs {1, 2, 0, 0} and
  {128, 128, 0, 0} routed to endpoint-1 and endpoint-2, and the binary-search table
  (position 85 -> 121, 351 wraps to 14, 271 -> 350);
- Karger et al.'s monotonicity of consistent hashing: adding an endpoint moves keys only
  to it, removing one moves only its keys;
- the closed forms of the chapter (split traces, failover shares, failback delay) against
  simulation, and the failback delay against a Monte Carlo of the probe schedule written
  here from the connector's README (probe after retry_interval + retry_gap, then every
  retry_interval).
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb.advanced.multicloud import (
    RING_POSITIONS,
    Destination,
    HashRing,
    abandon_probability,
    expected_split_traces,
    failback_delay,
    failover_shares,
    moved_fraction,
    rank_destinations,
    simulate_failover,
    simulate_membership_change,
)

# --- the Collector's consistent_hashing_test.go ------------------------------------------


def test_positions_match_the_collector_single_endpoint() -> None:
    ring = HashRing(["endpoint-1"], weight=5)
    assert ring.points.tolist() == [1401, 4175, 14133, 17836, 21667]
    assert set(ring.owners.tolist()) == {0}


def test_duplicate_endpoints_are_ignored_like_the_collector() -> None:
    ring = HashRing(["endpoint-1", "endpoint-1"], weight=5)
    assert ring.points.tolist() == [1401, 4175, 14133, 17836, 21667]
    assert ring.endpoints == ("endpoint-1",)


def test_positions_match_the_collector_two_endpoints() -> None:
    ring = HashRing(["endpoint-1", "endpoint-2"], weight=5)
    expected = [
        (1401, "endpoint-1"),
        (4175, "endpoint-1"),
        (10240, "endpoint-2"),
        (14133, "endpoint-1"),
        (15002, "endpoint-2"),
        (17836, "endpoint-1"),
        (21263, "endpoint-2"),
        (21667, "endpoint-1"),
        (26806, "endpoint-2"),
        (27020, "endpoint-2"),
    ]
    got = [(int(p), ring.endpoints[int(o)]) for p, o in zip(ring.points, ring.owners)]
    assert got == expected


def test_default_ring_size_and_endpoint_for_match_the_collector() -> None:
    ring = HashRing(["endpoint-1", "endpoint-2"])
    assert len(ring.points) == 2 * 100
    assert ring.endpoint_for(bytes([1, 2, 0, 0])) == "endpoint-1"
    assert ring.endpoint_for(bytes([128, 128, 0, 0])) == "endpoint-2"


@pytest.mark.parametrize(
    ("requested", "expected"),
    [(85, 121), (14, 14), (351, 14), (270, 270), (271, 350)],
)
def test_lookup_follows_the_collectors_binary_search(requested: int, expected: int) -> None:
    ring = HashRing(["x"], weight=1, positions=400)
    ring.points = np.array([14, 25, 33, 47, 56, 121, 134, 158, 240, 270, 350])
    ring.owners = np.arange(len(ring.points))
    assert int(ring.points[ring.owner_of(requested)]) == expected


# --- ring properties -----------------------------------------------------------------------


def test_position_is_crc32_modulo_positions() -> None:
    ring = HashRing(["a"])
    key = bytes(range(16))
    assert ring.position(key) == zlib.crc32(key) % RING_POSITIONS
    assert ring.endpoint_for(key) == "a"


def test_shares_add_up_and_are_near_even() -> None:
    ring = HashRing([f"collector-{i}:4317" for i in range(8)])
    shares = np.array(list(ring.shares().values()))
    assert shares.sum() == pytest.approx(1.0)
    # README: "standard deviation under 5%" with the default weight (here relative to 1/n)
    assert shares.std() / shares.mean() < 0.25
    assert np.all(shares > 0)


names = st.lists(
    st.text(alphabet="abcdefghij0123456789-.:", min_size=1, max_size=12),
    min_size=1,
    max_size=6,
    unique=True,
)


@settings(max_examples=25 * SCALE)
@given(names, st.text(alphabet="klmnop", min_size=1, max_size=8))
def test_adding_an_endpoint_moves_keys_only_to_it(base: list[str], extra: str) -> None:
    old, new = HashRing(base), HashRing([*base, extra])
    before, after = old.owner_table(), new.owner_table()
    moved = [a for b, a in zip(before, after) if a != b]
    assert set(moved) <= {extra}
    assert moved_fraction(old, new) == pytest.approx(new.shares()[extra])


@settings(max_examples=25 * SCALE)
@given(names.filter(lambda n: len(n) >= 2), st.data())
def test_removing_an_endpoint_moves_only_its_keys(base: list[str], data: st.DataObject) -> None:
    gone = data.draw(st.sampled_from(base))
    old, new = HashRing(base), HashRing([e for e in base if e != gone])
    before, after = old.owner_table(), new.owner_table()
    assert all(b == gone for b, a in zip(before, after) if a != b)
    assert moved_fraction(old, new) == pytest.approx(old.shares()[gone])


def test_moved_fraction_is_near_one_over_n_plus_one_and_far_below_modulo() -> None:
    # README: "Around R/N of the routes will be rerouted"; mod-N hashing moves n/(n+1).
    fractions = []
    for n in range(4, 12):
        old = HashRing([f"10.0.0.{i}:4317" for i in range(n)])
        new = HashRing([f"10.0.0.{i}:4317" for i in range(n + 1)])
        fractions.append(moved_fraction(old, new) * (n + 1))
    assert 0.6 < np.mean(fractions) < 1.4
    assert max(f / (n + 1) for f, n in zip(fractions, range(4, 12))) < 0.4


def test_moved_fraction_matches_routing_random_trace_ids() -> None:
    old = HashRing(["a", "b", "c"])
    new = HashRing(["a", "b", "c", "d"])
    rng = np.random.default_rng(5)
    ids = [rng.bytes(16) for _ in range(20_000)]
    changed = np.mean([old.endpoint_for(k) != new.endpoint_for(k) for k in ids])
    m = moved_fraction(old, new)
    assert abs(changed - m) < 4 * math.sqrt(m * (1 - m) / len(ids))


# --- membership change: simulation against the closed form -------------------------------


def test_split_traces_match_the_closed_form_with_one_load_balancer() -> None:
    old = HashRing([f"tail-{i}" for i in range(4)])
    new = HashRing([f"tail-{i}" for i in range(5)])
    counts, expected = [], 0.0
    for seed in range(8):
        r = simulate_membership_change(
            old,
            new,
            trace_rate=300.0,
            mean_spread=4.0,
            duration=120.0,
            change_at=60.0,
            seed=seed,
        )
        counts.append(r.split_traces)
        expected = r.expected_split
    assert expected == pytest.approx(300.0 * moved_fraction(old, new) * 4.0)
    mean = float(np.mean(counts))
    # counts are Poisson (thinned Poisson process): standard error sqrt(mean / runs)
    assert abs(mean - expected) < 4 * math.sqrt(expected / len(counts))


def test_resolver_lag_widens_the_window_up_to_the_bound() -> None:
    old = HashRing([f"tail-{i}" for i in range(4)])
    new = HashRing([f"tail-{i}" for i in range(3)])
    kw = dict(trace_rate=300.0, mean_spread=2.0, duration=120.0, change_at=50.0)
    lagged = [
        simulate_membership_change(old, new, resolver_lag=5.0, instances=10, seed=s, **kw)
        for s in range(6)
    ]
    plain = [simulate_membership_change(old, new, seed=s, **kw) for s in range(6)]
    mean_lagged = np.mean([r.split_traces for r in lagged])
    mean_plain = np.mean([r.split_traces for r in plain])
    bound = lagged[0].split_bound
    assert bound == pytest.approx(300.0 * moved_fraction(old, new) * 7.0)
    assert mean_plain + 4 * math.sqrt(mean_plain) < mean_lagged
    assert mean_lagged < bound + 4 * math.sqrt(bound / 6)


def test_one_instance_with_lag_shifts_the_change_without_more_splits() -> None:
    old, new = HashRing(["a", "b"]), HashRing(["a", "b", "c"])
    kw = dict(trace_rate=200.0, mean_spread=3.0, duration=100.0, change_at=40.0)
    lagged = [
        simulate_membership_change(old, new, resolver_lag=10.0, seed=s, **kw).split_traces
        for s in range(8)
    ]
    expected = expected_split_traces(200.0, moved_fraction(old, new), 3.0)
    assert abs(np.mean(lagged) - expected) < 4 * math.sqrt(expected / 8)


def test_no_change_splits_nothing_and_every_span_is_counted() -> None:
    ring = HashRing(["a", "b", "c"])
    r = simulate_membership_change(ring, ring, trace_rate=50.0, mean_spread=5.0, seed=1)
    assert r.split_traces == 0 and r.moved_fraction == 0.0
    assert sum(r.spans_per_backend.values()) == r.spans == r.traces * 8


# --- routing --------------------------------------------------------------------------------


def test_rank_destinations_weighs_latency_cost_and_health() -> None:
    ds = [
        Destination("aws-eu", 12.0, 0.09, provider="aws"),
        Destination("gcp-eu", 15.0, 0.05, provider="gcp"),
        Destination("azure-us", 95.0, 0.02, provider="azure"),
        Destination("aws-us", 90.0, 0.0, healthy=False),
    ]
    assert [d.name for d in rank_destinations(ds, ms_per_dollar=0)] == [
        "aws-eu",
        "gcp-eu",
        "azure-us",
    ]
    # 1000 ms per $/GiB: scores 102, 65, 115
    assert [d.name for d in rank_destinations(ds, ms_per_dollar=1000)] == [
        "gcp-eu",
        "aws-eu",
        "azure-us",
    ]
    assert [d.name for d in rank_destinations(ds, max_latency_ms=13)] == ["aws-eu"]


# --- failover ------------------------------------------------------------------------------


def test_failover_shares_closed_form() -> None:
    s = failover_shares([0.9, 0.8, 0.5])
    assert s.tolist() == pytest.approx([0.9, 0.1 * 0.8, 0.1 * 0.2 * 0.5, 0.1 * 0.2 * 0.5])
    assert s.sum() == pytest.approx(1.0)


def test_fast_retries_approach_instant_failback() -> None:
    mttf, mttr, interval, gap, duration = [2_000.0] * 2, [200.0] * 2, 10.0, 1.0, 4e6
    r = simulate_failover(
        mttf, mttr, retry_interval=interval, retry_gap=gap, max_retries=0, duration=duration, seed=4
    )
    a = [f / (f + d) for f, d in zip(mttf, mttr)]
    shares = failover_shares(a)
    cycles = duration / (mttf[0] + mttr[0])
    # standard error of a down-time fraction over n alternating exponential cycles, plus
    # the most the retry schedule can strand per primary outage (interval + gap)
    se = (1 - a[0]) * math.sqrt(2 / cycles)
    bias = cycles * (interval + gap) / duration
    assert r.shares.tolist() == pytest.approx(shares[:-1].tolist(), abs=4 * se + bias)
    assert r.lost == pytest.approx(float(shares[-1]), abs=4 * se * (1 - a[1]) + bias)
    assert 0 < r.below_best < bias


def test_failback_delay_matches_a_monte_carlo_of_the_probe_schedule() -> None:
    mttr, interval, gap = 1800.0, 600.0, 30.0
    x = np.random.default_rng(9).exponential(mttr, 200_000)
    k = np.maximum(np.ceil((x - interval - gap) / interval), 0)  # probes that fail
    away = (k + 1) * interval + gap
    assert failback_delay(mttr, interval, gap) == pytest.approx(away.mean(), rel=0.01)
    for limit in (1, 3, 10):
        assert abandon_probability(mttr, interval, gap, limit) == pytest.approx(
            np.mean(k >= limit), abs=0.004
        )
    assert abandon_probability(mttr, interval, gap, 0) == 0.0


def test_primary_share_in_simulation_matches_the_failback_delay() -> None:
    f, m, interval, gap = 60_000.0, 1_800.0, 600.0, 30.0
    r = simulate_failover(
        [f, 1e12],
        [m, 1.0],
        retry_interval=interval,
        retry_gap=gap,
        max_retries=0,
        duration=3e7,
        seed=3,
    )
    closed = f / (f + failback_delay(m, interval, gap))
    # ~500 cycles: the share's standard error is about 0.001
    assert r.shares[0] == pytest.approx(closed, abs=0.004)
    assert r.failovers == r.failbacks or r.failovers == r.failbacks + 1


def test_max_retries_abandons_a_level_after_a_long_outage() -> None:
    # outages of 10 h on average against one retry: the primary is soon given up for good
    r = simulate_failover(
        [50_000.0, 1e12],
        [36_000.0, 1.0],
        retry_interval=600.0,
        retry_gap=30.0,
        max_retries=1,
        duration=1e7,
        seed=0,
    )
    assert r.abandoned == (0,)
    assert r.below_best > 0.5


def test_all_levels_down_loses_data() -> None:
    r = simulate_failover(
        [1_000.0],
        [1_000.0],
        retry_interval=60.0,
        retry_gap=10.0,
        max_retries=0,
        duration=2e6,
        seed=1,
    )
    assert r.lost == pytest.approx(0.5, abs=0.05)
    assert r.shares[0] + r.lost == pytest.approx(1.0)


# --- validation ---------------------------------------------------------------------------


def test_bad_input_names_the_argument() -> None:
    with pytest.raises(ValueError, match="endpoints"):
        HashRing([])
    with pytest.raises(TypeError, match=r"endpoints\[1\]"):
        HashRing(["a", 3])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="weight"):
        HashRing(["a"], weight=300)
    with pytest.raises(ValueError, match="positions"):
        moved_fraction(HashRing(["a"]), HashRing(["a"], positions=100))
    with pytest.raises(ValueError, match="moved"):
        expected_split_traces(1.0, 1.5, 1.0)
    with pytest.raises(ValueError, match="change_at"):
        simulate_membership_change(
            HashRing(["a"]),
            HashRing(["b"]),
            trace_rate=1.0,
            mean_spread=1.0,
            duration=10.0,
            change_at=20.0,
        )
    with pytest.raises(ValueError, match="retry_interval"):
        simulate_failover([1.0, 1.0], [1.0, 1.0], retry_interval=60.0, retry_gap=30.0)
    with pytest.raises(ValueError, match="mttf and mttr"):
        simulate_failover([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="availability"):
        failover_shares([1.2])
    with pytest.raises(ValueError, match="latency_ms"):
        Destination("x", -1.0, 0.0)
    with pytest.raises(TypeError, match="key"):
        HashRing(["a"]).endpoint_for("trace")  # type: ignore[arg-type]
