"""A vectorised model of many exporters retrying against a back end that goes down.

See the chapter *Fault-tolerance mechanisms* (2.1).

Examples:
    >>> r = simulate_outage("collector", n_clients=50, capacity=75, duration=200, seed=1)
    >>> r.generated > 0 and r.dropped_queue_full >= 0
    True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from otlpkb._checks import integer as _integer
from otlpkb._checks import non_negative as _non_negative
from otlpkb._checks import positive as _positive
from otlpkb._checks import real as _real
from otlpkb.fault_tolerance.retry.backoff import (
    _STRATEGIES,
    JitterStrategy,
    _multiplier,
    _randomization,
)

__all__ = ["OutageResult", "simulate_outage"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class OutageResult:
    """What `simulate_outage` measured.

    Attributes:
        t: time of each step (s).
        attempts: export attempts reaching the back end per second (load).
        served: attempts served per second.
        backlog: batches queued over all clients (including the one being retried).
        dropped_queue_full: batches refused by full sending queues (enqueue failures).
        dropped_retries_exhausted: batches dropped after ``max_elapsed_time``.
        generated: batches generated in total.
        recovery_time: seconds from the end of the outage until the backlog is back to
            its pre-outage maximum (``inf`` if never within the run).
        peak_attempts: highest load after the outage ended, in attempts per second
            averaged over one step ``dt`` (average `attempts` over longer bins to compare
            with a capacity per second).
    """

    t: FloatArray
    attempts: FloatArray
    served: FloatArray
    backlog: FloatArray
    dropped_queue_full: int
    dropped_retries_exhausted: int
    generated: int
    recovery_time: float
    peak_attempts: float


def simulate_outage(
    strategy: JitterStrategy = "collector",
    *,
    n_clients: int = 500,
    batch_interval: float = 1.0,
    capacity: float = 750.0,
    outage: tuple[float, float] = (30.0, 150.0),
    outage_capacity: float = 0.0,
    duration: float = 600.0,
    dt: float = 0.1,
    queue_size: int = 100,
    initial_interval: float = 5.0,
    max_interval: float = 30.0,
    multiplier: float = 1.5,
    randomization_factor: float = 0.5,
    max_elapsed_time: float = 300.0,
    seed: int = 0,
) -> OutageResult:
    """Many exporters retrying against one back end that goes down and comes back.

    Each of ``n_clients`` exporters produces one batch every ``batch_interval`` seconds (with
    a random phase) into a sending queue of ``queue_size`` batches (full queue: the batch is
    dropped, an *enqueue failure*). One sender per client exports the head of its queue;
    on success the next batch goes out on the next step. The back end serves at most
    ``capacity`` requests per second (``outage_capacity`` times that during ``outage``);
    when more arrive in a step, a random subset is served and the rest fail as retryable
    (503). A failed batch is retried after a delay from ``strategy`` (see
    `backoff_delays`), and dropped when the retry would start later than
    ``max_elapsed_time`` after its first attempt. Time advances in steps of ``dt``;
    requests take no time. Deterministic for a given ``seed``.

    Returns:
        An `OutageResult`.

    Examples:
        >>> r = simulate_outage("none", n_clients=50, capacity=75, duration=300, seed=1)
        >>> delivered = round(float(r.served.sum()) * 0.1)
        >>> lost = r.dropped_queue_full + r.dropped_retries_exhausted
        >>> delivered + lost + int(r.backlog[-1]) == r.generated
        True
    """
    if strategy not in _STRATEGIES:
        raise ValueError(f"strategy must be one of {_STRATEGIES}, got {strategy!r}")
    n_clients = _integer("n_clients", n_clients, minimum=1)
    queue_size = _integer("queue_size", queue_size, minimum=1)
    for name, v in (
        ("batch_interval", batch_interval),
        ("capacity", capacity),
        ("duration", duration),
        ("dt", dt),
        ("initial_interval", initial_interval),
        ("max_interval", max_interval),
    ):
        _positive(name, v)
    _multiplier(multiplier)
    r = _randomization(randomization_factor)
    _non_negative("max_elapsed_time", max_elapsed_time)
    if not 0 <= _real("outage_capacity", outage_capacity) <= 1:
        raise ValueError(f"outage_capacity must be in [0, 1], got {outage_capacity!r}")
    if not 0 <= outage[0] <= outage[1]:
        raise ValueError(f"outage must be (start, end) with 0 <= start <= end, got {outage!r}")

    rng = np.random.default_rng(seed)
    n_steps = round(duration / dt)
    t = np.arange(n_steps, dtype=float) * dt
    next_batch = rng.random(n_clients) * batch_interval  # arrival phase of each client
    queue = np.zeros(n_clients, dtype=np.int64)  # batches waiting, head included
    next_try = np.zeros(n_clients)  # earliest time the head batch may be sent
    first_try = np.full(n_clients, np.nan)  # first attempt of the head batch
    retry_no = np.zeros(n_clients, dtype=np.int64)  # retries made for the head batch
    interval = np.full(n_clients, initial_interval)  # cenkalti interval / decorrelated prev
    attempts = np.zeros(n_steps)
    served = np.zeros(n_steps)
    backlog = np.zeros(n_steps)
    dropped_full = dropped_exhausted = generated = 0

    for s in range(n_steps):
        now = t[s]
        # 1. arrivals into the sending queues
        while True:
            due = next_batch <= now
            if not due.any():
                break
            generated += int(due.sum())
            full = due & (queue >= queue_size)
            dropped_full += int(full.sum())
            queue[due & ~full] += 1
            next_batch[due] += batch_interval
        # --8<-- [start:serve]
        # 2. senders whose head batch is due try the back end
        trying = np.flatnonzero((queue > 0) & (next_try <= now + 1e-9))
        attempts[s] = trying.size / dt
        fresh = np.isnan(first_try[trying])
        first_try[trying[fresh]] = now
        cap = capacity * (outage_capacity if outage[0] <= now < outage[1] else 1.0) * dt
        n_ok = min(trying.size, int(cap) + int(rng.random() < cap - int(cap)))
        order = rng.permutation(trying.size)
        ok, failed = trying[order[:n_ok]], trying[order[n_ok:]]
        served[s] = n_ok / dt
        # 3. successes: pop the batch, next one goes out on the next step
        queue[ok] -= 1
        first_try[ok] = np.nan
        retry_no[ok] = 0
        interval[ok] = initial_interval
        next_try[ok] = now + dt
        # --8<-- [end:serve]
        # --8<-- [start:retry_step]
        # 4. failures: back off, or drop when the time budget is spent
        if failed.size:
            x = interval[failed]
            if strategy == "none":
                delay = x
            elif strategy == "collector":
                delay = x * (1 - r + 2 * r * rng.random(failed.size))
            elif strategy == "full":
                delay = x * rng.random(failed.size)
            elif strategy == "equal":
                delay = x / 2 + x / 2 * rng.random(failed.size)
            else:
                delay = np.minimum(max_interval, rng.uniform(initial_interval, 3 * x))
            if strategy == "decorrelated":
                interval[failed] = delay
            else:
                interval[failed] = np.where(
                    x >= max_interval / multiplier, max_interval, x * multiplier
                )
            spent = (now - first_try[failed]) + delay > max_elapsed_time
            if max_elapsed_time == 0:
                spent[:] = False
            gone = failed[spent]
            dropped_exhausted += gone.size
            queue[gone] -= 1
            first_try[gone] = np.nan
            retry_no[gone] = 0
            interval[gone] = initial_interval
            next_try[gone] = now + dt
            keep = failed[~spent]
            retry_no[keep] += 1
            next_try[keep] = now + delay[~spent]
        # --8<-- [end:retry_step]
        backlog[s] = queue.sum()

    before = backlog[t < outage[0]]
    baseline = float(before.max()) if before.size else 0.0
    after = np.flatnonzero((t >= outage[1]) & (backlog <= baseline))
    recovery = float(t[after[0]] - outage[1]) if after.size else math.inf
    post = attempts[t >= outage[1]]
    return OutageResult(
        t=t,
        attempts=attempts,
        served=served,
        backlog=backlog,
        dropped_queue_full=dropped_full,
        dropped_retries_exhausted=dropped_exhausted,
        generated=generated,
        recovery_time=recovery,
        peak_attempts=float(post.max()) if post.size else 0.0,
    )
