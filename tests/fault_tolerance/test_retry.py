"""Tests for otlpkb.fault_tolerance.retry (chapter 2.1, Fault-tolerance mechanisms).

External checks:
* the OTLP specification's retry tables, transcribed from opentelemetry-proto
  docs/specification.md (commit ac2c4b5d1f3a6079de62f9afec860158ecc8af09), sections
  "OTLP/gRPC Response" and "OTLP/HTTP Response";
* the Collector's retry_on_failure defaults (config/configretry, NewDefaultBackOffConfig:
  5 s, 30 s, 1.5, 0.5, 5 m) and the nominal schedule 5, 7.5, 11.25, 16.875, 25.3125, 30 …;
* cenkalti/backoff exponential.go's documentation table (retry intervals and randomised
  intervals for InitialInterval 0.5 s, Multiplier 1.5, RandomizationFactor 0.5);
* RFC 9110 §10.2.3's Retry-After examples and §5.6.7's three date forms; Python's
  email.utils.format_datetime as a peer formatter of IMF-fixdate.
"""

from __future__ import annotations

import email.utils
import threading
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb.fault_tolerance.retry import (
    GRPC_STATUS_CODES,
    Bulkhead,
    BulkheadFullError,
    CircuitBreaker,
    CircuitOpenError,
    CircuitState,
    Deadline,
    ExponentialBackoff,
    ExportDecision,
    RetryBudget,
    RetryThrottle,
    backoff_delays,
    classify_export_response,
    grpc_retryable,
    http_retryable,
    parse_retry_after,
    simulate_outage,
)

# --- OTLP specification tables (opentelemetry-proto docs/specification.md) ---------------
# "gRPC Code | Retryable?" — transcribed verbatim; RESOURCE_EXHAUSTED: "Only if the server
# can recover (see below)", i.e. only when the server sends RetryInfo.
SPEC_GRPC_TABLE = {
    "CANCELLED": True,
    "UNKNOWN": False,
    "INVALID_ARGUMENT": False,
    "DEADLINE_EXCEEDED": True,
    "NOT_FOUND": False,
    "ALREADY_EXISTS": False,
    "PERMISSION_DENIED": False,
    "UNAUTHENTICATED": False,
    "RESOURCE_EXHAUSTED": "only with RetryInfo",
    "FAILED_PRECONDITION": False,
    "ABORTED": True,
    "OUT_OF_RANGE": True,
    "UNIMPLEMENTED": False,
    "INTERNAL": False,
    "UNAVAILABLE": True,
    "DATA_LOSS": True,
}
# "Retryable Response Codes": 429, 502, 503, 504; "All other 4xx or 5xx response status
# codes MUST NOT be retried."
SPEC_HTTP_RETRYABLE = {429, 502, 503, 504}


@pytest.mark.parametrize("name", sorted(SPEC_GRPC_TABLE))
def test_grpc_table_matches_spec(name):
    expected = SPEC_GRPC_TABLE[name]
    if expected == "only with RetryInfo":
        assert grpc_retryable(name) is False
        assert grpc_retryable(name, retry_info=True) is True
    else:
        assert grpc_retryable(name) is expected
        assert grpc_retryable(name, retry_info=True) is expected


def test_grpc_codes_by_number_and_spelling():
    # grpc/grpc doc/statuscodes.md numbering
    assert GRPC_STATUS_CODES["UNAVAILABLE"] == 14 and GRPC_STATUS_CODES["UNAUTHENTICATED"] == 16
    for name, num in GRPC_STATUS_CODES.items():
        assert grpc_retryable(num) == grpc_retryable(name)
    assert grpc_retryable("Unavailable") and grpc_retryable("StatusCode.UNAVAILABLE")
    assert grpc_retryable("DeadlineExceeded") and grpc_retryable("deadline_exceeded")
    assert grpc_retryable("OK") is False


@pytest.mark.parametrize("bad", ["UNAVAILABLEX", "", "503", 17, -1])
def test_grpc_bad_code(bad):
    with pytest.raises(ValueError, match="code"):
        grpc_retryable(bad)


