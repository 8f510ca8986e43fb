"""Cycles in service call graphs and in malformed traces.

A trace is a tree: every span names at most one parent, and parent pointers never loop.
The *service call graph* built from many traces is not a tree: service A calls B and B
calls A back, a retry loops between two proxies, a misconfigured propagator makes a
service its own ancestor. This module finds those loops:

* `service_call_graph` aggregates parent → child span pairs into edges between
  services, weighted by calls and errors;
* `strongly_connected_components` is Tarjan's algorithm (1972), iterative, over
  integer-indexed CSR adjacency arrays, so a path of a million nodes needs no recursion;
  `scc_labels` is the same algorithm on arrays you already hold;
* `elementary_cycles` is Johnson's algorithm (1975), iterative, with a bound on the
  number of cycles returned (a complete digraph on *n* nodes has more than *(n-1)!* of them);
* `parent_cycles` finds parent-pointer loops inside a trace (span A's parent is B and
  B's parent is A), which make any recursive trace walker spin forever.

See the chapter *Cycle detection* (3.2).

Examples:
    >>> [sorted(c) for c in strongly_connected_components([("a", "b"), ("b", "a"), ("b", "c")])]
    [['c'], ['a', 'b']]
    >>> elementary_cycles([("a", "b"), ("b", "a"), ("b", "c"), ("c", "a")])
    [('a', 'b'), ('a', 'b', 'c')]
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from otlpkb.otlp.spans import SpanLike

__all__ = [
    "CallGraph",
    "ParentCycle",
    "elementary_cycles",
    "parent_cycles",
    "scc_labels",
    "service_call_graph",
    "strongly_connected_components",
]

H = TypeVar("H", bound=Hashable)

STATUS_CODE_ERROR = 2
"""``Status.code`` of a failed span in OTLP (``STATUS_CODE_ERROR``)."""


@dataclass(frozen=True)
class CallGraph:
    """A service call graph: one edge per (caller, callee) pair of services.

    Attributes:
        nodes: every service seen, sorted (also those with no edge).
        calls: number of parent → child span pairs per ``(caller, callee)``.
        errors: how many of those child spans have ``status_code == 2``.
    """

    nodes: tuple[str, ...]
    calls: dict[tuple[str, str], int] = field(default_factory=dict)
    errors: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def edges(self) -> list[tuple[str, str]]:
        """The edges, sorted."""
        return sorted(self.calls)

    def error_rate(self, caller: str, callee: str) -> float:
        """Fraction of calls from ``caller`` to ``callee`` that failed.

        Raises:
            KeyError: there is no such edge.
        """
        edge = (caller, callee)
        if edge not in self.calls:
            raise KeyError(f"no edge {caller!r} -> {callee!r} in the call graph")
        return self.errors.get(edge, 0) / self.calls[edge]


def service_call_graph(spans: Iterable[SpanLike], *, self_calls: bool = False) -> CallGraph:
    """Aggregate parent → child span pairs into a service call graph.

    A span whose parent is in the same trace and belongs to another service contributes
    one call on the edge ``(parent service, child service)``; the call counts as an error
    when the child span's status code is 2 (``STATUS_CODE_ERROR``). Parents are looked up
    by ``(trace_id, span_id)``; a child whose parent is missing contributes nothing.

    Args:
        spans: span records.
        self_calls: also count pairs where parent and child belong to the same service
            (edges ``(s, s)``, i.e. self-loops). Off by default: in-process child spans
            are not calls between services.

    Returns:
        The call graph.

    Examples:
        >>> from types import SimpleNamespace as S
        >>> spans = [S(trace_id="t", span_id="1", parent_span_id="", service_name="a",
        ...            status_code=0),
        ...          S(trace_id="t", span_id="2", parent_span_id="1", service_name="b",
        ...            status_code=2)]
        >>> g = service_call_graph(spans)
        >>> g.calls, g.errors
        ({('a', 'b'): 1}, {('a', 'b'): 1})
    """
    records = list(spans)
    service_of: dict[tuple[str, str], str] = {}
    for span in records:
        service_of.setdefault((span.trace_id, span.span_id), span.service_name)
    # --8<-- [start:callgraph]
    calls: dict[tuple[str, str], int] = {}
    errors: dict[tuple[str, str], int] = {}
    for span in records:
        if not span.parent_span_id:
            continue
        caller = service_of.get((span.trace_id, span.parent_span_id))
        if caller is None or (caller == span.service_name and not self_calls):
            continue
        edge = (caller, span.service_name)
        calls[edge] = calls.get(edge, 0) + 1
        if span.status_code == STATUS_CODE_ERROR:
            errors[edge] = errors.get(edge, 0) + 1
    # --8<-- [end:callgraph]
    nodes = tuple(sorted({s.service_name for s in records}))
    return CallGraph(nodes=nodes, calls=calls, errors=errors)


def _index_edges(
    edges: Iterable[tuple[H, H]], nodes: Iterable[H] | None
) -> tuple[list[H], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Number the nodes in order of first appearance; return them and the edge arrays."""
    index: dict[H, int] = {}
    if nodes is not None:
        for node in nodes:
            index.setdefault(node, len(index))
    src: list[int] = []
    dst: list[int] = []
    for pair in edges:
        try:
            u, v = pair
        except (TypeError, ValueError):
            raise TypeError(f"edges must be (u, v) pairs, got {pair!r}") from None
        src.append(index.setdefault(u, len(index)))
        dst.append(index.setdefault(v, len(index)))
    return list(index), np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)


