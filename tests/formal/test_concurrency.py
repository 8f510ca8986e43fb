"""Tests of the batching exporter's model and threads (otlpkb.formal.concurrency).

External checks: the shortest counterexample of each seeded bug is confirmed by
networkx's shortest-path search on the explicitly built state graph (an independent
breadth-first search), and the threaded implementation runs on CPython's real
``threading.Condition``, whose ``wait``/``notify`` semantics the model abstracts.
"""

from __future__ import annotations

import threading
from collections import deque

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb.formal.concurrency import (
    CONCURRENCY_BUGS,
    BatchExporter,
    batch_exporter_spec,
    stress,
)
from otlpkb.formal.model_checker import check


def _graph(spec):
    g, todo = nx.DiGraph(), deque(spec.init)
    g.add_nodes_from(spec.init)
    while todo:
        s = todo.popleft()
        for _, t in spec.next(s):
            if t not in g:
                todo.append(t)
            g.add_edge(s, t)
    return g


@settings(max_examples=10 * SCALE)
@given(st.integers(1, 3), st.integers(1, 2), st.integers(1, 2), st.integers(1, 3))
def test_the_correct_exporter_is_safe_and_never_deadlocks(producers, items, cap, size):
    r = check(batch_exporter_spec(producers, items, cap, size))
    assert r.ok and r.complete and not r.deadlock


@pytest.mark.parametrize(
    "bug,violation,deadlock",
    [
        ("if_not_while", "QueueBounded", False),
        ("drop_on_shutdown", "NoSilentLoss", False),
        ("notify_one", None, True),
    ],
)
def test_each_seeded_bug_is_found_with_a_shortest_trace(bug, violation, deadlock):
    spec = batch_exporter_spec(bugs=(bug,))
    r = check(spec)
    assert (r.ok, r.violation, r.deadlock) == (False, violation, deadlock)
    g = _graph(spec)
    (init,) = spec.init
    invariants = spec.invariants or {}

    def bad(s):
        if deadlock:
            return g.out_degree(s) == 0
        return not invariants[violation](s)

    targets = [s for s in g if bad(s)]
    shortest = min(nx.shortest_path_length(g, init, s) for s in targets if nx.has_path(g, init, s))
    assert len(r.trace) - 1 == shortest
    assert bad(r.trace[-1])


def test_the_lost_wake_up_leaves_every_thread_waiting():
    r = check(batch_exporter_spec(bugs=("notify_one",)))
    producers, _, batch, _, exporter, _ = r.trace[-1]
    assert exporter == "wait" and batch == 0  # no timer armed
    assert all(pc in ("wait", "done") for pc, _ in producers)
    assert any(pc == "wait" for pc, _ in producers)


def test_the_fix_holds_for_larger_configurations():
    for args in [(2, 3, 1, 2), (3, 2, 2, 2), (2, 2, 2, 3)]:
        assert check(batch_exporter_spec(*args)).ok, args


def test_the_fixed_threads_never_fail_under_stress():
    r = stress(runs=20 * SCALE)
    assert (r.failures, r.first_failure) == (0, None)


@pytest.mark.parametrize(
    "bug,kind", [("if_not_while", "overflow_runs"), ("drop_on_shutdown", "loss_runs")]
)
def test_the_stress_test_finds_each_seeded_bug_within_twenty_runs(bug, kind):
    r = stress((bug,), runs=20, stop_at_first=True)
    assert r.failures == 1 and r.first_failure is not None and r.first_failure <= 20
    assert getattr(r, kind) == 1


def test_the_timer_flushes_a_partial_batch():
    exported = threading.Event()
    out: list[int] = []

    def export(batch):
        out.extend(batch)
        exported.set()

    e = BatchExporter(export, capacity=4, batch_size=10, timeout=0.01)
    e.put(1)
    assert exported.wait(30), "the partial batch was never flushed"  # a hang guard only
    assert out == [1]
    e.close()


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="bugs must be a tuple"):
        batch_exporter_spec(bugs=("race",))
    with pytest.raises(ValueError, match="notify_one"):
        stress(("notify_one",), runs=1)
    with pytest.raises(ValueError, match="capacity must be >= 1"):
        BatchExporter(print, capacity=0, batch_size=1, timeout=1.0)
    assert set(CONCURRENCY_BUGS) == {"if_not_while", "notify_one", "drop_on_shutdown"}
