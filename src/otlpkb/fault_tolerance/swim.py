r"""SWIM membership: a seeded simulation of probes, indirect probes and suspicion.

SWIM (Das, Gupta and Motivala, DSN 2002) replaces all-to-all heartbeats with a randomised
probe: once per protocol period every member pings one random member; if no ack comes
back it asks ``k`` other members to ping the target on its behalf (indirect probes); if
none of them gets an ack either, the target is declared failed or, with the suspicion
mechanism, *suspected* for a while during which it may refute.

This module simulates the protocol at the granularity of protocol periods, vectorised
over the members, and states the paper's analysis next to it:

* `expected_first_detection_periods`: the expected number of periods until some
  member first detects a crash, $1/(1-(1-1/n)^{n q_f})$, which tends to
  $e/(e-1)$ for large groups.
* `false_positive_probability`: the probability that one probe of a live member by
  a live member ends in a (false) failure declaration, with message loss ``q_ml`` and
  ``k`` indirect probes: $(1-(1-q_{ml})^2)\,(1-q_f(1-q_{ml})^4)^k$.
* `SwimSimulation` runs the protocol; `first_detection_periods` and
  `false_positive_trial` are the two experiments the chapter compares with the
  formulas.

See the chapter *Failure detection* (2.2).

Examples:
    >>> round(expected_first_detection_periods(10_000), 3)  # e/(e-1) = 1.582
    1.582
    >>> sim = SwimSimulation(n=20, k=3, loss=0.0, seed=1)
    >>> sim.crash(7)
    >>> stats = sim.run(periods=10)
    >>> stats.first_detection[7] >= 1
    True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

__all__ = [
    "FalsePositiveTrial",
    "SwimSimulation",
    "SwimStats",
    "expected_first_detection_periods",
    "false_positive_probability",
    "false_positive_trial",
    "first_detection_periods",
]

IntArray = npt.NDArray[np.int64]


def _int_at_least(name: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or int(value) < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _probability(name: str, value: object, *, allow_one: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    v = float(value)
    upper_ok = v <= 1.0 if allow_one else v < 1.0
    if not (math.isfinite(v) and v >= 0.0 and upper_ok):
        rng = "[0, 1]" if allow_one else "[0, 1)"
        raise ValueError(f"{name} must lie in {rng}, got {value!r}")
    return v


def expected_first_detection_periods(n: int, q_f: float = 1.0) -> float:
    r"""Expected protocol periods until some member first detects a crashed member.

    Each of the $n q_f$ non-faulty members pings one member chosen uniformly at
    random, so the crashed member is picked by at least one of them with probability
    $p = 1 - (1 - 1/n)^{n q_f}$ in every period, independently; the first detection
    is geometric with mean $1/p$ (SWIM paper, section 3.1). For large ``n``,
    $p \to 1 - e^{-q_f}$, and with $q_f = 1$ the mean is $e/(e-1)$.

    Args:
        n: Group size, >= 2.
        q_f: Fraction of non-faulty members, in (0, 1].

    Returns:
        The expected number of protocol periods, >= 1.

    Examples:
        >>> round(expected_first_detection_periods(2), 3)
        1.333
    """
    size = _int_at_least("n", n, 2)
    qf = _probability("q_f", q_f)
    if qf == 0.0:
        raise ValueError(f"q_f must be > 0, got {q_f!r}")
    # --8<-- [start:detection-time]
    return 1.0 / -math.expm1(size * qf * math.log1p(-1.0 / size))
    # --8<-- [end:detection-time]


def false_positive_probability(q_ml: float, k: int, q_f: float = 1.0) -> float:
    r"""Probability that one probe of a live member ends in a false failure declaration.

    The direct probe fails when the ping or its ack is lost, $1-(1-q_{ml})^2$. Each
    of the ``k`` indirect probes succeeds only if its helper is non-faulty ($q_f$)
    and all four messages (ping-req, ping, ack, ack) get through, $(1-q_{ml})^4$;
    the probes are independent, so all fail with $(1-q_f(1-q_{ml})^4)^k$.
    Multiplying gives the paper's false-positive probability (section 3.1) for one
    probe without the suspicion mechanism.

    Args:
        q_ml: Independent loss probability of each message, in [0, 1].
        k: Number of indirect probes, >= 0.
        q_f: Fraction of non-faulty members (helpers), in [0, 1].

    Returns:
        The probability, in [0, 1].

    Examples:
        >>> round(false_positive_probability(0.1, 3), 6)  # 0.19 * (1 - 0.9**4)**3
        0.007728
    """
    loss = _probability("q_ml", q_ml)
    kk = _int_at_least("k", k, 0)
    qf = _probability("q_f", q_f)
    # --8<-- [start:false-positive]
    delivered = 1.0 - loss
    return (1.0 - delivered**2) * (1.0 - qf * delivered**4) ** kk
    # --8<-- [end:false-positive]


@dataclass
class SwimStats:
    """Counters of a simulation run.

    Attributes:
        periods: Protocol periods simulated.
        probes_of_live: Probes of live members by live members.
        failed_probes_of_live: Those probes for which neither the direct nor any
            indirect probe got an ack (a false detection without suspicion).
        suspicions_of_live: Live members newly marked suspected.
        false_declarations: Live members declared failed (after the suspicion timeout
            when suspicion is on, otherwise the same as ``failed_probes_of_live``).
        first_detection: member -> protocol periods from its crash to the first failed
            probe of it (without suspicion) or to its failure declaration (with
            suspicion), counting the period in which it happens (so >= 1).
    """

    periods: int = 0
    probes_of_live: int = 0
    failed_probes_of_live: int = 0
    suspicions_of_live: int = 0
    false_declarations: int = 0
    first_detection: dict[int, int] = field(default_factory=dict)


class SwimSimulation:
    """SWIM's failure detector, one protocol period at a time, over ``n`` members.

    Model (one call to `step` is one protocol period):

    * every live member picks a target uniformly among the other ``n - 1`` members and
      pings it; ping and ack are each lost independently with probability ``loss``;
    * if no ack arrives it picks ``k`` distinct helpers uniformly among the remaining
      ``n - 2`` members; a helper succeeds if it and the target are alive and its four
      messages all arrive;
    * a probe that fails both ways *detects* the target. Without suspicion
      (``suspicion_timeout=None``) a detection is a failure declaration. With suspicion,
      it marks the target suspected (dissemination is taken as instantaneous); a live
      suspect is cleared by any later successful probe of it, or by its own refutation,
      which reaches the group in each period with probability ``1 - loss``; a suspect
      not cleared for ``suspicion_timeout`` periods is declared failed;
    * members are never removed, so a falsely declared member keeps being probed (it
      would rejoin): the counters then estimate rates per probe and per period.

    Args:
        n: Group size, >= 3.
        k: Indirect probes per failed direct probe, in [0, n - 2].
        loss: Independent message-loss probability, in [0, 1).
        suspicion_timeout: Periods a suspect has to refute, >= 1, or None for no
            suspicion mechanism.
        seed: Seed of the simulation's own numpy Generator.

    Examples:
        >>> sim = SwimSimulation(n=50, k=3, loss=0.2, seed=7)
        >>> s = sim.run(periods=200)
        >>> 0 < s.failed_probes_of_live < s.probes_of_live
        True
    """

    def __init__(
        self,
        n: int,
        k: int = 3,
        loss: float = 0.0,
        suspicion_timeout: int | None = None,
        seed: int | None = 0,
    ) -> None:
        n = _int_at_least("n", n, 3)
        self.n = n
        k = _int_at_least("k", k, 0)
        self.k = k
        if self.k > self.n - 2:
            raise ValueError(f"k must be <= n - 2 = {self.n - 2}, got {k!r}")
        loss = _probability("loss", loss, allow_one=False)
        self.loss = loss
        suspicion_timeout = (
            None
            if suspicion_timeout is None
            else _int_at_least("suspicion_timeout", suspicion_timeout, 1)
        )
        self.suspicion_timeout = suspicion_timeout
        self.rng = np.random.default_rng(seed)
        self.alive = np.ones(self.n, dtype=bool)
        self.crashed_at = np.full(self.n, -1, dtype=np.int64)
        self.suspected_since = np.full(self.n, -1, dtype=np.int64)  # -1: not suspected
        self.stats = SwimStats()

    def crash(self, member: int) -> None:
        """Crash ``member`` now (it stops answering and probing)."""
        m = _int_at_least("member", member, 0)
        if m >= self.n:
            raise ValueError(f"member must be < n = {self.n}, got {member!r}")
        if self.alive[m]:
            self.alive[m] = False
            self.crashed_at[m] = self.stats.periods

    def _delivered(self, *shape: int) -> npt.NDArray[np.bool_]:
        if self.loss == 0.0:
            return np.ones(shape, dtype=bool)
        return self.rng.random(shape) >= self.loss

    def _detect(self, targets: IntArray, now: int) -> None:
        """Record failed probes of ``targets`` (each entry one failed probe)."""
        s = self.stats
        live = self.alive[targets]
        s.failed_probes_of_live += int(np.count_nonzero(live))
        for t in np.unique(targets[~live]).tolist():
            if self.suspicion_timeout is None and t not in s.first_detection:
                s.first_detection[t] = now + 1 - int(self.crashed_at[t])
        if self.suspicion_timeout is None:
            s.false_declarations += int(np.count_nonzero(live))
            return
        fresh = np.unique(targets)
        fresh = fresh[self.suspected_since[fresh] < 0]
        self.suspected_since[fresh] = now
        s.suspicions_of_live += int(np.count_nonzero(self.alive[fresh]))

    def step(self) -> None:
        """Run one protocol period."""
        n, now = self.n, self.stats.periods
        # --8<-- [start:simulation]
        probers = np.flatnonzero(self.alive)
        m = probers.size
        if m:
            targets = self.rng.integers(0, n - 1, size=m)
            targets += targets >= probers  # uniform over the other n - 1 members
            ok = self.alive[targets] & self._delivered(m, 2).all(axis=1)
            failed = np.flatnonzero(~ok)
            if failed.size and self.k:
                f_probers, f_targets = probers[failed], targets[failed]
                keys = self.rng.random((failed.size, n))
                rows = np.arange(failed.size)
                keys[rows, f_probers] = np.inf  # helpers exclude prober and target
                keys[rows, f_targets] = np.inf
                helpers = np.argpartition(keys, self.k - 1, axis=1)[:, : self.k]
                via = self.alive[helpers] & self._delivered(failed.size, self.k, 4).all(axis=2)
                rescued = via.any(axis=1) & self.alive[f_targets]
                ok[failed[rescued]] = True
            live_targets = self.alive[targets]
            self.stats.probes_of_live += int(np.count_nonzero(live_targets))
            if self.suspicion_timeout is not None:
                cleared = targets[ok]  # a successful probe clears a suspicion
                self.suspected_since[cleared] = -1
            self._detect(targets[~ok], now)
        # --8<-- [end:simulation]
        if self.suspicion_timeout is not None:
            self._expire_suspicions(now)
        self.stats.periods += 1

    def _expire_suspicions(self, now: int) -> None:
        assert self.suspicion_timeout is not None
        s = self.stats
        # --8<-- [start:suspicion]
        suspects = np.flatnonzero(self.suspected_since >= 0)
        started = self.suspected_since[suspects]
        # a live suspect refutes in each later period with probability 1 - loss
        refute = self.alive[suspects] & (started < now) & self._delivered(suspects.size)
        self.suspected_since[suspects[refute]] = -1
        keep = suspects[~refute]
        due = keep[now - self.suspected_since[keep] + 1 >= self.suspicion_timeout]
        for t in due.tolist():
            if self.alive[t]:
                s.false_declarations += 1
            elif t not in s.first_detection:
                s.first_detection[t] = now + 1 - int(self.crashed_at[t])
            self.suspected_since[t] = -1
        # --8<-- [end:suspicion]

    def run(self, periods: int) -> SwimStats:
        """Run ``periods`` protocol periods and return the accumulated counters."""
        for _ in range(_int_at_least("periods", periods, 0)):
            self.step()
        return self.stats


def first_detection_periods(
    n: int, replicas: int, *, k: int = 3, loss: float = 0.0, seed: int = 0, max_periods: int = 1000
) -> IntArray:
    """Periods until the first detection of one crashed member, over independent replicas.

    Each replica is a fresh `SwimSimulation` of ``n`` members, without suspicion,
    in which member 0 crashes before the first period. The count includes the period of
    detection, so it is >= 1 (the paper's analysis counts the same way).

    Args:
        n: Group size, >= 3.
        replicas: Independent runs, >= 1.
        k: Indirect probes.
        loss: Message-loss probability.
        seed: Seed; replica ``i`` uses a generator spawned from it.
        max_periods: Give up after this many periods (the result is then ``max_periods``).

    Returns:
        An integer array of length ``replicas``.

    Examples:
        >>> bool(first_detection_periods(30, 5, seed=3).min() >= 1)
        True
    """
    reps = _int_at_least("replicas", replicas, 1)
    cap = _int_at_least("max_periods", max_periods, 1)
    seeds = np.random.SeedSequence(seed).spawn(reps)
    out = np.empty(reps, dtype=np.int64)
    for i, ss in enumerate(seeds):
        sim = SwimSimulation(n, k=k, loss=loss, seed=int(ss.generate_state(1)[0]))
        sim.crash(0)
        while 0 not in sim.stats.first_detection and sim.stats.periods < cap:
            sim.step()
        out[i] = sim.stats.first_detection.get(0, cap)
    return out


@dataclass(frozen=True)
class FalsePositiveTrial:
    """Result of `false_positive_trial`.

    Attributes:
        probes: Probes of live members by live members.
        false_positives: Of those, probes that declared the target failed.
        rate: ``false_positives / probes``.
        predicted: `false_positive_probability` for the same parameters.
    """

    probes: int
    false_positives: int
    rate: float
    predicted: float


def false_positive_trial(
    n: int, k: int, loss: float, periods: int, *, crashed: int = 0, seed: int = 0
) -> FalsePositiveTrial:
    """Measure the per-probe false-positive rate of SWIM without suspicion.

    ``crashed`` members (the last ones) are down from the start, so the fraction of
    non-faulty members is $q_f = (n - crashed)/n$.

    Args:
        n: Group size.
        k: Indirect probes.
        loss: Message-loss probability.
        periods: Protocol periods to simulate.
        crashed: Members crashed from the start, < n - 1.
        seed: Seed.

    Returns:
        The counts, the measured rate and the paper's prediction.

    Examples:
        >>> t = false_positive_trial(40, 2, 0.3, 50, seed=1)
        >>> t.probes == 40 * 50
        True
    """
    sim = SwimSimulation(n, k=k, loss=loss, seed=seed)
    down = _int_at_least("crashed", crashed, 0)
    if down > n - 2:
        raise ValueError(f"crashed must be <= n - 2 = {n - 2}, got {crashed!r}")
    for member in range(n - down, n):
        sim.crash(member)
    s = sim.run(periods)
    rate = s.failed_probes_of_live / s.probes_of_live if s.probes_of_live else math.nan
    predicted = false_positive_probability(loss, k, (n - down) / n)
    return FalsePositiveTrial(s.probes_of_live, s.failed_probes_of_live, rate, predicted)
