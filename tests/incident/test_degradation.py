"""Tests for otlpkb.incident.degradation (chapter 9.2, Degradation plans).

External checks:
* the OpenTelemetry Collector's own memory limiter (open-telemetry/opentelemetry-collector,
  ``internal/memorylimiter``): the README's worked examples (4000/800 MiB -> soft limit
  3200; 80 %/15 % of 1000 MiB -> 800/650), the cases of ``memorylimiter_test.go`` at
  commit 906cd1601d8e (TestMemoryPressureResponse, TestRefuseDecision,
  TestCallGCWhenSoftLimit; their configurations leave the back-off caps at 0, which
  disables the back-off), and the back-off cases of the same test file in the versions
  with ``max_gc_interval_when_*`` (v0.156.0 on: TestNextBackoffInterval,
  TestCheckLimitAndBackoff, TestBackoffDisabledOptOut, the early reset tests), with the
  defaults of ``NewDefaultConfig`` and the rules of ``Config.Validate``;
* falconry's ``token-bucket`` package (PyPI ``token-bucket``, Apache-2.0), driven by a
  simulated monotonic clock, which must take the same decisions as `TokenBucket`;
* the priority shedder's closed form against the stationary law of the continuous-time
  Markov chain solved by ``scipy.linalg.null_space``, and with one class against
  `otlpkb.performance.queueing.mmck` (chapter 1.1);
* SimPy runs of `simulate_degradation` against both closed forms.
"""

from __future__ import annotations

import types

import numpy as np
import pytest
import scipy.linalg
import token_bucket
import token_bucket.storage
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb.incident.degradation import (
    OUTCOMES,
    AdaptiveSampler,
    DegradationResult,
    DegradationScenario,
    MemoryLimiter,
    MemoryLimiterSettings,
    PriorityShedder,
    TokenBucket,
    priority_blocking,
    simulate_degradation,
)
from otlpkb.performance.queueing import mmck

# --- memory limiter: the Collector's README and tests -----------------------------------


def test_readme_worked_examples():
    s = MemoryLimiterSettings(limit_mib=4000, check_interval=1.0, spike_limit_mib=800)
    assert (s.limit_mib, s.soft_limit_mib) == (4000, 3200)
    p = MemoryLimiterSettings.from_percentage(1000, 80, 15, check_interval=1.0)
    assert (p.limit_mib, p.soft_limit_mib) == (800, 650)
    # spike_limit_mib defaults to 20 % of limit_mib (newFixedMemUsageChecker: limit / 5)
    assert MemoryLimiterSettings(limit_mib=1000, check_interval=1.0).soft_limit_mib == 800


def test_defaults_are_the_collectors():
    # NewDefaultConfig: min soft 10 s, max soft 30 s, max hard 30 s; min hard zero value
    s = MemoryLimiterSettings(limit_mib=100, check_interval=1.0)
    assert s.min_gc_interval_when_soft_limited == 10
    assert s.min_gc_interval_when_hard_limited == 0
    assert s.max_gc_interval_when_soft_limited == 30
    assert s.max_gc_interval_when_hard_limited == 30


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(check_interval=0), "check_interval must be"),
        (dict(min_gc_interval_when_soft_limited=1, min_gc_interval_when_hard_limited=2),
         "min_gc_interval_when_soft_limited must be at least"),
        (dict(max_gc_interval_when_soft_limited=5), "max_gc_interval_when_soft_limited must be 0"),
        (dict(min_gc_interval_when_hard_limited=5, max_gc_interval_when_hard_limited=2),
         "max_gc_interval_when_hard_limited must be 0"),
        (dict(max_gc_interval_when_soft_limited=20, max_gc_interval_when_hard_limited=25),
         "max_gc_interval_when_soft_limited must be at least"),
        (dict(spike_limit_mib=100), "spike_limit_mib must be below"),
        (dict(limit_mib=0), "limit_mib must be"),
    ],
)  # fmt: skip
def test_validation_mirrors_config_validate(kwargs, message):
    base = dict(limit_mib=100, check_interval=1.0)
    with pytest.raises(ValueError, match=message):
        MemoryLimiterSettings(**{**base, **kwargs})


