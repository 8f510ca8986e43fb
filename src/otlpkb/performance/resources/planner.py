"""A Collector capacity plan: per-item costs times rates, with every assumption printed.

`SignalProfile` holds the per-item costs of one signal (encoded bytes, compression
ratio, CPU seconds, memory held) and `CostProfile` the three signals plus a
Collector's fixed memory; `capacity_plan` turns signal rates into Collectors, bytes per
second, queue memory and disk per day, keeping every assumption next to the number it
produced; `memory_limiter_settings` derives the memory limiter's soft limit and the Go
runtime limit that go with a hard limit.

See the chapter *Resource consumption* (1.4).

Examples:
    >>> plan = capacity_plan(spans_per_second=50_000, collector_cpu_cores=2)
    >>> plan.collectors, round(plan.cpu_cores, 2)
    (3, 3.33)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from otlpkb._checks import integer as _integer
from otlpkb._checks import non_negative as _non_negative
from otlpkb._checks import positive as _positive
from otlpkb._checks import real as _real
from otlpkb.performance.throughput import batch_closed_form

__all__ = [
    "DEFAULT_PROFILE",
    "CapacityPlan",
    "CostProfile",
    "MemoryLimiterSettings",
    "SignalProfile",
    "capacity_plan",
    "memory_limiter_settings",
]

MiB = 1024 * 1024


@dataclass(frozen=True)
class SignalProfile:
    """Per-item costs of one signal in a Collector pipeline.

    Attributes:
        bytes_per_item: OTLP/protobuf bytes per item inside a batch (resource and scope
            envelopes amortised), uncompressed.
        compression_ratio: protobuf bytes over gzip bytes for a batch (>= 1).
        cpu_seconds_per_item: Collector CPU seconds to receive, process and export one item.
        memory_bytes_per_item: bytes of Collector heap one item holds while it waits in
            a batch or a queue (Go's in-memory form is larger than the wire form).
    """

    bytes_per_item: float
    compression_ratio: float
    cpu_seconds_per_item: float
    memory_bytes_per_item: float

    def __post_init__(self) -> None:
        _positive("bytes_per_item", self.bytes_per_item)
        if _positive("compression_ratio", self.compression_ratio) < 1:
            raise ValueError(f"compression_ratio must be >= 1, got {self.compression_ratio!r}")
        _positive("cpu_seconds_per_item", self.cpu_seconds_per_item)
        _positive("memory_bytes_per_item", self.memory_bytes_per_item)


@dataclass(frozen=True)
class CostProfile:
    """Costs of the three signals plus the fixed cost of one Collector.

    The defaults are documented assumptions, not universal constants: the byte sizes and
    compression ratios are measured on `synthetic_request` batches of 512 items with
    8 attributes (20-character keys and values) in traces of 8 spans, log records grouped
    8 to a trace (see the chapter's tables; the tests hold the traces' gzip ratio to the
    OpenTelemetry SDK's own output for traces of that shape); the CPU costs
    are the Splunk Distribution of the OpenTelemetry Collector's sizing guidance (one core
    ingests 15,000 spans, 20,000 metric data points or 10,000 log records per second); the
    memory per item assumes Go's in-memory form is 3 times the protobuf size; the baseline
    is the resident memory of an idle Collector. Measure your own and pass them in.
    """

    # --8<-- [start:profile]
    spans: SignalProfile = field(
        default_factory=lambda: SignalProfile(
            bytes_per_item=466.0,
            compression_ratio=8.0,
            cpu_seconds_per_item=1 / 15_000,
            memory_bytes_per_item=1398.0,
        )
    )
    logs: SignalProfile = field(
        default_factory=lambda: SignalProfile(
            bytes_per_item=471.0,
            compression_ratio=8.1,
            cpu_seconds_per_item=1 / 10_000,
            memory_bytes_per_item=1413.0,
        )
    )
    metric_points: SignalProfile = field(
        default_factory=lambda: SignalProfile(
            bytes_per_item=414.0,
            compression_ratio=14.4,
            cpu_seconds_per_item=1 / 20_000,
            memory_bytes_per_item=1242.0,
        )
    )
    baseline_memory_bytes: float = 128 * MiB
    # --8<-- [end:profile]

    def __post_init__(self) -> None:
        for name in ("spans", "logs", "metric_points"):
            if not isinstance(getattr(self, name), SignalProfile):
                raise TypeError(f"{name} must be a SignalProfile, got {getattr(self, name)!r}")
        _non_negative("baseline_memory_bytes", self.baseline_memory_bytes)


DEFAULT_PROFILE = CostProfile()
"""The default `CostProfile` (see its docstring for where each number comes from)."""


@dataclass(frozen=True)
class MemoryLimiterSettings:
    """memory_limiter processor settings and the Go runtime limit that goes with them.

    Attributes:
        limit_mib: hard limit (``limit_mib``): above it the limiter also forces a GC.
        spike_limit_mib: ``spike_limit_mib`` (default 20 % of the hard limit).
        soft_limit_mib: ``limit_mib - spike_limit_mib``: above it data is refused.
        gomemlimit_mib: ``GOMEMLIMIT``, recommended at 80 % of the hard limit.
    """

    limit_mib: float
    spike_limit_mib: float
    soft_limit_mib: float
    gomemlimit_mib: float


def memory_limiter_settings(
    limit_mib: float, spike_limit_mib: float | None = None
) -> MemoryLimiterSettings:
    """The memory_limiter's soft limit and the matching ``GOMEMLIMIT`` for a hard limit.

    Examples:
        >>> memory_limiter_settings(4000)
        MemoryLimiterSettings(limit_mib=4000.0, spike_limit_mib=800.0, soft_limit_mib=3200.0, gomemlimit_mib=3200.0)
    """  # noqa: E501
    hard = _positive("limit_mib", limit_mib)
    spike = (
        0.2 * hard if spike_limit_mib is None else _non_negative("spike_limit_mib", spike_limit_mib)
    )
    if spike >= hard:
        raise ValueError(
            f"spike_limit_mib must be below limit_mib ({hard:g}), got {spike_limit_mib!r}"
        )
    return MemoryLimiterSettings(hard, spike, hard - spike, 0.8 * hard)


_SIGNALS = (("spans", "spans"), ("logs", "log records"), ("metric_points", "metric points"))


@dataclass(frozen=True)
class CapacityPlan:
    """The output of `capacity_plan`; every field is per second unless named otherwise.

    Attributes:
        rates: items per second per signal (``spans``, ``logs``, ``metric_points``).
        cpu_cores: CPU cores the whole load needs at 100 % utilization.
        collectors: Collectors to run.
        utilization: CPU utilization of each Collector with that many.
        ingress_bytes_per_second: OTLP/protobuf bytes received, uncompressed.
        ingress_wire_bytes_per_second: the same, gzipped (if clients compress).
        egress_bytes_per_second: bytes sent to all exporters, uncompressed.
        egress_wire_bytes_per_second: the same, gzipped (the Collector's OTLP exporters'
            default).
        disk_bytes_per_day: bytes the back end writes per day (compressed, replicated).
        disk_bytes_retained: ``disk_bytes_per_day`` times the retention in days.
        mean_batch_items: mean batch size per signal at one Collector's share of the load.
        batch_bytes: protobuf bytes of a mean batch per signal.
        queue_seconds: seconds of data a full sending queue holds, per signal.
        queue_memory_bytes: heap a full sending queue holds in one Collector (all
            signals and exporters).
        memory_bytes: a Collector's memory with full queues: baseline + queues + batches.
        memory_limiter: memory_limiter settings whose soft limit fits ``memory_bytes``.
        warnings: conditions the operator should act on.
        assumptions: every input and assumption behind the numbers, as text.
    """

    rates: Mapping[str, float]
    cpu_cores: float
    collectors: int
    utilization: float
    ingress_bytes_per_second: float
    ingress_wire_bytes_per_second: float
    egress_bytes_per_second: float
    egress_wire_bytes_per_second: float
    disk_bytes_per_day: float
    disk_bytes_retained: float
    mean_batch_items: Mapping[str, float]
    batch_bytes: Mapping[str, float]
    queue_seconds: Mapping[str, float]
    queue_memory_bytes: float
    memory_bytes: float
    memory_limiter: MemoryLimiterSettings
    warnings: tuple[str, ...]
    assumptions: Mapping[str, str]

    def explain(self) -> list[tuple[str, str, str]]:
        """Rows ``(quantity, value, how it was computed)`` for a table on a page."""
        rows = [
            ("CPU cores at 100 %", f"{self.cpu_cores:.2f}", "Σ rate × CPU s/item"),
            (
                "Collectors",
                str(self.collectors),
                "⌈cores / (cores per Collector × target utilization)⌉",
            ),
            ("utilization per Collector", f"{self.utilization:.0%}", "cores / (N × cores each)"),
            (
                "ingress (protobuf)",
                _human(self.ingress_bytes_per_second, "/s"),
                "Σ rate × bytes/item",
            ),
            (
                "ingress (gzip)",
                _human(self.ingress_wire_bytes_per_second, "/s"),
                "Σ rate × bytes/item / ratio",
            ),
            (
                "egress (gzip)",
                _human(self.egress_wire_bytes_per_second, "/s"),
                "ingress (gzip) × exporters",
            ),
            (
                "disk per day",
                _human(self.disk_bytes_per_day),
                "ingress (gzip) × 86,400 s × replication",
            ),
            ("disk retained", _human(self.disk_bytes_retained), "disk per day × retention days"),
            (
                "full queues per Collector",
                _human(self.queue_memory_bytes),
                "queue_size × mean batch × memory/item × exporters",
            ),
            (
                "memory per Collector",
                _human(self.memory_bytes),
                "baseline + full queues + batches",
            ),
            (
                "memory_limiter limit_mib",
                f"{self.memory_limiter.limit_mib:,.0f}",
                "memory / 0.8 (soft limit = 80 %)",
            ),
        ]
        return rows


def _human(value: float, suffix: str = "") -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if value >= size:
            return f"{value / size:,.1f} {unit}{suffix}"
    return f"{value:,.0f} B{suffix}"


def capacity_plan(
    *,
    spans_per_second: float = 0.0,
    logs_per_second: float = 0.0,
    metric_points_per_second: float = 0.0,
    profile: CostProfile = DEFAULT_PROFILE,
    collector_cpu_cores: float = 2.0,
    target_utilization: float = 0.7,
    min_collectors: int = 1,
    exporters: int = 1,
    send_batch_size: int = 8192,
    batch_timeout: float = 0.2,
    queue_size: int = 1000,
    retention_days: float = 7.0,
    replication: int = 1,
    max_message_bytes: int = 4 * MiB,
) -> CapacityPlan:
    """Collectors, bandwidth, memory and disk for a telemetry load.

    CPU: the load needs ``Σ rate × cpu_seconds_per_item`` cores; each Collector may use
    ``collector_cpu_cores × target_utilization`` of them. Bandwidth: ``rate ×
    bytes_per_item``, divided by the compression ratio on the wire. Batches: the batch
    processor's mean batch at one Collector's share of the load
    (`otlpkb.performance.throughput.batch_closed_form`). Memory: a full sending
    queue holds ``queue_size`` such batches per signal and exporter. Disk: the compressed
    bytes per day times ``replication``, kept ``retention_days``.

    Args:
        spans_per_second: spans received per second, >= 0.
        logs_per_second: log records received per second, >= 0.
        metric_points_per_second: metric data points received per second, >= 0.
        profile: per-item costs, `DEFAULT_PROFILE` unless measured.
        collector_cpu_cores: CPU cores of one Collector (its limit), > 0.
        target_utilization: CPU utilization to plan for, in (0, 1].
        min_collectors: the least number of Collectors (for availability), >= 1.
        exporters: exporters (each with its own queue) every pipeline sends to, >= 1.
        send_batch_size: batch processor ``send_batch_size`` (default 8192), >= 1.
        batch_timeout: batch processor ``timeout`` in seconds (default 0.2), > 0.
        queue_size: ``sending_queue.queue_size`` in batches (default 1000), >= 1.
        retention_days: days the back end keeps data, >= 0.
        replication: copies the back end stores, >= 1.
        max_message_bytes: the receiving side's message limit (gRPC default 4 MiB).

    Returns:
        A `CapacityPlan`; its ``assumptions`` list every input used.

    Raises:
        ValueError: a negative rate, a utilization outside (0, 1], a count below 1, ...
        TypeError: a value of the wrong type.

    Examples:
        >>> p = capacity_plan(spans_per_second=20_000, logs_per_second=5_000)
        >>> p.collectors, p.cpu_cores > 1.8
        (2, True)
    """
    rates = {
        "spans": _non_negative("spans_per_second", spans_per_second),
        "logs": _non_negative("logs_per_second", logs_per_second),
        "metric_points": _non_negative("metric_points_per_second", metric_points_per_second),
    }
    if not isinstance(profile, CostProfile):
        raise TypeError(f"profile must be a CostProfile, got {type(profile).__name__}")
    cores_each = _positive("collector_cpu_cores", collector_cpu_cores)
    target = _real("target_utilization", target_utilization)
    if not 0 < target <= 1:
        raise ValueError(f"target_utilization must be in (0, 1], got {target_utilization!r}")
    n_min = _integer("min_collectors", min_collectors, 1)
    n_exp = _integer("exporters", exporters, 1)
    k = _integer("send_batch_size", send_batch_size, 1)
    timeout = _positive("batch_timeout", batch_timeout)
    q = _integer("queue_size", queue_size, 1)
    days = _non_negative("retention_days", retention_days)
    copies = _integer("replication", replication, 1)
    limit = _integer("max_message_bytes", max_message_bytes, 1)

    costs: dict[str, SignalProfile] = {s: getattr(profile, s) for s, _ in _SIGNALS}
    # --8<-- [start:plan-rates]
    cpu = sum(rates[s] * costs[s].cpu_seconds_per_item for s in rates)  # cores at 100 %
    collectors = max(n_min, math.ceil(cpu / (cores_each * target) - 1e-12))
    size = {s: costs[s].bytes_per_item for s in rates}  # protobuf bytes an item
    raw = sum(rates[s] * size[s] for s in rates)  # bytes/s, uncompressed
    wire = sum(rates[s] * size[s] / costs[s].compression_ratio for s in rates)  # gzip'd
    # --8<-- [end:plan-rates]

    mean_batch: dict[str, float] = {}
    batch_bytes: dict[str, float] = {}
    queue_seconds: dict[str, float] = {}
    queue_mem = 0.0
    batch_mem = 0.0
    warnings: list[str] = []
    for s, label in _SIGNALS:
        share = rates[s] / collectors
        if share <= 0:
            mean_batch[s] = batch_bytes[s] = queue_seconds[s] = 0.0
            continue
        # --8<-- [start:plan-memory]
        tiny = share * timeout < 1e-6  # a trickle: one item a batch (the limit as rate -> 0)
        b = 1.0 if tiny else batch_closed_form(share, k, timeout).mean_batch_size
        queue_seconds[s] = q * b / share  # how much traffic a full queue holds
        queue_mem += n_exp * q * b * costs[s].memory_bytes_per_item
        batch_mem += b * costs[s].memory_bytes_per_item
        # --8<-- [end:plan-memory]
        mean_batch[s] = b
        batch_bytes[s] = b * costs[s].bytes_per_item
        if k * costs[s].bytes_per_item > limit:
            warnings.append(
                f"a full batch of {k} {label} is {k * costs[s].bytes_per_item / MiB:.1f} MiB, "
                f"over "
                f"the {limit / MiB:g} MiB message limit: set send_batch_max_size <= "
                f"{int(limit // costs[s].bytes_per_item)} or raise max_recv_msg_size_mib"
            )
    # --8<-- [start:plan-totals]
    memory = profile.baseline_memory_bytes + queue_mem + batch_mem  # full queues
    limiter = memory_limiter_settings(memory / MiB / 0.8)  # memory = the 80 % soft limit
    per_day = wire * 86_400.0 * copies  # the back end stores gzip-sized bytes
    # --8<-- [end:plan-totals]
    if cpu / (collectors * cores_each) > target + 1e-12:  # pragma: no cover - ceil prevents it
        warnings.append("utilization above target")
    assumptions = {
        "rates (items/s)": ", ".join(f"{label} {rates[s]:,.0f}" for s, label in _SIGNALS),
        "bytes/item (protobuf)": ", ".join(
            f"{label} {costs[s].bytes_per_item:g}" for s, label in _SIGNALS
        ),
        "gzip ratio": ", ".join(f"{label} {costs[s].compression_ratio:g}" for s, label in _SIGNALS),
        "items per CPU second": ", ".join(
            f"{label} {1 / costs[s].cpu_seconds_per_item:,.0f}" for s, label in _SIGNALS
        ),
        "memory/item held": ", ".join(
            f"{label} {costs[s].memory_bytes_per_item:g} B" for s, label in _SIGNALS
        ),
        "Collector": f"{cores_each:g} cores at {target:.0%} target utilization, "
        f"at least {n_min}, baseline {profile.baseline_memory_bytes / MiB:g} MiB",
        "batch processor": f"send_batch_size {k}, timeout {timeout:g} s",
        "sending_queue": f"queue_size {q} batches, {n_exp} exporter(s) per pipeline",
        "back end": f"{copies} replica(s), {days:g} days retention, stores gzip-sized bytes",
        "message limit": f"{limit / MiB:g} MiB",
    }
    return CapacityPlan(
        rates=MappingProxyType(rates),
        cpu_cores=cpu,
        collectors=collectors,
        utilization=cpu / (collectors * cores_each),
        ingress_bytes_per_second=raw,
        ingress_wire_bytes_per_second=wire,
        egress_bytes_per_second=raw * n_exp,
        egress_wire_bytes_per_second=wire * n_exp,
        disk_bytes_per_day=per_day,
        disk_bytes_retained=per_day * days,
        mean_batch_items=MappingProxyType(mean_batch),
        batch_bytes=MappingProxyType(batch_bytes),
        queue_seconds=MappingProxyType(queue_seconds),
        queue_memory_bytes=queue_mem,
        memory_bytes=memory,
        memory_limiter=limiter,
        warnings=tuple(warnings),
        assumptions=MappingProxyType(assumptions),
    )
