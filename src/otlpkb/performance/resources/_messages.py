"""The OTLP export request types the resource modules measure and build (private)."""

from __future__ import annotations

from typing import Any, Literal

from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

Signal = Literal["traces", "metrics", "logs"]

REQUESTS: dict[str, Any] = {
    "traces": trace_service_pb2.ExportTraceServiceRequest,
    "metrics": metrics_service_pb2.ExportMetricsServiceRequest,
    "logs": logs_service_pb2.ExportLogsServiceRequest,
}


def request_type(signal: object) -> Any:
    """The request class of ``signal``, or ``ValueError`` naming the argument."""
    if signal not in REQUESTS:
        raise ValueError(f"signal must be one of 'traces', 'metrics', 'logs', got {signal!r}")
    return REQUESTS[str(signal)]
