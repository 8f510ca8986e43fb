"""Prometheus alerting and recording rules as typed objects, their YAML, and a linter.

* `AlertingRule`, `RecordingRule` and `RuleGroup` are the rule file's objects; every
  expression is parsed with `promql-parser` when the object is made, so an object that
  exists holds PromQL that Prometheus's grammar accepts.
* `dump_rules` writes the rule-file YAML that `promtool check rules` and Prometheus read;
  `load_rules` reads it back, and a malformed file raises `RuleFileError` naming the
  file, the line and the field.
* `lint_rules` reports what `promtool check rules` lets through but an on-call engineer
  pays for, in the spirit of cloudflare/pint: missing `severity`, `summary` or
  `runbook_url`, `for` durations that flap or page late, `rate()` over a gauge or over a
  range shorter than four scrape intervals, templated `$value` in labels, recording-rule
  names outside the `level:metric:operations` convention, and aggregations that keep
  high-cardinality labels.
* `collector_rules` is the shipped rule set for an OpenTelemetry Collector, built on its
  internal metrics (`COLLECTOR_METRICS`).

The metric names are those of the Collector's generated telemetry documentation
(opentelemetry-collector `exporter/exporterhelper/documentation.md` and
`receiver/receiverhelper/documentation.md` at 05ada2d, `processor/processorhelper/
documentation.md` at 038d489); the Prometheus exposition adds `_total` to every
monotonic sum, and the component is a label (`exporter`, `receiver`, `processor`).

See the chapter *Alert rule design* (8.1).

Examples:
    >>> rule = AlertingRule(
    ...     "OtelcolDown", 'up{job="otelcol"} == 0', for_=parse_duration("5m"),
    ...     labels={"severity": "critical"},
    ...     annotations={"summary": "Collector {{ $labels.instance }} is down",
    ...                  "runbook_url": "https://runbooks.example.com/otelcol#down"})
    >>> text = dump_rules([RuleGroup("otelcol", (rule,))])
    >>> load_rules(text)[0].rules[0] == rule
    True
    >>> [f.check for f in lint_rules([RuleGroup("g", (AlertingRule("A", "x > 1"),))])]
    ['labels/required', 'annotations/required', 'annotations/required', 'for/zero']
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

import promql_parser
import yaml

__all__ = [
    "COLLECTOR_METRICS",
    "HIGH_CARDINALITY_LABELS",
    "AlertingRule",
    "Finding",
    "RecordingRule",
    "RuleFileError",
    "RuleGroup",
    "alert_states",
    "collector_rules",
    "dump_rules",
    "format_duration",
    "lint_rules",
    "load_rules",
    "parse_duration",
]

#: Internal metrics of the Collector as Prometheus exposes them: name -> kind. Sources:
#: the generated ``documentation.md`` of exporterhelper and receiverhelper (05ada2d) and
#: processorhelper (038d489) in open-telemetry/opentelemetry-collector.
COLLECTOR_METRICS: Mapping[str, str] = {
    "otelcol_receiver_accepted_spans_total": "counter",
    "otelcol_receiver_accepted_metric_points_total": "counter",
    "otelcol_receiver_accepted_log_records_total": "counter",
    "otelcol_receiver_refused_spans_total": "counter",
    "otelcol_receiver_refused_metric_points_total": "counter",
    "otelcol_receiver_refused_log_records_total": "counter",
    "otelcol_receiver_failed_spans_total": "counter",
    "otelcol_receiver_failed_metric_points_total": "counter",
    "otelcol_receiver_failed_log_records_total": "counter",
    "otelcol_exporter_sent_spans_total": "counter",
    "otelcol_exporter_sent_metric_points_total": "counter",
    "otelcol_exporter_sent_log_records_total": "counter",
    "otelcol_exporter_send_failed_spans_total": "counter",
    "otelcol_exporter_send_failed_metric_points_total": "counter",
    "otelcol_exporter_send_failed_log_records_total": "counter",
    "otelcol_exporter_enqueue_failed_spans_total": "counter",
    "otelcol_exporter_enqueue_failed_metric_points_total": "counter",
    "otelcol_exporter_enqueue_failed_log_records_total": "counter",
    "otelcol_receiver_requests_total": "counter",
    "otelcol_processor_incoming_items_total": "counter",
    "otelcol_processor_outgoing_items_total": "counter",
    "otelcol_exporter_queue_size": "gauge",
    "otelcol_exporter_queue_capacity": "gauge",
    "up": "gauge",
}

#: Label names whose values are unbounded in telemetry pipelines (ids, URLs, users).
HIGH_CARDINALITY_LABELS = frozenset(
    {
        "trace_id",
        "span_id",
        "request_id",
        "session_id",
        "user_id",
        "customer_id",
        "url",
        "http_url",
        "url_full",
        "path",
        "http_target",
        "client_address",
        "net_peer_ip",
        "ip",
        "pod",
        "container_id",
    }
)

_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_DURATION = re.compile(
    r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$"
)
_UNITS = (
    ("y", timedelta(days=365)),
    ("w", timedelta(weeks=1)),
    ("d", timedelta(days=1)),
    ("h", timedelta(hours=1)),
    ("m", timedelta(minutes=1)),
    ("s", timedelta(seconds=1)),
    ("ms", timedelta(milliseconds=1)),
)
_COUNTER_SUFFIXES = ("_total", "_count", "_sum", "_bucket")
_RATE_FUNCTIONS = frozenset({"rate", "irate", "increase"})
_GAUGE_FUNCTIONS = frozenset({"delta", "idelta", "deriv"})


def parse_duration(text: str) -> timedelta:
    """A Prometheus duration (``"1h30m"``, ``"0s"``, ``"500ms"``) as a `timedelta`.

    Examples:
        >>> parse_duration("1h30m")
        datetime.timedelta(seconds=5400)
    """
    if not isinstance(text, str):
        raise TypeError(f"duration must be a string such as '5m', got {text!r}")
    m = _DURATION.match(text)
    if not text or m is None or (text != "0" and not any(m.groups())):
        raise ValueError(f"duration {text!r} is not a Prometheus duration such as '5m' or '1h30m'")
    return sum(
        (int(n) * unit for n, (_, unit) in zip(m.groups(), _UNITS, strict=True) if n),
        timedelta(0),
    )


def format_duration(value: timedelta) -> str:
    """A `timedelta` in Prometheus's notation, largest units first (``"0s"`` for zero).

    Examples:
        >>> format_duration(timedelta(hours=1, minutes=30)), format_duration(timedelta(0))
        ('1h30m', '0s')
    """
    if not isinstance(value, timedelta):
        raise TypeError(f"duration must be a datetime.timedelta, got {value!r}")
    ms = round(value.total_seconds() * 1000)
    if ms < 0:
        raise ValueError(f"duration must be >= 0, got {value!r}")
    parts = []
    for suffix, unit in _UNITS:
        n, ms = divmod(ms, round(unit.total_seconds() * 1000))
        if n:
            parts.append(f"{n}{suffix}")
    return "".join(parts) or "0s"


@functools.lru_cache(maxsize=1 << 16)
def _parse(expr: str) -> promql_parser.Expr:
    """A parsed expression; rule files repeat expressions, and parsing dominates loading."""
    return promql_parser.parse(expr)


def _check_promql(what: str, expr: object) -> str:
    if not isinstance(expr, str):
        raise TypeError(f"{what} must be a PromQL string, got {expr!r}")
    try:
        _parse(expr)
    except ValueError as error:
        raise ValueError(f"{what} {expr!r} is not valid PromQL: {error}") from None
    return expr


def _check_labels(what: str, labels: object, *, names_only: bool = False) -> dict[str, str]:
    if not isinstance(labels, Mapping):
        raise TypeError(f"{what} must be a mapping of names to strings, got {labels!r}")
    for key, value in labels.items():
        if not isinstance(key, str) or not _LABEL_NAME.match(key) or key.startswith("__"):
            raise ValueError(f"{what}: {key!r} is not a valid label name")
        if not isinstance(value, str):
            raise TypeError(f"{what}[{key!r}] must be a string, got {value!r}")
    return dict(labels)


def _check_for(value: object) -> timedelta:
    if not isinstance(value, timedelta):
        raise TypeError(f"for_ must be a datetime.timedelta, got {value!r}")
    if value < timedelta(0):
        raise ValueError(f"for_ must be >= 0, got {value!r}")
    return value


@dataclass(frozen=True)
class AlertingRule:
    """An alerting rule: ``alert``, ``expr``, ``for``, ``labels``, ``annotations``.

    Attributes:
        alert: The alert's name (the ``alertname`` label of what it fires).
        expr: The PromQL condition; every series it returns is one alert.
        for_: How long the condition must hold, evaluation after evaluation, before the
            alert fires (``for`` in the file; zero fires on the first evaluation).
        labels: Labels added to the alert (``severity`` routes it).
        annotations: Text for the human (``summary``, ``description``, ``runbook_url``);
            templates such as ``{{ $labels.instance }}`` are expanded by Prometheus.
    """

    alert: str
    expr: str
    for_: timedelta = timedelta(0)
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.alert, str) or not self.alert.strip():
            raise ValueError(f"alert must be a non-empty name, got {self.alert!r}")
        _check_promql(f"expr of alert {self.alert!r}", self.expr)
        _check_for(self.for_)
        object.__setattr__(self, "labels", _check_labels("labels", self.labels))
        annotations = _check_labels("annotations", self.annotations)
        object.__setattr__(self, "annotations", annotations)


@dataclass(frozen=True)
class RecordingRule:
    """A recording rule: the result of ``expr`` stored as the series ``record``.

    Attributes:
        record: The metric name of the stored result (by convention
            ``level:metric:operations``, for example ``job:http_errors:rate5m``).
        expr: The PromQL expression evaluated at every group evaluation.
        labels: Labels added to (or overwritten on) every recorded series.
    """

    record: str
    expr: str
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.record, str) or not _METRIC_NAME.match(self.record):
            raise ValueError(f"record must be a valid metric name, got {self.record!r}")
        _check_promql(f"expr of record {self.record!r}", self.expr)
        object.__setattr__(self, "labels", _check_labels("labels", self.labels))


@dataclass(frozen=True)
class RuleGroup:
    """A named group of rules, evaluated in order every ``interval``.

    Attributes:
        name: The group's name, unique within a file.
        rules: The rules, in evaluation order.
        interval: The group's evaluation interval; `None` takes Prometheus's global
            ``evaluation_interval``.
    """

    name: str
    rules: tuple[AlertingRule | RecordingRule, ...]
    interval: timedelta | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"name must be a non-empty group name, got {self.name!r}")
        rules = tuple(self.rules)
        for rule in rules:
            if not isinstance(rule, AlertingRule | RecordingRule):
                raise TypeError(f"rules must be AlertingRule or RecordingRule, got {rule!r}")
        object.__setattr__(self, "rules", rules)
        if self.interval is not None and (
            not isinstance(self.interval, timedelta) or self.interval <= timedelta(0)
        ):
            raise ValueError(f"interval must be a positive timedelta, got {self.interval!r}")


class RuleFileError(ValueError):
    """A rule file that cannot be read: names the file, the line (1-based) and the field."""

    def __init__(self, source: str, line: int, field: str, problem: str) -> None:
        self.source = source
        self.line = line
        self.field = field
        self.problem = problem
        super().__init__(f"{source}:{line}: {field}: {problem}")


# --- writing ------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    # YAML folds \r, NEL and the Unicode separators when they are written raw: escape them
    if any(c in data for c in "\r\x85\u2028\u2029"):
        style: str | None = '"'
    else:
        style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_representer)


def _rule_dict(rule: AlertingRule | RecordingRule) -> dict[str, Any]:
    if isinstance(rule, RecordingRule):
        out: dict[str, Any] = {"record": rule.record, "expr": rule.expr}
    else:
        out = {"alert": rule.alert, "expr": rule.expr}
        if rule.for_:
            out["for"] = format_duration(rule.for_)
    if rule.labels:
        out["labels"] = dict(rule.labels)
    if isinstance(rule, AlertingRule) and rule.annotations:
        out["annotations"] = dict(rule.annotations)
    return out


def dump_rules(groups: Iterable[RuleGroup]) -> str:
    """The rule file (``groups:`` at the top) that Prometheus and promtool read.

    Examples:
        >>> print(dump_rules([RuleGroup("g", (RecordingRule("job:up:sum", "sum by (job) (up)"),))]))
        groups:
        - name: g
          rules:
          - record: job:up:sum
            expr: sum by (job) (up)
        <BLANKLINE>
    """
    out = []
    for group in groups:
        if not isinstance(group, RuleGroup):
            raise TypeError(f"groups must hold RuleGroup objects, got {group!r}")
        g: dict[str, Any] = {"name": group.name}
        if group.interval is not None:
            g["interval"] = format_duration(group.interval)
        g["rules"] = [_rule_dict(r) for r in group.rules]
        out.append(g)
    text: str = yaml.dump(
        {"groups": out}, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1 << 16
    )
    return text


# --- reading ------------------------------------------------------------------------


def _mapping(
    node: yaml.Node, source: str, field: str, allowed: Sequence[str]
) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise RuleFileError(source, node.start_mark.line + 1, field, "expected a mapping")
    out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key, value in node.value:
        name = str(key.value) if isinstance(key, yaml.ScalarNode) else "?"
        where = f"{field}.{name}" if field else name
        if name not in allowed:
            problem = f"field not allowed here (allowed: {', '.join(allowed)})"
            raise RuleFileError(source, key.start_mark.line + 1, where, problem)
        if name in out:
            raise RuleFileError(source, key.start_mark.line + 1, where, "field given twice")
        out[name] = (key, value)
    return out


def _scalar(node: yaml.Node, source: str, field: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:null":
        raise RuleFileError(source, node.start_mark.line + 1, field, "expected a string")
    return str(node.value)


def _labels(node: yaml.Node, source: str, field: str) -> dict[str, str]:
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
        return {}
    if not isinstance(node, yaml.MappingNode):
        raise RuleFileError(source, node.start_mark.line + 1, field, "expected a mapping")
    out = {}
    for key, value in node.value:
        name = _scalar(key, source, field)
        where = f"{field}.{name}"
        if not _LABEL_NAME.match(name) or name.startswith("__"):
            raise RuleFileError(source, key.start_mark.line + 1, where, "invalid label name")
        out[name] = _scalar(value, source, where)
    return out


def _promql(node: yaml.Node, source: str, field: str) -> str:
    text = _scalar(node, source, field)
    try:
        _parse(text)
    except ValueError as error:
        raise RuleFileError(
            source, node.start_mark.line + 1, field, f"PromQL does not parse: {error}"
        ) from None
    return text


def _duration(node: yaml.Node, source: str, field: str) -> timedelta:
    text = _scalar(node, source, field)
    try:
        return parse_duration(text)
    except ValueError as error:
        raise RuleFileError(source, node.start_mark.line + 1, field, str(error)) from None


def _rule(node: yaml.Node, source: str, field: str) -> AlertingRule | RecordingRule:
    keys = ("alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations")
    m = _mapping(node, source, field, keys)
    line = node.start_mark.line + 1
    if ("alert" in m) == ("record" in m):
        raise RuleFileError(source, line, field, "exactly one of 'alert' and 'record' is needed")
    if "expr" not in m:
        raise RuleFileError(source, line, f"{field}.expr", "missing")
    expr = _promql(m["expr"][1], source, f"{field}.expr")
    labels = _labels(m["labels"][1], source, f"{field}.labels") if "labels" in m else {}
    if "record" in m:
        for bad in ("for", "keep_firing_for", "annotations"):
            if bad in m:
                key_line = m[bad][0].start_mark.line + 1
                raise RuleFileError(
                    source, key_line, f"{field}.{bad}", "not allowed in a recording rule"
                )
        record_node = m["record"][1]
        record = _scalar(record_node, source, f"{field}.record")
        if not _METRIC_NAME.match(record):
            raise RuleFileError(
                source,
                record_node.start_mark.line + 1,
                f"{field}.record",
                f"{record!r} is not a valid metric name",
            )
        return RecordingRule(record, expr, labels)
    if "keep_firing_for" in m:
        key_line = m["keep_firing_for"][0].start_mark.line + 1
        raise RuleFileError(source, key_line, f"{field}.keep_firing_for", "not supported here")
    alert = _scalar(m["alert"][1], source, f"{field}.alert")
    for_ = _duration(m["for"][1], source, f"{field}.for") if "for" in m else timedelta(0)
    annotations = (
        _labels(m["annotations"][1], source, f"{field}.annotations") if "annotations" in m else {}
    )
    return AlertingRule(alert, expr, for_, labels, annotations)


def _compose(
    text: object,
    source: str,
    what: str,
    error: Callable[[str, int, str, str], ValueError],
    empty_field: str,
) -> yaml.Node:
    """The YAML node tree of ``text``; ``error(source, line, field, problem)`` if it has none."""
    if not isinstance(text, str):
        raise TypeError(f"text must be the YAML text of {what}, got {type(text).__name__}")
    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as problem:
        mark = problem.problem_mark or problem.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise error(source, line, "yaml", str(problem.problem or problem)) from None
    if root is None:
        raise error(source, 1, empty_field, "the file is empty")
    return root


def load_rules(text: str, *, source: str = "<rules>") -> list[RuleGroup]:
    r"""The groups of a Prometheus rule file.

    Args:
        text: The YAML text of the file.
        source: The file's name, used in error messages.

    Raises:
        RuleFileError: The YAML does not parse, a field is missing, unknown, of the wrong
            type or repeated, an expression is not PromQL, a duration is malformed, a
            recording rule carries ``for`` or ``annotations``, or two groups share a name.

    Examples:
        >>> try:
        ...     load_rules("groups:\n- name: g\n  rules:\n  - record: a\n    expr: sum(")
        ... except RuleFileError as error:
        ...     print(error.line, error.field)
        5 groups[0].rules[0].expr
    """
    root = _compose(text, source, "a rule file", RuleFileError, "groups")
    top = _mapping(root, source, "", ("groups",))
    if "groups" not in top:
        raise RuleFileError(source, root.start_mark.line + 1, "groups", "missing")
    groups_node = top["groups"][1]
    if not isinstance(groups_node, yaml.SequenceNode):
        raise RuleFileError(source, groups_node.start_mark.line + 1, "groups", "expected a list")
    groups: list[RuleGroup] = []
    for i, gnode in enumerate(groups_node.value):
        where = f"groups[{i}]"
        allowed = ("name", "interval", "limit", "rules")
        g = _mapping(gnode, source, where, allowed)
        line = gnode.start_mark.line + 1
        if "name" not in g:
            raise RuleFileError(source, line, f"{where}.name", "missing")
        name = _scalar(g["name"][1], source, f"{where}.name")
        if not name.strip():
            raise RuleFileError(source, line, f"{where}.name", "empty")
        if any(existing.name == name for existing in groups):
            raise RuleFileError(source, line, f"{where}.name", f"group {name!r} is repeated")
        interval = None
        if "interval" in g:
            interval = _duration(g["interval"][1], source, f"{where}.interval")
            if interval <= timedelta(0):
                raise RuleFileError(source, line, f"{where}.interval", "must be > 0")
        rules_node = g["rules"][1] if "rules" in g else None
        if rules_node is None or not isinstance(rules_node, yaml.SequenceNode):
            rline = rules_node.start_mark.line + 1 if rules_node is not None else line
            raise RuleFileError(source, rline, f"{where}.rules", "expected a list of rules")
        rules = tuple(
            _rule(r, source, f"{where}.rules[{j}]") for j, r in enumerate(rules_node.value)
        )
        groups.append(RuleGroup(name, rules, interval))
    return groups


# --- linting ------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One problem the linter found in one rule.

    Attributes:
        check: The check's name, e.g. ``"promql/rate-range"``.
        severity: ``"error"`` (the rule is wrong) or ``"warning"`` (it will hurt).
        group: The group's name.
        rule: The alert's or record's name.
        message: What is wrong and what to do about it.
    """

    check: str
    severity: Literal["error", "warning"]
    group: str
    rule: str
    message: str


