# %% [markdown]
# # Multi-cloud management (多云管理)
#
# Companion script of chapter A.2: the Collector's consistent hash ring, what a
# membership change does to traces in flight, latency- and cost-aware ranking of
# destinations, and the failover connector's retries, each against its closed form.

# %%
import numpy as np

from otlpkb.advanced.multicloud import (
    Destination,
    HashRing,
    abandon_probability,
    failback_delay,
    failover_shares,
    moved_fraction,
    rank_destinations,
    simulate_failover,
    simulate_membership_change,
)

# %% [markdown]
# ## The ring: who owns what, and what moves when a back end joins

# %%
four = HashRing([f"tail-sampler-{i}:4317" for i in range(4)])
five = HashRing([f"tail-sampler-{i}:4317" for i in range(5)])
print("shares with 4:", {k: round(v, 3) for k, v in four.shares().items()})
print("moved by adding a fifth:", round(moved_fraction(four, five), 4), "(1/5 = 0.2)")
trace_id = bytes.fromhex("4bf92f3577b34da6a3ce929d0e0e4736")
print("trace 4bf9... goes to", four.endpoint_for(trace_id))
print("and after the change to", five.endpoint_for(trace_id))

# %% [markdown]
# ## Traces split by the change: simulation against the closed form

# %%
for lag, instances in ((0.0, 1), (5.0, 6)):
    runs = [
        simulate_membership_change(
            four,
            five,
            trace_rate=400.0,
            mean_spread=3.0,
            resolver_lag=lag,
            instances=instances,
            seed=s,
        )
        for s in range(5)
    ]
    mean = np.mean([r.split_traces for r in runs])
    print(
        f"lag {lag:3.0f} s, {instances} load balancers: {mean:6.1f} split traces "
        f"(closed form {runs[0].expected_split:6.1f}, bound {runs[0].split_bound:6.1f})"
    )

# %% [markdown]
# ## Ranking destinations by latency, cost and health

# %%
destinations = [
    Destination("aws-eu-central-1", 11.0, 0.09, provider="aws"),
    Destination("gcp-europe-west3", 14.0, 0.05, provider="gcp"),
    Destination("azure-westeurope", 24.0, 0.04, provider="azure"),
    Destination("aws-us-east-1", 92.0, 0.02, provider="aws"),
    Destination("gcp-us-east4", 95.0, 0.03, healthy=False, provider="gcp"),
]
for weight in (0.0, 200.0):
    order = rank_destinations(destinations, ms_per_dollar=weight, max_latency_ms=100)
    print(f"{weight:5.0f} ms per $/GiB:", [d.name for d in order])

# %% [markdown]
# ## The failover connector: instant failback, then its real retry schedule

# %%
shares = failover_shares([0.995, 0.99, 0.98])
print("instant failback shares:", shares.round(5).tolist())
delay = failback_delay(1800, 600, 30)
print("failback delay (s), mttr 30 min, defaults:", round(delay))
p_abandon = abandon_probability(1800, 600, 30, 10)
print("P(one outage exhausts max_retries=10):", round(p_abandon, 4))
for limit in (0, 10):
    r = simulate_failover(
        [5 * 86_400.0, 5 * 86_400.0],
        [1_800.0, 1_800.0],
        max_retries=limit,
        duration=2 * 365 * 86_400.0,
        seed=7,
    )
    print(
        f"max_retries={limit:2}: shares {r.shares.round(4).tolist()}, "
        f"lost {r.lost:.5f}, below best {r.below_best:.4f}, abandoned {r.abandoned}"
    )
