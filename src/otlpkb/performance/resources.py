"""Resource consumption of OTLP telemetry: encoded sizes, and a Collector capacity calculator.

Two halves, one chapter:

* **Encoded size, derived from the wire format.** An OTLP message is a protobuf message,
  and the size of a protobuf message follows from a few rules (a tag varint per field, a
  length varint before every string, bytes or sub-message, 8 bytes for ``fixed64`` and
  ``double``, proto3 fields left out when they hold their default). `span_size`,
  `log_record_size`, `number_point_size`, `histogram_point_size` and
  `trace_request_size` apply those rules by hand and give the exact number of bytes
  the OpenTelemetry SDK's encoder produces. `encoded_sizes` measures a real request
  as protobuf, gzip, OTLP/JSON and gzipped JSON, and `synthetic_request` builds
  seeded requests shaped like the SDK's output to measure.
* **A cost model and a capacity plan.** `SignalProfile` holds the per-item costs
  of one signal (encoded bytes, compression ratio, CPU seconds, memory held), and
  `capacity_plan` turns signal rates into Collectors, bytes per second, queue memory
  and disk per day, keeping every assumption next to the number it produced.

See the chapter *Resource consumption* (1.4).

Examples:
    >>> from otlpkb.performance.resources import attributes_size, capacity_plan, varint_size
    >>> varint_size(127), varint_size(128), varint_size(2**63)
    (1, 2, 10)
    >>> attributes_size({"http.request.method": "GET"})  # 19 + 3 characters + 8 bytes
    30
    >>> plan = capacity_plan(spans_per_second=50_000, collector_cpu_cores=2)
    >>> plan.collectors, round(plan.cpu_cores, 2)
    (3, 3.33)
"""

from __future__ import annotations

import base64
import builtins
import gzip
import json
import math
import numbers
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from google.protobuf import json_format  # type: ignore[import-untyped, unused-ignore]
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.common.v1 import common_pb2

from otlpkb._checks import non_negative as _non_negative
from otlpkb._checks import positive as _positive
from otlpkb._checks import real as _real
from otlpkb.otlp import AttributeValue, Span, SpanEvent, SpanLink
from otlpkb.performance.throughput import batch_closed_form

__all__ = [
    "DEFAULT_PROFILE",
    "CapacityPlan",
    "CostProfile",
    "EncodedSizes",
    "MemoryLimiterSettings",
    "SignalProfile",
    "any_value_size",
    "attributes_size",
    "capacity_plan",
    "encoded_sizes",
    "histogram_point_size",
    "log_record_size",
    "memory_limiter_settings",
    "number_point_size",
    "span_size",
    "synthetic_request",
    "trace_request_size",
    "varint_size",
]

Signal = Literal["traces", "metrics", "logs"]
MiB = 1024 * 1024
_U64 = (1 << 64) - 1


# ----------------------------------------------------------------------------- validation


