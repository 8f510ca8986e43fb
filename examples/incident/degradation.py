# %% [markdown]
# # Degradation plans (降级预案)
#
# Companion script of chapter 9.2: a token bucket, priority shedding with its
# closed form, the Collector's memory_limiter (with and without its GC back-off)
# during a back-end outage, and adaptive sampling, all run in a SimPy model.

# %%
from otlpkb.incident.degradation import (
    OUTCOMES,
    DegradationScenario,
    MemoryLimiterSettings,
    TokenBucket,
    priority_blocking,
    simulate_degradation,
)
from otlpkb.performance.queueing import mmck

# %% [markdown]
# ## A token bucket: 5 per second, bursts of 3

# %%
tb = TokenBucket(rate=5.0, burst=3.0)
print([tb.allow(t) for t in (0.0, 0.0, 0.0, 0.0, 0.1, 0.2, 0.4)])

# %% [markdown]
# ## Priority shedding: three classes in front of 10 consumers and 10 slots

# %%
rates, thresholds = [3.6, 4.8, 3.6], (20, 14, 11)
closed = priority_blocking(rates, 1.0, 10, thresholds)
scenario = DegradationScenario(
    12.0, 1.0, consumers=10, queue_size=10,
    class_shares=(0.3, 0.4, 0.3), thresholds=thresholds,
)  # fmt: skip
sim = simulate_degradation(scenario, 1000.0, seed=1)
shed = sim.share("shed")
for k in range(3):
    print(f"class {k}: refused {shed[k]:.3f} (closed form {closed[k]:.3f})")
flat = mmck(12.0, 1.0, 10, 20).p_block
print(f"one class, no shedding: M/M/10/20 refuses {flat:.3f}")

# %% [markdown]
# ## memory_limiter during an outage, with and without the GC back-off

# %%
for cap in (30.0, 0.0):
    limiter = MemoryLimiterSettings(
        limit_mib=400, check_interval=1.0,
        max_gc_interval_when_soft_limited=cap, max_gc_interval_when_hard_limited=cap,
    )  # fmt: skip
    outage = DegradationScenario(
        100.0, 40.0, consumers=10, queue_size=1000, outage=(20, 140),
        surge=(20.2, 21.0), surge_factor=20.0, memory_limiter=limiter,
        item_mib=0.5, garbage_mib=0.2, base_mib=30,
    )  # fmt: skip
    r = simulate_degradation(outage, 200.0, seed=3)
    refused = r.counts[0, OUTCOMES.index("refused_memory")]
    print(
        f"max_gc_interval {cap:>4.0f} s: forced GCs {r.forced_gcs:3d}, "
        f"refused {refused}, peak heap {r.peak_heap_mib:.0f} MiB"
    )

# %% [markdown]
# ## Adaptive sampling keeps the admitted rate near 9 per second

# %%
sampled = simulate_degradation(
    DegradationScenario(20.0, 1.0, consumers=10, queue_size=5, sampler_target=9.0),
    1000.0, seed=4,
)  # fmt: skip
kept = 1 - sampled.share("sampled_out")[0]
p_last = sampled.probability[-1]
print(f"kept {kept:.3f} of 20/s = {20 * kept:.2f}/s; final probability {p_last:.3f}")
