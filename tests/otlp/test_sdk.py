"""Traces produced by the real OpenTelemetry Python SDK, read back by otlpkb.otlp.

External check: the SDK (opentelemetry-sdk) records spans; its OTLP/HTTP exporter
(opentelemetry-exporter-otlp-proto-http) POSTs them, plain and gzip-compressed, to a tiny
http.server on 127.0.0.1 (ephemeral port). The captured request bodies are read with
``read_traces`` as protobuf, as a Collector-style length-prefixed file, and as OTLP/JSON
produced by an independent encoder (google.protobuf.json_format + the OTLP hex-id fix),
then compared field by field with the SDK's own ReadableSpan objects captured in the same
run by an InMemorySpanExporter.
"""

from __future__ import annotations

import base64
import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from google.protobuf import json_format
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

from otlpkb.otlp import read_traces
from otlpkb.tracing.traces import assemble_traces, critical_path


class _Capture(BaseHTTPRequestHandler):
    bodies: list[tuple[str, bytes]]

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        self.server.bodies.append(
            (self.headers.get("Content-Encoding", ""), self.rfile.read(length))
        )
        reply = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def sdk_run():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Capture)
    server.bodies = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}/v1/traces"
    memory = InMemorySpanExporter()
    provider = TracerProvider(
        resource=Resource.create({"service.name": "checkout", "deployment.environment": "test"})
    )
    provider.add_span_processor(SimpleSpanProcessor(memory))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    provider.add_span_processor(
        BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint, compression=Compression.Gzip))
    )
    tracer = provider.get_tracer("otlpkb.tests", "0.1")
    t0 = 1_700_000_000_000_000_000
    try:
        for order in range(3):
            with tracer.start_as_current_span(
                "GET /cart", kind=SpanKind.SERVER, start_time=t0
            ) as root:
                root.set_attribute("http.request.method", "GET")
                root.set_attribute("order", order)
                root.set_attribute("ratio", 0.25)
                root.set_attribute("tags", ["a", "b"])
                root.set_attribute("flags", [True, False])
                root.add_event("cache.miss", {"key": "cart:42"}, timestamp=t0 + 1_000)
                auth = tracer.start_span("auth", kind=SpanKind.CLIENT, start_time=t0 + 1_000_000)
                auth.end(end_time=t0 + 4_000_000)
                db = tracer.start_span(
                    "SELECT cart",
                    kind=SpanKind.CLIENT,
                    start_time=t0 + 2_000_000,
                    links=[Link(auth.get_span_context(), {"why": "follows"})],
                )
                db.set_status(Status(StatusCode.ERROR, "timeout"))
                db.end(end_time=t0 + 9_000_000)
                with tracer.start_as_current_span("render", start_time=t0 + 9_500_000) as r:
                    r.set_attribute("bytes", 1234)
                    r.end(end_time=t0 + 9_800_000)
            t0 += 10**9
        with tracer.start_as_current_span("consume", kind=SpanKind.CONSUMER):
            tracer.start_span("produce", kind=SpanKind.PRODUCER).end()
        provider.force_flush()
    finally:
        provider.shutdown()
        server.shutdown()
        server.server_close()
    return memory.get_finished_spans(), list(server.bodies)


def expected(readable):
    out = []
    for s in readable:
        out.append(
            {
                "trace_id": f"{s.context.trace_id:032x}",
                "span_id": f"{s.context.span_id:016x}",
                "parent_span_id": f"{s.parent.span_id:016x}" if s.parent else "",
                "name": s.name,
                "kind": s.kind.value + 1,  # Python's SpanKind starts at INTERNAL=0; OTLP at 1
                "start": s.start_time,
                "end": s.end_time,
                "status_code": s.status.status_code.value,
                "status_message": s.status.description or "",
                "attributes": {
                    k: list(v) if isinstance(v, tuple) else v for k, v in s.attributes.items()
                },
                "resource": dict(s.resource.attributes),
                "events": [(e.timestamp, e.name, dict(e.attributes)) for e in s.events],
                "links": [
                    (
                        f"{ln.context.trace_id:032x}",
                        f"{ln.context.span_id:016x}",
                        dict(ln.attributes),
                    )
                    for ln in s.links
                ],
                "scope": (s.instrumentation_scope.name, s.instrumentation_scope.version),
            }
        )
    return sorted(out, key=lambda d: d["span_id"])