def test_percentage_validation():
    with pytest.raises(ValueError, match="at most 100"):
        MemoryLimiterSettings.from_percentage(1000, 120, check_interval=1.0)
    with pytest.raises(ValueError, match="spike_limit_percentage must be below"):
        MemoryLimiterSettings.from_percentage(1000, 60, 60, check_interval=1.0)


def no_backoff(limit, spike, **kw):
    # the Go tests build Config literals: unset fields are zero, so both caps are 0
    kw.setdefault("min_gc_interval_when_soft_limited", 0.0)
    return MemoryLimiterSettings(
        limit_mib=limit, spike_limit_mib=spike, max_gc_interval_when_soft_limited=0.0,
        max_gc_interval_when_hard_limited=0.0, **kw,
    )  # fmt: skip


def test_memory_pressure_response():
    # TestMemoryPressureResponse: 1024 MiB, spike 0 (-> 20 %); then spike 512
    ml = MemoryLimiter(no_backoff(1024, 0, check_interval=60.0))
    assert not ml.check(0, 800, gc=lambda: 800)
    assert ml.check(1, 1800, gc=lambda: 1800)
    ml = MemoryLimiter(no_backoff(1024, 512, check_interval=60.0))
    assert not ml.check(0, 500, gc=lambda: 500)
    assert ml.check(1, 550, gc=lambda: 550)


@pytest.mark.parametrize(
    ("total", "limit", "spike", "alloc_bytes", "refuse"),
    [(1000, 60, 30, 600, True), (1000, 60, 30, 100, False), (1000, 60, 50, 300, True),
     (1000, 40, 20, 250, True)],
)  # fmt: skip
def test_refuse_decision(total, limit, spike, alloc_bytes, refuse):
    # TestRefuseDecision uses a total of 1000 bytes; units cancel out
    s = MemoryLimiterSettings.from_percentage(total, limit, spike, check_interval=1.0)
    assert (alloc_bytes >= s.soft_limit_mib) is refuse


@pytest.mark.parametrize(
    ("min_soft", "min_hard", "alloc", "gcs"),
    [(10, 0, (45, 45), 1), (0, 0, (45, 45), 2), (10, 10, (55, 55), 1), (0, 0, (55, 55), 2),
     (10, 0, (45, 55), 2)],
)  # fmt: skip
def test_call_gc_when_soft_limit(min_soft, min_hard, alloc, gcs):
    # TestCallGCWhenSoftLimit: limit 50, spike 10, check 1 min; last GC a minute ago,
    # two checks 1 ms apart
    s = no_backoff(50, 10, check_interval=60.0, min_gc_interval_when_soft_limited=min_soft,
                   min_gc_interval_when_hard_limited=min_hard)  # fmt: skip
    ml = MemoryLimiter(s, start=-60.0)
    assert ml.check(0.0, alloc[0], gc=lambda: alloc[0])
    assert ml.check(0.001, alloc[1], gc=lambda: alloc[1])
    assert ml.forced_gcs == gcs


def backoff_limiter(limit=100, spike=5, **kw):
    kw.setdefault("min_gc_interval_when_soft_limited", 0.0)
    return MemoryLimiter(
        MemoryLimiterSettings(limit_mib=limit, spike_limit_mib=spike, check_interval=1.0, **kw)
    )


def test_next_backoff_interval():
    # TestNextBackoffInterval (check interval 1 s)
    ml = backoff_limiter()
    assert ml._backoff(0, 0, 30) == pytest.approx(1.9)
    assert ml._backoff(1.9, 0, 30) == pytest.approx(3.8)
    assert ml._backoff(25, 0, 30) == 30
    assert ml._backoff(0, 60, 30) == 60
    assert ml._backoff(40, 60, 30) == 60
    assert ml._backoff(10, 0, 0) == 0
    assert ml._backoff(20, 5, 0) == 5


