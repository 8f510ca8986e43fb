"""Decode OTLP/protobuf trace messages with opentelemetry-proto, validating as it goes.

``ExportTraceServiceRequest`` and ``TracesData`` share one wire layout (field 1: repeated
``ResourceSpans``), so both parse as ``TracesData``. Protobuf itself checks neither id
lengths nor field names from old schema versions; this module does: ids must be 16/8 bytes,
and a ``ResourceSpans`` carrying the pre-1.0 field 1000 (``instrumentation_library_spans``)
is rejected instead of silently yielding no spans.

Spans are decoded column by column, one ``ScopeSpans`` at a time: the checks run over a
whole scope in C loops (``map``, ``set``), and only a scope with something to report goes
span by span to say where. A caller that reads few columns (``otlpkb inspect``, the
Parquet export) asks for those only and gets no event, link or attribute objects.

See the chapter *Distributed tracing* (3.1).

Examples:
    >>> from opentelemetry.proto.trace.v1 import trace_pb2
    >>> from otlpkb.otlp.json_reader import new_columns
    >>> from otlpkb.otlp.proto_reader import decode_protobuf
    >>> msg = trace_pb2.TracesData()
    >>> span = msg.resource_spans.add().scope_spans.add().spans.add()
    >>> span.trace_id, span.span_id = bytes(range(1, 17)), bytes(range(1, 9))
    >>> cols = new_columns()
    >>> decode_protobuf(msg.SerializeToString(), cols)
    1
    >>> cols["span_id"]
    ['0102030405060708']
"""

from __future__ import annotations

import operator
from collections.abc import Collection
from itertools import repeat
from operator import attrgetter
from typing import Any

from google.protobuf import unknown_fields  # type: ignore[import-untyped, unused-ignore]
from google.protobuf.message import DecodeError  # type: ignore[import-untyped, unused-ignore]
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.logs.v1 import logs_pb2
from opentelemetry.proto.metrics.v1 import metrics_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

from .json_reader import FieldError
from .spans import COLUMNS, AttributeValue, SpanEvent, SpanLink

__all__ = ["decode_protobuf"]

_LEGACY_FIELD = 1000  # ResourceSpans.instrumentation_library_spans in OTLP < 1.0


def _fail(path: str, reason: str) -> Any:
    raise FieldError(path, reason)


def _context_id(raw: bytes, field: str, nbytes: int, problems: list[str], strict: bool) -> str:
    """A span's own id: a wrong length is an error, empty or all zeros is flagged."""
    text = _id(raw, field, nbytes, allow_empty=True)
    if not text:
        reason = ("is empty" if not raw else "is all zeros") + ", which is an invalid span context"
        if strict:
            _fail(field, reason)
        problems.append(f"{field.rsplit('.', 1)[-1]} {reason}")
    return text


def _id(raw: bytes, field: str, nbytes: int, *, allow_empty: bool) -> str:
    if not raw:
        if allow_empty:
            return ""
        _fail(field, "is empty; a span context needs a non-empty id")
    if len(raw) != nbytes:
        _fail(field, f"must be {nbytes} bytes, got {len(raw)}")
    if not any(raw):
        if allow_empty:
            return ""
        _fail(field, "is all zeros, which is an invalid id")
    return raw.hex()


def _value(v: common_pb2.AnyValue) -> AttributeValue:
    which = v.WhichOneof("value")
    if which == "string_value":
        return v.string_value
    if which == "int_value":
        return v.int_value
    if which == "bool_value":
        return v.bool_value
    if which == "double_value":
        return v.double_value
    if which == "bytes_value":
        return bytes(v.bytes_value)
    if which == "array_value":
        return [_value(item) for item in v.array_value.values]
    if which == "kvlist_value":
        return _attrs(v.kvlist_value.values)
    return None


def _attrs(items: Any) -> dict[str, AttributeValue]:
    out: dict[str, AttributeValue] = {}
    for kv in items:
        v = kv.value
        out[kv.key] = v.string_value if v.WhichOneof("value") == "string_value" else _value(v)
    return out


def _fields(message: Any) -> frozenset[int]:
    return frozenset(field.number for field in message.DESCRIPTOR.fields)


_RESOURCE_SPANS_FIELDS = _fields(trace_pb2.ResourceSpans)
_SCOPE_SPANS_FIELDS = _fields(trace_pb2.ScopeSpans)
_SPAN_FIELDS = _fields(trace_pb2.Span)


def _check_wire_types(message: Any, known: frozenset[int], where: str) -> None:
    """A known field number stored as unknown had the wrong wire type: not this message."""
    for field in unknown_fields.UnknownFieldSet(message):
        if field.field_number in known:
            name = message.DESCRIPTOR.fields_by_number[field.field_number].name
            _fail(
                where,
                f"field {field.field_number} has wire type {field.wire_type}, which does not "
                f"fit {message.DESCRIPTOR.name}.{name}",
            )


