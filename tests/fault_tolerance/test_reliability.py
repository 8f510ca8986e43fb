"""Tests for otlpkb.fault_tolerance.reliability (chapter 2.4, Reliability analysis).

External checks:
* published worked examples: Reliability Analytics, "Reliability Modeling: k out of n
  configurations" (2011; 3-of-4 displays at R = 0.9 → 0.9477); the 3-of-5 example at
  p = 0.9 (0.99144) from Math StackExchange; the series–parallel examples ASQ CQE
  (0.95 in series with two 0.95 in parallel → 0.947625) and 0.93156 (two 0.9 in parallel,
  0.95, two series pairs of 0.95 in parallel);
* textbook closed forms: MTTF of TMR = 5/(6λ) and of a 1-of-2 parallel pair = 3/(2λ)
  (K. S. Trivedi, Probability and Statistics with Reliability, Queuing, and Computer
  Science Applications, 2nd ed., Wiley 2002, ch. 3 and 8); two-state availability
  μ/(λ+μ) and its transient; two units with one repair crew;
* the SCRAM project's fault-tree tests (github.com/rakhimov/scram, tests/
  bench_two_train_tests.cc, bench_atleast_tests.cc, bench_chinese_tree_tests.cc with
  input/Chinese/chinese.xml): minimal cut sets and top-event probabilities;
* scipy.linalg.expm, scipy.stats.binom and scipy.integrate.quad as oracles;
* brute-force enumeration over all event states on random small trees (hypothesis).
"""

from __future__ import annotations

import collections
import itertools
import math

import numpy as np
import pytest
import scipy.integrate
import scipy.linalg
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from otlpkb.fault_tolerance.reliability import (
    And,
    AtLeast,
    Event,
    FaultTree,
    Or,
    Stage,
    availability,
    ctmc_steady_state,
    ctmc_transient,
    data_loss_fraction,
    downtime_per_year,
    interval_availability,
    k_of_n,
    k_of_n_repairable_availability,
    mttf_k_of_n,
    nines,
    parallel,
    pipeline_availability,
    repairable_system_generator,
    series,
)

# --- availability algebra -------------------------------------------------------------------


def test_published_k_of_n_examples():
    # Reliability Analytics blog (2011-09-02): 3 of 4 displays, R = 0.9 -> 0.9477
    assert k_of_n(3, 4, 0.9) == pytest.approx(0.9477, abs=5e-5)
    # Math StackExchange (2011): 3-out-of-5, p = 0.9 -> 0.99144
    assert k_of_n(3, 5, 0.9) == pytest.approx(0.99144, abs=5e-6)


def test_published_series_parallel_examples():
    # ASQ CQE question: component 1 in series with 2 || 3, all 0.95 -> 0.947625
    assert series(0.95, parallel(0.95, 0.95)) == pytest.approx(0.947625, abs=1e-9)
    # (0.9 || 0.9) -- 0.95 -- ((0.95 - 0.95) || (0.95 - 0.95)) -> 0.93156
    value = series(parallel(0.9, 0.9), 0.95, parallel(series(0.95, 0.95), series(0.95, 0.95)))
    assert value == pytest.approx(0.93156, abs=5e-6)


def test_availability_and_downtime():
    assert availability(99.0, 1.0) == pytest.approx(0.99)
    assert availability(10.0, 0.0) == 1.0
    # 99.9 % is 8.766 h a year, 99.99 % about 52.6 minutes (365.25-day year)
    assert downtime_per_year(0.999) / 60 == pytest.approx(8.766, abs=1e-3)
    assert downtime_per_year(0.9999) == pytest.approx(52.596, abs=1e-3)
    assert nines(0.999) == pytest.approx(3.0) and nines(1.0) == math.inf


