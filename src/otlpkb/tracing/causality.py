"""Causality of events and spans: logical clocks, the happens-before order, clock skew.

Spans carry wall-clock timestamps taken on different machines, and those clocks disagree.
Causality does not: a server cannot start handling a request before the client sent it.
This module has the two halves of that story:

* logical time: `LamportClock` (Lamport 1978) and `VectorClock` /
  `VectorTimestamp` (Fidge 1988, Mattern 1988), and, for a message-passing execution
  given as per-process event lists, `lamport_timestamps`, `vector_timestamps` and
  the happens-before relation by graph reachability, `happens_before_pairs`;
* spans: the causal partial order of the spans of a trace (`causal_order`, edges from
  parent/child, links and producer → consumer messages), clock-skew detection
  (`detect_clock_skew`) and the adjustment that restores containment with the
  smallest shift (`adjust_clock_skew`), in the manner of Jaeger's clock-skew adjuster.

See the chapter *Causality and partial order* (3.3).

Examples:
    >>> p, q = VectorClock("p"), VectorClock("q")
    >>> m = p.send()
    >>> q.tick()
    VectorTimestamp({'q': 1})
    >>> r = q.receive(m)
    >>> m.happens_before(r), r
    (True, VectorTimestamp({'p': 1, 'q': 2}))
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar, cast

from otlpkb.otlp.spans import SpanLike

__all__ = [
    "CausalEdge",
    "CausalOrder",
    "Event",
    "LamportClock",
    "SkewAdjustment",
    "SkewFinding",
    "VectorClock",
    "VectorTimestamp",
    "adjust_clock_skew",
    "causal_order",
    "concurrent",
    "detect_clock_skew",
    "happens_before",
    "happens_before_pairs",
    "inject_clock_skew",
    "lamport_timestamps",
    "vector_timestamps",
]

SERVER, CLIENT, PRODUCER, CONSUMER = 2, 3, 4, 5  # OTLP SpanKind values


# --8<-- [start:lamport]
class LamportClock:
    """A Lamport logical clock (Lamport 1978, rules IR1 and IR2).

    IR1: the clock ticks between any two events of a process. IR2: a message carries the
    sender's clock value ``T``; the receiver sets its clock past both its own value and
    ``T``. Then ``a → b`` (happens before) implies ``C(a) < C(b)``: the Clock Condition.
    The converse does not hold: concurrent events may have any order of timestamps.

    Examples:
        >>> p, q = LamportClock(), LamportClock(5)
        >>> t = p.send()
        >>> t, q.receive(t), p.receive(q.send())
        (1, 6, 8)
    """

    __slots__ = ("_time",)

    def __init__(self, time: int = 0) -> None:
        if isinstance(time, bool) or not isinstance(time, int):
            raise TypeError(f"time must be an int, got {time!r}")
        if time < 0:
            raise ValueError(f"time must be >= 0, got {time}")
        self._time = time

    @property
    def time(self) -> int:
        """The current clock value."""
        return self._time

    def tick(self) -> int:
        """A local event: advance the clock (IR1) and return the event's timestamp."""
        self._time += 1
        return self._time

    def send(self) -> int:
        """A send event: tick and return the timestamp the message carries (IR2a)."""
        return self.tick()

    def merge(self, timestamp: int) -> None:
        """Take the maximum of the local value and ``timestamp`` without ticking."""
        if isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
            raise ValueError(f"timestamp must be a non-negative int, got {timestamp!r}")
        self._time = max(self._time, timestamp)

    def receive(self, timestamp: int) -> int:
        """A receive event of a message stamped ``timestamp`` (IR2b): merge, then tick."""
        self.merge(timestamp)
        return self.tick()

    def __repr__(self) -> str:
        return f"LamportClock({self._time})"


# --8<-- [end:lamport]


