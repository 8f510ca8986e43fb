"""otlpkb.diagnosis.telemetry: reading a Collector's internal metrics in every form.

External checks: exposition text written by prometheus_client's own writer
(``generate_latest``, the reference implementation of the text format, which writes the
``_total`` / ``_created`` forms a default Prometheus reader produces); OTLP metrics
written by the OpenTelemetry SDK and its OTLP encoder; the metric names of the Collector's
generated ``documentation.md`` files (exporterhelper, processorhelper, memory_limiter,
service; open-telemetry/opentelemetry-collector v0.159.0) in hand-written dumps.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

from kbtest import SCALE
from otlpkb import datasets
from otlpkb.diagnosis.telemetry import (
    CANONICAL_NAMES,
    ExpositionError,
    Snapshot,
    canonical_name,
    indicators,
    parse_exposition,
    read_snapshot,
    snapshot_from_points,
)
from otlpkb.otlp import OTLPDecodeError, read_metrics
from otlpkb.sim.selfmetrics import simulate_fault

# exporter/exporterhelper/documentation.md, processor/processorhelper/documentation.md,
# service/documentation.md (open-telemetry/opentelemetry-collector)
DOCUMENTED = [
    "otelcol_exporter_enqueue_failed_spans",
    "otelcol_exporter_queue_capacity",
    "otelcol_exporter_queue_size",
    "otelcol_exporter_send_failed_log_records",
    "otelcol_exporter_sent_metric_points",
    "otelcol_processor_incoming_items",
    "otelcol_processor_outgoing_items",
    "otelcol_process_cpu_seconds",
    "otelcol_process_memory_rss",
    "otelcol_process_runtime_heap_alloc_bytes",
    "otelcol_process_uptime",
]


@pytest.mark.parametrize("name", DOCUMENTED)
def test_documented_names_are_canonical_and_every_suffixed_form_maps_back(name) -> None:
    assert name in CANONICAL_NAMES
    assert canonical_name(name) == name
    assert canonical_name(name + "_total") == name
    if name in ("otelcol_process_memory_rss",):
        assert canonical_name(name + "_bytes") == name
    if name == "otelcol_process_uptime":
        assert canonical_name(name + "_seconds_total") == name


def test_old_memory_limiter_names_map_to_todays_only_for_that_processor() -> None:
    old = "otelcol_processor_refused_metric_points"
    assert (
        canonical_name(old, {"processor": "memory_limiter/edge"})
        == "otelcol_processor_memory_limiter_refused_metric_points"
    )
    assert canonical_name(old, {"processor": "filter"}) == old
    assert canonical_name("otelcol.processor.consumed.items") == "otelcol_processor_consumed_items"
    assert (
        canonical_name("otelcol_exporter_duration_seconds") == "otelcol_exporter_duration_seconds"
    )


def test_prometheus_client_writer_output_reads_under_canonical_names() -> None:
    registry = CollectorRegistry()
    sent = Counter("otelcol_exporter_sent_spans", "sent", ["exporter"], registry=registry)
    rss = Gauge("otelcol_process_memory_rss_bytes", "rss", registry=registry)
    sent.labels("otlp").inc(1234)
    sent.labels("kafka").inc(66)
    rss.set(2.5e8)
    text = generate_latest(registry).decode()
    assert "otelcol_exporter_sent_spans_total" in text  # the writer's own suffix
    snap = parse_exposition(text)
    assert snap.total("otelcol_exporter_sent_spans") == 1300.0
    assert snap.total("otelcol_exporter_sent_spans", exporter="kafka") == 66.0
    assert snap.total("otelcol_process_memory_rss") == 2.5e8
    assert "otelcol_exporter_sent_spans_created" not in snap.names
    assert snap.total("otelcol_exporter_queue_size") is None  # absent, not zero


def test_otlp_metrics_from_the_sdk_read_as_a_snapshot() -> None:
    from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    meter = provider.get_meter("go.opentelemetry.io/collector/receiver/receiverhelper")
    meter.create_counter("otelcol_receiver_accepted_spans").add(900, {"receiver": "otlp"})
    meter.create_counter("otelcol_receiver_refused_spans").add(100, {"receiver": "otlp"})
    body = encode_metrics(reader.get_metrics_data()).SerializeToString()
    provider.shutdown()
    snap = read_snapshot(body)
    assert snap.total("otelcol_receiver_accepted_spans", receiver="otlp") == 900.0
    assert indicators([snap])["receiver_refused_ratio"] == pytest.approx(0.1)
    assert snap.time is not None and snap.time > 1.6e9  # the SDK's timestamps


def test_hand_written_dumps_read_and_give_the_documented_quantities() -> None:
    healthy = read_snapshot(datasets.path("collector/builtin-healthy.prom"))
    assert healthy.total("otelcol_exporter_queue_capacity") == 1000.0
    assert healthy.clock == pytest.approx(3600.2)  # no timestamps: the uptime orders
    old = read_snapshot(datasets.path("collector/v0.109-memory-limiter.prom"))
    assert old.total("otelcol_processor_memory_limiter_refused_spans") == 412077.0
    custom = read_snapshot(datasets.path("collector/custom-reader-backend-down.prom"))
    assert custom.total("otelcol_process_memory_rss") == pytest.approx(8.912896e8)
    assert custom.total("otelcol_process_uptime") == pytest.approx(1800.5)
    pushed = read_snapshot(datasets.path("collector/otlp-push-permanent-rejection.json"))
    assert pushed.total("otelcol_exporter_send_failed_spans") == 2817000.0
    assert pushed.source.endswith("otlp-push-permanent-rejection.json")


def test_a_malformed_line_is_reported_with_its_number() -> None:
    text = '# TYPE a counter\na_total 1\nb{x="1" 2\nc 3\n'
    with pytest.raises(ExpositionError) as info:
        parse_exposition(text, source="dump.prom")
    assert info.value.line == 3 and str(info.value).startswith("dump.prom: line 3:")
    with pytest.raises(ExpositionError, match="not UTF-8"):
        read_snapshot(b"a 1\n\xff\xfe b 2\n")
    with pytest.raises(OTLPDecodeError):
        read_snapshot(b'{"resourceMetrics": [1]}')
    with pytest.raises(TypeError):
        parse_exposition(b"a 1")  # type: ignore[arg-type]


def test_one_snapshot_uses_the_uptime_and_several_use_the_increase() -> None:
    def snap(t: float, accepted: float, sent: float) -> Snapshot:
        return parse_exposition(
            f"otelcol_process_uptime {t}\n"
            f'otelcol_receiver_accepted_spans{{receiver="otlp"}} {accepted}\n'
            f'otelcol_exporter_sent_spans{{exporter="otlp"}} {sent}\n'
        )

    one = indicators([snap(100.0, 5000.0, 5000.0)])
    assert one["window_seconds"] == 100.0 and one["receiver_accepted_rate"] == 50.0
    series = indicators([snap(100.0, 5000.0, 5000.0), snap(160.0, 11000.0, 5000.0)])
    assert series["window_seconds"] == 60.0
    assert series["receiver_accepted_rate"] == 100.0
    assert series["exporter_sent_fraction"] == 0.0  # nothing sent in the window
    assert math.isnan(series["queue_fill"])  # no queue metrics: unknown, not zero
    with pytest.raises(ValueError, match="time order"):
        indicators([snap(160.0, 1.0, 1.0), snap(100.0, 2.0, 2.0)])
    with pytest.raises(ValueError, match="at least one"):
        indicators([])


@given(
    st.lists(st.integers(1, 1000), min_size=2, max_size=30),
    st.sets(st.integers(1, 29), max_size=3),
)
@settings(max_examples=60 * SCALE)
def test_increase_equals_the_items_counted_across_restarts(increments, restarts) -> None:
    # A counter that restarts at the given scrapes with a value below the one before
    # (so the reset shows); the true increase after the first scrape counts, at a
    # restart, the items counted since it: the new value.
    value, values, truth = 0, [], 0
    for k, inc in enumerate(increments):
        if k in restarts:
            value = inc % value  # strictly below the value before
            truth += value
        else:
            value += inc
            truth += inc if k > 0 else 0
        values.append(value)
    snaps = [
        parse_exposition(f"otelcol_process_uptime {k + 1}\notelcol_receiver_accepted_spans {v}\n")
        for k, v in enumerate(values)
    ]
    assert indicators(snaps)["offered_items"] == truth


@pytest.mark.parametrize("fault", ["healthy", "slow_backend", "memory_limit"])
def test_both_naming_forms_give_the_same_indicators(fault) -> None:
    plain = [parse_exposition(s) for s in simulate_fault(fault, until=60.0, seed=3)]
    suffixed = [
        parse_exposition(s) for s in simulate_fault(fault, until=60.0, seed=3, suffixes=True)
    ]
    a, b = indicators(plain), indicators(suffixed)
    assert a.keys() == b.keys()
    for key in a:
        assert (math.isnan(a[key]) and math.isnan(b[key])) or a[key] == b[key], key


def test_snapshot_from_points_keeps_histograms_as_count_and_sum() -> None:
    points = read_metrics(datasets.path("otlp/proto-examples/metrics.json"))
    snap = snapshot_from_points(points)
    assert snap.total("my.histogram_count") == 2.0
    assert snap.total("my_counter") == 5.0  # dots become underscores, as Prometheus does
