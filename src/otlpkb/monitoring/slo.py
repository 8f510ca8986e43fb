"""Error budgets, burn rates and multiwindow, multi-burn-rate SLO alerts as Prometheus rules.

* `error_budget`, `burn_rate`, `time_to_exhaustion`: the arithmetic of an SLO whose
  objective is a percentage (99.9) over a period of days.
* `multiwindow_alerts`: the four alert windows of the Google SRE Workbook's chapter
  "Alerting on SLOs" as Sloth generates them: two page windows (1 h / 5 min at 2 % of the
  budget, 6 h / 30 min at 5 %) and two ticket windows (1 d / 2 h and 3 d / 6 h at 10 %),
  each with the burn rate ``budget_consumed × period / long_window``.
* `detection_time` and `reset_time`: how long an alert takes to fire after errors start
  at a given ratio, and to clear after they stop.
* `SLO`, `load_slo_spec` and `slo_rules`: an SLO spec in Sloth's ``prometheus/v1`` form
  (an SLI as error and total PromQL with ``{{.window}}``), and the recording and alerting
  rules for it, as `otlpkb.monitoring.rules` objects.

Sources: Sloth ``internal/alert/windows/google-30d.yaml`` and
``internal/prometheus/recording_rules.go`` / ``alert_rules.go`` (slok/sloth); B. Beyer et
al., *The Site Reliability Workbook*, O'Reilly 2018, chapter 5.

See the chapter *SLO and SLA management* (8.3).

Examples:
    >>> [(w.severity, w.burn_rate) for w in multiwindow_alerts(99.9)]
    [('page', 14.4), ('page', 6.0), ('ticket', 3.0), ('ticket', 1.0)]
    >>> time_to_exhaustion(14.4)
    datetime.timedelta(days=2, seconds=7200)
    >>> detection_time(multiwindow_alerts(99.9)[0], 1.0, 99.9)
    datetime.timedelta(seconds=51, microseconds=840000)
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

import promql_parser
import yaml

from otlpkb.monitoring.rules import (
    AlertingRule,
    RecordingRule,
    RuleGroup,
    _compose,
    format_duration,
    parse_duration,
)

__all__ = [
    "SLO",
    "SLOTH_WINDOWS",
    "BurnRateWindow",
    "SLOSpecError",
    "burn_rate",
    "detection_time",
    "error_budget",
    "load_slo_spec",
    "multiwindow_alerts",
    "reset_time",
    "slo_rules",
    "time_to_exhaustion",
]

#: (severity, budget consumed, short window, long window): Sloth's 30-day catalogue
#: (``google-30d.yaml``), the SRE Workbook's table plus a 1 d / 2 h ticket window.
SLOTH_WINDOWS: tuple[tuple[Literal["page", "ticket"], float, timedelta, timedelta], ...] = (
    ("page", 0.02, timedelta(minutes=5), timedelta(hours=1)),
    ("page", 0.05, timedelta(minutes=30), timedelta(hours=6)),
    ("ticket", 0.10, timedelta(hours=2), timedelta(days=1)),
    ("ticket", 0.10, timedelta(hours=6), timedelta(days=3)),
)


@dataclass(frozen=True)
class BurnRateWindow:
    """One window pair of a multiwindow, multi-burn-rate alert.

    Attributes:
        severity: ``"page"`` (wake someone) or ``"ticket"`` (next working day).
        short_window: The short window; it makes the alert reset soon after recovery.
        long_window: The long window; it decides how much budget must burn.
        burn_rate: The threshold, as a multiple of the rate that spends exactly the whole
            budget in the period.
        budget_consumed: The fraction of the period's budget spent in ``long_window`` at
            that burn rate (``burn_rate × long_window / period``).
    """

    severity: Literal["page", "ticket"]
    short_window: timedelta
    long_window: timedelta
    burn_rate: float
    budget_consumed: float


class SLOSpecError(ValueError):
    """An SLO spec that cannot be used: names the file, the line (1-based) and the field."""

    def __init__(self, source: str, line: int, field: str, problem: str) -> None:
        self.source = source
        self.line = line
        self.field = field
        self.problem = problem
        super().__init__(f"{source}:{line}: {field}: {problem}")


def _objective(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"objective must be a percentage such as 99.9, got {value!r}")
    v = float(value)
    if not (math.isfinite(v) and 0 < v < 100):
        raise ValueError(f"objective must be a percentage in (0, 100), got {value!r}")
    return v


def _period(value: object) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"period_days must be a number of days, got {value!r}")
    if not (math.isfinite(float(value)) and float(value) > 0):
        raise ValueError(f"period_days must be > 0, got {value!r}")
    return timedelta(days=float(value))


def error_budget(objective: float) -> float:
    """The error budget as a fraction of events: ``1 - objective / 100``.

    Examples:
        >>> round(error_budget(99.9), 6)
        0.001
    """
    return round(1.0 - _objective(objective) / 100.0, 12)


def burn_rate(error_ratio: float, objective: float) -> float:
    """How many times faster than sustainable the budget burns at ``error_ratio``.

    Examples:
        >>> burn_rate(0.0144, 99.9)
        14.4
    """
    if isinstance(error_ratio, bool) or not isinstance(error_ratio, numbers.Real):
        raise TypeError(f"error_ratio must be a number in [0, 1], got {error_ratio!r}")
    if not 0 <= float(error_ratio) <= 1:
        raise ValueError(f"error_ratio must be in [0, 1], got {error_ratio!r}")
    return round(float(error_ratio) / error_budget(objective), 12)


def time_to_exhaustion(
    burn_rate: float, *, period_days: float = 30, budget_remaining: float = 1.0
) -> timedelta:
    """How long the remaining budget lasts at a constant burn rate: ``remaining × T / b``.

    Examples:
        >>> time_to_exhaustion(1.0)
        datetime.timedelta(days=30)
    """
    if isinstance(burn_rate, bool) or not isinstance(burn_rate, numbers.Real):
        raise TypeError(f"burn_rate must be a number, got {burn_rate!r}")
    if not (math.isfinite(float(burn_rate)) and float(burn_rate) > 0):
        raise ValueError(f"burn_rate must be > 0, got {burn_rate!r}")
    if isinstance(budget_remaining, bool) or not isinstance(budget_remaining, numbers.Real):
        raise TypeError(f"budget_remaining must be a fraction, got {budget_remaining!r}")
    if not 0 <= float(budget_remaining) <= 1:
        raise ValueError(f"budget_remaining must be in [0, 1], got {budget_remaining!r}")
    return _period(period_days) * (float(budget_remaining) / float(burn_rate))


def multiwindow_alerts(objective: float, *, period_days: float = 30) -> list[BurnRateWindow]:
    """The two page and two ticket windows of a multiwindow, multi-burn-rate SLO alert.

    The windows and budget fractions are Sloth's (`SLOTH_WINDOWS`); the burn rate of each
    window follows from the period, as Sloth computes it:
    ``burn_rate = budget_consumed × period / long_window``.

    Args:
        objective: The SLO as a percentage, e.g. 99.9.
        period_days: The SLO period in days (30 in the Workbook, 28 for four weeks).

    Raises:
        ValueError: The objective is not in (0, 100), or a long window exceeds the period.

    Examples:
        >>> [round(w.burn_rate, 2) for w in multiwindow_alerts(99.9, period_days=28)]
        [13.44, 5.6, 2.8, 0.93]
    """
    _objective(objective)
    period = _period(period_days)
    out = []
    for severity, consumed, short, long in SLOTH_WINDOWS:
        if long > period:
            raise ValueError(
                f"the {severity} window {format_duration(long)} is longer than the period "
                f"of {_window(period)} (period_days={period_days!r})"
            )
        # --8<-- [start:windows]
        rate = consumed * (period / long)
        out.append(BurnRateWindow(severity, short, long, round(rate, 12), consumed))
        # --8<-- [end:windows]
    return out


def _error_ratio(error_ratio: float) -> float:
    if isinstance(error_ratio, bool) or not isinstance(error_ratio, numbers.Real):
        raise TypeError(f"error_ratio must be a number in (0, 1], got {error_ratio!r}")
    if not 0 < float(error_ratio) <= 1:
        raise ValueError(f"error_ratio must be in (0, 1], got {error_ratio!r}")
    return float(error_ratio)


def detection_time(
    window: BurnRateWindow, error_ratio: float, objective: float
) -> timedelta | None:
    """How long after errors start at ``error_ratio`` the window pair fires.

    Before the step the service had no errors for at least ``long_window``. A window of
    length ``W`` then averages ``error_ratio × t / W`` after ``t``; the pair fires when both
    averages exceed ``burn_rate × budget``, and the long window binds:
    ``t = long_window × burn_rate × budget / error_ratio``. `None` when the ratio never
    reaches the threshold.

    Examples:
        >>> page = multiwindow_alerts(99.9)[0]
        >>> detection_time(page, 0.1, 99.9)
        datetime.timedelta(seconds=518, microseconds=400000)
    """
    e = _error_ratio(error_ratio)
    # --8<-- [start:detection]
    threshold = window.burn_rate * error_budget(objective)
    if e <= threshold:
        return None
    return window.long_window * (threshold / e)
    # --8<-- [end:detection]


def reset_time(window: BurnRateWindow, error_ratio: float, objective: float) -> timedelta | None:
    """How long after errors stop the window pair stops firing (outage ≥ short window).

    The short window's average falls as ``error_ratio × (1 - x / S)``; the pair clears
    once it is at or below the threshold: ``x = S × (1 - burn_rate × budget / error_ratio)``.
    `None` when the ratio never fired the pair.

    Examples:
        >>> reset_time(multiwindow_alerts(99.9)[0], 1.0, 99.9)
        datetime.timedelta(seconds=295, microseconds=680000)
    """
    e = _error_ratio(error_ratio)
    threshold = window.burn_rate * error_budget(objective)
    if e <= threshold:
        return None
    return window.short_window * (1 - threshold / e)


# --- SLO specs and their Prometheus rules --------------------------------------------


@dataclass(frozen=True)
class SLO:
    """One SLO: an event-based SLI (errors over total), an objective and a period.

    Attributes:
        service: The service the SLO belongs to.
        name: The SLO's name, unique within the service.
        objective: The objective as a percentage (99.9).
        error_query: PromQL for the rate of bad events, with ``{{.window}}`` where the
            range goes, e.g. ``sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))``.
        total_query: PromQL for the rate of all events, with ``{{.window}}``.
        period_days: The period over which the budget is counted.
        labels: Labels added to every recorded series and alert.
        alert_name: The alerts' name (both severities share it, with ``severity`` apart).
        page_labels: Labels of the page alert (default ``severity: page``).
        ticket_labels: Labels of the ticket alert (default ``severity: ticket``).
        annotations: Annotations of both alerts (``runbook_url`` belongs here).
    """

    service: str
    name: str
    objective: float
    error_query: str
    total_query: str
    period_days: float = 30
    labels: Mapping[str, str] = field(default_factory=dict)
    alert_name: str = ""
    page_labels: Mapping[str, str] = field(default_factory=dict)
    ticket_labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("service", "name"):
            value = getattr(self, name)
            if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_.\-]+", value):
                raise ValueError(f"{name} must be a name of letters, digits, _.-, got {value!r}")
        _objective(self.objective)
        multiwindow_alerts(self.objective, period_days=self.period_days)
        for name in ("error_query", "total_query"):
            value = getattr(self, name)
            if not isinstance(value, str) or "{{.window}}" not in value.replace(" ", ""):
                raise ValueError(f"{name} must be PromQL with {{{{.window}}}}, got {value!r}")
        if not self.alert_name:
            object.__setattr__(self, "alert_name", _camel(f"{self.service}-{self.name}"))


def _camel(text: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^A-Za-z0-9]+", text) if p)


def _window(window: timedelta) -> str:
    """A window as Sloth writes it: whole days as ``30d``, otherwise Prometheus's form."""
    days, rest = divmod(window, timedelta(days=1))
    return f"{days}d" if days and not rest else format_duration(window)


