"""Tests of otlpkb.fault_tolerance.detectors (chapter 2.2, Failure detection).

External checks:

* Akka's own test suite, akka-remote/src/test/scala/akka/remote/AccrualFailureDetectorSpec.scala
  (akka/akka), transcribed scenario by scenario: the phi test values ("use good enough
  cumulative distribution function", "handle outliers", "return realistic phi values") and
  the detector scenarios driven by a fake clock. Akka counts milliseconds; here 1 ms = 0.001 s.
  Akka's fake clock hands out one timestamp per call to heartbeat/phi/isAvailable, so each
  call below is given the next timestamp of the scenario's list explicitly.
* Cassandra's exponential phi: org.apache.cassandra.gms.FailureDetector / ArrivalWindow,
  PHI_FACTOR = 1.0 / Math.log(10.0), phi = PHI_FACTOR * t / mean.
* scipy.stats.norm.logsf as the oracle of model="normal", far tail included.
* RFC 6298 ("Computing TCP's Retransmission Timer"), rules 2.1-2.5 and 5.5, quoted below.
"""

from __future__ import annotations

import math
from itertools import accumulate

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from otlpkb.fault_tolerance.detectors import (
    _AKKA_ZERO_Z,
    AdaptiveTimeoutDetector,
    ChenDetector,
    FixedTimeoutDetector,
    PhiAccrualDetector,
    RttEstimator,
    phi,
    replay,
)

MS = 0.001


def named(name: str) -> str:
    """A pattern matching ``name`` as a whole word of an error message."""
    return rf"(?<!\w){name}(?!\w)"


def cdf(
    p: float,
) -> float:  # AccrualFailureDetectorSpec: def cdf(phi: Double) = 1.0 - math.pow(10, -phi)
    return 1.0 - 10.0 ** (-p)


def fake_clock(intervals_ms: list[int]) -> list[float]:
    """Akka's fakeTimeGenerator: cumulative sums of the intervals, in seconds."""
    return [t * MS for t in accumulate(intervals_ms)]


def akka_detector(**kw: float) -> PhiAccrualDetector:
    """AccrualFailureDetectorSpec.createFailureDetector defaults: threshold 8, 1000 samples,
    min std 100 ms, acceptable pause 0, first heartbeat estimate 1 s."""
    args = dict(
        threshold=8.0,
        max_sample_size=1000,
        min_std_deviation=100 * MS,
        acceptable_heartbeat_pause=0.0,
        first_heartbeat_estimate=1.0,
    )
    args.update(kw)
    return PhiAccrualDetector(**args)  # type: ignore[arg-type]


# ---------------------------------------------------------------- Akka: phi formula values


class TestAkkaPhiValues:
    def test_good_enough_cdf(self):
        # "use good enough cumulative distribution function"
        assert cdf(phi(0, 0, 10)) == pytest.approx(0.5, abs=0.001)
        assert cdf(phi(6, 0, 10)) == pytest.approx(0.7257, abs=0.001)
        assert cdf(phi(15, 0, 10)) == pytest.approx(0.9332, abs=0.001)
        assert cdf(phi(20, 0, 10)) == pytest.approx(0.97725, abs=0.001)
        assert cdf(phi(25, 0, 10)) == pytest.approx(0.99379, abs=0.001)
        assert cdf(phi(35, 0, 10)) == pytest.approx(0.99977, abs=0.001)
        assert cdf(phi(40, 0, 10)) == pytest.approx(0.99997, abs=0.0001)
        for x in range(40):
            assert phi(x, 0, 10) < phi(x + 1, 0, 10)
        assert cdf(phi(22, 20.0, 3)) == pytest.approx(0.7475, abs=0.001)

    def test_outliers(self):
        # "handle outliers without losing precision or hitting exceptions"
        assert phi(10, 0, 1) == pytest.approx(38.0, abs=1.0)
        # Akka: fd.phi(-25L, 0, 1) should be(0.0). Elapsed time cannot be negative here,
        # so the same y = (t - mean)/std = -25 is written with a mean of 25.
        assert phi(0, 25, 1) == 0.0
        assert phi(np.array([0.0]), 25.0, 1.0)[0] == 0.0

    def test_realistic_values(self):
        # "return realistic phi values"
        expected = {0: 0.0, 500: 0.1, 1000: 0.3, 1200: 1.6, 1400: 4.7, 1600: 10.8, 1700: 15.3}
        for t, p in expected.items():
            assert phi(t * MS, 1000 * MS, 100 * MS) == pytest.approx(p, abs=0.1)
        assert phi(1.1, 1.0, 0.5) < phi(1.1, 1.0, 0.1)


