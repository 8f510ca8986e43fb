"""Queueing models for telemetry pipelines: Erlang B and C, M/M/1, M/M/c, M/D/1 and M/G/1.

A Collector exporter with a sending queue is a multi-server queue: batches arrive at a rate
``arrival_rate`` (per second), ``servers`` consumers each finish a batch at ``service_rate``
(per second, the reciprocal of the mean export time), and batches that find every consumer
busy wait in the queue. This module gives the steady-state answers for the classic models
of that situation and the sizing question built on them ("how many consumers keep 99 % of
batches waiting under 100 ms?"), plus a small first-in-first-out simulator used to check
the formulas and Little's law on data.

All rates are per second and all times are in seconds. A model whose utilization is 1 or
more has no steady state; asking for it raises `ValueError` with the numbers.

See the chapter *Queueing models* (1.1).

Examples:
    >>> from otlpkb.performance.queueing import erlang_c, mmc
    >>> round(erlang_c(2, 1.0), 6)
    0.333333
    >>> q = mmc(arrival_rate=8.0, service_rate=1.0, servers=10)
    >>> round(q.utilization, 3), round(q.p_wait, 4)
    (0.8, 0.4092)
    >>> round(q.wait_time_cdf(0.5), 4)
    0.8495
"""

from __future__ import annotations

import heapq
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from otlpkb._checks import non_negative as _non_negative
from otlpkb._checks import positive as _positive

__all__ = [
    "MMcResult",
    "QueueResult",
    "erlang_b",
    "erlang_c",
    "md1",
    "mg1",
    "mm1",
    "mmc",
    "servers_for_service_level",
    "simulate_fifo",
]

FloatArray = npt.NDArray[np.float64]


# ----------------------------------------------------------------------------- validation


def _servers(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"servers must be a positive integer, got {value!r}")
    if int(value) < 1:
        raise ValueError(f"servers must be a positive integer, got {value!r}")
    return int(value)


def _loads(load: Any) -> FloatArray:
    arr = np.asarray(load, dtype=np.float64)
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


# --8<-- [start:erlang_b]
def erlang_b(servers: int, load: float | FloatArray | Sequence[float]) -> float | FloatArray:
    """Blocking probability of an M/M/c/c loss system (Erlang B).

    Uses the recursion ``B(0) = 1``, ``B(k) = a B(k-1) / (k + a B(k-1))``: no factorials,
    no powers, every intermediate value in ``[0, 1]``, so it neither overflows nor loses
    precision for tens of thousands of servers. It runs once over ``k`` with all loads at
    a time (numpy), so 10,000 loads cost about as much as a handful.

    Args:
        servers: number of servers ``c`` (a positive int).
        load: offered load ``a = arrival_rate / service_rate`` in Erlangs, a number or an
            array of numbers ``>= 0``.

    Returns:
        ``B(c, a)``, a float for a scalar ``load`` and an array of the same shape otherwise.
        Values below the smallest normal double (about 2.2e-308) underflow towards 0.

    Raises:
        ValueError: for a non-integer or non-positive ``servers`` or a negative, NaN or
            infinite ``load``.

    Examples:
        >>> round(erlang_b(1, 1.0), 6)
        0.5
        >>> erlang_b(2, [1.0, 2.0]).round(6).tolist()
        [0.2, 0.4]
    """
    c = _servers(servers)
    a = _loads(load)
    b = np.ones_like(a)
    for k in range(1, c + 1):
        ab = a * b
        b = ab / (k + ab)
    return float(b) if b.ndim == 0 else b
    # --8<-- [end:erlang_b]


@overload
def erlang_c(servers: int, load: float) -> float: ...
@overload
def erlang_c(servers: int, load: FloatArray | Sequence[float]) -> FloatArray: ...


# --8<-- [start:erlang_c]
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
    result = c * b / ((c - a) + a * b)
    return float(result) if result.ndim == 0 else result
    # --8<-- [end:erlang_c]


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class QueueResult:
    """Steady-state measures of a single-queue model (times in seconds).

    Attributes:
        model: Kendall notation of the model, e.g. ``"M/D/1"``.
        arrival_rate: arrival rate ``lambda`` (per second).
        mean_service: mean service time ``E[S]`` (seconds).
        servers: number of servers ``c``.
        utilization: ``rho = lambda E[S] / c``, the busy fraction of each server.
        p_wait: probability that an arrival waits at all.
        mean_wait: mean time in queue ``Wq`` (before service starts).
        mean_response: mean time in system ``W = Wq + E[S]``.
        mean_queue_length: mean number waiting ``Lq = lambda Wq``.
        mean_in_system: mean number present ``L = lambda W``.
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

    # --8<-- [start:wait_time_cdf]
    def wait_time_cdf(self, t: float | FloatArray | Sequence[float]) -> float | FloatArray:
        """Service level ``P(Wq <= t)``: the fraction of arrivals that wait at most ``t``.

        Args:
            t: waiting time(s) in seconds, ``>= 0`` (number or array).

        Returns:
            ``1 - C exp(-(c mu - lambda) t)``, a float or an array shaped like ``t``.

        Examples:
            >>> round(mm1(0.5, 1.0).wait_time_cdf(0.0), 6)
            0.5
        """
        tt = np.asarray(t, dtype=np.float64)
        if tt.size and (not np.all(np.isfinite(tt)) or np.any(tt < 0)):
            bad = tt[~(np.isfinite(tt) & (tt >= 0))].ravel()[0]
            raise ValueError(f"t must be finite and non-negative (seconds), got {bad!r}")
        drain = self.servers / self.mean_service - self.arrival_rate  # c mu - lambda
        result = 1.0 - self.p_wait * np.exp(-drain * tt)
        return float(result) if result.ndim == 0 else result
        # --8<-- [end:wait_time_cdf]


# ----------------------------------------------------------------------------- models


# --8<-- [start:mm1]
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
    # --8<-- [end:mm1]


# --8<-- [start:mmc]
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
        ValueError: for bad arguments or utilization ``lambda / (c mu) >= 1``.

    Examples:
        >>> q = mmc(2.0, 3.0, servers=2)
        >>> round(q.mean_in_system, 6), round(q.mean_wait * 60, 4)   # minutes
        (0.75, 2.5)
    """
    lam = _positive("arrival_rate", arrival_rate)
    mu = _positive("service_rate", service_rate)
    c = _servers(servers)
    a = lam / mu
    rho = a / c
    _unstable(f"M/M/{c}", lam, c * mu, rho)
    p_wait = erlang_c(c, a)
    wq = p_wait / (c * mu - lam)
    return MMcResult(
        model=f"M/M/{c}",
        arrival_rate=lam,
        mean_service=1.0 / mu,
        servers=c,
        utilization=rho,
        p_wait=p_wait,
        mean_wait=wq,
        mean_response=wq + 1.0 / mu,
        mean_queue_length=lam * wq,
        mean_in_system=lam * wq + a,
    )
    # --8<-- [end:mmc]


