"""Retries done right for OTLP exporters: classification, backoff, budgets and breakers.

This module is the reference implementation of the chapter *Fault-tolerance mechanisms*
(2.1). It holds:

* the OTLP specification's retry tables (`grpc_retryable`, `http_retryable`)
  and a classifier for a whole export response (`classify_export_response`);
* a parser for the HTTP ``Retry-After`` header (`parse_retry_after`);
* the Collector's ``retry_on_failure`` backoff (`ExponentialBackoff`, the algorithm of
  cenkalti/backoff's ``ExponentialBackOff``) and the jitter variants of Brooker (2015)
  (`backoff_delays`);
* admission controls that keep retries from becoming the outage: a retry budget
  (`RetryBudget`), gRPC-style retry throttling (`RetryThrottle`), a circuit
  breaker (`CircuitBreaker`), a bulkhead (`Bulkhead`) and a deadline
  (`Deadline`);
* a vectorised model of many exporters retrying against a back end that goes down
  (`simulate_outage`), used by the chapter to show retry storms and what jitter does.

See the chapter *Fault-tolerance mechanisms* (2.1).

Examples:
    >>> grpc_retryable("UNAVAILABLE"), grpc_retryable("RESOURCE_EXHAUSTED")
    (True, False)
    >>> http_retryable(503), http_retryable(400)
    (True, False)
    >>> ExponentialBackoff().nominal_schedule()[:6]
    [5.0, 7.5, 11.25, 16.875, 25.3125, 30.0]
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Literal, TypeVar

import numpy as np
import numpy.typing as npt

from otlpkb._checks import integer as _integer
from otlpkb._checks import non_negative as _non_negative
from otlpkb._checks import positive as _positive
from otlpkb._checks import real as _real

__all__ = [
    "GRPC_STATUS_CODES",
    "REDIRECT_HTTP_STATUSES",
    "RETRYABLE_GRPC_CODES",
    "RETRYABLE_HTTP_STATUSES",
    "Bulkhead",
    "BulkheadFullError",
    "CircuitBreaker",
    "CircuitOpenError",
    "CircuitState",
    "Deadline",
    "ExponentialBackoff",
    "ExportDecision",
    "ExportOutcome",
    "JitterStrategy",
    "OutageResult",
    "RetryBudget",
    "RetryThrottle",
    "backoff_delays",
    "classify_export_response",
    "grpc_retryable",
    "http_retryable",
    "parse_retry_after",
    "simulate_outage",
]

FloatArray = npt.NDArray[np.float64]
_T = TypeVar("_T")

#: gRPC status code names and numbers (grpc/grpc doc/statuscodes.md).
GRPC_STATUS_CODES: dict[str, int] = {
    "OK": 0,
    "CANCELLED": 1,
    "UNKNOWN": 2,
    "INVALID_ARGUMENT": 3,
    "DEADLINE_EXCEEDED": 4,
    "NOT_FOUND": 5,
    "ALREADY_EXISTS": 6,
    "PERMISSION_DENIED": 7,
    "RESOURCE_EXHAUSTED": 8,
    "FAILED_PRECONDITION": 9,
    "ABORTED": 10,
    "OUT_OF_RANGE": 11,
    "UNIMPLEMENTED": 12,
    "INTERNAL": 13,
    "UNAVAILABLE": 14,
    "DATA_LOSS": 15,
    "UNAUTHENTICATED": 16,
}
_GRPC_BY_NUMBER = {v: k for k, v in GRPC_STATUS_CODES.items()}
_GRPC_BY_SQUASHED = {k.replace("_", ""): k for k in GRPC_STATUS_CODES}

# --8<-- [start:tables]
#: Codes the OTLP specification lists as retryable (RESOURCE_EXHAUSTED is conditional).
RETRYABLE_GRPC_CODES: frozenset[str] = frozenset(
    {"CANCELLED", "DEADLINE_EXCEEDED", "ABORTED", "OUT_OF_RANGE", "UNAVAILABLE", "DATA_LOSS"}
)
#: HTTP statuses the OTLP specification says SHOULD be retried; all other 4xx/5xx MUST NOT.
RETRYABLE_HTTP_STATUSES: frozenset[int] = frozenset({429, 502, 503, 504})
#: Redirects with a ``Location`` target (RFC 9110 §15.4); HTTP semantics apply to them.
REDIRECT_HTTP_STATUSES: frozenset[int] = frozenset({301, 302, 303, 307, 308})


def grpc_retryable(code: str | int, *, retry_info: bool = False) -> bool:
    """Whether an OTLP/gRPC export that failed with ``code`` may be retried.

    Follows the table of the OTLP specification (opentelemetry-proto
    ``docs/specification.md``, "Failures"): ``RESOURCE_EXHAUSTED`` is retryable only when the
    server attached a ``google.rpc.RetryInfo`` (it can recover, e.g. it is throttling), which
    is what the Collector's OTLP exporter does too. ``OK`` is not a failure and returns False.

    Args:
        code: a status name (``"UNAVAILABLE"``, ``"Unavailable"``, ``"StatusCode.UNAVAILABLE"``)
            or number (0–16).
        retry_info: whether the response carried ``RetryInfo``.

    Returns:
        True if the client may retry the same data.

    Raises:
        ValueError: ``code`` is not a gRPC status code.
        TypeError: ``code`` is neither a string nor an int.

    Examples:
        >>> grpc_retryable(14)
        True
        >>> grpc_retryable("RESOURCE_EXHAUSTED", retry_info=True)
        True
        >>> grpc_retryable("InvalidArgument")
        False
    """
    name = _grpc_name(code)
    if name == "RESOURCE_EXHAUSTED":
        return retry_info
    return name in RETRYABLE_GRPC_CODES


def http_retryable(status: int) -> bool:
    """Whether an OTLP/HTTP export answered with ``status`` may be retried.

    Only 429, 502, 503 and 504 are retryable (OTLP specification, "Retryable Response Codes");
    every other status, including success, returns False.

    Examples:
        >>> [s for s in (200, 400, 413, 429, 500, 502, 503, 504) if http_retryable(s)]
        [429, 502, 503, 504]
    """
    _check_http_status(status)
    return status in RETRYABLE_HTTP_STATUSES


# --8<-- [end:tables]


def _grpc_name(code: str | int) -> str:
    if isinstance(code, bool) or not isinstance(code, str | int):
        raise TypeError(f"code must be a gRPC status name or number, got {code!r}")
    if isinstance(code, int):
        if code not in _GRPC_BY_NUMBER:
            raise ValueError(f"code must be a gRPC status number 0..16, got {code}")
        return _GRPC_BY_NUMBER[code]
    text = code.strip()
    text = text.removeprefix("StatusCode.").removeprefix("codes.")
    squashed = text.replace("_", "").upper()
    if squashed not in _GRPC_BY_SQUASHED:
        raise ValueError(f"code must be a gRPC status name, got {code!r}")
    return _GRPC_BY_SQUASHED[squashed]


def _check_http_status(status: int) -> None:
    if isinstance(status, bool) or not isinstance(status, int):
        raise TypeError(f"status must be an int, got {status!r}")
    if not 100 <= status <= 599:
        raise ValueError(f"status must be an HTTP status code 100..599, got {status}")


def _multiplier(value: object) -> float:
    m = _real("multiplier", value)
    if m < 1:
        raise ValueError(f"multiplier must be >= 1, got {value!r}")
    return m


def _randomization(value: object) -> float:
    r = _real("randomization_factor", value)
    if not 0 <= r <= 1:
        raise ValueError(f"randomization_factor must be in [0, 1], got {value!r}")
    return r


class ExportDecision(Enum):
    """What an exporter does with a batch after a response."""

    SUCCESS = "success"
    PARTIAL_SUCCESS = "partial_success"
    RETRY = "retry"
    REDIRECT = "redirect"
    DROP = "drop"


@dataclass(frozen=True)
class ExportOutcome:
    """The classification of one export response.

    Attributes:
        decision: what to do with the batch.
        reason: a short English explanation citing the rule applied.
        retry_after: a server-requested minimum delay in seconds (``RetryInfo`` or
            ``Retry-After``), or None to use the exponential backoff.
        rejected: items the server rejected (partial success); they are never retried.
        warning: the server's ``error_message`` on a full success (nothing rejected): a
            warning to log, not a failure.
    """

    decision: ExportDecision
    reason: str
    retry_after: float | None = None
    rejected: int = 0
    warning: str = ""


# --8<-- [start:classify]
def classify_export_response(
    *,
    grpc_code: str | int | None = None,
    http_status: int | None = None,
    rejected: int = 0,
    error_message: str = "",
    retry_delay: float | None = None,
    retry_after: str | None = None,
    now: datetime | float | None = None,
    no_response: bool = False,
) -> ExportOutcome:
    """Classify an OTLP export response the way the specification tells a client to act.

    Give exactly one of ``grpc_code`` (gRPC transport), ``http_status`` (HTTP transport)
    or ``no_response=True`` (the connection failed or dropped before any response).

    * Success (gRPC ``OK``, HTTP 2xx) with ``rejected == 0`` is a full success; an
      ``error_message`` with nothing rejected is a warning (``warning``), still SUCCESS.
      With ``rejected > 0`` it is a *partial success*: the client MUST NOT retry; the
      rejected items are dropped (and should be counted).
    * A retryable failure (see `grpc_retryable`, `http_retryable`) is RETRY;
      the server's delay, if any, is returned in ``retry_after``. For gRPC the delay is
      ``RetryInfo.retry_delay`` (``retry_delay``, seconds; its presence also makes
      ``RESOURCE_EXHAUSTED`` retryable); for HTTP it is the ``Retry-After`` header on any
      retryable status (the specification says SHOULD honour it when present), parsed
      with `parse_retry_after` (a malformed header is ignored: backoff applies).
    * No response at all (``no_response``) is RETRY with exponential backoff: "If the
      server disconnects without returning a response, the client SHOULD retry".
    * HTTP 301, 302, 303, 307 and 308 are REDIRECT: the specification leaves responses it
      does not list to HTTP semantics (RFC 9110 §15.4), under which the client repeats the
      POST at the ``Location`` URL; it is neither a retry of the same URL nor a drop.
    * Everything else is DROP (permanent failure: the client MUST drop the data).

    Args:
        grpc_code: gRPC status of the Export call.
        http_status: HTTP status of the POST.
        rejected: ``partial_success.rejected_<signal>`` of a successful response.
        error_message: ``partial_success.error_message`` of a successful response.
        retry_delay: seconds from a ``google.rpc.RetryInfo`` detail, if present.
        retry_after: the raw ``Retry-After`` header, if present.
        now: reception time for an HTTP-date ``Retry-After`` (datetime or epoch seconds);
            defaults to the current time.
        no_response: the request got no response (connection refused, reset or closed).

    Returns:
        An `ExportOutcome`.

    Examples:
        >>> classify_export_response(grpc_code="OK", rejected=3).decision.value
        'partial_success'
        >>> out = classify_export_response(http_status=503, retry_after="120")
        >>> out.decision.value, out.retry_after
        ('retry', 120.0)
        >>> classify_export_response(grpc_code="RESOURCE_EXHAUSTED").decision.value
        'drop'
        >>> classify_export_response(no_response=True).decision.value
        'retry'
    """
    if not isinstance(no_response, bool):
        raise TypeError(f"no_response must be a bool, got {no_response!r}")
    if (grpc_code is not None) + (http_status is not None) + no_response != 1:
        raise ValueError("give exactly one of grpc_code, http_status or no_response=True")
    if error_message is not None and not isinstance(error_message, str):
        raise TypeError(f"error_message must be a str, got {error_message!r}")
    if isinstance(rejected, bool) or not isinstance(rejected, int) or rejected < 0:
        raise ValueError(f"rejected must be a non-negative int, got {rejected!r}")
    if retry_delay is not None:
        _non_negative("retry_delay", retry_delay)

    if no_response:
        return ExportOutcome(
            ExportDecision.RETRY,
            "no response (connection failed or dropped): SHOULD retry with exponential backoff",
        )
    if grpc_code is not None:
        name = _grpc_name(grpc_code)
        if name == "OK":
            return _success(rejected, error_message)
        if grpc_retryable(name, retry_info=retry_delay is not None):
            why = f"gRPC {name} is retryable"
            if name == "RESOURCE_EXHAUSTED":
                why += " because the server sent RetryInfo"
            return ExportOutcome(ExportDecision.RETRY, why, retry_after=retry_delay)
        why = f"gRPC {name} is not retryable: the client MUST drop the data"
        if name == "RESOURCE_EXHAUSTED":
            why = "gRPC RESOURCE_EXHAUSTED without RetryInfo is not retryable"
        return ExportOutcome(ExportDecision.DROP, why)

    assert http_status is not None
    _check_http_status(http_status)
    if 200 <= http_status <= 299:
        return _success(rejected, error_message)
    if http_retryable(http_status):
        delay: float | None = None
        why = f"HTTP {http_status} is retryable"
        if retry_after is not None:
            try:
                delay = parse_retry_after(retry_after, time.time() if now is None else now)
                why += "; the server's Retry-After is honoured"
            except ValueError:
                why += "; malformed Retry-After ignored, exponential backoff applies"
        return ExportOutcome(ExportDecision.RETRY, why, retry_after=delay)
    if http_status in REDIRECT_HTTP_STATUSES:
        return ExportOutcome(
            ExportDecision.REDIRECT,
            f"HTTP {http_status} is a redirect: HTTP semantics apply, send the same POST "
            "to the Location URL",
        )
    if http_status < 400:
        why = f"HTTP {http_status} is neither success nor a redirect the client can follow"
        return ExportOutcome(ExportDecision.DROP, why)
    return ExportOutcome(
        ExportDecision.DROP, f"HTTP {http_status} MUST NOT be retried: the client drops the data"
    )


def _success(rejected: int, error_message: str) -> ExportOutcome:
    if rejected > 0:
        return ExportOutcome(
            ExportDecision.PARTIAL_SUCCESS,
            f"partial success ({rejected} rejected): MUST NOT retry",
            rejected=rejected,
        )
    if error_message:
        return ExportOutcome(
            ExportDecision.SUCCESS, "full success with a warning", warning=error_message
        )
    return ExportOutcome(ExportDecision.SUCCESS, "full success")


# --8<-- [end:classify]

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    )
}
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_LONG_DAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MON = r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_TIME = r"(\d{2}):(\d{2}):(\d{2})"
_IMF = re.compile(rf"{_DAY}, (\d{{2}}) {_MON} (\d{{4}}) {_TIME} GMT")
_RFC850 = re.compile(rf"{_LONG_DAY}, (\d{{2}})-{_MON}-(\d{{2}}) {_TIME} GMT")
_ASCTIME = re.compile(rf"{_DAY} {_MON} ([ \d]\d) {_TIME} (\d{{4}})")


# --8<-- [start:retry_after]
def parse_retry_after(value: str, now: datetime | float) -> float:
    """Seconds to wait according to an HTTP ``Retry-After`` header (RFC 9110 §10.2.3).

    The header is either ``delay-seconds`` (one or more digits) or an HTTP-date. All three
    date forms of RFC 9110 §5.6.7 are accepted: the IMF-fixdate
    (``Sun, 06 Nov 1994 08:49:37 GMT``) that senders must use, and the obsolete RFC 850
    (``Sunday, 06-Nov-94 08:49:37 GMT``) and asctime (``Sun Nov  6 08:49:37 1994``) forms.
    A two-digit RFC 850 year more than 50 years in the future of ``now`` is read as the most
    recent past year with those digits, as RFC 9110 requires. The day name is not
    cross-checked against the date. A date in the past gives 0.

    Args:
        value: the header value (surrounding whitespace is ignored).
        now: when the response was received: an aware `datetime` (a naive
            one is taken as UTC) or seconds since the Unix epoch.

    Returns:
        The delay in seconds, never negative.

    Raises:
        ValueError: the value is neither form, or the date does not exist.

    Examples:
        >>> parse_retry_after("120", now=0.0)
        120.0
        >>> parse_retry_after("Fri, 31 Dec 1999 23:59:59 GMT", now=946684739.0)
        60.0
        >>> parse_retry_after("Fri, 31 Dec 1999 23:59:59 GMT", now=2e9)
        0.0
    """
    if not isinstance(value, str):
        raise TypeError(f"value must be a str, got {type(value).__name__}")
    now_ts = _epoch(now)
    text = value.strip(" \t")
    if text.isdigit() and text.isascii():
        return float(int(text))
    if m := _IMF.fullmatch(text):
        day, mon, year, hh, mm, ss = m.groups()
    elif m := _RFC850.fullmatch(text):
        day, mon, yy, hh, mm, ss = m.groups()
        year = str(_rfc850_year(int(yy), now_ts))
    elif m := _ASCTIME.fullmatch(text):
        mon, day, hh, mm, ss, year = m.groups()
    else:
        raise ValueError(f"value is not delay-seconds or an HTTP-date: {value!r}")
    try:
        when = datetime(
            int(year), _MONTHS[mon], int(day), int(hh), int(mm), int(ss), tzinfo=UTC
        ).timestamp()
    except ValueError as exc:
        raise ValueError(f"value is not a valid HTTP-date: {value!r} ({exc})") from None
    return max(0.0, when - now_ts)


# --8<-- [end:retry_after]


def _epoch(now: datetime | float) -> float:
    if isinstance(now, datetime):
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        return now.timestamp()
    if isinstance(now, bool) or not isinstance(now, int | float) or not math.isfinite(now):
        raise ValueError(f"now must be a datetime or finite epoch seconds, got {now!r}")
    return float(now)


def _rfc850_year(yy: int, now_ts: float) -> int:
    this_year = datetime.fromtimestamp(now_ts, tz=UTC).year
    year = this_year - this_year % 100 + yy
    if year > this_year + 50:
        year -= 100
    elif year < this_year - 49:  # keep the nearest century not more than 50 years ahead
        year += 100
        if year > this_year + 50:
            year -= 100
    return year


# --8<-- [start:backoff]
class ExponentialBackoff:
    """Exponential backoff with ±randomisation, as the Collector's ``retry_on_failure``.

    The defaults are the Collector's (``configretry.NewDefaultBackOffConfig``): first
    interval 5 s, growing by 1.5 up to 30 s, each delay drawn uniformly from
    ``[d(1-r), d(1+r)]`` with r = 0.5, and no retry that would start more than 300 s after
    the first attempt. The algorithm is cenkalti/backoff's ``ExponentialBackOff``: the
    interval grows after each draw, the cap applies to the interval and not to the
    randomised value, and ``incrementCurrentInterval`` snaps to ``max_interval`` once
    ``interval >= max_interval / multiplier``. (The Go code adds one nanosecond to the width
    of the interval; that quirk is left out.) As in the Collector's retry sender, a retry
    whose start would pass ``max_elapsed_time`` is not made: `next_backoff` returns
    None ("no more retries left"). ``max_elapsed_time=0`` never stops.

    Args:
        initial_interval: first un-randomised interval, seconds.
        max_interval: cap on the un-randomised interval, seconds.
        multiplier: growth factor per retry (>= 1).
        randomization_factor: r in [0, 1].
        max_elapsed_time: time budget from the first attempt, seconds (0 = unlimited).
        seed: seed for the random draws (numpy Generator).

    Examples:
        >>> b = ExponentialBackoff(seed=1)
        >>> d = b.next_backoff()
        >>> 2.5 <= d <= 7.5
        True
        >>> b.interval
        7.5
        >>> len(ExponentialBackoff(randomization_factor=0).schedule())
        12
    """

    def __init__(
        self,
        initial_interval: float = 5.0,
        max_interval: float = 30.0,
        multiplier: float = 1.5,
        randomization_factor: float = 0.5,
        max_elapsed_time: float = 300.0,
        seed: int | None = None,
    ) -> None:
        self.initial_interval = _positive("initial_interval", initial_interval)
        self.max_interval = _positive("max_interval", max_interval)
        if self.max_interval < self.initial_interval:
            raise ValueError(
                f"max_interval must be >= initial_interval, got {max_interval!r} < "
                f"{initial_interval!r}"
            )
        self.multiplier = _multiplier(multiplier)
        self.randomization_factor = _randomization(randomization_factor)
        self.max_elapsed_time = _non_negative("max_elapsed_time", max_elapsed_time)
        self._rng = np.random.default_rng(seed)
        self.reset()

    def reset(self) -> None:
        """Start over: first interval again, elapsed time zero (a new batch)."""
        self.interval = self.initial_interval
        self.elapsed = 0.0

    def next_backoff(self, elapsed: float | None = None) -> float | None:
        """The delay before the next retry, or None when the time budget is spent.

        Args:
            elapsed: seconds since the first attempt, if you measure it (attempts take
                time). By default the sum of the delays returned so far is used, i.e.
                attempts are taken as instantaneous.
        """
        if elapsed is not None:
            self.elapsed = _non_negative("elapsed", elapsed)
        r = self.randomization_factor
        delay = self.interval * (1 - r + 2 * r * float(self._rng.random()))
        if self.interval >= self.max_interval / self.multiplier:
            self.interval = self.max_interval
        else:
            self.interval *= self.multiplier
        if self.max_elapsed_time and self.elapsed + delay > self.max_elapsed_time:
            return None
        self.elapsed += delay
        return delay

    def schedule(self) -> list[float]:
        """All delays of one batch that keeps failing, from a fresh start (consumes draws)."""
        self.reset()
        out: list[float] = []
        while (d := self.next_backoff()) is not None:
            out.append(d)
            if not self.max_elapsed_time and len(out) >= 10_000:
                break
        self.reset()
        return out

    def nominal_schedule(self) -> list[float]:
        """The un-randomised intervals (the centres of the draws) within the time budget."""
        out: list[float] = []
        interval, elapsed = self.initial_interval, 0.0
        while not self.max_elapsed_time or elapsed + interval <= self.max_elapsed_time:
            out.append(interval)
            elapsed += interval
            if interval >= self.max_interval / self.multiplier:
                interval = self.max_interval
            else:
                interval *= self.multiplier
            if not self.max_elapsed_time and len(out) >= 10_000:
                break
        return out

    def __iter__(self) -> Iterator[float]:
        """Iterate over the delays of one batch (see `schedule`)."""
        return iter(self.schedule())


# --8<-- [end:backoff]

JitterStrategy = Literal["none", "collector", "full", "equal", "decorrelated"]
_STRATEGIES = ("none", "collector", "full", "equal", "decorrelated")


# --8<-- [start:jitter]
def backoff_delays(
    strategy: JitterStrategy,
    n_clients: int,
    n_retries: int,
    *,
    base: float = 5.0,
    cap: float = 30.0,
    multiplier: float = 1.5,
    randomization_factor: float = 0.5,
    rng: np.random.Generator | int | None = None,
) -> FloatArray:
    """Delays of ``n_retries`` successive retries for ``n_clients`` clients, vectorised.

    With ``x_i = min(cap, base * multiplier**i)`` the un-jittered interval of retry i:

    * ``"none"``: ``x_i`` (every client retries at the same instants);
    * ``"collector"``: ``U[x_i(1-r), x_i(1+r)]`` (cenkalti/backoff, the Collector);
    * ``"full"``: ``U[0, x_i]`` (Brooker 2015, "Full Jitter");
    * ``"equal"``: ``x_i/2 + U[0, x_i/2]`` ("Equal Jitter");
    * ``"decorrelated"``: ``min(cap, U[base, 3 * previous])`` with ``previous = base`` at
      first ("Decorrelated Jitter").

    Returns:
        An array of shape ``(n_clients, n_retries)``.

    Examples:
        >>> backoff_delays("none", 1, 6)[0].tolist()
        [5.0, 7.5, 11.25, 16.875, 25.3125, 30.0]
        >>> d = backoff_delays("full", 1000, 3, rng=0)
        >>> bool((d >= 0).all() and (d[:, 2] <= 11.25).all())
        True
    """
    if strategy not in _STRATEGIES:
        raise ValueError(f"strategy must be one of {_STRATEGIES}, got {strategy!r}")
    n_clients = _integer("n_clients", n_clients, minimum=0)
    n_retries = _integer("n_retries", n_retries, minimum=0)
    base, cap = _positive("base", base), _positive("cap", cap)
    multiplier = _multiplier(multiplier)
    randomization_factor = _randomization(randomization_factor)
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    x = np.minimum(cap, base * multiplier ** np.arange(n_retries, dtype=float))
    x = np.broadcast_to(x, (n_clients, n_retries))
    if strategy == "none":
        return np.array(x, dtype=float)
    if strategy == "collector":
        r = randomization_factor
        return np.asarray(x * (1 - r + 2 * r * gen.random(x.shape)), dtype=float)
    if strategy == "full":
        return np.asarray(x * gen.random(x.shape), dtype=float)
    if strategy == "equal":
        return np.asarray(x / 2 + x / 2 * gen.random(x.shape), dtype=float)
    out = np.empty((n_clients, n_retries))
    prev = np.full(n_clients, base)
    for i in range(n_retries):
        prev = np.minimum(cap, gen.uniform(base, 3 * prev))
        out[:, i] = prev
    return out


# --8<-- [end:jitter]


# --8<-- [start:budget]
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
        self.ratio = _non_negative("ratio", ratio)
        self.min_retries_per_second = _non_negative(
            "min_retries_per_second", min_retries_per_second
        )
        self.ttl = _positive("ttl", ttl)
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
        now = self._clock()
        self._expire(now)
        allowed = self.min_retries_per_second * self.ttl + self.ratio * len(self._requests)
        return allowed - len(self._retries)

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
        self.max_tokens = _positive("max_tokens", max_tokens)
        self.token_ratio = _positive("token_ratio", token_ratio)
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


# --8<-- [end:budget]


class CircuitState(Enum):
    """The three states of a circuit breaker."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitOpenError(RuntimeError):
    """Raised by `CircuitBreaker.call` when the breaker rejects a call."""


