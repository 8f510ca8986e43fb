"""Tests for otlpkb.monitoring.slo (chapter 8.3, SLO and SLA management).

External checks:
* the window catalogue of Sloth (slok/sloth ``internal/alert/windows/google-30d.yaml`` and
  ``google-28d.yaml``): 2 % / 5 % / 10 % / 10 % of the budget over 1 h, 6 h, 1 d and 3 d,
  burn rates 14.4, 6, 3, 1 for 30 days, written out below by hand;
* Sloth's own example (``examples/getting-started.yml``) and the rules Sloth generated for
  it (``examples/_gen/getting-started.yml``), shipped in ``otlpkb/datasets/sloth``: the
  recorded SLIs, windows, thresholds and alert labels must be Sloth's;
* Prometheus's engine through ``promtool test rules`` (Debian prometheus 2.42): with a
  100 % error rate the page alert fires at the first evaluation after the detection time
  `detection_time` computes, and not one evaluation earlier; a steady error ratio just below
  each window pair's threshold never satisfies the pair while one just above does; a slow
  burn fires the ticket alert and not the page.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta
from pathlib import Path

import promql_parser
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from monitoring.promtool import check_rules, unit_test
from otlpkb import datasets
from otlpkb.monitoring.rules import dump_rules, lint_rules
from otlpkb.monitoring.slo import (
    SLO,
    SLOSpecError,
    burn_rate,
    detection_time,
    error_budget,
    load_slo_spec,
    multiwindow_alerts,
    reset_time,
    slo_rules,
    time_to_exhaustion,
)

H, M, D = timedelta(hours=1), timedelta(minutes=1), timedelta(days=1)

API = SLO(
    "api",
    "availability",
    99.9,
    'sum(rate(http_requests_total{job="api",code=~"5.."}[{{.window}}]))',
    'sum(rate(http_requests_total{job="api"}[{{.window}}]))',
    annotations={"runbook_url": "https://runbooks.example.com/api#slo"},
)
IDS = {"sloth_id": "api-availability", "sloth_service": "api", "sloth_slo": "availability"}


# -- the arithmetic ------------------------------------------------------------------------


def test_windows_are_sloths_30_day_catalogue():
    got = [
        (w.severity, w.budget_consumed, w.short_window, w.long_window, w.burn_rate)
        for w in multiwindow_alerts(99.9)
    ]
    assert got == [
        ("page", 0.02, 5 * M, 1 * H, 14.4),
        ("page", 0.05, 30 * M, 6 * H, 6.0),
        ("ticket", 0.10, 2 * H, 1 * D, 3.0),
        ("ticket", 0.10, 6 * H, 3 * D, 1.0),
    ]


def test_28_day_period_scales_the_burn_rates():
    # google-28d.yaml: same windows and budget shares; factor = share * 28d / long window
    rates = [w.burn_rate for w in multiwindow_alerts(99.5, period_days=28)]
    assert rates == pytest.approx([13.44, 5.6, 2.8, 0.02 * 0 + 0.1 * 28 / 3])


def test_window_longer_than_period_and_bad_objectives_are_refused():
    with pytest.raises(ValueError, match="3d is longer than the period"):
        multiwindow_alerts(99.9, period_days=2)
    for bad in (100, 0, 100.5, -1, math.nan):
        with pytest.raises(ValueError, match="objective"):
            multiwindow_alerts(bad)
    with pytest.raises(TypeError, match="objective"):
        multiwindow_alerts("99.9")


def test_budget_arithmetic():
    assert error_budget(99.9) == pytest.approx(0.001)
    assert error_budget(99.0) == pytest.approx(0.01)
    assert burn_rate(0.0144, 99.9) == pytest.approx(14.4)
    # 30 days / 14.4 is 50 hours; the whole budget at burn rate 1 lasts the period
    assert time_to_exhaustion(14.4) == timedelta(hours=50)
    assert time_to_exhaustion(1.0, period_days=28) == 28 * D
    assert time_to_exhaustion(2.0, budget_remaining=0.5) == timedelta(days=7.5)
    with pytest.raises(ValueError, match="burn_rate"):
        time_to_exhaustion(0)


def test_detection_and_reset_times_for_a_full_outage():
    page, slow_page, ticket, slow_ticket = multiwindow_alerts(99.9)
    assert detection_time(ticket, 1.0, 99.9) == timedelta(seconds=259.2)
    # 1 h x 14.4 x 0.001 = 0.0144 h = 51.84 s; 6 h x 6 x 0.001 = 129.6 s
    assert detection_time(page, 1.0, 99.9) == timedelta(seconds=51.84)
    assert detection_time(slow_page, 1.0, 99.9) == timedelta(seconds=129.6)
    assert detection_time(slow_ticket, 1.0, 99.9) == timedelta(seconds=259.2)
    # the short window clears after 5 min x (1 - 0.0144)
    assert reset_time(page, 1.0, 99.9) == timedelta(seconds=300 * (1 - 0.0144))
    # below the threshold the pair never fires
    assert detection_time(page, 0.0143, 99.9) is None
    assert reset_time(page, 0.0143, 99.9) is None


@settings(max_examples=100 * SCALE)
@given(
    st.sampled_from([99.0, 99.5, 99.9, 99.95, 99.99]),
    st.integers(0, 3),
    st.floats(0.0, 1.0, exclude_min=True),
)
def test_detection_happens_when_the_windows_share_of_the_budget_is_spent(obj, i, e):
    w = multiwindow_alerts(obj)[i]
    t = detection_time(w, e, obj)
    if e <= w.burn_rate * error_budget(obj):
        assert t is None
        return
    # budget spent by the step at detection, as a fraction of the period's budget
    spent = e * (t / (30 * D)) / error_budget(obj)
    assert spent == pytest.approx(w.budget_consumed, rel=1e-6)  # timedelta: 1 µs steps
    assert t <= w.long_window


# -- against Sloth's generated rules ---------------------------------------------------------


def _sloth():
    spec = datasets.path("sloth/getting-started.yml").read_text()
    generated = yaml.safe_load(datasets.path("sloth/getting-started.gen.yml").read_text())
    return load_slo_spec(spec, source="getting-started.yml"), generated["groups"]


def _norm(expr: str) -> str:
    return re.sub(r"\s+", "", expr)


def _thresholds(expr: str) -> set[tuple[str, float]]:
    """(recorded metric, burn factor) of every `metric > (factor * budget)` comparison."""
    found, nodes = set(), []
    promql_parser.walk(promql_parser.parse(expr), lambda n: nodes.append(n))
    for n in nodes:
        if isinstance(n, promql_parser.BinaryExpr) and str(n.op) == ">":
            lhs, rhs = n.lhs, n.rhs
            while isinstance(rhs, promql_parser.ParenExpr):
                rhs = rhs.expr
            found.add((lhs.name, float(str(rhs.lhs))))
    return found


def test_recording_rules_match_sloths_output():
    slos, theirs = _sloth()
    ours = slo_rules(slos)
    assert [g.name for g in ours] == [g["name"] for g in theirs]
    their_sli = {r["record"]: r for r in theirs[0]["rules"]}
    for rule in ours[0].rules:
        t = their_sli[rule.record]
        assert _norm(rule.expr) == _norm(t["expr"]), rule.record
        expected = {k: v for k, v in t["labels"].items() if k != "cmd"}
        assert dict(rule.labels) == expected, rule.record
    assert len(ours[0].rules) == len(their_sli)
    their_meta = {r["record"] for r in theirs[1]["rules"]} - {"sloth_slo_info"}
    assert {r.record for r in ours[1].rules} == their_meta


def test_alert_thresholds_and_labels_match_sloths_output():
    slos, theirs = _sloth()
    ours = slo_rules(slos)[2].rules
    for mine, their in zip(ours, theirs[2]["rules"], strict=True):
        assert mine.alert == their["alert"]
        assert dict(mine.labels) == their["labels"]
        assert _thresholds(mine.expr) == _thresholds(their["expr"])
        assert mine.annotations["summary"] == their["annotations"]["summary"]


def test_generated_rules_pass_promtool_check(tmp_path: Path):
    slos, _ = _sloth()
    text = dump_rules(
        slo_rules(
            [*slos, API, SLO("api", "x", 99.5, API.error_query, API.total_query, period_days=28)]
        )
    )
    result = check_rules(tmp_path, text)
    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_rules_lint_clean_when_a_runbook_is_given():
    assert lint_rules(slo_rules([API])) == []


# -- in Prometheus's engine -----------------------------------------------------------------


def _alert(severity: str) -> dict:
    return {
        "exp_labels": {**IDS, "severity": severity, "sloth_severity": severity},
        "exp_annotations": {
            "title": f"({severity}) api availability SLO error budget burn rate is too fast.",
            "summary": "api availability SLO error budget burn rate is over expected.",
            "runbook_url": "https://runbooks.example.com/api#slo",
        },
    }


def test_full_outage_pages_after_the_computed_detection_time(tmp_path: Path):
    # 6 h of healthy traffic (10 requests per 10 s), then every request fails.
    step = 20  # seconds: scrape and evaluation interval
    healthy = 6 * 3600 // step
    page = multiwindow_alerts(99.9)[0]
    detect = detection_time(page, 1.0, 99.9).total_seconds()
    first = math.ceil(detect / step) * step  # the first evaluation at or after it
    assert (detect, first) == (51.84, 60)
    series = [
        {
            "series": 'http_requests_total{job="api", code="200"}',
            "values": f"0+10x{healthy} {10 * healthy}x20",
        },
        {"series": 'http_requests_total{job="api", code="500"}', "values": f"0x{healthy} 10+10x20"},
    ]
    # the ticket's 6 h / 3 d pair fires first here: only 6 h of history fill its 3 d window
    tests = [
        {
            "interval": f"{step}s",
            "input_series": series,
            "alert_rule_test": [
                {
                    "eval_time": f"6h{first - step}s",
                    "alertname": "ApiAvailability",
                    "exp_alerts": [_alert("ticket")],
                },
                {
                    "eval_time": f"6h{first}s",
                    "alertname": "ApiAvailability",
                    "exp_alerts": [_alert("page"), _alert("ticket")],
                },
            ],
        }
    ]
    result = unit_test(tmp_path, dump_rules(slo_rules([API])), tests, f"{step}s")
    assert result.returncode == 0, result.stdout + result.stderr


def _steady(ratio: float) -> list[dict]:
    per_minute = 100_000
    return [
        {
            "series": 'http_requests_total{job="api", code="200"}',
            "values": f"0+{per_minute * (1 - ratio):.6f}x180",
        },
        {
            "series": 'http_requests_total{job="api", code="500"}',
            "values": f"0+{per_minute * ratio:.6f}x180",
        },
    ]


def _pair(w) -> str:
    """The pair condition written from the Workbook's definition, not from our output."""
    thr = w.burn_rate * 0.001

    def win(d: timedelta) -> str:
        days = d / D
        name = f"{int(days)}d" if days >= 1 else (f"{int(d / H)}h" if d >= H else f"{int(d / M)}m")
        return f'max(slo:sli_error:ratio_rate{name}{{sloth_slo="availability"}}) > bool {thr!r}'

    return f"({win(w.short_window)}) * ({win(w.long_window)})"


