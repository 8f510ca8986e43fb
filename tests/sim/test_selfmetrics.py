"""otlpkb.sim.selfmetrics: a simulated Collector's /metrics page.

External check: promtool (Prometheus's own tool, ``promtool check metrics``) parses every
exposition; the suffixed form passes its lint with no problem at all, and the built-in
reader's form draws only the lint that a counter lacks ``_total``, which is exactly what
the Collector's ``without_type_suffix`` reader does. prometheus_client's parser reads them
back with the types the Collector documents (Sum monotonic: counter; Gauge: gauge).
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from prometheus_client.parser import text_string_to_metric_families

from make_collector_fixtures import OUT, fixtures
from otlpkb.sim import Pipeline, PipelineConfig, PoissonSource
from otlpkb.sim.config import BackendConfig
from otlpkb.sim.selfmetrics import (
    FAULTS,
    METRIC_TYPES,
    collector_scrapes,
    exposition,
    fault_config,
    simulate_fault,
)

PROMTOOL = shutil.which("promtool")


def _promtool(text: str) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL, "promtool is installed by .ci/run (Debian package prometheus)"
    return subprocess.run(
        [PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )


def test_promtool_accepts_both_forms() -> None:
    plain = simulate_fault("memory_limit", until=30.0, seed=1)[-1]
    suffixed = simulate_fault("memory_limit", until=30.0, seed=1, suffixes=True)[-1]
    ok = _promtool(suffixed)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    lint = _promtool(plain)
    problems = [line for line in (lint.stdout + lint.stderr).splitlines() if line.strip()]
    assert problems, "the built-in form's counters lack _total; promtool says so"
    assert all('should have "_total" suffix' in p for p in problems), problems


def test_types_and_labels_are_the_documented_ones() -> None:
    text = simulate_fault("memory_limit", until=20.0, seed=2)[-1]
    families = {f.name: f for f in text_string_to_metric_families(text)}
    for name, (kind, _unit, labels) in METRIC_TYPES.items():
        if name not in families:
            continue
        assert families[name].type == kind, name
        for sample in families[name].samples:
            assert dict(labels).items() <= sample.labels.items()
    assert families["otelcol_exporter_queue_capacity"].samples[0].value == 1000.0


def test_counters_never_decrease_and_items_are_conserved() -> None:
    cfg = fault_config("slow_backend")
    result = Pipeline(cfg).run(until=60.0, seed=4)
    assert len(result.scrapes) == len(result.times)
    for before, after in zip(result.scrapes, result.scrapes[1:], strict=False):
        for name, value in after[1].items():
            if METRIC_TYPES[name][0] == "counter":
                assert value >= before[1][name], name
    m = result.metrics
    assert m["otelcol_receiver_accepted_spans"] == (
        m["otelcol_exporter_sent_spans"]
        + m["otelcol_exporter_send_failed_spans"]
        + result.dropped_items
        + result.pending_items
    )
    assert m["otelcol_exporter_enqueue_failed_spans"] > 0  # the slow back end overflows it
    assert len(collector_scrapes(result)) == len(result.scrapes)


def test_requests_above_the_back_ends_limit_fail_permanently_without_retry() -> None:
    cfg = PipelineConfig(
        (PoissonSource(rate=50.0, items_per_request=10),),
        batch=None,
        backend=BackendConfig(max_request_items=5),
    )
    r = Pipeline(cfg).run(until=10.0, seed=0)
    assert r.metrics["otelcol_exporter_sent_spans"] == 0
    assert r.retries == 0 and r.metrics["otelcol_exporter_send_failed_spans"] > 0
    with pytest.raises(ValueError, match="max_request_items"):
        BackendConfig(max_request_items=0)


def test_shipped_dumps_are_what_the_simulator_writes_today() -> None:
    shipped = {p.name: p.read_text(encoding="utf-8") for p in OUT.glob("*.prom")}
    assert shipped == fixtures()


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="fault must be one of"):
        fault_config("gremlins")
    with pytest.raises(ValueError, match="not in METRIC_TYPES"):
        exposition({"up": 1.0})
    assert set(FAULTS) >= {"healthy", "backend_down", "batch_too_large"}
