"""Throughput models: the Universal Scalability Law, Amdahl's law, the OTLP bound, batching.

This module holds the closed forms of the chapter *Throughput theory* (1.3):

* `usl` and `amdahl` give throughput as a function of concurrency, and
  `fit_usl` fits the USL to measurements by nonlinear least squares
  (Levenberg–Marquardt written out with numpy), with standard errors from the Jacobian.
* `otlp_throughput_bound` is the bound stated by the OTLP specification for a
  client with a fixed number of requests in flight.
* `batch_closed_form` is the batch processor's trade-off under Poisson arrivals:
  the mean batch size, batches per second and the latency the batching adds to an item.
* `wire_bandwidth` and `max_items_per_request` turn items into bytes.

See the chapter *Throughput theory* (1.3).

Examples:
    >>> round(float(usl(8, sigma=0.05, kappa=0.001, lam=100.0)), 2)
    568.99
    >>> otlp_throughput_bound(1, 100, 0.2, 0.3)
    200.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, overload

import numpy as np
import numpy.typing as npt

from otlpkb._checks import non_negative as _finite_nonneg
from otlpkb._checks import positive as _positive

__all__ = [
    "BatchStats",
    "UslFit",
    "amdahl",
    "batch_closed_form",
    "fit_usl",
    "max_items_per_request",
    "otlp_throughput_bound",
    "usl",
    "usl_peak",
    "wire_bandwidth",
]

FloatArray = npt.NDArray[np.float64]
ArrayLike = float | int | Sequence[float] | npt.NDArray[np.floating] | npt.NDArray[np.integer]


def _concurrency(n: ArrayLike) -> FloatArray:
    arr = np.asarray(n, dtype=np.float64)
    if not np.all(np.isfinite(arr)) or np.any(arr < 1):
        raise ValueError(f"n must be finite and >= 1, got {n!r}")
    return arr


@overload
def usl(n: float, sigma: float, kappa: float, lam: float = 1.0) -> float: ...
@overload
def usl(n: ArrayLike, sigma: float, kappa: float, lam: float = 1.0) -> float | FloatArray: ...
def usl(n: ArrayLike, sigma: float, kappa: float, lam: float = 1.0) -> float | FloatArray:
    r"""Throughput at concurrency ``n`` by the Universal Scalability Law.

    $X(N) = \lambda N / (1 + \sigma (N-1) + \kappa N (N-1))$: ``sigma`` is contention
    (the serialised fraction), ``kappa`` coherency (pairwise crosstalk) and ``lam`` the
    throughput of one worker. ``kappa = 0`` is Amdahl's law.

    Args:
        n: concurrency (users, threads, consumers, nodes), >= 1; scalar or array.
        sigma: contention coefficient, >= 0.
        kappa: coherency coefficient, >= 0.
        lam: throughput at ``n = 1``, > 0.

    Returns:
        Throughput, a float for scalar ``n``, else an array of the same shape.

    Raises:
        ValueError: if a coefficient is negative or not finite, or ``n < 1``.

    Examples:
        >>> usl([1, 2, 4], sigma=0.0, kappa=0.0, lam=10.0).tolist()
        [10.0, 20.0, 40.0]
    """
    s = _finite_nonneg("sigma", sigma)
    k = _finite_nonneg("kappa", kappa)
    lam_ = _positive("lam", lam)
    arr = _concurrency(n)
    # --8<-- [start:usl]
    x = lam_ * arr / (1.0 + s * (arr - 1.0) + k * arr * (arr - 1.0))
    # --8<-- [end:usl]
    return float(x) if x.ndim == 0 else x


def amdahl(n: ArrayLike, parallel_fraction: float, lam: float = 1.0) -> float | FloatArray:
    r"""Throughput by Amdahl's law: $X(N) = \lambda N / (1 + (1-p)(N-1))$.

    This is `usl` with ``sigma = 1 - p`` and ``kappa = 0``: throughput rises
    monotonically towards the ceiling $\lambda / (1-p)$ and never falls.

    Args:
        n: concurrency, >= 1.
        parallel_fraction: the fraction ``p`` of the work that runs in parallel, in [0, 1].
        lam: throughput at ``n = 1``, > 0.

    Returns:
        Throughput, a float for scalar ``n``, else an array.

    Raises:
        ValueError: if ``parallel_fraction`` is outside [0, 1].

    Examples:
        >>> amdahl(1_000_000, 0.95, lam=1.0) < 20.0
        True
    """
    p = _finite_nonneg("parallel_fraction", parallel_fraction)
    if p > 1:
        raise ValueError(f"parallel_fraction must be in [0, 1], got {parallel_fraction!r}")
    return usl(n, 1.0 - p, 0.0, lam)


def usl_peak(sigma: float, kappa: float) -> float:
    r"""Concurrency at which USL throughput peaks: $N^* = \sqrt{(1-\sigma)/\kappa}$.

    Args:
        sigma: contention coefficient in [0, 1).
        kappa: coherency coefficient, >= 0 (``0`` gives ``inf``: no peak).

    Returns:
        The (real-valued) concurrency of maximum throughput.

    Raises:
        ValueError: if ``sigma`` is not in [0, 1) or ``kappa`` is negative.

    Examples:
        >>> round(usl_peak(0.02773, 1.044e-4), 1)
        96.5
    """
    s = _finite_nonneg("sigma", sigma)
    if s >= 1:
        raise ValueError(f"sigma must be < 1 for a peak to exist, got {sigma!r}")
    k = _finite_nonneg("kappa", kappa)
    return math.inf if k == 0 else math.sqrt((1.0 - s) / k)


@dataclass(frozen=True)
class UslFit:
    """A fitted Universal Scalability Law with standard errors.

    Attributes:
        sigma: contention coefficient.
        kappa: coherency coefficient.
        lam: throughput of one worker (fitted, or fixed when given to `fit_usl`).
        sigma_se: standard error of ``sigma`` (``nan`` if held at a bound of 0).
        kappa_se: standard error of ``kappa`` (``nan`` if held at a bound of 0).
        lam_se: standard error of ``lam`` (``nan`` if ``lam`` was fixed).
        residual_se: residual standard error, sqrt(RSS / dof).
        dof: residual degrees of freedom (points minus free parameters).
        rss: residual sum of squares.
        iterations: Levenberg–Marquardt iterations used.
    """

    sigma: float
    kappa: float
    lam: float
    sigma_se: float
    kappa_se: float
    lam_se: float
    residual_se: float
    dof: int
    rss: float
    iterations: int

    def predict(self, n: ArrayLike) -> float | FloatArray:
        """Throughput predicted by the fitted law at concurrency ``n``."""
        return usl(n, self.sigma, self.kappa, self.lam)

    @property
    def peak(self) -> float:
        """Concurrency of maximum throughput (``inf`` when ``kappa`` is 0)."""
        return usl_peak(min(self.sigma, 1.0 - 1e-12), self.kappa)


def _model_and_jacobian(
    n: FloatArray, theta: FloatArray, free: tuple[bool, bool, bool]
) -> tuple[FloatArray, FloatArray]:
    s, k, lam = theta
    d = 1.0 + s * (n - 1.0) + k * n * (n - 1.0)
    f = lam * n / d
    cols = []
    if free[0]:
        cols.append(-lam * n * (n - 1.0) / d**2)
    if free[1]:
        cols.append(-lam * n * n * (n - 1.0) / d**2)
    if free[2]:
        cols.append(n / d)
    return f, np.column_stack(cols)


def _levenberg_marquardt(
    n: FloatArray,
    x: FloatArray,
    theta0: FloatArray,
    free: tuple[bool, bool, bool],
    max_iter: int,
) -> tuple[FloatArray, float, FloatArray, int]:
    """Minimise the residual sum of squares over the free parameters of ``theta``."""
    theta = theta0.copy()
    idx = np.flatnonzero(free)
    f, jac = _model_and_jacobian(n, theta, free)
    r = x - f
    rss = float(r @ r)
    damping = 1e-3
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is returned
        jtj = jac.T @ jac
        g = jac.T @ r
        scale = np.diag(jtj).copy()
        scale[scale == 0] = 1.0
        improved = False
        while damping < 1e16:
            # --8<-- [start:lm-step]
            step = np.linalg.solve(jtj + damping * np.diag(scale), g)  # Marquardt scaling
            trial = theta.copy()
            trial[idx] += step
            d = 1.0 + trial[0] * (n - 1.0) + trial[1] * n * (n - 1.0)  # keep it positive
            if np.all(d > 0) and trial[2] > 0:
                f_t, jac_t = _model_and_jacobian(n, trial, free)
                r_t = x - f_t
                rss_t = float(r_t @ r_t)
                if rss_t <= rss:  # accept, and trust the quadratic model more next time
                    improved = True
                    break
            damping *= 10.0  # reject: a shorter step closer to gradient descent
            # --8<-- [end:lm-step]
        if not improved:
            break
        rel = (rss - rss_t) / max(rss, np.finfo(float).tiny)
        small_step = np.all(np.abs(step) <= 1e-12 + 1e-10 * np.abs(theta[idx]))
        theta, f, jac, r, rss = trial, f_t, jac_t, r_t, rss_t
        damping = max(damping / 10.0, 1e-12)
        if rel < 1e-15 or small_step:
            break
    return theta, rss, jac, it


def fit_usl(
    concurrency: ArrayLike,
    throughput: ArrayLike,
    *,
    lam: float | None = None,
    method: Literal["nls", "linear"] = "nls",
    model: Literal["usl", "amdahl"] = "usl",
    nonnegative: bool = True,
    max_iter: int = 500,
) -> UslFit:
    r"""Fit the Universal Scalability Law to measured throughput by least squares.

    Starts from Gunther's linearisation ($N/C(N) - 1 = \sigma (N-1) + \kappa N (N-1)$
    with $C(N) = X(N)/\lambda$, solved by linear least squares) and refines it with
    Levenberg–Marquardt on the nonlinear model. Standard errors come from
    $s^2 (J^\top J)^{-1}$ at the optimum, with $s^2 = \mathrm{RSS}/(m - p)$, as R's
    ``nls`` and scipy's ``curve_fit`` report them.

    Args:
        concurrency: concurrency levels (each >= 1), at least 3 distinct points.
        throughput: measured throughput at each level, each > 0.
        lam: fix the single-worker throughput instead of fitting it (e.g. to the
            measurement at ``N = 1``); ``None`` fits it as a third parameter (with
            ``method="linear"``, ``None`` takes the measurement at ``N = 1``).
        method: ``"nls"`` (nonlinear least squares on throughput) or ``"linear"``
            (only Gunther's linearisation: least squares on $N/C(N) - 1$, with standard
            errors of that linear regression; ``rss`` is still on throughput).
        model: ``"usl"``, or ``"amdahl"`` to hold ``kappa`` at 0 and fit Amdahl's law
            (``parallel_fraction = 1 - sigma``).
        nonnegative: hold ``sigma`` or ``kappa`` at 0 when the unconstrained optimum
            would make it negative (the coefficients have no meaning below 0).
        max_iter: iteration limit of the optimiser.

    Returns:
        The fitted coefficients with their standard errors.

    Raises:
        ValueError: on mismatched lengths, too few points, or non-positive values.

    Examples:
        >>> n = [1, 2, 4, 8, 16, 32]
        >>> x = usl(n, sigma=0.05, kappa=0.002, lam=50.0)
        >>> fit = fit_usl(n, x)
        >>> round(fit.sigma, 6), round(fit.kappa, 6), round(fit.lam, 4)
        (0.05, 0.002, 50.0)
    """
    n = _concurrency(concurrency).ravel()
    x = np.asarray(throughput, dtype=np.float64).ravel()
    if n.shape != x.shape:
        raise ValueError(
            f"concurrency and throughput must have the same length, got {n.size} and {x.size}"
        )
    if not np.all(np.isfinite(x)) or np.any(x <= 0):
        raise ValueError(f"throughput must be finite and positive, got {throughput!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}")
    n_free = 3 if lam is None else 2
    if np.unique(n).size < 3 or n.size <= n_free:
        raise ValueError(
            f"concurrency needs at least 3 distinct levels and more than {n_free} points, "
            f"got {n.size} points at {np.unique(n).size} levels"
        )
    if method not in ("nls", "linear"):
        raise ValueError(f"method must be 'nls' or 'linear', got {method!r}")
    if model not in ("usl", "amdahl"):
        raise ValueError(f"model must be 'usl' or 'amdahl', got {model!r}")
    lam0 = _positive("lam", lam) if lam is not None else _initial_lambda(n, x)
    # Gunther's linearisation: the starting point (and the whole answer for "linear").
    # --8<-- [start:linearisation]
    y = n * lam0 / x - 1.0  # N / C(N) - 1 with C(N) = X(N) / lambda
    a = np.column_stack([n - 1.0, n * (n - 1.0)])  # = sigma (N - 1) + kappa N (N - 1)
    (s0, k0), *_ = np.linalg.lstsq(a, y, rcond=None)
    # --8<-- [end:linearisation]
    if model == "amdahl":
        k0 = 0.0
    if method == "linear":
        if model == "amdahl":
            raise ValueError("method 'linear' supports only model 'usl', got model 'amdahl'")
        return _linear_fit(n, x, a, y, float(s0), float(k0), lam0)
    theta0 = np.array([max(float(s0), 1e-6), max(float(k0), 1e-9), lam0])
    candidates: list[tuple[bool, bool]] = [(True, model == "usl")]
    if nonnegative:
        candidates += [(True, False), (False, True), (False, False)]
        if model == "amdahl":
            candidates = [(True, False), (False, False)]
    best: UslFit | None = None
    for fs, fk in candidates:
        free = (fs, fk, lam is None)
        if not any(free):
            continue
        start = theta0.copy()
        start[0] = start[0] if fs else 0.0
        start[1] = start[1] if fk else 0.0
        theta, rss, jac, it = _levenberg_marquardt(n, x, start, free, max_iter)
        if nonnegative and (theta[0] < 0 or theta[1] < 0):
            continue
        p = int(sum(free))
        dof = n.size - p
        try:
            # --8<-- [start:standard-errors]
            s2 = rss / dof  # residual variance, RSS / (m - p)
            cov = s2 * np.linalg.inv(jac.T @ jac)  # asymptotic covariance at the optimum
            se_free = np.sqrt(np.clip(np.diag(cov), 0.0, None))
            # --8<-- [end:standard-errors]
        except np.linalg.LinAlgError:  # pragma: no cover - degenerate design
            se_free = np.full(p, np.nan)
        se = np.full(3, np.nan)
        se[np.flatnonzero(free)] = se_free
        fit = UslFit(
            sigma=float(theta[0]),
            kappa=float(theta[1]),
            lam=float(theta[2]),
            sigma_se=float(se[0]),
            kappa_se=float(se[1]),
            lam_se=float(se[2]),
            residual_se=math.sqrt(s2),
            dof=dof,
            rss=rss,
            iterations=it,
        )
        if best is None or fit.rss < best.rss * (1 - 1e-12):
            best = fit
        if (fs, fk) == candidates[0]:
            break  # the unconstrained optimum is feasible: it is the answer
    assert best is not None  # (False, False) with lam free is always feasible
    return best


def _linear_fit(
    n: FloatArray, x: FloatArray, a: FloatArray, y: FloatArray, s0: float, k0: float, lam0: float
) -> UslFit:
    resid_lin = y - a @ np.array([s0, k0])
    dof = n.size - 2
    cov = float(resid_lin @ resid_lin) / dof * np.linalg.inv(a.T @ a)
    d = 1.0 + s0 * (n - 1.0) + k0 * n * (n - 1.0)
    r = x - lam0 * n / d
    rss = float(r @ r)
    return UslFit(
        sigma=s0,
        kappa=k0,
        lam=lam0,
        sigma_se=math.sqrt(cov[0, 0]),
        kappa_se=math.sqrt(cov[1, 1]),
        lam_se=math.nan,
        residual_se=math.sqrt(rss / dof),
        dof=dof,
        rss=rss,
        iterations=0,
    )


def _initial_lambda(n: FloatArray, x: FloatArray) -> float:
    """Single-worker throughput estimate: the measurement at N = 1, else the best X/N."""
    ones = n == 1
    if np.any(ones):
        return float(np.mean(x[ones]))
    return float(np.max(x / n))


def otlp_throughput_bound(
    max_concurrent_requests: int,
    max_request_size: float,
    network_latency: float,
    server_response_time: float,
) -> float:
    """The OTLP specification's throughput bound for a client with requests in flight.

    "The maximum achievable throughput is max_concurrent_requests * max_request_size /
    (network_latency + server_response_time)" (OTLP specification, *OTLP/gRPC Concurrent
    Requests*). The unit of the result is the unit of ``max_request_size`` (spans, bytes)
    per second.

    Args:
        max_concurrent_requests: requests in flight at once (>= 1); in the Collector,
            ``sending_queue.num_consumers``.
        max_request_size: items (or bytes) per request, > 0.
        network_latency: round-trip network latency in seconds, >= 0.
        server_response_time: server processing time in seconds, >= 0.

    Returns:
        Items (or bytes) per second.

    Raises:
        ValueError: on a non-positive concurrency or size, or when both times are 0.

    Examples:
        >>> otlp_throughput_bound(10, 8192, 0.05, 0.15)
        409600.0
    """
    if (
        isinstance(max_concurrent_requests, bool)
        or not isinstance(max_concurrent_requests, int)
        or max_concurrent_requests < 1
    ):
        raise ValueError(
            f"max_concurrent_requests must be an integer >= 1, got {max_concurrent_requests!r}"
        )
    size = _positive("max_request_size", max_request_size)
    rtt = _finite_nonneg("network_latency", network_latency)
    srv = _finite_nonneg("server_response_time", server_response_time)
    if rtt + srv == 0:
        raise ValueError("network_latency + server_response_time must be positive, got 0")
    # --8<-- [start:otlp_bound]
    return max_concurrent_requests * size / (rtt + srv)  # Little's law, requests in flight
    # --8<-- [end:otlp_bound]


@dataclass(frozen=True)
class BatchStats:
    """Closed-form statistics of the batch processor under Poisson arrivals.

    Attributes:
        mean_batch_size: mean items in a batch that is sent (empty timeouts excluded).
        batches_per_second: sent batches per second.
        mean_added_latency: mean time an item waits in the batch buffer (seconds).
        timeout_fraction: fraction of sent batches that the timeout triggered.
        items_per_second: throughput in items per second (equal to the arrival rate).
    """

    mean_batch_size: float
    batches_per_second: float
    mean_added_latency: float
    timeout_fraction: float
    items_per_second: float


def _poisson_pmf(mu: float, k: int) -> FloatArray:
    """P(N = j) for j = 0 .. max(k, mu + 60 sqrt(mu) + 60), N ~ Poisson(mu > 0).

    The log-probabilities are built outwards from the mode by the ratios
    ``P(j+1) / P(j) = mu / (j+1)``, so the terms that carry the mass are exact to a few
    ulps and a tiny term keeps its relative precision (no ``1 - cdf``); the array is
    normalised by its own sum, the tail past its end being below 1e-300.
    """
    n = max(k + 1, int(mu + 60.0 * math.sqrt(mu) + 60.0))
    mode = min(int(mu), n - 1)
    log_mu = math.log(mu)
    up = np.cumsum(log_mu - np.log(np.arange(mode + 1, n, dtype=np.float64)))
    down = np.cumsum(np.log(np.arange(mode, 0, -1, dtype=np.float64)) - log_mu)
    w = np.exp(np.concatenate([down[::-1], [0.0], up]))  # P(j) / P(mode)
    out: FloatArray = w / w.sum()
    return out


def batch_closed_form(rate: float, send_batch_size: int, timeout: float) -> BatchStats:
    r"""The batch processor's size/timeout trade-off for Poisson arrivals of single items.

    The Collector's batch processor keeps a free-running timer: a batch is sent when it
    reaches ``send_batch_size`` items or when the timer fires, and the timer restarts
    after each send and each firing (an empty firing sends nothing). With Poisson
    arrivals at rate $\lambda$ the cycles between restarts are independent: a cycle
    lasts $C = \min(S_k, T)$, where $S_k$ is the time of the $k$-th arrival, and carries
    $B = \min(N(T), k)$ items. With $q_m = P(N(T) \ge m)$, $N(T) \sim
    \mathrm{Poisson}(\lambda T)$:

    $$E[B] = \sum_{m=1}^{k} q_m,\quad E[C] = E[B]/\lambda,\quad
    E[\text{wait}] = \frac{\sum_{m=2}^{k} (m-1)\, q_m}{\lambda\, E[B]}.$$

    Args:
        rate: item arrival rate $\lambda$ (items per second), > 0.
        send_batch_size: size trigger $k$ (items), >= 1.
        timeout: timer period $T$ (seconds), > 0.

    Returns:
        Mean sent batch size, batches per second, mean added latency per item, the
        fraction of batches sent by the timer, and the throughput.

    Raises:
        ValueError: on a non-positive rate, size or timeout.

    Examples:
        >>> s = batch_closed_form(rate=100.0, send_batch_size=10**6, timeout=0.2)
        >>> round(s.mean_added_latency, 6), round(s.mean_batch_size, 3)
        (0.1, 20.0)
    """
    lam = _positive("rate", rate)
    if isinstance(send_batch_size, bool) or not isinstance(send_batch_size, int):
        raise TypeError(f"send_batch_size must be an int, got {send_batch_size!r}")
    if send_batch_size < 1:
        raise ValueError(f"send_batch_size must be >= 1, got {send_batch_size!r}")
    t = _positive("timeout", timeout)
    mu = lam * t
    k = send_batch_size
    # Past mu + 60 sqrt(mu) + 60 the Poisson tail is below 1e-300: the sums have converged
    # and a size trigger beyond that is out of reach.
    k_eff = min(k, int(mu + 60.0 * math.sqrt(mu) + 60.0))
    pmf = _poisson_pmf(mu, k_eff)  # P(N(T) = j), each computed on its own
    # --8<-- [start:batch]
    q = np.cumsum(pmf[::-1])[::-1][1 : k_eff + 1]  # q[m-1] = P(N(T) >= m), from the tail
    m = np.arange(1, k_eff + 1, dtype=np.float64)
    e_b = float(q.sum())  # E[B] = sum of q_m
    wait_area = float(((m - 1.0) * q).sum()) / lam  # E[integral of N(t) over a cycle]
    p_send = float(q[0])  # P(N(T) >= 1): the cycle sends a batch
    p_timer = float(pmf[1:k].sum())  # P(1 <= N(T) < k), summed, not p_send - P(N >= k)
    if k_eff < k:  # a size trigger out of reach: every batch goes by the timer
        p_timer = p_send
    # --8<-- [end:batch]
    return BatchStats(
        mean_batch_size=e_b / p_send,
        batches_per_second=p_send * lam / e_b,  # p_send / E[C] with E[C] = E[B] / lambda
        mean_added_latency=wait_area / e_b,
        timeout_fraction=min(p_timer / p_send, 1.0),
        items_per_second=lam,
    )


def wire_bandwidth(
    items_per_second: float, bytes_per_item: float, compression_ratio: float = 1.0
) -> float:
    """Bytes per second on the wire for a stream of items.

    Args:
        items_per_second: spans, data points or log records per second, >= 0.
        bytes_per_item: encoded (uncompressed) size of one item in bytes, > 0.
        compression_ratio: uncompressed / compressed size (gzip on OTLP protobuf is
            typically several times), >= 1.

    Returns:
        Bytes per second after compression.

    Raises:
        ValueError: on a negative rate, non-positive size, or a ratio below 1.

    Examples:
        >>> wire_bandwidth(10_000, 500, compression_ratio=5.0)
        1000000.0
    """
    rate = _finite_nonneg("items_per_second", items_per_second)
    size = _positive("bytes_per_item", bytes_per_item)
    ratio = _positive("compression_ratio", compression_ratio)
    if ratio < 1:
        raise ValueError(f"compression_ratio must be >= 1, got {compression_ratio!r}")
    return rate * size / ratio


def max_items_per_request(bytes_per_item: float, limit_bytes: int = 4 * 1024 * 1024) -> int:
    """The largest batch (items) whose encoded message fits a message-size limit.

    grpc-go servers reject messages over 4 MiB by default (the OTLP receiver keeps that
    default unless ``max_recv_msg_size_mib`` is set), and the limit applies to the
    message after decompression, so compression does not raise it. Use this to choose
    ``send_batch_max_size``.

    Args:
        bytes_per_item: encoded size of one item, > 0.
        limit_bytes: the message-size limit, default 4 MiB.

    Returns:
        The number of whole items that fit (at least 0).

    Raises:
        ValueError: on a non-positive size or limit.

    Examples:
        >>> max_items_per_request(512)
        8192
    """
    size = _positive("bytes_per_item", bytes_per_item)
    if isinstance(limit_bytes, bool) or not isinstance(limit_bytes, int) or limit_bytes < 1:
        raise ValueError(f"limit_bytes must be a positive integer, got {limit_bytes!r}")
    return int(limit_bytes // size)
