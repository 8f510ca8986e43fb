"""Session guarantees and sequential consistency: the weaker models, checked on histories.

**Sequential consistency** (Lamport 1979) asks for one total order of all operations
that respects each process's *program order* and is a legal sequential execution; unlike
linearizability it ignores real time between processes, and it is *not* local (a
history of a key-value store is checked as a whole). The search walks the interleavings
of the processes depth-first with memoisation of (positions in each process, state);
the number of position vectors, the product of (operations per process + 1), is capped.

**Session guarantees** (Terry et al. 1994) constrain what one client (a process, a
session) sees. A store keeps writes in some *arbitration order* ``ar`` (its version
order) that the history does not show; a read returns the ``ar``-latest write it sees.
With distinct written values, each read names the write it read from, ``rf(r)``
(or the key's initial value, below every write of the key). The guarantees, for
operations of one session in program order ``so``:

* read-your-writes: ``w so r`` (same key) implies ``w <= rf(r)`` in ``ar``;
* monotonic reads: ``r1 so r2`` (same key) implies ``rf(r1) <= rf(r2)``;
* monotonic writes: ``w1 so w2`` implies ``w1 < w2``;
* writes-follow-reads: ``r so w`` implies ``rf(r) < w``.

A guarantee holds if *some* arbitration order satisfies it: every constraint is an
edge between two writes, so it holds iff the constraint graph has no cycle (and no
constraint puts a write below a key's initial value). If the store's version order is
known, pass it as ``arbitration`` and each constraint is checked against it. Real time
is not consulted. A cas
reads ``expected`` and writes ``value``; a failed cas is ignored; a pending write is
counted only if someone read its value.

See the chapter *Consistency models* (3.4).

Examples:
    >>> from otlpkb.consistency.history import History, Operation
    >>> h = History([
    ...     Operation(0, "write", 0, 1, value=1),
    ...     Operation(0, "read", 2, 3, value=None),   # does not see its own write
    ... ])
    >>> check_session_guarantees(h).holds["read-your-writes"]
    False
    >>> check_sequential_consistency(h, model="register").consistent
    False
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from otlpkb.consistency.history import History, Operation
from otlpkb.consistency.models import Model, get_model

__all__ = [
    "GUARANTEES",
    "SequentialConsistencyResult",
    "SessionReport",
    "SessionViolation",
    "check_sequential_consistency",
    "check_session_guarantees",
]

#: The session guarantees of Terry et al. (1994), by name.
GUARANTEES: tuple[str, ...] = (
    "read-your-writes",
    "monotonic-reads",
    "monotonic-writes",
    "writes-follow-reads",
)


@dataclass(frozen=True)
class SequentialConsistencyResult:
    """The verdict of `check_sequential_consistency`.

    Attributes:
        consistent: whether a legal total order respecting program order exists.
        order: such an order (operation ids) if consistent, else ``()``; pending
            operations absent from it did not take effect.
        longest_prefix: the longest legal order the search built (= ``order`` if consistent).
        states_explored: configurations (positions, state) visited.
    """

    consistent: bool
    order: tuple[int, ...]
    longest_prefix: tuple[int, ...]
    states_explored: int


def check_sequential_consistency(
    history: History,
    model: str | Model = "cas-register",
    *,
    max_configurations: int = 1_000_000,
) -> SequentialConsistencyResult:
    """Decide whether ``history`` is sequentially consistent with respect to ``model``.

    Args:
        history: the operations; each process's program order is the order of its calls.
        model: ``"register"``, ``"cas-register"``, ``"kv"`` or a `Model` (a per-key
            model is searched as one map: sequential consistency is not local).
        max_configurations: refuse histories whose number of position vectors,
            prod(operations per process + 1), exceeds this.

    Raises:
        TypeError: ``history`` is not a History.
        ValueError: the history is too large for the search (the message gives its
            size), or an operation the model does not support.

    Examples:
        >>> from otlpkb.consistency.history import History, Operation
        >>> h = History([  # two processes; not linearizable, but sequentially consistent
        ...     Operation(0, "write", 0, 1, value=1),
        ...     Operation(1, "read", 2, 3, value=None),
        ... ])
        >>> r = check_sequential_consistency(h, model="register")
        >>> r.consistent, r.order
        (True, (1, 0))
    """
    if not isinstance(history, History):
        raise TypeError(f"history must be a History, got {type(history).__name__}")
    if isinstance(max_configurations, bool) or not isinstance(max_configurations, int):
        raise TypeError(f"max_configurations must be an int, got {max_configurations!r}")
    if max_configurations < 1:
        raise ValueError(f"max_configurations must be positive, got {max_configurations!r}")
    m = get_model(model)
    m.validate(history.operations)
    procs = [
        [
            i
            for i in history.program_order(p)
            if not (history[i].kind == "read" and history[i].pending)
        ]
        for p in history.processes
    ]
    procs = [ids for ids in procs if ids]
    size = math.prod(len(ids) + 1 for ids in procs)
    if size > max_configurations:
        raise ValueError(
            f"history too large for the sequential-consistency search: {size:,} position"
            f" vectors (processes x operations) > max_configurations={max_configurations:,}"
        )
    keys = {k: j for j, k in enumerate(history.keys)} if m.per_key else {}
    n_proc = len(procs)
    ends = tuple(len(ids) for ids in procs)

    def apply(state: Hashable, op: Operation) -> tuple[bool, Hashable]:
        if not m.per_key:
            return m.step(state, op)
        assert isinstance(state, tuple)
        j = keys[op.key]
        legal, new = m.step(state[j], op)
        return legal, (*state[:j], new, *state[j + 1 :])

    init: Hashable = (m.init,) * len(keys) if m.per_key else m.init
    start = (0,) * n_proc
    seen = {(start, init)}
    # Frame: (positions, state, next choice, op applied to reach it or -1).
    # Choice c: process c // 2; c even applies its next operation, odd skips a pending one.
    stack: list[tuple[tuple[int, ...], Hashable, int, int]] = [(start, init, 0, -1)]
    best: list[int] = []
    # --8<-- [start:sequential]
    while stack:
        pos, state, c, _ = stack[-1]
        if pos == ends:
            order = tuple(f[3] for f in stack[1:] if f[3] >= 0)
            return SequentialConsistencyResult(True, order, order, len(seen))
        pushed = False
        while c < 2 * n_proc:
            p, skip = divmod(c, 2)
            c += 1
            if pos[p] == ends[p]:
                continue
            i = procs[p][pos[p]]
            op = history[i]
            if skip:
                if not op.pending:
                    continue
                legal, new = True, state
            else:
                legal, new = apply(state, op)
            nxt = (*pos[:p], pos[p] + 1, *pos[p + 1 :])
            if legal and (nxt, new) not in seen:
                seen.add((nxt, new))
                stack[-1] = (pos, state, c, stack[-1][3])
                stack.append((nxt, new, 0, -1 if skip else i))
                pushed = True
                break
        if not pushed:
            applied = [f[3] for f in stack[1:] if f[3] >= 0]
            if len(applied) > len(best):
                best = applied
            stack.pop()
    # --8<-- [end:sequential]
    return SequentialConsistencyResult(False, (), tuple(best), len(seen))


@dataclass(frozen=True)
class SessionViolation:
    """One reason a session guarantee fails.

    Attributes:
        guarantee: the guarantee's name (see `GUARANTEES`).
        operations: the operation ids involved: the writes on a cycle of the required
            arbitration order and the operations whose constraints close it.
        reason: a sentence.
    """

    guarantee: str
    operations: tuple[int, ...]
    reason: str


@dataclass(frozen=True)
class SessionReport:
    """The verdicts of `check_session_guarantees`.

    Attributes:
        holds: per guarantee checked, whether some arbitration order satisfies it.
        all_hold: whether one arbitration order satisfies all the guarantees checked at once.
        violations: a witness per failing guarantee (and ``"all"`` if only the joint fails).
        unexplained_reads: reads that returned a value nobody wrote (outside these models).
    """

    holds: Mapping[str, bool]
    all_hold: bool
    violations: tuple[SessionViolation, ...]
    unexplained_reads: tuple[int, ...]


_INIT = -1  # rf() of a read that saw a key's initial value


def _find_cycle(edges: Mapping[int, Iterable[int]]) -> list[int] | None:
    """A cycle in a directed graph (iterative DFS, three colours), or None."""
    colour: dict[int, int] = {}
    for root in edges:
        if colour.get(root):
            continue
        path: list[int] = [root]
        iters = [iter(edges.get(root, ()))]
        colour[root] = 1
        while iters:
            for v in iters[-1]:
                if colour.get(v, 0) == 1:
                    return path[path.index(v) :]
                if not colour.get(v):
                    colour[v] = 1
                    path.append(v)
                    iters.append(iter(edges.get(v, ())))
                    break
            else:
                colour[path.pop()] = 2
                iters.pop()
    return None


def check_session_guarantees(
    history: History,
    guarantees: Iterable[str] = GUARANTEES,
    *,
    initial: Hashable = None,
    arbitration: Sequence[int] | None = None,
) -> SessionReport:
    """Check session guarantees (per process) on a register or key-value history.

    Args:
        history: the operations; each process is a session, in the order of its calls.
            Written values must be distinct per key and differ from ``initial``.
        guarantees: names from `GUARANTEES`.
        initial: every key's initial value.
        arbitration: the store's version order, if known (etcd's revisions, log offsets):
            the ids of the writes (and successful cas) from first to last; it must list
            every write that took effect. Without it a guarantee holds if *some* order
            satisfies it; note that monotonic writes alone then always holds, since the
            history shows the order of writes only through reads (check ``all_hold``).

    Raises:
        TypeError: ``history`` is not a History.
        ValueError: an unknown guarantee, or a value written twice to a key (or equal to
            ``initial``): reads could not name the write they saw; ``arbitration`` that
            repeats, names a non-write or misses a write that took effect.

    Examples:
        >>> from otlpkb.consistency.history import History, Operation
        >>> h = History([
        ...     Operation(0, "write", 0, 1, value="a"),
        ...     Operation(0, "write", 2, 3, value="b"),
        ... ])
        >>> check_session_guarantees(h, arbitration=[1, 0]).holds["monotonic-writes"]
        False
    """
    if not isinstance(history, History):
        raise TypeError(f"history must be a History, got {type(history).__name__}")
    wanted = tuple(dict.fromkeys(guarantees))
    for g in wanted:
        if g not in GUARANTEES:
            raise ValueError(f"guarantees must be among {GUARANTEES}, got {g!r}")
    # Which write wrote each (key, value); reads name the write they saw.
    writer: dict[tuple[Hashable, Hashable], int] = {}
    for i, op in enumerate(history):
        if op.writes:
            if op.value == initial:
                raise ValueError(
                    f"operation #{i} writes the initial value {initial!r}; session checks"
                    " need written values distinct from it"
                )
            if (op.key, op.value) in writer:
                raise ValueError(
                    f"value {op.value!r} is written twice to key {op.key!r} (operations"
                    f" #{writer[op.key, op.value]} and #{i}); session checks need distinct values"
                )
            writer[op.key, op.value] = i

    def source(op: Operation) -> int | None:
        seen_value = op.value if op.kind == "read" else op.expected
        if seen_value == initial:
            return _INIT
        return writer.get((op.key, seen_value))

    # A pending write or cas took effect only if someone read its value (a fixpoint:
    # a pending cas that took effect read from another write, perhaps a pending one).
    observers = [
        i for i, op in enumerate(history) if op.kind in ("read", "cas") and op.succeeded
    ]  # successful cas and reads, pending ones included
    effective = {i for i, op in enumerate(history) if op.writes and not op.pending}
    while True:
        rf = {
            i: src
            for i in observers
            if (not history[i].pending or i in effective)
            and (src := source(history[i])) is not None
        }
        grown = effective | {w for w in rf.values() if w != _INIT}
        if grown == effective:
            break
        effective = grown
    unexplained = [
        i
        for i in observers
        if (not history[i].pending or i in effective) and source(history[i]) is None
    ]

    edges: dict[str, dict[int, dict[int, tuple[int, ...]]]] = {g: {} for g in GUARANTEES}
    direct: dict[str, SessionViolation] = {}

    def need(g: str, a: int, b: int, why: tuple[int, ...], strict: bool) -> None:
        """Constraint a < b (strict) or a <= b in the arbitration order, for guarantee g."""
        if a == _INIT or (a == b and not strict):
            return
        if b == _INIT:
            direct.setdefault(
                g, SessionViolation(g, tuple(sorted({a, *why})), "reads the initial value after")
            )
            return
        edges[g].setdefault(a, {}).setdefault(b, why)

    # --8<-- [start:sessions]
    for p in history.processes:
        ids = [
            i for i in history.program_order(p) if i in rf or i in effective
        ]  # this session's reads (with rf) and writes, in program order
        for n, b in enumerate(ids):
            for a in ids[:n]:
                oa, ob = history[a], history[b]
                if b in rf and a in effective and oa.key == ob.key:
                    need("read-your-writes", a, rf[b], (a, b), strict=False)
                if a in rf and b in rf and oa.key == ob.key:
                    need("monotonic-reads", rf[a], rf[b], (a, b), strict=False)
                if a in effective and b in effective:
                    need("monotonic-writes", a, b, (a, b), strict=True)
                if a in rf and b in effective:
                    need("writes-follow-reads", rf[a], b, (a, b), strict=True)
    # --8<-- [end:sessions]

    rank: dict[int, int] | None = None
    if arbitration is not None:
        rank = {}
        for r, w in enumerate(arbitration):
            if not (isinstance(w, int) and 0 <= w < len(history) and history[w].writes):
                raise ValueError(f"arbitration must list write operation ids, got {w!r}")
            if w in rank:
                raise ValueError(f"arbitration lists operation {w} twice")
            rank[w] = r
        missing = sorted(effective - rank.keys())
        if missing:
            raise ValueError(f"arbitration misses writes that took effect: {missing}")

    def witness(
        g: str, graph: Mapping[int, Mapping[int, tuple[int, ...]]]
    ) -> SessionViolation | None:
        if g in direct:
            return direct[g]
        if rank is not None:
            for a, bs in graph.items():
                for b, why in bs.items():
                    if rank[a] >= rank[b]:
                        return SessionViolation(
                            g,
                            tuple(sorted({a, b, *why})),
                            f"needs #{a} before #{b}; the arbitration order has it after",
                        )
            return None
        cycle = _find_cycle({a: list(bs) for a, bs in graph.items()})
        if cycle is None:
            return None
        involved = set(cycle)
        for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True):
            involved.update(graph[a][b])
        order = " < ".join(f"#{w}" for w in cycle + cycle[:1])
        return SessionViolation(g, tuple(sorted(involved)), f"needs the cycle {order}")

    holds: dict[str, bool] = {}
    violations: list[SessionViolation] = []
    for g in wanted:
        v = witness(g, edges[g])
        holds[g] = v is None
        if v is not None:
            violations.append(v)
    joint: dict[int, dict[int, tuple[int, ...]]] = {}
    for g in wanted:
        for a, bs in edges[g].items():
            for b, why in bs.items():
                joint.setdefault(a, {}).setdefault(b, why)
    all_hold = all(holds.values())
    if all_hold and wanted:
        cycle_witness = witness("all", joint)
        if cycle_witness is not None:
            all_hold = False
            violations.append(cycle_witness)
    return SessionReport(MappingProxyType(holds), all_hold, tuple(violations), tuple(unexplained))
