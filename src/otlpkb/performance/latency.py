"""Latency analysis: exact and sketched percentiles, fan-out tails, stage composition, budgets.

Telemetry pipelines answer latency questions at two levels. A single span's duration is a
sample; a dashboard's p99 is a quantile of many samples, usually computed from a histogram
that was merged across processes. This module provides

- `exact_quantile`, the order statistic the rest of the module is measured against;
- `LogHistogram`, a mergeable logarithmic histogram (the DDSketch mapping) whose
  quantiles are within a stated relative error of the exact ones, for any data;
- `fanout_slow_probability` and `fanout_required_quantile`, the arithmetic of
  "the tail at scale" (a request that waits for ``N`` parallel calls);
- `serial` and `parallel`, latency of stages in sequence (sum) and in parallel
  (max) by seeded resampling of per-stage samples;
- `split_budget` and `check_budget`, an end-to-end latency budget across the
  stages of a pipeline.

See the chapter *Latency analysis* (1.2).

Examples:
    >>> from otlpkb.performance.latency import LogHistogram, fanout_slow_probability
    >>> h = LogHistogram(relative_accuracy=0.01)
    >>> h.add([0.010, 0.012, 0.015, 0.020, 1.0])
    >>> h.count, round(h.quantile(0.5), 5)    # exact: 0.015, within 1 %
    (5, 0.01514)
    >>> round(fanout_slow_probability(0.01, 100), 3)
    0.634
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from otlpkb._checks import real as _real

__all__ = [
    "BudgetReport",
    "LogHistogram",
    "check_budget",
    "exact_quantile",
    "exponential_histogram_accuracy",
    "exponential_histogram_scale",
    "fanout_required_quantile",
    "fanout_slow_probability",
    "parallel",
    "serial",
    "split_budget",
]

FloatArray = npt.NDArray[np.float64]

#: Values below the smallest normal double are counted as zeros (see LogHistogram).
_MIN_POSITIVE = np.finfo(np.float64).tiny


def _latencies(name: str, values: Any, allow_empty: bool = False) -> FloatArray:
    arr = np.asarray(values, dtype=np.float64).ravel()
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{name} must not be empty")
    if arr.size:
        bad = ~np.isfinite(arr) | (arr < 0)
        if np.any(bad):
            raise ValueError(f"{name} must be finite latencies >= 0, got {float(arr[bad][0])!r}")
    return arr


def _quantiles(q: Any) -> FloatArray:
    qq = np.asarray(q, dtype=np.float64)
    bad = ~(np.isfinite(qq) & (qq >= 0) & (qq <= 1))
    if np.any(bad):
        raise ValueError(f"q must be in [0, 1], got {float(qq[bad].ravel()[0])!r}")
    return qq


def _ranks(q: FloatArray, n: int) -> npt.NDArray[np.int64]:
    """The 0-based rank floor(q (n - 1)) of the lower order statistic."""
    return np.floor(q * (n - 1)).astype(np.int64)


# ----------------------------------------------------------------------------- exact


@overload
def exact_quantile(values: npt.ArrayLike, q: float) -> float: ...
@overload
def exact_quantile(values: npt.ArrayLike, q: FloatArray | Sequence[float]) -> FloatArray: ...


def exact_quantile(
    values: npt.ArrayLike, q: float | FloatArray | Sequence[float]
) -> float | FloatArray:
    """The lower order statistic: the sorted sample at 0-based rank ``floor(q (n - 1))``.

    This is the definition DDSketch uses and what ``numpy.quantile(values, q,
    method="lower")`` returns: always one of the observed values, never an interpolation.

    Args:
        values: latency samples (``>= 0``, finite), at least one.
        q: quantile(s) in ``[0, 1]``.

    Returns:
        The quantile(s): a float for a scalar ``q``, else an array shaped like ``q``.

    Raises:
        ValueError: for empty or invalid ``values`` or ``q`` outside ``[0, 1]``.

    Examples:
        >>> exact_quantile([5.0, 1.0, 3.0, 2.0], [0.0, 0.5, 0.99, 1.0]).tolist()
        [1.0, 2.0, 3.0, 5.0]
    """
    qq = _quantiles(q)
    # --8<-- [start:exact_quantile]
    arr = np.sort(_latencies("values", values))
    out = arr[_ranks(qq, arr.size)]  # the 0-based rank floor(q (n - 1))
    # --8<-- [end:exact_quantile]
    return float(out) if out.ndim == 0 else out


# ----------------------------------------------------------------------------- sketch


class LogHistogram:
    """A mergeable histogram with logarithmic buckets and relative-error quantiles.

    With ``gamma = (1 + alpha) / (1 - alpha)``, a value ``x > 0`` goes to bucket
    ``i = ceil(log_gamma(x))``, which holds ``(gamma^(i-1), gamma^i]``; the bucket's value
    ``2 gamma^i / (gamma + 1)`` is within relative error ``alpha`` of everything in it.
    Because the bucket of the rank-``r`` sample is found exactly from the counts, every
    quantile is within ``alpha`` (relative) of the exact lower order statistic
    (`exact_quantile`), whatever the data (Masson, Rim and Lee, VLDB 2019).

    Zeros are counted apart (so are values below the smallest normal double, about
    2.2e-308, which cannot be bucketed with relative accuracy); negative values, NaN and
    infinities are rejected. Memory is one counter per bucket from the lowest to the
    highest occupied one: ``ceil(log_gamma max) - ceil(log_gamma min) + 1`` counters
    (`buckets_needed`), which is at most ``ceil(ln(max/min) / ln(gamma)) + 1``: 1,037 at
    ``alpha = 1 %`` for latencies from 1 microsecond to 1,000 seconds, and about 71,000
    for the whole range of normal doubles.

    Args:
        relative_accuracy: ``alpha``, strictly between 0 and 1 (e.g. ``0.01`` for 1 %).

    Examples:
        >>> h = LogHistogram(0.02)
        >>> h.add([0.0, 0.1, 0.2, 0.3])
        >>> h.quantile([0.0, 0.5, 1.0]).round(4).tolist()   # exact: 0, 0.1, 0.3
        [0.0, 0.1002, 0.2951]
    """

    __slots__ = (
        "_counts",
        "_gamma",
        "_inv_ln_gamma",
        "_max",
        "_min",
        "_offset",
        "_zeros",
        "relative_accuracy",
    )

    relative_accuracy: float
    _gamma: float
    _inv_ln_gamma: float
    _counts: npt.NDArray[np.int64]
    _offset: int
    _zeros: int
    _min: float
    _max: float

    def __init__(self, relative_accuracy: float = 0.01) -> None:
        if (
            isinstance(relative_accuracy, bool)
            or not isinstance(relative_accuracy, numbers.Real)
            or not 0 < relative_accuracy < 1
        ):
            raise ValueError(
                f"relative_accuracy must be strictly between 0 and 1, got {relative_accuracy!r}"
            )
        self.relative_accuracy = float(relative_accuracy)
        self._gamma = (1 + self.relative_accuracy) / (1 - self.relative_accuracy)
        self._inv_ln_gamma = 1.0 / math.log(self._gamma)
        self._counts = np.zeros(0, dtype=np.int64)
        self._offset = 0  # bucket index of _counts[0]
        self._zeros = 0
        self._min = math.inf
        self._max = -math.inf

    @property
    def gamma(self) -> float:
        """The bucket growth factor ``(1 + alpha) / (1 - alpha)``."""
        return self._gamma

    @property
    def count(self) -> int:
        """How many values were added (zeros included)."""
        return int(self._counts.sum()) + self._zeros

    @property
    def num_buckets(self) -> int:
        """Number of bucket counters held (the span from the lowest to the highest bucket)."""
        return int(self._counts.size)

    @property
    def nbytes(self) -> int:
        """Bytes held by the bucket counters."""
        return int(self._counts.nbytes)

    def buckets_needed(self, low: float, high: float) -> int:
        """Bucket counters this histogram keeps once it holds values from ``low`` to ``high``.

        The counters span bucket ``ceil(log_gamma low)`` to ``ceil(log_gamma high)``, so the
        count is their difference plus one. It depends on where the two values fall
        against the bucket edges, not only on their ratio: ``gamma^0.9`` and
        ``gamma^1.1`` (a ratio of ``gamma^0.2``) need two counters.

        Args:
            low: the smallest positive value, at least the smallest normal double.
            high: the largest value, ``>= low``, finite.

        Returns:
            The number of counters, the same as `num_buckets` after adding both values.

        Raises:
            TypeError: if a bound is not a real number.
            ValueError: for a bound that is not finite and normal, or ``low > high``.

        Examples:
            >>> h = LogHistogram(0.01)
            >>> h.buckets_needed(1e-6, 1e3)
            1037
            >>> h.buckets_needed(h.gamma**0.9, h.gamma**1.1)
            2
        """
        lo = _real("low", low)
        hi = _real("high", high)
        if not (_MIN_POSITIVE <= lo <= hi):
            raise ValueError(
                f"need {float(_MIN_POSITIVE):.3g} <= low <= high, got low={low!r}, high={high!r}"
            )
        # --8<-- [start:buckets_needed]
        first = math.ceil(math.log(lo) * self._inv_ln_gamma)  # bucket of the smallest value
        last = math.ceil(math.log(hi) * self._inv_ln_gamma)
        return last - first + 1
        # --8<-- [end:buckets_needed]

    def _grow(self, lo: int, hi: int) -> None:
        """Make the counter array cover bucket indices ``lo..hi``."""
        if self._counts.size == 0:
            self._offset = lo
            self._counts = np.zeros(hi - lo + 1, dtype=np.int64)
            return
        new_lo = min(lo, self._offset)
        new_hi = max(hi, self._offset + self._counts.size - 1)
        if new_lo == self._offset and new_hi == self._offset + self._counts.size - 1:
            return
        grown = np.zeros(new_hi - new_lo + 1, dtype=np.int64)
        start = self._offset - new_lo
        grown[start : start + self._counts.size] = self._counts
        self._counts, self._offset = grown, new_lo

    def add(self, values: npt.ArrayLike) -> None:
        """Add one latency or an array of latencies (``>= 0``, finite).

        Raises:
            ValueError: for a negative, NaN or infinite value (named in the message).
        """
        arr = _latencies("values", values, allow_empty=True)
        if arr.size == 0:
            return
        self._min = min(self._min, float(arr.min()))
        self._max = max(self._max, float(arr.max()))
        positive = arr[arr >= _MIN_POSITIVE]
        self._zeros += int(arr.size - positive.size)
        if positive.size == 0:
            return
        # --8<-- [start:loghistogram-add]
        idx = np.ceil(np.log(positive) * self._inv_ln_gamma).astype(np.int64)  # i(x)
        self._grow(int(idx.min()), int(idx.max()))  # one dense counter per bucket
        self._counts += np.bincount(idx - self._offset, minlength=self._counts.size)
        # --8<-- [end:loghistogram-add]

    def merge(self, other: LogHistogram) -> None:
        """Add ``other``'s counts into this histogram (same ``relative_accuracy`` required).

        Raises:
            TypeError: if ``other`` is not a `LogHistogram`.
            ValueError: if the two accuracies differ.
        """
        if not isinstance(other, LogHistogram):
            raise TypeError(f"other must be a LogHistogram, got {type(other).__name__}")
        if other.relative_accuracy != self.relative_accuracy:
            raise ValueError(
                f"other has relative_accuracy {other.relative_accuracy!r}, "
                f"this histogram {self.relative_accuracy!r}: they cannot be merged"
            )
        self._zeros += other._zeros
        self._min = min(self._min, other._min)
        self._max = max(self._max, other._max)
        if other._counts.size:
            # --8<-- [start:loghistogram-merge]
            self._grow(other._offset, other._offset + other._counts.size - 1)
            start = other._offset - self._offset  # align the two bucket ranges
            self._counts[start : start + other._counts.size] += other._counts
            # --8<-- [end:loghistogram-merge]

    @overload
    def quantile(self, q: float) -> float: ...
    @overload
    def quantile(self, q: FloatArray | Sequence[float]) -> FloatArray: ...

    def quantile(self, q: float | FloatArray | Sequence[float]) -> float | FloatArray:
        """Estimate of the lower order statistic at rank ``floor(q (count - 1))``.

        The estimate is within ``relative_accuracy`` (relative) of `exact_quantile`
        on the same data, up to floating-point rounding of the bucket boundaries.

        Args:
            q: quantile(s) in ``[0, 1]``.

        Returns:
            A float for a scalar ``q``, else an array shaped like ``q``.

        Raises:
            ValueError: if the histogram is empty or ``q`` is outside ``[0, 1]``.
        """
        n = self.count
        if n == 0:
            raise ValueError("quantile of an empty LogHistogram: add values first")
        qq = _quantiles(q)
        rank = _ranks(qq, n) - self._zeros  # rank among the positive values
        last = max(self._counts.size - 1, 0)
        with np.errstate(over="ignore"):  # near the largest doubles; clipped just below
            # --8<-- [start:loghistogram-quantile]
            cumulative = np.cumsum(self._counts)  # the bucket holding rank r: a search
            pos = np.searchsorted(cumulative, np.maximum(rank, 0), side="right")
            index = (np.minimum(pos, last) + self._offset).astype(np.float64)
            mid = math.log(2.0 / (self._gamma + 1.0))  # the value 2 gamma^i / (gamma + 1)
            value = np.exp(index / self._inv_ln_gamma + mid)
            value = np.clip(value, self._min, self._max)  # the truth lies in [min, max]
            # --8<-- [end:loghistogram-quantile]
        out = np.where(rank < 0, 0.0, value)  # ranks below zero fall among the zeros
        return float(out) if out.ndim == 0 else out

    def __repr__(self) -> str:
        return (
            f"LogHistogram(relative_accuracy={self.relative_accuracy!r}, count={self.count}, "
            f"buckets={self.num_buckets})"
        )


def exponential_histogram_accuracy(scale: int) -> float:
    """Relative accuracy of an OTLP exponential histogram with the given ``scale``.

    OTLP's exponential histogram uses ``base = 2^(2^-scale)``; with a bucket's midpoint
    taken as ``2 base^i / (base + 1)`` (as here) its worst relative error is
    ``(base - 1) / (base + 1)``, the ``alpha`` of a `LogHistogram` whose
    ``gamma`` equals ``base``.

    Args:
        scale: the exponential histogram scale (an int, OTLP allows -10..20).

    Returns:
        ``alpha = (base - 1) / (base + 1)``.

    Raises:
        ValueError: for a non-integer scale or one outside -10..20.

    Examples:
        >>> round(exponential_histogram_accuracy(0), 6)     # base 2
        0.333333
        >>> f"{exponential_histogram_accuracy(20):.3g}"
        '3.31e-07'
    """
    if isinstance(scale, bool) or not isinstance(scale, numbers.Integral) or not -10 <= scale <= 20:
        raise ValueError(f"scale must be an integer in -10..20, got {scale!r}")
    base_minus_one = math.expm1(math.ldexp(math.log(2.0), -int(scale)))
    return base_minus_one / (base_minus_one + 2.0)


def _exponential_bucket_index(value: float, scale: int) -> int:
    """OTLP's bucket index of ``value`` > 0 at ``scale``: buckets are ``(base^i, base^(i+1)]``."""
    frac, exp = math.frexp(value)  # value = frac * 2^exp, frac in [0.5, 1)
    if frac == 0.5:  # an exact power of two is the upper bound of the bucket below it
        return ((exp - 1) << scale) - 1 if scale > 0 else ((exp - 2) >> -scale)
    if scale <= 0:
        return (exp - 1) >> -scale
    return math.floor(math.log(value) * math.ldexp(1.0 / math.log(2.0), scale))


