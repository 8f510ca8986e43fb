"""Tests of otlpkb.performance.resources (chapter 1.4, Resource consumption).

External checks:
* the OpenTelemetry Python SDK (opentelemetry-sdk 1.45) produces real spans, log records
  and metric points; its OTLP encoder (opentelemetry-exporter-otlp-proto-common:
  ``encode_spans``, ``encode_logs``, ``encode_metrics``) serializes them with the
  protobuf runtime (upb). The analytic size model must predict the byte count of every
  span, log record and data point, and of the whole trace request, exactly;
* protobuf's own encoder is the oracle for varints and ``AnyValue`` (hypothesis);
* the opentelemetry-proto example ``trace.json`` and the Jaeger OTLP fixtures, converted
  to protobuf with google.protobuf.json_format (and the OTLP hex-id rule);
* the memory_limiter README's worked examples (opentelemetry-collector,
  processor/memorylimiterprocessor/README.md): limit 4000 MiB -> spike 800, soft 3200;
  hard 800 with spike 150 -> soft 650;
* the Splunk Distribution of the OpenTelemetry Collector sizing guide (per-core rates
  15,000 spans/s, 20,000 data points/s, 10,000 log records/s) for the CPU defaults;
* the OpenTelemetry SDK's own output for traces of the synthetic requests' shape (trees
  of 8 spans built with the SDK's tracer, encoded with ``encode_spans``): the synthetic
  requests must compress like it, the ratio the capacity planner's default profile uses.
"""

import base64
import gzip
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry import trace as trace_api
from opentelemetry._logs import SeverityNumber
from opentelemetry.exporter.otlp.proto.common._internal import _encode_value
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otlpkb import datasets
from otlpkb.otlp import Span, read_traces
from otlpkb.performance.resources import (
    DEFAULT_PROFILE,
    CapacityPlan,
    CostProfile,
    EncodedSizes,
    SignalProfile,
    any_value_size,
    attributes_size,
    capacity_plan,
    encoded_sizes,
    histogram_point_size,
    log_record_size,
    memory_limiter_settings,
    number_point_size,
    span_size,
    synthetic_request,
    trace_request_size,
    varint_size,
)
from otlpkb.performance.throughput import max_items_per_request

# ----------------------------------------------------------------------------- SDK helpers


def _attrs(n, kind="mixed"):
    out = {}
    for i in range(n):
        key = f"attr.{i:02d}"
        if kind == "str" or i % 5 == 0:
            out[key] = "value-" * (i % 7 + 1)
        elif i % 5 == 1:
            out[key] = i * 1_000_003 - 500_000  # includes negative ints: 10-byte varints
        elif i % 5 == 2:
            out[key] = i / 3
        elif i % 5 == 3:
            out[key] = bool(i % 2)
        else:
            out[key] = ["a", "bc", "déf"]
    return out


def _sdk_spans():
    exporter = InMemorySpanExporter()
    providers = [
        TracerProvider(resource=Resource.create({"service.name": "checkout"})),
        TracerProvider(resource=Resource.create({"service.name": "cart", "host.name": "h1"})),
    ]
    for p in providers:
        p.add_span_processor(SimpleSpanProcessor(exporter))
    for p in providers:
        for scope in ("lib.a", "lib.b"):
            tracer = p.get_tracer(scope, "2.0.1")
            for n in (0, 4, 16, 64):
                with tracer.start_as_current_span("root", kind=trace_api.SpanKind.SERVER) as root:
                    with tracer.start_as_current_span(
                        f"GET /items/{n}", kind=trace_api.SpanKind.CLIENT, attributes=_attrs(n)
                    ) as span:
                        span.add_event("retry", {"attempt": n, "ok": False})
                        if n == 16:
                            span.set_status(trace_api.Status(trace_api.StatusCode.ERROR, "boom"))
                    link = trace_api.Link(root.get_span_context(), {"why": "fan-in"})
                    with tracer.start_span("linked", links=[link]):
                        pass
    return exporter.get_finished_spans()


@pytest.fixture(scope="module")
def sdk_trace_request():
    return encode_spans(_sdk_spans())


# ----------------------------------------------------------------------------- wire format


