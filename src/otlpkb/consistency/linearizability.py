"""A linearizability checker: Wing and Gong's search with Lowe's memoisation.

A history is *linearizable* (Herlihy & Wing 1990) if every operation can be given a
single instant between its invocation and its response, so that the operations, in
the order of those instants, are a legal sequential execution of the data type. A
pending operation (it never returned) may take effect at any instant after its
invocation, or not at all.

The search (Wing & Gong 1993; Lowe 2017; the porcupine checker) keeps the call and
return events in a doubly linked list sorted by time. Walking from the head, it tries
to linearize each operation whose call it meets; an operation's *return* met before
the operation was linearized means the current prefix is a dead end, so it backtracks.
A linearized operation is "lifted" out of the list (its call and return), and put back
when the search backtracks. Lowe's memoisation remembers every configuration already
explored, the pair (set of linearized operations, state), and never explores one
twice: without it the search is exponential on histories with many concurrent
operations. The set is a bitset (a Python ``int``) and the search uses an explicit
stack (no recursion limit).

Two reductions concern operations that never returned: a pending operation is only
linearized right before one that observes the state (one overwritten unobserved is the
same as one that never happened), and pending operations with identical effects are
linearized in the order of their invocations (they are interchangeable).

Linearizability is *local* (P-compositional): a history of a key-value store is
linearizable iff every key's sub-history is, so the checker splits a history by key
whenever its operations name several keys (each key then an independent object of the
model), and always for ``model="kv"``.

The search is exponential in the worst case, so it has a budget: after
`DEFAULT_MAX_STATES` configurations of one sub-history it stops and answers "unknown"
(``linearizable is None``) with the number of configurations it explored, instead of
running for minutes and gigabytes.

See the chapter *Consistency models* (3.4).

Examples:
    >>> from otlpkb.consistency.history import History, Operation
    >>> h = History([
    ...     Operation(0, "write", call=0, ret=10, value=1),
    ...     Operation(1, "read", call=2, ret=4, value=1),
    ...     Operation(2, "read", call=5, ret=7, value=None),
    ... ])
    >>> r = check_linearizability(h, model="register")
    >>> r.linearizable, r.longest_prefix, r.unplaceable
    (False, (0, 1), (2,))
    >>> check_linearizability(History(h[:2]), model="register").order
    (0, 1)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Literal

from otlpkb.consistency.history import History, Operation
from otlpkb.consistency.models import Model, get_model

__all__ = [
    "DEFAULT_MAX_STATES",
    "LinearizabilityResult",
    "SearchLimitError",
    "check_linearizability",
    "linearization_points",
]


DEFAULT_MAX_STATES = 200_000
"""The default budget of `check_linearizability`: configurations per sub-history.

