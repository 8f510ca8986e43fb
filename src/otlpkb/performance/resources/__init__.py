"""Resource consumption of OTLP telemetry: encoded sizes, and a Collector capacity plan.

One chapter, four concepts, a module each:

- `otlpkb.performance.resources.wire`: the encoded size of OTLP messages, derived from
  the protobuf wire format (`span_size`, `log_record_size`, `number_point_size`,
  `histogram_point_size`, `trace_request_size`, and the building blocks
  `varint_size`, `any_value_size`, `attributes_size`), exact to the byte against the
  OpenTelemetry SDK's encoder.
- `otlpkb.performance.resources.compression`: `encoded_sizes` measures one request as
  protobuf, gzip, OTLP/JSON and gzipped JSON.
- `otlpkb.performance.resources.synthetic`: `synthetic_request` builds seeded requests
  shaped like an SDK's output (traces of several spans, repeated attribute values) to
  measure.
- `otlpkb.performance.resources.planner`: `SignalProfile` and `CostProfile` hold
  per-item costs, `capacity_plan` turns signal rates into Collectors, bytes per second,
  queue memory and disk per day, keeping every assumption next to the number it produced,
  and `memory_limiter_settings` derives the memory limiter's limits.

Every name is importable from this package, as before the split.

See the chapter *Resource consumption* (1.4).

Examples:
    >>> from otlpkb.performance.resources import attributes_size, capacity_plan, varint_size
    >>> varint_size(127), varint_size(128), varint_size(2**63)
    (1, 2, 10)
    >>> attributes_size({"http.request.method": "GET"})  # 19 + 3 characters + 8 bytes
    30
    >>> plan = capacity_plan(spans_per_second=50_000, collector_cpu_cores=2)
    >>> plan.collectors, round(plan.cpu_cores, 2)
    (3, 3.33)
"""

from otlpkb.performance.resources.compression import EncodedSizes, encoded_sizes
from otlpkb.performance.resources.planner import (
    DEFAULT_PROFILE,
    CapacityPlan,
    CostProfile,
    MemoryLimiterSettings,
    SignalProfile,
    capacity_plan,
    memory_limiter_settings,
)
from otlpkb.performance.resources.synthetic import synthetic_request
from otlpkb.performance.resources.wire import (
    any_value_size,
    attributes_size,
    histogram_point_size,
    log_record_size,
    number_point_size,
    span_size,
    trace_request_size,
    varint_size,
)

__all__ = [
    "DEFAULT_PROFILE",
    "CapacityPlan",
    "CostProfile",
    "EncodedSizes",
    "MemoryLimiterSettings",
    "SignalProfile",
    "any_value_size",
    "attributes_size",
    "capacity_plan",
    "encoded_sizes",
    "histogram_point_size",
    "log_record_size",
    "memory_limiter_settings",
    "number_point_size",
    "span_size",
    "synthetic_request",
    "trace_request_size",
    "varint_size",
]
