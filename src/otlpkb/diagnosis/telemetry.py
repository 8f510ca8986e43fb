"""A Collector's internal metrics: read, named as documented, turned into indicators.

A Collector reports on itself through metrics: by default a Prometheus endpoint on port
8888, or OTLP pushed by a ``periodic`` reader. The same counter reaches a user under
several names, and a diagnosis must accept all of them:

* the built-in ``:8888`` reader is configured ``without_units`` and
  ``without_type_suffix``, so it exposes the documented name as is
  (``otelcol_exporter_sent_spans``);
* a Prometheus reader a user configures keeps the defaults of the Prometheus
  compatibility rules and appends ``_total`` to counters and the unit to the name
  (``otelcol_exporter_sent_spans_total``, ``otelcol_process_memory_rss_bytes``,
  ``otelcol_process_uptime_seconds_total``);
* OTLP carries the documented name;
* Collectors before v0.110.0 reported the ``memory_limiter`` processor's refusals as
  ``otelcol_processor_refused_spans{processor="memory_limiter"}`` (and ``accepted``);
  today it is ``otelcol_processor_memory_limiter_refused_spans``.

`canonical_name` maps every form to the documented one; `parse_exposition` reads the text
format with ``prometheus_client``'s parser; `read_snapshot` reads either format from a
file; `indicators` turns one snapshot (counters since the process started, over its
uptime) or several (increases between scrapes, with counter resets handled as
Prometheus's ``increase()`` does) into the numbers a decision tree tests.

See the chapter *Diagnosis decision tree* (5.1).

Examples:
    >>> text = '''
    ... otelcol_receiver_accepted_spans_total{receiver="otlp"} 1000
    ... otelcol_receiver_refused_spans_total{receiver="otlp"} 0
    ... otelcol_exporter_sent_spans{exporter="otlp"} 990
    ... otelcol_exporter_send_failed_spans{exporter="otlp"} 10
    ... '''
    >>> snap = parse_exposition(text)
    >>> snap.total("otelcol_receiver_accepted_spans")
    1000.0
    >>> indicators([snap])["exporter_send_failed_ratio"]
    0.01
"""

from __future__ import annotations

import gzip
import io
import itertools
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import IO

from prometheus_client.parser import text_string_to_metric_families

from otlpkb.otlp import MetricPoint, read_metrics

__all__ = [
    "CANONICAL_NAMES",
    "INDICATORS",
    "SIGNALS",
    "ExpositionError",
    "Sample",
    "Snapshot",
    "canonical_name",
    "indicators",
    "parse_exposition",
    "read_snapshot",
    "snapshot_from_points",
]

SIGNALS: tuple[str, ...] = ("spans", "metric_points", "log_records")
"""The signal suffixes of the receiver and exporter metric names."""

CANONICAL_NAMES: frozenset[str] = frozenset(
    [f"otelcol_receiver_{o}_{s}" for o in ("accepted", "refused", "failed") for s in SIGNALS]
    + [
        f"otelcol_exporter_{o}_{s}"
        for o in ("sent", "send_failed", "enqueue_failed")
        for s in SIGNALS
    ]
    + [
        f"otelcol_processor_memory_limiter_{o}_{s}"
        for o in ("accepted", "refused")
        for s in SIGNALS
    ]
    + [
        "otelcol_exporter_queue_size",
        "otelcol_exporter_queue_capacity",
        "otelcol_exporter_in_flight_requests",
        "otelcol_processor_incoming_items",
        "otelcol_processor_outgoing_items",
        "otelcol_processor_batch_batch_size_trigger_send",
        "otelcol_processor_batch_timeout_trigger_send",
        "otelcol_process_cpu_seconds",
        "otelcol_process_memory_rss",
        "otelcol_process_runtime_heap_alloc_bytes",
        "otelcol_process_runtime_total_alloc_bytes",
        "otelcol_process_runtime_total_sys_memory_bytes",
        "otelcol_process_uptime",
    ]
)
"""The metric names of the Collector's generated ``documentation.md`` files that
`indicators` reads (receiverhelper, exporterhelper, processorhelper, memory_limiter,
batch processor, service)."""

