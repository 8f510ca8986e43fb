"""Inspect OTLP trace files in bounded memory, and export their spans to Parquet.

`inspect_traces` streams one or more OTLP files (any format `otlpkb.otlp.read_traces`
reads, gzip or not; directories are walked) through an `Inspector` and returns an
`Inspection`: services with span counts and error rates, orphans and multi-root traces,
parent-pointer cycles, clock skew, per-operation latency percentiles and the slowest
traces. Memory is bounded two ways. Spans wait in a *window* of open traces (at most
``window`` spans); when the window is full the trace that was touched longest ago is
closed; closed traces are judged in bulk by `otlpkb.diagnosis.judge`, with the rules of
the chapter 3 tools (`otlpkb.tracing.traces.assemble_traces`,
`otlpkb.tracing.cycles.parent_cycles`,
`otlpkb.tracing.causality.clock_skew.detect_clock_skew`). Latencies go into one
log-bucketed histogram per operation whose quantiles are within ``relative_accuracy`` of
the exact ones (the DDSketch construction), so no duration list grows with the file.

`write_parquet` writes the span table as Parquet (pyarrow, the ``parquet`` extra), one
row group per batch, for DuckDB, Spark or ClickHouse. `otlp_json_lines` goes the other
way, from span records to the lines the Collector's ``file`` exporter writes, to make
archives for tests and benchmarks.

See the chapter *Diagnostic toolset* (5.4).

Examples:
    >>> from otlpkb import datasets
    >>> from otlpkb.diagnosis.inspect import inspect_traces
    >>> report = inspect_traces([datasets.path("otlp/jaeger/example_trace.json")])
    >>> report.spans, report.traces, report.multi_root_traces, report.orphans
    (5, 1, 1, 0)
    >>> [s.service for s in report.services][:2]
    ['example-service-1', 'example-service-2']
"""

from __future__ import annotations

import heapq
import json
import math
import os
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import numpy as np

from otlpkb.otlp import Span, SpanTable
from otlpkb.otlp.reader import iter_column_batches
from otlpkb.otlp.spans import int_array

from .judge import Row, codes, judge_pieces

__all__ = [
    "PARQUET_COLUMNS",
    "TRACE_SUFFIXES",
    "Inspection",
    "Inspector",
    "LatencySketch",
    "OperationLatency",
    "ServiceStats",
    "SlowTrace",
    "inspect_traces",
    "iter_paths",
    "otlp_json_lines",
    "write_parquet",
]

PARQUET_COLUMNS: tuple[str, ...] = (
    "trace_id",
    "span_id",
    "parent_span_id",
    "name",
    "kind",
    "service_name",
    "start_time_unix_nano",
    "end_time_unix_nano",
    "duration_nano",
    "status_code",
    "status_message",
    "scope_name",
    "attributes",
    "resource_attributes",
)
"""The columns `write_parquet` writes; the two attribute columns hold JSON objects."""


_COLUMNS = (
    "trace_id",
    "span_id",
    "parent_span_id",
    "service_name",
    "name",
    "kind",
    "start_time_unix_nano",
    "end_time_unix_nano",
    "status_code",
    "problems",
)
"""The span columns an inspection reads."""
_INT_NAMES = ("kind", "status_code", "flags", "start_time_unix_nano", "end_time_unix_nano")
_JUDGE_BATCH = 50_000  # spans of closed traces judged together (at most a window's worth)

TRACE_SUFFIXES: tuple[str, ...] = (".json", ".jsonl", ".ndjson", ".pb", ".binpb", ".proto", ".otlp")
"""File name endings a directory walk reads (each also with ``.gz``)."""


