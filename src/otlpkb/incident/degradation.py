"""Degradation plans: token buckets, priority shedding, the memory limiter, adaptive sampling.

When a telemetry pipeline is overloaded, something has to give. This module holds the
four controls a Collector operator can plan with, each as a small object driven by
explicit times, and a SimPy model that runs them together in front of a queue:

* `TokenBucket` — admit at most ``rate`` per second on average, ``burst`` at once.
* `PriorityShedder` — shed the least important traffic first, by queue occupancy;
  `priority_blocking` is the closed form for Poisson arrivals and exponential service
  (a birth-death chain; with one class it is the M/M/c/K queue of chapter 1.1).
* `MemoryLimiter` — the Collector's ``memory_limiter`` processor, ported from its
  source (``internal/memorylimiter``): heap measured every ``check_interval``; at or
  above the soft limit (hard limit minus the spike limit, 20 % of the hard limit by
  default) data is refused with a retryable error; a GC is forced above the soft limit
  at most every ``min_gc_interval_when_soft_limited`` (10 s) and above the hard limit
  at most every ``min_gc_interval_when_hard_limited`` (0 s); a forced GC that frees less
  than 5 % doubles the wait before the next one, up to ``max_gc_interval_when_*``
  (30 s). `MemoryLimiterSettings` carries those defaults and the Collector's validation.
* `AdaptiveSampler` — lower the sampling probability so the sampled rate meets a target.

`simulate_degradation` runs a `DegradationScenario` (Poisson requests, a surge, a back
end outage, a Go-like heap with automatic and forced GC) and returns a
`DegradationResult` with every request's fate and the time series the chapter plots.

See the chapter *Degradation plans* (9.2): ../../operations/incident/degradation.md

Examples:
    >>> s = MemoryLimiterSettings(limit_mib=4000, check_interval=1.0, spike_limit_mib=800)
    >>> s.soft_limit_mib, MemoryLimiterSettings(limit_mib=1000, check_interval=1.0).soft_limit_mib
    (3200.0, 800.0)
    >>> tb = TokenBucket(rate=10.0, burst=2.0)
    >>> [tb.allow(0.0), tb.allow(0.0), tb.allow(0.0), tb.allow(0.1)]
    [True, True, False, True]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import simpy

from otlpkb._checks import integer, non_negative, positive

__all__ = [
    "OUTCOMES",
    "AdaptiveSampler",
    "DegradationResult",
    "DegradationScenario",
    "MemoryLimiter",
    "MemoryLimiterSettings",
    "PriorityShedder",
    "TokenBucket",
    "priority_blocking",
    "simulate_degradation",
]

FloatArray = npt.NDArray[np.float64]

#: The fate of a request in `simulate_degradation`, in the order the controls act.
OUTCOMES = ("rate_limited", "sampled_out", "refused_memory", "shed", "accepted")

#: A forced GC that frees less than this share of the heap counts as ineffective
#: (``gcEffectivenessThreshold`` in the Collector's memorylimiter.go).
GC_EFFECTIVE_SHARE = 0.05


class TokenBucket:
    """A token bucket: ``rate`` tokens a second, at most ``burst`` stored; starts full.

    Args:
        rate: tokens added per second (> 0).
        burst: bucket capacity (> 0); the largest request that can ever pass.
        start: the time of creation (seconds).

    Examples:
        >>> tb = TokenBucket(rate=1.0, burst=1.0)
        >>> tb.allow(0.0), tb.allow(0.5), tb.allow(1.0)
        (True, False, True)
    """

    def __init__(self, rate: float, burst: float, start: float = 0.0) -> None:
        r = positive("rate", rate)
        b = positive("burst", burst)
        self.rate: float = r
        self.burst: float = b
        self.tokens: float = b
        self.last: float = non_negative("start", start)

    def allow(self, now: float, n: float = 1.0) -> bool:
        """Take ``n`` tokens at time ``now`` if the bucket holds them; ``False`` otherwise.

        Raises:
            ValueError: ``now`` is earlier than the previous call, or ``n`` <= 0.
        """
        t = non_negative("now", now)
        need = positive("n", n)
        if t < self.last:
            raise ValueError(f"now must not go backwards (last {self.last!r}), got {now!r}")
        # --8<-- [start:token_bucket]
        self.tokens = min(self.burst, self.tokens + self.rate * (t - self.last))
        self.last = t
        if self.tokens < need:
            return False
        self.tokens -= need
        return True
        # --8<-- [end:token_bucket]


class PriorityShedder:
    """Admit priority class ``k`` only while fewer than ``thresholds[k]`` requests are in.

    Class 0 is the most important; its threshold is the system's capacity ``K``. Lower
    thresholds for less important classes keep room for the important ones (trunk
    reservation, in telephone terms).

    Args:
        thresholds: one occupancy threshold per class, non-increasing, each >= 1.

    Examples:
        >>> shed = PriorityShedder((10, 6))
        >>> shed.admit(0, 7), shed.admit(1, 7)
        (True, False)
    """

    def __init__(self, thresholds: Sequence[int]) -> None:
        ks = tuple(integer("thresholds", k, minimum=1) for k in thresholds)
        if not ks or any(a < b for a, b in itertools.pairwise(ks)):
            raise ValueError(
                f"thresholds must be a non-empty, non-increasing sequence, got {thresholds!r}"
            )
        self.thresholds: tuple[int, ...] = ks

    @property
    def capacity(self) -> int:
        """The most requests in the system (the top class's threshold)."""
        return self.thresholds[0]

    def admit(self, priority: int, occupancy: int) -> bool:
        """Whether a request of class ``priority`` is admitted with ``occupancy`` present."""
        k = integer("priority", priority, minimum=0)
        if k >= len(self.thresholds):
            raise ValueError(f"priority must be below {len(self.thresholds)}, got {priority!r}")
        return integer("occupancy", occupancy, minimum=0) < self.thresholds[k]


def priority_blocking(
    arrival_rates: Sequence[float], service_rate: float, servers: int, thresholds: Sequence[int]
) -> FloatArray:
    """Per-class refusal probability of `PriorityShedder` in front of an M/M/c queue.

    With Poisson arrivals of rate ``lambda_k`` per class and ``c`` exponential servers of
    rate ``mu``, the number present is a birth-death chain on ``0..K``: births at
    ``lambda(n) = sum of lambda_k over classes with n < K_k`` and deaths at
    ``min(n, c) mu``. Its stationary law is
    ``pi(n) ∝ prod_{i<n} lambda(i) / (min(i + 1, c) mu)``, and since Poisson arrivals
    see time averages, class ``k`` is refused with probability ``P(N >= K_k)``. With one
    class this is ``mmck(...).p_block``.

    Args:
        arrival_rates: ``lambda_k`` per class (each > 0).
        service_rate: ``mu`` per server (> 0).
        servers: ``c`` (>= 1).
        thresholds: ``K_k`` per class, non-increasing, ``K_0 >= c``.

    Returns:
        One refusal probability per class.

    Examples:
        >>> priority_blocking([2.0], 1.0, 1, [1]).round(6).tolist()  # M/M/1/1: Erlang B
        [0.666667]
    """
    lam = np.array([positive("arrival_rates", x) for x in arrival_rates], dtype=np.float64)
    mu = positive("service_rate", service_rate)
    c = integer("servers", servers, minimum=1)
    ks = PriorityShedder(thresholds).thresholds
    if len(ks) != lam.size:
        raise ValueError(
            f"thresholds must have one entry per class ({lam.size}), got {thresholds!r}"
        )
    if ks[0] < c:
        raise ValueError(f"thresholds[0] must be at least servers ({c}), got {ks[0]!r}")
    # --8<-- [start:birth_death]
    n = np.arange(ks[0])  # states 0..K-1 each have a birth to n + 1
    births = (n[:, None] < np.array(ks)[None, :]) @ lam  # lambda(n)
    deaths = np.minimum(n + 1, c) * mu  # death rate out of n + 1
    log_pi = np.concatenate([[0.0], np.cumsum(np.log(births) - np.log(deaths))])
    pi = np.exp(log_pi - log_pi.max())
    pi /= pi.sum()
    tail = np.cumsum(pi[::-1])[::-1]  # P(N >= n)
    return np.asarray(tail[list(ks)], dtype=np.float64)
    # --8<-- [end:birth_death]


@dataclass(frozen=True)
class MemoryLimiterSettings:
    """The ``memory_limiter`` processor's configuration, in MiB and seconds.

    Defaults are the Collector's (``NewDefaultConfig`` in
    ``internal/memorylimiter/config.go``); ``check_interval`` has no usable default
    there (0 s, which validation rejects; the README recommends 1 s), so it is required
    here. Validation mirrors the Collector's ``Config.Validate``.

    Attributes:
        limit_mib: the hard limit (``limit_mib``), > 0.
        check_interval: seconds between heap measurements (``check_interval``), > 0.
        spike_limit_mib: ``spike_limit_mib``; 0 means 20 % of ``limit_mib``; must be
            below ``limit_mib``.
        min_gc_interval_when_soft_limited: least time between forced GCs above the soft
            limit (10 s).
        min_gc_interval_when_hard_limited: least time between forced GCs above the hard
            limit (0 s); at most the soft-limited one.
        max_gc_interval_when_soft_limited: cap of the back-off after ineffective GCs on
            the soft path (30 s); 0 disables the back-off.
        max_gc_interval_when_hard_limited: the same for the hard path (30 s).
    """

    limit_mib: float
    check_interval: float
    spike_limit_mib: float = 0.0
    min_gc_interval_when_soft_limited: float = 10.0
    min_gc_interval_when_hard_limited: float = 0.0
    max_gc_interval_when_soft_limited: float = 30.0
    max_gc_interval_when_hard_limited: float = 30.0

    def __post_init__(self) -> None:
        for name in (
            "spike_limit_mib",
            "min_gc_interval_when_soft_limited",
            "min_gc_interval_when_hard_limited",
            "max_gc_interval_when_soft_limited",
            "max_gc_interval_when_hard_limited",
        ):
            non_negative(name, getattr(self, name))
        positive("check_interval", self.check_interval)
        positive("limit_mib", self.limit_mib)
        min_soft, min_hard = (
            self.min_gc_interval_when_soft_limited,
            self.min_gc_interval_when_hard_limited,
        )
        max_soft, max_hard = (
            self.max_gc_interval_when_soft_limited,
            self.max_gc_interval_when_hard_limited,
        )
        if min_soft < min_hard:
            raise ValueError(
                "min_gc_interval_when_soft_limited must be at least "
                f"min_gc_interval_when_hard_limited ({min_hard!r}), got {min_soft!r}"
            )
        if 0 < max_soft < min_soft:
            raise ValueError(
                "max_gc_interval_when_soft_limited must be 0 or at least "
                f"min_gc_interval_when_soft_limited ({min_soft!r}), got {max_soft!r}"
            )
        if 0 < max_hard < min_hard:
            raise ValueError(
                "max_gc_interval_when_hard_limited must be 0 or at least "
                f"min_gc_interval_when_hard_limited ({min_hard!r}), got {max_hard!r}"
            )
        if max_soft > 0 and max_hard > 0 and max_soft < max_hard:
            raise ValueError(
                "max_gc_interval_when_soft_limited must be at least "
                f"max_gc_interval_when_hard_limited ({max_hard!r}), got {max_soft!r}"
            )
        if self.spike_limit_mib >= self.limit_mib:
            raise ValueError(
                f"spike_limit_mib must be below limit_mib ({self.limit_mib!r}), "
                f"got {self.spike_limit_mib!r}"
            )

    @classmethod
    def from_percentage(
        cls,
        total_mib: float,
        limit_percentage: float,
        spike_limit_percentage: float = 0.0,
        **settings: float,
    ) -> MemoryLimiterSettings:
        """Settings from ``limit_percentage`` / ``spike_limit_percentage`` of total memory.

        The Collector reads the total from the cgroup (or the host); here it is an
        argument. Other settings are passed through by name.

        Examples:
            >>> s = MemoryLimiterSettings.from_percentage(1000, 80, 15, check_interval=1.0)
            >>> s.limit_mib, s.soft_limit_mib
            (800.0, 650.0)
        """
        total = positive("total_mib", total_mib)
        limit = positive("limit_percentage", limit_percentage)
        spike = non_negative("spike_limit_percentage", spike_limit_percentage)
        if limit > 100 or spike > 100:
            raise ValueError(
                "limit_percentage and spike_limit_percentage must be at most 100, "
                f"got {limit_percentage!r} and {spike_limit_percentage!r}"
            )
        if spike >= limit:
            raise ValueError(
                f"spike_limit_percentage must be below limit_percentage ({limit!r}), "
                f"got {spike_limit_percentage!r}"
            )
        return cls(limit_mib=limit * total / 100, spike_limit_mib=spike * total / 100, **settings)

    @property
    def spike_mib(self) -> float:
        """The spike limit in effect: 20 % of the hard limit unless set."""
        return self.limit_mib / 5 if self.spike_limit_mib == 0 else float(self.spike_limit_mib)

    @property
    def soft_limit_mib(self) -> float:
        """``limit_mib - spike``: at or above it, data is refused."""
        return float(self.limit_mib) - self.spike_mib


class MemoryLimiter:
    """The ``memory_limiter`` check loop, driven by explicit times and heap sizes.

    Call `check` every ``check_interval`` with the heap in use and a function that
    forces a GC and returns the heap after it; `refusing` then says whether data is
    refused until the next check. The logic follows ``CheckMemLimits`` of the
    Collector's ``internal/memorylimiter/memorylimiter.go`` line by line.

    Args:
        settings: the configuration.
        start: the time the limiter starts (the Collector counts its last GC from here).

    Examples:
        >>> s = MemoryLimiterSettings(limit_mib=50, check_interval=1.0, spike_limit_mib=10)
        >>> ml = MemoryLimiter(s, start=-60.0)   # as if the last GC were a minute ago
        >>> ml.check(0.0, 45.0, gc=lambda: 45.0), ml.forced_gcs, ml.soft_interval
        (True, 1, 20.0)
    """

    def __init__(self, settings: MemoryLimiterSettings, start: float = 0.0) -> None:
        if not isinstance(settings, MemoryLimiterSettings):
            raise TypeError(f"settings must be MemoryLimiterSettings, got {settings!r}")
        self.settings: MemoryLimiterSettings = settings
        self.refusing: bool = False
        self.last_gc: float = float(start)
        self.last_heap: float = 0.0
        self.soft_interval: float = 0.0
        self.hard_interval: float = 0.0
        self.forced_gcs: int = 0

    def _backoff(self, current: float, low: float, high: float) -> float:
        # --8<-- [start:backoff]
        if high == 0:  # back-off disabled on this path: stay at the minimum
            return low
        floor = max(low, 0.95 * self.settings.check_interval)
        return min(max(current, floor) * 2, max(high, low))
        # --8<-- [end:backoff]

    def _classify(self, heap: float, did_gc: bool) -> bool:
        s = self.settings
        # --8<-- [start:classify]
        above_soft = heap >= s.soft_limit_mib
        effective = not above_soft or heap <= self.last_heap * (1 - GC_EFFECTIVE_SHARE)
        self.last_heap = heap
        if effective:  # memory came down: both paths start afresh
            self.soft_interval = self.hard_interval = 0.0
        elif did_gc:  # an ineffective forced GC: both paths back off together
            self.soft_interval = self._backoff(
                self.soft_interval,
                s.min_gc_interval_when_soft_limited,
                s.max_gc_interval_when_soft_limited,
            )
            self.hard_interval = self._backoff(
                self.hard_interval,
                s.min_gc_interval_when_hard_limited,
                s.max_gc_interval_when_hard_limited,
            )
        return above_soft
        # --8<-- [end:classify]

    def check(self, now: float, heap_mib: float, gc: Callable[[], float]) -> bool:
        """One check at time ``now`` with ``heap_mib`` in use; returns `refusing`.

        Args:
            now: the time of the check (seconds, same clock as ``start``).
            heap_mib: heap in use (Go's ``MemStats.Alloc``), MiB.
            gc: forces a garbage collection and returns the heap after it.
        """
        s = self.settings
        heap = non_negative("heap_mib", heap_mib)
        # --8<-- [start:check]
        above_soft = self._classify(heap, did_gc=False)
        if above_soft:
            if heap >= s.limit_mib:
                gate = max(s.min_gc_interval_when_hard_limited, self.hard_interval)
            else:
                gate = max(s.min_gc_interval_when_soft_limited, self.soft_interval)
            if now - self.last_gc > gate:
                heap = gc()
                self.last_gc, self.forced_gcs = now, self.forced_gcs + 1
                above_soft = self._classify(heap, did_gc=True)
        self.refusing = above_soft
        # --8<-- [end:check]
        return above_soft


class AdaptiveSampler:
    """Head sampling whose probability follows the offered rate down to a target.

    Every `update` takes the rate offered since the last one, smooths it with an
    exponentially weighted moving average and sets the probability to
    ``min(1, target_rate / smoothed)``, never below ``min_probability``.

    Args:
        target_rate: the sampled rate to aim for (items per second, > 0).
        min_probability: the floor of the probability, in (0, 1].
        smoothing: weight of the newest rate in the average, in (0, 1].

    Examples:
        >>> s = AdaptiveSampler(target_rate=100.0, smoothing=1.0)
        >>> s.update(400.0), s.update(50.0)
        (0.25, 1.0)
    """

    def __init__(
        self, target_rate: float, min_probability: float = 0.01, smoothing: float = 0.5
    ) -> None:
        self.target_rate: float = positive("target_rate", target_rate)
        p = positive("min_probability", min_probability)
        a = positive("smoothing", smoothing)
        if p > 1 or a > 1:
            raise ValueError(
                f"min_probability and smoothing must lie in (0, 1], got {p!r} and {a!r}"
            )
        self.min_probability: float = p
        self.smoothing: float = a
        self.rate: float | None = None
        self.probability: float = 1.0

    def update(self, offered_rate: float) -> float:
        """Feed the rate offered over the last interval; returns the new probability."""
        r = non_negative("offered_rate", offered_rate)
        # --8<-- [start:sampler]
        a = self.smoothing
        self.rate = r if self.rate is None else a * r + (1 - a) * self.rate
        p = 1.0 if self.rate <= self.target_rate else self.target_rate / self.rate
        self.probability = max(self.min_probability, p)
        # --8<-- [end:sampler]
        return self.probability


@dataclass(frozen=True)
class DegradationScenario:
    """A Collector in front of a back end, with the controls of this chapter.

    Requests arrive as a Poisson stream (``arrival_rate``, multiplied by
    ``surge_factor`` between ``surge[0]`` and ``surge[1]``), each with a priority class
    drawn from ``class_shares``. They meet, in order: the token bucket, the sampler, the
    memory limiter and the priority shedder; an accepted request waits for one of
    ``consumers`` exporters, each sending at ``service_rate`` (exponential times). During
    the ``outage`` the back end answers nothing, and requests in the exporters wait.

    Memory: each request in the system holds ``item_mib`` live; each accepted request
    also leaves ``garbage_mib`` behind. The heap is live plus garbage; the Go runtime
    collects when it reaches ``(1 + gogc/100)`` times the live heap after the last GC.

    Attributes:
        arrival_rate: requests per second (> 0).
        service_rate: requests per second per consumer (> 0).
        consumers: exporter consumers (``num_consumers``, >= 1).
        queue_size: sending-queue slots (``queue_size``, >= 0).
        class_shares: share of traffic per priority class, class 0 first (sum 1).
        thresholds: occupancy thresholds per class for the shedder, ``None`` for no
            shedding (every class up to ``consumers + queue_size``).
        surge: ``(start, end)`` of a surge, or ``None``.
        surge_factor: rate multiplier during the surge (>= 0).
        outage: ``(start, end)`` of a back-end outage, or ``None``.
        token_bucket: ``(rate, burst)`` of a token bucket in front, or ``None``.
        sampler_target: target sampled rate of an `AdaptiveSampler`, or ``None``.
        memory_limiter: settings of a `MemoryLimiter`, or ``None``.
        item_mib: live memory per request in the system.
        garbage_mib: garbage left per accepted request.
        base_mib: live memory with nothing in the system.
        gogc: the Go runtime's ``GOGC`` percentage.
        tick: seconds between samples of the time series (and sampler updates); the
            memory limiter checks at its own ``check_interval``.
    """

    arrival_rate: float
    service_rate: float
    consumers: int = 10
    queue_size: int = 100
    class_shares: tuple[float, ...] = (1.0,)
    thresholds: tuple[int, ...] | None = None
    surge: tuple[float, float] | None = None
    surge_factor: float = 1.0
    outage: tuple[float, float] | None = None
    token_bucket: tuple[float, float] | None = None
    sampler_target: float | None = None
    memory_limiter: MemoryLimiterSettings | None = None
    item_mib: float = 0.5
    garbage_mib: float = 0.5
    base_mib: float = 20.0
    gogc: float = 100.0
    tick: float = 1.0

    def __post_init__(self) -> None:
        positive("arrival_rate", self.arrival_rate)
        positive("service_rate", self.service_rate)
        integer("consumers", self.consumers, minimum=1)
        integer("queue_size", self.queue_size, minimum=0)
        shares = [non_negative("class_shares", x) for x in self.class_shares]
        if not shares or not math.isclose(sum(shares), 1.0, rel_tol=1e-9):
            raise ValueError(f"class_shares must sum to 1, got {self.class_shares!r}")
        if self.thresholds is not None:
            ks = PriorityShedder(self.thresholds).thresholds
            if len(ks) != len(shares) or ks[0] > self.consumers + self.queue_size:
                raise ValueError(
                    "thresholds must have one entry per class and thresholds[0] at most "
                    f"consumers + queue_size, got {self.thresholds!r}"
                )
        for name in ("surge", "outage"):
            w = getattr(self, name)
            if w is not None and not (len(w) == 2 and 0 <= w[0] <= w[1]):
                raise ValueError(f"{name} must be (start, end) with 0 <= start <= end, got {w!r}")
        non_negative("surge_factor", self.surge_factor)
        if self.token_bucket is not None:
            TokenBucket(*self.token_bucket)
        if self.sampler_target is not None:
            positive("sampler_target", self.sampler_target)
        for name in ("item_mib", "garbage_mib", "base_mib"):
            non_negative(name, getattr(self, name))
        positive("gogc", self.gogc)
        positive("tick", self.tick)

    @property
    def capacity(self) -> int:
        """``consumers + queue_size``: the most requests the Collector holds."""
        return self.consumers + self.queue_size


@dataclass(frozen=True)
class DegradationResult:
    """What happened in one run of `simulate_degradation`.

    Attributes:
        counts: requests per class (rows) and outcome (columns, in `OUTCOMES` order).
        completed: requests delivered to the back end by the end of the run.
        forced_gcs: GCs forced by the memory limiter.
        runtime_gcs: GCs the Go runtime ran on its own (the ``GOGC`` pacer).
        peak_heap_mib: the largest heap seen.
        times: sample times of the series.
        heap_mib: heap in use at each sample.
        live_mib: live memory at each sample.
        in_system: requests in the Collector at each sample.
        refusing: whether the memory limiter refused at each sample.
        probability: the sampling probability at each sample.
        forced_gc_times: when the memory limiter forced each GC.
    """

    counts: npt.NDArray[np.int64]
    completed: int
    forced_gcs: int
    runtime_gcs: int
    peak_heap_mib: float
    times: FloatArray
    heap_mib: FloatArray
    live_mib: FloatArray
    in_system: FloatArray
    refusing: npt.NDArray[np.bool_]
    probability: FloatArray = field(repr=False)
    forced_gc_times: FloatArray = field(repr=False)

    @property
    def offered(self) -> npt.NDArray[np.int64]:
        """Requests offered per class."""
        return np.asarray(self.counts.sum(axis=1))

    def share(self, outcome: str) -> FloatArray:
        """Share of each class's offered requests that met ``outcome``."""
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}")
        off = np.maximum(self.offered, 1)
        return np.asarray(self.counts[:, OUTCOMES.index(outcome)] / off, dtype=np.float64)