# --8<-- [start:breaker]
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
        self.open_timeout = _positive("open_timeout", open_timeout)
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
        state = self.state
        if state is CircuitState.HALF_OPEN:
            self._move(CircuitState.OPEN)
            return
        if state is CircuitState.OPEN:
            return
        self._outcomes.append(True)
        self._streak += 1
        if (self.consecutive_failures and self._streak >= self.consecutive_failures) or (
            self.failure_rate is not None
            and len(self._outcomes) >= self.minimum_calls
            and sum(self._outcomes) / len(self._outcomes) >= self.failure_rate
        ):
            self._move(CircuitState.OPEN)

    def call(self, fn: Callable[[], _T]) -> _T:
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


# --8<-- [end:breaker]


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

    def slot(self) -> _Slot:
        """A context manager holding one slot; raises `BulkheadFullError` if none."""
        return _Slot(self)


class _Slot:
    def __init__(self, bulkhead: Bulkhead) -> None:
        self._b = bulkhead

    def __enter__(self) -> None:
        if not self._b.try_acquire():
            raise BulkheadFullError(f"all {self._b.max_concurrent} slots are in use")

    def __exit__(self, *exc: object) -> None:
        self._b.release()


# --8<-- [start:deadline]
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
        self.timeout = _positive("timeout", timeout)
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
        left = self.remaining()
        child = Deadline(timeout, self._clock)
        child.expires_at = min(child.expires_at, self._clock() + left)
        return child

    def allows(self, delay: float) -> bool:
        """Whether waiting ``delay`` seconds still leaves the deadline in the future."""
        return self._clock() + delay < self.expires_at