def _render(query: str, window: timedelta) -> str:
    return re.sub(r"\{\{\s*\.window\s*\}\}", _window(window), query)


def slo_rules(slos: Sequence[SLO]) -> list[RuleGroup]:
    """Recording and alerting rules for the SLOs, three groups per SLO as Sloth writes them.

    * ``sloth-slo-sli-recordings-<id>``: ``slo:sli_error:ratio_rate<window>`` for every
      window of the alerts (the error query over the total query, ``{{.window}}``
      replaced), and for the whole period as the mean of the 5-minute ratio;
    * ``sloth-slo-meta-recordings-<id>``: objective, error budget, period, the current and
      period burn rates and the remaining budget;
    * ``sloth-slo-alerts-<id>``: the page and ticket alerts, each the ``or`` of its two
      window pairs, each pair the ``and`` of its short and long window.

    Every series carries ``sloth_id``, ``sloth_service`` and ``sloth_slo``. Unlike recent
    Sloth, the alerts take ``max(...) without (sloth_window)`` of each window, so an alert
    keeps one identity when the pair that fires it changes.

    Examples:
        >>> slo = SLO("api", "availability", 99.9, "sum(rate(errors_total[{{.window}}]))",
        ...           "sum(rate(requests_total[{{.window}}]))")
        >>> [len(g.rules) for g in slo_rules([slo])]
        [8, 6, 2]
    """
    groups: list[RuleGroup] = []
    for slo in slos:
        if not isinstance(slo, SLO):
            raise TypeError(f"slos must hold SLO objects, got {slo!r}")
        groups += _rules_of(slo)
    return groups


