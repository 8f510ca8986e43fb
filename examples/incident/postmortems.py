# %% [markdown]
# # Postmortems (事后复盘)
#
# Companion script of chapter 9.4: one incident end to end. A simulated back-end outage
# behind a gateway Collector (chapter 9.2), the burn-rate alert that detects it, the
# signals that explain it, the gap it leaves (9.3), and the blameless postmortem
# generated from the incident record (9.1).

# %%
from datetime import UTC, datetime, timedelta

import numpy as np

from otlpkb import datasets
from otlpkb.incident.degradation import (
    OUTCOMES,
    DegradationScenario,
    MemoryLimiterSettings,
    simulate_degradation,
)
from otlpkb.incident.postmortem import (
    blameful_phrases,
    load_postmortem,
    parse_postmortem,
)
from otlpkb.incident.replay import find_time_gaps

# %% [markdown]
# ## The failure: the trace store is down from 600 s to 1680 s

# %%
limiter = MemoryLimiterSettings(limit_mib=400, check_interval=1.0)
gateway = DegradationScenario(
    10.0, 4.0, consumers=10, queue_size=1000, outage=(600, 1680),
    memory_limiter=limiter, item_mib=0.3, garbage_mib=0.1, base_mib=30,
)  # fmt: skip
run = simulate_degradation(gateway, 2400.0, seed=11)
refusing = run.times[run.refusing]
print(
    f"refusing from {refusing[0]:.0f} s to {refusing[-1]:.0f} s; "
    f"{run.forced_gcs} forced GCs; peak heap {run.peak_heap_mib:.0f} MiB"
)

# %% [markdown]
# ## The alert: 5-minute refused share above 14.4 x the budget rate, every 30 s

# %%
bad = np.concatenate([[0.0], np.cumsum(run.refusing)])
fired = next(
    run.times[k] for k in range(29, run.times.size, 30)
    if (bad[k + 1] - bad[max(0, k - 299)]) / min(300, k + 1) > 14.4 * 0.001
)  # fmt: skip
print("alert fired at", fired, "s")

# %% [markdown]
# ## The record and the postmortem

# %%
t0 = datetime(2026, 6, 12, 14, 0, tzinfo=UTC)


def at(seconds: float) -> str:
    return (t0 + timedelta(seconds=float(seconds))).isoformat()


refused = int(run.counts[0, OUTCOMES.index("refused_memory")])
mitigated = refusing[-1] + 1
# one gateway of four: a quarter of all events met it
bad_fraction = round(0.25 * refused / (10.0 * (mitigated - 600)), 4)
doc = {
    "incident": {
        "id": "INC-2026-041", "title": "Trace store outage; gateway refused spans",
        "severity": "SEV2", "started": at(600),
        "timeline": {"detected": at(fired), "acknowledged": at(fired + 240),
                     "mitigated": at(mitigated),
                     "resolved": at(mitigated + 7200)},
        "impact": {"blast_radius": 0.25, "bad_fraction": bad_fraction},
        "slo": {"target": 0.999, "window_days": 30},
    },
    "summary": "The trace store stopped answering; the gateway queued, then refused.",
    "contributing_factors": ["The sending queue held 100 s of traffic."],
    "action_items": [{"action": "Size the queue for 20 minutes",
                      "owner": "gateway team", "due": "2026-06-26",
                      "kind": "mitigate"}],
}  # fmt: skip
pm = parse_postmortem(doc)
print(pm.to_markdown())
heartbeat = run.times[~run.refusing][::10]
print("gap in a 10 s heartbeat:", find_time_gaps(heartbeat, interval=10.0))
print("blameful phrases:", blameful_phrases(pm))

# %% [markdown]
# ## The shipped example postmortem

# %%
shipped = load_postmortem(datasets.path("incidents/postmortem-INC-2026-005.json"))
print(shipped.to_markdown().splitlines()[0], "-", len(shipped.action_items), "actions")