def test_check_limit_and_backoff():
    # TestCheckLimitAndBackoff: limit 100, spike 5 (soft 95)
    ml = backoff_limiter()
    ml.soft_interval, ml.hard_interval, ml.last_heap = 10, 15, 100
    assert not ml._classify(50, did_gc=True)
    assert ml.soft_interval == ml.hard_interval == 0
    ml.soft_interval, ml.hard_interval, ml.last_heap = 10, 15, 110
    assert ml._classify(99, did_gc=True)  # a 10 % drop: effective by reclaim
    assert ml.soft_interval == ml.hard_interval == 0
    ml.last_heap = 100
    ml._classify(99, did_gc=True)  # ineffective: both grow in lockstep
    assert ml.soft_interval == pytest.approx(1.9) and ml.hard_interval == pytest.approx(1.9)
    ml.soft_interval, ml.hard_interval, ml.last_heap = 5, 7, 100
    ml._classify(99, did_gc=False)  # a top-of-tick check never grows them
    assert (ml.soft_interval, ml.hard_interval) == (5, 7)
    one = backoff_limiter(min_gc_interval_when_soft_limited=10.0,
                          max_gc_interval_when_hard_limited=0.0)  # fmt: skip
    one.last_heap = 100
    one._classify(99, did_gc=True)
    assert (one.soft_interval, one.hard_interval) == (20, 0)


def test_backoff_disabled_opt_out_gcs_every_tick():
    # TestBackoffDisabledOptOut: both caps 0, min hard 0, heap stuck at 55 of 50
    ml = MemoryLimiter(no_backoff(50, 10, check_interval=1.0), start=-60.0)
    for k in range(5):
        ml.check(float(k), 55, gc=lambda: 55)
    assert ml.forced_gcs == 5 and ml.soft_interval == ml.hard_interval == 0


def test_backoff_resets_on_recovery_and_early_when_memory_drops():
    # TestGCBackoffResetsOnRecovery / ...EarlyResetWhenMemoryBecomesReclaimable
    ml = backoff_limiter(limit=50, spike=10)
    ml.last_gc = -60.0
    assert ml.check(0.0, 55, gc=lambda: 55) and ml.forced_gcs == 1 and ml.hard_interval > 0
    assert not ml.check(1.0, 30, gc=lambda: 30)
    assert ml.soft_interval == ml.hard_interval == 0
    ml.last_gc = -60.0
    assert ml.check(2.0, 55, gc=lambda: 55) and ml.forced_gcs == 2
    early = backoff_limiter(limit=50, spike=10)
    early.last_gc = -60.0
    early.check(0.0, 55, gc=lambda: 55)
    early.check(0.001, 48, gc=lambda: 48)  # 48 <= 55 * 0.95: reset, and GC at once
    assert early.forced_gcs == 2 and early.soft_interval > 0 and early.hard_interval > 0


@settings(max_examples=60 * SCALE)
@given(st.lists(st.tuples(st.floats(0.01, 5), st.floats(0, 120), st.floats(0, 1)), max_size=40))
def test_limiter_invariants(steps):
    s = MemoryLimiterSettings(limit_mib=100, check_interval=1.0)
    ml = MemoryLimiter(s)
    now, last_gc = 0.0, 0.0
    for gap, heap, freed in steps:
        now += gap
        after = heap * (1 - freed)
        before = ml.forced_gcs
        refusing = ml.check(now, heap, gc=lambda a=after: a)
        if ml.forced_gcs > before:
            assert refusing == (after >= s.soft_limit_mib)
            assert heap >= s.soft_limit_mib  # GC is forced only above the soft limit
            if heap < s.limit_mib:  # the soft path waits at least its minimum
                assert now - last_gc > s.min_gc_interval_when_soft_limited
            last_gc = now
        else:
            assert refusing == (heap >= s.soft_limit_mib)
        assert 0 <= ml.soft_interval <= 30 and 0 <= ml.hard_interval <= 30


# --- token bucket: falconry's token-bucket ---------------------------------------------


