"""``otlpkb.sim``: a discrete-event simulator of OTLP pipelines, built on SimPy.

A `PipelineConfig` describes sources, the Collector's ``memory_limiter``, ``batch``
processor, exporter ``sending_queue`` with consumers and ``retry_on_failure``, and a back
end that can slow down, fail or throttle; ``Pipeline(config).run(until, seed)`` returns a
`PipelineResult` with the Collector's metric names and latency samples.
`simulate_mmc` is a plain M/M/c station for checks against queueing theory.

See the chapter *Throughput theory* (1.3).

Examples:
    >>> from otlpkb.sim import Pipeline, PipelineConfig, PoissonSource
    >>> r = Pipeline(PipelineConfig(sources=(PoissonSource(rate=50.0),))).run(until=5.0, seed=1)
    >>> r.metrics["otelcol_exporter_sent_spans"] > 0
    True
"""

from otlpkb.sim.config import (
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
    Source,
    Throttle,
)
from otlpkb.sim.metrics import METRIC_NAMES, PipelineResult
from otlpkb.sim.pipeline import Pipeline, PipelineState
from otlpkb.sim.station import StationResult, simulate_mmc

__all__ = [
    "METRIC_NAMES",
    "BackendConfig",
    "BatchConfig",
    "MemoryLimiterConfig",
    "OnOffSource",
    "Outage",
    "Pipeline",
    "PipelineConfig",
    "PipelineResult",
    "PipelineState",
    "PoissonSource",
    "QueueConfig",
    "ReplaySource",
    "RetryConfig",
    "ServiceTime",
    "Slowdown",
    "Source",
    "StationResult",
    "Throttle",
    "simulate_mmc",
]