def _walk(expr: promql_parser.Expr) -> list[tuple[promql_parser.Expr, int]]:
    """Every node with the number of aggregations above it."""
    nodes: list[tuple[promql_parser.Expr, int]] = []
    depth = [0]

    def pre(node: promql_parser.Expr) -> None:
        nodes.append((node, depth[0]))
        if isinstance(node, promql_parser.AggregateExpr):
            depth[0] += 1

    def post(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.AggregateExpr):
            depth[0] -= 1

    promql_parser.walk(expr, pre, post)
    return nodes


@functools.lru_cache(maxsize=1 << 16)
def _nodes(expr: str) -> tuple[tuple[promql_parser.Expr, int], ...]:
    return tuple(_walk(_parse(expr)))


def _selector_names(vs: promql_parser.VectorSelector) -> list[str]:
    """The metric names a selector can match, when they are spelled out."""
    if vs.name:
        return [vs.name]
    for m in vs.matchers.matchers:
        if m.name == "__name__" and m.op == promql_parser.MatchOp.Equal:
            return [m.value]
        if m.name == "__name__" and m.op == promql_parser.MatchOp.Re:
            # a(b|c)d style alternations: expand one level, enough for "_(x|y)_total"
            alt = re.fullmatch(r"([^()|]*)\((?:\?:)?([^()]*)\)([^()|]*)", m.value)
            if alt:
                return [alt[1] + a + alt[3] for a in alt[2].split("|")]
    return []


