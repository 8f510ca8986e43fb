"""Tests of inductive invariant checking and runtime monitors (otlpkb.formal.invariants).

External check: ``Peterson.tla`` in the tlaplus/Examples repository
(``specifications/locks_auxiliary_vars/Peterson.tla``, from the "Parallel Programming"
course at ULiège) proves with TLAPS that its ``Inv`` is inductive relative to
``TypeOK`` (``THEOREM IndInvariant``: ``Init => Inv`` and
``[Next]_vars /\\ TypeOK /\\ Inv => Inv'``), and adds the mutual exclusion clause to the
course's invariant because mutual exclusion alone is not inductive: a state in which one
process is at ``a3``, the other in ``cs`` and neither flag is set satisfies it, and the
first process may enter. The runtime monitor is checked against the simulator's own
end-of-run conservation (``PipelineResult``: accepted = sent + send_failed + dropped +
pending) on every seed hypothesis draws.
"""

from __future__ import annotations

from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb.formal.invariants import (
    ConservationMonitor,
    SilentDropExporter,
    accounted,
    check_inductive,
    monitor_run,
    peterson_inv,
    peterson_type_ok,
)
from otlpkb.formal.model_checker import Spec
from otlpkb.formal.specs import peterson
from otlpkb.sim import (
    BackendConfig,
    BatchConfig,
    PipelineConfig,
    PipelineState,
    PoissonSource,
    QueueConfig,
    RetryConfig,
)
from otlpkb.sim.components import Request


def _graph_spec(n, edges, inits):
    succ = {i: [(f"e{i}_{j}", j) for (a, j) in edges if a == i] for i in range(n)}
    return Spec(init=inits, next=lambda s: succ[s])


def _reach(spec):
    seen, todo = set(spec.init), deque(spec.init)
    while todo:
        for _, t in spec.next(todo.popleft()):
            if t not in seen:
                seen.add(t)
                todo.append(t)
    return seen


# --- external: Peterson.tla (tlaplus/Examples, TLAPS proof of IndInvariant) ---------


def test_peterson_inv_is_inductive_as_the_tlaps_proof_says():
    r = check_inductive(peterson(), peterson_inv, peterson_type_ok())
    assert r.holds and r.initiation and r.consecution and r.inductive
    assert r.domain_states == 2 * 6 * 6 * 2 * 2  # |TypeOK|: turn, pc, pc, c, c
    assert r.reachable_states == 42  # TLC on Peterson.cfg (tlaplus/Examples manifest)


def test_mutual_exclusion_alone_holds_but_is_not_inductive():
    mutex = peterson().invariants["Mutex"]
    r = check_inductive(peterson(), mutex, peterson_type_ok())
    assert r.holds and r.initiation and not r.consecution
    before, action, after = r.step
    assert mutex(before) and not mutex(after) and not r.step_reachable
    assert (action, after) in list(peterson().next(before))
    assert action == "a3"  # the await lets a process in while the other is in cs


def test_the_counterexample_step_is_one_of_the_unreachable_mutex_states():
    mutex = peterson().invariants["Mutex"]
    reach = _reach(peterson())
    bad = [
        s
        for s in peterson_type_ok()
        if mutex(s) and any(not mutex(t) for _, t in peterson().next(s))
    ]
    assert bad and not any(s in reach for s in bad)
    r = check_inductive(peterson(), mutex, peterson_type_ok())
    assert r.step[0] in bad


# --- unit -------------------------------------------------------------------------


def test_a_candidate_false_initially_fails_initiation():
    s = Spec(init=[0], next=lambda n: [("Inc", (n + 1) % 3)])
    r = check_inductive(s, lambda n: n > 0, range(3))
    assert not r.initiation and not r.holds and r.bad_initial_state == 0
    assert r.counterexample == [0]


def test_a_reachable_violation_gives_the_shortest_trace():
    s = Spec(init=[0], next=lambda n: [("Inc", (n + 1) % 4)])
    r = check_inductive(s, lambda n: n != 2, range(4))
    assert not r.holds and r.counterexample == [0, 1, 2]
    assert r.step == (1, "Inc", 2) and r.step_reachable


@pytest.mark.parametrize(
    "args,error,message",
    [
        (("spec", bool, [0]), TypeError, "spec must be a Spec"),
        ((None, 3, [0]), TypeError, "candidate must be callable"),
        ((None, bool, []), ValueError, "domain must hold at least one state"),
        ((None, bool, [0]), ValueError, "domain misses the reachable state 1"),
    ],
)
def test_bad_input_is_named(args, error, message):
    spec = Spec(init=[0], next=lambda n: [("Inc", 1)])
    with pytest.raises(error, match=message):
        check_inductive(spec if args[0] is None else args[0], *args[1:])


