"""The synthetic shop workload (otlpkb.tuning.workload): complete, reproducible traces."""

from __future__ import annotations

import pytest

from otlpkb.tracing.traces import assemble_traces, self_times
from otlpkb.tuning.workload import SHOP, shop_traces


def test_traces_are_complete_and_reproducible() -> None:
    spans = shop_traces(50, seed=3, error_rate=0.05)
    assert spans == shop_traces(50, seed=3, error_rate=0.05)
    traces = assemble_traces(spans)
    assert len(traces) == 50
    for trace in traces.values():
        assert trace.is_complete and len(trace.spans) == len(SHOP)
        for span in trace.spans:  # children lie inside their parents
            parent = span.parent_span_id
            if parent:
                p = trace.span(parent)
                assert p.start_time_unix_nano <= span.start_time_unix_nano
                assert span.end_time_unix_nano <= p.end_time_unix_nano


def test_errors_propagate_to_the_root() -> None:
    spans = shop_traces(200, seed=5, error_rate=0.02)
    for trace in assemble_traces(spans).values():
        if any(s.status_code == 2 for s in trace.spans):
            assert trace.root is not None and trace.root.status_code == 2


def test_a_fault_multiplies_the_operations_own_work() -> None:
    def own(spans, name):
        total = 0
        for trace in assemble_traces(spans).values():
            st = self_times(trace)
            total += sum(st[s.span_id] for s in trace.spans if s.name == name)
        return total

    base = shop_traces(100, seed=8)
    slow = shop_traces(100, seed=8, faults={"shipping: GetQuote": 4.0})
    assert own(slow, "GetQuote") == pytest.approx(4 * own(base, "GetQuote"), rel=1e-6)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="n_traces"):
        shop_traces(0)
    with pytest.raises(ValueError, match="unknown operation"):
        shop_traces(1, faults={"nope": 2.0})
    with pytest.raises(ValueError, match="error_rate"):
        shop_traces(1, error_rate=1.5)
