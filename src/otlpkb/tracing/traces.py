"""Trace assembly, self time, the critical path and latency summaries over span tables.

A trace is the set of spans sharing a trace id; parent ids make it a tree (a forest when
spans are missing). `assemble_traces` groups a `SpanTable` into
`Trace` objects and reports what real data gets wrong: several roots, orphans whose
parent never arrived, repeated span ids (OTLP retries deliver duplicates by design) and
spans caught in parent-pointer cycles. `self_times` subtracts from each span the union
of its children's intervals; `critical_path` walks back from the end of the root,
always descending into the last-finishing child that ends before the current point;
`latency_summary` aggregates durations and self time per service or operation.

See the chapter *Distributed tracing* (3.1).

Examples:
    >>> from otlpkb.otlp import Span
    >>> from otlpkb.tracing.traces import assemble_traces, critical_path, self_times
    >>> T = "0af7651916cd43dd8448eb211c80319c"
    >>> spans = [
    ...     Span(T, "a" * 16, "", "GET /", 2, 0, 100, 0),
    ...     Span(T, "b" * 16, "a" * 16, "auth", 3, 10, 30, 0),
    ...     Span(T, "c" * 16, "a" * 16, "query", 3, 20, 90, 0),
    ... ]
    >>> trace = assemble_traces(spans)[T]
    >>> trace.roots, trace.is_complete
    (('aaaaaaaaaaaaaaaa',), True)
    >>> self_times(trace)["a" * 16]      # 100 - |[10, 90]|
    20
    >>> [(s.span_id[0], s.start, s.end) for s in critical_path(trace)]
    [('a', 0, 20), ('c', 20, 90), ('a', 90, 100)]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from otlpkb.otlp import Span, SpanTable

__all__ = [
    "LatencySummary",
    "PathSegment",
    "Trace",
    "assemble_traces",
    "critical_path",
    "interval_union_length",
    "latency_summary",
    "self_times",
]


@dataclass(frozen=True)
class Trace:
    """The spans of one trace, linked into a forest.

    Attributes:
        trace_id: the shared trace id.
        spans: one span per distinct span id (the first copy seen), in input order.
        roots: ids of spans without a parent.
        orphans: ids of spans whose parent is not in the trace (lost, dropped or sampled out).
        duplicates: ids that occurred more than once (the extra copies are left out).
        unreachable: ids of spans on a parent-pointer cycle (or below one): no root or
            orphan leads to them.
        children: span id -> ids of its children, ordered by start time.
    """

    trace_id: str
    spans: tuple[Span, ...]
    roots: tuple[str, ...]
    orphans: tuple[str, ...]
    duplicates: tuple[str, ...]
    unreachable: tuple[str, ...]
    children: Mapping[str, tuple[str, ...]]

    @property
    def is_complete(self) -> bool:
        """One root, and no orphans, duplicates or unreachable spans."""
        return (
            len(self.roots) == 1
            and not self.orphans
            and not self.duplicates
            and not self.unreachable
        )

    @property
    def root(self) -> Span | None:
        """The root span if there is exactly one, else ``None``."""
        return self.span(self.roots[0]) if len(self.roots) == 1 else None

    def span(self, span_id: str) -> Span:
        """The span with id ``span_id``.

        Raises:
            KeyError: no span of this trace has that id.
        """
        index = self._index()
        if span_id not in index:
            raise KeyError(f"span_id {span_id!r} is not in trace {self.trace_id}")
        return self.spans[index[span_id]]

    def _index(self) -> dict[str, int]:
        cached: dict[str, int] | None = self.__dict__.get("_index_cache")
        if cached is None:
            cached = {s.span_id: i for i, s in enumerate(self.spans)}
            object.__setattr__(self, "_index_cache", cached)
        return cached

    def walk(self) -> list[tuple[Span, int]]:
        """Depth-first order (children by start time) from every root, then every orphan.

        Returns:
            (span, depth) pairs; unreachable spans are not included.
        """
        out: list[tuple[Span, int]] = []
        stack = [(sid, 0) for sid in reversed(self.roots + self.orphans)]
        while stack:
            sid, depth = stack.pop()
            out.append((self.span(sid), depth))
            stack.extend((c, depth + 1) for c in reversed(self.children.get(sid, ())))
        return out


def _assemble_one(trace_id: str, spans: list[Span]) -> Trace:
    unique: dict[str, Span] = {}
    duplicates: dict[str, None] = {}
    for span in spans:
        if span.span_id in unique:
            duplicates[span.span_id] = None
        else:
            unique[span.span_id] = span
    children: dict[str, list[Span]] = {}
    roots, orphans = [], []
    for span in unique.values():
        parent = span.parent_span_id
        if not parent:
            roots.append(span.span_id)
        elif parent not in unique:
            orphans.append(span.span_id)
        else:
            children.setdefault(parent, []).append(span)
    ordered = {
        pid: tuple(
            c.span_id for c in sorted(kids, key=lambda s: (s.start_time_unix_nano, s.span_id))
        )
        for pid, kids in children.items()
    }
    # Spans not reachable from a root or an orphan hang on a parent-pointer cycle.
    reached: set[str] = set()
    stack = roots + orphans
    while stack:
        sid = stack.pop()
        reached.add(sid)
        stack.extend(ordered.get(sid, ()))
    unreachable = tuple(sid for sid in unique if sid not in reached)
    return Trace(
        trace_id=trace_id,
        spans=tuple(unique.values()),
        roots=tuple(roots),
        orphans=tuple(orphans),
        duplicates=tuple(duplicates),
        unreachable=unreachable,
        children=ordered,
    )


def assemble_traces(spans: SpanTable | Iterable[Span]) -> dict[str, Trace]:
    """Group spans by trace id and link each group into a `Trace`.

    Args:
        spans: a span table or any iterable of `Span`.

    Returns:
        trace id -> trace, in order of first appearance.

    Raises:
        TypeError: an item is not a `Span`.
    """
    groups: dict[str, list[Span]] = {}
    for index, span in enumerate(spans):
        if not isinstance(span, Span):
            raise TypeError(f"spans[{index}] must be a Span, got {type(span).__name__}")
        groups.setdefault(span.trace_id, []).append(span)
    return {tid: _assemble_one(tid, group) for tid, group in groups.items()}


def interval_union_length(intervals: Iterable[tuple[int, int]], lo: int, hi: int) -> int:
    """The total length of the union of ``intervals`` after clipping each to ``[lo, hi]``.

    Examples:
        >>> interval_union_length([(0, 5), (3, 8), (20, 30)], 0, 25)
        13
    """
    clipped = sorted((max(a, lo), min(b, hi)) for a, b in intervals)
    total, cursor = 0, lo
    for a, b in clipped:
        if b <= a:
            continue
        a = max(a, cursor)
        if b > a:
            total += b - a
            cursor = b
    return total


def self_times(trace: Trace) -> dict[str, int]:
    """Self time of every span: its duration minus the union of its children's intervals.

    Children are clipped to the parent's interval, so a child that outlives its parent
    (asynchronous work, clock skew) cannot make self time negative. A span with a negative
    duration gets self time 0.

    Returns:
        span id -> self time in ns, for every span of the trace.
    """
    # --8<-- [start:self_time]
    out: dict[str, int] = {}
    for span in trace.spans:
        start, end = span.start_time_unix_nano, span.end_time_unix_nano
        if end <= start:
            out[span.span_id] = 0
            continue
        kids = [trace.span(c) for c in trace.children.get(span.span_id, ())]
        busy = interval_union_length(
            ((k.start_time_unix_nano, k.end_time_unix_nano) for k in kids), start, end
        )
        out[span.span_id] = end - start - busy
    return out
    # --8<-- [end:self_time]


@dataclass(frozen=True, slots=True)
class PathSegment:
    """A stretch ``[start, end)`` of the critical path spent in span ``span_id``'s own work."""

    span_id: str
    start: int
    end: int

    @property
    def duration_nano(self) -> int:
        """``end - start``."""
        return self.end - self.start