@settings(max_examples=60 * SCALE)
@given(
    st.floats(0.5, 50), st.integers(1, 20),
    st.lists(st.tuples(st.floats(0, 0.5), st.integers(1, 3)), min_size=1, max_size=80),
)  # fmt: skip
def test_token_bucket_agrees_with_falconry(rate, capacity, calls):
    clock = [1000.0]
    fake = types.SimpleNamespace(monotonic=lambda: clock[0])
    real = token_bucket.storage.time
    token_bucket.storage.time = fake  # their algorithm, our simulated clock
    try:
        ref = token_bucket.Limiter(rate, capacity, token_bucket.MemoryStorage())
        ours = TokenBucket(rate, capacity, start=clock[0])
        for gap, n in calls:
            clock[0] += round(gap, 3)
            assert ours.allow(clock[0], n) == ref.consume("k", n)
    finally:
        token_bucket.storage.time = real


@settings(max_examples=60 * SCALE)
@given(st.floats(0.5, 20), st.floats(1, 10), st.lists(st.floats(0, 0.3), max_size=60))
def test_token_bucket_never_exceeds_burst_plus_rate(rate, burst, gaps):
    tb = TokenBucket(rate, burst)
    t, passed = 0.0, []
    for g in gaps:
        t += g
        if tb.allow(t):
            passed.append(t)
    for i in range(len(passed)):
        for j in range(i, len(passed)):
            assert j - i + 1 <= burst + rate * (passed[j] - passed[i]) + 1e-9


def test_token_bucket_validation():
    with pytest.raises(ValueError, match="rate must be"):
        TokenBucket(0, 1)
    tb = TokenBucket(1, 1)
    tb.allow(5.0)
    with pytest.raises(ValueError, match="now must not go backwards"):
        tb.allow(4.0)


# --- priority shedding: closed form ----------------------------------------------------


def ctmc_blocking(lam, mu, c, ks):
    k_max = ks[0]
    q = np.zeros((k_max + 1, k_max + 1))
    for n in range(k_max + 1):
        if n < k_max:
            q[n, n + 1] = sum(lk for lk, kk in zip(lam, ks, strict=True) if n < kk)
        if n > 0:
            q[n, n - 1] = min(n, c) * mu
        q[n, n] = -q[n].sum()
    pi = scipy.linalg.null_space(q.T)[:, 0]
    pi = pi / pi.sum()
    return np.array([pi[k:].sum() for k in ks])


@settings(max_examples=40 * SCALE)
@given(
    st.lists(st.floats(0.1, 10), min_size=1, max_size=4), st.floats(0.2, 5),
    st.integers(1, 6), st.lists(st.integers(0, 8), min_size=4, max_size=4),
)  # fmt: skip
def test_priority_blocking_is_the_ctmc_stationary_law(lam, mu, c, extra):
    ks = sorted((c + e for e in extra[: len(lam)]), reverse=True)
    got = priority_blocking(lam, mu, c, ks)
    np.testing.assert_allclose(got, ctmc_blocking(lam, mu, c, ks), rtol=1e-7, atol=1e-12)
    assert np.all(np.diff(got) >= -1e-12)  # a less important class is refused more


@pytest.mark.parametrize(("lam", "mu", "c", "k"), [(9, 1, 10, 15), (2, 1, 1, 1), (30, 2, 4, 50)])
def test_one_class_is_mmck(lam, mu, c, k):
    assert priority_blocking([lam], mu, c, [k])[0] == pytest.approx(mmck(lam, mu, c, k).p_block)


def test_priority_validation():
    with pytest.raises(ValueError, match="non-increasing"):
        PriorityShedder((5, 8))
    with pytest.raises(ValueError, match="one entry per class"):
        priority_blocking([1.0, 2.0], 1.0, 1, [3])
    with pytest.raises(ValueError, match="at least servers"):
        priority_blocking([1.0], 1.0, 4, [3])


# --- adaptive sampling -----------------------------------------------------------------


def test_sampler_follows_the_offered_rate():
    s = AdaptiveSampler(100.0, min_probability=0.05, smoothing=0.5)
    assert s.update(100.0) == 1.0
    assert s.update(300.0) == pytest.approx(100 / 200)  # EWMA 200
    for _ in range(30):
        s.update(10_000.0)
    assert s.probability == 0.05
    with pytest.raises(ValueError, match="min_probability and smoothing"):
        AdaptiveSampler(1.0, smoothing=1.5)


