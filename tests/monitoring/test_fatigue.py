"""Tests for otlpkb.monitoring.fatigue (chapter 8.2, Alert fatigue).

External check: the same alert stream replayed against a real Alertmanager (Debian
prometheus-alertmanager 0.25) on 127.0.0.1 through its v2 API, with the same route and
inhibition rule and a webhook receiver served by the test: the notifications, their groups,
their firing and resolved alerts and their times agree with `simulate_alertmanager`, the
times within the tolerance stated in TOLERANCE (timers start when Alertmanager receives the
first alert of a group, which the model takes from the measured post times).
Flap detection follows Nagios Core's ``base/flapping.c`` (weights 0.75 to 1.25 over the
last 21 states), re-implemented independently in the test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from monitoring.alertmanager import replay
from otlpkb.monitoring.fatigue import (
    AlertEvent,
    InhibitRule,
    Route,
    Silence,
    alert_quality,
    flapping,
    simulate_alertmanager,
)

TOLERANCE = 0.5  # seconds between a modelled and a received notification

ROUTE = Route(("alertname", "cluster"), group_wait=2, group_interval=4, repeat_interval=10)
INHIBIT = InhibitRule({"severity": "critical"}, {"severity": "warning"}, ("cluster",))


def q(cluster: str, instance: str) -> dict[str, str]:
    return {
        "alertname": "QueueFull",
        "cluster": cluster,
        "instance": instance,
        "severity": "warning",
    }


DOWN = {"alertname": "ExporterDown", "cluster": "b", "severity": "critical"}
STREAM = [
    (0.0, q("a", "1"), False),
    (1.0, q("a", "2"), False),  # joins group a before its first flush
    (3.0, q("b", "3"), False),  # a second group
    (5.5, q("a", "1"), True),  # resolved: told at group a's next flush
    (7.0, DOWN, False),  # critical in cluster b: inhibits b's warning
    (15.0, DOWN, True),
]


def test_model_on_the_hand_worked_stream():
    events = [AlertEvent(t, labels, resolved) for t, labels, resolved in STREAM]
    got = [
        (n.at, dict(n.group)["alertname"], dict(n.group)["cluster"], len(n.firing), len(n.resolved))
        for n in simulate_alertmanager(events, ROUTE, inhibit_rules=[INHIBIT], until=24)
    ]
    assert sorted(got) == [
        (2.0, "QueueFull", "a", 2, 0),  # group_wait after the first alert
        (5.0, "QueueFull", "b", 1, 0),
        (6.0, "QueueFull", "a", 1, 1),  # a resolution is news
        (9.0, "ExporterDown", "b", 1, 0),  # b at 9 and 13: its only alert is inhibited
        (17.0, "ExporterDown", "b", 0, 1),  # all resolved
        (17.0, "QueueFull", "b", 1, 0),  # uninhibited, 12 s > repeat_interval since 5
        (18.0, "QueueFull", "a", 1, 0),  # repeat: 12 s after 6 (14 was only 8 s)
    ]


def _labels(payload_alerts, status):
    return sorted(
        tuple(sorted(a["labels"].items())) for a in payload_alerts if a["status"] == status
    )


def test_real_alertmanager_sends_what_the_model_predicts(tmp_path: Path):
    route = {
        "group_by": ["alertname", "cluster"],
        "group_wait": "2s",
        "group_interval": "4s",
        "repeat_interval": "10s",
    }
    inhibit = [
        {
            "source_matchers": ['severity="critical"'],
            "target_matchers": ['severity="warning"'],
            "equal": ["cluster"],
        }
    ]
    received, posted = replay(tmp_path, route, STREAM, until=24.0, inhibit_rules=inhibit)
    # the model runs on the times Alertmanager actually received the alerts
    events = [
        AlertEvent(p, labels, resolved)
        for p, (_, labels, resolved) in zip(posted, STREAM, strict=True)
    ]
    model = simulate_alertmanager(events, ROUTE, inhibit_rules=[INHIBIT], until=23.0)
    model = [n for n in model if n.at < 23.0]
    real = sorted(
        (
            at,
            tuple(sorted(p["groupLabels"].items())),
            _labels(p["alerts"], "firing"),
            _labels(p["alerts"], "resolved"),
        )
        for at, p in received
        if at < 23.0 + TOLERANCE
    )
    assert len(real) == len(model), (real, model)
    real.sort(key=lambda r: (round(r[0]), r[1]))
    ordered = sorted(model, key=lambda n: (round(n.at), n.group))
    worst = 0.0
    for (at, group, firing, resolved), n in zip(real, ordered, strict=True):
        assert group == n.group
        assert firing == list(n.firing)
        assert resolved == list(n.resolved)
        worst = max(worst, abs(at - n.at))
    assert worst <= TOLERANCE, worst


# -- the model's invariants -------------------------------------------------------------


def test_group_wait_batches_and_repeat_interval_repeats():
    route = Route(("alertname",), group_wait=30, group_interval=300, repeat_interval=3600)
    events = [AlertEvent(t, {"alertname": "A", "i": str(t)}) for t in (0, 10, 20)]
    out = simulate_alertmanager(events, route, until=8000)
    # one notification with three alerts, then repeats at the first flush > 1 h later
    assert [(n.at, len(n.firing)) for n in out] == [(30, 3), (3930, 3), (7830, 3)]


def test_silences_mute_and_resolutions_of_unknown_alerts_are_dropped():
    route = Route(("alertname",), group_wait=1, group_interval=5, repeat_interval=100)
    a = {"alertname": "A"}
    out = simulate_alertmanager([AlertEvent(0, a)], route, silences=[Silence(a, 0, 50)], until=60)
    assert [n.at for n in out] == [51]  # flushes at 1, 6, ..., 51: the first unmuted one
    assert simulate_alertmanager([AlertEvent(0, a, resolved=True)], route, until=60) == []


def test_send_resolved_false_hides_resolutions():
    route = Route(
        ("alertname",), group_wait=1, group_interval=5, repeat_interval=100, send_resolved=False
    )
    a, b = {"alertname": "A", "i": "1"}, {"alertname": "A", "i": "2"}
    out = simulate_alertmanager(
        [AlertEvent(0, a), AlertEvent(0, b), AlertEvent(2, a, True)], route, until=20
    )
    assert [(n.at, len(n.firing), len(n.resolved)) for n in out] == [(1, 2, 0)]


streams = st.lists(
    st.tuples(st.integers(0, 600), st.sampled_from("ab"), st.sampled_from("xyz"), st.booleans()),
    max_size=25,
)


@settings(max_examples=80 * SCALE)
@given(streams)
def test_notifications_fall_on_the_group_schedule(raw):
    route = Route(("alertname",), group_wait=30, group_interval=60, repeat_interval=240)
    events = [AlertEvent(t, {"alertname": g, "instance": i}, r) for t, g, i, r in raw]
    out = simulate_alertmanager(events, route, until=2000)
    for n in out:
        assert n.firing or n.resolved
    # every notification falls on the schedule of a group started by one of its alerts
    for n in out:
        starts = [e.at for e in events if dict(n.group)["alertname"] == e.labels["alertname"]]
        assert any(
            (n.at - s - route.group_wait) % route.group_interval == 0
            and n.at >= s + route.group_wait
            for s in starts
        )
    # grouping never sends more notifications than alerts posted plus repeats allow
    assert len(out) <= len(events) + 2000 // route.repeat_interval * 2 + 2


# -- flapping -----------------------------------------------------------------------------


def _nagios(states, low=0.05, high=0.20):
    """base/flapping.c, transcribed: 21 entries, curve 0.75 .. 1.25, thresholds in %."""
    history, index, flap, out = [0] * 21, 0, False, []
    for s in states:
        history[index] = int(s)
        index = (index + 1) % 21
        curved, last, y = 0.0, history[index], (index + 1) % 21
        for x in range(1, 21):
            if last != history[y]:
                curved += (x - 1) * (1.25 - 0.75) / 19 + 0.75
            last = history[y]
            y = (y + 1) % 21
        pct = curved * 100 / 20
        if pct >= high * 100:
            flap = True
        elif pct <= low * 100:
            flap = False
        out.append(flap)
    return out


@settings(max_examples=150 * SCALE)
@given(st.lists(st.booleans(), max_size=80))
def test_flapping_matches_nagios_circular_buffer(states):
    assert flapping(states) == _nagios(states)


def test_flapping_hysteresis():
    states = [i % 2 == 0 for i in range(12)] + [True] * 40
    flags = flapping(states)
    assert flags[8] and flags[20]  # still flapping while the old changes are in view
    assert not flags[-1]
    with pytest.raises(ValueError, match="low"):
        flapping([True], low=0.5, high=0.2)


# -- quality --------------------------------------------------------------------------------


def test_alert_quality():
    quality = alert_quality(
        [60, 120, 7200, 40000, 50000],
        [(0, 600), (39000, 41000), (80000, 81000)],
        shift=43200,
        horizon=86400,
    )
    assert quality.pages == 5
    assert quality.precision == pytest.approx(3 / 5)
    assert quality.recall == pytest.approx(2 / 3)
    assert quality.pages_per_shift == (4, 1)
    with pytest.raises(ValueError, match="actionable"):
        alert_quality([1, 2], [], actionable=[True])


def test_an_alert_on_both_sides_of_a_rule_is_not_inhibited_by_its_peers():
    # Alertmanager's documentation: an alert matching both sides cannot be inhibited by
    # alerts for which the same is true, itself included.
    rule = InhibitRule({"team": "obs"}, {"team": "obs"}, ("cluster",))
    route = Route(("alertname",), group_wait=1, group_interval=5, repeat_interval=100)
    a = {"alertname": "A", "team": "obs", "cluster": "x"}
    b = {"alertname": "B", "team": "obs", "cluster": "x"}
    out = simulate_alertmanager(
        [AlertEvent(0, a), AlertEvent(0, b)], route, inhibit_rules=[rule], until=3
    )
    assert len(out) == 2
    one_sided = InhibitRule({"severity": "critical"}, {"team": "obs"}, ("cluster",))
    c = {"alertname": "C", "severity": "critical", "cluster": "x"}
    out = simulate_alertmanager(
        [AlertEvent(0, a), AlertEvent(0, c)], route, inhibit_rules=[one_sided], until=3
    )
    assert [dict(n.group)["alertname"] for n in out] == ["C"]
