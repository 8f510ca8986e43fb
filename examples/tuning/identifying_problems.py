# %% [markdown]
# # Identifying problems (性能问题识别)
#
# Companion script of chapter 6.1: where does the time of a request go? Hotspots by self
# time and by critical-path contribution, RED metrics per operation, and robust
# outliers, on generated shop traces with a planted fault and on a real OTLP file.

# %%
from otlpkb import datasets, otlp
from otlpkb.tuning.hotspots import hotspots, red_metrics, span_outliers
from otlpkb.tuning.workload import shop_traces

# %% [markdown]
# ## A slow database write, planted in 500 traces

# %%
spans = shop_traces(500, seed=1, faults={"payment: INSERT payments": 4.0})
print(f"{'operation':30} {'self ms':>10} {'self %':>7} {'path ms':>10} {'path %':>7}")
for h in hotspots(spans)[:5]:
    print(
        f"{h.key:30} {h.self_ms:10.0f} {h.self_share:7.1%} "
        f"{h.critical_ms:10.0f} {h.critical_share:7.1%}"
    )

# %% [markdown]
# ## RED metrics of the servers

# %%
for r in red_metrics(spans, by="service"):
    print(
        f"{r.key:10} {r.rate:7.1f} req/s  errors {r.error_ratio:5.1%}  "
        f"p50 {r.p50_ms:6.1f} ms  p99 {r.p99_ms:6.1f} ms"
    )

# %% [markdown]
# ## Robust outliers: a few checkouts hit a slow cart

# %%
slow = shop_traces(4, seed=9, faults={"cart: GetCart": 6.0}, start_unix_nano=2 * 10**18)
found = span_outliers([*shop_traces(300, seed=2), *slow])
for o in found[:5]:
    print(
        f"{o.key:28} {o.duration_ms:7.1f} ms "
        f"(median {o.median_ms:5.1f} ms)  z = {o.z:5.1f}"
    )

# %% [markdown]
# ## The same functions on a real OTLP file (Jaeger's fixture)

# %%
table = otlp.read_traces(datasets.path("otlp/jaeger/otel_traces_01.json"))
for r in red_metrics(table, kinds=None):
    print(f"{r.key:40} requests {r.requests}  errors {r.errors}")