# --8<-- [start:vector]
class VectorTimestamp:
    """An immutable vector timestamp: one counter per process (absent means 0).

    Vector timestamps are partially ordered componentwise: ``V ≤ W`` when every entry of
    ``V`` is at most the entry of ``W``, and ``V < W`` when moreover ``V ≠ W``. With the
    vector clock rules, ``a → b`` exactly when ``V(a) < V(b)`` (Fidge 1988, Mattern 1988),
    so two events are concurrent exactly when neither timestamp is below the other.
    ``<`` and ``<=`` are that partial order; ``sorted`` on vector timestamps is meaningless.

    Examples:
        >>> a, b = VectorTimestamp({"p": 1}), VectorTimestamp({"p": 1, "q": 2})
        >>> a < b, b < a, a.concurrent(VectorTimestamp({"q": 1}))
        (True, False, True)
    """

    __slots__ = ("_counts",)

    def __init__(self, counts: Mapping[str, int] | None = None) -> None:
        items: list[tuple[str, int]] = []
        for process, count in (counts or {}).items():
            if not isinstance(process, str):
                raise TypeError(f"process names must be str, got {process!r}")
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ValueError(f"counts[{process!r}] must be a non-negative int, got {count!r}")
            if count:
                items.append((process, count))
        self._counts: tuple[tuple[str, int], ...] = tuple(sorted(items))

    def __getitem__(self, process: str) -> int:
        return dict(self._counts).get(process, 0)

    def as_dict(self) -> dict[str, int]:
        """The non-zero entries."""
        return dict(self._counts)

    def merge(self, other: VectorTimestamp) -> VectorTimestamp:
        """The componentwise maximum (the least upper bound of the two)."""
        merged = dict(self._counts)
        for process, count in other._counts:
            merged[process] = max(merged.get(process, 0), count)
        return VectorTimestamp(merged)

    def __le__(self, other: object) -> bool:
        if not isinstance(other, VectorTimestamp):
            return NotImplemented
        theirs = dict(other._counts)
        return all(count <= theirs.get(process, 0) for process, count in self._counts)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, VectorTimestamp):
            return NotImplemented
        return self != other and self <= other

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, VectorTimestamp):
            return NotImplemented
        return other <= self

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, VectorTimestamp):
            return NotImplemented
        return other < self

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VectorTimestamp):
            return NotImplemented
        return self._counts == other._counts

    def __hash__(self) -> int:
        return hash(self._counts)

    def happens_before(self, other: VectorTimestamp) -> bool:
        """``self < other``: the event stamped ``self`` happened before ``other``'s."""
        return self < other

    def concurrent(self, other: VectorTimestamp) -> bool:
        """Neither event happened before the other (and they are different events)."""
        return self != other and not self <= other and not other <= self

    def __repr__(self) -> str:
        return f"VectorTimestamp({dict(self._counts)!r})"


class VectorClock:
    """The vector clock of one process.

    Rules: before every event the process increments its own entry; a send piggybacks the
    resulting timestamp; a receive first merges (componentwise maximum) the message's
    timestamp, then increments its own entry.

    Args:
        process: this process's name.
        start: an initial timestamp (default all zeros).

    Examples:
        >>> c = VectorClock("p2")
        >>> c.receive(VectorTimestamp({"p1": 2}))
        VectorTimestamp({'p1': 2, 'p2': 1})
    """

    __slots__ = ("_now", "process")

    def __init__(self, process: str, start: VectorTimestamp | None = None) -> None:
        if not isinstance(process, str) or not process:
            raise ValueError(f"process must be a non-empty str, got {process!r}")
        self.process = process
        self._now = start if start is not None else VectorTimestamp()

    @property
    def timestamp(self) -> VectorTimestamp:
        """The current value."""
        return self._now

    def tick(self) -> VectorTimestamp:
        """A local event: increment this process's entry; return the new timestamp."""
        counts = self._now.as_dict()
        counts[self.process] = counts.get(self.process, 0) + 1
        self._now = VectorTimestamp(counts)
        return self._now

    def send(self) -> VectorTimestamp:
        """A send event: tick; the result is the timestamp the message carries."""
        return self.tick()

    def merge(self, timestamp: VectorTimestamp) -> None:
        """Componentwise maximum with ``timestamp``, without ticking."""
        if not isinstance(timestamp, VectorTimestamp):
            raise TypeError(f"timestamp must be a VectorTimestamp, got {timestamp!r}")
        self._now = self._now.merge(timestamp)

    def receive(self, timestamp: VectorTimestamp) -> VectorTimestamp:
        """A receive event: merge the message's timestamp, then tick."""
        self.merge(timestamp)
        return self.tick()

    def __repr__(self) -> str:
        return f"VectorClock({self.process!r}, {self._now!r})"


