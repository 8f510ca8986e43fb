"""Tests of otlpkb.performance.throughput (chapter 1.3, Throughput theory).

External checks:
* the R package ``usl`` (Stefan Möding, github.com/smoeding/usl), whose saved test
  outputs publish the fit of the SPEC SDM91 data from Gunther, *Guerrilla Capacity
  Planning* (Springer 2007): tests/summary.Rout.save (nonlinear fit with standard
  errors), README.md (Gunther's linearisation), tests/confint.Rout.save (ray tracer);
* scipy.optimize.curve_fit on the same data, side by side;
* the OTLP specification's example (100 spans/request, 200 ms + 300 ms, 1 in flight
  -> 200 spans/s);
* a brute-force Monte Carlo of the batch processor written here with numpy;
* mpmath's regularized incomplete gamma function for the Poisson tails of the batch
  processor's timer share.
"""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import curve_fit

from otlpkb.performance.throughput import (
    BatchStats,
    amdahl,
    batch_closed_form,
    fit_usl,
    max_items_per_request,
    otlp_throughput_bound,
    usl,
    usl_peak,
    wire_bandwidth,
)

# SPEC SDM91, Sun SPARCcenter 2000 (Gunther 2007; data as in the R package usl,
# reconstructed there as fitted + residuals in tests/t03.Rout.save).
SDM_N = [1, 18, 36, 72, 108, 144, 216]
SDM_X = [64.9, 995.9, 1652.4, 1853.2, 1828.9, 1775.0, 1702.2]
# Ray tracer on an SGI Origin 2000 (Gunther 2007; R package usl dataset raytracer).
RAY_N = [1, 4, 8, 12, 16, 20, 24, 28, 32, 48, 64]
RAY_X = [20, 78, 130, 170, 190, 200, 210, 230, 260, 280, 310]


def _usl_f(n, s, k, lam):
    return lam * n / (1 + s * (n - 1) + k * n * (n - 1))


# ------------------------------------------------------------------ the laws


def test_usl_linear_when_no_contention():
    assert usl([1, 2, 3], 0.0, 0.0, 5.0).tolist() == [5.0, 10.0, 15.0]


def test_usl_scalar_returns_float():
    assert isinstance(usl(4, 0.1, 0.01), float)


def test_amdahl_is_usl_without_coherency():
    n = np.arange(1, 100)
    np.testing.assert_allclose(amdahl(n, 0.9, 3.0), usl(n, 0.1, 0.0, 3.0))
    assert amdahl(10**9, 0.9) < 10.0  # ceiling 1/(1-p)


@given(
    s=st.floats(0.0, 0.5),
    k=st.floats(1e-6, 1e-2),
)
@settings(deadline=None)
def test_peak_is_the_maximum(s, k):
    peak = usl_peak(s, k)
    x_peak = usl(max(peak, 1.0), s, k)
    grid = np.unique(np.concatenate([np.linspace(1, 5 * peak + 2, 400), [1.0]]))
    assert np.all(usl(grid, s, k) <= x_peak * (1 + 1e-12))


@given(
    s=st.floats(0.0, 0.3),
    k=st.floats(0.0, 1e-3),
    lam=st.floats(0.5, 1e4),
)
@settings(max_examples=50, deadline=None)
def test_fit_recovers_exact_parameters(s, k, lam):
    n = np.array([1, 2, 4, 8, 16, 32, 64])
    fit = fit_usl(n, usl(n, s, k, lam))
    np.testing.assert_allclose(fit.predict(n), usl(n, s, k, lam), rtol=1e-6)


# ---------------------------------------------------- external: the R usl package


def test_specsdm91_matches_r_usl_nonlinear_fit():
    """R usl 2.0 summary (tests/summary.Rout.save): alpha 2.773e-02 (SE 9.122e-03),
    beta 1.044e-04 (SE 1.988e-05), gamma 9.000e+01 (SE 1.421e+01), residual standard
    error 82.85 on 4 degrees of freedom."""
    f = fit_usl(SDM_N, SDM_X)
    assert f.sigma == pytest.approx(2.773e-2, rel=5e-4)
    assert f.sigma_se == pytest.approx(9.122e-3, rel=5e-4)
    assert f.kappa == pytest.approx(1.044e-4, rel=5e-4)
    assert f.kappa_se == pytest.approx(1.988e-5, rel=5e-4)
    assert f.lam == pytest.approx(90.00, rel=5e-4)
    assert f.lam_se == pytest.approx(14.21, rel=5e-4)
    assert f.residual_se == pytest.approx(82.85, rel=5e-4)
    assert f.dof == 4


