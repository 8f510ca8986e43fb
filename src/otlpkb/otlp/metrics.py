"""Read OTLP metrics files and payloads into flat metric points.

The Collector can push its own metrics over OTLP (``service::telemetry::metrics::readers``
with a ``periodic`` reader and an ``otlp`` exporter), and the ``file`` exporter writes
metrics as OTLP/JSON lines or length-prefixed protobuf frames. `read_metrics` reads all of
these into `MetricPoint` records, one per data point, with the resource, scope and point
attributes merged into ``labels`` (point attributes win).

Accepted inputs (``format``) are those of `otlpkb.otlp.read_traces`: ``"json"`` (one
``ExportMetricsServiceRequest`` / ``MetricsData`` document), ``"jsonl"`` (one request per
line), ``"protobuf"`` (one binary request), ``"protobuf-stream"`` (4-byte big-endian length
frames), ``"auto"``; gzip is detected. Errors are `OTLPDecodeError`, the trace reader's
type, naming the file, the line or byte offset and the JSON path. `iter_metric_points`
streams: JSON lines and frames are decoded one at a time, so memory is bounded by the
largest line or frame; a single JSON document or binary message is read whole.

Sums, gauges, histograms, exponential histograms and summaries are read; a histogram or
summary point carries its ``count`` and ``sum`` (``value`` is the sum).

See the chapter *Diagnosis decision tree* (5.1).

Examples:
    >>> from otlpkb import datasets
    >>> from otlpkb.otlp import read_metrics
    >>> points = read_metrics(datasets.path("otlp/proto-examples/metrics.json"))
    >>> [(p.name, p.kind, p.value) for p in points][:2]
    [('my.counter', 'sum', 5.0), ('my.gauge', 'gauge', 10.0)]
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from google.protobuf.message import DecodeError  # type: ignore[import-untyped, unused-ignore]
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2

from .reader import Format, Source, _check_format, _detect, _Input, _json_error, _read_exactly

__all__ = ["METRIC_KINDS", "MetricKind", "MetricPoint", "iter_metric_points", "read_metrics"]

MetricKind = Literal["sum", "gauge", "histogram", "exponential_histogram", "summary"]
METRIC_KINDS: tuple[str, ...] = ("sum", "gauge", "histogram", "exponential_histogram", "summary")
_JSON_KINDS = {
    "sum": "sum",
    "gauge": "gauge",
    "histogram": "histogram",
    "exponentialHistogram": "exponential_histogram",
    "summary": "summary",
}


@dataclass(frozen=True)
class MetricPoint:
    """One data point of an OTLP metric.

    Attributes:
        name: the metric name as sent (``otelcol_exporter_sent_spans``).
        kind: ``"sum"``, ``"gauge"``, ``"histogram"``, ``"exponential_histogram"`` or
            ``"summary"``.
        value: the point's value (a histogram's or summary's sum).
        labels: resource, scope and point attributes, as strings.
        time_unix_nano: the point's timestamp (0 if absent).
        unit: the metric's unit (``"{spans}"``, ``"By"``, ``"s"``).
        monotonic: a monotonic sum (a counter).
        count: observations of a histogram or summary (0 otherwise).
    """

    name: str
    kind: MetricKind
    value: float
    labels: Mapping[str, str] = field(default_factory=dict)
    time_unix_nano: int = 0
    unit: str = ""
    monotonic: bool = False
    count: int = 0


class _FieldError(Exception):
    def __init__(self, reason: str, path: str) -> None:
        self.reason, self.path = reason, path


def _any_value(value: object) -> str:
    if not isinstance(value, dict) or not value:
        return ""
    key, inner = next(iter(value.items()))
    if key in ("arrayValue", "kvlistValue"):
        return json.dumps(inner, sort_keys=True)
    return str(inner).lower() if isinstance(inner, bool) else str(inner)


def _attributes(items: object, path: str) -> dict[str, str]:
    if items is None:
        return {}
    if not isinstance(items, list):
        raise _FieldError("attributes must be an array", path)
    out: dict[str, str] = {}
    for i, kv in enumerate(items):
        if not isinstance(kv, dict) or not isinstance(kv.get("key"), str):
            raise _FieldError("an attribute needs a string key", f"{path}[{i}]")
        out[kv["key"]] = _any_value(kv.get("value"))
    return out


def _number(raw: object, path: str, *, integer: bool = False) -> float:
    if isinstance(raw, bool) or raw is None:
        raise _FieldError(f"expected a number, got {raw!r}", path)
    if isinstance(raw, str) and raw in ("NaN", "Infinity", "-Infinity") and not integer:
        return float(raw)
    if not isinstance(raw, int | float | str):
        raise _FieldError(f"expected a number, got {raw!r}", path)
    try:
        return float(int(raw)) if integer else float(raw)
    except (TypeError, ValueError):
        raise _FieldError(f"expected a number, got {raw!r}", path) from None


def _json_points(doc: object, out: list[MetricPoint]) -> None:
    if not isinstance(doc, dict):
        raise _FieldError(f"a metrics document is a JSON object, got {type(doc).__name__}", "")
    if "resourceMetrics" not in doc:
        other = sorted(doc)[:8]
        hint = (
            " (a pre-1.0 document?)" if "instrumentationLibraryMetrics" in str(doc)[:4096] else ""
        )
        raise _FieldError(f"no resourceMetrics in this document; keys: {other}{hint}", "")
    rms = doc["resourceMetrics"] or []
    if not isinstance(rms, list):
        raise _FieldError("must be an array", "resourceMetrics")
    for r, rm in enumerate(rms):
        rpath = f"resourceMetrics[{r}]"
        if not isinstance(rm, dict):
            raise _FieldError("must be an object", rpath)
        if "instrumentationLibraryMetrics" in rm and "scopeMetrics" not in rm:
            raise _FieldError(
                "instrumentationLibraryMetrics is the pre-1.0 name of scopeMetrics", rpath
            )
        resource = _attributes(
            (rm.get("resource") or {}).get("attributes"), f"{rpath}.resource.attributes"
        )
        for s, sm in enumerate(rm.get("scopeMetrics") or []):
            spath = f"{rpath}.scopeMetrics[{s}]"
            scope = _attributes((sm.get("scope") or {}).get("attributes"), f"{spath}.scope")
            for m, metric in enumerate(sm.get("metrics") or []):
                _json_metric(metric, f"{spath}.metrics[{m}]", {**resource, **scope}, out)


def _json_metric(metric: Any, path: str, base: dict[str, str], out: list[MetricPoint]) -> None:
    if not isinstance(metric, dict) or not isinstance(metric.get("name"), str):
        raise _FieldError("a metric needs a string name", path)
    kinds = [k for k in _JSON_KINDS if k in metric]
    if len(kinds) != 1:
        raise _FieldError(f"a metric has exactly one data field, found {kinds}", path)
    key = kinds[0]
    body = metric[key] or {}
    kind: Any = _JSON_KINDS[key]
    monotonic = bool(body.get("isMonotonic", False))
    for i, dp in enumerate(body.get("dataPoints") or []):
        ppath = f"{path}.{key}.dataPoints[{i}]"
        labels = {**base, **_attributes(dp.get("attributes"), f"{ppath}.attributes")}
        count = 0
        if kind in ("sum", "gauge"):
            if "asDouble" in dp:
                value = _number(dp["asDouble"], f"{ppath}.asDouble")
            elif "asInt" in dp:
                value = _number(dp["asInt"], f"{ppath}.asInt", integer=True)
            else:
                value = 0.0  # proto3 default: a zero value is omitted in JSON
        else:
            count = int(_number(dp.get("count", 0), f"{ppath}.count", integer=True))
            value = _number(dp.get("sum", 0.0), f"{ppath}.sum")
        t = int(_number(dp.get("timeUnixNano", 0), f"{ppath}.timeUnixNano", integer=True))
        out.append(
            MetricPoint(
                metric["name"],
                kind,
                value,
                labels,
                t,
                str(metric.get("unit", "")),
                monotonic,
                count,
            )
        )


def _pb_attributes(items: Any) -> dict[str, str]:
    out = {}
    for kv in items:
        which = kv.value.WhichOneof("value")
        if which is None:
            out[kv.key] = ""
        elif which in ("array_value", "kvlist_value"):
            out[kv.key] = str(getattr(kv.value, which)).replace("\n", " ").strip()
        else:
            v = getattr(kv.value, which)
            out[kv.key] = str(v).lower() if isinstance(v, bool) else str(v)
    return out


def _pb_points(data: bytes, out: list[MetricPoint]) -> None:
    req = metrics_service_pb2.ExportMetricsServiceRequest()
    try:
        req.ParseFromString(data)
    except DecodeError as exc:
        raise _FieldError(f"not an OTLP metrics protobuf message: {exc}", "") from None
    for rm in req.resource_metrics:
        resource = _pb_attributes(rm.resource.attributes)
        for sm in rm.scope_metrics:
            base = {**resource, **_pb_attributes(sm.scope.attributes)}
            for metric in sm.metrics:
                which = metric.WhichOneof("data")
                if which is None:
                    continue
                body = getattr(metric, which)
                kind: Any = which
                monotonic = bool(getattr(body, "is_monotonic", False))
                for dp in body.data_points:
                    labels = {**base, **_pb_attributes(dp.attributes)}
                    if which in ("sum", "gauge"):
                        v = dp.as_double if dp.WhichOneof("value") == "as_double" else dp.as_int
                        value, count = float(v), 0
                    else:
                        value, count = float(dp.sum), int(dp.count)
                    out.append(
                        MetricPoint(
                            metric.name,
                            kind,
                            value,
                            labels,
                            int(dp.time_unix_nano),
                            metric.unit,
                            monotonic,
                            count,
                        )
                    )


def _json_unit(inp: _Input, text: bytes, *, line: int | None, offset: int) -> list[MetricPoint]:
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise _json_error(inp, exc, line=line, offset=offset) from None
    out: list[MetricPoint] = []
    try:
        _json_points(doc, out)
    except _FieldError as exc:
        raise inp.error(
            exc.reason,
            line=line,
            byte_offset=offset if line is not None else None,
            json_path=exc.path or "(document)",
        ) from None
    return out


def _pb_unit(inp: _Input, data: bytes, *, offset: int) -> list[MetricPoint]:
    out: list[MetricPoint] = []
    try:
        _pb_points(data, out)
    except _FieldError as exc:
        raise inp.error(exc.reason, byte_offset=offset) from None
    return out


def _units(inp: _Input, fmt: str) -> Iterator[list[MetricPoint]]:
    stream: Any = inp.stream
    if fmt == "auto":
        fmt = _detect(inp)
    if fmt == "json?":  # one document, or JSON lines if the first line holds a whole one
        data = stream.read()
        first, _, rest = data.partition(b"\n")
        if rest.strip() and first.strip():
            try:
                json.loads(first)
                fmt = "jsonl"
            except ValueError:
                fmt = "json"
        else:
            fmt = "json"
        if fmt == "json" and data[:1] == b"\n" and not _is_json(data):
            fmt = "protobuf"  # field 1 of a request whose length byte reads as "{" or "["
        stream = _Reread(data)
    if fmt == "json":
        yield _json_unit(inp, stream.read(), line=None, offset=0)
    elif fmt == "jsonl":
        offset = 0
        for lineno, line in enumerate(stream, start=1):
            if line.strip():
                yield _json_unit(inp, line, line=lineno, offset=offset)
            offset += len(line)
    elif fmt == "protobuf":
        yield _pb_unit(inp, stream.read(), offset=0)
    else:
        offset = 0
        while header := stream.read(4):
            if len(header) < 4:
                raise inp.error(
                    f"truncated frame header: {len(header)} of 4 length bytes", byte_offset=offset
                )
            size = int.from_bytes(header, "big")
            payload = _read_exactly(stream, size)
            if len(payload) < size:
                raise inp.error(
                    f"truncated frame: the length prefix says {size} bytes, "
                    f"only {len(payload)} follow",
                    byte_offset=offset,
                )
            if payload.lstrip()[:1] == b"{":
                yield _json_unit(inp, payload, line=None, offset=offset + 4)
            else:
                yield _pb_unit(inp, payload, offset=offset + 4)
            offset += 4 + size


def _is_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except (ValueError, RecursionError):
        return False
    return True


class _Reread:
    """Bytes already read, offered again as a line-iterable stream."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def read(self, n: int = -1) -> bytes:
        data, self._data = self._data, b""
        return data

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._data.splitlines(keepends=True))


