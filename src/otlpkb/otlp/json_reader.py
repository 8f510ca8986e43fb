"""A validating OTLP/JSON decoder for trace documents, written over `json.loads`.

It follows the OTLP/JSON rules of the OTLP specification: ``traceId``/``spanId`` are
case-insensitive hex (never base64), enums are integers (enum names are rejected), keys are
lowerCamelCase, 64-bit integers may be decimal strings or numbers, and unknown fields are
ignored. No field that carries data is dropped silently: the pre-1.0 name
``instrumentationLibrarySpans`` is rejected, and the snake_case proto names
(`SNAKE_CASE_FIELDS`) are read as their lowerCamelCase fields, as the Collector does. A JSON
object that repeats a key is rejected (`strict_object`), since a parser keeps one of the two
values. Every problem raises `OTLPDecodeError` with the JSON path of the bad field.

Parse with ``json.loads(text, object_pairs_hook=strict_object)`` before
`decode_json_document`, as the readers in `otlpkb.otlp.reader` do.

See the chapter *Distributed tracing* (3.1).

Examples:
    >>> import json
    >>> from otlpkb.otlp.json_reader import decode_json_document, new_columns, strict_object
    >>> doc = json.loads('''{"resource_spans": [{"scopeSpans": [{"spans": [
    ...   {"traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": "EEE19B7EC3C1B174",
    ...    "name": "x", "kind": 2, "startTimeUnixNano": "1", "endTimeUnixNano": 3}]}]}]}''',
    ...   object_pairs_hook=strict_object)
    >>> cols = new_columns()
    >>> decode_json_document(doc, cols)
    1
    >>> cols["trace_id"][0], cols["end_time_unix_nano"][0]
    ('5b8efff798038103d269b633813fc60c', 3)
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Collection
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from .spans import COLUMNS, AttributeValue, SpanEvent, SpanLink

__all__ = [
    "SNAKE_CASE_FIELDS",
    "DuplicateKeyError",
    "FieldError",
    "check_no_resource_spans",
    "decode_json_document",
    "decode_resource_spans",
    "find_duplicate_key",
    "marking_object",
    "new_columns",
    "strict_object",
]

_HEX32 = re.compile(r"[0-9a-fA-F]{32}")
_HEX16 = re.compile(r"[0-9a-fA-F]{16}")
_ZERO32 = "0" * 32
_ZERO16 = "0" * 16
_DIGITS = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_MAX_DIGITS = 20  # every int64 and uint64 has at most 20 digits
_EXACT_FLOAT = 2**53  # above this a double does not hold every integer
_BASE64 = re.compile(r"([A-Za-z0-9+/]*|[A-Za-z0-9_-]*)={0,2}")
_MAX_DEPTH = 64
_U64 = 2**64
_I64 = 2**63
_U32 = 2**32
_I32 = 2**31


class FieldError(Exception):
    """A bad field, with its path relative to the object being decoded (internal)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(path, reason)
        self.path = path
        self.reason = reason

    def under(self, prefix: str) -> FieldError:
        """The same error with ``prefix`` prepended to the path."""
        joined = (
            prefix
            if not self.path
            else (prefix + self.path if self.path.startswith("[") else f"{prefix}.{self.path}")
        )
        return FieldError(joined, self.reason)


SNAKE_CASE_FIELDS: dict[str, str] = {
    name: name.split("_")[0] + "".join(part.title() for part in name.split("_")[1:])
    for name in (
        "resource_spans",
        "scope_spans",
        "schema_url",
        "trace_id",
        "span_id",
        "trace_state",
        "parent_span_id",
        "start_time_unix_nano",
        "end_time_unix_nano",
        "time_unix_nano",
        "dropped_attributes_count",
        "dropped_events_count",
        "dropped_links_count",
        "string_value",
        "bool_value",
        "int_value",
        "double_value",
        "array_value",
        "kvlist_value",
        "bytes_value",
        "instrumentation_library_spans",
        "instrumentation_library",
        "resource_metrics",
        "resource_logs",
        "resource_profiles",
    )
}
"""The original (snake_case) proto field names of the trace messages and their JSON names.

The OTLP specification makes lowerCamelCase the only valid spelling, but the Collector's
decoder (``pdata/ptrace/json.go``, ``Span.unmarshalJSONIter``) and every ProtoJSON parser
accept both, and ignoring a snake_case key would drop the data it carries without a word.
So both are read, as the same field: giving both spellings of one field is a duplicate key.
"""


