"""Reliability analysis for telemetry pipelines: availability algebra, fault trees, Markov models.

The reference implementation of the chapter *Reliability analysis* (2.4):

* availability of a repairable unit, series, parallel and k-of-n structures (identical or
  different units: the Poisson-binomial recursion), downtime per year, the number of nines,
  MTTF of a k-of-n system of exponential units;
* fault trees (`Event`, `And`, `Or`, `AtLeast`,
  `FaultTree`): minimal cut sets, the exact top-event probability through a reduced
  ordered binary decision diagram (BDD) with a unique table and memoised apply, and the
  rare-event and min-cut upper bound approximations;
* continuous-time Markov chains: steady state, transient distribution (uniformisation
  with scaling and squaring, numpy only), the birth-death generator of n repairable units
  with a given number of repair crews, interval availability;
* SLA composition for an SDK → agent → gateway → back-end pipeline (`Stage`,
  `pipeline_availability`), and the data lost when outages outlast the retry buffer
  (`data_loss_fraction`).

See the chapter *Reliability analysis* (2.4).

Examples:
    >>> round(availability(mtbf=999.0, mttr=1.0), 6)
    0.999
    >>> round(k_of_n(2, 3, 0.9), 6)
    0.972
    >>> a, b = Event("a", 0.1), Event("b", 0.2)
    >>> round(FaultTree(Or(a, And(a, b))).probability(), 12)
    0.1
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from otlpkb._checks import integer as _integer
from otlpkb._checks import non_negative as _non_negative

__all__ = [
    "And",
    "AtLeast",
    "Event",
    "FaultTree",
    "Gate",
    "Or",
    "Stage",
    "availability",
    "ctmc_steady_state",
    "ctmc_transient",
    "data_loss_fraction",
    "downtime_per_year",
    "interval_availability",
    "k_of_n",
    "k_of_n_repairable_availability",
    "mttf_k_of_n",
    "nines",
    "parallel",
    "pipeline_availability",
    "repairable_system_generator",
    "series",
]

FloatArray = npt.NDArray[np.float64]
SECONDS_PER_YEAR = 365.25 * 86400.0


def _prob(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1], got {value!r}")
    return float(value)


def _rate(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be positive and finite, got {value!r}")
    return float(value)


def availability(mtbf: float, mttr: float) -> float:
    """Steady-state availability of a repairable unit, ``MTBF / (MTBF + MTTR)``.

    Args:
        mtbf: mean time between failures (mean up time), > 0.
        mttr: mean time to repair (mean down time), >= 0; same unit as ``mtbf``.

    Examples:
        >>> availability(720.0, 0.5)  # fails monthly, back in 30 minutes
        0.9993060374739764
    """
    up = _rate("mtbf", mtbf)
    return up / (up + _non_negative("mttr", mttr))


def series(*a: float) -> float:
    """Availability of units that must all be up: the product ``∏ a_i``.

    Examples:
        >>> round(series(0.999, 0.999, 0.9999), 7)
        0.9979012
    """
    if not a:
        raise ValueError("series needs at least one availability")
    return math.prod(_prob(f"a[{i}]", x) for i, x in enumerate(a))


def parallel(*a: float) -> float:
    """Availability of redundant units, any one suffices: ``1 - ∏ (1 - a_i)``.

    Examples:
        >>> round(parallel(0.99, 0.99), 6)
        0.9999
    """
    if not a:
        raise ValueError("parallel needs at least one availability")
    return 1.0 - math.prod(1.0 - _prob(f"a[{i}]", x) for i, x in enumerate(a))


def k_of_n(k: int, n: int, a: float | Sequence[float]) -> float:
    """Probability that at least ``k`` of ``n`` independent units are up.

    With one availability for all units this is the binomial tail
    ``Σ_{i=k}^{n} C(n,i) a^i (1-a)^{n-i}``; with a sequence of ``n`` availabilities it is the
    Poisson-binomial tail, computed by the O(n²) recursion over units
    ``P_j(i) = a_j P_{j-1}(i-1) + (1 - a_j) P_{j-1}(i)`` (no subsets enumerated).

    Examples:
        >>> round(k_of_n(3, 4, 0.9), 4)
        0.9477
        >>> round(k_of_n(2, 3, [0.9, 0.8, 0.7]), 3)
        0.902
    """
    for name, v in (("k", k), ("n", n)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise TypeError(f"{name} must be an int, got {v!r}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    if not 0 <= k <= n:
        raise ValueError(f"k must be in [0, n] = [0, {n}], got {k}")
    if isinstance(a, bool):
        raise TypeError(f"a must be a probability or a sequence of n, got {a!r}")
    if isinstance(a, int | float | np.floating):
        return _binomial_tail(int(k), int(n), _prob("a", a))
    probs = [_prob(f"a[{i}]", x) for i, x in enumerate(a)]
    if len(probs) != n:
        raise ValueError(f"a must hold n = {n} availabilities, got {len(probs)}")
    # --8<-- [start:k_of_n]
    dist = np.zeros(n + 1)  # dist[i] = P(exactly i units up among those seen)
    dist[0] = 1.0
    for j, p in enumerate(probs, start=1):
        dist[1 : j + 1] = p * dist[0:j] + (1 - p) * dist[1 : j + 1]
        dist[0] *= 1 - p
    return float(min(1.0, dist[k:].sum()))
    # --8<-- [end:k_of_n]


def _binomial_tail(k: int, n: int, p: float) -> float:
    """``Σ_{i=k}^{n} C(n,i) p^i (1-p)^{n-i}`` with the terms in logs (no overflow at any n).

    The tail is divided by the sum of all n + 1 terms (1 in exact arithmetic), which
    cancels the rounding common to every term, and a tail of 1 - 2^-2000 is exactly 1.0.
    """
    if k == 0 or p == 1.0:
        return 1.0
    if p == 0.0:
        return 0.0
    # --8<-- [start:binomial]
    lg = math.lgamma
    i = np.arange(n + 1, dtype=float)
    log_c = np.array([lg(n + 1) - lg(j + 1) - lg(n - j + 1) for j in range(n + 1)])
    log_terms = log_c + i * math.log(p) + (n - i) * math.log1p(-p)
    terms = np.exp(log_terms - log_terms.max())
    upper, lower = float(terms[k:].sum()), float(terms[:k].sum())
    return upper / (upper + lower)
    # --8<-- [end:binomial]


def downtime_per_year(a: float) -> float:
    """Expected downtime in minutes per year (365.25 days) at availability ``a``.

    Examples:
        >>> round(downtime_per_year(0.999), 1)
        526.0
    """
    return (1.0 - _prob("a", a)) * SECONDS_PER_YEAR / 60.0


def nines(a: float) -> float:
    """The number of nines, ``-log10(1 - a)`` (inf for a = 1).

    Examples:
        >>> round(nines(0.9995), 2)
        3.3
    """
    p = _prob("a", a)
    return math.inf if p == 1.0 else -math.log10(1.0 - p)


def mttf_k_of_n(k: int, n: int, failure_rate: float) -> float:
    """Mean time to failure of a k-of-n system of identical exponential units, no repair.

    The system passes through states with i = n, n-1, …, k working units, staying
    ``1/(iλ)`` on average in each, so ``MTTF = Σ_{i=k}^{n} 1/(iλ)``.

    Examples:
        >>> mttf_k_of_n(2, 3, 1.0)  # TMR: 5/(6λ)
        0.8333333333333333
    """
    n = _integer("n", n, minimum=1)
    if not 1 <= _integer("k", k) <= n:
        raise ValueError(f"k must be in [1, n] = [1, {n}], got {k}")
    lam = _rate("failure_rate", failure_rate)
    return sum(1.0 / (i * lam) for i in range(k, n + 1))


# ---------------------------------------------------------------------------------------
# Fault trees


@dataclass(frozen=True)
class Event:
    """A basic event of a fault tree: a name and a probability of occurrence."""

    name: str
    probability: float

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string, got {self.name!r}")
        _prob(f"probability of event {self.name!r}", self.probability)


class Gate:
    """A logic gate over events and gates. Use `And`, `Or` or `AtLeast`.

    Children can be added after construction with `add`, which is how shared
    sub-trees are wired; `FaultTree` rejects cycles.
    """

    kind = "gate"

    def __init__(self, *children: Event | Gate, name: str | None = None) -> None:
        self.name = name
        self.children: list[Event | Gate] = []
        self.add(*children)

    def add(self, *children: Event | Gate) -> Gate:
        """Append children; returns self."""
        for c in children:
            if not isinstance(c, Event | Gate):
                raise TypeError(f"children must be Event or Gate, got {c!r}")
            self.children.append(c)
        return self

    @property
    def k(self) -> int:
        """How many children must occur for the gate to occur."""
        raise NotImplementedError

    def __repr__(self) -> str:
        label = f"{self.name!r}, " if self.name else ""
        return f"{type(self).__name__}({label}{len(self.children)} children)"


class And(Gate):
    """Occurs when all children occur."""

    kind = "and"

    @property
    def k(self) -> int:
        """All children."""
        return len(self.children)


class Or(Gate):
    """Occurs when at least one child occurs."""

    kind = "or"

    @property
    def k(self) -> int:
        """One child."""
        return 1


class AtLeast(Gate):
    """Occurs when at least ``k`` of its children occur (a voting gate)."""

    kind = "atleast"

    def __init__(self, k: int, *children: Event | Gate, name: str | None = None) -> None:
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be an int >= 1, got {k!r}")
        self._k = k
        super().__init__(*children, name=name)

    @property
    def k(self) -> int:
        """The vote threshold."""
        return self._k


class _BDD:
    """A reduced ordered BDD: nodes 0 (false) and 1 (true), a unique table, memoised apply."""

    def __init__(self, n_vars: int) -> None:
        self.var = [n_vars, n_vars]  # terminals sit below every variable
        self.low = [0, 1]
        self.high = [0, 1]
        self.unique: dict[tuple[int, int, int], int] = {}
        self.memo: dict[tuple[str, int, int], int] = {}

    def mk(self, v: int, low: int, high: int) -> int:
        if low == high:
            return low
        key = (v, low, high)
        node = self.unique.get(key)
        if node is None:
            node = len(self.var)
            self.var.append(v)
            self.low.append(low)
            self.high.append(high)
            self.unique[key] = node
        return node

    @staticmethod
    def _terminal(op: str, f: int, g: int) -> int | None:
        if op == "and":
            if f == 0 or g == 0:
                return 0
            if f == 1:
                return g
            if g == 1 or f == g:
                return f
        else:
            if f == 1 or g == 1:
                return 1
            if f == 0:
                return g
            if g == 0 or f == g:
                return f
        return None

    def apply(self, op: str, f: int, g: int) -> int:
        """``f op g`` for op in {"and", "or"}; an explicit stack, so no recursion limit."""
        memo, var, low, high = self.memo, self.var, self.low, self.high

        def key(a: int, b: int) -> tuple[str, int, int]:
            return (op, a, b) if a <= b else (op, b, a)

        def lookup(a: int, b: int) -> int | None:
            t = self._terminal(op, a, b)
            return t if t is not None else memo.get(key(a, b))

        done = lookup(f, g)
        if done is not None:
            return done
        stack = [(f, g)]
        while stack:
            a, b = stack[-1]
            if key(a, b) in memo:
                stack.pop()
                continue
            v = min(var[a], var[b])
            a0, a1 = (low[a], high[a]) if var[a] == v else (a, a)
            b0, b1 = (low[b], high[b]) if var[b] == v else (b, b)
            r0, r1 = lookup(a0, b0), lookup(a1, b1)
            if r0 is None or r1 is None:
                if r0 is None:
                    stack.append((a0, b0))
                if r1 is None:
                    stack.append((a1, b1))
                continue
            memo[key(a, b)] = self.mk(v, r0, r1)
            stack.pop()
        return memo[key(f, g)]


class FaultTree:
    """A fault tree rooted at ``top``: minimal cut sets and the top-event probability.

    Events are identified by name; the same name must always carry the same probability
    (a shared event). The tree must be acyclic.

    Args:
        top: the top gate (or a single event).

    Raises:
        ValueError: a cycle, an event name with two probabilities, an empty gate, or an
            AtLeast gate with k larger than its number of children.

    Examples:
        >>> pump1, valve1 = Event("pump1", 0.7), Event("valve1", 0.5)
        >>> pump2, valve2 = Event("pump2", 0.7), Event("valve2", 0.5)
        >>> ft = FaultTree(And(Or(valve1, pump1), Or(valve2, pump2)))
        >>> round(ft.probability(), 10)
        0.7225
        >>> sorted(sorted(c) for c in ft.minimal_cut_sets())[0]
        ['pump1', 'pump2']
    """

    def __init__(self, top: Event | Gate) -> None:
        if not isinstance(top, Event | Gate):
            raise TypeError(f"top must be an Event or a Gate, got {top!r}")
        self.top = top
        self.events: dict[str, float] = {}
        self._gates: list[Gate] = []  # post-order: children before parents
        self._order: list[str] = []
        self._validate()
        self._bdd: _BDD | None = None
        self._root = -1
        self._mcs: set[frozenset[str]] | None = None

    def _validate(self) -> None:
        # BDD variable order: depth first, a gate's own events before those of its sub-gates,
        # so an event near the top sits high in the BDD and a chain of n gates costs O(n)
        order = self._order
        state: dict[int, int] = {}  # id(gate) -> 1 on the stack, 2 finished
        if isinstance(self.top, Event):
            self.events[self.top.name] = self.top.probability
            order.append(self.top.name)
            return
        stack: list[tuple[Gate, int]] = [(self.top, 0)]
        state[id(self.top)] = 1
        while stack:
            gate, i = stack.pop()
            if i == 0:
                if not gate.children:
                    raise ValueError(f"gate {gate!r} has no children")
                if gate.k > len(gate.children):
                    raise ValueError(
                        f"k of gate {gate!r} must be <= its {len(gate.children)} children, "
                        f"got {gate.k}"
                    )
                for child in gate.children:
                    if isinstance(child, Event):
                        self._register(child)
            if i == len(gate.children):
                state[id(gate)] = 2
                self._gates.append(gate)
                continue
            stack.append((gate, i + 1))
            child = gate.children[i]
            if isinstance(child, Gate):
                st = state.get(id(child))
                if st == 1:
                    raise ValueError(f"the fault tree has a cycle through gate {child!r}")
                if st is None:
                    state[id(child)] = 1
                    stack.append((child, 0))

    def _register(self, event: Event) -> None:
        seen = self.events.get(event.name)
        if seen is None:
            self.events[event.name] = event.probability
            self._order.append(event.name)
        elif seen != event.probability:
            raise ValueError(
                f"event {event.name!r} has two probabilities: {seen} and {event.probability}"
            )

    def _build(self) -> tuple[_BDD, int]:
        if self._bdd is not None:
            return self._bdd, self._root
        if isinstance(self.top, Event):
            bdd = _BDD(1)
            self._bdd, self._root = bdd, bdd.mk(0, 0, 1)
            return bdd, self._root
        index = {name: i for i, name in enumerate(self._order)}
        bdd = _BDD(len(index))
        node: dict[int, int] = {}

        def of(c: Event | Gate) -> int:
            return bdd.mk(index[c.name], 0, 1) if isinstance(c, Event) else node[id(c)]

        # --8<-- [start:bdd]
        for gate in self._gates:  # children are always built before their parents
            kids = [of(c) for c in gate.children]
            if isinstance(gate, And | Or):
                acc = kids[0]
                for x in kids[1:]:
                    acc = bdd.apply(gate.kind, acc, x)
            else:  # at least k of m: T(i, j) = (x_i ∧ T(i+1, j-1)) ∨ T(i+1, j), monotone
                m, k = len(kids), gate.k
                row = [1] + [0] * k  # T(m, j): true only for j = 0
                for i in range(m - 1, -1, -1):
                    new = [1] * (k + 1)
                    for j in range(1, k + 1):
                        new[j] = bdd.apply("or", bdd.apply("and", kids[i], row[j - 1]), row[j])
                    row = new
                acc = row[k]
            node[id(gate)] = acc
        # --8<-- [end:bdd]
        self._bdd, self._root = bdd, node[id(self.top)]
        return bdd, self._root

    def probability(self) -> float:
        """The exact probability of the top event (Shannon expansion over the BDD).

        ``P(node) = p_v P(high) + (1 - p_v) P(low)``, evaluated once per BDD node; node ids
        grow bottom-up, so one pass in id order suffices.
        """
        bdd, root = self._build()
        # --8<-- [start:shannon]
        p = [self.events[name] for name in self._order]
        prob = [0.0, 1.0]
        for i in range(2, len(bdd.var)):
            pv = p[bdd.var[i]]
            prob.append(pv * prob[bdd.high[i]] + (1 - pv) * prob[bdd.low[i]])
        return prob[root]
        # --8<-- [end:shannon]

    @property
    def bdd_size(self) -> int:
        """Number of internal nodes of the BDD of the top event."""
        bdd, root = self._build()
        seen, stack = set(), [root]
        while stack:
            x = stack.pop()
            if x > 1 and x not in seen:
                seen.add(x)
                stack += [bdd.low[x], bdd.high[x]]
        return len(seen)

    def minimal_cut_sets(self) -> set[frozenset[str]]:
        """Minimal cut sets (sets of event names), computed bottom-up and minimised.

        A gate's cut sets are built from its children's: OR unites them, AND takes the
        products (unions of one set from each child), AtLeast(k) unites the products of
        every k-subset of children; after each gate, supersets are removed.
        """
        if self._mcs is not None:
            return set(self._mcs)
        if isinstance(self.top, Event):
            self._mcs = {frozenset([self.top.name])}
            return set(self._mcs)
        # --8<-- [start:mcs]
        fam: dict[int, list[frozenset[str]]] = {}

        def of(c: Event | Gate) -> list[frozenset[str]]:
            return [frozenset([c.name])] if isinstance(c, Event) else fam[id(c)]

        def product(groups: Iterable[list[frozenset[str]]]) -> list[frozenset[str]]:
            acc = [frozenset[str]()]
            for g in groups:
                acc = _minimise([x | y for x in acc for y in g])
            return acc

        for gate in self._gates:
            kids = [of(c) for c in gate.children]
            if isinstance(gate, Or):
                out = _minimise([s for g in kids for s in g])
            elif isinstance(gate, And):
                out = product(kids)
            else:  # at least k: the products of every k-subset of the children
                subsets = itertools.combinations(kids, gate.k)
                out = _minimise([s for combo in subsets for s in product(combo)])
            fam[id(gate)] = out
        # --8<-- [end:mcs]
        self._mcs = set(fam[id(self.top)])
        return set(self._mcs)

    def rare_event_approximation(self) -> float:
        """``Σ_C ∏_{e∈C} p_e`` over minimal cut sets, capped at 1 (an upper bound)."""
        return min(1.0, sum(self._cut_probs()))

    def min_cut_upper_bound(self) -> float:
        """``1 - ∏_C (1 - ∏_{e∈C} p_e)``: the min-cut upper bound (exact for disjoint cuts)."""
        return 1.0 - math.prod(1.0 - q for q in self._cut_probs())

    def _cut_probs(self) -> list[float]:
        return [math.prod(self.events[e] for e in c) for c in self.minimal_cut_sets()]

    def occurs(self, failed: set[str] | frozenset[str]) -> bool:
        """Evaluate the tree for a set of occurred events (for checks by enumeration)."""
        if isinstance(self.top, Event):
            return self.top.name in failed
        done: dict[int, bool] = {}
        for gate in self._gates:  # post-order: children first, no recursion
            hits = sum(
                c.name in failed if isinstance(c, Event) else done[id(c)] for c in gate.children
            )
            done[id(gate)] = hits >= gate.k
        return done[id(self.top)]


def _minimise(sets: list[frozenset[str]]) -> list[frozenset[str]]:
    """Drop duplicates and supersets (keep minimal sets), smallest first."""
    out: list[frozenset[str]] = []
    for s in sorted(set(sets), key=len):
        if not any(m <= s for m in out):
            out.append(s)
    return out


# ---------------------------------------------------------------------------------------
# Continuous-time Markov chains


def _generator(Q: npt.ArrayLike, name: str = "Q") -> FloatArray:  # noqa: N803
    q = np.asarray(Q, dtype=float)
    if q.ndim != 2 or q.shape[0] != q.shape[1] or q.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty square matrix, got shape {q.shape}")
    if not np.isfinite(q).all():
        raise ValueError(f"{name} must be finite")
    off = q - np.diag(np.diag(q))
    if (off < 0).any():
        i, j = np.argwhere(off < 0)[0]
        raise ValueError(f"{name} off-diagonal rates must be >= 0, got {name}[{i},{j}] = {q[i, j]}")
    rows = q.sum(axis=1)
    scale = np.maximum(1.0, np.abs(q).max(axis=1))
    bad = np.flatnonzero(np.abs(rows) > 1e-9 * scale)
    if bad.size:
        raise ValueError(
            f"{name} rows must sum to zero, got row {bad[0]} summing to {rows[bad[0]]!r}"
        )
    return q


def ctmc_steady_state(Q: npt.ArrayLike) -> FloatArray:  # noqa: N803
    """The stationary distribution π of an irreducible CTMC: ``π Q = 0``, ``Σ π = 1``.

    Solved as a least-squares system with the normalisation appended, after checking that
    ``Q`` is a generator (non-negative off-diagonal rates, rows summing to zero) of rank
    n - 1 (otherwise the stationary distribution is not unique).

    Examples:
        >>> lam, mu = 0.01, 1.0
        >>> ctmc_steady_state([[-lam, lam], [mu, -mu]]).round(6).tolist()
        [0.990099, 0.009901]
    """
    q = _generator(Q)
    n = q.shape[0]
    if n > 1 and np.linalg.matrix_rank(q) < n - 1:
        raise ValueError("Q is reducible: its stationary distribution is not unique")
    # --8<-- [start:steady]
    a = np.vstack([q.T, np.ones(n)])
    b = np.zeros(n + 1)
    b[-1] = 1.0
    pi = np.linalg.lstsq(a, b, rcond=None)[0]
    pi = np.clip(pi, 0.0, None)
    return np.asarray(pi / pi.sum(), dtype=float)
    # --8<-- [end:steady]


def _expm_generator(q: FloatArray, t: float) -> FloatArray:
    """``exp(Q t)`` for a generator: uniformisation on a small step, then squaring.

    With ``Λ = max |q_ii|`` and ``P = I + Q/Λ`` (a stochastic matrix), ``exp(Q h) =
    Σ_k e^{-Λh} (Λh)^k / k! P^k``, a sum of non-negative terms (no cancellation). ``h =
    t / 2^s`` is chosen with ``Λh <= 0.5`` so 30 terms reach machine precision, and the
    result is squared ``s`` times.
    """
    n = q.shape[0]
    lam = float(np.abs(np.diag(q)).max())
    if lam == 0.0 or t == 0.0:
        return np.eye(n)
    # --8<-- [start:uniformisation]
    s = max(0, math.ceil(math.log2(lam * t / 0.5))) if lam * t > 0.5 else 0
    h = t / 2**s
    p = np.eye(n) + q / lam
    x = lam * h
    weight = math.exp(-x)
    term = np.eye(n)
    out = weight * term
    for k in range(1, 40):
        term = term @ p
        weight *= x / k
        out += weight * term
        if weight < 1e-18:
            break
    for _ in range(s):
        out = out @ out
    # --8<-- [end:uniformisation]
    return np.asarray(out, dtype=float)


def ctmc_transient(Q: npt.ArrayLike, p0: npt.ArrayLike, t: float | npt.ArrayLike) -> FloatArray:  # noqa: N803
    """State distribution ``p(t) = p0 exp(Q t)`` of a CTMC at time(s) ``t``.

    Args:
        Q: the generator (n × n).
        p0: the initial distribution (n probabilities summing to 1).
        t: a time >= 0, or an array of times.

    Returns:
        An array of shape ``(n,)`` for a scalar ``t``, ``(len(t), n)`` for an array.

    Examples:
        >>> ctmc_transient([[-1.0, 1.0], [0.0, 0.0]], [1.0, 0.0], 1.0).round(6).tolist()
        [0.367879, 0.632121]
    """
    q = _generator(Q)
    p = np.asarray(p0, dtype=float)
    if p.shape != (q.shape[0],):
        raise ValueError(f"p0 must have shape ({q.shape[0]},), got {p.shape}")
    if (p < 0).any() or abs(p.sum() - 1.0) > 1e-9:
        raise ValueError(f"p0 must be a probability vector summing to 1, got {p.tolist()}")
    ts = np.asarray(t, dtype=float)
    if (ts < 0).any() or not np.isfinite(ts).all():
        raise ValueError(f"t must be finite and >= 0, got {t!r}")
    flat = ts.reshape(-1)
    out = np.array([p @ _expm_generator(q, float(x)) for x in flat])
    out = np.clip(out, 0.0, 1.0)
    result = out[0] if ts.ndim == 0 else out.reshape((*ts.shape, q.shape[0]))
    return np.asarray(result, dtype=float)


def repairable_system_generator(
    n: int, failure_rate: float, repair_rate: float, crews: int = 1
) -> FloatArray:
    """Generator of n identical repairable units; state i = number of failed units (0..n).

    Failures: ``i → i+1`` at rate ``(n - i) λ``; repairs: ``i → i-1`` at rate
    ``min(i, crews) μ`` (a crew repairs one unit at a time).

    Examples:
        >>> repairable_system_generator(2, 1.0, 10.0).tolist()
        [[-2.0, 2.0, 0.0], [10.0, -11.0, 1.0], [0.0, 10.0, -10.0]]
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be an int >= 1, got {n!r}")
    if isinstance(crews, bool) or not isinstance(crews, int) or crews < 1:
        raise ValueError(f"crews must be an int >= 1, got {crews!r}")
    lam = _rate("failure_rate", failure_rate)
    mu = _rate("repair_rate", repair_rate)
    q = np.zeros((n + 1, n + 1))
    for i in range(n + 1):
        if i < n:
            q[i, i + 1] = (n - i) * lam
        if i > 0:
            q[i, i - 1] = min(i, crews) * mu
        q[i, i] = -q[i].sum()
    return q


