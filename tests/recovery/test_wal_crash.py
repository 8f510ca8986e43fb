"""Crash tests, for real: a writer process is SIGKILLed at random moments, many times.

The chapter's external check: no reference implementation is needed, the oracle is the
writer's own acknowledgement stream. A separate process (tests/recovery/crash_writer.py,
running the installed package) appends records whose payload is a pure function of the
sequence number and prints "<seq> <hash>" after each ``append`` returns. The test kills it
with SIGKILL after a random short delay, reopens the log and checks that

* every acknowledged record is present and intact (same bytes, same hash), and
* every record present is exactly the payload of its sequence number: the unacknowledged
  tail may be present or absent but never garbage, and sequence numbers have no gaps.

SIGKILL does not lose the page cache, so this tests the process-crash model for every fsync
policy; torn writes of a power failure are simulated byte by byte in test_wal.py.
Scale with OTLPKB_TEST_SCALE (default: 3 policies x 60 kills, plus 3 of a fresh interpreter).
"""

from __future__ import annotations

import functools
import importlib.util
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kbtest import SCALE
from otlpkb.recovery.wal import WriteAheadLog

WRITER = Path(__file__).with_name("crash_writer.py")
_spec = importlib.util.spec_from_file_location("crash_writer", WRITER)
assert _spec is not None and _spec.loader is not None
crash_writer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(crash_writer)


@pytest.fixture
def zygote(tmp_path):
    z = crash_writer.Zygote(tmp_path)
    yield z
    z.close()


def test_subprocess_writer_killed_directly(tmp_path):
    """A handful of kills of a freshly started interpreter (no zygote in between)."""
    rng = random.Random("direct")
    path = tmp_path / "wal"
    acknowledged: dict[int, str] = {}
    for _ in range(3 * SCALE):
        proc = subprocess.Popen(
            [sys.executable, str(WRITER), "-", "wal", str(path), "always", "4096"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith(b"ready")
        time.sleep(rng.uniform(0.0, 0.02))
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate()
        assert proc.returncode == -signal.SIGKILL, err.decode()
        for line in out.decode().split("\n")[:-1]:
            seq, digest = line.split()
            acknowledged[int(seq)] = digest
        check_log(path, acknowledged, "always", 4096)


def check_log(path, acknowledged, policy, segment_size, start=0):
    """Reopen (full recovery scan) and check records from ``start`` on; return the count."""
    with WriteAheadLog.open(path, fsync=policy, segment_size=segment_size) as log:
        records = list(log.replay(start))
        total = log.next_seq
    seqs = [s for s, _ in records]
    assert seqs == list(range(start, total)), "sequence numbers must have no gaps"
    for seq, data in records:
        assert crash_writer.digest(data) == expected_digest(seq), f"record {seq} is garbage"
    for seq, digest in acknowledged.items():
        assert seq < total, f"acknowledged record {seq} lost"
        if seq >= start:
            assert crash_writer.digest(records[seq - start][1]) == digest
    return total


@functools.cache
def expected_digest(seq):
    return crash_writer.digest(crash_writer.payload(seq))


@pytest.mark.slow
@pytest.mark.parametrize("policy", ["always", "batch", "never"])
def test_sigkill_never_loses_acknowledged_records(tmp_path, zygote, policy):
    rng = random.Random(f"wal-crash-{policy}")
    path = tmp_path / "wal"
    acknowledged: dict[int, str] = {}
    kills = 60 * SCALE
    segment_size = 16384  # rotate often, so kills also land around segment creation
    checked = 0
    for i in range(kills):
        lines = zygote.run_and_kill(
            tmp_path / "ack", ["wal", str(path), policy, str(segment_size)], rng
        )
        for line in lines:
            if line.startswith("ready"):
                # the writer's own recovery kept every acknowledged record
                assert int(line.split()[1]) >= len(acknowledged)
                continue
            seq, digest = line.split()
            acknowledged[int(seq)] = digest
        # every record is re-read after every 10th kill and at the end; in between, the
        # records written since the last full check (the open always scans them all)
        start = 0 if i % 10 == 9 else max(0, checked - 1)
        checked = check_log(path, acknowledged, policy, segment_size, start)
    check_log(path, acknowledged, policy, segment_size)
    assert acknowledged  # the writer made progress