INDICATORS: Mapping[str, str] = {
    "window_seconds": "seconds the counters cover (between scrapes, or the uptime)",
    "offered_items": "items offered to receivers: accepted + refused, all signals",
    "receiver_accepted_rate": "items accepted per second",
    "receiver_refused_ratio": "refused / (accepted + refused) at the receivers",
    "memory_limiter_refused_ratio": "items the memory_limiter refused / items offered to it",
    "exporter_sent_fraction": "lowest, over exporters, of items sent / items accepted",
    "exporter_send_failed_ratio": "send_failed / (sent + send_failed)",
    "exporter_enqueue_failed_ratio": "enqueue_failed / (sent + send_failed + enqueue_failed)",
    "queue_fill": "highest queue_size / queue_capacity over exporters, last scrape",
    "queue_fill_min": "lowest over the scrapes of that fill (sustained if high)",
    "memory_rss_bytes": "resident memory, last scrape",
    "heap_alloc_bytes": "Go heap in use, last scrape",
    "cpu_cores": "CPU seconds per second",
    "processor_dropped_ratio": "highest, over processors, of (incoming - outgoing) / incoming",
    "batch_timeout_share": "batch sends triggered by the timeout / all batch sends",
    "legacy_metric_names": "series under names from before v0.110.0 (1 if any, else 0)",
    "memory_limiter_present": "1 if the memory_limiter reports metrics, else 0",
    "series_count": "series in the last scrape",
}
"""The indicators `indicators` computes, with what each means."""

_SUFFIXES = ("_bytes", "_seconds")


class ExpositionError(ValueError):
    """A Prometheus text exposition that cannot be parsed.

    Attributes:
        source: the file name or ``"<text>"``.
        line: the 1-based line that fails, if known.
        reason: what is wrong.
    """

    def __init__(self, reason: str, *, source: str = "<text>", line: int | None = None):
        self.reason, self.source, self.line = reason, source, line
        where = f"{source}: line {line}" if line is not None else source
        super().__init__(f"{where}: {reason}")


def canonical_name(name: str, labels: Mapping[str, str] | None = None) -> str:
    """The documented name of a Collector metric, whichever form it arrived in.

    Strips ``_total`` and a unit suffix a Prometheus reader added, and maps the names
    of Collectors before v0.110.0 (``otelcol_processor_refused_spans`` with
    ``processor="memory_limiter"``) to today's. Other names come back unchanged, without
    ``_total``.

    Examples:
        >>> canonical_name("otelcol_exporter_sent_spans_total")
        'otelcol_exporter_sent_spans'
        >>> canonical_name("otelcol_process_memory_rss_bytes")
        'otelcol_process_memory_rss'
        >>> canonical_name("otelcol_processor_refused_spans", {"processor": "memory_limiter"})
        'otelcol_processor_memory_limiter_refused_spans'
    """
    # --8<-- [start:canonical]
    n = name.replace(".", "_")
    if n.endswith("_total"):
        n = n[: -len("_total")]
    for suffix in _SUFFIXES:  # a unit a Prometheus reader appended
        stem = n[: -len(suffix)]
        if n not in CANONICAL_NAMES and n.endswith(suffix) and stem in CANONICAL_NAMES:
            n = stem
    processor = (labels or {}).get("processor", "")
    old = n.startswith(("otelcol_processor_accepted_", "otelcol_processor_refused_"))
    if old and processor.split("/")[0] == "memory_limiter":  # before v0.110.0
        n = n.replace("otelcol_processor_", "otelcol_processor_memory_limiter_", 1)
    # --8<-- [end:canonical]
    return n


@dataclass(frozen=True)
class Sample:
    """One series' value in a snapshot.

    Attributes:
        name: the canonical name (`canonical_name`).
        labels: the labels (Prometheus) or attributes (OTLP).
        value: the value.
        raw_name: the name as the parser reported it (prometheus_client adds ``_total``
            to a counter sample that lacks it).
    """

    name: str
    labels: Mapping[str, str]
    value: float
    raw_name: str = ""


