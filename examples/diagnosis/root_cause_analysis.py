# %% [markdown]
# # Root cause analysis (根因分析方法论)
#
# Companion script of chapter 5.2: rank the services that caused a shift between a
# healthy and an anomalous window of traces, by critical-path latency, error origin,
# call volume and deploy markers, and compare with the naive "largest latency increase".

# %%
from collections import Counter

from otlpkb.diagnosis.root_cause import naive_ranking, rank_root_causes
from otlpkb.diagnosis.scenarios import FAULT_KINDS, make_scenario, scenarios

# %% [markdown]
# ## One retry storm, ranked

# %%
s = make_scenario(2, "retry_storm", n_traces=40)
print(f"culprit: {s.culprit} ({len(s.services)} services)")
for x in rank_root_causes(s.baseline, s.anomalous)[:3]:
    print(
        f"{x.service:15} score {x.score:5.2f}  latency {x.latency_share:4.0%}  "
        f"errors {x.error_share:4.0%}  calls {x.calls_share:4.0%}  "
        f"+{x.calls_delta:.2f} spans/trace"
    )
print("naive top 3:", naive_ranking(s.baseline, s.anomalous)[:3])

# %% [markdown]
# ## Accuracy over 24 seeded scenarios (the chapter runs 100)

# %%
hits: Counter[tuple[str, str]] = Counter()
for s in scenarios(24, n_traces=30, seed=500):
    ours = [x.service for x in rank_root_causes(s.baseline, s.anomalous)]
    naive = naive_ranking(s.baseline, s.anomalous)
    hits[s.kind, "ours top-1"] += ours[0] == s.culprit
    hits[s.kind, "ours top-3"] += s.culprit in ours[:3]
    hits[s.kind, "naive top-1"] += naive[0] == s.culprit
    hits[s.kind, "naive top-3"] += s.culprit in naive[:3]
columns = ("ours top-1", "ours top-3", "naive top-1", "naive top-3")
print(f"{'fault':20}" + "".join(f"{c:>13}" for c in columns))
for kind in FAULT_KINDS:
    print(f"{kind:20}" + "".join(f"{hits[kind, c]:>11}/6" for c in columns))
