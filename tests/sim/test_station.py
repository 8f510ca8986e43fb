"""The M/M/c station against the textbook closed forms (chapter 1.3's external check).

The closed forms are written here from the textbook (Erlang C; e.g. Kleinrock, *Queueing
Systems* vol. 1, 1975, or Harchol-Balter, *Performance Modeling and Design of Computer
Systems*, 2013, ch. 14), not imported from otlpkb. Each check runs independent seeded
replications and requires the closed form inside the 99 % Student-t confidence interval
of the replication means. A second check runs ciw (a peer simulator) on the same model.
"""

import math

import ciw
import numpy as np
import pytest
from scipy import stats

from kbtest import SCALE
from otlpkb.sim import simulate_mmc


def erlang_c(lam, mu, c):
    """P(wait), Wq, Lq and utilization of M/M/c (textbook formulas)."""
    a, rho = lam / mu, lam / (c * mu)
    head = sum(a**k / math.factorial(k) for k in range(c))
    tail = a**c / math.factorial(c) / (1 - rho)
    p_wait = tail / (head + tail)
    wq = p_wait / (c * mu - lam)
    return {"p_wait": p_wait, "mean_wait": wq, "mean_queue_length": lam * wq, "utilization": rho}


def ci99(values):
    v = np.asarray(values)
    half = stats.t.ppf(0.995, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v))
    return v.mean() - half, v.mean() + half


@pytest.mark.parametrize(("lam", "mu", "c"), [(0.7, 1.0, 1), (3.0, 1.0, 4), (8.0, 1.0, 10)])
def test_mmc_agrees_with_closed_forms(lam, mu, c):
    reps = 10 * SCALE
    runs = [simulate_mmc(lam, mu, c, until=2500.0 / lam, warmup=50.0, seed=s) for s in range(reps)]
    expected = erlang_c(lam, mu, c)
    for key, value in expected.items():
        lo, hi = ci99([getattr(r, key) for r in runs])
        assert lo <= value <= hi, (
            f"{key}: closed form {value:.4f} outside 99% CI [{lo:.4f}, {hi:.4f}]"
        )


def test_mmc_side_by_side_with_ciw():
    """ciw (Palmer et al., J. Simulation 2019, doi:10.1080/17477778.2018.1473909)."""
    lam, mu, c, until, warm = 3.0, 1.0, 4, 1000.0, 50.0
    ours = [simulate_mmc(lam, mu, c, until=until, warmup=warm, seed=s).mean_wait for s in range(6)]
    theirs = []
    for s in range(6):
        ciw.seed(s)
        net = ciw.create_network(
            arrival_distributions=[ciw.dists.Exponential(lam)],
            service_distributions=[ciw.dists.Exponential(mu)],
            number_of_servers=[c],
        )
        q = ciw.Simulation(net)
        q.simulate_until_max_time(until)
        theirs.append(
            np.mean([r.waiting_time for r in q.get_all_records() if r.arrival_date > warm])
        )
    # Welch's t-test: no evidence that the two simulators differ (at the 1 % level)
    assert stats.ttest_ind(ours, theirs, equal_var=False).pvalue > 0.01


def test_station_is_seeded():
    a = simulate_mmc(2.0, 1.0, 3, until=300.0, seed=5)
    b = simulate_mmc(2.0, 1.0, 3, until=300.0, seed=5)
    c = simulate_mmc(2.0, 1.0, 3, until=300.0, seed=6)
    assert np.array_equal(a.waits, b.waits) and a.mean_queue_length == b.mean_queue_length
    assert not np.array_equal(a.waits, c.waits)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"arrival_rate": 0.0, "service_rate": 1.0, "servers": 1, "until": 10.0}, "arrival_rate"),
        ({"arrival_rate": 1.0, "service_rate": -1.0, "servers": 1, "until": 10.0}, "service_rate"),
        ({"arrival_rate": 1.0, "service_rate": 1.0, "servers": 0, "until": 10.0}, "servers"),
        (
            {"arrival_rate": 1.0, "service_rate": 1.0, "servers": 1, "until": 5.0, "warmup": 5.0},
            "until",
        ),
        (
            {"arrival_rate": 1.0, "service_rate": 1.0, "servers": 1, "until": 5.0, "warmup": -1.0},
            "warmup",
        ),
    ],
)
def test_station_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        simulate_mmc(**kwargs)