# --8<-- [end:deadline]


@dataclass(frozen=True)
class OutageResult:
    """What `simulate_outage` measured.

    Attributes:
        t: time of each step (s).
        attempts: export attempts reaching the back end per second (load).
        served: attempts served per second.
        backlog: batches queued over all clients (including the one being retried).
        dropped_queue_full: batches refused by full sending queues (enqueue failures).
        dropped_retries_exhausted: batches dropped after ``max_elapsed_time``.
        generated: batches generated in total.
        recovery_time: seconds from the end of the outage until the backlog is back to
            its pre-outage maximum (``inf`` if never within the run).
        peak_attempts: highest attempts per second after the outage ended.
    """

    t: FloatArray
    attempts: FloatArray
    served: FloatArray
    backlog: FloatArray
    dropped_queue_full: int
    dropped_retries_exhausted: int
    generated: int
    recovery_time: float
    peak_attempts: float


# --8<-- [start:simulate]
def simulate_outage(
    strategy: JitterStrategy = "collector",
    *,
    n_clients: int = 500,
    batch_interval: float = 1.0,
    capacity: float = 750.0,
    outage: tuple[float, float] = (30.0, 150.0),
    outage_capacity: float = 0.0,
    duration: float = 600.0,
    dt: float = 0.1,
    queue_size: int = 100,
    initial_interval: float = 5.0,
    max_interval: float = 30.0,
    multiplier: float = 1.5,
    randomization_factor: float = 0.5,
    max_elapsed_time: float = 300.0,
    seed: int = 0,
) -> OutageResult:
    """Many exporters retrying against one back end that goes down and comes back.

    Each of ``n_clients`` exporters produces one batch every ``batch_interval`` seconds (with
    a random phase) into a sending queue of ``queue_size`` batches (full queue: the batch is
    dropped, an *enqueue failure*). One sender per client exports the head of its queue;
    on success the next batch goes out on the next step. The back end serves at most
    ``capacity`` requests per second (``outage_capacity`` times that during ``outage``);
    when more arrive in a step, a random subset is served and the rest fail as retryable
    (503). A failed batch is retried after a delay from ``strategy`` (see
    `backoff_delays`), and dropped when the retry would start later than
    ``max_elapsed_time`` after its first attempt. Time advances in steps of ``dt``;
    requests take no time. Deterministic for a given ``seed``.

    Returns:
        An `OutageResult`.

    Examples:
        >>> r = simulate_outage("none", n_clients=50, capacity=75, duration=300, seed=1)
        >>> delivered = round(float(r.served.sum()) * 0.1)
        >>> lost = r.dropped_queue_full + r.dropped_retries_exhausted
        >>> delivered + lost + int(r.backlog[-1]) == r.generated
        True
    """
    if strategy not in _STRATEGIES:
        raise ValueError(f"strategy must be one of {_STRATEGIES}, got {strategy!r}")
    n_clients = _integer("n_clients", n_clients, minimum=1)
    queue_size = _integer("queue_size", queue_size, minimum=1)
    for name, v in (
        ("batch_interval", batch_interval),
        ("capacity", capacity),
        ("duration", duration),
        ("dt", dt),
        ("initial_interval", initial_interval),
        ("max_interval", max_interval),
    ):
        _positive(name, v)
    _multiplier(multiplier)
    r = _randomization(randomization_factor)
    _non_negative("max_elapsed_time", max_elapsed_time)
    if not 0 <= _real("outage_capacity", outage_capacity) <= 1:
        raise ValueError(f"outage_capacity must be in [0, 1], got {outage_capacity!r}")
    if not 0 <= outage[0] <= outage[1]:
        raise ValueError(f"outage must be (start, end) with 0 <= start <= end, got {outage!r}")

    rng = np.random.default_rng(seed)
    n_steps = round(duration / dt)
    t = np.arange(n_steps, dtype=float) * dt
    next_batch = rng.random(n_clients) * batch_interval  # arrival phase of each client
    queue = np.zeros(n_clients, dtype=np.int64)  # batches waiting, head included
    next_try = np.zeros(n_clients)  # earliest time the head batch may be sent
    first_try = np.full(n_clients, np.nan)  # first attempt of the head batch
    retry_no = np.zeros(n_clients, dtype=np.int64)  # retries made for the head batch
    interval = np.full(n_clients, initial_interval)  # cenkalti interval / decorrelated prev
    attempts = np.zeros(n_steps)
    served = np.zeros(n_steps)
    backlog = np.zeros(n_steps)
    dropped_full = dropped_exhausted = generated = 0

    for s in range(n_steps):
        now = t[s]
        # 1. arrivals into the sending queues
        while True:
            due = next_batch <= now
            if not due.any():
                break
            generated += int(due.sum())
            full = due & (queue >= queue_size)
            dropped_full += int(full.sum())
            queue[due & ~full] += 1
            next_batch[due] += batch_interval
        # 2. senders whose head batch is due try the back end
        trying = np.flatnonzero((queue > 0) & (next_try <= now + 1e-9))
        attempts[s] = trying.size / dt
        fresh = np.isnan(first_try[trying])
        first_try[trying[fresh]] = now
        cap = capacity * (outage_capacity if outage[0] <= now < outage[1] else 1.0) * dt
        n_ok = min(trying.size, int(cap) + int(rng.random() < cap - int(cap)))
        order = rng.permutation(trying.size)
        ok, failed = trying[order[:n_ok]], trying[order[n_ok:]]
        served[s] = n_ok / dt
        # 3. successes: pop the batch, next one goes out on the next step
        queue[ok] -= 1
        first_try[ok] = np.nan
        retry_no[ok] = 0
        interval[ok] = initial_interval
        next_try[ok] = now + dt
        # 4. failures: back off, or drop when the time budget is spent
        if failed.size:
            x = interval[failed]
            if strategy == "none":
                delay = x
            elif strategy == "collector":
                delay = x * (1 - r + 2 * r * rng.random(failed.size))
            elif strategy == "full":
                delay = x * rng.random(failed.size)
            elif strategy == "equal":
                delay = x / 2 + x / 2 * rng.random(failed.size)
            else:
                delay = np.minimum(max_interval, rng.uniform(initial_interval, 3 * x))
            if strategy == "decorrelated":
                interval[failed] = delay
            else:
                interval[failed] = np.where(
                    x >= max_interval / multiplier, max_interval, x * multiplier
                )
            spent = (now - first_try[failed]) + delay > max_elapsed_time
            if max_elapsed_time == 0:
                spent[:] = False
            gone = failed[spent]
            dropped_exhausted += gone.size
            queue[gone] -= 1
            first_try[gone] = np.nan
            retry_no[gone] = 0
            interval[gone] = initial_interval
            next_try[gone] = now + dt
            keep = failed[~spent]
            retry_no[keep] += 1
            next_try[keep] = now + delay[~spent]
        backlog[s] = queue.sum()

    before = backlog[t < outage[0]]
    baseline = float(before.max()) if before.size else 0.0
    after = np.flatnonzero((t >= outage[1]) & (backlog <= baseline))
    recovery = float(t[after[0]] - outage[1]) if after.size else math.inf
    post = attempts[t >= outage[1]]
    return OutageResult(
        t=t,
        attempts=attempts,
        served=served,
        backlog=backlog,
        dropped_queue_full=dropped_full,
        dropped_retries_exhausted=dropped_exhausted,
        generated=generated,
        recovery_time=recovery,
        peak_attempts=float(post.max()) if post.size else 0.0,
    )


# --8<-- [end:simulate]