def iter_metric_points(source: Source, *, format: Format = "auto") -> Iterator[MetricPoint]:
    """Yield the data points of an OTLP metrics file or payload, in file order.

    Args:
        source: a path, a bytes-like object or a binary file object; gzip is detected.
        format: as `otlpkb.otlp.read_traces`.

    Raises:
        OTLPDecodeError: malformed input (points before the bad line or frame are yielded
            first).
        ValueError: ``format`` is unknown.
    """
    fmt = _check_format(format)
    return _points(source, fmt)


def _points(source: Source, fmt: str) -> Iterator[MetricPoint]:
    inp = _Input(source)
    try:
        for unit in _units(inp, fmt):
            yield from unit
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise inp.error(f"corrupt or truncated gzip stream: {exc}") from None
    finally:
        inp.close()


def read_metrics(source: Source, *, format: Format = "auto") -> list[MetricPoint]:
    """Read every data point of an OTLP metrics file or payload.

    Args:
        source: a path, a bytes-like object or a binary file object; gzip is detected.
        format: ``"auto"``, ``"json"``, ``"jsonl"``, ``"protobuf"`` or
            ``"protobuf-stream"``.

    Returns:
        The points in file order.

    Raises:
        OTLPDecodeError: malformed or invalid input, naming the file, the position and
            the problem (a pre-1.0 document is rejected, never read as empty).
        ValueError: ``format`` is unknown.

    Examples:
        >>> from otlpkb.otlp import read_metrics
        >>> doc = (b'{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"up",'
        ...        b'"gauge":{"dataPoints":[{"asInt":"1"}]}}]}]}]}')
        >>> read_metrics(doc)[0].value
        1.0
    """
    return list(iter_metric_points(source, format=format))