def critical_path(
    trace: Trace, root: str | None = None, *, strict: bool = False
) -> list[PathSegment]:
    """The critical path of ``trace``: who was working at each instant of the root's span.

    Jaeger's construction (jaeger-ui, ``CriticalPath/index.tsx`` and
    ``utils/findLastFinishingChildSpan.tsx``): starting at the end of the root, take the
    child that finishes last, give the gap after it to the parent, descend into it
    (recursively), and continue from its start with the child that finishes last among
    those finishing no later than that start. Children overlapping the chosen one are off
    the path. Every child is first clipped to its parent's interval.

    The one difference from Jaeger is a tie: a child that ends exactly when the chosen one
    starts (back-to-back sequential calls) is on the path here, because the parent was
    waiting for it; Jaeger UI requires it to end *strictly* before and gives that time to
    the parent. ``strict=True`` applies Jaeger's rule, to reproduce its output.

    Args:
        trace: an assembled trace.
        root: the span id to start from; by default the trace's single root.
        strict: Jaeger UI's tie rule (see above); default ``False``.

    Returns:
        Segments in time order. They tile the root's interval: consecutive, non-empty,
        summing to the root's duration.

    Raises:
        ValueError: ``root`` is not given and the trace has no single root.
        KeyError: ``root`` is not a span of the trace.
    """
    if root is None:
        if len(trace.roots) != 1:
            raise ValueError(
                f"trace {trace.trace_id} has {len(trace.roots)} roots; pass root= explicitly"
            )
        root = trace.roots[0]
    top = trace.span(root)
    # --8<-- [start:critical_path]
    reverse: list[PathSegment] = []  # filled from the end of the root backwards
    start = top.start_time_unix_nano
    stack: list[PathSegment | tuple[str, int, int]] = [
        (root, start, max(start, top.end_time_unix_nano))
    ]
    while stack:
        item = stack.pop()
        if isinstance(item, PathSegment):
            reverse.append(item)
            continue
        sid, lo, hi = item
        kids = []
        for cid in trace.children.get(sid, ()):
            child = trace.span(cid)
            a = max(child.start_time_unix_nano, lo)
            b = min(child.end_time_unix_nano, hi)
            if b > a:
                kids.append((b, a, cid))
        kids.sort(reverse=True)  # last-finishing first
        plan: list[PathSegment | tuple[str, int, int]] = []
        point = hi
        for end, start, cid in kids:
            if end > point or (strict and end == point < hi):  # Jaeger: strictly before
                continue
            if point > end:
                plan.append(PathSegment(sid, end, point))
            plan.append((cid, start, end))
            point = start
        if point > lo:
            plan.append(PathSegment(sid, lo, point))
        stack.extend(reversed(plan))
    return reverse[::-1]
    # --8<-- [end:critical_path]


