# %% [markdown]
# # Postmortems (事后复盘)
#
# Companion script of chapter 9.4: one incident end to end. A simulated back-end outage
# behind a gateway Collector (chapter 9.2), the burn-rate alert of 8.3 that detects it,
# the diagnosis of 5.1 and 5.3 from the gateway's simulated /metrics, the gap it leaves
# (9.3), and the blameless postmortem generated from the incident record (9.1).

# %%
from datetime import UTC, datetime, timedelta

import numpy as np

from otlpkb import datasets
from otlpkb.diagnosis.decision_tree import DEFAULT_TREE, evaluate
from otlpkb.diagnosis.handbook import HANDBOOK, match
from otlpkb.diagnosis.telemetry import parse_exposition
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
from otlpkb.monitoring.slo import error_budget, multiwindow_alerts
from otlpkb.sim.config import (
    BackendConfig,
    MemoryLimiterConfig,
    Outage,
    PipelineConfig,
    PoissonSource,
    QueueConfig,
    RetryConfig,
    ServiceTime,
)
from otlpkb.sim.pipeline import Pipeline
from otlpkb.sim.selfmetrics import collector_scrapes

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
# ## The alert: the page windows of chapter 8.3 (1 h / 5 min, 6 h / 30 min)

# %%
budget = error_budget(99.9)
pages = [w for w in multiwindow_alerts(99.9) if w.severity == "page"]
bad = np.concatenate([[0.0], np.cumsum(run.refusing)])


def share(k: int, window: timedelta) -> float:
    n = int(window.total_seconds())  # healthy for the hour before the run
    return float(bad[k + 1] - bad[max(0, k + 1 - n)]) / n


fired = next(
    float(run.times[k]) for k in range(29, run.times.size, 30) for w in pages
    if all(share(k, x) > w.burn_rate * budget for x in (w.short_window, w.long_window))
)  # fmt: skip
print("alert fired at", fired, "s")

# %% [markdown]
# ## The diagnosis: the same gateway's /metrics (otlpkb.sim) through 5.1 and 5.3

# %%
mirror = PipelineConfig(
    (PoissonSource(rate=10.0),),
    memory_limiter=MemoryLimiterConfig(
        limit_mib=400, item_bytes=0.3 * 2**20, base_mib=30),
    batch=None, queue=QueueConfig(queue_size=1000, num_consumers=10),
    retry=RetryConfig(max_elapsed_time=3600.0),
    backend=BackendConfig(
        service=ServiceTime(mean=0.25), outages=(Outage(600.0, 1680.0),)),
    sample_interval=10.0,
)  # fmt: skip
mirror_run = Pipeline(mirror).run(until=2400.0, seed=11)
dumps = collector_scrapes(mirror_run, memory_limiter=True)
recent = [
    snap for snap in map(parse_exposition, dumps)
    if snap.clock is not None and fired - 120 <= snap.clock <= fired
]  # fmt: skip
diagnosis = evaluate(DEFAULT_TREE, recent)
print("decision tree:", [s.node for s in diagnosis.path], "->", diagnosis.finding.id)
print("handbook:", [m.problem.id for m in match(HANDBOOK, recent)])

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
