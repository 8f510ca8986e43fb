"""Tests for otlpkb.monitoring.rules (chapter 8.1, Alert rule design).

External checks:
* Prometheus's own `promtool check rules` (Debian prometheus 2.42) accepts every file
  `dump_rules` writes, and rejects what `load_rules` rejects (a recording rule with
  annotations, PromQL that does not parse);
* `promtool test rules` evaluates the shipped Collector rule set with Prometheus's engine:
  every alert fires, with the labels and annotations written out below by hand, on an input
  series that must fire it, and stays silent on one that must not;
* expressions are parsed with the promql-parser package (a port of Prometheus's grammar).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from monitoring.promtool import check_rules, unit_test
from otlpkb.monitoring.rules import (
    COLLECTOR_METRICS,
    AlertingRule,
    RecordingRule,
    RuleFileError,
    RuleGroup,
    alert_states,
    collector_rules,
    dump_rules,
    format_duration,
    lint_rules,
    load_rules,
    parse_duration,
)

RUNBOOK = "https://runbooks.example.com/otelcol#"
COL = {"job": "otelcol", "instance": "c1:8888"}


def _series(name: str, values: str, **labels: str) -> dict[str, str]:
    body = ", ".join(f'{k}="{v}"' for k, v in {**COL, **labels}.items())
    return {"series": f"{name}{{{body}}}", "values": values}


def _case(series: list[dict[str, str]], alert: str, at: str, expected: list) -> dict:
    return {
        "interval": "1m",
        "input_series": series,
        "alert_rule_test": [{"eval_time": at, "alertname": alert, "exp_alerts": expected}],
    }


def _alert(severity: str, labels: dict[str, str], summary: str, description: str, name: str):
    return {
        "exp_labels": {"severity": severity, **COL, **labels},
        "exp_annotations": {
            "summary": summary,
            "description": description,
            "runbook_url": RUNBOOK + name.lower(),
        },
    }


# -- the shipped rule set against Prometheus's engine -----------------------------------

QUEUE = [
    ("otelcol_exporter_queue_capacity", "1000x30"),
]


def _shipped_cases() -> list[dict]:
    exp = {"exporter": "otlp"}
    spans = {**exp, "signal": "spans"}
    cases = [
        # up == 0 from 6m; for 5m: firing at 11m. Four minutes down and back: nothing.
        _case(
            [_series("up", "1x5 0x20")],
            "OtelcolDown",
            "12m",
            [
                _alert(
                    "critical",
                    {},
                    "Collector c1:8888 cannot be scraped",
                    "The internal telemetry endpoint has failed every scrape for 5 minutes.",
                    "OtelcolDown",
                )
            ],
        ),
        _case([_series("up", "1x5 0x3 1x20")], "OtelcolDown", "12m", []),
        # 900 of 1000 from 6m; for 10m: firing at 16m. Exactly 80 % never fires (> 0.8).
        _case(
            [
                _series("otelcol_exporter_queue_capacity", "1000x30", **exp),
                _series("otelcol_exporter_queue_size", "500x5 900x25", **exp),
            ],
            "OtelcolExporterQueueNearlyFull",
            "17m",
            [
                _alert(
                    "warning",
                    exp,
                    "Exporter otlp queue nearly full on c1:8888",
                    "The sending queue is 90% full.",
                    "OtelcolExporterQueueNearlyFull",
                )
            ],
        ),
        _case(
            [
                _series("otelcol_exporter_queue_capacity", "1000x30", **exp),
                _series("otelcol_exporter_queue_size", "800x30", **exp),
            ],
            "OtelcolExporterQueueNearlyFull",
            "17m",
            [],
        ),
        _case(
            [
                _series("otelcol_exporter_queue_capacity", "1000x30", **exp),
                _series("otelcol_exporter_queue_size", "500x5 900x8 500x20", **exp),
            ],
            "OtelcolExporterQueueNearlyFull",
            "17m",
            [],
        ),
        # 60 spans a minute fail to enqueue from 5m: 1 item/s over the 5m range at 12m.
        _case(
            [
                _series("otelcol_exporter_enqueue_failed_spans_total", "0x5 60+60x20", **exp),
                _series("otelcol_exporter_enqueue_failed_log_records_total", "0x25", **exp),
            ],
            "OtelcolExporterEnqueueFailed",
            "12m",
            [
                _alert(
                    "critical",
                    spans,
                    "Exporter otlp drops data on c1:8888",
                    "1 items/s are refused by a full sending queue.",
                    "OtelcolExporterEnqueueFailed",
                )
            ],
        ),
        _case(
            [
                _series("otelcol_exporter_enqueue_failed_spans_total", "0x25", **exp),
                _series("otelcol_exporter_sent_spans_total", "0+6000x25", **exp),
            ],
            "OtelcolExporterEnqueueFailed",
            "12m",
            [],
        ),
        # 1 of 10 items in failed attempts (10 %) fires; 25 of 565 (4.4 %) does not.
        _case(
            [
                _series("otelcol_exporter_sent_spans_total", "0+540x20", **exp),
                _series("otelcol_exporter_send_failed_spans_total", "0+60x20", **exp),
            ],
            "OtelcolExporterSendFailing",
            "15m",
            [
                _alert(
                    "warning",
                    spans,
                    "Exporter otlp fails to send on c1:8888",
                    "10% of items are in failed send attempts.",
                    "OtelcolExporterSendFailing",
                )
            ],
        ),
        _case(
            [
                _series("otelcol_exporter_sent_spans_total", "0+540x20", **exp),
                _series("otelcol_exporter_send_failed_spans_total", "0+25x20", **exp),
            ],
            "OtelcolExporterSendFailing",
            "15m",
            [],
        ),
        # 2 % refused fires, 0.5 % does not.
        _case(
            [
                _series(
                    "otelcol_receiver_accepted_metric_points_total", "0+980x20", receiver="otlp"
                ),
                _series("otelcol_receiver_refused_metric_points_total", "0+20x20", receiver="otlp"),
            ],
            "OtelcolReceiverRefusing",
            "10m",
            [
                _alert(
                    "warning",
                    {"receiver": "otlp", "signal": "metric_points"},
                    "Receiver otlp refuses data on c1:8888",
                    "2% of received items are refused.",
                    "OtelcolReceiverRefusing",
                )
            ],
        ),
        _case(
            [
                _series(
                    "otelcol_receiver_accepted_metric_points_total", "0+995x20", receiver="otlp"
                ),
                _series("otelcol_receiver_refused_metric_points_total", "0+5x20", receiver="otlp"),
            ],
            "OtelcolReceiverRefusing",
            "10m",
            [],
        ),
    ]
    # A batch processor that loses 5 % fires; a filter processor may drop by design.
    for processor, fires in (("batch", True), ("filter/healthchecks", False)):
        labels = {"processor": processor, "otel_signal": "traces"}
        cases.append(
            _case(
                [
                    _series("otelcol_processor_incoming_items_total", "0+1000x30", **labels),
                    _series("otelcol_processor_outgoing_items_total", "0+950x30", **labels),
                ],
                "OtelcolProcessorDropping",
                "20m",
                [
                    _alert(
                        "warning",
                        labels,
                        "Processor batch loses data on c1:8888",
                        "5% of incoming items do not come out.",
                        "OtelcolProcessorDropping",
                    )
                ]
                if fires
                else [],
            )
        )
    return cases


def test_shipped_rules_pass_promtool_check(tmp_path: Path):
    result = check_rules(tmp_path, dump_rules([collector_rules()]))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 6 rules found" in result.stdout


def test_every_shipped_alert_fires_and_stays_silent_in_promtool(tmp_path: Path):
    cases = _shipped_cases()
    alerts = {r.alert for r in collector_rules().rules}
    fired = {
        c["alert_rule_test"][0]["alertname"] for c in cases if c["alert_rule_test"][0]["exp_alerts"]
    }
    silent = {
        c["alert_rule_test"][0]["alertname"]
        for c in cases
        if not c["alert_rule_test"][0]["exp_alerts"]
    }
    assert fired == silent == alerts
    result = unit_test(tmp_path, dump_rules([collector_rules()]), cases)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_catches_a_wrong_expectation(tmp_path: Path):
    # The harness can fail: expecting the processor alert at 10m (before its for: 15m).
    case = _shipped_cases()[-2]
    case["alert_rule_test"][0]["eval_time"] = "10m"
    result = unit_test(tmp_path, dump_rules([collector_rules()]), [case])
    assert result.returncode != 0


def test_alert_states_agree_with_prometheus_on_when_for_elapses(tmp_path: Path):
    # up is 0 from 6m; our state machine says pending at 6..10m, firing from 11m.
    values = [1] * 6 + [0] * 20
    states = alert_states([v == 0 for v in values], timedelta(minutes=5), timedelta(minutes=1))
    first = states.index("firing")
    assert (states.index("pending"), first) == (6, 11)
    fired = [
        _alert(
            "critical",
            {},
            "Collector c1:8888 cannot be scraped",
            "The internal telemetry endpoint has failed every scrape for 5 minutes.",
            "OtelcolDown",
        )
    ]
    tests = [
        _case(
            [_series("up", "1x5 0x20")],
            "OtelcolDown",
            f"{m}m",
            fired if states[m] == "firing" else [],
        )
        for m in range(first - 2, first + 2)
    ]
    result = unit_test(tmp_path, dump_rules([collector_rules()]), tests)
    assert result.returncode == 0, result.stdout + result.stderr


@settings(max_examples=100 * SCALE)
@given(st.lists(st.booleans(), max_size=40), st.integers(0, 5))
def test_alert_states_fire_only_after_for_consecutive_evaluations(condition, k):
    states = alert_states(condition, timedelta(minutes=k), timedelta(minutes=1))
    for i, state in enumerate(states):
        run = 0
        while run <= i and condition[i - run]:
            run += 1
        assert state == ("inactive" if run == 0 else "firing" if run > k else "pending")


def test_shipped_rules_lint_clean_and_use_collector_metric_names():
    group = collector_rules()
    assert lint_rules([group]) == []
    text = dump_rules([group])
    for name in (
        "otelcol_exporter_queue_size",
        "otelcol_exporter_queue_capacity",
        "otelcol_exporter_send_failed_",
        "otelcol_exporter_enqueue_failed_",
        "otelcol_receiver_refused_",
        "otelcol_processor_incoming_items_total",
        "otelcol_processor_outgoing_items_total",
    ):
        assert name in text
    # every counter the rules read is a documented Collector counter
    assert COLLECTOR_METRICS["otelcol_exporter_send_failed_spans_total"] == "counter"
    assert COLLECTOR_METRICS["otelcol_exporter_queue_size"] == "gauge"


def test_thresholds_are_parameters():
    group = collector_rules(job="otel-gateway", queue_full_ratio=0.7)
    expr = group.rules[1].expr
    assert 'job="otel-gateway"' in expr and "> 0.7" in expr
    with pytest.raises(ValueError, match="queue_full_ratio"):
        collector_rules(queue_full_ratio=1.5)
    with pytest.raises(ValueError, match="job"):
        collector_rules(job='a"b')


# -- YAML round trip ----------------------------------------------------------------------

RULE_FILE = """\
groups:
- name: example
  interval: 30s
  rules:
  - record: job:http_errors:rate5m
    expr: sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))
    labels:
      team: obs
  - alert: HighErrors
    expr: |
      job:http_errors:rate5m > 10
    for: 10m
    labels:
      severity: page
    annotations:
      summary: "{{ $labels.job }} errors"
      runbook_url: https://runbooks.example.com/errors