def test_grpc_bad_type():
    with pytest.raises(TypeError, match="code"):
        grpc_retryable(14.0)
    with pytest.raises(TypeError, match="code"):
        grpc_retryable(True)


def test_http_table_matches_spec():
    for status in range(100, 600):
        assert http_retryable(status) is (status in SPEC_HTTP_RETRYABLE), status


@pytest.mark.parametrize("bad", [99, 600, 0, -429])
def test_http_bad_status(bad):
    with pytest.raises(ValueError, match="status"):
        http_retryable(bad)


# --- classify_export_response ------------------------------------------------------------


def test_full_and_partial_success():
    assert classify_export_response(grpc_code="OK").decision is ExportDecision.SUCCESS
    assert classify_export_response(http_status=200).decision is ExportDecision.SUCCESS
    # "The client MUST NOT retry the request when it receives a partial success response"
    out = classify_export_response(http_status=200, rejected=7, error_message="bad span")
    assert out.decision is ExportDecision.PARTIAL_SUCCESS and out.rejected == 7
    assert out.retry_after is None
    assert out.warning == ""
    # "Servers MAY also use the partial_success field to convey warnings/suggestions to
    # clients even when the server fully accepts the request. In such cases, the
    # rejected_<signal> field MUST have a value of 0": everything was accepted, a warning
    for kw in ({"grpc_code": 0}, {"http_status": 200}):
        warn = classify_export_response(**kw, error_message="deprecated field")
        assert warn.decision is ExportDecision.SUCCESS and warn.rejected == 0
        assert warn.warning == "deprecated field"


def test_grpc_failures():
    out = classify_export_response(grpc_code="UNAVAILABLE", retry_delay=2.5)
    assert out.decision is ExportDecision.RETRY and out.retry_after == 2.5
    assert classify_export_response(grpc_code="UNAVAILABLE").retry_after is None
    assert classify_export_response(grpc_code="INVALID_ARGUMENT").decision is ExportDecision.DROP
    # oversize requests: RESOURCE_EXHAUSTED "as a non-retryable error" (no RetryInfo)
    re_ = classify_export_response(grpc_code="RESOURCE_EXHAUSTED")
    assert re_.decision is ExportDecision.DROP and "RetryInfo" in re_.reason
    throttled = classify_export_response(grpc_code="RESOURCE_EXHAUSTED", retry_delay=30.0)
    assert throttled.decision is ExportDecision.RETRY and throttled.retry_after == 30.0


def test_http_failures():
    # the Retry-After example of RFC 9110 §10.2.3
    out = classify_export_response(http_status=429, retry_after="120")
    assert out.decision is ExportDecision.RETRY and out.retry_after == 120.0
    out = classify_export_response(
        http_status=503,
        retry_after="Fri, 31 Dec 1999 23:59:59 GMT",
        now=datetime(1999, 12, 31, 23, 58, 59, tzinfo=UTC),
    )
    assert out.retry_after == 60.0
    bad = classify_export_response(http_status=503, retry_after="soon")
    assert bad.decision is ExportDecision.RETRY and bad.retry_after is None
    assert "malformed" in bad.reason
    # "The client SHOULD honour the waiting interval specified in the "Retry-After" header
    # if it is present" (specification.md, OTLP/HTTP Throttling): on every retryable status
    for status in (429, 502, 503, 504):
        out = classify_export_response(http_status=status, retry_after="5")
        assert out.decision is ExportDecision.RETRY and out.retry_after == 5.0, status
    for status in (400, 401, 403, 404, 413, 500, 501):
        assert classify_export_response(http_status=status).decision is ExportDecision.DROP
        # a Retry-After on a non-retryable status changes nothing
        out = classify_export_response(http_status=status, retry_after="5")
        assert out.decision is ExportDecision.DROP and out.retry_after is None