def _count(name: str, value: object, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if int(value) < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return int(value)


# ----------------------------------------------------------------------------- wire format


# --8<-- [start:wire]
def varint_size(value: int) -> int:
    """Bytes of a base-128 varint: 7 payload bits per byte, 1 to 10 bytes.

    Negative ``int32``/``int64`` values are sign-extended to 64 bits by protobuf and so
    always take 10 bytes.

    Examples:
        >>> [varint_size(v) for v in (0, 1, 127, 128, 16383, 16384, -1)]
        [1, 1, 1, 2, 2, 3, 10]
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"value must be an int, got {value!r}")
    v = int(value) & _U64
    return max(1, (v.bit_length() + 6) // 7)


def _tag(field_number: int) -> int:
    return varint_size(field_number << 3)  # the wire type sits in the low 3 bits


def _len_field(field_number: int, payload: int) -> int:
    """A length-delimited field (string, bytes, message, packed array): tag, length, payload."""
    return _tag(field_number) + varint_size(payload) + payload


def _string(field_number: int, text: str | bytes) -> int:
    """A proto3 string/bytes field: left out entirely when empty."""
    n = len(text.encode("utf-8")) if isinstance(text, str) else len(text)
    return _len_field(field_number, n) if n else 0


def _varint(field_number: int, value: int) -> int:
    """A proto3 varint field (int, uint, enum, bool): left out when zero."""
    return _tag(field_number) + varint_size(value) if value else 0


def _fixed(field_number: int, value: float, width: int) -> int:
    """A proto3 fixed32/fixed64/double field: left out when zero."""
    return _tag(field_number) + width if value else 0


# --8<-- [end:wire]


# --8<-- [start:attributes]
def any_value_size(value: AttributeValue) -> int:
    """Size in bytes of an ``AnyValue`` message holding ``value`` (without its own tag).

    ``AnyValue`` is a ``oneof``, and a set oneof member is written even when it holds the
    default (``False``, ``0``, ``""``): unlike plain proto3 scalars it has presence.
    ``None`` is an empty ``AnyValue`` (0 bytes). Types map as the SDK encodes them:
    ``bool`` → ``bool_value`` (2), ``str`` → ``string_value`` (1), ``int`` →
    ``int_value`` (3), ``float`` → ``double_value`` (4), ``bytes`` → ``bytes_value`` (7),
    list → ``array_value`` (5), dict → ``kvlist_value`` (6).

    Examples:
        >>> any_value_size("GET"), any_value_size(200), any_value_size(0.5), any_value_size(False)
        (5, 3, 9, 2)
    """
    if value is None:
        return 0
    if isinstance(value, bool):
        return _tag(2) + 1
    if isinstance(value, str):
        return _len_field(1, len(value.encode("utf-8")))
    if isinstance(value, int):
        return _tag(3) + varint_size(value)
    if isinstance(value, float):
        return _tag(4) + 8
    if isinstance(value, bytes | bytearray):
        return _len_field(7, len(value))
    if isinstance(value, Mapping):
        return _len_field(6, attributes_size(value))  # KeyValueList: repeated KeyValue, field 1
    if isinstance(value, Sequence):
        inner = sum(_len_field(1, any_value_size(v)) for v in value)  # ArrayValue.values
        return _len_field(5, inner)
    raise TypeError(f"value must be an OTLP attribute value, got {type(value).__name__}")


def attributes_size(attributes: Mapping[str, AttributeValue]) -> int:
    """Bytes a map of attributes adds to its message (a repeated ``KeyValue`` field).

    Each attribute is ``tag + len + KeyValue{key = 1, value = 2}``. Valid for every
    attributes field in OTLP: they all have field numbers below 16, so a one-byte tag.
    For a short string attribute (key ``k >= 1`` and value ``v`` characters, under 128
    and the whole entry under 128 bytes) this is ``k + v + 8`` bytes.

    Examples:
        >>> attributes_size({"k" * 20: "v" * 20})
        48
        >>> attributes_size({})
        0
    """
    if not isinstance(attributes, Mapping):
        raise TypeError(f"attributes must be a mapping, got {type(attributes).__name__}")
    total = 0
    for key, value in attributes.items():
        if not isinstance(key, str):
            raise TypeError(f"attribute keys must be str, got {key!r}")
        kv = _string(1, key) + _len_field(2, any_value_size(value))
        total += _len_field(1, kv)
    return total


# --8<-- [end:attributes]


# --8<-- [start:span_size]
def _event_size(event: SpanEvent) -> int:
    return (
        _fixed(1, event.time_unix_nano, 8)
        + _string(2, event.name)
        + attributes_size(event.attributes)
        + _varint(4, event.dropped_attributes_count)
    )


def _link_size(link: SpanLink) -> int:
    return (
        _string(1, bytes.fromhex(link.trace_id))
        + _string(2, bytes.fromhex(link.span_id))
        + _string(3, link.trace_state)
        + attributes_size(link.attributes)
        + _varint(5, link.dropped_attributes_count)
        + _fixed(6, link.flags, 4)
    )


def span_size(span: Span, *, status: bool = True) -> int:
    """Exact size in bytes of the OTLP protobuf ``Span`` message for ``span``.

    The message's own tag and length in its parent ``ScopeSpans`` (1 + a varint) are not
    included. Field numbers follow ``opentelemetry/proto/trace/v1/trace.proto``.

    Args:
        span: an `otlpkb.otlp.Span` (for example from `otlpkb.otlp.read_traces`).
        status: whether the ``status`` sub-message is present. The Python SDK always
            writes it, so an unset status still costs 2 bytes (tag + zero length).

    Returns:
        The encoded size in bytes.

    Examples:
        >>> from otlpkb.otlp import Span
        >>> root = Span("ab" * 16, "cd" * 8, "", "GET /", 2, 1, 2, 0, "", "svc", flags=256)
        >>> span_size(root)  # ids 18 + 10, name 7, kind 2, times 9 + 9, status 2, flags 6
        63
    """
    if not isinstance(span, Span):
        raise TypeError(f"span must be an otlpkb.otlp.Span, got {type(span).__name__}")
    has_status = status or span.status_code or span.status_message
    status_body = _string(2, span.status_message) + _varint(3, span.status_code)
    return (
        _string(1, bytes.fromhex(span.trace_id))
        + _string(2, bytes.fromhex(span.span_id))
        + _string(3, span.trace_state)
        + _string(4, bytes.fromhex(span.parent_span_id))
        + _string(5, span.name)
        + _varint(6, span.kind)
        + _fixed(7, span.start_time_unix_nano, 8)
        + _fixed(8, span.end_time_unix_nano, 8)
        + attributes_size(span.attributes)
        + _varint(10, span.dropped_attributes_count)
        + sum(_len_field(11, _event_size(e)) for e in span.events)
        + _varint(12, span.dropped_events_count)
        + sum(_len_field(13, _link_size(lk)) for lk in span.links)
        + _varint(14, span.dropped_links_count)
        + (_len_field(15, status_body) if has_status else 0)
        + _fixed(16, span.flags, 4)
    )


def trace_request_size(spans: Iterable[Span], *, status: bool = True) -> int:
    """Exact size of the ``ExportTraceServiceRequest`` an SDK would build from ``spans``.

    Spans are grouped as the SDK's encoder groups them: one ``ResourceSpans`` per distinct
    resource (its attributes), one ``ScopeSpans`` per distinct instrumentation scope
    (name, version) within it. Schema URLs and scope attributes are not carried by
    `Span` and are taken as empty.

    Examples:
        >>> from otlpkb.otlp import Span
        >>> s = Span("ab" * 16, "cd" * 8, "", "GET /", 2, 1, 2, 0, "", "svc", flags=256)
        >>> trace_request_size([s])  # 63 + span tag/len 2 + empty scope 2 + resource 2 + 2 + 2
        73
    """
    groups: list[tuple[Mapping[str, AttributeValue], dict[tuple[str, str], int]]] = []
    for span in spans:
        body = span_size(span, status=status)
        for resource, scopes in groups:  # noqa: B007 - the loop finds the group
            if resource == span.resource_attributes:
                break
        else:
            resource, scopes = span.resource_attributes, {}
            groups.append((resource, scopes))
        key = (span.scope_name, span.scope_version)
        scopes[key] = scopes.get(key, 0) + _len_field(2, body)  # ScopeSpans.spans
    total = 0
    for resource, scopes in groups:
        scope_spans = 0
        for (name, version), spans_bytes in scopes.items():
            scope = _string(1, name) + _string(2, version)
            scope_spans += _len_field(2, _len_field(1, scope) + spans_bytes)
        resource_msg = _len_field(1, attributes_size(resource))
        total += _len_field(
            1, resource_msg + scope_spans
        )  # ExportTraceServiceRequest.resource_spans
    return total


# --8<-- [end:span_size]


# --8<-- [start:log_metric_size]
def log_record_size(
    *,
    body: AttributeValue = None,
    attributes: Mapping[str, AttributeValue] | None = None,
    time_unix_nano: int = 0,
    observed_time_unix_nano: int = 0,
    severity_number: int = 0,
    severity_text: str = "",
    trace_id: str = "",
    span_id: str = "",
    flags: int = 0,
    event_name: str = "",
    dropped_attributes_count: int = 0,
) -> int:
    """Exact size in bytes of an OTLP ``LogRecord`` message (``logs.proto``).

    The body is always written, as the SDK does (``None`` is an empty ``AnyValue``,
    2 bytes); ``trace_id`` and ``span_id`` are hex strings, empty when the record was
    emitted outside a span.

    Examples:
        >>> log_record_size(body="hello", time_unix_nano=1, observed_time_unix_nano=1,
        ...                 severity_number=9, severity_text="INFO")
        35
    """
    return (
        _fixed(1, time_unix_nano, 8)
        + _varint(2, severity_number)
        + _string(3, severity_text)
        + _len_field(5, any_value_size(body))
        + attributes_size(attributes or {})
        + _varint(7, dropped_attributes_count)
        + _fixed(8, flags, 4)
        + _string(9, bytes.fromhex(trace_id))
        + _string(10, bytes.fromhex(span_id))
        + _fixed(11, observed_time_unix_nano, 8)
        + _string(12, event_name)
    )


def number_point_size(
    value: int | float,
    *,
    attributes: Mapping[str, AttributeValue] | None = None,
    start_time_unix_nano: int = 0,
    time_unix_nano: int = 0,
    flags: int = 0,
) -> int:
    """Exact size in bytes of an OTLP ``NumberDataPoint`` (a gauge or sum point).

    The value is a ``oneof`` (``as_double`` = 4 or ``as_int`` = 6, both 8 bytes fixed), so
    it costs 9 bytes even when it is zero. Exemplars are not modelled.

    Examples:
        >>> number_point_size(3, start_time_unix_nano=1, time_unix_nano=2)
        27
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"value must be an int or float, got {value!r}")
    return (
        _fixed(2, start_time_unix_nano, 8)
        + _fixed(3, time_unix_nano, 8)
        + 9
        + attributes_size(attributes or {})
        + _varint(8, flags)
    )


