"""otlpkb.diagnosis.root_cause and otlpkb.diagnosis.scenarios.

External checks: traces recorded by the OpenTelemetry Python SDK (explicit start and end
times, ERROR statuses), encoded by its OTLP exporter's encoder and read back with
``otlpkb.otlp.read_traces``, must be ranked like the generator's; error origins agree
with networkx (the sinks of the subgraph of failed spans, earliest first) on random
trees; and the accuracy over 100 seeded fault scenarios, each with its culprit known,
is measured against the naive "largest latency increase" baseline.
"""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb.diagnosis.root_cause import (
    changes,
    error_origins,
    naive_ranking,
    profile,
    rank_root_causes,
)
from otlpkb.diagnosis.scenarios import FAULT_KINDS, make_scenario, scenarios
from otlpkb.otlp import Span, read_traces

T = "0af7651916cd43dd8448eb211c80319c"


def span(sid, parent, service, start, end, error=False, version="1.0.0", trace=T):
    return Span(
        trace, sid * 16, parent * 16 if parent else "", f"{service} op", 2,
        start * 1_000_000, end * 1_000_000,
        2 if error else 0, service_name=service,
        resource_attributes={"service.version": version},
    )  # fmt: skip


def test_error_origin_is_the_deepest_span_that_failed_first() -> None:
    spans = [
        span("a", "", "web", 0, 100, error=True),
        span("b", "a", "api", 10, 90, error=True),
        span("c", "b", "db", 20, 30, error=True),  # deepest, first
        span("d", "b", "cache", 40, 50, error=True),  # deepest, later
        span("e", "a", "auth", 1, 5),
    ]
    assert error_origins(spans) == {"db": 1}
    assert error_origins(spans[4:]) == {}


@st.composite
def random_trace(draw):
    n = draw(st.integers(1, 25))
    parents = [None] + [draw(st.integers(0, k - 1)) for k in range(1, n)]
    errors = [draw(st.booleans()) for _ in range(n)]
    starts = [draw(st.integers(0, 1000)) for _ in range(n)]
    spans = [
        span(f"{k + 1:x}", "" if p is None else f"{p + 1:x}", f"s{k}", starts[k],
             starts[k] + 5, error=errors[k])
        for k, p in enumerate(parents)
    ]  # fmt: skip
    return spans


@given(random_trace())
@settings(max_examples=150 * SCALE)
def test_error_origins_agree_with_networkx(spans) -> None:
    g = nx.DiGraph()
    failed = [s for s in spans if s.status_code == 2]
    g.add_nodes_from(s.span_id for s in failed)
    g.add_edges_from((s.parent_span_id, s.span_id) for s in failed if s.parent_span_id in g)
    sinks = [s for s in failed if g.out_degree(s.span_id) == 0]
    expected = {}
    if sinks:
        first = min(sinks, key=lambda s: (s.start_time_unix_nano, s.span_id))
        expected = {first.service_name: 1}
    assert error_origins(spans) == expected


def test_changes_are_the_attributes_that_differ() -> None:
    before = [span("a", "", "web", 0, 10), span("b", "a", "api", 1, 5)]
    after = [
        span("a", "", "web", 0, 10, trace="1" * 32),
        span("b", "a", "api", 1, 5, version="1.1.0", trace="1" * 32),
    ]
    found = changes(before, after)
    assert [(c.service, c.attribute, c.before, c.after) for c in found] == [
        ("api", "service.version", ("1.0.0",), ("1.1.0",))
    ]


def _window(api_ms: int, error: bool, trace_base: int) -> list[Span]:
    out = []
    for k in range(10):
        t = f"{trace_base + k:032x}"
        out += [
            span("a", "", "web", 0, 20 + api_ms, error=error, trace=t),
            span("b", "a", "api", 10, 10 + api_ms, error=error, trace=t),
            span("c", "a", "auth", 1, 9, trace=t),  # parallel, off the path
        ]
    return out


def test_a_slower_dependency_ranks_first_and_its_caller_does_not() -> None:
    base, slow = _window(10, False, 0), _window(50, False, 100)
    ranked = rank_root_causes(base, slow)
    assert ranked[0].service == "api" and ranked[0].latency_share == 1.0
    assert ranked[0].latency_delta_ms == pytest.approx(40.0)
    # inclusive durations grow by 40 ms for the caller too: the naive method cannot tell
    # the caller from the callee
    assert naive_ranking(base, slow)[:2] == ["api", "web"]
    p = profile(slow)["api"]
    assert p.critical_ms == pytest.approx(50.0) and p.spans == 1.0