# --- the simulation against the closed forms -------------------------------------------


def test_simulation_matches_mmck_without_controls():
    sc = DegradationScenario(9.0, 1.0, consumers=10, queue_size=5)
    runs = [simulate_degradation(sc, 1500.0, seed=s) for s in range(2)]
    shed = np.mean([r.share("shed")[0] for r in runs])
    assert shed == pytest.approx(mmck(9.0, 1.0, 10, 15).p_block, abs=0.012)
    r = runs[0]
    assert r.counts[:, OUTCOMES.index("accepted")].sum() - r.completed <= sc.capacity


def test_simulation_matches_the_priority_closed_form():
    sc = DegradationScenario(12.0, 1.0, consumers=10, queue_size=10,
                             class_shares=(0.3, 0.4, 0.3), thresholds=(20, 14, 11))  # fmt: skip
    r = simulate_degradation(sc, 2000.0, seed=2)
    want = priority_blocking([3.6, 4.8, 3.6], 1.0, 10, (20, 14, 11))
    np.testing.assert_allclose(r.share("shed"), want, atol=0.03)


def test_sampler_brings_the_admitted_stream_to_its_target():
    sc = DegradationScenario(20.0, 1.0, consumers=10, queue_size=5, sampler_target=9.0)
    r = simulate_degradation(sc, 1500.0, seed=4)
    sampled = 1 - r.share("sampled_out")[0]
    assert sampled * 20.0 == pytest.approx(9.0, rel=0.05)
    shed_of_sampled = r.share("shed")[0] / sampled
    assert shed_of_sampled == pytest.approx(mmck(9.0, 1.0, 10, 15).p_block, abs=0.02)


def outage(max_gc: float) -> DegradationResult:
    # the back end goes down at 20 s; a burst at 20x the rate follows before the next
    # check, more than the spike limit: the queue alone then holds more than limit_mib
    m = MemoryLimiterSettings(limit_mib=400, check_interval=1.0,
                              max_gc_interval_when_soft_limited=max_gc,
                              max_gc_interval_when_hard_limited=max_gc)  # fmt: skip
    sc = DegradationScenario(100.0, 40.0, consumers=10, queue_size=1000, outage=(20, 140),
                             surge=(20.2, 21.0), surge_factor=20.0, memory_limiter=m,
                             item_mib=0.5, garbage_mib=0.2, base_mib=30)  # fmt: skip
    return simulate_degradation(sc, 200.0, seed=3)


def test_memory_limiter_refuses_during_an_outage_and_backs_off_its_gcs():
    with_backoff, without = outage(30.0), outage(0.0)
    for r in (with_backoff, without):
        refused = r.counts[:, OUTCOMES.index("refused_memory")].sum()
        assert refused > 0 and r.refusing.any() and not r.refusing[-1]
        first = int(np.argmax(r.refusing))  # refusing starts at the soft limit (320 MiB)
        assert r.heap_mib[: first + 1].max() >= 320
        assert r.peak_heap_mib > 400  # the burst overshot the hard limit
    # live memory is pinned by the queue above the hard limit: without the back-off the
    # GC runs at every check of the outage, with it at most every 30 s
    assert without.forced_gcs >= 100
    assert with_backoff.forced_gcs <= without.forced_gcs / 5


def test_scenario_validation():
    with pytest.raises(ValueError, match="class_shares must sum to 1"):
        DegradationScenario(1.0, 1.0, class_shares=(0.5, 0.2))
    with pytest.raises(ValueError, match="thresholds must have one entry per class"):
        DegradationScenario(1.0, 1.0, class_shares=(0.5, 0.5), thresholds=(5,))
    with pytest.raises(ValueError, match="outage must be"):
        DegradationScenario(1.0, 1.0, outage=(5, 1))
    r = simulate_degradation(DegradationScenario(1.0, 1.0), 10.0)
    with pytest.raises(ValueError, match="outcome must be one of"):
        r.share("lost")
