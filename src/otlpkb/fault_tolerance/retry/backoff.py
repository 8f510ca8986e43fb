"""Exponential backoff: the Collector's ``retry_on_failure`` and Brooker's jitter variants.

`ExponentialBackoff` is the algorithm of cenkalti/backoff's ``ExponentialBackOff`` with
the Collector's defaults; `backoff_delays` draws the delays of many clients at once for
the jitter strategies compared in the chapter.

See the chapter *Fault-tolerance mechanisms* (2.1).

Examples:
    >>> ExponentialBackoff().nominal_schedule()[:6]
    [5.0, 7.5, 11.25, 16.875, 25.3125, 30.0]
    >>> backoff_delays("none", 1, 3)[0].tolist()
    [5.0, 7.5, 11.25]
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import numpy as np
import numpy.typing as npt

from otlpkb._checks import integer as _integer
from otlpkb._checks import non_negative as _non_negative
from otlpkb._checks import positive as _positive
from otlpkb._checks import real as _real

__all__ = ["ExponentialBackoff", "JitterStrategy", "backoff_delays"]

FloatArray = npt.NDArray[np.float64]


def _multiplier(value: object) -> float:
    m = _real("multiplier", value)
    if m < 1:
        raise ValueError(f"multiplier must be >= 1, got {value!r}")
    return m


def _randomization(value: object) -> float:
    r = _real("randomization_factor", value)
    if not 0 <= r <= 1:
        raise ValueError(f"randomization_factor must be in [0, 1], got {value!r}")
    return r


class ExponentialBackoff:
    """Exponential backoff with ±randomisation, as the Collector's ``retry_on_failure``.

    The defaults are the Collector's (``configretry.NewDefaultBackOffConfig``): first
    interval 5 s, growing by 1.5 up to 30 s, each delay drawn uniformly from
    ``[d(1-r), d(1+r)]`` with r = 0.5, and no retry that would start more than 300 s after
    the first attempt. The algorithm is cenkalti/backoff's ``ExponentialBackOff``: the
    interval grows after each draw, the cap applies to the interval and not to the
    randomised value, and ``incrementCurrentInterval`` snaps to ``max_interval`` once
    ``interval >= max_interval / multiplier``. (The Go code adds one nanosecond to the width
    of the interval; that quirk is left out.) As in the Collector's retry sender, a retry
    whose start would pass ``max_elapsed_time`` is not made: `next_backoff` returns
    None ("no more retries left"). ``max_elapsed_time=0`` never stops.

    Args:
        initial_interval: first un-randomised interval, seconds.
        max_interval: cap on the un-randomised interval, seconds.
        multiplier: growth factor per retry (>= 1).
        randomization_factor: r in [0, 1].
        max_elapsed_time: time budget from the first attempt, seconds (0 = unlimited).
        seed: seed for the random draws (numpy Generator).

    Examples:
        >>> b = ExponentialBackoff(seed=1)
        >>> d = b.next_backoff()
        >>> 2.5 <= d <= 7.5
        True
        >>> b.interval
        7.5
        >>> len(ExponentialBackoff(randomization_factor=0).schedule())
        12
    """

    def __init__(
        self,
        initial_interval: float = 5.0,
        max_interval: float = 30.0,
        multiplier: float = 1.5,
        randomization_factor: float = 0.5,
        max_elapsed_time: float = 300.0,
        seed: int | None = None,
    ) -> None:
        initial_interval = _positive("initial_interval", initial_interval)
        self.initial_interval = initial_interval
        max_interval = _positive("max_interval", max_interval)
        self.max_interval = max_interval
        if self.max_interval < self.initial_interval:
            raise ValueError(
                f"max_interval must be >= initial_interval, got {max_interval!r} < "
                f"{initial_interval!r}"
            )
        multiplier = _multiplier(multiplier)
        self.multiplier = multiplier
        randomization_factor = _randomization(randomization_factor)
        self.randomization_factor = randomization_factor
        max_elapsed_time = _non_negative("max_elapsed_time", max_elapsed_time)
        self.max_elapsed_time = max_elapsed_time
        self._rng = np.random.default_rng(seed)
        self.reset()

    def reset(self) -> None:
        """Start over: first interval again, elapsed time zero (a new batch)."""
        self.interval = self.initial_interval
        self.elapsed = 0.0

    def next_backoff(self, elapsed: float | None = None) -> float | None:
        """The delay before the next retry, or None when the time budget is spent.

        Args:
            elapsed: seconds since the first attempt, if you measure it (attempts take
                time). By default the sum of the delays returned so far is used, i.e.
                attempts are taken as instantaneous.
        """
        if elapsed is not None:
            self.elapsed = _non_negative("elapsed", elapsed)
        # --8<-- [start:backoff]
        r = self.randomization_factor
        delay = self.interval * (1 - r + 2 * r * float(self._rng.random()))
        if self.interval >= self.max_interval / self.multiplier:
            self.interval = self.max_interval  # cenkalti snaps to the cap
        else:
            self.interval *= self.multiplier
        if self.max_elapsed_time and self.elapsed + delay > self.max_elapsed_time:
            return None  # "no more retries left"
        self.elapsed += delay
        return delay
        # --8<-- [end:backoff]

    def schedule(self) -> list[float]:
        """All delays of one batch that keeps failing, from a fresh start (consumes draws)."""
        self.reset()
        out: list[float] = []
        while (d := self.next_backoff()) is not None:
            out.append(d)
            if not self.max_elapsed_time and len(out) >= 10_000:
                break
        self.reset()
        return out

    def nominal_schedule(self) -> list[float]:
        """The un-randomised intervals (the centres of the draws) within the time budget."""
        out: list[float] = []
        interval, elapsed = self.initial_interval, 0.0
        while not self.max_elapsed_time or elapsed + interval <= self.max_elapsed_time:
            out.append(interval)
            elapsed += interval
            if interval >= self.max_interval / self.multiplier:
                interval = self.max_interval
            else:
                interval *= self.multiplier
            if not self.max_elapsed_time and len(out) >= 10_000:
                break
        return out

    def attempt_times(self, attempt_duration: float = 0.0, *, jitter: bool = False) -> list[float]:
        """Start times of the first attempt and of every retry of a batch that keeps failing.

        Each attempt fails ``attempt_duration`` seconds after it starts: 0 for an
        immediate error, or the exporter's per-attempt ``timeout`` (5 s in the Collector)
        when no response comes back. The next delay is drawn when the attempt has failed,
        and the retry is not made if it would start more than ``max_elapsed_time`` after
        the first attempt, as in the Collector's retry sender (cenkalti/backoff measures
        the elapsed time from the first attempt).

        Args:
            attempt_duration: Seconds from the start of an attempt to its failure, >= 0.
            jitter: Draw randomised delays (consumes draws); by default the un-randomised
                intervals.

        Returns:
            ``[0.0, t_1, t_2, ...]``: the first attempt and each retry.

        Examples:
            >>> ExponentialBackoff().attempt_times(5.0)[:4]
            [0.0, 10.0, 22.5, 38.75]
        """
        duration = _non_negative("attempt_duration", attempt_duration)
        r = self.randomization_factor if jitter else 0.0
        clone = ExponentialBackoff(
            self.initial_interval,
            self.max_interval,
            self.multiplier,
            r,
            self.max_elapsed_time,
        )
        clone._rng = self._rng
        # --8<-- [start:attempt_times]
        starts = [0.0]
        while len(starts) <= 10_000:
            failed_at = starts[-1] + duration
            delay = clone.next_backoff(elapsed=failed_at)
            if delay is None:
                break
            starts.append(failed_at + delay)
        return starts
        # --8<-- [end:attempt_times]

    def __iter__(self) -> Iterator[float]:
        """Iterate over the delays of one batch (see `schedule`)."""
        return iter(self.schedule())


JitterStrategy = Literal["none", "collector", "full", "equal", "decorrelated"]
_STRATEGIES = ("none", "collector", "full", "equal", "decorrelated")


def backoff_delays(
    strategy: JitterStrategy,
    n_clients: int,
    n_retries: int,
    *,
    base: float = 5.0,
    cap: float = 30.0,
    multiplier: float = 1.5,
    randomization_factor: float = 0.5,
    rng: np.random.Generator | int | None = None,
) -> FloatArray:
    """Delays of ``n_retries`` successive retries for ``n_clients`` clients, vectorised.

    With ``x_i = min(cap, base * multiplier**i)`` the un-jittered interval of retry i:

    * ``"none"``: ``x_i`` (every client retries at the same instants);
    * ``"collector"``: ``U[x_i(1-r), x_i(1+r)]`` (cenkalti/backoff, the Collector);
    * ``"full"``: ``U[0, x_i]`` (Brooker 2015, "Full Jitter");
    * ``"equal"``: ``x_i/2 + U[0, x_i/2]`` ("Equal Jitter");
    * ``"decorrelated"``: ``min(cap, U[base, 3 * previous])`` with ``previous = base`` at
      first ("Decorrelated Jitter").

    Returns:
        An array of shape ``(n_clients, n_retries)``.

    Examples:
        >>> backoff_delays("none", 1, 6)[0].tolist()
        [5.0, 7.5, 11.25, 16.875, 25.3125, 30.0]
        >>> d = backoff_delays("full", 1000, 3, rng=0)
        >>> bool((d >= 0).all() and (d[:, 2] <= 11.25).all())
        True
    """
    if strategy not in _STRATEGIES:
        raise ValueError(f"strategy must be one of {_STRATEGIES}, got {strategy!r}")
    n_clients = _integer("n_clients", n_clients, minimum=0)
    n_retries = _integer("n_retries", n_retries, minimum=0)
    base, cap = _positive("base", base), _positive("cap", cap)
    multiplier = _multiplier(multiplier)
    randomization_factor = _randomization(randomization_factor)
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    # --8<-- [start:jitter]
    x = np.minimum(cap, base * multiplier ** np.arange(n_retries, dtype=float))
    x = np.broadcast_to(x, (n_clients, n_retries))
    if strategy == "none":
        return np.array(x, dtype=float)
    if strategy == "collector":
        r = randomization_factor
        return np.asarray(x * (1 - r + 2 * r * gen.random(x.shape)), dtype=float)
    if strategy == "full":
        return np.asarray(x * gen.random(x.shape), dtype=float)
    if strategy == "equal":
        return np.asarray(x / 2 + x / 2 * gen.random(x.shape), dtype=float)
    out = np.empty((n_clients, n_retries))
    prev = np.full(n_clients, base)
    for i in range(n_retries):
        prev = np.minimum(cap, gen.uniform(base, 3 * prev))
        out[:, i] = prev
    return out
    # --8<-- [end:jitter]
