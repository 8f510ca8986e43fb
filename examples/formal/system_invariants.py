# %% [markdown]
# # System invariants (系统不变量证明)
#
# Companion script of chapter 4.4: inductive invariants of Peterson's algorithm
# (initiation and consecution over TypeOK), then a conservation monitor on every event
# of a simulated pipeline, with and without an exporter that drops requests silently.

# %%
from otlpkb.formal.invariants import (
    SilentDropExporter,
    check_inductive,
    monitor_run,
    peterson_inv,
    peterson_type_ok,
)
from otlpkb.formal.specs import peterson
from otlpkb.sim import (
    BackendConfig,
    BatchConfig,
    PipelineConfig,
    PoissonSource,
    QueueConfig,
)

# %% [markdown]
# ## Mutual exclusion holds, but is not inductive; Inv is

# %%
spec, domain = peterson(), peterson_type_ok()
for name, candidate in [("Mutex", spec.invariants["Mutex"]), ("Inv", peterson_inv)]:
    r = check_inductive(spec, candidate, domain)
    print(f"{name}: holds {r.holds}, initiation {r.initiation}, ", end="")
    print(f"consecution {r.consecution}")
    if r.step is not None:
        before, action, after = r.step
        print(f"  breaking step: {before} --{action}--> {after}")

# %% [markdown]
# ## The ledger on every event of a run

# %%
cfg = PipelineConfig(
    sources=(PoissonSource(rate=200.0, items_per_request=5),),
    batch=BatchConfig(send_batch_size=100, timeout=0.2),
    queue=QueueConfig(queue_size=4, num_consumers=2),
    backend=BackendConfig(concurrency=2, error_probability=0.1),
)
good = monitor_run(cfg, until=10.0, seed=7)
bad = monitor_run(cfg, until=10.0, seed=7, exporter=SilentDropExporter)
print(f"correct: {good.events} events, ledger held: {good.ok}")
v = bad.violation
print(
    f"silent drop: caught at event {v.event} (t = {v.time:.3f} s), "
    f"{bad.missing} items missing, {bad.violations} events broke the ledger"
)