# ---------------------------------------------------------------- Akka: detector scenarios


class TestAkkaDetectorScenarios:
    def test_phi_zero_when_no_heartbeats(self):
        fd = akka_detector()
        assert fd.phi(0.0) == 0.0
        assert fd.phi(0.0) == 0.0
        assert not fd.is_monitoring

    def test_phi_based_on_guess_with_one_heartbeat(self):
        t = fake_clock([0, 1000, 1000, 1000, 1000])
        fd = akka_detector(first_heartbeat_estimate=1.0)
        fd.heartbeat(t[0])
        assert fd.phi(t[1]) == pytest.approx(0.3, abs=0.2)
        assert fd.phi(t[2]) == pytest.approx(4.5, abs=0.3)
        assert fd.phi(t[3]) > 15.0

    def test_phi_using_first_interval_after_second_heartbeat(self):
        t = fake_clock([0, 100, 100, 100])
        fd = akka_detector()
        fd.heartbeat(t[0])
        assert fd.phi(t[1]) > 0.0
        fd.heartbeat(t[2])
        assert fd.phi(t[3]) > 0.0

    def test_monitored_after_successful_heartbeats(self):
        t = fake_clock([0, 1000, 100, 100])
        fd = akka_detector()
        assert not fd.is_monitoring
        fd.heartbeat(t[0])
        fd.heartbeat(t[1])
        fd.heartbeat(t[2])
        assert fd.is_monitoring
        assert fd.is_available(t[3])

    def test_dead_if_heartbeats_missed(self):
        t = fake_clock([0, 1000, 100, 100, 7000])
        fd = akka_detector(threshold=3.0)
        fd.heartbeat(t[0])  # 0
        fd.heartbeat(t[1])  # 1000
        fd.heartbeat(t[2])  # 1100
        assert fd.is_available(t[3])  # 1200
        assert not fd.is_available(t[4])  # 8200

    def test_available_again_after_heartbeats_resume(self):
        # 1000 regular intervals, a 5 minute pause, then a 7 s pause that must trigger again
        regular = [0] + [1000] * 999
        t = fake_clock([*regular, 5 * 60 * 1000, 100, 900, 100, 7000, 100, 900, 100, 900])
        fd = akka_detector(threshold=8.0, acceptable_heartbeat_pause=3.0)
        for i in range(1000):
            fd.heartbeat(t[i])
        assert not fd.is_available(t[1000])  # after the long pause
        fd.heartbeat(t[1001])
        assert fd.is_available(t[1002])
        fd.heartbeat(t[1003])
        assert not fd.is_available(t[1004])  # after the 7 s pause
        fd.heartbeat(t[1005])
        assert fd.is_available(t[1006])
        fd.heartbeat(t[1007])
        assert fd.is_available(t[1008])

    def test_accept_configured_missing_heartbeats(self):
        t = fake_clock([0, 1000, 1000, 1000, 4000, 1000, 1000])
        fd = akka_detector(acceptable_heartbeat_pause=3.0)
        for i in range(4):
            fd.heartbeat(t[i])
        assert fd.is_available(t[4])
        fd.heartbeat(t[5])
        assert fd.is_available(t[6])

    def test_fail_after_acceptable_missing_heartbeats(self):
        t = fake_clock([0, 1000, 1000, 1000, 1000, 1000, 500, 500, 5000])
        fd = akka_detector(acceptable_heartbeat_pause=3.0)
        for i in range(6):
            fd.heartbeat(t[i])
        assert fd.is_available(t[6])
        fd.heartbeat(t[7])
        assert not fd.is_available(t[8])

    def test_max_sample_size(self):
        t = fake_clock([0, 100, 100, 100, 100, 600, 500, 500, 500, 500, 500])
        fd = akka_detector(max_sample_size=3)
        for i in range(4):  # 100 ms intervals
            fd.heartbeat(t[i])
        phi1 = fd.phi(t[4])  # 400
        for i in range(5, 9):  # 500 ms intervals: the 100 ms ones are dropped
            fd.heartbeat(t[i])
        phi2 = fd.phi(t[9])  # 3000
        assert phi2 == pytest.approx(phi1, abs=0.001)