def exponential_histogram_scale(
    low: float, high: float, *, max_size: int = 160, max_scale: int = 20
) -> tuple[int, int]:
    """The scale an OTLP exponential histogram settles at for values from ``low`` to ``high``.

    An SDK's exponential histogram starts at ``max_scale`` and halves its resolution (scale
    minus one) until the bucket indexes of the smallest and largest value recorded fit in
    ``max_size`` buckets. The defaults are the OpenTelemetry SDK's (160 buckets, scale 20).
    Combine with `exponential_histogram_accuracy` for the relative error that results.

    Args:
        low: smallest positive value recorded, > 0.
        high: largest value recorded, >= ``low``.
        max_size: maximum number of buckets, >= 2.
        max_scale: the starting (finest) scale, in -10..20.

    Returns:
        ``(scale, buckets)``: the settled scale and the number of buckets in use.

    Raises:
        ValueError: on a non-positive or non-finite bound, ``low > high``, ``max_size < 2``,
            a scale outside -10..20, or a range too wide even at scale -10.

    Examples:
        >>> exponential_histogram_scale(1e-3, 10.0)  # 1 ms to 10 s
        (3, 107)
        >>> exponential_histogram_scale(1.0, 1.0)
        (20, 1)
    """
    for name, v in (("low", low), ("high", high)):
        if not (isinstance(v, numbers.Real) and math.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be a finite positive number, got {v!r}")
    if low > high:
        raise ValueError(f"low must not exceed high, got low={low!r}, high={high!r}")
    if isinstance(max_size, bool) or not isinstance(max_size, numbers.Integral) or max_size < 2:
        raise ValueError(f"max_size must be an integer >= 2, got {max_size!r}")
    exponential_histogram_accuracy(max_scale)  # validates the scale
    lo, hi = float(low), float(high)
    # --8<-- [start:histogram-scale]
    for scale in range(int(max_scale), -11, -1):  # halve the resolution until it fits
        first = _exponential_bucket_index(lo, scale)
        buckets = _exponential_bucket_index(hi, scale) - first + 1
        if buckets <= max_size:
            return scale, buckets
    # --8<-- [end:histogram-scale]
    raise ValueError(
        f"values from {low!r} to {high!r} need more than {max_size} buckets at any scale"
    )


# ----------------------------------------------------------------------------- fan-out


@overload
def fanout_slow_probability(p_slow: float, fanout: int) -> float: ...
@overload
def fanout_slow_probability(
    p_slow: float | FloatArray | Sequence[float], fanout: int | npt.ArrayLike
) -> float | FloatArray: ...


def fanout_slow_probability(
    p_slow: float | FloatArray | Sequence[float], fanout: int | npt.ArrayLike
) -> float | FloatArray:
    """Probability that a request waiting for ``fanout`` independent calls is slow.

    If each call is slow with probability ``p``, the request is slow unless all ``N`` calls
    are fast: ``1 - (1 - p)^N`` (computed as ``-expm1(N log1p(-p))`` so that tiny ``p``
    keeps its digits). Broadcasts over ``p_slow`` and ``fanout``.

    Args:
        p_slow: per-call slow probability (or probabilities) in ``[0, 1]``.
        fanout: number of parallel calls ``N`` (positive integers).

    Returns:
        A float when both arguments are scalars, else an array.

    Raises:
        ValueError: for ``p_slow`` outside ``[0, 1]`` or a non-positive/non-integer fanout.

    Examples:
        >>> fanout_slow_probability(0.01, [1, 10, 100]).round(3).tolist()
        [0.01, 0.096, 0.634]
    """
    p = np.asarray(p_slow, dtype=np.float64)
    if np.any(~np.isfinite(p) | (p < 0) | (p > 1)):
        bad = p[~(np.isfinite(p) & (p >= 0) & (p <= 1))].ravel()[0]
        raise ValueError(f"p_slow must be a probability in [0, 1], got {float(bad)!r}")
    n = np.asarray(fanout)
    if n.dtype == np.bool_ or not np.issubdtype(n.dtype, np.integer) or np.any(n < 1):
        raise ValueError(f"fanout must be positive integers, got {fanout!r}")
    with np.errstate(divide="ignore"):
        # --8<-- [start:fanout]
        out = -np.expm1(n * np.log1p(-p))  # 1 - (1 - p)^N, keeping tiny p's digits
        # --8<-- [end:fanout]
    return float(out) if out.ndim == 0 else out


def fanout_required_quantile(quantile: float, fanout: int) -> float:
    """The per-call quantile that keeps a fan-out request at the given quantile.

    A request over ``N`` calls meets its ``q`` target at latency ``x`` when every call is
    under ``x``: ``F(x)^N = q``, so each call must meet ``x`` at quantile ``q^(1/N)``.

    Args:
        quantile: the request-level target quantile, strictly between 0 and 1.
        fanout: number of parallel calls ``N`` (a positive int).

    Returns:
        ``q^(1/N)``.

    Raises:
        ValueError: for a quantile outside (0, 1) or a bad fanout.

    Examples:
        >>> round(fanout_required_quantile(0.99, 100), 6)   # a p99 request needs p99.99 calls
        0.9999
    """
    if (
        isinstance(quantile, bool)
        or not isinstance(quantile, numbers.Real)
        or not (0 < quantile < 1)
    ):
        raise ValueError(f"quantile must be strictly between 0 and 1, got {quantile!r}")
    if isinstance(fanout, bool) or not isinstance(fanout, numbers.Integral) or fanout < 1:
        raise ValueError(f"fanout must be a positive integer, got {fanout!r}")
    # --8<-- [start:fanout-quantile]
    return math.exp(math.log(float(quantile)) / int(fanout))  # q^(1/N)
    # --8<-- [end:fanout-quantile]


# ----------------------------------------------------------------------------- composition


def _stages(stages: tuple[npt.ArrayLike, ...]) -> list[FloatArray]:
    if not stages:
        raise ValueError("stages must not be empty: pass one sample array per stage")
    return [_latencies(f"stages[{i}]", s) for i, s in enumerate(stages)]


def _resample(stages: list[FloatArray], size: int | None, seed: int) -> FloatArray:
    if size is None:
        size = max(s.size for s in stages)
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
        raise ValueError(f"size must be a positive integer, got {size!r}")
    rng = np.random.default_rng(seed)
    # --8<-- [start:resample]
    return np.stack([s[rng.integers(0, s.size, size)] for s in stages])  # one row a stage
    # --8<-- [end:resample]


def serial(*stages: npt.ArrayLike, size: int | None = None, seed: int = 0) -> FloatArray:
    """Samples of the latency of stages run one after another (the sum), stages independent.

    Each stage is given as an array of its own latency samples; ``size`` draws are taken
    from each with replacement (a seeded bootstrap) and added.

    Args:
        *stages: one 1-D array of latency samples per stage.
        size: number of end-to-end samples (default: the largest stage sample size).
        seed: seed of the resampling generator.

    Returns:
        ``size`` samples of the end-to-end latency.

    Raises:
        ValueError: for no stages, an empty or invalid stage, or a bad size.

    Examples:
        >>> serial([1.0], [2.0], [0.5]).tolist()
        [3.5]
    """
    # --8<-- [start:composition]
    draws = _resample(_stages(stages), size, seed)  # a row of samples per stage
    total = draws.sum(axis=0)  # stages in sequence add up
    # --8<-- [end:composition]
    return np.asarray(total, dtype=np.float64)


def parallel(*stages: npt.ArrayLike, size: int | None = None, seed: int = 0) -> FloatArray:
    """Samples of the latency of stages run in parallel and awaited together (the max).

    Args:
        *stages: one 1-D array of latency samples per parallel branch.
        size: number of samples (default: the largest stage sample size).
        seed: seed of the resampling generator.

    Returns:
        ``size`` samples of the latency of the slowest branch.

    Raises:
        ValueError: for no stages, an empty or invalid stage, or a bad size.

    Examples:
        >>> parallel([1.0], [2.0], [0.5]).tolist()
        [2.0]
    """
    draws = _resample(_stages(stages), size, seed)
    # --8<-- [start:composition-parallel]
    slowest = draws.max(axis=0)  # branches awaited together: the slowest decides
    # --8<-- [end:composition-parallel]
    return np.asarray(slowest, dtype=np.float64)


# ----------------------------------------------------------------------------- budgets


@dataclass(frozen=True)
class BudgetReport:
    """An end-to-end latency budget checked against per-stage samples.

    Attributes:
        quantile: the quantile the budget is stated at (e.g. 0.99).
        budget: the end-to-end allowance in seconds.
        stage_quantiles: each stage's own quantile.
        sum_of_stage_quantiles: their sum, what adding up per-stage p99s would claim.
        end_to_end_quantile: the quantile of the serial composition (what users see).
        within_budget: whether ``end_to_end_quantile <= budget``.
        headroom: ``budget - end_to_end_quantile`` (negative when over budget).
    """

    quantile: float
    budget: float
    stage_quantiles: tuple[float, ...]
    sum_of_stage_quantiles: float
    end_to_end_quantile: float
    within_budget: bool
    headroom: float


def split_budget(budget: float, weights: npt.ArrayLike) -> FloatArray:
    """Split an end-to-end latency allowance across stages in proportion to ``weights``.

    Args:
        budget: the end-to-end allowance in seconds, positive.
        weights: one non-negative weight per stage, not all zero.

    Returns:
        Per-stage allowances summing to ``budget``.

    Raises:
        ValueError: for a non-positive budget or bad weights.

    Examples:
        >>> split_budget(0.5, [1, 3, 1]).tolist()
        [0.1, 0.3, 0.1]
    """
    if (
        isinstance(budget, bool)
        or not isinstance(budget, numbers.Real)
        or not (math.isfinite(budget) and budget > 0)
    ):
        raise ValueError(f"budget must be a positive number of seconds, got {budget!r}")
    w = np.asarray(weights, dtype=np.float64).ravel()
    if w.size == 0 or np.any(~np.isfinite(w) | (w < 0)) or w.sum() <= 0:
        raise ValueError(f"weights must be non-negative and not all zero, got {weights!r}")
    return float(budget) * w / w.sum()


def check_budget(
    stages: Sequence[npt.ArrayLike],
    budget: float,
    quantile: float = 0.99,
    size: int | None = None,
    seed: int = 0,
) -> BudgetReport:
    """Check an end-to-end latency objective against per-stage latency samples.

    The end-to-end quantile comes from the serial composition (`serial`), not from
    adding per-stage quantiles: quantiles do not add. The sum of stage quantiles is
    reported beside it to show the difference.

    Args:
        stages: one array of latency samples per pipeline stage.
        budget: the end-to-end allowance in seconds at ``quantile``.
        quantile: the objective's quantile, in [0, 1].
        size: number of resampled end-to-end samples (default: largest stage size).
        seed: seed of the resampling.

    Returns:
        The report.

    Raises:
        ValueError: for bad stages, budget or quantile.

    Examples:
        >>> r = check_budget([[0.1, 0.2], [0.3]], budget=0.6, quantile=1.0)
        >>> round(r.end_to_end_quantile, 6), r.within_budget
        (0.5, True)
    """
    allowed = float(split_budget(budget, [1.0])[0])
    qq = float(_quantiles(quantile))
    arrays = _stages(tuple(stages))
    # --8<-- [start:budget]
    per_stage = tuple(float(exact_quantile(s, qq)) for s in arrays)  # what adding claims
    composed = serial(*arrays, size=size, seed=seed)  # what a request sees
    end_to_end = float(exact_quantile(composed, qq))
    # --8<-- [end:budget]
    return BudgetReport(
        quantile=qq,
        budget=allowed,
        stage_quantiles=per_stage,
        sum_of_stage_quantiles=float(sum(per_stage)),
        end_to_end_quantile=end_to_end,
        within_budget=bool(end_to_end <= allowed),
        headroom=allowed - end_to_end,
    )
