"""Rank the services that caused a shift, from a baseline and an anomalous set of traces.

Four kinds of evidence, each computed per service and per trace, and compared between a
healthy (baseline) window and the window with the problem:

* **critical-path latency**: the time the service's own work lies on the critical path
  of a trace (chapter 6.1's `otlpkb.tuning.hotspots`, by service), so work that
  overlaps a longer sibling does not count;
* **error origin**: in each trace, the deepest span that errored first (an error span
  none of whose children errored; of those, the earliest), the place the error began
  rather than every caller it travelled through;
* **call volume**: spans per trace, which grows when a caller retries;
* **changes**: resource attributes that differ between the windows (a new
  ``service.version``: a deploy marker) on a service that also shifted.

`rank_root_causes` turns each evidence into a share of the total increase (only the
kinds of evidence whose total shift is material count) and ranks services by the sum,
plus a bonus for a change that lines up. `naive_ranking` is the baseline every
dashboard offers: the service whose spans got slowest.

See the chapter *Root cause analysis* (5.2).

Examples:
    >>> from otlpkb.diagnosis.scenarios import make_scenario
    >>> s = make_scenario(11, "retry_storm", n_traces=40)
    >>> rank_root_causes(s.baseline, s.anomalous)[0].service == s.culprit
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from otlpkb.otlp import Span, SpanTable
from otlpkb.tracing.traces import assemble_traces
from otlpkb.tuning.hotspots import hotspots

__all__ = [
    "CHANGE_ATTRIBUTES",
    "Change",
    "ServiceProfile",
    "Suspect",
    "changes",
    "error_origins",
    "naive_ranking",
    "profile",
    "rank_root_causes",
]

CHANGE_ATTRIBUTES: tuple[str, ...] = (
    "service.version",
    "deployment.id",
    "k8s.deployment.name",
    "container.image.tag",
    "host.name",
)
"""Resource attributes whose change between the windows counts as a change marker."""


def _spans(spans: SpanTable | Iterable[Span]) -> list[Span]:
    out = list(spans)
    for s in out:
        if not isinstance(s, Span):
            raise TypeError(f"spans must hold Span records, got {type(s).__name__}")
    return out


def error_origins(spans: SpanTable | Iterable[Span]) -> dict[str, int]:
    """Per service, the traces whose error began there.

    In each trace, the origin is the deepest span that errored first: among the spans
    with status ERROR none of whose children has status ERROR, the one that started
    first. A trace without an error span has no origin.

    Examples:
        >>> from otlpkb.otlp import Span
        >>> T = "ab" * 16
        >>> spans = [Span(T, "a" * 16, "", "GET /", 2, 0, 10, 2, service_name="web"),
        ...          Span(T, "b" * 16, "a" * 16, "Pay", 2, 1, 5, 2, service_name="pay")]
        >>> error_origins(spans)
        {'pay': 1}
    """
    origins: dict[str, int] = {}
    for trace in assemble_traces(_spans(spans)).values():
        # --8<-- [start:origin]
        failed = [s for s in trace.spans if s.status_code == 2]
        if not failed:
            continue
        parents_of_failures = {s.parent_span_id for s in failed}
        deepest = [s for s in failed if s.span_id not in parents_of_failures]
        first = min(deepest, key=lambda s: (s.start_time_unix_nano, s.span_id))
        origins[first.service_name] = origins.get(first.service_name, 0) + 1
        # --8<-- [end:origin]
    return dict(sorted(origins.items()))


@dataclass(frozen=True)
class ServiceProfile:
    """What one window of traces says about one service, per trace.

    Attributes:
        service: the service.
        critical_ms: milliseconds of its own work on the critical path, per trace.
        spans: its spans per trace.
        error_origins: traces whose error began in it, per trace.
        mean_span_ms: the mean duration of its spans (what a dashboard shows).
    """

    service: str
    critical_ms: float
    spans: float
    error_origins: float
    mean_span_ms: float


def profile(spans: SpanTable | Iterable[Span]) -> dict[str, ServiceProfile]:
    """Per service, the evidence of one window (`ServiceProfile`), keyed by service."""
    items = _spans(spans)
    n = max(len({s.trace_id for s in items}), 1)
    origins = error_origins(items)
    durations: dict[str, list[float]] = {}
    for s in items:
        durations.setdefault(s.service_name, []).append(s.duration_nano / 1e6)
    return {
        h.key: ServiceProfile(
            h.key,
            h.critical_ms / n,
            h.spans / n,
            origins.get(h.key, 0) / n,
            float(np.mean(durations[h.key])),
        )
        for h in hotspots(items, by="service")
    }


@dataclass(frozen=True)
class Change:
    """A resource attribute of a service that differs between the windows."""

    service: str
    attribute: str
    before: tuple[str, ...]
    after: tuple[str, ...]


def changes(
    baseline: SpanTable | Iterable[Span],
    anomalous: SpanTable | Iterable[Span],
    attributes: Sequence[str] = CHANGE_ATTRIBUTES,
) -> list[Change]:
    """The `CHANGE_ATTRIBUTES` whose values for a service differ between the windows."""

    def values(spans: Iterable[Span]) -> dict[tuple[str, str], set[str]]:
        out: dict[tuple[str, str], set[str]] = {}
        for s in spans:
            for attr in attributes:
                if attr in s.resource_attributes:
                    out.setdefault((s.service_name, attr), set()).add(
                        str(s.resource_attributes[attr])
                    )
        return out

    a, b = values(_spans(baseline)), values(_spans(anomalous))
    return [
        Change(service, attr, tuple(sorted(a[key])), tuple(sorted(b[key])))
        for key in sorted(a.keys() & b.keys())
        for service, attr in [key]
        if a[key] != b[key]
    ]


@dataclass(frozen=True)
class Suspect:
    """A ranked service and the evidence for it.

    Attributes:
        service: the service.
        score: the sum of its shares (plus the change bonus); the ranking key.
        latency_share: its share of the increase in critical-path time.
        error_share: its share of the increase in error origins.
        calls_share: its share of the increase in spans per trace.
        latency_delta_ms: change of its critical-path time per trace.
        error_delta: change of its error origins per trace.
        calls_delta: change of its spans per trace.
        changes: its resource attributes that changed between the windows.
    """

    service: str
    score: float
    latency_share: float
    error_share: float
    calls_share: float
    latency_delta_ms: float
    error_delta: float
    calls_delta: float
    changes: tuple[str, ...] = ()


def _shares(deltas: dict[str, float]) -> dict[str, float]:
    positive = {k: max(v, 0.0) for k, v in deltas.items()}
    total = sum(positive.values())
    return {k: (v / total if total > 0 else 0.0) for k, v in positive.items()}


def rank_root_causes(
    baseline: SpanTable | Iterable[Span],
    anomalous: SpanTable | Iterable[Span],
    *,
    min_latency_shift: float = 0.05,
    min_error_shift: float = 0.02,
    min_calls_shift: float = 0.02,
    change_bonus: float = 0.25,
) -> list[Suspect]:
    """Rank services by how much of the shift between the windows begins in them.

    Args:
        baseline: spans of a healthy window.
        anomalous: spans of the window with the problem.
        min_latency_shift: relative increase of the mean critical path (end-to-end
            latency) below which latency is not evidence.
        min_error_shift: increase of error origins per trace below which errors are not
            evidence.
        min_calls_shift: relative increase of spans per trace below which call volume is
            not evidence.
        change_bonus: added to the score of a service that shifted and also changed.

    Returns:
        Every service seen in either window, highest score first (then name).
    """
    base, anom = profile(baseline), profile(anomalous)
    names = sorted(base.keys() | anom.keys())
    zero = ServiceProfile("", 0.0, 0.0, 0.0, 0.0)

    def delta(field: str) -> dict[str, float]:
        return {
            n: getattr(anom.get(n, zero), field) - getattr(base.get(n, zero), field) for n in names
        }

    changed: dict[str, list[str]] = {}
    for c in changes(baseline, anomalous):
        changed.setdefault(c.service, []).append(f"{c.attribute}: {c.before} -> {c.after}")
    # --8<-- [start:rank]
    d_lat, d_err, d_calls = delta("critical_ms"), delta("error_origins"), delta("spans")
    path_before = sum(p.critical_ms for p in base.values()) or 1.0
    calls_before = sum(p.spans for p in base.values()) or 1.0
    use_lat = sum(d_lat.values()) / path_before > min_latency_shift
    use_err = sum(d_err.values()) > min_error_shift
    use_calls = sum(d_calls.values()) / calls_before > min_calls_shift
    lat, err, calls = _shares(d_lat), _shares(d_err), _shares(d_calls)
    suspects = []
    for n in names:
        score = use_lat * lat[n] + use_err * err[n] + use_calls * calls[n]
        if score > 0 and n in changed:
            score += change_bonus  # a deploy that lines up with the shift
        suspects.append(Suspect(n, score, lat[n], err[n], calls[n], d_lat[n], d_err[n],
                                d_calls[n], tuple(changed.get(n, ()))))  # fmt: skip
    # --8<-- [end:rank]
    suspects.sort(key=lambda s: (-s.score, s.service))
    return suspects


def naive_ranking(
    baseline: SpanTable | Iterable[Span], anomalous: SpanTable | Iterable[Span]
) -> list[str]:
    """Services by the increase of their mean span duration, largest first.

    The baseline method: a dashboard of per-service latency, read top down.
    """
    base, anom = profile(baseline), profile(anomalous)
    increase = {
        n: anom[n].mean_span_ms - (base[n].mean_span_ms if n in base else 0.0) for n in anom
    }
    return sorted(increase, key=lambda n: (-increase[n], n))
