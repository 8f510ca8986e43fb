# %% [markdown]
# # Resource usage analysis (资源使用分析)
#
# Companion script of chapter 7.2: four weeks of simulated Collector self-metrics, the
# CPU's percentiles and headroom, a decomposition of the log rate (classical and robust
# STL, with an incident) and the CPU split among the signals.

# %%
import numpy as np

from otlpkb.capacity.usage import (
    attribute_usage,
    fit_unit_costs,
    seasonal_decompose,
    stl,
    utilization_summary,
)
from otlpkb.sim.workload import SIGNAL_METRICS, collector_metrics, counter_rate

# %%
step = 3600.0
m = collector_metrics(days=28, step=step, incident=(16.0, 5.0, 6.0), seed=11)
rates = {s: counter_rate(m[name], step) for s, name in SIGNAL_METRICS.items()}
cpu = counter_rate(m["otelcol_process_cpu_seconds"], step)  # cores

# %% [markdown]
# ## Percentiles and headroom against a 4-core limit

# %%
s = utilization_summary(cpu, capacity=4.0, percentiles=(50, 95, 99, 100), target=0.7)
for p, u, g in zip(s.percentiles, s.utilization, s.growth_to_target):
    print(f"p{p:g}: {u:.0%} of 4 cores; room to grow to 70 %: {g:+.0%}")

# %% [markdown]
# ## Classical decomposition and robust STL of the log rate

# %%
logs = rates["logs"]
classical = seasonal_decompose(logs, 24)
robust = stl(logs, 24, robust=True)
hit = slice(16 * 24 - 1, 16 * 24 + 4)
print("incident hours, residual (classical):", np.round(classical.resid[hit]))
print("incident hours, residual (robust STL):", np.round(robust.resid[hit]))
print("robustness weights there:", np.round(robust.weights[hit], 3))

# %% [markdown]
# ## Which signal uses the CPU?

# %%
fit = fit_unit_costs(rates, cpu)
print(f"baseline {fit.baseline_cores:.3f} cores, R^2 {fit.r_squared:.3f}")
for sig, cost in fit.cpu_seconds_per_item.items():
    print(f"{sig:>13}: {1 / cost:,.0f} items per CPU second")
share = attribute_usage({k: v.mean() for k, v in rates.items()}).share
print({k: f"{v:.0%}" for k, v in share.items()})
