# %% [markdown]
# # SLO and SLA management (SLO_SLA管理)
#
# Companion script of chapter 8.3: error budgets, the multiwindow, multi-burn-rate alert
# windows of the SRE Workbook as Sloth generates them, how fast each window detects an
# outage, and the Prometheus rules for Sloth's own example SLO.

# %%
from otlpkb import datasets
from otlpkb.monitoring.rules import dump_rules, format_duration
from otlpkb.monitoring.slo import (
    detection_time,
    error_budget,
    load_slo_spec,
    multiwindow_alerts,
    reset_time,
    slo_rules,
    time_to_exhaustion,
)

# %% [markdown]
# ## Error budgets over 30 days

# %%
for objective in (99.0, 99.5, 99.9, 99.95, 99.99):
    minutes = error_budget(objective) * 30 * 24 * 60
    print(f"{objective:6}%: budget {error_budget(objective):.4%} = {minutes:7.1f} min")

# %% [markdown]
# ## The four windows, and when each fires for a given error ratio (99.9 %)

# %%
for w in multiwindow_alerts(99.9):
    line = (
        f"{w.severity:6} {format_duration(w.long_window):>3}/"
        f"{format_duration(w.short_window):<3} burn {w.burn_rate:5.1f}"
        f" (budget {w.budget_consumed:.0%}, exhausted in"
        f" {time_to_exhaustion(w.burn_rate)})"
    )
    print(line)
    for ratio in (1.0, 0.1, 0.01):
        t, r = detection_time(w, ratio, 99.9), reset_time(w, ratio, 99.9)
        if t is None:
            print(f"    {ratio:5.0%} errors: never fires")
        else:
            print(f"    {ratio:5.0%} errors: fires after {t}, clears {r} after it")

# %% [markdown]
# ## Rules for Sloth's getting-started SLO

# %%
spec = datasets.path("sloth/getting-started.yml").read_text()
groups = slo_rules(load_slo_spec(spec, source="getting-started.yml"))
print([f"{g.name}: {len(g.rules)} rules" for g in groups])
print(dump_rules(groups[2:]))
