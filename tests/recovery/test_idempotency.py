"""Tests of otlpkb.recovery.idempotency.

External checks: keys are SHA-256 digests as hashlib computes them (FIPS 180-4), and the
retry scenario uses the Collector's documented retry_on_failure defaults (initial_interval
5 s, multiplier 1.5, max_interval 30 s, max_elapsed_time 300 s; configretry metadata.yaml):
with a window longer than max_elapsed_time every retry of a request is suppressed.
"""

from __future__ import annotations

import hashlib
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otlpkb.recovery.idempotency import DedupeWindow, idempotency_key


def test_key_is_sha256_of_signal_and_body():
    body = b"\x0a\x02hi"
    assert idempotency_key(body) == hashlib.sha256(b"\x00" + body).hexdigest()
    assert (
        idempotency_key(body, signal="traces") == hashlib.sha256(b"traces\x00" + body).hexdigest()
    )
    assert idempotency_key(body) == idempotency_key(bytearray(body))  # retries resend bytes
    assert idempotency_key(body, signal="logs") != idempotency_key(body, signal="traces")
    assert idempotency_key(body, client_id="r1") == ":id:r1"
    assert idempotency_key(b"other", client_id="r1", signal="logs") == "logs:id:r1"


def test_count_bound_forgets_oldest():
    window = DedupeWindow(max_keys=3, ttl=None)
    assert [window.check_and_record(k) for k in "abcd"] == [True] * 4
    assert len(window) == 3
    assert "a" not in window and "d" in window
    assert window.check_and_record("b") is False
    assert window.check_and_record("a") is True  # forgotten, so applied again


def test_ttl_bound_with_injected_clock():
    now = [100.0]
    window = DedupeWindow(max_keys=None, ttl=30.0, clock=lambda: now[0])
    assert window.check_and_record("k")
    now[0] = 129.999
    assert not window.check_and_record("k")  # a duplicate does not refresh the entry
    now[0] = 130.0
    assert window.check_and_record("k")
    assert len(window) == 1


def test_apply_once_and_forget_on_failure():
    window = DedupeWindow(max_keys=10, ttl=None)
    applied = []
    assert window.apply_once("req", lambda: applied.append(1) or "ok") == (True, "ok")
    assert window.apply_once("req", lambda: applied.append(2)) == (False, None)

    def boom():
        raise RuntimeError("pipeline refused")

    with pytest.raises(RuntimeError):
        window.apply_once("req2", boom)
    assert "req2" not in window  # the client's retry will be applied
    assert window.apply_once("req2", lambda: "second try") == (True, "second try")
    assert applied == [1]


def test_concurrent_duplicates_apply_once():
    window = DedupeWindow(max_keys=100, ttl=None)
    results = []
    barrier = threading.Barrier(8)

    def worker():
        barrier.wait()
        results.append(window.check_and_record("same"))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]


class NaiveWindow:
    """Reference model: the list of accepted (key, time); the window is the newest
    ``max_keys`` of them younger than ``ttl``."""

    def __init__(self, max_keys, ttl):
        self.max_keys, self.ttl, self.accepted = max_keys, ttl, []

    def check_and_record(self, key, now):
        live = [(k, t) for k, t in self.accepted if self.ttl is None or now - t < self.ttl]
        if self.max_keys is not None:
            live = live[-self.max_keys :]
        if key in {k for k, _ in live}:
            return False
        self.accepted.append((key, now))
        return True


@settings(max_examples=200, deadline=None)
@given(
    max_keys=st.one_of(st.none(), st.integers(1, 5)),
    ttl=st.one_of(st.none(), st.floats(0.5, 10.0)),
    ops=st.lists(st.tuples(st.sampled_from("abcdefg"), st.floats(0.0, 4.0)), max_size=60),
)
def test_matches_naive_model(max_keys, ttl, ops):
    if max_keys is None and ttl is None:
        ttl = 1.0
    now = [0.0]
    window = DedupeWindow(max_keys=max_keys, ttl=ttl, clock=lambda: now[0])
    model = NaiveWindow(max_keys, ttl)
    for key, step in ops:
        now[0] += step
        assert window.check_and_record(key) == model.check_and_record(key, now[0])
        if max_keys is not None:
            assert len(window) <= max_keys


def collector_retry_times(max_elapsed=300.0, initial=5.0, multiplier=1.5, max_interval=30.0):
    """Nominal (un-jittered) retry instants of the Collector's retry_on_failure defaults."""
    t, interval, times = 0.0, initial, []
    while t + interval <= max_elapsed:
        t += interval
        times.append(t)
        interval = min(interval * multiplier, max_interval)
    return times


def test_collector_retries_are_all_suppressed_by_a_long_enough_window():
    times = collector_retry_times()
    assert times[:3] == [5.0, 12.5, 23.75]  # 5, 7.5, 11.25 s apart, as documented
    for ttl, expect_all in [(301.0, True), (60.0, False)]:
        now = [0.0]
        window = DedupeWindow(max_keys=1000, ttl=ttl, clock=lambda now=now: now[0])
        key = idempotency_key(b"ExportTraceServiceRequest", signal="traces")
        assert window.check_and_record(key)
        applied_again = 0
        for t in times:  # the exporter never saw our response and keeps retrying
            now[0] = t
            applied_again += window.check_and_record(key)
        assert (applied_again == 0) is expect_all


@pytest.mark.parametrize(
    ("kwargs", "exc", "word"),
    [
        ({"max_keys": None, "ttl": None}, ValueError, "bounded"),
        ({"max_keys": 0}, ValueError, "max_keys"),
        ({"max_keys": 2.5}, TypeError, "max_keys"),
        ({"ttl": 0}, ValueError, "ttl"),
        ({"ttl": "60"}, TypeError, "ttl"),
        ({"clock": 5}, TypeError, "clock"),
    ],
)
def test_bad_window_arguments(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        DedupeWindow(**kwargs)


def test_bad_key_arguments():
    with pytest.raises(TypeError, match="body"):
        idempotency_key("text")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="client_id"):
        idempotency_key(b"x", client_id="")
    with pytest.raises(TypeError, match="signal"):
        idempotency_key(b"x", signal=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="key"):
        DedupeWindow().check_and_record(b"bytes")  # type: ignore[arg-type]
