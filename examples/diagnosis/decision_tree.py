# %% [markdown]
# # Diagnosis decision tree (问题诊断决策树)
#
# Companion script of chapter 5.1: a Collector's own metrics, walked through a decision
# tree kept as data. Seven simulated Collectors, each with one fault, are scraped every
# 10 s; the tree names the fault from the scrapes, and shows the evidence for it.

# %%
from otlpkb import datasets
from otlpkb.diagnosis.decision_tree import DEFAULT_TREE, evaluate, to_mermaid
from otlpkb.diagnosis.telemetry import parse_exposition, read_snapshot
from otlpkb.sim.selfmetrics import FAULTS, simulate_fault

# %% [markdown]
# ## Simulated faults: the last eight scrapes of a two-minute run

# %%
for fault in FAULTS:
    scrapes = simulate_fault(fault, until=120.0, seed=7)
    snapshots = [parse_exposition(text) for text in scrapes[-8:]]
    d = evaluate(DEFAULT_TREE, snapshots)
    last = d.path[-1]
    value = "n/a" if last.value is None else f"{last.value:.3f}"
    evidence = f"{last.metric} = {value} ({last.op} {last.threshold:g})"
    print(f"{fault:18} -> {d.finding.id:20} {evidence}")

# %% [markdown]
# ## A real dump format: a Collector before v0.110 with its memory limit hit

# %%
snap = read_snapshot(datasets.path("collector/v0.109-memory-limiter.prom"))
d = evaluate(DEFAULT_TREE, snap)
for step in d.path:
    test = f"{step.op} {step.threshold:g}"
    print(f"{step.node:10} {step.metric:30} {step.value:10.4f} {test}")
print("finding:", d.finding.title)
print("fix:", d.finding.fix)

# %% [markdown]
# ## The tree, drawn from the same data (paste into any mermaid viewer)

# %%
print(to_mermaid(DEFAULT_TREE, d))
