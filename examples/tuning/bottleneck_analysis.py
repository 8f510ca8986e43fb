# %% [markdown]
# # Bottleneck analysis (系统瓶颈分析)
#
# Companion script of chapter 6.2: the operational laws on one measurement interval,
# exact Mean Value Analysis of a closed network, its bounds, Schweitzer's
# approximation, and a SimPy simulation of the same network.

# %%
import numpy as np

from otlpkb.sim.closed import simulate_closed
from otlpkb.tuning.mva import (
    asymptotic_bounds,
    balanced_job_bounds,
    mva,
    operational_laws,
    schweitzer,
)

# %% [markdown]
# ## Operational laws: a Collector measured for 60 s
#
# 12,000 export requests left; receiver, batch processor and exporter were busy 18 s,
# 6 s and 45 s (the exporter waits on the back end: its busy time is its demand).

# %%
law = operational_laws(60.0, 12_000, [18.0, 6.0, 45.0])
print("throughput", law.throughput, "req/s")
print("demands (ms)", (law.demands * 1e3).round(3).tolist())
print("utilizations", law.utilizations.round(3).tolist())
print("bottleneck", law.bottleneck, "ceiling", round(law.max_throughput, 1), "req/s")

# %% [markdown]
# ## Exact MVA: Lazowska et al.'s timesharing model (QSP chapter 6, p. 117)

# %%
demands, think = [0.605, 2.1, 1.35], 15.0
exact = mva(demands, 30, think_time=think)
approx = schweitzer(demands, 30, think_time=think)
bounds = balanced_job_bounds(demands, 30, think_time=think)
asym = asymptotic_bounds(demands, 30, think_time=think)
for n in (1, 3, 10, 20, 30):
    i = n - 1
    print(
        f"N={n:2}  X={exact.throughput[i]:.4f}  R={exact.response_time[i]:6.2f} s  "
        f"Schweitzer X={approx.throughput[i]:.4f}  "
        f"BJB [{bounds.throughput_low[i]:.4f}, {bounds.throughput_high[i]:.4f}]  "
        f"ABA <= {asym.throughput_high[i]:.4f}"
    )

# %% [markdown]
# ## The same closed network, simulated

# %%
runs = [
    simulate_closed(demands, 3, think_time=think, until=5000.0, warmup=200.0, seed=s)
    for s in range(4)
]
print("simulated X(3):", round(float(np.mean([r.throughput for r in runs])), 4))
print("MVA       X(3):", round(float(exact.throughput[2]), 4))