def _csr(
    n: int, src: npt.NDArray[np.int64], dst: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Compressed sparse rows: successors of ``v`` are ``indices[indptr[v]:indptr[v+1]]``."""
    order = np.argsort(src, kind="stable")
    indices = dst[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return indptr, indices


def scc_labels(indptr: npt.ArrayLike, indices: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Tarjan's strongly connected components on a graph in CSR form, without recursion.

    Node ``v`` has the successors ``indices[indptr[v]:indptr[v + 1]]``. The depth-first
    search keeps its own stack of nodes and, per node, a cursor into its successor list, so
    the depth of the graph is bounded by memory, not by Python's recursion limit.

    Args:
        indptr: ``n + 1`` non-decreasing offsets, ``indptr[0] == 0``.
        indices: successor node numbers in ``[0, n)``.

    Returns:
        ``labels[v]``: the component of ``v``. Components are numbered in the order Tarjan
        completes them, which is a reverse topological order of the condensation: for every
        edge ``u → v`` between different components, ``labels[u] > labels[v]``.

    Raises:
        ValueError: the arrays are not a valid CSR graph.

    Examples:
        >>> scc_labels([0, 1, 2, 3], [1, 0, 0]).tolist()   # 0 ⇄ 1, 2 → 0
        [0, 0, 1]
    """
    ptr_arr = np.asarray(indptr, dtype=np.int64)
    idx_arr = np.asarray(indices, dtype=np.int64)
    if ptr_arr.ndim != 1 or ptr_arr.size == 0 or ptr_arr[0] != 0:
        raise ValueError(f"indptr must be a 1-d array starting at 0, got {ptr_arr[:5]!r}")
    if np.any(np.diff(ptr_arr) < 0) or ptr_arr[-1] != idx_arr.size:
        raise ValueError(
            f"indptr must be non-decreasing and end at len(indices)={idx_arr.size}, "
            f"got last value {int(ptr_arr[-1])}"
        )
    n = ptr_arr.size - 1
    if idx_arr.size and (idx_arr.min() < 0 or idx_arr.max() >= n):
        raise ValueError(f"indices must lie in [0, {n}), got a value outside")
    # Python lists index faster than numpy scalars inside a scalar loop.
    adj_start = ptr_arr.tolist()
    adj = idx_arr.tolist()
    cursor = adj_start[:-1]  # next successor to look at, per node
    index = [-1] * n  # discovery number, -1 = unvisited
    low = [0] * n
    label = [-1] * n  # component number once assigned; -1 while on the Tarjan stack
    tarjan_stack: list[int] = []
    call_stack: list[int] = []
    counter = 0
    n_components = 0
    for root in range(n):
        if index[root] >= 0:
            continue
        index[root] = low[root] = counter
        counter += 1
        tarjan_stack.append(root)
        call_stack.append(root)
        # --8<-- [start:tarjan]
        while call_stack:
            v = call_stack[-1]
            p = cursor[v]
            end = adj_start[v + 1]
            descended = False
            while p < end:
                w = adj[p]
                p += 1
                if index[w] < 0:  # tree edge: descend into w
                    cursor[v] = p
                    index[w] = low[w] = counter
                    counter += 1
                    tarjan_stack.append(w)
                    call_stack.append(w)
                    descended = True
                    break
                if label[w] < 0 and index[w] < low[v]:  # w on the stack: back/cross edge
                    low[v] = index[w]
            if descended:
                continue
            cursor[v] = p
            call_stack.pop()
            if low[v] == index[v]:  # v is the root of a component: pop it
                while True:
                    w = tarjan_stack.pop()
                    label[w] = n_components
                    if w == v:
                        break
                n_components += 1
            if call_stack:
                u = call_stack[-1]
                if low[v] < low[u]:
                    low[u] = low[v]
        # --8<-- [end:tarjan]
    return np.asarray(label, dtype=np.int64)


def strongly_connected_components(
    edges: Iterable[tuple[H, H]], nodes: Iterable[H] | None = None
) -> list[frozenset[H]]:
    """The strongly connected components of a directed graph given by its edges.

    Args:
        edges: ``(u, v)`` pairs of hashable nodes; repeated edges and self-loops are fine.
        nodes: extra nodes (for instance isolated ones); every node that appears in
            ``edges`` is included anyway.

    Returns:
        One frozenset per component, in Tarjan's completion order: reverse topological
        order of the condensation (a component comes before every component that has an
        edge into it, so sinks come first). Every node is in exactly one component.
        Nodes are visited in first-appearance order and successors in edge order, so the
        order is a function of the edge list.

    Raises:
        TypeError: an element of ``edges`` is not a pair.

    Examples:
        >>> strongly_connected_components([(1, 2), (2, 3), (3, 2)], nodes=[9])
        [frozenset({9}), frozenset({2, 3}), frozenset({1})]
    """
    names, src, dst = _index_edges(edges, nodes)
    if not names:
        return []
    indptr, indices = _csr(len(names), src, dst)
    labels = scc_labels(indptr, indices).tolist()
    groups: list[list[H]] = [[] for _ in range(max(labels) + 1)]
    for i, c in enumerate(labels):
        groups[c].append(names[i])
    return [frozenset(g) for g in groups]


def _sccs_of(nodes: Sequence[int], succ: dict[int, list[int]]) -> list[list[int]]:
    """SCCs of the subgraph induced by ``nodes`` (local CSR + `scc_labels`)."""
    local = {v: i for i, v in enumerate(nodes)}
    src: list[int] = []
    dst: list[int] = []
    for v in nodes:
        for w in succ[v]:
            j = local.get(w)
            if j is not None:
                src.append(local[v])
                dst.append(j)
    indptr, indices = _csr(
        len(nodes), np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
    )
    labels = scc_labels(indptr, indices).tolist()
    groups: list[list[int]] = [[] for _ in range(max(labels) + 1)] if labels else []
    for i, c in enumerate(labels):
        groups[c].append(nodes[i])
    return groups


def _circuits_through(s: int, comp: set[int], succ: dict[int, list[int]]) -> Iterable[list[int]]:
    """Johnson's CIRCUIT(s) restricted to the component ``comp``, with explicit stacks."""
    # --8<-- [start:johnson]
    adj = {v: [w for w in succ[v] if w in comp] for v in comp}
    blocked = {s}
    b_sets: dict[int, set[int]] = {v: set() for v in comp}
    path = [s]
    found = [False]  # per path position: did the subtree of this node close a cycle?
    stack = [iter(adj[s])]
    while stack:
        advanced = False
        for w in stack[-1]:
            if w == s:
                yield list(path)
                found[-1] = True
            elif w not in blocked:
                path.append(w)
                found.append(False)
                stack.append(iter(adj[w]))
                blocked.add(w)
                advanced = True
                break
        if advanced:
            continue
        stack.pop()
        v = path.pop()
        closed = found.pop()
        if closed:  # UNBLOCK(v), iteratively
            pending = [v]
            while pending:
                x = pending.pop()
                if x in blocked:
                    blocked.discard(x)
                    pending.extend(b_sets[x])
                    b_sets[x].clear()
            if found:
                found[-1] = True
        else:
            for w in adj[v]:
                b_sets[w].add(v)
    # --8<-- [end:johnson]


def elementary_cycles(
    edges: Iterable[tuple[H, H]], limit: int | None = None
) -> list[tuple[H, ...]]:
    """Every elementary (simple) cycle of a directed graph, by Johnson's algorithm.

    Johnson (1975) enumerates the cycles in ``O((n + e)(c + 1))`` time for ``c`` cycles:
    nodes are taken in order; the cycles through the least node ``s`` of a strongly
    connected component are found by a depth-first search that *blocks* nodes which cannot
    currently reach ``s``; then ``s`` is deleted and the search repeats on the components
    of what is left.

    Args:
        edges: ``(u, v)`` pairs; repeated edges are merged; a self-loop ``(v, v)`` is the
            cycle ``(v,)``.
        limit: stop after this many cycles (``None``: all of them). Use it: the number of
            cycles can grow faster than exponentially with the graph.

    Returns:
        Cycles as tuples of nodes without repeating the first; each starts at its least
        node in first-appearance order of ``edges``. Self-loops come first, then cycles in
        the order Johnson's algorithm finds them.

    Raises:
        ValueError: ``limit`` is negative.
        TypeError: ``limit`` is not an int, or an edge is not a pair.

    Examples:
        >>> elementary_cycles([(0, 0), (0, 1), (1, 2), (2, 0), (2, 1)])
        [(0,), (0, 1, 2), (1, 2)]
        >>> len(elementary_cycles([(a, b) for a in range(5) for b in range(5) if a != b], 7))
        7
    """
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int):
            raise TypeError(f"limit must be an int or None, got {limit!r}")
        if limit < 0:
            raise ValueError(f"limit must be >= 0, got {limit}")
    names, src, dst = _index_edges(edges, None)
    out: list[tuple[H, ...]] = []
    if limit == 0:
        return out
    succ: dict[int, list[int]] = {v: [] for v in range(len(names))}
    seen: set[tuple[int, int]] = set()
    for u, v in zip(src.tolist(), dst.tolist(), strict=True):
        if (u, v) in seen:
            continue
        seen.add((u, v))
        if u == v:
            out.append((names[u],))
            if limit is not None and len(out) >= limit:
                return out
        else:
            succ[u].append(v)
    work = [c for c in _sccs_of(list(range(len(names))), succ) if len(c) > 1]
    while work:
        comp = work.pop()
        s = min(comp)
        for cycle in _circuits_through(s, set(comp), succ):
            out.append(tuple(names[i] for i in cycle))
            if limit is not None and len(out) >= limit:
                return out
        rest = [v for v in comp if v != s]
        work.extend(c for c in _sccs_of(rest, succ) if len(c) > 1)
    return out