@given(st.integers(1, 12), st.data())
@settings(max_examples=100, deadline=None)
def test_k_of_n_vs_binomial_and_enumeration(n, data):
    k = data.draw(st.integers(0, n))
    p = data.draw(st.floats(0, 1))
    # scipy.stats.binom as the oracle for identical units
    assert k_of_n(k, n, p) == pytest.approx(scipy.stats.binom.sf(k - 1, n, p), abs=1e-12)
    ps = data.draw(st.lists(st.floats(0, 1), min_size=n, max_size=n))
    brute = 0.0
    for state in itertools.product((0, 1), repeat=n):
        if sum(state) >= k:
            brute += math.prod(q if s else 1 - q for q, s in zip(ps, state, strict=True))
    assert k_of_n(k, n, ps) == pytest.approx(brute, abs=1e-12)
    assert k_of_n(k, n, [p] * n) == pytest.approx(k_of_n(k, n, p), abs=1e-12)


def test_k_of_n_special_cases():
    a = [0.9, 0.8, 0.7, 0.95]
    assert k_of_n(4, 4, a) == pytest.approx(series(*a))
    assert k_of_n(1, 4, a) == pytest.approx(parallel(*a))
    assert k_of_n(0, 4, a) == 1.0


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: k_of_n(5, 4, 0.9), "k"),
        (lambda: k_of_n(1, 0, 0.9), "n"),
        (lambda: k_of_n(2, 3, 1.5), "a"),
        (lambda: k_of_n(2, 3, [0.9, 0.9]), "a"),
        (lambda: series(0.9, -0.1), r"a\[1\]"),
        (lambda: parallel(), "parallel"),
        (lambda: availability(0, 1), "mtbf"),
        (lambda: availability(1, -1), "mttr"),
        (lambda: mttf_k_of_n(3, 2, 1.0), "k"),
        (lambda: mttf_k_of_n(1, 2, 0.0), "failure_rate"),
        (lambda: downtime_per_year(2.0), "a"),
    ],
)
def test_algebra_bad_input(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_mttf_k_of_n_textbook_and_integral():
    lam = 0.002
    assert mttf_k_of_n(2, 3, lam) == pytest.approx(5 / (6 * lam))  # TMR (Trivedi 2002)
    assert mttf_k_of_n(1, 2, lam) == pytest.approx(3 / (2 * lam))  # parallel pair
    assert mttf_k_of_n(1, 1, lam) == pytest.approx(1 / lam)
    for k, n in ((1, 3), (2, 4), (3, 5)):
        # MTTF = ∫ R(t) dt with R(t) = P(at least k of n units alive at t)
        integral = scipy.integrate.quad(
            lambda t, k=k, n=n: k_of_n(k, n, math.exp(-lam * t)), 0, np.inf
        )
        assert mttf_k_of_n(k, n, lam) == pytest.approx(integral[0], rel=1e-7)


# --- fault trees ------------------------------------------------------------------------------


def two_train():
    # SCRAM input/TwoTrain/two_train.xml: valves 0.5, pumps 0.7
    v1, v2 = Event("ValveOne", 0.5), Event("ValveTwo", 0.5)
    p1, p2 = Event("PumpOne", 0.7), Event("PumpTwo", 0.7)
    return FaultTree(And(Or(v1, p1, name="TrainOne"), Or(v2, p2, name="TrainTwo")))


def test_scram_two_train():
    ft = two_train()
    assert ft.probability() == pytest.approx(0.7225, abs=1e-12)  # EXPECT_DOUBLE_EQ(0.7225)
    assert ft.minimal_cut_sets() == {
        frozenset({"ValveOne", "ValveTwo"}),
        frozenset({"ValveOne", "PumpTwo"}),
        frozenset({"ValveTwo", "PumpOne"}),
        frozenset({"PumpOne", "PumpTwo"}),
    }


def test_scram_atleast():
    # SCRAM tests/input/core/atleast.xml: atleast 2 of A=0.1, B=0.2, C=0.3 -> 0.098
    ft = FaultTree(AtLeast(2, Event("A", 0.1), Event("B", 0.2), Event("C", 0.3)))
    assert ft.probability() == pytest.approx(0.098, abs=1e-12)
    assert ft.minimal_cut_sets() == {frozenset("AB"), frozenset("AC"), frozenset("BC")}


CHINESE = {  # SCRAM input/Chinese/chinese.xml (the "Chinese" tree from XFTA)
    "r1": ("and", "g1 g2"),
    "g1": ("or", "e1 e2 e3 g3"),
    "g2": ("and", "g4 g5"),
    "g3": ("and", "g6 g7"),
    "g4": ("or", "e4 e5 e6 e7 g8"),
    "g5": ("or", "e8 g9"),
    "g6": ("or", "e9 e10 e11 g10"),
    "g7": ("or", "e12 e13"),
    "g8": ("and", "g11 g12"),
    "g9": ("and", "g13 g14"),
    "g10": ("and", "g15 g16"),
    "g11": ("or", "e14 e15 e16 g17"),
    "g12": ("and", "g18 g19"),
    "g13": ("or", "e1 e2 e3 g20"),
    "g14": ("or", "e4 e5 e6 e7 g21"),
    "g15": ("or", "e17 e18"),
    "g16": ("or", "e19 e20 e21"),
    "g17": ("and", "g22 g23"),
    "g18": ("or", "e22 e23"),
    "g19": ("or", "e24 e25"),
    "g20": ("and", "g24 g25"),
    "g21": ("and", "g26 g27"),
    "g22": ("or", "e17 e18 e21"),
    "g23": ("or", "e19 e20"),
    "g24": ("or", "e14 e15 e16 g28"),
    "g25": ("and", "g29 g30"),
    "g26": ("or", "e9 e10 e11 g31"),
    "g27": ("or", "e12 e13"),
    "g28": ("and", "g32 g33"),
    "g29": ("or", "e22 e23"),
    "g30": ("or", "e24 e25"),
    "g31": ("and", "g34 g35"),
    "g32": ("or", "e17 e18 e21"),
    "g33": ("or", "e19 e20"),
    "g34": ("or", "e19 e20 e21"),
    "g35": ("or", "e17 e18"),
}


def build(spec, probs, top):
    events = {name: Event(name, p) for name, p in probs.items()}
    gates = {g: (And if kind == "and" else Or)(name=g) for g, (kind, _) in spec.items()}
    for g, (_, kids) in spec.items():
        gates[g].add(*(events[c] if c in events else gates[c] for c in kids.split()))
    return FaultTree(gates[top])


def test_scram_chinese_tree():
    # chinese-basic-events.xml: all 25 events at 0.02. SCRAM expects 392 minimal cut sets
    # with order distribution {1: 0, 2: 12, 3: 0, 4: 24, 5: 188, 6: 168}, the exact (BDD)
    # probability 0.0045691 (EXPECT_NEAR 1e-5) and the rare-event value 0.004804.
    ft = build(CHINESE, {f"e{i}": 0.02 for i in range(1, 26)}, "r1")
    mcs = ft.minimal_cut_sets()
    assert len(mcs) == 392
    dist = collections.Counter(len(c) for c in mcs)
    assert [dist.get(i, 0) for i in range(1, 7)] == [0, 12, 0, 24, 188, 168]
    assert ft.probability() == pytest.approx(0.0045691, abs=1e-5)
    assert ft.rare_event_approximation() == pytest.approx(0.004804, abs=1e-6)
    assert ft.probability() <= ft.min_cut_upper_bound() <= ft.rare_event_approximation()


def enumerate_probability(ft):
    names = sorted(ft.events)
    total = 0.0
    for state in itertools.product((False, True), repeat=len(names)):
        failed = {n for n, s in zip(names, state, strict=True) if s}
        if ft.occurs(failed):
            total += math.prod(ft.events[n] if n in failed else 1 - ft.events[n] for n in names)
    return total


def brute_minimal_cut_sets(ft):
    names = sorted(ft.events)
    cuts = [
        frozenset(c)
        for r in range(len(names) + 1)
        for c in itertools.combinations(names, r)
        if ft.occurs(set(c))
    ]
    return {c for c in cuts if not any(o < c for o in cuts)}


@st.composite
def random_trees(draw):
    n_events = draw(st.integers(1, 9))
    events = [Event(f"x{i}", draw(st.floats(0, 1))) for i in range(n_events)]
    nodes: list = list(events)
    for _ in range(draw(st.integers(1, 7))):
        kids = draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=4))
        kind = draw(st.sampled_from(["and", "or", "atleast"]))
        if kind == "and":
            nodes.append(And(*kids))
        elif kind == "or":
            nodes.append(Or(*kids))
        else:
            nodes.append(AtLeast(draw(st.integers(1, len(kids))), *kids))
    return FaultTree(nodes[-1])