class TestAkkaHeartbeatStatistics:
    """'Statistics for heartbeats' in the same spec, through the detector's history."""

    def _history(self, samples_ms: list[int], max_size: int) -> PhiAccrualDetector:
        # Seed, then overwrite: build the history from the samples by heartbeating at
        # cumulative times with a detector that never suspects (huge pause).
        fd = PhiAccrualDetector(
            threshold=1e9, max_sample_size=max_size, acceptable_heartbeat_pause=1e6
        )
        fd.heartbeat(0.0)
        t = 0.0
        for s in samples_ms:
            t += s * MS
            fd.heartbeat(t)
        return fd

    def test_mean_and_variance(self):
        fd = self._history([100, 200, 125, 340, 130], max_size=5)  # the two seeds drop out
        assert fd.mean == pytest.approx(179.0 * MS, abs=1e-9)
        assert fd.std**2 == pytest.approx(7584.0 * MS * MS, abs=1e-9)

    def test_capped_history(self):
        fd = self._history([100, 110, 90], max_size=3)
        assert fd.mean == pytest.approx(100.0 * MS, abs=1e-9)
        assert fd.std**2 == pytest.approx(66.6666667 * MS * MS, abs=1e-9)
        fd.heartbeat(fd.last_heartbeat + 0.140)
        assert fd.mean == pytest.approx(113.333333 * MS, abs=1e-9)
        assert fd.std**2 == pytest.approx(422.222222 * MS * MS, abs=1e-9)
        fd.heartbeat(fd.last_heartbeat + 0.080)
        assert fd.mean == pytest.approx(103.333333 * MS, abs=1e-9)
        assert fd.std**2 == pytest.approx(688.88888889 * MS * MS, abs=1e-9)


# ---------------------------------------------------------------- our own detector rules


class TestPhiAccrualDetector:
    def test_first_heartbeat_seeds_two_intervals(self):
        fd = PhiAccrualDetector(first_heartbeat_estimate=2.0)
        fd.heartbeat(5.0)
        assert fd.intervals == (1.5, 2.5)
        assert fd.mean == 2.0 and fd.std == 0.5

    def test_interval_not_recorded_while_unavailable(self):
        fd = PhiAccrualDetector(threshold=3.0)
        for t in (0.0, 1.0, 2.0):
            fd.heartbeat(t)
        before = fd.intervals
        fd.heartbeat(60.0)  # suspected at 60 s: this interval is not recorded
        assert fd.intervals == before
        fd.heartbeat(61.0)
        assert fd.intervals == (*before, 1.0)

    def test_suspect_after_is_where_phi_reaches_threshold(self):
        fd = PhiAccrualDetector(threshold=8.0, acceptable_heartbeat_pause=0.5)
        for t in np.arange(0.0, 20.0, 1.0):
            fd.heartbeat(float(t))
        last = fd.last_heartbeat
        d = fd.suspect_after()
        assert fd.phi(last + d) >= 8.0
        assert fd.phi(last + d * (1 - 1e-12)) < 8.0
        assert fd.is_available(last + d * 0.999) and not fd.is_available(last + d)

    @pytest.mark.parametrize("model", ["logistic", "normal", "exponential"])
    def test_models(self, model):
        fd = PhiAccrualDetector(model=model)
        for t in (0.0, 1.0, 2.0, 3.0):
            fd.heartbeat(t)
        assert fd.phi(3.0) < fd.phi(4.0) < fd.phi(9.0)

    @pytest.mark.parametrize("model", ["normal", "exponential"])
    def test_the_model_reaches_phi(self, model):
        # seeded history: mean 1 s, std 0.25 s; one second late is y = 4 standard deviations
        fd = PhiAccrualDetector(model=model)
        fd.heartbeat(0.0)
        expected = {
            "normal": -norm.logsf(4.0) / math.log(10.0),  # scipy's normal tail
            "exponential": 2.0 / math.log(10.0),  # Cassandra: PHI_FACTOR * t / mean
        }[model]
        assert fd.phi(2.0) == pytest.approx(expected, rel=1e-12)

    def test_phi_equal_to_the_threshold_is_suspected(self):
        # Akka: isAvailable(timestamp) = phi(timestamp) < threshold, so phi == threshold
        # is a suspicion. Cassandra's form at mean 1 s: phi(t) = t / ln 10.
        probe = PhiAccrualDetector(model="exponential", first_heartbeat_estimate=1.0)
        probe.heartbeat(0.0)
        at_5 = probe.phi(5.0)
        assert at_5 == pytest.approx(5.0 / math.log(10.0), rel=1e-15)
        fd = PhiAccrualDetector(threshold=at_5, model="exponential")
        fd.heartbeat(0.0)
        assert fd.is_available(4.999) and not fd.is_available(5.0)

    def test_history_drift_is_corrected(self):
        fd = PhiAccrualDetector(max_sample_size=10, threshold=1e9)
        rng = np.random.default_rng(1)
        t = 0.0
        for x in rng.uniform(0.5, 1.5, size=10_000):
            t += float(x)
            fd.heartbeat(t)
        iv = np.array(fd.intervals)
        assert fd.mean == pytest.approx(iv.mean(), rel=1e-12)
        assert fd.std == pytest.approx(iv.std(), rel=1e-9)


