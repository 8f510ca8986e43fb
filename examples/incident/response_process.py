# %% [markdown]
# # Response process (故障响应流程)
#
# Companion script of chapter 9.1: the incident life cycle as a state machine, severity
# from SLO impact and blast radius, and MTTD / MTTA / MTTM / MTTR with their
# distributions, computed from the incident records that ship with otlpkb.

# %%
from datetime import UTC, datetime, timedelta

import numpy as np

from otlpkb import datasets
from otlpkb.incident.lifecycle import (
    Incident,
    TransitionError,
    budget_consumed,
    classify_severity,
    load_records,
    response_metrics,
)

# %% [markdown]
# ## One incident, driven through the state machine

# %%
t0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
inc = Incident("INC-DEMO", started=t0, detected=t0 + timedelta(minutes=7))
inc.advance("acknowledged", t0 + timedelta(minutes=11))
try:
    inc.advance("resolved", t0 + timedelta(minutes=50))
except TransitionError as err:
    print("refused:", err)
inc.advance("mitigated", t0 + timedelta(minutes=38))
print("now", inc.state.value, "; next allowed:", [s.value for s in inc.allowed()])

# %% [markdown]
# ## Severity: 8 % of events failing for 31 minutes, a 99.9 % SLO over 30 days

# %%
spent = budget_consumed(0.08, 31, 0.999, 30 * 24 * 60)
print(f"budget consumed {spent:.1%}; severity {classify_severity(spent, 0.25)}")

# %% [markdown]
# ## The response intervals of 40 incidents

# %%
records = load_records(datasets.path("incidents/records.json"))
metrics = response_metrics(records)
for s in metrics.summary(seed=7):
    print(
        f"{s.metric.upper():>4}  n={s.n:2d}  mean={s.mean:7.1f} min  "
        f"median={s.median:6.1f}  p90={s.p90:6.1f}  "
        f"95% CI of mean [{s.ci_low:.1f}, {s.ci_high:.1f}]"
    )

# %%
declared = np.array([r.severity for r in records])
computed = np.array([r.classify() or "open" for r in records])
print(
    "declared severity agrees with the computed one for",
    int((declared == computed).sum()),
    "of",
    len(records),
    "incidents",
)