# --8<-- [start:mg1]
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
        ValueError: for bad arguments or ``rho = lambda E[S] >= 1``.

    Examples:
        >>> q = mg1(0.5, 1.0, 1.0)        # exponential service: the M/M/1 answer
        >>> q.mean_wait, q.mean_in_system
        (1.0, 1.0)
    """
    lam = _positive("arrival_rate", arrival_rate)
    es = _positive("mean_service", mean_service)
    var = _non_negative("service_variance", service_variance)
    rho = lam * es
    _unstable("M/G/1", lam, 1.0 / es, rho)
    wq = lam * (var + es * es) / (2.0 * (1.0 - rho))
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
    # --8<-- [end:mg1]


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


# --8<-- [start:servers_for_service_level]
def servers_for_service_level(
    arrival_rate: float, service_rate: float, target_wait: float, level: float
) -> int:
    """The least number of M/M/c servers for which ``P(Wq <= target_wait) >= level``.

    Walks ``c`` upwards from the first stable value, carrying the Erlang B recursion
    along, so the whole search costs ``O(c)`` operations even for thousands of servers.

    Args:
        arrival_rate: ``lambda`` per second, positive.
        service_rate: ``mu`` per second per server, positive.
        target_wait: the waiting-time objective in seconds, ``>= 0`` (0 asks for "no wait").
        level: the required fraction of arrivals within ``target_wait``, ``0 < level < 1``.

    Returns:
        The least ``c`` meeting the objective.

    Raises:
        ValueError: for bad arguments.

    Examples:
        >>> servers_for_service_level(2.0, 3.0, target_wait=0.0, level=0.8)
        2
    """
    lam = _positive("arrival_rate", arrival_rate)
    mu = _positive("service_rate", service_rate)
    t = _non_negative("target_wait", target_wait)
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0 < level < 1:
        raise ValueError(f"level must be a fraction strictly between 0 and 1, got {level!r}")
    a = lam / mu
    b = 1.0
    k = 0
    while True:
        k += 1
        b = a * b / (k + a * b)  # Erlang B(k, a)
        if k <= a:
            continue  # unstable with k servers
        c_wait = k * b / ((k - a) + a * b)  # Erlang C(k, a)
        if 1.0 - c_wait * math.exp(-(k * mu - lam) * t) >= level:
            return k
    # --8<-- [end:servers_for_service_level]


# ----------------------------------------------------------------------------- simulation


# --8<-- [start:simulate_fifo]
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
        ValueError: on empty or mismatched inputs, decreasing arrival times, negative or
            non-finite values, or bad ``servers``.

    Examples:
        >>> w, d = simulate_fifo([0.0, 1.0, 1.5], [2.0, 1.0, 1.0])
        >>> w.tolist(), d.tolist()
        ([0.0, 1.0, 1.5], [2.0, 3.0, 4.0])
    """
    arr = np.asarray(arrival_times, dtype=np.float64).ravel()
    svc = np.asarray(service_times, dtype=np.float64).ravel()
    c = _servers(servers)
    if arr.size == 0:
        raise ValueError("arrival_times must not be empty")
    if arr.shape != svc.shape:
        raise ValueError(
            f"service_times must have one entry per arrival, got {svc.size} for {arr.size}"
        )
    if not (np.all(np.isfinite(arr)) and np.all(np.isfinite(svc))):
        raise ValueError("arrival_times and service_times must be finite")
    if np.any(np.diff(arr) < 0):
        raise ValueError("arrival_times must be non-decreasing")
    if np.any(svc < 0):
        raise ValueError(f"service_times must be >= 0, got {float(svc[svc < 0][0])!r}")
    free = [float(arr[0])] * c  # when each server is next free
    waits = np.empty_like(arr)
    departures = np.empty_like(arr)
    for n, (a_n, s_n) in enumerate(zip(arr.tolist(), svc.tolist(), strict=True)):
        start = max(a_n, free[0])
        waits[n] = start - a_n
        departures[n] = start + s_n
        heapq.heapreplace(free, start + s_n)
    return waits, departures
    # --8<-- [end:simulate_fifo]