def _is_counter(name: str) -> bool:
    kind = COLLECTOR_METRICS.get(name)
    return kind == "counter" if kind else name.endswith(_COUNTER_SUFFIXES)


def _expr_findings(
    expr: str, scrape_interval: timedelta, recording: bool, high_cardinality: frozenset[str]
) -> list[tuple[str, Literal["error", "warning"], str]]:
    out: list[tuple[str, Literal["error", "warning"], str]] = []

    def add(check: str, level: Literal["error", "warning"], message: str) -> None:
        out.append((check, level, message))

    # --8<-- [start:lint_promql]
    for node, aggregations in _nodes(expr):
        if isinstance(node, promql_parser.Call) and node.args:
            fn, arg = node.func.name, node.args[0]
            if isinstance(arg, promql_parser.MatrixSelector):
                names = _selector_names(arg.vector_selector)
                gauges = [n for n in names if not _is_counter(n)]
                if fn in _RATE_FUNCTIONS and gauges:
                    add("promql/counter", "error", f"{fn}() over gauge {gauges[0]}")
                if fn in _GAUGE_FUNCTIONS and names and not gauges:
                    add("promql/counter", "error", f"{fn}() over counter {names[0]}")
                n = arg.range / scrape_interval
                if fn in _RATE_FUNCTIONS and n < 4:
                    window = format_duration(arg.range)
                    add(
                        "promql/rate-range",
                        "error" if n < 2 else "warning",
                        f"{fn}() over [{window}] holds {n:g} scrape intervals; use 4",
                    )
        if isinstance(node, promql_parser.AggregateExpr) and node.modifier:
            kept = sorted(set(node.modifier.labels) & high_cardinality)
            if node.modifier.type == promql_parser.AggModifierType.By and kept:
                add(
                    "promql/cardinality",
                    "warning",
                    f"{node.op} by ({', '.join(kept)})"
                    " keeps one series per value of an unbounded label",
                )
        raw = isinstance(node, promql_parser.VectorSelector) and not _recorded(node)
        if recording and raw and not aggregations:
            message = f"{node} recorded without aggregation: one series per input"
            add("promql/cardinality", "warning", message)
    # --8<-- [end:lint_promql]
    return out