def test_peak_matches_r_usl_peak_scalability():
    """smoeding/usl tests/peak-scalability.Rout.save (commit 0c22191b): on specsdm91,
    signif(peak.scalability(u), 2) prints 97, and with coefficients 0.001 and 0.00001
    it prints 320."""
    assert float(f"{fit_usl(SDM_N, SDM_X).peak:.2g}") == 97
    assert float(f"{usl_peak(0.001, 0.00001):.2g}") == 320


def test_specsdm91_matches_r_usl_linearisation():
    """R usl 1.x README: sigma 1.704689e-02, kappa 7.892498e-05 (X(1) = 64.9 fixed)."""
    f = fit_usl(SDM_N, SDM_X, method="linear")
    assert f.sigma == pytest.approx(1.704689e-02, rel=1e-6)
    assert f.kappa == pytest.approx(7.892498e-05, rel=1e-6)
    assert f.lam == 64.9
    # and the fitted values R printed in tests/t03.Rout.save
    np.testing.assert_allclose(
        f.predict(SDM_N), [64.9, 889.1, 1377.5, 1787.7, 1876.1, 1845.9, 1682.8], atol=0.06
    )


def test_raytracer_matches_r_usl_bounded_fit():
    """R usl 2.0 (tests/confint.Rout.save): alpha 0.0578, beta 0.0000, gamma 21.8488."""
    f = fit_usl(RAY_N, RAY_X)
    assert f.kappa == 0.0 and math.isnan(f.kappa_se)
    assert f.sigma == pytest.approx(0.0578, abs=5e-5)
    assert f.lam == pytest.approx(21.8488, abs=5e-4)


def test_side_by_side_with_scipy_curve_fit():
    n, x = np.array(SDM_N, float), np.array(SDM_X)
    popt, pcov = curve_fit(_usl_f, n, x, p0=[0.01, 1e-4, 60.0], maxfev=20000)
    f = fit_usl(n, x)
    np.testing.assert_allclose([f.sigma, f.kappa, f.lam], popt, rtol=1e-5)
    np.testing.assert_allclose(
        [f.sigma_se, f.kappa_se, f.lam_se], np.sqrt(np.diag(pcov)), rtol=1e-4
    )
    # bounded ray tracer: curve_fit with kappa fixed at its bound 0
    n, x = np.array(RAY_N, float), np.array(RAY_X, float)
    popt, pcov = curve_fit(lambda n, s, lam: _usl_f(n, s, 0.0, lam), n, x, p0=[0.05, 20.0])
    f = fit_usl(n, x)
    np.testing.assert_allclose([f.sigma, f.lam], popt, rtol=1e-5)
    np.testing.assert_allclose([f.sigma_se, f.lam_se], np.sqrt(np.diag(pcov)), rtol=1e-4)


def test_unconstrained_fit_may_go_negative():
    f = fit_usl(RAY_N, RAY_X, nonnegative=False)
    assert f.kappa < 0  # why the bound exists
    assert f.rss <= fit_usl(RAY_N, RAY_X).rss


def test_fit_with_fixed_lambda():
    n = np.array([1, 2, 4, 8, 16, 32])
    f = fit_usl(n, usl(n, 0.03, 0.0005, 10.0), lam=10.0)
    assert f.lam == 10.0 and math.isnan(f.lam_se)
    assert f.sigma == pytest.approx(0.03) and f.kappa == pytest.approx(0.0005)


# ----------------------------------------------------- external: the OTLP spec


