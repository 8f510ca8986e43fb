"""Clock skew between the hosts of a trace: detect it, inject it, adjust it.

`detect_clock_skew` finds parent/child pairs on different clocks whose timestamps break
causality; `adjust_clock_skew` shifts skewed subtrees back, with the smallest shift
(``"contain"``) or by centring the child in its parent as Jaeger's clock-skew adjuster
does (``"center"``); `inject_clock_skew` makes test data; `jaeger_host_key` is the clock
domain Jaeger uses. A clock domain of ``""`` means "unknown": such a span is judged
against its parent like a span on another clock, as Jaeger does.

See the chapter *Causality and partial order* (3.3).

Examples:
    >>> from types import SimpleNamespace as S
    >>> client = S(trace_id="t", span_id="c", parent_span_id="", kind=3, service_name="a",
    ...            start_time_unix_nano=100, end_time_unix_nano=200)
    >>> server = S(trace_id="t", span_id="s", parent_span_id="c", kind=2, service_name="b",
    ...            start_time_unix_nano=90, end_time_unix_nano=150)
    >>> [f.early_ns for f in detect_clock_skew([client, server])]
    [10]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast

from otlpkb.otlp.spans import SpanLike
from otlpkb.tracing.causality.span_order import SpanKey

__all__ = [
    "SkewAdjustment",
    "SkewFinding",
    "adjust_clock_skew",
    "detect_clock_skew",
    "inject_clock_skew",
    "jaeger_host_key",
]

SERVER, CLIENT = 2, 3  # OTLP SpanKind values
S = TypeVar("S", bound=SpanLike)


@dataclass(frozen=True)
class SkewFinding:
    """A child span whose timestamps contradict causality with its parent's.

    Attributes:
        trace_id: the trace.
        parent_span_id: the parent span.
        span_id: the child span.
        parent_clock: the parent's clock domain (by default its service).
        clock: the child's clock domain.
        relation: ``"rpc"`` for a CLIENT parent and a SERVER child (the child must lie
            inside the parent), ``"start"`` otherwise (the child must not start first).
        early_ns: how much too early the child starts (0 if not).
        late_ns: how much too late the child ends (0 if not, always 0 for ``"start"``).
        shift_ns: the smallest shift of the child (and of its subtree on its clock) that
            removes the violation against the parent's recorded times.
    """

    trace_id: str
    parent_span_id: str
    span_id: str
    parent_clock: str
    clock: str
    relation: Literal["rpc", "start"]
    early_ns: int
    late_ns: int
    shift_ns: int


def _window(
    parent_start: int, parent_end: int, child: SpanLike, parent_kind: int, min_latency_ns: int
) -> tuple[int, int | None, Literal["rpc", "start"]]:
    """Where the child must lie: ``[lo, hi]`` (``hi`` None: no bound on the end)."""
    if parent_kind == CLIENT and child.kind == SERVER:
        slack = (parent_end - parent_start) - (
            child.end_time_unix_nano - child.start_time_unix_nano
        )
        margin = min(min_latency_ns, max(0, slack // 2))
        return parent_start + margin, parent_end - margin, "rpc"
    return parent_start, None, "start"


def _smallest_shift(start: int, end: int, lo: int, hi: int | None) -> int:
    """The shift ``d`` of smallest ``|d|`` that puts ``[start + d, end + d]`` in ``[lo, hi]``.

    Shifts that work form the interval ``[lo - start, hi - end]``; the answer is 0 clipped
    into it. A child longer than the window cannot fit: then the shifts that make it cover
    the window, ``[hi - end, lo - start]``, are the least wrong, and 0 is clipped into those.
    """
    # --8<-- [start:shift]
    need_lo = lo - start
    if hi is None:
        return max(0, need_lo)
    need_hi = hi - end
    a, b = min(need_lo, need_hi), max(need_lo, need_hi)
    return min(max(0, a), b)
    # --8<-- [end:shift]


def _centre_shift(start: int, end: int, p_start: int, p_end: int) -> int:
    """Jaeger's shift, whatever the span kinds.

    None if the child fits; a child longer than the parent only must not start first;
    any other child is centred.
    """
    # --8<-- [start:centre]
    if end - start > p_end - p_start:
        return max(0, p_start - start)
    if start >= p_start and end <= p_end:
        return 0
    return p_start + ((p_end - p_start) - (end - start)) // 2 - start
    # --8<-- [end:centre]


def jaeger_host_key(span: SpanLike) -> str:
    """The clock domain Jaeger's clock-skew adjuster uses for a span.

    The resource's ``host.id``, else ``host.ip`` (a string, or the first of a list), else
    ``host.name``, else ``""`` (unknown). Pass it as ``clock=jaeger_host_key`` (spans
    need ``resource_attributes``, as ``otlpkb.otlp.Span`` has). Source: ``hostKey`` in
    Jaeger v2's ``cmd/query/app/querysvc/v2/adjuster/clockskew.go``; Jaeger v1 used the
    ``ip`` process tag.

    Examples:
        >>> from types import SimpleNamespace as S
        >>> jaeger_host_key(S(resource_attributes={"host.ip": ["10.0.0.7", "::1"],
        ...                                        "host.name": "web-1"}))
        '10.0.0.7'
    """
    attrs = getattr(span, "resource_attributes", None) or {}
    if "host.id" in attrs:
        return str(attrs["host.id"])
    ip = attrs.get("host.ip")
    if isinstance(ip, str):
        return ip
    if isinstance(ip, list | tuple) and ip:
        return str(ip[0])
    name = attrs.get("host.name")
    return name if isinstance(name, str) else ""


def _same_clock(a: str, b: str) -> bool:
    return a == b and a != ""  # an unknown clock ("") is never known to be the same


def _check_args(min_latency_ns: int, tolerance_ns: int) -> None:
    for name, value in (("min_latency_ns", min_latency_ns), ("tolerance_ns", tolerance_ns)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int, got {value!r}")
        if value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")


def _index(records: Sequence[S]) -> tuple[dict[SpanKey, S], dict[SpanKey, list[S]], list[S]]:
    """Spans by key (first wins), children lists, and roots (no parent in the set)."""
    by_key: dict[SpanKey, S] = {}
    for s in records:
        by_key.setdefault((s.trace_id, s.span_id), s)
    children: dict[SpanKey, list[S]] = {k: [] for k in by_key}
    roots: list[S] = []
    for key, s in by_key.items():
        pkey = (s.trace_id, s.parent_span_id)
        if s.parent_span_id and pkey in by_key and pkey != key:
            children[pkey].append(s)
        else:
            roots.append(s)
    return by_key, children, roots


def detect_clock_skew(
    spans: Iterable[SpanLike],
    *,
    tolerance_ns: int = 0,
    min_latency_ns: int = 0,
    clock: Callable[[SpanLike], str] | None = None,
) -> list[SkewFinding]:
    """Parent/child pairs on different clocks whose timestamps break causality.

    Only pairs on different clocks are judged: one clock cannot be skewed against itself.
    For a CLIENT (3) parent and a SERVER (2) child the server span must lie within
    ``[client.start + m, client.end - m]``, with ``m = min(min_latency_ns, slack / 2)``
    and ``slack`` the client's duration minus the server's (half the round trip if the
    network is symmetric). For any other pair (producer → consumer, internal, unknown
    kinds) the child only must not start before its parent.

    Args:
        spans: span records (one or several traces).
        tolerance_ns: ignore violations up to this size (timestamp granularity).
        min_latency_ns: the one-way network latency to allow on each side of an RPC.
        clock: maps a span to its clock domain; default ``service_name``. Jaeger uses the
            host: `jaeger_host_key`.

    Returns:
        Findings in trace, then input order.

    Raises:
        ValueError, TypeError: a bad ``tolerance_ns`` or ``min_latency_ns``.

    Examples:
        >>> from types import SimpleNamespace as S
        >>> client = S(trace_id="t", span_id="c", parent_span_id="", kind=3, service_name="a",
        ...            start_time_unix_nano=100, end_time_unix_nano=200)
        >>> server = S(trace_id="t", span_id="s", parent_span_id="c", kind=2, service_name="b",
        ...            start_time_unix_nano=90, end_time_unix_nano=150)
        >>> f, = detect_clock_skew([client, server])
        >>> f.relation, f.early_ns, f.late_ns, f.shift_ns
        ('rpc', 10, 0, 10)
    """
    _check_args(min_latency_ns, tolerance_ns)
    clock_of: Callable[[SpanLike], str] = clock or (lambda s: s.service_name)
    records = list(spans)
    by_key, _, _ = _index(records)
    found: list[SkewFinding] = []
    for s in by_key.values():
        parent = by_key.get((s.trace_id, s.parent_span_id)) if s.parent_span_id else None
        if parent is None or parent is s:
            continue
        pc, cc = clock_of(parent), clock_of(s)
        if _same_clock(pc, cc):
            continue
        lo, hi, relation = _window(
            parent.start_time_unix_nano,
            parent.end_time_unix_nano,
            s,
            parent.kind,
            min_latency_ns,
        )
        early = max(0, lo - s.start_time_unix_nano)
        late = 0 if hi is None else max(0, s.end_time_unix_nano - hi)
        if max(early, late) > tolerance_ns:
            shift = _smallest_shift(s.start_time_unix_nano, s.end_time_unix_nano, lo, hi)
            found.append(
                SkewFinding(
                    s.trace_id, parent.span_id, s.span_id, pc, cc, relation, early, late, shift
                )
            )
    return found


@dataclass(frozen=True)
class SkewAdjustment:
    """The result of `adjust_clock_skew`.

    Attributes:
        spans: adjusted copies, in input order (unchanged spans are the input objects).
        deltas: the shift applied to each span, ns, by ``(trace_id, span_id)``; only
            non-zero shifts are listed.
    """

    spans: list[Any]
    deltas: dict[SpanKey, int]


def _shifted(span: S, delta: int) -> S:
    if not delta:
        return span
    if not dataclasses.is_dataclass(span) or isinstance(span, type):
        raise TypeError(f"spans must be dataclass instances to be copied, got {type(span)!r}")
    changes: dict[str, Any] = {
        "start_time_unix_nano": span.start_time_unix_nano + delta,
        "end_time_unix_nano": span.end_time_unix_nano + delta,
    }
    events = getattr(span, "events", None)
    if events:
        changes["events"] = type(events)(
            dataclasses.replace(e, time_unix_nano=e.time_unix_nano + delta)
            if dataclasses.is_dataclass(e) and hasattr(e, "time_unix_nano")
            else e
            for e in events
        )
    return cast(S, dataclasses.replace(cast(Any, span), **changes))


def inject_clock_skew(spans: Iterable[S], service: str, delta_ns: int) -> list[S]:
    """Copies of ``spans`` with every timestamp of ``service``'s spans moved by ``delta_ns``.

    This is what a clock that is ``delta_ns`` ahead (positive) or behind does to the spans
    a service reports; use it to test detectors and adjusters on real traces.

    Raises:
        TypeError: ``delta_ns`` is not an int, or a span to shift is not a dataclass.

    Examples:
        >>> from dataclasses import dataclass
        >>> @dataclass(frozen=True)
        ... class Sp:
        ...     service_name: str; start_time_unix_nano: int; end_time_unix_nano: int
        >>> inject_clock_skew([Sp("a", 0, 5), Sp("b", 0, 5)], "b", 7)
        [Sp(service_name='a', start_time_unix_nano=0, end_time_unix_nano=5), \
Sp(service_name='b', start_time_unix_nano=7, end_time_unix_nano=12)]
    """
    if isinstance(delta_ns, bool) or not isinstance(delta_ns, int):
        raise TypeError(f"delta_ns must be an int, got {delta_ns!r}")
    return [_shifted(s, delta_ns) if s.service_name == service else s for s in spans]


def adjust_clock_skew(
    spans: Iterable[S],
    *,
    mode: Literal["contain", "center"] = "contain",
    min_latency_ns: int = 0,
    clock: Callable[[SpanLike], str] | None = None,
) -> SkewAdjustment:
    """Shift skewed spans so that children respect their parents again.

    Walks each trace from its roots (spans whose parent is absent keep their times).
    A child on the same clock as its parent inherits the parent's shift, since one clock
    has one error. A child on another (or an unknown, ``""``) clock gets its own shift,
    computed against the parent's *adjusted* times:

    * ``"contain"``: zero if it fits the window of `detect_clock_skew` (which depends
      on the span kinds), else the shift of smallest absolute value that makes it fit;
    * ``"center"``: Jaeger's rule (``calculateSkew`` in Jaeger v2's
      ``cmd/query/app/querysvc/v2/adjuster/clockskew.go``), whatever the span kinds:
      zero if the child lies within the parent; a child longer than the parent is only
      moved so as not to start before it; any other child is centred (network latency
      split evenly between request and response). ``min_latency_ns`` plays no part.

    Shifts move start, end and event times together; durations never change. The input is
    not modified: adjusted spans are copies made with `dataclasses.replace`.

    Args:
        spans: span records (dataclass instances, such as ``otlpkb.otlp.Span``).
        mode: ``"contain"`` (default) or ``"center"``.
        min_latency_ns: one-way latency to keep on each side of an RPC (see
            `detect_clock_skew`).
        clock: maps a span to its clock domain; default ``service_name``.

    Returns:
        The adjusted spans and the shifts.

    Raises:
        ValueError: unknown ``mode`` or a negative ``min_latency_ns``.
        TypeError: a span that needs shifting is not a dataclass instance.

    Examples:
        >>> from dataclasses import dataclass
        >>> @dataclass(frozen=True)
        ... class Sp:
        ...     trace_id: str; span_id: str; parent_span_id: str; kind: int
        ...     service_name: str; start_time_unix_nano: int; end_time_unix_nano: int
        >>> client = Sp("t", "c", "", 3, "a", 100, 200)
        >>> server = Sp("t", "s", "c", 2, "b", 90, 150)   # b's clock is 10+ ns behind
        >>> db = Sp("t", "d", "s", 3, "b", 95, 140)       # same clock: moves with s
        >>> adjust_clock_skew([client, server, db]).deltas
        {('t', 's'): 10, ('t', 'd'): 10}
        >>> adjust_clock_skew([client, server], mode="center").deltas
        {('t', 's'): 30}
    """
    if mode not in ("contain", "center"):
        raise ValueError(f"mode must be 'contain' or 'center', got {mode!r}")
    _check_args(min_latency_ns, 0)
    clock_of: Callable[[SpanLike], str] = clock or (lambda s: s.service_name)
    records = list(spans)
    by_key, children, roots = _index(records)
    delta: dict[SpanKey, int] = {}
    # --8<-- [start:adjust]
    stack: list[tuple[S, S | None]] = [(r, None) for r in reversed(roots)]
    while stack:
        span, parent = stack.pop()
        key = (span.trace_id, span.span_id)
        d = 0
        if parent is not None:
            pd = delta[(parent.trace_id, parent.span_id)]
            if _same_clock(clock_of(parent), clock_of(span)):
                d = pd
            else:
                p_start = parent.start_time_unix_nano + pd
                p_end = parent.end_time_unix_nano + pd
                start, end = span.start_time_unix_nano, span.end_time_unix_nano
                if mode == "center":
                    d = _centre_shift(start, end, p_start, p_end)
                else:
                    lo, hi, _ = _window(p_start, p_end, span, parent.kind, min_latency_ns)
                    fits = start >= lo and (hi is None or end <= hi)
                    d = 0 if fits else _smallest_shift(start, end, lo, hi)
        delta[key] = d
        stack.extend((c, span) for c in reversed(children[key]))
    # --8<-- [end:adjust]
    shifted = {k: _shifted(s, delta.get(k, 0)) for k, s in by_key.items()}  # loops: 0
    out = [
        shifted[(s.trace_id, s.span_id)] if by_key[(s.trace_id, s.span_id)] is s else s
        for s in records
    ]
    return SkewAdjustment(out, {k: d for k, d in delta.items() if d})
