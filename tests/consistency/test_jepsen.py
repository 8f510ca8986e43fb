"""Tests of the Jepsen log parser (otlpkb.consistency.jepsen).

External check: the shipped logs (porcupine's test data, from Jepsen's etcd runs) are
re-counted here with plain string operations, independently of the parser, following the
event semantics of Jepsen (``:fail`` did not happen, ``:info`` is indeterminate) and of
the dataset's README.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from otlpkb import datasets
from otlpkb.consistency import History, parse_jepsen_log

LOGS = sorted(datasets.path("jepsen/verdicts.txt").parent.glob("etcd_*.log"))
VERDICT_LINES = datasets.path("jepsen/verdicts.txt").read_text().splitlines()


def test_every_shipped_log_has_exactly_one_verdict():
    """The shipped logs and verdicts.txt list the same histories (porcupine skips 095)."""
    numbers = [int(line.split()[0]) for line in VERDICT_LINES]
    assert numbers == sorted(set(numbers))
    assert len(LOGS) == len(VERDICT_LINES)
    assert [int(log.stem.removeprefix("etcd_")) for log in LOGS] == numbers


def _fields(line: str) -> tuple[int, str, str, str]:
    _, _, rest = line.partition(" - ")
    parts = rest.split()
    return int(parts[0]), parts[1], parts[2], " ".join(parts[3:])


@pytest.mark.parametrize("log", LOGS, ids=lambda p: p.name)
def test_counts_match_an_independent_tally(log: Path):
    lines = [_fields(line) for line in log.read_text().splitlines() if line.strip()]
    invokes = sum(1 for _, t, _, _ in lines if t == ":invoke")
    fails = sum(1 for _, t, _, v in lines if t == ":fail" and v != ":timed-out")
    infos = sum(1 for _, t, _, _ in lines if t == ":info")
    # a ":fail ... :timed-out" (etcd_100-102 have them) never returned: pending, like :info
    timed_out = sum(1 for _, t, _, v in lines if t == ":fail" and v == ":timed-out")
    completions = sum(1 for _, t, _, _ in lines if t != ":invoke")
    failed_cas = sum(1 for _, t, f, _ in lines if t == ":fail" and f == ":cas")
    reads = sum(1 for _, t, f, _ in lines if t == ":ok" and f == ":read")

    h = parse_jepsen_log(log)
    assert len(h) == invokes - fails
    assert sum(op.pending for op in h) == infos + timed_out + (invokes - completions)
    assert sum(op.kind == "read" and not op.pending for op in h) == reads
    observed = parse_jepsen_log(log, failed_cas="observe")
    assert len(observed) == len(h) + failed_cas
    assert sum(not op.succeeded for op in observed) == failed_cas
    # times are line numbers; every operation's call is an :invoke line of its process
    text = log.read_text().splitlines()
    for op in h:
        proc, etype, f, _ = _fields(text[int(op.call) - 1])
        assert (proc, etype, f) == (op.process, ":invoke", ":" + op.kind)


def test_path_str_and_text_give_the_same_history():
    log = LOGS[0]
    assert parse_jepsen_log(log) == parse_jepsen_log(str(log)) == parse_jepsen_log(log.read_text())


def test_first_events_of_etcd_000():
    """The opening lines of etcd_000.log, read by eye."""
    h = parse_jepsen_log(LOGS[0])
    first = [(op.process, op.kind, op.value, op.call, op.ret) for op in h[:5]]
    assert first == [
        (0, "read", None, 1, 7),
        (3, "read", None, 2, 6),
        (2, "write", 4, 3, 10),
        (1, "write", 2, 4, 9),
        (4, "write", 3, 5, 8),
    ]
    cas = next(op for op in h if op.kind == "cas")
    assert (cas.process, cas.expected, cas.value, cas.succeeded) == (2, 3, 0, True)


SAMPLE = """INFO  jepsen.util - 0	:invoke	:write	1
INFO  jepsen.util - 0	:ok	:write	1
INFO  jepsen.util - 1	:invoke	:read	nil
INFO  jepsen.util - 1	:fail	:read	:timed-out
INFO  jepsen.util - 1	:invoke	:cas	[1 2]
INFO  jepsen.util - 1	:fail	:cas	[1 2]
INFO  jepsen.util - 2	:invoke	:write	3
INFO  jepsen.util - 2	:fail	:write	3
INFO  jepsen.util - 3	:invoke	:write	4
INFO  jepsen.util - 3	:info	:write	:timed-out

INFO  jepsen.util - 4	:invoke	:read	nil
INFO  jepsen.util - 4	:ok	:read	-7
INFO  jepsen.util - 5	:invoke	:cas	[nil 5]
"""


def test_event_semantics():
    h = parse_jepsen_log(SAMPLE)
    described = [op.describe() for op in h]
    assert described == [
        "p0 write(1)",
        "p1 read() (pending)",  # :fail :read :timed-out: never returned
        "p3 write(4) (pending)",  # :info: indeterminate
        "p4 read()->-7",
        "p5 cas(None->5) (pending)",  # no completion at all
    ]
    assert h[0].call == 1 and h[0].ret == 2 and math.isinf(h[1].ret)
    observed = parse_jepsen_log(SAMPLE, failed_cas="observe")
    assert [op.describe() for op in observed][2] == "p1 cas(1->2) fails"
    assert isinstance(h, History)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            "INFO  jepsen.util - 0\t:invoke\t:write\t1\ngarbage here\n",
            r"line 2: not a Jepsen event: 'garbage here'",
        ),
        ("INFO  jepsen.util - 0\t:invoke\t:frobnicate\t1\n", r"line 1: not a Jepsen event"),
        ("INFO  jepsen.util - 0\t:invoke\t:write\tabc\n", r"line 1: not a value: 'abc'"),
        ("INFO  jepsen.util - 0\t:invoke\t:cas\t[1]\n", r"line 1: cas needs \[expected new\]"),
        ("INFO  jepsen.util - 0\t:ok\t:write\t1\n", r"line 1: process 0 completes nothing"),
        (
            "INFO  jepsen.util - 0\t:invoke\t:write\t1\n"
            "INFO  jepsen.util - 0\t:invoke\t:read\tnil\n",
            r"line 2: process 0 invokes while its operation from line 1 is still open",
        ),
        (
            "INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:read\t1\n",
            r"line 2: read completes a write from line 1",
        ),
        (
            "INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:write\t2\n",
            r"line 2: completion value does not match the invocation on line 1",
        ),
        ("INFO  jepsen.util - 0\t:invoke\t:write\t:x\n", r"line 1: write invoked without a value"),
    ],
)
def test_malformed_lines_name_line_and_content(text, match):
    with pytest.raises(ValueError, match=match):
        parse_jepsen_log(text)


def test_bad_arguments():
    with pytest.raises(TypeError, match=r"source must be a path or the log's text"):
        parse_jepsen_log(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"failed_cas must be 'drop' or 'observe', got 'keep'"):
        parse_jepsen_log(SAMPLE, failed_cas="keep")  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError):
        parse_jepsen_log("/nonexistent/etcd.log")
    assert len(parse_jepsen_log("")) == 0
