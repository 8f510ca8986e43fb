"""The column path of bulk work against the span-table path, on real and hostile input.

`iter_column_batches` (what ``otlpkb inspect`` and the Parquet export read) builds only the
columns asked for; `iter_trace_batches` builds every column as `Span` records need it. On
the real files of `otlpkb.datasets` (as JSON and re-encoded as protobuf by
opentelemetry-proto) and on generated protobuf with unknown fields, known fields of the
wrong wire type, the pre-1.0 field 1000, empty and all-zero ids, bad link ids and ends
before starts, both must give the same values, or the same error. `inspect_traces` and
`write_parquet` must then agree with an `Inspector` fed span tables and with the spans
`read_traces` returns.
"""

from __future__ import annotations

import base64
import json
import random

import pytest
from google.protobuf import json_format
from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

from kbtest import SCALE
from otlp_files import recode_ids
from otlpkb import datasets
from otlpkb.diagnosis.inspect import Inspector, inspect_traces, write_parquet
from otlpkb.otlp import COLUMNS, OTLPDecodeError, iter_trace_batches, read_traces
from otlpkb.otlp.reader import iter_column_batches

REAL = [
    "otlp/jaeger/example_trace.json",
    "otlp/jaeger/link_attributes_trace.json",
    "otlp/jaeger/otel_traces_01.json",
    "otlp/proto-examples/trace.json",
]
SUBSETS = [
    COLUMNS,
    ("trace_id", "span_id", "parent_span_id", "name", "kind", "problems"),
    ("start_time_unix_nano", "attributes", "resource_attributes", "scope_name"),
    ("links",),
]


def as_protobuf(name: str) -> bytes:
    """A real OTLP/JSON file re-encoded as binary by opentelemetry-proto's json_format."""
    doc = json.loads(datasets.path(name).read_text())
    recode_ids(doc, lambda hex_id: base64.b64encode(bytes.fromhex(hex_id)).decode())
    return json_format.ParseDict(doc, trace_pb2.TracesData()).SerializeToString()


def outcome(read, *args) -> tuple:
    """("ok", columns) or ("error", type, message): what a reader makes of the input."""
    try:
        return ("ok", read(*args))
    except (OTLPDecodeError, ValueError) as exc:
        return ("error", type(exc), str(exc))


def by_tables(source, columns) -> dict:
    out: dict[str, list] = {name: [] for name in columns}
    for table in iter_trace_batches(source, batch_size=3):
        for name in columns:
            out[name] += table.column(name)
    return out


def by_columns(source, columns) -> dict:
    out: dict[str, list] = {name: [] for name in columns}
    for batch in iter_column_batches(source, columns, batch_size=3):
        assert set(batch) == set(columns)
        for name in columns:
            out[name] += batch[name]
    return out


def agree(source) -> tuple:
    results = {cols: outcome(by_columns, source, cols) for cols in SUBSETS}
    for cols, got in results.items():
        assert got == outcome(by_tables, source, cols), cols
    return results[COLUMNS]


@pytest.mark.parametrize("name", REAL)
def test_real_files_give_the_same_columns(name) -> None:
    assert agree(datasets.path(name))[0] == "ok"
    assert agree(as_protobuf(name))[0] == "ok"


