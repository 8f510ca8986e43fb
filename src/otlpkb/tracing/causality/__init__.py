"""Causality of events and spans: logical clocks, the causal order of spans, clock skew.

Spans carry wall-clock timestamps taken on different machines, and those clocks disagree.
Causality does not: a server cannot start handling a request before the client sent it.
One module per concept:

* `otlpkb.tracing.causality.logical_clocks`: `LamportClock`, `VectorClock` /
  `VectorTimestamp`, and timestamps and happens-before of a message-passing execution
  (`lamport_timestamps`, `vector_timestamps`, `happens_before_pairs`);
* `otlpkb.tracing.causality.span_order`: the causal partial order of the spans of a trace
  (`causal_order`), from parent/child, links and producer → consumer messages;
* `otlpkb.tracing.causality.clock_skew`: clock-skew detection (`detect_clock_skew`) and
  adjustment (`adjust_clock_skew`), in the manner of Jaeger's clock-skew adjuster.

Every public name stays importable from ``otlpkb.tracing.causality``.

See the chapter *Causality and partial order* (3.3).

Examples:
    >>> p, q = VectorClock("p"), VectorClock("q")
    >>> q.receive(p.send())
    VectorTimestamp({'p': 1, 'q': 1})
"""

from otlpkb.tracing.causality.clock_skew import (
    SkewAdjustment,
    SkewFinding,
    adjust_clock_skew,
    detect_clock_skew,
    inject_clock_skew,
    jaeger_host_key,
)
from otlpkb.tracing.causality.logical_clocks import (
    Event,
    Execution,
    LamportClock,
    VectorClock,
    VectorTimestamp,
    concurrent,
    happens_before,
    happens_before_pairs,
    lamport_timestamps,
    vector_timestamps,
)
from otlpkb.tracing.causality.span_order import CausalEdge, CausalOrder, SpanKey, causal_order

__all__ = [
    "CausalEdge",
    "CausalOrder",
    "Event",
    "Execution",
    "LamportClock",
    "SkewAdjustment",
    "SkewFinding",
    "SpanKey",
    "VectorClock",
    "VectorTimestamp",
    "adjust_clock_skew",
    "causal_order",
    "concurrent",
    "detect_clock_skew",
    "happens_before",
    "happens_before_pairs",
    "inject_clock_skew",
    "jaeger_host_key",
    "lamport_timestamps",
    "vector_timestamps",
]