def simulate_degradation(
    scenario: DegradationScenario, until: float, seed: int = 0
) -> DegradationResult:
    """Run ``scenario`` for ``until`` seconds of simulated time (SimPy).

    Examples:
        >>> r = simulate_degradation(DegradationScenario(8.0, 1.0, 10, 5), 200.0, seed=1)
        >>> int(r.offered.sum()) > 1000, bool(r.share("shed")[0] < 0.2)
        (True, True)
    """
    sc = scenario
    t_end = positive("until", until)
    rng = np.random.default_rng(integer("seed", seed, minimum=0))
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=sc.consumers)
    thresholds = sc.thresholds or (sc.capacity,) * len(sc.class_shares)
    shedder = PriorityShedder(thresholds)
    bucket = None if sc.token_bucket is None else TokenBucket(*sc.token_bucket)
    sampler = None if sc.sampler_target is None else AdaptiveSampler(sc.sampler_target)
    limiter = None if sc.memory_limiter is None else MemoryLimiter(sc.memory_limiter)
    counts = np.zeros((len(sc.class_shares), len(OUTCOMES)), dtype=np.int64)
    st: dict[str, float] = dict(n=0, garbage=0.0, goal=0.0, done=0, auto=0, peak=0.0, seen=0)
    series: list[tuple[float, float, float, float, bool, float]] = []

    def live() -> float:
        return sc.base_mib + st["n"] * sc.item_mib

    def collect() -> float:  # a full GC: the garbage goes, the next goal is set
        st["garbage"] = 0.0
        st["goal"] = live() * (1 + sc.gogc / 100)
        return live()

    def heap() -> float:
        return live() + st["garbage"]

    collect()

    def down(t: float) -> float:  # seconds until the back end answers again
        return max(0.0, sc.outage[1] - t) if sc.outage and sc.outage[0] <= t else 0.0

    def export() -> Generator[simpy.Event, Any, None]:
        with servers.request() as slot:
            yield slot
            yield env.timeout(rng.exponential(1 / sc.service_rate))
            if down(env.now):  # the attempt fails; the exporter retries once it is back
                yield env.timeout(down(env.now))
        st["n"] -= 1
        st["done"] += 1

    def arrive(cls: int) -> None:
        t = env.now
        st["seen"] += 1
        # --8<-- [start:admission]
        if bucket is not None and not bucket.allow(t):
            fate = "rate_limited"
        elif sampler is not None and rng.random() >= sampler.probability:
            fate = "sampled_out"
        elif limiter is not None and limiter.refusing:
            fate = "refused_memory"  # retryable: the client may send it again
        elif not shedder.admit(cls, int(st["n"])):
            fate = "shed"
        else:
            fate = "accepted"
            st["n"] += 1
            st["garbage"] += sc.garbage_mib
            env.process(export())
        # --8<-- [end:admission]
        counts[cls, OUTCOMES.index(fate)] += 1
        if heap() >= st["goal"]:  # the Go pacer's own collection
            collect()
            st["auto"] += 1
        st["peak"] = max(st["peak"], heap())

    def arrivals() -> Generator[simpy.Event, Any, None]:
        cum = np.cumsum(sc.class_shares)
        cum[-1] = 1.0
        while True:
            t = env.now
            rate = sc.arrival_rate
            if sc.surge and sc.surge[0] <= t < sc.surge[1]:
                rate *= sc.surge_factor
            if rate <= 0:  # nothing arrives until the surge window ends
                yield env.timeout(sc.surge[1] - t if sc.surge else t_end)
                continue
            yield env.timeout(rng.exponential(1 / rate))
            arrive(int(np.searchsorted(cum, rng.random(), side="right")))

    gc_times: list[float] = []

    def forced() -> float:
        gc_times.append(env.now)
        return collect()

    def checker() -> Generator[simpy.Event, Any, None]:
        assert limiter is not None
        while True:
            yield env.timeout(limiter.settings.check_interval)
            limiter.check(env.now, heap(), forced)

    def sampling() -> Generator[simpy.Event, Any, None]:
        last = 0
        while True:
            yield env.timeout(sc.tick)
            if sampler is not None:
                sampler.update((st["seen"] - last) / sc.tick)
            last = int(st["seen"])
            series.append(
                (env.now, heap(), live(), st["n"], bool(limiter and limiter.refusing),
                 sampler.probability if sampler else 1.0)
            )  # fmt: skip

    env.process(arrivals())
    if limiter is not None:  # started first: at a shared instant the check comes first
        env.process(checker())
    env.process(sampling())
    env.run(until=t_end)
    cols = list(zip(*series, strict=True)) if series else [()] * 6
    return DegradationResult(
        counts=counts,
        completed=int(st["done"]),
        forced_gcs=0 if limiter is None else limiter.forced_gcs,
        runtime_gcs=int(st["auto"]),
        peak_heap_mib=float(st["peak"]),
        times=np.asarray(cols[0], dtype=np.float64),
        heap_mib=np.asarray(cols[1], dtype=np.float64),
        live_mib=np.asarray(cols[2], dtype=np.float64),
        in_system=np.asarray(cols[3], dtype=np.float64),
        refusing=np.asarray(cols[4], dtype=np.bool_),
        probability=np.asarray(cols[5], dtype=np.float64),
        forced_gc_times=np.asarray(gc_times, dtype=np.float64),
    )
