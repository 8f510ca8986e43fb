"""Logical time: Lamport clocks, vector clocks and the happens-before relation.

`LamportClock` (Lamport 1978) and `VectorClock` / `VectorTimestamp` (Fidge 1988, Mattern
1988), and, for a message-passing execution given as per-process event lists,
`lamport_timestamps`, `vector_timestamps` and the happens-before relation by graph
reachability, `happens_before_pairs`.

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

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar, cast

__all__ = [
    "Event",
    "Execution",
    "LamportClock",
    "VectorClock",
    "VectorTimestamp",
    "concurrent",
    "happens_before",
    "happens_before_pairs",
    "lamport_timestamps",
    "vector_timestamps",
]


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
        # --8<-- [start:vector-merge]
        merged = dict(self._counts)
        for process, count in other._counts:
            merged[process] = max(merged.get(process, 0), count)
        return VectorTimestamp(merged)
        # --8<-- [end:vector-merge]

    def __le__(self, other: object) -> bool:
        if not isinstance(other, VectorTimestamp):
            return NotImplemented
        # --8<-- [start:vector-order]
        theirs = dict(other._counts)
        return all(count <= theirs.get(process, 0) for process, count in self._counts)
        # --8<-- [end:vector-order]

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


T_co = TypeVar("T_co", covariant=True)


class _Clock(Protocol[T_co]):
    def tick(self) -> T_co: ...

    def receive(self, timestamp: Any) -> T_co: ...


def _timestamps(execution: Execution, make_clock: Callable[[str], _Clock[T_co]]) -> dict[str, T_co]:
    """Replay ``execution`` with one clock per process; every event's timestamp."""
    # --8<-- [start:replay]
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
    # --8<-- [end:replay]


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
    # --8<-- [start:happens-before]
    names = [e.name for events in execution.values() for e in events]
    succ: dict[str, list[str]] = {name: [] for name in names}
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
    # --8<-- [end:happens-before]