def _rules_of(slo: SLO) -> list[RuleGroup]:
    sid = f"{slo.service}-{slo.name}"
    ids = {"sloth_id": sid, "sloth_service": slo.service, "sloth_slo": slo.name}
    sel = "{" + ", ".join(f'{k}="{v}"' for k, v in ids.items()) + "}"
    windows = multiwindow_alerts(slo.objective, period_days=slo.period_days)
    budget = error_budget(slo.objective)
    period = timedelta(days=float(slo.period_days))
    spans = sorted({w.short_window for w in windows} | {w.long_window for w in windows})

    def metric(window: timedelta) -> str:
        return f"slo:sli_error:ratio_rate{_window(window)}"

    recordings = [
        RecordingRule(
            metric(w),
            f"({_render(slo.error_query, w)})\n/\n({_render(slo.total_query, w)})",
            {**ids, "sloth_window": _window(w), **slo.labels},
        )
        for w in spans
    ]
    p, five = _window(period), metric(spans[0])
    recordings.append(
        RecordingRule(
            metric(period),
            f"sum_over_time({five}{sel}[{p}])\n/ ignoring (sloth_window)\n"
            f"count_over_time({five}{sel}[{p}])",
            {"sloth_window": p},
        )
    )
    labels = {**ids, **slo.labels}
    burn = "\n/ on(sloth_id, sloth_slo, sloth_service) group_left\nslo:error_budget:ratio"
    meta = [
        RecordingRule("slo:objective:ratio", f"vector({slo.objective / 100:g})", labels),
        RecordingRule("slo:error_budget:ratio", f"vector({budget:g})", labels),
        RecordingRule("slo:time_period:days", f"vector({float(slo.period_days):g})", labels),
        RecordingRule("slo:current_burn_rate:ratio", f"{five}{sel}{burn}{sel}", labels),
        RecordingRule("slo:period_burn_rate:ratio", f"{metric(period)}{sel}{burn}{sel}", labels),
        RecordingRule(
            "slo:period_error_budget_remaining:ratio",
            f"1 - slo:period_burn_rate:ratio{sel}",
            labels,
        ),
    ]

    # --8<-- [start:alert_expr]
    def condition(w: timedelta, rate: float) -> str:
        return f"max({metric(w)}{sel} > ({rate:g} * {budget:g})) without (sloth_window)"

    def pair(w: BurnRateWindow) -> str:
        short = condition(w.short_window, w.burn_rate)
        long = condition(w.long_window, w.burn_rate)
        return f"(\n  {short}\n  and\n  {long}\n)"

    def alert(severity: str, extra: Mapping[str, str]) -> AlertingRule:
        expr = "\nor\n".join(pair(w) for w in windows if w.severity == severity)
        # --8<-- [end:alert_expr]
        notes = {
            "title": f"({severity}) {{{{$labels.sloth_service}}}} {{{{$labels.sloth_slo}}}} "
            "SLO error budget burn rate is too fast.",
            "summary": "{{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error budget "
            "burn rate is over expected.",
            **slo.annotations,
        }
        lab = {"severity": severity, "sloth_severity": severity, **extra}
        return AlertingRule(slo.alert_name, expr, timedelta(0), lab, notes)

    alerts = [alert("page", slo.page_labels), alert("ticket", slo.ticket_labels)]
    return [
        RuleGroup(f"sloth-slo-sli-recordings-{sid}", tuple(recordings)),
        RuleGroup(f"sloth-slo-meta-recordings-{sid}", tuple(meta)),
        RuleGroup(f"sloth-slo-alerts-{sid}", tuple(alerts)),
    ]


