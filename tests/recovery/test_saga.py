"""Tests of otlpkb.recovery.saga.

External check: the saga guarantee of Garcia-Molina and Salem, "Sagas", SIGMOD 1987
(doi:10.1145/38713.38742), section 2: the system executes either the sequence
T1, T2, ..., Tn or, for some 0 <= j < n, T1, ..., Tj, Cj, ..., C1. The tests check that
sequence on every failure point (hypothesis), across simulated crashes at every event of the
log, and across real SIGKILLs of a writer process.
"""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb.recovery.saga import Saga, SagaLog, SagaStep

WRITER = Path(__file__).with_name("crash_writer.py")
_spec = importlib.util.spec_from_file_location("crash_writer_saga", WRITER)
assert _spec is not None and _spec.loader is not None
crash_writer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(crash_writer)


class Crash(BaseException):
    """Simulates the process dying: not an Exception, so the saga does not handle it."""


def make_saga(n, trace, fail_at=None, crash_at=None, name="s"):
    """n steps T0..T(n-1); trace records "T<i>" / "C<i>" as effects happen."""

    def action(i):
        def run(ctx):
            if crash_at == ("before", i):
                raise Crash
            if fail_at == i:
                raise RuntimeError(f"step {i} failed")
            trace.append(f"T{i}")
            if crash_at == ("after", i):
                raise Crash
            return {"i": i}

        return run

    def compensation(i):
        def run(ctx):
            if crash_at == ("comp", i):
                raise Crash
            trace.append(f"C{i}")

        return run

    return Saga(name, [SagaStep(f"t{i}", action(i), compensation(i)) for i in range(n)])


def saga_sequence_ok(trace, n):
    """True if the trace is T0..Tn-1, or T0..Tj Cj..C0 (the paper's guarantee)."""
    if trace == [f"T{i}" for i in range(n)]:
        return True
    forward = [t for t in trace if t.startswith("T")]
    j = len(forward)
    return trace == [f"T{i}" for i in range(j)] + [f"C{i}" for i in reversed(range(j))] and j < n


def test_completes(tmp_path):
    trace = []
    with SagaLog.open(tmp_path / "log") as log:
        outcome = make_saga(3, trace).run(log, "a", {"x": 1})
    assert outcome.status == "completed"
    assert outcome.results == {"t0": {"i": 0}, "t1": {"i": 1}, "t2": {"i": 2}}
    assert trace == ["T0", "T1", "T2"]


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 6), data=st.data())
def test_failure_compensates_in_reverse(tmp_path_factory, n, data):
    fail_at = data.draw(st.one_of(st.none(), st.integers(0, n - 1)))
    trace = []
    with SagaLog.open(tmp_path_factory.mktemp("s") / "log", fsync="never") as log:
        outcome = make_saga(n, trace, fail_at=fail_at).run(log, "id")
    assert saga_sequence_ok(trace, n)
    if fail_at is None:
        assert outcome.status == "completed"
    else:
        assert outcome.status == "compensated"
        assert trace == [f"T{i}" for i in range(fail_at)] + [
            f"C{i}" for i in reversed(range(fail_at))
        ]
        assert f"step {fail_at} failed" in outcome.error
        assert outcome.compensated == tuple(f"t{i}" for i in reversed(range(fail_at)))


CRASH_POINTS = [(kind, i) for i in range(3) for kind in ("before", "after", "comp")]


@pytest.mark.parametrize("fail_at", [None, 2])
@pytest.mark.parametrize("crash_at", CRASH_POINTS)
@pytest.mark.parametrize("policy", ["resume", "compensate"])
def test_crash_then_recover(tmp_path, crash_at, fail_at, policy):
    """Crash anywhere, restart with a fresh definition and the reopened log."""
    trace = []
    path = tmp_path / "log"
    with SagaLog.open(path) as log:
        saga = make_saga(3, trace, fail_at=fail_at, crash_at=crash_at)
        try:
            outcome = saga.run(log, "id")
        except Crash:
            outcome = None
    with SagaLog.open(path) as log:
        outcomes = make_saga(3, trace, fail_at=fail_at).recover(log, policy=policy)
        if outcome is None:
            assert [o.saga_id for o in outcomes] == ["id"]
            outcome = outcomes[0]
        else:
            assert outcomes == []  # the crash point was never reached
        assert make_saga(3, trace, fail_at=fail_at).recover(log, policy=policy) == []
        events = [e["e"] for e in log.events()]
    assert events[-1] == "end"
    kind, i = crash_at
    # A step in flight may run twice under "resume" (at-least-once): drop the repeat.
    dedup = []
    for t in trace:
        if not dedup or dedup[-1] != t:
            dedup.append(t)
    if policy == "compensate" and kind == "after" and outcome.status == "compensated":
        # the in-flight step ran and was compensated: T0..Ti Ci..C0
        assert saga_sequence_ok(dedup, 3) or dedup == [f"T{k}" for k in range(i + 1)] + [
            f"C{k}" for k in reversed(range(i + 1))
        ]
    elif policy == "compensate" and kind == "before" and outcome.status == "compensated":
        # the in-flight step never ran, yet it is compensated (compensations must tolerate it)
        expected = [f"T{k}" for k in range(i)] + [f"C{k}" for k in reversed(range(i + 1))]
        assert dedup == expected
    else:
        assert saga_sequence_ok(dedup, 3), dedup
    assert outcome.status in {"completed", "compensated"}


