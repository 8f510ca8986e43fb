"""The OTLP retry rules: which failures a client retries, and a classifier for responses.

The specification's tables (`grpc_retryable`, `http_retryable`) and
`classify_export_response`, which turns a whole export response (status, partial
success, ``RetryInfo`` or ``Retry-After``, or no response at all) into what the client
does next: an `ExportOutcome`.

See the chapter *Fault-tolerance mechanisms* (2.1).

Examples:
    >>> grpc_retryable("UNAVAILABLE"), grpc_retryable("RESOURCE_EXHAUSTED")
    (True, False)
    >>> http_retryable(503), http_retryable(400)
    (True, False)
    >>> classify_export_response(http_status=502, retry_after="7").retry_after
    7.0
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from otlpkb._checks import non_negative as _non_negative
from otlpkb.fault_tolerance.retry.retry_after import parse_retry_after

__all__ = [
    "GRPC_STATUS_CODES",
    "REDIRECT_HTTP_STATUSES",
    "RETRYABLE_GRPC_CODES",
    "RETRYABLE_HTTP_STATUSES",
    "ExportDecision",
    "ExportOutcome",
    "classify_export_response",
    "grpc_retryable",
    "http_retryable",
]

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
#: Codes the OTLP specification lists as retryable (RESOURCE_EXHAUSTED: conditional).
RETRYABLE_GRPC_CODES: frozenset[str] = frozenset(
    {
        "CANCELLED",
        "DEADLINE_EXCEEDED",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNAVAILABLE",
        "DATA_LOSS",
    }
)
#: HTTP statuses the specification says SHOULD be retried; other 4xx/5xx MUST NOT.
RETRYABLE_HTTP_STATUSES: frozenset[int] = frozenset({429, 502, 503, 504})
#: Redirects with a ``Location`` (RFC 9110 §15.4): HTTP semantics apply to them.
REDIRECT_HTTP_STATUSES: frozenset[int] = frozenset({301, 302, 303, 307, 308})
# --8<-- [end:tables]


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
    name = "" if grpc_code is None else _grpc_name(grpc_code)
    if http_status is not None:
        _check_http_status(http_status)
    received = time.time() if now is None else now
    retry, drop = ExportDecision.RETRY, ExportDecision.DROP

    # --8<-- [start:classify_grpc]
    if no_response:  # "the client SHOULD retry and send the same request"
        return ExportOutcome(retry, "no response: retry with exponential backoff")
    if http_status is None:  # gRPC
        if name == "OK":
            return _success(rejected, error_message)
        if grpc_retryable(name, retry_info=retry_delay is not None):
            why = f"gRPC {name} is retryable"
            if name == "RESOURCE_EXHAUSTED":
                why += " because the server sent RetryInfo"
            return ExportOutcome(retry, why, retry_after=retry_delay)
        why = f"gRPC {name} is not retryable: the client MUST drop the data"
        if name == "RESOURCE_EXHAUSTED":
            why = "gRPC RESOURCE_EXHAUSTED without RetryInfo is not retryable"
        return ExportOutcome(drop, why)
    # --8<-- [end:classify_grpc]

    # --8<-- [start:classify_http]
    status = http_status
    if 200 <= status <= 299:
        return _success(rejected, error_message)
    if http_retryable(status):
        delay: float | None = None
        why = f"HTTP {status} is retryable"
        if retry_after is not None:  # SHOULD honour it on any retryable status
            try:
                delay = parse_retry_after(retry_after, received)
                why += "; the server's Retry-After is honoured"
            except ValueError:
                why += "; malformed Retry-After ignored, exponential backoff applies"
        return ExportOutcome(retry, why, retry_after=delay)
    if status in REDIRECT_HTTP_STATUSES:  # not listed: "according to HTTP"
        why = f"HTTP {status} is a redirect: send the same POST to its Location"
        return ExportOutcome(ExportDecision.REDIRECT, why)
    if status < 400:
        why = f"HTTP {status} is neither success nor a redirect a POST can follow"
        return ExportOutcome(drop, why)
    why = f"HTTP {status} MUST NOT be retried: the client drops the data"
    return ExportOutcome(drop, why)
    # --8<-- [end:classify_http]


# --8<-- [start:success]
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


# --8<-- [end:success]
