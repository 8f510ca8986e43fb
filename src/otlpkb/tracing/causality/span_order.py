"""The causal partial order of spans: parent/child, links and producer/consumer edges.

A span can only start after its parent started, a consumer after the producer whose
message it handles, a span after the spans it links to. `causal_order` builds that order
(`CausalOrder`): what the timestamps of spans on different clocks cannot be trusted with.

See the chapter *Causality and partial order* (3.3).

Examples:
    >>> from types import SimpleNamespace as S
    >>> a = S(trace_id="t", span_id="a", parent_span_id="", kind=2, links=[])
    >>> b = S(trace_id="t", span_id="b", parent_span_id="a", kind=3, links=[])
    >>> causal_order([a, b]).precedes(("t", "a"), ("t", "b"))
    True
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from otlpkb.otlp.spans import SpanLike

__all__ = ["CausalEdge", "CausalOrder", "SpanKey", "causal_order"]

_Reason = Literal["parent", "message", "link"]

PRODUCER, CONSUMER = 4, 5  # OTLP SpanKind values

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
    # --8<-- [start:order]
    records = list(spans)
    kind: dict[SpanKey, int] = {}
    for s in records:
        kind.setdefault((s.trace_id, s.span_id), s.kind)
    edges: list[CausalEdge] = []
    seen: set[tuple[SpanKey, SpanKey]] = set()

    def add(before: SpanKey, after: SpanKey, reason: _Reason) -> None:
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
