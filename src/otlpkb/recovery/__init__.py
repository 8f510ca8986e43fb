"""Recovery strategies: write-ahead log, atomic checkpoints, sagas and idempotency keys.

Modules:

* `otlpkb.recovery.wal` — a segmented write-ahead log with CRC32C framing, fsync
  policies and torn-tail recovery.
* `otlpkb.recovery.checkpoint` — atomic checkpoint files (temporary file, fsync,
  rename, directory fsync) with a checksum.
* `otlpkb.recovery.saga` — orchestrated sagas with compensations and a persisted log.
* `otlpkb.recovery.idempotency` — idempotency keys and a bounded dedupe window.

See the chapter *Recovery strategies* (2.3).

Examples:
    >>> from otlpkb.recovery import CorruptLogError
    >>> issubclass(CorruptLogError, ValueError)
    True
"""

from otlpkb.recovery.errors import CorruptCheckpointError, CorruptLogError

__all__ = ["CorruptCheckpointError", "CorruptLogError"]