class DuplicateKeyError(Exception):
    """A JSON object repeats a key (or gives a field in both spellings)."""

    def __init__(self, key: str, field: str) -> None:
        super().__init__(key, field)
        self.key = key
        self.field = field

    @property
    def reason(self) -> str:
        """The problem in words."""
        if self.key == self.field:
            what = f"duplicate key {self.key!r}"
        else:
            what = f"{self.key!r} repeats the field {self.field!r}"
        return f"{what}: a JSON object must not give a field twice (one would be lost)"


def strict_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An ``object_pairs_hook``: snake_case names renamed, nulls unset, repeats rejected.

    ``null`` for a field means "unset" in ProtoJSON, so the key is left out.

    Raises:
        DuplicateKeyError: a key occurs twice (a plain ``dict`` would keep the last).

    Examples:
        >>> import json
        >>> json.loads('{"parent_span_id": "ab"}', object_pairs_hook=strict_object)
        {'parentSpanId': 'ab'}
    """
    # --8<-- [start:strict_object]
    obj = dict(pairs)
    if (
        len(obj) == len(pairs)
        and SNAKE_CASE_FIELDS.keys().isdisjoint(obj)
        and None not in obj.values()
    ):
        return obj
    # --8<-- [end:strict_object]
    obj = {}
    spelled: dict[str, str] = {}
    for key, value in pairs:
        name = SNAKE_CASE_FIELDS.get(key, key)
        if name in spelled:
            raise DuplicateKeyError(key if key != name else spelled[name], name)
        spelled[name] = key
        if value is not None:  # ProtoJSON: null means the field is unset
            obj[name] = value
    return obj


class _Marked(dict):  # type: ignore[type-arg]
    """An object whose keys repeat: the marker `marking_object` leaves in a parsed tree."""

    duplicate: DuplicateKeyError | None = None


def marking_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Like `strict_object`, but marks an object with a repeated key instead of raising.

    Used to re-parse a document `strict_object` rejected, to find where the key repeats.
    """
    try:
        return strict_object(pairs)
    except DuplicateKeyError as exc:
        marked = _Marked(pairs)
        marked.duplicate = exc
        return marked