def test_varint_size_boundaries():
    assert [varint_size(2**k - 1) for k in (7, 14, 21, 28, 35, 63, 64)] == [1, 2, 3, 4, 5, 9, 10]
    assert [varint_size(2**k) for k in (7, 14, 21, 28)] == [2, 3, 4, 5]
    assert varint_size(0) == 1
    assert varint_size(-1) == 10


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_varint_size_matches_protobuf(v):
    # AnyValue.int_value is an int64 (field 3, one tag byte): the rest is the varint.
    assert common_pb2.AnyValue(int_value=v).ByteSize() - 1 == varint_size(v)


attribute_values = st.recursive(
    st.none()
    | st.booleans()
    | st.text(max_size=300)
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.binary(max_size=200),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=20), inner, max_size=5)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(attribute_values)
def test_any_value_size_matches_sdk_encoder(value):
    # The SDK's own AnyValue encoder and protobuf's ByteSize are the oracle.
    assert any_value_size(value) == _encode_value(value).ByteSize()


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=150), attribute_values, max_size=8))
def test_attributes_size_matches_protobuf(attrs):
    res = common_pb2.InstrumentationScope()
    for k, v in attrs.items():
        res.attributes.add(key=k, value=_encode_value(v))
    assert attributes_size(attrs) == res.ByteSize()


@given(st.integers(1, 120), st.integers(0, 120))
def test_short_string_attribute_costs_key_plus_value_plus_eight(k, v):
    if k + v + 6 < 128:  # every length fits one varint byte
        assert attributes_size({"k" * k: "v" * v}) == k + v + 8


# ----------------------------------------------------------------------------- against the SDK


def test_span_sizes_match_sdk_exactly(sdk_trace_request):
    body = sdk_trace_request.SerializeToString()
    table = read_traces(body, format="protobuf")
    pb_spans = [
        s for rs in sdk_trace_request.resource_spans for ss in rs.scope_spans for s in ss.spans
    ]
    assert len(table) == len(pb_spans) == 48
    by_attr_count = {}
    for span, pb in zip(table, pb_spans):
        assert span.span_id == pb.span_id.hex()
        assert span_size(span) == pb.ByteSize(), span.name
        by_attr_count.setdefault(len(span.attributes), span_size(span))
    assert {0, 4, 16, 64} <= set(by_attr_count)


def test_trace_request_size_matches_sdk_exactly(sdk_trace_request):
    body = sdk_trace_request.SerializeToString()
    assert len(sdk_trace_request.resource_spans) == 2
    assert trace_request_size(read_traces(body, format="protobuf")) == len(body)


