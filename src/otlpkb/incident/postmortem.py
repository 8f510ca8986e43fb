"""Blameless postmortems generated from a structured incident record.

A postmortem is written once and read many times, so it should be built from the same
record the response metrics of chapter 9.1 use, not retyped. `Postmortem` joins an
`IncidentRecord` with what only the review adds: a summary, timeline events, contributing
factors, what went well, and action items with owners and due dates. `to_markdown`
renders it: the timeline interleaves the life-cycle states with the events and labels the
detection and response intervals (TTD, TTA, TTM, TTR); the impact section states the share
of the SLO's error budget spent (chapter 8.3 supplies the SLO; the record carries its target
and window). `blameful_phrases` finds wording that points at people rather than at the
system (the review is about how the system let the failure happen).

Postmortem documents are JSON or YAML: ``{"incident": <record of 9.1>, "summary": ...,
"events": [{"at": ..., "text": ...}], "contributing_factors": [...], "went_well": [...],
"action_items": [{"action": ..., "owner": ..., "due": "YYYY-MM-DD", "kind": ...}]}``.

See the chapter *Postmortems* (9.4): ../../operations/incident/postmortems.md

Examples:
    >>> pm = parse_postmortem({
    ...     "incident": {
    ...         "id": "INC-9", "title": "Exporter queue full", "started": "2026-05-04T09:00:00Z",
    ...         "timeline": {"detected": "2026-05-04T09:05:00Z",
    ...                      "acknowledged": "2026-05-04T09:08:00Z",
    ...                      "mitigated": "2026-05-04T09:30:00Z",
    ...                      "resolved": "2026-05-04T11:00:00Z"},
    ...         "impact": {"blast_radius": 0.25, "bad_fraction": 0.2},
    ...         "slo": {"target": 0.999, "window_days": 30}},
    ...     "summary": "Spans were refused while the trace store was down.",
    ...     "contributing_factors": ["The queue held 30 s of traffic."],
    ...     "action_items": [{"action": "Size the queue for 30 min", "owner": "gateway team",
    ...                       "due": "2026-05-18", "kind": "mitigate"}]})
    >>> md = pm.to_markdown()
    >>> md.splitlines()[0]
    '# Postmortem: INC-9, Exporter queue full'
    >>> "| 2026-05-04 09:05 | +5 min | **detected** (TTD 5 min) |" in md
    True
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from otlpkb.incident.lifecycle import (
    IncidentRecord,
    IncidentRecordError,
    SeverityPolicy,
    State,
    parse_record,
)

__all__ = [
    "ACTION_KINDS",
    "BLAMEFUL_PATTERNS",
    "ActionItem",
    "Postmortem",
    "TimelineEvent",
    "blameful_phrases",
    "load_postmortem",
    "parse_postmortem",
]

#: What an action item does: stop a recurrence, find it sooner, or limit its impact.
ACTION_KINDS = ("prevent", "detect", "mitigate", "process")

#: Wording that assigns blame to people instead of describing the system (case-insensitive).
BLAMEFUL_PATTERNS = (
    r"\bhuman error\b",
    r"\bshould have\b",
    r"\bfailed to\b",
    r"\bcareless(ly|ness)?\b",
    r"\bforgot\b",
    r"\bfault of\b",
    r"\bblame[sd]?\b",
    r"\bnegligen(t|ce)\b",
)

#: The label of each interval that ends at a state, and where it starts.
_INTERVAL_AT = {
    State.DETECTED: ("TTD", "ttd"),
    State.ACKNOWLEDGED: ("TTA", "tta"),
    State.MITIGATED: ("TTM", "ttm"),
    State.RESOLVED: ("TTR", "ttr"),
}


@dataclass(frozen=True)
class TimelineEvent:
    """Something that happened during the incident, in the review's words."""

    at: datetime
    text: str


@dataclass(frozen=True)
class ActionItem:
    """A follow-up with an owner (a team or role, not a culprit) and a due date.

    Attributes:
        action: what will be done.
        owner: who is responsible for getting it done.
        due: when it is due.
        kind: one of `ACTION_KINDS`.
    """

    action: str
    owner: str
    due: date
    kind: str


