"""The closed-network simulator (otlpkb.sim.closed): its own laws, and reproducibility.

External check: the operational laws (Little's law over the cycle, the utilization law),
which any correct simulation of a closed network satisfies up to sampling error.
"""

from __future__ import annotations

import pytest

from otlpkb.sim.closed import simulate_closed


def test_laws_hold_in_the_simulation() -> None:
    r = simulate_closed([0.3, 0.6, 1.0], 5, think_time=2.0, until=3000.0, warmup=100.0, seed=2)
    # Little: jobs at the centres = throughput x response time
    assert r.queue_lengths.sum() == pytest.approx(r.throughput * r.response_time, rel=0.03)
    # utilization law: U_k = X D_k
    assert r.utilizations.tolist() == pytest.approx(
        [r.throughput * d for d in (0.3, 0.6, 1.0)], rel=0.05
    )
    assert r.utilizations[2] <= 1.0


def test_same_seed_same_run() -> None:
    a = simulate_closed([0.5], 3, think_time=1.0, until=200.0, seed=9)
    b = simulate_closed([0.5], 3, think_time=1.0, until=200.0, seed=9)
    assert (a.throughput, a.cycles) == (b.throughput, b.cycles)


def test_delay_centres_do_not_queue() -> None:
    r = simulate_closed([1.0], 4, delay=[True], until=2000.0, warmup=50.0, seed=1)
    assert r.throughput == pytest.approx(4.0, rel=0.05)  # four jobs, one second each
    assert r.queue_lengths[0] == pytest.approx(4.0, rel=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"demands": [0.0]}, "demands"),
        ({"population": 0}, "population"),
        ({"think_time": -1.0}, "think_time"),
        ({"delay": [True, False]}, "delay"),
        ({"until": 1.0, "warmup": 2.0}, "until"),
    ],
)
def test_bad_arguments(kwargs, match) -> None:
    args = {"demands": [1.0], "population": 2, "until": 10.0, **kwargs}
    with pytest.raises(ValueError, match=match):
        simulate_closed(args.pop("demands"), args.pop("population"), **args)
