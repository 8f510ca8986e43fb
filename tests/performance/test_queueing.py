"""Tests for otlpkb.performance.queueing (chapter 1.1, Queueing models).

External checks, each named where it is used:
- mpmath arbitrary-precision direct evaluation of the Erlang B and C sums (thousands of
  servers, 1e-12 relative);
- published worked examples: Render, Stair & Hanna, *Quantitative Analysis for Management*
  (Pearson), chapter "Waiting Lines and Queuing Theory Models" (Arnold's Muffler Shop M/M/1
  and its two-mechanic M/M/2 variant; Garcia-Golding Recycling M/D/1; the instructor's
  manual Alternative Example 14.3, p. 218 of the 10th edition); the M/D/1 example of the
  Wikipedia article "M/D/1 queue" (revision 720593075); the call-centre staffing example
  of jonesthenet.com, "Erlang uplift" (250 calls/h, AHT 330 s, 80 % in 30 s -> 28 advisors);
- discrete-event simulation with Ciw (M/M/c) and SimPy (M/G/1), independent replications
  with a Student-t confidence interval computed in the test.
"""

from __future__ import annotations

import math

import ciw
import mpmath
import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from kbtest import SCALE
from otlpkb.performance.queueing import (
    MMcResult,
    QueueResult,
    erlang_b,
    erlang_c,
    md1,
    mg1,
    mm1,
    mmc,
    servers_for_service_level,
    simulate_fifo,
)

# ----------------------------------------------------------------------------- mpmath oracle


def mp_erlang_b(c: int, a: float) -> mpmath.mpf:
    """Direct evaluation B = (a^c/c!) / sum_k a^k/k!, in 40-digit arithmetic."""
    with mpmath.workdps(40):
        a_mp = mpmath.mpf(a)
        term = mpmath.mpf(1)
        total = mpmath.mpf(1)
        for k in range(1, c + 1):
            term = term * a_mp / k
            total += term
        return term / total


def mp_erlang_c(c: int, a: float) -> mpmath.mpf:
    """Direct evaluation of the Erlang C formula with its factorial sums (40 digits)."""
    with mpmath.workdps(40):
        a_mp = mpmath.mpf(a)
        term = mpmath.mpf(1)
        total = mpmath.mpf(1)  # sum_{k<c} a^k/k!
        for k in range(1, c):
            term = term * a_mp / k
            total += term
        top = term * a_mp / c * c / (c - a_mp)  # a^c/c! * c/(c-a)
        return top / (total + top)


@pytest.mark.parametrize(
    ("servers", "loads"),
    [
        (1, [0.01, 0.5, 0.99]),
        (2, [0.1, 1.0, 1.9]),
        (55, [30.0, 48.0, 54.5]),
        (1000, [900.0, 980.0, 999.0]),
        (10_000, [9_500.0, 9_900.0, 9_999.5]),
        (30_000, [29_700.0, 29_990.0]),
    ],
)
def test_erlang_b_and_c_match_mpmath_to_1e12(servers, loads):
    got_b = erlang_b(servers, loads)
    got_c = erlang_c(servers, loads)
    for a, gb, gc in zip(loads, got_b, got_c, strict=True):
        want_b = float(mp_erlang_b(servers, a))
        want_c = float(mp_erlang_c(servers, a))
        assert abs(gb - want_b) <= 1e-12 * want_b, (servers, a, gb, want_b)
        assert abs(gc - want_c) <= 1e-12 * want_c, (servers, a, gc, want_c)


def test_erlang_b_overloaded_and_tiny_loads_match_mpmath():
    # Erlang B has no stability condition: loads above the server count are fine.
    for c, a in [(500, 800.0), (5000, 4000.0), (50, 2.0), (2000, 1500.0)]:
        want = float(mp_erlang_b(c, a))
        assert want > 1e-300
        assert erlang_b(c, a) == pytest.approx(want, rel=1e-12)


def test_erlang_b_vectorised_shape_and_scalar_type():
    loads = np.linspace(0.0, 20.0, 12).reshape(3, 4)
    out = erlang_b(10, loads)
    assert out.shape == (3, 4)
    assert isinstance(erlang_b(10, 3.0), float)
    assert erlang_b(10, 0.0) == 0.0
    np.testing.assert_array_equal(out.ravel(), [erlang_b(10, float(x)) for x in loads.ravel()])


# ----------------------------------------------------------------------------- published examples