def test_a_raising_candidate_names_the_state():
    spec = Spec(init=[0], next=lambda n: [])
    with pytest.raises(ValueError, match=r"candidate raised .* on state 0"):
        check_inductive(spec, lambda n: 1 / n > 0, [0])


# --- hypothesis: what induction guarantees, on random finite graphs ---------------

graphs = st.integers(1, 7).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=14),
        st.lists(st.integers(0, n - 1), min_size=1, max_size=3),
        st.sets(st.integers(0, n - 1)),
    )
)


@settings(max_examples=60 * SCALE)
@given(graphs)
def test_induction_is_sound_and_the_step_is_real(g):
    n, edges, inits, good = g
    spec = _graph_spec(n, edges, inits)
    r = check_inductive(spec, lambda s: s in good, range(n))
    assert r.holds == _reach(spec).issubset(good)
    if r.inductive:
        assert r.holds
    if r.step is not None:
        before, action, after = r.step
        assert before in good and after not in good
        assert (action, after) in spec.next(before)
    else:  # consecution: no edge leaves the candidate set
        assert all(b in good for a, b in edges if a in good)


@settings(max_examples=40 * SCALE)
@given(graphs)
def test_the_reachable_set_is_always_an_inductive_invariant(g):
    n, edges, inits, _ = g
    spec = _graph_spec(n, edges, inits)
    reach = _reach(spec)
    r = check_inductive(spec, lambda s: s in reach, range(n))
    assert r.inductive and r.unreachable_candidate_states == 0


# --- runtime monitors on otlpkb.sim runs ------------------------------------------

CONFIGS = {
    "batch, errors, small queue": PipelineConfig(
        sources=(PoissonSource(rate=200.0, items_per_request=5),),
        batch=BatchConfig(send_batch_size=40, timeout=0.1),
        queue=QueueConfig(queue_size=3, num_consumers=2),
        backend=BackendConfig(concurrency=1, error_probability=0.3),
        retry=RetryConfig(initial_interval=0.05, max_elapsed_time=0.3),
    ),
    "no batch, permanent errors": PipelineConfig(
        sources=(PoissonSource(rate=80.0, items_per_request=3),),
        queue=QueueConfig(queue_size=5, num_consumers=1),
        backend=BackendConfig(permanent_error_probability=0.2),
    ),
}


@settings(max_examples=6 * SCALE, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(sorted(CONFIGS)))
def test_the_monitor_agrees_with_the_simulators_conservation_on_every_seed(seed, name):
    rep = monitor_run(CONFIGS[name], until=2.0, seed=seed)
    assert rep.ok and rep.violation is None and rep.events > 0
    m, f = rep.result.metrics, rep.final
    assert m["otelcol_receiver_accepted_spans"] == f.received == accounted(f)
    assert m["otelcol_receiver_accepted_spans"] == (
        m["otelcol_exporter_sent_spans"]
        + m["otelcol_exporter_send_failed_spans"]
        + rep.result.dropped_items
        + rep.result.pending_items
    )
    assert f.batched + f.queued + f.in_flight == rep.result.pending_items


class _RecordingDrop(SilentDropExporter):
    drop_every = 4

    def enqueue(self, request: Request) -> bool:
        if (self.offered + 1) % self.drop_every == 0:
            self.lost_at = getattr(self, "lost_at", None) or (self.env.now, request.items)
        return super().enqueue(request)


@settings(max_examples=6 * SCALE, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(sorted(CONFIGS)))
def test_a_silent_drop_is_caught_at_the_event_that_loses_the_items(seed, name):
    lost = []

    class Probe(_RecordingDrop):
        def enqueue(self, request: Request) -> bool:
            ok = super().enqueue(request)
            if getattr(self, "lost_at", None) and not lost:
                lost.append(self.lost_at)
            return ok

    rep = monitor_run(CONFIGS[name], until=2.0, seed=seed, exporter=Probe)
    if not lost:  # fewer than drop_every requests reached the queue
        assert rep.ok
        return
    time, items = lost[0]
    assert not rep.ok and rep.violation.time == time and rep.missing == items
    clean = monitor_run(CONFIGS[name], until=2.0, seed=seed)
    assert clean.ok  # the same seed without the mutation keeps the ledger
    # the simulator's own end-of-run check uses a pool that still holds the lost items
    m = rep.result.metrics
    assert m["otelcol_receiver_accepted_spans"] == (
        m["otelcol_exporter_sent_spans"]
        + m["otelcol_exporter_send_failed_spans"]
        + rep.result.dropped_items
        + rep.result.pending_items
    )


def test_the_monitor_records_only_the_first_violation():
    mon = ConservationMonitor()
    for k, received in enumerate([5, 6, 5, 7], start=1):
        mon(PipelineState(0.1 * k, k, received, 5, 0, 0, 0, 0, 0, 0))
    assert (mon.ok, mon.violations, mon.violation.event, mon.last.event) == (False, 2, 2, 4)
