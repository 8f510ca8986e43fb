"""An elastic M/M/c station on SimPy: servers come and go as a controller decides.

`simulate_elastic` runs a time-varying Poisson load (a rate per ``step`` seconds) into a
pool of exponential servers with one FIFO queue. Every ``sync_period`` seconds a
controller, any callable ``(now, replicas, utilization, arrival_rate) -> replicas``, sees
what an autoscaler would see over the last period (the busy fraction of the servers and the
measured arrival rate) and sets the new number of replicas. New replicas start serving
after ``startup_delay``; removed replicas finish the request they hold. The result has
every request's latency and the replica count over time, so an SLO-based plan and a
utilization-target autoscaler can be compared on exactly the same arrivals.

See the chapter *Scaling decisions* (7.3).

Examples:
    >>> r = simulate_elastic([4.0] * 20, step=30.0, service_rate=1.0,
    ...                      controller=lambda now, n, u, lam: 6, initial_replicas=6)
    >>> r.served > 1000, bool(0.5 < r.utilization.mean() < 0.8)
    (True, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import simpy

from otlpkb._checks import integer as _integer
from otlpkb._checks import non_negative as _non_negative
from otlpkb._checks import positive as _positive

__all__ = ["Controller", "ElasticResult", "simulate_elastic"]

FloatArray = npt.NDArray[np.float64]
Controller = Callable[[float, int, float, float], int]
"""``(now, replicas, utilization, arrival_rate) -> desired replicas``."""


@dataclass(frozen=True, eq=False)
class ElasticResult:
    """What `simulate_elastic` measured.

    Attributes:
        arrivals: arrival time of every request that finished.
        latency: its response time (wait + service), seconds.
        times: the controller's sync times.
        replicas: replicas serving (or starting) just after each sync.
        utilization: busy fraction of the serving replicas over the period before each sync.
        arrival_rate: measured arrivals per second over the period before each sync.
        replica_seconds: integral of the replica count over time (the cost).
        scale_events: syncs at which the replica count changed.
        served: requests finished.
    """

    arrivals: FloatArray
    latency: FloatArray
    times: FloatArray
    replicas: npt.NDArray[np.int64]
    utilization: FloatArray
    arrival_rate: FloatArray
    replica_seconds: float
    scale_events: int
    served: int

    def slo_violations(self, slo: float) -> float:
        """Fraction of requests slower than ``slo`` seconds."""
        return float(np.mean(self.latency > slo)) if self.latency.size else math.nan


def simulate_elastic(
    rates: Sequence[float],
    *,
    step: float,
    service_rate: float,
    controller: Controller,
    initial_replicas: int,
    sync_period: float = 15.0,
    startup_delay: float = 0.0,
    seed: int | None = 0,
) -> ElasticResult:
    r"""Simulate a FIFO pool of exponential servers whose size a controller sets.

    Args:
        rates: arrival rate (per second) in each consecutive window of ``step`` seconds.
        step: window length of ``rates``, seconds.
        service_rate: $\mu$ of one replica, per second.
        controller: the scaling decision, called every ``sync_period``.
        initial_replicas: replicas at time 0, >= 1.
        sync_period: seconds between decisions (the HPA's default is 15 s).
        startup_delay: seconds before a new replica serves.
        seed: seed of the arrival and service streams.

    Returns:
        An `ElasticResult`.

    Raises:
        ValueError: a negative rate, a non-positive period or rate, fewer than one replica.
    """
    lam = [_non_negative(f"rates[{i}]", r) for i, r in enumerate(rates)]
    if not lam:
        raise ValueError("rates is empty")
    dt = _positive("step", step)
    mu = _positive("service_rate", service_rate)
    sync = _positive("sync_period", sync_period)
    delay = _non_negative("startup_delay", startup_delay)
    initial_replicas = _integer("initial_replicas", initial_replicas, 1)
    until = dt * len(lam)
    s_arr, s_srv = np.random.SeedSequence(seed).spawn(2)
    rng_a, rng_s = np.random.default_rng(s_arr), np.random.default_rng(s_srv)

    # --8<-- [start:elastic]
    env = simpy.Environment()
    idle = simpy.Container(env, init=initial_replicas, capacity=10**9)  # idle replicas
    state: dict[str, float] = {
        "serving": initial_replicas,
        "retire": 0,
        "busy": 0,
        "area": 0.0,
        "t": 0.0,
    }
    arrived: list[float] = []
    done: list[tuple[float, float]] = []

    def account() -> None:  # integrate busy replicas over time
        state["area"] += state["busy"] * (env.now - state["t"])
        state["t"] = env.now

    def request(t0: float) -> Generator[simpy.Event, Any, None]:
        yield idle.get(1)
        account()
        state["busy"] += 1
        yield env.timeout(rng_s.exponential(1.0 / mu))
        account()
        state["busy"] -= 1
        done.append((t0, env.now - t0))
        if state["retire"]:  # a replica marked for removal leaves when it is free
            state["retire"] -= 1
        else:
            yield idle.put(1)

    def arrivals() -> Generator[simpy.Event, Any, None]:
        peak = max(lam)
        while peak > 0:  # thinning: a Poisson process at the peak rate, kept w.p. rate/peak
            yield env.timeout(rng_a.exponential(1.0 / peak))
            if env.now >= until:
                return
            if rng_a.random() * peak < lam[int(env.now // dt)]:
                arrived.append(env.now)
                env.process(request(env.now))

    def start(k: int) -> Generator[simpy.Event, Any, None]:
        yield env.timeout(delay)
        yield idle.put(k)

    # --8<-- [end:elastic]

    times: list[float] = []
    replicas: list[int] = []
    util: list[float] = []
    rate: list[float] = []
    cost = {"area": 0.0, "t": 0.0, "n": float(initial_replicas), "events": 0}

    # --8<-- [start:control]
    def control() -> Generator[simpy.Event, Any, None]:
        seen = 0
        while env.now + sync <= until + 1e-9:
            area0 = state["area"]
            yield env.timeout(sync)
            account()
            n = int(state["serving"])
            u = (state["area"] - area0) / (n * sync)  # busy fraction over the period
            r = (len(arrived) - seen) / sync  # measured arrival rate
            seen = len(arrived)
            want = max(1, int(controller(env.now, n, u, r)))
            if want > n:
                env.process(start(want - n))
            elif want < n:
                drop = min(n - want, int(idle.level))  # idle ones go now, busy ones later
                if drop:
                    yield idle.get(drop)
                state["retire"] += n - want - drop
            cost["area"] += cost["n"] * (env.now - cost["t"])
            cost["t"], cost["n"] = env.now, float(want)
            cost["events"] += want != n
            state["serving"] = want
            times.append(env.now)
            replicas.append(want)
            util.append(u)
            rate.append(r)

    # --8<-- [end:control]

    env.process(arrivals())
    env.process(control())
    env.run(until=until)
    cost["area"] += cost["n"] * (until - cost["t"])
    pairs = np.asarray(done, dtype=np.float64).reshape(-1, 2)
    return ElasticResult(
        arrivals=pairs[:, 0],
        latency=pairs[:, 1],
        times=np.asarray(times),
        replicas=np.asarray(replicas, dtype=np.int64),
        utilization=np.asarray(util),
        arrival_rate=np.asarray(rate),
        replica_seconds=cost["area"],
        scale_events=int(cost["events"]),
        served=len(done),
    )
