"""Mean Value Analysis, bounds and operational laws (chapter 6.2).

External checks: Lazowska et al., *Quantitative System Performance* (1984), chapter 6
(p. 117): the model with D_CPU = 0.605 s, D_disk1 = 2.1 s, D_disk2 = 1.35 s and Z = 15 s; its
exact solution is derived here from those published parameters by brute force — the
product-form stationary distribution summed over every state (Gordon & Newell 1967), with
exact fractions — not copied from the book. The bounds of QSP chapter 5 (asymptotic and
balanced job bounds, as in Octave's queueing package qncsaba/qncsbsb), and a SimPy
simulation of the same closed network (otlpkb.sim.closed).
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb.sim.closed import simulate_closed
from otlpkb.tuning.mva import (
    asymptotic_bounds,
    balanced_job_bounds,
    mva,
    mva_recursive,
    operational_laws,
    schweitzer,
)

QSP = ([0.605, 2.1, 1.35], 15.0)  # QSP chapter 6, p. 117: V_k S_k and think time


def brute_force(demands, n, think=0.0):
    """X(n) and Q_k(n) from the product form: P(state) ~ Z^n0/n0! * prod D_k^n_k."""
    d = [Fraction(x).limit_denominator(10**6) for x in demands]
    z = Fraction(think).limit_denominator(10**6)
    k = len(d)

    def weight(state):
        n0 = n - sum(state)
        w = z**n0 / math.factorial(n0) if n0 else Fraction(1)
        for dk, nk in zip(d, state, strict=True):
            w *= dk**nk
        return w

    def g(m):
        total = Fraction(0)
        for state in itertools.product(range(m + 1), repeat=k):
            if sum(state) <= m and (z > 0 or sum(state) == m):
                n0 = m - sum(state)
                w = z**n0 / math.factorial(n0) if n0 else Fraction(1)
                for dk, nk in zip(d, state, strict=True):
                    w *= dk**nk
                total += w
        return total

    states = [s for s in itertools.product(range(n + 1), repeat=k) if sum(s) <= n]
    if z == 0:
        states = [s for s in states if sum(s) == n]
    total = sum(weight(s) for s in states)
    queue = [sum(weight(s) * s[i] for s in states) / total for i in range(k)]
    return float(g(n - 1) / g(n)), [float(q) for q in queue]


def test_qsp_example_against_the_product_form() -> None:
    demands, think = QSP
    result = mva(demands, 3, think_time=think)
    for n in (1, 2, 3):
        x, q = brute_force(demands, n, think)
        assert result.throughput[n - 1] == pytest.approx(x, rel=1e-12)
        assert result.queue_lengths[n - 1] == pytest.approx(q, rel=1e-12)
    # the operational laws hold in the solution
    r = result
    assert r.response_time[-1] == pytest.approx(3 / r.throughput[-1] - think)
    assert r.utilizations[-1] == pytest.approx(r.throughput[-1] * np.array(demands))
    assert r.bottleneck == 1  # disk 1


def test_batch_network_against_the_product_form() -> None:
    demands = [0.2, 0.5, 0.3, 0.05]
    result = mva(demands, 6)
    x, q = brute_force(demands, 6)
    assert result.throughput[-1] == pytest.approx(x, rel=1e-12)
    assert result.queue_lengths[-1] == pytest.approx(q, rel=1e-12)


def test_a_delay_centre_is_the_same_as_think_time() -> None:
    with_delay = mva([0.3, 0.7, 4.0], 20, delay=[False, False, True])
    with_think = mva([0.3, 0.7], 20, think_time=4.0)
    assert with_delay.throughput == pytest.approx(with_think.throughput, rel=1e-12)
    assert with_delay.queue_lengths[:, 2] == pytest.approx(4.0 * with_delay.throughput)


networks = st.tuples(
    st.lists(st.floats(0.001, 5.0), min_size=1, max_size=8),
    st.integers(1, 400),
    st.sampled_from([0.0, 0.5, 10.0, 200.0]),
)


@settings(max_examples=40 * SCALE)
@given(networks)
def test_vectorised_mva_is_the_recursion(network) -> None:
    demands, n, think = network
    fast, slow = mva(demands, n, think_time=think), mva_recursive(demands, n, think_time=think)
    assert fast.throughput == pytest.approx(slow.throughput, rel=1e-10)
    assert fast.queue_lengths == pytest.approx(slow.queue_lengths, rel=1e-9, abs=1e-12)
    assert fast.response_time == pytest.approx(slow.response_time, rel=1e-9, abs=1e-12)


@settings(max_examples=40 * SCALE)
@given(networks)
def test_laws_and_bounds_hold(network) -> None:
    demands, n, think = network
    r = mva(demands, n, think_time=think)
    pops = np.arange(1, n + 1)
    # Little's law over the whole cycle, utilization law, bottleneck law
    assert r.queue_lengths.sum(axis=1) + r.throughput * think == pytest.approx(pops, rel=1e-9)
    assert np.all(r.utilizations <= 1 + 1e-12)
    assert np.all(r.throughput <= 1 / max(demands) * (1 + 1e-12))
    assert np.all(np.diff(r.throughput) >= -1e-12)
    for bounds in (asymptotic_bounds, balanced_job_bounds):
        b = bounds(demands, n, think_time=think)
        assert np.all(b.throughput_low <= r.throughput * (1 + 1e-9))
        assert np.all(r.throughput <= b.throughput_high * (1 + 1e-9))
        assert np.all(b.response_low <= r.response_time * (1 + 1e-9) + 1e-12)
        assert np.all(r.response_time <= b.response_high * (1 + 1e-9) + 1e-12)


def test_balanced_bounds_are_tighter_than_asymptotic_ones() -> None:
    demands, think = QSP
    a = asymptotic_bounds(demands, 50, think_time=think)
    b = balanced_job_bounds(demands, 50, think_time=think)
    assert np.all(b.throughput_low >= a.throughput_low)
    assert np.all(b.throughput_high <= a.throughput_high + 1e-15)


def test_huge_think_time_falls_back_to_the_recursion() -> None:
    fast = mva([1.0, 0.5], 3000, think_time=5000.0)
    slow = mva_recursive([1.0, 0.5], 3000, think_time=5000.0)
    assert fast.throughput == pytest.approx(slow.throughput, rel=1e-12)


def test_schweitzer_error_is_small_and_vanishes_at_the_extremes() -> None:
    demands, think = QSP
    exact = mva(demands, 200, think_time=think)
    approx = schweitzer(demands, 200, think_time=think)
    error = np.abs(approx.throughput / exact.throughput - 1)
    assert error[0] < 1e-9  # one job: no queueing, exact
    assert error.max() < 0.05
    assert error[-1] < 1e-3  # saturated: both at 1 / D_max
    assert approx.throughput[-1] == pytest.approx(1 / 2.1, rel=1e-3)


@pytest.mark.slow
def test_simulation_of_the_same_closed_network_agrees() -> None:
    demands, think = QSP
    exact = mva(demands, 3, think_time=think)
    runs = [
        simulate_closed(demands, 3, think_time=think, until=6000.0, warmup=200.0, seed=s)
        for s in range(6 * SCALE)
    ]
    x = np.array([r.throughput for r in runs])
    q = np.array([r.queue_lengths for r in runs])
    # replication means within 4 standard errors of MVA
    assert abs(x.mean() - exact.throughput[-1]) < 4 * x.std(ddof=1) / math.sqrt(len(x))
    se = q.std(axis=0, ddof=1) / math.sqrt(len(q))
    assert np.all(np.abs(q.mean(axis=0) - exact.queue_lengths[-1]) < 4 * se + 1e-3)


def test_operational_laws_from_counts() -> None:
    law = operational_laws(
        120.0, 2400, [60.0, 96.0, 12.0], centre_completions=[2400, 12000, 2400], population=30
    )
    assert law.throughput == 20.0
    assert law.demands.tolist() == [0.025, 0.04, 0.005]
    assert law.utilizations.tolist() == [0.5, 0.8, 0.1]
    assert law.visits.tolist() == [1.0, 5.0, 1.0]
    assert law.service_times.tolist() == pytest.approx([0.025, 0.008, 0.005])
    assert law.bottleneck == 1 and law.max_throughput == 25.0
    assert law.response_time == 1.5  # N / X - Z


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (([],), {}, "demands"),
        (([1.0, -1.0],), {}, r"demands\[1\]"),
        (([1.0], 0), {}, "population"),
        (([1.0], 2.5), {}, "population"),
        (([1.0], 2), {"think_time": -1.0}, "think_time"),
        (([1.0], 2), {"delay": [True, False]}, "delay"),
        (([0.0], 2), {}, "no demand"),
    ],
)
def test_bad_input_names_itself(args, kwargs, match) -> None:
    if len(args) == 1:
        args = (*args, 3)
    with pytest.raises((ValueError, TypeError), match=match):
        mva(*args, **kwargs)