def iter_paths(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Every file named in ``paths``; in directories, the files ending in `TRACE_SUFFIXES`.

    Directories are walked in sorted order, skipping hidden entries; a file named
    explicitly is read whatever its name.

    Raises:
        FileNotFoundError: a path does not exist.
    """
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    stem = name[:-3] if name.endswith(".gz") else name
                    if not name.startswith(".") and stem.endswith(TRACE_SUFFIXES):
                        yield Path(root) / name
        elif path.exists():
            yield path
        else:
            raise FileNotFoundError(f"{path}: no such file")


class LatencySketch:
    """Quantiles of positive durations within a relative error, in bounded memory.

    Value ``x`` goes to bucket ``ceil(log_gamma(x))`` with ``gamma = (1 + a) / (1 - a)``;
    a quantile is the bucket's representative ``2 gamma^i / (gamma + 1)`` (clamped to
    the least and greatest value seen), within a factor ``1 ± a`` of the exact order
    statistic (Masson, Rim & Lee, *DDSketch*, VLDB 2019). Durations at or below one
    nanosecond share bucket 0.
    """

    def __init__(self, relative_accuracy: float = 0.01) -> None:
        if not 0 < relative_accuracy < 1:
            raise ValueError(f"relative_accuracy must be in (0, 1), got {relative_accuracy!r}")
        self.relative_accuracy = relative_accuracy
        self._log_gamma = math.log((1 + relative_accuracy) / (1 - relative_accuracy))
        self.counts: dict[int, int] = {}
        self.count = 0
        self.min = math.inf
        self.max = 0.0

    def add(self, values: Sequence[float] | np.ndarray[Any, Any]) -> None:
        """Add durations (nanoseconds)."""
        # --8<-- [start:sketch_add]
        x = np.maximum(np.asarray(values, dtype=np.float64), 1.0)
        if x.size == 0:
            return
        index = np.ceil(np.log(x) / self._log_gamma).astype(np.int64)
        buckets, counts = np.unique(index, return_counts=True)
        for bucket, n in zip(buckets.tolist(), counts.tolist(), strict=True):
            self.counts[bucket] = self.counts.get(bucket, 0) + n
        self.count += int(x.size)
        self.min = min(self.min, float(x.min()))
        self.max = max(self.max, float(x.max()))
        # --8<-- [end:sketch_add]

    def quantile(self, q: float) -> float:
        """The ``q``-quantile (lower order statistic of rank ``q (n - 1)``), in nanoseconds.

        Raises:
            ValueError: ``q`` is outside [0, 1] or the sketch is empty.
        """
        if not 0 <= q <= 1:
            raise ValueError(f"q must be in [0, 1], got {q!r}")
        if self.count == 0:
            raise ValueError("quantile of an empty sketch")
        rank = math.floor(q * (self.count - 1))
        seen = 0
        for bucket in sorted(self.counts):
            seen += self.counts[bucket]
            if seen > rank:
                gamma = math.exp(self._log_gamma)
                return min(max(2 * gamma**bucket / (gamma + 1), self.min), self.max)
        raise AssertionError("unreachable: ranks are below count")  # pragma: no cover


@dataclass(frozen=True)
class ServiceStats:
    """Spans and errors (status code 2) of one service."""

    service: str
    spans: int
    errors: int

    @property
    def error_rate(self) -> float:
        """Errors per span."""
        return self.errors / self.spans if self.spans else 0.0


@dataclass(frozen=True)
class OperationLatency:
    """Latency percentiles of one operation (service and span name), in milliseconds."""

    service: str
    operation: str
    count: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float


@dataclass(frozen=True, order=True)
class SlowTrace:
    """One of the slowest traces: from its first span's start to its last span's end."""

    duration_ms: float
    trace_id: str
    spans: int
    root: str


@dataclass(frozen=True)
class Inspection:
    """What `inspect_traces` found.

    Attributes:
        files: the files read, in order.
        spans: spans read (duplicates included).
        traces: traces judged (a trace split by the window counts once per piece).
        invalid_spans: spans the reader flagged (empty ids, end before start).
        duplicate_spans: extra copies of a span id within a trace.
        orphans: spans whose parent is not in their trace.
        multi_root_traces: traces with more than one root span.
        rootless_traces: traces with no root span.
        parent_cycles: loops of parent pointers.
        skewed_spans: child spans whose times contradict causality with their parent's
            on another service's clock.
        split_traces: traces closed by a full window and seen again later (their
            pieces are judged separately, so their orphans may be artefacts).
        services: per service, most spans first.
        operations: per operation, slowest p99 first.
        slow_traces: the slowest traces, slowest first.
    """

    files: tuple[str, ...]
    spans: int
    traces: int
    invalid_spans: int
    duplicate_spans: int
    orphans: int
    multi_root_traces: int
    rootless_traces: int
    parent_cycles: int
    skewed_spans: int
    split_traces: int
    services: tuple[ServiceStats, ...] = field(default=())
    operations: tuple[OperationLatency, ...] = field(default=())
    slow_traces: tuple[SlowTrace, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (error rates included)."""
        out = asdict(self)
        out["files"] = list(self.files)
        out["services"] = [{**asdict(s), "error_rate": s.error_rate} for s in self.services]
        return out


