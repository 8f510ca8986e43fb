# %% [markdown]
# # Throughput theory: the USL, the OTLP bound, batching and a simulated pipeline
#
# Chapter 1.3 of otlpkb. Fits the Universal Scalability Law (and Amdahl's law) to the
# SPEC SDM91 benchmark from Gunther's *Guerrilla Capacity Planning*, evaluates the OTLP
# specification's throughput bound, tabulates the batch processor's trade-off in
# closed form and in simulation, and simulates a Collector pipeline through a back-end
# slowdown.

# %%
import matplotlib.pyplot as plt
import numpy as np

from otlpkb.performance.throughput import (
    amdahl,
    batch_closed_form,
    fit_usl,
    otlp_throughput_bound,
    usl,
)
from otlpkb.sim import (
    BackendConfig,
    BatchConfig,
    Pipeline,
    PipelineConfig,
    PoissonSource,
    QueueConfig,
    ServiceTime,
    Slowdown,
)

# %% [markdown]
# ## The Universal Scalability Law on SPEC SDM91
#
# Users (concurrency) against scripts per hour of a 16-CPU Sun SPARCcenter 2000.

# %%
users = np.array([1, 18, 36, 72, 108, 144, 216])
scripts_per_hour = np.array([64.9, 995.9, 1652.4, 1853.2, 1828.9, 1775.0, 1702.2])
fit = fit_usl(users, scripts_per_hour)
amd = fit_usl(users, scripts_per_hour, model="amdahl")
print(
    f"USL:    sigma={fit.sigma:.4g} ± {fit.sigma_se:.2g}, "
    f"kappa={fit.kappa:.3g} ± {fit.kappa_se:.2g}, "
    f"lambda={fit.lam:.4g} ± {fit.lam_se:.3g}, peak at N={fit.peak:.0f}"
)
print(
    f"Amdahl: p={1 - amd.sigma:.4f}, lambda={amd.lam:.4g}; "
    f"residual SE {amd.residual_se:.0f} vs USL {fit.residual_se:.0f}"
)

# %%
grid = np.linspace(1, 250, 300)
fig, ax = plt.subplots()
ax.plot(users, scripts_per_hour, "o", label="SPEC SDM91")
ax.plot(grid, usl(grid, fit.sigma, fit.kappa, fit.lam), label="USL fit")
ax.plot(grid, amdahl(grid, 1 - amd.sigma, amd.lam), "--", label="Amdahl fit")
ax.set_xlabel("users")
ax.set_ylabel("scripts per hour")
ax.legend()
plt.show()

# %% [markdown]
# ## The OTLP bound
#
# The specification's example: 100 spans per request, 200 ms network latency, 300 ms of
# server time and one request in flight.

# %%
print(otlp_throughput_bound(1, 100, 0.2, 0.3), "spans/s")
print(otlp_throughput_bound(10, 8192, 0.02, 0.05), "spans/s with 10 consumers x 8192")

# %% [markdown]
# ## The batch processor's trade-off, closed form and simulated
#
# 2,000 spans/s of single-span requests; timeout 200 ms; several `send_batch_size`
# values. The timer share is the fraction of batches that the timer sends.

# %%
rate, timeout = 2000.0, 0.2
print("send_batch_size  batches/s (model, sim)  added ms (model, sim)  timer share")
for k in (50, 200, 400, 1000, 8192):
    cf = batch_closed_form(rate, k, timeout)
    cfg = PipelineConfig(
        sources=(PoissonSource(rate=rate),),
        batch=BatchConfig(send_batch_size=k, timeout=timeout),
        backend=BackendConfig(service=ServiceTime(mean=0.005)),
    )
    r = Pipeline(cfg).run(until=20.0, seed=k)
    print(
        f"{k:15d}  {cf.batches_per_second:8.2f} {len(r.batch_sizes) / 20.0:8.2f}"
        f"      {1e3 * cf.mean_added_latency:8.2f} {1e3 * r.batch_wait.mean():8.2f}"
        f"  {cf.timeout_fraction:.3g}"
    )

# %% [markdown]
# ## A back-end slowdown, simulated
#
# 10,000 spans/s in requests of 100 spans; the back end serves a batch in 50 ms on
# average until it slows down 40-fold between t = 60 s and t = 120 s. Batches refused
# by the full queue are lost: the batch processor had already accepted them.

# %%
cfg = PipelineConfig(
    sources=(PoissonSource(rate=100.0, items_per_request=100),),
    batch=BatchConfig(),
    queue=QueueConfig(queue_size=100, num_consumers=4),
    backend=BackendConfig(
        service=ServiceTime(mean=0.05),
        slowdowns=(Slowdown(60.0, 120.0, factor=40.0),),
    ),
)
res = Pipeline(cfg).run(until=240.0, seed=1)
for name, value in res.metrics.items():
    print(f"{name:50s} {value:14,.0f}")
print(f"p99 end-to-end latency: {np.percentile(res.e2e_latency, 99):.2f} s")

# %%
fig, ax = plt.subplots()
ax.step(res.times, res.queue_size, where="post", label="otelcol_exporter_queue_size")
ax.axhline(
    res.metrics["otelcol_exporter_queue_capacity"],
    color="k",
    ls=":",
    label="otelcol_exporter_queue_capacity",
)
ax.axvspan(60, 120, alpha=0.15, label="back end 40x slower")
ax.set_xlabel("time (s)")
ax.set_ylabel("batches in queue")
ax.legend()
plt.show()
