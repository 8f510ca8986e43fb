"""The incident life cycle: a state machine, severity from SLO impact, and MTTx from records.

An incident moves through five states, always forwards and one step at a time::

    detected -> acknowledged -> mitigated -> resolved -> reviewed

`Incident` is the state machine an on-call tool would keep: `Incident.advance` moves it on
and refuses any other move (a skipped state, a step back, a time earlier than the last
one) with `TransitionError`. `IncidentRecord` is the same history written down, read
from JSON or YAML by `load_records` / `parse_record` with the schema documented below;
a record that breaks the schema raises `IncidentRecordError`, naming the record and the
field.

Severity comes from two numbers: the share of the SLO's error budget the incident
consumed (`budget_consumed`, the burn rate times the impact's share of the SLO window)
and its blast radius, the share of sources or tenants it touched. The burn rate is the
one of chapter 8.3 (`otlpkb.monitoring.slo.burn_rate`); the SLO target and window come
from the record, so the numbers can come from any SLO definition.
`response_metrics` turns a set of records into the distributions of the time to
detect, acknowledge, mitigate and resolve, with a bootstrap interval for each mean.

Record schema (JSON or YAML; one list of records, or ``{"incidents": [...]}``):

| field | type | meaning |
|---|---|---|
| `id` | string, required | unique identifier |
| `title` | string, required | one line |
| `started` | timestamp, required | when the impact began |
| `timeline` | mapping, required | state name -> timestamp (see below) |
| `impact.blast_radius` | number in [0, 1], required | share of sources affected |
| `impact.bad_fraction` | number in [0, 1], required | share of events failing |
| `slo.target` | number in (0, 1), required | the SLO, for example 0.999 |
| `slo.window_days` | number > 0, required | the SLO window |
| `severity` | `SEV1` ... `SEV4`, optional | severity declared at the time |
| `services` | list of strings, optional | what was affected |

The timeline holds `detected` and then, in order, a prefix of `acknowledged`,
`mitigated`, `resolved`, `reviewed`: the states reached so far. `bad_fraction` is the
share of all the SLO's events that failed from `started` to `mitigated`; the blast
radius is the share of sources or tenants touched.

Timestamps are ISO 8601 with a UTC offset (``2026-03-02T10:04:00Z``); times without an
offset are refused, since an incident's clocks are compared across teams.

See the chapter *Response process* (9.1): ../../operations/incident/response_process.md

Examples:
    >>> from datetime import datetime, timedelta, timezone
    >>> t0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
    >>> inc = Incident("INC-1", started=t0, detected=t0 + timedelta(minutes=6))
    >>> inc.advance("acknowledged", t0 + timedelta(minutes=9))
    <State.ACKNOWLEDGED: 'acknowledged'>
    >>> try:
    ...     inc.advance("resolved", t0 + timedelta(minutes=30))
    ... except TransitionError as err:
    ...     print(err)
    incident 'INC-1': cannot go from acknowledged to resolved; allowed next: mitigated
    >>> round(budget_consumed(0.3, 1.0, 0.999, 30 * 24), 3)  # 30 % errors for 1 h
    0.417
    >>> classify_severity(0.417, 0.05)
    'SEV1'
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from otlpkb._checks import integer, positive, real_array
from otlpkb.monitoring import slo

__all__ = [
    "METRICS",
    "SEVERITIES",
    "TRANSITIONS",
    "Incident",
    "IncidentRecord",
    "IncidentRecordError",
    "MetricSummary",
    "ResponseMetrics",
    "SeverityPolicy",
    "State",
    "TransitionError",
    "bootstrap_mean_ci",
    "budget_consumed",
    "classify_severity",
    "load_records",
    "parse_record",
    "response_metrics",
]

FloatArray = npt.NDArray[np.float64]


class State(StrEnum):
    """The states of an incident, in the order it passes through them."""

    DETECTED = "detected"
    ACKNOWLEDGED = "acknowledged"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"
    REVIEWED = "reviewed"


# --8<-- [start:transitions]
#: The allowed moves: each state has exactly one successor, and `reviewed` is final.
TRANSITIONS: Mapping[State, tuple[State, ...]] = {
    State.DETECTED: (State.ACKNOWLEDGED,),
    State.ACKNOWLEDGED: (State.MITIGATED,),
    State.MITIGATED: (State.RESOLVED,),
    State.RESOLVED: (State.REVIEWED,),
    State.REVIEWED: (),
}
# --8<-- [end:transitions]

#: Severity names, most severe first.
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")

#: The four response intervals: name -> (from, to); ``"started"`` is the impact's start.
METRICS: Mapping[str, tuple[str, str]] = {
    "ttd": ("started", "detected"),
    "tta": ("detected", "acknowledged"),
    "ttm": ("started", "mitigated"),
    "ttr": ("started", "resolved"),
}


class TransitionError(ValueError):
    """A move the life cycle does not allow (a skipped state, a step back, time reversed)."""


class IncidentRecordError(ValueError):
    """An incident record that breaks the schema; names the record and the field.

    Attributes:
        record: the record's id, or its position (``"record 3"``) when it has no id.
        field: the offending field, dotted (``"timeline.mitigated"``).
    """

    def __init__(self, record: str, field: str, problem: str) -> None:
        super().__init__(f"{record}: field {field!r}: {problem}")
        self.record = record
        self.field = field


def _state(name: str, value: object) -> State:
    if isinstance(value, State):
        return value
    try:
        return State(str(value))
    except ValueError:
        known = ", ".join(s.value for s in State)
        raise ValueError(f"{name} must be one of {known}, got {value!r}") from None


def _aware(name: str, value: object) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must carry a UTC offset, got {value.isoformat()}")
    return value


def _step(who: str, state: State, last: datetime, to: State, at: datetime) -> None:
    # --8<-- [start:advance]
    allowed = TRANSITIONS[state]
    if to not in allowed:
        nxt = ", ".join(s.value for s in allowed) or "nothing (reviewed is final)"
        raise TransitionError(
            f"{who}cannot go from {state.value} to {to.value}; allowed next: {nxt}"
        )
    if at < last:
        raise TransitionError(
            f"{who}{to.value} at {at.isoformat()} is earlier "
            f"than {state.value} at {last.isoformat()}"
        )
    # --8<-- [end:advance]


class Incident:
    """One incident as a state machine: it starts detected and moves one state at a time.

    Args:
        incident_id: the incident's identifier, used in every error message.
        started: when the impact began (may be found out only later; not after
            ``detected``).
        detected: when the incident was detected (an alert fired, a user reported it).

    Raises:
        TransitionError: ``detected`` is earlier than ``started``.

    Examples:
        >>> from datetime import datetime, timezone
        >>> t = datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)
        >>> inc = Incident("INC-7", t, t)
        >>> inc.state, [s.value for s in inc.allowed()]
        (<State.DETECTED: 'detected'>, ['acknowledged'])
    """

    def __init__(self, incident_id: str, started: datetime, detected: datetime) -> None:
        if not isinstance(incident_id, str) or not incident_id:
            raise TypeError(f"incident_id must be a non-empty string, got {incident_id!r}")
        t0 = _aware("started", started)
        d = _aware("detected", detected)
        if d < t0:
            raise TransitionError(
                f"incident {incident_id!r}: detected at {d.isoformat()} is earlier than "
                f"the impact's start at {t0.isoformat()}"
            )
        self.id: str = incident_id
        self.started: datetime = t0
        self._times: dict[State, datetime] = {State.DETECTED: d}
        self._state = State.DETECTED

    @property
    def state(self) -> State:
        """The state the incident is in now."""
        return self._state

    @property
    def times(self) -> dict[State, datetime]:
        """When the incident entered each state it has reached (a copy)."""
        return dict(self._times)

    def allowed(self) -> tuple[State, ...]:
        """The states the incident may move to next."""
        return TRANSITIONS[self._state]

    def advance(self, to: State | str, at: datetime) -> State:
        """Move to state ``to`` at time ``at``; returns the new state.

        Raises:
            TransitionError: ``to`` is not the next state, or ``at`` is earlier than the
                time of the current state.
            ValueError: ``to`` names no state.
        """
        target = _state("to", to)
        when = _aware("at", at)
        _step(f"incident {self.id!r}: ", self._state, self._times[self._state], target, when)
        self._times[target] = when
        self._state = target
        return target


def budget_consumed(
    bad_fraction: float | npt.ArrayLike,
    duration: float | npt.ArrayLike,
    slo_target: float,
    window: float,
) -> Any:
    """The share of the SLO window's error budget spent by an impact.

    An impact during which a share ``bad_fraction`` of events fails, for ``duration``,
    spends ``bad * duration / ((1 - target) * window)`` of the budget: its burn rate
    times the share of the window it lasted. ``duration`` and ``window`` share one unit.
    The burn rate is chapter 8.3's (`otlpkb.monitoring.slo.burn_rate`, with the target
    as a percentage), so a window of `otlpkb.monitoring.slo.multiwindow_alerts` spends
    exactly its ``budget_consumed`` here.

    Args:
        bad_fraction: share of events failing the SLO during the impact, in [0, 1].
        duration: how long the impact lasted (>= 0).
        slo_target: the SLO, in (0, 1).
        window: the SLO window, in the unit of ``duration`` (> 0).

    Returns:
        A float (or an array, when an argument is one); 1.0 is the whole budget.

    Examples:
        >>> round(budget_consumed(14.4 * 0.001, 1, 0.999, 720), 4)  # SRE workbook
        0.02
    """
    bad = _fractions("bad_fraction", bad_fraction)
    dur = real_array("duration", duration)
    if not np.all(np.isfinite(dur) & (dur >= 0)):
        raise ValueError(f"duration must be finite and >= 0, got {duration!r}")
    target = _target(slo_target)
    win = positive("window", window)
    rate = np.vectorize(slo.burn_rate, otypes=[np.float64])(bad, 100.0 * target)
    # --8<-- [start:budget]
    out = rate * dur / win  # burn rate (8.3) x the share of the window the impact lasted
    # --8<-- [end:budget]
    return float(out) if out.ndim == 0 else out


def _fractions(name: str, value: object) -> FloatArray:
    arr = real_array(name, value)
    if not np.all((arr >= 0) & (arr <= 1)):
        raise ValueError(f"{name} must lie in [0, 1], got {value!r}")
    return arr


def _target(slo_target: object) -> float:
    t = positive("slo_target", slo_target)
    if not t < 1:
        raise ValueError(f"slo_target must lie in (0, 1), got {slo_target!r}")
    return t


@dataclass(frozen=True)
class SeverityPolicy:
    """Thresholds for `classify_severity`, most severe first.

    An incident is SEV1 when it spent at least ``budget[0]`` of the error budget *or*
    touched at least ``blast_radius[0]`` of the sources; SEV2 and SEV3 likewise with the
    next thresholds; anything below is SEV4. The defaults are a starting point for a
    telemetry platform with a 30-day SLO: a fifth of the month's budget in one incident
    is an emergency, one per cent is worth a ticket.

    Attributes:
        budget: budget-consumed thresholds for SEV1, SEV2, SEV3 (decreasing, in (0, 1]).
        blast_radius: blast-radius thresholds for SEV1, SEV2, SEV3 (decreasing, in
            (0, 1]).
    """

    budget: tuple[float, float, float] = (0.20, 0.05, 0.01)
    blast_radius: tuple[float, float, float] = (0.50, 0.10, 0.01)

    def __post_init__(self) -> None:
        for name in ("budget", "blast_radius"):
            values = getattr(self, name)
            if (
                not isinstance(values, tuple)
                or len(values) != 3
                or not all(isinstance(v, numbers.Real) and 0 < float(v) <= 1 for v in values)
                or not values[0] > values[1] > values[2]
            ):
                raise ValueError(
                    f"{name} must be three decreasing numbers in (0, 1], got {values!r}"
                )


def classify_severity(
    budget: float, blast_radius: float, policy: SeverityPolicy | None = None
) -> str:
    """The severity (``"SEV1"`` … ``"SEV4"``) of an impact, the worse of its two criteria.

    Args:
        budget: share of the error budget consumed (>= 0; above 1 the budget is blown).
        blast_radius: share of sources or tenants affected, in [0, 1].
        policy: the thresholds; `SeverityPolicy()` when omitted.

    Examples:
        >>> classify_severity(0.002, 0.30), classify_severity(0.002, 0.001)
        ('SEV2', 'SEV4')
    """
    b = real_array("budget", budget)
    r = _fractions("blast_radius", blast_radius)
    if b.ndim or r.ndim or not (math.isfinite(float(b)) and float(b) >= 0):
        raise ValueError(f"budget must be one finite number >= 0, got {budget!r}")
    p = SeverityPolicy() if policy is None else policy
    # --8<-- [start:severity]
    for level, (b_min, r_min) in enumerate(zip(p.budget, p.blast_radius, strict=True)):
        if float(b) >= b_min or float(r) >= r_min:
            return SEVERITIES[level]
    return SEVERITIES[-1]
    # --8<-- [end:severity]


@dataclass(frozen=True)
class IncidentRecord:
    """An incident as written down (see the module's schema table).

    Attributes:
        id: unique identifier.
        title: one line.
        started: when the impact began.
        timeline: the time each reached state was entered, in life-cycle order.
        blast_radius: share of sources or tenants affected.
        bad_fraction: share of events failing the SLO from ``started`` to ``mitigated``.
        slo_target: the SLO.
        slo_window: the SLO window.
        severity: the severity declared during the incident, or ``None``.
        services: the services affected.
    """

    id: str
    title: str
    started: datetime
    timeline: Mapping[State, datetime]
    blast_radius: float
    bad_fraction: float
    slo_target: float
    slo_window: timedelta
    severity: str | None = None
    services: tuple[str, ...] = ()

    @property
    def state(self) -> State:
        """The last state the incident reached."""
        return list(self.timeline)[-1]

    def interval(self, metric: str) -> float:
        """The interval ``metric`` (a key of `METRICS`) in minutes; NaN if not reached."""
        if metric not in METRICS:
            raise ValueError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
        start, end = METRICS[metric]
        t0 = self.started if start == "started" else self.timeline.get(State(start))
        t1 = self.timeline.get(State(end))
        if t0 is None or t1 is None:
            return math.nan
        return (t1 - t0).total_seconds() / 60.0

    @property
    def budget_consumed(self) -> float | None:
        """Share of the error budget spent from ``started`` to ``mitigated`` (None if open)."""
        ttm = self.interval("ttm")
        if math.isnan(ttm):
            return None
        window = self.slo_window.total_seconds() / 60.0
        return float(budget_consumed(self.bad_fraction, ttm, self.slo_target, window))

    def classify(self, policy: SeverityPolicy | None = None) -> str | None:
        """The severity from budget consumed and blast radius (None until mitigated)."""
        b = self.budget_consumed
        return None if b is None else classify_severity(b, self.blast_radius, policy)


_REQUIRED = ("id", "title", "started", "timeline", "impact", "slo")
_OPTIONAL = ("severity", "services")


def _timestamp(where: str, field: str, value: object) -> datetime:
    if isinstance(value, datetime):
        t = value
    elif isinstance(value, str):
        try:
            t = datetime.fromisoformat(value)
        except ValueError:
            raise IncidentRecordError(
                where, field, f"not an ISO 8601 timestamp: {value!r}"
            ) from None
    else:
        raise IncidentRecordError(where, field, f"expected a timestamp, got {value!r}")
    if t.tzinfo is None or t.utcoffset() is None:
        raise IncidentRecordError(where, field, f"timestamp without a UTC offset: {value!r}")
    return t


def _number(where: str, field: str, value: object, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise IncidentRecordError(where, field, f"expected a number, got {value!r}")
    v = float(value)
    if not (math.isfinite(v) and low <= v <= high):
        raise IncidentRecordError(where, field, f"must lie in [{low}, {high}], got {value!r}")
    return v


def _mapping(where: str, field: str, value: object) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise IncidentRecordError(where, field, f"expected a mapping, got {value!r}")
    return value


def _exact_keys(
    where: str,
    prefix: str,
    data: Mapping[str, Any],
    required: Sequence[str],
    optional: Sequence[str] = (),
) -> None:
    for key in required:
        if key not in data:
            raise IncidentRecordError(where, prefix + key, "missing")
    for key in data:
        if key not in required and key not in optional:
            raise IncidentRecordError(where, prefix + str(key), "unknown field")


def parse_record(data: Mapping[str, Any], where: str = "record") -> IncidentRecord:
    """Check one record against the schema and build it.

    Args:
        data: the record as parsed from JSON or YAML.
        where: how to name the record in errors until its id is known.

    Raises:
        IncidentRecordError: a missing or unknown field, a bad value, an unknown state, a
            timeline that skips a state or runs backwards; the error names the record
            (its id when it has one) and the field.
    """
    if not isinstance(data, Mapping):
        raise IncidentRecordError(where, "(record)", f"expected a mapping, got {data!r}")
    if isinstance(data.get("id"), str) and data["id"]:
        where = f"incident {data['id']!r}"
    _exact_keys(where, "", data, _REQUIRED, _OPTIONAL)
    if not isinstance(data["id"], str) or not data["id"]:
        raise IncidentRecordError(where, "id", f"expected a non-empty string, got {data['id']!r}")
    if not isinstance(data["title"], str):
        raise IncidentRecordError(where, "title", f"expected a string, got {data['title']!r}")
    started = _timestamp(where, "started", data["started"])
    raw = _mapping(where, "timeline", data["timeline"])
    if State.DETECTED.value not in raw:
        raise IncidentRecordError(where, "timeline.detected", "missing")
    for key in raw:
        if key not in {s.value for s in State}:
            known = ", ".join(s.value for s in State)
            raise IncidentRecordError(
                where, f"timeline.{key}", f"unknown state {key!r} (states: {known})"
            )
    timeline: dict[State, datetime] = {}
    state, last = State.DETECTED, _timestamp(where, "timeline.detected", raw["detected"])
    if last < started:
        raise IncidentRecordError(
            where, "timeline.detected", f"{last.isoformat()} is earlier than started"
        )
    timeline[state] = last
    for s in list(State)[1:]:
        if s.value not in raw:
            break
        at = _timestamp(where, f"timeline.{s.value}", raw[s.value])
        try:
            _step("", state, last, s, at)
        except TransitionError as err:
            raise IncidentRecordError(where, f"timeline.{s.value}", str(err)) from None
        timeline[s], state, last = at, s, at
    skipped = [State(k) for k in raw if State(k) not in timeline]
    if skipped:  # a later state recorded after a gap: report it as the move it implies
        first = min(skipped, key=list(State).index)
        try:
            _step("", state, last, first, last)
        except TransitionError as err:
            raise IncidentRecordError(where, f"timeline.{first.value}", str(err)) from None
    impact = _mapping(where, "impact", data["impact"])
    _exact_keys(where, "impact.", impact, ("blast_radius", "bad_fraction"))
    slo = _mapping(where, "slo", data["slo"])
    _exact_keys(where, "slo.", slo, ("target", "window_days"))
    target = _number(where, "slo.target", slo["target"], 0.0, 1.0)
    if not 0 < target < 1:
        raise IncidentRecordError(where, "slo.target", f"must lie in (0, 1), got {target!r}")
    days = _number(where, "slo.window_days", slo["window_days"], 0.0, math.inf)
    if days <= 0:
        raise IncidentRecordError(where, "slo.window_days", f"must be > 0, got {days!r}")
    severity = data.get("severity")
    if severity is not None and severity not in SEVERITIES:
        raise IncidentRecordError(
            where, "severity", f"must be one of {', '.join(SEVERITIES)}, got {severity!r}"
        )
    services = data.get("services", [])
    if not isinstance(services, list) or not all(isinstance(s, str) for s in services):
        raise IncidentRecordError(
            where, "services", f"expected a list of strings, got {services!r}"
        )
    return IncidentRecord(
        id=data["id"],
        title=data["title"],
        started=started,
        timeline=timeline,
        blast_radius=_number(where, "impact.blast_radius", impact["blast_radius"], 0.0, 1.0),
        bad_fraction=_number(where, "impact.bad_fraction", impact["bad_fraction"], 0.0, 1.0),
        slo_target=target,
        slo_window=timedelta(days=days),
        severity=severity,
        services=tuple(services),
    )


def load_records(path: str | Path) -> list[IncidentRecord]:
    """Read incident records from a JSON or YAML file (YAML needs PyYAML).

    The file holds a list of records or a mapping ``{"incidents": [...]}``.

    Raises:
        IncidentRecordError: a record breaks the schema, or two records share an id.
        ValueError: the file is not valid JSON/YAML or holds no list of records.
    """
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    if p.suffix.lower() in {".yaml", ".yml"}:
        import yaml

        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise ValueError(f"{p}: not valid YAML: {err}") from None
    else:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"{p}: not valid JSON: {err}") from None
    if isinstance(doc, Mapping) and set(doc) == {"incidents"}:
        doc = doc["incidents"]
    if not isinstance(doc, list):
        raise ValueError(f"{p}: expected a list of incident records or {{'incidents': [...]}}")
    records: list[IncidentRecord] = []
    seen: set[str] = set()
    for i, item in enumerate(doc):
        rec = parse_record(item, where=f"{p.name}: record {i}")
        if rec.id in seen:
            raise IncidentRecordError(f"incident {rec.id!r}", "id", "duplicate id")
        seen.add(rec.id)
        records.append(rec)
    return records


def bootstrap_mean_ci(
    values: npt.ArrayLike, confidence: float = 0.95, resamples: int = 4000, seed: int = 0
) -> tuple[float, float]:
    """A percentile-bootstrap confidence interval for the mean of ``values``.

    Resamples the values with replacement ``resamples`` times and returns the
    ``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` quantiles of the resampled
    means (Efron & Tibshirani 1993, ch. 13). NaNs are dropped first.

    Examples:
        >>> low, high = bootstrap_mean_ci([3.0, 4.0, 5.0, 30.0], seed=1)
        >>> low < 10.5 < high
        True
    """
    x = real_array("values", values).ravel()
    x = x[~np.isnan(x)]
    if x.size == 0:
        raise ValueError("values must hold at least one number that is not NaN")
    c = positive("confidence", confidence)
    if not c < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence!r}")
    b = integer("resamples", resamples, minimum=1)
    rng = np.random.default_rng(integer("seed", seed, minimum=0))
    # --8<-- [start:bootstrap]
    idx = rng.integers(0, x.size, size=(b, x.size))
    means = x[idx].mean(axis=1)
    low, high = np.quantile(means, [(1 - c) / 2, (1 + c) / 2])
    # --8<-- [end:bootstrap]
    return float(low), float(high)


@dataclass(frozen=True)
class MetricSummary:
    """The distribution of one response interval over a set of incidents, in minutes.

    Attributes:
        metric: ``"ttd"``, ``"tta"``, ``"ttm"`` or ``"ttr"``.
        n: incidents that reached the interval's end state.
        mean: the mean (MTTD, MTTA, MTTM or MTTR).
        median: the median.
        p90: the 90th percentile.
        maximum: the largest value.
        ci_low: lower end of the bootstrap confidence interval of the mean.
        ci_high: upper end of that interval.
    """

    metric: str
    n: int
    mean: float
    median: float
    p90: float
    maximum: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class ResponseMetrics:
    """The response intervals of a set of incidents, one array per metric, in minutes.

    NaN marks an incident that has not reached the interval's end state yet.

    Attributes:
        ids: the incidents' ids, in the order of the arrays.
        ttd: time to detect (started -> detected).
        tta: time to acknowledge (detected -> acknowledged).
        ttm: time to mitigate (started -> mitigated).
        ttr: time to resolve (started -> resolved).
    """

    ids: tuple[str, ...]
    ttd: FloatArray
    tta: FloatArray
    ttm: FloatArray
    ttr: FloatArray

    def values(self, metric: str) -> FloatArray:
        """The reached values of ``metric``, NaNs dropped."""
        if metric not in METRICS:
            raise ValueError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
        arr: FloatArray = getattr(self, metric)
        return arr[~np.isnan(arr)]

    @property
    def mttd(self) -> float:
        """Mean time to detect, minutes."""
        return float(np.mean(self.values("ttd")))

    @property
    def mtta(self) -> float:
        """Mean time to acknowledge, minutes."""
        return float(np.mean(self.values("tta")))

    @property
    def mttm(self) -> float:
        """Mean time to mitigate, minutes."""
        return float(np.mean(self.values("ttm")))

    @property
    def mttr(self) -> float:
        """Mean time to resolve, minutes."""
        return float(np.mean(self.values("ttr")))

    def summary(
        self, confidence: float = 0.95, resamples: int = 4000, seed: int = 0
    ) -> list[MetricSummary]:
        """One `MetricSummary` per metric (those no incident reached are left out)."""
        out = []
        for m in METRICS:
            x = self.values(m)
            if x.size == 0:
                continue
            low, high = bootstrap_mean_ci(x, confidence, resamples, seed)
            med, p90 = np.quantile(x, [0.5, 0.9])
            out.append(
                MetricSummary(
                    m, int(x.size), float(x.mean()), float(med), float(p90),
                    float(x.max()), low, high,
                )
            )  # fmt: skip
        return out


def response_metrics(records: Iterable[IncidentRecord]) -> ResponseMetrics:
    """The detect / acknowledge / mitigate / resolve intervals of ``records``.

    Raises:
        TypeError: an item is not an `IncidentRecord`.
        ValueError: no records.

    Examples:
        >>> from datetime import datetime, timezone
        >>> rec = parse_record({
        ...     "id": "INC-1", "title": "exporter queue full",
        ...     "started": "2026-03-02T10:00:00Z",
        ...     "timeline": {"detected": "2026-03-02T10:06:00Z",
        ...                  "acknowledged": "2026-03-02T10:09:00Z",
        ...                  "mitigated": "2026-03-02T10:40:00Z"},
        ...     "impact": {"blast_radius": 0.2, "bad_fraction": 0.05},
        ...     "slo": {"target": 0.999, "window_days": 30}})
        >>> m = response_metrics([rec])
        >>> m.mttd, m.mtta, m.mttm, m.ttr.tolist()
        (6.0, 3.0, 40.0, [nan])
    """
    recs = list(records)
    if not recs:
        raise ValueError("records must hold at least one incident record")
    for r in recs:
        if not isinstance(r, IncidentRecord):
            raise TypeError(f"records must hold IncidentRecord items, got {r!r}")
    cols = {m: np.array([r.interval(m) for r in recs], dtype=np.float64) for m in METRICS}
    return ResponseMetrics(tuple(r.id for r in recs), **cols)
