r"""An explicit-state model checker whose counts mean what TLC's mean.

The reference implementation of the chapter *Protocol specification* (4.1). A
specification is a set of initial states and a next-state function; the checker explores
every reachable state breadth-first, checks each invariant on every state it generates,
optionally reports deadlocks, and returns the shortest trace to the first violation.

The counts follow TLC (the TLA+ model checker, `tlc2.tool.ModelChecker`) exactly, so a
spec written again here can be compared with the numbers TLC prints for the original:

* **generated states** (TLC: "N states generated") counts every initial state produced by
  `init` and every `(action, state)` pair that `next` yields for an expanded state,
  duplicates and stuttering steps (a successor equal to its predecessor) included;
* **distinct states** (TLC: "M distinct states found") counts the states stored in the
  fingerprint set: the distinct states reached that satisfy the constraint;
* **depth** (TLC: "The depth of the complete state graph search is D") is the number of
  breadth-first levels that hold a distinct state, initial states being level 1, that is
  the number of states on the longest shortest path from an initial state;
* a state that fails the **constraint** (TLC's CONSTRAINT) is generated and has its
  invariants checked, but it is neither stored nor expanded, so it does not count as
  distinct and cannot add to the depth;
* a **deadlock** is a stored state for which `next` yields nothing at all (a stuttering
  step counts as a successor, as in TLC).

Visited states are stored as 64-bit fingerprints (Python's `hash`) with the index of
their predecessor, as TLC stores fingerprints and a trace file; the counterexample is
rebuilt by running `next` again along the chain of fingerprints. Two distinct states
with equal fingerprints would be merged: `CheckResult.collision_probability` reports
TLC's optimistic estimate $n_\mathrm{distinct}\, n_\mathrm{generated} / 2^{64}$. Note
that Python gives `-1` and `-2` the same hash: do not use bare negative integers as
states.

See the chapter *Protocol specification* (4.1).

Examples:
    >>> clock = Spec(init=range(1, 13), next=lambda h: [("Tick", h % 12 + 1)])
    >>> r = check(clock)  # TLA+ Examples, HourClock: 12 distinct, 24 generated, depth 1
    >>> r.ok, r.distinct_states, r.generated_states, r.depth
    (True, 12, 24, 1)
    >>> jugs = Spec(
    ...     init=[0],
    ...     next=lambda n: [("AddTwo", min(n + 2, 5)), ("Empty", 0)],
    ...     invariants={"NeverFour": lambda n: n != 4},
    ... )
    >>> r = check(jugs)
    >>> r.ok, r.violation, r.trace, r.trace_actions
    (False, 'NeverFour', [0, 2, 4], ['AddTwo', 'AddTwo'])
"""

from __future__ import annotations

import sys
import time
from array import array
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from otlpkb._checks import integer

__all__ = ["ActionStats", "CheckResult", "Spec", "check"]

#: how many expansions pass between two looks at the clock (progress and rate)
_CLOCK_EVERY = 1 << 13
#: a run longer than this many seconds shows a progress display
_PROGRESS_AFTER = 2.0