def k_of_n_repairable_availability(
    k: int, n: int, failure_rate: float, repair_rate: float, crews: int = 1
) -> float:
    """Steady-state availability of a k-of-n system whose units share ``crews`` repairers.

    With ``crews >= n`` units are independent and this equals ``k_of_n(k, n, μ/(λ+μ))``;
    fewer crews make repairs queue and the availability lower.

    Examples:
        >>> a1 = k_of_n_repairable_availability(1, 2, 0.01, 1.0, crews=1)
        >>> a2 = k_of_n_repairable_availability(1, 2, 0.01, 1.0, crews=2)
        >>> a1 < a2
        True
    """
    if not 1 <= k <= n:
        raise ValueError(f"k must be in [1, n] = [1, {n}], got {k}")
    pi = ctmc_steady_state(repairable_system_generator(n, failure_rate, repair_rate, crews))
    return float(pi[: n - k + 1].sum())


def interval_availability(
    Q: npt.ArrayLike,  # noqa: N803
    p0: npt.ArrayLike,
    up: Sequence[int] | npt.ArrayLike,
    t: float,
    steps: int = 512,
) -> float:
    """Expected fraction of ``[0, t]`` spent in the ``up`` states: ``(1/t) ∫_0^t P(up, s) ds``.

    The transient distribution is advanced over a grid of ``steps`` (even) intervals with one
    matrix exponential and integrated with Simpson's rule.

    Examples:
        >>> lam, mu = 1.0, 1.0
        >>> round(interval_availability([[-lam, lam], [mu, -mu]], [1, 0], [0], 1.0), 6)
        0.716166
    """
    q = _generator(Q)
    tt = _rate("t", t)
    if steps < 2 or steps % 2:
        raise ValueError(f"steps must be an even int >= 2, got {steps}")
    idx = np.asarray(up, dtype=int).reshape(-1)
    if idx.size == 0 or (idx < 0).any() or (idx >= q.shape[0]).any():
        raise ValueError(f"up must list state indices in [0, {q.shape[0]}), got {up!r}")
    p = ctmc_transient(q, p0, 0.0)
    step = _expm_generator(q, tt / steps)
    f = np.empty(steps + 1)
    f[0] = p[idx].sum()
    for j in range(1, steps + 1):
        p = p @ step
        f[j] = p[idx].sum()
    w = np.ones(steps + 1)
    w[1:-1:2], w[2:-1:2] = 4, 2
    return float((w @ f) / (3 * steps))


