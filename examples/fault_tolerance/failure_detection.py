# %% [markdown]
# # Failure detection
#
# The companion script of the chapter *Failure detection* (2.2). It builds one seeded
# heartbeat trace (a node that sends a heartbeat every second, suffers three
# stop-the-world pauses and crashes at t = 600 s), watches phi rise after the crash,
# replays the trace through every detector of `otlpkb.fault_tolerance.detectors`, and
# compares a SWIM simulation with the paper's analysis.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

from otlpkb.fault_tolerance.detectors import (
    AdaptiveTimeoutDetector,
    ChenDetector,
    FixedTimeoutDetector,
    PhiAccrualDetector,
    heartbeat_trace,
    phi,
    replay,
)
from otlpkb.fault_tolerance.swim import (
    expected_first_detection_periods,
    false_positive_probability,
    false_positive_trial,
    first_detection_periods,
)

CRASH = 600.0
PAUSES = [(150.2, 2.6), (300.5, 4.2), (450.3, 7.5)]  # (start, length) of GC-like pauses
arrivals = heartbeat_trace(CRASH, 1.0, delay=0.02, jitter=0.05, pauses=PAUSES, seed=7)
gaps = np.diff(arrivals)
print(
    f"{arrivals.size} heartbeats, gaps: mean {gaps.mean():.3f} s, "
    f"sd {gaps.std():.3f} s, max {gaps.max():.2f} s"
)

# %% [markdown]
# ## phi of a healthy and of a crashed node
#
# Take the inter-arrival statistics of the first 100 s of the trace and evaluate phi
# as the silence after the last heartbeat grows: a healthy node's next heartbeat
# arrives about a second later, long before phi gets anywhere near 8; a crashed
# node's never does.

# %%
healthy = gaps[:100]
mean, std = healthy.mean(), max(healthy.std(), 0.1)  # Akka's min-std-deviation: 100 ms
silence = np.linspace(0.0, 3.0, 301)
fig, ax = plt.subplots(figsize=(7, 3.6))
for model in ("logistic", "normal", "exponential"):
    ax.plot(silence, phi(silence, mean, std, model=model), label=model)
ax.axhline(8.0, color="k", ls="--", lw=1, label="threshold 8")
ax.set_ylim(0, 20)
ax.set_xlabel("seconds since the last heartbeat")
ax.set_ylabel("phi")
ax.legend()
plt.show()

# %% [markdown]
# ## The same trace through every detector

# %%
detectors = {
    "fixed timeout 3 s": FixedTimeoutDetector(3.0),
    "fixed timeout 5 s": FixedTimeoutDetector(5.0),
    "adaptive (RFC 6298)": AdaptiveTimeoutDetector(),
    "Chen, alpha 0.5 s": ChenDetector(interval=1.0, alpha=0.5, window=100),
    "Chen, alpha 2 s": ChenDetector(interval=1.0, alpha=2.0, window=100),
    "phi 3 (logistic)": PhiAccrualDetector(threshold=3.0),
    "phi 8 (logistic)": PhiAccrualDetector(threshold=8.0),
    "phi 8, pause 3 s": PhiAccrualDetector(8.0, acceptable_heartbeat_pause=3.0),
    "phi 8 (exponential)": PhiAccrualDetector(threshold=8.0, model="exponential"),
}
print(f"{'detector':24} {'detection (s)':>14} {'false':>6} {'wrongly susp. (s)':>18}")
for name, det in detectors.items():
    r = replay(det, arrivals, crash_at=CRASH)
    detect, false = r.detection_time, r.false_suspicions
    print(f"{name:24} {detect:14.2f} {false:6d} {r.wrongly_suspected:18.2f}")

# %% [markdown]
# ## SWIM: simulation against the paper

# %%
n = 200
times = first_detection_periods(n, replicas=400, seed=1)
print(
    f"first detection: simulated {times.mean():.3f} periods, "
    f"paper {expected_first_detection_periods(n, (n - 1) / n):.3f}, "
    f"limit e/(e-1) = {math.e / (math.e - 1):.3f}"
)
for k, loss in [(0, 0.1), (1, 0.1), (3, 0.1), (3, 0.3)]:
    t = false_positive_trial(60, k, loss, periods=300, seed=k)
    print(
        f"k={k} q_ml={loss}: false positives per probe simulated {t.rate:.5f}, "
        f"paper {false_positive_probability(loss, k):.5f}"
    )