def test_bytes_per_attribute_derivation_matches_sdk():
    """Spans differing only in string attributes differ by exactly k + v + 8 bytes each."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("t")
    for n in (0, 4, 16, 64):
        attrs = {f"k{i:019d}": f"v{i:019d}" for i in range(n)}  # 20-character keys and values
        tracer.start_span("op", attributes=attrs).end()
    req = encode_spans(exporter.get_finished_spans())
    sizes = [s.ByteSize() for s in req.resource_spans[0].scope_spans[0].spans]
    assert [b - sizes[0] for b in sizes] == [0, 4 * 48, 16 * 48, 64 * 48]


def test_log_record_sizes_match_sdk_exactly():
    exporter = InMemoryLogRecordExporter()
    provider = LoggerProvider(resource=Resource.create({"service.name": "svc"}))
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    logger = provider.get_logger("app.logs", "0.1")
    tracer_provider = TracerProvider()
    tracer = tracer_provider.get_tracer("t")
    for n in (0, 4, 16, 64):
        logger.emit(
            body=f"request {n} done",
            severity_number=SeverityNumber.INFO,
            severity_text="INFO",
            attributes=_attrs(n),
        )
        with tracer.start_as_current_span("s"):
            logger.emit(
                body={"msg": "in span", "n": n},
                severity_number=SeverityNumber.ERROR,
                severity_text="ERROR",
                attributes=_attrs(n, "str"),
                event_name="ev",
            )
    logger.emit(body=None)
    records = exporter.get_finished_logs()
    req = encode_logs(records)
    pb_logs = [lr for rl in req.resource_logs for sl in rl.scope_logs for lr in sl.log_records]
    assert len(pb_logs) == len(records) == 9
    for rec, pb in zip(records, pb_logs):
        lr = rec.log_record
        predicted = log_record_size(
            body=lr.body,
            attributes=dict(lr.attributes or {}),
            time_unix_nano=lr.timestamp or 0,
            observed_time_unix_nano=lr.observed_timestamp or 0,
            severity_number=lr.severity_number.value if lr.severity_number else 0,
            severity_text=lr.severity_text or "",
            trace_id=f"{lr.trace_id:032x}" if lr.trace_id else "",
            span_id=f"{lr.span_id:016x}" if lr.span_id else "",
            flags=int(lr.trace_flags or 0),
            event_name=lr.event_name or "",
        )
        assert predicted == pb.ByteSize()


def test_metric_point_sizes_match_sdk_exactly():
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader], resource=Resource.create({}))
    meter = provider.get_meter("app.metrics", "1.0")
    counter = meter.create_counter("requests")
    fcounter = meter.create_up_down_counter("queue.size")
    hist = meter.create_histogram("latency", unit="ms")
    for n in (0, 4, 16, 64):
        counter.add(n + 1, _attrs(n, "str"))
        fcounter.add(-2.5 * n, _attrs(n))
        for v in (0.5, 7.0, 123.0, 9999.0):
            hist.record(v + n, _attrs(n, "str"))
    req = encode_metrics(reader.get_metrics_data())
    checked = 0
    for rm in req.resource_metrics:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                if m.WhichOneof("data") == "sum":
                    for pt in m.sum.data_points:
                        value = pt.as_int if pt.WhichOneof("value") == "as_int" else pt.as_double
                        predicted = number_point_size(
                            value,
                            attributes=_decode_attrs(pt.attributes),
                            start_time_unix_nano=pt.start_time_unix_nano,
                            time_unix_nano=pt.time_unix_nano,
                            flags=pt.flags,
                        )
                        assert predicted == pt.ByteSize()
                        checked += 1
                else:
                    assert m.WhichOneof("data") == "histogram"
                    for pt in m.histogram.data_points:
                        assert len(pt.explicit_bounds) == 15  # the SDK's default boundaries
                        predicted = histogram_point_size(
                            list(pt.bucket_counts),
                            list(pt.explicit_bounds),
                            count=pt.count,
                            sum=pt.sum if pt.HasField("sum") else None,
                            min=pt.min if pt.HasField("min") else None,
                            max=pt.max if pt.HasField("max") else None,
                            attributes=_decode_attrs(pt.attributes),
                            start_time_unix_nano=pt.start_time_unix_nano,
                            time_unix_nano=pt.time_unix_nano,
                            flags=pt.flags,
                        )
                        assert predicted == pt.ByteSize()
                        checked += 1
    assert checked == 12


def _decode_any(v):
    kind = v.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [_decode_any(x) for x in v.array_value.values]
    if kind == "kvlist_value":
        return _decode_attrs(v.kvlist_value.values)
    return getattr(v, kind)


def _decode_attrs(kvs):
    return {kv.key: _decode_any(kv.value) for kv in kvs}


# ----------------------------------------------------------------------------- real files


def _json_to_protobuf(text):
    def shim(node):
        if isinstance(node, dict):
            return {
                k: (
                    base64.b64encode(bytes.fromhex(v)).decode()
                    if k in {"traceId", "spanId", "parentSpanId"} and isinstance(v, str)
                    else shim(v)
                )
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [shim(x) for x in node]
        return node

    from google.protobuf import json_format

    msg = trace_service_pb2.ExportTraceServiceRequest()
    json_format.ParseDict(shim(json.loads(text)), msg, ignore_unknown_fields=True)
    return msg


@pytest.mark.parametrize(
    "name",
    [
        "otlp/proto-examples/trace.json",
        "otlp/jaeger/example_trace.json",
        "otlp/jaeger/otel_traces_01.json",
        "otlp/jaeger/link_attributes_trace.json",
    ],
)
def test_span_size_on_shipped_files(name):
    path = datasets.path(name)
    msg = _json_to_protobuf(path.read_text())
    pb_spans = [s for rs in msg.resource_spans for ss in rs.scope_spans for s in ss.spans]
    table = read_traces(msg.SerializeToString(), format="protobuf")
    assert len(table) == len(pb_spans) > 0
    for span, pb in zip(table, pb_spans):
        assert span_size(span, status=pb.HasField("status")) == pb.ByteSize()


# ----------------------------------------------------------------------------- measuring


def test_encoded_sizes_of_sdk_request(sdk_trace_request):
    body = sdk_trace_request.SerializeToString()
    sizes = encoded_sizes(body, "traces")
    assert sizes.items == 48
    assert sizes.protobuf == len(body)
    assert sizes.gzip == len(gzip.compress(body, compresslevel=6, mtime=0))
    assert sizes.compression_ratio == pytest.approx(sizes.protobuf / sizes.gzip)
    assert sizes == encoded_sizes(body, "traces")  # deterministic
    # The JSON form is valid OTLP/JSON: otlpkb's own JSON reader gives the same spans.
    from google.protobuf import json_format

    from otlpkb.performance.resources.compression import _hex_ids

    msg = trace_service_pb2.ExportTraceServiceRequest.FromString(body)
    text = json.dumps(
        _hex_ids(json_format.MessageToDict(msg, use_integers_for_enums=True)),
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    assert len(text) == sizes.json
    from_json = read_traces(text, format="json")
    from_pb = read_traces(body, format="protobuf")
    assert list(from_json) == list(from_pb)


def test_encoded_sizes_counts_items_for_every_signal():
    for signal in ("traces", "logs", "metrics"):
        s = encoded_sizes(synthetic_request(signal, 37, attributes=3), signal)
        assert isinstance(s, EncodedSizes)
        assert s.items == 37
        assert s.protobuf < s.json
        assert s.json_gzip < s.json
        per = s.per_item()
        assert per["protobuf"] == pytest.approx(s.protobuf / 37)
    empty = encoded_sizes(b"", "logs")
    assert empty.items == 0 and math.isnan(empty.per_item()["gzip"])


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 40), st.integers(0, 20), st.integers(0, 2**32))
def test_synthetic_traces_are_measured_exactly(items, attributes, seed):
    body = synthetic_request("traces", items, attributes, seed=seed)
    spans = read_traces(body, format="protobuf") if items else []
    assert len(spans) == items
    if items:
        assert trace_request_size(spans) == len(body)


def test_synthetic_request_is_deterministic_and_seeded():
    a = synthetic_request("metrics", 20, 4, seed=3)
    assert a == synthetic_request("metrics", 20, 4, seed=3)
    assert a != synthetic_request("metrics", 20, 4, seed=4)


def test_synthetic_traces_have_real_structure():
    """Issue 17, item 12: spans share trace ids, parent ids repeat span ids of the same
    trace, children lie inside their parents, and spans come in the order they end."""
    body = synthetic_request("traces", 512, 2, items_per_trace=8, seed=5)
    spans = read_traces(body, format="protobuf")
    traces: dict[str, list[Span]] = {}
    for span in spans:
        traces.setdefault(span.trace_id, []).append(span)
    assert len(traces) == 64 and {len(t) for t in traces.values()} == {8}
    for members in traces.values():
        by_id = {s.span_id: s for s in members}
        roots = [s for s in members if not s.parent_span_id]
        assert len(roots) == 1 and roots[0].kind == 2  # one SERVER root
        for child in members:
            if child.parent_span_id:
                parent = by_id[child.parent_span_id]  # the parent is in the batch
                assert parent.start_time_unix_nano <= child.start_time_unix_nano
                assert child.end_time_unix_nano <= parent.end_time_unix_nano
        ends = [s.end_time_unix_nano for s in members]
        assert ends == sorted(ends)
    roots = synthetic_request("traces", 16, 0, items_per_trace=1)
    independent = read_traces(roots, format="protobuf")
    assert len({s.trace_id for s in independent}) == 16
    assert not any(s.parent_span_id for s in independent)


def _sdk_traces_like_synthetic(n_spans, per_trace, n_attr, seed):
    """Traces of the synthetic requests' shape, made by the OpenTelemetry SDK's tracer
    and encoded by its OTLP encoder: a SERVER root and CLIENT/INTERNAL children of
    earlier spans, nested in time, attribute values from 20-word vocabularies."""
    import random

    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocab = [["".join(rng.choices(letters, k=20)) for _ in range(20)] for _ in range(n_attr)]
    keys = [f"attr.{i:03d}.".ljust(20, "k") for i in range(n_attr)]
    routes = ["/api/cart", "/api/checkout", "/api/product/{id}", "/health"]
    operations = ["SELECT orders", "SELECT users", "GET /inventory", "render"]
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "checkout"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("otlpkb.synthetic", "1.0.0")
    t0 = 1_767_225_600_000_000_000
    for first in range(0, n_spans, per_trace):
        start = t0 + first * 1_000_000 + rng.randrange(1_000_000)
        end = start + rng.randrange(1_000_000, 500_000_000)
        root = tracer.start_span(
            "GET " + rng.choice(routes),
            kind=trace_api.SpanKind.SERVER,
            attributes={k: rng.choice(v) for k, v in zip(keys, vocab, strict=True)},
            start_time=start,
        )
        made = [(root, start, end)]
        for _ in range(min(per_trace, n_spans - first) - 1):
            parent, lo, hi = rng.choice(made)
            b = rng.randrange(lo, (lo + hi) // 2 + 1)
            child = tracer.start_span(
                rng.choice(operations),
                context=trace_api.set_span_in_context(parent),
                kind=rng.choice([trace_api.SpanKind.CLIENT, trace_api.SpanKind.INTERNAL]),
                attributes={k: rng.choice(v) for k, v in zip(keys, vocab, strict=True)},
                start_time=b,
            )
            made.append((child, b, rng.randrange(b + 1, hi + 1)))
        for span, _, e in sorted(made, key=lambda m: m[2]):
            span.end(end_time=e)
    return encode_spans(exporter.get_finished_spans()).SerializeToString()


@pytest.mark.parametrize("per_trace", [1, 8])
def test_synthetic_traces_compress_like_sdk_output(per_trace):
    """The synthetic request and the SDK's output for traces of the same shape: the
    same bytes per span within 1 % and the same gzip ratio within 5 %. The old generator
    (a fresh trace id and a random parent for every span) gave 5.8 against the SDK's
    8.3 for traces of 8 spans; the planner's default profile uses the new ratio."""
    sdk = encoded_sizes(_sdk_traces_like_synthetic(512, per_trace, 8, seed=11), "traces")
    ours = encoded_sizes(
        synthetic_request("traces", 512, 8, items_per_trace=per_trace, seed=11), "traces"
    )
    assert sdk.items == ours.items == 512
    assert ours.protobuf / 512 == pytest.approx(sdk.protobuf / 512, rel=0.01)
    assert ours.compression_ratio == pytest.approx(sdk.compression_ratio, rel=0.05)
    if per_trace == 8:
        assert DEFAULT_PROFILE.spans.compression_ratio == pytest.approx(
            sdk.compression_ratio, rel=0.05
        )


