"""Writer processes for the crash tests: they append and report what was acknowledged.

Usage: python crash_writer.py ACKFILE wal DIR POLICY SEGMENT_SIZE
       python crash_writer.py ACKFILE checkpoint FILE
       python crash_writer.py ACKFILE saga DIR SEED
       python crash_writer.py zygote

A writer reports to ACKFILE ("-" for stdout), one line written with a single unbuffered
``os.write`` per acknowledgement, and runs until it is killed. The payload of a record is a
pure function of its sequence number, so the parent can tell an intact record from garbage
even when it was never acknowledged.

``zygote`` mode imports the package once and then, for every command line read on stdin
(``ACKFILE MODE ARGS...``), forks a writer process, prints its pid, waits for it to die
(the test kills it with SIGKILL) and prints ``exit <signal number>``. Forking from a warm
process makes hundreds of kills cheap; every writer is still its own process.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import sys
from pathlib import Path


class Ack:
    """Acknowledgement channel: each line goes out in one write(2), no user-space buffer."""

    def __init__(self, target: str) -> None:
        self.fd = 1 if target == "-" else os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND)

    def write(self, line: str) -> None:
        os.write(self.fd, line.encode())


def payload(seq: int) -> bytes:
    rng = random.Random(seq * 7919 + 17)
    return f"record {seq}|".encode() + rng.randbytes(rng.randrange(0, 400))


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def run_wal(out: Ack, path: str, policy: str, segment_size: int) -> None:
    from otlpkb.recovery.wal import WriteAheadLog

    log = WriteAheadLog.open(path, fsync=policy, segment_size=segment_size)  # type: ignore[arg-type]
    out.write(f"ready {log.next_seq}\n")
    while True:
        seq = log.next_seq
        data = payload(seq)
        got = log.append(data)
        out.write(f"{got} {digest(data)}\n")


def run_checkpoint(out: Ack, path: str) -> None:
    from otlpkb.recovery.checkpoint import read_checkpoint, write_checkpoint

    try:
        counter = int(read_checkpoint(path).split(b"|")[0])
    except FileNotFoundError:
        counter = -1
    out.write(f"ready {counter}\n")
    while True:
        counter += 1
        write_checkpoint(path, checkpoint_body(counter))
        out.write(f"{counter}\n")


def checkpoint_body(counter: int) -> bytes:
    rng = random.Random(counter)
    return f"{counter}|".encode() + rng.randbytes(rng.randrange(0, 3000))


def run_saga(out: Ack, path: str, seed: int) -> None:
    """Transfers between accounts; effects land in an idempotent ledger (a second WAL)."""
    from otlpkb.recovery.saga import SagaLog

    saga_log = SagaLog.open(f"{path}/saga")
    ledger = Ledger(f"{path}/ledger")
    saga = transfer_saga(ledger)
    saga.recover(saga_log)  # finish what the previous incarnation left
    out.write("ready\n")
    rng = random.Random(seed)
    n = 0
    while True:
        saga_id = f"{seed}-{n}"
        n += 1
        outcome = saga.run(
            saga_log, saga_id, {"amount": rng.randrange(1, 100), "fail": rng.random() < 0.3}
        )
        out.write(f"{saga_id} {outcome.status}\n")


class Ledger:
    """Applied effects keyed by idempotency key, persisted on a WAL: applying twice is a no-op."""

    def __init__(self, path: str) -> None:
        from otlpkb.recovery.wal import WriteAheadLog

        self.wal = WriteAheadLog.open(path)
        self.entries: dict[str, int] = {}
        for _, raw in self.wal.replay():
            key, amount = raw.decode().rsplit(" ", 1)
            self.entries.setdefault(key, int(amount))

    def apply(self, key: str, amount: int) -> None:
        if key not in self.entries:
            self.wal.append(f"{key} {amount}".encode())
            self.entries[key] = amount


def transfer_saga(ledger: Ledger):  # type: ignore[no-untyped-def]
    from otlpkb.recovery.saga import Saga, SagaStep

    def debit(ctx):  # type: ignore[no-untyped-def]
        ledger.apply(ctx.idempotency_key, -ctx.input["amount"])
        return {"debited": ctx.input["amount"]}

    def undo_debit(ctx):  # type: ignore[no-untyped-def]
        if ctx.idempotency_key in ledger.entries:  # safe when the debit never happened
            ledger.apply(ctx.idempotency_key + "/undo", ctx.input["amount"])

    def credit(ctx):  # type: ignore[no-untyped-def]
        if ctx.input["fail"]:
            raise RuntimeError("account closed")
        ledger.apply(ctx.idempotency_key, ctx.input["amount"])
        return None

    def undo_credit(ctx):  # type: ignore[no-untyped-def]
        if ctx.idempotency_key in ledger.entries:
            ledger.apply(ctx.idempotency_key + "/undo", -ctx.input["amount"])

    return Saga(
        "transfer", [SagaStep("debit", debit, undo_debit), SagaStep("credit", credit, undo_credit)]
    )


class Zygote:
    """Parent side: drives a zygote process and kills the writers it forks."""

    def __init__(self, workdir: Path) -> None:
        import subprocess

        self.err_path = workdir / "zygote.err"
        self._err = open(self.err_path, "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "zygote"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._err,
        )

    def run_and_kill(self, ack: Path, args: list[str], rng: random.Random) -> list[str]:
        """Start a writer, SIGKILL it at a random moment, return its complete ack lines."""
        import signal
        import time

        assert self.proc.stdin is not None and self.proc.stdout is not None
        ack.unlink(missing_ok=True)
        self.proc.stdin.write((" ".join([str(ack), *args]) + "\n").encode())
        self.proc.stdin.flush()
        pid = int(self.proc.stdout.readline())
        if rng.random() < 0.2:
            # early: possibly during start-up or the recovery of the previous crash
            time.sleep(rng.uniform(0.0, 0.02))
        else:
            hang_guard = time.monotonic() + 60
            while not (ack.exists() and ack.read_bytes().startswith(b"ready")):
                assert time.monotonic() < hang_guard, self.err_path.read_text()
                time.sleep(0.0005)
            time.sleep(rng.uniform(0.0, 0.015))
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        status = self.proc.stdout.readline().decode()
        assert status == f"exit {int(signal.SIGKILL)}\n", (status, self.err_path.read_text())
        text = ack.read_bytes().decode() if ack.exists() else ""
        return text.split("\n")[:-1]  # drop the unfinished last line (or the empty string)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()
        self._err.close()


def run(argv: list[str]) -> None:
    out, mode, args = Ack(argv[0]), argv[1], argv[2:]
    if mode == "wal":
        run_wal(out, args[0], args[1], int(args[2]))
    elif mode == "checkpoint":
        run_checkpoint(out, args[0])
    elif mode == "saga":
        run_saga(out, args[0], int(args[1]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")


def zygote() -> None:
    import otlpkb.recovery.checkpoint
    import otlpkb.recovery.saga
    import otlpkb.recovery.wal  # noqa: F401  (warm imports, shared by every fork)

    for line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            try:
                run(line.split())
            finally:
                os._exit(3)
        sys.stdout.write(f"{pid}\n")
        sys.stdout.flush()
        _, status = os.waitpid(pid, 0)
        sys.stdout.write(f"exit {os.WTERMSIG(status) if os.WIFSIGNALED(status) else -1}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    if sys.argv[1] == "zygote":
        zygote()
    else:
        run(sys.argv[1:])