def test_otlp_spec_example_200_spans_per_second():
    # OTLP specification, "OTLP/gRPC Concurrent Requests": 100 spans per request,
    # 200 ms network latency, 300 ms server time, one request in flight -> 200 spans/s.
    assert otlp_throughput_bound(1, 100, 0.2, 0.3) == pytest.approx(200.0)


def test_otlp_bound_scales_with_concurrency():
    assert otlp_throughput_bound(10, 100, 0.2, 0.3) == pytest.approx(2000.0)


# ------------------------------------------------------------ batch processor


def _batch_monte_carlo(lam, k, timeout, horizon, seed):
    """Free-running timer batcher, brute force: returns sizes and per-item waits."""
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1 / lam, int(lam * horizon * 1.1) + 10))
    arrivals = arrivals[arrivals < horizon]
    sizes, waits = [], []
    start, i = 0.0, 0
    while True:
        deadline = start + timeout
        # items arriving in (start, deadline]
        j = np.searchsorted(arrivals, deadline, side="right")
        if j >= len(arrivals):
            break
        if j - i >= k:  # size trigger at the k-th arrival
            t_send = arrivals[i + k - 1]
            batch = arrivals[i : i + k]
            i += k
        else:
            t_send = deadline
            batch = arrivals[i:j]
            i = j
        if len(batch):
            sizes.append(len(batch))
            waits.extend(t_send - batch)
        start = t_send
    return np.array(sizes), np.array(waits)


@pytest.mark.parametrize(
    ("lam", "k", "timeout"),
    [(200.0, 50, 0.2), (100.0, 30, 0.5), (50.0, 5, 0.2), (1000.0, 8192, 0.2)],
)
def test_batch_closed_form_vs_monte_carlo(lam, k, timeout):
    cf = batch_closed_form(lam, k, timeout)
    sizes, waits = _batch_monte_carlo(lam, k, timeout, horizon=400.0, seed=11)
    assert sizes.mean() == pytest.approx(cf.mean_batch_size, rel=0.02)
    assert len(sizes) / 400.0 == pytest.approx(cf.batches_per_second, rel=0.02)
    assert waits.mean() == pytest.approx(cf.mean_added_latency, rel=0.02)


def test_batch_limits():
    # timer only: every item waits T/2 on average, batches of lambda*T
    s = batch_closed_form(100.0, 10**7, 0.2)
    assert s.mean_added_latency == pytest.approx(0.1, rel=1e-9)
    assert s.mean_batch_size * (1 - math.exp(-20)) == pytest.approx(20.0, rel=1e-9)
    assert s.timeout_fraction == 1.0
    # size only (timer never fires in practice): item i waits for k - i more arrivals
    s = batch_closed_form(1000.0, 10, 1000.0)
    assert s.mean_added_latency == pytest.approx((10 - 1) / (2 * 1000.0), rel=1e-9)
    assert s.mean_batch_size == pytest.approx(10.0)
    assert s.timeout_fraction == pytest.approx(0.0, abs=1e-12)


@given(
    lam=st.floats(0.1, 5000.0),
    k=st.integers(1, 3000),
    timeout=st.floats(0.001, 5.0),
)
@settings(max_examples=80, deadline=None)
def test_batch_invariants(lam, k, timeout):
    s = batch_closed_form(lam, k, timeout)
    assert isinstance(s, BatchStats)
    assert 1.0 - 1e-9 <= s.mean_batch_size <= k + 1e-9
    assert 0.0 <= s.mean_added_latency <= timeout + 1e-12
    assert 0.0 <= s.timeout_fraction <= 1.0 + 1e-12
    # throughput is conserved: batches/s x mean batch = arrival rate
    assert s.batches_per_second * s.mean_batch_size == pytest.approx(lam, rel=1e-6)


# ------------------------------------------------------------ bandwidth


def test_bandwidth_and_message_limit():
    assert wire_bandwidth(10_000, 500, 5.0) == pytest.approx(1e6)
    assert wire_bandwidth(0, 500) == 0.0
    assert max_items_per_request(512) == 8192
    assert max_items_per_request(1000, limit_bytes=999) == 0


