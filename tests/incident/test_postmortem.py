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