def test_http_redirects_follow_http_semantics():
    # "All other HTTP responses that are not explicitly listed in this document should be
    # treated according to HTTP specifications": 3xx is not among the "4xx or 5xx" that
    # MUST NOT be retried; RFC 9110 §15.4 redirects are followed to their Location.
    for status in (301, 302, 303, 307, 308):
        out = classify_export_response(http_status=status)
        assert out.decision is ExportDecision.REDIRECT, status
        assert "MUST NOT" not in out.reason
    for status in (300, 304):  # no redirect a POST can follow
        out = classify_export_response(http_status=status)
        assert out.decision is ExportDecision.DROP and "MUST NOT" not in out.reason


def test_no_response_is_retried():
    # "If the server disconnects without returning a response, the client SHOULD retry and
    # send the same request ... exponential backoff" (OTLP/HTTP, All Other Responses)
    out = classify_export_response(no_response=True)
    assert out.decision is ExportDecision.RETRY and out.retry_after is None
    with pytest.raises(ValueError, match="exactly one"):
        classify_export_response(no_response=True, http_status=503)
    with pytest.raises(TypeError, match="no_response"):
        classify_export_response(no_response="yes")  # type: ignore[arg-type]


def test_classify_bad_input():
    with pytest.raises(ValueError, match="exactly one"):
        classify_export_response()
    with pytest.raises(ValueError, match="exactly one"):
        classify_export_response(grpc_code=0, http_status=200)
    with pytest.raises(ValueError, match="rejected"):
        classify_export_response(http_status=200, rejected=-1)
    with pytest.raises(ValueError, match="retry_delay"):
        classify_export_response(grpc_code=14, retry_delay=-1.0)


# --- Retry-After ---------------------------------------------------------------------------

NOV_6_1994 = datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)


def test_rfc9110_examples():
    # RFC 9110 §10.2.3: "Retry-After: Fri, 31 Dec 1999 23:59:59 GMT" and "Retry-After: 120"
    assert parse_retry_after("120", now=0) == 120.0
    target = datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert parse_retry_after("Fri, 31 Dec 1999 23:59:59 GMT", target - timedelta(hours=1)) == 3600
    # RFC 9110 §5.6.7: the same instant in the three accepted forms
    before = NOV_6_1994 - timedelta(seconds=10)
    for form in (
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
    ):
        assert parse_retry_after(form, before) == 10.0, form
        assert parse_retry_after(form, before.timestamp()) == 10.0, form


def test_retry_after_past_date_is_zero_and_naive_now_is_utc():
    assert parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", datetime(2020, 1, 1)) == 0.0
    naive = datetime(1994, 11, 6, 8, 49, 0)
    assert parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", naive) == 37.0
    assert parse_retry_after(" 7 ", 0) == 7.0


def test_rfc850_two_digit_year_window():
    # RFC 9110: a two-digit year more than 50 years in the future is in the past century
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now) == 0.0  # 1994
    soon = parse_retry_after("Friday, 01-Feb-30 00:00:00 GMT", now)
    assert soon == 31 * 86400.0


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "-1",
        "+5",
        "1.5",
        "1e3",
        "soon",
        "Fri, 32 Dec 1999 23:59:59 GMT",
        "Fri, 31 Dec 1999 23:59:59 UTC",
        "31 Dec 1999 23:59:59 GMT",
        "١٢٠",
    ],
)
def test_retry_after_malformed(bad):
    with pytest.raises(ValueError, match="value"):
        parse_retry_after(bad, 0)


def test_retry_after_bad_now():
    with pytest.raises(ValueError, match="now"):
        parse_retry_after("5", float("nan"))


@given(
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1)),
    st.integers(0, 10**6),
)
@settings(max_examples=200, deadline=None)
def test_imf_fixdate_against_email_utils(when, ahead):
    when = when.replace(microsecond=0, tzinfo=UTC)
    header = email.utils.format_datetime(when, usegmt=True)  # peer IMF-fixdate formatter
    now = when - timedelta(seconds=ahead)
    assert parse_retry_after(header, now) == pytest.approx(ahead, abs=1e-6)


