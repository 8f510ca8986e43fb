"""Retries done right for OTLP exporters: classification, backoff, budgets and breakers.

The reference implementation of the chapter *Fault-tolerance mechanisms* (2.1): one
concept a module, every name importable from this package.

- `otlpkb.fault_tolerance.retry.classify`: the OTLP specification's retry tables
  (`grpc_retryable`, `http_retryable`) and a classifier for a whole export response
  (`classify_export_response`, giving an `ExportOutcome`).
- `otlpkb.fault_tolerance.retry.retry_after`: the HTTP ``Retry-After`` header
  (`parse_retry_after`).
- `otlpkb.fault_tolerance.retry.backoff`: the Collector's ``retry_on_failure`` backoff
  (`ExponentialBackoff`, the algorithm of cenkalti/backoff's ``ExponentialBackOff``) and
  the jitter variants compared by Brooker (2015) (`backoff_delays`).
- `otlpkb.fault_tolerance.retry.admission`: controls that keep retries from becoming the
  outage: a retry budget (`RetryBudget`), gRPC-style retry throttling
  (`RetryThrottle`), a circuit breaker (`CircuitBreaker`), a bulkhead (`Bulkhead`) and
  a deadline (`Deadline`).
- `otlpkb.fault_tolerance.retry.outage`: a vectorised model of many exporters retrying
  against a back end that goes down (`simulate_outage`).

See the chapter *Fault-tolerance mechanisms* (2.1).

Examples:
    >>> from otlpkb.fault_tolerance.retry import ExponentialBackoff, grpc_retryable
    >>> grpc_retryable("UNAVAILABLE"), grpc_retryable("RESOURCE_EXHAUSTED")
    (True, False)
    >>> ExponentialBackoff().nominal_schedule()[:6]
    [5.0, 7.5, 11.25, 16.875, 25.3125, 30.0]
"""

from otlpkb.fault_tolerance.retry.admission import (
    Bulkhead,
    BulkheadFullError,
    CircuitBreaker,
    CircuitOpenError,
    CircuitState,
    Deadline,
    RetryBudget,
    RetryThrottle,
)
from otlpkb.fault_tolerance.retry.backoff import (
    ExponentialBackoff,
    JitterStrategy,
    backoff_delays,
)
from otlpkb.fault_tolerance.retry.classify import (
    GRPC_STATUS_CODES,
    REDIRECT_HTTP_STATUSES,
    RETRYABLE_GRPC_CODES,
    RETRYABLE_HTTP_STATUSES,
    ExportDecision,
    ExportOutcome,
    classify_export_response,
    grpc_retryable,
    http_retryable,
)
from otlpkb.fault_tolerance.retry.outage import OutageResult, simulate_outage
from otlpkb.fault_tolerance.retry.retry_after import parse_retry_after

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