#: Above this z, exp(-z) is subnormal (z > -ln(2**-1022) = 708.396...): Akka's literal code
#: loses digits there.
_AKKA_LITERAL_ACCURATE_Z = 708.0


def akka_literal(elapsed: float, mean: float, std: float) -> float:
    """PhiAccrualFailureDetector.phi(timeDiff, mean, stdDeviation), transcribed literally
    (Java's Math.exp returns Infinity on overflow)."""
    y = (elapsed - mean) / std
    try:
        e = math.exp(-y * (1.5976 + 0.070566 * y * y))
    except OverflowError:
        e = math.inf
    if elapsed > mean:
        return -math.log10(e / (1.0 + e)) if e > 0 else math.inf
    return -math.log10(1.0 - 1.0 / (1.0 + e))


class TestAkkaLiteral:
    """Our logistic phi against an oracle that is accurate wherever it is used.

    The oracle is mpmath at 50 digits evaluating log10(1 + exp(z)) for the same double
    z = y (1.5976 + 0.070566 y^2) (Akka's expression in exact arithmetic). Akka's literal
    double-precision code is a second oracle only where it is itself accurate: above the
    mean (z >= 0) while e = exp(-z) is a normal double. Below the mean its
    1 - 1/(1 + e) cancels, and for z > 708.4 e is subnormal, so the literal value loses
    digits (t = 29.8125, mean = 19.0625, std = 0.5 gives 319.4929680 for the exact
    319.4929788), and comparing there failed by chance.
    """

    @staticmethod
    def exact(t: float, mean: float, std: float) -> float:
        y = (t - mean) / std
        z = y * (1.5976 + 0.070566 * y * y)  # in doubles, as Akka and the library do
        with mpmath.workdps(50):
            return float(mpmath.log10(1 + mpmath.exp(mpmath.mpf(z))))

    @settings(max_examples=300, deadline=None)
    @given(t=st.floats(0, 50), mean=st.floats(0, 50), std=st.floats(0.01, 10))
    def test_same_value(self, t, mean, std):
        got = phi(t, mean, std)
        y = (t - mean) / std
        z = y * (1.5976 + 0.070566 * y * y)
        if z < _AKKA_ZERO_Z:
            assert got == 0.0  # where Akka's doubles give exactly 0
            return
        assert got == pytest.approx(self.exact(t, mean, std), rel=1e-12, abs=1e-300)
        if 0.0 <= z <= _AKKA_LITERAL_ACCURATE_Z:
            assert got == pytest.approx(akka_literal(t, mean, std), rel=1e-12)

    def test_subnormal_case_that_failed_by_chance(self):
        # Issue 9.22: here Akka's literal code works in subnormal doubles and is off by 3e-8
        got = phi(29.8125, 19.0625, 0.5)
        assert got == pytest.approx(self.exact(29.8125, 19.0625, 0.5), rel=1e-14)
        assert abs(akka_literal(29.8125, 19.0625, 0.5) - got) > 1e-6

    @pytest.mark.parametrize("y", [-6.0, -2.0, -0.5, 0.0, 0.5, 2.0, 5.2, 10.0, 20.0])
    def test_fixed_points(self, y):
        assert phi(10.0 + y, 10.0, 1.0) == pytest.approx(self.exact(10.0 + y, 10.0, 1.0), rel=1e-12)

    def test_exact_zero_region(self):
        # Akka's value is exactly 0 from z < -37.4299... on (bisected over doubles)
        def at_z(z):  # find y with y (1.5976 + 0.070566 y^2) = z by bisection, then phi
            lo, hi = -10.0, 0.0
            for _ in range(200):
                mid = (lo + hi) / 2
                if mid * (1.5976 + 0.070566 * mid * mid) < z:
                    lo = mid
                else:
                    hi = mid
            return hi

        y_in = at_z(_AKKA_ZERO_Z + 1e-9)
        y_out = at_z(_AKKA_ZERO_Z - 1e-9)
        assert akka_literal(10.0 + y_in, 10.0, 1.0) > 0.0
        assert akka_literal(10.0 + y_out, 10.0, 1.0) == 0.0
        assert phi(10.0 + y_out, 10.0, 1.0) == 0.0
        assert phi(np.array([10.0 + y_out]), 10.0, 1.0)[0] == 0.0