def _other_signal(data: bytes) -> str | None:
    """``"metrics"`` or ``"logs"`` if ``data`` reads cleanly as that OTLP signal."""
    candidates: list[tuple[str, Any, Any]] = [
        (
            "metrics",
            metrics_pb2.MetricsData,
            lambda m: [x for r in m.resource_metrics for s in r.scope_metrics for x in s.metrics],
        ),
        (
            "logs",
            logs_pb2.LogsData,
            lambda m: [x for r in m.resource_logs for s in r.scope_logs for x in s.log_records],
        ),
    ]
    for signal, message_type, items in candidates:
        try:
            found = items(message_type.FromString(data))
        except (DecodeError, RuntimeError, ValueError):
            continue
        if found and not any(len(unknown_fields.UnknownFieldSet(x)) for x in found):
            return signal
    return None


def decode_protobuf(
    data: bytes,
    out: dict[str, list[Any]],
    *,
    strict: bool = False,
    columns: Collection[str] = COLUMNS,
) -> int:
    """Parse one serialized ``ExportTraceServiceRequest``/``TracesData`` and append its spans.

    Args:
        data: the serialized message.
        out: a list per name in `COLUMNS`, appended to.
        strict: see below.
        columns: the columns to build; the others get ``None`` per span. Validation and
            errors do not depend on it: bulk readers (``otlpkb inspect``, the Parquet
            export) skip the columns they never read, such as events and links.

    Returns:
        The number of spans appended.

    Raises:
        FieldError: the message is truncated or corrupt (path ``""``) or a field is invalid
            (path in proto3 JSON names, e.g. ``resourceSpans[0].scopeSpans[0].spans[1].spanId``);
            nothing is appended then. A span with an empty or all-zero trace or span id,
            or an end before its start, is kept and flagged, or with ``strict`` an error.
            A field of a known number but the wrong wire type is an error, and if the
            message reads as OTLP metrics or logs the error says so.
    """
    try:
        return _decode(data, out, strict, frozenset(columns))
    except FieldError as exc:
        signal = _other_signal(data)
        if signal is None:
            raise
        raise FieldError(
            exc.path, f"{exc.reason}; the message reads as OTLP {signal}, not traces"
        ) from None


_ZERO_TRACE, _ZERO_SPAN = bytes(16), bytes(8)
_TRACE_ID, _SPAN_ID, _PARENT_ID, _LINKS, _ATTRIBUTES = (
    attrgetter(name) for name in ("trace_id", "span_id", "parent_span_id", "links", "attributes")
)
_START, _END = attrgetter("start_time_unix_nano"), attrgetter("end_time_unix_nano")
_SCALARS = {  # columns read straight from a Span field
    "name": attrgetter("name"),
    "kind": attrgetter("kind"),
    "status_code": attrgetter("status.code"),
    "status_message": attrgetter("status.message"),
    "trace_state": attrgetter("trace_state"),
    "flags": attrgetter("flags"),
    "dropped_attributes_count": attrgetter("dropped_attributes_count"),
    "dropped_events_count": attrgetter("dropped_events_count"),
    "dropped_links_count": attrgetter("dropped_links_count"),
}


def _span_path(i: int, j: int, k: int) -> str:
    return f"resourceSpans[{i}].scopeSpans[{j}].spans[{k}]"


def _events(sp: Any) -> tuple[SpanEvent, ...]:
    return tuple(
        SpanEvent(e.time_unix_nano, e.name, _attrs(e.attributes), e.dropped_attributes_count)
        for e in sp.events
    )


def _links(sp: Any, where: str) -> tuple[SpanLink, ...]:
    return tuple(
        SpanLink(
            _id(ln.trace_id, f"{where}.links[{n}].traceId", 16, allow_empty=False),
            _id(ln.span_id, f"{where}.links[{n}].spanId", 8, allow_empty=False),
            ln.trace_state,
            _attrs(ln.attributes),
            ln.flags,
            ln.dropped_attributes_count,
        )
        for n, ln in enumerate(sp.links)
    )


_Checked = dict[str, list[Any]]


