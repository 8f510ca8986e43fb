# %% [markdown]
# # Cost optimization (成本优化)
#
# Companion script of chapter 7.4: the monthly cost of each signal, and the cheapest
# sampling and retention plan that keeps what root-cause analysis and SLOs need,
# checked against brute force. Prices are illustrative inputs, not list prices.

# %%
from otlpkb.capacity.cost import (
    EXAMPLE_PRICES,
    Requirements,
    Service,
    brute_force_sampling,
    optimize_sampling,
    signal_costs,
)

# %%
costs = signal_costs(
    spans_per_second=8000.0, logs_per_second=3000.0, metric_points_per_second=5000.0,
    retention_days={"spans": 7, "logs": 14, "metric_points": 30},
    prices=EXAMPLE_PRICES,
)
for signal, parts in costs.items():
    row = ", ".join(f"{k} {v:,.0f}" for k, v in parts.items())
    print(f"{signal:>13}: {row}  (total {sum(parts.values()):,.0f} a month)")

# %%
services = [
    Service("frontend", 3000.0, 0.002, 12),
    Service("checkout", 800.0, 0.02, 20),
    Service("search", 5000.0, 0.0005, 6),
]
need = Requirements(error_traces_per_hour=500, traces_per_hour=2000)
plan = optimize_sampling(services, need, metric_points_per_second=5000.0)
for name, option in plan.sampling.items():
    print(f"{name:>9}: {option.mode} sampling, keep {option.probability:.1%}")
print(f"traces kept {plan.trace_retention_days:g} days, metrics "
      f"{plan.metric_retention_days:g} days; {plan.cost['total']:,.2f} a month")
brute = brute_force_sampling(services, need, metric_points_per_second=5000.0)
print(f"brute force: {brute.cost['total']:,.2f} after {brute.evaluated:,} plans "
      f"(the optimiser evaluated {plan.evaluated:,} options)")
