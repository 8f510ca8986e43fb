"""Chaos experiments (chapter A.1).

External checks:

- the Chaos Toolkit itself (chaostoolkit-lib, `chaoslib.experiment.run_experiment`) runs
  the experiments that `to_chaostoolkit` writes, against the same observations, and its
  journal's verdicts (steady state met before, deviated after) must equal ours;
- the closed forms and invariants of earlier chapters decide each verdict in advance:
  a partition shorter than the sending queue's fill time minus the longest backoff cannot
  lose data and one longer than the fill time must (queue capacity, chapter 2.1); a slow
  back end's mean latency follows M/M/c (`otlpkb.performance.queueing.mmc`, chapter 1.1);
  retryable loss p costs 1/(1 - p) attempts per request (geometric retries); an added
  latency L at least L per span; a SIGKILL cannot lose a record the WAL acknowledged
  (chapter 2.3) while acknowledging before persisting loses exactly the unflushed
  records; a file-size limit admits (limit - segment header) // frame records; and the
  OpenTelemetry SDK's own OTLP/HTTP exporter succeeds against a receiver process that
  stalls for less than its timeout and fails against one that stalls for longer.
"""

from __future__ import annotations

import errno
import json
import math
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb.advanced.chaos import (
    Experiment,
    Fault,
    Probe,
    apply_faults,
    fill_disk_under_wal,
    kill_wal_writer,
    records_that_fit,
    run_experiment,
    smallest_breaking,
    stall_http_receiver,
    to_chaostoolkit,
)
from otlpkb.performance.queueing import mmc
from otlpkb.sim import (
    BackendConfig,
    PipelineConfig,
    PoissonSource,
    QueueConfig,
    RetryConfig,
    ServiceTime,
)

sys.path.insert(0, str(Path(__file__).parent))
# the Chaos Toolkit imports its provider module by name
import ctk_system

RATE, QUEUE, CONSUMERS, SERVICE = 20.0, 2000, 4, 0.05
NO_LOSS = Probe("no span lost", "lost_spans", high=0)


def pipeline(rate: float = RATE, queue: int = QUEUE, consumers: int = CONSUMERS) -> PipelineConfig:
    return PipelineConfig(
        sources=(PoissonSource(rate=rate),),
        batch=None,
        queue=QueueConfig(queue_size=queue, num_consumers=consumers),
        backend=BackendConfig(service=ServiceTime(mean=SERVICE)),
    )


def partition(length: float) -> Experiment:
    return Experiment(f"partition {length:.0f} s", (NO_LOSS,), (Fault("partition", 10.0, length),))


# --- the Chaos Toolkit as the oracle of the verdicts --------------------------------------


def ctk_verdict(experiment: Experiment, before: dict, after: dict | None) -> str:
    from chaoslib.experiment import run_experiment as ctk_run

    ctk_system.STATE.clear()
    ctk_system.STATE.update(observation=before, faulted=after or before)
    journal = ctk_run(to_chaostoolkit(experiment, "ctk_system"))
    if not journal["steady_states"]["before"]["steady_state_met"]:
        assert journal["run"] == []  # the method never ran
        return "failed"
    return "deviated" if journal["deviated"] else "completed"


@pytest.mark.parametrize("length", [5.0, 120.0])
def test_verdicts_on_simulated_runs_match_the_chaos_toolkit(length: float) -> None:
    latency = Probe("mean latency within 0.5 s", "mean_latency", high=0.5)
    e = Experiment("partition", (NO_LOSS, latency), (Fault("partition", 10.0, length),))
    report = run_experiment(e, pipeline(), duration=length + 60.0)
    assert report.status == ctk_verdict(e, report.before, report.after)


observations = st.fixed_dictionaries(
    {
        "lost_spans": st.sampled_from([0.0, 1.0, 5.0]),
        "p99_latency": st.sampled_from([0.1, 0.5, 0.500001, 2.0]),
    }
)


@settings(max_examples=20 * SCALE)
@given(observations, observations)
def test_tolerance_boundaries_match_the_chaos_toolkit(before: dict, after: dict) -> None:
    e = Experiment(
        "boundaries",
        (Probe("loss at most 1", "lost_spans", 0, 1), Probe("p99", "p99_latency", high=0.5)),
        (Fault("loss", magnitude=0.1),),
    )
    held_before = all(p.holds(before) for p in e.hypothesis)
    held_after = all(p.holds(after) for p in e.hypothesis)
    ours = "failed" if not held_before else ("completed" if held_after else "deviated")
    assert ours == ctk_verdict(e, before, after)


