"""The pipeline simulator: closed forms, Collector semantics, conservation, determinism.

External references: the textbook M/M/c (Erlang C) formulas, written here; the OTLP
specification's throughput example (100 spans/request, 200 ms + 300 ms, 1 in flight ->
200 spans/s); the Collector's retry_on_failure defaults and schedule (config/configretry,
cenkalti/backoff: nominal 5, 7.5, 11.25, 16.875, 25.3, 30, ... s, stop at 300 s).
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from kbtest import SCALE
from otlpkb.performance.throughput import batch_closed_form
from otlpkb.sim import (
    METRIC_NAMES,
    BackendConfig,
    BatchConfig,
    MemoryLimiterConfig,
    OnOffSource,
    Outage,
    Pipeline,
    PipelineConfig,
    PoissonSource,
    QueueConfig,
    ReplaySource,
    RetryConfig,
    ServiceTime,
    Slowdown,
    Throttle,
)


def erlang_c_wq(lam, mu, c):
    a, rho = lam / mu, lam / (c * mu)
    head = sum(a**k / math.factorial(k) for k in range(c))
    tail = a**c / math.factorial(c) / (1 - rho)
    p_wait = tail / (head + tail)
    return p_wait, p_wait / (c * mu - lam)


def ci99(values):
    v = np.asarray(values)
    half = stats.t.ppf(0.995, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v))
    return v.mean() - half, v.mean() + half


def conserved(r):
    m = r.metrics
    return m["otelcol_receiver_accepted_spans"] == (
        m["otelcol_exporter_sent_spans"]
        + m["otelcol_exporter_send_failed_spans"]
        + r.dropped_items
        + r.pending_items
    )


# ----------------------------------------------------- closed forms vs simulation


def test_sending_queue_is_mmc():
    """No batch processor, exponential unbounded back end: queue + consumers = M/M/c."""
    lam, mu, c = 6.0, 1.0, 8
    cfg = PipelineConfig(
        sources=(PoissonSource(rate=lam),),
        batch=None,
        queue=QueueConfig(queue_size=10**6, num_consumers=c),
        backend=BackendConfig(service=ServiceTime(mean=1 / mu)),
        timeout=0.0,
    )
    warm = 100  # discard the first requests (empty start)
    runs = [Pipeline(cfg).run(until=500.0, seed=s).queue_wait[warm:] for s in range(10 * SCALE)]
    p_wait, wq = erlang_c_wq(lam, mu, c)
    lo, hi = ci99([w.mean() for w in runs])
    assert lo <= wq <= hi
    lo, hi = ci99([np.mean(w > 0) for w in runs])
    assert lo <= p_wait <= hi


@pytest.mark.parametrize(
    ("lam", "k", "timeout"), [(200.0, 50, 0.2), (500.0, 8192, 0.2), (100.0, 30, 0.5)]
)
def test_batch_processor_matches_closed_form(lam, k, timeout):
    cfg = PipelineConfig(
        sources=(PoissonSource(rate=lam),),
        batch=BatchConfig(send_batch_size=k, timeout=timeout),
        queue=QueueConfig(queue_size=10**6),
        backend=BackendConfig(service=ServiceTime(mean=0.001)),
    )
    cf = batch_closed_form(lam, k, timeout)
    horizon = 60.0
    runs = [Pipeline(cfg).run(until=horizon, seed=s) for s in range(8 * SCALE)]
    checks = {
        "mean_batch_size": [r.batch_sizes.mean() for r in runs],
        "mean_added_latency": [r.batch_wait.mean() for r in runs],
        "batches_per_second": [len(r.batch_sizes) / horizon for r in runs],
    }
    for key, vals in checks.items():
        lo, hi = ci99(vals)
        target = getattr(cf, key)
        # the first cycle starts at t=0 exactly as the model's; the last is cut off:
        # allow the bias of one batch in a run (plus rounding: with a deterministic
        # timer every run sees the same count and the interval has zero width)
        slack = target / (horizon * cf.batches_per_second) * (1 + 1e-9)
        assert lo - slack <= target <= hi + slack, (key, target, lo, hi)


def test_otlp_spec_throughput_example_in_simulation():
    """One consumer, 100 spans/request, 200 ms RTT + 300 ms server: 200 spans/s."""
    cfg = PipelineConfig(
        sources=(PoissonSource(rate=50.0, items_per_request=100),),  # overload
        batch=None,
        queue=QueueConfig(queue_size=10, num_consumers=1),
        backend=BackendConfig(service=ServiceTime("deterministic", mean=0.3), network_latency=0.2),
    )
    r = Pipeline(cfg).run(until=100.0, seed=1)
    assert r.throughput == pytest.approx(200.0, rel=0.01)
    assert r.metrics["otelcol_receiver_refused_spans"] > 0  # the queue overflowed


# --------------------------------------------------------- Collector semantics


def test_full_queue_drops_and_counts_enqueue_failed():
    cfg = PipelineConfig(
        sources=(PoissonSource(rate=100.0, items_per_request=10),),
        batch=BatchConfig(send_batch_size=100, timeout=0.05),
        queue=QueueConfig(queue_size=5, num_consumers=1),
        backend=BackendConfig(service=ServiceTime("deterministic", mean=1.0)),
        timeout=0.0,
    )
    r = Pipeline(cfg).run(until=30.0, seed=2)
    m = r.metrics
    assert m["otelcol_exporter_enqueue_failed_spans"] > 0
    assert m["otelcol_exporter_enqueue_failed_spans"] == r.dropped_items
    assert m["otelcol_receiver_refused_spans"] == 0  # the batch processor swallows it
    assert r.queue_size.max() <= 5 and m["otelcol_exporter_queue_capacity"] == 5
    assert conserved(r)


def test_without_batch_processor_queue_full_is_refused_to_receiver():
    cfg = PipelineConfig(
        sources=(PoissonSource(rate=50.0),),
        batch=None,
        queue=QueueConfig(queue_size=2, num_consumers=1),
        backend=BackendConfig(service=ServiceTime("deterministic", mean=0.5)),
        timeout=0.0,
    )
    r = Pipeline(cfg).run(until=20.0, seed=3)
    m = r.metrics
    assert m["otelcol_receiver_refused_spans"] == m["otelcol_exporter_enqueue_failed_spans"] > 0
    assert r.dropped_items == 0 and conserved(r)


def mmck_block(lam, mu, c, k):
    """Textbook M/M/c/K: p_n proportional to a^n/n! (n <= c), a^c/c! rho^(n-c) above."""
    a = lam / mu
    terms = [a**n / math.factorial(n) for n in range(c + 1)]
    terms += [terms[c] * (a / c) ** j for j in range(1, k - c + 1)]
    return terms[-1] / sum(terms)


def test_finite_sending_queue_refuses_like_mmck():
    """No batch processor, exponential back end, a 5-slot queue and 3 consumers at
    offered utilization 1.1: the queue plus consumers is M/M/3/8, and the fraction of
    requests refused to the receiver must match its blocking probability."""
    lam, mu, c, slots = 3.3, 1.0, 3, 5
    cfg = PipelineConfig(
        sources=(PoissonSource(rate=lam),),
        batch=None,
        queue=QueueConfig(queue_size=slots, num_consumers=c),
        backend=BackendConfig(service=ServiceTime(mean=1 / mu)),
        timeout=0.0,
    )
    fractions = []
    for seed in range(10 * SCALE):
        m = Pipeline(cfg).run(until=1500.0, seed=seed).metrics
        refused = m["otelcol_receiver_refused_spans"]
        assert refused == m["otelcol_exporter_enqueue_failed_spans"]
        fractions.append(refused / (refused + m["otelcol_receiver_accepted_spans"]))
    lo, hi = ci99(fractions)
    assert lo <= mmck_block(lam, mu, c, c + slots) <= hi


def test_memory_limiter_refuses_above_soft_limit():
    ml = MemoryLimiterConfig(limit_mib=10.0, item_bytes=1024, check_interval=0.5)
    assert ml.soft_limit_mib == 8.0  # spike default 20 %
    cfg = PipelineConfig(
        sources=(ReplaySource(np.arange(0.0, 60.0, 0.01), [100] * 6000),),  # 100 req/s
        memory_limiter=ml,
        batch=BatchConfig(send_batch_size=1000, timeout=0.2),
        queue=QueueConfig(queue_size=1000, num_consumers=1),
        backend=BackendConfig(service=ServiceTime("deterministic", mean=1.0)),
        timeout=0.0,
    )
    r = Pipeline(cfg).run(until=60.0, seed=4)
    m = r.metrics
    assert m["otelcol_processor_memory_limiter_refused_spans"] > 0
    assert (
        m["otelcol_receiver_refused_spans"] == m["otelcol_processor_memory_limiter_refused_spans"]
    )
    # below the 8 MiB soft limit at a check, then at most one check interval of
    # arrivals (51 requests of 100 items of 1 KiB) before the next check refuses
    assert r.memory_mib.max() <= 8.0 + 51 * 100 * 1024 / 2**20
    assert conserved(r)


def test_retry_schedule_gives_up_after_max_elapsed_time():
    """A permanent outage: each request is retried on the default schedule until the
    next retry would start more than 300 s after the first attempt."""
    cfg = PipelineConfig(
        sources=(ReplaySource([0.0]),),
        batch=None,
        backend=BackendConfig(outages=(Outage(0.0, math.inf),)),
        retry=RetryConfig(randomization_factor=0.0),
    )
    r = Pipeline(cfg).run(until=1000.0, seed=0)
    # nominal delays 5, 7.5, 11.25, 16.875, 25.3125, 30, 30, ...: the cumulative sum
    # passes 300 s after 5+7.5+11.25+16.875+25.3125 = 65.9375 plus 7 x 30 = 275.94 s
    # (12 retries), and the 13th would end at 305.94 s > 300 s.
    assert r.retries == 12 and r.attempts == 13
    assert r.metrics["otelcol_exporter_send_failed_spans"] == 1
    assert r.metrics["otelcol_exporter_sent_spans"] == 0


def test_permanent_errors_are_not_retried():
    cfg = PipelineConfig(
        sources=(ReplaySource([0.0, 1.0, 2.0]),),
        batch=None,
        backend=BackendConfig(outages=(Outage(0.0, 10.0, permanent=True),)),
    )
    r = Pipeline(cfg).run(until=50.0, seed=0)
    assert r.retries == 0 and r.metrics["otelcol_exporter_send_failed_spans"] == 3


def test_throttle_retry_after_is_a_floor():
    cfg = PipelineConfig(
        sources=(ReplaySource([0.0]),),
        batch=None,
        backend=BackendConfig(
            throttles=(Throttle(0.0, 1.0, retry_after=42.0),),
            service=ServiceTime("deterministic", mean=0.0),
        ),
    )
    r = Pipeline(cfg).run(until=100.0, seed=0)
    assert r.retries == 1 and r.metrics["otelcol_exporter_sent_spans"] == 1
    assert r.e2e_latency[0] == pytest.approx(42.0)  # max(backoff <= 7.5 s, 42 s)


def test_timeout_is_retryable():
    cfg = PipelineConfig(
        sources=(ReplaySource([0.0]),),
        batch=None,
        backend=BackendConfig(
            service=ServiceTime("deterministic", mean=1.0),
            slowdowns=(Slowdown(0.0, 1.0, factor=10.0),),
        ),
        retry=RetryConfig(randomization_factor=0.0),
        timeout=5.0,
    )
    r = Pipeline(cfg).run(until=100.0, seed=0)
    # first attempt takes 10 s > 5 s timeout; retried after 5 s; then 1 s
    assert r.retries == 1 and r.e2e_latency[0] == pytest.approx(5.0 + 5.0 + 1.0)


def test_bounded_backend_with_timeout():
    cfg = PipelineConfig(
        sources=(ReplaySource([0.0, 0.0]),),
        batch=None,
        backend=BackendConfig(service=ServiceTime("deterministic", mean=4.0), concurrency=1),
        retry=RetryConfig(randomization_factor=0.0),
        timeout=5.0,
    )
    r = Pipeline(cfg).run(until=100.0, seed=0)
    # second request waits 4 s for the server, times out at 5 s, retries at 10 s
    assert r.metrics["otelcol_exporter_sent_spans"] == 2 and r.retries == 1
    assert sorted(r.e2e_latency.tolist()) == pytest.approx([4.0, 14.0])


def test_send_batch_max_size_splits():
    cfg = PipelineConfig(
        sources=(ReplaySource([0.0, 0.1], [250, 10]),),
        batch=BatchConfig(send_batch_size=100, timeout=1.0, send_batch_max_size=100),
    )
    r = Pipeline(cfg).run(until=5.0, seed=0)
    # 250 items: two size-triggered batches of 100, 50 left; +10 -> timer sends 60
    assert r.batch_sizes.tolist() == [100, 100, 60]
    assert r.metrics["otelcol_processor_batch_batch_size_trigger_send"] == 2
    assert r.metrics["otelcol_processor_batch_timeout_trigger_send"] == 1


def test_backend_slowdown_fills_the_queue():
    cfg = PipelineConfig(
        sources=(PoissonSource(rate=100.0, items_per_request=100),),
        batch=BatchConfig(),
        queue=QueueConfig(queue_size=50, num_consumers=2),
        backend=BackendConfig(
            service=ServiceTime(mean=0.05), slowdowns=(Slowdown(20.0, 40.0, factor=40.0),)
        ),
    )
    r = Pipeline(cfg).run(until=60.0, seed=5)
    before = r.queue_size[(r.times < 20)].max()
    during = r.queue_size[(r.times >= 30) & (r.times < 40)].max()
    assert before <= 2 and during >= 5


def test_on_off_source_and_metric_names():
    cfg = PipelineConfig(sources=(OnOffSource(rate_on=100.0, mean_on=1.0, mean_off=1.0),))
    r = Pipeline(cfg).run(until=200.0, seed=9)
    assert set(r.metrics) == set(METRIC_NAMES)
    offered = r.metrics["otelcol_receiver_accepted_spans"]
    assert offered / 200.0 == pytest.approx(50.0, rel=0.15)


# -------------------------------------------------------- determinism, invariant


def test_same_seed_same_result_different_seed_differs():
    cfg = PipelineConfig(
        sources=(PoissonSource(rate=300.0, items_per_request=5),),
        batch=BatchConfig(send_batch_size=200),
        backend=BackendConfig(error_probability=0.1),
        retry=RetryConfig(initial_interval=0.1, max_interval=1.0),
    )
    a, b = Pipeline(cfg).run(until=20.0, seed=42), Pipeline(cfg).run(until=20.0, seed=42)
    c = Pipeline(cfg).run(until=20.0, seed=43)
    assert a.metrics == b.metrics
    assert np.array_equal(a.e2e_latency, b.e2e_latency)
    assert np.array_equal(a.queue_wait, b.queue_wait)
    assert not np.array_equal(a.e2e_latency, c.e2e_latency)


@given(
    rate=st.floats(1.0, 300.0),
    items=st.integers(1, 50),
    k=st.integers(1, 500),
    timeout=st.sampled_from([0.0, 0.05, 0.2]),
    queue_size=st.integers(1, 20),
    consumers=st.integers(1, 4),
    err=st.floats(0.0, 0.5),
    perm=st.floats(0.0, 0.2),
    use_batch=st.booleans(),
    use_limiter=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=25 * SCALE, deadline=None)
def test_spans_are_conserved(
    rate, items, k, timeout, queue_size, consumers, err, perm, use_batch, use_limiter, seed
):
    """accepted == sent + send_failed + dropped + pending; offered = accepted + refused."""
    cfg = PipelineConfig(
        sources=(PoissonSource(rate=rate, items_per_request=items),),
        memory_limiter=MemoryLimiterConfig(limit_mib=0.5, check_interval=0.1)
        if use_limiter
        else None,
        batch=BatchConfig(send_batch_size=k, timeout=timeout) if use_batch else None,
        queue=QueueConfig(queue_size=queue_size, num_consumers=consumers),
        backend=BackendConfig(
            service=ServiceTime(mean=0.05), error_probability=err, permanent_error_probability=perm
        ),
        retry=RetryConfig(initial_interval=0.05, max_interval=0.2, max_elapsed_time=1.0),
    )
    r = Pipeline(cfg).run(until=5.0, seed=seed)
    assert conserved(r)
    m = r.metrics
    assert all(v >= 0 for v in m.values())
    assert len(r.e2e_latency) == m["otelcol_exporter_sent_spans"]
    assert 0.0 <= r.loss_fraction <= 1.0
    if len(r.e2e_latency):
        assert r.e2e_latency.min() >= 0


def test_run_bad_input():
    p = Pipeline(PipelineConfig(sources=(PoissonSource(1.0),)))
    with pytest.raises(ValueError, match="until"):
        p.run(until=0.0)
    with pytest.raises(ValueError, match="until"):
        p.run(until=math.inf)
    with pytest.raises(TypeError, match="config"):
        Pipeline("not a config")  # type: ignore[arg-type]


# --- observing every event (chapter 4.4): a monitor must not change the run ---------


def _observed_config(batch: bool) -> PipelineConfig:
    return PipelineConfig(
        sources=(PoissonSource(rate=150.0, items_per_request=7),),
        batch=BatchConfig(send_batch_size=60, timeout=0.1) if batch else None,
        queue=QueueConfig(queue_size=4, num_consumers=2),
        backend=BackendConfig(concurrency=1, error_probability=0.2),
        memory_limiter=MemoryLimiterConfig(limit_mib=1.0, spike_limit_mib=0.2, item_bytes=400),
    )


@settings(max_examples=5 * SCALE, deadline=None)
@given(st.integers(0, 2**32 - 1), st.booleans())
def test_a_monitor_sees_every_event_and_changes_nothing(seed, batch):
    cfg = _observed_config(batch)
    states = []
    watched = Pipeline(cfg).run(until=3.0, seed=seed, monitor=states.append)
    plain = Pipeline(cfg).run(until=3.0, seed=seed)
    assert watched.metrics == plain.metrics
    assert watched.pending_items == plain.pending_items
    assert np.array_equal(watched.e2e_latency, plain.e2e_latency)
    assert np.array_equal(watched.queue_size, plain.queue_size)
    assert [s.event for s in states] == list(range(1, len(states) + 1))
    assert all(0 <= s.time < 3.0 for s in states)
    last = states[-1]  # the monitor's ledger agrees with the simulator's own counters
    m = plain.metrics
    assert last.received == m["otelcol_receiver_accepted_spans"]
    assert last.exported == m["otelcol_exporter_sent_spans"]
    assert last.failed == m["otelcol_exporter_send_failed_spans"]
    assert last.dropped == plain.dropped_items
    assert last.batched + last.queued + last.in_flight == plain.pending_items


def test_pipeline_rejects_a_bad_exporter_or_monitor():
    cfg = _observed_config(True)
    with pytest.raises(TypeError, match="exporter must be a subclass of Exporter"):
        Pipeline(cfg, exporter=dict)
    with pytest.raises(TypeError, match="monitor must be callable"):
        Pipeline(cfg).run(until=1.0, monitor=3)