# --- ExponentialBackoff --------------------------------------------------------------------

NOMINAL = [5.0, 7.5, 11.25, 16.875, 25.3125] + [30.0] * 7


def test_collector_defaults_and_nominal_schedule():
    b = ExponentialBackoff()
    assert (b.initial_interval, b.max_interval, b.multiplier) == (5.0, 30.0, 1.5)
    assert (b.randomization_factor, b.max_elapsed_time) == (0.5, 300.0)
    assert b.nominal_schedule() == NOMINAL
    assert sum(NOMINAL) <= 300 < sum(NOMINAL) + 30
    assert ExponentialBackoff(randomization_factor=0).schedule() == NOMINAL


def test_cenkalti_documentation_table():
    # cenkalti/backoff exponential.go doc comment (InitialInterval 0.5 s, Multiplier 1.5,
    # RandomizationFactor 0.5, MaxInterval 60 s); the doc rounds each step to 3 decimals.
    retry = [0.5, 0.75, 1.125, 1.687, 2.53, 3.795, 5.692, 8.538, 12.807, 19.210]
    randomized = [
        (0.25, 0.75),
        (0.375, 1.125),
        (0.562, 1.687),
        (0.8435, 2.53),
        (1.265, 3.795),
        (1.897, 5.692),
        (2.846, 8.538),
        (4.269, 12.807),
        (6.403, 19.210),
    ]
    b = ExponentialBackoff(0.5, 60.0, 1.5, 0.5, max_elapsed_time=0)
    got = b.nominal_schedule()[:10]
    assert got == pytest.approx(retry, rel=2e-3)
    for d, (lo, hi) in zip(got, randomized, strict=False):
        assert (d * 0.5, d * 1.5) == pytest.approx((lo, hi), rel=2e-3)


@given(
    seed=st.integers(0, 2**32 - 1),
    initial=st.floats(0.01, 10),
    growth=st.floats(1.0, 3.0),
    r=st.floats(0.0, 1.0),
)
@settings(max_examples=100, deadline=None)
def test_randomised_delay_within_interval(seed, initial, growth, r):
    cap = initial * 20
    b = ExponentialBackoff(initial, cap, growth, r, max_elapsed_time=0, seed=seed)
    nominal = b.nominal_schedule()[:30]
    for d in nominal:
        got = b.next_backoff()
        assert got is not None
        assert d * (1 - r) - 1e-9 <= got <= d * (1 + r) + 1e-9
    assert max(nominal) <= cap


@given(seed=st.integers(0, 2**32 - 1), budget=st.floats(1.0, 2000.0))
@settings(max_examples=100, deadline=None)
def test_elapsed_budget_is_respected(seed, budget):
    delays = ExponentialBackoff(max_elapsed_time=budget, seed=seed).schedule()
    assert sum(delays) <= budget + 1e-9


def test_explicit_elapsed_and_reset():
    b = ExponentialBackoff(randomization_factor=0)
    assert b.next_backoff(elapsed=299.0) is None  # 299 + 5 > 300: "no more retries left"
    b.reset()
    assert b.interval == 5.0 and b.next_backoff(elapsed=290.0) == 5.0
    assert list(ExponentialBackoff(randomization_factor=0)) == NOMINAL


