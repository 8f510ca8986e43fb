"""Heartbeat failure detectors: fixed timeout, adaptive timeout, Chen's estimator, phi accrual.

A monitor receives heartbeats from a node and must decide, at any moment, whether the node
is still alive. This module holds the detectors compared in the chapter, all with the same
shape: ``heartbeat(now)`` records an arrival, ``is_available(now)`` answers the question and
``suspect_after()`` says how long after the last heartbeat the answer turns to "suspected".

* `phi` is the suspicion level of the phi accrual detector (Hayashibara et al. 2004)
  in three forms: Akka's logistic approximation of the normal tail, the exact normal tail
  and Cassandra's exponential form. It broadcasts over numpy arrays, so one call scores a
  million monitored nodes.
* `PhiAccrualDetector` is Akka's ``PhiAccrualFailureDetector`` transcribed
  (first-heartbeat seeding, bounded history, population variance, minimum standard
  deviation, acceptable pause, intervals recorded only while the node is available).
* `RttEstimator` is RFC 6298's retransmission-timer computation (Jacobson–Karels),
  and `AdaptiveTimeoutDetector` applies it to heartbeat inter-arrival times.
* `FixedTimeoutDetector` is the plain heartbeat timeout, and `ChenDetector` is
  Chen, Toueg and Aguilera's estimator of the next arrival plus a safety margin.
* `replay` runs any of them over a heartbeat trace and reports the detection time
  after a crash and the false suspicions before it; `heartbeat_trace` makes a
  seeded trace with network jitter and stop-the-world pauses.

Times are seconds (floats). See the chapter *Failure detection* (2.2).

Examples:
    >>> round(phi(1.2, 1.0, 0.1), 2)  # 2 standard deviations late, Akka's formula
    1.64
    >>> round(phi(1.2, 1.0, 0.1, model="normal"), 2)
    1.64
    >>> d = PhiAccrualDetector(threshold=8.0)
    >>> for t in (0.0, 1.0, 2.0, 3.0):
    ...     d.heartbeat(t)
    >>> d.is_available(3.5), d.is_available(9.0)
    (True, False)
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, overload

import numpy as np
import numpy.typing as npt

from otlpkb._checks import non_negative as _finite_nonneg
from otlpkb._checks import positive as _positive

__all__ = [
    "AdaptiveTimeoutDetector",
    "ChenDetector",
    "Detector",
    "FixedTimeoutDetector",
    "HeartbeatDetector",
    "PhiAccrualDetector",
    "PhiModel",
    "ReplayResult",
    "RttEstimator",
    "heartbeat_trace",
    "phi",
    "replay",
]

PhiModel = Literal["logistic", "normal", "exponential"]
FloatArray = npt.NDArray[np.float64]
ArrayLike = float | int | Sequence[float] | npt.NDArray[np.floating] | npt.NDArray[np.integer]

_LN10 = math.log(10.0)
_HALF_LN_2PI = 0.5 * math.log(2.0 * math.pi)
_SQRT2 = math.sqrt(2.0)
#: Above this many standard deviations math.erfc nears underflow; use the asymptotic series.
_TAIL_SWITCH = 30.0
_MODELS = ("logistic", "normal", "exponential")
#: Below this z, Akka's ``-log10(1 - 1/(1 + exp(-z)))`` rounds to exactly 0 in doubles
#: (1/(1+e) drops below half an ulp of 1); found by bisection over doubles, see the tests.
_AKKA_ZERO_Z = -37.42994775023704


# ----------------------------------------------------------------------------- validation


def _check_array(name: str, arr: FloatArray, *, strictly_positive: bool) -> None:
    if arr.size == 0:
        return
    low, high = float(arr.min()), float(arr.max())  # nan propagates and fails both tests
    if (low > 0 if strictly_positive else low >= 0) and high < math.inf:
        return
    bad = ~np.isfinite(arr) | ((arr <= 0) if strictly_positive else (arr < 0))
    first = arr[bad].flat[0]
    rule = "> 0" if strictly_positive else ">= 0"
    raise ValueError(f"{name} must be finite and {rule}, got {float(first)!r}")


def _check_model(model: str) -> None:
    if model not in _MODELS:
        raise ValueError(f"model must be one of {_MODELS}, got {model!r}")


# ----------------------------------------------------------------------------- phi


def _normal_log_sf(y: float) -> float:
    """Natural log of the standard normal survival function Q(y), accurate far into the tail."""
    if y < 0:
        return math.log1p(-0.5 * math.erfc(-y / _SQRT2))
    if y < _TAIL_SWITCH:
        return math.log(0.5 * math.erfc(y / _SQRT2))
    # Q(y) = phi(y)/y * (1 - 1/y^2 + 3/y^4 - 15/y^6 + ...), truncated error < 1e-14 at y = 30
    u = 1.0 / (y * y)
    series = 1.0 - u * (1.0 - 3.0 * u * (1.0 - 5.0 * u * (1.0 - 7.0 * u * (1.0 - 9.0 * u))))
    return -0.5 * y * y - math.log(y) - _HALF_LN_2PI + math.log(series)


def _erfc(x: FloatArray) -> FloatArray:
    """math.erfc element by element (numpy has no erfc; scipy is not a dependency)."""
    return np.fromiter(map(math.erfc, x.ravel().tolist()), np.float64, x.size).reshape(x.shape)


def _normal_log_sf_array(y: FloatArray) -> FloatArray:
    out = np.empty_like(y)
    neg = y < 0
    mid = ~neg & (y < _TAIL_SWITCH)
    far = ~neg & ~mid
    if np.any(neg):
        out[neg] = np.log1p(-0.5 * _erfc(-y[neg] / _SQRT2))
    if np.any(mid):
        out[mid] = np.log(0.5 * _erfc(y[mid] / _SQRT2))
    if np.any(far):
        yf = y[far]
        u = 1.0 / (yf * yf)
        series = 1.0 - u * (1.0 - 3.0 * u * (1.0 - 5.0 * u * (1.0 - 7.0 * u * (1.0 - 9.0 * u))))
        out[far] = -0.5 * yf * yf - np.log(yf) - _HALF_LN_2PI + np.log(series)
    return out


def _phi_scalar(elapsed: float, mean: float, std: float | None, model: str) -> float:
    """The scalar path of `phi`, with the math module (no validation)."""
    # --8<-- [start:phi]
    if model == "exponential":
        return elapsed / (mean * _LN10)
    assert std is not None
    y = (elapsed - mean) / std
    if model == "normal":
        return -_normal_log_sf(y) / _LN10
    z = y * (1.5976 + 0.070566 * y * y)
    # Akka: e = exp(-z); -log10(e/(1+e)) above the mean, -log10(1 - 1/(1+e)) below it.
    # Both equal log10(1 + exp(z)), evaluated here as a stable softplus (no overflow), and
    # exactly 0 where Akka's doubles give 0 (its 1 - 1/(1+e) rounds to 1, or exp overflows).
    if z < _AKKA_ZERO_Z:
        return 0.0
    return (max(z, 0.0) + math.log1p(math.exp(-abs(z)))) / _LN10
    # --8<-- [end:phi]


@overload
def phi(
    elapsed: float, mean: float, std: float | None = None, *, model: PhiModel = "logistic"
) -> float: ...
@overload
def phi(
    elapsed: ArrayLike, mean: ArrayLike, std: ArrayLike | None = None, *, model: PhiModel = ...
) -> float | FloatArray: ...
def phi(
    elapsed: ArrayLike,
    mean: ArrayLike,
    std: ArrayLike | None = None,
    *,
    model: PhiModel = "logistic",
) -> float | FloatArray:
    r"""Suspicion level phi of a node last heard from ``elapsed`` seconds ago.

    phi is $-\log_{10}$ of the probability that a heartbeat arrives later than
    ``elapsed`` under a model of inter-arrival times with the given ``mean`` (and ``std``):

    * ``"logistic"``: Akka's approximation of the normal tail,
      $P = 1/(1+e^{z})$ with $z = y(1.5976 + 0.070566\,y^2)$,
      $y = (t-\mu)/\sigma$. Akka's two branches both equal
      $\log_{10}(1+e^{z})$, evaluated here without overflow: phi is exactly 0 far
      below the mean, where Akka's doubles give 0 (its ``exp`` overflows, or
      ``1 - 1/(1+e)`` rounds to 1), and stays finite far above it, where Akka's double
      reaches infinity.
    * ``"normal"``: the exact normal tail, $-\log_{10} Q(y)$, accurate far into the
      tail (an asymptotic series takes over where ``erfc`` would underflow).
    * ``"exponential"``: Cassandra's form, $t/(\mu \ln 10)$.

    All arguments broadcast; scalars in give a float out.

    Args:
        elapsed: Time since the last heartbeat, >= 0.
        mean: Mean inter-arrival time, >= 0 (> 0 for ``"exponential"``).
        std: Standard deviation of inter-arrival times, > 0; required unless
            ``model="exponential"`` (where it is ignored).
        model: ``"logistic"``, ``"normal"`` or ``"exponential"``.

    Returns:
        phi, >= 0 (a float for scalar input, else an array).

    Raises:
        ValueError: A time is negative or not finite, ``std <= 0``, ``std`` is missing, or
            the model is unknown.

    Examples:
        >>> round(phi(1.0, 1.0, 0.1), 4)  # at the mean the tail is 1/2
        0.301
        >>> round(phi(3.0, 1.0, model="exponential"), 4)  # 3 / ln 10
        1.3029
        >>> phi([0.5, 1.5], 1.0, 0.25).round(3).tolist()  # y = -2 and y = +2
        [0.01, 1.643]
    """
    _check_model(model)
    if model != "exponential" and std is None:
        raise ValueError(f"std is required for model={model!r}, got None")
    scalar = all(np.ndim(a) == 0 for a in (elapsed, mean, std) if a is not None)
    if scalar:
        e = _finite_nonneg("elapsed", elapsed)
        m = _finite_nonneg("mean", mean) if model != "exponential" else _positive("mean", mean)
        s = _positive("std", std) if model != "exponential" else None
        return _phi_scalar(e, m, s, model)

    t = np.asarray(elapsed, dtype=np.float64)
    mu = np.asarray(mean, dtype=np.float64)
    _check_array("elapsed", t, strictly_positive=False)
    _check_array("mean", mu, strictly_positive=model == "exponential")
    if model == "exponential":
        return np.asarray(t / (mu * _LN10), dtype=np.float64)
    sd = np.asarray(std, dtype=np.float64)
    _check_array("std", sd, strictly_positive=True)
    if model == "normal":
        return np.asarray(-_normal_log_sf_array(np.asarray((t - mu) / sd)) / _LN10)
    return _logistic_phi(t, mu, sd)


_BLOCK = 65_536  # elements per pass: the temporaries stay in cache, 2-3x faster than whole


def _logistic_phi(t: FloatArray, mu: FloatArray, sd: FloatArray) -> FloatArray:
    """log10(1 + exp(z)), z = y (1.5976 + 0.070566 y^2), block by block, without overflow."""
    if t.ndim == 1 and all(a.ndim == 0 or a.shape == t.shape for a in (mu, sd)):
        n = t.size  # the common case, one array of nodes: slice all three per block

        def y_block(i: int) -> FloatArray:
            part = [a if a.ndim == 0 else a[i : i + _BLOCK] for a in (t, mu, sd)]
            return np.asarray((part[0] - part[1]) / part[2], dtype=np.float64)

        shape: tuple[int, ...] = (n,)
    else:
        y_all = np.asarray((t - mu) / sd, dtype=np.float64).ravel()
        n, shape = y_all.size, np.broadcast_shapes(t.shape, mu.shape, sd.shape)

        def y_block(i: int) -> FloatArray:
            return y_all[i : i + _BLOCK]

    out = np.empty(n)
    z_buf, w_buf = np.empty(min(_BLOCK, n)), np.empty(min(_BLOCK, n))
    # --8<-- [start:phi-vector]
    for start in range(0, n, _BLOCK):
        yy = y_block(start)
        z, w, o = z_buf[: yy.size], w_buf[: yy.size], out[start : start + _BLOCK]
        np.multiply(yy, yy, out=w)
        w *= 0.070566
        w += 1.5976
        np.multiply(yy, w, out=z)  # z = y (1.5976 + 0.070566 y^2)
        np.abs(z, out=w)
        np.negative(w, out=w)
        np.exp(w, out=w)
        np.log1p(w, out=w)
        np.maximum(z, 0.0, out=o)
        o += w
        o /= _LN10  # log10(1 + exp(z)), Akka's value in both branches
        np.copyto(o, 0.0, where=z < _AKKA_ZERO_Z)  # where Akka's doubles give exactly 0
    # --8<-- [end:phi-vector]
    return out.reshape(shape)


# ----------------------------------------------------------------------------- detectors


class Detector(Protocol):
    """What `replay` needs from a heartbeat failure detector."""

    def heartbeat(self, now: float) -> None:
        """Record a heartbeat that arrived at time ``now``."""

    def is_available(self, now: float) -> bool:
        """Whether the node is considered alive at time ``now``."""

    def suspect_after(self) -> float:
        """Seconds after the last heartbeat at which the node becomes suspected."""


class HeartbeatDetector:
    """The base of the heartbeat detectors: the last heartbeat, and time never going back.

    A subclass records heartbeats and says after how much silence it suspects the node
    (`suspect_after`); `is_available` compares the silence with it. Times are seconds
    on any clock that does not go backwards.

    Examples:
        >>> d = FixedTimeoutDetector(timeout=2.0)
        >>> isinstance(d, HeartbeatDetector), d.is_monitoring
        (True, False)
    """

    def __init__(self) -> None:
        self._last: float | None = None

    @property
    def is_monitoring(self) -> bool:
        """True once a heartbeat has been received."""
        return self._last is not None

    @property
    def last_heartbeat(self) -> float | None:
        """Arrival time of the latest heartbeat, or None before the first."""
        return self._last

    def _now(self, now: float) -> float:
        t = _finite_nonneg("now", now)
        if self._last is not None and t < self._last:
            raise ValueError(
                f"now must not go backwards: got {now!r} after a heartbeat at {self._last!r}"
            )
        return t

    def suspect_after(self) -> float:  # pragma: no cover - overridden
        """Seconds of silence after the last heartbeat before the node is suspected."""
        raise NotImplementedError

    def is_available(self, now: float) -> bool:
        """Whether the node is considered alive at ``now`` (always True before a heartbeat)."""
        t = self._now(now)
        if self._last is None:
            return True
        return t - self._last < self.suspect_after()


class FixedTimeoutDetector(HeartbeatDetector):
    """Suspect a node when no heartbeat arrived for ``timeout`` seconds.

    Args:
        timeout: Seconds of silence after which the node is suspected, > 0.

    Examples:
        >>> d = FixedTimeoutDetector(timeout=3.0)
        >>> d.heartbeat(10.0)
        >>> d.is_available(12.9), d.is_available(13.0)
        (True, False)
    """

    def __init__(self, timeout: float = 3.0) -> None:
        super().__init__()
        timeout = _positive("timeout", timeout)
        self.timeout = timeout

    def heartbeat(self, now: float) -> None:
        """Record a heartbeat at ``now``."""
        self._last = self._now(now)

    def suspect_after(self) -> float:
        """The fixed timeout."""
        return self.timeout


class RttEstimator:
    """RFC 6298 retransmission timeout (the Jacobson–Karels estimator).

    Rules (RFC 6298 section 2 and 5.5): before any measurement RTO = ``initial_rto`` (2.1,
    1 s); the first measurement R sets SRTT = R, RTTVAR = R/2 (2.2); later ones update
    RTTVAR = (1 - 1/4) RTTVAR + 1/4 |SRTT - R'| and then SRTT = (1 - 1/8) SRTT + 1/8 R'
    (2.3); RTO = SRTT + max(G, 4 RTTVAR), rounded up to ``min_rto`` (2.4, 1 s) and capped at
    ``max_rto`` (2.5: a cap, if any, of at least 60 s); on a timer expiry the RTO doubles
    (5.5) up to the cap.

    Args:
        granularity: Clock granularity G in seconds, >= 0.
        min_rto: Lower bound of the RTO, > 0 (RFC 6298: 1 s).
        max_rto: Upper bound of the RTO, >= ``min_rto`` (RFC 6298: at least 60 s).
        initial_rto: RTO before the first measurement, in [min_rto, max_rto].

    Examples:
        >>> est = RttEstimator()
        >>> est.observe(0.5)   # SRTT = 0.5, RTTVAR = 0.25, RTO = 0.5 + 1.0
        >>> est.rto
        1.5
        >>> est.backoff()
        3.0
    """

    ALPHA = 1.0 / 8.0
    BETA = 1.0 / 4.0
    K = 4.0

    def __init__(
        self,
        granularity: float = 0.0,
        min_rto: float = 1.0,
        max_rto: float = 60.0,
        initial_rto: float = 1.0,
    ) -> None:
        granularity = _finite_nonneg("granularity", granularity)
        self.granularity = granularity
        min_rto = _positive("min_rto", min_rto)
        self.min_rto = min_rto
        max_rto = _positive("max_rto", max_rto)
        self.max_rto = max_rto
        if self.max_rto < self.min_rto:
            raise ValueError(f"max_rto must be >= min_rto ({min_rto!r}), got {max_rto!r}")
        initial = _positive("initial_rto", initial_rto)
        if not self.min_rto <= initial <= self.max_rto:
            raise ValueError(
                f"initial_rto must lie in [min_rto, max_rto] = [{min_rto!r}, {max_rto!r}], "
                f"got {initial_rto!r}"
            )
        self._srtt: float | None = None
        self._rttvar: float | None = None
        self._rto = initial

    @property
    def srtt(self) -> float | None:
        """Smoothed round-trip time, None before the first measurement."""
        return self._srtt

    @property
    def rttvar(self) -> float | None:
        """Round-trip time variation, None before the first measurement."""
        return self._rttvar

    @property
    def rto(self) -> float:
        """Current retransmission timeout in seconds."""
        return self._rto

    def _clamp(self, rto: float) -> float:
        return min(max(rto, self.min_rto), self.max_rto)  # rules 2.4 and 2.5

    def observe(self, rtt: float) -> None:
        """Take a round-trip time measurement (rules 2.2 and 2.3)."""
        r = _finite_nonneg("rtt", rtt)
        # --8<-- [start:rtt]
        if self._srtt is None or self._rttvar is None:
            self._srtt, self._rttvar = r, r / 2.0
        else:
            self._rttvar = (1 - self.BETA) * self._rttvar + self.BETA * abs(self._srtt - r)
            self._srtt = (1 - self.ALPHA) * self._srtt + self.ALPHA * r
        self._rto = self._clamp(self._srtt + max(self.granularity, self.K * self._rttvar))
        # --8<-- [end:rtt]

    def backoff(self) -> float:
        """Double the RTO after a timer expiry (rule 5.5), capped at ``max_rto``; return it."""
        self._rto = min(2.0 * self._rto, self.max_rto)
        return self._rto


class AdaptiveTimeoutDetector(HeartbeatDetector):
    """Heartbeat timeout that adapts like TCP's RTO: SRTT + 4 RTTVAR of inter-arrival times.

    Every inter-arrival interval is fed to an `RttEstimator`; the node is suspected
    once the silence reaches the estimator's RTO.

    Args:
        min_timeout: Lower bound of the timeout (RFC 6298's 1 s minimum RTO), > 0.
        max_timeout: Upper bound of the timeout, >= ``min_timeout``.
        initial_timeout: Timeout before the second heartbeat.
        granularity: Clock granularity G, >= 0.

    Examples:
        >>> d = AdaptiveTimeoutDetector()
        >>> for t in (0.0, 1.0, 2.0, 3.0):
        ...     d.heartbeat(t)
        >>> d.suspect_after()  # SRTT = 1, RTTVAR = 0.5 * 0.75 * 0.75, RTO = 1 + 4 RTTVAR
        2.125
    """

    def __init__(
        self,
        min_timeout: float = 1.0,
        max_timeout: float = 60.0,
        initial_timeout: float = 3.0,
        granularity: float = 0.0,
    ) -> None:
        super().__init__()
        self.estimator = RttEstimator(
            granularity=granularity,
            min_rto=min_timeout,
            max_rto=max_timeout,
            initial_rto=initial_timeout,
        )

    def heartbeat(self, now: float) -> None:
        """Record a heartbeat at ``now`` and feed the interval to the estimator."""
        t = self._now(now)
        if self._last is not None:
            self.estimator.observe(t - self._last)
        self._last = t

    def suspect_after(self) -> float:
        """The estimator's current RTO."""
        return self.estimator.rto


class ChenDetector(HeartbeatDetector):
    r"""Chen, Toueg and Aguilera's detector: estimated next arrival plus a safety margin.

    With heartbeats sent every ``interval`` seconds and the last ``window`` arrivals
    $A_i$ numbered $s_i$, the next arrival is expected at
    $EA = \frac{1}{n}\sum_i (A_i - s_i\,\Delta) + (s_{last}+1)\Delta$; the node is
    suspected from the freshness point $\tau = EA + \alpha$ on.

    Args:
        interval: Heartbeat sending interval Δ, > 0.
        alpha: Safety margin α in seconds, >= 0.
        window: Number of recent arrivals n averaged, >= 1.

    Examples:
        >>> d = ChenDetector(interval=1.0, alpha=0.5, window=10)
        >>> for t in (0.1, 1.1, 2.1):
        ...     d.heartbeat(t)
        >>> round(d.suspect_after(), 6)  # expected at 3.1, plus 0.5
        1.5
    """

    def __init__(self, interval: float = 1.0, alpha: float = 1.0, window: int = 1000) -> None:
        super().__init__()
        interval = _positive("interval", interval)
        self.interval = interval
        alpha = _finite_nonneg("alpha", alpha)
        self.alpha = alpha
        if isinstance(window, bool) or not isinstance(window, int) or window < 1:
            raise ValueError(f"window must be an integer >= 1, got {window!r}")
        self.window = window
        self._shifted: deque[float] = deque(maxlen=window)
        self._sum = 0.0
        self._seq = -1

    def heartbeat(self, now: float, seq: int | None = None) -> None:
        """Record heartbeat number ``seq`` (default: the next number) arriving at ``now``."""
        t = self._now(now)
        s = self._seq + 1 if seq is None else int(seq)
        if s <= self._seq:
            raise ValueError(f"seq must increase, got {seq!r} after {self._seq}")
        # --8<-- [start:chen]
        if len(self._shifted) == self.window:
            self._sum -= self._shifted[0]
        value = t - s * self.interval
        self._shifted.append(value)
        self._sum += value
        self._seq = s
        # --8<-- [end:chen]
        self._last = t

    def expected_arrival(self) -> float:
        """EA, the estimated arrival time of the next heartbeat (inf before the first)."""
        if not self._shifted:
            return math.inf
        return self._sum / len(self._shifted) + (self._seq + 1) * self.interval

    def suspect_after(self) -> float:
        """Freshness point minus the last arrival: EA + α - A_last."""
        if self._last is None:
            return math.inf
        return max(self.expected_arrival() + self.alpha - self._last, 0.0)


class PhiAccrualDetector(HeartbeatDetector):
    """Akka's ``PhiAccrualFailureDetector``, in seconds.

    * The first heartbeat seeds the history with two intervals, ``first_heartbeat_estimate``
      ± a quarter of it (mean = the estimate, std = estimate/4), so a node that sent one
      heartbeat still becomes suspected.
    * Later heartbeats append their interval to a history of at most ``max_sample_size``
      intervals, but only while the node is available: the first interval after a
      suspicion is dropped so that a long pause does not skew the statistics.
    * phi uses the population mean and standard deviation of the history, the mean
      increased by ``acceptable_heartbeat_pause`` and the deviation floored at
      ``min_std_deviation``; the node is available while phi < ``threshold``.

    Args:
        threshold: phi at which the node is suspected, > 0 (Akka and Cassandra: 8).
        max_sample_size: Intervals kept, >= 1 (Akka: 1000).
        min_std_deviation: Floor of the standard deviation, > 0 (Akka: 100 ms).
        acceptable_heartbeat_pause: Added to the mean, >= 0 (Akka cluster: 3 s).
        first_heartbeat_estimate: Expected interval before any is measured, > 0.
        model: Tail model handed to `phi` (Akka: ``"logistic"``).

    Examples:
        >>> d = PhiAccrualDetector()
        >>> d.heartbeat(0.0)
        >>> round(d.phi(1.0), 2), round(d.phi(2.0), 1)  # seeded: mean 1 s, std 0.25 s
        (0.3, 4.7)
    """

    def __init__(
        self,
        threshold: float = 8.0,
        max_sample_size: int = 1000,
        min_std_deviation: float = 0.1,
        acceptable_heartbeat_pause: float = 0.0,
        first_heartbeat_estimate: float = 1.0,
        *,
        model: PhiModel = "logistic",
    ) -> None:
        super().__init__()
        threshold = _positive("threshold", threshold)
        self.threshold = threshold
        if (
            isinstance(max_sample_size, bool)
            or not isinstance(max_sample_size, int)
            or max_sample_size < 1
        ):
            raise ValueError(f"max_sample_size must be an integer >= 1, got {max_sample_size!r}")
        self.max_sample_size = max_sample_size
        min_std_deviation = _positive("min_std_deviation", min_std_deviation)
        self.min_std_deviation = min_std_deviation
        acceptable_heartbeat_pause = _finite_nonneg(
            "acceptable_heartbeat_pause", acceptable_heartbeat_pause
        )
        self.acceptable_heartbeat_pause = acceptable_heartbeat_pause
        first_heartbeat_estimate = _positive("first_heartbeat_estimate", first_heartbeat_estimate)
        self.first_heartbeat_estimate = first_heartbeat_estimate
        _check_model(model)
        self.model: PhiModel = model
        self._intervals: deque[float] = deque()
        self._sum = 0.0
        self._sumsq = 0.0
        self._appends = 0

    # --8<-- [start:phi-history]
    def _seed(self) -> None:
        mean = self.first_heartbeat_estimate
        std = mean / 4.0
        self._intervals.clear()
        self._sum = self._sumsq = 0.0
        self._append(mean - std)
        self._append(mean + std)

    def _append(self, interval: float) -> None:
        if len(self._intervals) >= self.max_sample_size:
            old = self._intervals.popleft()
            self._sum -= old
            self._sumsq -= old * old
        self._intervals.append(interval)
        self._sum += interval
        self._sumsq += interval * interval
        self._appends += 1
        if self._appends % 4096 == 0:  # recompute: no rounding drift in the sums
            self._sum = math.fsum(self._intervals)
            self._sumsq = math.fsum(x * x for x in self._intervals)

    # --8<-- [end:phi-history]

    @property
    def mean(self) -> float:
        """Mean of the interval history (nan before the first heartbeat)."""
        return self._sum / len(self._intervals) if self._intervals else math.nan

    @property
    def std(self) -> float:
        """Population standard deviation of the history, before the floor is applied."""
        if not self._intervals:
            return math.nan
        m = self.mean
        return math.sqrt(max(self._sumsq / len(self._intervals) - m * m, 0.0))

    @property
    def intervals(self) -> tuple[float, ...]:
        """The interval history, oldest first."""
        return tuple(self._intervals)

    # --8<-- [start:phi-at]
    def _phi_at(self, elapsed: float) -> float:
        mu = self.mean + self.acceptable_heartbeat_pause  # the pause shifts the mean
        std = max(self.std, self.min_std_deviation)  # and the deviation has a floor
        return _phi_scalar(elapsed, mu, std, self.model)

    # --8<-- [end:phi-at]

    def phi(self, now: float) -> float:
        """Suspicion level at ``now`` (0 before the first heartbeat)."""
        t = self._now(now)
        if self._last is None:
            return 0.0
        return self._phi_at(t - self._last)

    def is_available(self, now: float) -> bool:
        """True while phi < threshold."""
        return self.phi(now) < self.threshold

    def heartbeat(self, now: float) -> None:
        """Record a heartbeat at ``now``."""
        t = self._now(now)
        # --8<-- [start:phi-detector]
        if self._last is None:  # the first heartbeat seeds the history
            self._seed()
        elif self.is_available(t):  # a gap that ended a suspicion is not recorded
            self._append(t - self._last)
        self._last = t
        # --8<-- [end:phi-detector]

    def suspect_after(self) -> float:
        """Elapsed time since the last heartbeat at which phi reaches the threshold."""
        if self._last is None:
            return math.inf
        if self._phi_at(0.0) >= self.threshold:
            return 0.0
        lo, hi = 0.0, max(self.mean + self.acceptable_heartbeat_pause, 1e-3)
        while self._phi_at(hi) < self.threshold:
            lo, hi = hi, 2.0 * hi
        for _ in range(200):  # bisection down to adjacent floats
            mid = 0.5 * (lo + hi)
            if mid in (lo, hi):
                break
            if self._phi_at(mid) < self.threshold:
                lo = mid
            else:
                hi = mid
        return hi


# ----------------------------------------------------------------------------- replay


@dataclass(frozen=True)
class ReplayResult:
    """What a detector did on a heartbeat trace.

    Attributes:
        detection_time: Seconds from the crash until the node was suspected.
        false_suspicions: Times the node was suspected while it was alive.
        wrongly_suspected: Total seconds the alive node spent suspected.
        heartbeats: Number of heartbeats replayed.
    """

    detection_time: float
    false_suspicions: int
    wrongly_suspected: float
    heartbeats: int


def replay(detector: Detector, arrivals: Iterable[float], crash_at: float) -> ReplayResult:
    """Feed a heartbeat trace to ``detector``, then measure how fast it notices the crash.

    Before each heartbeat the detector is asked whether the node is available; a "no"
    means the alive node was suspected (its heartbeat is arriving) from the moment the
    silence reached ``suspect_after()`` until this arrival. Suspicion that is still on
    when a heartbeat arrives and starts again at once (a burst of late heartbeats after a
    pause) continues the same episode, so ``false_suspicions`` counts episodes. After the
    last heartbeat the node is dead; the detection time is when the silence reaches
    ``suspect_after()``, counted from ``crash_at``.

    Args:
        detector: Any object with ``heartbeat``, ``is_available`` and ``suspect_after``.
        arrivals: Non-decreasing heartbeat arrival times, all before ``crash_at``.
        crash_at: Time of the crash, >= the last arrival.

    Returns:
        The detection time, false suspicions and time wrongly suspected.

    Examples:
        >>> r = replay(FixedTimeoutDetector(2.5), [0.0, 1.0, 2.0, 5.0, 6.0], crash_at=6.5)
        >>> r.false_suspicions, r.wrongly_suspected, r.detection_time
        (1, 0.5, 2.0)
    """
    crash = _finite_nonneg("crash_at", crash_at)
    count = false = 0
    wrong = 0.0
    last: float | None = None
    suspected = False  # was the node suspected when the previous heartbeat arrived?
    # --8<-- [start:replay]
    for a in arrivals:
        t = _finite_nonneg("arrivals", a)
        if t > crash:
            raise ValueError(f"arrivals must come before crash_at={crash_at!r}, got {a!r}")
        if last is not None and not detector.is_available(t):
            after = detector.suspect_after()
            if not (suspected and after <= 0.0):  # else the previous episode goes on
                false += 1
            wrong += t - (last + after)
            suspected = True
        else:
            suspected = False
        detector.heartbeat(t)
        last = t
        count += 1
    if last is None:
        raise ValueError("arrivals must hold at least one heartbeat, got none")
    detection = max(last + detector.suspect_after() - crash, 0.0)
    # --8<-- [end:replay]
    return ReplayResult(detection, false, wrong, count)


def heartbeat_trace(
    duration: float,
    interval: float = 1.0,
    *,
    delay: float = 0.02,
    jitter: float = 0.05,
    pauses: Sequence[tuple[float, float]] = (),
    seed: int | None = 0,
) -> FloatArray:
    """Arrival times of heartbeats sent every ``interval`` seconds for ``duration`` seconds.

    The sender's timer fires at ``0, interval, 2 interval, ...``; each heartbeat takes
    ``delay`` plus a gamma-distributed jitter with mean and standard deviation ``jitter``
    to arrive, and arrivals stay in order (one TCP stream). A pause ``(start, length)``
    models a stop-the-world garbage collection on the sender: the heartbeats that fall
    due during it are sent together when it ends (a fixed-rate timer catching up, as a
    JVM ``scheduleAtFixedRate`` does), so the sequence of heartbeats has no holes.

    Args:
        duration: Length of the trace in seconds, > 0.
        interval: Sending interval, > 0.
        delay: Fixed network delay, >= 0.
        jitter: Mean (= standard deviation) of the random extra delay, >= 0.
        pauses: ``(start, length)`` pairs, in seconds.
        seed: Seed of the trace's own numpy Generator.

    Returns:
        Non-decreasing arrival times.

    Examples:
        >>> t = heartbeat_trace(10.0, jitter=0.0, delay=0.0, pauses=[(3.5, 2.0)])
        >>> t.tolist()
        [0.0, 1.0, 2.0, 3.0, 5.5, 5.5, 6.0, 7.0, 8.0, 9.0]
    """
    dur = _positive("duration", duration)
    step = _positive("interval", interval)
    base = _finite_nonneg("delay", delay)
    jit = _finite_nonneg("jitter", jitter)
    # --8<-- [start:trace]
    sends = np.arange(0.0, dur, step)
    for start, length in pauses:
        s0 = _finite_nonneg("pause start", start)
        ln = _finite_nonneg("pause length", length)
        inside = (sends >= s0) & (sends < s0 + ln)
        sends[inside] = s0 + ln
    rng = np.random.default_rng(seed)
    extra = rng.gamma(1.0, jit, size=sends.size) if jit > 0 else np.zeros(sends.size)
    return np.asarray(np.maximum.accumulate(sends + base + extra), dtype=np.float64)
    # --8<-- [end:trace]