class TestCassandraExponential:
    def test_formula(self):
        # ArrivalWindow.phi: PHI_FACTOR * t / mean, PHI_FACTOR = 1.0 / Math.log(10.0)
        phi_factor = 1.0 / math.log(10.0)
        for t, mean in [(0.0, 1.0), (1.0, 1.0), (8.0, 2.0), (18.42, 1.0)]:
            assert phi(t, mean, model="exponential") == pytest.approx(phi_factor * t / mean)
        # phi_convict_threshold 8 with a 1 s mean: convicted after 8 ln 10 = 18.42 s
        assert phi(8 * math.log(10.0), 1.0, model="exponential") == pytest.approx(8.0)
        # and -log10 of the exponential survival function
        assert phi(3.0, 2.0, model="exponential") == pytest.approx(-math.log10(math.exp(-1.5)))


class TestCassandraExponentialArrays:
    def test_array_path(self):
        # ArrivalWindow.phi, PHI_FACTOR * t / mean, element by element; no std needed
        t = np.array([0.0, 1.0, 8.0, 18.42])
        mean = np.array([1.0, 1.0, 2.0, 1.0])
        got = phi(t, mean, model="exponential")
        np.testing.assert_allclose(got, t / mean / math.log(10.0), rtol=1e-15)


class TestNormalAgainstScipy:
    @pytest.mark.parametrize("y", [-40.0, -8.0, -1.0, 0.0, 0.5, 3.0, 10.0, 29.9, 30.1, 38.0, 1e3])
    def test_scalar(self, y):
        expected = -norm.logsf(y) / math.log(10.0)
        got = (
            phi(5.0 + y * 0.5, 5.0, 0.5, model="normal")
            if y >= -10
            else phi(0.0, -y, 1.0, model="normal")
        )
        assert got == pytest.approx(expected, rel=1e-10, abs=1e-15)

    @pytest.mark.parametrize("y", [30.0, 30.5])
    def test_asymptotic_series_to_the_last_term(self, y):
        # Just past the switch to the series the terms 105/y^8 and 945/y^10 still move
        # phi by 7e-11 and 1.4e-12; mpmath's erfc at 50 digits is the reference.
        mpmath.mp.dps = 50
        expected = float(-mpmath.log10(mpmath.erfc(mpmath.mpf(y) / mpmath.sqrt(2)) / 2))
        assert phi(y, 0.0, 1.0, model="normal") == pytest.approx(expected, rel=0, abs=2e-13)
        got = phi(np.array([y, 1.0]), 0.0, 1.0, model="normal")[0]
        assert got == pytest.approx(expected, rel=0, abs=2e-13)

    def test_array_far_tail(self):
        y = np.concatenate([np.linspace(-9, 60, 500), [100.0, 1e4, 1e6]])
        got = phi(y + 10.0, 10.0, 1.0, model="normal")
        expected = -norm.logsf(y) / math.log(10.0)
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-15)


