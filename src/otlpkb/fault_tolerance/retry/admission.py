"""Admission controls that keep retries from becoming the outage.

A retry budget (`RetryBudget`, Finagle's), gRPC-style retry throttling
(`RetryThrottle`, gRFC A6), a circuit breaker (`CircuitBreaker`), a bulkhead
(`Bulkhead`) and a deadline passed down the call chain (`Deadline`).

See the chapter *Fault-tolerance mechanisms* (2.1).

Examples:
    >>> t = [0.0]
    >>> budget = RetryBudget(ratio=0.1, min_retries_per_second=0, clock=lambda: t[0])
    >>> for _ in range(20):
    ...     budget.record_request()
    >>> sum(budget.try_retry() for _ in range(5))
    2
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from enum import Enum
from typing import TypeVar

from otlpkb._checks import integer as _integer
from otlpkb._checks import non_negative as _non_negative
from otlpkb._checks import positive as _positive
from otlpkb._checks import real as _real

__all__ = [
    "Bulkhead",
    "BulkheadFullError",
    "CircuitBreaker",
    "CircuitOpenError",
    "CircuitState",
    "Deadline",
    "RetryBudget",
    "RetryThrottle",
]

ResultT = TypeVar("ResultT")


class RetryBudget:
    """Retries capped at a fraction of requests over a sliding window (Finagle's RetryBudget).

    Every request deposits ``ratio`` of a retry; every retry withdraws one. On top of that
    ``min_retries_per_second * ttl`` retries are always allowed in a window, so a client
    with little traffic can still retry. Deposits and withdrawals older than ``ttl``
    seconds expire. With ratio 0.1 the retries add at most 10 % to the load on a back end
    that is down, instead of multiplying it.

    Args:
        ratio: retries allowed per request (0.1 = 10 %).
        min_retries_per_second: a floor for quiet clients.
        ttl: window length in seconds.
        clock: a function returning seconds (monotonic); injectable for tests.

    Examples:
        >>> t = [0.0]
        >>> b = RetryBudget(ratio=0.5, min_retries_per_second=0, clock=lambda: t[0])
        >>> for _ in range(4):
        ...     b.record_request()
        >>> [b.try_retry() for _ in range(3)]
        [True, True, False]
    """

    def __init__(
        self,
        ratio: float = 0.1,
        min_retries_per_second: float = 10.0,
        ttl: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        ratio = _non_negative("ratio", ratio)
        self.ratio = ratio
        min_retries_per_second = _non_negative("min_retries_per_second", min_retries_per_second)
        self.min_retries_per_second = min_retries_per_second
        ttl = _positive("ttl", ttl)
        self.ttl = ttl
        self._clock = clock
        self._requests: deque[float] = deque()
        self._retries: deque[float] = deque()

    def _expire(self, now: float) -> None:
        for q in (self._requests, self._retries):
            while q and q[0] <= now - self.ttl:
                q.popleft()

    def record_request(self) -> None:
        """Count one original request (not a retry)."""
        self._requests.append(self._clock())

    def balance(self) -> float:
        """Retries still allowed in the current window."""
        # --8<-- [start:budget]
        now = self._clock()
        self._expire(now)  # deposits and withdrawals older than ttl are gone
        floor = self.min_retries_per_second * self.ttl
        allowed = floor + self.ratio * len(self._requests)
        return allowed - len(self._retries)
        # --8<-- [end:budget]

    def try_retry(self) -> bool:
        """Withdraw one retry if the budget allows it; False means: do not retry."""
        if self.balance() >= 1:
            self._retries.append(self._clock())
            return True
        return False


class RetryThrottle:
    """gRPC retry throttling (gRFC A6): a token bucket drained by failures.

    Tokens start at ``max_tokens``. A failure removes one token, a success adds
    ``token_ratio`` (up to ``max_tokens``). Retries are allowed only while the bucket holds
    more than half of ``max_tokens``, so a mostly failing back end quickly stops seeing
    retries from this client, and recovers them after enough successes.

    Examples:
        >>> th = RetryThrottle(max_tokens=4, token_ratio=0.5)
        >>> th.record_failure(); th.record_failure()
        >>> th.retry_allowed()
        False
        >>> th.record_success()
        >>> th.retry_allowed()
        True
    """

    def __init__(self, max_tokens: float = 10.0, token_ratio: float = 0.1) -> None:
        max_tokens = _positive("max_tokens", max_tokens)
        self.max_tokens = max_tokens
        token_ratio = _positive("token_ratio", token_ratio)
        self.token_ratio = token_ratio
        self.tokens = self.max_tokens

    def record_failure(self) -> None:
        """A retryable failure: one token less (never below zero)."""
        self.tokens = max(0.0, self.tokens - 1)

    def record_success(self) -> None:
        """A success: ``token_ratio`` tokens more (never above ``max_tokens``)."""
        self.tokens = min(self.max_tokens, self.tokens + self.token_ratio)

    def retry_allowed(self) -> bool:
        """Whether a retry may be sent now."""
        return self.tokens > self.max_tokens / 2


class CircuitState(Enum):
    """The three states of a circuit breaker."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitOpenError(RuntimeError):
    """Raised by `CircuitBreaker.call` when the breaker rejects a call."""


class CircuitBreaker:
    """A circuit breaker with consecutive-failure and failure-rate trips.

    CLOSED: calls pass; the breaker trips to OPEN after ``consecutive_failures`` failures in
    a row, or when at least ``minimum_calls`` of the last ``window`` calls were recorded and
    their failure fraction is ``>= failure_rate``. OPEN: calls are rejected for
    ``open_timeout`` seconds, then the breaker goes HALF_OPEN. HALF_OPEN: up to
    ``half_open_calls`` trial calls pass; if they all succeed it closes (window cleared), a
    single failure re-opens it.

    Args:
        consecutive_failures: trip after this many failures in a row (0 disables).
        failure_rate: trip at this failure fraction of the window (None disables).
        window: the number of most recent calls the rate is computed over.
        minimum_calls: calls needed in the window before the rate can trip.
        open_timeout: seconds to stay open.
        half_open_calls: trial calls allowed when half open.
        clock: a function returning seconds; inject a fake clock in tests.

    Examples:
        >>> now = [0.0]
        >>> cb = CircuitBreaker(consecutive_failures=2, open_timeout=10, clock=lambda: now[0])
        >>> cb.record_failure(); cb.record_failure()
        >>> cb.state.value, cb.allow()
        ('open', False)
        >>> now[0] = 10.0
        >>> cb.state.value, cb.allow()
        ('half_open', True)
        >>> cb.record_success(); cb.state.value
        'closed'
    """

    def __init__(
        self,
        consecutive_failures: int = 5,
        failure_rate: float | None = 0.5,
        window: int = 20,
        minimum_calls: int = 10,
        open_timeout: float = 30.0,
        half_open_calls: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        consecutive_failures = _integer("consecutive_failures", consecutive_failures, 0)
        if failure_rate is not None and not 0 < _real("failure_rate", failure_rate) <= 1:
            raise ValueError(f"failure_rate must be in (0, 1], got {failure_rate!r}")
        window = _integer("window", window, minimum=1)
        if not 1 <= _integer("minimum_calls", minimum_calls) <= window:
            raise ValueError(f"minimum_calls must be in [1, window], got {minimum_calls}")
        half_open_calls = _integer("half_open_calls", half_open_calls, minimum=1)
        self.consecutive_failures = consecutive_failures
        self.failure_rate = failure_rate
        self.minimum_calls = minimum_calls
        open_timeout = _positive("open_timeout", open_timeout)
        self.open_timeout = open_timeout
        self.half_open_calls = half_open_calls
        self._clock = clock
        self._outcomes: deque[bool] = deque(maxlen=window)  # True = failure
        self._streak = 0
        self._state = CircuitState.CLOSED
        self._opened_at = 0.0
        self._trials = 0
        self._trial_successes = 0
        self.transitions: list[tuple[float, CircuitState]] = []

    @property
    def state(self) -> CircuitState:
        """The current state (OPEN turns HALF_OPEN once ``open_timeout`` has passed)."""
        if (
            self._state is CircuitState.OPEN
            and self._clock() - self._opened_at >= self.open_timeout
        ):
            self._move(CircuitState.HALF_OPEN)
        return self._state

    def _move(self, state: CircuitState) -> None:
        self._state = state
        self.transitions.append((self._clock(), state))
        if state is CircuitState.OPEN:
            self._opened_at = self._clock()
        if state is CircuitState.HALF_OPEN:
            self._trials = self._trial_successes = 0
        if state is CircuitState.CLOSED:
            self._outcomes.clear()
            self._streak = 0

    def allow(self) -> bool:
        """Ask before each call; False means: fail fast (do not call the back end)."""
        state = self.state
        if state is CircuitState.CLOSED:
            return True
        if state is CircuitState.HALF_OPEN and self._trials < self.half_open_calls:
            self._trials += 1
            return True
        return False

    def record_success(self) -> None:
        """Report a successful call."""
        if self.state is CircuitState.HALF_OPEN:
            self._trial_successes += 1
            if self._trial_successes >= self.half_open_calls:
                self._move(CircuitState.CLOSED)
            return
        self._outcomes.append(False)
        self._streak = 0

    def record_failure(self) -> None:
        """Report a failed call (only failures that say the back end is unhealthy)."""
        # --8<-- [start:breaker]
        state = self.state  # OPEN turns HALF_OPEN here once open_timeout has passed
        if state is CircuitState.HALF_OPEN:
            self._move(CircuitState.OPEN)  # a failed trial call re-opens at once
            return
        if state is CircuitState.OPEN:
            return
        self._outcomes.append(True)
        self._streak += 1
        limit = self.consecutive_failures
        streak_trips = bool(limit) and self._streak >= limit
        window = self._outcomes
        rate_trips = (
            self.failure_rate is not None
            and len(window) >= self.minimum_calls
            and sum(window) / len(window) >= self.failure_rate
        )
        if streak_trips or rate_trips:
            self._move(CircuitState.OPEN)
        # --8<-- [end:breaker]

    def call(self, fn: Callable[[], ResultT]) -> ResultT:
        """Call ``fn`` through the breaker; any exception counts as a failure and re-raises.

        Raises:
            CircuitOpenError: the breaker did not allow the call.
        """
        if not self.allow():
            raise CircuitOpenError(f"circuit is {self._state.value}: call rejected")
        try:
            result = fn()
        except Exception:
            self.record_failure()
            raise
        self.record_success()
        return result


class BulkheadFullError(RuntimeError):
    """Raised by `Bulkhead.slot` when every slot is taken."""


class Bulkhead:
    """Bounded concurrency: at most ``max_concurrent`` calls in flight, the rest rejected.

    A bulkhead isolates one destination: a slow back end can hold at most this many
    workers, the others stay free for other destinations (the OTLP specification asks
    for queuing and retrying *per destination* for the same reason). Thread-safe.

    Examples:
        >>> bh = Bulkhead(1)
        >>> with bh.slot():
        ...     bh.try_acquire()
        False
        >>> bh.in_flight, bh.rejected
        (0, 1)
    """

    def __init__(self, max_concurrent: int) -> None:
        if isinstance(max_concurrent, bool) or not isinstance(max_concurrent, int):
            raise TypeError(f"max_concurrent must be an int, got {max_concurrent!r}")
        if max_concurrent < 1:
            raise ValueError(f"max_concurrent must be >= 1, got {max_concurrent}")
        self.max_concurrent = max_concurrent
        self.in_flight = 0
        self.rejected = 0
        self._lock = threading.Lock()

    def try_acquire(self) -> bool:
        """Take a slot if one is free."""
        with self._lock:
            if self.in_flight >= self.max_concurrent:
                self.rejected += 1
                return False
            self.in_flight += 1
            return True

    def release(self) -> None:
        """Give a slot back."""
        with self._lock:
            if self.in_flight == 0:
                raise RuntimeError("release() without a matching acquire")
            self.in_flight -= 1

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """A context manager holding one slot; raises `BulkheadFullError` if none."""
        if not self.try_acquire():
            raise BulkheadFullError(f"all {self.max_concurrent} slots are in use")
        try:
            yield
        finally:
            self.release()


class Deadline:
    """An absolute deadline that is passed down, never extended.

    ``Deadline(10)`` expires 10 s after creation. `child` gives a nested call the
    smaller of its own timeout and what is left, which is how gRPC propagates deadlines
    across hops (and why a gateway's exporter can get less time than its configured
    ``timeout``). `allows` answers the retry sender's question: will a retry after
    ``delay`` seconds still start before the deadline?

    Examples:
        >>> now = [0.0]
        >>> d = Deadline(10, clock=lambda: now[0])
        >>> now[0] = 7.0
        >>> d.remaining(), d.child(5).remaining(), d.allows(4.0)
        (3.0, 3.0, False)
    """

    def __init__(self, timeout: float, clock: Callable[[], float] = time.monotonic) -> None:
        timeout = _positive("timeout", timeout)
        self.timeout = timeout
        self._clock = clock
        self.expires_at = clock() + self.timeout

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.expires_at - self._clock())

    @property
    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return self.remaining() <= 0

    def child(self, timeout: float) -> Deadline:
        """A deadline for a nested call: ``min(timeout, remaining())`` from now."""
        _positive("timeout", timeout)
        # --8<-- [start:deadline]
        left = self.remaining()
        child = Deadline(timeout, self._clock)
        child.expires_at = min(child.expires_at, self._clock() + left)
        return child
        # --8<-- [end:deadline]

    def allows(self, delay: float) -> bool:
        """Whether waiting ``delay`` seconds still leaves the deadline in the future."""
        return self._clock() + delay < self.expires_at
