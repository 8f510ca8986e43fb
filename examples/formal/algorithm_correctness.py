# %% [markdown]
# # Algorithm correctness (算法正确性证明)
#
# Companion script of chapter 4.2: closed forms of earlier chapters derived with sympy
# from their premises, then compared with the numeric code that the other chapters use.

# %%
import sympy as sp

from otlpkb.fault_tolerance.detectors import phi
from otlpkb.fault_tolerance.retry import ExponentialBackoff
from otlpkb.formal.derivations import (
    LAM,
    MU,
    capped_backoff,
    erlang_c_limits,
    littles_law_mm1,
    max_relative_error,
    mm1_balance,
    phi_monotone,
)
from otlpkb.performance.queueing import erlang_c, mm1

# %% [markdown]
# ## M/M/1 from the balance equations, and Little's law on it

# %%
m = mm1_balance()
print("proved:", m.proved)
for name, expr in m.steps.items():
    print(f"  {name:<7} = {expr}")
points = [(1.0, 2.0), (4.5, 5.0), (0.1, 10.0)]
err = max_relative_error(
    m.steps["W"], lambda lam, mu: mm1(lam, mu).mean_response, [LAM, MU], points
)
print("W: largest relative difference from performance.queueing.mm1:", err)
print("Little's law L = lambda W proved:", littles_law_mm1().proved)

# %% [markdown]
# ## Erlang C: c = 1 gives M/M/1, heavy traffic gives 1

# %%
e = erlang_c_limits((1, 2, 4, 8))
print("proved:", e.proved, {k: str(v) for k, v in e.steps.items()})
a = sp.Symbol("a", positive=True)
err = max_relative_error(e.result, lambda x: erlang_c(8, x), [a], [[2.0], [6.0], [7.9]])
print("C(8, a): largest relative difference from erlang_c:", err)

# %% [markdown]
# ## The Collector's retry schedule in closed form

# %%
b = capped_backoff(5.0, 1.5, 30.0, 300.0)
print({k: str(v) for k, v in b.steps.items()})
nominal = ExponentialBackoff(randomization_factor=0).nominal_schedule()
print("retries", len(nominal), "total", sum(nominal), "s; closed form", float(b.result))

# %% [markdown]
# ## phi grows with silence, for the three models

# %%
p = phi_monotone()
print("proved:", p.proved)
for model in ("logistic", "normal", "exponential"):
    print(f"  d{model}/dt =", p.steps[f"d{model}/dt"])
at = [round(phi(t, 1.0, 0.2), 3) for t in (0.5, 1.0, 1.5)]
print("phi at 0.5, 1.0, 1.5 s (logistic):", at)