@dataclass(frozen=True)
class Postmortem:
    """An incident record with what the review adds.

    Attributes:
        record: the incident as recorded (chapter 9.1).
        summary: what happened, in a few sentences.
        events: timeline events besides the life-cycle states.
        contributing_factors: conditions that let the failure happen or grow.
        went_well: what helped.
        action_items: follow-ups.
    """

    record: IncidentRecord
    summary: str
    events: tuple[TimelineEvent, ...] = ()
    contributing_factors: tuple[str, ...] = ()
    went_well: tuple[str, ...] = ()
    action_items: tuple[ActionItem, ...] = ()

    def timeline(self) -> list[tuple[datetime, str]]:
        """Impact start, life-cycle states and events, in time order (states first on ties)."""
        rows: list[tuple[datetime, int, str]] = [(self.record.started, 0, "impact started")]
        for state, at in self.record.timeline.items():
            label = f"**{state.value}**"
            if state in _INTERVAL_AT:
                name, metric = _INTERVAL_AT[state]
                label += f" ({name} {_minutes(self.record.interval(metric))})"
            rows.append((at, 1, label))
        rows += [(e.at, 2, e.text) for e in self.events]
        # --8<-- [start:timeline]
        rows.sort(key=lambda r: (r[0], r[1]))
        return [(at, text) for at, _, text in rows]
        # --8<-- [end:timeline]

    def to_markdown(self, policy: SeverityPolicy | None = None) -> str:
        """The postmortem as a Markdown document."""
        r = self.record
        spent = r.budget_consumed
        computed = r.classify(policy)
        window_days = r.slo_window.total_seconds() / 86400
        out = [f"# Postmortem: {r.id}, {r.title}", ""]
        out += ["Blameless: this review describes how the system allowed the failure,",
                "not who is at fault.", ""]  # fmt: skip
        out += ["## Summary", "", self.summary.strip(), ""]
        # --8<-- [start:impact]
        out += ["## Impact", ""]
        out.append(f"- Severity: declared {r.severity or 'none'}, from impact {computed}")
        out.append(f"- Blast radius: {r.blast_radius:.0%} of sources")
        out.append(f"- Failed events while impacted: {r.bad_fraction:.1%}")
        if spent is not None:
            out.append(
                f"- Error budget spent: {spent:.1%} of the {window_days:g}-day budget "
                f"of a {r.slo_target:.2%} SLO"
            )
        # --8<-- [end:impact]
        out += ["", "## Timeline (UTC)", "", "| time | since start | event |",
                "| --- | --- | --- |"]  # fmt: skip
        for at, text in self.timeline():
            m = (at - r.started).total_seconds() / 60
            since = ("+" if m >= 0 else "−") + _minutes(abs(m))
            out.append(f"| {at:%Y-%m-%d %H:%M} | {since} | {_cell(text)} |")
        out += ["", "## Contributing factors", ""]
        out += [f"- {f}" for f in self.contributing_factors] or ["- (none recorded)"]
        if self.went_well:
            out += ["", "## What went well", ""] + [f"- {w}" for w in self.went_well]
        out += ["", "## Action items", "", "| action | kind | owner | due |",
                "| --- | --- | --- | --- |"]  # fmt: skip
        for a in sorted(self.action_items, key=lambda a: (a.due, a.action)):
            cells = (a.action, a.kind, a.owner, a.due.isoformat())
            out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        return "\n".join(out) + "\n"


def _cell(text: str) -> str:  # one table cell: no line breaks, pipes escaped
    return " ".join(text.split()).replace("|", "\\|")


def _minutes(m: float) -> str:
    if m != m:  # NaN: the interval was never completed
        return "n/a"
    if m < 120:
        return f"{m:.0f} min"
    return f"{m / 60:.1f} h"


