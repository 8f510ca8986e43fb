# %% [markdown]
# # Recovery strategies (恢复策略模型)
#
# Companion script of chapter 2.3. It stores real OTLP export requests in a
# write-ahead log, tears the last write the way a crash does and watches recovery cut
# it off, flips a bit in the middle and watches recovery refuse to return it, keeps a
# consumer position in an atomic checkpoint, runs a saga that compensates, and
# deduplicates an exporter's retries with an idempotency window.

# %%
import os
import random
import shutil
import tempfile
import time

import matplotlib.pyplot as plt

from otlpkb import datasets
from otlpkb.recovery import CorruptLogError
from otlpkb.recovery.checkpoint import read_checkpoint, write_checkpoint
from otlpkb.recovery.idempotency import DedupeWindow, idempotency_key
from otlpkb.recovery.saga import Saga, SagaLog, SagaStep
from otlpkb.recovery.wal import WriteAheadLog

workdir = tempfile.mkdtemp(prefix="otlpkb-recovery-")
requests = [
    datasets.path(f"otlp/proto-examples/{name}.json").read_bytes()
    for name in ("trace", "metrics", "logs")
]
print([len(r) for r in requests], "bytes of OTLP/JSON")

# %% [markdown]
# ## A write-ahead log survives a torn write
#
# Append the three requests, then append half of a fourth frame by hand: that is what
# the file looks like when the process dies in the middle of `append`.

# %%
wal_dir = os.path.join(workdir, "wal")
with WriteAheadLog.open(wal_dir, fsync="always") as log:
    for body in requests:
        print("appended seq", log.append(body))
    segment = log.segments[-1]

with open(segment, "ab") as f:  # a crash in the middle of the next append
    f.write(b"\x00\x10\x00\x00half a frame")

with WriteAheadLog.open(wal_dir) as log:
    print(log.last_recovery)
    recovered = [body for _, body in log.replay()]
print("recovered intact:", recovered == requests)

# %% [markdown]
# A flipped bit in the middle of the log is not a torn write: the log refuses to open
# and names the segment and offset, instead of returning wrong telemetry.

# %%
data = bytearray(segment.read_bytes())
data[100] ^= 0x04
segment.write_bytes(bytes(data))
try:
    WriteAheadLog.open(wal_dir)
except CorruptLogError as exc:
    print("refused:", exc)

# %% [markdown]
# ## An atomic checkpoint of the consumer's position

# %%
ckpt = os.path.join(workdir, "consumer.ckpt")
for position in (1, 2, 3):
    write_checkpoint(ckpt, f'{{"next_seq": {position}}}'.encode())
print(read_checkpoint(ckpt))

# %% [markdown]
# ## A saga: export a batch, or undo what was done
#
# Three steps move a batch from the queue to a back end. The back end rejects the
# request, so the saga compensates the earlier steps in reverse order.

# %%
effects = []


def reserve(ctx):
    effects.append("reserve batch")
    return {"batch": 17}


def unreserve(ctx):
    effects.append("release batch")


def mark_sending(ctx):
    effects.append("mark sending")


def unmark(ctx):
    effects.append("unmark sending")


def send(ctx):
    raise RuntimeError("back end answered 400 Bad Request")


saga = Saga(
    "export",
    [
        SagaStep("reserve", reserve, unreserve),
        SagaStep("mark", mark_sending, unmark),
        SagaStep("send", send),
    ],
)
with SagaLog.open(os.path.join(workdir, "saga")) as saga_log:
    outcome = saga.run(saga_log, "batch-17")
print(outcome.status, effects)

# %% [markdown]
# ## Retries applied once
#
# An exporter sends 200 requests; 30 % of the responses are lost, so the exporter
# resends the same bytes. A receiver with a dedupe window applies each request once.

# %%
rng = random.Random(7)
now = [0.0]
window = DedupeWindow(max_keys=10_000, ttl=600.0, clock=lambda: now[0])
received = applied = 0
for i in range(200):
    body = f"ExportTraceServiceRequest #{i}".encode()
    while True:
        now[0] += 0.05
        received += 1
        applied += window.check_and_record(idempotency_key(body, signal="traces"))
        if rng.random() > 0.3:  # the response reached the exporter
            break
print(f"received {received}, applied {applied}")

# %% [markdown]
# ## What an fsync costs
#
# A short measurement of append throughput per fsync policy on this machine (numbers
# vary a lot between disks).

# %%
rates = {}
for policy in ("always", "batch", "never"):
    n = 100 if policy == "always" else 2000
    bench_dir = os.path.join(workdir, f"bench-{policy}")
    with WriteAheadLog.open(bench_dir, fsync=policy) as log:
        t0 = time.perf_counter()
        for _ in range(n):
            log.append(bytes(512))
        rates[policy] = n / (time.perf_counter() - t0)
fig, ax = plt.subplots()
ax.bar(list(rates), list(rates.values()))
ax.set_yscale("log")
ax.set_ylabel("appends per second (512-byte records)")
ax.set_title("WAL append throughput per fsync policy")
plt.show()

# %%
shutil.rmtree(workdir)  # the script leaves nothing behind