@dataclass(frozen=True)
class ParentCycle:
    """A loop of parent pointers inside one trace.

    Attributes:
        trace_id: the trace.
        span_ids: the spans on the loop, each followed by its parent, starting at the
            least span id: ``parent(span_ids[i]) == span_ids[i + 1]`` and the last one's
            parent is ``span_ids[0]``.
    """

    trace_id: str
    span_ids: tuple[str, ...]


def parent_cycles(spans: Iterable[SpanLike]) -> list[ParentCycle]:
    """Loops of parent pointers in (malformed) traces.

    Within a trace each span has at most one parent, so following parent pointers from
    any span either ends (at a root or a missing parent) or enters a loop: the graph is
    *functional* and every loop is found by one walk per span, colouring spans as
    unvisited, on the current walk, or finished: ``O(n)`` in total. A span that is its own
    parent is a loop of length one. If a span id occurs twice in a trace the first record
    wins.

    Args:
        spans: span records, any number of traces.

    Returns:
        The loops, sorted by trace id then span ids.

    Examples:
        >>> from types import SimpleNamespace as S
        >>> spans = [S(trace_id="t", span_id="a", parent_span_id="b"),
        ...          S(trace_id="t", span_id="b", parent_span_id="a"),
        ...          S(trace_id="t", span_id="c", parent_span_id="a")]
        >>> parent_cycles(spans)
        [ParentCycle(trace_id='t', span_ids=('a', 'b'))]
    """
    parent: dict[tuple[str, str], str] = {}
    for span in spans:
        parent.setdefault((span.trace_id, span.span_id), span.parent_span_id)
    # --8<-- [start:parent_cycles]
    state: dict[tuple[str, str], int] = {}  # 1 = on the current walk, 2 = finished
    found: list[ParentCycle] = []
    for start in parent:
        if start in state:
            continue
        trace_id = start[0]
        walk: list[tuple[str, str]] = []
        node: tuple[str, str] | None = start
        while node is not None and node not in state:
            state[node] = 1
            walk.append(node)
            p = parent[node]
            nxt = (trace_id, p)
            node = nxt if p and nxt in parent else None
        if node is not None and state[node] == 1:  # closed a loop on this walk
            loop = [sid for _, sid in walk[walk.index(node) :]]
            k = loop.index(min(loop))
            found.append(ParentCycle(trace_id, tuple(loop[k:] + loop[:k])))
        for visited in walk:
            state[visited] = 2
    # --8<-- [end:parent_cycles]
    return sorted(found, key=lambda c: (c.trace_id, c.span_ids))