def find_duplicate_key(value: object) -> FieldError | None:
    """The first object marked by `marking_object` in ``value``, as a located `FieldError`."""
    stack: list[tuple[object, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, _Marked) and item.duplicate is not None:
            return FieldError(path, item.duplicate.reason)
        if isinstance(item, dict):
            children = [(v, f"{path}.{k}" if path else k) for k, v in item.items()]
            stack.extend(reversed(children))
        elif type(item) is list:
            stack.extend(reversed([(v, f"{path}[{i}]") for i, v in enumerate(item)]))
    return None


def _fail(path: str, reason: str) -> NoReturn:
    raise FieldError(path, reason)


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__  # pragma: no cover - json.loads makes nothing else


def new_columns() -> dict[str, list[Any]]:
    """Empty columns for a `SpanTable`."""
    return {name: [] for name in COLUMNS}


def hex_id(value: object, field: str, nbytes: int, *, allow_empty: bool) -> str:
    """A validated, lowercased hex id of ``nbytes`` bytes (``""`` if allowed and empty)."""
    if type(value) is not str:
        _fail(field, f"expected a hex string, got {_type_name(value)}")
    if not value:
        if allow_empty:
            return ""
        _fail(field, "is empty; a span context needs a non-empty id")
    pattern = _HEX32 if nbytes == 16 else _HEX16
    if len(value) != 2 * nbytes:
        _fail(
            field,
            f"must be {2 * nbytes} hex digits ({nbytes} bytes), got {len(value)} characters "
            f"{value[:48]!r}",
        )
    if pattern.fullmatch(value) is None:
        _fail(field, f"is not hex: {value!r} (OTLP/JSON ids are hex, not base64)")
    low = value.lower()
    if low == (_ZERO32 if nbytes == 16 else _ZERO16):
        if allow_empty:  # an all-zero parent id means "no parent" in some producers
            return ""
        _fail(field, "is all zeros, which is an invalid id")
    return low


def _integral(value: object, field: str) -> int:
    """An integer written in any ProtoJSON form: 12, "12", 1.2e1, "1.2e1", 12.0."""
    if type(value) is str and _DIGITS.fullmatch(value):
        if len(value.lstrip("-").lstrip("0")) > _MAX_DIGITS:
            _fail(field, f"{value[:24]}... ({len(value)} digits) is out of range for 64 bits")
        return int(value)
    exact: Decimal | None = None
    if type(value) is Decimal or (type(value) is float and math.isfinite(value)):
        exact = Decimal(value)
    elif type(value) is str and _NUMBER.fullmatch(value):
        try:
            exact = Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            exact = None
    if exact is None or not exact.is_finite() or exact != exact.to_integral_value():
        _fail(
            field,
            f"expected an integer (number or decimal string), got {_type_name(value)} "
            f"{str(value)[:40]!r}",
        )
    if exact.adjusted() >= _MAX_DIGITS:
        _fail(field, f"{str(value)[:40]} is out of range for 64 bits")
    return int(exact)


def _int(value: object, field: str, *, signed: bool, bits: int) -> int:
    number = value if type(value) is int else _integral(value, field)
    low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1)) if signed else (0, 2**bits)
    if not low <= number < high:
        kind = "int" if signed else "uint"
        _fail(field, f"{number} is out of range for {kind}{bits}")
    return number


def _uint64(value: object, field: str) -> int:
    # fast path for the common case: a decimal string of a positive time
    if type(value) is str and len(value) <= _MAX_DIGITS and value.isdigit() and value.isascii():
        number = int(value)
        if number < _U64:
            return number
    return _int(value, field, signed=False, bits=64)


def _uint32(value: object, field: str) -> int:
    if type(value) is int and 0 <= value < _U32:
        return value
    return _int(value, field, signed=False, bits=32)


def _enum(value: object, field: str) -> int:
    if type(value) is int and -_I32 <= value < _I32:
        return value
    if type(value) is str and not _DIGITS.fullmatch(value):
        _fail(field, f"enum names are not allowed in OTLP/JSON, got {value!r}; use the integer")
    return _int(value, field, signed=True, bits=32)


def _str(value: object, field: str) -> str:
    if type(value) is not str:
        _fail(field, f"expected a string, got {_type_name(value)}")
    return value


def _obj(value: object, field: str) -> dict[str, Any]:
    if type(value) is not dict:
        _fail(field, f"expected an object, got {_type_name(value)}")
    return value


def _arr(value: object, field: str) -> list[Any]:
    if type(value) is not list:
        _fail(field, f"expected an array, got {_type_name(value)}")
    return value


def _double(value: object, field: str) -> float:
    if type(value) is float or type(value) is int or type(value) is Decimal:
        return float(value)
    if type(value) is str:
        special = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
        if value in special:
            return special[value]
        try:
            number = float(value)
        except ValueError:
            pass
        else:
            if math.isfinite(number):
                return number
    _fail(field, f"expected a number, got {_type_name(value)} {str(value)[:40]!r}")


def _bytes(value: object, field: str) -> bytes:
    text = _str(value, field)
    match = _BASE64.fullmatch(text)
    if match is not None and len(match.group(1)) % 4 != 1:
        body = match.group(1)
        padded = body + "=" * (-len(body) % 4)
        try:
            if "-" in body or "_" in body:
                return base64.urlsafe_b64decode(padded)
            return base64.b64decode(padded, validate=True)
        except (binascii.Error, ValueError):
            pass
    _fail(field, f"bytesValue is not base64: {text[:40]!r}")


_VALUE_KEYS = frozenset(
    (
        "stringValue",
        "boolValue",
        "intValue",
        "doubleValue",
        "arrayValue",
        "kvlistValue",
        "bytesValue",
    )
)