def happens_before(a: VectorTimestamp, b: VectorTimestamp) -> bool:
    """``a → b`` judged by vector timestamps: ``a < b`` componentwise.

    Examples:
        >>> happens_before(VectorTimestamp({"p": 1}), VectorTimestamp({"p": 2}))
        True
    """
    return a < b


def concurrent(a: VectorTimestamp, b: VectorTimestamp) -> bool:
    """``a ∥ b``: different and neither happened before the other.

    Examples:
        >>> concurrent(VectorTimestamp({"p": 1}), VectorTimestamp({"q": 1}))
        True
    """
    return a.concurrent(b)


# --8<-- [end:vector]


@dataclass(frozen=True)
class Event:
    """One event of a process in a message-passing execution.

    Attributes:
        name: unique across the execution.
        kind: ``"local"``, ``"send"`` or ``"receive"``.
        message: the message id, for sends and receives. A message is sent by exactly one
            event and may be received by any number (a multicast); a receive of a message
            nobody sends is an error.
    """

    name: str
    kind: Literal["local", "send", "receive"] = "local"
    message: str | None = None


Execution = Mapping[str, Sequence[Event]]
"""Per-process event lists, each in the order the process executed them."""


def _validate(execution: Execution) -> dict[str, tuple[str, int]]:
    """Check an execution; return the sender ``(process, position)`` of every message."""
    if not isinstance(execution, Mapping):
        raise TypeError(f"execution must map process names to event lists, got {execution!r}")
    names: set[str] = set()
    sender: dict[str, tuple[str, int]] = {}
    received: set[str] = set()
    for process, events in execution.items():
        for i, event in enumerate(events):
            if not isinstance(event, Event):
                raise TypeError(f"execution[{process!r}][{i}] must be an Event, got {event!r}")
            if event.name in names:
                raise ValueError(f"event names must be unique, {event.name!r} repeats")
            names.add(event.name)
            if event.kind not in ("local", "send", "receive"):
                raise ValueError(
                    f"event {event.name!r}: kind must be local/send/receive, got {event.kind!r}"
                )
            if event.kind == "local":
                continue
            if event.message is None:
                raise ValueError(f"event {event.name!r}: a {event.kind} needs a message id")
            if event.kind == "send":
                if event.message in sender:
                    raise ValueError(f"message {event.message!r} is sent twice")
                sender[event.message] = (process, i)
            else:
                received.add(event.message)
    missing = sorted(received - sender.keys())
    if missing:
        raise ValueError(f"messages received but never sent: {missing}")
    return sender


def _replay(execution: Execution, visit: Callable[[str, Event], None]) -> None:
    """Visit the events in an order where every send precedes its receives."""
    _validate(execution)
    position = dict.fromkeys(execution, 0)
    sent: set[str] = set()
    remaining = sum(len(e) for e in execution.values())
    while remaining:
        progress = False
        for process, events in execution.items():
            i = position[process]
            while i < len(events):
                event = events[i]
                if event.kind == "receive" and event.message not in sent:
                    break
                visit(process, event)
                if event.kind == "send":
                    sent.add(cast(str, event.message))
                i += 1
                remaining -= 1
                progress = True
            position[process] = i
        if not progress:
            stuck = sorted(
                events[position[p]].name
                for p, events in execution.items()
                if position[p] < len(events)
            )
            raise ValueError(f"execution has a causal cycle: events {stuck} wait on each other")