def test_same_seed_same_delays():
    assert ExponentialBackoff(seed=3).schedule() == ExponentialBackoff(seed=3).schedule()


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"initial_interval": 0}, "initial_interval"),
        ({"max_interval": 1}, "max_interval"),
        ({"multiplier": 0.5}, "multiplier"),
        ({"randomization_factor": 1.5}, "randomization_factor"),
        ({"max_elapsed_time": -1}, "max_elapsed_time"),
        ({"initial_interval": float("inf")}, "initial_interval"),
    ],
)
def test_backoff_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        ExponentialBackoff(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"multiplier": -2.0}, "multiplier"),
        ({"multiplier": float("nan")}, "multiplier"),
        ({"multiplier": 0.5}, "multiplier"),
        ({"randomization_factor": 1.5}, "randomization_factor"),
        ({"randomization_factor": float("nan")}, "randomization_factor"),
        ({"randomization_factor": -0.1}, "randomization_factor"),
    ],
)
@pytest.mark.parametrize("strategy", ["none", "collector", "full", "equal", "decorrelated"])
def test_backoff_delays_bad_numbers(kwargs, name, strategy):
    # issue 9.20: these returned negative or NaN delays instead of an error
    with pytest.raises(ValueError, match=name):
        backoff_delays(strategy, 2, 4, **kwargs)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: backoff_delays("none", 1, 3, multiplier="2"), "multiplier"),
        (lambda: backoff_delays("none", 1, 3, randomization_factor="0.5"), "randomization"),
        (lambda: backoff_delays("none", "3", 3), "n_clients"),
        (lambda: backoff_delays("none", 1, 2.5), "n_retries"),
        (lambda: ExponentialBackoff(multiplier="2"), "multiplier"),
        (lambda: ExponentialBackoff(randomization_factor="0.5"), "randomization_factor"),
        (lambda: ExponentialBackoff(max_elapsed_time="300"), "max_elapsed_time"),
        (lambda: RetryBudget(min_retries_per_second="10"), "min_retries_per_second"),
        (lambda: CircuitBreaker(window="20"), "window"),
        (lambda: simulate_outage(n_clients="5"), "n_clients"),
        (lambda: simulate_outage(multiplier="2"), "multiplier"),
    ],
)
def test_wrong_types_name_the_argument(call, name):
    # issue 9.20: `multiplier="2"` gave "'>=' not supported" naming nothing
    with pytest.raises(TypeError, match=name):
        call()


def test_attempt_times_with_a_timeout():
    # issue 9.6: with the exporter's 5 s per-attempt timeout and no response, cenkalti's
    # elapsed time (from the first attempt) includes the timeouts: retries start at
    # 5 + 5 = 10, 10 + 5 + 7.5 = 22.5, 22.5 + 5 + 11.25 = 38.75 s; ten fit in 300 s.
    starts = ExponentialBackoff().attempt_times(5.0)
    assert starts[:4] == [0.0, 10.0, 22.5, 38.75]
    assert len(starts) - 1 == 10 and starts[-1] <= 300.0
    # attempts that fail at once: the running sums of the nominal schedule (12 retries)
    instant = ExponentialBackoff().attempt_times()
    assert instant[1:] == pytest.approx(np.cumsum(NOMINAL[:12]).tolist())
    jittered = ExponentialBackoff(seed=4).attempt_times(5.0, jitter=True)
    gaps = np.diff(jittered) - 5.0
    x = np.array(NOMINAL[: gaps.size])
    assert (gaps >= x * 0.5 - 1e-9).all() and (gaps <= x * 1.5 + 1e-9).all()
    assert jittered[-1] <= 300.0
    with pytest.raises(ValueError, match="attempt_duration"):
        ExponentialBackoff().attempt_times(-1.0)


def test_next_backoff_rejects_nan_elapsed():
    # issue 9.20: elapsed=nan made every budget comparison False: retries never ran out
    b = ExponentialBackoff()
    for bad in (float("nan"), float("inf"), -1.0):
        with pytest.raises(ValueError, match="elapsed"):
            b.next_backoff(elapsed=bad)
    assert ExponentialBackoff(randomization_factor=0).next_backoff(elapsed=296.0) is None


def test_jitter_strategies_bounds():
    n = 20_000
    x = np.array(NOMINAL[:8])
    none = backoff_delays("none", 3, 8)
    assert (none == x).all()
    full = backoff_delays("full", n, 8, rng=1)
    assert (full >= 0).all() and (full <= x).all()
    assert full.mean(axis=0) == pytest.approx(x / 2, rel=0.03)
    equal = backoff_delays("equal", n, 8, rng=2)
    assert (equal >= x / 2).all() and (equal <= x).all()
    coll = backoff_delays("collector", n, 8, rng=3)
    assert (coll >= x / 2).all() and (coll <= 1.5 * x).all()
    assert coll.mean(axis=0) == pytest.approx(x, rel=0.03)
    dec = backoff_delays("decorrelated", n, 8, rng=4)
    assert (dec >= 5.0).all() and (dec <= 30.0).all()
    with pytest.raises(ValueError, match="strategy"):
        backoff_delays("random", 1, 1)  # type: ignore[arg-type]