# ---------------------------------------------------------------------------------------
# SLA composition


@dataclass(frozen=True)
class Stage:
    """One hop of a telemetry pipeline: ``required`` of ``replicas`` instances must be up.

    Attributes:
        name: e.g. ``"gateway"``.
        availability: availability of one instance.
        replicas: instances behind the load balancer.
        required: instances needed to carry the load (k of k-of-n).
    """

    name: str
    availability: float
    replicas: int = 1
    required: int = 1

    def __post_init__(self) -> None:
        _prob(f"availability of stage {self.name!r}", self.availability)
        if not 1 <= self.required <= self.replicas:
            raise ValueError(
                f"stage {self.name!r}: required must be in [1, replicas={self.replicas}], "
                f"got {self.required}"
            )

    @property
    def stage_availability(self) -> float:
        """Availability of the stage as a k-of-n group."""
        # --8<-- [start:pipeline]
        return k_of_n(self.required, self.replicas, self.availability)
        # --8<-- [end:pipeline]


def pipeline_availability(stages: Sequence[Stage]) -> float:
    """Availability of a pipeline of independent stages in series, each a k-of-n group.

    Examples:
        >>> sdk = Stage("sdk", 0.9999)
        >>> gw = Stage("gateway", 0.995, replicas=3, required=2)
        >>> round(pipeline_availability([sdk, gw]), 6)
        0.999825
    """
    if not stages:
        raise ValueError("stages must not be empty")
    return series(*(s.stage_availability for s in stages))


