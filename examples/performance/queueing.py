# %% [markdown]
# # Queueing models for an exporter's sending queue
#
# Chapter 1.1 of otlpkb. An OTLP exporter with `sending_queue.num_consumers: 10` is an
# M/M/c-like queue with c = 10 servers, and its 1,000 slots make it M/M/10/1010. This
# script reproduces a call-centre Erlang C example, sizes the consumers of an exporter,
# asks how often a full queue refuses, and checks Little's law on simulated data.

# %%
import matplotlib.pyplot as plt
import numpy as np

from otlpkb.performance.queueing import (
    erlang_c,
    md1,
    mm1,
    mmc,
    mmck,
    servers_for_service_level,
    simulate_fifo,
)

# %% [markdown]
# ## A call-centre worked example
# 360 calls per 30 minutes, 240 s average handle time, 55 agents, 15 s answer target
# (the same computation as the chapter's table).

# %%
lam, mu, agents = 360 / 1800, 1 / 240, 55
q = mmc(lam, mu, agents)
print(f"offered load     {lam / mu:.1f} Erlangs, occupancy {q.utilization:.3f}")
print(f"P(wait)          {q.p_wait:.4f}")
print(f"ASA (mean wait)  {q.mean_wait:.2f} s")
print(f"service level    {q.wait_time_cdf(15.0):.4f} answered within 15 s")
print("agents for 80 % within 15 s:", servers_for_service_level(lam, mu, 15.0, 0.8))

# %% [markdown]
# ## An exporter: 10 consumers, 50 ms per export
# How many consumers keep 99 % of batches from waiting more than 10 ms?

# %%
service_rate = 1 / 0.050  # exports per second per consumer
for rate in (100.0, 150.0, 180.0, 195.0):
    r = mmc(rate, service_rate, 10)
    need = servers_for_service_level(rate, service_rate, 0.010, 0.99)
    print(
        f"{rate:5.0f} batches/s: utilization {r.utilization:.2f}, "
        f"P(wait) {r.p_wait:.3f}, Wq {1000 * r.mean_wait:6.2f} ms, "
        f"consumers for 99 % < 10 ms: {need}"
    )

# %% [markdown]
# ## The finite queue: how often does a 1,000-slot queue refuse?

# %%
for rho in (0.9, 0.99, 0.999, 1.1):
    f = mmck(10 * rho * service_rate, service_rate, servers=10, capacity=1010)
    print(
        f"utilization {rho:5.3f}: P(refused) {f.p_block:.3g}, "
        f"mean queue {f.mean_queue_length:7.1f}, throughput {f.throughput:6.1f}/s"
    )

# %% [markdown]
# ## The knee: waiting time against utilization

# %%
rho = np.linspace(0.05, 0.95, 91)
fig, ax = plt.subplots(figsize=(7, 3.6))
ax.plot(rho, [mm1(x, 1.0).mean_wait for x in rho], label="M/M/1")
ax.plot(rho, [md1(x, 1.0).mean_wait for x in rho], label="M/D/1")
ax.plot(rho, [mmc(10 * x, 1.0, 10).mean_wait for x in rho], label="M/M/10")
ax.set_yscale("log")
ax.set_xlabel("utilization")
ax.set_ylabel("mean wait (service times)")
ax.legend()
plt.show()

# %% [markdown]
# ## Little's law on simulated data

# %%
rng = np.random.default_rng(1)
n, lam, c = 100_000, 8.0, 10
arrivals = np.cumsum(rng.exponential(1 / lam, n))
waits, departures = simulate_fifo(arrivals, rng.exponential(1.0, n), servers=c)
horizon = departures.max()
times = np.concatenate([arrivals, departures])
steps = np.concatenate([np.ones(n), -np.ones(n)])
order = np.argsort(times, kind="stable")
number = np.cumsum(steps[order])
L = np.sum(number[:-1] * np.diff(times[order])) / horizon
W = np.mean(departures - arrivals)
print(f"time-average L = {L:.4f}; lambda_hat * W = {n / horizon * W:.4f}")
wq = mmc(lam, 1.0, c).mean_wait
print(f"simulated Wq = {waits.mean():.4f}; Erlang C Wq = {wq:.4f}")
print(f"Erlang C P(wait) = {erlang_c(c, lam):.4f}; simulated {np.mean(waits > 0):.4f}")
