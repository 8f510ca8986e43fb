"""The simulated Collector components, from the memory limiter to the back end.

The memory limiter, the batch processor, the sending queue and exporter with retries,
and the back end.

Each component is a small class around SimPy processes; `otlpkb.sim.Pipeline`
wires them together. They follow the Collector's semantics (see the chapter for the
sources): the batch processor's free-running timer, the queue that drops when full, the
retry sender's jittered exponential backoff with a server-supplied floor, and
per-request outcome metrics recorded once the retries are over.

See the chapter *Throughput theory* (1.3).

Examples:
    >>> import numpy as np, simpy
    >>> rng = np.random.default_rng(1)
    >>> b = Backoff(RetryConfig(), rng)
    >>> delays = [b.next_delay() for _ in range(4)]
    >>> all(2.5 <= d <= 7.5 for d in delays[:1]), round(b.interval, 4)
    (True, 25.3125)
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np
import simpy
from simpy.resources.store import StoreGet

from otlpkb.sim.config import (
    BackendConfig,
    BatchConfig,
    MemoryLimiterConfig,
    QueueConfig,
    RetryConfig,
)
from otlpkb.sim.metrics import Recorder

__all__ = ["Backend", "Backoff", "Batcher", "Exporter", "MemoryLimiter", "Outcome", "Request"]

_BLOCK = 4096


class Outcome(Enum):
    """Result of one export attempt."""

    OK = "ok"
    RETRYABLE = "retryable"
    THROTTLED = "throttled"
    PERMANENT = "permanent"


@dataclass
class Request:
    """An export request: chunks of items that share an arrival time.

    Attributes:
        chunks: ``(receipt time, items)`` pairs, oldest first.
        items: total items.
        enqueued: when it entered the sending queue.
    """

    chunks: list[tuple[float, int]]
    items: int
    enqueued: float = 0.0


class _Stream:
    """Block-drawn variates from a generator (numpy calls are slow one at a time)."""

    def __init__(self, draw: Callable[[int], np.ndarray]) -> None:
        self._draw = draw
        self._it: Iterator[float] = iter(())

    def __call__(self) -> float:
        try:
            return next(self._it)
        except StopIteration:
            self._it = iter(self._draw(_BLOCK).tolist())
            return next(self._it)


class Pool:
    """Items held in the pipeline (what the memory limiter measures)."""

    def __init__(self) -> None:
        self.items = 0


class MemoryLimiter:
    """Refuses data while modelled memory is at or above the soft limit.

    Memory is ``base_mib + items * item_bytes``, measured every ``check_interval`` as
    the Collector's ``memory_limiter`` does; between checks the decision stands.
    """

    def __init__(self, env: simpy.Environment, cfg: MemoryLimiterConfig, pool: Pool) -> None:
        self.env, self.cfg, self.pool = env, cfg, pool
        self.refusing = False
        env.process(self._check())

    def memory_mib(self) -> float:
        """Modelled memory in use (MiB)."""
        return self.cfg.base_mib + self.pool.items * self.cfg.item_bytes / 2**20

    def _check(self) -> Generator[simpy.Event, Any, None]:
        # --8<-- [start:memory_limiter]
        while True:  # measured every check_interval; the decision stands in between
            self.refusing = self.memory_mib() >= self.cfg.soft_limit_mib
            yield self.env.timeout(self.cfg.check_interval)
        # --8<-- [end:memory_limiter]


class Batcher:
    """The batch processor: send at ``send_batch_size`` items or when the timer fires.

    The timer is free-running, as in the Collector: it restarts after every send that
    the size triggered and after every firing (an empty firing sends nothing). A size
    trigger sends as many batches of at most ``send_batch_max_size`` as the buffer
    holds while it holds ``send_batch_size`` or more; a timer firing sends one batch.
    """

    def __init__(
        self,
        env: simpy.Environment,
        cfg: BatchConfig,
        rec: Recorder,
        downstream: Callable[[Request], bool],
        on_drop: Callable[[int], None],
    ) -> None:
        self.env, self.cfg, self.rec = env, cfg, rec
        self.downstream, self.on_drop = downstream, on_drop
        self.buffer: deque[list[float]] = deque()  # [receipt time, items]
        self.count = 0
        self.deadline = cfg.timeout
        self.generation = 0
        if cfg.timeout > 0:
            env.process(self._timer())

    def add(self, items: int) -> None:
        """Accept ``items`` received now."""
        self.buffer.append([self.env.now, float(items)])
        self.count += items
        sent = False
        # --8<-- [start:batcher]
        size = self.cfg.send_batch_size
        while self.count > 0 and (self.cfg.timeout == 0 or self.count >= size):
            self._send(size_trigger=True)  # at most send_batch_max_size items each
            sent = True
        if sent and self.cfg.timeout > 0:  # a send by size restarts the timer
            self.deadline = self.env.now + self.cfg.timeout
            self.generation += 1
        # --8<-- [end:batcher]

    def _timer(self) -> Generator[simpy.Event, Any, None]:
        # --8<-- [start:batcher-timer]
        while True:
            generation = self.generation
            yield self.env.timeout(max(self.deadline - self.env.now, 0.0))
            if generation != self.generation:
                continue  # a size-triggered send restarted the timer meanwhile
            if self.count > 0:
                self._send(size_trigger=False)  # one batch; an empty firing sends none
            self.deadline = self.env.now + self.cfg.timeout
            self.generation += 1
        # --8<-- [end:batcher-timer]

    def _send(self, size_trigger: bool) -> None:
        now, limit = self.env.now, self.cfg.send_batch_max_size
        take = self.count if limit == 0 else min(self.count, limit)
        chunks: list[tuple[float, int]] = []
        left = take
        while left > 0:
            head = self.buffer[0]
            n = int(min(head[1], left))
            chunks.append((head[0], n))
            self.rec.bwait_lat.append(now - head[0])
            self.rec.bwait_cnt.append(n)
            head[1] -= n
            left -= n
            if head[1] == 0:
                self.buffer.popleft()
        self.count -= take
        self.rec.batch_sizes.append(take)
        if size_trigger:
            self.rec.size_triggers += 1
        else:
            self.rec.timeout_triggers += 1
        if not self.downstream(Request(chunks, take)):
            self.on_drop(take)  # the batch processor swallows the enqueue error


class Backoff:
    """``retry_on_failure``'s schedule: jittered exponential backoff (cenkalti/backoff).

    Each call returns the current interval randomised uniformly in
    ``[i(1-f), i(1+f)]`` and then grows the interval by ``multiplier`` up to
    ``max_interval``.
    """

    def __init__(self, cfg: RetryConfig, rng: np.random.Generator) -> None:
        self.cfg = cfg
        self.interval = cfg.initial_interval
        self._u = _Stream(rng.random)

    def next_delay(self) -> float:
        """The next randomised delay (seconds)."""
        f = self.cfg.randomization_factor
        delay = self.interval * (1.0 - f + 2.0 * f * self._u())
        self.interval = min(self.interval * self.cfg.multiplier, self.cfg.max_interval)
        return delay


class Backend:
    """The destination: answers attempts after a network round trip and a service time."""

    def __init__(self, env: simpy.Environment, cfg: BackendConfig, rng: np.random.Generator):
        self.env, self.cfg = env, cfg
        self.server = simpy.Resource(env, cfg.concurrency) if cfg.concurrency else None
        st = cfg.service
        if st.distribution == "exponential":
            self._base = _Stream(lambda k: rng.exponential(st.mean, k))
        elif st.distribution == "lognormal":
            s2 = np.log1p(st.cv**2)
            mu = np.log(st.mean) - s2 / 2 if st.mean > 0 else 0.0
            self._base = _Stream(lambda k: rng.lognormal(mu, np.sqrt(s2), k) * (st.mean > 0))
        else:
            self._base = _Stream(lambda k: np.full(k, st.mean))
        self._u = _Stream(rng.random)

    def service_time(self, items: int) -> float:
        """A service time for a request of ``items`` starting now."""
        t = self._base() + self.cfg.service.per_item * items
        now = self.env.now
        for w in self.cfg.slowdowns:
            if w.start <= now < w.end:
                t *= w.factor
        return t

    def verdict(self) -> tuple[Outcome, float]:
        """Fail-fast outcome of an attempt starting now (``OK`` means: serve it)."""
        now = self.env.now
        for o in self.cfg.outages:
            if o.start <= now < o.end:
                return (Outcome.PERMANENT if o.permanent else Outcome.RETRYABLE), 0.0
        for th in self.cfg.throttles:
            if th.start <= now < th.end:
                return Outcome.THROTTLED, th.retry_after
        p_retry, p_perm = self.cfg.error_probability, self.cfg.permanent_error_probability
        if p_retry or p_perm:
            u = self._u()
            if u < p_perm:
                return Outcome.PERMANENT, 0.0
            if u < p_perm + p_retry:
                return Outcome.RETRYABLE, 0.0
        return Outcome.OK, 0.0

    def serve(self, items: int) -> Generator[simpy.Event, Any, None]:
        """Process that holds a server (if bounded) for one service time."""
        assert self.server is not None
        with self.server.request() as req:
            yield req
            yield self.env.timeout(self.service_time(items))


class _TakingStore(simpy.Store):
    """A SimPy store that reports each request at the moment a consumer takes it."""

    def __init__(self, env: simpy.Environment, on_take: Callable[[Request], None]) -> None:
        super().__init__(env)
        self.on_take = on_take

    def _do_get(self, event: StoreGet) -> bool | None:
        if self.items:  # the get succeeds now, before its consumer resumes
            self.on_take(self.items[0])
        return super()._do_get(event)


class Exporter:
    """``sending_queue`` plus ``num_consumers`` workers, each exporting with retries.

    `enqueue` fails (returns False) when the queue holds ``queue_size`` requests.
    A consumer takes the oldest request and keeps it until the export succeeds, fails
    permanently, or the retry policy gives up; only then are ``sent`` / ``send_failed``
    counted (the Collector's obsreport sender wraps the retry sender).

    ``in_flight_items`` counts the items of requests that have left the queue and are
    not settled yet, from the instant SimPy hands a request to a waiting consumer (which
    resumes only when that event is processed, so `busy` does not count it yet) until
    its outcome is counted. A subclass may override `enqueue` to model a faulty queue
    and be passed to `otlpkb.sim.Pipeline` as ``exporter``.
    """

    def __init__(
        self,
        env: simpy.Environment,
        queue: QueueConfig,
        retry: RetryConfig,
        timeout: float,
        backend: Backend,
        rec: Recorder,
        pool: Pool,
        rng: np.random.Generator,
    ) -> None:
        self.env, self.qcfg, self.retry, self.timeout = env, queue, retry, timeout
        self.backend, self.rec, self.pool, self.rng = backend, rec, pool, rng
        self._store = _TakingStore(env, self._taken)
        self.busy = 0
        self.in_flight_items = 0
        for _ in range(queue.num_consumers):
            env.process(self._consumer())

    @property
    def store(self) -> simpy.Store:
        """The sending queue: a SimPy store of `Request`, oldest first."""
        return self._store

    @property
    def queue_size(self) -> int:
        """Requests waiting in the queue (``otelcol_exporter_queue_size``)."""
        return len(self.store.items)

    @property
    def queued_items(self) -> int:
        """Items of the requests waiting in the queue."""
        return sum(r.items for r in self.store.items)

    def _taken(self, request: Request) -> None:
        self.in_flight_items += request.items

    def enqueue(self, request: Request) -> bool:
        """Offer a request to the queue; False (and counted) when the queue is full."""
        # --8<-- [start:enqueue]
        if len(self.store.items) >= self.qcfg.queue_size:
            self.rec.enqueue_failed += request.items  # "sending queue is full"
            return False  # the error goes back to the caller
        request.enqueued = self.env.now
        self.store.put(request)
        return True
        # --8<-- [end:enqueue]

    def _consumer(self) -> Generator[simpy.Event, Any, None]:
        while True:
            request = yield self.store.get()
            self.busy += 1
            self.rec.queue_wait.append(self.env.now - request.enqueued)
            yield from self._export(request)
            self.busy -= 1

    def _attempt(self, request: Request) -> Generator[simpy.Event, Any, tuple[Outcome, float]]:
        env, be = self.env, self.backend
        limit = be.cfg.max_request_items
        if limit is not None and request.items > limit:  # 413: too large, never retried
            yield env.timeout(be.cfg.network_latency)
            return Outcome.PERMANENT, 0.0
        verdict, retry_after = be.verdict()
        rtt = be.cfg.network_latency
        if verdict is not Outcome.OK:
            yield env.timeout(rtt)
            return verdict, retry_after
        if be.server is None:  # unbounded back end: the duration is known now
            duration = rtt + be.service_time(request.items)
            if self.timeout and duration > self.timeout:
                yield env.timeout(self.timeout)
                return Outcome.RETRYABLE, 0.0  # DEADLINE_EXCEEDED
            yield env.timeout(duration)
            return Outcome.OK, 0.0
        if rtt:
            yield env.timeout(rtt)
        work = env.process(be.serve(request.items))
        if not self.timeout:
            yield work
            return Outcome.OK, 0.0
        deadline = env.timeout(max(self.timeout - rtt, 0.0))
        yield work | deadline
        return (Outcome.OK, 0.0) if work.processed else (Outcome.RETRYABLE, 0.0)

    def _delivered(self, request: Request) -> None:
        self.rec.sent += request.items
        now = self.env.now
        for t, n in request.chunks:
            self.rec.e2e_lat.append(now - t)
            self.rec.e2e_cnt.append(n)

    def _export(self, request: Request) -> Generator[simpy.Event, Any, None]:
        env, rec = self.env, self.rec
        start = env.now
        backoff = Backoff(self.retry, self.rng) if self.retry.enabled else None
        first = True
        # --8<-- [start:exporter]
        while True:
            rec.attempts += 1
            rec.retries += 0 if first else 1
            first = False
            outcome, retry_after = yield from self._attempt(request)
            if outcome is Outcome.OK:
                self._delivered(request)  # sent, and each span's end-to-end latency
                break
            if outcome is Outcome.PERMANENT or backoff is None:
                rec.send_failed += request.items  # once, when the retrying is over
                break
            delay = max(backoff.next_delay(), retry_after)  # server delay is a floor
            max_elapsed = self.retry.max_elapsed_time
            if max_elapsed and (env.now - start) + delay > max_elapsed:
                rec.send_failed += request.items  # "no more retries left"
                break
            yield env.timeout(delay)  # the consumer sits out the back-off
        # --8<-- [end:exporter]
        self.pool.items -= request.items
        self.in_flight_items -= request.items
