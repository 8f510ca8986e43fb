# %% [markdown]
# # Reliability analysis (可靠性分析)
#
# Companion script of chapter 2.4: how many nines can an SDK → agent → gateway →
# back-end pipeline promise, what a fault tree for "telemetry lost" says, and how the
# availability of a gateway pool evolves after a cold start (a Markov model).

# %%
import matplotlib.pyplot as plt
import numpy as np

from otlpkb.fault_tolerance.reliability import (
    And,
    AtLeast,
    Event,
    FaultTree,
    Or,
    Stage,
    availability,
    ctmc_transient,
    data_loss_fraction,
    downtime_per_year,
    k_of_n_repairable_availability,
    nines,
    pipeline_availability,
    repairable_system_generator,
)

# %% [markdown]
# ## Pipeline nines

# %%
gateway = availability(mtbf=30 * 24.0, mttr=2.0)  # fails monthly, back in 2 h
designs = {
    "single gateway": [
        Stage("sdk", 0.9999),
        Stage("agent", 0.9995),
        Stage("gateway", gateway),
        Stage("backend", 0.9995),
    ],
    "2 of 3 gateways": [
        Stage("sdk", 0.9999),
        Stage("agent", 0.9995),
        Stage("gateway", gateway, replicas=3, required=2),
        Stage("backend", 0.9995),
    ],
    "2 of 4 gateways": [
        Stage("sdk", 0.9999),
        Stage("agent", 0.9995),
        Stage("gateway", gateway, replicas=4, required=2),
        Stage("backend", 0.9995),
    ],
}
for name, stages in designs.items():
    a = pipeline_availability(stages)
    print(
        f"{name:<16} A = {a:.6f}  nines = {nines(a):.2f}  "
        f"downtime = {downtime_per_year(a):7.1f} min/year"
    )

# %% [markdown]
# ## Retries and queues turn short outages into delays, not losses

# %%
for buffer in (0, 60, 300, 1000):
    lost = data_loss_fraction(mtbf=7 * 86400.0, mttr=600.0, buffer=buffer)
    print(f"buffer {buffer:5d} s: fraction of telemetry lost {lost:.2e}")

# %% [markdown]
# ## Fault tree: telemetry lost

# %%
lb = Event("load balancer down", 2e-4)
network = Event("network partition", 1e-4)
backend = Event("back end down", 5e-4)
gateways = AtLeast(2, *(Event(f"gateway {i} down", 2.8e-3) for i in range(3)))
queue_full = And(backend, Event("outage longer than the buffer", 0.3))
ft = FaultTree(Or(lb, network, gateways, queue_full))
exact, rare = ft.probability(), ft.rare_event_approximation()
print(f"P(top) exact {exact:.4e}, rare-event {rare:.4e}")
for cut in sorted(ft.minimal_cut_sets(), key=lambda c: (len(c), sorted(c))):
    print("  ", " AND ".join(sorted(cut)))

# %% [markdown]
# ## A gateway pool after a cold start: transient availability (CTMC)

# %%
lam, mu = 1 / 720.0, 1 / 2.0  # per hour
t = np.linspace(0, 12, 200)
fig, ax = plt.subplots(figsize=(8, 3.5))
for crews in (1, 2):
    q = repairable_system_generator(3, lam, mu, crews)
    p = ctmc_transient(q, [0, 0, 0, 1.0], t)  # all three gateways down at t = 0
    ax.plot(t, p[:, :2].sum(axis=1), label=f"2 of 3 up, {crews} crew(s)")
    steady = k_of_n_repairable_availability(2, 3, lam, mu, crews)
    print(crews, "crew(s): steady state", steady)
ax.set_xlabel("hours after the incident")
ax.set_ylabel("P(at least 2 gateways up)")
ax.legend()
plt.show()
