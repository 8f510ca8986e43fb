"""otlpkb.diagnosis.handbook: every entry fires on a fixture made of its symptoms and
stays quiet on a near miss.

External check: the log lines are the Collector's own messages as its source and issues
quote them (memorylimiter.go "Memory usage is above soft limit. Refusing data." and
"... above hard limit. Forcing a GC."; exporterhelper's "sending queue is full" and
"no more retries left"; Prometheus's scrape loop "Scrape commit failed" and TSDB
"out of order sample", as the Collector issues cited by each entry show them), and the
metric fixtures use the names of the Collector's generated documentation.md files. The
shipped simulated dumps of otlpkb.datasets must fire the entries their fault implies.
"""

from __future__ import annotations

import pytest

from otlpkb import datasets
from otlpkb.diagnosis.handbook import HANDBOOK, SYMPTOMS, Condition, Problem, match
from otlpkb.diagnosis.telemetry import parse_exposition, read_snapshot


def expo(**values: float) -> str:
    """Exposition text; keys use __ for a label: exporter_sent__otlp -> {exporter=...}."""
    names = {
        "accepted": 'otelcol_receiver_accepted_spans{receiver="otlp"}',
        "refused": 'otelcol_receiver_refused_spans{receiver="otlp"}',
        "sent": 'otelcol_exporter_sent_spans{exporter="otlp"}',
        "failed": 'otelcol_exporter_send_failed_spans{exporter="otlp"}',
        "enqueue_failed": 'otelcol_exporter_enqueue_failed_spans{exporter="otlp"}',
        "queue": 'otelcol_exporter_queue_size{exporter="otlp"}',
        "capacity": 'otelcol_exporter_queue_capacity{exporter="otlp"}',
        "ml_refused": 'otelcol_processor_memory_limiter_refused_spans{processor="memory_limiter"}',
        "ml_accepted": "otelcol_processor_memory_limiter_accepted_spans"
        '{processor="memory_limiter"}',
        "old_ml_refused": 'otelcol_processor_refused_spans{processor="memory_limiter"}',
        "incoming": 'otelcol_processor_incoming_items{processor="filter/x"}',
        "outgoing": 'otelcol_processor_outgoing_items{processor="filter/x"}',
        "rss": "otelcol_process_memory_rss",
        "uptime": "otelcol_process_uptime",
        "timeout_sends": 'otelcol_processor_batch_timeout_trigger_send{processor="batch"}',
        "size_sends": 'otelcol_processor_batch_batch_size_trigger_send{processor="batch"}',
    }
    base = {"uptime": 600.0, "accepted": 60000.0, "refused": 0.0, "sent": 60000.0}
    base.update(values)
    return "".join(f"{names[k]} {v}\n" for k, v in base.items())


# id -> ((metrics, logs) where it fires, (metrics, logs) where it must not)
CASES = {
    "queue_full": ((expo(enqueue_failed=10), []), (expo(enqueue_failed=0), [])),
    "queue_full_log": (
        (None, ["error exporterhelper/queue_sender.go sending queue is full"]),
        (None, ["info exporterhelper queue started"]),
    ),
    "retries_exhausted": (
        (None, ["Exporting failed. Dropping data. no more retries left"]),
        (None, ["Exporting failed. Will retry the request after interval."]),
    ),
    "processor_drops": (
        (expo(incoming=1000, outgoing=800), []),
        (expo(incoming=1000, outgoing=990), []),
    ),
    "partial_success": (
        (None, ['warn Partial success response {"dropped_spans": 12}']),
        (None, ["info Exporting succeeded"]),
    ),
    "request_too_large": (
        (
            None,
            [
                "rpc error: code = ResourceExhausted desc = grpc: received message "
                "larger than max (4194305 vs. 4194304)"
            ],
        ),
        (None, ["rpc error: code = Unavailable desc = connection refused"]),
    ),
    "auth_failure": (
        (None, ["Permanent error: rpc error: code = Unauthenticated desc = bad token"]),
        (None, ["rpc error: code = Unavailable"]),
    ),
    "backend_unreachable": (
        (expo(sent=10, queue=1000, capacity=1000), []),
        (expo(sent=60000, queue=1000, capacity=1000), []),
    ),
    "failing_without_backlog": (
        (expo(failed=5000, queue=0, capacity=1000), []),
        (expo(failed=5000, queue=500, capacity=1000), []),
    ),
    "throttled": (
        (None, ["Throttle: HTTP 429 Too Many Requests, retry after 30s"]),
        (None, ["HTTP 200 OK"]),
    ),
    "deadline_exceeded": (
        (None, ["rpc error: code = DeadlineExceeded desc = context deadline exceeded"]),
        (None, ["rpc error: code = Canceled"]),
    ),
    "memory_limiter_refusing": (
        (expo(ml_accepted=60000, ml_refused=6000), []),
        (expo(ml_accepted=60000, ml_refused=6), []),
    ),
    "soft_limit_too_low": (
        (None, ['warn Memory usage is above soft limit. Refusing data. {"cur_mem_mib": 251}']),
        (None, ["info Memory usage back within limits. Resuming normal operation."]),
    ),
    "hard_limit_gc": (
        (None, ['warn Memory usage is above hard limit. Forcing a GC. {"cur_mem_mib": 44}']),
        (None, ['info Memory usage after GC. {"cur_mem_mib": 17}']),
    ),
    "queue_exceeds_memory": (
        (expo(queue=700, capacity=1000, ml_accepted=60000, ml_refused=6000), []),
        (expo(queue=100, capacity=1000, ml_accepted=60000, ml_refused=6000), []),
    ),
    "no_memory_limiter": ((expo(rss=3 * 2**30), []), (expo(rss=3 * 2**30, ml_refused=0), [])),
    "receiver_backpressure": (
        (expo(refused=5000, enqueue_failed=5000), []),
        (expo(refused=5000, enqueue_failed=0), []),
    ),
    "scrape_commit_failed": (
        (None, ['error Scrape commit failed {"error": "data refused due to high memory usage"}']),
        (None, ["info Scrape job added"]),
    ),
    "queue_filling": (
        (expo(queue=700, capacity=1000), []),
        (expo(queue=500, capacity=1000), []),
    ),
    "backend_bottleneck": (
        (expo(queue=1000, capacity=1000, sent=30000, enqueue_failed=30000), []),
        (expo(queue=700, capacity=1000, sent=30000, enqueue_failed=30000), []),
    ),
    "small_batches": (
        (expo(timeout_sends=3000, size_sends=0, accepted=6e6, sent=6e6), []),
        (expo(timeout_sends=3000, size_sends=1000, accepted=6e6, sent=6e6), []),
    ),
    "out_of_order": (
        (None, ["Permanent error: remote write returned HTTP status 400: out of order sample"]),
        (None, ["remote write returned HTTP status 200"]),
    ),
    "cardinality_overflow": (
        (None, ['spanmetrics series with otel.metric.overflow="true" emitted']),
        (None, ["spanmetrics flushed 200 series"]),
    ),
    "no_data": ((expo(accepted=0, sent=0), []), (expo(accepted=1), [])),
    "renamed_metrics": ((expo(old_ml_refused=10), []), (expo(ml_refused=10), [])),
}


