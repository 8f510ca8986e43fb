"""Tests for otlpkb.monitoring.lint (chapter 8.4, Observability practices) and `otlpkb lint`.

External checks:
* real SDK output: spans recorded by the OpenTelemetry Python SDK (1.45) and encoded to
  OTLP/protobuf by its own exporter encoder; well-instrumented spans give no finding, and
  the SDK's default resource (``service.name = unknown_service``) is reported;
* the deprecated-attribute table against the ``opentelemetry-semantic-conventions``
  package (0.66b2), whose attribute modules mark each deprecated name with
  "Deprecated: Replaced by `...`";
* HyperLogLog's relative standard error, ``1.04 / sqrt(m)`` (Flajolet, Fusy, Gandouet,
  Meunier 2007), on exact counts of random distinct hashes.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import json
import pkgutil
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb import datasets, otlp
from otlpkb.cli import main
from otlpkb.monitoring.lint import (
    DEPRECATED_ATTRIBUTES,
    HyperLogLog,
    attribute_cardinality,
    lint_spans,
)
from otlpkb.otlp import Span


def sdk_spans(resource: dict, build) -> bytes:
    """OTLP/protobuf bytes of the spans `build(tracer)` records with the real SDK."""
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create(resource))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    build(provider.get_tracer("otlpkb.tests"))
    provider.shutdown()
    return encode_spans(exporter.get_finished_spans()).SerializeToString()


def good(tracer) -> None:
    from opentelemetry.trace import SpanKind

    with tracer.start_as_current_span("GET /users/{id}", kind=SpanKind.SERVER) as s:
        s.set_attribute("http.request.method", "GET")
        s.set_attribute("http.route", "/users/{id}")
        s.set_attribute("http.response.status_code", 200)
        with tracer.start_as_current_span("SELECT users", kind=SpanKind.CLIENT) as c:
            c.set_attribute("db.system.name", "postgresql")


def bad(tracer) -> None:
    from opentelemetry.trace import SpanKind, Status, StatusCode

    for user in (123, 456):
        with tracer.start_as_current_span(f"GET /users/{user}") as s:  # INTERNAL, id in name
            s.set_attribute("http.method", "GET")  # deprecated
            s.set_attribute("host.name", "node-1")  # a resource attribute
    with tracer.start_as_current_span("checkout", kind=SpanKind.SERVER) as s:
        s.set_attribute("http.response.status_code", 503)
        s.set_status(Status(StatusCode.UNSET))


def test_well_instrumented_sdk_output_is_clean():
    spans = otlp.read_traces(sdk_spans({"service.name": "checkout"}, good))
    assert len(spans) == 2
    assert lint_spans(spans) == []


def test_sdk_default_resource_is_reported():
    spans = otlp.read_traces(sdk_spans({}, good))
    issues = lint_spans(spans)
    assert [(i.check, i.severity, i.count) for i in issues] == [
        ("resource/service-name", "warning", 2)
    ]
    assert issues[0].service.startswith("unknown_service")


def test_bad_sdk_output_is_reported_per_check():
    spans = otlp.read_traces(sdk_spans({"service.name": "checkout"}, bad))
    got = {(i.check, i.subject, i.count) for i in lint_spans(spans)}
    assert got == {
        ("span/name-cardinality", "GET /users/{id}", 2),  # one finding per operation
        ("span/kind", "GET /users/{id}", 2),
        ("attributes/deprecated", "http.method", 2),
        ("attributes/placement", "host.name", 2),
        ("span/status", "checkout", 1),
    }


def _span(**kw) -> Span:
    base = dict(
        trace_id="1" * 32,
        span_id="2" * 16,
        parent_span_id="",
        name="op",
        kind=1,
        start_time_unix_nano=0,
        end_time_unix_nano=1,
        status_code=0,
        resource_attributes={"service.name": "svc"},
    )
    return Span(**{**base, **kw})


def test_hand_made_cases():
    assert [i.check for i in lint_spans([_span(resource_attributes={})])] == [
        "resource/service-name"
    ]
    assert lint_spans([_span(resource_attributes={})])[0].severity == "error"
    assert [i.check for i in lint_spans([_span(status_message="ok", status_code=1)])] == [
        "span/status"
    ]
    assert lint_spans([_span(status_message="boom", status_code=2)]) == []
    assert [
        i.check
        for i in lint_spans(
            [_span(resource_attributes={"service.name": "svc", "url.full": "https://x"})]
        )
    ] == ["attributes/placement"]
    for name in (
        "GET /orders/0af7651916cd43dd8448eb211c80319c",
        "user@example.com",
        "GET /a?b=1",
        "process 550e8400-e29b-41d4-a716-446655440000",
    ):
        assert [i.check for i in lint_spans([_span(name=name)])] == ["span/name-cardinality"]
    for name in (
        "GET /users/{id}",
        "HTTP GET",
        "SELECT orders",
        "grpc.health.v1/Check",
        "kafka.publish orders-v2",
    ):
        assert lint_spans([_span(name=name)]) == [], name


def test_too_many_span_names():
    spans = [_span(name=f"op-{chr(97 + i % 26)}{chr(97 + i // 26)}") for i in range(30)]
    issues = lint_spans(spans, max_span_names=20)
    assert [(i.check, i.subject, i.count) for i in issues] == [
        ("span/name-cardinality", "service", 30)
    ]
    with pytest.raises(ValueError, match="max_span_names"):
        lint_spans([], max_span_names=0)


def _semconv_deprecations() -> dict[str, str]:
    import opentelemetry.semconv._incubating.attributes as pkg

    found: dict[str, str] = {}
    for info in pkgutil.iter_modules(pkg.__path__, pkg.__name__ + "."):
        module = __import__(info.name, fromlist=["_"])
        body = ast.parse(inspect.getsource(module)).body
        for node, doc in itertools.pairwise(body):
            if (
                isinstance(node, ast.AnnAssign | ast.Assign)
                and isinstance(node.value, ast.Constant)
                and isinstance(doc, ast.Expr)
                and isinstance(doc.value, ast.Constant)
            ):
                m = re.search(r"Deprecated: Replaced by `([^`]+)`", str(doc.value.value))
                if m and isinstance(node.value.value, str):
                    found[node.value.value] = m[1]
    return found


def test_deprecated_table_agrees_with_the_semantic_conventions_package():
    marked = _semconv_deprecations()
    assert len(marked) > 50  # the parse found the package's markings
    for old, new in DEPRECATED_ATTRIBUTES.items():
        assert old in marked, old
        assert marked[old] == new, (old, marked[old], new)


def test_shipped_real_files():
    for name in ("otlp/jaeger/example_trace.json", "otlp/proto-examples/trace.json"):
        spans = otlp.read_traces(datasets.path(name))
        assert all(i.severity == "warning" for i in lint_spans(spans))


# -- cardinality -------------------------------------------------------------------------


@pytest.mark.parametrize("n", [10, 1_000, 20_000, 200_000, 1_000_000])
def test_hyperloglog_error_is_within_four_standard_errors(n):
    rng = np.random.default_rng(n)
    hll = HyperLogLog(precision=12)
    hll.add_hashes(rng.integers(0, 2**64, n, dtype=np.uint64))
    assert abs(hll.estimate() / n - 1) < 4 * 1.04 / np.sqrt(4096)


@settings(max_examples=30 * SCALE)
@given(st.integers(0, 2**32), st.integers(1, 30_000))
def test_hyperloglog_merging_order_and_duplicates_do_not_matter(seed, n):
    rng = np.random.default_rng(seed)
    h = rng.integers(0, 2**64, n, dtype=np.uint64)
    a, b = HyperLogLog(10), HyperLogLog(10)
    a.add_hashes(h)
    b.add_hashes(np.concatenate([h[::-1], h[: n // 2]]))
    assert np.array_equal(a.registers, b.registers)


def test_hyperloglog_error_shrinks_with_precision():
    rng = np.random.default_rng(1)
    h = rng.integers(0, 2**64, 300_000, dtype=np.uint64)
    errors = []
    for p in (6, 10, 14):
        runs = []
        for k in range(5):
            hll = HyperLogLog(p)
            hll.add_hashes(h[k * 60_000 : (k + 1) * 60_000])
            runs.append(hll.estimate() / 60_000 - 1)
        errors.append(np.sqrt(np.mean(np.square(runs))))
    assert errors[0] > errors[1] > errors[2]


def test_attribute_cardinality_switches_to_the_sketch_beyond_the_limit():
    spans = [
        _span(attributes={"user.id": f"u{i}", "http.request.method": "GET"}) for i in range(3_000)
    ]
    cards = {c.key: c for c in attribute_cardinality(spans, exact_limit=1_000)}
    assert cards["http.request.method"].exact and cards["http.request.method"].distinct == 1
    user = cards["user.id"]
    assert not user.exact and abs(user.distinct / 3_000 - 1) < 0.05
    assert user.spans == 3_000


# -- the command ---------------------------------------------------------------------------


def test_cli_exit_status_and_json(tmp_path: Path):
    runner = CliRunner()
    good_file = tmp_path / "good.pb"
    good_file.write_bytes(sdk_spans({"service.name": "checkout"}, good))
    result = runner.invoke(main, ["lint", str(good_file)], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    bad_file = tmp_path / "bad.json"
    bad_file.write_text(
        json.dumps(
            {
                "resourceSpans": [
                    {
                        "resource": {},
                        "scopeSpans": [
                            {
                                "spans": [
                                    {
                                        "traceId": "1" * 32,
                                        "spanId": "2" * 16,
                                        "name": "op",
                                        "kind": 1,
                                        "startTimeUnixNano": "1",
                                        "endTimeUnixNano": "2",
                                    }
                                ]
                            }
                        ],
                    }
                ]
            }
        )
    )
    result = runner.invoke(main, ["lint", str(bad_file), "--json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["spans"] == 1 and report["issues"][0]["check"] == "resource/service-name"
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = runner.invoke(main, ["lint", str(broken)])
    assert result.exit_code == 2 and "otlpkb: error:" in result.output
    result = runner.invoke(main, ["lint", str(tmp_path / "missing.json")])
    assert result.exit_code == 2 and "no such file" in result.output
