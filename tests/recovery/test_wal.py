"""Tests of otlpkb.recovery.wal: framing, policies, recovery, fault injection, bad input.

External checks: google-crc32c against the CRC32C test vectors of RFC 3720 (iSCSI),
appendix B.4, and the standard check value of the CRC catalogue ("123456789" -> 0xE3069283);
fault injection at every byte offset of a small log (the torn-write model of the chapter).
"""

from __future__ import annotations

import errno
import os
import struct

import google_crc32c
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otlpkb.recovery import CorruptLogError
from otlpkb.recovery import wal as walmod
from otlpkb.recovery.wal import (
    RECORD_HEADER_SIZE,
    SEGMENT_HEADER_SIZE,
    WriteAheadLog,
    encode_record,
)

# ---------------------------------------------------------------- CRC32C (external check)

# RFC 3720, Appendix B.4 "CRC Examples" (iSCSI): CRC32C of 32-byte buffers and of a
# READ command PDU. The RFC lists the CRC as the bytes sent on the wire (little-endian);
# e.g. "32 bytes of zeroes: CRC: aa 36 91 8a" is the integer 0x8A9136AA.
RFC3720_VECTORS = [
    (bytes(32), 0x8A9136AA),
    (b"\xff" * 32, 0x62A8AB43),
    (bytes(range(32)), 0x46DD794E),
    (bytes(range(31, -1, -1)), 0x113FDB5C),
    (
        bytes.fromhex(
            "01c00000000000000000000000000000"
            "14000000000004000000001400000018"
            "28000000000000000200000000000000"
        ),
        0xD9963A56,
    ),
    # Catalogue of parametrised CRC algorithms (Greg Cook), CRC-32/ISCSI check value.
    (b"123456789", 0xE3069283),
]


@pytest.mark.parametrize(("data", "expected"), RFC3720_VECTORS)
def test_crc32c_matches_rfc3720_vectors(data, expected):
    assert google_crc32c.value(data) == expected


def test_record_frame_layout():
    frame = encode_record(5, b"hello")
    length, payload_crc, header_crc = struct.unpack_from("<III", frame)
    assert length == 5
    assert payload_crc == google_crc32c.value(b"hello")
    assert header_crc == google_crc32c.value(struct.pack("<QII", 5, 5, payload_crc))
    assert frame[RECORD_HEADER_SIZE:] == b"hello"
    assert encode_record(6, b"hello") != frame  # the sequence number is bound in


# ---------------------------------------------------------------- basic behaviour


def test_append_replay_reopen(tmp_path):
    path = tmp_path / "wal"
    with WriteAheadLog.open(path) as log:
        assert log.next_seq == 0
        seqs = [log.append(f"r{i}".encode()) for i in range(10)]
        assert seqs == list(range(10))
        assert len(log) == 10
    with WriteAheadLog.open(path) as log:
        assert log.last_recovery.records == 10
        assert log.last_recovery.torn_bytes == 0
        assert list(log.replay()) == [(i, f"r{i}".encode()) for i in range(10)]
        assert [s for s, _ in log.replay(7)] == [7, 8, 9]
        assert log.append(b"more") == 10


def test_empty_record_and_bytes_like(tmp_path):
    with WriteAheadLog.open(tmp_path / "w") as log:
        log.append(b"")
        log.append(bytearray(b"ab"))
        log.append(memoryview(b"cd"))
        assert [p for _, p in log.replay()] == [b"", b"ab", b"cd"]


def test_rotation_and_truncate_before(tmp_path):
    with WriteAheadLog.open(tmp_path / "w", segment_size=200) as log:
        for i in range(30):
            log.append(bytes([i]) * 50)
        n_segments = len(log.segments)
        assert n_segments == 15  # 20 + 2 * 62 fits in 200 bytes, 20 + 3 * 62 does not
        removed = log.truncate_before(13)
        assert removed == 6  # segments starting at 0, 2, ..., 10; 12-13 holds record 13
        assert log.first_seq == 12
        assert [s for s, _ in log.replay()] == list(range(12, 30))
    with WriteAheadLog.open(tmp_path / "w", segment_size=200) as log:
        assert log.first_seq == 12
        assert [s for s, _ in log.replay(0)] == list(range(12, 30))
        assert log.append(b"x") == 30


