r"""System invariants: inductive invariant checking and runtime monitors on simulated runs.

The reference implementation of the chapter *System invariants* (4.4). Two ways to
trust a property of every state a system can reach:

* **Proof by induction.** A state predicate $I$ is an *inductive invariant* of a spec
  when it holds in every initial state (*initiation*) and every step from any state
  that satisfies $I$ leads to a state that satisfies $I$ (*consecution*). Then $I$
  holds in every reachable state, however many there are. `check_inductive` checks
  both conditions over a finite domain of states (TLA+'s ``TypeOK``), reusing the
  model checker of chapter 4.1: consecution is a one-step search from every domain
  state that satisfies the candidate. A candidate can hold in every reachable state
  and still fail consecution, from an unreachable state: the result names that step,
  and the remedy is to strengthen the candidate with a conjunct that rules it out.
* **Runtime monitoring.** `ConservationMonitor` checks, after every event of an
  `otlpkb.sim.Pipeline` run, that every accepted item is accounted for:
  received = exported + queued (batch buffer and sending queue) + in flight +
  dropped-and-counted (send failures and drops at a full queue). A component that
  loses items without counting them, like `SilentDropExporter`, is caught at the
  first event where the sides differ.

See the chapter *System invariants* (4.4).

Examples:
    >>> from otlpkb.formal.specs import peterson
    >>> r = check_inductive(peterson(), peterson_inv, peterson_type_ok())
    >>> r.holds, r.inductive, r.domain_states
    (True, True, 288)
    >>> mutex = peterson().invariants["Mutex"]
    >>> r = check_inductive(peterson(), mutex, peterson_type_ok())
    >>> r.holds, r.initiation, r.consecution, r.step[1]
    (True, True, False, 'a3')
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from otlpkb.formal.model_checker import Spec, check
from otlpkb.sim import Pipeline, PipelineConfig, PipelineResult, PipelineState
from otlpkb.sim.components import Exporter, Request

__all__ = [
    "ConservationMonitor",
    "InductiveResult",
    "MonitorReport",
    "SilentDropExporter",
    "accounted",
    "check_inductive",
    "monitor_run",
    "peterson_inv",
    "peterson_type_ok",
]


@dataclass(frozen=True)
class InductiveResult:
    """The outcome of `check_inductive`.

    Attributes:
        holds: the candidate holds in every reachable state (a full search).
        initiation: it holds in every initial state.
        consecution: every step from a domain state that satisfies it keeps it.
        reachable_states: distinct reachable states.
        domain_states: states in the domain.
        candidate_states: domain states that satisfy the candidate (the states
            consecution starts from).
        unreachable_candidate_states: of those, how many are not reachable.
        counterexample: when ``holds`` is False, the shortest trace from an initial
            state to a state that violates the candidate; else empty.
        bad_initial_state: an initial state that violates the candidate, or None.
        step: when consecution fails, ``(state, action, next_state)``: a step from a
            domain state that satisfies the candidate to one that does not; else None.
        step_reachable: whether the step's first state is reachable (False when the
            candidate holds but is not inductive).
    """

    holds: bool
    initiation: bool
    consecution: bool
    reachable_states: int
    domain_states: int
    candidate_states: int
    unreachable_candidate_states: int
    counterexample: list[Any]
    bad_initial_state: Any
    step: tuple[Any, str, Any] | None
    step_reachable: bool

    @property
    def inductive(self) -> bool:
        """Initiation and consecution both hold."""
        return self.initiation and self.consecution


def _reachable(spec: Spec) -> set[Hashable]:
    seen, todo = set(spec.init), list(spec.init)
    while todo:
        for _, t in spec.next(todo.pop()):
            if t not in seen:
                seen.add(t)
                todo.append(t)
    return seen


def _holds(candidate: Callable[[Any], bool], state: Any) -> bool:
    try:
        return bool(candidate(state))
    except Exception as error:
        raise ValueError(f"candidate raised {error!r} on state {state!r}") from error


def check_inductive(
    spec: Spec, candidate: Callable[[Any], bool], domain: Iterable[Hashable]
) -> InductiveResult:
    """Check that ``candidate`` is an inductive invariant of ``spec`` within ``domain``.

    Args:
        spec: the state machine (its own invariants are ignored).
        candidate: the state predicate to check.
        domain: every state the proof quantifies over (TLA+'s ``TypeOK``); it must
            contain the reachable states.

    Returns:
        Whether the candidate holds (a full search with `check`), initiation,
        consecution, and the step that breaks consecution if one does.

    Raises:
        TypeError: ``spec`` is not a `Spec` or ``candidate`` is not callable.
        ValueError: the domain is empty, misses a reachable state, or the candidate
            raises (the message names the state).

    Examples:
        >>> s = Spec(init=[0], next=lambda n: [("Inc", (n + 2) % 6)])
        >>> r = check_inductive(s, lambda n: n != 3, range(6))
        >>> r.holds, r.inductive, r.step
        (True, False, (1, 'Inc', 3))
        >>> check_inductive(s, lambda n: n % 2 == 0, range(6)).inductive
        True
    """
    if not isinstance(spec, Spec):
        raise TypeError(f"spec must be a Spec, got {spec!r}")
    if not callable(candidate):
        raise TypeError(f"candidate must be callable, got {candidate!r}")
    states = list(dict.fromkeys(domain))
    if not states:
        raise ValueError(f"domain must hold at least one state, got {domain!r}")
    reachable = _reachable(spec)
    missing = reachable.difference(states)
    if missing:
        raise ValueError(f"domain misses the reachable state {next(iter(missing))!r}")
    # --8<-- [start:inductive]
    bad_init = next((s for s in spec.init if not _holds(candidate, s)), None)
    full = check(Spec(spec.init, spec.next, invariants={"candidate": candidate}))
    start = [s for s in states if _holds(candidate, s)]  # consecution starts here

    def one_step(tagged: tuple[int, Any]) -> Iterator[tuple[str, tuple[int, Any]]]:
        level, state = tagged
        if level == 0:  # expand the domain states once, never their successors
            for action, succ in spec.next(state):
                yield action, (1, succ)

    def keeps(tagged: tuple[int, Any]) -> bool:
        return _holds(candidate, tagged[1])

    broken = None
    if start:  # with no state satisfying the candidate, consecution holds vacuously
        step = check(Spec([(0, s) for s in start], one_step, invariants={"keeps": keeps}))
        if not step.ok:  # the trace is [(0, before), (1, after)]
            broken = (step.trace[0][1], step.trace_actions[0], step.trace[1][1])
    # --8<-- [end:inductive]
    return InductiveResult(
        holds=full.ok,
        initiation=bad_init is None,
        consecution=broken is None,
        reachable_states=len(reachable),
        domain_states=len(states),
        candidate_states=len(start),
        unreachable_candidate_states=sum(1 for s in start if s not in reachable),
        counterexample=[] if full.ok else full.trace,
        bad_initial_state=bad_init,
        step=broken,
        step_reachable=broken is not None and broken[0] in reachable,
    )


_PCS = ("a0", "a1", "a2", "a3", "cs", "a4")


def peterson_type_ok() -> list[tuple[str, str, bool, bool, int]]:
    """Every state of `otlpkb.formal.specs.peterson` allowed by ``TypeOK`` (288).

    ``TypeOK`` of ``Peterson.tla`` (tlaplus/Examples, ``locks_auxiliary_vars``): each
    ``pc`` one of six labels, each ``c`` a Boolean, ``turn`` 1 or 2.

    Examples:
        >>> len(peterson_type_ok())
        288
    """
    return list(itertools.product(_PCS, _PCS, (False, True), (False, True), (1, 2)))


def peterson_inv(state: tuple[str, str, bool, bool, int]) -> bool:
    """``Inv`` of ``Peterson.tla``, whose inductiveness the file proves with TLAPS.

    Three conjuncts: ``c[p]`` is set exactly when ``p`` is past ``a1``; a process in
    ``cs`` or ``a4`` either has the turn or the other has not reached ``a3``; and the
    mutual exclusion that is the point of the algorithm.

    Examples:
        >>> peterson_inv(("a3", "cs", True, True, 2))
        True
        >>> peterson_inv(("a3", "cs", True, False, 1))
        False
    """
    pc, c, turn = (state[0], state[1]), (state[2], state[3]), state[4]
    # --8<-- [start:peterson-inv]
    flags = all(c[p] == (pc[p] in ("a2", "a3", "cs", "a4")) for p in (0, 1))
    entitled = all(
        pc[p] not in ("cs", "a4") or turn == p + 1 or pc[1 - p] in ("a0", "a1", "a2")
        for p in (0, 1)
    )
    mutex = not (pc[0] in ("cs", "a4") and pc[1] in ("cs", "a4"))
    return flags and entitled and mutex
    # --8<-- [end:peterson-inv]


def accounted(state: PipelineState) -> int:
    """Items the components hold or counted: the right-hand side of the ledger.

    Examples:
        >>> s = PipelineState(0.0, 1, 10, 4, 3, 1, 1, 0, 1, 0)
        >>> accounted(s) == s.received
        True
    """
    # --8<-- [start:ledger]
    return (
        state.exported
        + state.batched
        + state.queued
        + state.in_flight
        + state.failed
        + state.dropped
    )
    # --8<-- [end:ledger]


class ConservationMonitor:
    """Checks after every event of a run that no accepted item is unaccounted for.

    Pass it as ``monitor`` to `otlpkb.sim.Pipeline.run`: received = exported + queued
    + in flight + dropped-and-counted must hold after each event (see `accounted`).

    Attributes:
        events: events observed.
        violation: the `PipelineState` after the first event that broke the ledger, or
            None.
        violations: events that broke it.
        last: the last state observed, or None.

    Examples:
        >>> m = ConservationMonitor()
        >>> m(PipelineState(0.5, 1, 10, 0, 10, 0, 0, 0, 0, 0))
        >>> m(PipelineState(0.7, 2, 20, 0, 10, 0, 0, 0, 0, 0))
        >>> m.ok, m.violation.event, m.violations
        (False, 2, 1)
    """

    def __init__(self) -> None:
        self.events = 0
        self.violations = 0
        self.violation: PipelineState | None = None
        self.last: PipelineState | None = None

    @property
    def ok(self) -> bool:
        """No event broke the ledger."""
        return self.violations == 0

    def __call__(self, state: PipelineState) -> None:
        """Check the ledger in ``state``; remember the first event that breaks it."""
        self.events += 1
        self.last = state
        if state.received != accounted(state):
            self.violations += 1
            if self.violation is None:
                self.violation = state


class SilentDropExporter(Exporter):
    """A mutated exporter that answers success to some requests and then forgets them.

    Every ``drop_every``-th request offered to `enqueue` is lost without being counted.

    The bug that a conservation monitor exists for: the receiver counts the items as
    accepted, nothing counts them as sent, failed or dropped, and the pool that models
    memory still believes it holds them. Subclass it to change ``drop_every``.
    """

    drop_every: int = 10

    offered: int = 0

    def enqueue(self, request: Request) -> bool:
        """Offer a request; every ``drop_every``-th one is lost silently."""
        self.offered += 1
        if self.offered % self.drop_every == 0:
            return True  # success to the caller, and the request is gone
        return super().enqueue(request)


@dataclass(frozen=True, eq=False)
class MonitorReport:
    """The outcome of `monitor_run`.

    Attributes:
        ok: the ledger held after every event.
        events: events the run processed.
        violation: the state after the first event that broke the ledger, or None.
        violations: events that broke it.
        missing: ``received - accounted`` at the first violation (items lost), else 0.
        final: the state after the last event.
        result: the run's `otlpkb.sim.PipelineResult`.
    """

    ok: bool
    events: int
    violation: PipelineState | None
    violations: int
    missing: int
    final: PipelineState | None
    result: PipelineResult


def monitor_run(
    config: PipelineConfig,
    until: float,
    seed: int | None = 0,
    *,
    exporter: type[Exporter] = Exporter,
) -> MonitorReport:
    """Run a pipeline with a `ConservationMonitor` on every event.

    Args:
        config: the pipeline.
        until: simulated seconds.
        seed: the run's seed.
        exporter: the exporter class (`otlpkb.sim.components.Exporter` or a mutant).

    Returns:
        What the monitor saw, and the run's result.

    Examples:
        >>> from otlpkb.sim import BatchConfig, PoissonSource
        >>> cfg = PipelineConfig(sources=(PoissonSource(rate=100.0),),
        ...                      batch=BatchConfig(send_batch_size=50, timeout=0.2))
        >>> monitor_run(cfg, until=5.0, seed=1).ok
        True
        >>> bad = monitor_run(cfg, until=5.0, seed=1, exporter=SilentDropExporter)
        >>> bad.ok, bad.missing > 0
        (False, True)
    """
    monitor = ConservationMonitor()
    result = Pipeline(config, exporter=exporter).run(until, seed, monitor=monitor)
    v = monitor.violation
    return MonitorReport(
        ok=monitor.ok,
        events=monitor.events,
        violation=v,
        violations=monitor.violations,
        missing=0 if v is None else v.received - accounted(v),
        final=monitor.last,
        result=result,
    )