# --8<-- [start:execution]
T_co = TypeVar("T_co", covariant=True)


class _Clock(Protocol[T_co]):
    def tick(self) -> T_co: ...

    def receive(self, timestamp: Any) -> T_co: ...


def _timestamps(execution: Execution, make_clock: Callable[[str], _Clock[T_co]]) -> dict[str, T_co]:
    """Replay ``execution`` with one clock per process; every event's timestamp."""
    clocks = {p: make_clock(p) for p in execution}
    stamp: dict[str, T_co] = {}
    sent: dict[str, T_co] = {}

    def visit(process: str, event: Event) -> None:
        clock = clocks[process]
        if event.kind == "receive":
            stamp[event.name] = clock.receive(sent[cast(str, event.message)])
        else:
            stamp[event.name] = clock.tick()
            if event.kind == "send":
                sent[cast(str, event.message)] = stamp[event.name]

    _replay(execution, visit)
    return {e.name: stamp[e.name] for events in execution.values() for e in events}


def lamport_timestamps(execution: Execution) -> dict[str, int]:
    """Lamport timestamps of every event of a message-passing execution.

    Each process runs a `LamportClock`; events are replayed in an order where
    every send comes before its receives.

    Raises:
        ValueError: duplicate event names, a message sent twice or never sent, or receives
            that wait on each other in a cycle.

    Examples:
        >>> ex = {"p": [Event("a", "send", "m")], "q": [Event("b"), Event("c", "receive", "m")]}
        >>> lamport_timestamps(ex)
        {'a': 1, 'b': 1, 'c': 2}
    """
    return _timestamps(execution, lambda _process: LamportClock())


def vector_timestamps(execution: Execution) -> dict[str, VectorTimestamp]:
    """Vector timestamps of every event of a message-passing execution.

    Examples:
        >>> ex = {"p": [Event("a", "send", "m")], "q": [Event("b"), Event("c", "receive", "m")]}
        >>> vector_timestamps(ex)["c"]
        VectorTimestamp({'p': 1, 'q': 2})
    """
    return _timestamps(execution, VectorClock)


def happens_before_pairs(execution: Execution) -> frozenset[tuple[str, str]]:
    """Lamport's happens-before relation, by reachability in the space-time graph.

    ``a → b`` when ``a`` precedes ``b`` on one process, or ``a`` sends a message that ``b``
    receives, or by transitivity. This is the definition; clocks are a way to compute it
    without the graph.

    Examples:
        >>> ex = {"p": [Event("a", "send", "m")], "q": [Event("b"), Event("c", "receive", "m")]}
        >>> sorted(happens_before_pairs(ex))
        [('a', 'c'), ('b', 'c')]
    """
    sender = _validate(execution)
    succ: dict[str, list[str]] = {e.name: [] for events in execution.values() for e in events}
    for events in execution.values():
        for e1, e2 in itertools.pairwise(events):
            succ[e1.name].append(e2.name)
        for e in events:
            if e.kind == "receive":
                p, i = sender[cast(str, e.message)]
                succ[execution[p][i].name].append(e.name)
    pairs: set[tuple[str, str]] = set()
    for a in succ:
        seen: set[str] = set()
        todo = list(succ[a])
        while todo:
            b = todo.pop()
            if b not in seen:
                seen.add(b)
                todo.extend(succ[b])
        if a in seen:
            raise ValueError(f"execution has a causal cycle through event {a!r}")
        pairs.update((a, b) for b in seen)
    return frozenset(pairs)


# --8<-- [end:execution]


S = TypeVar("S", bound=SpanLike)
SpanKey = tuple[str, str]
"""A span's identity: ``(trace_id, span_id)``."""


@dataclass(frozen=True)
class CausalEdge:
    """``before`` must start before ``after`` can start.

    Attributes:
        before: ``(trace_id, span_id)`` of the cause.
        after: ``(trace_id, span_id)`` of the effect.
        reason: ``"parent"`` (parent → child), ``"message"`` (a producer span linked from
            a consumer span, or the consumer's parent) or ``"link"`` (any other link).
    """

    before: SpanKey
    after: SpanKey
    reason: Literal["parent", "message", "link"]