def test_every_entry_has_a_case_and_the_handbook_is_large_enough() -> None:
    assert {p.id for p in HANDBOOK} == set(CASES)
    assert len(HANDBOOK) >= 20
    assert len({p.id for p in HANDBOOK}) == len(HANDBOOK)
    assert {p.symptom for p in HANDBOOK} == set(SYMPTOMS)
    assert all(p.source and p.fix and p.cause and p.config for p in HANDBOOK)


def _ids(metrics, logs):
    snaps = [parse_exposition(metrics)] if metrics else []
    return [m.problem.id for m in match(HANDBOOK, snaps, logs=logs)]


@pytest.mark.parametrize("problem", HANDBOOK, ids=lambda p: p.id)
def test_entry_fires_on_its_symptoms_and_not_on_a_near_miss(problem: Problem) -> None:
    fires, quiet = CASES[problem.id]
    assert problem.id in _ids(*fires)
    assert problem.id not in _ids(*quiet)


def test_the_healthy_dump_and_a_clean_log_fire_nothing() -> None:
    snap = read_snapshot(datasets.path("collector/builtin-healthy.prom"))
    logs = ["info Everything is ready. Begin running and processing data."]
    assert match(HANDBOOK, snap, logs=logs) == []


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("backend_down", {"queue_full", "backend_unreachable", "queue_filling"}),
        ("memory_limit", {"memory_limiter_refusing"}),
        ("receiver_overload", {"receiver_backpressure", "queue_full", "queue_filling"}),
        ("slow_backend", {"queue_full", "backend_bottleneck", "queue_filling"}),
        ("batch_too_large", {"failing_without_backlog"}),
        ("healthy", set()),
    ],
)
def test_simulated_faults_fire_what_they_imply(fault, expected) -> None:
    series = [
        read_snapshot(datasets.path(f"collector/sim/{fault}-t{t:03d}.prom")) for t in (30, 110)
    ]
    found = {m.problem.id for m in match(HANDBOOK, series)}
    assert expected <= found
    assert not found & {"no_data", "renamed_metrics", "processor_drops"}


def test_evidence_is_reported() -> None:
    m = match(HANDBOOK, [parse_exposition(expo(enqueue_failed=30000))])[0]
    assert m.problem.id == "queue_full" and m.values == (pytest.approx(30000 / 90000),)
    lines = [f"sending queue is full #{k}" for k in range(9)]
    logged = match(HANDBOOK, [], logs=lines)
    assert logged[0].log_lines == tuple(lines[:5])


def test_bad_entries_are_rejected() -> None:
    with pytest.raises(ValueError, match="symptom"):
        Problem("x", "x", "Vibes", (Condition("queue_fill", ">", 0.5),), (), "", "", "", "")
    with pytest.raises(ValueError, match="needs a condition"):
        Problem("x", "x", SYMPTOMS[0], (), (), "", "", "", "")
    with pytest.raises(ValueError, match="bad condition"):
        Problem("x", "x", SYMPTOMS[0], (Condition("mood", ">", 1),), (), "", "", "", "")
