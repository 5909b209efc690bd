"""Questions about week-5 intervals: proportions, means and the bootstrap."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from mlfund import inference as inf

SETTINGS = settings(max_examples=80, deadline=None)

STATSMODELS_NAME = {
    "wald": "normal",
    "wilson": "wilson",
    "agresti_coull": "agresti_coull",
    "clopper_pearson": "beta",
    "jeffreys": "jeffreys",
}
METHODS = tuple(STATSMODELS_NAME)


def _cases() -> list[tuple[int, int, float]]:
    rng = np.random.default_rng(10)
    cases = []
    for _ in range(150):
        n = int(rng.choice([1, 2, 3, 5, 10, 30, 100, 1000, 10**6]))
        k = int(rng.integers(0, n + 1))
        level = float(rng.choice([0.5, 0.8, 0.9, 0.95, 0.99, 0.999]))
        cases.append((k, n, level))
    for n in (1, 2, 7, 10**6):  # every edge: none, all
        cases += [(0, n, 0.95), (n, n, 0.95), (0, n, 0.9), (n, n, 0.99)]
    return cases


CASES = _cases()


# --- proportion_ci ---------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_does_proportion_ci_match_statsmodels(method):
    for k, n, level in CASES:
        ci = inf.proportion_ci(k, n, confidence_level=level, method=method)
        low, high = proportion_confint(k, n, alpha=1 - level, method=STATSMODELS_NAME[method])
        assert ci.low == pytest.approx(low, rel=1e-9, abs=1e-13), (k, n, level)
        assert ci.high == pytest.approx(high, rel=1e-9, abs=1e-13), (k, n, level)


@pytest.mark.parametrize(("method", "scipy_method"), [("wilson", "wilson"),
                                                      ("clopper_pearson", "exact")])
def test_does_proportion_ci_match_scipy_binomtest(method, scipy_method):
    for k, n, level in CASES:
        if n > 10**5:
            continue
        ci = inf.proportion_ci(k, n, confidence_level=level, method=method)
        ref = stats.binomtest(k, n).proportion_ci(confidence_level=level, method=scipy_method)
        assert ci.low == pytest.approx(ref.low, rel=1e-7, abs=1e-12)
        assert ci.high == pytest.approx(ref.high, rel=1e-7, abs=1e-12)


def test_what_happens_at_zero_and_all_successes():
    # Wald degenerates: the plug-in standard error is 0.
    assert inf.proportion_ci(0, 20, method="wald") == inf.ConfidenceInterval(0.0, 0.0)
    assert inf.proportion_ci(20, 20, method="wald") == inf.ConfidenceInterval(1.0, 1.0)
    # Clopper-Pearson: exactly 0 and 1 at the edges, (alpha/2)**(1/n) inside.
    cp = inf.proportion_ci(0, 20, method="clopper_pearson")
    assert cp.low == 0.0
    assert cp.high == pytest.approx(1 - 0.025 ** (1 / 20), rel=1e-12)
    assert inf.proportion_ci(20, 20, method="clopper_pearson").high == 1.0
    # Wilson's lower bound at k = 0 is 0 (up to rounding, clipped).
    assert inf.proportion_ci(0, 20).low == pytest.approx(0.0, abs=1e-15)
    assert inf.proportion_ci(0, 20).low >= 0.0
    # Jeffreys is left equal-tailed: a positive lower bound at k = 0.
    assert inf.proportion_ci(0, 20, method="jeffreys").low > 0.0
    assert inf.proportion_ci(20, 20, method="jeffreys").high < 1.0


def test_is_the_wilson_interval_the_set_where_the_score_test_does_not_reject():
    z = stats.norm.ppf(0.975)
    for k, n in [(0, 5), (3, 10), (17, 40), (99, 100)]:
        ci = inf.proportion_ci(k, n)
        for p in (ci.low, ci.high):
            if 0 < p < 1:
                assert abs(k / n - p) == pytest.approx(z * math.sqrt(p * (1 - p) / n), rel=1e-9)


counts = st.integers(1, 2000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))
levels = st.floats(0.5, 0.999)


@SETTINGS
@given(counts, levels, st.sampled_from(METHODS))
def test_does_the_interval_stay_in_the_unit_interval_and_contain_the_estimate(kn, level, method):
    k, n = kn
    ci = inf.proportion_ci(k, n, confidence_level=level, method=method)
    assert 0.0 <= ci.low <= ci.high <= 1.0
    if method == "jeffreys" and k in (0, n):
        return  # equal-tailed: excludes p_hat at the edges (documented)
    assert ci.low <= k / n + 1e-12 and k / n - 1e-12 <= ci.high


@SETTINGS
@given(counts, levels, levels, st.sampled_from(METHODS))
def test_is_the_interval_wider_at_a_higher_level(kn, level_1, level_2, method):
    k, n = kn
    lo_level, hi_level = sorted((level_1, level_2))
    narrow = inf.proportion_ci(k, n, confidence_level=lo_level, method=method)
    wide = inf.proportion_ci(k, n, confidence_level=hi_level, method=method)
    assert wide.low <= narrow.low + 1e-12
    assert narrow.high <= wide.high + 1e-12


@SETTINGS
@given(counts, levels, st.sampled_from(METHODS))
def test_is_the_interval_symmetric_under_swapping_successes_and_failures(kn, level, method):
    k, n = kn
    ci = inf.proportion_ci(k, n, confidence_level=level, method=method)
    mirror = inf.proportion_ci(n - k, n, confidence_level=level, method=method)
    assert ci.low == pytest.approx(1 - mirror.high, abs=1e-9)
    assert ci.high == pytest.approx(1 - mirror.low, abs=1e-9)


def test_are_numpy_integers_and_integral_floats_accepted():
    assert inf.proportion_ci(np.int64(3), np.int32(10)) == inf.proportion_ci(3, 10)
    assert inf.proportion_ci(3.0, 10.0) == inf.proportion_ci(3, 10)


# --- mean_ci ---------------------------------------------------------------------------


def test_does_the_t_interval_match_scipy_and_statsmodels():
    rng = np.random.default_rng(11)
    for _ in range(100):
        n = int(rng.choice([2, 3, 5, 30, 1000]))
        x = rng.normal(rng.normal(), rng.uniform(0.1, 10), size=n)
        level = float(rng.uniform(0.5, 0.999))
        ci = inf.mean_ci(x, confidence_level=level)
        low, high = stats.t.interval(level, n - 1, loc=x.mean(), scale=stats.sem(x))
        assert (ci.low, ci.high) == pytest.approx((low, high), rel=1e-10, abs=1e-12)
        low, high = DescrStatsW(x).tconfint_mean(alpha=1 - level)
        assert (ci.low, ci.high) == pytest.approx((low, high), rel=1e-10, abs=1e-12)


def test_does_the_z_interval_match_scipy_norm_interval():
    rng = np.random.default_rng(12)
    for _ in range(100):
        n = int(rng.choice([1, 2, 10, 10**6]))
        x = rng.normal(size=n)
        sigma, level = float(rng.uniform(0.1, 5)), float(rng.uniform(0.5, 0.999))
        ci = inf.mean_ci(x, confidence_level=level, sigma=sigma)
        low, high = stats.norm.interval(level, loc=x.mean(), scale=sigma / math.sqrt(n))
        assert (ci.low, ci.high) == pytest.approx((low, high), rel=1e-10, abs=1e-12)


samples = st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=2, max_size=40)


@SETTINGS
@given(samples, levels, levels, st.randoms())
def test_mean_ci_contains_the_mean_widens_with_level_and_ignores_order(x, l1, l2, random):
    lo_level, hi_level = sorted((l1, l2))
    narrow = inf.mean_ci(x, confidence_level=lo_level)
    wide = inf.mean_ci(np.array(x), confidence_level=hi_level)
    mean = float(np.mean(x))
    assert narrow.low <= mean + 1e-9 <= narrow.high + 2e-9
    assert wide.low <= narrow.low + 1e-9 and narrow.high <= wide.high + 1e-9
    shuffled = list(x)
    random.shuffle(shuffled)
    other = inf.mean_ci(shuffled, confidence_level=lo_level)
    assert other.low == pytest.approx(narrow.low, rel=1e-9, abs=1e-9)
    assert other.high == pytest.approx(narrow.high, rel=1e-9, abs=1e-9)


# --- bootstrap_ci ----------------------------------------------------------------------


@pytest.mark.parametrize("statistic", [np.mean, np.median, np.std])
@pytest.mark.parametrize("seed", [0, 1, 123])
def test_does_the_bootstrap_match_scipy_with_the_same_seed(statistic, seed):
    x = np.random.default_rng(seed + 100).lognormal(size=25)
    level = 0.9
    ours = inf.bootstrap_ci(x, statistic, n_resamples=999, confidence_level=level,
                            random_state=seed)
    ref = stats.bootstrap(
        (x,), statistic, n_resamples=999, confidence_level=level, method="percentile",
        rng=seed, vectorized=True,
    ).confidence_interval
    assert ours.low == pytest.approx(ref.low, rel=1e-12)
    assert ours.high == pytest.approx(ref.high, rel=1e-12)


def test_does_a_generator_continue_its_stream_and_a_seed_repeat():
    x = np.arange(20.0)
    first = inf.bootstrap_ci(x, np.mean, n_resamples=200, random_state=5)
    assert first == inf.bootstrap_ci(list(x), np.mean, n_resamples=200, random_state=5)
    rng = np.random.default_rng(5)
    assert inf.bootstrap_ci(x, np.mean, n_resamples=200, random_state=rng) == first
    assert inf.bootstrap_ci(x, np.mean, n_resamples=200, random_state=rng) != first


def test_does_the_bootstrap_interval_of_the_mean_agree_with_the_t_interval_statistically():
    x = np.random.default_rng(13).normal(10, 2, size=400)
    boot = inf.bootstrap_ci(x, np.mean, n_resamples=4000, random_state=0)
    t = inf.mean_ci(x)
    assert boot.low == pytest.approx(t.low, abs=0.05)
    assert boot.high == pytest.approx(t.high, abs=0.05)


def test_does_a_constant_sample_give_a_point():
    assert inf.bootstrap_ci([2.0, 2.0, 2.0], np.mean, n_resamples=50, random_state=0) == (
        inf.ConfidenceInterval(2.0, 2.0)
    )


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: inf.proportion_ci(-1, 10), ValueError, "successes"),
        (lambda: inf.proportion_ci(11, 10), ValueError, r"successes \(11\) must be <= n \(10\)"),
        (lambda: inf.proportion_ci(0, 0), ValueError, r"n \(0\)"),
        (lambda: inf.proportion_ci(np.nan, 10), ValueError, "successes"),
        (lambda: inf.proportion_ci(2, 10, confidence_level=1.0), ValueError, "confidence_level"),
        (lambda: inf.proportion_ci(2, 10, confidence_level=0), ValueError, "confidence_level"),
        (lambda: inf.proportion_ci(2, 10, confidence_level=95), ValueError, "confidence_level"),
        (lambda: inf.proportion_ci(2, 10, method="exact"), ValueError,
         r"method \('exact'\) must be one of 'wald', 'wilson'"),
        (lambda: inf.proportion_ci(2, 10, method="Wilson"), ValueError, "method"),
        (lambda: inf.proportion_ci(True, 10), TypeError, "successes"),
        (lambda: inf.mean_ci([1.0]), ValueError, "at least 2"),
        (lambda: inf.mean_ci([1.0, np.nan]), ValueError, "NaN"),
        (lambda: inf.mean_ci([1.0, 2.0], sigma=0.0), ValueError, "sigma"),
        (lambda: inf.mean_ci([1.0, 2.0], confidence_level=1.5), ValueError, "confidence_level"),
        (lambda: inf.mean_ci(["a", "b"]), TypeError, "x"),
        (lambda: inf.bootstrap_ci([1.0, 2.0], "mean"), TypeError, "statistic"),
        (lambda: inf.bootstrap_ci([1.0, 2.0], lambda x: "a", n_resamples=5), TypeError,
         "real number"),
        (lambda: inf.bootstrap_ci([1.0, 2.0], lambda x: np.nan, n_resamples=5), ValueError,
         "NaN"),
        (lambda: inf.bootstrap_ci([1.0, 2.0], np.mean, n_resamples=0), ValueError,
         "n_resamples"),
        (lambda: inf.bootstrap_ci([1.0, 2.0], np.mean, random_state=-1), ValueError,
         "random_state"),
        (lambda: inf.bootstrap_ci([1.0, 2.0], np.mean, random_state="seed"), TypeError,
         "random_state"),
        (lambda: inf.bootstrap_ci([], np.mean), ValueError, "data"),
    ],
)
def test_is_bad_input_refused_with_a_message_naming_it(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_is_a_bool_confidence_level_refused():
    with pytest.raises(TypeError, match="confidence_level"):
        inf.proportion_ci(1, 2, confidence_level=True)