def _recorded(node: promql_parser.Expr) -> bool:
    """A selector of a recording rule's output (``level:metric:operations``)."""
    return isinstance(node, promql_parser.VectorSelector) and ":" in (node.name or "")


def _has_range(expr: str) -> bool:
    """Whether the expression averages over time: a range, or a recorded (rate) series."""
    return any(
        isinstance(n, promql_parser.MatrixSelector | promql_parser.SubqueryExpr) or _recorded(n)
        for n, _ in _nodes(expr)
    )


def lint_rules(
    groups: Iterable[RuleGroup],
    *,
    scrape_interval: timedelta = timedelta(seconds=15),
    evaluation_interval: timedelta = timedelta(minutes=1),
    required_labels: Sequence[str] = ("severity",),
    required_annotations: Sequence[str] = ("summary", "runbook_url"),
    severities: Sequence[str] = ("critical", "warning", "info", "page", "ticket"),
    max_for: timedelta = timedelta(hours=1),
    high_cardinality_labels: Iterable[str] = HIGH_CARDINALITY_LABELS,
) -> list[Finding]:
    """Check rules for what makes alerts wrong, late, noisy or expensive.

    Args:
        groups: The rule groups.
        scrape_interval: The targets' scrape interval; `rate()` needs at least two
            samples in its range and should have four.
        evaluation_interval: The global evaluation interval (a group's own wins).
        required_labels: Labels every alerting rule must set.
        required_annotations: Annotations every alerting rule must set.
        severities: The allowed values of the ``severity`` label.
        max_for: A longer ``for`` is reported: it delays every notification by that much.
        high_cardinality_labels: Label names that must not survive an aggregation.

    Returns:
        The findings in rule order, each check at most once per message.

    Examples:
        >>> r = RecordingRule("errors", "rate(http_errors_total[20s])")
        >>> for f in lint_rules([RuleGroup("g", (r,))]):
        ...     print(f.check, f.severity)
        record/name warning
        promql/rate-range error
        promql/cardinality warning
    """
    if not isinstance(scrape_interval, timedelta) or scrape_interval <= timedelta(0):
        raise ValueError(f"scrape_interval must be a positive timedelta, got {scrape_interval!r}")
    if not isinstance(evaluation_interval, timedelta) or evaluation_interval <= timedelta(0):
        raise ValueError(
            f"evaluation_interval must be a positive timedelta, got {evaluation_interval!r}"
        )
    high = frozenset(high_cardinality_labels)
    findings: list[Finding] = []
    for group in groups:
        if not isinstance(group, RuleGroup):
            raise TypeError(f"groups must hold RuleGroup objects, got {group!r}")
        interval = group.interval or evaluation_interval
        for rule in group.rules:
            name = rule.alert if isinstance(rule, AlertingRule) else rule.record
            found: list[tuple[str, Literal["error", "warning"], str]] = []
            if isinstance(rule, RecordingRule):
                if rule.record.count(":") < 1:
                    found.append(("record/name", "warning", "name it level:metric:operations"))
            else:
                found += _alert_findings(
                    rule, interval, required_labels, required_annotations, severities, max_for
                )
            found += _expr_findings(
                rule.expr, scrape_interval, isinstance(rule, RecordingRule), high
            )
            seen = set()
            for check, severity, message in found:
                if (check, message) not in seen:
                    seen.add((check, message))
                    findings.append(Finding(check, severity, group.name, name, message))
    return findings


