"""Operations and histories: the input of every consistency check.

A *history* is what a test harness records while clients talk to a store: for every
operation, the process that issued it, when it was invoked (``call``) and when its
response arrived (``ret``). An operation whose response never arrived (a timeout, a
crashed client) is *pending*: its return time is infinite, and it may or may not have
taken effect.

Operation kinds, over a register (or one register per key):

* ``read``: returned ``value`` (``None`` stands for Jepsen's ``nil``, the initial value);
* ``write``: wrote ``value``;
* ``cas``: compare-and-set, replace ``expected`` by ``value``; ``succeeded=True`` means
  the swap happened, ``succeeded=False`` that the store answered "compare failed" (it saw
  a value other than ``expected`` and changed nothing).

See the chapter *Consistency models* (3.4).

Examples:
    >>> h = History([
    ...     Operation(process=0, kind="write", value=1, call=0.0, ret=2.0),
    ...     Operation(process=1, kind="read", value=1, call=1.0, ret=3.0),
    ... ])
    >>> len(h), h.processes, h[1].kind
    (2, (0, 1), 'read')
    >>> h.precedes(0, 1)
    False
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal, overload

__all__ = ["KINDS", "History", "Operation"]

#: The operation kinds the models understand.
KINDS: tuple[str, ...] = ("read", "write", "cas")

Kind = Literal["read", "write", "cas"]


@dataclass(frozen=True, slots=True)
class Operation:
    """One invocation and its response, as seen by the client that issued it.

    Attributes:
        process: the client (session) that issued the operation; a process issues one
            operation at a time.
        kind: ``"read"``, ``"write"`` or ``"cas"``.
        call: invocation time (any finite number; only the order of times matters).
        ret: response time, ``math.inf`` if the response never arrived (pending).
        value: the value read, written, or (for ``cas``) the new value.
        expected: for ``cas``, the value compared against; ``None`` otherwise.
        key: the object operated on (``None`` for a single register).
        succeeded: for a completed ``cas``, whether the swap happened.
    """

    # --8<-- [start:operation]
    process: int
    kind: Kind
    call: float
    ret: float = math.inf
    value: Hashable = None
    expected: Hashable = None
    key: Hashable = None
    succeeded: bool = True
    # --8<-- [end:operation]

    def __post_init__(self) -> None:
        if isinstance(self.process, bool) or not isinstance(self.process, int):
            raise TypeError(f"process must be an int, got {self.process!r}")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        for name in ("call", "ret"):
            t = getattr(self, name)
            if isinstance(t, bool) or not isinstance(t, (int, float)):
                raise TypeError(f"{name} must be a number, got {t!r}")
        if not math.isfinite(self.call):
            raise ValueError(f"call must be finite, got {self.call!r}")
        if math.isnan(self.ret) or self.ret < self.call:
            raise ValueError(f"ret must be >= call ({self.call!r}), got {self.ret!r}")
        for name in ("value", "expected", "key"):
            v = getattr(self, name)
            try:
                hash(v)
            except TypeError:
                raise TypeError(f"{name} must be hashable, got {v!r}") from None
        if not isinstance(self.succeeded, bool):
            raise TypeError(f"succeeded must be a bool, got {self.succeeded!r}")
        if not self.succeeded and (self.kind != "cas" or self.pending):
            raise ValueError(
                f"succeeded=False is only meaningful for a completed cas, got kind={self.kind!r}"
                f" ret={self.ret!r}"
            )

    @property
    def pending(self) -> bool:
        """True if the response never arrived (``ret`` is infinite)."""
        return math.isinf(self.ret)

    @property
    def reads(self) -> bool:
        """True if the operation observes the state (a read or a cas)."""
        return self.kind != "write"

    @property
    def writes(self) -> bool:
        """True if the operation may change the state (a write or a successful cas)."""
        return self.kind == "write" or (self.kind == "cas" and self.succeeded)

    def describe(self) -> str:
        """A short human-readable form, e.g. ``"p1 cas(1->2)"``."""
        where = "" if self.key is None else f"[{self.key!r}]"
        if self.kind == "read":
            body = f"read{where}()" + ("" if self.pending else f"->{self.value!r}")
        elif self.kind == "write":
            body = f"write{where}({self.value!r})"
        else:
            outcome = "" if self.succeeded else " fails"
            body = f"cas{where}({self.expected!r}->{self.value!r}){outcome}"
        return f"p{self.process} {body}" + (" (pending)" if self.pending else "")


@dataclass(frozen=True)
class History(Sequence[Operation]):
    """An immutable, validated sequence of operations; an operation's id is its index.

    Validation: each process issues one operation at a time: an operation of a process
    is invoked strictly after the process's previous operation returned, or after it gave up
    waiting for it (a pending operation, whose response never arrived).

    Raises:
        TypeError: an element is not an `Operation`.
        ValueError: two operations of one process overlap in time.
    """

    operations: tuple[Operation, ...] = field(default=())

    def __init__(self, operations: Iterable[Operation] = ()) -> None:
        ops = tuple(operations)
        for i, op in enumerate(ops):
            if not isinstance(op, Operation):
                raise TypeError(f"operations[{i}] must be an Operation, got {op!r}")
        by_process: dict[int, list[int]] = {}
        for i, op in enumerate(ops):
            by_process.setdefault(op.process, []).append(i)
        for p, ids in by_process.items():
            ids.sort(key=lambda i: (ops[i].call, ops[i].ret))
            for a, b in pairwise(ids):
                # A pending operation is abandoned by its client, which may go on.
                if not ops[a].pending and ops[a].ret >= ops[b].call:
                    raise ValueError(
                        f"operations of process {p} overlap: #{a} ({ops[a].describe()}) and"
                        f" #{b} ({ops[b].describe()}); a process issues one operation at a time"
                    )
        object.__setattr__(self, "operations", ops)

    @overload
    def __getitem__(self, index: int) -> Operation: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Operation]: ...
    def __getitem__(self, index: int | slice) -> Operation | Sequence[Operation]:
        return self.operations[index]

    def __len__(self) -> int:
        return len(self.operations)

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.operations)

    @property
    def processes(self) -> tuple[int, ...]:
        """The distinct processes, sorted."""
        return tuple(sorted({op.process for op in self.operations}))

    @property
    def keys(self) -> tuple[Hashable, ...]:
        """The distinct keys, in order of first appearance."""
        return tuple(dict.fromkeys(op.key for op in self.operations))

    def precedes(self, a: int, b: int) -> bool:
        """Real-time order: operation ``a`` returned before ``b`` was invoked."""
        return self.operations[a].ret < self.operations[b].call

    def program_order(self, process: int) -> tuple[int, ...]:
        """The ids of ``process``'s operations in the order it issued them."""
        ids = [i for i, op in enumerate(self.operations) if op.process == process]
        return tuple(sorted(ids, key=lambda i: self.operations[i].call))