def test_a_steady_state_that_does_not_hold_fails_without_injecting() -> None:
    e = Experiment(
        "impossible",
        (Probe("a billion spans/s", "throughput", low=1e9),),
        (Fault("partition", 1.0, 5.0),),
    )
    report = run_experiment(e, pipeline(), duration=20.0)
    assert report.status == "failed" and report.after is None
    assert report.probes[0].held_before is False
    assert ctk_verdict(e, report.before, None) == "failed"


def test_to_chaostoolkit_shape() -> None:
    e = partition(30.0)
    doc = to_chaostoolkit(e, "my.provider")
    assert doc["steady-state-hypothesis"]["probes"][0]["tolerance"] == [-sys.float_info.max, 0]
    json.dumps(doc, allow_nan=False)  # plain JSON
    action = doc["method"][0]["provider"]
    assert (action["func"], action["arguments"]["kind"]) == ("inject", "partition")
    assert action["arguments"]["start"] == 10.0 and action["arguments"]["duration"] == 30.0


# --- partition: the queue's fill time decides ----------------------------------------------


def partition_band(config: PipelineConfig) -> tuple[float, float]:
    """(longest partition that cannot lose data, shortest one that must), 6 sigma apart."""
    retry = RetryConfig()
    capacity = config.queue.queue_size + config.queue.num_consumers
    rate = RATE
    # after the partition each consumer waits out its backoff, at most max_interval(1+f)
    longest_wait = retry.max_interval * (1 + retry.randomization_factor)
    cannot = (capacity - 6 * math.sqrt(capacity)) / rate - longest_wait
    must = (capacity + 6 * math.sqrt(capacity)) / rate
    assert cannot > 0 and must + 10 < retry.max_elapsed_time
    return cannot, must


def test_partitions_that_cannot_lose_never_do_and_those_that_must_always_do() -> None:
    cfg = pipeline()
    cannot, must = partition_band(cfg)
    for seed in range(3):
        for length in (cannot / 2, cannot):
            r = run_experiment(partition(length), cfg, duration=length + 70.0, seed=seed)
            assert r.status == "completed", (seed, length, r.lost_spans)
        for length in (must, must * 1.2):
            r = run_experiment(partition(length), cfg, duration=length + 70.0, seed=seed)
            assert r.status == "deviated" and r.breached == ("no span lost",)
            assert r.lost_spans > 0


def test_smallest_breaking_partition_lies_between_the_bounds() -> None:
    cfg = pipeline()
    cannot, must = partition_band(cfg)
    found = smallest_breaking(
        partition, cfg, low=1.0, high=200.0, duration=280.0, tolerance=1.0, seed=1
    )
    assert found is not None and cannot <= found <= must


# --- slow back end: M/M/c decides ---------------------------------------------------------


def test_slow_backend_verdicts_follow_mmc() -> None:
    slo = 0.3
    probe = Probe("mean latency within SLO", "mean_latency", high=slo)
    decided = 0
    for factor in (1.0, 2.0, 2.5, 3.0, 3.3, 3.6, 4.0, 5.0):
        service = SERVICE * factor
        stable = RATE * service < CONSUMERS
        closed = mmc(RATE, 1 / service, CONSUMERS).mean_response if stable else math.inf
        if slo / 1.3 < closed < slo * 1.3:
            continue  # too close to the SLO for a finite run to decide
        decided += 1
        e = Experiment(f"slow x{factor}", (probe,), (Fault("slow_backend", magnitude=factor),))
        for seed in range(2):
            status = run_experiment(e, pipeline(), duration=400.0, seed=seed).status
            assert status == ("completed" if closed < slo else "deviated"), (factor, closed)
    assert decided >= 5


# --- loss with retries: geometric attempts ------------------------------------------------


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5])
def test_retryable_loss_costs_one_over_one_minus_p_attempts(p: float) -> None:
    cfg = pipeline(rate=2.0, consumers=20)
    e = Experiment(
        "loss",
        (NO_LOSS, Probe("at most 1.5 attempts", "attempts_per_request", high=1.5)),
        (Fault("loss", magnitude=p),),
    )
    r = run_experiment(e, cfg, duration=600.0, seed=3)
    assert r.after is not None
    requests = r.after["otelcol_receiver_accepted_spans"]
    mean, sd = 1 / (1 - p), math.sqrt(p) / (1 - p)
    assert abs(r.after["attempts_per_request"] - mean) < 4 * sd / math.sqrt(requests)
    assert r.lost_spans == 0  # retries within max_elapsed_time recover every span
    assert r.status == ("completed" if mean < 1.5 else "deviated")