@dataclass(frozen=True)
class Spec:
    """A state machine to check: initial states, next-state function, properties.

    Attributes:
        init: the initial states (any iterable of hashable values; it is read once and
            kept as a tuple).
        next: ``next(state)`` yields ``(action_name, next_state)`` pairs, one for each
            way an action can fire in ``state`` (TLC counts each one as generated). It
            must be deterministic: the counterexample is rebuilt by calling it again.
        invariants: name → predicate that must hold in every reachable state.
        check_deadlock: report a reachable state without successors as an error
            (TLC's ``CHECK_DEADLOCK``; off by default here, on by default in TLC).
        constraint: a state predicate that bounds the search like TLC's
            ``CONSTRAINT``: a state that fails it is generated and checked against
            the invariants, but neither stored nor expanded.

    Examples:
        >>> try:
        ...     Spec(init=[], next=lambda s: [])
        ... except ValueError as error:
        ...     print(error)
        init must yield at least one initial state, got []
    """

    init: Iterable[Hashable]
    next: Callable[[Any], Iterable[tuple[str, Hashable]]]
    invariants: Mapping[str, Callable[[Any], bool]] | None = None
    check_deadlock: bool = False
    constraint: Callable[[Any], bool] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.init, str | bytes) or not isinstance(self.init, Iterable):
            raise TypeError(f"init must be an iterable of states, got {self.init!r}")
        states = tuple(self.init)
        if not states:
            raise ValueError(f"init must yield at least one initial state, got {self.init!r}")
        for s in states:
            if not isinstance(s, Hashable):
                raise TypeError(f"initial state {s!r} is not hashable")
        object.__setattr__(self, "init", states)
        if not callable(self.next):
            raise TypeError(f"next must be callable, got {self.next!r}")
        if self.invariants is not None:
            if not isinstance(self.invariants, Mapping):
                raise TypeError(f"invariants must be a mapping, got {self.invariants!r}")
            for name, predicate in self.invariants.items():
                if not isinstance(name, str) or not callable(predicate):
                    raise TypeError(
                        f"invariants must map names to predicates, got {name!r}: {predicate!r}"
                    )
        if not isinstance(self.check_deadlock, bool):
            raise TypeError(f"check_deadlock must be a bool, got {self.check_deadlock!r}")
        if self.constraint is not None and not callable(self.constraint):
            raise TypeError(f"constraint must be callable or None, got {self.constraint!r}")


@dataclass(frozen=True)
class ActionStats:
    """What one action did during a run (TLC's coverage report).

    Attributes:
        generated: successor states the action produced (duplicates included).
        distinct: new distinct states it was the first to reach.
    """

    generated: int
    distinct: int


@dataclass(frozen=True)
class CheckResult:
    r"""The outcome of `check`.

    Attributes:
        ok: the whole reachable space was explored and nothing was violated.
        complete: False when the run stopped at ``max_states`` (then ``ok`` is False
            and nothing was found in the part that was explored).
        distinct_states: states stored (TLC's "distinct states found").
        generated_states: states generated (TLC's "states generated").
        depth: breadth-first levels holding a distinct state (TLC's "depth of the
            complete state graph search").
        violation: the name of the first invariant found violated, else None.
        deadlock: a reachable state without successors was found (only with
            ``check_deadlock``).
        trace: the shortest path of states from an initial state to the violating or
            deadlocked state, initial state first; empty when nothing was found.
        trace_actions: the action names of the trace's steps (one fewer than states).
        actions: per-action counts, by action name, in order of first appearance.
        queue_left: states still waiting to be expanded when the run stopped.
        seconds: wall-clock duration of the search.
        states_per_second: distinct states stored per second (SPIN's "rate").
        bytes_per_state: memory of the fingerprint set and trace arrays per stored state.
        collision_probability: TLC's optimistic estimate that two distinct states shared a
            fingerprint, $n_\mathrm{distinct} n_\mathrm{generated} / 2^{64}$.
    """

    ok: bool
    complete: bool
    distinct_states: int
    generated_states: int
    depth: int
    violation: str | None
    deadlock: bool
    trace: list[Any]
    trace_actions: list[str]
    actions: dict[str, ActionStats]
    queue_left: int
    seconds: float
    states_per_second: float
    bytes_per_state: float
    collision_probability: float = field(repr=False)


class _StopError(Exception):
    """Raised inside the search to stop it: what was found and where."""

    def __init__(self, kind: str, name: str | None, parent: int, step: tuple[str, Any] | None):
        super().__init__(kind)
        self.kind, self.name, self.parent, self.step = kind, name, parent, step


def _violated(invariants: list[tuple[str, Callable[[Any], bool]]], state: Any) -> str | None:
    for name, predicate in invariants:
        try:
            holds = predicate(state)
        except Exception as error:
            raise ValueError(f"invariant {name!r} raised {error!r} on state {state!r}") from error
        if not holds:
            return name
    return None