def test_render_arnolds_muffler_shop_mm1():
    # Render, Stair & Hanna, Arnold's Muffler Shop: lambda = 2 cars/h, mu = 3 cars/h.
    # Published: L = 2 cars, W = 1 h, Lq = 1.33 cars, Wq = 2/3 h = 40 min, rho = 0.67.
    q = mm1(2 / 3600, 3 / 3600)  # per second
    assert q.mean_in_system == pytest.approx(2.0)
    assert q.mean_response / 3600 == pytest.approx(1.0)
    assert q.mean_queue_length == pytest.approx(1.33, abs=0.005)
    assert q.mean_wait / 60 == pytest.approx(40.0)
    assert q.utilization == pytest.approx(0.67, abs=0.005)


def test_render_two_channel_mm2_examples():
    # Arnold's Muffler Shop with two mechanics (lambda = 2/h, mu = 3/h each). Published:
    # P0 = 0.5, L = 0.75, W = 22.5 min, Lq = 0.083, Wq = 2.5 min.
    q = mmc(2 / 3600, 3 / 3600, 2)
    assert q.mean_in_system == pytest.approx(0.75)
    assert q.mean_response / 60 == pytest.approx(22.5)
    assert q.mean_queue_length == pytest.approx(0.083, abs=0.0005)
    assert q.mean_wait / 60 == pytest.approx(2.5)
    # P0 = 1 - P(wait) - P(one busy); with rho = 1/3: P0 = (1 - rho)/(1 + rho) = 0.5.
    assert (1 - q.utilization) / (1 + q.utilization) == pytest.approx(0.5)
    # Instructor's manual Alternative Example 14.3 (p. 218): lambda = 20/h, mu = 30/h,
    # two open channels: idle probability P0 = 1/2 and L = 3/4 people.
    q2 = mmc(20 / 3600, 30 / 3600, 2)
    assert q2.mean_in_system == pytest.approx(0.75)


def test_render_garcia_golding_md1():
    # Render, Stair & Hanna, Garcia-Golding Recycling (constant service): lambda = 8
    # trucks/h, mu = 12 trucks/h. Published: Lq = 0.667 trucks, Wq = 1/12 h = 5 minutes.
    q = md1(8 / 3600, 12 / 3600)
    assert q.mean_queue_length == pytest.approx(0.667, abs=0.0005)
    assert q.mean_wait / 60 == pytest.approx(5.0)


def test_wikipedia_md1_example():
    # Wikipedia, "M/D/1 queue", Example: 20 customers/h, constant 30/h. Published:
    # average number in line 0.6667, in system 1.333, time in line 0.033 h, in system 0.067 h.
    q = md1(20 / 3600, 30 / 3600)
    assert q.mean_queue_length == pytest.approx(0.6667, abs=5e-5)
    assert q.mean_in_system == pytest.approx(1.333, abs=5e-4)
    assert q.mean_wait / 3600 == pytest.approx(0.033, abs=5e-4)
    assert q.mean_response / 3600 == pytest.approx(0.067, abs=5e-4)


def test_jonesthenet_erlang_staffing_example():
    # jonesthenet.com "Erlang uplift": an average hour of 250 calls, AHT 330 s, target
    # 80 % answered in 30 s -> "Erlang ... thinks we need 28 advisors" (22.9 Erlangs).
    lam, mu = 250 / 3600, 1 / 330
    assert lam / mu == pytest.approx(22.9, abs=0.05)
    assert servers_for_service_level(lam, mu, target_wait=30, level=0.8) == 28


def test_pollaczek_khinchine_reduces_to_mm1_and_md1():
    # Cooper, Introduction to Queueing Theory (2nd ed., 1981), p. 189: Wq = rho tau
    # (1 + sigma^2/tau^2) / (2 (1 - rho)); sigma = tau gives M/M/1, sigma = 0 gives M/D/1.
    lam, tau = 0.7, 1.0
    assert mg1(lam, tau, tau**2).mean_wait == pytest.approx(mm1(lam, 1 / tau).mean_wait)
    assert mg1(lam, tau, 0.0).mean_wait == pytest.approx(md1(lam, 1 / tau).mean_wait)
    assert md1(lam, 1.0).mean_wait == pytest.approx(mm1(lam, 1.0).mean_wait / 2)


# ----------------------------------------------------------------------------- properties


rates = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False)
utilizations = st.floats(min_value=0.01, max_value=0.99)


@settings(max_examples=100, deadline=None)
@given(mu=rates, rho=utilizations, c=st.integers(min_value=1, max_value=200))
def test_mmc_littles_law_and_consistency(mu, rho, c):
    lam = rho * c * mu
    q = mmc(lam, mu, c)
    assert q.utilization == pytest.approx(rho)
    assert q.mean_queue_length == pytest.approx(lam * q.mean_wait)
    assert q.mean_in_system == pytest.approx(lam * q.mean_response)
    assert q.mean_response == pytest.approx(q.mean_wait + 1 / mu)
    assert 0 <= q.p_wait <= 1
    assert erlang_b(c, lam / mu) <= q.p_wait + 1e-15
    assert q.wait_time_cdf(0.0) == pytest.approx(1 - q.p_wait)
    # The waiting time's mean is the integral of its survival function.
    assert q.mean_wait == pytest.approx(q.p_wait / (c * mu - lam))