class TestPhiProperties:
    @settings(max_examples=200, deadline=None)
    @given(
        t=st.floats(0, 1e4),
        mean=st.floats(0, 1e3),
        std=st.floats(1e-3, 1e3),
        model=st.sampled_from(["logistic", "normal"]),
    )
    def test_scalar_and_array_paths_agree(self, t, mean, std, model):
        a = phi(t, mean, std, model=model)
        b = phi(np.array([t]), mean, std, model=model)[0]
        assert a >= 0.0
        assert a == pytest.approx(b, rel=1e-12, abs=1e-300)

    @settings(max_examples=200, deadline=None)
    @given(
        t1=st.floats(0, 100),
        dt=st.floats(0, 100),
        mean=st.floats(0.01, 10),
        std=st.floats(0.01, 10),
        model=st.sampled_from(["logistic", "normal"]),
    )
    def test_monotone_in_elapsed(self, t1, dt, mean, std, model):
        assert phi(t1 + dt, mean, std, model=model) >= phi(t1, mean, std, model=model)

    def test_broadcasting(self):
        out = phi(np.array([[0.5], [1.5]]), np.array([1.0, 2.0]), 0.25)
        assert out.shape == (2, 2)
        assert out[1, 0] == phi(1.5, 1.0, 0.25)
        assert isinstance(phi(1.0, 1.0, 0.1), float)

    def test_logistic_close_to_normal_near_the_mean(self):
        # Akka's comment: the logistic approximation's error on the CDF is 0.00014 at +-3.16
        y = np.linspace(-3.16, 3.16, 101)
        approx = 1 - 10.0 ** -phi(y + 5.0, 5.0, 1.0)
        assert np.max(np.abs(approx - norm.cdf(y))) < 2e-4


class TestRfc6298:
    def test_rule_2_1_initial_rto(self):
        # 2.1: "Until a round-trip time (RTT) measurement has been made ... the sender
        # SHOULD set RTO <- 1 second"
        est = RttEstimator()
        assert est.rto == 1.0 and est.srtt is None and est.rttvar is None

    def test_rule_2_2_first_measurement(self):
        # 2.2: SRTT <- R, RTTVAR <- R/2, RTO <- SRTT + max (G, K*RTTVAR), K = 4
        est = RttEstimator(granularity=0.0, min_rto=0.001)
        est.observe(0.3)
        assert est.srtt == 0.3 and est.rttvar == 0.15
        assert est.rto == pytest.approx(0.3 + 4 * 0.15)

    def test_rule_2_2_granularity(self):
        est = RttEstimator(granularity=2.0)
        est.observe(0.1)
        assert est.rto == pytest.approx(0.1 + 2.0)  # max(G, K*RTTVAR) = G

    def test_rule_2_3_subsequent(self):
        # 2.3: RTTVAR <- (1 - beta) * RTTVAR + beta * |SRTT - R'| (with the old SRTT),
        # then SRTT <- (1 - alpha) * SRTT + alpha * R', alpha = 1/8, beta = 1/4
        est = RttEstimator(min_rto=0.001)
        est.observe(2.0)
        est.observe(1.0)
        rttvar = 0.75 * 1.0 + 0.25 * abs(2.0 - 1.0)
        srtt = 0.875 * 2.0 + 0.125 * 1.0
        assert est.rttvar == pytest.approx(rttvar)
        assert est.srtt == pytest.approx(srtt)
        assert est.rto == pytest.approx(srtt + 4 * rttvar)

    def test_rule_2_4_round_up_to_one_second(self):
        # 2.4: "if it is less than 1 second, then the RTO SHOULD be rounded up to 1 second"
        est = RttEstimator()
        est.observe(0.01)
        assert est.rto == 1.0

    def test_rule_2_5_maximum(self):
        # 2.5: "A maximum value MAY be placed on RTO provided it is at least 60 seconds."
        est = RttEstimator(max_rto=60.0)
        est.observe(50.0)
        assert est.rto == 60.0

    def test_rule_5_5_backoff(self):
        # 5.5: "RTO <- RTO * 2 ('back off the timer'). The maximum value discussed in
        # (2.5) above may be used to provide an upper bound to this doubling operation."
        est = RttEstimator()
        assert [est.backoff() for _ in range(7)] == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]


