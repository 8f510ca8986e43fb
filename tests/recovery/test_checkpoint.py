"""Tests of otlpkb.recovery.checkpoint: atomic replace, checksum, crash and fault injection.

External checks: the CRC32C in the header is google-crc32c's (itself checked against
RFC 3720 in test_wal.py); the crash test kills a real writer process with SIGKILL at random
moments (POSIX rename(2) atomicity is the property under test).
"""

from __future__ import annotations

import errno
import importlib.util
import os
import random
import struct
from pathlib import Path

import google_crc32c
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb.recovery import CorruptCheckpointError
from otlpkb.recovery import checkpoint as ckmod
from otlpkb.recovery.checkpoint import (
    CHECKPOINT_HEADER_SIZE,
    read_checkpoint,
    remove_stale_temporaries,
    write_checkpoint,
)

WRITER = Path(__file__).with_name("crash_writer.py")
_spec = importlib.util.spec_from_file_location("crash_writer_ck", WRITER)
assert _spec is not None and _spec.loader is not None
crash_writer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(crash_writer)


def test_roundtrip_and_overwrite(tmp_path):
    path = tmp_path / "state.ckpt"
    write_checkpoint(path, b"first")
    assert read_checkpoint(path) == b"first"
    write_checkpoint(str(path), b"")
    assert read_checkpoint(path) == b""
    write_checkpoint(path, bytearray(b"third"))
    assert read_checkpoint(path) == b"third"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.ckpt"]  # no temporaries left


def test_file_layout(tmp_path):
    path = tmp_path / "c"
    write_checkpoint(path, b"payload")
    raw = path.read_bytes()
    magic, version, reserved, length, crc = struct.unpack_from("<4sB3sQI", raw)
    assert (magic, version, reserved, length) == (b"OKCP", 1, bytes(3), 7)
    assert crc == google_crc32c.value(b"payload")
    assert raw[CHECKPOINT_HEADER_SIZE:] == b"payload"


@settings(max_examples=30, deadline=None)
@given(data=st.binary(max_size=2000))
def test_roundtrip_property(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("ck") / "c"
    write_checkpoint(path, data, fsync=False)
    assert read_checkpoint(path) == data


def put(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)  # in place: no ext4 flush-on-close
    try:
        os.write(fd, data)
        os.ftruncate(fd, len(data))
    finally:
        os.close(fd)


def test_every_truncation_and_bit_flip_is_detected(tmp_path):
    path = tmp_path / "c"
    write_checkpoint(path, b"read_index=1234;write_index=5678")
    good = path.read_bytes()
    detected = 0
    for cut in range(len(good)):
        put(path, good[:cut])
        with pytest.raises(CorruptCheckpointError) as info:
            read_checkpoint(path)
        assert info.value.path == str(path)
        detected += 1
    for offset in range(len(good)):
        for bit in range(8):
            damaged = bytearray(good)
            damaged[offset] ^= 1 << bit
            put(path, bytes(damaged))
            with pytest.raises(CorruptCheckpointError):
                read_checkpoint(path)
            detected += 1
    assert detected == len(good) * 9


def _enospc_on_first_write(monkeypatch):
    real_write = os.write

    def fake_write(fd, data):
        real_write(fd, bytes(data[:5]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(ckmod.os, "write", fake_write)


def test_disk_full_keeps_old_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "c"
    write_checkpoint(path, b"old")
    _enospc_on_first_write(monkeypatch)
    with pytest.raises(OSError) as info:
        write_checkpoint(path, b"new" * 100)
    assert info.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert read_checkpoint(path) == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"]
    write_checkpoint(path, b"new")  # usable afterwards
    assert read_checkpoint(path) == b"new"


def test_failed_rename_keeps_old_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "c"
    write_checkpoint(path, b"old")

    def bad_replace(src, dst):
        raise OSError(errno.EIO, "I/O error", str(src))

    monkeypatch.setattr(ckmod.os, "replace", bad_replace)
    with pytest.raises(OSError, match="I/O error"):
        write_checkpoint(path, b"new")
    monkeypatch.undo()
    assert read_checkpoint(path) == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"]


def test_bad_input(tmp_path):
    with pytest.raises(IsADirectoryError) as info:
        write_checkpoint(tmp_path, b"x")
    assert info.value.filename == str(tmp_path)
    with pytest.raises(IsADirectoryError):
        read_checkpoint(tmp_path)
    with pytest.raises(TypeError, match="data"):
        write_checkpoint(tmp_path / "c", "text")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="path"):
        write_checkpoint(3, b"x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="path"):
        read_checkpoint(None)  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError):
        read_checkpoint(tmp_path / "missing")
    with pytest.raises(FileNotFoundError):
        write_checkpoint(tmp_path / "no" / "dir" / "c", b"x")
    assert list(tmp_path.iterdir()) == []


def test_remove_stale_temporaries(tmp_path):
    path = tmp_path / "c"
    write_checkpoint(path, b"keep")
    (tmp_path / ".c.1.aaaa.tmp").write_bytes(b"half")
    (tmp_path / ".other.1.aaaa.tmp").write_bytes(b"not ours")
    assert remove_stale_temporaries(path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.1.aaaa.tmp", "c"]
    assert read_checkpoint(path) == b"keep"


@pytest.mark.slow
def test_sigkill_during_checkpoints(tmp_path):
    """A writer replaces a checkpoint in a loop and is killed at random moments.

    After every kill the checkpoint reads back intact (never half-written) and is at least
    as new as the last one the writer acknowledged.
    """
    rng = random.Random("checkpoint-crash")
    path = tmp_path / "state.ckpt"
    zygote = crash_writer.Zygote(tmp_path)
    last_ack = -1
    try:
        for _ in range(30 * SCALE):
            lines = zygote.run_and_kill(tmp_path / "ack", ["checkpoint", str(path)], rng)
            for line in lines:
                if line.startswith("ready"):
                    assert int(line.split()[1]) >= last_ack
                else:
                    last_ack = max(last_ack, int(line))
            if last_ack < 0 and not path.exists():
                continue
            data = read_checkpoint(path)
            counter = int(data.split(b"|")[0])
            assert counter >= last_ack
            assert data == crash_writer.checkpoint_body(counter)
    finally:
        zygote.close()
    assert last_ack >= 0
    remove_stale_temporaries(path)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