@settings(max_examples=100, deadline=None)
@given(mu=rates, rho=utilizations)
def test_mm1_is_mmc_with_one_server(mu, rho):
    a, b = mm1(rho * mu, mu), mmc(rho * mu, mu, 1)
    for field in ("utilization", "p_wait", "mean_wait", "mean_response", "mean_queue_length"):
        assert getattr(a, field) == pytest.approx(getattr(b, field), rel=1e-9)


@settings(max_examples=100, deadline=None)
@given(a=st.floats(min_value=0.1, max_value=500), extra=st.integers(min_value=1, max_value=50))
def test_erlang_c_decreases_with_servers(a, extra):
    c = math.floor(a) + 1
    assert erlang_c(c + extra, a) < erlang_c(c, a)
    assert erlang_b(c + extra, a) < erlang_b(c, a)


@settings(max_examples=100, deadline=None)
@given(
    mu=st.floats(min_value=0.1, max_value=100),
    a=st.floats(min_value=0.1, max_value=300),
    t=st.floats(min_value=0, max_value=10),
    level=st.floats(min_value=0.05, max_value=0.999),
)
def test_servers_for_service_level_is_least(mu, a, t, level):
    lam = a * mu
    c = servers_for_service_level(lam, mu, t, level)
    assert c > a
    assert mmc(lam, mu, c).wait_time_cdf(t) >= level
    if c - 1 > a:
        assert mmc(lam, mu, c - 1).wait_time_cdf(t) < level


@settings(max_examples=100, deadline=None)
@given(lam=st.floats(min_value=0.01, max_value=0.99), cv2=st.floats(min_value=0, max_value=10))
def test_mg1_grows_with_service_variability(lam, cv2):
    base = mg1(lam, 1.0, 0.0).mean_wait
    q = mg1(lam, 1.0, cv2)
    assert q.mean_wait == pytest.approx(base * (1 + cv2))


# ----------------------------------------------------------------------------- simulation


