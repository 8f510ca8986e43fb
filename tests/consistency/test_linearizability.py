"""Tests of the linearizability checker (otlpkb.consistency.linearizability).

External checks:

* every Jepsen etcd history shipped in ``otlpkb/datasets/jepsen`` must get the
  verdicts of ``verdicts.txt``: the test data of the porcupine checker
  (github.com/anishathalye/porcupine, ``porcupine_test.go``), which took them and their
  verdicts from github.com/ahorn/linearizability-checker;
* the register examples porcupine's tests take from MIT 6.824's 2017 quiz 2
  (section VII, http://nil.csail.mit.edu/6.824/2017/quizzes/q2-17-ans.pdf);
* textbook histories built from the definitions of Herlihy & Wing (1990,
  doi:10.1145/78969.78972): a FIFO queue history that is sequentially consistent but not
  linearizable, and overlapping operations that may take effect in either order;
* a brute-force checker written here (every permutation respecting real time, every
  subset of pending operations), compared on random small histories (hypothesis), and
  histories produced by a simulated atomic register, which must always pass.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Hashable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb import datasets
from otlpkb.consistency import (
    CAS_REGISTER,
    DEFAULT_MAX_STATES,
    REGISTER,
    History,
    Model,
    Operation,
    SearchLimitError,
    check_linearizability,
    get_model,
    linearization_points,
    parse_jepsen_log,
)
from strategies import draw_operation_timing

VERDICTS = {
    int(num): text == "true"
    for num, text in (
        line.split() for line in datasets.path("jepsen/verdicts.txt").read_text().splitlines()
    )
}


# ---------------------------------------------------------------- brute force (the oracle)
def brute_force_linearizable(history: History, model: Model) -> bool:
    """Every order respecting real time, every subset of pending operations (tiny inputs)."""
    ops = [op for op in history if not (op.kind == "read" and op.pending)]
    groups: dict[Hashable, list[Operation]] = {}
    for op in ops:
        groups.setdefault(op.key if model.per_key else None, []).append(op)
    return all(_bf(group, model) for group in groups.values())


def _bf(ops: list[Operation], model: Model) -> bool:
    n = len(ops)

    def rec(placed: list[bool], state: Hashable) -> bool:
        if all(placed[i] or ops[i].pending for i in range(n)):
            return True
        for i in range(n):
            if placed[i] or any(not placed[j] and ops[j].ret < ops[i].call for j in range(n)):
                continue
            legal, new = model.step(state, ops[i])
            if legal:
                placed[i] = True
                found = rec(placed, new)
                placed[i] = False
                if found:
                    return True
        return False

    return rec([False] * n, model.init)


def replay_is_legal(history: History, order: tuple[int, ...], model: Model) -> bool:
    """The order is a legal sequential execution (per key) that respects real time."""
    states: dict[Hashable, Hashable] = {}
    for i in order:
        op = history[i]
        key = op.key if model.per_key else None
        legal, states[key] = model.step(states.get(key, model.init), op)
        if not legal:
            return False
    pos = {i: k for k, i in enumerate(order)}
    return all(not (history.precedes(b, a)) for a in order for b in order if pos[a] < pos[b])


# ------------------------------------------------------------------ random histories
VALUES = (None, 0, 1, 2)


@st.composite
def histories(draw, max_ops=7, keys=(None,), kinds=("read", "write", "cas"), failed=True):
    n_proc = draw(st.integers(1, 4))
    t = [-1] * n_proc
    alive = list(range(n_proc))
    ops = []
    for _ in range(draw(st.integers(0, max_ops))):
        if not alive:
            break
        p, call, ret, pending = draw_operation_timing(draw, alive, t, pending_one_in=5)
        kind = draw(st.sampled_from(kinds))
        key = draw(st.sampled_from(keys))
        value = draw(st.sampled_from(VALUES if kind == "read" else VALUES[1:]))
        if kind == "cas":
            ok = pending or not failed or draw(st.booleans())
            ops.append(
                Operation(
                    p,
                    "cas",
                    call,
                    ret,
                    value=value,
                    key=key,
                    expected=draw(st.sampled_from(VALUES)),
                    succeeded=ok,
                )
            )
        else:
            ops.append(Operation(p, kind, call, ret, value=value, key=key))
    return History(ops)


@st.composite
def atomic_register_histories(draw, max_ops=12, keys=(None, "a")):
    """Histories of a simulated atomic CAS register: each operation takes effect at an
    instant inside its interval (random delays); pending ones maybe never."""
    n_proc = draw(st.integers(1, 5))
    t = [-1.0] * n_proc
    drafts = []  # (lp or None, process, kind, call, ret, key, value, expected)
    alive = list(range(n_proc))
    for _ in range(draw(st.integers(1, max_ops))):
        if not alive:
            break
        p = draw(st.sampled_from(alive))
        call = t[p] + draw(st.floats(0.01, 2))
        lp = call + draw(st.floats(0, 3))
        pending = draw(st.integers(0, 7)) == 0
        if pending:
            alive.remove(p)
            ret = math.inf
            lp = lp if draw(st.booleans()) else None  # took effect, or never did
        else:
            ret = lp + draw(st.floats(0, 3))
            t[p] = ret
        kind = draw(st.sampled_from(("read", "write", "cas")))
        drafts.append(
            (
                lp,
                p,
                kind,
                call,
                ret,
                draw(st.sampled_from(keys)),
                draw(st.integers(0, 3)),
                draw(st.sampled_from((None, 0, 1, 2, 3))),
            )
        )
    state: dict[Hashable, Hashable] = {}
    ops = []
    for lp, p, kind, call, ret, key, value, expected in sorted(
        drafts, key=lambda d: math.inf if d[0] is None else d[0]
    ):
        current = state.get(key)
        if kind == "read":
            ops.append(
                Operation(p, "read", call, ret, key=key, value=current if lp is not None else None)
            )
        elif kind == "write":
            if lp is not None:
                state[key] = value
            ops.append(Operation(p, "write", call, ret, key=key, value=value))
        else:
            swapped = current == expected
            if lp is not None and swapped:
                state[key] = value
            if ret == math.inf:
                ops.append(Operation(p, "cas", call, ret, key=key, value=value, expected=expected))
            else:
                ops.append(
                    Operation(
                        p,
                        "cas",
                        call,
                        ret,
                        key=key,
                        value=value,
                        expected=expected,
                        succeeded=swapped,
                    )
                )
    ops.sort(key=lambda op: op.call)
    return History(ops)


# ------------------------------------------------------------------------ external checks
@pytest.mark.parametrize("num", sorted(VERDICTS))
@pytest.mark.parametrize("failed_cas", ["drop", "observe"])
def test_jepsen_etcd_verdicts(num, failed_cas):
    """Porcupine's / ahorn's verdicts for the Jepsen etcd histories (either reading of a
    failed cas: dropped as Jepsen's :fail says, or kept as a compare that failed)."""
    history = parse_jepsen_log(datasets.path(f"jepsen/etcd_{num:03d}.log"), failed_cas=failed_cas)
    result = check_linearizability(history, model="cas-register")
    assert result.linearizable is VERDICTS[num]
    if result.linearizable:
        assert replay_is_legal(history, result.order, CAS_REGISTER)
    else:
        assert result.unplaceable
        assert replay_is_legal(history, result.longest_prefix, CAS_REGISTER)


REGISTER0 = Model("register-0", 0, REGISTER.step, REGISTER.kinds, overwrites=REGISTER.overwrites)


@pytest.mark.parametrize(
    ("ops", "expected"),
    [
        # MIT 6.824 2017 quiz 2 section VII, via porcupine's TestRegisterModel
        ([(0, "write", 100, 0, 100), (1, "read", 100, 25, 75), (2, "read", 0, 30, 60)], True),
        ([(0, "write", 200, 0, 100), (1, "read", 200, 10, 30), (2, "read", 0, 40, 90)], False),
        # porcupine's TestZeroDuration
        (
            [
                (0, "write", 100, 0, 100),
                (1, "read", 100, 25, 75),
                (2, "read", 0, 30, 30),
                (3, "read", 0, 30, 30),
            ],
            True,
        ),
        (
            [
                (0, "write", 200, 0, 100),
                (1, "read", 200, 10, 10),
                (2, "read", 200, 10, 10),
                (3, "read", 0, 40, 90),
            ],
            False,
        ),
    ],
)
def test_mit_6824_register_examples(ops, expected):
    history = History(Operation(p, k, c, r, value=v) for p, k, v, c, r in ops)
    assert check_linearizability(history, REGISTER0).linearizable is expected


def _queue_step(state: Hashable, op: Operation) -> tuple[bool, Hashable]:
    """A FIFO queue: ``write`` enqueues ``value``, ``read`` dequeues (``None``: empty)."""
    assert isinstance(state, tuple)
    if op.kind == "write":
        return True, (*state, op.value)
    if not state:
        return op.value is None, state
    return state[0] == op.value, state[1:]


QUEUE = Model("fifo-queue", (), _queue_step, frozenset({"read", "write"}))


def enq(p, v, c, r):
    return Operation(p, "write", c, r, value=v)


def deq(p, v, c, r):
    return Operation(p, "read", c, r, value=v)


def test_herlihy_wing_queue_examples():
    """Histories built from Herlihy & Wing's definitions (1990, sections 2-3)."""
    # A enqueues x, then B enqueues y, then B dequeues y: legal in B's program order
    # (sequentially consistent) but not linearizable: x was enqueued first in real time.
    h = History([enq(0, "x", 0, 1), enq(1, "y", 2, 3), deq(1, "y", 4, 5)])
    assert not check_linearizability(h, QUEUE).linearizable
    assert check_linearizability(History([h[1], h[2], h[0]]), QUEUE).linearizable is False
    # Overlapping enqueues may take effect in either order: both dequeue orders pass.
    for first, second in (("x", "y"), ("y", "x")):
        h = History(
            [enq(0, "x", 0, 3), enq(1, "y", 1, 2), deq(0, first, 4, 5), deq(1, second, 6, 7)]
        )
        r = check_linearizability(h, QUEUE)
        assert r.linearizable and replay_is_legal(h, r.order, QUEUE)
    # A dequeue overlapping the only enqueue may see the empty queue; one after it may not.
    assert check_linearizability(
        History([enq(0, "x", 0, 4), deq(1, None, 1, 2)]), QUEUE
    ).linearizable
    assert not check_linearizability(
        History([enq(0, "x", 0, 1), deq(1, None, 2, 3)]), QUEUE
    ).linearizable


# ------------------------------------------------------------------ property-based checks
@settings(max_examples=200 * SCALE, deadline=None)
@given(histories())
def test_agrees_with_brute_force_cas_register(history):
    expected = brute_force_linearizable(history, CAS_REGISTER)
    result = check_linearizability(history, "cas-register")
    assert result.linearizable is expected
    assert check_linearizability(history, "cas-register", memoize=False).linearizable is expected
    unpruned = check_linearizability(history, "cas-register", prune_pending=False)
    assert unpruned.linearizable is expected
    if expected:
        assert replay_is_legal(history, result.order, CAS_REGISTER)
        assert all(i in result.order for i, op in enumerate(history) if not op.pending)
    else:
        assert replay_is_legal(history, result.longest_prefix, CAS_REGISTER)
        assert result.unplaceable


@settings(max_examples=150 * SCALE, deadline=None)
@given(histories(kinds=("read", "write")))
def test_agrees_with_brute_force_register(history):
    assert check_linearizability(history, "register").linearizable is brute_force_linearizable(
        history, REGISTER
    )


@settings(max_examples=150 * SCALE, deadline=None)
@given(histories(max_ops=6, kinds=("read", "write")))
def test_generic_model_without_pruning_agrees(history):
    """A queue model has no ``overwrites`` kinds: the plain search, against brute force."""
    assert check_linearizability(history, QUEUE).linearizable is brute_force_linearizable(
        history, QUEUE
    )


@settings(max_examples=150 * SCALE, deadline=None)
@given(histories(max_ops=9, keys=("a", "b", "c")))
def test_kv_is_p_compositional(history):
    """Locality (Herlihy & Wing, Theorem 1): linearizable iff every key's sub-history is."""
    result = check_linearizability(history, "kv")
    per_key = [
        check_linearizability(History(op for op in history if op.key == k), "cas-register")
        for k in history.keys
    ]
    assert result.linearizable is all(r.linearizable for r in per_key)
    assert result.partitions == len(
        {op.key for op in history if not (op.kind == "read" and op.pending)}
    )
    if result.linearizable:
        assert replay_is_legal(history, result.order, get_model("kv"))
        linearization_points(history, result.order)  # a global order consistent with real time
    else:
        assert result.key in history.keys


@settings(max_examples=200 * SCALE, deadline=None)
@given(atomic_register_histories())
def test_simulated_atomic_register_is_linearizable(history):
    result = check_linearizability(history, "kv")
    assert result.linearizable, result.explain(history)
    for where in ("earliest", "latest", "middle"):
        points = linearization_points(history, result.order, where=where)
        assert all(
            history[i].call <= t <= history[i].ret
            for i, t in zip(result.order, points, strict=True)
        )
        assert list(points) == sorted(points)


# ----------------------------------------------------------------------------- unit tests
def test_pending_write_may_or_may_not_take_effect():
    w = Operation(0, "write", 0, math.inf, value=1)
    saw = History([w, Operation(1, "read", 5, 6, value=1)])
    missed = History([w, Operation(1, "read", 5, 6, value=None)])
    both = History([w, Operation(1, "read", 5, 6, value=None), Operation(2, "read", 7, 8, value=1)])
    flip_back = History(
        [w, Operation(1, "read", 5, 6, value=1), Operation(2, "read", 7, 8, value=None)]
    )
    assert check_linearizability(saw).linearizable
    assert check_linearizability(missed).linearizable
    assert check_linearizability(both).linearizable
    assert not check_linearizability(flip_back).linearizable
    assert 0 not in check_linearizability(missed).order


def test_pending_read_is_dropped():
    h = History([Operation(0, "read", 0, math.inf, value=7)])
    r = check_linearizability(h)
    assert r.linearizable and r.order == ()


def test_failed_cas_observes_another_value():
    h = History(
        [
            Operation(0, "write", 0, 1, value=1),
            Operation(1, "cas", 2, 3, expected=1, value=2, succeeded=False),
        ]
    )
    assert not check_linearizability(h).linearizable
    h2 = History(
        [
            Operation(0, "write", 0, 1, value=1),
            Operation(1, "cas", 2, 3, expected=5, value=2, succeeded=False),
        ]
    )
    assert check_linearizability(h2).linearizable


def test_witness_names_the_stuck_operation():
    h = History(
        [
            Operation(0, "write", 0, 1, value=1),
            Operation(1, "read", 2, 3, value=1),
            Operation(1, "read", 4, 5, value=2),  # nobody wrote 2
        ]
    )
    r = check_linearizability(h, "register")
    assert not r.linearizable
    assert r.longest_prefix == (0, 1)
    assert r.unplaceable == (2,)
    assert "#2" in r.explain(h) and "read()->2" in r.explain(h)


def test_explain_spells_out_the_verdict():
    h = History([Operation(0, "write", 0, 1, value=1), Operation(1, "read", 2, 3, value=1)])
    r = check_linearizability(h, "register")
    assert r.explain(h) == "linearizable: p0 write(1), p1 read()->1"
    bad = History([*h, Operation(1, "read", 4, 5, value=2)])
    assert check_linearizability(bad, "register").explain(bad) == (
        "not linearizable: after the longest linearizable prefix [p0 write(1), "
        "p1 read()->1] no candidate can be placed: #2 p1 read()->2"
    )
    first = History([Operation(0, "read", 0, 1, value=5)])  # nothing can come first
    assert check_linearizability(first, "register").explain(first) == (
        "not linearizable: after the longest linearizable prefix [(nothing)] no candidate "
        "can be placed: #0 p0 read()->5"
    )


def test_explain_of_unknown_names_the_key_only_when_there_is_one():
    unkeyed = History(_explosive(12))
    r = check_linearizability(unkeyed, "register", max_states=50)
    assert r.key is None
    assert r.explain(unkeyed) == (
        "unknown: the search stopped after 51 configurations (raise max_states to search further)"
    )
    keyed = History(_explosive(12, key="k"))
    r = check_linearizability(keyed, "kv", max_states=50)
    assert r.key == "k"
    assert r.explain(keyed).startswith("unknown: the search for key 'k' stopped after 51 ")


def test_empty_history_is_linearizable():
    r = check_linearizability(History())
    assert r.linearizable and r.order == () and r.partitions == 0


def test_long_sequential_history_needs_no_recursion():
    ops = []
    for k in range(3000):
        ops.append(Operation(k % 3, "write", 4 * k, 4 * k + 1, value=k))
        ops.append(Operation(k % 3, "read", 4 * k + 2, 4 * k + 3, value=k))
    r = check_linearizability(History(ops), "register")
    assert r.linearizable and len(r.order) == 6000


def test_naive_search_explores_more_than_memoised():
    h = parse_jepsen_log(datasets.path("jepsen/etcd_010.log"))
    small = History(op for op in h if op.call < 60)
    memo = check_linearizability(small)
    naive = check_linearizability(small, memoize=False)
    assert memo.linearizable is naive.linearizable
    assert naive.states_explored >= memo.states_explored


def test_max_states_limit():
    h = parse_jepsen_log(datasets.path("jepsen/etcd_002.log"))
    with pytest.raises(SearchLimitError, match=r"max_states=5") as info:
        check_linearizability(h, max_states=5, on_limit="raise")
    assert info.value.states_explored == 6
    result = check_linearizability(h, max_states=5)
    assert (result.linearizable, result.verdict, result.states_explored) == (None, "unknown", 6)
    assert "stopped after 6 configurations" in result.explain(h)


def _explosive(n: int, key: object = None) -> list[Operation]:
    """n concurrent writes of distinct values, then a read of a value nobody wrote: every
    subset of the writes is a configuration the search must visit before saying no."""
    ops = [Operation(i, "write", 0, 10, value=i, key=key) for i in range(n)]
    return [*ops, Operation(n, "read", 11, 12, value=-1, key=key)]


def test_default_budget_answers_unknown_with_the_states_explored():
    # Issue 9.19: without a default bound, 30 clients x 20 operations ran 98 s and 867 MiB.
    params = inspect.signature(check_linearizability).parameters
    assert params["max_states"].default == DEFAULT_MAX_STATES
    assert params["on_limit"].default == "unknown"
    big = History(_explosive(24))  # 2**24 subsets: far beyond any budget
    result = check_linearizability(big, max_states=2_000)
    assert result.verdict == "unknown" and result.states_explored == 2_001
    small = History(_explosive(8))  # 2**8 subsets: within the budget, a definite "no"
    assert check_linearizability(small, max_states=2_000).linearizable is False
    # a key found not linearizable is a definite answer even if another key gave up
    ops = _explosive(24, key="a")
    ops += [
        Operation(len(ops), "write", 0, 1, value=1, key="b"),
        Operation(len(ops) + 1, "read", 2, 3, value=2, key="b"),
    ]
    mixed = check_linearizability(History(ops), model="kv", max_states=2_000)
    assert (mixed.linearizable, mixed.key) == (False, "b")


def test_split_by_key_is_the_default_where_it_applies():
    # Issue 9.19: several keys under a single-object model were an error; linearizability
    # is local, so each key is checked as its own register.
    ops = [
        Operation(0, "write", 0, 1, value=1, key="a"),
        Operation(1, "write", 0, 1, value=2, key="b"),
        Operation(2, "read", 2, 3, value=1, key="a"),
        Operation(3, "read", 2, 3, value=2, key="b"),
    ]
    for model in ("register", "cas-register", "kv"):
        result = check_linearizability(History(ops), model=model)
        assert (result.linearizable, result.partitions) == (True, 2), model
    with pytest.raises(ValueError, match=r"single object .* use model='kv'"):
        check_linearizability(History(ops), model="cas-register", per_key=False)
    # as one register the history is not linearizable: key b's write hides key a's
    joined = History([dataclasses.replace(op, key=None) for op in ops])
    assert check_linearizability(joined).linearizable is False


def test_linearization_points():
    h = History([Operation(0, "write", 0, 4, value=1), Operation(1, "read", 1, 2, value=1)])
    assert linearization_points(h, [0, 1]) == (0, 1)
    assert linearization_points(h, []) == ()
    h2 = History([Operation(0, "write", 0, 1, value=1), Operation(1, "read", 2, 3, value=None)])
    with pytest.raises(ValueError, match=r"after an operation invoked later"):
        linearization_points(h2, [1, 0])
    with pytest.raises(ValueError, match=r"not an operation id"):
        linearization_points(h2, [5])
    with pytest.raises(ValueError, match=r"repeats"):
        linearization_points(h2, [0, 0])
    with pytest.raises(ValueError, match=r"where must be .* got 'first'"):
        linearization_points(h2, [0, 1], where="first")  # type: ignore[arg-type]
    pending = History(
        [Operation(0, "write", 0, 1, value=1), Operation(1, "write", 0.5, math.inf, value=2)]
    )
    assert linearization_points(pending, [0, 1], where="latest") == (1, math.inf)
    assert linearization_points(pending, [0, 1], where="middle") == (0.5, 0.5)


# ------------------------------------------------------------------------------ bad input
def test_bad_inputs():
    h = History([Operation(0, "cas", 0, 1, expected=None, value=1)])
    with pytest.raises(TypeError, match=r"history must be a History"):
        check_linearizability([Operation(0, "write", 0, 1, value=1)])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"model must be one of .*'queue'"):
        check_linearizability(h, model="queue")
    with pytest.raises(TypeError, match=r"model must be a name or a Model"):
        check_linearizability(h, model=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"'register' does not support 'cas'"):
        check_linearizability(h, model="register")
    with pytest.raises(ValueError, match=r"max_states must be a positive int"):
        check_linearizability(h, max_states=0)
    two_keys = History(
        [
            Operation(0, "write", 0, 1, value=1, key="a"),
            Operation(1, "write", 0, 1, value=1, key="b"),
        ]
    )
    with pytest.raises(ValueError, match=r"single object .* use model='kv'"):
        check_linearizability(two_keys, model="cas-register", per_key=False)
    assert check_linearizability(two_keys, model="kv").partitions == 2
    with pytest.raises(ValueError, match=r"on_limit must be"):
        check_linearizability(h, on_limit="stop")  # type: ignore[arg-type]


