"""Tests of operations, histories and models (otlpkb.consistency.history, .models).

External check: the register's sequential specification from Herlihy & Wing (1990,
doi:10.1145/78969.78972, section 4: a read returns the last value written) and the
compare-and-set semantics etcd documents for its CAS ("compare failed" leaves the key
unchanged), as step-by-step expectations.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from otlpkb.consistency import (
    CAS_REGISTER,
    KV_STORE,
    MODELS,
    REGISTER,
    History,
    Model,
    Operation,
    get_model,
)


def test_operation_properties():
    w = Operation(0, "write", 0, 1, value=3)
    p = Operation(1, "cas", 0, math.inf, expected=1, value=2)
    f = Operation(2, "cas", 0, 1, expected=1, value=2, succeeded=False)
    assert not w.pending and p.pending
    assert w.writes and p.writes and not f.writes
    assert not w.reads and p.reads and f.reads
    assert w.describe() == "p0 write(3)"
    assert p.describe() == "p1 cas(1->2) (pending)"
    assert f.describe() == "p2 cas(1->2) fails"
    assert Operation(3, "read", 0, 1, value=5, key="k").describe() == "p3 read['k']()->5"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(process="a", kind="read", call=0), TypeError, "process must be an int, got 'a'"),
        (dict(process=True, kind="read", call=0), TypeError, "process must be an int"),
        (dict(process=0, kind="delete", call=0), ValueError, "kind must be one of .* got 'delete'"),
        (dict(process=0, kind="read", call="0"), TypeError, "call must be a number, got '0'"),
        (dict(process=0, kind="read", call=math.inf), ValueError, "call must be finite, got inf"),
        (
            dict(process=0, kind="read", call=2, ret=1),
            ValueError,
            r"ret must be >= call \(2\), got 1",
        ),
        (dict(process=0, kind="read", call=0, ret=math.nan), ValueError, "ret must be >= call"),
        (
            dict(process=0, kind="write", call=0, ret=1, value=[1]),
            TypeError,
            r"value must be hashable, got \[1\]",
        ),
        (
            dict(process=0, kind="read", call=0, ret=1, succeeded=False),
            ValueError,
            "succeeded=False is only meaningful for a completed cas",
        ),
        (dict(process=0, kind="cas", call=0, succeeded=False), ValueError, "succeeded=False"),
        (
            dict(process=0, kind="cas", call=0, ret=1, succeeded=1),
            TypeError,
            "succeeded must be a bool",
        ),
    ],
)
def test_operation_validation(kwargs, error, match):
    with pytest.raises(error, match=match):
        Operation(**kwargs)


def test_history_validation_and_views():
    a = Operation(0, "write", 0, 2, value=1)
    b = Operation(0, "read", 1, 3, value=1)
    with pytest.raises(ValueError, match=r"operations of process 0 overlap: #0 .* and #1"):
        History([a, b])
    with pytest.raises(TypeError, match=r"operations\[1\] must be an Operation"):
        History([a, "read"])  # type: ignore[list-item]
    # a process may give up on a pending operation and go on
    h = History(
        [
            Operation(0, "read", 0, math.inf),
            Operation(0, "write", 1, 2, value=1, key="x"),
            Operation(1, "read", 3, 4, value=1, key="y"),
        ]
    )
    assert h.processes == (0, 1)
    assert h.keys == (None, "x", "y")
    assert h.program_order(0) == (0, 1)
    assert h.precedes(1, 2) and not h.precedes(2, 1) and not h.precedes(0, 1)
    assert len(h) == 3 and h[1].value == 1 and list(h)[2] is h[2]


def test_register_specification():
    """A read returns the last value written (initially None); a write always succeeds."""
    s = REGISTER.init
    ok, s = REGISTER.step(s, Operation(0, "read", 0, 1, value=None))
    assert ok and s is None
    ok, s = REGISTER.step(s, Operation(0, "write", 0, 1, value=7))
    assert ok and s == 7
    assert REGISTER.step(s, Operation(0, "read", 0, 1, value=8)) == (False, 7)
    assert REGISTER.step(s, Operation(0, "read", 0, math.inf, value=8))[0]  # pending: no claim


def test_cas_specification():
    """etcd's compare-and-swap: swaps iff the current value matches; a failed compare
    changes nothing and means the value differed."""
    cas = Operation(0, "cas", 0, 1, expected=7, value=9)
    failed = Operation(0, "cas", 0, 1, expected=7, value=9, succeeded=False)
    assert CAS_REGISTER.step(7, cas) == (True, 9)
    assert CAS_REGISTER.step(6, cas) == (False, 6)
    assert CAS_REGISTER.step(6, failed) == (True, 6)
    assert CAS_REGISTER.step(7, failed) == (False, 7)


@given(st.lists(st.integers(0, 3), max_size=20))
def test_register_returns_last_written(values):
    state = REGISTER.init
    for v in values:
        _, state = REGISTER.step(state, Operation(0, "write", 0, 1, value=v))
    expected = values[-1] if values else None
    assert REGISTER.step(state, Operation(0, "read", 0, 1, value=expected))[0]


def test_models_lookup():
    assert get_model("kv") is KV_STORE and KV_STORE.per_key
    assert set(MODELS) == {"register", "cas-register", "kv"}
    custom = Model("mine", 0, REGISTER.step, frozenset({"read"}))
    assert get_model(custom) is custom
    with pytest.raises(ValueError, match=r"model must be one of .* got 'set'"):
        get_model("set")
    with pytest.raises(TypeError, match=r"model must be a name or a Model, got None"):
        get_model(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        MODELS["x"] = custom  # type: ignore[index]