def any_value(value: object, field: str, depth: int = 0) -> AttributeValue:
    """Decode an OTLP ``AnyValue`` object."""
    if type(value) is not dict:
        _fail(field, f"expected an AnyValue object, got {_type_name(value)}")
    if len(value) == 1:
        ((key, inner),) = value.items()
    else:
        present = [k for k in value if k in _VALUE_KEYS]
        if len(present) > 1:
            _fail(field, f"AnyValue has more than one value field: {present}")
        if not present:
            return None
        key = present[0]
        inner = value[key]
    if key == "stringValue":
        if type(inner) is str:
            return inner
        _fail(f"{field}.stringValue", f"expected a string, got {_type_name(inner)}")
    if key == "intValue":
        return _int(inner, f"{field}.intValue", signed=True, bits=64)
    if key == "boolValue":
        if type(inner) is not bool:
            _fail(f"{field}.boolValue", f"expected true or false, got {_type_name(inner)}")
        return inner
    if key == "doubleValue":
        return _double(inner, f"{field}.doubleValue")
    if key == "bytesValue":
        return _bytes(inner, f"{field}.bytesValue")
    if key == "arrayValue":
        if depth >= _MAX_DEPTH:
            _fail(field, f"values nested deeper than {_MAX_DEPTH} levels")
        body = _obj(inner, f"{field}.arrayValue")
        values = _arr(body.get("values", []), f"{field}.arrayValue.values")
        return [
            any_value(item, f"{field}.arrayValue.values[{i}]", depth + 1)
            for i, item in enumerate(values)
        ]
    if key == "kvlistValue":
        if depth >= _MAX_DEPTH:
            _fail(field, f"values nested deeper than {_MAX_DEPTH} levels")
        body = _obj(inner, f"{field}.kvlistValue")
        values = _arr(body.get("values", []), f"{field}.kvlistValue.values")
        return attributes(values, f"{field}.kvlistValue.values", depth + 1)
    return None  # only unknown keys: an empty AnyValue


def attributes(items: object, field: str, depth: int = 0) -> dict[str, AttributeValue]:
    """Decode a list of ``KeyValue`` objects into a dict (a repeated key: the last wins)."""
    if type(items) is not list:
        _fail(field, f"expected an array of key/value objects, got {_type_name(items)}")
    out: dict[str, AttributeValue] = {}
    for i, kv in enumerate(items):
        if type(kv) is not dict:
            _fail(f"{field}[{i}]", f"expected a key/value object, got {_type_name(kv)}")
        key = kv.get("key", "")
        if type(key) is not str:
            _fail(f"{field}[{i}].key", f"expected a string, got {_type_name(key)}")
        raw = kv.get("value")
        if raw is None:
            out[key] = None
            continue
        if type(raw) is dict and len(raw) == 1:
            inner = raw.get("stringValue")
            if type(inner) is str:
                out[key] = inner
                continue
        out[key] = any_value(raw, f"{field}[{i}].value", depth)
    return out


def _events(items: object, field: str) -> tuple[SpanEvent, ...]:
    out = []
    for i, ev in enumerate(_arr(items, field)):
        where = f"{field}[{i}]"
        ev = _obj(ev, where)
        out.append(
            SpanEvent(
                _uint64(ev.get("timeUnixNano", 0), f"{where}.timeUnixNano"),
                _str(ev.get("name", ""), f"{where}.name"),
                attributes(ev.get("attributes", []), f"{where}.attributes"),
                _uint32(ev.get("droppedAttributesCount", 0), f"{where}.droppedAttributesCount"),
            )
        )
    return tuple(out)