def histogram_point_size(
    bucket_counts: Sequence[int],
    explicit_bounds: Sequence[float],
    *,
    count: int,
    sum: float | None = None,
    min: float | None = None,
    max: float | None = None,
    attributes: Mapping[str, AttributeValue] | None = None,
    start_time_unix_nano: int = 0,
    time_unix_nano: int = 0,
    flags: int = 0,
) -> int:
    """Exact size in bytes of an OTLP ``HistogramDataPoint`` (explicit buckets).

    ``bucket_counts`` (``fixed64``) and ``explicit_bounds`` (``double``) are packed: one
    tag and one length for the whole array, then 8 bytes per entry. ``sum``, ``min`` and
    ``max`` are ``optional``: 9 bytes each when present, whatever their value.

    Examples:
        >>> bounds = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000]
        >>> histogram_point_size([0] * 16, bounds, count=1, sum=1.0, min=1.0, max=1.0,
        ...                      start_time_unix_nano=1, time_unix_nano=2)
        307
    """
    return (
        _fixed(2, start_time_unix_nano, 8)
        + _fixed(3, time_unix_nano, 8)
        + _fixed(4, count, 8)
        + builtins.sum(9 for v in (sum, min, max) if v is not None)
        + (_len_field(6, 8 * len(bucket_counts)) if len(bucket_counts) else 0)
        + (_len_field(7, 8 * len(explicit_bounds)) if len(explicit_bounds) else 0)
        + attributes_size(attributes or {})
        + _varint(10, flags)
    )