def test_gzip_ratio_falls_for_a_single_item():
    """Compression needs repetition: one span compresses poorly, a batch well."""
    one = encoded_sizes(synthetic_request("traces", 1, 8), "traces")
    batch = encoded_sizes(synthetic_request("traces", 512, 8), "traces")
    assert one.compression_ratio < 1.6 < 4 < batch.compression_ratio


# ----------------------------------------------------------------------------- cost model


def test_default_profile_matches_measurements_and_splunk_guide():
    p = DEFAULT_PROFILE
    for signal, profile in (("traces", p.spans), ("logs", p.logs), ("metrics", p.metric_points)):
        s = encoded_sizes(synthetic_request(signal, 512, attributes=8), signal)
        assert profile.bytes_per_item == pytest.approx(s.protobuf / s.items, rel=0.02)
        assert profile.compression_ratio == pytest.approx(s.compression_ratio, rel=0.05)
        assert profile.memory_bytes_per_item == pytest.approx(3 * profile.bytes_per_item)
    # Splunk Distribution of the OpenTelemetry Collector, "Sizing and scaling".
    assert 1 / p.spans.cpu_seconds_per_item == pytest.approx(15_000)
    assert 1 / p.metric_points.cpu_seconds_per_item == pytest.approx(20_000)
    assert 1 / p.logs.cpu_seconds_per_item == pytest.approx(10_000)


