"""Tests for otlpkb.incident.lifecycle (chapter 9.1, Response process).

External checks:
* the Google SRE Workbook, chapter 5 "Alerting on SLOs" (Beyer et al., O'Reilly 2018):
  a burn rate of 14.4 for one hour, 6 for six hours and 1 for three days spend 2 %, 5 %
  and 10 % of a 30-day budget (its table of recommended alert parameters), and at a burn
  rate of 1,000 (100 % errors against a 99.9 % SLO) the budget lasts 43 minutes (its
  table of burn rates and times to exhaustion);
* the JSON Schema of the records, enforced by the `jsonschema` validator (python-jsonschema,
  Draft 2020-12): the fixtures validate, and every mutated record the validator rejects,
  the parser rejects too;
* the percentile bootstrap of `scipy.stats.bootstrap` for the interval of the mean.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import jsonschema
import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb import datasets
from otlpkb.incident.lifecycle import (
    METRICS,
    SEVERITIES,
    TRANSITIONS,
    Incident,
    IncidentRecord,
    IncidentRecordError,
    SeverityPolicy,
    State,
    TransitionError,
    bootstrap_mean_ci,
    budget_consumed,
    classify_severity,
    load_records,
    parse_record,
    response_metrics,
)
from otlpkb.monitoring import slo

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ORDER = list(State)
SCHEMA = json.loads(datasets.path("incidents/incident-record.schema.json").read_text())


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def good_record(**changes: object) -> dict:
    rec = {
        "id": "INC-1",
        "title": "exporter queue full",
        "severity": "SEV2",
        "services": ["gateway-collector"],
        "started": "2026-03-02T10:00:00Z",
        "timeline": {
            "detected": "2026-03-02T10:06:00Z",
            "acknowledged": "2026-03-02T10:09:00Z",
            "mitigated": "2026-03-02T10:40:00Z",
            "resolved": "2026-03-02T12:00:00Z",
            "reviewed": "2026-03-05T09:00:00Z",
        },
        "impact": {"blast_radius": 0.2, "bad_fraction": 0.05},
        "slo": {"target": 0.999, "window_days": 30},
    }
    rec.update(changes)
    return rec


# --- the state machine ---------------------------------------------------------------


def test_the_life_cycle_runs_forward_one_state_at_a_time():
    inc = Incident("INC-1", at(0), at(5))
    for k, s in enumerate(ORDER[1:], start=1):
        assert inc.advance(s.value, at(5 + 10 * k)) is s
    assert inc.state is State.REVIEWED and inc.allowed() == ()
    assert [t for t in inc.times.values()] == [at(5 + 10 * k) for k in range(5)]


@pytest.mark.parametrize("src", ORDER)
@pytest.mark.parametrize("dst", ORDER)
def test_every_move_outside_the_table_is_refused(src, dst):
    inc = Incident("INC-9", at(0), at(1))
    for k, s in enumerate(ORDER[1 : ORDER.index(src) + 1], start=2):
        inc.advance(s, at(k))
    if dst in TRANSITIONS[src]:
        inc.advance(dst, at(100))
        assert inc.state is dst
    else:
        with pytest.raises(TransitionError, match=f"INC-9.*from {src.value} to {dst.value}"):
            inc.advance(dst, at(100))
        assert inc.state is src


def test_time_may_not_run_backwards():
    inc = Incident("INC-2", at(0), at(10))
    with pytest.raises(TransitionError, match=r"acknowledged at .* is earlier than detected"):
        inc.advance(State.ACKNOWLEDGED, at(9))
    inc.advance(State.ACKNOWLEDGED, at(10))  # the same instant is allowed
    with pytest.raises(TransitionError, match="earlier than the impact's start"):
        Incident("INC-3", at(5), at(4))


def test_bad_arguments_name_themselves():
    inc = Incident("INC-4", at(0), at(1))
    with pytest.raises(ValueError, match=r"to must be one of .* got .investigating."):
        inc.advance("investigating", at(2))
    with pytest.raises(ValueError, match="at must carry a UTC offset"):
        inc.advance("acknowledged", datetime(2026, 3, 2, 10, 5))
    with pytest.raises(TypeError, match="incident_id"):
        Incident("", at(0), at(1))


@settings(max_examples=60 * SCALE)
@given(st.lists(st.tuples(st.sampled_from(ORDER), st.integers(-5, 30)), max_size=12))
def test_a_random_walk_is_accepted_exactly_where_the_table_allows_it(moves):
    inc = Incident("INC-5", at(0), at(0))
    now, state = 0, State.DETECTED
    for dst, gap in moves:
        ok = dst in TRANSITIONS[state] and gap >= 0
        if ok:
            inc.advance(dst, at(now + gap))
            now, state = now + gap, dst
        else:
            with pytest.raises(TransitionError):
                inc.advance(dst, at(now + gap))
        assert inc.state is state
    times = list(inc.times.values())
    assert times == sorted(times)
    assert list(inc.times) == ORDER[: ORDER.index(state) + 1]


# --- SLO impact and severity -----------------------------------------------------------


@pytest.mark.parametrize(("rate", "hours", "spent"), [(14.4, 1, 0.02), (6, 6, 0.05), (1, 72, 0.10)])
def test_sre_workbook_recommended_alert_parameters(rate, hours, spent):
    # SRE Workbook ch. 5: burn rate x long window = share of a 30-day budget consumed.
    bad = rate * (1 - 0.999)
    assert budget_consumed(bad, hours, 0.999, 30 * 24) == pytest.approx(spent)


@pytest.mark.parametrize("objective", [99.0, 99.5, 99.9, 99.95])
@pytest.mark.parametrize("period_days", [28, 30])
def test_budget_consumed_equals_the_share_of_each_alert_window_of_8_3(objective, period_days):
    # 9.1 and 8.3 must agree: an impact at a window's burn-rate threshold that lasts the
    # window's long window spends the budget share 8.3 assigns to that window.
    for w in slo.multiwindow_alerts(objective, period_days=period_days):
        bad = w.burn_rate * slo.error_budget(objective)
        hours = w.long_window / timedelta(hours=1)
        spent = budget_consumed(bad, hours, objective / 100, period_days * 24)
        assert spent == pytest.approx(w.budget_consumed, rel=1e-9)
        # and its burn rate is 8.3's, whatever the impact
        assert spent * period_days * 24 / hours == pytest.approx(slo.burn_rate(bad, objective))


def test_sre_workbook_time_to_exhaustion_at_burn_rate_1000():
    # 100 % errors against 99.9 %: the 30-day budget is gone after 43.2 minutes.
    assert budget_consumed(1.0, 43.2, 0.999, 30 * 24 * 60) == pytest.approx(1.0)
    assert budget_consumed(1.0, 43.0, 0.999, 30 * 24 * 60) < 1.0


def test_budget_is_vectorised_and_validated():
    out = budget_consumed([0.0, 0.01, 0.02], [60, 60, 30], 0.99, 60)
    np.testing.assert_allclose(out, [0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="bad_fraction must lie in"):
        budget_consumed(1.5, 1, 0.999, 10)
    with pytest.raises(ValueError, match="slo_target must lie in"):
        budget_consumed(0.1, 1, 1.0, 10)
    with pytest.raises(ValueError, match="duration must be finite"):
        budget_consumed(0.1, -1, 0.99, 10)
    with pytest.raises(ValueError, match="window must be"):
        budget_consumed(0.1, 1, 0.99, 0)


def test_severity_is_the_worse_of_budget_and_radius():
    assert classify_severity(0.25, 0.0) == "SEV1"
    assert classify_severity(0.0, 0.5) == "SEV1"
    assert classify_severity(0.05, 0.0) == "SEV2"
    assert classify_severity(0.049, 0.099) == "SEV3"
    assert classify_severity(0.0099, 0.0099) == "SEV4"
    strict = SeverityPolicy(budget=(0.1, 0.02, 0.005), blast_radius=(0.3, 0.05, 0.005))
    assert classify_severity(0.02, 0.0, strict) == "SEV2"
    with pytest.raises(ValueError, match="budget must be three decreasing"):
        SeverityPolicy(budget=(0.01, 0.05, 0.2))
    with pytest.raises(ValueError, match="blast_radius must lie in"):
        classify_severity(0.1, 1.2)


@settings(max_examples=80 * SCALE)
@given(
    st.floats(0, 3), st.floats(0, 1), st.floats(0, 3), st.floats(0, 1),
)  # fmt: skip
def test_more_impact_is_never_less_severe(b1, r1, b2, r2):
    lo = SEVERITIES.index(classify_severity(min(b1, b2), min(r1, r2)))
    hi = SEVERITIES.index(classify_severity(max(b1, b2), max(r1, r2)))
    assert hi <= lo  # a smaller index is more severe


# --- records -----------------------------------------------------------------------------


def test_a_record_parses_and_yields_its_intervals():
    rec = parse_record(good_record())
    assert rec.state is State.REVIEWED
    assert [rec.interval(m) for m in METRICS] == [6.0, 3.0, 40.0, 120.0]
    # 5 % of events bad for 40 min against 99.9 % over 30 days
    assert rec.budget_consumed == pytest.approx(0.05 * 40 / (0.001 * 30 * 24 * 60))
    assert rec.classify() == "SEV2"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"timeline": {"detected": "2026-03-02T10:06:00Z",
                       "acknowledged": "2026-03-02T10:05:00Z"}},
         "timeline.acknowledged", "earlier than detected"),
        ({"timeline": {"detected": "2026-03-02T09:59:00Z"}},
         "timeline.detected", "earlier than started"),
        ({"timeline": {"detected": "2026-03-02T10:06:00Z",
                       "investigating": "2026-03-02T10:07:00Z"}},
         "timeline.investigating", "unknown state"),
        ({"timeline": {"detected": "2026-03-02T10:06:00Z",
                       "acknowledged": "2026-03-02T10:07:00Z",
                       "resolved": "2026-03-02T10:50:00Z"}},
         "timeline.resolved", "cannot go from acknowledged to resolved"),
        ({"timeline": {"acknowledged": "2026-03-02T10:07:00Z"}},
         "timeline.detected", "missing"),
        ({"started": "2026-03-02T10:00:00"}, "started", "without a UTC offset"),
        ({"started": "yesterday"}, "started", "not an ISO 8601"),
        ({"impact": {"blast_radius": 0.2}}, "impact.bad_fraction", "missing"),
        ({"impact": {"blast_radius": 2, "bad_fraction": 0.1}},
         "impact.blast_radius", "must lie in"),
        ({"slo": {"target": 1, "window_days": 30}}, "slo.target", "must lie in"),
        ({"severity": "P1"}, "severity", "must be one of"),
        ({"owner": "alice"}, "owner", "unknown field"),
    ],
)  # fmt: skip
def test_bad_records_name_the_record_and_the_field(change, field, message):
    with pytest.raises(IncidentRecordError, match=message) as err:
        parse_record(good_record(**change))
    assert err.value.record == "incident 'INC-1'" and err.value.field == field
    assert "INC-1" in str(err.value) and field in str(err.value)


def test_a_missing_field_is_named():
    rec = good_record()
    del rec["title"]
    with pytest.raises(IncidentRecordError, match="'title': missing"):
        parse_record(rec)
    del rec["id"]
    with pytest.raises(IncidentRecordError, match=r"record 3.*.id.: missing"):
        parse_record(rec, where="record 3")


def test_load_records_from_json_and_yaml(tmp_path):
    import yaml

    recs = [good_record(), good_record(id="INC-2")]
    (tmp_path / "a.json").write_text(json.dumps(recs))
    (tmp_path / "a.yaml").write_text(yaml.safe_dump({"incidents": recs}))
    for name in ("a.json", "a.yaml"):
        got = load_records(tmp_path / name)
        assert [r.id for r in got] == ["INC-1", "INC-2"]
        assert got[0] == parse_record(good_record())
    (tmp_path / "dup.json").write_text(json.dumps([good_record(), good_record()]))
    with pytest.raises(IncidentRecordError, match=r"INC-1.*duplicate id"):
        load_records(tmp_path / "dup.json")
    bad = good_record()
    bad["timeline"]["reviewed"] = "2026-03-01T00:00:00Z"
    (tmp_path / "bad.json").write_text(json.dumps([good_record(id="INC-0"), bad]))
    with pytest.raises(IncidentRecordError, match=r"INC-1.*timeline\.reviewed"):
        load_records(tmp_path / "bad.json")
    (tmp_path / "junk.json").write_text("{")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_records(tmp_path / "junk.json")


gaps = st.lists(st.floats(0, 5000, allow_nan=False).map(lambda x: round(x, 1)),
                min_size=1, max_size=5)  # fmt: skip


@settings(max_examples=60 * SCALE)
@given(gaps)
def test_intervals_are_the_sums_of_the_recorded_gaps(g):
    t, timeline = at(0), {}
    for s, gap in zip(ORDER, g, strict=False):
        t += timedelta(minutes=gap)
        timeline[s.value] = t.isoformat()
    rec = parse_record(good_record(timeline=timeline))
    cum = np.cumsum(g)
    want = {
        "ttd": cum[0],
        "tta": g[1] if len(g) > 1 else np.nan,
        "ttm": cum[2] if len(g) > 2 else np.nan,
        "ttr": cum[3] if len(g) > 3 else np.nan,
    }
    for m, v in want.items():
        np.testing.assert_allclose(rec.interval(m), v, atol=1e-6)
    assert rec.state is ORDER[len(g) - 1]


# --- the external JSON Schema ----------------------------------------------------------


def test_the_fixtures_validate_against_the_schema_and_parse():
    doc = json.loads(datasets.path("incidents/records.json").read_text())
    for rec in doc["incidents"]:
        jsonschema.validate(rec, SCHEMA, cls=jsonschema.Draft202012Validator)
    records = load_records(datasets.path("incidents/records.json"))
    assert len(records) == len(doc["incidents"]) == 40


MUTATIONS = st.one_of(
    st.tuples(st.just("drop"), st.sampled_from(
        ["id", "title", "started", "timeline", "impact", "slo", "severity", "services"])),
    st.tuples(st.just("set"), st.sampled_from(
        ["id", "title", "started", "severity", "services", "impact", "slo", "timeline"]),
        st.one_of(st.none(), st.integers(-2, 2), st.floats(-1, 2), st.text(max_size=6),
                  st.lists(st.integers(), max_size=2), st.just("2026-03-02T10:00:00Z"),
                  st.just({}))),
    st.tuples(st.just("impact"), st.sampled_from(["blast_radius", "bad_fraction", "x"]),
              st.one_of(st.floats(-1, 2), st.text(max_size=3), st.booleans())),
    st.tuples(st.just("slo"), st.sampled_from(["target", "window_days", "x"]),
              st.one_of(st.floats(-1, 40), st.integers(-1, 2))),
    st.tuples(st.just("timeline"), st.sampled_from([s.value for s in ORDER] + ["paged"]),
              st.one_of(st.none(), st.just("2026-03-02T10:30:00Z"), st.just("soon"))),
)  # fmt: skip


@settings(max_examples=150 * SCALE)
@given(st.lists(MUTATIONS, min_size=1, max_size=3))
def test_whatever_the_schema_rejects_the_parser_rejects(mutations):
    rec = copy.deepcopy(good_record())
    for m in mutations:
        if m[0] == "drop":
            rec.pop(m[1], None)
        elif m[0] == "set":
            rec[m[1]] = m[2]
        elif isinstance(rec.get(m[0]), dict):
            if m[2] is None:
                rec[m[0]].pop(m[1], None)
            else:
                rec[m[0]][m[1]] = m[2]
    schema_ok = jsonschema.Draft202012Validator(SCHEMA).is_valid(rec)
    try:
        parse_record(rec)
        parsed = True
    except (IncidentRecordError, ValueError):
        parsed = False
    if not schema_ok:
        assert not parsed, f"the parser accepted a record the schema rejects: {rec}"


# --- the distributions -----------------------------------------------------------------


def test_metrics_of_the_fixture_set():
    records = load_records(datasets.path("incidents/records.json"))
    m = response_metrics(records)
    assert len(m.ids) == 40
    # the last incident is only acknowledged: it has TTD and TTA but no TTM/TTR
    assert np.isnan(m.ttm[-1]) and np.isnan(m.ttr[-1]) and not np.isnan(m.tta[-1])
    assert m.values("ttm").size == 39
    by_hand = np.mean(
        [
            (r.timeline[State.RESOLVED] - r.started).total_seconds() / 60
            for r in records
            if State.RESOLVED in r.timeline
        ]
    )
    assert m.mttr == pytest.approx(by_hand)
    assert np.all(m.values("ttr") >= m.values("ttm"))
    for s in m.summary():
        assert s.ci_low <= s.mean <= s.ci_high and s.median <= s.p90 <= s.maximum
    with pytest.raises(ValueError, match="at least one"):
        response_metrics([])
    with pytest.raises(TypeError, match="IncidentRecord"):
        response_metrics([good_record()])
    assert isinstance(records[0], IncidentRecord)


def test_bootstrap_agrees_with_scipy():
    x = np.random.default_rng(3).lognormal(3.0, 1.0, 40)
    ours = bootstrap_mean_ci(x, 0.95, resamples=20_000, seed=1)
    ref = scipy.stats.bootstrap(
        (x,),
        np.mean,
        confidence_level=0.95,
        n_resamples=20_000,
        method="percentile",
        random_state=np.random.default_rng(2),
    ).confidence_interval
    width = ref.high - ref.low
    assert abs(ours[0] - ref.low) < 0.05 * width
    assert abs(ours[1] - ref.high) < 0.05 * width
    with pytest.raises(ValueError, match="confidence must lie"):
        bootstrap_mean_ci(x, 1.0)
    with pytest.raises(ValueError, match="at least one"):
        bootstrap_mean_ci([np.nan])
