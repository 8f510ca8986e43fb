# %% [markdown]
# # Concurrency safety (并发安全性验证)
#
# Companion script of chapter 4.3: a batching exporter (producers, a bounded queue,
# an exporter thread with a size trigger and a timer) checked as a model, then run on
# real threads under a stress test, with and without seeded bugs.

# %%
from otlpkb.formal.concurrency import CONCURRENCY_BUGS, batch_exporter_spec, stress
from otlpkb.formal.model_checker import check

# %% [markdown]
# ## The model: the correct exporter, then each seeded bug

# %%
r = check(batch_exporter_spec(producers=2, items=2, capacity=1, batch_size=2))
print("correct:", r.ok, f"{r.distinct_states} states, depth {r.depth}")
for bug in CONCURRENCY_BUGS:
    r = check(batch_exporter_spec(bugs=(bug,)))
    found = r.violation or ("deadlock" if r.deadlock else "nothing")
    print(f"{bug:<17} -> {found} after {len(r.trace_actions)} steps")

# %% [markdown]
# ## The lost wake-up, step by step

# %%
r = check(batch_exporter_spec(bugs=("notify_one",)))
for action, (prods, q, batch, _, exp, _) in zip(["Init", *r.trace_actions], r.trace):
    pcs = " ".join(pc for pc, _ in prods)
    print(f"{action:<13} producers {pcs:<11} queue {q} batch {batch} exporter {exp}")

# %% [markdown]
# ## Real threads: a stress test

# %%
for bugs in [(), ("if_not_while",), ("drop_on_shutdown",)]:
    s = stress(bugs, runs=20)
    print(
        f"{bugs or 'fixed'}: {s.failures} of {s.runs} runs failed "
        f"(overflow {s.overflow_runs}, loss {s.loss_runs})"
    )