def hostile(rnd: random.Random) -> bytes:
    """A TracesData of a few spans, each with a chance of every defect the reader knows."""
    msg = trace_pb2.TracesData()
    for _ in range(rnd.randint(1, 3)):
        rs = msg.resource_spans.add()
        kv = rs.resource.attributes.add()
        kv.key = "service.name"
        kv.value.string_value = rnd.choice(["web", "db"])
        for _ in range(rnd.randint(1, 2)):
            ss = rs.scope_spans.add()
            ss.scope.name, ss.scope.version = "lib", "1.0"
            for _ in range(rnd.randint(1, 4)):
                sp = ss.spans.add()
                sp.trace_id = rnd.choice([rnd.randbytes(16)] * 40 + [b"", bytes(16), b"\x01"])
                sp.span_id = rnd.choice([rnd.randbytes(8)] * 40 + [b"", bytes(8), b"\x01" * 9])
                sp.parent_span_id = rnd.choice(
                    [b"", rnd.randbytes(8)] * 20 + [bytes(8), b"\x02" * 3]
                )
                sp.name, sp.kind = rnd.choice(["GET", "SELECT"]), rnd.randint(0, 5)
                sp.start_time_unix_nano = rnd.randint(0, 10)
                sp.end_time_unix_nano = rnd.randint(0, 12)
                sp.status.code, sp.status.message = rnd.randint(0, 2), "m"
                sp.flags = rnd.choice([0, 1, 257])
                attr = sp.attributes.add()
                attr.key = "v"
                attr.value.CopyFrom(
                    rnd.choice(
                        [
                            common_pb2.AnyValue(int_value=7),
                            common_pb2.AnyValue(bytes_value=b"\x00\xff"),
                            common_pb2.AnyValue(double_value=0.5),
                        ]
                    )
                )
                if rnd.random() < 0.3:
                    ev = sp.events.add()
                    ev.time_unix_nano, ev.name = 3, "retry"
                if rnd.random() < 0.3:
                    ln = sp.links.add()
                    ln.trace_id = rnd.choice([rnd.randbytes(16)] * 10 + [bytes(16)])
                    ln.span_id = rnd.choice([rnd.randbytes(8)] * 10 + [b""])
                extra = rnd.choice([b""] * 40 + [b"\xa0\x06\x01"] * 4 + [b"\x08\x01", b"\x10\x01"])
                sp.ParseFromString(sp.SerializeToString() + extra)  # kept as unknown fields
            if rnd.random() < 0.03:
                ss.ParseFromString(
                    ss.SerializeToString() + rnd.choice([b"\xa0\x06\x01", b"\x08\x01"])
                )
        if rnd.random() < 0.02:
            rs.ParseFromString(rs.SerializeToString() + rnd.choice([b"\xc2\x3e\x00", b"\x10\x01"]))
    return msg.SerializeToString()


@settings(max_examples=150 * SCALE, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_hostile_protobuf_gives_the_same_columns_or_the_same_error(seed) -> None:
    agree(hostile(random.Random(seed)))


def test_hostile_inputs_reach_every_outcome() -> None:
    outcomes = [agree(hostile(random.Random(seed))) for seed in range(300)]
    kinds = ("wire type", "field 1000", "must be 16 bytes", "must be 8 bytes", ".links[")
    seen = {k for o in outcomes if o[0] == "error" for k in kinds if k in o[2]}
    flagged = [o for o in outcomes if o[0] == "ok" and any(o[1]["problems"])]
    assert seen == set(kinds) and len(flagged) > 20


def inspect_by_tables(path) -> dict:
    inspector = Inspector(window=7)
    for table in iter_trace_batches(path, batch_size=4):
        inspector.add(table)
    return inspector.result([str(path)]).to_dict()


@settings(max_examples=40 * SCALE, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_inspect_and_parquet_agree_with_the_span_tables(seed, tmp_path_factory) -> None:
    path = tmp_path_factory.mktemp("columns") / "traces.binpb"
    path.write_bytes(hostile(random.Random(seed)))
    expected = outcome(inspect_by_tables, path)
    got = outcome(lambda: inspect_traces([path], window=7, batch_size=4).to_dict())
    assert got == expected
    if expected[0] == "ok":
        check_parquet(path, path.with_suffix(".parquet"))


@pytest.mark.parametrize("name", REAL)
def test_real_files_inspect_and_export_as_span_tables_say(name, tmp_path) -> None:
    path = tmp_path / "trace.binpb"
    path.write_bytes(as_protobuf(name))
    for source in (datasets.path(name), path):
        assert inspect_traces([source], window=7, batch_size=4).to_dict() == inspect_by_tables(
            source
        ) | {"files": [str(source)]}
        check_parquet(source, tmp_path / "spans.parquet")


def check_parquet(source, out) -> None:
    pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow is in the test extra")
    assert write_parquet([source], out, batch_size=4) == len(read_traces(source))
    rows = pq.read_table(out).to_pylist()
    hexed = lambda attrs: json.loads(json.dumps(attrs, default=bytes.hex))  # noqa: E731
    expected = [
        {
            "trace_id": s.trace_id,
            "span_id": s.span_id,
            "parent_span_id": s.parent_span_id,
            "name": s.name,
            "kind": s.kind,
            "service_name": s.service_name,
            "start_time_unix_nano": s.start_time_unix_nano,
            "end_time_unix_nano": s.end_time_unix_nano,
            "duration_nano": s.duration_nano,
            "status_code": s.status_code,
            "status_message": s.status_message,
            "scope_name": s.scope_name,
            "attributes": hexed(s.attributes),
            "resource_attributes": hexed(s.resource_attributes),
        }
        for s in read_traces(source)
    ]
    for row in rows:
        row["attributes"] = json.loads(row["attributes"])
        row["resource_attributes"] = json.loads(row["resource_attributes"])
    assert rows == expected
