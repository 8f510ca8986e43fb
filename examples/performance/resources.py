# %% [markdown]
# # Resource consumption: bytes per span, and a Collector capacity plan
#
# Chapter 1.4 of otlpkb. We measure what OTLP items cost on the wire (protobuf, gzip,
# OTLP/JSON), check the analytic size model against the measured bytes, and turn signal
# rates into Collectors, bandwidth, queue memory and disk per day.

# %%
import matplotlib.pyplot as plt

from otlpkb.otlp import read_traces
from otlpkb.performance.resources import (
    DEFAULT_PROFILE,
    capacity_plan,
    encoded_sizes,
    span_size,
    synthetic_request,
    trace_request_size,
)

# %% [markdown]
# ## Bytes per span against the number of attributes
# 512 spans a request in traces of eight, attributes with 20-character keys and
# values.

# %%
counts = [0, 1, 2, 4, 8, 16, 32, 64]
rows = []
for n in counts:
    body = synthetic_request("traces", 512, attributes=n, seed=1)
    sizes = encoded_sizes(body, "traces")
    rows.append((n, sizes.per_item()))
    print(
        f"{n:3d} attributes: protobuf {sizes.protobuf / 512:7.1f} B/span, "
        f"gzip {sizes.gzip / 512:6.1f}, JSON {sizes.json / 512:7.1f}, "
        f"ratio {sizes.compression_ratio:4.2f}"
    )

# %% [markdown]
# ## The model predicts the measured bytes exactly

# %%
body = synthetic_request("traces", 512, attributes=8, seed=1)
spans = read_traces(body, format="protobuf")
print("request bytes:", len(body), "model:", trace_request_size(spans))
print("first span:", span_size(spans[0]), "bytes (48 per 20+20-character attribute)")

# %%
fig, ax = plt.subplots(figsize=(7, 3.6))
encodings = (
    ("protobuf", "protobuf"),
    ("gzip", "protobuf + gzip"),
    ("json", "OTLP/JSON"),
)
for key, label in encodings:
    ax.plot(counts, [r[1][key] for r in rows], marker="o", label=label)
ax.set_xlabel("attributes per span")
ax.set_ylabel("bytes per span")
ax.legend()
plt.show()

# %% [markdown]
# ## A capacity plan
# 100,000 spans/s, 50,000 log records/s and 200,000 metric points/s into 4-core
# Collectors at 70 % CPU, back end keeping two replicas for 14 days.

# %%
plan = capacity_plan(
    spans_per_second=100_000,
    logs_per_second=50_000,
    metric_points_per_second=200_000,
    profile=DEFAULT_PROFILE,
    collector_cpu_cores=4,
    target_utilization=0.7,
    min_collectors=3,
    retention_days=14,
    replication=2,
)
for quantity, value, how in plan.explain():
    print(f"{quantity:28s} {value:>14s}   {how}")
for name, text in plan.assumptions.items():
    print(f"  assumption: {name}: {text}")
for warning in plan.warnings:
    print("  warning:", warning)