def t_interval(samples, confidence=0.999):
    x = np.asarray(samples, dtype=float)
    half = stats.t.ppf(0.5 + confidence / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
    return x.mean() - half, x.mean() + half


def test_mmc_agrees_with_ciw_simulation():
    """Independent Ciw replications of an M/M/3 at 80 % utilization; the Erlang C mean wait,
    P(wait) and service level at 0.5 s must each lie in the 99.9 % t-interval."""
    lam, mu, c, horizon, warmup = 2.4, 1.0, 3, 1_000.0, 100.0
    q = mmc(lam, mu, c)
    reps = 12 * SCALE
    means, pwaits, levels = [], [], []
    for seed in range(reps):
        network = ciw.create_network(
            arrival_distributions=[ciw.dists.Exponential(rate=lam)],
            service_distributions=[ciw.dists.Exponential(rate=mu)],
            number_of_servers=[c],
        )
        ciw.seed(seed)
        sim = ciw.Simulation(network)
        sim.simulate_until_max_time(horizon + warmup)
        w = np.array([r.waiting_time for r in sim.get_all_records() if r.arrival_date > warmup])
        means.append(w.mean())
        pwaits.append((w > 0).mean())
        levels.append((w <= 0.5).mean())
    for name, data, want in [
        ("mean_wait", means, q.mean_wait),
        ("p_wait", pwaits, q.p_wait),
        ("service level", levels, q.wait_time_cdf(0.5)),
    ]:
        lo, hi = t_interval(data)
        assert lo <= want <= hi, (name, lo, want, hi)


def simpy_fifo(arrivals, services, servers):
    """The same customers through a SimPy Resource (a FIFO multi-server queue)."""
    env = simpy.Environment()
    resource = simpy.Resource(env, capacity=servers)
    waits = np.zeros(len(arrivals))

    def customer(i):
        with resource.request() as req:
            t0 = env.now
            yield req
            waits[i] = env.now - t0
            yield env.timeout(services[i])

    def source():
        for i, t in enumerate(arrivals):
            yield env.timeout(t - env.now)
            env.process(customer(i))

    env.process(source())
    env.run()
    return waits


@pytest.mark.parametrize("servers", [1, 4])
def test_simulate_fifo_matches_simpy_customer_by_customer(servers):
    rng = np.random.default_rng(7)
    arrivals = np.cumsum(rng.exponential(1.0, 3000))
    services = rng.gamma(0.5, 2.0 * servers * 0.85, 3000)
    waits, departures = simulate_fifo(arrivals, services, servers)
    np.testing.assert_allclose(waits, simpy_fifo(arrivals, services, servers), atol=1e-9)
    assert np.all(departures >= arrivals + services - 1e-12)


def test_mg1_agrees_with_replicated_simulation():
    """Pollaczek–Khinchine vs simulation with uniform(0, 2) service (cs^2 = 1/3), rho = 0.75."""
    lam, es, var = 0.75, 1.0, 4 / 12
    q = mg1(lam, es, var)
    means = []
    for seed in range(20 * SCALE):
        rng = np.random.default_rng(1000 + seed)
        n = 20_000
        arrivals = np.cumsum(rng.exponential(1 / lam, n))
        waits, _ = simulate_fifo(arrivals, rng.uniform(0.0, 2.0, n), 1)
        means.append(waits[2000:].mean())
    lo, hi = t_interval(means)
    assert lo <= q.mean_wait <= hi, (lo, q.mean_wait, hi)


def test_littles_law_on_simulated_data():
    # L (time average of the number present) = lambda * W holds sample path by sample
    # path; on a finite run whose customers all depart it is an identity of areas.
    rng = np.random.default_rng(3)
    arrivals = np.cumsum(rng.exponential(1 / 0.9, 50_000))
    _, departures = simulate_fifo(arrivals, rng.exponential(1.0, 50_000), 1)
    horizon = departures.max()
    events = np.concatenate([arrivals, departures])
    steps = np.concatenate([np.ones_like(arrivals), -np.ones_like(departures)])
    order = np.argsort(events, kind="stable")
    t, n = events[order], np.cumsum(steps[order])
    area = np.sum(n[:-1] * np.diff(t))
    lam_hat = len(arrivals) / horizon
    w_hat = np.mean(departures - arrivals)
    assert area / horizon == pytest.approx(lam_hat * w_hat, rel=1e-9)
    assert w_hat == pytest.approx(mm1(0.9, 1.0).mean_response, rel=0.25)


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "word"),
    [
        (lambda: erlang_b(0, 1.0), "servers"),
        (lambda: erlang_b(2.0, 1.0), "servers"),
        (lambda: erlang_b(True, 1.0), "servers"),
        (lambda: erlang_b(3, -1.0), "load"),
        (lambda: erlang_b(3, float("nan")), "load"),
        (lambda: erlang_c(3, [1.0, 3.0]), "load"),
        (lambda: mm1(0.0, 1.0), "arrival_rate"),
        (lambda: mm1(1.0, -2.0), "service_rate"),
        (lambda: mm1(float("nan"), 1.0), "arrival_rate"),
        (lambda: mmc(1.0, 1.0, 0), "servers"),
        (lambda: mg1(0.5, 1.0, -1.0), "service_variance"),
        (lambda: mg1(0.5, 0.0, 1.0), "mean_service"),
        (lambda: md1(1.0, 0.0), "service_rate"),
        (lambda: servers_for_service_level(1.0, 1.0, -1.0, 0.8), "target_wait"),
        (lambda: servers_for_service_level(1.0, 1.0, 1.0, 1.0), "level"),
        (lambda: servers_for_service_level(1.0, 1.0, 1.0, float("nan")), "level"),
        (lambda: mmc(1.0, 2.0, 1).wait_time_cdf(-1.0), "t"),
        (lambda: simulate_fifo([], [], 1), "arrival_times"),
        (lambda: simulate_fifo([1.0, 0.0], [1.0, 1.0], 1), "arrival_times"),
        (lambda: simulate_fifo([0.0, 1.0], [1.0], 1), "service_times"),
        (lambda: simulate_fifo([0.0], [-1.0], 1), "service_times"),
    ],
)
def test_bad_input_names_the_argument(call, word):
    with pytest.raises(ValueError, match=word):
        call()


def test_type_errors_for_non_numbers():
    with pytest.raises(TypeError, match="arrival_rate"):
        mm1("1", 2.0)


@pytest.mark.parametrize(
    "call",
    [
        lambda: mm1(3.0, 3.0),
        lambda: mmc(10.0, 1.0, 10),
        lambda: md1(5.0, 4.0),
        lambda: mg1(2.0, 0.5, 0.1),
    ],
)
def test_unstable_systems_raise_with_numbers(call):
    with pytest.raises(ValueError, match=r"unstable: utilization \d"):
        call()


def test_result_objects_are_frozen():
    q = mmc(1.0, 2.0, 2)
    assert isinstance(q, MMcResult) and isinstance(md1(1.0, 2.0), QueueResult)
    with pytest.raises(AttributeError):
        q.mean_wait = 0.0  # type: ignore[misc]
