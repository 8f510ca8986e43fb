"""otlpkb.diagnosis.judge against the chapter 3 tools, trace piece by trace piece.

The reference for every count is what `assemble_traces`, `parent_cycles` and
`detect_clock_skew` say about each piece on its own (the per-trace judging `otlpkb inspect`
did before it judged in bulk); the pieces are random and dense in defects: repeated span
ids, missing and empty parents, self-parents and loops, empty services, every span kind.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb.diagnosis.judge import Row, codes, judge_pieces
from otlpkb.otlp import Span
from otlpkb.tracing.causality.clock_skew import detect_clock_skew
from otlpkb.tracing.cycles import parent_cycles
from otlpkb.tracing.traces import assemble_traces


def reference(trace_ids: list[str], pieces: list[list[Row]]) -> dict[str, object]:
    """The verdicts from the chapter 3 tools, one piece at a time."""
    out: dict[str, object] = dict.fromkeys(
        ("duplicates", "orphans", "multi_root", "rootless", "cycles", "skewed"), 0
    )
    spans_, duration, root = [], [], []
    for trace_id, rows in zip(trace_ids, pieces, strict=True):
        spans = [
            Span(trace_id, s, p, n, k, a, b, 0, service_name=v) for s, p, v, n, k, a, b in rows
        ]
        trace = assemble_traces(spans)[trace_id]
        out["duplicates"] += len(spans) - len(trace.spans)
        out["orphans"] += len(trace.orphans)
        out["multi_root"] += len(trace.roots) > 1
        out["rootless"] += not trace.roots
        out["cycles"] += len(parent_cycles(trace.spans)) if trace.unreachable else 0
        out["skewed"] += len(detect_clock_skew(trace.spans))
        spans_.append(len(trace.spans))
        start = min(s.start_time_unix_nano for s in trace.spans)
        duration.append(max(s.end_time_unix_nano for s in trace.spans) - start)
        r = trace.root
        root.append((r.service_name, r.name) if r is not None else None)
    return {**out, "spans": spans_, "duration": duration, "root": root}


def random_pieces(rnd: random.Random, n_pieces: int) -> tuple[list[str], list[list[Row]]]:
    ids = ["", "a", "b", "c", "d", "e", "f", "0000000000000001"]
    trace_ids, pieces = [], []
    for _ in range(n_pieces):
        trace_ids.append(rnd.choice(["t1", "t2", "t3", f"{rnd.getrandbits(128):032x}"]))
        rows = []
        for _ in range(rnd.randint(1, 9)):
            start = rnd.randint(0, 50)
            rows.append(
                (
                    rnd.choice(ids[1:] + [""] * (rnd.random() < 0.1)),
                    rnd.choice(ids),
                    rnd.choice(["front", "db", ""]),
                    rnd.choice(["GET", "SELECT"]),
                    rnd.randint(0, 5),
                    start,
                    start + rnd.randint(-3, 40),
                )
            )
        pieces.append(rows)
    return trace_ids, pieces


@settings(max_examples=60 * SCALE, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_pieces=st.integers(1, 40))
def test_bulk_verdicts_equal_the_chapter_3_tools_piece_by_piece(seed, n_pieces) -> None:
    trace_ids, pieces = random_pieces(random.Random(seed), n_pieces)
    found = judge_pieces(trace_ids, pieces)
    assert vars(found) == reference(trace_ids, pieces)


@pytest.mark.parametrize(
    ("rows", "what"),
    [
        ([("a", "a", "x", "n", 1, 0, 5)], "cycles"),  # its own parent
        ([("a", "b", "x", "n", 1, 0, 5), ("b", "a", "y", "n", 1, 0, 5)], "cycles"),
        ([("a", "", "x", "n", 3, 10, 20), ("b", "a", "y", "n", 2, 12, 25)], "skewed"),  # late
        ([("a", "", "x", "n", 1, 10, 20), ("b", "a", "x", "n", 1, 5, 8)], None),  # one clock
        ([("a", "", "", "n", 1, 10, 20), ("b", "a", "", "n", 1, 5, 8)], "skewed"),  # unknown
        ([("", "", "x", "n", 1, 0, 5), ("b", "", "y", "n", 1, 0, 5)], "multi_root"),
    ],
)
def test_hand_built_pieces(rows, what) -> None:
    found = vars(judge_pieces(["t"], [rows]))
    assert found == reference(["t"], [rows])
    counted = {k for k in ("cycles", "skewed", "multi_root") if found[k]}
    assert counted == ({what} if what else set())


def test_codes_are_shared_and_equal_exactly_for_equal_strings() -> None:
    a, b = codes(["x", "y", "x"], ["y", "", "z"])
    assert a.tolist()[0] == a.tolist()[2] != a.tolist()[1] == b.tolist()[0]
    assert len({*a.tolist(), *b.tolist()}) == 4
