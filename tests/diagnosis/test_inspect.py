"""otlpkb.diagnosis.inspect: counts on hand-built defects, the sketch against numpy, the
window against a whole-file read, and files written by the real OpenTelemetry SDK.

External references: OTLP bytes are encoded by `opentelemetry-proto` (the generated
protobuf classes) and by the OpenTelemetry Python SDK's own OTLP encoder
(`opentelemetry.exporter.otlp.proto.common.trace_encoder.encode_spans`); exact quantiles
come from numpy (`np.quantile(..., method="lower")`); the Parquet file is read back by
DuckDB, not by pyarrow.
"""

from __future__ import annotations

import gzip
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlp_files import DEFECTS, Row, frames, request
from otlpkb.diagnosis.inspect import (
    Inspector,
    LatencySketch,
    inspect_traces,
    iter_paths,
    write_parquet,
)
from otlpkb.otlp import OTLPDecodeError, read_traces


def test_hand_built_defects_are_each_counted(tmp_path) -> None:
    path = tmp_path / "defects.pb"
    path.write_bytes(frames(request(DEFECTS)))
    r = inspect_traces([path], top=2)
    assert (r.spans, r.traces) == (12, 5)
    assert r.multi_root_traces == 1 and r.orphans == 1
    assert r.parent_cycles == 1 and r.rootless_traces == 1
    assert r.skewed_spans == 1 and r.duplicate_spans == 1
    services = {s.service: (s.spans, s.errors) for s in r.services}
    assert services == {"front": (6, 0), "auth": (2, 0), "db": (4, 1)}
    assert [t.trace_id[-1] for t in r.slow_traces] == ["5", "4"]  # 900 ms; 70..200 ms
    assert r.slow_traces[0].duration_ms == pytest.approx(900)
    assert r.slow_traces[1].root == "front: GET /"


def test_gzip_and_directories_are_read_and_other_files_skipped(tmp_path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "traces.pb.gz").write_bytes(gzip.compress(frames(request(DEFECTS[:3]))))
    (tmp_path / "a" / "README.md").write_text("not traces")
    (tmp_path / "b.json").write_bytes(b"")
    assert [p.name for p in iter_paths([tmp_path / "a"])] == ["traces.pb.gz"]
    assert inspect_traces([tmp_path / "a"]).spans == 3
    with pytest.raises(FileNotFoundError, match="nope"):
        list(iter_paths([tmp_path / "nope"]))
    with pytest.raises(OTLPDecodeError, match=r"b\.json"):
        inspect_traces([tmp_path / "b.json"])


@settings(max_examples=30 * SCALE)
@given(
    st.lists(st.floats(1.0, 1e12, allow_nan=False), min_size=1, max_size=300),
    st.sampled_from([0.5, 0.9, 0.95, 0.99, 0.0, 1.0]),
    st.sampled_from([0.01, 0.02, 0.05]),
)
def test_sketch_quantiles_are_within_the_relative_accuracy(values, q, a) -> None:
    sketch = LatencySketch(a)
    half = len(values) // 2
    sketch.add(values[:half])
    sketch.add(values[half:])
    exact = float(np.quantile(values, q, method="lower"))
    assert abs(sketch.quantile(q) - exact) <= a * exact * (1 + 1e-9)


def rows_of(seed: int, n_traces: int) -> list[Row]:
    rng = random.Random(seed)
    rows: list[Row] = []
    for t in range(1, n_traces + 1):
        n = rng.randint(1, 6)
        start = rng.uniform(0, 1000)
        for s in range(1, n + 1):
            parent = 0 if s == 1 else rng.randint(1, s - 1)
            if rng.random() < 0.1:
                parent = 1000 + s  # lost parent
            dur = rng.expovariate(1 / 20)
            svc = rng.choice(["a", "b", "c"])
            rows.append((t, s, parent, svc, f"op{rng.randint(1, 3)}", start, start + dur,
                         rng.random() < 0.1))  # fmt: skip
    return rows


