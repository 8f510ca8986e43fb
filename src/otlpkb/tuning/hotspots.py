r"""Where the time goes: hotspots, RED metrics and robust outliers from spans.

The reference implementation of the chapter *Identifying problems* (6.1), on top of the
trace analyses of `otlpkb.tracing.traces` (chapter 3.1):

* `hotspots`: per operation (or service), the total *self time* (a span's duration
  minus the time covered by its children) and the *critical-path contribution* (the
  time the operation's own work lies on the critical path of its trace), each with its
  share of the total;
* `red_metrics`: Rate, Errors and Duration per operation (or service) from the spans
  that serve requests (server and consumer spans by default): requests per second over
  the observed window, error count and ratio, and duration percentiles;
* `mad`, `robust_z` and `span_outliers`: robust outliers by the median and the median
  absolute deviation (MAD) scaled by 1.4826, the constant that makes the MAD estimate
  the standard deviation of normal data ($1/\Phi^{-1}(3/4) = 1.482602\ldots$).

Every function takes a `otlpkb.otlp.SpanTable` or any sequence of `otlpkb.otlp.Span` and
returns plain dataclasses, so other commands (``otlpkb inspect``) can reuse them.

See the chapter *Identifying problems* (6.1).

Examples:
    >>> from otlpkb.otlp import Span
    >>> T = "0af7651916cd43dd8448eb211c80319c"
    >>> spans = [
    ...     Span(T, "a" * 16, "", "GET /", 2, 0, 100_000_000, 0, service_name="web"),
    ...     Span(T, "b" * 16, "a" * 16, "query", 3, 10_000_000, 90_000_000, 0,
    ...          service_name="db"),
    ... ]
    >>> [(h.key, h.self_ms, h.critical_ms) for h in hotspots(spans)]
    [('db: query', 80.0, 80.0), ('web: GET /', 20.0, 20.0)]
    >>> round(mad([1.0, 2.0, 3.0, 4.0, 100.0]), 4)
    1.4826
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from otlpkb.otlp import Span, SpanTable
from otlpkb.tracing.traces import assemble_traces, critical_path, latency_summary, self_times

__all__ = [
    "MAD_SCALE",
    "Hotspot",
    "Outlier",
    "RedMetrics",
    "hotspots",
    "mad",
    "red_metrics",
    "robust_z",
    "span_outliers",
]

FloatArray = npt.NDArray[np.float64]
By = Literal["service", "operation"]

#: $1/\Phi^{-1}(3/4)$: scales the MAD into a consistent estimator of the standard deviation
#: of normally distributed data.
MAD_SCALE = 1.482602218505602


def _table(spans: SpanTable | Iterable[Span]) -> SpanTable:
    if isinstance(spans, SpanTable):
        return spans
    items = list(spans)
    for i, span in enumerate(items):
        if not isinstance(span, Span):
            raise TypeError(f"spans[{i}] must be a Span, got {type(span).__name__}")
    return SpanTable.from_spans(items)


def _by(by: str) -> None:
    if by not in ("service", "operation"):
        raise ValueError(f"by must be 'service' or 'operation', got {by!r}")


def _key(span: Span, by: By) -> str:
    return span.service_name if by == "service" else f"{span.service_name}: {span.name}"


@dataclass(frozen=True)
class Hotspot:
    """The time one operation (or service) accounts for, summed over all traces.

    Attributes:
        key: ``"service: name"`` (or the service).
        spans: number of spans.
        self_ms: total self time (duration minus children's coverage), ms.
        self_share: ``self_ms`` over the self time of all spans (all self times add up to
            the roots' durations in complete traces).
        critical_ms: total time of this operation's own work on the critical paths, ms.
        critical_share: ``critical_ms`` over the summed duration of the critical paths.
    """

    key: str
    spans: int
    self_ms: float
    self_share: float
    critical_ms: float
    critical_share: float


def hotspots(spans: SpanTable | Iterable[Span], *, by: By = "operation") -> list[Hotspot]:
    """Rank operations (or services) by their contribution to end-to-end latency.

    Self time says where spans burn time without waiting on a child; the critical path
    of a trace says which of that time the end-to-end latency actually waited for
    (work that overlaps a longer sibling is off the path). Traces without a single root
    contribute self time only.

    Args:
        spans: a span table or any iterable of spans.
        by: ``"operation"`` (key ``"service: name"``) or ``"service"``.

    Returns:
        One `Hotspot` per key, largest critical-path contribution first (then self time,
        then key).

    Raises:
        ValueError: an unknown ``by``.
        TypeError: an item that is not a `Span`.
    """
    _by(by)
    table = _table(spans)
    counts: dict[str, int] = {}
    own: dict[str, float] = {}
    on_path: dict[str, float] = {}
    # --8<-- [start:hotspots]
    for trace in assemble_traces(table).values():
        keys = {s.span_id: _key(s, by) for s in trace.spans}
        for span_id, ns in self_times(trace).items():
            key = keys[span_id]
            counts[key] = counts.get(key, 0) + 1
            own[key] = own.get(key, 0.0) + ns / 1e6
        if len(trace.roots) == 1:
            for segment in critical_path(trace):
                key = keys[segment.span_id]
                on_path[key] = on_path.get(key, 0.0) + segment.duration_nano / 1e6
    # --8<-- [end:hotspots]
    total_self = sum(own.values()) or 1.0
    total_path = sum(on_path.values()) or 1.0
    rows = [
        Hotspot(
            key=key,
            spans=counts[key],
            self_ms=own[key],
            self_share=own[key] / total_self,
            critical_ms=on_path.get(key, 0.0),
            critical_share=on_path.get(key, 0.0) / total_path,
        )
        for key in own
    ]
    rows.sort(key=lambda h: (-h.critical_ms, -h.self_ms, h.key))
    return rows


@dataclass(frozen=True)
class RedMetrics:
    """Rate, errors and duration of the requests one operation (or service) served.

    Attributes:
        key: ``"service: name"`` (or the service).
        requests: number of request spans.
        rate: requests per second over the observed window (``nan`` if it is empty).
        errors: spans with status ERROR.
        error_ratio: ``errors / requests``.
        p50_ms: median duration, ms.
        p95_ms: 95th percentile of duration, ms.
        p99_ms: 99th percentile of duration, ms.
        max_ms: longest duration, ms.
    """

    key: str
    requests: int
    rate: float
    errors: int
    error_ratio: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float


def red_metrics(
    spans: SpanTable | Iterable[Span],
    *,
    by: By = "operation",
    kinds: Sequence[int] | None = (2, 5),
    window_s: float | None = None,
) -> list[RedMetrics]:
    """RED metrics per operation (or service), computed from spans.

    A request is a span of one of ``kinds`` (default server and consumer spans: the
    work a service does for a caller; ``None`` counts every span). Percentiles are
    numpy's linear interpolation (`otlpkb.tracing.traces.latency_summary`). The window
    is the time from the first span's start to the last span's end unless given: spans
    are a sample in time, and the rate is their count over that span of time.

    Args:
        spans: a span table or any iterable of spans.
        by: ``"operation"`` or ``"service"``.
        kinds: span kinds that count as requests, or ``None`` for all.
        window_s: observation window in seconds (> 0), instead of the spans' extent.

    Returns:
        One `RedMetrics` per key, most requests first (then key).

    Raises:
        ValueError: an unknown ``by`` or a non-positive window.

    Examples:
        >>> from otlpkb import datasets, otlp
        >>> table = otlp.read_traces(datasets.path("otlp/jaeger/otel_traces_01.json"))
        >>> [(r.key.split("-")[-1], r.requests, r.errors) for r in red_metrics(table)]
        [('2', 1, 1), ('5', 1, 1)]
    """
    _by(by)
    if window_s is not None and not (np.isfinite(window_s) and window_s > 0):
        raise ValueError(f"window_s must be a finite number > 0, got {window_s!r}")
    table = _table(spans)
    requests = [s for s in table if kinds is None or s.kind in kinds]
    if not requests:
        return []
    # --8<-- [start:red]
    if window_s is None:
        cols = table.to_numpy()
        extent = int(cols["end_time_unix_nano"].max() - cols["start_time_unix_nano"].min())
        window_s = extent / 1e9 if extent > 0 else None
    rows = [
        RedMetrics(
            key=row.key,
            requests=row.count,
            rate=row.count / window_s if window_s else float("nan"),
            errors=row.errors,
            error_ratio=row.errors / row.count,
            p50_ms=row.p50_ms,
            p95_ms=row.p95_ms,
            p99_ms=row.p99_ms,
            max_ms=row.max_ms,
        )
        for row in latency_summary(requests, by=by)
    ]
    # --8<-- [end:red]
    rows.sort(key=lambda r: (-r.requests, r.key))
    return rows


def _values(values: npt.ArrayLike) -> FloatArray:
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1 or len(x) == 0:
        raise ValueError(f"values must be a non-empty 1-D sequence, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("values must be finite")
    return x


def mad(values: npt.ArrayLike, *, scale: float = MAD_SCALE) -> float:
    r"""The median absolute deviation, scaled: ``scale * median(|x - median(x)|)``.

    With the default scale, `MAD_SCALE` $= 1/\Phi^{-1}(3/4) \approx 1.4826$, it
    estimates the standard deviation of normal data while one wild value (a GC pause, a
    retry storm) barely moves it; ``scale=1`` gives the raw MAD.

    Args:
        values: a non-empty 1-D sequence of finite numbers.
        scale: the consistency constant.

    Returns:
        The scaled MAD.

    Raises:
        ValueError: an empty or non-finite input.
    """
    x = _values(values)
    return float(scale * np.median(np.abs(x - np.median(x))))


def robust_z(values: npt.ArrayLike) -> FloatArray:
    r"""Robust z-scores: $(x - \operatorname{median}(x)) / (1.4826\,\mathrm{MAD})$.

    Values equal to the median score 0; when more than half of the values are equal the
    MAD is 0 and every other value scores $\pm\infty$.

    Args:
        values: a non-empty 1-D sequence of finite numbers.

    Returns:
        One score per value.

    Examples:
        >>> robust_z([10.0, 11.0, 9.0, 10.0, 30.0]).round(2).tolist()
        [0.0, 0.67, -0.67, 0.0, 13.49]
    """
    x = _values(values)
    center = np.median(x)
    spread = MAD_SCALE * np.median(np.abs(x - center))
    # --8<-- [start:robust_z]
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (x - center) / spread
    return np.where(x == center, 0.0, z)
    # --8<-- [end:robust_z]


@dataclass(frozen=True)
class Outlier:
    """A span much slower (or faster) than its peers.

    Attributes:
        key: the group (``"service: name"`` or the service).
        trace_id: the span's trace.
        span_id: the span.
        duration_ms: its duration.
        median_ms: the group's median duration.
        z: its robust z-score within the group.
    """

    key: str
    trace_id: str
    span_id: str
    duration_ms: float
    median_ms: float
    z: float


def span_outliers(
    spans: SpanTable | Iterable[Span],
    *,
    by: By = "operation",
    threshold: float = 3.5,
    min_group: int = 5,
) -> list[Outlier]:
    r"""Spans whose duration is a robust outlier within their operation (or service).

    A span is reported when $|z| >$ ``threshold`` with $z$ from `robust_z` over the
    durations of its group. 3.5 is the cut-off Iglewicz and Hoaglin recommend for their
    modified z-score ($0.6745\,(x - \tilde x)/\mathrm{MAD}$, the same score). Groups with
    fewer than ``min_group`` spans are skipped: a median of three is no baseline.

    Args:
        spans: a span table or any iterable of spans.
        by: ``"operation"`` or ``"service"``.
        threshold: the $|z|$ cut-off, > 0.
        min_group: the smallest group that is scored, >= 3.

    Returns:
        The outliers, largest $|z|$ first.

    Raises:
        ValueError: an unknown ``by`` or a bad threshold or group size.
    """
    _by(by)
    if not (np.isfinite(threshold) and threshold > 0):
        raise ValueError(f"threshold must be a finite number > 0, got {threshold!r}")
    if isinstance(min_group, bool) or not isinstance(min_group, int) or min_group < 3:
        raise ValueError(f"min_group must be an int >= 3, got {min_group!r}")
    groups: dict[str, list[Span]] = {}
    for span in _table(spans):
        groups.setdefault(_key(span, by), []).append(span)
    found: list[Outlier] = []
    for key, members in groups.items():
        if len(members) < min_group:
            continue
        ms = np.array([s.duration_nano for s in members], dtype=np.float64) / 1e6
        z = robust_z(ms)
        median = float(np.median(ms))
        found.extend(
            Outlier(key, s.trace_id, s.span_id, float(ms[i]), median, float(z[i]))
            for i, s in enumerate(members)
            if abs(z[i]) > threshold
        )
    found.sort(key=lambda o: (-abs(o.z), o.key, o.span_id))
    return found