# --8<-- [end:log_metric_size]


# ----------------------------------------------------------------------------- measuring

_REQUESTS: dict[str, Any] = {
    "traces": trace_service_pb2.ExportTraceServiceRequest,
    "metrics": metrics_service_pb2.ExportMetricsServiceRequest,
    "logs": logs_service_pb2.ExportLogsServiceRequest,
}
_HEX_KEYS = frozenset({"traceId", "spanId", "parentSpanId"})


@dataclass(frozen=True)
class EncodedSizes:
    """Sizes in bytes of one OTLP request in four encodings.

    Attributes:
        items: spans, metric data points or log records in the request.
        protobuf: OTLP/protobuf (``application/x-protobuf``) body.
        gzip: the protobuf body gzipped (``Content-Encoding: gzip``).
        json: OTLP/JSON body (hex ids, integer enums, lowerCamelCase keys, compact).
        json_gzip: the JSON body gzipped.
    """

    items: int
    protobuf: int
    gzip: int
    json: int
    json_gzip: int

    @property
    def compression_ratio(self) -> float:
        """Protobuf bytes over gzipped protobuf bytes."""
        return self.protobuf / self.gzip

    def per_item(self) -> dict[str, float]:
        """Each size divided by the number of items (``nan`` for an empty request)."""
        n = self.items or math.nan
        return {
            "protobuf": self.protobuf / n,
            "gzip": self.gzip / n,
            "json": self.json / n,
            "json_gzip": self.json_gzip / n,
        }