def test_memory_limiter_readme_examples():
    s = memory_limiter_settings(4000)
    assert (s.limit_mib, s.spike_limit_mib, s.soft_limit_mib) == (4000, 800, 3200)
    assert s.gomemlimit_mib == 3200
    s = memory_limiter_settings(800, spike_limit_mib=150)  # 80 % / 15 % of 1000 MiB
    assert (s.limit_mib, s.soft_limit_mib) == (800, 650)


def test_capacity_plan_hand_computed():
    p = capacity_plan(
        spans_per_second=30_000,
        collector_cpu_cores=1,
        target_utilization=0.5,
        retention_days=10,
        replication=3,
        exporters=2,
    )
    # 30,000 spans/s at 15,000 per core = 2 cores; 0.5 core usable per Collector -> 4.
    assert isinstance(p, CapacityPlan)
    assert p.cpu_cores == pytest.approx(2.0)
    assert p.collectors == 4
    assert p.utilization == pytest.approx(0.5)
    assert p.ingress_bytes_per_second == pytest.approx(30_000 * 466)
    assert p.ingress_wire_bytes_per_second == pytest.approx(30_000 * 466 / 8.0)
    assert p.egress_wire_bytes_per_second == pytest.approx(2 * 30_000 * 466 / 8.0)
    assert p.disk_bytes_per_day == pytest.approx(30_000 * 466 / 8.0 * 86_400 * 3)
    assert p.disk_bytes_retained == pytest.approx(p.disk_bytes_per_day * 10)
    # 7,500 spans/s per Collector, 200 ms timeout: about 1,500 spans a batch (timer-bound).
    assert p.mean_batch_items["spans"] == pytest.approx(1500, rel=0.01)
    assert p.queue_seconds["spans"] == pytest.approx(1000 * p.mean_batch_items["spans"] / 7500)
    assert p.queue_memory_bytes == pytest.approx(2 * 1000 * p.mean_batch_items["spans"] * 1398)
    assert p.mean_batch_items["logs"] == 0 and p.warnings == ()
    assert p.memory_limiter.soft_limit_mib * 2**20 == pytest.approx(p.memory_bytes)
    assert "15,000" in p.assumptions["items per CPU second"]
    rows = p.explain()
    assert rows[1] == ("Collectors", "4", rows[1][2])


