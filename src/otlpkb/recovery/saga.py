"""Orchestrated sagas with compensations and a persisted log.

A saga (Garcia-Molina and Salem, 1987) is a sequence of steps ``T1 ... Tn``, each with a
compensation ``Ci`` that semantically undoes it. The guarantee is that either every step
runs, ``T1 ... Tn``, or the steps that ran are undone in reverse, ``T1 ... Tj Cj ... C1``.
The orchestrator writes every transition to a `SagaLog` (JSON events on a
`WriteAheadLog`, synced per event by default) before and after
it acts, so a process that crashes can pick up where it stopped: callables cannot be
persisted, so the saga definition is supplied again on restart and the log says how far each
saga got.

Assumptions, which the caller must meet:

* a step that *raises* had no effect (it is atomic, like the local transactions of the
  paper), so it is not compensated;
* a step in flight at a crash may or may not have taken effect: recovery either re-runs it
  (``policy="resume"``, so actions must be idempotent; `StepContext.idempotency_key`
  helps) or compensates it (``policy="compensate"``, so compensations must be safe when the
  action never happened);
* compensations are idempotent and eventually succeed; they are retried, and a saga whose
  compensation keeps failing is reported ``"stuck"`` and retried by the next
  `Saga.recover`.

See the chapter *Recovery strategies* (2.3).

Examples:
    >>> import tempfile, os
    >>> ledger = []
    >>> def reserve(ctx): ledger.append("reserve"); return {"slot": 3}
    >>> def release(ctx): ledger.append("release")
    >>> def charge(ctx): raise RuntimeError("card declined")
    >>> saga = Saga("order", [SagaStep("reserve", reserve, release), SagaStep("charge", charge)])
    >>> with SagaLog.open(os.path.join(tempfile.mkdtemp(), "saga")) as log:
    ...     outcome = saga.run(log, "order-1", {"items": 2})
    >>> outcome.status, ledger
    ('compensated', ['reserve', 'release'])
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, get_args

from otlpkb.recovery.wal import FsyncPolicy, WriteAheadLog

__all__ = [
    "RecoveryPolicy",
    "Saga",
    "SagaLog",
    "SagaOutcome",
    "SagaStatus",
    "SagaStep",
    "StepContext",
]

SagaStatus = Literal["completed", "compensated", "stuck"]
RecoveryPolicy = Literal["resume", "compensate"]


@dataclass(frozen=True)
class StepContext:
    """What an action or compensation gets to see.

    Attributes:
        saga_id: The saga instance.
        step: The step's name.
        input: The saga's input, as given to `Saga.run`.
        results: Results of the steps that completed, by step name.
    """

    saga_id: str
    step: str
    input: Any
    results: Mapping[str, Any]

    @property
    def idempotency_key(self) -> str:
        """A key unique to this step of this saga, for deduplicating re-runs."""
        return f"{self.saga_id}/{self.step}"


def _check_json(step: str, result: object) -> None:
    try:
        json.dumps(result)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"result of step {step!r} must be JSON-serialisable, got {type(result).__name__}"
        ) from exc


@dataclass(frozen=True)
class SagaStep:
    """One step: a name (persisted), an action and an optional compensation.

    Attributes:
        name: Unique name of the step within the saga.
        action: Called with a `StepContext`; returns a JSON-serialisable result.
        compensation: Undoes the action; ``None`` for steps with nothing to undo.
    """

    name: str
    action: Callable[[StepContext], Any]
    compensation: Callable[[StepContext], None] | None = None


@dataclass(frozen=True)
class SagaOutcome:
    """How a saga instance ended (so far).

    Attributes:
        saga_id: The saga instance.
        status: ``"completed"``, ``"compensated"`` or ``"stuck"`` (a compensation kept
            failing; `Saga.recover` will try again).
        results: Results of the completed steps.
        compensated: Steps compensated, in the order it happened.
        error: The error that made the saga compensate, if any.
    """

    saga_id: str
    status: SagaStatus
    results: dict[str, Any]
    compensated: tuple[str, ...] = ()
    error: str | None = None


class SagaLog:
    """The durable event log of sagas, one JSON object per write-ahead-log record.

    Events: ``begin``, ``step_begin``, ``step_end``, ``step_failed``, ``abort``,
    ``comp_begin``, ``comp_end``, ``end``. Each names the saga type and instance.
    """

    def __init__(self, wal: WriteAheadLog) -> None:
        if not isinstance(wal, WriteAheadLog):
            raise TypeError(f"wal must be a WriteAheadLog, got {type(wal).__name__}")
        self._wal = wal
        self._ids: set[str] = set()
        for event in self.events():
            self._ids.add(event["id"])

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, fsync: FsyncPolicy = "always") -> SagaLog:
        """Open (or create) a saga log in directory ``path``."""
        return cls(WriteAheadLog.open(path, fsync=fsync))

    def append(self, event: Mapping[str, Any]) -> None:
        """Append one event durably (per the underlying log's fsync policy)."""
        self._wal.append(json.dumps(event, sort_keys=True, separators=(",", ":")).encode())
        self._ids.add(str(event["id"]))

    def events(self) -> Iterator[dict[str, Any]]:
        """All events in the order they were logged."""
        for _, raw in self._wal.replay():
            event = json.loads(raw)
            if not isinstance(event, dict):
                raise ValueError(f"saga log event must be a JSON object, got {raw!r}")
            yield event

    def __contains__(self, saga_id: object) -> bool:
        return saga_id in self._ids

    def close(self) -> None:
        """Close the underlying write-ahead log."""
        self._wal.close()

    def __enter__(self) -> SagaLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


@dataclass
class _State:
    saga_id: str
    input: Any = None
    results: dict[str, Any] = field(default_factory=dict)
    in_flight: str | None = None
    backward: bool = False
    aborted_step: str | None = None
    compensated: list[str] = field(default_factory=list)
    error: str | None = None
    ended: bool = False


class Saga:
    """A saga definition: a name and its ordered steps.

    Args:
        name: Saga type, stored in the log (one log can hold several types).
        steps: The steps, in execution order, with unique names.
        compensation_attempts: Tries per compensation before the saga is reported stuck.
    """

    def __init__(self, name: str, steps: Sequence[SagaStep], *, compensation_attempts: int = 3):
        if not isinstance(name, str) or not name:
            raise ValueError(f"name must be a non-empty str, got {name!r}")
        steps = list(steps)
        if not steps:
            raise ValueError("steps must not be empty")
        for step in steps:
            if not isinstance(step, SagaStep):
                raise TypeError(f"steps must be SagaStep objects, got {type(step).__name__}")
        names = [s.name for s in steps]
        if len(set(names)) != len(names):
            raise ValueError(f"step names must be unique, got {names}")
        if isinstance(compensation_attempts, bool) or not isinstance(compensation_attempts, int):
            raise TypeError("compensation_attempts must be an int")
        if compensation_attempts < 1:
            raise ValueError(f"compensation_attempts must be >= 1, got {compensation_attempts}")
        self.name = name
        self.steps = tuple(steps)
        self._by_name = {s.name: s for s in steps}
        self._attempts = compensation_attempts

    def run(self, log: SagaLog, saga_id: str, input: Any = None) -> SagaOutcome:
        """Run a new saga instance to completion or full compensation.

        Args:
            log: Where the saga's progress is recorded.
            saga_id: A new, unique instance id.
            input: JSON-serialisable input, passed to every step.

        Returns:
            The outcome.
        """
        if not isinstance(saga_id, str) or not saga_id:
            raise ValueError(f"saga_id must be a non-empty str, got {saga_id!r}")
        if saga_id in log:
            raise ValueError(f"saga_id {saga_id!r} is already in the log; use recover()")
        log.append({"saga": self.name, "id": saga_id, "e": "begin", "input": input})
        return self._drive(log, _State(saga_id, input), "resume")

    def recover(self, log: SagaLog, *, policy: RecoveryPolicy = "resume") -> list[SagaOutcome]:
        """Finish every unfinished instance of this saga found in ``log``.

        Args:
            log: The saga log, reopened after a crash.
            policy: What to do with a step that was in flight at the crash: ``"resume"``
                runs it again, ``"compensate"`` undoes it and every earlier step.

        Returns:
            Outcomes of the instances that were unfinished, in log order.
        """
        if policy not in get_args(RecoveryPolicy):
            raise ValueError(f"policy must be 'resume' or 'compensate', got {policy!r}")
        states: dict[str, _State] = {}
        for event in log.events():
            if event.get("saga") != self.name:
                continue
            self._apply(states, event)
        return [self._drive(log, s, policy) for s in states.values() if not s.ended]

    def _apply(self, states: dict[str, _State], event: dict[str, Any]) -> None:
        kind, sid = event["e"], event["id"]
        if kind == "begin":
            states[sid] = _State(sid, event.get("input"))
            return
        state = states[sid]
        step = event.get("step")
        if step is not None and step not in self._by_name:
            raise ValueError(f"saga log names step {step!r}, which saga {self.name!r} lacks")
        if kind == "step_begin":
            state.in_flight = step
        elif kind == "step_end":
            state.results[str(step)] = event.get("result")
            state.in_flight = None
        elif kind == "step_failed":
            state.in_flight, state.backward, state.error = None, True, event.get("error")
        elif kind == "abort":
            state.in_flight, state.backward, state.aborted_step = None, True, step
            state.error = event.get("error")
        elif kind == "comp_end":
            state.compensated.append(str(step))
        elif kind == "end":
            state.ended = True

    def _ctx(self, state: _State, step: str) -> StepContext:
        return StepContext(state.saga_id, step, state.input, dict(state.results))

    def _drive(self, log: SagaLog, state: _State, policy: RecoveryPolicy) -> SagaOutcome:
        head = {"saga": self.name, "id": state.saga_id}
        # --8<-- [start:forward]
        if not state.backward:
            for step in self.steps[len(state.results) :]:
                if state.in_flight == step.name and policy == "compensate":
                    state.backward, state.aborted_step = True, step.name
                    state.error = "crashed while the step was in flight"
                    log.append({**head, "e": "abort", "step": step.name, "error": state.error})
                    break
                log.append({**head, "e": "step_begin", "step": step.name})  # intent first
                try:
                    result = step.action(self._ctx(state, step.name))
                except Exception as exc:  # the step failed and (by assumption) had no effect
                    state.backward, state.error = True, f"{step.name}: {exc!r}"
                    log.append(
                        {**head, "e": "step_failed", "step": step.name, "error": state.error}
                    )
                    break
                _check_json(step.name, result)
                log.append({**head, "e": "step_end", "step": step.name, "result": result})
                state.results[step.name] = result
            else:
                log.append({**head, "e": "end", "status": "completed"})
                return SagaOutcome(state.saga_id, "completed", dict(state.results))
        # --8<-- [end:forward]
        # --8<-- [start:backward]
        # Backward recovery: compensate in reverse order of execution.
        undo = [s.name for s in self.steps if s.name in state.results]
        if state.aborted_step is not None:
            undo.append(state.aborted_step)
        for name in reversed(undo):
            compensation = self._by_name[name].compensation
            if name in state.compensated or compensation is None:
                continue
            log.append({**head, "e": "comp_begin", "step": name})
            for attempt in range(self._attempts):
                try:
                    compensation(self._ctx(state, name))
                    break
                except Exception:
                    if attempt == self._attempts - 1:  # stuck: the next recover retries
                        results, done = dict(state.results), tuple(state.compensated)
                        return SagaOutcome(state.saga_id, "stuck", results, done, state.error)
            log.append({**head, "e": "comp_end", "step": name})
            state.compensated.append(name)
        log.append({**head, "e": "end", "status": "compensated"})
        results, done = dict(state.results), tuple(state.compensated)
        return SagaOutcome(state.saga_id, "compensated", results, done, state.error)
        # --8<-- [end:backward]