def _hex_ids(node: Any) -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for k, v in node.items():
            if k in _HEX_KEYS and isinstance(v, str):
                out[k] = base64.b64decode(v).hex()
            else:
                out[k] = _hex_ids(v)
        return out
    if isinstance(node, list):
        return [_hex_ids(v) for v in node]
    return node


def _count_items(msg: Any, signal: str) -> int:
    if signal == "traces":
        return sum(len(ss.spans) for rs in msg.resource_spans for ss in rs.scope_spans)
    if signal == "logs":
        return sum(len(sl.log_records) for rl in msg.resource_logs for sl in rl.scope_logs)
    n = 0
    for rm in msg.resource_metrics:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                kind = m.WhichOneof("data")
                if kind is not None:
                    n += len(getattr(m, kind).data_points)
    return n


# --8<-- [start:encoded_sizes]
def encoded_sizes(request: bytes, signal: Signal, *, compresslevel: int = 6) -> EncodedSizes:
    """Measure one OTLP/protobuf export request as protobuf, gzip, OTLP/JSON and JSON+gzip.

    gzip runs with ``mtime=0`` so the same input always gives the same bytes; level 6 is
    zlib's and Go's default. The JSON form follows the OTLP/JSON rules (hex trace and span
    ids instead of protobuf JSON's base64, enums as integers, 64-bit integers as strings)
    and is written without spaces.

    Args:
        request: a serialized ``Export{Trace,Metrics,Logs}ServiceRequest``.
        signal: ``"traces"``, ``"metrics"`` or ``"logs"``.
        compresslevel: gzip level, 1-9.

    Returns:
        An `EncodedSizes`.

    Examples:
        >>> s = encoded_sizes(synthetic_request("traces", 100, attributes=8), "traces")
        >>> s.items, s.protobuf < s.json, s.gzip < s.protobuf
        (100, True, True)
    """
    if signal not in _REQUESTS:
        raise ValueError(f"signal must be one of 'traces', 'metrics', 'logs', got {signal!r}")
    if not isinstance(request, bytes | bytearray | memoryview):
        raise TypeError(f"request must be bytes, got {type(request).__name__}")
    level = _count("compresslevel", compresslevel, 1)
    if level > 9:
        raise ValueError(f"compresslevel must be between 1 and 9, got {compresslevel!r}")
    body = bytes(request)
    msg = _REQUESTS[signal]()
    msg.ParseFromString(body)
    as_dict = json_format.MessageToDict(msg, use_integers_for_enums=True)
    text = json.dumps(_hex_ids(as_dict), separators=(",", ":"), ensure_ascii=False)
    js = text.encode("utf-8")
    return EncodedSizes(
        items=_count_items(msg, signal),
        protobuf=len(body),
        gzip=len(gzip.compress(body, compresslevel=level, mtime=0)),
        json=len(js),
        json_gzip=len(gzip.compress(js, compresslevel=level, mtime=0)),
    )


# --8<-- [end:encoded_sizes]

_ROUTES = ("/api/cart", "/api/checkout", "/api/product/{id}", "/api/user/{id}", "/health", "/")
_WORDS = ("order", "user", "cart", "payment", "ok", "retry", "timeout", "item", "stock", "ship")