@pytest.mark.parametrize("index", range(4))
def test_a_ratio_just_below_a_pairs_threshold_never_satisfies_it(tmp_path: Path, index):
    w = multiwindow_alerts(99.9)[index]
    threshold = w.burn_rate * 0.001
    tests = []
    for factor, expected in ((0.98, 0), (1.02, 1)):
        tests.append(
            {
                "interval": "1m",
                "input_series": _steady(factor * threshold),
                "promql_expr_test": [
                    {
                        "expr": _pair(w),
                        "eval_time": t,
                        "exp_samples": [{"labels": "{}", "value": expected}],
                    }
                    for t in ("10m", "1h", "3h")
                ],
            }
        )
    result = unit_test(tmp_path, dump_rules(slo_rules([API])), tests)
    assert result.returncode == 0, result.stdout + result.stderr


def test_slow_burns_raise_tickets_and_never_page(tmp_path: Path):
    def case(ratio: float, expected: list) -> dict:
        return {
            "interval": "1m",
            "input_series": _steady(ratio),
            "alert_rule_test": [
                {"eval_time": t, "alertname": "ApiAvailability", "exp_alerts": expected}
                for t in ("10m", "1h", "3h")
            ],
        }

    tests = [
        case(0.98 * 0.006, [_alert("ticket")]),  # just below the lowest page threshold
        case(1.02 * 0.006, [_alert("page"), _alert("ticket")]),
        case(2 * 0.001, [_alert("ticket")]),  # burn rate 2: a slow burn
        case(0.98 * 0.001, []),  # just below the lowest ticket threshold
    ]
    result = unit_test(tmp_path, dump_rules(slo_rules([API])), tests)
    assert result.returncode == 0, result.stdout + result.stderr


