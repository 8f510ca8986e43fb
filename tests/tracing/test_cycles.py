"""Tests for otlpkb.tracing.cycles (chapter 3.2, Cycle detection).

External check: networkx (``nx.strongly_connected_components`` and ``nx.simple_cycles``,
written and maintained independently of otlpkb) run side by side on random graphs drawn by
hypothesis and on structured graphs (complete digraphs, cycles, paths, Johnson's worst-case
family), comparing SCCs as sets of sets and cycles as sets of canonical rotations.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from math import comb, factorial

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb import datasets, otlp
from otlpkb.tracing.cycles import (
    CallGraph,
    ParentCycle,
    elementary_cycles,
    parent_cycles,
    scc_labels,
    service_call_graph,
    strongly_connected_components,
)


@dataclass(frozen=True)
class Span:
    trace_id: str
    span_id: str
    parent_span_id: str = ""
    service_name: str = "svc"
    status_code: int = 0


def canonical(cycle):
    """Rotate a cycle so that its least node comes first."""
    k = cycle.index(min(cycle))
    return tuple(cycle[k:]) + tuple(cycle[:k])


def nx_cycles(edges, nodes=()):
    g = nx.DiGraph()
    g.add_nodes_from(nodes)
    g.add_edges_from(edges)
    return {canonical(c) for c in nx.simple_cycles(g)}


def nx_sccs(edges, nodes=()):
    g = nx.DiGraph()
    g.add_nodes_from(nodes)
    g.add_edges_from(edges)
    return {frozenset(c) for c in nx.strongly_connected_components(g)}


edge_lists = st.integers(1, 9).flatmap(
    lambda n: st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=30)
)


# --- strongly connected components ------------------------------------------------------


@settings(max_examples=300 * SCALE, deadline=None)
@given(edge_lists, st.lists(st.integers(0, 12), max_size=4))
def test_scc_equals_networkx(edges, extra_nodes):
    ours = strongly_connected_components(edges, extra_nodes)
    assert len(ours) == len(set(ours))
    assert set(ours) == nx_sccs(edges, extra_nodes)


@settings(max_examples=200 * SCALE, deadline=None)
@given(edge_lists)
def test_scc_order_is_reverse_topological(edges):
    comps = strongly_connected_components(edges)
    where = {v: i for i, c in enumerate(comps) for v in c}
    for u, v in edges:
        assert where[u] >= where[v]  # an edge never points to a later component


def test_scc_structured_graphs_against_networkx():
    graphs = [
        nx.complete_graph(6, create_using=nx.DiGraph),
        nx.cycle_graph(50, create_using=nx.DiGraph),
        nx.path_graph(50, create_using=nx.DiGraph),
        nx.gn_graph(200, seed=3),  # a growing-network tree: all singletons
        nx.gnp_random_graph(300, 0.01, seed=4, directed=True),
        nx.scale_free_graph(300, seed=5),
    ]
    for g in graphs:
        edges = list(g.edges())
        assert set(strongly_connected_components(edges, g.nodes)) == {
            frozenset(c) for c in nx.strongly_connected_components(g)
        }


def test_scc_large_random_graph_against_networkx():
    rng = np.random.default_rng(7)
    n = 5_000 * SCALE
    edges = list(zip(rng.integers(0, n, 2 * n).tolist(), rng.integers(0, n, 2 * n).tolist()))
    assert set(strongly_connected_components(edges, range(n))) == nx_sccs(edges, range(n))


def test_scc_deep_path_has_no_recursion_limit():
    n = 200_000
    edges = [(i, i + 1) for i in range(n - 1)]
    assert n > sys.getrecursionlimit() * 10
    comps = strongly_connected_components(edges)
    assert len(comps) == n
    assert comps[0] == frozenset({n - 1})  # the sink completes first
    # and a cycle of the same length is one component
    comps = strongly_connected_components([*edges, (n - 1, 0)])
    assert comps == [frozenset(range(n))]


def test_scc_labels_csr_and_validation():
    labels = scc_labels([0, 2, 3, 3], [1, 2, 0])  # 0→1, 0→2, 1→0
    assert labels[0] == labels[1] != labels[2]
    assert scc_labels([0], []).tolist() == []
    with pytest.raises(ValueError, match="indptr"):
        scc_labels([1, 2], [0])
    with pytest.raises(ValueError, match="indptr"):
        scc_labels([0, 2, 1], [0])
    with pytest.raises(ValueError, match="indices"):
        scc_labels([0, 1], [5])
    with pytest.raises(ValueError, match="starting at 0"):  # ends at len(indices) = 1
        scc_labels([1, 1], [0])


def test_scc_bad_edges():
    assert strongly_connected_components([]) == []
    with pytest.raises(TypeError, match="edges"):
        strongly_connected_components([(1, 2, 3)])
    with pytest.raises(TypeError, match="edges"):
        strongly_connected_components([5])


# --- elementary cycles ------------------------------------------------------------------


@settings(max_examples=300 * SCALE, deadline=None)
@given(edge_lists)
def test_cycles_equal_networkx(edges):
    ours = elementary_cycles(edges)
    rotations = [canonical(c) for c in ours]
    assert len(rotations) == len(set(rotations)), "a cycle reported twice"
    assert set(rotations) == nx_cycles(edges)
    for c in ours:  # each is a real elementary cycle
        assert len(set(c)) == len(c)
        assert all((c[i], c[(i + 1) % len(c)]) in set(edges) for i in range(len(c)))


@settings(max_examples=100 * SCALE, deadline=None)
@given(edge_lists, st.integers(0, 5))
def test_cycle_limit_is_a_prefix(edges, limit):
    full = elementary_cycles(edges)
    assert elementary_cycles(edges, limit) == full[:limit]


def test_cycles_complete_digraph_count():
    # The complete digraph K_n has sum_{k=2..n} C(n, k) (k-1)! elementary cycles.
    for n in range(2, 7):
        edges = [(a, b) for a in range(n) for b in range(n) if a != b]
        expected = sum(comb(n, k) * factorial(k - 1) for k in range(2, n + 1))
        ours = elementary_cycles(edges)
        assert len(ours) == expected
        assert {canonical(c) for c in ours} == nx_cycles(edges)


def test_cycles_johnson_worst_case_family():
    # Johnson (1975), fig. 1 style: two "fans" joined so Tiernan-like searches blow up but
    # the number of cycles stays small; compare to networkx on a mid-size instance.
    k = 6
    edges = [(0, i) for i in range(1, k + 1)] + [(i, k + 1) for i in range(1, k + 1)]
    edges += [(k + 1, 0)]
    edges += [(k + 1, k + 2 + i) for i in range(k)] + [(k + 2 + i, 0) for i in range(k)]
    assert {canonical(c) for c in elementary_cycles(edges)} == nx_cycles(edges)
    assert len(elementary_cycles(edges)) == k + k * k


def test_cycles_blocking_keeps_a_path_rich_graph_linear():
    # Johnson's point (1975, section 2): a node that cannot reach s stays blocked, so
    # the 2**39 paths through this chain of diamonds, none of which closes a cycle
    # (the chain's end leads back only to a1, already on the path), are not walked one
    # by one. a1's edge to s comes last, so it is reached only after the chain.
    k = 40
    edges = [("s", "a1")]
    for i in range(1, k):
        edges += [(f"a{i}", f"b{i}"), (f"a{i}", f"c{i}")]
        edges += [(f"b{i}", f"a{i + 1}"), (f"c{i}", f"a{i + 1}")]
    edges += [(f"a{k}", "a1"), ("a1", "s")]
    assert elementary_cycles(edges, limit=1) == [("s", "a1")]


def test_cycles_long_cycle_no_recursion():
    n = 50_000
    edges = [(i, (i + 1) % n) for i in range(n)]
    (cycle,) = elementary_cycles(edges)
    assert cycle == tuple(range(n))


def test_cycles_self_loops_and_duplicates():
    assert elementary_cycles([("a", "a"), ("a", "a"), ("a", "b"), ("b", "a"), ("a", "b")]) == [
        ("a",),
        ("a", "b"),
    ]
    assert elementary_cycles([]) == []
    assert elementary_cycles([(1, 2), (2, 3)]) == []


def test_cycles_bad_limit():
    with pytest.raises(ValueError, match="limit"):
        elementary_cycles([(1, 2)], -1)
    with pytest.raises(TypeError, match="limit"):
        elementary_cycles([(1, 2)], 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="limit"):
        elementary_cycles([(1, 2)], True)  # type: ignore[arg-type]
    assert elementary_cycles([(1, 2), (2, 1)], 0) == []


# --- call graph -------------------------------------------------------------------------


def _trace(tid, chain, errors=()):
    """Spans of a chain of calls through the given services (one span per hop)."""
    spans, parent = [], ""
    for i, svc in enumerate(chain):
        sid = f"{tid}-{i}"
        spans.append(Span(tid, sid, parent, svc, 2 if i in errors else 0))
        parent = sid
    return spans


def test_service_call_graph_counts_calls_errors_and_cycle():
    spans = _trace("t1", ["gw", "a", "b", "a"], errors={3}) + _trace("t2", ["gw", "a", "a"])
    g = service_call_graph(spans)
    assert isinstance(g, CallGraph)
    assert g.nodes == ("a", "b", "gw")
    assert g.calls == {("gw", "a"): 2, ("a", "b"): 1, ("b", "a"): 1}
    assert g.errors == {("b", "a"): 1}
    assert g.error_rate("b", "a") == 1.0
    assert g.error_rate("gw", "a") == 0.0
    with pytest.raises(KeyError, match="'a' -> 'gw'"):
        g.error_rate("a", "gw")
    assert [sorted(c) for c in strongly_connected_components(g.edges) if len(c) > 1] == [["a", "b"]]
    assert elementary_cycles(g.edges) == [("a", "b")]
    g2 = service_call_graph(spans, self_calls=True)
    assert g2.calls[("a", "a")] == 1
    assert ("a",) in elementary_cycles(g2.edges)


def test_service_call_graph_counts_every_failed_call():
    spans = _trace("t1", ["a", "b"], errors={1}) + _trace("t2", ["a", "b"], errors={1})
    spans += _trace("t3", ["a", "b"])
    g = service_call_graph(spans)
    assert g.calls == {("a", "b"): 3} and g.errors == {("a", "b"): 2}
    assert g.error_rate("a", "b") == pytest.approx(2 / 3)


def test_service_call_graph_ignores_missing_parent_and_other_trace():
    spans = [Span("t1", "1", "", "a"), Span("t2", "2", "1", "b"), Span("t1", "3", "zz", "c")]
    assert service_call_graph(spans).calls == {}


def test_call_graph_on_real_otlp_files():
    """Real Jaeger fixtures: their spans share one service, so there are no call edges."""
    for name in ("otlp/jaeger/example_trace.json", "otlp/jaeger/otel_traces_01.json"):
        spans = list(otlp.read_traces(datasets.path(name)))
        assert spans
        g = service_call_graph(spans)
        assert set(g.nodes) == {s.service_name for s in spans}
        assert parent_cycles(spans) == []
        assert g.calls == {}


# --- parent cycles ----------------------------------------------------------------------


def test_parent_cycles_two_and_self():
    spans = [
        Span("t", "a", "b"),
        Span("t", "b", "a"),
        Span("t", "c", "a"),  # hangs off the loop, not on it
        Span("t", "d", "d"),  # its own parent
        Span("u", "a", ""),  # same id in another trace: no loop there
        Span("u", "x", "y"),  # missing parent
    ]
    assert parent_cycles(spans) == [ParentCycle("t", ("a", "b")), ParentCycle("t", ("d",))]


@settings(max_examples=300 * SCALE, deadline=None)
@given(st.lists(st.integers(-1, 9), min_size=1, max_size=10))
def test_parent_cycles_equal_networkx(parents):
    """Random functional graphs (span i's parent is parents[i], -1 = root)."""
    n = len(parents)
    spans = [
        Span("t", f"s{i}", f"s{p}" if 0 <= p < n else ("" if p < 0 else f"s{p}"))
        for i, p in enumerate(parents)
    ]
    edges = [(i, p) for i, p in enumerate(parents) if 0 <= p < n]
    expected = {canonical(tuple(f"s{i}" for i in c)) for c in nx_cycles(edges, range(n))}
    found = parent_cycles(spans)
    assert {c.span_ids for c in found} == expected
    for c in found:
        parent = {s.span_id: s.parent_span_id for s in spans}
        ids = c.span_ids
        assert all(parent[ids[i]] == ids[(i + 1) % len(ids)] for i in range(len(ids)))


def test_parent_cycles_long_loop():
    n = 100_000
    spans = [Span("t", f"{i:06d}", f"{(i + 1) % n:06d}") for i in range(n)]
    (c,) = parent_cycles(spans)
    assert len(c.span_ids) == n and c.span_ids[0] == "000000"


def test_successors_are_visited_in_the_order_their_edges_are_given():
    """Tarjan's completion order is a function of the edge list: two hubs whose edges to
    their own sinks are interleaved complete every sink in edge order, then the hub."""
    hubs = {"a": [f"x{k}" for k in range(30)], "b": [f"y{k}" for k in range(30)]}
    edges = [(hub, sinks[k]) for k in range(30) for hub, sinks in hubs.items()]
    expected = [frozenset({v}) for hub, sinks in hubs.items() for v in [*sinks, hub]]
    assert strongly_connected_components(edges) == expected
