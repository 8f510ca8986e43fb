"""The optimization catalogue (chapter 6.3).

External checks: payloads produced by the real OpenTelemetry SDK (opentelemetry-sdk and its
OTLP protobuf encoder) and the shipped opentelemetry-proto example; the zstd frame format
(RFC 8878: magic number 0xFD2FB528) and the snappy framing format (stream identifier chunk
0xff 06 00 00 "sNaPpY"); the SDK's own attribute limits (SpanLimits) for truncation; the
batch processor's defaults (send_batch_size 8192, timeout 200ms) from its factory.go.
"""

from __future__ import annotations

import gzip
import zlib

import numpy as np
import pytest
from google.protobuf import json_format
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otlpkb import datasets
from otlpkb.otlp import Span
from otlpkb.performance.resources import span_size
from otlpkb.tracing.traces import assemble_traces
from otlpkb.tuning.optimizations import (
    CODECS,
    batching_effect,
    compress,
    compression_ratios,
    cpu_seconds_per_mb,
    decompress,
    head_sample,
    limit_attributes,
    queue_for_outage,
    tail_sample,
)
from otlpkb.tuning.workload import shop_traces


def sdk_batch(spans: int = 512, limits: SpanLimits | None = None):
    memory = InMemorySpanExporter()
    provider = TracerProvider(
        resource=Resource.create({"service.name": "checkout"}), span_limits=limits
    )
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("otlpkb.tests")
    for i in range(spans):
        with tracer.start_as_current_span("GET /api/cart") as span:
            span.set_attribute("http.request.method", "GET")
            span.set_attribute("http.route", "/api/cart")
            span.set_attribute("http.response.status_code", 200 + (i % 7 == 0) * 300)
            span.set_attribute("user.id", f"user-{i % 97}")
    finished = memory.get_finished_spans()
    return encode_spans(finished).SerializeToString(), finished


def test_codecs_round_trip_real_sdk_payloads() -> None:
    payload, _ = sdk_batch()
    for codec in CODECS:
        packed = compress(payload, codec)
        assert decompress(packed, codec) == payload
        assert len(packed) < len(payload)
    assert compress(payload, "gzip")[:2] == b"\x1f\x8b"  # RFC 1952
    assert compress(payload, "zstd")[:4] == bytes.fromhex("28b52ffd")  # RFC 8878
    assert compress(payload, "snappy")[:10] == b"\xff\x06\x00\x00sNaPpY"  # framing format
    assert zlib.decompress(compress(payload, "gzip"), 31) == payload
    assert compress(payload, "gzip") == compress(payload, "gzip")  # mtime 0: reproducible


def test_ratios_on_real_payloads() -> None:
    sdk, _ = sdk_batch()
    request = json_format.Parse(
        datasets.path("otlp/proto-examples/trace.json").read_text(),
        trace_service_pb2.ExportTraceServiceRequest(),
        ignore_unknown_fields=True,
    ).SerializeToString()
    rows = compression_ratios([sdk, request])
    assert [(r.codec, r.level) for r in rows] == [
        ("gzip", 1),
        ("gzip", 6),
        ("zstd", 1),
        ("zstd", 3),
        ("snappy", None),
    ]
    for r in rows:
        assert r.input_bytes == len(sdk) + len(request)
        assert r.output_bytes == sum(
            len(compress(p, r.codec, level=r.level)) for p in (sdk, request)
        )
        assert r.ratio > 1.5 and 0 < r.saved < 1
    by = {(r.codec, r.level): r for r in rows}
    assert by[("gzip", 6)].output_bytes == len(gzip.compress(sdk, 6, mtime=0)) + len(
        gzip.compress(request, 6, mtime=0)
    )
    assert by[("gzip", 6)].ratio >= by[("gzip", 1)].ratio
    assert by[("snappy", None)].ratio < by[("zstd", 3)].ratio


def test_cpu_measurement_uses_the_clock_it_is_given() -> None:
    ticks = iter(np.arange(0.0, 100.0, 0.5))
    seconds = cpu_seconds_per_mb(
        [b"x" * 500_000], "gzip", min_seconds=1.0, clock=lambda: next(ticks)
    )
    assert seconds == pytest.approx(1.0 / (2 * 0.5))  # 1 s of ticks over 2 rounds of 0.5 MB