def _links(items: object, field: str) -> tuple[SpanLink, ...]:
    out = []
    for i, ln in enumerate(_arr(items, field)):
        where = f"{field}[{i}]"
        ln = _obj(ln, where)
        if "traceId" not in ln:
            _fail(f"{where}.traceId", "is missing")
        if "spanId" not in ln:
            _fail(f"{where}.spanId", "is missing")
        out.append(
            SpanLink(
                hex_id(ln["traceId"], f"{where}.traceId", 16, allow_empty=False),
                hex_id(ln["spanId"], f"{where}.spanId", 8, allow_empty=False),
                _str(ln.get("traceState", ""), f"{where}.traceState"),
                attributes(ln.get("attributes", []), f"{where}.attributes"),
                _uint32(ln.get("flags", 0), f"{where}.flags"),
                _uint32(ln.get("droppedAttributesCount", 0), f"{where}.droppedAttributesCount"),
            )
        )
    return tuple(out)


_EMPTY: dict[str, Any] = {}


def _flag(problems: list[str], strict: bool, field: str, reason: str) -> None:
    """Record what makes a kept span invalid, or raise it in strict mode."""
    if strict:
        _fail(field, reason)
    problems.append(f"{field} {reason}")


def _context_id(value: object, field: str, nbytes: int, problems: list[str], strict: bool) -> str:
    """A span's own trace or span id: malformed is an error, empty or zero is flagged."""
    text = hex_id(value, field, nbytes, allow_empty=True)
    if not text:
        what = "is empty" if value == "" else "is all zeros"
        _flag(problems, strict, field, f"{what}, which is an invalid span context")
    return text


def _time(value: object, field: str, problems: list[str], strict: bool) -> int:
    number = _uint64(value, field)
    if number > _EXACT_FLOAT and (
        type(value) is Decimal
        or type(value) is float
        or (type(value) is str and not value.isdigit())
    ):
        reason = f"{value} is written as a floating-point number: nanoseconds may be lost"
        _flag(problems, strict, field, reason)
    return number


def _list(value: object, field: str) -> list[Any] | None:
    """A repeated field: absent is empty, anything but an array (even {} or 0) an error."""
    return None if value is None else _arr(value, field)


def _decode_span(
    span: object,
    out: dict[str, list[Any]],
    service: str,
    resource_attrs: dict[str, AttributeValue],
    scope: tuple[str, str],
    strict: bool,
) -> None:
    if type(span) is not dict:
        _fail("", f"expected a span object, got {_type_name(span)}")
    # --8<-- [start:decode_span]
    get = span.get
    problems: list[str] = []
    trace_id = _context_id(get("traceId", ""), "traceId", 16, problems, strict)
    span_id = _context_id(get("spanId", ""), "spanId", 8, problems, strict)
    parent = hex_id(get("parentSpanId", ""), "parentSpanId", 8, allow_empty=True)
    start = _time(get("startTimeUnixNano", 0), "startTimeUnixNano", problems, strict)
    end = _time(get("endTimeUnixNano", 0), "endTimeUnixNano", problems, strict)
    if end < start:
        _flag(problems, strict, "endTimeUnixNano", f"{end} is before the start {start}")
    status = _obj(get("status", _EMPTY), "status")
    attrs = _list(get("attributes"), "attributes")
    events = _list(get("events"), "events")
    links = _list(get("links"), "links")
    # --8<-- [end:decode_span]
    # All fields are validated before any column is appended: a bad span leaves no trace.
    row = (
        trace_id,
        span_id,
        parent,
        _str(get("name", ""), "name"),
        _enum(get("kind", 0), "kind"),
        start,
        end,
        _enum(status.get("code", 0), "status.code"),
        _str(status.get("message", ""), "status.message"),
        service,
        attributes(attrs, "attributes") if attrs else {},
        resource_attrs,
        _events(events, "events") if events else (),
        _links(links, "links") if links else (),
        _str(get("traceState", ""), "traceState"),
        _uint32(get("flags", 0), "flags"),
        *scope,
        _uint32(get("droppedAttributesCount", 0), "droppedAttributesCount"),
        _uint32(get("droppedEventsCount", 0), "droppedEventsCount"),
        _uint32(get("droppedLinksCount", 0), "droppedLinksCount"),
        tuple(problems),
    )
    for name, value in zip(COLUMNS, row, strict=True):
        out[name].append(value)


_OTHER_SIGNALS = {
    "resourceMetrics": "metrics",
    "resourceLogs": "logs",
    "resourceProfiles": "profiles",
}


