"""Configuration validation: impossible values raise before anything runs, naming the
field; defaults are the Collector's (OTLP_FACTS section 5: batchprocessor/factory.go,
exporterhelper queue_sender.go, configretry, memorylimiter config.go)."""

import math

import pytest

from otlpkb.sim import (
    BackendConfig,
    BatchConfig,
    MemoryLimiterConfig,
    OnOffSource,
    Outage,
    PipelineConfig,
    PoissonSource,
    QueueConfig,
    ReplaySource,
    RetryConfig,
    ServiceTime,
    Slowdown,
    Throttle,
)


def test_collector_defaults():
    b, q, r = BatchConfig(), QueueConfig(), RetryConfig()
    assert (b.send_batch_size, b.timeout, b.send_batch_max_size) == (8192, 0.2, 0)
    assert (q.queue_size, q.num_consumers) == (1000, 10)
    assert (
        r.enabled,
        r.initial_interval,
        r.max_interval,
        r.multiplier,
        r.randomization_factor,
        r.max_elapsed_time,
    ) == (True, 5.0, 30.0, 1.5, 0.5, 300.0)
    assert PipelineConfig(sources=(PoissonSource(1.0),)).timeout == 5.0


def test_memory_limiter_worked_example():
    # memory_limiter README: limit_mib 4000, spike_limit_mib 800 -> soft limit 3200
    assert MemoryLimiterConfig(limit_mib=4000, spike_limit_mib=800).soft_limit_mib == 3200
    assert MemoryLimiterConfig(limit_mib=4000).spike_mib == 800  # default 20 %


@pytest.mark.parametrize(
    ("make", "field", "exc"),
    [
        (lambda: PoissonSource(rate=-1.0), "rate", ValueError),
        (lambda: PoissonSource(rate=1.0, items_per_request=0), "items_per_request", ValueError),
        (lambda: OnOffSource(rate_on=1.0, mean_on=0.0, mean_off=1.0), "mean_on", ValueError),
        (
            lambda: OnOffSource(rate_on=1.0, mean_on=1.0, mean_off=1.0, rate_off=-2),
            "rate_off",
            ValueError,
        ),
        (lambda: ReplaySource([1.0, 0.5]), "non-decreasing", ValueError),
        (lambda: ReplaySource([-1.0]), "timestamps", ValueError),
        (lambda: ReplaySource([1.0], [1, 2]), "items", ValueError),
        (lambda: MemoryLimiterConfig(limit_mib=0), "limit_mib", ValueError),
        (
            lambda: MemoryLimiterConfig(limit_mib=100, spike_limit_mib=100),
            "spike_limit_mib",
            ValueError,
        ),
        (
            lambda: MemoryLimiterConfig(limit_mib=100, spike_limit_mib=-1),
            "spike_limit_mib",
            ValueError,
        ),
        (
            lambda: MemoryLimiterConfig(limit_mib=100, check_interval=0),
            "check_interval",
            ValueError,
        ),
        (lambda: BatchConfig(send_batch_size=0), "send_batch_size", ValueError),
        (
            lambda: BatchConfig(send_batch_size=100, send_batch_max_size=50),
            "send_batch_max_size",
            ValueError,
        ),
        (lambda: BatchConfig(timeout=-0.1), "timeout", ValueError),
        (lambda: QueueConfig(queue_size=0), "queue_size", ValueError),
        (lambda: QueueConfig(num_consumers=0), "num_consumers", ValueError),
        (lambda: QueueConfig(queue_size=1.5), "queue_size", TypeError),
        (lambda: RetryConfig(multiplier=0.5), "multiplier", ValueError),
        (lambda: RetryConfig(randomization_factor=1.5), "randomization_factor", ValueError),
        (lambda: RetryConfig(initial_interval=10, max_interval=5), "max_interval", ValueError),
        (lambda: RetryConfig(max_elapsed_time=-1), "max_elapsed_time", ValueError),
        (lambda: ServiceTime("gamma"), "distribution", ValueError),
        (lambda: ServiceTime(mean=-1.0), "mean", ValueError),
        (lambda: BackendConfig(concurrency=0), "concurrency", ValueError),
        (lambda: BackendConfig(error_probability=1.5), "error_probability", ValueError),
        (
            lambda: BackendConfig(error_probability=0.6, permanent_error_probability=0.6),
            "permanent_error_probability",
            ValueError,
        ),
        (lambda: BackendConfig(outages=(Throttle(0, 1),)), "outages", TypeError),
        (lambda: Outage(5.0, 1.0), "end", ValueError),
        (lambda: Throttle(0.0, 1.0, retry_after=-1), "retry_after", ValueError),
        (lambda: Slowdown(0.0, 1.0, factor=0), "factor", ValueError),
        (lambda: PipelineConfig(sources=()), "sources", ValueError),
        (lambda: PipelineConfig(sources=(PoissonSource(1.0),), timeout=-1), "timeout", ValueError),
        (lambda: PipelineConfig(sources=(PoissonSource(1.0),), queue=None), "queue", TypeError),
        (lambda: PoissonSource(rate=math.nan), "rate", ValueError),
        (lambda: PoissonSource(rate=True), "rate", TypeError),
    ],
)
def test_impossible_configuration_names_the_field(make, field, exc):
    with pytest.raises(exc, match=field):
        make()


def test_configs_are_frozen_and_hashable():
    b = BatchConfig()
    with pytest.raises(AttributeError):
        b.timeout = 1.0  # type: ignore[misc]
    # Equal configurations are interchangeable keys (a cache of runs keyed on the
    # configuration); a different field makes a different key.
    one = PipelineConfig(sources=(PoissonSource(1.0),), queue=QueueConfig(queue_size=50))
    same = PipelineConfig(sources=(PoissonSource(1.0),), queue=QueueConfig(queue_size=50))
    other = PipelineConfig(sources=(PoissonSource(1.0),), queue=QueueConfig(queue_size=51))
    runs = {one: "run"}
    assert same is not one and runs[same] == "run" and hash(same) == hash(one)
    assert other not in runs and len({one, same, other}) == 2


def test_single_source_is_wrapped():
    assert PipelineConfig(sources=PoissonSource(2.0)).sources == (PoissonSource(2.0),)  # type: ignore[arg-type]