def test_errors_are_evidence_only_when_they_shift() -> None:
    base, bad = _window(10, False, 0), _window(10, True, 100)
    ranked = rank_root_causes(base, bad)
    assert ranked[0].service == "api" and ranked[0].error_share == 1.0
    assert all(s.latency_share == 0 or s.score <= ranked[0].score for s in ranked)
    same = rank_root_causes(base, _window(10, False, 200))
    assert all(s.score == 0 for s in same)
    with pytest.raises(TypeError):
        rank_root_causes(base, ["not a span"])  # type: ignore[list-item]


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_scenarios_are_reproducible_and_carry_their_fault(kind) -> None:
    a, b = make_scenario(5, kind, n_traces=30), make_scenario(5, kind, n_traces=30)
    assert a.anomalous == b.anomalous and a.culprit == b.culprit
    assert {s.service_name for s in a.anomalous} <= set(a.services)
    before = profile(a.baseline)[a.culprit]
    after = profile(a.anomalous)[a.culprit]
    if kind == "retry_storm":
        assert after.spans > before.spans
    if kind == "erroring_dependency":
        assert after.error_origins > before.error_origins
    with pytest.raises(ValueError, match="kind"):
        make_scenario(1, "gremlins")
    with pytest.raises(ValueError, match="n_traces"):
        make_scenario(1, kind, n_traces=2)


def test_accuracy_over_100_scenarios_beats_the_naive_baseline() -> None:
    bench = scenarios(100, n_traces=30, seed=1000)
    top1 = top3 = naive1 = naive3 = 0
    for s in bench:
        ours = [x.service for x in rank_root_causes(s.baseline, s.anomalous)]
        naive = naive_ranking(s.baseline, s.anomalous)
        top1 += ours[0] == s.culprit
        top3 += s.culprit in ours[:3]
        naive1 += naive[0] == s.culprit
        naive3 += s.culprit in naive[:3]
    assert top1 >= 85 and top3 >= 95
    assert naive1 <= 50 and top1 - naive1 >= 40


def test_sdk_traces_read_from_otlp_rank_the_culprit_first() -> None:
    from opentelemetry import trace as otel
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    def window(db_ms: int, t0: int) -> list[Span]:
        exporter = InMemorySpanExporter()
        tracers = {}
        for service in ("frontend", "orders", "search"):
            provider = TracerProvider(resource=Resource({"service.name": service}))
            provider.add_span_processor(SimpleSpanProcessor(exporter))
            tracers[service] = provider.get_tracer("rca-test")
        ms = 1_000_000
        for k in range(20):
            start = t0 + k * 500 * ms
            root = tracers["frontend"].start_span("GET /", start_time=start)
            ctx = otel.set_span_in_context(root)
            search = tracers["search"].start_span("Search", context=ctx, start_time=start + ms)
            search.end(end_time=start + 9 * ms)
            orders = tracers["orders"].start_span("List", context=ctx, start_time=start + ms)
            octx = otel.set_span_in_context(orders)
            db = tracers["orders"].start_span(
                "SELECT orders", context=octx, kind=otel.SpanKind.CLIENT,
                start_time=start + 2 * ms,
            )  # fmt: skip
            db.end(end_time=start + (2 + db_ms) * ms)
            orders.end(end_time=start + (4 + db_ms) * ms)
            root.end(end_time=start + (6 + db_ms) * ms)
        body = encode_spans(exporter.get_finished_spans()).SerializeToString()
        return list(read_traces(body, format="protobuf"))

    base, slow = window(3, 1_700_000_000_000_000_000), window(30, 1_700_000_100_000_000_000)
    ranked = rank_root_causes(base, slow)
    assert ranked[0].service == "orders"
    # In the baseline the 8 ms search outlasts the 6 ms orders call, so orders is off the
    # critical path; with the slow query it is on it for its whole 33 ms.
    assert ranked[0].latency_delta_ms == pytest.approx(33.0)
    search = next(s for s in ranked if s.service == "search")
    assert search.score == 0 and search.latency_delta_ms == pytest.approx(-8.0)