@settings(max_examples=15 * SCALE)
@given(st.integers(0, 10_000), st.integers(1, 40), st.integers(1, 30))
def test_a_small_window_on_contiguous_traces_agrees_with_a_whole_read(seed, n, window) -> None:
    rows = rows_of(seed, n)
    table = read_traces(frames(request(rows)))
    # spans grouped by trace, as a trace-aware writer (groupbytrace) leaves them
    order = sorted(range(len(table)), key=lambda i: table[i].trace_id)
    grouped = table.take(order)
    whole, small = Inspector(window=10**6), Inspector(window=max(window, 6))
    whole.add(grouped)
    for k in range(0, len(grouped), 7):
        small.add(grouped[k : k + 7])
    a, b = whole.result(), small.result()
    assert a == b
    assert a.spans == len(rows) and a.traces == n
    assert a.orphans == sum(1 for r in rows if r[2] > 1000)


def sdk_request() -> bytes:
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import Status, StatusCode

    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "checkout"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("otlpkb.tests")
    for k in range(4):
        with (
            tracer.start_as_current_span("POST /cart"),
            tracer.start_as_current_span("charge") as child,
        ):
            child.set_attribute("attempt", k)
            if k == 3:
                child.set_status(Status(StatusCode.ERROR, "card declined"))
    provider.shutdown()
    return encode_spans(exporter.get_finished_spans()).SerializeToString()


def test_a_file_the_sdk_encoded_inspects_as_the_sdk_recorded_it(tmp_path) -> None:
    path = tmp_path / "sdk.binpb"
    path.write_bytes(sdk_request())
    r = inspect_traces([path])
    assert (r.spans, r.traces, r.orphans, r.multi_root_traces, r.skewed_spans) == (8, 4, 0, 0, 0)
    (checkout,) = r.services
    assert (checkout.service, checkout.spans, checkout.errors) == ("checkout", 8, 1)
    assert {(o.operation, o.count, o.errors) for o in r.operations} == {
        ("POST /cart", 4, 0),
        ("charge", 4, 1),
    }


def test_parquet_holds_every_span_as_duckdb_reads_it(tmp_path) -> None:
    duckdb = pytest.importorskip("duckdb", reason="duckdb is in the test extra")
    sdk, hand = tmp_path / "sdk.binpb", tmp_path / "hand.pb"
    sdk.write_bytes(sdk_request())
    hand.write_bytes(frames(request(DEFECTS)))
    out = tmp_path / "spans.parquet"
    assert write_parquet([sdk, hand], out, batch_size=5) == 20
    con = duckdb.connect()
    got = con.execute(
        "SELECT trace_id, span_id, parent_span_id, service_name, name, status_code,"
        " duration_nano, json_extract(attributes, '$.attempt')::INT"
        f" FROM read_parquet('{out}')"
    ).fetchall()
    expected = []
    for table in (read_traces(sdk), read_traces(hand)):
        for s in table:
            attempt = s.attributes.get("attempt")
            expected.append((s.trace_id, s.span_id, s.parent_span_id, s.service_name, s.name,
                             s.status_code, s.duration_nano, attempt))  # fmt: skip
    assert got == expected
    (row_groups,) = con.execute(
        f"SELECT count(DISTINCT row_group_id) FROM parquet_metadata('{out}')"
    ).fetchone()
    assert row_groups >= 4  # written batch by batch, not as one table


def test_the_progress_callback_sees_every_byte_of_every_file(tmp_path) -> None:
    a, b = tmp_path / "a.pb", tmp_path / "b.json.gz"
    a.write_bytes(frames(request(DEFECTS)))
    b.write_bytes(gzip.compress(frames(request(DEFECTS[:4]))))
    seen: list[int] = []
    report = inspect_traces([a, b], on_read=seen.append)
    assert report.spans == len(DEFECTS) + 4
    assert sum(seen) == a.stat().st_size + b.stat().st_size