def test_capacity_plan_warns_about_grpc_limit():
    big = CostProfile(spans=SignalProfile(600.0, 5.0, 1e-4, 1800.0))
    p = capacity_plan(spans_per_second=200_000, profile=big)
    assert len(p.warnings) == 1
    assert f"send_batch_max_size <= {max_items_per_request(600.0)}" in p.warnings[0]
    assert capacity_plan(spans_per_second=200_000).warnings == ()  # 8192 × 466 B < 4 MiB


rates = st.floats(min_value=0, max_value=5e6, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(rates, rates, rates, st.floats(0.05, 1.0), st.floats(0.25, 64))
def test_capacity_plan_invariants(spans, logs, points, target, cores):
    p = capacity_plan(
        spans_per_second=spans,
        logs_per_second=logs,
        metric_points_per_second=points,
        target_utilization=target,
        collector_cpu_cores=cores,
    )
    assert p.collectors >= 1
    assert p.utilization <= target * (1 + 1e-9)
    if p.collectors > 1:  # one fewer would exceed the target
        assert p.cpu_cores / ((p.collectors - 1) * cores) > target * (1 - 1e-9)
    assert p.ingress_wire_bytes_per_second <= p.ingress_bytes_per_second
    for s in ("spans", "logs", "metric_points"):
        assert 0 <= p.mean_batch_items[s] <= 8192 + 1e-6
        share = p.rates[s] / p.collectors
        if share > 0:  # a full queue holds queue_size mean batches
            assert p.queue_seconds[s] == pytest.approx(1000 * p.mean_batch_items[s] / share)
            assert p.mean_batch_items[s] >= 1
    more = capacity_plan(
        spans_per_second=2 * spans + 1,
        logs_per_second=logs,
        metric_points_per_second=points,
        target_utilization=target,
        collector_cpu_cores=cores,
    )
    assert more.collectors >= p.collectors
    assert more.disk_bytes_per_day > p.disk_bytes_per_day


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"spans_per_second": -1}, "spans_per_second"),
        ({"logs_per_second": float("nan")}, "logs_per_second"),
        ({"metric_points_per_second": -0.5}, "metric_points_per_second"),
        ({"target_utilization": 0}, "target_utilization"),
        ({"target_utilization": 1.5}, "target_utilization"),
        ({"collector_cpu_cores": 0}, "collector_cpu_cores"),
        ({"min_collectors": 0}, "min_collectors"),
        ({"exporters": 0}, "exporters"),
        ({"send_batch_size": 0}, "send_batch_size"),
        ({"batch_timeout": -1}, "batch_timeout"),
        ({"queue_size": 0}, "queue_size"),
        ({"retention_days": -1}, "retention_days"),
        ({"replication": 0}, "replication"),
        ({"max_message_bytes": 0}, "max_message_bytes"),
    ],
)
def test_capacity_plan_rejects_bad_values(kwargs, name):
    with pytest.raises(ValueError, match=name):
        capacity_plan(**kwargs)