def test_segments_hold_several_records(tmp_path):
    with WriteAheadLog.open(tmp_path / "w", segment_size=1000) as log:
        for _ in range(40):
            log.append(b"z" * 88)  # 100-byte frames: 9 per 1000-byte segment (20 + 900)
        assert len(log.segments) == 5
        for seg in log.segments[:-1]:
            assert seg.stat().st_size == 920
        assert log.truncate_before(log.next_seq) == 4  # the active segment stays


def test_large_record_gets_its_own_segment(tmp_path):
    with WriteAheadLog.open(tmp_path / "w", segment_size=100, max_record_size=1000) as log:
        log.append(b"a")
        log.append(b"b" * 500)
        log.append(b"c")
        assert len(log.segments) == 3
        assert [p for _, p in log.replay()] == [b"a", b"b" * 500, b"c"]


@settings(max_examples=40, deadline=None)
@given(
    payloads=st.lists(st.binary(max_size=300), max_size=40),
    segment_size=st.integers(min_value=32, max_value=2000),
    cut=st.integers(min_value=0, max_value=45),
)
def test_roundtrip_property(tmp_path_factory, payloads, segment_size, cut):
    path = tmp_path_factory.mktemp("wal") / "w"
    with WriteAheadLog.open(path, fsync="never", segment_size=segment_size) as log:
        for p in payloads:
            log.append(p)
        cut = min(cut, log.next_seq)
        log.truncate_before(cut)
    with WriteAheadLog.open(path, fsync="never", segment_size=segment_size) as log:
        got = list(log.replay())
        # Everything from `cut` on is kept, in order, intact; a prefix before it may remain.
        assert got == list(enumerate(payloads))[log.first_seq :]
        assert log.first_seq <= cut
        assert list(log.replay(cut)) == list(enumerate(payloads))[cut:]


