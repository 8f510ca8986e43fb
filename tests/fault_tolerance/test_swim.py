"""Tests of otlpkb.fault_tolerance.swim (chapter 2.2, Failure detection).

External check: the analysis in Das, Gupta and Motivala, "SWIM: Scalable Weakly-consistent
Infection-style Process Group Membership Protocol", DSN 2002, doi:10.1109/DSN.2002.1028914,
section 3.1:

* the expected time to first detection of a crash, 1/(1 - (1 - 1/n)^(n q_f)) protocol
  periods, which tends to e/(e - 1) for large n;
* the probability that a probe of a non-faulty member by a non-faulty member declares it
  failed, (1 - (1 - q_ml)^2) (1 - q_f (1 - q_ml)^4)^k.

The simulation is compared with these values within confidence intervals computed here
(normal approximation, z = 4, so a correct simulation fails about once in 16,000 runs;
the seeds are fixed, so a run is reproducible). Sizes scale with OTLPKB_TEST_SCALE.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import hypergeom

from kbtest import SCALE
from otlpkb.fault_tolerance.swim import (
    SwimSimulation,
    expected_first_detection_periods,
    false_positive_probability,
    false_positive_trial,
    first_detection_periods,
)

Z = 4.0


class TestAnalysis:
    def test_large_group_limit_is_e_over_e_minus_1(self):
        # "... tends to e/(e-1) as n grows" (SWIM section 3.1)
        assert expected_first_detection_periods(10**7) == pytest.approx(
            math.e / (math.e - 1), rel=1e-6
        )

    def test_limit_with_faulty_members(self):
        q_f = 0.5
        assert expected_first_detection_periods(10**7, q_f) == pytest.approx(
            1 / (1 - math.exp(-q_f)), rel=1e-6
        )

    def test_small_group_by_hand(self):
        # n = 2, q_f = 1: the other member is picked with probability 1 - (1/2)^2 = 3/4
        assert expected_first_detection_periods(2) == pytest.approx(4 / 3)

    def test_false_positive_by_hand(self):
        # no loss: never a false positive; no indirect probes: only the direct probe
        assert false_positive_probability(0.0, 3) == 0.0
        assert false_positive_probability(0.1, 0) == pytest.approx(1 - 0.9**2)
        assert false_positive_probability(0.1, 2, q_f=0.0) == pytest.approx(1 - 0.9**2)
        assert false_positive_probability(1.0, 5) == 1.0

    @settings(max_examples=100, deadline=None)
    @given(q=st.floats(0.0, 0.99), k=st.integers(0, 8), q_f=st.floats(0.0, 1.0))
    def test_false_positive_decreases_with_k(self, q, k, q_f):
        # "the probability of a false positive decreases exponentially with k"
        assert false_positive_probability(q, k + 1, q_f) <= false_positive_probability(q, k, q_f)


def _mean_ci(x: np.ndarray) -> tuple[float, float]:
    return float(x.mean()), Z * float(x.std(ddof=1)) / math.sqrt(x.size)


class TestSimulationAgainstPaper:
    def test_first_detection_time(self):
        # one crashed member among n = 300: q_f = 299/300 and the paper's formula applies
        n = 300
        times = first_detection_periods(n, replicas=1500 * SCALE, seed=11)
        mean, half = _mean_ci(times.astype(float))
        assert abs(mean - expected_first_detection_periods(n, (n - 1) / n)) < half
        # and the distribution is geometric: P(T = 1) = 1 - (1 - 1/(n - 1))^(n - 1)
        p1 = 1 - (1 - 1 / (n - 1)) ** (n - 1)
        frac = float(np.mean(times == 1))
        assert abs(frac - p1) < Z * math.sqrt(p1 * (1 - p1) / times.size)

    @pytest.mark.parametrize(("k", "loss"), [(0, 0.05), (1, 0.1), (3, 0.2), (3, 0.35)])
    def test_false_positive_rate_all_members_alive(self, k, loss):
        trial = false_positive_trial(60, k, loss, periods=800 * SCALE, seed=5 + k)
        # SWIM section 3.1 with every member alive (q_f = 1), written out here
        p = (1 - (1 - loss) ** 2) * (1 - (1 - loss) ** 4) ** k
        assert trial.predicted == pytest.approx(p, rel=1e-12)
        # every live member probes one live member per period
        assert trial.probes == 60 * 800 * SCALE
        half = Z * math.sqrt(p * (1 - p) / trial.probes)
        assert abs(trial.rate - p) < half, (trial, half)

    def test_false_positive_rate_with_crashed_members(self):
        # With f crashed members the k helpers are drawn without replacement from the
        # n - 2 members other than prober and target, so the number of live helpers is
        # hypergeometric; the paper's (1 - q_f (1-q_ml)^4)^k is its binomial limit.
        n, crashed, k, loss = 60, 20, 3, 0.2
        trial = false_positive_trial(n, k, loss, periods=800 * SCALE, crashed=crashed, seed=9)
        d4 = (1 - loss) ** 4
        live_others = n - crashed - 2
        helpers = hypergeom(n - 2, live_others, k)
        exact = (1 - (1 - loss) ** 2) * sum(helpers.pmf(j) * (1 - d4) ** j for j in range(k + 1))
        half = Z * math.sqrt(exact * (1 - exact) / trial.probes)
        assert abs(trial.rate - exact) < half
        # the paper's value with q_f = (n - crashed)/n is close to the exact one
        paper = (1 - (1 - loss) ** 2) * (1 - (n - crashed) / n * d4) ** k
        assert trial.predicted == pytest.approx(paper, rel=1e-12)
        assert trial.predicted == pytest.approx(exact, rel=0.1)

    def test_suspicion_cuts_false_declarations(self):
        loss = 0.3
        plain = SwimSimulation(60, k=1, loss=loss, seed=3).run(400 * SCALE)
        susp = SwimSimulation(60, k=1, loss=loss, suspicion_timeout=3, seed=3).run(400 * SCALE)
        assert plain.false_declarations > 0
        # a suspect survives only if it fails to refute in 2 later periods (loss^2) and
        # no probe of it succeeds meanwhile: at least a factor 1/loss^2 ~ 11 fewer
        assert susp.false_declarations * 5 < plain.false_declarations
        assert susp.suspicions_of_live > 0

    def test_suspicion_delays_true_detection(self):
        sim = SwimSimulation(40, k=3, loss=0.0, suspicion_timeout=4, seed=1)
        sim.crash(5)
        stats = sim.run(40)
        # detected (suspected) in some period d >= 1, declared 3 periods later
        assert stats.first_detection[5] >= 4


class TestSimulationMechanics:
    def test_no_loss_no_false_positives(self):
        stats = SwimSimulation(30, k=2, loss=0.0, seed=2).run(100)
        assert stats.failed_probes_of_live == 0
        assert stats.probes_of_live == 30 * 100

    def test_seeded_runs_repeat(self):
        a = SwimSimulation(30, k=2, loss=0.2, seed=4).run(50)
        b = SwimSimulation(30, k=2, loss=0.2, seed=4).run(50)
        assert a == b

    def test_crashed_members_neither_probe_nor_count(self):
        sim = SwimSimulation(10, k=2, loss=0.0, seed=0)
        sim.crash(3)
        sim.crash(3)  # idempotent
        stats = sim.run(20)
        assert stats.probes_of_live <= 9 * 20
        assert 3 in stats.first_detection

    @settings(max_examples=20, deadline=None)
    @given(
        n=st.integers(3, 25), k=st.integers(0, 5), loss=st.floats(0.0, 0.9), seed=st.integers(0, 99)
    )
    def test_counters_consistent(self, n, k, loss, seed):
        k = min(k, n - 2)
        s = SwimSimulation(n, k=k, loss=loss, seed=seed).run(5)
        assert 0 <= s.failed_probes_of_live <= s.probes_of_live == 5 * n
        assert s.false_declarations == s.failed_probes_of_live


class TestBadInput:
    @pytest.mark.parametrize(
        ("kwargs", "name"),
        [
            (dict(n=2), "n"),
            (dict(n=10, k=9), "k"),
            (dict(n=10, k=-1), "k"),
            (dict(n=10, loss=1.0), "loss"),
            (dict(n=10, loss=-0.1), "loss"),
            (dict(n=10, suspicion_timeout=0), "suspicion_timeout"),
        ],
    )
    def test_simulation(self, kwargs, name):
        with pytest.raises(ValueError, match=name):
            SwimSimulation(**kwargs)

    def test_analysis(self):
        with pytest.raises(ValueError, match="q_ml"):
            false_positive_probability(1.5, 3)
        with pytest.raises(ValueError, match="k"):
            false_positive_probability(0.1, -1)
        with pytest.raises(ValueError, match="q_f"):
            expected_first_detection_periods(10, 0.0)
        with pytest.raises(ValueError, match="n"):
            expected_first_detection_periods(1)

    def test_crash_member_range(self):
        with pytest.raises(ValueError, match="member"):
            SwimSimulation(5).crash(5)
        with pytest.raises(ValueError, match="crashed"):
            false_positive_trial(10, 1, 0.1, 5, crashed=9)