def blameful_phrases(pm: Postmortem) -> list[str]:
    """Phrases in the summary, events and factors that match `BLAMEFUL_PATTERNS`."""
    texts = [pm.summary, *(e.text for e in pm.events), *pm.contributing_factors]
    found: list[str] = []
    for text in texts:
        for pattern in BLAMEFUL_PATTERNS:
            found += [m.group(0) for m in re.finditer(pattern, text, re.IGNORECASE)]
    return found


def _text(where: str, field: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise IncidentRecordError(where, field, f"expected a non-empty string, got {value!r}")
    return value


def _strings(where: str, field: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise IncidentRecordError(where, field, f"expected a list of strings, got {value!r}")
    return tuple(_text(where, f"{field}[{i}]", v) for i, v in enumerate(value))


def _when(where: str, field: str, value: object) -> datetime:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = datetime.fromisoformat(value)
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise IncidentRecordError(
            where, field, f"expected a timestamp with a UTC offset, got {value!r}"
        )
    return value


def _day(where: str, field: str, value: object) -> date:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = date.fromisoformat(value)
    if isinstance(value, datetime) or not isinstance(value, date):
        raise IncidentRecordError(where, field, f"expected a date YYYY-MM-DD, got {value!r}")
    return value


_KEYS = {"incident", "summary", "events", "contributing_factors", "went_well", "action_items"}


def parse_postmortem(data: Mapping[str, Any]) -> Postmortem:
    """Check a postmortem document and build it.

    Raises:
        IncidentRecordError: the incident record breaks the schema of chapter 9.1, or a
            postmortem field is missing or malformed: an event after the incident's last state, an
            action item without owner, with an unknown kind or due before the incident.
    """
    if not isinstance(data, Mapping):
        raise IncidentRecordError("postmortem", "(document)", f"expected a mapping, got {data!r}")
    for key in ("incident", "summary"):
        if key not in data:
            raise IncidentRecordError("postmortem", key, "missing")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise IncidentRecordError("postmortem", unknown[0], "unknown field")
    record = parse_record(data["incident"])
    where = f"postmortem of {record.id!r}"
    end = list(record.timeline.values())[-1]
    events = []
    for i, e in enumerate(data.get("events", [])):
        if not isinstance(e, Mapping) or set(e) != {"at", "text"}:
            raise IncidentRecordError(where, f"events[{i}]", "expected {at, text}")
        at = _when(where, f"events[{i}].at", e["at"])
        if at > end:  # a trigger may precede the impact; nothing may follow the record
            raise IncidentRecordError(
                where, f"events[{i}].at", f"{at.isoformat()} is after the incident's last state"
            )
        events.append(TimelineEvent(at, _text(where, f"events[{i}].text", e["text"])))
    actions = []
    for i, a in enumerate(data.get("action_items", [])):
        f = f"action_items[{i}]"
        if not isinstance(a, Mapping) or set(a) != {"action", "owner", "due", "kind"}:
            raise IncidentRecordError(where, f, "expected {action, owner, due, kind}")
        due = _day(where, f"{f}.due", a["due"])
        if due < record.started.date():
            raise IncidentRecordError(where, f"{f}.due", f"{due} is before the incident")
        if a["kind"] not in ACTION_KINDS:
            raise IncidentRecordError(
                where, f"{f}.kind", f"must be one of {', '.join(ACTION_KINDS)}, got {a['kind']!r}"
            )
        actions.append(
            ActionItem(
                _text(where, f"{f}.action", a["action"]),
                _text(where, f"{f}.owner", a["owner"]),
                due,
                a["kind"],
            )
        )
    return Postmortem(
        record=record,
        summary=_text(where, "summary", data["summary"]),
        events=tuple(events),
        contributing_factors=_strings(where, "contributing_factors",
                                      data.get("contributing_factors", [])),
        went_well=_strings(where, "went_well", data.get("went_well", [])),
        action_items=tuple(actions),
    )  # fmt: skip


def load_postmortem(path: str | Path) -> Postmortem:
    """Read a postmortem document from JSON or YAML (YAML needs PyYAML)."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    if p.suffix.lower() in {".yaml", ".yml"}:
        import yaml

        doc = yaml.safe_load(text)
    else:
        doc = json.loads(text)
    return parse_postmortem(doc)
