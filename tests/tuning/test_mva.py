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
    word = rf"(?<!\w){match}(?![\w\[])"  # the name as a word: not "XXthink_timeXX"
    for solve in (mva, mva_recursive, schweitzer, asymptotic_bounds, balanced_job_bounds):
        if solve in (asymptotic_bounds, balanced_job_bounds) and match == "no demand":
            match, word = "no demand", "at least one queueing centre with a demand > 0"
        with pytest.raises((ValueError, TypeError), match=word):
            solve(*args, **kwargs)


# ------------------------------------------------ definitions checked term by term


def test_every_solver_keeps_the_network_and_its_delay_centres() -> None:
    demands, delay = [0.3, 0.7, 4.0], [False, False, True]
    for solve in (mva, mva_recursive, schweitzer):
        r = solve(demands, 5, think_time=2.0, delay=delay)
        assert r.delay.tolist() == delay and r.demands.tolist() == demands
        assert (r.think_time, r.population) == (2.0, 5)
        assert r.bottleneck == 1  # the delay centre's larger demand does not count
        # Little's law at every centre and the response-time law R(n) = n / X(n) - Z
        assert r.residence_times == pytest.approx(r.queue_lengths / r.throughput[:, None])
        assert r.response_time == pytest.approx(np.arange(1, 6) / r.throughput - 2.0)
        # a delay centre has no queue: its residence time is its demand
        assert r.residence_times[:, 2] == pytest.approx(np.full(5, 4.0), rel=1e-12)


def test_exact_mva_with_a_delay_centre_against_the_product_form() -> None:
    """A delay centre of demand D is an infinite server: in the product form it contributes
    D^n / n! like the terminals' think time (Baskett, Chandy, Muntz & Palacios 1975)."""
    for solve in (mva, mva_recursive):
        r = solve([0.605, 2.1, 6.0], 4, think_time=9.0, delay=[False, False, True])
        for n in (1, 2, 4):
            x, q = brute_force([0.605, 2.1], n, 15.0)
            assert r.throughput[n - 1] == pytest.approx(x, rel=1e-12)
            assert r.queue_lengths[n - 1, :2] == pytest.approx(q, rel=1e-12)
            assert r.queue_lengths[n - 1, 2] == pytest.approx(6.0 * x, rel=1e-12)


def test_a_network_of_delay_centres_only() -> None:
    for solve in (mva, mva_recursive, schweitzer):
        r = solve([2.0, 3.0], 4, think_time=1.5, delay=[True, True])
        assert r.think_time == 1.5 and r.delay.tolist() == [True, True]
        assert r.queue_lengths.dtype == np.float64
        # a queueing centre without demand beside the delay centre stays empty
        empty = solve([0.0, 2.0], 3, think_time=1.5, delay=[False, True])
        assert empty.queue_lengths[-1].tolist() == pytest.approx([0.0, 6 / 3.5], rel=1e-12)
        assert r.throughput == pytest.approx(np.arange(1, 5) / 6.5, rel=1e-12)
        assert r.queue_lengths[-1] == pytest.approx([8 / 6.5, 12 / 6.5], rel=1e-12)


@pytest.mark.parametrize("unit", [1e-6, 1.0, 1e6])
@pytest.mark.parametrize("n", [1, 2, 7, 40, 300])
def test_schweitzer_solves_its_fixed_point(n, unit) -> None:
    """Schweitzer (1979), Bard (1979); QSP section 6.4.3: at population n the estimates
    satisfy R_k = D_k (1 + (n-1)/n Q_k) at a queueing centre, R_k = D_k at a delay
    centre, X = n / (Z + sum R_k) and Q_k = X R_k, all at once. A zero-demand centre
    stays empty."""
    demands, delay = [0.605, 2.1, 1.35, 0.0, 3.0], [False, False, False, False, True]
    d = np.array(demands) * unit  # in any unit of time: X scales as 1 / unit
    r = schweitzer(d, n, think_time=15.0 * unit, delay=delay)
    x, q = r.throughput[-1], r.queue_lengths[-1]
    residence = np.where(delay, d, d * (1 + (n - 1) / n * q))
    assert x == pytest.approx(n / (15.0 * unit + residence.sum()), rel=1e-10)
    assert q == pytest.approx(x * residence, rel=1e-10, abs=1e-15)
    assert q[3] == 0.0


def test_schweitzer_without_think_time_is_a_batch_network() -> None:
    batch = schweitzer([0.2, 0.5, 0.3], 30)
    assert batch.think_time == 0.0
    assert batch.throughput == pytest.approx(
        schweitzer([0.2, 0.5, 0.3], 30, think_time=0.0).throughput, rel=0
    )
    # one job never queues; many jobs saturate the bottleneck (1 / 0.5)
    assert batch.throughput[0] == pytest.approx(1.0, rel=1e-12)
    assert batch.throughput[-1] == pytest.approx(2.0, rel=0.05)


def test_mva_takes_the_normalising_constants_not_the_recursion(monkeypatch) -> None:
    """The documented fast path: below the overflow point (think time under about 700
    bottleneck demands) mva never falls back to the O(N)-step recursion, also with
    demands 5,000 times apart over 3,000 jobs (scan blocks of ratio**-b < 1e148)."""
    import otlpkb.tuning.mva as module

    reference = {
        (tuple(d), n, z): mva_recursive(d, n, think_time=z)
        for d, n, z in [
            ([5.0, 0.001, 0.01], 3000, 0.0),
            ([5.0, 0.001, 0.01], 3000, 200.0),
            ([0.605, 2.1, 1.35], 200, 15.0),
            ([1e200, 3e199], 50, 0.0),
        ]
    }

    def refuse(*args, **kwargs):
        raise AssertionError("mva fell back to the recursion")

    monkeypatch.setattr(module, "mva_recursive", refuse)
    for (d, n, z), want in reference.items():
        got = mva(list(d), n, think_time=z)
        assert got.throughput == pytest.approx(want.throughput, rel=1e-10)
        assert got.queue_lengths == pytest.approx(want.queue_lengths, rel=1e-9, abs=1e-300)