def _alert_findings(
    rule: AlertingRule,
    interval: timedelta,
    required_labels: Sequence[str],
    required_annotations: Sequence[str],
    severities: Sequence[str],
    max_for: timedelta,
) -> list[tuple[str, Literal["error", "warning"], str]]:
    out: list[tuple[str, Literal["error", "warning"], str]] = []

    def add(check: str, level: Literal["error", "warning"], message: str) -> None:
        out.append((check, level, message))

    def when(d: timedelta) -> str:
        return format_duration(d)

    allowed = ", ".join(severities)

    # --8<-- [start:lint_alert]
    for label in required_labels:
        if label not in rule.labels:
            add("labels/required", "error", f"label {label!r} is missing")
    severity = rule.labels.get("severity")
    if severity is not None and severity not in severities:
        add("labels/severity", "error", f"severity {severity!r} is not one of {allowed}")
    for key, value in rule.labels.items():
        if "$value" in value or ".Value" in value:
            add("labels/value", "error", f"label {key!r} holds $value: new alert each time")
    for note in required_annotations:
        if note not in rule.annotations:
            add("annotations/required", "error", f"annotation {note!r} is missing")
    url = rule.annotations.get("runbook_url")
    if url is not None and not re.match(r"^https?://[^\s/]+", url):
        add("annotations/runbook_url", "warning", f"{url!r} is not an http(s) URL")
    if rule.for_ == timedelta(0) and not _has_range(rule.expr):
        add("for/zero", "warning", "an instant condition without 'for' flaps")
    elif timedelta(0) < rule.for_ < interval:
        add("for/short", "warning", f"for {when(rule.for_)} < interval {when(interval)}")
    if rule.for_ > max_for:
        add("for/long", "warning", f"for {when(rule.for_)} delays pages > {when(max_for)}")
    # --8<-- [end:lint_alert]
    return out


