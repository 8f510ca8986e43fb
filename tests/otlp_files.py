"""OTLP files for the tests, encoded by `opentelemetry-proto` (not by otlpkb).

`request` builds an ``ExportTraceServiceRequest`` from compact rows, `frames` writes the
Collector file exporter's ``format: proto`` framing, and `DEFECTS` holds one trace of each
structural problem `otlpkb inspect` reports; `recode_ids` turns ids between hex and base64.
"""

from __future__ import annotations

from collections.abc import Callable

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, Span, Status

# (trace, span, parent, service, name, start_ms, end_ms, error)
Row = tuple[int, int, int, str, str, float, float, bool]


def request(rows: list[Row]) -> ExportTraceServiceRequest:
    """An ExportTraceServiceRequest, one ResourceSpans per service (opentelemetry-proto)."""
    req = ExportTraceServiceRequest()
    by_service: dict[str, ResourceSpans] = {}
    for trace, span, parent, service, name, start, end, error in rows:
        rs = by_service.get(service)
        if rs is None:
            rs = by_service[service] = req.resource_spans.add()
            rs.resource.attributes.append(
                KeyValue(key="service.name", value=AnyValue(string_value=service))
            )
            rs.scope_spans.add()
        rs.scope_spans[0].spans.append(
            Span(
                trace_id=trace.to_bytes(16, "big"),
                span_id=span.to_bytes(8, "big"),
                parent_span_id=parent.to_bytes(8, "big") if parent else b"",
                name=name,
                kind=Span.SPAN_KIND_SERVER,
                start_time_unix_nano=int(start * 1e6),
                end_time_unix_nano=int(end * 1e6),
                status=Status(code=Status.STATUS_CODE_ERROR if error else Status.STATUS_CODE_OK),
            )
        )
    return req


def frames(*requests: ExportTraceServiceRequest) -> bytes:
    """The file exporter's `format: proto` framing: a 4-byte big-endian length, then the message."""
    out = b""
    for req in requests:
        body = req.SerializeToString()
        out += len(body).to_bytes(4, "big") + body
    return out


DEFECTS: list[Row] = [
    # trace 1: healthy, a root and two children; one child errors
    (1, 1, 0, "front", "GET /", 0, 100, False),
    (1, 2, 1, "auth", "check", 10, 30, False),
    (1, 3, 1, "db", "SELECT", 20, 90, True),
    # trace 2: two roots and an orphan (parent 99 missing)
    (2, 1, 0, "front", "GET /", 0, 50, False),
    (2, 2, 0, "front", "GET /", 0, 40, False),
    (2, 3, 99, "db", "SELECT", 5, 10, False),
    # trace 3: a parent loop 1 -> 2 -> 1 and no root
    (3, 1, 2, "db", "SELECT", 0, 5, False),
    (3, 2, 1, "db", "SELECT", 0, 5, False),
    # trace 4: the child on another service starts 30 ms before its parent (skew)
    (4, 1, 0, "front", "GET /", 100, 200, False),
    (4, 2, 1, "auth", "check", 70, 90, False),
    # trace 5: a duplicate span (a retried export)
    (5, 1, 0, "front", "GET /slow", 0, 900, False),
    (5, 1, 0, "front", "GET /slow", 0, 900, False),
]


def recode_ids(obj: object, convert: Callable[[str], str]) -> None:
    """Apply ``convert`` in place to every trace, span and parent id of an OTLP/JSON object.

    json_format writes and reads ids as base64 where OTLP/JSON has hex: a test converts
    between the two with this walk.
    """
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key in ("traceId", "spanId", "parentSpanId") and isinstance(value, str):
                obj[key] = convert(value)
            else:
                recode_ids(value, convert)
    elif isinstance(obj, list):
        for item in obj:
            recode_ids(item, convert)