# -- specs ----------------------------------------------------------------------------------

SPEC = """\
version: prometheus/v1
service: api
slos:
  - name: availability
    objective: 99.9
    period: 28d
    sli:
      events:
        error_query: sum(rate(errors_total[{{.window}}]))
        total_query: sum(rate(requests_total[{{.window}}]))
"""


def test_spec_period_extension():
    (slo,) = load_slo_spec(SPEC)
    assert slo.period_days == 28 and slo.alert_name == "ApiAvailability"
    assert (
        load_slo_spec(SPEC.replace("    period: 28d\n", ""), default_period_days=7)[0].period_days
        == 7
    )


@pytest.mark.parametrize(
    ("change", "line", "field", "problem"),
    [
        (("objective: 99.9", "objective: 100"), 5, "slos[0].objective", "(0, 100)"),
        (("objective: 99.9", "objective: high"), 5, "slos[0].objective", "percentage"),
        (("period: 28d", "period: 2d"), 6, "slos[0].period", "longer than the period"),
        (("period: 28d", "period: a month"), 6, "slos[0].period", "duration"),
        (
            ("errors_total[{{.window}}]", "errors_total[5m]"),
            9,
            "slos[0].sli.events.error_query",
            "{{.window}}",
        ),
        (
            ("sum(rate(requests_total", "sum((rate(requests_total"),
            10,
            "slos[0].sli.events.total_query",
            "PromQL does not parse",
        ),
        (("service: api\n", ""), 1, "service", "missing"),
        (("version: prometheus/v1", "version: sloth/v1"), 1, "version", "prometheus/v1"),
        (("  - name: availability", "  - name: [availability"), 5, "yaml", ""),
    ],
)
def test_bad_specs_name_file_line_and_field(change, line, field, problem):
    text = SPEC.replace(*change)
    assert text != SPEC
    with pytest.raises(SLOSpecError) as info:
        load_slo_spec(text, source="slo.yaml")
    e = info.value
    assert (e.source, e.field) == ("slo.yaml", field)
    assert e.line == line, str(e)
    assert problem in str(e)


def test_slo_validation():
    with pytest.raises(ValueError, match="error_query"):
        SLO("api", "a", 99.9, "sum(rate(x[5m]))", API.total_query)
    with pytest.raises(ValueError, match="period"):
        SLO("api", "a", 99.9, API.error_query, API.total_query, period_days=1)
    with pytest.raises(TypeError, match="SLO"):
        slo_rules(["api"])
