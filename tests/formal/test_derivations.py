"""Tests of the symbolic derivations (otlpkb.formal.derivations).

External check: sympy (rsolve, summation, limit, diff and its sign assumptions) derives
each closed form from the premises; the tests compare the results with the numeric code
of chapters 1.1, 2.1 and 2.2 (`mm1`, `mmc`/`erlang_c`, `ExponentialBackoff`, `phi`) and
with textbook values: Kleinrock, *Queueing Systems* vol. 1 (1975), section 3.2
(M/M/1: $L = \\rho/(1-\\rho)$, $W = 1/(\\mu-\\lambda)$), and the Collector's nominal retry
schedule 5, 7.5, 11.25, 16.875, 25.3125, then 30 s (configretry defaults, v0.159.0).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb.fault_tolerance.detectors import phi
from otlpkb.fault_tolerance.retry import ExponentialBackoff
from otlpkb.formal.derivations import (
    LAM,
    MU,
    capped_backoff,
    erlang_c_limits,
    littles_law_mm1,
    max_relative_error,
    mm1_balance,
    phi_monotone,
)
from otlpkb.performance.queueing import erlang_c, mm1

POINTS = [(0.5, 1.0), (2.0, 3.0), (9.0, 10.0), (0.01, 7.0), (99.0, 100.0)]


@pytest.fixture(scope="module")
def m():
    return mm1_balance()


@pytest.mark.parametrize(
    "step,field",
    [
        ("L", "mean_in_system"),
        ("W", "mean_response"),
        ("Wq", "mean_wait"),
        ("Lq", "mean_queue_length"),
        ("p_wait", "p_wait"),
    ],
)
def test_mm1_from_balance_equals_the_numeric_queue(m, step, field):
    assert m.proved
    err = max_relative_error(
        m.steps[step], lambda lam, mu: getattr(mm1(lam, mu), field), [LAM, MU], POINTS
    )
    assert err < 1e-12


def test_mm1_matches_kleinrock(m):
    rho = sp.Symbol("rho", positive=True)
    assert sp.simplify(m.steps["L"].subs(LAM, rho * MU) - rho / (1 - rho)) == 0
    assert sp.simplify(m.steps["W"] - 1 / (MU - LAM)) == 0
    assert (
        sp.simplify(
            m.steps["p_n"].subs(sp.Symbol("n", integer=True, nonnegative=True), 0) - (1 - LAM / MU)
        )
        == 0
    )


def test_littles_law_holds_on_the_derived_solution(m):
    d = littles_law_mm1()
    assert d.proved
    assert sp.simplify(d.result - m.steps["W"]) == 0


def test_erlang_c_limits_and_numeric_agreement():
    d = erlang_c_limits((1, 2, 3, 5, 10))
    assert d.proved and d.steps["c=1"] == sp.Symbol("a", positive=True)
    a = sp.Symbol("a", positive=True)
    points = [[x] for x in (0.5, 3.0, 7.5, 9.9)]
    assert max_relative_error(d.result, lambda x: erlang_c(10, x), [a], points) < 1e-10
    # the numeric code approaches the same limit
    assert erlang_c(10, 10 * (1 - 1e-9)) == pytest.approx(1.0, abs=1e-6)


def test_collector_backoff_sum_matches_the_retry_schedule():
    d = capped_backoff()  # 5 s x 1.5^k, capped at 30 s, within 300 s
    nominal = ExponentialBackoff(randomization_factor=0).nominal_schedule()
    assert nominal[:6] == [5.0, 7.5, 11.25, 16.875, 25.3125, 30.0]
    assert d.proved and d.steps["K"] == 5 and d.steps["retries"] == len(nominal) == 12
    assert float(d.result) == pytest.approx(sum(nominal), rel=1e-15)
    assert d.result == sp.Rational(4415, 16)


@settings(max_examples=40 * SCALE)
@given(st.floats(0.1, 10), st.floats(1.1, 3.0), st.floats(1.0, 20.0), st.floats(1.0, 1000.0))
def test_backoff_closed_form_equals_the_retry_sender(initial, multiplier, ratio, budget):
    cap = initial * ratio
    d = capped_backoff(initial, multiplier, cap, budget)
    b = ExponentialBackoff(initial, cap, multiplier, 0.0, budget)
    nominal = b.nominal_schedule()
    assert d.proved
    assert d.steps["retries"] == len(nominal)
    assert float(d.result) == pytest.approx(sum(nominal), rel=1e-9, abs=1e-9)


def test_phi_increases_in_elapsed_time_for_every_model():
    d = phi_monotone()
    assert d.proved
    t, mean, sd = sp.symbols("t mu sigma", positive=True)
    y = sp.Symbol("y", real=True)
    grid = np.linspace(0.0, 3.0, 61)
    for model in ("logistic", "normal", "exponential"):
        expr = d.result[model].subs(y, (t - mean) / sd)
        pts = [(x, 1.0, 0.25) for x in grid[1:]]
        err = max_relative_error(
            expr, lambda x, mu_, s, m=model: phi(x, mu_, s, model=m), [t, mean, sd], pts
        )
        assert err < 1e-9, model
        values = np.asarray(phi(grid, 1.0, 0.25, model=model))
        assert np.all(np.diff(values) > 0), model


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="multiplier > 1"):
        capped_backoff(multiplier=1.0)
    with pytest.raises(ValueError, match="servers must be >= 1"):
        erlang_c_limits((0,))
    with pytest.raises(ValueError, match="points must not be empty"):
        max_relative_error(sp.Symbol("x"), abs, [sp.Symbol("x")], [])
    assert math.isfinite(max_relative_error(LAM, lambda v: v, [LAM], [[2.0]]))