def _resource(service: str) -> Any:
    from opentelemetry.proto.resource.v1 import resource_pb2

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


# --8<-- [start:synthetic]
def synthetic_request(
    signal: Signal,
    items: int,
    attributes: int = 8,
    *,
    key_length: int = 20,
    value_length: int = 20,
    seed: int = 0,
    service_name: str = "checkout",
) -> bytes:
    """A seeded OTLP/protobuf export request shaped like the Python SDK's output.

    One resource with the SDK's four default attributes, one instrumentation scope, and
    ``items`` spans (server spans with a parent, random ids, ``flags`` 256, an unset
    status), log records (INFO, a short body, inside a span) or cumulative sum points
    (one metric). Each item carries ``attributes`` string attributes with keys of
    ``key_length`` and values of ``value_length`` characters; each attribute's value is
    drawn from its own vocabulary of 20 random words, so values repeat the way
    low-cardinality attribute values (methods, routes, status codes) do in real traffic.
    Ids are random, hence incompressible, as they are in real traffic.

    Examples:
        >>> len(synthetic_request("traces", 1, attributes=0)) > 0
        True
        >>> synthetic_request("logs", 3, seed=1) == synthetic_request("logs", 3, seed=1)
        True
    """
    if signal not in _REQUESTS:
        raise ValueError(f"signal must be one of 'traces', 'metrics', 'logs', got {signal!r}")
    n = _count("items", items)
    n_attr = _count("attributes", attributes)
    kl = _count("key_length", key_length, 9)
    vl = _count("value_length", value_length, 1)
    rng = random.Random(seed)
    vocab = _vocabulary(rng, n_attr, vl)
    t0 = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z in ns
    scope = common_pb2.InstrumentationScope(name="otlpkb.synthetic", version="1.0.0")
    req = _REQUESTS[signal]()
    if signal == "traces":
        ss = req.resource_spans.add(resource=_resource(service_name)).scope_spans.add(scope=scope)
        for i in range(n):
            start = t0 + i * 1_000_000 + rng.randrange(1_000_000)
            sp = ss.spans.add(
                trace_id=rng.randbytes(16),
                span_id=rng.randbytes(8),
                parent_span_id=rng.randbytes(8),
                name="GET " + rng.choice(_ROUTES),
                kind=2,
                start_time_unix_nano=start,
                end_time_unix_nano=start + rng.randrange(100_000, 500_000_000),
                flags=256,
            )
            sp.status.SetInParent()
            sp.attributes.extend(_attrs(rng, vocab, kl))
    elif signal == "logs":
        sl = req.resource_logs.add(resource=_resource(service_name)).scope_logs.add(scope=scope)
        for i in range(n):
            ts = t0 + i * 1_000_000 + rng.randrange(1_000_000)
            body = f"{rng.choice(_WORDS)} {rng.choice(_WORDS)} id={rng.randrange(10**6)}"
            lr = sl.log_records.add(
                time_unix_nano=ts,
                observed_time_unix_nano=ts + rng.randrange(1000, 100_000),
                severity_number=9,
                severity_text="INFO",
                body=common_pb2.AnyValue(string_value=body),
                trace_id=rng.randbytes(16),
                span_id=rng.randbytes(8),
                flags=1,
            )
            lr.attributes.extend(_attrs(rng, vocab, kl))
    else:
        sm = req.resource_metrics.add(resource=_resource(service_name)).scope_metrics.add(
            scope=scope
        )
        metric = sm.metrics.add(name="http.server.request.count", unit="{request}")
        metric.sum.aggregation_temporality = 2
        metric.sum.is_monotonic = True
        for _ in range(n):
            pt = metric.sum.data_points.add(
                start_time_unix_nano=t0,
                time_unix_nano=t0 + 60_000_000_000,
                as_int=rng.randrange(1, 100_000),
            )
            pt.attributes.extend(_attrs(rng, vocab, kl))
    out: bytes = req.SerializeToString(deterministic=True)
    return out


# --8<-- [end:synthetic]


