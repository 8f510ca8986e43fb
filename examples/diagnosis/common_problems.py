# %% [markdown]
# # Common problems handbook (常见问题手册)
#
# Companion script of chapter 5.3: the handbook's entries are predicates on a
# Collector's metrics and log lines. Check a series of scrapes of a simulated Collector
# whose back end is down, and a few log lines, against all of them.

# %%
from collections import Counter

from otlpkb import datasets
from otlpkb.diagnosis.handbook import HANDBOOK, match
from otlpkb.diagnosis.telemetry import read_snapshot

print(f"{len(HANDBOOK)} problems:", dict(Counter(p.symptom for p in HANDBOOK)))

# %% [markdown]
# ## A back end that is down: two scrapes, 80 s apart

# %%
names = [f"collector/sim/backend_down-t{t:03d}.prom" for t in (30, 110)]
series = [read_snapshot(datasets.path(name)) for name in names]
for m in match(HANDBOOK, series):
    pairs = zip(m.problem.conditions, m.values)
    evidence = ", ".join(f"{c.indicator} = {v:.3g}" for c, v in pairs)
    print(f"{m.problem.title:40} {evidence}")

# %% [markdown]
# ## Log lines

# %%
logs = [
    "warn memorylimiter.go:276 Memory usage is above soft limit. Refusing data. "
    '{"cur_mem_mib": 251}',
    "error exporterhelper Exporting failed. Dropping data. no more retries left: "
    "rpc error: code = DeadlineExceeded desc = context deadline exceeded",
]
for m in match(HANDBOOK, [], logs=logs):
    print(f"{m.problem.id:22} {m.problem.fix}")