About five seconds and a few tens of MiB here; the largest shipped Jepsen history needs
a few thousand."""


class SearchLimitError(RuntimeError):
    """The search explored more configurations than its ``max_states`` allowed.

    Attributes:
        states_explored: the configurations explored before it stopped.
    """

    def __init__(self, message: str, states_explored: int = 0) -> None:
        super().__init__(message)
        self.states_explored = states_explored


@dataclass(frozen=True)
class LinearizabilityResult:
    """The verdict of `check_linearizability`, with a witness.

    Attributes:
        linearizable: the verdict: ``True``, ``False``, or ``None`` when the search of a
            sub-history ran out of its budget (``max_states``) before a verdict and no
            other key was found not linearizable ("unknown").
        model: the model's name.
        order: a linearization (operation ids in linearization order) when linearizable,
            else ``()``. Pending operations absent from it did not take effect; pending
            reads are never in it (they change nothing).
        longest_prefix: when not linearizable, the longest sequence of operations the
            search could linearize (of the failing key's sub-history); else ``order``.
        unplaceable: when not linearizable, the operations that were candidates to come
            next after ``longest_prefix`` (invoked before the first response still
            outstanding) and none of which could be placed; else ``()``.
        key: the key whose sub-history is not linearizable, or (when unknown) the first
            key whose search ran out of budget; ``None`` otherwise.
        states_explored: configurations (linearized set, state) the search visited.
        partitions: the number of independent sub-histories (keys) checked.
    """

    linearizable: bool | None
    model: str
    order: tuple[int, ...]
    longest_prefix: tuple[int, ...]
    unplaceable: tuple[int, ...]
    key: Hashable
    states_explored: int
    partitions: int

    @property
    def verdict(self) -> Literal["linearizable", "not linearizable", "unknown"]:
        """The verdict in words; ``"unknown"`` when the budget ran out."""
        if self.linearizable is None:
            return "unknown"
        return "linearizable" if self.linearizable else "not linearizable"

    def explain(self, history: History) -> str:
        """A human-readable account of the verdict."""
        if self.linearizable is None:
            where = "" if self.key is None else f" for key {self.key!r}"
            return (
                f"unknown: the search{where} stopped after {self.states_explored} "
                "configurations (raise max_states to search further)"
            )
        if self.linearizable:
            return "linearizable: " + ", ".join(history[i].describe() for i in self.order)
        prefix = ", ".join(history[i].describe() for i in self.longest_prefix) or "(nothing)"
        stuck = "; ".join(f"#{i} {history[i].describe()}" for i in self.unplaceable)
        where = "" if self.key is None else f" for key {self.key!r}"
        return (
            f"not linearizable{where}: after the longest linearizable prefix [{prefix}]"
            f" no candidate can be placed: {stuck}"
        )


@dataclass
class _Outcome:
    ok: bool
    order: list[int]
    prefix: list[int]
    stuck: list[int]
    explored: int


def _search(
    ops: Sequence[Operation],
    model: Model,
    *,
    memoize: bool,
    prune_pending: bool,
    max_states: int | None,
) -> _Outcome:
    """Wing–Gong search with memoisation over one sub-history (local operation ids)."""
    n = len(ops)
    step = model.step
    pending = [op.pending for op in ops]
    events = sorted(
        [(op.call, 0, i) for i, op in enumerate(ops)]
        + [(op.ret, 1, i) for i, op in enumerate(ops) if not op.pending]
    )  # calls before returns at equal times: touching intervals are concurrent
    # Two doubly linked lists in arrays: node 2i is op i's call, 2i+1 its return, -1 ends
    # a list. The main list (from `head`) holds the completed operations' calls and
    # returns; the pending list (from `phead`) the calls of operations that never returned.
    head, phead = 2 * n, 2 * n + 1
    nxt, prv, rank = [-1] * (2 * n + 2), [-1] * (2 * n + 2), [0] * (2 * n + 2)
    tail = {head: head, phead: phead}
    for r, (_, is_return, i) in enumerate(events):
        node, lst = 2 * i + is_return, phead if pending[i] else head
        nxt[tail[lst]], prv[node], tail[lst], rank[node] = node, tail[lst], node, r
    blind = [prune_pending and op.kind in model.overwrites for op in ops]
    # Pending operations with the same effect are interchangeable once both are invoked:
    # linearize them in order of invocation (twin[i]: the previous one like i, or -1).
    twin = [-1] * n
    last_like: dict[tuple[str, Hashable, Hashable], int] = {}
    for _, _, i in events:
        if pending[i] and prune_pending:
            like = (ops[i].kind, ops[i].expected, ops[i].value)
            twin[i], last_like[like] = last_like.get(like, -1), i

    def lift(i: int) -> None:
        for node in (2 * i,) if pending[i] else (2 * i, 2 * i + 1):
            p, q = prv[node], nxt[node]
            nxt[p] = q
            if q != -1:
                prv[q] = p

    def unlift(i: int) -> None:
        for node in (2 * i,) if pending[i] else (2 * i + 1, 2 * i):  # reverse of lift
            p, q = prv[node], nxt[node]
            nxt[p] = node
            if q != -1:
                prv[q] = node

    def advance(node: int, phase: int, due: int) -> tuple[int, int, int]:
        # The next candidate from ``node``: completed operations invoked before the first
        # response ``due`` (phase 0), then pending ones invoked before it (phase 1);
        # phase 2: no candidate is left.
        if phase == 0:
            if node != -1 and not node & 1:
                return node, 0, due
            due, node = node, nxt[phead]
        if node != -1 and (due == -1 or rank[node] < rank[due]):
            return node, 1, due
        return -1, 2, due

    remaining = n - sum(pending)  # completed operations not yet linearized
    linearized, state = 0, model.init
    stack: list[tuple[int, Hashable, int, int]] = []  # (op, state before it, phase, due)
    seen: set[tuple[int, Hashable, bool]] = set()
    # After a pending operation the next one must observe the state: a pending operation
    # overwritten at once is indistinguishable from one that never took effect.
    observe = False
    explored = 1
    best: tuple[list[int], list[int]] = ([], [])  # deepest dead end: prefix, candidates
    best_depth, low = -1, 0  # stack[:low] has not changed since `best` was recorded
    entry, phase, due = advance(nxt[head], 0, -1)
    while remaining:
        if phase == 2:  # a response is due before any candidate fits: backtrack
            if len(stack) > best_depth:  # deepest dead end so far: keep it as the witness
                best_depth, stuck = len(stack), []
                for start in (nxt[head], nxt[phead]):
                    node = start
                    while node != -1 and not node & 1 and rank[node] < rank[due]:
                        stuck.append(node >> 1)
                        node = nxt[node]
                best[0][low:] = [i for i, *_ in stack[low:]]
                best, low = (best[0], stuck), len(stack)
            # --8<-- [start:backtrack]
            if not stack:
                return _Outcome(False, [], best[0], best[1], explored)
            i, state, phase, due = stack.pop()
            low = min(low, len(stack))
            unlift(i)
            linearized ^= 1 << i
            remaining += not pending[i]
            observe = bool(stack) and pending[stack[-1][0]]
            entry, phase, due = advance(nxt[2 * i], phase, due)
            # --8<-- [end:backtrack]
            continue
        # --8<-- [start:search]
        i = entry >> 1
        if (observe and blind[i]) or (twin[i] >= 0 and not linearized >> twin[i] & 1):
            legal, new_state = False, state
        else:
            legal, new_state = step(state, ops[i])
        if legal:
            bits, then = linearized | 1 << i, pending[i]
            # (bits, state, False) dominates (bits, state, True): it allows more successors.
            if not memoize or (
                (bits, new_state, False) not in seen and (bits, new_state, then) not in seen
            ):
                if memoize:
                    seen.add((bits, new_state, then))
                explored += 1
                if max_states is not None and explored > max_states:
                    limit = f"explored more than max_states={max_states}"
                    raise SearchLimitError(limit, explored)
                stack.append((i, state, phase, due))
                lift(i)
                linearized, state, observe = bits, new_state, then
                remaining -= not pending[i]
                entry, phase, due = advance(nxt[head], 0, -1)
                continue
        entry, phase, due = advance(nxt[entry], phase, due)
        # --8<-- [end:search]
    order = [i for i, *_ in stack]
    return _Outcome(True, order, order, [], explored)


def linearization_points(
    history: History,
    order: Sequence[int],
    where: Literal["earliest", "latest", "middle"] = "earliest",
) -> tuple[float, ...]:
    """Instants at which the operations of ``order`` can take effect, in that order.

    ``"earliest"`` gives operation ``order[k]`` the instant ``max(call, previous instant)``;
    ``"latest"`` the instant ``min(ret, next instant)`` (infinite for a pending operation
    with only pending ones after it); ``"middle"`` the midpoint of the two (the earliest
    where the latest is infinite). Each choice respects every interval and the order.

    Raises:
        ValueError: an id is out of range or repeated, ``order`` contradicts real time,
            or ``where`` is unknown.

    Examples:
        >>> from otlpkb.consistency.history import History, Operation
        >>> h = History([Operation(0, "write", 0, 4, value=1), Operation(1, "read", 1, 2, value=1)])
        >>> linearization_points(h, [0, 1])
        (0, 1)
        >>> linearization_points(h, [0, 1], where="latest")
        (2, 2)
        >>> linearization_points(h, [0, 1], where="middle")
        (1.0, 1.5)
    """
    if where not in ("earliest", "latest", "middle"):
        raise ValueError(f"where must be 'earliest', 'latest' or 'middle', got {where!r}")
    if len(set(order)) != len(order):
        raise ValueError(f"order repeats an operation: {list(order)!r}")
    for i in order:
        if not (isinstance(i, int) and 0 <= i < len(history)):
            raise ValueError(f"order contains {i!r}, not an operation id of the history")
    early: list[float] = []
    t = -math.inf
    for i in order:
        op = history[i]
        t = max(t, op.call)
        if t > op.ret:
            raise ValueError(f"order puts #{i} ({op.describe()}) after an operation invoked later")
        early.append(t)
    if where == "earliest":
        return tuple(early)
    late: list[float] = []
    t = math.inf
    for i in reversed(order):
        t = min(t, history[i].ret)
        late.append(t)
    late.reverse()
    if where == "latest":
        return tuple(late)
    return tuple(e if math.isinf(lt) else (e + lt) / 2 for e, lt in zip(early, late, strict=True))


def check_linearizability(
    history: History,
    model: str | Model = "cas-register",
    *,
    memoize: bool = True,
    prune_pending: bool = True,
    max_states: int | None = DEFAULT_MAX_STATES,
    on_limit: Literal["unknown", "raise"] = "unknown",
    per_key: bool | None = None,
) -> LinearizabilityResult:
    """Decide whether ``history`` is linearizable with respect to ``model``.

    Args:
        history: the operations (see `History`).
        model: ``"register"``, ``"cas-register"``, ``"kv"`` or a `Model`.
        memoize: cache (linearized set, state) configurations (Lowe 2017). ``False`` gives
            the plain Wing–Gong search, exponential: for comparisons only.
        prune_pending: apply the two reductions for pending operations: skip orders in
            which one is overwritten (by a kind in ``model.overwrites``) before anything
            observed it, which equal leaving it out, and linearize pending operations with
            identical effects in invocation order. ``False``: for comparisons only.
        max_states: the budget: configurations explored per sub-history before the
            search gives up (``None``: no limit).
        on_limit: what running out of budget does: ``"unknown"`` (a result with
            ``linearizable=None`` and the configurations explored, after checking the
            other keys) or ``"raise"`` (`SearchLimitError`).
        per_key: split the history by key and check each sub-history on its own
            (P-compositionality). ``None`` (default): split when the model is per key or
            the operations name more than one key, each key an independent object.

    Returns:
        A `LinearizabilityResult` with a linearization, a witness, or "unknown".

    Raises:
        TypeError: ``history`` is not a History.
        ValueError: an operation the model does not support, several keys with
            ``per_key=False``, ``max_states`` not positive, or ``on_limit`` unknown.
        SearchLimitError: the search hit ``max_states`` and ``on_limit="raise"``.
    """
    if not isinstance(history, History):
        raise TypeError(f"history must be a History, got {type(history).__name__}")
    if max_states is not None and (isinstance(max_states, bool) or max_states < 1):
        raise ValueError(f"max_states must be a positive int or None, got {max_states!r}")
    if on_limit not in ("unknown", "raise"):
        raise ValueError(f"on_limit must be 'unknown' or 'raise', got {on_limit!r}")
    if per_key not in (None, True, False):
        raise ValueError(f"per_key must be None, True or False, got {per_key!r}")
    m = get_model(model)
    if per_key is None:
        per_key = m.per_key or len({op.key for op in history}) > 1
    if per_key and not m.per_key:
        m = dataclasses.replace(m, per_key=True)  # each key an independent object
    m.validate(history.operations)
    # --8<-- [start:check]
    groups: dict[Hashable, list[int]] = {}
    for i, op in enumerate(history):
        if op.kind == "read" and op.pending:
            continue  # a read that never returned changes nothing and tells nothing
        groups.setdefault(op.key if m.per_key else None, []).append(i)
    explored = 0
    timed: list[tuple[float, int, int]] = []
    gave_up: list[Hashable] = []  # keys whose search ran out of budget
    for g, (key, ids) in enumerate(groups.items()):
        try:
            out = _search(
                [history[i] for i in ids],
                m,
                memoize=memoize,
                prune_pending=prune_pending,
                max_states=max_states,
            )
        except SearchLimitError as exc:
            if on_limit == "raise":
                raise
            explored += exc.states_explored
            gave_up.append(key)
            continue  # another key may still be not linearizable: a definite answer
        # --8<-- [end:check]
        explored += out.explored
        if not out.ok:
            return LinearizabilityResult(
                False,
                m.name,
                (),
                tuple(ids[i] for i in out.prefix),
                tuple(sorted(ids[i] for i in out.stuck)),
                key,
                explored,
                len(groups),
            )
        order = [ids[i] for i in out.order]
        points = linearization_points(history, order)
        timed.extend((t, g, i) for t, i in zip(points, order, strict=True))
    if gave_up:
        return LinearizabilityResult(None, m.name, (), (), (), gave_up[0], explored, len(groups))
    # Merge the keys' linearizations by linearization point: a global linearization.
    merged = tuple(i for _, _, i in sorted(timed, key=lambda x: (x[0], x[1])))
    return LinearizabilityResult(True, m.name, merged, merged, (), None, explored, len(groups))
