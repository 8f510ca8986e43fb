"""Tests of the explicit-state model checker (otlpkb.formal.model_checker).

External checks:

* TLC's counts for the classic specs, as recorded in the ``manifest.json`` files of the
  tlaplus/Examples repository (commit 04e4315a56137fea95c9fd68a8b5f97671030e0d):
  ``distinctStates``, ``totalStates`` (TLC's "states generated") and ``stateDepth``.
* SPIN 6.5.2 (the Debian package ``spin``, installed by ``.ci/run``): the same
  two-phase-commit model in Promela, explored by SPIN's own verifier; its "states,
  stored" and "transitions" must equal our distinct and generated counts.
* networkx's breadth-first search on random finite graphs, for reachability, depth and
  shortest counterexamples.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb.formal import specs
from otlpkb.formal.model_checker import ActionStats, CheckResult, Spec, check

# (spec, TLC distinct states, TLC states generated, TLC depth, manifest model)
TLC_MANIFEST = [
    (specs.hour_clock, 12, 24, 1, "SpecifyingSystems/HourClock/HourClock.cfg"),
    (specs.tcommit, 34, 94, 7, "transaction_commit/TCommit.cfg"),
    (specs.two_phase, 288, 1146, 11, "transaction_commit/TwoPhase.cfg"),
    (specs.peterson, 42, 77, 11, "locks_auxiliary_vars/Peterson.cfg"),
    (specs.bounded_fifo, 3864, 9660, 11, "SpecifyingSystems/FIFO/MCInnerFIFO.cfg"),
]


@pytest.mark.parametrize("factory,distinct,generated,depth,model", TLC_MANIFEST)
def test_counts_equal_tlc_on_the_tla_examples(factory, distinct, generated, depth, model):
    result = check(factory())
    assert result.ok and result.complete, model
    assert (result.distinct_states, result.generated_states, result.depth) == (
        distinct,
        generated,
        depth,
    ), model


def test_die_hard_finds_the_six_pourings_of_the_film():
    # The solution TLC prints for DieHard.tla (NotSolved violated), as in Lamport's
    # TLA+ video course, lecture 2: fill the 5, pour into the 3, empty the 3, ...
    result = check(specs.die_hard())
    assert not result.ok and result.violation == "NotSolved"
    assert result.trace == [(0, 0), (5, 0), (2, 3), (2, 0), (0, 2), (5, 2), (4, 3)]
    assert result.trace_actions == [
        "FillBigJug",
        "BigToSmall",
        "EmptySmallJug",
        "BigToSmall",
        "FillBigJug",
        "BigToSmall",
    ]


def test_constraint_states_are_generated_and_checked_but_not_stored():
    # Hand count: 0 -> 1 -> 2 -> 3 -> 4, constraint n <= 3. Stored 0..3 (4 states);
    # generated: the initial state and four successors (4 included); depth 4.
    spec = Spec([0], lambda n: [("Inc", n + 1)], constraint=lambda n: n <= 3)
    r = check(spec)
    assert (r.ok, r.distinct_states, r.generated_states, r.depth) == (True, 4, 5, 4)
    assert r.actions == {"Inc": ActionStats(generated=4, distinct=3)}
    # TLC checks invariants on a state outside the constraint, too.
    bad = Spec([0], spec.next, invariants={"Small": lambda n: n < 4}, constraint=spec.constraint)
    r = check(bad)
    assert r.violation == "Small" and r.trace == [0, 1, 2, 3, 4]
    # A constrained-out initial state is generated but not stored.
    r = check(Spec([0, 9], spec.next, constraint=spec.constraint))
    assert (r.distinct_states, r.generated_states) == (4, 6)


def test_duplicates_and_stuttering_steps_count_as_generated():
    # Two initial states, one listed twice; each state steps to itself and to 0.
    spec = Spec([0, 1, 1], lambda n: [("Stay", n), ("Reset", 0)])
    r = check(spec)
    assert (r.distinct_states, r.generated_states, r.depth) == (2, 3 + 4, 1)
    assert r.actions["Stay"] == ActionStats(2, 0)


def test_deadlock_is_reported_with_the_shortest_trace_only_when_asked():
    graph = {"a": ["b", "c"], "b": ["d"], "c": ["a"], "d": []}

    def step(s):
        return [("go", t) for t in graph[s]]

    assert check(Spec(["a"], step)).ok
    r = check(Spec(["a"], step, check_deadlock=True))
    assert (r.ok, r.deadlock, r.violation) == (False, True, None)
    assert r.trace == ["a", "b", "d"] and r.trace_actions == ["go", "go"]


def test_an_initial_state_that_violates_has_a_one_state_trace():
    r = check(Spec([5], lambda n: [], invariants={"Zero": lambda n: n == 0}))
    assert (r.violation, r.trace, r.trace_actions) == ("Zero", [5], [])


def test_max_states_stops_with_a_result_not_an_exception():
    spec = Spec([0], lambda n: [("Inc", n + 1)])  # infinite
    r = check(spec, max_states=1000)
    assert isinstance(r, CheckResult)
    assert (r.ok, r.complete, r.distinct_states) == (False, False, 1000)
    assert r.violation is None and not r.deadlock and r.trace == []
    assert r.queue_left >= 1
    with pytest.raises(ValueError, match="max_states must be >= 1, got 0"):
        check(spec, max_states=0)


def test_speed_and_memory_are_reported():
    r = check(specs.bounded_fifo())
    assert r.seconds > 0 and r.states_per_second > 0
    # a Python int of 64 bits and its set slot cost tens of bytes, not kilobytes
    assert 16 < r.bytes_per_state < 400
    assert r.collision_probability == pytest.approx(3864 * 9660 / 2.0**64)


def test_per_action_counts_add_up():
    r = check(specs.two_phase(3))
    assert sum(a.generated for a in r.actions.values()) == r.generated_states - 1
    assert sum(a.distinct for a in r.actions.values()) == r.distinct_states - 1
    assert list(r.actions)[:2] == ["TMAbort", "RMPrepare"]  # order of first appearance


class TestBadInput:
    def test_an_unhashable_successor_names_the_action_and_the_state(self):
        spec = Spec([(0,)], lambda s: [("Grow", [*s, 1])])
        with pytest.raises(TypeError, match=r"action 'Grow' from state \(0,\) .*unhashable"):
            check(spec)

    def test_something_other_than_pairs_is_refused(self):
        with pytest.raises(ValueError, match=r"pairs; from state 0 it yielded 1"):
            check(Spec([0], lambda n: [n + 1]))

    def test_empty_or_unhashable_init(self):
        with pytest.raises(ValueError, match="at least one initial state"):
            Spec(iter(()), lambda s: [])
        with pytest.raises(TypeError, match=r"initial state \[1\] is not hashable"):
            Spec([[1]], lambda s: [])
        with pytest.raises(TypeError, match="init must be an iterable"):
            Spec(3, lambda s: [])  # type: ignore[arg-type]

    def test_an_invariant_that_raises_is_named(self):
        spec = Spec([0], lambda n: [("Inc", n + 1)], invariants={"Inverse": lambda n: 1 / n > 0})
        with pytest.raises(ValueError, match=r"invariant 'Inverse' raised .*on state 0"):
            check(spec)

    def test_wrong_types(self):
        with pytest.raises(TypeError, match="spec must be a Spec"):
            check("spec")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="next must be callable"):
            Spec([0], None)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="invariants must map names"):
            Spec([0], lambda s: [], invariants={"x": 3})  # type: ignore[dict-item]


@st.composite
def graphs(draw):
    n = draw(st.integers(1, 12))
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=30))
    inits = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3))
    allowed = draw(st.sets(st.integers(0, n - 1)))
    return n, edges, inits, allowed


@settings(max_examples=150 * SCALE)
@given(graphs())
def test_counts_equal_networkx_on_random_graphs(case):
    n, edges, inits, allowed = case
    succ = {v: [t for s, t in edges if s == v] for v in range(n)}
    r = check(Spec(inits, lambda v: [("e", t) for t in succ[v]]))
    g = nx.MultiDiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    dist: dict[int, int] = {}
    for v in inits:
        for t, d in nx.single_source_shortest_path_length(g, v).items():
            dist[t] = min(d, dist.get(t, d))
    assert r.distinct_states == len(dist)
    assert r.generated_states == len(inits) + sum(g.out_degree(v) for v in dist)
    assert r.depth == max(dist.values()) + 1
    # The constraint: only allowed states are stored and expanded.
    h = g.subgraph(allowed)
    reach = set()
    for v in set(inits) & allowed:
        reach |= set(nx.descendants(h, v)) | {v}
    rc = check(Spec(inits, lambda v: [("e", t) for t in succ[v]], constraint=allowed.__contains__))
    assert rc.distinct_states == len(reach)
    assert rc.generated_states == len(inits) + sum(g.out_degree(v) for v in reach)
    # A bad state: the trace is a shortest path from some initial state.
    bad = max(dist)
    rb = check(Spec(inits, lambda v: [("e", t) for t in succ[v]], invariants={"ok": bad.__ne__}))
    assert rb.violation == "ok" and len(rb.trace) == dist[bad] + 1
    assert rb.trace[0] in inits and rb.trace[-1] == bad
    assert all(g.has_edge(a, b) for a, b in zip(rb.trace, rb.trace[1:]))


SPIN = shutil.which("spin")


def _spin(promela: str, tmp: Path) -> dict[str, int]:
    """Run SPIN's verifier (compiled with its defaults) and read its state counts."""
    assert SPIN, "spin is not installed (.ci/run installs the Debian package spin)"
    (tmp / "model.pml").write_text(promela)
    subprocess.run([SPIN, "-a", "model.pml"], cwd=tmp, check=True, capture_output=True)
    subprocess.run(["cc", "-o", "pan", "pan.c"], cwd=tmp, check=True, capture_output=True)
    out = subprocess.run(["./pan"], cwd=tmp, check=True, capture_output=True, text=True).stdout
    assert "errors: 0" in out, out
    found = {}
    for key, pattern in (
        ("stored", r"(\d+) states, stored"),
        ("transitions", r"(\d+) transitions"),
    ):
        match = re.search(pattern, out)
        assert match, out
        found[key] = int(match.group(1))
    return found


@pytest.mark.parametrize("rms", [3, 4])
def test_state_counts_equal_spin_on_two_phase_commit(rms, tmp_path):
    ours = check(specs.two_phase(rms))
    theirs = _spin(specs.two_phase_promela(rms), tmp_path)
    assert theirs["stored"] == ours.distinct_states
    # SPIN counts the initial state as a transition, so transitions = TLC's generated.
    assert theirs["transitions"] == ours.generated_states
