"""Queueing models for telemetry pipelines: Erlang B and C, M/M/c, M/M/c/K, M/D/1, M/G/1.

A Collector exporter with a sending queue is a multi-server queue: batches arrive at a rate
``arrival_rate`` (per second), ``servers`` consumers each finish a batch at ``service_rate``
(per second, the reciprocal of the mean export time), and batches that find every consumer
busy wait in the queue. This module gives the steady-state answers for the classic models
of that situation, the finite-buffer model `mmck` that says how often a bounded queue
refuses a batch, and the sizing question built on them ("how many consumers keep 99 % of
batches waiting under 100 ms?"), plus a small first-in-first-out simulator used to check
the formulas and Little's law on data.

All rates are per second and all times are in seconds. A model with an unbounded queue
whose utilization is 1 or more has no steady state; asking for it raises `ValueError`
with the numbers. The finite-buffer model has a steady state at any load.

See the chapter *Queueing models* (1.1).

Examples:
    >>> from otlpkb.performance.queueing import erlang_c, mmc, mmck
    >>> round(erlang_c(2, 1.0), 6)
    0.333333
    >>> q = mmc(arrival_rate=8.0, service_rate=1.0, servers=10)
    >>> round(q.utilization, 3), round(q.p_wait, 4)
    (0.8, 0.4092)
    >>> round(q.wait_time_cdf(0.5), 4)
    0.8495
    >>> f"{mmck(9.9, 1.0, servers=10, capacity=1010).p_block:.2e}"
    '4.16e-07'
"""

from __future__ import annotations

import heapq
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np
import numpy.typing as npt

from otlpkb._checks import non_negative as _non_negative
from otlpkb._checks import positive as _positive
from otlpkb._checks import real_array as _real_array

__all__ = [
    "MMcKResult",
    "MMcResult",
    "QueueResult",
    "erlang_b",
    "erlang_c",
    "md1",
    "mg1",
    "mm1",
    "mmc",
    "mmck",
    "servers_for_service_level",
    "simulate_fifo",
]

FloatArray = npt.NDArray[np.float64]

#: Past this many decades below the largest term a term no longer moves a double sum.
_NEGLIGIBLE_LOG = 40.0  # e^-40 = 4e-18


# ----------------------------------------------------------------------------- validation


def _servers(value: object, name: str = "servers") -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {value!r}")
    if int(value) < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _loads(load: object) -> FloatArray:
    arr = _real_array("load", load)
    if arr.size and (not np.all(np.isfinite(arr)) or np.any(arr < 0)):
        bad = arr[~(np.isfinite(arr) & (arr >= 0))].ravel()[0]
        raise ValueError(f"load must be finite and non-negative (Erlangs), got {bad!r}")
    return arr


def _unstable(model: str, arrival_rate: float, capacity: float, utilization: float) -> None:
    if utilization >= 1:
        raise ValueError(
            f"{model} is unstable: utilization {utilization:.6g} >= 1 "
            f"(arrival_rate {arrival_rate:.6g}/s against a total service capacity "
            f"{capacity:.6g}/s); the queue grows without bound and has no steady state"
        )


# ----------------------------------------------------------------------------- Erlang B / C


@overload
def erlang_b(servers: int, load: float) -> float: ...
@overload
def erlang_b(servers: int, load: FloatArray | Sequence[float]) -> FloatArray: ...


