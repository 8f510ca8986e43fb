"""Exceptions of the recovery primitives.

See the chapter *Recovery strategies* (2.3).

Examples:
    >>> err = CorruptLogError("/var/lib/wal/00000000000000000000.seg", 20, "payload checksum")
    >>> err.offset
    20
    >>> isinstance(err, ValueError)
    True
"""

from __future__ import annotations

__all__ = ["CorruptCheckpointError", "CorruptLogError"]


class CorruptLogError(ValueError):
    """A write-ahead log record failed its checks somewhere other than a torn tail.

    Attributes:
        segment: Path of the segment file that holds the bad bytes.
        offset: Byte offset of the bad record (or header) inside ``segment``.
        reason: What check failed.
    """

    def __init__(self, segment: str, offset: int, reason: str) -> None:
        super().__init__(
            f"corrupt write-ahead log: {reason} in segment {segment} at offset {offset}"
        )
        self.segment = segment
        self.offset = offset
        self.reason = reason


class CorruptCheckpointError(ValueError):
    """A checkpoint file is damaged: bad magic, short, or a checksum mismatch.

    Attributes:
        path: The checkpoint file.
        reason: What check failed.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"corrupt checkpoint {path}: {reason}")
        self.path = path
        self.reason = reason
