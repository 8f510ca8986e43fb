"""Sequential specifications: what a register, a CAS register and a key-value store do.

A consistency check asks whether the concurrent history can be explained by *some*
sequential execution of a data type; the data type is given here as a model: an initial
state and a step function ``step(state, op) -> (legal, new_state)``.

* ``register``: read and write.
* ``cas-register``: read, write and compare-and-set.
* ``kv``: a map from keys to CAS registers. Linearizability is *P-compositional* for it
  (Herlihy & Wing 1990, "locality"): the history is linearizable iff each key's
  sub-history is, so the checker splits the history by key (``per_key=True``).

Pending operations (``ret = inf``) may or may not have taken effect. The step function
is asked only about the "took effect" branch; a checker models "did not take effect" by
leaving the operation out.

See the chapter *Consistency models* (3.4).

Examples:
    >>> from otlpkb.consistency.history import Operation
    >>> m = get_model("cas-register")
    >>> m.step(None, Operation(0, "write", 0.0, 1.0, value=3))
    (True, 3)
    >>> m.step(3, Operation(0, "cas", 0.0, 1.0, expected=3, value=4))
    (True, 4)
    >>> m.step(3, Operation(0, "read", 0.0, 1.0, value=5))
    (False, 3)
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from otlpkb.consistency.history import Operation

__all__ = [
    "CAS_REGISTER",
    "KV_STORE",
    "MODELS",
    "REGISTER",
    "Model",
    "get_model",
    "register_step",
]

StepFunction = Callable[[Hashable, Operation], tuple[bool, Hashable]]


@dataclass(frozen=True)
class Model:
    """A sequential specification.

    Attributes:
        name: the model's name.
        init: the initial state (per key when ``per_key``).
        step: ``step(state, op) -> (legal, new_state)`` for ``op`` taking effect in ``state``.
        kinds: the operation kinds the model accepts.
        per_key: whether the object is a map of independent per-key objects (P-compositional).
        overwrites: kinds whose new state does not depend on the old one (a register's
            ``write``); the checker uses it to prune pending operations that would be
            overwritten before anyone observed them. Leave empty if unsure.
    """

    name: str
    init: Hashable
    step: StepFunction
    kinds: frozenset[str]
    per_key: bool = False
    overwrites: frozenset[str] = frozenset()

    def validate(self, ops: list[Operation] | tuple[Operation, ...]) -> None:
        """Raise ``ValueError`` if an operation's kind or key does not fit this model."""
        for i, op in enumerate(ops):
            if op.kind not in self.kinds:
                raise ValueError(
                    f"model {self.name!r} does not support {op.kind!r} operations"
                    f" (operation #{i}: {op.describe()})"
                )
        if not self.per_key:
            keys = list(dict.fromkeys(op.key for op in ops))
            if len(keys) > 1:
                raise ValueError(
                    f"model {self.name!r} is a single object but the history has keys"
                    f" {keys[:5]!r}; use model='kv' to check each key"
                )


def register_step(state: Hashable, op: Operation) -> tuple[bool, Hashable]:
    """The step function of a read/write register; a cas (CAS register) compares then swaps.

    Returns ``(legal, new_state)``: a read is legal if it returns the state (a pending
    read always is), a write sets the state, a successful or pending cas needs the state
    to equal ``expected``, and a failed cas needs it to differ.

    Examples:
        >>> register_step(1, Operation(0, "cas", 0.0, 1.0, value=2, expected=1))
        (True, 2)
    """
    # --8<-- [start:step]
    if op.kind == "write":
        return True, op.value
    if op.kind == "read":
        return op.pending or state == op.value, state
    # cas: a completed cas that "failed" saw some other value and changed nothing;
    # a successful or pending one (asked only about taking effect) needs a match.
    if not op.succeeded:
        return state != op.expected, state
    if state != op.expected:
        return False, state
    return True, op.value
    # --8<-- [end:step]


REGISTER = Model(
    "register", None, register_step, frozenset({"read", "write"}), overwrites=frozenset({"write"})
)
CAS_REGISTER = Model(
    "cas-register",
    None,
    register_step,
    frozenset({"read", "write", "cas"}),
    overwrites=frozenset({"write"}),
)
KV_STORE = Model(
    "kv",
    None,
    register_step,
    frozenset({"read", "write", "cas"}),
    per_key=True,
    overwrites=frozenset({"write"}),
)

#: The built-in models by name.
MODELS: Mapping[str, Model] = MappingProxyType(
    {m.name: m for m in (REGISTER, CAS_REGISTER, KV_STORE)}
)


def get_model(model: str | Model) -> Model:
    """The `Model` named ``model`` (``register``, ``cas-register``, ``kv``), or ``model``.

    Raises:
        ValueError: unknown model name.
        TypeError: ``model`` is neither a name nor a Model.
    """
    if isinstance(model, Model):
        return model
    if not isinstance(model, str):
        raise TypeError(f"model must be a name or a Model, got {model!r}")
    try:
        return MODELS[model]
    except KeyError:
        raise ValueError(f"model must be one of {sorted(MODELS)}, got {model!r}") from None