def erlang_b(servers: int, load: float | FloatArray | Sequence[float]) -> float | FloatArray:
    """Blocking probability of an M/M/c/c loss system (Erlang B).

    Uses the recursion ``B(0) = 1``, ``B(k) = a B(k-1) / (k + a B(k-1))``: no factorials,
    no powers, every intermediate value in ``[0, 1]``, so it neither overflows nor loses
    precision for tens of thousands of servers. It runs once over ``k`` with all loads at
    a time (numpy), so 10,000 loads cost about as much as a handful. Once every value has
    underflowed to 0 the rest of the recursion keeps it 0, so the loop stops there: a
    billion servers at a load of 5 Erlangs cost a few hundred steps.

    Args:
        servers: number of servers ``c`` (a positive int).
        load: offered load ``a = arrival_rate / service_rate`` in Erlangs, a number or an
            array of numbers ``>= 0``.

    Returns:
        ``B(c, a)``, a float for a scalar ``load`` and an array of the same shape otherwise.
        Values below the smallest double (about 4.9e-324) are 0.

    Raises:
        TypeError: for a non-integer ``servers`` or a ``load`` that is not numeric.
        ValueError: for a non-positive ``servers`` or a negative, NaN or infinite ``load``.

    Examples:
        >>> round(erlang_b(1, 1.0), 6)
        0.5
        >>> erlang_b(2, [1.0, 2.0]).round(6).tolist()
        [0.2, 0.4]
        >>> erlang_b(10**9, 5.0)
        0.0
    """
    c = _servers(servers)
    a = _loads(load)
    b = np.ones_like(a)
    # --8<-- [start:erlang_b]
    for k in range(1, c + 1):  # every B(k) lies in [0, 1]
        ab = a * b
        b = ab / (k + ab)
        if k % 64 == 0 and not b.any():
            break  # all underflowed: B stays 0 for every larger k
    # --8<-- [end:erlang_b]
    return float(b) if b.ndim == 0 else b


@overload
def erlang_c(servers: int, load: float) -> float: ...
@overload
def erlang_c(servers: int, load: FloatArray | Sequence[float]) -> FloatArray: ...


def erlang_c(servers: int, load: float | FloatArray | Sequence[float]) -> float | FloatArray:
    """Probability that an arrival must wait in an M/M/c queue (Erlang C).

    Computed from Erlang B as ``C = c B / (c - a (1 - B))``, with the denominator written
    ``(c - a) + a B`` so that nothing cancels when the load is close to ``c``.

    Args:
        servers: number of servers ``c`` (a positive int).
        load: offered load ``a`` in Erlangs (number or array), each ``0 <= a < c``.

    Returns:
        ``C(c, a)``: a float for a scalar ``load``, else an array.

    Raises:
        TypeError: for a non-integer ``servers`` or a non-numeric ``load``.
        ValueError: for bad ``servers``/``load`` or a load ``>= servers`` (no steady state).

    Examples:
        >>> round(erlang_c(1, 0.5), 6)   # M/M/1: P(wait) = utilization
        0.5
        >>> erlang_c(2, [0.5, 1.0]).round(6).tolist()
        [0.1, 0.333333]
    """
    c = _servers(servers)
    a = _loads(load)
    if a.size and np.any(a >= c):
        bad = float(a[a >= c].ravel()[0])
        raise ValueError(
            f"erlang_c needs load < servers for a steady state, got load {bad!r} "
            f"with servers {c} (utilization {bad / c:.6g} >= 1)"
        )
    b = np.asarray(erlang_b(c, a), dtype=np.float64)
    # --8<-- [start:erlang_c]
    result = c * b / ((c - a) + a * b)  # c B / (c - a (1 - B)), nothing cancels
    # --8<-- [end:erlang_c]
    return float(result) if result.ndim == 0 else result


