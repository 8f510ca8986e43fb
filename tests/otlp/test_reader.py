"""Tests of the OTLP trace readers (otlpkb.otlp.read_traces / iter_trace_batches).

External checks:
* the real OTLP/JSON files shipped in otlpkb.datasets (opentelemetry-proto examples/trace.json,
  Jaeger fixtures), with expected values read from the files by eye and written below;
* round trips against an independent encoder: opentelemetry-proto messages serialised by
  protobuf (binary) and by google.protobuf.json_format plus the OTLP hex-id fix (JSON),
  compared field by field with the message that produced them.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import io
import json
import random
import tracemalloc

import pytest
from google.protobuf import json_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

from kbtest import SCALE
from otlp_files import recode_ids
from otlpkb import datasets
from otlpkb.otlp import (
    OTLPDecodeError,
    Span,
    SpanTable,
    iter_trace_batches,
    read_traces,
)

# ------------------------------------------------------------------ independent encoders


def to_json_dict(msg) -> dict:
    """OTLP/JSON via json_format plus the hex fix (json_format writes ids as base64)."""
    doc = json_format.MessageToDict(msg, use_integers_for_enums=True)
    recode_ids(doc, lambda b64_id: base64.b64decode(b64_id).hex())
    return doc


def to_json(msg) -> bytes:
    return json.dumps(to_json_dict(msg)).encode()


def py_value(v: common_pb2.AnyValue):
    which = v.WhichOneof("value")
    if which is None:
        return None
    if which == "array_value":
        return [py_value(x) for x in v.array_value.values]
    if which == "kvlist_value":
        return {kv.key: py_value(kv.value) for kv in v.kvlist_value.values}
    return getattr(v, which)


def expected_spans(msg) -> list[tuple]:
    """What every span of ``msg`` must read back as (from the message, not from our code)."""
    out = []
    for rs in msg.resource_spans:
        res = {kv.key: py_value(kv.value) for kv in rs.resource.attributes}
        for ss in rs.scope_spans:
            for sp in ss.spans:
                out.append(
                    (
                        sp.trace_id.hex(),
                        sp.span_id.hex(),
                        sp.parent_span_id.hex(),
                        sp.name,
                        sp.kind,
                        sp.start_time_unix_nano,
                        sp.end_time_unix_nano,
                        sp.status.code,
                        sp.status.message,
                        res.get("service.name", "")
                        if isinstance(res.get("service.name", ""), str)
                        else "",
                        {kv.key: py_value(kv.value) for kv in sp.attributes},
                        res,
                        [
                            (
                                e.time_unix_nano,
                                e.name,
                                {kv.key: py_value(kv.value) for kv in e.attributes},
                            )
                            for e in sp.events
                        ],
                        [
                            (
                                ln.trace_id.hex(),
                                ln.span_id.hex(),
                                ln.trace_state,
                                ln.flags,
                                {kv.key: py_value(kv.value) for kv in ln.attributes},
                            )
                            for ln in sp.links
                        ],
                        sp.trace_state,
                        sp.flags,
                        ss.scope.name,
                        ss.scope.version,
                    )
                )
    return out


def as_tuples(table: SpanTable) -> list[tuple]:
    return [
        (
            s.trace_id,
            s.span_id,
            s.parent_span_id,
            s.name,
            s.kind,
            s.start_time_unix_nano,
            s.end_time_unix_nano,
            s.status_code,
            s.status_message,
            s.service_name,
            dict(s.attributes),
            dict(s.resource_attributes),
            [(e.time_unix_nano, e.name, dict(e.attributes)) for e in s.events],
            [
                (ln.trace_id, ln.span_id, ln.trace_state, ln.flags, dict(ln.attributes))
                for ln in s.links
            ],
            s.trace_state,
            s.flags,
            s.scope_name,
            s.scope_version,
        )
        for s in table
    ]


def framed(*payloads: bytes) -> bytes:
    return b"".join(len(p).to_bytes(4, "big") + p for p in payloads)


# ------------------------------------------------------------------ random messages

ids16 = st.binary(min_size=16, max_size=16).filter(any)
ids8 = st.binary(min_size=8, max_size=8).filter(any)
u64 = st.integers(0, 2**64 - 1)
scalars = st.one_of(
    st.text(max_size=8).map(lambda s: ("string_value", s)),
    st.booleans().map(lambda b: ("bool_value", b)),
    st.integers(-(2**63), 2**63 - 1).map(lambda i: ("int_value", i)),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda f: ("double_value", f)),
    st.binary(max_size=6).map(lambda b: ("bytes_value", b)),
)


def set_value(target: common_pb2.AnyValue, spec) -> None:
    kind, value = spec
    if kind == "array_value":
        target.array_value.SetInParent()
        for item in value:
            set_value(target.array_value.values.add(), item)
    elif kind == "kvlist_value":
        target.kvlist_value.SetInParent()
        for key, item in value:
            kv = target.kvlist_value.values.add()
            kv.key = key
            set_value(kv.value, item)
    else:
        setattr(target, kind, value)


values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda v: ("array_value", v)),
        st.lists(st.tuples(st.text(max_size=4), inner), max_size=3, unique_by=lambda kv: kv[0]).map(
            lambda v: ("kvlist_value", v)
        ),
    ),
    max_leaves=6,
)
attr_lists = st.lists(
    st.tuples(st.text(max_size=6), values), max_size=4, unique_by=lambda kv: kv[0]
)


def add_attrs(container, attrs) -> None:
    for key, spec in attrs:
        kv = container.add()
        kv.key = key
        set_value(kv.value, spec)


@st.composite
def traces_data(draw):
    msg = trace_service_pb2.ExportTraceServiceRequest()
    for _ in range(draw(st.integers(0, 3))):
        rs = msg.resource_spans.add()
        if draw(st.booleans()):
            kv = rs.resource.attributes.add()
            kv.key = "service.name"
            kv.value.string_value = draw(st.text(max_size=10))
        add_attrs(
            rs.resource.attributes,
            draw(attr_lists.filter(lambda a: all(k != "service.name" for k, _ in a))),
        )
        for _ in range(draw(st.integers(0, 2))):
            ss = rs.scope_spans.add()
            ss.scope.name = draw(st.text(max_size=6))
            ss.scope.version = draw(st.text(max_size=4))
            for _ in range(draw(st.integers(0, 4))):
                sp = ss.spans.add()
                sp.trace_id = draw(ids16)
                sp.span_id = draw(ids8)
                if draw(st.booleans()):
                    sp.parent_span_id = draw(ids8)
                sp.name = draw(st.text(max_size=10))
                sp.kind = draw(st.integers(0, 5))
                sp.start_time_unix_nano = draw(u64)
                sp.end_time_unix_nano = draw(u64)
                sp.trace_state = draw(st.sampled_from(["", "rojo=1", "ot=th:c"]))
                sp.flags = draw(st.integers(0, 2**32 - 1))
                sp.status.code = draw(st.integers(0, 2))
                sp.status.message = draw(st.text(max_size=5))
                add_attrs(sp.attributes, draw(attr_lists))
                for _ in range(draw(st.integers(0, 2))):
                    ev = sp.events.add()
                    ev.time_unix_nano = draw(u64)
                    ev.name = draw(st.text(max_size=5))
                    add_attrs(ev.attributes, draw(attr_lists))
                for _ in range(draw(st.integers(0, 2))):
                    ln = sp.links.add()
                    ln.trace_id = draw(ids16)
                    ln.span_id = draw(ids8)
                    ln.flags = draw(st.integers(0, 2**32 - 1))
                    add_attrs(ln.attributes, draw(attr_lists))
    return msg


# ------------------------------------------------------------------ real files


def test_proto_example_trace_json():
    """opentelemetry-proto examples/trace.json: values read from the file."""
    (span,) = read_traces(datasets.path("otlp/proto-examples/trace.json"))
    assert span.trace_id == "5b8efff798038103d269b633813fc60c"  # uppercase hex in the file
    assert span.span_id == "eee19b7ec3c1b174"
    assert span.parent_span_id == "eee19b7ec3c1b173"
    assert span.name == "I'm a server span"
    assert span.kind == 2
    assert span.start_time_unix_nano == 1544712660000000000
    assert span.end_time_unix_nano == 1544712661000000000
    assert span.service_name == "my.service"
    assert span.attributes == {"my.span.attr": "some value"}
    assert span.scope_name == "my.library" and span.scope_version == "1.0.0"


def test_jaeger_otel_traces_01():
    """Jaeger fixture otel_traces_01.json: traceState, flags, bytes/int/double attributes."""
    table = read_traces(datasets.path("otlp/jaeger/otel_traces_01.json"))
    assert len(table) == 4
    first = table[0]
    assert first.trace_id == "00000000000000010000000000000000"
    assert first.trace_state == "state.2" and first.flags == 1
    assert first.attributes["peer.ipv4"] == 23456
    assert first.attributes["blob"] == base64.b64decode("AAAwOQ==")
    assert first.attributes["temperature"] == 72.5
    assert [e.name for e in first.events] == ["testing-event", ""]
    assert [s.kind for s in table] == [2, 3, 4, 5]


@pytest.mark.parametrize(
    ("name", "spans", "traces"),
    [
        ("otlp/jaeger/example_trace.json", 5, 1),
        ("otlp/jaeger/link_attributes_trace.json", 1, 1),
        ("otlp/jaeger/otel_traces_01.json", 4, 2),
        ("otlp/proto-examples/trace.json", 1, 1),
    ],
)
def test_real_files_json_protobuf_and_jsonl_agree(name, spans, traces, tmp_path):
    path = datasets.path(name)
    table = read_traces(path)
    assert len(table) == spans and len(set(table.column("trace_id"))) == traces
    # the same document through json_format (+hex fix) -> protobuf -> our protobuf reader
    doc = json.loads(path.read_text())
    for rs in doc["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for sp in ss["spans"]:
                for key in ("traceId", "spanId", "parentSpanId"):
                    if key in sp:
                        sp[key] = base64.b64encode(bytes.fromhex(sp[key])).decode()
                for ln in sp.get("links", []):
                    for key in ("traceId", "spanId"):
                        ln[key] = base64.b64encode(bytes.fromhex(ln[key])).decode()
    msg = json_format.ParseDict(doc, trace_pb2.TracesData())
    binary = msg.SerializeToString()
    assert read_traces(binary) == table
    assert read_traces(binary, format="protobuf") == table
    assert read_traces(gzip.compress(binary)) == table
    jsonl = tmp_path / "spans.jsonl"
    jsonl.write_bytes(json.dumps(json.loads(path.read_text())).encode() + b"\n")
    assert read_traces(jsonl) == table


def test_legacy_metrics_file_is_rejected_not_empty():
    with pytest.raises(OTLPDecodeError, match="metrics document") as info:
        read_traces(datasets.path("otlp/legacy/k8s-metrics.legacy.json"))
    assert "k8s-metrics.legacy.json" in str(info.value)


# ------------------------------------------------------------------ round trips


@settings(
    max_examples=30 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(traces_data())
def test_roundtrip_every_encoding(msg):
    expected = expected_spans(msg)
    binary = msg.SerializeToString()
    text = to_json(msg)
    assert as_tuples(read_traces(binary, format="protobuf")) == expected
    assert as_tuples(read_traces(text, format="json")) == expected
    pretty = json.dumps(to_json_dict(msg), indent=2).encode()
    assert as_tuples(read_traces(pretty)) == expected
    lines = text + b"\n" + text + b"\n"
    assert as_tuples(read_traces(lines, format="jsonl")) == expected * 2
    assert as_tuples(read_traces(gzip.compress(lines))) == expected * 2
    stream = framed(binary, text, binary)
    assert as_tuples(read_traces(io.BytesIO(stream), format="protobuf-stream")) == expected * 3


def test_auto_detection_and_sources(tmp_path):
    msg = trace_pb2.TracesData()
    sp = msg.resource_spans.add().scope_spans.add().spans.add()
    sp.trace_id, sp.span_id, sp.name = bytes(range(1, 17)), bytes(range(1, 9)), "x"
    binary = msg.SerializeToString()
    text = to_json(msg)
    expect = [("0102030405060708090a0b0c0d0e0f10", "0102030405060708", "x")]
    cases = {
        "binary": binary,
        "json": text,
        "jsonl": text + b"\n" + text,
        "framed": framed(binary, binary),
        "gz": gzip.compress(text),
    }
    for label, data in cases.items():
        table = read_traces(data)
        n = 2 if label in ("jsonl", "framed") else 1
        assert [(s.trace_id, s.span_id, s.name) for s in table] == expect * n, label
        path = tmp_path / f"f.{label}"
        path.write_bytes(data)
        assert read_traces(path) == table
        assert read_traces(str(path)) == table
        with open(path, "rb") as handle:
            assert read_traces(handle) == table
        assert read_traces(bytearray(data)) == table
        assert read_traces(memoryview(data)) == table


def test_snake_case_enum_names_and_numbers():
    base = {"traceId": "01" * 16, "spanId": "02" * 8}
    ok = {
        **base,
        "kind": "3",
        "startTimeUnixNano": 5,
        "endTimeUnixNano": "7",
        "flags": 1.0,
        "unknownField": {"ignored": True},
    }
    (span,) = read_traces(
        json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [ok]}]}]}).encode()
    )
    assert (span.kind, span.start_time_unix_nano, span.end_time_unix_nano) == (3, 5, 7)


# ------------------------------------------------------------------ bad input


def doc_with(span: dict, **extra) -> bytes:
    return json.dumps(
        {"resourceSpans": [{"scopeSpans": [{"spans": [{"spanId": "02" * 8, **span}]}], **extra}]}
    ).encode()


GOOD_TRACE = "5b8efff798038103d269b633813fc60c"
BAD_JSON = [
    (
        doc_with({"traceId": base64.b64encode(bytes(range(1, 17))).decode()}),
        "traceId",
        "32 hex digits",
    ),
    (doc_with({"traceId": "zz" * 16}), "traceId", "not hex"),
    (doc_with({"traceId": GOOD_TRACE[:30]}), "traceId", "got 30 characters"),
    (doc_with({"traceId": 5}), "traceId", "expected a hex string"),
    (
        doc_with({"trace_id": GOOD_TRACE, "traceId": GOOD_TRACE}),
        "resourceSpans[0].scopeSpans[0].spans[0]",
        "'trace_id' repeats the field 'traceId'",
    ),
    (doc_with({"traceId": GOOD_TRACE, "kind": "SPAN_KIND_SERVER"}), "kind", "enum names"),
    (
        doc_with({"traceId": GOOD_TRACE, "startTimeUnixNano": "-1"}),
        "startTimeUnixNano",
        "out of range",
    ),
    (
        doc_with({"traceId": GOOD_TRACE, "startTimeUnixNano": "12x"}),
        "startTimeUnixNano",
        "expected an integer",
    ),
    (
        doc_with({"traceId": GOOD_TRACE, "endTimeUnixNano": str(2**64)}),
        "endTimeUnixNano",
        "out of range",
    ),
    (doc_with({"traceId": GOOD_TRACE, "name": ["x"]}), "name", "expected a string"),
    (
        doc_with({"traceId": GOOD_TRACE, "attributes": {"k": "v"}}),
        "attributes",
        "expected an array",
    ),
    (
        doc_with(
            {"traceId": GOOD_TRACE, "attributes": [{"key": "k", "value": {"boolValue": "yes"}}]}
        ),
        "attributes[0].value.boolValue",
        "true or false",
    ),
    (
        doc_with(
            {"traceId": GOOD_TRACE, "attributes": [{"key": "k", "value": {"bytesValue": "%%%"}}]}
        ),
        "bytesValue",
        "not base64",
    ),
    (
        doc_with({"traceId": GOOD_TRACE, "links": [{"traceId": GOOD_TRACE, "spanId": "xyz"}]}),
        "links[0].spanId",
        "16 hex digits",
    ),
    (
        doc_with({"traceId": GOOD_TRACE, "status": {"code": "STATUS_CODE_ERROR"}}),
        "status.code",
        "enum names",
    ),
    (
        doc_with({"traceId": GOOD_TRACE}, instrumentationLibrarySpans=[]),
        "instrumentationLibrarySpans",
        "opentelemetry-proto 0.15.0",
    ),
    (b'{"resource_spans": [], "resourceSpans": []}', "resourceSpans", "repeats the field"),
    (json.dumps({"resourceSpans": {}}).encode(), "resourceSpans", "expected an array"),
    (json.dumps({"hello": 1}).encode(), "(document)", "no resourceSpans"),
    (json.dumps([1, 2]).encode(), "(document)", "expected a JSON object"),
]


@pytest.mark.parametrize(("data", "path_part", "reason"), BAD_JSON)
def test_bad_json_names_file_path_and_reason(data, path_part, reason, tmp_path):
    target = tmp_path / "bad.json"
    target.write_bytes(data)
    with pytest.raises(OTLPDecodeError) as info:
        read_traces(target)
    message = str(info.value)
    assert str(target) in message
    assert path_part in (info.value.json_path or "")
    assert reason in message
    assert isinstance(info.value, ValueError)


def test_error_path_is_exact():
    doc = {
        "resourceSpans": [
            {"scopeSpans": [{"spans": []}]},
            {
                "scopeSpans": [
                    {"spans": []},
                    {
                        "spans": [{"traceId": GOOD_TRACE, "spanId": "02" * 8}] * 3
                        + [{"traceId": "nothex", "spanId": "02" * 8}]
                    },
                ]
            },
        ]
    }
    with pytest.raises(OTLPDecodeError) as info:
        read_traces(json.dumps(doc).encode())
    assert info.value.json_path == "resourceSpans[1].scopeSpans[1].spans[3].traceId"
    assert info.value.source == "<bytes>"


def test_malformed_json_reports_line_and_column():
    with pytest.raises(OTLPDecodeError, match="malformed JSON") as info:
        read_traces(b'{\n  "resourceSpans": [\n    {,}\n  ]\n}')
    assert info.value.line == 3 and info.value.column == 6


def test_jsonl_error_reports_file_line_and_offset():
    good = doc_with({"traceId": GOOD_TRACE})
    data = good + b"\n\n" + good + b"\n" + doc_with({"traceId": "x"}) + b"\n"
    with pytest.raises(OTLPDecodeError) as info:
        read_traces(data)
    assert info.value.line == 4
    assert info.value.byte_offset == 2 * len(good) + 3
    assert info.value.json_path.endswith("spans[0].traceId")
    with pytest.raises(OTLPDecodeError, match="line 2") as info:
        read_traces(good + b"\n{oops\n", format="jsonl")


def test_bad_protobuf():
    msg = trace_pb2.TracesData()
    sp = msg.resource_spans.add().scope_spans.add().spans.add()
    sp.trace_id, sp.span_id = bytes(range(1, 17)), bytes(range(1, 9))
    good = msg.SerializeToString()
    with pytest.raises(OTLPDecodeError, match="not a valid OTLP/protobuf"):
        read_traces(good[:-3], format="protobuf")
    sp.trace_id = b"\x01\x02"
    with pytest.raises(OTLPDecodeError, match="must be 16 bytes, got 2") as info:
        read_traces(msg.SerializeToString())
    assert info.value.json_path == "resourceSpans[0].scopeSpans[0].spans[0].traceId"
    with pytest.raises(OTLPDecodeError, match="truncated frame: the length prefix says"):
        read_traces(framed(good)[:-1], format="protobuf-stream")
    with pytest.raises(OTLPDecodeError, match="truncated frame header") as info:
        read_traces(framed(good) + b"\x00\x00", format="protobuf-stream")
    assert info.value.byte_offset == len(good) + 4


def test_legacy_protobuf_field_1000_is_rejected():
    # ResourceSpans { instrumentation_library_spans (field 1000) = {} }: tag 1000<<3|2 = c2 3e
    resource_spans = b"\xc2\x3e\x00"
    data = b"\x0a" + bytes([len(resource_spans)]) + resource_spans
    with pytest.raises(OTLPDecodeError, match="field 1000"):
        read_traces(data, format="protobuf")


def test_corrupt_gzip_and_empty_input():
    data = gzip.compress(doc_with({"traceId": GOOD_TRACE}))
    with pytest.raises(OTLPDecodeError, match="gzip"):
        read_traces(data[:-10])
    with pytest.raises(OTLPDecodeError, match="empty input"):
        read_traces(b"")
    with pytest.raises(OTLPDecodeError, match="empty input"):
        read_traces(b"  \n", format="json")
    assert len(read_traces(b"", format="jsonl")) == 0
    assert len(read_traces(b"", format="protobuf")) == 0


def test_argument_errors():
    with pytest.raises(ValueError, match="format must be one of"):
        read_traces(b"{}", format="yaml")
    with pytest.raises(TypeError, match="source must be"):
        read_traces(12)
    with pytest.raises(TypeError, match="source must be"):
        iter_trace_batches(12)
    with pytest.raises(ValueError, match="batch_size"):
        iter_trace_batches(b"{}", batch_size=0)
    with pytest.raises(TypeError, match="binary mode"):
        read_traces(io.StringIO("{}"))


# ------------------------------------------------------------------ fuzz


@settings(max_examples=300 * SCALE, deadline=None)
@given(
    st.binary(max_size=200),
    st.sampled_from(["auto", "json", "jsonl", "protobuf", "protobuf-stream"]),
)
def test_fuzz_random_bytes_only_decode_errors(data, fmt):
    with contextlib.suppress(OTLPDecodeError):
        read_traces(data, format=fmt)


def _mutate(data: bytes, rnd: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rnd.randint(1, 4)):
        op = rnd.randint(0, 2)
        pos = rnd.randrange(len(buf) + 1)
        if op == 0 and buf:
            buf[min(pos, len(buf) - 1)] = rnd.randrange(256)
        elif op == 1:
            del buf[pos : pos + rnd.randint(1, 8)]
        else:
            buf[pos:pos] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 4)))
    return bytes(buf)


@settings(
    max_examples=20 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(traces_data(), st.integers(0, 2**32))
def test_fuzz_mutated_documents_only_decode_errors(msg, seed):
    rnd = random.Random(seed)
    for data in (
        msg.SerializeToString(),
        to_json(msg),
        gzip.compress(to_json(msg)),
        framed(msg.SerializeToString()),
    ):
        for _ in range(5):
            with contextlib.suppress(OTLPDecodeError):
                read_traces(_mutate(data, rnd))


@settings(max_examples=150 * SCALE, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "resourceSpans",
                        "scopeSpans",
                        "spans",
                        "traceId",
                        "spanId",
                        "attributes",
                        "key",
                        "value",
                        "stringValue",
                        "arrayValue",
                        "values",
                        "kvlistValue",
                        "events",
                        "links",
                        "status",
                        "code",
                        "resource",
                        "scope",
                        "name",
                        "kind",
                        "intValue",
                        "bytesValue",
                        "trace_id",
                        "parent_span_id",
                        "start_time_unix_nano",
                        "scope_spans",
                        "resource_spans",
                        "int_value",
                        "startTimeUnixNano",
                        "doubleValue",
                    ]
                ),
                inner,
                max_size=4,
            )
        ),
        max_leaves=25,
    )
)
def test_fuzz_json_shapes_only_decode_errors(doc):
    with contextlib.suppress(OTLPDecodeError):
        read_traces(json.dumps(doc).encode(), format="json")


def test_deep_nesting_is_a_decode_error():
    value = {"stringValue": "x"}
    for _ in range(200):
        value = {"arrayValue": {"values": [value]}}
    data = doc_with({"traceId": GOOD_TRACE, "attributes": [{"key": "k", "value": value}]})
    with pytest.raises(OTLPDecodeError, match="nested deeper"):
        read_traces(data)
    with pytest.raises(OTLPDecodeError, match="nested too deeply"):
        read_traces(b"[" * 100_000 + b"]" * 100_000, format="json")


# ------------------------------------------------------------------ streaming


def make_request(n_spans: int, seed: int) -> bytes:
    rnd = random.Random(seed)
    msg = trace_pb2.TracesData()
    ss = msg.resource_spans.add().scope_spans.add()
    for _ in range(n_spans):
        sp = ss.spans.add()
        sp.trace_id = rnd.randbytes(15) + b"\x01"
        sp.span_id = rnd.randbytes(7) + b"\x01"
        sp.name = "op"
        sp.start_time_unix_nano = rnd.randrange(2**62)
        kv = sp.attributes.add()
        kv.key, kv.value.string_value = "k", "v" * 40
    return msg.SerializeToString()


def _peak(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fmt", ["jsonl", "protobuf-stream"])
def test_streaming_memory_is_bounded(tmp_path, fmt):
    """Peak traced memory while streaming is a small fraction of reading the file whole."""
    units = 100 * SCALE
    path = tmp_path / "big"
    with open(path, "wb") as out:
        for i in range(units):
            binary = make_request(100, i)
            out.write(
                to_json(trace_pb2.TracesData.FromString(binary)) + b"\n"
                if fmt == "jsonl"
                else framed(binary)
            )
    seen = []

    def stream():
        for batch in iter_trace_batches(path, format=fmt, batch_size=200):
            assert len(batch) <= 200
            seen.append(len(batch))

    streaming = _peak(stream)
    whole = _peak(lambda: read_traces(path, format=fmt))
    assert sum(seen) == units * 100
    assert streaming < whole / 4, (streaming, whole)


def test_batches_concatenate_to_read_traces():
    data = b"\n".join(
        to_json(trace_pb2.TracesData.FromString(make_request(7, i))) for i in range(5)
    )
    whole = read_traces(data)
    batches = list(iter_trace_batches(data, batch_size=3))
    assert [len(b) for b in batches] == [3] * 11 + [2]
    assert SpanTable.concat(batches) == whole


def test_span_table_basics():
    t = "01" * 16
    a = Span(t, "01" * 8, "", "a", 2, 0, 10, 0)
    b = Span(t, "02" * 8, "01" * 8, "b", 3, 2, 5, 2)
    table = SpanTable.from_spans([a, b])
    assert list(table) == [a, b] and table[-1] == b and table[1:] == SpanTable.from_spans([b])
    assert table.take([1, 0]) == SpanTable.from_spans([b, a])
    import numpy as np

    assert table.take(np.array([False, True])) == SpanTable.from_spans([b])
    arrays = table.to_numpy()
    assert arrays["duration_nano"].tolist() == [10, 3]
    assert arrays["trace_id"].dtype.kind == "U"
    assert "2 spans, 1 traces" in repr(table)
    with pytest.raises(IndexError, match="out of range"):
        table[5]
    with pytest.raises(KeyError, match="no column"):
        table.column("nope")
    with pytest.raises(TypeError, match=r"spans\[0\]"):
        SpanTable.from_spans([1])
    with pytest.raises(ValueError, match="same length"):
        SpanTable({**{c: [] for c in a.__slots__}, "name": ["x"]})
    huge = Span(t, "03" * 8, "", "h", 0, 0, 2**64 - 1, 0)
    with pytest.raises(ValueError, match="end_time_unix_nano"):
        SpanTable.from_spans([huge]).to_numpy()


# ------------------------------------------------------------------ regressions


def test_frame_whose_first_resource_block_is_123_bytes_is_binary():
    # Issue 18.1: a binary frame starts with 0x0A (field 1); when the first ResourceSpans
    # is 123 bytes long the next byte is 0x7B, "{", and stripping whitespace made the
    # frame look like JSON. One span with an 89-character name, built with the
    # opentelemetry-proto classes, is exactly that case.
    msg = trace_pb2.TracesData()
    sp = msg.resource_spans.add().scope_spans.add().spans.add()
    sp.trace_id, sp.span_id, sp.name = bytes(range(1, 17)), bytes(range(1, 9)), "n" * 89
    binary = msg.SerializeToString()
    assert binary[:2] == b"\n{"  # the case: the first resource block is 123 bytes
    whole = read_traces(binary, format="protobuf")
    assert [s.name for s in whole] == ["n" * 89]
    for fmt in ("protobuf-stream", "auto"):
        assert read_traces(framed(binary, binary), format=fmt) == SpanTable.concat([whole] * 2)
    # a JSON frame keeps working, with or without leading blanks
    text = to_json(msg)
    assert read_traces(framed(b" \r\n" + text, binary), format="protobuf-stream") == (
        SpanTable.concat([whole] * 2)
    )


def _dup_scope_doc() -> bytes:
    span_text = json.dumps({"traceId": GOOD_TRACE, "spanId": "02" * 8})
    return (
        b'{"resourceSpans": [{"scopeSpans": [{"spans": ['
        + span_text.encode()
        + b'], "spans": []}]}]}'
    )


def test_duplicate_keys_are_errors_in_every_format():
    # Issue 9.9: "spans" twice in a scope kept the last (empty) array: 0 spans, no error.
    doc = _dup_scope_doc()
    repeated = b'{"resourceSpans": [], "resourceSpans": []}'
    cases = [
        (doc, "json", "resourceSpans[0].scopeSpans[0]"),
        (doc + b"\n" + doc, "jsonl", "resourceSpans[0].scopeSpans[0]"),
        (doc, "auto", "resourceSpans[0].scopeSpans[0]"),
        (framed(doc), "protobuf-stream", "resourceSpans[0].scopeSpans[0]"),
        (repeated + b"\n", "jsonl", "(document)"),
        (framed(repeated), "protobuf-stream", "(document)"),
        (repeated, "json", "resourceSpans"),
    ]
    for data, fmt, path in cases:
        with pytest.raises(OTLPDecodeError, match="duplicate key") as info:
            read_traces(data, format=fmt)
        assert (info.value.json_path or "") == path, (fmt, info.value)
    span = {"traceId": GOOD_TRACE, "spanId": "02" * 8, "name": "a"}
    text = json.dumps(span)[:-1] + ', "name": "b"}'
    with pytest.raises(OTLPDecodeError, match="duplicate key 'name'") as info:
        read_traces(b'{"resourceSpans": [{"scopeSpans": [{"spans": [' + text.encode() + b"]}]}]}")
    assert info.value.json_path == "resourceSpans[0].scopeSpans[0].spans[0]"


def test_snake_case_fields_are_read_not_dropped():
    # Issue 9.10: one policy, the Collector's (pdata/ptrace/json.go accepts both spellings).
    span = {
        "trace_id": GOOD_TRACE,
        "span_id": "02" * 8,
        "parent_span_id": "03" * 8,
        "start_time_unix_nano": "5",
        "end_time_unix_nano": 7,
        "dropped_attributes_count": 2,
        "attributes": [{"key": "k", "value": {"int_value": "4"}}],
    }
    doc = {"resource_spans": [{"scope_spans": [{"spans": [span]}]}]}
    for fmt in ("json", "jsonl"):
        (got,) = read_traces(json.dumps(doc).encode(), format=fmt)
        assert (got.parent_span_id, got.start_time_unix_nano, got.end_time_unix_nano) == (
            "03" * 8,
            5,
            7,
        )
        assert (got.dropped_attributes_count, dict(got.attributes)) == (2, {"k": 4})
    both = {**span, "parentSpanId": "03" * 8}
    with pytest.raises(OTLPDecodeError, match="'parent_span_id' repeats the field"):
        read_traces(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [both]}]}]}).encode())


def _one_span_doc(span_text: str) -> bytes:
    return ('{"resourceSpans": [{"scopeSpans": [{"spans": [' + span_text + "]}]}]}").encode()


SPAN_PATH = "resourceSpans[0].scopeSpans[0].spans[0]"
IDS = f'"traceId": "{GOOD_TRACE}", "spanId": "0202020202020202"'


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ('"attributes": [{"key": "k", "value": {"intValue": "--5"}}]', "attributes[0].value"),
        ('"attributes": [{"key": "k", "value": {"intValue": "' + "7" * 5000 + '"}}]', "attributes"),
        ('"startTimeUnixNano": "' + "1" * 4400 + '"', "startTimeUnixNano"),
        ('"startTimeUnixNano": "-"', "startTimeUnixNano"),
        ('"kind": "1e999999999"', "kind"),
        ('"startTimeUnixNano": "1.5"', "startTimeUnixNano"),
        ('"startTimeUnixNano": 1e400', "startTimeUnixNano"),
    ],
)
def test_every_integer_error_is_a_decode_error_with_its_path(fields, path):
    # Issue 9.11: "--5" passed an isdigit() check and int() raised a bare ValueError; so
    # did a decimal string longer than Python's 4,300-digit limit.
    for fmt in ("json", "jsonl"):
        with pytest.raises(OTLPDecodeError) as info:
            read_traces(_one_span_doc("{" + IDS + ", " + fields + "}"), format=fmt)
        assert info.value.json_path.startswith(f"{SPAN_PATH}.{path}"), info.value


def test_protojson_null_means_unset_and_integers_take_exponents():
    # Issue 9.13: null is "unset" for every field; int64 fields take quoted and unquoted
    # exponents (ProtoJSON), read exactly.
    nulls = (
        '"parentSpanId": null, "name": null, "kind": null, "status": null, '
        '"attributes": null, "events": null, "links": null, "traceState": null'
    )
    (span,) = read_traces(_one_span_doc("{" + IDS + ", " + nulls + "}"))
    assert (span.parent_span_id, span.name, span.kind, span.status_code) == ("", "", 0, 0)
    assert (dict(span.attributes), span.events, span.links, span.problems) == ({}, (), (), ())
    empty = (
        b'{"resourceSpans": [{"resource": null, "scopeSpans": [{"scope": null, "spans": null}]}]}'
    )
    assert len(read_traces(empty)) == 0
    assert len(read_traces(b'{"resourceSpans": null}')) == 0
    times = (
        '"startTimeUnixNano": "1e3", "endTimeUnixNano": 1.5E3, '
        '"attributes": [{"key": "n", "value": {"intValue": "-2.5e1"}}, '
        '{"key": "d", "value": {"doubleValue": 0.1}}]'
    )
    (span,) = read_traces(_one_span_doc("{" + IDS + ", " + times + "}"))
    assert (span.start_time_unix_nano, span.end_time_unix_nano) == (1000, 1500)
    assert dict(span.attributes) == {"n": -25, "d": 0.1}
    assert span.problems == ()


def test_invalid_span_context_is_kept_flagged_and_counted_unless_strict():
    # Issue 9.13: one span with an empty id must not fail the whole file.
    good = "{" + IDS + ', "startTimeUnixNano": 1, "endTimeUnixNano": 2}'
    cases = {
        '{"traceId": "", "spanId": "0202020202020202"}': ("traceId", "is empty"),
        '{"traceId": "' + GOOD_TRACE + '", "spanId": ""}': ("spanId", "is empty"),
        '{"spanId": "0202020202020202"}': ("traceId", "is empty"),
        '{"traceId": "' + "0" * 32 + '", "spanId": "0202020202020202"}': ("traceId", "all zeros"),
        "{" + IDS + ', "startTimeUnixNano": 9, "endTimeUnixNano": 3}': (
            "endTimeUnixNano",
            "before the start",
        ),
        "{" + IDS + ', "startTimeUnixNano": 1.7000000001234567e18}': (
            "startTimeUnixNano",
            "floating-point",
        ),
        "{" + IDS + ', "endTimeUnixNano": "1700000000123456789.0"}': (
            "endTimeUnixNano",
            "floating-point",
        ),
    }
    for text, (field, reason) in cases.items():
        table = read_traces(_one_span_doc(good + ", " + text))
        assert len(table) == 2 and table.invalid_count == 1, text
        assert table[0].problems == ()
        (problem,) = [p for p in table[1].problems if p.startswith(field)]
        assert reason in problem, (text, problem)
        with pytest.raises(OTLPDecodeError, match=reason) as info:
            read_traces(_one_span_doc(good + ", " + text), strict=True)
        assert info.value.json_path == f"resourceSpans[0].scopeSpans[0].spans[1].{field}"
    exact = read_traces(_one_span_doc("{" + IDS + ', "startTimeUnixNano": 1.7000000001234567e18}'))
    assert exact[0].start_time_unix_nano == 1_700_000_000_123_456_700
    # the same in binary: ids of length zero and an end before the start
    msg = trace_pb2.TracesData()
    spans = msg.resource_spans.add().scope_spans.add().spans
    ok = spans.add(trace_id=bytes(range(1, 17)), span_id=bytes(range(1, 9)))
    spans.add(trace_id=ok.trace_id, start_time_unix_nano=5, end_time_unix_nano=4)
    table = read_traces(msg.SerializeToString())
    assert table.invalid_count == 1 and len(table[1].problems) == 2
    with pytest.raises(OTLPDecodeError, match=r"spans\[1\]\.spanId: is empty"):
        read_traces(msg.SerializeToString(), strict=True)


@pytest.mark.parametrize("bad", ["{}", "0", "false", '""', '{"k": "v"}'])
@pytest.mark.parametrize("field", ["attributes", "events", "links"])
def test_a_repeated_field_must_be_an_array(bad, field):
    # Issue 9.13: a falsy non-array ({}, 0, false, "") passed as empty.
    with pytest.raises(OTLPDecodeError, match="expected an array") as info:
        read_traces(_one_span_doc("{" + IDS + f', "{field}": {bad}' + "}"))
    assert info.value.json_path == f"{SPAN_PATH}.{field}"


# ------------------------------------------------------------------ fuzz: the issue-9 classes

_NUMBERISH = st.from_regex(r"\A[-+]{0,2}[0-9]{0,30}(\.[0-9]{0,3})?([eE][-+]?[0-9]{0,12})?\Z")


@settings(max_examples=200 * SCALE, deadline=None)
@given(_NUMBERISH | st.text(max_size=8) | st.integers(-(2**70), 2**70), st.booleans())
def test_fuzz_integer_fields_only_decode_errors(value, quoted):
    text = json.dumps(str(value)) if quoted or not isinstance(value, int) else str(value)
    attribute = f'{{"key": "k", "value": {{"intValue": {text}}}}}'
    fields = f'"startTimeUnixNano": {text}, "attributes": [{attribute}]'
    try:
        (span,) = read_traces(_one_span_doc("{" + IDS + ", " + fields + "}"))
    except OTLPDecodeError as exc:
        assert exc.json_path and exc.json_path.startswith(SPAN_PATH), exc
    else:
        assert span.start_time_unix_nano == span.attributes["k"] or span.attributes["k"] < 0


def _dump_repeating(value, target) -> str:
    """JSON text of ``value`` in which the object ``target`` gives its first key twice."""
    if isinstance(value, dict):
        items = list(value.items())
        if value is target:
            items.append(items[0])
        inner = ", ".join(f"{json.dumps(k)}: {_dump_repeating(v, target)}" for k, v in items)
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_dump_repeating(v, target) for v in value) + "]"
    return json.dumps(value)


def _objects(value):
    if isinstance(value, dict):
        if value:
            yield value
        for v in value.values():
            yield from _objects(v)
    elif isinstance(value, list):
        for v in value:
            yield from _objects(v)


@settings(max_examples=60 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(traces_data(), st.data())
def test_fuzz_a_repeated_key_is_always_found(msg, data):
    doc = {"resourceSpans": [], **to_json_dict(msg)}
    target = data.draw(st.sampled_from(list(_objects(doc))))
    text = _dump_repeating(doc, target).encode()
    for fmt in ("json", "jsonl", "protobuf-stream"):
        source = framed(text) if fmt == "protobuf-stream" else text
        with pytest.raises(OTLPDecodeError, match=r"duplicate key|repeats the field"):
            read_traces(source, format=fmt)


# ------------------------------------------------------------------ format="auto" detection


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (bytes(8), "8 zero bytes"),
        (b"P8", "text that is not JSON: 'P8'"),
        (b"null", "expected a JSON object (ExportTraceServiceRequest), got null"),
        (b" 42\n", "expected a JSON object (ExportTraceServiceRequest), got a number"),
        (b"\x28\xb5\x2f\xfd\x00\x58", "zstd"),
        (b"\x81\x02\x03\x04\x05", "starts with bytes 81 02 03 04 05"),
    ],
)
def test_auto_rejects_what_is_not_trace_data_naming_it(data, says):
    # Issue 9.12: 8 zero bytes and b"P8" read as 0 spans; null and 42 were "not a valid
    # OTLP/protobuf"
    with pytest.raises(OTLPDecodeError) as info:
        read_traces(data)
    assert says in str(info.value)
    assert "protobuf" not in info.value.reason or "a binary request" in info.value.reason


def test_auto_reads_utf16_json_and_large_frames():
    msg = trace_pb2.TracesData()
    sp = msg.resource_spans.add().scope_spans.add().spans.add()
    sp.trace_id, sp.span_id, sp.name = bytes(range(1, 17)), bytes(range(1, 9)), "x"
    text = to_json(msg).decode()
    want = [("0102030405060708090a0b0c0d0e0f10", "0102030405060708", "x")]
    for encoding in ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"):
        table = read_traces(text.encode(encoding))
        assert [(s.trace_id, s.span_id, s.name) for s in table] == want, encoding
    # a frame of 16 MiB or more has a first length byte other than 0x00
    sp.name = "n" * (16 << 20)
    binary = msg.SerializeToString()
    assert binary[:1] == b"\n" and len(binary).to_bytes(4, "big")[0] == 1
    table = read_traces(framed(binary, binary))
    assert len(table) == 2 and table[1].name == sp.name


def test_metrics_and_logs_messages_are_named_not_read_as_spans():
    # Issue 9.12: a metric named with 16 characters and described with 8 parsed as one
    # span with bogus ids. Built with the opentelemetry-proto metrics and logs classes.
    metrics = metrics_service_pb2.ExportMetricsServiceRequest()
    metric = metrics.resource_metrics.add().scope_metrics.add().metrics.add()
    metric.name, metric.description = "x" * 16, "d" * 8
    metric.sum.data_points.add(as_int=5, time_unix_nano=7)
    logs = logs_service_pb2.ExportLogsServiceRequest()
    record = logs.resource_logs.add().scope_logs.add().log_records.add(time_unix_nano=5)
    record.body.string_value = "hello"
    for message, signal in ((metrics, "metrics"), (logs, "logs")):
        for data, fmt in (
            (message.SerializeToString(), "auto"),
            (message.SerializeToString(), "protobuf"),
            (framed(message.SerializeToString()), "auto"),
        ):
            with pytest.raises(OTLPDecodeError, match=f"reads as OTLP {signal}, not traces"):
                read_traces(data, format=fmt)


@settings(max_examples=300 * SCALE, deadline=None)
@given(st.binary(min_size=1, max_size=64))
def test_fuzz_auto_reads_only_what_carries_a_trace_signature(data):
    try:
        read_traces(data)
    except OTLPDecodeError:
        return
    stripped = data.lstrip(b" \t\r\n")
    frame = len(data) > 4 and data[4:].lstrip(b" \t\r\n")[:1] in (b"\n", b"{")
    assert data[:1] == b"\n" or stripped[:1] in (b"{", b"[") or frame, data


# ------------------------------------------------------------------ exact messages and paths
# The table above checks a fragment of each message; these pin the whole reason (what a user
# reads) and the whole path, where a wrong word or a wrong field name would mislead.


def _reason_and_path(data: bytes, **kwargs) -> tuple[str, str]:
    with pytest.raises(OTLPDecodeError) as info:
        read_traces(data, **kwargs)
    return info.value.reason, info.value.json_path or ""


@pytest.mark.parametrize(
    ("span_fields", "extra", "path", "reason"),
    [
        (
            "",
            ', "instrumentationLibrarySpans": []',
            "resourceSpans[0].instrumentationLibrarySpans",
            "old OTLP field name (renamed scopeSpans in opentelemetry-proto 0.15.0, removed in "
            "0.19.0); re-export the data with a current SDK or Collector",
        ),
        (
            ', "events": [{"timeUnixNano": "x"}]',
            "",
            f"{SPAN_PATH}.events[0].timeUnixNano",
            "expected an integer (number or decimal string), got a string 'x'",
        ),
        (', "traceState": 7', "", f"{SPAN_PATH}.traceState", "expected a string, got a number"),
        (', "startTimeUnixNano": "-1"', "", f"{SPAN_PATH}.startTimeUnixNano",
         "-1 is out of range for uint64"),
        (', "startTimeUnixNano": "1e20"', "", f"{SPAN_PATH}.startTimeUnixNano",
         "1e20 is out of range for 64 bits"),
        (', "links": [{"traceId": "' + GOOD_TRACE + '"}]', "", f"{SPAN_PATH}.links[0].spanId",
         "is missing"),
        (
            ', "attributes": [{"key": "k", "value": {"stringValue": "a", "intValue": "1"}}]',
            "",
            f"{SPAN_PATH}.attributes[0].value",
            "AnyValue has more than one value field: ['stringValue', 'intValue']",
        ),
        (
            "",
            ', "resource": {"attributes": {"k": "v"}}',
            "resourceSpans[0].resource.attributes",
            "expected an array of key/value objects, got an object",
        ),
    ],
)
def test_the_whole_reason_and_path_of_an_error(span_fields, extra, path, reason):
    data = (
        '{"resourceSpans": [{"scopeSpans": [{"spans": [{' + IDS + span_fields + "}]}]"
        + extra + "}]}"
    ).encode()  # fmt: skip
    assert _reason_and_path(data) == (reason, path)


def test_an_any_value_with_an_unknown_field_beside_its_value_is_read():
    data = _one_span_doc(
        "{" + IDS + ', "attributes": [{"key": "k", "value": {"intValue": "5", "note": 1}}]}'
    )
    assert read_traces(data)[0].attributes == {"k": 5}


def test_event_counts_and_exact_integers_written_as_decimals_are_read():
    span = (
        "{" + IDS + ', "startTimeUnixNano": 1700000000000000001.0, '
        '"endTimeUnixNano": "1700000000000000002", '
        '"events": [{"timeUnixNano": "5", "name": "e", "droppedAttributesCount": 3}]}'
    )
    for fmt in ("json", "jsonl"):  # a streamed document, and whole lines
        (got,) = read_traces(_one_span_doc(span), format=fmt)
        assert got.events[0].dropped_attributes_count == 3
        assert got.start_time_unix_nano == 1_700_000_000_000_000_001  # not via a float


def test_a_protobuf_span_context_error_is_exact_and_strict_covers_the_trace_id():
    msg = trace_pb2.TracesData()
    span = msg.resource_spans.add().scope_spans.add().spans.add()
    span.trace_id, span.span_id = bytes(16), bytes(range(1, 9))
    with pytest.raises(OTLPDecodeError) as info:
        read_traces(msg.SerializeToString(), format="protobuf", strict=True)
    assert info.value.json_path == f"{SPAN_PATH}.traceId"
    span.trace_id = bytes(range(1, 17))
    span.links.add(trace_id=bytes(range(1, 17)))
    reason, path = _reason_and_path(msg.SerializeToString(), format="protobuf")
    assert (reason, path) == ("is empty; a span context needs a non-empty id",
                              f"{SPAN_PATH}.links[0].spanId")  # fmt: skip


def test_a_document_that_starts_with_a_form_feed_is_malformed_as_json_says():
    with pytest.raises(json.JSONDecodeError) as oracle:
        json.loads("\x0c[]")
    reason, _ = _reason_and_path(b"\x0c[]", format="json")
    assert oracle.value.msg in reason


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 8])
def test_error_lines_and_columns_agree_with_json_across_refills(chunk, monkeypatch):
    """The streaming window drops consumed text at every refill and keeps counting lines;
    a refill that starts on a newline must count it. Python's json module is the oracle."""
    from otlpkb.otlp import reader

    monkeypatch.setattr(reader, "_JSON_CHUNK", chunk)
    # runs of newlines longer than a read, so that a refill can start on one
    text = '{\n"x":' + "\n" * 40 + ' 1,' + "\n" * 40 + '"resourceSpans": [' + "\n" * 40 + "{,}]}"
    with pytest.raises(json.JSONDecodeError) as oracle:
        json.loads(text)
    with pytest.raises(OTLPDecodeError) as info:
        read_traces(io.BytesIO(text.encode()), format="json")
    assert (info.value.line, info.value.column) == (oracle.value.lineno, oracle.value.colno)
