"""Consistency models: linearizability, sequential consistency and session guarantees.

Record what clients saw as a `History` of `Operation` (or read a Jepsen log
with `parse_jepsen_log`), then ask whether a register, a CAS register or a
key-value store could have produced it: `check_linearizability` (Wing–Gong search
with Lowe's memoisation, per key for ``model="kv"``), `check_sequential_consistency`
and `check_session_guarantees` (read-your-writes, monotonic reads, monotonic
writes, writes-follow-reads).

See the chapter *Consistency models* (3.4).

Examples:
    >>> from otlpkb import datasets
    >>> h = parse_jepsen_log(datasets.path("jepsen/etcd_002.log"))
    >>> check_linearizability(h, model="cas-register").linearizable
    True
"""

from otlpkb.consistency.history import KINDS, History, Operation
from otlpkb.consistency.jepsen import parse_jepsen_log
from otlpkb.consistency.linearizability import (
    DEFAULT_MAX_STATES,
    LinearizabilityResult,
    SearchLimitError,
    check_linearizability,
    linearization_points,
)
from otlpkb.consistency.models import (
    CAS_REGISTER,
    KV_STORE,
    MODELS,
    REGISTER,
    Model,
    get_model,
    register_step,
)
from otlpkb.consistency.sessions import (
    GUARANTEES,
    SequentialConsistencyResult,
    SessionReport,
    SessionViolation,
    check_sequential_consistency,
    check_session_guarantees,
)

__all__ = [
    "CAS_REGISTER",
    "DEFAULT_MAX_STATES",
    "GUARANTEES",
    "KINDS",
    "KV_STORE",
    "MODELS",
    "REGISTER",
    "History",
    "LinearizabilityResult",
    "Model",
    "Operation",
    "SearchLimitError",
    "SequentialConsistencyResult",
    "SessionReport",
    "SessionViolation",
    "check_linearizability",
    "check_sequential_consistency",
    "check_session_guarantees",
    "get_model",
    "linearization_points",
    "parse_jepsen_log",
    "register_step",
]