def alert_states(
    condition: Sequence[bool], for_: timedelta, interval: timedelta
) -> list[Literal["inactive", "pending", "firing"]]:
    """The state of one alert at each evaluation, as Prometheus's rule manager keeps it.

    An alert whose condition starts to hold is *pending*; it turns *firing* at the first
    evaluation at which it has been active for at least ``for_``, and any evaluation at
    which the condition fails resets it to *inactive*.

    Args:
        condition: Whether the expression returned the alert's series, per evaluation.
        for_: The rule's ``for``.
        interval: The time between evaluations.

    Examples:
        >>> alert_states([0, 1, 1, 1, 0, 1], timedelta(minutes=2), timedelta(minutes=1))
        ['inactive', 'pending', 'pending', 'firing', 'inactive', 'pending']
    """
    _check_for(for_)
    if not isinstance(interval, timedelta) or interval <= timedelta(0):
        raise ValueError(f"interval must be a positive timedelta, got {interval!r}")
    states: list[Literal["inactive", "pending", "firing"]] = []
    # --8<-- [start:alert_states]
    active_since = None
    for i, holds in enumerate(condition):
        if not holds:
            active_since = None
            states.append("inactive")
            continue
        if active_since is None:
            active_since = i
        states.append("firing" if (i - active_since) * interval >= for_ else "pending")
    # --8<-- [end:alert_states]
    return states