def test_stuck_compensation_is_retried_by_recover(tmp_path):
    trace = []
    broken = [True]

    def comp(ctx):
        if broken[0]:
            raise OSError("downstream unavailable")
        trace.append("C0")

    def fail(ctx):
        raise RuntimeError("no")

    saga = Saga(
        "s",
        [SagaStep("a", lambda ctx: trace.append("T0"), comp), SagaStep("b", fail)],
        compensation_attempts=2,
    )
    with SagaLog.open(tmp_path / "log") as log:
        assert saga.run(log, "x").status == "stuck"
        broken[0] = False
        outcomes = saga.recover(log)
    assert [o.status for o in outcomes] == ["compensated"]
    assert trace == ["T0", "C0"]


def test_several_saga_types_share_a_log(tmp_path):
    t1, t2 = [], []
    with SagaLog.open(tmp_path / "log") as log:
        make_saga(2, t1, name="one").run(log, "a")
        with pytest.raises(Crash):
            make_saga(2, t2, name="two", crash_at=("after", 0)).run(log, "b")
    with SagaLog.open(tmp_path / "log") as log:
        assert make_saga(2, t1, name="one").recover(log) == []
        (outcome,) = make_saga(2, t2, name="two").recover(log)
    assert outcome.saga_id == "b" and outcome.status == "completed"
    assert t2 == ["T0", "T0", "T1"]  # T0 was in flight at the crash: re-run (at-least-once)


def test_context_carries_input_and_results(tmp_path):
    seen = []

    def first(ctx):
        return {"order": ctx.input["order"], "key": ctx.idempotency_key}

    def second(ctx):
        seen.append((ctx.saga_id, ctx.step, dict(ctx.results)))

    saga = Saga("s", [SagaStep("first", first), SagaStep("second", second)])
    with SagaLog.open(tmp_path / "log") as log:
        saga.run(log, "o-1", {"order": 7})
    assert seen == [("o-1", "second", {"first": {"order": 7, "key": "o-1/first"}})]


def test_bad_input(tmp_path):
    step = SagaStep("a", lambda ctx: None)
    with pytest.raises(ValueError, match="name"):
        Saga("", [step])
    with pytest.raises(ValueError, match="steps"):
        Saga("s", [])
    with pytest.raises(TypeError, match="SagaStep"):
        Saga("s", [lambda ctx: None])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="unique"):
        Saga("s", [step, step])
    with pytest.raises(ValueError, match="compensation_attempts"):
        Saga("s", [step], compensation_attempts=0)
    with pytest.raises(TypeError, match="wal"):
        SagaLog("not a wal")  # type: ignore[arg-type]
    saga = Saga("s", [step])
    with SagaLog.open(tmp_path / "log") as log:
        saga.run(log, "dup")
        with pytest.raises(ValueError, match="already in the log"):
            saga.run(log, "dup")
        with pytest.raises(ValueError, match="saga_id"):
            saga.run(log, "")
        with pytest.raises(ValueError, match="policy"):
            saga.recover(log, policy="pray")  # type: ignore[arg-type]
        bad = Saga("s", [SagaStep("a", lambda ctx: object())])
        with pytest.raises(TypeError, match="result of step 'a'"):
            bad.run(log, "obj")
    # a definition that lost a step cannot recover the log
    with pytest.raises(Crash), SagaLog.open(tmp_path / "log2") as log:
        make_saga(2, [], crash_at=("after", 1)).run(log, "z")
    with SagaLog.open(tmp_path / "log2") as log, pytest.raises(ValueError, match="lacks"):
        make_saga(1, []).recover(log)


@pytest.mark.slow
def test_sigkill_during_sagas(tmp_path):
    """Money transfers as sagas, writer killed at random; recovery restores the invariants.

    Effects go to an idempotent ledger (crash_writer.Ledger): each step's effect is keyed by
    StepContext.idempotency_key, so a step re-run after a crash is applied once.
    """
    rng = random.Random("saga-crash")
    zygote = crash_writer.Zygote(tmp_path)
    reported = {}
    try:
        for k in range(30 * SCALE):
            lines = zygote.run_and_kill(tmp_path / "ack", ["saga", str(tmp_path), str(k)], rng)
            for line in lines[1:]:
                saga_id, status = line.split()
                reported[saga_id] = status
    finally:
        zygote.close()
    ledger = crash_writer.Ledger(str(tmp_path / "ledger"))
    with SagaLog.open(tmp_path / "saga") as log:
        saga = crash_writer.transfer_saga(ledger)
        saga.recover(log, policy="compensate")
        ends = {}
        for event in log.events():
            if event["e"] == "end":
                assert event["id"] not in ends, "a saga ended twice"
                ends[event["id"]] = event["status"]
        ids = {e["id"] for e in log.events()}
    assert ids == set(ends), "every saga finished after recovery"
    for saga_id, status in reported.items():
        assert ends[saga_id] == status  # what the writer reported is what the log says
    keys = set(ledger.entries)
    raw_keys = [raw.decode().rsplit(" ", 1)[0] for _, raw in ledger.wal.replay()]
    assert len(raw_keys) == len(set(raw_keys)), "an effect was applied twice"
    for saga_id, status in ends.items():
        debit, credit = f"{saga_id}/debit", f"{saga_id}/credit"
        if status == "completed":
            assert {debit, credit} <= keys
            assert f"{debit}/undo" not in keys and f"{credit}/undo" not in keys
        else:
            for step in (debit, credit):
                assert (step in keys) == (f"{step}/undo" in keys), (saga_id, step)
    assert sum(ledger.entries.values()) == 0  # money is neither created nor destroyed
    assert len(ends) > 10
    ledger.wal.close()
