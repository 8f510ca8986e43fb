"""Sources: rates of the Poisson and MMPP-2 sources, exact replay, seeded streams."""

import numpy as np
import pytest
import simpy
from scipy import stats

from otlpkb.sim import OnOffSource, PoissonSource, ReplaySource
from otlpkb.sim.sources import source_process


def _arrivals(source, until, seed):
    env, times, items = simpy.Environment(), [], []

    def deliver(n):
        times.append(env.now)
        items.append(n)

    env.process(source_process(env, source, np.random.default_rng(seed), deliver))
    env.run(until=until)
    return np.array(times), np.array(items)


def test_poisson_interarrivals_are_exponential():
    t, n = _arrivals(PoissonSource(rate=20.0, items_per_request=3), 500.0, 1)
    gaps = np.diff(t)
    assert set(n.tolist()) == {3}
    # Kolmogorov-Smirnov against Exp(20) (scipy as the reference distribution)
    assert stats.kstest(gaps, stats.expon(scale=1 / 20.0).cdf).pvalue > 0.01


def test_on_off_long_run_rate_and_burstiness():
    src = OnOffSource(rate_on=100.0, mean_on=0.5, mean_off=1.5)
    assert src.mean_rate == pytest.approx(25.0)
    t, _ = _arrivals(src, 2000.0, 2)
    assert len(t) / 2000.0 == pytest.approx(25.0, rel=0.05)
    counts = np.histogram(t, bins=np.arange(0, 2001, 1.0))[0]
    assert counts.var() / counts.mean() > 5  # overdispersed: much burstier than Poisson


def test_replay_is_exact():
    t, n = _arrivals(ReplaySource([0.0, 0.25, 0.25, 3.0], [1, 2, 3, 4]), 10.0, 0)
    assert t.tolist() == [0.0, 0.25, 0.25, 3.0] and n.tolist() == [1, 2, 3, 4]


def test_sources_use_only_their_generator():
    a, _ = _arrivals(PoissonSource(5.0), 50.0, 7)
    np.random.seed(0)  # global state must not matter
    b, _ = _arrivals(PoissonSource(5.0), 50.0, 7)
    assert np.array_equal(a, b)
