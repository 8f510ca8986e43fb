"""Tests for otlpkb.incident.replay (chapter 9.3, Data recovery).

External check: the operating system. The pipeline runs in real child processes that
are killed with SIGKILL (by themselves at chosen steps, and by this test at random
moments) on real files; after every series of crashes the audit must find each
acknowledged item stored exactly once, and the replays refused as duplicates are
counted. The torn-tail repair is checked by cutting bytes off a real segment file.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import ROOT, SCALE
from otlpkb.incident.replay import (
    CrashReport,
    DedupSink,
    Gap,
    PersistentQueue,
    audit_delivery,
    backfill,
    crash_and_recover,
    find_gaps,
    find_time_gaps,
    run_pipeline,
)

# --- the persistent queue and the sink -------------------------------------------------


def test_queue_keeps_its_cursor_across_reopening(tmp_path):
    with PersistentQueue(tmp_path) as q:
        seqs = [q.put(f"svc:{i}".encode()) for i in range(5)]
        q.ack(seqs[2])
    with PersistentQueue(tmp_path) as q:
        assert q.cursor == 3
        assert [p for _, p in q.pending()] == [b"svc:3", b"svc:4"]
        with pytest.raises(ValueError, match="seq must be >= 3"):
            q.ack(1)


def test_a_torn_tail_is_cut_and_the_rest_replayed(tmp_path):
    with PersistentQueue(tmp_path) as q:
        for i in range(4):
            q.put(f"svc:{i}".encode())
    segment = sorted((tmp_path / "wal").glob("*.seg"))[-1]
    data = segment.read_bytes()
    segment.write_bytes(data[:-3])  # a crash in the middle of the last append
    with PersistentQueue(tmp_path) as q:
        assert q.recovery.torn_bytes > 0
        assert [p for _, p in q.pending()] == [b"svc:0", b"svc:1", b"svc:2"]


def test_sink_deduplicates_across_restarts_and_repairs_a_torn_line(tmp_path):
    path = tmp_path / "sink.jsonl"
    sink = DedupSink(path)
    assert sink.deliver("k1", b"a") and sink.deliver("k2", b"b")
    with open(path, "a") as f:
        f.write('{"key": "k3", "pay')  # torn by a crash: not stored
    again = DedupSink(path)
    assert again.keys == {"k1", "k2"}
    assert not again.deliver("k1", b"a") and again.duplicates == 1
    assert again.deliver("k3", b"c")
    assert [json.loads(x)["key"] for x in path.read_text().splitlines()] == ["k1", "k2", "k3"]


def test_audit_counts_losses_and_double_stores():
    a = audit_delivery(["a", "b", "c"], ["a", "b", "b", "d"], duplicates_refused=4)
    assert (a.acknowledged, a.stored, a.lost, a.stored_twice, a.duplicates_refused) == (
        3, 3, 1, 1, 4,
    )  # fmt: skip


# --- gaps ------------------------------------------------------------------------------


def test_find_gaps_examples():
    got = find_gaps([("a", 5), ("a", 0), ("a", 1), ("a", 1), ("b", 0)], {"b": 3, "c": 1})
    assert got == [Gap("a", 2, 4), Gap("b", 1, 3), Gap("c", 0, 1)]
    assert [g.size for g in got] == [3, 3, 2]
    assert find_gaps([]) == []
    with pytest.raises(ValueError, match="sequence number must be >= 0"):
        find_gaps([("a", -1)])


@settings(max_examples=80 * SCALE)
@given(st.dictionaries(st.sampled_from("abc"), st.sets(st.integers(0, 60), min_size=1)))
def test_gaps_and_received_partition_the_range(received):
    pairs = [(s, n) for s, ns in received.items() for n in ns]
    gaps = find_gaps(pairs)
    for source, ns in received.items():
        missing = {n for g in gaps if g.source == source for n in range(g.first, g.last + 1)}
        assert missing == set(range(max(ns) + 1)) - ns
        assert all(g.size >= 1 for g in gaps)


def test_find_time_gaps():
    t = [0, 10, 20, 30, 75, 85, 95, 200]
    assert find_time_gaps(t, 10.0) == [(30.0, 75.0), (95.0, 200.0)]
    assert find_time_gaps(t, 10.0, tolerance=10) == [(95.0, 200.0)]
    assert find_time_gaps([5.0], 1.0) == []
    with pytest.raises(ValueError, match="tolerance must be at least 1"):
        find_time_gaps(t, 10.0, tolerance=0.5)


def test_backfill_fills_what_the_source_still_has(tmp_path):
    sink = DedupSink(tmp_path / "s.jsonl")
    buffer = {("a", n): f"a:{n}".encode() for n in range(10) if n != 7}
    gaps = [Gap("a", 5, 8)]
    filled, lost = backfill(gaps, lambda s, n: buffer.get((s, n)), sink)
    assert (filled, lost) == (3, 1)
    assert backfill(gaps, lambda s, n: buffer.get((s, n)), sink) == (0, 1)  # idempotent
    assert sink.duplicates == 3


# --- real crashes ----------------------------------------------------------------------


def test_a_run_without_crashes_delivers_everything_once(tmp_path):
    assert run_pipeline(tmp_path, 20, batch=6) == 0
    report = crash_and_recover(tmp_path / "again", 20, [])
    assert isinstance(report, CrashReport) and report.crashes == 0
    assert (report.audit.acknowledged, report.audit.lost, report.audit.stored_twice) == (20, 0, 0)


@pytest.mark.parametrize(
    ("points", "refused_at_least"),
    [
        ([1], 1),  # logged, killed before the acknowledgement: the client resends
        ([10], 2),  # two items stored, killed before the cursor moved: replayed
        ([13, 3, 25], 1),  # after a checkpoint, after an ack, in a later export
    ],
)
def test_crashes_at_chosen_steps_lose_nothing_and_store_nothing_twice(
    tmp_path, points, refused_at_least
):
    # items 12, batch 4: steps 1..8 receive items 0-3 (log, ack), 9..12 store them,
    # 13 moves the cursor; the pattern repeats
    report = crash_and_recover(tmp_path, 12, points, batch=4)
    assert report.crashes == len(points)
    assert report.audit.acknowledged == 12
    assert report.audit.lost == 0 and report.audit.stored_twice == 0
    assert report.audit.duplicates_refused >= refused_at_least


def test_random_kills_from_outside(tmp_path):
    """SIGKILL from this test at random moments of a long run, three times."""
    rng = random.Random(7)
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    )
    code = ("import sys\nfrom otlpkb.incident.replay import run_pipeline\n"
            "print('start', flush=True)\n"
            f"run_pipeline({str(tmp_path)!r}, 300, 16)\n")  # fmt: skip
    kills = 0
    for _ in range(3):
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, env=env)
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"start"
        time.sleep(rng.uniform(0.01, 0.3))
        proc.send_signal(signal.SIGKILL)
        kills += proc.wait() == -signal.SIGKILL
    report = crash_and_recover(tmp_path, 300, [], batch=16)  # the final, clean run
    assert kills >= 1  # at least one kill landed before the run finished
    assert report.audit.acknowledged == 300
    assert report.audit.lost == 0 and report.audit.stored_twice == 0
    stored = Path(tmp_path / "sink.jsonl").read_text().splitlines()
    assert len(stored) == 300