@given(random_trees())
@settings(max_examples=150, deadline=None)
def test_fault_tree_against_enumeration(ft):
    exact = enumerate_probability(ft)
    assert ft.probability() == pytest.approx(exact, abs=1e-12)
    assert ft.minimal_cut_sets() == brute_minimal_cut_sets(ft)
    # coherent trees: exact <= min-cut upper bound <= rare-event sum (Esary–Proschan)
    assert exact <= ft.min_cut_upper_bound() + 1e-12
    assert ft.min_cut_upper_bound() <= ft.rare_event_approximation() + 1e-12


def test_shared_events_and_absorption():
    a, b, c = Event("a", 0.3), Event("b", 0.4), Event("c", 0.5)
    ft = FaultTree(Or(And(a, b), And(a, c), a))
    assert ft.minimal_cut_sets() == {frozenset("a")}
    assert ft.probability() == pytest.approx(0.3)
    shared = Or(b, c)
    ft2 = FaultTree(And(Or(a, shared), Or(shared, Event("d", 0.1))))
    assert ft2.probability() == pytest.approx(enumerate_probability(ft2))
    assert FaultTree(a).probability() == 0.3 and FaultTree(a).minimal_cut_sets() == {frozenset("a")}


def test_deep_chain_has_no_recursion_limit():
    events = [Event(f"e{i}", 0.01) for i in range(1500)]
    gate = events[0]
    for e in events[1:]:
        gate = Or(e, gate)  # 1500 nested gates, a BDD 1500 levels deep
    assert FaultTree(gate).probability() == pytest.approx(1 - 0.99**1500, rel=1e-9)


