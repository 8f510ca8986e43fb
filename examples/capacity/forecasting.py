# %% [markdown]
# # Capacity forecasting (容量预测模型)
#
# Companion script of chapter 7.1: eight weeks of a Collector's daily peak span rate,
# forecast with Holt–Winters and a log-linear trend, and the day the peak reaches the
# capacity of the gateway pool, with an interval.

# %%
import numpy as np

from otlpkb.capacity.forecasting import (
    holt_winters,
    log_linear_trend,
    time_to_capacity,
)
from otlpkb.sim.workload import SIGNAL_METRICS, collector_metrics, counter_rate

# %% [markdown]
# ## The data: daily peaks of `otelcol_receiver_accepted_spans`

# %%
metrics = collector_metrics(days=56, step=900.0, growth_per_week=0.04, seed=7)
rate = counter_rate(metrics[SIGNAL_METRICS["spans"]], 900.0)  # spans per second
peaks = rate[: 55 * 96].reshape(55, 96).max(axis=1)  # one peak per day
print(f"{peaks.size} daily peaks, first {peaks[0]:,.0f}/s, last {peaks[-1]:,.0f}/s")

# %% [markdown]
# ## Holt–Winters with a weekly season, and a log-linear trend

# %%
hw = holt_winters(peaks, trend="add", seasonal="mul", period=7)
p = hw.params
print(f"alpha {p['alpha']:.3f}, beta {p['beta']:.3f}, gamma {p['gamma']:.3f}")
print(f"one-step error sigma {hw.sigma:,.0f}/s; next 7 days:")
print(np.round(hw.forecast(7)))
line = log_linear_trend(peaks)
print(f"log-linear growth {np.expm1(line.slope * 7):.1%} per week")

# %% [markdown]
# ## When does the daily peak reach 30,000 spans/s?

# %%
capacity = 30_000.0
for name, fit in (("Holt-Winters", hw), ("log-linear", line)):
    c = time_to_capacity(fit, capacity, horizon=180, level=0.8, paths=1000)
    now = 0.0 if name == "Holt-Winters" else line.t_last  # HW counts steps ahead
    print(f"{name:>12}: in {c.expected - now:.0f} days, 80 % interval "
          f"{c.low - now:.0f} to {c.high - now:.0f} ({c.method})")
