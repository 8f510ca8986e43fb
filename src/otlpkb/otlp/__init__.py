"""The OTLP data layer: span records, trace readers and W3C Trace Context.

* `read_traces` / `iter_trace_batches` read OTLP/JSON, OTLP/protobuf and the
  Collector file exporter's files (gzip or not) into a columnar `SpanTable` of
  `Span` records; `read_metrics` / `iter_metric_points` read OTLP metrics the same
  ways into `MetricPoint` records;
* `OTLPDecodeError` (a ``ValueError``) reports bad input with its position;
* `extract_trace_context`, `format_traceparent` and `format_tracestate`
  implement the W3C ``traceparent`` / ``tracestate`` headers.

See the chapter *Distributed tracing* (3.1).

Examples:
    >>> from otlpkb import datasets, otlp
    >>> table = otlp.read_traces(datasets.path("otlp/jaeger/example_trace.json"))
    >>> len(table), sorted(set(table.column("service_name")))[:2]
    (5, ['example-service-1', 'example-service-2'])
"""

from __future__ import annotations

from .errors import OTLPDecodeError
from .metrics import METRIC_KINDS, MetricKind, MetricPoint, iter_metric_points, read_metrics
from .reader import FORMATS, Format, Source, iter_trace_batches, read_traces
from .spans import (
    COLUMNS,
    AttributeValue,
    LinkLike,
    Span,
    SpanEvent,
    SpanLike,
    SpanLink,
    SpanTable,
)
from .tracecontext import (
    MAX_TRACESTATE_MEMBERS,
    TraceContext,
    extract_trace_context,
    format_traceparent,
    format_tracestate,
    parse_traceparent,
    parse_tracestate,
)

__all__ = [
    "COLUMNS",
    "FORMATS",
    "MAX_TRACESTATE_MEMBERS",
    "METRIC_KINDS",
    "AttributeValue",
    "Format",
    "LinkLike",
    "MetricKind",
    "MetricPoint",
    "OTLPDecodeError",
    "Source",
    "Span",
    "SpanEvent",
    "SpanLike",
    "SpanLink",
    "SpanTable",
    "TraceContext",
    "extract_trace_context",
    "format_traceparent",
    "format_tracestate",
    "iter_metric_points",
    "iter_trace_batches",
    "parse_traceparent",
    "parse_tracestate",
    "read_metrics",
    "read_traces",
]