@dataclass(frozen=True, slots=True)
class LatencySummary:
    """Latency statistics of one group of spans (a service or an operation).

    Durations are in milliseconds; quantiles use linear interpolation (numpy's default).
    """

    key: str
    count: int
    errors: int
    mean_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    self_ms: float


def _grouped_quantile(
    sorted_values: npt.NDArray[np.float64],
    starts: npt.NDArray[np.int64],
    counts: npt.NDArray[np.int64],
    q: float,
) -> npt.NDArray[np.float64]:
    pos = q * (counts - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, counts - 1)
    frac = pos - lo
    a = sorted_values[starts + lo]
    b = sorted_values[starts + hi]
    return np.asarray(a + (b - a) * frac, dtype=np.float64)


def latency_summary(
    spans: SpanTable | Sequence[Span],
    *,
    by: Literal["service", "operation"] = "service",
) -> list[LatencySummary]:
    """Per-service or per-operation span latency: count, errors, mean, p50/p95/p99, max, self.

    Self time is computed per trace (`self_times`); ``self_ms`` is the group's total.
    Operations are keyed ``"service: name"``. Rows are sorted by total self time, largest
    first.

    Raises:
        ValueError: ``by`` is neither ``"service"`` nor ``"operation"``.
    """
    if by not in ("service", "operation"):
        raise ValueError(f"by must be 'service' or 'operation', got {by!r}")
    table = spans if isinstance(spans, SpanTable) else SpanTable.from_spans(spans)
    if len(table) == 0:
        return []
    self_by_id: dict[tuple[str, str], int] = {}
    for trace in assemble_traces(table).values():
        for sid, value in self_times(trace).items():
            self_by_id[(trace.trace_id, sid)] = value
    services = table.column("service_name")
    names = table.column("name")
    keys = (
        services if by == "service" else [f"{s}: {n}" for s, n in zip(services, names, strict=True)]
    )
    cols = table.to_numpy()
    durations = cols["duration_nano"].astype(np.float64) / 1e6
    errors = (cols["status_code"] == 2).astype(np.int64)
    self_ms = (
        np.array(
            [
                self_by_id.get((t, s), 0)
                for t, s in zip(table.column("trace_id"), table.column("span_id"), strict=True)
            ],
            dtype=np.float64,
        )
        / 1e6
    )
    # --8<-- [start:summary]
    uniq, group = np.unique(np.array(keys, dtype=str), return_inverse=True)
    order = np.lexsort((durations, group))
    sorted_durations = durations[order]
    counts = np.bincount(group, minlength=len(uniq)).astype(np.int64)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    sums = np.bincount(group, weights=durations, minlength=len(uniq))
    self_sums = np.bincount(group, weights=self_ms, minlength=len(uniq))
    error_counts = np.bincount(group, weights=errors, minlength=len(uniq)).astype(np.int64)
    quantiles = {
        q: _grouped_quantile(sorted_durations, starts, counts, q) for q in (0.5, 0.95, 0.99)
    }
    maxima = sorted_durations[starts + counts - 1]
    # --8<-- [end:summary]
    rows = [
        LatencySummary(
            key=str(uniq[g]),
            count=int(counts[g]),
            errors=int(error_counts[g]),
            mean_ms=float(sums[g] / counts[g]),
            p50_ms=float(quantiles[0.5][g]),
            p95_ms=float(quantiles[0.95][g]),
            p99_ms=float(quantiles[0.99][g]),
            max_ms=float(maxima[g]),
            self_ms=float(self_sums[g]),
        )
        for g in range(len(uniq))
    ]
    rows.sort(key=lambda r: (-r.self_ms, r.key))
    return rows
