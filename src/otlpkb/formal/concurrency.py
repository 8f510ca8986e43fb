"""Concurrency safety of a batching exporter: a model to check, and the threads it models.

The reference implementation of the chapter *Concurrency safety* (4.3). Producers put
items into a bounded queue guarded by one condition variable; an exporter thread takes
them into a batch, exports the batch when it reaches ``batch_size``, flushes a partial
batch when its timer fires, and flushes what is left when the queue is closed. This is
the shape of an SDK's batch span processor and of the Collector's batching in front of a
sending queue.

* `batch_exporter_spec` is the model, for `otlpkb.formal.model_checker.check`: one step
  per critical section (what runs with the lock held), condition-variable waits and
  notifications made explicit, and the invariants ``QueueBounded`` (the queue never
  holds more than its capacity) and ``NoSilentLoss`` (every item produced is queued,
  batched or exported), with deadlock checking on.
* `BatchExporter` is the same algorithm on real threads (`threading.Condition`), and
  `stress` runs it many times with several producers and reports each run that broke
  the same two properties.

Both take the same seeded bugs, `CONCURRENCY_BUGS`: ``"if_not_while"`` (a producer
woken from ``wait`` does not re-check that the queue has room), ``"notify_one"``
(``notify`` instead of ``notify_all`` on a condition that producers and the exporter
share: a lost wake-up) and ``"drop_on_shutdown"`` (closing drops the partial batch).

See the chapter *Concurrency safety* (4.3).

Examples:
    >>> from otlpkb.formal.model_checker import check
    >>> check(batch_exporter_spec()).ok
    True
    >>> r = check(batch_exporter_spec(bugs=("drop_on_shutdown",)))
    >>> r.violation, r.trace_actions[-1]
    ('NoSilentLoss', 'ExporterStep')
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from otlpkb._checks import integer, positive
from otlpkb.formal.model_checker import Spec

__all__ = ["CONCURRENCY_BUGS", "BatchExporter", "StressResult", "batch_exporter_spec", "stress"]

#: the bugs the model and the threaded exporter can seed
CONCURRENCY_BUGS = ("if_not_while", "notify_one", "drop_on_shutdown")

Step = tuple[str, Any]


def _bugs(bugs: Sequence[str]) -> frozenset[str]:
    if isinstance(bugs, str) or not all(b in CONCURRENCY_BUGS for b in bugs):
        raise ValueError(f"bugs must be a tuple of names from {CONCURRENCY_BUGS}, got {bugs!r}")
    return frozenset(bugs)


def _put(t: tuple[Any, ...], i: int, value: Any) -> tuple[Any, ...]:
    return (*t[:i], value, *t[i + 1 :])


def batch_exporter_spec(
    producers: int = 2,
    items: int = 2,
    capacity: int = 1,
    batch_size: int = 2,
    bugs: Sequence[str] = (),
) -> Spec:
    """The batching exporter as a state machine, one step per critical section.

    A state is ``(producers, queue, batch, exported, exporter, closed)``: per producer
    ``(pc, items_left)`` with ``pc`` in ``put``, ``wait``, ``woken``, ``done``; the
    queue and batch lengths; the items exported; the exporter's ``pc`` in ``run``,
    ``wait``, ``woken``, ``done``; whether the queue was closed. A ``notify`` wakes every
    waiter (``notify_all``) or, with the ``notify_one`` bug, any one of them (one
    successor per choice). The exporter's timer is armed only while it holds a partial
    batch (``Timeout``). ``Close`` runs once every producer is done.

    Args:
        producers: producer threads.
        items: items each producer puts.
        capacity: the queue's capacity.
        batch_size: the size that triggers an export.
        bugs: seeded bugs from `CONCURRENCY_BUGS`.

    Returns:
        A `Spec` with invariants ``QueueBounded`` and ``NoSilentLoss`` and deadlock
        checking on (``Done`` is the final stuttering step).
    """
    n = integer("producers", producers, minimum=1)
    k = integer("items", items, minimum=1)
    cap = integer("capacity", capacity, minimum=1)
    size = integer("batch_size", batch_size, minimum=1)
    seeded = _bugs(bugs)
    total = n * k

    def wake(state: tuple[Any, ...], everyone: bool = False) -> Iterator[tuple[Any, ...]]:
        """The states after a notify: all waiters woken, or (bug) any single one."""
        prods, q, batch, exported, exp, closed = state
        waiting = [i for i, (pc, _) in enumerate(prods) if pc == "wait"]
        if exp == "wait":
            waiting.append(n)
        if not waiting:
            yield state
        elif "notify_one" in seeded and not everyone:
            for i in waiting:
                if i == n:
                    yield (prods, q, batch, exported, "woken", closed)
                else:
                    yield (_put(prods, i, ("woken", prods[i][1])), *state[1:])
        else:
            woken = tuple(("woken", left) if pc == "wait" else (pc, left) for pc, left in prods)
            yield (woken, q, batch, exported, "woken" if exp == "wait" else exp, closed)

    # --8<-- [start:producer]
    def producer(s: tuple[Any, ...], i: int) -> Iterator[tuple[Any, ...]]:
        prods, q, batch, exported, exp, closed = s
        pc, left = prods[i]
        recheck = pc == "put" or "if_not_while" not in seeded
        if recheck and q >= cap:  # while len(queue) >= capacity: cond.wait()
            yield (_put(prods, i, ("wait", left)), q, batch, exported, exp, closed)
            return
        after = ("put" if left > 1 else "done", left - 1)
        yield from wake((_put(prods, i, after), q + 1, batch, exported, exp, closed))

    # --8<-- [end:producer]

    # --8<-- [start:exporter]
    def exporter(s: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
        prods, q, batch, exported, _, closed = s
        if q > 0:  # take what fits in the batch, export a full one, free the space
            take = min(q, size - batch)
            q, batch = q - take, batch + take
            if batch == size:
                exported, batch = exported + batch, 0
            yield from wake((prods, q, batch, exported, "run", closed))
        elif closed:  # shutdown: flush the partial batch (or, bug, drop it)
            if "drop_on_shutdown" not in seeded:
                exported += batch
            yield (prods, q, 0, exported, "done", closed)
        else:
            yield (prods, q, batch, exported, "wait", closed)

    # --8<-- [end:exporter]

    def step(s: tuple[Any, ...]) -> Iterator[Step]:
        prods, q, batch, exported, exp, closed = s
        for i, (pc, _) in enumerate(prods):
            if pc in ("put", "woken"):
                for t in producer(s, i):
                    yield f"Producer{i}", t
        if exp in ("run", "woken"):
            for t in exporter(s):
                yield "ExporterStep", t
        if exp == "wait" and batch > 0:  # the timer flushes a partial batch
            yield "Timeout", (prods, q, 0, exported + batch, "run", closed)
        if not closed and all(pc == "done" for pc, _ in prods):
            for t in wake((prods, q, batch, exported, exp, True), everyone=True):
                yield "Close", t  # close() calls notify_all
        if exp == "done" and all(pc == "done" for pc, _ in prods):
            yield "Done", s

    def no_silent_loss(s: tuple[Any, ...]) -> bool:
        produced: int = total - sum(left for _, left in s[0])
        return bool(produced == s[1] + s[2] + s[3])

    return Spec(
        init=[(((("put", k),) * n), 0, 0, 0, "run", False)],
        next=step,
        invariants={"QueueBounded": lambda s: s[1] <= cap, "NoSilentLoss": no_silent_loss},
        check_deadlock=True,
    )


class BatchExporter:
    """A bounded queue and an exporter thread that batches, on real threads.

    ``put`` blocks while the queue is full; the exporter thread exports a batch of
    ``batch_size`` items, a partial batch when ``timeout`` seconds pass without a new
    item, and what is left on `close`. ``bugs`` seeds the faults of `CONCURRENCY_BUGS`.

    Attributes:
        max_depth: the longest the queue has been (more than ``capacity`` is a bug).
        dropped: items dropped at shutdown (only with the ``drop_on_shutdown`` bug; they
            are not reported anywhere else).

    Examples:
        >>> out = []
        >>> e = BatchExporter(out.extend, capacity=2, batch_size=3, timeout=60.0)
        >>> for item in range(5):
        ...     e.put(item)
        >>> e.close()
        >>> sorted(out)
        [0, 1, 2, 3, 4]
    """

    def __init__(
        self,
        export: Callable[[list[Any]], object],
        *,
        capacity: int,
        batch_size: int,
        timeout: float,
        bugs: Sequence[str] = (),
    ) -> None:
        self._export = export
        self._capacity = integer("capacity", capacity, minimum=1)
        self._size = integer("batch_size", batch_size, minimum=1)
        self._timeout = positive("timeout", timeout)
        self._bugs = _bugs(bugs)
        self._cond = threading.Condition()
        self._queue: deque[Any] = deque()
        self._closed = False
        self.max_depth = 0
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="batch-exporter", daemon=True)
        self._thread.start()

    def _notify(self) -> None:
        if "notify_one" in self._bugs:
            self._cond.notify()
        else:
            self._cond.notify_all()

    def put(self, item: Any) -> None:
        """Add ``item``, waiting while the queue is full."""
        # --8<-- [start:put]
        with self._cond:
            if "if_not_while" in self._bugs:
                if len(self._queue) >= self._capacity:
                    self._cond.wait()  # woken: the room may be gone again
            else:
                while len(self._queue) >= self._capacity:
                    self._cond.wait()
            self._queue.append(item)
            self.max_depth = max(self.max_depth, len(self._queue))
            self._notify()
        # --8<-- [end:put]

    def close(self) -> None:
        """Stop accepting items, flush what is queued and batched, and join the thread."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join()

    def _run(self) -> None:
        batch: list[Any] = []
        while True:
            timed_out = False
            with self._cond:
                while not self._queue and not self._closed and not timed_out:
                    timed_out = not self._cond.wait(self._timeout if batch else None)
                while self._queue and len(batch) < self._size:
                    batch.append(self._queue.popleft())
                closing = self._closed and not self._queue
                self._notify()
            if len(batch) >= self._size or (batch and timed_out):
                self._export(batch)
                batch = []
            if closing:
                if batch and "drop_on_shutdown" in self._bugs:
                    self.dropped += len(batch)
                elif batch:
                    self._export(batch)
                return


