"""Scaling decisions: the Kubernetes HPA as documented, and queueing-based sizing.

* `hpa_desired_replicas` is the HPA's rule, ``ceil(current_replicas × current_value /
  target_value)``, skipped when the ratio is within ``tolerance`` of 1.
* `HPAController` adds what the controller does around the rule (autoscaling/v2
  ``behavior``): stabilization windows (the highest recommendation of the last 300 s
  before a scale-down, by default), rate-limiting policies (``Pods`` or ``Percent`` per
  ``periodSeconds``) chosen by ``selectPolicy`` ``Max``/``Min``/``Disabled``, and the
  ``minReplicas``/``maxReplicas`` bounds, following the algorithm of
  ``pkg/controller/podautoscaler/horizontal.go``. `simulate_hpa` runs it over a load.
* `response_time_cdf` and `servers_for_latency_slo` size an M/M/c pool for a latency
  SLO (a percentile of the response time), the queueing answer of chapter 1.1.

See the chapter *Scaling decisions* (7.3).

Examples:
    >>> hpa_desired_replicas(4, 200.0, 100.0), hpa_desired_replicas(4, 50.0, 100.0)
    (8, 2)
    >>> hpa_desired_replicas(10, 105.0, 100.0)   # within the 10 % tolerance: no change
    10
    >>> servers_for_latency_slo(arrival_rate=40.0, service_rate=10.0, slo=0.5)
    6
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from otlpkb._checks import integer as _integer
from otlpkb._checks import non_negative as _non_negative
from otlpkb._checks import positive as _positive
from otlpkb.performance.queueing import erlang_c

__all__ = [
    "DEFAULT_SCALE_DOWN",
    "DEFAULT_SCALE_UP",
    "HPABehavior",
    "HPAController",
    "HPAScalingPolicy",
    "HPAScalingRules",
    "HPATrace",
    "hpa_desired_replicas",
    "response_time_cdf",
    "servers_for_latency_slo",
    "simulate_hpa",
]

FloatArray = npt.NDArray[np.float64]


def _int(name: str, value: object, minimum: int = 0) -> int:
    return _integer(name, value, minimum)


# ----------------------------------------------------------------------------- the rule


def hpa_desired_replicas(
    current_replicas: int, current_value: float, target_value: float, *, tolerance: float = 0.1
) -> int:
    """The HPA's replica count for one metric, as the Kubernetes documentation gives it.

    ``desiredReplicas = ceil[currentReplicas × (currentMetricValue / desiredMetricValue)]``,
    except that no scaling happens when the ratio is within ``tolerance`` of 1.0 (the
    controller's ``--horizontal-pod-autoscaler-tolerance``, default 0.1). ``current_value``
    is the metric averaged over the ready Pods (for a utilization target, the mean
    utilization in percent of the requests). Not clamped to ``minReplicas``/``maxReplicas``:
    `HPAController` does that.

    Args:
        current_replicas: Pods now, >= 0.
        current_value: the metric's current (average) value, >= 0.
        target_value: the target, > 0.
        tolerance: the dead band around a ratio of 1, >= 0.

    Examples:
        >>> hpa_desired_replicas(3, 90.0, 60.0)   # 50 % over the target: ceil(4.5)
        5
    """
    n = _int("current_replicas", current_replicas)
    value = _non_negative("current_value", current_value)
    target = _positive("target_value", target_value)
    tol = _non_negative("tolerance", tolerance)
    # --8<-- [start:rule]
    ratio = value / target
    if abs(1.0 - ratio) <= tol:
        return n
    return math.ceil(ratio * n)
    # --8<-- [end:rule]


# ----------------------------------------------------------------------------- behavior


@dataclass(frozen=True)
class HPAScalingPolicy:
    """One ``behavior.scaleUp/scaleDown.policies`` entry.

    Attributes:
        type: ``"Pods"`` (an absolute number) or ``"Percent"`` (of the replicas at the
            start of the period).
        value: the number or percentage, > 0.
        period_seconds: the window the limit applies to, 1..1800 s.
    """

    type: Literal["Pods", "Percent"]
    value: int
    period_seconds: int

    def __post_init__(self) -> None:
        if self.type not in ("Pods", "Percent"):
            raise ValueError(f"policy type must be 'Pods' or 'Percent', got {self.type!r}")
        _int("value", self.value, 1)
        if not 0 < _int("period_seconds", self.period_seconds, 1) <= 1800:
            raise ValueError(f"period_seconds must be in 1..1800, got {self.period_seconds!r}")


@dataclass(frozen=True)
class HPAScalingRules:
    """``behavior.scaleUp`` or ``behavior.scaleDown`` (``HPAScalingRules`` in the API).

    Attributes:
        stabilization_window_seconds: how far back recommendations are considered,
            0..3600 s.
        select_policy: ``"Max"`` (the policy allowing the largest change, the default),
            ``"Min"`` or ``"Disabled"`` (no scaling in this direction).
        policies: the rate limits.
    """

    stabilization_window_seconds: int
    select_policy: Literal["Max", "Min", "Disabled"] = "Max"
    policies: tuple[HPAScalingPolicy, ...] = ()

    def __post_init__(self) -> None:
        w = _int("stabilization_window_seconds", self.stabilization_window_seconds)
        if w > 3600:
            raise ValueError(f"stabilization_window_seconds must be <= 3600, got {w}")
        if self.select_policy not in ("Max", "Min", "Disabled"):
            raise ValueError(
                f"select_policy must be 'Max', 'Min' or 'Disabled', got {self.select_policy!r}"
            )
        if self.select_policy != "Disabled" and not self.policies:
            raise ValueError("policies must not be empty unless select_policy is 'Disabled'")
        for p in self.policies:
            if not isinstance(p, HPAScalingPolicy):
                raise TypeError(f"policies must hold HPAScalingPolicy values, got {p!r}")


DEFAULT_SCALE_UP = HPAScalingRules(
    0, "Max", (HPAScalingPolicy("Percent", 100, 15), HPAScalingPolicy("Pods", 4, 15))
)
"""The documented default for scaling up: no stabilization; add 100 % or 4 Pods (the
larger) every 15 s."""

DEFAULT_SCALE_DOWN = HPAScalingRules(300, "Max", (HPAScalingPolicy("Percent", 100, 15),))
"""The documented default for scaling down: a 300 s stabilization window; remove up to
100 % every 15 s."""


@dataclass(frozen=True)
class HPABehavior:
    """The ``behavior`` field; fields left out take the documented defaults."""

    scale_up: HPAScalingRules = DEFAULT_SCALE_UP
    scale_down: HPAScalingRules = DEFAULT_SCALE_DOWN


class HPAController:
    """The HPA controller's state for one target: past recommendations and scale events.

    Call `step` once per sync period (15 s by default) with the current replica count
    and metric value; it returns the replica count the controller sets.

    Args:
        target_value: the metric's target.
        min_replicas: ``minReplicas`` (default 1).
        max_replicas: ``maxReplicas``.
        behavior: the ``behavior`` field (documented defaults if left out).
        tolerance: the dead band of `hpa_desired_replicas`.

    Examples:
        >>> hpa = HPAController(target_value=60.0, min_replicas=1, max_replicas=20)
        >>> [hpa.step(t, n, v) for t, n, v in [(0, 2, 240.0), (15, 6, 100.0)]]
        [6, 10]
    """

    def __init__(
        self,
        target_value: float,
        min_replicas: int = 1,
        max_replicas: int = 10,
        behavior: HPABehavior | None = None,
        tolerance: float = 0.1,
    ) -> None:
        target = _positive("target_value", target_value)
        lowest = _int("min_replicas", min_replicas, 1)
        highest = _int("max_replicas", max_replicas, 1)
        if highest < lowest:
            raise ValueError(
                f"max_replicas ({max_replicas}) must be >= min_replicas ({min_replicas})"
            )
        rules = HPABehavior() if behavior is None else behavior
        if not isinstance(rules, HPABehavior):
            raise TypeError(f"behavior must be an HPABehavior, got {behavior!r}")
        dead_band = _non_negative("tolerance", tolerance)
        self.target_value = target
        self.min_replicas = lowest
        self.max_replicas = highest
        self.behavior = rules
        self.tolerance = dead_band
        self._recommendations: list[tuple[float, int]] = []
        self._up_events: list[tuple[float, int]] = []
        self._down_events: list[tuple[float, int]] = []

    def step(self, now: float, current_replicas: int, current_value: float) -> int:
        """One reconcile: the replica count to set at time ``now`` (seconds).

        Raises:
            ValueError: ``now`` earlier than the previous call, or a bad value.
        """
        t = float(now)
        if self._recommendations and t < self._recommendations[-1][0]:
            raise ValueError(f"now must not go back in time, got {now!r}")
        n = _int("current_replicas", current_replicas)
        if n == 0:  # scaled to zero by hand: the HPA is deactivated
            return 0
        if n > self.max_replicas:
            desired = self.max_replicas
        elif n < self.min_replicas:
            desired = self.min_replicas
        else:
            wanted = hpa_desired_replicas(
                n, current_value, self.target_value, tolerance=self.tolerance
            )
            return self.normalize(t, n, wanted)
        return self._record(t, n, desired)

    def normalize(self, now: float, current_replicas: int, desired_replicas: int) -> int:
        """Stabilize and rate-limit a recommendation computed elsewhere.

        `step` calls it with the HPA rule's recommendation; passing another recommender's
        answer (a queueing model's, say) gives that recommender the HPA's ``behavior``.
        """
        t = float(now)
        n = _int("current_replicas", current_replicas)
        wanted = _int("desired_replicas", desired_replicas)
        stabilized = self._stabilize(t, n, wanted)
        return self._record(t, n, self._limit(t, n, stabilized))

    def _record(self, now: float, current: int, desired: int) -> int:
        if desired != current:
            events = self._up_events if desired > current else self._down_events
            events.append((now, abs(desired - current)))
        return desired

    # --8<-- [start:stabilize]
    def _stabilize(self, now: float, current: int, desired: int) -> int:
        up, down = self.behavior.scale_up, self.behavior.scale_down
        if desired >= current:  # scaling up: the lowest recommendation in the window
            window, pick = up.stabilization_window_seconds, min
        else:  # scaling down: the highest recommendation in the window
            window, pick = down.stabilization_window_seconds, max
        best = desired
        for stamp, rec in self._recommendations:
            if stamp > now - window:
                best = pick(best, rec)
        keep = max(up.stabilization_window_seconds, down.stabilization_window_seconds)
        self._recommendations = [r for r in self._recommendations if r[0] >= now - keep]
        self._recommendations.append((now, desired))
        return best

    # --8<-- [end:stabilize]

    # --8<-- [start:limit]
    def _limit(self, now: float, current: int, desired: int) -> int:
        if desired > current:
            rules = self.behavior.scale_up
            if rules.select_policy == "Disabled":
                return current
            proposals = []
            for p in rules.policies:
                start = current - _changed(self._up_events, now, p.period_seconds)
                if p.type == "Pods":
                    proposals.append(start + p.value)
                else:  # rounded up, so that a small percentage still adds a Pod
                    proposals.append(math.ceil(start * (1 + p.value / 100)))
            limit = max(proposals) if rules.select_policy == "Max" else min(proposals)
            return min(desired, max(limit, current), self.max_replicas)
        if desired < current:
            rules = self.behavior.scale_down
            if rules.select_policy == "Disabled":
                return current
            proposals = []
            for p in rules.policies:
                start = current + _changed(self._down_events, now, p.period_seconds)
                if p.type == "Pods":
                    proposals.append(start - p.value)
                else:  # truncated: int32(float64(start) * (1 - value/100))
                    proposals.append(int(start * (1 - p.value / 100)))
            limit = min(proposals) if rules.select_policy == "Max" else max(proposals)
            return max(desired, min(limit, current), self.min_replicas)
        return desired

    # --8<-- [end:limit]


def _changed(events: list[tuple[float, int]], now: float, period: int) -> int:
    """Replicas added (or removed) by the events strictly after ``now - period``."""
    return sum(change for stamp, change in events if stamp > now - period)


@dataclass(frozen=True, eq=False)
class HPATrace:
    """The output of `simulate_hpa`.

    Attributes:
        times: sync times, seconds.
        load: the total load at each sync.
        metric: the per-replica metric the HPA saw (load / replicas).
        replicas: replicas after each sync.
        scale_events: syncs at which the replica count changed.
    """

    times: FloatArray
    load: FloatArray
    metric: FloatArray
    replicas: npt.NDArray[np.int64]
    scale_events: int


def simulate_hpa(
    load: Sequence[float] | FloatArray,
    target_value: float,
    *,
    initial_replicas: int,
    min_replicas: int = 1,
    max_replicas: int = 10,
    behavior: HPABehavior | None = None,
    tolerance: float = 0.1,
    sync_period: float = 15.0,
) -> HPATrace:
    """Run an `HPAController` over a load sampled once per sync period.

    The metric the HPA sees at each sync is ``load / replicas`` (for example CPU cores of
    work spread over the Pods, against a per-Pod target), computed with the replicas set
    by the previous sync. Pods start at once (no readiness delay).

    Examples:
        >>> tr = simulate_hpa([100.0] * 4 + [300.0] * 4, 50.0, initial_replicas=2)
        >>> tr.replicas.tolist()
        [2, 2, 2, 2, 6, 6, 6, 6]
    """
    values = np.asarray(load, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError("load must be a non-empty one-dimensional sequence")
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        i = int(np.flatnonzero(~(np.isfinite(values) & (values >= 0)))[0])
        raise ValueError(f"load[{i}] = {values[i]!r} must be finite and >= 0")
    period = _positive("sync_period", sync_period)
    hpa = HPAController(
        target_value, min_replicas, max_replicas, behavior or HPABehavior(), tolerance
    )
    n = _int("initial_replicas", initial_replicas, 1)
    metric, reps = [], []
    for k, v in enumerate(values.tolist()):
        metric.append(v / n)
        n = hpa.step(k * period, n, v / n)
        reps.append(n)
    replicas = np.asarray(reps, dtype=np.int64)
    before = np.concatenate([[initial_replicas], replicas[:-1]])
    return HPATrace(
        times=np.arange(values.size, dtype=np.float64) * period,
        load=values,
        metric=np.asarray(metric),
        replicas=replicas,
        scale_events=int(np.sum(replicas != before)),
    )


# ----------------------------------------------------------------------------- queueing sizing


def response_time_cdf(arrival_rate: float, service_rate: float, servers: int, t: Any) -> Any:
    r"""$P(T \le t)$ for the response time $T = W_q + S$ of an M/M/c queue.

    The wait is 0 with probability $1 - C$ and otherwise exponential with rate
    $\theta = c\mu - \lambda$; adding an independent $\text{Exp}(\mu)$ service time gives
    $P(T > t) = (1 - C) e^{-\mu t} + C \frac{\theta e^{-\mu t} - \mu e^{-\theta t}}
    {\theta - \mu}$ (the limit $(1 + \mu t) e^{-\mu t}$ when $\theta = \mu$).

    Examples:
        >>> round(float(response_time_cdf(1.0, 2.0, 1, 1.0)), 6)   # M/M/1: 1 - e^{-(mu-lam) t}
        0.632121
    """
    lam = _positive("arrival_rate", arrival_rate)
    mu = _positive("service_rate", service_rate)
    c = _int("servers", servers, 1)
    if lam >= c * mu:
        raise ValueError(f"unstable: arrival_rate {lam:g} >= servers x service_rate = {c * mu:g}")
    tt = np.asarray(t, dtype=np.float64)
    # --8<-- [start:response]
    p_wait = erlang_c(c, lam / mu)
    theta = c * mu - lam
    if abs(theta - mu) < 1e-12 * mu:
        mixed = (1 + mu * tt) * np.exp(-mu * tt)
    else:
        mixed = (theta * np.exp(-mu * tt) - mu * np.exp(-theta * tt)) / (theta - mu)
    tail = (1 - p_wait) * np.exp(-mu * tt) + p_wait * mixed
    # --8<-- [end:response]
    return 1.0 - tail


def servers_for_latency_slo(
    arrival_rate: float, service_rate: float, slo: float, *, quantile: float = 0.99
) -> int:
    r"""The fewest M/M/c servers whose response-time ``quantile`` is at most ``slo``.

    Args:
        arrival_rate: requests per second, > 0.
        service_rate: $\mu$ of one server, per second.
        slo: the latency objective in seconds.
        quantile: the percentile the SLO is written on, in (0, 1) (0.99 = p99).

    Raises:
        ValueError: when no number of servers can meet it: even with no waiting, the
            service time alone exceeds ``slo`` at that quantile.

    Examples:
        >>> servers_for_latency_slo(100.0, 10.0, slo=0.5, quantile=0.99)
        12
    """
    lam = _positive("arrival_rate", arrival_rate)
    mu = _positive("service_rate", service_rate)
    limit = _positive("slo", slo)
    q = _positive("quantile", quantile)
    if q >= 1:
        raise ValueError(f"quantile must be in (0, 1), got {quantile!r}")
    floor = -math.log(1 - q) / mu  # the quantile of the service time alone
    if floor >= limit:
        raise ValueError(
            f"slo {limit:g} s is unreachable: the service time's {q:g} quantile is "
            f"{floor:.4g} s even with no waiting"
        )
    # --8<-- [start:sizing]
    c = max(1, math.floor(lam / mu) + 1)  # the fewest servers with utilization < 1
    while response_time_cdf(lam, mu, c, limit) < q:
        c += 1
    return c
    # --8<-- [end:sizing]