def _erlang_b_direct(c: int, a: float) -> float:
    """``B(c, a)`` at one point, without the recursion over ``1..c``.

    ``1 / B(c, a) = sum_i t_i`` with ``t_0 = 1`` and ``t_i = t_(i-1) (c - i + 1) / a``
    (the Erlang sum read from its last term down). The terms are summed in log space,
    chunk by chunk, until they are negligible (``e^-40`` of the largest) or their
    largest already makes ``B`` underflow; either happens within ``O(sqrt(a))`` terms
    of the peak, so ``B`` near ``c = a`` costs ``O(sqrt(a))``, not ``O(c)``.
    """
    peak, acc, log_t, i = 0.0, 1.0, 0.0, 0  # log of the largest term; sum / e^peak
    while i < c:
        j = np.arange(i, min(c, i + 4096), dtype=np.float64)
        logs = log_t + np.cumsum(np.log1p((c - j - a) / a))  # log t_(i+1) ...
        top = float(logs.max())
        if top > peak:
            acc *= math.exp(peak - top)
            peak = top
        acc += float(np.exp(logs - peak).sum())
        log_t, i = float(logs[-1]), i + j.size
        if peak > 745.2:  # 1/B > e^745: B is below the smallest double
            return 0.0
        if c - i < a and log_t < peak - _NEGLIGIBLE_LOG:
            break  # the terms fall from here on, and are negligible already
    return math.exp(-peak) / acc


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class QueueResult:
    """Steady-state measures of a single-queue model (times in seconds).

    Attributes:
        model: Kendall notation of the model, e.g. ``"M/D/1"``.
        arrival_rate: arrival rate ``lambda`` (per second).
        mean_service: mean service time ``E[S]`` (seconds).
        servers: number of servers ``c``.
        utilization: the busy fraction of each server, ``rho = lambda E[S] / c`` when
            every arrival is served.
        p_wait: probability that an arrival (an admitted one, if some are refused)
            waits at all.
        mean_wait: mean time in queue ``Wq`` (before service starts).
        mean_response: mean time in system ``W = Wq + E[S]``.
        mean_queue_length: mean number waiting ``Lq`` (``lambda Wq`` by Little's law).
        mean_in_system: mean number present ``L`` (``lambda W``).
    """

    model: str
    arrival_rate: float
    mean_service: float
    servers: int
    utilization: float
    p_wait: float
    mean_wait: float
    mean_response: float
    mean_queue_length: float
    mean_in_system: float


@dataclass(frozen=True)
class MMcResult(QueueResult):
    """Measures of an M/M/c queue, which also has the whole waiting-time distribution.

    The wait of an arrival is 0 with probability ``1 - C`` and otherwise exponential with
    rate ``c mu - lambda``, so ``P(Wq <= t) = 1 - C exp(-(c mu - lambda) t)``.
    """

    @overload
    def wait_time_cdf(self, t: float) -> float: ...
    @overload
    def wait_time_cdf(self, t: FloatArray | Sequence[float]) -> FloatArray: ...

    def wait_time_cdf(self, t: float | FloatArray | Sequence[float]) -> float | FloatArray:
        """Service level ``P(Wq <= t)``: the fraction of arrivals that wait at most ``t``.

        Args:
            t: waiting time(s) in seconds, ``>= 0`` (number or array).

        Returns:
            ``1 - C exp(-(c mu - lambda) t)``, a float or an array shaped like ``t``.

        Raises:
            TypeError: if ``t`` is not numeric.
            ValueError: for a negative, NaN or infinite ``t``.

        Examples:
            >>> round(mm1(0.5, 1.0).wait_time_cdf(0.0), 6)
            0.5
        """
        tt = _real_array("t", t)
        if tt.size and (not np.all(np.isfinite(tt)) or np.any(tt < 0)):
            bad = tt[~(np.isfinite(tt) & (tt >= 0))].ravel()[0]
            raise ValueError(f"t must be finite and non-negative (seconds), got {bad!r}")
        # --8<-- [start:wait_time_cdf]
        drain = self.servers / self.mean_service - self.arrival_rate  # c mu - lambda
        result = 1.0 - self.p_wait * np.exp(-drain * tt)
        # --8<-- [end:wait_time_cdf]
        return float(result) if result.ndim == 0 else result