def test_added_latency_at_least_the_slo_always_breaks_it() -> None:
    probe = Probe("p99 within 0.4 s", "p99_latency", high=0.4)
    for seed in range(3):
        e = Experiment("latency", (probe,), (Fault("latency", magnitude=0.4),))
        r = run_experiment(e, pipeline(consumers=20), duration=60.0, seed=seed)
        assert r.status == "deviated"
        assert r.after is not None and r.after["p99_latency"] >= 0.4


def test_apply_faults_and_rollbacks() -> None:
    cfg = apply_faults(
        pipeline(),
        [
            Fault("slow_backend", 5.0, 10.0, 4.0),
            Fault("throttle", 1.0, 2.0, 0.5),
            Fault("loss", magnitude=0.2),
        ],
    )
    assert cfg.backend.slowdowns[0].factor == 4.0 and cfg.backend.slowdowns[0].end == 15.0
    assert cfg.backend.throttles[0].retry_after == 0.5
    assert cfg.backend.error_probability == 0.2
    r = run_experiment(partition(5.0), pipeline(), duration=30.0)
    assert r.rollbacks == (("partition", 15.0),)


# --- real processes ----------------------------------------------------------------------


def test_sigkill_cannot_lose_what_the_wal_acknowledged(tmp_path: Path) -> None:
    r = kill_wal_writer(tmp_path / "rest", records=50)
    assert (r.acknowledged, r.recovered, r.lost) == (50, 50, 0)
    for i, stop in enumerate((1, 200, 900)):
        r = kill_wal_writer(tmp_path / f"mid{i}", records=2000, kill_after=stop)
        assert r.acknowledged >= stop and r.lost == 0
        assert r.recovered >= r.acknowledged  # appended but unacknowledged may survive too


@settings(max_examples=4 * SCALE)
@given(st.integers(1, 60), st.integers(2, 16))
def test_acknowledging_before_persisting_loses_exactly_the_buffer(n: int, k: int) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        r = kill_wal_writer(Path(d) / "wal", records=n, flush_every=k)
    assert r.acknowledged == n
    assert r.lost == n % k and r.recovered == n - n % k


@pytest.mark.parametrize(("limit", "size"), [(1024, 8), (4096, 64), (10_000, 200)])
def test_a_full_disk_loses_nothing_acknowledged(tmp_path: Path, limit: int, size: int) -> None:
    fits = records_that_fit(limit, size)
    r = fill_disk_under_wal(
        tmp_path / "wal", limit_bytes=limit, records=fits + 5, payload_size=size
    )
    assert r.acknowledged == fits == r.recovered
    assert r.failed == 5 and r.errno == errno.EFBIG
    assert r.writable_after


# --- validation ---------------------------------------------------------------------------


def test_bad_input_names_the_argument() -> None:
    with pytest.raises(ValueError, match="kind"):
        Fault("meteor")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="magnitude"):
        Fault("loss", magnitude=2.0)
    with pytest.raises(ValueError, match="duration"):
        Fault("partition", 1.0, 0.0)
    with pytest.raises(ValueError, match="low"):
        Probe("x", "lost_spans", low=2, high=1)
    with pytest.raises(ValueError, match="hypothesis"):
        Experiment("x", (), ())
    with pytest.raises(TypeError, match=r"method\[0\]"):
        Experiment("x", (NO_LOSS,), ("partition",))  # type: ignore[arg-type]
    with pytest.raises(KeyError, match="nope"):
        Probe("x", "nope").holds({"lost_spans": 0.0})
    with pytest.raises(ValueError, match="low"):
        smallest_breaking(partition, pipeline(), low=5, high=1, duration=10, tolerance=1)
    with pytest.raises(ValueError, match="payload_size"):
        kill_wal_writer("/nonexistent", records=1, payload_size=12)
    with pytest.raises(ValueError, match="provider_module"):
        to_chaostoolkit(partition(1.0), "")


def test_a_receiver_stall_under_the_timeout_cannot_fail_the_sdk_export() -> None:
    # the OpenTelemetry SDK's OTLPSpanExporter bounds the whole export by its timeout
    r = stall_http_receiver(0.05, timeout=5.0, spans=7)
    assert (r.exported, r.requests, r.spans) == (True, 1, 7)


def test_a_receiver_stall_beyond_the_timeout_must_fail_it() -> None:
    r = stall_http_receiver(4.0, timeout=0.5, spans=3)
    assert r.exported is False and r.requests >= 1
