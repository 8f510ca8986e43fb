"""Tests of otlpkb.tracing.traces: assembly, self time, critical path, latency summaries.

External checks:
* the critical-path test cases of Jaeger UI (jaegertracing/jaeger-ui,
  packages/jaeger-ui/src/components/TracePage/CriticalPath/testCases/test1.js, test2.js,
  test4.js, test6.js-test9.js and testResults/test2.js with testCases/happyTrace.json),
  transcribed below: span start/duration in, expected critical-path sections out;
* per-group quantiles against numpy.percentile (method "linear");
* the real OTLP example files shipped in otlpkb.datasets (opentelemetry-proto, Jaeger).
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb import datasets
from otlpkb.otlp import Span, SpanTable, read_traces
from otlpkb.tracing.traces import (
    PathSegment,
    assemble_traces,
    critical_path,
    interval_union_length,
    latency_summary,
    self_times,
)

TID = "4bf92f3577b34da6a3ce929d0e0e4736"


def sid(name: str) -> str:
    """A 16-hex-digit span id derived from a short name (deterministic)."""
    return name.encode().hex().ljust(16, "0")[:16]


def span(name, parent, start, end, *, service="svc", status=0, trace=TID):
    return Span(
        trace,
        sid(name),
        sid(parent) if parent else "",
        name,
        1,
        start,
        end,
        status,
        service_name=service,
    )


def jaeger(name, parent, start, duration):
    """A Jaeger UI test span: startTime and duration (end = start + duration)."""
    return span(name, parent, start, start + duration)


def sections(trace, root=None, strict=False):
    names = {s.span_id: s.name for s in trace.spans}
    path = critical_path(trace, root, strict=strict)
    return [(names[seg.span_id], seg.start, seg.end) for seg in path]


# ---------------------------------------------------------------- assembly


def test_assembly_reports_roots_orphans_duplicates_and_cycles():
    spans = [
        span("root", None, 0, 100),
        span("a", "root", 10, 20),
        span("a", "root", 10, 20),  # a retried batch delivered it twice
        span("lost", "gone", 30, 40),  # parent never arrived
        span("root2", None, 50, 60),
        span("x", "y", 0, 1),  # x <-> y: a parent-pointer cycle
        span("y", "x", 0, 1),
    ]
    trace = assemble_traces(spans)[TID]
    assert trace.roots == (sid("root"), sid("root2"))
    assert trace.orphans == (sid("lost"),)
    assert trace.duplicates == (sid("a"),)
    assert set(trace.unreachable) == {sid("x"), sid("y")}
    assert len(trace.spans) == 6
    assert not trace.is_complete
    assert trace.root is None
    assert trace.children[sid("root")] == (sid("a"),)
    walked = [(s.name, d) for s, d in trace.walk()]
    assert walked == [("root", 0), ("a", 1), ("root2", 0), ("lost", 0)]


def test_assembly_groups_by_trace_in_order_and_children_by_start():
    other = "0" * 31 + "1"
    spans = [
        span("r", None, 0, 10, trace=other),
        span("root", None, 0, 100),
        span("late", "root", 50, 60),
        span("early", "root", 5, 60),
    ]
    traces = assemble_traces(SpanTable.from_spans(spans))
    assert list(traces) == [other, TID]
    assert traces[TID].children[sid("root")] == (sid("early"), sid("late"))
    assert traces[TID].is_complete
    assert traces[TID].root.name == "root"


def test_assembly_self_parent_is_unreachable():
    trace = assemble_traces([span("s", "s", 0, 1)])[TID]
    assert trace.unreachable == (sid("s"),)
    assert trace.roots == () and trace.orphans == ()


def test_assembly_rejects_non_spans():
    with pytest.raises(TypeError, match=r"spans\[0\]"):
        assemble_traces([("not", "a span")])


def test_trace_span_lookup_error_names_the_id():
    trace = assemble_traces([span("a", None, 0, 1)])[TID]
    with pytest.raises(KeyError, match="nope"):
        trace.span("nope")


# ---------------------------------------------------------------- self time


def test_interval_union_examples():
    assert interval_union_length([], 0, 10) == 0
    assert interval_union_length([(0, 5), (3, 8)], 0, 100) == 8
    assert interval_union_length([(-5, 5), (8, 50)], 0, 10) == 7
    assert interval_union_length([(5, 5), (7, 6)], 0, 10) == 0


def test_self_time_clips_overlapping_and_overflowing_children():
    spans = [
        span("p", None, 0, 100),
        span("c1", "p", 10, 40),
        span("c2", "p", 30, 60),  # overlaps c1: the union counts [10, 60] once
        span("c3", "p", 90, 150),  # outlives the parent: only [90, 100] counts
        span("g", "c1", 15, 20),
    ]
    st_ = self_times(assemble_traces(spans)[TID])
    assert st_[sid("p")] == 100 - 50 - 10
    assert st_[sid("c1")] == 30 - 5
    assert st_[sid("c2")] == 30
    assert st_[sid("c3")] == 60
    assert st_[sid("g")] == 5


def test_self_time_of_negative_duration_is_zero():
    assert self_times(assemble_traces([span("n", None, 10, 5)])[TID]) == {sid("n"): 0}


# ---------------------------------------------------------------- critical path: Jaeger UI


JAEGER_CASES = [
    pytest.param(  # testCases/test1.js
        [jaeger("C", None, 1, 100), jaeger("D", "C", 20, 20), jaeger("E", "C", 50, 10)],
        [("C", 1, 20), ("D", 20, 40), ("C", 40, 50), ("E", 50, 60), ("C", 60, 101)],
        id="jaeger-test1",
    ),
    pytest.param(  # testCases/test2.js: overlapping children, the later-ending one wins
        [jaeger("X", None, 1, 100), jaeger("A", "X", 10, 40), jaeger("C", "X", 20, 40)],
        [("X", 1, 20), ("C", 20, 60), ("X", 60, 101)],
        id="jaeger-test2",
    ),
    pytest.param(  # testResults/test2.js over testCases/happyTrace.json
        [
            jaeger("X", None, 1, 9),
            jaeger("A", "X", 2, 4),
            jaeger("B", "A", 4, 1),
            jaeger("C", "X", 3, 4),
            jaeger("D", "X", 8, 1),
        ],
        [("X", 1, 3), ("C", 3, 7), ("X", 7, 8), ("D", 8, 9), ("X", 9, 10)],
        id="jaeger-happy-trace",
    ),
    pytest.param(  # testCases/test4.js: a child starting after its parent ends is dropped
        [jaeger("A", None, 1, 30), jaeger("B", "A", 40, 40), jaeger("C", "B", 50, 10)],
        [("A", 1, 31)],
        id="jaeger-test4",
    ),
    pytest.param(  # testCases/test6.js: grandchild clipped to the clipped child
        [jaeger("A", None, 1, 29), jaeger("B", "A", 15, 20), jaeger("C", "B", 10, 15)],
        [("A", 1, 15), ("C", 15, 25), ("B", 25, 30)],
        id="jaeger-test6",
    ),
    pytest.param(  # testCases/test7.js
        [jaeger("A", None, 1, 29), jaeger("B", "A", 15, 20), jaeger("C", "B", 20, 20)],
        [("A", 1, 15), ("B", 15, 20), ("C", 20, 30)],
        id="jaeger-test7",
    ),
    pytest.param(  # testCases/test8.js: child longer than parent on both sides
        [jaeger("A", None, 10, 20), jaeger("B", "A", 5, 30)],
        [("B", 10, 30)],
        id="jaeger-test8",
    ),
    pytest.param(  # testCases/test9.js: child entirely before its parent is dropped
        [jaeger("A", None, 10, 20), jaeger("B", "A", 1, 4)],
        [("A", 10, 30)],
        id="jaeger-test9",
    ),
]


@pytest.mark.parametrize(("spans", "expected"), JAEGER_CASES)
def test_critical_path_matches_jaeger_ui_cases(spans, expected):
    trace = assemble_traces(spans)[TID]
    assert sections(trace) == expected
    assert sections(trace, strict=True) == expected  # Jaeger's own tie rule


def test_critical_path_needs_a_single_root_or_an_explicit_one():
    trace = assemble_traces([span("a", None, 0, 5), span("b", None, 1, 9)])[TID]
    with pytest.raises(ValueError, match="2 roots"):
        critical_path(trace)
    assert sections(trace, root=sid("b")) == [("b", 1, 9)]
    with pytest.raises(KeyError):
        critical_path(trace, root="ffffffffffffffff")


def test_critical_path_deep_chain_does_not_recurse():
    depth = 3000
    spans = [
        Span(TID, f"{i + 1:016x}", f"{i:016x}" if i else "", f"n{i}", 1, i, 2 * depth - i, 0)
        for i in range(depth)
    ]
    path = critical_path(assemble_traces(spans)[TID])
    assert sum(seg.duration_nano for seg in path) == 2 * depth
    assert path[len(path) // 2].span_id == f"{depth:016x}"


# ---------------------------------------------------------------- critical path: properties


@st.composite
def random_trees(draw):
    n = draw(st.integers(1, 25))
    spans = []
    intervals = []
    for i in range(n):
        start = draw(st.integers(0, 1000))
        end = start + draw(st.integers(0, 300))
        parent = draw(st.integers(0, i - 1)) if i else None
        intervals.append((start, end))
        spans.append(
            Span(
                TID,
                f"{i + 1:016x}",
                f"{parent + 1:016x}" if parent is not None else "",
                f"op{i}",
                1,
                start,
                end,
                0,
            )
        )
    return spans


@settings(max_examples=150 * SCALE, deadline=None)
@given(random_trees())
def test_critical_path_tiles_the_root_interval(spans):
    trace = assemble_traces(spans)[TID]
    root = trace.root
    path = critical_path(trace)
    if root.end_time_unix_nano <= root.start_time_unix_nano:
        assert path == []
        return
    assert path[0].start == root.start_time_unix_nano
    assert path[-1].end == root.end_time_unix_nano
    for left, right in itertools.pairwise(path):
        assert left.end == right.start
    for seg in path:
        assert seg.end > seg.start
        s = trace.span(seg.span_id)
        assert s.start_time_unix_nano <= seg.start and seg.end <= s.end_time_unix_nano
    # Every span on the path is the root or a descendant of it.
    for span_id in {seg.span_id for seg in path}:
        cursor = span_id
        while cursor != root.span_id:
            cursor = trace.span(cursor).parent_span_id
            assert cursor, "walked past a root"
    # The path's length is the root's duration (the tiling checked above implies it).
    assert sum(seg.duration_nano for seg in path) == root.duration_nano


@settings(max_examples=150 * SCALE, deadline=None)
@given(random_trees())
def test_self_time_bounds_and_sequential_children_identity(spans):
    trace = assemble_traces(spans)[TID]
    times = self_times(trace)
    for s in trace.spans:
        assert 0 <= times[s.span_id] <= max(0, s.duration_nano)


def test_self_time_equals_duration_minus_children_when_children_are_disjoint():
    spans = [span("p", None, 0, 1000)]
    spans += [span(f"c{i}", "p", 100 * i, 100 * i + 40) for i in range(1, 9)]
    trace = assemble_traces(spans)[TID]
    assert self_times(trace)[sid("p")] == 1000 - 8 * 40
    # with disjoint sequential children every child is on the critical path
    assert {seg.span_id for seg in critical_path(trace)} == {s.span_id for s in trace.spans}
    assert isinstance(critical_path(trace)[0], PathSegment)


# ---------------------------------------------------------------- latency summary


def test_latency_summary_quantiles_match_numpy_percentile():
    rng = np.random.default_rng(7)
    spans = []
    for i in range(400):
        service = ["api", "db", "cache"][i % 3]
        duration = int(rng.lognormal(15, 1))
        tid = f"{i // 4 + 1:032x}"
        spans.append(
            Span(
                tid,
                f"{i + 1:016x}",
                "",
                f"op{i % 2}",
                2,
                10**9,
                10**9 + duration,
                2 if i % 10 == 0 else 0,
                service_name=service,
            )
        )
    rows = {r.key: r for r in latency_summary(spans, by="service")}
    assert set(rows) == {"api", "db", "cache"}
    for key, row in rows.items():
        durs = np.array([s.duration_nano for s in spans if s.service_name == key]) / 1e6
        assert row.count == len(durs)
        for q, got in ((50, row.p50_ms), (95, row.p95_ms), (99, row.p99_ms)):
            assert got == pytest.approx(np.percentile(durs, q), rel=1e-12)
        assert row.mean_ms == pytest.approx(durs.mean(), rel=1e-12)
        assert row.max_ms == pytest.approx(durs.max())
        assert row.errors == sum(
            1 for i, s in enumerate(spans) if s.service_name == key and i % 10 == 0
        )
        assert row.self_ms == pytest.approx(durs.sum())  # no children: self == duration
    ops = latency_summary(spans, by="operation")
    assert {r.key for r in ops} == {f"{s}: op{k}" for s in ("api", "db", "cache") for k in (0, 1)}


def test_latency_summary_self_time_and_errors():
    spans = [
        span("p", None, 0, 10_000_000, service="front"),
        span("c", "p", 0, 6_000_000, service="back", status=2),
    ]
    rows = latency_summary(SpanTable.from_spans(spans))
    assert [r.key for r in rows] == ["back", "front"]
    assert rows[0].self_ms == pytest.approx(6.0) and rows[1].self_ms == pytest.approx(4.0)
    assert rows[0].errors == 1 and rows[1].errors == 0
    assert latency_summary([]) == []
    with pytest.raises(ValueError, match="by must be"):
        latency_summary(spans, by="host")


# ---------------------------------------------------------------- real files


def test_real_files_assemble():
    """The shipped Jaeger and opentelemetry-proto fixtures: counts read from the files."""
    example = assemble_traces(read_traces(datasets.path("otlp/jaeger/example_trace.json")))
    (trace,) = example.values()
    assert len(trace.roots) == 5 and not trace.orphans  # five parentless spans, one trace id
    proto = assemble_traces(read_traces(datasets.path("otlp/proto-examples/trace.json")))
    (trace,) = proto.values()
    assert trace.orphans == ("eee19b7ec3c1b174",)  # its parent eee19b7ec3c1b173 is absent
    otel = assemble_traces(read_traces(datasets.path("otlp/jaeger/otel_traces_01.json")))
    assert len(otel) == 2
    assert all(len(t.orphans) == 2 and not t.roots for t in otel.values())


def test_critical_path_tie_rule_for_back_to_back_children():
    # Issue 17.6. jaeger-ui (packages/jaeger-ui/src/components/TracePage/CriticalPath/
    # utils/findLastFinishingChildSpan.tsx) takes the next child only if
    # startTime + duration < returningChildStartTime: for P[0,100], A[10,50], B[50,90]
    # its path is P[90,100], B[50,90], P[0,50]; A, ending where B starts, is off it.
    # strict=True reproduces that; the default keeps A (the parent waited for it).
    t = "1" * 32
    spans = [
        Span(t, "p" * 16, "", "P", 2, 0, 100, 0),
        Span(t, "a" * 16, "p" * 16, "A", 3, 10, 50, 0),
        Span(t, "b" * 16, "p" * 16, "B", 3, 50, 90, 0),
    ]
    path = critical_path(assemble_traces(spans)[t], strict=True)
    assert [(s.span_id[0], s.start, s.end) for s in path] == [
        ("p", 0, 50),
        ("b", 50, 90),
        ("p", 90, 100),
    ]
    path = critical_path(assemble_traces(spans)[t])
    assert [(s.span_id[0], s.start, s.end) for s in path] == [
        ("p", 0, 10),
        ("a", 10, 50),
        ("b", 50, 90),
        ("p", 90, 100),
    ]
    # with a 1 ns gap A is back on the path
    spans[1] = dataclasses.replace(spans[1], end_time_unix_nano=49)
    for strict in (True, False):
        path = critical_path(assemble_traces(spans)[t], strict=strict)
        assert [s.span_id[0] for s in path] == ["p", "a", "p", "b", "p"]


def test_self_times_sum_to_at_least_the_union_of_the_spans():
    # Issue 17.5: overlapping children each count their overlap in their own self time,
    # so the sum of self times is never less than the union of all span intervals (the
    # root [0,100] with children [10,60] and [20,70] gives 140 against 100).
    t = "2" * 32
    spans = [
        Span(t, "r" * 16, "", "root", 2, 0, 100, 0),
        Span(t, "a" * 16, "r" * 16, "a", 3, 10, 60, 0),
        Span(t, "b" * 16, "r" * 16, "b", 3, 20, 70, 0),
    ]
    trace = assemble_traces(spans)[t]
    selfs = self_times(trace)
    assert selfs == {"r" * 16: 40, "a" * 16: 50, "b" * 16: 50}
    assert sum(selfs.values()) == 140 > interval_union_length([(0, 100)], 0, 100) == 100