# --- the shipped rule set -----------------------------------------------------------


_SIGNALS = ("spans", "metric_points", "log_records")


def _per_signal(make: Callable[[str], str]) -> str:
    """One expression per signal, labelled ``signal``, joined with ``or``.

    A single selector over the three metric names does not work: ``rate()`` drops the
    name, and the three results then share one label set, which Prometheus refuses.
    """
    # --8<-- [start:per_signal]
    parts = [f'label_replace({make(s)}, "signal", "{s}", "", "")' for s in _SIGNALS]
    return "(\n  " + "\nor\n  ".join(parts) + "\n)"
    # --8<-- [end:per_signal]


def collector_rules(
    *,
    job: str = "otelcol",
    runbook_url: str = "https://runbooks.example.com/otelcol",
    queue_full_ratio: float = 0.8,
    send_failure_ratio: float = 0.05,
    refused_ratio: float = 0.01,
    processor_drop_ratio: float = 0.01,
    dropping_processors: str = "(filter|probabilistic_sampler|tail_sampling).*",
) -> RuleGroup:
    """Alerts for OpenTelemetry Collectors scraped as ``job``, on their internal metrics.

    Six alerts: ``OtelcolDown`` (the scrape fails), ``OtelcolExporterQueueNearlyFull``
    (queue size over capacity above ``queue_full_ratio``), ``OtelcolExporterEnqueueFailed``
    (items dropped because the sending queue is full: data loss),
    ``OtelcolExporterSendFailing`` (the share of items in failed send attempts above
    ``send_failure_ratio``), ``OtelcolReceiverRefusing`` (the share of items refused to
    clients above ``refused_ratio``) and ``OtelcolProcessorDropping`` (a processor emits
    fewer items than it takes in, except the ones matching ``dropping_processors``, which
    drop by design).

    Args:
        job: The scrape job of the Collectors' internal telemetry (port 8888).
        runbook_url: The runbook's address; each alert links ``runbook_url#alertname``.
        queue_full_ratio: Queue fill above which the queue alert fires.
        send_failure_ratio: Failed share of export attempts that alerts.
        refused_ratio: Refused share of received items that alerts.
        processor_drop_ratio: Lost share of a processor's input that alerts.
        dropping_processors: Regex of processor ids excluded from the drop alert.

    Examples:
        >>> [r.alert for r in collector_rules().rules][:3]
        ['OtelcolDown', 'OtelcolExporterQueueNearlyFull', 'OtelcolExporterEnqueueFailed']
    """
    for name, value in (
        ("queue_full_ratio", queue_full_ratio),
        ("send_failure_ratio", send_failure_ratio),
        ("refused_ratio", refused_ratio),
        ("processor_drop_ratio", processor_drop_ratio),
    ):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"{name} must be a number, got {value!r}")
        if not (math.isfinite(value) and 0 < value < 1):
            raise ValueError(f"{name} must be in (0, 1), got {value!r}")
    if not isinstance(job, str) or not job or '"' in job or "\\" in job:
        raise ValueError(f"job must be a non-empty name without quotes, got {job!r}")
    sel = f'job="{job}"'
    inst = "job, instance"

    def rule(
        alert: str, expr: str, for_: str, severity: str, summary: str, description: str
    ) -> AlertingRule:
        return AlertingRule(
            alert,
            expr,
            parse_duration(for_),
            {"severity": severity},
            {
                "summary": summary,
                "description": description,
                "runbook_url": f"{runbook_url}#{alert.lower()}",
            },
        )

    # --8<-- [start:collector_rules]
    def total(metric: str, by: str) -> str:
        return f"sum by ({by}) (rate({metric}{{{sel}}}[5m]))"

    def share(kind: str, bad: str, good: str, by: str) -> str:
        def one(s: str) -> str:
            b, g = f"otelcol_{kind}_{bad}_{s}_total", f"otelcol_{kind}_{good}_{s}_total"
            return f"{total(b, by)}\n  / ({total(g, by)} + {total(b, by)})"

        return _per_signal(one)

    exp = f"{inst}, exporter"
    size, capacity = "otelcol_exporter_queue_size", "otelcol_exporter_queue_capacity"
    queue = f"{size}{{{sel}}} / {capacity}{{{sel}}}"
    dropped = "otelcol_exporter_enqueue_failed_{}_total"
    enqueue = _per_signal(lambda s: total(dropped.format(s), exp))
    processed = f'processor!~"{dropping_processors}", {sel}'
    by_proc = f"{inst}, processor, otel_signal"
    # --8<-- [end:collector_rules]
    rules = (
        rule(
            "OtelcolDown",
            f"up{{{sel}}} == 0",
            "5m",
            "critical",
            "Collector {{ $labels.instance }} cannot be scraped",
            "The internal telemetry endpoint has failed every scrape for 5 minutes.",
        ),
        rule(
            "OtelcolExporterQueueNearlyFull",
            f"max by ({exp}) ({queue}) > {queue_full_ratio:g}",
            "10m",
            "warning",
            "Exporter {{ $labels.exporter }} queue nearly full on {{ $labels.instance }}",
            "The sending queue is {{ $value | humanizePercentage }} full.",
        ),
        rule(
            "OtelcolExporterEnqueueFailed",
            f"{enqueue} > 0",
            "2m",
            "critical",
            "Exporter {{ $labels.exporter }} drops data on {{ $labels.instance }}",
            "{{ $value | humanize }} items/s are refused by a full sending queue.",
        ),
        rule(
            "OtelcolExporterSendFailing",
            f"{share('exporter', 'send_failed', 'sent', exp)}\n> {send_failure_ratio:g}",
            "10m",
            "warning",
            "Exporter {{ $labels.exporter }} fails to send on {{ $labels.instance }}",
            "{{ $value | humanizePercentage }} of items are in failed send attempts.",
        ),
        rule(
            "OtelcolReceiverRefusing",
            f"{share('receiver', 'refused', 'accepted', f'{inst}, receiver')}\n> {refused_ratio:g}",
            "5m",
            "warning",
            "Receiver {{ $labels.receiver }} refuses data on {{ $labels.instance }}",
            "{{ $value | humanizePercentage }} of received items are refused.",
        ),
        rule(
            "OtelcolProcessorDropping",
            f"1 - sum by ({by_proc}) (rate(otelcol_processor_outgoing_items_total"
            f"{{{processed}}}[5m]))\n/\nsum by ({by_proc}) (rate("
            f"otelcol_processor_incoming_items_total{{{processed}}}[5m]))"
            f"\n> {processor_drop_ratio:g}",
            "15m",
            "warning",
            "Processor {{ $labels.processor }} loses data on {{ $labels.instance }}",
            "{{ $value | humanizePercentage }} of incoming items do not come out.",
        ),
    )
    return RuleGroup("otelcol", rules)
