"""Streaming of a single OTLP/JSON document by ``iter_trace_batches`` (bounded memory).

A document ``{"resourceSpans": [...]}`` is decoded one ``resourceSpans`` element at a time
from a sliding text window refilled in chunks (``reader._JSON_CHUNK`` bytes, shrunk here to
put chunk boundaries everywhere, including inside multi-byte UTF-8 characters).

The reference for every comparison is the whole-document read that the reader did before
streaming existed: :func:`json.loads` over all the bytes (the standard library's parser, which
also defines what "malformed" means, with its line/column), then the field decoder
``decode_json_document``. External data: the OTLP/JSON files shipped in ``otlpkb.datasets``
(opentelemetry-proto ``examples/trace.json`` and Jaeger's fixtures).
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import random
import tracemalloc

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb import datasets
from otlpkb.otlp import OTLPDecodeError, SpanTable, iter_trace_batches, read_traces
from otlpkb.otlp import reader as reader_module
from otlpkb.otlp.json_reader import FieldError, decode_json_document, new_columns

SHIPPED = [
    "otlp/proto-examples/trace.json",
    "otlp/jaeger/example_trace.json",
    "otlp/jaeger/link_attributes_trace.json",
    "otlp/jaeger/otel_traces_01.json",
]


# ------------------------------------------------------------------ helpers


def whole_read(data: bytes) -> SpanTable | None:
    """The pre-streaming semantics: json.loads the whole input; ``None`` = must be an error.

    One deliberate difference: a document with two top-level ``resourceSpans`` keys (which
    json.loads resolves silently, the last one winning) is an error when streaming.
    """
    if not data.strip():
        return None
    objects: list[list[tuple[str, object]]] = []

    def hook(pairs):
        objects.append(pairs)
        return dict(pairs)

    try:
        doc = json.loads(data, object_pairs_hook=hook)
    except (ValueError, RecursionError):
        return None
    # the hook sees the innermost objects first: the last call is the top-level object
    if isinstance(doc, dict) and sum(key == "resourceSpans" for key, _ in objects[-1]) > 1:
        return None
    columns = new_columns()
    try:
        decode_json_document(doc, columns)
    except FieldError:
        return None
    return SpanTable(columns)


def streamed(source, *, batch_size: int = 3, fmt: str = "json") -> SpanTable:
    batches = list(iter_trace_batches(source, format=fmt, batch_size=batch_size))
    assert all(1 <= len(b) <= batch_size for b in batches)
    return SpanTable.concat(batches)


@contextlib.contextmanager
def chunk_size(n: int):
    saved = reader_module._JSON_CHUNK
    reader_module._JSON_CHUNK = n
    try:
        yield
    finally:
        reader_module._JSON_CHUNK = saved


def error_of(fn) -> OTLPDecodeError:
    with pytest.raises(OTLPDecodeError) as info:
        fn()
    return info.value


GOOD_TRACE = "5b8efff798038103d269b633813fc60c"


def span(i: int, **extra) -> dict:
    return {
        "traceId": GOOD_TRACE,
        "spanId": f"{i + 1:016x}",
        "name": f"op-{i}",
        "kind": 2,
        "startTimeUnixNano": str(1_700_000_000_000_000_000 + i),
        "endTimeUnixNano": str(1_700_000_000_000_000_100 + i),
        **extra,
    }


def element(spans: list[dict], service: str = "svc") -> dict:
    return {
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
        "scopeSpans": [{"scope": {"name": "lib", "version": "1"}, "spans": spans}],
    }


# A small document with multi-byte UTF-8 (2, 3 and 4 bytes) inside keys and values, an
# unknown top-level field on both sides of resourceSpans and pretty-printing.
SMALL = {
    "before": {"ünïcode": "日本語 🎉", "n": [1.5e3, -0, 123456789012345678901234567890]},
    "resourceSpans": [
        element([span(0, name="héllo → 世界 🎉"), span(1)], service="sérvice-α"),
        element([]),
        element([span(2, attributes=[{"key": "k€y", "value": {"stringValue": "välue"}}])]),
    ],
    "after": "𝄞" * 5,
}
SMALL_BYTES = json.dumps(SMALL, ensure_ascii=False, indent=1).encode()


# ------------------------------------------------------------------ shipped files


@pytest.mark.parametrize("name", SHIPPED)
@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 100, 1 << 20])
def test_streamed_equals_whole_read_on_shipped_files(name, chunk, tmp_path):
    path = datasets.path(name)
    data = path.read_bytes()
    expected = whole_read(data)
    assert expected is not None and len(expected) > 0
    gz = tmp_path / "t.json.gz"
    gz.write_bytes(gzip.compress(data))
    one_line = json.dumps(json.loads(data)).encode()
    with chunk_size(chunk):
        assert read_traces(path) == expected
        for fmt in ("json", "auto"):
            assert streamed(path, fmt=fmt) == expected
            assert streamed(gz, fmt=fmt) == expected
            assert streamed(one_line, fmt=fmt, batch_size=1) == expected
        with open(path, "rb") as handle:
            assert streamed(handle, batch_size=2) == expected


# ------------------------------------------------------------------ chunk boundaries


def test_every_chunk_boundary_including_inside_utf8_characters():
    """Chunk sizes 1..len put a boundary at every byte offset, inside 2/3/4-byte characters."""
    data = SMALL_BYTES
    assert len(data) > len(data.decode())  # multi-byte characters present
    expected = whole_read(data)
    assert [s.name for s in expected] == ["héllo → 世界 🎉", "op-1", "op-2"]
    assert expected[0].service_name == "sérvice-α"
    assert expected[2].attributes == {"k€y": "välue"}
    for chunk in range(1, len(data) + 2):
        with chunk_size(chunk):
            assert streamed(data, batch_size=1 + chunk % 3) == expected, chunk
            assert streamed(data, fmt="auto") == expected, chunk


def test_field_error_is_located_identically_at_every_chunk_size():
    doc = {
        "resourceSpans": [element([span(i) for i in range(3)]) for _ in range(3)]
        + [element([span(i) for i in range(7)] + [span(7, traceId="xyz")])],
    }
    data = json.dumps(doc, indent=2).encode()
    errors = set()
    for chunk in (1, 2, 5, 13, 64, len(data)):
        with chunk_size(chunk):
            err = error_of(lambda: read_traces(data))
            errors.add((err.json_path, err.line, err.byte_offset, err.reason))
            # streaming yields the spans of the good elements before the bad one
            got = []
            with pytest.raises(OTLPDecodeError):
                for batch in iter_trace_batches(data, batch_size=1):
                    got.append(batch)
            assert len(got) == 9
    ((path, line, offset, reason),) = errors
    assert path == "resourceSpans[3].scopeSpans[0].spans[7].traceId"
    assert "not hex" in reason or "32 hex digits" in reason
    # the position is where resourceSpans[3] starts, counted independently here
    fourth = data.index(b'"resource"', data.index(b'"resourceSpans"') + 1)
    for _ in range(3):
        fourth = data.index(b'"resource"', fourth + 1)
    start = data.rindex(b"{", 0, fourth)
    assert offset == start
    assert line == data[:start].count(b"\n") + 1


def test_malformed_json_position_matches_json_loads_at_every_chunk_size():
    text = SMALL_BYTES.decode()
    cut = text.index('"op-2"')
    bad = (text[:cut] + "}" + text[cut:]).encode()  # a stray brace after multi-byte text
    with pytest.raises(json.JSONDecodeError) as info:
        json.loads(bad)
    ref = info.value
    ref_offset = len(bad.decode()[: ref.pos].encode())
    for chunk in range(1, len(bad) + 2, 3):
        with chunk_size(chunk):
            err = error_of(lambda: read_traces(bad, format="json"))
            assert err.reason == f"malformed JSON: {ref.msg}"
            assert (err.line, err.column, err.byte_offset) == (ref.lineno, ref.colno, ref_offset)


# ------------------------------------------------------------------ generated documents

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
whitespace = st.text(alphabet=" \t\n\r", max_size=3)
unknown_keys = st.text(max_size=8).filter(lambda k: k != "resourceSpans")


@st.composite
def documents(draw) -> bytes:
    """An OTLP/JSON document with random layout, key order and unknown fields."""
    elements = []
    for e in range(draw(st.integers(0, 5))):
        spans = [
            span(
                100 * e + k,
                name=draw(st.text(max_size=6)),
                attributes=[{"key": draw(st.text(max_size=4)), "value": {"stringValue": "v"}}],
            )
            for k in range(draw(st.integers(0, 4)))
        ]
        elements.append(element(spans, service=draw(st.text(max_size=6))))
    unknown = draw(st.dictionaries(unknown_keys, json_values, max_size=3))
    fields = [("resourceSpans", elements), *unknown.items()]
    fields = draw(st.permutations(fields))
    ascii_only = draw(st.booleans())

    def dump(value) -> str:
        return json.dumps(
            value, ensure_ascii=ascii_only, indent=draw(st.sampled_from([None, 0, 2]))
        )

    def ws() -> str:
        return draw(whitespace)

    parts = []
    for key, value in fields:
        if key == "resourceSpans":
            body = "[" + ws() + ("," + ws()).join(dump(v) + ws() for v in value) + "]"
            if not value:
                body = "[" + ws() + "]"
        else:
            body = dump(value)
        parts.append(ws() + json.dumps(key) + ws() + ":" + ws() + body + ws())
    return ("{" + ",".join(parts) + "}" + ws()).encode()


@settings(max_examples=150 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.integers(1, 64), st.integers(1, 5))
def test_generated_documents_stream_like_the_whole_read(data, chunk, batch_size):
    expected = whole_read(data)
    assert expected is not None
    with chunk_size(chunk):
        assert streamed(data, batch_size=batch_size) == expected
        assert streamed(data, batch_size=batch_size, fmt="auto") == expected
        assert read_traces(data) == expected


# ------------------------------------------------------------------ truncation and fuzzing


@pytest.mark.parametrize(
    "name", ["otlp/jaeger/example_trace.json", "otlp/proto-examples/trace.json"]
)
def test_truncation_at_every_offset_is_an_error(name):
    """A cut document never reads as fewer spans: only a cut in trailing whitespace is OK."""
    data = datasets.path(name).read_bytes()
    full = whole_read(data)
    rnd = random.Random(7)
    for cut in range(len(data)):
        prefix = data[:cut]
        with chunk_size(rnd.choice([1, 3, 16, 1 << 20])):
            if prefix.rstrip() == data.rstrip():
                assert streamed(prefix) == full
                continue
            with pytest.raises(OTLPDecodeError):
                streamed(prefix, batch_size=1)


@settings(max_examples=100 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.data())
def test_truncated_generated_documents_are_errors(data, draw):
    cut = draw.draw(st.integers(0, len(data) - 1))
    assume(data[:cut].rstrip() != data.rstrip())
    with chunk_size(draw.draw(st.integers(1, 40))), pytest.raises(OTLPDecodeError):
        streamed(data[:cut], batch_size=2)


def _mutate(data: bytes, rnd: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rnd.randint(1, 3)):
        pos = rnd.randrange(len(buf) + 1)
        op = rnd.randrange(3)
        if op == 0 and buf:
            buf[min(pos, len(buf) - 1)] = rnd.choice(b'{}[],:"\\\n 0-.eE\xc3\xa9\xff\x00')
        elif op == 1:
            del buf[pos : pos + rnd.randint(1, 6)]
        else:
            buf[pos:pos] = bytes(rnd.choice(b'{}[],:" \n0') for _ in range(rnd.randint(1, 3)))
    return bytes(buf)


@settings(max_examples=60 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.integers(0, 2**32), st.integers(1, 50))
def test_fuzz_mutated_documents_agree_with_whole_read(data, seed, chunk):
    """Mutated input: only OTLPDecodeError escapes, and it is raised exactly when the whole
    read fails (else the spans are equal)."""
    rnd = random.Random(seed)
    with chunk_size(chunk):
        for _ in range(5):
            bad = _mutate(data, rnd)
            expected = whole_read(bad)
            try:
                got = streamed(bad, batch_size=rnd.randint(1, 4))
            except OTLPDecodeError:
                assert expected is None, bad
            else:
                assert got == expected, bad
            with contextlib.suppress(OTLPDecodeError):
                streamed(bad, fmt="auto")


# ------------------------------------------------------------------ the document's rules


def test_errors_keep_their_meaning_when_streamed():
    good = element([span(0)])
    legacy = {"instrumentationLibrarySpans": [{"spans": [span(1)]}]}
    cases = [
        (
            {"resourceSpans": [good, good, good, legacy]},
            "resourceSpans[3].instrumentationLibrarySpans",
            "opentelemetry-proto 0.15.0",
        ),
        ({"resourceMetrics": [], "x": 1}, "resourceMetrics", "metrics document"),
        ({"resourceLogs": []}, "resourceLogs", "logs document"),
        ({"resource_metrics": []}, "resourceMetrics", "metrics document"),
        ({"hello": 1, "world": [2]}, "(document)", "no resourceSpans field (keys: hello, world)"),
        ({"resourceSpans": {"a": 1}}, "resourceSpans", "expected an array"),
        ({"resourceSpans": [good, 5]}, "resourceSpans[1]", "expected an object"),
    ]
    for chunk in (1, 4, 1 << 20):
        with chunk_size(chunk):
            for doc, path, reason in cases:
                err = error_of(lambda doc=doc: streamed(json.dumps(doc).encode()))
                assert err.json_path == path and reason in err.reason, (doc, err)
            err = error_of(lambda: streamed(b"[1, 2]"))
            assert "expected a JSON object" in err.reason
            assert error_of(lambda: streamed(b" \n ")).reason.startswith("empty input")
            assert len(streamed(b"{}")) == 0 and len(streamed(b' {"resourceSpans" : [ ] } ')) == 0


def test_duplicate_resource_spans_key_is_an_error():
    data = b'{"resourceSpans": [], "x": 1,\n "resourceSpans": []}'
    for chunk in (1, 2, 1 << 20):
        with chunk_size(chunk):
            err = error_of(lambda: read_traces(data))
            assert err.json_path == "resourceSpans" and "duplicate" in err.reason
            assert (err.line, err.byte_offset) == (2, data.rindex(b'"resourceSpans"'))


def test_unknown_fields_larger_than_a_chunk_are_skipped():
    blob = {"s": "é" * 50_000, "deep": [[{"a": list(range(2000))}]]}
    doc = {"x": blob, "resourceSpans": [element([span(0)])], "y": blob}
    data = json.dumps(doc, ensure_ascii=False).encode()
    with chunk_size(1000):
        assert streamed(data) == whole_read(data)


def test_malformed_and_truncated_inputs_report_positions():
    with chunk_size(3):
        err = error_of(lambda: read_traces(b'{\n  "resourceSpans": [\n    {,}\n  ]\n}'))
        assert (err.line, err.column, err.byte_offset) == (3, 6, 28)
        err = error_of(lambda: read_traces(b'{"resourceSpans": [] } x'))
        assert err.reason == "malformed JSON: Extra data" and err.byte_offset == 23
        err = error_of(lambda: read_traces(SMALL_BYTES[:-1], format="json"))
        assert err.reason == "malformed JSON: Expecting ',' delimiter"
        cut = SMALL_BYTES.index("é".encode()) + 1  # inside a 2-byte character, at the end
        err = error_of(lambda: read_traces(SMALL_BYTES[:cut], format="json"))
        assert "not UTF-8 text" in err.reason and err.byte_offset == cut - 1
        err = error_of(lambda: read_traces(b'{"x": ' + b"1" * 5000 + b"}"))
        assert "malformed JSON" in err.reason  # was a bare ValueError from int()
        err = error_of(lambda: read_traces(gzip.compress(SMALL_BYTES)[:-12]))
        assert "gzip" in err.reason


def test_auto_format_json_lines_after_a_one_line_document():
    """A first line holding a whole document makes the input JSON lines (as before)."""
    line1 = json.dumps({"resourceSpans": [element([span(0), span(1)])]}).encode()
    line3 = json.dumps({"resourceSpans": [element([span(2)])]}).encode()
    data = line1 + b" \r\n\n" + line3 + b"\n"
    expected = read_traces(data, format="jsonl")
    assert len(expected) == 3
    bad = data + b'{"resourceSpans": [7]}\n'
    for chunk in (1, 5, len(line1) - 1, len(line1), len(line1) + 3, 1 << 20):
        with chunk_size(chunk):
            assert streamed(data, fmt="auto", batch_size=2) == expected
            err = error_of(lambda: streamed(bad, fmt="auto"))
            assert (err.line, err.byte_offset) == (4, len(data))
            assert err.json_path == "resourceSpans[0]"
            err = error_of(lambda: streamed(data, fmt="json"))  # a document allows no more
            assert err.reason == "malformed JSON: Extra data" and err.line == 3


# ------------------------------------------------------------------ memory


def write_big_document(path, target_bytes: int) -> tuple[int, str]:
    """About ``target_bytes`` of one OTLP/JSON document with many resourceSpans elements."""
    rnd = random.Random(3)
    clauses = " OR ".join(f"c{i} = {i}" for i in range(250))
    statement = f"SELECT * FROM t WHERE x = 'ü' AND {clauses}"
    spans_total, last = 0, ""
    with open(path, "w", encoding="utf-8") as out:
        out.write('{"unknownBefore": {"a": [1, 2, 3]}, "resourceSpans": [\n')
        written, first = 0, True
        while written < target_bytes:
            spans = []
            for _ in range(20):
                spans_total += 1
                last = f"{spans_total:016x}"
                spans.append(
                    span(
                        spans_total,
                        spanId=last,
                        traceId=f"{rnd.getrandbits(127) | 1:032x}",
                        attributes=[
                            {"key": "http.route", "value": {"stringValue": "/api/v1/ünïcode"}},
                            {"key": "n", "value": {"intValue": str(spans_total)}},
                            # bulk: fewer objects per megabyte keeps tracemalloc's cost down
                            {"key": "db.statement", "value": {"stringValue": statement}},
                        ],
                    )
                )
            text = ("" if first else ",\n") + json.dumps(element(spans, "svc"), ensure_ascii=False)
            out.write(text)
            written += len(text.encode())
            first = False
        out.write('\n], "unknownAfter": "x"}\n')
    return spans_total, last


def test_streaming_a_large_document_uses_bounded_memory(tmp_path):
    path = tmp_path / "big.json"
    n_spans, last_span_id = write_big_document(path, 30_000_000 * SCALE)
    size = path.stat().st_size
    count, last = 0, ""
    tracemalloc.start()
    try:
        for batch in iter_trace_batches(path, batch_size=100):
            assert len(batch) <= 100
            count += len(batch)
            last = batch[-1].span_id
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (count, last) == (n_spans, last_span_id)
    assert peak < size / 5, (peak, size)


def test_file_object_and_gzip_sources_stream(tmp_path):
    data = json.dumps({"resourceSpans": [element([span(i)]) for i in range(50)]}).encode()
    expected = whole_read(data)
    with chunk_size(64):
        assert streamed(io.BytesIO(data), batch_size=7) == expected
        assert streamed(io.BytesIO(gzip.compress(data)), batch_size=7, fmt="auto") == expected