# ------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: usl(0, 0.1, 0.1), "n"),
        (lambda: usl(2, -0.1, 0.1), "sigma"),
        (lambda: usl(2, 0.1, float("nan")), "kappa"),
        (lambda: usl(2, 0.1, 0.1, lam=0), "lam"),
        (lambda: amdahl(2, 1.5), "parallel_fraction"),
        (lambda: usl_peak(1.0, 0.1), "sigma"),
        (lambda: fit_usl([1, 2, 3], [1, 2]), "same length"),
        (lambda: fit_usl([1, 2, 3], [1, 2, -3]), "throughput"),
        (lambda: fit_usl([1, 1, 2, 2], [1, 1, 2, 2]), "distinct"),
        (lambda: fit_usl(SDM_N, SDM_X, method="magic"), "method"),
        (lambda: otlp_throughput_bound(0, 100, 0.2, 0.3), "max_concurrent_requests"),
        (lambda: otlp_throughput_bound(1, -1, 0.2, 0.3), "max_request_size"),
        (lambda: otlp_throughput_bound(1, 1, 0.0, 0.0), "network_latency"),
        (lambda: batch_closed_form(-1.0, 10, 0.2), "rate"),
        (lambda: batch_closed_form(1.0, 0, 0.2), "send_batch_size"),
        (lambda: batch_closed_form(1.0, 10, 0.0), "timeout"),
        (lambda: wire_bandwidth(1.0, 10.0, 0.5), "compression_ratio"),
        (lambda: max_items_per_request(0), "bytes_per_item"),
    ],
)
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_type_errors():
    with pytest.raises(TypeError, match="sigma"):
        usl(2, "0.1", 0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="send_batch_size"):
        batch_closed_form(1.0, 2.5, 0.2)  # type: ignore[arg-type]


def test_amdahl_fit_side_by_side_with_scipy():
    n, x = np.array(SDM_N, float), np.array(SDM_X)
    popt, pcov = curve_fit(lambda n, s, lam: _usl_f(n, s, 0.0, lam), n, x, p0=[0.01, 60.0])
    f = fit_usl(n, x, model="amdahl")
    assert f.kappa == 0.0
    np.testing.assert_allclose([f.sigma, f.lam], popt, rtol=1e-5)
    np.testing.assert_allclose([f.sigma_se, f.lam_se], np.sqrt(np.diag(pcov)), rtol=1e-4)
    assert f.rss > fit_usl(n, x).rss  # the retrograde data need coherency
    with pytest.raises(ValueError, match="model"):
        fit_usl(n, x, model="gustafson")


@pytest.mark.parametrize("k", [25, 50, 100, 200, 300, 400, 600, 8192])
def test_timer_share_is_computed_directly(k):
    """Issue 17, item 14: at 2,000 spans/s and 200 ms the page printed a timer share of
    1.79e-12 for k = 25..200, the rounding residue of (p_send - p_size) / p_send. The
    share is P(1 <= N(T) < k) / P(N(T) >= 1), here from mpmath's regularized upper
    incomplete gamma function: P(N <= k - 1) = Q(k, lambda T)."""
    mu = 2000.0 * 0.2
    with mpmath.workdps(60):
        below_k = mpmath.gammainc(k, mpmath.mpf(mu), mpmath.inf, regularized=True)
        want = (below_k - mpmath.exp(-mu)) / (1 - mpmath.exp(-mu))
    got = batch_closed_form(2000.0, k, 0.2).timeout_fraction
    assert got == pytest.approx(float(want), rel=1e-9, abs=0.0)
    if k <= 200:
        assert got < 1e-28


def test_batch_closed_form_stays_finite_for_a_trickle() -> None:
    # Found by the 1.4 capacity planner: rate x timeout near machine epsilon used to
    # cancel 1 - cdf to zero and divide by it. A trickle sends batches of exactly one item,
    # each waiting for the free-running timer: uniform over the period, so T/2 on average.
    stats = batch_closed_form(2.2e-16, 8192, 0.2)
    assert stats.mean_batch_size == pytest.approx(1.0, rel=1e-9)
    assert stats.mean_added_latency == pytest.approx(0.1, rel=1e-9)
    assert stats.timeout_fraction == pytest.approx(1.0)
