"""Benchmark of otlpkb.recovery.wal (chapter 2.3, Recovery strategies).

Append throughput (records/s and MB/s) of ``WriteAheadLog`` per fsync policy, in the same
run as:

* SQLite (stdlib ``sqlite3``) in WAL journal mode inserting the same records into a table
  with the same durability: ``synchronous=FULL`` and one transaction per record for
  "always"; ``synchronous=NORMAL`` and one transaction per batch of ``batch_records`` for
  "batch"; ``synchronous=OFF`` (one transaction per batch) for "never";
* plain buffered writes of the same framed bytes to one file (no checksum, no sync until the
  end): the floor of what any log can cost.

Caveat on "batch": in WAL mode SQLite's synchronous=NORMAL does not sync at commit at all
(only at checkpoints), so its durability is weaker than the log's "batch", which syncs
every ``batch_records`` appends.

Numbers depend heavily on the disk and the file system (fsync latency dominates "always").

Usage: python scripts/bench/bench_wal.py [--quick] [--size BYTES] [--dir DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from otlpkb.recovery.wal import WriteAheadLog

BATCH = 64


def bench_wal(directory: Path, policy: str, records: list[bytes]) -> float:
    t0 = time.perf_counter()
    with WriteAheadLog.open(directory, fsync=policy, batch_records=BATCH) as log:  # type: ignore[arg-type]
        for r in records:
            log.append(r)
    return time.perf_counter() - t0


def bench_sqlite(path: Path, policy: str, records: list[bytes]) -> float:
    sync = {"always": "FULL", "batch": "NORMAL", "never": "OFF"}[policy]
    per_tx = 1 if policy == "always" else BATCH
    t0 = time.perf_counter()
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute(f"PRAGMA synchronous={sync}")
    con.execute("CREATE TABLE log (seq INTEGER PRIMARY KEY, data BLOB NOT NULL)")
    for start in range(0, len(records), per_tx):
        con.execute("BEGIN")
        con.executemany(
            "INSERT INTO log (seq, data) VALUES (?, ?)",
            ((start + i, r) for i, r in enumerate(records[start : start + per_tx])),
        )
        con.execute("COMMIT")
    con.close()
    return time.perf_counter() - t0


def bench_plain(path: Path, records: list[bytes]) -> float:
    t0 = time.perf_counter()
    with open(path, "wb") as f:
        for r in records:
            f.write(len(r).to_bytes(4, "little"))
            f.write(r)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    parser.add_argument("--size", type=int, default=1024, help="record size in bytes")
    parser.add_argument("--dir", default=None, help="where to write (default: a temp dir)")
    args = parser.parse_args()
    n_sync = 300 if args.quick else 3_000
    n_fast = 20_000 if args.quick else 200_000
    rng = random.Random(1)
    root = Path(tempfile.mkdtemp(prefix="bench-wal-", dir=args.dir))
    print(f"record size {args.size} B; writing under {root}; batch = {BATCH} records")
    print(
        f"{'policy':<8} {'records':>8} {'WAL rec/s':>12} {'WAL MB/s':>9} "
        f"{'SQLite rec/s':>13} {'WAL/SQLite':>11} {'plain rec/s':>12} {'WAL/plain':>10}"
    )
    for policy in ("always", "batch", "never"):
        n = n_sync if policy == "always" else n_fast
        records = [rng.randbytes(args.size) for _ in range(n)]
        t_wal = bench_wal(root / f"wal-{policy}", policy, records)
        t_sql = bench_sqlite(root / f"sqlite-{policy}.db", policy, records)
        t_plain = bench_plain(root / f"plain-{policy}.bin", records)
        wal_rate, sql_rate, plain_rate = n / t_wal, n / t_sql, n / t_plain
        mb = n * args.size / t_wal / 1e6
        print(
            f"{policy:<8} {n:>8} {wal_rate:>12,.0f} {mb:>9.1f} {sql_rate:>13,.0f} "
            f"{wal_rate / sql_rate:>11.2f} {plain_rate:>12,.0f} {wal_rate / plain_rate:>10.3f}"
        )
    print("note: SQLite NORMAL in WAL mode syncs only at checkpoints (weaker than WAL 'batch')")
    for p in sorted(root.rglob("*"), reverse=True):
        p.rmdir() if p.is_dir() else p.unlink()
    os.rmdir(root)


if __name__ == "__main__":
    main()
