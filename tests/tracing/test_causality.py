"""Tests for otlpkb.tracing.causality (chapter 3.3, Causality and partial order).

External checks:

* Coulouris, Dollimore, Kindberg & Blair, *Distributed Systems: Concepts and Design*
  (5th ed., 2012), section 14.4, figures 14.5-14.7: three processes, events a-f, messages
  m1 (b -> c) and m2 (d -> f), with the Lamport and vector timestamps the book prints.
* Lamport (1978), CACM 21(7):558-565, doi:10.1145/359545.359563: the Clock Condition
  (a -> b implies C(a) < C(b)); happens-before computed independently by networkx
  reachability on random executions (hypothesis), where vector timestamps must give
  exactly that order (Fidge 1988, Mattern 1988).
* Jaeger's clock-skew adjuster test table (jaegertracing/jaeger,
  model/adjuster/clockskew_test.go, commit 0a356ef52e34dd9e51f8bfae9e488f56c78b3faa),
  transcribed case by case for ``mode="center"``, for seven kind pairs, since Jaeger v2's
  ``calculateSkew`` (cmd/query/app/querysvc/v2/adjuster/clockskew.go) ignores span kinds;
  its ``hostKey`` order (host.id, host.ip, host.name) for ``jaeger_host_key``.
* Traces produced by the real OpenTelemetry Python SDK (context propagated with the W3C
  propagator, encoded to OTLP protobuf by the SDK's encoder, read back with
  ``otlpkb.otlp.read_traces``), then skewed by a known amount per service.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb import datasets
from otlpkb.otlp import Span, SpanEvent, read_traces
from otlpkb.tracing.causality import (
    CausalEdge,
    Event,
    LamportClock,
    SkewAdjustment,
    VectorClock,
    VectorTimestamp,
    adjust_clock_skew,
    causal_order,
    concurrent,
    detect_clock_skew,
    happens_before,
    happens_before_pairs,
    jaeger_host_key,
    lamport_timestamps,
    vector_timestamps,
)

# --- the textbook example ---------------------------------------------------------------

COULOURIS = {
    "p1": [Event("a"), Event("b", "send", "m1")],
    "p2": [Event("c", "receive", "m1"), Event("d", "send", "m2")],
    "p3": [Event("e"), Event("f", "receive", "m2")],
}


def test_coulouris_lamport_timestamps():
    # Coulouris et al., figure 14.6: a=1, b=2, c=3, d=4, e=1, f=5.
    assert lamport_timestamps(COULOURIS) == {"a": 1, "b": 2, "c": 3, "d": 4, "e": 1, "f": 5}


def test_coulouris_vector_timestamps():
    # Coulouris et al., figure 14.7: (p1, p2, p3) entries.
    printed = {
        "a": (1, 0, 0),
        "b": (2, 0, 0),
        "c": (2, 1, 0),
        "d": (2, 2, 0),
        "e": (0, 0, 1),
        "f": (2, 2, 2),
    }
    v = vector_timestamps(COULOURIS)
    for name, (x, y, z) in printed.items():
        assert (v[name]["p1"], v[name]["p2"], v[name]["p3"]) == (x, y, z), name
    # The book's point: L(e) < L(b) although e and b are concurrent; vectors tell.
    lamport = lamport_timestamps(COULOURIS)
    assert lamport["e"] < lamport["b"] and concurrent(v["e"], v["b"])
    assert concurrent(v["c"], v["e"]) and happens_before(v["a"], v["f"])
    assert ("a", "f") in happens_before_pairs(COULOURIS)
    assert ("e", "b") not in happens_before_pairs(COULOURIS)


def test_clock_classes_follow_the_rules():
    p = LamportClock()
    assert p.tick() == 1 and p.send() == 2
    q = LamportClock(10)
    assert q.receive(2) == 11  # max(10, 2) + 1
    assert LamportClock(0).receive(7) == 8
    q.merge(20)
    assert q.time == 20
    vc = VectorClock("p")
    vc.merge(VectorTimestamp({"q": 3}))
    assert vc.timestamp == VectorTimestamp({"q": 3})
    assert vc.send() == VectorTimestamp({"p": 1, "q": 3})
    assert VectorTimestamp({"p": 0}) == VectorTimestamp()  # zero entries do not matter
    assert hash(VectorTimestamp({"p": 0, "q": 1})) == hash(VectorTimestamp({"q": 1}))
    a, b = VectorTimestamp({"p": 1}), VectorTimestamp({"p": 2, "q": 1})
    assert a < b and a <= b and b > a and b >= a and not a > b
    assert not a.concurrent(a) and not a < a
    assert repr(a) == "VectorTimestamp({'p': 1})"


def test_clock_bad_inputs():
    with pytest.raises(ValueError, match="time"):
        LamportClock(-1)
    with pytest.raises(TypeError, match="time"):
        LamportClock(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timestamp"):
        LamportClock().receive(-3)
    with pytest.raises(ValueError, match="counts"):
        VectorTimestamp({"p": -1})
    with pytest.raises(TypeError, match="process"):
        VectorTimestamp({1: 1})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="process"):
        VectorClock("")
    with pytest.raises(TypeError, match="timestamp"):
        VectorClock("p").receive({"p": 1})  # type: ignore[arg-type]


def test_execution_bad_inputs():
    with pytest.raises(ValueError, match="unique"):
        lamport_timestamps({"p": [Event("a")], "q": [Event("a")]})
    with pytest.raises(ValueError, match="sent twice"):
        vector_timestamps({"p": [Event("a", "send", "m"), Event("b", "send", "m")]})
    with pytest.raises(ValueError, match="never sent"):
        lamport_timestamps({"p": [Event("a", "receive", "m")]})
    with pytest.raises(ValueError, match="needs a message"):
        lamport_timestamps({"p": [Event("a", "send")]})
    with pytest.raises(ValueError, match="kind"):
        lamport_timestamps({"p": [Event("a", "fork")]})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Event"):
        lamport_timestamps({"p": ["a"]})  # type: ignore[list-item]
    with pytest.raises(TypeError, match="execution"):
        lamport_timestamps([Event("a")])  # type: ignore[arg-type]
    deadlock = {
        "p": [Event("a", "receive", "m2"), Event("b", "send", "m1")],
        "q": [Event("c", "receive", "m1"), Event("d", "send", "m2")],
    }
    for fn in (lamport_timestamps, vector_timestamps, happens_before_pairs):
        with pytest.raises(ValueError, match="cycle"):
            fn(deadlock)


# --- random executions against networkx -------------------------------------------------


@st.composite
def executions(draw):
    """A random run: processes take local steps, send to others, receive pending messages."""
    n_proc = draw(st.integers(1, 4))
    procs = [f"p{i}" for i in range(n_proc)]
    events = {p: [] for p in procs}
    inbox = {p: [] for p in procs}
    for counter in range(draw(st.integers(0, 18))):
        p = procs[draw(st.integers(0, n_proc - 1))]
        action = draw(st.sampled_from(["local", "send", "receive"]))
        name = f"e{counter}"
        if action == "receive" and inbox[p]:
            m = inbox[p].pop(draw(st.integers(0, len(inbox[p]) - 1)))
            events[p].append(Event(name, "receive", m))
        elif action == "send":
            m = f"m{counter}"
            events[p].append(Event(name, "send", m))
            for dest in draw(st.lists(st.sampled_from(procs), min_size=1, max_size=2)):
                inbox[dest].append(m)  # unicast or multicast, self allowed
        else:
            events[p].append(Event(name))
    return events


def nx_happens_before(execution):
    g = nx.DiGraph()
    send_event = {}
    for evs in execution.values():
        for e in evs:
            g.add_node(e.name)
            if e.kind == "send":
                send_event[e.message] = e.name
        nx.add_path(g, [e.name for e in evs])
    for evs in execution.values():
        for e in evs:
            if e.kind == "receive":
                g.add_edge(send_event[e.message], e.name)
    return {(a, b) for a in g for b in nx.descendants(g, a)}


@settings(max_examples=200 * SCALE, deadline=None)
@given(executions())
def test_vector_order_is_happens_before(execution):
    truth = nx_happens_before(execution)
    assert happens_before_pairs(execution) == truth
    v = vector_timestamps(execution)
    lam = lamport_timestamps(execution)
    names = list(v)
    for a in names:
        assert not v[a] < v[a]  # irreflexive
        for b in names:
            assert (v[a] < v[b]) == ((a, b) in truth), (a, b)
            if a != b:
                assert concurrent(v[a], v[b]) == ((a, b) not in truth and (b, a) not in truth)
                assert v[a] != v[b]  # distinct events, distinct vectors
            if (a, b) in truth:
                assert lam[a] < lam[b]  # Lamport's Clock Condition


@settings(max_examples=100 * SCALE, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from("pqr"), st.integers(0, 3)), min_size=3, max_size=3))
def test_vector_timestamps_strict_partial_order(dicts):
    a, b, c = (VectorTimestamp(d) for d in dicts)
    assert not (a < b and b < a)  # asymmetric
    if a < b and b < c:
        assert a < c  # transitive
    assert a.merge(b) >= a and a.merge(b) >= b
    assert (a <= b) == (a.merge(b) == b)


# --- causal order of spans --------------------------------------------------------------


@dataclass(frozen=True)
class Sp:
    trace_id: str
    span_id: str
    parent_span_id: str = ""
    kind: int = 1
    service_name: str = "a"
    start_time_unix_nano: int = 0
    end_time_unix_nano: int = 0
    links: tuple = ()
    events: tuple = field(default=())
    resource_attributes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Ln:
    trace_id: str
    span_id: str


def test_causal_order_edges_and_queries():
    spans = [
        Sp("t", "root"),
        Sp("t", "prod", "root", kind=4),
        Sp("t", "cons", "prod", kind=5),  # consumer as child of producer
        Sp("u", "batch", kind=5, links=(Ln("t", "prod"), Ln("x", "gone"))),
        Sp("u", "after", "batch", links=(Ln("t", "root"),)),
    ]
    order = causal_order(spans)
    assert set(order.edges) == {
        CausalEdge(("t", "root"), ("t", "prod"), "parent"),
        CausalEdge(("t", "prod"), ("t", "cons"), "message"),
        CausalEdge(("t", "prod"), ("u", "batch"), "message"),
        CausalEdge(("u", "batch"), ("u", "after"), "parent"),
        CausalEdge(("t", "root"), ("u", "after"), "link"),
    }
    assert order.precedes(("t", "root"), ("u", "after"))
    assert order.concurrent(("t", "cons"), ("u", "batch"))
    assert not order.concurrent(("t", "cons"), ("t", "cons"))
    topo = order.topological_order()
    for e in order.edges:
        assert topo.index(e.before) < topo.index(e.after)
    with pytest.raises(KeyError, match="unknown span"):
        order.descendants(("t", "nope"))
    with pytest.raises(ValueError, match="cycle"):
        causal_order([Sp("t", "a", "b"), Sp("t", "b", "a")])


@settings(max_examples=100 * SCALE, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-1, 30), st.lists(st.integers(0, 30), max_size=2)),
        min_size=1,
        max_size=12,
    )
)
def test_causal_order_equals_networkx_reachability(rows):
    # span i's parent and link targets are earlier spans only, so the graph is a DAG
    spans, g = [], nx.DiGraph()
    for i, (parent, links) in enumerate(rows):
        p = parent % i if i and parent >= 0 else None
        targets = sorted({x % i for x in links}) if i else []
        spans.append(
            Sp(
                "t",
                f"s{i}",
                f"s{p}" if p is not None else "",
                links=tuple(Ln("t", f"s{x}") for x in targets),
            )
        )
        g.add_node(f"s{i}")
        if p is not None:
            g.add_edge(f"s{p}", f"s{i}")
        for x in targets:
            g.add_edge(f"s{x}", f"s{i}")
    order = causal_order(spans)
    for a in g:
        assert {b for _, b in order.descendants(("t", a))} == nx.descendants(g, a)


# --- clock skew: Jaeger's test table ----------------------------------------------------


def jaeger_case(protos, kinds=(3, 2)):
    """(id, parent, start, duration, host) -> spans; parent 0 = root; ``kinds``: the
    root's kind and every other span's (Jaeger's rule does not look at kinds)."""
    return [
        Sp(
            "t",
            str(i),
            str(p) if p else "",
            kind=kinds[1] if p else kinds[0],
            service_name=host,
            start_time_unix_nano=start,
            end_time_unix_nano=start + dur,
            events=tuple(SpanEvent(ts) for ts in logs),
        )
        for i, p, start, dur, host, logs in protos
    ]


JAEGER_CASES = [
    # description, [(id, parent, start, duration, host, logs)], {id: adjusted start}, logs
    (
        "parent-child on the same host",
        [(1, 0, 0, 100, "a", ()), (2, 1, 10, 50, "a", ())],
        {1: 0, 2: 10},
        {},
    ),
    (
        "do not adjust parent-child on the same host",
        [(1, 0, 10, 100, "a", ()), (2, 1, 0, 50, "a", ())],
        {1: 10, 2: 0},
        {},
    ),
    (
        "do not adjust child that fits inside parent",
        [(1, 0, 10, 100, "a", ()), (2, 1, 20, 50, "b", ())],
        {1: 10, 2: 20},
        {},
    ),
    (
        "do not adjust child that is longer than parent",
        [(1, 0, 10, 100, "a", ()), (2, 1, 20, 150, "b", ())],
        {1: 10, 2: 20},
        {},
    ),
    (
        "adjust child starting before parent",
        [(1, 0, 10, 100, "a", ()), (2, 1, 0, 50, "b", (5, 10))],
        {1: 10, 2: 35},
        {2: [40, 45]},
    ),
    (
        "adjust child starting before parent even if it is longer",
        [(1, 0, 10, 100, "a", ()), (2, 1, 0, 150, "b", ())],
        {1: 10, 2: 10},
        {},
    ),
    (
        "adjust child ending after parent but being shorter",
        [(1, 0, 10, 100, "a", ()), (2, 1, 50, 70, "b", ()), (3, 2, 60, 20, "b", (65, 70))],
        {1: 10, 2: 25, 3: 35},
        {3: [40, 45]},
    ),
]


KIND_PAIRS = [(3, 2), (1, 1), (2, 3), (4, 5), (0, 0), (2, 1), (5, 4)]


@pytest.mark.parametrize("kinds", KIND_PAIRS, ids=[f"{a}->{b}" for a, b in KIND_PAIRS])
@pytest.mark.parametrize(
    "description,protos,adjusted,logs", JAEGER_CASES, ids=[c[0] for c in JAEGER_CASES]
)
def test_center_mode_matches_jaeger(description, protos, adjusted, logs, kinds):
    # Issue 17.10: Jaeger's calculateSkew ignores span kinds; the table must hold for every
    # pair, not only CLIENT -> SERVER.
    spans = jaeger_case(protos, kinds)
    result = adjust_clock_skew(spans, mode="center")
    by_id = {s.span_id: s for s in result.spans}
    for sid, start in adjusted.items():
        s = by_id[str(sid)]
        assert s.start_time_unix_nano == start, description
        original = spans[sid - 1]
        assert s.end_time_unix_nano - s.start_time_unix_nano == (
            original.end_time_unix_nano - original.start_time_unix_nano
        )
    for sid, times in logs.items():
        assert [e.time_unix_nano for e in by_id[str(sid)].events] == times


def test_contain_mode_is_the_smallest_shift():
    # Jaeger's "adjust child starting before parent": centring moves it by 35, containment
    # needs only 10; "ending after parent": -25 centred, -10 suffices.
    spans = jaeger_case([(1, 0, 10, 100, "a", ()), (2, 1, 0, 50, "b", ())])
    assert adjust_clock_skew(spans).deltas == {("t", "2"): 10}
    spans = jaeger_case([(1, 0, 10, 100, "a", ()), (2, 1, 50, 70, "b", ())])
    assert adjust_clock_skew(spans).deltas == {("t", "2"): -10}
    # a child longer than the parent: cover it, moving as little as possible
    spans = jaeger_case([(1, 0, 10, 100, "a", ()), (2, 1, 30, 150, "b", ())])
    (d,) = adjust_clock_skew(spans).deltas.values()
    assert d == -20  # now [10, 160] covers [10, 110]


@settings(max_examples=300 * SCALE, deadline=None)
@given(
    st.integers(0, 1000),
    st.integers(1, 500),
    st.integers(-1500, 1500),
    st.integers(0, 600),
    st.integers(0, 60),
)
def test_contain_shift_is_minimal_brute_force(p_start, p_dur, c_start, c_dur, latency):
    spans = [
        Sp("t", "c", "", 3, "a", p_start, p_start + p_dur),
        Sp("t", "s", "c", 2, "b", c_start, c_start + c_dur),
    ]
    result = adjust_clock_skew(spans, min_latency_ns=latency)
    d = result.deltas.get(("t", "s"), 0)
    margin = min(latency, max(0, (p_dur - c_dur) // 2))
    lo, hi = p_start + margin, p_start + p_dur - margin

    def fits(x):
        return c_start + x >= lo and c_start + c_dur + x <= hi

    if c_dur <= hi - lo:
        assert fits(d)
        assert not any(fits(x) for x in range(-abs(d) + 1, abs(d)))  # nothing smaller fits
        assert detect_clock_skew(result.spans, min_latency_ns=latency) == []
    else:  # cannot fit: it covers the window instead, with the least movement

        def covers(x):
            return c_start + x <= lo and c_start + c_dur + x >= hi

        assert covers(d)
        assert not any(covers(x) for x in range(-abs(d) + 1, abs(d)))
    findings = detect_clock_skew(spans, min_latency_ns=latency)
    if c_dur <= hi - lo:
        assert (len(findings) == 1) == (d != 0)
    else:  # a child longer than its window is always reported, movable or not
        assert len(findings) == 1
    if findings:
        assert findings[0].shift_ns == d


def test_detection_rules_and_bad_args():
    client = Sp("t", "c", "", 3, "a", 100, 200)
    # a consumer on another service may end after its producer parent: only the start counts
    producer = Sp("t", "p", "", 4, "a", 100, 110)
    consumer = Sp("t", "q", "p", 5, "b", 105, 500)
    assert detect_clock_skew([producer, consumer]) == []
    early = dataclasses.replace(consumer, start_time_unix_nano=95)
    (f,) = detect_clock_skew([producer, early])
    assert (f.relation, f.early_ns, f.late_ns, f.shift_ns) == ("start", 5, 0, 5)
    # same service: one clock, never skew
    assert detect_clock_skew([client, Sp("t", "s", "c", 2, "a", 0, 500)]) == []
    # tolerance hides small violations; min latency tightens the window
    server = Sp("t", "s", "c", 2, "b", 98, 150)
    assert len(detect_clock_skew([client, server])) == 1
    assert detect_clock_skew([client, server], tolerance_ns=2) == []
    near = Sp("t", "s", "c", 2, "b", 102, 190)
    assert detect_clock_skew([client, near]) == []
    # slack 100 - 88 = 12, margin min(10, 12 // 2) = 6: window [106, 194]
    (f,) = detect_clock_skew([client, near], min_latency_ns=10)
    assert (f.early_ns, f.late_ns, f.shift_ns) == (4, 0, 4)
    # host as the clock: same host, no finding
    assert detect_clock_skew([client, server], clock=lambda s: "host-1") == []
    for kwargs, exc in [
        ({"tolerance_ns": -1}, ValueError),
        ({"min_latency_ns": -5}, ValueError),
        ({"tolerance_ns": 1.5}, TypeError),
    ]:
        with pytest.raises(exc, match=next(iter(kwargs))):
            detect_clock_skew([client], **kwargs)
    with pytest.raises(ValueError, match="mode"):
        adjust_clock_skew([client], mode="middle")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="dataclass"):
        from types import SimpleNamespace

        adjust_clock_skew([client, SimpleNamespace(**{**dataclasses.asdict(server), "links": ()})])


def test_adjust_handles_orphans_and_loops_without_mutating():
    spans = [Sp("t", "a", "b"), Sp("t", "b", "a"), Sp("t", "x", "missing", 2, "z", 5, 6)]
    before = list(spans)
    result = adjust_clock_skew(spans)
    assert isinstance(result, SkewAdjustment)
    assert result.spans == before and result.deltas == {}
    assert spans == before


# --- real SDK traces with injected skew -------------------------------------------------

BASE = 1_700_000_000_000_000_000
US = 1_000


def sdk_trace_bytes():
    """A four-service trace made with the real OpenTelemetry SDK, as OTLP protobuf bytes.

    frontend SERVER  [0, 1000] us
      frontend CLIENT POST /pay [100, 600] -> payments SERVER [150, 550]
        payments CLIENT SELECT [200, 400] -> db SERVER [220, 380]
        payments PRODUCER publish [420, 440]
      frontend CLIENT GET /stock [650, 900] -> inventory SERVER [680, 870]
    mailer CONSUMER (new trace, linked to the producer) [700, 800]
    """
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import Link, SpanKind
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    exporter = InMemorySpanExporter()
    tracers = {}
    for name in ("frontend", "payments", "db", "inventory", "mailer"):
        provider = TracerProvider(resource=Resource.create({"service.name": name}))
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        tracers[name] = provider.get_tracer("otlpkb.tests")
    propagator = TraceContextTextMapPropagator()

    def span(service, name, kind, start, end, parent=None, remote=False, links=()):
        ctx = trace.set_span_in_context(parent) if parent is not None else None
        if remote:  # cross a process boundary the way instrumentation does: via headers
            carrier = {}
            propagator.inject(carrier, context=ctx)
            ctx = propagator.extract(carrier)
        s = tracers[service].start_span(
            name, context=ctx, kind=kind, links=list(links), start_time=BASE + start * US
        )
        s.add_event("work", timestamp=BASE + (start + end) // 2 * US)
        return s, end

    open_spans = []

    def run(s_end):
        open_spans.append(s_end)
        return s_end[0]

    root = run(span("frontend", "GET /checkout", SpanKind.SERVER, 0, 1000))
    pay_c = run(span("frontend", "POST /pay", SpanKind.CLIENT, 100, 600, root))
    pay_s = run(span("payments", "POST /pay", SpanKind.SERVER, 150, 550, pay_c, remote=True))
    sql_c = run(span("payments", "SELECT", SpanKind.CLIENT, 200, 400, pay_s))
    run(span("db", "SELECT", SpanKind.SERVER, 220, 380, sql_c, remote=True))
    prod = run(span("payments", "publish", SpanKind.PRODUCER, 420, 440, pay_s))
    stock_c = run(span("frontend", "GET /stock", SpanKind.CLIENT, 650, 900, root))
    run(span("inventory", "GET /stock", SpanKind.SERVER, 680, 870, stock_c, remote=True))
    run(
        span(
            "mailer", "process", SpanKind.CONSUMER, 700, 800, links=[Link(prod.get_span_context())]
        )
    )
    for s, end in reversed(open_spans):
        s.end(end_time=BASE + end * US)
    return encode_spans(exporter.get_finished_spans()).SerializeToString()


@pytest.fixture(scope="module")
def sdk_spans():
    return list(read_traces(sdk_trace_bytes(), format="protobuf"))


def skew(spans, service, delta):
    """Shift every timestamp of one service's spans by ``delta`` ns (a wrong clock)."""
    return [
        dataclasses.replace(
            s,
            start_time_unix_nano=s.start_time_unix_nano + delta,
            end_time_unix_nano=s.end_time_unix_nano + delta,
            events=tuple(
                dataclasses.replace(e, time_unix_nano=e.time_unix_nano + delta) for e in s.events
            ),
        )
        if s.service_name == service
        else s
        for s in spans
    ]


def rpc_pairs(spans):
    by_id = {(s.trace_id, s.span_id): s for s in spans}
    for s in spans:
        p = by_id.get((s.trace_id, s.parent_span_id))
        if p is not None and p.kind == 3 and s.kind == 2:
            yield p, s


def test_sdk_trace_is_consistent(sdk_spans):
    assert len(sdk_spans) == 9
    assert isinstance(sdk_spans[0], Span)
    assert len(list(rpc_pairs(sdk_spans))) == 3
    assert detect_clock_skew(sdk_spans) == []
    assert adjust_clock_skew(sdk_spans).deltas == {}
    order = causal_order(sdk_spans)
    name = {(s.trace_id, s.span_id): (s.service_name, s.name) for s in sdk_spans}
    key = {v: k for k, v in name.items()}
    assert order.precedes(key[("frontend", "GET /checkout")], key[("mailer", "process")])
    assert order.concurrent(key[("db", "SELECT")], key[("inventory", "GET /stock")])
    kinds = {e.reason for e in order.edges}
    assert kinds == {"parent", "message"}


@pytest.mark.parametrize("service", ["payments", "db", "inventory", "frontend"])
@pytest.mark.parametrize("delta_us", [-400, -60, -40, 30, 75, 2000])
def test_injected_skew_is_detected_and_undone(sdk_spans, service, delta_us):
    delta = delta_us * US
    skewed = skew(sdk_spans, service, delta)
    findings = detect_clock_skew(skewed)
    # which RPCs must now look broken: those crossing into or out of the skewed service
    # where the shift exceeds the slack on that side (client-server gaps are 20-50 us)
    expected = set()
    for p, c in rpc_pairs(skewed):
        if (p.service_name == service) != (c.service_name == service) and not (
            p.start_time_unix_nano <= c.start_time_unix_nano
            and c.end_time_unix_nano <= p.end_time_unix_nano
        ):
            expected.add(c.span_id)
    assert {f.span_id for f in findings if f.relation == "rpc"} == expected
    assert expected or abs(delta_us) < 60  # every shift of 60 us or more is visible

    result = adjust_clock_skew(skewed)
    assert detect_clock_skew(result.spans) == []  # causality restored everywhere
    for p, c in rpc_pairs(result.spans):
        assert p.start_time_unix_nano <= c.start_time_unix_nano
        assert c.end_time_unix_nano <= p.end_time_unix_nano
    # never moved more than the injected error, and durations/events move rigidly
    assert all(abs(d) <= abs(delta) for d in result.deltas.values())
    for before, after in zip(skewed, result.spans, strict=True):
        d = after.start_time_unix_nano - before.start_time_unix_nano
        assert after.end_time_unix_nano - before.end_time_unix_nano == d
        assert [e.time_unix_nano - d for e in after.events] == [
            e.time_unix_nano for e in before.events
        ]
    # the first broken RPC is repaired by exactly its minimal shift
    for f in findings:
        if result.deltas.get((f.trace_id, f.parent_span_id), 0) == 0:  # parent not moved
            assert result.deltas[(f.trace_id, f.span_id)] == f.shift_ns
    # the input was not modified
    assert skewed == skew(sdk_spans, service, delta)
    # centring also restores causality
    assert detect_clock_skew(adjust_clock_skew(skewed, mode="center").spans) == []


def test_real_otlp_files_have_no_skew():
    for name in (
        "otlp/jaeger/example_trace.json",
        "otlp/jaeger/otel_traces_01.json",
        "otlp/jaeger/link_attributes_trace.json",
        "otlp/proto-examples/trace.json",
    ):
        spans = list(read_traces(datasets.path(name)))
        assert detect_clock_skew(spans) == []
        result = adjust_clock_skew(spans)
        assert result.deltas == {} and result.spans == spans
        order = causal_order(spans)
        assert len(order.topological_order()) == len({(s.trace_id, s.span_id) for s in spans})


def test_inject_clock_skew_matches_an_independent_shift(sdk_spans):
    from otlpkb.tracing.causality import inject_clock_skew

    for service, delta in [("payments", -7), ("db", 123_456), ("nobody", 5)]:
        assert inject_clock_skew(sdk_spans, service, delta) == skew(sdk_spans, service, delta)
    with pytest.raises(TypeError, match="delta_ns"):
        inject_clock_skew(sdk_spans, "db", 1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize("parent_kind", range(6))
@pytest.mark.parametrize("child_kind", range(6))
def test_center_mode_shifts_every_kind_pair_like_jaeger(parent_kind, child_kind):
    # Issue 17.10's case: parent [10, 110] on host a, child [50, 120] on host b. Jaeger
    # (cmd/query/app/querysvc/v2/adjuster/clockskew.go, calculateSkew): latency
    # (100 - 70) / 2 = 15, shift 10 + 15 - 50 = -25, whatever the kinds.
    spans = jaeger_case([(1, 0, 10, 100, "a", ()), (2, 1, 50, 70, "b", ())])
    spans = [
        dataclasses.replace(spans[0], kind=parent_kind),
        dataclasses.replace(spans[1], kind=child_kind),
    ]
    assert adjust_clock_skew(spans, mode="center").deltas == {("t", "2"): -25}


def test_jaeger_host_key_and_unknown_clocks():
    # Jaeger v2 hostKey: host.id, then host.ip (string or first of a list), then host.name.
    def on(**attrs):
        return Sp("t", "x", "", kind=1, resource_attributes=attrs)

    assert jaeger_host_key(on(**{"host.id": "i-1", "host.ip": "10.0.0.1"})) == "i-1"
    assert jaeger_host_key(on(**{"host.ip": ["10.0.0.2", "::1"], "host.name": "h"})) == ("10.0.0.2")
    assert jaeger_host_key(on(**{"host.name": "web-1"})) == "web-1"
    assert jaeger_host_key(on()) == ""
    # spans without any host key are on unknown clocks: judged against their parent even
    # if both keys are "" (Jaeger: n.hostKey == "" starts a new skew)
    spans = jaeger_case([(1, 0, 10, 100, "", ()), (2, 1, 0, 50, "", ())])
    assert adjust_clock_skew(spans, mode="center").deltas == {("t", "2"): 35}
    assert [f.span_id for f in detect_clock_skew(spans)] == ["2"]
