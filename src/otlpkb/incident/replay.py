"""Data recovery after a crash: replay a persistent queue, deduplicate, find and fill gaps.

A Collector that acknowledges data before it has delivered it must keep the data
somewhere that survives a crash. This module builds that path from the recovery
primitives of chapter 2.3 and checks it with real processes killed mid-flight:

* `PersistentQueue` — the sending queue on disk: the write-ahead log
  (`otlpkb.recovery.wal`) holds the items, an atomic checkpoint
  (`otlpkb.recovery.checkpoint`) the cursor of the first item the back end has not
  acknowledged. After a crash `PersistentQueue.pending` replays from the cursor.
* `DedupSink` — a back end that records the idempotency key (chapter 2.3) of every item
  it stores and refuses a key it has seen, so replays and client retries land once.
* `run_pipeline` — one process of a pipeline stage: receive, log, acknowledge, export,
  advance the cursor; it can kill itself with ``SIGKILL`` after a given number of steps.
* `crash_and_recover` — runs `run_pipeline` in child processes that crash at the given
  steps, then once to the end, and audits the result with `audit_delivery`: every
  acknowledged item delivered, none stored twice, and the duplicates that were refused.
* `find_gaps` and `find_time_gaps` — gaps in received telemetry, by per-source sequence
  numbers or by timestamps; `backfill` fills them through the sink's deduplication.

See the chapter *Data recovery* (9.3): ../../operations/incident/data_recovery.md

Examples:
    >>> find_gaps([("a", 0), ("a", 1), ("a", 4), ("b", 0), ("b", 1)])
    [Gap(source='a', first=2, last=3)]
    >>> find_time_gaps([0.0, 10.0, 20.0, 50.0, 60.0], interval=10.0)
    [(20.0, 50.0)]
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import numpy as np

from otlpkb._checks import integer, positive, real_array
from otlpkb.recovery.checkpoint import (
    read_checkpoint,
    remove_stale_temporaries,
    write_checkpoint,
)
from otlpkb.recovery.idempotency import idempotency_key
from otlpkb.recovery.wal import RecoveryReport, WriteAheadLog

__all__ = [
    "CrashReport",
    "DedupSink",
    "DeliveryAudit",
    "Gap",
    "PersistentQueue",
    "audit_delivery",
    "backfill",
    "crash_and_recover",
    "find_gaps",
    "find_time_gaps",
    "run_pipeline",
]


class PersistentQueue:
    """A sending queue that survives crashes: a write-ahead log plus a cursor checkpoint.

    Args:
        directory: where the queue lives (``wal/`` and the ``cursor`` checkpoint);
            created if missing.

    Examples:
        >>> import tempfile
        >>> with PersistentQueue(tempfile.mkdtemp()) as q:
        ...     _ = q.put(b"batch 1"), q.put(b"batch 2")
        ...     q.ack(0)
        ...     [seq for seq, _ in q.pending()]
        [1]
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        root = Path(directory)
        root.mkdir(parents=True, exist_ok=True)
        cursor_path = root / "cursor"
        remove_stale_temporaries(cursor_path)  # a crash inside write_checkpoint
        log = WriteAheadLog.open(root / "wal", fsync="always")
        try:
            cursor = int.from_bytes(read_checkpoint(cursor_path), "little")
        except FileNotFoundError:
            cursor = 0
        self.directory: Path = root
        self.cursor: int = cursor
        self.recovery: RecoveryReport = log.last_recovery
        self.wal: WriteAheadLog = log

    def put(self, payload: bytes) -> int:
        """Append ``payload``; it is on stable storage when this returns its sequence number."""
        return self.wal.append(payload)

    def pending(self) -> Iterator[tuple[int, bytes]]:
        """Every item not yet acknowledged by the back end, oldest first."""
        return self.wal.replay(start=self.cursor)

    def ack(self, seq: int) -> None:
        """The back end has stored every item up to ``seq``: move the cursor past it."""
        s = integer("seq", seq, minimum=self.cursor)
        # --8<-- [start:ack]
        write_checkpoint(self.directory / "cursor", (s + 1).to_bytes(8, "little"))
        self.cursor = s + 1
        self.wal.truncate_before(self.cursor)  # whole segments only; replay skips the rest
        # --8<-- [end:ack]

    def close(self) -> None:
        """Close the log."""
        self.wal.close()

    def __enter__(self) -> PersistentQueue:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class DedupSink:
    """A back end that stores each idempotency key once (a JSON-lines file on disk).

    The keys already stored are read back when the sink opens, so deduplication survives
    restarts of the sink as well as of its senders.

    Args:
        path: the file of stored items, one ``{"key": ..., "payload": ...}`` a line.

    Examples:
        >>> import tempfile, os
        >>> sink = DedupSink(os.path.join(tempfile.mkdtemp(), "sink.jsonl"))
        >>> sink.deliver("a", b"x"), sink.deliver("a", b"x"), sink.duplicates
        (True, False, 1)
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        p = Path(path)
        _repair_tail(p)
        keys: set[str] = set()
        if p.exists():
            for line in p.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    keys.add(json.loads(line)["key"])
        self.path: Path = p
        self.keys: set[str] = keys
        self.duplicates: int = 0

    def deliver(self, key: str, payload: bytes) -> bool:
        """Store ``payload`` under ``key`` unless the key is stored; True if stored now."""
        if not isinstance(key, str) or not key:
            raise ValueError(f"key must be a non-empty str, got {key!r}")
        # --8<-- [start:deliver]
        if key in self.keys:
            self.duplicates += 1
            return False
        line = json.dumps({"key": key, "payload": payload.decode("latin-1")}) + "\n"
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())  # stored means durable: only then acknowledge
        self.keys.add(key)
        return True
        # --8<-- [end:deliver]


@dataclass(frozen=True)
class Gap:
    """Missing sequence numbers ``first..last`` (inclusive) of one source."""

    source: str
    first: int
    last: int

    @property
    def size(self) -> int:
        """How many items are missing."""
        return self.last - self.first + 1


def find_gaps(
    received: Iterable[tuple[str, int]], expected_last: dict[str, int] | None = None
) -> list[Gap]:
    """Gaps in per-source sequence numbers.

    Each source numbers its items 0, 1, 2, ...; a number missing between 0 and the
    largest one received (or ``expected_last[source]``, when the source reports how far
    it got) is a gap. Duplicates and order do not matter.

    Args:
        received: ``(source, sequence number)`` pairs as they arrived.
        expected_last: optionally, the last sequence number each source sent.

    Returns:
        The gaps, sorted by source and position.
    """
    seen: dict[str, set[int]] = {}
    for source, seq in received:
        seen.setdefault(str(source), set()).add(integer("sequence number", seq, minimum=0))
    for source, last in (expected_last or {}).items():
        seen.setdefault(source, set())
        integer("expected_last", last, minimum=0)
    gaps: list[Gap] = []
    for source in sorted(seen):
        got = np.array(sorted(seen[source]), dtype=np.int64)
        last = max((expected_last or {}).get(source, -1), int(got[-1]) if got.size else -1)
        # --8<-- [start:gaps]
        bounds = np.concatenate([[-1], got, [last + 1]])  # sentinels around 0..last
        holes = np.nonzero(np.diff(bounds) > 1)[0]
        gaps += [Gap(source, int(bounds[i]) + 1, int(bounds[i + 1]) - 1) for i in holes]
        # --8<-- [end:gaps]
    return gaps


def find_time_gaps(
    timestamps: Sequence[float] | np.ndarray, interval: float, tolerance: float = 1.5
) -> list[tuple[float, float]]:
    """Silences in a periodic stream: consecutive times more than ``tolerance * interval`` apart.

    For a source that reports every ``interval`` seconds (a metric scraped or exported
    periodically), returns ``(last seen before, first seen after)`` for every silence.

    Args:
        timestamps: arrival or data-point times of one source (any order).
        interval: the reporting interval (> 0).
        tolerance: how many intervals a gap must exceed (>= 1).
    """
    t = np.sort(real_array("timestamps", timestamps).ravel())
    step = positive("interval", interval)
    tol = positive("tolerance", tolerance)
    if tol < 1:
        raise ValueError(f"tolerance must be at least 1, got {tolerance!r}")
    # --8<-- [start:time_gaps]
    idx = np.nonzero(np.diff(t) > tol * step)[0]
    return [(float(t[i]), float(t[i + 1])) for i in idx]
    # --8<-- [end:time_gaps]


def backfill(
    gaps: Iterable[Gap], fetch: Callable[[str, int], bytes | None], sink: DedupSink
) -> tuple[int, int]:
    """Fill ``gaps`` from the sources' own buffers through the sink's deduplication.

    Args:
        gaps: what `find_gaps` found.
        fetch: ``fetch(source, seq)`` returns the item from the source's buffer (its
            persistent queue, a file exporter's output), or ``None`` if it is gone.
        sink: the deduplicating back end; keys are ``idempotency_key`` of
            ``client_id="source:seq"``.

    Returns:
        ``(filled, unrecoverable)``: items stored now, items the source no longer has.
    """
    filled = lost = 0
    for gap in gaps:
        for seq in range(gap.first, gap.last + 1):
            payload = fetch(gap.source, seq)
            if payload is None:
                lost += 1
            elif sink.deliver(_key(gap.source, seq), payload):
                filled += 1
    return filled, lost


def _key(source: str, seq: int) -> str:
    return idempotency_key(b"", client_id=f"{source}:{seq}", signal="traces")


@dataclass(frozen=True)
class DeliveryAudit:
    """Acknowledged items against stored ones.

    Attributes:
        acknowledged: distinct items the pipeline acknowledged to its client.
        stored: distinct items the back end holds.
        lost: acknowledged items the back end does not hold (must be 0).
        stored_twice: items the back end holds more than once (must be 0).
        duplicates_refused: deliveries the sink refused as duplicates (the replays).
    """

    acknowledged: int
    stored: int
    lost: int
    stored_twice: int
    duplicates_refused: int


def audit_delivery(
    acknowledged: Iterable[str], stored: Iterable[str], duplicates_refused: int = 0
) -> DeliveryAudit:
    """Compare the keys a client saw acknowledged with the keys a back end stored."""
    acked = set(acknowledged)
    counts = Counter(stored)
    return DeliveryAudit(
        acknowledged=len(acked),
        stored=len(counts),
        lost=len(acked - set(counts)),
        stored_twice=sum(1 for n in counts.values() if n > 1),
        duplicates_refused=integer("duplicates_refused", duplicates_refused, minimum=0),
    )


def run_pipeline(
    directory: str | os.PathLike[str],
    items: int,
    batch: int = 8,
    crash_after: int | None = None,
) -> int:
    """One run of a pipeline stage over the items ``0..items-1`` of source ``"svc"``.

    The client sends item ``i`` until it is acknowledged (it resumes after the last
    acknowledgement it saw, in ``acked.log``). The stage appends the item to its
    `PersistentQueue` and only then acknowledges it; every ``batch`` items, and at the
    end, it replays the queue from the cursor into a `DedupSink` (``sink.jsonl``) and
    advances the cursor. Each of these operations is a *step*; with ``crash_after=k``
    the process sends itself ``SIGKILL`` after step ``k``, leaving whatever the disk
    holds at that moment.

    Returns:
        The number of duplicate deliveries the sink refused in this run (every run also
        appends them to ``refused.log``).
    """
    root = Path(directory)
    n = integer("items", items, minimum=0)
    b = integer("batch", batch, minimum=1)
    limit = None if crash_after is None else integer("crash_after", crash_after, minimum=0)
    steps = 0

    def step() -> None:
        nonlocal steps
        steps += 1
        if limit is not None and steps >= limit:
            os.kill(os.getpid(), signal.SIGKILL)

    acked_path, refused_path = root / "acked.log", root / "refused.log"
    root.mkdir(parents=True, exist_ok=True)
    _repair_tail(acked_path)
    done = _lines(acked_path)
    start = int(done[-1]) + 1 if done else 0
    queue = PersistentQueue(root / "queue")
    sink = DedupSink(root / "sink.jsonl")

    def export() -> None:
        last = None
        # --8<-- [start:export]
        for seq, payload in queue.pending():
            source, number = payload.decode().split(":")
            if not sink.deliver(_key(source, int(number)), payload):
                _append(refused_path, f"{number}\n")
            step()  # a crash here: stored, cursor not moved -> replayed, refused
            last = seq
        if last is not None:
            queue.ack(last)
            step()
        # --8<-- [end:export]

    with queue:
        export()  # replay whatever a crash left behind
        for i in range(start, n):
            # --8<-- [start:receive]
            queue.put(f"svc:{i}".encode())
            step()  # a crash here: logged, not acknowledged -> the client resends
            _append(acked_path, f"{i}\n")  # the acknowledgement the client sees
            step()
            # --8<-- [end:receive]
            if (i + 1) % b == 0:
                export()
        export()
    return sink.duplicates


def _append(path: Path, line: str) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(line)
        f.flush()
        os.fsync(f.fileno())


def _lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").split("\n")
    return [ln for ln in lines[:-1] if ln.strip()]  # the last, unterminated line is torn


def _repair_tail(path: Path) -> None:
    """Cut an unterminated last line (a write torn by a crash) so appends start clean."""
    if path.exists():
        data = path.read_bytes()
        keep = data.rfind(b"\n") + 1
        if keep < len(data):
            with open(path, "r+b") as f:
                f.truncate(keep)
                os.fsync(f.fileno())


@dataclass(frozen=True)
class CrashReport:
    """What `crash_and_recover` saw.

    Attributes:
        crashes: runs that ended by ``SIGKILL``.
        audit: acknowledged against stored items after the final run.
        torn_bytes: bytes the write-ahead log cut off as torn tails on reopening.
    """

    crashes: int
    audit: DeliveryAudit
    torn_bytes: int


def crash_and_recover(
    directory: str | os.PathLike[str],
    items: int,
    crash_points: Sequence[int],
    batch: int = 8,
    python: str | None = None,
) -> CrashReport:
    """Run `run_pipeline` in child processes killed at ``crash_points``, then to the end.

    Each crash point starts a fresh process on the same directory that kills itself
    after that many steps of *its* run; a final process runs to completion. The audit
    then compares ``acked.log`` with ``sink.jsonl``.

    Args:
        directory: an empty directory for the queue, the sink and the client's log.
        items: items the client sends.
        crash_points: the step count at which each crashing run dies.
        batch: items between exports.
        python: the interpreter for the children (this one by default).

    Raises:
        RuntimeError: a child ended other than by ``SIGKILL`` where a crash was planned,
            or failed in the final run.
    """
    root = Path(directory)
    exe = python or sys.executable
    env = dict(os.environ)  # the children import this very copy of otlpkb
    src = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    crashes = torn = 0
    for point in [*crash_points, None]:
        code = (
            "from otlpkb.incident.replay import run_pipeline\n"
            f"run_pipeline({str(root)!r}, {items}, {batch}, {point!r})\n"
        )
        proc = subprocess.run(
            [exe, "-c", code], capture_output=True, text=True, check=False, env=env
        )
        if proc.returncode == -signal.SIGKILL:
            crashes += 1
        elif proc.returncode != 0 or point is not None:
            raise RuntimeError(
                f"pipeline run (crash_after={point!r}) ended with {proc.returncode}: "
                f"{proc.stderr[-800:]}"
            )
        with PersistentQueue(root / "queue") as q:  # recovers what the run left
            torn += q.recovery.torn_bytes
    acked = [_key("svc", int(i)) for i in _lines(root / "acked.log")]
    stored = [json.loads(ln)["key"] for ln in _lines(root / "sink.jsonl")]
    refused = len(_lines(root / "refused.log"))
    return CrashReport(crashes, audit_delivery(acked, stored, refused), torn)
