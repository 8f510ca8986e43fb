"""Tests of sequential consistency and session guarantees (otlpkb.consistency.sessions).

External checks: the definitions themselves, implemented here a second way by brute
force (every interleaving for sequential consistency, Lamport 1979,
doi:10.1109/TC.1979.1675439; every arbitration order of the writes for the session
guarantees of Terry et al. 1994, doi:10.1109/PDIS.1994.331722) and compared on random
small histories; textbook examples (a history that is sequentially consistent but not
linearizable, Herlihy & Wing 1990, doi:10.1145/78969.78972; one anomaly per session
guarantee, after Terry et al.); and the implications linearizable => sequentially
consistent => every session guarantee.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb.consistency import (
    GUARANTEES,
    History,
    Operation,
    check_linearizability,
    check_sequential_consistency,
    check_session_guarantees,
    get_model,
)
from strategies import draw_operation_timing


# ----------------------------------------------------------------------- oracles
def brute_force_sc(history: History, model_name: str) -> bool:
    m = get_model(model_name)
    procs = [
        [
            i
            for i in history.program_order(p)
            if not (history[i].kind == "read" and history[i].pending)
        ]
        for p in history.processes
    ]

    def rec(pos: list[int], state: dict[Hashable, Hashable]) -> bool:
        if all(pos[k] == len(procs[k]) for k in range(len(procs))):
            return True
        for k in range(len(procs)):
            if pos[k] == len(procs[k]):
                continue
            op = history[procs[k][pos[k]]]
            key = op.key if m.per_key else None
            legal, new = m.step(state.get(key, m.init), op)
            nxt = [*pos[:k], pos[k] + 1, *pos[k + 1 :]]
            if legal and rec(nxt, {**state, key: new}):
                return True
            if op.pending and rec(nxt, state):
                return True
        return False

    return rec([0] * len(procs), {})


def brute_force_sessions(history: History, guarantee: str) -> bool:
    """Try every subset of pending writes and every total order of the writes."""
    pend = [i for i, op in enumerate(history) if op.writes and op.pending]
    for k in range(len(pend) + 1):
        for took in itertools.combinations(pend, k):
            writes = [
                i for i, op in enumerate(history) if op.writes and (not op.pending or i in took)
            ]
            for perm in itertools.permutations(writes):
                if _satisfies(history, guarantee, {w: r for r, w in enumerate(perm)}):
                    return True
    return False


def _satisfies(history: History, g: str, rank: dict[int, int]) -> bool:
    writer = {(history[w].key, history[w].value): w for w in rank}

    def rf(i: int) -> int | None:  # -1: the initial value; None: unexplained / not taken
        op = history[i]
        v = op.value if op.kind == "read" else op.expected
        return -1 if v is None else writer.get((op.key, v))

    for i, op in enumerate(history):  # every effective read must name a write in the order
        is_read = op.kind == "read" or (op.kind == "cas" and op.succeeded)
        if is_read and (not op.pending or i in rank) and rf(i) is None:
            return False

    def le(a: int, b: int) -> bool:
        if a == -1:
            return True
        return b != -1 and rank[a] <= rank[b]

    for p in history.processes:
        seq = [
            i
            for i in history.program_order(p)
            if i in rank
            or (
                not history[i].pending
                and (
                    history[i].kind == "read" or (history[i].kind == "cas" and history[i].succeeded)
                )
            )
        ]
        reads = {i for i in seq if history[i].kind in ("read", "cas")}
        for x, y in itertools.combinations(seq, 2):  # x before y in program order
            ox, oy = history[x], history[y]
            same_key = ox.key == oy.key
            broken = (
                (
                    g == "read-your-writes"
                    and x in rank
                    and y in reads
                    and same_key
                    and not le(x, rf(y))
                )
                or (
                    g == "monotonic-reads"
                    and x in reads
                    and y in reads
                    and same_key
                    and not le(rf(x), rf(y))
                )
                or (g == "monotonic-writes" and x in rank and y in rank and rank[x] > rank[y])
                or (
                    g == "writes-follow-reads"
                    and x in reads
                    and y in rank
                    and rf(x) != -1
                    and rank[rf(x)] >= rank[y]
                )
            )
            if broken:
                return False
    return True


# ------------------------------------------------------------------- strategies
@st.composite
def histories(draw, max_ops=7, keys=(None,), distinct=False):
    n_proc = draw(st.integers(1, 3))
    t = [-1] * n_proc
    alive = list(range(n_proc))
    ops = []
    written: list[tuple[Hashable, int]] = []
    for n in range(draw(st.integers(0, max_ops))):
        if not alive:
            break
        p, call, ret, pending = draw_operation_timing(draw, alive, t, pending_one_in=10)
        key = draw(st.sampled_from(keys))
        kind = draw(st.sampled_from(("read", "write", "cas")))
        new = n + 1 if distinct else draw(st.integers(1, 2))
        seen_values = [None, *[v for k, v in written if k == key], 99]
        if kind == "read":
            ops.append(
                Operation(p, "read", call, ret, key=key, value=draw(st.sampled_from(seen_values)))
            )
        elif kind == "write":
            ops.append(Operation(p, "write", call, ret, key=key, value=new))
            written.append((key, new))
        else:
            ok = pending or draw(st.booleans())
            ops.append(
                Operation(
                    p,
                    "cas",
                    call,
                    ret,
                    key=key,
                    value=new,
                    expected=draw(st.sampled_from(seen_values[:-1])),
                    succeeded=ok,
                )
            )
            if ok:
                written.append((key, new))
    return History(ops)


# ----------------------------------------------------------- sequential consistency
def test_sequentially_consistent_but_not_linearizable():
    """Herlihy & Wing's point: SC may reorder non-overlapping operations of different
    processes; linearizability may not."""
    h = History(
        [
            Operation(0, "write", 0, 1, value=1),
            Operation(1, "read", 2, 3, value=None),
            Operation(1, "read", 4, 5, value=1),
        ]
    )
    assert not check_linearizability(h, "register").linearizable
    r = check_sequential_consistency(h, "register")
    assert r.consistent and r.order == (1, 0, 2)
    # ...but SC respects each process's program order:
    h2 = History(
        [
            Operation(0, "write", 0, 1, value=1),
            Operation(0, "read", 2, 3, value=None),
        ]
    )
    r2 = check_sequential_consistency(h2, "register")
    assert not r2.consistent and r2.longest_prefix == (0,)


def test_sc_is_not_local():
    """Two keys, each sequentially consistent alone, not together (the classic
    store-buffer litmus test: both processes read the other's key as initial)."""
    h = History(
        [
            Operation(0, "write", 0, 1, key="x", value=1),
            Operation(0, "read", 2, 3, key="y", value=None),
            Operation(1, "write", 0, 1, key="y", value=1),
            Operation(1, "read", 2, 3, key="x", value=None),
        ]
    )
    assert not check_sequential_consistency(h, "kv").consistent
    for k in ("x", "y"):
        sub = History(op for op in h if op.key == k)
        assert check_sequential_consistency(sub, "cas-register").consistent


@settings(max_examples=200 * SCALE, deadline=None)
@given(histories())
def test_sc_agrees_with_brute_force(history):
    r = check_sequential_consistency(history, "cas-register")
    assert r.consistent is brute_force_sc(history, "cas-register")
    if check_linearizability(history, "cas-register").linearizable:
        assert r.consistent


@settings(max_examples=100 * SCALE, deadline=None)
@given(histories(keys=("x", "y")))
def test_sc_kv_agrees_with_brute_force(history):
    assert check_sequential_consistency(history, "kv").consistent is brute_force_sc(history, "kv")


def test_sc_size_limit():
    ops = [Operation(p, "write", 10 * k, 10 * k + 1, value=k) for p in range(4) for k in range(40)]
    with pytest.raises(
        ValueError, match=r"too large .* 2,825,761 position vectors .* max_configurations=1,000,000"
    ):
        check_sequential_consistency(History(ops))
    with pytest.raises(ValueError, match=r"max_configurations must be positive, got 0"):
        check_sequential_consistency(History(), max_configurations=0)
    with pytest.raises(TypeError, match=r"history must be a History"):
        check_sequential_consistency([])  # type: ignore[arg-type]


# ---------------------------------------------------------------- session guarantees
def wr(p, v, c, key=None):
    return Operation(p, "write", c, c + 1, value=v, key=key)


def rd(p, v, c, key=None):
    return Operation(p, "read", c, c + 1, value=v, key=key)


@pytest.mark.parametrize(
    ("ops", "broken", "all_hold"),
    [
        # read-your-writes: a client does not see its own update (stale replica)
        ([wr(0, "a", 0), rd(0, None, 2)], {"read-your-writes"}, False),
        # monotonic reads: a client sees the update, then the initial value again
        ([wr(0, "a", 0), rd(1, "a", 2), rd(1, None, 4)], {"monotonic-reads"}, False),
        # writes-follow-reads: two clients each write after reading the other's later write
        (
            [rd(0, "b", 0, "y"), wr(0, "a", 2, "x"), rd(1, "a", 0, "x"), wr(1, "b", 2, "y")],
            {"writes-follow-reads"},
            False,
        ),
        # b then a is fine for monotonic reads alone (the store may order b before a), but
        # not together with monotonic writes (the writer wrote a first)
        ([wr(0, "a", 0), wr(0, "b", 2), rd(1, "b", 4), rd(1, "a", 6)], set(), False),
        # fine: everyone sees everything in order
        ([wr(0, "a", 0), rd(0, "a", 2), rd(1, "a", 4)], set(), True),
    ],
)
def test_session_anomalies(ops, broken, all_hold):
    report = check_session_guarantees(History(ops))
    assert {g for g, ok in report.holds.items() if not ok} == broken
    assert report.all_hold is all_hold
    assert {v.guarantee for v in report.violations} == (
        broken or ({"all"} if not all_hold else set())
    )


def test_monotonic_writes_needs_a_version_order():
    """A client writes a then b; an observer reads b then a. Each guarantee alone can be
    met by some version order, not both at once; given the store's version order, each
    is checked against it directly."""
    h = History([wr(0, "a", 0), wr(0, "b", 2), rd(1, "b", 4), rd(1, "a", 6)])
    report = check_session_guarantees(h, ["monotonic-writes", "monotonic-reads"])
    assert report.holds["monotonic-writes"] and report.holds["monotonic-reads"]
    assert not report.all_hold
    assert report.violations[0].guarantee == "all"
    assert set(report.violations[0].operations) == {0, 1, 2, 3}
    assert check_session_guarantees(h, ["monotonic-writes"]).all_hold
    with_order = check_session_guarantees(h, arbitration=[1, 0])
    assert not with_order.holds["monotonic-writes"] and with_order.holds["monotonic-reads"]
    assert with_order.violations[0].operations == (0, 1)
    with_order = check_session_guarantees(h, arbitration=[0, 1])
    assert with_order.holds["monotonic-writes"] and not with_order.holds["monotonic-reads"]


def test_unexplained_reads_are_reported():
    report = check_session_guarantees(History([wr(0, "a", 0), rd(1, "zzz", 2)]))
    assert report.unexplained_reads == (1,)
    assert report.all_hold


@settings(max_examples=150 * SCALE, deadline=None)
@given(histories(max_ops=6, keys=("x", "y"), distinct=True), st.sampled_from(GUARANTEES))
def test_sessions_agree_with_brute_force(history, guarantee):
    report = check_session_guarantees(history, [guarantee])
    if report.unexplained_reads:
        return
    assert report.holds[guarantee] is brute_force_sessions(history, guarantee)


@settings(max_examples=150 * SCALE, deadline=None)
@given(histories(max_ops=8, keys=("x", "y"), distinct=True))
def test_sequential_consistency_implies_session_guarantees(history):
    if check_sequential_consistency(history, "kv").consistent:
        report = check_session_guarantees(history)
        assert report.all_hold and not report.unexplained_reads


def test_session_bad_inputs():
    with pytest.raises(ValueError, match=r"guarantees must be among .* got 'causal'"):
        check_session_guarantees(History(), ["causal"])
    with pytest.raises(ValueError, match=r"value 'a' is written twice to key None"):
        check_session_guarantees(History([wr(0, "a", 0), wr(1, "a", 0)]))
    with pytest.raises(ValueError, match=r"writes the initial value None"):
        check_session_guarantees(History([wr(0, None, 0)]))
    h = History([wr(0, "a", 0), rd(1, "a", 2)])
    with pytest.raises(ValueError, match=r"arbitration must list write operation ids, got 1"):
        check_session_guarantees(h, arbitration=[0, 1])
    with pytest.raises(ValueError, match=r"arbitration lists operation 0 twice"):
        check_session_guarantees(h, arbitration=[0, 0])
    with pytest.raises(ValueError, match=r"arbitration misses writes that took effect: \[0\]"):
        check_session_guarantees(h, arbitration=[])
    with pytest.raises(TypeError, match=r"history must be a History"):
        check_session_guarantees([])  # type: ignore[arg-type]