def _produce(exporter: BatchExporter, producer: int, items: int) -> None:
    for j in range(items):
        exporter.put((producer, j))


@dataclass(frozen=True)
class StressResult:
    """What `stress` saw.

    Attributes:
        runs: runs made.
        failures: runs that broke a property.
        first_failure: the 1-based number of the first failing run, or None.
        overflow_runs: runs whose queue held more than its capacity.
        loss_runs: runs in which some item put was not exported.
    """

    runs: int
    failures: int
    first_failure: int | None
    overflow_runs: int
    loss_runs: int


def stress(
    bugs: Sequence[str] = (),
    *,
    runs: int = 50,
    producers: int = 4,
    items: int = 25,
    capacity: int = 1,
    batch_size: int = 3,
    timeout: float = 60.0,
    stop_at_first: bool = False,
) -> StressResult:
    """Run `BatchExporter` ``runs`` times with concurrent producers and check each run.

    Each run starts ``producers`` threads that put ``items`` distinct items each, then
    closes the exporter and checks that every item was exported exactly once and that
    the queue never held more than ``capacity``. The lost wake-up of ``notify_one``
    hangs rather than breaking a property, so it is left to the model checker.

    Args:
        bugs: seeded bugs (not ``notify_one``).
        runs: how many runs.
        producers: producer threads per run.
        items: items per producer.
        capacity: the queue's capacity.
        batch_size: the export trigger.
        timeout: the partial-batch timer, seconds (long by default, so that shutdown,
            not the timer, flushes the last partial batch).
        stop_at_first: stop after the first failing run.

    Returns:
        The counts of failing runs.
    """
    seeded = _bugs(bugs)
    if "notify_one" in seeded:
        raise ValueError("stress cannot run notify_one: a lost wake-up hangs the threads")
    n_runs = integer("runs", runs, minimum=1)
    n = integer("producers", producers, minimum=1)
    k = integer("items", items, minimum=1)
    failures = overflow = loss = 0
    first: int | None = None
    done = 0
    for run in range(1, n_runs + 1):
        out: list[Any] = []
        e = BatchExporter(
            out.extend, capacity=capacity, batch_size=batch_size, timeout=timeout, bugs=bugs
        )
        # --8<-- [start:stress]
        threads = [threading.Thread(target=_produce, args=(e, p, k)) for p in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        e.close()
        lost = len(set(out)) != n * k or len(out) != n * k
        over = e.max_depth > capacity
        # --8<-- [end:stress]
        done = run
        if lost or over:
            failures += 1
            overflow += over
            loss += lost
            first = first or run
            if stop_at_first:
                break
    return StressResult(done, failures, first, overflow, loss)