def _checked(spans: Any, i: int, j: int, strict: bool) -> _Checked:
    """The columns of a scope's spans that need checking: ids, times, links, problems.

    Checked in bulk first (C loops over the whole scope); only a scope with something to
    report (an unknown field, a bad or empty id, an end before a start) or with links
    goes span by span, which finds the first problem in file order, as it always did.
    """
    trace_ids, span_ids = list(map(_TRACE_ID, spans)), list(map(_SPAN_ID, spans))
    parents, starts, ends = (
        list(map(_PARENT_ID, spans)),
        list(map(_START, spans)),
        list(map(_END, spans)),
    )
    if (
        not any(map(len, map(unknown_fields.UnknownFieldSet, spans)))
        and set(map(len, trace_ids)) == {16}
        and _ZERO_TRACE not in trace_ids
        and set(map(len, span_ids)) == {8}
        and _ZERO_SPAN not in span_ids
        and set(map(len, parents)) <= {0, 8}
        and _ZERO_SPAN not in parents
        and not any(map(operator.lt, ends, starts))
        and not any(map(len, map(_LINKS, spans)))
    ):
        empty = [()] * len(spans)
        return {
            "trace_id": list(map(bytes.hex, trace_ids)),
            "span_id": list(map(bytes.hex, span_ids)),
            "parent_span_id": list(map(bytes.hex, parents)),  # b"" gives ""
            "start_time_unix_nano": starts,
            "end_time_unix_nano": ends,
            "links": empty,
            "problems": empty,
        }
    out: _Checked = {name: [] for name in _CHECKED}
    for k, sp in enumerate(spans):
        if len(unknown_fields.UnknownFieldSet(sp)):
            _check_wire_types(sp, _SPAN_FIELDS, _span_path(i, j, k))
        problems: list[str] = []
        where = _span_path(i, j, k)
        trace_id = _context_id(sp.trace_id, f"{where}.traceId", 16, problems, strict)
        span_id = _context_id(sp.span_id, f"{where}.spanId", 8, problems, strict)
        start, end = starts[k], ends[k]
        if end < start:
            reason = f"{end} is before the start {start}"
            if strict:
                _fail(f"{where}.endTimeUnixNano", reason)
            problems.append(f"endTimeUnixNano {reason}")
        parent = _id(sp.parent_span_id, f"{where}.parentSpanId", 8, allow_empty=True)
        row = (trace_id, span_id, parent, start, end, _links(sp, where), tuple(problems))
        for name, value in zip(_CHECKED, row, strict=True):
            out[name].append(value)
    return out


_CHECKED = (
    "trace_id",
    "span_id",
    "parent_span_id",
    "start_time_unix_nano",
    "end_time_unix_nano",
    "links",
    "problems",
)


def _decode(data: bytes, out: dict[str, list[Any]], strict: bool, wanted: frozenset[str]) -> int:
    msg = trace_pb2.TracesData()
    try:
        msg.ParseFromString(data)
    except (DecodeError, RuntimeError, ValueError) as exc:
        _fail("", f"not a valid OTLP/protobuf traces message ({len(data)} bytes): {exc}")
    # Column by column, one scope at a time: no Python record per span.
    staged: dict[str, list[Any]] = {name: [] for name in COLUMNS if name in wanted}
    count = 0
    for i, rs in enumerate(msg.resource_spans):
        if any(f.field_number == _LEGACY_FIELD for f in unknown_fields.UnknownFieldSet(rs)):
            _fail(
                f"resourceSpans[{i}]",
                "carries field 1000 (instrumentation_library_spans, renamed scope_spans in "
                "opentelemetry-proto 0.15.0 and removed in 0.19.0); re-export the data with a "
                "current SDK or Collector",
            )
        _check_wire_types(rs, _RESOURCE_SPANS_FIELDS, f"resourceSpans[{i}]")
        res_attrs = _attrs(rs.resource.attributes)
        service = res_attrs.get("service.name", "")
        service_name = service if isinstance(service, str) else ""
        for j, ss in enumerate(rs.scope_spans):
            _check_wire_types(ss, _SCOPE_SPANS_FIELDS, f"resourceSpans[{i}].scopeSpans[{j}]")
            spans = list(ss.spans)  # one wrapper per span, reused by every column
            n = len(spans)
            count += n
            checked = _checked(spans, i, j, strict)
            shared = {  # one value for the whole scope
                "service_name": service_name,
                "resource_attributes": res_attrs,
                "scope_name": ss.scope.name,
                "scope_version": ss.scope.version,
            }
            for name, column in staged.items():
                if name in checked:
                    column += checked[name]
                elif name in shared:
                    column += [shared[name]] * n
                elif name in _SCALARS:
                    column += map(_SCALARS[name], spans)
                elif name == "attributes":
                    column += [_attrs(a) if len(a) else {} for a in map(_ATTRIBUTES, spans)]
                else:  # events
                    column += [_events(sp) if len(sp.events) else () for sp in spans]
    for name in COLUMNS:
        out[name].extend(staged[name] if name in staged else repeat(None, count))
    return count
