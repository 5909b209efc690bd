"""Questions about comparing two groups: difference CIs, the z-test and Welch's t-test."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from mlfund import inference as inf

SETTINGS = settings(max_examples=80, deadline=None)

STATSMODELS_NAME = {"wald": "wald", "newcombe": "newcomb", "agresti_caffo": "agresti-caffo"}
SIDES = {"two-sided": "two-sided", "less": "smaller", "greater": "larger"}


def _two_group_cases() -> list[tuple[int, int, int, int, float]]:
    rng = np.random.default_rng(30)
    cases = []
    for _ in range(150):
        n_a = int(rng.choice([1, 2, 5, 20, 100, 5000, 10**6]))
        n_b = int(rng.choice([1, 3, 10, 100, 5000, 10**6]))
        level = float(rng.choice([0.8, 0.9, 0.95, 0.99]))
        cases.append((int(rng.integers(0, n_a + 1)), n_a, int(rng.integers(0, n_b + 1)), n_b,
                      level))
    cases += [(0, 10, 0, 10, 0.95), (10, 10, 10, 10, 0.95), (0, 10, 10, 10, 0.95),
              (10, 10, 0, 10, 0.95), (0, 1, 1, 1, 0.9), (2, 2, 1, 2, 0.95)]
    return cases


CASES = _two_group_cases()


# --- diff_proportions_ci -----------------------------------------------------------------


@pytest.mark.parametrize("method", tuple(STATSMODELS_NAME))
def test_does_the_difference_ci_match_statsmodels(method):
    for k_a, n_a, k_b, n_b, level in CASES:
        ci = inf.diff_proportions_ci(k_a, n_a, k_b, n_b, confidence_level=level, method=method)
        low, high = confint_proportions_2indep(
            k_a, n_a, k_b, n_b, method=STATSMODELS_NAME[method], alpha=1 - level
        )
        # statsmodels does not clip Wald / Agresti-Caffo; we clip to [-1, 1] (documented).
        low, high = np.clip([low, high], -1, 1)
        assert ci.low == pytest.approx(low, rel=1e-9, abs=1e-12), (k_a, n_a, k_b, n_b)
        assert ci.high == pytest.approx(high, rel=1e-9, abs=1e-12), (k_a, n_a, k_b, n_b)


def test_is_newcombe_built_from_the_two_wilson_intervals():
    k_a, n_a, k_b, n_b = 15, 40, 4, 30
    a, b = inf.proportion_ci(k_a, n_a), inf.proportion_ci(k_b, n_b)
    p_a, p_b = k_a / n_a, k_b / n_b
    ci = inf.diff_proportions_ci(k_a, n_a, k_b, n_b)
    assert ci.low == pytest.approx(p_a - p_b - np.hypot(p_a - a.low, b.high - p_b))
    assert ci.high == pytest.approx(p_a - p_b + np.hypot(a.high - p_a, p_b - b.low))


def test_is_newcombe_clipped_only_against_rounding():
    # (1/1) - (0/13): the hybrid score upper bound is 1 + 2e-16 before the clip.
    assert inf.diff_proportions_ci(1, 1, 0, 13, confidence_level=0.75).high == 1.0


def test_does_wald_clip_where_it_would_leave_minus_one_to_one():
    raw = confint_proportions_2indep(2, 2, 1, 2, method="wald")
    assert raw[1] > 1
    assert inf.diff_proportions_ci(2, 2, 1, 2, method="wald").high == 1.0
    assert inf.diff_proportions_ci(5, 5, 0, 5, method="wald") == inf.ConfidenceInterval(1.0, 1.0)


group = st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))
levels = st.floats(0.5, 0.999)
DIFF_METHODS = inf.DIFF_PROPORTIONS_CI_METHODS


@SETTINGS
@given(group, group, levels, st.sampled_from(DIFF_METHODS))
def test_does_swapping_the_groups_negate_the_interval(a, b, level, method):
    ci = inf.diff_proportions_ci(*a, *b, confidence_level=level, method=method)
    swapped = inf.diff_proportions_ci(*b, *a, confidence_level=level, method=method)
    assert ci.low == pytest.approx(-swapped.high, abs=1e-12)
    assert ci.high == pytest.approx(-swapped.low, abs=1e-12)


@SETTINGS
@given(group, group, levels, levels, st.sampled_from(DIFF_METHODS))
def test_is_the_difference_ci_wider_at_a_higher_level_and_inside_minus_one_one(a, b, l1, l2,
                                                                               method):
    lo_level, hi_level = sorted((l1, l2))
    narrow = inf.diff_proportions_ci(*a, *b, confidence_level=lo_level, method=method)
    wide = inf.diff_proportions_ci(*a, *b, confidence_level=hi_level, method=method)
    assert -1.0 <= wide.low <= narrow.low + 1e-12
    assert narrow.high <= wide.high + 1e-12
    assert wide.high <= 1.0


@SETTINGS
@given(group, group, levels, st.sampled_from(("wald", "newcombe")))
def test_does_the_difference_ci_contain_the_observed_difference(a, b, level, method):
    ci = inf.diff_proportions_ci(*a, *b, confidence_level=level, method=method)
    diff = a[0] / a[1] - b[0] / b[1]
    assert ci.low - 1e-12 <= diff <= ci.high + 1e-12


# --- two_proportion_ztest ----------------------------------------------------------------


@pytest.mark.parametrize("alternative", tuple(SIDES))
def test_does_the_ztest_match_statsmodels(alternative):
    for k_a, n_a, k_b, n_b, _ in CASES:
        if k_a + k_b in (0, n_a + n_b):
            continue
        res = inf.two_proportion_ztest(k_a, n_a, k_b, n_b, alternative=alternative)
        z, p = proportions_ztest([k_a, k_b], [n_a, n_b], alternative=SIDES[alternative])
        assert res.statistic == pytest.approx(z, rel=1e-9, abs=1e-12)
        assert res.pvalue == pytest.approx(p, rel=1e-9, abs=1e-300)


def test_is_z_squared_the_uncorrected_chi_square_of_the_two_by_two_table():
    rng = np.random.default_rng(31)
    for _ in range(50):
        n_a, n_b = (int(v) for v in rng.integers(5, 2000, size=2))
        k_a, k_b = int(rng.integers(1, n_a)), int(rng.integers(1, n_b))
        table = [[k_a, n_a - k_a], [k_b, n_b - k_b]]
        chi2, p, *_ = stats.chi2_contingency(table, correction=False)
        res = inf.two_proportion_ztest(k_a, n_a, k_b, n_b)
        assert res.statistic**2 == pytest.approx(chi2, rel=1e-9)
        assert res.pvalue == pytest.approx(p, rel=1e-7)


def test_do_one_sided_pvalues_halve_and_complement_the_two_sided_one():
    res = inf.two_proportion_ztest(150, 1000, 120, 1000)
    greater = inf.two_proportion_ztest(150, 1000, 120, 1000, alternative="greater")
    less = inf.two_proportion_ztest(150, 1000, 120, 1000, alternative="less")
    assert greater.pvalue == pytest.approx(res.pvalue / 2)
    assert less.pvalue == pytest.approx(1 - res.pvalue / 2)


@SETTINGS
@given(group, group)
def test_does_swapping_the_groups_negate_z_and_keep_the_two_sided_pvalue(a, b):
    if a[0] + b[0] in (0, a[1] + b[1]):
        return
    res = inf.two_proportion_ztest(*a, *b)
    swapped = inf.two_proportion_ztest(*b, *a)
    assert res.statistic == pytest.approx(-swapped.statistic, abs=1e-12)
    assert res.pvalue == pytest.approx(swapped.pvalue, rel=1e-12)
    assert 0.0 <= res.pvalue <= 1.0


# --- welch_ttest -------------------------------------------------------------------------


def _samples(rng) -> tuple[np.ndarray, np.ndarray]:
    a = rng.normal(rng.normal(), rng.uniform(0.1, 5), size=int(rng.choice([2, 3, 8, 50, 500])))
    b = rng.normal(rng.normal(), rng.uniform(0.1, 5), size=int(rng.choice([2, 4, 9, 60, 300])))
    return a, b


@pytest.mark.parametrize("alternative", tuple(SIDES))
def test_does_welch_match_scipy_ttest_ind(alternative):
    rng = np.random.default_rng(32)
    for _ in range(60):
        a, b = _samples(rng)
        level = float(rng.uniform(0.5, 0.99))
        res = inf.welch_ttest(a, b, alternative=alternative)
        ref = stats.ttest_ind(a, b, equal_var=False, alternative=alternative)
        assert res.statistic == pytest.approx(ref.statistic, rel=1e-10)
        assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-8, abs=1e-300)
        assert res.df == pytest.approx(ref.df, rel=1e-10)
        ci, ref_ci = res.confidence_interval(level), ref.confidence_interval(level)
        assert ci.low == pytest.approx(ref_ci.low, rel=1e-9)
        assert ci.high == pytest.approx(ref_ci.high, rel=1e-9)


def test_does_welch_match_statsmodels_compare_means():
    rng = np.random.default_rng(33)
    for _ in range(30):
        a, b = _samples(rng)
        cm = CompareMeans(DescrStatsW(a), DescrStatsW(b))
        t, p, df = cm.ttest_ind(usevar="unequal")
        res = inf.welch_ttest(a, b)
        assert (res.statistic, res.pvalue, res.df) == pytest.approx((t, p, df), rel=1e-8)
        low, high = cm.tconfint_diff(alpha=0.1, usevar="unequal")
        ci = res.confidence_interval(confidence_level=0.9)
        assert (ci.low, ci.high) == pytest.approx((low, high), rel=1e-9)
        assert res.df == pytest.approx(
            inf.welch_satterthwaite_df(np.var(a, ddof=1), a.size, np.var(b, ddof=1), b.size)
        )


@pytest.mark.filterwarnings("ignore:Precision loss occurred:RuntimeWarning")
def test_does_welch_accept_one_constant_sample():
    res = inf.welch_ttest([1.0, 1.0, 1.0], [0.0, 1.0, 2.0, 5.0])
    ref = stats.ttest_ind([1.0, 1.0, 1.0], [0.0, 1.0, 2.0, 5.0], equal_var=False)
    assert res.statistic == pytest.approx(ref.statistic)
    assert res.df == pytest.approx(3.0)


# Whole numbers keep sums exact, so reordering cannot change a single bit of the result.
values = st.lists(st.integers(-1000, 1000).map(float), min_size=2, max_size=30)


@SETTINGS
@given(values, values, st.randoms())
def test_is_welch_antisymmetric_order_invariant_and_list_or_array(a, b, random):
    if np.ptp(a) == 0 and np.ptp(b) == 0:
        with pytest.raises(ValueError, match="both constant"):
            inf.welch_ttest(a, b)
        return
    res = inf.welch_ttest(a, b)
    swapped = inf.welch_ttest(np.array(b), np.array(a))
    assert res.statistic == pytest.approx(-swapped.statistic, rel=1e-9, abs=1e-9)
    assert res.df == pytest.approx(swapped.df, rel=1e-9)
    shuffled = list(a)
    random.shuffle(shuffled)
    again = inf.welch_ttest(shuffled, b)
    assert again.statistic == pytest.approx(res.statistic, rel=1e-12)
    assert min(len(a), len(b)) - 1 - 1e-9 <= res.df <= len(a) + len(b) - 2 + 1e-9
    ci = res.confidence_interval()
    assert ci.low <= res.estimate <= ci.high


def test_are_one_sided_welch_intervals_one_sided():
    a, b = [1.0, 2.0, 3.0, 4.0], [2.0, 2.5, 6.0]
    assert inf.welch_ttest(a, b, alternative="less").confidence_interval().low == -np.inf
    assert inf.welch_ttest(a, b, alternative="greater").confidence_interval().high == np.inf


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: inf.diff_proportions_ci(-1, 10, 2, 10), ValueError, "successes_a"),
        (lambda: inf.diff_proportions_ci(1, 10, 12, 10), ValueError,
         r"successes_b \(12\) must be <= n_b \(10\)"),
        (lambda: inf.diff_proportions_ci(1, 10, 2, 0), ValueError, "n_b"),
        (lambda: inf.diff_proportions_ci(1, 10, 2, 10, method="newcomb"), ValueError,
         r"method \('newcomb'\) must be one of 'newcombe', 'wald' or 'agresti_caffo'"),
        (lambda: inf.diff_proportions_ci(1, 10, 2, 10, confidence_level=0.0), ValueError,
         "confidence_level"),
        (lambda: inf.two_proportion_ztest(1, 10, 2, 10, alternative="larger"), ValueError,
         r"alternative \('larger'\) must be one of 'two-sided', 'less' or 'greater'"),
        (lambda: inf.two_proportion_ztest(0, 10, 0, 20), ValueError, "pooled proportion is 0"),
        (lambda: inf.two_proportion_ztest(10, 10, 20, 20), ValueError, "pooled proportion is 1"),
        (lambda: inf.two_proportion_ztest(np.nan, 10, 2, 10), ValueError, "successes_a"),
        (lambda: inf.welch_ttest([1.0], [1.0, 2.0]), ValueError, "a must have at least 2"),
        (lambda: inf.welch_ttest([1.0, 2.0], [np.nan, 2.0]), ValueError, "b must contain"),
        (lambda: inf.welch_ttest([1.0, 1.0], [2.0, 2.0]), ValueError, "both constant"),
        (lambda: inf.welch_ttest([0.1] * 3, [0.7] * 5), ValueError, "both constant"),
        (lambda: inf.welch_ttest([1.0, 2.0], [2.0, 3.0], alternative="two_sided"), ValueError,
         "alternative"),
        (lambda: inf.welch_ttest([1.0, 2.0], [2.0, 3.0]).confidence_interval(1.0), ValueError,
         "confidence_level"),
        (lambda: inf.welch_satterthwaite_df(0.0, 5, 0.0, 5), ValueError, "both 0"),
        (lambda: inf.welch_satterthwaite_df(1.0, 1, 1.0, 5), ValueError, "n_a"),
        (lambda: inf.welch_satterthwaite_df(-1.0, 5, 1.0, 5), ValueError, "var_a"),
    ],
)
def test_is_bad_input_refused_with_a_message_naming_it(call, error, match):
    with pytest.raises(error, match=match):
        call()
