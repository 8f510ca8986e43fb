# %% [markdown]
# # Latency analysis: sketches, fan-out and budgets
#
# Chapter 1.2 of otlpkb. Percentiles from a mergeable log histogram against numpy's
# exact ones, the tail-at-scale arithmetic, and a p99 budget across pipeline stages.

# %%
import matplotlib.pyplot as plt
import numpy as np

from otlpkb.performance.latency import (
    LogHistogram,
    check_budget,
    exact_quantile,
    exponential_histogram_accuracy,
    fanout_required_quantile,
    fanout_slow_probability,
    parallel,
    serial,
    split_budget,
)

rng = np.random.default_rng(2026)

# %% [markdown]
# ## Three Collectors, one merged histogram

# %%
collectors = [rng.lognormal(np.log(0.02), 0.8, 200_000) for _ in range(3)]
merged = LogHistogram(relative_accuracy=0.01)
for data in collectors:
    h = LogHistogram(0.01)
    h.add(data)
    merged.merge(h)
everything = np.concatenate(collectors)
qs = [0.5, 0.9, 0.99, 0.999]
exact = exact_quantile(everything, qs)
for q, est, true in zip(qs, merged.quantile(qs), exact, strict=True):
    print(
        f"p{100 * q:g}: sketch {1000 * est:8.3f} ms  exact {1000 * true:8.3f} ms  "
        f"error {abs(est - true) / true:.2%}"
    )
print(f"{merged.count:,} values in {merged.num_buckets} buckets ({merged.nbytes} B)")
print(
    "counters for 1 us to 1,000 s at 1 %:",
    merged.buckets_needed(1e-6, 1e3),
)
alpha8 = exponential_histogram_accuracy(8)
print(f"an OTLP exponential histogram at scale 8 has accuracy {alpha8:.4%}")

# %% [markdown]
# ## The tail at scale

# %%
fanout = np.arange(1, 2001)
fig, ax = plt.subplots(figsize=(7, 3.6))
for p in (0.01, 0.001, 0.0001):
    ax.plot(fanout, fanout_slow_probability(p, fanout), label=f"p = {p:g}")
ax.set_xscale("log")
ax.set_xlabel("fan-out N")
ax.set_ylabel("P(request slow)")
ax.legend()
plt.show()
print("1% slow leaves at N=100:", round(fanout_slow_probability(0.01, 100), 3))
q_leaf = fanout_required_quantile(0.99, 100)
print("leaf quantile for a p99 request over 100 leaves:", q_leaf)

# %% [markdown]
# ## A pipeline budget: SDK export -> gateway -> backend, 250 ms at p99

# %%
sdk = rng.gamma(2.0, 0.005, 100_000)
gateway = rng.lognormal(np.log(0.02), 0.5, 100_000)
backend = np.where(rng.random(100_000) < 0.005, 0.4, rng.exponential(0.03, 100_000))
print("allowances:", split_budget(0.250, [1, 2, 3]).round(4))
report = check_budget([sdk, gateway, backend], budget=0.250, quantile=0.99, seed=1)
print(report)
shards = parallel(*[backend] * 4, seed=2)
print("p99 of a 4-shard backend query:", round(exact_quantile(shards, 0.99), 4))
path = serial(sdk, gateway, backend)
print("p99 of the serial path:", round(exact_quantile(path, 0.99), 4))
