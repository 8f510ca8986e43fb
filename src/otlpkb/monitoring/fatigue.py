"""Alert fatigue: Alertmanager's grouping, inhibition and silences, flapping, alert quality.

* `simulate_alertmanager` replays a stream of alerts through a model of Alertmanager's
  dispatcher and notification pipeline (v0.25, ``dispatch/dispatch.go`` and
  ``notify/notify.go``): alerts are grouped by the ``group_by`` labels; a new group waits
  ``group_wait`` and then flushes every ``group_interval``; at a flush, silenced and
  inhibited alerts are dropped, and a notification goes out when a firing alert is new
  since the last notification, when an alert resolved (``send_resolved``), when all alerts
  resolved, or when ``repeat_interval`` has passed since the last one; resolved alerts leave
  the group after each flush.
* `flapping` marks an alert that changes state too often, with the weighted percent state
  change and the two thresholds (hysteresis) of Nagios's flap detection.
* `alert_quality` measures a stream of pages against the incidents they should report:
  precision, recall, the actionable share, and pages per on-call shift.

See the chapter *Alert fatigue* (8.2).

Examples:
    >>> route = Route(group_by=("alertname",), group_wait=30, group_interval=300,
    ...               repeat_interval=3600)
    >>> stream = [AlertEvent(0, {"alertname": "QueueFull", "instance": "a"}),
    ...           AlertEvent(10, {"alertname": "QueueFull", "instance": "b"})]
    >>> [(n.at, len(n.firing)) for n in simulate_alertmanager(stream, route, until=700)]
    [(30.0, 2)]
"""

from __future__ import annotations

import heapq
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "AlertEvent",
    "AlertQuality",
    "InhibitRule",
    "Notification",
    "Route",
    "Silence",
    "alert_quality",
    "flapping",
    "simulate_alertmanager",
]

Labels = tuple[tuple[str, str], ...]


def _labels(name: str, value: object) -> Labels:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise TypeError(f"{name} must be a mapping of label names to strings, got {value!r}")
    return tuple(sorted(value.items()))


def _time(name: str, value: object, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number of seconds, got {value!r}")
    v = float(value)
    if not math.isfinite(v) or v < 0 or (positive and v == 0):
        bound = ">" if positive else ">="
        raise ValueError(f"{name} must be a finite number of seconds {bound} 0, got {value!r}")
    return v


@dataclass(frozen=True)
class AlertEvent:
    """An alert as Prometheus sends it: firing (again) or resolved, at time ``at`` (s).

    Attributes:
        at: When Alertmanager receives it, in seconds from the start of the stream.
        labels: The alert's labels; they identify it.
        resolved: Whether this update resolves the alert.
    """

    at: float
    labels: Mapping[str, str]
    resolved: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", _time("at", self.at))
        _labels("labels", self.labels)


@dataclass(frozen=True)
class Route:
    """The grouping and timing of one Alertmanager route (defaults are Alertmanager's).

    Attributes:
        group_by: Labels whose values form a group (``("...",)`` groups by all labels).
        group_wait: Seconds a new group waits before its first notification (30).
        group_interval: Seconds between flushes of a group (300).
        repeat_interval: Seconds after which an unchanged group is notified again (14400).
        send_resolved: Whether resolved alerts are notified (webhook default: true).
    """

    group_by: tuple[str, ...] = ()
    group_wait: float = 30.0
    group_interval: float = 300.0
    repeat_interval: float = 14400.0
    send_resolved: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.group_by, str) or not all(isinstance(g, str) for g in self.group_by):
            raise TypeError(f"group_by must be a tuple of label names, got {self.group_by!r}")
        object.__setattr__(self, "group_by", tuple(self.group_by))
        _time("group_wait", self.group_wait)
        for name in ("group_interval", "repeat_interval"):
            _time(name, getattr(self, name), positive=True)


@dataclass(frozen=True)
class InhibitRule:
    """Mute ``target`` alerts while a ``source`` alert fires with the same ``equal`` labels.

    Attributes:
        source: Equality matchers an inhibiting alert must satisfy.
        target: Equality matchers an inhibited alert must satisfy.
        equal: Labels whose values must be the same on both.
    """

    source: Mapping[str, str]
    target: Mapping[str, str]
    equal: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _labels("source", self.source)
        _labels("target", self.target)
        object.__setattr__(self, "equal", tuple(self.equal))


@dataclass(frozen=True)
class Silence:
    """Mute alerts matching ``matchers`` from ``starts`` to ``ends`` (seconds)."""

    matchers: Mapping[str, str]
    starts: float
    ends: float

    def __post_init__(self) -> None:
        _labels("matchers", self.matchers)
        if _time("ends", self.ends) < _time("starts", self.starts):
            raise ValueError(f"ends must be >= starts, got {self.starts!r} and {self.ends!r}")