def test_batch_policy_syncs_by_count_and_time(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(walmod, "_sync_data", lambda fd: calls.append(fd))
    now = [0.0]
    log = WriteAheadLog.open(
        tmp_path / "w",
        fsync="batch",
        batch_records=4,
        batch_interval=10.0,
        clock=lambda: now[0],
    )
    base = len(calls)  # the segment header of the new log is synced once
    for _ in range(8):
        log.append(b"x")
    assert len(calls) - base == 2  # after records 4 and 8
    log.append(b"y")
    assert len(calls) - base == 2
    now[0] = 10.0
    log.append(b"z")  # the interval has passed
    assert len(calls) - base == 3
    log.append(b"w")
    log.close()  # close syncs the pending record
    assert len(calls) - base == 4


def test_always_policy_syncs_every_append(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(walmod, "_sync_data", lambda fd: calls.append(fd))
    with WriteAheadLog.open(tmp_path / "w", fsync="always") as log:
        base = len(calls)
        for _ in range(5):
            log.append(b"x")
        assert len(calls) - base == 5


def test_never_policy_never_syncs_records(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(walmod, "_sync_data", lambda fd: calls.append(fd))
    with WriteAheadLog.open(tmp_path / "w", fsync="never") as log:
        for _ in range(5):
            log.append(b"x")
    assert calls == []


def test_second_open_is_refused(tmp_path):
    with WriteAheadLog.open(tmp_path / "w"), pytest.raises(BlockingIOError, match="already open"):
        WriteAheadLog.open(tmp_path / "w")
    WriteAheadLog.open(tmp_path / "w").close()  # released on close


# ---------------------------------------------------------------- fault injection


def _build_small_log(path):
    # three segments; the last one holds several records (golf, h, india, "")
    payloads = [
        b"alpha",
        b"",
        b"bravo-charlie" * 3,
        b"d",
        b"echo" * 10,
        b"foxtrot",
        b"golf",
        b"h",
        b"india",
        b"",
    ]
    with WriteAheadLog.open(path, segment_size=110) as log:
        for p in payloads:
            log.append(p)
        assert len(log.segments) == 3
    files = sorted(p for p in path.iterdir() if p.suffix == ".seg")
    assert len(_record_spans(files[-1].read_bytes(), int(files[-1].stem))) >= 3
    return payloads, files, {f: f.read_bytes() for f in files}


def _record_spans(data, first_seq):
    """(start, end, seq) of each record in a pristine segment image."""
    spans, offset, seq = [], SEGMENT_HEADER_SIZE, first_seq
    while offset < len(data):
        (length,) = struct.unpack_from("<I", data, offset)
        spans.append((offset, offset + RECORD_HEADER_SIZE + length, seq))
        offset += RECORD_HEADER_SIZE + length
        seq += 1
    return spans


def put(path, data):
    """Overwrite in place: ext4 flushes a file truncated to zero on close (auto_da_alloc),
    which would make thousands of rewrites slow."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        os.write(fd, data)
        os.ftruncate(fd, len(data))
    finally:
        os.close(fd)


def _restore(path, pristine):
    for f in path.iterdir():
        if f.suffix == ".seg" and f not in pristine:
            f.unlink()
    for f, data in pristine.items():
        put(f, data)


def test_truncation_at_every_offset(tmp_path):
    """Crash model: a write that stopped after any number of bytes.

    Cutting the LAST segment anywhere recovers exactly the records that were complete; cutting
    an earlier segment is corruption (the next segment would start after a gap).
    """
    path = tmp_path / "w"
    payloads, files, pristine = _build_small_log(path)
    cases = torn = corrupt = 0
    for index, f in enumerate(files):
        data = pristine[f]
        first_seq = int(f.stem)
        spans = _record_spans(data, first_seq)
        for cut in range(len(data)):
            _restore(path, pristine)
            put(f, data[:cut])
            cases += 1
            if index < len(files) - 1:
                with pytest.raises(CorruptLogError) as info:
                    WriteAheadLog.open(path, fsync="never").close()
                # a cut inside a record is reported there; a cut at a record boundary shows
                # up as a sequence gap at the start of the next segment
                assert info.value.segment in {str(f), str(files[index + 1])}
                corrupt += 1
                continue
            with WriteAheadLog.open(path, fsync="never") as log:
                got = list(log.replay())
                complete = [s for s in spans if s[1] <= cut]
                expected_n = first_seq + len(complete)
                assert got == list(enumerate(payloads))[:expected_n]
                if cut < SEGMENT_HEADER_SIZE:
                    assert log.last_recovery.removed_segments == 1
                elif (complete and complete[-1][1] == cut) or cut == SEGMENT_HEADER_SIZE:
                    assert log.last_recovery.torn_bytes == 0
                else:
                    assert log.last_recovery.torn_bytes > 0
                    torn += 1
                # the log is usable afterwards and the new record follows without a gap
                assert log.append(b"after") == expected_n
            with WriteAheadLog.open(path, fsync="never") as log:
                assert list(log.replay())[-1] == (expected_n, b"after")
    assert cases == sum(len(d) for d in pristine.values())
    assert torn > 0 and corrupt > 0


def test_bit_flip_at_every_offset(tmp_path):
    """The exact outcome of a flipped bit at every offset, decided when the log is opened.

    A flip in the last record of the last segment is a torn write: open cuts exactly that
    record and the rest replays intact. A flip anywhere else makes open itself raise
    `CorruptLogError` naming the segment and the start of the damaged record (0 for the
    segment header). Open and replay are checked separately, so a scan that skipped the
    payload CRC (and left the damage for replay to find) fails here.
    """
    path = tmp_path / "w"
    payloads, files, pristine = _build_small_log(path)
    last_file = files[-1]
    outcomes = {"corrupt": 0, "torn": 0}
    for f in files:
        data = pristine[f]
        spans = _record_spans(data, int(f.stem))
        for offset in range(len(data)):
            _restore(path, pristine)
            damaged = bytearray(data)
            damaged[offset] ^= 1 << (offset % 8)
            put(f, bytes(damaged))
            record_start = next((a for a, b, _ in spans if a <= offset < b), 0)
            torn = f == last_file and record_start == spans[-1][0]
            if not torn:
                with pytest.raises(CorruptLogError) as info:
                    WriteAheadLog.open(path, fsync="never").close()
                assert (info.value.segment, info.value.offset) == (str(f), record_start)
                outcomes["corrupt"] += 1
                continue
            with WriteAheadLog.open(path, fsync="never") as log:
                report = log.last_recovery
                assert report.torn_bytes == len(data) - record_start, offset
                assert report.records == len(payloads) - 1
                assert f.stat().st_size == record_start
            with WriteAheadLog.open(path, fsync="never") as log:
                assert log.last_recovery.torn_bytes == 0
                assert list(log.replay()) == list(enumerate(payloads))[:-1]
            outcomes["torn"] += 1
    assert outcomes["torn"] == RECORD_HEADER_SIZE + len(payloads[-1])
    assert outcomes["corrupt"] == sum(len(d) for d in pristine.values()) - outcomes["torn"]


@pytest.mark.parametrize("fsync", ["never", "always"])
def test_damaged_last_payload_is_cut_at_open_not_appended_after(tmp_path, fsync):
    """Issue 18.2: a bit flip in the payload of the last record is cut off when the log is
    opened. A scan that checked only the header CRC would keep the record, append after
    it, and leave a log that can never be opened again."""
    path = tmp_path / "w"
    with WriteAheadLog.open(path, fsync=fsync) as log:
        log.append(b"first")
        log.append(b"second record")
        seg = log.segments[-1]
    data = bytearray(seg.read_bytes())
    data[-3] ^= 0x10  # inside the payload of "second record"
    seg.write_bytes(bytes(data))
    with WriteAheadLog.open(path, fsync=fsync) as log:
        assert log.last_recovery.torn_bytes == RECORD_HEADER_SIZE + len(b"second record")
        assert log.append(b"after") == 1
    with WriteAheadLog.open(path, fsync=fsync) as log:
        assert list(log.replay()) == [(0, b"first"), (1, b"after")]


def test_zero_filled_tail_is_torn(tmp_path):
    """After a power failure a file can end in zeros (size extended, data not written)."""
    path = tmp_path / "w"
    with WriteAheadLog.open(path) as log:
        log.append(b"one")
        log.append(b"two")
        seg = log.segments[-1]
    good = seg.read_bytes()
    seg.write_bytes(good + bytes(4096))
    with WriteAheadLog.open(path) as log:
        assert log.last_recovery.torn_bytes == 4096
        assert [p for _, p in log.replay()] == [b"one", b"two"]
    assert seg.read_bytes() == good


def test_corruption_after_open_is_detected_on_replay(tmp_path):
    path = tmp_path / "w"
    with WriteAheadLog.open(path) as log:
        log.append(b"one")
        log.append(b"two")
        seg = log.segments[0]
        data = bytearray(seg.read_bytes())
        data[SEGMENT_HEADER_SIZE + RECORD_HEADER_SIZE] ^= 0x10  # inside b"one"
        seg.write_bytes(bytes(data))
        with pytest.raises(CorruptLogError, match="payload checksum"):
            list(log.replay())


def test_sequence_gap_between_segments_is_corrupt(tmp_path):
    path = tmp_path / "w"
    with WriteAheadLog.open(path, segment_size=40) as log:
        for _ in range(3):
            log.append(b"x" * 8)
        middle = log.segments[1]
    middle.unlink()
    with pytest.raises(CorruptLogError, match="sequence gap"):
        WriteAheadLog.open(path)


# ---------------------------------------------------------------- full disk, failing fsync


def _fail_nth_write(monkeypatch, n, partial):
    real_write = os.write
    count = [0]

    def fake_write(fd, data):
        count[0] += 1
        if count[0] == n:
            if partial:
                real_write(fd, bytes(data[: len(data) // 2]))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(walmod.os, "write", fake_write)


@pytest.mark.parametrize("partial", [False, True])
def test_disk_full_loses_nothing_acknowledged(tmp_path, monkeypatch, partial):
    path = tmp_path / "w"
    log = WriteAheadLog.open(path)
    for i in range(5):
        log.append(f"ok{i}".encode())
    _fail_nth_write(monkeypatch, 1, partial)
    with pytest.raises(OSError) as info:
        log.append(b"x" * 100)
    assert info.value.errno == errno.ENOSPC
    assert info.value.filename == str(log.segments[-1])
    monkeypatch.undo()
    assert log.append(b"after") == 5  # no sequence number was burnt
    log.close()
    with WriteAheadLog.open(path) as log:
        assert log.last_recovery.torn_bytes == 0  # the partial frame had been cut off
        assert [p for _, p in log.replay()] == [b"ok0", b"ok1", b"ok2", b"ok3", b"ok4", b"after"]


def test_disk_full_while_rotating_keeps_old_segment(tmp_path, monkeypatch):
    path = tmp_path / "w"
    log = WriteAheadLog.open(path, segment_size=60)
    log.append(b"a" * 20)
    _fail_nth_write(monkeypatch, 1, partial=False)  # the new segment's header write
    with pytest.raises(OSError, match="creating a segment failed"):
        log.append(b"b" * 20)
    monkeypatch.undo()
    assert len(log.segments) == 1
    assert log.append(b"c" * 20) == 1
    log.close()
    with WriteAheadLog.open(path) as log:
        assert [p for _, p in log.replay()] == [b"a" * 20, b"c" * 20]


def test_failed_fsync_poisons_the_log(tmp_path, monkeypatch):
    path = tmp_path / "w"
    log = WriteAheadLog.open(path)
    log.append(b"a")

    def bad_sync(fd):
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(walmod, "_sync_data", bad_sync)
    with pytest.raises(OSError, match="I/O error"):
        log.append(b"b")
    monkeypatch.undo()
    with pytest.raises(OSError, match="reopen it"):
        log.append(b"c")
    log.close()
    with WriteAheadLog.open(path) as log:  # whatever reached the file is recovered, intact
        assert [p for _, p in log.replay()] == [b"a", b"b"]


# ---------------------------------------------------------------- bad input


def test_path_is_a_file(tmp_path):
    f = tmp_path / "file"
    f.write_bytes(b"not a log")
    with pytest.raises(NotADirectoryError) as info:
        WriteAheadLog.open(f)
    assert info.value.filename == str(f)
    assert f.read_bytes() == b"not a log"


def test_parent_missing(tmp_path):
    with pytest.raises(FileNotFoundError):
        WriteAheadLog.open(tmp_path / "missing" / "wal")


def test_segment_name_taken_by_a_directory(tmp_path):
    path = tmp_path / "w"
    with WriteAheadLog.open(path) as log:
        log.append(b"a")
    (path / f"{1:020d}.seg").mkdir()  # not a file: ignored by the scan ...
    with WriteAheadLog.open(path) as log:
        assert [p for _, p in log.replay()] == [b"a"]


@pytest.mark.parametrize(
    ("kwargs", "exc", "word"),
    [
        ({"fsync": "sometimes"}, ValueError, "fsync"),
        ({"segment_size": 10}, ValueError, "segment_size"),
        ({"segment_size": 1.5}, TypeError, "segment_size"),
        ({"max_record_size": -1}, ValueError, "max_record_size"),
        ({"max_record_size": 2**32}, ValueError, "max_record_size"),
        ({"batch_records": 0}, ValueError, "batch_records"),
        ({"batch_interval": -1.0}, ValueError, "batch_interval"),
        ({"batch_interval": "1"}, TypeError, "batch_interval"),
        ({"clock": 3}, TypeError, "clock"),
    ],
)
def test_bad_options(tmp_path, kwargs, exc, word):
    with pytest.raises(exc, match=word):
        WriteAheadLog.open(tmp_path / "w", **kwargs)
    assert not (tmp_path / "w").exists()


def test_bad_path_type():
    with pytest.raises(TypeError, match="path"):
        WriteAheadLog.open(42)  # type: ignore[arg-type]


def test_constructor_is_private(tmp_path):
    with pytest.raises(TypeError, match=r"WriteAheadLog\.open"):
        WriteAheadLog()
    with pytest.raises(TypeError):
        WriteAheadLog(tmp_path)  # type: ignore[call-arg]
    assert not any(tmp_path.iterdir())


def test_bad_records_and_arguments(tmp_path):
    path = tmp_path / "w"
    with WriteAheadLog.open(path, max_record_size=10) as log:
        log.append(b"keep")
        with pytest.raises(TypeError, match="data"):
            log.append("text")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="max_record_size=10"):
            log.append(b"x" * 11)
        log.append(b"x" * 10)
        with pytest.raises(ValueError, match="start"):
            list(log.replay(-1))
        with pytest.raises(ValueError, match="seq must be at most next_seq=2"):
            log.truncate_before(3)
        with pytest.raises(TypeError, match="seq"):
            log.truncate_before("1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="closed"):
        log.append(b"late")
    with WriteAheadLog.open(path) as log:
        assert [p for _, p in log.replay()] == [b"keep", b"x" * 10]


def test_reopen_with_smaller_limit_keeps_larger_records(tmp_path):
    path = tmp_path / "w"
    with WriteAheadLog.open(path, max_record_size=1000) as log:
        log.append(b"y" * 500)
    with WriteAheadLog.open(path, max_record_size=10) as log:
        assert [p for _, p in log.replay()] == [b"y" * 500]


# ---------------------------------------------------------------- issue 9.16-9.18


@pytest.mark.parametrize("fsync", ["never", "batch", "always"])
def test_truncate_before_forgets_deleted_segments(tmp_path, fsync):
    """Issue 9.16: with fsync="never" the deleted segments stayed in the in-memory list
    and replay() raised FileNotFoundError."""
    with WriteAheadLog.open(tmp_path / "w", fsync=fsync, segment_size=200) as log:
        for i in range(30):
            log.append(bytes([i]) * 50)
        assert log.truncate_before(13) == 6
        assert log.first_seq == 12 and len(log) == 18
        assert all(seg.exists() for seg in log.segments)
        assert [s for s, _ in log.replay()] == list(range(12, 30))
        assert log.truncate_before(13) == 0


def test_lock_survives_deleting_files_next_to_the_segments(tmp_path):
    """Issue 9.17: deleting the LOCK file let a second writer in, and two records got the
    same sequence number. The lock is on the directory, which cannot be unlinked while
    it holds segments."""
    path = tmp_path / "w"
    with WriteAheadLog.open(path) as log:
        log.append(b"one")
        for f in path.iterdir():
            if f.suffix != ".seg":
                f.unlink()
        with pytest.raises(BlockingIOError, match="already open"):
            WriteAheadLog.open(path)
        assert log.append(b"two") == 1
    with WriteAheadLog.open(path) as log:  # released on close
        assert [p for _, p in log.replay()] == [b"one", b"two"]


def _in_child(fn):
    """Run ``fn`` in a real forked child; return what it reported (a short string)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, never return into pytest
        os.close(read_end)
        try:
            result = fn()
        except BaseException as exc:
            result = f"{type(exc).__name__}: {exc}"
        os.write(write_end, str(result).encode()[:4000])
        os._exit(0)
    os.close(write_end)
    chunks = []
    while chunk := os.read(read_end, 4096):
        chunks.append(chunk)
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    return b"".join(chunks).decode()


def test_forked_child_cannot_use_the_parents_log(tmp_path):
    """Issue 9.17: a child created by fork() inherits the flock with the descriptors, so
    without a check it could append next to its parent with the same sequence numbers."""
    path = tmp_path / "w"
    with WriteAheadLog.open(path) as log:
        log.append(b"parent")
        assert _in_child(lambda: log.append(b"child")).startswith("RuntimeError")
        assert _in_child(lambda: list(log.replay())).startswith("RuntimeError")
        assert _in_child(lambda: log.truncate_before(0)).startswith("RuntimeError")
        assert _in_child(lambda: log.sync()).startswith("RuntimeError")
        # the child cannot open its own while the parent holds the log ...
        assert _in_child(lambda: WriteAheadLog.open(path)).startswith("BlockingIOError")
        # ... and its close() leaves the parent's lock and files alone
        assert _in_child(log.close) == "None"
        assert log.append(b"parent again") == 1
        with pytest.raises(BlockingIOError):
            WriteAheadLog.open(path)
    with WriteAheadLog.open(path) as log:
        assert list(log.replay()) == [(0, b"parent"), (1, b"parent again")]


def _scalar_follows(buf, failed_at, next_seq):
    """The definition, one offset at a time (the implementation before issue 9.18)."""
    if buf.count(0, failed_at) == len(buf) - failed_at:
        return False
    return any(
        walmod._header_ok(buf, offset, seq) is not None
        for offset in range(failed_at + 1, len(buf) - RECORD_HEADER_SIZE + 1)
        for seq in (next_seq, next_seq + 1)
    )


@settings(max_examples=60, deadline=None)
@given(
    noise=st.binary(min_size=0, max_size=300),
    plant=st.one_of(st.none(), st.integers(0, 300)),
    seq=st.integers(0, 2**40),
    which=st.sampled_from([0, 1, 2]),
    failed_at=st.integers(0, 50),
)
def test_vectorised_follow_check_matches_the_definition(noise, plant, seq, which, failed_at):
    buf = bytearray(noise)
    if plant is not None:  # a valid header for seq, seq + 1 or seq + 2 somewhere
        frame = encode_record(seq + which, b"xyz")
        at = min(plant, len(buf))
        buf[at:at] = frame
    buf = bytes(buf)
    failed_at = min(failed_at, len(buf))
    assert walmod._valid_record_follows(buf, failed_at, seq) == _scalar_follows(buf, failed_at, seq)


def test_torn_tail_recovery_is_linear(tmp_path, monkeypatch):
    """Issue 9.18: a crash in the middle of a large record left a torn tail that open
    checksummed offset by offset, twice (about 2 s per MiB). The work must not grow with
    the size of the tail: count the CRC32C calls of a recovery."""
    path = tmp_path / "w"
    with WriteAheadLog.open(path, fsync="never", max_record_size=1 << 22) as log:
        log.append(b"small")
        log.append(os.urandom(1 << 21))  # 2 MiB of noise: no accidental zero tail
        seg = log.segments[-1]
    full = seg.stat().st_size
    os.truncate(seg, full - (1 << 20))  # the crash: half the big record is missing
    getattr(walmod, "_crc_tables", lambda: None)()  # tables: built once per process
    calls = []
    real = google_crc32c.value

    class Counting:
        @staticmethod
        def value(data):
            calls.append(len(data))
            return real(data)

    monkeypatch.setattr(walmod, "google_crc32c", Counting)
    with WriteAheadLog.open(path, fsync="never", max_record_size=1 << 22) as log:
        assert log.last_recovery.torn_bytes == full - (1 << 20) - (SEGMENT_HEADER_SIZE + 17)
        assert list(log.replay()) == [(0, b"small")]
    assert len(calls) < 20, len(calls)  # was about 2 per byte of the tail


def test_unsynced_counts_what_a_power_failure_could_lose(tmp_path):
    """Issue 9.5: at 1,000 records/s with batch_interval = 50 ms the time rule syncs every
    50 records, so at most 50 records are unsynced (not the 63 that batch_records allows),
    and they stay unsynced after the writer stops until sync() or close()."""
    now = [0.0]
    log = WriteAheadLog.open(
        tmp_path / "w",
        fsync="batch",
        batch_records=64,
        batch_interval=0.05,
        clock=lambda: now[0],
    )
    highest = 0
    for i in range(1, 1001):
        now[0] = i / 1000  # exact 1 ms steps (i / 1000 is the nearest double)
        log.append(b"r")
        highest = max(highest, log.unsynced)
    assert highest == 50
    assert 0 < log.unsynced <= 50
    now[0] += 10.0  # idle: no append, so no sync
    assert log.unsynced > 0
    log.sync()
    assert log.unsynced == 0
    log.close()


# ---------------------------------------------------------------- edges the mutants found


def _segment_image(first_seq, payloads):
    return walmod._encode_segment_header(first_seq) + b"".join(
        encode_record(first_seq + k, p) for k, p in enumerate(payloads)
    )


def test_scan_names_each_kind_of_damage():
    image = _segment_image(3, [b"abc", b"defg"])
    second = SEGMENT_HEADER_SIZE + RECORD_HEADER_SIZE + 3  # where record 4 starts
    scan = walmod._scan_records(image, 3)
    assert (scan.records, scan.good_end, scan.failure) == (2, len(image), None)
    # a record header cut after 5 of its 12 bytes
    scan = walmod._scan_records(image[: second + 5], 3)
    assert (scan.records, scan.good_end, scan.failure) == (
        1,
        second,
        (second, "short record header"),
    )
    # a whole header whose checksum does not match (a bit of its length flipped)
    bad = bytearray(image)
    bad[second] ^= 0x01
    scan = walmod._scan_records(bytes(bad), 3)
    assert scan.failure == (second, "record header checksum mismatch")
    # a good header whose payload is cut short, then one whose payload is damaged
    scan = walmod._scan_records(image[:-1], 3)
    assert scan.failure == (second, "short record payload")
    bad = bytearray(image)
    bad[-1] ^= 0x01
    scan = walmod._scan_records(bytes(bad), 3)
    assert scan.failure == (second, "payload checksum mismatch")


def test_reason_of_corruption_in_an_earlier_segment(tmp_path):
    path = tmp_path / "w"
    with WriteAheadLog.open(path, segment_size=60) as log:
        for i in range(3):
            log.append(bytes([i]) * 20)  # one 32-byte frame per segment
        first = log.segments[0]
    data = bytearray(first.read_bytes())
    data[SEGMENT_HEADER_SIZE + RECORD_HEADER_SIZE] ^= 0x80  # inside record 0's payload
    put(first, bytes(data))
    with pytest.raises(CorruptLogError) as info:
        WriteAheadLog.open(path)
    assert (info.value.reason, info.value.offset) == ("payload checksum mismatch", 20)
    data[SEGMENT_HEADER_SIZE + RECORD_HEADER_SIZE] ^= 0x80
    data[SEGMENT_HEADER_SIZE + 4] ^= 0x80  # the payload CRC field: the header check fails
    put(first, bytes(data))
    with pytest.raises(CorruptLogError) as info:
        WriteAheadLog.open(path)
    assert (info.value.reason, info.value.offset) == ("record header checksum mismatch", 20)


def test_max_record_size_may_be_the_largest_u32(tmp_path):
    # the u32 length field holds 2**32 - 1: that limit is allowed, one more is not
    WriteAheadLog.open(tmp_path / "a", max_record_size=2**32 - 1).close()
    with pytest.raises(ValueError, match=r"(?<!\w)max_record_size(?!\w)"):
        WriteAheadLog.open(tmp_path / "b", max_record_size=2**32)


def test_never_policy_does_not_sync_a_repaired_tail(tmp_path, monkeypatch):
    path = tmp_path / "w"
    with WriteAheadLog.open(path, fsync="never") as log:
        log.append(b"one")
        seg = log.segments[-1]
    with seg.open("ab") as f:
        f.write(encode_record(1, b"two")[:7])  # a torn append
    synced = []
    monkeypatch.setattr(walmod, "_fsync_file", lambda p: synced.append(("file", p)))
    monkeypatch.setattr(walmod, "_fsync_dir", lambda p: synced.append(("dir", p)))
    with WriteAheadLog.open(path, fsync="never") as log:
        assert log.last_recovery.torn_bytes == 7
    assert synced == []
    with seg.open("ab") as f:
        f.write(encode_record(1, b"two")[:7])
    with WriteAheadLog.open(path, fsync="batch") as log:  # the other policies do sync it
        assert log.last_recovery.torn_bytes == 7
    assert synced == [("file", seg), ("dir", path)]


def test_rotation_leaves_only_the_new_record_unsynced(tmp_path):
    # rotation syncs the old segment, so after the append that rotated only that record
    # could be lost to a power failure
    with WriteAheadLog.open(
        tmp_path / "w", fsync="batch", segment_size=60, batch_records=100, batch_interval=1e9
    ) as log:
        log.append(b"a" * 20)
        assert log.unsynced == 1
        log.append(b"b" * 20)  # 20 + 2 * 32 > 60: a new segment
        assert len(log.segments) == 2
        assert log.unsynced == 1


def test_replay_from_a_later_segment_does_not_read_earlier_ones(tmp_path):
    with WriteAheadLog.open(tmp_path / "w", segment_size=60) as log:
        for i in range(3):
            log.append(bytes([i]) * 20)
        first = log.segments[0]
        data = bytearray(first.read_bytes())
        data[-1] ^= 0xFF  # damage record 0 after the open
        put(first, bytes(data))
        assert list(log.replay(1)) == [(1, b"\x01" * 20), (2, b"\x02" * 20)]
        with pytest.raises(CorruptLogError):
            list(log.replay(0))


def test_replay_reports_a_damaged_record_header(tmp_path):
    with WriteAheadLog.open(tmp_path / "w") as log:
        log.append(b"one")
        log.append(b"two")
        seg = log.segments[0]
        data = bytearray(seg.read_bytes())
        data[SEGMENT_HEADER_SIZE + 8] ^= 0x01  # record 0's header checksum
        put(seg, bytes(data))
        with pytest.raises(CorruptLogError, match="record header damaged") as info:
            list(log.replay())
        assert info.value.offset == SEGMENT_HEADER_SIZE


def test_truncate_before_the_first_record_of_a_segment(tmp_path):
    # segments start at 0, 1, 2 (one record each): records >= 1 live in segments 1 and 2,
    # so segment 0 goes, and truncating before 2 removes segment 1 too
    with WriteAheadLog.open(tmp_path / "w", segment_size=60) as log:
        for i in range(3):
            log.append(bytes([i]) * 20)
        assert log.truncate_before(1) == 1
        assert log.first_seq == 1
        assert log.truncate_before(2) == 1
        assert [s for s, _ in log.replay()] == [2]


def test_a_size_past_the_format_s_limit_says_the_limit(tmp_path):
    # The record header stores the size in 32 bits: the message gives both bounds.
    with pytest.raises(ValueError) as info:
        WriteAheadLog.open(tmp_path / "w", max_record_size=2**32)
    assert str(info.value) == (
        f"max_record_size must be at least 0 and at most {2**32 - 1}, got {2**32}"
    )
