# %% [markdown]
# # Protocol specification (协议形式化规范)
#
# Companion script of chapter 4.1: an explicit-state model checker whose counts mean
# what TLC's mean, the classic TLA+ examples written again in Python, and a model of
# OTLP export (bounded queue, retries with a budget, a server that may answer success,
# partial success, a retryable or throttling error, or a permanent error).

# %%
from otlpkb.formal.model_checker import check
from otlpkb.formal.specs import (
    OTLP_BUGS,
    bounded_fifo,
    die_hard,
    otlp_export,
    peterson,
    tcommit,
    two_phase,
)

# %% [markdown]
# ## The classic examples: the counts TLC prints
#
# tlaplus/Examples records, for each model, TLC's distinct states, states generated
# and depth; the Python versions reach the same numbers.

# %%
for name, spec in [
    ("TCommit (3 RMs)", tcommit(3)),
    ("TwoPhase (3 RMs)", two_phase(3)),
    ("Peterson", peterson()),
    ("MCInnerFIFO", bounded_fifo(3, 3)),
]:
    r = check(spec)
    print(
        f"{name:<18} ok={r.ok} distinct={r.distinct_states} "
        f"generated={r.generated_states} depth={r.depth}"
    )

# %% [markdown]
# ## Die Hard: a violated invariant is a solution

# %%
r = check(die_hard())
print("violated:", r.violation)
for state, action in zip(r.trace, ["Init", *r.trace_actions]):
    print(f"  {action:<14} big={state[0]} small={state[1]}")

# %% [markdown]
# ## OTLP export: the correct client, then each seeded bug

# %%
r = check(otlp_export(batches=2, queue_size=1, max_attempts=3))
print(
    "correct exporter:",
    "ok" if r.ok else r.violation,
    f"({r.distinct_states} states, depth {r.depth})",
)
for bug in OTLP_BUGS:
    r = check(otlp_export(bugs=(bug,)))
    print(f"{bug:<20} -> {r.violation}: {' -> '.join(r.trace_actions)}")

# %% [markdown]
# ## Per-action counts (TLC's coverage)

# %%
r = check(otlp_export(batches=3, queue_size=2))
for action, stats in r.actions.items():
    print(f"  {action:<15} generated {stats.generated:>6} distinct {stats.distinct:>5}")