def test_fault_tree_bad_input():
    g = Or(Event("a", 0.1))
    g.add(And(g, Event("b", 0.2)))
    with pytest.raises(ValueError, match="cycle"):
        FaultTree(g)
    with pytest.raises(ValueError, match="two probabilities"):
        FaultTree(Or(Event("a", 0.1), Event("a", 0.2)))
    with pytest.raises(ValueError, match="probability"):
        Event("a", 1.2)
    with pytest.raises(ValueError, match="k"):
        FaultTree(AtLeast(3, Event("a", 0.1), Event("b", 0.1)))
    with pytest.raises(ValueError, match="k"):
        AtLeast(0, Event("a", 0.1))
    with pytest.raises(ValueError, match="no children"):
        FaultTree(And())
    with pytest.raises(TypeError, match="children"):
        Or("a")  # type: ignore[arg-type]


# --- Markov chains ----------------------------------------------------------------------------


def two_state(lam, mu):
    return np.array([[-lam, lam], [mu, -mu]])


@given(st.floats(1e-4, 10), st.floats(1e-3, 100), st.floats(0, 50))
@settings(max_examples=100, deadline=None)
def test_two_state_closed_forms(lam, mu, t):
    q = two_state(lam, mu)
    assert ctmc_steady_state(q)[0] == pytest.approx(mu / (lam + mu), rel=1e-9)
    # p_up(t) = μ/(λ+μ) + λ/(λ+μ) e^{-(λ+μ)t}, starting up
    closed = mu / (lam + mu) + lam / (lam + mu) * math.exp(-(lam + mu) * t)
    assert ctmc_transient(q, [1, 0], t)[0] == pytest.approx(closed, abs=1e-10)


