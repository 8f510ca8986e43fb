"""Atomic, checksummed checkpoint files.

A checkpoint replaces a whole file at once: the new contents go to a temporary file in the
same directory, which is synced, renamed over the old file with `os.replace` (atomic on
POSIX), and then the directory is synced so the rename itself is durable. A reader sees the
old checkpoint or the new one, never a mixture. The file carries a header with a CRC32C of
the contents, so a damaged checkpoint is detected instead of trusted.

File layout (little-endian)::

    [magic b"OKCP"][version u8][3 reserved bytes][length u64][CRC32C u32][data]

See the chapter *Recovery strategies* (2.3).

Examples:
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "queue.ckpt")
    >>> write_checkpoint(path, b'{"read_index": 42}')
    >>> read_checkpoint(path)
    b'{"read_index": 42}'
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import struct
from pathlib import Path

import google_crc32c

from otlpkb.recovery.errors import CorruptCheckpointError

__all__ = [
    "CHECKPOINT_HEADER_SIZE",
    "read_checkpoint",
    "remove_stale_temporaries",
    "write_checkpoint",
]

_MAGIC = b"OKCP"
_VERSION = 1
_HEADER = struct.Struct("<4sB3sQI")
CHECKPOINT_HEADER_SIZE = 20  #: bytes before the data
assert _HEADER.size == CHECKPOINT_HEADER_SIZE


def _as_path(path: object) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    return Path(os.fspath(path))


def write_checkpoint(path: str | os.PathLike[str], data: bytes, *, fsync: bool = True) -> None:
    """Atomically replace the checkpoint at ``path`` with ``data``.

    Args:
        path: The checkpoint file; its directory must exist.
        data: The checkpoint's contents.
        fsync: Sync the temporary file and the directory (turn off only in tests of speed).

    Raises:
        TypeError: ``path`` or ``data`` has the wrong type.
        IsADirectoryError: ``path`` is a directory.
        OSError: Writing failed; the old checkpoint is untouched and no temporary file is
            left behind.
    """
    target = _as_path(path)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    payload = bytes(data)
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, "checkpoint path is a directory", str(target))
    directory = target.parent
    header = _HEADER.pack(_MAGIC, _VERSION, bytes(3), len(payload), google_crc32c.value(payload))
    # --8<-- [start:write]
    tmp = directory / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        try:
            view = memoryview(header + payload)
            while view:
                view = view[os.write(fd, view) :]
            if fsync:
                os.fsync(fd)  # 1. the new contents are durable under the temporary name
        finally:
            os.close(fd)
        os.replace(tmp, target)  # 2. atomic switch: readers see old or new, never a mix
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if fsync:  # 3. the rename itself is durable
        dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    # --8<-- [end:write]


def read_checkpoint(path: str | os.PathLike[str]) -> bytes:
    """Read and verify the checkpoint at ``path``.

    Args:
        path: The checkpoint file.

    Returns:
        The data given to the last completed `write_checkpoint`.

    Raises:
        FileNotFoundError: There is no checkpoint yet.
        CorruptCheckpointError: Bad magic or version, wrong length, or checksum mismatch.
    """
    target = _as_path(path)
    raw = target.read_bytes()
    if len(raw) < CHECKPOINT_HEADER_SIZE:
        raise CorruptCheckpointError(str(target), f"short header ({len(raw)} bytes)")
    magic, version, reserved, length, crc = _HEADER.unpack_from(raw)
    if magic != _MAGIC or version != _VERSION or reserved != bytes(3):
        raise CorruptCheckpointError(str(target), "bad magic, version or reserved bytes")
    data = raw[CHECKPOINT_HEADER_SIZE:]
    if len(data) != length:
        raise CorruptCheckpointError(str(target), f"length {len(data)} != recorded {length}")
    if google_crc32c.value(data) != crc:
        raise CorruptCheckpointError(str(target), "checksum mismatch")
    return data


def remove_stale_temporaries(path: str | os.PathLike[str]) -> int:
    """Delete temporary files that crashed writers of checkpoint ``path`` left behind.

    Call it at start-up, before any writer runs: a writer that is still running would lose
    its temporary file.

    Args:
        path: The checkpoint file (which itself is kept).

    Returns:
        The number of files removed.

    Examples:
        >>> import tempfile, os
        >>> d = tempfile.mkdtemp()
        >>> open(os.path.join(d, ".state.ckpt.123.abcd0123.tmp"), "wb").close()
        >>> remove_stale_temporaries(os.path.join(d, "state.ckpt"))
        1
    """
    target = _as_path(path)
    prefix = f".{target.name}."
    removed = 0
    for entry in os.scandir(target.parent):
        if entry.name.startswith(prefix) and entry.name.endswith(".tmp") and entry.is_file():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)
                removed += 1
    return removed