@dataclass(frozen=True)
class Snapshot:
    """A Collector's internal metrics at one moment.

    Attributes:
        samples: every series.
        time: seconds (Unix time of the scrape, or any clock shared by the snapshots
            of one series); ``None`` if unknown.
        source: where it came from (a file name).
    """

    samples: tuple[Sample, ...]
    time: float | None = None
    source: str = "<snapshot>"

    @cached_property
    def names(self) -> frozenset[str]:
        """The canonical names present."""
        return frozenset(s.name for s in self.samples)

    @cached_property
    def _by_name(self) -> dict[str, list[Sample]]:
        index: dict[str, list[Sample]] = {}
        for s in self.samples:
            index.setdefault(s.name, []).append(s)
        return index

    def series(self, name: str) -> list[Sample]:
        """The samples of one canonical name."""
        return self._by_name.get(name, [])

    def total(self, name: str, **match: str) -> float | None:
        """The sum over the series of ``name`` whose labels include ``match``.

        Returns ``None`` when no series matches (absent, not zero).
        """
        hits = [
            s.value
            for s in self.series(name)
            if all(s.labels.get(k) == v for k, v in match.items())
        ]
        return float(sum(hits)) if hits else None

    @property
    def clock(self) -> float | None:
        """`time`, or else the Collector's uptime, so scrapes without times still order."""
        if self.time is not None:
            return self.time
        return self.total("otelcol_process_uptime")


def _family_samples(
    text: str, source: str
) -> Iterable[tuple[str, dict[str, str], float, float | None]]:
    try:
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                if s.name.endswith(("_bucket", "_created")):
                    continue  # histogram buckets and OpenMetrics creation times
                stamp = None if s.timestamp is None else float(s.timestamp)
                yield s.name, dict(s.labels), float(s.value), stamp
    except ValueError as exc:
        raise _locate(text, source, exc) from None


def _locate(text: str, source: str, exc: Exception) -> ExpositionError:
    """Find the first line the parser rejects (only on error, so the cost is fine)."""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            list(text_string_to_metric_families(stripped + "\n"))
        except ValueError as inner:
            return ExpositionError(
                f"malformed exposition line {stripped[:60]!r}: {inner}", source=source, line=number
            )
    return ExpositionError(f"malformed exposition: {exc}", source=source)