@st.composite
def generators(draw):
    n = draw(st.integers(1, 6))
    rates = draw(st.lists(st.floats(0, 20), min_size=n * n, max_size=n * n))
    q = np.array(rates).reshape(n, n)
    np.fill_diagonal(q, 0)
    np.fill_diagonal(q, -q.sum(axis=1))
    return q


@given(generators(), st.floats(0, 30))
@settings(max_examples=100, deadline=None)
def test_transient_against_scipy_expm(q, t):
    n = q.shape[0]
    p0 = np.full(n, 1 / n)
    expected = p0 @ scipy.linalg.expm(q * t)
    assert ctmc_transient(q, p0, t) == pytest.approx(expected, abs=1e-9)


def test_transient_vectorised_times_and_stiff_chain():
    q = repairable_system_generator(3, 1e-4, 2.0, crews=1)
    ts = np.array([0.0, 1.0, 1e3, 1e6])
    got = ctmc_transient(q, [1, 0, 0, 0], ts)
    assert got.shape == (4, 4)
    for row, t in zip(got, ts, strict=True):
        assert row == pytest.approx(np.array([1, 0, 0, 0]) @ scipy.linalg.expm(q * t), abs=1e-12)
    assert got[-1] == pytest.approx(ctmc_steady_state(q), abs=1e-9)


def test_repair_crews():
    lam, mu = 0.01, 0.5
    # two units, one crew: P(both down) = 2λ² / (μ² + 2λμ + 2λ²)
    pi = ctmc_steady_state(repairable_system_generator(2, lam, mu, crews=1))
    assert pi[2] == pytest.approx(2 * lam**2 / (mu**2 + 2 * lam * mu + 2 * lam**2), rel=1e-9)
    # as many crews as units: units are independent, binomial k-of-n
    a = mu / (lam + mu)
    for k in range(1, 5):
        assert k_of_n_repairable_availability(k, 4, lam, mu, crews=4) == pytest.approx(
            k_of_n(k, 4, a), abs=1e-12
        )
        assert k_of_n_repairable_availability(k, 4, lam, mu, crews=1) <= k_of_n(k, 4, a) + 1e-15


def test_interval_availability_closed_form():
    lam, mu, t = 0.2, 1.5, 7.0
    s = lam + mu
    closed = mu / s + lam / (s * s * t) * (1 - math.exp(-s * t))
    got = interval_availability(two_state(lam, mu), [1, 0], [0], t)
    assert got == pytest.approx(closed, abs=1e-10)


@pytest.mark.parametrize(
    ("q", "match"),
    [
        ([[-1, 2], [1, -1]], "rows must sum to zero"),
        ([[1, -1], [1, -1]], "off-diagonal"),
        ([[0, 0, 0]], "square"),
        ([[-1, 1, 0], [1, -1, 0], [0, 0, 0]], "reducible"),
    ],
)
def test_ctmc_bad_generator(q, match):
    with pytest.raises(ValueError, match=match):
        ctmc_steady_state(q)


def test_ctmc_bad_input():
    q = two_state(1, 1)
    with pytest.raises(ValueError, match="p0"):
        ctmc_transient(q, [0.5, 0.6], 1)
    with pytest.raises(ValueError, match="t must"):
        ctmc_transient(q, [1, 0], -1)
    with pytest.raises(ValueError, match="repair_rate"):
        repairable_system_generator(2, 1.0, 0.0)
    with pytest.raises(ValueError, match="crews"):
        repairable_system_generator(2, 1.0, 1.0, crews=0)
    with pytest.raises(ValueError, match="up"):
        interval_availability(q, [1, 0], [5], 1.0)


