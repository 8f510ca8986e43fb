"""A single M/M/c station on SimPy, for checking the simulator against queueing theory.

`simulate_mmc` runs Poisson arrivals into ``servers`` exponential servers with one
FIFO queue and measures what the closed forms of the chapter *Queueing models* (1.1)
predict: the mean wait in queue, the time-average queue length, the utilization and
the probability of waiting. The pipeline's sending queue with ``num_consumers``
consumers is the same model when the back end is exponential and unbounded.

See the chapter *Throughput theory* (1.3).

Examples:
    >>> r = simulate_mmc(arrival_rate=0.5, service_rate=1.0, servers=1, until=2000.0, seed=3)
    >>> 0.4 < r.utilization < 0.6 and r.served > 800
    True
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import simpy

__all__ = ["StationResult", "simulate_mmc"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class StationResult:
    r"""Measurements of one M/M/c run, after the warm-up.

    Attributes:
        waits: wait in queue of each customer that arrived after the warm-up.
        mean_wait: mean of ``waits`` ($W_q$).
        mean_queue_length: time-average number waiting ($L_q$).
        utilization: busy server-time over ``servers`` x observed time ($\rho$).
        p_wait: fraction of customers that found every server busy (waited > 0).
        served: customers that started service after the warm-up.
        events: SimPy events processed (for benchmarks).
    """

    waits: FloatArray
    mean_wait: float
    mean_queue_length: float
    utilization: float
    p_wait: float
    served: int
    events: int


# --8<-- [start:mmc]
def simulate_mmc(
    arrival_rate: float,
    service_rate: float,
    servers: int,
    *,
    until: float,
    warmup: float = 0.0,
    seed: int | None = 0,
) -> StationResult:
    r"""Simulate an M/M/c queue with SimPy.

    Args:
        arrival_rate: Poisson arrival rate $\lambda$, > 0.
        service_rate: service rate of one server $\mu$, > 0.
        servers: number of servers $c$, >= 1.
        until: simulated time, > warmup.
        warmup: time discarded before measuring, >= 0.
        seed: seed of the run's random streams.

    Returns:
        The measured statistics.

    Raises:
        ValueError: on non-positive rates, ``servers < 1`` or ``until <= warmup``.
    """
    for name, v in (("arrival_rate", arrival_rate), ("service_rate", service_rate)):
        if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be a finite number > 0, got {v!r}")
    if isinstance(servers, bool) or not isinstance(servers, int) or servers < 1:
        raise ValueError(f"servers must be an integer >= 1, got {servers!r}")
    if not (math.isfinite(warmup) and warmup >= 0):
        raise ValueError(f"warmup must be a finite number >= 0, got {warmup!r}")
    if not (math.isfinite(until) and until > warmup):
        raise ValueError(f"until must be finite and > warmup ({warmup!r}), got {until!r}")

    env = simpy.Environment()
    s_arr, s_srv = np.random.SeedSequence(seed).spawn(2)
    n_guess = int(arrival_rate * until * 1.2 + 100)
    inter = np.random.default_rng(s_arr).exponential(1.0 / arrival_rate, n_guess).tolist()
    service = np.random.default_rng(s_srv).exponential(1.0 / service_rate, n_guess).tolist()
    servers_res = simpy.Resource(env, capacity=servers)
    waits: list[float] = []
    area = {"queue": 0.0, "busy": 0.0, "t": warmup}

    def account() -> None:  # integrate queue length and busy servers up to now
        now = env.now
        if now > warmup:
            dt = now - max(area["t"], warmup)
            area["queue"] += len(servers_res.queue) * dt
            area["busy"] += servers_res.count * dt
            area["t"] = now

    def customer(s: float) -> Generator[simpy.Event, Any, None]:
        arrived = env.now
        account()
        with servers_res.request() as req:
            yield req
            account()
            if arrived >= warmup:
                waits.append(env.now - arrived)
            yield env.timeout(s)
            account()

    def arrivals() -> Generator[simpy.Event, Any, None]:
        for i, a in enumerate(inter):
            yield env.timeout(a)
            env.process(customer(service[i]))

    env.process(arrivals())
    events = 0
    while env.peek() <= until:
        env.step()
        events += 1
    env.run(until=until)  # advance the clock to ``until`` (no event is left before it)
    account()
    span = until - warmup
    w = np.asarray(waits, dtype=np.float64)
    return StationResult(
        waits=w,
        mean_wait=float(w.mean()) if w.size else math.nan,
        mean_queue_length=area["queue"] / span,
        utilization=area["busy"] / (servers * span),
        p_wait=float(np.mean(w > 0)) if w.size else math.nan,
        served=int(w.size),
        events=events,
    )


# --8<-- [end:mmc]