"""


def test_load_reads_the_prometheus_documentation_form():
    (group,) = load_rules(RULE_FILE)
    assert group.name == "example" and group.interval == timedelta(seconds=30)
    record, alert = group.rules
    assert isinstance(record, RecordingRule) and record.labels == {"team": "obs"}
    assert isinstance(alert, AlertingRule)
    assert alert.for_ == timedelta(minutes=10)
    assert alert.expr == "job:http_errors:rate5m > 10\n"
    assert load_rules(dump_rules([group])) == [group]


def test_loaded_file_is_what_promtool_accepts(tmp_path: Path):
    result = check_rules(tmp_path, dump_rules(load_rules(RULE_FILE)))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("text", "line", "field", "problem"),
    [
        (
            "groups:\n- name: g\n  rules:\n  - record: a:b\n    expr: sum(x\n",
            5,
            "groups[0].rules[0].expr",
            "PromQL does not parse",
        ),
        (
            "groups:\n- name: g\n  rules:\n  - record: a:b\n    expr: x\n    annotations:\n"
            "      summary: s\n",
            6,
            "groups[0].rules[0].annotations",
            "not allowed in a recording",
        ),
        (
            "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: x\n    for: 5 minutes\n",
            6,
            "groups[0].rules[0].for",
            "not a Prometheus duration",
        ),
        (
            "groups:\n- name: g\n  rules:\n  - alert: A\n    exp: x\n",
            5,
            "groups[0].rules[0].exp",
            "field not allowed",
        ),
        (
            "groups:\n- name: g\n  rules:\n  - alert: A\n    record: b\n    expr: x\n",
            4,
            "groups[0].rules[0]",
            "exactly one of",
        ),
        (
            "groups:\n- name: g\n  rules: []\n- name: g\n  rules: []\n",
            4,
            "groups[1].name",
            "repeated",
        ),
        ("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: [x\n", 6, "yaml", ""),
        ("", 1, "groups", "empty"),
    ],
)
def test_malformed_files_name_file_line_and_field(text, line, field, problem):
    with pytest.raises(RuleFileError) as info:
        load_rules(text, source="bad.yaml")
    error = info.value
    assert (error.source, error.line, error.field) == ("bad.yaml", line, field)
    assert problem in str(error)
    assert str(error).startswith(f"bad.yaml:{line}: {field}: ")


@pytest.mark.parametrize("index", [0, 1])
def test_promtool_rejects_what_load_rejects(tmp_path: Path, index: int):
    bad = [
        "groups:\n- name: g\n  rules:\n  - record: a:b\n    expr: sum(x\n",
        "groups:\n- name: g\n  rules:\n  - record: a:b\n    expr: x\n    annotations:\n"
        "      summary: s\n",
    ][index]
    with pytest.raises(RuleFileError):
        load_rules(bad)
    result = check_rules(tmp_path, bad)
    assert result.returncode != 0


names = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)
label_maps = st.dictionaries(names, st.text(min_size=0, max_size=20), max_size=3)
durations = st.integers(0, 10**6).map(lambda s: timedelta(seconds=s))


@st.composite
def rule_groups(draw):
    rules = []
    for i in range(draw(st.integers(1, 4))):
        metric = draw(names)
        expr = draw(
            st.sampled_from(
                [
                    f"sum by (job) (rate({metric}_total[5m]))",
                    f'{metric}{{job="a"}} > 3',
                    f"histogram_quantile(0.99, sum by (le) (rate({metric}_bucket[10m])))",
                ]
            )
        )
        if draw(st.booleans()):
            rules.append(RecordingRule(f"job:{metric}:r{i}", expr, draw(label_maps)))
        else:
            rules.append(
                AlertingRule(draw(names), expr, draw(durations), draw(label_maps), draw(label_maps))
            )
    interval = draw(st.none() | durations.filter(lambda d: d > timedelta(0)))
    return RuleGroup(draw(names), tuple(rules), interval)


@settings(max_examples=60 * SCALE)
@given(st.lists(rule_groups(), min_size=1, max_size=3, unique_by=lambda g: g.name))
def test_dump_load_round_trip(groups):
    assert load_rules(dump_rules(groups)) == groups


@settings(max_examples=100 * SCALE)
@given(durations)
def test_duration_round_trip(d):
    assert parse_duration(format_duration(d)) == d


def test_durations():
    assert parse_duration("1d2h") == timedelta(days=1, hours=2)
    assert parse_duration("90s") == timedelta(seconds=90)
    assert format_duration(timedelta(seconds=90)) == "1m30s"
    assert format_duration(timedelta(milliseconds=1500)) == "1s500ms"
    for bad in ("", "5", "5 m", "m", "1m1h"):
        with pytest.raises(ValueError, match="duration"):
            parse_duration(bad)


# -- the linter ---------------------------------------------------------------------------


def _checks(*rules, **kw):
    return [(f.check, f.severity) for f in lint_rules([RuleGroup("g", rules)], **kw)]


GOOD = {"severity": "warning"}
NOTES = {"summary": "s", "runbook_url": "https://r.example.com/x"}


def test_constructors_parse_promql():
    with pytest.raises(ValueError, match="not valid PromQL"):
        AlertingRule("A", "rate(x[5m]")
    with pytest.raises(ValueError, match="record"):
        RecordingRule("not a name", "x")
    with pytest.raises(TypeError, match="for_"):
        AlertingRule("A", "x", for_=5)
    with pytest.raises(ValueError, match="label name"):
        AlertingRule("A", "x", labels={"bad-name": "v"})


def test_lint_required_labels_and_annotations():
    assert _checks(AlertingRule("A", "x > 1", timedelta(minutes=5), GOOD, NOTES)) == []
    assert _checks(AlertingRule("A", "x > 1", timedelta(minutes=5), {}, {"summary": "s"})) == [
        ("labels/required", "error"),
        ("annotations/required", "error"),
    ]
    assert _checks(
        AlertingRule("A", "x > 1", timedelta(minutes=5), {"severity": "sev1"}, NOTES)
    ) == [("labels/severity", "error")]
    assert _checks(
        AlertingRule("A", "x > 1", timedelta(minutes=5), GOOD, {**NOTES, "runbook_url": "see wiki"})
    ) == [("annotations/runbook_url", "warning")]
    assert ("labels/value", "error") in _checks(
        AlertingRule("A", "x > 1", timedelta(minutes=5), {**GOOD, "v": "{{ $value }}"}, NOTES)
    )


def test_lint_for_durations():
    def rule(expr, for_):
        return AlertingRule("A", expr, for_, GOOD, NOTES)

    assert _checks(rule("x > 1", timedelta(0))) == [("for/zero", "warning")]
    # a range already smooths: burn-rate alerts need no 'for'
    assert _checks(rule("rate(x_total[5m]) > 1", timedelta(0))) == []
    assert _checks(rule("x > 1", timedelta(seconds=30))) == [("for/short", "warning")]
    assert (
        _checks(rule("x > 1", timedelta(seconds=30)), evaluation_interval=timedelta(seconds=15))
        == []
    )
    assert _checks(rule("x > 1", timedelta(hours=2))) == [("for/long", "warning")]


def test_lint_rate_over_counters_with_enough_samples():
    def rec(expr):
        return RecordingRule("job:x:rate", expr)

    assert _checks(rec("sum by (job) (rate(x_total[1m]))")) == []
    assert _checks(rec("sum by (job) (rate(x_total[45s]))")) == [("promql/rate-range", "warning")]
    assert _checks(rec("sum by (job) (rate(x_total[20s]))")) == [("promql/rate-range", "error")]
    assert _checks(
        rec("sum by (job) (rate(x_total[1m]))"), scrape_interval=timedelta(seconds=30)
    ) == [("promql/rate-range", "warning")]
    assert _checks(rec("sum by (job) (rate(otelcol_exporter_queue_size[5m]))")) == [
        ("promql/counter", "error")
    ]
    assert _checks(rec("sum by (job) (deriv(x_total[5m]))")) == [("promql/counter", "error")]
    assert _checks(rec("sum by (job) (deriv(queue_depth[5m]))")) == []
    # names spelled as a regex alternation are expanded
    assert _checks(rec('sum by (job) (rate({__name__=~"a_(x|y)"}[5m]))')) == [
        ("promql/counter", "error")
    ]


def test_lint_cardinality_and_record_names():
    assert _checks(RecordingRule("job:x:rate5m", "rate(x_total[5m])")) == [
        ("promql/cardinality", "warning")
    ]
    assert _checks(RecordingRule("job:x:rate5m", "sum by (trace_id) (rate(x_total[5m]))")) == [
        ("promql/cardinality", "warning")
    ]
    assert _checks(RecordingRule("job:x:rate5m", "sum without (pod) (rate(x_total[5m]))")) == []
    assert _checks(RecordingRule("x_rate5m", "sum(rate(x_total[5m]))")) == [
        ("record/name", "warning")
    ]


def test_lint_validates_arguments():
    with pytest.raises(ValueError, match="scrape_interval"):
        lint_rules([], scrape_interval=timedelta(0))
    with pytest.raises(TypeError, match="RuleGroup"):
        lint_rules(["g"])