@dataclass(frozen=True)
class MMcKResult(QueueResult):
    """Measures of an M/M/c/K queue: ``c`` servers and room for ``K`` requests in all.

    An arrival that finds ``K`` requests present (``c`` in service, ``K - c`` waiting) is
    refused. The inherited times, lengths and ``p_wait`` describe the admitted requests;
    ``utilization`` is the busy fraction of a server, ``throughput / (c mu)``.

    Attributes:
        capacity: ``K``, the most requests in the system (in service plus waiting).
        p_block: probability that an arrival is refused (Poisson arrivals see time
            averages, so it is also the fraction of time the system is full).
        throughput: admitted, and so served, requests per second, ``lambda (1 - p_block)``.
    """

    capacity: int
    p_block: float
    throughput: float


# ----------------------------------------------------------------------------- models


def mm1(arrival_rate: float, service_rate: float) -> MMcResult:
    """The M/M/1 queue: Poisson arrivals, exponential service, one server.

    ``rho = lambda/mu``, ``Wq = rho / (mu - lambda)``, ``W = 1 / (mu - lambda)``,
    ``Lq = rho^2 / (1 - rho)``, ``L = rho / (1 - rho)``, ``P(wait) = rho``.

    Args:
        arrival_rate: ``lambda`` per second, positive.
        service_rate: ``mu`` per second, positive, greater than ``arrival_rate``.

    Returns:
        The steady-state measures.

    Raises:
        TypeError: for a rate that is not a real number.
        ValueError: for non-positive rates or ``arrival_rate >= service_rate``.

    Examples:
        >>> q = mm1(2.0, 3.0)
        >>> round(q.mean_in_system, 6), round(q.mean_wait, 6)
        (2.0, 0.666667)
    """
    lam = _positive("arrival_rate", arrival_rate)
    mu = _positive("service_rate", service_rate)
    rho = lam / mu
    _unstable("M/M/1", lam, mu, rho)
    wq = rho / (mu - lam)
    return MMcResult(
        model="M/M/1",
        arrival_rate=lam,
        mean_service=1.0 / mu,
        servers=1,
        utilization=rho,
        p_wait=rho,
        mean_wait=wq,
        mean_response=1.0 / (mu - lam),
        mean_queue_length=rho * rho / (1.0 - rho),
        mean_in_system=rho / (1.0 - rho),
    )


def mmc(arrival_rate: float, service_rate: float, servers: int) -> MMcResult:
    """The M/M/c queue: Poisson arrivals, exponential service, ``c`` servers, one FIFO line.

    With ``a = lambda/mu`` and ``C = erlang_c(c, a)``: ``Wq = C / (c mu - lambda)``,
    ``W = Wq + 1/mu``, ``Lq = lambda Wq``, ``L = Lq + a``.

    Args:
        arrival_rate: ``lambda`` per second, positive.
        service_rate: ``mu`` per second per server, positive.
        servers: ``c``, a positive int with ``c mu > lambda``.

    Returns:
        The measures, with `MMcResult.wait_time_cdf` for the service level.

    Raises:
        TypeError: for arguments of the wrong type.
        ValueError: for bad arguments or utilization ``lambda / (c mu) >= 1``.

    Examples:
        >>> q = mmc(2.0, 3.0, servers=2)
        >>> round(q.mean_in_system, 6), round(q.mean_wait * 60, 4)   # minutes
        (0.75, 2.5)
    """
    lam = _positive("arrival_rate", arrival_rate)
    mu = _positive("service_rate", service_rate)
    c = _servers(servers)
    _unstable(f"M/M/{c}", lam, c * mu, lam / (c * mu))
    # --8<-- [start:mmc]
    a = lam / mu  # offered load, Erlangs
    p_wait = erlang_c(c, a)
    wq = p_wait / (c * mu - lam)  # the queue drains at c mu - lambda
    # --8<-- [end:mmc]
    return MMcResult(
        model=f"M/M/{c}",
        arrival_rate=lam,
        mean_service=1.0 / mu,
        servers=c,
        utilization=a / c,
        p_wait=p_wait,
        mean_wait=wq,
        mean_response=wq + 1.0 / mu,
        mean_queue_length=lam * wq,
        mean_in_system=lam * wq + a,
    )