# --8<-- [start:order]
class CausalOrder:
    """The causal partial order on the start events of a set of spans.

    A span can only start after its parent started; a consumer span after the producer
    whose message it handles; a span that links to another after that one started (OTLP
    links point at causes: a batch span links the spans that produced its items). The
    transitive closure of these edges is a strict partial order: two spans with no path
    between them are *concurrent*, whatever their timestamps say.

    Use `causal_order` to build one.
    """

    def __init__(self, nodes: Sequence[SpanKey], edges: Sequence[CausalEdge]) -> None:
        self.nodes: tuple[SpanKey, ...] = tuple(nodes)
        self.edges: tuple[CausalEdge, ...] = tuple(edges)
        self._succ: dict[SpanKey, list[SpanKey]] = {n: [] for n in self.nodes}
        for e in self.edges:
            self._succ[e.before].append(e.after)
        self._order = self._topological()
        self._desc: dict[SpanKey, frozenset[SpanKey]] = {}

    def _topological(self) -> list[SpanKey]:
        indeg = dict.fromkeys(self.nodes, 0)
        for e in self.edges:
            indeg[e.after] += 1
        ready = deque(n for n in self.nodes if indeg[n] == 0)
        order: list[SpanKey] = []
        while ready:
            n = ready.popleft()
            order.append(n)
            for m in self._succ[n]:
                indeg[m] -= 1
                if indeg[m] == 0:
                    ready.append(m)
        if len(order) != len(self.nodes):
            stuck = sorted(n for n in self.nodes if indeg[n] > 0)[:5]
            raise ValueError(
                f"spans have a causal cycle (malformed trace), e.g. among {stuck}; "
                "see otlpkb.tracing.cycles.parent_cycles"
            )
        return order

    def topological_order(self) -> list[SpanKey]:
        """The spans in an order compatible with causality (Kahn's algorithm)."""
        return list(self._order)

    def descendants(self, span: SpanKey) -> frozenset[SpanKey]:
        """Every span that causally follows ``span``."""
        if span not in self._succ:
            raise KeyError(f"unknown span {span!r}")
        if span not in self._desc:
            seen: set[SpanKey] = set()
            todo = list(self._succ[span])
            while todo:
                m = todo.pop()
                if m not in seen:
                    seen.add(m)
                    todo.extend(self._succ[m])
            self._desc[span] = frozenset(seen)
        return self._desc[span]

    def precedes(self, a: SpanKey, b: SpanKey) -> bool:
        """``a → b``: a chain of causal edges leads from ``a`` to ``b``."""
        return b in self.descendants(a)

    def concurrent(self, a: SpanKey, b: SpanKey) -> bool:
        """Different spans neither of which precedes the other."""
        return a != b and not self.precedes(a, b) and not self.precedes(b, a)