def decode_json_document(doc: object, out: dict[str, list[Any]], *, strict: bool = False) -> int:
    """Validate a parsed ``ExportTraceServiceRequest``/``TracesData`` and append its spans.

    A span with an empty or all-zero trace or span id, an end before its start, or a time
    written as a float above 2**53 is kept and flagged (its ``problems`` column); with
    ``strict`` it is a `FieldError` instead.

    Returns:
        The number of spans appended.

    Raises:
        FieldError: with the JSON path of the bad field; nothing is appended then.
    """
    if type(doc) is not dict:
        _fail("", f"expected a JSON object (ExportTraceServiceRequest), got {_type_name(doc)}")
    if "resourceSpans" not in doc:
        check_no_resource_spans(doc)
        return 0
    start = len(out["trace_id"])
    for i, rs in enumerate(_arr(doc["resourceSpans"], "resourceSpans")):
        try:
            decode_resource_spans(rs, i, out, strict=strict)
        except FieldError:
            _truncate(out, start)
            raise
    return len(out["trace_id"]) - start


def check_no_resource_spans(keys: Collection[str]) -> None:
    """Judge a document whose top-level keys ``keys`` hold no ``resourceSpans``.

    An empty document is an empty request (no error); a metrics, logs or profiles document
    or any other non-empty object is a `FieldError`.
    """
    for key, signal in _OTHER_SIGNALS.items():
        if key in keys:
            _fail(key, f"this is a {signal} document, not traces")
    if keys:
        _fail("", f"no resourceSpans field (keys: {', '.join(sorted(keys)[:8])})")


def decode_resource_spans(
    rs: object, index: int, out: dict[str, list[Any]], *, strict: bool = False
) -> int:
    """Validate ``resourceSpans[index]``, one parsed ``ResourceSpans``, and append its spans.

    The unit of streaming: a document is decoded one ``resourceSpans`` element at a time.

    Returns:
        The number of spans appended.

    Raises:
        FieldError: with the full JSON path (``resourceSpans[index]...``); nothing is
            appended then.
    """
    start = len(out["trace_id"])
    try:
        _decode_resource_spans(rs, out, strict)
    except FieldError as exc:
        _truncate(out, start)
        raise exc.under(f"resourceSpans[{index}]") from None
    return len(out["trace_id"]) - start


def _truncate(out: dict[str, list[Any]], length: int) -> None:
    for name in COLUMNS:
        del out[name][length:]


def _decode_resource_spans(rs: object, out: dict[str, list[Any]], strict: bool) -> None:
    rs = _obj(rs, "")
    if "instrumentationLibrarySpans" in rs:
        _fail(
            "instrumentationLibrarySpans",
            "old OTLP field name (renamed scopeSpans in opentelemetry-proto 0.15.0, "
            "removed in 0.19.0); re-export the data with a current SDK or Collector",
        )
    resource = _obj(rs.get("resource", _EMPTY), "resource")
    res_attrs = attributes(resource.get("attributes", []), "resource.attributes")
    service = res_attrs.get("service.name", "")
    service_name = service if isinstance(service, str) else ""
    for j, ss in enumerate(_arr(rs.get("scopeSpans", []), "scopeSpans")):
        prefix = f"scopeSpans[{j}]"
        ss = _obj(ss, prefix)
        if "instrumentationLibrary" in ss:
            _fail(
                f"{prefix}.instrumentationLibrary",
                "old OTLP field name (renamed scope in opentelemetry-proto 0.15.0)",
            )
        scope = _obj(ss.get("scope", _EMPTY), f"{prefix}.scope")
        names = (
            _str(scope.get("name", ""), f"{prefix}.scope.name"),
            _str(scope.get("version", ""), f"{prefix}.scope.version"),
        )
        spans = _arr(ss.get("spans", []), f"{prefix}.spans")
        for k, span in enumerate(spans):
            try:
                _decode_span(span, out, service_name, res_attrs, names, strict)
            except FieldError as exc:
                raise exc.under(f"{prefix}.spans[{k}]") from None
