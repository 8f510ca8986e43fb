"""OTLP metrics read by otlpkb.otlp.read_metrics, checked against the real OpenTelemetry SDK.

External check: the OpenTelemetry Python SDK (opentelemetry-sdk) records a counter, an
up-down counter, a gauge and a histogram; its own OTLP encoder
(opentelemetry-exporter-otlp-proto-common ``encode_metrics``, the one the OTLP exporters
send) turns them into an ``ExportMetricsServiceRequest``. We read that message as protobuf,
as gzip, as the file exporter's length-prefixed frames and as OTLP/JSON written by
``google.protobuf.json_format``, and compare every point with the SDK's own
``MetricsData`` objects from the same run. The proto examples are the
opentelemetry-proto repository's ``examples/metrics.json``.
"""

from __future__ import annotations

import gzip
import io
import json

import pytest
from google.protobuf import json_format
from hypothesis import given
from hypothesis import strategies as st
from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.resources import Resource

from otlpkb import datasets
from otlpkb.otlp import OTLPDecodeError, iter_metric_points, read_metrics


@pytest.fixture(scope="module")
def sdk_metrics():
    reader = InMemoryMetricReader()
    provider = MeterProvider(
        metric_readers=[reader],
        resource=Resource({"service.name": "otelcol-contrib", "service.version": "0.159.0"}),
    )
    meter = provider.get_meter("go.opentelemetry.io/collector/exporter/exporterhelper")
    sent = meter.create_counter("otelcol_exporter_sent_spans", unit="{spans}")
    queue = meter.create_up_down_counter("otelcol_exporter_queue_size", unit="{batches}")
    rss = meter.create_gauge("otelcol_process_memory_rss", unit="By")
    dur = meter.create_histogram("otelcol_exporter_duration", unit="s")
    for i in range(5):
        sent.add(100 + i, {"exporter": "otlp"})
        sent.add(7, {"exporter": "otlphttp/backup"})
        queue.add(3 - i, {"exporter": "otlp"})
        dur.record(0.01 * (i + 1), {"exporter": "otlp"})
    rss.set(123_456_789)
    data = reader.get_metrics_data()
    provider.shutdown()
    message = encode_metrics(data)
    expected = []
    for rm in data.resource_metrics:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                for dp in m.data.data_points:
                    value = dp.sum if hasattr(dp, "bucket_counts") else dp.value
                    expected.append((m.name, dict(dp.attributes), float(value)))
    return message, sorted(expected, key=repr)


def _seen(points):
    labels = ("exporter",)
    return sorted(
        ((p.name, {k: v for k, v in p.labels.items() if k in labels}, p.value) for p in points),
        key=repr,
    )


def test_protobuf_from_the_sdk_encoder_matches_the_sdk(sdk_metrics) -> None:
    message, expected = sdk_metrics
    points = read_metrics(message.SerializeToString(), format="protobuf")
    assert _seen(points) == expected
    sent = [p for p in points if p.name == "otelcol_exporter_sent_spans"]
    assert {p.kind for p in sent} == {"sum"} and all(p.monotonic for p in sent)
    assert sent[0].unit == "{spans}" and sent[0].labels["service.name"] == "otelcol-contrib"
    hist = next(p for p in points if p.name == "otelcol_exporter_duration")
    assert hist.kind == "histogram" and hist.count == 5


def test_every_container_of_the_same_message_reads_the_same(sdk_metrics) -> None:
    message, expected = sdk_metrics
    body = message.SerializeToString()
    as_json = json_format.MessageToJson(message, use_integers_for_enums=True).encode()
    frames = b"".join(len(b).to_bytes(4, "big") + b for b in (body, body))
    jsonl = json.dumps(json.loads(as_json)).encode() + b"\n"
    assert _seen(read_metrics(gzip.compress(body))) == expected
    assert _seen(read_metrics(as_json)) == expected
    assert _seen(read_metrics(frames)) == sorted(expected * 2, key=repr)
    assert _seen(read_metrics(jsonl * 3)) == sorted(expected * 3, key=repr)
    assert _seen(read_metrics(io.BytesIO(jsonl), format="jsonl")) == expected


def test_the_proto_examples_file() -> None:
    points = read_metrics(datasets.path("otlp/proto-examples/metrics.json"))
    kinds = [p.kind for p in points]
    assert kinds == ["sum", "gauge", "histogram", "exponential_histogram"]
    hist = points[2]
    assert (hist.count, hist.value) == (2, 2.0)
    assert points[0].labels["service.name"] == "my.service"
    assert points[0].time_unix_nano == 1544712660300000000


def test_a_pre_1_0_document_is_an_error_not_an_empty_result() -> None:
    with pytest.raises(OTLPDecodeError, match="instrumentationLibraryMetrics") as info:
        read_metrics(datasets.path("otlp/legacy/k8s-metrics.legacy.json"))
    assert info.value.json_path == "resourceMetrics[0]"


def test_errors_name_the_line_and_the_path() -> None:
    good = b'{"resourceMetrics":[]}\n'
    bad = (
        b'{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"x",'
        b'"sum":{"dataPoints":[{"asInt":"zz"}]}}]}]}]}\n'
    )
    with pytest.raises(OTLPDecodeError) as info:
        read_metrics(good + bad)
    assert info.value.line == 2 and info.value.byte_offset == len(good)
    assert info.value.json_path.endswith("dataPoints[0].asInt")
    with pytest.raises(OTLPDecodeError, match="malformed JSON"):
        read_metrics(b'{"resourceMetrics": [')
    with pytest.raises(OTLPDecodeError, match="not an OTLP metrics protobuf"):
        read_metrics(b"\x0a\xff\xff\xff", format="protobuf")
    with pytest.raises(OTLPDecodeError, match="truncated frame"):
        read_metrics(b"\x00\x00\x00\x09{}", format="protobuf-stream")
    with pytest.raises(OTLPDecodeError, match="no resourceMetrics"):
        read_metrics(b'{"resourceSpans": []}')
    with pytest.raises(ValueError, match="format"):
        read_metrics(b"{}", format="yaml")  # type: ignore[arg-type]


def test_streaming_yields_points_before_a_bad_line() -> None:
    line = (
        b'{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"up",'
        b'"gauge":{"dataPoints":[{"asDouble":1}]}}]}]}]}\n'
    )
    it = iter_metric_points(line * 2 + b"{oops\n", format="jsonl")
    assert [next(it).value, next(it).value] == [1.0, 1.0]
    with pytest.raises(OTLPDecodeError, match="line 3"):
        next(it)


@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(-(2**53), 2**53)),
        min_size=1,
        max_size=20,
    )
)
def test_int_points_survive_every_encoding(values) -> None:
    from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2

    req = metrics_service_pb2.ExportMetricsServiceRequest()
    metric = req.resource_metrics.add().scope_metrics.add().metrics.add()
    metric.name = "otelcol_receiver_accepted_spans"
    for label, v in values:
        dp = metric.sum.data_points.add()
        dp.as_int = v
        kv = dp.attributes.add()
        kv.key, kv.value.string_value = "receiver", label
    want = [(label, float(v)) for label, v in values]
    for payload in (
        req.SerializeToString(),
        json_format.MessageToJson(req).encode(),
    ):
        got = [(p.labels["receiver"], p.value) for p in read_metrics(payload)]
        assert got == want
