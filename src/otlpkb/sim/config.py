"""Configuration of a simulated Collector pipeline: frozen dataclasses, validated on creation.

Every field carries the Collector's default where the Collector has one (batch processor,
``sending_queue``, ``retry_on_failure``, ``memory_limiter``, exporterhelper ``timeout``).
An impossible value raises `ValueError` naming the field and the value as soon as
the object is built, so nothing runs with a bad configuration.

See the chapter *Throughput theory* (1.3).

Examples:
    >>> BatchConfig().send_batch_size, QueueConfig().num_consumers, RetryConfig().multiplier
    (8192, 10, 1.5)
    >>> MemoryLimiterConfig(limit_mib=4000).soft_limit_mib
    3200.0
    >>> QueueConfig(queue_size=0)
    Traceback (most recent call last):
    ...
    ValueError: QueueConfig.queue_size must be >= 1, got 0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

__all__ = [
    "BackendConfig",
    "BatchConfig",
    "MemoryLimiterConfig",
    "OnOffSource",
    "Outage",
    "PipelineConfig",
    "PoissonSource",
    "QueueConfig",
    "ReplaySource",
    "RetryConfig",
    "ServiceTime",
    "Slowdown",
    "Source",
    "Throttle",
]


def _num(owner: str, name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{owner}.{name} must be a number, got {value!r}")
    v = float(value)
    if math.isnan(v):
        raise ValueError(f"{owner}.{name} must not be NaN, got {value!r}")
    return v


def _nonneg(owner: str, name: str, value: object, *, finite: bool = True) -> None:
    v = _num(owner, name, value)
    if v < 0 or (finite and math.isinf(v)):
        raise ValueError(f"{owner}.{name} must be a finite number >= 0, got {value!r}")


def _pos(owner: str, name: str, value: object) -> None:
    v = _num(owner, name, value)
    if not v > 0 or math.isinf(v):
        raise ValueError(f"{owner}.{name} must be a finite number > 0, got {value!r}")


def _int_at_least(owner: str, name: str, value: object, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{owner}.{name} must be an int, got {value!r}")
    if value < low:
        raise ValueError(f"{owner}.{name} must be >= {low}, got {value!r}")


# ----------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class PoissonSource:
    """Requests arriving as a Poisson process.

    Attributes:
        rate: requests per second, > 0.
        items_per_request: spans in each request (an SDK exporter's batch), >= 1.
    """

    rate: float
    items_per_request: int = 1

    def __post_init__(self) -> None:
        _pos("PoissonSource", "rate", self.rate)
        _int_at_least("PoissonSource", "items_per_request", self.items_per_request, 1)


@dataclass(frozen=True)
class OnOffSource:
    """Bursty requests: a two-state Markov-modulated Poisson process (MMPP-2).

    The source alternates between an *on* state (rate ``rate_on``) and an *off* state
    (rate ``rate_off``, often 0), each held for an exponential time of the given mean.

    Attributes:
        rate_on: requests per second while on, > 0.
        mean_on: mean duration of an on period (seconds), > 0.
        mean_off: mean duration of an off period (seconds), > 0.
        rate_off: requests per second while off, >= 0.
        items_per_request: spans in each request, >= 1.
    """

    rate_on: float
    mean_on: float
    mean_off: float
    rate_off: float = 0.0
    items_per_request: int = 1

    def __post_init__(self) -> None:
        _pos("OnOffSource", "rate_on", self.rate_on)
        _pos("OnOffSource", "mean_on", self.mean_on)
        _pos("OnOffSource", "mean_off", self.mean_off)
        _nonneg("OnOffSource", "rate_off", self.rate_off)
        _int_at_least("OnOffSource", "items_per_request", self.items_per_request, 1)

    @property
    def mean_rate(self) -> float:
        """Long-run requests per second."""
        on, off = self.mean_on, self.mean_off
        return (self.rate_on * on + self.rate_off * off) / (on + off)


@dataclass(frozen=True)
class ReplaySource:
    """Requests replayed at given times (seconds from the start, non-decreasing).

    Attributes:
        timestamps: arrival times, each >= 0, sorted.
        items: spans in each request (same length as ``timestamps``); ``None`` means 1.
    """

    timestamps: tuple[float, ...]
    items: tuple[int, ...] | None = None

    def __init__(self, timestamps: Sequence[float], items: Sequence[int] | None = None) -> None:
        ts = tuple(float(t) for t in timestamps)
        its = None if items is None else tuple(items)
        object.__setattr__(self, "timestamps", ts)
        object.__setattr__(self, "items", its)
        self.__post_init__()

    def __post_init__(self) -> None:
        ts = self.timestamps
        if any(not math.isfinite(t) or t < 0 for t in ts):
            raise ValueError(f"ReplaySource.timestamps must be finite and >= 0, got {ts!r}")
        if any(b < a for a, b in pairwise(ts)):
            raise ValueError("ReplaySource.timestamps must be non-decreasing")
        if self.items is not None:
            if len(self.items) != len(ts):
                raise ValueError(
                    f"ReplaySource.items must have {len(ts)} entries, got {len(self.items)}"
                )
            for n in self.items:
                _int_at_least("ReplaySource", "items", n, 1)


Source = PoissonSource | OnOffSource | ReplaySource

# -------------------------------------------------------------------------- processors


@dataclass(frozen=True)
class MemoryLimiterConfig:
    """The ``memory_limiter`` processor: refuse data above the soft limit.

    Memory in use is modelled as ``base_mib`` plus ``item_bytes`` for every item held in
    the pipeline (batch buffer, sending queue, in-flight exports). It is measured every
    ``check_interval``; while it is at or above the soft limit
    (``limit_mib - spike_limit_mib``) the receiver refuses new data.

    Attributes:
        limit_mib: the hard limit (MiB), > 0.
        spike_limit_mib: headroom for spikes (MiB); ``None`` is the Collector's
            default, 20 % of ``limit_mib``. Must be in [0, limit_mib).
        check_interval: seconds between measurements (the Collector recommends 1 s), > 0.
        item_bytes: memory held per item in bytes, > 0.
        base_mib: memory in use with an empty pipeline, >= 0.
    """

    limit_mib: float
    spike_limit_mib: float | None = None
    check_interval: float = 1.0
    item_bytes: float = 1024.0
    base_mib: float = 0.0

    def __post_init__(self) -> None:
        _pos("MemoryLimiterConfig", "limit_mib", self.limit_mib)
        if self.spike_limit_mib is not None:
            _nonneg("MemoryLimiterConfig", "spike_limit_mib", self.spike_limit_mib)
            if self.spike_limit_mib >= self.limit_mib:
                raise ValueError(
                    "MemoryLimiterConfig.spike_limit_mib must be below limit_mib "
                    f"({self.limit_mib!r}), got {self.spike_limit_mib!r}"
                )
        _pos("MemoryLimiterConfig", "check_interval", self.check_interval)
        _pos("MemoryLimiterConfig", "item_bytes", self.item_bytes)
        _nonneg("MemoryLimiterConfig", "base_mib", self.base_mib)

    @property
    def spike_mib(self) -> float:
        """The spike limit in effect (the default is 20 % of ``limit_mib``)."""
        return 0.2 * self.limit_mib if self.spike_limit_mib is None else self.spike_limit_mib

    @property
    def soft_limit_mib(self) -> float:
        """``limit_mib - spike_limit_mib``: above it, data is refused."""
        return self.limit_mib - self.spike_mib


@dataclass(frozen=True)
class BatchConfig:
    """The ``batch`` processor.

    Attributes:
        send_batch_size: items that trigger a send (8192), >= 1.
        timeout: timer period in seconds (0.2); 0 sends every request at once.
        send_batch_max_size: upper bound of a sent batch (0 = no bound); when
            nonzero it must be >= ``send_batch_size``.
    """

    send_batch_size: int = 8192
    timeout: float = 0.2
    send_batch_max_size: int = 0

    def __post_init__(self) -> None:
        _int_at_least("BatchConfig", "send_batch_size", self.send_batch_size, 1)
        _nonneg("BatchConfig", "timeout", self.timeout)
        _int_at_least("BatchConfig", "send_batch_max_size", self.send_batch_max_size, 0)
        if 0 < self.send_batch_max_size < self.send_batch_size:
            raise ValueError(
                "BatchConfig.send_batch_max_size must be 0 or >= send_batch_size "
                f"({self.send_batch_size}), got {self.send_batch_max_size}"
            )


@dataclass(frozen=True)
class QueueConfig:
    """The exporter's ``sending_queue`` (in-memory, ``sizer: requests``).

    Attributes:
        queue_size: capacity in requests (1000), >= 1. A request that finds it full is
            dropped and counted in ``otelcol_exporter_enqueue_failed_spans``.
        num_consumers: concurrent export workers (10), >= 1.
    """

    queue_size: int = 1000
    num_consumers: int = 10

    def __post_init__(self) -> None:
        _int_at_least("QueueConfig", "queue_size", self.queue_size, 1)
        _int_at_least("QueueConfig", "num_consumers", self.num_consumers, 1)


@dataclass(frozen=True)
class RetryConfig:
    """The exporter's ``retry_on_failure`` (exponential backoff with jitter).

    Attributes:
        enabled: retry retryable errors (True).
        initial_interval: first backoff in seconds (5).
        max_interval: cap of the backoff in seconds (30).
        multiplier: growth factor of the backoff (1.5), >= 1.
        randomization_factor: jitter; an interval ``i`` becomes uniform in
            ``[i(1-f), i(1+f)]`` (0.5), in [0, 1].
        max_elapsed_time: give up when the next retry would start later than this
            after the first attempt (300 s); 0 retries forever.
    """

    enabled: bool = True
    initial_interval: float = 5.0
    max_interval: float = 30.0
    multiplier: float = 1.5
    randomization_factor: float = 0.5
    max_elapsed_time: float = 300.0

    def __post_init__(self) -> None:
        _pos("RetryConfig", "initial_interval", self.initial_interval)
        _pos("RetryConfig", "max_interval", self.max_interval)
        if self.max_interval < self.initial_interval:
            raise ValueError(
                "RetryConfig.max_interval must be >= initial_interval "
                f"({self.initial_interval!r}), got {self.max_interval!r}"
            )
        if _num("RetryConfig", "multiplier", self.multiplier) < 1 or math.isinf(self.multiplier):
            raise ValueError(f"RetryConfig.multiplier must be >= 1, got {self.multiplier!r}")
        f = _num("RetryConfig", "randomization_factor", self.randomization_factor)
        if not 0 <= f <= 1:
            raise ValueError(
                "RetryConfig.randomization_factor must be in [0, 1], "
                f"got {self.randomization_factor!r}"
            )
        _nonneg("RetryConfig", "max_elapsed_time", self.max_elapsed_time)


# ----------------------------------------------------------------------------- back end


@dataclass(frozen=True)
class ServiceTime:
    """Distribution of the back end's time to process one export request.

    Attributes:
        distribution: ``"exponential"``, ``"deterministic"`` or ``"lognormal"``.
        mean: mean seconds per request (excluding ``per_item``), >= 0.
        cv: coefficient of variation of the lognormal, > 0.
        per_item: extra seconds per item in the request, >= 0.
    """

    distribution: Literal["exponential", "deterministic", "lognormal"] = "exponential"
    mean: float = 0.05
    cv: float = 1.0
    per_item: float = 0.0

    def __post_init__(self) -> None:
        if self.distribution not in ("exponential", "deterministic", "lognormal"):
            raise ValueError(
                "ServiceTime.distribution must be 'exponential', 'deterministic' or "
                f"'lognormal', got {self.distribution!r}"
            )
        _nonneg("ServiceTime", "mean", self.mean)
        _pos("ServiceTime", "cv", self.cv)
        _nonneg("ServiceTime", "per_item", self.per_item)


def _window(owner: str, start: float, end: float) -> None:
    _nonneg(owner, "start", start)
    _nonneg(owner, "end", end, finite=False)
    if end <= start:
        raise ValueError(f"{owner}.end must be after start ({start!r}), got {end!r}")


@dataclass(frozen=True)
class Outage:
    """A window [start, end) in which every export fails.

    Attributes:
        start: seconds from the start of the run.
        end: end of the window (``inf`` allowed).
        permanent: fail with a permanent (non-retryable) error instead of
            ``UNAVAILABLE`` / HTTP 503.
    """

    start: float
    end: float
    permanent: bool = False

    def __post_init__(self) -> None:
        _window("Outage", self.start, self.end)


@dataclass(frozen=True)
class Throttle:
    """A window in which the back end answers ``RESOURCE_EXHAUSTED`` / HTTP 429.

    Attributes:
        start: seconds from the start of the run.
        end: end of the window.
        retry_after: the server's RetryInfo / Retry-After delay (seconds), a floor for
            the client's next backoff, >= 0.
    """

    start: float
    end: float
    retry_after: float = 1.0

    def __post_init__(self) -> None:
        _window("Throttle", self.start, self.end)
        _nonneg("Throttle", "retry_after", self.retry_after)


@dataclass(frozen=True)
class Slowdown:
    """A window in which service times are multiplied by ``factor`` (> 0)."""

    start: float
    end: float
    factor: float = 10.0

    def __post_init__(self) -> None:
        _window("Slowdown", self.start, self.end)
        _pos("Slowdown", "factor", self.factor)


@dataclass(frozen=True)
class BackendConfig:
    """The destination of the exports.

    Attributes:
        service: service-time distribution.
        concurrency: requests it serves at once (``None``: unbounded, each request is
            served on arrival).
        network_latency: round-trip time added to every attempt (seconds), >= 0.
        error_probability: chance that an attempt fails with a retryable error.
        permanent_error_probability: chance that an attempt fails permanently.
        outages: failure windows.
        throttles: throttling windows.
        slowdowns: slow-down windows.
        max_request_items: the largest request the back end takes; a larger one fails
            permanently, as a back end answers HTTP 413 or gRPC ``RESOURCE_EXHAUSTED``
            without retry information (``None``: no limit).
    """

    service: ServiceTime = field(default_factory=ServiceTime)
    concurrency: int | None = None
    network_latency: float = 0.0
    error_probability: float = 0.0
    permanent_error_probability: float = 0.0
    outages: tuple[Outage, ...] = ()
    throttles: tuple[Throttle, ...] = ()
    slowdowns: tuple[Slowdown, ...] = ()
    max_request_items: int | None = None

    def __post_init__(self) -> None:
        if self.max_request_items is not None:
            _int_at_least("BackendConfig", "max_request_items", self.max_request_items, 1)
        if not isinstance(self.service, ServiceTime):
            raise TypeError(f"BackendConfig.service must be a ServiceTime, got {self.service!r}")
        if self.concurrency is not None:
            _int_at_least("BackendConfig", "concurrency", self.concurrency, 1)
        _nonneg("BackendConfig", "network_latency", self.network_latency)
        for name in ("error_probability", "permanent_error_probability"):
            p = _num("BackendConfig", name, getattr(self, name))
            if not 0 <= p <= 1:
                raise ValueError(f"BackendConfig.{name} must be in [0, 1], got {p!r}")
        if self.error_probability + self.permanent_error_probability > 1:
            raise ValueError(
                "BackendConfig.error_probability + permanent_error_probability must be <= 1, "
                f"got {self.error_probability + self.permanent_error_probability!r}"
            )
        for name, kind in (("outages", Outage), ("throttles", Throttle), ("slowdowns", Slowdown)):
            for w in getattr(self, name):
                if not isinstance(w, kind):
                    raise TypeError(f"BackendConfig.{name} must hold {kind.__name__}, got {w!r}")


# ----------------------------------------------------------------------------- pipeline


@dataclass(frozen=True)
class PipelineConfig:
    """A traces pipeline: receiver → [memory_limiter] → [batch] → exporter → back end.

    Attributes:
        sources: one or more request sources feeding the receiver.
        memory_limiter: the memory limiter, or ``None`` for none.
        batch: the batch processor, or ``None`` to enqueue every request as it arrives.
        queue: the exporter's sending queue and consumers.
        retry: the exporter's retry policy.
        backend: the destination.
        timeout: the exporter's per-attempt timeout (exporterhelper default 5 s);
            0 disables it. A timed-out attempt is a retryable error.
        sample_interval: period of the queue-size / memory time series (seconds).
    """

    sources: tuple[Source, ...]
    memory_limiter: MemoryLimiterConfig | None = None
    batch: BatchConfig | None = field(default_factory=BatchConfig)
    queue: QueueConfig = field(default_factory=QueueConfig)
    retry: RetryConfig = field(default_factory=RetryConfig)
    backend: BackendConfig = field(default_factory=BackendConfig)
    timeout: float = 5.0
    sample_interval: float = 1.0

    def __post_init__(self) -> None:
        srcs = self.sources
        if isinstance(srcs, PoissonSource | OnOffSource | ReplaySource):
            object.__setattr__(self, "sources", (srcs,))
        elif isinstance(srcs, list):
            object.__setattr__(self, "sources", tuple(srcs))
        if not isinstance(self.sources, tuple) or not self.sources:
            raise ValueError(f"PipelineConfig.sources must name at least one source, got {srcs!r}")
        for s in self.sources:
            if not isinstance(s, PoissonSource | OnOffSource | ReplaySource):
                raise TypeError(f"PipelineConfig.sources holds a non-source: {s!r}")
        checks: tuple[tuple[str, object, type | tuple[type, ...]], ...] = (
            ("memory_limiter", self.memory_limiter, (MemoryLimiterConfig, type(None))),
            ("batch", self.batch, (BatchConfig, type(None))),
            ("queue", self.queue, QueueConfig),
            ("retry", self.retry, RetryConfig),
            ("backend", self.backend, BackendConfig),
        )
        for name, value, kind in checks:
            if not isinstance(value, kind):
                raise TypeError(f"PipelineConfig.{name} has the wrong type: {value!r}")
        _nonneg("PipelineConfig", "timeout", self.timeout)
        _pos("PipelineConfig", "sample_interval", self.sample_interval)