# --- reading a spec ----------------------------------------------------------------


def _node_map(node: yaml.Node, source: str, where: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise SLOSpecError(source, node.start_mark.line + 1, where or "spec", "expected a mapping")
    out = {}
    for key, value in node.value:
        out[str(key.value)] = (key, value)
    return out


def _text(node: yaml.Node, source: str, where: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:null":
        raise SLOSpecError(source, node.start_mark.line + 1, where, "expected a string")
    return str(node.value)


def _strings(node: yaml.Node | None, source: str, where: str) -> dict[str, str]:
    if node is None or (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")):
        return {}
    return {
        k: _text(v, source, f"{where}.{k}") for k, (_, v) in _node_map(node, source, where).items()
    }


def _sub(m: Mapping[str, tuple[yaml.Node, yaml.Node]], key: str) -> yaml.Node | None:
    return m[key][1] if key in m else None


def load_slo_spec(
    text: str, *, source: str = "<spec>", default_period_days: float = 30
) -> list[SLO]:
    """The SLOs of a Sloth ``prometheus/v1`` spec.

    The form is Sloth's: ``version``, ``service``, ``labels`` and a list ``slos`` whose
    items have ``name``, ``objective``, ``labels``, ``sli.events.error_query`` and
    ``total_query`` and ``alerting`` (``name``, ``labels``, ``annotations``, ``page_alert``
    and ``ticket_alert`` with their ``labels``). One extension: an SLO may set ``period``
    (``28d``); otherwise ``default_period_days`` applies, as Sloth's
    ``--default-slo-period`` does.

    Raises:
        SLOSpecError: Malformed YAML, a missing or mistyped field, PromQL without
            ``{{.window}}``, an objective outside (0, 100), or an alert window longer
            than the period; the error names the file, the line and the field.

    Examples:
        >>> spec = '''
        ... version: prometheus/v1
        ... service: api
        ... slos:
        ...   - name: availability
        ...     objective: 100
        ...     sli: {events: {error_query: "x[{{.window}}]", total_query: "y[{{.window}}]"}}
        ... '''
        >>> try:
        ...     load_slo_spec(spec, source="slo.yaml")
        ... except SLOSpecError as error:
        ...     print(error.line, error.field)
        6 slos[0].objective
    """
    root = _compose(text, source, "an SLO spec", SLOSpecError, "spec")
    top = _node_map(root, source, "")
    line = root.start_mark.line + 1
    if "version" in top and _text(top["version"][1], source, "version") != "prometheus/v1":
        raise SLOSpecError(
            source, top["version"][1].start_mark.line + 1, "version", "expected prometheus/v1"
        )
    for key in ("service", "slos"):
        if key not in top:
            raise SLOSpecError(source, line, key, "missing")
    service = _text(top["service"][1], source, "service")
    common = _strings(_sub(top, "labels"), source, "labels")
    slos_node = top["slos"][1]
    if not isinstance(slos_node, yaml.SequenceNode) or not slos_node.value:
        raise SLOSpecError(source, slos_node.start_mark.line + 1, "slos", "expected a list of SLOs")
    return [
        _slo(node, source, f"slos[{i}]", service, common, default_period_days)
        for i, node in enumerate(slos_node.value)
    ]


def _slo(
    node: yaml.Node,
    source: str,
    where: str,
    service: str,
    common: dict[str, str],
    default_period_days: float,
) -> SLO:
    m = _node_map(node, source, where)
    line = node.start_mark.line + 1

    def need(key: str) -> yaml.Node:
        if key not in m:
            raise SLOSpecError(source, line, f"{where}.{key}", "missing")
        return m[key][1]

    name = _text(need("name"), source, f"{where}.name")
    obj_node, at = need("objective"), f"{where}.objective"
    raw = _text(obj_node, source, at)
    try:
        objective = float(raw)
    except ValueError:
        objective = math.nan
    if not (math.isfinite(objective) and 0 < objective < 100):
        raise SLOSpecError(
            source, obj_node.start_mark.line + 1, at, f"must be a percentage in (0, 100), got {raw}"
        )
    sli = _node_map(need("sli"), source, f"{where}.sli")
    if "events" not in sli:
        raise SLOSpecError(
            source, m["sli"][1].start_mark.line + 1, f"{where}.sli.events", "missing"
        )
    events = _node_map(sli["events"][1], source, f"{where}.sli.events")
    queries = {}
    for key in ("error_query", "total_query"):
        at = f"{where}.sli.events.{key}"
        if key not in events:
            raise SLOSpecError(source, sli["events"][1].start_mark.line + 1, at, "missing")
        q = _text(events[key][1], source, at)
        if not re.search(r"\{\{\s*\.window\s*\}\}", q):
            raise SLOSpecError(
                source,
                events[key][1].start_mark.line + 1,
                at,
                "needs {{.window}} where the range goes",
            )
        try:
            _check_query(_render(q, timedelta(minutes=5)))
        except ValueError as error:
            raise SLOSpecError(source, events[key][1].start_mark.line + 1, at, str(error)) from None
        queries[key] = q
    period_days = default_period_days
    if "period" in m:
        p_node = m["period"][1]
        p_text = _text(p_node, source, f"{where}.period")
        try:
            period_days = parse_duration(p_text) / timedelta(days=1)
        except ValueError as error:
            p_line = p_node.start_mark.line + 1
            raise SLOSpecError(source, p_line, f"{where}.period", str(error)) from None
    try:
        multiwindow_alerts(objective, period_days=period_days)
    except ValueError as error:
        p_line = m["period"][1].start_mark.line + 1 if "period" in m else line
        raise SLOSpecError(source, p_line, f"{where}.period", str(error)) from None

    def sub_map(
        parent: Mapping[str, tuple[yaml.Node, yaml.Node]], key: str, at: str
    ) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        return _node_map(parent[key][1], source, at) if key in parent else {}

    alerting = sub_map(m, "alerting", f"{where}.alerting")
    page = sub_map(alerting, "page_alert", f"{where}.alerting.page_alert")
    ticket = sub_map(alerting, "ticket_alert", f"{where}.alerting.ticket_alert")
    at = f"{where}.alerting"
    both = _strings(_sub(alerting, "labels"), source, f"{at}.labels")
    alert_name = ""
    if "name" in alerting:
        alert_name = _text(alerting["name"][1], source, f"{where}.alerting.name")
    return SLO(
        service=service,
        name=name,
        objective=objective,
        error_query=queries["error_query"],
        total_query=queries["total_query"],
        period_days=period_days,
        labels={**common, **_strings(_sub(m, "labels"), source, f"{where}.labels")},
        alert_name=alert_name,
        page_labels={**both, **_strings(_sub(page, "labels"), source, f"{at}.page_alert.labels")},
        ticket_labels={
            **both,
            **_strings(_sub(ticket, "labels"), source, f"{at}.ticket_alert.labels"),
        },
        annotations=_strings(_sub(alerting, "annotations"), source, f"{at}.annotations"),
    )


def _check_query(query: str) -> None:
    try:
        promql_parser.parse(query)
    except ValueError as error:
        raise ValueError(f"PromQL does not parse: {error}") from None