class TestOtherDetectors:
    def test_fixed_timeout(self):
        d = FixedTimeoutDetector(2.0)
        assert d.is_available(100.0)  # not monitoring yet
        d.heartbeat(1.0)
        assert d.is_available(2.999) and not d.is_available(3.0)

    def test_adaptive_timeout_follows_rfc6298(self):
        d = AdaptiveTimeoutDetector(min_timeout=0.001, initial_timeout=3.0)
        assert d.suspect_after() == 3.0
        d.heartbeat(0.0)
        d.heartbeat(1.0)
        assert d.suspect_after() == pytest.approx(1.0 + 4 * 0.5)

    def test_chen_expected_arrival(self):
        # EA_{l+1} = (1/n) sum (A_i - Δ s_i) + (l + 1) Δ, Chen, Toueg and Aguilera (2002)
        d = ChenDetector(interval=1.0, alpha=0.2, window=2)
        for a in [0.1, 1.3, 2.2]:
            d.heartbeat(a)
        # window 2: shifted arrivals 1.3 - 1, 2.2 - 2 -> mean 0.25; EA = 0.25 + 3
        assert d.expected_arrival() == pytest.approx(3.25)
        assert d.suspect_after() == pytest.approx(3.25 + 0.2 - 2.2)

    def test_chen_sequence_numbers(self):
        d = ChenDetector(interval=1.0, alpha=0.0, window=10)
        d.heartbeat(0.0, seq=0)
        d.heartbeat(3.0, seq=3)  # two heartbeats lost on the way
        assert d.expected_arrival() == pytest.approx(4.0)
        with pytest.raises(ValueError, match="seq"):
            d.heartbeat(5.0, seq=3)

    def test_replay_counts(self):
        r = replay(FixedTimeoutDetector(1.5), [0.0, 1.0, 3.0, 4.0, 4.5], crash_at=5.0)
        assert r.false_suspicions == 1
        assert r.wrongly_suspected == pytest.approx(0.5)
        assert r.detection_time == pytest.approx(1.0)
        assert r.heartbeats == 5

    @settings(max_examples=50, deadline=None)
    @given(
        gaps=st.lists(st.floats(0.01, 5.0), min_size=2, max_size=60),
        threshold=st.floats(0.5, 12.0),
    )
    def test_longer_timeout_never_more_false_suspicions(self, gaps, threshold):
        # The chapter's trade-off, exact for the fixed timeout: a longer timeout never
        # suspects more often and never detects sooner.
        arrivals = list(accumulate(gaps))
        lo = replay(FixedTimeoutDetector(threshold), arrivals, arrivals[-1])
        hi = replay(FixedTimeoutDetector(threshold * 2), arrivals, arrivals[-1])
        assert hi.false_suspicions <= lo.false_suspicions
        assert hi.detection_time >= lo.detection_time


