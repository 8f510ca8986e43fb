"""Request sources of the simulator: Poisson, on/off (MMPP-2) and replayed timestamps.

Each source is a SimPy process that calls ``deliver(items)`` at every arrival. Random
numbers come from the `numpy.random.Generator` handed to it, drawn in blocks for
speed; no global random state is used.

See the chapter *Throughput theory* (1.3).

Examples:
    >>> import numpy as np, simpy
    >>> env, got = simpy.Environment(), []
    >>> _ = env.process(source_process(env, ReplaySource([0.5, 1.5], [3, 4]),
    ...                                np.random.default_rng(0), got.append))
    >>> env.run(until=2)
    >>> got
    [3, 4]
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from typing import Any

import numpy as np
import simpy

from otlpkb.sim.config import OnOffSource, PoissonSource, ReplaySource, Source

__all__ = ["source_process"]

_BLOCK = 4096


def _exponentials(rng: np.random.Generator) -> Iterator[float]:
    """Unit-mean exponential variates, drawn from ``rng`` in blocks."""
    while True:
        yield from rng.standard_exponential(_BLOCK).tolist()


def _uniforms(rng: np.random.Generator) -> Iterator[float]:
    while True:
        yield from rng.random(_BLOCK).tolist()


def source_process(
    env: simpy.Environment,
    source: Source,
    rng: np.random.Generator,
    deliver: Callable[[int], None],
) -> Generator[simpy.Event, Any, None]:
    """The SimPy process of one source.

    Args:
        env: the simulation environment.
        source: the source configuration.
        rng: the generator this source draws from.
        deliver: called with the number of items of each arriving request.

    Yields:
        SimPy timeout events between arrivals.
    """
    if isinstance(source, PoissonSource):
        scale, n = 1.0 / source.rate, source.items_per_request
        for e in _exponentials(rng):
            yield env.timeout(e * scale)
            deliver(n)
    elif isinstance(source, OnOffSource):
        # Competing exponentials: in a state with arrival rate r and leaving rate s, the
        # next event comes after Exp(r + s) and is an arrival with probability r / (r + s).
        rates = (source.rate_on, source.rate_off)
        leave = (1.0 / source.mean_on, 1.0 / source.mean_off)
        state, n = 0, source.items_per_request
        exps, unis = _exponentials(rng), _uniforms(rng)
        while True:
            total = rates[state] + leave[state]
            yield env.timeout(next(exps) / total)
            if next(unis) * total < rates[state]:
                deliver(n)
            else:
                state = 1 - state
    elif isinstance(source, ReplaySource):
        items = source.items or (1,) * len(source.timestamps)
        for t, n in zip(source.timestamps, items, strict=True):
            if t > env.now:
                yield env.timeout(t - env.now)
            deliver(n)
    else:  # pragma: no cover - config validation rejects other types
        raise TypeError(f"unknown source {source!r}")