def _constrained(constraint: Callable[[Any], bool] | None, state: Any) -> bool:
    """True if ``state`` satisfies the constraint (or there is none)."""
    if constraint is None:
        return True
    try:
        return bool(constraint(state))
    except Exception as error:
        raise ValueError(f"constraint raised {error!r} on state {state!r}") from error


def _bad_successor(state: Any, item: object) -> Exception:
    if isinstance(item, tuple) and len(item) == 2:
        return TypeError(
            f"action {item[0]!r} from state {state!r} yielded an unhashable state {item[1]!r}"
        )
    return ValueError(
        f"next must yield (action_name, state) pairs; from state {state!r} it yielded {item!r}"
    )


class _Progress:
    """A rich status line, started only once a run has lasted a couple of seconds."""

    def __init__(self, enabled: bool | None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else bool(enabled)
        self.live: Any = None

    def update(self, elapsed: float, distinct: int, generated: int, depth: int) -> None:
        if not self.enabled or elapsed < _PROGRESS_AFTER:
            return
        text = (
            f"depth {depth}  distinct {distinct:,}  generated {generated:,}  "
            f"{distinct / elapsed:,.0f} states/s"
        )
        if self.live is None:
            from rich.console import Console
            from rich.live import Live

            self.live = Live(text, console=Console(stderr=True), transient=True)
            self.live.start()
        else:
            self.live.update(text)

    def stop(self) -> None:
        if self.live is not None:
            self.live.stop()


def check(
    spec: Spec,
    *,
    max_states: int | None = None,
    progress: bool | None = None,
) -> CheckResult:
    """Explore every reachable state of ``spec`` breadth-first and check its properties.

    Args:
        spec: the state machine and its properties.
        max_states: stop (with ``complete=False``, not an exception) once this many
            distinct states are stored.
        progress: show a progress line on standard error when the run lasts more than
            two seconds: ``True`` always, ``False`` never, ``None`` (default) only when
            standard error is a terminal.

    Returns:
        The counts (with TLC's meaning, see the module docstring), the first violation
        or deadlock with its shortest trace, per-action counts and the speed.

    Raises:
        TypeError: ``spec`` is not a `Spec`, or ``next`` yields an unhashable state
            (the message names the action and the state).
        ValueError: ``next`` yields something other than pairs, or an invariant or the
            constraint raises (the message names it and the state).

    Examples:
        >>> counter = Spec(init=[0], next=lambda n: [("Inc", n + 1)] if n < 3 else [])
        >>> r = check(counter, max_states=2)
        >>> r.complete, r.distinct_states, r.queue_left
        (False, 2, 1)
        >>> check(Spec([0], counter.next, check_deadlock=True)).trace
        [0, 1, 2, 3]
    """
    if not isinstance(spec, Spec):
        raise TypeError(f"spec must be a Spec, got {spec!r}")
    limit = sys.maxsize if max_states is None else integer("max_states", max_states, 1)
    invariants = list((spec.invariants or {}).items())
    constraint, expand, check_deadlock = spec.constraint, spec.next, spec.check_deadlock
    seen: set[int] = set()
    fps, parents = array("q"), array("q")
    counts: dict[str, list[int]] = {}
    generated = depth = 0
    frontier: list[tuple[Any, int]] = []
    found: _StopError | None = None
    started = time.perf_counter()
    display = _Progress(progress)
    try:
        for state in spec.init:  # TLC: every initial state counts as generated
            generated += 1
            fp = hash(state)
            if fp in seen:
                continue
            bad = _violated(invariants, state)
            if bad is not None:
                raise _StopError("invariant", bad, -1, ("Init", state))
            if not _constrained(constraint, state):
                continue
            seen.add(fp)
            fps.append(fp)
            parents.append(-1)
            frontier.append((state, len(fps) - 1))
            if len(seen) >= limit:
                raise _StopError("limit", None, -1, None)
        depth = 1 if frontier else 0
        expanded = 0
        while frontier:
            level: list[tuple[Any, int]] = []
            for state, index in frontier:
                # --8<-- [start:expand]
                successors = 0
                for item in expand(state):
                    try:
                        action, succ = item
                        fp = hash(succ)
                    except (TypeError, ValueError):
                        raise _bad_successor(state, item) from None
                    successors += 1
                    count = counts.get(action)
                    if count is None:
                        count = counts[action] = [0, 0]
                    count[0] += 1
                    if fp in seen:
                        continue
                    bad = _violated(invariants, succ) if invariants else None
                    if bad is not None:
                        raise _StopError("invariant", bad, index, (action, succ))
                    if constraint is not None and not _constrained(constraint, succ):
                        continue  # generated and checked, never stored or expanded
                    seen.add(fp)
                    fps.append(fp)
                    parents.append(index)
                    count[1] += 1
                    level.append((succ, len(fps) - 1))
                    if len(fps) >= limit:
                        raise _StopError("limit", None, index, None)
                generated += successors
                if successors == 0 and check_deadlock:
                    raise _StopError("deadlock", None, index, None)
                # --8<-- [end:expand]
                expanded += 1
                if expanded % _CLOCK_EVERY == 0:
                    display.update(time.perf_counter() - started, len(fps), generated, depth)
            frontier = level
            if level:
                depth += 1
    except _StopError as stop:
        found = stop
        if stop.parent >= 0:  # stopped while expanding a state: count what it yielded
            generated += successors
    finally:
        display.stop()
    seconds = time.perf_counter() - started
    return _result(spec, found, seen, fps, parents, counts, generated, depth, seconds)


def _rebuild(
    spec: Spec, fps: array[int], parents: array[int], index: int
) -> tuple[list[Any], list[str]]:
    """States and actions from an initial state to the stored state ``index``."""
    chain: list[int] = []
    while index >= 0:
        chain.append(fps[index])
        index = parents[index]
    if not chain:
        return [], []
    chain.reverse()
    state = next(s for s in spec.init if hash(s) == chain[0])
    states, actions = [state], []
    for fp in chain[1:]:
        step = next(((a, t) for a, t in spec.next(state) if hash(t) == fp), None)
        if step is None:
            raise RuntimeError("next gave different successors when the trace was rebuilt")
        actions.append(step[0])
        state = step[1]
        states.append(state)
    return states, actions


def _memory(seen: set[int], fps: array[int], parents: array[int]) -> int:
    return (
        sys.getsizeof(seen)
        + sum(sys.getsizeof(fp) for fp in seen)
        + fps.buffer_info()[1] * fps.itemsize
        + parents.buffer_info()[1] * parents.itemsize
    )


def _result(
    spec: Spec,
    found: _StopError | None,
    seen: set[int],
    fps: array[int],
    parents: array[int],
    counts: dict[str, list[int]],
    generated: int,
    depth: int,
    seconds: float,
) -> CheckResult:
    trace: list[Any] = []
    trace_actions: list[str] = []
    kind = found.kind if found is not None else None
    if found is not None and kind != "limit":
        trace, trace_actions = _rebuild(spec, fps, parents, found.parent)
        if found.step is not None:
            action, state = found.step
            trace.append(state)
            if found.parent >= 0:
                trace_actions.append(action)
    distinct = len(fps)
    queue_left = 0
    if kind is not None:  # stopped early: stored states not yet expanded
        queue_left = _unexpanded(fps, parents, found.parent if found else -1)
    return CheckResult(
        ok=found is None,
        complete=kind != "limit",
        distinct_states=distinct,
        generated_states=generated,
        depth=depth,
        violation=found.name if found is not None and kind == "invariant" else None,
        deadlock=kind == "deadlock",
        trace=trace,
        trace_actions=trace_actions,
        actions={a: ActionStats(c[0], c[1]) for a, c in counts.items()},
        queue_left=queue_left,
        seconds=seconds,
        states_per_second=distinct / seconds if seconds > 0 else float("inf"),
        bytes_per_state=_memory(seen, fps, parents) / distinct if distinct else 0.0,
        collision_probability=distinct * generated / 2.0**64,
    )


def _unexpanded(fps: array[int], parents: array[int], current: int) -> int:
    """Stored states after the one being expanded when the run stopped (BFS order)."""
    if current < 0:
        return len(fps)
    return len(fps) - current - 1