def parse_exposition(text: str, *, source: str = "<text>", time: float | None = None) -> Snapshot:
    """Parse Prometheus text exposition (a ``/metrics`` scrape) into a `Snapshot`.

    Args:
        text: the exposition text (format 0.0.4; OpenMetrics text is read too).
        source: a name for error messages.
        time: the scrape's time in seconds; defaults to the newest sample timestamp,
            if the exposition carries timestamps.

    Raises:
        ExpositionError: a line the parser rejects, with its number.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    samples = []
    newest: float | None = None
    for raw, labels, value, stamp in _family_samples(text, source):
        samples.append(Sample(canonical_name(raw, labels), labels, value, raw))
        if stamp is not None:
            newest = float(stamp) if newest is None else max(newest, float(stamp))
    return Snapshot(tuple(samples), time if time is not None else newest, source)


def snapshot_from_points(
    points: Iterable[MetricPoint], *, source: str = "<otlp>", time: float | None = None
) -> Snapshot:
    """A `Snapshot` from OTLP metric points (`otlpkb.otlp.read_metrics`).

    Sums and gauges become one sample each; a histogram or summary becomes ``name_count``
    and ``name_sum``. The time defaults to the newest point's.
    """
    samples = []
    newest = 0
    for p in points:
        labels = dict(p.labels)
        if p.kind in ("sum", "gauge"):
            samples.append(Sample(canonical_name(p.name, labels), labels, p.value, p.name))
        else:
            samples.append(Sample(f"{p.name}_count", labels, float(p.count), p.name))
            samples.append(Sample(f"{p.name}_sum", labels, p.value, p.name))
        newest = max(newest, p.time_unix_nano)
    when = time if time is not None else (newest / 1e9 if newest else None)
    return Snapshot(tuple(samples), when, source)


def read_snapshot(
    source: str | os.PathLike[str] | bytes | IO[bytes], *, time: float | None = None
) -> Snapshot:
    """Read a snapshot from Prometheus text or OTLP metrics (JSON or protobuf, gzip too).

    Raises:
        ExpositionError: malformed Prometheus text.
        otlpkb.otlp.OTLPDecodeError: malformed OTLP.
        OSError: the file cannot be read.
    """
    if isinstance(source, str | os.PathLike):
        name = os.fspath(source)
        with open(source, "rb") as f:
            data = f.read()
    elif isinstance(source, bytes):
        name, data = "<bytes>", source
    else:
        name, data = str(getattr(source, "name", "<stream>")), source.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    head = data.lstrip()[:1]
    if head in (b"{", b"[") or (data and not _looks_like_text(data[:512])):
        stream = io.BytesIO(data)
        stream.name = name  # so OTLPDecodeError names the file
        return snapshot_from_points(read_metrics(stream), source=name, time=time)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ExpositionError(f"not UTF-8 text at byte {exc.start}", source=name) from None
    return parse_exposition(text, source=name, time=time)


def _looks_like_text(head: bytes) -> bool:
    return all(b in b"\t\n\r" or 32 <= b < 127 or b >= 128 for b in head) and b"\x00" not in head


# ----------------------------------------------------------------------------- indicators


def _increases(
    snapshots: Sequence[Snapshot], name: str, **match: str
) -> dict[tuple[tuple[str, str], ...], float]:
    """The increase of every series of ``name`` whose labels include ``match``."""
    series: dict[tuple[tuple[str, str], ...], list[float]] = {}
    for snap in snapshots:
        for s in snap.series(name):
            if all(s.labels.get(a) == b for a, b in match.items()):
                series.setdefault(tuple(sorted(s.labels.items())), []).append(s.value)
    single = len(snapshots) == 1
    out = {}
    for key, values in series.items():
        # --8<-- [start:counter_increase]
        total = values[0] if single else 0.0  # one scrape: everything since start
        for before, after in itertools.pairwise(values):
            total += after - before if after >= before else after  # a reset
        # --8<-- [end:counter_increase]
        out[key] = total
    return out


def _counter_increase(snapshots: Sequence[Snapshot], name: str, **match: str) -> float | None:
    """Increase of one counter over the snapshots, summed over its series (None: absent)."""
    found = _increases(snapshots, name, **match)
    return float(sum(found.values())) if found else None


def _increase_by(snapshots: Sequence[Snapshot], name: str, label: str) -> dict[str, float]:
    """Counter increase of ``name`` per value of ``label``."""
    out: dict[str, float] = {}
    for key, total in _increases(snapshots, name).items():
        group = dict(key).get(label, "")
        out[group] = out.get(group, 0.0) + total
    return out


def _sum_signals(snapshots: Sequence[Snapshot], stem: str, **match: str) -> float | None:
    parts = [_counter_increase(snapshots, f"{stem}_{s}", **match) for s in SIGNALS]
    present = [p for p in parts if p is not None]
    return float(sum(present)) if present else None


def _ratio(part: float | None, whole: float | None) -> float:
    if part is None or whole is None or whole <= 0:
        return 0.0 if part is not None and whole == 0 else math.nan
    return part / whole


def _fill(snap: Snapshot) -> float:
    capacity: dict[str, float] = {}
    for s in snap.series("otelcol_exporter_queue_capacity"):
        key = s.labels.get("exporter", "")
        capacity[key] = capacity.get(key, 0.0) + s.value
    fills = [
        s.value / capacity[e]
        for s in snap.series("otelcol_exporter_queue_size")
        if capacity.get(e := s.labels.get("exporter", ""))
    ]
    return max(fills) if fills else math.nan


def indicators(snapshots: Sequence[Snapshot]) -> dict[str, float]:
    """The indicators of `INDICATORS` from one snapshot or a time-ordered series.

    With one snapshot, counters are totals since the Collector started and rates use
    ``otelcol_process_uptime``; with several, they are increases between the first
    and the last, and rates use the snapshots' clocks. An indicator whose metrics are
    absent is NaN.

    Raises:
        ValueError: no snapshots, or snapshots out of time order.
    """
    snaps = list(snapshots)
    if not snaps:
        raise ValueError("snapshots must hold at least one Snapshot")
    for s in snaps:
        if not isinstance(s, Snapshot):
            raise TypeError(f"snapshots must hold Snapshot objects, got {type(s).__name__}")
    clocks = [s.clock for s in snaps]
    if len(snaps) > 1 and None not in clocks:
        times = [float(c) for c in clocks if c is not None]
        if any(b < a for a, b in itertools.pairwise(times)):
            raise ValueError(f"snapshots must be in time order, got clocks {times}")
        window = times[-1] - times[0]
    elif len(snaps) == 1:
        window = snaps[0].total("otelcol_process_uptime") or math.nan
    else:
        window = math.nan
    # --8<-- [start:indicators]
    accepted = _sum_signals(snaps, "otelcol_receiver_accepted")
    refused = _sum_signals(snaps, "otelcol_receiver_refused")
    offered = None if accepted is None else accepted + (refused or 0.0)
    ml_refused = _sum_signals(snaps, "otelcol_processor_memory_limiter_refused")
    ml_accepted = _sum_signals(snaps, "otelcol_processor_memory_limiter_accepted")
    ml_offered = offered if ml_accepted is None else ml_accepted + (ml_refused or 0.0)
    sent = _sum_signals(snaps, "otelcol_exporter_sent")
    failed = _sum_signals(snaps, "otelcol_exporter_send_failed")
    enq_failed = _sum_signals(snaps, "otelcol_exporter_enqueue_failed")
    attempted = None if sent is None else sent + (failed or 0.0)
    # --8<-- [end:indicators]
    by_exporter: dict[str, float] = {}
    for signal in SIGNALS:
        for e, v in _increase_by(snaps, f"otelcol_exporter_sent_{signal}", "exporter").items():
            by_exporter[e] = by_exporter.get(e, 0.0) + v
    fractions = [_ratio(v, accepted) for _, v in sorted(by_exporter.items())]
    fills = [_fill(s) for s in snaps]
    known_fills = [f for f in fills if not math.isnan(f)]
    cpu = _counter_increase(snaps, "otelcol_process_cpu_seconds")
    last = snaps[-1]
    return {
        "window_seconds": window,
        "offered_items": math.nan if offered is None else offered,
        "receiver_accepted_rate": _ratio(accepted, window),
        "receiver_refused_ratio": _ratio(refused, offered),
        "memory_limiter_refused_ratio": _ratio(ml_refused, ml_offered),
        "exporter_sent_fraction": min(fractions) if fractions else math.nan,
        "exporter_send_failed_ratio": _ratio(failed, attempted),
        "exporter_enqueue_failed_ratio": _ratio(
            enq_failed, None if attempted is None else attempted + (enq_failed or 0.0)
        ),
        "queue_fill": fills[-1],
        "queue_fill_min": min(known_fills) if known_fills else math.nan,
        "memory_rss_bytes": _or_nan(last.total("otelcol_process_memory_rss")),
        "heap_alloc_bytes": _or_nan(last.total("otelcol_process_runtime_heap_alloc_bytes")),
        "cpu_cores": _ratio(cpu, window),
        "processor_dropped_ratio": _dropped(snaps),
        "batch_timeout_share": _ratio(
            _counter_increase(snaps, "otelcol_processor_batch_timeout_trigger_send"),
            _plus(
                _counter_increase(snaps, "otelcol_processor_batch_timeout_trigger_send"),
                _counter_increase(snaps, "otelcol_processor_batch_batch_size_trigger_send"),
            ),
        ),
        "legacy_metric_names": float(any(s.raw_name.startswith(_LEGACY) for s in last.samples)),
        "memory_limiter_present": float(
            any(n.startswith("otelcol_processor_memory_limiter_") for n in last.names)
        ),
        "series_count": float(len(last.samples)),
    }


_LEGACY = ("otelcol_processor_accepted_", "otelcol_processor_refused_")


def _plus(a: float | None, b: float | None) -> float | None:
    if a is None and b is None:
        return None
    return (a or 0.0) + (b or 0.0)


def _dropped(snaps: Sequence[Snapshot]) -> float:
    incoming = _increase_by(snaps, "otelcol_processor_incoming_items", "processor")
    outgoing = _increase_by(snaps, "otelcol_processor_outgoing_items", "processor")
    ratios = [
        max(n - outgoing[p], 0.0) / n for p, n in sorted(incoming.items()) if n and p in outgoing
    ]
    return max(ratios) if ratios else math.nan


def _or_nan(value: float | None) -> float:
    return math.nan if value is None else value
