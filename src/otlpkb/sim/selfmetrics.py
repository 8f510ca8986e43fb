"""A simulated Collector's ``/metrics`` page: its internal metrics as Prometheus text.

`exposition` writes one scrape of a Collector's internal metrics in the Prometheus text
format (version 0.0.4), with the names, types and labels a real Collector uses: the
built-in ``:8888`` reader's form (the documented names, no ``_total`` or unit suffix) or,
with ``suffixes=True``, the form of a Prometheus reader left at its defaults
(``otelcol_exporter_sent_spans_total``, ``otelcol_process_memory_rss_bytes``).
`collector_scrapes` turns every sample of a `PipelineResult` into such a scrape, with
the process metrics (uptime, CPU, resident memory, Go heap) modelled from the items the
pipeline holds and moves.

`FAULTS` names faults an operator meets, and `fault_config` builds the pipeline that
shows each: a slow back end, a back end that is down, a sending queue too small for
bursts, the memory limit hit, a receiver pushed back on (no batch processor, exporter
saturated), and batches larger than the back end accepts (HTTP 413). `simulate_fault`
runs one and returns its scrapes, the input of the diagnosis chapters.

See the chapter *Diagnosis decision tree* (5.1).

Examples:
    >>> text = exposition({"otelcol_exporter_sent_spans": 5.0}, suffixes=True)
    >>> [line for line in text.splitlines() if not line.startswith("#")]
    ['otelcol_exporter_sent_spans_total{exporter="otlp"} 5']
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from otlpkb.sim.config import (
    BackendConfig,
    BatchConfig,
    MemoryLimiterConfig,
    OnOffSource,
    Outage,
    PipelineConfig,
    PoissonSource,
    QueueConfig,
    ServiceTime,
)
from otlpkb.sim.metrics import PipelineResult
from otlpkb.sim.pipeline import Pipeline

__all__ = [
    "FAULTS",
    "METRIC_TYPES",
    "collector_scrapes",
    "exposition",
    "fault_config",
    "simulate_fault",
]

#: name -> (Prometheus type, unit a default Prometheus reader appends to the name, labels)
METRIC_TYPES: Mapping[str, tuple[str, str, tuple[tuple[str, str], ...]]] = {
    "otelcol_receiver_accepted_spans": (
        "counter",
        "",
        (("receiver", "otlp"), ("transport", "grpc")),
    ),
    "otelcol_receiver_refused_spans": (
        "counter",
        "",
        (("receiver", "otlp"), ("transport", "grpc")),
    ),
    "otelcol_processor_memory_limiter_accepted_spans": (
        "counter",
        "",
        (("processor", "memory_limiter"),),
    ),
    "otelcol_processor_memory_limiter_refused_spans": (
        "counter",
        "",
        (("processor", "memory_limiter"),),
    ),
    "otelcol_processor_batch_batch_size_trigger_send": ("counter", "", (("processor", "batch"),)),
    "otelcol_processor_batch_timeout_trigger_send": ("counter", "", (("processor", "batch"),)),
    "otelcol_exporter_sent_spans": ("counter", "", (("exporter", "otlp"),)),
    "otelcol_exporter_send_failed_spans": ("counter", "", (("exporter", "otlp"),)),
    "otelcol_exporter_enqueue_failed_spans": ("counter", "", (("exporter", "otlp"),)),
    "otelcol_exporter_queue_size": ("gauge", "", (("exporter", "otlp"),)),
    "otelcol_exporter_queue_capacity": ("gauge", "", (("exporter", "otlp"),)),
    "otelcol_process_uptime": ("counter", "seconds", ()),
    "otelcol_process_cpu_seconds": ("counter", "", ()),
    "otelcol_process_memory_rss": ("gauge", "bytes", ()),
    "otelcol_process_runtime_heap_alloc_bytes": ("gauge", "", ()),
}
"""How each metric is exposed, as the Collector's ``documentation.md`` files type them
(Sum monotonic → counter, Gauge → gauge) with the labels the Collector attaches."""

FAULTS: tuple[str, ...] = (
    "healthy",
    "slow_backend",
    "backend_down",
    "queue_too_small",
    "memory_limit",
    "receiver_overload",
    "batch_too_large",
)
"""The scenarios `fault_config` builds."""


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def exposition(metrics: Mapping[str, float], *, suffixes: bool = False) -> str:
    """One scrape of the metrics in ``metrics`` as Prometheus text exposition.

    Args:
        metrics: documented metric names (keys of `METRIC_TYPES`) to values.
        suffixes: write the names a default Prometheus reader produces (``_total`` on
            counters, the unit on ``By`` / ``s`` metrics) instead of the built-in
            ``:8888`` reader's.

    Raises:
        ValueError: a name that is not in `METRIC_TYPES`.
    """
    lines = []
    for name, value in metrics.items():
        if name not in METRIC_TYPES:
            raise ValueError(f"metrics holds {name!r}, which is not in METRIC_TYPES")
        kind, unit, labels = METRIC_TYPES[name]
        # --8<-- [start:exposition]
        exposed = name + (f"_{unit}" if suffixes and unit else "")  # format 0.0.4: the family
        exposed += "_total" if suffixes and kind == "counter" else ""  # is the sample name
        lines.append(f"# HELP {exposed} {name} (simulated)")
        lines.append(f"# TYPE {exposed} {kind}")
        label_text = ",".join(f'{k}="{v}"' for k, v in labels)
        braces = f"{{{label_text}}}" if labels else ""
        lines.append(f"{exposed}{braces} {_number(value)}")
        # --8<-- [end:exposition]
    return "\n".join(lines) + "\n"


def collector_scrapes(
    result: PipelineResult,
    *,
    suffixes: bool = False,
    memory_limiter: bool = False,
    base_rss_mib: float = 64.0,
    cpu_seconds_per_item: float = 1 / 15_000,
) -> list[str]:
    """Every sample of a simulated run as the exposition a scrape would have read.

    Args:
        result: a run of `otlpkb.sim.Pipeline`.
        suffixes: as `exposition`.
        memory_limiter: the pipeline had a ``memory_limiter`` (adds its accepted count).
        base_rss_mib: resident memory of an idle Collector.
        cpu_seconds_per_item: CPU per accepted span (the 1.4 chapter's profile).

    Returns:
        One exposition text per sample time.
    """
    out = []
    for k, (t, metrics) in enumerate(result.scrapes):
        m = dict(metrics)
        held_mib = float(result.memory_mib[k]) if k < len(result.memory_mib) else 0.0
        m["otelcol_process_uptime"] = t
        accepted = m["otelcol_receiver_accepted_spans"]
        m["otelcol_process_cpu_seconds"] = 0.01 * t + accepted * cpu_seconds_per_item
        m["otelcol_process_memory_rss"] = round((base_rss_mib + held_mib) * 2**20)
        m["otelcol_process_runtime_heap_alloc_bytes"] = round((base_rss_mib / 2 + held_mib) * 2**20)
        if memory_limiter:
            m["otelcol_processor_memory_limiter_accepted_spans"] = accepted
        else:
            m.pop("otelcol_processor_memory_limiter_refused_spans", None)
        out.append(exposition(m, suffixes=suffixes))
    return out


def fault_config(fault: str) -> PipelineConfig:
    """The pipeline that shows ``fault`` (one of `FAULTS`).

    All share a load of 200 requests/s of 10 spans and a batch processor of 1,000 spans
    (except ``receiver_overload``, which has none); each changes one thing.

    Raises:
        ValueError: an unknown fault.
    """
    if fault not in FAULTS:
        raise ValueError(f"fault must be one of {FAULTS}, got {fault!r}")
    load = (PoissonSource(rate=200.0, items_per_request=10),)
    batch = BatchConfig(send_batch_size=1000, timeout=0.2)
    fast = BackendConfig(service=ServiceTime(mean=0.05))

    # fmt: off
    # --8<-- [start:faults]
    def slow(mean: float) -> ServiceTime:
        return ServiceTime("deterministic", mean=mean)

    bursts = OnOffSource(rate_on=1000.0, mean_on=1.0, mean_off=4.0, items_per_request=10)
    configs = {
        "healthy": PipelineConfig(load, batch=batch, backend=fast),
        "slow_backend": PipelineConfig(
            load, batch=batch, queue=QueueConfig(queue_size=40, num_consumers=2),
            backend=BackendConfig(service=slow(1.6), concurrency=2)),
        "backend_down": PipelineConfig(
            load, batch=batch, queue=QueueConfig(queue_size=40),
            backend=BackendConfig(outages=(Outage(0.0, math.inf),))),
        "queue_too_small": PipelineConfig(
            (bursts,), batch=batch, queue=QueueConfig(queue_size=3, num_consumers=1),
            backend=BackendConfig(service=slow(0.15))),
        "memory_limit": PipelineConfig(
            load, batch=batch, memory_limiter=MemoryLimiterConfig(limit_mib=40.0),
            backend=BackendConfig(service=slow(4.0))),
        "receiver_overload": PipelineConfig(  # no batch processor: errors reach receivers
            load, batch=None, queue=QueueConfig(queue_size=200, num_consumers=10),
            backend=BackendConfig(service=slow(0.06))),
        "batch_too_large": PipelineConfig(
            load, batch=batch,
            backend=BackendConfig(service=ServiceTime(mean=0.05), max_request_items=400)),
    }
    # --8<-- [end:faults]
    # fmt: on
    return configs[fault]


def simulate_fault(
    fault: str,
    *,
    until: float = 120.0,
    seed: int | None = 0,
    suffixes: bool = False,
    scrape_interval: float = 10.0,
) -> list[str]:
    """Run `fault_config` and return a scrape every ``scrape_interval`` seconds.

    Examples:
        >>> scrapes = simulate_fault("healthy", until=20.0)
        >>> len(scrapes), "otelcol_exporter_sent_spans{" in scrapes[-1]
        (2, True)
    """
    cfg = fault_config(fault)
    cfg = PipelineConfig(
        cfg.sources,
        memory_limiter=cfg.memory_limiter,
        batch=cfg.batch,
        queue=cfg.queue,
        retry=cfg.retry,
        backend=cfg.backend,
        timeout=cfg.timeout,
        sample_interval=scrape_interval,
    )
    result = Pipeline(cfg).run(until=until, seed=seed)
    return collector_scrapes(
        result, suffixes=suffixes, memory_limiter=cfg.memory_limiter is not None
    )
