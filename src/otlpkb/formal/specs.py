"""Specifications for the model checker: OTLP export, and classic TLA+ examples.

Part of the chapter *Protocol specification* (4.1). Every function returns a
`otlpkb.formal.model_checker.Spec`. States are plain tuples, so they hash fast and
print readably in a counterexample.

* `otlp_export`: an OTLP exporter with a bounded sending queue, retries with a per-batch
  attempt budget, and a server that answers success, partial success, a retryable error,
  a throttling error (gRPC ``RESOURCE_EXHAUSTED`` with ``RetryInfo``, HTTP 429 with
  ``Retry-After``) or a permanent error; seeded client bugs make each invariant fail.
* The classic examples of the `tlaplus/Examples` repository, written again action for
  action so that their counts equal what TLC reports for the originals:
  `hour_clock`, `die_hard`, `tcommit`, `two_phase`, `peterson` and `bounded_fifo`
  (Lamport's ``InnerFIFO`` with the queue-length constraint of ``MCInnerFIFO``).

See the chapter *Protocol specification* (4.1).

Examples:
    >>> from otlpkb.formal.model_checker import check
    >>> r = check(two_phase(3))  # TLC on TwoPhase.cfg: 288 distinct, 1146 generated, depth 11
    >>> r.distinct_states, r.generated_states, r.depth
    (288, 1146, 11)
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

from otlpkb._checks import integer
from otlpkb.formal.model_checker import Spec

__all__ = [
    "OTLP_BUGS",
    "OTLP_OUTCOMES",
    "bounded_fifo",
    "die_hard",
    "hour_clock",
    "otlp_export",
    "otlp_sequence_diagram",
    "peterson",
    "tcommit",
    "two_phase",
    "two_phase_promela",
]

Step = tuple[str, Any]


def _put(t: tuple[Any, ...], i: int, value: Any) -> tuple[Any, ...]:
    """``t`` with item ``i`` replaced (TLA+'s ``[t EXCEPT ![i] = value]``)."""
    return (*t[:i], value, *t[i + 1 :])


# ---------------------------------------------------------------------------- classics
def hour_clock() -> Spec:
    """Lamport's HourClock: ``hr`` in 1..12 ticks to ``hr % 12 + 1``.

    TLC (tlaplus/Examples ``HourClock.cfg``): 12 distinct states, 24 generated, depth 1.
    """
    return Spec(init=range(1, 13), next=lambda hr: [("HCnxt", hr % 12 + 1)])


def _die_hard_next(state: tuple[int, int]) -> list[Step]:
    big, small = state
    pour_sb = min(big + small, 5)
    pour_bs = min(big + small, 3)
    return [
        ("FillSmallJug", (big, 3)),
        ("FillBigJug", (5, small)),
        ("EmptySmallJug", (big, 0)),
        ("EmptyBigJug", (0, small)),
        ("SmallToBig", (pour_sb, small - (pour_sb - big))),
        ("BigToSmall", (big - (pour_bs - small), pour_bs)),
    ]


def die_hard() -> Spec:
    """The Die Hard jugs: states ``(big, small)``; ``NotSolved`` fails when big is 4.

    TLC finds the shortest solution, a trace of 7 states (6 pourings).
    """
    return Spec(
        init=[(0, 0)],
        next=_die_hard_next,
        invariants={
            "TypeOK": lambda s: 0 <= s[0] <= 5 and 0 <= s[1] <= 3,
            "NotSolved": lambda s: s[0] != 4,
        },
    )


def _rms(rms: object) -> int:
    return integer("rms", rms, minimum=1)


def tcommit(rms: int = 3) -> Spec:
    """Gray and Lamport's transaction commit (TCommit): one state per resource manager.

    TLC (``TCommit.cfg``, three RMs): 34 distinct, 94 generated, depth 7.
    """
    n = _rms(rms)

    def step(s: tuple[str, ...]) -> Iterator[Step]:
        can_commit = all(x in ("prepared", "committed") for x in s)
        not_committed = all(x != "committed" for x in s)
        for r in range(n):
            if s[r] == "working":
                yield "Prepare", _put(s, r, "prepared")
            if s[r] == "prepared" and can_commit:  # Decide, first disjunct
                yield "Decide", _put(s, r, "committed")
            if s[r] in ("working", "prepared") and not_committed:
                yield "Decide", _put(s, r, "aborted")

    return Spec(
        init=[("working",) * n],
        next=step,
        invariants={
            "TCConsistent": lambda s: not ("committed" in s and "aborted" in s),
        },
    )


def two_phase(rms: int = 3) -> Spec:
    """Two-phase commit (TwoPhase): RMs, a transaction manager and a set of messages.

    A state is ``(rm_state, tm_state, tm_prepared, prepared_msgs, commit_msg, abort_msg)``.
    TLC (``TwoPhase.cfg``, three RMs): 288 distinct, 1146 generated, depth 11.
    """
    n = _rms(rms)
    everyone = (True,) * n

    def step(s: tuple[Any, ...]) -> Iterator[Step]:
        rm, tm, tmp, prep, commit, abort = s
        if tm == "init" and tmp == everyone:
            yield "TMCommit", (rm, "committed", tmp, prep, True, abort)
        if tm == "init":
            yield "TMAbort", (rm, "aborted", tmp, prep, commit, True)
        for r in range(n):
            if tm == "init" and prep[r]:  # stutters when r is already in tmPrepared
                yield "TMRcvPrepared", (rm, tm, _put(tmp, r, True), prep, commit, abort)
            if rm[r] == "working":
                p = _put(prep, r, True)
                yield "RMPrepare", (_put(rm, r, "prepared"), tm, tmp, p, commit, abort)
                yield "RMChooseToAbort", (_put(rm, r, "aborted"), tm, tmp, prep, commit, abort)
            if commit:
                yield "RMRcvCommitMsg", (_put(rm, r, "committed"), tm, tmp, prep, commit, abort)
            if abort:
                yield "RMRcvAbortMsg", (_put(rm, r, "aborted"), tm, tmp, prep, commit, abort)

    return Spec(
        init=[(("working",) * n, "init", (False,) * n, (False,) * n, False, False)],
        next=step,
        invariants={
            "TCConsistent": lambda s: not ("committed" in s[0] and "aborted" in s[0]),
        },
    )


def two_phase_promela(rms: int = 3) -> str:
    """`two_phase` written in Promela, for SPIN, with the same states and transitions.

    One process loops over one ``d_step`` per TLA+ action instance (stuttering steps
    included), so SPIN's "states, stored" equals the distinct states and its
    "transitions" equals TLC's generated states (SPIN counts the initial state as one
    transition). RM states: 0 working, 1 prepared, 2 committed, 3 aborted; TM states: 0
    init, 1 committed, 2 aborted.

    Examples:
        >>> print(two_phase_promela(2).splitlines()[0])
        /* TwoPhase (Gray and Lamport) with 2 resource managers */
    """
    n = _rms(rms)
    everyone = " && ".join(f"tmp[{r}]" for r in range(n))
    lines = [
        f"/* TwoPhase (Gray and Lamport) with {n} resource managers */",
        f"byte rm[{n}]; byte tm; bool tmp[{n}]; bool prep[{n}]; bool cmsg; bool amsg;",
        "active proctype TwoPhase() {",
        "  do",
        f"  :: d_step {{ tm == 0 && {everyone} -> tm = 1; cmsg = 1 }}",
        "  :: d_step { tm == 0 -> tm = 2; amsg = 1 }",
    ]
    for r in range(n):
        lines += [
            f"  :: d_step {{ tm == 0 && prep[{r}] -> tmp[{r}] = 1 }}",
            f"  :: d_step {{ rm[{r}] == 0 -> rm[{r}] = 1; prep[{r}] = 1 }}",
            f"  :: d_step {{ rm[{r}] == 0 -> rm[{r}] = 3 }}",
            f"  :: d_step {{ cmsg -> rm[{r}] = 2 }}",
            f"  :: d_step {{ amsg -> rm[{r}] = 3 }}",
        ]
    lines += ["  od", "}", ""]
    return "\n".join(lines)


_PETERSON_NEXT = {"a0": "a1", "a1": "a2", "a2": "a3", "a3": "cs", "cs": "a4", "a4": "a0"}


def peterson() -> Spec:
    """Peterson's mutual exclusion for two processes (the PlusCal translation).

    A state is ``(pc1, pc2, c1, c2, turn)``. TLC (``locks_auxiliary_vars/Peterson.cfg``):
    42 distinct, 77 generated, depth 11. ``MutualExclusion``: never both in cs or a4.
    """

    def step(s: tuple[Any, ...]) -> Iterator[Step]:
        pc, c, turn = [s[0], s[1]], [s[2], s[3]], s[4]
        for i in (0, 1):
            other, label = 1 - i, pc[i]
            if label == "a3" and c[other] and turn != i + 1:
                continue  # await ~c[Other(self)] \/ turn = self
            p, cc, t = list(pc), list(c), turn
            p[i] = _PETERSON_NEXT[label]
            if label == "a1":
                cc[i] = True
            elif label == "a2":
                t = other + 1
            elif label == "a4":
                cc[i] = False
            yield label, (p[0], p[1], cc[0], cc[1], t)

    def mutex(s: tuple[Any, ...]) -> bool:
        return not (s[0] in ("cs", "a4") and s[1] in ("cs", "a4"))

    return Spec(init=[("a0", "a0", False, False, 1)], next=step, invariants={"Mutex": mutex})


def bounded_fifo(messages: int = 3, capacity: int = 3) -> Spec:
    """Lamport's InnerFIFO between two handshake channels, bounded by a constraint.

    A state is ``(in_val, in_rdy, in_ack, out_val, out_rdy, out_ack, q)`` with the
    queue ``q`` a tuple. ``Len(q) <= capacity`` is a TLC CONSTRAINT, as in
    ``MCInnerFIFO``. TLC (``MCInnerFIFO.cfg``: three messages, ``qLen = 3``): 3864
    distinct, 9660 generated, depth 11.
    """
    m = integer("messages", messages, minimum=1)
    cap = integer("capacity", capacity, minimum=0)
    values = range(m)

    def step(s: tuple[Any, ...]) -> Iterator[Step]:
        iv, ir, ia, ov, orr, oa, q = s
        if ir == ia:
            for msg in values:
                yield "SSend", (msg, 1 - ir, ia, ov, orr, oa, q)
        if ir != ia:
            yield "BufRcv", (iv, ir, 1 - ia, ov, orr, oa, (*q, iv))
        if q and orr == oa:
            yield "BufSend", (iv, ir, ia, q[0], 1 - orr, oa, q[1:])
        if orr != oa:
            yield "RRcv", (iv, ir, ia, ov, orr, 1 - oa, q)

    channel = [(v, b, b) for v in values for b in (0, 1)]
    return Spec(
        init=[(*i, *o, ()) for i, o in itertools.product(channel, channel)],
        next=step,
        constraint=lambda s: len(s[6]) <= cap,
    )


# ----------------------------------------------------------------------- OTLP export
#: what an OTLP server may answer to one export request
OTLP_OUTCOMES = ("success", "partial_success", "retryable", "throttled", "permanent")
#: client and server bugs `otlp_export` can seed, each breaking one invariant
OTLP_BUGS = ("retry_partial", "retry_permanent", "ack_before_persist", "off_by_one_budget")
_SETTLED = frozenset({"acked", "partial", "rejected", "queue_full", "exhausted"})
_ABSENT, _VOLATILE, _DURABLE = 0, 1, 2


def _otlp_invariants(max_attempts: int) -> dict[str, Any]:
    def acked_not_lost(s: tuple[Any, ...]) -> bool:
        batches, stored = s
        return all(
            b[0] not in ("acked", "partial") or stored[i] != _ABSENT for i, b in enumerate(batches)
        )

    def partial_never_retried(s: tuple[Any, ...]) -> bool:
        return all(b[0] != "sending" or b[2] != "partial_success" for b in s[0])

    def permanent_never_retried(s: tuple[Any, ...]) -> bool:
        return all(b[0] != "sending" or b[2] != "permanent" for b in s[0])

    def attempts_within_budget(s: tuple[Any, ...]) -> bool:
        return all(b[1] <= max_attempts for b in s[0])

    return {
        "AcknowledgedNotLost": acked_not_lost,
        "PartialNeverRetried": partial_never_retried,
        "PermanentNeverRetried": permanent_never_retried,
        "AttemptsWithinBudget": attempts_within_budget,
    }


def otlp_export(
    batches: int = 2,
    queue_size: int = 1,
    max_attempts: int = 3,
    bugs: tuple[str, ...] = (),
) -> Spec:
    """An OTLP exporter with a bounded queue and retries, against a server that may fail.

    The client produces ``batches`` batches into a sending queue of ``queue_size``
    (a full queue drops the batch and counts it, like the Collector's
    ``sending_queue``); one consumer sends a batch, and the server answers one of
    `OTLP_OUTCOMES`. Success and partial success settle the batch (the rejected part
    of a partial success is dropped and counted, never retried); a retryable or
    throttling error puts it back to wait (backoff, or the server's ``RetryInfo`` /
    ``Retry-After``) until it is sent again, at most ``max_attempts`` times in all; a
    permanent error drops it. Time is abstracted away: waiting is one step.

    A state is ``(batches, stored)``: per batch ``(phase, attempts, last_outcome)``,
    per batch what the server holds (0 nothing, 1 in a volatile buffer, 2 durable).
    Invariants: ``AcknowledgedNotLost``, ``PartialNeverRetried``,
    ``PermanentNeverRetried`` and ``AttemptsWithinBudget``; with deadlock checking on,
    every run ends with every batch settled (``Done`` is the terminal stuttering step).

    ``bugs`` seeds faults from `OTLP_BUGS`: the client retries a partial success or a
    permanent error; the server (say, a gateway Collector with an in-memory queue)
    acknowledges before the data is durable and may crash; the client's budget check
    is off by one.

    Examples:
        >>> from otlpkb.formal.model_checker import check
        >>> check(otlp_export()).ok
        True
        >>> r = check(otlp_export(bugs=("retry_partial",)))
        >>> r.violation, r.trace_actions
        ('PartialNeverRetried', ['Produce', 'Send', 'PartialSuccess', 'Retry'])
    """
    n = integer("batches", batches, minimum=1)
    q = integer("queue_size", queue_size, minimum=1)
    budget = integer("max_attempts", max_attempts, minimum=1)
    if isinstance(bugs, str) or not all(b in OTLP_BUGS for b in bugs):
        raise ValueError(f"bugs must be a tuple of names from {OTLP_BUGS}, got {bugs!r}")
    seeded = frozenset(bugs)
    ack_store = _VOLATILE if "ack_before_persist" in seeded else _DURABLE
    retry_below = budget + 1 if "off_by_one_budget" in seeded else budget

    # --8<-- [start:otlp_respond]
    def respond(b: tuple[str, int, str], outcome: str) -> tuple[str, int, str]:
        phase, attempts, _ = b
        if outcome == "success":
            phase = "acked"
        elif outcome == "partial_success":
            phase = "waiting" if "retry_partial" in seeded else "partial"
        elif outcome == "permanent":
            phase = "waiting" if "retry_permanent" in seeded else "rejected"
        else:  # retryable or throttled: wait, unless the retry budget is spent
            phase = "waiting" if attempts < retry_below else "exhausted"
        return (phase, attempts, outcome)

    # --8<-- [end:otlp_respond]

    # --8<-- [start:otlp_step]
    def step(s: tuple[Any, ...]) -> Iterator[Step]:
        bs, stored = s
        queued = sum(b[0] == "queued" for b in bs)
        busy = any(b[0] in ("sending", "waiting") for b in bs)
        for i, (phase, attempts, last) in enumerate(bs):
            if phase == "new":  # the pipeline hands the exporter a batch
                full = queued >= q
                b = ("queue_full" if full else "queued", 0, "")
                yield "Produce", (_put(bs, i, b), stored)
            elif phase == "queued" and not busy:  # the consumer takes it
                yield "Send", (_put(bs, i, ("sending", attempts + 1, last)), stored)
            elif phase == "waiting":  # backoff or Retry-After elapsed
                yield "Retry", (_put(bs, i, ("sending", attempts + 1, last)), stored)
            elif phase == "sending":
                for outcome in OTLP_OUTCOMES:
                    keep = outcome in ("success", "partial_success")
                    held = max(stored[i], ack_store) if keep else stored[i]
                    action = outcome.title().replace("_", "")
                    b = respond(bs[i], outcome)
                    yield action, (_put(bs, i, b), _put(stored, i, held))
        if _VOLATILE in stored:  # the server persists its buffer, or crashes first
            durable = tuple(_DURABLE if x == _VOLATILE else x for x in stored)
            lost = tuple(_ABSENT if x == _VOLATILE else x for x in stored)
            yield "Persist", (bs, durable)
            yield "Crash", (bs, lost)
        if all(b[0] in _SETTLED for b in bs) and _VOLATILE not in stored:
            yield "Done", s

    # --8<-- [end:otlp_step]

    return Spec(
        init=[((("new", 0, ""),) * n, (_ABSENT,) * n)],
        next=step,
        invariants=_otlp_invariants(budget),
        check_deadlock=True,
    )


_REPLY = {
    "Success": "Export response (success)",
    "PartialSuccess": "partial_success: rejected items",
    "Retryable": "UNAVAILABLE (retryable)",
    "Throttled": "RESOURCE_EXHAUSTED + RetryInfo",
    "Permanent": "INVALID_ARGUMENT (permanent)",
}


def otlp_sequence_diagram(trace: Sequence[Any], actions: Sequence[str]) -> str:
    """A mermaid sequence diagram of an `otlp_export` trace (a `CheckResult` trace).

    Args:
        trace: the states, initial state first.
        actions: the action of each step (one fewer than states).

    Returns:
        The diagram's source, to put in a ``mermaid`` fence.

    Examples:
        >>> from otlpkb.formal.model_checker import check
        >>> r = check(otlp_export(bugs=("retry_partial",)))
        >>> print(otlp_sequence_diagram(r.trace, r.trace_actions).splitlines()[5])
            P->>E: batch 0 (queued)
    """
    if len(actions) != max(len(trace) - 1, 0):
        raise ValueError(
            f"actions must have one entry per step: {len(trace)} states, {len(actions)} actions"
        )
    lines = [
        "sequenceDiagram",
        "    participant P as Pipeline",
        "    participant E as Exporter and queue",
        "    participant S as Server",
        "    Note over P,S: all batches new, server empty",
    ]
    for action, before, after in zip(actions, trace, trace[1:]):
        changed = [i for i, (x, y) in enumerate(zip(before[0], after[0])) if x != y]
        i = changed[0] if changed else 0
        phase, attempts, _ = after[0][i]
        if action == "Produce":
            lines.append(f"    P->>E: batch {i} ({phase.replace('_', ' ')})")
        elif action in ("Send", "Retry"):
            lines.append(f"    E->>S: Export batch {i}, attempt {attempts}")
        elif action in _REPLY:
            lines.append(f"    S-->>E: {_REPLY[action]}")
            lines.append(f"    Note over E: batch {i} {phase}")
        elif action == "Persist":
            lines.append("    Note over S: buffer written to disk")
        elif action == "Crash":
            lines.append("    Note over S: crash: the in-memory buffer is lost")
        else:
            lines.append(f"    Note over P,S: {action}")
    return "\n".join(lines)