def test_the_whole_result_of_a_per_key_check():
    """Every field of the result when keys are checked apart: a verdict, an unknown."""
    ops = [
        Operation(0, "write", 0, 1, value=1, key="a"),
        Operation(1, "read", 2, 3, value=1, key="a"),
        Operation(2, "write", 0, 1, value=2, key="b"),
    ]
    done = check_linearizability(History(ops), model="kv")
    assert (done.linearizable, done.model, done.unplaceable, done.key) == (True, "kv", (), None)
    assert done.order == done.longest_prefix and sorted(done.order) == [0, 1, 2]
    gave_up = check_linearizability(History(_explosive(24, key="z")), model="kv", max_states=2_000)
    assert (gave_up.linearizable, gave_up.model, gave_up.key) == (None, "kv", "z")
    assert (gave_up.order, gave_up.longest_prefix, gave_up.unplaceable) == ((), (), ())


def test_pending_writes_nobody_observed_are_pruned_by_default():
    """Ten writes that never returned and a read of a value nobody wrote: with pruning the
    search never tries to place the unobserved pending writes (2**10 subsets otherwise)."""
    ops = [Operation(i, "write", 0, math.inf, value=i) for i in range(10)]
    ops += [Operation(10, "write", 0, 1, value=99), Operation(11, "read", 2, 3, value=98)]
    default = check_linearizability(History(ops))
    pruned = check_linearizability(History(ops), prune_pending=True)
    full = check_linearizability(History(ops), prune_pending=False)
    assert default.linearizable is pruned.linearizable is full.linearizable is False
    assert default.states_explored == pruned.states_explored < 2**10 < full.states_explored


def test_the_search_does_not_depend_on_how_operations_are_numbered():
    """Three pending compare-and-sets with the same effect are interchangeable, and the
    search takes them in invocation order whatever their ids: listing the same history in
    each of its 120 orders explores the same configurations."""
    import itertools

    ops = [
        Operation(0, "cas", 0, math.inf, expected=2, value=1),
        Operation(1, "cas", 1, math.inf, expected=2, value=1),
        Operation(4, "cas", 1.5, math.inf, expected=2, value=1),
        Operation(2, "write", 2, 3, value=2),
        Operation(3, "read", 4, 5, value=7),  # nobody wrote 7
    ]
    outcomes = {
        (r.linearizable, r.states_explored)
        for r in (check_linearizability(History(p)) for p in itertools.permutations(ops))
    }
    assert len(outcomes) == 1 and next(iter(outcomes))[0] is False
