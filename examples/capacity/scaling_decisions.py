# %% [markdown]
# # Scaling decisions (扩容决策)
#
# Companion script of chapter 7.3: the HPA's rule and behavior on the documentation's
# scale-down example, flapping with and without a stabilization window, and an HPA
# against queueing-based sizing on the same simulated load.

# %%
import numpy as np

from otlpkb.capacity.scaling import (
    DEFAULT_SCALE_DOWN,
    HPABehavior,
    HPAController,
    HPAScalingPolicy,
    HPAScalingRules,
    servers_for_latency_slo,
    simulate_hpa,
)
from otlpkb.sim.elastic import simulate_elastic

# %% [markdown]
# ## The documentation's example: 80 replicas down to 10

# %%
policies = (HPAScalingPolicy("Pods", 4, 60), HPAScalingPolicy("Percent", 10, 60))
behavior = HPABehavior(scale_down=HPAScalingRules(0, "Max", policies))
hpa = HPAController(1.0, 1, 100, behavior)
n, steps = 80, [80]
for minute in range(20):
    n = hpa.step(60.0 * minute, n, 10 / n)
    steps.append(n)
print(steps)

# %% [markdown]
# ## Flapping: a noisy load with and without the 300 s window

# %%
rng = np.random.default_rng(1)
load = 100 + 25 * rng.standard_normal(240)
none = HPABehavior(scale_down=HPAScalingRules(0, "Max", DEFAULT_SCALE_DOWN.policies))
for name, b in (("no window", none), ("300 s window", HPABehavior())):
    tr = simulate_hpa(load, 10.0, initial_replicas=10, max_replicas=50, behavior=b)
    print(f"{name:>12}: {tr.scale_events} changes, {tr.replicas.mean():.1f} replicas")

# %% [markdown]
# ## HPA at 70 % CPU against sizing for p95 latency <= 2 s

# %%
t = np.arange(0, 1800, 30.0)
rates = 6 + 5 * np.sin(np.pi * t / 1800) ** 2
mu, slo = 2.0, 2.0
hpa = HPAController(target_value=0.7, min_replicas=2, max_replicas=40)


def by_utilization(now, n, u, lam):
    return hpa.step(now, n, u)


def by_queueing(now, n, u, lam):
    return servers_for_latency_slo(max(lam, 0.1), mu, slo, quantile=0.95)


for name, ctl in (("HPA 70 %", by_utilization), ("M/M/c p95", by_queueing)):
    r = simulate_elastic(rates, step=30.0, service_rate=mu, controller=ctl,
                         initial_replicas=5, seed=2)
    print(f"{name:>10}: {r.slo_violations(slo):.1%} over {slo} s, "
          f"{r.replica_seconds / 3600:.2f} replica-hours, {r.scale_events} changes")