def mmck(arrival_rate: float, service_rate: float, servers: int, capacity: int) -> MMcKResult:
    """The M/M/c/K queue: ``c`` exponential servers and room for ``K`` requests in all.

    A Collector exporter's ``sending_queue`` with ``num_consumers`` consumers and
    ``queue_size`` slots is this model with ``c = num_consumers`` and
    ``K = num_consumers + queue_size`` (a request being exported has left the queue).
    With ``a = lambda/mu``, ``rho = a/c`` and ``B = erlang_b(c, a)``, the stationary
    probabilities relative to ``P(N <= c)`` are ``B rho^j`` for ``N = c + j``,
    ``j = 0..K-c``; the refusal probability is ``P(N = K)`` and the rest follows by
    Little's law. The geometric tail is summed in numpy, scaled by its largest term,
    so ``K`` in the thousands or millions and ``rho`` far above 1 are safe (exponents are
    taken from the largest term, so they stay small where the mass is); there is a
    steady state at any load.

    Args:
        arrival_rate: ``lambda`` per second, positive.
        service_rate: ``mu`` per second per server, positive.
        servers: ``c``, a positive int.
        capacity: ``K >= c``, the most requests in the system.

    Returns:
        The measures, with ``p_block`` and ``throughput``.

    Raises:
        TypeError: for arguments of the wrong type.
        ValueError: for non-positive rates, ``servers < 1`` or ``capacity < servers``.

    Examples:
        >>> q = mmck(2.0, 1.0, servers=1, capacity=1)   # M/M/1/1: Erlang B, 2/3 refused
        >>> round(q.p_block, 6), round(q.throughput, 6)
        (0.666667, 0.666667)
        >>> round(mmck(9.99, 1.0, servers=10, capacity=1010).mean_queue_length)
        415
    """
    lam = _positive("arrival_rate", arrival_rate)
    mu = _positive("service_rate", service_rate)
    c = _servers(servers)
    k = _servers(capacity, "capacity")
    if k < c:
        raise ValueError(f"capacity must be at least servers ({c}), got {capacity!r}")
    a = lam / mu
    rho, b = a / c, erlang_b(c, a)
    # --8<-- [start:mmck]
    j = np.arange(k - c + 1, dtype=np.float64)  # N = c + j requests present
    top = k - c if rho > 1 else 0  # where the largest term B rho^j sits
    w = np.exp((j - top) * math.log(rho))  # P(N = c + j) / P(N <= c) / (B rho^top)
    below = (1.0 - b) * math.exp(-top * math.log(rho))  # P(N < c), on the same scale
    z = below + b * float(w.sum())  # the normalising constant
    p_block = b * float(w[-1]) / z  # an arrival finds N = K and is refused
    admitted = below + b * float(w[:-1].sum())  # = z (1 - p_block), no cancellation
    lq = b * float(j @ w) / z  # mean number waiting
    # --8<-- [end:mmck]
    throughput = lam * admitted / z
    wq = lq / throughput
    return MMcKResult(
        model=f"M/M/{c}/{k}",
        arrival_rate=lam,
        mean_service=1.0 / mu,
        servers=c,
        utilization=min(1.0, throughput / (c * mu)),
        p_wait=b * float(w[:-1].sum()) / admitted,
        mean_wait=wq,
        mean_response=wq + 1.0 / mu,
        mean_queue_length=lq,
        mean_in_system=lq + throughput / mu,
        capacity=k,
        p_block=p_block,
        throughput=throughput,
    )


