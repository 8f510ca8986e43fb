"""The encoded size of OTLP messages, derived from the protobuf wire format.

An OTLP message is a protobuf message, and the size of a protobuf message follows from a
few rules: a tag varint per field, a length varint before every string, bytes or
sub-message, 8 bytes for ``fixed64`` and ``double``, proto3 fields left out when they
hold their default, ``oneof`` and ``optional`` members written whenever they are set.
`span_size`, `log_record_size`, `number_point_size`, `histogram_point_size` and
`trace_request_size` apply those rules by hand and give the exact number of bytes the
OpenTelemetry SDK's encoder produces.

See the chapter *Resource consumption* (1.4).

Examples:
    >>> varint_size(127), varint_size(128), varint_size(2**63)
    (1, 2, 10)
    >>> attributes_size({"http.request.method": "GET"})  # 19 + 3 characters + 8 bytes
    30
"""

from __future__ import annotations

import builtins
import numbers
from collections.abc import Iterable, Mapping, Sequence

from otlpkb.otlp import AttributeValue, Span, SpanEvent, SpanLink

__all__ = [
    "any_value_size",
    "attributes_size",
    "histogram_point_size",
    "log_record_size",
    "number_point_size",
    "span_size",
    "trace_request_size",
    "varint_size",
]

_U64 = (1 << 64) - 1


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
    # --8<-- [start:varint]
    v = int(value) & _U64  # a negative int64 is sign-extended to 64 bits
    return max(1, (v.bit_length() + 6) // 7)  # 7 payload bits a byte, at least one byte
    # --8<-- [end:varint]


# A field of a message: its tag, then its payload. Helpers for each wire type follow.
# --8<-- [start:wire]
def _tag(field_number: int) -> int:
    return varint_size(field_number << 3)  # the wire type sits in the low 3 bits


def _len_field(field_number: int, payload: int) -> int:  # string, bytes, message...
    return _tag(field_number) + varint_size(payload) + payload


def _string(field_number: int, text: str | bytes) -> int:  # proto3: empty is left out
    n = len(text.encode("utf-8")) if isinstance(text, str) else len(text)
    return _len_field(field_number, n) if n else 0


def _varint(field_number: int, value: int) -> int:  # int, enum, bool: 0 is left out
    return _tag(field_number) + varint_size(value) if value else 0


def _fixed(field_number: int, value: float, width: int) -> int:  # fixed32/64, double
    return _tag(field_number) + width if value else 0


# --8<-- [end:wire]


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
    # --8<-- [start:any_value]
    if value is None:
        return 0
    if isinstance(value, bool):  # a oneof member is written even when it holds False
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
        return _len_field(6, attributes_size(value))  # KeyValueList.values, field 1
    if isinstance(value, Sequence):
        inner = sum(_len_field(1, any_value_size(v)) for v in value)  # ArrayValue.values
        return _len_field(5, inner)
    # --8<-- [end:any_value]
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
    bad = [key for key in attributes if not isinstance(key, str)]
    if bad:
        raise TypeError(f"attribute keys must be str, got {bad[0]!r}")
    total = 0
    # --8<-- [start:attributes]
    for key, value in attributes.items():  # KeyValue{key = 1, value = 2}, a field each
        kv = _string(1, key) + _len_field(2, any_value_size(value))
        total += _len_field(1, kv)
    # --8<-- [end:attributes]
    return total


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
    # --8<-- [start:span_size]
    return (  # field numbers of trace.proto
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
        + _fixed(16, span.flags, 4)  # a two-byte tag: field 16
    )
    # --8<-- [end:span_size]


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
    # --8<-- [start:trace_request]
    for span in spans:  # group by resource, then by scope, as the SDK's encoder does
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
        total += _len_field(1, resource_msg + scope_spans)  # ExportTraceServiceRequest
    # --8<-- [end:trace_request]
    return total


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
    # --8<-- [start:log_record]
    return (  # field numbers of logs.proto; the body is always written
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
    # --8<-- [end:log_record]


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
    # --8<-- [start:histogram_point]
    return (  # packed arrays: one tag and one length, then 8 bytes an entry
        _fixed(2, start_time_unix_nano, 8)
        + _fixed(3, time_unix_nano, 8)
        + _fixed(4, count, 8)
        + builtins.sum(9 for v in (sum, min, max) if v is not None)  # optional: 9 each
        + (_len_field(6, 8 * len(bucket_counts)) if len(bucket_counts) else 0)
        + (_len_field(7, 8 * len(explicit_bounds)) if len(explicit_bounds) else 0)
        + attributes_size(attributes or {})
        + _varint(10, flags)
    )
    # --8<-- [end:histogram_point]
