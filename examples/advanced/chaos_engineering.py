# %% [markdown]
# # Chaos engineering (混沌工程)
#
# Companion script of chapter A.1: chaos experiments against the simulated pipeline
# (partition, slow back end, loss, latency), the smallest partition that loses data, and
# three faults against real processes: a WAL writer killed with SIGKILL, a writer that
# runs out of file size, and an OTLP/HTTP receiver that stalls in front of the
# OpenTelemetry SDK's exporter.

# %%
import tempfile
from pathlib import Path

from otlpkb.advanced.chaos import (
    Experiment,
    Fault,
    Probe,
    fill_disk_under_wal,
    kill_wal_writer,
    records_that_fit,
    run_experiment,
    smallest_breaking,
    stall_http_receiver,
)
from otlpkb.sim import (
    BackendConfig,
    PipelineConfig,
    PoissonSource,
    QueueConfig,
    ServiceTime,
)

# %% [markdown]
# ## A gateway: 20 requests/s, a queue of 2,000 requests, 4 consumers

# %%
cfg = PipelineConfig(
    sources=(PoissonSource(rate=20.0),),
    batch=None,
    queue=QueueConfig(queue_size=2000, num_consumers=4),
    backend=BackendConfig(service=ServiceTime(mean=0.05)),
)
hypothesis = (
    Probe("no span lost", "lost_spans", high=0),
    Probe("mean latency within 1 s", "mean_latency", high=1.0),
)
method = {
    "partition 30 s": Fault("partition", 10.0, 30.0),
    "partition 150 s": Fault("partition", 10.0, 150.0),
    "back end 2x slower": Fault("slow_backend", magnitude=2.0),
    "back end 5x slower": Fault("slow_backend", magnitude=5.0),
    "30 % retryable loss": Fault("loss", magnitude=0.3),
}
for name, fault in method.items():
    experiment = Experiment(name, hypothesis, (fault,))
    report = run_experiment(experiment, cfg, duration=200.0)
    lost = report.lost_spans
    print(f"{name:22} {report.status:9} lost {lost:6.0f}  {report.breached}")

# %% [markdown]
# ## The smallest partition that loses data


# %%
def partition(seconds):
    return Experiment("partition", hypothesis[:1], (Fault("partition", 10.0, seconds),))


bracket = dict(low=40.0, high=120.0, tolerance=4.0)
found = smallest_breaking(partition, cfg, duration=200.0, **bracket)
print(f"smallest breaking partition: {found:.1f} s (queue fill time {2004 / 20:.1f} s)")

# %% [markdown]
# ## Real processes: SIGKILL and a full disk

# %%
with tempfile.TemporaryDirectory() as d:
    print("WAL, ack after append:", kill_wal_writer(Path(d) / "a", records=100))
    early = kill_wal_writer(Path(d) / "b", records=100, flush_every=16)
    print("ack before append:    ", early)
    full = fill_disk_under_wal(Path(d) / "c", limit_bytes=4096, records=60)
    print("full disk:", full, "expected to fit:", records_that_fit(4096, 64))

# %% [markdown]
# ## A receiver that stalls, and the OpenTelemetry SDK's exporter

# %%
for stall, timeout in ((0.05, 5.0), (3.0, 1.0)):
    r = stall_http_receiver(stall, timeout=timeout, spans=10)
    print(f"stall {stall} s, timeout {timeout} s: exported={r.exported}")