# ----------------------------------------------------------------------------- cost model


# --8<-- [start:profile]
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
    8 attributes (20-character keys and values; see the chapter's tables); the CPU costs
    are the Splunk Distribution of the OpenTelemetry Collector's sizing guidance (one core
    ingests 15,000 spans, 20,000 metric data points or 10,000 log records per second); the
    memory per item assumes Go's in-memory form is 3 times the protobuf size; the baseline
    is the resident memory of an idle Collector. Measure your own and pass them in.
    """

    spans: SignalProfile = field(
        default_factory=lambda: SignalProfile(
            bytes_per_item=470.0,
            compression_ratio=5.8,
            cpu_seconds_per_item=1 / 15_000,
            memory_bytes_per_item=1410.0,
        )
    )
    logs: SignalProfile = field(
        default_factory=lambda: SignalProfile(
            bytes_per_item=471.0,
            compression_ratio=5.9,
            cpu_seconds_per_item=1 / 10_000,
            memory_bytes_per_item=1413.0,
        )
    )
    metric_points: SignalProfile = field(
        default_factory=lambda: SignalProfile(
            bytes_per_item=414.0,
            compression_ratio=14.0,
            cpu_seconds_per_item=1 / 20_000,
            memory_bytes_per_item=1242.0,
        )
    )
    baseline_memory_bytes: float = 128 * MiB

    def __post_init__(self) -> None:
        for name in ("spans", "logs", "metric_points"):
            if not isinstance(getattr(self, name), SignalProfile):
                raise TypeError(f"{name} must be a SignalProfile, got {getattr(self, name)!r}")
        _non_negative("baseline_memory_bytes", self.baseline_memory_bytes)


DEFAULT_PROFILE = CostProfile()
"""The default `CostProfile` (see its docstring for where each number comes from)."""
# --8<-- [end:profile]


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


# --8<-- [start:capacity_plan]
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
    n_min = _count("min_collectors", min_collectors, 1)
    n_exp = _count("exporters", exporters, 1)
    k = _count("send_batch_size", send_batch_size, 1)
    timeout = _positive("batch_timeout", batch_timeout)
    q = _count("queue_size", queue_size, 1)
    days = _non_negative("retention_days", retention_days)
    copies = _count("replication", replication, 1)
    limit = _count("max_message_bytes", max_message_bytes, 1)

    costs: dict[str, SignalProfile] = {s: getattr(profile, s) for s, _ in _SIGNALS}
    cpu = sum(rates[s] * costs[s].cpu_seconds_per_item for s in rates)
    collectors = max(n_min, math.ceil(cpu / (cores_each * target) - 1e-12))
    raw = sum(rates[s] * costs[s].bytes_per_item for s in rates)
    wire = sum(rates[s] * costs[s].bytes_per_item / costs[s].compression_ratio for s in rates)

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
        # Below one item per million timeouts a batch holds one item (the limit as rate -> 0).
        tiny = share * timeout < 1e-6
        b = 1.0 if tiny else batch_closed_form(share, k, timeout).mean_batch_size
        mean_batch[s] = b
        batch_bytes[s] = b * costs[s].bytes_per_item
        queue_seconds[s] = q * b / share
        queue_mem += n_exp * q * b * costs[s].memory_bytes_per_item
        batch_mem += b * costs[s].memory_bytes_per_item
        if k * costs[s].bytes_per_item > limit:
            warnings.append(
                f"a full batch of {k} {label} is {k * costs[s].bytes_per_item / MiB:.1f} MiB, over "
                f"the {limit / MiB:g} MiB message limit: set send_batch_max_size <= "
                f"{int(limit // costs[s].bytes_per_item)} or raise max_recv_msg_size_mib"
            )
    memory = profile.baseline_memory_bytes + queue_mem + batch_mem
    limiter = memory_limiter_settings(memory / MiB / 0.8)
    if cpu / (collectors * cores_each) > target + 1e-12:  # pragma: no cover - ceil prevents it
        warnings.append("utilization above target")
    per_day = wire * 86_400.0 * copies
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


# --8<-- [end:capacity_plan]
