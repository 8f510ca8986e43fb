"""``otlpkb.diagnosis``: fault diagnosis from a Collector's own metrics and from traces.

* `otlpkb.diagnosis.telemetry` reads a Collector's internal metrics (the Prometheus text
  of its ``:8888`` endpoint, or OTLP metrics it pushed) into `Snapshot` objects under
  the names of the Collector's documentation, and derives the indicators a diagnosis
  needs (refusal and failure ratios, queue fill, rates between scrapes);
* `otlpkb.diagnosis.decision_tree` walks a decision tree over those indicators and
  returns the path taken, with the evidence at every node, and the finding;
* `otlpkb.diagnosis.handbook` checks a catalogue of known Collector problems (symptoms
  as predicates on the indicators and on log lines) against the same data;
* `otlpkb.diagnosis.root_cause` ranks the services that caused a shift between a healthy
  and an anomalous window of traces, and `otlpkb.diagnosis.scenarios` generates systems
  with a known culprit to measure it on;
* `otlpkb.diagnosis.inspect` streams OTLP trace files through the structural checks and
  latency summaries of ``otlpkb inspect``, and writes their spans to Parquet.

See the section *Fault diagnosis* (5).
"""

from __future__ import annotations

from otlpkb.diagnosis.telemetry import (
    ExpositionError,
    Sample,
    Snapshot,
    canonical_name,
    indicators,
    parse_exposition,
    read_snapshot,
    snapshot_from_points,
)

__all__ = [
    "ExpositionError",
    "Sample",
    "Snapshot",
    "canonical_name",
    "indicators",
    "parse_exposition",
    "read_snapshot",
    "snapshot_from_points",
]
