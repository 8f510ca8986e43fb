# %% [markdown]
# # Regression detection (性能回归检测)
#
# Companion script of chapter 6.4: change points in a benchmark history (E-divisive with
# t-tests, as Apache Otava does), and "is run B slower than run A?" with Mann-Whitney
# and a bootstrap interval.

# %%
import numpy as np

from otlpkb.tuning.regression import change_points, compare_runs

# %% [markdown]
# ## A history of 200 nightly runs: p99 latency in ms

# %%
rng = np.random.default_rng(42)
p99 = rng.normal(20.0, 0.6, 200)
p99[70:] *= 1.12  # a regression lands at run 70
p99[150:] *= 0.95  # a fix at run 150
for cp in change_points(p99):
    print(
        f"run {cp.index}: {cp.mean_before:.2f} -> {cp.mean_after:.2f} ms "
        f"({cp.relative_change:+.1%}, p = {cp.pvalue:.1e})"
    )

# %% [markdown]
# ## Two benchmark runs of 50 requests each

# %%
a = rng.lognormal(np.log(12.0), 0.2, 50)
b = rng.lognormal(np.log(13.5), 0.2, 50)
r = compare_runs(a, b, seed=1)
print(
    f"median ratio {r.ratio:.3f}, 95 % interval [{r.ci_low:.3f}, {r.ci_high:.3f}], "
    f"Mann-Whitney p = {r.pvalue:.4f}: {'slower' if r.slower else 'not shown slower'}"
)
