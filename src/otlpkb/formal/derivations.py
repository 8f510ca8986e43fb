r"""Machine-checked derivations: the closed forms of other chapters, derived with sympy.

The reference implementation of the chapter *Algorithm correctness* (4.2). Each function
derives a result symbolically from its premises — balance equations, a definition, a
recurrence — and returns a `Derivation`: the named intermediate results, the final closed
form, and whether sympy proved the claimed identity (an expression that simplifies to
zero) or inequality (an expression sympy decides is positive). The numeric code of the
other chapters is then compared with the symbolic result (`max_relative_error`):

* `mm1_balance`: the M/M/1 queue from its global balance equations (chapter 1.1,
  `otlpkb.performance.queueing.mm1`);
* `littles_law_mm1`: $L = \lambda W$ on that solution, with $W$ derived independently of
  $L$ from the arrival's view of the queue (PASTA);
* `erlang_c_limits`: the Erlang C formula, which gives the M/M/1 result at $c = 1$ and
  tends to 1 in heavy traffic ($a \to c$);
* `capped_backoff`: the closed sum of a capped exponential backoff and the number of
  retries that fit in ``max_elapsed_time`` (the Collector's 5 s × 1.5^k capped at 30 s,
  chapter 2.1, `otlpkb.fault_tolerance.retry.ExponentialBackoff`);
* `phi_monotone`: the suspicion level phi increases with the time since the last
  heartbeat, for the logistic, normal and exponential models (chapter 2.2,
  `otlpkb.fault_tolerance.detectors.phi`).

See the chapter *Algorithm correctness* (4.2).

Examples:
    >>> d = mm1_balance()
    >>> d.proved, d.result
    (True, lambda/(-lambda + mu))
    >>> capped_backoff().steps["retries"]  # retries the Collector makes within 300 s
    12
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from otlpkb._checks import integer, positive

__all__ = [
    "LAM",
    "MU",
    "Derivation",
    "capped_backoff",
    "erlang_c_limits",
    "littles_law_mm1",
    "max_relative_error",
    "mm1_balance",
    "phi_monotone",
]

#: the arrival rate $\lambda$ of the queueing derivations (a positive real symbol)
LAM = sp.Symbol("lambda", positive=True)
#: the service rate $\mu$ of the queueing derivations (a positive real symbol)
MU = sp.Symbol("mu", positive=True)
_N = sp.symbols("n", integer=True, nonnegative=True)


@dataclass(frozen=True)
class Derivation:
    """A derived result, its intermediate steps and whether sympy proved the claim.

    Attributes:
        name: what was derived.
        claim: the statement, in words.
        result: the final closed form (a sympy expression).
        steps: named intermediate results, in the order they were derived.
        proved: sympy reduced the claim to ``0 == 0`` (an identity) or decided the
            expression positive (an inequality).
    """

    name: str
    claim: str
    result: Any
    steps: dict[str, Any] = field(default_factory=dict)
    proved: bool = False


def mm1_balance() -> Derivation:
    r"""M/M/1 from the global balance equations.

    The balance of flow into and out of state $n$, $\lambda p_{n-1} + \mu p_{n+1} =
    (\lambda + \mu) p_n$ with $\lambda p_0 = \mu p_1$, is solved as a recurrence
    (`sympy.rsolve`), normalised with $\sum p_n = 1$ (for $\rho < 1$), and gives the
    mean number in system $L$; the result is the mean response time $W = L / \lambda$.
    ``proved`` says the solution satisfies every balance equation.

    Returns:
        steps ``p_n``, ``p0``, ``L``, ``W``, ``Wq``, ``Lq``, ``p_wait``; result ``L``.
    """
    p = sp.Function("p")
    r = sp.Symbol("rho", positive=True)  # lambda / mu, written as one symbol while summing
    # --8<-- [start:mm1]
    shape = sp.rsolve(  # flow balance at n+1, and at 0: lambda p0 = mu p1
        p(_N + 2) - (1 + r) * p(_N + 1) + r * p(_N), p(_N), {p(0): 1, p(1): r}
    )
    p0 = sp.simplify(1 / _series(shape))  # normalise: sum p_n = 1 (rho < 1)
    p_n = p0 * shape
    mean_l = sp.simplify(_series(_N * p_n))
    balance = sp.simplify(r * p_n + p_n.subs(_N, _N + 2) - (1 + r) * p_n.subs(_N, _N + 1))
    # --8<-- [end:mm1]
    rho = LAM / MU
    p_n, p0, mean_l = (sp.simplify(e.subs(r, rho)) for e in (p_n, p0, mean_l))
    w = _tidy(mean_l / LAM)
    wq = _tidy(w - 1 / MU)
    mean_l = _tidy(mean_l)
    steps = {
        "p_n": sp.simplify(p_n),
        "p0": _tidy(p0),
        "L": mean_l,
        "W": w,
        "Wq": wq,
        "Lq": _tidy(LAM * wq),
        "p_wait": _tidy(1 - p0),
    }
    proved = balance == 0 and sp.simplify(LAM * p0 - MU * p_n.subs(_N, 1)) == 0
    return Derivation("M/M/1", "p_n solves the balance equations", mean_l, steps, bool(proved))


def _tidy(expr: Any) -> Any:
    """``expr`` as one fraction whose denominator is positive when stable (mu > lambda)."""
    num, den = sp.fraction(sp.factor(sp.cancel(sp.together(expr))))
    if den.subs({LAM: 1, MU: 2}).is_negative:
        num, den = -num, -den
    return num / den


def _series(term: Any) -> Any:
    """The sum over n >= 0 of ``term``, on the branch where it converges (rho < 1)."""
    total = sp.piecewise_fold(sp.summation(term, (_N, 0, sp.oo)))
    return total.args[0][0] if isinstance(total, sp.Piecewise) else total


def littles_law_mm1() -> Derivation:
    r"""Little's law $L = \lambda W$ checked on the M/M/1 solution.

    $W$ is derived without using $L$: by PASTA an arrival finds $n$ customers with
    probability $p_n$ and leaves after $n + 1$ exponential services, so $W = \sum_n
    p_n (n + 1) / \mu$. ``proved`` says $L - \lambda W$ simplifies to zero.
    """
    m = mm1_balance()
    r = sp.Symbol("rho", positive=True)
    # --8<-- [start:little]
    arrival_sees = m.steps["p_n"].subs(LAM, r * MU)  # PASTA: p_n, written with rho
    w = _series(arrival_sees * (_N + 1) / MU).subs(r, LAM / MU)
    gap = sp.simplify(m.result - LAM * w)
    # --8<-- [end:little]
    w = _tidy(w)
    return Derivation("Little's law", "L - lambda W = 0", w, {"W": w}, gap == 0)


def _erlang_c(c: int, a: Any) -> Any:
    k = sp.Symbol("k", integer=True, nonnegative=True)
    top = a**c / sp.factorial(c) * c / (c - a)
    return top / (sp.summation(a**k / sp.factorial(k), (k, 0, c - 1)) + top)


def erlang_c_limits(servers: Sequence[int] = (1, 2, 3, 5, 10)) -> Derivation:
    r"""The Erlang C probability of waiting, and its two limits.

    $C(c, a) = \frac{a^c}{c!}\frac{c}{c-a} / \left(\sum_{k<c} \frac{a^k}{k!} +
    \frac{a^c}{c!}\frac{c}{c-a}\right)$ with offered load $a = \lambda/\mu < c$. At
    $c = 1$ it equals $\rho$, the M/M/1 probability of waiting; as $a \to c$ (heavy
    traffic) it tends to 1 for every $c$. ``proved`` says both hold for the given
    ``servers``.

    Args:
        servers: the numbers of servers to check the heavy-traffic limit for.

    Returns:
        steps ``c=1`` (the simplified formula) and ``heavy c=<c>`` (each limit); result
        the formula for the largest ``c``.
    """
    cs = [integer("servers", c, minimum=1) for c in servers]
    a = sp.Symbol("a", positive=True)
    # --8<-- [start:erlang]
    single = sp.simplify(_erlang_c(1, a))
    heavy = {c: sp.limit(_erlang_c(c, a), a, c, "-") for c in cs}
    proved = sp.simplify(single - a) == 0 and all(v == 1 for v in heavy.values())
    # --8<-- [end:erlang]
    steps: dict[str, Any] = {"c=1": single}
    steps.update({f"heavy c={c}": v for c, v in heavy.items()})
    return Derivation(
        "Erlang C", "C(1, a) = a and C(c, a) -> 1 as a -> c", _erlang_c(max(cs), a), steps, proved
    )


def capped_backoff(
    initial: float = 5.0,
    multiplier: float = 1.5,
    cap: float = 30.0,
    budget: float = 300.0,
) -> Derivation:
    r"""Closed sum of a capped exponential backoff, and the retries within a time budget.

    Un-randomised intervals are $x_k = \min(c, b m^k)$. The first $K = \lceil
    \log(c/b)/\log m \rceil$ are below the cap, so the total of the first $n$ delays is

    $$S(n) = b\,\frac{m^{\min(n,K)} - 1}{m - 1} + \max(0, n - K)\,c ,$$

    and a retry sender that makes no retry starting after ``budget`` seconds makes
    $N = K + \lfloor (T - S(K)) / c \rfloor$ retries when $S(K) \le T$. Numbers are kept
    exact (rationals).

    Args:
        initial: $b$, the first interval, seconds.
        multiplier: $m > 1$.
        cap: $c \ge b$, the largest interval.
        budget: $T$, ``max_elapsed_time``.

    Returns:
        steps ``K``, ``S(K)``, ``retries`` (N), ``total`` (S(N)) and the symbolic ``S(n)``
        for $n \ge K$; result ``total``. ``proved`` says the geometric sum was summed in
        closed form and agrees with the term-by-term sum.
    """
    b = sp.nsimplify(positive("initial", initial))
    m = sp.nsimplify(positive("multiplier", multiplier))
    c = sp.nsimplify(positive("cap", cap))
    t = sp.nsimplify(positive("budget", budget))
    if m <= 1 or c < b:
        raise ValueError(f"need multiplier > 1 and cap >= initial, got {multiplier}, {cap}")
    n, k = sp.symbols("n k", integer=True, nonnegative=True)
    # --8<-- [start:backoff]
    big_k = int(sp.ceiling(sp.log(c / b) / sp.log(m)))
    geometric = sp.simplify(sp.summation(b * m**k, (k, 0, n - 1)))  # b (m^n - 1)/(m - 1)
    s_k = geometric.subs(n, big_k)
    s_n = s_k + (n - big_k) * c  # n >= K: every further delay is the cap
    retries = big_k + int(sp.floor((t - s_k) / c)) if s_k <= t else _uncapped(b, m, t)
    total = geometric.subs(n, retries) if retries <= big_k else s_n.subs(n, retries)
    # --8<-- [end:backoff]
    termwise = sum(min(c, b * m**i) for i in range(retries))
    steps = {"K": big_k, "S(K)": s_k, "S(n)": s_n, "retries": retries, "total": total}
    proved = sp.simplify(termwise - total) == 0 and not geometric.has(sp.Sum)
    return Derivation("capped backoff", "S(N) in closed form", total, steps, bool(proved))


def _uncapped(b: Any, m: Any, t: Any) -> int:
    """Retries that fit in ``t`` before the cap is reached (all delays geometric)."""
    n = 0
    while b * (m ** (n + 1) - 1) / (m - 1) <= t:
        n += 1
    return n


def phi_monotone() -> Derivation:
    r"""Phi increases with the elapsed time $t$, for the three models of chapter 2.2.

    With $y = (t - \mu)/\sigma$: logistic $\varphi = \log_{10}(1 + e^{z})$,
    $z = y(1.5976 + 0.070566 y^2)$; normal $\varphi = -\log_{10} Q(y)$ with
    $Q(y) = \operatorname{erfc}(y/\sqrt 2)/2$; exponential $\varphi = t/(\mu \ln 10)$.
    sympy differentiates each in $t$ and decides the sign of the derivative. For the
    normal model it is told one lemma, that $\operatorname{erfc}$ is positive on the
    reals (the tail of a density that is positive everywhere), by replacing it with a
    positive symbol. ``proved`` says every derivative is positive.

    Returns:
        steps ``<model>`` (the phi expression) and ``d<model>/dt`` (its derivative);
        result a dict of the three phi expressions.
    """
    t, mean, sd = sp.symbols("t mu sigma", positive=True)
    y = sp.Symbol("y", real=True)
    # --8<-- [start:phi]
    z = y * (sp.Rational("1.5976") + sp.Rational("0.070566") * y**2)
    models = {
        "logistic": sp.log(1 + sp.exp(z)) / sp.log(10),
        "normal": -sp.log(sp.erfc(y / sp.sqrt(2)) / 2) / sp.log(10),
        "exponential": t / (mean * sp.log(10)),
    }
    q = sp.Symbol("q", positive=True)  # lemma: erfc(x) > 0 for real x
    slopes = {}
    for name, expr in models.items():
        d = sp.diff(expr, t) if name == "exponential" else sp.diff(expr, y) / sd  # dy/dt
        slopes[name] = sp.simplify(d)
        slopes[name + "?"] = slopes[name].subs(sp.erfc(sp.sqrt(2) * y / 2), q).is_positive
    # --8<-- [end:phi]
    steps: dict[str, Any] = {}
    for name, expr in models.items():
        steps[name] = expr
        steps[f"d{name}/dt"] = slopes[name]
    proved = all(slopes[name + "?"] is True for name in models)
    return Derivation("phi monotone", "d phi / dt > 0", models, steps, proved)


def max_relative_error(
    symbolic: Any,
    numeric: Callable[..., Any],
    symbols: Sequence[Any],
    points: Sequence[Sequence[float]],
) -> float:
    r"""Largest relative difference between a sympy expression and a numeric function.

    The expression is turned into a numpy function of ``symbols`` (`sympy.lambdify`) and
    both are evaluated at each point; the result is
    $\max |s - f| / \max(|s|, 10^{-300})$.

    Args:
        symbolic: a sympy expression in ``symbols``.
        numeric: a function taking one positional argument per symbol.
        symbols: the symbols, in the order of each point's coordinates.
        points: the evaluation points.

    Returns:
        The largest relative error (0.0 for exact agreement).

    Examples:
        >>> x = sp.Symbol("x")
        >>> max_relative_error(x**2, lambda v: v * v, [x], [[1.5], [3.0]])
        0.0
    """
    if not points:
        raise ValueError("points must not be empty")
    f = sp.lambdify(list(symbols), symbolic, modules=["numpy", "scipy"])
    worst = 0.0
    for point in points:
        if len(point) != len(symbols):
            raise ValueError(f"each point needs {len(symbols)} coordinates, got {point!r}")
        s = float(f(*point))
        v = float(numeric(*point))
        worst = max(worst, abs(s - v) / max(abs(s), 1e-300))
    return float(np.float64(worst))
