"""Our change-point method with Apache Otava 0.8.0's two implementation artefacts put back.

Evidence, not a feature: if this model reproduces every Otava answer, the differences
between `otlpkb.tuning.regression.change_points` and Otava are exactly these two:

1. ``ddof``: `otava.analysis.TTestSignificanceTester.compare` passes ``np.std`` (population
   standard deviation, ddof=0) to ``scipy.stats.ttest_ind_from_stats``, whose ``std1`` and
   ``std2`` are documented as the corrected sample standard deviations (ddof=1); every
   p-value comes out too small.
2. ``stale``: after removing the weakest change point, `otava.analysis.merge` recomputes the
   statistics of the points at positions ``i`` and ``i + 1`` of the shortened list — the
   right neighbour and the one after it — instead of ``i - 1`` and ``i``, so the left
   neighbour keeps the p-value of a segment that no longer exists (and the merge compares
   p-values with ``<`` where the split pass uses ``<=``).

A third difference is one of definition, not a defect: Otava filters on
``max(|after/before - 1|, |before/after - 1|)`` where the chapter's `ChangePoint.magnitude`
is ``|after/before - 1|``; the model uses Otava's.
"""

from __future__ import annotations

import numpy as np

from otlpkb.tuning import regression as R  # noqa: N812


def model(series, *, window=50, max_pvalue=0.001, min_magnitude=0.0, ddof0=True, stale=True):
    x = np.asarray(series, dtype=float)
    seg = R._Segments(x)
    correct = seg.test

    def test(lo, split, hi):
        if not ddof0:
            return correct(lo, split, hi)
        a, b = x[lo:split], x[split:hi]
        if len(a) + len(b) <= 2:
            return 1.0, float(a.mean()), float(b.mean())
        # population variances passed where sample variances belong
        p = R._ttest(
            len(a), a.mean(), a.var() * (len(a) - 1), len(b), b.mean(), b.var() * (len(b) - 1)
        )
        return p, float(a.mean()), float(b.mean())

    seg.test = test
    weak = R._split(x, seg, window, R._first_pass(max_pvalue))
    cps, n = list(weak), len(x)

    def stats(i):
        lo = cps[i - 1] if i > 0 else 0
        hi = cps[i + 1] if i + 1 < len(cps) else n
        p, before, after = seg.test(lo, cps[i], hi)
        rel = abs(R._relative(before, after))
        return p, before, after, max(rel, abs(R._relative(after, before)))  # Otava's magnitude

    table = [stats(i) for i in range(len(cps))]
    while cps:
        w = max(range(len(cps)), key=lambda i: table[i][0])
        passes = table[w][0] < max_pvalue if stale else table[w][0] <= max_pvalue
        if passes:
            w = min(range(len(cps)), key=lambda i: table[i][3])
            if table[w][3] > min_magnitude:
                break
        del cps[w], table[w]
        for i in (w, w + 1) if stale else (w - 1, w):
            if 0 <= i < len(cps):
                table[i] = stats(i)
    return cps, [t[0] for t in table]