def data_loss_fraction(mtbf: float, mttr: float, buffer: float) -> float:
    """Long-run fraction of telemetry lost when a hop's outages outlast the sender's buffer.

    Outages start on average every ``mtbf + mttr`` and last an exponential time with mean
    ``mttr``. The sender retries and queues for ``buffer`` seconds (the smaller of
    ``max_elapsed_time`` and the time to fill its queue); data produced during the part of
    an outage beyond that is lost: ``E[(D - B)^+] / (MTBF + MTTR) = MTTR e^{-B/MTTR} /
    (MTBF + MTTR)``. With ``buffer = 0`` it is the unavailability.

    Examples:
        >>> u = data_loss_fraction(mtbf=86400.0, mttr=600.0, buffer=0.0)
        >>> round(u, 6) == round(1 - availability(86400.0, 600.0), 6)
        True
        >>> round(data_loss_fraction(86400.0, 600.0, 300.0) / u, 4)  # e^{-1/2}
        0.6065
    """
    up, down = _rate("mtbf", mtbf), _rate("mttr", mttr)
    if not (buffer >= 0 and math.isfinite(buffer)):
        raise ValueError(f"buffer must be >= 0, got {buffer!r}")
    # --8<-- [start:loss]
    return down * math.exp(-buffer / down) / (up + down)
    # --8<-- [end:loss]