# --- budgets, breaker, bulkhead, deadline -------------------------------------------------


def test_retry_budget_ratio_and_expiry():
    now = [0.0]
    b = RetryBudget(ratio=0.2, min_retries_per_second=0, ttl=10, clock=lambda: now[0])
    for _ in range(50):
        b.record_request()
    granted = sum(b.try_retry() for _ in range(100))
    assert granted == 10  # 20 % of 50 requests
    now[0] = 10.5  # everything expired
    assert b.balance() == 0 and not b.try_retry()
    floor = RetryBudget(ratio=0.0, min_retries_per_second=1, ttl=5, clock=lambda: now[0])
    assert sum(floor.try_retry() for _ in range(10)) == 5
    with pytest.raises(ValueError, match="ratio"):
        RetryBudget(ratio=-0.1)
    with pytest.raises(ValueError, match="ttl"):
        RetryBudget(ttl=0)


def test_retry_throttle_grfc_a6():
    th = RetryThrottle(max_tokens=10, token_ratio=0.1)
    for _ in range(5):
        th.record_failure()
    assert th.tokens == 5 and not th.retry_allowed()  # needs tokens > max/2
    th.record_success()
    assert th.retry_allowed()
    for _ in range(100):
        th.record_success()
    assert th.tokens == 10
    for _ in range(20):
        th.record_failure()
    assert th.tokens == 0
    with pytest.raises(ValueError, match="token_ratio"):
        RetryThrottle(token_ratio=0)


def test_breaker_consecutive_trip_and_recovery():
    now = [0.0]
    cb = CircuitBreaker(
        consecutive_failures=3,
        failure_rate=None,
        open_timeout=30,
        half_open_calls=2,
        clock=lambda: now[0],
    )
    for _ in range(2):
        cb.record_failure()
    cb.record_success()  # streak broken
    for _ in range(2):
        cb.record_failure()
    assert cb.state is CircuitState.CLOSED
    cb.record_failure()
    assert cb.state is CircuitState.OPEN and not cb.allow()
    now[0] = 29.9
    assert cb.state is CircuitState.OPEN
    now[0] = 30.0
    assert cb.allow() and cb.allow() and not cb.allow()  # two trial calls
    cb.record_success()
    assert cb.state is CircuitState.HALF_OPEN
    cb.record_success()
    assert cb.state is CircuitState.CLOSED
    assert [s for _, s in cb.transitions] == [
        CircuitState.OPEN,
        CircuitState.HALF_OPEN,
        CircuitState.CLOSED,
    ]


def test_breaker_rate_trip_and_half_open_failure():
    now = [0.0]
    cb = CircuitBreaker(
        consecutive_failures=0,
        failure_rate=0.5,
        window=10,
        minimum_calls=10,
        open_timeout=5,
        clock=lambda: now[0],
    )
    for i in range(9):
        (cb.record_failure if i % 2 else cb.record_success)()
    assert cb.state is CircuitState.CLOSED  # 9 calls < minimum_calls
    cb.record_failure()  # 5 of 10 failed
    assert cb.state is CircuitState.OPEN
    now[0] = 5
    assert cb.allow()
    cb.record_failure()
    assert cb.state is CircuitState.OPEN and not cb.allow()