# --- SLA composition ----------------------------------------------------------------------------


def test_pipeline_availability():
    stages = [
        Stage("sdk", 0.9999),
        Stage("agent", 0.999),
        Stage("gateway", 0.995, replicas=3, required=2),
        Stage("backend", 0.9995),
    ]
    expected = 0.9999 * 0.999 * (3 * 0.995**2 * 0.005 + 0.995**3) * 0.9995
    assert pipeline_availability(stages) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match="required"):
        Stage("gw", 0.99, replicas=2, required=3)
    with pytest.raises(ValueError, match="availability"):
        Stage("gw", 1.2)


@given(st.floats(10, 1e6), st.floats(1, 1e4), st.floats(0, 1e4))
@settings(max_examples=50, deadline=None)
def test_data_loss_fraction_against_quadrature(mtbf, mttr, buffer):
    # E[(D - B)^+] for D ~ Exp(mean mttr), by numerical integration of its survival function
    excess = scipy.integrate.quad(
        lambda x: math.exp(-x / mttr), buffer, buffer + 80 * mttr, epsabs=0, epsrel=1e-12
    )[0]
    assert data_loss_fraction(mtbf, mttr, buffer) == pytest.approx(
        excess / (mtbf + mttr), rel=1e-7, abs=1e-300
    )


# ---------------------------------------------------------------- issue 9.20


def test_k_of_n_large_n_does_not_overflow():
    # C(2000, i) 0.5^2000 overflowed a float in the sum of terms
    assert k_of_n(1, 2000, 0.5) == 1.0
    for k, n, p in [(1000, 2000, 0.5), (1900, 2000, 0.97), (50, 100_000, 0.0004)]:
        expected = scipy.stats.binom.sf(k - 1, n, p)
        assert k_of_n(k, n, p) == pytest.approx(expected, rel=1e-9, abs=1e-15)
    assert k_of_n(3, 10, 0.0) == 0.0 and k_of_n(0, 10, 0.0) == 1.0
    assert k_of_n(10, 10, 1.0) == 1.0


def _chain(n):
    """A chain of n - 1 alternating AND/OR gates, each over the previous gate and an event,
    and its top-event probability by the rules for independent inputs."""
    top, prob = Event("e0", 0.1), 0.1
    for i in range(1, n):
        p = 0.1 + (i % 7) / 10
        if i % 2:
            top, prob = And(top, Event(f"e{i}", p)), prob * p
        else:
            top, prob = Or(top, Event(f"e{i}", p)), 1 - (1 - prob) * (1 - p)
    return FaultTree(top), prob


def test_deep_fault_tree_without_recursion_error():
    ft, prob = _chain(5000)
    assert ft.probability() == pytest.approx(prob, rel=1e-12)
    # the top gate is an AND over the gate below and e4999; that gate is an OR
    assert ft.occurs({"e4998", "e4999"})
    assert not ft.occurs({"e4998"}) and not ft.occurs({"e4999"})
    assert ft.occurs({f"e{i}" for i in range(5000)})


def test_chain_probability_is_linear():
    # the BDD variable order put the event of the top gate last, so every gate rebuilt
    # the BDD below it: n^2 / 2 nodes for a chain of n gates. Count the nodes made.
    for n in (300, 1200):
        ft, prob = _chain(n)
        assert ft.probability() == pytest.approx(prob, rel=1e-12)
        assert ft.bdd_size == n
        assert len(ft._bdd.var) <= 2 * n + 2


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: availability(100.0, "0.5"), "mttr"),
        (lambda: mttf_k_of_n("2", 3, 1.0), "k"),
        (lambda: mttf_k_of_n(2, 3.0, 1.0), "n"),
        (lambda: k_of_n(2, 3, "0.9"), "a"),
    ],
)
def test_wrong_types_name_the_argument(call, name):
    with pytest.raises(TypeError, match=name):
        call()