class TestBadInput:
    @pytest.mark.parametrize(
        ("kwargs", "name"),
        [
            (dict(elapsed=-1.0, mean=1.0, std=0.1), "elapsed"),
            (dict(elapsed=math.nan, mean=1.0, std=0.1), "elapsed"),
            (dict(elapsed=math.inf, mean=1.0, std=0.1), "elapsed"),
            (dict(elapsed=1.0, mean=-1.0, std=0.1), "mean"),
            (dict(elapsed=1.0, mean=1.0, std=0.0), "std"),
            (dict(elapsed=1.0, mean=1.0, std=-2.0), "std"),
            (dict(elapsed=1.0, mean=1.0), "std"),
            (dict(elapsed=np.array([1.0, -3.0]), mean=1.0, std=0.1), "elapsed"),
            (dict(elapsed=np.array([1.0]), mean=1.0, std=np.array([0.0])), "std"),
            (dict(elapsed=np.array([1.0]), mean=np.array([-1.0]), std=0.1), "mean"),
        ],
    )
    def test_phi(self, kwargs, name):
        with pytest.raises(ValueError, match=named(name)):
            phi(**kwargs)

    def test_phi_exponential_needs_positive_mean(self):
        with pytest.raises(ValueError, match=named("mean")):
            phi(1.0, 0.0, model="exponential")
        with pytest.raises(ValueError, match=named("mean")):  # the array path too
            phi(np.array([1.0, 2.0]), np.array([1.0, 0.0]), model="exponential")

    def test_max_sample_size_must_be_an_integer(self):
        with pytest.raises(ValueError, match=named("max_sample_size")):
            PhiAccrualDetector(max_sample_size=2.5)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match=named("max_sample_size")):
            PhiAccrualDetector(max_sample_size=True)  # type: ignore[arg-type]

    def test_unknown_model(self):
        with pytest.raises(ValueError, match=named("model")):
            phi(1.0, 1.0, 0.1, model="weibull")  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("kwargs", "name"),
        [
            (dict(threshold=0.0), "threshold"),
            (dict(threshold=-1.0), "threshold"),
            (dict(max_sample_size=0), "max_sample_size"),
            (dict(min_std_deviation=0.0), "min_std_deviation"),
            (dict(acceptable_heartbeat_pause=-1.0), "acceptable_heartbeat_pause"),
            (dict(first_heartbeat_estimate=0.0), "first_heartbeat_estimate"),
        ],
    )
    def test_phi_detector_config(self, kwargs, name):
        with pytest.raises(ValueError, match=named(name)):
            PhiAccrualDetector(**kwargs)

    @pytest.mark.parametrize(
        "make",
        [
            PhiAccrualDetector,
            FixedTimeoutDetector,
            AdaptiveTimeoutDetector,
            ChenDetector,
        ],
    )
    def test_time_going_backwards(self, make):
        d = make()
        d.heartbeat(5.0)
        with pytest.raises(ValueError, match="now must not go backwards"):
            d.heartbeat(4.0)
        with pytest.raises(ValueError, match=named("now")):
            d.is_available(-1.0)
        with pytest.raises(ValueError, match=named("now")):
            d.heartbeat(math.nan)

    def test_rtt_estimator_config(self):
        with pytest.raises(ValueError, match=named("max_rto")):
            RttEstimator(max_rto=math.nan)
        with pytest.raises(ValueError, match=named("min_rto")):
            RttEstimator(min_rto=0.0)
        with pytest.raises(ValueError, match=named("max_rto")):
            RttEstimator(min_rto=2.0, max_rto=1.0)
        with pytest.raises(ValueError, match=named("initial_rto")):
            RttEstimator(initial_rto=100.0)
        with pytest.raises(ValueError, match=named("rtt")):
            RttEstimator().observe(-0.1)
        with pytest.raises(ValueError, match=named("granularity")):
            RttEstimator(granularity=-1.0)

    def test_timeouts(self):
        with pytest.raises(ValueError, match=named("timeout")):
            FixedTimeoutDetector(0.0)
        with pytest.raises(ValueError, match=named("interval")):
            ChenDetector(interval=0.0)
        with pytest.raises(ValueError, match=named("alpha")):
            ChenDetector(alpha=-1.0)
        with pytest.raises(ValueError, match=named("window")):
            ChenDetector(window=0)

    def test_replay(self):
        with pytest.raises(ValueError, match=named("crash_at")):
            replay(FixedTimeoutDetector(), [0.0, 5.0], crash_at=4.0)
        with pytest.raises(ValueError, match=named("arrivals")):
            replay(FixedTimeoutDetector(), [], crash_at=4.0)


@pytest.mark.parametrize("model", ["logistic", "normal"])
def test_array_phi_equals_scalar_phi_across_blocks_and_broadcasting(model: str) -> None:
    # 1-D input longer than one block (the sliced fast path) and 2-D broadcasting (the
    # general path) must both give, element by element, what the scalar path gives.
    rng = np.random.default_rng(11)
    n = 150_000
    mean = rng.uniform(0.5, 2.0, n)
    std = rng.uniform(0.05, 0.5, n)
    elapsed = np.abs(mean + rng.normal(0.0, 4.0, n) * std)
    fast = phi(elapsed, mean, std, model=model)
    picks = rng.choice(n, 300, replace=False)
    for i in [0, n - 1, 65_535, 65_536, *picks]:
        assert fast[i] == pytest.approx(
            phi(float(elapsed[i]), float(mean[i]), float(std[i]), model=model),
            rel=1e-12,
            abs=1e-300,
        )
    grid = phi(np.linspace(0.0, 5.0, 7)[:, None], np.array([0.5, 1.0, 2.0]), 0.3, model=model)
    assert grid.shape == (7, 3)
    for i, t in enumerate(np.linspace(0.0, 5.0, 7)):
        for j, m in enumerate((0.5, 1.0, 2.0)):
            assert grid[i, j] == pytest.approx(phi(float(t), m, 0.3, model=model), rel=1e-12)
