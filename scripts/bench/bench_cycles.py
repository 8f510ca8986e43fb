"""Benchmark: strongly connected components, otlpkb (iterative Tarjan on CSR) vs networkx.

Run from the repository root:

    .venv/bin/python scripts/bench/bench_cycles.py           # 1,000,000 edges
    .venv/bin/python scripts/bench/bench_cycles.py --quick   # 100,000 edges

Both sides start from the same edge list. Two timings for otlpkb: from a list of (u, v)
pairs (:func:`strongly_connected_components`, which also builds the node index and the
CSR arrays) and from CSR arrays already built (:func:`scc_labels`). networkx is timed as
``DiGraph(edges)`` plus ``strongly_connected_components`` and, separately, the component
search on a graph already built. The answers are compared as sets of frozensets.
"""

from __future__ import annotations

import argparse
import time

import networkx as nx
import numpy as np

from otlpkb.tracing.cycles import scc_labels, strongly_connected_components


def make_graph(n_edges: int, seed: int) -> tuple[int, np.ndarray, np.ndarray]:
    """A sparse random digraph, mean out-degree 1.5: one giant SCC and many small ones."""
    rng = np.random.default_rng(seed)
    n = n_edges * 2 // 3
    src = rng.integers(0, n, size=n_edges)
    dst = rng.integers(0, n, size=n_edges)
    return n, src, dst


def best_of(repeats: int, fn) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 edges instead of 1,000,000")
    parser.add_argument("--edges", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    n_edges = args.edges or (100_000 if args.quick else 1_000_000)
    repeats = 1 if args.quick else args.repeats
    n, src, dst = make_graph(n_edges, args.seed)
    edges = list(zip(src.tolist(), dst.tolist(), strict=True))
    order = np.argsort(src, kind="stable")
    indptr = np.concatenate([[0], np.cumsum(np.bincount(src, minlength=n))])
    indices = dst[order]

    nodes = range(n)  # isolated nodes too, on both sides

    def nx_build() -> nx.DiGraph:
        g = nx.DiGraph()
        g.add_nodes_from(nodes)
        g.add_edges_from(edges)
        return g

    t_ours_edges, ours = best_of(repeats, lambda: strongly_connected_components(edges, nodes))
    t_ours_csr, labels = best_of(repeats, lambda: scc_labels(indptr, indices))
    t_nx_build, graph = best_of(repeats, nx_build)
    t_nx_scc, theirs = best_of(
        repeats, lambda: [frozenset(c) for c in nx.strongly_connected_components(graph)]
    )
    same = set(ours) == set(theirs)
    labels = np.asarray(labels)
    by_label = np.argsort(labels, kind="stable")
    cuts = np.flatnonzero(np.diff(labels[by_label])) + 1
    same_csr = {frozenset(g.tolist()) for g in np.split(by_label, cuts)} == set(theirs)

    print(
        f"graph: {n:,} nodes, {n_edges:,} edges, {len(theirs):,} SCCs "
        f"(largest {max(len(c) for c in theirs):,}); best of {repeats}"
    )
    print(f"same components as networkx: {same} (CSR path: {same_csr})")
    rows = [
        ("otlpkb  strongly_connected_components(edges)", t_ours_edges),
        ("otlpkb  scc_labels(indptr, indices)", t_ours_csr),
        ("networkx DiGraph(edges) + SCC", t_nx_build + t_nx_scc),
        ("networkx SCC on a built DiGraph", t_nx_scc),
    ]
    for name, t in rows:
        print(f"  {name:<46} {t:8.3f} s")
    print(
        f"ratio networkx(build+SCC) / otlpkb(edges): {(t_nx_build + t_nx_scc) / t_ours_edges:.2f}x"
    )
    print(f"ratio networkx(SCC only) / otlpkb(CSR):    {t_nx_scc / t_ours_csr:.2f}x")


if __name__ == "__main__":
    main()
