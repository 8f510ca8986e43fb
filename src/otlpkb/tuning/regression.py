r"""Performance regressions in benchmark histories: change points and two-run comparisons.

The reference implementation of the chapter *Regression detection* (6.4):

* `change_points`: E-divisive change-point detection (Matteson & James 2014, with
  $\alpha = 1$) made practical the way Apache Otava (formerly Hunter, Fleming et al. 2023)
  does it: candidates from the E-divisive statistic $\hat Q$ in sliding windows, each
  accepted by a two-sample Student t-test on the split (the *split* pass, at a relaxed
  significance level), then the weakest points removed one at a time until every survivor
  passes the test at ``max_pvalue`` and moves the mean by more than ``min_magnitude``
  (the *merge* pass);
* `mann_whitney`: the Mann–Whitney U test (exact null distribution for small samples
  without ties, the normal approximation with tie and continuity corrections otherwise);
* `bootstrap_ratio`: a percentile bootstrap confidence interval for the ratio of a
  statistic (median or mean) of run B over run A;
* `compare_runs`: both at once, answering "is B slower than A?".

No scipy: the Student t and normal tails are computed here (regularized incomplete beta by
Lentz's continued fraction; ``math.erfc``).

See the chapter *Regression detection* (6.4).

Examples:
    >>> import numpy as np
    >>> rng = np.random.default_rng(7)
    >>> series = np.concatenate([rng.normal(100, 2, 80), rng.normal(110, 2, 80)])
    >>> [(c.index, round(c.magnitude, 2)) for c in change_points(series)]
    [(80, 0.1)]
    >>> r = compare_runs(rng.normal(100, 5, 30), rng.normal(112, 5, 30), seed=1)
    >>> r.slower, r.ci_low > 1.0
    (True, True)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from otlpkb._checks import positive

__all__ = [
    "BootstrapInterval",
    "ChangePoint",
    "MannWhitney",
    "RunComparison",
    "bootstrap_ratio",
    "change_points",
    "compare_runs",
    "e_divisive_statistic",
    "mann_whitney",
    "student_t_test",
]

FloatArray = npt.NDArray[np.float64]
Alternative = Literal["two-sided", "greater", "less"]


@dataclass(frozen=True)
class ChangePoint:
    r"""A change in the mean of a series.

    Attributes:
        index: the first index of the new regime (``series[index]`` is the first point
            after the change).
        pvalue: two-sided Student t-test p-value of the segment before against the segment
            after (each segment runs to the neighbouring change point or the series' end).
        mean_before: mean of the segment before ``index``.
        mean_after: mean of the segment from ``index`` on.
        magnitude: $|\bar x_\text{after} / \bar x_\text{before} - 1|$ (``inf`` when the
            mean before is 0 and the mean after is not, 0 when both are 0).
    """

    index: int
    pvalue: float
    mean_before: float
    mean_after: float
    magnitude: float

    @property
    def relative_change(self) -> float:
        """Signed change of the mean, ``mean_after / mean_before - 1``."""
        return _relative(self.mean_before, self.mean_after)


def _relative(before: float, after: float) -> float:
    if before == 0.0:
        return 0.0 if after == 0.0 else math.copysign(math.inf, after)
    return after / before - 1.0


def _series(name: str, values: object, minimum: int = 0) -> FloatArray:
    try:
        x = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be a sequence of real numbers: {error}") from None
    if x.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {x.shape}")
    if len(x) < minimum:
        raise ValueError(f"{name} needs at least {minimum} values, got {len(x)}")
    bad = np.flatnonzero(~np.isfinite(x))
    if len(bad):
        raise ValueError(f"{name}[{bad[0]}] must be finite, got {x[bad[0]]}")
    return x


# ---------------------------------------------------------------------------- t-test


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function $I_x(a, b)$."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _betacf(a, b, x) / a
    return 1.0 - math.exp(log_front) * _betacf(b, a, 1.0 - x) / b


def _t_two_sided(t: float, df: float) -> float:
    r"""$P(|T| \ge |t|)$ for Student's t with ``df`` degrees of freedom."""
    if math.isnan(t):
        return 1.0
    if math.isinf(t):
        return 0.0
    return min(1.0, _betainc(0.5 * df, 0.5, df / (df + t * t)))


def _moments(lo: int, hi: int, s1: FloatArray, s2: FloatArray) -> tuple[int, float, float]:
    """Count, mean and sum of squared deviations of a segment from prefix sums."""
    n = hi - lo
    total = float(s1[hi] - s1[lo])
    mean = total / n
    # Sums of squares about a shift (the series' first value) keep precision for data
    # far from zero; clamp the rounding residue of a constant segment at 0.
    ss = max(float(s2[hi] - s2[lo]) - total * total / n, 0.0)
    return n, mean, ss


def _ttest(n1: int, m1: float, ss1: float, n2: int, m2: float, ss2: float) -> float:
    """Two-sided pooled-variance Student t-test p-value from counts, means, sums of squares."""
    df = n1 + n2 - 2
    if df <= 0:
        return 1.0
    # --8<-- [start:ttest]
    pooled = (ss1 + ss2) / df  # sample variances with ddof=1, pooled
    se = math.sqrt(pooled * (1.0 / n1 + 1.0 / n2))
    if se == 0.0:
        return 1.0 if m1 == m2 else 0.0
    return _t_two_sided((m2 - m1) / se, df)
    # --8<-- [end:ttest]


def student_t_test(before: npt.ArrayLike, after: npt.ArrayLike) -> float:
    """Two-sided two-sample Student t-test (pooled variance) p-value.

    The test `change_points` applies to a split: sample variances with ``ddof=1``, pooled
    over ``n1 + n2 - 2`` degrees of freedom (what ``scipy.stats.ttest_ind`` computes).

    Args:
        before: the first sample, at least one value.
        after: the second sample, at least one value.

    Returns:
        The p-value; 1 when there are no degrees of freedom or both samples are constant
        and equal, 0 when both are constant and differ.

    Raises:
        ValueError: an empty sample or a non-finite value.

    Examples:
        >>> round(student_t_test([1.0, 2.0, 3.0, 4.0], [3.0, 4.0, 5.0, 6.0]), 4)
        0.071
    """
    a = _series("before", before, 1)
    b = _series("after", after, 1)
    ss1 = float(((a - a.mean()) ** 2).sum())
    ss2 = float(((b - b.mean()) ** 2).sum())
    return _ttest(len(a), float(a.mean()), ss1, len(b), float(b.mean()), ss2)


# --------------------------------------------------------------------- E-divisive


def e_divisive_statistic(window: npt.ArrayLike) -> FloatArray:
    r"""The E-divisive statistic $\hat Q(\tau, \kappa)$ of every split of ``window``.

    For $X = z_{0..\tau-1}$ and $Y = z_{\tau..\kappa-1}$ with $n = \tau$, $m = \kappa - \tau$
    (Matteson & James 2014, $\alpha = 1$):

    $$\hat Q = \frac{2}{m+n}\sum_{i,j}|X_i - Y_j|
    - \frac{2m}{(m+n)(n-1)}\sum_{i<k}|X_i - X_k|
    - \frac{2n}{(m+n)(m-1)}\sum_{j<k}|Y_j - Y_k|,$$

    a within-sum term being 0 when its sample has one point.

    Args:
        window: the values, at least two.

    Returns:
        A matrix ``q`` with ``q[tau - 1, kappa - 2]`` $= \hat Q(\tau, \kappa)$ for
        $1 \le \tau < \kappa \le$ ``len(window)``; ``-inf`` where $\kappa \le \tau$.

    Examples:
        >>> q = e_divisive_statistic([0.0, 0.0, 5.0, 5.0])
        >>> tau, kappa = np.unravel_index(np.argmax(q), q.shape)
        >>> int(tau) + 1, float(q.max())
        (2, 10.0)
    """
    z = _series("window", window, 2)
    return _qhat(z)


def _qhat(z: FloatArray) -> FloatArray:
    m = len(z)
    # --8<-- [start:qhat]
    dist = np.abs(z[:, None] - z[None, :])
    p = np.zeros((m + 1, m + 1))  # p[r, c] = sum of dist[:r, :c]
    p[1:, 1:] = dist.cumsum(axis=0).cumsum(axis=1)
    tau = np.arange(1, m)[:, None]  # first index of Y
    kappa = np.arange(2, m + 1)[None, :]  # one past the last index of Y
    k = np.minimum(kappa, m)  # keeps indices valid where kappa <= tau (masked below)
    ptt, pkk, ptk = p[tau, tau], p[k, k], p[tau, k]
    within_x = ptt / 2.0  # sum over i < k < tau of |z_i - z_k|
    within_y = (pkk - 2.0 * ptk + ptt) / 2.0
    between = ptk - ptt  # sum over X x Y
    n, mm = tau, kappa - tau
    with np.errstate(divide="ignore", invalid="ignore"):
        q = (
            2.0 * between / kappa
            - np.where(n > 1, 2.0 * mm / (kappa * (n - 1.0)), 0.0) * within_x
            - np.where(mm > 1, 2.0 * n / (kappa * (mm - 1.0)), 0.0) * within_y
        )
    return np.where(kappa > tau, q, -np.inf)
    # --8<-- [end:qhat]


def _best_split(z: FloatArray) -> tuple[float, int]:
    r"""The largest $\hat Q$ of ``z`` and its split point (first maximum in row order)."""
    q = _qhat(z)
    flat = int(np.argmax(q))
    return float(q.flat[flat]), flat // q.shape[1] + 1


class _Segments:
    """Prefix sums of one series: t-tests on any two adjacent segments in O(1)."""

    def __init__(self, x: FloatArray) -> None:
        shifted = x - x[0]
        self.s1 = np.concatenate(([0.0], np.cumsum(shifted)))
        self.s2 = np.concatenate(([0.0], np.cumsum(shifted * shifted)))
        self.shift = float(x[0])

    def test(self, lo: int, split: int, hi: int) -> tuple[float, float, float]:
        """p-value and the two means of ``x[lo:split]`` against ``x[split:hi]``."""
        n1, m1, ss1 = _moments(lo, split, self.s1, self.s2)
        n2, m2, ss2 = _moments(split, hi, self.s1, self.s2)
        return _ttest(n1, m1, ss1, n2, m2, ss2), m1 + self.shift, m2 + self.shift


def _divisive(x: FloatArray, seg: _Segments, lo: int, hi: int, max_pvalue: float) -> list[int]:
    """E-divisive on ``x[lo:hi]``: split at the best candidate while its t-test passes."""
    found: list[int] = []
    bounds = [lo, hi]
    best: dict[tuple[int, int], tuple[float, int]] = {}
    # --8<-- [start:divisive]
    while True:
        candidates = []
        for a, b in itertools.pairwise(bounds):
            if b - a > 1:
                if (a, b) not in best:
                    best[(a, b)] = _best_split(x[a:b])
                qhat, tau = best[(a, b)]
                candidates.append((qhat, a + tau, a, b))
        if not candidates:
            return found
        qhat, split, a, b = max(candidates, key=lambda c: c[0])  # first on ties
        pvalue, _, _ = seg.test(a, split, b)
        if pvalue > max_pvalue:
            return found
        found.append(split)
        bounds = sorted([*bounds, split])
    # --8<-- [end:divisive]


def _first_pass(max_pvalue: float) -> float:
    """The split pass's relaxed level: Otava's rule (10x below 0.05, 2x below 0.5)."""
    if max_pvalue < 0.05:
        return max_pvalue * 10.0
    if max_pvalue < 0.5:
        return max_pvalue * 2.0
    return max_pvalue


def _window(window: object) -> int:
    if isinstance(window, bool) or not isinstance(window, int | np.integer):
        raise TypeError(f"window must be an int, got {window!r}")
    if window < 2:
        raise ValueError(f"window must be >= 2, got {window!r}")
    return int(window)


def change_points(
    series: npt.ArrayLike,
    *,
    window: int = 50,
    max_pvalue: float = 0.001,
    min_magnitude: float = 0.0,
) -> list[ChangePoint]:
    r"""Change points in the mean of ``series``: E-divisive candidates, t-test significance.

    **Split.** Windows of ``window`` points start every ``window // 2`` points (a window
    that finds a change point starts the next one there). In each window, E-divisive picks
    the split with the largest $\hat Q$ (`e_divisive_statistic`) and keeps it if a
    Student t-test on the two sides has a p-value at most the relaxed level (10 x
    ``max_pvalue`` below 0.05, 2 x below 0.5), then recurses into the pieces. The union over
    windows gives the *weak* change points.

    **Merge.** Each weak point is tested on the segments between its neighbours. While the
    weakest point (largest p-value) fails ``max_pvalue``, or — once all pass — the point
    with the smallest `ChangePoint.magnitude` does not exceed ``min_magnitude``, that
    point is removed and both its neighbours are tested again.

    The defaults are Apache Otava's (``window_len=50, max_pvalue=0.001,
    min_magnitude=0.0``).

    Args:
        series: the values in time order (a benchmark metric per commit or run).
        window: sliding window length, >= 2.
        max_pvalue: significance level of the final change points, in (0, 1].
        min_magnitude: keep only changes of the mean larger than this fraction, >= 0.

    Returns:
        The change points in index order.

    Raises:
        TypeError: ``series`` is not numeric, or ``window`` is not an int.
        ValueError: a non-finite value, a 2-D series, or a parameter out of range.

    Examples:
        >>> cps = change_points([1.0] * 20 + [2.0] * 20)
        >>> [(c.index, c.mean_before, c.mean_after, c.magnitude) for c in cps]
        [(20, 1.0, 2.0, 1.0)]
    """
    x = _series("series", series)
    w = _window(window)
    level = positive("max_pvalue", max_pvalue)
    if level > 1.0:
        raise ValueError(f"max_pvalue must be in (0, 1], got {max_pvalue!r}")
    floor = float(min_magnitude)
    if not (math.isfinite(floor) and floor >= 0.0):
        raise ValueError(f"min_magnitude must be a finite number >= 0, got {min_magnitude!r}")
    if len(x) < 2:
        return []
    seg = _Segments(x)
    weak = _split(x, seg, w, _first_pass(level))
    return _merge(seg, len(x), weak, level, floor)


def _split(x: FloatArray, seg: _Segments, window: int, level: float) -> list[int]:
    found: set[int] = set()
    step = window // 2
    start = 0
    # --8<-- [start:split]
    while start < len(x):
        end = min(start + window, len(x))
        new = _divisive(x, seg, start, end, level)
        found.update(new)
        start = max(max(new, default=0), start + step)
    # --8<-- [end:split]
    return sorted(found)


def _merge(
    seg: _Segments, n: int, weak: list[int], max_pvalue: float, min_magnitude: float
) -> list[ChangePoint]:
    cps = list(weak)

    def stats(i: int) -> tuple[float, float, float, float]:
        lo = cps[i - 1] if i > 0 else 0
        hi = cps[i + 1] if i + 1 < len(cps) else n
        p, before, after = seg.test(lo, cps[i], hi)
        return p, before, after, abs(_relative(before, after))

    table = [stats(i) for i in range(len(cps))]
    # --8<-- [start:merge]
    while cps:
        weakest = max(range(len(cps)), key=lambda i: table[i][0])
        if table[weakest][0] <= max_pvalue:
            weakest = min(range(len(cps)), key=lambda i: table[i][3])
            if table[weakest][3] > min_magnitude:
                break
        del cps[weakest], table[weakest]
        for i in (weakest - 1, weakest):  # the two neighbours now span wider segments
            if 0 <= i < len(cps):
                table[i] = stats(i)
    # --8<-- [end:merge]
    return [
        ChangePoint(index=i, pvalue=p, mean_before=b, mean_after=a, magnitude=m)
        for i, (p, b, a, m) in zip(cps, table)
    ]


# ------------------------------------------------------------------- Mann-Whitney


@dataclass(frozen=True)
class MannWhitney:
    """The Mann–Whitney U test of two samples.

    Attributes:
        u: $U_1$, the number of pairs $(x_i, y_j)$ with $x_i > y_j$ plus half the ties
            (``scipy.stats.mannwhitneyu``'s statistic for its first sample).
        pvalue: the p-value for ``alternative``.
        method: ``"exact"`` (no ties and a sample of at most 8) or ``"asymptotic"``.
    """

    u: float
    pvalue: float
    method: Literal["exact", "asymptotic"]


def _average_ranks(values: FloatArray) -> tuple[FloatArray, FloatArray]:
    """1-based ranks with ties averaged, and the size of every tie group."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    new_group = np.concatenate(([True], sorted_values[1:] != sorted_values[:-1]))
    starts = np.flatnonzero(new_group)
    sizes = np.diff(np.concatenate((starts, [len(values)])))
    group_rank = starts + (sizes + 1) / 2.0  # mean of ranks start+1 .. start+size
    ranks = np.empty(len(values))
    ranks[order] = np.repeat(group_rank, sizes)
    return ranks, sizes.astype(np.float64)


def _u_frequencies(n1: int, n2: int) -> FloatArray:
    r"""Counts of each U in 0..n1*n2 over the C(n1+n2, n1) equally likely arrangements.

    The generating function is the Gaussian binomial coefficient
    $\prod_{i=1}^{k} (1 - q^{N-k+i}) / (1 - q^i)$ with $k = \min(n_1, n_2)$.
    """
    k, total = min(n1, n2), n1 + n2
    size = n1 * n2 + 1
    poly = np.zeros(size)
    poly[0] = 1.0
    for i in range(1, k + 1):
        j = total - k + i  # multiply by (1 - q^j), truncated at degree n1*n2
        if j < size:
            poly[j:] -= poly[: size - j].copy()
        for u in range(i, size):  # divide by (1 - q^i): a running sum with stride i
            poly[u] += poly[u - i]
    return np.rint(poly)


def mann_whitney(
    x: npt.ArrayLike, y: npt.ArrayLike, *, alternative: Alternative = "two-sided"
) -> MannWhitney:
    """The Mann–Whitney U test: is ``x`` stochastically larger (or smaller) than ``y``?

    ``alternative="greater"`` tests whether values of ``x`` tend to exceed those of ``y``:
    for "is run B slower than run A", call ``mann_whitney(b, a, alternative="greater")``.
    The exact null distribution is used when there are no ties and one sample has at most
    8 values; otherwise the normal approximation with the tie correction and a continuity
    correction of 1/2 (the choices ``scipy.stats.mannwhitneyu`` makes by default).

    Args:
        x: first sample, at least one value.
        y: second sample, at least one value.
        alternative: ``"two-sided"``, ``"greater"`` or ``"less"``.

    Returns:
        $U_1$ and the p-value.

    Raises:
        ValueError: an empty sample, a non-finite value or an unknown alternative.

    Examples:
        >>> r = mann_whitney([10.0, 11.0, 12.0], [1.0, 2.0, 3.0], alternative="greater")
        >>> r.u, r.pvalue, r.method
        (9.0, 0.05, 'exact')
    """
    a = _series("x", x, 1)
    b = _series("y", y, 1)
    if alternative not in ("two-sided", "greater", "less"):
        raise ValueError(
            f"alternative must be 'two-sided', 'greater' or 'less', got {alternative!r}"
        )
    n1, n2 = len(a), len(b)
    # --8<-- [start:mann_whitney]
    ranks, ties = _average_ranks(np.concatenate((a, b)))
    u1 = float(ranks[:n1].sum()) - n1 * (n1 + 1) / 2.0
    u2 = n1 * n2 - u1
    picks = {"greater": (u1, 1.0), "less": (u2, 1.0)}
    u, factor = picks.get(alternative, (max(u1, u2), 2.0))
    exact = min(n1, n2) <= 8 and bool((ties == 1).all())
    if exact:  # P(U >= u) from the exact counts
        freq = _u_frequencies(n1, n2)
        p = float(freq[round(u) :].sum() / freq.sum())
    else:  # normal approximation, tie-corrected, continuity correction 1/2
        n = n1 + n2
        tie_term = float((ties**3 - ties).sum()) / (n * (n - 1))
        sd = math.sqrt(n1 * n2 / 12.0 * ((n + 1) - tie_term))
        z = (u - n1 * n2 / 2.0 - 0.5) / sd if sd > 0 else 0.0
        p = 0.5 * math.erfc(z / math.sqrt(2.0))
    # --8<-- [end:mann_whitney]
    return MannWhitney(u=u1, pvalue=min(1.0, p * factor), method="exact" if exact else "asymptotic")


# ----------------------------------------------------------------------- bootstrap


@dataclass(frozen=True)
class BootstrapInterval:
    """A percentile bootstrap interval for ``statistic(b) / statistic(a)``.

    Attributes:
        estimate: the ratio on the original samples.
        low: lower end of the interval.
        high: upper end of the interval.
        confidence: the interval's nominal coverage.
    """

    estimate: float
    low: float
    high: float
    confidence: float


_STATISTICS: dict[str, Callable[..., FloatArray]] = {"median": np.median, "mean": np.mean}


def bootstrap_ratio(
    a: npt.ArrayLike,
    b: npt.ArrayLike,
    *,
    statistic: Literal["median", "mean"] = "median",
    confidence: float = 0.95,
    resamples: int = 4000,
    seed: int = 0,
) -> BootstrapInterval:
    r"""Percentile bootstrap interval for the ratio ``statistic(b) / statistic(a)``.

    Each sample is resampled with replacement on its own (the runs are independent), the
    ratio is computed for every pair of resamples, and the interval is the
    $(1 \mp \text{confidence})/2$ quantiles of those ratios. A ratio of 1.08 reads
    "B is 8 % slower"; an interval entirely above 1 is evidence that it is slower.

    Args:
        a: the baseline run (e.g. latencies), at least one value; its statistic must not
            be 0.
        b: the candidate run, at least one value.
        statistic: ``"median"`` or ``"mean"``.
        confidence: coverage in (0, 1).
        resamples: number of bootstrap resamples, >= 100.
        seed: seed of the resampling (the result is reproducible).

    Returns:
        The estimate and the interval.

    Raises:
        ValueError: a bad parameter, or a baseline statistic of 0.

    Examples:
        >>> ci = bootstrap_ratio([10.0, 11.0, 9.0, 10.0] * 5, [12.0, 13.0, 11.0, 12.0] * 5)
        >>> round(ci.estimate, 2), ci.low > 1.0
        (1.2, True)
    """
    xa = _series("a", a, 1)
    xb = _series("b", b, 1)
    if statistic not in _STATISTICS:
        raise ValueError(f"statistic must be 'median' or 'mean', got {statistic!r}")
    level = positive("confidence", confidence)
    if level >= 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    if isinstance(resamples, bool) or not isinstance(resamples, int) or resamples < 100:
        raise ValueError(f"resamples must be an int >= 100, got {resamples!r}")
    stat = _STATISTICS[statistic]
    base = float(stat(xa))
    if base == 0.0:
        raise ValueError(f"the {statistic} of a is 0: the ratio is undefined")
    rng = np.random.default_rng(seed)
    # --8<-- [start:bootstrap]
    ratios = np.empty(resamples)
    block = max(1, 2_000_000 // max(len(xa), len(xb)))  # bounded memory per step
    for lo in range(0, resamples, block):
        hi = min(resamples, lo + block)
        ia = rng.integers(0, len(xa), size=(hi - lo, len(xa)))
        ib = rng.integers(0, len(xb), size=(hi - lo, len(xb)))
        ratios[lo:hi] = stat(xb[ib], axis=1) / stat(xa[ia], axis=1)
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(ratios, [tail, 1.0 - tail])
    # --8<-- [end:bootstrap]
    return BootstrapInterval(
        estimate=float(stat(xb)) / base, low=float(low), high=float(high), confidence=level
    )


@dataclass(frozen=True)
class RunComparison:
    """Is run B slower than run A? The evidence of two tests.

    Attributes:
        ratio: ``median(b) / median(a)``.
        ci_low: lower end of the bootstrap interval of the ratio.
        ci_high: upper end of the bootstrap interval of the ratio.
        u: Mann–Whitney $U$ of ``b`` against ``a``.
        pvalue: one-sided Mann–Whitney p-value for "B tends to be larger than A".
        slower: ``pvalue < alpha`` and ``ci_low > 1``: both tests agree that B is slower.
    """

    ratio: float
    ci_low: float
    ci_high: float
    u: float
    pvalue: float
    slower: bool


def compare_runs(
    a: npt.ArrayLike,
    b: npt.ArrayLike,
    *,
    alpha: float = 0.05,
    confidence: float = 0.95,
    resamples: int = 4000,
    seed: int = 0,
) -> RunComparison:
    """Compare two benchmark runs of a "lower is better" metric (latency, CPU time).

    Args:
        a: the baseline run's measurements.
        b: the candidate run's measurements.
        alpha: significance level of the one-sided Mann–Whitney test, in (0, 1).
        confidence: coverage of the bootstrap interval of the median ratio.
        resamples: bootstrap resamples.
        seed: bootstrap seed.

    Returns:
        The ratio of medians with its interval, the test, and the verdict.

    Raises:
        ValueError: as `mann_whitney` and `bootstrap_ratio`, or ``alpha`` out of range.

    Examples:
        >>> r = compare_runs([10.0, 10.5, 9.8, 10.2] * 4, [10.1, 10.4, 9.9, 10.0] * 4)
        >>> r.slower
        False
    """
    level = positive("alpha", alpha)
    if level >= 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    test = mann_whitney(b, a, alternative="greater")
    ci = bootstrap_ratio(a, b, confidence=confidence, resamples=resamples, seed=seed)
    return RunComparison(
        ratio=ci.estimate,
        ci_low=ci.low,
        ci_high=ci.high,
        u=test.u,
        pvalue=test.pvalue,
        slower=test.pvalue < level and ci.low > 1.0,
    )