def test_bad_codec_and_level() -> None:
    with pytest.raises(ValueError, match="codec"):
        compress(b"x", "brotli")
    with pytest.raises(ValueError, match="level"):
        compress(b"x", "gzip", level=12)
    with pytest.raises(ValueError, match="snappy has no compression levels"):
        compress(b"x", "snappy", level=1)
    with pytest.raises(ValueError, match="not valid zstd"):
        decompress(b"garbage", "zstd")
    with pytest.raises(ValueError, match=r"payloads\[0\] is empty"):
        compression_ratios([b""])


def test_batching_defaults_are_the_batch_processors() -> None:
    e = batching_effect(100_000.0)  # 8192 reached after 82 ms < 200 ms: size-triggered
    assert e.mean_batch == pytest.approx(8192, rel=1e-6) and e.timeout_fraction < 0.01
    slow = batching_effect(100.0)  # 20 spans per 200 ms timer
    assert slow.mean_batch == pytest.approx(20.0, rel=0.01)
    assert slow.requests_per_second == pytest.approx(5.0, rel=0.01)
    assert slow.added_latency_s == pytest.approx(0.1, rel=0.01)


def test_head_sampling_is_consistent_and_proportional() -> None:
    spans = shop_traces(2000, seed=6)
    traces = len(assemble_traces(spans))
    quarter = {s.trace_id for s in head_sample(spans, 0.25)}
    half = {s.trace_id for s in head_sample(spans, 0.5)}
    assert quarter <= half  # a larger probability keeps a superset
    for kept, p in ((quarter, 0.25), (half, 0.5)):
        sd = (p * (1 - p) / traces) ** 0.5
        assert abs(len(kept) / traces - p) < 4 * sd
    assert head_sample(spans, 0.0) == [] and head_sample(spans, 1.0) == spans


def test_tail_sampling_keeps_every_error_and_every_slow_trace() -> None:
    spans = shop_traces(1000, seed=7, error_rate=0.002)
    traces = assemble_traces(spans)
    errors = {t for t, tr in traces.items() if any(s.status_code == 2 for s in tr.spans)}
    slow = {t for t, tr in traces.items() if tr.root.duration_nano > 60e6}
    kept = {s.trace_id for s in tail_sample(spans, latency_ms=60.0, probability=0.05)}
    assert errors and slow and errors | slow <= kept
    assert len(kept) < 0.3 * len(traces)
    head = {s.trace_id for s in head_sample(spans, 0.05)}
    assert head <= kept  # the probabilistic policy is the same consistent rule


def test_value_length_limit_is_the_sdks() -> None:
    # The SDK (SpanLimits.max_span_attribute_length) truncates strings the same way.
    _, finished = sdk_batch(3, SpanLimits(max_span_attribute_length=4))
    _, full = sdk_batch(3)
    for sdk_span, raw in zip(finished, full, strict=True):
        ours = limit_attributes(as_span(raw), count_limit=None, value_length_limit=4)
        assert dict(ours.attributes) == dict(sdk_span.attributes)


def test_count_limit_follows_the_specification() -> None:
    # Specification: attributes that would exceed the limit are discarded (the first
    # ones stay). The Python SDK 1.45 evicts the oldest instead: a documented difference.
    _, finished = sdk_batch(1, SpanLimits(max_span_attributes=2))
    assert list(finished[0].attributes) == ["http.response.status_code", "user.id"]
    s = as_span(sdk_batch(1)[1][0])
    ours = limit_attributes(s, count_limit=2)
    assert list(ours.attributes) == ["http.request.method", "http.route"]
    assert ours.dropped_attributes_count == 2 and span_size(ours) < span_size(s)


def as_span(readable) -> Span:
    ctx = readable.context
    return Span(
        f"{ctx.trace_id:032x}",
        f"{ctx.span_id:016x}",
        "",
        readable.name,
        readable.kind.value + 1,
        readable.start_time,
        readable.end_time,
        0,
        attributes=dict(readable.attributes),
    )


def test_queue_for_outage() -> None:
    q = queue_for_outage(5.0, 300.0, bytes_per_batch=100_000.0)
    assert q.queue_size == 1500 and q.memory_bytes == 1.5e8
    assert q.dropped_fraction == pytest.approx(500 / 1500)
    assert queue_for_outage(5.0, 100.0, bytes_per_batch=1.0).dropped_fraction == 0.0
    with pytest.raises(ValueError, match="batches_per_second"):
        queue_for_outage(0.0, 1.0, bytes_per_batch=1.0)