def test_breaker_call_wrapper():
    now = [0.0]
    cb = CircuitBreaker(consecutive_failures=1, clock=lambda: now[0])
    assert cb.call(lambda: 42) == 42

    def boom():
        raise ConnectionError("down")

    with pytest.raises(ConnectionError):
        cb.call(boom)
    with pytest.raises(CircuitOpenError):
        cb.call(lambda: 1)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"consecutive_failures": -1}, "consecutive_failures"),
        ({"failure_rate": 0}, "failure_rate"),
        ({"window": 0}, "window"),
        ({"minimum_calls": 50}, "minimum_calls"),
        ({"open_timeout": 0}, "open_timeout"),
        ({"half_open_calls": 0}, "half_open_calls"),
    ],
)
def test_breaker_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        CircuitBreaker(**kwargs)


def test_bulkhead_bounds_concurrency_under_threads():
    bh = Bulkhead(3)
    peak = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker():
        barrier.wait()
        for _ in range(200):
            if bh.try_acquire():
                with lock:
                    peak[0] = max(peak[0], bh.in_flight)
                bh.release()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] <= 3 and bh.in_flight == 0
    with bh.slot(), bh.slot(), bh.slot(), pytest.raises(BulkheadFullError):
        bh.slot().__enter__()
    with pytest.raises(ValueError, match="max_concurrent"):
        Bulkhead(0)
    with pytest.raises(RuntimeError, match="release"):
        Bulkhead(1).release()


def test_deadline():
    now = [100.0]
    d = Deadline(10, clock=lambda: now[0])
    assert d.remaining() == 10 and not d.expired
    child = d.child(30)  # the parent's deadline wins
    assert child.remaining() == 10
    assert d.child(2).remaining() == 2
    now[0] = 111
    assert d.expired and d.remaining() == 0 and not d.allows(0)
    with pytest.raises(ValueError, match="timeout"):
        Deadline(0)


# --- outage simulation ----------------------------------------------------------------------


def _delivered(r):
    return round(float(r.served.sum()) * float(r.t[1] - r.t[0]))


@pytest.mark.parametrize("strategy", ["none", "collector", "full", "equal", "decorrelated"])
def test_simulation_conserves_batches(strategy):
    r = simulate_outage(strategy, n_clients=100, capacity=150, duration=400, seed=5)
    lost = r.dropped_queue_full + r.dropped_retries_exhausted
    assert _delivered(r) + lost + int(r.backlog[-1]) == r.generated
    assert (r.served <= r.attempts + 1e-9).all()
    outage = (r.t >= 30) & (r.t < 150)
    assert r.served[outage].max() == 0


def test_no_outage_no_loss_and_determinism():
    r = simulate_outage(
        "collector", n_clients=100, capacity=150, outage=(0, 0), duration=100, seed=2
    )
    assert r.dropped_queue_full == 0 and r.dropped_retries_exhausted == 0
    r2 = simulate_outage(
        "collector", n_clients=100, capacity=150, outage=(0, 0), duration=100, seed=2
    )
    assert np.array_equal(r.attempts, r2.attempts)


def test_jitter_beats_synchronised_retries():
    n = 200 * SCALE
    kw = {"n_clients": n, "capacity": 1.5 * n, "duration": 500, "seed": 11}
    none = simulate_outage("none", **kw)
    for strategy in ("collector", "full", "equal", "decorrelated"):
        jit = simulate_outage(strategy, **kw)
        assert none.peak_attempts > 1.15 * jit.peak_attempts, strategy
        assert none.recovery_time > 1.2 * jit.recovery_time, strategy
        assert none.dropped_queue_full > jit.dropped_queue_full, strategy


def test_long_outage_exhausts_retries():
    r = simulate_outage(
        "collector",
        n_clients=50,
        capacity=75,
        outage=(10, 500),
        duration=600,
        queue_size=1000,
        seed=3,
    )
    assert r.dropped_retries_exhausted > 0  # "no more retries left" after 300 s


def test_simulation_bad_input():
    with pytest.raises(ValueError, match="strategy"):
        simulate_outage("linear")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="capacity"):
        simulate_outage(capacity=0)
    with pytest.raises(ValueError, match="outage"):
        simulate_outage(outage=(10, 5))
    with pytest.raises(ValueError, match="queue_size"):
        simulate_outage(queue_size=0)