@dataclass(frozen=True)
class Notification:
    """One notification to the receiver.

    Attributes:
        at: When it is sent (seconds).
        group: The group's labels (the ``group_by`` labels of its alerts).
        firing: The labels of the firing alerts it lists, sorted.
        resolved: The labels of the resolved alerts it lists, sorted.
    """

    at: float
    group: Labels
    firing: tuple[Labels, ...]
    resolved: tuple[Labels, ...]


@dataclass
class _Group:
    key: Labels
    next_flush: float
    members: set[Labels] = field(default_factory=set)


def _matches(matchers: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    return all(labels.get(k, "") == v for k, v in matchers.items())


def simulate_alertmanager(
    events: Iterable[AlertEvent],
    route: Route,
    *,
    inhibit_rules: Sequence[InhibitRule] = (),
    silences: Sequence[Silence] = (),
    until: float,
) -> list[Notification]:
    """The notifications Alertmanager sends for ``events`` up to time ``until``.

    Groups are kept by their ``group_by`` values; a group flushes ``group_wait`` after its
    first alert and every ``group_interval`` after that. What the model leaves out: a group
    whose alerts have all resolved is deleted at once here, while Alertmanager deletes it at
    its next maintenance pass (every 30 s), so an alert that arrives in between skips
    ``group_wait``; and a failed notification is not retried.

    Raises:
        ValueError: ``until`` is negative, or an event comes after ``until``.
    """
    end = _time("until", until)
    stream = sorted(events, key=lambda e: e.at)
    if stream and stream[-1].at > end:
        raise ValueError(f"until must not precede the last event, got {until!r}")
    resolved_at: dict[Labels, float | None] = {}  # alert -> when it resolved (None: firing)
    groups: dict[Labels, _Group] = {}
    sent: dict[Labels, tuple[frozenset[Labels], frozenset[Labels], float]] = {}
    out: list[Notification] = []
    timers: list[tuple[float, int, Labels]] = []  # (flush time, order, group key)
    order = 0

    def key_of(labels: Labels) -> Labels:
        if route.group_by == ("...",):
            return labels
        d = dict(labels)
        return tuple((k, d[k]) for k in sorted(route.group_by) if k in d)

    def muted(alert: Labels, now: float) -> bool:
        d = dict(alert)
        if any(s.starts <= now < s.ends and _matches(s.matchers, d) for s in silences):
            return True
        for rule in inhibit_rules:
            if not _matches(rule.target, d):
                continue
            two_sided = _matches(rule.source, d)  # then only one-sided sources inhibit it
            for other, when in resolved_at.items():
                o = dict(other)
                if (
                    when is None
                    and _matches(rule.source, o)
                    and not (two_sided and _matches(rule.target, o))
                    and all(o.get(k, "") == d.get(k, "") for k in rule.equal)
                ):
                    return True
        return False

    def flush(group: _Group, now: float) -> None:
        # --8<-- [start:flush]
        live = [a for a in group.members if not muted(a, now)]
        firing = frozenset(a for a in live if resolved_at[a] is None)
        resolved = frozenset(a for a in live if resolved_at[a] is not None)
        last = sent.get(group.key)
        if not live:
            notify = False  # all muted: the pipeline stops before deduplication
        elif last is None:
            notify = bool(firing)
        elif not firing <= last[0]:
            notify = True  # a firing alert the receiver has not been told about
        elif not firing:
            notify = bool(last[0])  # everything it was told about has resolved
        elif route.send_resolved and not resolved <= last[1]:
            notify = True
        else:
            notify = now - last[2] > route.repeat_interval
        if notify:
            shown = resolved if route.send_resolved else frozenset()
            listed = tuple(sorted(firing)), tuple(sorted(shown))
            out.append(Notification(now, group.key, *listed))
            sent[group.key] = (firing, resolved, now)
        group.members -= {a for a in group.members if resolved_at[a] is not None}
        # --8<-- [end:flush]

    i = 0
    while True:
        next_event = stream[i].at if i < len(stream) else math.inf
        next_timer = timers[0][0] if timers else math.inf
        if min(next_event, next_timer) > end:
            break
        if next_timer < next_event:
            at, _, key = heapq.heappop(timers)
            group = groups[key]
            flush(group, at)
            if group.members:
                group.next_flush = at + route.group_interval
                heapq.heappush(timers, (group.next_flush, order, key))
                order += 1
            else:
                del groups[key]
            continue
        event = stream[i]
        i += 1
        alert = _labels("labels", event.labels)
        resolved_at[alert] = event.at if event.resolved else None
        key = key_of(alert)
        if key not in groups:
            if event.resolved:
                continue  # a resolution for an alert no group holds: nothing to send
            groups[key] = _Group(key, event.at + route.group_wait)
            heapq.heappush(timers, (groups[key].next_flush, order, key))
            order += 1
        groups[key].members.add(alert)
    return out


# --- flapping ------------------------------------------------------------------------


def flapping(
    states: Sequence[bool], *, window: int = 21, low: float = 0.05, high: float = 0.20
) -> list[bool]:
    """Whether an alert is flapping after each check, as Nagios Core decides it.

    Nagios keeps the last ``window`` states (21), starting from all OK. Each of the
    ``window - 1`` transitions in that history counts with a weight that grows linearly
    from 0.75 (oldest) to 1.25 (newest); their weighted sum over ``window - 1`` is the
    percent state change. Flapping starts when it reaches ``high`` and stops when it
    falls to ``low`` (Nagios's defaults for services: 20 % and 5 %); in between, the state
    is kept (``base/flapping.c``).

    Examples:
        >>> flags = flapping([i % 2 == 0 for i in range(30)])
        >>> flags.index(True)
        3
    """
    if not (isinstance(window, int) and window >= 3):
        raise ValueError(f"window must be an int >= 3, got {window!r}")
    if not 0 <= low <= high <= 1:
        raise ValueError(f"need 0 <= low <= high <= 1, got low={low!r}, high={high!r}")
    n = window - 1
    weights = 0.75 + 0.5 * np.arange(n) / (n - 1)
    history = np.zeros(window, dtype=np.int8)  # Nagios starts from a history of OK
    out, flap = [], False
    # --8<-- [start:flapping]
    for state in states:
        history = np.roll(history, -1)
        history[-1] = bool(state)
        change = float(np.abs(np.diff(history)) @ weights) / n
        if change >= high:
            flap = True
        elif change <= low:
            flap = False
        out.append(flap)
    # --8<-- [end:flapping]
    return out


# --- alert quality -----------------------------------------------------------------


@dataclass(frozen=True)
class AlertQuality:
    """How good a stream of pages is.

    Attributes:
        pages: Number of pages.
        precision: Share of pages that fall within an incident (true alarms).
        recall: Share of incidents with at least one page.
        actionable: Share of pages someone had to act on (as labelled by the on-call).
        pages_per_shift: Pages in each on-call shift, in order.
    """

    pages: int
    precision: float
    recall: float
    actionable: float
    pages_per_shift: tuple[int, ...]


def alert_quality(
    page_times: Sequence[float],
    incidents: Sequence[tuple[float, float]],
    *,
    actionable: Sequence[bool] | None = None,
    shift: float = 12 * 3600,
    horizon: float | None = None,
) -> AlertQuality:
    """Precision, recall, actionable share and pages per shift of a page stream.

    Args:
        page_times: When each page went out (seconds).
        incidents: ``(start, end)`` of each real incident; a page inside one is a true alarm.
        actionable: Per page, whether it needed action; defaults to "true alarm".
        shift: On-call shift length in seconds (12 h).
        horizon: End of the period (default: the last page or incident end).

    Examples:
        >>> q = alert_quality([100, 5000, 50000], [(0, 600)], shift=43200, horizon=86400)
        >>> q.precision, q.recall, q.pages_per_shift
        (0.3333333333333333, 1.0, (2, 1))
    """
    pages = np.asarray([_time("page_times", t) for t in page_times], dtype=float)
    spans = [(_time("incident start", a), _time("incident end", b)) for a, b in incidents]
    if any(b < a for a, b in spans):
        raise ValueError(f"every incident must end after it starts, got {incidents!r}")
    _time("shift", shift, positive=True)
    true = np.array([any(a <= t <= b for a, b in spans) for t in pages], dtype=bool)
    acted = true if actionable is None else np.asarray(actionable, dtype=bool)
    if acted.shape != pages.shape:
        raise ValueError(
            f"actionable must have one flag per page, got {len(acted)} for {pages.size}"
        )
    caught = sum(any(a <= t <= b for t in pages) for a, b in spans)
    last = max([*pages, *(b for _, b in spans), 0.0]) if horizon is None else horizon
    n_shifts = max(1, math.ceil(_time("horizon", last) / shift))
    per_shift = np.bincount((pages // shift).astype(int), minlength=n_shifts)[:n_shifts]
    return AlertQuality(
        pages=int(pages.size),
        precision=float(true.mean()) if pages.size else math.nan,
        recall=caught / len(spans) if spans else math.nan,
        actionable=float(acted.mean()) if pages.size else math.nan,
        pages_per_shift=tuple(int(c) for c in per_shift),
    )
