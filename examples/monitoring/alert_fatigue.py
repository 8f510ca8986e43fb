# %% [markdown]
# # Alert fatigue (告警疲劳管理)
#
# Companion script of chapter 8.2: one back-end outage seen by a fleet of Collectors,
# sent through a model of Alertmanager with and without grouping and inhibition; flap
# detection as Nagios does it; and the quality of a page stream.

# %%
import numpy as np

from otlpkb.monitoring.fatigue import (
    AlertEvent,
    InhibitRule,
    Route,
    alert_quality,
    flapping,
    simulate_alertmanager,
)

# %% [markdown]
# ## A back-end outage seen by 20 Collectors in two clusters

# %%
rng = np.random.default_rng(8)
events = []
for i in range(20):
    cluster = "eu" if i < 10 else "us"
    start = 60 + rng.uniform(0, 120)
    for name in ("OtelcolExporterSendFailing", "OtelcolExporterQueueNearlyFull"):
        labels = {"alertname": name, "cluster": cluster, "instance": f"c{i}"}
        labels["severity"] = "warning"
        events.append(AlertEvent(start + (300 if "Queue" in name else 0), labels))
        events.append(AlertEvent(3600 + rng.uniform(0, 60), labels, resolved=True))
for cluster in ("eu", "us"):
    down = {"alertname": "BackendDown", "cluster": cluster, "severity": "critical"}
    events += [AlertEvent(90, down), AlertEvent(3500, down, resolved=True)]

inhibit = InhibitRule({"severity": "critical"}, {"severity": "warning"}, ("cluster",))
setups = {
    "one group per alert": (Route(("...",)), []),
    "group by alertname, cluster": (Route(("alertname", "cluster")), []),
    "... and inhibit warnings": (Route(("alertname", "cluster")), [inhibit]),
}
for name, (route, rules) in setups.items():
    sent = simulate_alertmanager(events, route, inhibit_rules=rules, until=6 * 3600)
    print(f"{name:28} {len(sent):3} notifications")

# %% [markdown]
# ## Flap detection on an alert that toggles for a while

# %%
states = [False] * 10 + [i % 3 != 0 for i in range(30)] + [True] * 30
flags = flapping(states)
last = len(flags) - flags[::-1].index(True) - 1
print(f"flapping from check {flags.index(True)} to check {last}")

# %% [markdown]
# ## Quality of a week of pages

# %%
pages = np.sort(rng.uniform(0, 7 * 86400, 30))
incidents = [(t, t + 1800) for t in pages[::4]]
q = alert_quality(pages, incidents, horizon=7 * 86400)
print(f"precision {q.precision:.2f}, recall {q.recall:.2f}")
print(f"pages per 12 h shift: {q.pages_per_shift}")