def test_the_fallback_is_quiet() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # overflow in G(n) is expected and handled
        fast = mva([1.0, 0.5], 3000, think_time=5000.0)
    assert np.all(np.isfinite(fast.throughput))


def test_schweitzer_reports_no_convergence() -> None:
    with pytest.raises(ValueError, match="did not converge in 1 steps"):
        schweitzer([0.605, 2.1, 1.35], 50, think_time=15.0, max_iterations=1)
    with pytest.raises(ValueError, match=r"(?<!\w)max_iterations(?!\w)"):
        schweitzer([1.0], 3, max_iterations=0)
    with pytest.raises(ValueError, match=r"(?<!\w)tolerance(?!\w)"):
        schweitzer([1.0], 3, tolerance=0.0)
    with pytest.raises(ValueError, match="no demand at all"):
        schweitzer([0.0], 3)


def qsp_bounds(demands, n, think):
    """QSP chapter 5, Table 5.1 (asymptotic) and section 5.4 (balanced job bounds), as
    printed there, for populations 1..n."""
    d_total, d_max, d_avg = sum(demands), max(demands), sum(demands) / len(demands)
    rows = []
    for m in range(1, n + 1):
        aba = (m / (m * d_total + think), min(m / (d_total + think), 1 / d_max))
        aba_r = (max(d_total, m * d_max - think), m * d_total)
        bjb = (
            m / (d_total + think + (m - 1) * d_max / (1 + think / (m * d_total))),
            min(1 / d_max, m / (d_total + think + (m - 1) * d_avg / (1 + think / d_total))),
        )
        bjb_r = (
            max(m * d_max - think, d_total + (m - 1) * d_avg / (1 + think / d_total)),
            d_total + (m - 1) * d_max / (1 + think / (m * d_total)),
        )
        rows.append((*aba, *aba_r, *bjb, *bjb_r))
    return np.array(rows).T


@pytest.mark.parametrize(
    ("demands", "think"),
    [([0.605, 2.1, 1.35], 0.0), ([0.605, 2.1, 1.35], 15.0), ([0.25, 0.75], 2.0)],
)
def test_bounds_are_the_published_formulas(demands, think) -> None:
    want = qsp_bounds(demands, 60, think)
    # a delay centre of demand 5 is 5 s more think time, and changes no queueing centre
    for delay_demand in (None, 5.0):
        if delay_demand is None:
            args, kwargs = demands, {"think_time": think}
        else:
            args = [*demands, delay_demand]
            kwargs = {"think_time": think, "delay": [False] * len(demands) + [True]}
            want = qsp_bounds(demands, 60, think + 5.0)
        a = asymptotic_bounds(args, 60, **kwargs)
        b = balanced_job_bounds(args, 60, **kwargs)
        got = [a.throughput_low, a.throughput_high, a.response_low, a.response_high]
        got += [b.throughput_low, b.throughput_high, b.response_low, b.response_high]
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert g == pytest.approx(w, rel=1e-12), i


def test_operational_laws_at_the_edges() -> None:
    one = operational_laws(10.0, 1, [10.0, 0.0])  # one job; a centre busy all the time
    assert one.throughput == 0.1 and one.utilizations.tolist() == [1.0, 0.0]
    assert one.visits is None and one.service_times is None and one.response_time is None
    idle = operational_laws(10.0, 5, [0.0, 0.0], centre_completions=[5, 0])
    assert idle.max_throughput == math.inf and idle.service_times.tolist() == [0.0, 0.0]
    # a centre busy with a job that has not completed yet: no service time to report
    open_job = operational_laws(10.0, 5, [2.0, 1.0], centre_completions=[5, 0])
    assert open_job.service_times.tolist() == [0.4, 0.0]
    assert open_job.visits.tolist() == [1.0, 0.0]
    assert operational_laws(10.0, 5, [1.0], population=2.0, think_time=1.0).response_time == 3.0


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"interval": 0.0}, "interval"),
        ({"completions": 0}, "completions"),
        ({"completions": 2.0}, "completions"),
        ({"completions": True}, "completions"),
        ({"busy_times": []}, "busy_times"),
        ({"busy_times": [[1.0]]}, "busy_times"),
        ({"busy_times": [1.0, -1.0]}, r"busy_times\[1\]"),
        ({"busy_times": [1.0, 10.5]}, r"busy_times\[1\]"),
        ({"centre_completions": [1, 2, 3]}, "centre_completions"),
        ({"centre_completions": [1, -2]}, "centre_completions"),
        ({"population": -1.0}, "population"),
        ({"think_time": -1.0}, "think_time"),
    ],
)
def test_operational_laws_name_bad_measurements(kwargs, word) -> None:
    args = {"interval": 10.0, "completions": 5, "busy_times": [1.0, 2.0], **kwargs}
    positional = [args.pop(name) for name in ("interval", "completions", "busy_times")]
    with pytest.raises(ValueError, match=rf"(?<!\w){word}(?!\w)"):
        operational_laws(*positional, **args)
