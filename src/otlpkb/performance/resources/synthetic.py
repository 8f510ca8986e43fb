"""Seeded OTLP export requests shaped like an SDK's output, to measure sizes on.

`synthetic_request` builds an ``Export{Trace,Logs,Metrics}ServiceRequest`` with the
structure that decides how well a batch compresses: spans grouped in traces (a shared
trace id, parent ids that repeat span ids of the same batch, children inside their
parent's time span, spans in the order they end), attribute values drawn from small
vocabularies, one resource and one scope. It needs only opentelemetry-proto, so a page
can build one at build time; the tests compare its sizes with the real OpenTelemetry
SDK's output.

See the chapter *Resource consumption* (1.4).

Examples:
    >>> body = synthetic_request("traces", 16, attributes=2, items_per_trace=4, seed=3)
    >>> from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
    >>> req = trace_service_pb2.ExportTraceServiceRequest.FromString(body)
    >>> spans = req.resource_spans[0].scope_spans[0].spans
    >>> len(spans), len({s.trace_id for s in spans})
    (16, 4)
"""

from __future__ import annotations

import random
from typing import Any

from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.resource.v1 import resource_pb2

from otlpkb._checks import integer as _integer
from otlpkb.performance.resources._messages import Signal, request_type

__all__ = ["synthetic_request"]

_ROUTES = ("/api/cart", "/api/checkout", "/api/product/{id}", "/api/user/{id}", "/health", "/")
_OPERATIONS = ("SELECT orders", "SELECT users", "GET /inventory", "POST /payments", "render")
_WORDS = ("order", "user", "cart", "payment", "ok", "retry", "timeout", "item", "stock", "ship")
_T0 = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z in ns
_SERVER, _INTERNAL, _CLIENT = 2, 1, 3  # Span.SpanKind


def _resource(service: str) -> Any:
    res = resource_pb2.Resource()
    for k, v in (
        ("telemetry.sdk.language", "python"),
        ("telemetry.sdk.name", "opentelemetry"),
        ("telemetry.sdk.version", "1.45.2"),
        ("service.name", service),
    ):
        res.attributes.add(key=k, value=common_pb2.AnyValue(string_value=v))
    return res


def _vocabulary(rng: random.Random, n: int, length: int, cardinality: int = 20) -> list[list[str]]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return [["".join(rng.choices(letters, k=length)) for _ in range(cardinality)] for _ in range(n)]


def _attrs(rng: random.Random, vocabulary: list[list[str]], key_length: int) -> list[Any]:
    return [
        common_pb2.KeyValue(
            key=f"attr.{i:03d}.".ljust(key_length, "k")[:key_length],
            value=common_pb2.AnyValue(string_value=rng.choice(values)),
        )
        for i, values in enumerate(vocabulary)
    ]


