# %% [markdown]
# # Fault-tolerance mechanisms (容错机制基础)
#
# Companion script of chapter 2.1. It classifies OTLP export responses with the
# specification's rules, prints the Collector's default retry schedule, and simulates
# 500 exporters retrying against a back end that is down for two minutes, with and
# without jitter.

# %%
import matplotlib.pyplot as plt
import numpy as np

from otlpkb.fault_tolerance.retry import (
    CircuitBreaker,
    ExponentialBackoff,
    backoff_delays,
    classify_export_response,
    parse_retry_after,
    simulate_outage,
)

# %% [markdown]
# ## What does the exporter do with this response?

# %%
responses = [
    {"grpc_code": "OK"},
    {"grpc_code": "OK", "rejected": 12, "error_message": "invalid span ids"},
    {"grpc_code": "UNAVAILABLE"},
    {"grpc_code": "RESOURCE_EXHAUSTED"},
    {"grpc_code": "RESOURCE_EXHAUSTED", "retry_delay": 30.0},
    {"http_status": 429, "retry_after": "120"},
    {
        "http_status": 503,
        "retry_after": "Fri, 31 Dec 1999 23:59:59 GMT",
        "now": 946684000.0,
    },
    {"http_status": 502, "retry_after": "7"},
    {"http_status": 308},
    {"http_status": 400},
    {"http_status": 413},
    {"grpc_code": "OK", "error_message": "attribute deprecated"},
    {"no_response": True},
]
for kwargs in responses:
    out = classify_export_response(**kwargs)
    print(f"{out.decision.value:<16} {kwargs}")
    print(f"{'':<16} {out.reason}, retry_after={out.retry_after}")

print(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now=784111700.0), "s")

# %% [markdown]
# ## The Collector's retry_on_failure schedule

# %%
backoff = ExponentialBackoff(seed=42)  # 5 s, x1.5, cap 30 s, +-50 %, stop at 300 s
print("nominal :", backoff.nominal_schedule())
print("one draw:", [round(d, 2) for d in backoff.schedule()])
# when the back end stops answering, every attempt also waits for the 5 s timeout
print("starts with a 5 s timeout:", ExponentialBackoff().attempt_times(5.0))

# %% [markdown]
# ## Jitter strategies: the delay before retry i for 10,000 clients

# %%
for strategy in ("none", "collector", "full", "equal", "decorrelated"):
    d = backoff_delays(strategy, 10_000, 6, rng=1)
    spread = np.percentile(d, [5, 95], axis=0)
    print(f"{strategy:<13}", " ".join(f"[{a:5.1f},{b:5.1f}]" for a, b in spread.T))

# %% [markdown]
# ## A two-minute back-end outage (30 s to 150 s)

# %%
fig, ax = plt.subplots(figsize=(8, 3.5))
for strategy in ("none", "collector", "full"):
    r = simulate_outage(strategy, n_clients=500, capacity=750, seed=3)
    per_second = r.attempts.reshape(-1, 10).mean(axis=1)  # 0.1 s steps -> 1 s bins
    served = r.served.reshape(-1, 10).mean(axis=1)[150:300].mean()
    ax.step(np.arange(per_second.size), per_second, where="post", label=strategy, lw=1)
    print(
        f"{strategy:<10} served {served:5.0f}/s over 150-300 s, "
        f"recovery {r.recovery_time:5.1f} s, enqueue failures {r.dropped_queue_full}"
    )
ax.axhline(750, color="k", ls="--", lw=0.8, label="capacity")
ax.set_xlabel("time (s)")
ax.set_ylabel("requests in each second")
ax.legend()
plt.show()

# %% [markdown]
# ## A circuit breaker in front of the exporter

# %%
now = [0.0]
breaker = CircuitBreaker(consecutive_failures=5, open_timeout=30, clock=lambda: now[0])
for second in range(120):
    now[0] = float(second)
    down = 10 <= second < 70
    if breaker.allow():
        breaker.record_failure() if down else breaker.record_success()
print([(t, s.value) for t, s in breaker.transitions])
