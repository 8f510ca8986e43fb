"""Change points, Mann-Whitney and the bootstrap (chapter 6.4).

External checks: Apache Otava 0.8.0 (apache-otava, run in its own environment) on its own
test series and on generated ones; scipy.stats (ttest_ind, mannwhitneyu, bootstrap) for the
statistics; the E-divisive statistic against its definition in Matteson & James (2014).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb import datasets
from otlpkb.tuning.regression import (
    ChangePoint,
    bootstrap_ratio,
    change_points,
    compare_runs,
    e_divisive_statistic,
    mann_whitney,
    student_t_test,
)
from tuning.otava_cases import RECORD, jobs, run_otava
from tuning.otava_model import model

finite = st.floats(-1e3, 1e3, allow_nan=False).map(lambda v: round(v, 3))


@pytest.fixture(scope="module")
def otava():
    todo = jobs()
    return todo, run_otava(todo)


# ----------------------------------------------------------------- the statistics


@pytest.mark.filterwarnings("ignore:Precision loss occurred:RuntimeWarning")
@settings(max_examples=60 * SCALE)
@given(st.lists(finite, min_size=1, max_size=30), st.lists(finite, min_size=1, max_size=30))
def test_t_test_is_scipys_student_t_test(a, b) -> None:
    ours = student_t_test(a, b)
    if len(a) + len(b) <= 2 or (np.ptp(a) == 0 and np.ptp(b) == 0):
        return  # scipy answers nan where there is no variance; ours documents 0 or 1
    theirs = scipy.stats.ttest_ind(a, b).pvalue
    assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-300)


def test_t_test_without_variance() -> None:
    assert student_t_test([1.0, 1.0], [1.0, 1.0]) == 1.0
    assert student_t_test([1.0, 1.0], [2.0, 2.0]) == 0.0
    assert student_t_test([1.0], [2.0]) == 1.0  # no degrees of freedom


def qhat_by_definition(z, tau, kappa):
    x, y = z[:tau], z[tau:kappa]
    n, m = len(x), len(y)
    between = sum(abs(a - b) for a in x for b in y)
    wx = sum(abs(x[i] - x[k]) for i in range(n) for k in range(i + 1, n))
    wy = sum(abs(y[j] - y[k]) for j in range(m) for k in range(j + 1, m))
    # Matteson & James (2014), eq. (5)-(6) with alpha = 1: Q = mn/(m+n) * E
    e = 2 * between / (m * n)
    e -= wx / math.comb(n, 2) if n > 1 else 0.0
    e -= wy / math.comb(m, 2) if m > 1 else 0.0
    return m * n / (m + n) * e


@settings(max_examples=25 * SCALE)
@given(st.lists(finite, min_size=2, max_size=12))
def test_e_divisive_statistic_matches_its_definition(z) -> None:
    q = e_divisive_statistic(z)
    for tau in range(1, len(z)):
        for kappa in range(tau + 1, len(z) + 1):
            assert q[tau - 1, kappa - 2] == pytest.approx(
                qhat_by_definition(z, tau, kappa), rel=1e-9, abs=1e-9
            )
        assert np.all(np.isneginf(q[tau - 1, : tau - 1]))


@settings(max_examples=60 * SCALE)
@given(
    st.lists(st.integers(0, 30).map(float), min_size=1, max_size=25),
    st.lists(st.integers(0, 30).map(float), min_size=1, max_size=25),
    st.sampled_from(["two-sided", "greater", "less"]),
)
def test_mann_whitney_is_scipys(x, y, alternative) -> None:
    ours = mann_whitney(x, y, alternative=alternative)
    theirs = scipy.stats.mannwhitneyu(x, y, alternative=alternative)
    assert ours.u == theirs.statistic
    if math.isnan(theirs.pvalue):
        return
    assert ours.pvalue == pytest.approx(theirs.pvalue, rel=1e-9, abs=1e-12)


def test_mann_whitney_exact_small_samples() -> None:
    # no ties and a sample of at most 8: the exact null distribution (scipy's 'exact')
    x, y = [1.1, 2.3, 3.5, 9.0], [4.2, 5.1, 6.3, 7.7, 8.4, 10.2]
    for alt in ("two-sided", "greater", "less"):
        ours = mann_whitney(x, y, alternative=alt)
        assert ours.method == "exact"
        theirs = scipy.stats.mannwhitneyu(x, y, alternative=alt, method="exact")
        assert ours.pvalue == pytest.approx(theirs.pvalue, rel=1e-12)


def test_bootstrap_interval_agrees_with_scipys() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.lognormal(3.0, 0.3, 60), rng.lognormal(3.1, 0.3, 60)
    ours = bootstrap_ratio(a, b, resamples=6000, seed=1)

    def ratio(bb, aa, axis=-1):
        return np.median(bb, axis=axis) / np.median(aa, axis=axis)

    theirs = scipy.stats.bootstrap(
        (b, a), ratio, method="percentile", n_resamples=6000, rng=np.random.default_rng(2)
    ).confidence_interval
    assert ours.estimate == pytest.approx(np.median(b) / np.median(a))
    # two Monte Carlo estimates of the same quantiles: close, not equal
    assert ours.low == pytest.approx(theirs.low, rel=0.02)
    assert ours.high == pytest.approx(theirs.high, rel=0.02)


def test_compare_runs_verdicts() -> None:
    rng = np.random.default_rng(11)
    base = rng.normal(100, 5, 40)
    assert compare_runs(base, rng.normal(110, 5, 40), seed=1).slower
    same = compare_runs(base, rng.normal(100, 5, 40), seed=1)
    assert not same.slower and same.ci_low < 1.0 < same.ci_high
    assert not compare_runs(base, rng.normal(90, 5, 40), seed=1).slower


# -------------------------------------------------------------------- change points


def test_a_step_is_found_at_the_first_index_of_the_new_regime() -> None:
    cps = change_points([10.0] * 30 + [12.0] * 30)
    assert [c.index for c in cps] == [30]
    (cp,) = cps
    assert (cp.mean_before, cp.mean_after) == (10.0, 12.0)
    assert cp.magnitude == pytest.approx(0.2) and cp.relative_change == pytest.approx(0.2)
    assert cp.pvalue == 0.0


def test_a_drop_has_a_negative_relative_change() -> None:
    (cp,) = change_points([10.0] * 30 + [8.0] * 30)
    assert cp.relative_change == pytest.approx(-0.2) and cp.magnitude == pytest.approx(0.2)


def test_noise_and_constants_have_no_change_point() -> None:
    assert change_points([5.0] * 100) == []
    assert change_points([1.0]) == [] and change_points([]) == []
    rng = np.random.default_rng(0)
    assert change_points(rng.normal(0, 1, 400) + 50) == []


def test_every_reported_point_passes_its_test_on_its_final_segments() -> None:
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.normal(m, 1.0, 60) for m in (50, 53, 49, 49.5, 56)])
    cps = change_points(x)
    bounds = [0, *[c.index for c in cps], len(x)]
    for i, cp in enumerate(cps):
        before, after = x[bounds[i] : bounds[i + 1]], x[bounds[i + 1] : bounds[i + 2]]
        assert cp.pvalue == pytest.approx(scipy.stats.ttest_ind(before, after).pvalue, rel=1e-9)
        assert cp.pvalue <= 0.001
        assert cp.mean_before == pytest.approx(before.mean())


def test_min_magnitude_filters_small_changes() -> None:
    x = [100.0] * 40 + [102.0] * 40 + [130.0] * 40
    assert [c.index for c in change_points(x)] == [40, 80]
    assert [c.index for c in change_points(x, min_magnitude=0.05)] == [80]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"window": 1}, ValueError),
        ({"window": 2.5}, TypeError),
        ({"max_pvalue": 0.0}, ValueError),
        ({"max_pvalue": 2.0}, ValueError),
        ({"min_magnitude": -1.0}, ValueError),
    ],
)
def test_bad_parameters_name_themselves(kwargs, error) -> None:
    name = next(iter(kwargs))
    with pytest.raises(error, match=name):
        change_points([1.0, 2.0, 3.0], **kwargs)


def test_bad_series() -> None:
    with pytest.raises(ValueError, match=r"series\[2\]"):
        change_points([1.0, 2.0, float("nan")])
    with pytest.raises(TypeError, match="series"):
        change_points(["a", "b"])


# ---------------------------------------------------------------- Apache Otava


def test_recorded_otava_answers_are_what_otava_says(otava) -> None:
    todo, answers = otava
    recorded = json.loads(RECORD.read_text())
    assert recorded["otava"] == "apache-otava==0.8.0"
    assert len(recorded["jobs"]) == len(todo)
    for job, answer, stored in zip(todo, answers, recorded["jobs"], strict=True):
        assert stored["name"] == job["name"]
        fresh = answer["change_points"]
        assert [c["index"] for c in stored["otava"]] == [c["index"] for c in fresh]
        for s, c in zip(stored["otava"], fresh, strict=True):
            assert s["pvalue"] == pytest.approx(c["pvalue"], rel=1e-9, abs=1e-300)


def test_otava_passes_its_own_tests_here(otava) -> None:
    todo, answers = otava
    for job, answer in zip(todo, answers, strict=True):
        if "otava_test_expects" in job:
            assert [c["index"] for c in answer["change_points"]] == job["otava_test_expects"]


def test_every_difference_from_otava_is_one_of_its_two_artefacts(otava) -> None:
    # Otava's answer is reproduced exactly by our method with its ddof=0 t-test and its
    # stale neighbour recomputation put back (tests/tuning/otava_model.py) ...
    todo, answers = otava
    for job, answer in zip(todo, answers, strict=True):
        kw = {k: job[k] for k in ("window", "max_pvalue", "min_magnitude")}
        theirs = [c["index"] for c in answer["change_points"]]
        assert model(job["series"], **kw)[0] == theirs, job["name"]
        # ... and without them the model is the chapter's method, point for point.
        ours = [c.index for c in change_points(job["series"], **kw)]
        assert model(job["series"], ddof0=False, stale=False, **kw)[0] == ours, job["name"]


def test_same_answers_as_otava_where_its_artefacts_do_not_bite(otava) -> None:
    todo, answers = otava
    same = 0
    for job, answer in zip(todo, answers, strict=True):
        kw = {k: job[k] for k in ("window", "max_pvalue", "min_magnitude")}
        ours = [c.index for c in change_points(job["series"], **kw)]
        same += ours == [c["index"] for c in answer["change_points"]]
    assert same >= 0.75 * len(todo)
    single = next(a for j, a in zip(todo, answers, strict=True) if j["name"] == "single_series")
    assert [c["index"] for c in single["change_points"]] == [10]
    assert [c.index for c in change_points(single_series(), window=10, max_pvalue=1e-4)] == [10]


def test_otava_reports_points_that_fail_its_own_criterion(otava) -> None:
    # The evidence the page shows: some of Otava's final points do not pass a correct
    # t-test on the segments Otava itself leaves around them (ours always do, see
    # test_every_reported_point_passes_its_test_on_its_final_segments).
    todo, answers = otava
    failing = 0
    for job, answer in zip(todo, answers, strict=True):
        x = np.asarray(job["series"], dtype=float)
        theirs = [c["index"] for c in answer["change_points"]]
        bounds = [0, *theirs, len(x)]
        for i, index in enumerate(theirs):
            before, after = x[bounds[i] : index], x[index : bounds[i + 2]]
            failing += scipy.stats.ttest_ind(before, after).pvalue > job["max_pvalue"]
        ours = change_points(x, **{k: job[k] for k in ("window", "max_pvalue", "min_magnitude")})
        assert all(c.pvalue <= job["max_pvalue"] for c in ours)
    assert failing > 0


def single_series() -> list[float]:
    return json.loads(datasets.path("otava/test_series.json").read_text())["series"][
        "single_series"
    ]


def test_change_point_is_a_frozen_record() -> None:
    cp = ChangePoint(index=3, pvalue=0.01, mean_before=2.0, mean_after=3.0, magnitude=0.5)
    with pytest.raises(AttributeError):
        cp.index = 4  # type: ignore[misc]
    assert ChangePoint(1, 0.1, 0.0, 0.0, 0.0).relative_change == 0.0
    assert ChangePoint(1, 0.1, 0.0, 1.0, math.inf).relative_change == math.inf


# ------------------------------------------------ defaults, names and edge cases


def test_defaults_are_the_documented_ones() -> None:
    rng = np.random.default_rng(5)
    a, b = rng.lognormal(3.0, 0.3, 40), rng.lognormal(3.1, 0.3, 40)
    # bootstrap_ratio: median, 95 %, 4,000 resamples, seed 0 (reproducible)
    assert bootstrap_ratio(a, b) == bootstrap_ratio(
        a, b, statistic="median", confidence=0.95, resamples=4000, seed=0
    )
    # compare_runs: alpha 0.05, seed 0; its U and p-value are Mann-Whitney's, one-sided
    run = compare_runs(a, b)
    assert run == compare_runs(a, b, alpha=0.05, confidence=0.95, resamples=4000, seed=0)
    theirs = scipy.stats.mannwhitneyu(b, a, alternative="greater")
    assert run.u == theirs.statistic
    assert run.pvalue == pytest.approx(theirs.pvalue, rel=1e-9)
    # mann_whitney: two-sided
    assert mann_whitney(a, b) == mann_whitney(a, b, alternative="two-sided")


@pytest.mark.parametrize(("n1", "n2"), [(8, 12), (9, 9), (9, 20)])
def test_mann_whitney_switches_to_the_normal_approximation_where_scipy_does(n1, n2) -> None:
    # scipy.stats.mannwhitneyu, method="auto": exact when a sample has at most 8 values
    # and there are no ties, the asymptotic (continuity-corrected) test otherwise
    rng = np.random.default_rng(n1 * 100 + n2)
    x, y = rng.normal(0, 1, n1), rng.normal(0.8, 1, n2)
    ours = mann_whitney(x, y)
    assert ours.method == ("exact" if min(n1, n2) <= 8 else "asymptotic")
    assert ours.pvalue == pytest.approx(scipy.stats.mannwhitneyu(x, y).pvalue, rel=1e-9)


def test_bootstrap_percentiles_of_an_enumerable_case() -> None:
    """a = [1]: every resample of a is [1]. b = [1, 2]: a resample of two values has median
    1 (probability 1/4), 1.5 (1/2) or 2 (1/4). The 30th and 70th percentiles of the ratio
    (confidence 0.4) are both 1.5; the 20th and 80th (confidence 0.6) are 1 and 2."""
    narrow = bootstrap_ratio([1.0], [1.0, 2.0], confidence=0.4, seed=3)
    assert (narrow.low, narrow.estimate, narrow.high) == (1.5, 1.5, 1.5)
    wide = bootstrap_ratio([1.0], [1.0, 2.0], confidence=0.6, seed=3)
    assert (wide.low, wide.high) == (1.0, 2.0)


def test_first_pass_level_is_otavas_rule() -> None:
    # Apache Otava's analysis: the split pass runs at 10x the level below 0.05 and at 2x
    # below 0.5; from 0.5 up it is the level itself
    from otlpkb.tuning.regression import _first_pass

    assert [_first_pass(p) for p in (0.001, 0.05, 0.2, 0.5, 0.8)] == [0.01, 0.1, 0.4, 0.5, 0.8]


def test_statistics_run_quietly() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        e_divisive_statistic([1.0, 2.0, 2.0, 5.0, 1.0])
        change_points([1.0] * 30 + [3.0] * 30, window=20)


@pytest.mark.parametrize(
    ("call", "word"),
    [
        (lambda: student_t_test([], [1.0, 2.0]), "before"),
        (lambda: student_t_test([1.0], [float("nan")]), r"after\[0\]"),
        (lambda: e_divisive_statistic([1.0]), "window"),
        (lambda: bootstrap_ratio([], [1.0]), "a"),
        (lambda: bootstrap_ratio([1.0], []), "b"),
        (lambda: bootstrap_ratio([1.0], [1.0], confidence=0.0), "confidence"),
        (lambda: compare_runs([1.0], [1.0], alpha=-0.1), "alpha"),
    ],
)
def test_bad_input_names_the_argument(call, word) -> None:
    with pytest.raises(ValueError, match=rf"(?<!\w){word}(?![\w\[])"):
        call()
