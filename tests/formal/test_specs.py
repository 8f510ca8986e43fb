"""Tests of the specifications (otlpkb.formal.specs), the OTLP export model above all.

External references: the OTLP specification's rules for retries (opentelemetry-proto,
``docs/specification.md``, "Failures" and "Partial Success": a partial success must not
be retried, a permanent error must not be retried, throttled requests wait for
``RetryInfo`` / ``Retry-After``); the counts of the classic specs are checked against TLC
in ``test_model_checker.py``.
"""

from __future__ import annotations

from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb.formal.model_checker import Spec, check
from otlpkb.formal.specs import (
    OTLP_BUGS,
    OTLP_OUTCOMES,
    bounded_fifo,
    otlp_export,
    tcommit,
    two_phase,
    two_phase_promela,
)


def _reachable(spec):
    """Every reachable state and transition, by a plain breadth-first search."""
    seen, todo, edges = set(spec.init), deque(spec.init), []
    while todo:
        s = todo.popleft()
        for action, t in spec.next(s):
            edges.append((s, action, t))
            if t not in seen:
                seen.add(t)
                todo.append(t)
    return seen, edges


def test_the_correct_exporter_keeps_every_invariant_and_always_settles():
    r = check(otlp_export(batches=2, queue_size=1, max_attempts=3))
    assert r.ok and r.complete and not r.deadlock
    assert set(r.actions) >= {"Produce", "Send", "Retry", "Done"} | {
        o.title().replace("_", "") for o in OTLP_OUTCOMES
    }


@pytest.mark.parametrize(
    "bug,invariant,actions",
    [
        ("retry_partial", "PartialNeverRetried", ["Produce", "Send", "PartialSuccess", "Retry"]),
        ("retry_permanent", "PermanentNeverRetried", ["Produce", "Send", "Permanent", "Retry"]),
        ("ack_before_persist", "AcknowledgedNotLost", ["Produce", "Send", "Success", "Crash"]),
    ],
)
def test_each_seeded_bug_breaks_its_invariant_with_a_four_step_trace(bug, invariant, actions):
    r = check(otlp_export(bugs=(bug,)))
    assert (r.ok, r.violation, r.trace_actions) == (False, invariant, actions)
    assert len(r.trace) == len(actions) + 1
    assert r.trace[0] == otlp_export().init[0]


@pytest.mark.parametrize("budget", [1, 2, 3])
def test_an_off_by_one_budget_sends_one_attempt_too_many(budget):
    r = check(otlp_export(max_attempts=budget, bugs=("off_by_one_budget",)))
    assert r.violation == "AttemptsWithinBudget"
    # shortest: produce, then budget + 1 sends separated by retryable failures
    assert len(r.trace_actions) == 1 + 2 * (budget + 1) - 1
    assert r.trace[-1][0][0][1] == budget + 1


@settings(max_examples=12 * SCALE)
@given(st.integers(1, 3), st.integers(1, 2), st.integers(1, 3))
def test_every_step_but_done_makes_progress_so_every_batch_settles(n, q, budget):
    # A ranking function that every non-Done step decreases: the graph has no cycle
    # apart from Done's self-loop, so with no deadlock every run ends settled.
    order = {"new": 0, "queued": 1, "sending": 2, "waiting": 2}

    def rank(s):
        batches, stored = s
        left = 0
        for phase, attempts, _ in batches:
            if phase in order:
                left += 3 * (budget - attempts) + 3 - order[phase] + (phase == "sending")
        return left + sum(x == 1 for x in stored)

    _, edges = _reachable(otlp_export(n, q, budget))
    for s, action, t in edges:
        if action == "Done":
            assert s == t and all(b[0] not in order for b in s[0])
        else:
            assert rank(t) < rank(s), (s, action, t)
    assert check(otlp_export(n, q, budget)).ok


def test_a_full_queue_drops_and_counts():
    states, _ = _reachable(otlp_export(batches=3, queue_size=1))
    assert any(b[0] == "queue_full" for s in states for b in s[0])
    states, _ = _reachable(otlp_export(batches=2, queue_size=2))
    assert not any(b[0] == "queue_full" for s in states for b in s[0])


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="bugs must be a tuple of names"):
        otlp_export(bugs=("nope",))
    with pytest.raises(ValueError, match="bugs must be a tuple"):
        otlp_export(bugs="retry_partial")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="queue_size must be >= 1, got 0"):
        otlp_export(queue_size=0)
    with pytest.raises(TypeError, match="rms must be an int"):
        two_phase(2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="capacity must be >= 0"):
        bounded_fifo(capacity=-1)
    assert set(OTLP_BUGS) == {
        "retry_partial",
        "retry_permanent",
        "ack_before_persist",
        "off_by_one_budget",
    }


def test_transaction_commit_is_consistent_and_two_phase_implements_it():
    assert check(tcommit(4)).ok
    # Every two_phase state, projected on the RMs, is a reachable TCommit state.
    tc, _ = _reachable(tcommit(3))
    tp, _ = _reachable(two_phase(3))
    assert {s[0] for s in tp} <= tc


def test_promela_has_one_branch_per_action_instance():
    text = two_phase_promela(3)
    assert text.count(":: d_step") == 2 + 5 * 3
    assert "byte rm[3]" in text


def test_the_page_exercises_hold():
    # Exercise 1: dropping TwoPhase's stuttering TMRcvPrepared steps changes only the
    # generated count; exercise 2: one attempt never waits and keeps the invariants.
    base = two_phase(3)
    no_stutter = Spec(
        base.init,
        lambda s: [(a, t) for a, t in base.next(s) if not (a == "TMRcvPrepared" and t == s)],
    )
    full, cut = check(base), check(no_stutter)
    assert (cut.distinct_states, cut.depth) == (full.distinct_states, full.depth)
    assert cut.generated_states < full.generated_states
    states, _ = _reachable(otlp_export(max_attempts=1))
    assert not any(b[0] == "waiting" for s in states for b in s[0])
    assert check(otlp_export(max_attempts=1)).ok