def causal_order(spans: Iterable[SpanLike]) -> CausalOrder:
    """The causal partial order of a set of spans (one trace or several linked ones).

    Edges: parent → child; for each link of span ``x`` to a span ``y`` present in the set,
    ``y → x``, labelled ``"message"`` when ``y`` is a PRODUCER (kind 4) and ``x`` a CONSUMER
    (kind 5), else ``"link"``; a parent → child edge between a producer and a consumer is
    labelled ``"message"`` too. Links to spans outside the set are ignored.

    Raises:
        ValueError: the edges form a cycle (a malformed trace).

    Examples:
        >>> from types import SimpleNamespace as S
        >>> def span(sid, parent="", kind=1, links=()):
        ...     return S(trace_id="t", span_id=sid, parent_span_id=parent, kind=kind,
        ...              links=[S(trace_id="t", span_id=x) for x in links])
        >>> order = causal_order([span("a"), span("p", "a", 4), span("b", "a"),
        ...                       span("c", "", 5, links=["p"])])
        >>> order.precedes(("t", "a"), ("t", "c")), order.concurrent(("t", "b"), ("t", "c"))
        (True, True)
    """
    records = list(spans)
    kind: dict[SpanKey, int] = {}
    for s in records:
        kind.setdefault((s.trace_id, s.span_id), s.kind)
    edges: list[CausalEdge] = []
    seen: set[tuple[SpanKey, SpanKey]] = set()

    def add(before: SpanKey, after: SpanKey, reason: Literal["parent", "message", "link"]) -> None:
        if (before, after) not in seen:
            seen.add((before, after))
            edges.append(CausalEdge(before, after, reason))

    for s in records:
        me = (s.trace_id, s.span_id)
        if s.parent_span_id and (s.trace_id, s.parent_span_id) in kind:
            parent = (s.trace_id, s.parent_span_id)
            pair = (kind[parent], s.kind) == (PRODUCER, CONSUMER)
            add(parent, me, "message" if pair else "parent")
        for link in s.links:
            cause = (link.trace_id, link.span_id)
            if cause in kind and cause != me:
                pair = (kind[cause], s.kind) == (PRODUCER, CONSUMER)
                add(cause, me, "message" if pair else "link")
    return CausalOrder(list(kind), edges)


# --8<-- [end:order]


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


# --8<-- [start:shift]
def _smallest_shift(start: int, end: int, lo: int, hi: int | None) -> int:
    """The shift ``d`` of smallest ``|d|`` that puts ``[start + d, end + d]`` in ``[lo, hi]``.

    Shifts that work form the interval ``[lo - start, hi - end]``; the answer is 0 clipped
    into it. A child longer than the window cannot fit: then the shifts that make it cover
    the window, ``[hi - end, lo - start]``, are the least wrong, and 0 is clipped into those.
    """
    need_lo = lo - start
    if hi is None:
        return max(0, need_lo)
    need_hi = hi - end
    a, b = min(need_lo, need_hi), max(need_lo, need_hi)
    return min(max(0, a), b)


# --8<-- [end:shift]


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
            host (for OTLP: ``lambda s: s.resource_attributes.get("host.name", "")``).

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
        if pc == cc:
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


# --8<-- [start:adjust]
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
    has one error. A child on another clock gets its own shift, computed against the
    parent's *adjusted* times: zero if it already fits the window of
    `detect_clock_skew`, else

    * ``"contain"``: the shift of smallest absolute value that makes it fit;
    * ``"center"``: the shift that centres it in the parent, Jaeger's rule (network
      latency split evenly between request and response); a child longer than the parent
      is only moved so as not to start before it.

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
    stack: list[tuple[S, S | None]] = [(r, None) for r in reversed(roots)]
    while stack:
        span, parent = stack.pop()
        key = (span.trace_id, span.span_id)
        d = 0
        if parent is not None:
            pd = delta[(parent.trace_id, parent.span_id)]
            if clock_of(parent) == clock_of(span):
                d = pd
            else:
                p_start = parent.start_time_unix_nano + pd
                p_end = parent.end_time_unix_nano + pd
                lo, hi, _ = _window(p_start, p_end, span, parent.kind, min_latency_ns)
                start, end = span.start_time_unix_nano, span.end_time_unix_nano
                fits = start >= lo and (hi is None or end <= hi)
                if fits:
                    d = 0
                elif mode == "contain" or hi is None:
                    d = _smallest_shift(start, end, lo, hi)
                elif end - start > hi - lo:  # Jaeger: too long to centre; do not start first
                    d = max(0, lo - start)
                else:
                    d = lo + ((hi - lo) - (end - start)) // 2 - start
        delta[key] = d
        stack.extend((c, span) for c in reversed(children[key]))
    shifted = {k: _shifted(s, delta.get(k, 0)) for k, s in by_key.items()}  # loops: 0
    out = [
        shifted[(s.trace_id, s.span_id)] if by_key[(s.trace_id, s.span_id)] is s else s
        for s in records
    ]
    return SkewAdjustment(out, {k: d for k, d in delta.items() if d})


# --8<-- [end:adjust]
