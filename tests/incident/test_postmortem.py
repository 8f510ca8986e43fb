"""Tests for otlpkb.incident.postmortem (chapter 9.4, Postmortems).

External check: the rendered Markdown is parsed by markdown-it-py (the CommonMark parser
with GFM tables, ``MarkdownIt("commonmark").enable("table")``), which must find the
sections as headings and the timeline and action items as tables with one row per
entry and the cells as written; the same document also goes through Python-Markdown with
its ``tables`` extension, the renderer of this site.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from kbtest import SCALE
from otlpkb import datasets
from otlpkb.diagnosis.decision_tree import DEFAULT_TREE, evaluate
from otlpkb.diagnosis.handbook import HANDBOOK, match
from otlpkb.diagnosis.telemetry import Snapshot, parse_exposition
from otlpkb.incident.lifecycle import IncidentRecordError, State
from otlpkb.incident.postmortem import (
    ACTION_KINDS,
    ActionItem,
    Postmortem,
    TimelineEvent,
    blameful_phrases,
    load_postmortem,
    parse_postmortem,
)
from otlpkb.monitoring import slo
from otlpkb.sim.config import (
    BackendConfig,
    MemoryLimiterConfig,
    Outage,
    PipelineConfig,
    PoissonSource,
    QueueConfig,
    RetryConfig,
    ServiceTime,
)
from otlpkb.sim.pipeline import Pipeline
from otlpkb.sim.selfmetrics import collector_scrapes

DOC = json.loads(datasets.path("incidents/postmortem-INC-2026-005.json").read_text())


def tables(md: str) -> list[list[list[str]]]:
    """Every table as rows of cell texts (header row first), as markdown-it parses it."""
    tokens = MarkdownIt("commonmark").enable("table").parse(md)
    out: list[list[list[str]]] = []
    row: list[str] | None = None
    for tok in tokens:
        if tok.type == "table_open":
            out.append([])
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "inline" and row is not None:
            row.append(tok.content)
        elif tok.type == "tr_close":
            out[-1].append(row or [])
            row = None
    return out


def headings(md: str) -> list[str]:
    tokens = MarkdownIt("commonmark").parse(md)
    return [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]


def test_the_fixture_renders_with_every_section():
    pm = load_postmortem(datasets.path("incidents/postmortem-INC-2026-005.json"))
    md = pm.to_markdown()
    assert headings(md) == [
        "Postmortem: INC-2026-005, Metric cardinality explosion after a deploy",
        "Summary", "Impact", "Timeline (UTC)", "Contributing factors", "What went well",
        "Action items",
    ]  # fmt: skip
    timeline, actions = tables(md)
    assert timeline[0] == ["time", "since start", "event"]
    assert len(timeline) - 1 == 1 + len(pm.record.timeline) + len(pm.events)
    assert [r[0] for r in timeline[1:]] == sorted(r[0] for r in timeline[1:])
    assert actions[0] == ["action", "kind", "owner", "due"]
    assert [r[3] for r in actions[1:]] == ["2026-02-20", "2026-02-27", "2026-03-06"]
    assert "Error budget spent: 10.9% of the 30-day budget" in md
    html = markdown.markdown(md, extensions=["tables"])
    assert html.count("<table>") == 2 and html.count("<tr>") == len(timeline) + len(actions)
    assert blameful_phrases(pm) == []


def test_intervals_in_the_timeline_match_the_record():
    pm = parse_postmortem(DOC)
    rows = {text: since for _, since, text in tables(pm.to_markdown())[0][1:]}
    r = pm.record
    assert rows[f"**detected** (TTD {r.interval('ttd'):.0f} min)"] == "+4 min"
    assert rows[f"**mitigated** (TTM {r.interval('ttm'):.0f} min)"] == "+61 min"
    assert any(t.startswith("**reviewed**") for t in rows)
    assert rows["checkout v4.2 deployed with a new `request.id` metric attribute"] == "−2 min"


def test_blameful_wording_is_found():
    pm = parse_postmortem({**DOC, "summary": "Human error: the on-call failed to check."})
    assert [p.lower() for p in blameful_phrases(pm)] == ["human error", "failed to"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda d: d.pop("summary"), "summary", "missing"),
        (lambda d: d.update(author="x"), "author", "unknown field"),
        (lambda d: d["events"].append({"at": "2026-03-01T00:00:00Z", "text": "late"}),
         "events[5].at", "after the incident's last state"),
        (lambda d: d["events"].append({"at": "2026-02-07T22:00:00", "text": "naive"}),
         "events[5].at", "UTC offset"),
        (lambda d: d["action_items"][0].pop("owner"), "action_items[0]", "owner"),
        (lambda d: d["action_items"][1].update(kind="blame"), "action_items[1].kind",
         "must be one of"),
        (lambda d: d["action_items"][2].update(due="2026-01-01"), "action_items[2].due",
         "before the incident"),
        (lambda d: d["action_items"][2].update(due="soon"), "action_items[2].due",
         "expected a date"),
        (lambda d: d.update(contributing_factors="one"), "contributing_factors",
         "list of strings"),
        (lambda d: d["incident"]["timeline"].update(investigating="2026-02-07T21:50:00Z"),
         "timeline.investigating", "unknown state"),
    ],
)  # fmt: skip
def test_bad_documents_name_the_record_and_the_field(change, field, message):
    doc = copy.deepcopy(DOC)
    change(doc)
    with pytest.raises(IncidentRecordError, match=message) as err:
        parse_postmortem(doc)
    assert err.value.field == field


def test_load_yaml(tmp_path):
    import yaml

    (tmp_path / "pm.yaml").write_text(yaml.safe_dump(DOC, allow_unicode=True))
    assert load_postmortem(tmp_path / "pm.yaml") == parse_postmortem(DOC)


@settings(max_examples=40 * SCALE)
@given(
    st.lists(st.tuples(st.integers(-30, 70), st.text("ab |x_", min_size=1, max_size=12)),
             max_size=8),
    st.lists(st.tuples(st.text("ab |", min_size=1, max_size=8), st.sampled_from(ACTION_KINDS),
                       st.integers(0, 60)), max_size=5),
)  # fmt: skip
def test_every_event_and_action_becomes_one_table_row(events, actions):
    base = parse_postmortem(DOC)
    t0 = base.record.started
    ev = tuple(TimelineEvent(t0 + timedelta(minutes=m), text) for m, text in events
               if text.strip())  # fmt: skip
    acts = tuple(ActionItem(a.strip() or "a", "team", (t0 + timedelta(days=d)).date(), k)
                 for a, k, d in actions)  # fmt: skip
    pm = Postmortem(base.record, "summary", ev, ("factor",), (), acts)
    md = pm.to_markdown()
    timeline, action_rows = tables(md)
    assert len(timeline) - 1 == 1 + len(pm.record.timeline) + len(ev)
    assert len(action_rows) - 1 == len(acts)
    got = [datetime.strptime(r[0], "%Y-%m-%d %H:%M").replace(tzinfo=UTC) for r in timeline[1:]]
    assert got == sorted(got)
    # every life-cycle state appears exactly once, in order
    states = [r[2] for r in timeline[1:] if r[2].startswith("**")]
    assert [s.split("**")[1] for s in states] == [s.value for s in pm.record.timeline]
    assert pm.record.state is State.REVIEWED


# --- the worked incident of the chapter: 5.x diagnosis and 8.3 budget ---------------------


def _gateway_scrapes() -> list[Snapshot]:
    # The gateway of the chapter's worked incident, as the page runs it in otlpkb.sim: the
    # trace store (the back end) is down from 600 s to 1,680 s; the fault injected.
    cfg = PipelineConfig(
        (PoissonSource(rate=10.0),),
        memory_limiter=MemoryLimiterConfig(limit_mib=400, item_bytes=0.3 * 2**20, base_mib=30),
        batch=None,
        queue=QueueConfig(queue_size=1000, num_consumers=10),
        retry=RetryConfig(max_elapsed_time=3600.0),
        backend=BackendConfig(service=ServiceTime(mean=0.25), outages=(Outage(600.0, 1680.0),)),
        sample_interval=10.0,
    )
    dumps = collector_scrapes(Pipeline(cfg).run(until=1000.0, seed=11), memory_limiter=True)
    return [parse_exposition(text) for text in dumps]


def test_worked_incident_diagnosis_names_the_injected_fault():
    snaps = _gateway_scrapes()

    def window(t0: float, t1: float) -> list[Snapshot]:
        return [s for s in snaps if s.clock is not None and t0 <= s.clock <= t1]

    # Before the outage the 5.1 tree finds nothing and 5.3's handbook no unreachable back end.
    before = window(400.0, 590.0)
    assert evaluate(DEFAULT_TREE, before).finding.id == "healthy"
    assert "backend_unreachable" not in {m.problem.id for m in match(HANDBOOK, before)}
    # During it, at any two-minute window once the limiter refuses: the tree stops at the
    # memory limit (the injected outage's effect at the door) and the handbook names the
    # back end down or unreachable (the injected fault).
    for end in (750.0, 800.0, 900.0):
        during = window(end - 120.0, end)
        d = evaluate(DEFAULT_TREE, during)
        assert d.finding.id == "memory_limit"
        assert [s.node for s in d.path] == ["traffic", "refused", "limiter"]
        found = {m.problem.id for m in match(HANDBOOK, during)}
        assert {"backend_unreachable", "memory_limiter_refusing"} <= found


def test_postmortem_budget_is_8_3s_burn_rate_times_the_share_of_the_window():
    r = parse_postmortem(copy.deepcopy(DOC)).record
    objective = 100 * r.slo_target
    window_minutes = r.slo_window / timedelta(minutes=1)
    expected = slo.burn_rate(r.bad_fraction, objective) * r.interval("ttm") / window_minutes
    assert r.budget_consumed == pytest.approx(expected, rel=1e-12)
    # and through 8.3's exhaustion time: spending it all takes time_to_exhaustion
    days = slo.time_to_exhaustion(
        slo.burn_rate(r.bad_fraction, objective), period_days=r.slo_window.days
    )
    assert r.budget_consumed == pytest.approx(r.interval("ttm") / (days / timedelta(minutes=1)))
