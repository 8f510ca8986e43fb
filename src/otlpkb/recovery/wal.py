"""A segmented write-ahead log with CRC32C framing, fsync policies and torn-tail recovery.

The log is a directory of segment files named after the sequence number of their first
record (``00000000000000000000.seg``). Every segment starts with a 20-byte header and holds
records framed as::

    [length u32][payload CRC32C u32][header CRC32C u32][payload]

all little-endian. The header CRC covers ``(sequence number u64, length, payload CRC)``, so
a reader can trust the length before it reads the payload, and a record copied to the wrong
place fails its check. On open the log is scanned: a damaged record at the very end of the
last segment, with no valid record after it, is a *torn write* (a crash in the middle of an
append) and is cut off; damage anywhere else raises `CorruptLogError`
naming the segment and the offset. Bad bytes are never returned.

See the chapter *Recovery strategies* (2.3).

Examples:
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> with WriteAheadLog.open(os.path.join(d, "wal"), fsync="batch") as log:
    ...     log.append(b"span batch 1"), log.append(b"span batch 2")
    (0, 1)
    >>> with WriteAheadLog.open(os.path.join(d, "wal")) as log:
    ...     list(log.replay(start=1))
    [(1, b'span batch 2')]
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import os
import re
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Literal, get_args

import google_crc32c
import numpy as np
import numpy.typing as npt

from otlpkb.recovery.errors import CorruptLogError

__all__ = [
    "RECORD_HEADER_SIZE",
    "SEGMENT_HEADER_SIZE",
    "FsyncPolicy",
    "RecoveryReport",
    "WriteAheadLog",
    "encode_record",
]

FsyncPolicy = Literal["always", "batch", "never"]
_U32Array = npt.NDArray[np.uint32]

_MAGIC = b"OKWL"
_VERSION = 1
_SEG_HDR = struct.Struct("<4sHHQI")  # magic, version, reserved, first seq, CRC32C of the rest
_REC_HDR = struct.Struct("<III")  # length, payload CRC32C, header CRC32C
_REC_CHECK = struct.Struct("<QII")  # what the header CRC covers: seq, length, payload CRC
SEGMENT_HEADER_SIZE = 20  #: bytes of the header at the start of every segment
RECORD_HEADER_SIZE = 12  #: bytes of framing before every payload
assert (_SEG_HDR.size, _REC_HDR.size) == (SEGMENT_HEADER_SIZE, RECORD_HEADER_SIZE)
_MAX_U32 = 0xFFFFFFFF
_SEGMENT_NAME = re.compile(r"^(\d{20})\.seg$")
_sync_data: Callable[[int], None] = getattr(os, "fdatasync", os.fsync)


def encode_record(seq: int, payload: bytes) -> bytes:
    r"""Frame one record: ``[length][payload CRC32C][header CRC32C][payload]``.

    Args:
        seq: The record's sequence number (bound into the header checksum).
        payload: The record's bytes, at most 2**32 - 1 of them.

    Returns:
        The framed record, ready to append to a segment.

    Examples:
        >>> frame = encode_record(7, b"abc")
        >>> len(frame), frame[:4]
        (15, b'\x03\x00\x00\x00')
    """
    length = len(payload)
    if length > _MAX_U32:
        raise ValueError(f"payload must be at most {_MAX_U32} bytes, got {length}")
    # --8<-- [start:frame]
    payload_crc = google_crc32c.value(payload)
    header_crc = google_crc32c.value(_REC_CHECK.pack(seq, length, payload_crc))
    return _REC_HDR.pack(length, payload_crc, header_crc) + payload
    # --8<-- [end:frame]


def _header_ok(buf: bytes | memoryview, offset: int, seq: int) -> int | None:
    """Length of the record whose header starts at ``offset`` if the header checks, else None."""
    # --8<-- [start:header]
    if len(buf) - offset < RECORD_HEADER_SIZE:
        return None
    length, payload_crc, header_crc = _REC_HDR.unpack_from(buf, offset)
    if google_crc32c.value(_REC_CHECK.pack(seq, length, payload_crc)) != header_crc:
        return None
    return int(length)
    # --8<-- [end:header]


def _encode_segment_header(first_seq: int) -> bytes:
    body = struct.pack("<4sHHQ", _MAGIC, _VERSION, 0, first_seq)
    return body + struct.pack("<I", google_crc32c.value(body))


@dataclass(frozen=True)
class RecoveryReport:
    """What `WriteAheadLog.open` found and repaired.

    Attributes:
        segments: Number of segment files after recovery.
        records: Number of intact records found.
        torn_bytes: Bytes cut off the end of the last segment (a torn write).
        removed_segments: Last segments deleted because even their header was torn.
    """

    segments: int
    records: int
    torn_bytes: int
    removed_segments: int


@dataclass
class _Scan:
    """Result of scanning one segment image."""

    records: int
    good_end: int
    failure: tuple[int, str] | None


_BLOCK = 1 << 20  # header offsets tested per numpy pass


@functools.cache
def _crc_tables() -> _U32Array:
    """Tables that give a header's CRC32C from its bytes with four lookups.

    CRC32C is affine over GF(2): for 16-byte messages, crc(a ^ b) = crc(a) ^ crc(b) ^
    crc(0). Row k holds, for each 16-bit value v, the change that v at bytes 8 + 2k and
    9 + 2k makes to crc(0^16), so the CRC of ``seq || length || payload CRC`` is
    crc(seq || 0^8) xor the four rows' entries for the 8 bytes of length and payload CRC.
    """
    zero = google_crc32c.value(bytes(16))
    byte_rows = np.empty((8, 256), dtype=np.uint32)
    for j in range(8):
        for v in range(256):
            msg = bytearray(16)
            msg[8 + j] = v
            byte_rows[j, v] = google_crc32c.value(bytes(msg)) ^ zero
    v16 = np.arange(1 << 16)
    rows: _U32Array = np.stack(
        [byte_rows[2 * k][v16 & 0xFF] ^ byte_rows[2 * k + 1][v16 >> 8] for k in range(4)]
    )
    return rows


def _seq_crc_part(seq: int) -> int:
    """crc(seq || 0^8): the part of a header CRC that depends on the sequence number."""
    return int(google_crc32c.value(_REC_CHECK.pack(seq, 0, 0)))


def _header_crc_mismatch(data: npt.NDArray[np.uint8], lo: int, hi: int) -> _U32Array:
    """For each offset in [lo, hi): crc(0^8 || the 8 bytes at +0) xor the u32 at +8.

    It equals `_seq_crc_part(seq)` exactly where `_header_ok` accepts a header for seq.
    """
    rows = _crc_tables()
    part = data[lo : hi + RECORD_HEADER_SIZE - 1]
    pairs = part[:-1].astype(np.uint16) | (part[1:].astype(np.uint16) << np.uint16(8))
    n = hi - lo
    acc: _U32Array = rows[0][pairs[:n]]
    for k in range(1, 4):
        acc ^= rows[k][pairs[2 * k : 2 * k + n]]
    acc ^= pairs[8 : 8 + n].astype(np.uint32)
    acc ^= pairs[10 : 10 + n].astype(np.uint32) << np.uint32(16)
    return acc


def _scan_records(buf: bytes, first_seq: int) -> _Scan:
    """Walk the records of one segment image; stop at the first that fails a check."""
    # --8<-- [start:scan]
    offset, seq = SEGMENT_HEADER_SIZE, first_seq
    while offset < len(buf):
        length = _header_ok(buf, offset, seq)
        if length is None:
            reason = (
                "short record header"
                if len(buf) - offset < RECORD_HEADER_SIZE
                else ("record header checksum mismatch")
            )
            return _Scan(seq - first_seq, offset, (offset, reason))
        end = offset + RECORD_HEADER_SIZE + length
        if end > len(buf):
            return _Scan(seq - first_seq, offset, (offset, "short record payload"))
        payload_crc = struct.unpack_from("<I", buf, offset + 4)[0]
        if google_crc32c.value(buf[offset + RECORD_HEADER_SIZE : end]) != payload_crc:
            return _Scan(seq - first_seq, offset, (offset, "payload checksum mismatch"))
        offset, seq = end, seq + 1
    return _Scan(seq - first_seq, offset, None)
    # --8<-- [end:scan]


def _valid_record_follows(buf: bytes, failed_at: int, next_seq: int) -> bool:
    """Whether a record header for ``next_seq`` or ``next_seq + 1`` checks after ``failed_at``.

    A torn write is a prefix of the last record (possibly followed by zeros): nothing valid
    can come after it. If a valid header does follow, the damage is corruption in the middle.
    """
    # --8<-- [start:follows]
    if buf.count(0, failed_at) == len(buf) - failed_at:  # zeros to the end: a torn tail
        return False
    data = np.frombuffer(buf, dtype=np.uint8)
    wanted = [_seq_crc_part(seq) for seq in (next_seq, next_seq + 1)]
    last = len(buf) - RECORD_HEADER_SIZE  # the last offset where a whole header fits
    for lo in range(failed_at + 1, last + 1, _BLOCK):
        hi = min(lo + _BLOCK, last + 1)
        hit = _header_crc_mismatch(data, lo, hi)  # crc(0^8, length, crc) ^ stored crc
        if ((hit == wanted[0]) | (hit == wanted[1])).any():
            return True
    return False  # nothing valid after the damage: a torn write
    # --8<-- [end:follows]


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _check_int(name: str, value: object, minimum: int, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise ValueError(f"{name} must be at least {minimum}{upper}, got {value}")
    return value


class WriteAheadLog:
    """An append-only, segmented, checksummed log of byte records.

    Open it with `open`; do not call the constructor. One process may hold a log open at
    a time: an ``flock`` on the log's directory itself enforces it (a lock file could be
    deleted from under the lock, letting a second writer in). A child created by
    ``fork()`` inherits that lock with the open files, so the log refuses to be used in
    any process other than the one that opened it; the child opens its own (and waits for
    the parent to close). Methods are safe to call from several threads.

    Durability per ``fsync`` policy:

    * ``"always"``: every `append` ends with ``fdatasync`` (``fsync`` where that is
      missing); the record is durable when ``append`` returns.
    * ``"batch"``: the file is synced on the append that makes ``batch_records`` records
      unsynced, or on the first append at least ``batch_interval`` seconds after the last sync
      (checked at append time: there is no background thread, so call `sync` when the
      writer goes idle). Up to ``batch_records`` acknowledged records can be lost to a power
      failure; none to a process crash, since written bytes are in the page cache.
    * ``"never"``: the operating system writes pages back when it likes; a process crash
      loses nothing, a power failure can lose any unsynced suffix.

    Except under ``"never"``, segment creation, rotation, truncation and the repair of a torn
    tail also sync the directory (and the repaired file), so a new, removed or shortened
    segment file survives a power failure.

    Examples:
        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "wal")
        >>> log = WriteAheadLog.open(path, segment_size=64)
        >>> [log.append(bytes([i]) * 20) for i in range(3)]
        [0, 1, 2]
        >>> len(log.segments)  # 20-byte header + one 32-byte frame per 64-byte segment
        3
        >>> log.truncate_before(2)
        2
        >>> [seq for seq, _ in log.replay()]
        [2]
        >>> log.close()
    """

    def __init__(self) -> None:
        raise TypeError("use WriteAheadLog.open(path, ...) to open a log")

    def _setup(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._segments: list[int] = []
        self._fd = -1
        self._lock_fd = -1
        self._pid = os.getpid()
        self._offset = 0
        self._next_seq = 0
        self._unsynced = 0
        self._last_sync = 0.0
        self._closed = False
        self._failed: OSError | None = None
        self._fsync: FsyncPolicy = "always"
        self._segment_size = 0
        self._max_record_size = 0
        self._batch_records = 1
        self._batch_interval = 0.0
        self._clock: Callable[[], float] = time.monotonic
        self._report = RecoveryReport(0, 0, 0, 0)

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        fsync: FsyncPolicy = "always",
        segment_size: int = 64 * 1024 * 1024,
        max_record_size: int = 16 * 1024 * 1024,
        batch_records: int = 64,
        batch_interval: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
    ) -> WriteAheadLog:
        """Open (or create) the log in directory ``path`` and recover it.

        Args:
            path: Directory holding the segment files; created if missing (its parent must
                exist).
            fsync: ``"always"``, ``"batch"`` or ``"never"`` (see the class docstring).
            segment_size: Rotate to a new segment when the next frame would make the active
                one larger than this many bytes (a single larger record gets its own segment).
            max_record_size: Largest payload accepted by `append`, in bytes.
            batch_records: With ``fsync="batch"``, sync after this many unsynced records.
            batch_interval: With ``fsync="batch"``, sync on the first append this many seconds
                after the last sync.
            clock: Monotonic clock in seconds, injectable for tests.

        Returns:
            The open log; `last_recovery` says what recovery did.

        Raises:
            CorruptLogError: A record or segment header failed its checks other than at the
                torn tail of the last segment.
            NotADirectoryError: ``path`` exists and is not a directory.
            BlockingIOError: Another open log holds the directory's lock.
        """
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
        if fsync not in get_args(FsyncPolicy):
            raise ValueError(f"fsync must be one of 'always', 'batch', 'never', got {fsync!r}")
        min_segment = SEGMENT_HEADER_SIZE + RECORD_HEADER_SIZE
        _check_int("segment_size", segment_size, min_segment)
        _check_int("max_record_size", max_record_size, 0, _MAX_U32)
        _check_int("batch_records", batch_records, 1)
        if isinstance(batch_interval, bool) or not isinstance(batch_interval, (int, float)):
            raise TypeError(f"batch_interval must be a number, got {type(batch_interval).__name__}")
        if not batch_interval >= 0:
            raise ValueError(f"batch_interval must be non-negative, got {batch_interval}")
        if not callable(clock):
            raise TypeError(f"clock must be callable, got {type(clock).__name__}")
        log = cls.__new__(cls)
        log._setup(Path(os.fspath(path)))
        log._fsync = fsync
        log._segment_size = segment_size
        log._max_record_size = max_record_size
        log._batch_records = batch_records
        log._batch_interval = float(batch_interval)
        log._clock = clock
        log._open()
        return log

    def _open(self) -> None:
        path = self._path
        if path.exists() and not path.is_dir():
            raise NotADirectoryError(
                errno.ENOTDIR, "write-ahead log path is not a directory", str(path)
            )
        if not path.exists():
            path.mkdir()
            if self._fsync != "never":
                _fsync_dir(path.parent)
        self._lock_fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            self._lock_fd = -1
            raise BlockingIOError(
                errno.EWOULDBLOCK, "write-ahead log is already open", str(path)
            ) from None
        try:
            self._recover()
        except BaseException:
            self._release()
            raise
        self._last_sync = self._clock()

    def _recover(self) -> None:
        names = sorted(
            (int(m.group(1)), entry.name)
            for entry in os.scandir(self._path)
            if (m := _SEGMENT_NAME.match(entry.name)) and entry.is_file()
        )
        expected: int | None = None
        records = torn = removed = 0
        # --8<-- [start:recover]
        for index, (first_seq, name) in enumerate(names):
            last = index == len(names) - 1
            seg = self._path / name
            buf = seg.read_bytes()
            if expected is not None and first_seq != expected:
                raise CorruptLogError(str(seg), 0, f"sequence gap: expected {expected}")
            if len(buf) < SEGMENT_HEADER_SIZE and last:  # crashed creating the segment
                seg.unlink()
                removed += 1
                expected = first_seq
                break
            if _encode_segment_header(first_seq) != buf[:SEGMENT_HEADER_SIZE]:
                raise CorruptLogError(str(seg), 0, "bad segment header")
            scan = _scan_records(buf, first_seq)
            if scan.failure is not None:
                offset, reason = scan.failure
                failed_seq = first_seq + scan.records
                if not last or _valid_record_follows(buf, offset, failed_seq + 1):
                    raise CorruptLogError(str(seg), offset, reason)
                os.truncate(seg, offset)  # a torn write: cut it off
                if self._fsync != "never":
                    _fsync_file(seg)
                torn += len(buf) - offset
            records += scan.records
            expected = first_seq + scan.records
            self._segments.append(first_seq)
        # --8<-- [end:recover]
        if (torn or removed) and self._fsync != "never":
            _fsync_dir(self._path)
        if self._segments:
            seg = self._segment_path(self._segments[-1])
            self._fd = os.open(seg, os.O_WRONLY | os.O_APPEND)
            self._offset = os.fstat(self._fd).st_size
            self._next_seq = expected if expected is not None else 0
        else:
            self._next_seq = expected if expected is not None else 0
            self._create_segment(self._next_seq)
        self._report = RecoveryReport(len(self._segments), records, torn, removed)

    def _segment_path(self, first_seq: int) -> Path:
        return self._path / f"{first_seq:020d}.seg"

    def _create_segment(self, first_seq: int) -> None:
        seg = self._segment_path(first_seq)
        fd = os.open(seg, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
        try:
            self._write_all(fd, _encode_segment_header(first_seq), seg)
            if self._fsync != "never":
                _sync_data(fd)
        except OSError as exc:
            os.close(fd)
            with contextlib.suppress(OSError):
                seg.unlink()
            message = f"creating a segment failed: {exc.strerror}"
            raise OSError(exc.errno, message, str(seg)) from exc
        if self._fsync != "never":
            _fsync_dir(self._path)
        self._fd = fd
        self._offset = SEGMENT_HEADER_SIZE
        self._segments.append(first_seq)

    @staticmethod
    def _write_all(fd: int, data: bytes, seg: Path) -> None:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            if written <= 0:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(seg))
            view = view[written:]

    # ------------------------------------------------------------------ writing
    def append(self, data: bytes) -> int:
        """Append one record and return its sequence number.

        With ``fsync="always"`` the record is on stable storage when this returns. If the
        write fails (a full disk, for example) the partial frame is cut off again, the
        sequence number is not used, and the ``OSError`` is raised with the segment's path.

        Args:
            data: The record, ``bytes``-like, at most ``max_record_size`` bytes.

        Returns:
            The record's sequence number (0, 1, 2, ... without gaps).

        Raises:
            TypeError: ``data`` is not bytes-like.
            ValueError: ``data`` is longer than ``max_record_size``, or the log is closed.
            OSError: The write or the sync failed.
            RuntimeError: Called in a process forked after the log was opened.
        """
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data must be bytes, got {type(data).__name__}")
        payload = bytes(data)
        if len(payload) > self._max_record_size:
            raise ValueError(
                f"data must be at most max_record_size={self._max_record_size} bytes, "
                f"got {len(payload)}"
            )
        with self._lock:
            self._check_usable()
            # --8<-- [start:append]
            seq = self._next_seq
            frame = encode_record(seq, payload)
            if (
                self._offset + len(frame) > self._segment_size
                and self._offset > SEGMENT_HEADER_SIZE
            ):
                self._rotate()
            seg = self._segment_path(self._segments[-1])
            try:
                self._write_all(self._fd, frame, seg)
            except OSError as exc:
                self._undo_partial_write(seg)
                raise OSError(exc.errno, f"append failed: {exc.strerror}", str(seg)) from exc
            self._offset += len(frame)
            self._next_seq = seq + 1
            self._unsynced += 1
            if self._fsync == "always" or (
                self._fsync == "batch"
                and (
                    self._unsynced >= self._batch_records
                    or self._clock() - self._last_sync >= self._batch_interval
                )
            ):
                self._sync_locked()
            return seq
            # --8<-- [end:append]

    def _undo_partial_write(self, seg: Path) -> None:
        try:
            os.ftruncate(self._fd, self._offset)
        except OSError as exc:  # cannot restore a clean tail: refuse further writes
            self._failed = exc

    def _check_process(self) -> None:
        if os.getpid() != self._pid:
            raise RuntimeError(
                f"write-ahead log {self._path} was opened by process {self._pid}; a forked "
                "child must not use it (open the log again once the parent has closed it)"
            )

    def _check_usable(self) -> None:
        self._check_process()
        if self._closed:
            raise ValueError(f"write-ahead log {self._path} is closed")
        if self._failed is not None:
            raise OSError(
                errno.EIO,
                f"write-ahead log is unusable after an earlier failure "
                f"({self._failed}); reopen it to recover",
                str(self._path),
            )

    def _sync_locked(self) -> None:
        try:
            _sync_data(self._fd)
        except OSError as exc:
            # After a failed fsync the kernel may have dropped the dirty pages: retrying could
            # report success for lost data, so the log refuses further work until reopened.
            self._failed = exc
            raise
        self._unsynced = 0
        self._last_sync = self._clock()

    def sync(self) -> None:
        """Force every appended record to stable storage, whatever the policy."""
        with self._lock:
            self._check_usable()
            self._sync_locked()

    def _rotate(self) -> None:
        if self._fsync != "never":
            self._sync_locked()
        old_fd = self._fd
        self._create_segment(self._next_seq)  # on failure the old segment stays active
        os.close(old_fd)
        self._unsynced = 0

    # ------------------------------------------------------------------ reading
    def replay(self, start: int = 0) -> Iterator[tuple[int, bytes]]:
        """Yield ``(sequence number, payload)`` for every record from ``start`` on.

        Records are checked again as they are read; damage raises
        `CorruptLogError`. The replay stops at the records present
        when it was called. Records before `first_seq` are gone (see
        `truncate_before`); replay starts at the first one kept.

        Args:
            start: First sequence number wanted.
        """
        _check_int("start", start, 0)
        with self._lock:
            self._check_process()
            if self._closed:
                raise ValueError(f"write-ahead log {self._path} is closed")
            segments = list(self._segments)
            end_seq = self._next_seq
        return self._replay(segments, start, end_seq)

    def _replay(self, segments: list[int], start: int, end_seq: int) -> Iterator[tuple[int, bytes]]:
        for index, first_seq in enumerate(segments):
            upper = segments[index + 1] if index + 1 < len(segments) else end_seq
            if upper <= start:
                continue
            seg = self._segment_path(first_seq)
            buf = seg.read_bytes()
            if _encode_segment_header(first_seq) != buf[:SEGMENT_HEADER_SIZE]:
                raise CorruptLogError(str(seg), 0, "bad segment header")
            offset, seq = SEGMENT_HEADER_SIZE, first_seq
            while seq < upper:
                length = _header_ok(buf, offset, seq)
                if length is None or offset + RECORD_HEADER_SIZE + length > len(buf):
                    raise CorruptLogError(str(seg), offset, "record header damaged or short")
                end = offset + RECORD_HEADER_SIZE + length
                payload = buf[offset + RECORD_HEADER_SIZE : end]
                if google_crc32c.value(payload) != struct.unpack_from("<I", buf, offset + 4)[0]:
                    raise CorruptLogError(str(seg), offset, "payload checksum mismatch")
                if seq >= start:
                    yield seq, payload
                offset, seq = end, seq + 1

    # ------------------------------------------------------------------ maintenance
    def truncate_before(self, seq: int) -> int:
        """Delete whole segments whose records all precede ``seq``.

        Records ``>= seq`` are always kept; some records before ``seq`` may remain, in the
        segment that holds ``seq``. The active segment is never deleted.

        Args:
            seq: Sequence number of the first record that must be kept, at most
                `next_seq`.

        Returns:
            The number of segment files deleted.
        """
        _check_int("seq", seq, 0)
        with self._lock:
            self._check_usable()
            if seq > self._next_seq:
                raise ValueError(f"seq must be at most next_seq={self._next_seq}, got {seq}")
            doomed = [
                first
                for first, following in zip(self._segments, self._segments[1:], strict=False)
                if following <= seq
            ]
            for first in doomed:  # oldest first: a crash midway leaves a contiguous suffix
                self._segment_path(first).unlink()
            del self._segments[: len(doomed)]
            if doomed and self._fsync != "never":
                _fsync_dir(self._path)
            return len(doomed)

    def close(self) -> None:
        """Sync pending records (unless ``fsync="never"``), close files and release the lock."""
        with self._lock:
            if self._closed:
                return
            if os.getpid() != self._pid:  # a forked child: drop its copies, touch nothing
                self._closed = True
                self._release()
                return
            try:
                if self._fsync != "never" and self._unsynced and self._failed is None:
                    self._sync_locked()
            finally:
                self._closed = True
                self._release()

    def _release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        if self._lock_fd >= 0:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = -1

    def __enter__(self) -> WriteAheadLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ properties
    @property
    def path(self) -> Path:
        """The log's directory."""
        return self._path

    @property
    def fsync_policy(self) -> FsyncPolicy:
        """The fsync policy the log was opened with."""
        return self._fsync

    @property
    def next_seq(self) -> int:
        """Sequence number the next `append` will return."""
        return self._next_seq

    @property
    def unsynced(self) -> int:
        """Records appended since the last sync: what a power failure could lose now."""
        return self._unsynced

    @property
    def first_seq(self) -> int:
        """Sequence number of the oldest record still stored."""
        return self._segments[0] if self._segments else self._next_seq

    @property
    def segments(self) -> list[Path]:
        """Paths of the segment files, oldest first."""
        return [self._segment_path(s) for s in self._segments]

    @property
    def last_recovery(self) -> RecoveryReport:
        """What recovery found when the log was opened."""
        return self._report

    @property
    def closed(self) -> bool:
        """Whether `close` has been called."""
        return self._closed

    def __len__(self) -> int:
        return self._next_seq - self.first_seq
