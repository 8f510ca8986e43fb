r"""Bottlenecks of closed systems: operational laws, bounds and Mean Value Analysis.

The reference implementation of the chapter *Bottleneck analysis* (6.2). A closed system
keeps a fixed population of jobs circulating — load-generator users with a think time,
SDK exporters with a bounded number of requests in flight, Collector consumers pulling
from a queue — through service centres described by their *service demands*
$D_k = V_k S_k$ (visits per job times service time per visit).

* `operational_laws`: utilization $U_k = X D_k$, forced flow $X_k = V_k X$, Little's
  law, the interactive response-time law and the bottleneck $D_{\max}$ from one set of
  measurements;
* `asymptotic_bounds` and `balanced_job_bounds` on throughput and response time;
* `mva`: exact Mean Value Analysis of a single-class product-form network with queueing
  and delay centres, for every population $1..N$ at once, computed through the
  normalising constant with vectorised first-order recurrences (`mva_recursive` is
  the textbook recursion, also the fallback when the constant's range would overflow);
* `schweitzer`: Schweitzer's (Bard–Schweitzer) approximate MVA, vectorised over the
  populations.

See the chapter *Bottleneck analysis* (6.2).

Examples:
    >>> r = mva([0.605, 2.1, 1.35], 3, think_time=15.0)  # QSP chapter 6, p. 117
    >>> round(float(r.throughput[-1]), 4), round(float(r.response_time[-1]), 3)
    (0.1515, 4.8)
    >>> b = asymptotic_bounds([0.605, 2.1, 1.35], 3, think_time=15.0)
    >>> bool(b.throughput_low[-1] <= r.throughput[-1] <= b.throughput_high[-1])
    True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from otlpkb._checks import non_negative, positive

__all__ = [
    "Bounds",
    "MVAResult",
    "OperationalLaws",
    "asymptotic_bounds",
    "balanced_job_bounds",
    "mva",
    "mva_recursive",
    "operational_laws",
    "schweitzer",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
_ONE = np.ones(1)


@dataclass(frozen=True, eq=False)
class MVAResult:
    """Mean performance of a closed network for every population ``n = 1..N``.

    Row ``n - 1`` of every array belongs to population ``n``.

    Attributes:
        demands: service demand $D_k$ of each centre (seconds per job), shape ``(K,)``.
        delay: which centres are delay centres (infinite servers), shape ``(K,)``.
        think_time: the terminals' think time $Z$.
        population: ``N``.
        throughput: $X(n)$, jobs per second, shape ``(N,)``.
        response_time: $R(n) = n / X(n) - Z$, seconds, shape ``(N,)``.
        queue_lengths: mean jobs at each centre $Q_k(n)$ (waiting and in service),
            shape ``(N, K)``.
    """

    demands: FloatArray
    delay: BoolArray
    think_time: float
    population: int
    throughput: FloatArray
    response_time: FloatArray
    queue_lengths: FloatArray

    @property
    def utilizations(self) -> FloatArray:
        """$U_k(n) = X(n) D_k$, shape ``(N, K)`` (at a delay centre: the mean number busy)."""
        return np.asarray(self.throughput[:, None] * self.demands[None, :])

    @property
    def residence_times(self) -> FloatArray:
        """$R_k(n) = Q_k(n) / X(n)$, seconds per job at each centre, shape ``(N, K)``."""
        return np.asarray(self.queue_lengths / self.throughput[:, None])

    @property
    def bottleneck(self) -> int:
        """Index of the queueing centre with the largest demand (the first on ties)."""
        queueing = np.where(self.delay, -np.inf, self.demands)
        return int(np.argmax(queueing))


def _demands(demands: object, delay: object) -> tuple[FloatArray, BoolArray]:
    try:
        d = np.asarray(demands, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"demands must be a sequence of real numbers: {error}") from None
    if d.ndim != 1 or len(d) == 0:
        raise ValueError(f"demands must be a non-empty 1-D sequence, got shape {d.shape}")
    bad = np.flatnonzero(~(np.isfinite(d) & (d >= 0)))
    if len(bad):
        raise ValueError(f"demands[{bad[0]}] must be a finite number >= 0, got {d[bad[0]]}")
    if delay is None:
        mask = np.zeros(len(d), dtype=bool)
    else:
        mask = np.asarray(delay)
        if mask.dtype != np.bool_ or mask.shape != d.shape:
            raise ValueError(
                f"delay must be a sequence of {len(d)} booleans (one per centre), got {delay!r}"
            )
    return d, mask


def _population(population: object) -> int:
    if isinstance(population, bool) or not isinstance(population, int | np.integer):
        raise TypeError(f"population must be an int, got {population!r}")
    if population < 1:
        raise ValueError(f"population must be >= 1, got {population!r}")
    return int(population)


def _result(d: FloatArray, mask: BoolArray, z: float, x: FloatArray, q: FloatArray) -> MVAResult:
    n = np.arange(1, len(x) + 1, dtype=np.float64)
    return MVAResult(
        demands=d,
        delay=mask,
        think_time=z,
        population=len(x),
        throughput=x,
        response_time=n / x - z,
        queue_lengths=q,
    )


def mva_recursive(
    demands: Sequence[float] | FloatArray,
    population: int,
    *,
    think_time: float = 0.0,
    delay: Sequence[bool] | BoolArray | None = None,
) -> MVAResult:
    """Exact MVA by its defining recursion over the population (Reiser & Lavenberg 1980).

    One step per population, each vectorised over the centres: $O(NK)$ work in $N$ numpy
    steps. `mva` gives the same numbers faster; this is the reference and its fallback.

    Args:
        demands: service demand of each centre, >= 0, at least one centre.
        population: ``N`` >= 1.
        think_time: the terminals' think time $Z$, >= 0.
        delay: one boolean per centre, ``True`` for a delay centre; default all queueing.

    Returns:
        The `MVAResult` for populations ``1..N``.

    Raises:
        TypeError: non-numeric demands or a non-integer population.
        ValueError: a negative or non-finite demand, ``N < 1``, a negative think time, or
            a network with no demand at all (``Z = 0`` and every $D_k = 0$).
    """
    d, mask = _demands(demands, delay)
    n_max = _population(population)
    z = non_negative("think_time", think_time)
    if z + d.sum() == 0.0:
        raise ValueError("the network has no demand at all: think_time and every demand are 0")
    x = np.empty(n_max)
    q = np.empty((n_max, len(d)))
    queue = np.zeros(len(d))
    # --8<-- [start:recursion]
    for n in range(1, n_max + 1):
        residence = np.where(mask, d, d * (1.0 + queue))  # arrival theorem
        x[n - 1] = n / (z + residence.sum())  # response-time law
        queue = x[n - 1] * residence  # Little's law at every centre
        q[n - 1] = queue
    # --8<-- [end:recursion]
    return _result(d, mask, z, x, q)


def _geometric_scan(
    x: FloatArray, ratios: FloatArray, weights: FloatArray, divisor: FloatArray | None = None
) -> FloatArray:
    """Solve ``y[:, n] = weights * x[n] + ratios * y[:, n-1]`` (``y[:, -1] = 0``).

    One input sequence ``x >= 0`` (shape ``(n,)``) and ``m`` recurrences with
    ``0 < ratios <= 1`` and ``weights > 0`` (shape ``(m,)``); the result, divided by
    ``divisor`` (shape ``(n,)``) when given, has shape ``(m, n)``. Blocks of length ``b``
    keep ``ratio**-b`` below 1e148: inside a block the recurrence is a cumulative sum of
    ``x[j] / ratio**j``, and the carry from one block into the next is a short recurrence
    over the blocks. All terms are positive: nothing cancels.
    """
    n, m = len(x), len(ratios)
    smallest = float(ratios.min())
    b = n if smallest == 1.0 else max(1, min(n, int(340.0 / -math.log(smallest))))
    rows = -(-n // b)
    top = float(x.max())
    scale = top / 1e150 if top >= 1e150 else 1.0  # keep x / ratio**i finite
    blocks = np.zeros(rows * b)
    np.divide(x, scale, out=blocks[:n])
    # --8<-- [start:scan]
    powers = ratios[:, None, None] ** np.arange(b)  # ratio**i >= 1e-148
    part = np.cumsum(blocks.reshape(1, rows, b) / powers, axis=2)  # sum of x / ratio**i
    step = (ratios**b).tolist()
    ends = (part[:, :, -1] * powers[:, :, -1]).T.tolist()  # each block's last value
    carry, carries = [0.0] * m, []
    for end in ends:  # the value each block inherits from the blocks before it
        carries.append(carry)
        carry = [e + s * c for e, s, c in zip(end, step, carry)]
    part += np.asarray(carries).T[:, :, None] * ratios[:, None, None]
    part *= powers * (weights * scale)[:, None, None]
    # --8<-- [end:scan]
    if divisor is not None:
        tail = np.ones(rows * b)
        tail[:n] = divisor
        part /= tail.reshape(1, rows, b)
    return np.asarray(part.reshape(m, rows * b)[:, :n])


def mva(
    demands: Sequence[float] | FloatArray,
    population: int,
    *,
    think_time: float = 0.0,
    delay: Sequence[bool] | BoolArray | None = None,
) -> MVAResult:
    r"""Exact Mean Value Analysis of a closed single-class product-form network.

    The network: ``population`` jobs, each cycling through the centres (demand $D_k$ per
    cycle at centre $k$) and a think state of mean $Z$. Queueing centres have one server
    with FCFS exponential, processor-sharing or LCFS-preemptive service; delay centres
    (``delay[k]``) never queue. The numbers are those of the MVA recursion
    (`mva_recursive`), computed for all populations at once through the normalising
    constant $G(n)$: $X(n) = G(n-1)/G(n)$ and, at a queueing centre,
    $Q_k(n) = \sum_{j \ge 1} D_k^j G(n-j)/G(n)$. Each factor of $G$ and each queue
    length is a first-order recurrence in $n$, solved in blocks with cumulative sums;
    the demands are divided by the largest so that $G(n) \ge 1$. When $G$ would overflow
    (a think time above about 700 bottleneck demands, or very many centres) the
    recursion is used instead.

    Args:
        demands: service demand of each centre (seconds per job), >= 0.
        population: ``N`` >= 1; the result covers populations ``1..N``.
        think_time: the terminals' think time $Z$, >= 0.
        delay: one boolean per centre, ``True`` for a delay centre; default all queueing.

    Returns:
        The `MVAResult`: throughput and response time shape ``(N,)``, queue lengths,
        utilizations and residence times shape ``(N, K)``.

    Raises:
        TypeError: non-numeric demands or a non-integer population.
        ValueError: a negative or non-finite demand, ``N < 1``, a negative think time, or
            a network with no demand at all.

    Examples:
        >>> r = mva([1.0, 1.0], 2)  # two balanced centres: X(N) = N / (D + (N-1) d)
        >>> r.throughput.tolist(), r.queue_lengths[-1].tolist()
        ([0.5, 0.6666666666666666], [1.0, 1.0])
    """
    d, mask = _demands(demands, delay)
    n_max = _population(population)
    z = non_negative("think_time", think_time)
    if z + d.sum() == 0.0:
        raise ValueError("the network has no demand at all: think_time and every demand are 0")
    queueing = np.flatnonzero(~mask & (d > 0))
    z_all = z + float(d[mask].sum())  # delay centres and think time: one infinite server
    if len(queueing) == 0:
        x = np.arange(1, n_max + 1) / z_all
        return _result(d, mask, z, x, x[:, None] * np.where(mask, d, 0.0)[None, :])
    scale = float(d[queueing].max())
    ratios = d[queueing] / scale
    order = queueing[np.argsort(-ratios, kind="stable")]  # the bottleneck first
    n = np.arange(n_max + 1, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        # --8<-- [start:mva]
        if z_all > 0:  # the infinite server: (Z/s)^n / n!
            log_fact = np.concatenate(([0.0], np.cumsum(np.log(n[1:]))))
            g = np.exp(n * math.log(z_all / scale) - log_fact)
        else:
            g = (n == 0).astype(np.float64)
        for k in order:  # fold in each queueing centre: g_k(n) = g(n) + r_k g_k(n-1)
            g = _geometric_scan(g, d[k : k + 1] / scale, _ONE)[0]
        x = g[:-1] / g[1:] / scale  # X(n) = G(n-1) / G(n)
        r = d[queueing] / scale  # Q_k(n) = sum_j r_k^j G(n-j) / G(n), all k at once
        q = _geometric_scan(g[:-1], r, r, g[1:])  # centres x populations
        if len(queueing) < len(d):
            full = np.zeros((len(d), n_max))
            full[queueing] = q
            full[mask] = d[mask][:, None] * x[None, :]
            q = full
        # --8<-- [end:mva]
    if not (np.all(np.isfinite(g)) and np.all(g > 0)):
        return mva_recursive(d, n_max, think_time=z, delay=mask)
    return _result(d, mask, z, x, q.T)


def schweitzer(
    demands: Sequence[float] | FloatArray,
    population: int,
    *,
    think_time: float = 0.0,
    delay: Sequence[bool] | BoolArray | None = None,
    tolerance: float = 1e-12,
    max_iterations: int = 200,
) -> MVAResult:
    r"""Schweitzer's approximate MVA (Bard–Schweitzer), for every population ``1..N``.

    MVA needs $Q_k(n-1)$ to compute population $n$; Schweitzer's approximation replaces
    it by $rac{n-1}{n} Q_k(n)$, which turns the recursion into a fixed point at each
    population on its own. With $c = (n-1)/n$ the fixed point gives
    $R_k = D_k / (1 - c X D_k)$ at a queueing centre, so $X$ is the root of

    $$f(X) = X\Big(Z + \sum_k rac{D_k}{1 - cXD_k}\Big) - n$$

    on $(0, 1/(cD_{\max}))$, where $f$ is increasing and convex. Newton's method,
    safeguarded by bisection, finds it for all populations at once (successive
    substitution, the textbook way to iterate the fixed point, converges ever more slowly
    as $n$ grows). The error against exact MVA is largest at moderate populations and
    vanishes as $n 	o 1$ and $n 	o \infty$.

    Args:
        demands: service demand of each centre, >= 0.
        population: ``N`` >= 1.
        think_time: the think time $Z$, >= 0.
        delay: one boolean per centre, ``True`` for a delay centre.
        tolerance: relative convergence threshold on $X$, > 0.
        max_iterations: iteration limit, >= 1.

    Returns:
        An `MVAResult` with the approximate values.

    Raises:
        ValueError: bad arguments, or no convergence within ``max_iterations``.

    Examples:
        >>> a = schweitzer([0.605, 2.1, 1.35], 3, think_time=15.0)
        >>> round(float(a.throughput[-1]), 4)
        0.151
    """
    d, mask = _demands(demands, delay)
    n_max = _population(population)
    z = non_negative("think_time", think_time)
    tol = positive("tolerance", tolerance)
    if (
        isinstance(max_iterations, bool)
        or not isinstance(max_iterations, int)
        or max_iterations < 1
    ):
        raise ValueError(f"max_iterations must be an int >= 1, got {max_iterations!r}")
    if z + d.sum() == 0.0:
        raise ValueError("the network has no demand at all: think_time and every demand are 0")
    q_d = d[~mask & (d > 0)]
    z_all = z + float(d[mask].sum())
    n = np.arange(1, n_max + 1, dtype=np.float64)
    c = ((n - 1.0) / n)[:, None]
    if len(q_d) == 0:
        x = n / z_all
    else:
        # --8<-- [start:schweitzer]
        pole = 1.0 / np.maximum(c[:, 0], 1e-300) / q_d.max()  # where 1 - c X D_max = 0
        x = np.minimum(n / (z_all + q_d.sum()), pole * (1.0 - 1e-12))  # f(x) >= 0 here
        for _ in range(max_iterations):  # Newton from the right: monotone, stays inside
            share = q_d / (1.0 - c * x[:, None] * q_d)  # R_k = D_k / (1 - c X D_k)
            f = x * (z_all + share.sum(axis=1)) - n
            df = z_all + share.sum(axis=1) + x * (c * share**2).sum(axis=1)
            new = x - f / df
            done = np.abs(new - x) <= tol * new
            x = new
            if done.all():
                break
        # --8<-- [end:schweitzer]
        else:
            raise ValueError(f"Schweitzer's iteration did not converge in {max_iterations} steps")
    residence = np.where(mask, d, d / (1.0 - c * x[:, None] * d))
    return _result(d, mask, z, x, x[:, None] * residence)


@dataclass(frozen=True, eq=False)
class Bounds:
    """Bounds on throughput and response time for populations ``1..N`` (arrays ``(N,)``).

    Attributes:
        throughput_low: lower bound on $X(n)$.
        throughput_high: upper bound on $X(n)$.
        response_low: lower bound on $R(n)$.
        response_high: upper bound on $R(n)$.
    """

    throughput_low: FloatArray
    throughput_high: FloatArray
    response_low: FloatArray
    response_high: FloatArray


def _bound_inputs(
    demands: object, population: object, think_time: object, delay: object
) -> tuple[FloatArray, float, float, float, int, FloatArray]:
    d, mask = _demands(demands, delay)
    n_max = _population(population)
    z = non_negative("think_time", think_time) + float(d[mask].sum())
    q = d[~mask]
    total = float(q.sum())
    if total == 0.0:
        raise ValueError("bounds need at least one queueing centre with a demand > 0")
    n = np.arange(1, n_max + 1, dtype=np.float64)
    return q, total, float(q.max()), z, n_max, n


def asymptotic_bounds(
    demands: Sequence[float] | FloatArray,
    population: int,
    *,
    think_time: float = 0.0,
    delay: Sequence[bool] | BoolArray | None = None,
) -> Bounds:
    r"""Asymptotic bounds (Muntz & Wong 1974; Denning & Buzen 1978).

    With $D = \sum_k D_k$ over the queueing centres and $D_{\max}$ the largest (delay
    centres count as think time):

    $$\frac{n}{nD + Z} \le X(n) \le \min\Big(\frac{n}{D+Z}, \frac{1}{D_{\max}}\Big),
    \qquad \max(D, nD_{\max} - Z) \le R(n) \le nD.$$

    The knee $N^* = (D + Z)/D_{\max}$ is where the two throughput asymptotes cross.

    Args:
        demands: service demand of each centre, >= 0, one queueing centre > 0.
        population: ``N`` >= 1.
        think_time: $Z$, >= 0.
        delay: one boolean per centre, ``True`` for a delay centre.

    Returns:
        The `Bounds`.

    Examples:
        >>> b = asymptotic_bounds([1.0, 3.0], 4)
        >>> b.throughput_high.tolist(), b.response_low.tolist()
        ([0.25, 0.3333333333333333, 0.3333333333333333, 0.3333333333333333], [4.0, 6.0, 9.0, 12.0])
    """
    _, total, d_max, z, _, n = _bound_inputs(demands, population, think_time, delay)
    # --8<-- [start:asymptotic]
    x_high = np.minimum(n / (total + z), 1.0 / d_max)
    x_low = n / (n * total + z)
    r_low = np.maximum(total, n * d_max - z)
    r_high = n * total
    # --8<-- [end:asymptotic]
    return Bounds(x_low, x_high, r_low, r_high)


def balanced_job_bounds(
    demands: Sequence[float] | FloatArray,
    population: int,
    *,
    think_time: float = 0.0,
    delay: Sequence[bool] | BoolArray | None = None,
) -> Bounds:
    r"""Balanced job bounds (Zahorjan, Sevcik, Eager & Galler 1982; QSP section 5.4).

    The network is bracketed by balanced networks with the same total demand $D$ and
    every centre at $D_{\text{avg}} = D/K$ (fastest) or at $D_{\max}$ (slowest):

    $$\frac{n}{D + Z + \frac{(n-1)D_{\max}}{1 + Z/(nD)}} \le X(n) \le
    \min\Big(\frac{1}{D_{\max}}, \frac{n}{D + Z + \frac{(n-1)D_{\text{avg}}}{1 + Z/D}}\Big).$$

    Args:
        demands: service demand of each centre, >= 0, one queueing centre > 0.
        population: ``N`` >= 1.
        think_time: $Z$, >= 0.
        delay: one boolean per centre, ``True`` for a delay centre.

    Returns:
        The `Bounds`.

    Examples:
        >>> b = balanced_job_bounds([2.0, 2.0], 3)  # a balanced network: the bounds meet
        >>> b.throughput_low.tolist() == b.throughput_high.tolist()
        True
    """
    q, total, d_max, z, _, n = _bound_inputs(demands, population, think_time, delay)
    d_avg = total / len(q)
    # --8<-- [start:balanced]
    x_low = n / (total + z + (n - 1.0) * d_max / (1.0 + z / (n * total)))
    x_fast = n / (total + z + (n - 1.0) * d_avg / (1.0 + z / total))
    x_high = np.minimum(1.0 / d_max, x_fast)
    r_low = np.maximum(n * d_max - z, total + (n - 1.0) * d_avg / (1.0 + z / total))
    r_high = total + (n - 1.0) * d_max / (1.0 + z / (n * total))
    # --8<-- [end:balanced]
    return Bounds(x_low, x_high, r_low, r_high)


@dataclass(frozen=True)
class OperationalLaws:
    r"""What the operational laws derive from one measurement interval.

    Attributes:
        throughput: system throughput $X = C / T$ (completed jobs per second).
        demands: $D_k = B_k / C$, busy time per completed job at each centre.
        utilizations: $U_k = B_k / T = X D_k$.
        visits: $V_k = C_k / C$ (when per-centre completions are given; else ``None``).
        service_times: $S_k = B_k / C_k$ (when per-centre completions are given).
        response_time: $R = N / X - Z$ (interactive response-time law; needs the
            population), else ``None``.
        bottleneck: index of the centre with the largest demand.
        max_throughput: $1 / D_{\max}$, the bottleneck law's ceiling.
    """

    throughput: float
    demands: FloatArray
    utilizations: FloatArray
    visits: FloatArray | None
    service_times: FloatArray | None
    response_time: float | None
    bottleneck: int
    max_throughput: float


def operational_laws(
    interval: float,
    completions: int,
    busy_times: Sequence[float] | FloatArray,
    *,
    centre_completions: Sequence[int] | None = None,
    population: float | None = None,
    think_time: float = 0.0,
) -> OperationalLaws:
    """Apply the operational laws (Denning & Buzen 1978) to one measurement interval.

    Only counts and busy times are needed — no distributional assumption: in $T$
    seconds the system completed $C$ jobs while centre $k$ was busy $B_k$ seconds and
    completed $C_k$ visits.

    Args:
        interval: $T$, seconds, > 0.
        completions: $C$, jobs completed by the system, >= 1.
        busy_times: $B_k$ per centre, seconds, each in ``[0, interval]``.
        centre_completions: $C_k$ per centre (for visits and service times).
        population: mean jobs in the system $N$ (for the response-time law).
        think_time: $Z$ (for the response-time law), >= 0.

    Returns:
        The derived quantities.

    Raises:
        ValueError: a measurement out of range.

    Examples:
        >>> law = operational_laws(60.0, 1200, [30.0, 48.0], centre_completions=[1200, 6000])
        >>> law.throughput, law.demands.tolist(), law.bottleneck, law.max_throughput
        (20.0, [0.025, 0.04], 1, 25.0)
        >>> law.visits.tolist(), law.service_times.tolist()
        ([1.0, 5.0], [0.025, 0.008])
    """
    t = positive("interval", interval)
    if isinstance(completions, bool) or not isinstance(completions, int) or completions < 1:
        raise ValueError(f"completions must be an int >= 1, got {completions!r}")
    busy = np.asarray(busy_times, dtype=np.float64)
    if busy.ndim != 1 or len(busy) == 0:
        raise ValueError(f"busy_times must be a non-empty 1-D sequence, got {busy_times!r}")
    bad = np.flatnonzero(~((busy >= 0) & (busy <= t)))
    if len(bad):
        raise ValueError(f"busy_times[{bad[0]}] must be in [0, interval={t}], got {busy[bad[0]]}")
    z = non_negative("think_time", think_time)
    # --8<-- [start:laws]
    x = completions / t  # throughput
    demands = busy / completions  # service demand law: D_k = B_k / C
    utilizations = busy / t  # utilization law: U_k = X D_k
    bottleneck = int(np.argmax(demands))
    # --8<-- [end:laws]
    visits = service = None
    if centre_completions is not None:
        ck = np.asarray(centre_completions, dtype=np.float64)
        if ck.shape != busy.shape or np.any(ck < 0):
            raise ValueError(
                "centre_completions must give one count >= 0 per centre, "
                f"got {centre_completions!r}"
            )
        visits = ck / completions  # forced flow law: X_k = V_k X
        with np.errstate(divide="ignore", invalid="ignore"):
            service = np.where(ck > 0, busy / np.where(ck > 0, ck, 1.0), 0.0)
    response = None
    if population is not None:
        response = non_negative("population", population) / x - z
    return OperationalLaws(
        throughput=x,
        demands=demands,
        utilizations=utilizations,
        visits=visits,
        service_times=service,
        response_time=response,
        bottleneck=bottleneck,
        max_throughput=1.0 / float(demands[bottleneck]) if demands[bottleneck] > 0 else math.inf,
    )