def mg1(arrival_rate: float, mean_service: float, service_variance: float) -> QueueResult:
    """The M/G/1 queue by the Pollaczek–Khinchine formula.

    ``Wq = lambda E[S^2] / (2 (1 - rho))`` with ``E[S^2] = Var[S] + E[S]^2``; equivalently
    ``Wq = rho E[S] (1 + cs^2) / (2 (1 - rho))`` where ``cs`` is the service time's
    coefficient of variation. Only the first two moments of the service time matter.

    Args:
        arrival_rate: ``lambda`` per second, positive.
        mean_service: ``E[S]`` in seconds, positive.
        service_variance: ``Var[S]`` in seconds squared, ``>= 0``.

    Returns:
        The steady-state measures (``p_wait`` is ``rho``: Poisson arrivals see time averages).

    Raises:
        TypeError: for an argument that is not a real number.
        ValueError: for bad arguments or ``rho = lambda E[S] >= 1``.

    Examples:
        >>> q = mg1(0.5, 1.0, 1.0)        # exponential service: the M/M/1 answer
        >>> q.mean_wait, q.mean_in_system
        (1.0, 1.0)
    """
    lam = _positive("arrival_rate", arrival_rate)
    es = _positive("mean_service", mean_service)
    var = _non_negative("service_variance", service_variance)
    _unstable("M/G/1", lam, 1.0 / es, lam * es)
    # --8<-- [start:mg1]
    rho = lam * es
    wq = lam * (var + es * es) / (2.0 * (1.0 - rho))  # lambda E[S^2] / (2 (1 - rho))
    # --8<-- [end:mg1]
    return QueueResult(
        model="M/G/1",
        arrival_rate=lam,
        mean_service=es,
        servers=1,
        utilization=rho,
        p_wait=rho,
        mean_wait=wq,
        mean_response=wq + es,
        mean_queue_length=lam * wq,
        mean_in_system=lam * (wq + es),
    )


def md1(arrival_rate: float, service_rate: float) -> QueueResult:
    """The M/D/1 queue: Poisson arrivals, constant service time ``1/mu``, one server.

    The Pollaczek–Khinchine formula with zero variance: ``Wq = rho / (2 mu (1 - rho))``,
    exactly half the M/M/1 wait at the same utilization.

    Args:
        arrival_rate: ``lambda`` per second, positive.
        service_rate: ``mu`` per second, positive, greater than ``arrival_rate``.

    Returns:
        The steady-state measures.

    Raises:
        TypeError: for a rate that is not a real number.
        ValueError: for non-positive rates or ``arrival_rate >= service_rate``.

    Examples:
        >>> q = md1(8.0, 12.0)
        >>> round(q.mean_wait * 60, 6), round(q.mean_queue_length, 6)   # minutes, trucks
        (5.0, 0.666667)
    """
    lam = _positive("arrival_rate", arrival_rate)
    mu = _positive("service_rate", service_rate)
    _unstable("M/D/1", lam, mu, lam / mu)
    r = mg1(lam, 1.0 / mu, 0.0)
    return QueueResult(**{**r.__dict__, "model": "M/D/1"})


# ----------------------------------------------------------------------------- sizing