def observed(table):
    out = []
    for s in table:
        out.append(
            {
                "trace_id": s.trace_id,
                "span_id": s.span_id,
                "parent_span_id": s.parent_span_id,
                "name": s.name,
                "kind": s.kind,
                "start": s.start_time_unix_nano,
                "end": s.end_time_unix_nano,
                "status_code": s.status_code,
                "status_message": s.status_message,
                "attributes": dict(s.attributes),
                "resource": dict(s.resource_attributes),
                "events": [(e.time_unix_nano, e.name, dict(e.attributes)) for e in s.events],
                "links": [(ln.trace_id, ln.span_id, dict(ln.attributes)) for ln in s.links],
                "scope": (s.scope_name, s.scope_version),
            }
        )
    return sorted(out, key=lambda d: d["span_id"])


def to_json(body: bytes) -> bytes:
    msg = trace_service_pb2.ExportTraceServiceRequest.FromString(body)
    doc = json_format.MessageToDict(msg, use_integers_for_enums=True)
    for rs in doc.get("resourceSpans", []):
        for ss in rs.get("scopeSpans", []):
            for sp in ss.get("spans", []):
                for key in ("traceId", "spanId", "parentSpanId"):
                    if key in sp:
                        sp[key] = base64.b64decode(sp[key]).hex()
                for ln in sp.get("links", []):
                    ln["traceId"] = base64.b64decode(ln["traceId"]).hex()
                    ln["spanId"] = base64.b64decode(ln["spanId"]).hex()
    return json.dumps(doc).encode()


def split(bodies):
    plain = [b for enc, b in bodies if enc == ""]
    zipped = [b for enc, b in bodies if enc == "gzip"]
    return plain, zipped


def test_sdk_protobuf_bodies_read_back_exactly(sdk_run):
    readable, bodies = sdk_run
    plain, zipped = split(bodies)
    assert plain and zipped
    want = expected(readable)
    assert len(want) == 14
    for group in (plain, zipped):  # gzip bodies are detected by their magic bytes
        spans = [s for body in group for s in read_traces(body)]
        assert observed(spans) == want
    assert all(gzip.decompress(z)[:1] == b"\n" for z in zipped)


def test_sdk_file_exporter_shapes_read_back_exactly(sdk_run, tmp_path):
    readable, bodies = sdk_run
    plain, _ = split(bodies)
    want = expected(readable)
    framed = tmp_path / "traces.binpb"
    framed.write_bytes(b"".join(len(b).to_bytes(4, "big") + b for b in plain))
    assert observed(read_traces(framed)) == want
    jsonl = tmp_path / "traces.jsonl"
    jsonl.write_bytes(b"".join(to_json(b) + b"\n" for b in plain))
    assert observed(read_traces(jsonl)) == want
    gz = tmp_path / "traces.jsonl.gz"
    gz.write_bytes(gzip.compress(jsonl.read_bytes()))
    assert observed(read_traces(gz, format="jsonl")) == want


def test_sdk_traces_assemble_and_critical_path(sdk_run):
    _, bodies = sdk_run
    plain, _ = split(bodies)
    spans = [s for body in plain for s in read_traces(body)]
    traces = assemble_traces(spans)
    assert len(traces) == 4
    carts = [t for t in traces.values() if t.root and t.root.name == "GET /cart"]
    assert len(carts) == 3 and all(t.is_complete for t in carts)
    for trace in carts:
        names = {s.span_id: s.name for s in trace.spans}
        start = trace.root.start_time_unix_nano
        path = [
            (names[seg.span_id], seg.start - start, seg.end - start) for seg in critical_path(trace)
        ]
        # auth [1, 4] ms overlaps the later-finishing query [2, 9] ms: it is off the path
        tail = [p for p in path if p[0] != "GET /cart"]
        assert tail == [("SELECT cart", 2_000_000, 9_000_000), ("render", 9_500_000, 9_800_000)]
        assert path[0] == ("GET /cart", 0, 2_000_000)