def _trace(rng: random.Random, size: int, start: int) -> list[dict[str, Any]]:
    """The spans of one trace, as ``Span`` fields, in the order they end."""
    trace_id = rng.randbytes(16)
    spans: list[dict[str, Any]] = []
    # --8<-- [start:trace]
    for _ in range(size):
        if spans:  # a child of an earlier span of the same trace, inside its time span
            parent = rng.choice(spans)
            lo, hi = parent["start_time_unix_nano"], parent["end_time_unix_nano"]
            begin = rng.randrange(lo, (lo + hi) // 2 + 1)
            end = rng.randrange(begin + 1, hi + 1)
            name, kind = rng.choice(_OPERATIONS), rng.choice((_INTERNAL, _CLIENT))
            parent_id = parent["span_id"]  # repeats an id the batch already holds
        else:  # the root: the request the service handled
            begin, end = start, start + rng.randrange(1_000_000, 500_000_000)
            name, kind, parent_id = "GET " + rng.choice(_ROUTES), _SERVER, b""
        span_id = rng.randbytes(8)
        spans.append(
            {"trace_id": trace_id, "span_id": span_id, "parent_span_id": parent_id}
            | {"name": name, "kind": kind, "flags": 256}
            | {"start_time_unix_nano": begin, "end_time_unix_nano": end}
        )
    return sorted(spans, key=lambda s: s["end_time_unix_nano"])  # an SDK exports on end
    # --8<-- [end:trace]


def synthetic_request(
    signal: Signal,
    items: int,
    attributes: int = 8,
    *,
    key_length: int = 20,
    value_length: int = 20,
    items_per_trace: int = 8,
    seed: int = 0,
    service_name: str = "checkout",
) -> bytes:
    """A seeded OTLP/protobuf export request shaped like an OpenTelemetry SDK's output.

    One resource with the Python SDK's four default attributes, one instrumentation
    scope, and ``items`` of one signal:

    - **traces**: traces of ``items_per_trace`` spans. The first span of a trace is a
      SERVER root; every other span is a CLIENT or INTERNAL child of an earlier span of
      the same trace, starting and ending inside its parent. Spans of a trace share the
      trace id, so a batch repeats trace ids and parent ids the way real batches do, and
      they are written in the order they end, as an SDK exports them (``flags`` 256, an
      unset status). ``items_per_trace=1`` gives independent root spans.
    - **logs**: INFO records with a short body in groups of ``items_per_trace`` that
      share a trace id and a few span ids (the spans that logged them).
    - **metrics**: cumulative sum points of one metric, sharing their timestamps.

    Each item carries ``attributes`` string attributes with keys of ``key_length`` and
    values of ``value_length`` characters; each attribute's value is drawn from its own
    vocabulary of 20 random words, so values repeat the way low-cardinality attribute
    values (methods, routes, status codes) do. Trace and span ids are random bytes.

    Args:
        signal: ``"traces"``, ``"logs"`` or ``"metrics"``.
        items: spans, log records or data points in the request, ``>= 0``.
        attributes: string attributes per item, ``>= 0``.
        key_length: characters of an attribute key, ``>= 9``.
        value_length: characters of an attribute value, ``>= 1``.
        items_per_trace: spans (or log records) per trace, ``>= 1``; 8 by default.
        seed: seed of the generator; the same arguments give the same bytes.
        service_name: the resource's ``service.name``.

    Returns:
        The serialized request (deterministic protobuf serialization).

    Raises:
        ValueError: for an unknown signal or a count below its minimum.
        TypeError: for a count that is not an int.

    Examples:
        >>> len(synthetic_request("traces", 1, attributes=0)) > 0
        True
        >>> synthetic_request("logs", 3, seed=1) == synthetic_request("logs", 3, seed=1)
        True
    """
    req = request_type(signal)()
    n = _integer("items", items, 0)
    n_attr = _integer("attributes", attributes, 0)
    kl = _integer("key_length", key_length, 9)
    vl = _integer("value_length", value_length, 1)
    per = _integer("items_per_trace", items_per_trace, 1)
    rng = random.Random(seed)
    vocab = _vocabulary(rng, n_attr, vl)
    scope = common_pb2.InstrumentationScope(name="otlpkb.synthetic", version="1.0.0")
    resource = _resource(service_name)
    if signal == "traces":
        ss = req.resource_spans.add(resource=resource).scope_spans.add(scope=scope)
        for first in range(0, n, per):
            start = _T0 + first * 1_000_000 + rng.randrange(1_000_000)
            for fields in _trace(rng, min(per, n - first), start):
                sp = ss.spans.add(**fields)
                sp.status.SetInParent()  # the SDK always writes the status
                sp.attributes.extend(_attrs(rng, vocab, kl))
    elif signal == "logs":
        sl = req.resource_logs.add(resource=resource).scope_logs.add(scope=scope)
        for i in range(n):
            if i % per == 0:  # a new trace, logged from a few of its spans
                trace_id = rng.randbytes(16)
                span_ids = [rng.randbytes(8) for _ in range(max(1, per // 2))]
            ts = _T0 + i * 1_000_000 + rng.randrange(1_000_000)
            body = f"{rng.choice(_WORDS)} {rng.choice(_WORDS)} id={rng.randrange(10**6)}"
            lr = sl.log_records.add(
                time_unix_nano=ts,
                observed_time_unix_nano=ts + rng.randrange(1000, 100_000),
                severity_number=9,
                severity_text="INFO",
                body=common_pb2.AnyValue(string_value=body),
                trace_id=trace_id,
                span_id=rng.choice(span_ids),
                flags=1,
            )
            lr.attributes.extend(_attrs(rng, vocab, kl))
    else:
        sm = req.resource_metrics.add(resource=resource).scope_metrics.add(scope=scope)
        metric = sm.metrics.add(name="http.server.request.count", unit="{request}")
        metric.sum.aggregation_temporality = 2
        metric.sum.is_monotonic = True
        for _ in range(n):
            pt = metric.sum.data_points.add(
                start_time_unix_nano=_T0,
                time_unix_nano=_T0 + 60_000_000_000,
                as_int=rng.randrange(1, 100_000),
            )
            pt.attributes.extend(_attrs(rng, vocab, kl))
    out: bytes = req.SerializeToString(deterministic=True)
    return out