def servers_for_service_level(
    arrival_rate: float, service_rate: float, target_wait: float, level: float
) -> int:
    """The least number of M/M/c servers for which ``P(Wq <= target_wait) >= level``.

    Starts at the first stable count ``c > a`` (``a = lambda/mu``) with Erlang B computed
    there directly (its sum read from the top term down, stopped once the terms are
    negligible), then walks ``c`` upwards carrying the Erlang B recursion along. The
    answer lies ``O(sqrt(a))`` above ``a``, so a load of a billion Erlangs costs about a
    million steps, not a billion; once B underflows, the wait probability is 0 and the
    walk stops.

    Args:
        arrival_rate: ``lambda`` per second, positive.
        service_rate: ``mu`` per second per server, positive.
        target_wait: the waiting-time objective in seconds, ``>= 0`` (0 asks for "no wait").
        level: the required fraction of arrivals within ``target_wait``, ``0 < level < 1``.

    Returns:
        The least ``c`` meeting the objective.

    Raises:
        TypeError: for an argument that is not a real number.
        ValueError: for bad arguments.

    Examples:
        >>> servers_for_service_level(2.0, 3.0, target_wait=0.0, level=0.8)
        2
    """
    lam = _positive("arrival_rate", arrival_rate)
    mu = _positive("service_rate", service_rate)
    t = _non_negative("target_wait", target_wait)
    if isinstance(level, bool) or not isinstance(level, numbers.Real):
        raise TypeError(f"level must be a fraction strictly between 0 and 1, got {level!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be a fraction strictly between 0 and 1, got {level!r}")
    a = lam / mu
    k = math.floor(a) + 1  # the least stable number of servers
    b = _erlang_b_direct(k, a)
    # --8<-- [start:servers_for_service_level]
    while True:
        c_wait = k * b / ((k - a) + a * b)  # Erlang C(k, a)
        if 1.0 - c_wait * math.exp(-(k * mu - lam) * t) >= level:
            return k
        k += 1
        b = a * b / (k + a * b)  # Erlang B(k, a) from B(k - 1, a)
    # --8<-- [end:servers_for_service_level]


# ----------------------------------------------------------------------------- simulation


def simulate_fifo(
    arrival_times: npt.ArrayLike, service_times: npt.ArrayLike, servers: int = 1
) -> tuple[FloatArray, FloatArray]:
    """Replay arrivals through a first-come-first-served queue with ``servers`` servers.

    Each customer, in arrival order, starts at the later of its arrival and the moment
    the earliest server frees up (a heap of server free times); for one server this is
    Lindley's recursion ``W(n+1) = max(0, W(n) + S(n) - A(n+1))``. Any arrival and
    service distributions work: this is a G/G/c simulator for the data you give it.

    Args:
        arrival_times: non-decreasing arrival instants (seconds).
        service_times: service durations (seconds, ``>= 0``), one per arrival.
        servers: number of servers, a positive int.

    Returns:
        ``(waits, departures)``: each customer's time in queue and departure instant.

    Raises:
        TypeError: for non-numeric inputs or a non-integer ``servers``.
        ValueError: on empty or mismatched inputs, decreasing arrival times, negative or
            non-finite values, or bad ``servers``.

    Examples:
        >>> w, d = simulate_fifo([0.0, 1.0, 1.5], [2.0, 1.0, 1.0])
        >>> w.tolist(), d.tolist()
        ([0.0, 1.0, 1.5], [2.0, 3.0, 4.0])
    """
    arr = _real_array("arrival_times", arrival_times).ravel()
    svc = _real_array("service_times", service_times).ravel()
    c = _servers(servers)
    if arr.size == 0:
        raise ValueError("arrival_times must not be empty")
    if arr.shape != svc.shape:
        raise ValueError(
            f"service_times must have one entry per arrival, got {svc.size} for {arr.size}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError("arrival_times must be finite")
    if not np.all(np.isfinite(svc)):
        raise ValueError("service_times must be finite")
    if np.any(np.diff(arr) < 0):
        raise ValueError("arrival_times must be non-decreasing")
    if np.any(svc < 0):
        raise ValueError(f"service_times must be >= 0, got {float(svc[svc < 0][0])!r}")
    waits = np.empty_like(arr)
    departures = np.empty_like(arr)
    # --8<-- [start:simulate_fifo]
    free = [float(arr[0])] * c  # a heap: when each server is next free
    for n, (a_n, s_n) in enumerate(zip(arr.tolist(), svc.tolist(), strict=True)):
        start = max(a_n, free[0])  # the earliest server, once the customer is here
        waits[n] = start - a_n
        departures[n] = start + s_n
        heapq.heapreplace(free, start + s_n)
    # --8<-- [end:simulate_fifo]
    return waits, departures