class Inspector:
    """The streaming state of an inspection: add span tables, then call `result`.

    Args:
        window: most spans held in open traces before the least recently touched
            trace is closed and judged.
        top: how many of the slowest traces to keep.
        relative_accuracy: of the latency percentiles (see `LatencySketch`).
    """

    def __init__(
        self, *, window: int = 200_000, top: int = 10, relative_accuracy: float = 0.01
    ) -> None:
        for name, value in (("window", window), ("top", top)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        self.window, self.top, self.accuracy = window, top, relative_accuracy
        LatencySketch(relative_accuracy)  # validates
        self._open: OrderedDict[str, list[Row]] = OrderedDict()
        self._held = 0
        self._pending: list[tuple[str, list[Row]]] = []  # closed, not yet judged
        self._pending_spans = 0
        self._closed: set[str] = set()
        self._sketches: dict[tuple[str, str], LatencySketch] = {}
        self._errors: dict[tuple[str, str], int] = {}
        self._slow: list[SlowTrace] = []
        self._n = dict.fromkeys(
            ("spans", "traces", "invalid", "duplicates", "orphans", "multi", "rootless",
             "cycles", "skewed", "split"),
            0,
        )  # fmt: skip

    def add(self, table: SpanTable) -> None:
        """Account for one batch of spans."""
        self._add({name: table.column(name) for name in (*_COLUMNS, "flags")})

    def _add(self, cols: Mapping[str, list[Any]]) -> None:
        """`add` for columns by name (`_COLUMNS`; the inspection reads no others)."""
        trace_ids = cols["trace_id"]
        self._n["spans"] += len(trace_ids)
        self._n["invalid"] += sum(1 for found in cols["problems"] if found)
        self._latencies(cols)
        rows = zip(
            *(cols[name] for name in ("span_id", "parent_span_id", "service_name", "name")),
            *(cols[name] for name in ("kind", "start_time_unix_nano", "end_time_unix_nano")),
        )
        opened, closed, held = self._open, self._closed, self._held
        for trace_id, row in zip(trace_ids, rows, strict=True):
            spans = opened.get(trace_id)
            if spans is None:
                if trace_id in closed:
                    self._n["split"] += 1
                    closed.discard(trace_id)
                spans = opened[trace_id] = []
            else:
                opened.move_to_end(trace_id)
            spans.append(row)
            held += 1
            if held > self.window:
                self._held = held
                self._close_oldest()
                held = self._held
        self._held = held

    def _close_oldest(self) -> None:
        trace_id, spans = self._open.popitem(last=False)
        self._held -= len(spans)
        self._closed.add(trace_id)
        if len(self._closed) > self.window:  # forget one, to stay bounded
            self._closed.pop()
        self._close(trace_id, spans)

    def _close(self, trace_id: str, spans: list[Row]) -> None:
        """Queue a closed trace; queued traces are judged together, a few array operations."""
        self._pending.append((trace_id, spans))
        self._pending_spans += len(spans)
        if self._pending_spans >= min(_JUDGE_BATCH, self.window):  # memory: twice the window
            self._judge_pending()

    def _latencies(self, cols: Mapping[str, list[Any]]) -> None:
        arrays = {name: int_array(name, cols[name]) for name in _INT_NAMES if name in cols}
        durations = arrays["end_time_unix_nano"] - arrays["start_time_unix_nano"]
        errors = arrays["status_code"] == 2
        services, names = cols["service_name"], cols["name"]
        service_code, name_code = codes(services, names)
        _, first, group = np.unique(
            service_code * (int(name_code.max(initial=0)) + 1) + name_code,
            return_index=True,
            return_inverse=True,
        )
        order = np.argsort(group, kind="stable")
        bounds = np.searchsorted(group[order], np.arange(len(first) + 1))
        for i, a, b in zip(first.tolist(), bounds[:-1].tolist(), bounds[1:].tolist()):
            key = (services[i], names[i])
            sketch = self._sketches.get(key)
            if sketch is None:
                sketch = self._sketches[key] = LatencySketch(self.accuracy)
            rows = order[a:b]
            sketch.add(durations[rows])
            self._errors[key] = self._errors.get(key, 0) + int(errors[rows].sum())

    def _judge_pending(self) -> None:
        if not self._pending:
            return
        pending, self._pending, self._pending_spans = self._pending, [], 0
        found = judge_pieces([trace_id for trace_id, _ in pending], [s for _, s in pending])
        n = self._n
        n["traces"] += len(pending)
        n["duplicates"] += found.duplicates
        n["orphans"] += found.orphans
        n["multi"] += found.multi_root
        n["rootless"] += found.rootless
        n["cycles"] += found.cycles
        n["skewed"] += found.skewed
        for (trace_id, _), size, duration, root in zip(
            pending, found.spans, found.duration, found.root, strict=True
        ):
            label = f"{root[0]}: {root[1]}" if root is not None else "(no single root)"
            item = SlowTrace(duration / 1e6, trace_id, size, label)
            if len(self._slow) < self.top:
                heapq.heappush(self._slow, item)
            elif item > self._slow[0]:
                heapq.heapreplace(self._slow, item)

    def result(self, files: Sequence[str] = ()) -> Inspection:
        """Close every open trace and summarise (the inspector is then empty)."""
        while self._open:
            self._close(*self._open.popitem(last=False))
        self._judge_pending()
        self._held = 0
        services: dict[str, list[int]] = {}
        operations = []
        for (service, name), sketch in self._sketches.items():
            errors = self._errors[(service, name)]
            total = services.setdefault(service, [0, 0])
            total[0] += sketch.count
            total[1] += errors
            p50, p95, p99 = (sketch.quantile(q) / 1e6 for q in (0.5, 0.95, 0.99))
            operations.append(
                OperationLatency(
                    service, name, sketch.count, errors, p50, p95, p99, sketch.max / 1e6
                )
            )
        operations.sort(key=lambda o: (-o.p99_ms, o.service, o.operation))
        n = self._n
        return Inspection(
            files=tuple(files),
            spans=n["spans"],
            traces=n["traces"],
            invalid_spans=n["invalid"],
            duplicate_spans=n["duplicates"],
            orphans=n["orphans"],
            multi_root_traces=n["multi"],
            rootless_traces=n["rootless"],
            parent_cycles=n["cycles"],
            skewed_spans=n["skewed"],
            split_traces=n["split"],
            services=tuple(
                ServiceStats(s, c, e)
                for s, (c, e) in sorted(services.items(), key=lambda kv: (-kv[1][0], kv[0]))
            ),
            operations=tuple(operations),
            slow_traces=tuple(sorted(self._slow, reverse=True)),
        )


class _Counting:
    """A binary file whose reads report their size to a callback (for a progress bar)."""

    def __init__(self, path: Path, on_read: Callable[[int], None]) -> None:
        self.name = str(path)
        self._file: IO[bytes] = open(path, "rb")  # noqa: SIM115 - closed by the caller
        self._on_read = on_read

    def read(self, n: int = -1) -> bytes:
        data = self._file.read(n)
        self._on_read(len(data))
        return data

    def close(self) -> None:
        self._file.close()


def _batches(
    paths: Iterable[str | os.PathLike[str]],
    columns: tuple[str, ...],
    batch_size: int,
    on_read: Callable[[int], None] | None,
    files: list[str],
) -> Iterator[dict[str, list[Any]]]:
    """The named span columns of every file, batch by batch (see `iter_column_batches`)."""
    for path in iter_paths(paths):
        files.append(str(path))
        if on_read is None:
            yield from iter_column_batches(path, columns, batch_size=batch_size)
            continue
        source = _Counting(path, on_read)
        try:
            yield from iter_column_batches(cast(IO[bytes], source), columns, batch_size=batch_size)
        finally:
            source.close()


def inspect_traces(
    paths: Iterable[str | os.PathLike[str]],
    *,
    window: int = 200_000,
    top: int = 10,
    relative_accuracy: float = 0.01,
    batch_size: int = 10_000,
    on_read: Callable[[int], None] | None = None,
) -> Inspection:
    """Stream OTLP trace files (or directories of them) through an `Inspector`.

    Args:
        paths: files of any format `otlpkb.otlp.read_traces` reads, or directories.
        window: see `Inspector`.
        top: see `Inspector`.
        relative_accuracy: see `LatencySketch`.
        batch_size: spans decoded per batch.
        on_read: called with the number of bytes of every read (a progress bar).

    Raises:
        FileNotFoundError: a path does not exist.
        OTLPDecodeError: a file is not OTLP traces; the message names file and position.
    """
    inspector = Inspector(window=window, top=top, relative_accuracy=relative_accuracy)
    files: list[str] = []
    for columns in _batches(paths, _COLUMNS, batch_size, on_read, files):
        inspector._add(columns)
    return inspector.result(files)


def _any_value(value: object) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    return {"stringValue": str(value)}


def _kvs(attributes: Any) -> list[dict[str, Any]]:
    return [{"key": k, "value": _any_value(v)} for k, v in attributes.items()]


def otlp_json_lines(spans: Iterable[Span], *, per_line: int = 1_000) -> Iterator[str]:
    """OTLP/JSON lines (the Collector ``file`` exporter's ``format: json``) for ``spans``.

    Each line is one ``ExportTraceServiceRequest`` of up to ``per_line`` spans, with a
    ``resourceSpans`` element per service; attribute values other than bool, int and
    float are written as strings, and events and links are left out.

    Examples:
        >>> from otlpkb.otlp import Span, read_traces
        >>> span = Span("ab" * 16, "cd" * 8, "", "GET /", 2, 10, 25, 0, service_name="web")
        >>> line = next(otlp_json_lines([span]))
        >>> back = read_traces(line.encode())[0]
        >>> back.trace_id == span.trace_id, back.duration_nano, back.service_name
        (True, 15, 'web')
    """
    if not isinstance(per_line, int) or isinstance(per_line, bool) or per_line < 1:
        raise ValueError(f"per_line must be a positive int, got {per_line!r}")
    chunk: list[Span] = []
    for span in spans:
        chunk.append(span)
        if len(chunk) == per_line:
            yield _request_line(chunk)
            chunk = []
    if chunk:
        yield _request_line(chunk)


def _request_line(spans: list[Span]) -> str:
    groups: dict[str, list[dict[str, Any]]] = {}
    resources: dict[str, dict[str, Any]] = {}
    for s in spans:
        groups.setdefault(s.service_name, []).append(
            {
                "traceId": s.trace_id,
                "spanId": s.span_id,
                "parentSpanId": s.parent_span_id,
                "name": s.name,
                "kind": s.kind,
                "startTimeUnixNano": str(s.start_time_unix_nano),
                "endTimeUnixNano": str(s.end_time_unix_nano),
                "attributes": _kvs(s.attributes),
                "status": {"code": s.status_code, "message": s.status_message},
            }
        )
        resources.setdefault(
            s.service_name, {"service.name": s.service_name, **s.resource_attributes}
        )
    body = [
        {"resource": {"attributes": _kvs(resources[svc])}, "scopeSpans": [{"spans": items}]}
        for svc, items in groups.items()
    ]
    return json.dumps({"resourceSpans": body}, separators=(",", ":"))


_ENCODER = json.JSONEncoder(default=lambda b: b.hex(), ensure_ascii=False, sort_keys=True)
"""What ``json.dumps`` with these options builds on every call; built once."""


def _json(value: object) -> str:
    return _ENCODER.encode(value)


def _json_column(values: list[Any]) -> list[str]:
    """`_json` of each value, encoding an object shared by many spans only once.

    A resource's attributes are one dict for all its spans; the batch keeps it alive, so
    its ``id`` is not reused while the cache lives.
    """
    seen: dict[int, str] = {}
    out = []
    for value in values:
        text = seen.get(id(value))
        if text is None:
            text = seen[id(value)] = _json(value)
        out.append(text)
    return out


_PARQUET_SPAN_COLUMNS = tuple(c for c in PARQUET_COLUMNS if c != "duration_nano")


def write_parquet(
    paths: Iterable[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    batch_size: int = 65_536,
    on_read: Callable[[int], None] | None = None,
) -> int:
    """Write the spans of OTLP files to one Parquet file, one row group per batch.

    Returns:
        The number of spans written.

    Raises:
        ImportError: pyarrow is not installed (``pip install 'otlpkb[parquet]'``).
        FileNotFoundError, OTLPDecodeError: as `inspect_traces`.
    """
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - the test environment has pyarrow
        raise ImportError("Parquet export needs pyarrow: pip install 'otlpkb[parquet]'") from None
    string, int64, int32 = pa.string(), pa.int64(), pa.int32()
    schema = pa.schema(
        [(c, string) for c in PARQUET_COLUMNS[:4]]
        + [("kind", int32), ("service_name", string)]
        + [(c, int64) for c in PARQUET_COLUMNS[6:9]]
        + [("status_code", int32)]
        + [(c, string) for c in PARQUET_COLUMNS[10:]]
    )
    written = 0
    with pq.ParquetWriter(os.fspath(out), schema) as writer:
        for cols in _batches(paths, _PARQUET_SPAN_COLUMNS, batch_size, on_read, []):
            # --8<-- [start:arrow_batch]
            arrays: dict[str, Any] = {n: cols[n] for n in _PARQUET_SPAN_COLUMNS}
            for name in _INT_NAMES:  # checked as SpanTable.to_numpy checks them
                if name in arrays:
                    arrays[name] = int_array(name, arrays[name])
            start, end = arrays["start_time_unix_nano"], arrays["end_time_unix_nano"]
            arrays["duration_nano"] = end - start
            for name in ("attributes", "resource_attributes"):
                arrays[name] = _json_column(cols[name])
            writer.write_table(pa.table(arrays, schema=schema))
            # --8<-- [end:arrow_batch]
            written += len(cols["trace_id"])
    return written