def test_bad_types_and_values_elsewhere():
    with pytest.raises(TypeError, match="spans_per_second"):
        capacity_plan(spans_per_second="10")
    with pytest.raises(TypeError, match="profile"):
        capacity_plan(profile={"spans": 1})
    with pytest.raises(TypeError, match="replication"):
        capacity_plan(replication=1.5)
    with pytest.raises(ValueError, match="compression_ratio"):
        SignalProfile(100.0, 0.5, 1e-5, 300.0)
    with pytest.raises(ValueError, match="bytes_per_item"):
        SignalProfile(-1.0, 2.0, 1e-5, 300.0)
    with pytest.raises(TypeError, match="spans"):
        CostProfile(spans=3)
    with pytest.raises(ValueError, match="spike_limit_mib"):
        memory_limiter_settings(100, spike_limit_mib=100)
    with pytest.raises(ValueError, match="limit_mib"):
        memory_limiter_settings(-5)
    with pytest.raises(ValueError, match="signal"):
        encoded_sizes(b"", "profiles")
    with pytest.raises(TypeError, match="request"):
        encoded_sizes("abc", "traces")
    with pytest.raises(ValueError, match="compresslevel"):
        encoded_sizes(b"", "traces", compresslevel=10)
    with pytest.raises(ValueError, match="items"):
        synthetic_request("traces", -1)
    with pytest.raises(ValueError, match="signal"):
        synthetic_request("spans", 1)
    with pytest.raises(ValueError, match="items_per_trace"):
        synthetic_request("traces", 5, items_per_trace=0)
    with pytest.raises(ValueError, match="not a valid OTLP/protobuf traces request"):
        encoded_sizes(b"\xff\xff\xff", "traces")
    with pytest.raises(TypeError, match="value"):
        varint_size(1.5)
    with pytest.raises(TypeError, match="value"):
        any_value_size(object())
    with pytest.raises(TypeError, match="span"):
        span_size({"name": "x"})
    with pytest.raises(TypeError, match="attribute keys"):
        attributes_size({1: "x"})
    with pytest.raises(TypeError, match="value"):
        number_point_size(True)


def test_span_size_status_flag():
    s = Span("ab" * 16, "cd" * 8, "", "x", 1, 1, 2, 0, "", "svc")
    assert span_size(s) - span_size(s, status=False) == 2  # empty Status: tag + zero length
    err = Span("ab" * 16, "cd" * 8, "", "x", 1, 1, 2, 2, "boom", "svc")
    assert span_size(err, status=False) == span_size(err)  # a set status is always written
